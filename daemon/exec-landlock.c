/* governance.execute's Landlock ruleset: what a command may read and write, and whether it may use TCP. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/landlock.h>

#include "effects-internal.h"
#include "exec.h"
#include "util.h"

/*
 * The system headers may predate the ABI the kernel offers; the values
 * are the kernel's ABI, fixed once published.
 */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#define EXEC_LL_NET_BIND_TCP (1ULL << 0)
#define EXEC_LL_NET_CONNECT_TCP (1ULL << 1)
#define EXEC_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define EXEC_LL_SCOPE_SIGNAL (1ULL << 1)

/* The attribute as of ABI 6; older kernels are given a shorter size. */
struct exec_ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};

/* Directory trees are enumerated at most this deep, and a ruleset holds at most so many rules. */
#define EXEC_FS_MAX_DEPTH 8
#define EXEC_FS_MAX_RULES 8192
/* The result lists this many unreadable paths; the rest are counted. */
#define EXEC_FS_REPORT_MAX 64

#define READ_FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE)
#define READ_DIR_RIGHTS (READ_FILE_RIGHTS | LANDLOCK_ACCESS_FS_READ_DIR)

int
exec_landlock_abi(const char **why)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (abi >= 1)
		return (int)abi;
	*why = errno == ENOSYS	   ? "this kernel has no Landlock (before Linux 5.13, or not built in)"
	       : errno == EOPNOTSUPP ? "Landlock is disabled on this kernel (lsm= boot parameter)"
				     : "Landlock could not be queried";
	return 0;
}

void
exec_fs_hide(struct exec_fs *fs, const char *path)
{
	if (path != NULL && path[0] == '/' && fs->n_hidden < EXEC_FS_MAX_TARGETS)
		fs->hidden[fs->n_hidden++] = path;
}

void
exec_fs_enumerate(struct exec_fs *fs, const char *path)
{
	if (path != NULL && path[0] == '/' && fs->n_enumerate < EXEC_FS_MAX_TARGETS)
		fs->enumerate[fs->n_enumerate++] = path;
}

bool
exec_fs_is_hidden(const struct exec_fs *fs, const char *path)
{
	for (unsigned i = 0; i < fs->n_hidden; i++)
		if (path_under(path, fs->hidden[i]))
			return true;
	return false;
}

/* dir is above path, or is path. */
static bool
above(const char *dir, const char *path)
{
	return path_under(path, dir);
}

bool
exec_fs_needs_enumeration(const struct exec_fs *fs, const char *path)
{
	const char *slash;

	for (unsigned i = 0; i < fs->n_hidden; i++)
		if (above(path, fs->hidden[i]) && strcmp(path, fs->hidden[i]) != 0)
			return true;
	for (unsigned i = 0; i < fs->n_enumerate; i++)
		if (above(path, fs->enumerate[i]))
			return true;
	/* Every home: /home/NAME and /Users/NAME, whoever they belong to. */
	slash = strrchr(path, '/');
	if (slash != NULL && fs->n_enumerate > 0 &&
	    ((slash - path == 5 && strncmp(path, "/home", 5) == 0) ||
	     (slash - path == 6 && strncmp(path, "/Users", 6) == 0)))
		return true;
	return false;
}

struct builder {
	struct exec_rules *rules;
	struct exec_fs plan; /* the plan, emptied of enumeration when secrets are readable */
	int fd;
	uint64_t handled;
	unsigned n_unreadable;
	int error;
};

static void
note_unreadable(struct builder *b, const char *path)
{
	if (b->n_unreadable++ < EXEC_FS_REPORT_MAX)
		json_object_array_add(b->rules->unreadable, json_object_new_string(path));
}

/* One rule on path; a path that is gone or cannot be opened is simply not granted. */
static void
grant(struct builder *b, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr attr = { 0 };
	int fd;

	if (b->error < 0)
		return;
	if (b->rules->n_rules >= EXEC_FS_MAX_RULES) {
		b->error = -E2BIG;
		return;
	}
	fd = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	attr.allowed_access = access & b->handled;
	attr.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, b->fd, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) == 0)
		b->rules->n_rules++;
	else if (errno != EINVAL) /* EINVAL: a symlink or an odd file; nothing granted */
		b->error = -errno;
	close(fd);
}

