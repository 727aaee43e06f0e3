/* Metrics: everything the daemon knows, gathered for /metrics and system.metrics. */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <event2/buffer.h>

#include "audit.h"
#include "daemon.h"
#include "metrics.h"
#include "telemetry.h"
#include "util.h"
#include "workers.h"

static void
emit_one(struct metrics_sink *s, const char *name, const char *type, const char *help,
	 double value)
{
	metrics_family(s, name, type, help);
	metrics_sample(s, NULL, 0, value);
}

static void
emit_process(struct maestrod *d, struct metrics_sink *s)
{
	struct metrics_label version = { "version", MAESTRO_VERSION };
	uint64_t now = now_usec(CLOCK_MONOTONIC);

	metrics_family(s, "maestro_build_info", "gauge",
		       "Always 1; the labels say which maestrod this is.");
	metrics_sample(s, &version, 1, 1);
	emit_one(s, "maestro_start_time_seconds", "gauge",
		 "When maestrod started, in seconds since the Unix epoch.",
		 (double)d->started_realtime_usec / 1e6);
	emit_one(s, "maestro_uptime_seconds", "gauge", "Seconds since maestrod started.",
		 (double)(now - d->started_monotonic_usec) / 1e6);
}

static void
emit_server(struct maestrod *d, struct metrics_sink *s)
{
	emit_one(s, "maestro_connections_open", "gauge", "Client connections open now.",
		 d->stats.connections_current);
	emit_one(s, "maestro_connections_total", "counter", "Client connections accepted.",
		 (double)d->stats.connections_total);
	emit_one(s, "maestro_connections_refused_total", "counter",
		 "Client connections refused: not allowed, or over a connection limit.",
		 (double)d->stats.connections_refused);
	emit_one(s, "maestro_requests_total", "counter", "JSON-RPC requests received.",
		 (double)d->stats.requests_total);
	emit_one(s, "maestro_requests_failed_total", "counter",
		 "JSON-RPC requests answered with an error.", (double)d->stats.requests_failed);
	emit_one(s, "maestro_worker_queue_depth", "gauge",
		 "Subagent runs waiting for a worker thread.",
		 d->workers ? workers_queued(d->workers) : 0);
}

static void
emit_audit(struct maestrod *d, struct metrics_sink *s)
{
	struct audit_stats st = { 0 };

	if (d->audit != NULL)
		audit_get_stats(d->audit, &st);
	emit_one(s, "maestro_audit_rows_committed_total", "counter",
		 "Audit rows committed to the database.", (double)st.committed);
	emit_one(s, "maestro_audit_rows_failed_total", "counter",
		 "Audit rows that could not be written.", (double)st.failed);
	emit_one(s, "maestro_audit_batches_total", "counter",
		 "Group commits made by the audit writer.", (double)st.batches);
	emit_one(s, "maestro_audit_queue_depth", "gauge",
		 "Audit rows waiting for the writer.", (double)st.queued);
	emit_one(s, "maestro_decisions_in_flight", "gauge",
		 "Decisions in the pipeline whose audit rows have not reached the writer yet.",
		 (double)st.expected);
	emit_one(s, "maestro_audit_failing", "gauge",
		 "1 when the last audit commit failed: decisions are being denied.",
		 st.failing ? 1 : 0);
	metrics_family(s, "maestro_audit_commit_duration_seconds", "histogram",
		       "Time the audit writer took to commit one group of rows.");
	metrics_sample_histogram(s, NULL, 0, &st.commit_latency);
}

/* The registry as it is now, in its own order: Prometheus does not mind. */
static void
emit_agents(struct maestrod *d, struct metrics_sink *s)
{
	const struct agent_registry *reg = &d->agents;
	double active = 0, suspended = 0;

	for (size_t i = 0; i < reg->n; i++) {
		if (reg->agents[i]->status == AGENT_SUSPENDED)
			suspended++;
		else
			active++;
	}
	metrics_family(s, "maestro_agents", "gauge", "Registered agents, by status.");
	metrics_sample(s, (struct metrics_label[]){ { "status", "active" } }, 1, active);
	metrics_sample(s, (struct metrics_label[]){ { "status", "suspended" } }, 1, suspended);

	metrics_family(s, "maestro_agent_trust_score", "gauge",
		       "Each registered agent's trust score, from 0 to 1.");
	for (size_t i = 0; i < reg->n; i++) {
		struct metrics_label l = { "agent", reg->agents[i]->id };

		metrics_sample(s, &l, 1, reg->agents[i]->trust);
	}
	metrics_family(s, "maestro_agent_tokens_used_total", "counter",
		       "Model tokens each registered agent has reported since it was registered.");
	for (size_t i = 0; i < reg->n; i++) {
		struct metrics_label l = { "agent", reg->agents[i]->id };

		metrics_sample(s, &l, 1, (double)reg->agents[i]->tokens_total);
	}
}

/* Counted whether or not export is on, so a dashboard need not know which. */
static void
emit_telemetry(struct maestrod *d, struct metrics_sink *s)
{
	struct telemetry_stats st = { 0 };

	if (d->telemetry != NULL)
		telemetry_get_stats(d->telemetry, &st);
	emit_one(s, "maestro_otlp_exported_total", "counter",
		 "Spans and log records the OTLP receiver accepted.", (double)st.exported);
	emit_one(s, "maestro_otlp_dropped_total", "counter",
		 "Spans and log records dropped because the export queue was full.",
		 (double)st.dropped);
	emit_one(s, "maestro_otlp_failed_total", "counter",
		 "Spans and log records given up on after the export retries.", (double)st.failed);
	emit_one(s, "maestro_otlp_queue_depth", "gauge",
		 "Spans and log records waiting for export.", (double)st.queued);
	emit_one(s, "maestro_traces_dropped_total", "counter",
		 "Decision traces not stored because the audit queue was half full.",
		 (double)d->stats.traces_dropped);
}

static void
metrics_collect(struct maestrod *d, struct metrics_sink *s)
{
	emit_process(d, s);
	metrics_emit(d->metrics, s);
	emit_audit(d, s);
	emit_telemetry(d, s);
	emit_server(d, s);
	emit_agents(d, s);
}

struct json_object *
metrics_to_json(struct maestrod *d)
{
	struct metrics_sink s = { .json = json_object_new_object() };

	metrics_collect(d, &s);
	return s.json;
}

int
metrics_write_text(struct maestrod *d, struct evbuffer *out)
{
	struct metrics_sink s = { .text = out };

	metrics_collect(d, &s);
	return 0;
}
