/* The files a Codex apply_patch patch touches, read from its headers. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "hook.h"

/* The headers that name a file, and whether the file goes away. */
static const struct {
	const char *prefix;
	bool deletes;
} headers[] = {
	{ "*** Add File: ", false },
	{ "*** Update File: ", false },
	{ "*** Delete File: ", true },
	{ "*** Move to: ", false },
};

static bool
array_has(struct json_object *paths, const char *s, size_t len)
{
	for (size_t i = 0; i < json_object_array_length(paths); i++) {
		struct json_object *p = json_object_array_get_idx(paths, i);

		if ((size_t)json_object_get_string_len(p) == len &&
		    memcmp(json_object_get_string(p), s, len) == 0)
			return true;
	}
	return false;
}

int
hook_patch_paths(const char *text, size_t len, struct json_object *paths, bool *deletes_only)
{
	const char *p = text, *end = text + len;
	bool begun = false, only = true;
	int n = 0;

	/*
	 * Line by line, headers at the start of a line only: a header quoted
	 * inside a hunk starts with ' ', '+' or '-' and names nothing. The
	 * patch may follow a shell prefix ("apply_patch <<'EOF'"), so the
	 * "*** Begin Patch" line is looked for, not required first.
	 */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *name;
		size_t k, name_len;

		if (!begun) {
			begun = (size_t)(eol - p) >= 15 && memcmp(p, "*** Begin Patch", 15) == 0;
			goto next;
		}
		if ((size_t)(eol - p) >= 13 && memcmp(p, "*** End Patch", 13) == 0)
			break;
		for (k = 0; k < sizeof headers / sizeof headers[0]; k++)
			if ((size_t)(eol - p) > strlen(headers[k].prefix) &&
			    memcmp(p, headers[k].prefix, strlen(headers[k].prefix)) == 0)
				break;
		if (k == sizeof headers / sizeof headers[0])
			goto next;
		name = p + strlen(headers[k].prefix);
		name_len = (size_t)(eol - name);
		/* CRLF patches, and trailing blanks that are no part of a name. */
		while (name_len > 0 && strchr(" \t\r", name[name_len - 1]))
			name_len--;
		/* A NUL would cut the name short in maestrod's eyes: refuse the patch. */
		if (name_len == 0 || memchr(name, '\0', name_len) != NULL)
			return -EINVAL;
		if (!headers[k].deletes)
			only = false;
		if (!array_has(paths, name, name_len)) {
			if (json_object_array_length(paths) >= HOOK_PATHS_MAX)
				return -E2BIG;
			if (json_object_array_add(paths, json_object_new_string_len(name, (int)name_len)) < 0)
				return -ENOMEM;
			n++;
		}
next:
		p = nl ? nl + 1 : end;
	}
	if (!begun)
		return -EINVAL;
	*deletes_only = only && n > 0;
	return n;
}
