/* maestroctl approvals, approve and deny: a person answers what maestrod asks. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maestroctl.h"

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *
local_time(int64_t us, char *buf, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm);
	return buf;
}

/* One line of the table: ID AGE AGENT RISK [STATUS] SUMMARY. */
static void
print_line(struct json_object *a, bool with_status)
{
	char age[16], agent[64], summary[256];

	printf("%-20s %5s %-16s %-8s ", ctl_text(a, "id"),
	       ctl_span(now_us() - ctl_int(a, "created_us"), age, sizeof age),
	       ctl_safe(ctl_text(a, "agent"), agent, sizeof agent), ctl_text(a, "risk_level"));
	if (with_status)
		printf("%-8s ", ctl_text(a, "status"));
	printf("%s\n", ctl_safe(ctl_text(a, "summary"), summary, sizeof summary));
}

/* "approved once by uid 1000 at ...", "approved by uid 1000 until ...", "denied by ...: note" */
static void
print_decision(struct json_object *a)
{
	char when[64], until[64], note[1100];
	const char *status = ctl_text(a, "status");

	if (!json_object_object_get_ex(a, "decided_uid", NULL) ||
	    json_object_object_get(a, "decided_uid") == NULL) {
		printf("%s\n", status);
		return;
	}
	printf("%s by uid %lld at %s", status, (long long)ctl_int(a, "decided_uid"),
	       local_time(ctl_int(a, "decided_us"), when, sizeof when));
	if (strcmp(ctl_text(a, "scope"), "window") == 0 && ctl_int(a, "until_us") > 0)
		printf(", until %s", local_time(ctl_int(a, "until_us"), until, sizeof until));
	else if (strcmp(status, "approved") == 0 || strcmp(status, "used") == 0)
		printf(", once");
	if (ctl_text(a, "note")[0])
		printf(": %s", ctl_safe(ctl_text(a, "note"), note, sizeof note));
	printf("\n");
}

