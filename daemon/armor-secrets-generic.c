/* armor: credentials by context: a value assigned to a name that says password, secret, token or API key. */
#include <string.h>

#include "armor-internal.h"

/*
 * password=..., "apiKey": "...", DB_PASS := '...', --token ...,
 * <authToken>...</authToken>, setProperty("SECRET", "..."). The name is
 * split into words (snake_case, kebab-case, camelCase, dots) and must
 * contain a credential word; the last word must not say the value is
 * something else (token_url, password_file, api_key_name, max_tokens).
 * The value must look like a secret rather than code, a path, a
 * reference ($VAR, ${x}, os.environ[...]) or a placeholder.
 */

#define NAME_MAX_LEN 64
#define VALUE_MAX_LEN 4096

enum kind {
	KIND_NONE,
	KIND_PASSWORD,
	KIND_SECRET,
	KIND_TOKEN,
	KIND_API_KEY,
	KIND_PRIVATE_KEY,
	KIND_CREDENTIAL,
	KIND_KEY,		/* "..._KEY" with no word saying which: only very random values */
};

static const char *const kind_names[] = {
	[KIND_PASSWORD] = "password",
	[KIND_SECRET] = "secret",
	[KIND_TOKEN] = "token",
	[KIND_API_KEY] = "api-key",
	[KIND_PRIVATE_KEY] = "private-key",
	[KIND_CREDENTIAL] = "credential",
	[KIND_KEY] = "api-key",
};

/* A last word that makes the value something other than the credential. */
static const char *const not_the_value[] = {
	"id", "ids", "name", "names", "type", "types", "file", "files", "path", "paths", "dir",
	"url", "uri", "endpoint", "length", "len", "size", "count", "max", "min", "limit",
	"expiry", "expires", "expiration", "expire", "ttl", "timeout", "hint", "field", "label",
	"format", "prefix", "suffix", "header", "policy", "enabled", "enable", "required", "env",
	"var", "ref", "mode", "version", "regex", "pattern", "validator", "placeholder",
	"description", "desc", "template", "reset", "strength", "input", "tokenizer", "tokens",
	"fingerprint", "hash", "hashed", "digest", "public", "pub", "publishable", "algorithm",
	"alg", "kind", "store", "storage", "provider", "manager", "service", "class", "method",
	"function", "func", "handler", "callback", "event", "location", "region", "index",
	"position", "level", "schema", "spec", "source", "target", "status", "state", "error",
	"message", "msg", "text", "title", "rotation", "scope", "scopes", "usage", "last",
	"created", "updated", "is", "has", "should", "can", "use", "show", "hide", "visible",
	"toggle", "button", "icon", "box", "form", "dialog", "page", "view", "component", "prop",
	"param", "params", "arg", "args", "option", "options", "flag", "flags", "policy",
	"rules", "rule", "length", "confirm", "confirmation", "changed", "change", "forgot",
	"lost", "manager", "endpoint", "uri", "map", "list", "set", "get", "key_id", "encoding",
	"salt", "rounds", "iterations", "cost", "mask", "column", "table", "attribute", "attr",
	"selector", "class", "style", "key", "keys",
};

/* Words before "key" that make it a credential. */
static const char *const key_qualifiers[] = {
	"api", "access", "secret", "private", "auth", "signing", "encryption", "master", "client",
	"app", "account", "license", "subscription", "service", "consumer", "shared", "storage",
	"admin", "deploy", "webhook", "hmac", "session", "sas", "ssh", "primary", "secondary",
	"x-api", "xapi", "developer", "dev", "prod", "production", "live", "rest", "server",
	"preshared", "psk", "decryption", "jwt", "cookie", "hmac", "app",
};

/* Tokens that protect a form, not an account: not credentials to redact. */
static const char *const not_credentials[] = { "csrf", "xsrf", "authenticity", "nonce", "captcha" };

static bool
word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

static bool
word_in(const char *w, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (word_is(w, n, list[i]))
			return true;
	return false;
}

static bool
ends_with(const char *w, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && memcmp(w + n - k, lit, k) == 0;
}

