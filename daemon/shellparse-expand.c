/* Shell words: brace expansion, field splitting and glob detection. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

/* A piece of a word during expansion: text and marks. */
struct piece {
	char *text;
	unsigned char *mark;
	size_t len;
};

static bool
is_glob(const struct piece *pc)
{
	for (size_t i = 0; i < pc->len; i++) {
		if (pc->mark[i] & (SP_QUOTED | SP_OPAQUE))
			continue;
		if (pc->text[i] == '*' || pc->text[i] == '?')
			return true;
		if (strchr("@+!", pc->text[i]) && i + 1 < pc->len && pc->text[i + 1] == '(' &&
		    pc->text[i] != '\0')
			return true;
		if (pc->text[i] == '[')
			for (size_t j = i + 1; j < pc->len; j++)
				if (pc->text[j] == ']' && !(pc->mark[j] & (SP_QUOTED | SP_OPAQUE)))
					return true;
	}
	return false;
}

static int
emit(struct sp_parser *p, struct sp_words *out, const struct piece *pc, unsigned flags, size_t src)
{
	char *s;

	if (out->n >= SHELL_MAX_WORDS) {
		sp_incomplete(p, "too many words in one command");
		return 0;
	}
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 8;
		char **v = realloc(out->v, cap * sizeof *v);
		unsigned *f;
		size_t *sr;

		if (v == NULL)
			return sp_oom(p);
		out->v = v;
		f = realloc(out->flags, cap * sizeof *f);
		if (f == NULL)
			return sp_oom(p);
		out->flags = f;
		sr = realloc(out->src, cap * sizeof *sr);
		if (sr == NULL)
			return sp_oom(p);
		out->src = sr;
		out->cap = cap;
	}
	s = strndup(pc->text, pc->len);
	if (s == NULL)
		return sp_oom(p);
	p->ctx->bytes += pc->len;
	out->v[out->n] = s;
	out->flags[out->n] = (flags & ~(unsigned)SHELL_WORD_GLOB) | (is_glob(pc) ? SHELL_WORD_GLOB : 0);
	out->src[out->n++] = src;
	return 0;
}

/* Field splitting: blanks that came from an unquoted expansion separate words. */
static int
split(struct sp_parser *p, struct sp_words *out, const struct piece *pc, unsigned flags,
      size_t src, bool quoted_empty)
{
	size_t i = 0;
	int r = 0;

	if (pc->len == 0)
		return quoted_empty ? emit(p, out, pc, flags, src) : 0;
	while (r == 0 && i < pc->len) {
		size_t j = i;
		struct piece field;

		while (j < pc->len && !((pc->mark[j] & SP_EXPANDED) && strchr(" \t\n", pc->text[j])))
			j++;
		field = (struct piece){ pc->text + i, pc->mark + i, j - i };
		if (field.len > 0)
			r = emit(p, out, &field, flags, src);
		i = j + 1;
	}
	return r;
}

/* A literal (unquoted, unexpanded) byte: brace expansion sees only these. */
static bool
literal(const struct piece *pc, size_t i, char c)
{
	return pc->text[i] == c && pc->mark[i] == 0;
}

static size_t
brace_close(const struct piece *pc, size_t open, bool *has_comma)
{
	unsigned depth = 0;

	*has_comma = false;
	for (size_t i = open; i < pc->len; i++) {
		if (literal(pc, i, '{')) {
			depth++;
		} else if (literal(pc, i, '}')) {
			if (--depth == 0)
				return i;
		} else if (depth == 1 && literal(pc, i, ',')) {
			*has_comma = true;
		}
	}
	return SP_NOT_FOUND;
}

/* {1..5} or {a..e}: the bounds, or false for anything else. */
static bool
brace_range(const struct piece *pc, size_t open, size_t close, long *from, long *to, bool *alpha)
{
	char buf[24], *dots, *end;
	size_t n = close - open - 1;

	/* Short bounds only, so that the count below cannot overflow. */
	if (n < 4 || n >= sizeof buf)
		return false;
	memcpy(buf, pc->text + open + 1, n);
	buf[n] = '\0';
	dots = strstr(buf, "..");
	if (dots == NULL)
		return false;
	*dots = '\0';
	if (strlen(buf) == 1 && strlen(dots + 2) == 1 && sp_is_name_start(buf[0]) &&
	    sp_is_name_start(dots[2])) {
		*alpha = true;
		*from = buf[0];
		*to = dots[2];
		return true;
	}
	*alpha = false;
	if (strlen(buf) > 9 || strlen(dots + 2) > 9)
		return false;
	*from = strtol(buf, &end, 10);
	if (buf[0] == '\0' || *end != '\0')
		return false;
	*to = strtol(dots + 2, &end, 10);
	return dots[2] != '\0' && *end == '\0';
}

