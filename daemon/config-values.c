/* maestrod.conf: reading each kind of value, with the error a person needs. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "counsel-backend.h"
#include "log.h"
#include "maestro-protocol.h"
#include "trust.h"
#include "utf8.h"
#include "util.h"

int
config_fail(const struct cursor *c, const char *at, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->err->file, sizeof c->err->file, "%s", c->file);
	c->err->line = c->line;
	c->err->column = at ? (unsigned)(at - c->line_start) + 1 : 0;
	va_start(ap, fmt);
	vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
	va_end(ap);
	utf8_sanitize(c->err->message);
	utf8_sanitize(c->err->file);
	return -EINVAL;
}

int
cfg_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
cfg_set_count(const struct cursor *c, const char *key, const char *v, unsigned *out)
{
	unsigned long long n;

	if (cfg_parse_uint(v, 1000000, &n) < 0 || n == 0)
		return config_fail(c, v, "%s must be a whole number from 1 to 1000000", key);
	*out = (unsigned)n;
	return 0;
}

/* Sizes are bytes, or KiB/MiB with a K or M suffix. */
int
cfg_set_size(const struct cursor *c, const char *key, const char *v, size_t *out)
{
	char num[32];
	unsigned long long n, mult = 1;
	size_t len = strlen(v);

	if (len > 0 && (v[len - 1] == 'K' || v[len - 1] == 'k'))
		mult = 1024, len--;
	else if (len > 0 && (v[len - 1] == 'M' || v[len - 1] == 'm'))
		mult = 1024 * 1024, len--;
	if (len == 0 || len >= sizeof num)
		return config_fail(c, v, "%s must be a size such as 1048576, 512K or 1M", key);
	memcpy(num, v, len);
	num[len] = '\0';
	if (cfg_parse_uint(num, MAESTRO_MAX_LINE_MAX, &n) < 0 || n * mult < MAESTRO_MAX_LINE_MIN ||
	    n * mult > MAESTRO_MAX_LINE_MAX)
		return config_fail(c, v, "%s must be a size from %d bytes to %d MiB", key,
				   MAESTRO_MAX_LINE_MIN, MAESTRO_MAX_LINE_MAX / (1024 * 1024));
	*out = (size_t)(n * mult);
	return 0;
}

/* Durations are a number with ms, s or m; a bare number is seconds. */
int
cfg_set_duration(const struct cursor *c, const char *key, const char *v, uint64_t *out)
{
	unsigned long long n, mult = 1000000;
	char num[32];
	size_t len = strlen(v);

	if (len > 2 && strcmp(v + len - 2, "ms") == 0)
		mult = 1000, len -= 2;
	else if (len > 1 && v[len - 1] == 's')
		len -= 1;
	else if (len > 1 && v[len - 1] == 'm')
		mult = 60 * 1000000ull, len -= 1;
	if (len == 0 || len >= sizeof num)
		return config_fail(c, v, "%s must be a duration such as 500ms, 5s or 1m", key);
	memcpy(num, v, len);
	num[len] = '\0';
	if (cfg_parse_uint(num, 3600 * 1000ull, &n) < 0 || n * mult > 3600 * 1000000ull)
		return config_fail(c, v, "%s must be a duration from 0 to 1 hour, such as 5s", key);
	*out = n * mult;
	return 0;
}

/*
 * Audit retention (maestro-audit(7)): "off", a row count, or an age in
 * h, d or w. Ages reach years, past what cfg_set_duration() allows.
 */
