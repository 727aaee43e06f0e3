/* Unit tests for sofia's counsel: topics, counsel.ask's composition, chats, the model backend's parser. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "counsel.h"
#include "counsel-backend.h"
#include "pipeline.h"
#include "sofia-topics.h"
#include "unit.h"
#include "util.h"

/* ---- topics ------------------------------------------------------------ */

static const struct {
	const char *text;
	const char *type; /* NULL: no topic */
} topic_cases[] = {
	{ "Should I delete user data?", "privacy" },
	{ "Can I share the customer list with a partner?", "privacy" },
	{ "Is it ok to put the API key in the repository?", "credentials" },
	{ "Where do I store passwords for the team?", "credentials" },
	{ "Which dosage of this medication is safe?", "medical" },
	{ "Can we use GPL code in our product?", "legal" },
	{ "Is this illegal in Germany?", "legal" },
	{ "Should we invest the reserve in bitcoin?", "financial" },
	{ "Can I deploy on Friday evening?", "production" },
	{ "Is it fine to drop table orders?", "destructive" },
	{ "Should I force push to main?", "irreversible" },
	{ "Is it ethical to track employees without consent?", "ethics" },
	{ "What about backups?", NULL },
	{ "How do I rename a variable?", NULL },
	/* Whole words: "prod" is not "product", "legal" is not in "paralegals". */
	{ "Which product name is best?", NULL },
	{ "Tokenizer settings", NULL },
	/* Portuguese and Spanish. */
	{ "Devo apagar os dados pessoais dos clientes?", "privacy" },
	{ "Posso compartilhar a senha do servidor?", "credentials" },
	{ "Qual medicamento devo tomar?", "medical" },
	{ "¿Puedo borrar los datos personales?", "privacy" },
	{ "¿Es legal usar este contrato?", "legal" },
	{ "¿Debo compartir la contraseña?", "credentials" },
};

START_TEST(test_topics)
{
	struct sofia_match m;

	sofia_topics_detect(topic_cases[_i].text, &m);
	if (topic_cases[_i].type == NULL) {
		ck_assert_msg(m.topic == NULL, "%s: unexpected %s (%s)", topic_cases[_i].text,
			      m.topic ? m.topic->type : "", m.word ? m.word : "");
		return;
	}
	ck_assert_msg(m.topic != NULL, "%s: no topic", topic_cases[_i].text);
	ck_assert_msg(strcmp(m.topic->type, topic_cases[_i].type) == 0, "%s: %s, not %s",
		      topic_cases[_i].text, m.topic->type, topic_cases[_i].type);
	ck_assert_ptr_nonnull(m.word);
	ck_assert_uint_ge(m.hits, 1);
}
END_TEST

START_TEST(test_topics_runner_up)
{
	struct sofia_match m;

	sofia_topics_detect("Should I delete user data?", &m);
	ck_assert_str_eq(m.topic->type, "privacy"); /* a tie: the weightier topic first */
	ck_assert_ptr_nonnull(m.also);
	ck_assert_str_eq(m.also->type, "destructive");
	sofia_topics_detect(NULL, &m);
	ck_assert_ptr_null(m.topic);
}
END_TEST

START_TEST(test_topics_sensitive)
{
	/* sofia's first list, for actions: people's data and production. */
	ck_assert_str_eq(sofia_topics_sensitive("echo 'export the customer table'"), "customer");
	ck_assert_str_eq(sofia_topics_sensitive("psql prod db -c 'select 1'"), "prod db");
	ck_assert_str_eq(sofia_topics_sensitive("cp payroll.csv /tmp"), "payroll");
	ck_assert_str_eq(sofia_topics_sensitive("cat CUSTOMERS.csv"), "customer");
	ck_assert_ptr_null(sofia_topics_sensitive("rm -rf build"));
	/* Words counsel.ask knows but actions do not count. */
	ck_assert_ptr_null(sofia_topics_sensitive("echo password"));
	ck_assert_ptr_null(sofia_topics_sensitive(NULL));
}
END_TEST

/* ---- counsel.ask's composition and chat carry-over --------------------- */

START_TEST(test_compose)
{
	struct sofia_counsel c;

	sofia_counsel_compose("Should I delete user data?", NULL, &c);
	ck_assert_str_eq(c.topic->type, "privacy");
	ck_assert(c.requires_professional);
	ck_assert(!c.carried_over);
	ck_assert(c.confidence > 0.5 && c.confidence <= 0.95);
	ck_assert_uint_ge(c.n_questions, 3);
	ck_assert_uint_le(c.n_questions, SOFIA_QUESTIONS_MAX);
	for (unsigned i = 0; i < c.n_questions; i++)
		ck_assert(c.questions[i][strlen(c.questions[i]) - 1] == '?');
	ck_assert_ptr_nonnull(strstr(c.counsel, "personal data"));
	ck_assert_ptr_nonnull(strstr(c.counsel, "destructive"));

	sofia_counsel_compose("How do I rename a variable?", NULL, &c);
	ck_assert_str_eq(c.topic->type, "general");
	ck_assert(!c.requires_professional);
	ck_assert_double_eq_tol(c.confidence, 0.3, 1e-9);
}
END_TEST

