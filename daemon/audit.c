/* The audit writer: one thread that group-commits audit rows to SQLite. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <sqlite3.h>

#include "audit-head.h"
#include "audit-wal.h"
#include "audit.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "util.h"

STAILQ_HEAD(record_list, audit_record);

struct audit {
	pthread_t thread;
	sqlite3 *db;
	sqlite3_stmt *insert;
	struct event *ev_done; /* activated by the writer, runs on the loop */

	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct record_list queue; /* submitted, not yet taken by the writer */
	struct record_list done;  /* committed (or failed), callbacks pending */
	unsigned queued;
	unsigned queue_max;
	unsigned expected; /* rows announced by audit_expect(), not submitted yet */
	uint64_t arrived;  /* announced rows submitted since start */
	enum { WRITER_BUSY, WRITER_IDLE, WRITER_GATHERING } writer; /* what it waits for */
	bool stopping;
	uint64_t oldest_queued_mono; /* when the head of the queue was submitted */
	uint64_t batch_oldest_mono;  /* the same for the batch being committed; 0 when idle */
	struct audit_stats stats;
	/* Chain settings (under lock), copied into head before each batch. */
	unsigned checkpoint_every;
	int64_t max_rows, max_age_usec;
	bool prune_wanted; /* the settings changed: prune even with nothing to write */
	struct audit_head head; /* writer thread only */
	struct audit_wal *wal; /* when the WAL is copied into the database (audit-wal.c) */
	struct {
		audit_observer_fn fn;
		void *arg;
	} observers[AUDIT_MAX_OBSERVERS]; /* loop thread only */
	unsigned n_observers;
};

struct audit_record *
audit_record_new(const char *event, const char *actor, struct json_object *detail)
{
	struct audit_record *rec = calloc(1, sizeof *rec);
	const char *text = "{}";

	if (detail != NULL)
		text = json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN |
								      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (rec == NULL) {
		json_object_put(detail);
		return NULL;
	}
	rec->time_us = (int64_t)now_usec(CLOCK_REALTIME);
	rec->event = strdup(event);
	rec->actor = actor ? strdup(actor) : NULL;
	rec->detail = strdup(text);
	json_object_put(detail);
	if (rec->event == NULL || rec->detail == NULL || (actor && rec->actor == NULL))
		return audit_record_free(rec), NULL;
	return rec;
}

struct audit_record *
audit_job_new(int (*apply)(sqlite3 *db, void *data, char *err, size_t size), void *data,
	      void (*free_data)(void *data))
{
	struct audit_record *rec = calloc(1, sizeof *rec);

	if (rec == NULL) {
		if (free_data != NULL)
			free_data(data);
		return NULL;
	}
	rec->time_us = (int64_t)now_usec(CLOCK_REALTIME);
	rec->apply = apply;
	rec->apply_data = data;
	rec->apply_free = free_data;
	return rec;
}

void
audit_record_free(struct audit_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->event);
	free(rec->actor);
	free(rec->correlation_id);
	free(rec->detail);
	if (rec->apply_free != NULL)
		rec->apply_free(rec->apply_data);
	free(rec);
}

static int
audit_insert(struct audit *a, struct audit_record *rec)
{
	sqlite3_stmt *st = a->insert;
	char hash[AUDIT_HASH_HEX_SIZE];
	int r;

	/* The row's place in the chain: the writer gives seq, so it can hash over it. */
	audit_head_link(&a->head, rec, hash);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, rec->time_us);
	sqlite3_bind_text(st, 2, rec->event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rec->actor, -1, SQLITE_STATIC);
	if (rec->has_peer) {
		sqlite3_bind_int64(st, 4, rec->peer_uid);
		sqlite3_bind_int64(st, 5, rec->peer_pid);
	}
	sqlite3_bind_text(st, 6, rec->correlation_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, rec->detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, rec->seq);
	sqlite3_bind_text(st, 9, a->head.hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, hash, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r != SQLITE_DONE) {
		rec->seq = 0;
		return r;
	}
	/* For observers: a follower sees the row as a query would return it. */
	memcpy(rec->prev_hash, a->head.hash, sizeof rec->prev_hash);
	memcpy(rec->hash, hash, sizeof rec->hash);
	audit_head_advance(&a->head, rec->seq, hash);
	return SQLITE_OK;
}

/*
 * One row, and the change it records if it carries one. A change the store
 * refuses fails alone, under its savepoint; anything else fails the batch.
 */
