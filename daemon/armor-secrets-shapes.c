/* armor: credentials found by their shape: private keys, JWTs, passwords in URLs, auth headers, webhook URLs. */
#define _GNU_SOURCE
#include <string.h>

#include "armor-internal.h"

static bool
is_b64(unsigned char c)
{
	return armor_is_alnum(c) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_';
}

static bool
is_token_char(unsigned char c)
{
	return armor_is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' ||
	       c == '/' || c == '=';
}

/*
 * "-----BEGIN ... PRIVATE KEY-----" with a body. Code that only names
 * the header (a parser, a check) has no body and is left alone. The body
 * may be on lines of its own, or in a JSON string with "\n" in it.
 */
static void
private_keys(struct armor_scan *scan)
{
	const char *s = scan->text;

	for (size_t at = 0; (at = armor_scan_find(scan, at, scan->len, "-----BEGIN ")) != SIZE_MAX; at++) {
		size_t hdr_end = armor_scan_find(scan, at + 11, at + 200 < scan->len ? at + 200 : scan->len, "-----");
		size_t p, body = 0, end;

		if (hdr_end == SIZE_MAX || armor_scan_find(scan, at, hdr_end, "PRIVATE KEY") == SIZE_MAX)
			continue;
		for (p = hdr_end + 5; p < scan->len; p++) {
			if (is_b64((unsigned char)s[p]))
				body++;
			else if (s[p] == '\\' && p + 1 < scan->len && (s[p + 1] == 'n' || s[p + 1] == 'r'))
				p++;
			else if (s[p] == ':' || s[p] == ',') /* Proc-Type: 4,ENCRYPTED headers */
				continue;
			else if (s[p] != '\n' && s[p] != '\r' && s[p] != ' ' && s[p] != '\t' && s[p] != '"')
				break;
			if (p + 5 <= scan->len && memcmp(s + p, "-----", 5) == 0)
				break;
		}
		if (body < 40)
			continue;
		end = p;
		if (p + 9 <= scan->len && memcmp(s + p, "-----END ", 9) == 0) {
			size_t close = armor_scan_find(scan, p + 9, p + 200 < scan->len ? p + 200 : scan->len, "-----");

			if (close != SIZE_MAX)
				end = close + 5;
		}
		armor_secret_hit(scan, at, end - at, "private-key", 80, "secret.private-key");
		at = end - 1;
	}
	/* PuTTY keys: the private lines run up to the Private-MAC line. */
	for (size_t at = 0; (at = armor_scan_find(scan, at, scan->len, "Private-Lines:")) != SIZE_MAX; at++) {
		size_t limit = at + 8192 < scan->len ? at + 8192 : scan->len;
		size_t end = armor_scan_find(scan, at, limit, "Private-MAC:");

		if (armor_scan_find(scan, 0, at, "PuTTY-User-Key-File") == SIZE_MAX)
			continue;
		armor_secret_hit(scan, at, (end == SIZE_MAX ? limit : end) - at, "private-key", 80,
				 "secret.private-key");
		break;
	}
}

/* header.payload[.signature], where the header decodes to JSON naming an algorithm. */
static void
jwts(struct armor_scan *scan)
{
	const unsigned char *s = (const unsigned char *)scan->text;

	for (const char *hit = scan->text; (hit = memmem(hit, scan->len - (size_t)(hit - scan->text), "eyJ", 3)) != NULL; hit++) {
		size_t at = (size_t)(hit - scan->text);
		size_t a = at, b, c;
		unsigned char head[64];
		size_t n;

		if ((at > 0 && armor_is_alnum(s[at - 1])) || s[at] != 'e' || s[at + 2] != 'J')
			continue;
		while (a < scan->len && (armor_is_alnum(s[a]) || s[a] == '-' || s[a] == '_'))
			a++;
		/* Another "eyJ" inside this run would end at the same place: go past it. */
		hit = scan->text + a - 1;
		if (a - at < 10 || a >= scan->len || s[a] != '.')
			continue;
		for (b = a + 1; b < scan->len && (armor_is_alnum(s[b]) || s[b] == '-' || s[b] == '_'); b++)
			;
		if (b - a - 1 < 10)
			continue;
		c = b;
		if (c < scan->len && s[c] == '.')
			for (c++; c < scan->len && (armor_is_alnum(s[c]) || s[c] == '-' || s[c] == '_' || s[c] == '='); c++)
				;
		n = armor_base64_decode(scan->text + at, a - at < 84 ? a - at : 84, head, sizeof head);
		if (n < 8 || head[0] != '{' ||
		    (armor_find_ci((const char *)head, n, 0, "\"alg\"") == SIZE_MAX &&
		     armor_find_ci((const char *)head, n, 0, "\"typ\"") == SIZE_MAX &&
		     armor_find_ci((const char *)head, n, 0, "\"kid\"") == SIZE_MAX &&
		     armor_find_ci((const char *)head, n, 0, "\"enc\"") == SIZE_MAX))
			continue;
		armor_secret_hit(scan, at, c - at, "jwt", 50, "secret.jwt");
		hit = scan->text + c - 1;
	}
}