int
cfg_set_audit_retention(const struct cursor *c, const char *key, const char *v, bool age,
		    int64_t *out)
{
	unsigned long long n, mult = 1;
	char num[32];
	size_t len = strlen(v);

	if (strcmp(v, "off") == 0) {
		*out = 0;
		return 0;
	}
	if (age) {
		if (len < 2 || strchr("hdw", v[len - 1]) == NULL)
			goto bad;
		mult = v[len - 1] == 'h' ? 3600 : v[len - 1] == 'd' ? 86400 : 7 * 86400;
		mult *= 1000000ull;
		len--;
	}
	if (len == 0 || len >= sizeof num)
		goto bad;
	memcpy(num, v, len);
	num[len] = '\0';
	/* Up to 100 years, or a billion rows: bounds no one means to pass. */
	if (cfg_parse_uint(num, age ? 36500ull * 86400 * 1000000 / mult : 1000000000ull, &n) < 0 ||
	    n == 0)
		goto bad;
	*out = (int64_t)(n * mult);
	return 0;
bad:
	return config_fail(c, v, age ? "%s must be off or an age such as 12h, 90d or 52w"
				     : "%s must be off or a number of rows from 1 to 1000000000",
			   key);
}

int
cfg_set_path(const struct cursor *c, const char *key, const char *v, char **out)
{
	char *p;

	if (v[0] != '/')
		return config_fail(c, v, "%s must be an absolute path", key);
	if (strlen(v) >= PATH_MAX)
		return config_fail(c, v, "%s is longer than PATH_MAX", key);
	p = strdup(v);
	if (p == NULL)
		return -ENOMEM;
	free(*out);
	*out = p;
	return 0;
}

int
cfg_lookup_uid(const char *name, uid_t *uid)
{
	unsigned long long n;
	struct passwd *pw;

	if (cfg_parse_uint(name, (uid_t)-2, &n) == 0) {
		*uid = (uid_t)n;
		return 0;
	}
	pw = getpwnam(name);
	if (pw == NULL)
		return -ENOENT;
	*uid = pw->pw_uid;
	return 0;
}

int
cfg_lookup_gid(const char *name, gid_t *gid)
{
	unsigned long long n;
	struct group *gr;

	if (cfg_parse_uint(name, (gid_t)-2, &n) == 0) {
		*gid = (gid_t)n;
		return 0;
	}
	gr = getgrnam(name);
	if (gr == NULL)
		return -ENOENT;
	*gid = gr->gr_gid;
	return 0;
}

/* A list of user or group names or numbers, separated by commas or blanks. */
int
cfg_set_id_list(const struct cursor *c, const char *key, char *v, bool groups, void **out,
	    size_t *n_out)
{
	size_t n = 0, cap = 0;
	uint32_t *ids = NULL;
	char *save = NULL;

	for (char *tok = strtok_r(v, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		uint32_t id;
		int r;

		if (groups) {
			gid_t g;
			r = cfg_lookup_gid(tok, &g);
			id = g;
		} else {
			uid_t u;
			r = cfg_lookup_uid(tok, &u);
			id = u;
		}
		if (r < 0) {
			free(ids);
			return config_fail(c, tok, "%s: no such %s: %s", key,
					   groups ? "group" : "user", tok);
		}
		if (n == cap) {
			uint32_t *nids;

			cap = cap ? cap * 2 : 8;
			nids = realloc(ids, cap * sizeof *ids);
			if (nids == NULL) {
				free(ids);
				return -ENOMEM;
			}
			ids = nids;
		}
		ids[n++] = id;
	}
	free(*out);
	*out = ids;
	*n_out = n;
	return 0;
}

/* A trust threshold: a decimal from 0 (never) to below 1, such as 0.1. */
int
cfg_set_trust(const struct cursor *c, const char *key, const char *v, double *out)
{
	char *end;
	double x;

	if (!isdigit((unsigned char)v[0]))
		return config_fail(c, v, "%s must be a number from 0 to below 1, such as 0.1", key);
	errno = 0;
	x = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !(x >= 0 && x < 1))
		return config_fail(c, v, "%s must be a number from 0 to below 1, such as 0.1", key);
	*out = x;
	return 0;
}

/*
 * HOST:PORT for the Prometheus endpoint, IPv6 in brackets. Only loopback:
 * /metrics has no authentication, and what it shows (agent names, trust)
 * is for the people on this machine.
 */
