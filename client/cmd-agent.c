/* maestroctl agent ... and whoami: agent identities and who we are. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maestroctl.h"

static void
print_time(const char *label, struct json_object *o, const char *key, const char *none)
{
	struct json_object *v;
	char buf[64];
	time_t t;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		printf("%-14s %s\n", label, none);
		return;
	}
	t = (time_t)json_object_get_int64(v);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	printf("%-14s %s\n", label, buf);
}

static void
join_permissions(struct json_object *a, char *buf, size_t size)
{
	struct json_object *list;
	size_t used = 0;

	buf[0] = '\0';
	if (!json_object_object_get_ex(a, "permissions", &list))
		return;
	for (size_t i = 0; i < json_object_array_length(list) && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "," : "",
					 json_object_get_string(json_object_array_get_idx(list, i)));
}

/* Trust, and usage against the budget: "1200 of 100000 tokens this day (1.2%)". */
static void
print_usage(struct json_object *a)
{
	struct json_object *v;
	const char *period = ctl_text(a, "budget_period");
	int64_t used = ctl_int(a, "tokens_used"), budget = ctl_int(a, "token_budget");

	if (json_object_object_get_ex(a, "trust", &v) && v != NULL)
		printf("%-14s %.3f\n", "trust", json_object_get_double(v));
	if (budget > 0)
		printf("%-14s %lld tokens per %s\n", "budget", (long long)budget,
		       strcmp(period, "total") == 0 ? "lifetime" : period);
	else
		printf("%-14s none\n", "budget");
	if (budget > 0)
		printf("%-14s %lld of %lld tokens %s (%.1f%%)\n", "used", (long long)used,
		       (long long)budget, strcmp(period, "total") == 0 ? "in all" : "this period",
		       100.0 * (double)used / (double)budget);
	else
		printf("%-14s %lld tokens this %s\n", "used", (long long)used,
		       strcmp(period, "total") == 0 ? "lifetime" : period);
	if (json_object_object_get_ex(a, "cost_used", &v) && v != NULL &&
	    json_object_get_double(v) > 0)
		printf("%-14s %.4f this period\n", "cost", json_object_get_double(v));
	printf("%-14s %lld tokens\n", "used in all", (long long)ctl_int(a, "tokens_total"));
}

/* "100000" or "100k", "2M": a token count; "none" is 0, no budget. */
static int
parse_tokens(const char *text, long long *out)
{
	char *end;
	long long n, mult = 1;

	if (strcmp(text, "none") == 0) {
		*out = 0;
		return 0;
	}
	errno = 0;
	n = strtoll(text, &end, 10);
	if (end == text || n < 0 || errno != 0)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		mult = 1000, end++;
	else if (*end == 'M')
		mult = 1000000, end++;
	if (*end != '\0' || n > INT64_MAX / 2 / mult)
		return -EINVAL;
	*out = n * mult;
	return 0;
}

static void
print_agent(struct json_object *a)
{
	char perms[256];

	join_permissions(a, perms, sizeof perms);
	printf("%-14s %s\n", "id", ctl_text(a, "id"));
	printf("%-14s %s\n", "role", ctl_text(a, "role"));
	printf("%-14s %s%s%s\n", "status", ctl_text(a, "status"),
	       ctl_text(a, "suspend_reason")[0] ? ": " : "", ctl_text(a, "suspend_reason"));
	printf("%-14s %s\n", "permissions", perms);
	printf("%-14s %s\n", "description", ctl_text(a, "description"));
	print_time("created", a, "created_at", "?");
	print_time("updated", a, "updated_at", "?");
	print_time("expires", a, "expires_at", "never");
	print_time("token created", a, "token_created_at", "?");
	print_time("token expires", a, "token_expires_at", "never");
	print_usage(a);
}

/*
 * Saves the token 0600 with --token-file, or prints it once with a warning
 * that it will not be shown again. With --json the result is printed too;
 * a token that went to a file is left out of it.
 */