/* Grants dir entry by entry, leaving out what is protected; see struct exec_fs. */
static void
grant_enumerated(struct builder *b, const char *dir, int depth)
{
	DIR *dh;
	struct dirent *e;
	int dfd;

	/* Listing: names only, in dir and below; the contents come from the rules per entry. */
	grant(b, dir, LANDLOCK_ACCESS_FS_READ_DIR);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return;
	dh = fdopendir(dfd);
	if (dh == NULL) {
		close(dfd);
		return;
	}
	while (b->error == 0 && (e = readdir(dh)) != NULL) {
		char path[PATH_MAX];
		unsigned char type = e->d_type;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, e->d_name) >=
		    (int)sizeof path)
			continue;
		if (exec_fs_is_hidden(&b->plan, path) ||
		    (!b->rules->read_secrets && path_is_sensitive(path))) {
			note_unreadable(b, path);
			continue;
		}
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
		}
		/* A symlink's target is judged where it lives: a rule on the link would grant nothing. */
		if (type == DT_LNK)
			continue;
		if (type == DT_DIR && depth < EXEC_FS_MAX_DEPTH &&
		    exec_fs_needs_enumeration(&b->plan, path))
			grant_enumerated(b, path, depth + 1);
		else
			grant(b, path, type == DT_DIR ? READ_DIR_RIGHTS : READ_FILE_RIGHTS);
	}
	closedir(dh);
}

int
exec_landlock_build(struct exec_rules *rules, int *out)
{
	struct exec_ll_ruleset_attr attr = { 0 };
	struct builder b = { .rules = rules, .fd = -1 };
	uint64_t write = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
			 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
			 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
			 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM |
			 LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE;
	size_t size = sizeof attr.handled_access_fs;
	static const char *const devices[] = { "/dev/null", "/dev/zero", "/dev/full", NULL };

	if (rules->abi < 1)
		return -EOPNOTSUPP;
	/* Every filesystem right of ABI 1 to 3; IOCTL_DEV (ABI 5) is left to the kernel's checks. */
	attr.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
				 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
				 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
				 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
				 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
				 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
				 LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (rules->abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (rules->abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (rules->abi >= 4) {
		/* Handled means denied unless a rule allows: no port rules, so no TCP at all. */
		if (!rules->network)
			attr.handled_access_net = EXEC_LL_NET_BIND_TCP | EXEC_LL_NET_CONNECT_TCP;
		size = offsetof(struct exec_ll_ruleset_attr, scoped);
	}
	if (rules->abi >= 6) {
		/* No signals to processes outside the sandbox (maestrod), no abstract sockets out of it. */
		attr.scoped = EXEC_LL_SCOPE_SIGNAL | (rules->network ? 0 : EXEC_LL_SCOPE_ABSTRACT_UNIX);
		size = sizeof attr;
	}
	b.handled = attr.handled_access_fs;
	b.fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (b.fd < 0)
		return -errno;

	b.plan = *rules->fs;
	if (rules->read_secrets)
		b.plan.n_enumerate = 0; /* only maestro's own files stay out of reach */
	if (exec_fs_needs_enumeration(&b.plan, "/"))
		grant_enumerated(&b, "/", 0);
	else
		grant(&b, "/", READ_DIR_RIGHTS);
	/* Writing to these is not writing anything; "cmd >/dev/null" opens with O_TRUNC. */
	for (const char *const *d = devices; *d != NULL; d++)
		grant(&b, *d, LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
				      LANDLOCK_ACCESS_FS_READ_FILE);
	if (rules->write_files) {
		const char *w[] = { rules->workspace, rules->tmpdir };

		for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
			if (w[i] == NULL)
				continue;
			grant(&b, w[i], write | READ_DIR_RIGHTS * (i == 1));
			json_object_array_add(rules->writable, json_object_new_string(w[i]));
		}
	}
	if (b.n_unreadable > EXEC_FS_REPORT_MAX) {
		char more[64];

		snprintf(more, sizeof more, "... and %u more", b.n_unreadable - EXEC_FS_REPORT_MAX);
		json_object_array_add(rules->unreadable, json_object_new_string(more));
	}
	if (b.error < 0) {
		close(b.fd);
		return b.error;
	}
	*out = b.fd;
	return 0;
}
