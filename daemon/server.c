/* The listening sockets: binding, socket activation, accepting, admission. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "conn.h"
#include "daemon.h"
#include "jsonrpc.h"
#include "log.h"
#include "maestro-protocol.h"
#include "server.h"
#include "util.h"

/* How long accepting pauses when we run out of descriptors. */
#define ACCEPT_BACKOFF_USEC 100000
/* Connections accepted per wake-up, so one busy listener cannot starve the rest. */
#define ACCEPT_BATCH 32

struct listener {
	int fd;
	struct event *ev;
};

struct uid_count {
	uid_t uid;
	unsigned n;
};

struct server {
	struct maestrod *d;
	struct listener listeners[8];
	size_t n_listeners;
	bool activated;
	bool own_path; /* we bound the path, so we remove it */
	char *path;
	int lock_fd;
	struct event *ev_backoff;
	bool backing_off;
	TAILQ_HEAD(, conn) conns;
	unsigned n_conns;
	struct uid_count *uids;
	size_t n_uids;
};

static int
sun_fill(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path)
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* Who answers on path: the pid, 0 if unknown, or a negative errno. */
static int
probe_live(const char *path, pid_t *pid)
{
	struct sockaddr_un sa;
	struct ucred cred;
	socklen_t len = sizeof cred;
	int fd, r;

	if (sun_fill(&sa, path) < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.pid : 0;
	close(fd);
	return 0;
}

static int
server_take_activated(struct server *s, int n, char *msg, size_t size)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;

	if ((size_t)n > sizeof s->listeners / sizeof s->listeners[0])
		return fail_with(msg, size, -EINVAL, "systemd passed %d sockets; at most %zu are supported",
				   n, sizeof s->listeners / sizeof s->listeners[0]);
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
			return fail_with(msg, size, -EINVAL,
					   "file descriptor %d from systemd is not a listening Unix stream socket",
					   fd);
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			return fail_with(msg, size, -errno, "file descriptor %d: %s", fd,
					   strerror(errno));
		s->listeners[s->n_listeners++].fd = fd;
	}
	s->activated = true;
	memset(&sa, 0, sizeof sa);
	if (getsockname(s->listeners[0].fd, (struct sockaddr *)&sa, &len) == 0 &&
	    sa.sun_path[0] != '\0')
		s->path = strndup(sa.sun_path, sizeof sa.sun_path);
	else
		s->path = strdup("(socket from systemd)");
	return s->path ? 0 : -ENOMEM;
}

static int
server_bind(struct server *s, const char *path, char *msg, size_t size)
{
	const struct config *cfg = &s->d->cfg;
	struct sockaddr_un sa;
	char lock_path[PATH_MAX];
	struct stat st;
	mode_t old_mask;
	pid_t pid = 0;
	int fd, r;

	if (sun_fill(&sa, path) < 0)
		return fail_with(msg, size, -ENAMETOOLONG,
				   "socket path %s is too long (at most %zu bytes)", path,
				   sizeof sa.sun_path - 1);
	r = paths_make_parent(path, cfg->has_socket_group ? 0710 : 0700);
	if (r < 0)
		return fail_with(msg, size, r, "cannot create the directory for %s: %s", path,
				   strerror(-r));
	if (cfg->has_socket_group && r == 1) {
		/*
		 * The group must reach the socket through the directory we just
		 * made; a directory that was already there (/run, /tmp) is not
		 * ours to give away.
		 */
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof dir, "%s", path);
		slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir)
			*slash = '\0';
		if (chown(dir, (uid_t)-1, cfg->socket_group) < 0)
			return fail_with(msg, size, -errno, "cannot give %s to group %u: %s", dir,
					   (unsigned)cfg->socket_group, strerror(errno));
	}

	/* The lock, held for our lifetime, makes replacing a stale socket safe. */
	snprintf(lock_path, sizeof lock_path, "%s.lock", path);
	s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (s->lock_fd < 0)
		return fail_with(msg, size, -errno, "cannot open %s: %s", lock_path,
				   strerror(errno));
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return fail_with(msg, size, -errno, "cannot lock %s: %s", lock_path,
					   strerror(errno));
		probe_live(path, &pid);
		if (pid > 0)
			return fail_with(msg, size, -EADDRINUSE,
					   "another maestrod (pid %d) is already running on %s", (int)pid,
					   path);
		return fail_with(msg, size, -EADDRINUSE,
				   "another maestrod is already running on %s (it holds %s)", path,
				   lock_path);
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return fail_with(msg, size, -EEXIST,
					   "%s exists and is not a socket; refusing to replace it", path);
		if (probe_live(path, &pid) == 0)
			return fail_with(msg, size, -EADDRINUSE,
					   "%s is in use by another program (pid %d)", path, (int)pid);
		/* Nobody answers and we hold the lock: it is a stale socket. */
		if (unlink(path) < 0)
			return fail_with(msg, size, -errno, "cannot remove the stale socket %s: %s",
					   path, strerror(errno));
		log_info("removed the stale socket %s", path);
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail_with(msg, size, -errno, "socket: %s", strerror(errno));
	/* Bind under a strict umask so the socket is never briefly open to others. */
	old_mask = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old_mask);
	if (r < 0) {
		r = -errno;
		close(fd);
		return fail_with(msg, size, r, "cannot bind %s: %s", path, strerror(-r));
	}
	s->own_path = true;
	if (cfg->has_socket_group &&
	    (chown(path, (uid_t)-1, cfg->socket_group) < 0 || chmod(path, 0660) < 0)) {
		r = -errno;
		close(fd);
		return fail_with(msg, size, r, "cannot give %s to group %u: %s", path,
				   (unsigned)cfg->socket_group, strerror(-r));
	}
	if (listen(fd, SOMAXCONN) < 0) {
		r = -errno;
		close(fd);
		return fail_with(msg, size, r, "cannot listen on %s: %s", path, strerror(-r));
	}
	s->listeners[s->n_listeners++].fd = fd;
	s->path = strdup(path);
	return s->path ? 0 : -ENOMEM;
}

