/* The audit hash chain: canonical encoding, hashes, signed checkpoints, keys. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit-chain.h"
#include "util.h"

/*
 * Every encoding starts with this, so that a row hash can never be taken
 * for a hash of anything else maestro (or anyone) signs or hashes.
 */
static const char row_domain[] = "maestro-audit-row-v1";
static const char checkpoint_domain[] = "maestro-audit-checkpoint-v1";

struct audit_chain_field
audit_chain_text(const char *s)
{
	if (s == NULL)
		return (struct audit_chain_field){ .type = AUDIT_CHAIN_NULL };
	return (struct audit_chain_field){ .type = AUDIT_CHAIN_TEXT, .s = s, .len = strlen(s) };
}

void
audit_chain_from_row(sqlite3_stmt *st, struct audit_chain_field f[AUDIT_CHAIN_NFIELDS])
{
	for (int i = 0; i < AUDIT_CHAIN_NFIELDS; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			f[i] = (struct audit_chain_field){ .type = AUDIT_CHAIN_NULL };
			break;
		case SQLITE_INTEGER:
			f[i] = audit_chain_int(sqlite3_column_int64(st, i));
			break;
		default: /* text, and what a tamperer may have stored instead */
			f[i].type = sqlite3_column_type(st, i) == SQLITE_TEXT ? AUDIT_CHAIN_TEXT
									       : AUDIT_CHAIN_OTHER;
			f[i].s = (const char *)sqlite3_column_text(st, i);
			f[i].len = (size_t)sqlite3_column_bytes(st, i);
			f[i].i = 0;
			break;
		}
	}
}

static void
be32(unsigned char out[4], uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)v;
}

static void
be64(unsigned char out[8], int64_t v)
{
	uint64_t u = (uint64_t)v; /* two's complement, by definition of the conversion */

	for (int i = 7; i >= 0; i--, u >>= 8)
		out[i] = (unsigned char)u;
}

/*
 * A field is its tag byte, its length as 4 bytes big-endian, then its
 * value: nothing for NULL, 8 bytes big-endian two's complement for an
 * integer, the bytes as stored for text. Writes the header into hdr and
 * returns the value's bytes in *value.
 */
static size_t
field_header(const struct audit_chain_field *f, unsigned char hdr[5], unsigned char ibuf[8],
	     const unsigned char **value)
{
	size_t len = 0;

	*value = NULL;
	if (f->type == AUDIT_CHAIN_INT) {
		be64(ibuf, f->i);
		*value = ibuf;
		len = 8;
	} else if (f->type != AUDIT_CHAIN_NULL) {
		*value = (const unsigned char *)f->s;
		len = f->len;
	}
	hdr[0] = (unsigned char)f->type;
	/* SQLite caps a value at 2^31 - 1 bytes, so 4 bytes of length always do. */
	be32(hdr + 1, (uint32_t)len);
	return len;
}

size_t
audit_chain_encode(const struct audit_chain_field f[AUDIT_CHAIN_NFIELDS], unsigned char *buf,
		   size_t size)
{
	size_t n = 0;

#define PUT(p, l)                                       \
	do {                                            \
		if (n + (l) <= size && (l) > 0)         \
			memcpy(buf + n, (p), (l));      \
		n += (l);                               \
	} while (0)
	PUT(row_domain, sizeof row_domain - 1);
	for (int i = 0; i < AUDIT_CHAIN_NFIELDS; i++) {
		unsigned char hdr[5], ibuf[8];
		const unsigned char *value;
		size_t len = field_header(&f[i], hdr, ibuf, &value);

		PUT(hdr, sizeof hdr);
		PUT(value, len);
	}
#undef PUT
	return n;
}

void
audit_chain_hash(const struct audit_chain_field f[AUDIT_CHAIN_NFIELDS],
		 char hex[AUDIT_HASH_HEX_SIZE])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];

	/* Piecewise: the same bytes as audit_chain_encode(), without a buffer per row. */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)row_domain, sizeof row_domain - 1);
	for (int i = 0; i < AUDIT_CHAIN_NFIELDS; i++) {
		unsigned char hdr[5], ibuf[8];
		const unsigned char *value;
		size_t len = field_header(&f[i], hdr, ibuf, &value);

		crypto_hash_sha256_update(&st, hdr, sizeof hdr);
		if (len > 0)
			crypto_hash_sha256_update(&st, value, len);
	}
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, AUDIT_HASH_HEX_SIZE, digest, sizeof digest);
}

