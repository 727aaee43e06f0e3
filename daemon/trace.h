/* Traces: each decision as a tree of spans, kept and exported. */
#ifndef MAESTRO_TRACE_H
#define MAESTRO_TRACE_H

#include <stdbool.h>
#include <stdint.h>

struct maestrod;

/*
 * One governance decision's timeline, as the pipeline saw it. Times are
 * CLOCK_REALTIME microseconds; 0 means "did not happen" (a subagent that
 * never finished, a row that was never committed).
 */
struct decision_trace {
	const char *correlation_id;
	const char *agent;
	const char *traceparent;    /* the caller's W3C traceparent, or NULL */
	const char *method;	    /* "governance.evaluate" */
	int verdict;		    /* enum verdict */
	int risk;		    /* enum risk_level */
	const char *rule;	    /* the rule behind the verdict, or NULL */
	int64_t audit_seq;	    /* 0 when the row was not written */
	bool error;		    /* a pipeline error: deadline, queue, store */
	uint64_t received_us;	    /* the request was read */
	uint64_t subagent_start_us[3]; /* justica, sofia, armor */
	uint64_t subagent_end_us[3];
	uint64_t decided_us;	    /* the verdicts were merged */
	uint64_t committed_us;	    /* the audit row was committed (or failed) */
	uint64_t replied_us;	    /* the reply was queued to the client */
};

/*
 * Called on the loop thread once per decision, after its reply. Must not
 * block: storing and exporting happen elsewhere.
 */
void trace_decision(struct maestrod *d, const struct decision_trace *t);

#endif
