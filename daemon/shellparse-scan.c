/* Shell parser: finding where a nested construct ends, quotes and substitutions skipped. */
#define _GNU_SOURCE
#include <string.h>

#include "shellparse-internal.h"

/* Skips 'text'; returns the index after the closing quote, or SP_NOT_FOUND. */
size_t
sp_skip_squote(const char *s, size_t len, size_t pos)
{
	const char *q = memchr(s + pos, '\'', len - pos);

	return q ? (size_t)(q - s) + 1 : SP_NOT_FOUND;
}

/* Skips $'text' from after the opening quote: backslash escapes a quote there. */
static size_t
skip_ansi(const char *s, size_t len, size_t pos)
{
	while (pos < len) {
		if (s[pos] == '\\')
			pos += 2;
		else if (s[pos] == '\'')
			return pos + 1;
		else
			pos++;
	}
	return SP_NOT_FOUND;
}

size_t
sp_skip_backtick(const char *s, size_t len, size_t pos)
{
	while (pos < len) {
		if (s[pos] == '\\')
			pos += 2;
		else if (s[pos] == '`')
			return pos + 1;
		else
			pos++;
	}
	return SP_NOT_FOUND;
}

/* After a '$' at pos: skips $(...), ${...} or $'...'; pos itself when none. */
static size_t
skip_dollar(const char *s, size_t len, size_t pos, unsigned nest)
{
	size_t close;

	if (pos + 1 >= len)
		return pos + 1;
	switch (s[pos + 1]) {
	case '(':
		close = sp_scan_close(s, len, pos + 2, '(', ')', nest + 1);
		return close == SP_NOT_FOUND ? SP_NOT_FOUND : close + 1;
	case '{':
		close = sp_scan_close(s, len, pos + 2, '{', '}', nest + 1);
		return close == SP_NOT_FOUND ? SP_NOT_FOUND : close + 1;
	default:
		return pos + 1;
	}
}

static size_t
skip_dquote(const char *s, size_t len, size_t pos, unsigned nest)
{
	if (nest > SP_MAX_NESTING)
		return SP_NOT_FOUND;
	while (pos < len) {
		switch (s[pos]) {
		case '\\':
			pos += 2;
			break;
		case '"':
			return pos + 1;
		case '`':
			pos = sp_skip_backtick(s, len, pos + 1);
			break;
		case '$':
			pos = skip_dollar(s, len, pos, nest);
			break;
		default:
			pos++;
		}
		if (pos == SP_NOT_FOUND)
			return SP_NOT_FOUND;
	}
	return SP_NOT_FOUND;
}

/*
 * The index of the close that matches an open just before pos, skipping
 * quotes, substitutions and comments as the shell would; SP_NOT_FOUND when
 * the text ends first or nests past SP_MAX_NESTING. A case pattern's
 * lone ')' inside $(...) is miscounted, as it was by old shells too.
 */
size_t
sp_scan_close(const char *s, size_t len, size_t pos, char open, char close, unsigned nest)
{
	unsigned depth = 1;
	size_t start = pos;

	if (nest > SP_MAX_NESTING)
		return SP_NOT_FOUND;
	while (pos < len) {
		char c = s[pos];

		switch (c) {
		case '\\':
			pos += 2;
			continue;
		case '\'':
			pos = sp_skip_squote(s, len, pos + 1);
			break;
		case '"':
			pos = skip_dquote(s, len, pos + 1, nest + 1);
			break;
		case '`':
			pos = sp_skip_backtick(s, len, pos + 1);
			break;
		case '$':
			if (pos + 1 < len && s[pos + 1] == '\'')
				pos = skip_ansi(s, len, pos + 2);
			else
				pos = skip_dollar(s, len, pos, nest);
			break;
		case '#':
			/* A comment only where a word could start: "$#" and "a#b" are not. */
			if (open == '(' && (pos == start || strchr(" \t\n;&|(", s[pos - 1]))) {
				const char *nl = memchr(s + pos, '\n', len - pos);

				pos = nl ? (size_t)(nl - s) : len;
				break;
			}
			pos++;
			break;
		default:
			if (c == close && --depth == 0)
				return pos;
			if (c == open)
				depth++;
			pos++;
		}
		if (pos == SP_NOT_FOUND)
			return SP_NOT_FOUND;
	}
	return SP_NOT_FOUND;
}
