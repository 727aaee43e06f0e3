/* Unit tests for proto/jsonrpc.c: request and response parsing, reply building. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "jsonrpc.h"
#include "maestro-protocol.h"
#include "unit.h"

#define VALID_HEAD "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"system.ping\""

/* One request under test at a time; the fixture frees whatever is left. */
static struct rpc_request req;
static struct rpc_error err;

static void
setup(void)
{
	memset(&req, 0, sizeof req);
	memset(&err, 0, sizeof err);
}

static void
teardown(void)
{
	rpc_request_clear(&req);
}

static int
parse_n(const char *line, size_t len)
{
	rpc_request_clear(&req);
	memset(&err, 0, sizeof err);
	return rpc_parse_request(line, len, &req, &err);
}

static int
parse(const char *line)
{
	return parse_n(line, strlen(line));
}

/* The line is refused with exactly this code and a message naming the problem. */
static void
expect_error_n(const char *line, size_t len, int code, const char *word)
{
	int r = parse_n(line, len);

	ck_assert_msg(r == code, "'%.*s': got %d (%s), expected %d", (int)len, line, r,
		      err.message, code);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(strstr(err.message, word) != NULL, "'%.*s': message '%s' lacks '%s'",
		      (int)len, line, err.message, word);
}

static void
expect_error(const char *line, int code, const char *word)
{
	expect_error_n(line, strlen(line), code, word);
}

static void
expect_ok(const char *line)
{
	int r = parse(line);

	ck_assert_msg(r == 0, "'%s' refused: %d %s", line, r, err.message);
	ck_assert_ptr_nonnull(req.root);
	ck_assert_ptr_nonnull(req.id);
	ck_assert_ptr_nonnull(req.method);
}

static void
expect_id_int(int64_t want)
{
	ck_assert_ptr_nonnull(req.id);
	ck_assert_int_eq(json_object_get_type(req.id), json_type_int);
	ck_assert_int_eq(json_object_get_int64(req.id), want);
}

static void
expect_id_str(const char *want)
{
	ck_assert_ptr_nonnull(req.id);
	ck_assert_int_eq(json_object_get_type(req.id), json_type_string);
	ck_assert_str_eq(json_object_get_string(req.id), want);
}

/* A string of n copies of c, for ids and names at their length limits. */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Nested arrays, depth levels deep, optionally as the params of a valid request. */
static char *
nested(size_t depth, int as_params)
{
	const char *head = as_params ? VALID_HEAD ",\"params\":{\"a\":" : "";
	const char *tail = as_params ? "}}" : "";
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + 2 * depth + tl + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, head, hl);
	memset(s + hl, '[', depth);
	memset(s + hl + depth, ']', depth);
	memcpy(s + hl + 2 * depth, tail, tl + 1);
	return s;
}

START_TEST(test_valid_string_id)
{
	expect_ok("{\"jsonrpc\":\"2.0\",\"id\":\"abc-1\",\"method\":\"system.ping\"}");
	expect_id_str("abc-1");
	ck_assert_str_eq(req.method, "system.ping");
	ck_assert_ptr_null(req.params);

	/* The empty string is a string id too. */
	expect_ok("{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"m\"}");
	expect_id_str("");
}
END_TEST

START_TEST(test_valid_int_id)
{
	expect_ok(VALID_HEAD "}");
	expect_id_int(7);
	ck_assert_str_eq(req.method, "system.ping");

	expect_ok("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"m\"}");
	expect_id_int(0);
	expect_ok("{\"jsonrpc\":\"2.0\",\"id\":-12,\"method\":\"m\"}");
	expect_id_int(-12);
	/* Integer ids go up to 2^53 - 1 either way, which any JSON reader holds exactly. */
	expect_ok("{\"jsonrpc\":\"2.0\",\"id\":9007199254740991,\"method\":\"m\"}");
	expect_id_int(MAESTRO_MAX_INT_ID);
	expect_ok("{\"jsonrpc\":\"2.0\",\"id\":-9007199254740991,\"method\":\"m\"}");
	expect_id_int(-MAESTRO_MAX_INT_ID);

	/* Member order and blanks between tokens do not matter. */
	expect_ok(" { \"method\" : \"m\" , \"id\" : 3 , \"jsonrpc\" : \"2.0\" } ");
	expect_id_int(3);
	ck_assert_str_eq(req.method, "m");
}
END_TEST

