/* JSON-RPC 2.0 messages: parsing requests and responses, building replies. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "maestro-protocol.h"
#include "utf8.h"

static int rpc_fail(struct rpc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
rpc_fail(struct rpc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	utf8_sanitize(err->message);
	return code;
}

/*
 * An escaped NUL (\u0000) would cut a string or a member name short for
 * every C function that reads it: "params\u0000x" would pass as "params".
 * It counts only where the backslash is not itself escaped.
 */
static bool
has_escaped_nul(const char *text, size_t len, size_t *at)
{
	for (size_t i = 0; i + 6 <= len; i++) {
		size_t k = 0;

		if (text[i] != '\\' || (text[i + 1] != 'u' && text[i + 1] != 'U') ||
		    memcmp(text + i + 2, "0000", 4) != 0)
			continue;
		while (k < i && text[i - 1 - k] == '\\')
			k++;
		if (k % 2 == 0) {
			*at = i;
			return true;
		}
	}
	return false;
}

/*
 * Values json-c accepts but JSON does not carry faithfully: NaN and the
 * infinities (not JSON at all), and integers beyond 64 bits, which json-c
 * clamps to the nearest bound instead of refusing.
 */
static bool
rpc_values_ok(struct json_object *o, struct rpc_error *err)
{
	switch (json_object_get_type(o)) {
	case json_type_double:
		if (isfinite(json_object_get_double(o)))
			return true;
		rpc_fail(err, RPC_PARSE_ERROR, "parse error: numbers must be finite (no NaN or Infinity)");
		return false;
	case json_type_int:
		if (json_object_get_int64(o) != INT64_MAX || json_object_get_uint64(o) != UINT64_MAX)
			return true;
		rpc_fail(err, RPC_PARSE_ERROR, "parse error: an integer does not fit in 64 bits");
		return false;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (!rpc_values_ok(json_object_array_get_idx(o, i), err))
				return false;
		return true;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			if (!rpc_values_ok(val, err))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
}

struct json_object *
rpc_parse_json(const char *text, size_t len, struct rpc_error *err)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (memchr(text, '\0', len) != NULL) {
		rpc_fail(err, RPC_PARSE_ERROR, "parse error: NUL byte in request");
		return NULL;
	}
	if (len > (size_t)INT32_MAX) {
		rpc_fail(err, RPC_PARSE_ERROR, "parse error: request too large");
		return NULL;
	}
	if (has_escaped_nul(text, len, &end)) {
		rpc_fail(err, RPC_PARSE_ERROR, "parse error at byte %zu: \\u0000 is not allowed", end);
		return NULL;
	}
	if (!utf8_valid(text, len, &end)) {
		rpc_fail(err, RPC_PARSE_ERROR, "parse error at byte %zu: invalid UTF-8", end);
		return NULL;
	}
	tok = json_tokener_new_ex(MAESTRO_MAX_JSON_DEPTH);
	if (tok == NULL) {
		rpc_fail(err, RPC_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		/* A bare number could still grow; a NUL tells json-c the text ended. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (obj == NULL && jerr == json_tokener_success) {
		/* The text was JSON null, which json-c returns as NULL. */
		json_tokener_free(tok);
		rpc_fail(err, RPC_INVALID_REQUEST, "invalid request: a request must be a JSON object");
		return NULL;
	}
	if (obj == NULL) {
		if (jerr == json_tokener_continue)
			rpc_fail(err, RPC_PARSE_ERROR, "parse error: incomplete JSON");
		else
			rpc_fail(err, RPC_PARSE_ERROR, "parse error at byte %zu: %s", end,
				 json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		return NULL;
	}
	/* Strict mode refuses trailing data itself, so obj is the whole text. */
	json_tokener_free(tok);
	if (!rpc_values_ok(obj, err)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* A valid id is a string or an integer; JSON-RPC discourages the rest. */
static int
rpc_id_valid(struct json_object *id)
{
	switch (json_object_get_type(id)) {
	case json_type_string:
		return json_object_get_string_len(id) <= MAESTRO_MAX_ID;
	case json_type_int:
		/*
		 * Within the integers every JSON implementation holds exactly
		 * (a double's 53 bits), so an id always comes back as sent.
		 */
		return json_object_get_int64(id) <= MAESTRO_MAX_INT_ID &&
		       json_object_get_int64(id) >= -MAESTRO_MAX_INT_ID;
	default:
		return 0;
	}
}

int
rpc_parse_request(const char *line, size_t len, struct rpc_request *req,
		  struct rpc_error *err)
{
	struct json_object *root, *v, *id;

	memset(req, 0, sizeof *req);
	root = rpc_parse_json(line, len, err);
	if (root == NULL)
		return err->code;
	req->root = root;
	if (json_object_is_type(root, json_type_array))
		return rpc_fail(err, RPC_INVALID_REQUEST,
				"invalid request: batch arrays are not supported; send one request per line");
	if (!json_object_is_type(root, json_type_object))
		return rpc_fail(err, RPC_INVALID_REQUEST,
				"invalid request: a request must be a JSON object");

	/* Pick up the id first so that every later error can carry it. */
	if (json_object_object_get_ex(root, "id", &id) && id != NULL && rpc_id_valid(id))
		req->id = id;

	if (!json_object_object_get_ex(root, "jsonrpc", &v))
		return rpc_fail(err, RPC_INVALID_REQUEST, "invalid request: missing \"jsonrpc\": \"2.0\"");
	if (!json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), "2.0") != 0)
		return rpc_fail(err, RPC_INVALID_REQUEST, "invalid request: \"jsonrpc\" must be \"2.0\"");

	if (!json_object_object_get_ex(root, "id", &id))
		return rpc_fail(err, RPC_INVALID_REQUEST,
				"invalid request: missing \"id\" (maestrod does not take notifications)");
	if (req->id == NULL)
		return rpc_fail(err, RPC_INVALID_REQUEST,
				"invalid request: \"id\" must be a string of at most %d bytes or an integer within +-(2^53 - 1)",
				MAESTRO_MAX_ID);

	if (!json_object_object_get_ex(root, "method", &v))
		return rpc_fail(err, RPC_INVALID_REQUEST, "invalid request: missing \"method\"");
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
	    json_object_get_string_len(v) > MAESTRO_MAX_METHOD)
		return rpc_fail(err, RPC_INVALID_REQUEST,
				"invalid request: \"method\" must be a non-empty string");
	req->method = json_object_get_string(v);

	if (json_object_object_get_ex(root, "params", &v)) {
		if (!json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array))
			return rpc_fail(err, RPC_INVALID_REQUEST,
					"invalid request: \"params\" must be an object or an array");
		req->params = v;
	}

	json_object_object_foreach(root, key, val) {
		(void)val;
		if (strcmp(key, "jsonrpc") != 0 && strcmp(key, "id") != 0 &&
		    strcmp(key, "method") != 0 && strcmp(key, "params") != 0)
			return rpc_fail(err, RPC_INVALID_REQUEST,
					"invalid request: unknown member \"%.64s\"", key);
	}
	return 0;
}

