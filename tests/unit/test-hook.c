/* Unit tests for maestroctl hook's pure parts: payload mapping, answers, apply_patch, settings edits. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "hook.h"
#include "unit.h"

static struct json_object *
parse(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	ck_assert_msg(o != NULL, "not JSON: %s", text);
	return o;
}

static const char *
member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* Maps payload for agent; the action (or NULL) as plain JSON, kept in a static buffer. */
static int
map(enum hook_agent agent, const char *payload, struct hook_call *call)
{
	struct json_object *p = parse(payload);
	char why[256];
	int r = hook_map(agent, p, "/here", "/proj", call, why, sizeof why);

	json_object_put(p);
	return r;
}

START_TEST(test_claude_shell)
{
	struct hook_call c;

	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"session_id\":\"s-1\",\"cwd\":\"/home/u/p\","
					  "\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\","
					  "\"tool_input\":{\"command\":\"a && rm -rf ~\"},"
					  "\"tool_use_id\":\"toolu_01\"}", &c), 0);
	ck_assert_int_eq(c.event, HOOK_EVENT_TOOL);
	ck_assert_str_eq(member(c.action, "kind"), "shell");
	ck_assert_str_eq(member(c.action, "command"), "a && rm -rf ~");
	ck_assert_str_eq(member(c.action, "cwd"), "/home/u/p");
	ck_assert_str_eq(member(c.action, "workspace"), "/proj");
	ck_assert_str_eq(member(c.context, "session_id"), "s-1");
	ck_assert_str_eq(member(c.context, "coding_agent"), "claude");
	ck_assert_str_eq(member(c.context, "tool_name"), "Bash");
	ck_assert_str_eq(c.state_key, "id:toolu_01");
	hook_call_clear(&c);
}
END_TEST

START_TEST(test_file_tools)
{
	struct hook_call c;

	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Write\","
					  "\"tool_input\":{\"file_path\":\"/p/a.c\",\"content\":\"x\"}}", &c), 0);
	ck_assert_str_eq(member(c.action, "kind"), "file_write");
	ck_assert_str_eq(member(c.action, "path"), "/p/a.c");
	ck_assert_str_eq(member(c.action, "content"), "x");
	ck_assert_str_eq(member(c.action, "cwd"), "/here"); /* no cwd in the payload */
	hook_call_clear(&c);

	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"MultiEdit\","
					  "\"tool_input\":{\"file_path\":\"b\",\"edits\":[{\"old_string\":\"1\","
					  "\"new_string\":\"one\"},{\"old_string\":\"2\",\"new_string\":\"two\"}]}}",
			     &c), 0);
	ck_assert_str_eq(member(c.action, "content"), "one\ntwo\n");
	hook_call_clear(&c);

	ck_assert_int_eq(map(HOOK_GEMINI, "{\"hook_event_name\":\"BeforeTool\",\"tool_name\":\"replace\","
					  "\"tool_input\":{\"file_path\":\"c\",\"old_string\":\"a\",\"new_string\":\"b\"}}",
			     &c), 0);
	ck_assert_str_eq(member(c.action, "kind"), "file_write");
	ck_assert_str_eq(member(c.action, "content"), "b");
	hook_call_clear(&c);

	ck_assert_int_eq(map(HOOK_GEMINI, "{\"hook_event_name\":\"BeforeTool\",\"tool_name\":\"read_many_files\","
					  "\"tool_input\":{\"paths\":[\"a\",\"b\"]}}", &c), 0);
	ck_assert_str_eq(member(c.action, "kind"), "file_read");
	ck_assert_str_eq(member(c.action, "paths"), "[ \"a\", \"b\" ]");
	hook_call_clear(&c);

	/* A search without a path searches where the agent runs. */
	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Grep\","
					  "\"tool_input\":{\"pattern\":\"x\"}}", &c), 0);
	ck_assert_str_eq(member(c.action, "kind"), "file_read");
	ck_assert_str_eq(member(c.action, "path"), ".");
	hook_call_clear(&c);

	/* A write names a file, or is refused. */
	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Write\","
					  "\"tool_input\":{\"content\":\"x\"}}", &c), -EINVAL);
	hook_call_clear(&c);
}
END_TEST

