/* Unit tests for daemon/metrics*.c: buckets, escaping, the text format and metrics_listen. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <event2/buffer.h>

#include "config.h"
#include "metrics.h"
#include "pipeline.h"
#include "unit.h"
#include "util.h"

/* The evbuffer's contents as a C string, owned by the buffer. */
static const char *
text_of(struct evbuffer *b)
{
	evbuffer_add(b, "", 1);
	return (const char *)evbuffer_pullup(b, -1);
}

START_TEST(test_bucket_placement)
{
	struct metrics_histogram h = { 0 };

	/* le is inclusive: an observation equal to a bound belongs to that bucket. */
	metrics_histogram_observe(&h, 0);
	metrics_histogram_observe(&h, 50);
	metrics_histogram_observe(&h, 51);
	metrics_histogram_observe(&h, 1000);
	metrics_histogram_observe(&h, 1001);
	metrics_histogram_observe(&h, 5000000);
	metrics_histogram_observe(&h, 5000001);
	metrics_histogram_observe(&h, UINT64_MAX / 4);
	ck_assert_uint_eq(h.buckets[0], 2);
	ck_assert_uint_eq(h.buckets[1], 1);
	ck_assert_uint_eq(metrics_bucket_usec[4], 1000);
	ck_assert_uint_eq(h.buckets[4], 1);
	ck_assert_uint_eq(h.buckets[5], 1);
	ck_assert_uint_eq(h.buckets[METRICS_BUCKETS - 1], 1);
	ck_assert_uint_eq(h.buckets[METRICS_BUCKETS], 2);
	ck_assert_uint_eq(h.count, 8);
	ck_assert_uint_eq(h.sum_usec, 0 + 50 + 51 + 1000 + 1001 + 5000000 + 5000001 + UINT64_MAX / 4);
	for (unsigned i = 1; i < METRICS_BUCKETS; i++)
		ck_assert_uint_lt(metrics_bucket_usec[i - 1], metrics_bucket_usec[i]);
}
END_TEST

START_TEST(test_label_escaping)
{
	struct evbuffer *b = evbuffer_new();

	metrics_escape_label_value(b, "plain");
	evbuffer_add(b, "|", 1);
	metrics_escape_label_value(b, "a\\b\"c\nd");
	evbuffer_add(b, "|", 1);
	metrics_escape_label_value(b, "\\\\\"\"\n\n");
	evbuffer_add(b, "|", 1);
	metrics_escape_label_value(b, "tab\tand é stay");
	evbuffer_add(b, "|", 1);
	metrics_escape_label_value(b, "");
	ck_assert_str_eq(text_of(b),
			 "plain|a\\\\b\\\"c\\nd|\\\\\\\\\\\"\\\"\\n\\n|tab\tand é stay|");
	evbuffer_free(b);
}
END_TEST

START_TEST(test_label_escaping_in_samples)
{
	struct evbuffer *b = evbuffer_new();
	struct metrics_sink s = { .text = b };
	struct metrics_label l[] = { { "a", "x\"y" }, { "b", "1\\2\n3" } };

	/* HELP escapes backslash and newline but leaves quotes alone. */
	metrics_family(&s, "maestro_test", "gauge", "a \"quoted\" \\ help\nline");
	metrics_sample(&s, l, 2, 0.25);
	metrics_sample(&s, NULL, 0, 3);
	ck_assert_str_eq(text_of(b), "# HELP maestro_test a \"quoted\" \\\\ help\\nline\n"
				     "# TYPE maestro_test gauge\n"
				     "maestro_test{a=\"x\\\"y\",b=\"1\\\\2\\n3\"} 0.25\n"
				     "maestro_test 3\n");
	evbuffer_free(b);
}
END_TEST

