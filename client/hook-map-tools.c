/* The tools' inputs as maestro actions: shell, files, apply_patch, network, MCP. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook-map.h"
#include "jsonrpc.h"

/* The first of keys that o holds as a string, and its value. */
static const char *
first_key(struct json_object *o, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		if (rpc_str(o, *keys) != NULL)
			return *keys;
	return NULL;
}

static const char *
first_str(struct json_object *o, const char *const *keys)
{
	const char *key = first_key(o, keys);

	return key ? rpc_str(o, key) : NULL;
}

/*
 * Sets action[key] = s. A NUL inside s (JSON's \u0000) would let maestrod
 * judge a shorter string than the tool uses, so it is refused.
 */
int
hook_put(struct json_object *action, const char *key, const char *s, size_t len, char *why,
	 size_t size)
{
	if (memchr(s, '\0', len) != NULL) {
		snprintf(why, size, "the %s in the hook payload holds a NUL character", key);
		return -EINVAL;
	}
	json_object_object_add(action, key, json_object_new_string_len(s, (int)len));
	return 0;
}

int
hook_put_member(struct json_object *action, const char *key, struct json_object *from,
		const char *from_key, char *why, size_t size)
{
	struct json_object *v;

	if (!json_object_object_get_ex(from, from_key, &v) || !json_object_is_type(v, json_type_string))
		return 0;
	return hook_put(action, key, json_object_get_string(v), (size_t)json_object_get_string_len(v),
		   why, size);
}

static void
copy_str(char *out, size_t size, const char *s)
{
	snprintf(out, size, "%s", s ? s : "");
}

/* A command given as argv (Codex may): joined, each word quoted when the shell would split it. */
static char *
join_argv(struct json_object *argv)
{
	size_t cap = 1, n = json_object_array_length(argv);
	char *out, *p;

	for (size_t i = 0; i < n; i++)
		cap += 4 * (size_t)json_object_get_string_len(json_object_array_get_idx(argv, i)) + 3;
	if ((out = p = malloc(cap)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *w = json_object_get_string(json_object_array_get_idx(argv, i));

		if (i > 0)
			*p++ = ' ';
		if (w[0] != '\0' && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					   "0123456789_-./=:,+@%") == strlen(w)) {
			p = stpcpy(p, w);
			continue;
		}
		*p++ = '\'';
		for (; *w; w++)
			p = *w == '\'' ? stpcpy(p, "'\\''") : (*p = *w, p + 1);
		*p++ = '\'';
	}
	*p = '\0';
	return out;
}

int
hook_map_shell(struct hook_call *call, struct json_object *in, const char *cwd, char *why,
	       size_t size)
{
	static const char *const dirs[] = { "dir_path", "directory", "workdir", NULL };
	struct json_object *v;
	const char *dir = first_str(in, dirs);
	int r;

	if (json_object_object_get_ex(in, "command", &v) && json_object_is_type(v, json_type_array)) {
		char *joined = join_argv(v);

		if (joined == NULL)
			return -ENOMEM;
		r = hook_put(call->action, "command", joined, strlen(joined), why, size);
		free(joined);
	} else if (rpc_str(in, "command") != NULL) {
		r = hook_put_member(call->action, "command", in, "command", why, size);
	} else {
		snprintf(why, size, "the %s call carries no command", call->tool_name);
		return -EINVAL;
	}
	/* A tool that runs its command elsewhere: that is where it runs. */
	if (r == 0 && dir != NULL && dir[0] != '\0') {
		char *where = NULL;

		if (dir[0] != '/' && asprintf(&where, "%s/%s", cwd, dir) < 0)
			return -ENOMEM;
		r = hook_put(call->action, "cwd", where ? where : dir, strlen(where ? where : dir), why, size);
		free(where);
	}
	return r;
}

