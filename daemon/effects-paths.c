/* Paths an action touches: resolution, and what makes one sensitive, a system path or maestro's own. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "effects-internal.h"
#include "utf8.h"

/*
 * word resolved against cwd, with no ".", ".." or "//": what the kernel
 * would open, short of symlinks. NULL for a relative word when cwd is
 * unknown, or out of memory.
 */
char *
path_resolve(const char *word, const char *cwd)
{
	size_t wl = strlen(word), cl = word[0] == '/' ? 0 : (cwd ? strlen(cwd) : 0);
	char *in, *out;
	size_t o = 0;

	if (word[0] != '/' && (cwd == NULL || cwd[0] != '/'))
		return NULL;
	in = malloc(cl + wl + 2);
	out = malloc(cl + wl + 2);
	if (in == NULL || out == NULL) {
		free(in);
		free(out);
		return NULL;
	}
	if (cl > 0)
		memcpy(in, cwd, cl);
	in[cl] = '/';
	memcpy(in + cl + 1, word, wl + 1);
	for (char *s = in; *s;) {
		char *e;
		size_t n;

		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		e = strchr(s, '/');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n == 1 && s[0] == '.') {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, s, n);
			o += n;
		}
		s += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	free(in);
	return out;
}

bool
path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The first component of an absolute path, and its length. */
static size_t
first_component(const char *path, const char **comp)
{
	const char *e;

	*comp = path + 1;
	e = strchr(*comp, '/');
	return e ? (size_t)(e - *comp) : strlen(*comp);
}

static bool
component_in(const char *comp, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && memcmp(*list, comp, n) == 0)
			return true;
	return false;
}

/* /, /etc, /usr, /bin, /sbin, /lib*, /boot, /var, /opt, /root, /sys, /proc, and /home as a whole. */
bool
path_is_system(const char *path)
{
	static const char *const dirs[] = { "etc",  "usr",  "bin",    "sbin",	 "lib",	   "lib32",
					    "lib64", "libx32", "boot", "var", "opt",	 "root",
					    "sys",  "proc", "System", "Library", "private", NULL };
	const char *comp;
	size_t n;

	if (strcmp(path, "/") == 0 || strcmp(path, "/home") == 0 || strcmp(path, "/Users") == 0)
		return true;
	if (path[0] != '/')
		return false;
	n = first_component(path, &comp);
	if (path_under(path, "/var/tmp") || path_under(path, "/private/tmp"))
		return false;
	return component_in(comp, n, dirs);
}

/* A home as a whole: the agent's, /root, /home/NAME, /Users/NAME. */
bool
path_is_home(const char *path, const char *home)
{
	const char *rest;

	if (home != NULL && strcmp(path, home) == 0)
		return true;
	if (strcmp(path, "/root") == 0)
		return true;
	if (strncmp(path, "/home/", 6) == 0)
		rest = path + 6;
	else if (strncmp(path, "/Users/", 7) == 0)
		rest = path + 7;
	else
		return false;
	return rest[0] != '\0' && strchr(rest, '/') == NULL;
}

/* Where anyone may write and nothing lasts: a write there is not a write outside the workspace. */
bool
path_is_scratch(const char *path)
{
	return path_under(path, "/tmp") || path_under(path, "/var/tmp") ||
	       path_under(path, "/dev/shm") || path_under(path, "/private/tmp");
}

/* Block devices: writing one is EFFECT_DISK. */
bool
path_is_device(const char *path)
{
	static const char *const prefixes[] = { "/dev/sd",   "/dev/hd",	  "/dev/vd",	 "/dev/xvd",
						"/dev/nvme", "/dev/mmcblk", "/dev/dm-",   "/dev/md",
						"/dev/mapper/", "/dev/disk/", "/dev/loop", "/dev/sr",
						"/dev/mem",  "/dev/kmem",   "/dev/port",  "/dev/rdisk",
						"/dev/disk",  NULL };

	for (const char *const *p = prefixes; *p != NULL; p++)
		if (strncmp(path, *p, strlen(*p)) == 0)
			return true;
	return false;
}

