/* The audit query: one page of rows as SQL on a reader connection, and the row's JSON. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "audit-query.h"
#include "jsonrpc.h"
#include "util.h"

/*
 * A row whose detail is not JSON (only tampering makes one) would make
 * json_extract() fail the whole query; read it as an empty object instead,
 * as audit_filter_match() does. CASE evaluates lazily, so it is safe.
 */
#define DETAIL "(CASE WHEN json_valid(detail) THEN detail ELSE '{}' END)"

static void
append(char *sql, size_t size, bool *first, const char *fragment)
{
	size_t used = strlen(sql);

	snprintf(sql + used, size - used, "%s%s", *first ? " WHERE " : " AND ", fragment);
	*first = false;
}

/*
 * The statement for q: fixed fragments only, chosen by which filters are
 * set, so that SQLite can still use the rowid and index ranges; every
 * value is a bound parameter. Mirrors audit_filter_match().
 */
static void
build_sql(const struct audit_query *q, char *sql, size_t size)
{
	const struct audit_filter *f = &q->filter;
	bool first = true;

	snprintf(sql, size, "SELECT seq, time_us, event, actor, peer_uid, peer_pid, correlation_id,"
			    " detail, prev_hash, hash FROM audit");
	if (q->seq > 0)
		append(sql, size, &first, "seq = :seq");
	if (q->before_seq > 0)
		append(sql, size, &first, "seq < :before");
	if (q->after_seq > 0)
		append(sql, size, &first, "seq > :after");
	if (f->agent)
		append(sql, size, &first,
		       "(actor = :agent OR json_extract(" DETAIL ", '$.agent') = :agent)");
	if (f->decision)
		append(sql, size, &first, "json_extract(" DETAIL ", '$.decision') = :decision");
	if (f->risk_min >= 0)
		append(sql, size, &first,
		       "(CASE json_extract(" DETAIL ", '$.risk_level') WHEN 'LOW' THEN 0"
		       " WHEN 'MEDIUM' THEN 1 WHEN 'HIGH' THEN 2 WHEN 'CRITICAL' THEN 3"
		       " ELSE -1 END) >= :risk");
	if (f->kind)
		append(sql, size, &first, "json_extract(" DETAIL ", '$.action.kind') = :kind");
	if (f->event)
		append(sql, size, &first,
		       f->event_prefix ? "substr(event, 1, length(:event)) = :event"
				       : "event = :event");
	if (f->correlation_id)
		append(sql, size, &first, "correlation_id = :correlation");
	if (f->has_since)
		append(sql, size, &first, "time_us >= :since");
	if (f->has_until)
		append(sql, size, &first, "time_us < :until");
	if (f->text)
		append(sql, size, &first,
		       "(instr(detail, :text) > 0 OR coalesce(instr(actor, :text), 0) > 0)");
	snprintf(sql + strlen(sql), size - strlen(sql), " ORDER BY seq %s LIMIT :limit",
		 q->ascending ? "ASC" : "DESC");
}

static void
bind_text(sqlite3_stmt *st, const char *name, const char *value)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
}

static void
bind_int(sqlite3_stmt *st, const char *name, int64_t value)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_int64(st, i, value);
}

static void
bind_query(sqlite3_stmt *st, const struct audit_query *q)
{
	const struct audit_filter *f = &q->filter;

	bind_int(st, ":seq", q->seq);
	bind_int(st, ":before", q->before_seq);
	bind_int(st, ":after", q->after_seq);
	bind_text(st, ":agent", f->agent);
	bind_text(st, ":decision", f->decision);
	bind_int(st, ":risk", f->risk_min);
	bind_text(st, ":kind", f->kind);
	bind_text(st, ":event", f->event);
	bind_text(st, ":correlation", f->correlation_id);
	bind_int(st, ":since", f->since_us);
	bind_int(st, ":until", f->until_us);
	bind_text(st, ":text", f->text);
	/* One more than asked: whether it comes back says whether another page exists. */
	bind_int(st, ":limit", (int64_t)q->limit + 1);
}

static struct json_object *
new_string_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

