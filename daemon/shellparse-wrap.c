/* Wrappers (sudo, env, nice, timeout, ...) and shells: the options that come before what they run. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

static const char *const sudo_long[] = { "--close-from", "--chdir", "--group", "--host", "--prompt",
					 "--chroot", "--role", "--type", "--command-timeout",
					 "--other-user", "--user", NULL };
static const char *const doas_long[] = { NULL };

static const char *const env_long[] = { "--unset", "--chdir", "--split-string", NULL };

static const char *const nice_long[] = { "--adjustment", NULL };

static const char *const timeout_long[] = { "--signal", "--kill-after", NULL };

static const char *const time_long[] = { "--format", "--output", NULL };

static const char *const stdbuf_long[] = { "--input", "--output", "--error", NULL };

static const char *const pkexec_long[] = { "--user", NULL };

static const char *const runuser_long[] = { "--user", "--group", "--supp-group", NULL };

static const char *const systemd_run_long[] = { "--unit", "--property", "--description",
						"--on-calendar", "--on-active", "--uid", "--gid",
						"--setenv", "--working-directory", NULL };
static const char *const flock_long[] = { "--timeout", "--wait", "--conflict-exit-code", NULL };

static const struct wrapper wrappers[] = {
	{ "sudo", SHELL_CMD_PRIVILEGED, "CDghpRrtTUu", sudo_long, "elvKV", 0, WRAP_PLAIN },
	{ "doas", SHELL_CMD_PRIVILEGED, "uC", doas_long, "L", 0, WRAP_PLAIN },
	{ "pkexec", SHELL_CMD_PRIVILEGED, "", pkexec_long, "", 0, WRAP_PLAIN },
	{ "runuser", SHELL_CMD_PRIVILEGED, "ugGw", runuser_long, "", 0, WRAP_NOT_WITH_C },
	{ "env", 0, "uCS", env_long, "", 0, WRAP_ENV },
	{ "nice", 0, "n", nice_long, "", 0, WRAP_PLAIN },
	{ "ionice", 0, "cnpPut", NULL, "pPu", 0, WRAP_PLAIN },
	{ "chrt", 0, "T", NULL, "p", 1, WRAP_PLAIN },
	{ "taskset", 0, "", NULL, "p", 1, WRAP_PLAIN },
	{ "numactl", 0, "CmNpi", NULL, "", 0, WRAP_PLAIN },
	{ "cgexec", 0, "g", NULL, "", 0, WRAP_PLAIN },
	{ "timeout", 0, "sk", timeout_long, "", 1, WRAP_PLAIN },
	{ "nohup", 0, "", NULL, "", 0, WRAP_PLAIN },
	{ "setsid", 0, "", NULL, "", 0, WRAP_PLAIN },
	{ "time", 0, "fo", time_long, "", 0, WRAP_PLAIN },
	{ "command", 0, "", NULL, "vV", 0, WRAP_PLAIN },
	{ "builtin", 0, "", NULL, "", 0, WRAP_PLAIN },
	{ "exec", 0, "a", NULL, "", 0, WRAP_PLAIN },
	{ "stdbuf", 0, "ioe", stdbuf_long, "", 0, WRAP_PLAIN },
	{ "unbuffer", 0, "", NULL, "", 0, WRAP_PLAIN },
	{ "caffeinate", 0, "tw", NULL, "", 0, WRAP_PLAIN },
	{ "torsocks", 0, "uapP", NULL, "", 0, WRAP_PLAIN },
	{ "torify", 0, "", NULL, "", 0, WRAP_PLAIN },
	{ "proxychains", 0, "f", NULL, "", 0, WRAP_PLAIN },
	{ "proxychains4", 0, "f", NULL, "", 0, WRAP_PLAIN },
	{ "tsocks", 0, "", NULL, "", 0, WRAP_PLAIN },
	{ "strace", 0, "abeEIoOpPsSuUX", NULL, "p", 0, WRAP_PLAIN },
	{ "ltrace", 0, "aAeEFlnopsuwxX", NULL, "p", 0, WRAP_PLAIN },
	{ "chroot", SHELL_CMD_PRIVILEGED, "", NULL, "", 1, WRAP_PLAIN },
	{ "gosu", 0, "", NULL, "", 1, WRAP_PLAIN },
	{ "su-exec", 0, "", NULL, "", 1, WRAP_PLAIN },
	{ "flock", 0, "wEn", flock_long, "u", 1, WRAP_NOT_WITH_C },
	{ "busybox", 0, "", NULL, "", 0, WRAP_PLAIN },
	{ "nsenter", 0, "tSG", NULL, "", 0, WRAP_PLAIN },
	{ "unshare", 0, "", NULL, "", 0, WRAP_PLAIN },
	{ "firejail", 0, "", NULL, "", 0, WRAP_PLAIN },
	{ "sshpass", 0, "pfd", NULL, "", 0, WRAP_PLAIN },
	{ "systemd-run", 0, "upEpM", systemd_run_long, "", 0, WRAP_PLAIN },
	{ "watchexec", 0, "wewWs", NULL, "", 0, WRAP_PLAIN },
};

const char *
shell_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

bool
shell_is_shell(const char *name)
{
	static const char *const shells[] = { "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh",
					      "pdksh", "yash", "rbash", "fish", "csh", "tcsh" };

	for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++)
		if (strcmp(name, shells[i]) == 0)
			return true;
	return false;
}

/*
 * Walks a shell's options from argv[1]: -c (in any cluster: -ec, -lc)
 * makes the first operand the script; -o and -O take a word.
 */
