/* The governance pipeline: justica, sofia and armor in parallel, merged fail-safe. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "log.h"
#include "maestro-protocol.h"
#include "pipeline.h"
#include "policy.h"
#include "utf8.h"
#include "util.h"

static const char *const subagent_names[SUBAGENT_COUNT] = { "justica", "sofia", "armor" };

/* Trust lost per denied attempt, times 1 (LOW) to 4 (CRITICAL). */
#define TRUST_DENY_STEP 0.005

struct evaluation;

/* One subagent's run: the work item a worker picks up. */
struct subtask {
	struct work_item item;
	struct evaluation *ev;
	enum subagent which;
	bool submitted;
	bool done; /* its done callback ran: only then may the loop read its result */
};

struct evaluation {
	struct maestrod *d;
	struct call *call;
	struct eval_input in;
	enum risk_level client_risk;
	char correlation_id[80];
	struct json_object *context;
	struct subtask tasks[SUBAGENT_COUNT];
	struct check_result results[SUBAGENT_COUNT];
	/*
	 * Who still holds the evaluation: each subtask until its done callback
	 * ran (a worker may write its result after the deadline), and the
	 * decision until its audit row is committed and the reply is sent.
	 */
	unsigned refs;
	bool decided;
	struct event *deadline;
	uint64_t started_mono;
};

const char *
verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_ALLOW: return "allow";
	case VERDICT_ASK: return "ask";
	case VERDICT_DENY: return "deny";
	}
	return "deny";
}

void
check_add_reason(struct check_result *r, enum verdict v, const char *rule, const char *fmt, ...)
{
	struct check_reason *reason;
	va_list ap;

	if (v > r->verdict)
		r->verdict = v;
	if (r->n_reasons == CHECK_MAX_REASONS)
		return;
	reason = &r->reasons[r->n_reasons++];
	snprintf(reason->rule, sizeof reason->rule, "%s", rule);
	va_start(ap, fmt);
	vsnprintf(reason->text, sizeof reason->text, fmt, ap);
	va_end(ap);
	utf8_sanitize(reason->text);
	utf8_sanitize(reason->rule);
}

void
eval_input_clear(struct eval_input *in)
{
	action_facts_clear(&in->facts);
	in->policy = policy_unref(in->policy);
	free(in->agent.description);
	free(in->agent.suspend_reason);
	for (unsigned i = 0; i < EVAL_MAX_SCREENS; i++)
		free(in->owned[i]);
	free(in->workspace);
	free(in->home);
	memset(in, 0, sizeof *in);
}

static void
evaluation_unref(struct evaluation *ev)
{
	if (--ev->refs > 0)
		return;
	if (ev->deadline)
		event_free(ev->deadline);
	eval_input_clear(&ev->in);
	json_object_put(ev->context);
	free(ev);
}

/* On a worker thread: run one subagent against the shared, read-only input. */
static void
subtask_work(struct work_item *item)
{
	struct subtask *t = (struct subtask *)((char *)item - offsetof(struct subtask, item));
	struct check_result *r = &t->ev->results[t->which];
	uint64_t start = now_usec(CLOCK_MONOTONIC);

	switch (t->which) {
	case SUBAGENT_JUSTICA: justica_run(&t->ev->in, r); break;
	case SUBAGENT_SOFIA: sofia_run(&t->ev->in, r); break;
	case SUBAGENT_ARMOR: armor_run(&t->ev->in, r); break;
	default: break;
	}
	r->usec = now_usec(CLOCK_MONOTONIC) - start;
	r->finished = true;
}

static void pipeline_decide(struct evaluation *ev);

/* On the loop: a subagent finished; decide once all have. */
static void
subtask_done(struct work_item *item)
{
	struct subtask *t = (struct subtask *)((char *)item - offsetof(struct subtask, item));
	struct evaluation *ev = t->ev;
	bool all = true;

	t->done = true;
	for (int i = 0; i < SUBAGENT_COUNT; i++)
		if (ev->tasks[i].submitted && !ev->tasks[i].done)
			all = false;
	if (all && !ev->decided)
		pipeline_decide(ev);
	evaluation_unref(ev);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pipeline_decide(arg);
}

static struct json_object *
reason_json(const char *subagent, const struct check_reason *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "subagent", json_object_new_string(subagent));
	json_object_object_add(o, "rule", json_object_new_string(r->rule));
	json_object_object_add(o, "text", json_object_new_string(r->text));
	return o;
}

