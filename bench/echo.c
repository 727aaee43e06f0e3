/* maestro-bench baseline: a raw epoll Unix-socket server echoing lines. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, epoll, eventfd: Linux, like maestrod */
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench.h"

/*
 * The baseline is the cheapest server the kernel allows: one thread, level
 * triggered epoll, no parsing beyond finding '\n'. Whatever maestrod costs
 * above it is maestrod's own; the socket round trip is not.
 */

/* A line longer than this drops the connection; requests stay far below. */
#define ECHO_MAX_BUFFER (128u * 1024 * 1024)
#define ECHO_READ_CHUNK 65536u
#define ECHO_MAX_EVENTS 64

struct echo_conn {
	int fd;
	char *buf;
	size_t len;	   /* bytes held */
	size_t cap;
	size_t out_end;	   /* buf[0..out_end) is whole lines being echoed */
	size_t out_off;	   /* how much of that has been sent */
	uint32_t events;   /* what epoll watches for now */
	struct echo_conn *next;
	struct echo_conn *prev;
};

struct echo_server {
	int listen_fd;
	int epoll_fd;
	int wake_fd; /* eventfd: echo_stop() writes it to end the loop */
	pthread_t thread;
	struct echo_conn *conns;
	char path[BENCH_PATH_MAX + 16];
};

static void
echo_conn_close(struct echo_server *srv, struct echo_conn *c)
{
	/* close() drops the fd from the epoll set too. */
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c->buf);
	free(c);
}

/* Changes the interest set only when it differs: no syscall per request. */
static int
echo_conn_watch(struct echo_server *srv, struct echo_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return 0;
	c->events = events;
	return epoll_ctl(srv->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

/*
 * Sends buf[out_off..out_end). While a reply is only partly sent the
 * connection waits for EPOLLOUT and reads nothing: a client that does not
 * read its replies cannot make us buffer without limit.
 * Returns 0 to keep the connection, -1 to close it.
 */
static int
echo_conn_flush(struct echo_server *srv, struct echo_conn *c)
{
	while (c->out_off < c->out_end) {
		ssize_t n = send(c->fd, c->buf + c->out_off,
				 c->out_end - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return echo_conn_watch(srv, c, EPOLLOUT);
		if (n < 0)
			return -1;
		c->out_off += (size_t)n;
	}
	/* Keep the unfinished line, if any, at the front of the buffer. */
	memmove(c->buf, c->buf + c->out_end, c->len - c->out_end);
	c->len -= c->out_end;
	c->out_end = 0;
	c->out_off = 0;
	return echo_conn_watch(srv, c, EPOLLIN);
}

static int
echo_conn_read(struct echo_server *srv, struct echo_conn *c)
{
	size_t scan_from = c->len;
	ssize_t n;

	if (c->cap - c->len < ECHO_READ_CHUNK) {
		size_t ncap = c->cap ? c->cap * 2 : ECHO_READ_CHUNK * 2;
		char *nbuf;

		if (ncap > ECHO_MAX_BUFFER)
			return -1;
		nbuf = realloc(c->buf, ncap);
		if (nbuf == NULL)
			return -1;
		c->buf = nbuf;
		c->cap = ncap;
	}
	do
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	if (n == 0)
		return -1;
	c->len += (size_t)n;

	/* Echo everything up to the last '\n' that has arrived. */
	for (size_t i = c->len; i > scan_from; i--) {
		if (c->buf[i - 1] == '\n') {
			c->out_end = i;
			return echo_conn_flush(srv, c);
		}
	}
	return 0;
}

static void
echo_accept(struct echo_server *srv)
{
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct echo_conn *c;
		int fd;

		fd = accept4(srv->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (fd < 0) {
			/*
			 * EMFILE and friends: stop accepting rather than spin
			 * on a listener that stays readable. The client then
			 * times out and reports it.
			 */
			fprintf(stderr, "maestro-bench: echo: accept: %s; "
				"no longer accepting\n", strerror(errno));
			epoll_ctl(srv->epoll_fd, EPOLL_CTL_DEL,
				  srv->listen_fd, NULL);
			return;
		}
		c = calloc(1, sizeof *c);
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = srv->conns;
		if (srv->conns != NULL)
			srv->conns->prev = c;
		srv->conns = c;
	}
}

static void *
echo_loop(void *arg)
{
	struct echo_server *srv = arg;
	struct epoll_event events[ECHO_MAX_EVENTS];

	for (;;) {
		int n = epoll_wait(srv->epoll_fd, events, ECHO_MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "maestro-bench: echo: epoll_wait: %s\n",
				strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			void *tag = events[i].data.ptr;
			struct echo_conn *c = tag;
			int rc;

			if (tag == &srv->wake_fd)
				return NULL;
			if (tag == &srv->listen_fd) {
				echo_accept(srv);
				continue;
			}
			if (c->out_end > 0)
				rc = echo_conn_flush(srv, c);
			else
				rc = echo_conn_read(srv, c);
			if (rc < 0)
				echo_conn_close(srv, c);
		}
	}
}

int
echo_start(const char *path, struct echo_server **out)
{
	struct echo_server *srv;
	int r;

	srv = calloc(1, sizeof *srv);
	if (srv == NULL)
		return -ENOMEM;
	srv->listen_fd = srv->epoll_fd = srv->wake_fd = -1;
	snprintf(srv->path, sizeof srv->path, "%s", path);

	r = bench_unix_listen(path, &srv->listen_fd);
	if (r == 0) {
		srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
		srv->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (srv->epoll_fd < 0 || srv->wake_fd < 0)
			r = -errno;
	}
	if (r == 0)
		r = bench_epoll_watch(srv->epoll_fd, srv->listen_fd,
				   &srv->listen_fd);
	if (r == 0)
		r = bench_epoll_watch(srv->epoll_fd, srv->wake_fd, &srv->wake_fd);
	if (r == 0)
		r = -pthread_create(&srv->thread, NULL, echo_loop, srv);
	if (r < 0) {
		if (srv->listen_fd >= 0) {
			close(srv->listen_fd);
			unlink(path);
		}
		if (srv->epoll_fd >= 0)
			close(srv->epoll_fd);
		if (srv->wake_fd >= 0)
			close(srv->wake_fd);
		free(srv);
		return r;
	}
	*out = srv;
	return 0;
}

void
echo_stop(struct echo_server *srv)
{
	uint64_t one = 1;

	if (srv == NULL)
		return;
	if (write(srv->wake_fd, &one, sizeof one) < 0)
		fprintf(stderr, "maestro-bench: echo: wake: %s\n",
			strerror(errno));
	pthread_join(srv->thread, NULL);
	while (srv->conns != NULL)
		echo_conn_close(srv, srv->conns);
	close(srv->listen_fd);
	close(srv->epoll_fd);
	close(srv->wake_fd);
	unlink(srv->path);
	free(srv);
}
