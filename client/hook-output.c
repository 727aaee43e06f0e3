/* What a tool printed, from a post-tool hook payload, for maestrod to screen. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hook.h"
#include "utf8.h"

/* governance.report's output is bounded like maestroctl report's (1 MiB). */
#define OUTPUT_MAX (1024 * 1024)

/* The members that hold text the model reads, across the agents' tool responses. */
static const char *const text_members[] = {
	"stdout", "stderr", "output", "content", "llmContent", "result", "text", "returnDisplay",
	"error", NULL,
};

struct buf {
	char *s;
	size_t len;
	bool full;
};

static int
append(struct buf *b, const char *s, size_t n)
{
	char *p;

	if (b->len + n + 1 > OUTPUT_MAX) {
		/* The rest is cut: a report carries at most this much anyway. */
		n = OUTPUT_MAX - b->len - 1;
		b->full = true;
	}
	if ((p = realloc(b->s, b->len + n + 2)) == NULL)
		return -ENOMEM;
	b->s = p;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Every text member, depth first, so MCP's [{"type":"text","text":...}] is read too. */
static int
collect(struct buf *b, struct json_object *o, int depth)
{
	int r = 0;

	if (o == NULL || depth > 6 || b->full)
		return 0;
	if (json_object_is_type(o, json_type_string)) {
		if (b->len > 0 && (r = append(b, "\n", 1)) < 0)
			return r;
		return append(b, json_object_get_string(o), (size_t)json_object_get_string_len(o));
	}
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o) && r == 0; i++)
			r = collect(b, json_object_array_get_idx(o, i), depth + 1);
		return r;
	}
	if (json_object_is_type(o, json_type_object))
		for (const char *const *k = text_members; *k && r == 0; k++) {
			struct json_object *v;

			if (json_object_object_get_ex(o, *k, &v))
				r = collect(b, v, depth + 1);
		}
	return r;
}

/* Whether the response says the tool failed: an error, is_error, a non-zero exit. */
static bool
failed(struct json_object *resp)
{
	static const char *const codes[] = { "exit_code", "exitCode", "returnCode", NULL };
	struct json_object *v;

	if (!json_object_is_type(resp, json_type_object))
		return false;
	/* "error": a message, an object, or true; null, "" and false are no error. */
	if (json_object_object_get_ex(resp, "error", &v) && v != NULL &&
	    !(json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0) &&
	    (!json_object_is_type(v, json_type_boolean) || json_object_get_boolean(v)))
		return true;
	if ((json_object_object_get_ex(resp, "is_error", &v) ||
	     json_object_object_get_ex(resp, "interrupted", &v)) &&
	    json_object_get_boolean(v))
		return true;
	if (json_object_object_get_ex(resp, "success", &v) &&
	    json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v))
		return true;
	for (const char *const *k = codes; *k; k++)
		if (json_object_object_get_ex(resp, *k, &v) && json_object_is_type(v, json_type_int) &&
		    json_object_get_int64(v) != 0)
			return true;
	return false;
}

int
hook_map_output(struct hook_call *call, struct json_object *payload)
{
	struct json_object *resp = NULL;
	struct buf b = { 0 };
	int r;

	if (!json_object_object_get_ex(payload, "tool_response", &resp))
		json_object_object_get_ex(payload, "tool_output", &resp);
	call->failed = failed(resp);
	r = collect(&b, resp, 0);
	/* A response without the usual members: all of it, as JSON, is still screened. */
	if (r == 0 && b.len == 0 && resp != NULL && !json_object_is_type(resp, json_type_null)) {
		const char *all = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN |
									JSON_C_TO_STRING_NOSLASHESCAPE);

		r = append(&b, all, strlen(all));
	}
	if (r < 0) {
		free(b.s);
		return r;
	}
	if (b.s == NULL && (b.s = strdup("")) == NULL)
		return -ENOMEM;
	/* NULs and broken UTF-8 cannot cross the protocol. */
	for (size_t i = 0; i < b.len; i++)
		if (b.s[i] == '\0')
			b.s[i] = '?';
	utf8_sanitize(b.s);
	call->output = b.s;
	return 0;
}
