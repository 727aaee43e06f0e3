/* The audit writer: one thread that group-commits audit rows to SQLite. */
#ifndef MAESTRO_AUDIT_H
#define MAESTRO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <json-c/json.h>

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
	char *event;	      /* "daemon.start", "config.reload", ... */
	char *actor;	      /* who caused it: "uid:1000", an agent id, "maestrod" */
	bool has_peer;
	uid_t peer_uid;
	pid_t peer_pid;
	char *correlation_id; /* may be NULL */
	char *detail;	      /* a JSON object as text */
	/* Set by the writer. */
	int64_t seq;
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
	STAILQ_ENTRY(audit_record) entry;
};

struct audit_stats {
	uint64_t queued;	    /* waiting for the writer now */
	uint64_t committed;	    /* rows committed since start */
	uint64_t failed;	    /* rows whose commit failed */
	uint64_t batches;
	int64_t last_seq;
	bool failing;		    /* the last commit failed */
	uint64_t oldest_wait_usec;  /* how long the oldest queued row has waited */
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

/*
 * Queues rec; the writer owns it from here. Returns 0, or -EAGAIN when
 * the queue is full and -ESHUTDOWN when stopping (rec is then still the
 * caller's).
 */
int audit_submit(struct audit *a, struct audit_record *rec);

/* Whether audit_submit() would find room now. */
bool audit_has_room(struct audit *a);

void audit_get_stats(struct audit *a, struct audit_stats *st);
void audit_set_queue_max(struct audit *a, unsigned queue_max);

#endif
