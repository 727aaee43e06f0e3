/* Scripts fed to a shell's stdin: here-documents, here-strings, echo ... | sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shellparse-internal.h"

int
sp_stdin_script(struct sp_parser *p, size_t shell_cmd, const char *text, size_t len,
		size_t parent_arg)
{
	struct shell_command *cmd = &p->ctx->out->commands[shell_cmd];
	unsigned depth = cmd->depth + 1, inherit = cmd->flags & SHELL_CMD_PRIVILEGED;

	cmd->flags |= SHELL_CMD_SCRIPT;
	return sp_parse_text(p, text, len, depth, SHELL_ORIGIN_STDIN, shell_cmd, parent_arg, inherit);
}

/* Interprets the backslash escapes of echo -e and printf. */
static size_t
unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		if (*s != '\\' || s[1] == '\0') {
			out[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': out[n++] = '\n', s++; break;
		case 't': out[n++] = '\t', s++; break;
		case 'r': out[n++] = '\r', s++; break;
		case '\\': out[n++] = '\\', s++; break;
		case 'x': {
			unsigned v = 0, d = 0;

			s++;
			while (d < 2 && ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
					 (*s >= 'A' && *s <= 'F'))) {
				v = v * 16 + (unsigned)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
				s++, d++;
			}
			if (v != 0)
				out[n++] = (char)v;
			break;
		}
		default:
			if (*s >= '0' && *s <= '7') {
				unsigned v = 0, d = 0;

				if (*s == '0')
					s++;
				while (d < 3 && *s >= '0' && *s <= '7')
					v = v * 8 + (unsigned)(*s++ - '0'), d++;
				if (v != 0)
					out[n++] = (char)v;
			} else {
				out[n++] = '\\';
			}
		}
	}
	out[n] = '\0';
	return n;
}

/*
 * echo 'rm -rf /' | sh, printf 'rm -rf /\n' | bash: the text a literal echo
 * or printf writes is the script of the shell after it.
 */
int
sp_pipe_script(struct sp_parser *p, size_t from, size_t to)
{
	const struct shell_command *src = &p->ctx->out->commands[from];
	const struct shell_command *sh = &p->ctx->out->commands[to];
	const char *name;
	size_t k = 1, len;
	bool escapes = false;
	char *text, *out;
	int r;

	if (sh->argc == 0 || !shell_is_shell(shell_basename(sh->argv[0])) ||
	    !shell_reads_stdin(sh->argv, sh->argc))
		return 0;
	name = shell_basename(src->argv[0]);
	if (strcmp(name, "echo") != 0 && strcmp(name, "printf") != 0)
		return 0;
	for (size_t i = 0; i < src->argc; i++)
		if (src->argv_flags[i] & (SHELL_WORD_VARIABLE | SHELL_WORD_SUBST | SHELL_WORD_PROCSUBST))
			return 0;
	if (name[0] == 'e') {
		while (k < src->argc && src->argv[k][0] == '-' && src->argv[k][1] != '\0' &&
		       strspn(src->argv[k] + 1, "neE") == strlen(src->argv[k] + 1)) {
			escapes = escapes || strchr(src->argv[k], 'e') != NULL;
			k++;
		}
	} else {
		escapes = true;
		if (k < src->argc && strcmp(src->argv[k], "--") == 0)
			k++;
		/* printf FORMAT ARGS: the format, and its %s filled in order. */
		if (k + 1 < src->argc && strstr(src->argv[k], "%s") != NULL &&
		    strstr(src->argv[k], "%s") == strrchr(src->argv[k], '%')) {
			const char *pct = strstr(src->argv[k], "%s");
			size_t pre = (size_t)(pct - src->argv[k]), arg = strlen(src->argv[k + 1]);

			text = malloc(strlen(src->argv[k]) + arg + 1);
			if (text == NULL)
				return sp_oom(p);
			memcpy(text, src->argv[k], pre);
			memcpy(text + pre, src->argv[k + 1], arg);
			strcpy(text + pre + arg, pct + 2);
			goto parse;
		}
		if (k < src->argc) {
			text = strdup(src->argv[k]);
			if (text == NULL)
				return sp_oom(p);
			goto parse;
		}
	}
	text = sp_join(p, src->argv, k, src->argc);
	if (text == NULL)
		return -ENOMEM;
parse:
	len = strlen(text);
	if (escapes) {
		out = malloc(len + 1);
		if (out == NULL) {
			free(text);
			return sp_oom(p);
		}
		len = unescape(text, out);
		free(text);
		text = out;
	}
	r = sp_stdin_script(p, to, text, len, SHELL_NONE);
	free(text);
	return r;
}
