/* armor: credentials with a vendor prefix (ghp_, xoxb-, AKIA, sk-ant-, ...) and the scan that runs every secret detector. */
#include <stdlib.h>
#include <string.h>

#include "armor-internal.h"

/*
 * Most vendors now give their tokens a prefix (ghp_, xoxb-, sk_live_,
 * AKIA, glpat-) so that scanners can find them without guessing; those
 * are matched here by prefix, allowed characters and length. Values that
 * are only a credential by context (password=..., "apiKey": "...") are
 * armor-secrets-generic.c's. Obvious placeholders (xxxx, EXAMPLE, a run
 * of one character) are not secrets.
 */

enum charset {
	CS_ALNUM = 1 << 0,	/* A-Z a-z 0-9 */
	CS_UNDERSCORE = 1 << 1,
	CS_DASH = 1 << 2,
	CS_PLUS_SLASH = 1 << 3,
	CS_DOT = 1 << 4,
	CS_EQUALS = 1 << 5,
	CS_HEX = 1 << 6,	/* only 0-9 a-f A-F */
	CS_UPPER = 1 << 7,	/* letters only in capitals */
	CS_LOWER = 1 << 8,	/* letters only in lower case */
};
#define B64URL (CS_ALNUM | CS_UNDERSCORE | CS_DASH)
#define B64ANY (CS_ALNUM | CS_UNDERSCORE | CS_DASH | CS_PLUS_SLASH | CS_DOT | CS_EQUALS)

enum check {
	CHECK_NONE,
	CHECK_MAESTRO,		/* 8 hex, '_', 43 base64url */
	CHECK_SENDGRID,		/* 22 '.' 43 */
	CHECK_SK,		/* sk-...: OpenAI when it holds T3BlbkFJ */
	CHECK_DIGITS,		/* real ones carry numeric IDs */
	CHECK_DASHES,		/* groups: A3-XXXXXX-XXXXXX-XXXXX-... */
};

struct prefix_rule {
	const char *prefix;
	uint8_t prefix_len;
	uint16_t charset;
	uint16_t min, max;	/* length of what follows the prefix */
	uint8_t weight;
	uint8_t check;
	const char *kind;
	const char *rule;
};

#define P(pfx, cs, lo, hi, w, k) { pfx, sizeof pfx - 1, cs, lo, hi, w, CHECK_NONE, k, "secret." k }
#define PC(pfx, cs, lo, hi, w, chk, k) { pfx, sizeof pfx - 1, cs, lo, hi, w, chk, k, "secret." k }

