/* The policy file parser: one rule a line, errors with file:line:column. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "policy-internal.h"
#include "utf8.h"
#include "util.h"

/* One line being read: a cursor over a writable copy, and where errors go. */
struct parser {
	const char *file;
	unsigned line;
	char *start; /* the line, NUL-terminated */
	char *p;     /* the next byte to read */
	char *word;  /* the current word, unquoted; as long as the line */
	struct config_error *err;
};

/* What next_word() found. */
enum word_type {
	WORD_END,    /* nothing left on the line */
	WORD_TEXT,   /* a word, in ps->word */
	WORD_REASON, /* an unquoted word starting with ':' */
};

struct word {
	enum word_type type;
	bool quoted;
	unsigned column;
};

static int parse_fail(const struct parser *ps, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
parse_fail(const struct parser *ps, unsigned column, const char *fmt, ...)
{
	va_list ap;

	snprintf(ps->err->file, sizeof ps->err->file, "%s", ps->file);
	ps->err->line = ps->line;
	ps->err->column = column;
	va_start(ap, fmt);
	vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
	va_end(ap);
	/* Messages quote the file; what reaches a JSON reply must be UTF-8. */
	utf8_sanitize(ps->err->message);
	utf8_sanitize(ps->err->file);
	return -EINVAL;
}

static unsigned
column_of(const struct parser *ps, const char *at)
{
	return (unsigned)(at - ps->start) + 1;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Where something missing at the end of the line should have been. */
static unsigned
end_column(const struct parser *ps)
{
	size_t n = strlen(ps->start);

	while (n > 0 && is_blank(ps->start[n - 1]))
		n--;
	return (unsigned)n + 1;
}

/*
 * Reads one word. A word runs to the next blank; a word that starts with
 * '"' runs to the next '"' not quoted by '\' ("\\" and "\"" are the only
 * escapes, so a glob's own backslashes survive). A quote anywhere else
 * would make a word whose end is hard to see, so it is refused.
 */
static int
next_word(struct parser *ps, struct word *w)
{
	char *out = ps->word;

	while (is_blank(*ps->p))
		ps->p++;
	w->column = column_of(ps, ps->p);
	w->quoted = false;
	if (*ps->p == '\0') {
		w->type = WORD_END;
		w->column = end_column(ps);
		return 0;
	}
	if (*ps->p == ':') {
		w->type = WORD_REASON;
		ps->p++;
		return 0;
	}
	w->type = WORD_TEXT;
	if (*ps->p == '"') {
		const char *open = ps->p++;

		w->quoted = true;
		for (;;) {
			if (*ps->p == '\0')
				return parse_fail(ps, column_of(ps, open), "unterminated quote");
			if (*ps->p == '"')
				break;
			if (*ps->p == '\\' && (ps->p[1] == '"' || ps->p[1] == '\\'))
				ps->p++;
			*out++ = *ps->p++;
		}
		ps->p++;
		if (*ps->p != '\0' && !is_blank(*ps->p))
			return parse_fail(ps, column_of(ps, ps->p),
					  "a closing quote must be followed by a blank");
	} else {
		while (*ps->p != '\0' && !is_blank(*ps->p)) {
			if (*ps->p == '"')
				return parse_fail(ps, column_of(ps, ps->p),
						  "a quote may only start a word");
			*out++ = *ps->p++;
		}
	}
	*out = '\0';
	return 0;
}

/* "effect disk: reason" is a common slip; say what would fix it. */
static const char *
colon_hint(const char *word)
{
	size_t n = strlen(word);

	return n > 1 && word[n - 1] == ':' ? " (put a blank before the ':' that starts the reason)" : "";
}

/* The word after a keyword, which must be there. */
static int
need_argument(struct parser *ps, struct word *w, const char *keyword, const char *what)
{
	int r = next_word(ps, w);

	if (r < 0)
		return r;
	if (w->type != WORD_TEXT)
		return parse_fail(ps, w->column, "'%s' needs %s", keyword, what);
	return 0;
}

static int
parse_glob(struct parser *ps, const struct word *w, const char *keyword, unsigned flags,
	   struct glob *g)
{
	const char *why = NULL;
	int r = glob_compile(g, ps->word, flags, &why);

	if (r == -EINVAL)
		return parse_fail(ps, w->column, "bad glob for '%s': %s", keyword, why);
	return r;
}

static int
parse_compare(struct parser *ps, const char *keyword, enum compare *cmp)
{
	static const struct {
		const char *text;
		enum compare cmp;
	} ops[] = { { "<", CMP_LT }, { "<=", CMP_LE }, { "=", CMP_EQ }, { ">=", CMP_GE }, { ">", CMP_GT } };
	struct word w;
	int r = need_argument(ps, &w, keyword, "a comparison: <, <=, =, >= or >");

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (!w.quoted && strcmp(ps->word, ops[i].text) == 0) {
			*cmp = ops[i].cmp;
			return 0;
		}
	return parse_fail(ps, w.column, "'%s' needs a comparison: <, <=, =, >= or >, not '%s'",
			  keyword, ps->word);
}

/* A trust threshold: 0 or 1, or either with up to three decimals; kept in thousandths. */
static int
parse_trust(const char *s, unsigned *out)
{
	unsigned v, scale = 100;

	if ((s[0] != '0' && s[0] != '1') || (s[1] != '\0' && s[1] != '.'))
		return -EINVAL;
	v = (unsigned)(s[0] - '0') * 1000;
	if (s[1] == '.') {
		if (s[2] == '\0')
			return -EINVAL;
		for (s += 2; *s != '\0'; s++, scale /= 10) {
			if (*s < '0' || *s > '9' || scale == 0)
				return -EINVAL;
			v += (unsigned)(*s - '0') * scale;
		}
	}
	if (v > 1000)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * The matchers, by keyword: what each reads after its keyword and which
 * actions it can match. parse_matcher() looks the keyword up here, so a
 * new matcher is one row and one parse function.
 */
struct matcher_syntax;
typedef int matcher_parse_fn(struct parser *ps, const struct matcher_syntax *syn,
			     const struct word *kw, struct matcher *m);

struct matcher_syntax {
	const char *keyword;
	enum matcher_type type;
	matcher_parse_fn *parse;
	int only_kind;	     /* -1, or the one action kind it can match (besides "any" rules) */
	int use;	     /* path matchers: PATH_USE_ANY or an enum path_use */
	enum path_test test; /* the location words */
};

/* Globs read like the items they match: paths and tools by directory, hosts in any case. */
static unsigned
glob_flags_of(enum matcher_type type)
{
	switch (type) {
	case MATCH_PATH:
		return GLOB_PATH | GLOB_ANCHORED;
	case MATCH_TOOL:
		return GLOB_PATH;
	case MATCH_HOST:
		return GLOB_FOLD;
	default:
		return 0;
	}
}

static int
parse_effect(struct parser *ps, const struct matcher_syntax *syn, const struct word *kw,
	     struct matcher *m)
{
	struct word w;
	int r = need_argument(ps, &w, syn->keyword, "an effect name");

	if (r < 0)
		return r;
	if (policy_effect_parse(ps->word, &m->effect) < 0)
		return parse_fail(ps, w.column, "unknown effect '%s'%s", ps->word, colon_hint(ps->word));
	return 0;
}

/* program, command, host and tool: one glob. */
static int
parse_glob_matcher(struct parser *ps, const struct matcher_syntax *syn, const struct word *kw,
		   struct matcher *m)
{
	struct word w;
	int r = need_argument(ps, &w, syn->keyword, "a glob");

	if (r < 0)
		return r;
	if (m->type == MATCH_TOOL && strchr(ps->word, '/') == NULL)
		return parse_fail(ps, w.column, "'tool' needs SERVER/TOOL, such as github/create_*");
	return parse_glob(ps, &w, syn->keyword, glob_flags_of(m->type), &m->glob);
}

/* path, reads, writes and deletes: a glob or a location word. */
static int
parse_path_matcher(struct parser *ps, const struct matcher_syntax *syn, const struct word *kw,
		   struct matcher *m)
{
	static const struct {
		const char *word;
		enum path_test test;
	} locations[] = {
		{ "inside-workspace", PATH_TEST_INSIDE },
		{ "outside-workspace", PATH_TEST_OUTSIDE },
		{ "sensitive", PATH_TEST_SENSITIVE },
	};
	struct word w;
	int r = need_argument(ps, &w, syn->keyword,
			      "a glob, 'inside-workspace', 'outside-workspace' or 'sensitive'");

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(locations) && !w.quoted; i++)
		if (strcmp(ps->word, locations[i].word) == 0) {
			m->test = locations[i].test;
			return 0;
		}
	return parse_glob(ps, &w, syn->keyword, glob_flags_of(m->type), &m->glob);
}

/* inside-workspace, outside-workspace and sensitive alone: nothing follows. */
static int
parse_location(struct parser *ps, const struct matcher_syntax *syn, const struct word *kw,
	       struct matcher *m)
{
	return 0;
}

static int
parse_risk(struct parser *ps, const struct matcher_syntax *syn, const struct word *kw,
	   struct matcher *m)
{
	struct word w;
	int r = parse_compare(ps, syn->keyword, &m->cmp);

	if (r < 0)
		return r;
	r = need_argument(ps, &w, syn->keyword, "a level: low, medium, high or critical");
	if (r < 0)
		return r;
	if (policy_risk_parse(ps->word, &m->value) < 0)
		return parse_fail(ps, w.column, "unknown risk level '%s' (low, medium, high or critical)%s",
				  ps->word, colon_hint(ps->word));
	return 0;
}

static int
parse_trust_matcher(struct parser *ps, const struct matcher_syntax *syn, const struct word *kw,
		    struct matcher *m)
{
	struct word w;
	int r = parse_compare(ps, syn->keyword, &m->cmp);

	if (r < 0)
		return r;
	r = need_argument(ps, &w, syn->keyword, "a number from 0 to 1");
	if (r < 0)
		return r;
	if (parse_trust(ps->word, &m->value) < 0)
		return parse_fail(ps, w.column,
				  "trust is a number from 0 to 1 with at most three decimals, such as 0.5, not '%s'",
				  ps->word);
	return 0;
}

static const struct matcher_syntax matcher_syntax[] = {
	{ "effect", MATCH_EFFECT, parse_effect, -1 },
	/* A shell runs programs; an MCP call names its tool. */
	{ "program", MATCH_PROGRAM, parse_glob_matcher, ACTION_SHELL },
	{ "command", MATCH_COMMAND, parse_glob_matcher, ACTION_SHELL },
	{ "host", MATCH_HOST, parse_glob_matcher, -1 },
	{ "tool", MATCH_TOOL, parse_glob_matcher, ACTION_MCP_TOOL },
	{ "path", MATCH_PATH, parse_path_matcher, -1, PATH_USE_ANY },
	{ "reads", MATCH_PATH, parse_path_matcher, -1, PATH_READ },
	{ "writes", MATCH_PATH, parse_path_matcher, -1, PATH_WRITE },
	{ "deletes", MATCH_PATH, parse_path_matcher, -1, PATH_DELETE },
	{ "inside-workspace", MATCH_PATH, parse_location, -1, PATH_USE_ANY, PATH_TEST_INSIDE },
	{ "outside-workspace", MATCH_PATH, parse_location, -1, PATH_USE_ANY, PATH_TEST_OUTSIDE },
	{ "sensitive", MATCH_PATH, parse_location, -1, PATH_USE_ANY, PATH_TEST_SENSITIVE },
	{ "risk", MATCH_RISK, parse_risk, -1 },
	{ "trust", MATCH_TRUST, parse_trust_matcher, -1 },
};

static int
parse_scope(struct parser *ps, struct rule *rule, const struct word *at)
{
	struct word w;
	unsigned defaults;
	const char *role;
	int r;

	if (rule->scope != SCOPE_NONE)
		return parse_fail(ps, at->column, "a rule has at most one 'for'");
	r = need_argument(ps, &w, "for", "'agent ID' or 'role ROLE'");
	if (r < 0)
		return r;
	if (!w.quoted && strcmp(ps->word, "agent") == 0) {
		r = need_argument(ps, &w, "for agent", "an agent id");
		if (r < 0)
			return r;
		if (!agent_id_valid(ps->word))
			return parse_fail(ps, w.column,
					  "'%s' is not an agent id (lower-case letters, digits, '.', '_', '-'; at most 64)",
					  ps->word);
		rule->scope = SCOPE_AGENT;
		rule->scope_name = strdup(ps->word);
	} else if (!w.quoted && strcmp(ps->word, "role") == 0) {
		r = need_argument(ps, &w, "for role", "a role");
		if (r < 0)
			return r;
		role = role_parse(ps->word, &defaults);
		if (role == NULL)
			return parse_fail(ps, w.column, "unknown role '%s' (roles: %s)%s", ps->word,
					  role_names(), colon_hint(ps->word));
		rule->scope = SCOPE_ROLE;
		rule->scope_name = strdup(role);
	} else {
		return parse_fail(ps, w.column, "'for' is followed by 'agent ID' or 'role ROLE', not '%s'",
				  ps->word);
	}
	return rule->scope_name == NULL ? -ENOMEM : 0;
}

/* One matcher, whose keyword is in ps->word; m is zeroed. */
static int
parse_matcher(struct parser *ps, struct rule *rule, const struct word *kw, struct matcher *m)
{
	const struct matcher_syntax *syn = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(matcher_syntax) && !kw->quoted; i++)
		if (strcmp(ps->word, matcher_syntax[i].keyword) == 0)
			syn = &matcher_syntax[i];
	if (syn == NULL) {
		if (ps->word[0] == '#')
			return parse_fail(ps, kw->column, "a comment must be on a line of its own");
		return parse_fail(ps, kw->column, "unknown matcher '%s'%s", ps->word,
				  colon_hint(ps->word));
	}
	if (syn->only_kind != -1 && rule->kind != -1 && rule->kind != syn->only_kind)
		return parse_fail(ps, kw->column, "'%s' only applies to %s actions, not %s",
				  syn->keyword, policy_kind_name(syn->only_kind),
				  policy_kind_name(rule->kind));
	m->type = syn->type;
	m->use = syn->use;
	m->test = syn->test;
	return syn->parse(ps, syn, kw, m);
}

/*
 * "except GLOB" after a list matcher: items the glob matches do not count.
 * The glob reads like the matcher's own (a path glob after a path matcher).
 */
static int
parse_except(struct parser *ps, struct rule *rule, const struct word *kw)
{
	struct matcher *m = rule->n_matchers > 0 ? &rule->matchers[rule->n_matchers - 1] : NULL;
	struct glob *except;
	struct word w;
	int r;

	if (m == NULL || m->type == MATCH_EFFECT || m->type == MATCH_RISK || m->type == MATCH_TRUST)
		return parse_fail(ps, kw->column,
				  "'except' follows a program, command, path, host or tool matcher");
	if (m->n_except == POLICY_MATCHERS_MAX)
		return parse_fail(ps, kw->column, "more than %d 'except' in one matcher",
				  POLICY_MATCHERS_MAX);
	r = need_argument(ps, &w, "except", "a glob");
	if (r < 0)
		return r;
	except = realloc(m->except, (m->n_except + 1) * sizeof *except);
	if (except == NULL)
		return -ENOMEM;
	m->except = except;
	r = parse_glob(ps, &w, "except", glob_flags_of(m->type), &m->except[m->n_except]);
	if (r < 0)
		return r;
	m->n_except++;
	return 0;
}

/* A rule on the current line, which is not blank or a comment. */
static int
parse_rule(struct parser *ps, struct rule *rule)
{
	struct word w;
	char *reason, *end;
	int r;

	r = next_word(ps, &w);
	if (r < 0)
		return r;
	if (w.type == WORD_TEXT && !w.quoted && strcmp(ps->word, "allow") == 0)
		rule->decision = POLICY_ALLOW;
	else if (w.type == WORD_TEXT && !w.quoted && strcmp(ps->word, "ask") == 0)
		rule->decision = POLICY_ASK;
	else if (w.type == WORD_TEXT && !w.quoted && strcmp(ps->word, "deny") == 0)
		rule->decision = POLICY_DENY;
	else
		return parse_fail(ps, w.column, "a rule starts with allow, ask or deny");

	r = need_argument(ps, &w, policy_decision_name(rule->decision), "an action kind");
	if (r < 0)
		return r;
	if (w.quoted || policy_kind_parse(ps->word, &rule->kind) < 0)
		return parse_fail(ps, w.column,
				  "unknown action kind '%s' (shell, file_read, file_write, file_delete, network, mcp_tool, prompt or any)%s",
				  ps->word, colon_hint(ps->word));

	for (;;) {
		struct matcher *matchers;

		r = next_word(ps, &w);
		if (r < 0)
			return r;
		if (w.type == WORD_END)
			return parse_fail(ps, end_column(ps), "missing ': reason' at the end of the rule");
		if (w.type == WORD_REASON)
			break;
		if (!w.quoted && strcmp(ps->word, "for") == 0) {
			r = parse_scope(ps, rule, &w);
			if (r < 0)
				return r;
			continue;
		}
		if (!w.quoted && strcmp(ps->word, "except") == 0) {
			r = parse_except(ps, rule, &w);
			if (r < 0)
				return r;
			continue;
		}
		if (rule->n_matchers == POLICY_MATCHERS_MAX)
			return parse_fail(ps, w.column, "more than %d matchers in one rule",
					  POLICY_MATCHERS_MAX);
		matchers = realloc(rule->matchers, (rule->n_matchers + 1) * sizeof *matchers);
		if (matchers == NULL)
			return -ENOMEM;
		rule->matchers = matchers;
		memset(&matchers[rule->n_matchers], 0, sizeof *matchers);
		/* Counted before parsing, so that rule_clear() frees a half-built glob's remains. */
		r = parse_matcher(ps, rule, &w, &matchers[rule->n_matchers++]);
		if (r < 0)
			return r;
	}
	if (rule->n_matchers == 0 && rule->scope == SCOPE_NONE)
		return parse_fail(ps, w.column,
				  "a rule needs a matcher or a 'for' (use 'risk >= low' to match every action)");

	reason = ps->p;
	while (is_blank(*reason))
		reason++;
	end = reason + strlen(reason);
	while (end > reason && is_blank(end[-1]))
		*--end = '\0';
	if (*reason == '\0')
		return parse_fail(ps, w.column, "missing reason after ':'");
	if (end - reason > POLICY_REASON_MAX)
		return parse_fail(ps, column_of(ps, reason), "reason longer than %d bytes",
				  POLICY_REASON_MAX);
	rule->reason = strdup(reason);
	return rule->reason == NULL ? -ENOMEM : 0;
}

/*
 * A line's bytes: reasons and globs reach JSON replies and logs, so the
 * file must be UTF-8 without control characters (tabs aside).
 */
static int
check_bytes(struct parser *ps, size_t len)
{
	size_t bad = len;

	if (!utf8_valid(ps->start, len, &bad))
		bad = bad < len ? bad : len;
	for (size_t i = 0; i < len && i < bad; i++) {
		unsigned char c = (unsigned char)ps->start[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return parse_fail(ps, (unsigned)i + 1, "control character 0x%02x", c);
	}
	if (bad < len)
		return parse_fail(ps, (unsigned)bad + 1, "invalid UTF-8");
	return 0;
}

int
policy_parse(const char *file, const char *text, size_t len, struct policy **out,
	     struct config_error *err)
{
	_cleanup_free_ char *copy = NULL, *word = NULL;
	struct parser ps = { .file = file, .line = 0, .err = err };
	struct policy *p;
	char *line, *end;
	int r = 0;

	if (ps.file == NULL)
		ps.file = file = "policy";
	if (len > POLICY_MAX_SIZE)
		return parse_fail(&ps, 0, "policy larger than 1 MiB");
	copy = malloc(len + 1);
	word = malloc(len + 1);
	p = calloc(1, sizeof *p);
	if (copy == NULL || word == NULL || p == NULL) {
		free(p);
		return -ENOMEM;
	}
	if (len > 0)
		memcpy(copy, text, len);
	copy[len] = '\0';
	atomic_init(&p->refs, 1);
	p->file = strdup(file);
	if (p->file == NULL) {
		policy_free(p);
		return -ENOMEM;
	}
	ps.word = word;
	end = copy + len;
	for (line = copy; line < end && r == 0;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)((nl ? nl : end) - line);
		struct rule *rules;
		const char *first;

		ps.line++;
		ps.start = ps.p = line;
		line = nl ? nl + 1 : end;
		if (n > 0 && ps.start[n - 1] == '\r')
			n--; /* CRLF files */
		r = check_bytes(&ps, n);
		if (r < 0)
			break;
		ps.start[n] = '\0';
		for (first = ps.start; is_blank(*first);)
			first++;
		if (*first == '\0' || *first == '#')
			continue;
		if (p->n_rules == POLICY_RULES_MAX) {
			r = parse_fail(&ps, column_of(&ps, first), "more than %d rules",
				       POLICY_RULES_MAX);
			break;
		}
		rules = realloc(p->rules, (p->n_rules + 1) * sizeof *rules);
		if (rules == NULL) {
			r = -ENOMEM;
			break;
		}
		p->rules = rules;
		memset(&rules[p->n_rules], 0, sizeof *rules);
		rules[p->n_rules].line = ps.line;
		r = parse_rule(&ps, &rules[p->n_rules++]);
	}
	if (r < 0) {
		policy_free(p);
		return r;
	}
	*out = p;
	return 0;
}
