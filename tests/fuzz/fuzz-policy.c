/* Fuzz target: policy_parse() on arbitrary text; what parses is evaluated, printed and read back. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "policy.h"

/*
 * A few actions to judge against whatever policy parses: the facts are
 * fixed, so that every rule shape the fuzzer invents meets programs,
 * commands, paths of every use and flag, hosts and an MCP tool.
 */
static char prog_rm[] = "rm", prog_git[] = "/usr/bin/git", prog_curl[] = "curl", prog_sh[] = "sh";
static char tool_name[] = "github/delete_repository";
static char cmd_rm[] = "rm -rf build/", cmd_push[] = "git push --force origin main",
	    cmd_curl[] = "curl -fsSL https://x.example/i.sh", cmd_sh[] = "sh";
static char path_build[] = "/home/u/proj/build", path_key[] = "/home/u/.ssh/id_rsa",
	    path_root[] = "/", path_sock[] = "/run/user/1000/maestro/maestrod.sock",
	    path_env[] = "/home/u/proj/.env", path_tmp[] = "/tmp/out";
static char host_x[] = "x.example", host_meta[] = "169.254.169.254";

static char *programs_shell[] = { prog_rm, prog_git, prog_curl, prog_sh };
static char *commands_shell[] = { cmd_rm, cmd_push, cmd_curl, cmd_sh };
static char *programs_tool[] = { tool_name };
static struct action_path paths_all[] = {
	{ path_build, PATH_DELETE, true, false, false },
	{ path_key, PATH_READ, false, true, false },
	{ path_root, PATH_DELETE, false, false, false },
	{ path_sock, PATH_WRITE, false, false, true },
	{ path_env, PATH_READ, true, true, false },
	{ path_tmp, PATH_WRITE, false, false, false },
};
static struct action_path paths_inside[] = {
	{ path_build, PATH_DELETE, true, false, false },
	{ path_env, PATH_WRITE, true, false, false },
};
static struct action_host hosts_all[] = {
	{ host_x, NULL, false },
	{ host_meta, NULL, true },
};

static const struct action_facts facts[] = {
	{ .kind = ACTION_SHELL, .effects = 0x7fffffu, .risk = RISK_CRITICAL, .risk_reason = "disk",
	  .programs = programs_shell, .n_programs = 4, .commands = commands_shell, .n_commands = 4,
	  .paths = paths_all, .n_paths = 6, .hosts = hosts_all, .n_hosts = 2 },
	{ .kind = ACTION_SHELL, .effects = EFFECT_EXECUTE | EFFECT_DELETE, .risk = RISK_HIGH,
	  .programs = programs_shell, .n_programs = 1, .commands = commands_shell, .n_commands = 1,
	  .paths = paths_inside, .n_paths = 2 },
	{ .kind = ACTION_FILE_WRITE, .effects = EFFECT_WRITE, .risk = RISK_MEDIUM,
	  .paths = paths_inside + 1, .n_paths = 1 },
	{ .kind = ACTION_MCP_TOOL, .effects = EFFECT_NETWORK, .risk = RISK_LOW,
	  .programs = programs_tool, .n_programs = 1, .hosts = hosts_all, .n_hosts = 1 },
	{ .kind = ACTION_PROMPT, .risk = RISK_LOW },
	{ .kind = ACTION_NETWORK, .effects = EFFECT_NETWORK | EFFECT_OUTSIDE_WORKSPACE,
	  .risk = RISK_HIGH, .hosts = hosts_all + 1, .n_hosts = 1 },
};

static const struct policy_subject subjects[] = {
	{ .agent_id = "build-bot", .role = "executor", .workspace = "/home/u/proj", .home = "/home/u",
	  .trust = 0.9, .trust_ask = 0.5, .trust_deny = 0.2 },
	{ .agent_id = "a", .role = "observer", .workspace = "/", .home = NULL, .trust = 0.3,
	  .trust_ask = 0.5, .trust_deny = 0.2 },
	{ .trust = 0.1 },
};

#define N_FACTS (sizeof facts / sizeof facts[0])
#define N_SUBJECTS (sizeof subjects / sizeof subjects[0])

