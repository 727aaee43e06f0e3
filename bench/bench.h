/* maestro-bench: declarations shared by the load generator's files. */
#ifndef MAESTRO_BENCH_H
#define MAESTRO_BENCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Error convention: functions that can fail return 0 or a negative errno
 * and leave their output parameters untouched on failure; the caller says
 * what it was doing when it prints the error. Nothing here calls exit().
 */

/* Longest temp directory path we accept; sun_path is 108 bytes. */
#define BENCH_PATH_MAX 96

/* Set from the SIGINT/SIGTERM handler; every loop checks it. */
extern atomic_bool bench_interrupted;

uint64_t bench_now_ns(void);
void bench_sleep_ms(unsigned ms);

/* A blocking connected stream socket (SOCK_CLOEXEC) in *fdp. */
int bench_unix_connect(const char *path, int *fdp);

/* A nonblocking listening stream socket (SOCK_CLOEXEC) bound to path, in *fdp. */
int bench_unix_listen(const char *path, int *fdp);

/* Adds fd to the epoll set for EPOLLIN, tagged with tag; 0 or -errno. */
int bench_epoll_watch(int epoll_fd, int fd, void *tag);

/* mkdtemp() under $TMPDIR or /tmp; rmtree of what it made. */
int bench_make_tempdir(char *dir, size_t size);
void bench_remove_tempdir(const char *dir);

/* One request line, one reply line (at most size - 1 bytes, NUL-ended,
   '\n' dropped) on a fresh connection to path. */
int bench_rpc(const char *path, const char *request, char *reply,
	      size_t size);

/* echo.c: the baseline, a raw epoll line echo server on its own thread. */
struct echo_server;
int echo_start(const char *path, struct echo_server **out);
void echo_stop(struct echo_server *srv); /* accepts NULL */

/*
 * floor.c: the least the architecture can do per decision (a loop thread
 * that reads and parses, a worker hop, a writer thread committing a row
 * per request in groups, the reply after the commit), with a database in
 * dir; listening on dir/floor.sock, put in path.
 */
struct floor_server;
int floor_start(const char *dir, char *path, size_t size, struct floor_server **out);
void floor_stop(struct floor_server *srv); /* accepts NULL */

/* spawn.c: a private maestrod in a fresh temp directory. */
struct daemon_proc {
	pid_t pid;
	char dir[BENCH_PATH_MAX];
	char socket[BENCH_PATH_MAX + 16];
};
int daemon_start(const char *exe, struct daemon_proc *d);
void daemon_stop(struct daemon_proc *d);

/* load.c: N client threads driving one socket for a fixed time. */
enum target_kind {
	TARGET_ECHO,   /* the reply must equal the request byte for byte */
	TARGET_DAEMON, /* the reply must contain "result" */
};

struct load_params {
	const char *target;	/* "echo" or "maestrod", for messages */
	enum target_kind kind;
	const char *socket;
	const char *method;
	size_t payload;		/* bytes of 'x' in params.data; 0: no params */
	/* The agent's token: session.hello on each maestrod connection
	   before the run, and replies must hold "decision". NULL: none. */
	const char *token;
	unsigned clients;
	double warmup_s;
	double duration_s;
};

struct load_result {
	unsigned clients;
	uint64_t requests;	/* successful round trips in the window */
	uint64_t errors;	/* bad replies and failed connections */
	double window_s;	/* length of the measured window */
	double rps;
	double p50_us, p99_us, p999_us, max_us;
	int valid;		/* 0 when no request completed in the window */
};

/* The agent governance.evaluate runs as; registered by the bench. */
#define LOAD_AGENT_ID "bench"

/* 1 for governance.evaluate, which sends a fixed mix of actions. */
int load_method_is_governance(const char *method);
/* How many different requests a run cycles through. */
unsigned load_request_mix(const char *method);
/* The mean length of the request lines sent, with id 1. */
size_t load_request_size(const char *method, size_t payload);
int load_run(const struct load_params *p, struct load_result *r);

#endif
