/* File tools: readers, writers, copy, delete, permissions, archives, find, decoders. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "effects-internal.h"
#include "util.h"

static void
h_read(struct cmd_ctx *x)
{
	effects_operands(x, 0, x->prog->opts, PATH_READ, 0);
}

static void
h_write(struct cmd_ctx *x)
{
	effects_operands(x, 0, x->prog->opts, PATH_WRITE, 0);
}

/* grep PATTERN FILE...: the pattern is not a file, unless -e or -f gave it. */
static void
h_search(struct cmd_ctx *x)
{
	const char *f = arg_value(x, 'f', "--file");
	size_t k = arg_next(x, 0, x->prog->opts);

	if (f != NULL)
		effects_path(x, f, 0, PATH_READ, 0);
	if (f == NULL && !arg_has(x, 'e', "--regexp"))
		k = arg_next(x, k, x->prog->opts);
	for (; k < x->argc; k = arg_next(x, k, x->prog->opts))
		effects_operand(x, k, PATH_READ, 0);
}

/* sed SCRIPT FILE...; with -i the files are rewritten. */
static void
h_sed(struct cmd_ctx *x)
{
	bool in_place = arg_has(x, 'i', "--in-place");
	size_t k = arg_next(x, 0, x->prog->opts);

	if (!arg_has(x, 'e', "--expression") && !arg_has(x, 'f', "--file"))
		k = arg_next(x, k, x->prog->opts);
	for (; k < x->argc; k = arg_next(x, k, x->prog->opts))
		effects_operand(x, k, in_place ? PATH_WRITE : PATH_READ, 0);
}

/* awk PROGRAM FILE...: the program may run commands through system(). */
static void
h_awk(struct cmd_ctx *x)
{
	const char *f = arg_value(x, 'f', "--file");
	size_t k = arg_next(x, 0, x->prog->opts);

	if (f != NULL) {
		effects_path(x, f, 0, PATH_READ, 0);
	} else if (k < x->argc) {
		effects_code(x, x->argv[k], "awk");
		k = arg_next(x, k, x->prog->opts);
	}
	for (; k < x->argc; k = arg_next(x, k, x->prog->opts))
		if (strchr(x->argv[k], '=') == NULL || x->argv[k][0] == '/')
			effects_operand(x, k, PATH_READ, 0);
}

/* sort and uniq: an output file besides the inputs. */
static void
h_sort(struct cmd_ctx *x)
{
	const char *o = arg_value(x, 'o', "--output");

	if (o != NULL)
		effects_path(x, o, 0, PATH_WRITE, 0);
	h_read(x);
}

static void
h_uniq(struct cmd_ctx *x)
{
	size_t k = arg_next(x, 0, x->prog->opts), n = 0;

	for (; k < x->argc; k = arg_next(x, k, x->prog->opts))
		effects_operand(x, k, n++ == 0 ? PATH_READ : PATH_WRITE, 0);
}

/* cp, mv, ln, install: sources, and the last operand (or -t DIR) written. */
static void
h_copy(struct cmd_ctx *x)
{
	const char *target = arg_value(x, 't', "--target-directory");
	bool move = strcmp(x->prog->name, "mv") == 0;
	size_t n = arg_count(x, x->prog->opts), i = 0;

	if (target != NULL)
		effects_path(x, target, 0, PATH_WRITE, 0);
	for (size_t k = arg_next(x, 0, x->prog->opts); k < x->argc; k = arg_next(x, k, x->prog->opts)) {
		bool dest = target == NULL && ++i == n && n > 1;

		/* What mv moves away is gone from where it was: written, not only read. */
		effects_operand(x, k, dest || move ? PATH_WRITE : PATH_READ, 0);
	}
	if (x->cmd != NULL && x->cmd->origin == SHELL_ORIGIN_XARGS)
		effects_roots(x, move ? PATH_WRITE : PATH_READ, 0);
}

static void
h_rm(struct cmd_ctx *x)
{
	bool recursive = strcmp(x->prog->name, "rmdir") != 0 &&
			 (arg_has(x, 'r', "--recursive") || arg_has(x, 'R', NULL));

	if (arg_has(x, 0, "--help") || arg_has(x, 0, "--version"))
		return;
	effects_add(x, EFFECT_DELETE);
	effects_operands(x, 0, x->prog->opts, PATH_DELETE, recursive ? HOW_RECURSIVE : 0);
}