/* What every verdict must be, whatever the policy. */
static void
check_verdict(const struct policy_verdict *v, const char *file, size_t n_lines)
{
	size_t len = strlen(file);

	fuzz_assert(v->decision == POLICY_ALLOW || v->decision == POLICY_ASK ||
		    v->decision == POLICY_DENY);
	fuzz_assert(v->reason[0] != '\0');
	fuzz_assert(fuzz_utf8_valid(v->reason, strlen(v->reason)));
	fuzz_assert(fuzz_utf8_valid(v->rule, strlen(v->rule)));
	if (v->from_default) {
		fuzz_assert(v->rule[0] == '\0' && v->line == 0);
		fuzz_assert(strncmp(v->reason, "no rule matched; ", 17) == 0);
	} else {
		char *end;
		unsigned long line;

		fuzz_assert(strncmp(v->rule, file, len) == 0 && v->rule[len] == ':');
		line = strtoul(v->rule + len + 1, &end, 10);
		fuzz_assert(*end == '\0' && line == v->line);
		fuzz_assert(v->line >= 1 && v->line <= n_lines);
	}
}

static void
evaluate_all(const struct policy *p, const char *file, size_t n_lines,
	     struct policy_verdict out[N_FACTS][N_SUBJECTS])
{
	for (size_t f = 0; f < N_FACTS; f++)
		for (size_t s = 0; s < N_SUBJECTS; s++) {
			policy_evaluate(p, &facts[f], &subjects[s], &out[f][s]);
			check_verdict(&out[f][s], file, n_lines);
		}
}

/* An error must point into the text: a real line, a column within it or just past it. */
static void
check_error(const struct config_error *err, const uint8_t *data, size_t size)
{
	char buf[sizeof err->file + sizeof err->message + 32];
	size_t start = 0, line_len;
	const uint8_t *nl;

	fuzz_assert(strcmp(err->file, "fuzz.policy") == 0);
	fuzz_assert(err->message[0] != '\0');
	fuzz_assert(memchr(err->message, '\0', sizeof err->message) != NULL);
	fuzz_assert(fuzz_utf8_valid(err->message, strlen(err->message)));
	if (err->line == 0) {
		fuzz_assert(size > POLICY_MAX_SIZE);
		return;
	}
	for (unsigned l = 1; l < err->line; l++) {
		nl = memchr(data + start, '\n', size - start);
		fuzz_assert(nl != NULL);
		start = (size_t)(nl - data) + 1;
	}
	nl = memchr(data + start, '\n', size - start);
	line_len = (nl ? (size_t)(nl - data) : size) - start;
	fuzz_assert(err->column >= 1 && err->column <= line_len + 1);
	config_error_format(err, buf, sizeof buf);
	fuzz_assert(strncmp(buf, "fuzz.policy:", 12) == 0);
}

static size_t
count_lines(const char *text, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy_verdict first[N_FACTS][N_SUBJECTS], second[N_FACTS][N_SUBJECTS];
	struct policy *p = (struct policy *)NULL, *q = NULL;
	struct config_error err;
	char *text = NULL, *again = NULL, *origin = NULL;
	int r;

	memset(&err, 0, sizeof err);
	r = policy_parse("fuzz.policy", (const char *)data, size, &p, &err);
	if (r != 0) {
		fuzz_assert(r == -EINVAL);
		fuzz_assert(p == NULL);
		check_error(&err, data, size);
		return 0;
	}
	fuzz_assert(p != NULL);
	fuzz_assert(policy_ref(p) == p);
	fuzz_assert(policy_unref(p) == NULL);
	evaluate_all(p, "fuzz.policy", count_lines((const char *)data, size), first);

	/* Printed and read back, a policy is the same policy. */
	fuzz_assert(policy_dump(p, 0, &text) == 0);
	fuzz_assert(fuzz_utf8_valid(text, strlen(text)));
	r = policy_parse("dump", text, strlen(text), &q, &err);
	if (r != 0)
		fprintf(stderr, "dump does not parse: %u:%u: %s\n%s", err.line, err.column,
			err.message, text);
	fuzz_assert(r == 0);
	fuzz_assert(policy_rule_count(q) == policy_rule_count(p));
	fuzz_assert(policy_dump(q, 0, &again) == 0);
	fuzz_assert(strcmp(text, again) == 0);
	evaluate_all(q, "dump", count_lines(text, strlen(text)), second);
	for (size_t f = 0; f < N_FACTS; f++)
		for (size_t s = 0; s < N_SUBJECTS; s++) {
			fuzz_assert(first[f][s].decision == second[f][s].decision);
			fuzz_assert(first[f][s].from_default == second[f][s].from_default);
			fuzz_assert(strcmp(first[f][s].reason, second[f][s].reason) == 0);
		}
	q = policy_unref(q);

	/* With origin comments too. */
	fuzz_assert(policy_dump(p, POLICY_DUMP_ORIGIN, &origin) == 0);
	fuzz_assert(policy_parse("origin", origin, strlen(origin), &q, &err) == 0);
	fuzz_assert(policy_rule_count(q) == policy_rule_count(p));
	q = policy_unref(q);

	free(text);
	free(again);
	free(origin);
	p = policy_unref(p);
	return 0;
}
