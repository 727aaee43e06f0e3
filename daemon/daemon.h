/* The daemon as a whole: its state, start-up, reload and orderly shutdown. */
#ifndef MAESTRO_DAEMON_H
#define MAESTRO_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent.h"
#include "approval.h"
#include "config.h"
#include "trust.h"

struct event;
struct event_base;
struct server;
struct store;
struct audit;
struct policy;
struct worker_pool;
struct reader;
struct audit_follow;
struct metrics;
struct metrics_http;
struct telemetry;
struct counsel_chats;
struct exec_set;
struct taint_table;

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
	uint64_t traces_dropped; /* not stored: the audit queue was half full (trace.c) */
	unsigned connections_current;
};

struct maestrod {
	struct event_base *base;
	struct options opts;
	char *config_path;    /* the file read, or looked for, at start and reload */
	bool config_found;    /* false: running on the embedded defaults */
	struct config cfg;    /* the running configuration */
	/* What start-up applied of the settings only a restart changes. */
	char *started_socket;
	char *started_db;
	enum audit_sync started_sync;
	bool started_has_group;
	gid_t started_group;
	unsigned started_workers;
	char *started_otlp; /* the export endpoint the telemetry thread was started with */
	struct server *server;
	struct store *store;
	struct audit *audit;
	struct agent_registry agents; /* as they are now, changes in flight included */
	struct agent_registry stored; /* as last committed: what a failed change goes back to */
	struct approvals approvals;   /* pending asks and the decisions that still answer */
	struct worker_pool *workers;  /* where justica, sofia and armor run */
	struct reader *reader;	      /* read-only queries of the store, off the loop */
	struct audit_follow *follow;  /* connections following the audit trail (audit.follow) */
	struct policy *policy;	      /* the running policy; a reload swaps it */
	struct metrics *metrics;      /* what the loop counts; see metrics.h */
	struct metrics_http *metrics_http; /* GET /metrics, when metrics_listen is set */
	struct telemetry *telemetry;  /* OTLP export, when otlp_endpoint is set (telemetry.c) */
	struct trace_pending *trace_pending; /* traces waiting to be handed to the writer (trace.c) */
	struct counsel_chats *counsel; /* counsel.ask's chats (m-counsel.c); made on first use */
	struct taint_table *taint;     /* sessions that read injected instructions (taint.c) */
	struct exec_set *exec;	       /* governance.execute's running commands (exec.c); made on first use */
	struct trust_pending pending_reports; /* evaluations owed a report (trust.c) */
	struct counters stats;
	uint64_t started_realtime_usec;
	uint64_t started_monotonic_usec;
	bool draining;
	struct event *ev_term, *ev_int, *ev_hup, *ev_watchdog, *ev_drain_timeout, *ev_finish;
	uint64_t watchdog_usec;
};

int daemon_start(struct maestrod *d, const struct options *opts);
int daemon_run(struct maestrod *d);
void daemon_free(struct maestrod *d);

/* How a reload went, for the reply. */
struct reload_result {
	bool applied;
	bool config_invalid;	      /* the file was rejected; error says where */
	struct config_error error;
	char audit_error[160];	      /* could not be recorded, so not applied */
	bool overloaded;	      /* ... because the audit queue was full: retry */
	const char *restart_required[8]; /* changed, but only a restart applies them */
	unsigned n_restart_required;
	int64_t audit_seq;
};

typedef void (*reload_done_fn)(const struct reload_result *res, void *userdata);

/*
 * Re-reads the configuration and records the attempt in the audit trail;
 * the new settings apply only once that row is committed. A broken file
 * keeps the running configuration. done (may be NULL) hears the outcome.
 * actor names who asked; peer_uid/peer_pid are < 0 for a signal.
 */
void daemon_reload(struct maestrod *d, const char *actor, long peer_uid, long peer_pid,
		   reload_done_fn done, void *userdata);

/* Stops accepting, lets in-flight requests finish, then leaves the loop. */
void daemon_shutdown(struct maestrod *d);

/* Loads the policy the configuration names (or the built-in one) into *out. */
int daemon_load_policy(const struct config *cfg, struct policy **out, struct config_error *err);

/* Loads the config file and the command line's overrides into cfg. */
int daemon_load_config(struct maestrod *d, struct config *cfg, struct config_error *err);

/* Called by the server when the last connection closed during a drain. */
void daemon_maybe_finish(struct maestrod *d);

/* "ok", or a short sentence on what is wrong. */
const char *daemon_health(struct maestrod *d);

/* The database path when the user did not set one. */
char *paths_default_db(void);
int paths_make_parent(const char *path, mode_t mode);

#endif
