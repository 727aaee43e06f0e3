/* maestroctl audit: query, show, export and follow the audit trail. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maestroctl.h"

/* The widest summary a table line shows; `audit show` has the rest. */
#define SUMMARY_MAX 72
/* parse_opts() after --help: leave with EXIT_OK, having printed the usage. */
#define EXIT_HELP (-1)

static const char *
member(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, a, &v) || v == NULL)
		return NULL;
	if (b != NULL && (!json_object_is_type(v, json_type_object) ||
			  !json_object_object_get_ex(v, b, &v) || v == NULL))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static const char *
fallback(const char *s, const char *otherwise)
{
	return s != NULL ? s : otherwise;
}

/* What the row is about, in a few words: the command, path or URL for an action. */
static void
row_summary(struct json_object *detail, char *buf, size_t size)
{
	const char *kind = member(detail, "action", "kind"), *s = NULL;
	char what[512], line[1024];

	if (kind != NULL) {
		if (strcmp(kind, "shell") == 0) {
			s = member(detail, "action", "command");
		} else if (strncmp(kind, "file_", 5) == 0) {
			s = member(detail, "action", "path");
		} else if (strcmp(kind, "network") == 0) {
			s = fallback(member(detail, "action", "url"), member(detail, "action", "host"));
		} else if (strcmp(kind, "mcp_tool") == 0) {
			snprintf(what, sizeof what, "%.250s/%.250s",
				 fallback(member(detail, "action", "server"), "?"),
				 fallback(member(detail, "action", "tool"), "?"));
			s = what;
		} else if (strcmp(kind, "prompt") == 0) {
			s = member(detail, "action", "text");
		}
		snprintf(line, sizeof line, "%.20s: %.1000s", kind, fallback(s, ""));
		ctl_safe(line, buf, size);
		return;
	}
	ctl_safe(fallback(member(detail, "id", NULL), member(detail, "reason", NULL)), buf, size);
}

