/* maestroctl evaluate and report: ask whether an action may run, then tell how it went. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maestroctl.h"
#include "utf8.h"

/* The most of a tool's output a report carries; maestrod's default max_line is as long. */
#define REPORT_OUTPUT_MAX (1024 * 1024)

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
	if (json_object_object_get_ex(r, "ask", &v)) {
		struct json_object *q, *id;

		if (json_object_object_get_ex(v, "question", &q))
			printf("a person must decide: %s\n", json_object_get_string(q));
		/* Where the person goes: the command that answers this ask. */
		if (json_object_object_get_ex(v, "approval_id", &id))
			printf("approval %s: maestroctl approve %s (or deny %s)\n",
			       json_object_get_string(id), json_object_get_string(id),
			       json_object_get_string(id));
	}
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

/* The verdict's exit code: 0 allow, 3 deny, 4 ask. */
static int
decision_exit(struct json_object *r)
{
	struct json_object *v;

	if (!json_object_object_get_ex(r, "decision", &v))
		return EXIT_OK;
	if (strcmp(json_object_get_string(v), "deny") == 0)
		return EXIT_DENIED;
	if (strcmp(json_object_get_string(v), "ask") == 0)
		return EXIT_ASK;
	return EXIT_OK;
}

/*
 * evaluate --wait: the decision was ask; wait up to wait_s for a person on
 * the same connection (still the agent's), and once decided, evaluate the
 * same action again, which the decision now answers. Takes over params.
 */
static int
evaluate_wait(struct ctl *ctl, struct json_object *params, struct json_object *first,
	      long long wait_s)
{
	struct json_object *ask, *p, *w = NULL, *r = NULL;
	const char *id, *decision, *status;
	bool approved;
	int saved = ctl->rpc.timeout_ms, ec;

	if (!json_object_object_get_ex(first, "ask", &ask) ||
	    (id = json_object_get_string(json_object_object_get(ask, "approval_id"))) == NULL) {
		/* An ask with nothing to wait for (an older maestrod): as without --wait. */
		json_object_put(params);
		return EXIT_ASK;
	}
	if (!ctl->json)
		fprintf(stderr, "waiting up to %llds for a person to decide approval %s "
				"(maestroctl approve %s)\n", wait_s, id, id);
	p = json_object_new_object();
	json_object_object_add(p, "id", json_object_new_string(id));
	json_object_object_add(p, "timeout", json_object_new_int64(wait_s));
	/* maestrod answers within wait_s; the usual timeout is for the answer after that. */
	if (ctl->rpc.timeout_ms > 0)
		ctl->rpc.timeout_ms += (int)wait_s * 1000;
	ec = ctl_call(ctl, "approval.wait", p, &w);
	ctl->rpc.timeout_ms = saved;
	if (ec != EXIT_OK) {
		json_object_put(params);
		return ec;
	}
	if (ctl->json)
		ctl_print_json(w);
	decision = json_object_get_string(json_object_object_get(w, "decision"));
	if (decision == NULL) {
		if (!ctl->json)
			printf("still waiting for a person after %llds (approval %s)\n", wait_s, id);
		json_object_put(w);
		json_object_put(params);
		return EXIT_ASK;
	}
	status = json_object_get_string(json_object_object_get(w, "status"));
	if (strcmp(decision, "allow") != 0 && (status == NULL || strcmp(status, "denied") != 0)) {
		/* Expired: asking again would only ask a person again. */
		if (!ctl->json)
			printf("expired: no one decided approval %s in time\n", id);
		json_object_put(w);
		json_object_put(params);
		return EXIT_DENIED;
	}
	/*
	 * Approved or denied: evaluate again, so that the decision answers
	 * an evaluation (a denial is used up, not left for the next attempt)
	 * and the audit trail ends with the verdict the agent acted on. A
	 * denial's reason carries the person's note.
	 */
	approved = strcmp(decision, "allow") == 0;
	json_object_put(w);
	ec = ctl_call(ctl, "governance.evaluate", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json)
		ctl_print_json(r);
	else
		print_decision(r);
	ec = decision_exit(r);
	json_object_put(r);
	/* What the person said stands, whatever the policy says by now. */
	return approved ? ec : EXIT_DENIED;
}

