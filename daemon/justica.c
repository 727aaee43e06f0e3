/* justica: permissions, budgets, policy rules and trust decide whether an action may go ahead. */
#define _GNU_SOURCE
#include <stdio.h>

#include "pipeline.h"
#include "policy.h"
#include "util.h"

static enum verdict
verdict_of(enum policy_decision d)
{
	switch (d) {
	case POLICY_ALLOW: return VERDICT_ALLOW;
	case POLICY_ASK: return VERDICT_ASK;
	case POLICY_DENY: return VERDICT_DENY;
	}
	return VERDICT_DENY;
}

void
justica_run(const struct eval_input *in, struct check_result *out)
{
	struct policy_subject who = {
		.agent_id = in->agent.id,
		.role = in->agent.role,
		.workspace = in->workspace,
		.home = in->home,
		.trust = in->trust,
		.trust_ask = POLICY_TRUST_ASK_DEFAULT,
		.trust_deny = POLICY_TRUST_DENY_DEFAULT,
	};
	struct policy_verdict pv;
	char missing[200], spent[160];

	/* Least privilege first: no rule can allow what the agent was never granted. */
	if (!agent_has_permission(&in->agent, in->facts.permissions, missing, sizeof missing))
		check_add_reason(out, VERDICT_DENY, "justica.permission", "%s", missing);

	/*
	 * The budget, from the agent's copy made when the evaluation began: a
	 * report landing meanwhile counts from the next evaluation on.
	 */
	if (agent_budget_exhausted(&in->agent, (int64_t)now_usec(CLOCK_REALTIME), spent, sizeof spent))
		check_add_reason(out, VERDICT_DENY, "justica.budget", "%s", spent);

	policy_evaluate(in->policy, &in->facts, &who, &pv);
	check_add_reason(out, verdict_of(pv.decision), pv.from_default ? "justica.default" : pv.rule,
			 "%s", pv.reason);

	/* An agent that has read injected instructions is not trusted with risky steps alone. */
	if (in->tainted && in->facts.risk >= RISK_HIGH)
		check_add_reason(out, VERDICT_ASK, "justica.tainted",
				 "this session read text with injected instructions; a person "
				 "should confirm this %s action",
				 risk_name(in->facts.risk));
}
