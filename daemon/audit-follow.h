/* audit.follow: connections that receive each committed audit row as it happens. */
#ifndef MAESTRO_AUDIT_FOLLOW_H
#define MAESTRO_AUDIT_FOLLOW_H

#include <stdint.h>

#include "audit-query.h"

struct audit;
struct conn;
struct audit_follow;

/*
 * A follower whose output waits past this many bytes misses rows until it
 * has read its output down to half of it; it is then told how many it
 * missed with one audit.dropped notification. A follower that does not
 * read costs at most this much memory and never slows a decision.
 */
#define AUDIT_FOLLOW_OUTPUT_MAX (256u * 1024)

/*
 * Sets up following and observes a's committed rows. last_seq is the
 * highest seq already in the store, the one before the first row a
 * follower can be sent. Loop thread only, like everything here.
 */
int audit_follow_start(struct audit *a, int64_t last_seq, struct audit_follow **out);
/* After every connection is gone. Accepts NULL; returns NULL. */
struct audit_follow *audit_follow_free(struct audit_follow *af);

/*
 * Makes c a follower of the rows that pass filter (taken over), replacing
 * the filter it followed with before. *from_seq is the first seq it will
 * be sent. Returns 0 or -ENOMEM (filter is then cleared).
 */
int audit_follow_add(struct audit_follow *af, struct conn *c, struct audit_filter *filter,
		     int64_t *from_seq);

/* Stops following for c; returns whether it was following. */
bool audit_follow_remove(struct audit_follow *af, struct conn *c);

/* For the connection: its output drained (a write completed); owed notices go out. */
void audit_follow_drained(struct audit_follow *af, struct conn *c);

#endif