/* Not files at all: /dev/null, the standard streams, the terminal, random bytes. */
bool
path_is_pseudo(const char *path)
{
	static const char *const names[] = { "/dev/null",   "/dev/zero",   "/dev/random", "/dev/urandom",
					     "/dev/stdin",  "/dev/stdout", "/dev/stderr", "/dev/tty",
					     "/dev/full",   "/dev/console", NULL };

	for (const char *const *p = names; *p != NULL; p++)
		if (strcmp(path, *p) == 0)
			return true;
	return strncmp(path, "/dev/fd/", 8) == 0 || strncmp(path, "/proc/self/fd/", 14) == 0 ||
	       strncmp(path, "/dev/pts/", 9) == 0;
}

static bool
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* A file name that holds secrets wherever it is. */
static bool
secret_name(const char *name, size_t n)
{
	static const char *const exact[] = { ".netrc",	      ".git-credentials", ".npmrc",
					     ".pypirc",	      ".pgpass",	  ".my.cnf",
					     ".env",	      ".vault-token",	  ".boto",
					     ".s3cfg",	      ".terraformrc",	  ".htpasswd",
					     ".bash_history", ".zsh_history",	  ".mysql_history",
					     ".psql_history", "id_rsa",		  "id_dsa",
					     "id_ecdsa",      "id_ed25519",	  "id_ecdsa_sk",
					     "id_ed25519_sk", "credentials.json", "client_secret.json",
					     "service-account.json", "kubeconfig", NULL };
	static const char *const suffixes[] = { ".pem", ".key", ".p12", ".pfx", ".jks", ".keystore",
						".kdbx", ".tfstate", ".ppk", ".asc", NULL };
	static const char *const not_secret[] = { ".example", ".sample", ".template", ".dist",
						  ".defaults", ".schema", NULL };

	if (component_in(name, n, exact))
		return true;
	/* .env.local, .env.production; not the .env.example kept in the repository. */
	if (n > 5 && memcmp(name, ".env.", 5) == 0) {
		for (const char *const *s = not_secret; *s != NULL; s++)
			if (ends_with(name, n, *s))
				return false;
		return true;
	}
	for (const char *const *s = suffixes; *s != NULL; s++)
		if (ends_with(name, n, *s))
			return true;
	return false;
}

/* Directories whose content is secret: anywhere, so /root/.aws and /home/bob/.ssh count. */
static bool
secret_dir(const char *comp, size_t n, const char *next, size_t nn)
{
	static const char *const dirs[] = { ".ssh",	".aws",	 ".gnupg",	    ".kube", ".azure",
					    ".password-store", ".mozilla", ".vault", ".oci", NULL };
	static const char *const config[] = { "gcloud", "google-chrome", "chromium", "gh", "op",
					      "BraveSoftware", "hub", "doctl", "rclone", NULL };

	if (component_in(comp, n, dirs))
		return true;
	if (n == 7 && memcmp(comp, ".config", 7) == 0 && next != NULL)
		return component_in(next, nn, config);
	if (n == 7 && memcmp(comp, ".docker", 7) == 0 && next != NULL)
		return nn == 11 && memcmp(next, "config.json", 11) == 0;
	if (n == 8 && memcmp(comp, "Keychains", 8) == 0)
		return true;
	if (n == 8 && memcmp(comp, "keyrings", 8) == 0)
		return true;
	return false;
}

/*
 * ~/.ssh, ~/.aws, ~/.gnupg, ~/.kube, ~/.docker/config.json, ~/.netrc,
 * .env files anywhere, private keys, browser profiles, /etc/shadow, ...
 * Public keys (*.pub) are not: they are meant to be shared.
 */
