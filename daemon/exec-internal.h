/* governance.execute's shared state: one execution from its decision to its reply. */
#ifndef MAESTRO_EXEC_INTERNAL_H
#define MAESTRO_EXEC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "armor.h"
#include "exec.h"
#include "workers.h"

struct call;
struct conn;
struct event;
struct maestrod;

/* The request's timeout when it names none, in seconds. */
#define EXEC_TIMEOUT_DEFAULT 60
/* What of each stream the audit row keeps (the reply has up to exec_max_output). */
#define EXEC_AUDIT_OUTPUT_KEEP (64 * 1024)
/* stdin the request may give; it is written into the pipe at start. */
#define EXEC_STDIN_MAX (1024 * 1024)

enum exec_state {
	EXEC_PREPARING, /* on a worker: rules, environment, fork */
	EXEC_RUNNING,	/* the loop watches its pipes and its pidfd */
	EXEC_SCREENING, /* on a worker: armor over the output, the temporary directory removed */
	EXEC_RECORDING, /* its audit row is being committed */
};

struct exec_stream {
	int fd; /* the parent's end; -1 once at EOF */
	struct event *ev;
	char *buf; /* grows up to max_output bytes */
	size_t len, cap;
	bool truncated;
	size_t streamed; /* how much of buf went out as execute.output */
	struct armor_result screen;
};

struct execution {
	struct maestrod *d;
	struct call *call;
	struct conn *conn; /* the client while it is there, for killing and streaming */
	LIST_ENTRY(execution) conn_entry;
	LIST_ENTRY(execution) all_entry;
	enum exec_state state;
	struct work_item item;

	/* The request, as decided on. */
	char *agent_id;
	char **argv; /* NULL-terminated; NULL for a command run by /bin/sh -c */
	char *command;
	char *cwd;
	char *workspace;
	char *stdin_text;
	size_t stdin_len;
	struct json_object *env; /* the request's, or NULL */
	unsigned timeout_s;
	bool stream;
	unsigned permissions;
	uid_t peer_uid;
	struct exec_config limits;
	char *maestro_files[4]; /* socket, config, policy, database: never readable */
	char *daemon_home;	/* maestrod's $HOME, whose secrets are protected too */
	struct json_object *decision;
	char correlation_id[80];

	/* Set by the preparation (worker), read by the loop after. */
	char error[256]; /* "" or why it did not start */
	struct json_object *confinement;
	char *tmpdir;
	pid_t pid;
	int pidfd;
	struct exec_stream out, err;
	uint64_t started_mono;

	/* Set while it runs. */
	struct event *ev_exit, *ev_timeout;
	bool reaped;
	bool timed_out;
	const char *killed; /* why maestrod killed it, or NULL */
	int exit_code;	    /* -1 when it ended by a signal */
	int signal;
	uint64_t duration_ms;

	/* Set by the screening. */
	bool tainted;
	unsigned secrets;
	double trust;
};

/* exec.c: lifecycle. */
void exec_start(struct execution *ex);	      /* hands it to a worker to prepare and fork */
void exec_kill(struct execution *ex, const char *why);
void exec_free(struct execution *ex);
void exec_track(struct execution *ex);	      /* links it to its conn and the daemon */

/* exec-prepare.c: on a worker, everything up to the fork. */
void exec_prepare_work(struct work_item *item);

/* exec-finish.c: screening, trust, the audit row and the reply. */
void exec_finish(struct execution *ex);
/* The reply of an execution that never started (deny, ask, or before it ran). */
struct json_object *exec_result_new(struct execution *ex);

#endif
