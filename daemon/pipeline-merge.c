/* Merging the subagents' verdicts, fail-safe: what did not answer denies. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pipeline.h"
#include "utf8.h"

static const char *const subagent_names[SUBAGENT_COUNT] = { "justica", "sofia", "armor" };

const char *
subagent_name(enum subagent which)
{
	return (unsigned)which < SUBAGENT_COUNT ? subagent_names[which] : "unknown";
}

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

/* The deny that stands in for a subagent that gave no usable answer. */
static void
stand_in(struct check_result *out, enum subagent which, enum task_state state,
	 const struct check_result *failed)
{
	const char *rule, *what;

	memset(out, 0, sizeof *out);
	switch (state) {
	case TASK_NOT_RUN:
		rule = "pipeline.queue-full";
		what = "could not be run (the worker queue is full)";
		break;
	case TASK_LATE:
		rule = "pipeline.timeout";
		what = "did not answer in time";
		break;
	default:
		rule = "pipeline.failed";
		what = "failed";
		break;
	}
	/* A subagent that failed may have said why. */
	check_add_reason(out, VERDICT_DENY, rule, "governance pipeline error: %s %s%s%s",
			 subagent_names[which], what,
			 failed != NULL && failed->n_reasons > 0 ? ": " : "",
			 failed != NULL && failed->n_reasons > 0 ? failed->reasons[0].text : "");
}

enum verdict
pipeline_merge(const struct check_result results[SUBAGENT_COUNT],
	       const enum task_state states[SUBAGENT_COUNT],
	       struct check_result fallback[SUBAGENT_COUNT],
	       const struct check_result *effective[SUBAGENT_COUNT])
{
	enum verdict verdict = VERDICT_ALLOW;

	for (int i = 0; i < SUBAGENT_COUNT; i++) {
		const struct check_result *r = &results[i];

		if (states[i] != TASK_FINISHED || r->failed) {
			stand_in(&fallback[i], (enum subagent)i, states[i],
				 states[i] == TASK_FINISHED ? r : NULL);
			r = &fallback[i];
		}
		effective[i] = r;
		if (r->verdict > verdict)
			verdict = r->verdict;
	}
	return verdict;
}
