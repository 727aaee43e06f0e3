/* One client connection: peer credentials, framing, pending calls, output. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "audit-follow.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "exec.h"
#include "jsonrpc.h"
#include "log.h"
#include "maestro-protocol.h"
#include "server.h"

/*
 * A client that sends requests but does not read the replies is held back
 * once this much output waits for it, instead of growing our buffer.
 */
#define CONN_OUTPUT_HIGH (4u * 1024 * 1024)

static void conn_update(struct conn *c);

/* A dead connection is freed at the next conn_update(); nothing is sent to it. */
static void
conn_kill(struct conn *c)
{
	c->dead = true;
	evbuffer_drain(c->out, evbuffer_get_length(c->out));
}

static void
conn_flush(struct conn *c)
{
	while (evbuffer_get_length(c->out) > 0) {
		int n = evbuffer_write(c->out, c->fd);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->writing) {
				event_add(c->ev_write, NULL);
				c->writing = true;
			}
			return;
		}
		log_debug("connection %llu: write failed: %s", (unsigned long long)c->id,
			  n < 0 ? strerror(errno) : "closed");
		conn_kill(c);
		break;
	}
	if (c->writing) {
		event_del(c->ev_write);
		c->writing = false;
	}
}

void
conn_send(struct conn *c, struct json_object *msg)
{
	const char *line;
	size_t len;

	if (!c->dead) {
		line = rpc_to_line(msg, &len);
		if (evbuffer_add(c->out, line, len) < 0 || evbuffer_add(c->out, "\n", 1) < 0)
			conn_kill(c);
		else
			conn_flush(c);
	}
	json_object_put(msg);
}

/* For lines that never became requests (too long, cut off): still counted as requests. */
static void
conn_send_error(struct conn *c, int code, const char *message)
{
	c->d->stats.requests_total++;
	c->d->stats.requests_failed++;
	conn_send(c, rpc_error_new(NULL, code, message, NULL));
}

/* Blank lines are tolerated between requests, as a courtesy to people typing. */
static bool
blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return false;
	return true;
}

/* Serves the complete lines buffered, as far as the limits allow. */
static void
conn_process(struct conn *c)
{
	unsigned max_calls = c->d->cfg.max_pending_per_connection;

	c->processing = true;
	while (!c->dead && !c->close_when_idle && c->n_calls < max_calls &&
	       evbuffer_get_length(c->out) < CONN_OUTPUT_HIGH) {
		const char *line;
		size_t len;
		enum frame_status st = frame_reader_next(&c->in, &line, &len);

		if (st == FRAME_LINE) {
			if (!blank(line, len))
				dispatch_line(c, line, len);
			continue;
		}
		if (st == FRAME_TOO_LONG) {
			char msg[128];

			snprintf(msg, sizeof msg,
				 "invalid request: line exceeds the limit of %zu bytes; closing",
				 c->in.max_line);
			conn_send_error(c, RPC_INVALID_REQUEST, msg);
			c->close_when_idle = true;
		} else if (c->eof && frame_reader_pending(&c->in) > 0) {
			conn_send_error(c, RPC_PARSE_ERROR,
					"parse error: the connection ended inside a request (no '\\n')");
			c->close_when_idle = true;
		}
		break;
	}
	c->processing = false;
}

/*
 * The one place that decides a connection's fate after anything happened
 * to it: free it when dead or finished, otherwise arm reading only while
 * it is within its limits.
 */
static void
conn_update(struct conn *c)
{
	bool idle, want_read;

	if (c->processing)
		return;
	/*
	 * Idle also means no complete line is left: conn_process() ran before
	 * us and only stops early while calls or output are outstanding.
	 */
	idle = c->n_calls == 0 && evbuffer_get_length(c->out) == 0;
	if (c->dead || (idle && (c->eof || c->draining || c->close_when_idle))) {
		conn_free(c);
		return;
	}
	want_read = !c->eof && !c->draining && !c->close_when_idle &&
		    c->n_calls < c->d->cfg.max_pending_per_connection &&
		    evbuffer_get_length(c->out) < CONN_OUTPUT_HIGH;
	if (want_read && !c->reading)
		event_add(c->ev_read, NULL);
	else if (!want_read && c->reading)
		event_del(c->ev_read);
	c->reading = want_read;
}