bool
path_is_sensitive(const char *path)
{
	static const char *const system[] = { "/etc/shadow",	  "/etc/shadow-",   "/etc/gshadow",
					      "/etc/sudoers",	  "/etc/sudoers.d", "/etc/master.passwd",
					      "/etc/security/opasswd", "/etc/krb5.keytab",
					      "/var/run/secrets", "/run/secrets",   NULL };
	const char *s = path;
	size_t len = strlen(path);

	if (ends_with(path, len, ".pub"))
		return false;
	for (const char *const *p = system; *p != NULL; p++)
		if (path_under(path, *p))
			return true;
	if (strncmp(path, "/etc/ssh/ssh_host_", 18) == 0 && ends_with(path, len, "_key"))
		return true;
	if (strncmp(path, "/proc/", 6) == 0 && (ends_with(path, len, "/environ") ||
						ends_with(path, len, "/mem")))
		return true;
	while (*s == '/')
		s++;
	while (*s != '\0') {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		const char *next = e ? e + 1 : NULL;
		const char *ne = next ? strchr(next, '/') : NULL;
		size_t nn = next ? (ne ? (size_t)(ne - next) : strlen(next)) : 0;

		if (secret_dir(s, n, next, nn) || secret_name(s, n))
			return true;
		if (e == NULL)
			break;
		s = e + 1;
	}
	return false;
}

/*
 * Whether path is one of maestro's files or under its state directory;
 * with tree, also whether it holds one (rm -rf ~/.config deletes the config).
 */
bool
effects_is_maestro(const struct classify *c, const char *path, bool tree)
{
	for (size_t i = 0; i < sizeof c->maestro / sizeof c->maestro[0]; i++) {
		const char *m = c->maestro[i];
		size_t n;

		if (m == NULL)
			continue;
		n = strlen(m);
		if (path_under(path, m) || (tree && path_under(m, path)))
			return true;
		/* The database's journal files: deleting one corrupts it. */
		if (i == 3 && strncmp(path, m, n) == 0 &&
		    (strcmp(path + n, "-wal") == 0 || strcmp(path + n, "-shm") == 0 ||
		     strcmp(path + n, "-journal") == 0))
			return true;
	}
	return false;
}

/*
 * Records a path once per use. Facts go into replies and the audit log,
 * which must be UTF-8; $'\xff' can make any byte, so a byte that is not
 * UTF-8 is recorded as '?', and then the same path is the same record.
 */
void
effects_path_record(struct classify *c, const char *path, enum path_use use, bool in_ws,
		    bool sensitive, bool maestro)
{
	struct action_facts *out = c->out;
	struct action_path *v;
	char *copy = effects_strdup(c, path);

	if (copy == NULL)
		return;
	utf8_sanitize(copy);
	for (size_t i = 0; i < out->n_paths; i++)
		if (out->paths[i].use == use && strcmp(out->paths[i].path, copy) == 0) {
			free(copy);
			return;
		}
	if (out->n_paths >= EFFECTS_MAX_LIST) {
		out->effects |= EFFECT_UNPARSED;
		free(copy);
		return;
	}
	v = realloc(out->paths, (out->n_paths + 1) * sizeof *v);
	if (v == NULL) {
		free(copy);
		effects_oom(c);
		return;
	}
	out->paths = v;
	v = &out->paths[out->n_paths];
	v->path = copy;
	v->use = use;
	v->in_workspace = in_ws;
	v->sensitive = sensitive;
	v->maestro = maestro;
	out->n_paths++;
}

/*
 * The directory a pattern lies in, and whether it stands for all of it:
 * /etc/<star>.conf is some of /etc, /tmp/<star> all of /tmp. The pattern is
 * what gets recorded.
 */
static char *
glob_scope(const char *path, bool *all)
{
	const char *g = strpbrk(path, "*?[");
	const char *slash, *end;
	char *scope;

	*all = false;
	if (g == NULL)
		return strdup(path);
	slash = g;
	while (slash > path && *slash != '/')
		slash--;
	end = strchr(g, '/');
	*all = (end == NULL || end[1] == '\0') &&
	       (size_t)((end ? end : path + strlen(path)) - slash) == 2 && slash[1] == '*';
	scope = strndup(path, slash > path ? (size_t)(slash - path) : 1);
	return scope;
}

