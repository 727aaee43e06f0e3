/* The compiled form of a policy, shared by its parser, its matcher and its printer. */
#ifndef MAESTRO_POLICY_INTERNAL_H
#define MAESTRO_POLICY_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/*
 * Globs. fnmatch(3) has no "**", and its backtracking can take time
 * exponential in the number of stars, on text an agent chooses. So globs
 * are compiled into tokens and run as a set of states over the text,
 * which costs at most (tokens + 1) steps per byte; the syntax and meaning
 * are fnmatch's otherwise (the unit tests compare the two).
 */
enum glob_flags {
	GLOB_PATH = 1u << 0, /* '*', '?' and [...] never match '/'; "**" matches anything */
	GLOB_FOLD = 1u << 1, /* letters match either case (host names) */
	GLOB_ANCHORED = 1u << 2, /* starts with '/', '*', "~" or "$WORKSPACE" (path globs) */
};

/* What a path glob is relative to: "~/..." and "$WORKSPACE/...". */
enum glob_anchor {
	GLOB_ANCHOR_NONE,
	GLOB_ANCHOR_HOME,
	GLOB_ANCHOR_WORKSPACE,
};

enum glob_op {
	GLOB_OP_BYTE,
	GLOB_OP_ANY,	   /* ? */
	GLOB_OP_CLASS,	   /* [...] */
	GLOB_OP_STAR,	   /* * */
	GLOB_OP_STAR_STAR, /* ** in a path glob */
};

struct glob_token {
	uint8_t op;
	uint8_t byte;
	uint8_t skip_dir; /* a '/' before "**" and '/': may also skip both, as if they matched nothing */
	uint16_t class_index;
};

struct glob {
	char *source; /* as written, anchor included, for policy_dump() */
	unsigned flags;
	enum glob_anchor anchor;
	bool has_slash;	  /* a program glob without '/' also tries the basename */
	bool trailing_dir; /* ends in a slash and "**": also matches the directory itself */
	struct glob_token *tokens;
	size_t n_tokens;
	uint16_t *stars; /* indices of the star tokens, in order: what may match nothing */
	size_t n_stars;
	uint8_t (*classes)[32]; /* 256-bit sets of bytes */
	size_t n_classes;
};

/*
 * Compiles source (at most POLICY_GLOB_MAX bytes). GLOB_ANCHORED globs may
 * begin with "~" or "$WORKSPACE", which the matcher expands. Returns 0,
 * -EINVAL with *why saying what is wrong, or -ENOMEM.
 */
int glob_compile(struct glob *g, const char *source, unsigned flags, const char **why);
void glob_clear(struct glob *g);

/*
 * Whether text matches. home and workspace are what an anchored glob is
 * relative to; an anchored glob whose directory is NULL or relative
 * matches nothing.
 */
bool glob_match(const struct glob *g, const char *text, const char *home, const char *workspace);

/* Rules. */
enum matcher_type {
	MATCH_EFFECT,
	MATCH_PROGRAM,
	MATCH_COMMAND,
	MATCH_PATH,
	MATCH_HOST,
	MATCH_TOOL,
	MATCH_RISK,
	MATCH_TRUST,
};

/* What a path matcher asks of a path. */
enum path_test {
	PATH_TEST_GLOB,
	PATH_TEST_INSIDE,
	PATH_TEST_OUTSIDE,
	PATH_TEST_SENSITIVE,
};

/* The path use a path matcher looks at: path, reads, writes, deletes. */
#define PATH_USE_ANY (-1)

enum compare {
	CMP_LT,
	CMP_LE,
	CMP_EQ,
	CMP_GE,
	CMP_GT,
};

struct matcher {
	enum matcher_type type;
	unsigned effect;       /* MATCH_EFFECT: one bit */
	int use;	       /* MATCH_PATH: PATH_USE_ANY or an enum path_use */
	enum path_test test;   /* MATCH_PATH */
	enum compare cmp;      /* MATCH_RISK, MATCH_TRUST */
	unsigned value;	       /* a risk level, or trust in thousandths */
	struct glob glob;      /* the glob matchers */
	struct glob *except;   /* items these match do not count, as if absent */
	size_t n_except;
};

enum scope_type {
	SCOPE_NONE,
	SCOPE_AGENT,
	SCOPE_ROLE,
};

struct rule {
	enum policy_decision decision;
	int kind; /* an enum action_kind, or -1 for "any" */
	unsigned line;
	struct matcher *matchers;
	size_t n_matchers;
	enum scope_type scope;
	char *scope_name; /* agent id, or role name */
	char *reason;
};

struct policy {
	atomic_uint refs;
	char *file;
	struct rule *rules;
	size_t n_rules;
};

void rule_clear(struct rule *r);
void policy_free(struct policy *p);

/* Names, as policy files spell them; -EINVAL for an unknown one. */
const char *policy_kind_name(int kind); /* "any" for -1 */
int policy_kind_parse(const char *name, int *kind);
const char *policy_effect_name(unsigned bit);
int policy_effect_parse(const char *name, unsigned *bit);
const char *policy_risk_name(unsigned level); /* lower case */
int policy_risk_parse(const char *name, unsigned *level);

/* Whether one rule's matchers all hold; for tests and policy_evaluate(). */
bool rule_matches(const struct rule *r, const struct action_facts *facts,
		  const struct policy_subject *who, unsigned effects, double trust);

#endif
