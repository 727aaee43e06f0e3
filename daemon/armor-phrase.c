/* armor: compiles the phrase rules once and matches them against folded text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "armor-internal.h"

/*
 * A phrase rule is a few slots that must follow each other in the folded
 * text, each a list of alternative word stems:
 *
 *	"ignor|disregard +3 previous|prior +2 instruction|prompt"
 *
 * Slots are separated by spaces. "+N" before a slot lets up to N words
 * come between it and the slot before (default 0: adjacent). A stem
 * matches the start of a word and may run on ("instruction" matches
 * "instructions"); a trailing '$' makes it a whole word; a trailing '^'
 * wants it in capitals in the text ("dan$^" is DAN, not the name Dan);
 * '_' stands for a space, so a stem can span words ("do_not"). A first
 * item "!a|b" vetoes a match right after a or b ("!不要 忘记 ..." leaves
 * "do not forget" alone). Han, kana and Hangul characters are words of
 * one character each, so "+4" there lets four characters in. Stems are
 * written as armor_fold() writes: lower case, no accents.
 *
 * Rules are compiled into one table indexed by the first two bytes of
 * the first slot's stems, so each word of the text is compared with the
 * few stems that can start there, not with every rule: screening a
 * command takes microseconds. Nothing here changes after
 * armor_phrase_init().
 */

#define MAX_SLOTS 8
#define CHUNK (32 * 1024)	/* bytes folded at a time, so memory stays bounded */
#define OVERLAP 1024		/* a phrase cut by a chunk edge is seen whole in the next */

struct stem {
	uint32_t head;		/* the first bytes (up to four) as load4() reads them */
	uint32_t mask;		/* which bytes of head count */
	const char *text;
	uint16_t len;
	bool whole;
	bool upper;
};

