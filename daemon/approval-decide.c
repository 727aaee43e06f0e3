/* Approvals: a person decides, time runs out, and whoever waits hears of it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "approval.h"
#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "jsonrpc.h"
#include "log.h"
#include "maestro-protocol.h"
#include "server.h"
#include "util.h"

/* An approval.wait call, parked until the approval is decided, expires, or its timeout. */
struct approval_wait {
	struct maestrod *d;
	struct call *call;
	struct approval *a;
	struct event *timer;
	TAILQ_ENTRY(approval_wait) entry;
};

/* What a waiting agent hears: the status, and what it means for its action. */
static struct json_object *
outcome_json(const struct approval *a, bool timed_out)
{
	struct json_object *o = approval_to_json(a);
	const char *decision = a->status == APPROVAL_APPROVED ? "allow"
			       : a->status == APPROVAL_PENDING ? NULL
								: "deny";

	json_object_object_add(o, "decision", decision ? json_object_new_string(decision) : NULL);
	json_object_object_add(o, "timed_out", json_object_new_boolean(timed_out));
	return o;
}

static void
wait_finish(struct approval_wait *w, bool timed_out)
{
	TAILQ_REMOVE(&w->a->waits, w, entry);
	event_free(w->timer);
	call_reply(w->call, outcome_json(w->a, timed_out));
	free(w);
}

static void
on_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	wait_finish(arg, true);
}

/* Every waiter hears the approval's state as it is now. */
static void
answer_waits(struct approval *a)
{
	struct approval_wait *w;

	while ((w = TAILQ_FIRST(&a->waits)) != NULL)
		wait_finish(w, false);
}

void
approval_cancel_waits(struct maestrod *d, struct approval *a)
{
	(void)d;
	answer_waits(a);
}

/*
 * maestrod is stopping: a wait may be parked for up to an hour, which
 * would hold the drain until its timeout and leave the agent unanswered.
 * Each waiter hears the approval as it is now, as if its time ran out.
 */
void
approvals_drain(struct maestrod *d)
{
	struct approval *a;
	struct approval_wait *w;

	if (d->approvals.list.tqh_last == NULL)
		return; /* never loaded */
	TAILQ_FOREACH(a, &d->approvals.list, entry)
		while ((w = TAILQ_FIRST(&a->waits)) != NULL)
			wait_finish(w, true);
}

