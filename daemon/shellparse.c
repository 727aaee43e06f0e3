/* Shell parser: the entry point, the command list, scopes, redirections and here-documents. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

void
sp_incomplete(struct sp_parser *p, const char *reason)
{
	if (!p->ctx->out->incomplete) {
		p->ctx->out->incomplete = true;
		p->ctx->out->reason = reason;
	}
}

int
sp_oom(struct sp_parser *p)
{
	p->ctx->error = -ENOMEM;
	return -ENOMEM;
}

int
sp_new_scope(struct sp_parser *p, size_t parent_scope, size_t *scope)
{
	struct shell_parse *out = p->ctx->out;

	if (out->n_scopes == p->ctx->cap_scopes) {
		size_t cap = p->ctx->cap_scopes * 2;
		size_t *v = realloc(out->scope_parent, cap * sizeof *v);

		if (v == NULL)
			return sp_oom(p);
		out->scope_parent = v;
		p->ctx->cap_scopes = cap;
	}
	out->scope_parent[out->n_scopes] = parent_scope;
	*scope = out->n_scopes++;
	return 0;
}

void
sp_command_free(struct shell_command *cmd)
{
	for (size_t i = 0; i < cmd->argc; i++)
		free(cmd->argv[i]);
	free(cmd->argv);
	free(cmd->argv_flags);
	for (size_t i = 0; i < cmd->n_assigns; i++)
		free(cmd->assigns[i]);
	free(cmd->assigns);
	for (size_t i = 0; i < cmd->n_wrappers; i++)
		free(cmd->wrappers[i]);
	free(cmd->wrappers);
	for (size_t i = 0; i < cmd->n_redirs; i++)
		free(cmd->redirs[i].target);
	free(cmd->redirs);
	memset(cmd, 0, sizeof *cmd);
}

/* Takes cmd over; past SHELL_MAX_COMMANDS it is dropped and the parse is incomplete. */
int
sp_append(struct sp_parser *p, struct shell_command *cmd, size_t *index)
{
	struct shell_parse *out = p->ctx->out;

	*index = SHELL_NONE;
	if (out->n_commands >= SHELL_MAX_COMMANDS) {
		sp_incomplete(p, "too many commands");
		sp_command_free(cmd);
		return 0;
	}
	if (out->n_commands == p->ctx->cap_commands) {
		size_t cap = p->ctx->cap_commands ? p->ctx->cap_commands * 2 : 8;
		struct shell_command *v = realloc(out->commands, cap * sizeof *v);

		if (v == NULL) {
			sp_command_free(cmd);
			return sp_oom(p);
		}
		out->commands = v;
		p->ctx->cap_commands = cap;
	}
	cmd->flags |= p->inherit;
	*index = out->n_commands;
	out->commands[out->n_commands++] = *cmd;
	memset(cmd, 0, sizeof *cmd);
	return 0;
}

