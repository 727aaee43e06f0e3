/* maestroctl top: its connection to maestrod, the requests of each refresh and their replies. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "maestro-protocol.h"
#include "top.h"

static const char *const req_method[TOP_REQS] = {
	[TOP_REQ_STATUS] = "system.status",
	[TOP_REQ_METRICS] = "system.metrics",
	[TOP_REQ_APPROVALS] = "approval.list",
};

bool
top_conn_in_flight(const struct top *t)
{
	for (int i = 0; i < TOP_REQS; i++)
		if (t->ids[i] != 0)
			return true;
	return false;
}

static void
forget_requests(struct top *t)
{
	for (int i = 0; i < TOP_REQS; i++) {
		t->ids[i] = 0;
		json_object_put(t->replies[i]);
		t->replies[i] = NULL;
	}
	t->deadline_ms = 0;
}

void
top_conn_close(struct top *t)
{
	if (t->connected)
		rpc_close(&t->rpc);
	t->connected = false;
	forget_requests(t);
}

/*
 * maestrod is not there (or went away, or stopped answering). Live, that
 * is a state to show and to retry from; with --once it is the answer.
 */
static void
unreachable(struct top *t, int code, const char *why)
{
	top_conn_close(t);
	if (!t->live) {
		top_fail(t, code, "maestroctl: %s\n", why);
		return;
	}
	snprintf(t->problem, sizeof t->problem, "maestrod unreachable, retrying: %s", why);
	top_draw(t);
}

static struct json_object *
request_params(enum top_request which)
{
	struct json_object *p;

	if (which != TOP_REQ_APPROVALS)
		return NULL;
	p = json_object_new_object();
	if (p != NULL)
		json_object_object_add(p, "status", json_object_new_string("pending"));
	return p;
}

static void
send_requests(struct top *t)
{
	for (int i = 0; i < TOP_REQS; i++) {
		struct json_object *req = rpc_request_new(NULL, req_method[i], request_params(i));
		const char *text;
		size_t len;
		ssize_t n;

		t->ids[i] = t->rpc.next_id++;
		json_object_object_add(req, "id", json_object_new_int64(t->ids[i]));
		text = rpc_to_line(req, &len);
		/*
		 * A few short lines into an idle socket's buffer: they fit, and
		 * MSG_DONTWAIT keeps a stuck maestrod from stopping the loop. A
		 * failed write is not reported here: a maestrod that refused us
		 * has a reason waiting to be read, and the reply timeout catches
		 * the rest.
		 */
		n = send(t->rpc.fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)len)
			send(t->rpc.fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		json_object_put(req);
	}
	t->deadline_ms = t->ctl->timeout_ms > 0 ? top_mono_ms() + t->ctl->timeout_ms : 0;
}

void
top_conn_poll(struct top *t)
{
	int64_t now = top_mono_ms(), step = (int64_t)(t->interval * 1000);

	/* A steady cadence; after a stall, start counting again from now. */
	t->next_poll_ms += step;
	if (t->next_poll_ms <= now)
		t->next_poll_ms = now + step;
	if (!t->connected) {
		int r = rpc_connect(&t->rpc, t->ctl->socket_path, t->ctl->timeout_ms);
		char why[600];

		if (r < 0) {
			if (!t->live) {
				rpc_report_connect_error(t->ctl->socket_path, r);
				t->exit_code = EXIT_UNREACHABLE;
				t->done = true;
				return;
			}
			snprintf(why, sizeof why, "cannot connect to %s (%s)", t->ctl->socket_path,
				 strerror(-r));
			unreachable(t, EXIT_UNREACHABLE, why);
			return;
		}
		t->connected = true;
	}
	send_requests(t);
}

static void
took_sample(struct top *t)
{
	struct json_object *status = t->replies[TOP_REQ_STATUS], *v;
	struct top_sample s;

	if (top_sample_from_json(t->replies[TOP_REQ_METRICS], &s) < 0) {
		top_fail(t, EXIT_ERROR, "maestroctl: out of memory\n");
		return;
	}
	snprintf(t->health, sizeof t->health, "%s",
		 json_object_object_get_ex(status, "health", &v) && json_object_get_string(v)
			 ? json_object_get_string(v)
			 : "?");
	t->pid = json_object_object_get_ex(status, "pid", &v) ? json_object_get_int64(v) : -1;
	json_object_put(t->approvals);
	t->approvals = NULL;
	if (json_object_object_get_ex(t->replies[TOP_REQ_APPROVALS], "approvals", &v) &&
	    json_object_is_type(v, json_type_array))
		t->approvals = json_object_get(v);
	forget_requests(t);
	top_sample_clear(&t->before);
	t->before = t->now;
	t->now = s;
	t->samples++;
	t->problem[0] = '\0';
	/* --once: the first sample only gives the second one something to compare with. */
	if (t->live || t->samples >= 2) {
		top_draw(t);
		if (!t->live)
			t->done = true;
	}
}

