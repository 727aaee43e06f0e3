/* Checking the params of the agent.* and session.* methods. */
#ifndef MAESTRO_AGENT_PARAMS_H
#define MAESTRO_AGENT_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* Ten years: longer than any agent should live unreviewed. */
#define AGENT_MAX_LIFETIME_S (10ll * 365 * 24 * 3600)

/*
 * What a request asks for, borrowed from its params. The dispatcher has
 * already checked names and JSON types; this checks values.
 */
struct agent_params {
	const char *id;
	const char *role;     /* static name of a known role */
	unsigned role_defaults;
	unsigned permissions; /* named permissions, for register, grant, revoke */
	const char *description;
	const char *reason;
	int64_t expires_in_s;	    /* 0: not given */
	int64_t token_expires_in_s; /* 0: not given */
	const char *token;	    /* session.hello */
	bool has_budget;	    /* register, set_budget: token_budget given */
	uint64_t token_budget;	    /* 0: no budget */
	bool has_period;	    /* budget_period given */
	int budget_period;	    /* enum budget_period */
};

/*
 * Checks params for method ("agent.register", "agent.grant", ...). Returns
 * true, or false with a sentence for the caller in msg.
 */
bool agent_params_parse(const char *method, struct json_object *params, struct agent_params *out,
			char *msg, size_t size);

#endif
