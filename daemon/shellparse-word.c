/* Shell words: quotes, escapes, backquotes, ~, and the words of here-documents. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

bool
sp_name_valid(const char *s, size_t n)
{
	if (n == 0 || !sp_is_name_start(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!sp_is_name_char(s[i]))
			return false;
	return true;
}

/*
 * Appends n bytes with one mark. Past the byte budget the text is dropped
 * and the parse made incomplete: expansions of expansions ($X$X$X with X
 * set the same way) could otherwise grow without end.
 */
int
sp_put(struct sp_parser *p, struct sp_word *w, const char *s, size_t n, unsigned char mark)
{
	if (n == 0)
		return 0;
	if (p->ctx->bytes + n > SHELL_MAX_BYTES || w->len + n >= SIZE_MAX / 2) {
		sp_incomplete(p, "the words are too long");
		return 0;
	}
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 32;
		char *t;
		unsigned char *m;

		while (cap < w->len + n + 1)
			cap *= 2;
		t = realloc(w->text, cap);
		if (t == NULL)
			return sp_oom(p);
		w->text = t;
		m = realloc(w->mark, cap);
		if (m == NULL)
			return sp_oom(p);
		w->mark = m;
		w->cap = cap;
	}
	memcpy(w->text + w->len, s, n);
	memset(w->mark + w->len, mark, n);
	w->len += n;
	w->text[w->len] = '\0';
	p->ctx->bytes += n;
	return 0;
}

/* An empty word ("" or $EMPTY) still has a buffer, so that callers need no special case. */
int
sp_ensure_buffer(struct sp_parser *p, struct sp_word *w)
{
	if (w->text != NULL)
		return 0;
	w->text = calloc(1, 1);
	w->mark = calloc(1, 1);
	if (w->text == NULL || w->mark == NULL)
		return sp_oom(p);
	w->cap = 1;
	return 0;
}

int
sp_put_char(struct sp_parser *p, struct sp_word *w, char c, unsigned char mark)
{
	return sp_put(p, w, &c, 1, mark);
}

int
sp_add_subst(struct sp_parser *p, struct sp_word *w, const char *body, size_t n,
	  enum shell_origin origin)
{
	struct sp_subst *s;
	char *copy;

	if (w->n_substs >= SHELL_MAX_COMMANDS) {
		sp_incomplete(p, "too many substitutions");
		return 0;
	}
	copy = strndup(body, n);
	if (copy == NULL)
		return sp_oom(p);
	s = realloc(w->substs, (w->n_substs + 1) * sizeof *s);
	if (s == NULL) {
		free(copy);
		return sp_oom(p);
	}
	w->substs = s;
	w->substs[w->n_substs].body = copy;
	w->substs[w->n_substs].origin = origin;
	w->n_substs++;
	return 0;
}

void
sp_word_clear(struct sp_word *w)
{
	free(w->text);
	free(w->mark);
	for (size_t i = 0; i < w->n_substs; i++)
		free(w->substs[i].body);
	free(w->substs);
	memset(w, 0, sizeof *w);
}

void
sp_words_clear(struct sp_words *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		free(ws->v[i]);
	free(ws->v);
	free(ws->flags);
	free(ws->src);
	memset(ws, 0, sizeof *ws);
}

/* `...`: the body loses one level of backslashes before it is parsed. */
int
sp_lex_backtick(struct sp_parser *p, struct sp_word *w, bool in_dq)
{
	size_t start = p->pos, end = sp_skip_backtick(p->src, p->len, p->pos + 1);
	struct sp_word body = { 0 };
	int r = 0;

	if (end == SP_NOT_FOUND) {
		sp_incomplete(p, "unterminated `");
		end = p->len;
	}
	p->pos = end;
	if (end > start + 1 && p->src[end - 1] == '`')
		end--;
	for (size_t i = start + 1; r == 0 && i < end; i++) {
		char c = p->src[i];

		if (c == '\\' && i + 1 < end &&
		    (p->src[i + 1] == '\\' || p->src[i + 1] == '`' || p->src[i + 1] == '$' ||
		     (in_dq && p->src[i + 1] == '"')))
			c = p->src[++i];
		r = sp_put_char(p, &body, c, 0);
	}
	if (r == 0)
		r = sp_add_subst(p, w, body.text ? body.text : "", body.len, SHELL_ORIGIN_SUBST);
	sp_word_clear(&body);
	if (r < 0)
		return r;
	return sp_put_opaque(p, w, start, p->pos, SHELL_WORD_SUBST);
}