/* dd if=IN of=OUT */
static void
h_dd(struct cmd_ctx *x)
{
	for (size_t k = 1; k < x->argc; k++) {
		if (strncmp(x->argv[k], "if=", 3) == 0)
			effects_path(x, x->argv[k] + 3, x->flags[k], PATH_READ, 0);
		else if (strncmp(x->argv[k], "of=", 3) == 0)
			effects_path(x, x->argv[k] + 3, x->flags[k], PATH_WRITE, 0);
	}
}

/* A chmod mode that sets the setuid or setgid bit: u+s, g=s, 4755, 2755. */
static bool
setuid_mode(const char *mode)
{
	size_t n = strlen(mode);

	if (n >= 4 && strspn(mode, "01234567") == n)
		return (mode[n - 4] - '0') & 6;
	for (const char *s = mode; *s; s++)
		if ((*s == '+' || *s == '=') && strchr(s, 's') != NULL)
			return true;
	return false;
}

static bool
mode_word(const char *w)
{
	size_t p = strspn(w, "ugoa");

	if (strspn(w, "01234567") == strlen(w) && w[0] != '\0')
		return true;
	return (w[p] == '+' || w[p] == '-' || w[p] == '=') && strspn(w + p, "+-=rwxXstugo,") ==
								     strlen(w + p);
}

/* chmod, chown, chgrp, chattr, setfacl, chflags, chcon: MODE/OWNER then files. */
static void
h_perm(struct cmd_ctx *x)
{
	bool recursive = arg_has(x, 'R', "--recursive");
	bool mode_seen = arg_value(x, 0, "--reference") != NULL ||
			 strcmp(x->prog->name, "setfacl") == 0;
	bool chmod = strcmp(x->prog->name, "chmod") == 0;

	if (recursive)
		effects_add(x, EFFECT_RECURSIVE_PERMISSIONS);
	for (size_t k = 1; k < x->argc; k++) {
		const char *w = x->argv[k];

		if (!mode_seen && (chmod || w[0] == '+' || w[0] == '=') && mode_word(w)) {
			mode_seen = true;
			if (chmod && setuid_mode(w))
				effects_add(x, EFFECT_PRIVILEGE);
			continue;
		}
		if (w[0] == '-' && k < x->dashdash) {
			if (w[1] != '\0' && strchr(x->prog->opts, w[1]) && w[2] == '\0')
				k++;
			continue;
		}
		if (!mode_seen) {
			mode_seen = true;
			continue;
		}
		effects_operand(x, k, PATH_WRITE, recursive ? HOW_RECURSIVE : 0);
	}
	if (x->cmd != NULL && x->cmd->origin == SHELL_ORIGIN_XARGS)
		effects_roots(x, PATH_WRITE, 0);
}

/* tar: c writes the archive from the operands, x writes the operands from it. */
static void
h_tar(struct cmd_ctx *x)
{
	const char *archive = arg_value(x, 'f', "--file"), *dir = arg_value(x, 'C', "--directory");
	bool create = arg_has(x, 'c', "--create") || arg_has(x, 'r', "--append") ||
		      arg_has(x, 'u', "--update");
	bool extract = arg_has(x, 'x', "--extract") || arg_has(x, 0, "--get");
	size_t k = 1;

	if (x->argc > 1 && x->argv[1][0] != '-') {
		/* tar czf out.tgz dir: the old form, letters without a dash. */
		const char *letters = x->argv[1];

		create = create || strpbrk(letters, "cru") != NULL;
		extract = extract || strchr(letters, 'x') != NULL;
		k = 2;
		if (strchr(letters, 'f') != NULL && k < x->argc)
			archive = x->argv[k++];
	}
	if (archive != NULL && strcmp(archive, "-") != 0)
		effects_path(x, archive, 0, create ? PATH_WRITE : PATH_READ, 0);
	if (extract)
		effects_path(x, dir ? dir : ".", 0, PATH_WRITE, 0);
	for (k = arg_next(x, k - 1, "fCbHKLNTVX"); k < x->argc; k = arg_next(x, k, "fCbHKLNTVX"))
		if (x->argv[k] != archive)
			effects_operand(x, k, create ? PATH_READ : PATH_WRITE, 0);
}