int
hook_map_paths(struct hook_call *call, struct json_object *in, const char *kind, char *why,
	       size_t size)
{
	static const char *const path_keys[] = { "file_path", "absolute_path", "notebook_path", "path",
						 NULL };
	static const char *const content_keys[] = { "content", "new_string", "new_source", NULL };
	struct json_object *v, *paths;
	const char *path = first_key(in, path_keys), *content = first_key(in, content_keys);
	bool deletes_only = false;
	int r;

	if (strcmp(call->tool_name, "apply_patch") == 0) {
		static const char *const patch_keys[] = { "input", "patch", "command", NULL };
		const char *patch = json_object_is_type(in, json_type_string) ? json_object_get_string(in)
									     : first_str(in, patch_keys);

		paths = json_object_new_array();
		r = patch ? hook_patch_paths(patch, strlen(patch), paths, &deletes_only) : -EINVAL;
		if (r <= 0) {
			json_object_put(paths);
			snprintf(why, size, r == -E2BIG ? "the patch touches more than %d files; split it"
							: "the apply_patch call carries no patch naming a file",
				 HOOK_PATHS_MAX);
			return r == -ENOMEM ? r : -EINVAL;
		}
		json_object_object_add(call->action, "paths", paths);
		if (deletes_only)
			json_object_object_add(call->action, "kind", json_object_new_string("file_delete"));
		/* The whole patch is the content: armor screens what it writes. */
		return hook_put(call->action, "content", patch, strlen(patch), why, size);
	}
	if (json_object_object_get_ex(in, "paths", &v) && json_object_is_type(v, json_type_array)) {
		paths = json_object_new_array();
		json_object_object_add(call->action, "paths", paths);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *p = json_object_array_get_idx(v, i);

			if (!json_object_is_type(p, json_type_string))
				continue;
			if (i >= HOOK_PATHS_MAX || memchr(json_object_get_string(p), '\0',
							  (size_t)json_object_get_string_len(p))) {
				snprintf(why, size, "the %s call names more than %d paths, or a bad one",
					 call->tool_name, HOOK_PATHS_MAX);
				return -EINVAL;
			}
			json_object_array_add(paths, json_object_get(p));
		}
		if (json_object_array_length(paths) > 0)
			path = NULL;
		else
			json_object_object_del(call->action, "paths");
	}
	if (path != NULL && (r = hook_put_member(call->action, "path", in, path, why, size)) < 0)
		return r;
	/* Search tools without a path search where the agent runs. */
	if (!json_object_object_get_ex(call->action, "path", NULL) &&
	    !json_object_object_get_ex(call->action, "paths", NULL)) {
		if (strcmp(kind, "file_write") == 0) {
			snprintf(why, size, "the %s call names no file", call->tool_name);
			return -EINVAL;
		}
		json_object_object_add(call->action, "path", json_object_new_string("."));
	}
	if (json_object_object_get_ex(in, "edits", &v) && json_object_is_type(v, json_type_array)) {
		/* MultiEdit: every new string, one after another, for armor. */
		struct json_object *joined = json_object_new_string("");

		for (size_t i = 0; i < json_object_array_length(v); i++) {
			const char *s = rpc_str(json_object_array_get_idx(v, i), "new_string");
			char *both = NULL;

			if (s == NULL)
				continue;
			if (asprintf(&both, "%s%s\n", json_object_get_string(joined), s) < 0) {
				json_object_put(joined);
				return -ENOMEM;
			}
			json_object_set_string(joined, both);
			free(both);
		}
		json_object_object_add(call->action, "content", joined);
	} else if (content != NULL) {
		return hook_put_member(call->action, "content", in, content, why, size);
	}
	return 0;
}

/* Gemini's web_fetch takes a prompt with the URL inside it: the first one is fetched. */
int
hook_map_network(struct hook_call *call, struct json_object *in, char *why, size_t size)
{
	const char *url = rpc_str(in, "url"), *query = rpc_str(in, "query");
	const char *prompt = rpc_str(in, "prompt");
	char *made = NULL;
	int r;

	if (url == NULL && query != NULL) {
		/* A search, as the fetch of a search page carrying the query. */
		size_t n = strlen(query);
		char *p;

		if ((made = malloc(3 * n + 40)) == NULL)
			return -ENOMEM;
		p = stpcpy(made, "https://www.google.com/search?q=");
		for (const unsigned char *q = (const unsigned char *)query; *q; q++)
			p += strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~",
				    *q) ? sprintf(p, "%c", *q) : sprintf(p, "%%%02X", *q);
		url = made;
	} else if (url == NULL && prompt != NULL) {
		const char *s = strstr(prompt, "https://"), *h = strstr(prompt, "http://");

		if (s == NULL || (h != NULL && h < s))
			s = h;
		if (s != NULL && (made = strndup(s, strcspn(s, " \t\r\n\"'<>()[]{}"))) == NULL)
			return -ENOMEM;
		url = made;
	}
	if (url == NULL) {
		snprintf(why, size, "the %s call names no URL", call->tool_name);
		return -EINVAL;
	}
	r = hook_put(call->action, "url", url, strlen(url), why, size);
	free(made);
	if (r == 0 && prompt != NULL)
		r = hook_put_member(call->action, "description", in, "prompt", why, size);
	return r;
}

/* mcp__SERVER__TOOL, Claude's and Qwen's name for an MCP server's tool. */
static bool
split_mcp(const char *name, char *server, size_t ssize, char *tool, size_t tsize)
{
	const char *s = name + 5, *sep;

	if (strncmp(name, "mcp__", 5) != 0 || (sep = strstr(s, "__")) == NULL || sep == s ||
	    sep[2] == '\0')
		return false;
	snprintf(server, ssize, "%.*s", (int)(sep - s), s);
	snprintf(tool, tsize, "%s", sep + 2);
	return true;
}

int
hook_map_mcp(struct hook_call *call, struct json_object *payload, struct json_object *in)
{
	struct json_object *ctx = NULL, *args = NULL;
	char server[128], tool[128];
	const char *cursor_server = NULL;

	if (!split_mcp(call->tool_name, server, sizeof server, tool, sizeof tool)) {
		/* Gemini says which server in mcp_context; Cursor names it by URL or command. */
		json_object_object_get_ex(payload, "mcp_context", &ctx);
		copy_str(server, sizeof server, rpc_str(ctx, "server_name"));
		copy_str(tool, sizeof tool,
			 rpc_str(ctx, "tool_name") ? rpc_str(ctx, "tool_name") : call->tool_name);
		if (call->agent == HOOK_CURSOR) {
			cursor_server = rpc_str(payload, "server")  ? rpc_str(payload, "server")
					: rpc_str(payload, "url") ? rpc_str(payload, "url")
								  : rpc_str(payload, "command");
			copy_str(server, sizeof server, cursor_server ? cursor_server : "cursor");
		}
	}
	json_object_object_add(call->action, "server", json_object_new_string(server));
	json_object_object_add(call->action, "tool", json_object_new_string(tool));
	/* Cursor sends the arguments as a JSON string. */
	if (in != NULL && json_object_is_type(in, json_type_string))
		args = json_tokener_parse(json_object_get_string(in));
	json_object_object_add(call->action, "arguments", args ? args : json_object_get(in));
	return 0;
}
