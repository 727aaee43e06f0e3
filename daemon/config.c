/* maestrod.conf: the settings, their defaults and the file parser. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "config-internal.h"
#include "counsel-backend.h"
#include "log.h"
#include "maestro-protocol.h"
#include "trust.h"
#include "utf8.h"
#include "util.h"

/* A config file is a few dozen lines; anything this big is a mistake. */
#define CONFIG_MAX_SIZE (1024 * 1024)

void
config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->max_line = MAESTRO_MAX_LINE_DEFAULT;
	cfg->max_connections = 1024;
	cfg->max_connections_per_uid = 256;
	cfg->max_pending_per_connection = 64;
	cfg->audit_queue_max = 8192;
	cfg->audit_sync = AUDIT_SYNC_NORMAL;
	cfg->drain_timeout_usec = 5 * 1000000u;
	cfg->log_level = LOG_INFO;
	cfg->workers = 4;
	cfg->subagent_timeout_usec = 500000u;
	cfg->approval_timeout_usec = 15 * 60 * 1000000ull;
	cfg->trust_suspend = TRUST_SUSPEND_DEFAULT;
	cfg->audit_checkpoint_every = 1000; /* AUDIT_CHECKPOINT_EVERY_DEFAULT */
	cfg->otlp_queue_max = 4096;
	cfg->counsel_timeout_usec = COUNSEL_TIMEOUT_DEFAULT_USEC;
	cfg->exec.max_output = 1024 * 1024;
	cfg->exec.cpu_s = 300;
	cfg->exec.memory = 4ull << 30;
	cfg->exec.files = 1024;
	cfg->exec.file_size = 1ull << 30;
	cfg->exec.procs = 512;
	cfg->exec.timeout_max_s = 3600;
	snprintf(cfg->exec.user, sizeof cfg->exec.user, "nobody");
}

void
config_clear(struct config *cfg)
{
	free(cfg->socket_path);
	free(cfg->db_path);
	free(cfg->allowed_uids);
	free(cfg->allowed_gids);
	free(cfg->policy_path);
	free(cfg->metrics_host);
	free(cfg->otlp_endpoint);
	free(cfg->counsel_backend);
	free(cfg->counsel_model);
	config_init(cfg);
}

static int
config_set(struct config *cfg, const struct cursor *c, const char *key, char *v)
{
	int level;

	if (strcmp(key, "socket") == 0)
		return cfg_set_path(c, key, v, &cfg->socket_path);
	if (strcmp(key, "database") == 0)
		return cfg_set_path(c, key, v, &cfg->db_path);
	if (strcmp(key, "allowed_uids") == 0)
		return cfg_set_id_list(c, key, v, false, (void **)&cfg->allowed_uids,
				   &cfg->n_allowed_uids);
	if (strcmp(key, "allowed_groups") == 0)
		return cfg_set_id_list(c, key, v, true, (void **)&cfg->allowed_gids,
				   &cfg->n_allowed_gids);
	if (strcmp(key, "socket_group") == 0) {
		if (cfg_lookup_gid(v, &cfg->socket_group) < 0)
			return config_fail(c, v, "socket_group: no such group: %s", v);
		cfg->has_socket_group = true;
		return 0;
	}
	if (strcmp(key, "max_line") == 0)
		return cfg_set_size(c, key, v, &cfg->max_line);
	if (strcmp(key, "max_connections") == 0)
		return cfg_set_count(c, key, v, &cfg->max_connections);
	if (strcmp(key, "max_connections_per_uid") == 0)
		return cfg_set_count(c, key, v, &cfg->max_connections_per_uid);
	if (strcmp(key, "max_pending_per_connection") == 0)
		return cfg_set_count(c, key, v, &cfg->max_pending_per_connection);
	if (strcmp(key, "audit_queue_max") == 0)
		return cfg_set_count(c, key, v, &cfg->audit_queue_max);
	if (strcmp(key, "audit_checkpoint_every") == 0) {
		if (strcmp(v, "off") == 0) {
			cfg->audit_checkpoint_every = 0;
			return 0;
		}
		return cfg_set_count(c, key, v, &cfg->audit_checkpoint_every);
	}
	if (strcmp(key, "audit_max_rows") == 0)
		return cfg_set_audit_retention(c, key, v, false, &cfg->audit_max_rows);
	if (strcmp(key, "audit_max_age") == 0)
		return cfg_set_audit_retention(c, key, v, true, &cfg->audit_max_age_usec);
	if (strcmp(key, "audit_sync") == 0) {
		if (strcmp(v, "normal") == 0)
			cfg->audit_sync = AUDIT_SYNC_NORMAL;
		else if (strcmp(v, "full") == 0)
			cfg->audit_sync = AUDIT_SYNC_FULL;
		else
			return config_fail(c, v, "audit_sync must be normal or full");
		return 0;
	}
	if (strcmp(key, "drain_timeout") == 0)
		return cfg_set_duration(c, key, v, &cfg->drain_timeout_usec);
	if (strcmp(key, "policy") == 0)
		return cfg_set_path(c, key, v, &cfg->policy_path);
	if (strcmp(key, "metrics_listen") == 0)
		return cfg_set_metrics_listen(cfg, c, key, v);
	if (strcmp(key, "trust_suspend") == 0)
		return cfg_set_trust(c, key, v, &cfg->trust_suspend);
	if (strcmp(key, "otlp_endpoint") == 0)
		return cfg_set_otlp_endpoint(cfg, c, key, v);
	if (strcmp(key, "otlp_queue_max") == 0)
		return cfg_set_count(c, key, v, &cfg->otlp_queue_max);
	if (strcmp(key, "otlp_logs") == 0) {
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return config_fail(c, v, "otlp_logs must be yes or no");
		cfg->otlp_logs = strcmp(v, "yes") == 0;
		return 0;
	}
	if (strncmp(key, "counsel_", 8) == 0)
		return cfg_set_counsel(cfg, c, key, v);
	if (strncmp(key, "exec_", 5) == 0)
		return cfg_set_exec(cfg, c, key, v);
	if (strcmp(key, "workers") == 0) {
		if (cfg_set_count(c, key, v, &cfg->workers) < 0 || cfg->workers > 64)
			return config_fail(c, v, "workers must be a whole number from 1 to 64");
		return 0;
	}
	if (strcmp(key, "approval_timeout") == 0) {
		if (cfg_set_duration(c, key, v, &cfg->approval_timeout_usec) < 0 ||
		    cfg->approval_timeout_usec < 1000000)
			return config_fail(c, v, "approval_timeout must be a duration from 1s to 1 hour");
		return 0;
	}
	if (strcmp(key, "subagent_timeout") == 0) {
		if (cfg_set_duration(c, key, v, &cfg->subagent_timeout_usec) < 0 ||
		    cfg->subagent_timeout_usec < 1000)
			return config_fail(c, v, "subagent_timeout must be a duration from 1ms to 1 hour");
		return 0;
	}
	if (strcmp(key, "log_level") == 0) {
		level = log_level_parse(v);
		if (level < 0)
			return config_fail(c, v,
					   "log_level must be error, warning, notice, info or debug");
		cfg->log_level = level;
		return 0;
	}
	return config_fail(c, key, "unknown key '%s'", key);
}

