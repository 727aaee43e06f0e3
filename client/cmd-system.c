/* maestroctl status, ping and reload: the daemon itself. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "maestroctl.h"

static const char *
get_str(struct json_object *o, const char *path1, const char *path2)
{
	struct json_object *v = o;

	if (path1 && !json_object_object_get_ex(v, path1, &v))
		return "?";
	if (path2 && !json_object_object_get_ex(v, path2, &v))
		return "?";
	return json_object_get_string(v);
}

static long long
get_int(struct json_object *o, const char *path1, const char *path2)
{
	struct json_object *v = o;

	if (path1 && !json_object_object_get_ex(v, path1, &v))
		return -1;
	if (path2 && !json_object_object_get_ex(v, path2, &v))
		return -1;
	return (long long)json_object_get_int64(v);
}

static void
format_duration(double s, char *buf, size_t size)
{
	long long t = (long long)s;

	if (t < 60)
		snprintf(buf, size, "%.1fs", s);
	else if (t < 3600)
		snprintf(buf, size, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, size, "%lldh%02lldm", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", t / 86400, t % 86400 / 3600);
}

static int
no_args(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "maestroctl %s: unexpected argument '%s'\n", argv[0], argv[1]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r = NULL, *v;
	char uptime[32];
	int ec;

	if ((ec = no_args(argc, argv)) != EXIT_OK)
		return ec;
	ec = ctl_call(ctl, "system.status", NULL, &r);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json) {
		ctl_print_json(r);
		json_object_put(r);
		return EXIT_OK;
	}
	json_object_object_get_ex(r, "uptime_s", &v);
	format_duration(json_object_get_double(v), uptime, sizeof uptime);
	printf("maestrod %s (protocol %lld), pid %lld, up %s\n", get_str(r, "version", NULL),
	       get_int(r, "protocol_version", NULL), get_int(r, "pid", NULL), uptime);
	printf("health:      %s\n", get_str(r, "health", NULL));
	printf("socket:      %s%s\n", get_str(r, "socket", "path"),
	       strcmp(get_str(r, "socket", "activated"), "true") == 0 ? " (from systemd)" : "");
	printf("database:    %s (schema %lld)\n", get_str(r, "database", "path"),
	       get_int(r, "database", "schema_version"));
	printf("config:      %s%s\n", get_str(r, "config", "path"),
	       strcmp(get_str(r, "config", "found"), "true") == 0 ? "" : " (absent: built-in defaults)");
	printf("connections: %lld open, %lld total, %lld refused\n",
	       get_int(r, "connections", "current"), get_int(r, "connections", "total"),
	       get_int(r, "connections", "refused"));
	printf("requests:    %lld total, %lld failed\n", get_int(r, "requests", "total"),
	       get_int(r, "requests", "failed"));
	printf("audit:       %lld rows committed in %lld batches, %lld queued, last seq %lld\n",
	       get_int(r, "audit", "committed"), get_int(r, "audit", "batches"),
	       get_int(r, "audit", "queued"), get_int(r, "audit", "last_seq"));
	json_object_put(r);
	return EXIT_OK;
}

static int
cmd_ping(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r = NULL;
	struct timespec a, b;
	int ec;

	if ((ec = no_args(argc, argv)) != EXIT_OK)
		return ec;
	clock_gettime(CLOCK_MONOTONIC, &a);
	ec = ctl_call(ctl, "system.ping", NULL, &r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json)
		ctl_print_json(r);
	else
		printf("pong from %s in %.3f ms\n", ctl->socket_path,
		       (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	json_object_put(r);
	return EXIT_OK;
}

static int
cmd_reload(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r = NULL, *list;
	int ec;

	if ((ec = no_args(argc, argv)) != EXIT_OK)
		return ec;
	ec = ctl_call(ctl, "system.reload", NULL, &r);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json) {
		ctl_print_json(r);
	} else {
		printf("configuration reloaded from %s\n", get_str(r, "config", NULL));
		if (json_object_object_get_ex(r, "restart_required", &list) &&
		    json_object_array_length(list) > 0) {
			printf("these changes take effect after a restart:");
			for (size_t i = 0; i < json_object_array_length(list); i++)
				printf(" %s", json_object_get_string(json_object_array_get_idx(list, i)));
			printf("\n");
		}
	}
	json_object_put(r);
	return EXIT_OK;
}

const struct command system_commands[] = {
	{ "status", "", "show what maestrod is doing", cmd_status },
	{ "ping", "", "check that maestrod answers", cmd_ping },
	{ "reload", "", "re-read maestrod.conf (administrators)", cmd_reload },
	{ NULL, NULL, NULL, NULL },
};
