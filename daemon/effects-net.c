/* Network programs: curl, wget, nc, socat, ssh, scp, rsync, mail, tunnels, openssl. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "effects-internal.h"
#include "util.h"

/* user@host:path or host:path, as scp and rsync write a remote file. */
bool
effects_remote_spec(const char *w)
{
	const char *colon = strchr(w, ':'), *slash = strchr(w, '/');

	if (strstr(w, "://") != NULL)
		return true;
	return colon != NULL && colon != w && (slash == NULL || colon < slash) && w[0] != '.';
}

/* Each value of an option that may be given several times: curl -d a -d b. */
static void
each_value(struct cmd_ctx *x, char short_opt, const char *const *longs,
	   void (*fn)(struct cmd_ctx *x, const char *value))
{
	for (size_t k = 1; k < x->argc && k < x->dashdash; k++) {
		const char *w = x->argv[k];

		if (short_opt && w[0] == '-' && w[1] == short_opt) {
			if (w[2] != '\0')
				fn(x, w + 2);
			else if (k + 1 < x->argc)
				fn(x, x->argv[++k]);
			continue;
		}
		for (const char *const *l = longs; l != NULL && *l != NULL; l++) {
			size_t n = strlen(*l);

			/* --data must not take --data-binary for itself. */
			if (strncmp(w, *l, n) != 0 || (w[n] != '=' && w[n] != '\0'))
				continue;
			if (w[n] == '=')
				fn(x, w + n + 1);
			else if (k + 1 < x->argc)
				fn(x, x->argv[++k]);
			break;
		}
	}
}

/* @file and name=@file: a file whose content goes out with the request. */
static void
payload(struct cmd_ctx *x, const char *value)
{
	const char *at = strchr(value, '@');
	const char *lt = strchr(value, '<');
	const char *file = at ? at + 1 : lt ? lt + 1 : NULL;
	char buf[1024];
	size_t n;

	if (file == NULL || strcmp(file, "-") == 0 || file[0] == '\0')
		return;
	n = strcspn(file, ";");
	if (n >= sizeof buf)
		return;
	memcpy(buf, file, n);
	buf[n] = '\0';
	effects_path(x, buf, 0, PATH_READ, HOW_PAYLOAD);
}

static void
payload_file(struct cmd_ctx *x, const char *value)
{
	if (strcmp(value, "-") != 0 && strcmp(value, ".") != 0)
		effects_path(x, value, 0, PATH_READ, HOW_PAYLOAD);
}

static void
credential(struct cmd_ctx *x, const char *value)
{
	effects_path(x, value, 0, PATH_READ, HOW_CREDENTIAL);
}

static void
url_value(struct cmd_ctx *x, const char *value)
{
	effects_url(x, value);
}

/* A download written to a file: remembered, so that running it later is download-exec. */
static void
fetched_to(struct cmd_ctx *x, const char *file)
{
	char *path = path_resolve(file, x->cwd);
	char **v;

	effects_path(x, file, 0, PATH_WRITE, 0);
	if (path == NULL)
		return;
	v = realloc(x->c->fetched, (x->c->n_fetched + 1) * sizeof *v);
	if (v == NULL || x->c->n_fetched >= EFFECTS_MAX_LIST) {
		free(path);
		if (v == NULL)
			effects_oom(x->c);
		else
			x->c->fetched = v;
		return;
	}
	x->c->fetched = v;
	v[x->c->n_fetched++] = path;
}

/* The last component of a URL's path: where curl -O and wget save it. */
static void
fetched_basename(struct cmd_ctx *x, const char *url)
{
	const char *s = strstr(url, "://");
	const char *slash;
	char buf[256];
	size_t n;

	s = s ? s + 3 : url;
	slash = strrchr(s, '/');
	if (slash == NULL || slash[1] == '\0')
		return;
	n = strcspn(slash + 1, "?#");
	if (n == 0 || n >= sizeof buf)
		return;
	memcpy(buf, slash + 1, n);
	buf[n] = '\0';
	fetched_to(x, buf);
}

