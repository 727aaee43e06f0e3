/* Approvals: the registry, fingerprints, what the pipeline asks, and the store. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>
#include <event2/event.h>

#include "approval.h"
#include "daemon.h"
#include "store.h"
#include "util.h"

const char *
approval_status_name(enum approval_status s)
{
	switch (s) {
	case APPROVAL_PENDING: return "pending";
	case APPROVAL_APPROVED: return "approved";
	case APPROVAL_DENIED: return "denied";
	case APPROVAL_EXPIRED: return "expired";
	case APPROVAL_USED: return "used";
	}
	return "expired";
}

static int
status_parse(const char *s, enum approval_status *out)
{
	for (int i = APPROVAL_PENDING; i <= APPROVAL_USED; i++)
		if (strcmp(s, approval_status_name((enum approval_status)i)) == 0) {
			*out = (enum approval_status)i;
			return 0;
		}
	return -EINVAL;
}

/* One member into the hash, length-prefixed so that no two actions run together. */
static void
fp_add(crypto_generichash_state *st, const char *name, const char *value, size_t len)
{
	char head[64];
	int n = snprintf(head, sizeof head, "%s=%zu:", name, len);

	crypto_generichash_update(st, (const unsigned char *)head, (size_t)n);
	crypto_generichash_update(st, (const unsigned char *)value, len);
}

void
approval_fingerprint(const char *agent, struct json_object *action, char out[FINGERPRINT_SIZE])
{
	/*
	 * What the action does, in a fixed order; not its description, which
	 * is the agent's prose. The arguments of an MCP tool count as sent:
	 * the same object with its keys in another order is another action.
	 */
	static const char *const members[] = { "kind", "command", "path", "paths", "url", "server",
					       "tool", "arguments", "text", "content", "cwd",
					       "workspace", NULL };
	crypto_generichash_state st;
	unsigned char h[16];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	fp_add(&st, "agent", agent, strlen(agent));
	for (const char *const *m = members; *m != NULL; m++) {
		struct json_object *v;
		const char *s;

		if (!json_object_object_get_ex(action, *m, &v))
			continue;
		s = json_object_is_type(v, json_type_string)
			    ? json_object_get_string(v)
			    : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
									JSON_C_TO_STRING_NOSLASHESCAPE);
		fp_add(&st, *m, s, json_object_is_type(v, json_type_string)
					   ? (size_t)json_object_get_string_len(v)
					   : strlen(s));
	}
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(out, FINGERPRINT_SIZE, h, sizeof h);
}

void
approval_new_id(char out[APPROVAL_ID_SIZE])
{
	unsigned char raw[8];

	randombytes_buf(raw, sizeof raw);
	memcpy(out, "apr_", 4);
	sodium_bin2hex(out + 4, APPROVAL_ID_SIZE - 4, raw, sizeof raw);
}

struct approval *
approval_find(struct maestrod *d, const char *id)
{
	struct approval *a;

	TAILQ_FOREACH(a, &d->approvals.list, entry)
		if (strcmp(a->id, id) == 0)
			return a;
	return NULL;
}

/* Loop thread: forget one that can answer nothing any more (its waiters are answered). */
void
approval_forget(struct maestrod *d, struct approval *a)
{
	TAILQ_REMOVE(&d->approvals.list, a, entry);
	d->approvals.n--;
	if (a->expiry != NULL)
		event_free(a->expiry);
	free(a->summary);
	free(a->note);
	json_object_put(a->request);
	free(a);
}

/* A grant for a window that has closed is as good as used. */
static bool
live(const struct approval *a, int64_t now)
{
	if (a->status == APPROVAL_APPROVED && !a->once)
		return a->until_us > now;
	return a->status == APPROVAL_PENDING || a->status == APPROVAL_APPROVED ||
	       a->status == APPROVAL_DENIED;
}

void
approval_lookup(struct maestrod *d, const char *agent, const char *fingerprint,
		struct approval_hint *hint)
{
	int64_t now = (int64_t)now_usec(CLOCK_REALTIME);
	struct approval *a, *pending = NULL;
	unsigned n_pending = 0;

	memset(hint, 0, sizeof *hint);
	/* Newest first: a decision made later wins over an older one. */
	TAILQ_FOREACH(a, &d->approvals.list, entry) {
		if (strcmp(a->agent, agent) != 0)
			continue;
		n_pending += a->status == APPROVAL_PENDING;
		if (strcmp(a->fingerprint, fingerprint) != 0 || !live(a, now) || a->claimed)
			continue;
		if (a->status == APPROVAL_PENDING) {
			if (pending == NULL)
				pending = a;
			continue;
		}
		hint->kind = a->status == APPROVAL_APPROVED ? HINT_GRANT : HINT_DENIED;
		snprintf(hint->id, sizeof hint->id, "%s", a->id);
		hint->uid = a->decided_uid;
		hint->decided_us = a->decided_us;
		hint->once = a->once;
		hint->until_us = a->until_us;
		snprintf(hint->note, sizeof hint->note, "%s", a->note ? a->note : "");
		/* Used by this evaluation, unless it turns out not to need it. */
		if (a->once || a->status == APPROVAL_DENIED)
			a->claimed = true;
		return;
	}
	if (pending != NULL) {
		hint->kind = HINT_PENDING;
		snprintf(hint->id, sizeof hint->id, "%s", pending->id);
	} else if (n_pending >= APPROVAL_PENDING_PER_AGENT) {
		hint->kind = HINT_FULL;
	}
}

