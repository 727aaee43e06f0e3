/* governance.execute on a worker: the user, the rules, the environment, the pipes, then the fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "exec-internal.h"
#include "util.h"

extern char **environ;

/* Who runs the command, and that user's home. */
struct run_user {
	bool change;
	uid_t uid;
	gid_t gid;
	char name[64];
	char home[256];
};

/*
 * A command never runs with more privilege than the client that asked:
 * a root maestrod runs it as the peer's uid, and a root peer's as
 * exec_user (nobody), so that RLIMIT_NPROC, which root ignores, holds. A
 * maestrod that is not root cannot change user: the command runs as it.
 */
static int
run_user_find(struct execution *ex, struct run_user *u)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];

	u->change = geteuid() == 0;
	if (!u->change) {
		u->uid = geteuid();
		u->gid = getegid();
		if (getpwuid_r(u->uid, &pw, tmp, sizeof tmp, &res) == 0 && res != NULL) {
			snprintf(u->name, sizeof u->name, "%s", pw.pw_name);
			snprintf(u->home, sizeof u->home, "%s", pw.pw_dir);
		}
		return 0;
	}
	if (ex->peer_uid != 0)
		getpwuid_r(ex->peer_uid, &pw, tmp, sizeof tmp, &res);
	else
		getpwnam_r(ex->limits.user, &pw, tmp, sizeof tmp, &res);
	if (res == NULL) {
		snprintf(ex->error, sizeof ex->error, "cannot run the command: no user %s",
			 ex->peer_uid != 0 ? "for the client's uid" : ex->limits.user);
		return -ENOENT;
	}
	if (pw.pw_uid == 0) {
		snprintf(ex->error, sizeof ex->error, "cannot run the command: exec_user must not be root");
		return -EPERM;
	}
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	snprintf(u->name, sizeof u->name, "%s", pw.pw_name);
	snprintf(u->home, sizeof u->home, "%s", pw.pw_dir);
	return 0;
}

/* The protected parts of the filesystem; the strings live in paths[] (freed by the caller). */
static void
fs_plan(struct execution *ex, const struct run_user *u, struct exec_fs *fs, char **paths,
	size_t max)
{
	static const char *const fixed[] = { "/etc", "/etc/ssh", "/run", "/root", "/home", NULL };
	static const char *const under_home[] = { ".config", ".docker", ".local/share", NULL };
	struct passwd pw, *res = NULL;
	char tmp[4096];
	const char *homes[3] = { u->home[0] ? u->home : NULL, ex->daemon_home, NULL };
	size_t n = 0;

	if (getpwuid_r(ex->peer_uid, &pw, tmp, sizeof tmp, &res) == 0 && res != NULL &&
	    (homes[2] = paths[n] = strdup(pw.pw_dir)) != NULL)
		n++;
	for (const char *const *f = fixed; *f != NULL; f++)
		exec_fs_enumerate(fs, *f);
	for (size_t i = 0; i < ARRAY_SIZE(homes); i++) {
		if (homes[i] == NULL || homes[i][0] != '/' || strcmp(homes[i], "/") == 0)
			continue;
		exec_fs_enumerate(fs, homes[i]);
		for (const char *const *h = under_home; *h != NULL && n < max; h++)
			if (asprintf(&paths[n], "%s/%s", homes[i], *h) >= 0)
				exec_fs_enumerate(fs, paths[n++]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ex->maestro_files); i++) {
		static const char *const journal[] = { "-wal", "-shm", "-journal" };

		exec_fs_hide(fs, ex->maestro_files[i]);
		if (i != 3 || ex->maestro_files[i] == NULL)
			continue;
		for (size_t j = 0; j < ARRAY_SIZE(journal) && n < max; j++)
			if (asprintf(&paths[n], "%s%s", ex->maestro_files[i], journal[j]) >= 0)
				exec_fs_hide(fs, paths[n++]);
	}
}

/* A pipe whose parent end is nonblocking and whose child end is not CLOEXEC'd away too early. */
static int
make_pipe(int *parent, int *child, bool parent_reads)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	*parent = parent_reads ? p[0] : p[1];
	*child = parent_reads ? p[1] : p[0];
	if (fcntl(*parent, F_SETFL, O_NONBLOCK) < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	return 0;
}

