/*
 * Unit tests for budgets (daemon/agent.c: periods, charging, exhaustion),
 * their params (daemon/agent-params.c), the reports owed table and the
 * resume level (daemon/trust.c), and trust and usage in the store
 * (schema 3, migrated from 2, daemon/agent-store.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>
#include <json-c/json.h>
#include <sodium.h>
#include <sqlite3.h>

#include "agent-params.h"
#include "agent-store.h"
#include "agent.h"
#include "daemon.h"
#include "store.h"
#include "trust.h"
#include "unit.h"

#define SEC 1000000ll
#define DAY (86400 * SEC)
/* Thursday 2026-11-26 15:30:00 UTC. */
#define NOW (1795707000ll * SEC)

START_TEST(test_period_start)
{
	ck_assert_int_eq(budget_period_start(BUDGET_DAY, NOW), 1795651200ll * SEC);
	/* Monday 2026-11-23. */
	ck_assert_int_eq(budget_period_start(BUDGET_WEEK, NOW), 1795651200ll * SEC - 3 * DAY);
	/* 2026-11-01. */
	ck_assert_int_eq(budget_period_start(BUDGET_MONTH, NOW), 1793491200ll * SEC);
	ck_assert_int_eq(budget_period_start(BUDGET_TOTAL, NOW), 0);
	/* A Monday starts its own week; the epoch's Thursday belongs to the Monday before. */
	ck_assert_int_eq(budget_period_start(BUDGET_WEEK, 1795651200ll * SEC - 3 * DAY),
			 1795651200ll * SEC - 3 * DAY);
	ck_assert_int_eq(budget_period_start(BUDGET_WEEK, 0), -3 * DAY);
	/* 2024-02-29 12:00 UTC, a leap day, is in February. */
	ck_assert_int_eq(budget_period_start(BUDGET_MONTH, 1709208000ll * SEC), 1706745600ll * SEC);
	/* The last microsecond of a day is still in it. */
	ck_assert_int_eq(budget_period_start(BUDGET_DAY, 1795651200ll * SEC - 1),
			 1795651200ll * SEC - DAY);
}
END_TEST

START_TEST(test_period_names)
{
	static const char *const names[] = { "day", "week", "month", "total" };
	enum budget_period p;

	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(budget_period_parse(names[i], &p), 0);
		ck_assert_int_eq(p, i);
		ck_assert_str_eq(budget_period_name(p), names[i]);
	}
	ck_assert_int_eq(budget_period_parse("year", &p), -EINVAL);
	ck_assert_int_eq(budget_period_parse("Day", &p), -EINVAL);
	ck_assert_int_eq(budget_period_parse("", &p), -EINVAL);
}
END_TEST

START_TEST(test_charge_and_exhaust)
{
	struct agent a = { .id = "bot", .token_budget = 100000, .budget_period = BUDGET_DAY };
	char why[160] = "";

	ck_assert(!agent_budget_exhausted(&a, NOW, why, sizeof why));
	agent_charge(&a, 60000, 0.5, NOW);
	ck_assert_int_eq(agent_tokens_in_period(&a, NOW), 60000);
	ck_assert(!agent_budget_exhausted(&a, NOW, why, sizeof why));
	agent_charge(&a, 40500, 0.25, NOW + SEC);
	ck_assert(agent_budget_exhausted(&a, NOW, why, sizeof why));
	ck_assert_str_eq(why, "token budget exhausted: 100500 of 100000 tokens used this day");
	ck_assert(a.cost_used == 0.75);

	/* The next day counts afresh; the lifetime total does not. */
	ck_assert_int_eq(agent_tokens_in_period(&a, NOW + DAY), 0);
	ck_assert(!agent_budget_exhausted(&a, NOW + DAY, why, sizeof why));
	agent_charge(&a, 10, 0, NOW + DAY);
	ck_assert_int_eq(a.tokens_used, 10);
	ck_assert(a.cost_used == 0);
	ck_assert_int_eq(a.tokens_total, 100510);

	/* Exactly the budget is spent. */
	a.token_budget = 10;
	ck_assert(agent_budget_exhausted(&a, NOW + DAY, why, sizeof why));
	/* No budget: never exhausted. */
	a.token_budget = 0;
	ck_assert(!agent_budget_exhausted(&a, NOW + DAY, why, sizeof why));
}
END_TEST

START_TEST(test_total_and_saturation)
{
	struct agent a = { .id = "bot", .token_budget = 5, .budget_period = BUDGET_TOTAL };
	char why[160];

	agent_charge(&a, 5, 0, NOW);
	ck_assert(agent_budget_exhausted(&a, NOW + 400 * DAY, why, sizeof why));
	ck_assert_str_eq(why, "token budget exhausted: 5 of 5 tokens used in all");
	/* Counts stop at INT64_MAX rather than wrap into a small (or negative) number. */
	agent_charge(&a, (uint64_t)INT64_MAX, 0, NOW);
	agent_charge(&a, UINT64_MAX, 0, NOW);
	ck_assert_uint_eq(a.tokens_used, (uint64_t)INT64_MAX);
	ck_assert_uint_eq(a.tokens_total, (uint64_t)INT64_MAX);
	/* A small buffer truncates the reason, never overruns it. */
	ck_assert(agent_budget_exhausted(&a, NOW, why, 12));
	ck_assert_str_eq(why, "token budge");
}
END_TEST