static int
deliver_token(struct ctl *ctl, struct json_object *r, const char *token_file)
{
	const char *token = ctl_text(r, "token");
	int fd;

	if (token_file == NULL) {
		if (ctl->json) {
			ctl_print_json(r);
			return EXIT_OK;
		}
		printf("%s\n", token);
		fprintf(stderr, "maestroctl: this token is shown once; store it now "
				"(or use --token-file next time)\n");
		return EXIT_OK;
	}
	fd = open(token_file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0 || dprintf(fd, "%s\n", token) < 0 || close(fd) < 0) {
		fprintf(stderr, "maestroctl: cannot write the token to %s: %s; here it is, once:\n%s\n",
			token_file, strerror(errno), token);
		return EXIT_ERROR;
	}
	if (ctl->json) {
		json_object_object_del(r, "token");
		json_object_object_add(r, "token_file", json_object_new_string(token_file));
		ctl_print_json(r);
	} else {
		fprintf(stderr, "token written to %s (mode 0600)\n", token_file);
	}
	return EXIT_OK;
}

static int
run(struct ctl *ctl, const char *method, struct json_object *params, struct json_object **out)
{
	struct json_object *r = NULL;
	int ec = ctl_call(ctl, method, params, &r);

	if (ec != EXIT_OK)
		return ec;
	if (ctl->json && out == NULL)
		ctl_print_json(r);
	if (out != NULL)
		*out = r;
	else
		json_object_put(r);
	return EXIT_OK;
}

static struct json_object *
id_params(const char *id)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "id", json_object_new_string(id));
	return p;
}

