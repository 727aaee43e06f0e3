/* Unit tests for governance.execute's pure parts: secret names, the environment, argv quoting, the filesystem plan, Landlock rules. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <check.h>

#include "exec.h"
#include "unit.h"

START_TEST(test_secret_names)
{
	static const char *const secret[] = {
		"GITHUB_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "MAESTRO_TOKEN",
		"DB_PASSWORD", "my_db_password", "PGPASSWORD_FILE", "STRIPE_SECRET_KEY", "NPM_AUTH",
		"SSH_AUTH_SOCK", "HF_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS", "SENTRY_DSN",
		"SERVICE_APIKEY", "VAULT_ADDR", "CI_JOB_TOKEN", "SLACK_WEBHOOK_SECRET",
		"API_KEY", "AZURE_CLIENT_SECRET", "GPG_PRIVATE_KEY", "DOCKER_PASS",
		NULL,
	};
	static const char *const plain[] = {
		"PATH", "HOME", "LANG", "TERM", "KEYBOARD_LAYOUT", "XKB_KEYMAP", "TOKENIZERS_PARALLELISM_X",
		"EDITOR", "PWD", "SHELL", "DBUS_SESSION_BUS_ADDRESS", "XDG_SESSION_ID", "PASSENGER_APP",
		"MONKEY", "TMPDIR", "CUDA_HOME", NULL,
	};

	for (const char *const *s = secret; *s != NULL; s++)
		ck_assert_msg(exec_env_secret_name(*s), "%s should be scrubbed", *s);
	for (const char *const *s = plain; *s != NULL; s++)
		ck_assert_msg(!exec_env_secret_name(*s), "%s should be kept", *s);
}
END_TEST

static bool
env_has(char **envp, const char *entry)
{
	for (; *envp != NULL; envp++)
		if (strcmp(*envp, entry) == 0)
			return true;
	return false;
}

static bool
env_has_name(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return true;
	return false;
}

START_TEST(test_env_build)
{
	const char *base[] = { "PATH=/usr/bin:/bin", "HOME=/home/u", "GITHUB_TOKEN=ghp_x", "LANG=C",
			 "TMPDIR=/var/tmp", "noequals", "=empty", NULL };
	struct json_object *extra = json_object_new_object();
	struct json_object *scrubbed = json_object_new_array();
	char **envp;

	json_object_object_add(extra, "LANG", json_object_new_string("C.UTF-8"));
	json_object_object_add(extra, "MY_PASSWORD", json_object_new_string("pw"));
	json_object_object_add(extra, "FOO", json_object_new_string("a=b"));
	envp = exec_env_build(base, extra, false, "/tmp/maestro-exec-x", scrubbed);
	ck_assert_ptr_nonnull(envp);
	ck_assert(env_has(envp, "PATH=/usr/bin:/bin"));
	ck_assert(env_has(envp, "HOME=/home/u"));
	ck_assert(env_has(envp, "LANG=C.UTF-8")); /* the request wins */
	ck_assert(!env_has(envp, "LANG=C"));
	ck_assert(env_has(envp, "FOO=a=b"));
	ck_assert(env_has(envp, "TMPDIR=/tmp/maestro-exec-x")); /* maestrod's own wins over both */
	ck_assert(!env_has(envp, "TMPDIR=/var/tmp"));
	ck_assert(!env_has_name(envp, "GITHUB_TOKEN"));
	ck_assert(!env_has_name(envp, "MY_PASSWORD"));
	ck_assert(!env_has(envp, "noequals"));
	ck_assert(!env_has(envp, "=empty"));
	ck_assert_uint_eq(json_object_array_length(scrubbed), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(scrubbed, 0)), "GITHUB_TOKEN");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(scrubbed, 1)), "MY_PASSWORD");
	free(envp);

	/* read_secrets keeps them all. */
	envp = exec_env_build(base, extra, true, NULL, NULL);
	ck_assert_ptr_nonnull(envp);
	ck_assert(env_has(envp, "GITHUB_TOKEN=ghp_x"));
	ck_assert(env_has(envp, "MY_PASSWORD=pw"));
	ck_assert(env_has(envp, "TMPDIR=/var/tmp"));
	free(envp);
	json_object_put(extra);
	json_object_put(scrubbed);
}
END_TEST

