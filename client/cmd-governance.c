/* maestroctl evaluate: ask maestrod whether an action may run, as an agent. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maestroctl.h"

/* The command-line names of action kinds, and what each takes. */
static const struct {
	const char *word, *kind, *member;
} kinds[] = {
	{ "shell", "shell", "command" },	 { "file-read", "file_read", "path" },
	{ "file-write", "file_write", "path" },	 { "file-delete", "file_delete", "path" },
	{ "network", "network", "url" },	 { "mcp", "mcp_tool", "server" },
	{ "prompt", "prompt", "text" },
};

static void
print_decision(struct json_object *r)
{
	struct json_object *v, *reasons, *checks;
	const char *decision = "?", *risk = "?";

	if (json_object_object_get_ex(r, "decision", &v))
		decision = json_object_get_string(v);
	if (json_object_object_get_ex(r, "risk_level", &v))
		risk = json_object_get_string(v);
	printf("%s (risk %s)\n", decision, risk);
	if (json_object_object_get_ex(r, "reasons", &reasons))
		for (size_t i = 0; i < json_object_array_length(reasons); i++) {
			struct json_object *e = json_object_array_get_idx(reasons, i), *s, *ru, *t;

			json_object_object_get_ex(e, "subagent", &s);
			json_object_object_get_ex(e, "rule", &ru);
			json_object_object_get_ex(e, "text", &t);
			printf("  %-8s %-28s %s\n", json_object_get_string(s), json_object_get_string(ru),
			       json_object_get_string(t));
		}
	if (json_object_object_get_ex(r, "ask", &v) && json_object_object_get_ex(v, "question", &v))
		printf("a person must decide: %s\n", json_object_get_string(v));
	if (json_object_object_get_ex(r, "checks", &checks)) {
		printf("checks:");
		json_object_object_foreach(checks, name, c) {
			struct json_object *us;

			json_object_object_get_ex(c, "usec", &us);
			printf(" %s %lld us", name, (long long)json_object_get_int64(us));
		}
		printf("\n");
	}
	if (json_object_object_get_ex(r, "correlation_id", &v))
		printf("correlation %s", json_object_get_string(v));
	if (json_object_object_get_ex(r, "audit_seq", &v) && v != NULL)
		printf(", audit #%lld", (long long)json_object_get_int64(v));
	printf("\n");
}

static int
cmd_evaluate(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "risk", required_argument, NULL, 'r' },
		{ "cwd", required_argument, NULL, 'c' },
		{ "workspace", required_argument, NULL, 'w' },
		{ "description", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *params, *action, *r = NULL, *v;
	const char *risk = NULL, *cwd = NULL, *workspace = NULL, *description = NULL;
	char here[4096];
	size_t k;
	int c, ec;

	optind = 0; /* 0: glibc forgets the state of the previous parse */
	while ((c = getopt_long(argc, argv, "+r:c:w:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': risk = optarg; break;
		case 'c': cwd = optarg; break;
		case 'w': workspace = optarg; break;
		case 'd': description = optarg; break;
		default: goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		if (strcmp(argv[optind], kinds[k].word) == 0)
			break;
	if (k == sizeof kinds / sizeof kinds[0] || optind + 1 >= argc)
		goto usage;
	if (strcmp(kinds[k].word, "mcp") == 0 ? argc - optind < 3 || argc - optind > 4
					      : argc - optind != 2)
		goto usage;

	action = json_object_new_object();
	json_object_object_add(action, "kind", json_object_new_string(kinds[k].kind));
	json_object_object_add(action, kinds[k].member, json_object_new_string(argv[optind + 1]));
	if (strcmp(kinds[k].word, "mcp") == 0) {
		json_object_object_add(action, "tool", json_object_new_string(argv[optind + 2]));
		if (argc - optind == 4) {
			struct json_object *args = json_tokener_parse(argv[optind + 3]);

			if (args == NULL) {
				json_object_put(action);
				fprintf(stderr, "maestroctl: the MCP arguments are not JSON: %s\n",
					argv[optind + 3]);
				return EXIT_USAGE;
			}
			json_object_object_add(action, "arguments", args);
		}
	}
	/* Where maestroctl runs is where the action would run, unless told otherwise. */
	if (cwd == NULL && getcwd(here, sizeof here) != NULL)
		cwd = here;
	if (cwd != NULL)
		json_object_object_add(action, "cwd", json_object_new_string(cwd));
	json_object_object_add(action, "workspace", json_object_new_string(workspace ? workspace : cwd ? cwd : "/"));
	if (description != NULL)
		json_object_object_add(action, "description", json_object_new_string(description));
	params = json_object_new_object();
	json_object_object_add(params, "action", action);
	if (risk != NULL)
		json_object_object_add(params, "risk_level", json_object_new_string(risk));

	ec = ctl_call(ctl, "governance.evaluate", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json)
		ctl_print_json(r);
	else
		print_decision(r);
	ec = EXIT_OK;
	if (json_object_object_get_ex(r, "decision", &v)) {
		if (strcmp(json_object_get_string(v), "deny") == 0)
			ec = EXIT_DENIED;
		else if (strcmp(json_object_get_string(v), "ask") == 0)
			ec = EXIT_ASK;
	}
	json_object_put(r);
	return ec;
usage:
	fprintf(stderr, "usage: maestroctl [--agent NAME] evaluate [--risk LEVEL] [--cwd DIR] "
			"[--workspace DIR] [--description TEXT]\n"
			"         shell CMD | file-read PATH | file-write PATH | file-delete PATH |\n"
			"         network URL | mcp SERVER TOOL [JSON] | prompt TEXT\n");
	return EXIT_USAGE;
}

const struct command governance_commands[] = {
	{ "evaluate", "KIND ARG", "ask whether an action may run (exit 0 allow, 3 deny, 4 ask)",
	  cmd_evaluate },
	{ NULL, NULL, NULL, NULL },
};
