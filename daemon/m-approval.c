/* The approval.* methods: a person sees what waits, decides it; an agent waits for the answer. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "approval.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "jsonrpc.h"
#include "maestro-protocol.h"
#include "reader.h"
#include "util.h"

/* The longest an agent may block in approval.wait, and an approval window's longest. */
#define WAIT_MAX_S 3600
#define WINDOW_MAX_S (7 * 24 * 3600)

/* Pending first, then live decisions; newest first within each. */
static void
approval_list(struct call *call)
{
	const char *status = rpc_str(call->params, "status");
	struct json_object *list = json_object_new_array(), *r;
	int64_t now = (int64_t)now_usec(CLOCK_REALTIME);
	struct approval *a;

	if (status != NULL && strcmp(status, "pending") != 0 && strcmp(status, "live") != 0) {
		json_object_put(list);
		call_fail(call, RPC_INVALID_PARAMS, "invalid params: status must be pending or live", NULL);
		return;
	}
	/* Pending first; with status "live", then the decisions that still answer. */
	for (int pass = 0; pass < (status != NULL && strcmp(status, "live") == 0 ? 2 : 1); pass++)
		TAILQ_FOREACH(a, &call->d->approvals.list, entry) {
			if ((a->status == APPROVAL_PENDING) != (pass == 0))
				continue;
			if (a->status == APPROVAL_APPROVED && !a->once && a->until_us <= now)
				continue; /* a window that closed */
			json_object_array_add(list, approval_to_json(a));
		}
	r = json_object_new_object();
	json_object_object_add(r, "approvals", list);
	call_reply(call, r);
}

/* approval.show of one no longer in memory: from the store, on a reader. */
struct stored_lookup {
	struct call *call;
	char id[APPROVAL_ID_SIZE];
	char *json; /* the row as JSON text, built on the reader */
};

static int
stored_run(sqlite3 *db, void *arg)
{
	struct stored_lookup *l = arg;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db,
				"SELECT json_object('id', id, 'agent', agent, 'status', status,"
				" 'risk_level', risk, 'summary', summary, 'fingerprint', fingerprint,"
				" 'correlation_id', correlation_id, 'created_us', created_us,"
				" 'expires_us', expires_us, 'request', json(request),"
				" 'decided_uid', decided_uid, 'decided_us', decided_us, 'scope', scope,"
				" 'until_us', until_us, 'note', note) FROM approvals WHERE id = ?",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, l->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		l->json = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? (l->json ? 0 : -ENOMEM) : rc == SQLITE_DONE ? -ENOENT : -EIO;
}

static void
stored_done(int status, void *arg)
{
	struct stored_lookup *l = arg;
	struct json_object *o = status == 0 ? json_tokener_parse(l->json) : NULL;
	char msg[96];

	if (o != NULL) {
		call_reply(l->call, o);
	} else if (status == -ENOENT) {
		snprintf(msg, sizeof msg, "not found: no approval %s", l->id);
		call_fail(l->call, MAESTRO_E_NOT_FOUND, msg, NULL);
	} else {
		call_fail(l->call, MAESTRO_E_UNAVAILABLE, "unavailable: the store cannot be read", NULL);
	}
	free(l->json);
	free(l);
}

