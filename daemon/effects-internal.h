/* The effect classifier's state, shared by effects*.c. */
#ifndef MAESTRO_EFFECTS_INTERNAL_H
#define MAESTRO_EFFECTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "effects.h"
#include "shellparse.h"

/* Bounds on the facts, beyond those of the parser (interpreter code adds commands). */
#define EFFECTS_MAX_LIST 512
#define EFFECTS_MAX_CODE_DEPTH 2 /* shell inside python -c inside shell ... */

/* One classification. */
struct classify {
	const struct action_input *in;
	struct action_facts *out;
	char *workspace; /* normalised; NULL: none */
	char *cwd;	 /* normalised; NULL: unknown */
	char *home;
	char *maestro[5];
	/* What decides the risk besides the effect bits. */
	bool rdel_critical; /* recursive delete of a system directory or a home */
	bool rdel_outside;  /* recursive delete outside the workspace, of it, or of an unknown target */
	bool write_outside; /* a write or delete outside the workspace, not in a scratch directory */
	unsigned code_depth;
	/* Files a download or a decoder wrote: running one later is download-exec or obfuscation. */
	char **fetched;
	size_t n_fetched;
	char **decoded;
	size_t n_decoded;
	int error; /* -ENOMEM */
};

/* What a command does to its streams, for the rules that join commands. */
enum trait {
	T_SECRET = 1u << 0,	/* reads a sensitive location: its output may be a secret */
	T_NETWORK = 1u << 1,	/* talks to the network: what it is given may leave */
	T_FETCH = 1u << 2,	/* writes what it fetched to stdout */
	T_DECODE = 1u << 3,	/* turns encoded text into plain text: base64 -d, xxd -r */
	T_STDIN_CODE = 1u << 4, /* runs code read from stdin: sh, python - */
	T_RAW_SOCKET = 1u << 5, /* nc, socat, telnet, /dev/tcp: a bare connection */
	T_CODE_RUNNER = 1u << 6, /* runs a file or text as code: sh, python, source */
	T_OWN_ARGS = 1u << 7,	 /* its handler reads every argument: no generic look at them */
};

struct cmd_ctx;
typedef void (*program_handler)(struct cmd_ctx *x);

/* A program the classifier knows: what running it always does, and a handler for its arguments. */
struct program {
	const char *name;
	program_handler handler; /* NULL: only the effects and traits */
	unsigned effects;
	unsigned traits;
	const char *opts; /* short options that take a value, for the walk over operands */
};

/* The tables, one per family of programs. */
extern const struct program effects_file_programs[];
extern const size_t effects_n_file_programs;
extern const struct program effects_net_programs[];
extern const size_t effects_n_net_programs;
extern const struct program effects_service_programs[];
extern const size_t effects_n_service_programs;
extern const struct program effects_tool_programs[];
extern const size_t effects_n_tool_programs;
extern const struct program effects_code_programs[];
extern const size_t effects_n_code_programs;

/* One simple command being classified; handlers see argv from their own name on. */
struct cmd_ctx {
	struct classify *c;
	const struct shell_parse *sp;
	const struct shell_command *cmd;
	size_t index;
	char *const *argv; /* argv[0] is the program (or the subcommand a handler delegated to) */
	const unsigned *flags;
	size_t argc;
	const char *cwd; /* NULL: unknown (after cd $X, or on another machine) */
	bool remote;	 /* runs on another machine: no workspace, no maestro there */
	unsigned traits;
	size_t code_arg; /* argv index of the code it runs (python -c CODE), SHELL_NONE */
	const struct shell_command *finder; /* the find whose results {} or xargs' stdin are */
	const struct program *prog;
	size_t dashdash; /* index of "--" in argv, or argc */
};

/* How a path is touched, beyond enum path_use. */
enum path_how {
	HOW_RECURSIVE = 1u << 0,   /* the whole tree under it */
	HOW_PAYLOAD = 1u << 1,	   /* its content is sent over the network */
	HOW_SOME_WITHIN = 1u << 2, /* some files under it (find's roots) */
	HOW_CREDENTIAL = 1u << 3,  /* used to log in (ssh -i): read, but not sent on */
};

/* effects.c */
int effects_oom(struct classify *c);
void effects_add(struct cmd_ctx *x, unsigned effects);
int effects_shell(struct classify *c, const char *text, size_t len);
char *effects_strdup(struct classify *c, const char *s);

/* effects-paths.c */
char *path_resolve(const char *word, const char *cwd);
bool path_under(const char *path, const char *dir);
bool path_is_system(const char *path);
bool path_is_home(const char *path, const char *home);
bool path_is_scratch(const char *path);
bool path_is_sensitive(const char *path);
bool path_is_device(const char *path);
bool path_is_pseudo(const char *path);
void effects_path(struct cmd_ctx *x, const char *word, unsigned word_flags, enum path_use use,
		  unsigned how);
void effects_path_record(struct classify *c, const char *path, enum path_use use, bool in_ws,
			 bool sensitive, bool maestro);
bool effects_is_maestro(const struct classify *c, const char *path, bool tree);

/* effects-hosts.c */
void effects_url(struct cmd_ctx *x, const char *url);
void effects_host(struct cmd_ctx *x, const char *host, size_t len, const char *url);
bool host_is_suspicious(const char *host, const char *url);

/* effects-programs.c */
void effects_program(struct cmd_ctx *x);
const char *effects_canonical(const char *name, char *buf, size_t size);

/* Helpers for handlers: options and operands (effects-programs.c). */
void effects_args(struct cmd_ctx *x, char *const *argv, const unsigned *flags, size_t argc);
void effects_dispatch(struct cmd_ctx *x, const char *name);
bool arg_has(const struct cmd_ctx *x, char short_opt, const char *long_opt);
const char *arg_value(const struct cmd_ctx *x, char short_opt, const char *long_opt);
size_t arg_next(const struct cmd_ctx *x, size_t k, const char *short_arg);
size_t arg_count(const struct cmd_ctx *x, const char *short_arg);
bool arg_is(const struct cmd_ctx *x, size_t k, const char *word);
void effects_operand(struct cmd_ctx *x, size_t k, enum path_use use, unsigned how);
void effects_operands(struct cmd_ctx *x, size_t from, const char *short_arg, enum path_use use,
		      unsigned how);
void effects_roots(struct cmd_ctx *x, enum path_use use, unsigned how);
bool effects_deleting_word(const char *w);
bool effects_remote_spec(const char *w);
unsigned effects_wrapper_effects(const char *name);

/* effects-code.c: code an interpreter runs, and the shell text inside it. */
void effects_code(struct cmd_ctx *x, const char *code, const char *lang);

#endif
