/*
 * Unit tests for daemon/agent-store.c: this instance's identity and the
 * agents in a real SQLite database, migrated by daemon/store.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <check.h>
#include <sodium.h>
#include <sqlite3.h>

#include "agent-store.h"
#include "agent.h"
#include "store.h"
#include "unit.h"

/* One directory for the run, made by main() and removed by it whatever the tests did. */
static char root[200];
static char dir[256];
static char path[300];
static struct store *st;
static char msg[512];

static void
remove_db(const char *p)
{
	char f[400];

	unlink(p);
	snprintf(f, sizeof f, "%s-wal", p);
	unlink(f);
	snprintf(f, sizeof f, "%s-shm", p);
	unlink(f);
}

static void
setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	snprintf(dir, sizeof dir, "%s/test-XXXXXX", root);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* In a directory that does not exist yet: store_open() makes it. */
	snprintf(path, sizeof path, "%s/state/maestro.db", dir);
	st = NULL;
}

static void
teardown(void)
{
	char sub[300];

	st = store_close(st);
	remove_db(path);
	snprintf(sub, sizeof sub, "%s/other.db", dir);
	remove_db(sub);
	snprintf(sub, sizeof sub, "%s/state", dir);
	rmdir(sub);
	rmdir(dir);
}

static void
open_store(void)
{
	msg[0] = '\0';
	ck_assert_msg(store_open(path, AUDIT_SYNC_NORMAL, &st, msg, sizeof msg) == 0, "%s", msg);
	ck_assert_int_eq(st->schema_version, STORE_SCHEMA_VERSION);
}

static void
load(struct agent_registry *reg)
{
	memset(reg, 0, sizeof *reg);
	msg[0] = '\0';
	ck_assert_msg(agent_store_load(st->db, reg, msg, sizeof msg) == 0, "%s", msg);
}

static void
exec_sql(const char *sql)
{
	char *err = NULL;

	ck_assert_msg(sqlite3_exec(st->db, sql, NULL, NULL, &err) == SQLITE_OK, "%s: %s", sql,
		      err ? err : "?");
}

static int64_t
query_int(const char *sql)
{
	sqlite3_stmt *s;
	int64_t v;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

START_TEST(test_instance_created)
{
	struct agent_registry reg, reg2, reg3;
	sqlite3_stmt *s;
	int64_t now = (int64_t)time(NULL) * 1000000;

	open_store();
	load(&reg);
	ck_assert_uint_eq(reg.n, 0);
	ck_assert_uint_eq(strlen(reg.instance_id), 32);
	for (size_t i = 0; i < 32; i++)
		ck_assert_msg((reg.instance_id[i] >= '0' && reg.instance_id[i] <= '9') ||
				      (reg.instance_id[i] >= 'a' && reg.instance_id[i] <= 'f'),
			      "instance id %s", reg.instance_id);
	ck_assert(!all_zero(reg.token_key, TOKEN_KEY_SIZE));

	/* What the database holds is what was loaded. */
	ck_assert_int_eq(sqlite3_prepare_v2(st->db,
					    "SELECT instance_id, token_key, created_us, typeof(token_key)"
					    " FROM instance",
					    -1, &s, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), reg.instance_id);
	ck_assert_int_eq(sqlite3_column_bytes(s, 1), TOKEN_KEY_SIZE);
	ck_assert_mem_eq(sqlite3_column_blob(s, 1), reg.token_key, TOKEN_KEY_SIZE);
	ck_assert_int_ge(sqlite3_column_int64(s, 2), now - 60000000);
	ck_assert_int_le(sqlite3_column_int64(s, 2), now + 60000000);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 3), "blob");
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	/* A second load: the same identity, no second row. */
	load(&reg2);
	ck_assert_str_eq(reg2.instance_id, reg.instance_id);
	ck_assert_mem_eq(reg2.token_key, reg.token_key, TOKEN_KEY_SIZE);
	ck_assert_int_eq(query_int("SELECT count(*) FROM instance"), 1);

	/* And after a restart. */
	st = store_close(st);
	open_store();
	load(&reg3);
	ck_assert_str_eq(reg3.instance_id, reg.instance_id);
	ck_assert_mem_eq(reg3.token_key, reg.token_key, TOKEN_KEY_SIZE);
	ck_assert_int_eq(query_int("SELECT count(*) FROM instance"), 1);
	registry_clear(&reg);
	registry_clear(&reg2);
	registry_clear(&reg3);
}
END_TEST