static const struct prefix_rule prefix_rules[] = {
	P("AKIA", CS_ALNUM | CS_UPPER, 16, 16, 65, "aws-access-key-id"),
	P("ASIA", CS_ALNUM | CS_UPPER, 16, 16, 65, "aws-access-key-id"),
	P("ABIA", CS_ALNUM | CS_UPPER, 16, 16, 65, "aws-access-key-id"),
	P("ACCA", CS_ALNUM | CS_UPPER, 16, 16, 65, "aws-access-key-id"),
	P("AGPA", CS_ALNUM | CS_UPPER, 16, 16, 55, "aws-access-key-id"),
	P("AROA", CS_ALNUM | CS_UPPER, 16, 16, 55, "aws-access-key-id"),
	P("AIDA", CS_ALNUM | CS_UPPER, 16, 16, 55, "aws-access-key-id"),
	P("ANPA", CS_ALNUM | CS_UPPER, 16, 16, 55, "aws-access-key-id"),
	P("ANVA", CS_ALNUM | CS_UPPER, 16, 16, 55, "aws-access-key-id"),
	P("APKA", CS_ALNUM | CS_UPPER, 16, 16, 55, "aws-access-key-id"),
	P("A3T", CS_ALNUM | CS_UPPER, 17, 17, 55, "aws-access-key-id"),
	P("ABSK", CS_ALNUM | CS_PLUS_SLASH | CS_EQUALS, 100, 400, 60, "aws-bedrock-api-key"),
	P("ghp_", CS_ALNUM, 36, 255, 65, "github-token"),
	P("gho_", CS_ALNUM, 36, 255, 65, "github-token"),
	P("ghu_", CS_ALNUM, 36, 255, 65, "github-token"),
	P("ghs_", CS_ALNUM, 36, 255, 65, "github-token"),
	P("ghr_", CS_ALNUM, 36, 255, 65, "github-token"),
	P("github_pat_", CS_ALNUM | CS_UNDERSCORE, 22, 255, 65, "github-token"),
	P("glpat-", B64URL | CS_DOT, 20, 255, 65, "gitlab-token"),
	P("gldt-", B64URL, 20, 255, 60, "gitlab-token"),
	P("glrt-", B64URL, 20, 255, 60, "gitlab-token"),
	P("glptt-", B64URL, 20, 255, 60, "gitlab-token"),
	P("glcbt-", B64URL, 20, 255, 60, "gitlab-token"),
	P("glft-", B64URL, 20, 255, 60, "gitlab-token"),
	P("glimt-", B64URL, 20, 255, 60, "gitlab-token"),
	P("glagent-", B64URL, 20, 255, 60, "gitlab-token"),
	P("gloas-", B64URL, 20, 255, 60, "gitlab-token"),
	P("glsoat-", B64URL, 20, 255, 60, "gitlab-token"),
	P("glffct-", B64URL, 20, 255, 60, "gitlab-token"),
	P("GR1348941", B64URL, 20, 255, 60, "gitlab-token"),
	PC("xoxb-", CS_ALNUM | CS_DASH, 20, 255, 65, CHECK_DIGITS, "slack-token"),
	PC("xoxp-", CS_ALNUM | CS_DASH, 20, 255, 65, CHECK_DIGITS, "slack-token"),
	PC("xoxa-", CS_ALNUM | CS_DASH, 20, 255, 65, CHECK_DIGITS, "slack-token"),
	PC("xoxr-", CS_ALNUM | CS_DASH, 20, 255, 65, CHECK_DIGITS, "slack-token"),
	PC("xoxs-", CS_ALNUM | CS_DASH, 20, 255, 65, CHECK_DIGITS, "slack-token"),
	PC("xoxe.xox", CS_ALNUM | CS_DASH, 20, 255, 65, CHECK_DIGITS, "slack-token"),
	PC("xoxe-", CS_ALNUM | CS_DASH, 20, 255, 65, CHECK_DIGITS, "slack-token"),
	PC("xapp-", CS_ALNUM | CS_DASH, 20, 255, 65, CHECK_DIGITS, "slack-token"),
	P("sk_live_", CS_ALNUM, 10, 255, 65, "stripe-secret-key"),
	P("rk_live_", CS_ALNUM, 10, 255, 65, "stripe-secret-key"),
	P("sk_test_", CS_ALNUM, 10, 255, 55, "stripe-secret-key"),
	P("rk_test_", CS_ALNUM, 10, 255, 55, "stripe-secret-key"),
	P("sk_prod_", CS_ALNUM, 10, 255, 65, "stripe-secret-key"),
	P("rk_prod_", CS_ALNUM, 10, 255, 65, "stripe-secret-key"),
	P("whsec_", CS_ALNUM, 24, 255, 60, "stripe-webhook-secret"),
	P("AIza", B64URL, 35, 35, 60, "google-api-key"),
	P("GOCSPX-", B64URL, 24, 40, 65, "google-oauth-client-secret"),
	P("ya29.", B64URL | CS_DOT, 20, 2048, 60, "google-oauth-token"),
	P("sk-ant-", B64URL, 32, 255, 70, "anthropic-api-key"),
	P("sk-proj-", B64URL, 20, 255, 70, "openai-api-key"),
	P("sk-svcacct-", B64URL, 20, 255, 70, "openai-api-key"),
	P("sk-admin-", B64URL, 20, 255, 70, "openai-api-key"),
	P("sk-None-", B64URL, 20, 255, 70, "openai-api-key"),
	PC("sk-", CS_ALNUM, 32, 255, 60, CHECK_SK, "api-key"),
	P("sk-or-v1-", CS_HEX, 64, 64, 65, "openrouter-api-key"),
	P("hf_", CS_ALNUM, 30, 40, 60, "huggingface-token"),
	P("api_org_", CS_ALNUM, 30, 40, 60, "huggingface-token"),
	P("npm_", CS_ALNUM, 36, 36, 60, "npm-token"),
	P("pypi-AgE", B64URL, 50, 512, 65, "pypi-token"),
	P("shpat_", CS_HEX, 32, 32, 60, "shopify-token"),
	P("shpca_", CS_HEX, 32, 32, 60, "shopify-token"),
	P("shppa_", CS_HEX, 32, 32, 60, "shopify-token"),
	P("shpss_", CS_HEX, 32, 32, 60, "shopify-token"),
	P("dop_v1_", CS_HEX, 64, 64, 60, "digitalocean-token"),
	P("doo_v1_", CS_HEX, 64, 64, 60, "digitalocean-token"),
	P("dor_v1_", CS_HEX, 64, 64, 60, "digitalocean-token"),
	PC("SG.", B64URL | CS_DOT, 60, 80, 60, CHECK_SENDGRID, "sendgrid-api-key"),
	P("key-", CS_HEX | CS_LOWER, 32, 32, 55, "mailgun-api-key"),
	P("SK", CS_HEX | CS_LOWER, 32, 32, 55, "twilio-api-key"),
	P("HRKU-", B64URL, 60, 60, 60, "heroku-api-key"),
	P("dapi", CS_HEX | CS_LOWER, 32, 32, 60, "databricks-token"),
	P("hvs.", B64URL, 24, 255, 60, "vault-token"),
	P("hvb.", B64URL, 24, 255, 60, "vault-token"),
	P("hvr.", B64URL, 24, 255, 55, "vault-token"),
	P("glc_", CS_ALNUM | CS_PLUS_SLASH | CS_EQUALS, 32, 400, 60, "grafana-token"),
	P("glsa_", CS_ALNUM | CS_UNDERSCORE, 32, 50, 60, "grafana-token"),
	P("sntrys_", B64ANY, 50, 512, 60, "sentry-token"),
	P("sntryu_", CS_HEX | CS_LOWER, 64, 64, 60, "sentry-token"),
	P("PMAK-", CS_HEX | CS_DASH, 59, 59, 60, "postman-api-key"),
	P("pul-", CS_HEX | CS_LOWER, 40, 40, 60, "pulumi-token"),
	P("dp.pt.", CS_ALNUM, 40, 44, 60, "doppler-token"),
	P("dp.st.", CS_ALNUM | CS_UNDERSCORE | CS_DASH | CS_DOT, 40, 90, 60, "doppler-token"),
	P("lin_api_", CS_ALNUM, 40, 40, 60, "linear-api-key"),
	P("pscale_tkn_", B64ANY, 32, 64, 60, "planetscale-token"),
	P("pscale_pw_", B64ANY, 32, 64, 60, "planetscale-token"),
	P("pscale_oauth_", B64ANY, 32, 64, 60, "planetscale-token"),
	P("NRAK-", CS_ALNUM | CS_UPPER, 27, 27, 60, "newrelic-api-key"),
	P("NRJS-", CS_HEX, 19, 19, 55, "newrelic-api-key"),
	P("NRII-", B64URL, 32, 32, 55, "newrelic-api-key"),
	P("NRAA-", CS_HEX, 27, 27, 55, "newrelic-api-key"),
	P("NRIQ-", B64URL, 32, 32, 55, "newrelic-api-key"),
	P("dp.scim.", CS_ALNUM, 40, 44, 60, "doppler-token"),
	P("tvly-", CS_ALNUM, 30, 48, 60, "tavily-api-key"),
	P("oy2", CS_ALNUM | CS_LOWER, 43, 43, 55, "nuget-api-key"),
	P("squ_", CS_ALNUM, 40, 40, 60, "sonarqube-token"),
	P("sqp_", CS_ALNUM, 40, 40, 60, "sonarqube-token"),
	P("sqa_", CS_ALNUM, 40, 40, 60, "sonarqube-token"),
	P("eyJrIjoi", CS_ALNUM | CS_PLUS_SLASH | CS_EQUALS, 40, 400, 60, "grafana-api-key"),
	PC("A3-", CS_ALNUM | CS_UPPER | CS_DASH, 30, 40, 60, CHECK_DASHES, "1password-secret-key"),
	P("AGE-SECRET-KEY-1", CS_ALNUM | CS_UPPER, 58, 58, 75, "age-secret-key"),
	P("ops_eyJ", B64ANY, 200, 2048, 65, "1password-token"),
	P("ntn_", CS_ALNUM, 40, 50, 60, "notion-token"),
	P("secret_", CS_ALNUM, 43, 43, 50, "notion-token"),
	P("sl.", B64URL | CS_DOT, 130, 1500, 60, "dropbox-token"),
	P("EAA", CS_ALNUM, 100, 512, 55, "facebook-token"),
	P("AAAAAAAAAAAAAAAAAAAAA", CS_ALNUM | CS_EQUALS, 30, 512, 60, "twitter-bearer-token"),
	P("sq0atp-", B64URL, 22, 60, 60, "square-token"),
	P("sq0csp-", B64URL, 40, 60, 60, "square-token"),
	P("shippo_live_", CS_HEX | CS_LOWER, 40, 40, 60, "shippo-token"),
	P("shippo_test_", CS_HEX | CS_LOWER, 40, 40, 50, "shippo-token"),
	P("EZAK", CS_ALNUM, 54, 54, 60, "easypost-api-key"),
	P("EZTK", CS_ALNUM, 54, 54, 50, "easypost-api-key"),
	P("fo1_", B64URL, 43, 43, 60, "flyio-token"),
	P("fm1r_", B64ANY, 100, 1024, 60, "flyio-token"),
	P("fm2_", B64ANY, 100, 1024, 60, "flyio-token"),
	P("rdme_", CS_ALNUM, 70, 70, 60, "readme-api-key"),
	P("sgp_", CS_ALNUM | CS_UNDERSCORE, 40, 64, 60, "sourcegraph-token"),
	P("CLOJARS_", CS_ALNUM, 60, 60, 60, "clojars-token"),
	P("rubygems_", CS_HEX | CS_LOWER, 48, 48, 60, "rubygems-api-key"),
	P("dt0c01.", CS_ALNUM | CS_DOT, 80, 100, 60, "dynatrace-token"),
	P("p8e-", B64URL, 32, 32, 55, "adobe-client-secret"),
	P("LTAI", CS_ALNUM, 20, 24, 55, "alibaba-access-key-id"),
	P("ATATT3", B64ANY, 100, 300, 60, "atlassian-api-token"),
	P("xkeysib-", CS_HEX | CS_DASH, 80, 90, 60, "brevo-api-key"),
	P("dckr_pat_", B64URL, 27, 40, 60, "docker-hub-token"),
	P("tskey-", B64URL, 20, 80, 60, "tailscale-key"),
	P("vercel_", CS_ALNUM | CS_UNDERSCORE, 24, 80, 55, "vercel-token"),
	P("nfp_", CS_ALNUM, 36, 40, 60, "netlify-token"),
	P("figd_", B64URL, 40, 60, 60, "figma-token"),
	P("lsv2_", CS_ALNUM | CS_UNDERSCORE, 40, 80, 60, "langsmith-api-key"),
	P("gsk_", CS_ALNUM, 48, 60, 60, "groq-api-key"),
	P("r8_", CS_ALNUM, 37, 40, 60, "replicate-token"),
	P("pplx-", CS_ALNUM, 40, 60, 60, "perplexity-api-key"),
	P("xai-", CS_ALNUM, 60, 90, 60, "xai-api-key"),
	PC("mst_", B64URL, 52, 52, 80, CHECK_MAESTRO, "maestro-token"),
};

