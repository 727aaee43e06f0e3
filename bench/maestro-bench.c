/* maestro-bench: maestrod round-trip cost as a ratio of a raw echo server. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* getopt_long */
#endif

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/*
 * Absolute figures depend on the machine, the kernel and what else runs;
 * a ratio to an echo server measured minutes earlier on the same machine
 * mostly does not. So every run measures both and reports the ratio.
 */

#define MAX_CLIENT_COUNTS 32
#define MAX_CLIENTS 1024
#define MAX_PAYLOAD (64u * 1024 * 1024)
#define MAX_SECONDS 86400.0

struct options {
	const char *maestrod;	/* start this daemon */
	const char *socket;	/* or use this running one */
	int baseline_only;
	int floor;		/* also measure floor.c */
	int json;
	unsigned clients[MAX_CLIENT_COUNTS];
	unsigned nclients;
	double duration_s;
	double warmup_s;
	const char *method;
	size_t payload;
	int clients_given;
	const char *token;	/* the bench agent's, for governance.evaluate */
};

struct results {
	struct load_result echo[MAX_CLIENT_COUNTS];
	struct load_result daemon[MAX_CLIENT_COUNTS];
	struct load_result floor[MAX_CLIENT_COUNTS];
	int have_daemon;
	int have_floor;
	int failed; /* a run could not be set up at all */
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: maestro-bench [--maestrod PATH | --socket PATH | --baseline-only]\n"
"                     [--clients N[,N...]] [--duration SECONDS]\n"
"                     [--warmup SECONDS] [--method NAME] [--payload BYTES]\n"
"                     [--floor] [--json]\n"
"\n"
"  --maestrod PATH   start PATH on a private socket and database, stop it after\n"
"  --socket PATH     benchmark a maestrod already listening on PATH\n"
"  --baseline-only   measure only the in-process echo baseline\n"
"  --clients LIST    concurrent clients, one run per count (default 1,8;\n"
"                    1,8,64 for governance.evaluate)\n"
"  --duration S      measured seconds per run (default 5)\n"
"  --warmup S        unmeasured seconds before each run (default 1)\n"
"  --method NAME     JSON-RPC method to call (default system.ping);\n"
"                    governance.evaluate sends a fixed mix of actions as\n"
"                    agent \"bench\", which it registers (needs --maestrod)\n"
"  --payload BYTES   add params {\"data\":\"xxx...\"} of BYTES bytes (default 0)\n"
"  --floor           also measure floor.c, the architecture's bare path (a\n"
"                    loop, a worker hop, a committed row, the reply)\n"
"  --json            print a JSON summary instead of the tables\n"
"\n"
"Exit status: 0 all replies good, 1 errors or setup failure, 2 usage.\n");
}

static int
parse_seconds(const char *arg, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !isfinite(v) ||
	    v < min || v > MAX_SECONDS)
		return -1;
	*out = v;
	return 0;
}

static int
parse_clients(const char *arg, struct options *o)
{
	const char *p = arg;

	o->nclients = 0;
	for (;;) {
		char *end;
		unsigned long v;

		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno != 0 || v < 1 || v > MAX_CLIENTS ||
		    o->nclients == MAX_CLIENT_COUNTS)
			return -1;
		o->clients[o->nclients++] = (unsigned)v;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -1;
		p = end + 1;
	}
}