START_TEST(test_instances_differ)
{
	struct agent_registry a, b;
	struct store *other = NULL;
	char p2[300];

	open_store();
	load(&a);
	snprintf(p2, sizeof p2, "%s/other.db", dir);
	ck_assert_msg(store_open(p2, AUDIT_SYNC_FULL, &other, msg, sizeof msg) == 0, "%s", msg);
	memset(&b, 0, sizeof b);
	ck_assert_msg(agent_store_load(other->db, &b, msg, sizeof msg) == 0, "%s", msg);
	ck_assert_str_ne(a.instance_id, b.instance_id);
	ck_assert_mem_ne(a.token_key, b.token_key, TOKEN_KEY_SIZE);
	store_close(other);
	registry_clear(&a);
	registry_clear(&b);
}
END_TEST

static struct agent *
agent_make(const char *id, const char *role)
{
	struct agent *a = calloc(1, sizeof *a);

	ck_assert_ptr_nonnull(a);
	strcpy(a->id, id);
	a->role = role_parse(role, &a->permissions);
	ck_assert_ptr_nonnull(a->role);
	a->status = AGENT_ACTIVE;
	return a;
}

static void
assert_str_or_null(const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_ptr_null(got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0, "\"%s\" != \"%s\"",
			      got ? got : "(null)", want);
}

static void
assert_agent_eq(const struct agent *got, const struct agent *want)
{
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got->id, want->id);
	/* The static name, as role_parse() gives it, not a copy. */
	ck_assert_ptr_eq(got->role, want->role);
	ck_assert_uint_eq(got->permissions, want->permissions);
	ck_assert_int_eq(got->status, want->status);
	assert_str_or_null(got->description, want->description);
	assert_str_or_null(got->suspend_reason, want->suspend_reason);
	ck_assert_int_eq(got->created_us, want->created_us);
	ck_assert_int_eq(got->updated_us, want->updated_us);
	ck_assert_int_eq(got->expires_us, want->expires_us);
	ck_assert_mem_eq(got->token_hash, want->token_hash, TOKEN_HASH_SIZE);
	ck_assert_int_eq(got->token_created_us, want->token_created_us);
	ck_assert_int_eq(got->token_expires_us, want->token_expires_us);
}

static void
apply(const char *id, const struct agent *after)
{
	struct agent_change *c = agent_change_new(id, after);
	char err[256] = "";

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->id, id);
	if (after == NULL) {
		ck_assert_ptr_null(c->after);
	} else {
		/* A copy of its own: the registry may change the agent before the commit. */
		ck_assert_ptr_nonnull(c->after);
		ck_assert_ptr_ne(c->after, after);
		if (after->description)
			ck_assert_ptr_ne(c->after->description, after->description);
		if (after->suspend_reason)
			ck_assert_ptr_ne(c->after->suspend_reason, after->suspend_reason);
		assert_agent_eq(c->after, after);
	}
	ck_assert_msg(agent_store_apply(st->db, c, err, sizeof err) == 0, "%s", err);
	agent_change_free(c);
}

