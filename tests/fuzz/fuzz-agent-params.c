/*
 * Fuzz target: a JSON params object through params_check() and
 * agent_params_parse(), for every agent.* method that takes params and
 * for session.hello, checked against a model of what each accepts.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "agent-params.h"
#include "agent.h"
#include "dispatch.h"
#include "fuzz.h"
#include "jsonrpc.h"
#include "utf8.h"

/* The methods whose params agent-params.c checks; their specs come from the daemon's own tables. */
static const char *const method_names[] = {
	"agent.register", "agent.show",	  "agent.grant",	"agent.revoke",	 "agent.suspend",
	"agent.resume",	  "agent.rotate_token", "agent.delete", "session.hello",
};

static const struct param_spec *
spec_of(const char *name)
{
	const struct method *const tables[] = { agent_methods, session_methods };

	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct method *m = tables[t]; m->name != NULL; m++)
			if (strcmp(m->name, name) == 0)
				return m->params;
	abort(); /* a method this target names is gone from the daemon */
}

/* The model: written from the manual (maestro-protocol(7)), not from agent-params.c. */

static const char *const model_perms[] = {
	"read_files",	"write_files",	       "execute_commands", "network_access",
	"read_secrets", "evaluate_governance", "provide_counsel",
};

static const struct {
	const char *name;
	unsigned defaults;
} model_roles[] = {
	{ "governance", PERM_READ_FILES | PERM_EVALUATE_GOVERNANCE },
	{ "counselor", PERM_READ_FILES | PERM_PROVIDE_COUNSEL },
	{ "executor",
	  PERM_READ_FILES | PERM_WRITE_FILES | PERM_EXECUTE_COMMANDS | PERM_NETWORK_ACCESS },
	{ "observer", PERM_READ_FILES },
};

/* 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit. */
static bool
model_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

/*
 * One line of at most 1024 bytes, no control characters: C0, DEL, the C1
 * controls U+0080..U+009F (NEL breaks lines, CSI starts terminal escapes)
 * and the line separators U+2028 and U+2029. Decoded here character by
 * character, unlike the byte patterns agent-params.c looks for.
 */
static bool
model_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	if (n > 1024)
		return false;
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t len;

		if (p[i] < 0x80) {
			cp = p[i];
			len = 1;
		} else if ((p[i] & 0xe0) == 0xc0) {
			cp = (unsigned)(p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f);
			len = 2;
		} else if ((p[i] & 0xf0) == 0xe0) {
			cp = (unsigned)(p[i] & 0x0f) << 12 | (unsigned)(p[i + 1] & 0x3f) << 6 |
			     (p[i + 2] & 0x3f);
			len = 3;
		} else {
			cp = 0x10000; /* four bytes: never a control */
			len = 4;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029)
			return false;
		i += len;
	}
	return true;
}