START_TEST(test_network_and_mcp)
{
	struct hook_call c;

	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"WebSearch\","
					  "\"tool_input\":{\"query\":\"a b&c\"}}", &c), 0);
	ck_assert_str_eq(member(c.action, "kind"), "network");
	ck_assert_str_eq(member(c.action, "url"), "https://www.google.com/search?q=a%20b%26c");
	hook_call_clear(&c);

	ck_assert_int_eq(map(HOOK_GEMINI, "{\"hook_event_name\":\"BeforeTool\",\"tool_name\":\"web_fetch\","
					  "\"tool_input\":{\"prompt\":\"summarize https://x.org/a?b=1 please\"}}",
			     &c), 0);
	ck_assert_str_eq(member(c.action, "url"), "https://x.org/a?b=1");
	hook_call_clear(&c);

	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":"
					  "\"mcp__github__create_issue\",\"tool_input\":{\"title\":\"t\"}}", &c), 0);
	ck_assert_str_eq(member(c.action, "kind"), "mcp_tool");
	ck_assert_str_eq(member(c.action, "server"), "github");
	ck_assert_str_eq(member(c.action, "tool"), "create_issue");
	ck_assert_str_eq(member(c.action, "arguments"), "{ \"title\": \"t\" }");
	hook_call_clear(&c);

	/* Unknown tools: an mcp_tool of the coding agent's own server. */
	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Task\","
					  "\"tool_input\":{\"prompt\":\"p\"}}", &c), 0);
	ck_assert_str_eq(member(c.action, "server"), "claude-code");
	ck_assert_str_eq(member(c.action, "tool"), "Task");
	hook_call_clear(&c);

	/* Cursor: the event names the tool; MCP arguments come as a JSON string. */
	ck_assert_int_eq(map(HOOK_CURSOR, "{\"conversation_id\":\"c1\",\"hook_event_name\":"
					  "\"beforeMCPExecution\",\"tool_name\":\"query\",\"tool_input\":"
					  "\"{\\\"sql\\\":\\\"select 1\\\"}\",\"command\":\"pg-mcp\","
					  "\"workspace_roots\":[\"/w\"]}", &c), 0);
	ck_assert_str_eq(member(c.action, "server"), "pg-mcp");
	ck_assert_str_eq(member(c.action, "tool"), "query");
	ck_assert_str_eq(member(c.action, "arguments"), "{ \"sql\": \"select 1\" }");
	ck_assert_str_eq(member(c.action, "cwd"), "/w");
	ck_assert_str_eq(member(c.action, "workspace"), "/proj");
	ck_assert_str_eq(c.session_id, "c1");
	hook_call_clear(&c);

	ck_assert_int_eq(map(HOOK_CURSOR, "{\"hook_event_name\":\"beforeShellExecution\","
					  "\"command\":\"ls\",\"cwd\":\"/w/sub\"}", &c), 0);
	ck_assert_str_eq(member(c.action, "kind"), "shell");
	ck_assert_str_eq(member(c.action, "cwd"), "/w/sub");
	hook_call_clear(&c);
}
END_TEST

