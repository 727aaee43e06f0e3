/* The SQLite store: opening, checking and migrating maestro's database. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "daemon.h"
#include "store.h"
#include "util.h"

/*
 * Each entry takes the schema from version i to i + 1. Entries are never
 * edited once released: a change is a new entry.
 */
static const char *const migrations[] = {
	/* 0 -> 1: the audit trail. */
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  time_us INTEGER NOT NULL,"
	"  event TEXT NOT NULL,"
	"  actor TEXT,"
	"  peer_uid INTEGER,"
	"  peer_pid INTEGER,"
	"  correlation_id TEXT,"
	"  detail TEXT NOT NULL DEFAULT '{}'"
	");"
	"CREATE INDEX audit_time ON audit(time_us);"
	"CREATE INDEX audit_correlation ON audit(correlation_id);",

	/* 1 -> 2: this instance's identity, and agents. */
	"CREATE TABLE instance ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  instance_id TEXT NOT NULL,"
	"  token_key BLOB NOT NULL,"
	"  created_us INTEGER NOT NULL"
	");"
	"CREATE TABLE agents ("
	"  id TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL,"
	"  permissions TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),"
	"  description TEXT,"
	"  suspend_reason TEXT,"
	"  created_us INTEGER NOT NULL,"
	"  updated_us INTEGER NOT NULL,"
	"  expires_us INTEGER,"
	"  token_hash BLOB NOT NULL,"
	"  token_created_us INTEGER NOT NULL,"
	"  token_expires_us INTEGER"
	") WITHOUT ROWID;",

	/*
	 * 2 -> 3: trust and usage kept across restarts, token budgets, and the
	 * history of every trust change (no foreign key: the history of a
	 * deleted agent stays, like its audit rows).
	 */
	"ALTER TABLE agents ADD COLUMN trust REAL NOT NULL DEFAULT 0.8"
	"  CHECK (trust >= 0 AND trust <= 1);"
	"ALTER TABLE agents ADD COLUMN token_budget INTEGER NOT NULL DEFAULT 0"
	"  CHECK (token_budget >= 0);"
	"ALTER TABLE agents ADD COLUMN budget_period TEXT NOT NULL DEFAULT 'day'"
	"  CHECK (budget_period IN ('day', 'week', 'month', 'total'));"
	"ALTER TABLE agents ADD COLUMN period_start_us INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE agents ADD COLUMN tokens_used INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE agents ADD COLUMN cost_used REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE agents ADD COLUMN tokens_total INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE trust_history ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  agent TEXT NOT NULL,"
	"  time_us INTEGER NOT NULL,"
	"  old REAL NOT NULL,"
	"  new REAL NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  correlation_id TEXT"
	");"
	"CREATE INDEX trust_history_agent ON trust_history(agent, time_us);",

	/*
	 * 3 -> 4: each decision's trace, one row per trace: its spans as a
	 * JSON array, so that a decision costs the writer one more row, not six.
	 */
	"CREATE TABLE traces ("
	"  trace_id TEXT PRIMARY KEY,"
	"  correlation_id TEXT NOT NULL,"
	"  time_us INTEGER NOT NULL,"
	"  spans TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX traces_correlation ON traces(correlation_id);"
	"CREATE INDEX traces_time ON traces(time_us);",

	/*
	 * 4 -> 5: the tamper-evident audit chain (maestro-audit(7)). Each row
	 * carries the previous row's hash and its own; audit_checkpoints holds
	 * signed chain heads; audit_anchor is where verification starts: the
	 * seq and hash of the last row pruned by retention (0 and the genesis
	 * value until then), signed like a checkpoint. Rows written before
	 * this version get chained by the writer at its next start, in seq
	 * order, up to legacy_through, so they are covered too; after that, a
	 * row without a hash is tampering.
	 */
	"ALTER TABLE audit ADD COLUMN prev_hash TEXT;"
	"ALTER TABLE audit ADD COLUMN hash TEXT;"
	"CREATE TABLE audit_checkpoints ("
	"  seq INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL,"
	"  time_us INTEGER NOT NULL,"
	"  signature TEXT NOT NULL,"
	"  public_key TEXT NOT NULL"
	");"
	"CREATE TABLE audit_anchor ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  seq INTEGER NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  time_us INTEGER NOT NULL,"
	"  legacy_through INTEGER NOT NULL DEFAULT 0,"
	"  signature TEXT"
	");"
	"INSERT INTO audit_anchor (id, seq, hash, time_us, legacy_through) VALUES (1, 0,"
	"  '0000000000000000000000000000000000000000000000000000000000000000', 0,"
	"  (SELECT coalesce(max(seq), 0) FROM audit));",

	/*
	 * 5 -> 6: approvals, one row per ask a person is to decide, kept after
	 * the decision (the audit trail has every step; this is the state).
	 */
	"CREATE TABLE approvals ("
	"  id TEXT PRIMARY KEY,"
	"  agent TEXT NOT NULL,"
	"  fingerprint TEXT NOT NULL,"
	"  correlation_id TEXT NOT NULL,"
	"  risk TEXT NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  request TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('pending', 'approved', 'denied', 'expired', 'used')),"
	"  created_us INTEGER NOT NULL,"
	"  expires_us INTEGER NOT NULL,"
	"  scope TEXT,"
	"  until_us INTEGER,"
	"  decided_uid INTEGER,"
	"  decided_us INTEGER,"
	"  note TEXT"
	") WITHOUT ROWID;"
	"CREATE INDEX approvals_agent ON approvals(agent, fingerprint);"
	"CREATE INDEX approvals_status ON approvals(status, created_us);",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

static int
pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int r;

	r = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (r != SQLITE_OK)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		r = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return r;
}