START_TEST(test_format_value)
{
	char buf[64];

	metrics_format_value(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "0");
	metrics_format_value(1234567, buf, sizeof buf);
	ck_assert_str_eq(buf, "1234567");
	metrics_format_value(0.8, buf, sizeof buf);
	ck_assert_str_eq(buf, "0.8");
	metrics_format_value(50 / 1e6, buf, sizeof buf);
	ck_assert_str_eq(buf, "5e-05");
	metrics_format_value(2.5, buf, sizeof buf);
	ck_assert_str_eq(buf, "2.5");
	metrics_format_value(0.1 + 0.2, buf, sizeof buf);
	ck_assert_str_eq(buf, "0.30000000000000004");
	metrics_format_value((double)NAN, buf, sizeof buf);
	ck_assert_str_eq(buf, "NaN");
	metrics_format_value((double)INFINITY, buf, sizeof buf);
	ck_assert_str_eq(buf, "+Inf");
	metrics_format_value(-(double)INFINITY, buf, sizeof buf);
	ck_assert_str_eq(buf, "-Inf");
}
END_TEST

static struct metrics_decision
decision(const char *agent, enum verdict v, enum risk_level r, uint64_t usec)
{
	struct metrics_decision d = {
		.agent = agent,
		.verdict = v,
		.risk = r,
		.total_usec = usec,
		.subagent_usec = { usec / 2, usec / 4, 0 },
		.subagent_finished = { true, true, false },
	};

	return d;
}

