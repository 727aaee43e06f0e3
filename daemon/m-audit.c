/* The audit.* methods for reading the trail: query, show, export, follow, unfollow. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-follow.h"
#include "audit-query.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "jsonrpc.h"
#include "maestro-protocol.h"
#include "reader.h"
#include "util.h"

/* A query on its way through a reader thread; the reader owns it in between. */
struct query_job {
	struct call *call;
	struct audit_query q;
	bool show; /* audit.show: no row is "not found", and the reply is the row */
	char *text;
	char msg[256];
};

static void
job_free(struct query_job *job)
{
	audit_query_clear(&job->q);
	free(job->text);
	free(job);
}

/* On a reader thread. */
static int
query_run(struct sqlite3 *db, void *arg)
{
	struct query_job *job = arg;

	return audit_query_run(db, &job->q, &job->text, job->msg, sizeof job->msg);
}

/* audit.show's reply is the one row; the page's text is small, so parsing it back is cheap. */
static void
show_reply(struct query_job *job)
{
	struct rpc_error err;
	struct json_object *page = rpc_parse_json(job->text, strlen(job->text), &err), *rows, *row;
	char msg[64];

	if (page == NULL || !json_object_object_get_ex(page, "rows", &rows) ||
	    json_object_array_length(rows) == 0) {
		json_object_put(page);
		snprintf(msg, sizeof msg, "not found: no audit row %lld", (long long)job->q.seq);
		call_fail(job->call, MAESTRO_E_NOT_FOUND, msg, NULL);
		return;
	}
	row = json_object_get(json_object_array_get_idx(rows, 0));
	json_object_put(page);
	call_reply(job->call, row);
}

/* Back on the loop thread. */
static void
query_done(int status, void *arg)
{
	struct query_job *job = arg;

	if (status == -EIO && job->msg[0] == '\0')
		snprintf(job->msg, sizeof job->msg, "cannot open the audit store for reading");
	if (status < 0)
		call_fail(job->call, MAESTRO_E_UNAVAILABLE, job->msg, NULL);
	else if (job->show)
		show_reply(job);
	else
		call_reply(job->call, rpc_raw_new(TAKE_PTR(job->text)));
	job_free(job);
}

static void
query_submit(struct call *call, struct query_job *job)
{
	int r;

	job->call = call;
	r = reader_submit(call->d->reader, query_run, query_done, job);
	if (r < 0) {
		job_free(job);
		call_fail(call, r == -EAGAIN ? MAESTRO_E_OVERLOADED : MAESTRO_E_UNAVAILABLE,
			  r == -EAGAIN ? "overloaded: too many audit queries queued; retry"
				       : "unavailable: the audit store cannot be read now",
			  NULL);
	}
}

static struct query_job *
job_new(struct call *call)
{
	struct query_job *job = calloc(1, sizeof *job);

	if (job == NULL)
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
	return job;
}

static void
audit_query(struct call *call)
{
	struct query_job *job = job_new(call);
	char msg[256];
	int r;

	if (job == NULL)
		return;
	r = audit_query_from_json(call->params, true, &job->q, msg, sizeof msg);
	if (r < 0) {
		free(job);
		call_fail(call, r == -EINVAL ? RPC_INVALID_PARAMS : RPC_INTERNAL_ERROR, msg, NULL);
		return;
	}
	query_submit(call, job);
}

/* Oldest first, a thousand at a time by default: what `maestroctl audit export` pages through. */
static void
audit_export(struct call *call)
{
	struct query_job *job = job_new(call);
	char msg[256];
	int r;

	if (job == NULL)
		return;
	if (!json_object_object_get_ex(call->params, "limit", NULL))
		json_object_object_add(call->params, "limit",
				       json_object_new_int(AUDIT_QUERY_LIMIT_MAX));
	r = audit_query_from_json(call->params, true, &job->q, msg, sizeof msg);
	if (r < 0) {
		free(job);
		call_fail(call, r == -EINVAL ? RPC_INVALID_PARAMS : RPC_INTERNAL_ERROR, msg, NULL);
		return;
	}
	job->q.ascending = true;
	query_submit(call, job);
}

