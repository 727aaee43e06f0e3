/* Trust: how outcomes move an agent's score, its history, suspension, and reports owed. */
#ifndef MAESTRO_TRUST_H
#define MAESTRO_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "action.h"

struct maestrod;
struct agent;

/*
 * Below this an agent is suspended (maestrod.conf trust_suspend). It sits
 * under justica's deny threshold (0.2): an agent there is already refused
 * everything the policy does not allow outright, and every refusal costs
 * it more, so it ends up here unless a person steps in.
 */
#define TRUST_SUSPEND_DEFAULT 0.1

/*
 * Where agent.resume puts an agent found below it: the ask threshold
 * (POLICY_TRUST_ASK_DEFAULT), so that it starts back allowed for ordinary
 * work, while the next few refusals send its risky steps to a person again.
 */
#define TRUST_RESUME 0.5

/*
 * How many allowed or asked evaluations wait for their report, per daemon.
 * Beyond it the oldest is forgotten, and a report on it is refused like one
 * on an evaluation that never was.
 */
#define TRUST_PENDING_MAX 4096

/*
 * Evaluations awaiting a report, loop thread only. Entries hold keyed
 * hashes (SipHash, a random key per run) of the agent and the correlation
 * id rather than the strings: 24 bytes each, compared without strcmp, and
 * a collision cannot be crafted without the key.
 */
struct trust_pending {
	struct {
		uint64_t correlation;
		uint64_t agent;
		bool used;
		bool reported;
		uint16_t chain; /* the next entry in its bucket, plus one; 0 ends the chain */
	} entries[TRUST_PENDING_MAX];
	/*
	 * Every decision looks here on the loop thread: a hash index, so that
	 * costs a bucket's short chain rather than a scan of every entry.
	 * Heads are an entry's index plus one; 0 is an empty bucket.
	 */
	uint16_t buckets[TRUST_PENDING_MAX];
	unsigned next; /* the slot the next evaluation takes: the oldest */
	bool keyed;
	unsigned char key[16];
};

/*
 * After a committed decision (verdict is an enum verdict): a deny costs
 * trust, 0.005 times 1 (LOW) to 4 (CRITICAL); an allow or ask is recorded
 * as awaiting its report (trust_expect_report).
 */
void trust_after_decision(struct maestrod *d, const char *agent_id, int verdict,
			  enum risk_level risk, const char *correlation_id);

/*
 * After governance.report: success +0.01, failure -0.03, injected
 * instructions in the output another -0.03; tokens and cost charged to the
 * current budget period. *trust_out (may be NULL) gets the new score.
 */
void trust_after_report(struct maestrod *d, const char *agent_id, bool success, bool tainted,
			uint64_t tokens, double cost, const char *correlation_id,
			double *trust_out);

/*
 * Where agent.resume puts trust: TRUST_RESUME, or halfway from the
 * threshold to 1 when trust_suspend is set at TRUST_RESUME or above.
 */
double trust_resume_level(double suspend_threshold);

/* agent.resume: an agent below trust_resume_level() is put back there, with a history row. */
void trust_after_resume(struct maestrod *d, struct agent *a);

/* An evaluation of agent_id, known by correlation_id, may now be reported on once. */
void trust_expect_report(struct maestrod *d, const char *agent_id, const char *correlation_id);

/*
 * Takes the report owed for (agent_id, correlation_id). Returns 0, -ENOENT
 * when no such evaluation of this agent awaits one (never was, another
 * agent's, or forgotten), or -EALREADY when it was reported already.
 */
int trust_claim_report(struct maestrod *d, const char *agent_id, const char *correlation_id);

#endif
