/* Fuzz target: any bytes through shell_parse() and effects_classify(), checked against their invariants. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "agent.h"
#include "effects.h"
#include "fuzz.h"
#include "shellparse.h"

#define HOME "/home/agent"
#define WS HOME "/project"
#define ALL_EFFECTS ((EFFECT_UNPARSED << 1) - 1)

/* The shape every parse must have, whatever it was given. */
static void
check_parse(const struct shell_parse *sp)
{
	fuzz_assert(sp->n_commands <= SHELL_MAX_COMMANDS);
	fuzz_assert(sp->n_scopes >= 1);
	fuzz_assert(sp->scope_parent[0] == SHELL_NONE);
	for (size_t s = 1; s < sp->n_scopes; s++)
		fuzz_assert(sp->scope_parent[s] < s);
	if (sp->incomplete)
		fuzz_assert(sp->reason != NULL && sp->reason[0] != '\0');
	for (size_t i = 0; i < sp->n_commands; i++) {
		const struct shell_command *c = &sp->commands[i];

		fuzz_assert(c->argc <= SHELL_MAX_WORDS);
		fuzz_assert(c->argc == 0 || (c->argv != NULL && c->argv[c->argc] == NULL));
		for (size_t k = 0; k < c->argc; k++)
			fuzz_assert(strlen(c->argv[k]) <= SHELL_MAX_BYTES);
		fuzz_assert(c->n_redirs <= SHELL_MAX_REDIRS);
		for (size_t k = 0; k < c->n_redirs; k++) {
			fuzz_assert(c->redirs[k].target != NULL);
			fuzz_assert(c->redirs[k].kind <= SHELL_REDIR_HERESTRING);
			fuzz_assert(c->redirs[k].fd >= -1);
		}
		for (size_t k = 0; k < c->n_assigns; k++)
			fuzz_assert(strchr(c->assigns[k], '=') != NULL);
		for (size_t k = 0; k < c->n_wrappers; k++)
			fuzz_assert(c->wrappers[k][0] != '\0');
		fuzz_assert(c->depth <= SHELL_MAX_DEPTH);
		fuzz_assert(c->scope < sp->n_scopes);
		fuzz_assert(c->pipe_length >= 1);
		fuzz_assert(c->pipe_index < c->pipe_length);
		if (c->flags & SHELL_CMD_PIPE_IN)
			fuzz_assert(c->pipe_index > 0);
		if (c->flags & SHELL_CMD_PIPE_OUT)
			fuzz_assert(c->pipe_index + 1 < c->pipe_length);
		if (c->parent == SHELL_NONE) {
			fuzz_assert(c->depth == 0);
			fuzz_assert(c->origin == SHELL_ORIGIN_TOP);
		} else {
			/* A parent comes first, one level up at least, and was not only words. */
			fuzz_assert(c->parent < i);
			fuzz_assert(c->depth > sp->commands[c->parent].depth);
			fuzz_assert(c->origin != SHELL_ORIGIN_TOP);
			fuzz_assert(c->parent_arg == SHELL_NONE || c->parent_arg == SHELL_ARG_REDIR ||
				    c->parent_arg < sp->commands[c->parent].argc);
		}
		/* Privilege reaches a child only from a privileged parent. */
		if ((c->flags & SHELL_CMD_PRIVILEGED) && c->n_wrappers == 0 && c->parent != SHELL_NONE &&
		    c->origin != SHELL_ORIGIN_SHELL_C)
			fuzz_assert(sp->commands[c->parent].flags & SHELL_CMD_PRIVILEGED);
	}
}

static void
check_path(const char *p)
{
	size_t n = strlen(p);

	fuzz_assert(p[0] == '/');
	fuzz_assert(strstr(p, "//") == NULL);
	fuzz_assert(strstr(p, "/./") == NULL && strstr(p, "/../") == NULL);
	fuzz_assert(n == 1 || p[n - 1] != '/');
	fuzz_assert(!(n >= 2 && strcmp(p + n - 2, "/.") == 0));
	fuzz_assert(!(n >= 3 && strcmp(p + n - 3, "/..") == 0));
}

