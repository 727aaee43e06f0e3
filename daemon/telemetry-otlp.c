/* Telemetry: the OTLP/HTTP JSON encoding of spans and log records. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <event2/buffer.h>

#include "telemetry.h"
#include "trace.h"

/*
 * Written as text straight into the buffer: a json-c tree per span would
 * cost an allocation per member on a thread that does little else.
 */

/* A JSON string; bytes from 0x80 up pass through (the rows are UTF-8 already). */
static int
add_string(struct evbuffer *out, const char *s)
{
	const char *run = s;
	int r = evbuffer_add(out, "\"", 1);

	for (; *s != '\0' && r == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		r = evbuffer_add(out, run, (size_t)(s - run));
		if (r == 0)
			r = c == '"' || c == '\\' ? evbuffer_add_printf(out, "\\%c", c) < 0
						  : evbuffer_add_printf(out, "\\u%04x", c) < 0;
		run = s + 1;
	}
	if (r == 0)
		r = evbuffer_add(out, run, strlen(run));
	if (r == 0)
		r = evbuffer_add(out, "\"", 1);
	return r;
}

static int
add_attr_string(struct evbuffer *out, bool first, const char *key, const char *value)
{
	int r = evbuffer_add_printf(out, "%s{\"key\":\"%s\",\"value\":{\"stringValue\":",
				    first ? "" : ",", key) < 0;

	if (r == 0)
		r = add_string(out, value);
	if (r == 0)
		r = evbuffer_add(out, "}}", 2);
	return r;
}

/* proto3's JSON mapping writes 64-bit integers as strings. */
static int
add_attr_int(struct evbuffer *out, bool first, const char *key, int64_t value)
{
	return evbuffer_add_printf(out, "%s{\"key\":\"%s\",\"value\":{\"intValue\":\"%" PRId64 "\"}}",
				   first ? "" : ",", key, value) < 0;
}

static int
add_resource(struct evbuffer *out)
{
	return evbuffer_add_printf(out, "{\"resource\":{\"attributes\":["
				   "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"maestrod\"}},"
				   "{\"key\":\"service.version\",\"value\":{\"stringValue\":\"%s\"}}"
				   "]},",
				   MAESTRO_VERSION) < 0;
}

static int
add_span(struct evbuffer *out, const struct trace_record *rec, unsigned i, bool first)
{
	const struct trace_span *s = &rec->spans[i];
	char trace_id[33], id[17], parent[17] = "";
	int r;

	trace_hex(trace_id, rec->trace_id, 16);
	trace_hex(id, s->span_id, 8);
	if (s->parent >= 0)
		trace_hex(parent, rec->spans[s->parent].span_id, 8);
	else if (rec->has_parent)
		trace_hex(parent, rec->parent_span_id, 8);
	/* kind: the root serves a request (2, SERVER); the rest are INTERNAL (1). */
	r = evbuffer_add_printf(out,
				"%s{\"traceId\":\"%s\",\"spanId\":\"%s\"%s%s%s,\"name\":\"%s\","
				"\"kind\":%d,\"startTimeUnixNano\":\"%" PRIu64 "000\","
				"\"endTimeUnixNano\":\"%" PRIu64 "000\",\"attributes\":[",
				first ? "" : ",", trace_id, id, parent[0] ? ",\"parentSpanId\":\"" : "",
				parent, parent[0] ? "\"" : "", s->name, i == 0 ? 2 : 1, s->start_us,
				s->end_us) < 0;
	if (r == 0 && i == 0) {
		r = add_attr_string(out, true, "maestro.correlation_id", rec->correlation_id);
		r = r ?: add_attr_string(out, false, "maestro.agent_id", rec->agent);
		r = r ?: add_attr_string(out, false, "maestro.risk_level", rec->risk);
		r = r ?: add_attr_string(out, false, "maestro.decision", rec->decision);
		if (rec->rule[0])
			r = r ?: add_attr_string(out, false, "maestro.rule", rec->rule);
		if (rec->audit_seq > 0)
			r = r ?: add_attr_int(out, false, "maestro.audit_seq", rec->audit_seq);
	} else if (r == 0 && strcmp(s->name, "audit.commit") == 0 && rec->audit_seq > 0) {
		r = add_attr_int(out, true, "maestro.audit_seq", rec->audit_seq);
	}
	/* status: 2 is ERROR; leaving it out means UNSET, as OTLP wants for success. */
	if (r == 0)
		r = evbuffer_add_printf(out, "]%s}",
					i == 0 && rec->error ? ",\"status\":{\"code\":2}" : "") < 0;
	return r;
}

int
otlp_encode_traces(struct evbuffer *out, const struct trace_record *const *recs, size_t n)
{
	bool first = true;
	int r;

	r = evbuffer_add_printf(out, "{\"resourceSpans\":[") < 0;
	r = r ?: add_resource(out);
	r = r ?: evbuffer_add_printf(out, "\"scopeSpans\":[{\"scope\":{\"name\":\"maestrod\","
				     "\"version\":\"%s\"},\"spans\":[", MAESTRO_VERSION) < 0;
	for (size_t k = 0; k < n && r == 0; k++)
		for (unsigned i = 0; i < recs[k]->n_spans && r == 0; i++, first = false)
			r = add_span(out, recs[k], i, first);
	r = r ?: evbuffer_add_printf(out, "]}]}]}") < 0;
	return r ? -ENOMEM : 0;
}

static int
add_log(struct evbuffer *out, const struct otlp_log *l, bool first)
{
	char trace_id[33];
	int r;

	/* severityNumber 9 is INFO: a row is a record of what happened, not a problem. */
	r = evbuffer_add_printf(out, "%s{\"timeUnixNano\":\"%" PRId64 "000\",\"severityNumber\":9,"
				"\"severityText\":\"INFO\",\"body\":{\"stringValue\":",
				first ? "" : ",", l->time_us) < 0;
	r = r ?: add_string(out, l->body ? l->body : "{}");
	r = r ?: evbuffer_add_printf(out, "},\"attributes\":[") < 0;
	r = r ?: add_attr_string(out, true, "maestro.event", l->event ? l->event : "");
	if (l->actor)
		r = r ?: add_attr_string(out, false, "maestro.actor", l->actor);
	r = r ?: add_attr_int(out, false, "maestro.audit_seq", l->seq);
	if (l->correlation_id)
		r = r ?: add_attr_string(out, false, "maestro.correlation_id", l->correlation_id);
	r = r ?: evbuffer_add(out, "]", 1);
	if (r == 0 && l->has_trace) {
		trace_hex(trace_id, l->trace_id, 16);
		r = evbuffer_add_printf(out, ",\"traceId\":\"%s\"", trace_id) < 0;
	}
	r = r ?: evbuffer_add(out, "}", 1);
	return r;
}

int
otlp_encode_logs(struct evbuffer *out, const struct otlp_log *const *logs, size_t n)
{
	int r;

	r = evbuffer_add_printf(out, "{\"resourceLogs\":[") < 0;
	r = r ?: add_resource(out);
	r = r ?: evbuffer_add_printf(out, "\"scopeLogs\":[{\"scope\":{\"name\":\"maestrod\","
				     "\"version\":\"%s\"},\"logRecords\":[", MAESTRO_VERSION) < 0;
	for (size_t k = 0; k < n && r == 0; k++)
		r = add_log(out, logs[k], k == 0);
	r = r ?: evbuffer_add_printf(out, "]}]}]}") < 0;
	return r ? -ENOMEM : 0;
}
