/* Unit tests for daemon/config.c: maestrod.conf parsing, loading and error positions. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>
#include <check.h>

#include "config.h"
#include "maestro-protocol.h"
#include "unit.h"

/* Names no system will have; the tests check that before relying on it. */
#define NO_SUCH_USER "maestro-test-no-such-user"
#define NO_SUCH_GROUP "maestro-test-no-such-group"

static struct config cfg;
static struct config_error cerr;

static void
setup(void)
{
	config_init(&cfg);
	memset(&cerr, 0, sizeof cerr);
}

static void
teardown(void)
{
	config_clear(&cfg);
}

/* Parses text over the current settings, as config_parse() documents. */
static int
parse_over(const char *text)
{
	memset(&cerr, 0, sizeof cerr);
	return config_parse(&cfg, "test.conf", text, strlen(text), &cerr);
}

/* Parses text over fresh defaults. */
static int
parse(const char *text)
{
	config_clear(&cfg);
	return parse_over(text);
}

static void
expect_ok(const char *text)
{
	int r = parse(text);

	ck_assert_msg(r == 0, "'%s' refused: %s:%u:%u: %s", text, cerr.file, cerr.line,
		      cerr.column, cerr.message);
}

/* Refused, at this line and column, with a message containing word. */
static void
expect_fail(const char *text, unsigned line, unsigned column, const char *word)
{
	int r = parse(text);

	ck_assert_msg(r == -EINVAL, "'%s' accepted (or %d)", text, r);
	ck_assert_str_eq(cerr.file, "test.conf");
	ck_assert_msg(cerr.line == line && cerr.column == column,
		      "'%s': error at %u:%u, expected %u:%u (%s)", text, cerr.line, cerr.column,
		      line, column, cerr.message);
	ck_assert_msg(strstr(cerr.message, word) != NULL, "'%s': message '%s' lacks '%s'", text,
		      cerr.message, word);
}

/* "key = value" refused, the column pointing at the value. */
static void
expect_bad_value(const char *key, const char *value, const char *word)
{
	char text[512];

	snprintf(text, sizeof text, "%s = %s", key, value);
	expect_fail(text, 1, (unsigned)strlen(key) + 4, word);
}

START_TEST(test_defaults)
{
	ck_assert_ptr_null(cfg.socket_path);
	ck_assert_ptr_null(cfg.db_path);
	ck_assert_ptr_null(cfg.allowed_uids);
	ck_assert_uint_eq(cfg.n_allowed_uids, 0);
	ck_assert_ptr_null(cfg.allowed_gids);
	ck_assert_uint_eq(cfg.n_allowed_gids, 0);
	ck_assert(!cfg.has_socket_group);
	ck_assert_uint_eq(cfg.max_line, MAESTRO_MAX_LINE_DEFAULT);
	ck_assert_uint_eq(cfg.max_connections, 1024);
	ck_assert_uint_eq(cfg.max_connections_per_uid, 256);
	ck_assert_uint_eq(cfg.max_pending_per_connection, 64);
	ck_assert_uint_eq(cfg.audit_queue_max, 8192);
	ck_assert_int_eq(cfg.audit_sync, AUDIT_SYNC_NORMAL);
	ck_assert_uint_eq(cfg.drain_timeout_usec, 5000000);
	ck_assert_int_eq(cfg.log_level, LOG_INFO);
}
END_TEST

START_TEST(test_empty_and_comments_only)
{
	static const char *const texts[] = {
		"", "\n", "\n\n\n", "   \t  \n", "# comment\n", "  # indented comment\n\t\n",
		"#max_connections = 0\n", "\r\n", "# no newline at the end",
	};

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		expect_ok(texts[i]);
		ck_assert_uint_eq(cfg.max_connections, 1024);
		ck_assert_ptr_null(cfg.socket_path);
	}
}
END_TEST

