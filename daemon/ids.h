/* Ids maestrod makes and checks: correlation ids, and the time prefix they share with traces. */
#ifndef MAESTRO_IDS_H
#define MAESTRO_IDS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The first six bytes of an id that grows with time, as UUIDv7 does: the
 * milliseconds since the epoch, big-endian. Tables keyed or indexed by such
 * ids (the audit trail's correlation index, traces) append at the end of
 * their B-tree, where random ids would dirty a page apiece.
 */
void id_time_prefix(uint8_t out[6], uint64_t now_us);

/* A new correlation id: 32 hex digits, the time prefix and 80 random bits. */
void correlation_new(char out[33]);

/* What a client may choose as one: 1 to 64 of A-Z a-z 0-9 . _ : - */
bool correlation_valid(const char *s);

#endif