START_TEST(test_valid_params)
{
	expect_ok(VALID_HEAD ",\"params\":{\"name\":\"x\",\"n\":2}}");
	ck_assert_ptr_nonnull(req.params);
	ck_assert_int_eq(json_object_get_type(req.params), json_type_object);
	ck_assert_int_eq(json_object_object_length(req.params), 2);

	expect_ok(VALID_HEAD ",\"params\":[1,\"two\",null]}");
	ck_assert_int_eq(json_object_get_type(req.params), json_type_array);
	ck_assert_uint_eq(json_object_array_length(req.params), 3);

	expect_ok(VALID_HEAD ",\"params\":{}}");
	ck_assert_int_eq(json_object_get_type(req.params), json_type_object);
	expect_ok(VALID_HEAD ",\"params\":[]}");
	ck_assert_int_eq(json_object_get_type(req.params), json_type_array);

	expect_ok(VALID_HEAD "}");
	ck_assert_ptr_null(req.params);
}
END_TEST

START_TEST(test_trailing_blanks)
{
	/* The frame reader strips "\n" and one '\r'; blanks around the value are fine. */
	expect_ok(VALID_HEAD "}  \t\r");
	expect_ok("\t " VALID_HEAD "}");
	expect_ok(VALID_HEAD "}\r\r");
}
END_TEST

START_TEST(test_invalid_json)
{
	static const char *const bad[] = {
		"", "   ", "{", "{\"jsonrpc\":", "{\"jsonrpc\":}", "not json", "{'jsonrpc':'2.0'}",
		"{\"a\":1,}", "{\"a\":01}", "{\"a\" 1}", "{\"a\":\"unterminated}",
		"{\"a\":\"bad escape \\x\"}", "{\"a\":tru}",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_error(bad[i], RPC_PARSE_ERROR, "parse error");
		ck_assert_ptr_null(req.id);
		ck_assert_ptr_null(req.root);
	}
}
END_TEST

START_TEST(test_invalid_utf8)
{
	static const char *const bad[] = {
		VALID_HEAD ",\"params\":{\"s\":\"\xff\"}}",	    /* never valid in UTF-8 */
		VALID_HEAD ",\"params\":{\"s\":\"\xc3\"}}",	    /* lead byte, no continuation */
		VALID_HEAD ",\"params\":{\"s\":\"\x80\"}}",	    /* continuation, no lead */
		VALID_HEAD ",\"params\":{\"s\":\"\xe2\x82\"}}",   /* truncated 3-byte form */
		VALID_HEAD ",\"params\":{\"s\":\"\xf8\x88\x80\x80\x80\"}}", /* 5-byte form */
		VALID_HEAD ",\"params\":{\"k\xc3\":1}}",	    /* in a member name */
		"\xef\xbb\xbf" VALID_HEAD "}",			    /* a byte-order mark */
		VALID_HEAD "}\xa0",				    /* after the value */
		/* Shapes json-c alone lets through; RFC 3629 does not. */
		VALID_HEAD ",\"params\":{\"s\":\"\xc0\xaf\"}}",	    /* overlong "/" */
		VALID_HEAD ",\"params\":{\"s\":\"\xe0\x80\xaf\"}}",   /* overlong, 3 bytes */
		VALID_HEAD ",\"params\":{\"s\":\"\xed\xa0\x80\"}}",   /* surrogate U+D800 */
		VALID_HEAD ",\"params\":{\"s\":\"\xf4\x90\x80\x80\"}}", /* above U+10FFFF */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_error(bad[i], RPC_PARSE_ERROR, "parse error");
		ck_assert_ptr_null(req.root);
	}
	/* The message says where: byte 6 is the \xff. */
	expect_error("{\"a\":\"\xff\"}", RPC_PARSE_ERROR, "parse error at byte 6: invalid UTF-8");
	expect_error("{\"a\":\"ok\xc0\xaf\"}", RPC_PARSE_ERROR, "byte 8");

	/* Well-formed multibyte text is fine, in values and in the method name. */
	expect_ok("{\"jsonrpc\":\"2.0\",\"id\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
		  "\"method\":\"caf\xc3\xa9\"}");
	expect_id_str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	ck_assert_str_eq(req.method, "caf\xc3\xa9");
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char line[] = VALID_HEAD ",\"params\":{\"s\":\"a\0b\"}}";

	/* A raw NUL would cut the line short for any C string API downstream. */
	expect_error_n(line, sizeof line - 1, RPC_PARSE_ERROR, "NUL");
	ck_assert_ptr_null(req.root);
	/* Also as the very last byte, and alone. */
	expect_error_n(VALID_HEAD "}", sizeof VALID_HEAD "}", RPC_PARSE_ERROR, "NUL");
	expect_error_n("\0", 1, RPC_PARSE_ERROR, "NUL");

	/*
	 * The escaped form too: C strings would end at it, so
	 * "system.ping\u0000x" would run as system.ping.
	 */
	expect_error(VALID_HEAD ",\"params\":{\"s\":\"a\\u0000b\"}}", RPC_PARSE_ERROR, "u0000");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"system.ping\\u0000x\"}",
		     RPC_PARSE_ERROR, "u0000");
	expect_error(VALID_HEAD ",\"params\\U0000x\":{}}", RPC_PARSE_ERROR, "u0000");
	/* An escaped backslash followed by the letters u0000 is plain text. */
	expect_ok(VALID_HEAD ",\"params\":{\"s\":\"a\\\\u0000b\"}}");
	expect_error(VALID_HEAD ",\"params\":{\"s\":\"a\\\\\\u0000b\"}}", RPC_PARSE_ERROR, "u0000");
}
END_TEST

