/*
 * Unit tests for the audit hash chain (daemon/audit-chain.c): the
 * canonical encoding against hashes computed independently, a chain of
 * three rows, checkpoint signatures.
 *
 * The expected hashes were computed beforehand with this Python, written
 * from maestro-audit(7) alone (not from the C code):
 *
 *   import hashlib
 *   def f(v):
 *       if v is None: return b'\x00\x00\x00\x00\x00'
 *       if isinstance(v, int):
 *           return b'\x01' + (8).to_bytes(4, 'big') + v.to_bytes(8, 'big', signed=True)
 *       b = v.encode(); return b'\x02' + len(b).to_bytes(4, 'big') + b
 *   def h(row):
 *       return hashlib.sha256(b'maestro-audit-row-v1' + b''.join(map(f, row))).hexdigest()
 *   r1 = [1, 1700000000000000, 'daemon.start', 'maestrod', None, None, None,
 *         '{"pid":42}', '0' * 64]
 *   r2 = [2, 1700000000000001, 'agent.register', 'uid:1000', 1000, 4242, 'c-1',
 *         '{"id":"a"}', h(r1)]
 *   r3 = [3, -5, 'x', '', 0, -1, None, '{}', h(r2)]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>

#include "audit-chain.h"
#include "unit.h"

#define H1 "df21df8121d978af2a964d37e022529924fe1f64295be00ef84a186a2fb10ea6"
#define H2 "e6ec3bd20eec8dd2312621fdcc7e14754d629a0439802f1c03d60e325bae4830"
#define H3 "073802c32ed24861fa27814b2e384bbd44f78fbcf1f1c150daba763eb35cf7a8"

static void
row1(struct audit_chain_field f[AUDIT_CHAIN_NFIELDS])
{
	f[AUDIT_CHAIN_SEQ] = audit_chain_int(1);
	f[AUDIT_CHAIN_TIME_US] = audit_chain_int(1700000000000000ll);
	f[AUDIT_CHAIN_EVENT] = audit_chain_text("daemon.start");
	f[AUDIT_CHAIN_ACTOR] = audit_chain_text("maestrod");
	f[AUDIT_CHAIN_PEER_UID] = audit_chain_text(NULL);
	f[AUDIT_CHAIN_PEER_PID] = audit_chain_text(NULL);
	f[AUDIT_CHAIN_CORRELATION_ID] = audit_chain_text(NULL);
	f[AUDIT_CHAIN_DETAIL] = audit_chain_text("{\"pid\":42}");
	f[AUDIT_CHAIN_PREV_HASH] = audit_chain_text(AUDIT_CHAIN_GENESIS);
}

START_TEST(test_encoding)
{
	struct audit_chain_field f[AUDIT_CHAIN_NFIELDS];
	unsigned char buf[256];
	size_t n;

	row1(f);
	/* 20 bytes of domain, 9 headers of 5, two integers, and the texts. */
	n = audit_chain_encode(f, NULL, 0);
	ck_assert_uint_eq(n, 20 + 9 * 5 + 2 * 8 + 12 + 8 + 10 + 64);
	ck_assert_uint_eq(n, 175); /* what the Python above says */
	ck_assert_uint_eq(audit_chain_encode(f, buf, sizeof buf), n);
	ck_assert_mem_eq(buf, "maestro-audit-row-v1", 20);
	/* seq: tag 1, length 8, then 1 big-endian. */
	ck_assert_mem_eq(buf + 20, "\x01\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x01", 13);
	/* peer_uid is NULL: tag 0, length 0, no value. */
	ck_assert_mem_eq(buf + 20 + 13 + 13 + 17 + 13, "\x00\x00\x00\x00\x00", 5);
}
END_TEST

START_TEST(test_known_answer)
{
	struct audit_chain_field f[AUDIT_CHAIN_NFIELDS];
	unsigned char buf[256], digest[crypto_hash_sha256_BYTES];
	char hex[AUDIT_HASH_HEX_SIZE], hex2[AUDIT_HASH_HEX_SIZE];
	size_t n;

	row1(f);
	audit_chain_hash(f, hex);
	ck_assert_str_eq(hex, H1);
	/* The piecewise hash and the hash of the encoding are the same thing. */
	n = audit_chain_encode(f, buf, sizeof buf);
	crypto_hash_sha256(digest, buf, n);
	sodium_bin2hex(hex2, sizeof hex2, digest, sizeof digest);
	ck_assert_str_eq(hex2, H1);
}
END_TEST