/* The text of one family, from its HELP line to the next family's. */
static char *
family_text(const char *all, const char *name)
{
	char head[128];
	const char *start, *end;

	snprintf(head, sizeof head, "# HELP %s ", name);
	start = strstr(all, head);
	ck_assert_msg(start != NULL, "no family %s in:\n%s", name, all);
	end = strstr(start + 1, "# HELP ");
	return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

START_TEST(test_text_output)
{
	struct metrics *m = NULL;
	struct evbuffer *b = evbuffer_new();
	struct metrics_sink s = { .text = b };
	struct metrics_decision d;
	char *f;

	ck_assert_int_eq(metrics_new(&m), 0);
	d = decision("build-bot", VERDICT_ALLOW, RISK_LOW, 800);
	metrics_decision(m, &d);
	metrics_decision(m, &d);
	d = decision("build-bot", VERDICT_DENY, RISK_CRITICAL, 3000);
	d.pipeline_error = true;
	metrics_decision(m, &d);
	d = decision("alpha", VERDICT_ASK, RISK_HIGH, 20);
	d.timeout = true;
	d.subagent_finished[1] = false;
	metrics_decision(m, &d);
	/* Not an agent id: counted, but never as a label value of its own. */
	d = decision("Bad\"Id\n", VERDICT_DENY, RISK_LOW, 10);
	metrics_decision(m, &d);
	metrics_emit(m, &s);

	f = family_text(text_of(b), "maestro_decisions_total");
	ck_assert_str_eq(f,
		"# HELP maestro_decisions_total Governance decisions answered, by decision, "
		"risk level and agent.\n"
		"# TYPE maestro_decisions_total counter\n"
		"maestro_decisions_total{decision=\"ask\",risk=\"HIGH\",agent=\"alpha\"} 1\n"
		"maestro_decisions_total{decision=\"allow\",risk=\"LOW\",agent=\"build-bot\"} 2\n"
		"maestro_decisions_total{decision=\"deny\",risk=\"CRITICAL\",agent=\"build-bot\"} 1\n"
		"maestro_decisions_total{decision=\"deny\",risk=\"LOW\",agent=\"_other\"} 1\n");
	free(f);

	f = family_text(text_of(b), "maestro_evaluate_duration_seconds");
	ck_assert_ptr_nonnull(strstr(f, "# TYPE maestro_evaluate_duration_seconds histogram\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_evaluate_duration_seconds_bucket{le=\"5e-05\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_evaluate_duration_seconds_bucket{le=\"0.0005\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_evaluate_duration_seconds_bucket{le=\"0.001\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_evaluate_duration_seconds_bucket{le=\"0.005\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_evaluate_duration_seconds_bucket{le=\"+Inf\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_evaluate_duration_seconds_sum 0.00463\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_evaluate_duration_seconds_count 5\n"));
	free(f);

	f = family_text(text_of(b), "maestro_subagent_duration_seconds");
	ck_assert_ptr_nonnull(strstr(f, "maestro_subagent_duration_seconds_count{subagent=\"justica\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_subagent_duration_seconds_count{subagent=\"sofia\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_subagent_duration_seconds_count{subagent=\"armor\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(f, "maestro_subagent_duration_seconds_bucket{subagent=\"justica\",le=\"0.0025\"} 5\n"));
	free(f);

	f = family_text(text_of(b), "maestro_pipeline_errors_total");
	ck_assert_ptr_nonnull(strstr(f, "\nmaestro_pipeline_errors_total 1\n"));
	free(f);
	f = family_text(text_of(b), "maestro_pipeline_timeouts_total");
	ck_assert_ptr_nonnull(strstr(f, "\nmaestro_pipeline_timeouts_total 1\n"));
	free(f);

	evbuffer_free(b);
	m = metrics_free(m);
	ck_assert_ptr_null(m);
	ck_assert_ptr_null(metrics_free(NULL));
}
END_TEST

START_TEST(test_agent_cap)
{
	struct metrics *m = NULL;
	struct evbuffer *b = evbuffer_new();
	struct metrics_sink s = { .text = b };
	struct metrics_decision d;
	char id[32];
	const char *p;
	unsigned lines = 0;

	ck_assert_int_eq(metrics_new(&m), 0);
	/* In descending order, so every insert shifts the sorted table. */
	for (int i = 299; i >= 0; i--) {
		snprintf(id, sizeof id, "agent-%03d", i);
		d = decision(id, VERDICT_ALLOW, RISK_LOW, 100);
		metrics_decision(m, &d);
	}
	metrics_emit(m, &s);
	for (p = text_of(b); (p = strstr(p, "\nmaestro_decisions_total{")) != NULL; p++)
		lines++;
	/* 256 agents of their own, and the 44 that came last under _other. */
	ck_assert_uint_eq(lines, 257);
	ck_assert_ptr_nonnull(strstr(text_of(b), "agent=\"agent-299\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text_of(b), "agent=\"agent-044\"} 1\n"));
	ck_assert_ptr_null(strstr(text_of(b), "agent=\"agent-043\""));
	ck_assert_ptr_nonnull(strstr(text_of(b), "agent=\"_other\"} 44\n"));
	/* Sorted by id. */
	ck_assert(strstr(text_of(b), "agent-044") < strstr(text_of(b), "agent-045"));
	evbuffer_free(b);
	metrics_free(m);
}
END_TEST

START_TEST(test_json_matches_text)
{
	struct metrics *m = NULL;
	struct metrics_sink s = { .json = json_object_new_object() };
	struct metrics_decision d;
	struct json_object *fam, *samples, *x, *v;

	ck_assert_int_eq(metrics_new(&m), 0);
	d = decision("build-bot", VERDICT_DENY, RISK_CRITICAL, 1500);
	metrics_decision(m, &d);
	metrics_decision(m, &d);
	metrics_emit(m, &s);

	ck_assert(json_object_object_get_ex(s.json, "maestro_decisions_total", &fam));
	ck_assert(json_object_object_get_ex(fam, "type", &x));
	ck_assert_str_eq(json_object_get_string(x), "counter");
	ck_assert(json_object_object_get_ex(fam, "samples", &samples));
	ck_assert_uint_eq(json_object_array_length(samples), 1);
	x = json_object_array_get_idx(samples, 0);
	ck_assert(json_object_object_get_ex(x, "value", &v));
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert_int_eq(json_object_get_int64(v), 2);
	ck_assert(json_object_object_get_ex(x, "labels", &v));
	ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
			 "{\"decision\":\"deny\",\"risk\":\"CRITICAL\",\"agent\":\"build-bot\"}");

	ck_assert(json_object_object_get_ex(s.json, "maestro_evaluate_duration_seconds", &fam));
	ck_assert(json_object_object_get_ex(fam, "samples", &samples));
	x = json_object_array_get_idx(samples, 0);
	ck_assert(json_object_object_get_ex(x, "count", &v));
	ck_assert_int_eq(json_object_get_int64(v), 2);
	ck_assert(json_object_object_get_ex(x, "sum", &v));
	ck_assert_double_eq_tol(json_object_get_double(v), 0.003, 1e-12);
	ck_assert_str_eq(json_object_to_json_string(v), "0.003");
	ck_assert(json_object_object_get_ex(x, "buckets", &v));
	ck_assert_uint_eq(json_object_array_length(v), METRICS_BUCKETS);
	/* 1.5 ms: not in le=0.001 (index 4), in le=0.0025 (index 5). */
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(v, 4), "count", &x));
	ck_assert_int_eq(json_object_get_int64(x), 0);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(v, 5), "count", &x));
	ck_assert_int_eq(json_object_get_int64(x), 2);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(v, 5), "le", &x));
	ck_assert_str_eq(json_object_to_json_string(x), "0.0025");

	json_object_put(s.json);
	metrics_free(m);
}
END_TEST