static void
expect_quoted(const char *const *argv, size_t argc, const char *want)
{
	char *q = exec_argv_quote(argv, argc);

	ck_assert_ptr_nonnull(q);
	ck_assert_str_eq(q, want);
	free(q);
}

START_TEST(test_argv_quote)
{
	expect_quoted((const char *[]){ "ls", "-la", "/tmp" }, 3, "ls -la /tmp");
	expect_quoted((const char *[]){ "echo", "hello world" }, 2, "echo 'hello world'");
	expect_quoted((const char *[]){ "echo", "it's" }, 2, "echo 'it'\\''s'");
	expect_quoted((const char *[]){ "echo", "" }, 2, "echo ''");
	expect_quoted((const char *[]){ "sh", "-c", "a; rm -rf $HOME | b" }, 3,
		      "sh -c 'a; rm -rf $HOME | b'");
	expect_quoted((const char *[]){ "x", "`id`", "*", "~" }, 4, "x '`id`' '*' '~'");
	expect_quoted((const char *[]){ "a=b", "--opt=v,w:x@y%z+1" }, 2, "a=b --opt=v,w:x@y%z+1");
}
END_TEST

START_TEST(test_fs_plan)
{
	struct exec_fs fs = { 0 };

	exec_fs_enumerate(&fs, "/etc");
	exec_fs_enumerate(&fs, "/home/u");
	exec_fs_enumerate(&fs, "/home/u/.config");
	exec_fs_hide(&fs, "/var/lib/maestro/maestro.db");
	exec_fs_hide(&fs, NULL);      /* ignored */
	exec_fs_enumerate(&fs, "rel"); /* ignored: not absolute */
	ck_assert_uint_eq(fs.n_enumerate, 3);
	ck_assert_uint_eq(fs.n_hidden, 1);

	/* Above a protected path or a directory to enumerate: entry by entry. */
	ck_assert(exec_fs_needs_enumeration(&fs, "/"));
	ck_assert(exec_fs_needs_enumeration(&fs, "/etc"));
	ck_assert(exec_fs_needs_enumeration(&fs, "/home"));
	ck_assert(exec_fs_needs_enumeration(&fs, "/home/u"));
	ck_assert(exec_fs_needs_enumeration(&fs, "/home/u/.config"));
	ck_assert(exec_fs_needs_enumeration(&fs, "/var"));
	ck_assert(exec_fs_needs_enumeration(&fs, "/var/lib/maestro"));
	/* Every home, whoever's. */
	ck_assert(exec_fs_needs_enumeration(&fs, "/home/other"));
	/* Anything else whole. */
	ck_assert(!exec_fs_needs_enumeration(&fs, "/usr"));
	ck_assert(!exec_fs_needs_enumeration(&fs, "/etc/apt"));
	ck_assert(!exec_fs_needs_enumeration(&fs, "/home/u/src"));
	ck_assert(!exec_fs_needs_enumeration(&fs, "/home/other/src"));
	ck_assert(!exec_fs_needs_enumeration(&fs, "/var/lib/maestro/maestro.db"));
	ck_assert(!exec_fs_needs_enumeration(&fs, "/etcetera"));

	ck_assert(exec_fs_is_hidden(&fs, "/var/lib/maestro/maestro.db"));
	ck_assert(!exec_fs_is_hidden(&fs, "/var/lib/maestro/maestro.db-wal")); /* hidden apart */
	ck_assert(!exec_fs_is_hidden(&fs, "/var/lib/maestro"));
}
END_TEST

