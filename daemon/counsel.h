/* counsel.ask's chats: each chat's turns kept in memory, bounded, on the loop thread only. */
#ifndef MAESTRO_COUNSEL_H
#define MAESTRO_COUNSEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counsel-backend.h"

/* The bounds, documented in maestrod(8). */
#define COUNSEL_CHAT_MAX_TURNS 50	      /* turns kept per chat; older ones are forgotten */
#define COUNSEL_CHAT_MAX_BYTES (64 * 1024)    /* text kept per chat; likewise */
#define COUNSEL_CHATS_MAX 256		      /* chats at once; the least recently used goes */
#define COUNSEL_CHAT_IDLE_USEC (3600ull * 1000000u) /* a chat idle this long is dropped */
#define COUNSEL_CHAT_ID_SIZE 33		      /* 32 hex digits */
#define COUNSEL_OWNER_MAX 80
/* Turns of a chat sent to the model as context, newest last. */
#define COUNSEL_HISTORY_MAX 6

struct counsel_chats;
struct counsel_chat;

struct counsel_chats *counsel_chats_new(void);
struct counsel_chats *counsel_chats_free(struct counsel_chats *chats);

/*
 * A new chat of owner (the actor: "uid:1000" or an agent id), or NULL
 * when out of memory. Drops idle chats first, then the least recently
 * used one when all COUNSEL_CHATS_MAX are taken.
 */
struct counsel_chat *counsel_chat_open(struct counsel_chats *chats, const char *owner,
				       uint64_t now_usec);

/*
 * The chat id of owner, or NULL: unknown, dropped, or someone else's (the
 * two are not told apart, so that chat ids cannot be probed).
 */
struct counsel_chat *counsel_chat_find(struct counsel_chats *chats, const char *id,
				       const char *owner, uint64_t now_usec);
bool counsel_chat_close(struct counsel_chats *chats, const char *id, const char *owner);
unsigned counsel_chats_count(struct counsel_chats *chats, uint64_t now_usec);

const char *counsel_chat_id(const struct counsel_chat *chat);
/* The topic the chat has been about (its last specific one), or NULL. */
const char *counsel_chat_topic(const struct counsel_chat *chat);
/* Numbers the next turn (from 1). */
unsigned counsel_chat_next_turn(struct counsel_chat *chat);

/* Keeps a turn, forgetting the oldest past the bounds. 0 or -ENOMEM. */
int counsel_chat_add(struct counsel_chat *chat, const char *query, const char *answer,
		     const char *type, uint64_t now_usec);

/* One message of a chat's past, owned by whoever asked for it. */
struct counsel_past {
	const char *role; /* "user" or "assistant" */
	char *content;
};

/*
 * Copies the chat's last turns as messages for the model (user, then
 * assistant, newest last) into past, at most max entries; the caller
 * frees each content. Returns how many, or -ENOMEM.
 */
int counsel_chat_history(const struct counsel_chat *chat, struct counsel_past *past,
			 unsigned max);

/* Model calls running for counsel.ask, so that they never take every worker. */
bool counsel_backend_claim(struct counsel_chats *chats, unsigned workers);
void counsel_backend_release(struct counsel_chats *chats);

#endif