static void
h_curl(struct cmd_ctx *x)
{
	static const char *const data[] = { "--data", "--data-binary", "--data-urlencode",
					    "--data-ascii", "--json", "--form", NULL };
	static const char *const upload[] = { "--upload-file", NULL };
	static const char *const creds[] = { "--cert", "--key", "--cacert", "--netrc-file", NULL };
	static const char *const proxy[] = { "--proxy", "--url", NULL };
	static const char *const output[] = { "--output", NULL };
	static const char *const config[] = { "--config", NULL };
	const char *opts = "dFHXouAebcKTxmrwECUQyYzPtD";
	bool to_file = arg_has(x, 'o', "--output") || arg_has(x, 'O', "--remote-name") ||
		       arg_has(x, 0, "--remote-name-all");
	const char *method = arg_value(x, 'X', "--request");

	each_value(x, 'd', data, payload);
	each_value(x, 'F', data + 5, payload);
	each_value(x, 'T', upload, payload_file);
	each_value(x, 'E', creds, credential);
	each_value(x, 'x', proxy, url_value);
	each_value(x, 'K', config, credential);
	each_value(x, 'o', output, fetched_to);
	for (size_t k = arg_next(x, 0, opts); k < x->argc; k = arg_next(x, k, opts)) {
		effects_url(x, x->argv[k]);
		if (arg_has(x, 'O', "--remote-name"))
			fetched_basename(x, x->argv[k]);
	}
	if (!to_file)
		x->traits |= T_FETCH;
	if (method != NULL && strcasecmp(method, "DELETE") == 0)
		effects_add(x, EFFECT_DELETE);
	effects_add(x, EFFECT_NETWORK);
}

static void
h_wget(struct cmd_ctx *x)
{
	static const char *const post[] = { "--post-file", "--body-file", NULL };
	static const char *const input[] = { "--input-file", NULL };
	const char *opts = "OoaPeiUtTwQlYDABRIX";
	const char *out = arg_value(x, 'O', "--output-document");

	each_value(x, 0, post, payload_file);
	each_value(x, 'i', input, credential);
	if (out != NULL && strcmp(out, "-") == 0)
		x->traits |= T_FETCH;
	else if (out != NULL)
		fetched_to(x, out);
	for (size_t k = arg_next(x, 0, opts); k < x->argc; k = arg_next(x, k, opts)) {
		effects_url(x, x->argv[k]);
		if (out == NULL)
			fetched_basename(x, x->argv[k]);
	}
	effects_add(x, EFFECT_NETWORK);
}

/* httpie and xh: [METHOD] URL [items]; name@file uploads the file. */
static void
h_httpie(struct cmd_ctx *x)
{
	size_t k = arg_next(x, 0, "abv");
	bool url_seen = false;

	for (; k < x->argc; k = arg_next(x, k, "abv")) {
		const char *w = x->argv[k];

		if (!url_seen && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(w)) {
			if (strcmp(w, "DELETE") == 0)
				effects_add(x, EFFECT_DELETE);
			continue;
		}
		if (!url_seen) {
			effects_url(x, w);
			url_seen = true;
		} else if (strchr(w, '@') && !strchr(w, '=')) {
			payload(x, w);
		}
	}
	x->traits |= T_FETCH;
}

/* Programs whose operands are hosts: ping, dig, nmap, ... */
static void
h_hosts(struct cmd_ctx *x)
{
	for (size_t k = arg_next(x, 0, x->prog->opts); k < x->argc; k = arg_next(x, k, x->prog->opts)) {
		const char *w = x->argv[k];

		if (w[0] == '@')
			w++;
		if (w[0] == '+' || strspn(w, "0123456789") == strlen(w))
			continue;
		effects_url(x, w);
	}
	effects_add(x, EFFECT_NETWORK);
}

/* nc HOST PORT; -e and -c hand the connection to a program: a remote shell. */
static void
h_netcat(struct cmd_ctx *x)
{
	size_t k = arg_next(x, 0, x->prog->opts);

	if (arg_value(x, 'e', "--exec") != NULL || arg_value(x, 'c', "--sh-exec") != NULL ||
	    arg_has(x, 0, "--lua-exec"))
		effects_add(x, EFFECT_DOWNLOAD_EXEC);
	if (k < x->argc && strspn(x->argv[k], "0123456789") != strlen(x->argv[k]))
		effects_url(x, x->argv[k]);
	effects_add(x, EFFECT_NETWORK);
}

/* socat ADDRESS ADDRESS: EXEC: or SYSTEM: on one side of a connection is a remote shell. */
static void
h_socat(struct cmd_ctx *x)
{
	bool exec = false, net = false;

	for (size_t k = arg_next(x, 0, ""); k < x->argc; k = arg_next(x, k, "")) {
		const char *w = x->argv[k];

		if (strncasecmp(w, "exec:", 5) == 0 || strncasecmp(w, "system:", 7) == 0) {
			exec = true;
		} else if (strncasecmp(w, "tcp", 3) == 0 || strncasecmp(w, "udp", 3) == 0 ||
			   strncasecmp(w, "openssl", 7) == 0 || strncasecmp(w, "ssl", 3) == 0) {
			const char *h = strchr(w, ':');

			net = true;
			if (h != NULL && strncasecmp(w + 3, "-listen", 7) != 0 &&
			    strncasecmp(w + 4, "-listen", 7) != 0) {
				const char *e = strchr(h + 1, ':');

				effects_host(x, h + 1, e ? (size_t)(e - h - 1) : strlen(h + 1), NULL);
			}
		}
	}
	if (exec && net)
		effects_add(x, EFFECT_DOWNLOAD_EXEC);
	effects_add(x, EFFECT_NETWORK);
}

