/* Shell parser: a POSIX sh / bash command line as a flat list of simple commands. */
#ifndef MAESTRO_SHELLPARSE_H
#define MAESTRO_SHELLPARSE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What an agent asks to run is parsed the way a shell would read it, so
 * that the effect classifier sees every program the line runs however it
 * is spelled: quotes removed, $'...' decoded, wrappers (sudo, env, nice,
 * timeout, xargs, find -exec, ...) taken off, and the text of bash -c,
 * eval, $(...), `...`, <(...), here-documents fed to a shell and ssh's
 * remote command parsed as commands of their own.
 *
 * Nothing is run and nothing is looked up on the machine: variables the
 * line does not set stay as text ($X), except $HOME, ${HOME} and ~ (the
 * home given by the caller) and $TMPDIR (taken to be /tmp). Whatever the
 * parser does not understand completely sets `incomplete`, and what it did
 * understand is still listed: a caller must treat an incomplete parse as
 * risky, never as harmless.
 *
 * Every resource is bounded; going past a bound makes the parse incomplete.
 */

#define SHELL_MAX_INPUT (64u * 1024u) /* bytes of command text; the rest is not read */
#define SHELL_MAX_COMMANDS 256u	      /* simple commands, nested ones included */
#define SHELL_MAX_DEPTH 8u	      /* levels of $(...), -c, eval, find -exec, ... */
#define SHELL_MAX_WORDS 1024u	      /* words of one simple command */
#define SHELL_MAX_REDIRS 64u	      /* redirections of one simple command */
#define SHELL_MAX_BYTES (2u * 1024u * 1024u) /* text of all words, after expansion */

/* No parent, or no word of the parent: the top level. */
#define SHELL_NONE ((size_t)-1)
/* The command came from a redirection of its parent (here-string, here-document). */
#define SHELL_ARG_REDIR ((size_t)-2)

/* How a word was written; a word may carry several. */
enum shell_word_flag {
	SHELL_WORD_QUOTED = 1u << 0,	     /* part of it was quoted or escaped */
	SHELL_WORD_VARIABLE = 1u << 1,	     /* holds an expansion of unknown value: $X, $1, $((..)) */
	SHELL_WORD_SUBST = 1u << 2,	     /* holds $(...), `...` or a variable set from one: a command's output */
	SHELL_WORD_GLOB = 1u << 3,	     /* unquoted *, ? or [...]: a pattern, not a name */
	SHELL_WORD_PROCSUBST = 1u << 4,	     /* <(...) or >(...): names a pipe to a command */
	SHELL_WORD_NUMERIC_ESCAPE = 1u << 5, /* $'\x72\155': spelled in numeric escapes */
	SHELL_WORD_IFS = 1u << 6,	     /* split by an expansion of $IFS: rm${IFS}-rf */
};

enum shell_redir_kind {
	SHELL_REDIR_READ,	/* <file */
	SHELL_REDIR_WRITE,	/* >file, >|file, &>file, >&file */
	SHELL_REDIR_APPEND,	/* >>file, &>>file */
	SHELL_REDIR_READ_WRITE, /* <>file */
	SHELL_REDIR_DUP,	/* 2>&1, <&3, >&-: target is the descriptor */
	SHELL_REDIR_HEREDOC,	/* <<EOF ... EOF: target is the body */
	SHELL_REDIR_HERESTRING, /* <<<word: target is the word */
};

struct shell_redir {
	enum shell_redir_kind kind;
	int fd;	       /* the descriptor redirected; -1 for &> and >&file (stdout and stderr) */
	char *target;  /* file name after quote removal, descriptor, or text */
	unsigned flags; /* enum shell_word_flag of the target; QUOTED on a here-document: not expanded */
};

