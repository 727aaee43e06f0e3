/* Telemetry: OTLP/HTTP JSON export of traces and audit rows, on a thread of its own. */
#ifndef MAESTRO_TELEMETRY_H
#define MAESTRO_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

struct audit_record;
struct evbuffer;
struct telemetry;

/* One committed audit row as an OTLP log record. Strings are owned. */
struct otlp_log {
	int64_t time_us;
	int64_t seq;
	bool has_trace; /* a decision's row: trace_id is its trace */
	uint8_t trace_id[16];
	char *event;
	char *actor;	      /* may be NULL */
	char *correlation_id; /* may be NULL */
	char *body;	      /* the row's detail, JSON text */
};

struct telemetry_stats {
	uint64_t exported; /* spans and log records the receiver accepted */
	uint64_t dropped;  /* not queued: the queue was full (or memory short) */
	uint64_t failed;   /* given up on after the retries */
	uint64_t queued;   /* waiting now */
};

/*
 * Starts the export thread for endpoint ("http://127.0.0.1:4318": the
 * paths /v1/traces and /v1/logs are added). Returns 0 or a negative errno.
 */
int telemetry_start(const char *endpoint, struct telemetry **out);
/* Sends what is queued (one attempt each), stops the thread; NULL is fine. */
struct telemetry *telemetry_stop(struct telemetry *t);

/*
 * Loop thread; never blocks on the network: copies r into the queue, or
 * counts a drop when queue_max items are already waiting.
 */
void telemetry_add_trace(struct telemetry *t, const struct trace_record *r, unsigned queue_max);

/*
 * An audit observer (audit_add_observer, arg the struct maestrod): with
 * otlp_logs set, queues each committed row as a log record.
 */
void telemetry_audit_row(const struct audit_record *rec, void *arg);

/* Any thread. */
void telemetry_get_stats(struct telemetry *t, struct telemetry_stats *st);

/*
 * The OTLP JSON encoding (telemetry-otlp.c): one export request of n
 * traces (every span of each) or n log records, appended to out. Returns
 * 0 or -ENOMEM.
 */
int otlp_encode_traces(struct evbuffer *out, const struct trace_record *const *recs, size_t n);
int otlp_encode_logs(struct evbuffer *out, const struct otlp_log *const *logs, size_t n);

#endif
