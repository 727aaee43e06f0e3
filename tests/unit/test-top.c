/* Unit tests for client/top-calc.c: maestroctl top's percentiles, rates and samples. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "metrics.h"
#include "top-calc.h"
#include "unit.h"

#define EPS 1e-9

/* A histogram from finite bounds and cumulative counts; count is the +Inf bucket. */
static struct top_histogram
hist(size_t n, const double *le, const double *cum, double count)
{
	struct top_histogram h = { .count = count, .n = n };

	for (size_t i = 0; i < n; i++) {
		h.le[i] = le[i];
		h.cumulative[i] = cum[i];
	}
	return h;
}

START_TEST(test_quantile_interpolates)
{
	/* Ten observations, all in (1, 2]: the median is halfway, p90 at 90%. */
	struct top_histogram h = hist(3, (double[]){ 1, 2, 4 }, (double[]){ 0, 10, 10 }, 10);

	ck_assert_double_eq_tol(top_histogram_quantile(0.5, &h), 1.5, EPS);
	ck_assert_double_eq_tol(top_histogram_quantile(0.9, &h), 1.9, EPS);
	ck_assert_double_eq_tol(top_histogram_quantile(0.99, &h), 1.99, EPS);
	ck_assert_double_eq_tol(top_histogram_quantile(1, &h), 2, EPS);

	/* Across buckets: 4 in (0, 1], 4 in (1, 2], 2 in (2, 4]. */
	h = hist(3, (double[]){ 1, 2, 4 }, (double[]){ 4, 8, 10 }, 10);
	ck_assert_double_eq_tol(top_histogram_quantile(0.2, &h), 0.5, EPS);  /* rank 2 of 4 */
	ck_assert_double_eq_tol(top_histogram_quantile(0.5, &h), 1.25, EPS); /* rank 1 of 4 past 4 */
	ck_assert_double_eq_tol(top_histogram_quantile(0.9, &h), 3, EPS);    /* rank 1 of 2 past 8 */
	/* A rank on a bucket's boundary belongs to that bucket: its upper bound. */
	ck_assert_double_eq_tol(top_histogram_quantile(0.4, &h), 1, EPS);
	ck_assert_double_eq_tol(top_histogram_quantile(0.8, &h), 2, EPS);
}
END_TEST

START_TEST(test_quantile_edges)
{
	struct top_histogram h = hist(2, (double[]){ 1, 2 }, (double[]){ 0, 0 }, 0);

	/* Nothing observed: no figure. */
	ck_assert(isnan(top_histogram_quantile(0.5, &h)));
	ck_assert(isnan(top_histogram_quantile(0.5, &(struct top_histogram){ .count = TOP_NONE })));
	/* Out of range q, as Prometheus answers it. */
	h = hist(2, (double[]){ 1, 2 }, (double[]){ 1, 2 }, 2);
	ck_assert(isinf(top_histogram_quantile(-0.1, &h)) && top_histogram_quantile(-0.1, &h) < 0);
	ck_assert(isinf(top_histogram_quantile(1.1, &h)) && top_histogram_quantile(1.1, &h) > 0);
	ck_assert(isnan(top_histogram_quantile(TOP_NONE, &h)));

	/* Everything beyond the last bound: the last bound is all that is known. */
	h = hist(2, (double[]){ 1, 2 }, (double[]){ 0, 0 }, 5);
	ck_assert_double_eq_tol(top_histogram_quantile(0.5, &h), 2, EPS);
	/* p99 of 100 with one beyond the last bound: rank 99 is still in (1, 2]. */
	h = hist(2, (double[]){ 1, 2 }, (double[]){ 0, 99 }, 100);
	ck_assert_double_eq_tol(top_histogram_quantile(0.99, &h), 2, EPS);
	ck_assert_double_eq_tol(top_histogram_quantile(0.995, &h), 2, EPS);

	/* q = 0: the lower bound of the first bucket holding anything, not 0/0. */
	h = hist(3, (double[]){ 1, 2, 4 }, (double[]){ 0, 0, 3 }, 3);
	ck_assert_double_eq_tol(top_histogram_quantile(0, &h), 2, EPS);

	/* Counts that dip (two samples taken mid-update) are read as monotonic. */
	h = hist(3, (double[]){ 1, 2, 4 }, (double[]){ 4, 3, 8 }, 8);
	ck_assert_double_eq_tol(top_histogram_quantile(0.75, &h), 3, EPS); /* rank 2 of 4 past 4 */
	/* A +Inf count below the last bucket's is raised to it. */
	h = hist(2, (double[]){ 1, 2 }, (double[]){ 2, 4 }, 3);
	ck_assert_double_eq_tol(top_histogram_quantile(0.5, &h), 1, EPS);
	/* No finite buckets at all. */
	h = hist(0, NULL, NULL, 3);
	ck_assert(isnan(top_histogram_quantile(0.5, &h)));
}
END_TEST

