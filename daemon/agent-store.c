/* Agents in SQLite: loading the registry at start, writing changes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "agent-store.h"
#include "util.h"

static int
instance_load(sqlite3 *db, struct agent_registry *reg)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite3_prepare_v2(db, "SELECT instance_id, token_key FROM instance WHERE id = 1", -1,
			       &st, NULL);
	if (r != SQLITE_OK)
		return r;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_bytes(st, 1) == TOKEN_KEY_SIZE &&
	    sqlite3_column_bytes(st, 0) == 32) {
		memcpy(reg->instance_id, sqlite3_column_text(st, 0), 32);
		reg->instance_id[32] = '\0';
		memcpy(reg->token_key, sqlite3_column_blob(st, 1), TOKEN_KEY_SIZE);
		r = SQLITE_OK;
	} else if (r == SQLITE_ROW) {
		r = SQLITE_CORRUPT;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return r;

	/* First start: this instance's id (in every token) and its hashing key. */
	{
		unsigned char raw[16];

		randombytes_buf(raw, sizeof raw);
		sodium_bin2hex(reg->instance_id, sizeof reg->instance_id, raw, sizeof raw);
		randombytes_buf(reg->token_key, sizeof reg->token_key);
	}
	r = sqlite3_prepare_v2(db,
			       "INSERT INTO instance (id, instance_id, token_key, created_us)"
			       " VALUES (1, ?, ?, ?)",
			       -1, &st, NULL);
	if (r != SQLITE_OK)
		return r;
	sqlite3_bind_text(st, 1, reg->instance_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, reg->token_key, TOKEN_KEY_SIZE, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)now_usec(CLOCK_REALTIME));
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? SQLITE_OK : r;
}

static char *
column_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

/* One row into an agent; a row maestrod cannot make sense of is an error, not skipped. */
static int
agent_from_row(sqlite3_stmt *st, struct agent **out)
{
	struct agent *a = calloc(1, sizeof *a);
	const char *id = (const char *)sqlite3_column_text(st, 0);
	const char *role = (const char *)sqlite3_column_text(st, 1);
	const char *perms = (const char *)sqlite3_column_text(st, 2);
	const char *status = (const char *)sqlite3_column_text(st, 3);

	if (a == NULL)
		return -ENOMEM;
	if (id == NULL || !agent_id_valid(id) || role == NULL ||
	    (a->role = role_parse(role, NULL)) == NULL || perms == NULL ||
	    permissions_parse_list(perms, &a->permissions) < 0 || status == NULL ||
	    sqlite3_column_bytes(st, 9) != TOKEN_HASH_SIZE) {
		free(a);
		return -EINVAL;
	}
	strcpy(a->id, id);
	a->status = strcmp(status, "suspended") == 0 ? AGENT_SUSPENDED : AGENT_ACTIVE;
	a->description = column_strdup(st, 4);
	a->suspend_reason = column_strdup(st, 5);
	a->created_us = sqlite3_column_int64(st, 6);
	a->updated_us = sqlite3_column_int64(st, 7);
	a->expires_us = sqlite3_column_int64(st, 8);
	memcpy(a->token_hash, sqlite3_column_blob(st, 9), TOKEN_HASH_SIZE);
	a->token_created_us = sqlite3_column_int64(st, 10);
	a->token_expires_us = sqlite3_column_int64(st, 11);
	a->trust = sqlite3_column_double(st, 12);
	a->token_budget = (uint64_t)sqlite3_column_int64(st, 13);
	a->period_start_us = sqlite3_column_int64(st, 15);
	a->tokens_used = (uint64_t)sqlite3_column_int64(st, 16);
	a->cost_used = sqlite3_column_double(st, 17);
	a->tokens_total = (uint64_t)sqlite3_column_int64(st, 18);
	/* The table's CHECKs hold these; a file edited by hand may not. */
	if (!(a->trust >= 0 && a->trust <= 1) || sqlite3_column_int64(st, 13) < 0 ||
	    sqlite3_column_text(st, 14) == NULL ||
	    budget_period_parse((const char *)sqlite3_column_text(st, 14), &a->budget_period) < 0) {
		agent_free(a);
		return -EINVAL;
	}
	*out = a;
	return 0;
}

