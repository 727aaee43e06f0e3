/* armor: folds text for phrase matching (case, accents, look-alikes, leetspeak, invisible characters). */
#include <string.h>

#include "armor-internal.h"

/*
 * Attackers spell "ignore previous instructions" as "IGNORE", "ignoré",
 * "ｉｇｎｏｒｅ", "𝐢𝐠𝐧𝐨𝐫𝐞", "ig\u200bnore", "іgnore" (Cyrillic і) or
 * "1gn0r3"; the phrase rules are written once, in plain lower case, and
 * the folding brings all of these back to it.
 */

/* U+00C0..U+017F to plain letters ("" for × and ÷, which separate). */
static const char latin_fold[192][3] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",     /* C0 */
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss",     /* D0 */
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",     /* E0 */
	"d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",	     /* F0 */
	"a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",	     /* 100 */
	"d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",	     /* 110 */
	"g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",	     /* 120 */
	"i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",    /* 130 */
	"l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",	     /* 140 */
	"o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",    /* 150 */
	"s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",	     /* 160 */
	"u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",	     /* 170 */
};

/* Braille cells (dots 1-6) of the letters a..z, so "⠊⠛⠝⠕⠗⠑" reads "ignore". */
static const char braille[64] = {
	[0x01] = 'a', [0x03] = 'b', [0x09] = 'c', [0x19] = 'd', [0x11] = 'e', [0x0b] = 'f',
	[0x1b] = 'g', [0x13] = 'h', [0x0a] = 'i', [0x1a] = 'j', [0x05] = 'k', [0x07] = 'l',
	[0x0d] = 'm', [0x1d] = 'n', [0x15] = 'o', [0x0f] = 'p', [0x1f] = 'q', [0x17] = 'r',
	[0x0e] = 's', [0x1e] = 't', [0x25] = 'u', [0x27] = 'v', [0x3a] = 'w', [0x2d] = 'x',
	[0x3d] = 'y', [0x35] = 'z',
};

/* Cyrillic and Greek letters (after lower-casing) that look like Latin ones. */
static const struct {
	uint32_t cp;
	char latin;
} confusables[] = {
	{ 0x0430, 'a' }, { 0x0432, 'b' }, { 0x0435, 'e' }, { 0x043a, 'k' }, { 0x043c, 'm' },
	{ 0x043d, 'h' }, { 0x043e, 'o' }, { 0x0440, 'p' }, { 0x0441, 'c' }, { 0x0442, 't' },
	{ 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0455, 's' }, { 0x0456, 'i' }, { 0x0458, 'j' },
	{ 0x0501, 'd' }, { 0x051b, 'q' }, { 0x051d, 'w' }, { 0x03b1, 'a' }, { 0x03b2, 'b' },
	{ 0x03b5, 'e' }, { 0x03b6, 'z' }, { 0x03b7, 'h' }, { 0x03b9, 'i' }, { 0x03ba, 'k' },
	{ 0x03bc, 'm' }, { 0x03bd, 'v' }, { 0x03bf, 'o' }, { 0x03c1, 'p' }, { 0x03c4, 't' },
	{ 0x03c5, 'u' }, { 0x03c7, 'x' },
};

enum fold_class {
	FOLD_DROP,	/* invisible: vanishes, the word goes on */
	FOLD_SPACE,	/* punctuation, symbols, spaces */
	FOLD_WORD,	/* part of a word */
	FOLD_CJK,	/* a word of its own (Han, kana, Hangul) */
};

