/* Simple commands: assignments, unwrapping, and the scripts and commands they run. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

/* The words of one simple command while it is being built. */
struct cmdline {
	struct sp_parser *p;
	struct sp_word *lw; /* as lexed */
	size_t n_lw;
	struct sp_words w; /* as expanded: argv is a range of these */
};

static int
strv_push(struct sp_parser *p, char ***v, size_t *n, const char *s, size_t len)
{
	char **nv;
	char *copy = strndup(s, len);

	if (copy == NULL)
		return sp_oom(p);
	nv = realloc(*v, (*n + 1) * sizeof **v);
	if (nv == NULL) {
		free(copy);
		return sp_oom(p);
	}
	*v = nv;
	(*v)[(*n)++] = copy;
	return 0;
}

/* The words from..to joined by spaces: what eval and ssh hand to a shell. */
char *
sp_join(struct sp_parser *p, char *const *v, size_t from, size_t to)
{
	size_t len = 0, off = 0;
	char *s;

	for (size_t i = from; i < to; i++)
		len += strlen(v[i]) + 1;
	s = malloc(len + 1);
	if (s == NULL) {
		sp_oom(p);
		return NULL;
	}
	for (size_t i = from; i < to; i++) {
		size_t n = strlen(v[i]);

		if (i > from)
			s[off++] = ' ';
		memcpy(s + off, v[i], n);
		off += n;
	}
	s[off] = '\0';
	return s;
}

static void
mark_script(struct cmdline *cl, size_t from, size_t to)
{
	for (size_t k = from; k < to; k++)
		cl->lw[cl->w.src[k]].script = true;
}

/* Parses the words from..to of the command at index as a script it runs. */
static int
run_script(struct cmdline *cl, size_t index, size_t first, size_t from, size_t to,
	   enum shell_origin origin, unsigned inherit)
{
	struct shell_command *cmd = &cl->p->ctx->out->commands[index];
	unsigned depth = cmd->depth + 1;
	char *text;
	int r;

	if (from >= to)
		return 0;
	cmd->flags |= SHELL_CMD_SCRIPT;
	mark_script(cl, from, to);
	text = sp_join(cl->p, cl->w.v, from, to);
	if (text == NULL)
		return -ENOMEM;
	r = sp_parse_text(cl->p, text, strlen(text), depth, origin, index, from - first, inherit);
	free(text);
	return r;
}

static int build(struct cmdline *cl, size_t a, size_t b, unsigned depth, enum shell_origin origin,
		 size_t parent, size_t parent_arg, unsigned flags, char **assigns, size_t n_assigns,
		 struct shell_redir *redirs, size_t n_redirs, size_t *index, size_t *first);

/* The option of su, runuser, flock or script that holds a script: -c TEXT, --command=TEXT. */
static size_t
dash_c_script(char *const *v, size_t a, size_t b, bool *attached)
{
	*attached = false;
	for (size_t k = a + 1; k < b; k++) {
		const char *w = v[k];

		if (strcmp(w, "--") == 0)
			break;
		if (strncmp(w, "--command=", 10) == 0) {
			*attached = true;
			return k;
		}
		if (strcmp(w, "--command") == 0 || (w[0] == '-' && w[1] != '-' && w[1] != '\0' &&
						     w[strlen(w) - 1] == 'c'))
			return k + 1 < b ? k + 1 : SHELL_NONE;
	}
	return SHELL_NONE;
}

/*
 * What the command at index runs besides itself: the script of bash -c,
 * eval, su -c, watch and ssh, and the commands of find -exec and xargs.
 */
