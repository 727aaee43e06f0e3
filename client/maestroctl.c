/* maestroctl: the command-line client for maestrod. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maestro-protocol.h"
#include "maestroctl.h"
#include "paths.h"

static const struct command *const command_groups[] = {
	system_commands,
	agent_commands,
	governance_commands,
	exec_commands,
	policy_commands,
	approval_commands,
	trace_commands,
	audit_commands,
	top_commands,
	sofia_commands,
	hook_commands,
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: maestroctl [--socket PATH] [--json] [--timeout SECONDS]\n"
		   "                  [--agent NAME [--token-file PATH]] COMMAND [ARGS]\n"
		   "\ncommands:\n");
	for (size_t g = 0; g < sizeof command_groups / sizeof command_groups[0]; g++)
		for (const struct command *c = command_groups[g]; c->name != NULL; c++)
			fprintf(f, "  %-10s %-14s %s\n", c->name, c->args, c->summary);
	fprintf(f, "\nexit status: 0 ok, 1 error from maestrod, 2 usage, 5 maestrod unreachable,\n"
		   "6 timeout or bad reply; see maestroctl(1)\n");
}

void
ctl_print_json(struct json_object *result)
{
	puts(json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* C0, DEL and C1 could steer a terminal; bidirectional overrides make text read as other text. */
