/* The policy.* methods: check a policy file's text, show the running policy. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "dispatch.h"
#include "maestro-protocol.h"
#include "policy.h"

/* The client sends the text: maestrod never opens a file an agent or a user names here. */
static void
policy_check(struct call *call)
{
	struct json_object *file = json_object_object_get(call->params, "file");
	struct json_object *text = json_object_object_get(call->params, "text");
	struct json_object *r, *data;
	struct config_error err;
	struct policy *p = NULL;
	char where[sizeof err.file + 300];

	if (policy_parse(file ? json_object_get_string(file) : "policy", json_object_get_string(text),
			 (size_t)json_object_get_string_len(text), &p, &err) < 0) {
		config_error_format(&err, where, sizeof where);
		data = json_object_new_object();
		json_object_object_add(data, "file", json_object_new_string(err.file));
		json_object_object_add(data, "line", json_object_new_int((int)err.line));
		json_object_object_add(data, "column", json_object_new_int((int)err.column));
		json_object_object_add(data, "message", json_object_new_string(err.message));
		call_fail(call, MAESTRO_E_INVALID_CONFIG, where, data);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "rules", json_object_new_int64((int64_t)policy_rule_count(p)));
	policy_unref(p);
	call_reply(call, r);
}

static void
policy_show(struct call *call)
{
	struct json_object *r;
	char *text = NULL;

	if (policy_dump(call->d->policy, POLICY_DUMP_ORIGIN, &text) < 0) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, "file", json_object_new_string(policy_file(call->d->policy)));
	json_object_object_add(r, "rules", json_object_new_int64((int64_t)policy_rule_count(call->d->policy)));
	json_object_object_add(r, "text", json_object_new_string(text));
	free(text);
	call_reply(call, r);
}

static const struct param_spec check_params[] = {
	{ "text", json_type_string, true },
	{ "file", json_type_string, false },
	{ NULL, json_type_null, false },
};

const struct method policy_methods[] = {
	{ "policy.check", CALLER_ADMIN, check_params, policy_check },
	{ "policy.show", CALLER_ADMIN, NULL, policy_show },
	{ NULL, CALLER_ANY, NULL, NULL },
};