START_TEST(test_compose_carry_over)
{
	struct sofia_counsel first, c;

	sofia_counsel_compose("Should I delete user data?", NULL, &first);
	/* A follow-up naming nothing new keeps the chat's topic, a little less sure. */
	sofia_counsel_compose("what about backups?", first.topic->type, &c);
	ck_assert_str_eq(c.topic->type, "privacy");
	ck_assert(c.carried_over);
	ck_assert(c.confidence < first.confidence);
	ck_assert_ptr_nonnull(strstr(c.counsel, "earlier in this chat"));
	/* One naming a topic of its own takes it. */
	sofia_counsel_compose("and should I force push afterwards?", "privacy", &c);
	ck_assert_str_eq(c.topic->type, "irreversible");
	ck_assert(!c.carried_over);
	/* "general" is no topic to carry over. */
	sofia_counsel_compose("what about backups?", "general", &c);
	ck_assert_str_eq(c.topic->type, "general");
	ck_assert(!c.carried_over);
}
END_TEST

START_TEST(test_chats)
{
	struct counsel_chats *chats = counsel_chats_new();
	struct counsel_chat *chat, *other;
	struct counsel_past past[COUNSEL_HISTORY_MAX];
	char id[COUNSEL_CHAT_ID_SIZE], *big;
	uint64_t now = 1000;
	int n;

	ck_assert_ptr_nonnull(chats);
	chat = counsel_chat_open(chats, "uid:1000", now);
	ck_assert_ptr_nonnull(chat);
	snprintf(id, sizeof id, "%s", counsel_chat_id(chat));
	ck_assert_uint_eq(strlen(id), 32);
	ck_assert_uint_eq(counsel_chat_next_turn(chat), 1);
	ck_assert_uint_eq(counsel_chat_next_turn(chat), 2);
	/* Someone else's chat is not found, whoever asks. */
	ck_assert_ptr_null(counsel_chat_find(chats, id, "uid:1001", now));
	ck_assert_ptr_null(counsel_chat_find(chats, "0123", "uid:1000", now));
	ck_assert_ptr_eq(counsel_chat_find(chats, id, "uid:1000", now), chat);

	ck_assert_ptr_null(counsel_chat_topic(chat));
	ck_assert_int_eq(counsel_chat_add(chat, "Should I delete user data?", "Ask the owner.",
					  "privacy", now), 0);
	ck_assert_int_eq(counsel_chat_add(chat, "what about backups?", "Also privacy.", "general",
					  now), 0);
	ck_assert_str_eq(counsel_chat_topic(chat), "privacy");
	n = counsel_chat_history(chat, past, COUNSEL_HISTORY_MAX);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(past[0].role, "user");
	ck_assert_str_eq(past[0].content, "Should I delete user data?");
	ck_assert_str_eq(past[3].role, "assistant");
	for (int i = 0; i < n; i++)
		free(past[i].content);

	/* Bounded in turns: the oldest are forgotten, the newest kept. */
	for (int i = 0; i < COUNSEL_CHAT_MAX_TURNS + 10; i++) {
		char q[32];

		snprintf(q, sizeof q, "question %d", i);
		ck_assert_int_eq(counsel_chat_add(chat, q, "answer", "general", now), 0);
	}
	n = counsel_chat_history(chat, past, 2);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(past[0].content, "question 59");
	for (int i = 0; i < n; i++)
		free(past[i].content);
	/* Bounded in bytes: a turn is cut to half the room, older ones go. */
	big = malloc(COUNSEL_CHAT_MAX_BYTES);
	memset(big, 'x', COUNSEL_CHAT_MAX_BYTES - 1);
	big[COUNSEL_CHAT_MAX_BYTES - 1] = '\0';
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(counsel_chat_add(chat, big, big, "general", now), 0);
	n = counsel_chat_history(chat, past, COUNSEL_HISTORY_MAX);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(strlen(past[0].content), COUNSEL_CHAT_MAX_BYTES / 2);
	for (int i = 0; i < n; i++)
		free(past[i].content);
	free(big);

	/* Idle for an hour: dropped. */
	other = counsel_chat_open(chats, "agent-1", now);
	ck_assert_ptr_nonnull(other);
	ck_assert_uint_eq(counsel_chats_count(chats, now), 2);
	ck_assert_uint_eq(counsel_chats_count(chats, now + COUNSEL_CHAT_IDLE_USEC), 0);

	/* Bounded in number: the least recently used goes. */
	chat = counsel_chat_open(chats, "uid:1000", now);
	snprintf(id, sizeof id, "%s", counsel_chat_id(chat));
	for (int i = 1; i <= COUNSEL_CHATS_MAX; i++)
		ck_assert_ptr_nonnull(counsel_chat_open(chats, "uid:1000", now + (uint64_t)i));
	ck_assert_uint_eq(counsel_chats_count(chats, now + COUNSEL_CHATS_MAX), COUNSEL_CHATS_MAX);
	ck_assert_ptr_null(counsel_chat_find(chats, id, "uid:1000", now + COUNSEL_CHATS_MAX));
	chat = counsel_chat_open(chats, "uid:1000", now);
	snprintf(id, sizeof id, "%s", counsel_chat_id(chat));
	ck_assert(!counsel_chat_close(chats, id, "uid:1001"));
	ck_assert(counsel_chat_close(chats, id, "uid:1000"));
	ck_assert(!counsel_chat_close(chats, id, "uid:1000"));

	/* The backend takes at most half the workers. */
	ck_assert(counsel_backend_claim(chats, 4));
	ck_assert(counsel_backend_claim(chats, 4));
	ck_assert(!counsel_backend_claim(chats, 4));
	counsel_backend_release(chats);
	ck_assert(counsel_backend_claim(chats, 4));
	ck_assert_ptr_null(counsel_chats_free(chats));
	ck_assert_ptr_null(counsel_chats_free(NULL));
}
END_TEST