/* unzip ARCHIVE [-d DIR] */
static void
h_unzip(struct cmd_ctx *x)
{
	const char *d = arg_value(x, 'd', NULL);
	size_t k = arg_next(x, 0, x->prog->opts);

	if (k < x->argc)
		effects_operand(x, k, PATH_READ, 0);
	effects_path(x, d ? d : ".", 0, PATH_WRITE, 0);
}

/* gzip FILE replaces it; with -c it writes to stdout; -d (or gunzip) decodes. */
static void
h_compress(struct cmd_ctx *x)
{
	bool to_stdout = arg_has(x, 'c', "--stdout") || arg_has(x, 'k', "--keep");

	if (arg_has(x, 'd', "--decompress") || strstr(x->prog->name, "unz") != NULL ||
	    strcmp(x->prog->name, "unxz") == 0)
		x->traits |= T_DECODE;
	effects_operands(x, 0, x->prog->opts, to_stdout ? PATH_READ : PATH_WRITE, 0);
}

/* find ROOTS EXPR: reads under the roots; -delete deletes what the expression picks. */
static void
h_find(struct cmd_ctx *x)
{
	static const char *const neutral[] = { "-delete", "-print", "-print0", "-depth", "-maxdepth",
					       "-mindepth", "-xdev", "-mount", "-follow", "-L",
					       "-H", "-P", "-d", NULL };
	bool delete = false, filtered = false, any = false;

	for (size_t k = 1; k < x->argc; k++) {
		const char *w = x->argv[k];

		if (!any && (strcmp(w, "-L") == 0 || strcmp(w, "-H") == 0 || strcmp(w, "-P") == 0))
			continue;
		if (w[0] == '-' || w[0] == '(' || w[0] == '!' || w[0] == ')')
			any = true;
		if (!any) {
			effects_path(x, w, x->flags[k], PATH_READ, 0);
			continue;
		}
		if (strcmp(w, "-exec") == 0 || strcmp(w, "-execdir") == 0 || strcmp(w, "-ok") == 0 ||
		    strcmp(w, "-okdir") == 0) {
			/* Its command is a child of its own; skip to the ; or +. */
			while (k + 1 < x->argc && strcmp(x->argv[k + 1], ";") != 0 &&
			       strcmp(x->argv[k + 1], "+") != 0)
				k++;
			k++;
			continue;
		}
		if (strcmp(w, "-delete") == 0)
			delete = true;
		else if ((strcmp(w, "-fprint") == 0 || strcmp(w, "-fprint0") == 0 ||
			  strcmp(w, "-fprintf") == 0 || strcmp(w, "-fls") == 0) && k + 1 < x->argc)
		{
			k++;
			effects_path(x, x->argv[k], x->flags[k], PATH_WRITE, 0);
		} else if (w[0] == '-') {
			bool plain = false;

			for (const char *const *n = neutral; *n != NULL; n++)
				plain = plain || strcmp(w, *n) == 0;
			filtered = filtered || !plain;
		}
	}
	/* -delete takes what the expression picks; with no test, everything under the roots. */
	for (size_t k = 1; delete && k < x->argc; k++) {
		const char *w = x->argv[k];

		if (strcmp(w, "-L") == 0 || strcmp(w, "-H") == 0 || strcmp(w, "-P") == 0)
			continue;
		if (w[0] == '-' || w[0] == '(' || w[0] == '!' || w[0] == ')')
			break;
		effects_path(x, w, x->flags[k], PATH_DELETE,
			     HOW_RECURSIVE | (filtered ? HOW_SOME_WITHIN : 0));
		any = false;
	}
	if (delete && any)
		effects_path(x, ".", 0, PATH_DELETE, HOW_RECURSIVE | (filtered ? HOW_SOME_WITHIN : 0));
}

/* base64 -d, xxd -r and friends turn text into what may be a hidden script. */
static void
h_decoder(struct cmd_ctx *x)
{
	if (arg_has(x, 'd', "--decode") || arg_has(x, 'D', NULL) || arg_has(x, 'r', "--revert") ||
	    strcmp(x->prog->name, "uudecode") == 0)
		x->traits |= T_DECODE;
	h_read(x);
}

