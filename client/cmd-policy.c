/* maestroctl policy check|show: validate a policy file, print the running policy. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maestroctl.h"

/* A policy file is at most 1 MiB; maestrod refuses more anyway. */
#define POLICY_FILE_MAX (1024 * 1024)

static int
policy_check(struct ctl *ctl, const char *path)
{
	struct json_object *params, *r = NULL;
	char *buf = malloc(POLICY_FILE_MAX + 1);
	FILE *f = fopen(path, "re");
	size_t n;
	int ec;

	if (buf == NULL || f == NULL) {
		fprintf(stderr, "maestroctl: cannot read %s: %s\n", path, strerror(errno));
		free(buf);
		if (f)
			fclose(f);
		return EXIT_ERROR;
	}
	n = fread(buf, 1, POLICY_FILE_MAX + 1, f);
	fclose(f);
	if (n > POLICY_FILE_MAX) {
		fprintf(stderr, "maestroctl: %s: larger than 1 MiB\n", path);
		free(buf);
		return EXIT_ERROR;
	}
	params = json_object_new_object();
	json_object_object_add(params, "file", json_object_new_string(path));
	json_object_object_add(params, "text", json_object_new_string_len(buf, (int)n));
	free(buf);
	ec = ctl_call(ctl, "policy.check", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json)
		ctl_print_json(r);
	else
		printf("%s: ok (%lld rules)\n", path,
		       (long long)json_object_get_int64(json_object_object_get(r, "rules")));
	json_object_put(r);
	return EXIT_OK;
}

static int
cmd_policy(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r = NULL;
	int ec;

	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return policy_check(ctl, argv[2]);
	if (argc == 2 && strcmp(argv[1], "show") == 0) {
		ec = ctl_call(ctl, "policy.show", NULL, &r);
		if (ec != EXIT_OK)
			return ec;
		if (ctl->json)
			ctl_print_json(r);
		else
			fputs(json_object_get_string(json_object_object_get(r, "text")), stdout);
		json_object_put(r);
		return EXIT_OK;
	}
	fprintf(stderr, "usage: maestroctl policy check FILE | policy show\n");
	return EXIT_USAGE;
}

const struct command policy_commands[] = {
	{ "policy", "check FILE|show", "validate a policy file, or print the running one", cmd_policy },
	{ NULL, NULL, NULL, NULL },
};
