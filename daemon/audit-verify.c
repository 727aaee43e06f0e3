/* audit.verify: walks the hash chain on a reader thread and names the first bad row. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "audit-chain.h"
#include "daemon.h"
#include "dispatch.h"
#include "maestro-protocol.h"
#include "reader.h"
#include "util.h"

struct checkpoint {
	int64_t seq, time_us;
	char hash[AUDIT_HASH_HEX_SIZE];
	char signature[AUDIT_SIGNATURE_HEX_LEN + 1];
	char public_key[AUDIT_PUBLIC_KEY_HEX_LEN + 1];
};

/* Owned by the reader thread while it runs, by the loop after. */
struct verify_job {
	struct call *call;
	char given_key[AUDIT_PUBLIC_KEY_HEX_LEN + 1]; /* "" without --public-key */
	int64_t rows, first_seq, last_seq, anchor_seq, checkpoints;
	char head_hash[AUDIT_HASH_HEX_SIZE], anchor_hash[AUDIT_HASH_HEX_SIZE];
	const char *kind; /* NULL: the chain holds */
	int64_t bad_seq;
	char text[320];
};

static void
copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", t ? t : "");
}

static void
problem(struct verify_job *job, int64_t seq, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
problem(struct verify_job *job, int64_t seq, const char *kind, const char *fmt, ...)
{
	va_list ap;

	job->kind = kind;
	job->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(job->text, sizeof job->text, fmt, ap);
	va_end(ap);
}

/* Whether the row st points at hashes to its stored hash when taken as row seq_as. */
static bool
hashes_as(sqlite3_stmt *st, int64_t seq_as)
{
	struct audit_chain_field f[AUDIT_CHAIN_NFIELDS];
	char hash[AUDIT_HASH_HEX_SIZE];
	const char *stored = (const char *)sqlite3_column_text(st, AUDIT_CHAIN_NFIELDS);

	audit_chain_from_row(st, f);
	f[AUDIT_CHAIN_SEQ] = audit_chain_int(seq_as);
	audit_chain_hash(f, hash);
	return stored != NULL && strcmp(stored, hash) == 0;
}

/* Runs sql (binding a and, if non-NULL, text b) and returns the first column, or 0. */
static int64_t
lookup(sqlite3 *db, const char *sql, int64_t a, const char *b, bool (*check)(sqlite3_stmt *,
									   int64_t),
       int64_t check_seq)
{
	sqlite3_stmt *st;
	int64_t found = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, a);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && (check == NULL || check(st, check_seq)))
		found = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return found;
}

/*
 * The first row that does not link or hash: says what most likely
 * happened to it, from what the rows around it still prove.
 */
static void
classify(sqlite3 *db, struct verify_job *job, sqlite3_stmt *row, int64_t seq, bool content_ok,
	 const char *prev_hash)
{
	static const char next_row[] =
		"SELECT " AUDIT_CHAIN_COLUMNS " FROM audit WHERE seq > ? ORDER BY seq LIMIT 1";
	bool link_ok = prev_hash != NULL && strcmp(prev_hash, job->head_hash) == 0;
	int64_t later;

	if (link_ok) {
		/* The next row is the one that was at seq: this row was put in before it. */
		if (lookup(db, next_row, seq, NULL, hashes_as, seq) > 0)
			problem(job, seq, "inserted",
				"row %lld was inserted: the rows after it moved down one seq",
				(long long)seq);
		else
			problem(job, seq, "changed",
				"row %lld was changed: its hash no longer matches its content",
				(long long)seq);
		return;
	}
	later = prev_hash == NULL ? 0
				  : lookup(db, "SELECT seq FROM audit WHERE seq > ? AND hash = ?"
					       " LIMIT 1", seq, prev_hash, NULL, 0);
	if (later > 0)
		problem(job, seq, "reordered",
			"row %lld is out of order: it follows row %lld, which now comes after it",
			(long long)seq, (long long)later);
	else if (content_ok)
		problem(job, seq, "inserted",
			"row %lld was inserted: it hashes but does not link to row %lld",
			(long long)seq, (long long)job->last_seq);
	else if (hashes_as(row, seq - 1))
		problem(job, seq - 1, "inserted",
			"a row was inserted at %lld: row %lld was the row before it",
			(long long)seq - 1, (long long)seq);
	else if (hashes_as(row, seq + 1))
		problem(job, seq, "removed",
			"row %lld was removed and the rows after it renumbered", (long long)seq);
	else
		problem(job, seq, "changed",
			"row %lld was changed: neither its hash nor its link matches",
			(long long)seq);
}

/* Whether the checkpoint's signature holds, with the given key or else its own. */
static bool
checkpoint_signed(const struct verify_job *job, const struct checkpoint *cp)
{
	return audit_chain_check(cp->seq, cp->hash, cp->time_us, cp->signature,
				 job->given_key[0] ? job->given_key : cp->public_key);
}