/* echo -e '\x72\x6d' and printf '\162\155': text spelled in escapes. */
static void
h_echo(struct cmd_ctx *x)
{
	bool escapes = strcmp(x->prog->name, "printf") == 0 || arg_has(x, 'e', NULL);

	for (size_t k = 1; k < x->argc; k++)
		if ((x->flags[k] & SHELL_WORD_NUMERIC_ESCAPE) ||
		    (escapes && (strstr(x->argv[k], "\\x") || strstr(x->argv[k], "\\0") ||
				 strstr(x->argv[k], "\\u"))))
			x->traits |= T_DECODE;
}

const struct program effects_file_programs[] = {
	{ "cat", h_read, 0, 0, "" },
	{ "tac", h_read, 0, 0, "" },
	{ "less", h_read, 0, 0, "bhjkopPtTxyz" },
	{ "more", h_read, 0, 0, "n" },
	{ "most", h_read, 0, 0, "" },
	{ "head", h_read, 0, 0, "nc" },
	{ "tail", h_read, 0, 0, "ncsp" },
	{ "wc", h_read, 0, 0, "" },
	{ "nl", h_read, 0, 0, "bdfhilnsvw" },
	{ "od", h_read, 0, 0, "AjNtw" },
	{ "hexdump", h_read, 0, 0, "enfs" },
	{ "hd", h_read, 0, 0, "enfs" },
	{ "strings", h_read, 0, 0, "netT" },
	{ "file", h_read, 0, 0, "mfeFP" },
	{ "stat", h_read, 0, 0, "fc" },
	{ "md5sum", h_read, 0, 0, "" },
	{ "sha1sum", h_read, 0, 0, "" },
	{ "sha256sum", h_read, 0, 0, "" },
	{ "sha512sum", h_read, 0, 0, "" },
	{ "shasum", h_read, 0, 0, "a" },
	{ "b2sum", h_read, 0, 0, "l" },
	{ "cksum", h_read, 0, 0, "a" },
	{ "bat", h_read, 0, 0, "lHrmp" },
	{ "batcat", h_read, 0, 0, "lHrmp" },
	{ "diff", h_read, 0, 0, "CUIFLSx" },
	{ "cmp", h_read, 0, 0, "in" },
	{ "comm", h_read, 0, 0, "" },
	{ "cut", h_read, 0, 0, "bcdf" },
	{ "paste", h_read, 0, 0, "d" },
	{ "column", h_read, 0, 0, "cstoNRHWd" },
	{ "fold", h_read, 0, 0, "w" },
	{ "fmt", h_read, 0, 0, "wgpd" },
	{ "expand", h_read, 0, 0, "t" },
	{ "iconv", h_read, 0, 0, "fto" },
	{ "readlink", h_read, 0, 0, "" },
	{ "realpath", h_read, 0, 0, "" },
	{ "ls", h_read, EFFECT_READ, 0, "ITw" },
	{ "dir", h_read, EFFECT_READ, 0, "ITw" },
	{ "du", h_read, EFFECT_READ, 0, "BdtX" },
	{ "tree", h_read, EFFECT_READ, 0, "LIPo" },
	{ "lsattr", h_read, 0, 0, "" },
	{ "getfacl", h_read, 0, 0, "" },
	{ "view", h_read, 0, 0, "" },
	{ "xxd", h_decoder, 0, 0, "cglos" },
	{ "base64", h_decoder, 0, 0, "w" },
	{ "base32", h_decoder, 0, 0, "w" },
	{ "basenc", h_decoder, 0, 0, "w" },
	{ "uudecode", h_decoder, 0, 0, "o" },
	{ "rev", h_read, 0, T_DECODE, "" },
	{ "tr", NULL, 0, T_DECODE, "" },
	{ "zcat", h_read, 0, T_DECODE, "" },
	{ "bzcat", h_read, 0, T_DECODE, "" },
	{ "xzcat", h_read, 0, T_DECODE, "" },
	{ "zstdcat", h_read, 0, T_DECODE, "" },
	{ "echo", h_echo, 0, 0, "" },
	{ "printf", h_echo, 0, 0, "v" },
	{ "grep", h_search, 0, 0, "efmABCdD" },
	{ "egrep", h_search, 0, 0, "efmABCdD" },
	{ "fgrep", h_search, 0, 0, "efmABCdD" },
	{ "zgrep", h_search, 0, 0, "efmABCdD" },
	{ "rg", h_search, 0, 0, "efmABCgtTMj" },
	{ "ag", h_search, 0, 0, "ABCGgm" },
	{ "ack", h_search, 0, 0, "ABCm" },
	{ "sed", h_sed, 0, 0, "efl" },
	{ "awk", h_awk, 0, 0, "vfF" },
	{ "gawk", h_awk, 0, 0, "vfF" },
	{ "mawk", h_awk, 0, 0, "vfF" },
	{ "nawk", h_awk, 0, 0, "vfF" },
	{ "sort", h_sort, 0, 0, "ktoST" },
	{ "uniq", h_uniq, 0, 0, "fsw" },
	{ "jq", NULL, 0, 0, "" },
	{ "tee", h_write, EFFECT_WRITE, 0, "" },
	{ "touch", h_write, EFFECT_WRITE, 0, "dtr" },
	{ "mkdir", h_write, EFFECT_WRITE, 0, "m" },
	{ "mkfifo", h_write, EFFECT_WRITE, 0, "m" },
	{ "mknod", h_write, EFFECT_WRITE, 0, "m" },
	{ "truncate", h_write, EFFECT_WRITE, 0, "sr" },
	{ "cp", h_copy, EFFECT_WRITE, 0, "tS" },
	{ "mv", h_copy, EFFECT_WRITE, 0, "tS" },
	{ "ln", h_copy, EFFECT_WRITE, 0, "tS" },
	{ "install", h_copy, EFFECT_WRITE, 0, "tSmogb" },
	{ "rm", h_rm, 0, 0, "" },
	{ "unlink", h_rm, 0, 0, "" },
	{ "rmdir", h_rm, 0, 0, "" },
	{ "shred", h_rm, 0, 0, "ns" },
	{ "srm", h_rm, 0, 0, "" },
	{ "wipe", h_rm, 0, 0, "" },
	{ "dd", h_dd, 0, 0, "" },
	{ "chmod", h_perm, EFFECT_PERMISSIONS, 0, "" },
	{ "chown", h_perm, EFFECT_PERMISSIONS, 0, "" },
	{ "chgrp", h_perm, EFFECT_PERMISSIONS, 0, "" },
	{ "chattr", h_perm, EFFECT_PERMISSIONS, 0, "pv" },
	{ "setfacl", h_perm, EFFECT_PERMISSIONS, 0, "mMxX" },
	{ "chflags", h_perm, EFFECT_PERMISSIONS, 0, "" },
	{ "chcon", h_perm, EFFECT_PERMISSIONS, 0, "ulrt" },
	{ "tar", h_tar, 0, 0, "" },
	{ "unzip", h_unzip, EFFECT_WRITE, 0, "dx" },
	{ "gzip", h_compress, EFFECT_WRITE, 0, "S" },
	{ "gunzip", h_compress, EFFECT_WRITE, 0, "S" },
	{ "bzip2", h_compress, EFFECT_WRITE, 0, "" },
	{ "bunzip2", h_compress, EFFECT_WRITE, 0, "" },
	{ "xz", h_compress, EFFECT_WRITE, 0, "" },
	{ "unxz", h_compress, EFFECT_WRITE, 0, "" },
	{ "zstd", h_compress, EFFECT_WRITE, 0, "o" },
	{ "vi", h_write, EFFECT_WRITE, 0, "" },
	{ "vim", h_write, EFFECT_WRITE, 0, "cS" },
	{ "nvim", h_write, EFFECT_WRITE, 0, "cS" },
	{ "nano", h_write, EFFECT_WRITE, 0, "" },
	{ "emacs", h_write, EFFECT_WRITE, 0, "" },
	{ "ed", h_write, EFFECT_WRITE, 0, "p" },
	{ "code", h_write, EFFECT_WRITE, 0, "" },
	{ "gedit", h_write, EFFECT_WRITE, 0, "" },
	{ "micro", h_write, EFFECT_WRITE, 0, "" },
	{ "find", h_find, EFFECT_READ, T_OWN_ARGS, "" },
};

const size_t effects_n_file_programs = ARRAY_SIZE(effects_file_programs);
