/* Sessions: which agent a connection or a call speaks for, and proving it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "audit.h"
#include "conn.h"
#include "daemon.h"
#include "log.h"
#include "session.h"
#include "util.h"

/* Whether the agent may act now; checked at hello and on every later call. */
static bool
agent_usable(const struct agent *a, char *msg, size_t size)
{
	int64_t now = (int64_t)now_usec(CLOCK_REALTIME);

	if (a->status == AGENT_SUSPENDED) {
		snprintf(msg, size, "agent %s is suspended%s%s", a->id,
			 a->suspend_reason ? ": " : "", a->suspend_reason ? a->suspend_reason : "");
		return false;
	}
	if (a->expires_us && now >= a->expires_us) {
		snprintf(msg, size, "agent %s expired", a->id);
		return false;
	}
	if (a->token_expires_us && now >= a->token_expires_us) {
		snprintf(msg, size, "the token of agent %s expired; rotate it", a->id);
		return false;
	}
	return true;
}

struct agent *
session_authenticate(struct maestrod *d, const char *id, const char *token, char *msg,
		     size_t size)
{
	struct agent *a = id && agent_id_valid(id) ? registry_find(&d->agents, id) : NULL;

	switch (token_verify(&d->agents, a, token ? token : "")) {
	case TOKEN_OK:
		break;
	case TOKEN_OTHER_INSTANCE:
		snprintf(msg, size, "the token was issued by another maestrod instance");
		return NULL;
	case TOKEN_MALFORMED:
		snprintf(msg, size, "the token is malformed (a maestro token is mst_, 8 hex digits, _ and 43 more characters)");
		return NULL;
	case TOKEN_MISMATCH:
	default:
		snprintf(msg, size, "unknown agent or wrong token");
		return NULL;
	}
	return agent_usable(a, msg, size) ? a : NULL;
}

struct agent *
session_agent(struct maestrod *d, struct conn *c, char *msg, size_t size)
{
	struct agent *a = registry_find(&d->agents, c->agent_id);

	if (a == NULL) {
		snprintf(msg, size, "agent %s no longer exists", c->agent_id);
		return NULL;
	}
	if (a->token_created_us != c->agent_token_created_us) {
		snprintf(msg, size, "the token of agent %s was rotated; say hello again", a->id);
		return NULL;
	}
	return agent_usable(a, msg, size) ? a : NULL;
}

void
session_bind(struct conn *c, const struct agent *a)
{
	snprintf(c->agent_id, sizeof c->agent_id, "%s", a->id);
	c->agent_token_created_us = a->token_created_us;
	session_succeeded(c);
}

void
session_succeeded(struct conn *c)
{
	c->failed_auth = 0;
}

bool
session_failed(struct maestrod *d, struct conn *c, const char *agent, const char *method,
	       const char *reason)
{
	struct json_object *detail = json_object_new_object();
	struct audit_record *rec;
	char f_uid[48], f_pid[48], actor[32];
	const char *fields[] = { f_uid, f_pid, NULL };

	snprintf(f_uid, sizeof f_uid, "MAESTRO_PEER_UID=%u", (unsigned)c->uid);
	snprintf(f_pid, sizeof f_pid, "MAESTRO_PEER_PID=%d", (int)c->pid);
	log_fields(LOG_WARNING, fields, "authentication failed for agent %.64s from uid %u pid %d: %s",
		   agent ? agent : "?", (unsigned)c->uid, (int)c->pid, reason);

	json_object_object_add(detail, "agent", agent ? json_object_new_string(agent) : NULL);
	json_object_object_add(detail, "method", json_object_new_string(method));
	json_object_object_add(detail, "reason", json_object_new_string(reason));
	/* The actor is who the kernel says connected, never the name the client claimed. */
	snprintf(actor, sizeof actor, "uid:%u", (unsigned)c->uid);
	rec = audit_record_new("session.auth_failed", actor, detail);
	if (rec != NULL) {
		rec->has_peer = true;
		rec->peer_uid = c->uid;
		rec->peer_pid = c->pid;
	}
	if (rec == NULL || audit_submit(d->audit, rec) < 0) {
		log_warning("could not record a failed authentication in the audit trail");
		audit_record_free(rec);
	}
	return ++c->failed_auth >= SESSION_MAX_FAILURES;
}
