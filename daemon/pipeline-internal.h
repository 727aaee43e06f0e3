/* The pipeline's evaluation in flight: shared by pipeline.c and pipeline-approval.c only. */
#ifndef MAESTRO_PIPELINE_INTERNAL_H
#define MAESTRO_PIPELINE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "approval.h"
#include "metrics.h"
#include "pipeline.h"
#include "trace.h"
#include "workers.h"

struct evaluation;

/* One subagent's run: the work item a worker picks up. */
struct subtask {
	struct work_item item;
	struct evaluation *ev;
	enum subagent which;
	uint64_t start_us, end_us; /* CLOCK_REALTIME, for the trace; written before finished */
	atomic_bool finished; /* release: its result is written */
};

/* What the loop needs after the commit, copied so no late worker is read. */
struct decision {
	enum verdict verdict;
	enum risk_level risk;
	/*
	 * The reply, serialized by whoever decided and without audit_seq,
	 * which the loop splices in: serializing a reply of a few hundred
	 * bytes is not work the loop has to do.
	 */
	char *result_text;
	struct metrics_decision m;
	struct decision_trace trace;
	char rule[sizeof ((struct check_reason *)0)->rule]; /* behind the verdict */
	/* What the decision did to approvals (pipeline-approval.c). */
	enum { DEC_APPROVAL_NONE, DEC_APPROVAL_USED, DEC_APPROVAL_NEW, DEC_APPROVAL_PENDING } approval;
	char approval_id[APPROVAL_ID_SIZE];
	char *approval_summary; /* DEC_APPROVAL_NEW: for the registry */
	char *approval_request; /* DEC_APPROVAL_NEW: JSON text */
	int64_t approval_created_us;
	struct approval_row *approval_row; /* the store change, for the audit record's apply */
};

struct evaluation {
	struct maestrod *d;
	struct call *call;
	struct eval_input in;
	enum risk_level client_risk;
	char correlation_id[80];
	char traceparent[56]; /* the caller's, or "" */
	/* References taken on the loop, so that no worker touches the call. */
	struct json_object *action;
	struct json_object *context;
	bool has_peer;
	uid_t peer_uid;
	pid_t peer_pid;
	uint64_t started_mono;
	/* Taken on the loop: what approvals say about this action (approval_lookup()). */
	char fingerprint[FINGERPRINT_SIZE];
	struct approval_hint hint;
	uint64_t approval_timeout_us;
	struct subtask tasks[SUBAGENT_COUNT];
	struct check_result results[SUBAGENT_COUNT];
	atomic_uint pending;	/* subtasks still running */
	atomic_bool decided;	/* the decision has been taken, by a worker or the loop */
	atomic_bool failed;	/* the worker that decided ran out of memory */
	/*
	 * Who still holds the evaluation: each queued subtask until its work
	 * returned (a worker may write its result after the deadline), and the
	 * decision until the reply is sent.
	 */
	atomic_uint refs;
	struct event *deadline; /* also how a failed worker reaches the loop */
	pipeline_then_fn then;	/* NULL: reply to the call */
	void *then_arg;
	struct decision dec;
};

/*
 * On the worker that decides (or the loop at the deadline), when the merged
 * verdict is ask: what a person already said about this action decides
 * instead (allow for a grant, deny for a denial), or the ask becomes a
 * pending approval. May change ev->dec.verdict and rule; adds its reason;
 * fills ask (the reply's, still used only if the verdict stays ask); leaves
 * the store change in ev->dec.approval_row. Returns 0 or -ENOMEM.
 */
int pipeline_approval_step(struct evaluation *ev, struct json_object *reasons,
			   struct json_object *ask);

/* On the loop, after the commit: the registry learns what the decision did. */
void pipeline_approval_committed(struct evaluation *ev, bool committed);

#endif
