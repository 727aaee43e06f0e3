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
#include "util.h"

static const struct method *const method_tables[] = {
	system_methods,
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

bool
params_check(const struct param_spec *spec, struct json_object *params, char *msg,
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
		if (!json_object_is_type(val, p->type) &&
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

static bool
caller_allowed(const struct conn *c, const struct method *m)
{
	switch (m->who) {
	case CALLER_ANY:
		return true;
	case CALLER_ADMIN:
		/*
		 * The server only admits allowed uids, so what remains is that
		 * the connection speaks for no agent. Agent binding arrives
		 * with sessions; until then every connection qualifies.
		 */
		return c != NULL;
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
	char msg[256];
	int r;

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
	if (!caller_allowed(c, m)) {
		snprintf(msg, sizeof msg, "unauthorized: %s needs an administrator connection", m->name);
		dispatch_error(c, req.id, MAESTRO_E_UNAUTHORIZED, msg);
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
