/* The audit writer's side of the chain: its head, checkpoints and retention. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit-head.h"
#include "audit.h"
#include "log.h"
#include "util.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* Rows per transaction when chaining old rows or pruning: short enough never to hold decisions up. */
#define HEAD_BATCH 500

/* Runs sql with one int64 bound and, when it yields a row, reads columns 0 (int64) and 1 (text). */
static int
query_row(sqlite3 *db, const char *sql, int64_t bind, int64_t *i0, char *t1, size_t t1_size)
{
	sqlite3_stmt *st;
	int r = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (r != SQLITE_OK)
		return r;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, bind);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (i0 != NULL)
			*i0 = sqlite3_column_int64(st, 0);
		if (t1 != NULL) {
			const char *t = (const char *)sqlite3_column_text(st, 1);

			snprintf(t1, t1_size, "%s", t ? t : "");
		}
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? r : -1;
}

/*
 * Rows from before the chain (schema 5) get their hashes now, in seq
 * order from the anchor, a batch per transaction; a start interrupted
 * half way picks up where it stopped, as hashed rows link the rest.
 */
static int
head_chain_legacy(struct audit_head *h, int64_t through)
{
	char prev[AUDIT_HASH_HEX_SIZE];
	int64_t after = 0, done = 0;
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int r;

	if (query_row(h->db, "SELECT seq, hash FROM audit_anchor WHERE id = 1", 0, &after, prev,
		      sizeof prev) != SQLITE_ROW)
		return -EIO;
	r = sqlite3_prepare_v2(h->db,
			       "SELECT " AUDIT_CHAIN_COLUMNS " FROM audit WHERE seq > ? AND seq <= ?"
			       " ORDER BY seq LIMIT " STRINGIFY(HEAD_BATCH),
			       -1, &sel, NULL);
	if (r == SQLITE_OK)
		r = sqlite3_prepare_v2(h->db, "UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?",
				       -1, &upd, NULL);
	while (r == SQLITE_OK) {
		int n = 0;

		r = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_int64(sel, 1, after);
		sqlite3_bind_int64(sel, 2, through);
		while (r == SQLITE_OK && sqlite3_step(sel) == SQLITE_ROW) {
			struct audit_chain_field f[AUDIT_CHAIN_NFIELDS];
			char hash[AUDIT_HASH_HEX_SIZE];
			const char *stored = (const char *)sqlite3_column_text(sel, AUDIT_CHAIN_NFIELDS);

			audit_chain_from_row(sel, f);
			after = f[AUDIT_CHAIN_SEQ].i;
			n++;
			if (stored != NULL) { /* chained by an earlier, interrupted start */
				snprintf(prev, sizeof prev, "%s", stored);
				continue;
			}
			f[AUDIT_CHAIN_PREV_HASH] = audit_chain_text(prev);
			audit_chain_hash(f, hash);
			sqlite3_bind_text(upd, 1, prev, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(upd, 2, hash, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(upd, 3, after);
			if (sqlite3_step(upd) != SQLITE_DONE)
				r = SQLITE_ERROR;
			sqlite3_reset(upd);
			memcpy(prev, hash, sizeof prev);
			done++;
		}
		sqlite3_reset(sel);
		if (r == SQLITE_OK && n == 0)
			r = sqlite3_exec(h->db, "UPDATE audit_anchor SET legacy_through = 0", NULL,
					 NULL, NULL);
		if (r == SQLITE_OK)
			r = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
		if (r != SQLITE_OK || n == 0)
			break;
	}
	if (r != SQLITE_OK) {
		log_error("audit: chaining the rows from before the chain failed: %s",
			  sqlite3_errmsg(h->db));
		if (!sqlite3_get_autocommit(h->db))
			sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	} else if (done > 0) {
		log_notice("audit: chained %lld rows written before the chain existed", (long long)done);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return r == SQLITE_OK ? 0 : -EIO;
}

int
audit_head_open(struct audit_head *h, sqlite3 *db, char *msg, size_t size)
{
	const char *path = sqlite3_db_filename(db, "main");
	int64_t legacy = 0, last = 0, used = 0;
	int r;

	memset(h, 0, sizeof *h);
	h->db = db;
	if (path != NULL && path[0] != '\0') {
		r = audit_chain_load_key(path, h->sk, h->public_key, msg, size);
		if (r < 0)
			return r;
		h->signing = true;
	}
	if (query_row(db, "SELECT legacy_through FROM audit_anchor WHERE id = 1", 0, &legacy, NULL,
		      0) != SQLITE_ROW)
		return fail_with(msg, size, -EIO, "the audit anchor is missing: %s",
				 sqlite3_errmsg(db));
	if (legacy > 0 && head_chain_legacy(h, legacy) < 0)
		return fail_with(msg, size, -EIO, "cannot chain the old audit rows: %s",
				 sqlite3_errmsg(db));
	/* The head: the last row, else the anchor (everything pruned, or nothing yet). */
	r = query_row(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", 0, &h->seq,
		      h->hash, sizeof h->hash);
	if (r == SQLITE_DONE)
		r = query_row(db, "SELECT seq, hash FROM audit_anchor WHERE id = 1", 0, &h->seq,
			      h->hash, sizeof h->hash);
	if (r != SQLITE_ROW ||
	    query_row(db, "SELECT coalesce(max(seq), 0) FROM audit_checkpoints", 0,
		      &h->checkpoint_seq, NULL, 0) != SQLITE_ROW ||
	    query_row(db, "SELECT seq FROM sqlite_sequence WHERE name = 'audit'", 0, &used, NULL,
		      0) < 0)
		return fail_with(msg, size, -EIO, "cannot read the audit chain's head: %s",
				 sqlite3_errmsg(db));
	if (!audit_chain_is_hex(h->hash, AUDIT_HASH_HEX_LEN)) {
		/* Not ours: verification names it; new rows still chain to something fixed. */
		log_error("audit: the last row (seq %lld) has no valid hash; the chain is broken there",
			  (long long)h->seq);
		snprintf(h->hash, sizeof h->hash, "%s", AUDIT_CHAIN_GENESIS);
	}
	last = h->seq;
	/*
	 * Seqs are never reused: rows cut off the end leave their seqs taken
	 * (sqlite_sequence), so the gap stays visible to verification.
	 */
	if (used > h->seq) {
		log_error("audit: rows %lld..%lld were removed from the end of the audit trail",
			  (long long)h->seq + 1, (long long)used);
		h->seq = used;
	}
	if (h->checkpoint_seq > last)
		log_error("audit: the trail ends at seq %lld, before its newest checkpoint (%lld)",
			  (long long)last, (long long)h->checkpoint_seq);
	return 0;
}

void
audit_head_close(struct audit_head *h)
{
	sodium_memzero(h->sk, sizeof h->sk);
}

void
audit_head_begin(struct audit_head *h)
{
	h->saved_seq = h->seq;
	h->saved_checkpoint_seq = h->checkpoint_seq;
	memcpy(h->saved_hash, h->hash, sizeof h->hash);
}

void
audit_head_rollback(struct audit_head *h)
{
	h->seq = h->saved_seq;
	h->checkpoint_seq = h->saved_checkpoint_seq;
	memcpy(h->hash, h->saved_hash, sizeof h->hash);
}

void
audit_head_link(const struct audit_head *h, struct audit_record *rec,
		char hash[AUDIT_HASH_HEX_SIZE])
{
	struct audit_chain_field f[AUDIT_CHAIN_NFIELDS] = {
		[AUDIT_CHAIN_SEQ] = audit_chain_int(h->seq + 1),
		[AUDIT_CHAIN_TIME_US] = audit_chain_int(rec->time_us),
		[AUDIT_CHAIN_EVENT] = audit_chain_text(rec->event),
		[AUDIT_CHAIN_ACTOR] = audit_chain_text(rec->actor),
		[AUDIT_CHAIN_CORRELATION_ID] = audit_chain_text(rec->correlation_id),
		[AUDIT_CHAIN_DETAIL] = audit_chain_text(rec->detail),
		[AUDIT_CHAIN_PREV_HASH] = audit_chain_text(h->hash),
	};

	if (rec->has_peer) {
		f[AUDIT_CHAIN_PEER_UID] = audit_chain_int(rec->peer_uid);
		f[AUDIT_CHAIN_PEER_PID] = audit_chain_int(rec->peer_pid);
	}
	rec->seq = h->seq + 1;
	audit_chain_hash(f, hash);
}

void
audit_head_advance(struct audit_head *h, int64_t seq, const char *hash)
{
	h->seq = seq;
	memcpy(h->hash, hash, sizeof h->hash);
}

static int
head_write_checkpoint(struct audit_head *h)
{
	char sig[AUDIT_SIGNATURE_HEX_LEN + 1];
	int64_t now = (int64_t)now_usec(CLOCK_REALTIME);
	sqlite3_stmt *st;
	int r;

	audit_chain_sign(h->seq, h->hash, now, h->sk, sig);
	r = sqlite3_prepare_v2(h->db,
			       "INSERT OR REPLACE INTO audit_checkpoints"
			       " (seq, hash, time_us, signature, public_key) VALUES (?, ?, ?, ?, ?)",
			       -1, &st, NULL);
	if (r != SQLITE_OK)
		return r;
	sqlite3_bind_int64(st, 1, h->seq);
	sqlite3_bind_text(st, 2, h->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, sig, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, h->public_key, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return r;
	h->checkpoint_seq = h->seq;
	return SQLITE_OK;
}

int
audit_head_checkpoint_due(struct audit_head *h)
{
	if (!h->signing || h->checkpoint_every == 0 ||
	    h->seq - h->checkpoint_seq < (int64_t)h->checkpoint_every)
		return SQLITE_OK;
	return head_write_checkpoint(h);
}

int
audit_head_checkpoint_now(struct audit_head *h)
{
	int r;

	if (!h->signing || h->seq == h->checkpoint_seq || h->seq == 0)
		return 0;
	r = sqlite3_exec(h->db, "BEGIN", NULL, NULL, NULL);
	if (r == SQLITE_OK)
		r = head_write_checkpoint(h);
	if (r == SQLITE_OK)
		r = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
	if (r == SQLITE_OK)
		return 0;
	log_error("audit: cannot write a checkpoint: %s", sqlite3_errmsg(h->db));
	if (!sqlite3_get_autocommit(h->db))
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

/* The last row of the next prune batch, or 0: rows past max_rows or older than max_age. */
static int64_t
head_prune_until(struct audit_head *h, char hash[AUDIT_HASH_HEX_SIZE])
{
	int64_t cutoff = (int64_t)now_usec(CLOCK_REALTIME) - h->max_age_usec;
	int64_t by_rows = h->max_rows > 0 ? h->seq - h->max_rows : 0, until = 0;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h->db,
			       "SELECT seq, time_us, hash FROM audit ORDER BY seq LIMIT " STRINGIFY(
				       HEAD_BATCH),
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		const char *t = (const char *)sqlite3_column_text(st, 2);

		/* Never the head: new rows must have a row (or the anchor) to chain to. */
		if (seq >= h->seq || !((h->max_rows > 0 && seq <= by_rows) ||
				       (h->max_age_usec > 0 && sqlite3_column_int64(st, 1) < cutoff)))
			break;
		until = seq;
		snprintf(hash, AUDIT_HASH_HEX_SIZE, "%s", t ? t : "");
	}
	sqlite3_finalize(st);
	return until;
}

int
audit_head_prune(struct audit_head *h)
{
	char hash[AUDIT_HASH_HEX_SIZE], sig[AUDIT_SIGNATURE_HEX_LEN + 1] = "";
	int64_t now = (int64_t)now_usec(CLOCK_REALTIME), until;
	sqlite3_stmt *st = NULL;
	int r;

	if (h->max_rows == 0 && h->max_age_usec == 0)
		return 0;
	r = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (r != SQLITE_OK)
		goto fail;
	until = head_prune_until(h, hash);
	if (until <= 0) {
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return until < 0 ? -EIO : 0;
	}
	/* The anchor is signed like a checkpoint, so that moving it by hand shows. */
	if (h->signing && audit_chain_is_hex(hash, AUDIT_HASH_HEX_LEN))
		audit_chain_sign(until, hash, now, h->sk, sig);
	r = sqlite3_prepare_v2(h->db,
			       "UPDATE audit_anchor SET seq = ?, hash = ?, time_us = ?, signature = ?"
			       " WHERE id = 1",
			       -1, &st, NULL);
	if (r == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, until);
		sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		if (sig[0] != '\0')
			sqlite3_bind_text(st, 4, sig, -1, SQLITE_STATIC);
		r = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_finalize(st);
	}
	if (r == SQLITE_OK) {
		char sql[160];

		snprintf(sql, sizeof sql,
			 "DELETE FROM audit WHERE seq <= %lld;"
			 "DELETE FROM audit_checkpoints WHERE seq <= %lld;",
			 (long long)until, (long long)until);
		r = sqlite3_exec(h->db, sql, NULL, NULL, NULL);
	}
	if (r == SQLITE_OK)
		r = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
	if (r == SQLITE_OK)
		return 1;
fail:
	log_error("audit: pruning failed: %s", sqlite3_errmsg(h->db));
	if (!sqlite3_get_autocommit(h->db))
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}