static int
cmd_evaluate(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "risk", required_argument, NULL, 'r' },
		{ "cwd", required_argument, NULL, 'c' },
		{ "workspace", required_argument, NULL, 'w' },
		{ "description", required_argument, NULL, 'd' },
		{ "wait", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *params, *action, *r = NULL;
	long long wait_s = -1;
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
		case 'W':
			/* 0 is allowed: look once, without waiting. maestrod waits an hour at most. */
			if (strcmp(optarg, "0") != 0 &&
			    (ctl_parse_duration(optarg, &wait_s) < 0 || wait_s > 3600)) {
				fprintf(stderr, "maestroctl: --wait takes up to 3600 seconds\n");
				return EXIT_USAGE;
			}
			if (strcmp(optarg, "0") == 0)
				wait_s = 0;
			break;
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

	/* Kept for evaluate --wait, which asks again about the very same action. */
	ec = ctl_call(ctl, "governance.evaluate", wait_s >= 0 ? json_object_get(params) : params, &r);
	if (ec != EXIT_OK) {
		if (wait_s >= 0)
			json_object_put(params);
		return ec;
	}
	if (ctl->json)
		ctl_print_json(r);
	else
		print_decision(r);
	ec = decision_exit(r);
	if (ec == EXIT_ASK && wait_s >= 0)
		ec = evaluate_wait(ctl, params, r, wait_s);
	else if (wait_s >= 0)
		json_object_put(params);
	json_object_put(r);
	return ec;
usage:
	fprintf(stderr, "usage: maestroctl [--agent NAME] evaluate [--risk LEVEL] [--cwd DIR] "
			"[--workspace DIR] [--description TEXT]\n"
			"         [--wait SECONDS]\n"
			"         shell CMD | file-read PATH | file-write PATH | file-delete PATH |\n"
			"         network URL | mcp SERVER TOOL [JSON] | prompt TEXT\n");
	return EXIT_USAGE;
}

/*
 * Reads a tool's output from path ("-": standard input) into a new
 * NUL-terminated buffer. Bytes that are not UTF-8, and NULs, which the
 * protocol cannot carry, become '?'. Returns EXIT_OK or EXIT_ERROR, having
 * said why.
 */
static int
read_output(const char *path, char **out, size_t *out_len)
{
	bool from_stdin = strcmp(path, "-") == 0;
	const char *name = from_stdin ? "standard input" : path;
	FILE *f = from_stdin ? stdin : fopen(path, "re");
	char *buf;
	size_t n;
	int err;

	if (f == NULL) {
		fprintf(stderr, "maestroctl: cannot read %s: %s\n", name, strerror(errno));
		return EXIT_ERROR;
	}
	buf = malloc(REPORT_OUTPUT_MAX + 2);
	if (buf == NULL) {
		fprintf(stderr, "maestroctl: out of memory\n");
		if (!from_stdin)
			fclose(f);
		return EXIT_ERROR;
	}
	/* One byte more than allowed tells a file that is too large. */
	n = fread(buf, 1, REPORT_OUTPUT_MAX + 1, f);
	err = ferror(f) ? (errno ? errno : EIO) : 0;
	if (!from_stdin)
		fclose(f);
	if (err != 0) {
		fprintf(stderr, "maestroctl: cannot read %s: %s\n", name, strerror(err));
		free(buf);
		return EXIT_ERROR;
	}
	if (n > REPORT_OUTPUT_MAX) {
		fprintf(stderr, "maestroctl: the output in %s is larger than 1 MiB; "
				"report the part that matters\n", name);
		free(buf);
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = '?';
	buf[n] = '\0';
	utf8_sanitize(buf);
	*out = buf;
	*out_len = n;
	return EXIT_OK;
}

/* A whole number in [min, max] for option name; 0 or -EINVAL, having said why. */
static int
parse_count(const char *name, const char *text, long long min, long long max, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || *v < min || *v > max) {
		fprintf(stderr, "maestroctl: --%s takes a whole number%s, not '%s'\n", name,
			min >= 0 ? " of 0 or more" : "", text);
		return -EINVAL;
	}
	return 0;
}

