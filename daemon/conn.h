/* One client connection: peer credentials, framing, pending calls, output. */
#ifndef MAESTRO_CONN_H
#define MAESTRO_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "agent.h"
#include "frame.h"

struct audit_follower;
struct call;
struct event;
struct evbuffer;
struct maestrod;

struct conn {
	struct maestrod *d;
	uint64_t id;
	int fd;
	/* From SO_PEERCRED at accept; what the kernel says, never the client. */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	/* The agent this connection speaks for since session.hello; "" for none. */
	char agent_id[AGENT_ID_MAX + 1];
	int64_t agent_token_created_us; /* a rotation since the hello ends the session */
	unsigned failed_auth;
	bool tainted; /* the agent reported tool output with injected instructions */
	bool approvals_subscribed; /* approval.subscribe: notified of every approval's steps */
	char *home;   /* the peer's home directory, looked up once; NULL until then */
	struct audit_follower *follower; /* audit.follow: set while it follows (audit-follow.c) */
	LIST_HEAD(, execution) executions; /* governance.execute's commands running for it (exec.c) */
	struct event *ev_read;
	struct event *ev_write;
	struct frame_reader in;
	struct evbuffer *out;
	TAILQ_HEAD(, call) calls; /* accepted requests not yet answered */
	unsigned n_calls;
	bool reading;	      /* the read event is armed */
	bool writing;	      /* the write event is armed */
	bool processing;      /* inside conn_process(): do not free */
	bool dead;	      /* failed; freed at the next update */
	bool eof;	      /* the client will send nothing more */
	bool draining;	      /* shutdown: read no more, serve what is buffered, close */
	bool close_when_idle; /* framing failed: serve no more lines, flush, close */
	TAILQ_ENTRY(conn) entry;
};

/* Takes over fd, whose peer the server has already admitted. */
struct conn *conn_new(struct maestrod *d, int fd, uid_t uid, gid_t gid, pid_t pid);
void conn_free(struct conn *c);

/* Queues one JSON-RPC message; takes over msg. */
void conn_send(struct conn *c, struct json_object *msg);

/* A call finished: resume reading if it was held back, close if idle and asked to. */
void conn_call_done(struct conn *c);

/* Shutdown: read what has arrived, then close once everything is answered. */
void conn_drain(struct conn *c);

void conn_set_max_line(struct conn *c, size_t max_line);

/* Serve nothing more from this client: answer what is pending, then close. */
void conn_close_after_reply(struct conn *c);

#endif
