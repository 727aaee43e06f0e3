/* Code runners: shells, interpreters, source and eval, and what inline code (python -c ...) does. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "effects-internal.h"
#include "util.h"

enum code_arg {
	ARG_NONE,
	ARG_SHELL,   /* the string is a shell command: classified as one */
	ARG_DELETE,  /* the string is a path deleted */
	ARG_RDELETE, /* ... deleted with everything under it */
	ARG_READ,    /* ... read */
	ARG_URL,     /* ... fetched */
};

enum code_kind {
	K_PLAIN = 0,
	K_EXEC = 1u << 0,    /* runs code or commands: os.system, eval, exec */
	K_OBFUSCATE = 1u << 1, /* hides what runs: the brief's python -c os.system/remove/rmtree */
	K_NETWORK = 1u << 2,
	K_DECODE = 1u << 3,
};

/* What a call in inline code does; lang NULL matches every language. */
static const struct code_rule {
	const char *lang;
	const char *needle;
	unsigned kind;
	unsigned effects;
	enum code_arg arg;
} code_rules[] = {
	{ "python", "os.system", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "python", "os.popen", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "python", "subprocess.", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "python", "pty.spawn", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "python", "os.exec", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "python", "os.remove", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "python", "os.unlink", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "python", "os.rmdir", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "python", "shutil.rmtree", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "python", "os.removedirs", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "python", "exec(", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "python", "eval(", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "python", "b64decode", K_DECODE, 0, ARG_NONE },
	{ "python", "socket", K_NETWORK, EFFECT_NETWORK, ARG_NONE },
	{ "python", "urllib", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "python", "urlopen(", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "python", "requests.", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "python", "http.client", K_NETWORK, EFFECT_NETWORK, ARG_NONE },
	{ "python", "open(", K_PLAIN, EFFECT_READ, ARG_READ },
	{ "perl", "system", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "perl", "exec", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "perl", "qx", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "perl", "`", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "perl", "unlink", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "perl", "rmtree", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "perl", "remove_tree", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "perl", "IO::Socket", K_NETWORK, EFFECT_NETWORK, ARG_NONE },
	{ "perl", "socket(", K_NETWORK, EFFECT_NETWORK, ARG_NONE },
	{ "perl", "LWP", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "perl", "decode_base64", K_DECODE, 0, ARG_NONE },
	{ "perl", "eval", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "ruby", "system", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "ruby", "exec", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "ruby", "%x", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "ruby", "`", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "ruby", "IO.popen", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "ruby", "Open3", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "ruby", "FileUtils.rm_rf", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "ruby", "FileUtils.rm_r", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "ruby", "FileUtils.remove_entry", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "ruby", "FileUtils.remove_dir", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "ruby", "FileUtils.rm(", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "ruby", "File.delete", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "ruby", "File.unlink", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "ruby", "TCPSocket", K_NETWORK, EFFECT_NETWORK, ARG_NONE },
	{ "ruby", "Net::HTTP", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "ruby", "open-uri", K_NETWORK, EFFECT_NETWORK, ARG_NONE },
	{ "ruby", "Base64.decode", K_DECODE, 0, ARG_NONE },
	{ "ruby", "eval", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "ruby", "File.read", K_PLAIN, EFFECT_READ, ARG_READ },
	{ "node", "child_process", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "node", "execSync", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "node", "exec(", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "node", "spawnSync", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "node", "rmSync", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "node", "rmdirSync", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "node", "unlinkSync", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "node", "fs.rm(", K_OBFUSCATE, EFFECT_RECURSIVE_DELETE, ARG_RDELETE },
	{ "node", "net.connect", K_NETWORK, EFFECT_NETWORK, ARG_NONE },
	{ "node", "net.Socket", K_NETWORK, EFFECT_NETWORK, ARG_NONE },
	{ "node", "http.get", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "node", "https.get", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "node", "fetch(", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "node", "eval(", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "node", "readFileSync", K_PLAIN, EFFECT_READ, ARG_READ },
	{ "php", "shell_exec", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "php", "system(", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "php", "exec(", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "php", "passthru", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "php", "popen", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "php", "`", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "php", "unlink(", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "php", "fsockopen", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "php", "base64_decode", K_DECODE, 0, ARG_NONE },
	{ "php", "eval(", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "php", "file_get_contents", K_PLAIN, EFFECT_READ, ARG_READ },
	{ "lua", "os.execute", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "lua", "io.popen", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "lua", "os.remove", K_OBFUSCATE, EFFECT_DELETE, ARG_DELETE },
	{ "awk", "system(", K_EXEC, 0, ARG_SHELL },
	{ "awk", "| \"", K_EXEC, 0, ARG_NONE },
	{ "R", "system(", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "R", "unlink(", K_OBFUSCATE, EFFECT_DELETE, ARG_RDELETE },
	{ "osascript", "do shell script", K_EXEC | K_OBFUSCATE, 0, ARG_SHELL },
	{ "pwsh", "Invoke-Expression", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "pwsh", "iex", K_EXEC | K_OBFUSCATE, 0, ARG_NONE },
	{ "pwsh", "DownloadString", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "pwsh", "Invoke-WebRequest", K_NETWORK, EFFECT_NETWORK, ARG_URL },
	{ "pwsh", "Remove-Item", K_PLAIN, EFFECT_DELETE, ARG_DELETE },
	{ "pwsh", "FromBase64String", K_DECODE, 0, ARG_NONE },
};