#define N_PREFIX_RULES (sizeof prefix_rules / sizeof prefix_rules[0])
_Static_assert(N_PREFIX_RULES < 256, "the index holds rule numbers in a byte");

/* Indexes into prefix_rules by first byte, longest prefix first; built by armor_init(). */
static struct {
	bool ready;
	uint8_t order[N_PREFIX_RULES];
	uint8_t start[257];
} by_byte;

static int
cmp_prefix(const void *a, const void *b)
{
	const struct prefix_rule *x = &prefix_rules[*(const uint8_t *)a];
	const struct prefix_rule *y = &prefix_rules[*(const uint8_t *)b];

	if (x->prefix[0] != y->prefix[0])
		return (unsigned char)x->prefix[0] < (unsigned char)y->prefix[0] ? -1 : 1;
	return (y->prefix_len > x->prefix_len) - (y->prefix_len < x->prefix_len);
}

int
armor_secret_init(void)
{
	size_t k = 0;

	for (size_t i = 0; i < N_PREFIX_RULES; i++)
		by_byte.order[i] = (uint8_t)i;
	qsort(by_byte.order, N_PREFIX_RULES, 1, cmp_prefix);
	for (unsigned c = 0; c < 256; c++) {
		by_byte.start[c] = (uint8_t)k;
		while (k < N_PREFIX_RULES && (unsigned char)prefix_rules[by_byte.order[k]].prefix[0] == c)
			k++;
	}
	by_byte.start[256] = (uint8_t)k;
	by_byte.ready = true;
	return 0;
}