static bool
password_placeholder(const char *p, size_t n)
{
	static const char *const words[] = { "password", "passwd", "pass", "pwd", "pw", "secret",
					     "changeme", "yourpassword", "mypassword", "user", "xxx",
					     "***", "token", "apikey", "api_key", "pat", "x-oauth-basic" };

	if (n == 0 || p[0] == '$' || p[0] == '{' || p[0] == '<' || p[0] == '%' || p[0] == '[' ||
	    p[0] == '*' || p[0] == ':')
		return true;
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
		if (strlen(words[k]) == n && armor_find_ci(p, n, 0, words[k]) == 0)
			return true;
	return armor_secret_placeholder(p, n);
}

/* scheme://user:password@host, in database URLs, broker URLs and plain HTTP ones. */
static void
url_credentials(struct armor_scan *scan)
{
	const char *s = scan->text;

	for (const char *hit = s; (hit = memmem(hit, scan->len - (size_t)(hit - s), "://", 3)) != NULL; hit++) {
		size_t at = (size_t)(hit - s);
		size_t scheme = at, p, colon = SIZE_MAX, atsign = SIZE_MAX;
		bool web;

		while (scheme > 0 && (armor_is_alnum((unsigned char)s[scheme - 1]) || s[scheme - 1] == '+' ||
				      s[scheme - 1] == '.' || s[scheme - 1] == '-'))
			scheme--;
		if (at - scheme < 2)
			continue;
		for (p = at + 3; p < scan->len && p - at < 300; p++) {
			unsigned char c = (unsigned char)s[p];

			if (c == '/' || c == '?' || c == '#' || c <= ' ' || c == '"' || c == '\'' ||
			    c == '<' || c == '>' || c == '`' || c == '\\')
				break;
			if (c == ':' && colon == SIZE_MAX)
				colon = p;
			if (c == '@')
				atsign = p;
		}
		/* "[REDACTED:kind]" in the user part is our own marker, not a password. */
		if (atsign == SIZE_MAX || colon == SIZE_MAX || colon > atsign || memchr(s + at + 3, '[', atsign - at - 3))
			continue;
		if (password_placeholder(s + colon + 1, atsign - colon - 1))
			continue;
		/* Digits only, five at most: a port, as in "host:8080@..." typed by mistake. */
		if (atsign - colon - 1 <= 5 && strspn(s + colon + 1, "0123456789") >= atsign - colon - 1)
			continue;
		web = armor_find_ci(s + scheme, at - scheme, 0, "http") == 0 ||
		      armor_find_ci(s + scheme, at - scheme, 0, "ftp") == 0;
		armor_secret_hit(scan, colon + 1, atsign - colon - 1,
				 web ? "url-credentials" : "connection-string", 55,
				 web ? "secret.url-credentials" : "secret.connection-string");
	}
}

/* Skips a quote or two, a colon or an equals sign and blanks, as between a header name and its value. */
static size_t
skip_separator(const char *s, size_t len, size_t p)
{
	size_t k = 0;

	while (p < len && k < 6 && (s[p] == '"' || s[p] == '\'' || s[p] == ':' || s[p] == '=' || s[p] == ' ' || s[p] == '\t'))
		p++, k++;
	return p;
}

static size_t
token_end(const char *s, size_t len, size_t p)
{
	size_t start = p;

	while (p < len && p - start < 4096 && is_token_char((unsigned char)s[p]))
		p++;
	return p;
}

static bool
starts_ci(const char *s, size_t len, size_t p, const char *word)
{
	size_t n = strlen(word);

	return p + n <= len && armor_find_ci(s, p + n, p, word) == p;
}

