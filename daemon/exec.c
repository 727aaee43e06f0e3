/* governance.execute's lifecycle on the loop: a running command's pipes, exit, timeout and kill. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/event.h>

#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "exec-internal.h"
#include "jsonrpc.h"
#include "log.h"
#include "maestro-protocol.h"
#include "util.h"
#include "utf8.h"

/* The daemon's executions, so that a shutdown finds them all. */
struct exec_set {
	LIST_HEAD(, execution) all;
};

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* A chunk of output streamed at once: a line, or this much of a long one. */
#define EXEC_STREAM_CHUNK 4096

void
exec_track(struct execution *ex)
{
	struct maestrod *d = ex->d;

	if (d->exec == NULL) {
		d->exec = calloc(1, sizeof *d->exec);
		if (d->exec == NULL)
			return; /* untracked: it still runs and answers, only a shutdown misses it */
		LIST_INIT(&d->exec->all);
	}
	LIST_INSERT_HEAD(&d->exec->all, ex, all_entry);
	ex->conn = ex->call->conn;
	if (ex->conn != NULL)
		LIST_INSERT_HEAD(&ex->conn->executions, ex, conn_entry);
}

static void
exec_untrack(struct execution *ex)
{
	if (ex->all_entry.le_prev != NULL)
		LIST_REMOVE(ex, all_entry);
	ex->all_entry.le_prev = NULL;
	if (ex->conn != NULL)
		LIST_REMOVE(ex, conn_entry);
	ex->conn = NULL;
}

static void
stream_close(struct exec_stream *s)
{
	if (s->ev != NULL)
		event_free(s->ev);
	s->ev = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void
exec_free(struct execution *ex)
{
	if (ex == NULL)
		return;
	exec_untrack(ex);
	stream_close(&ex->out);
	stream_close(&ex->err);
	if (ex->ev_exit != NULL)
		event_free(ex->ev_exit);
	if (ex->ev_timeout != NULL)
		event_free(ex->ev_timeout);
	if (ex->pidfd >= 0)
		close(ex->pidfd);
	free(ex->out.buf);
	free(ex->err.buf);
	free(ex->agent_id);
	if (ex->argv != NULL)
		for (char **a = ex->argv; *a != NULL; a++)
			free(*a);
	free(ex->argv);
	free(ex->command);
	free(ex->cwd);
	free(ex->workspace);
	free(ex->stdin_text);
	json_object_put(ex->env);
	for (size_t i = 0; i < ARRAY_SIZE(ex->maestro_files); i++)
		free(ex->maestro_files[i]);
	free(ex->daemon_home);
	json_object_put(ex->decision);
	json_object_put(ex->confinement);
	free(ex->tmpdir);
	free(ex);
}

/* Both pipes at EOF and the leader reaped (or given up on): what ran is over. */
static void
exec_maybe_done(struct execution *ex)
{
	if (ex->state != EXEC_RUNNING || !ex->reaped || ex->out.fd >= 0 || ex->err.fd >= 0)
		return;
	if (ex->ev_timeout != NULL)
		event_del(ex->ev_timeout);
	exec_untrack(ex);
	exec_finish(ex);
}

/* Sends buf[streamed..upto) as execute.output, redacted: what armor finds is never streamed. */
static void
stream_send(struct execution *ex, struct exec_stream *s, const char *name, size_t upto)
{
	struct json_object *params;
	size_t len;
	char *text;

	if (upto <= s->streamed)
		return;
	text = armor_redact_dup(s->buf + s->streamed, upto - s->streamed, &len);
	s->streamed = upto;
	if (text == NULL || ex->conn == NULL) {
		free(text);
		return;
	}
	for (size_t off = 0, bad; !utf8_valid(text + off, len - off, &bad); off += bad + 1)
		text[off + bad] = '?';
	params = json_object_new_object();
	json_object_object_add(params, "correlation_id", json_object_new_string(ex->correlation_id));
	json_object_object_add(params, "stream", json_object_new_string(name));
	json_object_object_add(params, "data", json_object_new_string_len(text, (int)len));
	free(text);
	conn_send(ex->conn, rpc_notification_new("execute.output", params));
}

/* Streams whole lines, or a long line in chunks; at EOF whatever is left. */
static void
stream_flush(struct execution *ex, struct exec_stream *s, const char *name, bool eof)
{
	const char *nl;
	size_t upto = s->streamed;

	if (!ex->stream || ex->conn == NULL)
		return;
	if (eof) {
		upto = s->len;
	} else {
		for (const char *p = s->buf + s->streamed;
		     (nl = memchr(p, '\n', (size_t)(s->buf + s->len - p))) != NULL; p = nl + 1)
			upto = (size_t)(nl + 1 - s->buf);
		if (s->len - upto >= EXEC_STREAM_CHUNK)
			upto = s->len;
	}
	stream_send(ex, s, name, upto);
}

static void
exec_on_output(evutil_socket_t fd, short what, void *arg)
{
	struct execution *ex = arg;
	struct exec_stream *s = fd == ex->out.fd ? &ex->out : &ex->err;
	const char *name = s == &ex->out ? "stdout" : "stderr";
	char scratch[16384];

	(void)what;
	/* A bounded number of reads per wake-up, so that one chatty command cannot hold the loop. */
	for (int i = 0; i < 16; i++) {
		size_t room;

		if (s->len == s->cap && s->cap < ex->limits.max_output) {
			size_t cap = s->cap * 2 < ex->limits.max_output ? s->cap * 2 : ex->limits.max_output;
			char *p = realloc(s->buf, cap);

			if (p != NULL) {
				s->buf = p;
				s->cap = cap;
			}
		}
		room = s->cap - s->len;
		ssize_t n = read(s->fd, room > 0 ? s->buf + s->len : scratch,
				 room > 0 ? room : sizeof scratch);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			stream_flush(ex, s, name, true);
			stream_close(s);
			exec_maybe_done(ex);
			return;
		}
		if (room > 0)
			s->len += (size_t)n;
		else
			s->truncated = true; /* read and dropped: the command must not block on a full pipe */
	}
	stream_flush(ex, s, name, false);
}

