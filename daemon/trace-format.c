/* Traces: ids, the traceparent, and the compact form a trace is stored in. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "trace.h"

void
trace_hex(char *out, const uint8_t *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
hex_decode(const char *s, uint8_t *out, size_t n)
{
	bool nonzero = false;

	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
		nonzero |= out[i] != 0;
	}
	return nonzero;
}

int
trace_parse_traceparent(const char *s, uint8_t trace_id[16], uint8_t parent_id[8])
{
	uint8_t tid[16], pid[8];

	if (s == NULL || strlen(s) != 55 || s[2] != '-' || s[35] != '-' || s[52] != '-')
		return -EINVAL;
	for (size_t i = 0; i < 55; i++)
		if (i != 2 && i != 35 && i != 52 && hex_value(s[i]) < 0)
			return -EINVAL;
	/* Version ff is forbidden; the flags may be anything. */
	if (hex_value(s[0]) == 15 && hex_value(s[1]) == 15)
		return -EINVAL;
	if (!hex_decode(s + 3, tid, 16) || !hex_decode(s + 36, pid, 8))
		return -EINVAL;
	memcpy(trace_id, tid, 16);
	memcpy(parent_id, pid, 8);
	return 0;
}

/*
 * Stored form, one JSON object per trace:
 *   {"t":T0,"s":[[NAME,SPAN_ID,PARENT_INDEX,START,END],...],
 *    "a":[AGENT,RISK,DECISION,RULE,AUDIT_SEQ],"p":CALLER_SPAN_ID,"e":1}
 * START and END are microseconds after T0, PARENT_INDEX is -1 for the
 * root, RULE is "" and AUDIT_SEQ 0 for none, "p" and "e" only when there
 * is a caller's span or an error. Every decision writes one, so it is kept
 * small: spelled out as trace.get returns it, a trace took three times the
 * bytes and, measured with maestro-bench, a third of the throughput of a
 * writer-bound maestrod. trace_spans_expand() spells it out on a reader.
 */

/* Appends to a fixed buffer; a too-small buffer is noticed once, at the end. */
struct text {
	char *p;
	size_t size, len;
	bool overflow;
};

static void __attribute__((format(printf, 2, 3)))
text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->size - t->len)
		t->overflow = true;
	else
		t->len += (size_t)n;
}

/* A JSON string: agent ids and rules are checked names, but a store must not trust that. */
static void
text_string(struct text *t, const char *s)
{
	text_printf(t, "\"");
	for (; *s != '\0' && !t->overflow; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			text_printf(t, "\\%c", c);
		else if (c < 0x20)
			text_printf(t, "\\u%04x", c);
		else if (t->len + 1 < t->size)
			t->p[t->len++] = (char)c, t->p[t->len] = '\0';
		else
			t->overflow = true;
	}
	text_printf(t, "\"");
}

int
trace_format_spans(const struct trace_record *r, char *buf, size_t size)
{
	struct text t = { buf, size, 0, size == 0 };
	uint64_t t0 = r->n_spans ? r->spans[0].start_us : 0;
	char id[17];

	text_printf(&t, "{\"t\":%" PRIu64 ",\"s\":[", t0);
	for (unsigned i = 0; i < r->n_spans; i++) {
		const struct trace_span *s = &r->spans[i];

		trace_hex(id, s->span_id, 8);
		/* Clock steps aside, children start after the root; clamp rather than wrap. */
		text_printf(&t, "%s[\"%s\",\"%s\",%d,%" PRIu64 ",%" PRIu64 "]", i ? "," : "", s->name,
			    id, s->parent, s->start_us > t0 ? s->start_us - t0 : 0,
			    s->end_us > t0 ? s->end_us - t0 : 0);
	}
	text_printf(&t, "],\"a\":[");
	text_string(&t, r->agent);
	text_printf(&t, ",\"%s\",\"%s\",", r->risk, r->decision);
	text_string(&t, r->rule);
	text_printf(&t, ",%" PRId64 "]", r->audit_seq);
	if (r->has_parent) {
		trace_hex(id, r->parent_span_id, 8);
		text_printf(&t, ",\"p\":\"%s\"", id);
	}
	if (r->error)
		text_printf(&t, ",\"e\":1");
	text_printf(&t, "}");
	return t.overflow ? -ENOSPC : (int)t.len;
}