void
rpc_request_clear(struct rpc_request *req)
{
	json_object_put(req->root);
	memset(req, 0, sizeof *req);
}

int
rpc_parse_response(const char *line, size_t len, struct rpc_response *resp,
		   struct rpc_error *err)
{
	struct json_object *root, *v, *e;

	memset(resp, 0, sizeof *resp);
	root = rpc_parse_json(line, len, err);
	if (root == NULL)
		return err->code;
	resp->root = root;
	if (!json_object_is_type(root, json_type_object))
		return rpc_fail(err, RPC_INVALID_REQUEST, "reply is not a JSON object");
	if (!json_object_object_get_ex(root, "jsonrpc", &v) ||
	    !json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), "2.0") != 0)
		return rpc_fail(err, RPC_INVALID_REQUEST, "reply lacks \"jsonrpc\": \"2.0\"");

	if (json_object_object_get_ex(root, "method", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return rpc_fail(err, RPC_INVALID_REQUEST, "notification method is not a string");
		resp->method = json_object_get_string(v);
		json_object_object_get_ex(root, "params", &resp->params);
		return 0;
	}
	if (!json_object_object_get_ex(root, "id", &resp->id))
		return rpc_fail(err, RPC_INVALID_REQUEST, "reply has no \"id\"");
	if (json_object_object_get_ex(root, "result", &v)) {
		resp->result = v;
		return 0;
	}
	if (!json_object_object_get_ex(root, "error", &e) || !json_object_is_type(e, json_type_object))
		return rpc_fail(err, RPC_INVALID_REQUEST, "reply has neither \"result\" nor \"error\"");
	if (!json_object_object_get_ex(e, "code", &v) || !json_object_is_type(v, json_type_int))
		return rpc_fail(err, RPC_INVALID_REQUEST, "error reply has no integer \"code\"");
	resp->error_code = json_object_get_int(v);
	if (resp->error_code == 0)
		return rpc_fail(err, RPC_INVALID_REQUEST, "error reply has code 0");
	if (json_object_object_get_ex(e, "message", &v) && json_object_is_type(v, json_type_string))
		resp->error_message = json_object_get_string(v);
	else
		resp->error_message = rpc_error_name(resp->error_code);
	json_object_object_get_ex(e, "data", &resp->error_data);
	return 0;
}

