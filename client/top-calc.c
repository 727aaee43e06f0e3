/* maestroctl top: the figures it shows, computed from system.metrics results. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top-calc.h"

double
top_histogram_quantile(double q, const struct top_histogram *h)
{
	double total = h->count, rank, prev = 0, lower = 0;

	if (isnan(q))
		return TOP_NONE;
	if (q < 0)
		return -(double)INFINITY;
	if (q > 1)
		return (double)INFINITY;
	/* The +Inf bucket can be no smaller than the last finite one. */
	if (h->n > 0 && h->cumulative[h->n - 1] > total)
		total = h->cumulative[h->n - 1];
	if (!(total > 0))
		return TOP_NONE;
	rank = q * total;
	for (size_t i = 0; i < h->n; i++) {
		/*
		 * Counts taken as a running maximum, as Prometheus forces them
		 * monotonic: a delta of two samples taken mid-update must not
		 * yield a negative share. "> 0" skips leading empty buckets, so
		 * that q = 0 lands on the lower bound of the first bucket with
		 * an observation instead of dividing 0 by 0.
		 */
		double cum = h->cumulative[i] > prev ? h->cumulative[i] : prev;

		if (cum >= rank && cum > prev) {
			if (i == 0 && h->le[0] <= 0)
				return h->le[0];
			return lower + (h->le[i] - lower) * ((rank - prev) / (cum - prev));
		}
		prev = cum;
		lower = h->le[i];
	}
	/* In the +Inf bucket: its lower bound is all that is known. */
	return h->n > 0 ? h->le[h->n - 1] : TOP_NONE;
}

bool
top_histogram_delta(const struct top_histogram *now, const struct top_histogram *before,
		    struct top_histogram *out)
{
	if (now->n != before->n)
		return false;
	for (size_t i = 0; i < now->n; i++)
		if (now->le[i] != before->le[i])
			return false;
	*out = *now;
	if (now->count < before->count)
		return true; /* a reset: everything in now is new */
	out->count = now->count - before->count;
	out->sum = now->sum - before->sum;
	for (size_t i = 0; i < now->n; i++) {
		double d = now->cumulative[i] - before->cumulative[i];

		out->cumulative[i] = d > 0 ? d : 0;
	}
	return true;
}

double
top_rate(double now, double before, double seconds)
{
	if (isnan(now) || isnan(before) || !(seconds > 0))
		return TOP_NONE;
	if (now < before)
		return now / seconds;
	return (now - before) / seconds;
}

double
top_interval(const struct top_sample *now, const struct top_sample *before)
{
	double dt, moved;

	if (now == NULL || before == NULL || !now->valid || !before->valid)
		return TOP_NONE;
	/* Start times are microseconds in a double: a restart moves them by far more. */
	moved = now->start_time - before->start_time;
	if (!(moved < 1e-3 && moved > -1e-3))
		return TOP_NONE;
	dt = now->uptime - before->uptime;
	return dt > 0 ? dt : TOP_NONE;
}

/* The number at member name of o; NAN when absent, null or not a number. */
static double
get_number(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v))
		return TOP_NONE;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return TOP_NONE;
	return json_object_get_double(v);
}

