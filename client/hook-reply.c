/* maestro's decision in each coding agent's own terms: its JSON, its exit codes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook.h"

static const char *const decision_words[] = {
	[HOOK_ALLOW] = "allow",
	[HOOK_ASK] = "ask",
	[HOOK_DENY] = "deny",
};

static void
add(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

/* Claude Code's shape, which Qwen Code shares and Codex reads for a deny. */
static struct json_object *
claude_tool(const char *event_name, const char *decision, const char *reason)
{
	struct json_object *o = json_object_new_object(), *h = json_object_new_object();

	add(h, "hookEventName", event_name[0] ? event_name : "PreToolUse");
	add(h, "permissionDecision", decision);
	add(h, "permissionDecisionReason", reason);
	json_object_object_add(o, "hookSpecificOutput", h);
	return o;
}

static struct json_object *
pair(const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct json_object *o = json_object_new_object();

	add(o, k1, v1);
	if (k2 != NULL && v2 != NULL)
		add(o, k2, v2);
	return o;
}

/* The reply to a tool call; *blocks says whether it stops the tool (exit 2 where honoured). */
static struct json_object *
tool_reply(enum hook_agent agent, const char *event_name, enum hook_decision d, const char *reason,
	   bool *blocks)
{
	struct json_object *o;

	*blocks = d == HOOK_DENY;
	switch (agent) {
	case HOOK_CLAUDE:
	case HOOK_QWEN:
		return claude_tool(event_name, decision_words[d], reason);
	case HOOK_GEMINI:
		return pair("decision", decision_words[d], "reason", reason);
	case HOOK_CODEX:
		/* Codex reads only a deny; anything else is "no objection", said by saying nothing. */
		return d == HOOK_DENY ? claude_tool(event_name, "deny", reason) : NULL;
	case HOOK_CURSOR:
		o = pair("permission", decision_words[d], NULL, NULL);
		if (d != HOOK_ALLOW) {
			add(o, "user_message", reason);
			add(o, "agent_message", reason);
		}
		return o;
	default:
		return NULL;
	}
}

/* The reply to a prompt: no agent asks a person about a prompt, so an ask blocks it. */
static struct json_object *
prompt_reply(enum hook_agent agent, enum hook_decision d, const char *reason, bool *blocks)
{
	struct json_object *o;

	*blocks = d != HOOK_ALLOW;
	switch (agent) {
	case HOOK_CLAUDE:
	case HOOK_QWEN:
	case HOOK_CODEX:
		/* On allow, stdout would be added to the prompt as context: say nothing. */
		return *blocks ? pair("decision", "block", "reason", reason) : NULL;
	case HOOK_GEMINI:
		return *blocks ? pair("decision", "deny", "reason", reason) : pair("decision", "allow", NULL, NULL);
	case HOOK_CURSOR:
		o = json_object_new_object();
		json_object_object_add(o, "continue", json_object_new_boolean(!*blocks));
		if (*blocks)
			add(o, "user_message", reason);
		return o;
	default:
		return NULL;
	}
}

/* Post-tool: never blocks; a warning (reason) reaches the model where the agent lets it. */
static struct json_object *
post_reply(enum hook_agent agent, const char *event_name, const char *warning)
{
	struct json_object *o, *h;

	if (warning == NULL || (agent != HOOK_CLAUDE && agent != HOOK_QWEN && agent != HOOK_GEMINI))
		return NULL;
	o = json_object_new_object();
	h = json_object_new_object();
	add(h, "hookEventName", event_name);
	add(h, "additionalContext", warning);
	json_object_object_add(o, "hookSpecificOutput", h);
	return o;
}

int
hook_answer(enum hook_agent agent, enum hook_event event, const char *event_name,
	    enum hook_decision decision, const char *reason, const char *approval_id,
	    struct hook_answer *answer)
{
	struct json_object *o = NULL;
	char *text = NULL;
	bool blocks = false;
	int n;

	memset(answer, 0, sizeof *answer);
	if (reason == NULL)
		reason = "";
	/*
	 * Where the agent cannot ask a person (Codex, and every prompt
	 * event), an ask is a deny that says who must approve and how; the
	 * retry after the approval is then allowed once.
	 */
	if (decision == HOOK_ASK && (event == HOOK_EVENT_PROMPT || !hook_agent_info(agent)->has_ask)) {
		decision = HOOK_DENY;
		n = approval_id ? asprintf(&text, "%s A person must approve this first: "
						  "maestroctl approve %s, then try again.",
					   reason, approval_id)
				: asprintf(&text, "%s A person must approve this first.", reason);
		if (n < 0)
			return -ENOMEM;
		reason = text;
	} else if (decision == HOOK_ASK && approval_id != NULL) {
		/* The agent asks its user; a person may also answer through maestro. */
		if (asprintf(&text, "%s Answer here, or approve it with: maestroctl approve %s.", reason,
			     approval_id) < 0)
			return -ENOMEM;
		reason = text;
	}
	if (event == HOOK_EVENT_TOOL)
		o = tool_reply(agent, event_name, decision, reason, &blocks);
	else if (event == HOOK_EVENT_PROMPT)
		o = prompt_reply(agent, decision, reason, &blocks);
	else if (event == HOOK_EVENT_POST_TOOL)
		o = post_reply(agent, event_name, decision == HOOK_ALLOW ? NULL : reason);
	if (o != NULL &&
	    asprintf(&answer->out, "%s\n",
		     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		answer->out = NULL, n = -1;
	else
		n = 0;
	json_object_put(o);
	/*
	 * A block is said twice: in the JSON, and as exit code 2 with the
	 * reason on stderr, which the agents show when they honour the exit
	 * code (and which some versions honour instead of the JSON). Cursor
	 * documents no exit code: its JSON alone decides.
	 */
	if (n == 0 && blocks && agent != HOOK_CURSOR) {
		answer->exit_code = 2;
		if (asprintf(&answer->err, "%s\n", reason) < 0)
			answer->err = NULL, n = -1;
	}
	free(text);
	if (n < 0 || (o != NULL && answer->out == NULL)) {
		hook_answer_clear(answer);
		return -ENOMEM;
	}
	return 0;
}

void
hook_answer_clear(struct hook_answer *answer)
{
	free(answer->out);
	free(answer->err);
	answer->out = answer->err = NULL;
}
