/* What the armor detectors share: the scan of one text, the sink for findings, small text helpers. */
#ifndef MAESTRO_ARMOR_INTERNAL_H
#define MAESTRO_ARMOR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "armor.h"

/*
 * A detector reports a hit on the text it was given; armor_report() maps
 * it to the caller's text (a hit inside decoded base64 lands on the
 * base64 run), weighs it for the source and hands it to the sink.
 */
struct armor_hit {
	enum armor_category category;
	unsigned weight;	 /* 0..100 before the source weighs it */
	const char *rule;
	const char *message;
	const char *secret_kind; /* secrets only */
	size_t offset;
	size_t length;
};

/* A byte span a redaction replaces, with what to call it. */
struct armor_span {
	size_t offset;
	size_t length;
	const char *kind;
};

/*
 * Collects what one armor_screen() or armor_redact() call finds: the
 * screen keeps findings (up to ARMOR_MAX_FINDINGS), the redaction keeps
 * every secret span (in a caller-provided array, growing it on the heap
 * when allowed).
 */
struct armor_sink {
	struct armor_result *result;  /* screen, or NULL */
	bool collect_spans;	      /* redaction: keep secret spans */
	struct armor_span *spans;
	size_t n_spans;
	size_t spans_size;
	bool spans_on_heap;	      /* spans may be realloc()ed */
	bool spans_overflow;	      /* a span did not fit */
	size_t decode_budget;	      /* bytes the decoders may still produce */
	unsigned decode_layers;	      /* decoded texts screened so far */
	unsigned destination_checks;  /* armor_has_destination() calls so far */
};

/*
 * One text under screening: the caller's, or one decoded from it. Detectors
 * read text[0..len) and report through armor_report().
 */
struct armor_scan {
	const char *text;
	size_t len;
	enum armor_source source;
	unsigned depth;		/* layers of decoding above this text */
	size_t outer_offset;	/* depth > 0: the span in the caller's text */
	size_t outer_length;	/*   every hit is mapped to */
	bool secrets_only;	/* redaction: skip what cannot find a secret */
	const char *lower;	/* text in lower case, for fast searches; may be NULL */
	struct armor_sink *sink;
	unsigned max_weight;	/* highest raw weight this scan reported */
	unsigned max_threat;	/* the same, leaving out secrets */
};

void armor_report(struct armor_scan *scan, const struct armor_hit *hit);

/*
 * Limits per screen, so that a crafted text cannot make one expensive:
 * bytes the decoders may produce, decoded texts screened, and lookups of
 * a destination after an exfiltration phrase.
 */
#define ARMOR_DECODE_BUDGET (256 * 1024)
#define ARMOR_DECODE_LAYERS 64
#define ARMOR_DESTINATION_CHECKS 256

/* Reports a hit in one call, for detectors with many small rules. */
static inline void
armor_hit(struct armor_scan *scan, enum armor_category cat, unsigned weight, const char *rule,
	  const char *message, size_t off, size_t len)
{
	struct armor_hit h = {
		.category = cat,
		.weight = weight,
		.rule = rule,
		.message = message,
		.offset = off,
		.length = len,
	};

	armor_report(scan, &h);
}

/* Runs every detector on scan->text; the decoders call it again on what they decode. */
void armor_scan_text(struct armor_scan *scan);

/* Screens a decoded buffer as a child of scan covering outer[off..off+len). */
void armor_scan_decoded(struct armor_scan *scan, const char *text, size_t len, size_t off,
			size_t span_len, unsigned *max_weight, unsigned *max_threat);

/* The detectors, one per file. */
void armor_unicode_scan(struct armor_scan *scan);
void armor_phrase_scan(struct armor_scan *scan);
void armor_marker_scan(struct armor_scan *scan);
void armor_exfil_scan(struct armor_scan *scan);
void armor_secret_scan(struct armor_scan *scan);
void armor_decode_scan(struct armor_scan *scan);

/* Secrets: the prefix index (armor_init()), the shaped and the assigned ones, reporting. */
int armor_secret_init(void);
void armor_secret_fini(void);
void armor_secret_shapes(struct armor_scan *scan);
void armor_secret_assignments(struct armor_scan *scan);
void armor_secret_hit(struct armor_scan *scan, size_t off, size_t len, const char *kind,
		      unsigned weight, const char *rule);
/* Whether a value is an obvious stand-in: xxxx, EXAMPLE, <token>, a run of one character. */
bool armor_secret_placeholder(const char *v, size_t n);