static void
local_time(struct json_object *row, char *buf, size_t size)
{
	struct json_object *v;
	struct tm tm;
	time_t t;

	if (!json_object_object_get_ex(row, "time_us", &v)) {
		snprintf(buf, size, "?");
		return;
	}
	t = (time_t)(json_object_get_int64(v) / 1000000);
	if (localtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
}

static void
print_header(void)
{
	printf("%-7s %-19s %-20s %-16s %-8s %-8s %s\n", "SEQ", "TIME", "EVENT", "ACTOR",
	       "DECISION", "RISK", "SUMMARY");
}

static void
print_row_line(struct json_object *row)
{
	struct json_object *detail = NULL, *seq = NULL;
	char when[32], event[64], actor[64], decision[32], risk[32], summary[SUMMARY_MAX + 8];

	json_object_object_get_ex(row, "detail", &detail);
	json_object_object_get_ex(row, "seq", &seq);
	local_time(row, when, sizeof when);
	ctl_safe(member(row, "event", NULL), event, sizeof event);
	ctl_safe(member(row, "actor", NULL), actor, sizeof actor);
	ctl_safe(fallback(member(detail, "decision", NULL), "-"), decision, sizeof decision);
	ctl_safe(fallback(member(detail, "risk_level", NULL), "-"), risk, sizeof risk);
	row_summary(detail, summary, sizeof summary);
	printf("%-7" PRId64 " %-19s %-20s %-16s %-8s %-8s %s\n", json_object_get_int64(seq), when,
	       event, actor, decision, risk, summary);
}

static void
print_jsonl(struct json_object *row)
{
	puts(json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * --since and --until: "2h" or "7d" mean that long ago, sent as unix
 * seconds; anything else (RFC 3339, unix seconds) goes to maestrod as
 * written, which checks it.
 */
static struct json_object *
time_param(const char *text)
{
	size_t n = strspn(text, "0123456789");
	long long secs;

	if (n > 0 && text[n] != '\0' && text[n + 1] == '\0' && strchr("smhdw", text[n]) &&
	    ctl_parse_duration(text, &secs) == 0)
		return json_object_new_int64((int64_t)time(NULL) - secs);
	return json_object_new_string(text);
}

struct audit_opts {
	struct json_object *params;
	bool follow;
	bool json;
};

/* The filter options, shared by the table, --follow and export; returns EXIT_* . */
static int
parse_opts(struct ctl *ctl, int argc, char **argv, bool paging, struct audit_opts *o)
{
	static const struct option opts[] = {
		{ "agent", required_argument, NULL, 'a' },  { "decision", required_argument, NULL, 'd' },
		{ "risk", required_argument, NULL, 'r' },   { "kind", required_argument, NULL, 'k' },
		{ "event", required_argument, NULL, 'e' },  { "correlation", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 'S' },  { "until", required_argument, NULL, 'U' },
		{ "text", required_argument, NULL, 't' },   { "limit", required_argument, NULL, 'n' },
		{ "before", required_argument, NULL, 'B' }, { "after", required_argument, NULL, 'A' },
		{ "reverse", no_argument, NULL, 'R' },	    { "follow", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },	    { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	FILE *help = stderr;
	const char *name;
	char *end;
	long long v;
	int c;

	o->params = json_object_new_object();
	o->json = ctl->json;
	optind = 0; /* 0: glibc forgets the state of the previous parse */
	while ((c = getopt_long(argc, argv, "+fn:", opts, NULL)) != -1) {
		switch (c) {
		case 'a': name = "agent"; break;
		case 'd': name = "decision"; break;
		case 'r': name = "risk"; break;
		case 'k': name = "kind"; break;
		case 'e': name = "event"; break;
		case 'c': name = "correlation_id"; break;
		case 't': name = "text"; break;
		case 'S':
		case 'U':
			json_object_object_add(o->params, c == 'S' ? "since" : "until", time_param(optarg));
			continue;
		case 'n':
		case 'B':
		case 'A':
			errno = 0;
			v = strtoll(optarg, &end, 10);
			if (!paging || errno || end == optarg || *end || v < 1)
				goto usage;
			json_object_object_add(o->params, c == 'n' ? "limit" : c == 'B' ? "before_seq"
											  : "after_seq",
					       json_object_new_int64(v));
			continue;
		case 'R':
			if (!paging)
				goto usage;
			json_object_object_add(o->params, "order", json_object_new_string("asc"));
			continue;
		case 'f': o->follow = true; continue;
		case 'j': o->json = true; continue;
		case 'h': help = stdout; goto usage;
		default: goto usage;
		}
		json_object_object_add(o->params, name, json_object_new_string(optarg));
	}
	if (optind < argc) {
		fprintf(stderr, "maestroctl audit: unexpected argument '%s'\n", argv[optind]);
		goto usage;
	}
	return EXIT_OK;
usage:
	fprintf(help,
		"usage: maestroctl audit [--agent A] [--decision D] [--risk R] [--kind K] [--event E]\n"
		"                        [--correlation ID] [--since T] [--until T] [--text S]\n"
		"                        [--limit N] [--before SEQ] [--after SEQ] [--reverse]\n"
		"                        [--follow] [--json]\n"
		"       maestroctl audit show SEQ [--json]\n"
		"       maestroctl audit export [--since T] [--until T]\n"
		"       maestroctl audit verify ...\n");
	json_object_put(o->params);
	o->params = NULL;
	/* --help is an answer, not a mistake; the caller leaves with its code. */
	return help == stdout ? EXIT_HELP : EXIT_USAGE;
}

/*
 * maestrod never waits for a follower: past its buffer it drops rows for
 * it and says which (audit.dropped). They are in the store, so a follower
 * loses nothing: read them back, in order, on a second connection (the
 * first keeps its rows queued meanwhile), then carry on with the live ones.
 */
static int
backfill(struct ctl *ctl, struct audit_opts *o, int64_t first, int64_t last)
{
	struct rpc_client side;
	int64_t after = first - 1;
	int r = rpc_connect(&side, ctl->socket_path, ctl->timeout_ms);

	if (r < 0) {
		rpc_report_connect_error(ctl->socket_path, r);
		return EXIT_UNREACHABLE;
	}
	for (;;) {
		struct json_object *q = json_object_new_object(), *rows, *next;
		struct rpc_response resp;

		json_object_object_foreach(o->params, k, v)
			json_object_object_add(q, k, json_object_get(v));
		json_object_object_add(q, "after_seq", json_object_new_int64(after));
		json_object_object_add(q, "before_seq", json_object_new_int64(last + 1));
		json_object_object_add(q, "order", json_object_new_string("asc"));
		json_object_object_add(q, "limit", json_object_new_int(1000));
		r = rpc_call(&side, "audit.query", q, &resp);
		if (r < 0 || resp.result == NULL ||
		    !json_object_object_get_ex(resp.result, "rows", &rows)) {
			fprintf(stderr, "maestroctl: cannot read back rows %" PRId64 " to %" PRId64 ": %s\n",
				first, last, r < 0 ? strerror(-r) : resp.error_message);
			if (r == 0)
				rpc_response_clear(&resp);
			rpc_close(&side);
			return EXIT_ERROR;
		}
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			if (o->json)
				print_jsonl(json_object_array_get_idx(rows, i));
			else
				print_row_line(json_object_array_get_idx(rows, i));
		}
		next = json_object_object_get(resp.result, "next_after_seq");
		after = next != NULL ? json_object_get_int64(next) : 0;
		rpc_response_clear(&resp);
		if (after == 0)
			break;
	}
	rpc_close(&side);
	fflush(stdout);
	/* Said on stderr: the rows are all there, but a person may wonder at a pause. */
	fprintf(stderr, "maestroctl: read back rows %" PRId64 " to %" PRId64
			" from the store (maestrod had dropped them while this follower was behind)\n",
		first, last);
	return EXIT_OK;
}

static int
audit_follow(struct ctl *ctl, struct audit_opts *o)
{
	struct json_object *r = NULL, *v;
	int ec;

	/* The filters are kept: reading back dropped rows asks for the same ones. */
	ec = ctl_call(ctl, "audit.follow", json_object_get(o->params), &r);
	if (ec != EXIT_OK)
		return ec;
	if (!o->json) {
		json_object_object_get_ex(r, "from_seq", &v);
		fprintf(stderr, "following the audit trail from seq %" PRId64 "; ^C to stop\n",
			json_object_get_int64(v));
		print_header();
	}
	json_object_put(r);
	fflush(stdout);
	for (;;) {
		struct rpc_response resp = { 0 }; /* cleared even when nothing was read */
		int rc = rpc_next_message(&ctl->rpc, -1, &resp);

		if (rc < 0) {
			rpc_response_clear(&resp);
			fprintf(stderr, "maestroctl: %s\n", rc == -ECONNRESET
								   ? "maestrod closed the connection"
								   : strerror(-rc));
			return rc == -EPROTO ? EXIT_PROTOCOL : EXIT_UNREACHABLE;
		}
		if (resp.method != NULL && strcmp(resp.method, "audit.row") == 0) {
			if (o->json)
				print_jsonl(resp.params);
			else
				print_row_line(resp.params);
			fflush(stdout);
		} else if (resp.method != NULL && strcmp(resp.method, "audit.dropped") == 0) {
			ec = backfill(ctl, o,
				      json_object_get_int64(json_object_object_get(resp.params, "first_seq")),
				      json_object_get_int64(json_object_object_get(resp.params, "last_seq")));
			if (ec != EXIT_OK) {
				rpc_response_clear(&resp);
				return ec;
			}
		}
		rpc_response_clear(&resp);
	}
}

static int
audit_list(struct ctl *ctl, int argc, char **argv)
{
	struct audit_opts o = { 0 };
	struct json_object *r = NULL, *rows, *next;
	int ec = parse_opts(ctl, argc, argv, true, &o);

	if (ec != EXIT_OK)
		return ec == EXIT_HELP ? EXIT_OK : ec;
	if (o.follow) {
		/* A page's cursor means nothing to a stream that starts now. */
		if (json_object_object_get_ex(o.params, "limit", NULL) ||
		    json_object_object_get_ex(o.params, "before_seq", NULL) ||
		    json_object_object_get_ex(o.params, "after_seq", NULL) ||
		    json_object_object_get_ex(o.params, "order", NULL)) {
			fprintf(stderr, "maestroctl audit: --follow takes only filters, "
					"not --limit, --before, --after or --reverse\n");
			json_object_put(o.params);
			return EXIT_USAGE;
		}
		ec = audit_follow(ctl, &o);
		json_object_put(o.params);
		return ec;
	}
	ec = ctl_call(ctl, "audit.query", o.params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (o.json) {
		ctl_print_json(r);
		json_object_put(r);
		return EXIT_OK;
	}
	json_object_object_get_ex(r, "rows", &rows);
	print_header();
	for (size_t i = 0; i < json_object_array_length(rows); i++)
		print_row_line(json_object_array_get_idx(rows, i));
	if ((json_object_object_get_ex(r, "next_before_seq", &next) && next != NULL) ||
	    (json_object_object_get_ex(r, "next_after_seq", &next) && next != NULL))
		fprintf(stderr, "more rows: add --%s %" PRId64 "\n",
			json_object_object_get(r, "next_before_seq") ? "before" : "after",
			json_object_get_int64(next));
	json_object_put(r);
	return EXIT_OK;
}

static int
audit_show(struct ctl *ctl, int argc, char **argv)
{
	struct json_object *params, *r = NULL;
	bool json = ctl->json;
	const char *seq = NULL;
	char *end, text[1024];
	long long v;
	int ec;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (seq == NULL)
			seq = argv[i];
		else
			seq = "";
	}
	errno = 0;
	v = seq ? strtoll(seq, &end, 10) : 0;
	if (seq == NULL || errno || end == seq || *end || v < 1) {
		fprintf(stderr, "usage: maestroctl audit show SEQ [--json]\n");
		return EXIT_USAGE;
	}
	params = json_object_new_object();
	json_object_object_add(params, "seq", json_object_new_int64(v));
	ec = ctl_call(ctl, "audit.show", params, &r);
	if (ec != EXIT_OK)
		return ec;
	if (json) {
		print_jsonl(r);
		json_object_put(r);
		return EXIT_OK;
	}
	json_object_object_foreach(r, key, val) {
		if (strcmp(key, "detail") == 0)
			continue;
		ctl_safe(val ? json_object_get_string(val) : "-", text, sizeof text);
		printf("%-15s %s\n", key, text);
	}
	/* Pretty JSON escapes every control character, so the detail is safe as it is. */
	printf("detail\n%s\n", json_object_to_json_string_ext(json_object_object_get(r, "detail"),
							       JSON_C_TO_STRING_PRETTY |
								       JSON_C_TO_STRING_SPACED |
								       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(r);
	return EXIT_OK;
}

/*
 * JSONL, oldest first, a page of up to a thousand rows per call: memory
 * stays bounded on both sides however long the trail. It stops at the
 * newest row that existed when it started, so a busy daemon cannot keep
 * it going forever.
 */
static int
audit_export(struct ctl *ctl, int argc, char **argv)
{
	struct audit_opts o = { 0 };
	struct json_object *r = NULL, *rows, *next, *q;
	int64_t newest = 0, after = 0;
	int ec = parse_opts(ctl, argc, argv, false, &o);

	if (ec != EXIT_OK)
		return ec == EXIT_HELP ? EXIT_OK : ec;
	json_object_object_foreach(o.params, key, val) {
		(void)val;
		if (strcmp(key, "since") != 0 && strcmp(key, "until") != 0) {
			fprintf(stderr, "maestroctl audit export: only --since and --until apply\n");
			json_object_put(o.params);
			return EXIT_USAGE;
		}
	}
	q = json_object_new_object();
	json_object_object_add(q, "limit", json_object_new_int(1));
	ec = ctl_call(ctl, "audit.query", q, &r);
	if (ec != EXIT_OK) {
		json_object_put(o.params);
		return ec;
	}
	if (json_object_object_get_ex(r, "rows", &rows) && json_object_array_length(rows) > 0)
		newest = json_object_get_int64(
			json_object_object_get(json_object_array_get_idx(rows, 0), "seq"));
	json_object_put(r);
	while (newest > 0) {
		q = json_object_new_object();
		json_object_object_foreach(o.params, k, v)
			json_object_object_add(q, k, json_object_get(v));
		json_object_object_add(q, "before_seq", json_object_new_int64(newest + 1));
		if (after > 0)
			json_object_object_add(q, "after_seq", json_object_new_int64(after));
		ec = ctl_call(ctl, "audit.export", q, &r);
		if (ec != EXIT_OK)
			break;
		json_object_object_get_ex(r, "rows", &rows);
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			print_jsonl(json_object_array_get_idx(rows, i));
		next = json_object_object_get(r, "next_after_seq");
		after = next != NULL ? json_object_get_int64(next) : 0;
		json_object_put(r);
		if (after == 0)
			break;
	}
	json_object_put(o.params);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("maestroctl audit export: writing the rows");
		return EXIT_ERROR;
	}
	return ec;
}

static int
cmd_audit(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "show") == 0)
		return audit_show(ctl, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "export") == 0)
		return audit_export(ctl, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return cmd_audit_verify(ctl, argc - 1, argv + 1);
	return audit_list(ctl, argc, argv);
}

const struct command audit_commands[] = {
	{ "audit", "[FILTERS] [--follow]", "list or follow the audit trail; also audit show SEQ, "
					   "audit export, audit verify (administrators)",
	  cmd_audit },
	{ NULL, NULL, NULL, NULL },
};