/* Up to four bytes of s[0..n) in one word, so most stems are told apart without memcmp(). */
static uint32_t
load4(const char *s, size_t n)
{
	unsigned char b[4] = { 0, 0, 0, 0 };

	memcpy(b, s, n < 4 ? n : 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

struct slot {
	struct stem *stems;	/* sorted by first byte */
	uint16_t *by_byte;	/* by_byte[c] .. by_byte[c + 1]: the stems starting with byte c */
	uint16_t n_stems;
	uint8_t gap;
};

struct rule {
	const struct armor_phrase_rule *def;
	struct slot veto;	/* words that may not come right before */
	struct slot slots[MAX_SLOTS];
	uint8_t n_slots;
};

struct first {
	uint16_t rule;
	uint16_t stem;
	bool same;		/* the same stem as the entry before: reuse its answer */
};

#define BUCKETS 4096

/* Where a word starting with bytes a, b looks for stems; stems are never shorter than two bytes. */
static unsigned
bucket_of(unsigned char a, unsigned char b)
{
	return ((unsigned)a * 131u + b) % BUCKETS;
}

static struct {
	bool ready;
	struct rule *rules;
	size_t n_rules;
	char *strings;		/* every stem's bytes, NUL-terminated */
	struct first *index;	/* entries sorted by bucket */
	uint32_t *index_start;	/* BUCKETS + 1 offsets into index */
} phrases;

bool
armor_phrase_ready(void)
{
	return phrases.ready;
}

void
armor_phrase_fini(void)
{
	for (size_t i = 0; phrases.rules && i < phrases.n_rules; i++) {
		for (size_t s = 0; s < phrases.rules[i].n_slots; s++) {
			free(phrases.rules[i].slots[s].stems);
			free(phrases.rules[i].slots[s].by_byte);
		}
		free(phrases.rules[i].veto.stems);
	}
	free(phrases.rules);
	free(phrases.strings);
	free(phrases.index);
	free(phrases.index_start);
	memset(&phrases, 0, sizeof phrases);
}

static int
cmp_stem_byte(const void *a, const void *b)
{
	const struct stem *x = a, *y = b;
	unsigned char cx = (unsigned char)x->text[0], cy = (unsigned char)y->text[0];

	if (cx != cy)
		return cx < cy ? -1 : 1;
	/* Same first byte: keep the written order, so the first alternative wins as written. */
	return x->text < y->text ? -1 : x->text > y->text;
}

/* Splits the pattern (a copy in buf, rewritten in place) into slots. */
static int
compile_rule(struct rule *r, char *buf)
{
	unsigned gap = 0;
	char *save = NULL;

	for (char *item = strtok_r(buf, " ", &save); item; item = strtok_r(NULL, " ", &save)) {
		struct slot *slot;
		size_t n = 1;

		if (item[0] == '+') {
			gap = (unsigned)atoi(item + 1);
			continue;
		}
		if (item[0] == '!') {
			if (r->n_slots > 0 || r->veto.stems)
				return -EINVAL;
			slot = &r->veto;
			item++;
		} else if (r->n_slots == MAX_SLOTS) {
			return -EINVAL;
		} else {
			slot = &r->slots[r->n_slots++];
		}
		for (const char *p = item; *p; p++)
			n += *p == '|';
		slot->gap = (uint8_t)gap;
		slot->stems = calloc(n, sizeof *slot->stems);
		if (slot->stems == NULL)
			return -ENOMEM;
		gap = 0;
		for (char *alt = item, *next; alt; alt = next) {
			struct stem *st = &slot->stems[slot->n_stems];
			size_t len;

			next = strchr(alt, '|');
			if (next)
				*next++ = '\0';
			len = strlen(alt);
			while (len > 0 && (alt[len - 1] == '$' || alt[len - 1] == '^')) {
				if (alt[len - 1] == '$')
					st->whole = true;
				else
					st->upper = true;
				alt[--len] = '\0';
			}
			for (char *p = alt; *p; p++)
				if (*p == '_')
					*p = ' ';
			/* The index looks at two bytes of the first slot's stems. */
			if (len == 0 || (len < 2 && slot == &r->slots[0]))
				return -EINVAL;
			st->text = alt;
			st->len = (uint16_t)len;
			st->head = load4(alt, len);
			st->mask = len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
			slot->n_stems++;
		}
	}
	if (r->n_slots == 0)
		return -EINVAL;
	/* Later slots are looked up by the first byte of the word, like the first one. */
	for (unsigned k = 1; k < r->n_slots; k++) {
		struct slot *slot = &r->slots[k];
		size_t w = 0;

		qsort(slot->stems, slot->n_stems, sizeof *slot->stems, cmp_stem_byte);
		slot->by_byte = calloc(257, sizeof *slot->by_byte);
		if (slot->by_byte == NULL)
			return -ENOMEM;
		for (unsigned c = 0; c < 256; c++) {
			slot->by_byte[c] = (uint16_t)w;
			while (w < slot->n_stems && (unsigned char)slot->stems[w].text[0] == c)
				w++;
		}
		slot->by_byte[256] = (uint16_t)w;
	}
	return 0;
}

static unsigned
bucket_of_entry(const struct first *f)
{
	const char *t = phrases.rules[f->rule].slots[0].stems[f->stem].text;

	return bucket_of((unsigned char)t[0], (unsigned char)t[1]);
}

static int
cmp_first(const void *a, const void *b)
{
	const struct first *x = a, *y = b;
	unsigned cx = bucket_of_entry(x), cy = bucket_of_entry(y);

	const struct stem *sx = &phrases.rules[x->rule].slots[0].stems[x->stem];
	const struct stem *sy = &phrases.rules[y->rule].slots[0].stems[y->stem];
	int c;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	/* Equal stems next to each other, so a word is compared with each once. */
	c = strcmp(sx->text, sy->text);
	if (c != 0)
		return c;
	if (sx->whole != sy->whole || sx->upper != sy->upper)
		return sx->whole != sy->whole ? (sx->whole ? 1 : -1) : (sx->upper ? 1 : -1);
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->stem < y->stem ? -1 : x->stem > y->stem;
}

/* The i-th rule of the English and international tables, one after the other. */
static const struct armor_phrase_rule *
rule_def(size_t i)
{
	return i < armor_n_rules_english ? &armor_rules_english[i]
					 : &armor_rules_intl[i - armor_n_rules_english];
}

int
armor_phrase_init(void)
{
	size_t n_rules = armor_n_rules_english + armor_n_rules_intl;
	size_t total = 0, n_first = 0, k = 0;
	char *p;
	int r;

	if (phrases.ready)
		return 0;
	if (n_rules > UINT16_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n_rules; i++)
		total += strlen(rule_def(i)->pattern) + 1;
	phrases.strings = malloc(total);
	phrases.rules = calloc(n_rules, sizeof *phrases.rules);
	if (phrases.strings == NULL || phrases.rules == NULL) {
		armor_phrase_fini();
		return -ENOMEM;
	}
	phrases.n_rules = n_rules;
	p = phrases.strings;
	for (size_t i = 0; i < n_rules; i++) {
		size_t len = strlen(rule_def(i)->pattern);

		memcpy(p, rule_def(i)->pattern, len + 1);
		phrases.rules[i].def = rule_def(i);
		r = compile_rule(&phrases.rules[i], p);
		if (r < 0) {
			armor_phrase_fini();
			return r == -EINVAL ? -EINVAL : -ENOMEM;
		}
		n_first += phrases.rules[i].slots[0].n_stems;
		p += len + 1;
	}
	phrases.index = calloc(n_first ? n_first : 1, sizeof *phrases.index);
	phrases.index_start = calloc(BUCKETS + 1, sizeof *phrases.index_start);
	if (phrases.index == NULL || phrases.index_start == NULL) {
		armor_phrase_fini();
		return -ENOMEM;
	}
	for (size_t i = 0; i < phrases.n_rules; i++)
		for (uint16_t s = 0; s < phrases.rules[i].slots[0].n_stems; s++)
			phrases.index[k++] = (struct first){ .rule = (uint16_t)i, .stem = s };
	qsort(phrases.index, n_first, sizeof *phrases.index, cmp_first);
	for (size_t e = 1; e < n_first; e++) {
		const struct first *a = &phrases.index[e - 1], *b = &phrases.index[e];
		const struct stem *sa = &phrases.rules[a->rule].slots[0].stems[a->stem];
		const struct stem *sb = &phrases.rules[b->rule].slots[0].stems[b->stem];

		phrases.index[e].same = strcmp(sa->text, sb->text) == 0 && sa->whole == sb->whole &&
					sa->upper == sb->upper;
	}
	/* index_start[b] .. index_start[b + 1]: the entries of bucket b. */
	k = 0;
	for (unsigned b = 0; b < BUCKETS; b++) {
		phrases.index_start[b] = (uint32_t)k;
		while (k < n_first && bucket_of_entry(&phrases.index[k]) == b)
			k++;
	}
	phrases.index_start[BUCKETS] = (uint32_t)n_first;
	phrases.ready = true;
	return 0;
}

/* Whether stem st matches at pos; head holds load4() of the text there. */
static bool
stem_at(const struct armor_folded *f, size_t pos, uint32_t head, const struct stem *st)
{
	size_t end = pos + st->len;

	if ((head & st->mask) != st->head || end > f->len ||
	    (st->len > 4 && memcmp(f->text + pos + 4, st->text + 4, st->len - 4u) != 0))
		return false;
	if (st->whole && end < f->len && f->text[end] != ' ' && !f->word_start[end])
		return false;
	for (size_t i = pos; st->upper && i < end; i++) {
		char c = f->raw[f->origin[i]];

		if (f->text[i] >= 'a' && f->text[i] <= 'z' && !(c >= 'A' && c <= 'Z'))
			return false;
	}
	return true;
}

/* Whether one of the veto words ends right before pos (a space between allowed). */
static bool
vetoed(const struct armor_folded *f, const struct rule *r, size_t pos)
{
	for (uint16_t s = 0; s < r->veto.n_stems; s++) {
		size_t len = r->veto.stems[s].len;
		const char *t = r->veto.stems[s].text;

		if (pos >= len && memcmp(f->text + pos - len, t, len) == 0)
			return true;
		if (pos > len && f->text[pos - 1] == ' ' &&
		    memcmp(f->text + pos - 1 - len, t, len) == 0)
			return true;
	}
	return false;
}

/*
 * Matches slots k.. of r from folded offset pos (the end of slot k - 1).
 * Returns the end of the match, or 0 for none (a match never ends at 0).
 */
static size_t
match_from(const struct armor_folded *f, const struct rule *r, unsigned k, size_t pos)
{
	const struct slot *slot;
	unsigned skipped = 0;

	if (k == r->n_slots)
		return pos;
	slot = &r->slots[k];
	for (size_t q = pos; q < f->len; q++) {
		uint32_t head;

		if (!f->word_start[q])
			continue;
		head = load4(f->text + q, f->len - q);
		for (uint16_t s = slot->by_byte[(unsigned char)f->text[q]];
		     s < slot->by_byte[(unsigned char)f->text[q] + 1]; s++) {
			size_t end;

			if (!stem_at(f, q, head, &slot->stems[s]))
				continue;
			end = match_from(f, r, k + 1, q + slot->stems[s].len);
			if (end)
				return end;
		}
		if (skipped++ == slot->gap)
			break;
	}
	return 0;
}

static void
report(struct armor_scan *scan, const struct armor_folded *f, size_t raw_base,
       const struct rule *r, size_t start, size_t end)
{
	const struct armor_phrase_rule *def = r->def;
	size_t last = raw_base + f->origin[end - 1], n;
	struct armor_hit hit = {
		.category = def->category,
		.weight = def->weight,
		.rule = def->rule,
		.message = def->message,
		.offset = raw_base + f->origin[start],
	};

	armor_utf8_next((const unsigned char *)scan->text + last, scan->len - last, &n);
	hit.length = last + n - hit.offset;
	if (def->dest_weight && armor_has_destination(scan, hit.offset + hit.length))
		hit.weight = def->dest_weight;
	if (hit.weight == 0)
		return;
	armor_report(scan, &hit);
}

static void
match_folded(struct armor_scan *scan, const struct armor_folded *f, size_t raw_base)
{
	unsigned bit = 1u << scan->source;

	for (size_t p = 0; p + 1 < f->len; p++) {
		unsigned b;
		uint32_t head;

		if (!f->word_start[p])
			continue;
		b = bucket_of((unsigned char)f->text[p], (unsigned char)f->text[p + 1]);
		head = load4(f->text + p, f->len - p);
		bool matched = false;

		for (size_t e = phrases.index_start[b]; e < phrases.index_start[b + 1]; e++) {
			const struct rule *r = &phrases.rules[phrases.index[e].rule];
			const struct stem *st = &r->slots[0].stems[phrases.index[e].stem];
			size_t end;

			if (!phrases.index[e].same)
				matched = stem_at(f, p, head, st);
			if (!matched || (r->def->sources && !(r->def->sources & bit)))
				continue;
			if (r->veto.n_stems && vetoed(f, r, p))
				continue;
			end = match_from(f, r, 1, p + st->len);
			if (end)
				report(scan, f, raw_base, r, p, end);
		}
	}
}

/* Moves back from off to the start of a UTF-8 character. */
static size_t
char_start(const char *s, size_t off)
{
	while (off > 0 && ((unsigned char)s[off] & 0xc0) == 0x80)
		off--;
	return off;
}

void
armor_phrase_scan(struct armor_scan *scan)
{
	size_t chunk = scan->len < CHUNK ? scan->len : CHUNK;
	struct armor_folded f;
	char *mem;

	if (!phrases.ready || scan->len == 0)
		return;
	/* One block for text, origin and word_start: a chunk never folds longer than itself. */
	f.size = chunk + 8;
	mem = malloc(f.size * (1 + sizeof(uint32_t) + 1));
	if (mem == NULL) {
		struct armor_hit hit = {
			.category = ARMOR_INJECTION,
			.rule = "screen.degraded",
			.message = "Out of memory: the phrase rules were not applied.",
		};

		armor_report(scan, &hit);
		return;
	}
	f.origin = (uint32_t *)mem;
	f.text = mem + f.size * sizeof(uint32_t);
	f.word_start = (uint8_t *)f.text + f.size;
	for (size_t start = 0;;) {
		size_t end = start + CHUNK < scan->len ? char_start(scan->text, start + CHUNK) : scan->len;

		if (end <= start)
			end = scan->len < start + CHUNK ? scan->len : start + CHUNK;
		armor_fold(scan, scan->text + start, end - start, start, &f);
		match_folded(scan, &f, start);
		if (end == scan->len)
			break;
		start = char_start(scan->text, end - OVERLAP);
	}
	free(mem);
}