static void
h_ssh(struct cmd_ctx *x)
{
	static const char *const ident[] = { NULL };
	size_t k = arg_next(x, 0, x->prog->opts);
	const char *jump = arg_value(x, 'J', NULL);

	each_value(x, 'i', ident, credential);
	each_value(x, 'F', ident, credential);
	if (jump != NULL)
		effects_url(x, jump);
	if (k < x->argc)
		effects_url(x, x->argv[k]);
	effects_add(x, EFFECT_NETWORK);
}

/* scp and rsync: local sources sent to a remote destination, or remote sources written here. */
static void
h_copy_remote(struct cmd_ctx *x)
{
	static const char *const ident[] = { NULL };
	size_t n = arg_count(x, x->prog->opts), i = 0;
	bool to_remote = false, any_remote = false, delete = arg_has(x, 0, "--delete");

	each_value(x, 'i', ident, credential);
	for (size_t k = arg_next(x, 0, x->prog->opts); k < x->argc; k = arg_next(x, k, x->prog->opts))
		if (effects_remote_spec(x->argv[k])) {
			any_remote = true;
			to_remote = ++i == n;
		} else {
			i++;
		}
	i = 0;
	for (size_t k = arg_next(x, 0, x->prog->opts); k < x->argc; k = arg_next(x, k, x->prog->opts)) {
		bool last = ++i == n;

		if (effects_remote_spec(x->argv[k]))
			effects_url(x, x->argv[k]);
		else if (last && n > 1)
			effects_path(x, x->argv[k], x->flags[k],
				     delete ? PATH_DELETE : PATH_WRITE, delete ? HOW_RECURSIVE | HOW_SOME_WITHIN : 0);
		else
			effects_operand(x, k, PATH_READ, to_remote ? HOW_PAYLOAD : 0);
	}
	if (delete && to_remote)
		effects_add(x, EFFECT_DELETE);
	if (any_remote)
		effects_add(x, EFFECT_NETWORK);
}

/* mail -a FILE: attachments leave with the message. */
static void
h_mail(struct cmd_ctx *x)
{
	static const char *const attach[] = { "--attach", NULL };

	each_value(x, 'a', attach, payload_file);
	each_value(x, 'A', attach, payload_file);
	x->traits |= T_NETWORK;
	effects_add(x, EFFECT_NETWORK);
}

/* Tunnels that publish a local port on a public address. */
static void
h_tunnel(struct cmd_ctx *x)
{
	static const char *const hosts[][2] = { { "ngrok", "ngrok.io" },
						{ "cloudflared", "trycloudflare.com" },
						{ "lt", "loca.lt" },
						{ "localtunnel", "loca.lt" } };

	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++)
		if (strcmp(x->prog->name, hosts[i][0]) == 0)
			effects_host(x, hosts[i][1], strlen(hosts[i][1]), NULL);
}

/* openssl: s_client connects, enc -d and base64 -d decode, -in and -out are files. */
static void
h_openssl(struct cmd_ctx *x)
{
	const char *connect = arg_value(x, 0, "-connect"), *in = arg_value(x, 0, "-in");
	const char *out = arg_value(x, 0, "-out"), *key = arg_value(x, 0, "-keyout");
	size_t s = arg_next(x, 0, "");

	if (connect != NULL)
		effects_url(x, connect);
	if (arg_is(x, s, "s_client")) {
		effects_add(x, EFFECT_NETWORK);
		x->traits |= T_RAW_SOCKET | T_NETWORK;
	}
	if ((arg_is(x, s, "enc") || arg_is(x, s, "base64")) && arg_has(x, 'd', NULL))
		x->traits |= T_DECODE;
	if (in != NULL)
		effects_path(x, in, 0, PATH_READ, 0);
	if (out != NULL)
		effects_path(x, out, 0, PATH_WRITE, 0);
	if (key != NULL)
		effects_path(x, key, 0, PATH_WRITE, 0);
}