static int
audit_write(struct audit *a, struct audit_record *rec)
{
	int r;

	if (rec->apply == NULL)
		return audit_insert(a, rec);
	r = store_exec(a->db, "SAVEPOINT change");
	if (r != SQLITE_OK)
		return r;
	if (rec->apply(a->db, rec->apply_data, rec->error_message, sizeof rec->error_message) < 0) {
		rec->error = -EIO;
		r = store_exec(a->db, "ROLLBACK TO change");
		return r == SQLITE_OK ? store_exec(a->db, "RELEASE change") : r;
	}
	if (rec->event != NULL) { /* NULL: a store job, no row */
		r = audit_insert(a, rec);
		if (r != SQLITE_OK)
			return r;
	}
	return store_exec(a->db, "RELEASE change");
}

/*
 * Writes one batch in one transaction; on any failure the whole batch
 * fails. Returns false then.
 */
static bool
audit_commit_batch(struct audit *a, struct record_list *batch)
{
	struct audit_record *rec;
	const char *why = NULL;
	int r;

	audit_head_begin(&a->head);
	r = store_exec(a->db, "BEGIN");
	if (r == SQLITE_OK) {
		STAILQ_FOREACH(rec, batch, entry) {
			r = audit_write(a, rec);
			if (r != SQLITE_OK)
				break;
		}
	}
	/* A checkpoint commits with the rows it signs, or not at all. */
	if (r == SQLITE_OK)
		r = audit_head_checkpoint_due(&a->head);
	if (r == SQLITE_OK)
		r = store_exec(a->db, "COMMIT");
	if (r == SQLITE_OK)
		return true;

	why = sqlite3_errmsg(a->db);
	log_error("audit: commit failed: %s", why);
	STAILQ_FOREACH(rec, batch, entry) {
		rec->seq = 0;
		rec->error = -EIO;
		snprintf(rec->error_message, sizeof rec->error_message,
			 "the audit store cannot be written: %s", why);
	}
	sqlite3_reset(a->insert);
	if (!sqlite3_get_autocommit(a->db))
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
	/* The rows are gone, so the head goes back to where they would have chained. */
	audit_head_rollback(&a->head);
	return false;
}

/*
 * Rows still on their way from the workers would each pay for a commit of
 * their own (the WAL pages, the locks: most of a commit's cost) if the
 * writer took the first alone. It waits for them, briefly: until those
 * announced when it began have arrived (under steady load new ones never
 * stop coming), the batch is large, or AUDIT_GROUP_WAIT_USEC passed.
 * Called and returns with the lock held.
 */
#define AUDIT_GROUP_MAX 64

static void
audit_gather(struct audit *a)
{
	struct timespec until;
	uint64_t awaited = a->expected, first = a->arrived;

	if (awaited == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += AUDIT_GROUP_WAIT_USEC * 1000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	a->writer = WRITER_GATHERING;
	while (a->arrived - first < awaited && a->expected > 0 && !a->stopping &&
	       a->queued < AUDIT_GROUP_MAX && a->queued * 2 < a->queue_max)
		if (pthread_cond_timedwait(&a->wake, &a->lock, &until) == ETIMEDOUT)
			break;
	a->writer = WRITER_BUSY;
}

/*
 * Retention, one small transaction at a time while nothing is queued, so
 * a decision waits for at most one prune batch. Called and returns with
 * the lock held.
 */
static void
audit_prune_while_idle(struct audit *a)
{
	while (STAILQ_EMPTY(&a->queue) && !a->stopping && (a->max_rows || a->max_age_usec)) {
		int r;

		a->head.max_rows = a->max_rows;
		a->head.max_age_usec = a->max_age_usec;
		pthread_mutex_unlock(&a->lock);
		r = audit_head_prune(&a->head);
		pthread_mutex_lock(&a->lock);
		if (r <= 0)
			break;
	}
}

static void *
audit_thread(void *arg)
{
	struct audit *a = arg;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		struct record_list batch = STAILQ_HEAD_INITIALIZER(batch);
		struct audit_record *rec;
		unsigned n, jobs = 0, failed = 0;
		bool batch_failed;
		int64_t last = 0;
		uint64_t started, elapsed, ended;

		while (STAILQ_EMPTY(&a->queue) && !a->stopping) {
			if (a->prune_wanted) {
				a->prune_wanted = false;
				audit_prune_while_idle(a);
				continue;
			}
			a->writer = WRITER_IDLE;
			pthread_cond_wait(&a->wake, &a->lock);
			a->writer = WRITER_BUSY;
		}
		if (STAILQ_EMPTY(&a->queue))
			break; /* stopping and nothing left */
		audit_gather(a);
		a->head.checkpoint_every = a->checkpoint_every;

		/* Group commit: take everything queued since the last commit. */
		STAILQ_CONCAT(&batch, &a->queue);
		n = a->queued;
		a->queued = 0;
		/* Rows being committed still wait: a stuck commit must show. */
		a->batch_oldest_mono = a->oldest_queued_mono;
		pthread_mutex_unlock(&a->lock);

		started = now_usec(CLOCK_MONOTONIC);
		batch_failed = !audit_commit_batch(a, &batch);
		elapsed = now_usec(CLOCK_MONOTONIC) - started;
		ended = now_usec(CLOCK_REALTIME);
		STAILQ_FOREACH(rec, &batch, entry) {
			rec->committed_us = ended;
			if (rec->event == NULL)
				jobs++; /* not a row: the stats count rows */
			else if (rec->error)
				failed++;
			else
				last = rec->seq;
		}

		pthread_mutex_lock(&a->lock);
		a->batch_oldest_mono = 0;
		a->stats.batches++;
		metrics_histogram_observe(&a->stats.commit_latency, elapsed);
		a->stats.committed += n - jobs - failed;
		a->stats.failed += failed;
		/* Only a batch the store refused says it cannot be written; a refused change is not that. */
		a->stats.failing = batch_failed;
		if (last > 0)
			a->stats.last_seq = last;
		STAILQ_CONCAT(&a->done, &batch);
		/* event_active() is safe from another thread once evthread is set up. */
		event_active(a->ev_done, EV_READ, 0);
		{
			bool idle = STAILQ_EMPTY(&a->queue);

			pthread_mutex_unlock(&a->lock);
			audit_wal_after_batch(a->wal, idle);
			pthread_mutex_lock(&a->lock);
		}
		audit_prune_while_idle(a);
	}
	pthread_mutex_unlock(&a->lock);
	/* The head as maestrod stops, signed: a cut-off tail shows against it. */
	audit_head_checkpoint_now(&a->head);
	return NULL;
}

