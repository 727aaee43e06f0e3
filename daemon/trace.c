/* Traces: each decision as a tree of spans, stored, logged and handed to export. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>
#include <event2/event.h>

#include "action.h"
#include "audit.h"
#include "daemon.h"
#include "log.h"
#include "pipeline.h"
#include "telemetry.h"
#include "ids.h"
#include "store.h"
#include "trace.h"
#include "util.h"

static const char *const subagent_span[3] = { "justica", "sofia", "armor" };

/*
 * Our own trace ids start with the time in milliseconds, as UUIDv7 does:
 * the traces table is keyed by trace id, and keys in time order are
 * appended to its B-tree, where random ones would dirty a page apiece
 * (measured: several times the WAL traffic under load). The other ten
 * bytes stay random; W3C Trace Context asks for the rightmost seven.
 */
static void
trace_new_id(uint8_t id[16], const uint8_t random[16], uint64_t now_us)
{
	id_time_prefix(id, now_us);
	memcpy(id + 6, random + 6, 10);
}

static void
span_add(struct trace_record *r, const char *name, int parent, uint64_t start, uint64_t end)
{
	struct trace_span *s = &r->spans[r->n_spans++];

	s->name = name;
	s->parent = parent;
	s->start_us = start;
	s->end_us = end < start ? start : end;
}

void
trace_build(const struct decision_trace *t, struct trace_record *out)
{
	/* One call for every id: with the getrandom() backend each call is a syscall. */
	uint8_t random[16 + 8 * TRACE_MAX_SPANS];

	memset(out, 0, sizeof *out);
	randombytes_buf(random, sizeof random);
	if (trace_parse_traceparent(t->traceparent, out->trace_id, out->parent_span_id) == 0)
		out->has_parent = true;
	else
		trace_new_id(out->trace_id, random, t->received_us);
	span_add(out, t->method ? t->method : "governance.evaluate", -1, t->received_us,
		 t->replied_us ? t->replied_us : t->committed_us);
	for (int i = 0; i < 3; i++)
		if (t->subagent_start_us[i] != 0 && t->subagent_end_us[i] != 0)
			span_add(out, subagent_span[i], 0, t->subagent_start_us[i],
				 t->subagent_end_us[i]);
	if (t->decided_us != 0 && t->committed_us != 0)
		span_add(out, "audit.commit", 0, t->decided_us, t->committed_us);
	for (unsigned i = 0; i < out->n_spans; i++)
		memcpy(out->spans[i].span_id, random + 16 + 8 * i, 8);
	snprintf(out->correlation_id, sizeof out->correlation_id, "%s",
		 t->correlation_id ? t->correlation_id : "");
	snprintf(out->agent, sizeof out->agent, "%s", t->agent ? t->agent : "");
	snprintf(out->rule, sizeof out->rule, "%s", t->rule ? t->rule : "");
	out->decision = verdict_name((enum verdict)t->verdict);
	out->risk = risk_name((enum risk_level)t->risk);
	out->audit_seq = t->audit_seq;
	out->error = t->error;
}

/* One row of the traces table. */
struct trace_row {
	int64_t time_us;
	char key[64];
	char correlation_id[80];
	char spans[];
};

/*
 * Rows gathered on the loop and handed to the writer together: one store
 * job per TRACE_BATCH_MAX rows or per TRACE_BATCH_USEC. A job of its own per
 * decision would cost the writer a transaction per decision, and a client
 * that sends its next request as soon as it has a reply would wait for it.
 */
#define TRACE_BATCH_MAX 64
#define TRACE_BATCH_USEC 50000

struct trace_batch {
	struct trace_row *rows[TRACE_BATCH_MAX];
	unsigned n;
};

struct trace_pending {
	struct trace_batch batch;
	struct event *timer;
};

static void
trace_batch_free(void *data)
{
	struct trace_batch *b = data;

	for (unsigned i = 0; i < b->n; i++)
		free(b->rows[i]);
	free(b);
}

/* On the writer thread, inside its transaction. */
static int
trace_job_apply(sqlite3 *db, void *data, char *err, size_t size)
{
	const struct trace_batch *b = data;
	sqlite3_stmt *st;
	int r;

	st = store_stmt(db, "INSERT OR IGNORE INTO traces (trace_id, correlation_id, time_us, spans)"
			    " VALUES (?, ?, ?, ?)");
	r = st != NULL ? SQLITE_OK : sqlite3_errcode(db);
	for (unsigned i = 0; r == SQLITE_OK && i < b->n; i++) {
		const struct trace_row *row = b->rows[i];

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, row->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, row->correlation_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, row->time_us);
		sqlite3_bind_text(st, 4, row->spans, -1, SQLITE_STATIC);
		r = sqlite3_step(st);
		if (r == SQLITE_DONE)
			r = SQLITE_OK;
	}
	if (r != SQLITE_OK)
		snprintf(err, size, "%u traces not stored: %s", b->n, sqlite3_errmsg(db));
	if (st != NULL)
		sqlite3_reset(st);
	return r == SQLITE_OK ? 0 : -EIO;
}