/* Method names go into the request unescaped, so keep them plain. */
static int
valid_method(const char *m)
{
	size_t n = strlen(m);

	if (n == 0 || n > 128)
		return 0;
	return strspn(m, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") == n;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "maestrod", required_argument, NULL, 'm' },
		{ "socket", required_argument, NULL, 's' },
		{ "baseline-only", no_argument, NULL, 'b' },
		{ "clients", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "method", required_argument, NULL, 'M' },
		{ "payload", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "floor", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bad = NULL;
	int ch;

	*o = (struct options){
		.clients = { 1, 8 },
		.nclients = 2,
		.duration_s = 5.0,
		.warmup_s = 1.0,
		.method = "system.ping",
	};
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		unsigned long long v;

		switch (ch) {
		case 'm': o->maestrod = optarg; break;
		case 's': o->socket = optarg; break;
		case 'b': o->baseline_only = 1; break;
		case 'j': o->json = 1; break;
		case 'f': o->floor = 1; break;
		case 'M': o->method = optarg; break;
		case 'c':
			o->clients_given = 1;
			if (parse_clients(optarg, o) < 0)
				bad = "--clients wants N[,N...], each 1.."
				      "1024, at most 32 of them";
			break;
		case 'd':
			if (parse_seconds(optarg, 0.001, &o->duration_s) < 0)
				bad = "--duration wants seconds > 0";
			break;
		case 'w':
			if (parse_seconds(optarg, 0.0, &o->warmup_s) < 0)
				bad = "--warmup wants seconds >= 0";
			break;
		case 'p':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    optarg[0] == '-' || v > MAX_PAYLOAD)
				bad = "--payload wants bytes, at most 64 MiB";
			else
				o->payload = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
		if (bad != NULL)
			break;
	}
	if (bad == NULL && optind < argc)
		bad = "unexpected argument";
	if (bad == NULL && !valid_method(o->method))
		bad = "--method wants a plain name ([A-Za-z0-9._-/], 1..128)";
	if (bad == NULL && (o->maestrod != NULL) + (o->socket != NULL) +
			   o->baseline_only != 1)
		bad = "give exactly one of --maestrod, --socket, "
		      "--baseline-only";
	if (bad == NULL && load_method_is_governance(o->method)) {
		if (o->socket != NULL)
			bad = "--method governance.evaluate registers its own "
			      "agent, so it needs --maestrod or --baseline-only";
		else if (o->payload > 0)
			bad = "--payload does not apply to governance.evaluate";
		if (!o->clients_given) {
			o->clients[0] = 1;
			o->clients[1] = 8;
			o->clients[2] = 64;
			o->nclients = 3;
		}
	}
	if (bad != NULL) {
		fprintf(stderr, "maestro-bench: %s\n", bad);
		return -1;
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	atomic_store(&bench_interrupted, 1);
}

static void
setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: a blocked read returns EINTR and sees the flag. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The method column: 14 wide, or the method's length if longer. */
static int
method_width(const char *method)
{
	size_t n = strlen(method);

	return n > 14 ? (int)n : 14;
}

static void
print_row(const struct load_result *r, const char *target, const char *method)
{
	int w = method_width(method);

	if (!r->valid) {
		printf("%-9s %-*s %7u %10" PRIu64 " %10s %9s %9s %10s %9s %7" PRIu64
		       "\n", target, w, method, r->clients, r->requests, "-", "-",
		       "-", "-", "-", r->errors);
	} else {
		printf("%-9s %-*s %7u %10" PRIu64 " %10.0f %9.1f %9.1f %10.1f "
		       "%9.1f %7" PRIu64 "\n", target, w, method, r->clients,
		       r->requests, r->rps, r->p50_us, r->p99_us, r->p999_us,
		       r->max_us, r->errors);
	}
	fflush(stdout);
}

static void
print_header(const struct options *o)
{
	printf("# maestro-bench  method=%s  payload=%zu  request=%zuB  mix=%u  "
	       "warmup=%gs  duration=%gs  cpus=%ld\n", o->method, o->payload,
	       load_request_size(o->method, o->payload),
	       load_request_mix(o->method), o->warmup_s,
	       o->duration_s, sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-9s %-*s %7s %10s %10s %9s %9s %10s %9s %7s\n", "target",
	       method_width(o->method), "method", "clients", "requests", "req/s", "p50(us)", "p99(us)",
	       "p99.9(us)", "max(us)", "errors");
}

static void
print_ratio_lines(const struct options *o, const struct load_result *base,
		  const struct load_result *t, const char *name)
{
	printf("\n# %s / echo: latency ratio > 1 is slower, "
	       "req/s ratio < 1 is fewer\n", name);
	for (unsigned i = 0; i < o->nclients; i++) {
		const struct load_result *e = &base[i], *d = &t[i];

		if (!e->valid || !d->valid) {
			printf("%-14s clients=%-4u no ratio: a run has no samples\n",
			       o->method, o->clients[i]);
			continue;
		}
		printf("%-14s clients=%-4u "
		       "p50 echo %7.1fus %s %8.1fus ratio %6.2fx | "
		       "p99 echo %7.1fus %s %8.1fus ratio %6.2fx | "
		       "p99.9 echo %7.1fus %s %8.1fus ratio %6.2fx | "
		       "req/s echo %7.0f %s %7.0f ratio %5.2fx\n",
		       o->method, o->clients[i],
		       e->p50_us, name, d->p50_us, d->p50_us / e->p50_us,
		       e->p99_us, name, d->p99_us, d->p99_us / e->p99_us,
		       e->p999_us, name, d->p999_us, d->p999_us / e->p999_us,
		       e->rps, name, d->rps, d->rps / e->rps);
	}
}

static void
print_ratios(const struct options *o, const struct results *res)
{
	if (res->have_floor)
		print_ratio_lines(o, res->echo, res->floor, "floor");
	if (res->have_daemon)
		print_ratio_lines(o, res->echo, res->daemon, "maestrod");
}

static void
print_json_run(const struct load_result *r, const char *target, int comma)
{
	printf("    {\"target\":\"%s\",\"clients\":%u,\"requests\":%" PRIu64
	       ",\"errors\":%" PRIu64 ",\"window_s\":%.3f", target, r->clients,
	       r->requests, r->errors, r->window_s);
	if (r->valid)
		printf(",\"rps\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f,"
		       "\"p999_us\":%.2f,\"max_us\":%.2f}", r->rps, r->p50_us,
		       r->p99_us, r->p999_us, r->max_us);
	else
		printf(",\"rps\":null,\"p50_us\":null,\"p99_us\":null,"
		       "\"p999_us\":null,\"max_us\":null}");
	printf("%s\n", comma ? "," : "");
}

/* "name":[{clients, p50, p99, p999, rps}...] of t against base; t NULL: empty. */
static void
print_json_ratios(const char *name, const struct options *o, const struct load_result *base,
		  const struct load_result *t)
{
	int first = 1;

	printf("  \"%s\":[", name);
	for (unsigned i = 0; t != NULL && i < o->nclients; i++) {
		const struct load_result *e = &base[i], *d = &t[i];

		if (!e->valid || !d->valid)
			continue;
		printf("%s\n    {\"clients\":%u,\"p50\":%.3f,\"p99\":%.3f,"
		       "\"p999\":%.3f,\"rps\":%.3f}", first ? "" : ",",
		       o->clients[i], d->p50_us / e->p50_us,
		       d->p99_us / e->p99_us, d->p999_us / e->p999_us,
		       d->rps / e->rps);
		first = 0;
	}
	printf("%s],\n", first ? "" : "\n  ");
}

static void
print_json(const struct options *o, const struct results *res,
	   uint64_t errors)
{
	printf("{\n  \"method\":\"%s\",\"payload\":%zu,\"request_bytes\":%zu,"
	       "\"request_mix\":%u,"
	       "\"warmup_s\":%g,\"duration_s\":%g,\"cpus\":%ld,\n",
	       o->method, o->payload, load_request_size(o->method, o->payload),
	       load_request_mix(o->method),
	       o->warmup_s, o->duration_s, sysconf(_SC_NPROCESSORS_ONLN));
	printf("  \"runs\":[\n");
	for (unsigned i = 0; i < o->nclients; i++)
		print_json_run(&res->echo[i], "echo",
			       res->have_daemon || res->have_floor || i + 1 < o->nclients);
	for (unsigned i = 0; res->have_floor && i < o->nclients; i++)
		print_json_run(&res->floor[i], "floor", res->have_daemon || i + 1 < o->nclients);
	for (unsigned i = 0; res->have_daemon && i < o->nclients; i++)
		print_json_run(&res->daemon[i], "maestrod", i + 1 < o->nclients);
	printf("  ],\n");
	print_json_ratios("floor_ratios", o, res->echo, res->have_floor ? res->floor : NULL);
	print_json_ratios("ratios", o, res->echo, res->have_daemon ? res->daemon : NULL);
	printf("  \"errors\":%" PRIu64 ",\"complete\":%s\n}\n", errors,
	       res->failed || atomic_load(&bench_interrupted) ? "false" : "true");
}

/* One run per client count against one socket. */
static void
run_target(const struct options *o, const char *target, enum target_kind kind,
	   const char *socket, struct load_result *out, struct results *res)
{
	for (unsigned i = 0; i < o->nclients; i++) {
		struct load_params p = {
			.target = target,
			.kind = kind,
			.socket = socket,
			.method = o->method,
			.payload = o->payload,
			.token = kind == TARGET_DAEMON ? o->token : NULL,
			.clients = o->clients[i],
			.warmup_s = o->warmup_s,
			.duration_s = o->duration_s,
		};

		out[i].clients = o->clients[i];
		if (atomic_load(&bench_interrupted))
			return;
		/* load_run() says what failed; a failed run shows as "-". */
		if (load_run(&p, &out[i]) < 0)
			res->failed = 1;
		if (!o->json)
			print_row(&out[i], target, o->method);
	}
}

/*
 * The in-process servers, one temp directory for both: the echo baseline,
 * then the floor when asked for. Fails only when the baseline cannot run.
 */
static int
run_in_process(const struct options *o, struct results *res)
{
	char dir[BENCH_PATH_MAX], path[BENCH_PATH_MAX + 16];
	struct echo_server *echo = NULL;
	struct floor_server *floor = NULL;
	int r;

	r = bench_make_tempdir(dir, sizeof dir);
	if (r < 0) {
		fprintf(stderr, "maestro-bench: cannot make a temp directory: "
			"%s\n", strerror(-r));
		return r;
	}
	snprintf(path, sizeof path, "%s/echo.sock", dir);
	r = echo_start(path, &echo);
	if (r < 0)
		fprintf(stderr, "maestro-bench: cannot start the echo server "
			"on %s: %s\n", path, strerror(-r));
	else
		run_target(o, "echo", TARGET_ECHO, path, res->echo, res);
	echo_stop(echo);
	if (r == 0 && o->floor && !atomic_load(&bench_interrupted)) {
		int fr = floor_start(dir, path, sizeof path, &floor);

		if (fr < 0) {
			fprintf(stderr, "maestro-bench: cannot start the floor server in %s: %s\n",
				dir, strerror(-fr));
			res->failed = 1;
		} else {
			res->have_floor = 1;
			run_target(o, "floor", TARGET_DAEMON, path, res->floor, res);
		}
		floor_stop(floor);
	}
	bench_remove_tempdir(dir);
	return r;
}

/*
 * Registers agent "bench" (executor) over an admin connection and keeps
 * its token, which is a plain [A-Za-z0-9_-] string or refused here.
 */
static int
register_agent(const char *socket, char *token, size_t size)
{
	static const char req[] =
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.register\","
		"\"params\":{\"id\":\"" LOAD_AGENT_ID "\",\"role\":\"executor\"}}\n";
	static const char key[] = "\"token\":\"";
	char reply[8192];
	const char *t;
	size_t n;
	int r;

	r = bench_rpc(socket, req, reply, sizeof reply);
	if (r < 0) {
		fprintf(stderr, "maestro-bench: agent.register on %s: %s\n",
			socket, strerror(-r));
		return r;
	}
	t = strstr(reply, "\"result\"") != NULL ? strstr(reply, key) : NULL;
	if (t != NULL) {
		t += sizeof key - 1;
		n = strspn(t, "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
		if (t[n] != '"' || n == 0 || n >= size)
			t = NULL;
	}
	if (t == NULL) {
		fprintf(stderr, "maestro-bench: agent.register on %s: no token "
			"in the reply: %.200s\n", socket, reply);
		return -EPROTO;
	}
	memcpy(token, t, n);
	token[n] = '\0';
	return 0;
}

static int
run_daemon(struct options *o, struct results *res)
{
	static char token[256];
	struct daemon_proc d = { .pid = -1 };
	const char *socket = o->socket;
	int r;

	if (o->maestrod != NULL) {
		r = daemon_start(o->maestrod, &d);
		if (r < 0)
			return r;
		socket = d.socket;
	}
	if (load_method_is_governance(o->method)) {
		r = register_agent(socket, token, sizeof token);
		if (r < 0) {
			if (o->maestrod != NULL)
				daemon_stop(&d);
			return r;
		}
		o->token = token;
	}
	res->have_daemon = 1;
	run_target(o, "maestrod", TARGET_DAEMON, socket, res->daemon, res);
	if (o->maestrod != NULL)
		daemon_stop(&d);
	return 0;
}

/* Fails before the baseline run, not after it, when the target is wrong. */
static int
check_target(const struct options *o)
{
	int fd, r;

	if (o->maestrod != NULL && access(o->maestrod, X_OK) < 0) {
		fprintf(stderr, "maestro-bench: cannot execute %s: %s\n",
			o->maestrod, strerror(errno));
		return -1;
	}
	if (o->socket != NULL) {
		r = bench_unix_connect(o->socket, &fd);
		if (r < 0) {
			fprintf(stderr, "maestro-bench: connect %s: %s\n",
				o->socket, strerror(-r));
			return -1;
		}
		close(fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o;
	static struct results res;
	uint64_t errors = 0;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	if (check_target(&o) < 0)
		return 1;
	setup_signals();

	if (!o.json)
		print_header(&o);
	if (run_in_process(&o, &res) < 0)
		return 1;
	if (!o.baseline_only && !atomic_load(&bench_interrupted) &&
	    run_daemon(&o, &res) < 0)
		res.failed = 1;

	for (unsigned i = 0; i < o.nclients; i++)
		errors += res.echo[i].errors + res.floor[i].errors + res.daemon[i].errors;
	if (o.json)
		print_json(&o, &res, errors);
	else
		print_ratios(&o, &res);
	if (errors > 0)
		fprintf(stderr, "maestro-bench: errors: %" PRIu64 "\n", errors);
	if (atomic_load(&bench_interrupted)) {
		fprintf(stderr, "maestro-bench: interrupted; figures are partial\n");
		return 1;
	}
	return errors > 0 || res.failed ? 1 : 0;
}