int
server_open(struct maestrod *d, const char *path, struct server **out, char *msg, size_t size)
{
	struct server *s = calloc(1, sizeof *s);
	int n, r;

	if (s == NULL)
		return -ENOMEM;
	s->d = d;
	s->lock_fd = -1;
	TAILQ_INIT(&s->conns);
	n = sd_listen_fds(1);
	if (n < 0)
		r = fail_with(msg, size, n, "socket activation: %s", strerror(-n));
	else if (n > 0)
		r = server_take_activated(s, n, msg, size);
	else if (path == NULL)
		r = fail_with(msg, size, -ENOENT, "no socket path: give --socket or set XDG_RUNTIME_DIR");
	else
		r = server_bind(s, path, msg, size);
	if (r < 0) {
		server_free(s);
		return r;
	}
	*out = s;
	return 0;
}

static struct uid_count *
uid_slot(struct server *s, uid_t uid, bool create)
{
	struct uid_count *n;

	for (size_t i = 0; i < s->n_uids; i++)
		if (s->uids[i].uid == uid)
			return &s->uids[i];
	if (!create)
		return NULL;
	n = realloc(s->uids, (s->n_uids + 1) * sizeof *n);
	if (n == NULL)
		return NULL;
	s->uids = n;
	s->uids[s->n_uids] = (struct uid_count){ .uid = uid };
	return &s->uids[s->n_uids++];
}

/* SO_PEERGROUPS: the supplementary groups the kernel recorded at connect. */
static bool
peer_in_group(int fd, gid_t gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof small;
	bool found = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		if (errno != ERANGE || (groups = malloc(len)) == NULL)
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
			len = 0;
	}
	for (size_t j = 0; j < len / sizeof groups[0]; j++)
		if (groups[j] == gid)
			found = true;
	if (groups != small)
		free(groups);
	return found;
}

static bool
peer_allowed(struct server *s, int fd, const struct ucred *cred)
{
	const struct config *cfg = &s->d->cfg;

	if (cred->uid == 0 || cred->uid == getuid())
		return true;
	for (size_t i = 0; i < cfg->n_allowed_uids; i++)
		if (cfg->allowed_uids[i] == cred->uid)
			return true;
	for (size_t i = 0; i < cfg->n_allowed_gids; i++)
		if (cfg->allowed_gids[i] == cred->gid || peer_in_group(fd, cfg->allowed_gids[i]))
			return true;
	return false;
}

