/* Approvals in a decision: a person's earlier answer decides an ask, or the ask waits for one. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approval.h"
#include "daemon.h"
#include "pipeline-internal.h"
#include "utf8.h"
#include "util.h"

/* "2026-11-26T09:41:07Z": when a person decided, in the reason an agent reads. */
static void
format_time(int64_t us, char out[32])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
add_reason(struct json_object *reasons, const char *rule, const char *text)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "subagent", json_object_new_string("approval"));
	json_object_object_add(o, "rule", json_object_new_string(rule));
	json_object_object_add(o, "text", json_object_new_string(text));
	json_object_array_add(reasons, o);
}

/* One line a person reads in a list of approvals: the kind and what it names. */
static char *
summary_of(struct json_object *action)
{
	static const char *const keys[] = { "command", "path", "url", "tool", "text", NULL };
	struct json_object *v;
	const char *kind = "action", *what = "";
	char *out;

	if (json_object_object_get_ex(action, "kind", &v))
		kind = json_object_get_string(v);
	for (const char *const *k = keys; *k != NULL; k++)
		if (json_object_object_get_ex(action, *k, &v) && json_object_is_type(v, json_type_string)) {
			what = json_object_get_string(v);
			break;
		}
	if (asprintf(&out, "%s: %.200s", kind, what) < 0)
		return NULL;
	utf8_sanitize(out); /* 200 bytes may cut a character */
	return out;
}

static struct approval_row *
row_new(const char *id, enum approval_status status)
{
	struct approval_row *row = calloc(1, sizeof *row);

	if (row != NULL) {
		snprintf(row->id, sizeof row->id, "%s", id);
		row->status = status;
	}
	return row;
}