static int
runners(struct cmdline *cl, size_t index, size_t a, size_t b, unsigned flags)
{
	char *const *v = cl->w.v;
	const char *name;
	unsigned priv = flags & SHELL_CMD_PRIVILEGED;
	unsigned depth = cl->p->ctx->out->commands[index].depth;
	bool stop = false, attached;
	size_t k, ignored;

	if (cl->w.flags[a] & (SHELL_WORD_VARIABLE | SHELL_WORD_SUBST | SHELL_WORD_PROCSUBST))
		return 0;
	name = shell_basename(v[a]);
	if (shell_is_shell(name)) {
		bool c_mode, s_mode;

		k = a + sp_shell_options(v + a, b - a, &c_mode, &s_mode);
		if (c_mode && k < b)
			return run_script(cl, index, a, k, k + 1, SHELL_ORIGIN_SHELL_C, priv);
		return 0;
	}
	if (strcmp(name, "eval") == 0)
		return run_script(cl, index, a, a + 1, b, SHELL_ORIGIN_EVAL, priv);
	if (strcmp(name, "su") == 0 || strcmp(name, "runuser") == 0 || strcmp(name, "sg") == 0 ||
	    strcmp(name, "flock") == 0 || strcmp(name, "script") == 0) {
		bool su = name[0] == 's' && name[1] == 'u';

		k = dash_c_script(v, a, b, &attached);
		if (k == SHELL_NONE)
			return 0;
		if (!attached)
			return run_script(cl, index, a, k, k + 1, SHELL_ORIGIN_SHELL_C,
					  su || name[0] == 'r' ? SHELL_CMD_PRIVILEGED : priv);
		/* --command=TEXT: the text after the '='. */
		{
			const char *text = v[k] + 10;
			struct shell_command *cmd = &cl->p->ctx->out->commands[index];

			cmd->flags |= SHELL_CMD_SCRIPT;
			mark_script(cl, k, k + 1);
			return sp_parse_text(cl->p, text, strlen(text), depth + 1, SHELL_ORIGIN_SHELL_C,
					     index, k - a, su ? SHELL_CMD_PRIVILEGED : priv);
		}
	}
	if (strcmp(name, "watch") == 0) {
		static const char *const watch_long[] = { "--interval", "--differences", NULL };

		k = sp_skip_options(v, a + 1, b, "nqd", watch_long, "", &stop);
		return run_script(cl, index, a, k, b, SHELL_ORIGIN_SHELL_C, priv);
	}
	if (strcmp(name, "ssh") == 0) {
		/* ssh [options] destination [command]: the command runs on the other machine. */
		k = sp_skip_options(v, a + 1, b, "BbcDEeFIiJLlmOoPpQRSWw", NULL, "", &stop);
		return run_script(cl, index, a, k + 1, b, SHELL_ORIGIN_REMOTE, 0);
	}
	if (strcmp(name, "find") == 0) {
		for (k = a + 1; k < b; k++) {
			size_t e;

			if (strcmp(v[k], "-exec") != 0 && strcmp(v[k], "-execdir") != 0 &&
			    strcmp(v[k], "-ok") != 0 && strcmp(v[k], "-okdir") != 0)
				continue;
			for (e = k + 1; e < b; e++)
				if (strcmp(v[e], ";") == 0 ||
				    (strcmp(v[e], "+") == 0 && strcmp(v[e - 1], "{}") == 0))
					break;
			if (e == b)
				sp_incomplete(cl->p, "find -exec without ; or +");
			if (e > k + 1) {
				int r = build(cl, k + 1, e, depth + 1, SHELL_ORIGIN_FIND_EXEC, index,
					      k + 1 - a, priv, NULL, 0, NULL, 0, &ignored, &ignored);

				if (r < 0)
					return r;
			}
			k = e;
		}
		return 0;
	}
	if ((strcmp(name, "docker") == 0 || strcmp(name, "podman") == 0 ||
	     strcmp(name, "nerdctl") == 0) && a + 1 < b && strcmp(v[a + 1], "exec") == 0) {
		/* docker exec [options] CONTAINER CMD...: runs in the container, another machine. */
		static const char *const exec_long[] = { "--env", "--user", "--workdir", "--env-file",
							 "--detach-keys", NULL };

		k = sp_skip_options(v, a + 2, b, "euw", exec_long, "", &stop);
		if (k + 1 < b)
			return build(cl, k + 1, b, depth + 1, SHELL_ORIGIN_REMOTE, index, k + 1 - a, 0,
				     NULL, 0, NULL, 0, &ignored, &ignored);
		return 0;
	}
	if ((strcmp(name, "kubectl") == 0 || strcmp(name, "oc") == 0) && a + 1 < b &&
	    strcmp(v[a + 1], "exec") == 0) {
		/* kubectl exec POD -- CMD...: what follows -- runs in the pod. */
		for (k = a + 2; k < b; k++)
			if (strcmp(v[k], "--") == 0) {
				if (k + 1 < b)
					return build(cl, k + 1, b, depth + 1, SHELL_ORIGIN_REMOTE, index,
						     k + 1 - a, 0, NULL, 0, NULL, 0, &ignored, &ignored);
				break;
			}
		return 0;
	}
	if (strcmp(name, "xargs") == 0) {
		static const char *const xargs_long[] = { "--arg-file", "--delimiter", "--max-args",
							  "--max-procs", "--max-chars",
							  "--process-slot-var", NULL };

		/* -i, -l and -e take an attached argument or none: plain flags here. */
		k = sp_skip_options(v, a + 1, b, "aEdILnPs", xargs_long, "", &stop);
		if (k < b)
			return build(cl, k, b, depth + 1, SHELL_ORIGIN_XARGS, index, k - a, priv, NULL,
				     0, NULL, 0, &ignored, &ignored);
	}
	return 0;
}