START_TEST(test_unfaithful_numbers)
{
	static const char *const bad[] = { "NaN", "Infinity", "-Infinity", "1e999",
					   "18446744073709551616", "18446744073709551615" };
	char line[256];

	/* json-c takes these, but they cannot travel as JSON or come back as sent. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, VALID_HEAD ",\"params\":{\"x\":[1,%s]}}", bad[i]);
		expect_error(line, RPC_PARSE_ERROR, "parse error");
	}
	expect_ok(VALID_HEAD ",\"params\":{\"x\":18446744073709551614}}");
	expect_ok(VALID_HEAD ",\"params\":{\"x\":-1.5e300}}");
}
END_TEST

START_TEST(test_trailing_garbage)
{
	static const char *const bad[] = {
		VALID_HEAD "} x", VALID_HEAD "}" VALID_HEAD "}", VALID_HEAD "}]", VALID_HEAD "},",
		VALID_HEAD "}}", VALID_HEAD "} 1",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_error(bad[i], RPC_PARSE_ERROR, "parse error");
		ck_assert_ptr_null(req.id);
	}
}
END_TEST

START_TEST(test_not_object)
{
	/*
	 * Valid JSON, just not an object. Bare numbers and literals ending the
	 * line need json-c told that the text ended, and json-c returns null
	 * as NULL: both once came out as parse errors.
	 */
	static const char *const bad[] = {
		"\"a string\"", "42", "42 ", "-1", "-1.5 ", "1e3", "0", "true", "true ", "false",
		"null", "null ", " null\t",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_error(bad[i], RPC_INVALID_REQUEST, "JSON object");
		ck_assert_ptr_null(req.id);
	}
}
END_TEST

START_TEST(test_batch_refused)
{
	static const char *const bad[] = {
		"[]", "[" VALID_HEAD "}]", "[" VALID_HEAD "}," VALID_HEAD "}]", " [1, 2] ",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_error(bad[i], RPC_INVALID_REQUEST, "batch");
		/* No single id to answer to: the reply's id is null. */
		ck_assert_ptr_null(req.id);
	}
}
END_TEST

