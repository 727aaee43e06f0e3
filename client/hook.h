/* maestroctl hook: the coding agents, what their hooks send and what they expect back. */
#ifndef MAESTROCTL_HOOK_H
#define MAESTROCTL_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/*
 * Errors, as in the rest of maestroctl: 0 or a negative errno. -EINVAL
 * means the input was understood to be wrong, and the caller is handed a
 * sentence saying how (why[], size); anything else is the system's.
 */

/* The largest hook payload read from stdin; more is refused, not cut. */
#define HOOK_PAYLOAD_MAX (1024 * 1024)
/* An action carries at most this many paths (maestro-protocol(7)). */
#define HOOK_PATHS_MAX 64

enum hook_agent {
	HOOK_CLAUDE,
	HOOK_GEMINI,
	HOOK_QWEN,
	HOOK_CODEX,
	HOOK_CURSOR,
	HOOK_AGENT_COUNT,
};

struct hook_agent_info {
	const char *name;	   /* on the command line: "claude" */
	const char *maestro_agent; /* the maestro agent it speaks for by default */
	const char *project_env;   /* where the agent names its project directory, or NULL */
	bool has_ask;		   /* whether its pre-tool hook may answer "ask" */
};

const struct hook_agent_info *hook_agent_info(enum hook_agent agent);
int hook_agent_parse(const char *name, enum hook_agent *agent);

enum hook_event {
	HOOK_EVENT_IGNORED,   /* an event maestro has nothing to say about */
	HOOK_EVENT_TOOL,      /* before a tool runs: evaluate */
	HOOK_EVENT_PROMPT,    /* before a prompt reaches the model: evaluate */
	HOOK_EVENT_POST_TOOL, /* after a tool ran: report */
};

enum hook_decision {
	HOOK_ALLOW,
	HOOK_ASK,
	HOOK_DENY,
};

/* One hook call, mapped to what maestrod understands. */
struct hook_call {
	enum hook_agent agent;
	enum hook_event event;
	char event_name[64];	   /* as the agent named it, for the answers that repeat it */
	char session_id[128];	   /* the coding session ("" when the agent sent none) */
	char tool_name[128];	   /* "" for prompts */
	char state_key[96];	   /* the tool call across pre and post: tool_use_id or a hash */
	struct json_object *action;  /* governance.evaluate's action (owned) */
	struct json_object *context; /* governance.evaluate's context (owned) */
	char *output;		     /* post-tool: the tool's output, UTF-8 (owned) */
	bool failed;		     /* post-tool: whether the tool said it failed */
};

/*
 * Maps payload, as agent sent it, into call. cwd is used when the payload
 * names none; project_dir (may be NULL) becomes the workspace. Returns 0,
 * -EINVAL with why[] filled, or -ENOMEM. Clear call with hook_call_clear()
 * in every case.
 */
int hook_map(enum hook_agent agent, struct json_object *payload, const char *cwd,
	     const char *project_dir, struct hook_call *call, char *why, size_t size);
void hook_call_clear(struct hook_call *call);

/*
 * Post-tool: the tool's output and whether it failed, from the payload's
 * tool_response (hook-output.c). Returns 0 or -ENOMEM.
 */
int hook_map_output(struct hook_call *call, struct json_object *payload);

/*
 * The files an apply_patch patch touches, appended to paths (a JSON
 * array), each once. *deletes_only says whether every one is deleted.
 * Returns how many, -EINVAL when text holds no "*** Begin Patch", or
 * -E2BIG past HOOK_PATHS_MAX.
 */
int hook_patch_paths(const char *text, size_t len, struct json_object *paths, bool *deletes_only);

/* What to answer the agent: stdout (may be empty), stderr (may be empty), exit code. */
struct hook_answer {
	char *out;
	char *err;
	int exit_code;
};

/*
 * The answer to call in agent's terms for decision, with reason shown to
 * the model and the user. approval_id (may be NULL) is the approval a
 * person decides when the decision is ask. Returns 0 or -ENOMEM.
 */
int hook_answer(enum hook_agent agent, enum hook_event event, const char *event_name,
		enum hook_decision decision, const char *reason, const char *approval_id,
		struct hook_answer *answer);
void hook_answer_clear(struct hook_answer *answer);

/*
 * The session's correlation id prefix: the characters of session_id a
 * correlation id may carry, at most 40 of them; "hook" when none.
 */
void hook_correlation_prefix(const char *session_id, char *out, size_t size);

/* The per-session state (hook-state.c): pre-tool correlation ids for post-tool reports. */
int hook_state_put(const char *session_id, const char *key, const char *correlation_id);
int hook_state_take(const char *session_id, const char *key, char *correlation_id, size_t size);

/*
 * The TOML block maestro adds to a Codex config.toml (hook-install-toml.c).
 * hook_toml_add returns a new string: text with the block appended, or
 * NULL with *r set (-EEXIST when a block is there, -EINVAL with why[]
 * filled when text defines the hooks in a way an appended table would
 * break). hook_toml_remove returns text without the block (and the
 * separator add put before it), or NULL with *r = -ENOENT when there is
 * none.
 */
char *hook_toml_add(const char *text, const char *block, int *r, char *why, size_t size);
char *hook_toml_remove(const char *text, int *r);
/* The block for command, with begin and end marker lines. */
char *hook_toml_block(const char *command);

/*
 * The JSON settings edits (hook-install-json.c). Each edits root in place
 * and returns how many hooks it added or removed, or -EINVAL with why[].
 */
int hook_json_add(enum hook_agent agent, struct json_object *root, const char *command,
		  char *why, size_t size);
int hook_json_remove(enum hook_agent agent, struct json_object *root);
/* Whether command is one maestroctl hook install writes for agent. */
bool hook_command_is_ours(enum hook_agent agent, const char *command);

/* maestroctl hook install and uninstall (hook-install.c); argv[0] is the verb. */
struct ctl;
int hook_install_main(struct ctl *ctl, int argc, char **argv);

#endif
