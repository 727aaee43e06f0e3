/* The governance.* methods: evaluate an action before it runs, report how it went. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "armor.h"
#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "effects.h"
#include "ids.h"
#include "jsonrpc.h"
#include "maestro-protocol.h"
#include "pipeline.h"
#include "policy.h"
#include "server.h"
#include "store.h"
#include "taint.h"
#include "util.h"

/* Members an action may carry; anything else is a mistake worth telling. */
static const struct param_spec action_members[] = {
	{ "kind", json_type_string, true },
	{ "command", json_type_string, false },
	{ "path", json_type_string, false },
	{ "paths", json_type_array, false },
	{ "url", json_type_string, false },
	{ "server", json_type_string, false },
	{ "tool", json_type_string, false },
	{ "arguments", json_type_null, false, true }, /* any JSON */
	{ "text", json_type_string, false },
	{ "content", json_type_string, false },
	{ "cwd", json_type_string, false },
	{ "workspace", json_type_string, false },
	{ "description", json_type_string, false },
	{ NULL, json_type_null, false },
};

/*
 * The peer's home, for ~ in its commands: from the kernel's uid, not from
 * what the agent says; looked up once per connection, since getpwuid_r()
 * reads /etc/passwd.
 */
static const char *
peer_home(struct conn *c)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];

	if (c->home == NULL && getpwuid_r(c->uid, &pw, tmp, sizeof tmp, &res) == 0 && res != NULL &&
	    pw.pw_dir != NULL)
		c->home = strdup(pw.pw_dir);
	return c->home;
}

/* W3C trace context: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>. */
static bool
traceparent_ok(const char *s)
{
	if (strlen(s) != 55 || s[2] != '-' || s[35] != '-' || s[52] != '-')
		return false;
	for (size_t i = 0; i < 55; i++)
		if (i != 2 && i != 35 && i != 52 && !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * Copies: a subagent that misses its deadline may still read them after
 * the call was answered and its params freed.
 */
static void
add_screen(struct eval_input *in, const char *text, int source)
{
	char *copy;

	if (text == NULL || in->n_screens == EVAL_MAX_SCREENS || (copy = strdup(text)) == NULL)
		return;
	in->owned[in->n_screens] = copy;
	in->screens[in->n_screens].text = copy;
	in->screens[in->n_screens].len = strlen(copy);
	in->screens[in->n_screens].source = source;
	in->n_screens++;
}

/* Fills in from the action; on failure writes a sentence into msg. */
static int
evaluate_prepare(struct call *call, struct json_object *action, struct eval_input *in,
		 char *msg, size_t size)
{
	struct maestrod *d = call->d;
	struct action_input ai = { 0 };
	const char *paths[64], *texts[4], *kind = rpc_str(action, "kind");
	size_t n_texts = 0;
	struct json_object *v, *args;
	struct agent *a;
	int r;

	if (!params_check(action_members, action, msg, size))
		return -EINVAL;
	if (kind == NULL || action_kind_parse(kind, &ai.kind) < 0) {
		snprintf(msg, size, "invalid params: action.kind must be one of shell, file_read, "
				    "file_write, file_delete, network, mcp_tool, prompt");
		return -EINVAL;
	}
	ai.command = rpc_str(action, "command");
	ai.url = rpc_str(action, "url");
	ai.mcp_server = rpc_str(action, "server");
	ai.mcp_tool = rpc_str(action, "tool");
	ai.cwd = rpc_str(action, "cwd");
	ai.workspace = rpc_str(action, "workspace");
	ai.home = peer_home(call->conn);
	if (rpc_str(action, "path") != NULL)
		paths[ai.n_paths++] = rpc_str(action, "path");
	if (json_object_object_get_ex(action, "paths", &v)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *p = json_object_array_get_idx(v, i);

			if (!json_object_is_type(p, json_type_string) || ai.n_paths == 64) {
				snprintf(msg, size, "invalid params: action.paths must be at most 63 strings");
				return -EINVAL;
			}
			paths[ai.n_paths++] = json_object_get_string(p);
		}
	}
	ai.paths = paths;
	ai.maestro.socket = server_path(d->server);
	ai.maestro.config = d->config_path;
	/* The built-in policy has no file; a policy read from one is as protected as the config. */
	ai.maestro.policy = policy_file(d->policy)[0] == '/' ? policy_file(d->policy) : NULL;
	ai.maestro.database = d->store->path;
	if (ai.kind == ACTION_PROMPT && rpc_str(action, "text") == NULL) {
		snprintf(msg, size, "invalid params: a prompt action needs \"text\"");
		return -EINVAL;
	}
	if (ai.kind == ACTION_PROMPT)
		ai.command = NULL;
	/* Not classified, but maestro's own files named in them still count. */
	texts[n_texts++] = rpc_str(action, "text");
	texts[n_texts++] = rpc_str(action, "content");
	texts[n_texts++] = rpc_str(action, "command");
	if (json_object_object_get_ex(action, "arguments", &args))
		texts[n_texts++] = json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN |
									JSON_C_TO_STRING_NOSLASHESCAPE);
	ai.texts = texts;
	ai.content = rpc_str(action, "content");
	ai.n_texts = n_texts;
	r = effects_classify(&ai, &in->facts);
	if (r == -EINVAL) {
		snprintf(msg, size, "invalid params: a %s action needs %s", kind,
			 ai.kind == ACTION_SHELL	 ? "\"command\""
			 : ai.kind == ACTION_NETWORK	 ? "\"url\""
			 : ai.kind == ACTION_MCP_TOOL ? "\"server\" and \"tool\""
						       : "\"path\" or \"paths\"");
		return r;
	}
	if (r < 0) {
		snprintf(msg, size, "internal error: %s", strerror(-r));
		return r;
	}

	a = registry_find(&d->agents, call->agent_id);
	if (a == NULL) {
		snprintf(msg, size, "unauthenticated: agent %s no longer exists", call->agent_id);
		return -ENOENT;
	}
	in->agent = *a;
	in->agent.description = in->agent.suspend_reason = NULL; /* not the copy's to free */
	in->policy = policy_ref(d->policy);
	in->trust = a->trust;
	in->tainted = call->conn->tainted;
	in->workspace = ai.workspace ? strdup(ai.workspace) : ai.cwd ? strdup(ai.cwd) : NULL;
	in->home = ai.home ? strdup(ai.home) : NULL;

	add_screen(in, ai.command, ARMOR_SOURCE_COMMAND);
	add_screen(in, rpc_str(action, "text"), ARMOR_SOURCE_PROMPT);
	add_screen(in, ai.url, ARMOR_SOURCE_URL);
	add_screen(in, rpc_str(action, "content"), ARMOR_SOURCE_FILE_CONTENT);
	if (json_object_object_get_ex(action, "arguments", &args))
		add_screen(in, json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN),
			   ARMOR_SOURCE_TOOL_ARGUMENTS);
	return 0;
}

