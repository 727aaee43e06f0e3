/* Fuzz target: config_parse() on arbitrary maestrod.conf text. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "fuzz.h"
#include "maestro-protocol.h"

/* The settings a successful parse may produce, whatever the text. */
static void
check_config(const struct config *cfg)
{
	fuzz_assert(cfg->socket_path == NULL ||
		    (cfg->socket_path[0] == '/' && strlen(cfg->socket_path) < PATH_MAX));
	fuzz_assert(cfg->db_path == NULL ||
		    (cfg->db_path[0] == '/' && strlen(cfg->db_path) < PATH_MAX));
	fuzz_assert(cfg->n_allowed_uids == 0 || cfg->allowed_uids != NULL);
	fuzz_assert(cfg->n_allowed_gids == 0 || cfg->allowed_gids != NULL);
	fuzz_assert(cfg->max_line >= MAESTRO_MAX_LINE_MIN && cfg->max_line <= MAESTRO_MAX_LINE_MAX);
	fuzz_assert(cfg->max_connections >= 1 && cfg->max_connections <= 1000000);
	fuzz_assert(cfg->max_connections_per_uid >= 1 && cfg->max_connections_per_uid <= 1000000);
	fuzz_assert(cfg->max_pending_per_connection >= 1 &&
		    cfg->max_pending_per_connection <= 1000000);
	fuzz_assert(cfg->audit_queue_max >= 1 && cfg->audit_queue_max <= 1000000);
	fuzz_assert(cfg->audit_sync == AUDIT_SYNC_NORMAL || cfg->audit_sync == AUDIT_SYNC_FULL);
	fuzz_assert(cfg->drain_timeout_usec <= 3600ull * 1000000);
	fuzz_assert(cfg->log_level >= LOG_ERR && cfg->log_level <= LOG_DEBUG);
}

/* An error must point into the text: a real line, a column within it. */
static void
check_error(const struct config_error *err, const uint8_t *data, size_t size)
{
	char buf[sizeof err->file + sizeof err->message + 32];
	size_t start = 0, line_len;
	const uint8_t *nl;

	fuzz_assert(strcmp(err->file, "fuzz.conf") == 0);
	fuzz_assert(err->message[0] != '\0');
	fuzz_assert(memchr(err->message, '\0', sizeof err->message) != NULL);
	fuzz_assert(err->line >= 1);
	for (unsigned l = 1; l < err->line; l++) {
		nl = memchr(data + start, '\n', size - start);
		fuzz_assert(nl != NULL); /* the file has that many lines */
		start = (size_t)(nl - data) + 1;
	}
	nl = memchr(data + start, '\n', size - start);
	line_len = (nl ? (size_t)(nl - data) : size) - start;
	fuzz_assert(err->column == 0 || err->column - 1 < line_len);

	/*
	 * system.reload sends file and message in a JSON reply, so they must
	 * be valid UTF-8 whatever the text held.
	 */
	fuzz_assert(fuzz_utf8_valid(err->message, strlen(err->message)));
	fuzz_assert(fuzz_utf8_valid(err->file, strlen(err->file)));

	config_error_format(err, buf, sizeof buf);
	fuzz_assert(strncmp(buf, "fuzz.conf:", 10) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct config_error err;
	int r;

	config_init(&cfg);
	memset(&err, 0, sizeof err);
	r = config_parse(&cfg, "fuzz.conf", (const char *)data, size, &err);
	if (r == 0) {
		check_config(&cfg);
		/*
		 * The same text again over the result, as over any earlier
		 * settings: exercises the replace-and-free paths, and must agree.
		 */
		r = config_parse(&cfg, "fuzz.conf", (const char *)data, size, &err);
		fuzz_assert(r == 0);
		check_config(&cfg);
	} else {
		fuzz_assert(r == -EINVAL);
		check_error(&err, data, size);
	}
	config_clear(&cfg);
	return 0;
}
