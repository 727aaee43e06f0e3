/* Fuzz target: armor_screen() and armor_redact() on arbitrary bytes, with the invariants they promise. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armor.h"
#include "fuzz.h"

/*
 * The first byte picks the source, the rest is the text. Checked for
 * every input: findings lie inside the text, are sorted and well formed;
 * for UTF-8 input they start and end on character boundaries; redaction
 * leaves nothing the screen would still call a secret, keeps UTF-8 valid,
 * and the in-place form agrees with the copying one.
 */

static void
check_findings(const char *text, size_t len, const struct armor_result *r, bool utf8)
{
	fuzz_assert(r->n_findings <= ARMOR_MAX_FINDINGS);
	fuzz_assert(r->score <= 100);
	fuzz_assert(r->verdict == ARMOR_CLEAN || r->verdict == ARMOR_SUSPICIOUS ||
		    r->verdict == ARMOR_MALICIOUS);
	fuzz_assert(r->verdict == ARMOR_CLEAN || r->n_findings > 0);
	fuzz_assert(r->n_dropped == 0 || r->n_findings == ARMOR_MAX_FINDINGS);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct armor_finding *f = &r->findings[i];

		fuzz_assert(f->offset <= len && f->length <= len - f->offset);
		fuzz_assert(armor_category_name(f->category) != NULL);
		fuzz_assert(f->rule != NULL && f->rule[0] != '\0');
		fuzz_assert(f->message != NULL && f->message[0] != '\0');
		fuzz_assert(fuzz_utf8_valid(f->message, strlen(f->message)));
		fuzz_assert((f->category == ARMOR_SECRET) == (f->secret_kind != NULL));
		fuzz_assert(f->weight <= 100);
		fuzz_assert(f->depth <= ARMOR_MAX_DEPTH);
		fuzz_assert(i == 0 || r->findings[i - 1].offset <= f->offset);
		if (utf8 && f->length > 0) {
			fuzz_assert(((unsigned char)text[f->offset] & 0xc0) != 0x80);
			fuzz_assert(f->offset + f->length == len ||
				    ((unsigned char)text[f->offset + f->length] & 0xc0) != 0x80);
		}
	}
}

static void
check_no_secret(const char *text, size_t len)
{
	struct armor_result r;

	armor_screen(text, len, ARMOR_SOURCE_FILE_CONTENT, &r);
	for (size_t i = 0; i < r.n_findings; i++) {
		if (r.findings[i].category == ARMOR_SECRET)
			fprintf(stderr, "left behind: %s at %zu+%zu\n", r.findings[i].rule,
				r.findings[i].offset, r.findings[i].length);
		fuzz_assert(r.findings[i].category != ARMOR_SECRET);
	}
	fuzz_assert(r.n_dropped == 0 || r.n_findings == ARMOR_MAX_FINDINGS);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct armor_result r;
	enum armor_source source;
	char *text, *copy, *marked;
	size_t len, marked_len, n;
	bool utf8;

	if (!ready) {
		fuzz_assert(armor_init() == 0);
		ready = true;
	}
	if (size == 0)
		return 0;
	source = (enum armor_source)(data[0] % ARMOR_SOURCE_COUNT);
	len = size - 1;
	/* Exactly len bytes on the heap, so reading past the end is an ASan report. */
	text = malloc(len ? len : 1);
	fuzz_assert(text != NULL);
	memcpy(text, data + 1, len);
	utf8 = fuzz_utf8_valid(text, len);

	armor_screen(text, len, source, &r);
	check_findings(text, len, &r, utf8);

	marked = armor_redact_dup(text, len, &marked_len);
	fuzz_assert(marked != NULL);
	fuzz_assert(marked[marked_len] == '\0');
	fuzz_assert(!utf8 || fuzz_utf8_valid(marked, marked_len));
	check_no_secret(marked, marked_len);

	/* In place with room: the same text as the copy. */
	copy = malloc(marked_len > len ? marked_len : (len ? len : 1));
	fuzz_assert(copy != NULL);
	memcpy(copy, text, len);
	n = armor_redact(copy, len, marked_len > len ? marked_len : len);
	fuzz_assert(n == marked_len && memcmp(copy, marked, n) == 0);
	free(copy);

	/* In place with no room to grow: stars, same length, nothing left. */
	copy = malloc(len ? len : 1);
	fuzz_assert(copy != NULL);
	memcpy(copy, text, len);
	n = armor_redact(copy, len, len);
	fuzz_assert(n <= len);
	fuzz_assert(!utf8 || fuzz_utf8_valid(copy, n));
	check_no_secret(copy, n);
	free(copy);

	free(marked);
	free(text);
	return 0;
}