static void
audit_show(struct call *call)
{
	struct query_job *job;
	int64_t seq = json_object_get_int64(json_object_object_get(call->params, "seq"));

	if (seq < 1) {
		call_fail(call, RPC_INVALID_PARAMS, "invalid params: \"seq\" must be a positive integer",
			  NULL);
		return;
	}
	if ((job = job_new(call)) == NULL)
		return;
	job->q.filter.risk_min = -1;
	job->q.seq = seq;
	job->q.limit = 1;
	job->show = true;
	query_submit(call, job);
}

static void
audit_follow(struct call *call)
{
	struct audit_filter filter;
	struct json_object *result;
	int64_t from_seq = 0;
	char msg[256];
	int r;

	r = audit_filter_from_json(call->params, &filter, msg, sizeof msg);
	if (r < 0) {
		call_fail(call, r == -EINVAL ? RPC_INVALID_PARAMS : RPC_INTERNAL_ERROR, msg, NULL);
		return;
	}
	if (audit_follow_add(call->d->follow, call->conn, &filter, &from_seq) < 0) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	/* Replied now, before any row: rows reach the loop only after this handler returns. */
	result = json_object_new_object();
	json_object_object_add(result, "following", json_object_new_boolean(1));
	json_object_object_add(result, "from_seq", json_object_new_int64(from_seq));
	call_reply(call, result);
}

static void
audit_unfollow(struct call *call)
{
	struct json_object *result = json_object_new_object();
	bool was = call->conn != NULL && audit_follow_remove(call->d->follow, call->conn);

	json_object_object_add(result, "following", json_object_new_boolean(0));
	json_object_object_add(result, "was_following", json_object_new_boolean(was));
	call_reply(call, result);
}

#define FILTER_PARAMS                                                                   \
	{ "agent", json_type_string, false, false },                                    \
	{ "decision", json_type_string, false, false },                                 \
	{ "risk", json_type_string, false, false },                                     \
	{ "kind", json_type_string, false, false },                                     \
	{ "event", json_type_string, false, false },                                    \
	{ "correlation_id", json_type_string, false, false },                           \
	{ "since", json_type_string, false, true },                                     \
	{ "until", json_type_string, false, true },                                     \
	{ "text", json_type_string, false, false }

static const struct param_spec query_params[] = {
	FILTER_PARAMS,
	{ "limit", json_type_int, false, false },
	{ "before_seq", json_type_int, false, false },
	{ "after_seq", json_type_int, false, false },
	{ "order", json_type_string, false, false },
	{ NULL, json_type_null, false, false },
};

static const struct param_spec export_params[] = {
	{ "since", json_type_string, false, true },
	{ "until", json_type_string, false, true },
	{ "after_seq", json_type_int, false, false },
	{ "before_seq", json_type_int, false, false },
	{ "limit", json_type_int, false, false },
	{ NULL, json_type_null, false, false },
};

static const struct param_spec show_params[] = {
	{ "seq", json_type_int, true, false },
	{ NULL, json_type_null, false, false },
};

static const struct param_spec follow_params[] = {
	FILTER_PARAMS,
	{ NULL, json_type_null, false, false },
};

/* All administrative: the trail holds every agent's actions and arguments. */
const struct method audit_methods[] = {
	{ "audit.query", CALLER_ADMIN, query_params, audit_query },
	{ "audit.show", CALLER_ADMIN, show_params, audit_show },
	{ "audit.export", CALLER_ADMIN, export_params, audit_export },
	{ "audit.follow", CALLER_ADMIN, follow_params, audit_follow },
	{ "audit.unfollow", CALLER_ADMIN, NULL, audit_unfollow },
	{ NULL, CALLER_ANY, NULL, NULL },
};
