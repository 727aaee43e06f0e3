/* Programs the classifier knows: lookup in the tables, and the helpers handlers read argv with. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "effects-internal.h"
#include "util.h"

/* python3.11 -> python, pip3 -> pip: one table entry for every version. */
const char *
effects_canonical(const char *name, char *buf, size_t size)
{
	static const char *const families[] = { "python", "pip", "perl", "ruby", "php", "node",
						"lua", "pypy", "gem", "bundle", NULL };

	if (strncmp(name, "mkfs.", 5) == 0 && size > 4) {
		memcpy(buf, "mkfs", 5);
		return buf;
	}
	for (const char *const *f = families; *f != NULL; f++) {
		size_t n = strlen(*f);

		if (strncmp(name, *f, n) == 0 && name[n] != '\0' &&
		    strspn(name + n, "0123456789.") == strlen(name + n) && n < size) {
			memcpy(buf, *f, n + 1);
			return buf;
		}
	}
	return name;
}

void
effects_args(struct cmd_ctx *x, char *const *argv, const unsigned *flags, size_t argc)
{
	x->argv = argv;
	x->flags = flags;
	x->argc = argc;
	x->dashdash = argc;
	for (size_t k = 1; k < argc; k++)
		if (strcmp(argv[k], "--") == 0) {
			x->dashdash = k;
			break;
		}
}

/* Whether -c (alone or in a cluster) or --long (alone or with =value) is given. */
bool
arg_has(const struct cmd_ctx *x, char short_opt, const char *long_opt)
{
	size_t ln = long_opt ? strlen(long_opt) : 0;

	for (size_t k = 1; k < x->dashdash; k++) {
		const char *w = x->argv[k];

		if (w[0] != '-' || w[1] == '\0')
			continue;
		if (w[1] == '-') {
			if (long_opt && strncmp(w, long_opt, ln) == 0 && (w[ln] == '\0' || w[ln] == '='))
				return true;
		} else if (short_opt && strchr(w + 1, short_opt)) {
			return true;
		}
	}
	return false;
}

/* The value of -c VALUE, -cVALUE, --long=VALUE or --long VALUE; NULL when absent. */
const char *
arg_value(const struct cmd_ctx *x, char short_opt, const char *long_opt)
{
	size_t ln = long_opt ? strlen(long_opt) : 0;

	for (size_t k = 1; k < x->dashdash; k++) {
		const char *w = x->argv[k];

		if (long_opt && strncmp(w, long_opt, ln) == 0) {
			if (w[ln] == '=')
				return w + ln + 1;
			if (w[ln] == '\0' && k + 1 < x->argc)
				return x->argv[k + 1];
		}
		if (short_opt && w[0] == '-' && w[1] != '-') {
			/* In a cluster too: wget -qO- has O's value "-". */
			const char *c = strchr(w + 1, short_opt);

			if (c != NULL)
				return c[1] ? c + 1 : k + 1 < x->argc ? x->argv[k + 1] : NULL;
		}
	}
	return NULL;
}

/*
 * The operand after index k (0 for the first), skipping options; short
 * options in short_arg take the next word when nothing follows them.
 * Returns argc when there is none.
 */
size_t
arg_next(const struct cmd_ctx *x, size_t k, const char *short_arg)
{
	size_t i = k + 1;

	while (i < x->argc) {
		const char *w = x->argv[i];
		size_t n;
		bool takes = false;

		if (i > x->dashdash)
			return i;
		if (i == x->dashdash || w[0] != '-' || w[1] == '\0') {
			if (i == x->dashdash) {
				i++;
				continue;
			}
			return i;
		}
		if (w[1] == '-') {
			i++;
			continue;
		}
		n = strlen(w);
		for (size_t j = 1; j < n; j++)
			if (short_arg && strchr(short_arg, w[j])) {
				takes = j == n - 1;
				break;
			}
		i += takes ? 2 : 1;
	}
	return x->argc;
}

size_t
arg_count(const struct cmd_ctx *x, const char *short_arg)
{
	size_t n = 0;

	for (size_t k = arg_next(x, 0, short_arg); k < x->argc; k = arg_next(x, k, short_arg))
		n++;
	return n;
}

