/* Shell words: $ expansions, $'...', ${...}, $(...), $((...)) and the variables a line sets. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

/* The value of a variable: set in this text or one it was found in, or known to every shell. */
static const char *
var_get(const struct sp_parser *p, const char *name, size_t n, bool *known, bool *output)
{
	*output = false;
	for (const struct sp_parser *q = p; q != NULL; q = q->up)
		for (size_t i = 0; i < q->n_vars; i++)
			if (strlen(q->vars[i].name) == n && memcmp(q->vars[i].name, name, n) == 0) {
				*known = q->vars[i].value != NULL;
				*output = q->vars[i].output;
				return q->vars[i].value;
			}
	*known = true;
	if (n == 4 && memcmp(name, "HOME", 4) == 0 && p->ctx->home != NULL)
		return p->ctx->home;
	/* Unset almost everywhere, and /tmp where it is not; rm -rf $TMPDIR/x means /tmp/x. */
	if (n == 6 && memcmp(name, "TMPDIR", 6) == 0)
		return "/tmp";
	if (n == 3 && memcmp(name, "IFS", 3) == 0)
		return " \t\n";
	*known = false;
	return NULL;
}

int
sp_var_set(struct sp_parser *p, const char *name, size_t n, const char *value, bool output)
{
	char *v = NULL;

	if (value != NULL && (v = strdup(value)) == NULL)
		return sp_oom(p);
	for (size_t i = 0; i < p->n_vars; i++)
		if (strlen(p->vars[i].name) == n && memcmp(p->vars[i].name, name, n) == 0) {
			free(p->vars[i].value);
			p->vars[i].value = v;
			p->vars[i].output = output;
			return 0;
		}
	/* A full table forgets the new one: it then expands to itself, unknown. */
	if (p->n_vars == SP_MAX_VARS) {
		free(v);
		return 0;
	}
	p->vars[p->n_vars].name = strndup(name, n);
	if (p->vars[p->n_vars].name == NULL) {
		free(v);
		return sp_oom(p);
	}
	p->vars[p->n_vars].output = output;
	p->vars[p->n_vars++].value = v;
	return 0;
}

int
sp_substs_in(struct sp_parser *p, struct sp_word *w, const char *text, size_t len)
{
	struct sp_parser sub = { .ctx = p->ctx, .up = p, .src = text, .len = len, .depth = p->depth,
				 .nesting = p->nesting + 1 };
	struct sp_word scratch = { 0 };
	int r;

	if (memchr(text, '$', len) == NULL && memchr(text, '`', len) == NULL)
		return 0;
	r = sp_lex_quoted(&sub, &scratch, '\0', true);
	for (size_t i = 0; r == 0 && i < scratch.n_substs; i++)
		r = sp_add_subst(p, w, scratch.substs[i].body, strlen(scratch.substs[i].body),
			      scratch.substs[i].origin);
	w->flags |= scratch.flags & (SHELL_WORD_SUBST | SHELL_WORD_PROCSUBST);
	sp_word_clear(&scratch);
	for (size_t i = 0; i < sub.n_vars; i++) {
		free(sub.vars[i].name);
		free(sub.vars[i].value);
	}
	return r;
}

/* A known value: quoted text stays one word, unquoted is split on blanks later. */
static int
put_value(struct sp_parser *p, struct sp_word *w, const char *value, bool in_dq)
{
	return sp_put(p, w, value, strlen(value), in_dq ? SP_QUOTED : SP_EXPANDED);
}

int
sp_put_opaque(struct sp_parser *p, struct sp_word *w, size_t from, size_t to, unsigned flag)
{
	w->flags |= flag;
	return sp_put(p, w, p->src + from, to - from, SP_OPAQUE);
}