/* What kind of credential a word names, alone. */
static enum kind
word_kind(const char *w, size_t n, const char *prev, size_t prev_n)
{
	if (word_is(w, n, "password") || word_is(w, n, "passwd") || word_is(w, n, "pwd") ||
	    word_is(w, n, "pass") || word_is(w, n, "passphrase") || word_is(w, n, "passcode") ||
	    word_is(w, n, "passwords") || word_is(w, n, "pw") || ends_with(w, n, "password") ||
	    ends_with(w, n, "passwd") || word_is(w, n, "passwort"))
		return KIND_PASSWORD;
	if (word_is(w, n, "secret") || word_is(w, n, "secrets") || ends_with(w, n, "secret") ||
	    word_is(w, n, "secretkey") || word_is(w, n, "secretaccesskey"))
		return KIND_SECRET;
	if (word_is(w, n, "token") || ends_with(w, n, "token") || word_is(w, n, "bearer") ||
	    word_is(w, n, "pat"))
		return KIND_TOKEN;
	if (word_is(w, n, "privatekey"))
		return KIND_PRIVATE_KEY;
	if (ends_with(w, n, "apikey") || ends_with(w, n, "accesskey") || ends_with(w, n, "authkey") ||
	    ends_with(w, n, "signingkey") || ends_with(w, n, "masterkey") || ends_with(w, n, "appkey") ||
	    ends_with(w, n, "accountkey") || ends_with(w, n, "licensekey") ||
	    ends_with(w, n, "encryptionkey") || ends_with(w, n, "sharedkey") ||
	    ends_with(w, n, "consumerkey") || ends_with(w, n, "subscriptionkey"))
		return KIND_API_KEY;
	if ((word_is(w, n, "key") || word_is(w, n, "keys")) && prev &&
	    word_in(prev, prev_n, key_qualifiers, sizeof key_qualifiers / sizeof key_qualifiers[0]))
		return word_is(prev, prev_n, "private") || word_is(prev, prev_n, "ssh") ? KIND_PRIVATE_KEY
											: KIND_API_KEY;
	if (word_is(w, n, "auth") || word_is(w, n, "authorization") || word_is(w, n, "credential") ||
	    word_is(w, n, "credentials") || word_is(w, n, "creds") || word_is(w, n, "cred"))
		return KIND_CREDENTIAL;
	return KIND_NONE;
}

/*
 * Splits name[0..n) into lower-case words and returns the credential kind
 * it names, with *aws set when it is an AWS secret. KIND_NONE when no
 * word says credential or the last word says something else.
 */
static enum kind
name_kind(const char *name, size_t n, bool *aws)
{
	char lower[NAME_MAX_LEN];
	size_t starts[NAME_MAX_LEN / 2 + 1], ends[NAME_MAX_LEN / 2 + 1], count = 0;
	enum kind kind = KIND_NONE;

	*aws = false;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		if (!armor_is_alnum((unsigned char)name[i])) {
			i++;
			continue;
		}
		/* A word runs to a separator or a lower-to-upper step (camelCase, APIKey). */
		while (j < n && armor_is_alnum((unsigned char)name[j])) {
			unsigned char c = (unsigned char)name[j], next = j + 1 < n ? (unsigned char)name[j + 1] : 0;

			lower[j] = (char)armor_lower(c);
			j++;
			if (j < n && c >= 'a' && c <= 'z' && next >= 'A' && next <= 'Z')
				break;
			if (j + 1 < n && c >= 'A' && c <= 'Z' && next >= 'A' && next <= 'Z' &&
			    name[j + 1] >= 'a' && name[j + 1] <= 'z')
				break;
		}
		if (count < NAME_MAX_LEN / 2) {
			starts[count] = i;
			ends[count] = j;
			count++;
		}
		i = j;
	}
	if (count == 0)
		return KIND_NONE;
	if (word_in(lower + starts[count - 1], ends[count - 1] - starts[count - 1], not_the_value,
		    sizeof not_the_value / sizeof not_the_value[0])) {
		/* "...key" and "...keys" end in "key": a credential only after a qualifier. */
		bool key = word_is(lower + starts[count - 1], ends[count - 1] - starts[count - 1], "key") ||
			   word_is(lower + starts[count - 1], ends[count - 1] - starts[count - 1], "keys");

		if (!key)
			return KIND_NONE;
	}
	for (size_t k = 0; k < count; k++) {
		const char *w = lower + starts[k];
		size_t wn = ends[k] - starts[k];
		enum kind kk;

		/* token2, password_1: the number tells copies apart. */
		while (wn > 1 && w[wn - 1] >= '0' && w[wn - 1] <= '9')
			wn--;
		if (word_in(w, wn, not_credentials, sizeof not_credentials / sizeof not_credentials[0]))
			return KIND_NONE;
		kk = word_kind(w, wn, k ? lower + starts[k - 1] : NULL, k ? ends[k - 1] - starts[k - 1] : 0);

		if (word_is(w, wn, "aws"))
			*aws = true;
		if (kk != KIND_NONE && (kind == KIND_NONE || kind == KIND_CREDENTIAL))
			kind = kk;
	}
	/* SOME_SERVICE_KEY: a key of unknown kind; the value must then look random (see value_is_secret). */
	if (kind == KIND_NONE && count >= 2 &&
	    word_is(lower + starts[count - 1], ends[count - 1] - starts[count - 1], "key"))
		kind = KIND_KEY;
	return kind;
}

static unsigned
char_classes(const char *v, size_t n)
{
	bool lower = false, upper = false, digit = false, other = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		lower |= c >= 'a' && c <= 'z';
		upper |= c >= 'A' && c <= 'Z';
		digit |= c >= '0' && c <= '9';
		other |= !armor_is_alnum(c);
	}
	return (unsigned)lower + upper + digit + other;
}

/* Ends in a version number: jjwt-jackson-0.11.2, node@18.2.0, v1.2 */
static bool
ends_in_version(const char *v, size_t n)
{
	size_t t = n;
	bool dot = false;

	while (t > 0 && ((v[t - 1] >= '0' && v[t - 1] <= '9') || v[t - 1] == '.')) {
		dot = dot || v[t - 1] == '.';
		t--;
	}
	return dot && n - t >= 3 && v[t] >= '0' && v[t] <= '9' && v[n - 1] != '.' &&
	       (t == 0 || v[t - 1] == '-' || v[t - 1] == 'v' || v[t - 1] == '_' || v[t - 1] == '@');
}

/* A reference to a value kept elsewhere, or code, rather than the value. */
static bool
looks_like_code(const char *v, size_t n)
{
	static const char *const refs[] = { "os.", "process.", "env.", "this.", "self.", "config.",
					    "settings.", "request.", "params.", "args.", "getenv", "environ",
					    "secrets.", "vault:", "arn:", "ssm:", "true", "false", "null",
					    "none", "nil", "undefined" };
	bool dot_words = true, upper_snake = true;

	if (v[0] == '$' || v[0] == '{' || v[0] == '<' || v[0] == '%' || v[0] == '@' || v[0] == '[' ||
	    v[0] == '*' || v[0] == '&' || v[0] == '/' || v[0] == '~' || v[0] == '(' || v[0] == '!' ||
	    v[0] == '#' || v[0] == '?' || v[0] == '\\')
		return true;
	/* A high-entropy string of symbols is a generated secret, whatever brackets it holds. */
	if (n >= 20 && armor_entropy(v, n) >= 4.5)
		return false;
	if (memchr(v, '(', n) || memchr(v, '{', n) || armor_find_ci(v, n, 0, "://") != SIZE_MAX ||
	    armor_find_ci(v, n, 0, "./") != SIZE_MAX)
		return true;
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char c = (unsigned char)v[i + 1];

		/* $HOME, ${X}, $(cmd): a shell or template reference, not "pa$$w0rd" or "$2". */
		if (v[i] == '$' && (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || c == '{' || c == '('))
			return true;
	}
	/* A path or a route: cms/sites/passwords#update, a/b/c.txt */
	if (memchr(v, '/', n) && armor_entropy(v, n) < 4.0)
		return true;
	for (size_t k = 0; k < sizeof refs / sizeof refs[0]; k++)
		if (armor_find_ci(v, n, 0, refs[k]) == 0)
			return true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		dot_words = dot_words && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_');
		upper_snake = upper_snake && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
	}
	/* config.db.password, MY_API_TOKEN: the name of a value, not the value. */
	if ((dot_words && memchr(v, '.', n)) || (upper_snake && memchr(v, '_', n) && n < 48))
		return true;
	return ends_in_version(v, n);
}

static bool
value_is_secret(const char *v, size_t n, enum kind kind, bool prose, bool env_style)
{
	static const char *const not_passwords[] = { "required", "optional", "string", "boolean",
						     "integer", "number", "hidden", "default", "secret",
						     "password", "changeme", "admin", "empty", "disabled",
						     "enabled", "unknown", "unset", "missing", "invalid" };
	unsigned classes;
	double h;

	if (n < (kind == KIND_PASSWORD ? 6u : 8u) || n > VALUE_MAX_LEN)
		return false;
	if (looks_like_code(v, n) || armor_secret_placeholder(v, n))
		return false;
	if (v[0] == ' ' || v[0] == '-')
		return false;
	/* A value with spaces is prose or code ("token = foo", "a b c"), except in a password. */
	if (memchr(v, ' ', n) && (kind != KIND_PASSWORD || armor_find_ci(v, n, 0, " = ") != SIZE_MAX))
		return false;
	classes = char_classes(v, n);
	h = armor_entropy(v, n);
	/* Long runs of digits are how some services (Discord, Asana) spell IDs and tokens alike. */
	if (strspn(v, "0123456789") >= n)
		return kind != KIND_PASSWORD && !prose && n >= 16 && h >= 2.8;
	if (prose) /* "the password is hunter2x": only an unusual word counts */
		return classes >= 2 && h >= 2.5 && n >= 8;
	if (kind == KIND_KEY)
		return n >= 16 && classes >= 2 && h >= 3.5;
	if (kind == KIND_PASSWORD) {
		/* DB_PASSWORD=whiteduke: in an env file a plain word is a password too. */
		if (env_style && classes == 1 && !word_in(v, n, not_passwords,
							  sizeof not_passwords / sizeof not_passwords[0]))
			return true;
		return (classes >= 2 && h >= 2.2) || (n >= 12 && h >= 3.0);
	}
	return (classes >= 2 && h >= (n <= 16 ? 2.7 : 3.0)) || (n >= 20 && h >= 3.5);
}

/* One pass over a word for the stems every credential word holds: most words have none. */
static bool
maybe_credential_name(const char *w, size_t n)
{
	static const char *const stems[] = { "pass", "pw", "secret", "token", "key", "auth", "cred",
					     "bearer", "pat" };

	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char c = armor_lower((unsigned char)w[i]);

		if (c != 'p' && c != 's' && c != 't' && c != 'k' && c != 'a' && c != 'c' && c != 'b')
			continue;
		for (size_t k = 0; k < sizeof stems / sizeof stems[0]; k++) {
			size_t m = strlen(stems[k]), j;

			if (stems[k][0] != (char)c || i + m > n)
				continue;
			for (j = 1; j < m && armor_lower((unsigned char)w[i + j]) == (unsigned char)stems[k][j]; j++)
				;
			if (j == m)
				return true;
		}
	}
	return false;
}

/* NAME=value with NAME in capitals and nothing but '=' between, as in .env files and shells. */
static bool
env_style(const char *s, size_t start, size_t end, size_t value)
{
	for (size_t k = start; k < end; k++)
		if ((s[k] >= 'a' && s[k] <= 'z') || s[k] == '-' || s[k] == '.')
			return false;
	return value == end + 1 && s[end] == '=';
}

static bool
name_char(unsigned char c)
{
	return armor_is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/*
 * Parses what follows a name at text[p]: the assignment and the value.
 * Sets the value's span and whether it was given in prose ("is").
 */
static bool
parse_value(const char *s, size_t len, size_t name_start, size_t p, size_t *v, size_t *vn, bool *prose)
{
	bool quoted_name = name_start > 0 && (s[name_start - 1] == '"' || s[name_start - 1] == '\'');
	bool tag = name_start > 0 && s[name_start - 1] == '<';
	/* --token VALUE, -Password VALUE (PowerShell); "-p" is too short to say anything. */
	bool flag = name_start > 0 && s[name_start - 1] == '-' && (p - name_start >= 4 ||
		    (name_start >= 2 && s[name_start - 2] == '-'));
	/* .netrc: "machine host login user password secret" */
	bool netrc = p - name_start == 8 && armor_find_ci(s, p, name_start, "password") == name_start &&
		     armor_find_ci(s, name_start, name_start > 80 ? name_start - 80 : 0, "login ") != SIZE_MAX;
	size_t start = p, end;
	char quote = 0;

	*prose = false;
	/*
	 * A quoted key ends with its own quote. "Password:" in quotes is a
	 * label, not a key; "KEY=value" in quotes is an assignment in a string.
	 */
	if (quoted_name && (p >= len || s[p] != s[name_start - 1])) {
		if (p + 1 < len && s[p] == ':' && s[p + 1] == s[name_start - 1])
			return false;
		quoted_name = false;
	}
	if ((flag || netrc) && p < len && s[p] == ' ') {
		p++;
	} else if (tag) {
		if (p >= len || s[p] != '>')
			return false;
		p++;
		while (p < len && (s[p] == ' ' || s[p] == '\n' || s[p] == '\t' || s[p] == '\r'))
			p++;
	} else {
		while (p < len && p - start < 2 && (s[p] == '"' || s[p] == '\'' || s[p] == ']' || s[p] == '`'))
			p++;
		while (p < len && (s[p] == ' ' || s[p] == '\t'))
			p++;
		if (p + 3 < len && (memcmp(s + p, "is ", 3) == 0 || memcmp(s + p, "was ", 4) == 0)) {
			p += s[p] == 'i' ? 3 : 4;
			*prose = true;
		} else if (p < len && (s[p] == '=' || s[p] == ':' || s[p] == '>' ||
				       ((s[p] == '.' || s[p] == '?' || s[p] == '+' || s[p] == '|' || s[p] == '!') &&
					p + 1 < len && s[p + 1] == '='))) {
			/* =, :, :=, ::=, =>, ==, and PHP's .=, make's ?= and +=, Ruby's ||= */
			if (s[p] == '>' && !(p > 0 && s[p - 1] == '='))
				return false;
			if (s[p] == '.' || s[p] == '|' || s[p] == '!')
				p++;
			while (p < len && p - start < 8 && (s[p] == '=' || s[p] == ':' || s[p] == '>' || s[p] == '?' || s[p] == '+' || s[p] == '|'))
				p++;
		} else if (p < len && s[p] == ',' && quoted_name) {
			p++;
		} else if (p < len && ((s[p] | 0x20) >= 'a' && (s[p] | 0x20) <= 'z')) {
			/* A type between name and value: var token string = "...". */
			size_t t = p;

			while (t < len && t - p < 24 && (armor_is_alnum((unsigned char)s[t]) || s[t] == '_' ||
							  s[t] == '[' || s[t] == ']' || s[t] == '*' || s[t] == '.'))
				t++;
			while (t < len && s[t] == ' ')
				t++;
			if (t >= len || !(s[t] == '=' || (s[t] == ':' && t + 1 < len && s[t + 1] == '=')) ||
			    (s[t] == '=' && t + 1 < len && s[t + 1] == '='))
				return false;
			p = t;
			while (p < len && p - t < 3 && (s[p] == '=' || s[p] == ':'))
				p++;
		} else {
			return false;
		}
		while (p < len && (s[p] == ' ' || s[p] == '\t'))
			p++;
	}
	/* A scheme word before the value: "Authorization: Bearer abc". */
	if (p + 7 < len && armor_find_ci(s, p + 7, p, "bearer ") == p)
		p += 7;
	else if (p + 6 < len && armor_find_ci(s, p + 6, p, "basic ") == p)
		p += 6;
	if (p < len && (s[p] == '"' || s[p] == '\'' || s[p] == '`'))
		quote = s[p++];
	for (end = p; end < len && end - p <= VALUE_MAX_LEN; end++) {
		unsigned char c = (unsigned char)s[end];

		if (quote ? (c == (unsigned char)quote || c == '\n')
			  : (c <= ' ' || c == ',' || c == ';' || c == ')' || c == '}' || c == ']' ||
			     c == '<' || c == '>' || c == '"' || c == '\'' || c == '`' || c == '&' || c == '\\' ||
			     c >= 0x80))
			break;
	}
	/* Where the caller goes on from, even when this is no value: each byte is read once. */
	*v = p;
	*vn = end - p;
	/* An unclosed quote is fine only where the text itself was cut off mid-token. */
	if (end - p > VALUE_MAX_LEN || (quote && end < len && s[end] != quote) ||
	    (quote && end == len && (end - p < 12 || memchr(s + p, ' ', end - p))))
		return false;
	return true;
}

void
armor_secret_assignments(struct armor_scan *scan)
{
	const char *s = scan->text;

	for (size_t i = 0; i < scan->len;) {
		size_t start = i, v, vn;
		enum kind kind;
		bool aws, prose;

		if (!name_char((unsigned char)s[i])) {
			i++;
			continue;
		}
		while (i < scan->len && name_char((unsigned char)s[i]))
			i++;
		/* --token: the dashes mark a flag, they are not part of its name. */
		while (start < i && s[start] == '-')
			start++;
		/* Cheap test first: most words hold none of the credential words. */
		if (i - start < 2 || i - start > NAME_MAX_LEN)
			continue;
		if (!maybe_credential_name(s + start, i - start))
			continue;
		kind = name_kind(s + start, i - start, &aws);
		if (kind == KIND_NONE)
			continue;
		v = vn = 0;
		if (!parse_value(s, scan->len, start, i, &v, &vn, &prose)) {
			if (v + vn > i)
				i = v + vn;
			continue;
		}
		if (prose && kind != KIND_PASSWORD && kind != KIND_SECRET && kind != KIND_TOKEN && kind != KIND_API_KEY)
			continue;
		if (!value_is_secret(s + v, vn, kind, prose, env_style(s, start, i, v)))
			continue;
		if (aws && (kind == KIND_SECRET || kind == KIND_API_KEY))
			armor_secret_hit(scan, v, vn, "aws-secret-access-key", 60, "secret.aws-secret-access-key");
		else
			armor_secret_hit(scan, v, vn, kind_names[kind], prose ? 40 : 50, "secret.assignment");
		if (v + vn > i)
			i = v + vn;
	}
}
