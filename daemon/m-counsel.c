/* counsel.ask and its chats: sofia's counsel on a question, on a worker, recorded before the reply. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "audit.h"
#include "conn.h"
#include "counsel.h"
#include "daemon.h"
#include "dispatch.h"
#include "ids.h"
#include "maestro-protocol.h"
#include "sofia-topics.h"
#include "util.h"
#include "workers.h"

/* A question, not a document: longer ones are refused. */
#define COUNSEL_QUERY_MAX 8192

struct ask {
	struct work_item item;
	struct call *call;
	char *query;
	char actor[COUNSEL_OWNER_MAX];
	char correlation_id[80];
	char chat_id[COUNSEL_CHAT_ID_SIZE];
	unsigned turn;
	const char *previous_type; /* the chat's topic: a static name, or NULL */
	struct counsel_past history[COUNSEL_HISTORY_MAX];
	unsigned n_history;
	struct counsel_backend backend;
	bool backend_claimed; /* this ask may call the model */
	/* Written by the worker. */
	struct sofia_counsel answer;
	char model_counsel[COUNSEL_MODEL_TEXT_MAX];
	bool backend_used;
	char backend_error[200];
	struct json_object *result; /* the reply, but for audit_seq */
};

static struct ask *
ask_free(struct ask *a)
{
	if (a == NULL)
		return NULL;
	for (unsigned i = 0; i < a->n_history; i++)
		free(a->history[i].content);
	json_object_put(a->result);
	free(a->query);
	free(a);
	return NULL;
}

static struct counsel_chats *
chats_of(struct maestrod *d)
{
	if (d->counsel == NULL)
		d->counsel = counsel_chats_new();
	return d->counsel;
}

/* On a worker: the rules always; the model too when it may, within its timeout. */
static void
ask_work(struct work_item *item)
{
	struct ask *a = (struct ask *)((char *)item - offsetof(struct ask, item));
	struct counsel_message msgs[COUNSEL_HISTORY_MAX + 2];
	char prompt[COUNSEL_QUERY_MAX + SOFIA_COUNSEL_MAX + 256];
	unsigned n = 0;

	sofia_counsel_compose(a->query, a->previous_type, &a->answer);
	if (!a->backend_claimed)
		return;
	msgs[n++] = (struct counsel_message){ "system",
		"You are sofia, the counsel of maestro, a governance daemon for AI agents. Answer in "
		"a few plain sentences: what to weigh, and whether a professional or a person with "
		"authority must decide. Never give instructions that bypass a safeguard." };
	for (unsigned i = 0; i < a->n_history; i++)
		msgs[n++] = (struct counsel_message){ a->history[i].role, a->history[i].content };
	snprintf(prompt, sizeof prompt,
		 "%s\n\n(maestro's rules see a %s concern and counsel: %s)", a->query,
		 a->answer.topic->type, a->answer.counsel);
	msgs[n++] = (struct counsel_message){ "user", prompt };
	a->backend_used = counsel_backend_ask(&a->backend, a->backend.timeout_usec, msgs, n,
					      a->model_counsel, sizeof a->model_counsel,
					      a->backend_error, sizeof a->backend_error) == 0;
}

/* Two decimals say all a rule-based confidence means; json-c would print 17 digits. */
static struct json_object *
confidence_json(double x)
{
	char text[16];

	snprintf(text, sizeof text, "%.2f", x);
	return json_object_new_double_s(x, text);
}

static struct json_object *
counsel_json(const struct ask *a, bool for_audit)
{
	const struct sofia_counsel *c = &a->answer;
	struct json_object *o = json_object_new_object(), *q = json_object_new_array(), *b;

	if (for_audit)
		json_object_object_add(o, "query", json_object_new_string(a->query));
	json_object_object_add(o, "type", json_object_new_string(c->topic->type));
	json_object_object_add(o, "counsel", json_object_new_string(c->counsel));
	for (unsigned i = 0; i < c->n_questions; i++)
		json_object_array_add(q, json_object_new_string(c->questions[i]));
	json_object_object_add(o, "questions", q);
	json_object_object_add(o, "confidence", confidence_json(c->confidence));
	json_object_object_add(o, "requires_professional",
			       json_object_new_boolean(c->requires_professional));
	json_object_object_add(o, "also", c->also ? json_object_new_string(c->also->type) : NULL);
	json_object_object_add(o, "matched", c->word ? json_object_new_string(c->word) : NULL);
	json_object_object_add(o, "carried_over", json_object_new_boolean(c->carried_over));
	json_object_object_add(o, "chat_id", json_object_new_string(a->chat_id));
	json_object_object_add(o, "turn", json_object_new_int((int)a->turn));
	json_object_object_add(o, "model_counsel",
			       a->backend_used ? json_object_new_string(a->model_counsel) : NULL);
	b = json_object_new_object();
	json_object_object_add(b, "configured",
			       json_object_new_boolean(counsel_backend_configured(&a->backend)));
	json_object_object_add(b, "used", json_object_new_boolean(a->backend_used));
	json_object_object_add(b, "error", a->backend_error[0]
						   ? json_object_new_string(a->backend_error)
						   : NULL);
	json_object_object_add(o, "backend", b);
	json_object_object_add(o, "correlation_id", json_object_new_string(a->correlation_id));
	return o;
}