/* On the loop thread: hands results back to whoever submitted them. */
static void
audit_run_callbacks(struct audit *a)
{
	struct record_list done = STAILQ_HEAD_INITIALIZER(done);
	struct audit_record *rec;

	pthread_mutex_lock(&a->lock);
	STAILQ_CONCAT(&done, &a->done);
	pthread_mutex_unlock(&a->lock);

	while ((rec = STAILQ_FIRST(&done)) != NULL) {
		STAILQ_REMOVE_HEAD(&done, entry);
		if (rec->done != NULL)
			rec->done(rec, rec->userdata);
		/* Rows only: store jobs and rows that failed were never on the trail. */
		if (rec->event != NULL && rec->error == 0)
			for (unsigned i = 0; i < a->n_observers; i++)
				a->observers[i].fn(rec, a->observers[i].arg);
		audit_record_free(rec);
	}
}

int
audit_add_observer(struct audit *a, audit_observer_fn fn, void *arg)
{
	if (a->n_observers == AUDIT_MAX_OBSERVERS)
		return -ENOSPC;
	a->observers[a->n_observers].fn = fn;
	a->observers[a->n_observers].arg = arg;
	a->n_observers++;
	return 0;
}

static void
audit_on_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	audit_run_callbacks(arg);
}

int
audit_start(struct event_base *base, struct sqlite3 *db, unsigned queue_max,
	    struct audit **out)
{
	struct audit *a = calloc(1, sizeof *a);
	pthread_condattr_t cattr;
	char msg[PATH_MAX + 200];
	int r;

	if (a == NULL)
		return -ENOMEM;
	a->db = db;
	a->queue_max = queue_max;
	STAILQ_INIT(&a->queue);
	STAILQ_INIT(&a->done);
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC); /* audit_gather()'s deadline */
	pthread_cond_init(&a->wake, &cattr);
	pthread_condattr_destroy(&cattr);
	a->checkpoint_every = AUDIT_CHECKPOINT_EVERY_DEFAULT;
	r = audit_head_open(&a->head, db, msg, sizeof msg);
	if (r < 0) {
		log_error("audit: %s", msg);
		free(a);
		return r;
	}
	r = sqlite3_prepare_v3(db,
			       "INSERT INTO audit (time_us, event, actor, peer_uid, peer_pid,"
			       " correlation_id, detail, seq, prev_hash, hash)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, SQLITE_PREPARE_PERSISTENT, &a->insert, NULL);
	if (r != SQLITE_OK) {
		log_error("audit: cannot prepare the insert: %s", sqlite3_errmsg(db));
		audit_head_close(&a->head);
		free(a);
		return -EIO;
	}
	a->wal = audit_wal_start(db);
	a->ev_done = event_new(base, -1, 0, audit_on_done, a);
	if (a->wal == NULL || a->ev_done == NULL) {
		if (a->ev_done != NULL)
			event_free(a->ev_done);
		a->wal = audit_wal_stop(a->wal);
		sqlite3_finalize(a->insert);
		audit_head_close(&a->head);
		free(a);
		return -ENOMEM;
	}
	r = pthread_create(&a->thread, NULL, audit_thread, a);
	if (r != 0) {
		a->wal = audit_wal_stop(a->wal);
		event_free(a->ev_done);
		sqlite3_finalize(a->insert);
		audit_head_close(&a->head);
		free(a);
		return -r;
	}
	*out = a;
	return 0;
}