static struct json_object *
check_json(const struct check_result *r)
{
	struct json_object *o = json_object_new_object(), *q;

	json_object_object_add(o, "verdict", json_object_new_string(verdict_name(r->verdict)));
	json_object_object_add(o, "usec", json_object_new_int64((int64_t)r->usec));
	if (r->counsel) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "type", json_object_new_string(r->counsel_type));
		json_object_object_add(c, "confidence", json_object_new_double(r->confidence));
		json_object_object_add(c, "requires_professional",
				       json_object_new_boolean(r->requires_professional));
		q = json_object_new_array();
		for (unsigned i = 0; i < r->n_questions; i++)
			json_object_array_add(q, json_object_new_string(r->questions[i]));
		json_object_object_add(c, "questions", q);
		json_object_object_add(o, "counsel", c);
	}
	return o;
}

static struct json_object *
effects_json(unsigned effects)
{
	struct json_object *a = json_object_new_array();

	for (unsigned bit = 1; bit != 0 && bit <= EFFECT_UNPARSED; bit <<= 1)
		if (effects & bit)
			json_object_array_add(a, json_object_new_string(effect_name(bit)));
	return a;
}

/* The decision as the agent hears it and the audit row keeps it. */
struct decision {
	struct evaluation *ev;
	enum verdict verdict;
	enum risk_level risk;
	struct json_object *result; /* the reply, without audit_seq */
};

static void
decision_committed(struct audit_record *rec, void *userdata)
{
	struct decision *dec = userdata;
	struct evaluation *ev = dec->ev;
	struct json_object *reasons;

	if (rec->error) {
		/* No row, no allow: the agent hears deny, and why. */
		struct json_object *r = json_object_new_object();

		char text[sizeof rec->error_message + 64];

		snprintf(text, sizeof text, "governance pipeline error: %s", rec->error_message);
		json_object_object_add(dec->result, "decision", json_object_new_string("deny"));
		json_object_object_del(dec->result, "ask");
		json_object_object_add(r, "subagent", json_object_new_string("pipeline"));
		json_object_object_add(r, "rule", json_object_new_string("pipeline.audit"));
		json_object_object_add(r, "text", json_object_new_string(text));
		json_object_object_get_ex(dec->result, "reasons", &reasons);
		json_object_array_add(reasons, r);
		json_object_object_add(dec->result, "audit_seq", NULL);
	} else {
		json_object_object_add(dec->result, "audit_seq", json_object_new_int64(rec->seq));
	}
	call_reply(ev->call, dec->result);
	/* After the reply, off its path: a denied attempt costs trust, more the riskier it was. */
	if (dec->verdict == VERDICT_DENY) {
		struct agent *a = registry_find(&ev->d->agents, ev->in.agent.id);

		if (a != NULL) {
			a->trust -= TRUST_DENY_STEP * (double)(dec->risk + 1);
			if (a->trust < 0)
				a->trust = 0;
		}
	}
	free(dec);
	evaluation_unref(ev);
}

