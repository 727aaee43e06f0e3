/* The shell parser's state and internal functions, shared by the shellparse*.c files. */
#ifndef MAESTRO_SHELLPARSE_INTERNAL_H
#define MAESTRO_SHELLPARSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "shellparse.h"

#define SP_MAX_VARS 64	   /* variables remembered per text */
#define SP_MAX_HEREDOCS 16 /* here-documents waiting for their body on one line */
#define SP_MAX_NESTING 64  /* compound commands, quotes and substitutions inside each other */
#define SP_MAX_BRACE 64	   /* words one brace expansion may make */

/* Marks on each byte of a word being lexed: how the shell would treat it next. */
enum {
	SP_QUOTED = 1u << 0,   /* quoted or escaped: not split, globbed or brace-expanded */
	SP_EXPANDED = 1u << 1, /* from an unquoted expansion: split on blanks, may glob */
	SP_OPAQUE = 1u << 2,   /* stands for a value we do not know ($X, $(..)): kept as is */
};

/* A variable the text set. value NULL: set, to something we cannot know. */
struct sp_var {
	char *name;
	char *value;
	bool output; /* set from a command's output: X=$(curl ...) */
};

/* A $(...), `...` or <(...) found in a word: parsed once the word's role is known. */
struct sp_subst {
	char *body;
	enum shell_origin origin; /* SHELL_ORIGIN_SUBST or SHELL_ORIGIN_PROCSUBST */
};

/* A word as lexed: text after quote removal, with a mark per byte. */
struct sp_word {
	char *text;
	unsigned char *mark;
	size_t len, cap;
	unsigned flags; /* enum shell_word_flag */
	struct sp_subst *substs;
	size_t n_substs;
	bool script; /* parsed as a script: its substitutions come out of that parse */
};

/* Words after brace expansion and field splitting, each knowing the lexed word it came from. */
struct sp_words {
	char **v;
	unsigned *flags;
	size_t *src;
	size_t n, cap;
};

/* One shell_parse() call: the output and the budgets, shared by nested parses. */
struct sp_ctx {
	struct shell_parse *out;
	size_t cap_commands;
	size_t cap_scopes;
	const char *home;
	size_t bytes;	      /* word text allocated so far, against SHELL_MAX_BYTES */
	size_t next_pipeline;
	int error;	      /* -ENOMEM once an allocation failed: everything unwinds */
};

struct sp_heredoc {
	size_t cmd;   /* the command whose redirection waits, SHELL_NONE if it was dropped */
	size_t redir; /* index in its redirections */
	char *delim;
	bool strip_tabs; /* <<- */
	bool quoted;	 /* the delimiter was quoted: the body is not expanded */
};

/* One text being parsed: the line, or a script or substitution found in it. */
struct sp_parser {
	struct sp_ctx *ctx;
	const struct sp_parser *up; /* the text this one was found in: variables are looked up there too */
	const char *src;
	size_t len, pos;
	unsigned depth;
	enum shell_origin origin;
	size_t parent, parent_arg;
	unsigned inherit; /* command flags every command here gets (SHELL_CMD_PRIVILEGED) */
	size_t scope;
	unsigned nesting;
	struct sp_var vars[SP_MAX_VARS];
	size_t n_vars;
	struct sp_heredoc heredocs[SP_MAX_HEREDOCS];
	size_t n_heredocs;
};

#define SP_NOT_FOUND ((size_t)-1)

static inline bool
sp_is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline bool
sp_is_name_char(char c)
{
	return sp_is_name_start(c) || (c >= '0' && c <= '9');
}

/* Tokens (shellparse-lex.c). */
enum token_type {
	TK_EOF,
	TK_WORD,
	TK_NEWLINE,
	TK_SEMI,     /* ; */
	TK_AMP,	     /* & */
	TK_AND,	     /* && */
	TK_OR,	     /* || */
	TK_PIPE,     /* | */
	TK_PIPE_ERR, /* |& */
	TK_LPAREN,
	TK_RPAREN,
	TK_DSEMI, /* ;; ;& ;;& */
	TK_REDIR,
};

struct token {
	enum token_type type;
	size_t len; /* bytes of an operator, digits of a redirection included */
	enum shell_redir_kind kind;
	int fd;
	bool dup; /* >& or <&: a descriptor or, for >&, a file for stdout and stderr */
	bool strip_tabs;
};

/* Reserved words: meaningful only where a command starts. */
enum reserved {
	RW_NONE,
	RW_IF,
	RW_THEN,
	RW_ELIF,
	RW_ELSE,
	RW_FI,
	RW_DO,
	RW_DONE,
	RW_CASE,
	RW_ESAC,
	RW_WHILE,
	RW_UNTIL,
	RW_FOR,
	RW_SELECT,
	RW_IN,
	RW_FUNCTION,
	RW_LBRACE,
	RW_RBRACE,
	RW_BANG,
	RW_DBRACKET,
	RW_TIME,
	RW_COPROC,
};

/* What ends a list: reserved words by bit, and two tokens. */
#define STOP(rw) (1u << (rw))
#define STOP_PAREN (1u << 30)
#define STOP_DSEMI (1u << 29)
#define CLOSERS                                                                                \
	(STOP(RW_THEN) | STOP(RW_ELIF) | STOP(RW_ELSE) | STOP(RW_FI) | STOP(RW_DO) |            \
	 STOP(RW_DONE) | STOP(RW_ESAC) | STOP(RW_RBRACE))

/* shellparse-lex.c */
char sp_at(const struct sp_parser *p, size_t off);
void sp_skip_blanks(struct sp_parser *p);
void sp_peek(struct sp_parser *p, struct token *t);
enum reserved sp_peek_reserved(struct sp_parser *p);
const char *sp_reserved_text(enum reserved rw);