/* A here-document's body, now that its line has ended. */
static int
heredoc_body(struct sp_parser *p, struct sp_heredoc *h)
{
	size_t start = p->pos, line = p->pos, dlen = strlen(h->delim);
	size_t body_end = p->len;
	char *body;
	size_t n = 0;
	struct shell_command *cmd;
	struct sp_word w = { 0 };
	int r = 0;

	for (;;) {
		const char *nl = memchr(p->src + line, '\n', p->len - line);
		size_t end = nl ? (size_t)(nl - p->src) : p->len, s = line;

		while (h->strip_tabs && s < end && p->src[s] == '\t')
			s++;
		if (end - s == dlen && memcmp(p->src + s, h->delim, dlen) == 0) {
			body_end = line;
			p->pos = nl ? end + 1 : end;
			break;
		}
		if (nl == NULL) {
			sp_incomplete(p, "a here-document without its end line");
			p->pos = p->len;
			break;
		}
		line = end + 1;
	}
	body = malloc(body_end - start + 1);
	if (body == NULL)
		return sp_oom(p);
	for (size_t i = start; i < body_end; i++) {
		/* <<- drops the tabs that start each line. */
		if (h->strip_tabs && p->src[i] == '\t' && (i == start || p->src[i - 1] == '\n'))
			continue;
		body[n++] = p->src[i];
	}
	body[n] = '\0';
	if (h->cmd == SHELL_NONE) {
		free(body);
		return 0;
	}
	if (!h->quoted) {
		r = sp_lex_heredoc(p, body, n, &w);
		if (r < 0) {
			free(body);
			return r;
		}
		free(body);
		body = sp_word_string(p, &w);
		if (body == NULL) {
			sp_word_clear(&w);
			return -ENOMEM;
		}
		n = w.len;
	}
	cmd = &p->ctx->out->commands[h->cmd];
	free(cmd->redirs[h->redir].target);
	cmd->redirs[h->redir].target = body;
	if (cmd->redirs[h->redir].fd == 0 && cmd->argc > 0 &&
	    shell_is_shell(shell_basename(cmd->argv[0])) && shell_reads_stdin(cmd->argv, cmd->argc))
		r = sp_stdin_script(p, h->cmd, body, n, SHELL_ARG_REDIR);
	else
		r = sp_parse_substs(p, &w, h->cmd, SHELL_ARG_REDIR);
	sp_word_clear(&w);
	return r;
}

static int
read_heredocs(struct sp_parser *p)
{
	int r = 0;

	for (size_t i = 0; i < p->n_heredocs; i++) {
		if (r == 0)
			r = heredoc_body(p, &p->heredocs[i]);
		free(p->heredocs[i].delim);
	}
	p->n_heredocs = 0;
	return r;
}

/* Newlines (and the here-documents they release) where the grammar allows them. */
int
sp_skip_newlines(struct sp_parser *p)
{
	for (;;) {
		sp_skip_blanks(p);
		if (p->pos >= p->len || p->src[p->pos] != '\n')
			return 0;
		p->pos++;
		if (p->n_heredocs > 0) {
			int r = read_heredocs(p);

			if (r < 0)
				return r;
		}
	}
}

/*
 * Reads the target of a redirection whose operator is at p->pos. slot is
 * its index among the redirections of its command, SHELL_NONE when it is
 * dropped (a here-document body is then read and thrown away).
 */
int
sp_parse_redir(struct sp_parser *p, const struct token *t, struct shell_redir *rd, struct sp_word *w,
	    size_t slot)
{
	struct token next;
	int r;

	p->pos += t->len;
	memset(rd, 0, sizeof *rd);
	rd->kind = t->kind;
	rd->fd = t->fd;
	sp_peek(p, &next);
	if (next.type != TK_WORD) {
		sp_incomplete(p, "a redirection without a target");
		rd->target = strdup("");
		return rd->target ? 0 : sp_oom(p);
	}
	r = sp_lex_word(p, w);
	if (r < 0)
		return r;
	rd->target = sp_word_string(p, w);
	if (rd->target == NULL)
		return -ENOMEM;
	rd->flags = w->flags;
	if (t->dup) {
		bool digits = rd->target[0] != '\0';

		for (const char *c = rd->target; *c; c++)
			digits = digits && *c >= '0' && *c <= '9';
		if (digits || strcmp(rd->target, "-") == 0)
			rd->kind = SHELL_REDIR_DUP;
		else if (t->kind == SHELL_REDIR_WRITE && t->len == 2)
			rd->fd = -1; /* >&file: stdout and stderr */
	}
	if (t->kind == SHELL_REDIR_HEREDOC) {
		struct sp_heredoc *h;

		if (p->n_heredocs == SP_MAX_HEREDOCS) {
			sp_incomplete(p, "too many here-documents on one line");
			return 0;
		}
		h = &p->heredocs[p->n_heredocs];
		h->delim = strdup(rd->target);
		if (h->delim == NULL)
			return sp_oom(p);
		h->cmd = SHELL_NONE;
		h->redir = slot;
		h->strip_tabs = t->strip_tabs;
		h->quoted = (w->flags & SHELL_WORD_QUOTED) != 0;
		p->n_heredocs++;
	}
	return 0;
}

