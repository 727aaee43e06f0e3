/* governance.execute: running an allowed command as maestrod's child, confined to the agent's permissions. */
#ifndef MAESTRO_EXEC_H
#define MAESTRO_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "config.h"

struct conn;
struct maestrod;

/*
 * Errors follow the daemon's convention: a negative errno is a failure the
 * caller reports; what the confinement could not apply on this kernel is
 * not an error but a note in the result (landlock "unavailable: ...").
 */

/* The daemon's hooks: a client left, or the daemon stops. Loop thread. */

/* conn is being freed: its running commands are killed (their replies go nowhere). */
void exec_conn_gone(struct conn *c);
/*
 * conn read EOF: a client that closed its socket (not one that only shut
 * down its sending side) is gone, and its running commands are killed.
 */
void exec_conn_eof(struct conn *c);
/* Shutdown: every running command is killed and answered. */
void exec_shutdown(struct maestrod *d);
/* daemon_free(): whatever still runs is killed and forgotten, unanswered. */
void exec_free_all(struct maestrod *d);

/* ---- environment (exec-env.c) ---- */

/*
 * Whether a variable's name says it holds a credential: TOKEN, SECRET,
 * PASSWORD, PASSWD, API_KEY, PRIVATE_KEY, CREDENTIAL(S), AUTH, SESSION, ...
 * as a word of the name (GITHUB_TOKEN, my_db_password), every AWS_*,
 * and the names known to hold keys (OPENAI_API_KEY, MAESTRO_TOKEN, ...).
 */
bool exec_env_secret_name(const char *name);

/*
 * The child's environment: base (NAME=value strings, maestrod's own) then
 * extra (a JSON object of strings, the request's env, winning over base),
 * with every secret name dropped unless keep_secrets, and the variables
 * maestrod sets itself (TMPDIR when tmpdir is not NULL) last. Dropped
 * names are appended to scrubbed (a JSON array), once each. Returns a
 * NULL-terminated array of strings allocated as one block (free() it), or
 * NULL when out of memory.
 */
char **exec_env_build(const char *const *base, struct json_object *extra, bool keep_secrets,
		      const char *tmpdir, struct json_object *scrubbed);

/*
 * argv quoted for a POSIX shell, so that the pipeline judges the very
 * words that will run: plain words as they are, others in single quotes
 * ('it'\''s'). NULL when out of memory.
 */
char *exec_argv_quote(const char *const *argv, size_t argc);

/* ---- filesystem rules (exec-landlock.c) ---- */

/* The Landlock ABI this kernel offers: 0 when it has none (or it is disabled), with why. */
int exec_landlock_abi(const char **why);

#define EXEC_FS_MAX_TARGETS 32

/*
 * Which parts of the filesystem a command may read. Landlock only allows:
 * a rule grants access to a whole tree, and nothing can take a path out
 * of a tree granted. So readable is built from the top: every entry of /
 * is granted whole, except the directories that hold a protected path,
 * which are granted one entry at a time (and listing, which reveals names
 * only), recursively down to the protected paths, which are left out.
 */
struct exec_fs {
	/* Protected paths: left out of what is readable (maestro's own files, with their -wal/-shm). */
	const char *hidden[EXEC_FS_MAX_TARGETS];
	unsigned n_hidden;
	/*
	 * Directories granted entry by entry, so that the sensitive names in
	 * them (path_is_sensitive: .ssh, .aws, .gnupg, .env, /etc/shadow,
	 * browser profiles, ...) can be left out: /etc, /etc/ssh, /run,
	 * every home and its .config, .docker and .local/share.
	 */
	const char *enumerate[EXEC_FS_MAX_TARGETS];
	unsigned n_enumerate;
};

/* Adds a protected path or a directory to enumerate; silently ignores a full list or NULL. */
void exec_fs_hide(struct exec_fs *fs, const char *path);
void exec_fs_enumerate(struct exec_fs *fs, const char *path);

/* The part of the plan that decides, without touching the filesystem. */
bool exec_fs_is_hidden(const struct exec_fs *fs, const char *path);
/* Whether path (absolute, normalised) is granted entry by entry rather than whole. */
bool exec_fs_needs_enumeration(const struct exec_fs *fs, const char *path);

/* What the command may do, and what the ruleset reports back. */
struct exec_rules {
	int abi;		 /* from exec_landlock_abi() */
	bool write_files;	 /* writes under workspace and tmpdir */
	bool read_secrets;	 /* the sensitive paths are readable too */
	bool network;		 /* TCP bind and connect allowed */
	const char *workspace;	 /* may be NULL */
	const char *tmpdir;	 /* may be NULL */
	const struct exec_fs *fs;
	/* Filled: what was left out, for the result (up to a bound). */
	struct json_object *unreadable; /* array */
	struct json_object *writable;	/* array */
	unsigned n_rules;
};

/*
 * Builds the Landlock ruleset for rules into *fd (CLOEXEC), for the child
 * to enforce with landlock_restrict_self(). Returns 0, or a negative errno
 * (the ruleset then is not enforced, and the command does not run).
 */
int exec_landlock_build(struct exec_rules *rules, int *fd);

/* ---- spawning (exec-spawn.c) ---- */

/* Everything the child needs, prepared before fork: after it only system calls run. */
struct exec_child {
	char *const *paths;	    /* where the program may be, tried in order (execvp's way) */
	char *const *argv;
	char *const *envp;
	const char *cwd;	    /* may be NULL */
	int ruleset_fd;		    /* -1: no Landlock */
	bool change_user;	    /* maestrod is root: become uid/gid */
	uid_t uid;
	gid_t gid;
	struct exec_config limits;
	int stdin_fd, stdout_fd, stderr_fd; /* the child's ends */
};

/*
 * Forks the child of spec; in it: new process group, descriptors,
 * directory, limits, user, no_new_privs, Landlock, exec. On success *pid
 * and *pidfd (CLOEXEC) are set. A failure in the child after fork shows
 * as exit status 127 with a line on its stderr.
 */
int exec_spawn(const struct exec_child *spec, pid_t *pid, int *pidfd);

/*
 * Where name may be: itself when it holds a '/', else each directory of
 * PATH (from envp) that has it as an executable file, in order. The
 * child tries each, since maestrod (root) may see files its user cannot
 * run. A NULL-terminated array in one block (free() it); NULL when no
 * candidate exists or out of memory.
 */
char **exec_find_program(const char *name, const char *const *envp);

#endif