void
approval_release(struct maestrod *d, const char *id)
{
	struct approval *a = approval_find(d, id);

	if (a != NULL)
		a->claimed = false;
}

void
approval_used(struct maestrod *d, const char *id)
{
	struct approval *a = approval_find(d, id);

	if (a == NULL)
		return;
	a->claimed = false;
	if (a->once || a->status == APPROVAL_DENIED) {
		a->status = APPROVAL_USED;
		approval_forget(d, a);
	}
}

/* The audit-facing text of an approval row's columns. */
int
approval_row_apply(sqlite3 *db, void *data, char *err, size_t size)
{
	const struct approval_row *r = data;
	sqlite3_stmt *st = NULL;
	int rc;

	st = store_stmt(
		db,
		r->insert    ? "INSERT INTO approvals (id, agent, fingerprint, correlation_id, risk,"
			       " summary, request, status, created_us, expires_us) VALUES"
			       " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
		: r->decided ? "UPDATE approvals SET status = ?8, scope = ?11, until_us = ?12,"
			       " decided_uid = ?13, decided_us = ?14, note = ?15 WHERE id = ?1"
			     /* Used up or expired: the decision, if any, stays on the row. */
			     : "UPDATE approvals SET status = ?8 WHERE id = ?1");
	rc = st != NULL ? SQLITE_OK : sqlite3_errcode(db);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, approval_status_name(r->status), -1, SQLITE_STATIC);
		if (r->insert) {
			sqlite3_bind_text(st, 2, r->agent, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, r->fingerprint, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, r->correlation_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, risk_name(r->risk), -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 6, r->summary, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 7, r->request, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 9, r->created_us);
			sqlite3_bind_int64(st, 10, r->expires_us);
		} else if (r->decided) {
			sqlite3_bind_text(st, 11, r->scope, -1, SQLITE_STATIC);
			if (r->scope != NULL && strcmp(r->scope, "window") == 0)
				sqlite3_bind_int64(st, 12, r->until_us);
			sqlite3_bind_int64(st, 13, r->decided_uid);
			sqlite3_bind_int64(st, 14, r->decided_us);
			sqlite3_bind_text(st, 15, r->note, -1, SQLITE_STATIC);
		}
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, size, "cannot record approval %s: %s", r->id, sqlite3_errmsg(db));
		sqlite3_reset(st);
		return -EIO;
	}
	sqlite3_reset(st);
	return 0;
}

void
approval_row_free(void *data)
{
	struct approval_row *r = data;

	if (r == NULL)
		return;
	free(r->summary);
	free(r->request);
	free(r->note);
	free(r);
}

