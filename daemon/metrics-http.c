/* Metrics: the loopback HTTP listener Prometheus scrapes (GET /metrics). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

/* Prometheus asks every few seconds; anything slower than this is not Prometheus. */
#define METRICS_HTTP_TIMEOUT_S 10
/* A scrape request is one line and a few headers, with no body. */
#define METRICS_HTTP_MAX_HEADERS 8192
#define METRICS_HTTP_MAX_BODY 1024

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	struct maestrod *d;
	struct evhttp *http;
	char *host;
	unsigned port;
};

static void
reply_text(struct evhttp_request *req, int code, const char *reason, const char *body)
{
	struct evbuffer *buf = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; charset=utf-8");
	if (buf != NULL)
		evbuffer_add_printf(buf, "%s\n", body);
	evhttp_send_reply(req, code, reason, buf);
	if (buf != NULL)
		evbuffer_free(buf);
}

static void
metrics_http_serve(struct evhttp_request *req, void *arg)
{
	struct metrics_http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct evbuffer *buf;

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		reply_text(req, HTTP_NOTFOUND, "Not Found",
			   "not found: maestrod serves only /metrics here");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		reply_text(req, 405, "Method Not Allowed", "method not allowed: use GET");
		return;
	}
	buf = evbuffer_new();
	if (buf == NULL || metrics_write_text(h->d, buf) < 0) {
		if (buf != NULL)
			evbuffer_free(buf);
		reply_text(req, HTTP_INTERNAL, "Internal Server Error", "out of memory");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", CONTENT_TYPE);
	evhttp_send_reply(req, HTTP_OK, "OK", buf);
	evbuffer_free(buf);
}

/*
 * Our own socket rather than evhttp_bind_socket(): close-on-exec for
 * certain, a numeric address only (no resolver on the loop), and errno for
 * a start-up error that says what went wrong.
 */
static int
metrics_http_listen(const char *host, unsigned port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int one = 1;
	_cleanup_close_ int fd = -1;

	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof *sin;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof *sin6;
	} else {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A restart must not wait out TIME_WAIT of the previous run's scrapes. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0)
		return -errno;
	return TAKE_FD(fd);
}

int
metrics_http_start(struct maestrod *d, const char *host, unsigned port,
		   struct metrics_http **out, char *msg, size_t size)
{
	struct metrics_http *h;
	int fd;

	h = calloc(1, sizeof *h);
	if (h == NULL || (h->host = strdup(host)) == NULL) {
		free(h);
		return fail_with(msg, size, -ENOMEM, "metrics_listen: out of memory");
	}
	h->d = d;
	h->port = port;
	fd = metrics_http_listen(host, port);
	if (fd < 0) {
		int r = fd;

		metrics_http_free(h);
		return fail_with(msg, size, r, "metrics_listen: cannot listen on %s%s%s:%u: %s",
				 strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
				 port, strerror(-r));
	}
	h->http = evhttp_new(d->base);
	if (h->http == NULL || evhttp_accept_socket_with_handle(h->http, fd) == NULL) {
		close(fd);
		metrics_http_free(h);
		return fail_with(msg, size, -ENOMEM, "metrics_listen: cannot set up the HTTP server");
	}
	evhttp_set_timeout(h->http, METRICS_HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(h->http, METRICS_HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, METRICS_HTTP_MAX_BODY);
	/* Let every common method reach the handler, so that they all get our 405. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, metrics_http_serve, h);
	log_notice("serving Prometheus metrics on http://%s%s%s:%u/metrics",
		   strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
	*out = h;
	return 0;
}

struct metrics_http *
metrics_http_free(struct metrics_http *h)
{
	if (h == NULL)
		return NULL;
	/* Closes the listening socket and every scrape connection still open. */
	if (h->http != NULL)
		evhttp_free(h->http);
	free(h->host);
	free(h);
	return NULL;
}

bool
metrics_http_differs(const struct metrics_http *h, const char *host, unsigned port)
{
	if (h == NULL || host == NULL)
		return (h == NULL) != (host == NULL);
	return strcmp(h->host, host) != 0 || h->port != port;
}
