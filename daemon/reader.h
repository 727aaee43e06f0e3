/* Read-only queries of the store, off the loop thread. */
#ifndef MAESTRO_READER_H
#define MAESTRO_READER_H

struct event_base;
struct sqlite3;
struct reader;

/*
 * A pool of threads of its own, so that a long read (verifying a chain of
 * a million rows, exporting a year) never holds up a decision's subagents
 * on the governance workers. Each job borrows a read-only connection to
 * the database at path; WAL lets it read while the audit writer commits.
 */
int reader_start(struct event_base *base, const char *path, unsigned threads, unsigned queue_max,
		 struct reader **out);
/* Finishes what is queued, runs the last done callbacks, closes the connections. */
struct reader *reader_stop(struct reader *r);

typedef int (*reader_run_fn)(struct sqlite3 *db, void *arg);
typedef void (*reader_done_fn)(int status, void *arg);

/*
 * Runs run(db, arg) on a reader thread, then done(status, arg) on the loop
 * thread, status being what run returned (or a negative errno when no
 * connection could be opened: run is then not called). run must not touch
 * loop-owned state; it owns arg until it returns, done owns it after.
 * Returns 0, -EAGAIN when the queue is full, -ESHUTDOWN when stopping,
 * -ENOMEM; on error neither function is called.
 */
int reader_submit(struct reader *r, reader_run_fn run, reader_done_fn done, void *arg);

#endif