int
cfg_set_metrics_listen(struct config *cfg, const struct cursor *c, const char *key, const char *v)
{
	unsigned long long port;
	const char *colon;
	char host[INET6_ADDRSTRLEN];
	size_t len;
	bool loopback = false;

	if (v[0] == '[') {
		const char *bracket = strchr(v, ']');
		struct in6_addr a6;

		colon = bracket ? bracket + 1 : NULL;
		if (bracket == NULL || *colon != ':')
			return config_fail(c, v, "%s must be HOST:PORT, such as 127.0.0.1:9464 "
					   "or [::1]:9464", key);
		len = (size_t)(bracket - v - 1);
		if (len >= sizeof host)
			return config_fail(c, v, "%s: not an IPv6 address", key);
		memcpy(host, v + 1, len);
		host[len] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return config_fail(c, v, "%s: '%s' is not an IPv6 address", key, host);
		loopback = IN6_IS_ADDR_LOOPBACK(&a6);
	} else {
		struct in_addr a4;

		colon = strrchr(v, ':');
		if (colon == NULL)
			return config_fail(c, v, "%s must be HOST:PORT, such as 127.0.0.1:9464 "
					   "or [::1]:9464", key);
		len = (size_t)(colon - v);
		if (len >= sizeof host || memchr(v, ':', len) != NULL)
			return config_fail(c, v, "%s: write an IPv6 address in brackets, "
					   "such as [::1]:9464", key);
		memcpy(host, v, len);
		host[len] = '\0';
		/* inet_aton would take "127.1" and "0x7f.1"; a config file should say what it means. */
		if (inet_pton(AF_INET, host, &a4) != 1)
			return config_fail(c, v, "%s: '%s' is not a numeric IPv4 address", key, host);
		loopback = (ntohl(a4.s_addr) >> 24) == 127;
	}
	if (!loopback)
		return config_fail(c, v, "%s: %s is not a loopback address (127.0.0.0/8 or ::1); "
				   "/metrics has no authentication, so maestrod serves it only on "
				   "this machine", key, host);
	if (cfg_parse_uint(colon + 1, 65535, &port) < 0 || port == 0)
		return config_fail(c, colon + 1, "%s: the port must be a number from 1 to 65535", key);
	free(cfg->metrics_host);
	if ((cfg->metrics_host = strdup(host)) == NULL)
		return -ENOMEM;
	cfg->metrics_port = (unsigned)port;
	return 0;
}

/*
 * The base URL of an OTLP/HTTP receiver; /v1/traces and /v1/logs are
 * added. Anything but http and https is refused: the URL goes to libcurl,
 * which would otherwise speak file://, ftp:// and more.
 */
int
cfg_set_otlp_endpoint(struct config *cfg, const struct cursor *c, const char *key, const char *v)
{
	size_t scheme = strncmp(v, "http://", 7) == 0 ? 7 : strncmp(v, "https://", 8) == 0 ? 8 : 0;

	if (scheme == 0 || v[scheme] == '\0' || v[scheme] == '/')
		return config_fail(c, v, "%s must be an http:// or https:// URL, such as "
				   "http://127.0.0.1:4318", key);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return config_fail(c, p, "%s: a URL has no spaces or control characters", key);
	free(cfg->otlp_endpoint);
	if ((cfg->otlp_endpoint = strdup(v)) == NULL)
		return -ENOMEM;
	return 0;
}