static int
load_checkpoints(sqlite3 *db, int64_t after, struct checkpoint **out, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT seq, time_us, hash, signature, public_key FROM audit_checkpoints"
			       " WHERE seq > ? ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, after);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct checkpoint *cp;

		if (*n == cap) {
			struct checkpoint *more = reallocarray(*out, cap ? cap * 2 : 16, sizeof *more);

			if (more == NULL) {
				sqlite3_finalize(st);
				return -ENOMEM;
			}
			*out = more;
			cap = cap ? cap * 2 : 16;
		}
		cp = &(*out)[(*n)++];
		cp->seq = sqlite3_column_int64(st, 0);
		cp->time_us = sqlite3_column_int64(st, 1);
		copy_text(cp->hash, sizeof cp->hash, st, 2);
		copy_text(cp->signature, sizeof cp->signature, st, 3);
		copy_text(cp->public_key, sizeof cp->public_key, st, 4);
	}
	return sqlite3_finalize(st) == SQLITE_OK ? 0 : -EIO;
}

/* The anchor: where the chain starts after retention, signed when it moved. */
static int
load_anchor(sqlite3 *db, struct verify_job *job, const struct checkpoint *cps, size_t n)
{
	struct checkpoint a = { 0 };
	sqlite3_stmt *st;
	bool found = false;

	if (sqlite3_prepare_v2(db, "SELECT seq, hash, time_us, signature FROM audit_anchor", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = true;
		a.seq = sqlite3_column_int64(st, 0);
		copy_text(a.hash, sizeof a.hash, st, 1);
		a.time_us = sqlite3_column_int64(st, 2);
		copy_text(a.signature, sizeof a.signature, st, 3);
	}
	sqlite3_finalize(st);
	if (!found)
		return -EIO;
	job->anchor_seq = a.seq;
	snprintf(job->anchor_hash, sizeof job->anchor_hash, "%s", a.hash);
	if (a.seq == 0) {
		if (strcmp(a.hash, AUDIT_CHAIN_GENESIS) != 0)
			problem(job, 0, "anchor", "the chain's start is not the genesis value");
		return 0;
	}
	/* Without a key of its own, the anchor is checked with the newest checkpoint's. */
	snprintf(a.public_key, sizeof a.public_key, "%s", n > 0 ? cps[n - 1].public_key : "");
	if (!checkpoint_signed(job, &a))
		problem(job, a.seq, "anchor",
			"the retention anchor (seq %lld) is not signed by the audit key: rows "
			"before it may have been removed by hand",
			(long long)a.seq);
	return 0;
}

/* Checks the row the walk is at (seq, stored hash) against the checkpoints up to it. */
static bool
check_checkpoints(sqlite3 *db, struct verify_job *job, const struct checkpoint *cps, size_t n,
		  size_t *ci, int64_t seq, const char *hash)
{
	int64_t moved;

	for (; *ci < n && cps[*ci].seq <= seq; (*ci)++) {
		const struct checkpoint *cp = &cps[*ci];

		if (!checkpoint_signed(job, cp)) {
			problem(job, cp->seq, "signature",
				"the checkpoint at seq %lld is not signed by %s", (long long)cp->seq,
				job->given_key[0] ? "the given public key" : "its own key");
			return false;
		}
		if (cp->seq < seq || strcmp(cp->hash, hash) != 0) {
			/* The row it signed, further down: rows were put in before it. */
			moved = lookup(db, "SELECT seq FROM audit WHERE seq > ? AND hash = ? LIMIT 1",
				       cp->seq, cp->hash, NULL, 0);
			if (moved > 0)
				problem(job, cp->seq, "inserted",
					"row %lld was inserted: the row signed at %lld is now at %lld",
					(long long)cp->seq, (long long)cp->seq, (long long)moved);
			else
				problem(job, cp->seq, "checkpoint",
					"row %lld differs from its signed checkpoint: rows up to it "
					"were rewritten and rehashed", (long long)cp->seq);
			return false;
		}
		job->checkpoints++;
	}
	return true;
}

/* On a reader thread, in one read transaction so that the walk sees one state. */
static int
verify_run(sqlite3 *db, void *arg)
{
	struct verify_job *job = arg;
	_cleanup_free_ struct checkpoint *cps = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0, ci = 0;
	int r;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -EIO;
	r = load_checkpoints(db, -1, &cps, &n);
	if (r == 0)
		r = load_anchor(db, job, cps, n);
	for (; ci < n && cps[ci].seq <= job->anchor_seq; ci++)
		; /* pruned with the rows they signed */
	snprintf(job->head_hash, sizeof job->head_hash, "%s", job->anchor_hash);
	job->last_seq = job->anchor_seq;
	if (r == 0 && job->kind == NULL &&
	    sqlite3_prepare_v2(db, "SELECT " AUDIT_CHAIN_COLUMNS " FROM audit WHERE seq > ?"
				   " ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		r = -EIO;
	if (st != NULL)
		sqlite3_bind_int64(st, 1, job->anchor_seq);
	while (r == 0 && job->kind == NULL && st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		struct audit_chain_field f[AUDIT_CHAIN_NFIELDS];
		char hash[AUDIT_HASH_HEX_SIZE];
		const char *stored = (const char *)sqlite3_column_text(st, AUDIT_CHAIN_NFIELDS);
		const char *prev = (const char *)sqlite3_column_text(st, AUDIT_CHAIN_PREV_HASH);
		int64_t seq = sqlite3_column_int64(st, 0);
		bool content_ok;

		audit_chain_from_row(st, f);
		audit_chain_hash(f, hash);
		content_ok = stored != NULL && strcmp(stored, hash) == 0;
		if (seq != job->last_seq + 1) {
			problem(job, job->last_seq + 1, "removed",
				"rows %lld..%lld are missing", (long long)job->last_seq + 1,
				(long long)seq - 1);
			break;
		}
		if (!content_ok || prev == NULL || strcmp(prev, job->head_hash) != 0) {
			classify(db, job, st, seq, content_ok, prev);
			break;
		}
		if (!check_checkpoints(db, job, cps, n, &ci, seq, stored))
			break;
		if (job->rows++ == 0)
			job->first_seq = seq;
		job->last_seq = seq;
		snprintf(job->head_hash, sizeof job->head_hash, "%s", stored);
	}
	sqlite3_finalize(st);
	/* A checkpoint past the last row: the tail it signed is gone. */
	if (r == 0 && job->kind == NULL && ci < n) {
		if (!checkpoint_signed(job, &cps[n - 1]))
			problem(job, cps[n - 1].seq, "signature",
				"the checkpoint at seq %lld is not signed by %s",
				(long long)cps[n - 1].seq,
				job->given_key[0] ? "the given public key" : "its own key");
		else
			problem(job, job->last_seq + 1, "truncated",
				"rows %lld..%lld were cut off the end: a checkpoint signed seq %lld",
				(long long)job->last_seq + 1, (long long)cps[n - 1].seq,
				(long long)cps[n - 1].seq);
	}
	/* SQLite's own counter remembers seqs handed out: a naive cut shows there too. */
	if (r == 0 && job->kind == NULL) {
		int64_t used = lookup(db, "SELECT seq FROM sqlite_sequence WHERE name = 'audit'"
					  " AND seq > ?", job->last_seq, NULL, NULL, 0);

		if (used > 0)
			problem(job, job->last_seq + 1, "truncated",
				"rows %lld..%lld were cut off the end", (long long)job->last_seq + 1,
				(long long)used);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return r;
}

static void
verify_done(int status, void *arg)
{
	struct verify_job *job = arg;
	struct json_object *r, *p;

	if (status < 0) {
		call_fail(job->call, MAESTRO_E_UNAVAILABLE,
			  "unavailable: the audit store cannot be read now", NULL);
		free(job);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(job->kind == NULL));
	json_object_object_add(r, "rows", json_object_new_int64(job->rows));
	json_object_object_add(r, "first_seq", json_object_new_int64(job->first_seq));
	json_object_object_add(r, "last_seq", json_object_new_int64(job->last_seq));
	json_object_object_add(r, "head_hash", json_object_new_string(job->head_hash));
	json_object_object_add(r, "anchor_seq", json_object_new_int64(job->anchor_seq));
	json_object_object_add(r, "checkpoints", json_object_new_int64(job->checkpoints));
	json_object_object_add(r, "public_key",
			       json_object_new_string(job->given_key[0] ? "given" : "stored"));
	if (job->kind != NULL) {
		p = json_object_new_object();
		json_object_object_add(p, "seq", json_object_new_int64(job->bad_seq));
		json_object_object_add(p, "kind", json_object_new_string(job->kind));
		json_object_object_add(p, "text", json_object_new_string(job->text));
		json_object_object_add(r, "problem", p);
	}
	call_reply(job->call, r);
	free(job);
}

static void
audit_verify(struct call *call)
{
	struct verify_job *job;
	struct json_object *key;
	const char *hex = NULL;
	int r;

	if (json_object_object_get_ex(call->params, "public_key", &key)) {
		hex = json_object_get_string(key);
		if (!audit_chain_is_hex(hex, AUDIT_PUBLIC_KEY_HEX_LEN)) {
			call_fail(call, RPC_INVALID_PARAMS,
				  "public_key must be 64 lowercase hex digits (an Ed25519 key)", NULL);
			return;
		}
	}
	job = calloc(1, sizeof *job);
	if (job == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	job->call = call;
	if (hex != NULL)
		snprintf(job->given_key, sizeof job->given_key, "%s", hex);
	r = reader_submit(call->d->reader, verify_run, verify_done, job);
	if (r < 0) {
		free(job);
		call_fail(call, r == -EAGAIN ? MAESTRO_E_OVERLOADED : MAESTRO_E_UNAVAILABLE,
			  r == -EAGAIN ? "overloaded: too many audit queries queued; retry"
				       : "unavailable: the audit store cannot be read now",
			  NULL);
	}
}

static const struct param_spec verify_params[] = {
	{ "public_key", json_type_string, false, false },
	{ NULL, json_type_null, false, false },
};

const struct method audit_verify_methods[] = {
	{ "audit.verify", CALLER_ADMIN, verify_params, audit_verify },
	{ NULL, CALLER_ANY, NULL, NULL },
};
