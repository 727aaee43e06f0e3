/* effects_classify(): each kind of action to its effects, then the permissions and the risk. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "effects-internal.h"
#include "util.h"

/* What decides a risk besides the effect bits. */
enum risk_flag {
	RF_NONE,
	RF_RDEL_CRITICAL,
	RF_RDEL_OUTSIDE,
	RF_WRITE_OUTSIDE,
};

/* The first rule that matches sets the risk and says why; the rules run from the worst. */
static const struct risk_rule {
	enum risk_level level;
	unsigned effects; /* any of these */
	enum risk_flag flag;
	const char *reason;
} risk_rules[] = {
	{ RISK_CRITICAL, EFFECT_DISK, RF_NONE, "writes to a disk device" },
	{ RISK_CRITICAL, EFFECT_DOWNLOAD_EXEC, RF_NONE, "runs code fetched from the network" },
	{ RISK_CRITICAL, EFFECT_SECRET_SEND, RF_NONE, "sends a secret over the network" },
	{ RISK_CRITICAL, 0, RF_RDEL_CRITICAL, "deletes a system directory or a home recursively" },
	{ RISK_CRITICAL, EFFECT_MAESTRO_SELF, RF_NONE, "touches maestro itself" },
	{ RISK_HIGH, EFFECT_PRIVILEGE, RF_NONE, "runs with elevated privileges" },
	{ RISK_HIGH, EFFECT_HISTORY_REWRITE, RF_NONE, "rewrites or discards version-control history" },
	{ RISK_HIGH, 0, RF_RDEL_OUTSIDE, "deletes recursively outside the workspace" },
	{ RISK_HIGH, EFFECT_PACKAGE_INSTALL, RF_NONE, "installs or removes packages" },
	{ RISK_HIGH, EFFECT_SECRET_READ, RF_NONE, "reads a secret" },
	{ RISK_HIGH, 0, RF_WRITE_OUTSIDE, "writes outside the workspace" },
	{ RISK_HIGH, EFFECT_SUSPICIOUS_DESTINATION, RF_NONE, "reaches a suspicious destination" },
	{ RISK_HIGH, EFFECT_OBFUSCATION, RF_NONE, "hides what it runs" },
	{ RISK_HIGH, EFFECT_UNPARSED, RF_NONE, "could not be parsed completely" },
	{ RISK_MEDIUM, EFFECT_NETWORK, RF_NONE, "talks to the network" },
	{ RISK_MEDIUM, EFFECT_RECURSIVE_DELETE, RF_NONE, "deletes recursively inside the workspace" },
	{ RISK_MEDIUM, EFFECT_DELETE, RF_NONE, "deletes files" },
	{ RISK_MEDIUM, EFFECT_PERMISSIONS | EFFECT_RECURSIVE_PERMISSIONS, RF_NONE,
	  "changes file permissions" },
	{ RISK_MEDIUM, EFFECT_PROCESS_KILL, RF_NONE, "kills processes" },
	{ RISK_MEDIUM, EFFECT_SERVICE_CONTROL, RF_NONE, "controls system services" },
	{ RISK_LOW, 0, RF_NONE, "no risky effect" },
};

/* Effects that need a permission, beyond what the paths need. */
static const struct {
	unsigned effects;
	unsigned permission;
} permission_rules[] = {
	{ EFFECT_EXECUTE | EFFECT_DOWNLOAD_EXEC, PERM_EXECUTE_COMMANDS },
	{ EFFECT_READ, PERM_READ_FILES },
	{ EFFECT_WRITE | EFFECT_DELETE | EFFECT_RECURSIVE_DELETE | EFFECT_PERMISSIONS |
		  EFFECT_RECURSIVE_PERMISSIONS | EFFECT_PACKAGE_INSTALL | EFFECT_DISK,
	  PERM_WRITE_FILES },
	{ EFFECT_NETWORK | EFFECT_SECRET_SEND | EFFECT_DOWNLOAD_EXEC, PERM_NETWORK_ACCESS },
	{ EFFECT_SECRET_READ | EFFECT_SECRET_SEND, PERM_READ_SECRETS },
};

static void
decide(struct classify *c)
{
	struct action_facts *out = c->out;

	out->permissions = 0;
	for (size_t i = 0; i < ARRAY_SIZE(permission_rules); i++)
		if (out->effects & permission_rules[i].effects)
			out->permissions |= permission_rules[i].permission;
	for (size_t i = 0; i < out->n_paths; i++) {
		out->permissions |= out->paths[i].use == PATH_READ ? PERM_READ_FILES : PERM_WRITE_FILES;
		if (out->paths[i].sensitive)
			out->permissions |= PERM_READ_SECRETS;
	}
	for (size_t i = 0; i < ARRAY_SIZE(risk_rules); i++) {
		const struct risk_rule *r = &risk_rules[i];
		bool hit = (out->effects & r->effects) != 0 ||
			   (r->flag == RF_RDEL_CRITICAL && c->rdel_critical) ||
			   (r->flag == RF_RDEL_OUTSIDE && c->rdel_outside) ||
			   (r->flag == RF_WRITE_OUTSIDE && c->write_outside) ||
			   (r->effects == 0 && r->flag == RF_NONE);

		if (hit) {
			out->risk = r->level;
			out->risk_reason = r->reason;
			return;
		}
	}
}

