/* armor: invisible and bidirectional Unicode, and the text smuggled in tag characters and variation selectors. */
#include <stdlib.h>
#include <string.h>

#include "armor-internal.h"

/*
 * What a person does not see, a model still reads: zero-width characters
 * split trigger words, tag characters (U+E0020..U+E007E) spell out a
 * whole hidden ASCII instruction, a run of variation selectors can carry
 * arbitrary bytes, and bidi controls make code or a command read
 * differently from how it runs (Trojan Source). Legitimate uses stay
 * clean: a joiner inside an emoji sequence, a non-joiner in Persian or
 * Hindi, the tag sequence of a subdivision flag, a byte-order mark at the
 * start, a variation selector after an emoji.
 */

#define SMUGGLE_MAX 4096 /* bytes of hidden text decoded per run */

static bool
is_emoji(uint32_t cp)
{
	return (cp >= 0x1f000 && cp <= 0x1faff) || (cp >= 0x2600 && cp <= 0x27bf) ||
	       cp == 0xfe0f || cp == 0x20e3 || (cp >= 0x1f3fb && cp <= 0x1f3ff);
}

/* Scripts whose writing needs ZWJ and ZWNJ: Arabic, Persian, Indic, Sinhala, Khmer, Mongolian. */
static bool
needs_joiners(uint32_t cp)
{
	return (cp >= 0x0600 && cp <= 0x08ff) || (cp >= 0x0900 && cp <= 0x0dff) ||
	       (cp >= 0x1780 && cp <= 0x18af) || (cp >= 0xfb50 && cp <= 0xfeff) ||
	       (cp >= 0x0590 && cp <= 0x05ff);
}

static bool
is_rtl_letter(uint32_t cp)
{
	return (cp >= 0x0590 && cp <= 0x08ff) || (cp >= 0xfb1d && cp <= 0xfeff);
}

static bool
is_letter(uint32_t cp)
{
	return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || (cp >= 0xc0 && cp < 0x2000 && cp != 0xd7 && cp != 0xf7);
}