static int
agent_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "grant", required_argument, NULL, 'g' },
		{ "expires", required_argument, NULL, 'e' },
		{ "token-expires", required_argument, NULL, 'E' },
		{ "description", required_argument, NULL, 'd' },
		{ "token-file", required_argument, NULL, 'f' },
		{ "budget", required_argument, NULL, 'b' },
		{ "budget-period", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *p = json_object_new_object(), *grants = json_object_new_array(), *r;
	const char *role = NULL, *token_file = NULL;
	long long secs, tokens;
	int c, ec;

	/* 0, not 1: glibc then forgets the state of the previous parse. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "r:g:e:E:d:f:b:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': role = optarg; break;
		case 'g': json_object_array_add(grants, json_object_new_string(optarg)); break;
		case 'e':
		case 'E':
			if (ctl_parse_duration(optarg, &secs) < 0)
				goto usage;
			json_object_object_add(p, c == 'e' ? "expires_in" : "token_expires_in",
					       json_object_new_int64(secs));
			break;
		case 'd': json_object_object_add(p, "description", json_object_new_string(optarg)); break;
		case 'f': token_file = optarg; break;
		case 'b':
			if (parse_tokens(optarg, &tokens) < 0)
				goto usage;
			json_object_object_add(p, "token_budget", json_object_new_int64(tokens));
			break;
		case 'p': json_object_object_add(p, "budget_period", json_object_new_string(optarg)); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || role == NULL)
		goto usage;
	json_object_object_add(p, "id", json_object_new_string(argv[optind]));
	json_object_object_add(p, "role", json_object_new_string(role));
	json_object_object_add(p, "permissions", grants);
	ec = run(ctl, "agent.register", p, &r);
	if (ec != EXIT_OK)
		return ec;
	ec = deliver_token(ctl, r, token_file);
	if (ec == EXIT_OK && !ctl->json && token_file != NULL)
		printf("agent %s registered\n", argv[optind]);
	json_object_put(r);
	return ec;
usage:
	json_object_put(p);
	json_object_put(grants);
	fprintf(stderr, "usage: maestroctl agent add NAME --role ROLE [--grant PERM]... "
			"[--expires DURATION] [--token-expires DURATION] [--description TEXT] "
			"[--token-file PATH] [--budget TOKENS] [--budget-period day|week|month|total]\n");
	return EXIT_USAGE;
}

static int
agent_budget(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *p, *r, *a;
	const char *period = NULL;
	long long tokens;
	int c, ec;

	/* 0, not 1: glibc then forgets the state of the previous parse. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "p:", opts, NULL)) != -1) {
		if (c != 'p')
			goto usage;
		period = optarg;
	}
	if (optind != argc - 2 || parse_tokens(argv[optind + 1], &tokens) < 0)
		goto usage;
	p = id_params(argv[optind]);
	json_object_object_add(p, "token_budget", json_object_new_int64(tokens));
	if (period != NULL)
		json_object_object_add(p, "budget_period", json_object_new_string(period));
	ec = run(ctl, "agent.set_budget", p, ctl->json ? NULL : &r);
	if (ec != EXIT_OK || ctl->json)
		return ec;
	json_object_object_get_ex(r, "agent", &a);
	if (tokens > 0)
		printf("agent %s: budget %lld tokens per %s\n", argv[optind], tokens,
		       ctl_text(a, "budget_period"));
	else
		printf("agent %s: no token budget\n", argv[optind]);
	json_object_put(r);
	return EXIT_OK;
usage:
	fprintf(stderr, "usage: maestroctl agent budget NAME TOKENS|none "
			"[--period day|week|month|total]\n");
	return EXIT_USAGE;
}

static int
agent_list(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r, *list;
	int ec;

	if (argc != 1) {
		fprintf(stderr, "usage: maestroctl agent list\n");
		return EXIT_USAGE;
	}
	ec = run(ctl, "agent.list", NULL, ctl->json ? NULL : &r);
	if (ec != EXIT_OK || ctl->json)
		return ec;
	json_object_object_get_ex(r, "agents", &list);
	if (json_object_array_length(list) == 0) {
		printf("no agents; register one with: maestroctl agent add NAME --role ROLE\n");
	} else {
		printf("%-24s %-11s %-10s %-5s %s\n", "ID", "ROLE", "STATUS", "TRUST", "PERMISSIONS");
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *a = json_object_array_get_idx(list, i), *t;
			char perms[256];

			join_permissions(a, perms, sizeof perms);
			json_object_object_get_ex(a, "trust", &t);
			printf("%-24s %-11s %-10s %5.2f %s\n", ctl_text(a, "id"),
			       ctl_text(a, "role"), ctl_text(a, "status"), json_object_get_double(t),
			       perms);
		}
	}
	json_object_put(r);
	return EXIT_OK;
}

/* show, suspend, resume, rm: one agent named, maybe a reason. */
static int
agent_simple(struct ctl *ctl, int argc, char **argv)
{
	static const struct {
		const char *verb, *method, *done;
	} verbs[] = {
		{ "show", "agent.show", NULL },
		{ "suspend", "agent.suspend", "suspended" },
		{ "resume", "agent.resume", "resumed" },
		{ "rm", "agent.delete", "deleted (its audit history stays)" },
	};
	struct json_object *p, *r, *a;
	size_t v;
	int ec;

	for (v = 0; v < sizeof verbs / sizeof verbs[0]; v++)
		if (strcmp(argv[0], verbs[v].verb) == 0)
			break;
	if (argc < 2 || argc > (strcmp(argv[0], "suspend") == 0 ? 3 : 2)) {
		fprintf(stderr, "usage: maestroctl agent %s NAME%s\n", argv[0],
			strcmp(argv[0], "suspend") == 0 ? " [REASON]" : "");
		return EXIT_USAGE;
	}
	p = id_params(argv[1]);
	if (argc == 3)
		json_object_object_add(p, "reason", json_object_new_string(argv[2]));
	ec = run(ctl, verbs[v].method, p, ctl->json ? NULL : &r);
	if (ec != EXIT_OK || ctl->json)
		return ec;
	if (verbs[v].done == NULL && json_object_object_get_ex(r, "agent", &a))
		print_agent(a);
	else
		printf("agent %s %s\n", argv[1], verbs[v].done);
	json_object_put(r);
	return EXIT_OK;
}

static int
agent_permissions(struct ctl *ctl, int argc, char **argv)
{
	bool grant = strcmp(argv[0], "grant") == 0;
	struct json_object *p, *list, *r, *a;
	char perms[256];
	int ec;

	if (argc < 3) {
		fprintf(stderr, "usage: maestroctl agent %s NAME PERMISSION...\n", argv[0]);
		return EXIT_USAGE;
	}
	p = id_params(argv[1]);
	list = json_object_new_array();
	for (int i = 2; i < argc; i++)
		json_object_array_add(list, json_object_new_string(argv[i]));
	json_object_object_add(p, "permissions", list);
	ec = run(ctl, grant ? "agent.grant" : "agent.revoke", p, ctl->json ? NULL : &r);
	if (ec != EXIT_OK || ctl->json)
		return ec;
	json_object_object_get_ex(r, "agent", &a);
	join_permissions(a, perms, sizeof perms);
	printf("agent %s now holds: %s\n", argv[1], perms[0] ? perms : "(nothing)");
	json_object_put(r);
	return EXIT_OK;
}

static int
agent_rotate(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token-expires", required_argument, NULL, 'E' },
		{ "token-file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *p = NULL, *r;
	const char *token_file = NULL;
	long long secs = 0;
	int c, ec;

	/* 0, not 1: glibc then forgets the state of the previous parse. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "E:f:", opts, NULL)) != -1) {
		if (c == 'E' && ctl_parse_duration(optarg, &secs) == 0)
			continue;
		if (c == 'f') {
			token_file = optarg;
			continue;
		}
		goto usage;
	}
	if (optind != argc - 1)
		goto usage;
	p = id_params(argv[optind]);
	if (secs > 0)
		json_object_object_add(p, "token_expires_in", json_object_new_int64(secs));
	ec = run(ctl, "agent.rotate_token", p, &r);
	if (ec != EXIT_OK)
		return ec;
	ec = deliver_token(ctl, r, token_file);
	json_object_put(r);
	return ec;
usage:
	fprintf(stderr, "usage: maestroctl agent rotate NAME [--token-expires DURATION] "
			"[--token-file PATH]\n");
	return EXIT_USAGE;
}

static const struct command agent_subcommands[] = {
	{ "add", "NAME --role ROLE", "register an agent and print its token once", agent_add },
	{ "list", "", "list the agents", agent_list },
	{ "show", "NAME", "show one agent", agent_simple },
	{ "grant", "NAME PERM...", "add permissions", agent_permissions },
	{ "revoke", "NAME PERM...", "remove permissions", agent_permissions },
	{ "suspend", "NAME [REASON]", "stop an agent from authenticating", agent_simple },
	{ "resume", "NAME", "let a suspended agent back in", agent_simple },
	{ "rotate", "NAME", "issue a new token; the old one stops working", agent_rotate },
	{ "budget", "NAME TOKENS|none", "set or remove a token budget", agent_budget },
	{ "rm", "NAME", "delete an agent (its audit history stays)", agent_simple },
	{ NULL, NULL, NULL, NULL },
};

static int
cmd_agent(struct ctl *ctl, int argc, char **argv)
{
	if (argc >= 2)
		for (const struct command *c = agent_subcommands; c->name != NULL; c++)
			if (strcmp(c->name, argv[1]) == 0)
				return c->run(ctl, argc - 1, argv + 1);
	fprintf(stderr, "usage: maestroctl agent COMMAND [ARGS]\n\ncommands:\n");
	for (const struct command *c = agent_subcommands; c->name != NULL; c++)
		fprintf(stderr, "  %-8s %-18s %s\n", c->name, c->args, c->summary);
	return EXIT_USAGE;
}

static int
cmd_whoami(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r, *a, *peer;
	int ec;

	if (argc != 1) {
		fprintf(stderr, "usage: maestroctl [--agent NAME] whoami\n");
		return EXIT_USAGE;
	}
	ec = run(ctl, "session.whoami", NULL, ctl->json ? NULL : &r);
	if (ec != EXIT_OK || ctl->json)
		return ec;
	json_object_object_get_ex(r, "peer", &peer);
	if (json_object_object_get_ex(r, "agent", &a) && a != NULL)
		printf("agent %s (%s), from uid %s pid %s\n", ctl_text(a, "id"),
		       ctl_text(a, "role"), ctl_text(peer, "uid"), ctl_text(peer, "pid"));
	else
		printf("uid %s pid %s, not speaking for an agent: administrator\n",
		       ctl_text(peer, "uid"), ctl_text(peer, "pid"));
	json_object_put(r);
	return EXIT_OK;
}

const struct command agent_commands[] = {
	{ "agent", "COMMAND ...", "register and manage agents (administrators)", cmd_agent },
	{ "whoami", "", "show which agent or user maestrod sees", cmd_whoami },
	{ NULL, NULL, NULL, NULL },
};
