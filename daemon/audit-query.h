/* Reading the audit trail: filters, the row's JSON shape, and the paged query. */
#ifndef MAESTRO_AUDIT_QUERY_H
#define MAESTRO_AUDIT_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

struct sqlite3;

/* The most rows one page holds, and how many when the caller does not say. */
#define AUDIT_QUERY_LIMIT_MAX 1000
#define AUDIT_QUERY_LIMIT_DEFAULT 50
/*
 * A page also ends once its rows' detail text passes this, so that a page
 * of a thousand large rows cannot make one reply of hundreds of megabytes.
 */
#define AUDIT_QUERY_PAGE_BYTES (8u * 1024 * 1024)

/*
 * What audit.query, audit.export and audit.follow select rows by. Strings
 * are owned; NULL (or risk_min < 0) means "any". The same filter runs as
 * SQL on a reader thread and in memory on the loop (for followers), and
 * both must agree: see audit_filter_match().
 */
struct audit_filter {
	char *agent;	      /* actor, or detail.agent */
	char *decision;	      /* detail.decision: allow, deny or ask */
	int risk_min;	      /* detail.risk_level at least this (0 LOW .. 3 CRITICAL); -1 any */
	char *kind;	      /* detail.action.kind */
	char *event;	      /* the event; a trailing '.' (or ".*") makes it a prefix */
	bool event_prefix;
	char *correlation_id;
	bool has_since, has_until;
	int64_t since_us;     /* time_us >= since */
	int64_t until_us;     /* time_us < until */
	char *text;	      /* substring of the detail's JSON text or of the actor */
};

/* One page of a query. */
struct audit_query {
	struct audit_filter filter;
	int64_t seq;	      /* > 0: only this row (audit.show) */
	int64_t before_seq;   /* > 0: seq < before_seq */
	int64_t after_seq;    /* > 0: seq > after_seq */
	unsigned limit;
	bool ascending;	      /* oldest first; newest first otherwise */
};

void audit_filter_clear(struct audit_filter *f);
void audit_query_clear(struct audit_query *q);

/*
 * A time as RFC 3339 ("2026-11-26T09:30:00Z", offsets and fractions of a
 * second allowed, or a date alone for its midnight UTC), or as unix seconds
 * ("1764149400", "1764149400.25"), into microseconds since the epoch.
 * Returns 0 or -EINVAL; *us is untouched on failure.
 */
int audit_time_parse(const char *text, int64_t *us);

/* 9999-12-31T23:59:59Z: RFC 3339 has four-digit years, so nothing later is a time. */
#define AUDIT_TIME_MAX_SECONDS 253402300799ll

/* RFC 3339 in UTC with microseconds: "2026-11-26T09:30:00.000000Z". */
#define AUDIT_TIME_MAX 64
void audit_time_format(int64_t us, char buf[AUDIT_TIME_MAX]);

/* "LOW" .. "CRITICAL" into 0 .. 3, or -1. */
int audit_risk_rank(const char *name);

/*
 * Reads the filter members of params (agent, decision, risk, kind, event,
 * correlation_id, since, until, text) into *f, checking each; members it
 * does not know are left to the caller. Returns 0, or -EINVAL with a
 * sentence in msg (then *f is cleared), or -ENOMEM.
 */
int audit_filter_from_json(struct json_object *params, struct audit_filter *f, char *msg,
			   size_t size);

/*
 * The same, plus the paging members (limit, before_seq, after_seq, order)
 * when paging is set: audit.query's params.
 */
int audit_query_from_json(struct json_object *params, bool paging, struct audit_query *q,
			  char *msg, size_t size);

/*
 * Whether a row passes f, in memory; detail is the row's parsed detail
 * (NULL when it has none) and detail_text its JSON text.
 */
bool audit_filter_match(const struct audit_filter *f, const char *event, const char *actor,
			const char *correlation_id, int64_t time_us, struct json_object *detail,
			const char *detail_text);

/*
 * The row as every audit method returns it and `maestroctl audit export`
 * writes it (the JSONL export schema in maestro-protocol(7)): takes over
 * detail (NULL: null); strings may be NULL, peer ids < 0 are null.
 */
struct json_object *audit_row_json(int64_t seq, int64_t time_us, const char *event,
				   const char *actor, int64_t peer_uid, int64_t peer_pid,
				   const char *correlation_id, struct json_object *detail,
				   const char *prev_hash, const char *hash);

/*
 * Runs q against db (a reader connection) and builds the reply object:
 * {"rows": [...], "next_before_seq": n|null, "next_after_seq": n|null},
 * serialized, into *text (malloc'd). Returns 0, or a negative errno with
 * a sentence in msg.
 */
int audit_query_run(struct sqlite3 *db, const struct audit_query *q, char **text, char *msg,
		    size_t size);

/* The highest seq in the audit table, 0 when empty or unreadable. */
int64_t audit_query_last_seq(struct sqlite3 *db);

#endif
