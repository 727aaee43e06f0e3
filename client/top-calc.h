/* maestroctl top: the figures it shows, computed from system.metrics results. */
#ifndef MAESTROCTL_TOP_CALC_H
#define MAESTROCTL_TOP_CALC_H

#include <stdbool.h>
#include <stddef.h>
#include <math.h>
#include <json-c/json.h>

/*
 * Everything here is pure: no I/O, no clock, no globals, so that
 * tests/unit/test-top.c can check each figure against hand-computed ones.
 * Figures are doubles because system.metrics publishes them as JSON
 * numbers; NAN means "no figure" (an empty histogram, a rate without a
 * previous sample) and is shown as "-".
 */

/* NAN is a float; spelled as a double so that -Wdouble-promotion stays quiet. */
#define TOP_NONE ((double)NAN)

enum top_verdict { TOP_ALLOW, TOP_ASK, TOP_DENY, TOP_VERDICTS };

/* maestrod has 16 buckets (daemon/metrics.h); room to spare for a later one. */
#define TOP_BUCKETS_MAX 64

/* One histogram sample: cumulative counts per finite upper bound, ascending. */
struct top_histogram {
	double count; /* all observations: the +Inf bucket */
	double sum;   /* seconds */
	size_t n;     /* finite buckets */
	double le[TOP_BUCKETS_MAX];
	double cumulative[TOP_BUCKETS_MAX];
};

struct top_agent {
	char id[80];
	double decisions[TOP_VERDICTS]; /* since maestrod started, summed over risk levels */
	double trust;			/* NAN: not registered now (deleted, or "_other") */
	double tokens;			/* NAN: not registered now */
};

/* One system.metrics result, reduced to what top shows. */
struct top_sample {
	bool valid;
	char version[32];
	double start_time; /* tells one maestrod from its successor */
	double uptime;	   /* the daemon's own clock: rates divide by its deltas */
	double decisions[TOP_VERDICTS];
	struct top_histogram evaluate, audit_commit;
	double pipeline_errors, timeouts;
	double audit_queue, audit_committed, audit_failed;
	bool audit_failing;
	double connections_open, connections_total, connections_refused;
	double requests_total, requests_failed;
	double worker_queue;
	struct top_agent *agents; /* sorted by id */
	size_t n_agents;
};

/* An agent's line in the table. */
struct top_agent_row {
	const struct top_agent *agent; /* borrowed from the newer sample */
	double rate;		       /* decisions per second; NAN without an interval */
	double total;		       /* decisions since maestrod started */
	double deny_share;	       /* deny / total, 0 to 1; NAN for no decisions */
};

/*
 * The q-quantile (0 <= q <= 1) of h, estimated as Prometheus'
 * histogram_quantile() does: find the bucket holding the rank q * count,
 * and interpolate linearly between its lower bound (the previous bucket's
 * upper bound, 0 for the first) and its upper bound. A rank in the +Inf
 * bucket returns the largest finite bound, the most that can be said.
 * NAN for an empty histogram; -INFINITY / INFINITY for q below 0 / above 1.
 */
double top_histogram_quantile(double q, const struct top_histogram *h);

/*
 * The observations made between before and now, as a histogram of their
 * own: what happened in the last interval. When now holds fewer
 * observations than before, maestrod restarted and now is taken whole,
 * as Prometheus takes a counter reset. Returns false (out unset) when the
 * bucket bounds differ, since the counts then do not line up.
 */
bool top_histogram_delta(const struct top_histogram *now, const struct top_histogram *before,
			 struct top_histogram *out);

/*
 * Per second, from a counter's value now and seconds before. A counter
 * that went down was reset: its whole value counts as the increase.
 * NAN when seconds is not positive or either value is NAN.
 */
double top_rate(double now, double before, double seconds);

/*
 * Seconds between two samples by maestrod's own clock, or NAN when they
 * are not comparable: either is missing, or they come from different runs
 * of maestrod (start times differ), or time did not advance.
 */
double top_interval(const struct top_sample *now, const struct top_sample *before);

/*
 * Fills *out from a system.metrics result. Families that are missing or
 * malformed leave their figures at NAN (or empty) rather than failing:
 * an older or newer maestrod still gets a view. Returns 0, or -ENOMEM
 * (out is then cleared). out need not be initialized; clear it with
 * top_sample_clear().
 */
int top_sample_from_json(struct json_object *metrics, struct top_sample *out);
void top_sample_clear(struct top_sample *s);

/* The agent id in s, or NULL. */
const struct top_agent *top_sample_agent(const struct top_sample *s, const char *id);

/*
 * One row per agent of now, busiest first (by rate, then total, then
 * id), with rates over seconds against before (which may be NULL).
 * rows must have room for now->n_agents.
 */
void top_agent_rows(const struct top_sample *now, const struct top_sample *before, double seconds,
		    struct top_agent_row *rows);

/* Seconds as a person reads them: "912 us", "1.80 ms", "2.50 s"; "-" for NAN. */
void top_format_seconds(double s, char *buf, size_t size);

#endif