static bool
is_invisible(uint32_t cp)
{
	return cp == 0x00ad || cp == 0x034f || cp == 0x061c || cp == 0x180e ||
	       (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	       (cp >= 0xe0000 && cp <= 0xe007f) || (cp >= 0xe0100 && cp <= 0xe01ef) ||
	       (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	       (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	       (cp >= 0xfe20 && cp <= 0xfe2f);
}

static bool
is_cjk(uint32_t cp)
{
	return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	       (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
	       (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff66 && cp <= 0xff9f) ||
	       (cp >= 0x20000 && cp <= 0x2ffff);
}

static bool
is_separator(uint32_t cp)
{
	return cp < 0x0100 || (cp >= 0x02b0 && cp <= 0x02ff) || (cp >= 0x2000 && cp <= 0x2bff) ||
	       (cp >= 0x2e00 && cp <= 0x303f) || (cp >= 0xe000 && cp <= 0xf8ff) ||
	       (cp >= 0xfe10 && cp <= 0xfe6f) || (cp >= 0xff00 && cp <= 0xff65) ||
	       (cp >= 0xffa0 && cp <= 0xffff) || (cp >= 0x1f000 && cp <= 0x1faff);
}

/*
 * Maps one character to what the folded text holds: out gets up to 4
 * bytes (*n), and the class says how it joins its neighbours.
 */
static enum fold_class
fold_char(uint32_t cp, char out[4], size_t *n)
{
	*n = 0;
	if (cp >= 0xff01 && cp <= 0xff5e) /* fullwidth ASCII */
		cp -= 0xfee0;
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			cp += 32;
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			out[0] = (char)cp, *n = 1;
			return FOLD_WORD;
		}
		return FOLD_SPACE;
	}
	if (is_invisible(cp))
		return FOLD_DROP;
	if (cp >= 0xc0 && cp < 0x180) {
		const char *m = latin_fold[cp - 0xc0];

		*n = strlen(m);
		memcpy(out, m, *n);
		return *n ? FOLD_WORD : FOLD_SPACE;
	}
	/* Styled letters: mathematical alphanumerics, circled, squared, regional indicators. */
	if (cp >= 0x1d400 && cp <= 0x1d6a3)
		cp = 'a' + (cp - 0x1d400) % 52 % 26;
	else if (cp >= 0x1d7ce && cp <= 0x1d7ff)
		cp = '0' + (cp - 0x1d7ce) % 10;
	else if (cp >= 0x24b6 && cp <= 0x24e9)
		cp = 'a' + (cp - 0x24b6) % 26;
	else if (cp >= 0x249c && cp <= 0x24b5)
		cp = 'a' + (cp - 0x249c);
	else if (cp >= 0x1f130 && cp <= 0x1f189)
		cp = 'a' + (cp - 0x1f130) % 32 % 26;
	else if (cp >= 0x1f1e6 && cp <= 0x1f1ff)
		cp = 'a' + (cp - 0x1f1e6);
	else if (cp >= 0x2801 && cp <= 0x283f && braille[cp - 0x2800])
		cp = (uint32_t)braille[cp - 0x2800];
	else if (cp >= 0xfb00 && cp <= 0xfb06) {
		static const char *const lig[] = { "ff", "fi", "fl", "ffi", "ffl", "st", "st" };

		*n = strlen(lig[cp - 0xfb00]);
		memcpy(out, lig[cp - 0xfb00], *n);
		return FOLD_WORD;
	}
	if (cp < 0x80) {
		out[0] = (char)cp, *n = 1;
		return FOLD_WORD;
	}
	if (cp >= 0x0410 && cp <= 0x042f) /* Cyrillic capitals */
		cp += 0x20;
	else if (cp >= 0x0400 && cp <= 0x040f)
		cp += 0x50;
	else if (cp >= 0x0391 && cp <= 0x03a9) /* Greek capitals */
		cp += 0x20;
	if (cp == 0x0451) /* ё spelled е, as most Russian text does */
		cp = 0x0435;
	if (is_separator(cp) || cp == 0xfffd)
		return FOLD_SPACE;
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		*n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		*n = 3;
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		*n = 4;
	}
	return is_cjk(cp) ? FOLD_CJK : FOLD_WORD;
}

static char
confusable_latin(uint32_t cp)
{
	for (size_t i = 0; i < sizeof confusables / sizeof confusables[0]; i++)
		if (confusables[i].cp == cp)
			return confusables[i].latin;
	return 0;
}

static void
report_mixed_script(struct armor_scan *scan, const struct armor_folded *f, size_t start,
		    size_t raw_base, size_t raw_end)
{
	struct armor_hit hit = {
		.category = ARMOR_HIDDEN_UNICODE,
		.weight = 35,
		.rule = "unicode.mixed-script",
		.message = "A word mixes Latin letters with Cyrillic or Greek look-alikes.",
		.offset = raw_base + f->origin[start],
	};

	hit.length = raw_base + raw_end - hit.offset;
	armor_report(scan, &hit);
}

/*
 * The word text[start..len) is complete. A word of Latin letters with a
 * Cyrillic or Greek look-alike in it is spoofing: spell it in Latin. A
 * word of letters with a few digits in it is leetspeak: spell the digits
 * as the letters they stand for.
 */
static void
finish_word(struct armor_scan *scan, struct armor_folded *f, size_t start, size_t raw_base,
	    size_t raw_end)
{
	size_t letters = 0, digits = 0, looks = 0, others = 0, w;

	for (size_t i = start; i < f->len;) {
		unsigned char c = (unsigned char)f->text[i];
		size_t n;
		uint32_t cp = armor_utf8_next((const unsigned char *)f->text + i, f->len - i, &n);

		if (c >= 'a' && c <= 'z')
			letters++;
		else if (c >= '0' && c <= '9')
			digits++;
		else if (confusable_latin(cp))
			looks++;
		else
			others++;
		i += n;
	}
	if (letters > 0 && looks > 0 && others == 0) {
		w = start;
		for (size_t i = start; i < f->len;) {
			size_t n;
			uint32_t cp = armor_utf8_next((const unsigned char *)f->text + i, f->len - i, &n);

			f->text[w] = n == 1 ? f->text[i] : confusable_latin(cp);
			f->origin[w] = f->origin[i];
			f->word_start[w] = f->word_start[i];
			w++;
			i += n;
		}
		f->len = w;
		report_mixed_script(scan, f, start, raw_base, raw_end);
	}
	if (digits > 0 && letters > 0 && letters + digits >= 3 && looks == 0 && others == 0) {
		static const char leet[] = "oi?eas?t??"; /* what 0 .. 9 stand for */

		for (size_t i = start; i < f->len; i++) {
			char c = f->text[i];

			if (c >= '0' && c <= '9' && leet[c - '0'] != '?')
				f->text[i] = leet[c - '0'];
		}
	}
}

void
armor_fold(struct armor_scan *scan, const char *raw, size_t raw_len, size_t raw_base,
	   struct armor_folded *f)
{
	const unsigned char *s = (const unsigned char *)raw;
	size_t i = 0, word = SIZE_MAX; /* start of the word being built */
	enum fold_class last = FOLD_SPACE;

	f->raw = raw;
	f->len = 0;
	while (i < raw_len) {
		size_t n, k;
		char out[4];
		uint32_t cp = armor_utf8_next(s + i, raw_len - i, &n);
		enum fold_class cls = fold_char(cp, out, &k);

		if (cls == FOLD_DROP) {
			i += n;
			continue;
		}
		if (cls != FOLD_WORD && word != SIZE_MAX) {
			finish_word(scan, f, word, raw_base, i);
			word = SIZE_MAX;
		}
		if (cls == FOLD_SPACE) {
			if (f->len > 0 && f->text[f->len - 1] != ' ') {
				f->text[f->len] = ' ';
				f->origin[f->len] = (uint32_t)i;
				f->word_start[f->len] = 0;
				f->len++;
			}
		} else {
			for (size_t j = 0; j < k; j++) {
				f->text[f->len + j] = out[j];
				f->origin[f->len + j] = (uint32_t)i;
				f->word_start[f->len + j] = 0;
			}
			if (cls == FOLD_CJK || last != FOLD_WORD)
				f->word_start[f->len] = 1;
			if (cls == FOLD_WORD && word == SIZE_MAX)
				word = f->len;
			f->len += k;
		}
		last = cls;
		i += n;
	}
	if (word != SIZE_MAX)
		finish_word(scan, f, word, raw_base, raw_len);
	f->text[f->len] = '\0';
}