static int
store_migrate(struct store *s, char *msg, size_t size)
{
	char sql[128];
	char *err = NULL;

	for (int v = s->schema_version; v < STORE_SCHEMA_VERSION; v++) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d;",
			 v + 1, STORE_APPLICATION_ID);
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK ||
		    sqlite3_exec(s->db, migrations[v], NULL, NULL, &err) != SQLITE_OK ||
		    sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
			fail_with(msg, size, -EIO, "%s: migrating the schema to version %d failed: %s",
				   s->path, v + 1, err ? err : sqlite3_errmsg(s->db));
			sqlite3_free(err);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -EIO;
		}
		s->schema_version = v + 1;
	}
	return 0;
}

/* Is this file ours, someone else's, or a new empty database? */
static int
store_check(struct store *s, char *msg, size_t size)
{
	int app_id = 0, tables = 0, r;

	r = pragma_int(s->db, "PRAGMA application_id", &app_id);
	if (r == SQLITE_OK)
		r = pragma_int(s->db, "PRAGMA user_version", &s->schema_version);
	if (r == SQLITE_OK)
		r = pragma_int(s->db, "SELECT count(*) FROM sqlite_master", &tables);
	if (r == SQLITE_NOTADB)
		return fail_with(msg, size, -EINVAL,
				  "%s is not a SQLite database (and so not a maestro database)", s->path);
	if (r == SQLITE_CORRUPT)
		return fail_with(msg, size, -EINVAL, "%s is corrupt: %s", s->path,
				  sqlite3_errmsg(s->db));
	if (r != SQLITE_OK)
		return fail_with(msg, size, -EIO, "%s: cannot read the database: %s", s->path,
				  sqlite3_errmsg(s->db));
	if (app_id == 0 && tables == 0 && s->schema_version == 0)
		return 0; /* new */
	if (app_id != STORE_APPLICATION_ID)
		return fail_with(msg, size, -EINVAL,
				  "%s is a SQLite database but not a maestro database "
				  "(application_id %#x); refusing to touch it",
				  s->path, (unsigned)app_id);
	if (s->schema_version > STORE_SCHEMA_VERSION)
		return fail_with(msg, size, -EINVAL,
				  "%s has schema version %d, newer than this maestrod supports (%d); "
				  "run a newer maestrod",
				  s->path, s->schema_version, STORE_SCHEMA_VERSION);
	return 0;
}

int
store_open(const char *path, enum audit_sync sync, struct store **out, char *msg, size_t size)
{
	struct store *s;
	char *err = NULL;
	int r;

	r = paths_make_parent(path, 0700);
	if (r < 0)
		return fail_with(msg, size, r, "cannot create the directory for %s: %s", path,
				  strerror(-r));
	s = calloc(1, sizeof *s);
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return fail_with(msg, size, -ENOMEM, "out of memory");
	}
	s->lock_fd = -1;
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (s->lock_fd < 0) {
		r = -errno;
		store_close(s);
		return fail_with(msg, size, r, "cannot open %s: %s", path, strerror(-r));
	}
	/*
	 * SQLite locks with fcntl(); flock() locks are separate on Linux, so
	 * this marks the file as taken by one maestrod without disturbing
	 * SQLite. The descriptor stays open for the daemon's lifetime, which
	 * also keeps POSIX lock semantics from dropping SQLite's locks.
	 */
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		store_close(s);
		if (r == -EWOULDBLOCK)
			return fail_with(msg, size, -EBUSY,
					  "%s is in use by another maestrod", path);
		return fail_with(msg, size, r, "cannot lock %s: %s", path, strerror(-r));
	}
	r = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (r != SQLITE_OK) {
		fail_with(msg, size, -EIO, "cannot open %s: %s", path,
			   s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(r));
		store_close(s);
		return -EIO;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	r = store_check(s, msg, size);
	if (r < 0) {
		store_close(s);
		return r;
	}
	if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, &err) != SQLITE_OK ||
	    sqlite3_exec(s->db,
			 sync == AUDIT_SYNC_FULL ? "PRAGMA synchronous = FULL"
						 : "PRAGMA synchronous = NORMAL",
			 NULL, NULL, &err) != SQLITE_OK) {
		fail_with(msg, size, -EIO, "%s: cannot configure the database: %s", path,
			   err ? err : sqlite3_errmsg(s->db));
		sqlite3_free(err);
		store_close(s);
		return -EIO;
	}
	r = store_migrate(s, msg, size);
	if (r < 0) {
		store_close(s);
		return r;
	}
	*out = s;
	return 0;
}

sqlite3_stmt *
store_stmt(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	while ((st = sqlite3_next_stmt(db, st)) != NULL)
		if (!sqlite3_stmt_busy(st) && strcmp(sqlite3_sql(st), sql) == 0) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

int
store_exec(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = store_stmt(db, sql);
	int r;

	if (st == NULL)
		return sqlite3_errcode(db);
	r = sqlite3_step(st);
	sqlite3_reset(st);
	return r == SQLITE_DONE || r == SQLITE_ROW ? SQLITE_OK : r;
}

struct store *
store_close(struct store *s)
{
	sqlite3_stmt *st;

	if (s == NULL)
		return NULL;
	while (s->db != NULL && (st = sqlite3_next_stmt(s->db, NULL)) != NULL)
		sqlite3_finalize(st);
	if (s->db != NULL)
		sqlite3_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->path);
	free(s);
	return NULL;
}
