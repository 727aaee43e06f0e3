/* counsel.ask's chats: turns in memory, bounded per chat and in number, dropped when idle. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "counsel.h"

struct turn {
	char *query;
	char *answer;
};

struct counsel_chat {
	char id[COUNSEL_CHAT_ID_SIZE];
	char owner[COUNSEL_OWNER_MAX];
	struct turn turns[COUNSEL_CHAT_MAX_TURNS]; /* oldest first */
	unsigned n_turns;
	unsigned next_turn;
	size_t bytes;
	const char *topic; /* a static topic name, or NULL */
	uint64_t used_usec;
};

struct counsel_chats {
	struct counsel_chat *chats[COUNSEL_CHATS_MAX];
	unsigned n;
	unsigned backend_busy;
};

struct counsel_chats *
counsel_chats_new(void)
{
	return calloc(1, sizeof(struct counsel_chats));
}

static void
chat_free(struct counsel_chat *chat)
{
	for (unsigned i = 0; i < chat->n_turns; i++) {
		free(chat->turns[i].query);
		free(chat->turns[i].answer);
	}
	free(chat);
}

/* Removes the chat at index i; the last one takes its place. */
static void
chats_remove(struct counsel_chats *chats, unsigned i)
{
	chat_free(chats->chats[i]);
	chats->chats[i] = chats->chats[--chats->n];
	chats->chats[chats->n] = NULL;
}

struct counsel_chats *
counsel_chats_free(struct counsel_chats *chats)
{
	if (chats == NULL)
		return NULL;
	while (chats->n > 0)
		chats_remove(chats, chats->n - 1);
	free(chats);
	return NULL;
}

/* Idle chats go when they are next looked at: no timer needed. */
static void
chats_expire(struct counsel_chats *chats, uint64_t now)
{
	for (unsigned i = chats->n; i-- > 0;)
		if (now - chats->chats[i]->used_usec >= COUNSEL_CHAT_IDLE_USEC)
			chats_remove(chats, i);
}

struct counsel_chat *
counsel_chat_open(struct counsel_chats *chats, const char *owner, uint64_t now)
{
	struct counsel_chat *chat;
	unsigned char raw[16];

	chats_expire(chats, now);
	if (chats->n == COUNSEL_CHATS_MAX) {
		unsigned oldest = 0;

		for (unsigned i = 1; i < chats->n; i++)
			if (chats->chats[i]->used_usec < chats->chats[oldest]->used_usec)
				oldest = i;
		chats_remove(chats, oldest);
	}
	chat = calloc(1, sizeof *chat);
	if (chat == NULL)
		return NULL;
	/* Unguessable: a chat id is a capability to read the chat's context. */
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(chat->id, sizeof chat->id, raw, sizeof raw);
	snprintf(chat->owner, sizeof chat->owner, "%s", owner);
	chat->next_turn = 1;
	chat->used_usec = now;
	chats->chats[chats->n++] = chat;
	return chat;
}

struct counsel_chat *
counsel_chat_find(struct counsel_chats *chats, const char *id, const char *owner, uint64_t now)
{
	chats_expire(chats, now);
	for (unsigned i = 0; i < chats->n; i++)
		if (strcmp(chats->chats[i]->id, id) == 0) {
			if (strcmp(chats->chats[i]->owner, owner) != 0)
				return NULL;
			chats->chats[i]->used_usec = now;
			return chats->chats[i];
		}
	return NULL;
}

bool
counsel_chat_close(struct counsel_chats *chats, const char *id, const char *owner)
{
	for (unsigned i = 0; i < chats->n; i++)
		if (strcmp(chats->chats[i]->id, id) == 0 && strcmp(chats->chats[i]->owner, owner) == 0) {
			chats_remove(chats, i);
			return true;
		}
	return false;
}

unsigned
counsel_chats_count(struct counsel_chats *chats, uint64_t now)
{
	chats_expire(chats, now);
	return chats->n;
}

const char *
counsel_chat_id(const struct counsel_chat *chat)
{
	return chat->id;
}

const char *
counsel_chat_topic(const struct counsel_chat *chat)
{
	return chat->topic;
}

unsigned
counsel_chat_next_turn(struct counsel_chat *chat)
{
	return chat->next_turn++;
}

static void
forget_oldest(struct counsel_chat *chat)
{
	chat->bytes -= strlen(chat->turns[0].query) + strlen(chat->turns[0].answer);
	free(chat->turns[0].query);
	free(chat->turns[0].answer);
	memmove(&chat->turns[0], &chat->turns[1], (chat->n_turns - 1) * sizeof chat->turns[0]);
	chat->n_turns--;
}

int
counsel_chat_add(struct counsel_chat *chat, const char *query, const char *answer,
		 const char *type, uint64_t now)
{
	size_t qlen = strnlen(query, COUNSEL_CHAT_MAX_BYTES / 2);
	size_t alen = strnlen(answer, COUNSEL_CHAT_MAX_BYTES / 2);
	struct turn t;

	/* One turn never takes more than half the chat's room: it is cut instead. */
	t.query = strndup(query, qlen);
	t.answer = strndup(answer, alen);
	if (t.query == NULL || t.answer == NULL) {
		free(t.query);
		free(t.answer);
		return -ENOMEM;
	}
	while (chat->n_turns > 0 && (chat->n_turns == COUNSEL_CHAT_MAX_TURNS ||
				     chat->bytes + qlen + alen > COUNSEL_CHAT_MAX_BYTES))
		forget_oldest(chat);
	chat->turns[chat->n_turns++] = t;
	chat->bytes += qlen + alen;
	if (type != NULL && strcmp(type, "general") != 0)
		chat->topic = type;
	chat->used_usec = now;
	return 0;
}

int
counsel_chat_history(const struct counsel_chat *chat, struct counsel_past *msgs, unsigned max)
{
	unsigned from = chat->n_turns > max / 2 ? chat->n_turns - max / 2 : 0, n = 0;

	for (unsigned i = from; i < chat->n_turns; i++) {
		char *q = strdup(chat->turns[i].query), *a = strdup(chat->turns[i].answer);

		if (q == NULL || a == NULL) {
			free(q);
			free(a);
			while (n > 0)
				free(msgs[--n].content);
			return -ENOMEM;
		}
		msgs[n++] = (struct counsel_past){ "user", q };
		msgs[n++] = (struct counsel_past){ "assistant", a };
	}
	return (int)n;
}

bool
counsel_backend_claim(struct counsel_chats *chats, unsigned workers)
{
	/* Half the workers at most: governance decisions need the rest. */
	unsigned max = workers / 2 > 0 ? workers / 2 : 1;

	if (chats->backend_busy >= max)
		return false;
	chats->backend_busy++;
	return true;
}

void
counsel_backend_release(struct counsel_chats *chats)
{
	if (chats->backend_busy > 0)
		chats->backend_busy--;
}
