/* The system.* methods: ping, status and reload. */
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
	json_object_object_add(o, "path", json_object_new_string(d->config_path));
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
	json_object_object_add(o, "committed", json_u64(as.committed));
	json_object_object_add(o, "failed", json_u64(as.failed));
	json_object_object_add(o, "batches", json_u64(as.batches));
	json_object_object_add(o, "last_seq", json_object_new_int64(as.last_seq));
	json_object_object_add(r, "audit", o);

	call_reply(call, r);
}

/* The reply to system.reload waits for its audit row. */
struct reload_call {
	struct call *call;
	struct reload_result res;
	char *file;
};

static void
reload_committed(struct audit_record *rec, void *userdata)
{
	struct reload_call *rc = userdata;
	struct json_object *r, *list;

	if (rec->error) {
		call_fail(rc->call, MAESTRO_E_UNAVAILABLE, rec->error_message, NULL);
	} else if (!rc->res.ok) {
		char msg[sizeof rc->res.error + 64];

		r = json_object_new_object();
		json_object_object_add(r, "error", json_object_new_string(rc->res.error));
		json_object_object_add(r, "audit_seq", json_object_new_int64(rec->seq));
		snprintf(msg, sizeof msg, "invalid configuration, the running one is kept: %s",
			 rc->res.error);
		call_fail(rc->call, MAESTRO_E_INVALID_CONFIG, msg, r);
	} else {
		r = json_object_new_object();
		json_object_object_add(r, "reloaded", json_object_new_boolean(1));
		json_object_object_add(r, "config", rc->file ? json_object_new_string(rc->file) : NULL);
		list = json_object_new_array();
		for (unsigned i = 0; i < rc->res.n_restart_required; i++)
			json_object_array_add(list,
					      json_object_new_string(rc->res.restart_required[i]));
		json_object_object_add(r, "restart_required", list);
		json_object_object_add(r, "audit_seq", json_object_new_int64(rec->seq));
		call_reply(rc->call, r);
	}
	free(rc->file);
	free(rc);
}

static void
system_reload(struct call *call)
{
	struct maestrod *d = call->d;
	struct audit_record *rec;
	struct reload_call *rc;
	char actor[32];

	/*
	 * Only the loop thread submits, so room seen now is room at submit
	 * time: a reload that could not be audited is never applied.
	 */
	if (!audit_has_room(d->audit)) {
		call_fail(call, MAESTRO_E_OVERLOADED, "overloaded: the audit queue is full; retry",
			  NULL);
		return;
	}
	rc = calloc(1, sizeof *rc);
	if (rc == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	rc->call = call;
	daemon_reload(d, &rc->res);
	rc->file = d->config_path ? strdup(d->config_path) : NULL;
	snprintf(actor, sizeof actor, "uid:%u", (unsigned)call->conn->uid);
	rec = daemon_reload_record(d, &rc->res, actor);
	if (rec == NULL) {
		free(rc->file);
		free(rc);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	rec->has_peer = true;
	rec->peer_uid = call->conn->uid;
	rec->peer_pid = call->conn->pid;
	rec->done = reload_committed;
	rec->userdata = rc;
	if (audit_submit(d->audit, rec) < 0) {
		/* Cannot happen after the room check, but never drop a reply. */
		rec->error = -EAGAIN;
		snprintf(rec->error_message, sizeof rec->error_message, "the audit queue is full");
		reload_committed(rec, rc);
		audit_record_free(rec);
	}
}

static const struct param_spec ping_params[] = {
	{ "data", json_type_string, false },
	{ NULL, json_type_null, false },
};

const struct method system_methods[] = {
	{ "system.ping", CALLER_ANY, ping_params, system_ping },
	{ "system.status", CALLER_ANY, NULL, system_status },
	{ "system.reload", CALLER_ADMIN, NULL, system_reload },
	{ NULL, CALLER_ANY, NULL, NULL },
};
