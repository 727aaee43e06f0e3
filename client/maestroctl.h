/* maestroctl: the command table, global options and exit codes. */
#ifndef MAESTROCTL_H
#define MAESTROCTL_H

#include <stdbool.h>
#include <json-c/json.h>

#include "rpc.h"

/* Exit codes, documented in maestroctl(1). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,	      /* maestrod answered with an error */
	EXIT_USAGE = 2,	      /* bad command line */
	EXIT_DENIED = 3,      /* a governance decision said deny */
	EXIT_ASK = 4,	      /* a governance decision needs a person */
	EXIT_UNREACHABLE = 5, /* maestrod is not running or refused us */
	EXIT_PROTOCOL = 6,    /* timeout, or a reply that is not JSON-RPC */
};

struct ctl {
	const char *socket_path;
	bool json;
	int timeout_ms;
	const char *agent;	/* --agent or $MAESTRO_AGENT: speak for this agent */
	const char *token_file; /* --token-file */
	struct rpc_client rpc;
	bool connected;
};

struct command {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(struct ctl *ctl, int argc, char **argv);
};

extern const struct command system_commands[];
extern const struct command agent_commands[];
extern const struct command governance_commands[];
extern const struct command exec_commands[];
extern const struct command policy_commands[];
extern const struct command approval_commands[];
extern const struct command trace_commands[];
extern const struct command audit_commands[];
extern const struct command top_commands[];
extern const struct command sofia_commands[];
extern const struct command hook_commands[];

/* maestroctl audit verify (cmd-audit-verify.c); argv[0] is "verify". */
int cmd_audit_verify(struct ctl *ctl, int argc, char **argv);

/*
 * Calls method and handles the failures every command handles the same
 * way, printing a message. Returns EXIT_OK with *result set (owned by the
 * caller), or the exit code to leave with.
 */
int ctl_call(struct ctl *ctl, const char *method, struct json_object *params,
	     struct json_object **result);

/*
 * The token of ctl->agent: --token-file, else $MAESTRO_TOKEN, else
 * tokens/AGENT in the user's config directory. 0, or a negative errno
 * having said why on stderr.
 */
int ctl_read_token(struct ctl *ctl, char *token, size_t size);

/* "90", "30s", "15m", "12h", "7d", "2w" into seconds. */
int ctl_parse_duration(const char *text, long long *seconds);

/* Prints result as JSON on one line, for --json. */
void ctl_print_json(struct json_object *result);

/* A reply's member for printing: as text ("" when absent or null), or as a number (0). */
const char *ctl_text(struct json_object *o, const char *key);
int64_t ctl_int(struct json_object *o, const char *key);

/*
 * Text an agent chose (a summary, a command, a note), made safe to print:
 * control characters, C1 and bidirectional overrides become '?', cut to
 * max bytes on a character boundary with "...". Returns out.
 */
const char *ctl_safe(const char *s, char *out, size_t max);

/* "42s", "7m", "3h", "2d": a span of time (its size, whichever way it points), in buf. */
const char *ctl_span(int64_t us, char *buf, size_t size);

#endif
