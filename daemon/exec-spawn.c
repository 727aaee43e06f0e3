/* governance.execute's child: fork, confine (group, descriptors, limits, user, no_new_privs, Landlock), exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"
#include "util.h"

char **
exec_find_program(const char *name, const char *const *envp)
{
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	char *found[64], **out, *p;
	size_t n = 0, bytes = 0;

	if (name[0] == '\0')
		return NULL;
	for (size_t i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	if (strchr(name, '/') != NULL) {
		/* A relative name with a '/' is resolved by the child, after its chdir. */
		found[n++] = strdup(name);
		if (found[0] == NULL)
			return NULL;
	} else {
		for (const char *d = path; n < ARRAY_SIZE(found);) {
			size_t len = strcspn(d, ":");
			struct stat st;
			char *cand;

			/* An empty element would be the current directory: not followed here. */
			if (len > 0 && d[0] == '/' && asprintf(&cand, "%.*s/%s", (int)len, d, name) >= 0) {
				if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0)
					found[n++] = cand;
				else
					free(cand);
			}
			if (d[len] == '\0')
				break;
			d += len + 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		bytes += strlen(found[i]) + 1;
	out = n > 0 ? malloc((n + 1) * sizeof *out + bytes) : NULL;
	p = out != NULL ? (char *)(out + n + 1) : NULL;
	for (size_t i = 0; i < n; i++) {
		if (out != NULL) {
			out[i] = p;
			p = stpcpy(p, found[i]) + 1;
		}
		free(found[i]);
	}
	if (out != NULL)
		out[n] = NULL;
	return out;
}

/* In the child: only system calls from here on, so a message is a write(2) of constant text. */
static void __attribute__((noreturn))
child_fail(const char *what)
{
	static const char prefix[] = "maestrod: cannot start the command: ";
	ssize_t r;

	r = write(2, prefix, sizeof prefix - 1);
	r = write(2, what, strlen(what));
	r = write(2, "\n", 1);
	(void)r;
	_exit(127);
}

static void
child_limit(int resource, uint64_t soft, uint64_t hard, const char *what)
{
	struct rlimit rl = { .rlim_cur = (rlim_t)soft, .rlim_max = (rlim_t)hard };

	if (setrlimit(resource, &rl) < 0)
		child_fail(what);
}

static void __attribute__((noreturn))
child_run(const struct exec_child *s, const sigset_t *empty)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int ruleset = s->ruleset_fd;
	bool denied = false;

	/* Its own group, so that a timeout or a departed client kills its grandchildren too. */
	if (setpgid(0, 0) < 0)
		child_fail("setpgid");
	/* maestrod ignores SIGPIPE and its threads block signals; a command expects neither. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigprocmask(SIG_SETMASK, empty, NULL);
	if (dup2(s->stdin_fd, 0) < 0 || dup2(s->stdout_fd, 1) < 0 || dup2(s->stderr_fd, 2) < 0)
		child_fail("dup2");
	/*
	 * Nothing of maestrod's (its socket, database, clients) survives into
	 * the command; the ruleset moves to 3 and is closed once enforced.
	 */
	if (ruleset >= 0 && (ruleset = dup2(ruleset, 3)) < 0)
		child_fail("dup2");
	if (syscall(SYS_close_range, ruleset >= 0 ? 4u : 3u, ~0u, 0u) < 0)
		for (int fd = ruleset >= 0 ? 4 : 3; fd < 65536; fd++)
			close(fd);
	if (s->cwd != NULL && chdir(s->cwd) < 0)
		child_fail("chdir to the working directory failed");
	child_limit(RLIMIT_CPU, s->limits.cpu_s, s->limits.cpu_s + 1, "RLIMIT_CPU");
	child_limit(RLIMIT_AS, s->limits.memory, s->limits.memory, "RLIMIT_AS");
	child_limit(RLIMIT_NOFILE, s->limits.files, s->limits.files, "RLIMIT_NOFILE");
	child_limit(RLIMIT_FSIZE, s->limits.file_size, s->limits.file_size, "RLIMIT_FSIZE");
	child_limit(RLIMIT_NPROC, s->limits.procs, s->limits.procs, "RLIMIT_NPROC");
	child_limit(RLIMIT_CORE, 0, 0, "RLIMIT_CORE");
	if (s->change_user) {
		/* Raw system calls: this process has one thread, and glibc's would signal the others. */
		if (syscall(SYS_setgroups, 1, &s->gid) < 0 ||
		    syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0 ||
		    syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0)
			child_fail("cannot change to the command's user");
	}
	/* After the change of user, which clears it: the command dies with maestrod. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail("PR_SET_NO_NEW_PRIVS");
	if (ruleset >= 0) {
		if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
			child_fail("landlock_restrict_self");
		close(ruleset);
	}
	/* As execvp(): on to the next candidate past one this user cannot run. */
	for (char *const *p = s->paths; *p != NULL; p++) {
		execve(*p, s->argv, s->envp);
		if (errno == EACCES)
			denied = true;
		else if (errno != ENOENT && errno != ENOTDIR)
			break;
	}
	child_fail(denied ? "permission denied (for the command's user)"
		   : errno == ENOENT || errno == ENOTDIR ? "no such program"
		   : errno == EAGAIN ? "the user has too many processes (exec_procs)"
				     : "execve failed");
}

int
exec_spawn(const struct exec_child *spec, pid_t *pid_out, int *pidfd_out)
{
	sigset_t empty;
	pid_t pid;
	int pidfd;

	sigemptyset(&empty);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_run(spec, &empty);
	/*
	 * The loop learns of the exit through this descriptor, and only ever
	 * signals the group while the leader is not yet reaped: a pid cannot be
	 * reused before that.
	 */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		int r = -errno;

		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return r;
	}
	*pid_out = pid;
	*pidfd_out = pidfd;
	return 0;
}