START_TEST(test_find_program)
{
	const char *envp[] = { "PATH=/nonexistent::/usr/bin:/bin", NULL };
	const char *none[] = { NULL };
	char **p;

	p = exec_find_program("sh", envp);
	ck_assert_ptr_nonnull(p);
	ck_assert(strcmp(p[0], "/usr/bin/sh") == 0 || strcmp(p[0], "/bin/sh") == 0);
	free(p);
	p = exec_find_program("./script", envp);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p[0], "./script");
	ck_assert_ptr_null(p[1]);
	free(p);
	ck_assert_ptr_null(exec_find_program("no-such-program-here", envp));
	ck_assert_ptr_null(exec_find_program("", envp));
	/* No PATH: the usual default. */
	p = exec_find_program("sh", none);
	ck_assert_ptr_nonnull(p);
	free(p);
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* In a child restricted by the ruleset: 0 when every expectation held, else the failing step. */
static int
probe(int fd, const char *dir)
{
	char path[512];
	int r, s;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0)
		return 10;
	snprintf(path, sizeof path, "%s/home/ok.txt", dir);
	if ((r = open(path, O_RDONLY)) < 0)
		return 11;
	close(r);
	snprintf(path, sizeof path, "%s/home/.ssh/id_rsa", dir);
	if ((r = open(path, O_RDONLY)) >= 0 || errno != EACCES)
		return 12;
	snprintf(path, sizeof path, "%s/home/.env", dir);
	if ((r = open(path, O_RDONLY)) >= 0 || errno != EACCES)
		return 13;
	snprintf(path, sizeof path, "%s/ws/new", dir);
	if ((r = open(path, O_WRONLY | O_CREAT, 0644)) < 0)
		return 14;
	close(r);
	snprintf(path, sizeof path, "%s/home/new", dir);
	if ((r = open(path, O_WRONLY | O_CREAT, 0644)) >= 0 || errno != EACCES)
		return 15;
	if ((r = open("/dev/null", O_WRONLY | O_TRUNC)) < 0)
		return 16;
	close(r);
	/* TCP bind is refused (ABI 4 and later). */
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s >= 0 && bind(s, (struct sockaddr *)&sin, sizeof sin) == 0)
		return 17;
	return 0;
}

START_TEST(test_landlock_rules)
{
	const char *why = NULL;
	int abi = exec_landlock_abi(&why), fd = -1, status;
	char dir[] = "/tmp/test-exec-XXXXXX", path[1024], home[256], ws[256];
	struct exec_fs fs = { 0 };
	struct exec_rules rules = { 0 };
	pid_t pid;

	if (abi < 4)
		return; /* nothing to enforce here: the result says so ("unavailable", "not enforceable") */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(home, sizeof home, "%s/home", dir);
	snprintf(ws, sizeof ws, "%s/ws", dir);
	ck_assert_int_eq(mkdir(home, 0755), 0);
	ck_assert_int_eq(mkdir(ws, 0755), 0);
	snprintf(path, sizeof path, "%s/.ssh", home);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/.ssh/id_rsa", home);
	write_file(path, "key\n");
	snprintf(path, sizeof path, "%s/.env", home);
	write_file(path, "A=1\n");
	snprintf(path, sizeof path, "%s/ok.txt", home);
	write_file(path, "ok\n");

	exec_fs_enumerate(&fs, home);
	rules.abi = abi;
	rules.write_files = true;
	rules.workspace = ws;
	rules.fs = &fs;
	rules.unreadable = json_object_new_array();
	rules.writable = json_object_new_array();
	ck_assert_int_eq(exec_landlock_build(&rules, &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_gt(rules.n_rules, 3);
	ck_assert_uint_eq(json_object_array_length(rules.writable), 1);
	ck_assert_uint_ge(json_object_array_length(rules.unreadable), 2);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		_exit(probe(fd, dir));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "probe failed at step %d",
		      WEXITSTATUS(status));
	close(fd);
	json_object_put(rules.unreadable);
	json_object_put(rules.writable);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

static Suite *
exec_suite(void)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("exec");

	tcase_add_test(tc, test_secret_names);
	tcase_add_test(tc, test_env_build);
	tcase_add_test(tc, test_argv_quote);
	tcase_add_test(tc, test_fs_plan);
	tcase_add_test(tc, test_find_program);
	tcase_add_test(tc, test_landlock_rules);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(exec_suite());
}
