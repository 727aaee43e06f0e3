/* maestroctl status, ping, reload and metrics: the daemon itself. */
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

/* "decision=deny risk=LOW agent=a" from a sample's labels; "" for none. */
static void
format_labels(struct json_object *sample, char *buf, size_t size)
{
	struct json_object *labels;
	size_t used = 0;

	buf[0] = '\0';
	if (!json_object_object_get_ex(sample, "labels", &labels) ||
	    !json_object_is_type(labels, json_type_object))
		return;
	json_object_object_foreach(labels, k, v) {
		int n = snprintf(buf + used, size - used, "%s%s=%s", used ? " " : "", k,
				 json_object_get_string(v));

		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

/* Seconds in the unit a person reads them in. */
static void
format_seconds(double s, char *buf, size_t size)
{
	if (s < 1e-3)
		snprintf(buf, size, "%.0f us", s * 1e6);
	else if (s < 1)
		snprintf(buf, size, "%.2f ms", s * 1e3);
	else
		snprintf(buf, size, "%.2f s", s);
}

/* The upper bound of the bucket holding quantile q, from cumulative counts. */
static bool
histogram_quantile_bound(struct json_object *buckets, long long count, double q, double *le)
{
	for (size_t i = 0; i < json_object_array_length(buckets); i++) {
		struct json_object *b = json_object_array_get_idx(buckets, i), *v;

		if (json_object_object_get_ex(b, "count", &v) &&
		    (double)json_object_get_int64(v) >= q * (double)count) {
			json_object_object_get_ex(b, "le", &v);
			*le = json_object_get_double(v);
			return true;
		}
	}
	return false; /* in the +Inf bucket */
}

static void
print_histogram(struct json_object *sample, const char *labels)
{
	struct json_object *v, *buckets = NULL;
	long long count = 0;
	double sum = 0, le;
	char mean[32], p50[32] = "more", p99[32] = "more";

	if (json_object_object_get_ex(sample, "count", &v))
		count = (long long)json_object_get_int64(v);
	if (json_object_object_get_ex(sample, "sum", &v))
		sum = json_object_get_double(v);
	json_object_object_get_ex(sample, "buckets", &buckets);
	if (count == 0) {
		printf("  %-40s no observations\n", labels[0] ? labels : "(all)");
		return;
	}
	format_seconds(sum / (double)count, mean, sizeof mean);
	if (histogram_quantile_bound(buckets, count, 0.5, &le))
		format_seconds(le, p50, sizeof p50);
	if (histogram_quantile_bound(buckets, count, 0.99, &le))
		format_seconds(le, p99, sizeof p99);
	printf("  %-40s %lld, mean %s, p50 <= %s, p99 <= %s\n", labels[0] ? labels : "(all)",
	       count, mean, p50, p99);
}

static int
cmd_metrics(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *r = NULL;
	int ec;

	/* --json here as well as before the command: "maestroctl metrics --json" reads naturally. */
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		ctl->json = true;
	else if ((ec = no_args(argc, argv)) != EXIT_OK)
		return ec;
	ec = ctl_call(ctl, "system.metrics", NULL, &r);
	if (ec != EXIT_OK)
		return ec;
	if (ctl->json) {
		ctl_print_json(r);
		json_object_put(r);
		return EXIT_OK;
	}
	json_object_object_foreach(r, name, family) {
		struct json_object *type, *samples;
		bool histogram;
		size_t n;

		if (!json_object_object_get_ex(family, "type", &type) ||
		    !json_object_object_get_ex(family, "samples", &samples))
			continue;
		histogram = strcmp(json_object_get_string(type), "histogram") == 0;
		n = json_object_array_length(samples);
		if (!histogram && n == 1) {
			char labels[256];
			struct json_object *s = json_object_array_get_idx(samples, 0), *v;

			/* A figure without labels fits on its name's line. */
			format_labels(s, labels, sizeof labels);
			json_object_object_get_ex(s, "value", &v);
			if (labels[0] == '\0') {
				printf("%-42s %s\n", name, json_object_get_string(v));
				continue;
			}
		}
		printf("%s%s\n", name, n == 0 ? "  (none)" : "");
		for (size_t i = 0; i < n; i++) {
			struct json_object *s = json_object_array_get_idx(samples, i), *v;
			char labels[256];

			format_labels(s, labels, sizeof labels);
			if (histogram) {
				print_histogram(s, labels);
			} else {
				json_object_object_get_ex(s, "value", &v);
				printf("  %-40s %s\n", labels, json_object_get_string(v));
			}
		}
	}
	json_object_put(r);
	return EXIT_OK;
}

const struct command system_commands[] = {
	{ "status", "", "show what maestrod is doing", cmd_status },
	{ "ping", "", "check that maestrod answers", cmd_ping },
	{ "reload", "", "re-read maestrod.conf (administrators)", cmd_reload },
	{ "metrics", "[--json]", "show maestrod's counters and latencies (administrators)",
	  cmd_metrics },
	{ NULL, NULL, NULL, NULL },
};