int
pipeline_approval_step(struct evaluation *ev, struct json_object *reasons, struct json_object *ask)
{
	const struct approval_hint *h = &ev->hint;
	struct decision *dec = &ev->dec;
	struct json_object *request;
	char when[32], until[32], text[APPROVAL_NOTE_MAX + 200];

	switch (h->kind) {
	case HINT_GRANT:
		format_time(h->decided_us, when);
		format_time(h->until_us, until);
		snprintf(text, sizeof text, "approved by uid %u at %s%s%s", (unsigned)h->uid, when,
			 h->once ? ", for this one time" : ", until ", h->once ? "" : until);
		add_reason(reasons, "approval.granted", text);
		dec->verdict = VERDICT_ALLOW;
		snprintf(dec->rule, sizeof dec->rule, "approval.granted");
		snprintf(dec->approval_id, sizeof dec->approval_id, "%s", h->id);
		/*
		 * A window is not used up, but the evaluation's row still names
		 * the approval that allowed it (approval_id in its detail).
		 */
		dec->approval = h->once ? DEC_APPROVAL_USED : DEC_APPROVAL_PENDING;
		if (h->once && (dec->approval_row = row_new(h->id, APPROVAL_USED)) == NULL)
			return -ENOMEM;
		return 0;
	case HINT_DENIED:
		format_time(h->decided_us, when);
		snprintf(text, sizeof text, "denied by uid %u at %s%s%s", (unsigned)h->uid, when,
			 h->note[0] ? ": " : "", h->note);
		add_reason(reasons, "approval.denied", text);
		dec->verdict = VERDICT_DENY;
		snprintf(dec->rule, sizeof dec->rule, "approval.denied");
		snprintf(dec->approval_id, sizeof dec->approval_id, "%s", h->id);
		dec->approval = DEC_APPROVAL_USED;
		return (dec->approval_row = row_new(h->id, APPROVAL_USED)) ? 0 : -ENOMEM;
	case HINT_FULL:
		snprintf(text, sizeof text,
			 "agent %s already has %d actions waiting for a person; no more are queued",
			 ev->in.agent.id, APPROVAL_PENDING_PER_AGENT);
		add_reason(reasons, "approval.queue-full", text);
		dec->verdict = VERDICT_DENY;
		snprintf(dec->rule, sizeof dec->rule, "approval.queue-full");
		return 0;
	case HINT_PENDING:
		/* The same action asked again: the same approval, not a second one. */
		snprintf(dec->approval_id, sizeof dec->approval_id, "%s", h->id);
		dec->approval = DEC_APPROVAL_PENDING;
		json_object_object_add(ask, "approval_id", json_object_new_string(h->id));
		json_object_object_add(ask, "status", json_object_new_string("pending"));
		return 0;
	case HINT_NONE:
		break;
	}

	approval_new_id(dec->approval_id);
	dec->approval = DEC_APPROVAL_NEW;
	dec->approval_created_us = (int64_t)now_usec(CLOCK_REALTIME);
	json_object_object_add(ask, "approval_id", json_object_new_string(dec->approval_id));
	json_object_object_add(ask, "status", json_object_new_string("pending"));
	json_object_object_add(ask, "expires_us",
			       json_object_new_int64(dec->approval_created_us +
						     (int64_t)ev->approval_timeout_us));
	/* What the person is shown: the action, the question, every reason and sofia's counsel. */
	request = json_object_new_object();
	json_object_object_add(request, "action", json_object_get(ev->action));
	json_object_object_add(request, "question", json_object_get(json_object_object_get(ask, "question")));
	json_object_object_add(request, "reasons", json_object_get(reasons));
	if (ev->results[SUBAGENT_SOFIA].counsel && atomic_load(&ev->tasks[SUBAGENT_SOFIA].finished)) {
		const struct check_result *r = &ev->results[SUBAGENT_SOFIA];
		struct json_object *c = json_object_new_object(), *q = json_object_new_array();

		json_object_object_add(c, "type", json_object_new_string(r->counsel_type));
		json_object_object_add(c, "confidence", json_object_new_double(r->confidence));
		json_object_object_add(c, "requires_professional",
				       json_object_new_boolean(r->requires_professional));
		for (unsigned i = 0; i < r->n_questions; i++)
			json_object_array_add(q, json_object_new_string(r->questions[i]));
		json_object_object_add(c, "questions", q);
		json_object_object_add(request, "counsel", c);
	}
	dec->approval_request = strdup(json_object_to_json_string_ext(
		request, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(request);
	dec->approval_summary = summary_of(ev->action);
	dec->approval_row = row_new(dec->approval_id, APPROVAL_PENDING);
	if (dec->approval_request == NULL || dec->approval_summary == NULL || dec->approval_row == NULL)
		return -ENOMEM;
	dec->approval_row->insert = true;
	snprintf(dec->approval_row->agent, sizeof dec->approval_row->agent, "%s", ev->in.agent.id);
	snprintf(dec->approval_row->fingerprint, sizeof dec->approval_row->fingerprint, "%s",
		 ev->fingerprint);
	snprintf(dec->approval_row->correlation_id, sizeof dec->approval_row->correlation_id, "%s",
		 ev->correlation_id);
	dec->approval_row->risk = dec->risk;
	dec->approval_row->created_us = dec->approval_created_us;
	dec->approval_row->expires_us = dec->approval_created_us + (int64_t)ev->approval_timeout_us;
	dec->approval_row->summary = strdup(dec->approval_summary);
	dec->approval_row->request = strdup(dec->approval_request);
	return dec->approval_row->summary && dec->approval_row->request ? 0 : -ENOMEM;
}

void
pipeline_approval_committed(struct evaluation *ev, bool committed)
{
	struct decision *dec = &ev->dec;
	struct maestrod *d = ev->d;

	if (dec->approval == DEC_APPROVAL_USED && committed) {
		approval_used(d, dec->approval_id);
	} else if (ev->hint.kind == HINT_GRANT || ev->hint.kind == HINT_DENIED) {
		/* Claimed for this evaluation, which did not use it: the next one may. */
		approval_release(d, ev->hint.id);
	}
	if (dec->approval == DEC_APPROVAL_NEW && committed)
		approval_created(d, dec->approval_id, ev->in.agent.id, ev->fingerprint,
				 ev->correlation_id, dec->risk, dec->approval_summary,
				 json_tokener_parse(dec->approval_request), dec->approval_created_us,
				 dec->approval_created_us + (int64_t)ev->approval_timeout_us);
}
