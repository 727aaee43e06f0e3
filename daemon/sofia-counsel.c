/* sofia's rule-based counsel on a free-text question (counsel.ask), with a chat's topic in mind. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "sofia-topics.h"

/* A follow-up judged on the chat's topic is a guess about what was meant. */
#define CARRIED_CONFIDENCE 0.8

static void
add_question(struct sofia_counsel *out, const char *q)
{
	for (unsigned i = 0; i < out->n_questions; i++)
		if (strcmp(out->questions[i], q) == 0)
			return;
	if (out->n_questions < SOFIA_QUESTIONS_MAX)
		out->questions[out->n_questions++] = q;
}

void
sofia_counsel_compose(const char *query, const char *previous_type, struct sofia_counsel *out)
{
	const struct sofia_topic *previous = sofia_topic_find(previous_type);
	struct sofia_match m;
	double confidence;

	memset(out, 0, sizeof *out);
	sofia_topics_detect(query, &m);
	if (m.topic == NULL && previous != NULL && previous != sofia_topic_general()) {
		/* Nothing new named: the question goes on about what the chat was about. */
		out->topic = previous;
		out->carried_over = true;
		confidence = previous->confidence * CARRIED_CONFIDENCE;
		snprintf(out->counsel, sizeof out->counsel,
			 "Continuing on the %s concern raised earlier in this chat. %s",
			 previous->type, previous->counsel);
	} else {
		out->topic = m.topic != NULL ? m.topic : sofia_topic_general();
		out->also = m.also;
		out->word = m.word;
		/* More words of the same concern, more certainty; never certainty itself. */
		confidence = out->topic->confidence + 0.05 * (m.hits > 1 ? m.hits - 1 : 0);
		if (m.also != NULL)
			snprintf(out->counsel, sizeof out->counsel, "%s It is also a %s matter: %s",
				 out->topic->counsel, m.also->type, m.also->counsel);
		else
			snprintf(out->counsel, sizeof out->counsel, "%s", out->topic->counsel);
	}
	out->confidence = confidence > 0.95 ? 0.95 : confidence;
	out->requires_professional = out->topic->requires_professional ||
				     (out->also != NULL && out->also->requires_professional);
	for (unsigned i = 0; i < 3 && out->topic->questions[i]; i++)
		add_question(out, out->topic->questions[i]);
	if (out->also != NULL)
		for (unsigned i = 0; i < 2 && out->also->questions[i]; i++)
			add_question(out, out->also->questions[i]);
}
