/* Policies: names, reference counting, loading, the built-in default, printing back. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "policy-internal.h"
#include "utf8.h"
#include "util.h"

/*
 * Kinds, effects and risk levels are spelled as action.h names them; the
 * policy only adds "any" for kinds and writes risk levels in lower case.
 */
static const char *const risk_lower[] = { "low", "medium", "high", "critical" };

_Static_assert(ARRAY_SIZE(risk_lower) == RISK_CRITICAL + 1, "a risk level without a name");

const char *
policy_decision_name(enum policy_decision decision)
{
	switch (decision) {
	case POLICY_ALLOW:
		return "allow";
	case POLICY_ASK:
		return "ask";
	case POLICY_DENY:
		return "deny";
	}
	return NULL;
}

const char *
policy_kind_name(int kind)
{
	if (kind == -1)
		return "any";
	if (kind < 0)
		return NULL;
	return action_kind_name((enum action_kind)kind);
}

int
policy_kind_parse(const char *name, int *kind)
{
	enum action_kind k;

	if (strcmp(name, "any") == 0) {
		*kind = -1;
		return 0;
	}
	if (action_kind_parse(name, &k) < 0)
		return -EINVAL;
	*kind = (int)k;
	return 0;
}

const char *
policy_effect_name(unsigned bit)
{
	return effect_name(bit);
}

int
policy_effect_parse(const char *name, unsigned *bit)
{
	return effect_parse(name, bit);
}

const char *
policy_risk_name(unsigned level)
{
	return level < ARRAY_SIZE(risk_lower) ? risk_lower[level] : NULL;
}

int
policy_risk_parse(const char *name, unsigned *level)
{
	enum risk_level r;

	if (risk_parse(name, &r) < 0)
		return -EINVAL;
	*level = (unsigned)r;
	return 0;
}

void
rule_clear(struct rule *r)
{
	for (size_t i = 0; i < r->n_matchers; i++) {
		glob_clear(&r->matchers[i].glob);
		for (size_t k = 0; k < r->matchers[i].n_except; k++)
			glob_clear(&r->matchers[i].except[k]);
		free(r->matchers[i].except);
	}
	free(r->matchers);
	free(r->scope_name);
	free(r->reason);
	memset(r, 0, sizeof *r);
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		rule_clear(&p->rules[i]);
	free(p->rules);
	free(p->file);
	free(p);
}

struct policy *
policy_ref(struct policy *p)
{
	if (p != NULL)
		atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
	return p;
}

struct policy *
policy_unref(struct policy *p)
{
	/* acq_rel: the last holder must see every other holder's reads finished. */
	if (p != NULL && atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1)
		policy_free(p);
	return NULL;
}

const char *
policy_file(const struct policy *p)
{
	return p->file;
}

size_t
policy_rule_count(const struct policy *p)
{
	return p->n_rules;
}

int
policy_default(struct policy **out)
{
	struct config_error err;

	/* The unit tests parse the shipped text, so -EINVAL here is a build gone wrong. */
	return policy_parse("default.policy", policy_default_text, policy_default_size, out, &err);
}

int
policy_load(const char *path, struct policy **out, struct config_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	memset(err, 0, sizeof *err);
	snprintf(err->file, sizeof err->file, "%s", path);
	utf8_sanitize(err->file);
	/* O_NONBLOCK: a FIFO planted at the path must not hang the daemon in open(). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		snprintf(err->message, sizeof err->message, "cannot open: %s", strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > POLICY_MAX_SIZE) {
		snprintf(err->message, sizeof err->message, "not a regular file of at most 1 MiB");
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		return -ENOMEM;
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(err->message, sizeof err->message, "cannot read: %s", strerror(errno));
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return policy_parse(path, buf, len, out, err);
}

/* A word as the parser reads it back: quoted when it has blanks, quotes or a leading ':'. */
static void
dump_word(FILE *f, const char *word)
{
	if (word[0] != '\0' && word[0] != ':' && strpbrk(word, " \t\"") == NULL) {
		fputs(word, f);
		return;
	}
	fputc('"', f);
	for (const char *p = word; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static const char *
compare_text(enum compare cmp)
{
	static const char *const text[] = { "<", "<=", "=", ">=", ">" };

	return text[cmp];
}

static void
dump_primary(FILE *f, const struct matcher *m)
{
	static const char *const uses[] = { "reads", "writes", "deletes" };
	static const char *const tests[] = { NULL, "inside-workspace", "outside-workspace",
					     "sensitive" };
	static const char *const glob_keywords[] = {
		[MATCH_PROGRAM] = "program",
		[MATCH_COMMAND] = "command",
		[MATCH_HOST] = "host",
		[MATCH_TOOL] = "tool",
	};

	switch (m->type) {
	case MATCH_EFFECT:
		fprintf(f, " effect %s", policy_effect_name(m->effect));
		break;
	case MATCH_PROGRAM:
	case MATCH_COMMAND:
	case MATCH_HOST:
	case MATCH_TOOL:
		fprintf(f, " %s ", glob_keywords[m->type]);
		dump_word(f, m->glob.source);
		break;
	case MATCH_PATH:
		if (m->test == PATH_TEST_GLOB) {
			fprintf(f, " %s ", m->use == PATH_USE_ANY ? "path" : uses[m->use]);
			dump_word(f, m->glob.source);
		} else if (m->use == PATH_USE_ANY) {
			fprintf(f, " %s", tests[m->test]);
		} else {
			fprintf(f, " %s %s", uses[m->use], tests[m->test]);
		}
		break;
	case MATCH_RISK:
		fprintf(f, " risk %s %s", compare_text(m->cmp), policy_risk_name(m->value));
		break;
	case MATCH_TRUST:
		if (m->value % 1000 == 0) {
			fprintf(f, " trust %s %u", compare_text(m->cmp), m->value / 1000);
		} else {
			char frac[4];

			snprintf(frac, sizeof frac, "%03u", m->value % 1000);
			for (int i = 2; i > 0 && frac[i] == '0'; i--)
				frac[i] = '\0';
			fprintf(f, " trust %s %u.%s", compare_text(m->cmp), m->value / 1000, frac);
		}
		break;
	}
}

static void
dump_matcher(FILE *f, const struct matcher *m)
{
	dump_primary(f, m);
	for (size_t i = 0; i < m->n_except; i++) {
		fputs(" except ", f);
		dump_word(f, m->except[i].source);
	}
}

int
policy_dump(const struct policy *p, unsigned flags, char **out)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	bool failed;

	if (f == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct rule *r = &p->rules[i];

		if (flags & POLICY_DUMP_ORIGIN) {
			/* A newline in the file's name must not end the comment. */
			fputs("# ", f);
			for (const char *c = p->file; *c != '\0'; c++)
				fputc((unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c, f);
			fprintf(f, ":%u\n", r->line);
		}
		fprintf(f, "%-5s %-11s", policy_decision_name(r->decision), policy_kind_name(r->kind));
		for (size_t k = 0; k < r->n_matchers; k++)
			dump_matcher(f, &r->matchers[k]);
		if (r->scope != SCOPE_NONE)
			fprintf(f, " for %s %s", r->scope == SCOPE_AGENT ? "agent" : "role",
				r->scope_name);
		fprintf(f, " : %s\n", r->reason);
	}
	failed = ferror(f) != 0;
	if (fclose(f) != 0 || failed) {
		free(text);
		return -ENOMEM;
	}
	/* Rules are UTF-8 already; a file name in an origin comment may not be. */
	utf8_sanitize(text);
	*out = text;
	return 0;
}
