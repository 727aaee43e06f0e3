/* hook-bench: what `maestroctl hook claude` costs as a process, next to /bin/true run the same way. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/*
 * A coding agent pays for its hook as a whole process: exec, dynamic
 * linking, reading stdin, connecting, one governance.evaluate with its
 * audit commit, the answer, exit. So this measures start to exit, from
 * posix_spawn() to waitpid(), N times with a fixed payload (a Claude Code
 * PreToolUse for `ls`, which the default policy allows), against a
 * private maestrod; and /bin/true, spawned the same way with the same
 * stdin, as the floor any hook pays. The ratio is the figure to track.
 */

extern char **environ;

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, as maestro-bench. */
static double
percentile_us(uint64_t *ns, unsigned n, double p)
{
	unsigned rank = (unsigned)(p * n + 0.999999);

	if (rank < 1)
		rank = 1;
	return (double)ns[rank - 1 > n - 1 ? n - 1 : rank - 1] / 1000.0;
}

/* Spawns argv with stdin from payload, stdout and stderr to /dev/null; its exit status. */
static int
run_once(char *const argv[], const char *payload, char **envp, uint64_t *ns)
{
	posix_spawn_file_actions_t fa;
	uint64_t t0;
	pid_t pid;
	int st, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, payload, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = bench_now_ns();
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*ns = bench_now_ns() - t0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
measure(const char *name, char *const argv[], const char *payload, char **envp, unsigned n,
	unsigned warmup, double out[2])
{
	uint64_t *ns = calloc(n, sizeof *ns), t = 0;
	int r;

	if (ns == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < warmup + n; i++) {
		r = run_once(argv, payload, envp, &t);
		if (r != 0) {
			fprintf(stderr, "hook-bench: %s exited with %d%s\n", name, r,
				r == 2 ? " (a deny: is maestrod up, the token right?)" : "");
			free(ns);
			return -EPROTO;
		}
		if (i >= warmup)
			ns[i - warmup] = t;
	}
	qsort(ns, n, sizeof *ns, cmp_u64);
	out[0] = percentile_us(ns, n, 0.50);
	out[1] = percentile_us(ns, n, 0.99);
	printf("%-26s n=%u  p50 %8.0f us  p99 %8.0f us\n", name, n, out[0], out[1]);
	free(ns);
	return 0;
}

/* The token in agent.register's reply: a plain [A-Za-z0-9_-] string. */
static int
register_agent(const char *socket, char *token, size_t size)
{
	static const char req[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.register\","
				  "\"params\":{\"id\":\"claude-code\",\"role\":\"executor\"}}\n";
	char reply[4096];
	const char *t;
	size_t n;
	int r = bench_rpc(socket, req, reply, sizeof reply);

	if (r < 0)
		return r;
	if ((t = strstr(reply, "\"token\":\"")) == NULL)
		return -EPROTO;
	t += 9;
	n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
	if (n == 0 || n >= size || t[n] != '"')
		return -EPROTO;
	memcpy(token, t, n);
	token[n] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "maestroctl", required_argument, NULL, 'c' },
		{ "maestrod", required_argument, NULL, 'd' },
		{ "runs", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ctl = NULL, *daemon_exe = NULL;
	char token[128], payload[BENCH_PATH_MAX + 32], *envp[8], env_store[4][BENCH_PATH_MAX + 160];
	struct daemon_proc d = { .pid = -1 };
	double hook[2], floor_[2];
	unsigned n = 500;
	int c, r, fd, ec = 1;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ctl = optarg; break;
		case 'd': daemon_exe = optarg; break;
		case 'n': n = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"usage: hook-bench --maestroctl PATH --maestrod PATH [--runs N]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (ctl == NULL || daemon_exe == NULL || n == 0) {
		fprintf(stderr, "usage: hook-bench --maestroctl PATH --maestrod PATH [--runs N]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((r = daemon_start(daemon_exe, &d)) < 0) {
		fprintf(stderr, "hook-bench: starting %s: %s\n", daemon_exe, strerror(-r));
		return 1;
	}
	if ((r = register_agent(d.socket, token, sizeof token)) < 0) {
		fprintf(stderr, "hook-bench: agent.register: %s\n", strerror(-r));
		goto out;
	}
	snprintf(payload, sizeof payload, "%s/payload.json", d.dir);
	fd = open(payload, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dprintf(fd, "{\"session_id\":\"bench-session\",\"transcript_path\":\"/dev/null\","
				  "\"cwd\":\"%s\",\"permission_mode\":\"default\",\"hook_event_name\":"
				  "\"PreToolUse\",\"tool_name\":\"Bash\",\"tool_input\":{\"command\":"
				  "\"ls\",\"description\":\"list\"},\"tool_use_id\":\"toolu_bench\"}\n",
			      d.dir) < 0) {
		fprintf(stderr, "hook-bench: %s: %s\n", payload, strerror(errno));
		goto out;
	}
	close(fd);
	/* The hook's whole world: its socket, token and state directory; nothing inherited. */
	snprintf(env_store[0], sizeof env_store[0], "MAESTRO_SOCKET=%s", d.socket);
	snprintf(env_store[1], sizeof env_store[1], "MAESTRO_TOKEN=%s", token);
	snprintf(env_store[2], sizeof env_store[2], "XDG_RUNTIME_DIR=%s", d.dir);
	snprintf(env_store[3], sizeof env_store[3], "PATH=/usr/bin:/bin");
	for (int i = 0; i < 4; i++)
		envp[i] = env_store[i];
	envp[4] = NULL;

	printf("hook-bench: %u runs each after 20 warm-up runs; start to exit (posix_spawn to waitpid)\n", n);
	{
		/* posix_spawn() takes char *const[]: writable copies, not literals. */
		char ctl_path[4096], verb[] = "hook", agent[] = "claude", true_path[] = "/bin/true";
		char *hook_argv[] = { ctl_path, verb, agent, NULL }, *true_argv[] = { true_path, NULL };

		snprintf(ctl_path, sizeof ctl_path, "%s", ctl);
		if (measure("/bin/true (floor)", true_argv, payload, envp, n, 20, floor_) < 0 ||
		    measure("maestroctl hook claude", hook_argv, payload, envp, n, 20, hook) < 0)
			goto out;
	}
	printf("ratio to /bin/true: p50 %.1fx  p99 %.1fx\n", hook[0] / floor_[0], hook[1] / floor_[1]);
	ec = 0;
out:
	daemon_stop(&d);
	return ec;
}
