/* Shell parser: lists, and-or lists, pipelines, and the commands in them. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

/* A simple command: assignments, words and redirections in any order. */
static int
parse_simple(struct sp_parser *p)
{
	struct sp_word *lw = NULL, *rw = NULL;
	struct shell_redir *rd = NULL;
	size_t n = 0, cap = 0, n_assign = 0, nr = 0, hd = p->n_heredocs, index = SHELL_NONE;
	bool function = false;
	int r = 0;

	while (r == 0 && !function) {
		struct token t;

		sp_peek(p, &t);
		if (t.type == TK_WORD) {
			if (n >= SHELL_MAX_WORDS) {
				struct sp_word drop = { 0 };

				sp_incomplete(p, "too many words in one command");
				r = sp_lex_word(p, &drop);
				sp_word_clear(&drop);
				continue;
			}
			r = sp_add_lexed(p, &lw, &n, &cap);
			if (r == 0)
				r = sp_lex_word(p, &lw[n++]);
			if (r == 0 && n == n_assign + 1) {
				struct sp_word *w = &lw[n - 1];
				char *eq = memchr(w->text, '=', w->len);
				size_t k = eq ? (size_t)(eq - w->text) : 0;

				bool plain = eq != NULL && w->mark[k] == 0;

				if (k > 0 && w->text[k - 1] == '+')
					k--;
				for (size_t i = 0; plain && i < k; i++)
					plain = w->mark[i] == 0;
				if (plain && sp_name_valid(w->text, k))
					n_assign++;
			}
			if (r == 0 && n == 1 && n_assign == 0) {
				/* NAME () COMMAND: a function; its body runs when it is called. */
				size_t save = p->pos;

				sp_skip_blanks(p);
				if (sp_at(p, 0) == '(') {
					p->pos++;
					sp_skip_blanks(p);
					if (sp_at(p, 0) == ')') {
						p->pos++;
						function = true;
						break;
					}
				}
				p->pos = save;
			}
		} else if (t.type == TK_REDIR) {
			struct sp_word *vw;
			struct shell_redir *vr;
			bool keep = nr < SHELL_MAX_REDIRS;

			if (!keep)
				sp_incomplete(p, "too many redirections");
			vr = realloc(rd, (nr + 1) * sizeof *rd);
			if (vr == NULL) {
				r = sp_oom(p);
				break;
			}
			rd = vr;
			vw = realloc(rw, (nr + 1) * sizeof *rw);
			if (vw == NULL) {
				r = sp_oom(p);
				break;
			}
			rw = vw;
			memset(&rw[nr], 0, sizeof *rw);
			r = sp_parse_redir(p, &t, &rd[nr], &rw[nr], keep ? nr : SHELL_NONE);
			if (keep) {
				nr++;
			} else {
				free(rd[nr].target);
				sp_word_clear(&rw[nr]);
			}
		} else {
			break;
		}
	}
	if (function && nr > 0)
		sp_incomplete(p, "a redirection before a function's name");
	if (r == 0 && !function && (n > 0 || nr > 0)) {
		r = sp_command(p, lw, n, n_assign, rd, rw, nr, &index);
		rd = NULL; /* consumed */
	}
	if (index != SHELL_NONE)
		sp_bind_heredocs(p, hd, index, 0);
	sp_free_lexed(lw, n);
	for (size_t i = 0; i < nr; i++) {
		if (rd != NULL)
			free(rd[i].target);
		sp_word_clear(&rw[i]);
	}
	free(rd);
	free(rw);
	if (r == 0 && function) {
		r = sp_skip_newlines(p);
		if (r == 0)
			r = sp_parse_command(p);
	}
	return r;
}

/* (( ... )) closing as one: arithmetic. ((a) ) is two subshells, as bash reads it. */
static bool
arithmetic(const struct sp_parser *p)
{
	size_t close;

	if (sp_at(p, 1) != '(')
		return false;
	close = sp_scan_close(p->src, p->len, p->pos + 2, '(', ')', p->nesting + 1);
	return close != SP_NOT_FOUND && close + 1 < p->len && p->src[close + 1] == ')';
}

