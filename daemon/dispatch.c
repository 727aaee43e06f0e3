/* Method dispatch: the method table, caller checks, params checks, calls. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "jsonrpc.h"
#include "log.h"
#include "maestro-protocol.h"
#include "session.h"
#include "utf8.h"
#include "util.h"

static const struct method *const method_tables[] = {
	system_methods,
	session_methods,
	agent_methods,
	governance_methods,
	report_methods,
	execute_methods,
	policy_methods,
	trace_methods,
	audit_methods,
	audit_verify_methods,
	approval_methods,
	counsel_methods,
};

static const struct method *
method_find(const char *name)
{
	for (size_t t = 0; t < sizeof method_tables / sizeof method_tables[0]; t++)
		for (const struct method *m = method_tables[t]; m->name != NULL; m++)
			if (strcmp(m->name, name) == 0)
				return m;
	return NULL;
}

static const char *
type_name(json_type type)
{
	switch (type) {
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	default: return "null";
	}
}

static bool
params_check_names(const struct param_spec *spec, struct json_object *params, char *msg,
		   size_t size)
{
	json_object_object_foreach(params, key, val) {
		const struct param_spec *p;

		for (p = spec; p->name != NULL; p++)
			if (strcmp(p->name, key) == 0)
				break;
		if (p->name == NULL) {
			snprintf(msg, size, "invalid params: unknown parameter \"%.64s\"", key);
			return false;
		}
		/* An integer is a fine number; nothing else converts. */
		if (!p->any_type && !json_object_is_type(val, p->type) &&
		    !(p->type == json_type_double && json_object_is_type(val, json_type_int))) {
			snprintf(msg, size, "invalid params: \"%s\" must be %s", p->name,
				 type_name(p->type));
			return false;
		}
	}
	for (const struct param_spec *p = spec; p->name != NULL; p++) {
		if (p->required && !json_object_object_get_ex(params, p->name, NULL)) {
			snprintf(msg, size, "invalid params: missing \"%s\"", p->name);
			return false;
		}
	}
	return true;
}

bool
params_check(const struct param_spec *spec, struct json_object *params, char *msg,
	     size_t size)
{
	if (params_check_names(spec, params, msg, size))
		return true;
	utf8_sanitize(msg); /* it may quote a name cut short */
	return false;
}

/*
 * Works out which agent the call speaks for: the one named in its "auth"
 * param (checked here, for this call only), else the one the connection
 * said hello as (re-checked: it may have been suspended, deleted or
 * rotated since). On failure *code and msg say why.
 */
static bool
dispatch_identify(struct conn *c, struct json_object *params, const struct method *m,
		  char agent_id[AGENT_ID_MAX + 1], int *code, char *msg, size_t size)
{
	struct json_object *auth, *id, *token;
	const struct agent *a;
	char why[256];

	agent_id[0] = '\0';
	if (params != NULL && json_object_is_type(params, json_type_object) &&
	    json_object_object_get_ex(params, "auth", &auth)) {
		if (!json_object_is_type(auth, json_type_object) ||
		    !json_object_object_get_ex(auth, "agent", &id) ||
		    !json_object_is_type(id, json_type_string) ||
		    !json_object_object_get_ex(auth, "token", &token) ||
		    !json_object_is_type(token, json_type_string) ||
		    json_object_object_length(auth) != 2) {
			*code = RPC_INVALID_PARAMS;
			snprintf(msg, size, "invalid params: \"auth\" must be {\"agent\": ..., \"token\": ...}");
			return false;
		}
		if (!agent_id_valid(json_object_get_string(id))) {
			*code = RPC_INVALID_PARAMS;
			snprintf(msg, size, "invalid params: \"%.80s\" is not a valid agent id",
				 json_object_get_string(id));
			utf8_sanitize(msg);
			return false;
		}
		if (c->agent_id[0] != '\0') {
			*code = MAESTRO_E_CONFLICT;
			snprintf(msg, size, "conflict: this connection already speaks for agent %s", c->agent_id);
			return false;
		}
		a = session_authenticate(c->d, json_object_get_string(id), json_object_get_string(token),
					 why, sizeof why);
		if (a == NULL) {
			if (session_failed(c->d, c, json_object_get_string(id), m->name, why))
				conn_close_after_reply(c);
			*code = MAESTRO_E_UNAUTHENTICATED;
			snprintf(msg, size, "unauthenticated: %s", why);
			return false;
		}
		snprintf(agent_id, AGENT_ID_MAX + 1, "%s", a->id);
		session_succeeded(c);
		/* The handler sees its own params, not the credentials. */
		json_object_object_del(params, "auth");
		return true;
	}
	if (c->agent_id[0] == '\0')
		return true;
	if (m->who != CALLER_ANY && session_agent(c->d, c, why, sizeof why) == NULL) {
		*code = MAESTRO_E_UNAUTHENTICATED;
		snprintf(msg, size, "unauthenticated: %s", why);
		return false;
	}
	snprintf(agent_id, AGENT_ID_MAX + 1, "%s", c->agent_id);
	return true;
}