static void
pipeline_decide(struct evaluation *ev)
{
	struct maestrod *d = ev->d;
	struct json_object *result, *reasons, *checks, *detail;
	enum verdict verdict = VERDICT_ALLOW;
	enum risk_level risk = ev->in.facts.risk;
	struct audit_record *rec;
	struct decision *dec;
	char actor[AGENT_ID_MAX + 1];

	ev->decided = true;
	event_del(ev->deadline);
	if (ev->client_risk > risk)
		risk = ev->client_risk; /* a client may raise the risk, never lower it */

	reasons = json_object_new_array();
	checks = json_object_new_object();
	for (int i = 0; i < SUBAGENT_COUNT; i++) {
		/* A worker may still be writing a result the deadline gave up on: copy, never share. */
		struct check_result given_up = { .verdict = VERDICT_DENY };
		const struct check_result *r = &ev->results[i];

		if (!ev->tasks[i].done || !r->finished) {
			/* Fail-safe: a subagent that did not answer never means allow. */
			check_add_reason(&given_up, VERDICT_DENY,
					 !ev->tasks[i].submitted ? "pipeline.queue-full"
					 : ev->tasks[i].done	 ? "pipeline.failed"
								 : "pipeline.timeout",
					 "governance pipeline error: %s %s", subagent_names[i],
					 !ev->tasks[i].submitted ? "could not be run (the worker queue is full)"
					 : ev->tasks[i].done	 ? "failed"
								 : "did not answer in time");
			r = &given_up;
		}
		if (r->verdict > verdict)
			verdict = r->verdict;
		for (unsigned k = 0; k < r->n_reasons; k++)
			json_object_array_add(reasons, reason_json(subagent_names[i], &r->reasons[k]));
		json_object_object_add(checks, subagent_names[i], check_json(r));
	}

	result = json_object_new_object();
	json_object_object_add(result, "decision", json_object_new_string(verdict_name(verdict)));
	json_object_object_add(result, "risk_level", json_object_new_string(risk_name(risk)));
	json_object_object_add(result, "reasons", reasons);
	json_object_object_add(result, "trust_score", json_object_new_double(ev->in.trust));
	json_object_object_add(result, "correlation_id", json_object_new_string(ev->correlation_id));
	json_object_object_add(result, "effects", effects_json(ev->in.facts.effects));
	json_object_object_add(result, "permissions_required",
			       permissions_to_json(ev->in.facts.permissions));
	json_object_object_add(result, "checks", checks);
	if (verdict == VERDICT_ASK) {
		struct json_object *ask = json_object_new_object();
		char q[300];

		snprintf(q, sizeof q, "Allow agent %s (%s) to go ahead with this %s action?",
			 ev->in.agent.id, ev->in.agent.role, risk_name(risk));
		json_object_object_add(ask, "question", json_object_new_string(q));
		json_object_object_add(result, "ask", ask);
	}

	detail = json_object_new_object();
	json_object_object_add(detail, "agent", json_object_new_string(ev->in.agent.id));
	json_object_object_add(detail, "role", json_object_new_string(ev->in.agent.role));
	json_object_object_add(detail, "action", json_object_get(json_object_object_get(
							 ev->call->params, "action")));
	json_object_object_add(detail, "context", json_object_get(ev->context));
	json_object_object_add(detail, "decision", json_object_new_string(verdict_name(verdict)));
	json_object_object_add(detail, "risk_level", json_object_new_string(risk_name(risk)));
	json_object_object_add(detail, "effects", effects_json(ev->in.facts.effects));
	json_object_object_add(detail, "reasons", json_object_get(reasons));
	json_object_object_add(detail, "checks", json_object_get(checks));

	snprintf(actor, sizeof actor, "%s", ev->in.agent.id);
	rec = audit_record_new("governance.evaluate", actor, detail);
	dec = calloc(1, sizeof *dec);
	if (rec == NULL || dec == NULL || (rec->correlation_id = strdup(ev->correlation_id)) == NULL) {
		audit_record_free(rec);
		free(dec);
		json_object_put(result);
		call_fail(ev->call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		evaluation_unref(ev);
		return;
	}
	dec->ev = ev;
	dec->verdict = verdict;
	dec->risk = risk;
	dec->result = result;
	if (ev->call->conn != NULL) {
		rec->has_peer = true;
		rec->peer_uid = ev->call->conn->uid;
		rec->peer_pid = ev->call->conn->pid;
	}
	rec->done = decision_committed;
	rec->userdata = dec;
	if (audit_submit(d->audit, rec) < 0) {
		rec->error = -EAGAIN;
		snprintf(rec->error_message, sizeof rec->error_message, "the audit queue is full");
		decision_committed(rec, dec);
		audit_record_free(rec);
	}
}

void
pipeline_evaluate(struct maestrod *d, struct call *call, struct eval_input *in,
		  enum risk_level client_risk, const char *correlation_id,
		  struct json_object *context)
{
	struct evaluation *ev = calloc(1, sizeof *ev);
	struct timeval tv;

	if (ev == NULL || (ev->deadline = evtimer_new(d->base, on_deadline, ev)) == NULL) {
		free(ev);
		eval_input_clear(in);
		json_object_put(context);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	ev->d = d;
	ev->call = call;
	ev->in = *in;
	memset(in, 0, sizeof *in);
	ev->client_risk = client_risk;
	ev->context = context;
	snprintf(ev->correlation_id, sizeof ev->correlation_id, "%s", correlation_id);
	ev->started_mono = now_usec(CLOCK_MONOTONIC);
	ev->refs = 1; /* the decision */

	for (int i = 0; i < SUBAGENT_COUNT; i++) {
		struct subtask *t = &ev->tasks[i];

		t->ev = ev;
		t->which = (enum subagent)i;
		t->item.work = subtask_work;
		t->item.done = subtask_done;
		if (workers_submit(d->workers, &t->item) == 0) {
			t->submitted = true;
			ev->refs++;
		}
	}
	if (ev->refs == 1) {
		pipeline_decide(ev); /* nothing could run: every check denies */
		return;
	}
	tv.tv_sec = (time_t)(d->cfg.subagent_timeout_usec / 1000000u);
	tv.tv_usec = (suseconds_t)(d->cfg.subagent_timeout_usec % 1000000u);
	evtimer_add(ev->deadline, &tv);
}
