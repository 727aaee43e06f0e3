/* Remote services: git, cloud and cluster CLIs, secret stores and databases. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "effects-internal.h"
#include "util.h"

/* git SUBCOMMAND: the network ones, and the ones that discard work or rewrite history. */
static void
h_git(struct cmd_ctx *x)
{
	static const char *const network[] = { "clone", "push", "pull", "fetch", "ls-remote",
					       "submodule", "send-email", "request-pull", "lfs", NULL };
	size_t s = arg_next(x, 0, "Cc");
	const char *sub;
	bool rewrite = false;

	if (s >= x->argc)
		return;
	sub = x->argv[s];
	effects_args(x, x->argv + s, x->flags + s, x->argc - s);
	for (const char *const *n = network; *n != NULL; n++)
		if (strcmp(sub, *n) == 0)
			effects_add(x, EFFECT_NETWORK);
	if (strcmp(sub, "clone") == 0) {
		size_t k = 1, seen = 0;

		for (; k < x->argc; k++) {
			const char *w = x->argv[k];

			if (w[0] == '-') {
				if (strchr(w, '=') == NULL && k + 1 < x->argc &&
				    (strcmp(w, "--depth") == 0 || strcmp(w, "--branch") == 0 ||
				     strcmp(w, "-b") == 0 || strcmp(w, "--origin") == 0 ||
				     strcmp(w, "-o") == 0 || strcmp(w, "--reference") == 0 ||
				     strcmp(w, "--config") == 0 || strcmp(w, "-c") == 0 ||
				     strcmp(w, "--jobs") == 0 || strcmp(w, "-j") == 0 ||
				     strcmp(w, "--filter") == 0 || strcmp(w, "--template") == 0))
					k++;
				continue;
			}
			if (seen++ == 0)
				effects_url(x, w);
			else
				effects_path(x, w, x->flags[k], PATH_WRITE, 0);
		}
	} else if (strcmp(sub, "push") == 0) {
		rewrite = arg_has(x, 'f', "--force") || arg_has(x, 0, "--force-with-lease") ||
			  arg_has(x, 0, "--force-if-includes") || arg_has(x, 0, "--mirror") ||
			  arg_has(x, 'd', "--delete") || arg_has(x, 0, "--prune");
		for (size_t k = arg_next(x, 0, "o"); k < x->argc; k = arg_next(x, k, "o")) {
			if (x->argv[k][0] == '+' || x->argv[k][0] == ':')
				rewrite = true;
			if (k == arg_next(x, 0, "o") && effects_remote_spec(x->argv[k]))
				effects_url(x, x->argv[k]);
		}
	} else if (strcmp(sub, "pull") == 0 || strcmp(sub, "fetch") == 0 ||
		   strcmp(sub, "ls-remote") == 0) {
		size_t k = arg_next(x, 0, "o");

		if (k < x->argc && effects_remote_spec(x->argv[k]))
			effects_url(x, x->argv[k]);
	} else if (strcmp(sub, "reset") == 0) {
		rewrite = arg_has(x, 0, "--hard") || arg_has(x, 0, "--merge") || arg_has(x, 0, "--keep");
	} else if (strcmp(sub, "clean") == 0) {
		bool dry = arg_has(x, 'n', "--dry-run");

		rewrite = !dry && (arg_has(x, 'f', "--force") || arg_has(x, 'x', NULL));
		if (rewrite)
			effects_path(x, ".", 0, PATH_DELETE,
				     HOW_SOME_WITHIN | (arg_has(x, 'd', NULL) ? HOW_RECURSIVE : 0));
	} else if (strcmp(sub, "rebase") == 0) {
		rewrite = !arg_has(x, 0, "--abort") && !arg_has(x, 0, "--continue") &&
			  !arg_has(x, 0, "--quit") && !arg_has(x, 0, "--edit-todo") &&
			  !arg_has(x, 0, "--show-current-patch");
	} else if (strcmp(sub, "filter-branch") == 0 || strcmp(sub, "filter-repo") == 0) {
		rewrite = true;
	} else if (strcmp(sub, "branch") == 0) {
		rewrite = arg_has(x, 'D', NULL) || arg_has(x, 'M', NULL) || arg_has(x, 'C', NULL) ||
			  arg_has(x, 'f', "--force");
	} else if (strcmp(sub, "checkout") == 0) {
		rewrite = x->dashdash < x->argc || arg_has(x, 'f', "--force") ||
			  arg_is(x, arg_next(x, 0, "bB"), ".");
	} else if (strcmp(sub, "restore") == 0) {
		rewrite = !arg_has(x, 'S', "--staged") || arg_has(x, 'W', "--worktree");
	} else if (strcmp(sub, "stash") == 0) {
		size_t k = arg_next(x, 0, "");

		rewrite = arg_is(x, k, "drop") || arg_is(x, k, "clear");
	} else if (strcmp(sub, "reflog") == 0) {
		size_t k = arg_next(x, 0, "");

		rewrite = arg_is(x, k, "expire") || arg_is(x, k, "delete");
	} else if (strcmp(sub, "gc") == 0) {
		rewrite = arg_has(x, 0, "--prune");
	} else if (strcmp(sub, "update-ref") == 0 || strcmp(sub, "tag") == 0) {
		rewrite = arg_has(x, 'd', "--delete");
	} else if (strcmp(sub, "commit") == 0) {
		rewrite = arg_has(x, 0, "--amend");
	} else if (strcmp(sub, "rm") == 0) {
		effects_operands(x, 0, "", PATH_DELETE, arg_has(x, 'r', NULL) ? HOW_RECURSIVE : 0);
	} else if (strcmp(sub, "status") == 0 || strcmp(sub, "log") == 0 || strcmp(sub, "diff") == 0 ||
		   strcmp(sub, "show") == 0 || strcmp(sub, "blame") == 0 || strcmp(sub, "grep") == 0) {
		effects_add(x, EFFECT_READ);
	}
	if (rewrite)
		effects_add(x, EFFECT_HISTORY_REWRITE);
}