void
armor_secret_fini(void)
{
	memset(&by_byte, 0, sizeof by_byte);
}

static bool
in_charset(unsigned char c, unsigned cs)
{
	if (cs & CS_HEX) {
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

		if (hex)
			return !((cs & CS_LOWER) && c >= 'A' && c <= 'F');
		return (cs & CS_DASH) && c == '-';
	}
	if (armor_is_alnum(c)) {
		if ((cs & CS_UPPER) && c >= 'a' && c <= 'z')
			return false;
		if ((cs & CS_LOWER) && c >= 'A' && c <= 'Z')
			return false;
		return true;
	}
	return ((cs & CS_UNDERSCORE) && c == '_') || ((cs & CS_DASH) && c == '-') ||
	       ((cs & CS_PLUS_SLASH) && (c == '+' || c == '/')) || ((cs & CS_DOT) && c == '.') ||
	       ((cs & CS_EQUALS) && c == '=');
}

/*
 * Words that make a value a stand-in. A random token of 40 characters
 * holds a given 4-letter word with odds of about one in a million.
 */
static const char *const fakes[] = {
	"xxxx", "****", "....", "example", "placeholder", "your_", "your-", "yourkey", "yourtoken",
	"<", "redacted", "dummy", "sample", "replace", "insert", "${", "{{", "changeit", "hello",
	"world", "here", "foobar", "lorem", "ipsum", "testing", "testin", "fake", "notreal",
	"not_real", "not-real", "mytoken", "mysecret", "mykey", "secretkey", "apikey",
};