static void
print_approval(struct json_object *a)
{
	char buf[1024], when[64];
	struct json_object *request, *v;

	printf("%-12s %s\n", "id", ctl_text(a, "id"));
	printf("%-12s %s\n", "agent", ctl_safe(ctl_text(a, "agent"), buf, sizeof buf));
	printf("%-12s %s\n", "risk", ctl_text(a, "risk_level"));
	printf("%-12s %s\n", "summary", ctl_safe(ctl_text(a, "summary"), buf, sizeof buf));
	printf("%-12s %s (%s ago)\n", "asked",
	       local_time(ctl_int(a, "created_us"), when, sizeof when),
	       ctl_span(now_us() - ctl_int(a, "created_us"), buf, sizeof buf));
	if (strcmp(ctl_text(a, "status"), "pending") == 0)
		printf("%-12s %s (in %s)\n", "expires",
		       local_time(ctl_int(a, "expires_us"), when, sizeof when),
		       ctl_span(ctl_int(a, "expires_us") - now_us(), buf, sizeof buf));
	printf("%-12s ", "status");
	print_decision(a);
	printf("%-12s %s\n", "correlation", ctl_text(a, "correlation_id"));
	if (json_object_object_get_ex(a, "request", &request) && request != NULL) {
		if (json_object_object_get_ex(request, "question", &v) && v != NULL)
			printf("%-12s %s\n", "question",
			       ctl_safe(json_object_get_string(v), buf, sizeof buf));
		/* Pretty JSON escapes every control character, so it is safe as it is. */
		printf("request\n%s\n", json_object_to_json_string_ext(
						request, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
}

/* One event of --watch, as a line; a new request rings the terminal's bell. */
static void
print_event(const char *event, struct json_object *a, bool json, bool bell)
{
	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "event", json_object_new_string(event));
		json_object_object_add(o, "approval", json_object_get(a));
		ctl_print_json(o);
		json_object_put(o);
	} else {
		printf("%-9s ", event);
		print_line(a, false);
		if (strcmp(event, "decided") == 0) {
			printf("%-9s ", "");
			print_decision(a);
		}
		if (bell && strcmp(event, "requested") == 0)
			fputc('\a', stdout);
	}
	fflush(stdout);
}

/* Subscribes first, so nothing asked meanwhile is missed; then shows what waits already. */
static int
approvals_watch(struct ctl *ctl, bool json)
{
	struct json_object *r = NULL, *params, *list;
	bool bell = !json && isatty(STDOUT_FILENO);
	int ec;

	ec = ctl_call(ctl, "approval.subscribe", NULL, &r);
	if (ec != EXIT_OK)
		return ec;
	json_object_put(r);
	params = json_object_new_object();
	json_object_object_add(params, "status", json_object_new_string("pending"));
	ec = ctl_call(ctl, "approval.list", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (!json)
		fprintf(stderr, "watching for approvals; ^C to stop\n");
	list = json_object_object_get(r, "approvals");
	/* Oldest first, as they would have arrived. */
	for (size_t i = json_object_array_length(list); i > 0; i--)
		print_event("pending", json_object_array_get_idx(list, i - 1), json, false);
	json_object_put(r);
	for (;;) {
		struct rpc_response resp;
		int rc = rpc_next_message(&ctl->rpc, -1, &resp);

		if (rc < 0) {
			rpc_response_clear(&resp);
			fprintf(stderr, "maestroctl: %s\n",
				rc == -ECONNRESET ? "maestrod closed the connection" : strerror(-rc));
			return rc == -EPROTO ? EXIT_PROTOCOL : EXIT_UNREACHABLE;
		}
		if (resp.method != NULL && strncmp(resp.method, "approval.", 9) == 0)
			print_event(resp.method + 9, resp.params, json, bell);
		rpc_response_clear(&resp);
	}
}

static int
approvals_show(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *params, *r = NULL;
	bool json = ctl->json;
	const char *id = NULL;
	int ec;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (id == NULL && argv[i][0] != '-')
			id = argv[i];
		else
			goto usage;
	}
	if (id == NULL)
		goto usage;
	params = json_object_new_object();
	json_object_object_add(params, "id", json_object_new_string(id));
	ec = ctl_call(ctl, "approval.show", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (json)
		ctl_print_json(r);
	else
		print_approval(r);
	json_object_put(r);
	return EXIT_OK;
usage:
	fprintf(stderr, "usage: maestroctl approvals show ID [--json]\n");
	return EXIT_USAGE;
}

static int
cmd_approvals(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "watch", no_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *params, *r = NULL, *list;
	bool all = false, watch = false, json = ctl->json;
	int c, ec;

	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return approvals_show(ctl, argc - 1, argv + 1);
	optind = 0; /* 0: glibc forgets the state of the previous parse */
	while ((c = getopt_long(argc, argv, "awj", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'w': watch = true; break;
		case 'j': json = true; break;
		default: goto usage;
		}
	}
	if (optind != argc || (all && watch))
		goto usage;
	if (watch)
		return approvals_watch(ctl, json);
	params = json_object_new_object();
	json_object_object_add(params, "status", json_object_new_string(all ? "live" : "pending"));
	ec = ctl_call(ctl, "approval.list", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (json) {
		ctl_print_json(r);
		json_object_put(r);
		return EXIT_OK;
	}
	list = json_object_object_get(r, "approvals");
	if (json_object_array_length(list) == 0) {
		printf(all ? "nothing waits for a person, and no decision is live\n"
			   : "nothing waits for a person\n");
	} else {
		printf("%-20s %5s %-16s %-8s %s%s\n", "ID", "AGE", "AGENT", "RISK", all ? "STATUS   " : "",
		       "SUMMARY");
		for (size_t i = 0; i < json_object_array_length(list); i++)
			print_line(json_object_array_get_idx(list, i), all);
	}
	json_object_put(r);
	return EXIT_OK;
usage:
	fprintf(stderr, "usage: maestroctl approvals [--all] [--json]\n"
			"       maestroctl approvals --watch [--json]\n"
			"       maestroctl approvals show ID [--json]\n");
	return EXIT_USAGE;
}

/* approve and deny: argv[0] says which. */
static int
cmd_decide(struct ctl *ctl, int argc, char **argv)
{
	static const struct option approve_opts[] = {
		{ "for", required_argument, NULL, 'f' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	bool approve = strcmp(argv[0], "approve") == 0;
	/* A denial answers one evaluation; it has no window. */
	const struct option *opts = approve ? approve_opts : approve_opts + 1;
	const char *note = NULL;
	struct json_object *params, *r = NULL;
	long long window = 0;
	char scope[48], agent[80], summary[256];
	int c, ec;

	optind = 0;
	/* No '+': the options may come after the id. */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (ctl_parse_duration(optarg, &window) < 0)
				return EXIT_USAGE;
			break;
		case 'n': note = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	if (window > 0)
		snprintf(scope, sizeof scope, "for %llds", window);
	else
		snprintf(scope, sizeof scope, "once");
	params = json_object_new_object();
	json_object_object_add(params, "id", json_object_new_string(argv[optind]));
	json_object_object_add(params, "decision", json_object_new_string(approve ? "approve" : "deny"));
	json_object_object_add(params, "scope", json_object_new_string(scope));
	if (note != NULL)
		json_object_object_add(params, "note", json_object_new_string(note));
	ec = ctl_call(ctl, "approval.decide", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json) {
		ctl_print_json(r);
	} else {
		printf("%s %s (%s: %s): ", approve ? "approved" : "denied", ctl_text(r, "id"),
		       ctl_safe(ctl_text(r, "agent"), agent, sizeof agent),
		       ctl_safe(ctl_text(r, "summary"), summary, sizeof summary));
		print_decision(r);
	}
	json_object_put(r);
	return EXIT_OK;
usage:
	fprintf(stderr, approve ? "usage: maestroctl approve ID [--for DURATION] [--note TEXT]\n"
				: "usage: maestroctl deny ID [--note TEXT]\n");
	return EXIT_USAGE;
}

const struct command approval_commands[] = {
	{ "approvals", "[--all|--watch]", "what waits for a person; also approvals show ID",
	  cmd_approvals },
	{ "approve", "ID [--for D]", "let an agent go ahead, once or for a while [--note TEXT]",
	  cmd_decide },
	{ "deny", "ID [--note TEXT]", "refuse what an agent asked, telling it why", cmd_decide },
	{ NULL, NULL, NULL, NULL },
};