/* An absolute, normalised copy; ~ and relative paths are taken from home and base. */
static char *
normalise(struct classify *c, const char *path, const char *base)
{
	char *r;

	if (path == NULL)
		return NULL;
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && c->home != NULL) {
		char *joined = malloc(strlen(c->home) + strlen(path) + 1);

		if (joined == NULL) {
			effects_oom(c);
			return NULL;
		}
		strcpy(joined, c->home);
		strcat(joined, path + 1);
		r = path_resolve(joined, "/");
		free(joined);
	} else {
		r = path_resolve(path, base);
	}
	if (r == NULL && (path[0] == '/' || base != NULL))
		effects_oom(c);
	return r;
}

static int
classify_files(struct classify *c, enum path_use use)
{
	const struct action_input *in = c->in;
	struct cmd_ctx x = { .c = c, .cwd = c->cwd, .code_arg = SHELL_NONE };

	if (in->paths == NULL || in->n_paths == 0)
		return -EINVAL;
	for (size_t i = 0; i < in->n_paths && c->error == 0; i++) {
		char *p;

		if (in->paths[i] == NULL)
			return -EINVAL;
		p = normalise(c, in->paths[i], c->cwd);
		if (p == NULL) {
			/* Relative with no place to resolve it from: we cannot say what it touches. */
			if (c->error == 0)
				c->out->effects |= EFFECT_UNPARSED;
			continue;
		}
		effects_path(&x, p, 0, use, 0);
		free(p);
	}
	return c->error;
}

static int
classify_network(struct classify *c)
{
	struct cmd_ctx x = { .c = c, .cwd = c->cwd, .code_arg = SHELL_NONE };

	if (c->in->url == NULL)
		return -EINVAL;
	if (strncmp(c->in->url, "file://", 7) == 0) {
		effects_path(&x, c->in->url + 7, 0, PATH_READ, 0);
		return c->error;
	}
	effects_url(&x, c->in->url);
	c->out->effects |= EFFECT_NETWORK;
	if (c->out->n_hosts == 0 && c->error == 0)
		c->out->effects |= EFFECT_UNPARSED; /* a URL whose host we cannot read */
	return c->error;
}