/* Ids are ours: "apr_" and 16 hex digits. Anything else is not one. */
static bool
id_valid(const char *id)
{
	if (strlen(id) != APPROVAL_ID_SIZE - 1 || strncmp(id, "apr_", 4) != 0)
		return false;
	for (const char *p = id + 4; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static struct approval *
find_or_fail(struct call *call)
{
	const char *id = rpc_str(call->params, "id");
	struct approval *a;
	char msg[96];

	if (!id_valid(id)) {
		call_fail(call, RPC_INVALID_PARAMS, "invalid params: id must be an approval id (apr_ and 16 hex digits)",
			  NULL);
		return NULL;
	}
	a = approval_find(call->d, id);
	if (a == NULL) {
		snprintf(msg, sizeof msg, "not found: no pending or live approval %s", id);
		call_fail(call, MAESTRO_E_NOT_FOUND, msg, NULL);
	}
	return a;
}

static void
approval_show(struct call *call)
{
	const char *id = rpc_str(call->params, "id");
	struct approval *a;
	struct stored_lookup *l;

	if (!id_valid(id)) {
		call_fail(call, RPC_INVALID_PARAMS, "invalid params: id must be an approval id (apr_ and 16 hex digits)",
			  NULL);
		return;
	}
	a = approval_find(call->d, id);
	if (a != NULL) {
		call_reply(call, approval_to_json(a));
		return;
	}
	l = calloc(1, sizeof *l);
	if (l == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	l->call = call;
	snprintf(l->id, sizeof l->id, "%s", id);
	if (reader_submit(call->d->reader, stored_run, stored_done, l) < 0) {
		free(l);
		call_fail(call, MAESTRO_E_OVERLOADED, "overloaded: too many reads queued; retry", NULL);
	}
}

static void
approval_decide_method(struct call *call)
{
	const char *decision = rpc_str(call->params, "decision");
	const char *scope = rpc_str(call->params, "scope");
	const char *note = rpc_str(call->params, "note");
	bool approve;
	long long window = 0;
	struct approval *a;
	char msg[200];

	if (strcmp(decision, "approve") != 0 && strcmp(decision, "deny") != 0) {
		call_fail(call, RPC_INVALID_PARAMS, "invalid params: decision must be approve or deny", NULL);
		return;
	}
	approve = strcmp(decision, "approve") == 0;
	if (scope != NULL && strcmp(scope, "once") != 0) {
		if (strncmp(scope, "for ", 4) != 0 ||
		    rpc_parse_duration(scope + 4, WINDOW_MAX_S, &window) < 0)
			window = -1;
		if (window <= 0 || !approve) {
			call_fail(call, RPC_INVALID_PARAMS,
				  !approve ? "invalid params: a denial has no window; scope must be once"
					   : "invalid params: scope must be \"once\" or \"for DURATION\" "
					     "(such as \"for 30m\"; at most 7d)",
				  NULL);
			return;
		}
	}
	if (note != NULL && strlen(note) > APPROVAL_NOTE_MAX) {
		call_fail(call, RPC_INVALID_PARAMS, "invalid params: note must be at most 1024 bytes", NULL);
		return;
	}
	if ((a = find_or_fail(call)) == NULL)
		return;
	if (a->status != APPROVAL_PENDING || a->deciding) {
		snprintf(msg, sizeof msg, "conflict: approval %s is %s", a->id,
			 a->deciding ? "being decided by someone else" : approval_status_name(a->status));
		call_fail(call, MAESTRO_E_CONFLICT, msg, NULL);
		return;
	}
	approval_decide(call->d, call, a, approve, window * 1000000ll, note);
}

static void
approval_wait_method(struct call *call)
{
	struct json_object *v;
	double timeout = 0;
	struct approval *a;

	if (json_object_object_get_ex(call->params, "timeout", &v))
		timeout = json_object_get_double(v);
	if (!(timeout >= 0 && timeout <= WAIT_MAX_S)) {
		call_fail(call, RPC_INVALID_PARAMS, "invalid params: timeout must be 0 to 3600 seconds", NULL);
		return;
	}
	if ((a = find_or_fail(call)) == NULL)
		return;
	/* An agent waits for its own asks only; a person may wait for any. */
	if (call->agent_id[0] != '\0' && strcmp(call->agent_id, a->agent) != 0) {
		call_fail(call, MAESTRO_E_NOT_FOUND, "not found: no such approval of this agent", NULL);
		return;
	}
	approval_wait(call->d, call, a, (int64_t)(timeout * 1e6));
}

static void
approval_subscribe(struct call *call)
{
	struct json_object *r = json_object_new_object();

	if (call->conn != NULL)
		call->conn->approvals_subscribed = strcmp(call->method->name, "approval.subscribe") == 0;
	json_object_object_add(r, "subscribed",
			       json_object_new_boolean(call->conn && call->conn->approvals_subscribed));
	call_reply(call, r);
}

static const struct param_spec list_params[] = {
	{ "status", json_type_string, false },
	{ NULL, json_type_null, false },
};
static const struct param_spec id_params[] = {
	{ "id", json_type_string, true },
	{ NULL, json_type_null, false },
};
static const struct param_spec decide_params[] = {
	{ "id", json_type_string, true },
	{ "decision", json_type_string, true },
	{ "scope", json_type_string, false },
	{ "note", json_type_string, false },
	{ NULL, json_type_null, false },
};
static const struct param_spec wait_params[] = {
	{ "id", json_type_string, true },
	{ "timeout", json_type_double, false },
	{ NULL, json_type_null, false },
};

const struct method approval_methods[] = {
	{ "approval.list", CALLER_ADMIN, list_params, approval_list },
	{ "approval.show", CALLER_ADMIN, id_params, approval_show },
	/* A person's call: an agent-bound connection (or "auth") is refused before this runs. */
	{ "approval.decide", CALLER_ADMIN, decide_params, approval_decide_method },
	{ "approval.wait", CALLER_ANY, wait_params, approval_wait_method },
	{ "approval.subscribe", CALLER_ADMIN, NULL, approval_subscribe },
	{ "approval.unsubscribe", CALLER_ADMIN, NULL, approval_subscribe },
	{ NULL, CALLER_ANY, NULL, NULL },
};