START_TEST(test_jsonrpc_member)
{
	expect_error("{\"id\":1,\"method\":\"m\"}", RPC_INVALID_REQUEST, "missing \"jsonrpc\"");
	expect_error("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"m\"}", RPC_INVALID_REQUEST,
		     "must be \"2.0\"");
	expect_error("{\"jsonrpc\":2.0,\"id\":1,\"method\":\"m\"}", RPC_INVALID_REQUEST,
		     "must be \"2.0\"");
	expect_error("{\"jsonrpc\":\"2.0 \",\"id\":1,\"method\":\"m\"}", RPC_INVALID_REQUEST,
		     "must be \"2.0\"");
	expect_error("{\"jsonrpc\":null,\"id\":1,\"method\":\"m\"}", RPC_INVALID_REQUEST,
		     "must be \"2.0\"");
	expect_error("{\"jsonrpc\":\"2\",\"id\":1,\"method\":\"m\"}", RPC_INVALID_REQUEST,
		     "must be \"2.0\"");
}
END_TEST

START_TEST(test_missing_id)
{
	expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"m\"}", RPC_INVALID_REQUEST, "missing \"id\"");
	ck_assert_ptr_null(req.id);
}
END_TEST

START_TEST(test_bad_id)
{
	static const char *const bad[] = {
		"null", "1.5", "1e3", "1.0", "{}", "[]", "[1]", "true",
		/* Beyond 2^53 - 1 a double-based client would answer to another id. */
		"9007199254740992", "-9007199254740992", "9223372036854775807",
	};
	char line[512];
	char *s;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"m\"}", bad[i]);
		expect_error(line, RPC_INVALID_REQUEST, "\"id\" must be");
		ck_assert_ptr_null(req.id);
	}
	ck_assert_ptr_nonnull(strstr(err.message, "2^53"));

	/* MAESTRO_MAX_ID bytes is the longest string id. */
	s = repeat('i', MAESTRO_MAX_ID);
	snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"m\"}", s);
	expect_ok(line);
	expect_id_str(s);
	free(s);
	s = repeat('i', MAESTRO_MAX_ID + 1);
	snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"m\"}", s);
	expect_error(line, RPC_INVALID_REQUEST, "\"id\" must be");
	ck_assert_ptr_null(req.id);
	free(s);
}
END_TEST

START_TEST(test_method)
{
	static const char *const bad[] = { "5", "\"\"", "null", "[]", "{}", "true" };
	char line[512];
	char *s;

	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1}", RPC_INVALID_REQUEST, "missing \"method\"");
	expect_id_int(1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":%s}", bad[i]);
		expect_error(line, RPC_INVALID_REQUEST, "\"method\" must be");
		expect_id_int(1);
	}

	/* MAESTRO_MAX_METHOD bytes is the longest method name. */
	s = repeat('m', MAESTRO_MAX_METHOD);
	snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"}", s);
	expect_ok(line);
	ck_assert_str_eq(req.method, s);
	free(s);
	s = repeat('m', MAESTRO_MAX_METHOD + 1);
	snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"}", s);
	expect_error(line, RPC_INVALID_REQUEST, "\"method\"");
	free(s);
}
END_TEST

START_TEST(test_params_type)
{
	static const char *const bad[] = { "5", "\"x\"", "true", "null", "1.5" };
	char line[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, VALID_HEAD ",\"params\":%s}", bad[i]);
		expect_error(line, RPC_INVALID_REQUEST, "\"params\" must be an object or an array");
		expect_id_int(7);
	}
}
END_TEST

START_TEST(test_unknown_member)
{
	expect_error(VALID_HEAD ",\"extra\":1}", RPC_INVALID_REQUEST, "unknown member \"extra\"");
	expect_id_int(7);
	/* JSON-RPC 1.0's "error"/"result" in a request are unknown members too. */
	expect_error(VALID_HEAD ",\"result\":{}}", RPC_INVALID_REQUEST, "unknown member \"result\"");
	/* Names are case-sensitive. */
	expect_error(VALID_HEAD ",\"Params\":{}}", RPC_INVALID_REQUEST, "unknown member \"Params\"");
}
END_TEST

/* Builds the error reply the daemon would send for the last parse, as one line. */
static char *
error_reply_line(void)
{
	struct json_object *msg = rpc_error_new(req.id, err.code, err.message, NULL);
	size_t len;
	const char *line = rpc_to_line(msg, &len);
	char *copy = strndup(line, len);

	ck_assert_ptr_nonnull(copy);
	json_object_put(msg);
	return copy;
}

