/* Shell parser: tokens, operators and reserved words. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

static const struct {
	const char *word;
	enum reserved rw;
} reserved_words[] = {
	{ "if", RW_IF },	 { "then", RW_THEN },	  { "elif", RW_ELIF },
	{ "else", RW_ELSE },	 { "fi", RW_FI },	  { "do", RW_DO },
	{ "done", RW_DONE },	 { "case", RW_CASE },	  { "esac", RW_ESAC },
	{ "while", RW_WHILE },	 { "until", RW_UNTIL },	  { "for", RW_FOR },
	{ "select", RW_SELECT }, { "in", RW_IN },	  { "function", RW_FUNCTION },
	{ "{", RW_LBRACE },	 { "}", RW_RBRACE },	  { "!", RW_BANG },
	{ "[[", RW_DBRACKET },	 { "time", RW_TIME },	  { "coproc", RW_COPROC },
};

char
sp_at(const struct sp_parser *p, size_t off)
{
	return p->pos + off < p->len ? p->src[p->pos + off] : '\0';
}

/* Blanks, escaped newlines and comments; never the newline that ends a command. */
void
sp_skip_blanks(struct sp_parser *p)
{
	while (p->pos < p->len) {
		char c = p->src[p->pos];

		if (c == ' ' || c == '\t') {
			p->pos++;
		} else if (c == '\\' && sp_at(p, 1) == '\n') {
			p->pos += 2;
		} else if (c == '#') {
			const char *nl = memchr(p->src + p->pos, '\n', p->len - p->pos);

			p->pos = nl ? (size_t)(nl - p->src) : p->len;
		} else {
			break;
		}
	}
}

static void
redir_token(const struct sp_parser *p, size_t i, struct token *t)
{
	const char *s = p->src + i;
	size_t left = p->len - i;

	t->type = TK_REDIR;
	if (s[0] == '<') {
		t->fd = t->fd < 0 ? 0 : t->fd;
		if (left >= 3 && memcmp(s, "<<<", 3) == 0)
			t->kind = SHELL_REDIR_HERESTRING, t->len += 3;
		else if (left >= 3 && memcmp(s, "<<-", 3) == 0)
			t->kind = SHELL_REDIR_HEREDOC, t->strip_tabs = true, t->len += 3;
		else if (left >= 2 && s[1] == '<')
			t->kind = SHELL_REDIR_HEREDOC, t->len += 2;
		else if (left >= 2 && s[1] == '>')
			t->kind = SHELL_REDIR_READ_WRITE, t->len += 2;
		else if (left >= 2 && s[1] == '&')
			t->kind = SHELL_REDIR_READ, t->dup = true, t->len += 2;
		else
			t->kind = SHELL_REDIR_READ, t->len += 1;
	} else {
		t->fd = t->fd < 0 ? 1 : t->fd;
		if (left >= 2 && s[1] == '>')
			t->kind = SHELL_REDIR_APPEND, t->len += 2;
		else if (left >= 2 && s[1] == '&')
			t->kind = SHELL_REDIR_WRITE, t->dup = true, t->len += 2;
		else if (left >= 2 && s[1] == '|')
			t->kind = SHELL_REDIR_WRITE, t->len += 2;
		else
			t->kind = SHELL_REDIR_WRITE, t->len += 1;
	}
}

/* The next token, without consuming it (words are lexed by their reader). */
void
sp_peek(struct sp_parser *p, struct token *t)
{
	char c, n;

	sp_skip_blanks(p);
	memset(t, 0, sizeof *t);
	t->fd = -1;
	if (p->pos >= p->len) {
		t->type = TK_EOF;
		return;
	}
	c = p->src[p->pos];
	n = sp_at(p, 1);
	t->len = 1;
	switch (c) {
	case '\n':
		t->type = TK_NEWLINE;
		return;
	case ';':
		if (n == ';')
			t->type = TK_DSEMI, t->len = sp_at(p, 2) == '&' ? 3 : 2;
		else if (n == '&')
			t->type = TK_DSEMI, t->len = 2;
		else
			t->type = TK_SEMI;
		return;
	case '&':
		if (n == '&') {
			t->type = TK_AND, t->len = 2;
		} else if (n == '>') {
			/* &> and &>>: stdout and stderr to one file. */
			t->type = TK_REDIR, t->fd = -1, t->len = 1;
			t->kind = sp_at(p, 2) == '>' ? SHELL_REDIR_APPEND : SHELL_REDIR_WRITE;
			t->len += t->kind == SHELL_REDIR_APPEND ? 2 : 1;
		} else {
			t->type = TK_AMP;
		}
		return;
	case '|':
		if (n == '|')
			t->type = TK_OR, t->len = 2;
		else if (n == '&')
			t->type = TK_PIPE_ERR, t->len = 2;
		else
			t->type = TK_PIPE;
		return;
	case '(':
		t->type = TK_LPAREN;
		return;
	case ')':
		t->type = TK_RPAREN;
		return;
	case '<':
	case '>':
		if (n == '(') {
			t->type = TK_WORD;
			return;
		}
		t->len = 0;
		redir_token(p, p->pos, t);
		return;
	default:
		if (c >= '0' && c <= '9') {
			size_t j = p->pos;
			long fd = 0;

			while (j < p->len && p->src[j] >= '0' && p->src[j] <= '9') {
				if (fd < 100000)
					fd = fd * 10 + (p->src[j] - '0');
				j++;
			}
			if (j < p->len && (p->src[j] == '<' || p->src[j] == '>') &&
			    !(j + 1 < p->len && p->src[j + 1] == '(')) {
				t->fd = (int)fd;
				t->len = j - p->pos;
				redir_token(p, j, t);
				return;
			}
		}
		t->type = TK_WORD;
	}
}

/* The reserved word starting at p->pos, if the word there is exactly one. */
enum reserved
sp_peek_reserved(struct sp_parser *p)
{
	for (size_t i = 0; i < sizeof reserved_words / sizeof reserved_words[0]; i++) {
		size_t n = strlen(reserved_words[i].word);

		if (p->len - p->pos >= n && memcmp(p->src + p->pos, reserved_words[i].word, n) == 0 &&
		    (p->pos + n == p->len || sp_is_meta(p->src[p->pos + n])))
			return reserved_words[i].rw;
	}
	return RW_NONE;
}

const char *
sp_reserved_text(enum reserved rw)
{
	for (size_t i = 0; i < sizeof reserved_words / sizeof reserved_words[0]; i++)
		if (reserved_words[i].rw == rw)
			return reserved_words[i].word;
	return "?";
}
