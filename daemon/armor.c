/* armor: runs the detectors over a text, collects their findings and weighs them into a verdict. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "armor-internal.h"

#define MALICIOUS_SCORE 75
#define SUSPICIOUS_SCORE 40

/*
 * How much each source weighs each family of findings, in percent. Text
 * the agent read (web pages, files, tool output) has no business telling
 * an AI what to do, so instructions there weigh more; a command or a file
 * being written may quote such words for good reasons (a test corpus, a
 * chat template), so they weigh less. Invisible and bidi characters have
 * no place in a command or a URL at all. A secret in a URL is on its way
 * out; one in something the agent read is only to be redacted.
 */
static const struct {
	const char *name;
	unsigned instruction, unicode, encoded, secret;
} sources[ARMOR_SOURCE_COUNT] = {
	[ARMOR_SOURCE_COMMAND] = { "command", 80, 130, 110, 100 },
	[ARMOR_SOURCE_FILE_CONTENT] = { "file_content", 80, 120, 90, 100 },
	[ARMOR_SOURCE_URL] = { "url", 90, 130, 110, 140 },
	[ARMOR_SOURCE_TOOL_ARGUMENTS] = { "tool_arguments", 90, 120, 100, 100 },
	[ARMOR_SOURCE_PROMPT] = { "prompt", 100, 100, 100, 100 },
	[ARMOR_SOURCE_UNTRUSTED_CONTEXT] = { "untrusted_context", 120, 120, 110, 80 },
	[ARMOR_SOURCE_TOOL_OUTPUT] = { "tool_output", 115, 110, 100, 80 },
};

static const char *const category_names[ARMOR_CATEGORY_COUNT] = {
	[ARMOR_INJECTION] = "injection",
	[ARMOR_JAILBREAK] = "jailbreak",
	[ARMOR_SYSTEM_PROMPT_EXTRACTION] = "system-prompt-extraction",
	[ARMOR_EXFILTRATION] = "exfiltration-instruction",
	[ARMOR_HIDDEN_UNICODE] = "hidden-unicode",
	[ARMOR_BIDI_CONTROL] = "bidi-control",
	[ARMOR_ENCODED_PAYLOAD] = "encoded-payload",
	[ARMOR_SECRET] = "secret",
};

int
armor_init(void)
{
	int r = armor_secret_init();

	return r < 0 ? r : armor_phrase_init();
}

void
armor_fini(void)
{
	armor_phrase_fini();
	armor_secret_fini();
}

const char *
armor_source_name(enum armor_source source)
{
	return (unsigned)source < ARMOR_SOURCE_COUNT ? sources[source].name : NULL;
}

int
armor_source_parse(const char *name, enum armor_source *source)
{
	for (unsigned i = 0; i < ARMOR_SOURCE_COUNT; i++)
		if (strcmp(name, sources[i].name) == 0) {
			*source = (enum armor_source)i;
			return 0;
		}
	return -EINVAL;
}

bool
armor_found_instructions(const struct armor_result *res)
{
	for (size_t i = 0; i < res->n_findings; i++)
		switch (res->findings[i].category) {
		case ARMOR_INJECTION:
		case ARMOR_JAILBREAK:
		case ARMOR_EXFILTRATION:
		case ARMOR_SYSTEM_PROMPT_EXTRACTION:
			return true;
		default:
			break;
		}
	return false;
}

const char *
armor_category_name(enum armor_category category)
{
	return (unsigned)category < ARMOR_CATEGORY_COUNT ? category_names[category] : NULL;
}

const char *
armor_verdict_name(enum armor_verdict verdict)
{
	switch (verdict) {
	case ARMOR_CLEAN:
		return "clean";
	case ARMOR_SUSPICIOUS:
		return "suspicious";
	case ARMOR_MALICIOUS:
		return "malicious";
	}
	return NULL;
}

static unsigned
weigh(enum armor_source source, enum armor_category category, unsigned weight)
{
	unsigned pct;

	switch (category) {
	case ARMOR_HIDDEN_UNICODE:
	case ARMOR_BIDI_CONTROL:
		pct = sources[source].unicode;
		break;
	case ARMOR_ENCODED_PAYLOAD:
		pct = sources[source].encoded;
		break;
	case ARMOR_SECRET:
		pct = sources[source].secret;
		break;
	default:
		pct = sources[source].instruction;
		break;
	}
	weight = weight * pct / 100;
	return weight > 100 ? 100 : weight;
}

static enum risk_level
risk_of(unsigned weight)
{
	return weight >= MALICIOUS_SCORE ? RISK_CRITICAL
	       : weight >= 50		 ? RISK_HIGH
	       : weight >= 25		 ? RISK_MEDIUM
					 : RISK_LOW;
}

/*
 * Keeps a finding. One phrase often trips several rules of a category
 * ("ignore all previous instructions" is both ignore-previous and
 * ignore-instructions): of findings of one category that overlap, only the
 * heaviest stays, so the list reads well and a phrase counts once. When
 * the list is full the lightest finding makes room.
 */
