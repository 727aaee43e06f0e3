/* governance.execute: the pipeline decides, then maestrod runs the allowed command itself, confined. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "exec-internal.h"
#include "jsonrpc.h"
#include "maestro-protocol.h"
#include "pipeline.h"
#include "policy.h"
#include "server.h"
#include "store.h"
#include "util.h"

/* Bounds on what a request may carry beyond the line limit itself. */
#define EXEC_ARGV_MAX 4096
#define EXEC_ENV_MAX 256

/* Why the params cannot be run, or NULL; fills ex from them. */
static const char *
execute_parse(struct call *call, struct execution *ex, struct json_object **action_out,
	      char *msg, size_t size)
{
	struct json_object *p = call->params, *action = NULL, *argv = NULL, *v;
	const char *cwd, *ws;
	unsigned max = call->d->cfg.exec.timeout_max_s;

	json_object_object_get_ex(p, "action", &action);
	json_object_object_get_ex(p, "argv", &argv);
	if ((action == NULL) == (argv == NULL))
		return "invalid params: give either \"action\" (a shell action) or \"argv\"";
	if (action != NULL && (rpc_str(action, "kind") == NULL ||
			       strcmp(rpc_str(action, "kind"), "shell") != 0 ||
			       rpc_str(action, "command") == NULL))
		return "invalid params: governance.execute runs shell actions: "
		       "{\"kind\": \"shell\", \"command\": ...}";
	cwd = rpc_str(p, "cwd") ? rpc_str(p, "cwd") : rpc_str(action, "cwd");
	ws = rpc_str(p, "workspace") ? rpc_str(p, "workspace") : rpc_str(action, "workspace");
	if (rpc_str(p, "cwd") && rpc_str(action, "cwd") &&
	    strcmp(rpc_str(p, "cwd"), rpc_str(action, "cwd")))
		return "invalid params: \"cwd\" and \"action.cwd\" differ";
	if (rpc_str(p, "workspace") && rpc_str(action, "workspace") &&
	    strcmp(rpc_str(p, "workspace"), rpc_str(action, "workspace")))
		return "invalid params: \"workspace\" and \"action.workspace\" differ";
	if (cwd == NULL)
		cwd = ws;
	if (cwd == NULL || cwd[0] != '/' || (ws != NULL && ws[0] != '/'))
		return "invalid params: governance.execute needs an absolute \"cwd\" or \"workspace\"";
	if (argv != NULL) {
		size_t n = json_object_array_length(argv);

		if (n == 0 || n > EXEC_ARGV_MAX)
			return "invalid params: \"argv\" must hold 1 to 4096 strings";
		if ((ex->argv = calloc(n + 1, sizeof *ex->argv)) == NULL)
			return "internal error: out of memory";
		for (size_t i = 0; i < n; i++) {
			v = json_object_array_get_idx(argv, i);
			if (!json_object_is_type(v, json_type_string))
				return "invalid params: \"argv\" must hold only strings";
			if ((ex->argv[i] = strdup(json_object_get_string(v))) == NULL)
				return "internal error: out of memory";
		}
		if (ex->argv[0][0] == '\0')
			return "invalid params: argv[0] must name a program";
		ex->command = exec_argv_quote((const char *const *)ex->argv, n);
	} else {
		ex->command = strdup(rpc_str(action, "command"));
	}
	ex->timeout_s = EXEC_TIMEOUT_DEFAULT < max ? EXEC_TIMEOUT_DEFAULT : max;
	if (json_object_object_get_ex(p, "timeout_s", &v)) {
		int64_t t = json_object_get_int64(v);

		if (t < 1 || t > (int64_t)max) {
			snprintf(msg, size, "invalid params: \"timeout_s\" must be from 1 to %u", max);
			return msg;
		}
		ex->timeout_s = (unsigned)t;
	}
	if (json_object_object_get_ex(p, "env", &v)) {
		if (json_object_object_length(v) > EXEC_ENV_MAX)
			return "invalid params: \"env\" may hold at most 256 variables";
		json_object_object_foreach(v, key, val) {
			if (key[0] == '\0' || strchr(key, '=') != NULL)
				return "invalid params: an \"env\" name must be non-empty and without '='";
			if (!json_object_is_type(val, json_type_string))
				return "invalid params: \"env\" values must be strings";
		}
		ex->env = json_object_get(v);
	}
	if (json_object_object_get_ex(p, "stdin", &v)) {
		ex->stdin_len = (size_t)json_object_get_string_len(v);
		if (ex->stdin_len > EXEC_STDIN_MAX)
			return "invalid params: \"stdin\" may be at most 1 MiB";
		if ((ex->stdin_text = malloc(ex->stdin_len + 1)) == NULL)
			return "internal error: out of memory";
		memcpy(ex->stdin_text, json_object_get_string(v), ex->stdin_len + 1);
	}
	if (json_object_object_get_ex(p, "stream", &v))
		ex->stream = json_object_get_boolean(v);
	ex->cwd = strdup(cwd);
	ex->workspace = ws ? strdup(ws) : NULL;
	ex->agent_id = strdup(call->agent_id);
	if (ex->command == NULL || ex->cwd == NULL || (ws && ex->workspace == NULL) ||
	    ex->agent_id == NULL)
		return "internal error: out of memory";

	/* What the pipeline judges: the very command that will run, where it will run. */
	*action_out = json_object_new_object();
	json_object_object_add(*action_out, "kind", json_object_new_string("shell"));
	json_object_object_add(*action_out, "command", json_object_new_string(ex->command));
	json_object_object_add(*action_out, "cwd", json_object_new_string(ex->cwd));
	if (ws != NULL)
		json_object_object_add(*action_out, "workspace", json_object_new_string(ws));
	if (rpc_str(action, "description") != NULL)
		json_object_object_add(*action_out, "description",
				       json_object_new_string(rpc_str(action, "description")));
	return NULL;
}

