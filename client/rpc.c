/* maestroctl's connection to maestrod: connect, call, wait for the reply. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "maestroctl.h"
#include "maestro-protocol.h"
#include "rpc.h"

/* Replies can be larger than requests (audit queries); allow for them. */
#define RPC_MAX_REPLY (64u * 1024 * 1024)

int
rpc_connect(struct rpc_client *cl, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(cl, 0, sizeof *cl);
	cl->fd = -1;
	cl->path = path;
	cl->timeout_ms = timeout_ms;
	cl->next_id = 1;
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	cl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cl->fd < 0)
		return -errno;
	if (connect(cl->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int r = -errno;

		close(cl->fd);
		cl->fd = -1;
		return r;
	}
	frame_reader_init(&cl->in, RPC_MAX_REPLY);
	return 0;
}

void
rpc_close(struct rpc_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	frame_reader_fini(&cl->in);
}

void
rpc_report_connect_error(const char *path, int r)
{
	fprintf(stderr,
		"maestroctl: cannot reach maestrod at %s (%s); start it with "
		"'systemctl %sstart maestrod' or run 'maestrod' in a terminal\n",
		path, strerror(-r), geteuid() == 0 ? "" : "--user ");
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads the next line before the deadline (CLOCK_MONOTONIC ms; -1: no deadline). */
static int
read_line(struct rpc_client *cl, int64_t deadline, const char **line, size_t *len)
{
	for (;;) {
		struct pollfd pfd = { .fd = cl->fd, .events = POLLIN };
		enum frame_status st = frame_reader_next(&cl->in, line, len);
		int64_t left;
		size_t avail;
		ssize_t n;
		char *p;

		if (st == FRAME_LINE)
			return 0;
		if (st == FRAME_TOO_LONG)
			return -EPROTO;
		left = deadline >= 0 ? deadline - mono_ms() : -1;
		if (deadline >= 0 && left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		p = frame_reader_space(&cl->in, &avail);
		if (p == NULL)
			return -ENOMEM;
		n = read(cl->fd, p, avail);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		frame_reader_commit(&cl->in, (size_t)n);
	}
}

int
rpc_send(struct rpc_client *cl, const char *method, struct json_object *params, int64_t *id_out)
{
	int64_t id = cl->next_id++;
	struct json_object *req = rpc_request_new(NULL, method, params);
	const char *text;
	size_t len;
	int r;

	json_object_object_add(req, "id", json_object_new_int64(id));
	text = rpc_to_line(req, &len);
	r = write_all(cl->fd, text, len);
	if (r == 0)
		r = write_all(cl->fd, "\n", 1);
	json_object_put(req);
	if (id_out != NULL)
		*id_out = id;
	return r;
}

int
rpc_call(struct rpc_client *cl, const char *method, struct json_object *params,
	 struct rpc_response *resp)
{
	int64_t deadline = cl->timeout_ms > 0 ? mono_ms() + cl->timeout_ms : -1;
	int64_t id;
	int r;

	r = rpc_send(cl, method, params, &id);
	/*
	 * maestrod may have refused us at connect and closed: its reason is
	 * still waiting to be read, so a failed write is not the end.
	 */
	if (r < 0 && r != -EPIPE && r != -ECONNRESET)
		return r;

	for (;;) {
		r = rpc_next_message(cl, deadline, resp);
		if (r < 0)
			return r;
		if (resp->method != NULL) { /* a notification: not ours to answer */
			rpc_response_clear(resp);
			continue;
		}
		/* A reply with a null id is maestrod refusing the connection or the line. */
		if (json_object_is_type(resp->id, json_type_null) ||
		    (json_object_is_type(resp->id, json_type_int) &&
		     json_object_get_int64(resp->id) == id))
			return 0;
		rpc_response_clear(resp);
	}
}

int64_t
rpc_mono_ms(void)
{
	return mono_ms();
}

int
rpc_next_message(struct rpc_client *cl, int64_t deadline, struct rpc_response *resp)
{
	struct rpc_error err;
	const char *line;
	size_t len;
	int r;

	memset(resp, 0, sizeof *resp);
	r = read_line(cl, deadline, &line, &len);
	if (r < 0)
		return r;
	if (rpc_parse_response(line, len, resp, &err) != 0) {
		rpc_response_clear(resp);
		return -EPROTO;
	}
	return 0;
}
