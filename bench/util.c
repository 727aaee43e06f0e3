/* maestro-bench helpers: clock, sleep, connect, temp directories. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS */
#endif

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

atomic_bool bench_interrupted;

uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
bench_sleep_ms(unsigned ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int
bench_unix_connect(const char *path, int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * A connect() interrupted by a signal may go on in the background
	 * (POSIX); retrying then answers EALREADY until it is done and
	 * EISCONN once it has, so both mean "keep going", not failure.
	 */
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int err = errno;

		if (err == EINTR || err == EALREADY) {
			bench_sleep_ms(1);
			continue;
		}
		if (err == EISCONN)
			break;
		close(fd);
		return -err;
	}
	*fdp = fd;
	return 0;
}

int
bench_unix_listen(const char *path, int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	*fdp = fd;
	return 0;
}

int
bench_epoll_watch(int epoll_fd, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int
bench_rpc(const char *path, const char *request, char *reply, size_t size)
{
	struct timeval tv = { .tv_sec = 10 };
	size_t len = strlen(request), off = 0, got = 0;
	int fd, r;

	if (size == 0)
		return -EINVAL;
	r = bench_unix_connect(path, &fd);
	if (r < 0)
		return r;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
		goto fail;
	while (off < len) {
		ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	for (;;) {
		ssize_t n;
		char *nl;

		if (got == size - 1) {
			close(fd);
			return -EMSGSIZE;
		}
		n = recv(fd, reply + got, size - 1 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = (errno == EAGAIN || errno == EWOULDBLOCK) ?
				-ETIMEDOUT : -errno;
			close(fd);
			return r;
		}
		if (n == 0) {
			close(fd);
			return -EPIPE;
		}
		got += (size_t)n;
		reply[got] = '\0';
		nl = memchr(reply, '\n', got);
		if (nl != NULL) {
			*nl = '\0';
			break;
		}
	}
	close(fd);
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

int
bench_make_tempdir(char *dir, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(dir, size, "%s/maestro-bench.XXXXXX", tmp);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (mkdtemp(dir) == NULL)
		return -errno;
	return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int type,
	     struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) < 0)
		fprintf(stderr, "maestro-bench: cannot remove %s: %s\n", path,
			strerror(errno));
	return 0;
}

void
bench_remove_tempdir(const char *dir)
{
	/* Depth first, not following links: the daemon may leave anything. */
	if (dir[0] != '\0')
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
