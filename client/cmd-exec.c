/* maestroctl exec: have maestrod run a command, confined, and exit with its status. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "jsonrpc.h"
#include "maestroctl.h"

/* How long past the command's own timeout we wait for maestrod to answer (screening, audit). */
#define EXEC_REPLY_GRACE_MS 30000

static void
exec_usage(void)
{
	fprintf(stderr, "usage: maestroctl [--agent NAME] exec [--agent NAME] [--timeout S] [--cwd DIR] "
			"[--workspace DIR] -- COMMAND [ARGS...]\n");
}

/* Not run: the decision and its reasons, on stderr (stdout is the command's). */
static int
not_run(struct json_object *r)
{
	struct json_object *dec = json_object_object_get(r, "decision"), *reasons, *ask;
	const char *verdict = rpc_str(dec, "decision");

	if (verdict == NULL || strcmp(verdict, "allow") == 0) {
		fprintf(stderr, "maestroctl: the command did not run: %s\n",
			rpc_str(r, "error") ? rpc_str(r, "error") : "unknown reason");
		return EXIT_ERROR;
	}
	fprintf(stderr, "maestroctl: %s (risk %s): the command did not run\n", verdict,
		rpc_str(dec, "risk_level") ? rpc_str(dec, "risk_level") : "?");
	if (json_object_object_get_ex(dec, "reasons", &reasons))
		for (size_t i = 0; i < json_object_array_length(reasons); i++) {
			struct json_object *e = json_object_array_get_idx(reasons, i);

			fprintf(stderr, "  %-8s %-28s %s\n", rpc_str(e, "subagent"),
				rpc_str(e, "rule"), rpc_str(e, "text"));
		}
	if (strcmp(verdict, "ask") == 0 && json_object_object_get_ex(dec, "ask", &ask)) {
		const char *id = rpc_str(ask, "approval_id");

		if (rpc_str(ask, "question"))
			fprintf(stderr, "a person must decide: %s\n", rpc_str(ask, "question"));
		if (id != NULL)
			fprintf(stderr, "to allow it: maestroctl approve %s  (then run this again)\n", id);
		return EXIT_ASK;
	}
	return EXIT_DENIED;
}

/* The command's own status, as a shell gives it: 128+N for signal N. Its output was streamed. */
static int
outcome(struct json_object *r)
{
	struct json_object *v;

	if (!json_object_object_get_ex(r, "executed", &v) || !json_object_get_boolean(v))
		return not_run(r);
	if (json_object_object_get_ex(r, "stdout_truncated", &v) && json_object_get_boolean(v))
		fprintf(stderr, "maestroctl: stdout was cut at maestrod's exec_max_output\n");
	if (json_object_object_get_ex(r, "stderr_truncated", &v) && json_object_get_boolean(v))
		fprintf(stderr, "maestroctl: stderr was cut at maestrod's exec_max_output\n");
	if (json_object_object_get_ex(r, "timed_out", &v) && json_object_get_boolean(v))
		fprintf(stderr, "maestroctl: the command timed out and was killed\n");
	if (rpc_str(r, "killed"))
		fprintf(stderr, "maestroctl: the command was killed: %s\n", rpc_str(r, "killed"));
	if (json_object_object_get_ex(r, "exit_code", &v))
		return json_object_get_int(v);
	if (json_object_object_get_ex(r, "signal", &v))
		return 128 + json_object_get_int(v);
	return EXIT_ERROR;
}

static int
cmd_exec(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cwd", required_argument, NULL, 'c' },
		{ "workspace", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *params, *args, *r = NULL;
	const char *cwd = NULL, *workspace = NULL;
	char here[PATH_MAX];
	long long timeout_s = 60;
	struct rpc_response resp;
	int64_t id, deadline;
	int c, ec;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': ctl->agent = optarg; break;
		case 't':
			if (ctl_parse_duration(optarg, &timeout_s) < 0 || timeout_s < 1 || timeout_s > 3600) {
				fprintf(stderr, "maestroctl: --timeout must be 1s to 1h\n");
				return EXIT_USAGE;
			}
			break;
		case 'c': cwd = optarg; break;
		case 'w': workspace = optarg; break;
		default: exec_usage(); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		exec_usage();
		return EXIT_USAGE;
	}
	if (cwd == NULL) {
		if (getcwd(here, sizeof here) == NULL) {
			fprintf(stderr, "maestroctl: cannot tell the current directory: %s\n", strerror(errno));
			return EXIT_ERROR;
		}
		cwd = here;
	}
	params = json_object_new_object();
	args = json_object_new_array();
	for (int i = optind; i < argc; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	json_object_object_add(params, "argv", args);
	json_object_object_add(params, "cwd", json_object_new_string(cwd));
	json_object_object_add(params, "workspace", json_object_new_string(workspace ? workspace : cwd));
	json_object_object_add(params, "timeout_s", json_object_new_int((int)timeout_s));
	json_object_object_add(params, "stream", json_object_new_boolean(!ctl->json));

	/* Connected, and hello said when speaking for an agent, by a first harmless call. */
	ec = ctl_call(ctl, "system.ping", NULL, &r);
	json_object_put(r);
	if (ec != EXIT_OK) {
		json_object_put(params);
		return ec;
	}
	/* Sent without waiting: output notifications come before the reply. */
	if (rpc_send(&ctl->rpc, "governance.execute", params, &id) < 0) {
		fprintf(stderr, "maestroctl: maestrod at %s closed the connection\n", ctl->socket_path);
		return EXIT_UNREACHABLE;
	}

	deadline = rpc_mono_ms() + timeout_s * 1000 + EXEC_REPLY_GRACE_MS;
	for (;;) {
		int rr = rpc_next_message(&ctl->rpc, deadline, &resp);

		if (rr < 0) {
			fprintf(stderr, "maestroctl: %s\n",
				rr == -ETIMEDOUT ? "no answer from maestrod in time"
				: rr == -ECONNRESET ? "maestrod closed the connection"
						    : "bad reply from maestrod");
			return rr == -ECONNRESET ? EXIT_UNREACHABLE : EXIT_PROTOCOL;
		}
		if (resp.method != NULL) {
			const char *stream = rpc_str(resp.params, "stream");
			struct json_object *data;

			if (strcmp(resp.method, "execute.output") == 0 && stream != NULL &&
			    json_object_object_get_ex(resp.params, "data", &data)) {
				FILE *f = strcmp(stream, "stderr") == 0 ? stderr : stdout;

				fwrite(json_object_get_string(data), 1,
				       (size_t)json_object_get_string_len(data), f);
				fflush(f);
			}
			rpc_response_clear(&resp);
			continue;
		}
		if (!json_object_is_type(resp.id, json_type_null) && json_object_get_int64(resp.id) != id) {
			rpc_response_clear(&resp);
			continue;
		}
		break;
	}
	if (resp.result == NULL) {
		fprintf(stderr, "maestroctl: %s (%s, %d)\n", resp.error_message,
			rpc_error_name(resp.error_code), resp.error_code);
		rpc_response_clear(&resp);
		return EXIT_ERROR;
	}
	/* Streamed already; with --json the whole result instead. */
	if (ctl->json)
		ctl_print_json(resp.result);
	ec = outcome(resp.result);
	rpc_response_clear(&resp);
	return ec;
}

const struct command exec_commands[] = {
	{ "exec", "[--timeout S] [--cwd DIR] [--workspace DIR] -- COMMAND [ARGS...]",
	  "have maestrod run a command confined to the agent's permissions (exit: its status)",
	  cmd_exec },
	{ NULL, NULL, NULL, NULL },
};