/* Where a command was found. */
enum shell_origin {
	SHELL_ORIGIN_TOP,	/* in the text given */
	SHELL_ORIGIN_SUBST,	/* $(...) or `...` in a word of the parent */
	SHELL_ORIGIN_PROCSUBST, /* <(...) or >(...) */
	SHELL_ORIGIN_SHELL_C,	/* bash -c TEXT, su -c, watch, flock -c, script -c */
	SHELL_ORIGIN_EVAL,	/* eval TEXT */
	SHELL_ORIGIN_FIND_EXEC, /* find -exec, -execdir, -ok, -okdir CMD ; */
	SHELL_ORIGIN_XARGS,	/* xargs CMD: arguments come from stdin */
	SHELL_ORIGIN_STDIN,	/* a script fed to a shell's stdin: <<EOF, <<<, echo ... | sh */
	SHELL_ORIGIN_REMOTE,	/* ssh HOST CMD, docker exec, kubectl exec: runs on another machine */
};

enum shell_command_flag {
	SHELL_CMD_PRIVILEGED = 1u << 0, /* through sudo, doas, su, pkexec or runuser */
	SHELL_CMD_BACKGROUND = 1u << 1, /* in a list ended by & */
	SHELL_CMD_PIPE_IN = 1u << 2,	/* stdin from the previous stage of a pipeline */
	SHELL_CMD_PIPE_OUT = 1u << 3,	/* stdout to the next stage */
	SHELL_CMD_SCRIPT = 1u << 4,	/* runs a script whose commands are listed as its children */
	SHELL_CMD_KEYWORD = 1u << 5,	/* the words of for, case, [[ ]] or (( )): no program runs */
};

/* One simple command, after unwrapping. */
struct shell_command {
	char **argv;	       /* after quote removal and the expansions known; argv[0] the program */
	unsigned *argv_flags;  /* enum shell_word_flag, one per word */
	size_t argc;	       /* 0 for a line of only assignments or redirections */
	char **assigns;	       /* NAME=value given to it (before it, or through env) */
	size_t n_assigns;
	char **wrappers;       /* sudo, env, nice, ... it ran through, outermost first */
	size_t n_wrappers;
	struct shell_redir *redirs; /* its own, and those of a compound command it opens */
	size_t n_redirs;
	unsigned flags;		    /* enum shell_command_flag */
	enum shell_origin origin;
	unsigned depth;		    /* 0 at the top; one more per nested parse */
	size_t parent;		    /* index of the command it came from, or SHELL_NONE */
	size_t parent_arg;	    /* argv index in the parent, SHELL_ARG_REDIR, or SHELL_NONE */
	size_t pipeline;	    /* id shared by the stages of one pipeline */
	size_t pipe_index;	    /* position in it, from 0 */
	size_t pipe_length;	    /* 1 when not in a pipeline */
	size_t scope;		    /* shell environment: 0 the top; ( ), $( ), -c get new ones */
};

struct shell_parse {
	struct shell_command *commands; /* in the order a reader meets them */
	size_t n_commands;
	size_t *scope_parent; /* scope_parent[s]: the scope s was made in; [0] is SHELL_NONE */
	size_t n_scopes;
	bool incomplete;      /* something was not understood or a bound was hit */
	const char *reason;   /* why, when incomplete: static text */
};

/*
 * Parses text[0..len). home (may be NULL) is what ~ and $HOME stand for.
 * Returns 0, with out filled (and out->incomplete telling whether all of it
 * was understood), or -ENOMEM with out left empty.
 */
int shell_parse(const char *text, size_t len, const char *home, struct shell_parse *out);
void shell_parse_clear(struct shell_parse *parse);

/* The last component of a program path: "/usr/bin/git" -> "git". */
const char *shell_basename(const char *path);
/* sh, bash, zsh, dash, ksh, ash, mksh, busybox sh, ...: runs shell scripts. */
bool shell_is_shell(const char *name);
/*
 * Whether the shell command argv[0..argc) reads its script from stdin: no
 * -c, and no script file (or "-", or -s). Only meaningful for a shell.
 */
bool shell_reads_stdin(char *const *argv, size_t argc);

#endif