int
sp_parse_command(struct sp_parser *p)
{
	struct token t;
	size_t first = p->ctx->out->n_commands, scope = p->scope;
	int r = 0;

	if (++p->nesting > SP_MAX_NESTING) {
		sp_incomplete(p, "nested too deeply");
		p->pos = p->len;
		p->nesting--;
		return 0;
	}
	sp_peek(p, &t);
	if (t.type == TK_LPAREN && arithmetic(p)) {
		r = sp_parse_arith(p);
	} else if (t.type == TK_LPAREN) {
		/* ( LIST ): a subshell, whose cd and variables stay inside. */
		p->pos++;
		r = sp_new_scope(p, scope, &p->scope);
		if (r == 0)
			r = sp_parse_list(p, STOP_PAREN);
		p->scope = scope;
		sp_peek(p, &t);
		if (t.type == TK_RPAREN)
			p->pos++;
		else
			sp_incomplete(p, "missing )");
		if (r == 0)
			r = sp_compound_redirs(p, first);
	} else if (t.type == TK_WORD) {
		enum reserved rw = sp_peek_reserved(p);

		if (rw != RW_NONE && rw != RW_DBRACKET)
			p->pos += strlen(sp_reserved_text(rw));
		switch (rw) {
		case RW_LBRACE:
			r = sp_parse_list(p, STOP(RW_RBRACE));
			sp_expect(p, RW_RBRACE);
			break;
		case RW_IF:
			r = sp_parse_if(p);
			break;
		case RW_WHILE:
		case RW_UNTIL:
			r = sp_parse_list(p, STOP(RW_DO));
			sp_expect(p, RW_DO);
			if (r == 0)
				r = sp_parse_list(p, STOP(RW_DONE));
			sp_expect(p, RW_DONE);
			break;
		case RW_FOR:
		case RW_SELECT:
			r = sp_parse_for(p);
			break;
		case RW_CASE:
			r = sp_parse_case(p);
			break;
		case RW_DBRACKET:
			r = sp_parse_test(p);
			break;
		case RW_FUNCTION:
			/* function NAME [()] COMMAND */
			sp_peek(p, &t);
			if (t.type == TK_WORD) {
				struct sp_word w = { 0 };

				r = sp_lex_word(p, &w);
				sp_word_clear(&w);
			}
			sp_skip_blanks(p);
			if (sp_at(p, 0) == '(' && sp_at(p, 1) == ')')
				p->pos += 2;
			if (r == 0)
				r = sp_skip_newlines(p);
			if (r == 0)
				r = sp_parse_command(p);
			break;
		case RW_TIME:
			sp_skip_blanks(p);
			if (sp_at(p, 0) == '-' && sp_at(p, 1) == 'p' && (p->pos + 2 == p->len || sp_is_meta(sp_at(p, 2))))
				p->pos += 2;
			r = sp_parse_command(p);
			break;
		case RW_BANG:
		case RW_COPROC:
			r = sp_parse_command(p);
			break;
		case RW_NONE:
			r = parse_simple(p);
			break;
		default:
			sp_incomplete(p, "a reserved word out of place");
			break;
		}
		if (r == 0 && rw != RW_NONE && rw != RW_BANG && rw != RW_TIME && rw != RW_COPROC &&
		    rw != RW_FUNCTION)
			r = sp_compound_redirs(p, first);
	} else if (t.type == TK_REDIR) {
		r = parse_simple(p);
	} else {
		sp_incomplete(p, "a command is missing");
	}
	p->nesting--;
	return r;
}

/* The one command a pipeline stage holds at this level, or SHELL_NONE. */
static size_t
stage_command(const struct sp_parser *p, size_t from, size_t to)
{
	size_t found = SHELL_NONE;

	for (size_t i = from; i < to; i++) {
		const struct shell_command *c = &p->ctx->out->commands[i];

		if (c->depth != p->depth)
			continue;
		if (found != SHELL_NONE || c->argc == 0)
			return SHELL_NONE;
		found = i;
	}
	return found;
}

/* Numbers the stages; the commands inside a compound stage share its place. */
static void
set_pipeline(struct sp_parser *p, const size_t *bounds, size_t n)
{
	struct shell_parse *out = p->ctx->out;
	size_t id = p->ctx->next_pipeline++;

	for (size_t s = 0; s < n; s++)
		for (size_t i = bounds[s]; i < bounds[s + 1]; i++) {
			struct shell_command *c = &out->commands[i];

			if (c->depth != p->depth || (n == 1 && c->pipe_length != 0) ||
			    (n > 1 && c->pipe_length > 1))
				continue;
			c->pipeline = id;
			c->pipe_index = s;
			c->pipe_length = n;
			if (n > 1 && s > 0)
				c->flags |= SHELL_CMD_PIPE_IN;
			if (n > 1 && s + 1 < n)
				c->flags |= SHELL_CMD_PIPE_OUT;
		}
}

