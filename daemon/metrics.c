/* Metrics: the counters and histograms the loop keeps about decisions. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "agent.h"
#include "metrics.h"
#include "pipeline.h"
#include "util.h"

/*
 * Every decision carries an agent label, and a label value is a time
 * series Prometheus keeps forever. Agents are registered by administrators,
 * so their number is small, but deleted ones keep their counters (a counter
 * must not go back); past this many distinct ids, decisions are counted
 * under METRICS_AGENT_OTHER instead, which no agent id can spell.
 */
#define METRICS_AGENTS_MAX 256
#define METRICS_AGENT_OTHER "_other"

#define N_VERDICTS 3
#define N_RISKS 4

/* From 50 us (an allow of a cached policy) to 5 s (a stuck disk). */
const uint64_t metrics_bucket_usec[METRICS_BUCKETS] = {
	50,	100,	 250,	  500,	   1000,    2500,    5000,    10000,
	25000,	50000,	 100000,  250000,  500000,  1000000, 2500000, 5000000,
};

static const char *const subagent_label[3] = { "justica", "sofia", "armor" };

struct agent_decisions {
	char id[AGENT_ID_MAX + 1];
	uint64_t n[N_VERDICTS][N_RISKS];
};

struct metrics {
	struct agent_decisions *agents; /* sorted by id, for bsearch */
	size_t n_agents, cap_agents;
	struct agent_decisions other;	/* past METRICS_AGENTS_MAX, or no valid id */
	struct metrics_histogram evaluate;
	struct metrics_histogram subagent[3];
	uint64_t pipeline_errors;
	uint64_t timeouts;
};

void
metrics_histogram_observe(struct metrics_histogram *h, uint64_t usec)
{
	unsigned i = 0;

	/* Sixteen comparisons at most: cheaper than a binary search's branches. */
	while (i < METRICS_BUCKETS && usec > metrics_bucket_usec[i])
		i++;
	h->buckets[i]++;
	h->count++;
	h->sum_usec += usec;
}

int
metrics_new(struct metrics **out)
{
	struct metrics *m = calloc(1, sizeof *m);

	if (m == NULL)
		return -ENOMEM;
	snprintf(m->other.id, sizeof m->other.id, "%s", METRICS_AGENT_OTHER);
	*out = m;
	return 0;
}

struct metrics *
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return NULL;
	free(m->agents);
	free(m);
	return NULL;
}

static int
agent_decisions_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct agent_decisions *)elem)->id);
}

/* The counters of agent id, made on first sight; &m->other when there is no room. */
static struct agent_decisions *
metrics_agent(struct metrics *m, const char *id)
{
	struct agent_decisions *slot;
	size_t lo = 0, hi = m->n_agents;

	if (id == NULL || !agent_id_valid(id))
		return &m->other;
	/* bsearch's base must not be NULL, even for no elements. */
	slot = m->n_agents ? bsearch(id, m->agents, m->n_agents, sizeof *m->agents,
				     agent_decisions_cmp)
			   : NULL;
	if (slot != NULL)
		return slot;
	if (m->n_agents >= METRICS_AGENTS_MAX)
		return &m->other;
	if (m->n_agents == m->cap_agents) {
		size_t cap = m->cap_agents ? m->cap_agents * 2 : 8;
		struct agent_decisions *n = reallocarray(m->agents, cap, sizeof *n);

		/* Out of memory: still counted, under the catch-all. */
		if (n == NULL)
			return &m->other;
		m->agents = n;
		m->cap_agents = cap;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(m->agents[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&m->agents[lo + 1], &m->agents[lo], (m->n_agents - lo) * sizeof *m->agents);
	memset(&m->agents[lo], 0, sizeof *m->agents);
	snprintf(m->agents[lo].id, sizeof m->agents[lo].id, "%s", id);
	m->n_agents++;
	return &m->agents[lo];
}

void
metrics_decision(struct metrics *m, const struct metrics_decision *dec)
{
	struct agent_decisions *a;
	/* Out of range cannot happen; if it did, count it as the fail-safe answer would be. */
	unsigned v = (unsigned)dec->verdict < N_VERDICTS ? (unsigned)dec->verdict : VERDICT_DENY;
	unsigned r = (unsigned)dec->risk < N_RISKS ? (unsigned)dec->risk : RISK_CRITICAL;

	if (m == NULL)
		return;
	a = metrics_agent(m, dec->agent);
	a->n[v][r]++;
	metrics_histogram_observe(&m->evaluate, dec->total_usec);
	for (unsigned i = 0; i < 3; i++)
		if (dec->subagent_finished[i])
			metrics_histogram_observe(&m->subagent[i], dec->subagent_usec[i]);
	if (dec->pipeline_error)
		m->pipeline_errors++;
	if (dec->timeout)
		m->timeouts++;
}

static void
emit_agent_decisions(struct metrics_sink *s, const struct agent_decisions *a)
{
	for (unsigned v = 0; v < N_VERDICTS; v++)
		for (unsigned r = 0; r < N_RISKS; r++) {
			struct metrics_label l[] = {
				{ "decision", verdict_name((enum verdict)v) },
				{ "risk", risk_name((enum risk_level)r) },
				{ "agent", a->id },
			};

			/* Only what happened: 12 zero series per agent would be noise. */
			if (a->n[v][r] != 0)
				metrics_sample(s, l, ARRAY_SIZE(l), (double)a->n[v][r]);
		}
}

void
metrics_emit(const struct metrics *m, struct metrics_sink *s)
{
	static const struct metrics m_empty;

	if (m == NULL)
		m = &m_empty;
	metrics_family(s, "maestro_decisions_total", "counter",
		       "Governance decisions answered, by decision, risk level and agent.");
	for (size_t i = 0; i < m->n_agents; i++)
		emit_agent_decisions(s, &m->agents[i]);
	emit_agent_decisions(s, &m->other);

	metrics_family(s, "maestro_evaluate_duration_seconds", "histogram",
		       "Time from a request's arrival to its decision's reply being queued.");
	metrics_sample_histogram(s, NULL, 0, &m->evaluate);

	metrics_family(s, "maestro_subagent_duration_seconds", "histogram",
		       "Time each subagent took on its worker, for the runs that finished.");
	for (unsigned i = 0; i < 3; i++) {
		struct metrics_label l = { "subagent", subagent_label[i] };

		metrics_sample_histogram(s, &l, 1, &m->subagent[i]);
	}

	metrics_family(s, "maestro_pipeline_errors_total", "counter",
		       "Decisions turned into deny by a failure: a subagent error, a full queue, "
		       "an audit row not written.");
	metrics_sample(s, NULL, 0, (double)m->pipeline_errors);

	metrics_family(s, "maestro_pipeline_timeouts_total", "counter",
		       "Decisions where a subagent missed its deadline.");
	metrics_sample(s, NULL, 0, (double)m->timeouts);
}
