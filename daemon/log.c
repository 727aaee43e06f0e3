/* Logging: the journal with structured fields under systemd, stderr otherwise. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "log.h"

static int log_level = LOG_INFO;
static int log_to_journal;

static const char *const level_names[] = {
	[LOG_EMERG] = "emergency", [LOG_ALERT] = "alert", [LOG_CRIT] = "critical",
	[LOG_ERR] = "error",	   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",	   [LOG_DEBUG] = "debug",
};

int
log_level_parse(const char *name)
{
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return i;
	if (strcasecmp(name, "warn") == 0)
		return LOG_WARNING;
	return -1;
}

const char *
log_level_name(int level)
{
	if (level < 0 || level > LOG_DEBUG)
		return "unknown";
	return level_names[level];
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

/*
 * systemd sets JOURNAL_STREAM to the device and inode of the stream it
 * connected stderr to; if stderr is still that stream we talk to the
 * journal natively, which keeps the structured fields.
 */
void
log_init(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return;
	if (fstat(STDERR_FILENO, &st) < 0)
		return;
	log_to_journal = (unsigned long long)st.st_dev == dev &&
			 (unsigned long long)st.st_ino == ino;
}

static void
log_write(int level, const char *const *fields, const char *msg)
{
	if (log_to_journal) {
		/* sd_journal_sendv() wants writable buffers, so copy into some. */
		char prio[32], text[4200], ident[] = "SYSLOG_IDENTIFIER=maestrod", extra[1024];
		struct iovec iov[16];
		size_t n = 0, used = 0;

		snprintf(prio, sizeof prio, "PRIORITY=%d", level);
		snprintf(text, sizeof text, "MESSAGE=%s", msg);
		iov[n++] = (struct iovec){ prio, strlen(prio) };
		iov[n++] = (struct iovec){ text, strlen(text) };
		iov[n++] = (struct iovec){ ident, sizeof ident - 1 };
		for (size_t i = 0; fields != NULL && fields[i] != NULL && n < 16; i++) {
			size_t len = strlen(fields[i]);

			if (used + len > sizeof extra)
				break;
			memcpy(extra + used, fields[i], len);
			iov[n++] = (struct iovec){ extra + used, len };
			used += len;
		}
		sd_journal_sendv(iov, (int)n);
		return;
	}

	flockfile(stderr);
	fprintf(stderr, "maestrod: %s: %s", log_level_name(level), msg);
	if (fields != NULL && fields[0] != NULL) {
		fputs(" [", stderr);
		for (size_t i = 0; fields[i] != NULL; i++)
			fprintf(stderr, "%s%s", i ? " " : "", fields[i]);
		fputc(']', stderr);
	}
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
log_fields(int level, const char *const *fields, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_write(level, fields, msg);
}

void
fatal(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_write(LOG_CRIT, NULL, msg);
	exit(EXIT_FAILURE);
}
