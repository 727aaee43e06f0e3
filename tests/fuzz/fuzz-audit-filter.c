/*
 * Fuzz target: the audit filters (daemon/audit-filter.c) on arbitrary
 * input, read both as a time (audit_time_parse, which --since and --until
 * reach unchanged) and as the params object of audit.query and
 * audit.follow; an accepted filter is then matched against sample rows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "audit-query.h"
#include "fuzz.h"
#include "jsonrpc.h"

/* 9999-12-31T23:59:59.999999Z: nothing parses past it, nothing before the epoch. */
#define TIME_MAX_US 253402300799999999ll

static const char *const sample_details[] = {
	("{\"agent\":\"exec-1\",\"action\":{\"kind\":\"shell\",\"command\":\"ls\"},"
	 "\"decision\":\"deny\",\"risk_level\":\"HIGH\"}"),
	"{}",
	"[1,2]",
};

static void
check_time(const char *text)
{
	char buf[AUDIT_TIME_MAX];
	int64_t us = -7, back = -7;

	if (audit_time_parse(text, &us) != 0) {
		fuzz_assert(us == -7); /* untouched on failure */
		return;
	}
	fuzz_assert(us >= 0 && us <= TIME_MAX_US);
	/* What the rows show, the filters read back to the same microsecond. */
	audit_time_format(us, buf);
	fuzz_assert(strlen(buf) == 27 && buf[26] == 'Z');
	fuzz_assert(audit_time_parse(buf, &back) == 0 && back == us);
}

static void
check_params(const uint8_t *data, size_t size)
{
	struct rpc_error err;
	struct json_object *params = rpc_parse_json((const char *)data, size, &err);
	struct audit_query q;
	char msg[256];
	int r;

	if (params == NULL || !json_object_is_type(params, json_type_object)) {
		json_object_put(params);
		return;
	}
	msg[0] = '\0';
	r = audit_query_from_json(params, true, &q, msg, sizeof msg);
	if (r != 0) {
		fuzz_assert(r == -EINVAL || r == -ENOMEM);
		/* A sentence for the person, quoting nothing that breaks the reply. */
		fuzz_assert(msg[0] != '\0' && fuzz_utf8_valid(msg, strlen(msg)));
		json_object_put(params);
		return;
	}
	fuzz_assert(q.limit >= 1 && q.limit <= AUDIT_QUERY_LIMIT_MAX);
	fuzz_assert(q.filter.risk_min >= -1 && q.filter.risk_min <= 3);
	fuzz_assert(!q.filter.has_since || !q.filter.has_until ||
		    q.filter.since_us < q.filter.until_us);
	fuzz_assert(q.filter.event == NULL || q.filter.event[0] != '\0');
	for (size_t i = 0; i < sizeof sample_details / sizeof sample_details[0]; i++) {
		struct json_object *detail = json_tokener_parse(sample_details[i]);

		(void)audit_filter_match(&q.filter, "governance.evaluate", "exec-1", "c1",
					 1795707000000000ll, detail, sample_details[i]);
		(void)audit_filter_match(&q.filter, "x", NULL, NULL, 0, NULL, NULL);
		json_object_put(detail);
	}
	audit_query_clear(&q);
	json_object_put(params);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > 4096)
		return 0;
	text = strndup((const char *)data, size);
	if (text == NULL)
		return 0;
	check_time(text);
	free(text);
	check_params(data, size);
	return 0;
}