/*
 * Makes one command of the words a..b: takes the wrappers off, appends it
 * and whatever it runs. Takes over assigns and redirs. *first is the index
 * in cl->w of its argv[0].
 */
static int
build(struct cmdline *cl, size_t a, size_t b, unsigned depth, enum shell_origin origin,
      size_t parent, size_t parent_arg, unsigned flags, char **assigns, size_t n_assigns,
      struct shell_redir *redirs, size_t n_redirs, size_t *index, size_t *first)
{
	struct sp_parser *p = cl->p;
	struct shell_command cmd = { .assigns = assigns, .n_assigns = n_assigns, .redirs = redirs,
				     .n_redirs = n_redirs, .depth = depth, .origin = origin,
				     .parent = parent, .parent_arg = parent_arg, .scope = p->scope };
	size_t i = a;
	int r = 0;

	*index = SHELL_NONE;
	*first = a;
	if (depth > SHELL_MAX_DEPTH) {
		sp_incomplete(p, "nested too deeply");
		sp_command_free(&cmd);
		return 0;
	}
	for (unsigned steps = 0; r == 0 && i < b && steps < 32; steps++) {
		const struct wrapper *wr;
		size_t j;

		if (cl->w.flags[i] & (SHELL_WORD_VARIABLE | SHELL_WORD_SUBST | SHELL_WORD_PROCSUBST))
			break;
		wr = sp_wrapper_find(shell_basename(cl->w.v[i]));
		if (wr == NULL)
			break;
		j = sp_wrapper_skip(wr, cl->w.v, i, b);
		if (j >= b)
			break;
		r = strv_push(p, &cmd.wrappers, &cmd.n_wrappers, wr->name, strlen(wr->name));
		flags |= wr->flags;
		for (size_t k = i + 1; r == 0 && wr->kind == WRAP_ENV && k < j; k++)
			if (sp_is_assignment(cl->w.v[k]))
				r = strv_push(p, &cmd.assigns, &cmd.n_assigns, cl->w.v[k],
					      strlen(cl->w.v[k]));
		i = j;
	}
	cmd.argc = b - i;
	cmd.argv = calloc(cmd.argc + 1, sizeof *cmd.argv);
	cmd.argv_flags = calloc(cmd.argc + 1, sizeof *cmd.argv_flags);
	if (r < 0 || cmd.argv == NULL || cmd.argv_flags == NULL) {
		cmd.argc = 0;
		sp_command_free(&cmd);
		return r < 0 ? r : sp_oom(p);
	}
	for (size_t k = 0; k < cmd.argc; k++) {
		cmd.argv[k] = strdup(cl->w.v[i + k]);
		cmd.argv_flags[k] = cl->w.flags[i + k];
		if (cmd.argv[k] == NULL) {
			sp_command_free(&cmd);
			return sp_oom(p);
		}
	}
	cmd.flags = flags;
	if (origin == SHELL_ORIGIN_FIND_EXEC || origin == SHELL_ORIGIN_XARGS) {
		/* Run by another program: a process of its own, cd and all. */
		r = sp_new_scope(p, p->scope, &cmd.scope);
		if (r < 0) {
			sp_command_free(&cmd);
			return r;
		}
	}
	*first = i;
	r = sp_append(p, &cmd, index);
	if (r < 0 || *index == SHELL_NONE || i >= b)
		return r;
	return runners(cl, *index, i, b, flags);
}

