/* The trace.* methods: a decision's trace, read from the store. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "daemon.h"
#include "dispatch.h"
#include "maestro-protocol.h"
#include "reader.h"
#include "trace.h"
#include "util.h"

/* A lookup on a reader thread; the loop only sees the answer. */
struct trace_get {
	struct call *call;
	char correlation_id[128];
	struct json_object *result; /* built on the reader thread, handed to the loop */
	char error[200];
};

/*
 * Reader thread. The newest row wins: a correlation id names one decision,
 * but nothing stops a caller from reusing its own. Returns 1 when found,
 * 0 when not, a negative errno on failure.
 */
static int
trace_get_run(sqlite3 *db, void *arg)
{
	struct trace_get *g = arg;
	struct json_object *stored, *spans;
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite3_prepare_v2(db,
			       "SELECT substr(trace_id, 1, 32), time_us, spans FROM traces"
			       " WHERE correlation_id = ? ORDER BY time_us DESC LIMIT 1",
			       -1, &st, NULL);
	if (r != SQLITE_OK) {
		snprintf(g->error, sizeof g->error, "%s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_text(st, 1, g->correlation_id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 0;
	}
	if (r != SQLITE_ROW) {
		snprintf(g->error, sizeof g->error, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -EIO;
	}
	stored = json_tokener_parse((const char *)sqlite3_column_text(st, 2));
	spans = trace_spans_expand(stored, g->correlation_id);
	json_object_put(stored);
	if (spans == NULL) {
		snprintf(g->error, sizeof g->error, "the stored trace is damaged");
		sqlite3_finalize(st);
		return -EIO;
	}
	g->result = json_object_new_object();
	json_object_object_add(g->result, "trace_id",
			       json_object_new_string((const char *)sqlite3_column_text(st, 0)));
	json_object_object_add(g->result, "correlation_id",
			       json_object_new_string(g->correlation_id));
	json_object_object_add(g->result, "time_us",
			       json_object_new_int64(sqlite3_column_int64(st, 1)));
	json_object_object_add(g->result, "spans", spans);
	sqlite3_finalize(st);
	return 1;
}

/* Loop thread. */
static void
trace_get_done(int status, void *arg)
{
	struct trace_get *g = arg;
	char msg[300];

	if (status == 1) {
		call_reply(g->call, g->result);
	} else if (status == 0) {
		snprintf(msg, sizeof msg, "not found: no trace for correlation id %s",
			 g->correlation_id);
		call_fail(g->call, MAESTRO_E_NOT_FOUND, msg, NULL);
	} else {
		snprintf(msg, sizeof msg, "unavailable: cannot read traces: %s",
			 g->error[0] ? g->error : strerror(-status));
		call_fail(g->call, MAESTRO_E_UNAVAILABLE, msg, NULL);
	}
	free(g);
}

static void
trace_get(struct call *call)
{
	const char *cid = json_object_get_string(json_object_object_get(call->params,
									 "correlation_id"));
	struct trace_get *g;
	int r;

	if (strlen(cid) == 0 || strlen(cid) >= sizeof g->correlation_id) {
		call_fail(call, RPC_INVALID_PARAMS,
			  "invalid params: correlation_id must be 1 to 127 characters", NULL);
		return;
	}
	g = calloc(1, sizeof *g);
	if (g == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	g->call = call;
	snprintf(g->correlation_id, sizeof g->correlation_id, "%s", cid);
	r = reader_submit(call->d->reader, trace_get_run, trace_get_done, g);
	if (r < 0) {
		free(g);
		call_fail(call, r == -EAGAIN ? MAESTRO_E_OVERLOADED : MAESTRO_E_UNAVAILABLE,
			  r == -EAGAIN ? "overloaded: the store readers are busy, try again"
				       : "unavailable: the store readers are stopping",
			  NULL);
	}
}

static const struct param_spec trace_get_params[] = {
	{ "correlation_id", json_type_string, true },
	{ NULL },
};

const struct method trace_methods[] = {
	{ "trace.get", CALLER_ADMIN, trace_get_params, trace_get },
	{ NULL },
};