/* What an MCP tool's name suggests, word by word: read_file, deleteBranch, http-fetch. */
static const struct {
	const char *word;
	unsigned effects;
} mcp_words[] = {
	{ "read", EFFECT_READ },	     { "get", EFFECT_READ },
	{ "list", EFFECT_READ },	     { "search", EFFECT_READ },
	{ "find", EFFECT_READ },	     { "view", EFFECT_READ },
	{ "cat", EFFECT_READ },		     { "open", EFFECT_READ },
	{ "query", EFFECT_READ },	     { "write", EFFECT_WRITE },
	{ "create", EFFECT_WRITE },	     { "edit", EFFECT_WRITE },
	{ "update", EFFECT_WRITE },	     { "save", EFFECT_WRITE },
	{ "put", EFFECT_WRITE },	     { "patch", EFFECT_WRITE },
	{ "modify", EFFECT_WRITE },	     { "append", EFFECT_WRITE },
	{ "move", EFFECT_WRITE },	     { "rename", EFFECT_WRITE },
	{ "insert", EFFECT_WRITE },	     { "commit", EFFECT_WRITE },
	{ "set", EFFECT_WRITE },	     { "delete", EFFECT_DELETE },
	{ "remove", EFFECT_DELETE },	     { "rm", EFFECT_DELETE },
	{ "drop", EFFECT_DELETE },	     { "destroy", EFFECT_DELETE },
	{ "purge", EFFECT_DELETE },	     { "erase", EFFECT_DELETE },
	{ "unlink", EFFECT_DELETE },	     { "truncate", EFFECT_DELETE },
	{ "wipe", EFFECT_DELETE },	     { "fetch", EFFECT_NETWORK },
	{ "http", EFFECT_NETWORK },	     { "https", EFFECT_NETWORK },
	{ "request", EFFECT_NETWORK },	     { "download", EFFECT_NETWORK },
	{ "upload", EFFECT_NETWORK },	     { "url", EFFECT_NETWORK },
	{ "web", EFFECT_NETWORK },	     { "browse", EFFECT_NETWORK },
	{ "browser", EFFECT_NETWORK },	     { "navigate", EFFECT_NETWORK },
	{ "scrape", EFFECT_NETWORK },	     { "crawl", EFFECT_NETWORK },
	{ "curl", EFFECT_NETWORK },	     { "send", EFFECT_NETWORK },
	{ "post", EFFECT_NETWORK },	     { "email", EFFECT_NETWORK },
	{ "mail", EFFECT_NETWORK },	     { "slack", EFFECT_NETWORK },
	{ "webhook", EFFECT_NETWORK },	     { "publish", EFFECT_NETWORK },
	{ "push", EFFECT_NETWORK },	     { "message", EFFECT_NETWORK },
	{ "notify", EFFECT_NETWORK },	     { "api", EFFECT_NETWORK },
	{ "secret", EFFECT_SECRET_READ },    { "secrets", EFFECT_SECRET_READ },
	{ "credential", EFFECT_SECRET_READ }, { "credentials", EFFECT_SECRET_READ },
	{ "password", EFFECT_SECRET_READ },  { "token", EFFECT_SECRET_READ },
	{ "tokens", EFFECT_SECRET_READ },    { "vault", EFFECT_SECRET_READ },
	{ "keychain", EFFECT_SECRET_READ },  { "env", EFFECT_SECRET_READ },
	{ "install", EFFECT_PACKAGE_INSTALL }, { "kill", EFFECT_PROCESS_KILL },
	{ "terminate", EFFECT_PROCESS_KILL }, { "sudo", EFFECT_PRIVILEGE },
	{ "admin", EFFECT_PRIVILEGE },	     { "root", EFFECT_PRIVILEGE },
	{ "chmod", EFFECT_PERMISSIONS },     { "chown", EFFECT_PERMISSIONS },
	{ "permission", EFFECT_PERMISSIONS }, { "permissions", EFFECT_PERMISSIONS },
	{ "force", EFFECT_HISTORY_REWRITE }, { "rebase", EFFECT_HISTORY_REWRITE },
	{ "reset", EFFECT_HISTORY_REWRITE }, { "service", EFFECT_SERVICE_CONTROL },
	{ "restart", EFFECT_SERVICE_CONTROL }, { "reboot", EFFECT_SERVICE_CONTROL },
	{ "shutdown", EFFECT_SERVICE_CONTROL }, { "systemctl", EFFECT_SERVICE_CONTROL },
	{ "format", EFFECT_DISK },	     { "partition", EFFECT_DISK },
	{ "mkfs", EFFECT_DISK },	     { "maestro", EFFECT_MAESTRO_SELF },
	{ "maestroctl", EFFECT_MAESTRO_SELF },
};

/* Splits name into lower-case words at non-letters and camelCase humps. */
static unsigned
name_effects(const char *name)
{
	unsigned effects = 0;
	char word[32];
	size_t n = 0;

	for (const char *s = name;; s++) {
		bool boundary = *s == '\0' || !isalnum((unsigned char)*s) ||
				(n > 0 && isupper((unsigned char)*s) && islower((unsigned char)s[-1]));

		if (boundary && n > 0) {
			word[n] = '\0';
			for (size_t i = 0; i < ARRAY_SIZE(mcp_words); i++)
				if (strcmp(word, mcp_words[i].word) == 0)
					effects |= mcp_words[i].effects;
			n = 0;
		}
		if (*s == '\0')
			break;
		if (isalnum((unsigned char)*s) && n + 1 < sizeof word)
			word[n++] = (char)tolower((unsigned char)*s);
	}
	return effects;
}

static int
classify_mcp(struct classify *c)
{
	if (c->in->mcp_tool == NULL || c->in->mcp_tool[0] == '\0')
		return -EINVAL;
	c->out->effects |= EFFECT_EXECUTE | name_effects(c->in->mcp_tool);
	if (c->in->mcp_server != NULL)
		c->out->effects |= name_effects(c->in->mcp_server) & EFFECT_MAESTRO_SELF;
	return 0;
}

static void
classify_free(struct classify *c)
{
	free(c->workspace);
	free(c->cwd);
	free(c->home);
	for (size_t i = 0; i < ARRAY_SIZE(c->maestro); i++)
		free(c->maestro[i]);
	for (size_t i = 0; i < c->n_fetched; i++)
		free(c->fetched[i]);
	free(c->fetched);
	for (size_t i = 0; i < c->n_decoded; i++)
		free(c->decoded[i]);
	free(c->decoded);
}

/*
 * Maestro's own files named anywhere in the action count, however they
 * are passed: nc -U SOCK, socat UNIX-CONNECT:SOCK, curl --unix-socket, a
 * Python one-liner that connects to it, a tool argument.
 */
