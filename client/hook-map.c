/* What a coding agent's hook payload asks, as the action maestrod evaluates. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook-map.h"
#include "jsonrpc.h"

static const struct hook_agent_info agents[HOOK_AGENT_COUNT] = {
	[HOOK_CLAUDE] = { "claude", "claude-code", "CLAUDE_PROJECT_DIR", true },
	[HOOK_GEMINI] = { "gemini", "gemini-cli", "GEMINI_PROJECT_DIR", true },
	[HOOK_QWEN] = { "qwen", "qwen-code", "QWEN_PROJECT_DIR", true },
	/* Codex counts an "ask" as a failed hook and runs the tool. */
	[HOOK_CODEX] = { "codex", "codex", NULL, false },
	[HOOK_CURSOR] = { "cursor", "cursor", NULL, true },
};

const struct hook_agent_info *
hook_agent_info(enum hook_agent agent)
{
	return &agents[agent];
}

int
hook_agent_parse(const char *name, enum hook_agent *agent)
{
	for (int i = 0; i < HOOK_AGENT_COUNT; i++)
		if (strcmp(name, agents[i].name) == 0) {
			*agent = (enum hook_agent)i;
			return 0;
		}
	return -EINVAL;
}

/* The hook events, per agent; Cursor names its tools by event. */
static const struct {
	enum hook_agent agent;
	const char *name;
	enum hook_event event;
	const char *kind; /* Cursor: the kind its event implies */
} events[] = {
	{ HOOK_CLAUDE, "PreToolUse", HOOK_EVENT_TOOL, NULL },
	{ HOOK_CLAUDE, "UserPromptSubmit", HOOK_EVENT_PROMPT, NULL },
	{ HOOK_CLAUDE, "PostToolUse", HOOK_EVENT_POST_TOOL, NULL },
	{ HOOK_QWEN, "PreToolUse", HOOK_EVENT_TOOL, NULL },
	{ HOOK_QWEN, "UserPromptSubmit", HOOK_EVENT_PROMPT, NULL },
	{ HOOK_QWEN, "PostToolUse", HOOK_EVENT_POST_TOOL, NULL },
	{ HOOK_CODEX, "PreToolUse", HOOK_EVENT_TOOL, NULL },
	{ HOOK_CODEX, "UserPromptSubmit", HOOK_EVENT_PROMPT, NULL },
	{ HOOK_CODEX, "PostToolUse", HOOK_EVENT_POST_TOOL, NULL },
	{ HOOK_GEMINI, "BeforeTool", HOOK_EVENT_TOOL, NULL },
	{ HOOK_GEMINI, "BeforeAgent", HOOK_EVENT_PROMPT, NULL },
	{ HOOK_GEMINI, "AfterTool", HOOK_EVENT_POST_TOOL, NULL },
	{ HOOK_CURSOR, "beforeShellExecution", HOOK_EVENT_TOOL, "shell" },
	{ HOOK_CURSOR, "beforeMCPExecution", HOOK_EVENT_TOOL, "mcp_tool" },
	{ HOOK_CURSOR, "beforeReadFile", HOOK_EVENT_TOOL, "file_read" },
	{ HOOK_CURSOR, "beforeSubmitPrompt", HOOK_EVENT_PROMPT, NULL },
};

/*
 * Tool names, of every agent at once: no two agents give one name
 * different meanings. Search tools (Glob, Grep, ...) read the files under
 * their path, so a policy on reading ~/.ssh also covers grepping it.
 */
static const struct {
	const char *tool, *kind;
} tools[] = {
	{ "Bash", "shell" },		  { "run_shell_command", "shell" },
	{ "shell", "shell" },		  { "Write", "file_write" },
	{ "Edit", "file_write" },	  { "MultiEdit", "file_write" },
	{ "NotebookEdit", "file_write" }, { "write_file", "file_write" },
	{ "replace", "file_write" },	  { "edit", "file_write" },
	{ "apply_patch", "file_write" },  { "Read", "file_read" },
	{ "read_file", "file_read" },	  { "read_many_files", "file_read" },
	{ "NotebookRead", "file_read" },  { "Glob", "file_read" },
	{ "Grep", "file_read" },	  { "LS", "file_read" },
	{ "glob", "file_read" },	  { "search_file_content", "file_read" },
	{ "list_directory", "file_read" }, { "WebFetch", "network" },
	{ "WebSearch", "network" },	  { "web_fetch", "network" },
	{ "google_web_search", "network" },
};

static void
copy_str(char *out, size_t size, const char *s)
{
	snprintf(out, size, "%s", s ? s : "");
}

/* A tool call's identity from pre to post: its id, else a hash of its name and input. */
static void
state_key(struct hook_call *call, struct json_object *payload, struct json_object *in)
{
	const char *id = rpc_str(payload, "tool_use_id");
	const char *text;
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	if (id != NULL && id[0] != '\0' && strlen(id) <= 80 &&
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:") ==
		    strlen(id)) {
		snprintf(call->state_key, sizeof call->state_key, "id:%.80s", id);
		return;
	}
	text = in ? json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN) : "";
	for (const char *p = call->tool_name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ '\n') * 1099511628211ull;
	for (const char *p = text; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(call->state_key, sizeof call->state_key, "h:%016llx", (unsigned long long)h);
}