/* Characters that render as nothing and have no business in most text. */
static bool
is_invisible(uint32_t cp)
{
	return cp == 0x200b || cp == 0x200c || cp == 0x200d || cp == 0x2060 ||
	       (cp >= 0x2061 && cp <= 0x2064) || (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff ||
	       cp == 0x180e || cp == 0x115f || cp == 0x1160 || cp == 0x3164 || cp == 0xffa0 ||
	       cp == 0x034f || (cp >= 0xfff9 && cp <= 0xfffb) || cp == 0x17b4 || cp == 0x17b5;
}

struct tally {
	size_t count;
	size_t first;		/* offset of the first one */
	size_t first_len;
	bool in_word;		/* one sat between two letters */
};

static void
tally_add(struct tally *t, size_t at, size_t n)
{
	if (t->count++ == 0)
		t->first = at, t->first_len = n;
}

/*
 * A run of characters each carrying hidden bytes. Tag characters map to
 * ASCII; variation selectors to a byte each (VS1..VS16 are 0..15,
 * VS17..VS256 are 16..255), as the "emoji smuggling" trick encodes.
 */
/*
 * Hidden bytes gathered over the whole text: an attacker may split a
 * payload into many runs between visible characters, and screening each
 * run alone would both miss it and cost a screen per run.
 */
struct smuggled {
	char *bytes;		/* SMUGGLE_MAX */
	size_t n;
	size_t first;		/* span from the first run's start */
	size_t end;		/*   to the last run's end */
	bool any;
};

static size_t
decode_run(const unsigned char *s, size_t len, size_t i, bool tags, char *out, size_t *produced)
{
	while (i < len) {
		size_t n;
		uint32_t cp = armor_utf8_next(s + i, len - i, &n);
		int byte;

		if (tags && cp >= 0xe0000 && cp <= 0xe007f)
			byte = cp >= 0xe0020 && cp <= 0xe007e ? (int)(cp - 0xe0000) : -1;
		else if (!tags && cp >= 0xfe00 && cp <= 0xfe0f)
			byte = (int)(cp - 0xfe00);
		else if (!tags && cp >= 0xe0100 && cp <= 0xe01ef)
			byte = (int)(cp - 0xe0100 + 16);
		else
			break;
		if (byte >= 0 && *produced < SMUGGLE_MAX)
			out[(*produced)++] = (char)byte;
		i += n;
	}
	return i;
}

static void
report_smuggled(struct armor_scan *scan, const char *rule, const char *message, unsigned weight,
		size_t start, size_t end, const char *hidden, size_t n)
{
	struct armor_hit h = {
		.category = ARMOR_HIDDEN_UNICODE,
		.weight = weight,
		.rule = rule,
		.message = message,
		.offset = start,
		.length = end - start,
	};
	unsigned w, threat;

	armor_report(scan, &h);
	/* What is hidden is screened like the rest: an instruction there is the worst kind. */
	if (n > 0 && scan->sink->decode_budget >= n) {
		scan->sink->decode_budget -= n;
		armor_scan_decoded(scan, hidden, n, start, end - start, &w, &threat);
		if (threat > 0) {
			h.weight = threat + 10 > 95 ? 95 : threat + 10;
			h.rule = "unicode.hidden-instruction";
			h.message = "Invisible characters spell out an instruction.";
			armor_report(scan, &h);
		}
	}
}

static void
report_tally(struct armor_scan *scan, const struct tally *t, enum armor_category cat, unsigned weight,
	     const char *rule, const char *message)
{
	struct armor_hit h = {
		.category = cat,
		.weight = weight,
		.rule = rule,
		.message = message,
		.offset = t->first,
		.length = t->first_len,
	};

	if (t->count > 0)
		armor_report(scan, &h);
}

/*
 * Terminal control sequences that move the cursor, clear the screen or
 * write the clipboard or a title: in a command or its output they can
 * hide what ran. Colour codes (ESC [ ... m) are everyday tool output and
 * stay clean.
 */
static void
terminal_escapes(struct armor_scan *scan)
{
	const char *s = scan->text;
	struct armor_hit h = {
		.category = ARMOR_HIDDEN_UNICODE,
		.weight = 40,
		.rule = "unicode.terminal-escape",
	};

	for (const char *p = memchr(s, 0x1b, scan->len); p;
	     p = memchr(p + 1, 0x1b, scan->len - (size_t)(p + 1 - s))) {
		size_t i = (size_t)(p - s), j = i + 2;

		if (i + 2 >= scan->len)
			break;
		if (s[i + 1] == ']') { /* OSC: title, hyperlink, clipboard */
			h.message = "An OSC terminal sequence (title, hyperlink or clipboard) is in the text.";
			h.offset = i, h.length = 2;
			armor_report(scan, &h);
			return;
		}
		if (s[i + 1] != '[')
			continue;
		while (j < scan->len && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';' || s[j] == '?'))
			j++;
		if (j < scan->len && s[j] != '\0' && strchr("ABCDHJKfsuGd", s[j])) {
			h.message = "A terminal sequence moves the cursor or clears the screen, which can hide text.";
			h.offset = i, h.length = j + 1 - i;
			armor_report(scan, &h);
			return;
		}
	}
}

