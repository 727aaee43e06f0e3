/* maestrod.conf: what config.c and config-values.c share. */
#ifndef MAESTRO_CONFIG_INTERNAL_H
#define MAESTRO_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* The state of one line being parsed, for error positions. */
struct cursor {
	const char *file;
	unsigned line;
	const char *line_start;
	struct config_error *err;
};

/* Fills the error at the cursor (column of at, when given); returns -EINVAL. */
int config_fail(const struct cursor *c, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The value parsers: each checks v for key and stores it, or fails at the cursor. */
int cfg_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
int cfg_set_count(const struct cursor *c, const char *key, const char *v, unsigned *out);
int cfg_set_size(const struct cursor *c, const char *key, const char *v, size_t *out);
int cfg_set_duration(const struct cursor *c, const char *key, const char *v, uint64_t *out);
int cfg_set_audit_retention(const struct cursor *c, const char *key, const char *v, bool age,
			    int64_t *out);
int cfg_set_path(const struct cursor *c, const char *key, const char *v, char **out);
int cfg_lookup_uid(const char *name, uid_t *uid);
int cfg_lookup_gid(const char *name, gid_t *gid);
int cfg_set_id_list(const struct cursor *c, const char *key, char *v, bool groups, void **out,
		    size_t *n_out);
int cfg_set_trust(const struct cursor *c, const char *key, const char *v, double *out);
int cfg_set_metrics_listen(struct config *cfg, const struct cursor *c, const char *key,
			   const char *v);
int cfg_set_otlp_endpoint(struct config *cfg, const struct cursor *c, const char *key,
			  const char *v);
int cfg_set_counsel(struct config *cfg, const struct cursor *c, const char *key, const char *v);
int cfg_parse_bytes(const char *v, unsigned long long max, unsigned long long *out);
int cfg_set_exec(struct config *cfg, const struct cursor *c, const char *key, const char *v);

#endif