bool
audit_chain_is_hex(const char *s, size_t len)
{
	if (s == NULL || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* domain, seq and time_us as 8 bytes big-endian each, then the 64 hex digits of hash. */
static void
checkpoint_message(int64_t seq, const char *hash, int64_t time_us,
		   unsigned char msg[sizeof checkpoint_domain - 1 + 16 + AUDIT_HASH_HEX_LEN])
{
	size_t n = sizeof checkpoint_domain - 1;

	memcpy(msg, checkpoint_domain, n);
	be64(msg + n, seq);
	be64(msg + n + 8, time_us);
	memcpy(msg + n + 16, hash, AUDIT_HASH_HEX_LEN);
}

void
audit_chain_sign(int64_t seq, const char *hash, int64_t time_us, const unsigned char *sk,
		 char sig_hex[AUDIT_SIGNATURE_HEX_LEN + 1])
{
	unsigned char msg[sizeof checkpoint_domain - 1 + 16 + AUDIT_HASH_HEX_LEN];
	unsigned char sig[crypto_sign_BYTES];

	checkpoint_message(seq, hash, time_us, msg);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
	sodium_bin2hex(sig_hex, AUDIT_SIGNATURE_HEX_LEN + 1, sig, sizeof sig);
}

bool
audit_chain_check(int64_t seq, const char *hash, int64_t time_us, const char *sig_hex,
		  const char *public_key_hex)
{
	unsigned char msg[sizeof checkpoint_domain - 1 + 16 + AUDIT_HASH_HEX_LEN];
	unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];

	if (!audit_chain_is_hex(hash, AUDIT_HASH_HEX_LEN) ||
	    !audit_chain_is_hex(sig_hex, AUDIT_SIGNATURE_HEX_LEN) ||
	    !audit_chain_is_hex(public_key_hex, AUDIT_PUBLIC_KEY_HEX_LEN) ||
	    sodium_hex2bin(sig, sizeof sig, sig_hex, AUDIT_SIGNATURE_HEX_LEN, NULL, NULL, NULL) ||
	    sodium_hex2bin(pk, sizeof pk, public_key_hex, AUDIT_PUBLIC_KEY_HEX_LEN, NULL, NULL,
			   NULL))
		return false;
	checkpoint_message(seq, hash, time_us, msg);
	return crypto_sign_verify_detached(sig, msg, sizeof msg, pk) == 0;
}

/* Writes prefix, hex and "\n" to a new file at path (O_EXCL), then fsyncs it. */
static int
write_key_file(const char *path, mode_t mode, const char *prefix, const char *hex)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				      mode);
	char line[128];
	int n;

	if (fd < 0)
		return -errno;
	/* The umask may be stricter than mode; the public key is meant to be read. */
	if (fchmod(fd, mode) < 0)
		return -errno;
	n = snprintf(line, sizeof line, "%s%s\n", prefix, hex);
	if (write(fd, line, (size_t)n) != n || fsync(fd) < 0) {
		int r = errno ? -errno : -EIO;

		unlink(path);
		return r;
	}
	return 0;
}

/* The strict parse of the secret key file: exactly prefix, 64 hex digits, "\n". */
static int
read_secret(const char *path, unsigned char seed[32], char *msg, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t plen = strlen(AUDIT_SECRET_KEY_PREFIX);
	char buf[128];
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return fail_with(msg, size, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_uid != geteuid())
		return fail_with(msg, size, -EPERM,
				 "%s must be a regular file of ours, mode 0600 (it holds the audit "
				 "signing key)", path);
	n = read(fd, buf, sizeof buf - 1);
	if (n < 0)
		return fail_with(msg, size, -errno, "%s: %s", path, strerror(errno));
	buf[n] = '\0';
	if ((size_t)n != plen + 64 + 1 || strncmp(buf, AUDIT_SECRET_KEY_PREFIX, plen) != 0 ||
	    buf[n - 1] != '\n' || (buf[n - 1] = '\0', !audit_chain_is_hex(buf + plen, 64)) ||
	    sodium_hex2bin(seed, 32, buf + plen, 64, NULL, NULL, NULL) != 0)
		return fail_with(msg, size, -EINVAL, "%s is not an audit signing key", path);
	sodium_memzero(buf, sizeof buf);
	return 0;
}

int
audit_chain_load_key(const char *db_path, unsigned char sk[64],
		     char pk_hex[AUDIT_PUBLIC_KEY_HEX_LEN + 1], char *msg, size_t size)
{
	_cleanup_free_ char *copy = strdup(db_path);
	char key_path[PATH_MAX], pub_path[PATH_MAX], seed_hex[65];
	unsigned char seed[32], pk[32], secret[64];
	const char *dir;
	int r;

	if (copy == NULL)
		return fail_with(msg, size, -ENOMEM, "out of memory");
	dir = dirname(copy);
	if ((size_t)snprintf(key_path, sizeof key_path, "%s/audit-signing.key", dir) >=
		    sizeof key_path ||
	    (size_t)snprintf(pub_path, sizeof pub_path, "%s/audit-signing.pub", dir) >=
		    sizeof pub_path)
		return fail_with(msg, size, -ENAMETOOLONG, "%s: path too long", dir);
	r = read_secret(key_path, seed, msg, size);
	if (r == -ENOENT) {
		/* First start: a new key, created exclusively so that two never race. */
		randombytes_buf(seed, sizeof seed);
		sodium_bin2hex(seed_hex, sizeof seed_hex, seed, sizeof seed);
		r = write_key_file(key_path, 0600, AUDIT_SECRET_KEY_PREFIX, seed_hex);
		sodium_memzero(seed_hex, sizeof seed_hex);
		if (r == -EEXIST)
			r = read_secret(key_path, seed, msg, size);
		else if (r < 0)
			fail_with(msg, size, r, "cannot create %s: %s", key_path, strerror(-r));
		else
			(void)unlink(pub_path); /* a stale one would name the wrong key */
	} else if (r < 0 && r != -EPERM && r != -EINVAL) {
		fail_with(msg, size, r, "cannot read %s: %s", key_path, strerror(-r));
	}
	if (r < 0) {
		sodium_memzero(seed, sizeof seed);
		return r;
	}
	crypto_sign_seed_keypair(pk, secret, seed);
	sodium_memzero(seed, sizeof seed);
	sodium_bin2hex(pk_hex, AUDIT_PUBLIC_KEY_HEX_LEN + 1, pk, sizeof pk);
	/* The public half is derived, so a missing .pub is simply written again. */
	r = write_key_file(pub_path, 0644, AUDIT_PUBLIC_KEY_PREFIX, pk_hex);
	if (r < 0 && r != -EEXIST) {
		sodium_memzero(secret, sizeof secret);
		return fail_with(msg, size, r, "cannot create %s: %s", pub_path, strerror(-r));
	}
	memcpy(sk, secret, sizeof secret);
	sodium_memzero(secret, sizeof secret);
	return 0;
}
