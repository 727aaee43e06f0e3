/* Logging: the journal with structured fields under systemd, stderr otherwise. */
#ifndef MAESTRO_LOG_H
#define MAESTRO_LOG_H

#include <syslog.h>

/* Levels are syslog priorities, so they map onto the journal directly. */
int log_level_parse(const char *name);
const char *log_level_name(int level);
void log_set_level(int level);
int log_get_level(void);

/* Decides once, at start, whether stderr is connected to the journal. */
void log_init(void);

/*
 * Logs a message. fields is NULL or a NULL-terminated list of extra
 * journal fields ("MAESTRO_PEER_UID=1000"); on stderr they are appended
 * in brackets so nothing is lost without the journal.
 */
void log_fields(int level, const char *const *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...) log_fields(LOG_ERR, NULL, __VA_ARGS__)
#define log_warning(...) log_fields(LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) log_fields(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...) log_fields(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) log_fields(LOG_DEBUG, NULL, __VA_ARGS__)

/* For start-up failures and broken invariants only, never for client input. */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