static const char *
get_label(struct json_object *sample, const char *name)
{
	struct json_object *labels, *v;

	if (!json_object_object_get_ex(sample, "labels", &labels) ||
	    !json_object_object_get_ex(labels, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The samples array of family name, or NULL. */
static struct json_object *
family_samples(struct json_object *metrics, const char *name)
{
	struct json_object *family, *samples;

	if (!json_object_object_get_ex(metrics, name, &family) ||
	    !json_object_object_get_ex(family, "samples", &samples) ||
	    !json_object_is_type(samples, json_type_array))
		return NULL;
	return samples;
}

/* The value of a family's sample without labels (the first one); NAN when absent. */
static double
family_value(struct json_object *metrics, const char *name)
{
	struct json_object *samples = family_samples(metrics, name);

	if (samples == NULL || json_object_array_length(samples) == 0)
		return TOP_NONE;
	return get_number(json_object_array_get_idx(samples, 0), "value");
}

static void
histogram_from_json(struct json_object *metrics, const char *name, struct top_histogram *h)
{
	struct json_object *samples = family_samples(metrics, name), *s, *buckets;

	memset(h, 0, sizeof *h);
	h->count = h->sum = TOP_NONE;
	if (samples == NULL || json_object_array_length(samples) == 0)
		return;
	s = json_object_array_get_idx(samples, 0);
	h->count = get_number(s, "count");
	h->sum = get_number(s, "sum");
	if (!json_object_object_get_ex(s, "buckets", &buckets) ||
	    !json_object_is_type(buckets, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(buckets) && h->n < TOP_BUCKETS_MAX; i++) {
		struct json_object *b = json_object_array_get_idx(buckets, i);
		double le = get_number(b, "le"), count = get_number(b, "count");

		/* Bounds must ascend for the interpolation; skip what does not. */
		if (isnan(le) || isnan(count) || (h->n > 0 && le <= h->le[h->n - 1]))
			continue;
		h->le[h->n] = le;
		h->cumulative[h->n] = count;
		h->n++;
	}
}

/* The agent id of s, added (in id order) when new; NULL when out of memory. */
static struct top_agent *
agent_get(struct top_sample *s, const char *id, size_t *cap)
{
	size_t lo = 0, hi = s->n_agents;
	struct top_agent *a;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->agents[mid].id, id);

		if (c == 0)
			return &s->agents[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->n_agents == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct top_agent *n = reallocarray(s->agents, ncap, sizeof *n);

		if (n == NULL)
			return NULL;
		s->agents = n;
		*cap = ncap;
	}
	memmove(&s->agents[lo + 1], &s->agents[lo], (s->n_agents - lo) * sizeof *s->agents);
	a = &s->agents[lo];
	memset(a, 0, sizeof *a);
	/* Ids are at most 64 characters; a longer one is cut, never overflows. */
	snprintf(a->id, sizeof a->id, "%s", id);
	a->trust = a->tokens = TOP_NONE;
	s->n_agents++;
	return a;
}

static int
verdict_of(const char *name)
{
	static const char *const names[TOP_VERDICTS] = { "allow", "ask", "deny" };

	for (int v = 0; v < TOP_VERDICTS; v++)
		if (name != NULL && strcmp(name, names[v]) == 0)
			return v;
	return -1;
}

/* Decisions by verdict, for the totals and per agent. */
static int
decisions_from_json(struct json_object *metrics, struct top_sample *out, size_t *cap)
{
	struct json_object *samples = family_samples(metrics, "maestro_decisions_total");

	for (size_t i = 0; samples != NULL && i < json_object_array_length(samples); i++) {
		struct json_object *s = json_object_array_get_idx(samples, i);
		int v = verdict_of(get_label(s, "decision"));
		const char *id = get_label(s, "agent");
		double n = get_number(s, "value");
		struct top_agent *a;

		if (v < 0 || isnan(n))
			continue;
		out->decisions[v] += n;
		if (id == NULL)
			continue;
		a = agent_get(out, id, cap);
		if (a == NULL)
			return -ENOMEM;
		a->decisions[v] += n;
	}
	return 0;
}

/* A per-agent gauge or counter (trust, tokens) into the member at offset of each agent. */
static int
agent_values_from_json(struct json_object *metrics, const char *family, size_t offset,
		       struct top_sample *out, size_t *cap)
{
	struct json_object *samples = family_samples(metrics, family);

	for (size_t i = 0; samples != NULL && i < json_object_array_length(samples); i++) {
		struct json_object *s = json_object_array_get_idx(samples, i);
		const char *id = get_label(s, "agent");
		struct top_agent *a;

		if (id == NULL)
			continue;
		a = agent_get(out, id, cap);
		if (a == NULL)
			return -ENOMEM;
		*(double *)((char *)a + offset) = get_number(s, "value");
	}
	return 0;
}

int
top_sample_from_json(struct json_object *metrics, struct top_sample *out)
{
	struct json_object *samples = family_samples(metrics, "maestro_build_info");
	const char *version = NULL;
	size_t cap = 0;
	double failing;

	memset(out, 0, sizeof *out);
	if (samples != NULL && json_object_array_length(samples) > 0)
		version = get_label(json_object_array_get_idx(samples, 0), "version");
	snprintf(out->version, sizeof out->version, "%s", version ? version : "?");
	out->start_time = family_value(metrics, "maestro_start_time_seconds");
	out->uptime = family_value(metrics, "maestro_uptime_seconds");
	histogram_from_json(metrics, "maestro_evaluate_duration_seconds", &out->evaluate);
	histogram_from_json(metrics, "maestro_audit_commit_duration_seconds", &out->audit_commit);
	out->pipeline_errors = family_value(metrics, "maestro_pipeline_errors_total");
	out->timeouts = family_value(metrics, "maestro_pipeline_timeouts_total");
	out->audit_queue = family_value(metrics, "maestro_audit_queue_depth");
	out->audit_committed = family_value(metrics, "maestro_audit_rows_committed_total");
	out->audit_failed = family_value(metrics, "maestro_audit_rows_failed_total");
	failing = family_value(metrics, "maestro_audit_failing");
	out->audit_failing = !isnan(failing) && failing != 0;
	out->connections_open = family_value(metrics, "maestro_connections_open");
	out->connections_total = family_value(metrics, "maestro_connections_total");
	out->connections_refused = family_value(metrics, "maestro_connections_refused_total");
	out->requests_total = family_value(metrics, "maestro_requests_total");
	out->requests_failed = family_value(metrics, "maestro_requests_failed_total");
	out->worker_queue = family_value(metrics, "maestro_worker_queue_depth");
	if (decisions_from_json(metrics, out, &cap) < 0 ||
	    agent_values_from_json(metrics, "maestro_agent_trust_score",
				   offsetof(struct top_agent, trust), out, &cap) < 0 ||
	    agent_values_from_json(metrics, "maestro_agent_tokens_used_total",
				   offsetof(struct top_agent, tokens), out, &cap) < 0) {
		top_sample_clear(out);
		return -ENOMEM;
	}
	out->valid = true;
	return 0;
}

void
top_sample_clear(struct top_sample *s)
{
	free(s->agents);
	memset(s, 0, sizeof *s);
}

const struct top_agent *
top_sample_agent(const struct top_sample *s, const char *id)
{
	size_t lo = 0, hi = s->n_agents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->agents[mid].id, id);

		if (c == 0)
			return &s->agents[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static double
agent_total(const struct top_agent *a)
{
	return a->decisions[TOP_ALLOW] + a->decisions[TOP_ASK] + a->decisions[TOP_DENY];
}

/* NAN sorts as slower than any rate, so rows without one go last among equals. */
static int
row_cmp(const void *x, const void *y)
{
	const struct top_agent_row *a = x, *b = y;
	double ra = isnan(a->rate) ? -1 : a->rate, rb = isnan(b->rate) ? -1 : b->rate;

	if (ra != rb)
		return ra > rb ? -1 : 1;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->agent->id, b->agent->id);
}

void
top_agent_rows(const struct top_sample *now, const struct top_sample *before, double seconds,
	       struct top_agent_row *rows)
{
	for (size_t i = 0; i < now->n_agents; i++) {
		const struct top_agent *a = &now->agents[i];
		const struct top_agent *b = before ? top_sample_agent(before, a->id) : NULL;
		double total = agent_total(a);

		rows[i].agent = a;
		rows[i].total = total;
		rows[i].deny_share = total > 0 ? a->decisions[TOP_DENY] / total : TOP_NONE;
		/* An agent absent before had made no decisions then: its counters started at 0. */
		rows[i].rate = before != NULL ? top_rate(total, b ? agent_total(b) : 0, seconds)
					       : TOP_NONE;
	}
	if (now->n_agents > 1)
		qsort(rows, now->n_agents, sizeof *rows, row_cmp);
}

void
top_format_seconds(double s, char *buf, size_t size)
{
	if (isnan(s))
		snprintf(buf, size, "-");
	else if (s < 1e-3)
		snprintf(buf, size, "%.0f us", s * 1e6);
	else if (s < 1)
		snprintf(buf, size, "%.2f ms", s * 1e3);
	else
		snprintf(buf, size, "%.2f s", s);
}