/* Marks the commands made since first at this text's depth. */
void
sp_mark(struct sp_parser *p, size_t first, unsigned flags, bool all_depths)
{
	struct shell_parse *out = p->ctx->out;

	for (size_t i = first; i < out->n_commands; i++)
		if (all_depths || out->commands[i].depth == p->depth)
			out->commands[i].flags |= flags;
}

/* Binds the here-documents registered since hd to the command at index, redirections from base. */
void
sp_bind_heredocs(struct sp_parser *p, size_t hd, size_t index, size_t base)
{
	for (size_t i = hd; i < p->n_heredocs; i++) {
		if (p->heredocs[i].redir == SHELL_NONE)
			continue; /* dropped with its redirection */
		p->heredocs[i].cmd = index;
		p->heredocs[i].redir += base;
	}
}

/*
 * The redirections after a compound command: listed on its first command
 * at this level, or on an empty command when it has none.
 */
int
sp_compound_redirs(struct sp_parser *p, size_t first)
{
	struct shell_parse *out;
	struct shell_redir *rd = NULL;
	struct sp_word *ws = NULL;
	size_t n = 0, hd = p->n_heredocs, owner = SHELL_NONE;
	int r = 0;

	for (;;) {
		struct token t;
		struct shell_redir *v;
		struct sp_word *vw;

		sp_peek(p, &t);
		if (t.type != TK_REDIR)
			break;
		if (n == SHELL_MAX_REDIRS) {
			struct shell_redir drop;
			struct sp_word w = { 0 };

			sp_incomplete(p, "too many redirections");
			r = sp_parse_redir(p, &t, &drop, &w, SHELL_NONE);
			free(drop.target);
			sp_word_clear(&w);
			if (r < 0)
				break;
			continue;
		}
		v = realloc(rd, (n + 1) * sizeof *rd);
		if (v == NULL) {
			r = sp_oom(p);
			break;
		}
		rd = v;
		vw = realloc(ws, (n + 1) * sizeof *ws);
		if (vw == NULL) {
			r = sp_oom(p);
			break;
		}
		ws = vw;
		memset(&ws[n], 0, sizeof *ws);
		r = sp_parse_redir(p, &t, &rd[n], &ws[n], n);
		n++;
		if (r < 0)
			break;
	}
	if (n == 0 || r < 0)
		goto out;
	out = p->ctx->out;
	for (size_t i = first; i < out->n_commands; i++)
		if (out->commands[i].depth == p->depth) {
			owner = i;
			break;
		}
	if (owner == SHELL_NONE) {
		struct shell_command cmd = { .depth = p->depth, .origin = p->origin,
					     .parent = p->parent, .parent_arg = p->parent_arg,
					     .scope = p->scope };

		r = sp_append(p, &cmd, &owner);
		if (r < 0 || owner == SHELL_NONE)
			goto out;
	}
	{
		struct shell_command *cmd = &out->commands[owner];
		struct shell_redir *v;

		if (cmd->n_redirs + n > SHELL_MAX_REDIRS) {
			sp_incomplete(p, "too many redirections");
			goto out;
		}
		v = realloc(cmd->redirs, (cmd->n_redirs + n) * sizeof *v);
		if (v == NULL) {
			r = sp_oom(p);
			goto out;
		}
		cmd->redirs = v;
		memcpy(cmd->redirs + cmd->n_redirs, rd, n * sizeof *rd);
		sp_bind_heredocs(p, hd, owner, cmd->n_redirs);
		cmd->n_redirs += n;
		free(rd);
		rd = NULL;
	}
	/* Substitutions in the targets (> $(mktemp)) belong to the command that got them. */
	for (size_t i = 0; r == 0 && i < n; i++)
		r = sp_parse_substs(p, &ws[i], owner, SHELL_ARG_REDIR);
out:
	for (size_t i = 0; i < n; i++) {
		if (rd != NULL)
			free(rd[i].target);
		sp_word_clear(&ws[i]);
	}
	free(rd);
	free(ws);
	return r;
}

