/* Policy evaluation: which rules match an action's facts, and the verdict they give. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy-internal.h"
#include "utf8.h"

/*
 * How a matcher over a list (programs, commands, paths, hosts, tools)
 * reads: a deny or ask rule fires when any item matches, an allow rule
 * only when there is at least one item and every item matches. So
 * "allow shell program ls" does not allow "ls; curl ... | sh", and
 * "allow file_write inside-workspace" does not allow a write that also
 * lands outside. The safe reading for each verdict, without a keyword.
 */
struct list_match {
	bool every;
	size_t seen;
	size_t matched;
};

static void
list_add(struct list_match *lm, bool match)
{
	lm->seen++;
	if (match)
		lm->matched++;
}

static bool
list_result(const struct list_match *lm)
{
	if (lm->every)
		return lm->seen > 0 && lm->matched == lm->seen;
	return lm->matched > 0;
}

static const char *
basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Programs may come as "rm" or "/usr/bin/rm"; a glob without '/' means the name. */
static bool
program_matches(const struct glob *g, const char *program)
{
	if (program == NULL)
		return false;
	if (glob_match(g, program, NULL, NULL))
		return true;
	return !g->has_slash && glob_match(g, basename_of(program), NULL, NULL);
}

/* Whether an "except" glob takes the item out of the matcher's sight. */
static bool
excepted(const struct matcher *m, const char *item, const struct policy_subject *who)
{
	for (size_t i = 0; i < m->n_except; i++) {
		const struct glob *g = &m->except[i];

		if (m->type == MATCH_PROGRAM ? program_matches(g, item)
					     : glob_match(g, item, who->home, who->workspace))
			return true;
	}
	return false;
}

static bool
path_test(const struct matcher *m, const struct action_path *path,
	  const struct policy_subject *who)
{
	switch (m->test) {
	case PATH_TEST_GLOB:
		return glob_match(&m->glob, path->path, who->home, who->workspace);
	case PATH_TEST_INSIDE:
		return path->in_workspace;
	case PATH_TEST_OUTSIDE:
		return !path->in_workspace;
	case PATH_TEST_SENSITIVE:
		return path->sensitive;
	}
	return false;
}

static bool
path_matches(const struct matcher *m, bool every, const struct action_facts *facts,
	     const struct policy_subject *who, unsigned effects)
{
	struct list_match lm = { .every = every };
	bool result;

	for (size_t i = 0; i < facts->n_paths; i++) {
		const struct action_path *path = &facts->paths[i];

		if (path->path == NULL || excepted(m, path->path, who))
			continue;
		if (m->use != PATH_USE_ANY && (int)path->use != m->use)
			continue;
		list_add(&lm, path_test(m, path, who));
	}
	result = list_result(&lm);
	if (m->use != PATH_USE_ANY)
		return result;
	/*
	 * The bare location words also believe the classifier's effects: it
	 * may know the action reaches outside the workspace, or a secret,
	 * without listing a path for it. Paths it did list speak for
	 * themselves (and "except" can set them aside).
	 */
	switch (m->test) {
	case PATH_TEST_INSIDE:
		return result && !(facts->effects & EFFECT_OUTSIDE_WORKSPACE);
	case PATH_TEST_OUTSIDE:
		return result || (!every && facts->n_paths == 0 && (effects & EFFECT_OUTSIDE_WORKSPACE));
	case PATH_TEST_SENSITIVE:
		return result || (!every && facts->n_paths == 0 &&
				  (effects & (EFFECT_SECRET_READ | EFFECT_SECRET_SEND)));
	case PATH_TEST_GLOB:
		break;
	}
	return result;
}

static bool
compare(enum compare cmp, double a, double b)
{
	switch (cmp) {
	case CMP_LT:
		return a < b;
	case CMP_LE:
		return a <= b;
	case CMP_EQ:
		return a == b;
	case CMP_GE:
		return a >= b;
	case CMP_GT:
		return a > b;
	}
	return false;
}

/* One program, command, host or tool; a NULL item counts, as a non-match. */
static void
list_item(struct list_match *lm, const struct matcher *m, const char *item,
	  const struct policy_subject *who)
{
	if (item != NULL && excepted(m, item, who))
		return;
	if (item == NULL)
		list_add(lm, false);
	else if (m->type == MATCH_PROGRAM)
		list_add(lm, program_matches(&m->glob, item));
	else
		list_add(lm, glob_match(&m->glob, item, NULL, NULL));
}

/* An out-of-range risk is a classifier bug; read it as the worst. */
static enum risk_level
effective_risk(const struct action_facts *facts)
{
	return (unsigned)facts->risk > RISK_CRITICAL ? RISK_CRITICAL : facts->risk;
}