START_TEST(test_every_key)
{
	expect_ok("socket = /run/maestro/test.sock\n"
		  "database = /var/lib/maestro/test.db\n"
		  "allowed_uids = 0, 1000\n"
		  "allowed_groups = 0\n"
		  "socket_group = 0\n"
		  "max_line = 2M\n"
		  "max_connections = 10\n"
		  "max_connections_per_uid = 5\n"
		  "max_pending_per_connection = 3\n"
		  "audit_queue_max = 100\n"
		  "audit_sync = full\n"
		  "drain_timeout = 250ms\n"
		  "log_level = debug\n");
	ck_assert_str_eq(cfg.socket_path, "/run/maestro/test.sock");
	ck_assert_str_eq(cfg.db_path, "/var/lib/maestro/test.db");
	ck_assert_uint_eq(cfg.n_allowed_uids, 2);
	ck_assert_uint_eq(cfg.allowed_uids[0], 0);
	ck_assert_uint_eq(cfg.allowed_uids[1], 1000);
	ck_assert_uint_eq(cfg.n_allowed_gids, 1);
	ck_assert_uint_eq(cfg.allowed_gids[0], 0);
	ck_assert(cfg.has_socket_group);
	ck_assert_uint_eq(cfg.socket_group, 0);
	ck_assert_uint_eq(cfg.max_line, 2 * 1024 * 1024);
	ck_assert_uint_eq(cfg.max_connections, 10);
	ck_assert_uint_eq(cfg.max_connections_per_uid, 5);
	ck_assert_uint_eq(cfg.max_pending_per_connection, 3);
	ck_assert_uint_eq(cfg.audit_queue_max, 100);
	ck_assert_int_eq(cfg.audit_sync, AUDIT_SYNC_FULL);
	ck_assert_uint_eq(cfg.drain_timeout_usec, 250000);
	ck_assert_int_eq(cfg.log_level, LOG_DEBUG);
}
END_TEST

START_TEST(test_paths)
{
	char *long_path;

	expect_ok("socket = /run/m/s.sock");
	ck_assert_str_eq(cfg.socket_path, "/run/m/s.sock");
	/* Blanks inside a value are part of it; around it they are not. */
	expect_ok("database =   /srv/my data/m.db  ");
	ck_assert_str_eq(cfg.db_path, "/srv/my data/m.db");
	/* '#' not after a blank is data. */
	expect_ok("socket = /tmp/a#b");
	ck_assert_str_eq(cfg.socket_path, "/tmp/a#b");

	expect_bad_value("socket", "run/m.sock", "absolute path");
	expect_bad_value("socket", "~/m.sock", "absolute path");
	expect_bad_value("database", "./m.db", "absolute path");

	long_path = malloc(PATH_MAX + 32);
	ck_assert_ptr_nonnull(long_path);
	strcpy(long_path, "socket = /");
	memset(long_path + 10, 'p', PATH_MAX);
	long_path[10 + PATH_MAX] = '\0';
	expect_fail(long_path, 1, 10, "PATH_MAX");
	free(long_path);
}
END_TEST