/* Reads the string literal at *s (quoted, backquoted, or qx/%x delimited) into out. */
static bool
literal(const char **s, const char *end, char *out, size_t size)
{
	const char *p = *s;
	char open, close;
	size_t n = 0;

	while (p < end && (*p == ' ' || *p == '(' || *p == '\t'))
		p++;
	if (p >= end)
		return false;
	open = *p;
	switch (open) {
	case '\'': case '"': case '`': case '/': case '|': close = open; break;
	case '{': close = '}'; break;
	case '[': close = ']'; break;
	default: return false;
	}
	out[0] = '\0';
	for (p++; p < end && *p != close; p++) {
		char ch = *p;

		if (ch == '\\' && p + 1 < end) {
			p++;
			ch = *p == 'n' ? '\n' : *p;
		}
		if (n + 1 >= size)
			return false;
		out[n++] = ch;
	}
	out[n] = '\0';
	*s = p;
	return p < end;
}

/* subprocess.call(["rm", "-rf", "/"]): the list's strings joined by spaces. */
static bool
list_literal(const char **s, const char *end, char *out, size_t size)
{
	const char *p = *s;
	size_t n = 0;

	out[0] = '\0';
	while (p < end && (*p == ' ' || *p == '('))
		p++;
	if (p >= end || *p != '[')
		return false;
	for (p++; p < end && *p != ']'; p++) {
		char item[512];
		const char *q = p;

		if (*p != '\'' && *p != '"')
			continue;
		if (!literal(&q, end, item, sizeof item) || n + strlen(item) + 2 >= size)
			return false;
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "", item);
		p = q;
	}
	*s = p;
	/* Only a closed list is one: the words of an unclosed one are not known. */
	return p < end;
}

static void
apply_arg(struct cmd_ctx *x, enum code_arg arg, const char *value)
{
	switch (arg) {
	case ARG_SHELL:
		/* The command the code runs, as a shell would run it: its effects are this one's. */
		if (effects_shell(x->c, value, strlen(value)) < 0)
			return;
		break;
	case ARG_DELETE:
		effects_path(x, value, 0, PATH_DELETE, 0);
		break;
	case ARG_RDELETE:
		effects_path(x, value, 0, PATH_DELETE, HOW_RECURSIVE);
		break;
	case ARG_READ:
		if (strstr(value, "://") != NULL)
			effects_url(x, value);
		else
			effects_path(x, value, 0, PATH_READ, 0);
		break;
	case ARG_URL:
		if (strstr(value, "://") != NULL)
			effects_url(x, value);
		break;
	default:
		break;
	}
}

/*
 * What inline code does, by the calls it makes: os.system('...') and
 * friends run their string as a shell command, rmtree('...') deletes it,
 * and code that fetches and executes is download-exec.
 */
