/* Metrics: what the daemon counts, for Prometheus and system.metrics. */
#ifndef MAESTRO_METRICS_H
#define MAESTRO_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

struct maestrod;
struct metrics;

/*
 * One governance decision as it was answered. Called on the loop thread
 * once the decision's audit row is committed (or failed to be), so the
 * figures describe what agents actually heard.
 */
struct metrics_decision {
	const char *agent;	/* the agent id */
	int verdict;		/* enum verdict */
	int risk;		/* enum risk_level */
	uint64_t total_usec;	/* request accepted to reply queued */
	uint64_t subagent_usec[3]; /* justica, sofia, armor; 0 when one did not finish */
	bool subagent_finished[3];
	bool timeout;		/* a subagent missed its deadline */
	bool pipeline_error;	/* a subagent failed, the queue was full, or the row was not written */
};

/*
 * Both return 0 or a negative errno. All calls below are loop-thread only:
 * struct metrics is read and written by the event loop alone, so it needs
 * no lock and no atomics. (The audit writer keeps its own commit latency
 * histogram under its own lock; see struct audit_stats.)
 */
int metrics_new(struct metrics **out);
struct metrics *metrics_free(struct metrics *m);

void metrics_decision(struct metrics *m, const struct metrics_decision *dec);

/*
 * Everything, as the JSON object system.metrics returns: one member per
 * metric family, named as in the text format, each
 *   { "type": "counter"|"gauge"|"histogram", "help": "...", "samples": [...] }
 * where a counter's or gauge's sample is { "labels": {...}, "value": N } and
 * a histogram's is { "labels": {...}, "count": N, "sum": SECONDS,
 * "buckets": [ { "le": SECONDS, "count": CUMULATIVE }, ... ] } (the +Inf
 * bucket is left out: it is count). See maestro-protocol(7).
 */
struct json_object *metrics_to_json(struct maestrod *d);

/*
 * Histograms with fixed buckets, Prometheus style: an observation lands in
 * the first bucket whose upper bound it does not exceed (le), or in +Inf.
 * Bounds are whole microseconds so that placement is exact; the figures
 * are published in seconds. A zeroed struct is an empty histogram.
 */
#define METRICS_BUCKETS 16
extern const uint64_t metrics_bucket_usec[METRICS_BUCKETS]; /* ascending upper bounds */

struct metrics_histogram {
	uint64_t buckets[METRICS_BUCKETS + 1]; /* per bucket, not cumulative; the last is +Inf */
	uint64_t count;
	uint64_t sum_usec;
};

void metrics_histogram_observe(struct metrics_histogram *h, uint64_t usec);

/*
 * Where figures go while they are written out: the text exposition format
 * (version 0.0.4) into an evbuffer, or the JSON of metrics_to_json(). The
 * same emitting code feeds both, so /metrics and system.metrics agree.
 */
struct evbuffer;

struct metrics_label {
	const char *name;
	const char *value;
};

struct metrics_sink {
	struct evbuffer *text;	      /* the text format goes here ... */
	struct json_object *json;     /* ... or families become members of this object */
	/* Private: the family being written. */
	const char *family;
	struct json_object *samples;
};

/* Starts a family: HELP and TYPE. type is "counter", "gauge" or "histogram". */
void metrics_family(struct metrics_sink *s, const char *name, const char *type, const char *help);
/* One sample of the current counter or gauge family. */
void metrics_sample(struct metrics_sink *s, const struct metrics_label *labels, unsigned n_labels,
		    double value);
/* One labelled histogram of the current histogram family. */
void metrics_sample_histogram(struct metrics_sink *s, const struct metrics_label *labels,
			      unsigned n_labels, const struct metrics_histogram *h);

/* Writes the families m itself keeps: decisions, latencies, pipeline errors. */
void metrics_emit(const struct metrics *m, struct metrics_sink *s);

/* Everything the daemon knows, as the text format; 0 or a negative errno. */
int metrics_write_text(struct maestrod *d, struct evbuffer *out);

/* value escaped for a label value between double quotes (\\, \" and \n). */
void metrics_escape_label_value(struct evbuffer *out, const char *value);
/* value as Prometheus prints floats: shortest round-trip form, NaN, +Inf, -Inf. */
void metrics_format_value(double value, char *buf, size_t size);

/*
 * The HTTP listener for Prometheus (metrics_listen): GET /metrics on the
 * daemon's event loop. host is a numeric loopback address ("127.0.0.1",
 * "::1"). Returns 0, or a negative errno with a sentence naming the
 * address in msg.
 */
struct metrics_http;

int metrics_http_start(struct maestrod *d, const char *host, unsigned port,
		       struct metrics_http **out, char *msg, size_t size);
struct metrics_http *metrics_http_free(struct metrics_http *h);
/* Whether host:port (host NULL: no listener) differs from what h listens on. */
bool metrics_http_differs(const struct metrics_http *h, const char *host, unsigned port);

#endif
