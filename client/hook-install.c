/* maestroctl hook install and uninstall: maestro in a coding agent's settings, and out again. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook-files.h"
#include "hook.h"
#include "maestro-protocol.h"
#include "maestroctl.h"

/*
 * The approach, so that uninstall leaves a file as it found it:
 *
 * - Before its first change to an existing file, install copies the file's
 *   bytes to FILE.maestro-backup (again whenever the file holds none of
 *   maestro's hooks, so the copy is always of the file without them).
 * - JSON settings are parsed and written back by json-c, which cannot keep
 *   the user's formatting. So uninstall removes maestro's hooks from the
 *   parsed file and, when what is left equals the backup as JSON (the
 *   user changed nothing else meanwhile), writes the backup's bytes back:
 *   byte-identical. Otherwise it writes what is left, reformatted, and
 *   keeps the backup for the user to compare.
 * - Codex's TOML is edited as text: one marked block appended, and removed.
 * - A file install created is deleted by uninstall if nothing else is in it.
 */

struct target {
	enum hook_agent agent;
	bool toml;
	char path[PATH_MAX];
	char backup[PATH_MAX + 32];
};

static int
settings_path(struct target *t, const char *project)
{
	static const char *const files[HOOK_AGENT_COUNT] = {
		[HOOK_CLAUDE] = ".claude/settings.json", [HOOK_GEMINI] = ".gemini/settings.json",
		[HOOK_QWEN] = ".qwen/settings.json",	 [HOOK_CODEX] = ".codex/config.toml",
		[HOOK_CURSOR] = ".cursor/hooks.json",
	};
	const char *home = getenv("HOME"), *codex_home = getenv("CODEX_HOME");
	int n;

	t->toml = t->agent == HOOK_CODEX;
	if (project != NULL)
		n = snprintf(t->path, sizeof t->path, "%s/%s", project, files[t->agent]);
	else if (t->agent == HOOK_CODEX && codex_home != NULL && codex_home[0] == '/')
		n = snprintf(t->path, sizeof t->path, "%s/config.toml", codex_home);
	else if (home != NULL && home[0] == '/')
		n = snprintf(t->path, sizeof t->path, "%s/%s", home, files[t->agent]);
	else {
		fprintf(stderr, "maestroctl: HOME is not set; give the project with --project DIR\n");
		return -EINVAL;
	}
	if (n < 0 || (size_t)n >= sizeof t->path)
		return -ENAMETOOLONG;
	snprintf(t->backup, sizeof t->backup, "%s.maestro-backup", t->path);
	return 0;
}

/*
 * Strict JSON: json-c otherwise skips comments and trailing commas (as in
 * JSONC files), which writing the file back would silently drop.
 */
