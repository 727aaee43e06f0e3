/* armor: replaces the secrets in a text with [REDACTED:<kind>] before maestrod stores or returns it. */
#include <stdlib.h>
#include <string.h>

#include "armor-internal.h"

/*
 * The spans come from the same detectors as armor_screen(), run in
 * secrets-only mode, so whatever the screen calls a secret is what goes.
 * A secret found under an encoding takes its whole encoded run with it.
 * Replacing can in principle make new text a detector likes (two halves
 * meeting), so the result is screened again, a few rounds at most, and
 * whatever still remains is overwritten with '*'.
 */

#define MARKED_ROUNDS 4
#define STAR_ROUNDS 64
#define LOCAL_SPANS 64

static int
cmp_spans(const void *a, const void *b)
{
	const struct armor_span *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (x->length < y->length) - (x->length > y->length);
}

/*
 * Finds the secret spans of text, sorted and merged where they overlap.
 * Uses the caller's array of *size spans, growing it on the heap when
 * heap is set (*spans then belongs to the caller to free). Returns the
 * number of spans, with *overflow set when some did not fit.
 */
static size_t
find_spans(const char *text, size_t len, struct armor_span **spans, size_t *size, bool heap,
	   bool *overflow)
{
	struct armor_sink sink = {
		.collect_spans = true,
		.spans = *spans,
		.spans_size = *size,
		.spans_on_heap = heap,
		.decode_budget = ARMOR_DECODE_BUDGET,
	};
	struct armor_scan scan = {
		.text = text,
		.len = len,
		.source = ARMOR_SOURCE_FILE_CONTENT,
		.secrets_only = true,
		.sink = &sink,
	};
	size_t n = 0;

	armor_scan_text(&scan);
	*spans = sink.spans;
	*size = sink.spans_size;
	*overflow = sink.spans_overflow;
	if (sink.n_spans == 0)
		return 0;
	qsort(sink.spans, sink.n_spans, sizeof *sink.spans, cmp_spans);
	for (size_t i = 1; i < sink.n_spans; i++) {
		struct armor_span *last = &sink.spans[n], *cur = &sink.spans[i];

		if (cur->offset <= last->offset + last->length) {
			if (cur->offset + cur->length > last->offset + last->length)
				last->length = cur->offset + cur->length - last->offset;
		} else {
			sink.spans[++n] = *cur;
		}
	}
	return n + 1;
}

static void
star(char *text, const struct armor_span *spans, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memset(text + spans[i].offset, '*', spans[i].length);
}

/* Overwrites secrets with '*' in place, without allocating; the length stays. */
static void
star_all(char *text, size_t len)
{
	struct armor_span local[LOCAL_SPANS], *spans = local;
	size_t size = LOCAL_SPANS;

	for (unsigned round = 0; round < STAR_ROUNDS; round++) {
		bool overflow;
		size_t n = find_spans(text, len, &spans, &size, false, &overflow);

		if (n == 0)
			return;
		star(text, spans, n);
	}
}

static char *
mark_up(const char *text, size_t len, const struct armor_span *spans, size_t n, size_t *out_len)
{
	size_t total = len, w = 0, r = 0;
	char *out;

	for (size_t i = 0; i < n; i++)
		total += strlen("[REDACTED:]") + strlen(spans[i].kind) - spans[i].length;
	out = malloc(total + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(spans[i].kind);

		memcpy(out + w, text + r, spans[i].offset - r);
		w += spans[i].offset - r;
		memcpy(out + w, "[REDACTED:", 10);
		memcpy(out + w + 10, spans[i].kind, k);
		out[w + 10 + k] = ']';
		w += 11 + k;
		r = spans[i].offset + spans[i].length;
	}
	memcpy(out + w, text + r, len - r);
	w += len - r;
	out[w] = '\0';
	*out_len = w;
	return out;
}

char *
armor_redact_dup(const char *text, size_t len, size_t *out_len)
{
	struct armor_span *spans = NULL;
	size_t size = 0, cur_len = len;
	char *cur = malloc(len + 1);

	if (cur == NULL)
		return NULL;
	memcpy(cur, text, len);
	cur[len] = '\0';
	for (unsigned round = 0; round < MARKED_ROUNDS; round++) {
		bool overflow;
		size_t n = find_spans(cur, cur_len, &spans, &size, true, &overflow);
		char *next;

		if (overflow) {
			free(spans);
			free(cur);
			return NULL;
		}
		if (n == 0)
			break;
		next = mark_up(cur, cur_len, spans, n, &cur_len);
		free(cur);
		if (next == NULL) {
			free(spans);
			return NULL;
		}
		cur = next;
	}
	free(spans);
	star_all(cur, cur_len);
	*out_len = cur_len;
	return cur;
}

size_t
armor_redact(char *text, size_t len, size_t size)
{
	size_t n;
	char *marked = armor_redact_dup(text, len, &n);

	if (marked && n <= size) {
		memcpy(text, marked, n);
		free(marked);
		return n;
	}
	free(marked);
	star_all(text, len);
	return len;
}