/* shellparse-grammar.c */
int sp_parse_list(struct sp_parser *p, unsigned stop);
int sp_parse_command(struct sp_parser *p);

/* shellparse-compound.c */
void sp_expect(struct sp_parser *p, enum reserved rw);
int sp_add_lexed(struct sp_parser *p, struct sp_word **lw, size_t *n, size_t *cap);
void sp_free_lexed(struct sp_word *lw, size_t n);
int sp_parse_test(struct sp_parser *p);
int sp_parse_arith(struct sp_parser *p);
int sp_parse_for(struct sp_parser *p);
int sp_parse_case(struct sp_parser *p);
int sp_parse_if(struct sp_parser *p);

/* shellparse.c */
int sp_skip_newlines(struct sp_parser *p);
int sp_parse_redir(struct sp_parser *p, const struct token *t, struct shell_redir *rd,
		   struct sp_word *w, size_t slot);
void sp_mark(struct sp_parser *p, size_t first, unsigned flags, bool all_depths);
void sp_bind_heredocs(struct sp_parser *p, size_t hd, size_t index, size_t base);
int sp_compound_redirs(struct sp_parser *p, size_t first);
void sp_incomplete(struct sp_parser *p, const char *reason);
int sp_oom(struct sp_parser *p);
int sp_parse_text(struct sp_parser *up, const char *text, size_t len, unsigned depth,
		  enum shell_origin origin, size_t parent, size_t parent_arg, unsigned inherit);
int sp_new_scope(struct sp_parser *p, size_t parent_scope, size_t *scope);
int sp_append(struct sp_parser *p, struct shell_command *cmd, size_t *index);
void sp_command_free(struct shell_command *cmd);
bool sp_is_meta(char c);

/* shellparse-word.c */
int sp_put(struct sp_parser *p, struct sp_word *w, const char *s, size_t n, unsigned char mark);
int sp_put_char(struct sp_parser *p, struct sp_word *w, char c, unsigned char mark);
int sp_ensure_buffer(struct sp_parser *p, struct sp_word *w);
int sp_add_subst(struct sp_parser *p, struct sp_word *w, const char *body, size_t n,
		 enum shell_origin origin);
int sp_lex_backtick(struct sp_parser *p, struct sp_word *w, bool in_dq);
int sp_lex_quoted(struct sp_parser *p, struct sp_word *w, char term, bool here_doc);
int sp_lex_word(struct sp_parser *p, struct sp_word *w);
int sp_word_literal(struct sp_parser *p, const char *text, size_t n, struct sp_word *w);
int sp_lex_heredoc(struct sp_parser *p, const char *body, size_t len, struct sp_word *w);
int sp_expand(struct sp_parser *p, const struct sp_word *w, size_t src, struct sp_words *out);
char *sp_word_string(struct sp_parser *p, const struct sp_word *w);
bool sp_word_opaque(const struct sp_word *w);
void sp_word_clear(struct sp_word *w);
void sp_words_clear(struct sp_words *ws);

/* shellparse-scan.c */
size_t sp_scan_close(const char *s, size_t len, size_t pos, char open, char close, unsigned nest);
size_t sp_skip_squote(const char *s, size_t len, size_t pos);
size_t sp_skip_backtick(const char *s, size_t len, size_t pos);

/* shellparse-dollar.c */
int sp_var_set(struct sp_parser *p, const char *name, size_t n, const char *value, bool output);
int sp_lex_dollar(struct sp_parser *p, struct sp_word *w, bool in_dq);
int sp_put_opaque(struct sp_parser *p, struct sp_word *w, size_t from, size_t to, unsigned flag);
int sp_substs_in(struct sp_parser *p, struct sp_word *w, const char *text, size_t len);
bool sp_name_valid(const char *s, size_t n);

/* shellparse-wrap.c */
enum wrapper_kind {
	WRAP_PLAIN,
	WRAP_ENV,	 /* NAME=value words come before the command */
	WRAP_NOT_WITH_C, /* flock, runuser: with -c they run a script instead (see runners) */
};

/*
 * Programs that run another program given as their remaining words. The
 * wrapper is taken off and remembered; the command is what it runs.
 */
struct wrapper {
	const char *name;
	unsigned flags;		     /* SHELL_CMD_PRIVILEGED */
	const char *short_arg;	     /* short options that take an argument */
	const char *const *long_arg; /* long options whose argument is the next word */
	const char *stop;	     /* short options after which no command follows */
	unsigned operands;	     /* words before the command: timeout's DURATION, chroot's NEWROOT */
	enum wrapper_kind kind;
};

const struct wrapper *sp_wrapper_find(const char *name);
size_t sp_wrapper_skip(const struct wrapper *wr, char *const *v, size_t i, size_t b);
size_t sp_skip_options(char *const *v, size_t i, size_t b, const char *short_arg,
		       const char *const *long_arg, const char *stop_opts, bool *stop);
size_t sp_shell_options(char *const *argv, size_t argc, bool *c_mode, bool *s_mode);
bool sp_is_assignment(const char *w);

/* shellparse-command.c */
char *sp_join(struct sp_parser *p, char *const *v, size_t from, size_t to);
int sp_command(struct sp_parser *p, struct sp_word *lw, size_t n_lw, size_t n_assign,
	       struct shell_redir *redirs, struct sp_word *rwords, size_t n_redirs, size_t *index);
int sp_parse_substs(struct sp_parser *p, struct sp_word *w, size_t parent, size_t parent_arg);
int sp_stdin_script(struct sp_parser *p, size_t shell_cmd, const char *text, size_t len,
		    size_t parent_arg);
int sp_pipe_script(struct sp_parser *p, size_t from, size_t to);

#endif