START_TEST(test_id_kept_for_errors)
{
	static const char *const rest[] = {
		",\"jsonrpc\":\"1.0\",\"method\":\"m\"}", /* wrong version */
		",\"method\":\"m\"}",			 /* no version at all */
		",\"jsonrpc\":\"2.0\"}",		 /* no method */
		",\"jsonrpc\":\"2.0\",\"method\":3}",	 /* method not a string */
		",\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":1}",
		",\"jsonrpc\":\"2.0\",\"method\":\"m\",\"x\":1}",
	};
	char line[256];
	char *reply;

	for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
		/* The id comes first in the text, and last. */
		snprintf(line, sizeof line, "{\"id\":\"req-%zu\"%s", i, rest[i]);
		ck_assert_int_eq(parse(line), RPC_INVALID_REQUEST);
		ck_assert_ptr_nonnull(req.id);
		reply = error_reply_line();
		snprintf(line, sizeof line, "\"id\":\"req-%zu\"", i);
		ck_assert_msg(strstr(reply, line) != NULL, "reply %s lacks %s", reply, line);
		ck_assert_ptr_nonnull(strstr(reply, "\"code\":-32600"));
		free(reply);

		/* rest[i] without its leading ',' and closing '}', then the id. */
		snprintf(line, sizeof line, "{%.*s,\"id\":%zu}", (int)strlen(rest[i]) - 2,
			 rest[i] + 1, 1000 + i);
		ck_assert_int_eq(parse(line), RPC_INVALID_REQUEST);
		expect_id_int((int64_t)(1000 + i));
	}

	/* No usable id: the reply says null, as JSON-RPC requires. */
	ck_assert_int_eq(parse("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"m\"}"),
			 RPC_INVALID_REQUEST);
	reply = error_reply_line();
	ck_assert_ptr_nonnull(strstr(reply, "\"id\":null"));
	free(reply);
	ck_assert_int_eq(parse("{\"jsonrpc\":"), RPC_PARSE_ERROR);
	reply = error_reply_line();
	ck_assert_ptr_nonnull(strstr(reply, "\"id\":null"));
	ck_assert_ptr_nonnull(strstr(reply, "\"code\":-32700"));
	free(reply);
}
END_TEST

START_TEST(test_depth)
{
	char *s;

	/* json-c counts the outermost value as level 1; 64 levels parse. */
	s = nested(MAESTRO_MAX_JSON_DEPTH, 0);
	expect_error(s, RPC_INVALID_REQUEST, "batch"); /* parsed, then refused as a batch */
	free(s);
	s = nested(MAESTRO_MAX_JSON_DEPTH + 1, 0);
	expect_error(s, RPC_PARSE_ERROR, "parse error");
	ck_assert_ptr_null(req.root);
	free(s);

	/* Inside a request: the request object and "params" take two levels. */
	s = nested(MAESTRO_MAX_JSON_DEPTH - 2, 1);
	expect_ok(s);
	free(s);
	s = nested(MAESTRO_MAX_JSON_DEPTH - 1, 1);
	expect_error(s, RPC_PARSE_ERROR, "parse error");
	free(s);

	/* Far beyond the limit: refused early, no deep recursion anywhere. */
	s = nested(1000000, 1);
	expect_error(s, RPC_PARSE_ERROR, "parse error");
	free(s);
}
END_TEST

/* Serializes msg, checks it is one line with no raw newline, and returns a copy. */
static char *
one_line(struct json_object *msg)
{
	size_t len = 0;
	const char *line = rpc_to_line(msg, &len);

	ck_assert_ptr_nonnull(line);
	ck_assert_uint_eq(strlen(line), len);
	ck_assert_msg(memchr(line, '\n', len) == NULL, "newline in %s", line);
	ck_assert_msg(memchr(line, '\r', len) == NULL, "carriage return in %s", line);
	return strndup(line, len);
}