/* Decodes standard or URL-safe base64, skipping whitespace; returns the bytes written. */
size_t armor_base64_decode(const char *in, size_t n, unsigned char *out, size_t size);

/* Phrase rules, compiled by armor_init(). */
int armor_phrase_init(void);
void armor_phrase_fini(void);
bool armor_phrase_ready(void);

/* The phrase rule table (armor-rules.c) and its compiled form's source. */
struct armor_phrase_rule {
	enum armor_category category;
	unsigned weight;
	unsigned dest_weight;	/* weight when a URL, address or endpoint follows; 0: none */
	unsigned sources;	/* bit per enum armor_source it applies to; 0: all */
	const char *rule;
	const char *message;
	const char *pattern;	/* see armor-phrase.c */
};
extern const struct armor_phrase_rule armor_rules_english[];
extern const size_t armor_n_rules_english;
extern const struct armor_phrase_rule armor_rules_intl[];
extern const size_t armor_n_rules_intl;

/* Rule sources masks. */
#define ARMOR_SRC(x) (1u << ARMOR_SOURCE_##x)
/* Text the agent took in from elsewhere, where an instruction to "the AI" has no business. */
#define ARMOR_SRC_READ                                                                         \
	(ARMOR_SRC(UNTRUSTED_CONTEXT) | ARMOR_SRC(TOOL_OUTPUT) | ARMOR_SRC(FILE_CONTENT) |      \
	 ARMOR_SRC(URL) | ARMOR_SRC(TOOL_ARGUMENTS))

/*
 * Text folded for phrase matching: lower case, accents and look-alikes
 * mapped to plain letters, invisible characters dropped, everything that
 * is not a letter or digit one space. origin[i] is the offset in the scan's
 * text of the character text[i] came from.
 */
struct armor_folded {
	const char *raw;	/* the text folded, which origin points into */
	char *text;
	uint32_t *origin;
	uint8_t *word_start;	/* 1 where a word or a CJK character starts */
	size_t len;
	size_t size;		/* capacity of text, origin, word_start */
};

/* Folds raw[0..raw_len) into f (whose buffers hold at least 2 * raw_len + 8). */
void armor_fold(struct armor_scan *scan, const char *raw, size_t raw_len, size_t raw_base,
		struct armor_folded *f);

/* Decodes one UTF-8 character leniently: a bad byte is U+FFFD of length 1. */
static inline uint32_t
armor_utf8_next(const unsigned char *s, size_t len, size_t *n)
{
	unsigned char c = s[0];
	uint32_t cp, min;
	size_t need;

	if (c < 0x80) {
		*n = 1;
		return c;
	} else if ((c & 0xe0) == 0xc0) {
		need = 1, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3, cp = c & 0x07, min = 0x10000;
	} else {
		*n = 1;
		return 0xfffd;
	}
	if (len - 1 < need) {
		*n = 1;
		return 0xfffd;
	}
	for (size_t k = 1; k <= need; k++) {
		if ((s[k] & 0xc0) != 0x80) {
			*n = 1;
			return 0xfffd;
		}
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		*n = 1;
		return 0xfffd;
	}
	*n = need + 1;
	return cp;
}

static inline bool
armor_is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline unsigned char
armor_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Whether s[at..] starts with needle, ignoring ASCII case. */
static inline bool
armor_match_ci_at(const char *s, size_t len, size_t at, const char *needle)
{
	for (size_t k = 0; needle[k]; k++)
		if (at + k >= len || armor_lower((unsigned char)s[at + k]) != armor_lower((unsigned char)needle[k]))
			return false;
	return true;
}

/* Case-insensitive search for an ASCII needle; SIZE_MAX when absent. */
size_t armor_find_ci(const char *hay, size_t len, size_t from, const char *needle);

/* Whether a URL, an e-mail address, an IP address or an endpoint follows text[from..]. */
bool armor_has_destination(const struct armor_scan *scan, size_t from);

/* Case-insensitive search of scan->text[from..end) for an ASCII needle; SIZE_MAX when absent. */
size_t armor_scan_find(const struct armor_scan *scan, size_t from, size_t end, const char *needle);

/* Whether decoded bytes read as text: mostly printable, valid UTF-8. */
bool armor_looks_like_text(const unsigned char *s, size_t len);

/* Shannon entropy of s[0..len) in bits per byte. */
double armor_entropy(const char *s, size_t len);

#endif