/* ${...}: the value when known, or the text itself; substitutions inside are still found. */
static int
lex_brace_param(struct sp_parser *p, struct sp_word *w, bool in_dq)
{
	size_t start = p->pos, body = p->pos + 2;
	size_t close = sp_scan_close(p->src, p->len, body, '{', '}', p->nesting + 1);
	size_t n = 0;
	const char *value;
	bool known = false, output = false;
	int r;

	if (close == SP_NOT_FOUND) {
		sp_incomplete(p, "unterminated ${");
		close = p->len;
		p->pos = p->len;
	} else {
		p->pos = close + 1;
	}
	r = sp_substs_in(p, w, p->src + body, close - body);
	if (r < 0)
		return r;
	while (body + n < close && sp_is_name_char(p->src[body + n]))
		n++;
	if (n > 0 && sp_is_name_start(p->src[body])) {
		const char *op = p->src + body + n;
		size_t oplen = close - body - n;

		value = var_get(p, p->src + body, n, &known, &output);
		if (n == 3 && memcmp(p->src + body, "IFS", 3) == 0)
			w->flags |= SHELL_WORD_IFS;
		/* ${X}, or ${X:-default} and friends when X is known to be set and not empty. */
		if (known && (oplen == 0 ||
			      ((oplen >= 2 && (memcmp(op, ":-", 2) == 0 || memcmp(op, ":=", 2) == 0 ||
					       memcmp(op, ":?", 2) == 0)) &&
			       value[0] != '\0')))
			return put_value(p, w, value, in_dq);
	}
	/* A variable that holds a command's output is that output, as $(...) is. */
	return sp_put_opaque(p, w, start, p->pos,
			     SHELL_WORD_VARIABLE | (output ? SHELL_WORD_SUBST : 0));
}