int
hook_map(enum hook_agent agent, struct json_object *payload, const char *cwd,
	 const char *project_dir, struct hook_call *call, char *why, size_t size)
{
	struct json_object *in = NULL, *roots;
	const char *name = rpc_str(payload, "hook_event_name"), *kind = NULL, *p;
	size_t e, t;
	int r = 0;

	memset(call, 0, sizeof *call);
	call->agent = agent;
	if (!json_object_is_type(payload, json_type_object)) {
		snprintf(why, size, "the hook payload is not a JSON object");
		return -EINVAL;
	}
	copy_str(call->event_name, sizeof call->event_name, name);
	for (e = 0; e < sizeof events / sizeof events[0]; e++)
		if (events[e].agent == agent && name != NULL && strcmp(events[e].name, name) == 0)
			break;
	if (e == sizeof events / sizeof events[0])
		return 0; /* HOOK_EVENT_IGNORED */
	call->event = events[e].event;
	p = rpc_str(payload, "session_id") ? rpc_str(payload, "session_id")
					    : rpc_str(payload, "conversation_id");
	copy_str(call->session_id, sizeof call->session_id, p);
	copy_str(call->tool_name, sizeof call->tool_name,
		 agent == HOOK_CURSOR && events[e].kind && rpc_str(payload, "tool_name") == NULL
			 ? events[e].name
			 : rpc_str(payload, "tool_name"));
	json_object_object_get_ex(payload, "tool_input", &in);

	/* Where it runs: the payload's cwd, else Cursor's first workspace root, else ours. */
	if (json_object_object_get_ex(payload, "workspace_roots", &roots) &&
	    json_object_is_type(roots, json_type_array) && json_object_array_length(roots) > 0 &&
	    json_object_is_type(json_object_array_get_idx(roots, 0), json_type_string)) {
		const char *root = json_object_get_string(json_object_array_get_idx(roots, 0));

		if (project_dir == NULL || project_dir[0] != '/')
			project_dir = root;
		if (rpc_str(payload, "cwd") == NULL)
			cwd = root;
	}
	if (rpc_str(payload, "cwd") != NULL && rpc_str(payload, "cwd")[0] == '/')
		cwd = rpc_str(payload, "cwd");
	if (project_dir == NULL || project_dir[0] != '/')
		project_dir = cwd;

	call->context = json_object_new_object();
	json_object_object_add(call->context, "coding_agent", json_object_new_string(agents[agent].name));
	json_object_object_add(call->context, "hook_event", json_object_new_string(call->event_name));
	if (call->session_id[0])
		json_object_object_add(call->context, "session_id", json_object_new_string(call->session_id));
	if (call->tool_name[0])
		json_object_object_add(call->context, "tool_name", json_object_new_string(call->tool_name));
	if (rpc_str(payload, "tool_use_id") != NULL)
		json_object_object_add(call->context, "tool_use_id",
				       json_object_new_string(rpc_str(payload, "tool_use_id")));

	if (call->event == HOOK_EVENT_POST_TOOL) {
		state_key(call, payload, in);
		return hook_map_output(call, payload);
	}

	call->action = json_object_new_object();
	if (call->event == HOOK_EVENT_PROMPT) {
		kind = "prompt";
		if (rpc_str(payload, "prompt") == NULL) {
			snprintf(why, size, "the %s payload carries no prompt", call->event_name);
			return -EINVAL;
		}
	} else if (agent == HOOK_CURSOR) {
		kind = events[e].kind;
		in = strcmp(kind, "mcp_tool") == 0 ? in : payload;
	} else {
		for (t = 0; t < sizeof tools / sizeof tools[0]; t++)
			if (strcmp(call->tool_name, tools[t].tool) == 0)
				kind = tools[t].kind;
		if (kind == NULL) {
			/*
			 * MCP tools, and tools maestro does not know: an
			 * mcp_tool action whose server is the coding agent,
			 * so a policy can still name them.
			 */
			kind = "mcp_tool";
		}
		if (call->tool_name[0] == '\0') {
			snprintf(why, size, "the %s payload names no tool", call->event_name);
			return -EINVAL;
		}
	}
	json_object_object_add(call->action, "kind", json_object_new_string(kind));
	if (strcmp(kind, "prompt") == 0)
		r = hook_put_member(call->action, "text", payload, "prompt", why, size);
	else if (strcmp(kind, "shell") == 0)
		r = hook_map_shell(call, in, cwd, why, size);
	else if (strcmp(kind, "file_write") == 0 || strcmp(kind, "file_read") == 0)
		r = hook_map_paths(call, in, kind, why, size);
	else if (strcmp(kind, "network") == 0)
		r = hook_map_network(call, in, why, size);
	else if (strncmp(call->tool_name, "mcp__", 5) == 0 || agent == HOOK_CURSOR ||
		 json_object_object_get_ex(payload, "mcp_context", NULL))
		r = hook_map_mcp(call, payload, in);
	else {
		json_object_object_add(call->action, "server",
				       json_object_new_string(agents[agent].maestro_agent));
		json_object_object_add(call->action, "tool", json_object_new_string(call->tool_name));
		json_object_object_add(call->action, "arguments", json_object_get(in));
	}
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(call->action, "cwd", NULL) &&
	    (r = hook_put(call->action, "cwd", cwd, strlen(cwd), why, size)) < 0)
		return r;
	if ((r = hook_put(call->action, "workspace", project_dir, strlen(project_dir), why, size)) < 0)
		return r;
	if (call->event == HOOK_EVENT_TOOL)
		state_key(call, payload, in);
	return 0;
}

void
hook_call_clear(struct hook_call *call)
{
	json_object_put(call->action);
	json_object_put(call->context);
	free(call->output);
	call->action = call->context = NULL;
	call->output = NULL;
}

void
hook_correlation_prefix(const char *session_id, char *out, size_t size)
{
	size_t n = 0;

	for (const char *s = session_id; *s && n < 40 && n + 1 < size; s++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", *s))
			out[n++] = *s;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "hook");
}
