/* Fuzz target: maestroctl hook's readers of untrusted input: hook payloads, apply_patch, config.toml. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/hook.h"
#include "fuzz.h"

/* Every answer an agent can get for the call: JSON on stdout, exit 0 or 2. */
static void
check_answers(const struct hook_call *call)
{
	for (int d = HOOK_ALLOW; d <= HOOK_DENY; d++) {
		struct hook_answer a;

		fuzz_assert(hook_answer(call->agent, call->event, call->event_name, (enum hook_decision)d,
					"reason", "apr_0000000000000000", &a) == 0);
		fuzz_assert(a.exit_code == 0 || a.exit_code == 2);
		if (a.out != NULL) {
			struct json_object *o = json_tokener_parse(a.out);

			fuzz_assert(o != NULL);
			json_object_put(o);
		}
		/* A post-tool answer never blocks. */
		fuzz_assert(call->event != HOOK_EVENT_POST_TOOL || a.exit_code == 0);
		hook_answer_clear(&a);
	}
}

static void
check_map(enum hook_agent agent, const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *payload;
	struct hook_call call;
	char why[256];
	int r;

	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	payload = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (payload == NULL)
		return;
	r = hook_map(agent, payload, "/cwd", NULL, &call, why, sizeof why);
	fuzz_assert(r == 0 || r == -EINVAL);
	if (r == -EINVAL)
		fuzz_assert(why[0] != '\0');
	if (r == 0 && (call.event == HOOK_EVENT_TOOL || call.event == HOOK_EVENT_PROMPT)) {
		struct json_object *v;

		/* What maestrod needs: a kind, a cwd, a workspace, never more than 64 paths. */
		fuzz_assert(json_object_object_get_ex(call.action, "kind", &v));
		fuzz_assert(json_object_object_get_ex(call.action, "cwd", NULL));
		fuzz_assert(json_object_object_get_ex(call.action, "workspace", NULL));
		if (json_object_object_get_ex(call.action, "paths", &v))
			fuzz_assert(json_object_array_length(v) <= HOOK_PATHS_MAX);
		fuzz_assert(call.state_key[0] != '\0' || call.event == HOOK_EVENT_PROMPT);
	}
	if (r == 0 && call.event == HOOK_EVENT_POST_TOOL)
		fuzz_assert(call.output != NULL && fuzz_utf8_valid(call.output, strlen(call.output)));
	if (r == 0)
		check_answers(&call);
	hook_call_clear(&call);
	json_object_put(payload);
}

static void
check_patch(const char *text, size_t len)
{
	struct json_object *paths = json_object_new_array();
	bool deletes_only;
	int n = hook_patch_paths(text, len, paths, &deletes_only);

	fuzz_assert(n == -EINVAL || n == -E2BIG || (n >= 0 && n <= HOOK_PATHS_MAX));
	if (n >= 0) {
		fuzz_assert((size_t)n == json_object_array_length(paths));
		for (int i = 0; i < n; i++) {
			struct json_object *p = json_object_array_get_idx(paths, (size_t)i);

			fuzz_assert(json_object_get_string_len(p) > 0);
			fuzz_assert(strlen(json_object_get_string(p)) ==
				    (size_t)json_object_get_string_len(p));
		}
	}
	json_object_put(paths);
}

/* Whatever the file, remove(add(file)) is the file, give or take the final newline add supplied. */
static void
check_toml(const char *text)
{
	char why[256], *block = hook_toml_block("maestroctl hook codex"), *added, *removed;
	size_t len = strlen(text);
	int r;

	fuzz_assert(block != NULL);
	added = hook_toml_add(text, block, &r, why, sizeof why);
	fuzz_assert(added != NULL || r == -EEXIST || r == -EINVAL);
	if (added != NULL) {
		removed = hook_toml_remove(added, &r);
		fuzz_assert(removed != NULL);
		fuzz_assert(strcmp(removed, text) == 0 ||
			    (len > 0 && text[len - 1] != '\n' && strlen(removed) == len + 1 &&
			     strncmp(removed, text, len) == 0 && removed[len] == '\n'));
		free(removed);
	}
	free(added);
	free(block);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size == 0)
		return 0;
	/* The first byte picks the agent; the rest is the payload. */
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	check_map((enum hook_agent)(data[0] % HOOK_AGENT_COUNT), text, size - 1);
	check_patch(text, size - 1);
	check_toml(text);
	free(text);
	return 0;
}
