/* The audit writer's side of the chain: its head, checkpoints and retention. */
#ifndef MAESTRO_AUDIT_HEAD_H
#define MAESTRO_AUDIT_HEAD_H

#include <stdbool.h>
#include <stdint.h>

#include "audit-chain.h"

struct sqlite3;
struct sqlite3_stmt;
struct audit_record;

/* Writer thread only, once the writer runs. */
struct audit_head {
	struct sqlite3 *db;
	int64_t seq; /* the last row's, so the next row is seq + 1 */
	char hash[AUDIT_HASH_HEX_SIZE];
	int64_t checkpoint_seq; /* the newest checkpoint's */
	/* As they were at the batch's BEGIN, for a batch that rolls back. */
	int64_t saved_seq, saved_checkpoint_seq;
	char saved_hash[AUDIT_HASH_HEX_SIZE];
	bool signing; /* false for a database without a file (tests) */
	unsigned char sk[64];
	char public_key[AUDIT_PUBLIC_KEY_HEX_LEN + 1];
	/* Settings, copied from the audit's under its lock (0: off). */
	unsigned checkpoint_every;
	int64_t max_rows;
	int64_t max_age_usec;
};

/*
 * Loads the signing key and the head (the last row, else the retention
 * anchor), and chains the rows written before the chain existed. Returns
 * 0 or a negative errno with a sentence in msg.
 */
int audit_head_open(struct audit_head *h, struct sqlite3 *db, char *msg, size_t size);
void audit_head_close(struct audit_head *h);

/* Around a batch's transaction: remember the head, or go back to it. */
void audit_head_begin(struct audit_head *h);
void audit_head_rollback(struct audit_head *h);

/*
 * Gives rec its seq and fills prev and hash for its insert; the head moves
 * on only with audit_head_advance() once the insert succeeded.
 */
void audit_head_link(const struct audit_head *h, struct audit_record *rec,
		     char hash[AUDIT_HASH_HEX_SIZE]);
void audit_head_advance(struct audit_head *h, int64_t seq, const char *hash);

/* Inside the batch's transaction: a checkpoint when checkpoint_every rows have passed. */
int audit_head_checkpoint_due(struct audit_head *h);
/* In a transaction of its own, when the head has moved since the last one (shutdown). */
int audit_head_checkpoint_now(struct audit_head *h);

/*
 * Prunes at most one small batch of rows past audit_max_rows or
 * audit_max_age, in a transaction of its own, moving the anchor. Returns
 * 1 when it pruned (there may be more), 0 when there was nothing to do,
 * or a negative errno.
 */
int audit_head_prune(struct audit_head *h);

#endif