int
sp_parse_text(struct sp_parser *up, const char *text, size_t len, unsigned depth,
	      enum shell_origin origin, size_t parent, size_t parent_arg, unsigned inherit)
{
	struct sp_parser *p;
	int r;

	if (depth > SHELL_MAX_DEPTH) {
		sp_incomplete(up, "nested too deeply");
		return 0;
	}
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return sp_oom(up);
	*p = (struct sp_parser){ .ctx = up->ctx, .up = up, .src = text, .len = len,
				 .depth = depth, .origin = origin, .parent = parent,
				 .parent_arg = parent_arg, .inherit = inherit,
				 .nesting = up->nesting + 1 };
	r = sp_new_scope(p, up->scope, &p->scope);
	if (r == 0)
		r = sp_parse_list(p, 0);
	if (r == 0 && p->n_heredocs > 0)
		r = read_heredocs(p);
	for (size_t i = 0; i < p->n_heredocs; i++)
		free(p->heredocs[i].delim);
	for (size_t i = 0; i < p->n_vars; i++) {
		free(p->vars[i].name);
		free(p->vars[i].value);
	}
	free(p);
	return r;
}

void
shell_parse_clear(struct shell_parse *parse)
{
	if (parse == NULL)
		return;
	for (size_t i = 0; i < parse->n_commands; i++)
		sp_command_free(&parse->commands[i]);
	free(parse->commands);
	free(parse->scope_parent);
	memset(parse, 0, sizeof *parse);
}

int
shell_parse(const char *text, size_t len, const char *home, struct shell_parse *out)
{
	struct sp_ctx ctx = { .out = out, .home = home, .cap_scopes = 8 };
	struct sp_parser top = { .ctx = &ctx };
	const char *nul;
	int r;

	memset(out, 0, sizeof *out);
	out->scope_parent = malloc(ctx.cap_scopes * sizeof *out->scope_parent);
	if (out->scope_parent == NULL)
		return -ENOMEM;
	out->scope_parent[0] = SHELL_NONE;
	out->n_scopes = 1;
	if (len > SHELL_MAX_INPUT) {
		sp_incomplete(&top, "longer than the parser reads");
		len = SHELL_MAX_INPUT;
	}
	/* No shell can be handed a NUL; what follows one would be lost on the way. */
	nul = memchr(text, '\0', len);
	if (nul != NULL) {
		sp_incomplete(&top, "a NUL byte");
		len = (size_t)(nul - text);
	}
	top.src = text;
	top.len = len;
	top.origin = SHELL_ORIGIN_TOP;
	top.parent = SHELL_NONE;
	top.parent_arg = SHELL_NONE;
	r = sp_parse_list(&top, 0);
	if (r == 0 && top.n_heredocs > 0)
		r = read_heredocs(&top);
	for (size_t i = 0; i < top.n_heredocs; i++)
		free(top.heredocs[i].delim);
	for (size_t i = 0; i < top.n_vars; i++) {
		free(top.vars[i].name);
		free(top.vars[i].value);
	}
	if (r < 0 || ctx.error < 0) {
		shell_parse_clear(out);
		return -ENOMEM;
	}
	/* Commands no pipeline numbered (find -exec, xargs children) stand alone. */
	for (size_t i = 0; i < out->n_commands; i++)
		if (out->commands[i].pipe_length == 0) {
			out->commands[i].pipeline = ctx.next_pipeline++;
			out->commands[i].pipe_length = 1;
		}
	return 0;
}