START_TEST(test_apply_round_trip)
{
	struct agent_registry reg, back;
	struct agent *exec = agent_make("deploy-bot", "executor");
	struct agent *obs = agent_make("auditor.1", "observer");
	char tok_exec[TOKEN_TEXT_MAX + 1], tok_obs[TOKEN_TEXT_MAX + 1];
	sqlite3_stmt *s;

	open_store();
	load(&reg);

	exec->permissions |= PERM_READ_SECRETS;
	exec->description = strdup("deploys to staging \xe2\x80\x94 caf\xc3\xa9");
	exec->created_us = 1795676317123456;
	exec->updated_us = 1795676317123456;
	exec->expires_us = 1827212317123456;
	exec->token_created_us = 1795676317123456;
	exec->token_expires_us = 0;
	ck_assert_int_eq(token_new(&reg, tok_exec, exec->token_hash), 0);

	obs->status = AGENT_SUSPENDED;
	obs->suspend_reason = strdup("incident 42");
	obs->created_us = 1700000000000001;
	obs->updated_us = 1700000000500000;
	obs->expires_us = 0;
	obs->token_created_us = 1700000000000001;
	obs->token_expires_us = 1700604800000001;
	ck_assert_int_eq(token_new(&reg, tok_obs, obs->token_hash), 0);

	apply(exec->id, exec);
	apply(obs->id, obs);
	ck_assert_int_eq(query_int("SELECT count(*) FROM agents"), 2);

	/* The stored form: names, status words, NULL for "never". */
	ck_assert_int_eq(sqlite3_prepare_v2(st->db,
					    "SELECT permissions, status, expires_us IS NULL,"
					    " token_expires_us IS NULL, typeof(token_hash),"
					    " length(token_hash), description IS NULL,"
					    " suspend_reason IS NULL FROM agents ORDER BY id",
					    -1, &s, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW); /* auditor.1 */
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "read_files");
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 1), "suspended");
	ck_assert_int_eq(sqlite3_column_int(s, 2), 1);
	ck_assert_int_eq(sqlite3_column_int(s, 3), 0);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 4), "blob");
	ck_assert_int_eq(sqlite3_column_int(s, 5), TOKEN_HASH_SIZE);
	ck_assert_int_eq(sqlite3_column_int(s, 6), 1);
	ck_assert_int_eq(sqlite3_column_int(s, 7), 0);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW); /* deploy-bot */
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0),
			 "read_files,write_files,execute_commands,network_access,read_secrets");
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 1), "active");
	ck_assert_int_eq(sqlite3_column_int(s, 2), 0);
	ck_assert_int_eq(sqlite3_column_int(s, 3), 1);
	ck_assert_int_eq(sqlite3_column_int(s, 6), 0);
	ck_assert_int_eq(sqlite3_column_int(s, 7), 1);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	/* A fresh registry from the database: the same agents, in id order. */
	load(&back);
	ck_assert_str_eq(back.instance_id, reg.instance_id);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(back.agents[0]->id, "auditor.1");
	ck_assert_str_eq(back.agents[1]->id, "deploy-bot");
	assert_agent_eq(registry_find(&back, "deploy-bot"), exec);
	assert_agent_eq(registry_find(&back, "auditor.1"), obs);
	/* The tokens issued before the restart still verify after it. */
	ck_assert_int_eq(token_verify(&back, registry_find(&back, "deploy-bot"), tok_exec), TOKEN_OK);
	ck_assert_int_eq(token_verify(&back, registry_find(&back, "auditor.1"), tok_obs), TOKEN_OK);
	ck_assert_int_eq(token_verify(&back, registry_find(&back, "auditor.1"), tok_exec),
			 TOKEN_MISMATCH);
	registry_clear(&back);

	/* Upsert: revoke, suspend without a reason, drop the description, rotate. */
	exec->permissions &= ~PERM_NETWORK_ACCESS;
	exec->status = AGENT_SUSPENDED;
	free(exec->description);
	exec->description = NULL;
	exec->updated_us = 1795676400000000;
	exec->token_created_us = 1795676400000000;
	exec->token_expires_us = 1795680000000000;
	exec->expires_us = 0;
	ck_assert_int_eq(token_new(&reg, tok_exec, exec->token_hash), 0);
	apply(exec->id, exec);
	/* Resume: the reason goes. */
	obs->status = AGENT_ACTIVE;
	free(obs->suspend_reason);
	obs->suspend_reason = NULL;
	obs->permissions = 0; /* everything revoked, even the role's defaults */
	obs->updated_us = 1700000001000000;
	apply(obs->id, obs);
	ck_assert_int_eq(query_int("SELECT count(*) FROM agents"), 2);
	ck_assert_int_eq(query_int("SELECT permissions = '' FROM agents WHERE id = 'auditor.1'"), 1);

	load(&back);
	ck_assert_uint_eq(back.n, 2);
	assert_agent_eq(registry_find(&back, "deploy-bot"), exec);
	assert_agent_eq(registry_find(&back, "auditor.1"), obs);
	ck_assert_int_eq(token_verify(&back, registry_find(&back, "deploy-bot"), tok_exec), TOKEN_OK);
	registry_clear(&back);

	/* Delete; deleting what is not there is not an error. */
	apply("auditor.1", NULL);
	apply("nobody", NULL);
	ck_assert_int_eq(query_int("SELECT count(*) FROM agents"), 1);
	load(&back);
	ck_assert_uint_eq(back.n, 1);
	ck_assert_ptr_null(registry_find(&back, "auditor.1"));
	assert_agent_eq(registry_find(&back, "deploy-bot"), exec);
	registry_clear(&back);

	/* After a restart too. */
	st = store_close(st);
	open_store();
	load(&back);
	ck_assert_str_eq(back.instance_id, reg.instance_id);
	ck_assert_uint_eq(back.n, 1);
	assert_agent_eq(registry_find(&back, "deploy-bot"), exec);
	ck_assert_int_eq(token_verify(&back, registry_find(&back, "deploy-bot"), tok_exec), TOKEN_OK);
	registry_clear(&back);

	agent_free(exec);
	agent_free(obs);
	registry_clear(&reg);
}
END_TEST

