/* Policy: the rules that answer allow, ask or deny for an action (maestro-policy(5)). */
#ifndef MAESTRO_POLICY_H
#define MAESTRO_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "action.h"
#include "config.h"

/*
 * Limits on what a policy file may hold. A real policy is a few hundred
 * lines; the limits keep a mistaken or hostile file from costing the
 * daemon memory or making every evaluation slow (a glob is matched in
 * time proportional to its length times the text's).
 */
#define POLICY_MAX_SIZE (1024 * 1024)
#define POLICY_RULES_MAX 10000
#define POLICY_MATCHERS_MAX 32
#define POLICY_GLOB_MAX 1024
#define POLICY_REASON_MAX 512

/* Ordered by strictness, so that the strictest vote is the largest. */
enum policy_decision {
	POLICY_ALLOW,
	POLICY_ASK,
	POLICY_DENY,
};

/* "allow", "ask", "deny"; NULL for anything else. */
const char *policy_decision_name(enum policy_decision decision);

/*
 * A parsed policy. It never changes once parsed, and it is reference
 * counted (atomically), so that a reload can swap in a new one while
 * worker threads finish evaluations against the old one they hold.
 */
struct policy;

/*
 * Parses text (the contents of file, which names it in errors and
 * verdicts). Returns 0 with *out holding one reference, -EINVAL with *err
 * saying where and why (line and column count bytes from 1; *out is
 * untouched), or -ENOMEM.
 */
int policy_parse(const char *file, const char *text, size_t len, struct policy **out,
		 struct config_error *err);

/*
 * Reads and parses the file at path: a regular file of at most
 * POLICY_MAX_SIZE bytes. Returns 0, -EINVAL (a bad policy), or a negative
 * errno from opening or reading it; *err is filled in on every failure.
 */
int policy_load(const char *path, struct policy **out, struct config_error *err);

/*
 * The policy shipped with maestro (daemon/default-policy, installed as
 * $datadir/maestro/default.policy), built into the daemon. Its rules are
 * named "default.policy:LINE". Returns 0 or -ENOMEM.
 */
int policy_default(struct policy **out);

/* The text of daemon/default-policy; generated at build time. */
extern const char policy_default_text[];
extern const size_t policy_default_size;

/* Both accept NULL; unref returns NULL so that callers can clear their pointer. */
struct policy *policy_ref(struct policy *p);
struct policy *policy_unref(struct policy *p);

const char *policy_file(const struct policy *p);
size_t policy_rule_count(const struct policy *p);

/*
 * Who asks, and where. The workspace and the home directory give "$WORKSPACE"
 * and "~" in path globs their meaning; a glob using one that is NULL
 * matches nothing.
 *
 * Trust only touches actions that no rule matches. Their default comes
 * from the risk level (LOW and MEDIUM allow, HIGH ask, CRITICAL deny);
 * then trust below trust_ask turns a default allow into ask, and trust
 * below trust_deny turns any default into deny. Zero thresholds never
 * tighten anything. Values are taken in [0, 1] (clamped); a NaN trust
 * counts as 0 and a NaN threshold as 1, the strict side of each.
 */
struct policy_subject {
	const char *agent_id;  /* NULL: no agent; "for agent" rules do not match */
	const char *role;      /* NULL: no role; "for role" rules do not match */
	const char *workspace; /* absolute directory, or NULL */
	const char *home;      /* absolute directory, or NULL */
	double trust;
	double trust_ask;
	double trust_deny;
};

/* Suggested thresholds for callers with no configuration of their own. */
#define POLICY_TRUST_ASK_DEFAULT 0.5
#define POLICY_TRUST_DENY_DEFAULT 0.2

/*
 * The answer, self-contained: it stays valid after the policy is
 * released. rule is "FILE:LINE" of the deciding rule (the first, in file
 * order, of the strictest verdict any matching rule gave), or "" when
 * no rule matched and the default decided. reason is the rule's reason,
 * or a sentence explaining the default. Both are valid UTF-8.
 */
struct policy_verdict {
	enum policy_decision decision;
	bool from_default;
	enum risk_level risk; /* the action's risk, as the default used it */
	unsigned line;	      /* the rule's line; 0 when from_default */
	char rule[PATH_MAX + 16];
	char reason[POLICY_REASON_MAX + 256];
};

/*
 * Judges an action. Every rule whose kind, scope and matchers all match
 * votes; deny beats ask beats allow. p may be NULL: then only the default
 * decides. Never fails and never allocates.
 */
void policy_evaluate(const struct policy *p, const struct action_facts *facts,
		     const struct policy_subject *who, struct policy_verdict *out);

/* With it, every rule is preceded by a comment naming its FILE:LINE. */
#define POLICY_DUMP_ORIGIN (1u << 0)

/*
 * The policy as text, one rule per line in a canonical spelling that
 * policy_parse() reads back to the same rules (for "maestroctl policy
 * show"). Returns 0 with *out a NUL-terminated string to free(), or
 * -ENOMEM.
 */
int policy_dump(const struct policy *p, unsigned flags, char **out);

#endif