static void
keep_finding(struct armor_result *res, const struct armor_finding *fd)
{
	size_t lightest = 0;

	for (size_t i = 0; i < res->n_findings; i++) {
		struct armor_finding *old = &res->findings[i];
		bool overlap = fd->offset < old->offset + old->length &&
			       old->offset < fd->offset + fd->length;

		if (fd->length == 0 || old->length == 0)
			overlap = fd->offset == old->offset && strcmp(fd->rule, old->rule) == 0;
		if (old->category == fd->category && overlap) {
			if (fd->weight > old->weight)
				*old = *fd;
			return;
		}
		if (old->weight < res->findings[lightest].weight)
			lightest = i;
	}
	if (res->n_findings < ARMOR_MAX_FINDINGS) {
		res->findings[res->n_findings++] = *fd;
		return;
	}
	res->n_dropped++;
	if (fd->weight > res->findings[lightest].weight)
		res->findings[lightest] = *fd;
}

static void
keep_span(struct armor_sink *sink, size_t offset, size_t length, const char *kind)
{
	if (sink->n_spans == sink->spans_size) {
		struct armor_span *grown;
		size_t size = sink->spans_size ? 2 * sink->spans_size : 16;

		if (!sink->spans_on_heap) {
			sink->spans_overflow = true;
			return;
		}
		grown = realloc(sink->spans, size * sizeof *grown);
		if (grown == NULL) {
			sink->spans_overflow = true;
			return;
		}
		sink->spans = grown;
		sink->spans_size = size;
	}
	sink->spans[sink->n_spans++] = (struct armor_span){ offset, length, kind };
}

void
armor_report(struct armor_scan *scan, const struct armor_hit *hit)
{
	struct armor_sink *sink = scan->sink;
	struct armor_finding fd = {
		.category = hit->category,
		.weight = weigh(scan->source, hit->category, hit->weight),
		.rule = hit->rule,
		.message = hit->message,
		.secret_kind = hit->secret_kind,
		.offset = hit->offset,
		.length = hit->length,
		.depth = scan->depth,
	};

	/* A hit in decoded text is shown on the encoded run it came from. */
	if (scan->depth > 0) {
		fd.offset = scan->outer_offset;
		fd.length = scan->outer_length;
	}
	fd.risk = risk_of(fd.weight);
	if (hit->weight > scan->max_weight)
		scan->max_weight = hit->weight;
	if (hit->category != ARMOR_SECRET && hit->weight > scan->max_threat)
		scan->max_threat = hit->weight;
	if (sink->result)
		keep_finding(sink->result, &fd);
	if (sink->collect_spans && hit->category == ARMOR_SECRET && fd.length > 0)
		keep_span(sink, fd.offset, fd.length, hit->secret_kind);
}

size_t
armor_scan_find(const struct armor_scan *scan, size_t from, size_t end, const char *needle)
{
	char low[64];
	size_t n = strlen(needle);
	const char *hit;

	if (end > scan->len)
		end = scan->len;
	if (scan->lower == NULL || n > sizeof low)
		return armor_find_ci(scan->text, end, from, needle);
	if (from >= end || n == 0 || end - from < n)
		return SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)armor_lower((unsigned char)needle[i]);
	hit = memmem(scan->lower + from, end - from, low, n);
	return hit ? (size_t)(hit - scan->lower) : SIZE_MAX;
}

void
armor_scan_text(struct armor_scan *scan)
{
	/* One lower-case copy per text makes the many case-insensitive searches memmem() calls. */
	char *lower = scan->lower ? NULL : malloc(scan->len + 1);

	if (lower) {
		for (size_t i = 0; i < scan->len; i++)
			lower[i] = (char)armor_lower((unsigned char)scan->text[i]);
		scan->lower = lower;
	}
	armor_unicode_scan(scan);
	armor_secret_scan(scan);
	if (!scan->secrets_only) {
		armor_phrase_scan(scan);
		armor_marker_scan(scan);
	}
	armor_decode_scan(scan);
	if (lower) {
		scan->lower = NULL;
		free(lower);
	}
}

void
armor_scan_decoded(struct armor_scan *scan, const char *text, size_t len, size_t off,
		   size_t span_len, unsigned *max_weight, unsigned *max_threat)
{
	struct armor_scan child = *scan;

	*max_weight = *max_threat = 0;
	if (scan->depth >= ARMOR_MAX_DEPTH || len == 0 ||
	    scan->sink->decode_layers >= ARMOR_DECODE_LAYERS)
		return;
	scan->sink->decode_layers++;
	child.text = text;
	child.len = len;
	child.depth = scan->depth + 1;
	if (scan->depth == 0) {
		child.outer_offset = off;
		child.outer_length = span_len;
	}
	child.max_weight = child.max_threat = 0;
	child.lower = NULL;
	armor_scan_text(&child);
	*max_weight = child.max_weight;
	*max_threat = child.max_threat;
}

static int
cmp_findings(const void *a, const void *b)
{
	const struct armor_finding *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (x->category > y->category) - (x->category < y->category);
}