void
approval_wait(struct maestrod *d, struct call *call, struct approval *a, int64_t timeout_us)
{
	struct approval_wait *w;
	struct timeval tv;

	if (a->status != APPROVAL_PENDING || timeout_us <= 0 || d->draining) {
		call_reply(call, outcome_json(a, a->status == APPROVAL_PENDING));
		return;
	}
	w = calloc(1, sizeof *w);
	if (w == NULL || (w->timer = evtimer_new(d->base, on_wait_timeout, w)) == NULL) {
		free(w);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	w->d = d;
	w->call = call;
	w->a = a;
	tv.tv_sec = (time_t)(timeout_us / 1000000);
	tv.tv_usec = (suseconds_t)(timeout_us % 1000000);
	evtimer_add(w->timer, &tv);
	TAILQ_INSERT_TAIL(&a->waits, w, entry);
}

struct notify_ctx {
	const char *method;
	const struct approval *a;
};

static void
notify_conn(struct conn *c, void *arg)
{
	const struct notify_ctx *n = arg;

	if (c->approvals_subscribed)
		conn_send(c, rpc_notification_new(n->method, approval_to_json(n->a)));
}

void
approval_notify(struct maestrod *d, const char *method, const struct approval *a)
{
	struct notify_ctx n = { method, a };

	if (d->server != NULL)
		server_foreach_conn(d->server, notify_conn, &n);
}

/* A row for the trail, with the approval's new state applied in its transaction. */
static struct audit_record *
step_record(const char *event, const char *actor, const struct approval *a,
	    struct json_object *detail)
{
	struct approval_row *row = calloc(1, sizeof *row);
	struct audit_record *rec;

	json_object_object_add(detail, "id", json_object_new_string(a->id));
	json_object_object_add(detail, "agent", json_object_new_string(a->agent));
	json_object_object_add(detail, "summary", json_object_new_string(a->summary));
	json_object_object_add(detail, "risk_level", json_object_new_string(risk_name(a->risk)));
	rec = audit_record_new(event, actor, detail);
	if (rec == NULL || row == NULL || (rec->correlation_id = strdup(a->correlation_id)) == NULL) {
		audit_record_free(rec);
		free(row);
		return NULL;
	}
	snprintf(row->id, sizeof row->id, "%s", a->id);
	rec->apply = approval_row_apply;
	rec->apply_data = row;
	rec->apply_free = approval_row_free;
	return rec;
}

struct deciding {
	struct maestrod *d;
	struct call *call;
	struct approval *a; /* kept in memory while deciding is set */
	bool approve;
	int64_t until_us;
	char *note;
	uid_t uid;
	int64_t at_us;
};

static void
decide_committed(struct audit_record *rec, void *userdata)
{
	struct deciding *dc = userdata;
	struct approval *a = dc->a;

	a->deciding = false;
	if (rec->error) {
		call_fail(dc->call, MAESTRO_E_UNAVAILABLE, rec->error_message, NULL);
		/* Not decided after all: it may have expired meanwhile, so let the timer look. */
		if (a->status == APPROVAL_PENDING)
			event_active(a->expiry, EV_TIMEOUT, 1);
	} else {
		a->status = dc->approve ? APPROVAL_APPROVED : APPROVAL_DENIED;
		a->decided = true;
		a->decided_uid = dc->uid;
		a->decided_us = dc->at_us;
		a->once = dc->until_us == 0;
		a->until_us = dc->until_us;
		a->note = dc->note;
		dc->note = NULL;
		evtimer_del(a->expiry);
		call_reply(dc->call, approval_to_json(a));
		answer_waits(a);
		approval_notify(dc->d, "approval.decided", a);
	}
	free(dc->note);
	free(dc);
}

void
approval_decide(struct maestrod *d, struct call *call, struct approval *a, bool approve,
		int64_t window_us, const char *note)
{
	struct deciding *dc = calloc(1, sizeof *dc);
	struct json_object *detail = json_object_new_object();
	struct approval_row *row;
	struct audit_record *rec;
	char actor[32];

	if (dc == NULL || (note != NULL && (dc->note = strdup(note)) == NULL)) {
		json_object_put(detail);
		free(dc);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	dc->d = d;
	dc->call = call;
	dc->a = a;
	dc->approve = approve;
	dc->at_us = (int64_t)now_usec(CLOCK_REALTIME);
	dc->until_us = approve && window_us > 0 ? dc->at_us + window_us : 0;
	dc->uid = call->conn != NULL ? call->conn->uid : 0;
	snprintf(actor, sizeof actor, "uid:%u", (unsigned)dc->uid);

	json_object_object_add(detail, "decision", json_object_new_string(approve ? "approve" : "deny"));
	json_object_object_add(detail, "scope", json_object_new_string(dc->until_us ? "window" : "once"));
	if (dc->until_us)
		json_object_object_add(detail, "until_us", json_object_new_int64(dc->until_us));
	json_object_object_add(detail, "note", note ? json_object_new_string(note) : NULL);
	rec = step_record("approval.decide", actor, a, detail);
	if (rec == NULL) {
		free(dc->note);
		free(dc);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	row = rec->apply_data;
	row->status = approve ? APPROVAL_APPROVED : APPROVAL_DENIED;
	row->scope = dc->until_us ? "window" : "once";
	row->until_us = dc->until_us;
	row->decided = true;
	row->decided_uid = dc->uid;
	row->decided_us = dc->at_us;
	row->note = note ? strdup(note) : NULL;
	rec->has_peer = call->conn != NULL;
	if (call->conn != NULL) {
		rec->peer_uid = call->conn->uid;
		rec->peer_pid = call->conn->pid;
	}
	rec->done = decide_committed;
	rec->userdata = dc;
	a->deciding = true;
	audit_submit_or_fail(d->audit, rec);
}

/* Time ran out: on the trail, and whoever waits hears deny. */
void
approval_on_expiry(evutil_socket_t fd, short what, void *arg)
{
	struct approval *a = arg;
	struct maestrod *d;
	struct audit_record *rec;

	(void)fd;
	(void)what;
	if (a->deciding || a->status != APPROVAL_PENDING)
		return;
	d = a->d;
	rec = step_record("approval.expire", "maestrod", a, json_object_new_object());
	if (rec != NULL) {
		((struct approval_row *)rec->apply_data)->status = APPROVAL_EXPIRED;
		audit_submit_or_fail(d->audit, rec);
	} else {
		/* Still pending in the store: the next start expires it again, and records it. */
		log_warning("approval %s expired but could not be recorded: out of memory", a->id);
	}
	a->status = APPROVAL_EXPIRED;
	answer_waits(a);
	approval_notify(d, "approval.expired", a);
	approval_forget(d, a);
}