int
sp_lex_quoted(struct sp_parser *p, struct sp_word *w, char term, bool here_doc)
{
	int r = 0;

	if (++p->nesting > SP_MAX_NESTING) {
		sp_incomplete(p, "nested too deeply");
		p->pos = p->len;
		p->nesting--;
		return 0;
	}
	while (r == 0 && p->pos < p->len) {
		char c = p->src[p->pos];

		if (term != '\0' && c == term) {
			p->pos++;
			p->nesting--;
			return 0;
		}
		if (c == '\\' && p->pos + 1 < p->len) {
			char n = p->src[p->pos + 1];

			if (n == '\n') {
				p->pos += 2;
			} else if (n == '$' || n == '`' || n == '\\' || (n == '"' && !here_doc)) {
				r = sp_put_char(p, w, n, SP_QUOTED);
				p->pos += 2;
			} else {
				r = sp_put_char(p, w, '\\', SP_QUOTED);
				p->pos++;
			}
		} else if (c == '$') {
			r = sp_lex_dollar(p, w, true);
		} else if (c == '`') {
			r = sp_lex_backtick(p, w, true);
		} else {
			r = sp_put_char(p, w, c, SP_QUOTED);
			p->pos++;
		}
	}
	p->nesting--;
	if (r == 0 && term != '\0')
		sp_incomplete(p, "unterminated double quote");
	return r;
}

/* <(...) and >(...): the word names a pipe; the command inside runs beside this one. */
static int
lex_process_subst(struct sp_parser *p, struct sp_word *w)
{
	size_t start = p->pos;
	size_t close = sp_scan_close(p->src, p->len, start + 2, '(', ')', p->nesting + 1);
	int r;

	if (close == SP_NOT_FOUND) {
		sp_incomplete(p, "unterminated process substitution");
		close = p->len;
		p->pos = p->len;
	} else {
		p->pos = close + 1;
	}
	r = sp_add_subst(p, w, p->src + start + 2, close - (start + 2), SHELL_ORIGIN_PROCSUBST);
	if (r < 0)
		return r;
	return sp_put_opaque(p, w, start, p->pos, SHELL_WORD_PROCSUBST);
}

/* Whether w so far is NAME= or NAME+=, all unquoted: where ~ and ( mean something. */
static bool
assignment_prefix(const struct sp_word *w)
{
	size_t n = w->len;

	if (n < 2 || w->text[n - 1] != '=' || w->mark[n - 1] != 0)
		return false;
	n--;
	if (n > 0 && w->text[n - 1] == '+')
		n--;
	for (size_t i = 0; i < n; i++)
		if (w->mark[i] != 0)
			return false;
	return sp_name_valid(w->text, n);
}

/* ~, ~/x, ~user: the caller's home, or /root, or /home/user. */
static int
lex_tilde(struct sp_parser *p, struct sp_word *w)
{
	size_t start = p->pos, end = p->pos + 1;
	char buf[300];

	while (end < p->len && (sp_is_name_char(p->src[end]) || p->src[end] == '.' ||
				p->src[end] == '-' || p->src[end] == '+'))
		end++;
	if (end < p->len && p->src[end] != '/' && p->src[end] != ':' && !sp_is_meta(p->src[end])) {
		p->pos++;
		return sp_put_char(p, w, '~', 0);
	}
	p->pos = end;
	if (end == start + 1) {
		if (p->ctx->home != NULL)
			return sp_put(p, w, p->ctx->home, strlen(p->ctx->home), SP_QUOTED);
		return sp_put_opaque(p, w, start, end, SHELL_WORD_VARIABLE);
	}
	if (end - start - 1 == 4 && memcmp(p->src + start + 1, "root", 4) == 0)
		return sp_put(p, w, "/root", 5, SP_QUOTED);
	if (p->src[start + 1] == '+' || p->src[start + 1] == '-' || end - start > 200)
		return sp_put_opaque(p, w, start, end, SHELL_WORD_VARIABLE);
	snprintf(buf, sizeof buf, "/home/%.*s", (int)(end - start - 1), p->src + start + 1);
	return sp_put(p, w, buf, strlen(buf), SP_QUOTED);
}

bool
sp_is_meta(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
	       c == ')' || c == '<' || c == '>';
}