/* Tells the peer why, best effort, and closes. */
static void
server_refuse(struct server *s, int fd, const struct ucred *cred, int code, const char *why)
{
	struct json_object *msg = rpc_error_new(NULL, code, why, NULL);
	char f_uid[48], f_pid[48];
	const char *fields[] = { f_uid, f_pid, NULL };
	const char *line;
	size_t len;

	snprintf(f_uid, sizeof f_uid, "MAESTRO_PEER_UID=%u", (unsigned)cred->uid);
	snprintf(f_pid, sizeof f_pid, "MAESTRO_PEER_PID=%d", (int)cred->pid);
	log_fields(LOG_WARNING, fields, "refused a connection from uid %u pid %d: %s",
		   (unsigned)cred->uid, (int)cred->pid, why);
	line = rpc_to_line(msg, &len);
	if (send(fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
		send(fd, "\n", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	json_object_put(msg);
	close(fd);
	s->d->stats.connections_refused++;
}

static void
server_admit(struct server *s, int fd)
{
	const struct config *cfg = &s->d->cfg;
	struct ucred cred;
	socklen_t len = sizeof cred;
	struct uid_count *slot;
	struct conn *c;
	char why[160];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		log_warning("cannot read peer credentials: %s", strerror(errno));
		close(fd);
		return;
	}
	if (!peer_allowed(s, fd, &cred)) {
		snprintf(why, sizeof why, "unauthorized: uid %u may not use this maestrod",
			 (unsigned)cred.uid);
		server_refuse(s, fd, &cred, MAESTRO_E_UNAUTHORIZED, why);
		return;
	}
	if (s->n_conns >= cfg->max_connections) {
		snprintf(why, sizeof why, "overloaded: too many connections (limit %u)",
			 cfg->max_connections);
		server_refuse(s, fd, &cred, MAESTRO_E_OVERLOADED, why);
		return;
	}
	slot = uid_slot(s, cred.uid, true);
	if (slot == NULL || slot->n >= cfg->max_connections_per_uid) {
		snprintf(why, sizeof why, "overloaded: too many connections from uid %u (limit %u)",
			 (unsigned)cred.uid, cfg->max_connections_per_uid);
		server_refuse(s, fd, &cred, MAESTRO_E_OVERLOADED, why);
		return;
	}
	c = conn_new(s->d, fd, cred.uid, cred.gid, cred.pid);
	if (c == NULL) {
		log_error("out of memory accepting a connection");
		close(fd);
		return;
	}
	slot->n++;
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	s->n_conns++;
	s->d->stats.connections_total++;
	s->d->stats.connections_current = s->n_conns;
	log_debug("connection %llu from uid %u pid %d", (unsigned long long)c->id,
		  (unsigned)cred.uid, (int)cred.pid);
}

static void
server_pause(struct server *s, bool pause)
{
	for (size_t i = 0; i < s->n_listeners; i++) {
		if (s->listeners[i].ev == NULL)
			continue;
		if (pause)
			event_del(s->listeners[i].ev);
		else
			event_add(s->listeners[i].ev, NULL);
	}
}

static void
server_on_backoff(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	s->backing_off = false;
	if (!s->d->draining)
		server_pause(s, false);
}

static void
server_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct server *s = arg;
	struct timeval tv = { 0, ACCEPT_BACKOFF_USEC };

	(void)what;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd >= 0) {
			server_admit(s, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/*
			 * The pending connection stays queued and the listener
			 * stays readable; pause instead of spinning on it.
			 */
			if (!s->backing_off)
				log_warning("accept: %s; pausing new connections for %d ms",
					    strerror(errno), ACCEPT_BACKOFF_USEC / 1000);
			s->backing_off = true;
			server_pause(s, true);
			evtimer_add(s->ev_backoff, &tv);
			return;
		}
		log_error("accept: %s", strerror(errno));
		return;
	}
}

int
server_start(struct server *s)
{
	s->ev_backoff = evtimer_new(s->d->base, server_on_backoff, s);
	if (s->ev_backoff == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_listeners; i++) {
		s->listeners[i].ev = event_new(s->d->base, s->listeners[i].fd, EV_READ | EV_PERSIST,
					       server_on_accept, s);
		if (s->listeners[i].ev == NULL)
			return -ENOMEM;
		event_add(s->listeners[i].ev, NULL);
	}
	return 0;
}

void
server_stop_listening(struct server *s)
{
	for (size_t i = 0; i < s->n_listeners; i++) {
		if (s->listeners[i].ev != NULL)
			event_free(s->listeners[i].ev);
		if (s->listeners[i].fd >= 0)
			close(s->listeners[i].fd);
	}
	s->n_listeners = 0;
	if (s->ev_backoff != NULL)
		event_del(s->ev_backoff);
	if (s->own_path) {
		unlink(s->path);
		s->own_path = false;
	}
}

struct server *
server_free(struct server *s)
{
	struct conn *c;

	if (s == NULL)
		return NULL;
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		conn_free(c);
	server_stop_listening(s);
	if (s->ev_backoff != NULL)
		event_free(s->ev_backoff);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->uids);
	free(s->path);
	free(s);
	return NULL;
}

bool
server_activated(const struct server *s)
{
	return s->activated;
}

const char *
server_path(const struct server *s)
{
	return s->path;
}

void
server_conn_closed(struct server *s, struct conn *c)
{
	struct uid_count *slot = uid_slot(s, c->uid, false);

	if (slot != NULL && slot->n > 0)
		slot->n--;
	TAILQ_REMOVE(&s->conns, c, entry);
	s->n_conns--;
	s->d->stats.connections_current = s->n_conns;
	log_debug("connection %llu closed", (unsigned long long)c->id);
	if (s->d->draining)
		daemon_maybe_finish(s->d);
}

void
server_foreach_conn(struct server *s, void (*fn)(struct conn *c, void *arg), void *arg)
{
	struct conn *c, *next;

	for (c = TAILQ_FIRST(&s->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		fn(c, arg);
	}
}

unsigned
server_conn_count(const struct server *s)
{
	return s->n_conns;
}