START_TEST(test_allowed_uids)
{
	ck_assert_ptr_null(getpwnam(NO_SUCH_USER));

	expect_ok("allowed_uids = 0, 1 root,2\t3");
	ck_assert_uint_eq(cfg.n_allowed_uids, 5);
	ck_assert_uint_eq(cfg.allowed_uids[0], 0);
	ck_assert_uint_eq(cfg.allowed_uids[1], 1);
	ck_assert_uint_eq(cfg.allowed_uids[2], 0); /* root, by name */
	ck_assert_uint_eq(cfg.allowed_uids[3], 2);
	ck_assert_uint_eq(cfg.allowed_uids[4], 3);

	/* More than the first allocation holds. */
	expect_ok("allowed_uids = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
	ck_assert_uint_eq(cfg.n_allowed_uids, 17);
	ck_assert_uint_eq(cfg.allowed_uids[16], 17);

	/* (uid_t)-1 means "no change" to chown(); the largest uid is one less. */
	expect_ok("allowed_uids = 4294967294");
	ck_assert_uint_eq(cfg.allowed_uids[0], 4294967294u);
	expect_fail("allowed_uids = 4294967295", 1, 16, "no such user: 4294967295");

	/* The column names the bad entry, not the start of the list. */
	expect_fail("allowed_uids = root, " NO_SUCH_USER, 1, 22, "no such user: " NO_SUCH_USER);
	expect_fail("allowed_uids = -1", 1, 16, "no such user");
}
END_TEST

START_TEST(test_allowed_groups)
{
	ck_assert_ptr_null(getgrnam(NO_SUCH_GROUP));

	expect_ok("allowed_groups = root 0, 42");
	ck_assert_uint_eq(cfg.n_allowed_gids, 3);
	ck_assert_uint_eq(cfg.allowed_gids[0], 0);
	ck_assert_uint_eq(cfg.allowed_gids[1], 0);
	ck_assert_uint_eq(cfg.allowed_gids[2], 42);
	expect_fail("allowed_groups = 0 " NO_SUCH_GROUP, 1, 20, "no such group: " NO_SUCH_GROUP);
}
END_TEST

START_TEST(test_socket_group)
{
	expect_ok("socket_group = root");
	ck_assert(cfg.has_socket_group);
	ck_assert_uint_eq(cfg.socket_group, 0);
	expect_ok("socket_group = 4242");
	ck_assert(cfg.has_socket_group);
	ck_assert_uint_eq(cfg.socket_group, 4242);
	expect_bad_value("socket_group", NO_SUCH_GROUP, "no such group: " NO_SUCH_GROUP);
	ck_assert(!cfg.has_socket_group);
	expect_bad_value("socket_group", "4294967295", "no such group");
}
END_TEST

START_TEST(test_max_line)
{
	static const struct {
		const char *text;
		size_t value;
	} good[] = {
		{ "1048576", 1048576 },	     { "512K", 512 * 1024 }, { "512k", 512 * 1024 },
		{ "1M", 1024 * 1024 },	     { "3m", 3 * 1024 * 1024 },
		{ "1024", MAESTRO_MAX_LINE_MIN }, { "1K", MAESTRO_MAX_LINE_MIN },
		{ "64M", MAESTRO_MAX_LINE_MAX }, { "65536K", MAESTRO_MAX_LINE_MAX },
		{ "67108864", MAESTRO_MAX_LINE_MAX },
	};
	static const char *const bad[] = {
		"1023", "0", "0K", "65M", "67108865", "65537K", "K", "M", "-1", "+1024", "1G",
		"1.5M", "0x400", "1 K", "1KB", "99999999999999999999", "123456789012345678901234567890K",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char text[64];

		snprintf(text, sizeof text, "max_line = %s", good[i].text);
		expect_ok(text);
		ck_assert_uint_eq(cfg.max_line, good[i].value);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_bad_value("max_line", bad[i], "max_line must be a size");
}
END_TEST

START_TEST(test_counts)
{
	static const char *const keys[] = {
		"max_connections", "max_connections_per_uid", "max_pending_per_connection",
		"audit_queue_max",
	};
	static const char *const bad[] = {
		"0", "1000001", "-1", "+5", "abc", "1e3", "5x", "1.0", "18446744073709551616",
	};

	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		char text[128];

		snprintf(text, sizeof text, "%s = 1", keys[k]);
		expect_ok(text);
		snprintf(text, sizeof text, "%s = 1000000", keys[k]);
		expect_ok(text);
		ck_assert_uint_eq(k == 0   ? cfg.max_connections
				  : k == 1 ? cfg.max_connections_per_uid
				  : k == 2 ? cfg.max_pending_per_connection
					   : cfg.audit_queue_max,
				  1000000);
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			expect_bad_value(keys[k], bad[i], "whole number from 1 to 1000000");
	}
}
END_TEST

START_TEST(test_audit_sync)
{
	expect_ok("audit_sync = full");
	ck_assert_int_eq(cfg.audit_sync, AUDIT_SYNC_FULL);
	expect_ok("audit_sync = normal");
	ck_assert_int_eq(cfg.audit_sync, AUDIT_SYNC_NORMAL);
	expect_bad_value("audit_sync", "FULL", "normal or full");
	expect_bad_value("audit_sync", "off", "normal or full");
	expect_bad_value("audit_sync", "1", "normal or full");
}
END_TEST

START_TEST(test_drain_timeout)
{
	static const struct {
		const char *text;
		uint64_t usec;
	} good[] = {
		{ "500ms", 500000 }, { "5s", 5000000 },	     { "1m", 60000000 },
		{ "0", 0 },	     { "0ms", 0 },	     { "7", 7000000 },
		{ "3600", 3600000000u }, { "60m", 3600000000u }, { "3600000ms", 3600000000u },
	};
	static const char *const bad[] = {
		"61m", "3601", "3601s", "3600001ms", "5h", "s", "ms", "m", "-1s", "1.5s", "5 s",
		"5S", "99999999999999999999s",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char text[64];

		snprintf(text, sizeof text, "drain_timeout = %s", good[i].text);
		expect_ok(text);
		ck_assert_uint_eq(cfg.drain_timeout_usec, good[i].usec);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_bad_value("drain_timeout", bad[i], "drain_timeout must be a duration");
}
END_TEST

START_TEST(test_log_level)
{
	static const struct {
		const char *text;
		int level;
	} good[] = {
		{ "error", LOG_ERR },	{ "warning", LOG_WARNING }, { "warn", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },	     { "debug", LOG_DEBUG },
		{ "DEBUG", LOG_DEBUG }, { "Error", LOG_ERR },
	};
	static const char *const bad[] = { "verbose", "emergency", "critical", "7", "infox" };

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char text[64];

		snprintf(text, sizeof text, "log_level = %s", good[i].text);
		expect_ok(text);
		ck_assert_int_eq(cfg.log_level, good[i].level);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_bad_value("log_level", bad[i], "log_level must be");
}
END_TEST

START_TEST(test_comments)
{
	expect_ok("# maestrod.conf\n"
		  "max_connections = 5 # trailing comment\n"
		  "   # indented comment\n"
		  "max_connections_per_uid = 6\t# after a tab\n"
		  "socket = /tmp/x#y # the first '#' is data\n");
	ck_assert_uint_eq(cfg.max_connections, 5);
	ck_assert_uint_eq(cfg.max_connections_per_uid, 6);
	ck_assert_str_eq(cfg.socket_path, "/tmp/x#y");

	/* '#' right after the value is part of it, which makes the value bad. */
	expect_fail("max_connections = 5# no blank", 1, 19, "whole number");
	/* A comment where the value should be leaves no value. */
	expect_fail("max_connections = # five", 1, 17, "missing value for 'max_connections'");
	/* A commented-out line never counts, not even as the first of a duplicate. */
	expect_ok("# max_connections = 1\nmax_connections = 2\n");
	ck_assert_uint_eq(cfg.max_connections, 2);
}
END_TEST

START_TEST(test_whitespace)
{
	expect_ok("\t  max_connections\t=\t7 \t\n");
	ck_assert_uint_eq(cfg.max_connections, 7);
	expect_ok("max_connections=8");
	ck_assert_uint_eq(cfg.max_connections, 8);
	/* CRLF files, as written on some editors. */
	expect_ok("max_connections = 9\r\n\r\naudit_sync = full\r\n");
	ck_assert_uint_eq(cfg.max_connections, 9);
	ck_assert_int_eq(cfg.audit_sync, AUDIT_SYNC_FULL);
	/* Line numbers count blank and comment lines. */
	expect_fail("\n# c\n\t\nmax_connections = 0\n", 4, 19, "whole number");
}
END_TEST

START_TEST(test_unknown_key)
{
	expect_fail("max_connections = 5\n\n   bogus = 1\n", 3, 4, "unknown key 'bogus'");
	/* Keys are case-sensitive. */
	expect_fail("Max_Connections = 5", 1, 1, "unknown key 'Max_Connections'");
	/* A blank inside a key makes it unknown, not two tokens. */
	expect_fail("max connections = 5", 1, 1, "unknown key 'max connections'");
}
END_TEST

START_TEST(test_duplicate_key)
{
	expect_fail("max_connections = 5\n# c\n  max_connections = 6\n", 3, 3,
		    "'max_connections' is set twice (first on line 1)");
	expect_fail("socket = /a\nlog_level = info\nsocket = /b\n", 3, 1, "first on line 1");
	/* Twice with the same value is still a mistake worth reporting. */
	expect_fail("\naudit_sync = full\naudit_sync = full", 3, 1, "first on line 2");
}
END_TEST

START_TEST(test_missing_value)
{
	expect_fail("max_connections =", 1, 17, "missing value for 'max_connections'");
	expect_fail("socket =   \n", 1, 8, "missing value for 'socket'");
	expect_fail("max_line=\t\r\n", 1, 9, "missing value for 'max_line'");
}
END_TEST

START_TEST(test_missing_equals)
{
	expect_fail("\nmax_connections 5\n", 2, 1, "expected 'key = value'");
	expect_fail("  socket", 1, 3, "expected 'key = value'");
	expect_fail("max_connections = 5\nlog_level: info\n", 2, 1, "expected 'key = value'");
}
END_TEST

START_TEST(test_missing_key)
{
	expect_fail("  = 5", 1, 3, "missing key");
	expect_fail("=", 1, 1, "missing key");
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "max_connections = 5\0\nlog_level = info\n";

	ck_assert_int_eq(config_parse(&cfg, "test.conf", text, sizeof text - 1, &cerr), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cerr.message, "NUL"));
}
END_TEST

START_TEST(test_error_format)
{
	struct config_error e = { .file = "/etc/maestro/maestrod.conf", .message = "boom" };
	char buf[512];

	ck_assert_int_eq(parse("max_connections = 5\n\n   bogus = 1\n"), -EINVAL);
	config_error_format(&cerr, buf, sizeof buf);
	ck_assert_str_eq(buf, "test.conf:3:4: unknown key 'bogus'");

	/* Without a column, and without a line (file-level errors). */
	e.line = 2;
	config_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "/etc/maestro/maestrod.conf:2: boom");
	e.line = 0;
	config_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "/etc/maestro/maestrod.conf: boom");

	/* A short buffer is truncated, never overrun. */
	config_error_format(&cerr, buf, 10);
	ck_assert_str_eq(buf, "test.conf");
}
END_TEST

