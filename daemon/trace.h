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

/*
 * The journal's MESSAGE_ID of the one line logged per decision, so that
 * `journalctl MESSAGE_ID=... MAESTRO_AGENT=x` finds them (maestrod(8)).
 */
#define TRACE_DECISION_MESSAGE_ID "2ceedafe6efc4edab485bdbb2938a5d0"

/* root, justica, sofia, armor, audit.commit */
#define TRACE_MAX_SPANS 5

struct trace_span {
	const char *name;    /* a static string */
	uint8_t span_id[8];
	int parent;	     /* index of the parent span in the record; -1 for the root */
	uint64_t start_us;   /* CLOCK_REALTIME */
	uint64_t end_us;
};

/*
 * A decision's trace as it is stored and exported: ids drawn, strings
 * copied, so it outlives the decision and can cross to another thread.
 */
struct trace_record {
	uint8_t trace_id[16];
	uint8_t parent_span_id[8]; /* the caller's span, when has_parent */
	bool has_parent;
	bool error;
	struct trace_span spans[TRACE_MAX_SPANS];
	unsigned n_spans;
	char correlation_id[80];
	char agent[65];
	char rule[96];		   /* "" for none */
	const char *decision;	   /* "allow", "deny", "ask": static */
	const char *risk;	   /* "LOW" .. "CRITICAL": static */
	int64_t audit_seq;	   /* 0: not written */
};

/*
 * "00-<32 hex>-<16 hex>-<2 hex>" into its trace id and parent span id.
 * Returns 0, or -EINVAL (ids untouched) for anything else, all-zero ids
 * included: W3C calls those invalid.
 */
int trace_parse_traceparent(const char *s, uint8_t trace_id[16], uint8_t parent_id[8]);

/* Fills out from t: the spans that happened, ids from t's traceparent or random. */
void trace_build(const struct decision_trace *t, struct trace_record *out);

/*
 * The trace in the compact form the traces table keeps (trace-format.c).
 * Returns the length written (NUL excluded), or -ENOSPC when buf is too
 * small.
 */
int trace_format_spans(const struct trace_record *r, char *buf, size_t size);

/*
 * The stored form spelled out as trace.get returns it: an array of span
 * objects ({"name", "span_id", "parent_span_id", "start_us", "end_us",
 * "status", "attributes"}). NULL when stored is not a trace.
 */
struct json_object;
struct json_object *trace_spans_expand(struct json_object *stored, const char *correlation_id);

/*
 * Hands the traces gathered for the store to the audit writer now, instead
 * of at the batch timer: at shutdown, before the writer stops.
 */
void trace_flush(struct maestrod *d);
struct trace_pending;
struct trace_pending *trace_pending_free(struct trace_pending *p);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void trace_hex(char *out, const uint8_t *bytes, size_t n);

#endif
