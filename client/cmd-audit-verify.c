/* maestroctl audit verify: checks the audit hash chain and its signed checkpoints. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maestroctl.h"

/* audit-signing.pub, as maestrod writes it (maestro-audit(7)). */
#define PUBLIC_KEY_PREFIX "maestro-audit-ed25519 "
#define PUBLIC_KEY_HEX_LEN 64
/* At least this long for the reply: see cmd_audit_verify(). */
#define VERIFY_TIMEOUT_MS (10 * 60 * 1000)

/*
 * The file comes from whoever runs us, so it is parsed strictly: one line,
 * exactly the prefix, 64 lowercase hex digits and a newline; anything
 * else, a longer file included, is refused. hex gets the key.
 */
static int
audit_parse_public_key(const char *text, size_t len, char hex[PUBLIC_KEY_HEX_LEN + 1])
{
	size_t plen = strlen(PUBLIC_KEY_PREFIX);

	if (len != plen + PUBLIC_KEY_HEX_LEN + 1 || memcmp(text, PUBLIC_KEY_PREFIX, plen) != 0 ||
	    text[len - 1] != '\n')
		return -EINVAL;
	for (size_t i = plen; i < plen + PUBLIC_KEY_HEX_LEN; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return -EINVAL;
	memcpy(hex, text + plen, PUBLIC_KEY_HEX_LEN);
	hex[PUBLIC_KEY_HEX_LEN] = '\0';
	return 0;
}

static int
read_public_key(const char *path, char hex[PUBLIC_KEY_HEX_LEN + 1])
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		fprintf(stderr, "maestroctl audit verify: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	/* One read of a bounded buffer: a file too long to be a key shows as too long. */
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0 || audit_parse_public_key(buf, (size_t)n, hex) < 0) {
		fprintf(stderr,
			"maestroctl audit verify: %s is not an audit public key (one line: \"%s\" "
			"and 64 lowercase hex digits)\n",
			path, PUBLIC_KEY_PREFIX "...");
		return -EINVAL;
	}
	return 0;
}

static long long
get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? (long long)json_object_get_int64(v) : -1;
}

static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "?";
}

int
cmd_audit_verify(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "public-key", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	char key[PUBLIC_KEY_HEX_LEN + 1] = "";
	struct json_object *params, *r = NULL, *problem;
	bool ok;
	int c, ec;

	/* 0, not 1: glibc then forgets the state of the previous parse. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "k:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (read_public_key(optarg, key) < 0)
				return EXIT_USAGE;
			break;
		case 'j': ctl->json = true; break;
		default: goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	/*
	 * A walk of millions of rows takes many seconds: wait long enough for
	 * one unless --timeout asked for longer still. The walk is a read, so
	 * waiting costs maestrod nothing.
	 */
	if (ctl->timeout_ms < VERIFY_TIMEOUT_MS)
		ctl->timeout_ms = VERIFY_TIMEOUT_MS;
	if (ctl->connected)
		ctl->rpc.timeout_ms = ctl->timeout_ms;
	params = json_object_new_object();
	if (key[0] != '\0')
		json_object_object_add(params, "public_key", json_object_new_string(key));
	ec = ctl_call(ctl, "audit.verify", params, &r);
	if (ec != EXIT_OK)
		return ec;
	ok = json_object_get_boolean(json_object_object_get(r, "ok"));
	if (ctl->json) {
		ctl_print_json(r);
	} else if (ok) {
		printf("audit trail verified: %lld rows, seq %lld..%lld, head %s\n",
		       get_int(r, "rows"), get_int(r, "first_seq"), get_int(r, "last_seq"),
		       get_str(r, "head_hash"));
		printf("checkpoints: %lld checked against %s\n", get_int(r, "checkpoints"),
		       key[0] ? "the given public key"
			      : "the keys stored with them (give --public-key for a real check)");
	} else if (json_object_object_get_ex(r, "problem", &problem)) {
		printf("audit trail BROKEN at seq %lld (%s): %s\n", get_int(problem, "seq"),
		       get_str(problem, "kind"), get_str(problem, "text"));
		printf("verified before it: %lld rows, seq %lld..%lld\n", get_int(r, "rows"),
		       get_int(r, "first_seq"), get_int(r, "last_seq"));
	}
	json_object_put(r);
	/* 1, like any failure: a script checks for a broken chain by the exit status. */
	return ok ? EXIT_OK : EXIT_ERROR;
usage:
	fprintf(stderr, "usage: maestroctl audit verify [--public-key FILE] [--json]\n");
	return EXIT_USAGE;
}
