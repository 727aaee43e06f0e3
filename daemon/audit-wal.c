/*
 * The audit writer's WAL: when it is copied into the database, and by whom.
 *
 * Commits go to the WAL; a checkpoint copies them into the database file
 * and fsyncs both, about 4 us a frame on this kind of disk. SQLite would
 * checkpoint inside the COMMIT that crosses its threshold, and the rows of
 * that batch would wait for it before their replies (it was most of the
 * writer's p99). Instead a thread with its own connection copies the WAL
 * each time it has grown by KICK_FRAMES, with passive checkpoints, which
 * SQLite lets proceed while the writer keeps appending.
 *
 * The WAL starts over only once it is copied whole between two commits,
 * which the thread cannot see to. The writer does that itself, between
 * batches, once the thread has left it at most LEFT_FRAMES to copy: when
 * it has nothing else to do, or when the WAL is past BUSY_FRAMES under
 * load that never lets up; and at MAX_FRAMES whatever is left. Without the
 * thread it copies everything itself, at KICK_FRAMES when idle.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sqlite3.h>

#include "audit-wal.h"
#include "log.h"

#define KICK_FRAMES 1000
#define LEFT_FRAMES 300
#define BUSY_FRAMES 8000
#define MAX_FRAMES 64000

struct audit_wal {
	sqlite3 *writer_db;
	int frames; /* in the WAL after the last commit; writer thread only */
	int kicked; /* frames when the thread was last asked; writer thread only */
	bool threaded;
	/* The checkpoint thread. */
	pthread_t thread;
	sqlite3 *db;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool due, stopping;
	_Atomic int copied; /* frames of the WAL in the database after its last checkpoint */
};

/* Called by SQLite on the writer thread after each commit. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	((struct audit_wal *)arg)->frames = frames;
	return SQLITE_OK;
}

static void *
wal_thread(void *arg)
{
	struct audit_wal *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		int r, log, copied;

		while (!w->due && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->stopping)
			break;
		w->due = false;
		pthread_mutex_unlock(&w->lock);
		/* Passive: never waits for the writer or a reader; what it cannot copy now waits for the next. */
		r = sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
		if (r == SQLITE_OK)
			atomic_store(&w->copied, copied);
		else if (r != SQLITE_BUSY)
			log_warning("audit: checkpoint failed: %s", sqlite3_errmsg(w->db));
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static bool
thread_start(struct audit_wal *w)
{
	const char *path = sqlite3_db_filename(w->writer_db, "main");

	if (path == NULL || *path == '\0')
		return false; /* an in-memory database: nothing to copy */
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    /*
	     * A connection finds the database in WAL mode only when it first
	     * reads it; until then a checkpoint through it copies nothing, silently.
	     */
	    sqlite3_exec(w->db, "PRAGMA schema_version", NULL, NULL, NULL) != SQLITE_OK) {
		log_warning("audit: no checkpoint thread (%s); the writer checkpoints itself",
			    sqlite3_errmsg(w->db));
		sqlite3_close(w->db);
		return false;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, wal_thread, w) != 0) {
		log_warning("audit: no checkpoint thread; the writer checkpoints itself");
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		sqlite3_close(w->db);
		return false;
	}
	return true;
}

struct audit_wal *
audit_wal_start(sqlite3 *db)
{
	struct audit_wal *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	w->writer_db = db;
	/* Replaces SQLite's own automatic checkpoint. */
	sqlite3_wal_hook(db, wal_hook, w);
	w->threaded = thread_start(w);
	return w;
}

static void
kick(struct audit_wal *w)
{
	w->kicked = w->frames;
	pthread_mutex_lock(&w->lock);
	w->due = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

/* Copies what it can now; the WAL may start over at the next commit. */
static void
checkpoint_now(struct audit_wal *w)
{
	/* Passive: never waits for readers; what it cannot copy now it copies next time. */
	int r = sqlite3_wal_checkpoint_v2(w->writer_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	if (r != SQLITE_OK && r != SQLITE_BUSY)
		log_warning("audit: checkpoint failed: %s", sqlite3_errmsg(w->writer_db));
	w->frames = 0;
	w->kicked = 0;
}

void
audit_wal_after_batch(struct audit_wal *w, bool idle)
{
	int copied, left;

	if (w->frames < KICK_FRAMES)
		return;
	if (w->frames < w->kicked)
		w->kicked = 0; /* the WAL started over */
	if (!w->threaded) {
		if (w->frames >= (idle ? KICK_FRAMES : BUSY_FRAMES))
			checkpoint_now(w);
		return;
	}
	/* Idle, the thread copies what is new sooner: an idle maestrod leaves the database whole. */
	if (w->frames >= w->kicked + KICK_FRAMES ||
	    (idle && w->frames >= w->kicked + LEFT_FRAMES))
		kick(w);
	/* Only a copy made since the last kick is of this WAL for sure. */
	copied = atomic_load(&w->copied);
	left = w->frames;
	if (w->kicked > 0 && copied >= w->kicked - KICK_FRAMES && copied <= w->frames)
		left = w->frames - copied;
	if (w->frames >= MAX_FRAMES ||
	    (left <= LEFT_FRAMES && w->frames >= (idle ? KICK_FRAMES : BUSY_FRAMES)))
		checkpoint_now(w);
}

struct audit_wal *
audit_wal_stop(struct audit_wal *w)
{
	if (w == NULL)
		return NULL;
	if (w->threaded) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		sqlite3_close(w->db);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
	}
	/* Closing the writer's connection, the last, then copies what is left. */
	sqlite3_wal_hook(w->writer_db, NULL, NULL);
	free(w);
	return NULL;
}