static bool
model_seconds(struct json_object *params, const char *key, int64_t *out)
{
	struct json_object *v;

	*out = 0;
	if (!json_object_object_get_ex(params, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return *out >= 1 && *out <= 315360000;
}

/* The permissions list: every element a known name; non-empty when required. */
static bool
model_perm_list(struct json_object *params, bool required, unsigned *mask)
{
	struct json_object *list;
	size_t n;

	*mask = 0;
	if (!json_object_object_get_ex(params, "permissions", &list))
		return !required;
	n = json_object_array_length(list);
	if (required && n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(list, i);
		size_t k;

		if (!json_object_is_type(v, json_type_string))
			return false;
		for (k = 0; k < sizeof model_perms / sizeof model_perms[0]; k++)
			if (strcmp(json_object_get_string(v), model_perms[k]) == 0)
				break;
		if (k == sizeof model_perms / sizeof model_perms[0])
			return false;
		*mask |= 1u << k;
	}
	return true;
}

static const char *
str_param(struct json_object *params, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(params, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A message for the caller: non-empty, terminated, UTF-8 by both checkers. */
static void
check_message(const char *msg, size_t size)
{
	size_t len;

	fuzz_assert(memchr(msg, '\0', size) != NULL);
	len = strlen(msg);
	fuzz_assert(len > 0);
	fuzz_assert(fuzz_utf8_valid(msg, len));
	fuzz_assert(utf8_valid(msg, len, NULL));
}

static void
check_method(const char *method, const struct param_spec *spec, struct json_object *params,
	     size_t small)
{
	bool hello = strcmp(method, "session.hello") == 0;
	bool reg = strcmp(method, "agent.register") == 0;
	bool perms = strcmp(method, "agent.grant") == 0 || strcmp(method, "agent.revoke") == 0;
	struct agent_params p, q;
	char msg[300], short_msg[300];
	const char *id, *s;
	unsigned mask = 0, role_defaults = 0;
	const char *role = NULL;
	int64_t exp = 0, texp = 0;
	bool want, ok, ok2;

	memset(msg, 0x5a, sizeof msg);
	if (!params_check(spec, params, msg, sizeof msg)) {
		check_message(msg, sizeof msg);
		fuzz_assert(strncmp(msg, "invalid params: ", 16) == 0);
		return;
	}

	/* What the manual says this method accepts. */
	id = str_param(params, hello ? "agent" : "id");
	fuzz_assert(id != NULL); /* required by every spec here */
	want = model_id(id);
	s = str_param(params, "description");
	if (s != NULL && !model_text(s))
		want = false;
	s = str_param(params, "reason");
	if (s != NULL && !model_text(s))
		want = false;
	if (!model_seconds(params, "expires_in", &exp) ||
	    !model_seconds(params, "token_expires_in", &texp))
		want = false;
	if (reg) {
		const char *r = str_param(params, "role");

		for (size_t i = 0; r != NULL && i < sizeof model_roles / sizeof model_roles[0]; i++)
			if (strcmp(r, model_roles[i].name) == 0) {
				role = model_roles[i].name;
				role_defaults = model_roles[i].defaults;
			}
		if (role == NULL)
			want = false;
	}
	if ((reg || perms) && !model_perm_list(params, perms, &mask))
		want = false;

	memset(msg, 0x5a, sizeof msg);
	memset(&p, 0xa5, sizeof p);
	ok = agent_params_parse(method, params, &p, msg, sizeof msg);
	if (ok != want)
		fprintf(stderr, "%s: agent_params_parse says %d, the model %d (%s)\n", method, ok,
			want, ok ? "" : msg);
	fuzz_assert(ok == want);

	if (ok) {
		fuzz_assert(p.id == id); /* borrowed, not copied */
		fuzz_assert(agent_id_valid(p.id));
		fuzz_assert(p.permissions == mask);
		fuzz_assert((p.permissions & ~PERM_ALL) == 0);
		if (perms)
			fuzz_assert(p.permissions != 0);
		if (reg) {
			fuzz_assert(p.role != NULL && strcmp(p.role, role) == 0);
			fuzz_assert(role_parse(p.role, NULL) == p.role);
			fuzz_assert(p.role_defaults == role_defaults);
		} else {
			fuzz_assert(p.role == NULL && p.role_defaults == 0);
		}
		fuzz_assert(p.expires_in_s == exp);
		fuzz_assert(p.token_expires_in_s == texp);
		fuzz_assert(p.expires_in_s >= 0 && p.expires_in_s <= AGENT_MAX_LIFETIME_S);
		fuzz_assert(p.token_expires_in_s >= 0 &&
			    p.token_expires_in_s <= AGENT_MAX_LIFETIME_S);
		fuzz_assert(p.description == str_param(params, "description"));
		fuzz_assert(p.description == NULL ||
			    (strlen(p.description) <= AGENT_DESCRIPTION_MAX && model_text(p.description)));
		fuzz_assert(p.reason == str_param(params, "reason"));
		fuzz_assert(p.reason == NULL ||
			    (strlen(p.reason) <= AGENT_DESCRIPTION_MAX && model_text(p.reason)));
		fuzz_assert(p.token == (hello ? str_param(params, "token") : NULL));
		if (hello)
			fuzz_assert(p.token != NULL);
		return;
	}

	check_message(msg, sizeof msg);
	fuzz_assert(strncmp(msg, "invalid params: ", 16) == 0);

	/*
	 * Again into a buffer of an input-chosen size: the same verdict, and
	 * the same sentence cut short, where a character cut in two became '?'.
	 */
	memset(short_msg, 0x5a, sizeof short_msg);
	ok2 = agent_params_parse(method, params, &q, short_msg, small);
	fuzz_assert(!ok2);
	fuzz_assert(memchr(short_msg, '\0', small) != NULL);
	fuzz_assert(strlen(short_msg) == (strlen(msg) < small - 1 ? strlen(msg) : small - 1));
	fuzz_assert(fuzz_utf8_valid(short_msg, strlen(short_msg)));
	for (size_t i = 0; short_msg[i] != '\0'; i++)
		fuzz_assert(short_msg[i] == msg[i] || short_msg[i] == '?');
	if (small < sizeof short_msg)
		fuzz_assert((unsigned char)short_msg[small] == 0x5a); /* nothing past the size */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *params;
	struct rpc_error err;
	size_t small;

	/* The last byte picks the size of the short buffer, 1 to 256. */
	small = size > 0 ? 1 + (size_t)data[size - 1] : 64;
	memset(&err, 0, sizeof err);
	params = rpc_parse_json((const char *)data, size, &err);
	if (params == NULL)
		return 0;
	/* The dispatcher hands handlers objects only; anything else is refused before. */
	if (json_object_is_type(params, json_type_object)) {
		for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
			check_method(method_names[i], spec_of(method_names[i]), params, small);
	}
	json_object_put(params);
	return 0;
}