/* sofia's model backend (counsel-backend.h says why loopback only). */
int
cfg_set_counsel(struct config *cfg, const struct cursor *c, const char *key, const char *v)
{
	char why[200];
	char **field = NULL;

	if (strcmp(key, "counsel_backend") == 0) {
		if (counsel_backend_url_check(v, why, sizeof why) < 0)
			return config_fail(c, v, "%s: %s", key, why);
		field = &cfg->counsel_backend;
	} else if (strcmp(key, "counsel_model") == 0) {
		if (v[0] == '\0' || strlen(v) >= COUNSEL_MODEL_MAX)
			return config_fail(c, v, "%s must be a name of 1 to %d bytes", key,
					   COUNSEL_MODEL_MAX - 1);
		field = &cfg->counsel_model;
	} else if (strcmp(key, "counsel_timeout") == 0) {
		if (cfg_set_duration(c, key, v, &cfg->counsel_timeout_usec) < 0 ||
		    cfg->counsel_timeout_usec < 1000 || cfg->counsel_timeout_usec > 60000000u)
			return config_fail(c, v, "counsel_timeout must be a duration from 1ms to 60s");
		return 0;
	} else {
		return config_fail(c, key, "unknown key '%s'", key);
	}
	free(*field);
	if ((*field = strdup(v)) == NULL)
		return -ENOMEM;
	return 0;
}

/* A byte count up to max with an optional K, M or G suffix (1024-based). */
int
cfg_parse_bytes(const char *v, unsigned long long max, unsigned long long *out)
{
	unsigned long long n, mult = 1;
	char num[32];
	size_t len = strlen(v);

	if (len > 0 && strchr("kKmMgG", v[len - 1]) != NULL) {
		mult = strchr("kK", v[len - 1]) ? 1ull << 10 : strchr("mM", v[len - 1]) ? 1ull << 20 : 1ull << 30;
		len--;
	}
	if (len == 0 || len >= sizeof num)
		return -EINVAL;
	memcpy(num, v, len);
	num[len] = '\0';
	if (cfg_parse_uint(num, max / mult, &n) < 0 || n == 0)
		return -ERANGE;
	*out = n * mult;
	return 0;
}

/* governance.execute's limits (exec.c); each bounded so that no value disables a limit. */
int
cfg_set_exec(struct config *cfg, const struct cursor *c, const char *key, const char *v)
{
	struct exec_config *e = &cfg->exec;
	unsigned long long n;

	if (strcmp(key, "exec_max_output") == 0) {
		if (cfg_parse_bytes(v, 64ull << 20, &n) < 0)
			return config_fail(c, v, "%s must be a size from 1 byte to 64M, such as 1M", key);
		e->max_output = (size_t)n;
	} else if (strcmp(key, "exec_memory") == 0 || strcmp(key, "exec_file_size") == 0) {
		if (cfg_parse_bytes(v, 1ull << 50, &n) < 0 || n < (1ull << 20))
			return config_fail(c, v, "%s must be a size from 1M to 1048576G, such as 4G", key);
		*(key[5] == 'm' ? &e->memory : &e->file_size) = n;
	} else if (strcmp(key, "exec_cpu") == 0) {
		if (cfg_parse_uint(v, 86400, &n) < 0 || n == 0)
			return config_fail(c, v, "%s must be a number of CPU seconds from 1 to 86400", key);
		e->cpu_s = n;
	} else if (strcmp(key, "exec_files") == 0 || strcmp(key, "exec_procs") == 0) {
		if (cfg_parse_uint(v, 1048576, &n) < 0 || n < 4)
			return config_fail(c, v, "%s must be a whole number from 4 to 1048576", key);
		*(key[5] == 'f' ? &e->files : &e->procs) = n;
	} else if (strcmp(key, "exec_timeout_max") == 0) {
		uint64_t usec;

		if (cfg_set_duration(c, key, v, &usec) < 0 || usec < 1000000)
			return config_fail(c, v, "%s must be a duration from 1s to 1 hour", key);
		e->timeout_max_s = (unsigned)(usec / 1000000);
	} else if (strcmp(key, "exec_user") == 0) {
		uid_t uid;

		if (strlen(v) >= sizeof e->user || cfg_lookup_uid(v, &uid) < 0)
			return config_fail(c, v, "%s: no such user: %s", key, v);
		if (uid == 0)
			return config_fail(c, v, "%s must not be root: commands run as it to be confined", key);
		snprintf(e->user, sizeof e->user, "%s", v);
	} else {
		return config_fail(c, key, "unknown key '%s'", key);
	}
	return 0;
}

