/* Network destinations: hosts from URLs and operands, and which ones are suspicious. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "effects-internal.h"
#include "utf8.h"

/* Cloud metadata services: reaching one from an agent is how credentials get stolen. */
static const char *const metadata_hosts[] = {
	"169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200",
	"metadata.google.internal", "metadata", "metadata.azure.com", "instance-data",
	"instance-data.ec2.internal", NULL,
};

/* Where data is dropped or commands are fetched anonymously: paste sites, request catchers, tunnels. */
static const char *const suspicious_domains[] = {
	"pastebin.com", "paste.ee",	"pastie.org",	  "hastebin.com",   "ghostbin.com",
	"ghostbin.co",	"dpaste.com",	"dpaste.org",	  "ix.io",	    "sprunge.us",
	"termbin.com",	"0x0.st",	"transfer.sh",	  "file.io",	    "bashupload.com",
	"temp.sh",	"paste.rs",	"rentry.co",	  "controlc.com",   "privatebin.net",
	"webhook.site", "requestbin.com", "requestbin.net", "requestcatcher.com", "pipedream.net",
	"beeceptor.com", "hookbin.com", "ngrok.io",	  "ngrok-free.app", "ngrok.app",
	"ngrok.dev",	"serveo.net",	"loca.lt",	  "localtunnel.me", "trycloudflare.com",
	"interact.sh",	"oast.pro",	"oast.live",	  "oast.site",	    "oast.online",
	"oast.fun",	"oast.me",	"oastify.com",	  "burpcollaborator.net", "canarytokens.com",
	"dnslog.cn",	"ceye.io",	"anonfiles.com",  "gofile.io",	    "catbox.moe",
	"filebin.net",	"api.telegram.org", "pastebin.pl", "justpaste.it", NULL,
};

static bool
domain_match(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	if (h == d)
		return strcmp(host, domain) == 0;
	return h > d && host[h - d - 1] == '.' && strcmp(host + h - d, domain) == 0;
}

static bool
is_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || domain_match(host, "localhost") ||
	       strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	       strcmp(host, "0.0.0.0") == 0;
}

/* 1.2.3.4, and the forms curl also takes: 2852039166, 0xa9fea9fe, 0251.0376.0251.0376. */
static bool
is_ipv4_literal(const char *host)
{
	bool digits = host[0] != '\0';

	if (strncmp(host, "0x", 2) == 0)
		return host[2] != '\0' && strspn(host + 2, "0123456789abcdef.x") == strlen(host + 2);
	for (const char *s = host; *s; s++)
		digits = digits && (isdigit((unsigned char)*s) || *s == '.');
	return digits;
}

bool
host_is_suspicious(const char *host, const char *url)
{
	for (const char *const *m = metadata_hosts; *m != NULL; m++)
		if (strcmp(host, *m) == 0)
			return true;
	if (is_loopback(host))
		return false;
	/* The public resolvers: dig @8.8.8.8 is everyday, and DNS leaks through any resolver. */
	if (strcmp(host, "8.8.8.8") == 0 || strcmp(host, "8.8.4.4") == 0 ||
	    strcmp(host, "1.1.1.1") == 0 || strcmp(host, "1.0.0.1") == 0 || strcmp(host, "9.9.9.9") == 0)
		return false;
	if (is_ipv4_literal(host) || strchr(host, ':') != NULL)
		return true;
	for (const char *const *d = suspicious_domains; *d != NULL; d++)
		if (domain_match(host, *d))
			return true;
	/* Discord webhooks: a common place to post stolen data. */
	if ((domain_match(host, "discord.com") || domain_match(host, "discordapp.com")) &&
	    url != NULL && strstr(url, "/webhooks") != NULL)
		return true;
	return false;
}

/* Records host (lower case, no port, no brackets); url is kept as given. */
void
effects_host(struct cmd_ctx *x, const char *host, size_t len, const char *url)
{
	struct action_facts *out = x->c->out;
	struct action_host *v;
	char buf[256];
	size_t n = 0;

	x->traits |= T_NETWORK;
	effects_add(x, EFFECT_NETWORK);
	if (len > 0 && host[0] == '[') {
		const char *close = memchr(host, ']', len);

		host++;
		len = close ? (size_t)(close - host) : len - 1;
	}
	while (len > 0 && host[len - 1] == '.')
		len--;
	/* A host we cannot read ($HOST, a pattern) is still the network, not a destination. */
	if (len == 0 || len >= sizeof buf || memchr(host, '$', len) || memchr(host, '`', len) ||
	    memchr(host, '*', len))
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)host[i];

		if (ch <= ' ' || ch == '/' || ch == '"' || ch == '\'' || ch == '\\')
			return;
		buf[n++] = (char)tolower(ch);
	}
	buf[n] = '\0';
	utf8_sanitize(buf);
	if (host_is_suspicious(buf, url))
		effects_add(x, EFFECT_SUSPICIOUS_DESTINATION);
	for (size_t i = 0; i < out->n_hosts; i++)
		if (strcmp(out->hosts[i].host, buf) == 0)
			return;
	if (out->n_hosts >= EFFECTS_MAX_LIST) {
		out->effects |= EFFECT_UNPARSED;
		return;
	}
	v = realloc(out->hosts, (out->n_hosts + 1) * sizeof *v);
	if (v == NULL) {
		effects_oom(x->c);
		return;
	}
	out->hosts = v;
	v = &out->hosts[out->n_hosts];
	v->host = effects_strdup(x->c, buf);
	v->url = url ? effects_strdup(x->c, url) : NULL;
	if (v->host == NULL || (url != NULL && v->url == NULL)) {
		free(v->host);
		free(v->url);
		return;
	}
	if (v->url != NULL)
		utf8_sanitize(v->url);
	v->suspicious = host_is_suspicious(buf, url);
	out->n_hosts++;
}

/*
 * The host of a URL, with or without a scheme: https://u@h:1/x, h:1/x,
 * git@github.com:org/repo.git and user@host:path alike.
 */
void
effects_url(struct cmd_ctx *x, const char *url)
{
	const char *s = url, *scheme = strstr(url, "://"), *end, *at, *colon;

	if (scheme != NULL && scheme > url && strspn(url, "abcdefghijklmnopqrstuvwxyz"
						     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") ==
						      (size_t)(scheme - url)) {
		if (strncmp(url, "file://", 7) == 0)
			return; /* a local file, not the network */
		s = scheme + 3;
	}
	end = s + strcspn(s, "/?#");
	at = memrchr(s, '@', (size_t)(end - s));
	if (at != NULL)
		s = at + 1;
	if (*s == '[') {
		const char *close = memchr(s, ']', (size_t)(end - s));

		effects_host(x, s, close ? (size_t)(close - s) + 1 : (size_t)(end - s), url);
		return;
	}
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon == s) {
		/* :9200/x is httpie's and curl's shorthand for localhost. */
		effects_host(x, "localhost", 9, url);
		return;
	}
	effects_host(x, s, colon ? (size_t)(colon - s) : (size_t)(end - s), url);
}