START_TEST(test_to_line_single_line)
{
	static const char nasty[] = "line one\nline two\r\n\ttab \x01\x1f \xe2\x80\xa8 \"q\" \\ /";
	struct json_object *id = json_object_new_string("id\nwith newline");
	struct json_object *data = json_object_new_object();
	struct json_object *msg;
	struct rpc_response r;
	struct rpc_error e;
	char *line;

	json_object_object_add(data, "key\nnl", json_object_new_string(nasty));
	msg = rpc_error_new(id, RPC_INVALID_PARAMS, nasty, data);
	line = one_line(msg);
	/* It reads back as the same strings: escaped, not dropped. */
	ck_assert_int_eq(rpc_parse_response(line, strlen(line), &r, &e), 0);
	ck_assert_int_eq(r.error_code, RPC_INVALID_PARAMS);
	ck_assert_str_eq(r.error_message, nasty);
	ck_assert_str_eq(json_object_get_string(r.id), "id\nwith newline");
	{
		struct json_object *v;

		ck_assert(json_object_object_get_ex(r.error_data, "key\nnl", &v));
		ck_assert_str_eq(json_object_get_string(v), nasty);
	}
	rpc_response_clear(&r);
	free(line);
	json_object_put(msg);

	msg = rpc_result_new(id, json_object_new_string(nasty));
	line = one_line(msg);
	free(line);
	json_object_put(msg);

	msg = rpc_request_new(id, "a\nb", json_object_new_array());
	line = one_line(msg);
	free(line);
	json_object_put(msg);

	msg = rpc_notification_new("event\n", json_object_new_string(nasty));
	line = one_line(msg);
	free(line);
	json_object_put(msg);

	/* The builders took their own references; ours is still ours to drop. */
	ck_assert_str_eq(json_object_get_string(id), "id\nwith newline");
	json_object_put(id);
}
END_TEST

/* Response parsing, as maestroctl does it. */
static struct rpc_response resp;

static int
parse_resp(const char *line)
{
	rpc_response_clear(&resp);
	memset(&err, 0, sizeof err);
	return rpc_parse_response(line, strlen(line), &resp, &err);
}

static void
resp_teardown(void)
{
	rpc_response_clear(&resp);
}

START_TEST(test_response_result)
{
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"ok\":true}}"), 0);
	ck_assert_int_eq(json_object_get_int(resp.id), 3);
	ck_assert_ptr_nonnull(resp.result);
	ck_assert_int_eq(json_object_get_type(resp.result), json_type_object);
	ck_assert_int_eq(resp.error_code, 0);
	ck_assert_ptr_null(resp.error_message);
	ck_assert_ptr_null(resp.method);

	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"result\":[1,2]}"), 0);
	ck_assert_str_eq(json_object_get_string(resp.id), "s");
	ck_assert_uint_eq(json_object_array_length(resp.result), 2);
}
END_TEST

START_TEST(test_response_error)
{
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32002,"
				    "\"message\":\"not found: x\",\"data\":{\"name\":\"x\"}}}"),
			 0);
	ck_assert_int_eq(resp.error_code, MAESTRO_E_NOT_FOUND);
	ck_assert_str_eq(resp.error_message, "not found: x");
	ck_assert_ptr_nonnull(resp.error_data);
	ck_assert_int_eq(json_object_get_type(resp.error_data), json_type_object);
	ck_assert_ptr_null(resp.result);

	/* No message: the code's standard name stands in. */
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32601}}"), 0);
	ck_assert_str_eq(resp.error_message, "method not found");
	ck_assert_ptr_null(resp.error_data);
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
				    "\"message\":5}}"),
			 0);
	ck_assert_str_eq(resp.error_message, "parse error");
	ck_assert_ptr_null(resp.id);

	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":0}}"),
			 RPC_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "code 0"));
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":\"x\"}}"),
			 RPC_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "integer \"code\""));
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{}}"),
			 RPC_INVALID_REQUEST);
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":\"boom\"}"),
			 RPC_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "neither"));
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":4}"), RPC_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "neither"));
}
END_TEST

START_TEST(test_response_notification)
{
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"method\":\"agent.event\","
				    "\"params\":{\"a\":1}}"),
			 0);
	ck_assert_str_eq(resp.method, "agent.event");
	ck_assert_ptr_nonnull(resp.params);
	ck_assert_ptr_null(resp.id);
	ck_assert_ptr_null(resp.result);

	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"method\":\"tick\"}"), 0);
	ck_assert_str_eq(resp.method, "tick");
	ck_assert_ptr_null(resp.params);

	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"method\":7}"), RPC_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "not a string"));
}
END_TEST