/* The facts every classification must hold together. */
static void
check_facts(const struct action_facts *f, bool parse_incomplete)
{
	fuzz_assert((f->effects & ~(unsigned)ALL_EFFECTS) == 0);
	fuzz_assert((f->permissions & ~(unsigned)PERM_ALL) == 0);
	fuzz_assert(risk_name(f->risk) != NULL);
	fuzz_assert(f->risk_reason != NULL);
	fuzz_assert(f->n_programs <= 512 && f->n_commands <= 512 && f->n_paths <= 512 &&
		    f->n_hosts <= 512);
	if (parse_incomplete)
		fuzz_assert(f->effects & EFFECT_UNPARSED);
	if (f->effects & EFFECT_UNPARSED)
		fuzz_assert(f->risk >= RISK_HIGH);
	if (f->effects & (EFFECT_DISK | EFFECT_DOWNLOAD_EXEC | EFFECT_SECRET_SEND | EFFECT_MAESTRO_SELF))
		fuzz_assert(f->risk == RISK_CRITICAL);
	if (f->effects & (EFFECT_PRIVILEGE | EFFECT_HISTORY_REWRITE | EFFECT_PACKAGE_INSTALL |
			  EFFECT_SECRET_READ | EFFECT_SUSPICIOUS_DESTINATION | EFFECT_OBFUSCATION))
		fuzz_assert(f->risk >= RISK_HIGH);
	if (f->effects & (EFFECT_NETWORK | EFFECT_DELETE | EFFECT_RECURSIVE_DELETE |
			  EFFECT_PERMISSIONS | EFFECT_PROCESS_KILL | EFFECT_SERVICE_CONTROL))
		fuzz_assert(f->risk >= RISK_MEDIUM);
	if (f->effects & EFFECT_NETWORK)
		fuzz_assert(f->permissions & PERM_NETWORK_ACCESS);
	if (f->effects & (EFFECT_SECRET_READ | EFFECT_SECRET_SEND))
		fuzz_assert(f->permissions & PERM_READ_SECRETS);
	/* Facts go into replies and the audit log: UTF-8, every one. */
	for (size_t i = 0; i < f->n_programs; i++)
		fuzz_assert(fuzz_utf8_valid(f->programs[i], strlen(f->programs[i])));
	for (size_t i = 0; i < f->n_commands; i++)
		fuzz_assert(fuzz_utf8_valid(f->commands[i], strlen(f->commands[i])));
	for (size_t i = 0; i < f->n_paths; i++)
		fuzz_assert(fuzz_utf8_valid(f->paths[i].path, strlen(f->paths[i].path)));
	for (size_t i = 0; i < f->n_hosts; i++)
		fuzz_assert(fuzz_utf8_valid(f->hosts[i].host, strlen(f->hosts[i].host)) &&
			    (f->hosts[i].url == NULL ||
			     fuzz_utf8_valid(f->hosts[i].url, strlen(f->hosts[i].url))));
	for (size_t i = 0; i < f->n_paths; i++) {
		check_path(f->paths[i].path);
		if (f->paths[i].sensitive)
			fuzz_assert(f->permissions & PERM_READ_SECRETS);
		if (f->paths[i].maestro)
			fuzz_assert(f->effects & EFFECT_MAESTRO_SELF);
		if (!f->paths[i].in_workspace)
			fuzz_assert(f->effects & EFFECT_OUTSIDE_WORKSPACE);
		if (f->paths[i].in_workspace)
			fuzz_assert(strncmp(f->paths[i].path, WS, strlen(WS)) == 0);
		fuzz_assert(f->permissions & (f->paths[i].use == PATH_READ ? PERM_READ_FILES :
									     PERM_WRITE_FILES));
		for (size_t j = 0; j < i; j++)
			fuzz_assert(f->paths[j].use != f->paths[i].use ||
				    strcmp(f->paths[j].path, f->paths[i].path) != 0);
	}
	for (size_t i = 0; i < f->n_hosts; i++) {
		const char *h = f->hosts[i].host;

		fuzz_assert(h[0] != '\0');
		for (const char *c = h; *c; c++)
			fuzz_assert(!(*c >= 'A' && *c <= 'Z') && *c != '/' && (unsigned char)*c > ' ');
		if (f->hosts[i].suspicious)
			fuzz_assert(f->effects & EFFECT_SUSPICIOUS_DESTINATION);
		fuzz_assert(f->effects & EFFECT_NETWORK);
	}
}