struct audit *
audit_stop(struct audit *a)
{
	if (a == NULL)
		return NULL;
	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	a->wal = audit_wal_stop(a->wal);
	audit_run_callbacks(a);
	event_free(a->ev_done);
	sqlite3_finalize(a->insert);
	audit_head_close(&a->head);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->wake);
	free(a);
	return NULL;
}

/* Called with the lock held: one announced row came, or will not come. */
static void
audit_arrived(struct audit *a)
{
	if (a->expected > 0) {
		a->expected--;
		a->arrived++;
	}
}

int
audit_submit(struct audit *a, struct audit_record *rec)
{
	pthread_mutex_lock(&a->lock);
	if (rec->expected)
		audit_arrived(a);
	if (a->stopping) {
		pthread_mutex_unlock(&a->lock);
		return -ESHUTDOWN;
	}
	if (a->queued >= a->queue_max) {
		pthread_mutex_unlock(&a->lock);
		return -EAGAIN;
	}
	if (a->queued == 0)
		a->oldest_queued_mono = now_usec(CLOCK_MONOTONIC);
	STAILQ_INSERT_TAIL(&a->queue, rec, entry);
	a->queued++;
	/* A busy writer looks at the queue again before it sleeps. */
	if (a->writer == WRITER_IDLE || a->writer == WRITER_GATHERING)
		pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

void
audit_expect(struct audit *a)
{
	pthread_mutex_lock(&a->lock);
	a->expected++;
	pthread_mutex_unlock(&a->lock);
}

void
audit_expect_cancel(struct audit *a)
{
	pthread_mutex_lock(&a->lock);
	audit_arrived(a); /* for audit_gather(): it is not coming, so wait no more for it */
	if (a->writer == WRITER_GATHERING)
		pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
}

void
audit_submit_or_fail(struct audit *a, struct audit_record *rec)
{
	int r = audit_submit(a, rec);

	if (r == 0)
		return;
	rec->seq = 0;
	rec->error = r;
	rec->committed_us = now_usec(CLOCK_REALTIME);
	snprintf(rec->error_message, sizeof rec->error_message, "%s",
		 r == -EAGAIN ? "the audit queue is full" : "maestrod is stopping");
	pthread_mutex_lock(&a->lock);
	if (r == -EAGAIN)
		a->stats.failed++;
	STAILQ_INSERT_TAIL(&a->done, rec, entry);
	event_active(a->ev_done, EV_READ, 0);
	pthread_mutex_unlock(&a->lock);
}

bool
audit_has_room(struct audit *a)
{
	bool room;

	pthread_mutex_lock(&a->lock);
	room = !a->stopping && a->queued < a->queue_max;
	pthread_mutex_unlock(&a->lock);
	return room;
}

void
audit_get_stats(struct audit *a, struct audit_stats *st)
{
	uint64_t now;

	pthread_mutex_lock(&a->lock);
	*st = a->stats;
	st->queued = a->queued;
	st->expected = a->expected;
	now = now_usec(CLOCK_MONOTONIC);
	if (a->batch_oldest_mono != 0)
		st->oldest_wait_usec = now - a->batch_oldest_mono;
	else if (a->queued > 0)
		st->oldest_wait_usec = now - a->oldest_queued_mono;
	else
		st->oldest_wait_usec = 0;
	pthread_mutex_unlock(&a->lock);
}

void
audit_set_queue_max(struct audit *a, unsigned queue_max)
{
	pthread_mutex_lock(&a->lock);
	a->queue_max = queue_max;
	pthread_mutex_unlock(&a->lock);
}

void
audit_set_chain(struct audit *a, unsigned checkpoint_every, int64_t max_rows,
		int64_t max_age_usec)
{
	pthread_mutex_lock(&a->lock);
	a->checkpoint_every = checkpoint_every;
	a->max_rows = max_rows;
	a->max_age_usec = max_age_usec;
	a->prune_wanted = true;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
}
