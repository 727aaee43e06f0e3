/* maestro's hooks in a coding agent's JSON settings: added beside the user's, removed exactly. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook.h"

/* The events maestro hooks, per agent, and the matcher its group needs (NULL: none). */
static const struct {
	enum hook_agent agent;
	const char *event, *matcher;
} registrations[] = {
	{ HOOK_CLAUDE, "PreToolUse", "*" },
	{ HOOK_CLAUDE, "PostToolUse", "*" },
	{ HOOK_CLAUDE, "UserPromptSubmit", NULL },
	{ HOOK_QWEN, "PreToolUse", "*" },
	{ HOOK_QWEN, "PostToolUse", "*" },
	{ HOOK_QWEN, "UserPromptSubmit", NULL },
	{ HOOK_GEMINI, "BeforeTool", ".*" },
	{ HOOK_GEMINI, "AfterTool", ".*" },
	{ HOOK_GEMINI, "BeforeAgent", NULL },
	{ HOOK_CURSOR, "beforeShellExecution", NULL },
	{ HOOK_CURSOR, "beforeMCPExecution", NULL },
	{ HOOK_CURSOR, "beforeReadFile", NULL },
	{ HOOK_CURSOR, "beforeSubmitPrompt", NULL },
};

bool
hook_command_is_ours(enum hook_agent agent, const char *command)
{
	char words[64];
	const char *p;
	size_t n;

	/* "maestroctl hook claude", by any path to maestroctl, with any options after. */
	n = (size_t)snprintf(words, sizeof words, " hook %s", hook_agent_info(agent)->name);
	if (command == NULL || (p = strstr(command, "maestroctl")) == NULL)
		return false;
	for (p = strstr(p, words); p != NULL; p = strstr(p + 1, words))
		if (p[n] == '\0' || p[n] == ' ' || p[n] == '\'')
			return true;
	return false;
}