/* Lexes one word at p->pos, up to the first unquoted metacharacter. */
int
sp_lex_word(struct sp_parser *p, struct sp_word *w)
{
	size_t start = p->pos;
	int r = 0;

	while (r == 0 && p->pos < p->len) {
		char c = p->src[p->pos];

		if (c == '(' && w->len > 0 && strchr("?*+@!", w->text[w->len - 1]) &&
		    w->mark[w->len - 1] == 0) {
			/* An extglob pattern, !(*.c) or @(a|b): one word, a glob. */
			size_t close = sp_scan_close(p->src, p->len, p->pos + 1, '(', ')', p->nesting + 1);

			if (close == SP_NOT_FOUND) {
				sp_incomplete(p, "unterminated pattern");
				close = p->len - 1;
			}
			r = sp_put(p, w, p->src + p->pos, close + 1 - p->pos, 0);
			p->pos = close + 1;
			continue;
		}
		if (sp_is_meta(c)) {
			if ((c == '<' || c == '>') && p->pos == start && p->pos + 1 < p->len &&
			    p->src[p->pos + 1] == '(') {
				r = lex_process_subst(p, w);
				continue;
			}
			if (c == '(' && assignment_prefix(w)) {
				/* NAME=(a b c): an array; the elements may hold substitutions. */
				size_t close = sp_scan_close(p->src, p->len, p->pos + 1, '(', ')',
							     p->nesting + 1);
				size_t end = close + 1;

				if (close == SP_NOT_FOUND) {
					sp_incomplete(p, "unterminated array");
					close = end = p->len;
				}
				r = sp_substs_in(p, w, p->src + p->pos + 1, close - (p->pos + 1));
				if (r == 0)
					r = sp_put_opaque(p, w, p->pos, end, SHELL_WORD_VARIABLE);
				p->pos = end;
				continue;
			}
			break;
		}
		switch (c) {
		case '\\':
			if (p->pos + 1 >= p->len) {
				r = sp_put_char(p, w, '\\', 0);
				p->pos++;
			} else if (p->src[p->pos + 1] == '\n') {
				p->pos += 2;
			} else {
				w->flags |= SHELL_WORD_QUOTED;
				r = sp_put_char(p, w, p->src[p->pos + 1], SP_QUOTED);
				p->pos += 2;
			}
			break;
		case '\'': {
			size_t end = sp_skip_squote(p->src, p->len, p->pos + 1);

			w->flags |= SHELL_WORD_QUOTED;
			if (end == SP_NOT_FOUND) {
				sp_incomplete(p, "unterminated single quote");
				end = p->len + 1;
			}
			r = sp_put(p, w, p->src + p->pos + 1, end - 1 - (p->pos + 1), SP_QUOTED);
			p->pos = end > p->len ? p->len : end;
			break;
		}
		case '"':
			w->flags |= SHELL_WORD_QUOTED;
			p->pos++;
			r = sp_lex_quoted(p, w, '"', false);
			break;
		case '`':
			r = sp_lex_backtick(p, w, false);
			break;
		case '$':
			r = sp_lex_dollar(p, w, false);
			break;
		case '~':
			if (p->pos == start || assignment_prefix(w)) {
				r = lex_tilde(p, w);
			} else {
				r = sp_put_char(p, w, c, 0);
				p->pos++;
			}
			break;
		default:
			r = sp_put_char(p, w, c, 0);
			p->pos++;
		}
	}
	if (r < 0)
		return r;
	return sp_ensure_buffer(p, w);
}

/* A word made of text taken as it is: the "[[" of a test, an operator inside one. */
int
sp_word_literal(struct sp_parser *p, const char *text, size_t n, struct sp_word *w)
{
	int r = sp_put(p, w, text, n, SP_QUOTED);

	return r < 0 ? r : sp_ensure_buffer(p, w);
}

int
sp_lex_heredoc(struct sp_parser *p, const char *body, size_t len, struct sp_word *w)
{
	struct sp_parser sub = { .ctx = p->ctx, .up = p, .src = body, .len = len, .depth = p->depth,
				 .nesting = p->nesting + 1 };
	int r = sp_lex_quoted(&sub, w, '\0', true);

	for (size_t i = 0; i < sub.n_vars; i++) {
		free(sub.vars[i].name);
		free(sub.vars[i].value);
	}
	return r < 0 ? r : sp_ensure_buffer(p, w);
}

/* Whether w holds any part whose value we do not know. */
bool
sp_word_opaque(const struct sp_word *w)
{
	for (size_t i = 0; i < w->len; i++)
		if (w->mark[i] & SP_OPAQUE)
			return true;
	return false;
}

char *
sp_word_string(struct sp_parser *p, const struct sp_word *w)
{
	char *s = strndup(w->text ? w->text : "", w->len);

	if (s == NULL)
		sp_oom(p);
	return s;
}