/*
 * The score: the three heaviest findings with different rules, combined
 * as independent evidence (1 - (1 - a)(1 - b)(1 - c)). Two weak signals
 * make a suspicion, one strong signal is enough alone. Secrets count
 * once however many there are: ten API keys are one reason to ask.
 */
static unsigned
score_of(const struct armor_result *res)
{
	unsigned top[3] = { 0, 0, 0 };
	const char *rules[3] = { NULL, NULL, NULL };
	double keep = 1.0;

	for (size_t i = 0; i < res->n_findings; i++) {
		const struct armor_finding *fd = &res->findings[i];
		const char *rule = fd->category == ARMOR_SECRET ? "secret" : fd->rule;
		unsigned w = fd->weight;
		size_t k;

		for (k = 0; k < 3; k++)
			if (rules[k] && strcmp(rules[k], rule) == 0)
				break;
		if (k < 3) {
			if (w <= top[k])
				continue;
			/* Heavier weight for a rule already counted: take it out, then place it. */
			for (; k < 2; k++)
				top[k] = top[k + 1], rules[k] = rules[k + 1];
			top[2] = 0, rules[2] = NULL;
		}
		for (k = 0; k < 3 && top[k] >= w; k++)
			;
		if (k == 3)
			continue;
		for (size_t j = 2; j > k; j--)
			top[j] = top[j - 1], rules[j] = rules[j - 1];
		top[k] = w, rules[k] = rule;
	}
	for (size_t k = 0; k < 3; k++)
		keep *= 1.0 - top[k] / 100.0;
	return (unsigned)(100.0 * (1.0 - keep) + 0.5);
}

void
armor_screen(const char *text, size_t len, enum armor_source source, struct armor_result *out)
{
	struct armor_sink sink = { .result = out, .decode_budget = ARMOR_DECODE_BUDGET };
	struct armor_scan scan = {
		.text = text ? text : "",
		.len = text ? len : 0,
		.source = (unsigned)source < ARMOR_SOURCE_COUNT ? source : ARMOR_SOURCE_PROMPT,
		.sink = &sink,
	};

	memset(out, 0, sizeof *out);
	if (!armor_phrase_ready()) {
		struct armor_hit hit = {
			.category = ARMOR_INJECTION,
			.rule = "screen.degraded",
			.message = "armor_init() has not run: the phrase rules were not applied.",
		};

		armor_report(&scan, &hit);
	}
	armor_scan_text(&scan);
	qsort(out->findings, out->n_findings, sizeof out->findings[0], cmp_findings);
	out->score = score_of(out);
	out->risk = risk_of(out->score);
	out->verdict = out->score >= MALICIOUS_SCORE	? ARMOR_MALICIOUS
		       : out->score >= SUSPICIOUS_SCORE ? ARMOR_SUSPICIOUS
							: ARMOR_CLEAN;
}

size_t
armor_find_ci(const char *hay, size_t len, size_t from, const char *needle)
{
	size_t n = strlen(needle);
	unsigned char first = armor_lower((unsigned char)needle[0]);

	for (size_t i = from; n > 0 && i + n <= len; i++) {
		size_t k;

		if (armor_lower((unsigned char)hay[i]) != first)
			continue;
		for (k = 1; k < n; k++)
			if (armor_lower((unsigned char)hay[i + k]) != armor_lower((unsigned char)needle[k]))
				break;
		if (k == n)
			return i;
	}
	return SIZE_MAX;
}

/* log2(x) for x >= 1 without libm: halve into [1, 2), then the atanh series. */
static double
log2_of(double x)
{
	double e = 0.0, t, t2, sum = 0.0, term;

	while (x >= 2.0) {
		x /= 2.0;
		e += 1.0;
	}
	t = (x - 1.0) / (x + 1.0);
	t2 = t * t;
	term = t;
	for (int k = 1; k <= 13; k += 2) {
		sum += term / k;
		term *= t2;
	}
	return e + 2.0 * sum / 0.6931471805599453;
}

double
armor_entropy(const char *s, size_t len)
{
	unsigned counts[256] = { 0 };
	double h = 0.0;

	if (len == 0)
		return 0.0;
	for (size_t i = 0; i < len; i++)
		counts[(unsigned char)s[i]]++;
	/* H = log2(n) - sum(c log2 c) / n */
	for (unsigned c = 0; c < 256; c++)
		if (counts[c] > 1)
			h += counts[c] * log2_of((double)counts[c]);
	return log2_of((double)len) - h / (double)len;
}

bool
armor_looks_like_text(const unsigned char *s, size_t len)
{
	size_t good = 0, letters = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len;) {
		size_t n;
		uint32_t cp = armor_utf8_next(s + i, len - i, &n);

		if (cp == 0xfffd && n == 1) {
			i++;
			continue;
		}
		if (cp >= 0x80 || (cp >= 0x20 && cp < 0x7f) || cp == '\n' || cp == '\r' || cp == '\t')
			good += n;
		if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
			letters++;
		i += n;
	}
	/* Random bytes are about 37% printable ASCII; text is nearly all of it. */
	return good * 100 >= len * 90 && letters * 4 >= len;
}
