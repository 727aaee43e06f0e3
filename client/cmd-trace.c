/* maestroctl trace: one decision's trace as a tree of spans with durations. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "maestroctl.h"

static const char *
str_member(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
int_member(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) ? json_object_get_int64(v) : 0;
}

static int64_t
span_usec(struct json_object *span)
{
	int64_t d = int_member(span, "end_us") - int_member(span, "start_us");

	return d < 0 ? 0 : d;
}

static struct json_object *
attributes(struct json_object *span)
{
	struct json_object *a;

	return json_object_object_get_ex(span, "attributes", &a) ? a : NULL;
}

/* The children of parent_id, drawn under prefix; the depth is bounded by the spans. */
static void
print_children(struct json_object *spans, const char *parent_id, const char *prefix,
	       unsigned depth)
{
	size_t n = json_object_array_length(spans), last = n;

	if (depth > 8)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *p = str_member(json_object_array_get_idx(spans, i), "parent_span_id");

		if (p != NULL && strcmp(p, parent_id) == 0)
			last = i;
	}
	for (size_t i = 0; i < n && last < n; i++) {
		struct json_object *s = json_object_array_get_idx(spans, i), *a = attributes(s);
		const char *p = str_member(s, "parent_span_id"), *id = str_member(s, "span_id");
		const char *name = str_member(s, "name");
		char next[64];

		if (p == NULL || strcmp(p, parent_id) != 0)
			continue;
		printf("%s%s %-13s %5" PRId64 " us", prefix, i == last ? "└─" : "├─",
		       name ? name : "?", span_usec(s));
		if (a != NULL && int_member(a, "maestro.audit_seq") > 0)
			printf("   seq %" PRId64, int_member(a, "maestro.audit_seq"));
		if (str_member(s, "status") && strcmp(str_member(s, "status"), "error") == 0)
			printf("   error");
		putchar('\n');
		snprintf(next, sizeof next, "%s%s", prefix, i == last ? "   " : "│  ");
		if (id != NULL)
			print_children(spans, id, next, depth + 1);
	}
}

static void
print_trace(struct json_object *r)
{
	struct json_object *spans, *root = NULL, *a;
	const char *caller = NULL;

	if (!json_object_object_get_ex(r, "spans", &spans) ||
	    !json_object_is_type(spans, json_type_array))
		return;
	/* The root: the span whose parent is not among them (the caller's, or none). */
	for (size_t i = 0; i < json_object_array_length(spans) && root == NULL; i++) {
		struct json_object *s = json_object_array_get_idx(spans, i);
		const char *p = str_member(s, "parent_span_id");
		bool inside = false;

		for (size_t k = 0; p != NULL && k < json_object_array_length(spans); k++) {
			const char *id = str_member(json_object_array_get_idx(spans, k), "span_id");

			inside |= id != NULL && strcmp(id, p) == 0;
		}
		if (!inside)
			root = s, caller = p;
	}
	if (root == NULL)
		return;
	a = attributes(root);
	printf("trace %s  %s  %s  (%" PRId64 " us)%s\n", str_member(r, "trace_id") ?: "?",
	       str_member(root, "name") ?: "?",
	       a && str_member(a, "maestro.decision") ? str_member(a, "maestro.decision") : "?",
	       span_usec(root),
	       str_member(root, "status") && strcmp(str_member(root, "status"), "error") == 0
		       ? "  error"
		       : "");
	if (a != NULL)
		printf("agent %s, risk %s, rule %s, correlation id %s\n",
		       str_member(a, "maestro.agent_id") ?: "?",
		       str_member(a, "maestro.risk_level") ?: "?",
		       str_member(a, "maestro.rule") ?: "-",
		       str_member(a, "maestro.correlation_id") ?: "?");
	if (caller != NULL)
		printf("child of the caller's span %s\n", caller);
	if (str_member(root, "span_id") != NULL)
		print_children(spans, str_member(root, "span_id"), "", 0);
}

static int
cmd_trace(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *params, *r = NULL;
	const char *cid = NULL;
	int ec;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctl->json = true;
		else if (cid == NULL && argv[i][0] != '-')
			cid = argv[i];
		else {
			fprintf(stderr, "maestroctl trace: unexpected argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (cid == NULL) {
		fprintf(stderr, "usage: maestroctl trace CORRELATION_ID [--json]\n");
		return EXIT_USAGE;
	}
	params = json_object_new_object();
	json_object_object_add(params, "correlation_id", json_object_new_string(cid));
	ec = ctl_call(ctl, "trace.get", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json)
		ctl_print_json(r);
	else
		print_trace(r);
	json_object_put(r);
	return EXIT_OK;
}

const struct command trace_commands[] = {
	{ "trace", "CORRELATION_ID", "show a decision's trace: its spans and durations (administrators)",
	  cmd_trace },
	{ NULL, NULL, NULL, NULL },
};