/* aws, gcloud, az, gsutil, kubectl, terraform, vault, op, ...: always the network. */
static void
h_cloud(struct cmd_ctx *x)
{
	bool del = false, secret = false, read = false;
	bool destroy = arg_is(x, arg_next(x, 0, ""), "destroy");
	size_t n = 0, last = x->argc, first_remote = x->argc;

	for (size_t k = 1; k < x->argc; k++) {
		const char *w = x->argv[k];

		if (w[0] == '-')
			continue;
		del = del || effects_deleting_word(w);
		/* vault kv get, op item get, gcloud secrets versions access, aws ... get-secret-value. */
		secret = secret || strstr(w, "secret") != NULL || strcmp(w, "kv") == 0 ||
			 strcmp(w, "keyvault") == 0 || strcmp(w, "item") == 0 ||
			 strcmp(w, "password") == 0;
		read = read || strcmp(w, "get") == 0 || strcmp(w, "read") == 0 ||
		       strcmp(w, "show") == 0 || strcmp(w, "access") == 0 ||
		       strcmp(w, "export") == 0 || strcmp(w, "reveal") == 0 ||
		       strcmp(w, "get-secret-value") == 0 || strcmp(w, "download") == 0;
		if (strstr(w, "://") != NULL && first_remote == x->argc)
			first_remote = k;
		last = k;
		n++;
	}
	if (strcmp(x->prog->name, "terraform") == 0 || strcmp(x->prog->name, "tofu") == 0 ||
	    strcmp(x->prog->name, "pulumi") == 0)
		del = del || destroy;
	if (del) {
		effects_add(x, EFFECT_DELETE);
		/* Recursive or wholesale: everything under a bucket, every resource of a stack. */
		if (arg_has(x, 'r', "--recursive") || arg_has(x, 0, "--all") ||
		    arg_has(x, 0, "--force") || destroy) {
			effects_add(x, EFFECT_RECURSIVE_DELETE);
			x->c->rdel_outside = true;
		}
	}
	if (secret && read) {
		effects_add(x, EFFECT_SECRET_READ);
		x->traits |= T_SECRET;
	}
	/* aws s3 cp LOCAL s3://...: the local file is uploaded. */
	if (last != x->argc && strstr(x->argv[last], "://") != NULL && first_remote == last)
		for (size_t k = 1; k < last; k++)
			if (x->argv[k][0] != '-' && (strchr(x->argv[k], '/') || strchr(x->argv[k], '.')) &&
			    strstr(x->argv[k], "://") == NULL)
				effects_path(x, x->argv[k], x->flags[k], PATH_READ, HOW_PAYLOAD);
	effects_add(x, EFFECT_NETWORK);
}

/* psql, mysql, redis-cli, ...: the network, and a delete when the statement drops data. */
static void
h_database(struct cmd_ctx *x)
{
	static const char *const drops[] = { "drop ", "truncate ", "delete from", "flushall",
					     "flushdb", "dropdatabase", ".drop(", NULL };
	const char *host = arg_value(x, 'h', "--host");

	for (size_t k = 1; k < x->argc; k++)
		for (const char *const *d = drops; *d != NULL; d++)
			if (strcasestr(x->argv[k], *d) != NULL || strcasecmp(x->argv[k], "flushall") == 0)
				effects_add(x, EFFECT_DELETE);
	if (host != NULL)
		effects_url(x, host);
	if (strcmp(x->prog->name, "sqlite3") != 0) {
		effects_add(x, EFFECT_NETWORK);
		return;
	}
	/* sqlite3 FILE [SQL]: the database is a file, written by what the SQL does. */
	{
		size_t k = arg_next(x, 0, "");

		if (k < x->argc)
			effects_operand(x, k, PATH_WRITE, 0);
	}
}

const struct program effects_service_programs[] = {
	{ "git", h_git, 0, T_OWN_ARGS, "" },
	{ "aws", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "gcloud", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "gsutil", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "az", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "azcopy", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "doctl", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "heroku", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "flyctl", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "vercel", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "netlify", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "firebase", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "wrangler", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "gh", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "glab", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "hub", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "kubectl", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "oc", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "helm", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "eksctl", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "terraform", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "tofu", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "pulumi", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "s3cmd", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "rclone", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "mc", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "vault", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "op", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "bw", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "doppler", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "consul", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "nomad", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "stripe", h_cloud, EFFECT_NETWORK, 0, "" },
	{ "psql", h_database, 0, 0, "cdfhpU" },
	{ "mysql", h_database, 0, 0, "eDhPuS" },
	{ "mariadb", h_database, 0, 0, "eDhPuS" },
	{ "sqlite3", h_database, 0, 0, "" },
	{ "mongo", h_database, 0, 0, "" },
	{ "mongosh", h_database, 0, 0, "" },
	{ "redis-cli", h_database, 0, 0, "hpanu" },
	{ "cqlsh", h_database, 0, 0, "eku" },
	{ "clickhouse-client", h_database, 0, 0, "hq" },
};
const size_t effects_n_service_programs = ARRAY_SIZE(effects_service_programs);