/* ---- the model backend ------------------------------------------------- */

START_TEST(test_url_check)
{
	static const char *const good[] = {
		"http://127.0.0.1:8080/v1/chat/completions", "http://127.0.0.1/v1/chat/completions",
		"http://127.1.2.3:1", "http://[::1]:8080/v1/chat/completions",
	};
	static const char *const bad[] = {
		"https://127.0.0.1:8080/v1", "http://10.0.0.1:8080/v1", "http://localhost:8080/v1",
		"http://example.com/v1", "http://[::2]:80/", "http://127.0.0.1:0/",
		"http://127.0.0.1:99999/", "http://127.0.0.1:80x/", "http://user@127.0.0.1/",
		"file:///etc/passwd", "http://127.0.0.1/a b", "http://127.0.0.1.evil.com/",
		"ftp://127.0.0.1/",
	};
	char why[200];

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(counsel_backend_url_check(good[i], why, sizeof why) == 0, "%s: %s",
			      good[i], why);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		ck_assert_msg(counsel_backend_url_check(bad[i], why, sizeof why) == -EINVAL, "%s",
			      bad[i]);
		ck_assert(why[0] != '\0');
	}
}
END_TEST

static int
parse(const char *body, char *out, size_t size, char *err)
{
	return counsel_reply_parse(body, strlen(body), out, size, err, 200);
}

