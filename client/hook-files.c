/* Settings files for maestroctl hook install: read whole, written whole, shown as a diff. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook-files.h"

/* The whole file, or NULL with *r = -ENOENT when there is none. */
char *
hook_read_file(const char *path, int *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		*r = -errno;
		return NULL;
	}
	buf = malloc(SETTINGS_MAX + 1);
	if (buf != NULL)
		len = fread(buf, 1, SETTINGS_MAX + 1, f);
	*r = buf == NULL ? -ENOMEM : ferror(f) ? -EIO : len > SETTINGS_MAX ? -EFBIG : 0;
	fclose(f);
	if (*r < 0 || memchr(buf, '\0', len) != NULL) {
		*r = *r < 0 ? *r : -EINVAL;
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* Makes the directories above path, 0700 where new. */
int
hook_make_parents(const char *path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof dir, "%s", path);
	for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/*
 * Replaces path's contents with text, through a temporary file and a
 * rename, so an agent reading it meanwhile sees the old or the new file,
 * never half. A symlink (dotfiles) is written through, and the mode kept.
 */
int
hook_write_file(const char *path, const char *text, mode_t new_mode)
{
	char real[PATH_MAX], tmp[PATH_MAX + 32];
	const char *target = realpath(path, real) ? real : path;
	struct stat st;
	size_t len = strlen(text);
	int fd, r = 0;

	if ((r = hook_make_parents(target)) < 0)
		return r;
	snprintf(tmp, sizeof tmp, "%s.maestro-XXXXXX", target);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, stat(target, &st) == 0 ? st.st_mode & 07777 : new_mode) < 0 ||
	    write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = -errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, target) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/* A line diff, enough to read: the common head and tail skipped, the middle shown. */
void
hook_print_diff(const char *path, const char *before, const char *after)
{
	const char *b = before ? before : "", *a = after ? after : "";
	size_t bl = strlen(b), al = strlen(a), head = 0, tail = 0, line = 1;

	while (head < bl && head < al && b[head] == a[head])
		head++;
	while (head > 0 && b[head - 1] != '\n')
		head--;
	while (tail < bl - head && tail < al - head && b[bl - 1 - tail] == a[al - 1 - tail])
		tail++;
	while (tail > 0 && b[bl - tail] != '\n' && bl - tail > head)
		tail--;
	for (size_t i = 0; i < head; i++)
		line += b[i] == '\n';
	printf("--- %s%s\n+++ %s%s\n@@ line %zu @@\n", path, before ? "" : " (does not exist)", path,
	       after ? "" : " (removed)", line);
	for (const char *p = b + head; p < b + bl - tail;) {
		const char *nl = memchr(p, '\n', (size_t)(b + bl - tail - p));
		int n = nl ? (int)(nl - p) : (int)(b + bl - tail - p);

		printf("-%.*s\n", n, p);
		p += n + 1;
	}
	for (const char *p = a + head; p < a + al - tail;) {
		const char *nl = memchr(p, '\n', (size_t)(a + al - tail - p));
		int n = nl ? (int)(nl - p) : (int)(a + al - tail - p);

		printf("+%.*s\n", n, p);
		p += n + 1;
	}
}
