/* The agent.* methods: registering and managing agent identities. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "agent-params.h"
#include "agent-store.h"
#include "agent.h"
#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "dispatch.h"
#include "maestro-protocol.h"
#include "trust.h"
#include "util.h"

/* A change waiting for its commit; the caller hears of it only then. */
struct agent_op {
	struct call *call;
	char id[AGENT_ID_MAX + 1];
	uint64_t version;		/* the version this change produced */
	char token[TOKEN_TEXT_MAX + 1]; /* register and rotate: shown once */
};

static void
agent_op_free(struct agent_op *op)
{
	sodium_memzero(op->token, sizeof op->token);
	free(op);
}

/*
 * Puts the agent back as it was last committed (or removes it if never).
 * Trust and usage stay as they are now: trust.c stores them on their own,
 * so the committed copy's may be older than what the store holds.
 */
static void
agent_revert(struct maestrod *d, const char *id)
{
	struct agent *stored = registry_find(&d->stored, id), *now = registry_find(&d->agents, id);

	if (stored == NULL) {
		registry_remove(&d->agents, id);
		return;
	}
	if ((stored = agent_dup(stored)) == NULL)
		return;
	if (now != NULL) {
		stored->trust = now->trust;
		stored->period_start_us = now->period_start_us;
		stored->tokens_used = now->tokens_used;
		stored->cost_used = now->cost_used;
		stored->tokens_total = now->tokens_total;
	}
	if (registry_put(&d->agents, stored) < 0)
		agent_free(stored);
}

/*
 * Memory runs ahead of the store: it holds every change as soon as it is
 * asked for, so later requests see it. When a change fails to commit and
 * no later change to that agent came since, the agent goes back to its
 * last committed state; a later change carries this one's effect and
 * settles the agent when it commits or fails in turn.
 */
static void
agent_op_settle(struct maestrod *d, struct agent_op *op, const struct agent_change *change,
		bool committed)
{
	struct agent *now = registry_find(&d->agents, op->id), *stored;

	if (committed) {
		if (change->after == NULL)
			registry_remove(&d->stored, op->id);
		else if ((stored = agent_dup(change->after)) == NULL || registry_put(&d->stored, stored) < 0)
			agent_free(stored); /* out of memory: only a later failure's undo would suffer */
		return;
	}
	if (change->after == NULL ? now == NULL : now != NULL && now->version == op->version)
		agent_revert(d, op->id);
}

static void
agent_op_committed(struct audit_record *rec, void *userdata)
{
	struct agent_op *op = userdata;
	const struct agent_change *change;
	struct json_object *r;

	agent_op_settle(op->call->d, op, rec->apply_data, rec->error == 0);
	if (rec->error) {
		char msg[sizeof rec->error_message + 64];

		snprintf(msg, sizeof msg, "%s: nothing changed: %s",
			 rec->error == -EAGAIN ? "overloaded" : "unavailable", rec->error_message);
		call_fail(op->call, rec->error == -EAGAIN ? MAESTRO_E_OVERLOADED : MAESTRO_E_UNAVAILABLE,
			  msg, NULL);
		agent_op_free(op);
		return;
	}
	r = json_object_new_object();
	change = rec->apply_data;
	if (change->after != NULL)
		json_object_object_add(r, "agent", agent_to_json(change->after));
	else
		json_object_object_add(r, "deleted", json_object_new_string(op->id));
	if (op->token[0] != '\0')
		json_object_object_add(r, "token", json_object_new_string(op->token));
	json_object_object_add(r, "audit_seq", json_object_new_int64(rec->seq));
	call_reply(op->call, r);
	agent_op_free(op);
}

/*
 * Commits what the handler did to the registry: after is the agent as it
 * now is there, NULL when it was deleted.
 */
static void
agent_commit(struct call *call, const char *event, const char *id, const struct agent *after,
	     const char *token, struct json_object *detail)
{
	struct audit_record *rec;
	struct agent_op *op;
	char actor[32];

	op = calloc(1, sizeof *op);
	snprintf(actor, sizeof actor, "uid:%u", (unsigned)call->conn->uid);
	rec = op ? audit_record_new(event, actor, detail) : NULL;
	if (rec != NULL)
		rec->apply_data = agent_change_new(id, after);
	if (op == NULL || rec == NULL || rec->apply_data == NULL) {
		if (op == NULL)
			json_object_put(detail);
		audit_record_free(rec);
		free(op);
		agent_revert(call->d, id);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	op->call = call;
	op->version = after ? after->version : 0;
	snprintf(op->id, sizeof op->id, "%s", id);
	if (token)
		snprintf(op->token, sizeof op->token, "%s", token);
	rec->apply = agent_store_apply;
	rec->apply_free = agent_change_free;
	rec->has_peer = true;
	rec->peer_uid = call->conn->uid;
	rec->peer_pid = call->conn->pid;
	rec->done = agent_op_committed;
	rec->userdata = op;
	if (audit_submit(call->d->audit, rec) < 0) {
		rec->error = -EAGAIN;
		snprintf(rec->error_message, sizeof rec->error_message, "the audit queue is full");
		agent_op_committed(rec, op);
		audit_record_free(rec);
	}
}

/* Every handler starts here: room to audit, valid params, the agent if named. */
static bool
agent_prepare(struct call *call, struct agent_params *p, struct agent **agent)
{
	char msg[300];

	if (!audit_has_room(call->d->audit)) {
		call_fail(call, MAESTRO_E_OVERLOADED, "overloaded: the audit queue is full; retry", NULL);
		return false;
	}
	if (!agent_params_parse(call->method->name, call->params, p, msg, sizeof msg)) {
		call_fail(call, RPC_INVALID_PARAMS, msg, NULL);
		return false;
	}
	if (agent == NULL)
		return true;
	*agent = registry_find(&call->d->agents, p->id);
	if (*agent == NULL) {
		snprintf(msg, sizeof msg, "not found: no agent %s", p->id);
		call_fail(call, MAESTRO_E_NOT_FOUND, msg, NULL);
		return false;
	}
	return true;
}

static struct json_object *
detail_new(const struct agent *a)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "agent", json_object_new_string(a->id));
	json_object_object_add(d, "role", json_object_new_string(a->role));
	return d;
}