static struct json_object *params;

static void
params_teardown(void)
{
	json_object_put(params);
	params = NULL;
}

static bool
parse(const char *method, const char *json, struct agent_params *p, char *msg, size_t size)
{
	json_object_put(params);
	params = json_tokener_parse(json);
	ck_assert_ptr_nonnull(params);
	return agent_params_parse(method, params, p, msg, size);
}

START_TEST(test_budget_params)
{
	struct agent_params p;
	char msg[300];

	ck_assert(parse("agent.register",
			"{\"id\":\"a\",\"role\":\"executor\",\"token_budget\":100,\"budget_period\":\"week\"}",
			&p, msg, sizeof msg));
	ck_assert(p.has_budget && p.token_budget == 100 && p.has_period);
	ck_assert_int_eq(p.budget_period, BUDGET_WEEK);
	ck_assert(parse("agent.register", "{\"id\":\"a\",\"role\":\"executor\"}", &p, msg, sizeof msg));
	ck_assert(!p.has_budget && !p.has_period);
	ck_assert(parse("agent.set_budget", "{\"id\":\"a\",\"token_budget\":0}", &p, msg, sizeof msg));
	ck_assert(p.has_budget && p.token_budget == 0);

	ck_assert(!parse("agent.set_budget", "{\"id\":\"a\",\"token_budget\":-1}", &p, msg, sizeof msg));
	ck_assert_ptr_nonnull(strstr(msg, "\"token_budget\""));
	ck_assert(!parse("agent.set_budget", "{\"id\":\"a\",\"token_budget\":99999999999999999999}",
			 &p, msg, sizeof msg));
	ck_assert(!parse("agent.register",
			 "{\"id\":\"a\",\"role\":\"executor\",\"budget_period\":\"fortnight\"}", &p, msg,
			 sizeof msg));
	ck_assert_ptr_nonnull(strstr(msg, "unknown budget_period \"fortnight\""));
}
END_TEST

/* Only the table of reports owed is touched: a zeroed daemon is enough. */
static struct maestrod daemon_state;

START_TEST(test_reports_owed)
{
	struct maestrod *d = &daemon_state;
	char corr[32];

	memset(d, 0, sizeof *d);
	ck_assert_int_eq(trust_claim_report(d, "a", "c1"), -ENOENT);
	trust_expect_report(d, "a", "c1");
	ck_assert_int_eq(trust_claim_report(d, "b", "c1"), -ENOENT);
	ck_assert_int_eq(trust_claim_report(d, "a", "c2"), -ENOENT);
	ck_assert_int_eq(trust_claim_report(d, "a", "c1"), 0);
	ck_assert_int_eq(trust_claim_report(d, "a", "c1"), -EALREADY);
	/* The same id evaluated again is owed a report again, without a second slot. */
	trust_expect_report(d, "a", "c1");
	ck_assert_uint_eq(d->pending_reports.next, 1);
	ck_assert_int_eq(trust_claim_report(d, "a", "c1"), 0);
	/* Two agents may use the same client-chosen id. */
	trust_expect_report(d, "b", "c1");
	ck_assert_int_eq(trust_claim_report(d, "b", "c1"), 0);

	/* Bounded: the oldest is forgotten once TRUST_PENDING_MAX newer ones came. */
	trust_expect_report(d, "a", "old");
	for (int i = 0; i < TRUST_PENDING_MAX - 1; i++) {
		snprintf(corr, sizeof corr, "n%d", i);
		trust_expect_report(d, "a", corr);
	}
	ck_assert_int_eq(trust_claim_report(d, "a", "old"), 0);
	ck_assert_int_eq(trust_claim_report(d, "a", "n0"), 0);
	trust_expect_report(d, "a", "one-more");
	ck_assert_int_eq(trust_claim_report(d, "a", "old"), -ENOENT);
	ck_assert_int_eq(trust_claim_report(d, "a", "n0"), -EALREADY);
	trust_expect_report(d, "a", "two-more");
	ck_assert_int_eq(trust_claim_report(d, "a", "n0"), -ENOENT);
	ck_assert_int_eq(trust_claim_report(d, "a", "n1"), 0);
	/* The index still finds every entry after the ring went round. */
	ck_assert_int_eq(trust_claim_report(d, "a", "n2000"), 0);
	ck_assert_int_eq(trust_claim_report(d, "a", "two-more"), 0);
}
END_TEST

START_TEST(test_resume_level)
{
	ck_assert(trust_resume_level(0.1) == TRUST_RESUME);
	ck_assert(trust_resume_level(0) == TRUST_RESUME);
	ck_assert(trust_resume_level(0.6) == 0.8);
	ck_assert(trust_resume_level(0.6) > 0.6);
}
END_TEST