/* $(...) or $((...)): a command's output, or arithmetic. */
static int
lex_dollar_paren(struct sp_parser *p, struct sp_word *w)
{
	size_t start = p->pos;
	size_t close = sp_scan_close(p->src, p->len, start + 2, '(', ')', p->nesting + 1);
	int r;

	if (close != SP_NOT_FOUND && start + 2 < p->len && p->src[start + 2] == '(' &&
	    close > start + 3 && p->src[close - 1] == ')' &&
	    sp_scan_close(p->src, p->len, start + 3, '(', ')', p->nesting + 1) == close - 1) {
		/* Arithmetic: a number we do not compute, which may hold substitutions. */
		p->pos = close + 1;
		r = sp_substs_in(p, w, p->src + start + 3, close - 1 - (start + 3));
		if (r < 0)
			return r;
		return sp_put_opaque(p, w, start, p->pos, SHELL_WORD_VARIABLE);
	}
	if (close == SP_NOT_FOUND) {
		sp_incomplete(p, "unterminated $(");
		close = p->len;
		p->pos = p->len;
	} else {
		p->pos = close + 1;
	}
	r = sp_add_subst(p, w, p->src + start + 2, close - (start + 2), SHELL_ORIGIN_SUBST);
	if (r < 0)
		return r;
	return sp_put_opaque(p, w, start, p->pos, SHELL_WORD_SUBST);
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* UTF-8 for a code point from \u or \U; nothing for what cannot be one. */
static size_t
utf8_encode(unsigned long cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp <= 0x10ffff) {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

/*
 * $'...': decoded as bash does. A NUL ends the string (bash drops the
 * rest), and numeric escapes are flagged: $'\x72\x6d' is how one hides rm.
 */
static int
lex_ansi(struct sp_parser *p, struct sp_word *w)
{
	bool ended = false;
	int r = 0;

	w->flags |= SHELL_WORD_QUOTED;
	p->pos += 2;
	while (r == 0 && p->pos < p->len && p->src[p->pos] != '\'') {
		char out[4];
		size_t n = 1;
		char c = p->src[p->pos++];

		if (c == '\\' && p->pos < p->len) {
			char e = p->src[p->pos++];
			unsigned long v = 0;
			int digits = 0, max;

			switch (e) {
			case 'n': out[0] = '\n'; break;
			case 't': out[0] = '\t'; break;
			case 'r': out[0] = '\r'; break;
			case 'a': out[0] = '\a'; break;
			case 'b': out[0] = '\b'; break;
			case 'f': out[0] = '\f'; break;
			case 'v': out[0] = '\v'; break;
			case 'e':
			case 'E': out[0] = '\033'; break;
			case '\\':
			case '\'':
			case '"':
			case '?': out[0] = e; break;
			case 'c':
				out[0] = p->pos < p->len ? (char)(p->src[p->pos++] & 0x1f) : 'c';
				break;
			case 'x':
			case 'u':
			case 'U':
				max = e == 'x' ? 2 : e == 'u' ? 4 : 8;
				while (digits < max && p->pos < p->len && hex_value(p->src[p->pos]) >= 0)
					v = v * 16 + (unsigned long)hex_value(p->src[p->pos++]), digits++;
				w->flags |= SHELL_WORD_NUMERIC_ESCAPE;
				if (digits == 0) {
					out[0] = '\\', out[1] = e, n = 2;
				} else if (e == 'x') {
					out[0] = (char)v;
				} else {
					n = utf8_encode(v, out);
				}
				break;
			default:
				if (e >= '0' && e <= '7') {
					v = (unsigned long)(e - '0');
					while (++digits < 3 && p->pos < p->len && p->src[p->pos] >= '0' &&
					       p->src[p->pos] <= '7')
						v = v * 8 + (unsigned long)(p->src[p->pos++] - '0');
					out[0] = (char)(v & 0xff);
					w->flags |= SHELL_WORD_NUMERIC_ESCAPE;
				} else {
					out[0] = '\\', out[1] = e, n = 2;
				}
			}
		} else {
			out[0] = c;
		}
		if (n == 1 && out[0] == '\0')
			ended = true;
		if (!ended)
			r = sp_put(p, w, out, n, SP_QUOTED);
	}
	if (r < 0)
		return r;
	if (p->pos >= p->len) {
		sp_incomplete(p, "unterminated $'");
		return 0;
	}
	p->pos++;
	return 0;
}

int
sp_lex_dollar(struct sp_parser *p, struct sp_word *w, bool in_dq)
{
	char n = p->pos + 1 < p->len ? p->src[p->pos + 1] : '\0';
	size_t start = p->pos;

	if (n == '(')
		return lex_dollar_paren(p, w);
	if (n == '{')
		return lex_brace_param(p, w, in_dq);
	if (n == '\'' && !in_dq)
		return lex_ansi(p, w);
	if (n == '"' && !in_dq) {
		/* $"...": a translated string, otherwise double quotes. */
		p->pos += 2;
		w->flags |= SHELL_WORD_QUOTED;
		return sp_lex_quoted(p, w, '"', false);
	}
	if (sp_is_name_start(n)) {
		size_t len = 1;
		const char *value;
		bool known, output;

		while (p->pos + 1 + len < p->len && sp_is_name_char(p->src[p->pos + 1 + len]))
			len++;
		value = var_get(p, p->src + p->pos + 1, len, &known, &output);
		if (len == 3 && memcmp(p->src + p->pos + 1, "IFS", 3) == 0)
			w->flags |= SHELL_WORD_IFS;
		p->pos += 1 + len;
		if (known)
			return put_value(p, w, value, in_dq);
		return sp_put_opaque(p, w, start, p->pos,
				     SHELL_WORD_VARIABLE | (output ? SHELL_WORD_SUBST : 0));
	}
	if ((n >= '0' && n <= '9') || (n != '\0' && strchr("@*#?-$!", n))) {
		p->pos += 2;
		return sp_put_opaque(p, w, start, p->pos, SHELL_WORD_VARIABLE);
	}
	p->pos++;
	return sp_put_char(p, w, '$', in_dq ? SP_QUOTED : 0);
}
