/* Default location of the database, and making the directories maestrod needs. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

/* $XDG_STATE_HOME/maestro/maestro.db for a user, /var/lib/maestro/ for root. */
char *
paths_default_db(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *p = NULL;
	int r;

	if (geteuid() == 0)
		return strdup("/var/lib/maestro/maestro.db");
	if (state != NULL && state[0] == '/')
		r = asprintf(&p, "%s/maestro/maestro.db", state);
	else if (home != NULL && home[0] == '/')
		r = asprintf(&p, "%s/.local/state/maestro/maestro.db", home);
	else
		return NULL;
	return r < 0 ? NULL : p;
}

/*
 * Creates the directory that will hold path, and any missing parents, with
 * mode. A directory that already exists is left as its owner made it.
 * Returns 1 when it created the directory, 0 when it was there.
 */
int
paths_make_parent(const char *path, mode_t mode)
{
	char dir[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof dir)
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, mode) < 0) {
		if (errno != EEXIST)
			return -errno;
		return 0;
	}
	/* mkdir() honours the umask; the mode we were asked for is the one we want. */
	if (chmod(dir, mode) < 0)
		return -errno;
	return 1;
}
