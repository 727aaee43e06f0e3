/* Sessions that read injected instructions, across connections (loop thread only). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "daemon.h"
#include "taint.h"

/* Made on first use: a daemon whose agents name no sessions never pays for it. */
static struct taint_table *
table(struct maestrod *d)
{
	if (d->taint == NULL && (d->taint = calloc(1, sizeof *d->taint)) != NULL)
		randombytes_buf(d->taint->key, sizeof d->taint->key);
	return d->taint;
}

/* A keyed hash of (agent, id); never 0, which marks an empty slot. */
static uint64_t
key_of(const struct taint_table *t, const char *agent, const char *id)
{
	crypto_generichash_state st;
	uint64_t h;

	crypto_generichash_init(&st, t->key, sizeof t->key, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)agent, strlen(agent) + 1);
	crypto_generichash_update(&st, (const unsigned char *)id, strlen(id));
	crypto_generichash_final(&st, (unsigned char *)&h, sizeof h);
	return h != 0 ? h : 1;
}

void
taint_note_evaluation(struct maestrod *d, const char *agent, const char *correlation_id,
		      const char *session_id)
{
	struct taint_table *t;
	unsigned i;

	if (session_id == NULL || (t = table(d)) == NULL)
		return;
	i = t->next_evaluation;
	t->next_evaluation = (i + 1) % TAINT_EVALUATIONS;
	t->evaluations[i].correlation = key_of(t, agent, correlation_id);
	t->evaluations[i].session = key_of(t, agent, session_id);
}

void
taint_report(struct maestrod *d, const char *agent, const char *correlation_id)
{
	struct taint_table *t = d->taint;
	uint64_t corr;

	if (t == NULL)
		return; /* no evaluation named a session */
	corr = key_of(t, agent, correlation_id);
	for (unsigned i = 0; i < TAINT_EVALUATIONS; i++)
		if (t->evaluations[i].correlation == corr) {
			/* The oldest tainted session is forgotten first. */
			t->sessions[t->next_session] = t->evaluations[i].session;
			t->next_session = (t->next_session + 1) % TAINT_SESSIONS;
			return;
		}
}

bool
taint_session(struct maestrod *d, const char *agent, const char *session_id)
{
	struct taint_table *t = d->taint;
	uint64_t s;

	if (t == NULL || session_id == NULL)
		return false;
	s = key_of(t, agent, session_id);
	for (unsigned i = 0; i < TAINT_SESSIONS; i++)
		if (t->sessions[i] == s)
			return true;
	return false;
}

void
taint_free(struct maestrod *d)
{
	free(d->taint);
	d->taint = NULL;
}
