/* Policy globs: fnmatch(3) syntax plus "**", compiled once, matched in bounded time. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"
#include "util.h"

/* States are "how many tokens matched so far": 0 .. POLICY_GLOB_MAX. */
#define STATE_WORDS ((POLICY_GLOB_MAX + 1 + 63) / 64)

static uint8_t
fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static void
set_bit(uint8_t set[32], uint8_t c)
{
	set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool
has_bit(const uint8_t set[32], uint8_t c)
{
	return set[c >> 3] & (1u << (c & 7));
}

/*
 * One [...] at *pp (just past the '['), into set. POSIX bracket syntax:
 * '!' or '^' negates, a leading ']' is literal, a-z is a range, '\'
 * quotes the next byte as fnmatch does. Named classes ([:alpha:]) and
 * collating elements are refused rather than half supported.
 */
static int
parse_class(const char **pp, unsigned flags, uint8_t set[32], const char **why)
{
	const char *p = *pp;
	bool negate = false, first = true;

	memset(set, 0, 32);
	if (*p == '!' || *p == '^') {
		negate = true;
		p++;
	}
	for (;; first = false) {
		uint8_t lo, hi;

		if (*p == '\0') {
			*why = "unterminated '['";
			return -EINVAL;
		}
		if (*p == ']' && !first)
			break;
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			*why = "'[:', '[.' and '[=' inside brackets are not supported";
			return -EINVAL;
		}
		if (*p == '\\') {
			if (p[1] == '\0') {
				*why = "unterminated '['";
				return -EINVAL;
			}
			p++;
		}
		lo = hi = (uint8_t)*p++;
		if (*p == '-' && p[1] != ']' && p[1] != '\0') {
			p++;
			if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
				*why = "'[:', '[.' and '[=' inside brackets are not supported";
				return -EINVAL;
			}
			if (*p == '\\') {
				if (p[1] == '\0') {
					*why = "unterminated '['";
					return -EINVAL;
				}
				p++;
			}
			hi = (uint8_t)*p++;
			if (hi < lo) {
				*why = "a range in brackets runs backwards";
				return -EINVAL;
			}
			/* "a-c-e" reads differently in different matchers; say which is meant. */
			if (*p == '-' && p[1] != ']') {
				*why = "a '-' right after a range is ambiguous: put it first or last";
				return -EINVAL;
			}
		}
		for (unsigned c = lo; c <= hi; c++) {
			set_bit(set, (uint8_t)c);
			if (flags & GLOB_FOLD)
				set_bit(set, fold((uint8_t)c));
		}
	}
	if (negate)
		for (unsigned i = 0; i < 32; i++)
			set[i] = (uint8_t)~set[i];
	/* fnmatch(FNM_PATHNAME): a bracket expression never matches a slash. */
	if (flags & GLOB_PATH)
		set['/' >> 3] &= (uint8_t) ~(1u << ('/' & 7));
	*pp = p + 1;
	return 0;
}

static bool
is_slash(const struct glob_token *t)
{
	return t->op == GLOB_OP_BYTE && t->byte == '/';
}

void
glob_clear(struct glob *g)
{
	free(g->source);
	free(g->tokens);
	free(g->stars);
	free(g->classes);
	memset(g, 0, sizeof *g);
}

static int
glob_fail(struct glob *g, const char **why, const char *message)
{
	*why = message;
	glob_clear(g);
	return -EINVAL;
}