static bool
names_maestro(const struct classify *c)
{
	const struct action_input *in = c->in;
	/* The command carries its length and need not end in a NUL. */
	size_t command_len = in->command == NULL ? 0
			     : in->command_len ? in->command_len : strlen(in->command);

	for (size_t i = 0; i < ARRAY_SIZE(c->maestro); i++) {
		const char *m = c->maestro[i];

		if (m == NULL || strcmp(m, "/") == 0)
			continue;
		if ((in->command && memmem(in->command, command_len, m, strlen(m))) ||
		    (in->url && strstr(in->url, m)))
			return true;
		for (size_t k = 0; k < in->n_paths; k++)
			if (in->paths[k] && strstr(in->paths[k], m))
				return true;
		for (size_t k = 0; k < in->n_texts; k++)
			if (in->texts[k] && strstr(in->texts[k], m))
				return true;
	}
	return false;
}

/* A script: a shell file by its name, or anything that starts with "#!". */
static bool
is_script(const struct action_input *in)
{
	static const char *const exts[] = { ".sh", ".bash", ".zsh", ".ksh", ".dash", ".fish" };

	if (in->content == NULL)
		return false;
	if (strncmp(in->content, "#!", 2) == 0)
		return true;
	for (size_t k = 0; k < in->n_paths; k++) {
		size_t n = in->paths[k] ? strlen(in->paths[k]) : 0;

		for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
			if (n > strlen(exts[i]) && strcmp(in->paths[k] + n - strlen(exts[i]), exts[i]) == 0)
				return true;
	}
	return false;
}

/*
 * A script an agent writes is read as the commands it will run: once it
 * runs, maestrod sees only "run a workspace script". So writing one that
 * runs maestroctl or touches maestro's files is self-modification now
 * (an agent approving its own request by way of a script). Only that is
 * taken from the script: its other effects are judged when they run.
 */
static bool
script_names_maestro(const struct action_input *in)
{
	struct action_input sub = *in;
	struct action_facts facts;
	bool self;

	sub.kind = ACTION_SHELL;
	sub.command = in->content;
	sub.command_len = 0;
	sub.paths = NULL;
	sub.n_paths = 0;
	sub.content = NULL;
	if (effects_classify(&sub, &facts) < 0)
		return true; /* unreadable as a script: fail closed, it was about maestro */
	self = (facts.effects & EFFECT_MAESTRO_SELF) != 0;
	action_facts_clear(&facts);
	return self;
}

int
effects_classify(const struct action_input *in, struct action_facts *out)
{
	struct classify c = { .in = in, .out = out };
	const char *maestro[] = { in->maestro.socket, in->maestro.config, in->maestro.policy,
				  in->maestro.database, in->maestro.state_dir };
	int r;

	memset(out, 0, sizeof *out);
	if ((unsigned)in->kind >= ACTION_KIND_COUNT)
		return -EINVAL;
	out->kind = in->kind;
	c.home = in->home && in->home[0] == '/' ? path_resolve(in->home, "/") : NULL;
	/* Without a workspace the working directory stands for it, and the other way round. */
	c.workspace = normalise(&c, in->workspace ? in->workspace : in->cwd, NULL);
	c.cwd = in->cwd ? normalise(&c, in->cwd, c.workspace) : normalise(&c, in->workspace, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(maestro); i++)
		c.maestro[i] = normalise(&c, maestro[i], NULL);
	if (c.error < 0) {
		classify_free(&c);
		return c.error;
	}
	switch (in->kind) {
	case ACTION_SHELL:
		if (in->command == NULL) {
			r = -EINVAL;
			break;
		}
		r = effects_shell(&c, in->command,
				  in->command_len ? in->command_len : strlen(in->command));
		break;
	case ACTION_FILE_READ:
		r = classify_files(&c, PATH_READ);
		break;
	case ACTION_FILE_WRITE:
		r = classify_files(&c, PATH_WRITE);
		break;
	case ACTION_FILE_DELETE:
		r = classify_files(&c, PATH_DELETE);
		break;
	case ACTION_NETWORK:
		r = classify_network(&c);
		break;
	case ACTION_MCP_TOOL:
		r = classify_mcp(&c);
		break;
	default:
		r = 0; /* a prompt does nothing to the machine by itself */
	}
	if (r == 0)
		r = c.error;
	if (r == 0 && (names_maestro(&c) || (in->kind == ACTION_FILE_WRITE && is_script(in) &&
						     script_names_maestro(in))))
		out->effects |= EFFECT_MAESTRO_SELF;
	if (r == 0)
		decide(&c);
	classify_free(&c);
	if (r < 0)
		action_facts_clear(out);
	return r;
}
