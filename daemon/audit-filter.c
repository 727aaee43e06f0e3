/* Audit filters: reading them from params, and matching rows in memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h> /* isfinite(), a macro: no libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "audit-query.h"
#include "utf8.h"

/* Longest filter value accepted: ids and names are far shorter; text may be a phrase. */
#define FILTER_VALUE_MAX 256
#define FILTER_TEXT_MAX 1024

static const char *const risk_names[] = { "LOW", "MEDIUM", "HIGH", "CRITICAL" };

void
audit_filter_clear(struct audit_filter *f)
{
	free(f->agent);
	free(f->decision);
	free(f->kind);
	free(f->event);
	free(f->correlation_id);
	free(f->text);
	memset(f, 0, sizeof *f);
	f->risk_min = -1;
}

void
audit_query_clear(struct audit_query *q)
{
	audit_filter_clear(&q->filter);
}

/* Exact, as the rows spell it: what the SQL CASE in audit-query.c compares. */
int
audit_risk_rank(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(name, risk_names[i]) == 0)
			return i;
	return -1;
}

/* A string member of params, checked and copied; absent leaves *out NULL. */
static int
member_string(struct json_object *params, const char *name, size_t max, char **out, char *msg,
	      size_t size)
{
	struct json_object *v;
	const char *s;
	size_t len;

	if (!json_object_object_get_ex(params, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(msg, size, "invalid params: \"%s\" must be a string", name);
		return -EINVAL;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 || len > max || strlen(s) != len) {
		snprintf(msg, size, "invalid params: \"%s\" must be 1 to %zu characters, without NUL",
			 name, max);
		return -EINVAL;
	}
	*out = strdup(s);
	return *out != NULL ? 0 : -ENOMEM;
}

/* since/until: RFC 3339 text, unix seconds as text, or unix seconds as a number. */
static int
member_time(struct json_object *params, const char *name, bool *has, int64_t *us, char *msg,
	    size_t size)
{
	struct json_object *v;
	double secs;

	if (!json_object_object_get_ex(params, name, &v))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		if (audit_time_parse(json_object_get_string(v), us) == 0) {
			*has = true;
			return 0;
		}
	} else if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		secs = json_object_get_double(v);
		if (isfinite(secs) && secs >= 0 && secs <= (double)AUDIT_TIME_MAX_SECONDS) {
			*us = (int64_t)(secs * 1e6 + 0.5); /* rounded: secs >= 0 */
			*has = true;
			return 0;
		}
	}
	snprintf(msg, size, "invalid params: \"%s\" must be an RFC 3339 time "
			    "(2026-11-26T09:30:00Z) or unix seconds", name);
	return -EINVAL;
}

static int
filter_read(struct json_object *params, struct audit_filter *f, char *msg, size_t size)
{
	enum action_kind kind;
	enum risk_level risk;
	char *risk_text = NULL;
	size_t n;
	int r;

	if ((r = member_string(params, "agent", FILTER_VALUE_MAX, &f->agent, msg, size)) < 0 ||
	    (r = member_string(params, "decision", FILTER_VALUE_MAX, &f->decision, msg, size)) < 0 ||
	    (r = member_string(params, "kind", FILTER_VALUE_MAX, &f->kind, msg, size)) < 0 ||
	    (r = member_string(params, "event", FILTER_VALUE_MAX, &f->event, msg, size)) < 0 ||
	    (r = member_string(params, "correlation_id", FILTER_VALUE_MAX, &f->correlation_id, msg,
			       size)) < 0 ||
	    (r = member_string(params, "text", FILTER_TEXT_MAX, &f->text, msg, size)) < 0 ||
	    (r = member_time(params, "since", &f->has_since, &f->since_us, msg, size)) < 0 ||
	    (r = member_time(params, "until", &f->has_until, &f->until_us, msg, size)) < 0 ||
	    (r = member_string(params, "risk", FILTER_VALUE_MAX, &risk_text, msg, size)) < 0)
		return r;
	if (risk_text != NULL) {
		r = risk_parse(risk_text, &risk);
		free(risk_text);
		if (r < 0) {
			snprintf(msg, size, "invalid params: \"risk\" must be LOW, MEDIUM, HIGH or CRITICAL");
			return -EINVAL;
		}
		f->risk_min = (int)risk;
	}
	if (f->decision != NULL && strcmp(f->decision, "allow") != 0 &&
	    strcmp(f->decision, "deny") != 0 && strcmp(f->decision, "ask") != 0) {
		snprintf(msg, size, "invalid params: \"decision\" must be allow, deny or ask");
		return -EINVAL;
	}
	if (f->kind != NULL && action_kind_parse(f->kind, &kind) < 0) {
		snprintf(msg, size, "invalid params: \"kind\" must be shell, file_read, file_write, "
				    "file_delete, network, mcp_tool or prompt");
		return -EINVAL;
	}
	if (f->event != NULL) {
		/* "governance." and "governance.*" both mean every governance event. */
		n = strlen(f->event);
		if (n >= 2 && strcmp(f->event + n - 2, ".*") == 0)
			f->event[--n] = '\0';
		f->event_prefix = f->event[n - 1] == '.';
	}
	if (f->has_since && f->has_until && f->since_us >= f->until_us) {
		snprintf(msg, size, "invalid params: \"since\" must be earlier than \"until\"");
		return -EINVAL;
	}
	return 0;
}

