/* The system.* methods: ping, status, reload and metrics. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "maestro-protocol.h"
#include "metrics.h"
#include "server.h"
#include "store.h"
#include "util.h"

static void
system_ping(struct call *call)
{
	struct json_object *result = json_object_new_object();
	struct json_object *data;

	json_object_object_add(result, "pong", json_object_new_boolean(1));
	if (json_object_object_get_ex(call->params, "data", &data))
		json_object_object_add(result, "data", json_object_get(data));
	call_reply(call, result);
}

static struct json_object *
json_u64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static void
system_status(struct call *call)
{
	struct maestrod *d = call->d;
	struct json_object *r = json_object_new_object();
	struct json_object *o;
	struct audit_stats as;
	uint64_t now = now_usec(CLOCK_MONOTONIC);

	audit_get_stats(d->audit, &as);
	json_object_object_add(r, "version", json_object_new_string(MAESTRO_VERSION));
	json_object_object_add(r, "protocol_version", json_object_new_int(MAESTRO_PROTOCOL_VERSION));
	json_object_object_add(r, "pid", json_object_new_int(getpid()));
	json_object_object_add(r, "uptime_s",
			       json_object_new_double((double)(now - d->started_monotonic_usec) / 1e6));
	json_object_object_add(r, "started_at_us", json_u64(d->started_realtime_usec));
	json_object_object_add(r, "health", json_object_new_string(daemon_health(d)));
	json_object_object_add(r, "draining", json_object_new_boolean(d->draining));

	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(server_path(d->server)));
	json_object_object_add(o, "activated", json_object_new_boolean(server_activated(d->server)));
	json_object_object_add(r, "socket", o);

	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(d->store->path));
	json_object_object_add(o, "schema_version", json_object_new_int(d->store->schema_version));
	json_object_object_add(r, "database", o);

	o = json_object_new_object();
	json_object_object_add(o, "path",
			       d->config_path ? json_object_new_string(d->config_path) : NULL);
	json_object_object_add(o, "found", json_object_new_boolean(d->config_found));
	json_object_object_add(r, "config", o);

	o = json_object_new_object();
	json_object_object_add(o, "current", json_object_new_int64(d->stats.connections_current));
	json_object_object_add(o, "total", json_u64(d->stats.connections_total));
	json_object_object_add(o, "refused", json_u64(d->stats.connections_refused));
	json_object_object_add(r, "connections", o);

	o = json_object_new_object();
	json_object_object_add(o, "total", json_u64(d->stats.requests_total));
	json_object_object_add(o, "failed", json_u64(d->stats.requests_failed));
	json_object_object_add(r, "requests", o);

	o = json_object_new_object();
	json_object_object_add(o, "queued", json_u64(as.queued));
	json_object_object_add(o, "in_flight", json_u64(as.expected));
	json_object_object_add(o, "committed", json_u64(as.committed));
	json_object_object_add(o, "failed", json_u64(as.failed));
	json_object_object_add(o, "batches", json_u64(as.batches));
	json_object_object_add(o, "last_seq", json_object_new_int64(as.last_seq));
	json_object_object_add(r, "audit", o);

	call_reply(call, r);
}

static void
reload_replied(const struct reload_result *res, void *userdata)
{
	struct call *call = userdata;
	struct json_object *r, *list;
	char where[sizeof res->error.file + 300], msg[sizeof where + 64];

	if (res->config_invalid) {
		config_error_format(&res->error, where, sizeof where);
		r = json_object_new_object();
		json_object_object_add(r, "file", json_object_new_string(res->error.file));
		json_object_object_add(r, "line", json_object_new_int((int)res->error.line));
		json_object_object_add(r, "column", json_object_new_int((int)res->error.column));
		json_object_object_add(r, "message", json_object_new_string(res->error.message));
		if (res->audit_seq)
			json_object_object_add(r, "audit_seq", json_object_new_int64(res->audit_seq));
		snprintf(msg, sizeof msg, "invalid configuration, the running one is kept: %s", where);
		call_fail(call, MAESTRO_E_INVALID_CONFIG, msg, r);
		return;
	}
	if (!res->applied) {
		snprintf(msg, sizeof msg, "%s: reload not applied: %s",
			 res->overloaded ? "overloaded" : "unavailable", res->audit_error);
		call_fail(call, res->overloaded ? MAESTRO_E_OVERLOADED : MAESTRO_E_UNAVAILABLE, msg,
			  NULL);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, "reloaded", json_object_new_boolean(1));
	json_object_object_add(r, "config", call->d->config_path
						    ? json_object_new_string(call->d->config_path)
						    : NULL);
	list = json_object_new_array();
	for (unsigned i = 0; i < res->n_restart_required; i++)
		json_object_array_add(list, json_object_new_string(res->restart_required[i]));
	json_object_object_add(r, "restart_required", list);
	json_object_object_add(r, "audit_seq", json_object_new_int64(res->audit_seq));
	call_reply(call, r);
}

static void
system_reload(struct call *call)
{
	char actor[32];

	snprintf(actor, sizeof actor, "uid:%u", (unsigned)call->conn->uid);
	daemon_reload(call->d, actor, (long)call->conn->uid, (long)call->conn->pid, reload_replied,
		      call);
}

/* The figures /metrics serves, as JSON; agent names and trust make it an admin method. */
static void
system_metrics(struct call *call)
{
	struct json_object *r = metrics_to_json(call->d);

	if (r == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "out of memory", NULL);
		return;
	}
	call_reply(call, r);
}

static const struct param_spec ping_params[] = {
	{ "data", json_type_string, false },
	{ NULL, json_type_null, false },
};

const struct method system_methods[] = {
	{ "system.ping", CALLER_ANY, ping_params, system_ping },
	{ "system.status", CALLER_ANY, NULL, system_status },
	{ "system.reload", CALLER_ADMIN, NULL, system_reload },
	{ "system.metrics", CALLER_ADMIN, NULL, system_metrics },
	{ NULL, CALLER_ANY, NULL, NULL },
};
