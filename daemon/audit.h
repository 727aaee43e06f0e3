/* The audit writer: one thread that group-commits audit rows to SQLite. */
#ifndef MAESTRO_AUDIT_H
#define MAESTRO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "metrics.h"

struct event_base;
struct sqlite3;

struct audit_record;
typedef void (*audit_done_fn)(struct audit_record *rec, void *userdata);

/*
 * One row. The submitter fills the fields; the writer sets seq (or error)
 * and the loop thread then calls done, after which the record is freed.
 * Strings are owned by the record.
 */
struct audit_record {
	int64_t time_us;
	/*
	 * "daemon.start", "config.reload", ... NULL makes the record a store
	 * job: no audit row, only apply runs, in order with the rows around
	 * it (what trust and usage updates use, which need no row of their
	 * own). A job takes a queue slot, is not counted in the stats' rows
	 * and leaves seq at 0.
	 */
	char *event;
	char *actor;	      /* who caused it: "uid:1000", an agent id, "maestrod" */
	bool has_peer;
	uid_t peer_uid;
	pid_t peer_pid;
	char *correlation_id; /* may be NULL */
	char *detail;	      /* a JSON object as text */
	/* Set by the writer. */
	int64_t seq;
	char prev_hash[65];    /* its place in the chain (lowercase hex SHA-256) */
	char hash[65];
	uint64_t committed_us; /* CLOCK_REALTIME when its transaction ended, either way */
	int error;	      /* 0, or a negative errno when the commit failed */
	char error_message[160];
	/*
	 * Optional: a change to the store (an agent, say) that must commit
	 * with this row or not at all. Runs on the writer thread inside the
	 * transaction; returns 0 or a negative errno with err filled in.
	 */
	int (*apply)(struct sqlite3 *db, void *data, char *err, size_t size);
	void *apply_data;
	void (*apply_free)(void *data);
	audit_done_fn done;   /* may be NULL */
	void *userdata;
	bool expected;	      /* announced with audit_expect(): its arrival ends a wait */
	STAILQ_ENTRY(audit_record) entry;
};

struct audit_stats {
	uint64_t queued;	    /* waiting for the writer now */
	uint64_t expected;	    /* announced by decisions still in the pipeline */
	uint64_t committed;	    /* rows committed since start */
	uint64_t failed;	    /* rows whose commit failed */
	uint64_t batches;
	int64_t last_seq;
	bool failing;		    /* the last commit failed */
	uint64_t oldest_wait_usec;  /* how long the oldest queued row has waited */
	struct metrics_histogram commit_latency; /* one observation per batch, BEGIN to COMMIT */
};

struct audit;

/* Takes over db (the write connection) and starts the writer thread. */
int audit_start(struct event_base *base, struct sqlite3 *db, unsigned queue_max,
		struct audit **out);

/* Commits what is queued, stops the thread, runs the last callbacks. */
struct audit *audit_stop(struct audit *a);

/*
 * A record of event at this moment, or NULL when out of memory. Takes over
 * detail, a JSON object (NULL for none), and keeps it as compact text.
 */
struct audit_record *audit_record_new(const char *event, const char *actor,
				      struct json_object *detail);
void audit_record_free(struct audit_record *rec);
/* A store job (see event above): takes over data, which free (may be NULL) releases. */
struct audit_record *audit_job_new(int (*apply)(struct sqlite3 *db, void *data, char *err,
						size_t size),
				   void *data, void (*free)(void *data));

/*
 * Queues rec; the writer owns it from here. Returns 0, or -EAGAIN when
 * the queue is full and -ESHUTDOWN when stopping (rec is then still the
 * caller's).
 */
int audit_submit(struct audit *a, struct audit_record *rec);

/*
 * Like audit_submit(), but rec is the writer's either way: when it cannot
 * be queued, its done callback still runs on the loop, with error set
 * ("the audit queue is full"). Safe from any thread, so a worker can hand
 * a decision over without a trip through the loop.
 */
void audit_submit_or_fail(struct audit *a, struct audit_record *rec);

/*
 * Observers see every row once it is committed, on the loop thread, after
 * its submitter's done callback: audit.follow streams them, telemetry
 * exports them. rec (with seq set) is valid only during the call; an
 * observer must not block. Returns 0 or -ENOSPC past AUDIT_MAX_OBSERVERS.
 */
#define AUDIT_MAX_OBSERVERS 4
typedef void (*audit_observer_fn)(const struct audit_record *rec, void *arg);
int audit_add_observer(struct audit *a, audit_observer_fn fn, void *arg);

/*
 * Group commit across the pipeline: a decision announces its row when it
 * enters the pipeline, and the writer, finding rows queued while others
 * are still on their way, waits a moment (at most AUDIT_GROUP_WAIT_USEC)
 * to commit them together. A row submitted with expected set ends its
 * announcement; audit_expect_cancel() ends one that never came. With
 * nothing on its way the writer commits at once, so a lone client never
 * waits.
 */
#define AUDIT_GROUP_WAIT_USEC 200
void audit_expect(struct audit *a);
void audit_expect_cancel(struct audit *a);

/* Whether audit_submit() would find room now. */
bool audit_has_room(struct audit *a);

void audit_get_stats(struct audit *a, struct audit_stats *st);
void audit_set_queue_max(struct audit *a, unsigned queue_max);

/*
 * The hash chain's settings (maestro-audit(7)): a signed checkpoint every
 * checkpoint_every rows (0: only at shutdown), and retention by rows and
 * by age (0: off), applied by the writer between its commits.
 */
#define AUDIT_CHECKPOINT_EVERY_DEFAULT 1000
void audit_set_chain(struct audit *a, unsigned checkpoint_every, int64_t max_rows,
		     int64_t max_age_usec);

#endif
