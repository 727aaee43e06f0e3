/* The audit hash chain: canonical encoding, hashes, signed checkpoints, keys. */
#ifndef MAESTRO_AUDIT_CHAIN_H
#define MAESTRO_AUDIT_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lowercase hex SHA-256; the arrays below hold it and its NUL. */
#define AUDIT_HASH_HEX_LEN 64
#define AUDIT_HASH_HEX_SIZE (AUDIT_HASH_HEX_LEN + 1)
/* The prev_hash of the first row ever written: 64 zeros. */
#define AUDIT_CHAIN_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Ed25519 as lowercase hex: a public key and a detached signature. */
#define AUDIT_PUBLIC_KEY_HEX_LEN 64
#define AUDIT_SIGNATURE_HEX_LEN 128

/* The one line of audit-signing.pub: this prefix, the key in hex, "\n". */
#define AUDIT_PUBLIC_KEY_PREFIX "maestro-audit-ed25519 "
#define AUDIT_SECRET_KEY_PREFIX "maestro-audit-ed25519-secret "

/* The fields a row's hash covers, in the order they are encoded (maestro-audit(7)). */
enum audit_chain_index {
	AUDIT_CHAIN_SEQ,
	AUDIT_CHAIN_TIME_US,
	AUDIT_CHAIN_EVENT,
	AUDIT_CHAIN_ACTOR,
	AUDIT_CHAIN_PEER_UID,
	AUDIT_CHAIN_PEER_PID,
	AUDIT_CHAIN_CORRELATION_ID,
	AUDIT_CHAIN_DETAIL,
	AUDIT_CHAIN_PREV_HASH,
	AUDIT_CHAIN_NFIELDS,
};

/* The tag byte of an encoded field: SQLite's own storage classes. */
enum audit_chain_type {
	AUDIT_CHAIN_NULL = 0,
	AUDIT_CHAIN_INT = 1,
	AUDIT_CHAIN_TEXT = 2,
	AUDIT_CHAIN_OTHER = 3, /* a REAL or BLOB: never written, so always a change */
};

struct audit_chain_field {
	enum audit_chain_type type;
	int64_t i;
	const char *s; /* not NUL-terminated necessarily: len says */
	size_t len;
};

static inline struct audit_chain_field
audit_chain_int(int64_t i)
{
	return (struct audit_chain_field){ .type = AUDIT_CHAIN_INT, .i = i };
}

/* NULL text is SQL NULL, which encodes differently from "". */
struct audit_chain_field audit_chain_text(const char *s);

/*
 * Writes the canonical encoding of a row into buf (when size allows) and
 * returns its length either way. The hash does not need it (it hashes the
 * same bytes piecewise); tests and readers of the man page do.
 */
size_t audit_chain_encode(const struct audit_chain_field f[AUDIT_CHAIN_NFIELDS],
			  unsigned char *buf, size_t size);

/* hex = lowercase hex SHA-256 of the canonical encoding. */
void audit_chain_hash(const struct audit_chain_field f[AUDIT_CHAIN_NFIELDS],
		      char hex[AUDIT_HASH_HEX_SIZE]);

/*
 * The columns of a row in the order of the fields, then its stored hash;
 * audit_chain_from_row() reads them from a statement that selected them
 * first. The field texts point into st: valid until its next step.
 */
#define AUDIT_CHAIN_COLUMNS \
	"seq, time_us, event, actor, peer_uid, peer_pid, correlation_id, detail, prev_hash, hash"
struct sqlite3_stmt;
void audit_chain_from_row(struct sqlite3_stmt *st, struct audit_chain_field f[AUDIT_CHAIN_NFIELDS]);

/* Whether s is exactly len lowercase hex digits (what the chain stores). */
bool audit_chain_is_hex(const char *s, size_t len);

/* Signs the checkpoint (seq, hash, time_us) with the 64-byte libsodium secret key. */
void audit_chain_sign(int64_t seq, const char *hash, int64_t time_us, const unsigned char *sk,
		      char sig_hex[AUDIT_SIGNATURE_HEX_LEN + 1]);
/* Whether sig_hex is a valid signature of the checkpoint by the public key in hex. */
bool audit_chain_check(int64_t seq, const char *hash, int64_t time_us, const char *sig_hex,
		       const char *public_key_hex);

/*
 * Loads the signing key kept next to the database at db_path
 * (audit-signing.key), creating it and audit-signing.pub when there is
 * none. sk gets libsodium's 64-byte secret key, pk_hex the public key.
 * Returns 0, or a negative errno with a sentence in msg.
 */
int audit_chain_load_key(const char *db_path, unsigned char sk[64],
			 char pk_hex[AUDIT_PUBLIC_KEY_HEX_LEN + 1], char *msg, size_t size);

#endif