void
effects_code(struct cmd_ctx *x, const char *code, const char *lang)
{
	const char *end = code + strlen(code);
	unsigned kinds = 0;
	char *buf = malloc(4096);
	size_t found = 0;

	if (buf == NULL) {
		effects_oom(x->c);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(code_rules) && x->c->error == 0; i++) {
		const struct code_rule *r = &code_rules[i];
		const char *s = code;

		if (r->lang != NULL && strcmp(r->lang, lang) != 0)
			continue;
		while ((s = strstr(s, r->needle)) != NULL && found < 32) {
			const char *p = s + strlen(r->needle);

			char last = r->needle[strlen(r->needle) - 1];

			/* A needle that ends in a letter must end the word: "systemd" is not "system". */
			if (((last >= 'a' && last <= 'z') || (last >= 'A' && last <= 'Z')) && p < end &&
			    ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_')) {
				s = p;
				continue;
			}
			kinds |= r->kind;
			effects_add(x, r->effects);
			found++;
			if (r->needle[0] == '`' || strcmp(r->needle, "qx") == 0 || strcmp(r->needle, "%x") == 0)
				p = r->needle[0] == '`' ? s : p;
			if (r->arg != ARG_NONE) {
				const char *q = p;

				/* Past the function name to its first argument: .call(, .run(, ... */
				while (r->arg == ARG_SHELL && q < end && *q != '(' && *q != ' ' &&
				       *q != '\'' && *q != '"' && *q != '`' && *q != '[' && *q != '{' &&
				       *q != '|' && *q != '/' && q - p < 24)
					q++;
				if (list_literal(&q, end, buf, 4096) || literal(&q, end, buf, 4096))
					apply_arg(x, r->arg, buf);
				p = q < end ? q + 1 : end;
			}
			s = p > s ? p : s + 1;
		}
	}
	if (kinds & K_NETWORK)
		x->traits |= T_NETWORK;
	if (kinds & K_DECODE)
		x->traits |= T_DECODE;
	if (kinds & K_OBFUSCATE)
		effects_add(x, EFFECT_OBFUSCATION);
	/* exec(urlopen(...).read()), a socket handed to a shell: code from the network runs. */
	if ((kinds & K_EXEC) && (kinds & K_NETWORK))
		effects_add(x, EFFECT_DOWNLOAD_EXEC);
	if ((kinds & K_EXEC) && (kinds & K_DECODE))
		effects_add(x, EFFECT_OBFUSCATION);
	free(buf);
}

/* The text a code runner reads from stdin: a here-document or here-string. */
static const char *
stdin_text(const struct cmd_ctx *x)
{
	for (size_t i = 0; x->cmd != NULL && i < x->cmd->n_redirs; i++) {
		const struct shell_redir *r = &x->cmd->redirs[i];

		if ((r->kind == SHELL_REDIR_HEREDOC || r->kind == SHELL_REDIR_HERESTRING) && r->fd == 0)
			return r->target;
	}
	return NULL;
}

/* sh SCRIPT, sh -c TEXT (parsed as children), sh reading stdin. */
static void
h_shell(struct cmd_ctx *x)
{
	size_t k = 1;
	bool c_mode = false;

	while (k < x->argc && (x->argv[k][0] == '-' || x->argv[k][0] == '+') && x->argv[k][1] != '\0') {
		if (strcmp(x->argv[k], "--") == 0) {
			k++;
			break;
		}
		c_mode = c_mode || (x->argv[k][1] != '-' && strchr(x->argv[k], 'c') != NULL);
		k += (x->argv[k][1] != '-' && strpbrk(x->argv[k] + 1, "oO") != NULL) ||
				     strcmp(x->argv[k], "--rcfile") == 0 ||
				     strcmp(x->argv[k], "--init-file") == 0 ?
			     2 :
			     1;
	}
	if (c_mode)
		return;
	if (shell_reads_stdin(x->argv, x->argc)) {
		x->traits |= T_STDIN_CODE;
		return;
	}
	if (k < x->argc) {
		x->code_arg = k;
		effects_path(x, x->argv[k], x->flags[k], PATH_READ, 0);
	}
}

/* Interpreters: the flag that gives inline code, and the language its calls are read in. */
static const struct interpreter {
	const char *name;
	const char *lang;
	const char *code_flags; /* short flags whose value (or next word) is code */
	const char *long_flag;
} interpreters[] = {
	{ "python", "python", "c", NULL },   { "pypy", "python", "c", NULL },
	{ "perl", "perl", "eE", NULL },	     { "ruby", "ruby", "e", NULL },
	{ "node", "node", "ep", "--eval" },  { "nodejs", "node", "ep", "--eval" },
	{ "deno", "node", "", NULL },
	{ "php", "php", "rB", NULL },	     { "lua", "lua", "e", NULL },
	{ "Rscript", "R", "e", NULL },	     { "osascript", "osascript", "e", NULL },
	{ "pwsh", "pwsh", "c", "-Command" }, { "powershell", "pwsh", "c", "-Command" },
	{ "tclsh", "tcl", "", NULL },
};