/* Against maestrod's own histogram: observations of 1..100 ms, one each. */
START_TEST(test_quantile_daemon_buckets)
{
	struct metrics_histogram mh = { 0 };
	struct top_histogram h = { 0 };
	uint64_t cum = 0;

	for (uint64_t ms = 1; ms <= 100; ms++)
		metrics_histogram_observe(&mh, ms * 1000);
	for (unsigned i = 0; i < METRICS_BUCKETS; i++) {
		cum += mh.buckets[i];
		h.le[i] = (double)metrics_bucket_usec[i] / 1e6;
		h.cumulative[i] = (double)cum;
	}
	h.n = METRICS_BUCKETS;
	h.count = (double)mh.count;
	/* 50 observations are <= 50 ms, a bucket bound: the estimate is exact there. */
	ck_assert_double_eq_tol(top_histogram_quantile(0.5, &h), 0.050, EPS);
	/* Rank 90 of the 50 in (50 ms, 100 ms]: 50 + 50 * 40/50. */
	ck_assert_double_eq_tol(top_histogram_quantile(0.9, &h), 0.090, EPS);
	ck_assert_double_eq_tol(top_histogram_quantile(0.99, &h), 0.099, EPS);
	/* The 10th observation is 10 ms, another bound: exact again. */
	ck_assert_double_eq_tol(top_histogram_quantile(0.1, &h), 0.010, EPS);
}
END_TEST

START_TEST(test_rate)
{
	ck_assert_double_eq_tol(top_rate(30, 10, 2), 10, EPS);
	ck_assert_double_eq_tol(top_rate(10, 10, 0.5), 0, EPS);
	/* A counter that went down was reset: all of it is new. */
	ck_assert_double_eq_tol(top_rate(4, 100, 2), 2, EPS);
	ck_assert(isnan(top_rate(10, 5, 0)));
	ck_assert(isnan(top_rate(10, 5, -1)));
	ck_assert(isnan(top_rate(10, 5, TOP_NONE)));
	ck_assert(isnan(top_rate(TOP_NONE, 5, 1)));
	ck_assert(isnan(top_rate(10, TOP_NONE, 1)));
}
END_TEST

START_TEST(test_histogram_delta)
{
	struct top_histogram before = hist(3, (double[]){ 1, 2, 4 }, (double[]){ 4, 8, 10 }, 12);
	struct top_histogram now = hist(3, (double[]){ 1, 2, 4 }, (double[]){ 4, 18, 20 }, 22);
	struct top_histogram d;

	before.sum = 10;
	now.sum = 25;
	ck_assert(top_histogram_delta(&now, &before, &d));
	ck_assert_double_eq_tol(d.count, 10, EPS);
	ck_assert_double_eq_tol(d.sum, 15, EPS);
	ck_assert_double_eq_tol(d.cumulative[0], 0, EPS);
	ck_assert_double_eq_tol(d.cumulative[1], 10, EPS);
	ck_assert_double_eq_tol(d.cumulative[2], 10, EPS);
	/* The interval's ten observations were all in (1, 2]. */
	ck_assert_double_eq_tol(top_histogram_quantile(0.5, &d), 1.5, EPS);

	/* Fewer observations than before: maestrod restarted, now counts whole. */
	ck_assert(top_histogram_delta(&before, &now, &d));
	ck_assert_double_eq_tol(d.count, 12, EPS);
	ck_assert_double_eq_tol(d.cumulative[1], 8, EPS);

	/* Other bounds: not comparable. */
	now.le[1] = 3;
	ck_assert(!top_histogram_delta(&now, &before, &d));
	now.n = 2;
	ck_assert(!top_histogram_delta(&now, &before, &d));
}
END_TEST

/*
 * A system.metrics result written by maestrod's own emitting code (the
 * decision families) and its sink (the agent families), so the parser is
 * checked against the shape maestrod really sends.
 */
