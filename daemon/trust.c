/* Trust: how outcomes move an agent's score, its history, suspension, and reports owed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>

#include "agent-store.h"
#include "audit.h"
#include "daemon.h"
#include "log.h"
#include "pipeline.h"
#include "store.h"
#include "trust.h"
#include "util.h"

/* A denied attempt costs this times 1 (LOW) to 4 (CRITICAL). */
#define TRUST_DENY_STEP 0.005
/* Trust moves slowly up with work done well, faster down with failures. */
#define TRUST_SUCCESS_STEP 0.01
#define TRUST_FAILURE_STEP 0.03
/* Reading injected instructions costs as much as a failure, on top of the outcome. */
#define TRUST_TAINT_STEP 0.03

/*
 * What the writer stores after a trust or usage change: the agent's values
 * as the loop had them (absolute, so a lost job is mended by the next one),
 * and a history row when trust moved.
 */
struct trust_job {
	char agent[AGENT_ID_MAX + 1];
	int64_t time_us;
	double old_trust, new_trust;
	bool history;
	char reason[48];
	char correlation_id[80]; /* "": none */
	int64_t period_start_us;
	uint64_t tokens_used, tokens_total;
	double cost_used;
};

static int
trust_job_apply(sqlite3 *db, void *data, char *err, size_t size)
{
	struct trust_job *j = data;
	sqlite3_stmt *st = NULL;
	int r;

	st = store_stmt(db, "UPDATE agents SET trust = ?, period_start_us = ?, tokens_used = ?,"
			    " cost_used = ?, tokens_total = ? WHERE id = ?");
	r = st != NULL ? SQLITE_OK : sqlite3_errcode(db);
	if (r == SQLITE_OK) {
		sqlite3_bind_double(st, 1, j->new_trust);
		sqlite3_bind_int64(st, 2, j->period_start_us);
		sqlite3_bind_int64(st, 3, (int64_t)j->tokens_used);
		sqlite3_bind_double(st, 4, j->cost_used);
		sqlite3_bind_int64(st, 5, (int64_t)j->tokens_total);
		sqlite3_bind_text(st, 6, j->agent, -1, SQLITE_STATIC);
		r = sqlite3_step(st);
		sqlite3_reset(st);
	}
	/* No row: the agent was deleted meanwhile, and its history ends with it. */
	if (r == SQLITE_DONE && j->history && sqlite3_changes(db) > 0) {
		st = store_stmt(db, "INSERT INTO trust_history (agent, time_us, old, new, reason,"
				    " correlation_id) VALUES (?, ?, ?, ?, ?, ?)");
		r = st != NULL ? SQLITE_OK : sqlite3_errcode(db);
		if (r == SQLITE_OK) {
			sqlite3_bind_text(st, 1, j->agent, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, j->time_us);
			sqlite3_bind_double(st, 3, j->old_trust);
			sqlite3_bind_double(st, 4, j->new_trust);
			sqlite3_bind_text(st, 5, j->reason, -1, SQLITE_STATIC);
			if (j->correlation_id[0])
				sqlite3_bind_text(st, 6, j->correlation_id, -1, SQLITE_STATIC);
			r = sqlite3_step(st);
			sqlite3_reset(st);
		}
	}
	if (r != SQLITE_DONE) {
		snprintf(err, size, "cannot store the trust of agent %s: %s", j->agent,
			 sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

static void
trust_job_done(struct audit_record *rec, void *userdata)
{
	(void)userdata;
	/* Memory keeps the value; the next change of this agent stores it again. */
	if (rec->error)
		log_warning("trust: %s", rec->error_message);
}

/* Queues the agent's trust and usage for the store; never waits. */
static void
trust_persist(struct maestrod *d, const struct agent *a, double old, const char *reason,
	      const char *correlation_id)
{
	struct trust_job *j = calloc(1, sizeof *j);
	struct audit_record *rec;

	if (j == NULL) {
		log_warning("trust: out of memory; trust of agent %s not stored", a->id);
		return;
	}
	snprintf(j->agent, sizeof j->agent, "%s", a->id);
	j->time_us = (int64_t)now_usec(CLOCK_REALTIME);
	j->old_trust = old;
	j->new_trust = a->trust;
	j->history = old != a->trust;
	snprintf(j->reason, sizeof j->reason, "%s", reason);
	snprintf(j->correlation_id, sizeof j->correlation_id, "%s",
		 correlation_id ? correlation_id : "");
	j->period_start_us = a->period_start_us;
	j->tokens_used = a->tokens_used;
	j->tokens_total = a->tokens_total;
	j->cost_used = a->cost_used;
	rec = audit_job_new(trust_job_apply, j, free);
	if (rec == NULL) {
		log_warning("trust: out of memory; trust of agent %s not stored", a->id);
		return;
	}
	rec->done = trust_job_done;
	if (audit_submit(d->audit, rec) < 0) {
		log_warning("trust: the audit queue is full; trust of agent %s (%.3f) not stored yet",
			    a->id, a->trust);
		audit_record_free(rec);
	}
}

static void
suspend_committed(struct audit_record *rec, void *userdata)
{
	const struct agent_change *change = rec->apply_data;
	struct maestrod *d = userdata;
	struct agent *stored;

	if (rec->error) {
		/* Still suspended in memory: failing safe. A restart would forget it. */
		log_error("trust: the suspension of agent %s could not be stored: %s", change->id,
			  rec->error_message);
		return;
	}
	if ((stored = agent_dup(change->after)) == NULL || registry_put(&d->stored, stored) < 0)
		agent_free(stored);
}

/*
 * An agent whose trust fell below the threshold is suspended as an
 * administrator would, by maestrod, with the same audit row.
 */
static void
trust_maybe_suspend(struct maestrod *d, struct agent *a, const char *correlation_id)
{
	double threshold = d->cfg.trust_suspend;
	struct json_object *detail;
	struct audit_record *rec;
	char reason[96];

	if (a->status != AGENT_ACTIVE || !(a->trust < threshold))
		return;
	snprintf(reason, sizeof reason, "trust %.3f fell below %.3f", a->trust, threshold);
	free(a->suspend_reason);
	a->suspend_reason = strdup(reason);
	a->status = AGENT_SUSPENDED;
	a->updated_us = (int64_t)now_usec(CLOCK_REALTIME);
	a->version = agent_next_version();
	log_notice("agent %s suspended: %s", a->id, reason);

	detail = json_object_new_object();
	json_object_object_add(detail, "agent", json_object_new_string(a->id));
	json_object_object_add(detail, "role", json_object_new_string(a->role));
	json_object_object_add(detail, "reason", json_object_new_string(reason));
	json_object_object_add(detail, "trust", json_object_new_double(a->trust));
	json_object_object_add(detail, "threshold", json_object_new_double(threshold));
	rec = audit_record_new("agent.suspend", "maestrod", detail);
	if (rec != NULL) {
		rec->apply_data = agent_change_new(a->id, a);
		rec->correlation_id = correlation_id ? strdup(correlation_id) : NULL;
	}
	if (rec == NULL || rec->apply_data == NULL) {
		log_error("trust: out of memory; the suspension of agent %s is not stored", a->id);
		audit_record_free(rec);
		return;
	}
	rec->apply = agent_store_apply;
	rec->apply_free = agent_change_free;
	rec->done = suspend_committed;
	rec->userdata = d;
	if (audit_submit(d->audit, rec) < 0) {
		log_error("trust: the audit queue is full; the suspension of agent %s is not stored",
			  a->id);
		audit_record_free(rec);
	}
}

/*
 * Kept to six decimals: sums of steps like 0.02 would otherwise drift
 * (0.8 - 35 * 0.02 is 0.0999999...), and an agent would be suspended one
 * refusal early with a reason reading "trust 0.100 fell below 0.100".
 */
static double
clamp_unit(double x)
{
	x = x < 0 ? 0 : x > 1 ? 1 : x;
	return (double)(int64_t)(x * 1e6 + 0.5) / 1e6;
}

/* Every change goes through here: memory first, then the store, then the threshold. */
static void
trust_move(struct maestrod *d, struct agent *a, double delta, const char *reason,
	   const char *correlation_id)
{
	double old = a->trust;

	a->trust = clamp_unit(a->trust + delta);
	trust_persist(d, a, old, reason, correlation_id);
	trust_maybe_suspend(d, a, correlation_id);
}

void
trust_after_decision(struct maestrod *d, const char *agent_id, int verdict, enum risk_level risk,
		     const char *correlation_id)
{
	struct agent *a = registry_find(&d->agents, agent_id);

	if (a == NULL)
		return; /* deleted while its evaluation ran */
	if (verdict == VERDICT_DENY)
		trust_move(d, a, -TRUST_DENY_STEP * (double)(risk + 1), "deny", correlation_id);
	else
		trust_expect_report(d, agent_id, correlation_id);
}

void
trust_after_report(struct maestrod *d, const char *agent_id, bool success, bool tainted,
		   uint64_t tokens, double cost, const char *correlation_id, double *trust_out)
{
	struct agent *a = registry_find(&d->agents, agent_id);
	double delta = success ? TRUST_SUCCESS_STEP : -TRUST_FAILURE_STEP;

	if (a == NULL) {
		if (trust_out)
			*trust_out = 0;
		return;
	}
	if (tainted)
		delta -= TRUST_TAINT_STEP;
	agent_charge(a, tokens, cost, (int64_t)now_usec(CLOCK_REALTIME));
	trust_move(d, a, delta,
		   tainted ? (success ? "report: success, tainted" : "report: failure, tainted")
			   : (success ? "report: success" : "report: failure"),
		   correlation_id);
	if (trust_out)
		*trust_out = a->trust;
}

double
trust_resume_level(double suspend_threshold)
{
	/* A threshold set at or above the usual level would suspend it again at once. */
	return suspend_threshold < TRUST_RESUME ? TRUST_RESUME : (suspend_threshold + 1) / 2;
}

void
trust_after_resume(struct maestrod *d, struct agent *a)
{
	double old = a->trust, level = trust_resume_level(d->cfg.trust_suspend);

	if (!(a->trust < level))
		return;
	a->trust = level;
	trust_persist(d, a, old, "resume", NULL);
}

static uint64_t
pending_hash(struct trust_pending *p, const char *s)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v;

	if (!p->keyed) {
		crypto_shorthash_keygen(p->key);
		p->keyed = true;
	}
	crypto_shorthash(h, (const unsigned char *)s, strlen(s), p->key);
	memcpy(&v, h, sizeof v);
	return v;
}

static unsigned
pending_bucket(uint64_t corr, uint64_t agent)
{
	_Static_assert((TRUST_PENDING_MAX & (TRUST_PENDING_MAX - 1)) == 0, "a power of two");
	return (unsigned)((corr ^ (agent * 0x9e3779b97f4a7c15ull)) & (TRUST_PENDING_MAX - 1));
}

/* The entry for this agent's evaluation, or -1. */
static int
pending_find(struct trust_pending *p, uint64_t corr, uint64_t agent)
{
	for (unsigned k = p->buckets[pending_bucket(corr, agent)]; k != 0; k = p->entries[k - 1].chain)
		if (p->entries[k - 1].correlation == corr && p->entries[k - 1].agent == agent)
			return (int)k - 1;
	return -1;
}

/* Takes entry i out of its bucket's chain, before it is reused for another. */
static void
pending_unlink(struct trust_pending *p, unsigned i)
{
	uint16_t *link = &p->buckets[pending_bucket(p->entries[i].correlation, p->entries[i].agent)];

	while (*link != 0 && *link != i + 1)
		link = &p->entries[*link - 1].chain;
	if (*link == i + 1)
		*link = p->entries[i].chain;
}

void
trust_expect_report(struct maestrod *d, const char *agent_id, const char *correlation_id)
{
	struct trust_pending *p = &d->pending_reports;
	uint64_t corr = pending_hash(p, correlation_id), agent = pending_hash(p, agent_id);
	int i = pending_find(p, corr, agent);

	/* A client may reuse its correlation id: the new evaluation is owed a report again. */
	if (i >= 0) {
		p->entries[i].reported = false;
		return;
	}
	i = (int)p->next;
	p->next = (p->next + 1) % TRUST_PENDING_MAX;
	if (p->entries[i].used)
		pending_unlink(p, (unsigned)i); /* the oldest is forgotten */
	p->entries[i].correlation = corr;
	p->entries[i].agent = agent;
	p->entries[i].used = true;
	p->entries[i].reported = false;
	p->entries[i].chain = p->buckets[pending_bucket(corr, agent)];
	p->buckets[pending_bucket(corr, agent)] = (uint16_t)(i + 1);
}

int
trust_claim_report(struct maestrod *d, const char *agent_id, const char *correlation_id)
{
	struct trust_pending *p = &d->pending_reports;
	int i = pending_find(p, pending_hash(p, correlation_id), pending_hash(p, agent_id));

	if (i < 0)
		return -ENOENT;
	if (p->entries[i].reported)
		return -EALREADY;
	p->entries[i].reported = true;
	return 0;
}