START_TEST(test_response_garbage)
{
	ck_assert_int_eq(parse_resp("garbage"), RPC_PARSE_ERROR);
	ck_assert_ptr_null(resp.root);
	ck_assert_int_eq(parse_resp(""), RPC_PARSE_ERROR);
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} trailing"),
			 RPC_PARSE_ERROR);
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\xff\"}"),
			 RPC_PARSE_ERROR);
	ck_assert_int_eq(parse_resp("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}]"),
			 RPC_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "not a JSON object"));
	ck_assert_int_eq(parse_resp("{\"id\":1,\"result\":{}}"), RPC_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "jsonrpc"));
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}"),
			 RPC_INVALID_REQUEST);
	ck_assert_int_eq(parse_resp("{\"jsonrpc\":\"2.0\",\"result\":{}}"), RPC_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "no \"id\""));
}
END_TEST

START_TEST(test_builders_roundtrip)
{
	struct json_object *id = json_object_new_int(99);
	struct json_object *params = json_object_new_object();
	struct json_object *msg;
	char *line;

	/* A request built by the client parses as a request in the daemon. */
	json_object_object_add(params, "name", json_object_new_string("x"));
	msg = rpc_request_new(id, "system.status", params);
	json_object_put(id); /* the builder holds its own reference */
	line = one_line(msg);
	json_object_put(msg);
	expect_ok(line);
	free(line);
	expect_id_int(99);
	ck_assert_str_eq(req.method, "system.status");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(req.params, "name")), "x");

	/* A result with no id and no value is "id": null, "result": {}. */
	msg = rpc_result_new(NULL, NULL);
	line = one_line(msg);
	ck_assert_str_eq(line, "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}");
	free(line);
	json_object_put(msg);

	/* An error reply, exactly as it goes on the wire. */
	msg = rpc_error_new(NULL, RPC_METHOD_NOT_FOUND, "method not found: x/y", NULL);
	line = one_line(msg);
	ck_assert_str_eq(line, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,"
			       "\"message\":\"method not found: x/y\"}}");
	free(line);
	json_object_put(msg);

	/* A notification parses as one on the client side. */
	msg = rpc_notification_new("agent.event", json_object_new_array());
	line = one_line(msg);
	json_object_put(msg);
	ck_assert_int_eq(parse_resp(line), 0);
	free(line);
	ck_assert_str_eq(resp.method, "agent.event");
	ck_assert_int_eq(json_object_get_type(resp.params), json_type_array);
}
END_TEST

START_TEST(test_error_names)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ RPC_PARSE_ERROR, "parse error" },
		{ RPC_INVALID_REQUEST, "invalid request" },
		{ RPC_METHOD_NOT_FOUND, "method not found" },
		{ RPC_INVALID_PARAMS, "invalid params" },
		{ RPC_INTERNAL_ERROR, "internal error" },
		{ MAESTRO_E_UNAUTHORIZED, "unauthorized" },
		{ MAESTRO_E_UNAUTHENTICATED, "unauthenticated" },
		{ MAESTRO_E_NOT_FOUND, "not found" },
		{ MAESTRO_E_CONFLICT, "conflict" },
		{ MAESTRO_E_OVERLOADED, "overloaded" },
		{ MAESTRO_E_UNAVAILABLE, "unavailable" },
		{ MAESTRO_E_INVALID_CONFIG, "invalid configuration" },
		{ 12345, "error" },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_str_eq(rpc_error_name(names[i].code), names[i].name);
}
END_TEST


/*
 * "unknown member \"%.64s\"" cuts a long name after 64 bytes, which may
 * be inside a UTF-8 sequence: the message must still be valid UTF-8, or
 * the client's parser refuses the reply and the real error is lost.
 */
START_TEST(test_unknown_member_cut)
{
	char line[256], want[256], *name = repeat('a', 63);
	struct rpc_response r;
	struct rpc_error e;
	char *reply;
	int rc;

	snprintf(line, sizeof line, VALID_HEAD ",\"%s\xc3\xa9\":1}", name);
	snprintf(want, sizeof want, "invalid request: unknown member \"%s?\"", name);
	free(name);
	expect_error(line, RPC_INVALID_REQUEST, "unknown member");
	ck_assert_str_eq(err.message, want); /* the half character became '?' */
	ck_assert(ref_utf8_valid(err.message, strlen(err.message)));
	reply = error_reply_line();
	rc = rpc_parse_response(reply, strlen(reply), &r, &e);
	ck_assert_msg(rc == 0, "client cannot parse the reply (%s): %s", e.message, reply);
	ck_assert_str_eq(r.error_message, want);
	rpc_response_clear(&r);
	free(reply);
}
END_TEST