/* "Authorization: Bearer ...", "Basic ...", and a bare "Bearer <long token>". */
static void
auth_headers(struct armor_scan *scan)
{
	static const char *const schemes[] = { "bearer ", "basic ", "token ", "bot ", "digest ", "apikey ", "ssws ", "jwt " };
	const char *s = scan->text;

	for (size_t at = 0; (at = armor_scan_find(scan, at, scan->len, "authorization")) != SIZE_MAX; at++) {
		size_t p = skip_separator(s, scan->len, at + 13), v, end;
		const char *kind = "bearer-token";

		if (p == at + 13)
			continue;
		for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++)
			if (starts_ci(s, scan->len, p, schemes[k])) {
				p += strlen(schemes[k]);
				kind = k == 1 ? "basic-auth" : "bearer-token";
				break;
			}
		v = p;
		end = token_end(s, scan->len, v);
		if (end - v >= 8 && !password_placeholder(s + v, end - v))
			armor_secret_hit(scan, v, end - v, kind, 55, "secret.authorization-header");
	}
	for (size_t at = 0; (at = armor_scan_find(scan, at, scan->len, "bearer ")) != SIZE_MAX; at++) {
		size_t v = at + 7, end = token_end(s, scan->len, v);

		if (end - v >= 20 && armor_entropy(s + v, end - v) >= 3.5 && !password_placeholder(s + v, end - v))
			armor_secret_hit(scan, v, end - v, "bearer-token", 55, "secret.authorization-header");
	}
}

/* curl -u user:password, sshpass -p password, mysql -pPASSWORD. */
static void
command_passwords(struct armor_scan *scan)
{
	const char *s = scan->text;
	static const struct {
		const char *program;
		const char *flag;
		bool needs_colon;
	} flags[] = {
		{ "curl", " -u ", true }, { "curl", " --user ", true }, { "curl", " -u\"", true },
		{ "curl", " -u'", true }, { "sshpass", " -p ", false }, { "mysql", " -p", false },
		{ "mysqldump", " -p", false }, { "mysqladmin", " -p", false }, { "mariadb", " -p", false },
	};

	for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
		size_t prog = armor_scan_find(scan, 0, scan->len, flags[k].program);

		for (size_t at = prog; prog != SIZE_MAX && (at = armor_scan_find(scan, at, scan->len, flags[k].flag)) != SIZE_MAX; at++) {
			size_t v = at + strlen(flags[k].flag), end;
			char quote = 0;

			if (v < scan->len && (s[v] == '"' || s[v] == '\''))
				quote = s[v++];
			else if (s[v - 1] == '"' || s[v - 1] == '\'')
				quote = s[v - 1];
			for (end = v; end < scan->len && end - v < 256 && s[end] != '\n' &&
				      (quote ? s[end] != quote : (s[end] != ' ' && s[end] != '\t'));
			     end++)
				;
			/* Too long to be a password, and cut off maybe inside a character. */
			if (end - v < 4 || end - v >= 256 || (!flags[k].needs_colon && s[v] == '-'))
				continue;
			if (flags[k].needs_colon) {
				const char *colon = memchr(s + v, ':', end - v);

				if (colon == NULL || (colon + 1 == s + end && colon - (s + v) < 8) ||
				    password_placeholder(colon + 1, (size_t)(s + end - colon - 1)))
					continue;
			} else if (password_placeholder(s + v, end - v)) {
				continue;
			}
			armor_secret_hit(scan, v, end - v, "password", 50, "secret.command-password");
		}
	}
}

static void
webhooks(struct armor_scan *scan)
{
	static const struct {
		const char *host;
		const char *kind;
		size_t min;
	} hooks[] = {
		{ "hooks.slack.com/services/", "slack-webhook", 20 },
		{ "hooks.slack.com/workflows/", "slack-webhook", 20 },
		{ "hooks.slack.com/triggers/", "slack-webhook", 20 },
		{ "discord.com/api/webhooks/", "discord-webhook", 40 },
		{ "discordapp.com/api/webhooks/", "discord-webhook", 40 },
		{ "webhook.office.com/webhookb2/", "teams-webhook", 40 },
		{ "outlook.office.com/webhook/", "teams-webhook", 40 },
	};
	const char *s = scan->text;

	for (size_t k = 0; k < sizeof hooks / sizeof hooks[0]; k++)
		for (size_t at = 0; (at = armor_scan_find(scan, at, scan->len, hooks[k].host)) != SIZE_MAX; at++) {
			size_t v = at + strlen(hooks[k].host), end = v;

			while (end < scan->len && (armor_is_alnum((unsigned char)s[end]) || s[end] == '/' ||
						   s[end] == '_' || s[end] == '-' || s[end] == '@'))
				end++;
			if (end - v >= hooks[k].min && !armor_secret_placeholder(s + v, end - v))
				armor_secret_hit(scan, v, end - v, hooks[k].kind, 55, "secret.webhook-url");
		}
}