START_TEST(test_load_order)
{
	struct agent_registry reg, back;
	static const char *const ids[] = { "m", "b", "z", "a0", "a" };

	open_store();
	load(&reg);
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		struct agent *a = agent_make(ids[i], "counselor");

		a->created_us = a->updated_us = a->token_created_us = (int64_t)i + 1;
		apply(a->id, a);
		agent_free(a);
	}
	load(&back);
	ck_assert_uint_eq(back.n, 5);
	ck_assert_str_eq(back.agents[0]->id, "a");
	ck_assert_str_eq(back.agents[1]->id, "a0");
	ck_assert_str_eq(back.agents[2]->id, "b");
	ck_assert_str_eq(back.agents[3]->id, "m");
	ck_assert_str_eq(back.agents[4]->id, "z");
	ck_assert_uint_eq(back.agents[4]->permissions, PERM_READ_FILES | PERM_PROVIDE_COUNSEL);
	ck_assert_int_eq(back.agents[4]->created_us, 3);
	registry_clear(&back);
	registry_clear(&reg);
}
END_TEST

/* A row maestrod cannot make sense of stops the load, naming the row. */
START_TEST(test_bad_rows)
{
	static const struct {
		const char *id, *role, *permissions, *hash;
	} bad[] = {
		{ "bad-role", "admin", "read_files", "zeroblob(32)" },
		{ "empty-role", "", "read_files", "zeroblob(32)" },
		{ "upper-role", "Executor", "read_files", "zeroblob(32)" },
		{ "bad-perms", "observer", "read_files,sudo", "zeroblob(32)" },
		{ "upper-perms", "observer", "READ_FILES", "zeroblob(32)" },
		{ "spaced-perms", "observer", "read_files, write_files", "zeroblob(32)" },
		{ "Bad-Id", "observer", "read_files", "zeroblob(32)" },
		{ ".dot", "observer", "read_files", "zeroblob(32)" },
		{ "short-hash", "observer", "read_files", "zeroblob(16)" },
		{ "long-hash", "observer", "read_files", "zeroblob(33)" },
		{ "text-hash", "observer", "read_files", "'x'" },
	};
	struct agent_registry reg;
	char sql[512], want[256];

	open_store();
	load(&reg);
	registry_clear(&reg);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		exec_sql("DELETE FROM agents");
		/* A good row first (in id order, for all but ".dot"): still a failure. */
		exec_sql("INSERT INTO agents (id, role, permissions, status, created_us, updated_us,"
			 " token_hash, token_created_us) VALUES ('0good', 'observer', 'read_files',"
			 " 'active', 1, 1, zeroblob(32), 1)");
		snprintf(sql, sizeof sql,
			 "INSERT INTO agents (id, role, permissions, status, created_us, updated_us,"
			 " token_hash, token_created_us) VALUES ('%s', '%s', '%s', 'active', 1, 1, %s, 1)",
			 bad[i].id, bad[i].role, bad[i].permissions, bad[i].hash);
		exec_sql(sql);
		memset(&reg, 0, sizeof reg);
		strcpy(msg, "untouched");
		ck_assert_msg(agent_store_load(st->db, &reg, msg, sizeof msg) == -EINVAL,
			      "row %s loaded", bad[i].id);
		snprintf(want, sizeof want, "the agents table holds a row maestrod cannot read (%s)",
			 bad[i].id);
		ck_assert_str_eq(msg, want);
		registry_clear(&reg);
	}

	/* An id longer than 64 characters. */
	exec_sql("DELETE FROM agents");
	exec_sql("INSERT INTO agents (id, role, permissions, status, created_us, updated_us,"
		 " token_hash, token_created_us) VALUES (replace(hex(zeroblob(32)), '0', 'a')"
		 " || 'a'/*65*/, 'observer', '', 'active', 1, 1, zeroblob(32), 1)");
	ck_assert_int_eq(query_int("SELECT length(id) FROM agents"), 65);
	memset(&reg, 0, sizeof reg);
	ck_assert_int_eq(agent_store_load(st->db, &reg, msg, sizeof msg), -EINVAL);
	ck_assert_int_eq(strncmp(msg, "the agents table holds a row maestrod cannot read (aaaa", 55), 0);
	registry_clear(&reg);

	/* Cleaned up, it loads again. */
	exec_sql("DELETE FROM agents");
	load(&reg);
	ck_assert_uint_eq(reg.n, 0);
	registry_clear(&reg);
}
END_TEST

