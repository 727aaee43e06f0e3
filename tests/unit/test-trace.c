/* Unit tests for daemon/trace.c and daemon/telemetry-otlp.c: traceparent, spans, OTLP JSON. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <event2/buffer.h>
#include <json-c/json.h>
#include <sodium.h>

#include "action.h"
#include "config.h"
#include "pipeline.h"
#include "telemetry.h"
#include "trace.h"
#include "unit.h"

#define CALLER "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

static struct json_object *
parse_buffer(struct evbuffer *b)
{
	struct json_object *o;

	evbuffer_add(b, "", 1);
	o = json_tokener_parse((const char *)evbuffer_pullup(b, -1));
	ck_assert_ptr_nonnull(o);
	return o;
}

static struct json_object *
at(struct json_object *o, const char *path)
{
	char buf[200], *save = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = strtok_r(buf, "/", &save); p && o; p = strtok_r(NULL, "/", &save)) {
		if (p[0] >= '0' && p[0] <= '9')
			o = json_object_array_get_idx(o, (size_t)atoi(p));
		else if (!json_object_object_get_ex(o, p, &o))
			o = NULL;
	}
	ck_assert_msg(o != NULL, "no %s", path);
	return o;
}

/* The value of attribute key in an OTLP attribute list, as text. */
static const char *
otlp_attr(struct json_object *attrs, const char *key)
{
	for (size_t i = 0; i < json_object_array_length(attrs); i++) {
		struct json_object *a = json_object_array_get_idx(attrs, i), *v;

		if (strcmp(json_object_get_string(at(a, "key")), key) != 0)
			continue;
		v = at(a, "value");
		json_object_object_foreach(v, type, val) {
			(void)type;
			return json_object_get_string(val);
		}
	}
	return NULL;
}

static void
sample_trace(struct decision_trace *t, const char *traceparent)
{
	memset(t, 0, sizeof *t);
	t->correlation_id = "c-123";
	t->agent = "agent\"x";
	t->traceparent = traceparent;
	t->method = "governance.evaluate";
	t->verdict = VERDICT_DENY;
	t->risk = RISK_HIGH;
	t->rule = "rules.no-rm";
	t->audit_seq = 42;
	t->received_us = 1000000;
	t->subagent_start_us[0] = 1000010, t->subagent_end_us[0] = 1000048;
	t->subagent_start_us[2] = 1000011, t->subagent_end_us[2] = 1000100;
	/* sofia never finished: no span */
	t->decided_us = 1000120;
	t->committed_us = 1000300;
	t->replied_us = 1000320;
}

