/*
 * maestro-bench floor: the least the architecture can do per decision.
 *
 * ARCHITECTURE.md fixes the shape of a decision's path: a loop thread reads
 * and parses the request and routes it; the checks run on other threads;
 * one writer thread commits the audit row, rows queued together in one
 * transaction; the reply goes out only after the commit. This server walks
 * that path and does nothing else: json-c parses the request for its id;
 * one worker (not three subagents) hands it on untouched; the writer
 * inserts a row of the request's text into a table with maestrod's two
 * audit indexes (no hash chain, no trace rows, no trust) and never
 * checkpoints (the WAL just grows for the run: a real daemon must copy it
 * some time, but can do it off the path); the loop writes a fixed reply.
 * Raw epoll, not libevent.
 * Whatever maestrod costs above this floor is what it decides and records
 * beyond the bare path; the floor's own ratio to the echo is the most any
 * implementation of the path could reach on the machine.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, epoll, eventfd */
#endif

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "bench.h"

#define FLOOR_READ_CHUNK 65536u
#define FLOOR_MAX_LINE (1u << 20)
#define FLOOR_MAX_EVENTS 64
#define FLOOR_MAX_FD 65536

struct job {
	struct job *next;
	int fd;
	unsigned gen; /* the connection's, so a reused fd gets no stray reply */
	char *id;     /* the request's id, as JSON text */
	char *line;
	int64_t seq;
};

/* A hand-off between two threads: a list and a condition. */
struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, **tail;
	bool stop;
};

struct conn {
	int fd;
	unsigned gen;
	char *buf;
	size_t len, cap;
};

struct floor_server {
	int listen_fd, epoll_fd, stop_fd, done_fd;
	pthread_t loop, worker, writer;
	bool loop_started, worker_started, writer_started;
	struct queue work, write, done;
	sqlite3 *db;
	sqlite3_stmt *insert;
	struct conn *conns[FLOOR_MAX_FD];
	unsigned next_gen;
	char path[BENCH_PATH_MAX + 16];
};

static void
queue_init(struct queue *q)
{
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->head = NULL;
	q->tail = &q->head;
}