const char *
ctl_safe(const char *s, char *out, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = 0;

	while (*p && n + 4 < max) {
		if (*p < 0x20 || *p == 0x7f) {
			out[n++] = '?';
			p++;
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			out[n++] = '?';
			p += 2;
		} else if (*p == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
					  (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {
			/* Bidirectional overrides would let a command read as another. */
			out[n++] = '?';
			p += 3;
		} else {
			size_t len = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;

			if (n + len + 4 >= max)
				break;
			for (size_t i = 0; i < len && p[i]; i++)
				out[n++] = (char)p[i];
			p += len;
		}
	}
	if (*p)
		memcpy(out + n, "...", 3), n += 3;
	out[n] = '\0';
	return out;
}

const char *
ctl_text(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}

int64_t
ctl_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v != NULL ? json_object_get_int64(v) : 0;
}

const char *
ctl_span(int64_t us, char *buf, size_t size)
{
	int64_t s = (us < 0 ? -us : us) / 1000000;

	if (s < 60)
		snprintf(buf, size, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		snprintf(buf, size, "%lldh", (long long)(s / 3600));
	else
		snprintf(buf, size, "%lldd", (long long)(s / 86400));
	return buf;
}

int
ctl_parse_duration(const char *text, long long *seconds)
{
	/* maestrod takes lifetimes up to ten years of 365 days. */
	if (rpc_parse_duration(text, 10ll * 365 * 86400, seconds) == 0)
		return 0;
	fprintf(stderr, "maestroctl: '%s' is not a duration (such as 90s, 15m, 12h, 7d, 2w)\n", text);
	return -EINVAL;
}

/*
 * The token of the agent we speak for: --token-file, else $MAESTRO_TOKEN,
 * else the agent's file in the user's config directory.
 */
int
ctl_read_token(struct ctl *ctl, char *token, size_t size)
{
	const char *env = getenv("MAESTRO_TOKEN"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char path[4096];
	FILE *f;

	if (ctl->token_file == NULL && env != NULL && env[0] != '\0') {
		snprintf(token, size, "%s", env);
		return 0;
	}
	if (ctl->token_file == NULL && strchr(ctl->agent, '/') != NULL) {
		/* The name picks a file under tokens/; it must not climb out of it. */
		fprintf(stderr, "maestroctl: '%s' is not an agent name\n", ctl->agent);
		return -EINVAL;
	}
	if (ctl->token_file != NULL)
		snprintf(path, sizeof path, "%s", ctl->token_file);
	else if (xdg != NULL && xdg[0] == '/')
		snprintf(path, sizeof path, "%s/maestro/tokens/%s", xdg, ctl->agent);
	else if (home != NULL && home[0] == '/')
		snprintf(path, sizeof path, "%s/.config/maestro/tokens/%s", home, ctl->agent);
	else
		path[0] = '\0';
	f = path[0] ? fopen(path, "re") : NULL;
	if (f == NULL || fgets(token, (int)size, f) == NULL) {
		fprintf(stderr, "maestroctl: no token for agent %s: give --token-file, set MAESTRO_TOKEN "
				"or save it in %s\n", ctl->agent, path[0] ? path : "~/.config/maestro/tokens/");
		if (f)
			fclose(f);
		return -ENOENT;
	}
	fclose(f);
	token[strcspn(token, "\r\n")] = '\0';
	return 0;
}

/* Connects, and says hello as the agent when we speak for one. */
static int
ctl_connect(struct ctl *ctl)
{
	struct json_object *params, *result = NULL;
	char token[256];
	int r;

	r = rpc_connect(&ctl->rpc, ctl->socket_path, ctl->timeout_ms);
	if (r < 0) {
		rpc_report_connect_error(ctl->socket_path, r);
		return EXIT_UNREACHABLE;
	}
	ctl->connected = true;
	if (ctl->agent == NULL)
		return EXIT_OK;
	if (ctl_read_token(ctl, token, sizeof token) < 0)
		return EXIT_USAGE;
	params = json_object_new_object();
	json_object_object_add(params, "agent", json_object_new_string(ctl->agent));
	json_object_object_add(params, "token", json_object_new_string(token));
	explicit_bzero(token, sizeof token);
	r = ctl_call(ctl, "session.hello", params, &result);
	json_object_put(result);
	return r;
}

int
ctl_call(struct ctl *ctl, const char *method, struct json_object *params,
	 struct json_object **result)
{
	struct rpc_response resp;
	int r;

	if (!ctl->connected) {
		r = ctl_connect(ctl);
		if (r != EXIT_OK) {
			json_object_put(params);
			return r;
		}
	}
	r = rpc_call(&ctl->rpc, method, params, &resp);
	if (r == -ETIMEDOUT) {
		fprintf(stderr, "maestroctl: no reply from maestrod at %s within %d ms\n",
			ctl->socket_path, ctl->timeout_ms);
		return EXIT_PROTOCOL;
	}
	if (r == -ECONNRESET) {
		fprintf(stderr, "maestroctl: maestrod at %s closed the connection\n",
			ctl->socket_path);
		return EXIT_UNREACHABLE;
	}
	if (r < 0) {
		fprintf(stderr, "maestroctl: bad reply from maestrod at %s: %s\n", ctl->socket_path,
			strerror(-r));
		return EXIT_PROTOCOL;
	}
	if (resp.result == NULL) {
		/* A refusal at connect time comes as an error with a null id. */
		bool refused = json_object_is_type(resp.id, json_type_null) &&
			       resp.error_code == MAESTRO_E_UNAUTHORIZED;

		if (ctl->json) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "code", json_object_new_int(resp.error_code));
			json_object_object_add(e, "message",
					       json_object_new_string(resp.error_message));
			if (resp.error_data)
				json_object_object_add(e, "data", json_object_get(resp.error_data));
			fprintf(stderr, "%s\n", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
			json_object_put(e);
		} else {
			fprintf(stderr, "maestroctl: %s (%s, %d)\n", resp.error_message,
				rpc_error_name(resp.error_code), resp.error_code);
		}
		rpc_response_clear(&resp);
		return refused ? EXIT_UNREACHABLE : EXIT_ERROR;
	}
	*result = json_object_get(resp.result);
	rpc_response_clear(&resp);
	return EXIT_OK;
}

static int
parse_timeout(const char *s, int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 86400)
		return -EINVAL;
	*ms = (int)(v * 1000);
	/* 0 would mean "wait forever" to poll(); a tiny timeout is still a timeout. */
	if (*ms == 0 && v > 0)
		*ms = 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "agent", required_argument, NULL, 'a' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .timeout_ms = 10000 };
	char *default_path = NULL;
	int c, r;

	/* '+': options after the command belong to the command. */
	while ((c = getopt_long(argc, argv, "+s:jt:a:T:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctl.socket_path = optarg;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 't':
			if (parse_timeout(optarg, &ctl.timeout_ms) < 0) {
				fprintf(stderr, "maestroctl: --timeout takes seconds, such as 5 or 0.5\n");
				return EXIT_USAGE;
			}
			break;
		case 'a':
			ctl.agent = optarg;
			break;
		case 'T':
			ctl.token_file = optarg;
			break;
		case 'V':
			printf("maestroctl %s (protocol %d)\n", MAESTRO_VERSION, MAESTRO_PROTOCOL_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (ctl.agent == NULL && getenv("MAESTRO_AGENT") != NULL && getenv("MAESTRO_AGENT")[0])
		ctl.agent = getenv("MAESTRO_AGENT");
	if (ctl.socket_path == NULL)
		ctl.socket_path = getenv("MAESTRO_SOCKET");
	if (ctl.socket_path == NULL || ctl.socket_path[0] == '\0') {
		default_path = maestro_default_socket_path();
		if (default_path == NULL) {
			fprintf(stderr, "maestroctl: XDG_RUNTIME_DIR is not set; "
					"give the socket with --socket or MAESTRO_SOCKET\n");
			return EXIT_USAGE;
		}
		ctl.socket_path = default_path;
	}

	for (size_t g = 0; g < sizeof command_groups / sizeof command_groups[0]; g++) {
		for (const struct command *cmd = command_groups[g]; cmd->name != NULL; cmd++) {
			if (strcmp(cmd->name, argv[optind]) != 0)
				continue;
			r = cmd->run(&ctl, argc - optind, argv + optind);
			if (ctl.connected)
				rpc_close(&ctl.rpc);
			free(default_path);
			return r;
		}
	}
	fprintf(stderr, "maestroctl: unknown command '%s'; see maestroctl --help\n", argv[optind]);
	free(default_path);
	return EXIT_USAGE;
}