static int brace_expand(struct sp_parser *p, struct sp_words *out, const struct piece *pc,
			unsigned flags, size_t src, unsigned depth, size_t *budget);

/* prefix + alternative + suffix, expanded further. */
static int
brace_variant(struct sp_parser *p, struct sp_words *out, const struct piece *pc, size_t open,
	      size_t close, const char *alt, const unsigned char *alt_mark, size_t alt_len,
	      unsigned flags, size_t src, unsigned depth, size_t *budget)
{
	size_t len = open + alt_len + (pc->len - close - 1);
	struct piece v = { malloc(len + 1), malloc(len + 1), len };
	int r;

	if (v.text == NULL || v.mark == NULL) {
		free(v.text);
		free(v.mark);
		return sp_oom(p);
	}
	memcpy(v.text, pc->text, open);
	memcpy(v.mark, pc->mark, open);
	memcpy(v.text + open, alt, alt_len);
	memcpy(v.mark + open, alt_mark, alt_len);
	memcpy(v.text + open + alt_len, pc->text + close + 1, pc->len - close - 1);
	memcpy(v.mark + open + alt_len, pc->mark + close + 1, pc->len - close - 1);
	r = brace_expand(p, out, &v, flags, src, depth + 1, budget);
	free(v.text);
	free(v.mark);
	return r;
}

/*
 * Brace expansion, bounded: rm -rf /{etc,usr} names /etc and /usr. A
 * word that would make more than SP_MAX_BRACE words is left as written.
 */
static int
brace_expand(struct sp_parser *p, struct sp_words *out, const struct piece *pc, unsigned flags,
	     size_t src, unsigned depth, size_t *budget)
{
	static const unsigned char plain[8] = { 0 };

	for (size_t open = 0; depth < 8 && open < pc->len; open++) {
		bool comma, alpha;
		long from, to;
		size_t close;

		if (!literal(pc, open, '{') || (open > 0 && literal(pc, open - 1, '$')))
			continue;
		close = brace_close(pc, open, &comma);
		if (close == SP_NOT_FOUND)
			break;
		if (comma) {
			size_t start = open + 1;
			unsigned level = 0;
			int r = 0;

			for (size_t i = open + 1; r == 0 && i <= close; i++) {
				if (literal(pc, i, '{')) {
					level++;
				} else if (literal(pc, i, '}') && level > 0 && i != close) {
					level--;
				} else if (level == 0 && (i == close || literal(pc, i, ','))) {
					if (*budget == 0)
						return 1;
					(*budget)--;
					r = brace_variant(p, out, pc, open, close, pc->text + start,
							  pc->mark + start, i - start, flags, src, depth,
							  budget);
					start = i + 1;
				}
			}
			return r;
		}
		if (brace_range(pc, open, close, &from, &to, &alpha)) {
			long step = from <= to ? 1 : -1;
			int r = 0;

			if ((to - from) * step >= (long)*budget)
				return 1;
			for (long v = from; r == 0; v += step) {
				char buf[24];

				if (alpha)
					buf[0] = (char)v, buf[1] = '\0';
				else
					snprintf(buf, sizeof buf, "%ld", v);
				(*budget)--;
				r = brace_variant(p, out, pc, open, close, buf, plain, strlen(buf), flags,
						  src, depth, budget);
				if (v == to)
					break;
			}
			return r;
		}
	}
	return split(p, out, pc, flags, src, false);
}

/*
 * The words a lexed word becomes: brace expansion, then field splitting of
 * unquoted expansions. Globs are flagged, not expanded: nothing is read
 * from the disk.
 */
int
sp_expand(struct sp_parser *p, const struct sp_word *w, size_t src, struct sp_words *out)
{
	struct piece pc = { w->text, w->mark, w->len };
	size_t budget = SP_MAX_BRACE, before = out->n;
	int r;

	if (w->len == 0)
		return split(p, out, &pc, w->flags, src, (w->flags & SHELL_WORD_QUOTED) != 0);
	r = brace_expand(p, out, &pc, w->flags, src, 0, &budget);
	if (r > 0) {
		/* Too many: drop what was made and keep the word as written. */
		while (out->n > before)
			free(out->v[--out->n]);
		r = split(p, out, &pc, w->flags, src, false);
	}
	return r;
}
