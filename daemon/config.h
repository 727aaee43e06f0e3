/* maestrod.conf: the settings, their defaults and the file parser. */
#ifndef MAESTRO_CONFIG_H
#define MAESTRO_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum audit_sync {
	AUDIT_SYNC_NORMAL = 1, /* survives a killed process */
	AUDIT_SYNC_FULL = 2,   /* survives a power cut */
};

/* governance.execute's limits on a command (exec.c, maestrod.conf(5) exec_*). */
struct exec_config {
	size_t max_output;	/* bytes of stdout, and of stderr, kept */
	uint64_t cpu_s;		/* RLIMIT_CPU, seconds */
	uint64_t memory;	/* RLIMIT_AS, bytes */
	uint64_t files;		/* RLIMIT_NOFILE */
	uint64_t file_size;	/* RLIMIT_FSIZE, bytes */
	uint64_t procs;		/* RLIMIT_NPROC */
	unsigned timeout_max_s; /* the longest timeout_s a request may ask */
	char user[64];		/* exec_user: whom a root maestrod runs a root peer's command as */
};

struct config {
	char *socket_path; /* NULL: the default for this user */
	char *db_path;	   /* NULL: the default for this user */
	uid_t *allowed_uids;
	size_t n_allowed_uids;
	gid_t *allowed_gids;
	size_t n_allowed_gids;
	bool has_socket_group;
	gid_t socket_group;
	size_t max_line;
	unsigned max_connections;
	unsigned max_connections_per_uid;
	unsigned max_pending_per_connection;
	unsigned audit_queue_max;
	enum audit_sync audit_sync;
	uint64_t drain_timeout_usec;
	int log_level;
	char *policy_path;	       /* NULL: the default path, else the built-in policy */
	unsigned workers;	       /* governance worker threads */
	uint64_t subagent_timeout_usec; /* how long a decision waits for a subagent */
	uint64_t approval_timeout_usec; /* how long an ask waits for a person */
	char *metrics_host;	       /* metrics_listen's address ("127.0.0.1", "::1"); NULL: off */
	unsigned metrics_port;
	double trust_suspend;	       /* trust below this suspends an agent (trust.c) */
	unsigned audit_checkpoint_every; /* rows between signed checkpoints; 0: at shutdown only */
	int64_t audit_max_rows;	       /* retention: rows kept; 0: off */
	int64_t audit_max_age_usec;    /* retention: age of rows kept; 0: off */
	char *otlp_endpoint;	       /* "http://127.0.0.1:4318"; NULL: no OTLP export */
	unsigned otlp_queue_max;       /* spans and log records waiting for export */
	bool otlp_logs;		       /* audit rows as OTLP log records too */
	char *counsel_backend;	       /* sofia's model: a loopback http:// URL; NULL: rules only */
	char *counsel_model;	       /* the model name sent; NULL: "local" */
	uint64_t counsel_timeout_usec; /* how long counsel.ask waits for the model */
	struct exec_config exec;	       /* governance.execute's limits (exec_* keys) */
};

/* Where a file went wrong; line and column count from 1, 0 when unknown. */
struct config_error {
	char file[PATH_MAX];
	unsigned line;
	unsigned column;
	char message[256];
};

void config_init(struct config *cfg);
void config_clear(struct config *cfg);

/*
 * Parses text (the contents of file) over the values already in *cfg.
 * Returns 0, or -EINVAL with *err saying where and why; *cfg is then
 * unspecified and should be cleared.
 */
int config_parse(struct config *cfg, const char *file, const char *text, size_t len,
		 struct config_error *err);

/*
 * Loads defaults and then the file at path. A missing file is fine when
 * !must_exist (the defaults stand); any other failure returns a negative
 * errno with *err filled in, and leaves *cfg cleared.
 */
int config_load(struct config *cfg, const char *path, bool must_exist,
		struct config_error *err);

/* The file maestrod reads when --config is not given. */
char *config_default_path(void);

/* "file:line:column: message", for logs and replies. */
void config_error_format(const struct config_error *err, char *buf, size_t size);

#endif