static struct json_object *
metrics_json(unsigned allow, unsigned deny, double uptime)
{
	struct metrics_sink sink = { .json = json_object_new_object() };
	struct metrics *m = NULL;
	struct metrics_decision dec = { .agent = "build-bot", .verdict = 0, .risk = 0,
					.total_usec = 2000 };

	ck_assert_int_eq(metrics_new(&m), 0);
	for (unsigned i = 0; i < allow; i++)
		metrics_decision(m, &dec);
	dec.verdict = 2;
	dec.risk = 3;
	dec.total_usec = 30000;
	for (unsigned i = 0; i < deny; i++)
		metrics_decision(m, &dec);
	dec.agent = "gone-bot"; /* decided once, then deleted: no trust any more */
	dec.verdict = 1;
	dec.pipeline_error = true;
	metrics_decision(m, &dec);

	metrics_family(&sink, "maestro_build_info", "gauge", "b");
	metrics_sample(&sink, (struct metrics_label[]){ { "version", "9.8.7" } }, 1, 1);
	metrics_family(&sink, "maestro_start_time_seconds", "gauge", "s");
	metrics_sample(&sink, NULL, 0, 1700000000.123456);
	metrics_family(&sink, "maestro_uptime_seconds", "gauge", "u");
	metrics_sample(&sink, NULL, 0, uptime);
	metrics_emit(m, &sink);
	metrics_family(&sink, "maestro_audit_queue_depth", "gauge", "q");
	metrics_sample(&sink, NULL, 0, 3);
	metrics_family(&sink, "maestro_agent_trust_score", "gauge", "t");
	metrics_sample(&sink, (struct metrics_label[]){ { "agent", "build-bot" } }, 1, 0.79);
	metrics_sample(&sink, (struct metrics_label[]){ { "agent", "idle-bot" } }, 1, 0.5);
	metrics_family(&sink, "maestro_agent_tokens_used_total", "counter", "k");
	metrics_sample(&sink, (struct metrics_label[]){ { "agent", "build-bot" } }, 1, 1200);
	metrics_sample(&sink, (struct metrics_label[]){ { "agent", "idle-bot" } }, 1, 0);
	metrics_free(m);
	return sink.json;
}

START_TEST(test_sample_from_json)
{
	struct json_object *j = metrics_json(3, 2, 10.5);
	struct top_sample s;
	const struct top_agent *a;

	ck_assert_int_eq(top_sample_from_json(j, &s), 0);
	ck_assert(s.valid);
	ck_assert_str_eq(s.version, "9.8.7");
	ck_assert_double_eq_tol(s.uptime, 10.5, EPS);
	ck_assert_double_eq_tol(s.decisions[TOP_ALLOW], 3, EPS);
	ck_assert_double_eq_tol(s.decisions[TOP_ASK], 1, EPS);
	ck_assert_double_eq_tol(s.decisions[TOP_DENY], 2, EPS);
	ck_assert_double_eq_tol(s.evaluate.count, 6, EPS);
	ck_assert_uint_eq(s.evaluate.n, METRICS_BUCKETS);
	/* Three of six at 2 ms, three at 30 ms: the median is the (1 ms, 2.5 ms] bucket's top. */
	ck_assert_double_eq_tol(top_histogram_quantile(0.5, &s.evaluate), 0.0025, EPS);
	ck_assert_double_eq_tol(s.pipeline_errors, 1, EPS);
	ck_assert_double_eq_tol(s.timeouts, 0, EPS);
	ck_assert_double_eq_tol(s.audit_queue, 3, EPS);
	/* Families this result lacks are "no figure", not 0. */
	ck_assert(isnan(s.connections_open));
	ck_assert(isnan(s.audit_commit.count));
	ck_assert(isnan(top_histogram_quantile(0.5, &s.audit_commit)));

	/* Agents in id order, from the decisions and the registry alike. */
	ck_assert_uint_eq(s.n_agents, 3);
	ck_assert_str_eq(s.agents[0].id, "build-bot");
	ck_assert_str_eq(s.agents[1].id, "gone-bot");
	ck_assert_str_eq(s.agents[2].id, "idle-bot");
	a = top_sample_agent(&s, "build-bot");
	ck_assert_ptr_nonnull(a);
	ck_assert_double_eq_tol(a->decisions[TOP_ALLOW], 3, EPS);
	ck_assert_double_eq_tol(a->decisions[TOP_DENY], 2, EPS);
	ck_assert_double_eq_tol(a->trust, 0.79, EPS);
	ck_assert_double_eq_tol(a->tokens, 1200, EPS);
	a = top_sample_agent(&s, "gone-bot");
	ck_assert(isnan(a->trust) && isnan(a->tokens));
	ck_assert_ptr_null(top_sample_agent(&s, "nobody"));
	top_sample_clear(&s);
	json_object_put(j);

	/* Not the expected shape at all: an empty view, not a crash. */
	j = json_tokener_parse("{\"maestro_decisions_total\":{\"samples\":[1,{\"labels\":7},"
			       "{\"labels\":{\"decision\":\"maybe\",\"agent\":\"x\"},\"value\":1},"
			       "{\"labels\":{\"decision\":\"deny\"},\"value\":\"2\"}]},"
			       "\"maestro_evaluate_duration_seconds\":{\"samples\":[{\"count\":2,"
			       "\"buckets\":[{\"le\":2,\"count\":1},{\"le\":1,\"count\":2},{}]}]}}");
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(top_sample_from_json(j, &s), 0);
	ck_assert_uint_eq(s.n_agents, 0);
	ck_assert_double_eq_tol(s.decisions[TOP_DENY], 0, EPS);
	ck_assert_uint_eq(s.evaluate.n, 1); /* the descending bound and the empty one skipped */
	ck_assert(isnan(s.uptime));
	top_sample_clear(&s);
	json_object_put(j);
}
END_TEST