START_TEST(test_parse_over_existing)
{
	/* A second file overrides the first, freeing what it replaces (LSan checks). */
	ck_assert_int_eq(parse_over("allowed_uids = 1, 2\nsocket = /a\nmax_connections = 9"), 0);
	ck_assert_int_eq(parse_over("allowed_uids = 3\nsocket = /b\n"), 0);
	ck_assert_uint_eq(cfg.n_allowed_uids, 1);
	ck_assert_uint_eq(cfg.allowed_uids[0], 3);
	ck_assert_str_eq(cfg.socket_path, "/b");
	/* What the second file does not mention stays. */
	ck_assert_uint_eq(cfg.max_connections, 9);
}
END_TEST

/*
 * Messages quote the file's text and are cut at 255 bytes, possibly inside
 * a UTF-8 sequence; system.reload sends them in a JSON reply, so what is
 * left of the character must not be.
 */
START_TEST(test_message_cut)
{
	char text[512];
	size_t n = 0;

	/* "unknown key 'a" is 14 bytes; 2-byte characters then end at odd offsets. */
	text[n++] = 'a';
	for (int i = 0; i < 150; i++) {
		text[n++] = (char)0xc3;
		text[n++] = (char)0xa9;
	}
	memcpy(text + n, " = 1\n", 5);
	n += 5;
	text[n] = '\0';
	ck_assert(ref_utf8_valid(text, n));
	ck_assert_int_eq(parse(text), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cerr.message, "unknown key"));
	ck_assert_uint_eq(strlen(cerr.message), sizeof cerr.message - 1);
	ck_assert_msg(ref_utf8_valid(cerr.message, strlen(cerr.message)),
		      "message is not valid UTF-8 (%zu bytes): %s", strlen(cerr.message),
		      cerr.message);
	ck_assert_int_eq(cerr.message[sizeof cerr.message - 2], '?');
}
END_TEST