static void
delete_risk(struct cmd_ctx *x, const char *target, bool whole, bool recursive, bool glob)
{
	struct classify *c = x->c;
	bool in_ws = !x->remote && c->workspace != NULL && path_under(target, c->workspace);
	bool scratch = !x->remote && path_is_scratch(target);

	if (path_is_system(target) && (recursive || glob)) {
		/* rm -rf /usr/x, and a glob in a system directory: rm /etc/<star>. */
		effects_add(x, EFFECT_RECURSIVE_DELETE);
		c->rdel_critical = true;
		return;
	}
	if (!recursive)
		return;
	if (path_is_home(target, c->home) && whole)
		c->rdel_critical = true;
	else if (!in_ws && !scratch)
		c->rdel_outside = true;
	else if (in_ws && whole && strcmp(target, c->workspace) == 0)
		c->rdel_outside = true; /* the workspace itself */
}

void
effects_path(struct cmd_ctx *x, const char *word, unsigned word_flags, enum path_use use,
	     unsigned how)
{
	struct classify *c = x->c;
	bool recursive = how & HOW_RECURSIVE, glob = word_flags & SHELL_WORD_GLOB, all = false;
	bool in_ws, sensitive, maestro;
	char *path, *scope;

	effects_add(x, use == PATH_READ ? EFFECT_READ : use == PATH_WRITE ? EFFECT_WRITE :
									     EFFECT_DELETE);
	if (word_flags & SHELL_WORD_PROCSUBST)
		return;
	path = NULL;
	if (word[0] == '~' && (word[1] == '/' || word[1] == '\0') && c->home != NULL) {
		/* curl -d @~/.aws/credentials: no shell expands that ~, but it names the home. */
		path = path_resolve(word[1] ? word + 2 : ".", c->home);
	} else if (word[0] != '\0' && !((word_flags & (SHELL_WORD_VARIABLE | SHELL_WORD_SUBST)) &&
					(word[0] == '$' || word[0] == '`' || word[0] == '~'))) {
		path = path_resolve(word, x->cwd);
	}
	if (path == NULL) {
		/* A place we cannot know: rm -rf "$DIR" could be anything. */
		if (use == PATH_DELETE && recursive) {
			effects_add(x, EFFECT_RECURSIVE_DELETE);
			c->rdel_outside = true;
		}
		return;
	}
	if (path_is_pseudo(path)) {
		free(path);
		return;
	}
	if (strncmp(path, "/dev/tcp/", 9) == 0 || strncmp(path, "/dev/udp/", 9) == 0) {
		/* bash's /dev/tcp/HOST/PORT: a connection, not a file. */
		const char *h = path + 9, *e = strchr(h, '/');

		effects_host(x, h, e ? (size_t)(e - h) : strlen(h), NULL);
		x->traits |= T_NETWORK | T_RAW_SOCKET;
		free(path);
		return;
	}
	if (path_is_device(path) && use != PATH_READ)
		effects_add(x, EFFECT_DISK);
	scope = glob ? glob_scope(path, &all) : strdup(path);
	if (scope == NULL) {
		free(path);
		effects_oom(c);
		return;
	}
	in_ws = !x->remote && c->workspace != NULL && path_under(path, c->workspace);
	sensitive = path_is_sensitive(path);
	maestro = !x->remote && effects_is_maestro(c, path, recursive || glob);
	effects_path_record(c, path, use, in_ws, sensitive, maestro);
	if (!in_ws)
		effects_add(x, EFFECT_OUTSIDE_WORKSPACE);
	if (path_is_system(path) || path_is_system(scope))
		effects_add(x, EFFECT_SYSTEM_PATH);
	if (maestro)
		effects_add(x, EFFECT_MAESTRO_SELF);
	if (sensitive && use == PATH_READ) {
		effects_add(x, EFFECT_SECRET_READ);
		if (!(how & HOW_CREDENTIAL))
			x->traits |= T_SECRET;
	}
	if (sensitive && (how & HOW_PAYLOAD))
		effects_add(x, EFFECT_SECRET_SEND);
	if (use != PATH_READ) {
		if (!in_ws && (x->remote || !path_is_scratch(path)))
			c->write_outside = true;
		if (use == PATH_DELETE) {
			bool whole = glob ? all : !(how & HOW_SOME_WITHIN);

			if (recursive)
				effects_add(x, EFFECT_RECURSIVE_DELETE);
			delete_risk(x, glob ? scope : path, whole, recursive, glob);
		}
	}
	free(scope);
	free(path);
}