int
audit_filter_from_json(struct json_object *params, struct audit_filter *f, char *msg,
		       size_t size)
{
	int r;

	memset(f, 0, sizeof *f);
	f->risk_min = -1;
	r = filter_read(params, f, msg, size);
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(msg, size, "out of memory");
		utf8_sanitize(msg);
		audit_filter_clear(f);
	}
	return r;
}

/* A positive integer member no larger than max; absent leaves *out alone. */
static int
member_count(struct json_object *params, const char *name, int64_t max, int64_t *out, char *msg,
	     size_t size)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(params, name, &v))
		return 0;
	n = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
	if (n < 1 || n > max) {
		snprintf(msg, size, "invalid params: \"%s\" must be an integer from 1 to %lld", name,
			 (long long)max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

int
audit_query_from_json(struct json_object *params, bool paging, struct audit_query *q, char *msg,
		      size_t size)
{
	struct json_object *v;
	int64_t limit = AUDIT_QUERY_LIMIT_DEFAULT;
	int r;

	memset(q, 0, sizeof *q);
	r = audit_filter_from_json(params, &q->filter, msg, size);
	if (r < 0 || !paging)
		return r;
	if ((r = member_count(params, "limit", AUDIT_QUERY_LIMIT_MAX, &limit, msg, size)) < 0 ||
	    (r = member_count(params, "before_seq", INT64_MAX, &q->before_seq, msg, size)) < 0 ||
	    (r = member_count(params, "after_seq", INT64_MAX, &q->after_seq, msg, size)) < 0)
		goto fail;
	q->limit = (unsigned)limit;
	if (json_object_object_get_ex(params, "order", &v)) {
		const char *o = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) ||
		    (strcmp(o, "asc") != 0 && strcmp(o, "desc") != 0)) {
			snprintf(msg, size, "invalid params: \"order\" must be \"asc\" or \"desc\"");
			r = -EINVAL;
			goto fail;
		}
		q->ascending = strcmp(o, "asc") == 0;
	}
	return 0;
fail:
	audit_query_clear(q);
	return r;
}

static const char *
detail_string(struct json_object *detail, const char *a, const char *b)
{
	struct json_object *v;

	if (detail == NULL || !json_object_object_get_ex(detail, a, &v))
		return NULL;
	if (b != NULL && (!json_object_is_type(v, json_type_object) ||
			  !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Mirrors the WHERE clause audit-query.c builds; change both together. */
bool
audit_filter_match(const struct audit_filter *f, const char *event, const char *actor,
		   const char *correlation_id, int64_t time_us, struct json_object *detail,
		   const char *detail_text)
{
	if (detail != NULL && !json_object_is_type(detail, json_type_object))
		detail = NULL;
	if (f->agent && !same(actor, f->agent) && !same(detail_string(detail, "agent", NULL), f->agent))
		return false;
	if (f->decision && !same(detail_string(detail, "decision", NULL), f->decision))
		return false;
	if (f->risk_min >= 0 &&
	    audit_risk_rank(detail_string(detail, "risk_level", NULL)) < f->risk_min)
		return false;
	if (f->kind && !same(detail_string(detail, "action", "kind"), f->kind))
		return false;
	if (f->event && (event == NULL || (f->event_prefix
						   ? strncmp(event, f->event, strlen(f->event)) != 0
						   : strcmp(event, f->event) != 0)))
		return false;
	if (f->correlation_id && !same(correlation_id, f->correlation_id))
		return false;
	if (f->has_since && time_us < f->since_us)
		return false;
	if (f->has_until && time_us >= f->until_us)
		return false;
	if (f->text && !(detail_text && strstr(detail_text, f->text)) &&
	    !(actor && strstr(actor, f->text)))
		return false;
	return true;
}