static struct json_object *
limits_json(const struct execution *ex)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "timeout_s", json_object_new_int((int)ex->timeout_s));
	json_object_object_add(o, "cpu_s", json_object_new_int64((int64_t)ex->limits.cpu_s));
	json_object_object_add(o, "memory", json_object_new_int64((int64_t)ex->limits.memory));
	json_object_object_add(o, "files", json_object_new_int64((int64_t)ex->limits.files));
	json_object_object_add(o, "file_size", json_object_new_int64((int64_t)ex->limits.file_size));
	json_object_object_add(o, "procs", json_object_new_int64((int64_t)ex->limits.procs));
	json_object_object_add(o, "max_output", json_object_new_int64((int64_t)ex->limits.max_output));
	return o;
}

/* Writes stdin into its pipe now, made big enough to hold it: the loop never feeds it. */
static int
feed_stdin(struct execution *ex, int fd)
{
	size_t off = 0;

	if (ex->stdin_len > 65536 && fcntl(fd, F_SETPIPE_SZ, (int)ex->stdin_len) < 0)
		return -errno;
	while (off < ex->stdin_len) {
		ssize_t n = write(fd, ex->stdin_text + off, ex->stdin_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

static void
prepare(struct execution *ex)
{
	struct exec_child child = { .ruleset_fd = -1, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	struct exec_rules rules = { 0 };
	struct exec_fs fs = { 0 };
	struct json_object *c = json_object_new_object(), *fsj = json_object_new_object();
	struct json_object *scrubbed = json_object_new_array();
	struct run_user u = { 0 };
	char *paths[24] = { 0 }, **envp = NULL, **program = NULL, *sh_argv[4];
	const char *why = NULL;
	int in_parent = -1, r;
	char note[160], sh_name[] = "sh", sh_c[] = "-c";

	ex->confinement = c;
	json_object_object_add(c, "filesystem", fsj);
	if (run_user_find(ex, &u) < 0)
		goto out;
	json_object_object_add(c, "user", json_object_new_string(u.name));
	json_object_object_add(c, "uid", json_object_new_int64(u.uid));
	json_object_object_add(c, "no_new_privs", json_object_new_boolean(1));
	json_object_object_add(c, "process_group", json_object_new_boolean(1));
	json_object_object_add(c, "limits", limits_json(ex));

	if (ex->permissions & PERM_WRITE_FILES) {
		char tmpl[] = "/tmp/maestro-exec-XXXXXX";

		if (mkdtemp(tmpl) == NULL) {
			snprintf(ex->error, sizeof ex->error, "cannot create the temporary directory: %s",
				 strerror(errno));
			goto out;
		}
		/* Set first: the screening removes it, whatever happens next. */
		ex->tmpdir = strdup(tmpl);
		if (ex->tmpdir == NULL || (u.change && chown(tmpl, u.uid, u.gid) < 0)) {
			snprintf(ex->error, sizeof ex->error, "cannot prepare the temporary directory: %s",
				 strerror(errno));
			if (ex->tmpdir == NULL)
				rmdir(tmpl);
			goto out;
		}
	}

	rules.abi = exec_landlock_abi(&why);
	rules.write_files = ex->permissions & PERM_WRITE_FILES;
	rules.read_secrets = ex->permissions & PERM_READ_SECRETS;
	rules.network = ex->permissions & PERM_NETWORK_ACCESS;
	rules.workspace = ex->workspace;
	rules.tmpdir = ex->tmpdir;
	rules.fs = &fs;
	rules.unreadable = json_object_new_array();
	rules.writable = json_object_new_array();
	json_object_object_add(fsj, "writable", rules.writable);
	json_object_object_add(fsj, "unreadable", rules.unreadable);
	json_object_object_add(c, "landlock_abi", json_object_new_int(rules.abi));
	fs_plan(ex, &u, &fs, paths, ARRAY_SIZE(paths));
	if (rules.abi > 0) {
		r = exec_landlock_build(&rules, &child.ruleset_fd);
		if (r < 0) {
			snprintf(ex->error, sizeof ex->error, "cannot build the Landlock ruleset: %s",
				 strerror(-r));
			goto out;
		}
		json_object_object_add(c, "landlock", json_object_new_string("enforced"));
		json_object_object_add(fsj, "rules", json_object_new_int((int)rules.n_rules));
	} else {
		snprintf(note, sizeof note, "unavailable: %s", why);
		json_object_object_add(c, "landlock", json_object_new_string(note));
	}
	json_object_object_add(c, "network",
			       json_object_new_string(rules.network ? "allowed"
						      : rules.abi >= 4 ? "denied"
								       : "not enforceable"));
	json_object_object_add(c, "network_scope",
			       json_object_new_string("Landlock restricts TCP bind and connect only: "
						      "UDP, Unix and raw sockets are not covered"));

	envp = exec_env_build((const char *const *)environ, ex->env, ex->permissions & PERM_READ_SECRETS, ex->tmpdir,
			      scrubbed);
	json_object_object_add(c, "env_scrubbed", scrubbed);
	scrubbed = NULL;
	if (envp == NULL) {
		snprintf(ex->error, sizeof ex->error, "internal error: out of memory");
		goto out;
	}
	if (ex->argv == NULL) {
		sh_argv[0] = sh_name;
		sh_argv[1] = sh_c;
		sh_argv[2] = ex->command;
		sh_argv[3] = NULL;
		program = exec_find_program("/bin/sh", (const char *const *)envp);
	} else {
		program = exec_find_program(ex->argv[0], (const char *const *)envp);
	}
	if (program == NULL) {
		snprintf(ex->error, sizeof ex->error, "cannot run the command: %s: not found in PATH",
			 ex->argv ? ex->argv[0] : "/bin/sh");
		goto out;
	}
	if ((r = make_pipe(&ex->out.fd, &child.stdout_fd, true)) < 0 ||
	    (r = make_pipe(&ex->err.fd, &child.stderr_fd, true)) < 0 ||
	    (ex->stdin_text != NULL && (r = make_pipe(&in_parent, &child.stdin_fd, false)) < 0)) {
		snprintf(ex->error, sizeof ex->error, "cannot make pipes: %s", strerror(-r));
		goto out;
	}
	if (ex->stdin_text == NULL && (child.stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(ex->error, sizeof ex->error, "cannot open /dev/null: %s", strerror(errno));
		goto out;
	}
	if (in_parent >= 0 && (r = feed_stdin(ex, in_parent)) < 0) {
		snprintf(ex->error, sizeof ex->error, "cannot pass stdin: %s", strerror(-r));
		goto out;
	}
	/* Most commands say little: the buffers grow as output comes, up to max_output. */
	ex->out.cap = ex->err.cap = ex->limits.max_output < 16384 ? ex->limits.max_output : 16384;
	ex->out.buf = malloc(ex->out.cap);
	ex->err.buf = malloc(ex->err.cap);
	if (ex->out.buf == NULL || ex->err.buf == NULL) {
		snprintf(ex->error, sizeof ex->error, "internal error: out of memory");
		goto out;
	}

	child.paths = program;
	child.argv = ex->argv ? ex->argv : sh_argv;
	child.envp = envp;
	child.cwd = ex->cwd;
	child.change_user = u.change;
	child.uid = u.uid;
	child.gid = u.gid;
	child.limits = ex->limits;
	ex->started_mono = now_usec(CLOCK_MONOTONIC);
	r = exec_spawn(&child, &ex->pid, &ex->pidfd);
	if (r < 0)
		snprintf(ex->error, sizeof ex->error, "cannot start the command: %s", strerror(-r));
out:
	/* The child holds its ends now; ours would keep the pipes from reaching EOF. */
	if (in_parent >= 0)
		close(in_parent);
	if (child.stdin_fd >= 0)
		close(child.stdin_fd);
	if (child.stdout_fd >= 0)
		close(child.stdout_fd);
	if (child.stderr_fd >= 0)
		close(child.stderr_fd);
	if (child.ruleset_fd >= 0)
		close(child.ruleset_fd);
	json_object_put(scrubbed);
	free(program);
	free(envp);
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		free(paths[i]);
}

void
exec_prepare_work(struct work_item *item)
{
	struct execution *ex = (struct execution *)((char *)item - offsetof(struct execution, item));

	prepare(ex);
	if (ex->error[0] != '\0') {
		/* Nothing runs: the pipes go, the loop only finishes it. */
		if (ex->out.fd >= 0)
			close(ex->out.fd);
		if (ex->err.fd >= 0)
			close(ex->err.fd);
		ex->out.fd = ex->err.fd = -1;
	}
}
