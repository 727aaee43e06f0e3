/* governance.report: how an allowed action went, its output screened, trust and usage updated. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armor.h"
#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "maestro-protocol.h"
#include "taint.h"
#include "trust.h"
#include "utf8.h"
#include "util.h"
#include "workers.h"

/* What is kept of a tool's output in the audit trail. */
#define REPORT_OUTPUT_KEEP (64 * 1024)

struct report {
	struct work_item item;
	struct call *call;
	char *output; /* owned; redacted in place by the worker */
	size_t output_len;
	struct armor_result screen; /* written by the worker */
	bool tainted;		    /* for the reply */
	unsigned secrets;
	double trust;
};

/* On a worker: screening and redacting a large output is not the loop's work. */
static void
report_work(struct work_item *item)
{
	struct report *rp = (struct report *)((char *)item - offsetof(struct report, item));
	char *redacted;
	size_t len;

	armor_screen(rp->output, rp->output_len, ARMOR_SOURCE_TOOL_OUTPUT, &rp->screen);
	redacted = armor_redact_dup(rp->output, rp->output_len, &len);
	if (redacted != NULL) {
		free(rp->output);
		rp->output = redacted;
		rp->output_len = len;
	}
}

static void
report_committed(struct audit_record *rec, void *userdata)
{
	struct report *rp = userdata;
	struct json_object *r;

	if (rec->error) {
		call_fail(rp->call, MAESTRO_E_UNAVAILABLE, rec->error_message, NULL);
	} else {
		r = json_object_new_object();
		json_object_object_add(r, "recorded", json_object_new_boolean(1));
		json_object_object_add(r, "audit_seq", json_object_new_int64(rec->seq));
		json_object_object_add(r, "findings", json_object_new_int((int)rp->screen.n_findings));
		json_object_object_add(r, "secrets_redacted", json_object_new_int((int)rp->secrets));
		json_object_object_add(r, "tainted", json_object_new_boolean(rp->tainted));
		json_object_object_add(r, "trust_score", json_object_new_double(rp->trust));
		call_reply(rp->call, r);
	}
	free(rp->output);
	free(rp);
}

/* On the loop: apply what the output showed, then record it all. */
static void
report_done(struct work_item *item)
{
	struct report *rp = (struct report *)((char *)item - offsetof(struct report, item));
	struct call *call = rp->call;
	struct json_object *detail = json_object_new_object(), *findings, *v;
	bool success = strcmp(json_object_get_string(json_object_object_get(call->params, "outcome")),
			      "success") == 0;
	bool taint = armor_found_instructions(&rp->screen);
	struct audit_record *rec;
	unsigned secrets = 0;
	uint64_t tokens = 0;
	double cost = 0;

	/* Instructions hidden in what the agent read make its next risky steps a person's call. */
	if (taint && call->conn != NULL)
		call->conn->tainted = true;
	if (taint)
		taint_report(call->d, call->agent_id, json_object_get_string(
							  json_object_object_get(call->params, "correlation_id")));
	/* Both counts are checked non-negative; their sum saturates in agent_charge(). */
	if (json_object_object_get_ex(call->params, "tokens_in", &v))
		tokens = (uint64_t)json_object_get_int64(v);
	if (json_object_object_get_ex(call->params, "tokens_out", &v))
		tokens = tokens > UINT64_MAX - (uint64_t)json_object_get_int64(v)
				 ? UINT64_MAX
				 : tokens + (uint64_t)json_object_get_int64(v);
	if (json_object_object_get_ex(call->params, "cost", &v))
		cost = json_object_get_double(v);
	json_object_object_get_ex(call->params, "correlation_id", &v);
	trust_after_report(call->d, call->agent_id, success, taint, tokens, cost,
			   json_object_get_string(v), &rp->trust);

	json_object_object_foreach(call->params, key, val)
		if (strcmp(key, "output") != 0)
			json_object_object_add(detail, key, json_object_get(val));
	findings = json_object_new_array();
	for (size_t i = 0; i < rp->screen.n_findings; i++) {
		const struct armor_finding *f = &rp->screen.findings[i];
		struct json_object *o = json_object_new_object();

		secrets += f->category == ARMOR_SECRET;
		json_object_object_add(o, "category", json_object_new_string(armor_category_name(f->category)));
		json_object_object_add(o, "rule", json_object_new_string(f->rule));
		json_object_object_add(o, "text", json_object_new_string(f->message));
		json_object_array_add(findings, o);
	}
	json_object_object_add(detail, "findings", findings);
	json_object_object_add(detail, "secrets_redacted", json_object_new_int((int)secrets));
	json_object_object_add(detail, "tainted", json_object_new_boolean(taint));
	if (rp->output != NULL) {
		/* Only the redacted text is kept, and not all of a huge one. */
		size_t keep = rp->output_len < REPORT_OUTPUT_KEEP ? rp->output_len : REPORT_OUTPUT_KEEP;

		json_object_object_add(detail, "output", json_object_new_string_len(rp->output, (int)keep));
		json_object_object_add(detail, "output_truncated",
				       json_object_new_boolean(keep < rp->output_len));
	}
	json_object_object_add(detail, "trust_score", json_object_new_double(rp->trust));
	rp->tainted = taint;
	rp->secrets = secrets;

	rec = audit_record_new("governance.report", call->agent_id, detail);
	if (rec == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		free(rp->output);
		free(rp);
		return;
	}
	json_object_object_get_ex(call->params, "correlation_id", &v);
	rec->correlation_id = strdup(json_object_get_string(v));
	if (call->conn != NULL) {
		rec->has_peer = true;
		rec->peer_uid = call->conn->uid;
		rec->peer_pid = call->conn->pid;
	}
	rec->done = report_committed;
	rec->userdata = rp;
	if (audit_submit(call->d->audit, rec) < 0) {
		rec->error = -EAGAIN;
		snprintf(rec->error_message, sizeof rec->error_message,
			 "overloaded: the audit queue is full; the report was not recorded");
		report_committed(rec, rp);
		audit_record_free(rec);
	}
}