static char dir[] = "/tmp/maestro-test-trust-XXXXXX";
static char path[300];

static void
db_setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	strcpy(dir, "/tmp/maestro-test-trust-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/maestro.db", dir);
}

static void
db_teardown(void)
{
	char f[400];

	unlink(path);
	snprintf(f, sizeof f, "%s-wal", path);
	unlink(f);
	snprintf(f, sizeof f, "%s-shm", path);
	unlink(f);
	rmdir(dir);
}

/* A database as maestrod 2 left it: one agent, no trust or budget columns. */
static void
write_v2(void)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(
		sqlite3_exec(db,
			     "CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, time_us INTEGER"
			     " NOT NULL, event TEXT NOT NULL, actor TEXT, peer_uid INTEGER, peer_pid"
			     " INTEGER, correlation_id TEXT, detail TEXT NOT NULL DEFAULT '{}');"
			     "CREATE TABLE instance (id INTEGER PRIMARY KEY CHECK (id = 1), instance_id"
			     " TEXT NOT NULL, token_key BLOB NOT NULL, created_us INTEGER NOT NULL);"
			     "CREATE TABLE agents (id TEXT PRIMARY KEY, role TEXT NOT NULL, permissions"
			     " TEXT NOT NULL, status TEXT NOT NULL, description TEXT, suspend_reason"
			     " TEXT, created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL,"
			     " expires_us INTEGER, token_hash BLOB NOT NULL, token_created_us INTEGER"
			     " NOT NULL, token_expires_us INTEGER) WITHOUT ROWID;"
			     "INSERT INTO agents VALUES ('old', 'executor', 'read_files', 'active', NULL,"
			     " NULL, 1, 1, NULL, zeroblob(32), 1, NULL);"
			     "PRAGMA application_id = 1297306706; PRAGMA user_version = 2;",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
}

START_TEST(test_store_migrate_and_roundtrip)
{
	struct agent_registry reg = { 0 };
	struct agent_change *change;
	struct store *st = NULL;
	struct agent *a, *b;
	char msg[512] = "", err[200];

	write_v2();
	ck_assert_msg(store_open(path, AUDIT_SYNC_NORMAL, &st, msg, sizeof msg) == 0, "%s", msg);
	ck_assert_int_eq(st->schema_version, STORE_SCHEMA_VERSION);
	ck_assert_msg(agent_store_load(st->db, &reg, msg, sizeof msg) == 0, "%s", msg);
	a = registry_find(&reg, "old");
	ck_assert_ptr_nonnull(a);
	ck_assert(a->trust == AGENT_TRUST_INITIAL);
	ck_assert_int_eq(a->budget_period, BUDGET_DAY);
	ck_assert_uint_eq(a->token_budget, 0);

	a->trust = 0.25;
	a->token_budget = 5000;
	a->budget_period = BUDGET_MONTH;
	agent_charge(a, 1234, 0.5, NOW);
	change = agent_change_new(a->id, a);
	ck_assert_int_eq(agent_store_apply(st->db, change, err, sizeof err), 0);
	agent_change_free(change);
	registry_clear(&reg);

	ck_assert_msg(agent_store_load(st->db, &reg, msg, sizeof msg) == 0, "%s", msg);
	b = registry_find(&reg, "old");
	ck_assert(b->trust == 0.25);
	ck_assert_uint_eq(b->token_budget, 5000);
	ck_assert_int_eq(b->budget_period, BUDGET_MONTH);
	ck_assert_int_eq(b->period_start_us, budget_period_start(BUDGET_MONTH, NOW));
	ck_assert_uint_eq(b->tokens_used, 1234);
	ck_assert_uint_eq(b->tokens_total, 1234);
	ck_assert(b->cost_used == 0.5);
	registry_clear(&reg);

	/* The table refuses what maestrod would refuse to load. */
	ck_assert_int_ne(sqlite3_exec(st->db, "UPDATE agents SET trust = 1.5", NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(st->db, "UPDATE agents SET budget_period = 'year'", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	st = store_close(st);
}
END_TEST

static Suite *
trust_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc;

	tc = tcase_create("budget");
	tcase_add_test(tc, test_period_start);
	tcase_add_test(tc, test_period_names);
	tcase_add_test(tc, test_charge_and_exhaust);
	tcase_add_test(tc, test_total_and_saturation);
	suite_add_tcase(s, tc);

	tc = tcase_create("params");
	tcase_add_checked_fixture(tc, NULL, params_teardown);
	tcase_add_test(tc, test_budget_params);
	suite_add_tcase(s, tc);

	tc = tcase_create("trust");
	tcase_add_test(tc, test_reports_owed);
	tcase_add_test(tc, test_resume_level);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_store_migrate_and_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (sodium_init() < 0)
		return EXIT_FAILURE;
	return unit_run(trust_suite());
}