START_TEST(test_prompt_post_and_ignored)
{
	struct hook_call c;

	ck_assert_int_eq(map(HOOK_GEMINI, "{\"hook_event_name\":\"BeforeAgent\",\"prompt\":\"hi\"}", &c), 0);
	ck_assert_int_eq(c.event, HOOK_EVENT_PROMPT);
	ck_assert_str_eq(member(c.action, "kind"), "prompt");
	ck_assert_str_eq(member(c.action, "text"), "hi");
	hook_call_clear(&c);

	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PostToolUse\",\"tool_name\":\"Bash\","
					  "\"tool_input\":{\"command\":\"ls\"},\"tool_use_id\":\"t9\","
					  "\"tool_response\":{\"stdout\":\"out\",\"stderr\":\"err\","
					  "\"interrupted\":false}}", &c), 0);
	ck_assert_int_eq(c.event, HOOK_EVENT_POST_TOOL);
	ck_assert_str_eq(c.output, "out\nerr");
	ck_assert(!c.failed);
	ck_assert_str_eq(c.state_key, "id:t9");
	hook_call_clear(&c);

	/* Gemini has no tool id: pre and post meet on a hash of the name and input. */
	ck_assert_int_eq(map(HOOK_GEMINI, "{\"hook_event_name\":\"AfterTool\",\"tool_name\":\"read_file\","
					  "\"tool_input\":{\"file_path\":\"a\"},\"tool_response\":{\"error\":"
					  "\"no such file\"}}", &c), 0);
	ck_assert(c.failed);
	ck_assert(strncmp(c.state_key, "h:", 2) == 0);
	{
		struct hook_call pre;
		char key[sizeof c.state_key];

		memcpy(key, c.state_key, sizeof key);
		ck_assert_int_eq(map(HOOK_GEMINI, "{\"hook_event_name\":\"BeforeTool\",\"tool_name\":"
						  "\"read_file\",\"tool_input\":{\"file_path\":\"a\"}}", &pre), 0);
		ck_assert_str_eq(pre.state_key, key);
		hook_call_clear(&pre);
	}
	hook_call_clear(&c);

	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"SessionStart\"}", &c), 0);
	ck_assert_int_eq(c.event, HOOK_EVENT_IGNORED);
	hook_call_clear(&c);
}
END_TEST

START_TEST(test_bad_payloads)
{
	struct hook_call c;

	/* A NUL inside the command would let maestrod judge a shorter one. */
	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\","
					  "\"tool_input\":{\"command\":\"ls\\u0000; rm -rf /\"}}", &c), -EINVAL);
	hook_call_clear(&c);
	ck_assert_int_eq(map(HOOK_CLAUDE, "[1]", &c), -EINVAL);
	hook_call_clear(&c);
	ck_assert_int_eq(map(HOOK_CLAUDE, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\","
					  "\"tool_input\":{}}", &c), -EINVAL);
	hook_call_clear(&c);
	ck_assert_int_eq(map(HOOK_CODEX, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\","
					 "\"tool_input\":{\"command\":[\"bash\",\"-lc\",\"echo 'hi'\"]}}", &c), 0);
	ck_assert_str_eq(member(c.action, "command"), "bash -lc 'echo '\\''hi'\\'''");
	hook_call_clear(&c);
}
END_TEST