/* Whatever message a caller passes, the reply on the wire is UTF-8. */
START_TEST(test_error_message_sanitized)
{
	struct json_object *msg = rpc_error_new(NULL, RPC_INTERNAL_ERROR,
						"bad \xff byte, cut \xe2\x82", NULL);
	struct rpc_response r;
	struct rpc_error e;
	char *line = one_line(msg);

	ck_assert(ref_utf8_valid(line, strlen(line)));
	ck_assert_int_eq(rpc_parse_response(line, strlen(line), &r, &e), 0);
	ck_assert_str_eq(r.error_message, "bad ? byte, cut ??");
	rpc_response_clear(&r);
	free(line);
	json_object_put(msg);
}
END_TEST

/* Durations as "approve --for" and approval.decide's scope write them. */
START_TEST(test_parse_duration)
{
	static const struct {
		const char *text;
		long long want; /* -1: refused */
	} cases[] = {
		{ "90", 90 },	    { "90s", 90 },   { "30m", 1800 },	{ "12h", 43200 },
		{ "7d", 604800 },   { "2w", 1209600 }, { "0", -1 },	{ "0m", -1 },
		{ "", -1 },	    { "m", -1 },     { "5x", -1 },	{ " 5m", -1 },
		{ "+5m", -1 },	    { "-5m", -1 },   { "5mm", -1 },	{ "1.5h", -1 },
		{ "1000000000000s", -1 }, { "15d", -1 }, /* past the max given below */
	};
	long long got;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = rpc_parse_duration(cases[i].text, 14 * 86400, &got);

		if (cases[i].want < 0)
			ck_assert_msg(r == -EINVAL, "'%s' was taken", cases[i].text);
		else
			ck_assert_msg(r == 0 && got == cases[i].want, "'%s': %d %lld", cases[i].text,
				      r, got);
	}
	ck_assert_int_eq(rpc_parse_duration("1w", 7 * 86400, &got), 0);
	ck_assert_int_eq(rpc_parse_duration("604801", 7 * 86400, &got), -EINVAL);
}
END_TEST

static Suite *
jsonrpc_suite(void)
{
	Suite *s = suite_create("jsonrpc");
	TCase *tc = tcase_create("jsonrpc_request");
	TCase *out = tcase_create("jsonrpc_reply");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_valid_string_id);
	tcase_add_test(tc, test_valid_int_id);
	tcase_add_test(tc, test_valid_params);
	tcase_add_test(tc, test_trailing_blanks);
	tcase_add_test(tc, test_invalid_json);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_unfaithful_numbers);
	tcase_add_test(tc, test_trailing_garbage);
	tcase_add_test(tc, test_not_object);
	tcase_add_test(tc, test_batch_refused);
	tcase_add_test(tc, test_jsonrpc_member);
	tcase_add_test(tc, test_missing_id);
	tcase_add_test(tc, test_bad_id);
	tcase_add_test(tc, test_method);
	tcase_add_test(tc, test_params_type);
	tcase_add_test(tc, test_unknown_member);
	tcase_add_test(tc, test_unknown_member_cut);
	tcase_add_test(tc, test_id_kept_for_errors);
	tcase_add_test(tc, test_depth);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(out, setup, teardown);
	tcase_add_checked_fixture(out, NULL, resp_teardown);
	tcase_add_test(out, test_to_line_single_line);
	tcase_add_test(out, test_response_result);
	tcase_add_test(out, test_response_error);
	tcase_add_test(out, test_response_notification);
	tcase_add_test(out, test_response_garbage);
	tcase_add_test(out, test_builders_roundtrip);
	tcase_add_test(out, test_error_names);
	tcase_add_test(out, test_error_message_sanitized);
	tcase_add_test(out, test_parse_duration);
	suite_add_tcase(s, out);

	return s;
}

int
main(void)
{
	return unit_run(jsonrpc_suite());
}