void
armor_unicode_scan(struct armor_scan *scan)
{
	const unsigned char *s = (const unsigned char *)scan->text;
	struct tally invisible = { 0 }, override = { 0 }, isolate = { 0 }, mark = { 0 };
	struct smuggled tag = { 0 }, selector = { 0 };
	uint32_t prev = 0, prev_visible = 0;
	bool rtl = false;
	char *hidden = NULL;

	for (size_t i = 0; i < scan->len;) {
		size_t n, end;
		uint32_t cp = armor_utf8_next(s + i, scan->len - i, &n), next = 0;

		if (cp < 0x80) { /* the common case, quickly */
			prev = prev_visible = cp;
			i += n;
			continue;
		}
		/* The neighbours that show: "d\u200c\u200bata" still splits a word. */
		for (size_t j = i + n; j < scan->len;) {
			size_t m;

			next = armor_utf8_next(s + j, scan->len - j, &m);
			if (!is_invisible(next))
				break;
			j += m;
			next = 0;
		}
		rtl = rtl || is_rtl_letter(cp);
		if ((cp >= 0xe0000 && cp <= 0xe007f) ||
		    ((cp >= 0xe0100 && cp <= 0xe01ef) || (cp >= 0xfe00 && cp <= 0xfe0f))) {
			bool tags = cp >= 0xe0000 && cp <= 0xe007f;
			struct smuggled *into = tags ? &tag : &selector;
			size_t before;

			if (hidden == NULL) {
				/* One block, halves for the two kinds. */
				hidden = malloc(2 * SMUGGLE_MAX);
				if (hidden == NULL)
					break;
				tag.bytes = hidden;
				selector.bytes = hidden + SMUGGLE_MAX;
			}
			before = into->n;
			end = decode_run(s, scan->len, i, tags, into->bytes, &into->n);
			if (tags && prev == 0x1f3f4) {
				/* 🏴 + tags + CANCEL TAG is a subdivision flag (Scotland, Wales). */
				into->n = before;
			} else if (!tags && into->n - before < 4) {
				/* One selector after an emoji or a CJK character is how those are written. */
				into->n = before;
			} else {
				if (!into->any)
					into->first = i;
				into->any = true;
				into->end = end;
			}
			prev = cp;
			i = end;
			continue;
		}
		if (cp >= 0x202a && cp <= 0x202e) {
			tally_add(cp == 0x202d || cp == 0x202e ? &override : &isolate, i, n);
		} else if (cp >= 0x2066 && cp <= 0x2069) {
			tally_add(&isolate, i, n);
		} else if (cp == 0x200e || cp == 0x200f || cp == 0x061c) {
			tally_add(&mark, i, n);
		} else if (is_invisible(cp)) {
			bool legit = (cp == 0xfeff && i == 0) ||
				     ((cp == 0x200d || cp == 0x200c) &&
				      ((is_emoji(prev) && is_emoji(next)) || needs_joiners(prev) ||
				       needs_joiners(next)));

			if (!legit) {
				tally_add(&invisible, i, n);
				invisible.in_word = invisible.in_word || (is_letter(prev_visible) && is_letter(next));
			}
		}
		if (!is_invisible(cp))
			prev_visible = cp;
		prev = cp;
		i += n;
	}
	if (tag.any)
		report_smuggled(scan, "unicode.tag-characters",
				"Invisible Unicode tag characters carry hidden text.", 75, tag.first, tag.end,
				tag.bytes, tag.n);
	if (selector.any)
		report_smuggled(scan, "unicode.variation-selectors",
				"Runs of variation selectors carry hidden bytes.", 65, selector.first,
				selector.end, selector.bytes,
				armor_looks_like_text((unsigned char *)selector.bytes, selector.n) ? selector.n : 0);
	free(hidden);
	terminal_escapes(scan);
	/*
	 * One or two zero-width spaces between words come with text pasted
	 * from the web; inside a word, in numbers, or in a command they hide
	 * something.
	 */
	report_tally(scan, &invisible, ARMOR_HIDDEN_UNICODE,
		     invisible.in_word ? 50
		     : invisible.count >= 4 ? 45
		     : scan->source == ARMOR_SOURCE_COMMAND || scan->source == ARMOR_SOURCE_URL ||
				     scan->source == ARMOR_SOURCE_TOOL_ARGUMENTS
			     ? 35
			     : 25,
		     "unicode.invisible",
		     invisible.in_word ? "Zero-width characters split words, as filter evasion does."
				       : "Contains zero-width or other invisible characters.");
	report_tally(scan, &override, ARMOR_BIDI_CONTROL, 65, "bidi.override",
		     "Contains a bidi override (U+202D/U+202E) that makes text display in another order than it reads.");
	report_tally(scan, &isolate, ARMOR_BIDI_CONTROL, 45, "bidi.embedding",
		     "Contains bidi embedding or isolate controls (U+202A..U+202C, U+2066..U+2069).");
	/* LRM and RLM are normal in right-to-left writing. */
	if (!rtl)
		report_tally(scan, &mark, ARMOR_BIDI_CONTROL, 20, "bidi.mark",
			     "Contains a left-to-right or right-to-left mark in text with no right-to-left script.");
}