bool
armor_secret_placeholder(const char *v, size_t n)
{
	size_t run = 1, longest = 1, x = 0, ascending = 0;
	bool seen[256] = { false };
	unsigned distinct = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		run = i > 0 && v[i] == v[i - 1] ? run + 1 : 1;
		if (run > longest)
			longest = run;
		/* "abcdef", "123456": a run counting up is typed, not drawn. */
		if (i > 0 && armor_is_alnum(c) && c == (unsigned char)v[i - 1] + 1)
			ascending++;
		x += c == 'x' || c == 'X' || c == '*' || c == '#';
		if (!seen[c])
			seen[c] = true, distinct++;
	}
	/* Long base64 tokens hold zero bytes ("AAAAAA"); only short ones or mostly-one-character ones are fakes. */
	if ((longest >= 6 && (n < 40 || longest * 4 >= n)) || x * 3 >= n || ascending * 10 >= n * 3 ||
	    (n >= 16 && distinct < 6) || (n >= 8 && distinct < 3))
		return true;
	for (size_t k = 0; k < sizeof fakes / sizeof fakes[0]; k++)
		if (armor_find_ci(v, n, 0, fakes[k]) != SIZE_MAX)
			return true;
	return false;
}

void
armor_secret_hit(struct armor_scan *scan, size_t off, size_t len, const char *kind, unsigned weight,
		 const char *rule)
{
	struct armor_hit h = {
		.category = ARMOR_SECRET,
		.weight = weight,
		.rule = rule,
		.message = "Contains a credential; it is redacted from what maestrod stores and returns.",
		.secret_kind = kind,
		.offset = off,
		.length = len,
	};

	armor_report(scan, &h);
}

