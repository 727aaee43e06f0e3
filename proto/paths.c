/* Where clients find maestrod: the default socket path. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

char *
maestro_default_socket_path(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char *p = NULL;

	if (geteuid() == 0)
		return strdup("/run/maestro/maestrod.sock");
	if (run == NULL || run[0] != '/')
		return NULL;
	if (asprintf(&p, "%s/maestro/maestrod.sock", run) < 0)
		return NULL;
	return p;
}