static char *
trim(char *s, char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	*end = '\0';
	return s;
}

int
config_parse(struct config *cfg, const char *file, const char *text, size_t len,
	     struct config_error *err)
{
	_cleanup_free_ char *copy = NULL;
	char *p, *end, seen[32][32];
	unsigned seen_line[32], n_seen = 0;
	struct cursor c = { .file = file, .line = 1, .err = err };

	if (memchr(text, '\0', len) != NULL)
		return config_fail(&c, NULL, "file contains a NUL byte");
	copy = strndup(text, len);
	if (copy == NULL)
		return -ENOMEM;
	end = copy + len;
	for (p = copy; p < end; c.line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line_end = nl ? nl : end;
		char *eq, *key, *value, *hash;
		int r;

		c.line_start = p;
		*line_end = '\0';
		/* '#' starts a comment at the start of a line or after a blank. */
		for (hash = p; (hash = strchr(hash, '#')) != NULL; hash++)
			if (hash == p || isspace((unsigned char)hash[-1])) {
				*hash = '\0';
				line_end = hash;
				break;
			}
		key = trim(p, line_end);
		p = nl ? nl + 1 : end;
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL)
			return config_fail(&c, key, "expected 'key = value'");
		value = trim(eq + 1, eq + 1 + strlen(eq + 1));
		key = trim(key, eq);
		if (*key == '\0')
			return config_fail(&c, eq, "missing key before '='");
		if (*value == '\0')
			return config_fail(&c, eq, "missing value for '%s'", key);
		for (unsigned i = 0; i < n_seen; i++)
			if (strcmp(seen[i], key) == 0)
				return config_fail(&c, key, "'%s' is set twice (first on line %u)",
						   key, seen_line[i]);
		r = config_set(cfg, &c, key, value);
		if (r < 0) {
			if (r != -EINVAL)
				config_fail(&c, NULL, "%s", strerror(-r));
			return -EINVAL;
		}
		if (n_seen < ARRAY_SIZE(seen)) {
			snprintf(seen[n_seen], sizeof seen[0], "%s", key);
			seen_line[n_seen++] = c.line;
		}
	}
	return 0;
}

int
config_load(struct config *cfg, const char *path, bool must_exist, struct config_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct cursor c = { .file = path, .err = err };
	struct stat st;
	size_t len = 0;
	int r;

	config_init(cfg);
	/* O_NONBLOCK: a FIFO planted at the path must not hang the daemon in open(). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		r = -errno;
		config_fail(&c, NULL, "cannot open: %s", strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_SIZE) {
		config_fail(&c, NULL, "not a regular file of at most 1 MiB");
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		return -ENOMEM;
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			config_fail(&c, NULL, "cannot read: %s", strerror(errno));
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	r = config_parse(cfg, path, buf, len, err);
	if (r < 0)
		config_clear(cfg);
	return r;
}

char *
config_default_path(void)
{
	const char *home, *xdg = getenv("XDG_CONFIG_HOME");
	char *p = NULL;

	if (geteuid() == 0)
		return strdup("/etc/maestro/maestrod.conf");
	if (xdg != NULL && xdg[0] == '/') {
		if (asprintf(&p, "%s/maestro/maestrod.conf", xdg) < 0)
			return NULL;
		return p;
	}
	home = getenv("HOME");
	if (home == NULL || home[0] != '/')
		return NULL;
	if (asprintf(&p, "%s/.config/maestro/maestrod.conf", home) < 0)
		return NULL;
	return p;
}

void
config_error_format(const struct config_error *err, char *buf, size_t size)
{
	if (err->line == 0)
		snprintf(buf, size, "%s: %s", err->file, err->message);
	else if (err->column == 0)
		snprintf(buf, size, "%s:%u: %s", err->file, err->line, err->message);
	else
		snprintf(buf, size, "%s:%u:%u: %s", err->file, err->line, err->column, err->message);
}
