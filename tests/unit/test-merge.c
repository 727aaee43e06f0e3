/*
 * The pipeline's merge: any deny, deny; else any ask, ask; else allow; and
 * every way a subagent can fail to answer (not run, late, failed) denies.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

static struct check_result results[SUBAGENT_COUNT];
static struct check_result fallback[SUBAGENT_COUNT];
static const struct check_result *eff[SUBAGENT_COUNT];
static enum task_state states[SUBAGENT_COUNT];

static void
setup(void)
{
	memset(results, 0, sizeof results);
	memset(fallback, 0, sizeof fallback);
	for (int i = 0; i < SUBAGENT_COUNT; i++) {
		states[i] = TASK_FINISHED;
		check_add_reason(&results[i], VERDICT_ALLOW, "test.ok", "fine");
	}
}

static enum verdict
merge(void)
{
	return pipeline_merge(results, states, fallback, eff);
}

START_TEST(test_all_allow)
{
	ck_assert_int_eq(merge(), VERDICT_ALLOW);
	for (int i = 0; i < SUBAGENT_COUNT; i++)
		ck_assert_ptr_eq(eff[i], &results[i]);
}
END_TEST

/* Every combination of verdicts: the strictest wins, wherever it comes from. */
START_TEST(test_strictest_wins)
{
	const enum verdict vs[] = { VERDICT_ALLOW, VERDICT_ASK, VERDICT_DENY };

	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			for (int c = 0; c < 3; c++) {
				enum verdict want = vs[a];

				if (vs[b] > want)
					want = vs[b];
				if (vs[c] > want)
					want = vs[c];
				results[0].verdict = vs[a];
				results[1].verdict = vs[b];
				results[2].verdict = vs[c];
				ck_assert_int_eq(merge(), want);
			}
}
END_TEST

/* Each failure, in each subagent's place, denies with its own pipeline.* rule. */
START_TEST(test_no_answer_denies)
{
	static const struct {
		enum task_state state;
		bool failed;
		const char *rule;
		const char *words;
	} cases[] = {
		{ TASK_NOT_RUN, false, "pipeline.queue-full", "could not be run" },
		{ TASK_LATE, false, "pipeline.timeout", "did not answer in time" },
		{ TASK_FINISHED, true, "pipeline.failed", "failed" },
	};
	static const char *const names[] = { "justica", "sofia", "armor" };

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
		for (int i = 0; i < SUBAGENT_COUNT; i++) {
			setup();
			states[i] = cases[c].state;
			results[i].failed = cases[c].failed;
			/* Whatever it had written before: never read, never allow. */
			results[i].verdict = VERDICT_ALLOW;
			ck_assert_int_eq(merge(), VERDICT_DENY);
			ck_assert_ptr_eq(eff[i], &fallback[i]);
			ck_assert_int_eq(eff[i]->verdict, VERDICT_DENY);
			ck_assert_uint_eq(eff[i]->n_reasons, 1);
			ck_assert_str_eq(eff[i]->reasons[0].rule, cases[c].rule);
			ck_assert_msg(strncmp(eff[i]->reasons[0].text, "governance pipeline error: ",
					      27) == 0, "%s", eff[i]->reasons[0].text);
			ck_assert_ptr_nonnull(strstr(eff[i]->reasons[0].text, names[i]));
			ck_assert_ptr_nonnull(strstr(eff[i]->reasons[0].text, cases[c].words));
			/* The others keep their own results. */
			for (int k = 0; k < SUBAGENT_COUNT; k++)
				if (k != i)
					ck_assert_ptr_eq(eff[k], &results[k]);
		}
}
END_TEST

/* A subagent that failed may say why; the reason carries it. */
START_TEST(test_failed_says_why)
{
	memset(&results[0], 0, sizeof results[0]);
	results[0].failed = true;
	check_add_reason(&results[0], VERDICT_DENY, "justica.policy", "no policy is loaded");
	ck_assert_int_eq(merge(), VERDICT_DENY);
	ck_assert_str_eq(eff[0]->reasons[0].text,
			 "governance pipeline error: justica failed: no policy is loaded");
}
END_TEST

/* Nothing ran at all (the queue was full): three denies. */
START_TEST(test_nothing_ran)
{
	for (int i = 0; i < SUBAGENT_COUNT; i++)
		states[i] = TASK_NOT_RUN;
	ck_assert_int_eq(merge(), VERDICT_DENY);
	for (int i = 0; i < SUBAGENT_COUNT; i++)
		ck_assert_str_eq(eff[i]->reasons[0].rule, "pipeline.queue-full");
}
END_TEST

/* check_add_reason keeps the strictest verdict and stops at the limit. */
START_TEST(test_add_reason)
{
	struct check_result r = { 0 };

	check_add_reason(&r, VERDICT_ASK, "a", "one");
	check_add_reason(&r, VERDICT_ALLOW, "b", "two");
	ck_assert_int_eq(r.verdict, VERDICT_ASK);
	for (int i = 0; i < 2 * CHECK_MAX_REASONS; i++)
		check_add_reason(&r, VERDICT_DENY, "c", "%d", i);
	ck_assert_int_eq(r.verdict, VERDICT_DENY);
	ck_assert_uint_eq(r.n_reasons, CHECK_MAX_REASONS);
	/* Invalid UTF-8 (a rule cut from user text) never reaches a reply. */
	check_add_reason(&r, VERDICT_DENY, "x", "%s", "\xff");
	ck_assert_uint_eq(r.n_reasons, CHECK_MAX_REASONS);
	memset(&r, 0, sizeof r);
	check_add_reason(&r, VERDICT_DENY, "bad\xc3", "cut \xe2\x82");
	ck_assert_str_eq(r.reasons[0].rule, "bad?");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("merge");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_all_allow);
	tcase_add_test(tc, test_strictest_wins);
	tcase_add_test(tc, test_no_answer_denies);
	tcase_add_test(tc, test_failed_says_why);
	tcase_add_test(tc, test_nothing_ran);
	tcase_add_test(tc, test_add_reason);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