static int64_t
after_seconds(int64_t now, int64_t s)
{
	return s ? now + s * 1000000 : 0;
}

static void
agent_register(struct call *call)
{
	struct agent_registry *reg = &call->d->agents;
	int64_t now = (int64_t)now_usec(CLOCK_REALTIME);
	char token[TOKEN_TEXT_MAX + 1], msg[128];
	struct json_object *detail;
	struct agent_params p;
	struct agent *a;

	if (!agent_prepare(call, &p, NULL))
		return;
	if (registry_find(reg, p.id) != NULL) {
		snprintf(msg, sizeof msg, "conflict: agent %s already exists", p.id);
		call_fail(call, MAESTRO_E_CONFLICT, msg, NULL);
		return;
	}
	a = calloc(1, sizeof *a);
	if (a == NULL || (p.description && (a->description = strdup(p.description)) == NULL)) {
		free(a);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	snprintf(a->id, sizeof a->id, "%s", p.id);
	a->role = p.role;
	a->trust = AGENT_TRUST_INITIAL;
	a->token_budget = p.token_budget;
	a->budget_period = p.has_period ? (enum budget_period)p.budget_period : BUDGET_DAY;
	a->period_start_us = budget_period_start(a->budget_period, now);
	a->permissions = p.role_defaults | p.permissions;
	a->status = AGENT_ACTIVE;
	a->created_us = a->updated_us = a->token_created_us = now;
	a->expires_us = after_seconds(now, p.expires_in_s);
	a->token_expires_us = after_seconds(now, p.token_expires_in_s);
	a->version = agent_next_version();
	token_new(reg, token, a->token_hash);
	if (registry_put(reg, a) < 0) {
		agent_free(a);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	detail = detail_new(a);
	json_object_object_add(detail, "permissions", permissions_to_json(a->permissions));
	if (a->token_budget)
		json_object_object_add(detail, "token_budget",
				       json_object_new_int64((int64_t)a->token_budget));
	json_object_object_add(detail, "budget_period",
			       json_object_new_string(budget_period_name(a->budget_period)));
	agent_commit(call, "agent.register", a->id, a, token, detail);
	sodium_memzero(token, sizeof token);
}

static int
agent_cmp(const void *a, const void *b)
{
	return strcmp((*(struct agent *const *)a)->id, (*(struct agent *const *)b)->id);
}

static void
agent_list(struct call *call)
{
	struct agent_registry *reg = &call->d->agents;
	struct json_object *list = json_object_new_array(), *r = json_object_new_object();

	/* By id, so the listing reads the same before and after a restart. */
	if (reg->n > 1)
		qsort(reg->agents, reg->n, sizeof reg->agents[0], agent_cmp);
	for (size_t i = 0; i < reg->n; i++)
		json_object_array_add(list, agent_to_json(reg->agents[i]));
	json_object_object_add(r, "agents", list);
	call_reply(call, r);
}

static void
agent_show(struct call *call)
{
	struct agent_params p;
	struct agent *a;
	struct json_object *r;
	char msg[300];

	if (!agent_params_parse(call->method->name, call->params, &p, msg, sizeof msg)) {
		call_fail(call, RPC_INVALID_PARAMS, msg, NULL);
		return;
	}
	a = registry_find(&call->d->agents, p.id);
	if (a == NULL) {
		snprintf(msg, sizeof msg, "not found: no agent %s", p.id);
		call_fail(call, MAESTRO_E_NOT_FOUND, msg, NULL);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, "agent", agent_to_json(a));
	call_reply(call, r);
}

/* grant, revoke, suspend, resume, set_budget and rotate_token change one agent in place. */
static void
agent_modify(struct call *call)
{
	const char *m = call->method->name;
	int64_t now = (int64_t)now_usec(CLOCK_REALTIME);
	char token[TOKEN_TEXT_MAX + 1] = "";
	struct json_object *detail;
	struct agent_params p;
	struct agent *a;

	if (!agent_prepare(call, &p, &a))
		return;
	detail = detail_new(a);
	if (strcmp(m, "agent.grant") == 0 || strcmp(m, "agent.revoke") == 0) {
		if (strcmp(m, "agent.grant") == 0)
			a->permissions |= p.permissions;
		else
			a->permissions &= ~p.permissions;
		json_object_object_add(detail, strcmp(m, "agent.grant") == 0 ? "granted" : "revoked",
				       permissions_to_json(p.permissions));
		json_object_object_add(detail, "permissions", permissions_to_json(a->permissions));
	} else if (strcmp(m, "agent.suspend") == 0) {
		free(a->suspend_reason);
		a->suspend_reason = p.reason ? strdup(p.reason) : NULL;
		a->status = AGENT_SUSPENDED;
		json_object_object_add(detail, "reason",
				       p.reason ? json_object_new_string(p.reason) : NULL);
	} else if (strcmp(m, "agent.resume") == 0) {
		double before = a->trust;

		free(a->suspend_reason);
		a->suspend_reason = NULL;
		a->status = AGENT_ACTIVE;
		/* Else the next refusal would suspend it again at once. */
		trust_after_resume(call->d, a);
		if (a->trust != before) {
			json_object_object_add(detail, "trust_before", json_object_new_double(before));
			json_object_object_add(detail, "trust", json_object_new_double(a->trust));
		}
	} else if (strcmp(m, "agent.set_budget") == 0) {
		int64_t start;

		a->token_budget = p.token_budget;
		if (p.has_period && (enum budget_period)p.budget_period != a->budget_period) {
			/* Usage kept per day cannot be split into weeks: a new period counts afresh. */
			a->budget_period = (enum budget_period)p.budget_period;
			start = budget_period_start(a->budget_period, now);
			a->period_start_us = start;
			a->tokens_used = 0;
			a->cost_used = 0;
		}
		json_object_object_add(detail, "token_budget",
				       a->token_budget ? json_object_new_int64((int64_t)a->token_budget)
						       : NULL);
		json_object_object_add(detail, "budget_period",
				       json_object_new_string(budget_period_name(a->budget_period)));
	} else { /* agent.rotate_token */
		token_new(&call->d->agents, token, a->token_hash);
		a->token_created_us = now;
		a->token_expires_us = after_seconds(now, p.token_expires_in_s);
	}
	a->updated_us = now;
	a->version = agent_next_version();
	agent_commit(call, m, a->id, a, token[0] ? token : NULL, detail);
	sodium_memzero(token, sizeof token);
}

static void
agent_delete(struct call *call)
{
	struct json_object *detail;
	struct agent_params p;
	struct agent *a;

	/* The agent's audit rows stay: they name it by id, not by a key. */
	if (!agent_prepare(call, &p, &a))
		return;
	detail = detail_new(a);
	registry_remove(&call->d->agents, p.id);
	agent_commit(call, "agent.delete", p.id, NULL, NULL, detail);
}

static const struct param_spec id_params[] = {
	{ "id", json_type_string, true },
	{ NULL, json_type_null, false },
};

static const struct param_spec register_params[] = {
	{ "id", json_type_string, true },
	{ "role", json_type_string, true },
	{ "permissions", json_type_array, false },
	{ "description", json_type_string, false },
	{ "expires_in", json_type_int, false },
	{ "token_expires_in", json_type_int, false },
	{ "token_budget", json_type_int, false },
	{ "budget_period", json_type_string, false },
	{ NULL, json_type_null, false },
};

static const struct param_spec budget_params[] = {
	{ "id", json_type_string, true },
	{ "token_budget", json_type_int, true },
	{ "budget_period", json_type_string, false },
	{ NULL, json_type_null, false },
};

static const struct param_spec permission_params[] = {
	{ "id", json_type_string, true },
	{ "permissions", json_type_array, true },
	{ NULL, json_type_null, false },
};

static const struct param_spec suspend_params[] = {
	{ "id", json_type_string, true },
	{ "reason", json_type_string, false },
	{ NULL, json_type_null, false },
};

static const struct param_spec rotate_params[] = {
	{ "id", json_type_string, true },
	{ "token_expires_in", json_type_int, false },
	{ NULL, json_type_null, false },
};

const struct method agent_methods[] = {
	{ "agent.register", CALLER_ADMIN, register_params, agent_register },
	{ "agent.list", CALLER_ADMIN, NULL, agent_list },
	{ "agent.show", CALLER_ADMIN, id_params, agent_show },
	{ "agent.grant", CALLER_ADMIN, permission_params, agent_modify },
	{ "agent.revoke", CALLER_ADMIN, permission_params, agent_modify },
	{ "agent.suspend", CALLER_ADMIN, suspend_params, agent_modify },
	{ "agent.resume", CALLER_ADMIN, id_params, agent_modify },
	{ "agent.rotate_token", CALLER_ADMIN, rotate_params, agent_modify },
	{ "agent.set_budget", CALLER_ADMIN, budget_params, agent_modify },
	{ "agent.delete", CALLER_ADMIN, id_params, agent_delete },
	{ NULL, CALLER_ANY, NULL, NULL },
};
