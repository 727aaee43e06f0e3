/* Checking the params of the agent.* and session.* methods. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent-params.h"
#include "agent.h"
#include "jsonrpc.h"
#include "utf8.h"

static bool fail(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool
fail(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	utf8_sanitize(msg);
	return false;
}

/* Free text a person reads in tables: printable, one line, bounded. */
static bool
text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)s + i;

		/* C0 and DEL; C1 (U+0080..U+009F: NEL, CSI); U+2028/U+2029 line breaks. */
		if (p[0] < 0x20 || p[0] == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) ||
		    (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)))
			return false;
	}
	return true;
}

static bool
seconds(struct json_object *params, const char *key, int64_t *out, char *msg, size_t size)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(params, key, &v))
		return true;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < 1 || n > AGENT_MAX_LIFETIME_S)
		return fail(msg, size, "invalid params: \"%s\" must be a number of seconds from 1 to ten years", key);
	*out = n;
	return true;
}

static bool
permission_list(struct json_object *params, bool required, unsigned *out, char *msg, size_t size)
{
	struct json_object *list;
	unsigned mask = 0, bit;
	size_t n;

	if (!json_object_object_get_ex(params, "permissions", &list))
		return required ? fail(msg, size, "invalid params: missing \"%s\"", "permissions") : true;
	n = json_object_array_length(list);
	if (required && n == 0)
		return fail(msg, size, "invalid params: \"%s\" must name at least one permission",
			    "permissions");
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(list, i);
		const char *name = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string))
			return fail(msg, size, "invalid params: \"%s\" must be an array of strings",
				    "permissions");
		if (permission_parse(name, &bit) < 0) {
			return fail(msg, size,
				    "invalid params: unknown permission \"%.64s\" (known: read_files, "
				    "write_files, execute_commands, network_access, read_secrets, "
				    "evaluate_governance, provide_counsel)",
				    name);
		}
		mask |= bit;
	}
	*out = mask;
	return true;
}

/* token_budget: a whole number of tokens, 0 for none; budget_period: a known period. */
static bool
budget(struct json_object *params, struct agent_params *out, char *msg, size_t size)
{
	struct json_object *v;
	enum budget_period period;

	if (json_object_object_get_ex(params, "token_budget", &v)) {
		int64_t n = json_object_get_int64(v);

		/* json-c clamps bigger numbers to INT64_MAX: refuse them rather than round. */
		if (!json_object_is_type(v, json_type_int) || n < 0 || n == INT64_MAX)
			return fail(msg, size,
				    "invalid params: \"%s\" must be a whole number of tokens (0: no budget)",
				    "token_budget");
		out->has_budget = true;
		out->token_budget = (uint64_t)n;
	}
	if (json_object_object_get_ex(params, "budget_period", &v)) {
		const char *name = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) ||
		    budget_period_parse(name, &period) < 0)
			return fail(msg, size,
				    "invalid params: unknown budget_period \"%.32s\" (known: day, week, "
				    "month, total)",
				    name ? name : "");
		out->has_period = true;
		out->budget_period = (int)period;
	}
	return true;
}

bool
agent_params_parse(const char *method, struct json_object *params, struct agent_params *out,
		   char *msg, size_t size)
{
	const char *role;

	memset(out, 0, sizeof *out);
	out->id = rpc_str(params, strcmp(method, "session.hello") == 0 ? "agent" : "id");
	if (out->id != NULL && !agent_id_valid(out->id)) {
		return fail(msg, size,
			    "invalid params: \"%.80s\" is not a valid agent id (1 to 64 of a-z 0-9 . _ -, "
			    "starting with a letter or digit)",
			    out->id);
	}
	out->description = rpc_str(params, "description");
	if (out->description && !text_ok(out->description, AGENT_DESCRIPTION_MAX))
		return fail(msg, size, "invalid params: \"%s\" must be one line of at most 1024 bytes",
			    "description");
	out->reason = rpc_str(params, "reason");
	if (out->reason && !text_ok(out->reason, AGENT_DESCRIPTION_MAX))
		return fail(msg, size, "invalid params: \"%s\" must be one line of at most 1024 bytes",
			    "reason");
	out->token = rpc_str(params, "token");
	if (!seconds(params, "expires_in", &out->expires_in_s, msg, size) ||
	    !seconds(params, "token_expires_in", &out->token_expires_in_s, msg, size))
		return false;

	if (strcmp(method, "agent.register") == 0) {
		role = rpc_str(params, "role");
		if (role == NULL || (out->role = role_parse(role, &out->role_defaults)) == NULL) {
			return fail(msg, size, "invalid params: unknown role \"%.64s\" (known: %s)",
				    role ? role : "", role_names());
		}
		return budget(params, out, msg, size) &&
		       permission_list(params, false, &out->permissions, msg, size);
	}
	if (strcmp(method, "agent.set_budget") == 0)
		return budget(params, out, msg, size);
	if (strcmp(method, "agent.grant") == 0 || strcmp(method, "agent.revoke") == 0)
		return permission_list(params, true, &out->permissions, msg, size);
	return true;
}