START_TEST(test_chain_of_three)
{
	struct audit_chain_field f[AUDIT_CHAIN_NFIELDS];
	char h1[AUDIT_HASH_HEX_SIZE], h2[AUDIT_HASH_HEX_SIZE], h3[AUDIT_HASH_HEX_SIZE];
	char other[AUDIT_HASH_HEX_SIZE];

	row1(f);
	audit_chain_hash(f, h1);
	f[AUDIT_CHAIN_SEQ] = audit_chain_int(2);
	f[AUDIT_CHAIN_TIME_US] = audit_chain_int(1700000000000001ll);
	f[AUDIT_CHAIN_EVENT] = audit_chain_text("agent.register");
	f[AUDIT_CHAIN_ACTOR] = audit_chain_text("uid:1000");
	f[AUDIT_CHAIN_PEER_UID] = audit_chain_int(1000);
	f[AUDIT_CHAIN_PEER_PID] = audit_chain_int(4242);
	f[AUDIT_CHAIN_CORRELATION_ID] = audit_chain_text("c-1");
	f[AUDIT_CHAIN_DETAIL] = audit_chain_text("{\"id\":\"a\"}");
	f[AUDIT_CHAIN_PREV_HASH] = audit_chain_text(h1);
	audit_chain_hash(f, h2);
	ck_assert_str_eq(h2, H2);
	f[AUDIT_CHAIN_SEQ] = audit_chain_int(3);
	f[AUDIT_CHAIN_TIME_US] = audit_chain_int(-5);
	f[AUDIT_CHAIN_EVENT] = audit_chain_text("x");
	f[AUDIT_CHAIN_ACTOR] = audit_chain_text("");
	f[AUDIT_CHAIN_PEER_UID] = audit_chain_int(0);
	f[AUDIT_CHAIN_PEER_PID] = audit_chain_int(-1);
	f[AUDIT_CHAIN_CORRELATION_ID] = audit_chain_text(NULL);
	f[AUDIT_CHAIN_DETAIL] = audit_chain_text("{}");
	f[AUDIT_CHAIN_PREV_HASH] = audit_chain_text(h2);
	audit_chain_hash(f, h3);
	ck_assert_str_eq(h3, H3);

	/* NULL and "" differ, and so do the integer 0 and the text "0". */
	f[AUDIT_CHAIN_CORRELATION_ID] = audit_chain_text("");
	audit_chain_hash(f, other);
	ck_assert_str_ne(other, h3);
	f[AUDIT_CHAIN_CORRELATION_ID] = audit_chain_text(NULL);
	f[AUDIT_CHAIN_PEER_UID] = audit_chain_text("0");
	audit_chain_hash(f, other);
	ck_assert_str_ne(other, h3);
	/* Moving bytes between fields changes the hash: lengths delimit them. */
	f[AUDIT_CHAIN_PEER_UID] = audit_chain_int(0);
	f[AUDIT_CHAIN_EVENT] = audit_chain_text("");
	f[AUDIT_CHAIN_ACTOR] = audit_chain_text("x");
	audit_chain_hash(f, other);
	ck_assert_str_ne(other, h3);
}
END_TEST

START_TEST(test_checkpoint_signature)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char pk_hex[AUDIT_PUBLIC_KEY_HEX_LEN + 1], sig[AUDIT_SIGNATURE_HEX_LEN + 1];
	char other_hex[AUDIT_PUBLIC_KEY_HEX_LEN + 1];

	ck_assert_int_eq(sodium_init() >= 0, 1);
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(pk_hex, sizeof pk_hex, pk, sizeof pk);
	audit_chain_sign(7, H1, 123, sk, sig);
	ck_assert(audit_chain_is_hex(sig, AUDIT_SIGNATURE_HEX_LEN));
	ck_assert(audit_chain_check(7, H1, 123, sig, pk_hex));
	ck_assert(!audit_chain_check(8, H1, 123, sig, pk_hex));
	ck_assert(!audit_chain_check(7, H2, 123, sig, pk_hex));
	ck_assert(!audit_chain_check(7, H1, 124, sig, pk_hex));
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(other_hex, sizeof other_hex, pk, sizeof pk);
	ck_assert(!audit_chain_check(7, H1, 123, sig, other_hex));
	/* Malformed input is a failed check, never a crash. */
	ck_assert(!audit_chain_check(7, H1, 123, "zz", pk_hex));
	ck_assert(!audit_chain_check(7, "short", 123, sig, pk_hex));
	ck_assert(!audit_chain_check(7, H1, 123, sig, ""));
	ck_assert(!audit_chain_is_hex("ABCDEF", 6)); /* lowercase only: one spelling per hash */
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("audit-chain");
	TCase *tc = tcase_create("chain");

	tcase_add_test(tc, test_encoding);
	tcase_add_test(tc, test_known_answer);
	tcase_add_test(tc, test_chain_of_three);
	tcase_add_test(tc, test_checkpoint_signature);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