START_TEST(test_interval_and_rows)
{
	struct json_object *j1 = metrics_json(3, 2, 10.0), *j2 = metrics_json(13, 4, 12.0);
	struct top_sample before, now;
	struct top_agent_row rows[3];
	double dt;

	ck_assert_int_eq(top_sample_from_json(j1, &before), 0);
	ck_assert_int_eq(top_sample_from_json(j2, &now), 0);
	dt = top_interval(&now, &before);
	ck_assert_double_eq_tol(dt, 2, EPS);
	ck_assert_double_eq_tol(top_rate(now.decisions[TOP_ALLOW], before.decisions[TOP_ALLOW], dt),
				5, EPS);
	/* Backwards, or from another run of maestrod: no interval. */
	ck_assert(isnan(top_interval(&before, &now)));
	before.start_time += 5;
	ck_assert(isnan(top_interval(&now, &before)));
	before.start_time -= 5;
	before.valid = false;
	ck_assert(isnan(top_interval(&now, &before)));
	before.valid = true;
	ck_assert(isnan(top_interval(&now, NULL)));

	top_agent_rows(&now, &before, dt, rows);
	/* Busiest first: build-bot moved 12 decisions in 2 s; the others none. */
	ck_assert_str_eq(rows[0].agent->id, "build-bot");
	ck_assert_double_eq_tol(rows[0].rate, 6, EPS);
	ck_assert_double_eq_tol(rows[0].total, 17, EPS);
	ck_assert_double_eq_tol(rows[0].deny_share, 4.0 / 17, EPS);
	/* Equal rates: more decisions first, then by id. */
	ck_assert_str_eq(rows[1].agent->id, "gone-bot");
	ck_assert_double_eq_tol(rows[1].rate, 0, EPS);
	ck_assert_double_eq_tol(rows[1].deny_share, 0, EPS);
	ck_assert_str_eq(rows[2].agent->id, "idle-bot");
	ck_assert(isnan(rows[2].deny_share));

	/* The first sample: totals, but no rates yet. */
	top_agent_rows(&now, NULL, TOP_NONE, rows);
	ck_assert_str_eq(rows[0].agent->id, "build-bot");
	ck_assert(isnan(rows[0].rate));
	ck_assert_double_eq_tol(rows[0].total, 17, EPS);

	top_sample_clear(&before);
	top_sample_clear(&now);
	json_object_put(j1);
	json_object_put(j2);
}
END_TEST

START_TEST(test_format_seconds)
{
	char buf[32];

	top_format_seconds(TOP_NONE, buf, sizeof buf);
	ck_assert_str_eq(buf, "-");
	top_format_seconds(0.000912, buf, sizeof buf);
	ck_assert_str_eq(buf, "912 us");
	top_format_seconds(0.0018, buf, sizeof buf);
	ck_assert_str_eq(buf, "1.80 ms");
	top_format_seconds(2.5, buf, sizeof buf);
	ck_assert_str_eq(buf, "2.50 s");
}
END_TEST

static Suite *
top_suite(void)
{
	Suite *s = suite_create("top");
	TCase *tc = tcase_create("calc");

	tcase_add_test(tc, test_quantile_interpolates);
	tcase_add_test(tc, test_quantile_edges);
	tcase_add_test(tc, test_quantile_daemon_buckets);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_histogram_delta);
	tcase_add_test(tc, test_sample_from_json);
	tcase_add_test(tc, test_interval_and_rows);
	tcase_add_test(tc, test_format_seconds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(top_suite());
}