/* Shapes with a fixed marker in the middle: Telegram bot tokens, Azure AD secrets, Mailchimp keys. */
static void
marked_tokens(struct armor_scan *scan)
{
	const unsigned char *s = (const unsigned char *)scan->text;

	for (size_t i = 1; i + 2 < scan->len; i++) {
		if (s[i] == ':' && s[i + 1] == 'A') { /* 123456789:AA... */
			size_t d = i, e = i + 1;

			while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
				d--;
			while (e < scan->len && (armor_is_alnum(s[e]) || s[e] == '_' || s[e] == '-'))
				e++;
			if (i - d >= 8 && i - d <= 10 && e - i - 1 >= 34 && e - i - 1 <= 36 &&
			    (d == 0 || !armor_is_alnum(s[d - 1]) ||
			     (d >= 3 && memcmp(s + d - 3, "bot", 3) == 0)))
				armor_secret_hit(scan, d, e - d, "telegram-bot-token", 55, "secret.telegram-bot-token");
		} else if (s[i] == 'Q' && s[i + 1] == '~' && i >= 4 && s[i - 1] >= '0' && s[i - 1] <= '9') {
			size_t e = i + 2, b = i - 4;

			while (e < scan->len && e - i < 40 &&
			       (armor_is_alnum(s[e]) || s[e] == '_' || s[e] == '~' || s[e] == '.' || s[e] == '-'))
				e++;
			bool head = true;

			for (size_t k = b; k < i - 1; k++)
				head = head && (armor_is_alnum(s[k]) || s[k] == '_' || s[k] == '~' || s[k] == '.');
			if (head && e - i - 2 >= 31 && e - i - 2 <= 34 && (b == 0 || !armor_is_alnum(s[b - 1])) &&
			    !armor_secret_placeholder(scan->text + i + 2, e - i - 2))
				armor_secret_hit(scan, b, e - b, "azure-ad-client-secret", 60, "secret.azure-ad-client-secret");
		} else if (s[i] == '-' && s[i + 1] == 'u' && s[i + 2] == 's' && i >= 32) {
			size_t e = i + 3, b = i - 32;
			bool hex = true;

			while (e < scan->len && e - i - 3 < 3 && s[e] >= '0' && s[e] <= '9')
				e++;
			for (size_t k = b; k < i && hex; k++)
				hex = (s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f');
			if (hex && e > i + 3 && e - i - 3 <= 2 && (e == scan->len || !armor_is_alnum(s[e])) &&
			    (b == 0 || !armor_is_alnum(s[b - 1])))
				armor_secret_hit(scan, b, e - b, "mailchimp-api-key", 55, "secret.mailchimp-api-key");
		}
	}
}

/* The end of a base64url run from i, looking at most max + 1 characters. */
static size_t
b64url_run(const unsigned char *s, size_t len, size_t i, size_t max)
{
	size_t start = i;

	while (i < len && i - start <= max && (armor_is_alnum(s[i]) || s[i] == '-' || s[i] == '_'))
		i++;
	return i;
}

/* Discord bot tokens: base64 of the bot's numeric ID, a timestamp, an HMAC. */
static void
discord_tokens(struct armor_scan *scan)
{
	const unsigned char *s = (const unsigned char *)scan->text;

	for (size_t i = 0; i + 58 <= scan->len; i++) {
		size_t a, b, c, n;
		unsigned char id[32];
		bool digits = true;

		if ((s[i] != 'M' && s[i] != 'N' && s[i] != 'O') || (i > 0 && armor_is_alnum(s[i - 1])))
			continue;
		a = b64url_run(s, scan->len, i, 28);
		if (a - i < 23 || a - i > 28 || a >= scan->len || s[a] != '.')
			continue;
		b = b64url_run(s, scan->len, a + 1, 6);
		if (b - a - 1 != 6 || b >= scan->len || s[b] != '.')
			continue;
		c = b64url_run(s, scan->len, b + 1, 40);
		if (c - b - 1 < 27 || c - b - 1 > 40)
			continue;
		n = armor_base64_decode(scan->text + i, a - i, id, sizeof id);
		for (size_t k = 0; k < n && digits; k++)
			digits = id[k] >= '0' && id[k] <= '9';
		if (digits && n >= 17 && (c == scan->len || !armor_is_alnum(s[c]))) {
			armor_secret_hit(scan, i, c - i, "discord-bot-token", 60, "secret.discord-bot-token");
			i = c - 1;
		}
	}
}

void
armor_secret_shapes(struct armor_scan *scan)
{
	discord_tokens(scan);
	private_keys(scan);
	jwts(scan);
	url_credentials(scan);
	auth_headers(scan);
	command_passwords(scan);
	webhooks(scan);
	marked_tokens(scan);
}