/* Reads once; returns the bytes read, 0 at EOF or nothing to read, -1 on error. */
static ssize_t
conn_read(struct conn *c)
{
	size_t avail;
	char *p;
	ssize_t n;

	p = frame_reader_space(&c->in, &avail);
	if (p == NULL) {
		log_error("connection %llu: out of memory", (unsigned long long)c->id);
		conn_kill(c);
		return -1;
	}
	if (avail == 0)
		return 0;
	do
		n = read(c->fd, p, avail);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		frame_reader_commit(&c->in, (size_t)n);
		return n;
	}
	if (n == 0) {
		c->eof = true;
		exec_conn_eof(c); /* a client that hung up takes its running commands with it */
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	log_debug("connection %llu: read failed: %s", (unsigned long long)c->id, strerror(errno));
	conn_kill(c);
	return -1;
}

static void
conn_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	if (conn_read(c) >= 0)
		conn_process(c);
	conn_update(c);
}

static void
conn_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	conn_flush(c);
	/* A follower that caught up is told what it missed. */
	if (c->follower != NULL)
		audit_follow_drained(c->d->follow, c);
	/* Room in the output may let held-back lines through. */
	conn_process(c);
	conn_update(c);
}

struct conn *
conn_new(struct maestrod *d, int fd, uid_t uid, gid_t gid, pid_t pid)
{
	static uint64_t next_id = 1;
	struct conn *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->d = d;
	c->id = next_id++;
	c->fd = fd;
	c->uid = uid;
	c->gid = gid;
	c->pid = pid;
	TAILQ_INIT(&c->calls);
	frame_reader_init(&c->in, d->cfg.max_line);
	c->out = evbuffer_new();
	c->ev_read = event_new(d->base, fd, EV_READ | EV_PERSIST, conn_on_read, c);
	c->ev_write = event_new(d->base, fd, EV_WRITE | EV_PERSIST, conn_on_write, c);
	if (c->out == NULL || c->ev_read == NULL || c->ev_write == NULL) {
		c->fd = -1; /* the caller still owns fd on failure */
		conn_free(c);
		return NULL;
	}
	event_add(c->ev_read, NULL);
	c->reading = true;
	return c;
}

void
conn_free(struct conn *c)
{
	struct call *call;

	if (c == NULL)
		return;
	if (c->follower != NULL)
		audit_follow_remove(c->d->follow, c);
	exec_conn_gone(c);
	/* Calls in flight finish without us; their replies go nowhere. */
	while ((call = TAILQ_FIRST(&c->calls)) != NULL) {
		TAILQ_REMOVE(&c->calls, call, entry);
		call_orphan(call);
	}
	if (c->ev_read)
		event_free(c->ev_read);
	if (c->ev_write)
		event_free(c->ev_write);
	if (c->out)
		evbuffer_free(c->out);
	frame_reader_fini(&c->in);
	free(c->home);
	if (c->fd >= 0) {
		close(c->fd);
		server_conn_closed(c->d->server, c);
	}
	free(c);
}

void
conn_call_done(struct conn *c)
{
	if (c->processing)
		return; /* the processing loop looks again when it is done */
	conn_process(c);
	conn_update(c);
}

void
conn_drain(struct conn *c)
{
	/*
	 * Whatever the client sent before we stopped is still served, also
	 * the lines held back by its limits; a line cut off by the shutdown
	 * is dropped with the connection.
	 */
	while (!c->dead && !c->eof && conn_read(c) > 0)
		conn_process(c);
	conn_process(c);
	c->draining = true;
	conn_update(c);
}

void
conn_set_max_line(struct conn *c, size_t max_line)
{
	c->in.max_line = max_line;
}

void
conn_close_after_reply(struct conn *c)
{
	c->close_when_idle = true;
}