static bool
matcher_matches(const struct matcher *m, bool every, const struct action_facts *facts,
		const struct policy_subject *who, unsigned effects, double trust)
{
	struct list_match lm = { .every = every };

	switch (m->type) {
	case MATCH_EFFECT:
		return (effects & m->effect) != 0;
	case MATCH_PROGRAM:
		for (size_t i = 0; i < facts->n_programs; i++)
			list_item(&lm, m, facts->programs[i], who);
		return list_result(&lm);
	case MATCH_COMMAND:
		for (size_t i = 0; i < facts->n_commands; i++)
			list_item(&lm, m, facts->commands[i], who);
		return list_result(&lm);
	case MATCH_HOST:
		for (size_t i = 0; i < facts->n_hosts; i++)
			list_item(&lm, m, facts->hosts[i].host, who);
		return list_result(&lm);
	case MATCH_TOOL:
		/* An MCP call names its tool "SERVER/TOOL" in programs. */
		if (facts->kind != ACTION_MCP_TOOL)
			return false;
		for (size_t i = 0; i < facts->n_programs; i++)
			list_item(&lm, m, facts->programs[i], who);
		return list_result(&lm);
	case MATCH_PATH:
		return path_matches(m, every, facts, who, effects);
	case MATCH_RISK:
		return compare(m->cmp, effective_risk(facts), m->value);
	case MATCH_TRUST:
		return compare(m->cmp, trust, m->value / 1000.0);
	}
	return false;
}

bool
rule_matches(const struct rule *r, const struct action_facts *facts,
	     const struct policy_subject *who, unsigned effects, double trust)
{
	bool every = r->decision == POLICY_ALLOW;

	if (r->kind != -1 && (unsigned)r->kind != (unsigned)facts->kind)
		return false;
	if (r->scope == SCOPE_AGENT && (who->agent_id == NULL || strcmp(who->agent_id, r->scope_name) != 0))
		return false;
	if (r->scope == SCOPE_ROLE && (who->role == NULL || strcmp(who->role, r->scope_name) != 0))
		return false;
	for (size_t i = 0; i < r->n_matchers; i++)
		if (!matcher_matches(&r->matchers[i], every, facts, who, effects, trust))
			return false;
	return true;
}

/*
 * The effects as rules see them: the classifier's, plus what the paths'
 * own flags say, so that a path marked as maestro's never slips past
 * "effect maestro-self" because one bit was forgotten.
 */
static unsigned
effective_effects(const struct action_facts *facts)
{
	unsigned effects = facts->effects;

	for (size_t i = 0; i < facts->n_paths; i++) {
		if (facts->paths[i].path == NULL)
			continue;
		if (facts->paths[i].maestro)
			effects |= EFFECT_MAESTRO_SELF;
		if (!facts->paths[i].in_workspace)
			effects |= EFFECT_OUTSIDE_WORKSPACE;
	}
	return effects;
}

static double
clamp_unit(double v, double if_nan)
{
	if (isnan(v))
		return if_nan;
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

static const char *const risk_upper[] = { "LOW", "MEDIUM", "HIGH", "CRITICAL" };

/* No rule matched: the risk decides, and low trust makes it stricter. */
static void
decide_default(const struct action_facts *facts, const struct policy_subject *who, double trust,
	       struct policy_verdict *out)
{
	enum risk_level risk = effective_risk(facts);
	double ask_below = clamp_unit(who->trust_ask, 1), deny_below = clamp_unit(who->trust_deny, 1);
	char why[160] = "";
	enum policy_decision base;
	static const char *const verb[] = { "is allowed", "needs approval", "is denied" };

	base = risk <= RISK_MEDIUM ? POLICY_ALLOW : risk == RISK_HIGH ? POLICY_ASK : POLICY_DENY;
	if (facts->risk_reason != NULL && facts->risk_reason[0] != '\0')
		snprintf(why, sizeof why, " (%s)", facts->risk_reason);
	out->from_default = true;
	out->risk = risk;
	out->decision = base;
	if (base != POLICY_DENY && trust < deny_below) {
		out->decision = POLICY_DENY;
		snprintf(out->reason, sizeof out->reason,
			 "no rule matched; %s risk%s %s by default, but the agent's trust %.2f is below %.2f",
			 risk_upper[risk], why, verb[base], trust, deny_below);
	} else if (base == POLICY_ALLOW && trust < ask_below) {
		out->decision = POLICY_ASK;
		snprintf(out->reason, sizeof out->reason,
			 "no rule matched; %s risk%s is allowed by default, but the agent's trust %.2f is below %.2f",
			 risk_upper[risk], why, trust, ask_below);
	} else {
		snprintf(out->reason, sizeof out->reason, "no rule matched; %s risk%s %s by default",
			 risk_upper[risk], why, verb[base]);
	}
}

void
policy_evaluate(const struct policy *p, const struct action_facts *facts,
		const struct policy_subject *who, struct policy_verdict *out)
{
	static const struct policy_subject nobody = { .trust = 1 };
	const struct rule *best = NULL;
	unsigned effects = effective_effects(facts);
	double trust;

	if (who == NULL)
		who = &nobody;
	trust = clamp_unit(who->trust, 0);
	memset(out, 0, sizeof *out);
	for (size_t i = 0; p != NULL && i < p->n_rules; i++) {
		const struct rule *r = &p->rules[i];

		if (best != NULL && r->decision <= best->decision)
			continue; /* cannot change the outcome */
		if (!rule_matches(r, facts, who, effects, trust))
			continue;
		best = r;
		if (best->decision == POLICY_DENY)
			break;
	}
	if (best == NULL) {
		decide_default(facts, who, trust, out);
	} else {
		out->decision = best->decision;
		out->risk = effective_risk(facts);
		out->line = best->line;
		snprintf(out->rule, sizeof out->rule, "%s:%u", p->file, best->line);
		snprintf(out->reason, sizeof out->reason, "%s", best->reason);
	}
	/* A file name or the classifier's words may not be UTF-8; replies must be. */
	utf8_sanitize(out->rule);
	utf8_sanitize(out->reason);
}