START_TEST(test_reply_parse)
{
	char out[COUNSEL_MODEL_TEXT_MAX], err[200], *big;
	size_t n;

	ck_assert_int_eq(parse("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
			       "\"  Ask the data owner first.\\n\"}}]}\n", out, sizeof out, err), 0);
	ck_assert_str_eq(out, "Ask the data owner first.");
	/* Terminal escapes and control characters from the model are defused. */
	ck_assert_int_eq(parse("{\"choices\":[{\"message\":{\"content\":\"a\\u001b[31mb\\tc\\nd\"}}]}",
			       out, sizeof out, err), 0);
	ck_assert_str_eq(out, "a [31mb c\nd");
	/* Cut to the buffer, never inside a character. */
	ck_assert_int_eq(parse("{\"choices\":[{\"message\":{\"content\":\"ab\xc3\xa9\"}}]}", out, 4,
			       err), 0);
	ck_assert_str_eq(out, "ab");

	/* Malformed, in its many ways. */
	static const char *const bad[] = {
		"", "not json", "{\"choices\":[]}", "{\"choices\":{}}", "[1,2]", "{}",
		"{\"choices\":[1]}", "{\"choices\":[{\"message\":\"hi\"}]}",
		"{\"choices\":[{\"message\":{\"content\":42}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"   \"}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"a\\u0000b\"}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"ok\"}}]} trailing",
		"{\"choices\":[{\"message\":{\"content\":\"ok\"}}]}{}",
		"{\"choices\":[{\"message\":{\"content\":\"\xff\"}}]}",
		"{\"choices\":[{\"message\":{\"content\":\"ok\"}}]",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(parse(bad[i], out, sizeof out, err) == -EINVAL, "accepted %s", bad[i]);
		ck_assert(err[0] != '\0');
		ck_assert_str_eq(out, "");
	}
	ck_assert_int_eq(parse("{\"error\":{\"message\":\"model not loaded\"}}", out, sizeof out,
			       err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "model not loaded"));
	/* A NUL in the body. */
	ck_assert_int_eq(counsel_reply_parse("{}\0{}", 5, out, sizeof out, err, sizeof err), -EINVAL);

	/* Oversized: refused before it is parsed. */
	n = COUNSEL_REPLY_MAX + 1;
	big = malloc(n + 1);
	memset(big, ' ', n);
	static const char ok[] = "{\"choices\":[{\"message\":{\"content\":\"ok\"}}]}";
	memcpy(big, ok, sizeof ok - 1);
	big[n] = '\0';
	ck_assert_int_eq(counsel_reply_parse(big, n, out, sizeof out, err, sizeof err), -E2BIG);
	/* One byte less is fine: trailing whitespace. */
	ck_assert_msg(counsel_reply_parse(big, n - 1, out, sizeof out, err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(out, "ok");
	free(big);
}
END_TEST

START_TEST(test_backend_unreachable)
{
	struct counsel_backend b = { .url = "http://127.0.0.1:1/v1/chat/completions",
				     .model = "local", .timeout_usec = 500000 };
	struct counsel_message m = { "user", "hello" };
	char out[64], err[200];

	ck_assert_int_lt(counsel_backend_ask(&b, b.timeout_usec, &m, 1, out, sizeof out, err,
					     sizeof err), 0);
	ck_assert(err[0] != '\0');
	ck_assert_str_eq(out, "");
}
END_TEST

/* In the pipeline: the model is only consulted with time to spare, and never moves the verdict. */
START_TEST(test_sofia_run_backend)
{
	struct eval_input in;
	struct check_result out;

	memset(&in, 0, sizeof in);
	in.facts.risk = RISK_HIGH;
	in.screens[0].text = "echo 'export the customer table'";
	in.n_screens = 1;
	snprintf(in.counsel.url, sizeof in.counsel.url, "http://127.0.0.1:1/v1/chat/completions");
	snprintf(in.counsel.model, sizeof in.counsel.model, "local");
	in.counsel.timeout_usec = 2000000;

	/* The deadline has passed: no call at all. */
	in.deadline_usec = now_usec(CLOCK_MONOTONIC);
	memset(&out, 0, sizeof out);
	sofia_run(&in, &out);
	ck_assert_int_eq(out.verdict, VERDICT_ASK);
	ck_assert_str_eq(out.reasons[0].rule, "sofia.counsel");
	ck_assert_uint_eq(out.n_reasons, 2);
	ck_assert_str_eq(out.reasons[1].rule, "sofia.backend");
	ck_assert_ptr_nonnull(strstr(out.reasons[1].text, "skipped"));

	/* Time enough, but no one listens: the rules' counsel stands, and says so. */
	in.deadline_usec = now_usec(CLOCK_MONOTONIC) + 500000;
	memset(&out, 0, sizeof out);
	sofia_run(&in, &out);
	ck_assert_int_eq(out.verdict, VERDICT_ASK);
	ck_assert_str_eq(out.reasons[1].rule, "sofia.backend");
	ck_assert_ptr_nonnull(strstr(out.reasons[1].text, "rule-based counsel stands"));

	/* Below HIGH, the model is not asked. */
	in.facts.risk = RISK_LOW;
	memset(&out, 0, sizeof out);
	sofia_run(&in, &out);
	ck_assert_uint_eq(out.n_reasons, 1);
}
END_TEST

static Suite *
sofia_suite(void)
{
	Suite *s = suite_create("sofia");
	TCase *tc;

	tc = tcase_create("topics");
	tcase_add_loop_test(tc, test_topics, 0, (int)(sizeof topic_cases / sizeof topic_cases[0]));
	tcase_add_test(tc, test_topics_runner_up);
	tcase_add_test(tc, test_topics_sensitive);
	suite_add_tcase(s, tc);

	tc = tcase_create("counsel");
	tcase_add_test(tc, test_compose);
	tcase_add_test(tc, test_compose_carry_over);
	tcase_add_test(tc, test_chats);
	suite_add_tcase(s, tc);

	tc = tcase_create("backend");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_url_check);
	tcase_add_test(tc, test_reply_parse);
	tcase_add_test(tc, test_backend_unreachable);
	tcase_add_test(tc, test_sofia_run_backend);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(sofia_suite());
}
