/* Shell parser: if, while, for, case, [[ ]] and (( )). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

/* Expects a reserved word; its absence makes the parse incomplete. */
void
sp_expect(struct sp_parser *p, enum reserved rw)
{
	struct token t;

	sp_peek(p, &t);
	if (t.type == TK_WORD && sp_peek_reserved(p) == rw) {
		p->pos += strlen(sp_reserved_text(rw));
		return;
	}
	sp_incomplete(p, rw == RW_RBRACE ? "missing }" :
			 rw == RW_FI	 ? "missing fi" :
			 rw == RW_DONE	 ? "missing done" :
			 rw == RW_ESAC	 ? "missing esac" :
			 rw == RW_THEN	 ? "missing then" :
			 rw == RW_DO	 ? "missing do" :
			 rw == RW_IN	 ? "missing in" :
					   "missing a reserved word");
}

int
sp_add_lexed(struct sp_parser *p, struct sp_word **lw, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct sp_word *v = realloc(*lw, c * sizeof *v);

		if (v == NULL)
			return sp_oom(p);
		*lw = v;
		*cap = c;
	}
	memset(&(*lw)[*n], 0, sizeof **lw);
	return 0;
}

void
sp_free_lexed(struct sp_word *lw, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sp_word_clear(&lw[i]);
	free(lw);
}

/* A keyword's words (for ... in, case, [[ ]], (( ))) as a command, for their substitutions. */
static int
keyword_index(struct sp_parser *p, struct sp_word *lw, size_t n, size_t *index)
{
	int r = sp_command(p, lw, n, 0, NULL, NULL, 0, index);

	if (r == 0 && *index != SHELL_NONE)
		p->ctx->out->commands[*index].flags |= SHELL_CMD_KEYWORD;
	sp_free_lexed(lw, n);
	return r;
}

static int
keyword_command(struct sp_parser *p, struct sp_word *lw, size_t n)
{
	size_t index = SHELL_NONE;

	return keyword_index(p, lw, n, &index);
}

static int
literal_word(struct sp_parser *p, struct sp_word **lw, size_t *n, size_t *cap, const char *text,
	     size_t len)
{
	int r = sp_add_lexed(p, lw, n, cap);

	if (r == 0) {
		r = sp_word_literal(p, text, len, &(*lw)[*n]);
		(*n)++;
	}
	return r;
}

/* [[ ... ]]: < > ( ) && || are words of the test there, not operators. */
int
sp_parse_test(struct sp_parser *p)
{
	struct sp_word *lw = NULL;
	size_t n = 0, cap = 0;
	int r = literal_word(p, &lw, &n, &cap, "[[", 2);

	p->pos += 2;
	while (r == 0) {
		r = sp_skip_newlines(p);
		if (r < 0)
			break;
		if (p->pos >= p->len) {
			sp_incomplete(p, "missing ]]");
			break;
		}
		if (sp_at(p, 0) == ']' && sp_at(p, 1) == ']' &&
		    (p->pos + 2 == p->len || sp_is_meta(p->src[p->pos + 2]))) {
			p->pos += 2;
			r = literal_word(p, &lw, &n, &cap, "]]", 2);
			break;
		}
		if (strchr("&|<>()!", sp_at(p, 0)) && !(strchr("<>", sp_at(p, 0)) && sp_at(p, 1) == '(')) {
			size_t s = p->pos;

			while (p->pos < p->len && strchr("&|<>()!", p->src[p->pos]))
				p->pos++;
			r = literal_word(p, &lw, &n, &cap, p->src + s, p->pos - s);
			continue;
		}
		if (n >= SHELL_MAX_WORDS) {
			sp_incomplete(p, "too many words in one command");
			p->pos = p->len;
			break;
		}
		r = sp_add_lexed(p, &lw, &n, &cap);
		if (r == 0)
			r = sp_lex_word(p, &lw[n++]);
	}
	if (r < 0) {
		sp_free_lexed(lw, n);
		return r;
	}
	return keyword_command(p, lw, n);
}

/* (( ... )): arithmetic, which may hold substitutions. */
int
sp_parse_arith(struct sp_parser *p)
{
	size_t close = sp_scan_close(p->src, p->len, p->pos + 2, '(', ')', p->nesting + 1);
	struct sp_word *lw = NULL;
	size_t n = 0, cap = 0, body = p->pos + 2;
	int r;

	if (close == SHELL_NONE || close + 1 >= p->len || p->src[close + 1] != ')') {
		/* for ((... with no )): the callers checked the form otherwise. */
		sp_incomplete(p, "unterminated ((");
		close = p->len;
		p->pos = p->len;
	} else {
		p->pos = close + 2;
	}
	r = literal_word(p, &lw, &n, &cap, "((", 2);
	if (r == 0)
		r = sp_add_lexed(p, &lw, &n, &cap);
	if (r == 0)
		r = sp_lex_heredoc(p, p->src + body, close - body, &lw[n++]);
	if (r < 0) {
		sp_free_lexed(lw, n);
		return r;
	}
	return keyword_command(p, lw, n);
}

