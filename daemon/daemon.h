/* The daemon as a whole: its state, start-up, reload and orderly shutdown. */
#ifndef MAESTRO_DAEMON_H
#define MAESTRO_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

struct event;
struct event_base;
struct server;
struct store;
struct audit;

/* Command-line settings; they win over the config file, also on reload. */
struct options {
	const char *config_path; /* NULL: the default path, which may be absent */
	const char *socket_path;
	const char *db_path;
	int log_level; /* -1: from the config */
};

struct counters {
	uint64_t connections_total;
	uint64_t connections_refused;
	uint64_t requests_total;
	uint64_t requests_failed;
	unsigned connections_current;
};

struct maestrod {
	struct event_base *base;
	struct options opts;
	char *config_path;    /* the file read, or looked for, at start and reload */
	bool config_found;    /* false: running on the embedded defaults */
	struct config cfg;    /* the running configuration */
	char *socket_path;    /* resolved */
	char *db_path;	      /* resolved */
	struct server *server;
	struct store *store;
	struct audit *audit;
	struct counters stats;
	uint64_t started_realtime_usec;
	uint64_t started_monotonic_usec;
	bool draining;
	struct event *ev_term, *ev_int, *ev_hup, *ev_watchdog, *ev_drain_timeout, *ev_finish;
	uint64_t watchdog_usec;
};

/* Result of a reload, for the reply and the audit row. */
struct reload_result {
	bool ok;
	char error[PATH_MAX + 300]; /* "file:line:column: message" when !ok */
	unsigned line;
	const char *restart_required[4]; /* settings that changed but need a restart */
	unsigned n_restart_required;
};

int daemon_start(struct maestrod *d, const struct options *opts);
int daemon_run(struct maestrod *d);
void daemon_free(struct maestrod *d);

/* Re-reads the config; a broken file keeps the running one. */
void daemon_reload(struct maestrod *d, struct reload_result *res);

/* The audit row that records a reload; actor says who asked. */
struct audit_record *daemon_reload_record(struct maestrod *d, const struct reload_result *res,
					  const char *actor);

/* Stops accepting, lets in-flight requests finish, then leaves the loop. */
void daemon_shutdown(struct maestrod *d);

/* Called by the server when the last connection closed during a drain. */
void daemon_maybe_finish(struct maestrod *d);

/* "ok", or a short sentence on what is wrong. */
const char *daemon_health(struct maestrod *d);

/* The database path when the user did not set one. */
char *paths_default_db(void);
int paths_make_parent(const char *path, mode_t mode);

#endif