static struct approval *
approval_alloc(struct maestrod *d, const char *id)
{
	struct approval *a = calloc(1, sizeof *a);

	if (a == NULL)
		return NULL;
	a->d = d;
	snprintf(a->id, sizeof a->id, "%s", id);
	TAILQ_INIT(&a->waits);
	a->expiry = evtimer_new(d->base, approval_on_expiry, a);
	if (a->expiry == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

/* Arms the expiry of a pending approval. */
static void
arm_expiry(struct approval *a)
{
	int64_t left = a->expires_us - (int64_t)now_usec(CLOCK_REALTIME);
	struct timeval tv;

	if (left < 0)
		left = 0;
	tv.tv_sec = (time_t)(left / 1000000);
	tv.tv_usec = (suseconds_t)(left % 1000000);
	evtimer_add(a->expiry, &tv);
}

void
approval_created(struct maestrod *d, const char *id, const char *agent, const char *fingerprint,
		 const char *correlation_id, enum risk_level risk, const char *summary,
		 struct json_object *request, int64_t created_us, int64_t expires_us)
{
	struct approval *a = approval_alloc(d, id);

	if (a == NULL || (a->summary = strdup(summary)) == NULL) {
		/* Stored, so not lost: it is back in memory at the next start. */
		if (a != NULL)
			event_free(a->expiry);
		free(a);
		json_object_put(request);
		return;
	}
	snprintf(a->agent, sizeof a->agent, "%s", agent);
	snprintf(a->fingerprint, sizeof a->fingerprint, "%s", fingerprint);
	snprintf(a->correlation_id, sizeof a->correlation_id, "%s", correlation_id);
	a->risk = risk;
	a->request = request;
	a->status = APPROVAL_PENDING;
	a->created_us = created_us;
	a->expires_us = expires_us;
	TAILQ_INSERT_HEAD(&d->approvals.list, a, entry);
	d->approvals.n++;
	arm_expiry(a);
	approval_notify(d, "approval.requested", a);
}

struct json_object *
approval_to_json(const struct approval *a)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(a->id));
	json_object_object_add(o, "agent", json_object_new_string(a->agent));
	json_object_object_add(o, "status", json_object_new_string(approval_status_name(a->status)));
	json_object_object_add(o, "risk_level", json_object_new_string(risk_name(a->risk)));
	json_object_object_add(o, "summary", json_object_new_string(a->summary));
	json_object_object_add(o, "fingerprint", json_object_new_string(a->fingerprint));
	json_object_object_add(o, "correlation_id", json_object_new_string(a->correlation_id));
	json_object_object_add(o, "created_us", json_object_new_int64(a->created_us));
	json_object_object_add(o, "expires_us", json_object_new_int64(a->expires_us));
	json_object_object_add(o, "request", json_object_get(a->request));
	if (a->decided) {
		json_object_object_add(o, "decided_uid", json_object_new_int64(a->decided_uid));
		json_object_object_add(o, "decided_us", json_object_new_int64(a->decided_us));
		json_object_object_add(o, "scope", json_object_new_string(a->once ? "once" : "window"));
		if (!a->once && a->status == APPROVAL_APPROVED)
			json_object_object_add(o, "until_us", json_object_new_int64(a->until_us));
		json_object_object_add(o, "note", a->note ? json_object_new_string(a->note) : NULL);
	}
	return o;
}

int
approvals_load(struct maestrod *d, sqlite3 *db, char *msg, size_t size)
{
	sqlite3_stmt *st;
	int rc;

	TAILQ_INIT(&d->approvals.list);
	/* Oldest first, each inserted at the head: the list ends up newest first. */
	rc = sqlite3_prepare_v2(db,
				"SELECT id, agent, fingerprint, correlation_id, risk, summary, request,"
				" status, created_us, expires_us, scope, until_us, decided_uid,"
				" decided_us, note FROM approvals WHERE status IN"
				" ('pending', 'approved', 'denied') ORDER BY created_us",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		snprintf(msg, size, "cannot read approvals: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct approval *a = approval_alloc(d, (const char *)sqlite3_column_text(st, 0));
		const char *scope = (const char *)sqlite3_column_text(st, 10);

		if (a == NULL) {
			sqlite3_finalize(st);
			snprintf(msg, size, "out of memory loading approvals");
			return -ENOMEM;
		}
		snprintf(a->agent, sizeof a->agent, "%s", sqlite3_column_text(st, 1));
		snprintf(a->fingerprint, sizeof a->fingerprint, "%s", sqlite3_column_text(st, 2));
		snprintf(a->correlation_id, sizeof a->correlation_id, "%s", sqlite3_column_text(st, 3));
		if (risk_parse((const char *)sqlite3_column_text(st, 4), &a->risk) < 0)
			a->risk = RISK_CRITICAL;
		a->summary = strdup((const char *)sqlite3_column_text(st, 5));
		a->request = json_tokener_parse((const char *)sqlite3_column_text(st, 6));
		if (status_parse((const char *)sqlite3_column_text(st, 7), &a->status) < 0)
			a->status = APPROVAL_EXPIRED;
		a->created_us = sqlite3_column_int64(st, 8);
		a->expires_us = sqlite3_column_int64(st, 9);
		a->once = scope == NULL || strcmp(scope, "window") != 0;
		a->until_us = sqlite3_column_int64(st, 11);
		a->decided = sqlite3_column_type(st, 12) != SQLITE_NULL;
		a->decided_uid = (uid_t)sqlite3_column_int64(st, 12);
		a->decided_us = sqlite3_column_int64(st, 13);
		if (sqlite3_column_type(st, 14) != SQLITE_NULL)
			a->note = strdup((const char *)sqlite3_column_text(st, 14));
		TAILQ_INSERT_HEAD(&d->approvals.list, a, entry);
		d->approvals.n++;
		/* Expired while maestrod was down: the timer fires at once, and records it. */
		if (a->status == APPROVAL_PENDING)
			arm_expiry(a);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(msg, size, "cannot read approvals: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

void
approvals_clear(struct maestrod *d)
{
	struct approval *a;

	if (d->approvals.list.tqh_last == NULL)
		return; /* never loaded */
	while ((a = TAILQ_FIRST(&d->approvals.list)) != NULL) {
		approval_cancel_waits(d, a);
		approval_forget(d, a);
	}
}