const struct program effects_net_programs[] = {
	{ "curl", h_curl, EFFECT_NETWORK, T_OWN_ARGS, "" },
	{ "wget", h_wget, EFFECT_NETWORK, T_OWN_ARGS, "" },
	{ "http", h_httpie, EFFECT_NETWORK, T_OWN_ARGS, "" },
	{ "https", h_httpie, EFFECT_NETWORK, T_OWN_ARGS, "" },
	{ "xh", h_httpie, EFFECT_NETWORK, T_OWN_ARGS, "" },
	{ "aria2c", h_hosts, EFFECT_NETWORK, 0, "dio" },
	{ "axel", h_hosts, EFFECT_NETWORK, 0, "no" },
	{ "lynx", h_hosts, EFFECT_NETWORK, T_FETCH, "" },
	{ "w3m", h_hosts, EFFECT_NETWORK, T_FETCH, "" },
	{ "links", h_hosts, EFFECT_NETWORK, T_FETCH, "" },
	{ "elinks", h_hosts, EFFECT_NETWORK, T_FETCH, "" },
	{ "fetch", h_hosts, EFFECT_NETWORK, T_FETCH, "o" },
	{ "nscurl", h_hosts, EFFECT_NETWORK, T_FETCH, "o" },
	{ "ldapsearch", h_hosts, EFFECT_NETWORK, 0, "bDwhpHsz" },
	{ "ping", h_hosts, EFFECT_NETWORK, 0, "cisWwIlmMpQStT" },
	{ "ping6", h_hosts, EFFECT_NETWORK, 0, "cisWwIlmMpQStT" },
	{ "dig", h_hosts, EFFECT_NETWORK, 0, "bcfkpqtxy" },
	{ "nslookup", h_hosts, EFFECT_NETWORK, 0, "" },
	{ "host", h_hosts, EFFECT_NETWORK, 0, "cNRtW" },
	{ "whois", h_hosts, EFFECT_NETWORK, 0, "hp" },
	{ "traceroute", h_hosts, EFFECT_NETWORK, 0, "fgimNpqswz" },
	{ "tracepath", h_hosts, EFFECT_NETWORK, 0, "lmp" },
	{ "mtr", h_hosts, EFFECT_NETWORK, 0, "cisa" },
	{ "nmap", h_hosts, EFFECT_NETWORK, 0, "psoiDe" },
	{ "masscan", h_hosts, EFFECT_NETWORK, 0, "p" },
	{ "arping", h_hosts, EFFECT_NETWORK, 0, "cIsw" },
	{ "tcpdump", NULL, EFFECT_NETWORK, 0, "" },
	{ "tshark", NULL, EFFECT_NETWORK, 0, "" },
	{ "ftp", h_hosts, EFFECT_NETWORK, T_RAW_SOCKET, "" },
	{ "lftp", h_hosts, EFFECT_NETWORK, 0, "ceupf" },
	{ "tftp", h_hosts, EFFECT_NETWORK, 0, "" },
	{ "sftp", h_ssh, EFFECT_NETWORK, T_OWN_ARGS, "BbcDFiJloPRS" },
	{ "nc", h_netcat, EFFECT_NETWORK, T_RAW_SOCKET, "psiwqxXOTIec" },
	{ "ncat", h_netcat, EFFECT_NETWORK, T_RAW_SOCKET, "psiwqxXOTIec" },
	{ "netcat", h_netcat, EFFECT_NETWORK, T_RAW_SOCKET, "psiwqxXOTIec" },
	{ "socat", h_socat, EFFECT_NETWORK, T_RAW_SOCKET, "" },
	{ "telnet", h_hosts, EFFECT_NETWORK, T_RAW_SOCKET, "bel" },
	{ "ssh", h_ssh, EFFECT_NETWORK, T_OWN_ARGS, "BbcDEeFIiJLlmOoPpQRSWw" },
	{ "mosh", h_hosts, EFFECT_NETWORK, 0, "p" },
	{ "scp", h_copy_remote, 0, T_OWN_ARGS, "cFiJloPS" },
	{ "rsync", h_copy_remote, 0, T_OWN_ARGS, "efBT" },
	{ "mail", h_mail, EFFECT_NETWORK, 0, "sbcrq" },
	{ "mailx", h_mail, EFFECT_NETWORK, 0, "sbcrq" },
	{ "mutt", h_mail, EFFECT_NETWORK, 0, "sbcF" },
	{ "sendmail", h_mail, EFFECT_NETWORK, 0, "fF" },
	{ "swaks", h_mail, EFFECT_NETWORK, 0, "" },
	{ "ngrok", h_tunnel, EFFECT_NETWORK, 0, "" },
	{ "cloudflared", h_tunnel, EFFECT_NETWORK, 0, "" },
	{ "lt", h_tunnel, EFFECT_NETWORK, 0, "" },
	{ "openssl", h_openssl, 0, T_OWN_ARGS, "" },
};

const size_t effects_n_net_programs = ARRAY_SIZE(effects_net_programs);