/* The evaluation cannot start: the caller hears why, and then only frees its arg. */
static void
refuse(struct call *call, int code, const char *msg, pipeline_then_fn then, void *arg)
{
	call_fail(call, code, msg, NULL);
	if (then != NULL)
		then(NULL, NULL, VERDICT_DENY, arg);
}

void
governance_evaluate_start(struct call *call, struct json_object *action, pipeline_then_fn then,
			  void *arg)
{
	struct json_object *context = NULL, *v;
	enum risk_level client_risk = RISK_LOW;
	struct eval_input in = { 0 };
	const char *s;
	char corr[80], msg[400];

	s = rpc_str(call->params, "risk_level");
	if (s != NULL && risk_parse(s, &client_risk) < 0) {
		refuse(call, RPC_INVALID_PARAMS,
		       "invalid params: risk_level must be LOW, MEDIUM, HIGH or CRITICAL", then, arg);
		return;
	}
	s = rpc_str(call->params, "traceparent");
	if (s != NULL && !traceparent_ok(s)) {
		refuse(call, RPC_INVALID_PARAMS,
		       "invalid params: traceparent must be a W3C trace context (00-<32 hex>-<16 hex>-<2 hex>)",
		       then, arg);
		return;
	}
	s = rpc_str(call->params, "correlation_id");
	if (s != NULL && !correlation_valid(s)) {
		refuse(call, RPC_INVALID_PARAMS,
		       "invalid params: correlation_id must be 1 to 64 of A-Z a-z 0-9 . _ : -", then, arg);
		return;
	}
	if (s != NULL)
		snprintf(corr, sizeof corr, "%s", s);
	else
		correlation_new(corr);

	if (evaluate_prepare(call, action, &in, msg, sizeof msg) < 0) {
		eval_input_clear(&in);
		refuse(call, strncmp(msg, "unauth", 6) == 0 ? MAESTRO_E_UNAUTHENTICATED
		       : strncmp(msg, "internal", 8) == 0 ? RPC_INTERNAL_ERROR
							   : RPC_INVALID_PARAMS,
		       msg, then, arg);
		return;
	}
	/* A client may raise the risk, never lower it; the subagents judge the raised one. */
	if (client_risk > in.facts.risk) {
		in.facts.risk = client_risk;
		in.facts.risk_reason = "raised by the client";
	}
	if (json_object_object_get_ex(call->params, "context", &v)) {
		struct json_object *u, *sid;
		const char *session = json_object_object_get_ex(v, "session_id", &sid) &&
					      json_object_is_type(sid, json_type_string)
					      ? json_object_get_string(sid)
					      : NULL;

		/* A session that read injected instructions, on whatever connection. */
		if (taint_session(call->d, in.agent.id, session))
			in.tainted = true;
		taint_note_evaluation(call->d, in.agent.id, corr, session);
		context = json_object_get(v);
		if (json_object_object_get_ex(v, "untrusted_text", &u) &&
		    json_object_is_type(u, json_type_string))
			add_screen(&in, json_object_get_string(u), ARMOR_SOURCE_UNTRUSTED_CONTEXT);
	}
	pipeline_evaluate(call->d, call, &in, action, client_risk, corr, context, then, arg);
}

static void
governance_evaluate(struct call *call)
{
	governance_evaluate_start(call, json_object_object_get(call->params, "action"), NULL, NULL);
}

static const struct param_spec evaluate_params[] = {
	{ "action", json_type_object, true },
	{ "risk_level", json_type_string, false },
	{ "context", json_type_object, false },
	{ "traceparent", json_type_string, false },
	{ "correlation_id", json_type_string, false },
	{ NULL, json_type_null, false },
};

const struct method governance_methods[] = {
	{ "governance.evaluate", CALLER_AGENT, evaluate_params, governance_evaluate },
	{ NULL, CALLER_ANY, NULL, NULL },
};
