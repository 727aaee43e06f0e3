/* Effect classifier: what an action would do to the machine, the permissions it needs, its risk. */
#ifndef MAESTRO_EFFECTS_H
#define MAESTRO_EFFECTS_H

#include <stddef.h>

#include "action.h"

/* Maestro's own files: touching any of them is EFFECT_MAESTRO_SELF. NULL members are unset. */
struct maestro_paths {
	const char *socket;
	const char *config;
	const char *policy;
	const char *database; /* its -wal and -shm files count too */
	const char *state_dir; /* and everything under it: tokens, keys, audit */
};

/* What the agent asked for, and where. Paths should be absolute; relative ones are taken from cwd. */
struct action_input {
	enum action_kind kind;
	const char *command;	   /* ACTION_SHELL: the command line as sent */
	size_t command_len;	   /* its length; 0: strlen(command). A NUL inside is unparsed. */
	const char *const *paths;  /* ACTION_FILE_READ, _WRITE, _DELETE */
	size_t n_paths;
	const char *url;	   /* ACTION_NETWORK */
	const char *mcp_server;	   /* ACTION_MCP_TOOL */
	const char *mcp_tool;
	const char *cwd;	   /* where it runs; NULL: the workspace */
	const char *workspace;	   /* the agent's workspace root; NULL: cwd */
	const char *home;	   /* for ~ and $HOME; NULL: unknown */
	const char *const *texts;  /* other text the action carries: a prompt, file content, MCP arguments */
	const char *content;	   /* ACTION_FILE_WRITE: what is written, when the agent said; may be NULL */
	size_t n_texts;
	struct maestro_paths maestro;
};

/*
 * Fills the empty out with the facts of the action: effects, the paths and
 * hosts it touches (resolved and flagged), every program and simple command
 * it runs, the permissions those imply and the risk with its reason.
 *
 * For a shell command every simple command counts, however deeply nested
 * (sudo, env, bash -c, eval, $(...), find -exec, xargs, python -c with
 * os.system, ...). A command the parser does not fully understand gets
 * EFFECT_UNPARSED and so at least RISK_HIGH: nothing unread passes as safe.
 *
 * Every string in out is valid UTF-8 (bytes that were not are '?').
 *
 * Returns 0; -EINVAL when in lacks what its kind needs (no command, no
 * path, no URL, an unknown kind); -ENOMEM. On failure out stays empty.
 */
int effects_classify(const struct action_input *in, struct action_facts *out);

#endif