static void
h_interpreter(struct cmd_ctx *x)
{
	const struct interpreter *in = NULL;
	const char *code = NULL, *stdin_code;
	size_t k;

	for (size_t i = 0; i < ARRAY_SIZE(interpreters); i++)
		if (strcmp(interpreters[i].name, x->prog->name) == 0)
			in = &interpreters[i];
	if (in == NULL)
		return;
	for (k = 1; k < x->argc && x->argv[k][0] == '-'; k++) {
		const char *w = x->argv[k];
		const char *last = w + strlen(w) - 1;

		if (strcmp(w, "--") == 0 || strcmp(w, "-") == 0)
			break;
		if (strcasecmp(w, "-EncodedCommand") == 0 || strcasecmp(w, "-enc") == 0 ||
		    (strcmp(in->lang, "pwsh") == 0 && strcasecmp(w, "-e") == 0))
			effects_add(x, EFFECT_OBFUSCATION);
		if ((in->long_flag && strcasecmp(w, in->long_flag) == 0) ||
		    (w[1] != '-' && strchr(in->code_flags, *last) != NULL && w[1] != '\0')) {
			if (k + 1 < x->argc) {
				code = x->argv[k + 1];
				x->code_arg = k + 1;
			}
			k += 2;
			break;
		}
		if (strcmp(in->lang, "python") == 0 && strcmp(w, "-m") == 0 && k + 1 < x->argc) {
			const char *mod = x->argv[k + 1];

			/* python -m pip install ...: pip's rules from its name on. */
			if (strcmp(mod, "pip") == 0 || strcmp(mod, "pip3") == 0) {
				effects_args(x, x->argv + k + 1, x->flags + k + 1, x->argc - k - 1);
				effects_dispatch(x, "pip");
			} else if (strcmp(mod, "http.server") == 0 || strcmp(mod, "SimpleHTTPServer") == 0) {
				effects_add(x, EFFECT_NETWORK);
			}
			return;
		}
		if (strcmp(in->lang, "python") == 0 && (strcmp(w, "-W") == 0 || strcmp(w, "-X") == 0))
			k++; /* their value is the next word */
	}
	if (code != NULL) {
		effects_code(x, code, in->lang);
		return;
	}
	stdin_code = stdin_text(x);
	if (stdin_code != NULL && (k >= x->argc || strcmp(x->argv[k], "-") == 0)) {
		effects_code(x, stdin_code, in->lang);
		return;
	}
	if (k >= x->argc || strcmp(x->argv[k], "-") == 0) {
		x->traits |= T_STDIN_CODE;
		return;
	}
	/* deno run https://...: a script fetched and run at once. */
	if (strcmp(x->argv[k], "run") == 0 && k + 1 < x->argc && strcmp(x->prog->name, "deno") == 0)
		k++;
	if (strstr(x->argv[k], "://") != NULL) {
		effects_url(x, x->argv[k]);
		effects_add(x, EFFECT_DOWNLOAD_EXEC);
		return;
	}
	x->code_arg = k;
	effects_path(x, x->argv[k], x->flags[k], PATH_READ, 0);
}

/* source FILE and . FILE run the file in this shell. */
static void
h_source(struct cmd_ctx *x)
{
	if (x->argc > 1) {
		x->code_arg = 1;
		effects_path(x, x->argv[1], x->flags[1], PATH_READ, 0);
	}
}

const struct program effects_code_programs[] = {
	{ "sh", h_shell, 0, T_CODE_RUNNER, "" },
	{ "bash", h_shell, 0, T_CODE_RUNNER, "" },
	{ "zsh", h_shell, 0, T_CODE_RUNNER, "" },
	{ "dash", h_shell, 0, T_CODE_RUNNER, "" },
	{ "ksh", h_shell, 0, T_CODE_RUNNER, "" },
	{ "ash", h_shell, 0, T_CODE_RUNNER, "" },
	{ "mksh", h_shell, 0, T_CODE_RUNNER, "" },
	{ "fish", h_shell, 0, T_CODE_RUNNER, "" },
	{ "csh", h_shell, 0, T_CODE_RUNNER, "" },
	{ "tcsh", h_shell, 0, T_CODE_RUNNER, "" },
	{ "rbash", h_shell, 0, T_CODE_RUNNER, "" },
	{ "python", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "pypy", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "perl", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "ruby", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "node", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "nodejs", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "deno", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "php", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "lua", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "Rscript", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "osascript", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "pwsh", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "powershell", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "tclsh", h_interpreter, 0, T_CODE_RUNNER, "" },
	{ "source", h_source, EFFECT_READ, T_CODE_RUNNER, "" },
	{ ".", h_source, EFFECT_READ, T_CODE_RUNNER, "" },
	{ "eval", NULL, 0, T_CODE_RUNNER, "" },
};
const size_t effects_n_code_programs = ARRAY_SIZE(effects_code_programs);
