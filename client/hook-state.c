/* A coding session's tool calls from pre-tool to post-tool: which evaluation to report on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hook.h"

/*
 * One small JSON file per session, {"KEY": ["CORRELATION_ID", TIME]},
 * under $XDG_RUNTIME_DIR/maestro/hooks/ (a tmpfs of the user's own, gone
 * at logout). Bounded: past STATE_MAX entries the oldest go, and a tool
 * call whose post-tool never comes is forgotten after STATE_MAX_AGE.
 */
#define STATE_MAX 256
#define STATE_MAX_AGE (24 * 3600)
#define STATE_FILE_MAX (256 * 1024)

/* A directory of ours, 0700, made if missing; a symlink or someone else's is refused. */
static int
own_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		return -EPERM;
	return 0;
}

/* Opens and locks the session's file; the session id is only used when it makes a safe name. */
static int
state_open(const char *session_id)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char path[4096], name[80];
	uint64_t h = 14695981039346656037ull;
	int fd, r;

	if (run == NULL || run[0] != '/')
		return -ENOENT;
	if (session_id[0] != '\0' && strlen(session_id) <= 64 && session_id[0] != '.' &&
	    strspn(session_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") ==
		    strlen(session_id)) {
		snprintf(name, sizeof name, "%s", session_id);
	} else {
		for (const char *p = session_id; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		snprintf(name, sizeof name, "session-%016llx", (unsigned long long)h);
	}
	snprintf(path, sizeof path, "%s/maestro", run);
	if ((r = own_dir(path)) < 0)
		return r;
	snprintf(path, sizeof path, "%s/maestro/hooks", run);
	if ((r = own_dir(path)) < 0)
		return r;
	snprintf(path, sizeof path, "%s/maestro/hooks/%s.json", run, name);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* Agents run hooks of parallel tool calls at once: one writer at a time. */
	if (flock(fd, LOCK_EX) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static struct json_object *
state_read(int fd)
{
	char *buf = malloc(STATE_FILE_MAX + 1);
	struct json_object *o = NULL;
	ssize_t n;

	if (buf == NULL)
		return NULL;
	n = pread(fd, buf, STATE_FILE_MAX + 1, 0);
	if (n > 0 && n <= STATE_FILE_MAX) {
		buf[n] = '\0';
		o = json_tokener_parse(buf);
	}
	free(buf);
	/* Missing, too big or garbled: start again; it only costs reports. */
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	return o;
}

static int
state_write(int fd, struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);

	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, len, 0) != (ssize_t)len)
		return -errno;
	return 0;
}

/* Drops entries too old, then the oldest beyond STATE_MAX - 1, to make room for one. */
static void
state_trim(struct json_object *o, int64_t now)
{
	for (;;) {
		char *oldest = NULL;
		int64_t oldest_t = INT64_MAX;
		size_t n = 0;

		json_object_object_foreach(o, key, v) {
			int64_t t = json_object_get_int64(json_object_array_get_idx(v, 1));

			n++;
			if (!json_object_is_type(v, json_type_array) || t < now - STATE_MAX_AGE) {
				free(oldest);
				oldest = strdup(key), oldest_t = INT64_MIN;
				break;
			}
			if (t < oldest_t) {
				free(oldest);
				oldest = strdup(key), oldest_t = t;
			}
		}
		/* A copy: the key itself goes with the entry. */
		if (oldest == NULL || (oldest_t != INT64_MIN && n < STATE_MAX)) {
			free(oldest);
			return;
		}
		json_object_object_del(o, oldest);
		free(oldest);
	}
}

int
hook_state_put(const char *session_id, const char *key, const char *correlation_id)
{
	struct json_object *o, *entry;
	int fd = state_open(session_id), r;

	if (fd < 0)
		return fd;
	o = state_read(fd);
	state_trim(o, (int64_t)time(NULL));
	entry = json_object_new_array();
	json_object_array_add(entry, json_object_new_string(correlation_id));
	json_object_array_add(entry, json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(o, key, entry);
	r = state_write(fd, o);
	json_object_put(o);
	close(fd);
	return r;
}

int
hook_state_take(const char *session_id, const char *key, char *correlation_id, size_t size)
{
	struct json_object *o, *entry;
	int fd = state_open(session_id), r = -ENOENT;

	if (fd < 0)
		return fd;
	o = state_read(fd);
	if (json_object_object_get_ex(o, key, &entry) && json_object_is_type(entry, json_type_array) &&
	    json_object_is_type(json_object_array_get_idx(entry, 0), json_type_string)) {
		snprintf(correlation_id, size, "%s",
			 json_object_get_string(json_object_array_get_idx(entry, 0)));
		/* A report is accepted once: the entry has done its job. */
		json_object_object_del(o, key);
		r = state_write(fd, o);
	}
	json_object_put(o);
	close(fd);
	return r;
}