static bool
check_body(const struct prefix_rule *r, const char *body, size_t n, const char **kind)
{
	switch (r->check) {
	case CHECK_MAESTRO:
		for (size_t i = 0; i < 8; i++)
			if (!in_charset((unsigned char)body[i], CS_HEX | CS_LOWER))
				return false;
		return body[8] == '_';
	case CHECK_SENDGRID: {
		const char *dot = memchr(body, '.', n);

		return dot && dot - body == 22 && memchr(dot + 1, '.', n - 23) == NULL;
	}
	case CHECK_DIGITS: {
		size_t digits = 0;

		for (size_t i = 0; i < n; i++)
			digits += body[i] >= '0' && body[i] <= '9';
		return digits >= 6;
	}
	case CHECK_DASHES: {
		size_t dashes = 0;

		for (size_t i = 0; i < n; i++)
			dashes += body[i] == '-';
		return dashes >= 4;
	}
	case CHECK_SK:
		/* Mixed letters and digits: "sk-" also starts ordinary words in kebab-case. */
		if (armor_find_ci(body, n, 0, "T3BlbkFJ") != SIZE_MAX)
			*kind = "openai-api-key";
		return armor_entropy(body, n) >= 4.0;
	default:
		return true;
	}
}

/* Tries the prefix rules at text[i]; returns the end of a match, or 0. */
static size_t
match_prefix(struct armor_scan *scan, size_t i)
{
	const unsigned char *s = (const unsigned char *)scan->text;
	size_t first = by_byte.ready ? by_byte.start[s[i]] : 0;
	size_t last = by_byte.ready ? by_byte.start[s[i] + 1] : N_PREFIX_RULES;

	for (size_t e = first; e < last; e++) {
		const struct prefix_rule *r = &prefix_rules[by_byte.ready ? by_byte.order[e] : e];
		const char *kind = r->kind;
		size_t j, body;

		if (i + r->prefix_len > scan->len || memcmp(s + i, r->prefix, r->prefix_len) != 0)
			continue;
		body = i + r->prefix_len;
		for (j = body; j < scan->len && j - body <= r->max && in_charset(s[j], r->charset); j++)
			;
		if (j - body < r->min || j - body > r->max)
			continue;
		/* A token ends at the end of its characters, not in the middle of a longer word. */
		if (j < scan->len && (armor_is_alnum(s[j]) || s[j] == '_'))
			continue;
		if (armor_secret_placeholder(scan->text + body, j - body) ||
		    !check_body(r, scan->text + body, j - body, &kind))
			continue;
		armor_secret_hit(scan, i, j - i, kind, r->weight, r->rule);
		return j;
	}
	return 0;
}

void
armor_secret_scan(struct armor_scan *scan)
{
	const unsigned char *s = (const unsigned char *)scan->text;

	for (size_t i = 0; i < scan->len; i++) {
		size_t end;

		if (!armor_is_alnum(s[i]) || (i > 0 && armor_is_alnum(s[i - 1])))
			continue;
		end = match_prefix(scan, i);
		if (end)
			i = end - 1;
	}
	armor_secret_shapes(scan);
	armor_secret_assignments(scan);
}