static struct json_object *
parse_strict(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL;
	size_t len = strlen(text);

	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o != NULL && strspn(text + json_tokener_get_parse_end(tok), " \t\r\n") !=
				 len - json_tokener_get_parse_end(tok)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* json-c's pretty form, which the JSON settings take once maestro has been in them. */
static char *
json_text(struct json_object *root)
{
	char *out = NULL;

	if (asprintf(&out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		return NULL;
	return out;
}

/* The hook command: this maestroctl by its absolute path, so agents find it without PATH. */
static int
hook_command(enum hook_agent agent, const char *name, char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	bool plain;

	if (n <= 0)
		snprintf(self, sizeof self, "maestroctl");
	else
		self[n] = '\0';
	plain = strspn(self, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+") ==
		strlen(self);
	if (!plain && strchr(self, '\'') != NULL)
		return -EINVAL;
	n = snprintf(out, size, "%s%s%s hook %s", plain ? "" : "'", self, plain ? "" : "'",
		     hook_agent_info(agent)->name);
	if (strcmp(name, hook_agent_info(agent)->maestro_agent) != 0)
		n += snprintf(out + n, size - (size_t)n, " --agent %s", name);
	return (size_t)n < size ? 0 : -ENAMETOOLONG;
}

static int
token_path(const char *name, char *out, size_t size)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		snprintf(out, size, "%s/maestro/tokens/%s", xdg, name);
	else if (home != NULL && home[0] == '/')
		snprintf(out, size, "%s/.config/maestro/tokens/%s", home, name);
	else
		return -ENOENT;
	return 0;
}

/*
 * The maestro agent the hook speaks for: registered as an executor (the
 * least role that may act at all) when its token is not saved yet, and
 * the token saved 0600 where maestroctl looks for it.
 */
static int
ensure_identity(struct ctl *ctl, enum hook_agent agent, const char *name, bool dry_run)
{
	struct json_object *params, *token;
	struct rpc_client rpc;
	struct rpc_response resp;
	char path[PATH_MAX], description[128];
	int r, fd;

	if (strchr(name, '/') != NULL || token_path(name, path, sizeof path) < 0) {
		fprintf(stderr, "maestroctl: no place for the token of '%s' (HOME unset?)\n", name);
		return EXIT_USAGE;
	}
	if (access(path, F_OK) == 0) {
		printf("maestro agent %s: token in %s\n", name, path);
		return EXIT_OK;
	}
	if (dry_run) {
		printf("would register maestro agent %s (role executor) unless it exists, "
		       "and save its token in %s\n", name, path);
		return EXIT_OK;
	}
	r = rpc_connect(&rpc, ctl->socket_path, ctl->timeout_ms);
	if (r < 0) {
		rpc_report_connect_error(ctl->socket_path, r);
		fprintf(stderr, "maestroctl: maestrod must run to register agent %s; nothing was "
				"changed\n", name);
		return EXIT_UNREACHABLE;
	}
	snprintf(description, sizeof description, "%s, through maestroctl hook",
		 hook_agent_info(agent)->maestro_agent);
	params = json_object_new_object();
	json_object_object_add(params, "id", json_object_new_string(name));
	json_object_object_add(params, "role", json_object_new_string("executor"));
	json_object_object_add(params, "description", json_object_new_string(description));
	r = rpc_call(&rpc, "agent.register", params, &resp);
	rpc_close(&rpc);
	if (r < 0) {
		fprintf(stderr, "maestroctl: no reply from maestrod to agent.register: %s\n", strerror(-r));
		return EXIT_PROTOCOL;
	}
	if (resp.result == NULL) {
		bool exists = resp.error_code == MAESTRO_E_CONFLICT;

		/* Another token would cut off whoever holds the current one: the user decides. */
		fprintf(stderr, exists ? "maestroctl: warning: maestro agent %s exists but its token is "
					 "not in %s; put it there, or issue a new one with: maestroctl "
					 "agent rotate %s --token-file %s\n"
				       : "maestroctl: cannot register agent %s: %s\n",
			name, exists ? path : resp.error_message, name, path);
		rpc_response_clear(&resp);
		return exists ? EXIT_OK : EXIT_ERROR;
	}
	json_object_object_get_ex(resp.result, "token", &token);
	if ((r = hook_make_parents(path)) < 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "maestroctl: cannot save the token of %s in %s: %s; here it is, once:\n%s\n",
			name, path, strerror(r < 0 ? -r : errno), json_object_get_string(token));
		rpc_response_clear(&resp);
		return EXIT_ERROR;
	}
	dprintf(fd, "%s\n", json_object_get_string(token));
	close(fd);
	rpc_response_clear(&resp);
	printf("registered maestro agent %s (role executor); token saved in %s (mode 0600)\n", name,
	       path);
	return EXIT_OK;
}

/* What install makes of before (NULL: no file); NULL with *r when nothing changes or on error. */
static char *
installed(const struct target *t, const char *before, const char *command, int *r)
{
	struct json_object *root;
	char why[512], *block, *after = NULL;

	if (t->toml) {
		block = hook_toml_block(command);
		after = block ? hook_toml_add(before ? before : "", block, r, why, sizeof why) : NULL;
		if (block == NULL)
			*r = -ENOMEM;
		free(block);
	} else {
		root = before ? parse_strict(before) : json_object_new_object();
		if (root == NULL) {
			snprintf(why, sizeof why, "the file is not JSON (comments are not understood); "
						  "add maestro's hooks by hand (see maestroctl(1))");
			*r = -EINVAL;
		} else if ((*r = hook_json_add(t->agent, root, command, why, sizeof why)) > 0) {
			after = json_text(root);
			*r = after ? 0 : -ENOMEM;
		} else if (*r == 0) {
			*r = -EEXIST;
		}
		json_object_put(root);
	}
	if (*r == -EINVAL)
		fprintf(stderr, "maestroctl: %s: %s\n", t->path, why);
	return after;
}

/* Whether a JSON file holds hooks of ours (so that it is not the "before" a backup keeps). */
static bool
json_has_ours(enum hook_agent agent, const char *text)
{
	struct json_object *root = parse_strict(text);
	bool ours = root != NULL && hook_json_remove(agent, root) > 0;

	json_object_put(root);
	return ours;
}

/*
 * What uninstall makes of before: the backup's bytes when only our hooks
 * differ, else before without them; NULL with *r = -ENOENT when there is
 * nothing of ours. *unlink_it: the file was ours alone; *restored: the
 * backup was used up.
 */
static char *
uninstalled(const struct target *t, const char *before, const char *backup, bool *unlink_it,
	    bool *restored, int *r)
{
	struct json_object *root, *old;
	char *after = NULL;

	*unlink_it = *restored = false;
	if (t->toml) {
		if ((after = hook_toml_remove(before, r)) == NULL)
			return NULL;
		/* The backup lacked a final newline that add had to put in. */
		if (backup != NULL && (strcmp(after, backup) == 0 ||
				       (strlen(after) == strlen(backup) + 1 &&
					strncmp(after, backup, strlen(backup)) == 0))) {
			free(after);
			*restored = true;
			return strdup(backup);
		}
		*unlink_it = backup == NULL && after[strspn(after, " \t\r\n")] == '\0';
		return after;
	}
	root = parse_strict(before);
	if (root == NULL || hook_json_remove(t->agent, root) == 0) {
		json_object_put(root);
		*r = -ENOENT;
		return NULL;
	}
	old = backup ? parse_strict(backup) : NULL;
	/* Cursor's "version": 1 came with our hooks when the file had none. */
	if (t->agent == HOOK_CURSOR && (old == NULL || !json_object_object_get_ex(old, "version", NULL)) &&
	    json_object_object_length(root) == 1 && json_object_object_get_ex(root, "version", NULL))
		json_object_object_del(root, "version");
	if (old != NULL && json_object_equal(root, old)) {
		*restored = true;
		after = strdup(backup);
	} else {
		*unlink_it = backup == NULL && json_object_is_type(root, json_type_object) &&
			     json_object_object_length(root) == 0;
		after = json_text(root);
	}
	json_object_put(old);
	json_object_put(root);
	*r = after ? 0 : -ENOMEM;
	return after;
}

int
hook_install_main(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ "agent", required_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	bool install = strcmp(argv[0], "install") == 0, dry_run = false, unlink_it = false;
	bool restored = false;
	const char *project = NULL, *name = ctl->agent;
	char command[PATH_MAX + 128], *before = NULL, *backup = NULL, *after = NULL, dir[PATH_MAX];
	struct target t = { 0 };
	int c, r, ec = EXIT_OK;

	optind = 0; /* 0: glibc forgets the state of the previous parse */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': project = optarg; break;
		case 'a': name = optarg; break;
		case 'n': dry_run = true; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || hook_agent_parse(argv[optind], &t.agent) < 0)
		goto usage;
	if (project != NULL) {
		if (realpath(project, dir) == NULL) {
			fprintf(stderr, "maestroctl: --project %s: %s\n", project, strerror(errno));
			return EXIT_USAGE;
		}
		project = dir;
	}
	if (name == NULL)
		name = hook_agent_info(t.agent)->maestro_agent;
	if (settings_path(&t, project) < 0 || hook_command(t.agent, name, command, sizeof command) < 0)
		return EXIT_USAGE;
	before = hook_read_file(t.path, &r);
	if (before == NULL && r != -ENOENT) {
		fprintf(stderr, "maestroctl: cannot read %s: %s\n", t.path, strerror(-r));
		return EXIT_ERROR;
	}
	backup = hook_read_file(t.backup, &r);

	if (install) {
		after = installed(&t, before, command, &r);
		if (r == -EEXIST) {
			printf("maestro's hooks are already in %s\n", t.path);
			ec = ensure_identity(ctl, t.agent, name, dry_run);
			goto out;
		}
		if (after == NULL) {
			ec = EXIT_ERROR;
			goto out;
		}
		if ((ec = ensure_identity(ctl, t.agent, name, dry_run)) != EXIT_OK)
			goto out;
	} else {
		if (before == NULL || (after = uninstalled(&t, before, backup, &unlink_it, &restored, &r)) == NULL) {
			printf("maestro's hooks are not in %s; nothing to remove\n", t.path);
			goto out;
		}
	}
	if (dry_run) {
		hook_print_diff(t.path, before, unlink_it ? NULL : after);
		printf("(--dry-run: nothing was written)\n");
		goto out;
	}
	/* The file as it was before maestro, unless the backup already holds that. */
	if (install && before != NULL &&
	    (backup == NULL || (t.toml ? strstr(before, "# >>> maestro hooks") == NULL
				       : !json_has_ours(t.agent, before)))) {
		if ((r = hook_write_file(t.backup, before, 0600)) < 0) {
			fprintf(stderr, "maestroctl: cannot back up %s: %s; nothing was changed\n", t.path,
				strerror(-r));
			ec = EXIT_ERROR;
			goto out;
		}
		printf("backup of %s in %s\n", t.path, t.backup);
	}
	if (unlink_it)
		r = unlink(t.path) < 0 ? -errno : 0;
	else
		r = hook_write_file(t.path, after, 0644);
	if (r < 0) {
		fprintf(stderr, "maestroctl: cannot write %s: %s\n", t.path, strerror(-r));
		ec = EXIT_ERROR;
		goto out;
	}
	if (restored)
		unlink(t.backup);
	if (install)
		printf("maestro's hooks added to %s: %s%s\n", t.path, command,
		       t.agent == HOOK_CODEX ? "\nin Codex, trust the new hook once in its /hooks view" : "");
	else if (unlink_it)
		printf("removed %s, which only held maestro's hooks\n", t.path);
	else
		printf("maestro's hooks removed from %s%s\n", t.path,
		       restored ? " (restored byte for byte from the backup)"
		       : backup ? "; other changes since install kept, the file as it was before "
				  "install is still in the backup"
				: "");
out:
	free(before);
	free(backup);
	free(after);
	return ec;
usage:
	fprintf(stderr, "usage: maestroctl hook install AGENT [--project DIR] [--agent NAME] [--dry-run]\n"
			"       maestroctl hook uninstall AGENT [--project DIR] [--dry-run]\n"
			"AGENT: claude, gemini, qwen, codex or cursor\n");
	return EXIT_USAGE;
}