START_TEST(test_apply_patch)
{
	static const char patch[] =
		"*** Begin Patch\n"
		"*** Add File: src/new.c\n"
		"+int x;\n"
		"*** Update File: src/old.c\n"
		"*** Move to: src/moved.c\n"
		"@@\n"
		"-*** Delete File: not/a/header\n"
		"+y\n"
		"*** Delete File: gone.txt\r\n"
		"*** Update File: src/new.c\n"
		"*** End Patch\n"
		"*** Add File: after/the/end\n";
	struct json_object *paths = json_object_new_array();
	struct hook_call c;
	bool del = true;

	ck_assert_int_eq(hook_patch_paths(patch, strlen(patch), paths, &del), 4);
	ck_assert_str_eq(json_object_to_json_string_ext(paths, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			 "[\"src/new.c\",\"src/old.c\",\"src/moved.c\",\"gone.txt\"]");
	ck_assert(!del);
	json_object_put(paths);

	paths = json_object_new_array();
	ck_assert_int_eq(hook_patch_paths("*** Begin Patch\n*** Delete File: a\n*** End Patch", 48, paths,
					  &del), 1);
	ck_assert(del);
	json_object_put(paths);

	paths = json_object_new_array();
	ck_assert_int_eq(hook_patch_paths("*** Add File: a\n", 16, paths, &del), -EINVAL);
	json_object_put(paths);

	{
		char big[100 * 40] = "*** Begin Patch\n";

		for (int i = 0; i < 70; i++)
			sprintf(big + strlen(big), "*** Add File: f%d\n", i);
		paths = json_object_new_array();
		ck_assert_int_eq(hook_patch_paths(big, strlen(big), paths, &del), -E2BIG);
		json_object_put(paths);
	}

	ck_assert_int_eq(map(HOOK_CODEX, "{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"apply_patch\","
					 "\"tool_input\":{\"input\":\"*** Begin Patch\\n*** Update File: a.c\\n"
					 "@@\\n-x\\n+y\\n*** End Patch\\n\"}}", &c), 0);
	ck_assert_str_eq(member(c.action, "kind"), "file_write");
	ck_assert_str_eq(member(c.action, "paths"), "[ \"a.c\" ]");
	ck_assert(strstr(member(c.action, "content"), "+y") != NULL);
	hook_call_clear(&c);
}
END_TEST

static void
answer_is(enum hook_agent agent, enum hook_event event, const char *event_name,
	  enum hook_decision d, const char *approval, const char *out, int code)
{
	struct hook_answer a;

	ck_assert_int_eq(hook_answer(agent, event, event_name, d, "why", approval, &a), 0);
	if (out == NULL)
		ck_assert_ptr_null(a.out);
	else
		ck_assert_str_eq(a.out, out);
	ck_assert_int_eq(a.exit_code, code);
	if (code == 2)
		ck_assert_ptr_nonnull(a.err);
	hook_answer_clear(&a);
}

START_TEST(test_answers)
{
	answer_is(HOOK_CLAUDE, HOOK_EVENT_TOOL, "PreToolUse", HOOK_DENY, NULL,
		  "{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":"
		  "\"deny\",\"permissionDecisionReason\":\"why\"}}\n", 2);
	answer_is(HOOK_QWEN, HOOK_EVENT_TOOL, "PreToolUse", HOOK_ASK, "apr_1",
		  "{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":"
		  "\"ask\",\"permissionDecisionReason\":\"why Answer here, or approve it with: "
		  "maestroctl approve apr_1.\"}}\n", 0);
	answer_is(HOOK_GEMINI, HOOK_EVENT_TOOL, "BeforeTool", HOOK_ALLOW, NULL,
		  "{\"decision\":\"allow\",\"reason\":\"why\"}\n", 0);
	answer_is(HOOK_GEMINI, HOOK_EVENT_TOOL, "BeforeTool", HOOK_DENY, NULL,
		  "{\"decision\":\"deny\",\"reason\":\"why\"}\n", 2);
	answer_is(HOOK_CODEX, HOOK_EVENT_TOOL, "PreToolUse", HOOK_ALLOW, NULL, NULL, 0);
	answer_is(HOOK_CODEX, HOOK_EVENT_TOOL, "PreToolUse", HOOK_ASK, "apr_0123456789abcdef",
		  "{\"hookSpecificOutput\":{\"hookEventName\":\"PreToolUse\",\"permissionDecision\":"
		  "\"deny\",\"permissionDecisionReason\":\"why A person must approve this first: "
		  "maestroctl approve apr_0123456789abcdef, then try again.\"}}\n", 2);
	answer_is(HOOK_CURSOR, HOOK_EVENT_TOOL, "beforeShellExecution", HOOK_ALLOW, NULL,
		  "{\"permission\":\"allow\"}\n", 0);
	answer_is(HOOK_CURSOR, HOOK_EVENT_TOOL, "beforeShellExecution", HOOK_ASK, NULL,
		  "{\"permission\":\"ask\",\"user_message\":\"why\",\"agent_message\":\"why\"}\n", 0);
	answer_is(HOOK_GEMINI, HOOK_EVENT_TOOL, "BeforeTool", HOOK_ASK, NULL,
		  "{\"decision\":\"ask\",\"reason\":\"why\"}\n", 0);
	/* Prompts: allow says nothing (stdout would join the prompt); ask blocks. */
	answer_is(HOOK_CLAUDE, HOOK_EVENT_PROMPT, "UserPromptSubmit", HOOK_ALLOW, NULL, NULL, 0);
	answer_is(HOOK_CLAUDE, HOOK_EVENT_PROMPT, "UserPromptSubmit", HOOK_ASK, NULL,
		  "{\"decision\":\"block\",\"reason\":\"why A person must approve this first.\"}\n", 2);
	answer_is(HOOK_CURSOR, HOOK_EVENT_PROMPT, "beforeSubmitPrompt", HOOK_DENY, NULL,
		  "{\"continue\":false,\"user_message\":\"why\"}\n", 0);
	answer_is(HOOK_GEMINI, HOOK_EVENT_PROMPT, "BeforeAgent", HOOK_ALLOW, NULL,
		  "{\"decision\":\"allow\"}\n", 0);
	/* Post-tool never blocks. */
	answer_is(HOOK_CLAUDE, HOOK_EVENT_POST_TOOL, "PostToolUse", HOOK_ALLOW, NULL, NULL, 0);
	answer_is(HOOK_CLAUDE, HOOK_EVENT_POST_TOOL, "PostToolUse", HOOK_DENY, NULL,
		  "{\"hookSpecificOutput\":{\"hookEventName\":\"PostToolUse\",\"additionalContext\":"
		  "\"why\"}}\n", 0);
	answer_is(HOOK_CODEX, HOOK_EVENT_POST_TOOL, "PostToolUse", HOOK_DENY, NULL, NULL, 0);
}
END_TEST

START_TEST(test_toml_block)
{
	char why[256], *block = hook_toml_block("/usr/bin/maestroctl hook codex"), *added, *removed;
	int r;

	ck_assert_ptr_nonnull(block);
	ck_assert(strstr(block, "[[hooks.PreToolUse.hooks]]\ntype = \"command\"\n"
				"command = \"/usr/bin/maestroctl hook codex\"\n") != NULL);

	/* Appended after the user's file, and removed to the byte. */
	added = hook_toml_add("model = \"o3\"\n\n[tui]\nx = 1\n", block, &r, why, sizeof why);
	ck_assert_int_eq(r, 0);
	ck_assert(strstr(added, "x = 1\n\n# >>> maestro hooks") != NULL);
	ck_assert_ptr_null(hook_toml_add(added, block, &r, why, sizeof why));
	ck_assert_int_eq(r, -EEXIST);
	removed = hook_toml_remove(added, &r);
	ck_assert_str_eq(removed, "model = \"o3\"\n\n[tui]\nx = 1\n");
	free(added);
	free(removed);

	/* Without a final newline, remove leaves one (install's caller restores the backup). */
	added = hook_toml_add("a = 1", block, &r, why, sizeof why);
	removed = hook_toml_remove(added, &r);
	ck_assert_str_eq(removed, "a = 1\n");
	free(added);
	free(removed);

	added = hook_toml_add("", block, &r, why, sizeof why);
	ck_assert_str_eq(added, block);
	removed = hook_toml_remove(added, &r);
	ck_assert_str_eq(removed, "");
	free(added);
	free(removed);

	ck_assert_ptr_null(hook_toml_remove("a = 1\n", &r));
	ck_assert_int_eq(r, -ENOENT);

	/* Definitions an appended [[hooks.PreToolUse]] would clash with. */
	ck_assert_ptr_null(hook_toml_add("[hooks]\nPreToolUse = []\n", block, &r, why, sizeof why));
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_ptr_null(hook_toml_add("hooks = { }\n", block, &r, why, sizeof why));
	ck_assert_ptr_null(hook_toml_add("[hooks.PostToolUse]\nx=1\n", block, &r, why, sizeof why));
	added = hook_toml_add("[[hooks.PreToolUse]]\n[[hooks.PreToolUse.hooks]]\ncommand = \"mine\"\n",
			      block, &r, why, sizeof why);
	ck_assert_int_eq(r, 0);
	free(added);
	free(block);
}
END_TEST

START_TEST(test_json_edit)
{
	static const char original[] =
		"{\"model\":\"opus\",\"hooks\":{\"PreToolUse\":[{\"matcher\":\"Bash\",\"hooks\":"
		"[{\"type\":\"command\",\"command\":\"./mine.sh\"}]}],\"Stop\":[]}}";
	struct json_object *before = parse(original), *root = parse(original);
	char why[256];

	ck_assert_int_eq(hook_json_add(HOOK_CLAUDE, root, "/bin/maestroctl hook claude", why, sizeof why), 3);
	ck_assert_int_eq(hook_json_add(HOOK_CLAUDE, root, "/bin/maestroctl hook claude", why, sizeof why), 0);
	ck_assert(!json_object_equal(root, before));
	ck_assert_int_eq(hook_json_remove(HOOK_CLAUDE, root), 3);
	ck_assert(json_object_equal(root, before));
	ck_assert_int_eq(hook_json_remove(HOOK_CLAUDE, root), 0);
	json_object_put(root);

	/* Cursor's flat entries, and its version member. */
	root = parse("{}");
	ck_assert_int_eq(hook_json_add(HOOK_CURSOR, root, "maestroctl hook cursor", why, sizeof why), 4);
	ck_assert_str_eq(member(root, "version"), "1");
	ck_assert_int_eq(hook_json_remove(HOOK_CURSOR, root), 4);
	ck_assert_str_eq(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN), "{\"version\":1}");
	json_object_put(root);

	root = parse("{\"hooks\":[]}");
	ck_assert_int_eq(hook_json_add(HOOK_GEMINI, root, "maestroctl hook gemini", why, sizeof why), -EINVAL);
	json_object_put(root);
	json_object_put(before);

	ck_assert(hook_command_is_ours(HOOK_CLAUDE, "/usr/bin/maestroctl hook claude"));
	ck_assert(hook_command_is_ours(HOOK_CLAUDE, "'/opt/my dir/maestroctl' hook claude --agent x"));
	ck_assert(!hook_command_is_ours(HOOK_CLAUDE, "maestroctl hook claudette"));
	ck_assert(!hook_command_is_ours(HOOK_GEMINI, "maestroctl hook claude"));
	ck_assert(!hook_command_is_ours(HOOK_CLAUDE, "./hook claude"));
}
END_TEST

START_TEST(test_correlation_prefix)
{
	char p[64];

	hook_correlation_prefix("3f2a-b9:c/../x", p, sizeof p);
	ck_assert_str_eq(p, "3f2a-b9cx");
	hook_correlation_prefix("", p, sizeof p);
	ck_assert_str_eq(p, "hook");
	hook_correlation_prefix("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", p, sizeof p);
	ck_assert_uint_eq(strlen(p), 40);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hook");
	TCase *tc = tcase_create("hook");

	tcase_add_test(tc, test_claude_shell);
	tcase_add_test(tc, test_file_tools);
	tcase_add_test(tc, test_network_and_mcp);
	tcase_add_test(tc, test_prompt_post_and_ignored);
	tcase_add_test(tc, test_bad_payloads);
	tcase_add_test(tc, test_apply_patch);
	tcase_add_test(tc, test_answers);
	tcase_add_test(tc, test_toml_block);
	tcase_add_test(tc, test_json_edit);
	tcase_add_test(tc, test_correlation_prefix);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
