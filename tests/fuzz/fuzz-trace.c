/*
 * Fuzz target: trace_parse_traceparent() on a caller's traceparent ("P" +
 * text), and trace_spans_expand() on a stored trace ("S" + JSON: the
 * database is maestrod's, but a person may edit it and trace.get must not
 * trust it).
 */
#include <strings.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fuzz.h"
#include "trace.h"

static void
check_traceparent(const char *s)
{
	uint8_t tid[16], pid[8];
	char hex[33];

	if (trace_parse_traceparent(s, tid, pid) < 0)
		return;
	/* Accepted: the ids are what the text says, in either case. */
	fuzz_assert(strlen(s) == 55);
	trace_hex(hex, tid, 16);
	fuzz_assert(strncasecmp(hex, s + 3, 32) == 0);
	trace_hex(hex, pid, 8);
	fuzz_assert(strncasecmp(hex, s + 36, 16) == 0);
}

static void
check_stored(const char *s)
{
	struct json_object *stored = json_tokener_parse(s), *spans, *stored_spans;

	spans = trace_spans_expand(stored, "c");
	if (spans != NULL) {
		fuzz_assert(json_object_object_get_ex(stored, "s", &stored_spans));
		fuzz_assert(json_object_array_length(spans) == json_object_array_length(stored_spans));
		/* What trace.get would send must serialize. */
		fuzz_assert(json_object_to_json_string(spans) != NULL);
	}
	json_object_put(spans);
	json_object_put(stored);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > 1 << 16)
		return 0;
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] == 'P')
		check_traceparent(s);
	else
		check_stored(s);
	free(s);
	return 0;
}