int
agent_store_load(sqlite3 *db, struct agent_registry *reg, char *msg, size_t size)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = instance_load(db, reg);
	if (r != SQLITE_OK) {
		snprintf(msg, size, "cannot read this instance's identity: %s", sqlite3_errstr(r));
		return -EIO;
	}
	r = sqlite3_prepare_v2(db,
			       "SELECT id, role, permissions, status, description, suspend_reason,"
			       " created_us, updated_us, expires_us, token_hash, token_created_us,"
			       " token_expires_us, trust, token_budget, budget_period, period_start_us,"
			       " tokens_used, cost_used, tokens_total FROM agents ORDER BY id",
			       -1, &st, NULL);
	if (r != SQLITE_OK) {
		snprintf(msg, size, "cannot read the agents: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct agent *a;

		a = NULL;
		if (agent_from_row(st, &a) < 0 || registry_put(reg, a) < 0) {
			agent_free(a);
			snprintf(msg, size, "the agents table holds a row maestrod cannot read (%s)",
				 (const char *)sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
			return -EINVAL;
		}
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		snprintf(msg, size, "cannot read the agents: %s", sqlite3_errstr(r));
		return -EIO;
	}
	return 0;
}

struct agent_change *
agent_change_new(const char *id, const struct agent *after)
{
	struct agent_change *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	snprintf(c->id, sizeof c->id, "%s", id);
	if (after != NULL && (c->after = agent_dup(after)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
agent_change_free(void *change)
{
	struct agent_change *c = change;

	if (c == NULL)
		return;
	agent_free(c->after);
	free(c);
}

static void
bind_time(sqlite3_stmt *st, int i, int64_t us)
{
	if (us)
		sqlite3_bind_int64(st, i, us);
	else
		sqlite3_bind_null(st, i);
}

int
agent_store_apply(sqlite3 *db, void *change, char *err, size_t size)
{
	struct agent_change *c = change;
	const struct agent *a = c->after;
	char perms[256];
	sqlite3_stmt *st = NULL;
	int r;

	if (a == NULL) {
		r = sqlite3_prepare_v2(db, "DELETE FROM agents WHERE id = ?", -1, &st, NULL);
		if (r == SQLITE_OK) {
			sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
			r = sqlite3_step(st);
		}
	} else {
		r = sqlite3_prepare_v2(db,
				       "INSERT OR REPLACE INTO agents (id, role, permissions, status,"
				       " description, suspend_reason, created_us, updated_us, expires_us,"
				       " token_hash, token_created_us, token_expires_us, trust,"
				       " token_budget, budget_period, period_start_us, tokens_used,"
				       " cost_used, tokens_total)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				       -1, &st, NULL);
		if (r == SQLITE_OK) {
			permissions_format(a->permissions, perms, sizeof perms);
			sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, a->role, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, perms, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, a->status == AGENT_ACTIVE ? "active" : "suspended", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(st, 5, a->description, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 6, a->suspend_reason, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 7, a->created_us);
			sqlite3_bind_int64(st, 8, a->updated_us);
			bind_time(st, 9, a->expires_us);
			sqlite3_bind_blob(st, 10, a->token_hash, TOKEN_HASH_SIZE, SQLITE_STATIC);
			sqlite3_bind_int64(st, 11, a->token_created_us);
			bind_time(st, 12, a->token_expires_us);
			/* Trust and usage as the loop had them when it queued this change. */
			sqlite3_bind_double(st, 13, a->trust);
			sqlite3_bind_int64(st, 14, (int64_t)a->token_budget);
			sqlite3_bind_text(st, 15, budget_period_name(a->budget_period), -1,
					  SQLITE_STATIC);
			sqlite3_bind_int64(st, 16, a->period_start_us);
			sqlite3_bind_int64(st, 17, (int64_t)a->tokens_used);
			sqlite3_bind_double(st, 18, a->cost_used);
			sqlite3_bind_int64(st, 19, (int64_t)a->tokens_total);
			r = sqlite3_step(st);
		}
	}
	if (r != SQLITE_DONE)
		snprintf(err, size, "cannot store agent %s: %s", c->id, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -EIO;
}
