/* maestro's hooks in Codex's config.toml: one clearly marked block, appended and removed whole. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook.h"

/*
 * No TOML library: maestro never edits the user's own tables. It appends
 * a block of [[hooks.EVENT]] array tables between two comment lines, and
 * uninstall removes exactly those lines. TOML lets array tables of
 * hooks.EVENT be added anywhere after [hooks], so the block is valid after
 * any file, except one that defines the same keys another way (an inline
 * "PreToolUse = [...]", "hooks = {...}", or a plain [hooks.PreToolUse]
 * table): those are refused, for the user to merge by hand.
 */
#define BEGIN_MARK "# >>> maestro hooks"
#define END_MARK "# <<< maestro hooks <<<"

static const char *const toml_events[] = { "PreToolUse", "PostToolUse", "UserPromptSubmit" };

/* A TOML basic string: quotes and backslashes escaped, control characters as \uXXXX. */
static void
toml_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

char *
hook_toml_block(const char *command)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	fprintf(f, "%s: added by 'maestroctl hook install codex'; "
		   "'maestroctl hook uninstall codex' removes it >>>\n", BEGIN_MARK);
	for (size_t i = 0; i < sizeof toml_events / sizeof toml_events[0]; i++) {
		fprintf(f, "%s[[hooks.%s]]\n[[hooks.%s.hooks]]\ntype = \"command\"\ncommand = ",
			i ? "\n" : "", toml_events[i], toml_events[i]);
		toml_string(f, command);
		fprintf(f, "\ntimeout = 30\n");
	}
	fprintf(f, "%s\n", END_MARK);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Where the line starting at line begins its key or table header, past blanks. */
static const char *
skip_blank(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

/* Whether a line defines one of our keys in a way that array tables would clash with. */
static bool
clashes(const char *line, const char **what)
{
	const char *p = skip_blank(line);

	if (strncmp(p, "hooks", 5) == 0 && (p[5] == '=' || p[5] == ' ' || p[5] == '\t') &&
	    *skip_blank(p + 5) == '=') {
		*what = "hooks = ...";
		return true;
	}
	for (size_t i = 0; i < sizeof toml_events / sizeof toml_events[0]; i++) {
		const char *e = toml_events[i], *q;
		size_t n = strlen(e);

		/* [hooks.EVENT] (one bracket) or a dotted or plain EVENT = key. */
		if (p[0] == '[' && p[1] != '[' && (q = strstr(p, e)) != NULL && strchr(p, ']') > q) {
			*what = e;
			return true;
		}
		q = strncmp(p, "hooks.", 6) == 0 ? p + 6 : p;
		if (strncmp(q, e, n) == 0 && *skip_blank(q + n) == '=') {
			*what = e;
			return true;
		}
	}
	return false;
}

char *
hook_toml_add(const char *text, const char *block, int *r, char *why, size_t size)
{
	size_t len = strlen(text);
	const char *line, *what = NULL;
	char *out;

	if (strstr(text, BEGIN_MARK) != NULL) {
		*r = -EEXIST;
		return NULL;
	}
	for (line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line))
		if (clashes(line, &what)) {
			snprintf(why, size, "the file already defines %s in a way maestro's "
					    "[[hooks.%s]] tables would clash with; add maestro's hooks "
					    "by hand (see maestroctl(1))",
				 what, strcmp(what, "hooks = ...") == 0 ? "EVENT" : what);
			*r = -EINVAL;
			return NULL;
		}
	/* A blank line before the block; a newline first if the file lacked its last. */
	if (asprintf(&out, "%s%s%s%s", text, len > 0 && text[len - 1] != '\n' ? "\n" : "",
		     len > 0 ? "\n" : "", block) < 0) {
		*r = -ENOMEM;
		return NULL;
	}
	*r = 0;
	return out;
}

char *
hook_toml_remove(const char *text, int *r)
{
	const char *begin = strstr(text, BEGIN_MARK), *end;
	size_t head;
	char *out;

	/* The marker counts only at the start of a line. */
	while (begin != NULL && begin != text && begin[-1] != '\n')
		begin = strstr(begin + 1, BEGIN_MARK);
	if (begin == NULL) {
		*r = -ENOENT;
		return NULL;
	}
	end = strstr(begin, END_MARK);
	end = end ? end + strlen(END_MARK) : begin + strlen(begin);
	if (*end == '\n')
		end++;
	head = (size_t)(begin - text);
	/* The blank line add put before the block. */
	if (head >= 2 && text[head - 1] == '\n' && text[head - 2] == '\n')
		head--;
	if (asprintf(&out, "%.*s%s", (int)head, text, end) < 0) {
		*r = -ENOMEM;
		return NULL;
	}
	*r = 0;
	return out;
}