START_TEST(test_traceparent)
{
	uint8_t tid[16], pid[8], keep[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };

	ck_assert_int_eq(trace_parse_traceparent(CALLER, tid, pid), 0);
	ck_assert_uint_eq(tid[0], 0x4b);
	ck_assert_uint_eq(tid[15], 0x36);
	ck_assert_uint_eq(pid[0], 0x00);
	ck_assert_uint_eq(pid[7], 0xb7);
	memcpy(pid, keep, 8);
	ck_assert_int_lt(trace_parse_traceparent(NULL, tid, pid), 0);
	ck_assert_int_lt(trace_parse_traceparent("", tid, pid), 0);
	ck_assert_int_lt(trace_parse_traceparent(CALLER "0", tid, pid), 0);
	ck_assert_int_lt(trace_parse_traceparent(
				 "00-00000000000000000000000000000000-00f067aa0ba902b7-01", tid, pid), 0);
	ck_assert_int_lt(trace_parse_traceparent(
				 "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", tid, pid), 0);
	ck_assert_int_lt(trace_parse_traceparent(
				 "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tid, pid), 0);
	ck_assert_int_lt(trace_parse_traceparent(
				 "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01", tid, pid), 0);
	ck_assert_int_lt(trace_parse_traceparent(
				 "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tid, pid), 0);
	/* Output untouched on failure. */
	ck_assert_mem_eq(pid, keep, 8);
	ck_assert_int_eq(trace_parse_traceparent(
				 "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00", tid, pid), 0);
}
END_TEST

START_TEST(test_build_random_ids)
{
	struct decision_trace t;
	struct trace_record a, b;

	sample_trace(&t, NULL);
	trace_build(&t, &a);
	trace_build(&t, &b);
	ck_assert(!a.has_parent);
	ck_assert_uint_eq(a.n_spans, 4); /* root, justica, armor, audit.commit */
	ck_assert_str_eq(a.spans[0].name, "governance.evaluate");
	ck_assert_str_eq(a.spans[1].name, "justica");
	ck_assert_str_eq(a.spans[2].name, "armor");
	ck_assert_str_eq(a.spans[3].name, "audit.commit");
	ck_assert_int_eq(a.spans[0].parent, -1);
	ck_assert_int_eq(a.spans[3].parent, 0);
	ck_assert_mem_ne(a.trace_id, b.trace_id, 16);
	ck_assert_mem_ne(a.spans[0].span_id, a.spans[1].span_id, 8);
	ck_assert_str_eq(a.decision, "deny");
	ck_assert_str_eq(a.risk, "HIGH");
}
END_TEST

START_TEST(test_stored_spans)
{
	struct decision_trace t;
	struct trace_record r;
	char buf[4096], tiny[40];
	struct json_object *stored, *spans;

	sample_trace(&t, CALLER);
	trace_build(&t, &r);
	ck_assert(r.has_parent);
	ck_assert_int_gt(trace_format_spans(&r, buf, sizeof buf), 0);
	stored = json_tokener_parse(buf);
	ck_assert_ptr_nonnull(stored);
	spans = trace_spans_expand(stored, "c-123");
	json_object_put(stored);
	ck_assert_ptr_nonnull(spans);
	ck_assert_str_eq(json_object_get_string(at(spans, "0/attributes/maestro.correlation_id")),
			 "c-123");
	ck_assert_str_eq(json_object_get_string(at(spans, "0/attributes/maestro.rule")),
			 "rules.no-rm");
	ck_assert_str_eq(json_object_get_string(at(spans, "0/status")), "ok");
	ck_assert_int_eq(json_object_get_int64(at(spans, "1/start_us")), 1000010);
	ck_assert_uint_eq(json_object_array_length(spans), 4);
	ck_assert_str_eq(json_object_get_string(at(spans, "0/parent_span_id")), "00f067aa0ba902b7");
	ck_assert_str_eq(json_object_get_string(at(spans, "1/parent_span_id")),
			 json_object_get_string(at(spans, "0/span_id")));
	ck_assert_str_eq(json_object_get_string(at(spans, "0/attributes/maestro.agent_id")),
			 "agent\"x");
	ck_assert_int_eq(json_object_get_int64(at(spans, "0/end_us")), 1000320);
	ck_assert_int_eq(json_object_get_int64(at(spans, "3/attributes/maestro.audit_seq")), 42);
	json_object_put(spans);
	ck_assert_int_lt(trace_format_spans(&r, tiny, sizeof tiny), 0);
}
END_TEST

/* A damaged row (someone edited the database) is refused, not trusted. */
START_TEST(test_expand_refuses_damage)
{
	static const char *const bad[] = {
		"{}", "[]", "{\"t\":1,\"s\":[],\"a\":[\"x\",\"LOW\",\"allow\",\"\",0]}",
		"{\"t\":1,\"s\":[[\"r\",\"00\",5,0,1]],\"a\":[\"x\",\"LOW\",\"allow\",\"\",0]}",
		("{\"t\":1,\"s\":[[\"r\",\"00\",-1,0,1],[\"c\",\"01\",-1,0,1]],"
		 "\"a\":[\"x\",\"LOW\",\"allow\",\"\",0]}"),
		"{\"t\":1,\"s\":[[\"r\",\"00\",-1,0,1]],\"a\":[\"x\"]}",
		"{\"t\":1,\"s\":[7],\"a\":[\"x\",\"LOW\",\"allow\",\"\",0]}",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct json_object *o = json_tokener_parse(bad[i]);

		ck_assert_msg(trace_spans_expand(o, "c") == NULL, "accepted %s", bad[i]);
		json_object_put(o);
	}
}
END_TEST

START_TEST(test_otlp_traces)
{
	struct decision_trace t;
	struct trace_record r1, r2;
	const struct trace_record *recs[] = { &r1, &r2 };
	struct evbuffer *b = evbuffer_new();
	struct json_object *o, *spans, *root;

	sample_trace(&t, CALLER);
	trace_build(&t, &r1);
	t.traceparent = NULL;
	t.error = true;
	trace_build(&t, &r2);
	ck_assert_int_eq(otlp_encode_traces(b, recs, 2), 0);
	o = parse_buffer(b);
	ck_assert_str_eq(otlp_attr(at(o, "resourceSpans/0/resource/attributes"), "service.name"),
			 "maestrod");
	spans = at(o, "resourceSpans/0/scopeSpans/0/spans");
	ck_assert_uint_eq(json_object_array_length(spans), 8);
	root = json_object_array_get_idx(spans, 0);
	ck_assert_str_eq(json_object_get_string(at(root, "traceId")),
			 "4bf92f3577b34da6a3ce929d0e0e4736");
	ck_assert_str_eq(json_object_get_string(at(root, "parentSpanId")), "00f067aa0ba902b7");
	ck_assert_str_eq(json_object_get_string(at(root, "startTimeUnixNano")), "1000000000");
	ck_assert_str_eq(json_object_get_string(at(root, "endTimeUnixNano")), "1000320000");
	ck_assert_str_eq(otlp_attr(at(root, "attributes"), "maestro.decision"), "deny");
	ck_assert_str_eq(otlp_attr(at(root, "attributes"), "maestro.risk_level"), "HIGH");
	ck_assert_str_eq(otlp_attr(at(root, "attributes"), "maestro.rule"), "rules.no-rm");
	ck_assert_str_eq(otlp_attr(at(root, "attributes"), "maestro.audit_seq"), "42");
	ck_assert_str_eq(otlp_attr(at(root, "attributes"), "maestro.agent_id"), "agent\"x");
	ck_assert(!json_object_object_get_ex(root, "status", NULL));
	ck_assert_str_eq(json_object_get_string(at(spans, "1/parentSpanId")),
			 json_object_get_string(at(root, "spanId")));
	/* The second trace: its own random id, no parent for its root, an error status. */
	root = json_object_array_get_idx(spans, 4);
	ck_assert(!json_object_object_get_ex(root, "parentSpanId", NULL));
	ck_assert_int_eq(json_object_get_int(at(root, "status/code")), 2);
	ck_assert_uint_eq(strlen(json_object_get_string(at(root, "traceId"))), 32);
	json_object_put(o);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_otlp_logs)
{
	/* otlp_log owns its strings, so they are not const; these arrays stand in. */
	char ev1[] = "daemon.start", actor[] = "maestrod",
	     body1[] = "{\"pid\":1,\"text\":\"a\\\"b\\n\"}", ev2[] = "governance.evaluate",
	     cid[] = "c-1", body2[] = "{}";
	struct otlp_log l1 = { .time_us = 5, .seq = 7, .event = ev1, .actor = actor, .body = body1 };
	struct otlp_log l2 = { .time_us = 6, .seq = 8, .event = ev2, .correlation_id = cid,
			       .body = body2, .has_trace = true, .trace_id = { 0xab, [15] = 0x01 } };
	const struct otlp_log *logs[] = { &l1, &l2 };
	struct evbuffer *b = evbuffer_new();
	struct json_object *o, *recs, *body;

	ck_assert_int_eq(otlp_encode_logs(b, logs, 2), 0);
	o = parse_buffer(b);
	recs = at(o, "resourceLogs/0/scopeLogs/0/logRecords");
	ck_assert_uint_eq(json_object_array_length(recs), 2);
	body = json_tokener_parse(json_object_get_string(at(recs, "0/body/stringValue")));
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(json_object_get_string(at(body, "text")), "a\"b\n");
	json_object_put(body);
	ck_assert_str_eq(json_object_get_string(at(recs, "0/timeUnixNano")), "5000");
	ck_assert_str_eq(otlp_attr(at(recs, "0/attributes"), "maestro.event"), "daemon.start");
	ck_assert_str_eq(otlp_attr(at(recs, "0/attributes"), "maestro.audit_seq"), "7");
	ck_assert(!json_object_object_get_ex(json_object_array_get_idx(recs, 0), "traceId", NULL));
	ck_assert_str_eq(json_object_get_string(at(recs, "1/traceId")),
			 "ab000000000000000000000000000001");
	ck_assert_str_eq(otlp_attr(at(recs, "1/attributes"), "maestro.correlation_id"), "c-1");
	json_object_put(o);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_config_keys)
{
	struct config cfg;
	struct config_error err;
	const char *good = "otlp_endpoint = http://127.0.0.1:4318/\notlp_queue_max = 10\n"
			   "otlp_logs = yes\n";

	config_init(&cfg);
	ck_assert_ptr_null(cfg.otlp_endpoint);
	ck_assert(!cfg.otlp_logs);
	ck_assert_int_eq(config_parse(&cfg, "t", good, strlen(good), &err), 0);
	ck_assert_str_eq(cfg.otlp_endpoint, "http://127.0.0.1:4318/");
	ck_assert_uint_eq(cfg.otlp_queue_max, 10);
	ck_assert(cfg.otlp_logs);
	config_clear(&cfg);
	ck_assert_int_lt(config_parse(&cfg, "t", "otlp_endpoint = file:///etc/passwd\n", 35, &err),
			 0);
	config_clear(&cfg);
	ck_assert_int_lt(config_parse(&cfg, "t", "otlp_logs = maybe\n", 18, &err), 0);
	config_clear(&cfg);
}
END_TEST

static Suite *
trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_traceparent);
	tcase_add_test(tc, test_build_random_ids);
	tcase_add_test(tc, test_stored_spans);
	tcase_add_test(tc, test_expand_refuses_damage);
	tcase_add_test(tc, test_otlp_traces);
	tcase_add_test(tc, test_otlp_logs);
	tcase_add_test(tc, test_config_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (sodium_init() < 0)
		return EXIT_FAILURE;
	return unit_run(trace_suite());
}