struct json_object *
audit_row_json(int64_t seq, int64_t time_us, const char *event, const char *actor,
	       int64_t peer_uid, int64_t peer_pid, const char *correlation_id,
	       struct json_object *detail, const char *prev_hash, const char *hash)
{
	struct json_object *row = json_object_new_object();
	char when[AUDIT_TIME_MAX];

	if (row == NULL) {
		json_object_put(detail);
		return NULL;
	}
	audit_time_format(time_us, when);
	/* The order of the documented schema, so that exports read alike. */
	json_object_object_add(row, "seq", json_object_new_int64(seq));
	json_object_object_add(row, "time", json_object_new_string(when));
	json_object_object_add(row, "time_us", json_object_new_int64(time_us));
	json_object_object_add(row, "event", new_string_or_null(event));
	json_object_object_add(row, "actor", new_string_or_null(actor));
	json_object_object_add(row, "peer_uid", peer_uid >= 0 ? json_object_new_int64(peer_uid) : NULL);
	json_object_object_add(row, "peer_pid", peer_pid >= 0 ? json_object_new_int64(peer_pid) : NULL);
	json_object_object_add(row, "correlation_id", new_string_or_null(correlation_id));
	json_object_object_add(row, "detail", detail);
	json_object_object_add(row, "prev_hash", new_string_or_null(prev_hash));
	json_object_object_add(row, "hash", new_string_or_null(hash));
	return row;
}

/* The detail as an object; text that is not JSON (tampering) is kept as a string. */
static struct json_object *
detail_json(const char *text, size_t len)
{
	struct rpc_error err;
	struct json_object *o;

	if (text == NULL)
		return NULL;
	o = rpc_parse_json(text, len, &err);
	return o != NULL ? o : json_object_new_string_len(text, (int)len);
}

static const char *
column_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int64_t
column_id(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

static struct json_object *
row_from_statement(sqlite3_stmt *st)
{
	const char *detail = column_text(st, 7);

	return audit_row_json(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			      column_text(st, 2), column_text(st, 3), column_id(st, 4),
			      column_id(st, 5), column_text(st, 6),
			      detail_json(detail, (size_t)sqlite3_column_bytes(st, 7)),
			      column_text(st, 8), column_text(st, 9));
}

int
audit_query_run(sqlite3 *db, const struct audit_query *q, char **text, char *msg, size_t size)
{
	_cleanup_json_ struct json_object *result = json_object_new_object();
	struct json_object *rows = json_object_new_array(), *row;
	sqlite3_stmt *st = NULL;
	char sql[2048];
	size_t bytes = 0;
	unsigned n = 0;
	int64_t last = 0;
	bool more = false;
	int r;

	if (result == NULL || rows == NULL) {
		json_object_put(rows);
		return fail_with(msg, size, -ENOMEM, "out of memory");
	}
	json_object_object_add(result, "rows", rows);
	build_sql(q, sql, sizeof sql);
	r = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (r != SQLITE_OK)
		return fail_with(msg, size, -EIO, "cannot read the audit trail: %s",
				 sqlite3_errmsg(db));
	bind_query(st, q);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == q->limit || (n > 0 && bytes > AUDIT_QUERY_PAGE_BYTES)) {
			more = true;
			break;
		}
		row = row_from_statement(st);
		if (row == NULL || json_object_array_add(rows, row) < 0) {
			json_object_put(row);
			sqlite3_finalize(st);
			return fail_with(msg, size, -ENOMEM, "out of memory");
		}
		bytes += (size_t)sqlite3_column_bytes(st, 7);
		last = sqlite3_column_int64(st, 0);
		n++;
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		fail_with(msg, size, -EIO, "cannot read the audit trail: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	/* The cursor for the next page in the same order; null once there is none. */
	json_object_object_add(result, "next_before_seq",
			       more && !q->ascending ? json_object_new_int64(last) : NULL);
	json_object_object_add(result, "next_after_seq",
			       more && q->ascending ? json_object_new_int64(last) : NULL);
	/* Serialized here, on the reader thread: a large page costs the loop nothing. */
	*text = strdup(json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE));
	if (*text == NULL)
		return fail_with(msg, size, -ENOMEM, "out of memory");
	return 0;
}

int64_t
audit_query_last_seq(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t seq = 0;

	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0) FROM audit", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return seq;
}