int
sp_parse_substs(struct sp_parser *p, struct sp_word *w, size_t parent, size_t parent_arg)
{
	unsigned depth = (parent != SHELL_NONE ? p->ctx->out->commands[parent].depth : p->depth) + 1;

	if (w->script)
		return 0;
	for (size_t i = 0; i < w->n_substs; i++) {
		int r = sp_parse_text(p, w->substs[i].body, strlen(w->substs[i].body), depth,
				      w->substs[i].origin, parent, parent_arg, 0);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Variables set by a line of only assignments, or by export, declare, local, readonly, read, unset. */
static int
set_variables(struct cmdline *cl, size_t n_assign)
{
	struct sp_parser *p = cl->p;
	const char *name;
	int r = 0;

	for (size_t i = 0; r == 0 && i < n_assign && cl->w.n == 0; i++) {
		struct sp_word *w = &cl->lw[i];
		char *eq = memchr(w->text, '=', w->len);
		size_t k = (size_t)(eq - w->text);
		bool append = k > 0 && w->text[k - 1] == '+';

		/* NAME+=x appends to a value we may not know: unknown. */
		r = sp_var_set(p, w->text, append ? k - 1 : k,
			       sp_word_opaque(w) || append ? NULL : eq + 1,
			       (w->flags & SHELL_WORD_SUBST) != 0);
	}
	if (cl->w.n == 0 || (cl->w.flags[0] & (SHELL_WORD_VARIABLE | SHELL_WORD_SUBST)))
		return r;
	name = cl->w.v[0];
	if (strcmp(name, "export") == 0 || strcmp(name, "declare") == 0 ||
	    strcmp(name, "typeset") == 0 || strcmp(name, "local") == 0 ||
	    strcmp(name, "readonly") == 0) {
		for (size_t i = 1; r == 0 && i < cl->w.n; i++) {
			const char *eq = strchr(cl->w.v[i], '=');

			if (eq != NULL && sp_name_valid(cl->w.v[i], (size_t)(eq - cl->w.v[i])))
				r = sp_var_set(p, cl->w.v[i], (size_t)(eq - cl->w.v[i]),
					       sp_word_opaque(&cl->lw[cl->w.src[i]]) ? NULL : eq + 1,
					       (cl->w.flags[i] & SHELL_WORD_SUBST) != 0);
		}
	} else if (strcmp(name, "read") == 0 || strcmp(name, "unset") == 0 ||
		   strcmp(name, "mapfile") == 0 || strcmp(name, "readarray") == 0) {
		bool stop = false;
		size_t k = sp_skip_options(cl->w.v, 1, cl->w.n, "adinNptuCcOs", NULL, "", &stop);

		/* read sets what we cannot know; unset empties. */
		for (; r == 0 && k < cl->w.n; k++)
			if (sp_name_valid(cl->w.v[k], strlen(cl->w.v[k])))
				r = sp_var_set(p, cl->w.v[k], strlen(cl->w.v[k]),
					       name[0] == 'u' ? "" : NULL, false);
	}
	return r;
}

int
sp_command(struct sp_parser *p, struct sp_word *lw, size_t n_lw, size_t n_assign,
	   struct shell_redir *redirs, struct sp_word *rwords, size_t n_redirs, size_t *index)
{
	struct cmdline cl = { .p = p, .lw = lw, .n_lw = n_lw };
	char **assigns = NULL;
	size_t n_assigns = 0, first = 0;
	int r = 0;

	*index = SHELL_NONE;
	for (size_t i = 0; r == 0 && i < n_assign; i++)
		r = strv_push(p, &assigns, &n_assigns, lw[i].text, lw[i].len);
	for (size_t i = n_assign; r == 0 && i < n_lw; i++)
		r = sp_expand(p, &lw[i], i, &cl.w);
	if (r == 0)
		r = set_variables(&cl, n_assign);
	if (r < 0) {
		for (size_t i = 0; i < n_assigns; i++)
			free(assigns[i]);
		free(assigns);
		for (size_t i = 0; i < n_redirs; i++)
			free(redirs[i].target);
		free(redirs);
		sp_words_clear(&cl.w);
		return r;
	}
	r = build(&cl, 0, cl.w.n, p->depth, p->origin, p->parent, p->parent_arg, 0, assigns,
		  n_assigns, redirs, n_redirs, index, &first);
	if (r < 0 || *index == SHELL_NONE) {
		sp_words_clear(&cl.w);
		return r;
	}
	/* bash <<<'rm -rf /': a here-string is the script of a shell that reads stdin. */
	{
		struct shell_command *cmd = &p->ctx->out->commands[*index];

		if (cmd->argc > 0 && shell_is_shell(shell_basename(cmd->argv[0])) &&
		    shell_reads_stdin(cmd->argv, cmd->argc))
			for (size_t i = 0; r == 0 && i < n_redirs; i++) {
				cmd = &p->ctx->out->commands[*index];
				if (cmd->redirs[i].kind != SHELL_REDIR_HERESTRING || cmd->redirs[i].fd != 0)
					continue;
				rwords[i].script = true;
				r = sp_stdin_script(p, *index, cmd->redirs[i].target,
						    strlen(cmd->redirs[i].target), SHELL_ARG_REDIR);
			}
	}
	/* The substitutions the words hold, but not those of a script parsed above. */
	for (size_t i = 0; r == 0 && i < n_lw; i++) {
		size_t arg = SHELL_NONE;

		for (size_t k = 0; k < cl.w.n; k++)
			if (cl.w.src[k] == i) {
				if (k >= first)
					arg = k - first;
				break;
			}
		r = sp_parse_substs(p, &lw[i], *index, arg);
	}
	for (size_t i = 0; r == 0 && i < n_redirs; i++)
		r = sp_parse_substs(p, &rwords[i], *index, SHELL_ARG_REDIR);
	sp_words_clear(&cl.w);
	return r;
}
