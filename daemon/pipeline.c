/*
 * The governance pipeline: justica, sofia and armor in parallel, merged fail-safe.
 *
 * The loop thread classifies the action (m-governance.c) and queues the
 * three subagents at once. Whichever worker finishes last merges the
 * verdicts, builds the reply and the audit row, and hands the row straight
 * to the audit writer: a decision costs the loop two wake-ups (the request
 * and the commit), not five. If the deadline passes first, the loop decides
 * instead, with the missing subagents as denies; whoever decides first wins
 * an atomic flag, and the other stands aside.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "jsonrpc.h"
#include "log.h"
#include "maestro-protocol.h"
#include "metrics.h"
#include "pipeline.h"
#include "pipeline-internal.h"
#include "policy.h"
#include "trace.h"
#include "util.h"

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

/* On any thread: the last holder frees. The deadline event is gone by then. */
static void
evaluation_unref(struct evaluation *ev)
{
	if (atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) != 1)
		return;
	eval_input_clear(&ev->in);
	free(ev->dec.result_text);
	free(ev->dec.approval_summary);
	free(ev->dec.approval_request);
	approval_row_free(ev->dec.approval_row);
	json_object_put(ev->action);
	json_object_put(ev->context);
	free(ev);
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

/* No row, no allow: the reply turns into a deny that says why. NULL when out of memory. */
static struct json_object *
decision_refused(const char *result_text, const char *why)
{
	struct json_object *result = json_tokener_parse(result_text), *r, *reasons;
	char text[256];

	if (result == NULL || !json_object_object_get_ex(result, "reasons", &reasons)) {
		json_object_put(result);
		return NULL;
	}
	snprintf(text, sizeof text, "governance pipeline error: %s", why);
	r = json_object_new_object();
	json_object_object_add(r, "subagent", json_object_new_string("pipeline"));
	json_object_object_add(r, "rule", json_object_new_string("pipeline.audit"));
	json_object_object_add(r, "text", json_object_new_string(text));
	json_object_array_add(reasons, r);
	json_object_object_add(result, "decision", json_object_new_string("deny"));
	json_object_object_del(result, "ask");
	json_object_object_add(result, "audit_seq", NULL);
	return result;
}

