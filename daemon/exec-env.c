/* governance.execute's environment: maestrod's own plus the request's, scrubbed of credentials; argv quoting. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "util.h"

/* Whether word (case-insensitive) is one of name's words, as split at '_' '-' '.'. */
static bool
has_word(const char *name, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = name; *p != '\0';) {
		size_t len = strcspn(p, "_-.");

		if (len == n && strncasecmp(p, word, n) == 0)
			return true;
		p += len;
		if (*p != '\0')
			p++;
	}
	return false;
}

bool
exec_env_secret_name(const char *name)
{
	/*
	 * Words that name a credential as a word of the name (split at _ - .):
	 * GITHUB_TOKEN, NPM_AUTH, SENTRY_DSN; SSH_AUTH_SOCK too, since a
	 * running agent's keys are as good as the keys. "KEY" alone is not one
	 * (KEYBOARD_LAYOUT, MONKEY), only with API, ACCESS or ENCRYPTION before
	 * it; TOKEN only as a word, so TOKENIZERS_PARALLELISM stays.
	 */
	static const char *const words[] = { "TOKEN", "TOKENS", "PASS",	  "CREDS",   "AUTH",
					     "COOKIE", "PRIVATE", "SIGNING", "DSN",	NULL };
	/* Anywhere in a name, glued or not: PGPASSWORD, CLIENTSECRET, OPENAI_APIKEY. */
	static const char *const parts[] = { "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET",
					     "CREDENTIAL", "APIKEY", NULL };
	/* Whole names and prefixes that hold keys without saying so. */
	static const char *const prefixes[] = { "AWS_", "AZURE_", "GOOGLE_APPLICATION_CREDENTIALS",
						"GCP_", "CLOUDSDK_AUTH", "OPENAI_", "ANTHROPIC_",
						"GEMINI_", "HF_", "HUGGING_FACE", "VAULT_", "MAESTRO_TOKEN",
						"DOCKER_AUTH", "KUBECONFIG", "NPM_CONFIG__AUTH",
						"SSH_AGENT_PID", "GPG_AGENT", NULL };
	size_t n = strlen(name);

	for (const char *const *p = prefixes; *p != NULL; p++)
		if (strncasecmp(name, *p, strlen(*p)) == 0)
			return true;
	for (const char *const *w = words; *w != NULL; w++)
		if (has_word(name, *w))
			return true;
	for (const char *const *p = parts; *p != NULL; p++)
		if (strcasestr(name, *p) != NULL)
			return true;
	/* API_KEY, ACCESS_KEY, ENCRYPTION_KEY; SECRET_KEY and PRIVATE_KEY are caught above. */
	if (n >= 3 && strncasecmp(name + n - 3, "KEY", 3) == 0 &&
	    (has_word(name, "API") || has_word(name, "ACCESS") || has_word(name, "ENCRYPTION")))
		return true;
	return false;
}

static bool
name_in(struct json_object *names, const char *name, size_t len)
{
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(names, i));

		if (strlen(s) == len && memcmp(s, name, len) == 0)
			return true;
	}
	return false;
}

/* A valid name for the environment: no '=', not empty. */
static bool
env_name_ok(const char *name, size_t len)
{
	return len > 0 && memchr(name, '=', len) == NULL;
}

char **
exec_env_build(const char *const *base, struct json_object *extra, bool keep_secrets, const char *tmpdir,
	       struct json_object *scrubbed)
{
	size_t n = 0, bytes = 0, k = 0;
	char **envp, *p;
	const char *entries[4096];
	char *owned[512];
	size_t n_owned = 0;

	/*
	 * The entries in order: base first, then extra (each replacing a base
	 * entry of its name), then TMPDIR. Collected as pointers, then copied
	 * into one block, so that the child gets one allocation to ignore.
	 */
	for (size_t i = 0; base != NULL && base[i] != NULL && n < ARRAY_SIZE(entries) - 2; i++)
		entries[n++] = base[i];
	if (extra != NULL) {
		json_object_object_foreach(extra, key, val) {
			char *e;

			if (n_owned >= ARRAY_SIZE(owned) - 1 || n >= ARRAY_SIZE(entries) - 2)
				break;
			if (asprintf(&e, "%s=%s", key, json_object_get_string(val)) < 0)
				goto fail;
			owned[n_owned++] = e;
			for (size_t i = 0; i < n; i++)
				if (entries[i] != NULL && strncmp(entries[i], key, strlen(key)) == 0 &&
				    entries[i][strlen(key)] == '=')
					entries[i] = NULL;
			entries[n++] = e;
		}
	}
	if (tmpdir != NULL) {
		char *e;

		if (asprintf(&e, "TMPDIR=%s", tmpdir) < 0)
			goto fail;
		owned[n_owned++] = e;
		for (size_t i = 0; i < n; i++)
			if (entries[i] != NULL && strncmp(entries[i], "TMPDIR=", 7) == 0)
				entries[i] = NULL;
		entries[n++] = e;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq;
		char name[256];
		size_t len;

		if (entries[i] == NULL)
			continue;
		eq = strchr(entries[i], '=');
		len = eq ? (size_t)(eq - entries[i]) : 0;
		if (!env_name_ok(entries[i], len) || len >= sizeof name) {
			entries[i] = NULL;
			continue;
		}
		memcpy(name, entries[i], len);
		name[len] = '\0';
		if (!keep_secrets && !(tmpdir != NULL && strcmp(name, "TMPDIR") == 0) &&
		    exec_env_secret_name(name)) {
			if (scrubbed != NULL && !name_in(scrubbed, name, len))
				json_object_array_add(scrubbed, json_object_new_string(name));
			entries[i] = NULL;
			continue;
		}
		bytes += strlen(entries[i]) + 1;
		k++;
	}
	envp = malloc((k + 1) * sizeof *envp + bytes);
	if (envp == NULL)
		goto fail;
	p = (char *)(envp + k + 1);
	k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;

		if (entries[i] == NULL)
			continue;
		len = strlen(entries[i]) + 1;
		memcpy(p, entries[i], len);
		envp[k++] = p;
		p += len;
	}
	envp[k] = NULL;
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	return envp;
fail:
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	return NULL;
}

/* Characters a POSIX shell takes literally in a word. */
static bool
word_plain(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("@%+=:,./-_", *s) == NULL)
			return false;
	return true;
}

char *
exec_argv_quote(const char *const *argv, size_t argc)
{
	size_t size = 1;
	char *out, *p;

	for (size_t i = 0; i < argc; i++)
		size += 4 * strlen(argv[i]) + 3; /* every ' becomes '\'' */
	out = malloc(size);
	if (out == NULL)
		return NULL;
	p = out;
	for (size_t i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (i > 0)
			*p++ = ' ';
		if (word_plain(s)) {
			p = stpcpy(p, s);
			continue;
		}
		*p++ = '\'';
		for (; *s != '\0'; s++) {
			if (*s == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *s;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return out;
}