bool
arg_is(const struct cmd_ctx *x, size_t k, const char *word)
{
	return k < x->argc && strcmp(x->argv[k], word) == 0;
}

/* What find found under its roots: some files there, or a place unknown. */
void
effects_roots(struct cmd_ctx *x, enum path_use use, unsigned how)
{
	const struct shell_command *f = x->finder;
	bool any = false;

	if (f == NULL) {
		effects_path(x, "", 0, use, how);
		return;
	}
	for (size_t k = 1; k < f->argc; k++) {
		const char *w = f->argv[k];

		if (w[0] == '-' && (strcmp(w, "-L") == 0 || strcmp(w, "-H") == 0 || strcmp(w, "-P") == 0))
			continue;
		if (w[0] == '-' || w[0] == '(' || w[0] == '!' || w[0] == ')')
			break;
		effects_path(x, w, f->argv_flags[k], use, how | HOW_SOME_WITHIN);
		any = true;
	}
	if (!any)
		effects_path(x, ".", 0, use, how | HOW_SOME_WITHIN);
}

void
effects_operand(struct cmd_ctx *x, size_t k, enum path_use use, unsigned how)
{
	if (x->finder != NULL && strstr(x->argv[k], "{}") != NULL)
		effects_roots(x, use, how);
	else
		effects_path(x, x->argv[k], x->flags[k], use, how);
}

/* Every operand from index from on; xargs adds the words it reads from stdin. */
void
effects_operands(struct cmd_ctx *x, size_t from, const char *short_arg, enum path_use use,
		 unsigned how)
{
	for (size_t k = arg_next(x, from, short_arg); k < x->argc; k = arg_next(x, k, short_arg))
		effects_operand(x, k, use, how);
	if (x->cmd != NULL && x->cmd->origin == SHELL_ORIGIN_XARGS)
		effects_roots(x, use, how);
}

/* Looks name up in every table and runs its entry. */
void
effects_dispatch(struct cmd_ctx *x, const char *name)
{
	static const struct {
		const struct program *table;
		const size_t *n;
	} tables[] = {
		{ effects_file_programs, &effects_n_file_programs },
		{ effects_net_programs, &effects_n_net_programs },
		{ effects_service_programs, &effects_n_service_programs },
		{ effects_tool_programs, &effects_n_tool_programs },
		{ effects_code_programs, &effects_n_code_programs },
	};
	char buf[64];

	name = effects_canonical(name, buf, sizeof buf);
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
		for (size_t i = 0; i < *tables[t].n; i++) {
			const struct program *p = &tables[t].table[i];

			if (strcmp(p->name, name) != 0)
				continue;
			x->prog = p;
			effects_add(x, p->effects);
			x->traits |= p->traits;
			if (p->handler != NULL)
				p->handler(x);
			return;
		}
}

void
effects_program(struct cmd_ctx *x)
{
	effects_args(x, x->cmd->argv, x->cmd->argv_flags, x->cmd->argc);
	effects_dispatch(x, shell_basename(x->argv[0]));
}

/* Words of a cloud or cluster CLI that delete what they name, and that make it wholesale. */
bool
effects_deleting_word(const char *w)
{
	static const char *const verbs[] = { "delete", "rm", "rb", "destroy", "terminate", "remove",
					     "purge", "drop", "uninstall", "unregister", "deregister",
					     "revoke", "truncate", "wipe", "flush", "erase", NULL };

	for (const char *const *v = verbs; *v != NULL; v++) {
		size_t n = strlen(*v);

		if (strcmp(w, *v) == 0 || (strncmp(w, *v, n) == 0 && w[n] == '-') ||
		    (strlen(w) > n && strcmp(w + strlen(w) - n, *v) == 0 && w[strlen(w) - n - 1] == '-'))
			return true;
	}
	return false;
}

/* The effects a wrapper's own table entry gives: sudo is a privilege wherever it appears. */
unsigned
effects_wrapper_effects(const char *name)
{
	for (size_t i = 0; i < effects_n_tool_programs; i++)
		if (strcmp(effects_tool_programs[i].name, name) == 0)
			return effects_tool_programs[i].effects;
	return 0;
}
