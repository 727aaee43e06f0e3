/*
 * Unit tests for reading the audit trail (daemon/audit-filter.c and
 * daemon/audit-query.c): times, filter params, the row's JSON shape, and
 * the SQL query agreeing with the in-memory match that followers use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "audit-query.h"
#include "unit.h"

#define SEC 1000000ll
/* Thursday 2026-11-26 15:30:00 UTC. */
#define NOW (1795707000ll * SEC)

static int64_t
parse(const char *text)
{
	int64_t us = -42;

	ck_assert_msg(audit_time_parse(text, &us) == 0, "%s did not parse", text);
	return us;
}

static void
bad_time(const char *text)
{
	int64_t us = -42;

	ck_assert_msg(audit_time_parse(text, &us) == -EINVAL, "%s parsed", text);
	ck_assert_int_eq(us, -42); /* untouched on failure */
}

START_TEST(test_time_parse)
{
	ck_assert_int_eq(parse("2026-11-26T15:30:00Z"), NOW);
	ck_assert_int_eq(parse("2026-11-26t15:30:00z"), NOW);
	ck_assert_int_eq(parse("2026-11-26 15:30:00Z"), NOW);
	ck_assert_int_eq(parse("2026-11-26T16:30:00+01:00"), NOW);
	ck_assert_int_eq(parse("2026-11-26T10:00:00-05:30"), NOW);
	ck_assert_int_eq(parse("2026-11-26T15:30:00.25Z"), NOW + 250000);
	ck_assert_int_eq(parse("2026-11-26T15:30:00.123456789Z"), NOW + 123456);
	ck_assert_int_eq(parse("2026-11-26"), NOW - (15 * 3600 + 30 * 60) * SEC);
	ck_assert_int_eq(parse("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(parse("2024-02-29T12:00:00Z"), 1709208000ll * SEC);
	ck_assert_int_eq(parse("1795707000"), NOW);
	ck_assert_int_eq(parse("1795707000.5"), NOW + 500000);
	ck_assert_int_eq(parse("0"), 0);
	ck_assert_int_eq(parse("9999-12-31T23:59:59Z"), 253402300799ll * SEC);
}
END_TEST

START_TEST(test_time_parse_bad)
{
	static const char *const bad[] = {
		"", "now", "-1", "1e9", "0x10", " 1", "1 ", "1.", ".5", "1.1234567890",
		"253402300800", "99999999999999999999999",
		"2026-11-26T15:30:00",	     /* no offset: no instant */
		"2026-11-26T15:30Z",	     /* no seconds */
		"2026-11-26T24:00:00Z", "2026-11-26T15:60:00Z", "2026-11-26T15:30:61Z",
		"2026-13-01", "2026-00-01", "2026-02-29", "2025-11-31", "2026-11-00",
		"2026-11-26T15:30:00.Z", "2026-11-26T15:30:00+0100", "2026-11-26T15:30:00+24:00",
		"2026-11-26T15:30:00Zjunk", "2026-11-26X", "26-11-2026", "1969-12-31T23:59:59Z",
		"1970-01-01T00:00:00+00:01", "2026/11/26",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		bad_time(bad[i]);
	bad_time(NULL);
}
END_TEST

START_TEST(test_time_format)
{
	char buf[AUDIT_TIME_MAX];

	audit_time_format(NOW + 42, buf);
	ck_assert_str_eq(buf, "2026-11-26T15:30:00.000042Z");
	audit_time_format(0, buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000Z");
	/* What it writes, it reads back. */
	ck_assert_int_eq(parse("2026-11-26T15:30:00.000042Z"), NOW + 42);
}
END_TEST

static int
filter(const char *json, struct audit_query *q, char *msg, size_t size)
{
	struct json_object *p = json_tokener_parse(json);
	int r;

	ck_assert_ptr_nonnull(p);
	r = audit_query_from_json(p, true, q, msg, size);
	json_object_put(p);
	return r;
}

static void
bad_filter(const char *json, const char *why)
{
	struct audit_query q;
	char msg[256] = "";

	ck_assert_msg(filter(json, &q, msg, sizeof msg) == -EINVAL, "%s was accepted", json);
	ck_assert_msg(strstr(msg, why) != NULL, "%s: %s (wanted %s)", json, msg, why);
	/* Cleared on failure: nothing to free, nothing set. */
	ck_assert_ptr_null(q.filter.agent);
	ck_assert_int_eq(q.filter.risk_min, -1);
}

START_TEST(test_filter_params)
{
	struct audit_query q;
	char msg[256];

	ck_assert_int_eq(filter("{}", &q, msg, sizeof msg), 0);
	ck_assert_uint_eq(q.limit, AUDIT_QUERY_LIMIT_DEFAULT);
	ck_assert(!q.ascending);
	ck_assert_int_eq(q.filter.risk_min, -1);
	audit_query_clear(&q);

	ck_assert_int_eq(filter("{\"agent\":\"a\",\"decision\":\"deny\",\"risk\":\"high\","
				"\"kind\":\"shell\",\"event\":\"governance.*\",\"since\":1795707000,"
				"\"until\":\"2026-11-27\",\"text\":\"rm\",\"limit\":1000,"
				"\"before_seq\":9,\"after_seq\":2,\"order\":\"asc\"}",
				&q, msg, sizeof msg),
			 0);
	ck_assert_str_eq(q.filter.agent, "a");
	ck_assert_int_eq(q.filter.risk_min, 2);
	ck_assert_str_eq(q.filter.event, "governance.");
	ck_assert(q.filter.event_prefix);
	ck_assert(q.filter.has_since && q.filter.since_us == NOW);
	ck_assert(q.filter.has_until);
	ck_assert_uint_eq(q.limit, 1000);
	ck_assert_int_eq(q.before_seq, 9);
	ck_assert_int_eq(q.after_seq, 2);
	ck_assert(q.ascending);
	audit_query_clear(&q);

	bad_filter("{\"decision\":\"maybe\"}", "\"decision\"");
	bad_filter("{\"risk\":\"EXTREME\"}", "\"risk\"");
	bad_filter("{\"kind\":\"teleport\"}", "\"kind\"");
	bad_filter("{\"agent\":\"\"}", "\"agent\"");
	bad_filter("{\"agent\":\"a\\u0000b\"}", "\"agent\"");
	bad_filter("{\"agent\":5}", "\"agent\"");
	bad_filter("{\"since\":\"yesterday\"}", "\"since\"");
	bad_filter("{\"since\":-1}", "\"since\"");
	bad_filter("{\"until\":true}", "\"until\"");
	bad_filter("{\"since\":2000,\"until\":1000}", "earlier");
	bad_filter("{\"limit\":0}", "\"limit\"");
	bad_filter("{\"limit\":1001}", "\"limit\"");
	bad_filter("{\"limit\":1.5}", "\"limit\"");
	bad_filter("{\"before_seq\":0}", "\"before_seq\"");
	bad_filter("{\"order\":\"random\"}", "\"order\"");
}
END_TEST

/* The rows both the SQL and the in-memory match are checked against. */
static const struct {
	const char *event, *actor, *correlation, *detail;
	int64_t time_us;
} rows[] = {
	{ "daemon.start", "maestrod", NULL, "{\"version\":\"0.1.0\"}", NOW },
	{ "agent.register", "uid:1000", NULL, "{\"agent\":\"exec-1\",\"role\":\"executor\"}", NOW + 1 },
	{ "governance.evaluate", "exec-1", "c1",
	  "{\"agent\":\"exec-1\",\"action\":{\"kind\":\"shell\",\"command\":\"ls\"},"
	  "\"decision\":\"allow\",\"risk_level\":\"LOW\"}", NOW + 2 * SEC },
	{ "governance.evaluate", "exec-1", "c2",
	  "{\"agent\":\"exec-1\",\"action\":{\"kind\":\"shell\",\"command\":\"rm -rf /\"},"
	  "\"decision\":\"deny\",\"risk_level\":\"CRITICAL\"}", NOW + 3 * SEC },
	{ "governance.evaluate", "exec-2", "c3",
	  "{\"agent\":\"exec-2\",\"action\":{\"kind\":\"network\",\"url\":\"https://x\"},"
	  "\"decision\":\"ask\",\"risk_level\":\"HIGH\"}", NOW + 4 * SEC },
	{ "governance.report", "exec-2", "c3", "{\"agent\":\"exec-2\",\"outcome\":\"success\"}",
	  NOW + 5 * SEC },
	{ "governance.evaluate", "exec-2", "c4",
	  "{\"agent\":\"exec-2\",\"action\":{\"kind\":\"file_read\",\"path\":\"/etc/passwd\"},"
	  "\"decision\":\"allow\",\"risk_level\":\"MEDIUM\"}", NOW + 6 * SEC },
	{ "config.reload", "uid:0", NULL, "not json: tampered", NOW + 7 * SEC },
	{ "governance.evaluate", "exec-3", "c5",
	  "{\"agent\":7,\"action\":[1],\"decision\":\"deny\",\"risk_level\":\"high\"}", NOW + 8 * SEC },
	{ "governancex", NULL, NULL, "{}", NOW + 9 * SEC },
};
#define N_ROWS (sizeof rows / sizeof rows[0])

static sqlite3 *db;

static void
db_setup(void)
{
	sqlite3_stmt *st;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
				      "CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
				      " time_us INTEGER NOT NULL, event TEXT NOT NULL, actor TEXT,"
				      " peer_uid INTEGER, peer_pid INTEGER, correlation_id TEXT,"
				      " detail TEXT NOT NULL DEFAULT '{}', prev_hash TEXT, hash TEXT)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
					    "INSERT INTO audit (time_us, event, actor, peer_uid,"
					    " peer_pid, correlation_id, detail, prev_hash, hash)"
					    " VALUES (?, ?, ?, 1000, NULL, ?, ?, 'aa', 'bb')",
					    -1, &st, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < N_ROWS; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, rows[i].time_us);
		sqlite3_bind_text(st, 2, rows[i].event, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, rows[i].actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, rows[i].correlation, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, rows[i].detail, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	}
	sqlite3_finalize(st);
}

static void
db_teardown(void)
{
	sqlite3_close(db);
	db = NULL;
}

/* The seqs the query returns, as "1,2,3", and its parsed page in *page. */
static void
run_query(struct audit_query *q, char *seqs, size_t size, struct json_object **page)
{
	struct json_object *list;
	char *text = NULL, msg[256];
	size_t used = 0;

	ck_assert_msg(audit_query_run(db, q, &text, msg, sizeof msg) == 0, "%s", msg);
	*page = json_tokener_parse(text);
	free(text);
	ck_assert_ptr_nonnull(*page);
	ck_assert(json_object_object_get_ex(*page, "rows", &list));
	seqs[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *seq = json_object_object_get(json_object_array_get_idx(list, i),
								 "seq");

		used += (size_t)snprintf(seqs + used, size - used, "%s%lld", i ? "," : "",
					 (long long)json_object_get_int64(seq));
	}
}

/* What audit_filter_match() says of every row, in the same form (oldest first). */
static void
match_rows(const struct audit_filter *f, char *seqs, size_t size)
{
	size_t used = 0;

	seqs[0] = '\0';
	for (size_t i = 0; i < N_ROWS; i++) {
		struct json_object *detail = json_tokener_parse(rows[i].detail);
		bool m = audit_filter_match(f, rows[i].event, rows[i].actor, rows[i].correlation,
					    rows[i].time_us, detail, rows[i].detail);

		json_object_put(detail);
		if (m)
			used += (size_t)snprintf(seqs + used, size - used, "%s%zu", used ? "," : "",
						 i + 1);
	}
}

static void
check_filter(const char *json, const char *expected)
{
	struct json_object *page;
	struct audit_query q;
	char msg[256], sql[256], mem[256];

	ck_assert_msg(filter(json, &q, msg, sizeof msg) == 0, "%s: %s", json, msg);
	q.ascending = true;
	run_query(&q, sql, sizeof sql, &page);
	json_object_put(page);
	match_rows(&q.filter, mem, sizeof mem);
	ck_assert_msg(strcmp(sql, expected) == 0, "%s: SQL gave %s, expected %s", json, sql,
		      expected);
	ck_assert_msg(strcmp(mem, expected) == 0, "%s: match gave %s, expected %s", json, mem,
		      expected);
	audit_query_clear(&q);
}

START_TEST(test_sql_and_match_agree)
{
	check_filter("{}", "1,2,3,4,5,6,7,8,9,10");
	check_filter("{\"agent\":\"exec-1\"}", "2,3,4");
	check_filter("{\"agent\":\"exec-2\"}", "5,6,7");
	check_filter("{\"decision\":\"deny\"}", "4,9");
	check_filter("{\"decision\":\"allow\"}", "3,7");
	/* At least: HIGH is HIGH and CRITICAL; "high" as a row spells it is no risk level. */
	check_filter("{\"risk\":\"HIGH\"}", "4,5");
	check_filter("{\"risk\":\"medium\"}", "4,5,7");
	check_filter("{\"risk\":\"LOW\"}", "3,4,5,7");
	check_filter("{\"kind\":\"shell\"}", "3,4");
	check_filter("{\"kind\":\"network\"}", "5");
	check_filter("{\"event\":\"governance.\"}", "3,4,5,6,7,9");
	check_filter("{\"event\":\"governance.*\"}", "3,4,5,6,7,9");
	check_filter("{\"event\":\"governance.evaluate\"}", "3,4,5,7,9");
	check_filter("{\"event\":\"governance\"}", "");
	check_filter("{\"correlation_id\":\"c3\"}", "5,6");
	check_filter("{\"since\":1795707002,\"until\":\"2026-11-26T15:30:05Z\"}", "3,4,5");
	check_filter("{\"text\":\"rm -rf\"}", "4");
	check_filter("{\"text\":\"exec-\"}", "2,3,4,5,6,7,9");
	check_filter("{\"text\":\"tampered\"}", "8");
	check_filter("{\"text\":\"maestro\"}", "1");
	check_filter("{\"agent\":\"exec-2\",\"decision\":\"allow\",\"kind\":\"file_read\"}", "7");
}
END_TEST

START_TEST(test_paging)
{
	struct json_object *page, *next;
	struct audit_query q;
	char msg[256], seqs[256];

	ck_assert_int_eq(filter("{\"limit\":4}", &q, msg, sizeof msg), 0);
	run_query(&q, seqs, sizeof seqs, &page);
	ck_assert_str_eq(seqs, "10,9,8,7");
	next = json_object_object_get(page, "next_before_seq");
	ck_assert_int_eq(json_object_get_int64(next), 7);
	ck_assert_ptr_null(json_object_object_get(page, "next_after_seq"));
	json_object_put(page);

	q.before_seq = 7;
	run_query(&q, seqs, sizeof seqs, &page);
	ck_assert_str_eq(seqs, "6,5,4,3");
	json_object_put(page);

	q.before_seq = 3;
	run_query(&q, seqs, sizeof seqs, &page);
	ck_assert_str_eq(seqs, "2,1");
	ck_assert_ptr_null(json_object_object_get(page, "next_before_seq"));
	json_object_put(page);

	/* Exactly a page left: no cursor to an empty page. */
	q.before_seq = 5;
	run_query(&q, seqs, sizeof seqs, &page);
	ck_assert_str_eq(seqs, "4,3,2,1");
	ck_assert_ptr_null(json_object_object_get(page, "next_before_seq"));
	json_object_put(page);

	q.before_seq = 0;
	q.after_seq = 7;
	q.ascending = true;
	run_query(&q, seqs, sizeof seqs, &page);
	ck_assert_str_eq(seqs, "8,9,10");
	ck_assert_ptr_null(json_object_object_get(page, "next_after_seq"));
	json_object_put(page);
	audit_query_clear(&q);
}
END_TEST

START_TEST(test_row_shape)
{
	static const char *const keys[] = { "seq", "time", "time_us", "event", "actor",
					    "peer_uid", "peer_pid", "correlation_id", "detail",
					    "prev_hash", "hash" };
	struct json_object *page, *row, *v;
	struct audit_query q = { .filter.risk_min = -1, .seq = 3, .limit = 1 };
	char seqs[64];
	size_t i = 0;

	run_query(&q, seqs, sizeof seqs, &page);
	ck_assert_str_eq(seqs, "3");
	row = json_object_array_get_idx(json_object_object_get(page, "rows"), 0);
	/* The documented members, in the documented order, and nothing else. */
	json_object_object_foreach(row, key, val) {
		(void)val;
		ck_assert_uint_lt(i, sizeof keys / sizeof keys[0]);
		ck_assert_str_eq(key, keys[i++]);
	}
	ck_assert_uint_eq(i, sizeof keys / sizeof keys[0]);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(row, "time")),
			 "2026-11-26T15:30:02.000000Z");
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(row, "peer_uid")), 1000);
	ck_assert(json_object_object_get_ex(row, "peer_pid", &v) && v == NULL);
	ck_assert(json_object_is_type(json_object_object_get(row, "detail"), json_type_object));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(row, "hash")), "bb");
	json_object_put(page);

	/* A detail that is not JSON is kept, as a string. */
	q.seq = 8;
	run_query(&q, seqs, sizeof seqs, &page);
	row = json_object_array_get_idx(json_object_object_get(page, "rows"), 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(row, "detail")),
			 "not json: tampered");
	json_object_put(page);

	q.seq = 99;
	run_query(&q, seqs, sizeof seqs, &page);
	ck_assert_str_eq(seqs, "");
	json_object_put(page);
	ck_assert_int_eq(audit_query_last_seq(db), 10);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("audit-query");
	TCase *tc;

	tc = tcase_create("time");
	tcase_add_test(tc, test_time_parse);
	tcase_add_test(tc, test_time_parse_bad);
	tcase_add_test(tc, test_time_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("params");
	tcase_add_test(tc, test_filter_params);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_sql_and_match_agree);
	tcase_add_test(tc, test_paging);
	tcase_add_test(tc, test_row_shape);
	suite_add_tcase(s, tc);

	return unit_run(s);
}
