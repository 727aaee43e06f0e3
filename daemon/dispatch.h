/* Method dispatch: the method table, caller checks, params checks, calls. */
#ifndef MAESTRO_DISPATCH_H
#define MAESTRO_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <json-c/json.h>

#include "agent.h"

struct conn;
struct maestrod;

/* Who may call a method; the dispatcher checks it before the handler runs. */
enum caller {
	CALLER_ANY,   /* any peer the server accepted */
	CALLER_ADMIN, /* an allowed peer, on a call that speaks for no agent */
	CALLER_AGENT, /* a call that speaks for an agent: a bound connection, or "auth" */
};

/* One named parameter; a method's list ends with a NULL name. */
struct param_spec {
	const char *name;
	json_type type;
	bool required;
	bool any_type; /* any JSON value will do; type is not checked */
};

/*
 * One request being served. It outlives its connection when the client
 * goes away mid-request: conn is then NULL and the reply is dropped.
 */
struct call {
	struct maestrod *d;
	struct conn *conn;
	struct json_object *id;
	struct json_object *params; /* always an object for the handler; never NULL */
	const struct method *method;
	/* The agent the call speaks for (checked before the handler runs); "" for none. */
	char agent_id[AGENT_ID_MAX + 1];
	uint64_t started_mono_usec;
	TAILQ_ENTRY(call) entry;
};

/*
 * A handler receives a call whose caller and params are already checked.
 * It answers with call_reply() or call_fail(), now or later (after an
 * audit commit); exactly once either way.
 */
typedef void (*method_fn)(struct call *call);

struct method {
	const char *name;
	enum caller who;
	const struct param_spec *params; /* NULL: takes no params */
	method_fn handler;
};

/* The method tables of each group, ended by an entry with a NULL name. */
extern const struct method system_methods[];
extern const struct method agent_methods[];
extern const struct method session_methods[];
extern const struct method governance_methods[];
extern const struct method report_methods[];
extern const struct method execute_methods[];
extern const struct method policy_methods[];
extern const struct method trace_methods[];
extern const struct method audit_methods[];
extern const struct method audit_verify_methods[];
extern const struct method approval_methods[];
extern const struct method counsel_methods[];

/* Parses and serves one request line from conn. */
void dispatch_line(struct conn *conn, const char *line, size_t len);

/* Checks params against spec; on failure writes a sentence into msg. */
bool params_check(const struct param_spec *spec, struct json_object *params, char *msg,
		  size_t size);

void call_reply(struct call *call, struct json_object *result);
void call_fail(struct call *call, int code, const char *message, struct json_object *data);

/* For the connection: forget conn, whose calls now reply to nobody. */
void call_orphan(struct call *call);

#endif