static bool
caller_allowed(const struct method *m, const char *agent_id, int *code, char *msg, size_t size)
{
	switch (m->who) {
	case CALLER_ANY:
		return true;
	case CALLER_ADMIN:
		/*
		 * The server admitted only allowed uids; what remains is that
		 * no agent speaks here. An agent can never administer, not
		 * even its own identity, whatever it sends.
		 */
		if (agent_id[0] == '\0')
			return true;
		*code = MAESTRO_E_UNAUTHORIZED;
		snprintf(msg, size, "unauthorized: %s is administrative and this call speaks for agent %s",
			 m->name, agent_id);
		return false;
	case CALLER_AGENT:
		if (agent_id[0] != '\0')
			return true;
		*code = MAESTRO_E_UNAUTHENTICATED;
		snprintf(msg, size, "unauthenticated: %s needs an agent: call session.hello first, "
				    "or pass \"auth\": {\"agent\", \"token\"}", m->name);
		return false;
	}
	return false;
}

static void
dispatch_error(struct conn *c, struct json_object *id, int code, const char *message)
{
	c->d->stats.requests_failed++;
	conn_send(c, rpc_error_new(id, code, message, NULL));
}

void
dispatch_line(struct conn *c, const char *line, size_t len)
{
	struct rpc_request req;
	struct rpc_error err;
	const struct method *m;
	struct call *call;
	char msg[320], agent_id[AGENT_ID_MAX + 1];
	int r, code = RPC_INTERNAL_ERROR;

	c->d->stats.requests_total++;
	r = rpc_parse_request(line, len, &req, &err);
	if (r != 0) {
		dispatch_error(c, req.id, err.code, err.message);
		goto out;
	}
	m = method_find(req.method);
	if (m == NULL) {
		snprintf(msg, sizeof msg, "method not found: %.*s", MAESTRO_MAX_METHOD, req.method);
		dispatch_error(c, req.id, RPC_METHOD_NOT_FOUND, msg);
		goto out;
	}
	if (!dispatch_identify(c, req.params, m, agent_id, &code, msg, sizeof msg) ||
	    !caller_allowed(m, agent_id, &code, msg, sizeof msg)) {
		dispatch_error(c, req.id, code, msg);
		goto out;
	}
	if (req.params != NULL && json_object_is_type(req.params, json_type_array)) {
		if (m->params != NULL || json_object_array_length(req.params) > 0) {
			snprintf(msg, sizeof msg, "invalid params: %s takes its params as an object",
				 m->name);
			dispatch_error(c, req.id, RPC_INVALID_PARAMS, msg);
			goto out;
		}
		req.params = NULL;
	}
	if (m->params == NULL && req.params != NULL && json_object_object_length(req.params) > 0) {
		snprintf(msg, sizeof msg, "invalid params: %s takes no params", m->name);
		dispatch_error(c, req.id, RPC_INVALID_PARAMS, msg);
		goto out;
	}
	if (m->params != NULL && req.params != NULL &&
	    !params_check(m->params, req.params, msg, sizeof msg)) {
		dispatch_error(c, req.id, RPC_INVALID_PARAMS, msg);
		goto out;
	}

	call = calloc(1, sizeof *call);
	if (call == NULL) {
		dispatch_error(c, req.id, RPC_INTERNAL_ERROR, "internal error: out of memory");
		goto out;
	}
	call->d = c->d;
	call->conn = c;
	call->method = m;
	memcpy(call->agent_id, agent_id, sizeof call->agent_id);
	call->id = json_object_get(req.id);
	call->params = req.params ? json_object_get(req.params) : json_object_new_object();
	call->started_mono_usec = now_usec(CLOCK_MONOTONIC);
	TAILQ_INSERT_TAIL(&c->calls, call, entry);
	c->n_calls++;
	rpc_request_clear(&req);
	m->handler(call);
	return;
out:
	rpc_request_clear(&req);
}

static void
call_finish(struct call *call, struct json_object *msg)
{
	struct conn *c = call->conn;

	if (c != NULL) {
		TAILQ_REMOVE(&c->calls, call, entry);
		c->n_calls--;
		conn_send(c, msg);
	} else {
		json_object_put(msg);
	}
	json_object_put(call->id);
	json_object_put(call->params);
	free(call);
	if (c != NULL)
		conn_call_done(c);
}

void
call_reply(struct call *call, struct json_object *result)
{
	call_finish(call, rpc_result_new(call->id, result));
}

void
call_fail(struct call *call, int code, const char *message, struct json_object *data)
{
	call->d->stats.requests_failed++;
	call_finish(call, rpc_error_new(call->id, code, message, data));
}

void
call_orphan(struct call *call)
{
	call->conn = NULL;
}