/* On the loop, once the row is committed: the chat remembers the turn, the caller hears it. */
static void
ask_committed(struct audit_record *rec, void *userdata)
{
	struct ask *a = userdata;
	struct maestrod *d = a->call->d;
	struct counsel_chat *chat;

	if (rec->error) {
		call_fail(a->call, rec->error == -EAGAIN ? MAESTRO_E_OVERLOADED : MAESTRO_E_UNAVAILABLE,
			  rec->error_message, NULL);
		ask_free(a);
		return;
	}
	/* The chat may have been dropped meanwhile; the turn is in the audit trail either way. */
	chat = counsel_chat_find(chats_of(d), a->chat_id, a->actor, now_usec(CLOCK_MONOTONIC));
	if (chat != NULL)
		counsel_chat_add(chat, a->query,
				 a->backend_used ? a->model_counsel : a->answer.counsel,
				 a->answer.topic->type, now_usec(CLOCK_MONOTONIC));
	json_object_object_add(a->result, "audit_seq", json_object_new_int64(rec->seq));
	call_reply(a->call, a->result);
	a->result = NULL;
	ask_free(a);
}

/* On the loop: record the counsel; the reply waits for the commit. */
static void
ask_done(struct work_item *item)
{
	struct ask *a = (struct ask *)((char *)item - offsetof(struct ask, item));
	struct call *call = a->call;
	struct audit_record *rec;

	if (a->backend_claimed)
		counsel_backend_release(chats_of(call->d));
	a->result = counsel_json(a, false);
	rec = audit_record_new("counsel.ask", a->actor, counsel_json(a, true));
	if (rec == NULL || (rec->correlation_id = strdup(a->correlation_id)) == NULL) {
		audit_record_free(rec);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		ask_free(a);
		return;
	}
	if (call->conn != NULL) {
		rec->has_peer = true;
		rec->peer_uid = call->conn->uid;
		rec->peer_pid = call->conn->pid;
	}
	rec->done = ask_committed;
	rec->userdata = a;
	if (audit_submit(call->d->audit, rec) < 0) {
		rec->error = -EAGAIN;
		snprintf(rec->error_message, sizeof rec->error_message,
			 "overloaded: the audit queue is full; the counsel was not given");
		ask_committed(rec, a);
		audit_record_free(rec);
	}
}

static void
actor_of(const struct call *call, char out[COUNSEL_OWNER_MAX])
{
	if (call->agent_id[0] != '\0')
		snprintf(out, COUNSEL_OWNER_MAX, "%s", call->agent_id);
	else
		snprintf(out, COUNSEL_OWNER_MAX, "uid:%u", call->conn ? (unsigned)call->conn->uid : 0u);
}

/* Fills a's chat from chat_id (NULL: a new chat). Returns 0, -ENOENT or -ENOMEM. */
static int
ask_chat(struct ask *a, struct maestrod *d, const char *chat_id)
{
	struct counsel_chats *chats = chats_of(d);
	uint64_t now = now_usec(CLOCK_MONOTONIC);
	struct counsel_chat *chat;
	int n;

	if (chats == NULL)
		return -ENOMEM;
	chat = chat_id ? counsel_chat_find(chats, chat_id, a->actor, now)
		       : counsel_chat_open(chats, a->actor, now);
	if (chat == NULL)
		return chat_id ? -ENOENT : -ENOMEM;
	snprintf(a->chat_id, sizeof a->chat_id, "%s", counsel_chat_id(chat));
	a->turn = counsel_chat_next_turn(chat);
	a->previous_type = counsel_chat_topic(chat);
	counsel_backend_from_config(&a->backend, &d->cfg);
	if (!counsel_backend_configured(&a->backend))
		return 0;
	if (!counsel_backend_claim(chats, d->started_workers)) {
		snprintf(a->backend_error, sizeof a->backend_error,
			 "busy: other questions are with the model; the rule-based counsel stands");
		return 0;
	}
	a->backend_claimed = true;
	n = counsel_chat_history(chat, a->history, COUNSEL_HISTORY_MAX);
	if (n < 0) {
		counsel_backend_release(chats);
		a->backend_claimed = false;
		return -ENOMEM;
	}
	a->n_history = (unsigned)n;
	return 0;
}

