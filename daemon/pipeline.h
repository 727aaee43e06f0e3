/* The governance pipeline: justica, sofia and armor in parallel, merged fail-safe. */
#ifndef MAESTRO_PIPELINE_H
#define MAESTRO_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "action.h"
#include "agent.h"
#include "counsel-backend.h"
#include "workers.h"

struct call;
struct maestrod;
struct policy;

enum verdict {
	VERDICT_ALLOW,
	VERDICT_ASK,
	VERDICT_DENY,
};

const char *verdict_name(enum verdict v);

#define CHECK_MAX_REASONS 8

/* One reason: which rule or check, and a sentence a person understands. */
struct check_reason {
	char rule[96];
	char text[400];
};

/* What one subagent concluded. Written by its worker, read by the loop after. */
struct check_result {
	enum verdict verdict;
	struct check_reason reasons[CHECK_MAX_REASONS];
	unsigned n_reasons;
	bool failed;	   /* the subagent could not do its job: merged as a deny */
	uint64_t usec;	   /* how long it took on its worker */
	/* sofia's counsel, when it gave one */
	bool counsel;
	const char *counsel_type;
	double confidence;
	bool requires_professional;
	const char *questions[4];
	unsigned n_questions;
};

void check_add_reason(struct check_result *r, enum verdict v, const char *rule, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));

enum subagent {
	SUBAGENT_JUSTICA,
	SUBAGENT_SOFIA,
	SUBAGENT_ARMOR,
	SUBAGENT_COUNT,
};

/* Text armor screens, with what it is. */
struct screen_text {
	const char *text;
	size_t len;
	int source; /* enum armor_source */
};

#define EVAL_MAX_SCREENS 6

/*
 * Everything the subagents read. It is filled on the loop thread and not
 * touched again until every subagent has finished or been given up on:
 * each worker reads it, none writes it.
 */
struct eval_input {
	struct action_facts facts;
	struct agent agent;	  /* a copy: the registry may change meanwhile */
	struct policy *policy;	  /* a reference: a reload may swap the daemon's */
	char *workspace;	  /* owned; may be NULL */
	char *home;		  /* owned; may be NULL */
	double trust;
	bool tainted;		  /* the session read injected instructions */
	struct screen_text screens[EVAL_MAX_SCREENS]; /* texts owned by owned[] */
	unsigned n_screens;
	char *owned[EVAL_MAX_SCREENS];
	/*
	 * sofia's model backend, copied at evaluation start (url "" for none),
	 * and when the pipeline stops waiting (CLOCK_MONOTONIC): a model call
	 * must end before it, or sofia's answer would come too late to count.
	 */
	struct counsel_backend counsel;
	uint64_t deadline_usec;
};

/* The subagents; each reads in and writes only its own result. */
void justica_run(const struct eval_input *in, struct check_result *out);
void sofia_run(const struct eval_input *in, struct check_result *out);
void armor_run(const struct eval_input *in, struct check_result *out);

/* Where a subagent's run stood when the decision was made. */
enum task_state {
	TASK_NOT_RUN,	/* it could not be queued: the worker queue was full */
	TASK_LATE,	/* it had not finished by the deadline */
	TASK_FINISHED,	/* it ran to the end; its result may still say failed */
};

/*
 * The merge: any deny, deny; else any ask, ask; else allow. A subagent that
 * did not run, did not finish or failed counts as a deny with a
 * "pipeline.*" reason: a check that cannot answer never means allow.
 * effective[i] is set to results[i], or to fallback[i] filled with that
 * deny; results[i] is not read unless states[i] is TASK_FINISHED.
 */
enum verdict pipeline_merge(const struct check_result results[SUBAGENT_COUNT],
			    const enum task_state states[SUBAGENT_COUNT],
			    struct check_result fallback[SUBAGENT_COUNT],
			    const struct check_result *effective[SUBAGENT_COUNT]);
const char *subagent_name(enum subagent which);

struct evaluation;

/*
 * What becomes of a decision instead of the reply, for a caller that acts on
 * it (governance.execute): called on the loop once the decision's audit row
 * is committed (or could not be: the verdict is then deny). result is the
 * reply evaluate would have sent (audit_seq included), taken over; then must
 * answer call itself. then runs exactly once: when the evaluation could not
 * even start, the call has already been answered with the error, and then
 * gets call and result NULL, to free arg.
 */
typedef void (*pipeline_then_fn)(struct call *call, struct json_object *result,
				 enum verdict verdict, void *arg);

/*
 * Takes over in (its facts, policy reference and buffers), fans out to the
 * workers and, once all have answered or the deadline passed, merges,
 * commits the audit row and replies to call, or hands the result to then
 * (may be NULL) with arg. action is the action judged (a reference is
 * taken); context (taken over, may be NULL) goes into the audit row;
 * correlation_id must be set.
 */
void pipeline_evaluate(struct maestrod *d, struct call *call, struct eval_input *in,
		       struct json_object *action, enum risk_level client_risk,
		       const char *correlation_id, struct json_object *context,
		       pipeline_then_fn then, void *arg);

/*
 * governance.evaluate's work for a call whose params carry risk_level,
 * context, traceparent and correlation_id as evaluate's do, with action
 * given apart (an execute builds it from argv). Answers call with an error
 * when the params are wrong; otherwise as pipeline_evaluate().
 */
void governance_evaluate_start(struct call *call, struct json_object *action,
			       pipeline_then_fn then, void *arg);

void eval_input_clear(struct eval_input *in);

#endif
