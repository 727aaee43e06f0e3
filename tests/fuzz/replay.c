/* Runs a fuzz target over given files and directories, for builds without libFuzzer. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fuzz.h"

static size_t n_run;

/*
 * Reads the whole file into a buffer of exactly its size, so that a read
 * past the end of the input is caught by ASan as it would be by libFuzzer.
 */
static int
run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "%s: short read\n", path);
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	/* Named first, so that a crash report follows the input's name. */
	fprintf(stderr, "Running: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	n_run++;
	return 0;
}

static int
run_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, r = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	/* Sorted, so that runs are reproducible. */
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *sub;

		if (names[i]->d_name[0] != '.') {
			sub = malloc(strlen(path) + strlen(names[i]->d_name) + 2);
			if (sub == NULL) {
				r = -1;
			} else {
				sprintf(sub, "%s/%s", path, names[i]->d_name);
				if (run_path(sub) < 0)
					r = -1;
				free(sub);
			}
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int
main(int argc, char **argv)
{
	int r = 0;

	for (int i = 1; i < argc; i++) {
		/* libFuzzer's options (-runs=, -dict=, ...) mean nothing here. */
		if (argv[i][0] == '-')
			continue;
		if (run_path(argv[i]) < 0)
			r = 1;
	}
	fprintf(stderr, "replayed %zu inputs\n", n_run);
	/* Nothing replayed means a wrong path, not a pass. */
	if (n_run == 0)
		r = 1;
	return r;
}