/* for NAME [in WORDS]; do LIST; done, and select; also for ((;;)). */
int
sp_parse_for(struct sp_parser *p)
{
	struct sp_word *lw = NULL;
	size_t n = 0, cap = 0;
	struct token t;
	int r = literal_word(p, &lw, &n, &cap, "for", 3);

	sp_skip_blanks(p);
	if (r == 0 && sp_at(p, 0) == '(' && sp_at(p, 1) == '(') {
		sp_free_lexed(lw, n);
		r = sp_parse_arith(p);
	} else if (r == 0) {
		sp_peek(p, &t);
		if (t.type == TK_WORD) {
			r = sp_add_lexed(p, &lw, &n, &cap);
			if (r == 0)
				r = sp_lex_word(p, &lw[n++]);
			if (r == 0 && sp_name_valid(lw[n - 1].text, lw[n - 1].len))
				r = sp_var_set(p, lw[n - 1].text, lw[n - 1].len, NULL, false);
		} else {
			sp_incomplete(p, "for without a name");
		}
		if (r == 0)
			r = sp_skip_newlines(p);
		if (r == 0 && sp_peek_reserved(p) == RW_IN) {
			p->pos += 2;
			for (;;) {
				sp_peek(p, &t);
				if (t.type != TK_WORD || r < 0)
					break;
				if (n >= SHELL_MAX_WORDS) {
					sp_incomplete(p, "too many words in one command");
					p->pos = p->len;
					break;
				}
				r = sp_add_lexed(p, &lw, &n, &cap);
				if (r == 0)
					r = sp_lex_word(p, &lw[n++]);
			}
		}
		if (r < 0) {
			sp_free_lexed(lw, n);
			return r;
		}
		r = keyword_command(p, lw, n);
	}
	if (r < 0)
		return r;
	sp_peek(p, &t);
	if (t.type == TK_SEMI)
		p->pos++;
	r = sp_skip_newlines(p);
	if (r < 0)
		return r;
	if (sp_peek_reserved(p) == RW_LBRACE)
		return sp_parse_command(p);
	sp_expect(p, RW_DO);
	r = sp_parse_list(p, STOP(RW_DONE));
	if (r == 0)
		sp_expect(p, RW_DONE);
	return r;
}

/* case WORD in [(]PATTERN[|PATTERN]) LIST ;; ... esac */
int
sp_parse_case(struct sp_parser *p)
{
	struct sp_word *lw = NULL;
	size_t n = 0, cap = 0, index = SHELL_NONE;
	struct token t;
	int r = literal_word(p, &lw, &n, &cap, "case", 4);

	sp_peek(p, &t);
	if (r == 0 && t.type == TK_WORD) {
		r = sp_add_lexed(p, &lw, &n, &cap);
		if (r == 0)
			r = sp_lex_word(p, &lw[n++]);
	}
	if (r < 0) {
		sp_free_lexed(lw, n);
		return r;
	}
	r = keyword_index(p, lw, n, &index);
	if (r == 0)
		r = sp_skip_newlines(p);
	if (r < 0)
		return r;
	sp_expect(p, RW_IN);
	while (r == 0) {
		r = sp_skip_newlines(p);
		if (r < 0)
			return r;
		sp_peek(p, &t);
		if (t.type == TK_EOF) {
			sp_incomplete(p, "missing esac");
			return 0;
		}
		if (t.type == TK_WORD && sp_peek_reserved(p) == RW_ESAC) {
			p->pos += 4;
			return 0;
		}
		if (t.type == TK_LPAREN)
			p->pos++;
		/* The patterns: words separated by |, up to ). */
		for (;;) {
			struct sp_word w = { 0 };

			sp_peek(p, &t);
			if (t.type == TK_WORD) {
				r = sp_lex_word(p, &w);
				/* case $x in $(cmd)): the pattern's command is run by the case. */
				if (r == 0 && index != SHELL_NONE)
					r = sp_parse_substs(p, &w, index, SHELL_NONE);
				sp_word_clear(&w);
				if (r < 0)
					return r;
			} else if (t.type == TK_PIPE) {
				p->pos++;
			} else if (t.type == TK_RPAREN) {
				p->pos++;
				break;
			} else {
				sp_incomplete(p, "a case pattern without )");
				if (t.type != TK_EOF)
					p->pos += t.len;
				break;
			}
		}
		r = sp_parse_list(p, STOP_DSEMI | STOP(RW_ESAC));
		sp_peek(p, &t);
		if (r == 0 && t.type == TK_DSEMI)
			p->pos += t.len;
	}
	return r;
}

int
sp_parse_if(struct sp_parser *p)
{
	int r = sp_parse_list(p, STOP(RW_THEN));

	sp_expect(p, RW_THEN);
	if (r == 0)
		r = sp_parse_list(p, STOP(RW_ELIF) | STOP(RW_ELSE) | STOP(RW_FI));
	while (r == 0) {
		struct token t;
		enum reserved rw;

		sp_peek(p, &t);
		rw = t.type == TK_WORD ? sp_peek_reserved(p) : RW_NONE;
		if (rw == RW_ELIF) {
			p->pos += 4;
			r = sp_parse_list(p, STOP(RW_THEN));
			sp_expect(p, RW_THEN);
			if (r == 0)
				r = sp_parse_list(p, STOP(RW_ELIF) | STOP(RW_ELSE) | STOP(RW_FI));
		} else if (rw == RW_ELSE) {
			p->pos += 4;
			r = sp_parse_list(p, STOP(RW_FI));
		} else {
			sp_expect(p, RW_FI);
			break;
		}
	}
	return r;
}