/* Files for config_load(), in a directory of our own. */
/* Short enough that tmpdir + "/" + a file name always fits in path. */
static char tmpdir[PATH_MAX / 2];
static char path[PATH_MAX];

static void
load_setup(void)
{
	const char *base = getenv("TMPDIR");

	setup();
	/* A fresh template each time: mkdtemp() overwrites the X's. */
	if (base == NULL || base[0] != '/' || strlen(base) > sizeof tmpdir - 64)
		base = "/tmp";
	snprintf(tmpdir, sizeof tmpdir, "%s/maestro-test-config-XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void
load_teardown(void)
{
	teardown();
	nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static const char *
tmp_file(const char *name, const char *text, size_t len)
{
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	if (text != NULL) {
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(text, 1, len, f), len);
		ck_assert_int_eq(fclose(f), 0);
	}
	return path;
}

START_TEST(test_load_missing)
{
	const char *p = tmp_file("absent.conf", NULL, 0);
	char buf[PATH_MAX + 300], want[PATH_MAX + 300];

	/* Without --config a missing file means "all defaults". */
	ck_assert_int_eq(config_load(&cfg, p, false, &cerr), 0);
	ck_assert_uint_eq(cfg.max_connections, 1024);
	ck_assert_ptr_null(cfg.socket_path);

	/* With --config it is an error that names the file. */
	ck_assert_int_eq(config_load(&cfg, p, true, &cerr), -ENOENT);
	ck_assert_str_eq(cerr.file, p);
	ck_assert_uint_eq(cerr.line, 0);
	ck_assert_ptr_nonnull(strstr(cerr.message, "cannot open"));
	config_error_format(&cerr, buf, sizeof buf);
	snprintf(want, sizeof want, "%s: cannot open: %s", p, strerror(ENOENT));
	ck_assert_str_eq(buf, want);
}
END_TEST

START_TEST(test_load_file)
{
	static const char good[] = "socket = /run/t.sock\nmax_connections = 12\nlog_level = warn\n";
	static const char bad[] = "socket = /run/t.sock\n\nmax_connections = many\n";
	const char *p;

	p = tmp_file("good.conf", good, sizeof good - 1);
	ck_assert_int_eq(config_load(&cfg, p, true, &cerr), 0);
	ck_assert_str_eq(cfg.socket_path, "/run/t.sock");
	ck_assert_uint_eq(cfg.max_connections, 12);
	ck_assert_int_eq(cfg.log_level, LOG_WARNING);

	/*
	 * config_load starts from defaults, not from what *cfg held. It treats
	 * *cfg as output only (config_init, not config_clear), so free first.
	 */
	config_clear(&cfg);
	cfg.max_connections = 77;
	cfg.log_level = LOG_DEBUG;
	p = tmp_file("empty.conf", "", 0);
	ck_assert_int_eq(config_load(&cfg, p, true, &cerr), 0);
	ck_assert_int_eq(cfg.log_level, LOG_INFO);
	ck_assert_ptr_null(cfg.socket_path);
	ck_assert_uint_eq(cfg.max_connections, 1024);

	/* A bad file: the error names file, line and column; *cfg is left cleared. */
	config_clear(&cfg);
	p = tmp_file("bad.conf", bad, sizeof bad - 1);
	ck_assert_int_eq(config_load(&cfg, p, true, &cerr), -EINVAL);
	ck_assert_str_eq(cerr.file, p);
	ck_assert_uint_eq(cerr.line, 3);
	ck_assert_uint_eq(cerr.column, 19);
	ck_assert_ptr_nonnull(strstr(cerr.message, "whole number"));
	ck_assert_ptr_null(cfg.socket_path);
	ck_assert_uint_eq(cfg.max_connections, 1024);
}
END_TEST

START_TEST(test_load_directory)
{
	snprintf(path, sizeof path, "%s/dir.conf", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(config_load(&cfg, path, true, &cerr), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cerr.message, "regular file"));
	ck_assert_str_eq(cerr.file, path);
	/* A directory is not "missing", even when the file is optional. */
	ck_assert_int_eq(config_load(&cfg, path, false, &cerr), -EINVAL);
}
END_TEST

START_TEST(test_load_size_limit)
{
	const size_t limit = 1024 * 1024;
	char *text = malloc(limit + 1);
	const char *p;

	/* Exactly 1 MiB of comments is fine, one byte more is refused. */
	ck_assert_ptr_nonnull(text);
	memset(text, '#', limit + 1);
	for (size_t i = 99; i < limit + 1; i += 100)
		text[i] = '\n';
	text[limit - 20] = '\n';
	memcpy(text + limit - 19, "max_connections = 3", 19);
	p = tmp_file("big.conf", text, limit);
	ck_assert_int_eq(config_load(&cfg, p, true, &cerr), 0);
	ck_assert_uint_eq(cfg.max_connections, 3);

	p = tmp_file("bigger.conf", text, limit + 1);
	ck_assert_int_eq(config_load(&cfg, p, true, &cerr), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cerr.message, "at most 1 MiB"));
	ck_assert_uint_eq(cfg.max_connections, 1024);
	free(text);
}
END_TEST

static void
on_alarm(int sig)
{
	(void)sig; /* only here to interrupt open() */
}

/*
 * A FIFO at the path (a mistake, or a trap set by whoever can write the
 * directory) is refused at once, not waited on in open() forever.
 */
START_TEST(test_load_fifo)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	int r;

	snprintf(path, sizeof path, "%s/fifo.conf", tmpdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	/* Should open() block after all, interrupt it after a second rather than hang. */
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	alarm(1);
	r = config_load(&cfg, path, true, &cerr);
	alarm(0);
	ck_assert_msg(r == -EINVAL, "config_load on a FIFO returned %d (%s), not -EINVAL", r,
		      cerr.message);
	ck_assert_ptr_nonnull(strstr(cerr.message, "regular file"));
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config_parse");
	TCase *load = tcase_create("config_load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_and_comments_only);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_allowed_uids);
	tcase_add_test(tc, test_allowed_groups);
	tcase_add_test(tc, test_socket_group);
	tcase_add_test(tc, test_max_line);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_audit_sync);
	tcase_add_test(tc, test_drain_timeout);
	tcase_add_test(tc, test_log_level);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_whitespace);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_duplicate_key);
	tcase_add_test(tc, test_missing_value);
	tcase_add_test(tc, test_missing_equals);
	tcase_add_test(tc, test_missing_key);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_error_format);
	tcase_add_test(tc, test_parse_over_existing);
	tcase_add_test(tc, test_message_cut);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(load, load_setup, load_teardown);
	tcase_add_test(load, test_load_missing);
	tcase_add_test(load, test_load_file);
	tcase_add_test(load, test_load_directory);
	tcase_add_test(load, test_load_size_limit);
	tcase_add_test(load, test_load_fifo);
	suite_add_tcase(s, load);

	return s;
}

int
main(void)
{
	return unit_run(config_suite());
}
