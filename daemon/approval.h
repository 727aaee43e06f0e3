/* Approvals: an ask waits for a person, and the person's answer comes back to the agent. */
#ifndef MAESTRO_APPROVAL_H
#define MAESTRO_APPROVAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <json-c/json.h>
#include <event2/util.h>

#include "action.h"
#include "agent.h"

struct maestrod;
struct call;
struct event;
struct sqlite3;

#define APPROVAL_ID_SIZE 21	    /* "apr_" + 16 hex + NUL */
#define FINGERPRINT_SIZE 33	    /* 32 hex + NUL */
#define APPROVAL_NOTE_MAX 1024
/* Pending approvals one agent may have; more asks are denied, not queued without end. */
#define APPROVAL_PENDING_PER_AGENT 64

enum approval_status {
	APPROVAL_PENDING,
	APPROVAL_APPROVED, /* a grant: once (until used) or until until_us */
	APPROVAL_DENIED,   /* answers the next evaluation of the action with deny, once */
	APPROVAL_EXPIRED,
	APPROVAL_USED,	   /* a once grant or a denial that has answered its evaluation */
};

const char *approval_status_name(enum approval_status s);

struct approval {
	struct maestrod *d;
	char id[APPROVAL_ID_SIZE];
	char agent[AGENT_ID_MAX + 1];
	char fingerprint[FINGERPRINT_SIZE];
	char correlation_id[80];
	enum risk_level risk;
	char *summary;		     /* one line: what the agent wants to do */
	struct json_object *request; /* the action, reasons, counsel and question, as asked */
	enum approval_status status;
	int64_t created_us;
	int64_t expires_us;	     /* a pending approval not decided by then expires */
	bool once;		     /* approved for one evaluation; else until until_us */
	int64_t until_us;
	bool claimed;		     /* a once grant an evaluation in flight is about to use */
	bool deciding;		     /* a person's decision is being recorded */
	bool decided;
	uid_t decided_uid;
	int64_t decided_us;
	char *note;
	struct event *expiry;
	TAILQ_HEAD(, approval_wait) waits;
	TAILQ_ENTRY(approval) entry;
};

/* The loop thread's approvals: pending ones, and decisions not yet used up. */
struct approvals {
	TAILQ_HEAD(, approval) list; /* newest first */
	unsigned n;
};

/*
 * What the pipeline needs to know about an action before it fans out, taken
 * on the loop and read by the worker that decides: it never touches the
 * registry itself.
 */
struct approval_hint {
	enum { HINT_NONE, HINT_PENDING, HINT_GRANT, HINT_DENIED, HINT_FULL } kind;
	char id[APPROVAL_ID_SIZE];
	uid_t uid;
	int64_t decided_us;
	bool once;
	int64_t until_us;
	char note[APPROVAL_NOTE_MAX + 1];
};

/* An action's fingerprint: what makes two evaluations "the same action" for an approval. */
void approval_fingerprint(const char *agent, struct json_object *action,
			  char out[FINGERPRINT_SIZE]);

/* A new random id. Any thread. */
void approval_new_id(char out[APPROVAL_ID_SIZE]);

/*
 * Loop thread. Fills hint for agent's action; a once grant is claimed for
 * this evaluation (approval_release() gives it back if the evaluation does
 * not end up using it).
 */
void approval_lookup(struct maestrod *d, const char *agent, const char *fingerprint,
		     struct approval_hint *hint);
void approval_release(struct maestrod *d, const char *id);

/*
 * Loop thread, after the evaluation's audit row committed: a grant or a
 * denial was used (it answered that evaluation), or a new approval was
 * asked for. approval_created takes over request.
 */
void approval_used(struct maestrod *d, const char *id);
void approval_created(struct maestrod *d, const char *id, const char *agent,
		      const char *fingerprint, const char *correlation_id, enum risk_level risk,
		      const char *summary, struct json_object *request, int64_t created_us,
		      int64_t expires_us);

/*
 * Store changes, for an audit record's apply (writer thread). The data is
 * a struct approval_row, freed with approval_row_free.
 */
struct approval_row {
	char id[APPROVAL_ID_SIZE];
	char agent[AGENT_ID_MAX + 1];
	char fingerprint[FINGERPRINT_SIZE];
	char correlation_id[80];
	enum risk_level risk;
	char *summary;
	char *request; /* JSON text */
	enum approval_status status;
	int64_t created_us, expires_us;
	const char *scope; /* "once", "window" or NULL */
	int64_t until_us;
	bool decided;
	uid_t decided_uid;
	int64_t decided_us;
	char *note;
	bool insert; /* a new row; otherwise only status and the decision change */
};
int approval_row_apply(struct sqlite3 *db, void *data, char *err, size_t size);
void approval_row_free(void *data);

/* Start: loads pending approvals and live decisions; expires what expired meanwhile. */
int approvals_load(struct maestrod *d, struct sqlite3 *db, char *msg, size_t size);
void approvals_clear(struct maestrod *d);

/* Loop thread: find one in memory, or NULL. */
struct approval *approval_find(struct maestrod *d, const char *id);
/* The JSON view of an approval, for replies and notifications. */
struct json_object *approval_to_json(const struct approval *a);

/*
 * A person's decision: approve (once, or for window_us) or deny, with a
 * note (may be NULL). Records it, then answers waiters and subscribers.
 * The call is replied to once the row is committed.
 */
void approval_decide(struct maestrod *d, struct call *call, struct approval *a, bool approve,
		     int64_t window_us, const char *note);

/* approval.wait: answers call when a is decided or expires, or after timeout_us. */
void approval_wait(struct maestrod *d, struct call *call, struct approval *a, int64_t timeout_us);

/* maestrod is stopping: every approval.wait is answered now, with the state as it is. */
void approvals_drain(struct maestrod *d);

/* Sends a notification to every connection subscribed with approval.subscribe. */
void approval_notify(struct maestrod *d, const char *method, const struct approval *a);

/* Between approval.c and approval-decide.c. */
void approval_on_expiry(evutil_socket_t fd, short what, void *arg);
void approval_forget(struct maestrod *d, struct approval *a);
void approval_cancel_waits(struct maestrod *d, struct approval *a);

#endif