START_TEST(test_bad_instance)
{
	struct agent_registry reg;
	char want[256];

	open_store();
	load(&reg);
	registry_clear(&reg);
	snprintf(want, sizeof want, "cannot read this instance's identity: %s",
		 sqlite3_errstr(SQLITE_CORRUPT));

	/* A key of the wrong size is not replaced by a new one: tokens would all break. */
	exec_sql("UPDATE instance SET token_key = zeroblob(16)");
	memset(&reg, 0, sizeof reg);
	ck_assert_int_eq(agent_store_load(st->db, &reg, msg, sizeof msg), -EIO);
	ck_assert_str_eq(msg, want);
	registry_clear(&reg);
	ck_assert_int_eq(query_int("SELECT count(*) FROM instance"), 1);

	exec_sql("UPDATE instance SET token_key = zeroblob(32), instance_id = 'abc'");
	memset(&reg, 0, sizeof reg);
	ck_assert_int_eq(agent_store_load(st->db, &reg, msg, sizeof msg), -EIO);
	ck_assert_str_eq(msg, want);
	registry_clear(&reg);

	exec_sql("UPDATE instance SET instance_id = '0123456789abcdef0123456789abcdef'");
	load(&reg);
	ck_assert_str_eq(reg.instance_id, "0123456789abcdef0123456789abcdef");
	ck_assert(all_zero(reg.token_key, TOKEN_KEY_SIZE));
	registry_clear(&reg);
}
END_TEST

START_TEST(test_store_errors)
{
	struct agent_registry reg;
	struct agent *a = agent_make("x", "observer");
	struct agent_change *c;
	char err[256] = "";

	open_store();
	load(&reg);
	exec_sql("DROP TABLE agents");
	c = agent_change_new("x", a);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(agent_store_apply(st->db, c, err, sizeof err), -EIO);
	ck_assert_str_eq(err, "cannot store agent x: no such table: agents");
	agent_change_free(c);
	c = agent_change_new("x", NULL);
	ck_assert_int_eq(agent_store_apply(st->db, c, err, sizeof err), -EIO);
	ck_assert_str_eq(err, "cannot store agent x: no such table: agents");
	agent_change_free(c);
	agent_change_free(NULL);

	registry_clear(&reg);
	memset(&reg, 0, sizeof reg);
	ck_assert_int_eq(agent_store_load(st->db, &reg, msg, sizeof msg), -EIO);
	ck_assert_str_eq(msg, "cannot read the agents: no such table: agents");
	registry_clear(&reg);
	agent_free(a);
}
END_TEST

static Suite *
agent_store_suite(void)
{
	Suite *s = suite_create("agent-store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_instance_created);
	tcase_add_test(tc, test_instances_differ);
	tcase_add_test(tc, test_apply_round_trip);
	tcase_add_test(tc, test_load_order);
	tcase_add_test(tc, test_bad_rows);
	tcase_add_test(tc, test_bad_instance);
	tcase_add_test(tc, test_store_errors);
	suite_add_tcase(s, tc);
	return s;
}

static int
remove_entry(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(p) < 0 ? -1 : 0;
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	int r;

	snprintf(root, sizeof root, "%s/maestro-agent-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(root) == NULL) {
		perror(root);
		return EXIT_FAILURE;
	}
	r = unit_run(agent_store_suite());
	/* What a failed test (which skips its teardown) left behind goes too. */
	if (nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0) {
		perror(root);
		r = EXIT_FAILURE;
	}
	return r;
}