/* Kills the group; only while the leader is unreaped, so its id cannot belong to another. */
static void
exec_kill_group(struct execution *ex)
{
	if (ex->state == EXEC_RUNNING && !ex->reaped && ex->pid > 0)
		kill(-ex->pid, SIGKILL);
}

static void
exec_on_exit(evutil_socket_t fd, short what, void *arg)
{
	struct execution *ex = arg;
	siginfo_t info = { 0 };

	(void)fd;
	(void)what;
	/*
	 * The leader is gone: whatever it left in its group goes too, before it
	 * is reaped (see exec_kill_group), so that the pipes reach EOF.
	 */
	exec_kill_group(ex);
	if (syscall(SYS_waitid, P_PIDFD, ex->pidfd, &info, WEXITED | WNOHANG, NULL) < 0 ||
	    info.si_pid == 0)
		return; /* not yet: the event fires again */
	ex->reaped = true;
	ex->duration_ms = (now_usec(CLOCK_MONOTONIC) - ex->started_mono) / 1000;
	if (info.si_code == CLD_EXITED) {
		ex->exit_code = info.si_status;
	} else {
		ex->exit_code = -1;
		ex->signal = info.si_status;
	}
	event_free(ex->ev_exit);
	ex->ev_exit = NULL;
	close(ex->pidfd);
	ex->pidfd = -1;
	exec_maybe_done(ex);
}

static void
exec_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct execution *ex = arg;

	(void)fd;
	(void)what;
	if (!ex->reaped) {
		ex->timed_out = true;
		exec_kill_group(ex);
		return;
	}
	/*
	 * Reaped, but something that left the group (setsid) still holds a
	 * pipe: stop waiting for it.
	 */
	ex->timed_out = true;
	stream_flush(ex, &ex->out, "stdout", true);
	stream_flush(ex, &ex->err, "stderr", true);
	stream_close(&ex->out);
	stream_close(&ex->err);
	exec_maybe_done(ex);
}