/* On the loop, once the row is committed or refused: the agent hears the decision. */
static void
decision_committed(struct audit_record *rec, void *userdata)
{
	struct evaluation *ev = userdata;
	struct decision *dec = &ev->dec;
	struct json_object *result;

	event_free(ev->deadline);
	ev->deadline = NULL;
	if (rec->error) {
		dec->verdict = VERDICT_DENY;
		dec->m.pipeline_error = true;
		result = decision_refused(dec->result_text, rec->error_message);
	} else {
		size_t len = strlen(dec->result_text);
		char *text = malloc(len + 40);

		/* The text ends with the object's '}'; audit_seq goes in before it. */
		if (text != NULL)
			snprintf(text, len + 40, "%.*s,\"audit_seq\":%lld}", (int)(len - 1),
				 dec->result_text, (long long)rec->seq);
		result = text != NULL ? rpc_raw_new(text) : NULL;
	}
	if (result == NULL) {
		call_fail(ev->call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		if (ev->then != NULL)
			ev->then(NULL, NULL, VERDICT_DENY, ev->then_arg);
	} else if (ev->then != NULL) {
		ev->then(ev->call, result, dec->verdict, ev->then_arg);
	} else {
		call_reply(ev->call, result);
	}
	dec->m.verdict = (int)dec->verdict;
	dec->m.total_usec = now_usec(CLOCK_MONOTONIC) - ev->started_mono;
	pipeline_approval_committed(ev, rec->error == 0);
	metrics_decision(ev->d->metrics, &dec->m);
	dec->trace.correlation_id = ev->correlation_id;
	dec->trace.agent = ev->in.agent.id;
	dec->trace.traceparent = ev->traceparent[0] ? ev->traceparent : NULL;
	dec->trace.method = "governance.evaluate";
	dec->trace.verdict = (int)dec->verdict;
	dec->trace.risk = (int)dec->risk;
	dec->trace.rule = dec->m.pipeline_error && rec->error ? "pipeline.audit"
			  : dec->rule[0]			 ? dec->rule
								 : NULL;
	dec->trace.audit_seq = rec->error ? 0 : rec->seq;
	dec->trace.error = dec->m.pipeline_error;
	dec->trace.committed_us = rec->committed_us;
	dec->trace.replied_us = now_usec(CLOCK_REALTIME);
	trace_decision(ev->d, &dec->trace);
	/*
	 * After the reply, off its path: a denied attempt costs trust, an
	 * allowed or asked one may now be reported on. Not when the row could
	 * not be written: the agent's deny then was maestrod's failure, not its.
	 */
	if (rec->error == 0)
		trust_after_decision(ev->d, ev->in.agent.id, (int)dec->verdict, dec->risk,
				     ev->correlation_id);
	evaluation_unref(ev);
}

/*
 * Merges what the subagents said into the reply and its audit row. Runs on
 * the worker that finished last, or on the loop at the deadline; never
 * reads the call (the loop owns it), only what the evaluation holds.
 */
static struct audit_record *
decision_build(struct evaluation *ev)
{
	struct decision *dec = &ev->dec;
	struct check_result fallback[SUBAGENT_COUNT];
	const struct check_result *eff[SUBAGENT_COUNT];
	enum task_state states[SUBAGENT_COUNT];
	struct json_object *result, *reasons, *checks, *detail, *ask;
	enum risk_level risk = ev->in.facts.risk;
	struct audit_record *rec;

	if (ev->client_risk > risk)
		risk = ev->client_risk; /* a client may raise the risk, never lower it */
	for (int i = 0; i < SUBAGENT_COUNT; i++)
		states[i] = atomic_load_explicit(&ev->tasks[i].finished, memory_order_acquire)
				    ? TASK_FINISHED
			    : ev->tasks[i].item.work == NULL ? TASK_NOT_RUN
							      : TASK_LATE;
	dec->verdict = pipeline_merge(ev->results, states, fallback, eff);
	dec->risk = risk;

	reasons = json_object_new_array();
	checks = json_object_new_object();
	for (int i = 0; i < SUBAGENT_COUNT; i++) {
		for (unsigned k = 0; k < eff[i]->n_reasons; k++)
			json_object_array_add(reasons, reason_json(subagent_name((enum subagent)i),
								   &eff[i]->reasons[k]));
		json_object_object_add(checks, subagent_name((enum subagent)i), check_json(eff[i]));
		dec->m.subagent_finished[i] = states[i] == TASK_FINISHED;
		dec->m.subagent_usec[i] = states[i] == TASK_FINISHED ? eff[i]->usec : 0;
		dec->m.timeout |= states[i] == TASK_LATE;
		dec->m.pipeline_error |= eff[i] != &ev->results[i];
	}
	dec->m.agent = ev->in.agent.id;
	dec->m.risk = (int)risk;
	/* The rule behind the verdict: the first reason that says it. */
	for (int i = 0; i < SUBAGENT_COUNT && dec->rule[0] == '\0'; i++)
		for (unsigned k = 0; k < eff[i]->n_reasons; k++)
			if (eff[i]->verdict == dec->verdict) {
				snprintf(dec->rule, sizeof dec->rule, "%s", eff[i]->reasons[k].rule);
				break;
			}
	for (int i = 0; i < SUBAGENT_COUNT; i++) {
		dec->trace.subagent_start_us[i] = states[i] == TASK_FINISHED ? ev->tasks[i].start_us : 0;
		dec->trace.subagent_end_us[i] = states[i] == TASK_FINISHED ? ev->tasks[i].end_us : 0;
	}
	dec->trace.decided_us = now_usec(CLOCK_REALTIME);

	ask = NULL;
	if (dec->verdict == VERDICT_ASK) {
		char q[300];

		ask = json_object_new_object();
		snprintf(q, sizeof q, "Allow agent %s (%s) to go ahead with this %s action?",
			 ev->in.agent.id, ev->in.agent.role, risk_name(risk));
		json_object_object_add(ask, "question", json_object_new_string(q));
		if (pipeline_approval_step(ev, reasons, ask) < 0) {
			json_object_put(ask);
			json_object_put(reasons);
			json_object_put(checks);
			return NULL;
		}
		if (dec->verdict != VERDICT_ASK)
			ask = (json_object_put(ask), NULL);
	}

	result = json_object_new_object();
	json_object_object_add(result, "decision", json_object_new_string(verdict_name(dec->verdict)));
	json_object_object_add(result, "risk_level", json_object_new_string(risk_name(risk)));
	json_object_object_add(result, "reasons", reasons);
	json_object_object_add(result, "trust_score", json_object_new_double(ev->in.trust));
	json_object_object_add(result, "correlation_id", json_object_new_string(ev->correlation_id));
	json_object_object_add(result, "effects", effects_json(ev->in.facts.effects));
	json_object_object_add(result, "permissions_required",
			       permissions_to_json(ev->in.facts.permissions));
	json_object_object_add(result, "checks", checks);
	if (ask != NULL)
		json_object_object_add(result, "ask", ask);

	detail = json_object_new_object();
	json_object_object_add(detail, "agent", json_object_new_string(ev->in.agent.id));
	json_object_object_add(detail, "role", json_object_new_string(ev->in.agent.role));
	json_object_object_add(detail, "action", json_object_get(ev->action));
	json_object_object_add(detail, "context", json_object_get(ev->context));
	json_object_object_add(detail, "decision", json_object_new_string(verdict_name(dec->verdict)));
	json_object_object_add(detail, "risk_level", json_object_new_string(risk_name(risk)));
	json_object_object_add(detail, "effects", effects_json(ev->in.facts.effects));
	json_object_object_add(detail, "reasons", json_object_get(reasons));
	json_object_object_add(detail, "checks", json_object_get(checks));
	if (dec->approval != DEC_APPROVAL_NONE)
		json_object_object_add(detail, "approval_id", json_object_new_string(dec->approval_id));

	rec = audit_record_new("governance.evaluate", ev->in.agent.id, detail);
	dec->result_text = strdup(json_object_to_json_string_ext(
		result, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(result);
	if (rec == NULL || dec->result_text == NULL ||
	    (rec->correlation_id = strdup(ev->correlation_id)) == NULL) {
		audit_record_free(rec);
		free(dec->result_text);
		dec->result_text = NULL;
		return NULL;
	}
	if (dec->approval_row != NULL) {
		/* The approval's new state commits with the decision, or neither does. */
		rec->apply = approval_row_apply;
		rec->apply_data = dec->approval_row;
		rec->apply_free = approval_row_free;
		dec->approval_row = NULL;
	}
	rec->has_peer = ev->has_peer;
	rec->peer_uid = ev->peer_uid;
	rec->peer_pid = ev->peer_pid;
	rec->done = decision_committed;
	rec->userdata = ev;
	rec->expected = true; /* pipeline_evaluate() announced it */
	return rec;
}

/* On the loop: the decision could not even be put together. */
static void
decision_failed(struct evaluation *ev)
{
	event_free(ev->deadline);
	ev->deadline = NULL;
	audit_expect_cancel(ev->d->audit); /* no row is coming */
	pipeline_approval_committed(ev, false);
	call_fail(ev->call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
	if (ev->then != NULL)
		ev->then(NULL, NULL, VERDICT_DENY, ev->then_arg);
	evaluation_unref(ev);
}

/* On a worker: run one subagent against the shared, read-only input. */
static void
subtask_work(struct work_item *item)
{
	struct subtask *t = (struct subtask *)((char *)item - offsetof(struct subtask, item));
	struct evaluation *ev = t->ev;
	struct check_result *r = &ev->results[t->which];
	uint64_t start = now_usec(CLOCK_MONOTONIC);

	t->start_us = now_usec(CLOCK_REALTIME);
	switch (t->which) {
	case SUBAGENT_JUSTICA: justica_run(&ev->in, r); break;
	case SUBAGENT_SOFIA: sofia_run(&ev->in, r); break;
	case SUBAGENT_ARMOR: armor_run(&ev->in, r); break;
	default: r->failed = true; break;
	}
	r->usec = now_usec(CLOCK_MONOTONIC) - start;
	t->end_us = now_usec(CLOCK_REALTIME);
	atomic_store_explicit(&t->finished, true, memory_order_release);

	/* The last one to finish decides, unless the deadline already did. */
	if (atomic_fetch_sub_explicit(&ev->pending, 1, memory_order_acq_rel) == 1 &&
	    !atomic_exchange(&ev->decided, true)) {
		struct audit_record *rec = decision_build(ev);

		if (rec != NULL) {
			audit_submit_or_fail(ev->d->audit, rec);
		} else {
			/* The loop answers; event_active() is safe from any thread. */
			atomic_store(&ev->failed, true);
			event_active(ev->deadline, EV_TIMEOUT, 1);
		}
	}
	evaluation_unref(ev);
}

/* On the loop: the deadline passed, or a worker could not build the decision. */
static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct evaluation *ev = arg;
	struct audit_record *rec;

	(void)fd;
	(void)what;
	if (atomic_load(&ev->failed)) {
		decision_failed(ev);
		return;
	}
	if (atomic_exchange(&ev->decided, true))
		return; /* a worker decided; its row is on its way */
	rec = decision_build(ev);
	if (rec == NULL)
		decision_failed(ev);
	else
		audit_submit_or_fail(ev->d->audit, rec);
}

void
pipeline_evaluate(struct maestrod *d, struct call *call, struct eval_input *in,
		  struct json_object *action, enum risk_level client_risk,
		  const char *correlation_id, struct json_object *context, pipeline_then_fn then,
		  void *arg)
{
	struct evaluation *ev = calloc(1, sizeof *ev);
	struct work_item *items[SUBAGENT_COUNT];
	struct timeval tv;

	if (ev == NULL || (ev->deadline = evtimer_new(d->base, on_deadline, ev)) == NULL) {
		free(ev);
		eval_input_clear(in);
		json_object_put(context);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		if (then != NULL)
			then(NULL, NULL, VERDICT_DENY, arg);
		return;
	}
	ev->d = d;
	ev->call = call;
	ev->in = *in;
	memset(in, 0, sizeof *in);
	/* sofia keeps a model call inside the deadline set below (sofia.c). */
	ev->in.deadline_usec = now_usec(CLOCK_MONOTONIC) + d->cfg.subagent_timeout_usec;
	counsel_backend_from_config(&ev->in.counsel, &d->cfg);
	ev->client_risk = client_risk;
	ev->action = json_object_get(action);
	ev->then = then;
	ev->then_arg = arg;
	ev->context = context;
	if (call->conn != NULL) {
		ev->has_peer = true;
		ev->peer_uid = call->conn->uid;
		ev->peer_pid = call->conn->pid;
	}
	snprintf(ev->correlation_id, sizeof ev->correlation_id, "%s", correlation_id);
	snprintf(ev->traceparent, sizeof ev->traceparent, "%s",
		 json_object_get_string(json_object_object_get(call->params, "traceparent")) ?: "");
	ev->started_mono = call->started_mono_usec;
	approval_fingerprint(ev->in.agent.id, ev->action, ev->fingerprint);
	approval_lookup(d, ev->in.agent.id, ev->fingerprint, &ev->hint);
	ev->approval_timeout_us = d->cfg.approval_timeout_usec;
	/* When the request was read, on the clock traces are told in. */
	ev->dec.trace.received_us = now_usec(CLOCK_REALTIME) -
				    (now_usec(CLOCK_MONOTONIC) - call->started_mono_usec);

	for (int i = 0; i < SUBAGENT_COUNT; i++) {
		struct subtask *t = &ev->tasks[i];

		t->ev = ev;
		t->which = (enum subagent)i;
		t->item.work = subtask_work;
		t->item.done = NULL; /* the last worker hands over to the audit writer itself */
		items[i] = &t->item;
	}
	/* Set before any worker can see the evaluation: the decision, and each subtask. */
	atomic_init(&ev->pending, SUBAGENT_COUNT);
	atomic_init(&ev->refs, 1 + SUBAGENT_COUNT);
	atomic_init(&ev->decided, false);
	atomic_init(&ev->failed, false);
	tv.tv_sec = (time_t)(d->cfg.subagent_timeout_usec / 1000000u);
	tv.tv_usec = (suseconds_t)(d->cfg.subagent_timeout_usec % 1000000u);
	evtimer_add(ev->deadline, &tv);
	audit_expect(d->audit); /* the writer may wait for this row to commit it with others */
	if (workers_defer(d->workers, items, SUBAGENT_COUNT) < 0) {
		/* Nothing could run: every check denies, now. */
		for (int i = 0; i < SUBAGENT_COUNT; i++)
			ev->tasks[i].item.work = NULL;
		atomic_store(&ev->refs, 1);
		on_deadline(-1, EV_TIMEOUT, ev);
	}
}