static const char *
command_of(struct json_object *hook)
{
	struct json_object *v;

	if (!json_object_object_get_ex(hook, "command", &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Whether an entry of an event's array is (Cursor) or holds (the others) a hook of ours. */
static bool
entry_has_ours(enum hook_agent agent, struct json_object *entry)
{
	struct json_object *hooks;

	if (agent == HOOK_CURSOR)
		return hook_command_is_ours(agent, command_of(entry));
	if (!json_object_object_get_ex(entry, "hooks", &hooks) || !json_object_is_type(hooks, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(hooks); i++)
		if (hook_command_is_ours(agent, command_of(json_object_array_get_idx(hooks, i))))
			return true;
	return false;
}

static struct json_object *
new_entry(enum hook_agent agent, const char *event, const char *matcher, const char *command)
{
	struct json_object *group, *hooks, *hook = json_object_new_object();

	if (agent != HOOK_CURSOR)
		json_object_object_add(hook, "type", json_object_new_string("command"));
	if (agent == HOOK_GEMINI)
		json_object_object_add(hook, "name", json_object_new_string("maestro"));
	json_object_object_add(hook, "command", json_object_new_string(command));
	if (agent == HOOK_CURSOR)
		return hook;
	/* Gemini counts milliseconds, the others seconds; maestro answers within 5 s. */
	json_object_object_add(hook, "timeout", json_object_new_int(agent == HOOK_GEMINI ? 30000 : 30));
	/*
	 * Claude Code alone can block when the hook itself fails (killed,
	 * crashed); the hook fails closed on its own otherwise. Post-tool
	 * never blocks.
	 */
	if (agent == HOOK_CLAUDE && strcmp(event, "PostToolUse") != 0)
		json_object_object_add(hook, "onFailure", json_object_new_string("block"));
	group = json_object_new_object();
	if (matcher != NULL)
		json_object_object_add(group, "matcher", json_object_new_string(matcher));
	hooks = json_object_new_array();
	json_object_array_add(hooks, hook);
	json_object_object_add(group, "hooks", hooks);
	return group;
}

int
hook_json_add(enum hook_agent agent, struct json_object *root, const char *command, char *why,
	      size_t size)
{
	struct json_object *hooks, *list;
	int added = 0;

	if (!json_object_is_type(root, json_type_object)) {
		snprintf(why, size, "the settings are not a JSON object");
		return -EINVAL;
	}
	if (!json_object_object_get_ex(root, "hooks", &hooks)) {
		hooks = json_object_new_object();
		json_object_object_add(root, "hooks", hooks);
	} else if (!json_object_is_type(hooks, json_type_object)) {
		snprintf(why, size, "\"hooks\" in the settings is not an object");
		return -EINVAL;
	}
	for (size_t r = 0; r < sizeof registrations / sizeof registrations[0]; r++) {
		bool present = false;

		if (registrations[r].agent != agent)
			continue;
		if (!json_object_object_get_ex(hooks, registrations[r].event, &list)) {
			list = json_object_new_array();
			json_object_object_add(hooks, registrations[r].event, list);
		} else if (!json_object_is_type(list, json_type_array)) {
			snprintf(why, size, "\"hooks\".\"%s\" in the settings is not an array",
				 registrations[r].event);
			return -EINVAL;
		}
		for (size_t i = 0; i < json_object_array_length(list) && !present; i++)
			present = entry_has_ours(agent, json_object_array_get_idx(list, i));
		if (present)
			continue;
		json_object_array_add(list, new_entry(agent, registrations[r].event, registrations[r].matcher, command));
		added++;
	}
	/* Cursor's hooks.json names its format version; a file of ours says 1. */
	if (agent == HOOK_CURSOR && added > 0 && !json_object_object_get_ex(root, "version", NULL))
		json_object_object_add(root, "version", json_object_new_int(1));
	return added;
}

/* Removes our hooks from one event's array; groups left empty by that go too. */
static int
remove_from(enum hook_agent agent, struct json_object *list)
{
	int removed = 0;

	for (size_t i = json_object_array_length(list); i-- > 0;) {
		struct json_object *entry = json_object_array_get_idx(list, i), *hooks;

		if (!entry_has_ours(agent, entry))
			continue;
		if (agent == HOOK_CURSOR) {
			json_object_array_del_idx(list, i, 1);
			removed++;
			continue;
		}
		json_object_object_get_ex(entry, "hooks", &hooks);
		for (size_t k = json_object_array_length(hooks); k-- > 0;)
			if (hook_command_is_ours(agent, command_of(json_object_array_get_idx(hooks, k)))) {
				json_object_array_del_idx(hooks, k, 1);
				removed++;
			}
		if (json_object_array_length(hooks) == 0)
			json_object_array_del_idx(list, i, 1);
	}
	return removed;
}

int
hook_json_remove(enum hook_agent agent, struct json_object *root)
{
	struct json_object *hooks;
	char *emptied[64];
	size_t n_emptied = 0;
	int removed = 0;

	if (!json_object_object_get_ex(root, "hooks", &hooks) ||
	    !json_object_is_type(hooks, json_type_object))
		return 0;
	/* Every event, not only ours: a user may have moved our group. */
	json_object_object_foreach(hooks, event, list) {
		int n;

		if (!json_object_is_type(list, json_type_array))
			continue;
		n = remove_from(agent, list);
		removed += n;
		if (n > 0 && json_object_array_length(list) == 0 && n_emptied < 64 &&
		    (emptied[n_emptied] = strdup(event)) != NULL)
			n_emptied++;
	}
	/* Only what our removal emptied goes: an empty array the user wrote stays. */
	for (size_t i = 0; i < n_emptied; i++) {
		json_object_object_del(hooks, emptied[i]);
		free(emptied[i]);
	}
	if (removed > 0 && json_object_object_length(hooks) == 0)
		json_object_object_del(root, "hooks");
	return removed;
}
