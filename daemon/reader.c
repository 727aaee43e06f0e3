/* Read-only queries of the store, off the loop thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "log.h"
#include "reader.h"
#include "workers.h"

/* How long a read waits out a lock before it fails (a checkpoint, a stuck writer). */
#define READER_BUSY_TIMEOUT_MS 5000

struct reader {
	struct worker_pool *pool;
	char *path;
	pthread_mutex_t lock;
	sqlite3 **idle; /* connections not in use: at most one per thread */
	unsigned n_idle;
	unsigned max_idle;
};

struct read_job {
	struct work_item item;
	struct reader *r;
	reader_run_fn run;
	reader_done_fn done;
	void *arg;
	int status;
};

static sqlite3 *
connection_open(struct reader *r)
{
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open_v2(r->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_warning("reader: cannot open %s: %s", r->path,
			    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, READER_BUSY_TIMEOUT_MS);
	/* Belt and braces: even a bug in a query cannot write through this connection. */
	sqlite3_exec(db, "PRAGMA query_only = ON", NULL, NULL, NULL);
	return db;
}

static sqlite3 *
connection_take(struct reader *r)
{
	sqlite3 *db = NULL;

	pthread_mutex_lock(&r->lock);
	if (r->n_idle > 0)
		db = r->idle[--r->n_idle];
	pthread_mutex_unlock(&r->lock);
	return db != NULL ? db : connection_open(r);
}

static void
connection_give_back(struct reader *r, sqlite3 *db)
{
	pthread_mutex_lock(&r->lock);
	if (r->n_idle < r->max_idle) {
		r->idle[r->n_idle++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&r->lock);
	sqlite3_close(db);
}

static void
job_work(struct work_item *item)
{
	struct read_job *job = (struct read_job *)((char *)item - offsetof(struct read_job, item));
	sqlite3 *db = connection_take(job->r);

	if (db == NULL) {
		job->status = -EIO;
		return;
	}
	job->status = job->run(db, job->arg);
	/* A read left open would pin the WAL and keep checkpoints from finishing. */
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	connection_give_back(job->r, db);
}

static void
job_done(struct work_item *item)
{
	struct read_job *job = (struct read_job *)((char *)item - offsetof(struct read_job, item));

	job->done(job->status, job->arg);
	free(job);
}

int
reader_start(struct event_base *base, const char *path, unsigned threads, unsigned queue_max,
	     struct reader **out)
{
	struct reader *r = calloc(1, sizeof *r);
	int rc;

	if (r == NULL || (r->path = strdup(path)) == NULL ||
	    (r->idle = calloc(threads, sizeof *r->idle)) == NULL) {
		if (r != NULL)
			free(r->path);
		free(r);
		return -ENOMEM;
	}
	r->max_idle = threads;
	pthread_mutex_init(&r->lock, NULL);
	rc = workers_start(base, threads, queue_max, &r->pool);
	if (rc < 0) {
		pthread_mutex_destroy(&r->lock);
		free(r->idle);
		free(r->path);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

struct reader *
reader_stop(struct reader *r)
{
	if (r == NULL)
		return NULL;
	r->pool = workers_stop(r->pool);
	for (unsigned i = 0; i < r->n_idle; i++)
		sqlite3_close(r->idle[i]);
	pthread_mutex_destroy(&r->lock);
	free(r->idle);
	free(r->path);
	free(r);
	return NULL;
}

int
reader_submit(struct reader *r, reader_run_fn run, reader_done_fn done, void *arg)
{
	struct read_job *job = calloc(1, sizeof *job);
	int rc;

	if (job == NULL)
		return -ENOMEM;
	job->r = r;
	job->run = run;
	job->done = done;
	job->arg = arg;
	job->item.work = job_work;
	job->item.done = job_done;
	rc = workers_submit(r->pool, &job->item);
	if (rc < 0)
		free(job);
	return rc;
}
