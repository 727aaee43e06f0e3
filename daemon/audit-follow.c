/* audit.follow: connections that receive each committed audit row as it happens. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <event2/buffer.h>

#include "audit-follow.h"
#include "audit.h"
#include "conn.h"
#include "jsonrpc.h"
#include "util.h"

struct audit_follower {
	struct conn *conn;
	struct audit_filter filter;
	/* Rows missed while the output was over the limit, not yet reported. */
	uint64_t dropped;
	int64_t first_dropped, last_dropped;
	TAILQ_ENTRY(audit_follower) entry;
};

struct audit_follow {
	TAILQ_HEAD(, audit_follower) followers;
	unsigned n;
	int64_t last_seq; /* the last row observed: followers get everything after it */
};

static size_t
output_length(struct conn *c)
{
	return evbuffer_get_length(c->out);
}

/* The notice of rows missed, once the follower has room again. */
static void
follower_report_drops(struct audit_follower *f)
{
	struct json_object *p;

	if (f->dropped == 0 || output_length(f->conn) > AUDIT_FOLLOW_OUTPUT_MAX / 2)
		return;
	p = json_object_new_object();
	json_object_object_add(p, "count", json_object_new_int64((int64_t)f->dropped));
	json_object_object_add(p, "first_seq", json_object_new_int64(f->first_dropped));
	json_object_object_add(p, "last_seq", json_object_new_int64(f->last_dropped));
	f->dropped = 0;
	conn_send(f->conn, rpc_notification_new("audit.dropped", p));
}

static void
follower_send(struct audit_follower *f, int64_t seq, const char *row_text)
{
	char *copy;

	follower_report_drops(f);
	if (f->dropped > 0 || output_length(f->conn) >= AUDIT_FOLLOW_OUTPUT_MAX) {
		if (f->dropped++ == 0)
			f->first_dropped = seq;
		f->last_dropped = seq;
		return;
	}
	/* The row was serialized once for every follower; each gets it verbatim. */
	copy = strdup(row_text);
	if (copy == NULL) {
		if (f->dropped++ == 0)
			f->first_dropped = seq;
		f->last_dropped = seq;
		return;
	}
	conn_send(f->conn, rpc_notification_new("audit.row", rpc_raw_new(copy)));
}

/* The audit observer: on the loop thread, for every committed row. */
static void
follow_observe(const struct audit_record *rec, void *arg)
{
	struct audit_follow *af = arg;
	struct audit_follower *f;
	_cleanup_json_ struct json_object *detail = NULL;
	_cleanup_json_ struct json_object *row = NULL;
	const char *row_text = NULL;
	struct rpc_error err;

	af->last_seq = rec->seq;
	if (af->n == 0)
		return; /* nobody follows: no parse, no copy */
	/* Parsed once, matched by every follower, serialized only if one wants it. */
	if (rec->detail != NULL)
		detail = rpc_parse_json(rec->detail, strlen(rec->detail), &err);
	/* conn_send() never frees a connection, so the list holds still. */
	TAILQ_FOREACH(f, &af->followers, entry) {
		if (!audit_filter_match(&f->filter, rec->event, rec->actor, rec->correlation_id,
					rec->time_us, detail, rec->detail))
			continue;
		if (row_text == NULL) {
			/* The row as a query would return it. */
			row = audit_row_json(rec->seq, rec->time_us, rec->event, rec->actor,
					     rec->has_peer ? (int64_t)rec->peer_uid : -1,
					     rec->has_peer ? (int64_t)rec->peer_pid : -1,
					     rec->correlation_id,
					     detail != NULL ? json_object_get(detail)
							    : (rec->detail ? json_object_new_string(rec->detail)
									   : NULL),
					     rec->prev_hash[0] ? rec->prev_hash : NULL,
					     rec->hash[0] ? rec->hash : NULL);
			if (row == NULL)
				return;
			row_text = json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN |
									       JSON_C_TO_STRING_NOSLASHESCAPE);
		}
		follower_send(f, rec->seq, row_text);
	}
}

int
audit_follow_start(struct audit *a, int64_t last_seq, struct audit_follow **out)
{
	struct audit_follow *af = calloc(1, sizeof *af);
	int r;

	if (af == NULL)
		return -ENOMEM;
	TAILQ_INIT(&af->followers);
	af->last_seq = last_seq;
	r = audit_add_observer(a, follow_observe, af);
	if (r < 0) {
		free(af);
		return r;
	}
	*out = af;
	return 0;
}

struct audit_follow *
audit_follow_free(struct audit_follow *af)
{
	struct audit_follower *f;

	if (af == NULL)
		return NULL;
	while ((f = TAILQ_FIRST(&af->followers)) != NULL)
		audit_follow_remove(af, f->conn);
	free(af);
	return NULL;
}

int
audit_follow_add(struct audit_follow *af, struct conn *c, struct audit_filter *filter,
		 int64_t *from_seq)
{
	struct audit_follower *f = c->follower;

	if (f == NULL) {
		f = calloc(1, sizeof *f);
		if (f == NULL) {
			audit_filter_clear(filter);
			return -ENOMEM;
		}
		f->conn = c;
		c->follower = f;
		TAILQ_INSERT_TAIL(&af->followers, f, entry);
		af->n++;
	} else {
		audit_filter_clear(&f->filter);
	}
	f->filter = *filter;
	memset(filter, 0, sizeof *filter);
	filter->risk_min = -1;
	*from_seq = af->last_seq + 1;
	return 0;
}

bool
audit_follow_remove(struct audit_follow *af, struct conn *c)
{
	struct audit_follower *f = c->follower;

	if (f == NULL)
		return false;
	TAILQ_REMOVE(&af->followers, f, entry);
	af->n--;
	c->follower = NULL;
	audit_filter_clear(&f->filter);
	free(f);
	return true;
}

void
audit_follow_drained(struct audit_follow *af, struct conn *c)
{
	(void)af;
	if (c->follower != NULL)
		follower_report_drops(c->follower);
}