static void
print_report(const char *correlation_id, const char *outcome, struct json_object *r)
{
	struct json_object *v;
	long long findings = 0, secrets = 0;
	bool tainted = false;

	if (json_object_object_get_ex(r, "findings", &v))
		findings = (long long)json_object_get_int64(v);
	if (json_object_object_get_ex(r, "secrets_redacted", &v))
		secrets = (long long)json_object_get_int64(v);
	if (json_object_object_get_ex(r, "tainted", &v))
		tainted = json_object_get_boolean(v);
	printf("%s of %s recorded", outcome, correlation_id);
	if (json_object_object_get_ex(r, "audit_seq", &v) && v != NULL)
		printf(", audit #%lld", (long long)json_object_get_int64(v));
	printf("\n");
	printf("findings:         %lld\n", findings);
	printf("secrets redacted: %lld%s\n", secrets,
	       secrets > 0 ? " (the audit trail keeps only the redacted output)" : "");
	printf("tainted:          %s\n",
	       tainted ? "yes: the output carries injected instructions" : "no");
	if (json_object_object_get_ex(r, "trust_score", &v))
		printf("trust score:      %.2f\n", json_object_get_double(v));
}

static int
cmd_report(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exit-code", required_argument, NULL, 'x' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "tokens-in", required_argument, NULL, 'i' },
		{ "tokens-out", required_argument, NULL, 'o' },
		{ "cost", required_argument, NULL, 'c' },
		{ "output-file", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	/* The whole-number options, in the order of opts[], and the params they fill. */
	static const char count_opts[] = "xdio";
	static const char *const counts[] = { "exit_code", "duration_ms", "tokens_in", "tokens_out" };
	long long values[4] = { 0 };
	bool given[4] = { false };
	const char *output_path = NULL, *correlation_id, *outcome;
	struct json_object *params, *r = NULL;
	bool has_cost = false;
	double cost = 0;
	char *output = NULL, *end;
	size_t output_len = 0;
	int c, ec, k;

	optind = 0; /* 0: glibc forgets the state of the previous parse */
	/* Long options only; no '+': they may follow the correlation id and the outcome. */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'x':
		case 'd':
		case 'i':
		case 'o':
			k = (int)(strchr(count_opts, c) - count_opts);
			if (parse_count(opts[k].name, optarg, k == 0 ? INT32_MIN : 0,
					k == 0 ? INT32_MAX : INT64_MAX, &values[k]) < 0)
				return EXIT_USAGE;
			given[k] = true;
			break;
		case 'c':
			errno = 0;
			cost = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !isfinite(cost) || cost < 0) {
				fprintf(stderr, "maestroctl: --cost takes a number of 0 or more, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			has_cost = true;
			break;
		case 'O':
		case 'f':
			if (c == 'O' && strcmp(optarg, "-") != 0) {
				fprintf(stderr, "maestroctl: --output takes only '-' (standard input); "
						"give a file with --output-file\n");
				return EXIT_USAGE;
			}
			if (output_path != NULL) {
				fprintf(stderr, "maestroctl: give the output once, with --output-file "
						"or --output -\n");
				return EXIT_USAGE;
			}
			output_path = optarg;
			break;
		default: goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	correlation_id = argv[optind];
	outcome = argv[optind + 1];
	if (correlation_id[0] == '\0' ||
	    (strcmp(outcome, "success") != 0 && strcmp(outcome, "failure") != 0))
		goto usage;
	if (output_path != NULL && (ec = read_output(output_path, &output, &output_len)) != EXIT_OK)
		return ec;

	params = json_object_new_object();
	json_object_object_add(params, "correlation_id", json_object_new_string(correlation_id));
	json_object_object_add(params, "outcome", json_object_new_string(outcome));
	for (k = 0; k < 4; k++)
		if (given[k])
			json_object_object_add(params, counts[k], json_object_new_int64(values[k]));
	if (has_cost)
		json_object_object_add(params, "cost", json_object_new_double(cost));
	if (output != NULL) {
		json_object_object_add(params, "output",
				       json_object_new_string_len(output, (int)output_len));
		free(output);
	}

	ec = ctl_call(ctl, "governance.report", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json)
		ctl_print_json(r);
	else
		print_report(correlation_id, outcome, r);
	json_object_put(r);
	return EXIT_OK;
usage:
	fprintf(stderr, "usage: maestroctl [--agent NAME] report CORRELATION_ID success|failure\n"
			"         [--exit-code N] [--duration-ms N] [--tokens-in N] [--tokens-out N]\n"
			"         [--cost X] [--output-file FILE | --output -]\n");
	return EXIT_USAGE;
}

const struct command governance_commands[] = {
	{ "evaluate", "KIND ARG", "ask whether an action may run (exit 0 allow, 3 deny, 4 ask)",
	  cmd_evaluate },
	{ "report", "ID OUTCOME", "tell how an evaluated action went, with its output screened",
	  cmd_report },
	{ NULL, NULL, NULL, NULL },
};