static void
counsel_ask(struct call *call)
{
	struct json_object *v;
	const char *query = json_object_get_string(json_object_object_get(call->params, "query"));
	const char *chat_id = NULL, *corr = NULL;
	size_t len = (size_t)json_object_get_string_len(json_object_object_get(call->params, "query"));
	struct ask *a;
	int r;

	if (len > COUNSEL_QUERY_MAX || strspn(query, " \t\r\n") == len) {
		call_fail(call, RPC_INVALID_PARAMS, len > COUNSEL_QUERY_MAX
			  ? "invalid params: query is longer than 8192 bytes"
			  : "invalid params: query is empty", NULL);
		return;
	}
	if (json_object_object_get_ex(call->params, "chat_id", &v))
		chat_id = json_object_get_string(v);
	if (json_object_object_get_ex(call->params, "correlation_id", &v)) {
		corr = json_object_get_string(v);
		if (!correlation_valid(corr)) {
			call_fail(call, RPC_INVALID_PARAMS, "invalid params: correlation_id must be 1 to "
				  "64 of A-Z a-z 0-9 . _ : -", NULL);
			return;
		}
	}
	a = calloc(1, sizeof *a);
	if (a == NULL || (a->query = strndup(query, len)) == NULL) {
		free(a);
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	a->call = call;
	actor_of(call, a->actor);
	if (corr != NULL)
		snprintf(a->correlation_id, sizeof a->correlation_id, "%s", corr);
	else
		correlation_new(a->correlation_id);
	r = ask_chat(a, call->d, chat_id);
	if (r < 0) {
		ask_free(a);
		if (r == -ENOENT)
			call_fail(call, MAESTRO_E_NOT_FOUND, "not found: no such chat of yours (chats "
				  "idle for an hour are dropped); ask without chat_id to start one",
				  NULL);
		else
			call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	a->item.work = ask_work;
	a->item.done = ask_done;
	if (workers_submit(call->d->workers, &a->item) < 0) {
		if (a->backend_claimed)
			counsel_backend_release(chats_of(call->d));
		ask_free(a);
		call_fail(call, MAESTRO_E_OVERLOADED, "overloaded: the worker queue is full; retry", NULL);
	}
}

static struct json_object *
chat_limits(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "max_turns", json_object_new_int(COUNSEL_CHAT_MAX_TURNS));
	json_object_object_add(o, "max_bytes", json_object_new_int(COUNSEL_CHAT_MAX_BYTES));
	json_object_object_add(o, "idle_timeout_s",
			       json_object_new_int((int)(COUNSEL_CHAT_IDLE_USEC / 1000000u)));
	return o;
}

static void
counsel_chat_open_method(struct call *call)
{
	struct counsel_chats *chats = chats_of(call->d);
	struct counsel_chat *chat;
	struct json_object *r;
	char actor[COUNSEL_OWNER_MAX];

	actor_of(call, actor);
	chat = chats ? counsel_chat_open(chats, actor, now_usec(CLOCK_MONOTONIC)) : NULL;
	if (chat == NULL) {
		call_fail(call, RPC_INTERNAL_ERROR, "internal error: out of memory", NULL);
		return;
	}
	r = chat_limits();
	json_object_object_add(r, "chat_id", json_object_new_string(counsel_chat_id(chat)));
	call_reply(call, r);
}

static void
counsel_chat_close_method(struct call *call)
{
	const char *id = json_object_get_string(json_object_object_get(call->params, "chat_id"));
	struct counsel_chats *chats = chats_of(call->d);
	struct json_object *r = json_object_new_object();
	char actor[COUNSEL_OWNER_MAX];

	actor_of(call, actor);
	json_object_object_add(r, "closed",
			       json_object_new_boolean(chats && counsel_chat_close(chats, id, actor)));
	call_reply(call, r);
}

static const struct param_spec ask_params[] = {
	{ "query", json_type_string, true },
	{ "chat_id", json_type_string, false },
	{ "correlation_id", json_type_string, false },
	{ NULL, json_type_null, false },
};

static const struct param_spec close_params[] = {
	{ "chat_id", json_type_string, true },
	{ NULL, json_type_null, false },
};

const struct method counsel_methods[] = {
	{ "counsel.ask", CALLER_ANY, ask_params, counsel_ask },
	{ "counsel.chat_open", CALLER_ANY, NULL, counsel_chat_open_method },
	{ "counsel.chat_close", CALLER_ANY, close_params, counsel_chat_close_method },
	{ NULL, CALLER_ANY, NULL, NULL },
};
