/* The session.* methods: binding a connection to an agent, and asking who we are. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "agent-params.h"
#include "agent.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "maestro-protocol.h"
#include "session.h"

static void
session_hello(struct call *call)
{
	struct conn *c = call->conn;
	struct agent_params p;
	struct json_object *r;
	struct agent *a;
	char msg[300];

	if (!agent_params_parse(call->method->name, call->params, &p, msg, sizeof msg)) {
		call_fail(call, RPC_INVALID_PARAMS, msg, NULL);
		return;
	}
	/*
	 * One agent per connection. A session that lapsed (rotated token,
	 * suspension, deletion) may say hello again, as its error told it.
	 */
	if (c->agent_id[0] != '\0' && session_agent(call->d, c, msg, sizeof msg) != NULL) {
		snprintf(msg, sizeof msg,
			 "conflict: this connection already speaks for agent %s; open another",
			 c->agent_id);
		call_fail(call, MAESTRO_E_CONFLICT, msg, NULL);
		return;
	}
	a = session_authenticate(call->d, p.id, p.token, msg, sizeof msg);
	if (a == NULL) {
		char text[sizeof msg + 32];

		snprintf(text, sizeof text, "unauthenticated: %s", msg);
		if (session_failed(call->d, c, p.id, call->method->name, msg))
			conn_close_after_reply(c);
		call_fail(call, MAESTRO_E_UNAUTHENTICATED, text, NULL);
		return;
	}
	session_bind(c, a);
	r = json_object_new_object();
	json_object_object_add(r, "agent", agent_to_json(a));
	call_reply(call, r);
}

static void
session_whoami(struct call *call)
{
	struct json_object *r = json_object_new_object(), *peer = json_object_new_object();
	struct agent *a = call->agent_id[0] ? registry_find(&call->d->agents, call->agent_id) : NULL;

	json_object_object_add(peer, "uid", json_object_new_int64(call->conn->uid));
	json_object_object_add(peer, "gid", json_object_new_int64(call->conn->gid));
	json_object_object_add(peer, "pid", json_object_new_int(call->conn->pid));
	json_object_object_add(r, "peer", peer);
	json_object_object_add(r, "agent", a ? agent_to_json(a) : NULL);
	/* Administrative methods are open to exactly the calls that speak for no agent. */
	json_object_object_add(r, "administrator", json_object_new_boolean(call->agent_id[0] == '\0'));
	call_reply(call, r);
}

static const struct param_spec hello_params[] = {
	{ "agent", json_type_string, true },
	{ "token", json_type_string, true },
	{ NULL, json_type_null, false },
};

const struct method session_methods[] = {
	{ "session.hello", CALLER_ANY, hello_params, session_hello },
	{ "session.whoami", CALLER_ANY, NULL, session_whoami },
	{ NULL, CALLER_ANY, NULL, NULL },
};
