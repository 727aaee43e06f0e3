/*
 * The WAL checkpointer.
 *
 * A checkpoint copies the pages committed to the WAL into the database
 * file and fsyncs both: a few milliseconds on a dev machine's disk. Run by
 * the audit writer, every decision arriving meanwhile would wait for it
 * (it was most of the writer's p99). Here a thread of its own, on its own
 * connection, runs passive checkpoints, which SQLite lets proceed while the
 * writer keeps appending: the writer only says when the WAL has grown.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sqlite3.h>

#include "audit-wal.h"
#include "log.h"

struct audit_wal {
	pthread_t thread;
	sqlite3 *db;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool due, stopping;
	_Atomic int copied; /* frames of the WAL in the database after the last checkpoint */
};

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

struct audit_wal *
audit_wal_start(sqlite3 *writer_db)
{
	const char *path = sqlite3_db_filename(writer_db, "main");
	struct audit_wal *w;

	if (path == NULL || *path == '\0' || (w = calloc(1, sizeof *w)) == NULL)
		return NULL;
	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_warning("audit: no checkpoint thread (%s); the writer checkpoints itself",
			    sqlite3_errmsg(w->db));
		sqlite3_close(w->db);
		free(w);
		return NULL;
	}
	/*
	 * A connection finds the database in WAL mode only when it first reads
	 * it; until then a checkpoint through it copies nothing, silently.
	 */
	sqlite3_busy_timeout(w->db, 1000);
	if (sqlite3_exec(w->db, "PRAGMA schema_version", NULL, NULL, NULL) != SQLITE_OK) {
		log_warning("audit: no checkpoint thread (%s); the writer checkpoints itself",
			    sqlite3_errmsg(w->db));
		sqlite3_close(w->db);
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, wal_thread, w) != 0) {
		log_warning("audit: no checkpoint thread; the writer checkpoints itself");
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		sqlite3_close(w->db);
		free(w);
		return NULL;
	}
	return w;
}

void
audit_wal_kick(struct audit_wal *w)
{
	pthread_mutex_lock(&w->lock);
	w->due = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

int
audit_wal_copied(struct audit_wal *w)
{
	return atomic_load(&w->copied);
}

struct audit_wal *
audit_wal_stop(struct audit_wal *w)
{
	if (w == NULL)
		return NULL;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	sqlite3_close(w->db);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
	return NULL;
}