/* On the loop, after the worker forked (or failed to). */
static void
exec_started(struct work_item *item)
{
	struct execution *ex = (struct execution *)((char *)item - offsetof(struct execution, item));
	struct event_base *base = ex->d->base;
	struct timeval tv = { .tv_sec = ex->timeout_s };

	if (ex->error[0] != '\0') {
		exec_untrack(ex);
		exec_finish(ex);
		return;
	}
	ex->state = EXEC_RUNNING;
	ex->ev_exit = event_new(base, ex->pidfd, EV_READ | EV_PERSIST, exec_on_exit, ex);
	ex->out.ev = event_new(base, ex->out.fd, EV_READ | EV_PERSIST, exec_on_output, ex);
	ex->err.ev = event_new(base, ex->err.fd, EV_READ | EV_PERSIST, exec_on_output, ex);
	ex->ev_timeout = evtimer_new(base, exec_on_timeout, ex);
	if (ex->ev_exit == NULL || ex->out.ev == NULL || ex->err.ev == NULL ||
	    ex->ev_timeout == NULL) {
		/* Without its events the loop could not see it end: it is killed and reaped here. */
		kill(-ex->pid, SIGKILL);
		while (waitpid(ex->pid, NULL, 0) < 0 && errno == EINTR)
			;
		ex->reaped = true;
		ex->exit_code = -1;
		ex->signal = SIGKILL;
		ex->killed = "out of memory";
		stream_close(&ex->out);
		stream_close(&ex->err);
		exec_maybe_done(ex);
		return;
	}
	event_add(ex->ev_exit, NULL);
	event_add(ex->out.ev, NULL);
	event_add(ex->err.ev, NULL);
	evtimer_add(ex->ev_timeout, &tv);
	/* The client left, or the daemon began to stop, while it was being prepared. */
	if (ex->killed != NULL)
		exec_kill_group(ex);
}

void
exec_start(struct execution *ex)
{
	ex->state = EXEC_PREPARING;
	ex->pidfd = -1;
	ex->out.fd = ex->err.fd = -1;
	ex->item.work = exec_prepare_work;
	ex->item.done = exec_started;
	exec_track(ex);
	if (workers_submit(ex->d->workers, &ex->item) < 0) {
		snprintf(ex->error, sizeof ex->error, "overloaded: the worker queue is full; retry");
		exec_untrack(ex);
		exec_finish(ex);
	}
}

void
exec_kill(struct execution *ex, const char *why)
{
	if (ex->killed == NULL)
		ex->killed = why;
	exec_kill_group(ex); /* while preparing, exec_started() does it */
}

void
exec_conn_gone(struct conn *c)
{
	struct execution *ex;

	while ((ex = LIST_FIRST(&c->executions)) != NULL) {
		LIST_REMOVE(ex, conn_entry);
		ex->conn = NULL;
		exec_kill(ex, "the client disconnected");
	}
}

void
exec_conn_eof(struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	/*
	 * EOF alone may be a client that shut down its sending side and waits
	 * for the reply; POLLHUP is one that closed the socket.
	 */
	if (LIST_EMPTY(&c->executions) || poll(&pfd, 1, 0) < 0 || !(pfd.revents & POLLHUP))
		return;
	exec_conn_gone(c);
}

void
exec_shutdown(struct maestrod *d)
{
	struct execution *ex;

	if (d->exec == NULL)
		return;
	LIST_FOREACH(ex, &d->exec->all, all_entry)
		exec_kill(ex, "maestrod is shutting down");
}

void
exec_free_all(struct maestrod *d)
{
	struct execution *ex;

	if (d->exec == NULL)
		return;
	while ((ex = LIST_FIRST(&d->exec->all)) != NULL) {
		exec_kill_group(ex);
		if (ex->state == EXEC_RUNNING && !ex->reaped)
			while (waitpid(ex->pid, NULL, 0) < 0 && errno == EINTR)
				;
		exec_untrack(ex);
		if (ex->call != NULL)
			call_fail(ex->call, MAESTRO_E_UNAVAILABLE, "unavailable: maestrod stopped", NULL);
		exec_free(ex);
	}
	free(d->exec);
	d->exec = NULL;
}
