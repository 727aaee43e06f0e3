/* maestro-bench: runs a private maestrod in a fresh temp directory. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* prctl */
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* How long maestrod gets to open its socket, and to exit on SIGTERM. */
#define SPAWN_READY_MS 10000u
#define SPAWN_STOP_MS 5000u
#define SPAWN_POLL_MS 10u

static void
spawn_report_status(const char *exe, int status, const char *when)
{
	if (WIFEXITED(status))
		fprintf(stderr, "maestro-bench: %s exited with status %d %s\n",
			exe, WEXITSTATUS(status), when);
	else if (WIFSIGNALED(status))
		fprintf(stderr, "maestro-bench: %s killed by signal %d (%s) %s\n",
			exe, WTERMSIG(status), strsignal(WTERMSIG(status)),
			when);
}

/* Between fork and exec: only async-signal-safe calls, then _exit. */
static _Noreturn void
spawn_child(char *exe, char *socket, char *db, char *config, pid_t parent)
{
	/* execv() takes char *const[]; these copies make that honest. */
	char opt_socket[] = "--socket", opt_db[] = "--db", opt_config[] = "--config";
	char opt_log[] = "--log-level", level[] = "warning";
	char *argv[] = {
		exe, opt_socket, socket, opt_db, db,
		opt_config, config, opt_log, level, NULL,
	};
	int fd;

	/*
	 * Its own process group, so a ^C reaches only us and we stop it
	 * with SIGTERM like a service manager would; and SIGTERM if we
	 * die without cleaning up, so no daemon outlives the bench.
	 */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		_exit(127);
	if (fd != STDIN_FILENO)
		close(fd);
	/* Every other fd we own is O_CLOEXEC / SOCK_CLOEXEC. */
	execv(exe, argv);
	_exit(127);
}

static int
spawn_wait_ready(const char *exe, struct daemon_proc *d)
{
	for (unsigned waited = 0; waited < SPAWN_READY_MS;
	     waited += SPAWN_POLL_MS) {
		int status, fd, r;

		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			spawn_report_status(exe, status,
					    "before its socket accepted");
			d->pid = -1;
			return -ECHILD;
		}
		r = bench_unix_connect(d->socket, &fd);
		if (r == 0) {
			close(fd);
			return 0;
		}
		if (r != -ENOENT && r != -ECONNREFUSED) {
			fprintf(stderr, "maestro-bench: connect %s: %s\n",
				d->socket, strerror(-r));
			return r;
		}
		if (atomic_load(&bench_interrupted))
			return -EINTR;
		bench_sleep_ms(SPAWN_POLL_MS);
	}
	fprintf(stderr, "maestro-bench: %s did not accept on %s within %u s\n",
		exe, d->socket, SPAWN_READY_MS / 1000);
	return -ETIMEDOUT;
}

int
daemon_start(const char *exe, struct daemon_proc *d)
{
	char db[sizeof d->dir + 16], config[sizeof d->dir + 16];
	pid_t parent = getpid();
	FILE *f;
	char *exe_copy;
	int r;

	d->pid = -1;
	d->dir[0] = '\0';
	exe_copy = strdup(exe); /* execv() wants it writable */
	if (exe_copy == NULL)
		return -ENOMEM;
	r = bench_make_tempdir(d->dir, sizeof d->dir);
	if (r < 0) {
		fprintf(stderr, "maestro-bench: cannot make a temp directory: "
			"%s\n", strerror(-r));
		d->dir[0] = '\0';
		free(exe_copy);
		return r;
	}
	snprintf(d->socket, sizeof d->socket, "%s/maestrod.sock", d->dir);
	snprintf(db, sizeof db, "%s/maestro.db", d->dir);
	/*
	 * The governance mix's dangerous commands are denied, and every deny
	 * costs the agent trust: with suspension on, the bench agent would be
	 * suspended after a few dozen, as a real one should be, and every
	 * later request would be refused instead of decided.
	 */
	snprintf(config, sizeof config, "%s/maestrod.conf", d->dir);
	f = fopen(config, "we");
	r = f == NULL ? -errno : 0;
	if (f != NULL && (fputs("trust_suspend = 0\n", f) < 0) + (fclose(f) != 0))
		r = -EIO;
	if (r < 0) {
		fprintf(stderr, "maestro-bench: cannot write %s: %s\n", config, strerror(-r));
		free(exe_copy);
		daemon_stop(d);
		return r;
	}

	fflush(NULL); /* or the child's exit could print our buffers twice */
	d->pid = fork();
	if (d->pid < 0) {
		r = -errno;
		fprintf(stderr, "maestro-bench: fork: %s\n", strerror(-r));
		free(exe_copy);
		daemon_stop(d);
		return r;
	}
	if (d->pid == 0)
		spawn_child(exe_copy, d->socket, db, config, parent);
	free(exe_copy);

	r = spawn_wait_ready(exe, d);
	if (r < 0) {
		daemon_stop(d);
		return r;
	}
	return 0;
}

/* SIGTERM, a grace period, then SIGKILL; removes the temp directory. */
void
daemon_stop(struct daemon_proc *d)
{
	if (d->pid > 0) {
		unsigned waited = 0;
		int status = 0;
		pid_t r;

		kill(d->pid, SIGTERM);
		while ((r = waitpid(d->pid, &status, WNOHANG)) == 0 &&
		       waited < SPAWN_STOP_MS) {
			bench_sleep_ms(SPAWN_POLL_MS);
			waited += SPAWN_POLL_MS;
		}
		if (r == 0) {
			fprintf(stderr, "maestro-bench: maestrod ignored SIGTERM "
				"for %u s; sending SIGKILL\n",
				SPAWN_STOP_MS / 1000);
			kill(d->pid, SIGKILL);
			while ((r = waitpid(d->pid, &status, 0)) < 0 &&
			       errno == EINTR)
				;
		}
		/* A clean stop on SIGTERM is status 0 (or death by SIGTERM). */
		if (r == d->pid &&
		    !(WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
		    !(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM))
			spawn_report_status("maestrod", status, "on SIGTERM");
		d->pid = -1;
	}
	bench_remove_tempdir(d->dir);
	d->dir[0] = '\0';
}