static void
trace_job_done(struct audit_record *rec, void *userdata)
{
	(void)userdata;
	if (rec->error)
		log_warning("trace: %s", rec->error_message);
}

/*
 * Traces are worth less than decisions: they take an audit queue slot only
 * while the queue is less than half full, so they never crowd a decision
 * out into a fail-safe deny.
 */
void
trace_flush(struct maestrod *d)
{
	struct trace_pending *p = d->trace_pending;
	struct audit_stats st;
	struct audit_record *rec;
	struct trace_batch *b;
	unsigned n;

	if (p == NULL || p->batch.n == 0)
		return;
	n = p->batch.n;
	b = malloc(sizeof *b);
	if (b == NULL) {
		trace_batch_free(&p->batch);
		goto dropped;
	}
	*b = p->batch;
	p->batch.n = 0;
	audit_get_stats(d->audit, &st);
	if (st.queued * 2 >= d->cfg.audit_queue_max) {
		trace_batch_free(b);
		goto dropped;
	}
	rec = audit_job_new(trace_job_apply, b, trace_batch_free);
	if (rec == NULL)
		goto dropped;
	rec->done = trace_job_done;
	if (audit_submit(d->audit, rec) < 0) {
		audit_record_free(rec);
		goto dropped;
	}
	return;
dropped:
	p->batch.n = 0;
	d->stats.traces_dropped += n;
}

static void
trace_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	trace_flush(arg);
}

struct trace_pending *
trace_pending_free(struct trace_pending *p)
{
	if (p == NULL)
		return NULL;
	if (p->timer != NULL)
		event_free(p->timer);
	for (unsigned i = 0; i < p->batch.n; i++)
		free(p->batch.rows[i]);
	free(p);
	return NULL;
}

static void
trace_store(struct maestrod *d, const struct trace_record *r)
{
	struct trace_pending *p = d->trace_pending;
	struct timeval tv = { 0, TRACE_BATCH_USEC };
	struct trace_row *row;
	char spans[4096];
	int n;

	if (p == NULL) {
		p = d->trace_pending = calloc(1, sizeof *p);
		if (p != NULL && (p->timer = evtimer_new(d->base, trace_on_timer, d)) == NULL)
			p = d->trace_pending = trace_pending_free(p);
	}
	n = trace_format_spans(r, spans, sizeof spans);
	if (p == NULL || n < 0 || (row = malloc(sizeof *row + (size_t)n + 1)) == NULL) {
		d->stats.traces_dropped++;
		return;
	}
	row->time_us = (int64_t)r->spans[0].start_us;
	trace_hex(row->key, r->trace_id, 16);
	/*
	 * A caller may pass one traceparent to several evaluations: one trace,
	 * several decisions. The table keeps one row per key, so those rows
	 * are keyed by trace id and root span id. The first 32 characters of
	 * a key are always the trace id.
	 */
	if (r->has_parent) {
		row->key[32] = '/';
		trace_hex(row->key + 33, r->spans[0].span_id, 8);
	}
	snprintf(row->correlation_id, sizeof row->correlation_id, "%s", r->correlation_id);
	memcpy(row->spans, spans, (size_t)n + 1);
	p->batch.rows[p->batch.n++] = row;
	if (p->batch.n == TRACE_BATCH_MAX)
		trace_flush(d);
	else if (p->batch.n == 1)
		evtimer_add(p->timer, &tv);
}

/* One journal line per decision, with fields to select on (maestrod(8), LOGGING). */
static void
trace_log(const struct trace_record *r)
{
	char cid[128], agent[100], decision[40], risk[40], rule[128], trace[60];
	const char *fields[] = { "MESSAGE_ID=" TRACE_DECISION_MESSAGE_ID,
				 cid, agent, decision, risk, rule, trace, NULL };
	char tid[33];

	trace_hex(tid, r->trace_id, 16);
	snprintf(cid, sizeof cid, "MAESTRO_CORRELATION_ID=%s", r->correlation_id);
	snprintf(agent, sizeof agent, "MAESTRO_AGENT=%s", r->agent);
	snprintf(decision, sizeof decision, "MAESTRO_DECISION=%s", r->decision);
	snprintf(risk, sizeof risk, "MAESTRO_RISK=%s", r->risk);
	snprintf(rule, sizeof rule, "MAESTRO_RULE=%s", r->rule[0] ? r->rule : "-");
	snprintf(trace, sizeof trace, "MAESTRO_TRACE_ID=%s", tid);
	log_fields(LOG_INFO, fields, "decision %s: agent %s, risk %s, rule %s", r->decision,
		   r->agent, r->risk, r->rule[0] ? r->rule : "-");
}

void
trace_decision(struct maestrod *d, const struct decision_trace *t)
{
	struct trace_record r;

	trace_build(t, &r);
	trace_store(d, &r);
	/* Checked first: formatting six fields for a line nobody keeps is waste. */
	if (log_get_level() >= LOG_INFO)
		trace_log(&r);
	if (d->telemetry != NULL)
		telemetry_add_trace(d->telemetry, &r, d->cfg.otlp_queue_max);
}