static int
parse_listen(const char *value, struct config *cfg, struct config_error *err)
{
	char text[256];

	snprintf(text, sizeof text, "metrics_listen = %s\n", value);
	config_init(cfg);
	memset(err, 0, sizeof *err);
	return config_parse(cfg, "test.conf", text, strlen(text), err);
}

START_TEST(test_config_listen)
{
	static const struct {
		const char *value, *host;
		unsigned port;
	} good[] = {
		{ "127.0.0.1:9464", "127.0.0.1", 9464 },
		{ "127.1.2.3:1", "127.1.2.3", 1 },
		{ "[::1]:65535", "::1", 65535 },
	};
	static const struct {
		const char *value, *message;
		unsigned column;
	} bad[] = {
		{ "0.0.0.0:9464", "not a loopback address", 18 },
		{ "192.168.1.1:9464", "not a loopback address", 18 },
		{ "[::]:9464", "not a loopback address", 18 },
		{ "[::ffff:127.0.0.1]:9464", "not a loopback address", 18 },
		{ "localhost:9464", "not a numeric IPv4 address", 18 },
		{ "127.1:9464", "not a numeric IPv4 address", 18 },
		{ "::1:9464", "in brackets", 18 },
		{ "127.0.0.1", "HOST:PORT", 18 },
		{ "[::1]9464", "HOST:PORT", 18 },
		{ "127.0.0.1:0", "from 1 to 65535", 28 },
		{ "127.0.0.1:65536", "from 1 to 65535", 28 },
		{ "127.0.0.1:http", "from 1 to 65535", 28 },
		{ "127.0.0.1:", "from 1 to 65535", 28 },
	};
	struct config cfg;
	struct config_error err;

	config_init(&cfg);
	ck_assert_ptr_null(cfg.metrics_host); /* off unless set */
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_msg(parse_listen(good[i].value, &cfg, &err) == 0, "%s: %s", good[i].value,
			      err.message);
		ck_assert_str_eq(cfg.metrics_host, good[i].host);
		ck_assert_uint_eq(cfg.metrics_port, good[i].port);
		config_clear(&cfg);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(parse_listen(bad[i].value, &cfg, &err) == -EINVAL, "%s accepted",
			      bad[i].value);
		ck_assert_msg(strstr(err.message, bad[i].message) != NULL, "%s: %s", bad[i].value,
			      err.message);
		ck_assert_str_eq(err.file, "test.conf");
		ck_assert_uint_eq(err.line, 1);
		ck_assert_msg(err.column == bad[i].column, "%s: column %u", bad[i].value, err.column);
		config_clear(&cfg);
	}
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_bucket_placement);
	tcase_add_test(tc, test_label_escaping);
	tcase_add_test(tc, test_label_escaping_in_samples);
	tcase_add_test(tc, test_format_value);
	tcase_add_test(tc, test_text_output);
	tcase_add_test(tc, test_agent_cap);
	tcase_add_test(tc, test_json_matches_text);
	tcase_add_test(tc, test_config_listen);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(metrics_suite());
}