void
rpc_response_clear(struct rpc_response *resp)
{
	json_object_put(resp->root);
	memset(resp, 0, sizeof *resp);
}

static struct json_object *
rpc_envelope(struct json_object *id)
{
	struct json_object *msg = json_object_new_object();

	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "id", json_object_get(id));
	return msg;
}

struct json_object *
rpc_result_new(struct json_object *id, struct json_object *result)
{
	struct json_object *msg = rpc_envelope(id);

	json_object_object_add(msg, "result", result ? result : json_object_new_object());
	return msg;
}

struct json_object *
rpc_error_new(struct json_object *id, int code, const char *message, struct json_object *data)
{
	struct json_object *msg = rpc_envelope(id);
	struct json_object *e = json_object_new_object();

	char *text = strdup(message);

	/* Whatever went wrong, the reply itself stays valid UTF-8. */
	if (text != NULL)
		utf8_sanitize(text);
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(text ? text : "error"));
	free(text);
	if (data != NULL)
		json_object_object_add(e, "data", data);
	json_object_object_add(msg, "error", e);
	return msg;
}

struct json_object *
rpc_notification_new(const char *method, struct json_object *params)
{
	struct json_object *msg = json_object_new_object();

	json_object_object_add(msg, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(msg, "method", json_object_new_string(method));
	if (params != NULL)
		json_object_object_add(msg, "params", params);
	return msg;
}

struct json_object *
rpc_request_new(struct json_object *id, const char *method, struct json_object *params)
{
	struct json_object *msg = rpc_envelope(id);

	json_object_object_add(msg, "method", json_object_new_string(method));
	if (params != NULL)
		json_object_object_add(msg, "params", params);
	return msg;
}

static int
raw_to_string(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
	const char *text = json_object_get_userdata(jso);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, text, (int)strlen(text));
}

static void
raw_free(struct json_object *jso, void *userdata)
{
	(void)jso;
	free(userdata);
}

struct json_object *
rpc_raw_new(char *text)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL) {
		free(text);
		return NULL;
	}
	json_object_set_serializer(o, raw_to_string, text, raw_free);
	return o;
}

int
rpc_parse_duration(const char *text, long long max_s, long long *seconds)
{
	static const struct {
		char unit;
		long long mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	long long n = 0, mult = 1;
	size_t len = strlen(text);

	for (size_t i = 0; len > 0 && i < sizeof units / sizeof units[0]; i++)
		if (text[len - 1] == units[i].unit) {
			mult = units[i].mult;
			len--;
			break;
		}
	/* Twelve digits cannot overflow, whatever the unit. */
	if (len == 0 || len > 12)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		n = n * 10 + (text[i] - '0');
	}
	if (n <= 0 || n > max_s / mult)
		return -EINVAL;
	*seconds = n * mult;
	return 0;
}

const char *
rpc_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *
rpc_to_line(struct json_object *msg, size_t *len)
{
	const char *s;

	/*
	 * PLAIN keeps it on one line; json-c escapes control characters, so
	 * no string value can smuggle a '\n' into the framing.
	 */
	s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE, len);
	return s;
}

const char *
rpc_error_name(int code)
{
	switch (code) {
	case RPC_PARSE_ERROR: return "parse error";
	case RPC_INVALID_REQUEST: return "invalid request";
	case RPC_METHOD_NOT_FOUND: return "method not found";
	case RPC_INVALID_PARAMS: return "invalid params";
	case RPC_INTERNAL_ERROR: return "internal error";
	case MAESTRO_E_UNAUTHORIZED: return "unauthorized";
	case MAESTRO_E_UNAUTHENTICATED: return "unauthenticated";
	case MAESTRO_E_NOT_FOUND: return "not found";
	case MAESTRO_E_CONFLICT: return "conflict";
	case MAESTRO_E_OVERLOADED: return "overloaded";
	case MAESTRO_E_UNAVAILABLE: return "unavailable";
	case MAESTRO_E_INVALID_CONFIG: return "invalid configuration";
	default: return "error";
	}
}
