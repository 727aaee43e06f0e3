/* Small helpers every daemon module uses: cleanup attributes and time. */
#ifndef MAESTRO_UTIL_H
#define MAESTRO_UTIL_H

/*
 * Error convention (after dbus-broker): a function returns 0 on success
 * and a negative errno for failures the caller can only propagate or log.
 * Expected outcomes a caller must handle (a bad config line, a full queue)
 * are reported through an explicit out-parameter or a positive module
 * enum, never mixed with errno. Output parameters are left untouched on
 * failure. Only the connection layer turns results into JSON-RPC errors.
 */

#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void
freep(void *p)
{
	free(*(void **)p);
}

static inline void
closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void
json_putp(struct json_object **o)
{
	json_object_put(*o);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_json_ _cleanup_(json_putp)

/* Hands ownership over: returns the value and clears the variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _tmp = (p); (p) = NULL; _tmp; })
#define TAKE_FD(fd) ({ int _tmp = (fd); (fd) = -1; _tmp; })

/* Formats a sentence for the caller into msg and returns r, for one-line failure paths. */
int fail_with(char *msg, size_t size, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline uint64_t
now_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif
