/* armor: opens base64, hex and escaped text (%XX, \xXX, \uXXXX, &#NN;) and screens what it hides. */
#include <stdlib.h>
#include <string.h>

#include "armor-internal.h"

/*
 * "aWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM=" is "ignore all previous
 * instructions" to a model that reads base64, and to nothing else. Runs
 * long enough to hide a sentence are decoded; when the bytes read as text
 * they are screened like the original (up to ARMOR_MAX_DEPTH layers and
 * the sink's byte budget), and what is found there is reported on the
 * encoded run. Hiding an instruction this way weighs more than saying it.
 * Hashes and binary blobs decode to noise and are left alone.
 */

#define MIN_BASE64 20	/* characters: 15 bytes, a short sentence */
#define MIN_HEX 24	/* digits: 12 bytes */
#define MIN_ESCAPES 3	/* %XX, \xXX, \uXXXX or &#NN; in one stretch */
#define ESCAPE_GAP 12	/* plain bytes allowed between escapes of one stretch */

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

size_t
armor_base64_decode(const char *in, size_t n, unsigned char *out, size_t size)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t w = 0;

	for (size_t i = 0; i < n && w < size; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (v < 0) {
			if (in[i] == '=')
				break;
			continue; /* line breaks inside the run */
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[w++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return w;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Shell commands hidden in an encoding: "echo ... | base64 -d | sh" carries one. */
static bool
looks_like_shell(const char *s, size_t n)
{
	static const char *const marks[] = {
		"curl ", "wget ", "/bin/sh", "/bin/bash", "bash -", "sh -c", "| sh", "|sh", "| bash",
		"|bash", "nc -", "/dev/tcp", "rm -rf", "chmod +x", "python -c", "python3 -c",
		"perl -e", "powershell", "iex(", "invoke-expression", "eval(", "exec(", "mkfifo",
		"socat ", "base64 -d", "crontab", "authorized_keys", "/etc/passwd", "/etc/shadow",
	};

	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
		if (armor_find_ci(s, n, 0, marks[k]) != SIZE_MAX)
			return true;
	return false;
}

/*
 * PowerShell's -EncodedCommand is base64 of UTF-16LE: every other byte is
 * zero. Drops the zeros in place when that is so; returns the new length.
 */
static size_t
from_utf16le(char *s, size_t n)
{
	size_t zeros = 0, w = 0;

	for (size_t i = 1; i < n; i += 2)
		zeros += s[i] == '\0';
	if (n < 8 || zeros * 10 < (n / 2) * 9)
		return n;
	for (size_t i = 0; i < n; i += 2)
		if (s[i] != '\0')
			s[w++] = s[i];
	return w;
}

/* Screens decoded bytes as a layer of scan over text[off..off+span); frees nothing. */
static void
screen_layer(struct armor_scan *scan, const char *how, char *decoded, size_t n, size_t off,
	     size_t span)
{
	unsigned weight, threat;
	struct armor_hit h = {
		.category = ARMOR_ENCODED_PAYLOAD,
		.offset = off,
		.length = span,
	};

	n = from_utf16le(decoded, n);
	if (n == 0 || n > scan->sink->decode_budget ||
	    !armor_looks_like_text((const unsigned char *)decoded, n))
		return;
	scan->sink->decode_budget -= n;
	armor_scan_decoded(scan, decoded, n, off, span, &weight, &threat);
	if (scan->secrets_only)
		return;
	if (threat > 0) {
		h.weight = threat + 15 > 95 ? 95 : threat + 15;
		h.rule = how;
		h.message = "Encoded text hides an instruction to the model.";
		armor_report(scan, &h);
	} else if (looks_like_shell(decoded, n)) {
		h.weight = 55;
		h.rule = "encoded.shell";
		h.message = "Encoded text hides a shell command.";
		armor_report(scan, &h);
	}
}

static void
base64_runs(struct armor_scan *scan, unsigned char *buf, size_t size)
{
	const char *s = scan->text;

	for (size_t i = 0; i < scan->len;) {
		size_t start = i, chars = 0;
		bool lower = false, upper = false, digit = false, std = false, url = false, hex_only = true;

		/* A run may continue over line breaks, as MIME and PEM wrap it. */
		while (i < scan->len) {
			unsigned char c = (unsigned char)s[i];

			if (b64_value(c) >= 0) {
				lower |= c >= 'a' && c <= 'z';
				upper |= c >= 'A' && c <= 'Z';
				digit |= c >= '0' && c <= '9';
				std |= c == '+' || c == '/';
				url |= c == '-' || c == '_';
				hex_only = hex_only && hex_value(c) >= 0;
				chars++;
				i++;
			} else if ((c == '\n' || c == '\r') && chars >= 40) {
				i++;
			} else {
				break;
			}
		}
		while (i < scan->len && s[i] == '=' && i - start < chars + 4)
			i++;
		if (chars == 0) {
			i++;
			continue;
		}
		if (chars < MIN_BASE64 || !lower || !(upper || digit) || (std && url) || hex_only)
			continue;
		screen_layer(scan, "encoded.base64", (char *)buf,
			     armor_base64_decode(s + start, i - start, buf, size), start, i - start);
	}
}

static void
hex_runs(struct armor_scan *scan, unsigned char *buf, size_t size)
{
	const char *s = scan->text;

	for (size_t i = 0; i < scan->len;) {
		size_t start = i, n = 0;

		while (i < scan->len && hex_value((unsigned char)s[i]) >= 0)
			i++;
		if (i == start) {
			i++;
			continue;
		}
		if (i - start < MIN_HEX || (start > 0 && armor_is_alnum((unsigned char)s[start - 1])) ||
		    (i < scan->len && armor_is_alnum((unsigned char)s[i])))
			continue;
		for (size_t k = start; k + 1 < i && n < size; k += 2)
			buf[n++] = (unsigned char)(hex_value((unsigned char)s[k]) << 4 | hex_value((unsigned char)s[k + 1]));
		screen_layer(scan, "encoded.hex", (char *)buf, n, start, i - start);
	}
}

/* The escape at s[i], if any: its length and, in *out (up to 4 bytes of UTF-8), what it stands for. */
static size_t
escape_at(const char *s, size_t len, size_t i, unsigned char *out, size_t *n)
{
	uint32_t cp = 0;
	size_t k, m;

	if (s[i] == '%' && i + 2 < len && hex_value((unsigned char)s[i + 1]) >= 0 &&
	    hex_value((unsigned char)s[i + 2]) >= 0) {
		out[0] = (unsigned char)(hex_value((unsigned char)s[i + 1]) << 4 | hex_value((unsigned char)s[i + 2]));
		*n = 1;
		return 3;
	}
	if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' && hex_value((unsigned char)s[i + 2]) >= 0 &&
	    hex_value((unsigned char)s[i + 3]) >= 0) {
		out[0] = (unsigned char)(hex_value((unsigned char)s[i + 2]) << 4 | hex_value((unsigned char)s[i + 3]));
		*n = 1;
		return 4;
	}
	if (s[i] == '\\' && i + 5 < len && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
		for (k = 2; k < 6 && hex_value((unsigned char)s[i + k]) >= 0; k++)
			cp = cp << 4 | (uint32_t)hex_value((unsigned char)s[i + k]);
		if (k < 6)
			return 0;
		m = 6;
	} else if (s[i] == '&' && i + 3 < len && s[i + 1] == '#') {
		bool hex = s[i + 2] == 'x' || s[i + 2] == 'X';

		for (k = i + 2 + hex; k < len && k - i < 10 && (hex ? hex_value((unsigned char)s[k]) >= 0 : (s[k] >= '0' && s[k] <= '9')); k++)
			cp = hex ? cp << 4 | (uint32_t)hex_value((unsigned char)s[k]) : cp * 10 + (uint32_t)(s[k] - '0');
		if (k >= len || s[k] != ';' || k == i + 2 + hex)
			return 0;
		m = k + 1 - i;
	} else {
		return 0;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp < 0x80) {
		out[0] = (unsigned char)cp, *n = 1;
	} else if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6), out[1] = (unsigned char)(0x80 | (cp & 0x3f)), *n = 2;
	} else if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12), out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f)), *n = 3;
	} else {
		out[0] = (unsigned char)(0xf0 | cp >> 18), out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)), out[3] = (unsigned char)(0x80 | (cp & 0x3f));
		*n = 4;
	}
	return m;
}

/* Stretches of text dense with escapes, decoded with the plain bytes between them. */
static void
escaped_stretches(struct armor_scan *scan, unsigned char *buf, size_t size)
{
	const char *s = scan->text;

	for (size_t i = 0; i < scan->len; i++) {
		size_t start, last_end, n = 0, count = 0, p;
		unsigned char out[4];
		size_t m, k;

		if ((s[i] != '%' && s[i] != '\\' && s[i] != '&') || (m = escape_at(s, scan->len, i, out, &k)) == 0)
			continue;
		/* The plain word the stretch starts in ("ignore%20all"): take it along. */
		start = i;
		while (start > 0 && i - start < 64 &&
		       (armor_is_alnum((unsigned char)s[start - 1]) || s[start - 1] == '+' || s[start - 1] == '-' ||
			s[start - 1] == '.' || s[start - 1] == '_'))
			start--;
		for (size_t w = start; w < i; w++)
			buf[n++] = s[w] == '+' && s[i] == '%' ? ' ' : (unsigned char)s[w];
		last_end = i;
		for (p = i; p < scan->len && p - last_end <= ESCAPE_GAP && n + 4 < size;) {
			m = escape_at(s, scan->len, p, out, &k);
			if (m) {
				memcpy(buf + n, out, k);
				n += k, count++;
				p += m;
				last_end = p;
			} else {
				/* '+' is a space in a query string. */
				buf[n++] = s[p] == '+' && s[i] == '%' ? ' ' : (unsigned char)s[p];
				p++;
			}
		}
		n -= p - last_end; /* the plain tail after the last escape is not part of it */
		if (count >= MIN_ESCAPES)
			screen_layer(scan, "encoded.escaped", (char *)buf, n, start, last_end - start);
		i = last_end > i ? last_end - 1 : i;
	}
}

void
armor_decode_scan(struct armor_scan *scan)
{
	size_t size = scan->len < 65536 ? scan->len + 8 : 65536;
	unsigned char *buf;

	if (scan->depth >= ARMOR_MAX_DEPTH || scan->len < MIN_ESCAPES * 3 || scan->sink->decode_budget == 0)
		return;
	buf = malloc(size);
	if (buf == NULL)
		return;
	base64_runs(scan, buf, size);
	hex_runs(scan, buf, size);
	escaped_stretches(scan, buf, size);
	free(buf);
}