static struct json_object *
member(struct json_object *o, const char *key, json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static struct json_object *
item(struct json_object *array, size_t i, json_type type)
{
	struct json_object *v;

	/* json-c asserts on an index into anything but an array. */
	if (!json_object_is_type(array, json_type_array) || i >= json_object_array_length(array))
		return NULL;
	v = json_object_array_get_idx(array, i);
	return json_object_is_type(v, type) ? v : NULL;
}

/* The root's attributes, as trace.get documents them. */
static struct json_object *
expand_attributes(struct json_object *a, const char *correlation_id)
{
	struct json_object *o = json_object_new_object();
	const char *rule = json_object_get_string(item(a, 3, json_type_string));
	int64_t seq = json_object_get_int64(item(a, 4, json_type_int));

	json_object_object_add(o, "maestro.correlation_id", json_object_new_string(correlation_id));
	json_object_object_add(o, "maestro.agent_id",
			       json_object_get(item(a, 0, json_type_string)));
	json_object_object_add(o, "maestro.risk_level",
			       json_object_get(item(a, 1, json_type_string)));
	json_object_object_add(o, "maestro.decision",
			       json_object_get(item(a, 2, json_type_string)));
	if (rule != NULL && rule[0] != '\0')
		json_object_object_add(o, "maestro.rule", json_object_new_string(rule));
	if (seq > 0)
		json_object_object_add(o, "maestro.audit_seq", json_object_new_int64(seq));
	return o;
}

/* Microseconds: far past any real clock, far short of overflowing a sum of two. */
#define TIME_MAX (INT64_MAX / 4)

struct json_object *
trace_spans_expand(struct json_object *stored, const char *correlation_id)
{
	struct json_object *spans = member(stored, "s", json_type_array);
	struct json_object *attrs = member(stored, "a", json_type_array);
	struct json_object *caller = member(stored, "p", json_type_string);
	struct json_object *out;
	int64_t t0 = json_object_get_int64(member(stored, "t", json_type_int));
	int64_t seq = json_object_get_int64(item(attrs, 4, json_type_int));
	size_t n = spans ? json_object_array_length(spans) : 0;

	if (spans == NULL || attrs == NULL || json_object_array_length(attrs) != 5 || n == 0)
		return NULL;
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = item(spans, i, json_type_array), *o, *parent = NULL;
		struct json_object *name = item(s, 0, json_type_string), *id = item(s, 1, json_type_string);
		int64_t p = json_object_get_int64(item(s, 2, json_type_int));
		int64_t start = json_object_get_int64(item(s, 3, json_type_int));
		int64_t end = json_object_get_int64(item(s, 4, json_type_int));

		/* Bounded so that t0 + offset cannot overflow, whatever the row says. */
		if (s == NULL || name == NULL || id == NULL || p < -1 || p >= (int64_t)n ||
		    (p == -1) != (i == 0) || t0 < 0 || t0 > TIME_MAX || start < 0 ||
		    start > TIME_MAX || end < 0 || end > TIME_MAX) {
			json_object_put(out);
			return NULL;
		}
		if (p >= 0)
			parent = item(item(spans, (size_t)p, json_type_array), 1, json_type_string);
		else
			parent = caller;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_get(name));
		json_object_object_add(o, "span_id", json_object_get(id));
		if (parent != NULL)
			json_object_object_add(o, "parent_span_id", json_object_get(parent));
		json_object_object_add(o, "start_us", json_object_new_int64(t0 + start));
		json_object_object_add(o, "end_us", json_object_new_int64(t0 + end));
		json_object_object_add(o, "status", json_object_new_string(
			i == 0 && member(stored, "e", json_type_int) ? "error" : "ok"));
		if (i == 0) {
			json_object_object_add(o, "attributes",
					       expand_attributes(attrs, correlation_id));
		} else if (seq > 0 && strcmp(json_object_get_string(name), "audit.commit") == 0) {
			struct json_object *a = json_object_new_object();

			json_object_object_add(a, "maestro.audit_seq", json_object_new_int64(seq));
			json_object_object_add(o, "attributes", a);
		}
		json_object_array_add(out, o);
	}
	return out;
}