static void
governance_report(struct call *call)
{
	const char *outcome = json_object_get_string(json_object_object_get(call->params, "outcome"));
	struct json_object *v;
	struct report *rp;

	if (strcmp(outcome, "success") != 0 && strcmp(outcome, "failure") != 0) {
		call_fail(call, RPC_INVALID_PARAMS, "invalid params: outcome must be success or failure",
			  NULL);
		return;
	}
	for (const char *const *k = (const char *const[]){ "tokens_in", "tokens_out", "duration_ms",
							   "cost", NULL };
	     *k != NULL; k++) {
		char msg[96];

		if (json_object_object_get_ex(call->params, *k, &v) && json_object_get_double(v) < 0) {
			snprintf(msg, sizeof msg, "invalid params: \"%s\" must not be negative", *k);
			call_fail(call, RPC_INVALID_PARAMS, msg, NULL);
			return;
		}
	}
	/*
	 * Only an evaluation this agent was allowed (or asked) may be reported
	 * on, once: otherwise made-up reports would buy trust. Claimed now, so
	 * that a second report arriving while the first is screened is refused.
	 */
	json_object_object_get_ex(call->params, "correlation_id", &v);
	switch (trust_claim_report(call->d, call->agent_id, json_object_get_string(v))) {
	case 0:
		break;
	case -EALREADY: {
		char msg[160];

		snprintf(msg, sizeof msg, "conflict: evaluation %.64s was already reported",
			 json_object_get_string(v));
		utf8_sanitize(msg); /* the id may be cut inside a character */
		call_fail(call, MAESTRO_E_CONFLICT, msg, NULL);
		return;
	}
	default: {
		char msg[300];

		snprintf(msg, sizeof msg,
			 "not found: no allowed or asked evaluation %.64s of agent %s awaits a report",
			 json_object_get_string(v), call->agent_id);
		utf8_sanitize(msg);
		call_fail(call, MAESTRO_E_NOT_FOUND, msg, NULL);
		return;
	}
	}
	rp = calloc(1, sizeof *rp);
	if (rp == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	rp->call = call;
	if (json_object_object_get_ex(call->params, "output", &v)) {
		/* By length: the protocol refuses \u0000, but the copy should not depend on it. */
		rp->output_len = (size_t)json_object_get_string_len(v);
		rp->output = malloc(rp->output_len + 1);
		if (rp->output != NULL) {
			memcpy(rp->output, json_object_get_string(v), rp->output_len);
			rp->output[rp->output_len] = '\0';
		}
	}
	rp->item.work = report_work;
	rp->item.done = report_done;
	if (rp->output == NULL) {
		report_done(&rp->item); /* nothing to screen */
		return;
	}
	if (workers_submit(call->d->workers, &rp->item) < 0) {
		free(rp->output);
		free(rp);
		call_fail(call, MAESTRO_E_OVERLOADED, "overloaded: the worker queue is full; retry", NULL);
	}
}

static const struct param_spec report_params[] = {
	{ "correlation_id", json_type_string, true },
	{ "outcome", json_type_string, true },
	{ "exit_code", json_type_int, false },
	{ "duration_ms", json_type_int, false },
	{ "tokens_in", json_type_int, false },
	{ "tokens_out", json_type_int, false },
	{ "cost", json_type_double, false },
	{ "output", json_type_string, false },
	{ NULL, json_type_null, false },
};

const struct method report_methods[] = {
	{ "governance.report", CALLER_AGENT, report_params, governance_report },
	{ NULL, CALLER_ANY, NULL, NULL },
};