static void
setup(struct action_input *in, enum action_kind kind)
{
	memset(in, 0, sizeof *in);
	in->kind = kind;
	in->workspace = WS;
	in->cwd = WS "/src";
	in->home = HOME;
	in->maestro.socket = "/run/user/1000/maestro/maestrod.sock";
	in->maestro.config = HOME "/.config/maestro/maestrod.conf";
	in->maestro.policy = HOME "/.config/maestro/policy";
	in->maestro.database = HOME "/.local/state/maestro/maestro.db";
	in->maestro.state_dir = HOME "/.local/state/maestro";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shell_parse sp, again;
	struct action_input in;
	struct action_facts f, g;
	char *text;
	bool incomplete;
	int r;

	/* A copy of exactly the input's size: reads past it are caught. */
	text = malloc(size ? size : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);

	r = shell_parse(text, size, HOME, &sp);
	if (r == -ENOMEM) {
		free(text);
		return 0;
	}
	fuzz_assert(r == 0);
	check_parse(&sp);
	incomplete = sp.incomplete;
	/* The same text, the same parse: nothing depends on anything but the input. */
	fuzz_assert(shell_parse(text, size, HOME, &again) == 0);
	fuzz_assert(again.n_commands == sp.n_commands && again.incomplete == sp.incomplete);
	for (size_t i = 0; i < sp.n_commands; i++) {
		fuzz_assert(again.commands[i].argc == sp.commands[i].argc);
		for (size_t k = 0; k < sp.commands[i].argc; k++)
			fuzz_assert(strcmp(again.commands[i].argv[k], sp.commands[i].argv[k]) == 0);
	}
	shell_parse_clear(&again);
	shell_parse_clear(&sp);

	setup(&in, ACTION_SHELL);
	in.command = text;
	in.command_len = size;
	/* command_len 0 means strlen: an empty input is an empty string, not a read past it. */
	if (size == 0)
		in.command = "";
	r = effects_classify(&in, &f);
	if (r == 0) {
		fuzz_assert(f.kind == ACTION_SHELL);
		fuzz_assert(f.effects & EFFECT_EXECUTE);
		fuzz_assert(f.permissions & PERM_EXECUTE_COMMANDS);
		check_facts(&f, incomplete);
		/* Deterministic too. */
		fuzz_assert(effects_classify(&in, &g) == 0);
		fuzz_assert(g.effects == f.effects && g.risk == f.risk && g.n_paths == f.n_paths &&
			    g.n_hosts == f.n_hosts && g.n_commands == f.n_commands);
		action_facts_clear(&g);
		action_facts_clear(&f);
	} else {
		fuzz_assert(r == -ENOMEM);
	}

	/* The same bytes as a path and as a URL: resolution and host parsing. */
	{
		char *one = strndup(text, size);
		const char *paths[] = { one };

		if (one != NULL) {
			setup(&in, ACTION_FILE_DELETE);
			in.paths = paths;
			in.n_paths = 1;
			if (effects_classify(&in, &f) == 0) {
				check_facts(&f, false);
				action_facts_clear(&f);
			}
			setup(&in, ACTION_NETWORK);
			in.url = one;
			if (effects_classify(&in, &f) == 0) {
				check_facts(&f, false);
				action_facts_clear(&f);
			}
			setup(&in, ACTION_MCP_TOOL);
			in.mcp_tool = one;
			in.mcp_server = one;
			r = effects_classify(&in, &f);
			fuzz_assert(r == 0 || (r == -EINVAL && one[0] == '\0'));
			if (r == 0) {
				check_facts(&f, false);
				action_facts_clear(&f);
			}
			free(one);
		}
	}
	free(text);
	return 0;
}