/* What the daemon holds at this moment that the command must not read. */
static void
execute_snapshot(struct call *call, struct execution *ex)
{
	struct maestrod *d = call->d;
	const char *home = getenv("HOME");
	const char *files[4] = { server_path(d->server), d->config_path,
				 policy_file(d->policy)[0] == '/' ? policy_file(d->policy) : NULL,
				 d->store->path };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		ex->maestro_files[i] = files[i] ? strdup(files[i]) : NULL;
	ex->daemon_home = home != NULL && home[0] == '/' ? strdup(home) : NULL;
	ex->limits = d->cfg.exec;
	ex->peer_uid = call->conn->uid;
}

/* The pipeline's decision, once its audit row is committed. */
static void
execute_decided(struct call *call, struct json_object *result, enum verdict verdict, void *arg)
{
	struct execution *ex = arg;
	struct agent *a;
	const char *corr;

	if (call == NULL) { /* already answered with the error */
		exec_free(ex);
		return;
	}
	ex->call = call;
	/* The reply the pipeline made is raw text; its members are needed, so it is read back. */
	ex->decision = json_tokener_parse(json_object_to_json_string_ext(
		result, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(result);
	if (ex->decision == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		exec_free(ex);
		return;
	}
	corr = rpc_str(ex->decision, "correlation_id");
	snprintf(ex->correlation_id, sizeof ex->correlation_id, "%s", corr ? corr : "");
	if (verdict != VERDICT_ALLOW || call->conn == NULL) {
		/* Deny or ask: the command never starts; a client gone hears nothing anyway. */
		call_reply(call, exec_result_new(ex));
		ex->call = NULL;
		exec_free(ex);
		return;
	}
	a = registry_find(&call->d->agents, call->agent_id);
	if (a == NULL || call->d->draining) {
		snprintf(ex->error, sizeof ex->error, "%s",
			 a == NULL ? "the agent no longer exists" : "maestrod is shutting down");
		call_reply(call, exec_result_new(ex));
		ex->call = NULL;
		exec_free(ex);
		return;
	}
	ex->permissions = a->permissions;
	execute_snapshot(call, ex);
	exec_start(ex);
}

static void
governance_execute(struct call *call)
{
	struct execution *ex = calloc(1, sizeof *ex);
	struct json_object *action = NULL;
	const char *why;
	char msg[128];

	if (ex == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	ex->d = call->d;
	ex->pidfd = -1;
	ex->out.fd = ex->err.fd = -1;
	why = execute_parse(call, ex, &action, msg, sizeof msg);
	if (why != NULL) {
		call_fail(call, strncmp(why, "internal", 8) == 0 ? RPC_INTERNAL_ERROR : RPC_INVALID_PARAMS,
			  why, NULL);
		json_object_put(action);
		exec_free(ex);
		return;
	}
	governance_evaluate_start(call, action, execute_decided, ex);
	json_object_put(action);
}

static const struct param_spec execute_params[] = {
	{ "action", json_type_object, false },
	{ "argv", json_type_array, false },
	{ "cwd", json_type_string, false },
	{ "workspace", json_type_string, false },
	{ "timeout_s", json_type_int, false },
	{ "stdin", json_type_string, false },
	{ "env", json_type_object, false },
	{ "stream", json_type_boolean, false },
	{ "risk_level", json_type_string, false },
	{ "context", json_type_object, false },
	{ "traceparent", json_type_string, false },
	{ "correlation_id", json_type_string, false },
	{ NULL, json_type_null, false },
};

const struct method execute_methods[] = {
	{ "governance.execute", CALLER_AGENT, execute_params, governance_execute },
	{ NULL, CALLER_ANY, NULL, NULL },
};