int
glob_compile(struct glob *g, const char *source, unsigned flags, const char **why)
{
	size_t len = strlen(source);
	const char *p = source;

	memset(g, 0, sizeof *g);
	if (len == 0)
		return glob_fail(g, why, "empty glob");
	if (len > POLICY_GLOB_MAX)
		return glob_fail(g, why, "glob longer than 1024 bytes");
	g->flags = flags;
	g->source = strdup(source);
	/* Never more tokens or classes than bytes. */
	g->tokens = calloc(len, sizeof *g->tokens);
	if (g->source == NULL || g->tokens == NULL) {
		glob_clear(g);
		return -ENOMEM;
	}
	g->has_slash = strchr(source, '/') != NULL;

	if (flags & GLOB_ANCHORED) {
		if (p[0] == '~') {
			if (p[1] != '\0' && p[1] != '/')
				return glob_fail(g, why, "only '~' alone or '~/' is supported, not '~user'");
			g->anchor = GLOB_ANCHOR_HOME;
			p++;
		} else if (p[0] == '$') {
			if (strncmp(p, "$WORKSPACE", 10) != 0 || (p[10] != '\0' && p[10] != '/'))
				return glob_fail(g, why, "the only variable is $WORKSPACE, alone or before '/'");
			g->anchor = GLOB_ANCHOR_WORKSPACE;
			p += 10;
		} else if (p[0] != '/' && p[0] != '*') {
			return glob_fail(g, why, "a path glob starts with '/', '~', '$WORKSPACE' or '*'");
		}
	}

	while (*p != '\0') {
		struct glob_token *t = &g->tokens[g->n_tokens];

		switch (*p) {
		case '*':
			if (p[1] == '*' && p[2] == '*')
				return glob_fail(g, why, "'***' is not a glob: use '**'");
			if (p[1] == '*') {
				p += 2;
				t->op = (flags & GLOB_PATH) ? GLOB_OP_STAR_STAR : GLOB_OP_STAR;
			} else {
				p++;
				t->op = GLOB_OP_STAR;
			}
			/* Adjacent stars add states and match nothing more: keep the wider one. */
			if (g->n_tokens > 0 && (t[-1].op == GLOB_OP_STAR || t[-1].op == GLOB_OP_STAR_STAR)) {
				if (t->op == GLOB_OP_STAR_STAR)
					t[-1].op = GLOB_OP_STAR_STAR;
				continue;
			}
			break;
		case '?':
			t->op = GLOB_OP_ANY;
			p++;
			break;
		case '[': {
			uint8_t set[32], (*classes)[32];
			int r;

			p++;
			r = parse_class(&p, flags, set, why);
			if (r < 0) {
				glob_clear(g);
				return r;
			}
			classes = realloc(g->classes, (g->n_classes + 1) * sizeof *classes);
			if (classes == NULL) {
				glob_clear(g);
				return -ENOMEM;
			}
			g->classes = classes;
			memcpy(g->classes[g->n_classes], set, 32);
			t->op = GLOB_OP_CLASS;
			t->class_index = (uint16_t)g->n_classes++;
			break;
		}
		case '\\':
			if (p[1] == '\0')
				return glob_fail(g, why, "a glob cannot end in '\\'");
			t->op = GLOB_OP_BYTE;
			t->byte = (uint8_t)p[1];
			p += 2;
			break;
		default:
			t->op = GLOB_OP_BYTE;
			t->byte = (uint8_t)*p++;
			break;
		}
		if (t->op == GLOB_OP_BYTE && (flags & GLOB_FOLD))
			t->byte = fold(t->byte);
		g->n_tokens++;
	}
	/*
	 * A "**" between two slashes may stand for no directory at all, as in
	 * git and bash: the first slash may then also take the "**" and the
	 * second slash with it, so that the glob for /a, any depth, /b names /a/b.
	 */
	for (size_t i = 1; i + 1 < g->n_tokens; i++)
		if (g->tokens[i].op == GLOB_OP_STAR_STAR && is_slash(&g->tokens[i - 1]) &&
		    is_slash(&g->tokens[i + 1]))
			g->tokens[i - 1].skip_dir = 1;
	g->stars = calloc(g->n_tokens + 1, sizeof *g->stars);
	if (g->stars == NULL) {
		glob_clear(g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < g->n_tokens; i++)
		if (g->tokens[i].op == GLOB_OP_STAR || g->tokens[i].op == GLOB_OP_STAR_STAR)
			g->stars[g->n_stars++] = (uint16_t)i;
	g->trailing_dir = g->n_tokens >= 2 && g->tokens[g->n_tokens - 1].op == GLOB_OP_STAR_STAR &&
			  g->tokens[g->n_tokens - 2].op == GLOB_OP_BYTE &&
			  g->tokens[g->n_tokens - 2].byte == '/';
	return 0;
}

static bool
state_has(const uint64_t *s, size_t i)
{
	return s[i / 64] & (1ull << (i % 64));
}

static void
state_add(uint64_t *s, size_t i)
{
	s[i / 64] |= 1ull << (i % 64);
}

/*
 * A star may match nothing: wherever a star's state is live, so is the
 * next. In order, so that a run of stars is closed in one pass.
 */
static void
close_stars(const struct glob *g, uint64_t *s)
{
	for (size_t k = 0; k < g->n_stars; k++)
		if (state_has(s, g->stars[k]))
			state_add(s, (size_t)g->stars[k] + 1);
}

/* Runs the token states over text; the whole text must be consumed. */
static bool
match_tokens(const struct glob *g, const char *text)
{
	uint64_t cur[STATE_WORDS] = { 0 }, next[STATE_WORDS];
	size_t words = (g->n_tokens + 1 + 63) / 64;
	bool path = g->flags & GLOB_PATH;

	state_add(cur, 0);
	close_stars(g, cur);
	for (const char *p = text; *p != '\0'; p++) {
		uint8_t c = (uint8_t)*p;
		bool live = false;

		if (g->flags & GLOB_FOLD)
			c = fold(c);
		memset(next, 0, words * sizeof next[0]);
		for (size_t w = 0; w < words; w++) {
			uint64_t bits = cur[w];

			while (bits != 0) {
				size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
				const struct glob_token *t;

				bits &= bits - 1;
				if (i == g->n_tokens)
					continue; /* all tokens matched, text left over */
				t = &g->tokens[i];
				switch (t->op) {
				case GLOB_OP_BYTE:
					if (c != t->byte)
						break;
					state_add(next, i + 1);
					/* This slash may also take the "**" and the slash after it. */
					if (t->skip_dir)
						state_add(next, i + 3);
					break;
				case GLOB_OP_ANY:
					if (!(path && c == '/'))
						state_add(next, i + 1);
					break;
				case GLOB_OP_CLASS:
					if (has_bit(g->classes[t->class_index], c))
						state_add(next, i + 1);
					break;
				case GLOB_OP_STAR:
					if (!(path && c == '/'))
						state_add(next, i);
					break;
				case GLOB_OP_STAR_STAR:
					state_add(next, i);
					break;
				}
			}
		}
		close_stars(g, next);
		for (size_t w = 0; w < words; w++) {
			cur[w] = next[w];
			live |= next[w] != 0;
		}
		if (!live)
			return false;
	}
	if (state_has(cur, g->n_tokens))
		return true;
	/* A glob ending in slash and "**" also names the directory itself. */
	return g->trailing_dir && state_has(cur, g->n_tokens - 2);
}

/* The part of path below dir, or NULL when path is not dir or inside it. */
static const char *
below(const char *path, const char *dir)
{
	size_t n;

	if (dir == NULL || dir[0] != '/')
		return NULL;
	n = strlen(dir);
	/* "/srv/ws/" and "/srv/ws" are the same directory; "/" is the empty prefix. */
	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return NULL;
	return path + n;
}

bool
glob_match(const struct glob *g, const char *text, const char *home, const char *workspace)
{
	const char *rest = text;

	if (text == NULL)
		return false;
	if (g->anchor == GLOB_ANCHOR_HOME)
		rest = below(text, home);
	else if (g->anchor == GLOB_ANCHOR_WORKSPACE)
		rest = below(text, workspace);
	if (rest == NULL)
		return false;
	return match_tokens(g, rest);
}