/* One reply line; false when top must stop reading this connection. */
static bool
handle_line(struct top *t, const char *text, size_t len)
{
	struct rpc_response resp;
	struct rpc_error err;
	int which = -1;

	if (rpc_parse_response(text, len, &resp, &err) != 0) {
		rpc_response_clear(&resp);
		top_fail(t, EXIT_PROTOCOL, "maestroctl: bad reply from maestrod at %s: %s\n",
			 t->ctl->socket_path, err.message);
		return false;
	}
	if (resp.method != NULL) { /* a notification: not ours to answer */
		rpc_response_clear(&resp);
		return true;
	}
	for (int i = 0; i < TOP_REQS; i++)
		if (t->ids[i] != 0 && json_object_is_type(resp.id, json_type_int) &&
		    json_object_get_int64(resp.id) == t->ids[i])
			which = i;
	/* A reply with a null id is maestrod refusing the connection or the line. */
	if (which < 0 && !json_object_is_type(resp.id, json_type_null)) {
		rpc_response_clear(&resp);
		return true;
	}
	if (resp.result == NULL && which == TOP_REQ_APPROVALS &&
	    resp.error_code == RPC_METHOD_NOT_FOUND) {
		/* A maestrod from before approvals: the rest of the view still stands. */
	} else if (resp.result == NULL) {
		bool refused = which < 0 && resp.error_code == MAESTRO_E_UNAUTHORIZED;

		/* Not a passing state: not an administrator, or not let in at all. */
		top_fail(t, refused ? EXIT_UNREACHABLE : EXIT_ERROR, "maestroctl: %s (%s, %d)\n",
			 resp.error_message, rpc_error_name(resp.error_code), resp.error_code);
		rpc_response_clear(&resp);
		return false;
	} else if (which >= 0) {
		t->replies[which] = json_object_get(resp.result);
	} else { /* a result with a null id answers nothing of ours */
		rpc_response_clear(&resp);
		return true;
	}
	t->ids[which] = 0;
	rpc_response_clear(&resp);
	if (!top_conn_in_flight(t))
		took_sample(t);
	return true;
}

void
top_conn_on_readable(struct top *t)
{
	const char *text;
	size_t avail, len;
	ssize_t n;
	char *p;

	p = frame_reader_space(&t->rpc.in, &avail);
	if (p == NULL) {
		top_fail(t, EXIT_ERROR, "maestroctl: out of memory\n");
		return;
	}
	/* Lines are drained below as they complete: no room left means one too long. */
	if (avail == 0) {
		top_fail(t, EXIT_PROTOCOL, "maestroctl: bad reply from maestrod at %s: too long\n",
			 t->ctl->socket_path);
		return;
	}
	n = read(t->rpc.fd, p, avail);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		char why[600];

		snprintf(why, sizeof why, "maestrod at %s closed the connection%s%s",
			 t->ctl->socket_path, n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		unreachable(t, EXIT_UNREACHABLE, why);
		return;
	}
	frame_reader_commit(&t->rpc.in, (size_t)n);
	for (;;) {
		enum frame_status st = frame_reader_next(&t->rpc.in, &text, &len);

		if (st == FRAME_NEED_MORE)
			return;
		if (st == FRAME_TOO_LONG) {
			top_fail(t, EXIT_PROTOCOL,
				 "maestroctl: bad reply from maestrod at %s: too long\n",
				 t->ctl->socket_path);
			return;
		}
		if (!handle_line(t, text, len) || !t->connected || t->done)
			return;
	}
}

void
top_conn_on_timeout(struct top *t)
{
	char why[600];

	snprintf(why, sizeof why, "no reply from maestrod at %s within %d ms",
		 t->ctl->socket_path, t->ctl->timeout_ms);
	/* The late reply must not be taken for the next poll's: a new connection. */
	unreachable(t, EXIT_PROTOCOL, why);
}
