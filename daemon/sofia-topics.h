/* sofia's topics: what a question or an action is about, shared by actions and counsel.ask. */
#ifndef MAESTRO_SOFIA_TOPICS_H
#define MAESTRO_SOFIA_TOPICS_H

#include <stdbool.h>
#include <stddef.h>

/* One concern a question can raise, and sofia's rule-based counsel on it. */
struct sofia_topic {
	const char *type;		/* "privacy", "destructive", ... */
	const char *counsel;		/* a few sentences a person understands */
	const char *questions[3];	/* what to weigh */
	double confidence;		/* with one word matched */
	bool requires_professional;	/* a professional or a person with authority decides */
};

/* What sofia_topics_detect() found. */
struct sofia_match {
	const struct sofia_topic *topic; /* the best; NULL: no topic */
	const struct sofia_topic *also;	 /* the runner-up, or NULL */
	const char *word;		 /* the first word of topic that matched */
	unsigned hits;			 /* how many of topic's words matched */
};

/*
 * Scans text (English, Portuguese and Spanish words; ASCII letters compare
 * without case) for the topics. The topic with the most words matched
 * wins; a tie goes to the earlier, weightier topic in the table.
 */
void sofia_topics_detect(const char *text, struct sofia_match *m);

/*
 * For actions: the first word in text that makes an action about people's
 * data or production (a customer table, a prod db, payroll), or NULL.
 */
const char *sofia_topics_sensitive(const char *text);

/* The topic named type, or NULL; "general" is the fallback counsel. */
const struct sofia_topic *sofia_topic_find(const char *type);
const struct sofia_topic *sofia_topic_general(void);

#define SOFIA_COUNSEL_MAX 1024
#define SOFIA_QUESTIONS_MAX 5

/* counsel.ask's rule-based answer to one question. */
struct sofia_counsel {
	const struct sofia_topic *topic; /* never NULL: general when nothing matched */
	const struct sofia_topic *also;	 /* a second concern, or NULL */
	const char *word;		 /* what matched, or NULL */
	bool carried_over;		 /* the topic came from earlier in the chat */
	double confidence;
	bool requires_professional;
	char counsel[SOFIA_COUNSEL_MAX];
	const char *questions[SOFIA_QUESTIONS_MAX];
	unsigned n_questions;
};

/*
 * Counsel on query. previous_type (may be NULL) is the chat's topic so
 * far: a follow-up that raises no topic of its own ("what about
 * backups?") is counselled on it, with a little less confidence.
 */
void sofia_counsel_compose(const char *query, const char *previous_type,
			   struct sofia_counsel *out);

#endif
