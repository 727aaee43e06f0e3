/* Unit tests for params_check() in daemon/dispatch.c: named params against a method's spec. */
#include <stdio.h>
#include <string.h>
#include <check.h>
#include <json-c/json.h>

#include "dispatch.h"
#include "unit.h"

/* A spec with one parameter of every type, one of them required. */
static const struct param_spec spec[] = {
	{ "name", json_type_string, true },
	{ "count", json_type_int, false },
	{ "ratio", json_type_double, false },
	{ "flag", json_type_boolean, false },
	{ "tags", json_type_array, false },
	{ "opts", json_type_object, false },
	{ NULL, json_type_null, false },
};

static char msg[256];

/* Parses params text (a JSON object) and checks it against spec. */
static bool
check_params(const struct param_spec *sp, const char *text)
{
	struct json_object *params = json_tokener_parse(text);
	bool ok;

	ck_assert_msg(params != NULL, "test bug: bad JSON %s", text);
	/* A sentinel, to tell "left alone" from "emptied". */
	strcpy(msg, "untouched");
	ok = params_check(sp, params, msg, sizeof msg);
	json_object_put(params);
	return ok;
}

static void
expect_ok(const char *text)
{
	ck_assert_msg(check_params(spec, text), "%s refused: %s", text, msg);
}

/* Refused with exactly this sentence, which the client sees as the error message. */
static void
expect_refused(const char *text, const char *want)
{
	ck_assert_msg(!check_params(spec, text), "%s accepted", text);
	ck_assert_str_eq(msg, want);
}

START_TEST(test_valid)
{
	expect_ok("{\"name\":\"x\"}");
	expect_ok("{\"name\":\"\",\"count\":-3,\"ratio\":0.5,\"flag\":false,\"tags\":[],"
		  "\"opts\":{}}");
	/* Member order is free. */
	expect_ok("{\"opts\":{\"a\":1},\"name\":\"x\",\"tags\":[\"t\"]}");
	ck_assert_str_eq(msg, "untouched");
}
END_TEST

START_TEST(test_unknown_parameter)
{
	expect_refused("{\"name\":\"x\",\"bogus\":1}", "invalid params: unknown parameter \"bogus\"");
	/* Names are case-sensitive, and the unknown one is reported before a missing one. */
	expect_refused("{\"Name\":\"x\"}", "invalid params: unknown parameter \"Name\"");
	/* A long name is cut at 64 bytes, not allowed to overrun the message. */
	{
		char text[256], want[256], name[101];

		memset(name, 'a', 100);
		name[100] = '\0';
		snprintf(text, sizeof text, "{\"name\":\"x\",\"%s\":1}", name);
		snprintf(want, sizeof want, "invalid params: unknown parameter \"%.64s\"", name);
		expect_refused(text, want);
		ck_assert_uint_eq(strlen(want), strlen("invalid params: unknown parameter \"\"") + 64);
	}
}
END_TEST

START_TEST(test_wrong_type)
{
	expect_refused("{\"name\":5}", "invalid params: \"name\" must be a string");
	expect_refused("{\"name\":null}", "invalid params: \"name\" must be a string");
	expect_refused("{\"name\":\"x\",\"count\":\"3\"}",
		       "invalid params: \"count\" must be an integer");
	/* A fraction is not an integer, even when it is a whole one. */
	expect_refused("{\"name\":\"x\",\"count\":1.5}",
		       "invalid params: \"count\" must be an integer");
	expect_refused("{\"name\":\"x\",\"count\":2.0}",
		       "invalid params: \"count\" must be an integer");
	expect_refused("{\"name\":\"x\",\"ratio\":\"0.5\"}",
		       "invalid params: \"ratio\" must be a number");
	expect_refused("{\"name\":\"x\",\"ratio\":true}",
		       "invalid params: \"ratio\" must be a number");
	expect_refused("{\"name\":\"x\",\"flag\":1}", "invalid params: \"flag\" must be a boolean");
	expect_refused("{\"name\":\"x\",\"tags\":{}}", "invalid params: \"tags\" must be an array");
	expect_refused("{\"name\":\"x\",\"opts\":[]}", "invalid params: \"opts\" must be an object");
	expect_refused("{\"name\":\"x\",\"opts\":null}",
		       "invalid params: \"opts\" must be an object");
}
END_TEST

START_TEST(test_missing_required)
{
	expect_refused("{}", "invalid params: missing \"name\"");
	expect_refused("{\"count\":1,\"flag\":true}", "invalid params: missing \"name\"");
}
END_TEST

START_TEST(test_int_for_double)
{
	/* JSON has one number type; a client writing 3 for 3.0 is not wrong. */
	expect_ok("{\"name\":\"x\",\"ratio\":3}");
	expect_ok("{\"name\":\"x\",\"ratio\":-7}");
	expect_ok("{\"name\":\"x\",\"ratio\":2.5}");
	expect_ok("{\"name\":\"x\",\"ratio\":1e3}");
}
END_TEST

START_TEST(test_empty_spec)
{
	static const struct param_spec none[] = { { NULL, json_type_null, false } };

	ck_assert(check_params(none, "{}"));
	ck_assert(!check_params(none, "{\"a\":1}"));
	ck_assert_str_eq(msg, "invalid params: unknown parameter \"a\"");
}
END_TEST

START_TEST(test_small_buffer)
{
	struct json_object *params = json_tokener_parse("{}");
	char small[12];

	/* The message is cut to the buffer and still terminated. */
	memset(small, 'X', sizeof small);
	ck_assert(!params_check(spec, params, small, sizeof small));
	ck_assert_str_eq(small, "invalid par");
	json_object_put(params);
}
END_TEST

/*
 * The "%.64s" that bounds an unknown name may cut it inside a UTF-8
 * sequence; the message goes into a JSON reply, so it must stay UTF-8.
 */
START_TEST(test_unknown_parameter_cut)
{
	static const char a63[] =
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	char text[256], want[256];

	snprintf(text, sizeof text, "{\"name\":\"x\",\"%s\xc3\xa9\":1}", a63);
	snprintf(want, sizeof want, "invalid params: unknown parameter \"%s?\"", a63);
	ck_assert(!check_params(spec, text));
	ck_assert_str_eq(msg, want); /* the half character became '?' */
	ck_assert(ref_utf8_valid(msg, strlen(msg)));
}
END_TEST

static Suite *
params_suite(void)
{
	Suite *s = suite_create("params");
	TCase *tc = tcase_create("params_check");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_unknown_parameter);
	tcase_add_test(tc, test_wrong_type);
	tcase_add_test(tc, test_missing_required);
	tcase_add_test(tc, test_int_for_double);
	tcase_add_test(tc, test_empty_spec);
	tcase_add_test(tc, test_small_buffer);
	tcase_add_test(tc, test_unknown_parameter_cut);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(params_suite());
}