size_t
sp_shell_options(char *const *argv, size_t argc, bool *c_mode, bool *s_mode)
{
	size_t k = 1;

	*c_mode = *s_mode = false;
	while (k < argc) {
		const char *w = argv[k];
		bool takes = false;

		if (strcmp(w, "--") == 0 || strcmp(w, "-") == 0)
			return k + 1;
		if ((w[0] != '-' && w[0] != '+') || w[1] == '\0')
			break;
		if (w[0] == '-' && w[1] == '-') {
			k += strcmp(w, "--rcfile") == 0 || strcmp(w, "--init-file") == 0 ? 2 : 1;
			continue;
		}
		for (size_t i = 1; w[i]; i++) {
			if (w[i] == 'c')
				*c_mode = true;
			else if (w[i] == 's')
				*s_mode = true;
			else if (w[i] == 'o' || w[i] == 'O')
				takes = true;
		}
		k += takes ? 2 : 1;
	}
	return k;
}

bool
shell_reads_stdin(char *const *argv, size_t argc)
{
	bool c_mode, s_mode;
	size_t k = sp_shell_options(argv, argc, &c_mode, &s_mode);

	if (c_mode)
		return false;
	return k >= argc || s_mode || strcmp(argv[k - 1], "-") == 0;
}

const struct wrapper *
sp_wrapper_find(const char *name)
{
	for (size_t i = 0; i < sizeof wrappers / sizeof wrappers[0]; i++)
		if (strcmp(wrappers[i].name, name) == 0)
			return &wrappers[i];
	return NULL;
}

static bool
in_list(const char *const *list, const char *w)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, w) == 0)
			return true;
	return false;
}

/* Skips options from i; sets *stop when one of them means no command follows. */
size_t
sp_skip_options(char *const *v, size_t i, size_t b, const char *short_arg,
	     const char *const *long_arg, const char *stop_opts, bool *stop)
{
	while (i < b) {
		const char *w = v[i];
		bool takes = false;

		if (w[0] != '-' || w[1] == '\0')
			break;
		if (strcmp(w, "--") == 0)
			return i + 1;
		if (w[1] == '-') {
			i += strchr(w, '=') == NULL && in_list(long_arg, w) ? 2 : 1;
			continue;
		}
		for (size_t k = 1; w[k]; k++) {
			if (stop_opts != NULL && strchr(stop_opts, w[k]))
				*stop = true;
			if (short_arg != NULL && strchr(short_arg, w[k])) {
				takes = w[k + 1] == '\0';
				break;
			}
		}
		i += takes ? 2 : 1;
	}
	return i;
}

bool
sp_is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');

	return eq != NULL && sp_name_valid(w, (size_t)(eq - w));
}

static bool
has_dash_c(char *const *v, size_t i, size_t b)
{
	for (; i < b; i++)
		if (strcmp(v[i], "-c") == 0 || strncmp(v[i], "--command", 9) == 0)
			return true;
	return false;
}

/*
 * Where the wrapped command starts, or b when the wrapper runs nothing
 * (sudo -l, command -v git, env with no command: then it is the program).
 */
size_t
sp_wrapper_skip(const struct wrapper *wr, char *const *v, size_t i, size_t b)
{
	bool stop = false;
	size_t k;

	if (wr->kind == WRAP_NOT_WITH_C && has_dash_c(v, i, b))
		return b;
	k = sp_skip_options(v, i + 1, b, wr->short_arg, wr->long_arg, wr->stop, &stop);
	if (stop)
		return b;
	if (wr->kind == WRAP_ENV)
		while (k < b && sp_is_assignment(v[k]))
			k++;
	return k + wr->operands <= b ? k + wr->operands : b;
}