/* Appends a list, one lock and one wake-up for all of it. */
static void
queue_push(struct queue *q, struct job *head, struct job **tail)
{
	if (head == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	*q->tail = head;
	q->tail = tail;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* Takes everything queued, waiting for something unless told not to; NULL when stopping. */
static struct job *
queue_take(struct queue *q, bool wait)
{
	struct job *all;

	pthread_mutex_lock(&q->lock);
	while (wait && q->head == NULL && !q->stop)
		pthread_cond_wait(&q->cond, &q->lock);
	all = q->head;
	q->head = NULL;
	q->tail = &q->head;
	pthread_mutex_unlock(&q->lock);
	return all;
}

static void
queue_stop(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static void
jobs_free(struct job *j)
{
	while (j != NULL) {
		struct job *next = j->next;

		free(j->id);
		free(j->line);
		free(j);
		j = next;
	}
}

static struct job **
list_tail(struct job **head)
{
	while (*head != NULL)
		head = &(*head)->next;
	return head;
}

/* The checks' place: a hop to another thread, and on. */
static void *
worker_main(void *arg)
{
	struct floor_server *srv = arg;
	struct job *all;

	while ((all = queue_take(&srv->work, true)) != NULL)
		queue_push(&srv->write, all, list_tail(&all));
	return NULL;
}

/* Group commit: everything queued since the last commit, in one transaction. */
static void *
writer_main(void *arg)
{
	struct floor_server *srv = arg;
	struct job *all;
	uint64_t one = 1;

	while ((all = queue_take(&srv->write, true)) != NULL) {
		struct timespec ts;
		bool ok;

		clock_gettime(CLOCK_REALTIME, &ts);
		ok = sqlite3_exec(srv->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
		for (struct job *j = all; ok && j != NULL; j = j->next) {
			sqlite3_reset(srv->insert);
			sqlite3_bind_int64(srv->insert, 1,
					   (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
			sqlite3_bind_text(srv->insert, 2, j->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(srv->insert, 3, j->line, -1, SQLITE_STATIC);
			ok = sqlite3_step(srv->insert) == SQLITE_DONE;
			j->seq = ok ? sqlite3_last_insert_rowid(srv->db) : 0;
		}
		if (!ok || sqlite3_exec(srv->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "maestro-bench: floor: commit: %s\n", sqlite3_errmsg(srv->db));
			sqlite3_exec(srv->db, "ROLLBACK", NULL, NULL, NULL);
			for (struct job *j = all; j != NULL; j = j->next)
				j->seq = 0; /* the reply then has no "result": an error */
		}
		queue_push(&srv->done, all, list_tail(&all));
		if (write(srv->done_fd, &one, sizeof one) < 0)
			fprintf(stderr, "maestro-bench: floor: wake: %s\n", strerror(errno));
	}
	return NULL;
}

static void
conn_close(struct floor_server *srv, struct conn *c)
{
	srv->conns[c->fd] = NULL;
	close(c->fd);
	free(c->buf);
	free(c);
}

/* Each whole line: parsed for its id, and a job on the list. */
static int
conn_read(struct floor_server *srv, struct conn *c, struct job ***tail)
{
	size_t start = 0;
	ssize_t n;

	if (c->cap - c->len < FLOOR_READ_CHUNK) {
		size_t ncap = c->cap ? c->cap * 2 : FLOOR_READ_CHUNK * 2;
		char *nbuf = ncap <= 2 * FLOOR_MAX_LINE ? realloc(c->buf, ncap) : NULL;

		if (nbuf == NULL)
			return -1;
		c->buf = nbuf;
		c->cap = ncap;
	}
	do
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		return -1;
	c->len += (size_t)n;
	for (size_t i = 0; i < c->len; i++) {
		struct json_object *req, *id;
		struct job *j;

		if (c->buf[i] != '\n')
			continue;
		c->buf[i] = '\0';
		req = json_tokener_parse(c->buf + start);
		j = calloc(1, sizeof *j);
		if (req == NULL || j == NULL || !json_object_object_get_ex(req, "id", &id) ||
		    (j->id = strdup(json_object_to_json_string_ext(id, JSON_C_TO_STRING_PLAIN))) ==
			    NULL ||
		    (j->line = strdup(c->buf + start)) == NULL) {
			json_object_put(req);
			jobs_free(j);
			return -1;
		}
		json_object_put(req);
		j->fd = c->fd;
		j->gen = c->gen;
		**tail = j;
		*tail = &j->next;
		start = i + 1;
	}
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	return 0;
}

static void
accept_all(struct floor_server *srv)
{
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct conn *c;
		int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return;
		if (fd >= FLOOR_MAX_FD || (c = calloc(1, sizeof *c)) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->gen = ++srv->next_gen;
		ev.data.ptr = c;
		if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		srv->conns[fd] = c;
	}
}

/* Replies for the committed rows; a connection gone meanwhile gets none. */
static void
reply_all(struct floor_server *srv)
{
	struct job *all = queue_take(&srv->done, false);
	uint64_t count;
	char reply[512];

	if (read(srv->done_fd, &count, sizeof count) < 0 && errno != EAGAIN)
		fprintf(stderr, "maestro-bench: floor: read: %s\n", strerror(errno));
	for (struct job *j = all; j != NULL; j = j->next) {
		struct conn *c = srv->conns[j->fd];
		int len;

		if (c == NULL || c->gen != j->gen)
			continue;
		if (j->seq > 0)
			len = snprintf(reply, sizeof reply,
				       "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"decision\":"
				       "\"allow\",\"audit_seq\":%lld}}\n",
				       j->id, (long long)j->seq);
		else
			len = snprintf(reply, sizeof reply,
				       "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":-32005,"
				       "\"message\":\"not committed\"}}\n",
				       j->id);
		/* A closed-loop client always has room for one small reply. */
		if (len < 0 || (size_t)len >= sizeof reply ||
		    send(c->fd, reply, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) != len)
			conn_close(srv, c);
	}
	jobs_free(all);
}

static void *
loop_main(void *arg)
{
	struct floor_server *srv = arg;
	struct epoll_event events[FLOOR_MAX_EVENTS];

	for (;;) {
		struct job *batch = NULL, **tail = &batch;
		int n = epoll_wait(srv->epoll_fd, events, FLOOR_MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "maestro-bench: floor: epoll_wait: %s\n", strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			void *tag = events[i].data.ptr;

			if (tag == &srv->stop_fd)
				return NULL;
			if (tag == &srv->listen_fd)
				accept_all(srv);
			else if (tag == &srv->done_fd)
				reply_all(srv);
			else if (conn_read(srv, tag, &tail) < 0)
				conn_close(srv, tag);
		}
		/* The requests of one turn go on together, as in maestrod. */
		queue_push(&srv->work, batch, tail);
	}
}

static int
db_open(struct floor_server *srv, const char *dir)
{
	char path[BENCH_PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/floor.db", dir);
	if (sqlite3_open_v2(path, &srv->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		    SQLITE_OK ||
	    sqlite3_exec(srv->db,
			 "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
			 "CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
			 " time_us INTEGER NOT NULL, correlation_id TEXT, detail TEXT NOT NULL);"
			 "CREATE INDEX audit_time ON audit(time_us);"
			 "CREATE INDEX audit_correlation ON audit(correlation_id);",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_wal_autocheckpoint(srv->db, 0) != SQLITE_OK ||
	    sqlite3_prepare_v2(srv->db,
			       "INSERT INTO audit (time_us, correlation_id, detail) VALUES (?, ?, ?)",
			       -1, &srv->insert, NULL) != SQLITE_OK) {
		fprintf(stderr, "maestro-bench: floor: %s: %s\n", path, sqlite3_errmsg(srv->db));
		return -EIO;
	}
	return 0;
}

int
floor_start(const char *dir, char *path, size_t size, struct floor_server **out)
{
	struct floor_server *srv = calloc(1, sizeof *srv);
	int r;

	if (srv == NULL)
		return -ENOMEM;
	srv->listen_fd = srv->epoll_fd = srv->stop_fd = srv->done_fd = -1;
	queue_init(&srv->work);
	queue_init(&srv->write);
	queue_init(&srv->done);
	snprintf(srv->path, sizeof srv->path, "%s/floor.sock", dir);
	r = db_open(srv, dir);
	if (r == 0)
		r = bench_unix_listen(srv->path, &srv->listen_fd);
	if (r == 0) {
		srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
		srv->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		srv->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (srv->epoll_fd < 0 || srv->stop_fd < 0 || srv->done_fd < 0)
			r = -errno;
	}
	if (r == 0)
		r = bench_epoll_watch(srv->epoll_fd, srv->listen_fd, &srv->listen_fd);
	if (r == 0)
		r = bench_epoll_watch(srv->epoll_fd, srv->stop_fd, &srv->stop_fd);
	if (r == 0)
		r = bench_epoll_watch(srv->epoll_fd, srv->done_fd, &srv->done_fd);
	if (r == 0 && (r = -pthread_create(&srv->writer, NULL, writer_main, srv)) == 0)
		srv->writer_started = true;
	if (r == 0 && (r = -pthread_create(&srv->worker, NULL, worker_main, srv)) == 0)
		srv->worker_started = true;
	if (r == 0 && (r = -pthread_create(&srv->loop, NULL, loop_main, srv)) == 0)
		srv->loop_started = true;
	if (r < 0) {
		floor_stop(srv);
		return r;
	}
	snprintf(path, size, "%s", srv->path);
	*out = srv;
	return 0;
}

void
floor_stop(struct floor_server *srv)
{
	uint64_t one = 1;

	if (srv == NULL)
		return;
	if (srv->loop_started) {
		if (write(srv->stop_fd, &one, sizeof one) < 0)
			fprintf(stderr, "maestro-bench: floor: stop: %s\n", strerror(errno));
		pthread_join(srv->loop, NULL);
	}
	queue_stop(&srv->work);
	if (srv->worker_started)
		pthread_join(srv->worker, NULL);
	queue_stop(&srv->write);
	if (srv->writer_started)
		pthread_join(srv->writer, NULL);
	jobs_free(queue_take(&srv->work, false));
	jobs_free(queue_take(&srv->write, false));
	jobs_free(queue_take(&srv->done, false));
	for (int fd = 0; fd < FLOOR_MAX_FD; fd++)
		if (srv->conns[fd] != NULL)
			conn_close(srv, srv->conns[fd]);
	sqlite3_finalize(srv->insert);
	sqlite3_close(srv->db);
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		unlink(srv->path);
	}
	if (srv->epoll_fd >= 0)
		close(srv->epoll_fd);
	if (srv->stop_fd >= 0)
		close(srv->stop_fd);
	if (srv->done_fd >= 0)
		close(srv->done_fd);
	free(srv);
}