static int
parse_pipeline(struct sp_parser *p)
{
	size_t *bounds = NULL, n = 0;
	int r = 0;

	for (;;) {
		struct token t;
		size_t *v = realloc(bounds, (n + 2) * sizeof *bounds);

		if (v == NULL) {
			r = sp_oom(p);
			break;
		}
		bounds = v;
		bounds[n] = p->ctx->out->n_commands;
		r = sp_parse_command(p);
		n++;
		bounds[n] = p->ctx->out->n_commands;
		if (r < 0)
			break;
		sp_peek(p, &t);
		if (t.type != TK_PIPE && t.type != TK_PIPE_ERR)
			break;
		p->pos += t.len;
		r = sp_skip_newlines(p);
		if (r < 0)
			break;
		if (n >= SHELL_MAX_COMMANDS) {
			sp_incomplete(p, "too many commands");
			p->pos = p->len;
			break;
		}
	}
	if (r == 0) {
		set_pipeline(p, bounds, n);
		/* echo 'rm -rf /' | sh: the text echoed is the script. */
		for (size_t s = 1; r == 0 && s < n; s++) {
			size_t from = stage_command(p, bounds[s - 1], bounds[s]);
			size_t to = stage_command(p, bounds[s], bounds[s + 1]);

			if (from != SHELL_NONE && to != SHELL_NONE)
				r = sp_pipe_script(p, from, to);
		}
	}
	free(bounds);
	return r;
}

static int
parse_and_or(struct sp_parser *p)
{
	int r = parse_pipeline(p);

	while (r == 0) {
		struct token t;

		sp_peek(p, &t);
		if (t.type != TK_AND && t.type != TK_OR)
			break;
		p->pos += t.len;
		r = sp_skip_newlines(p);
		if (r < 0)
			break;
		sp_peek(p, &t);
		if (t.type == TK_EOF) {
			sp_incomplete(p, "the line ends after && or ||");
			break;
		}
		r = parse_pipeline(p);
	}
	return r;
}

/* Commands until a word or token in stop begins one, or the text ends. */
int
sp_parse_list(struct sp_parser *p, unsigned stop)
{
	int r = 0;

	while (r == 0 && p->ctx->error == 0) {
		struct token t;
		size_t first;

		sp_peek(p, &t);
		switch (t.type) {
		case TK_EOF:
			return 0;
		case TK_NEWLINE:
			r = sp_skip_newlines(p);
			continue;
		case TK_RPAREN:
			if (stop & STOP_PAREN)
				return 0;
			sp_incomplete(p, "an unmatched )");
			p->pos++;
			continue;
		case TK_DSEMI:
			if (stop & STOP_DSEMI)
				return 0;
			sp_incomplete(p, "an unexpected ;;");
			p->pos += t.len;
			continue;
		case TK_SEMI:
		case TK_AMP:
		case TK_AND:
		case TK_OR:
		case TK_PIPE:
		case TK_PIPE_ERR:
			sp_incomplete(p, "an operator where a command should be");
			p->pos += t.len;
			continue;
		case TK_WORD: {
			enum reserved rw = sp_peek_reserved(p);

			if (rw != RW_NONE && (STOP(rw) & CLOSERS)) {
				if (stop & STOP(rw))
					return 0;
				sp_incomplete(p, "a reserved word out of place");
				p->pos += strlen(sp_reserved_text(rw));
				continue;
			}
			break;
		}
		default:
			break;
		}
		first = p->ctx->out->n_commands;
		r = parse_and_or(p);
		if (r < 0)
			return r;
		sp_peek(p, &t);
		if (t.type == TK_SEMI) {
			p->pos++;
		} else if (t.type == TK_AMP) {
			p->pos++;
			sp_mark(p, first, SHELL_CMD_BACKGROUND, true);
		} else if (t.type == TK_WORD || t.type == TK_LPAREN || t.type == TK_REDIR) {
			enum reserved rw = t.type == TK_WORD ? sp_peek_reserved(p) : RW_NONE;

			if (rw == RW_NONE || !(STOP(rw) & CLOSERS)) {
				sp_incomplete(p, "unexpected text after a command");
				/* Read on as a new command: what follows is still listed. */
			}
		}
	}
	return r;
}
