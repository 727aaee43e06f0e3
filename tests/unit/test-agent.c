/*
 * Unit tests for daemon/agent.c (ids, permissions, roles, the registry,
 * tokens, the JSON form) and daemon/agent-params.c (the params of the
 * agent.* and session.hello methods).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <json-c/json.h>
#include <sodium.h>

#include "agent-params.h"
#include "agent.h"
#include "unit.h"
#include "utf8.h"

#define EXECUTOR_DEFAULTS \
	(PERM_READ_FILES | PERM_WRITE_FILES | PERM_EXECUTE_COMMANDS | PERM_NETWORK_ACCESS)

static const char *const all_names[] = {
	"read_files",	"write_files",	       "execute_commands", "network_access",
	"read_secrets", "evaluate_governance", "provide_counsel",
};
#define N_PERMS (sizeof all_names / sizeof all_names[0])
#define ALL_FORMATTED                                                                \
	"read_files,write_files,execute_commands,network_access,read_secrets,"       \
	"evaluate_governance,provide_counsel"

/* Both UTF-8 checkers, proto/utf8.c and the reference in unit.h, must accept s. */
static void
assert_utf8(const char *s)
{
	size_t bad = 12345;

	ck_assert_msg(utf8_valid(s, strlen(s), &bad), "not UTF-8 at %zu: %s", bad, s);
	ck_assert_msg(ref_utf8_valid(s, strlen(s)), "not UTF-8 (reference): %s", s);
}

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A new agent with the role's defaults and nothing else set. */
static struct agent *
agent_make(const char *id, const char *role)
{
	struct agent *a = calloc(1, sizeof *a);
	unsigned defaults = 0;

	ck_assert_ptr_nonnull(a);
	ck_assert_uint_le(strlen(id), AGENT_ID_MAX);
	strcpy(a->id, id);
	a->role = role_parse(role, &defaults);
	ck_assert_ptr_nonnull(a->role);
	a->permissions = defaults;
	a->status = AGENT_ACTIVE;
	return a;
}

/* ---- agent ids ---- */

START_TEST(test_id_valid)
{
	static const char *const good[] = {
		"a", "0", "z", "9", "build-bot", "deploy.bot_2", "a.b_c-d", "9lives",
		/* Anything from the set may end an id, and repeat. */
		"a-", "a.", "a_", "a..b", "a--b", "0.0.0",
	};
	static const char *const bad[] = {
		"", "A", "Build-bot", "build-Bot", "BUILD", ".a", "-a", "_a", ".", "-", "_", " a",
		"a ", "a b", "a/b", "a:b", "a@b", "a+b", "a~", "a\tb", "a\nb", "a,b", "a*",
		"\xc3\xa9",	    /* é */
		"a\xc3\xa9",	    /* aé */
		"caf\xc3\xa9-bot",  /* café-bot */
		"a\xe2\x80\x8b",    /* a + ZERO WIDTH SPACE */
		"\xef\xbd\x81",	    /* FULLWIDTH LATIN SMALL LETTER A */
		"a\xff",	    /* not UTF-8 at all */
		"a\x7f",
	};
	char *s;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(agent_id_valid(good[i]), "\"%s\" refused", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!agent_id_valid(bad[i]), "\"%s\" accepted", bad[i]);

	/* 64 characters is the limit; 65 is one too many. */
	s = repeat('a', 64);
	ck_assert(agent_id_valid(s));
	s[0] = '7';
	s[63] = '-';
	ck_assert(agent_id_valid(s));
	free(s);
	s = repeat('a', 65);
	ck_assert(!agent_id_valid(s));
	free(s);
	s = repeat('a', 1000);
	ck_assert(!agent_id_valid(s));
	free(s);
	/* 63 valid characters then a bad one at the very end. */
	s = repeat('a', 64);
	s[63] = 'A';
	ck_assert(!agent_id_valid(s));
	free(s);
}
END_TEST

/* ---- permissions ---- */

START_TEST(test_permission_names)
{
	unsigned bit;

	ck_assert_uint_eq(PERM_ALL, (1u << N_PERMS) - 1);
	for (unsigned i = 0; i < N_PERMS; i++) {
		bit = 0;
		ck_assert_int_eq(permission_parse(all_names[i], &bit), 0);
		ck_assert_uint_eq(bit, 1u << i);
		ck_assert_str_eq(permission_name(1u << i), all_names[i]);
	}
	/* The enum and the names agree. */
	ck_assert_str_eq(permission_name(PERM_READ_FILES), "read_files");
	ck_assert_str_eq(permission_name(PERM_WRITE_FILES), "write_files");
	ck_assert_str_eq(permission_name(PERM_EXECUTE_COMMANDS), "execute_commands");
	ck_assert_str_eq(permission_name(PERM_NETWORK_ACCESS), "network_access");
	ck_assert_str_eq(permission_name(PERM_READ_SECRETS), "read_secrets");
	ck_assert_str_eq(permission_name(PERM_EVALUATE_GOVERNANCE), "evaluate_governance");
	ck_assert_str_eq(permission_name(PERM_PROVIDE_COUNSEL), "provide_counsel");
	/* Not exactly one known bit. */
	ck_assert_str_eq(permission_name(0), "unknown");
	ck_assert_str_eq(permission_name(PERM_READ_FILES | PERM_WRITE_FILES), "unknown");
	ck_assert_str_eq(permission_name(1u << N_PERMS), "unknown");
	ck_assert_str_eq(permission_name(1u << 31), "unknown");
}
END_TEST

START_TEST(test_permission_parse_rejects)
{
	static const char *const bad[] = {
		"",		"READ_FILES",  "Read_files", "read_files ", " read_files",
		"read-files",	"read_file",   "read_filesx", "readfiles",	"sudo",
		"read_files,write_files",      "network", "unknown",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned bit = 0xdead;

		ck_assert_msg(permission_parse(bad[i], &bit) < 0, "\"%s\" accepted", bad[i]);
		ck_assert_uint_eq(bit, 0xdead); /* left alone */
	}
}
END_TEST

START_TEST(test_permissions_format)
{
	char buf[256];

	permissions_format(0, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	permissions_format(PERM_ALL, buf, sizeof buf);
	ck_assert_str_eq(buf, ALL_FORMATTED);
	permissions_format(PERM_NETWORK_ACCESS, buf, sizeof buf);
	ck_assert_str_eq(buf, "network_access");
	/* A fixed order, whatever order the bits were set in. */
	permissions_format(PERM_PROVIDE_COUNSEL | PERM_READ_FILES, buf, sizeof buf);
	ck_assert_str_eq(buf, "read_files,provide_counsel");
	/* Bits with no name are left out. */
	permissions_format(0x80u | (1u << 31), buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	permissions_format(0x80u | PERM_WRITE_FILES, buf, sizeof buf);
	ck_assert_str_eq(buf, "write_files");

	/* Cut like snprintf: terminated, never past size. */
	memset(buf, 'X', sizeof buf);
	permissions_format(PERM_ALL, buf, 11);
	ck_assert_str_eq(buf, "read_files");
	ck_assert_int_eq(buf[11], 'X');
	memset(buf, 'X', sizeof buf);
	permissions_format(PERM_ALL, buf, 12);
	ck_assert_str_eq(buf, "read_files,");
	ck_assert_int_eq(buf[12], 'X');
	memset(buf, 'X', sizeof buf);
	permissions_format(PERM_ALL, buf, 1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(buf[1], 'X');
	memset(buf, 'X', sizeof buf);
	permissions_format(PERM_ALL, buf, sizeof ALL_FORMATTED);
	ck_assert_str_eq(buf, ALL_FORMATTED);
	memset(buf, 'X', sizeof buf);
	permissions_format(PERM_ALL, buf, sizeof ALL_FORMATTED - 1);
	ck_assert_uint_eq(strlen(buf), sizeof ALL_FORMATTED - 2);
	ck_assert_int_eq(strncmp(buf, ALL_FORMATTED, sizeof ALL_FORMATTED - 2), 0);
}
END_TEST

START_TEST(test_permissions_round_trip)
{
	char buf[256];

	/* Every set survives the stored form. */
	for (unsigned mask = 0; mask <= PERM_ALL; mask++) {
		unsigned back = 0xdead;

		permissions_format(mask, buf, sizeof buf);
		ck_assert_int_eq(permissions_parse_list(buf, &back), 0);
		ck_assert_uint_eq(back, mask);
	}
}
END_TEST

START_TEST(test_permissions_parse_list)
{
	static const char *const bad[] = {
		"bogus",
		"read_files,bogus",
		"bogus,read_files",
		"read_files, write_files",
		"read_files ,write_files",
		"READ_FILES",
		"read_files;write_files",
		"read_files write_files",
	};
	unsigned mask;
	char *s;

	mask = 0xdead;
	ck_assert_int_eq(permissions_parse_list("", &mask), 0);
	ck_assert_uint_eq(mask, 0);
	ck_assert_int_eq(permissions_parse_list("network_access,read_files", &mask), 0);
	ck_assert_uint_eq(mask, PERM_NETWORK_ACCESS | PERM_READ_FILES);
	ck_assert_int_eq(permissions_parse_list("read_files,read_files", &mask), 0);
	ck_assert_uint_eq(mask, PERM_READ_FILES);
	ck_assert_int_eq(permissions_parse_list(ALL_FORMATTED, &mask), 0);
	ck_assert_uint_eq(mask, PERM_ALL);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mask = 0xdead;
		ck_assert_msg(permissions_parse_list(bad[i], &mask) < 0, "\"%s\" accepted", bad[i]);
		ck_assert_uint_eq(mask, 0xdead);
	}

	/* Longer than any list could be: refused, not cut. */
	s = malloc(300);
	ck_assert_ptr_nonnull(s);
	strcpy(s, "read_files");
	while (strlen(s) < 260)
		strcat(s, ",read_files");
	mask = 0xdead;
	ck_assert_int_lt(permissions_parse_list(s, &mask), 0);
	ck_assert_uint_eq(mask, 0xdead);
	free(s);
}
END_TEST

START_TEST(test_permissions_to_json)
{
	struct json_object *a;

	a = permissions_to_json(0);
	ck_assert_str_eq(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), "[]");
	json_object_put(a);
	a = permissions_to_json(PERM_PROVIDE_COUNSEL | PERM_READ_FILES | 0x80u);
	ck_assert_str_eq(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
			 "[\"read_files\",\"provide_counsel\"]");
	json_object_put(a);
	a = permissions_to_json(PERM_ALL);
	ck_assert_str_eq(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
			 "[\"read_files\",\"write_files\",\"execute_commands\",\"network_access\","
			 "\"read_secrets\",\"evaluate_governance\",\"provide_counsel\"]");
	json_object_put(a);
}
END_TEST

/* ---- roles ---- */

START_TEST(test_role_defaults)
{
	static const struct {
		const char *name;
		unsigned defaults;
	} want[] = {
		{ "governance", PERM_READ_FILES | PERM_EVALUATE_GOVERNANCE },
		{ "counselor", PERM_READ_FILES | PERM_PROVIDE_COUNSEL },
		{ "executor", PERM_READ_FILES | PERM_WRITE_FILES | PERM_EXECUTE_COMMANDS |
				      PERM_NETWORK_ACCESS },
		{ "observer", PERM_READ_FILES },
	};

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char copy[32];
		unsigned d = 0xdead;
		const char *r;

		/* A copy, to see that the static name comes back, not the argument. */
		strcpy(copy, want[i].name);
		r = role_parse(copy, &d);
		ck_assert_ptr_nonnull(r);
		ck_assert_ptr_ne(r, copy);
		ck_assert_str_eq(r, want[i].name);
		ck_assert_uint_eq(d, want[i].defaults);
		/* Same static name each time, and defaults may be skipped. */
		ck_assert_ptr_eq(role_parse(want[i].name, NULL), r);
	}
	ck_assert_str_eq(role_names(), "governance, counselor, executor, observer");
}
END_TEST

START_TEST(test_role_unknown)
{
	static const char *const bad[] = {
		"", "Executor", "EXECUTOR", "executor ", " executor", "exec", "executors", "admin",
		"root", "governance,observer", "counsellor",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned d = 0xdead;

		ck_assert_msg(role_parse(bad[i], &d) == NULL, "\"%s\" accepted", bad[i]);
		ck_assert_uint_eq(d, 0xdead);
		ck_assert_ptr_null(role_parse(bad[i], NULL));
	}
}
END_TEST

/* ---- enforcement ---- */

START_TEST(test_has_permission)
{
	struct agent *exec = agent_make("build-bot", "executor");
	struct agent *obs = agent_make("watcher", "observer");
	char reason[256];

	strcpy(reason, "untouched");
	ck_assert(agent_has_permission(exec, PERM_NETWORK_ACCESS, reason, sizeof reason));
	ck_assert(agent_has_permission(exec, EXECUTOR_DEFAULTS, reason, sizeof reason));
	ck_assert(agent_has_permission(obs, PERM_READ_FILES, reason, sizeof reason));
	ck_assert(agent_has_permission(obs, 0, reason, sizeof reason));
	ck_assert_str_eq(reason, "untouched");

	/* Revoked: the example of the header, word for word. */
	exec->permissions &= ~PERM_NETWORK_ACCESS;
	ck_assert(!agent_has_permission(exec, PERM_NETWORK_ACCESS, reason, sizeof reason));
	ck_assert_str_eq(reason, "agent build-bot (executor) lacks permission: network_access");
	ck_assert(agent_has_permission(exec, PERM_WRITE_FILES, reason, sizeof reason));

	ck_assert(!agent_has_permission(obs, PERM_WRITE_FILES, reason, sizeof reason));
	ck_assert_str_eq(reason, "agent watcher (observer) lacks permission: write_files");

	/* Several missing: plural, in the fixed order, ", " between. */
	ck_assert(!agent_has_permission(obs, PERM_READ_SECRETS | PERM_WRITE_FILES, reason,
					sizeof reason));
	ck_assert_str_eq(reason, "agent watcher (observer) lacks permissions: write_files, read_secrets");
	ck_assert(!agent_has_permission(obs, PERM_ALL, reason, sizeof reason));
	ck_assert_str_eq(reason,
			 "agent watcher (observer) lacks permissions: write_files, execute_commands, "
			 "network_access, read_secrets, evaluate_governance, provide_counsel");

	/* Only what is missing is named, not what was asked. */
	ck_assert(!agent_has_permission(exec, PERM_READ_FILES | PERM_NETWORK_ACCESS, reason,
					sizeof reason));
	ck_assert_str_eq(reason, "agent build-bot (executor) lacks permission: network_access");

	/* A small buffer cuts the sentence and terminates it. */
	memset(reason, 'X', sizeof reason);
	ck_assert(!agent_has_permission(obs, PERM_WRITE_FILES | PERM_READ_SECRETS, reason, 20));
	ck_assert_str_eq(reason, "agent watcher (obse");
	ck_assert_int_eq(reason[20], 'X');
	memset(reason, 'X', sizeof reason);
	/* Cut inside the list of names. */
	ck_assert(!agent_has_permission(obs, PERM_WRITE_FILES | PERM_READ_SECRETS, reason, 58));
	ck_assert_str_eq(reason, "agent watcher (observer) lacks permissions: write_files, ");
	ck_assert_int_eq(reason[58], 'X');

	agent_free(exec);
	agent_free(obs);
}
END_TEST

/* ---- the registry ---- */

START_TEST(test_registry)
{
	struct agent_registry reg;
	struct agent *a = agent_make("alpha", "observer");
	struct agent *b = agent_make("beta", "executor");
	struct agent *c = agent_make("gamma", "counselor");
	struct agent *a2 = agent_make("alpha", "governance");

	memset(&reg, 0, sizeof reg);
	ck_assert_ptr_null(registry_find(&reg, "alpha"));
	registry_remove(&reg, "alpha"); /* nothing there: no effect */
	ck_assert_int_eq(registry_put(&reg, a), 0);
	ck_assert_int_eq(registry_put(&reg, b), 0);
	ck_assert_int_eq(registry_put(&reg, c), 0);
	ck_assert_uint_eq(reg.n, 3);
	ck_assert_ptr_eq(registry_find(&reg, "alpha"), a);
	ck_assert_ptr_eq(registry_find(&reg, "beta"), b);
	ck_assert_ptr_eq(registry_find(&reg, "gamma"), c);
	ck_assert_ptr_null(registry_find(&reg, "delta"));
	ck_assert_ptr_null(registry_find(&reg, "alph"));
	ck_assert_ptr_null(registry_find(&reg, "alphaa"));
	ck_assert_ptr_null(registry_find(&reg, ""));

	/* Same id: replaced (the old one freed; ASan would see a leak or a reuse). */
	ck_assert_int_eq(registry_put(&reg, a2), 0);
	ck_assert_uint_eq(reg.n, 3);
	ck_assert_ptr_eq(registry_find(&reg, "alpha"), a2);
	ck_assert_str_eq(registry_find(&reg, "alpha")->role, "governance");

	registry_remove(&reg, "beta");
	ck_assert_uint_eq(reg.n, 2);
	ck_assert_ptr_null(registry_find(&reg, "beta"));
	ck_assert_ptr_eq(registry_find(&reg, "alpha"), a2);
	ck_assert_ptr_eq(registry_find(&reg, "gamma"), c);
	registry_remove(&reg, "beta");
	registry_remove(&reg, "nobody");
	ck_assert_uint_eq(reg.n, 2);
	registry_remove(&reg, "gamma");
	registry_remove(&reg, "alpha");
	ck_assert_uint_eq(reg.n, 0);
	ck_assert_ptr_null(registry_find(&reg, "alpha"));
	registry_clear(&reg);
}
END_TEST

START_TEST(test_registry_grow)
{
	struct agent_registry reg;
	char id[32];

	memset(&reg, 0, sizeof reg);
	memset(reg.token_key, 0x5a, sizeof reg.token_key);
	/* Past the first allocation (16) and the second (32). */
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof id, "agent-%02d", i);
		ck_assert_int_eq(registry_put(&reg, agent_make(id, "observer")), 0);
	}
	ck_assert_uint_eq(reg.n, 40);
	ck_assert_uint_ge(reg.cap, 40);
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof id, "agent-%02d", i);
		ck_assert_ptr_nonnull(registry_find(&reg, id));
		ck_assert_str_eq(registry_find(&reg, id)->id, id);
	}
	/* Remove every other one; the rest stay findable. */
	for (int i = 0; i < 40; i += 2) {
		snprintf(id, sizeof id, "agent-%02d", i);
		registry_remove(&reg, id);
	}
	ck_assert_uint_eq(reg.n, 20);
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof id, "agent-%02d", i);
		if (i % 2)
			ck_assert_ptr_nonnull(registry_find(&reg, id));
		else
			ck_assert_ptr_null(registry_find(&reg, id));
	}
	registry_clear(&reg);
	ck_assert_uint_eq(reg.n, 0);
	ck_assert_uint_eq(reg.cap, 0);
	ck_assert_ptr_null(reg.agents);
	/* The hashing key does not outlive the registry. */
	for (size_t i = 0; i < sizeof reg.token_key; i++)
		ck_assert_uint_eq(reg.token_key[i], 0);
}
END_TEST

START_TEST(test_agent_dup)
{
	struct agent *a = agent_make("build-bot", "executor"), *b;

	a->description = strdup("builds things");
	a->suspend_reason = strdup("on holiday");
	a->status = AGENT_SUSPENDED;
	a->created_us = 1;
	a->updated_us = 2;
	a->expires_us = 3;
	a->token_created_us = 4;
	a->token_expires_us = 5;
	memset(a->token_hash, 0xab, sizeof a->token_hash);
	b = agent_dup(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->id, "build-bot");
	ck_assert_ptr_eq(b->role, a->role);
	ck_assert_uint_eq(b->permissions, EXECUTOR_DEFAULTS);
	ck_assert_int_eq(b->status, AGENT_SUSPENDED);
	/* Deep copies: freeing one leaves the other whole. */
	ck_assert_ptr_ne(b->description, a->description);
	ck_assert_ptr_ne(b->suspend_reason, a->suspend_reason);
	ck_assert_str_eq(b->description, "builds things");
	ck_assert_str_eq(b->suspend_reason, "on holiday");
	ck_assert_int_eq(b->created_us, 1);
	ck_assert_int_eq(b->updated_us, 2);
	ck_assert_int_eq(b->expires_us, 3);
	ck_assert_int_eq(b->token_created_us, 4);
	ck_assert_int_eq(b->token_expires_us, 5);
	ck_assert_mem_eq(b->token_hash, a->token_hash, TOKEN_HASH_SIZE);
	agent_free(a);
	ck_assert_str_eq(b->description, "builds things");
	agent_free(b);
	agent_free(NULL);
}
END_TEST

/* ---- tokens ---- */

static struct agent_registry treg;

static void
tokens_setup(void)
{
	ck_assert_int_ge(sodium_init(), 0);
	memset(&treg, 0, sizeof treg);
	strcpy(treg.instance_id, "a415038d0123456789abcdef01234567");
	randombytes_buf(treg.token_key, sizeof treg.token_key);
}

static void
tokens_teardown(void)
{
	registry_clear(&treg);
}

static bool
b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

START_TEST(test_token_format)
{
	char text[TOKEN_TEXT_MAX + 1], text2[TOKEN_TEXT_MAX + 1];
	uint8_t hash[TOKEN_HASH_SIZE], hash2[TOKEN_HASH_SIZE], zero[TOKEN_HASH_SIZE] = { 0 };
	unsigned char raw[64];
	size_t raw_len = 0;

	memset(text, 'X', sizeof text);
	ck_assert_int_eq(token_new(&treg, text, hash), 0);
	ck_assert_uint_eq(strlen(text), 56);
	ck_assert_int_eq(strncmp(text, "mst_a415038d_", 13), 0);
	for (size_t i = 13; i < 56; i++)
		ck_assert_msg(b64url_char(text[i]), "'%c' at %zu in %s", text[i], i, text);
	/* 43 characters of unpadded base64url are exactly 32 bytes. */
	ck_assert_int_eq(sodium_base642bin(raw, sizeof raw, text + 13, 43, NULL, &raw_len, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING),
			 0);
	ck_assert_uint_eq(raw_len, 32);
	ck_assert_mem_ne(hash, zero, TOKEN_HASH_SIZE);

	/* The hash is the keyed BLAKE2b of the whole text under the instance key. */
	{
		uint8_t want[TOKEN_HASH_SIZE];

		crypto_generichash(want, sizeof want, (const unsigned char *)text, strlen(text),
				   treg.token_key, TOKEN_KEY_SIZE);
		ck_assert_mem_eq(hash, want, TOKEN_HASH_SIZE);
	}

	ck_assert_int_eq(token_new(&treg, text2, hash2), 0);
	ck_assert_str_ne(text, text2);
	ck_assert_mem_ne(hash, hash2, TOKEN_HASH_SIZE);
	ck_assert_int_eq(strncmp(text2, "mst_a415038d_", 13), 0);
}
END_TEST

START_TEST(test_token_verify)
{
	struct agent *a = agent_make("build-bot", "executor");
	char text[TOKEN_TEXT_MAX + 1], other[TOKEN_TEXT_MAX + 1], t[256];
	uint8_t other_hash[TOKEN_HASH_SIZE];

	ck_assert_int_eq(token_new(&treg, text, a->token_hash), 0);
	ck_assert_int_eq(token_new(&treg, other, other_hash), 0);

	ck_assert_int_eq(token_verify(&treg, a, text), TOKEN_OK);
	/* Another token of this instance: the wrong one. */
	ck_assert_int_eq(token_verify(&treg, a, other), TOKEN_MISMATCH);
	/* The right token but no agent (an unknown id). */
	ck_assert_int_eq(token_verify(&treg, NULL, text), TOKEN_MISMATCH);
	ck_assert_int_eq(token_verify(&treg, NULL, other), TOKEN_MISMATCH);
	/* One character of the random part changed. */
	strcpy(t, text);
	t[30] = t[30] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_MISMATCH);
	strcpy(t, text);
	t[55] = t[55] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_MISMATCH);
	/* An agent whose hash is all zeros does not match anything by accident. */
	{
		struct agent *z = agent_make("zero", "observer");

		ck_assert_int_eq(token_verify(&treg, z, text), TOKEN_MISMATCH);
		agent_free(z);
	}

	/* Another instance's tag, even an upper-case spelling of ours. */
	strcpy(t, text);
	memcpy(t + 4, "ffffffff", 8);
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_OTHER_INSTANCE);
	strcpy(t, text);
	memcpy(t + 4, "A415038D", 8);
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_OTHER_INSTANCE);
	strcpy(t, text);
	t[11] = 'e';
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_OTHER_INSTANCE);

	/* Malformed: prefix. */
	ck_assert_int_eq(token_verify(&treg, a, ""), TOKEN_MALFORMED);
	strcpy(t, text);
	t[0] = 'M';
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_MALFORMED);
	strcpy(t, text);
	t[3] = '-';
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_MALFORMED);
	snprintf(t, sizeof t, "xyz_%s", text + 4);
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_MALFORMED);
	snprintf(t, sizeof t, "Bearer %s", text);
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_MALFORMED);
	/* Malformed: separator after the tag. */
	strcpy(t, text);
	t[12] = '-';
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_MALFORMED);
	/* Malformed: too short to hold prefix, tag and separator. */
	ck_assert_int_eq(token_verify(&treg, a, "mst_"), TOKEN_MALFORMED);
	ck_assert_int_eq(token_verify(&treg, a, "mst_a415038d"), TOKEN_MALFORMED);
	ck_assert_int_eq(token_verify(&treg, a, "mst_a415038"), TOKEN_MALFORMED);
	/* Malformed: longer than any token. */
	snprintf(t, sizeof t, "%s%s", text, "AAAAAAAAA");
	ck_assert_uint_eq(strlen(t), TOKEN_TEXT_MAX + 1);
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_MALFORMED);
	snprintf(t, sizeof t, "%s%s%s", text, text, text);
	ck_assert_int_eq(token_verify(&treg, a, t), TOKEN_MALFORMED);
	/* Well-shaped but cut or extended: never OK. */
	strcpy(t, text);
	t[55] = '\0';
	ck_assert_int_ne(token_verify(&treg, a, t), TOKEN_OK);
	snprintf(t, sizeof t, "%sA", text);
	ck_assert_int_ne(token_verify(&treg, a, t), TOKEN_OK);

	/* Still fine after all that. */
	ck_assert_int_eq(token_verify(&treg, a, text), TOKEN_OK);
	agent_free(a);
}
END_TEST

START_TEST(test_token_other_key)
{
	struct agent_registry reg2;
	struct agent *a = agent_make("build-bot", "executor");
	char text[TOKEN_TEXT_MAX + 1];

	/* Same instance id (so the same tag), another key: a copied database's hashes are useless. */
	memset(&reg2, 0, sizeof reg2);
	strcpy(reg2.instance_id, treg.instance_id);
	randombytes_buf(reg2.token_key, sizeof reg2.token_key);
	ck_assert_mem_ne(reg2.token_key, treg.token_key, TOKEN_KEY_SIZE);

	ck_assert_int_eq(token_new(&treg, text, a->token_hash), 0);
	ck_assert_int_eq(token_verify(&treg, a, text), TOKEN_OK);
	ck_assert_int_eq(token_verify(&reg2, a, text), TOKEN_MISMATCH);
	/* One bit of the key is enough. */
	memcpy(reg2.token_key, treg.token_key, TOKEN_KEY_SIZE);
	ck_assert_int_eq(token_verify(&reg2, a, text), TOKEN_OK);
	reg2.token_key[31] ^= 1;
	ck_assert_int_eq(token_verify(&reg2, a, text), TOKEN_MISMATCH);
	/* And another tag with the same key is another instance. */
	memcpy(reg2.token_key, treg.token_key, TOKEN_KEY_SIZE);
	strcpy(reg2.instance_id, "b415038d0123456789abcdef01234567");
	ck_assert_int_eq(token_verify(&reg2, a, text), TOKEN_OTHER_INSTANCE);
	registry_clear(&reg2);
	agent_free(a);
}
END_TEST

/* ---- the agent as JSON ---- */

static bool
contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* Neither the hash nor any usual text encoding of it appears in s. */
static void
assert_no_hash(const char *s, const uint8_t hash[TOKEN_HASH_SIZE])
{
	static const int variants[] = {
		sodium_base64_VARIANT_ORIGINAL,
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
		sodium_base64_VARIANT_URLSAFE,
		sodium_base64_VARIANT_URLSAFE_NO_PADDING,
	};
	char hex[2 * TOKEN_HASH_SIZE + 1], b64[64];

	ck_assert_msg(!contains(s, "token_hash"), "%s", s);
	ck_assert_msg(!contains(s, "\"hash"), "%s", s);
	ck_assert_msg(!contains(s, "\"token\""), "%s", s);
	sodium_bin2hex(hex, sizeof hex, hash, TOKEN_HASH_SIZE);
	/* Even a prefix of the hex (8 bytes' worth) would be too much. */
	hex[16] = '\0';
	ck_assert_msg(strcasestr(s, hex) == NULL, "%s holds %s", s, hex);
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		sodium_bin2base64(b64, sizeof b64, hash, TOKEN_HASH_SIZE, variants[i]);
		b64[16] = '\0';
		ck_assert_msg(!contains(s, b64), "%s holds %s", s, b64);
	}
	ck_assert_msg(memmem(s, strlen(s), hash, 8) == NULL, "raw hash bytes in %s", s);
}

START_TEST(test_agent_to_json)
{
	struct agent *a = agent_make("build-bot", "executor");
	struct json_object *o;
	const char *s;
	char text[TOKEN_TEXT_MAX + 1];

	ck_assert_int_eq(token_new(&treg, text, a->token_hash), 0);
	a->created_us = 1795676317123456;
	a->updated_us = 1795676318999999;
	a->token_created_us = 1795676317000000;
	o = agent_to_json(a);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	ck_assert_str_eq(s, "{\"id\":\"build-bot\",\"role\":\"executor\",\"permissions\":[\"read_files\","
			    "\"write_files\",\"execute_commands\",\"network_access\"],\"status\":"
			    "\"active\",\"description\":null,\"created_at\":1795676317,\"updated_at\":"
			    "1795676318,\"expires_at\":null,\"token_created_at\":1795676317,"
			    "\"token_expires_at\":null,\"trust\":0.0,\"token_budget\":null,"
			    "\"budget_period\":\"day\",\"tokens_used\":0,\"cost_used\":0.0,"
			    "\"tokens_total\":0}");
	assert_no_hash(s, a->token_hash);
	ck_assert(!contains(s, text + 13));
	json_object_put(o);

	/* Suspended with a reason, a description, every time set. */
	a->status = AGENT_SUSPENDED;
	a->permissions = PERM_READ_SECRETS;
	a->description = strdup("deploys \"things\"");
	a->suspend_reason = strdup("incident 42");
	a->expires_us = 1800000000000000;
	a->token_expires_us = 1796281117500000;
	a->trust = 0.25;
	a->token_budget = 1000;
	a->budget_period = BUDGET_TOTAL;
	a->tokens_used = a->tokens_total = 5;
	o = agent_to_json(a);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	ck_assert_str_eq(s, "{\"id\":\"build-bot\",\"role\":\"executor\",\"permissions\":"
			    "[\"read_secrets\"],"
			    "\"status\":\"suspended\",\"description\":\"deploys \\\"things\\\"\","
			    "\"suspend_reason\":\"incident 42\",\"created_at\":1795676317,"
			    "\"updated_at\":1795676318,\"expires_at\":1800000000,\"token_created_at\":"
			    "1795676317,\"token_expires_at\":1796281117,\"trust\":0.25,"
			    "\"token_budget\":1000,\"budget_period\":\"total\",\"tokens_used\":5,"
			    "\"cost_used\":0.0,\"tokens_total\":5}");
	assert_no_hash(s, a->token_hash);
	json_object_put(o);

	/* A hash that spells text a careless serializer might show. */
	for (size_t i = 0; i < TOKEN_HASH_SIZE; i++)
		a->token_hash[i] = (uint8_t)('a' + i % 26);
	o = agent_to_json(a);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	assert_no_hash(s, a->token_hash);
	ck_assert_int_eq(json_object_object_length(o), 17);
	json_object_put(o);
	agent_free(a);
}
END_TEST

/* ---- agent_params_parse ---- */

static struct agent_params ap;
static char amsg[300];

/* Parses params text (a JSON object) for method; the message is checked on failure. */
static bool
parse_params(const char *method, const char *text, size_t msg_size)
{
	struct json_object *params = json_tokener_parse(text);
	bool ok;

	ck_assert_msg(params != NULL, "test bug: bad JSON %s", text);
	ck_assert_uint_le(msg_size, sizeof amsg);
	strcpy(amsg, "untouched");
	memset(&ap, 0xa5, sizeof ap);
	ok = agent_params_parse(method, params, &ap, amsg, msg_size);
	if (ok) {
		ck_assert_str_eq(amsg, "untouched");
	} else {
		ck_assert_uint_gt(strlen(amsg), 0);
		ck_assert_uint_lt(strlen(amsg), msg_size);
		assert_utf8(amsg);
	}
	/* ap's strings borrow from params: only amsg may be read after this. */
	json_object_put(params);
	return ok;
}

static struct json_object *held;

/* As parse_params, but params stay alive (until the next call): the strings borrow from them. */
static bool
parse_keep(const char *method, const char *text)
{
	bool ok;

	json_object_put(held);
	held = json_tokener_parse(text);
	ck_assert_msg(held != NULL, "test bug: bad JSON %s", text);
	strcpy(amsg, "untouched");
	memset(&ap, 0xa5, sizeof ap);
	ok = agent_params_parse(method, held, &ap, amsg, sizeof amsg);
	if (!ok) {
		ck_assert_uint_gt(strlen(amsg), 0);
		assert_utf8(amsg);
	}
	return ok;
}

static void
params_teardown(void)
{
	json_object_put(held);
	held = NULL;
}

static void
expect_ok(const char *method, const char *text)
{
	ck_assert_msg(parse_keep(method, text), "%s %s refused: %s", method, text, amsg);
}

static void
expect_refused(const char *method, const char *text, const char *want)
{
	ck_assert_msg(!parse_params(method, text, sizeof amsg), "%s %s accepted", method, text);
	ck_assert_str_eq(amsg, want);
}

#define BAD_ID(v) \
	"invalid params: \"" v "\" is not a valid agent id (1 to 64 of a-z 0-9 . _ -, " \
	"starting with a letter or digit)"
#define BAD_ROLE(v) \
	"invalid params: unknown role \"" v "\" (known: governance, counselor, executor, observer)"
#define BAD_PERM(v)                                                                     \
	"invalid params: unknown permission \"" v "\" (known: read_files, write_files, "   \
	"execute_commands, network_access, read_secrets, evaluate_governance, "          \
	"provide_counsel)"
#define BAD_SECONDS(k) "invalid params: \"" k "\" must be a number of seconds from 1 to ten years"
#define BAD_TEXT(k) "invalid params: \"" k "\" must be one line of at most 1024 bytes"

START_TEST(test_params_register_ok)
{
	unsigned exec = 0;

	ck_assert_ptr_nonnull(role_parse("executor", &exec));
	expect_ok("agent.register",
		  "{\"id\":\"deploy-bot\",\"role\":\"executor\",\"permissions\":[\"read_secrets\"],"
		  "\"description\":\"deploys to staging\",\"token_expires_in\":604800}");
	ck_assert_str_eq(ap.id, "deploy-bot");
	ck_assert_ptr_eq(ap.role, role_parse("executor", NULL)); /* the static name */
	ck_assert_uint_eq(ap.role_defaults, exec);
	ck_assert_uint_eq(ap.permissions, PERM_READ_SECRETS);
	ck_assert_str_eq(ap.description, "deploys to staging");
	ck_assert_ptr_null(ap.reason);
	ck_assert_ptr_null(ap.token);
	ck_assert_int_eq(ap.expires_in_s, 0);
	ck_assert_int_eq(ap.token_expires_in_s, 604800);

	/* The smallest request: no permissions beyond the role's, never expires. */
	expect_ok("agent.register", "{\"id\":\"w\",\"role\":\"observer\"}");
	ck_assert_str_eq(ap.id, "w");
	ck_assert_str_eq(ap.role, "observer");
	ck_assert_uint_eq(ap.role_defaults, PERM_READ_FILES);
	ck_assert_uint_eq(ap.permissions, 0);
	ck_assert_ptr_null(ap.description);
	ck_assert_int_eq(ap.expires_in_s, 0);
	ck_assert_int_eq(ap.token_expires_in_s, 0);

	/* An empty list is fine for register. */
	expect_ok("agent.register", "{\"id\":\"g\",\"role\":\"governance\",\"permissions\":[]}");
	ck_assert_str_eq(ap.role, "governance");
	ck_assert_uint_eq(ap.role_defaults, PERM_READ_FILES | PERM_EVALUATE_GOVERNANCE);
	ck_assert_uint_eq(ap.permissions, 0);

	expect_ok("agent.register",
		  "{\"id\":\"c\",\"role\":\"counselor\",\"permissions\":[\"provide_counsel\","
		  "\"network_access\",\"network_access\"],\"expires_in\":1,\"description\":\"\"}");
	ck_assert_str_eq(ap.role, "counselor");
	ck_assert_uint_eq(ap.role_defaults, PERM_READ_FILES | PERM_PROVIDE_COUNSEL);
	ck_assert_uint_eq(ap.permissions, PERM_PROVIDE_COUNSEL | PERM_NETWORK_ACCESS);
	ck_assert_int_eq(ap.expires_in_s, 1);
	ck_assert_str_eq(ap.description, "");

	expect_ok("agent.register",
		  "{\"id\":\"all\",\"role\":\"observer\",\"permissions\":[\"provide_counsel\","
		  "\"evaluate_governance\",\"read_secrets\",\"network_access\",\"execute_commands\","
		  "\"write_files\",\"read_files\"]}");
	ck_assert_uint_eq(ap.permissions, PERM_ALL);
}
END_TEST

START_TEST(test_params_register_bad)
{
	expect_refused("agent.register", "{\"id\":\"Deploy\",\"role\":\"executor\"}",
		       BAD_ID("Deploy"));
	expect_refused("agent.register", "{\"id\":\"\",\"role\":\"executor\"}", BAD_ID(""));
	expect_refused("agent.register", "{\"id\":\"-x\",\"role\":\"executor\"}", BAD_ID("-x"));
	expect_refused("agent.register", "{\"id\":\"x\",\"role\":\"admin\"}", BAD_ROLE("admin"));
	expect_refused("agent.register", "{\"id\":\"x\",\"role\":\"\"}", BAD_ROLE(""));
	expect_refused("agent.register", "{\"id\":\"x\",\"role\":\"Executor\"}",
		       BAD_ROLE("Executor"));
	/* The id is checked first. */
	expect_refused("agent.register", "{\"id\":\"X\",\"role\":\"admin\"}", BAD_ID("X"));
	expect_refused("agent.register",
		       "{\"id\":\"x\",\"role\":\"observer\",\"permissions\":[\"sudo\"]}",
		       BAD_PERM("sudo"));
	expect_refused("agent.register",
		       "{\"id\":\"x\",\"role\":\"observer\",\"permissions\":[\"read_files\",\"\"]}",
		       BAD_PERM(""));
	expect_refused("agent.register",
		       "{\"id\":\"x\",\"role\":\"observer\",\"permissions\":[\"READ_FILES\"]}",
		       BAD_PERM("READ_FILES"));
	expect_refused("agent.register",
		       "{\"id\":\"x\",\"role\":\"observer\",\"permissions\":[1]}",
		       "invalid params: \"permissions\" must be an array of strings");
	expect_refused("agent.register",
		       "{\"id\":\"x\",\"role\":\"observer\",\"permissions\":[\"read_files\",null]}",
		       "invalid params: \"permissions\" must be an array of strings");
	expect_refused("agent.register",
		       "{\"id\":\"x\",\"role\":\"observer\",\"permissions\":[[\"read_files\"]]}",
		       "invalid params: \"permissions\" must be an array of strings");
}
END_TEST

START_TEST(test_params_expires)
{
	static const char *const keys[] = { "expires_in", "token_expires_in" };
	char text[256], want[128];

	for (size_t k = 0; k < 2; k++) {
		static const char *const bad[] = {
			"0", "-1", "315360001", "9223372036854775807", "-9223372036854775808",
			"\"60\"", "1.5", "60.0", "null", "true", "[60]",
		};
		int64_t got;

		snprintf(want, sizeof want,
			 "invalid params: \"%s\" must be a number of seconds from 1 to ten years",
			 keys[k]);
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			snprintf(text, sizeof text, "{\"id\":\"x\",\"role\":\"observer\",\"%s\":%s}",
				 keys[k], bad[i]);
			expect_refused("agent.register", text, want);
		}
		/* 1, and ten years of 365 days exactly. */
		snprintf(text, sizeof text, "{\"id\":\"x\",\"role\":\"observer\",\"%s\":1}", keys[k]);
		expect_ok("agent.register", text);
		got = k == 0 ? ap.expires_in_s : ap.token_expires_in_s;
		ck_assert_int_eq(got, 1);
		ck_assert_int_eq(AGENT_MAX_LIFETIME_S, 315360000);
		snprintf(text, sizeof text, "{\"id\":\"x\",\"role\":\"observer\",\"%s\":315360000}",
			 keys[k]);
		expect_ok("agent.register", text);
		got = k == 0 ? ap.expires_in_s : ap.token_expires_in_s;
		ck_assert_int_eq(got, 315360000);
		ck_assert_int_eq(k == 0 ? ap.token_expires_in_s : ap.expires_in_s, 0);
	}
	/* rotate_token takes token_expires_in the same way. */
	expect_ok("agent.rotate_token", "{\"id\":\"x\",\"token_expires_in\":3600}");
	ck_assert_str_eq(ap.id, "x");
	ck_assert_int_eq(ap.token_expires_in_s, 3600);
	ck_assert_int_eq(ap.expires_in_s, 0);
	expect_ok("agent.rotate_token", "{\"id\":\"x\"}");
	ck_assert_int_eq(ap.token_expires_in_s, 0);
	expect_refused("agent.rotate_token", "{\"id\":\"x\",\"token_expires_in\":0}",
		       BAD_SECONDS("token_expires_in"));
	expect_refused("agent.rotate_token", "{\"id\":\"x\",\"token_expires_in\":315360001}",
		       BAD_SECONDS("token_expires_in"));
}
END_TEST

START_TEST(test_params_text)
{
	static const char *const bad[] = {
		"a\\nb", "a\\rb", "a\\tb", "\\u0001", "x\\u001fy", "del\\u007f", "\\n",
	};
	char *text, *s;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char t[256];

		snprintf(t, sizeof t, "{\"id\":\"x\",\"role\":\"observer\",\"description\":\"%s\"}",
			 bad[i]);
		expect_refused("agent.register", t, BAD_TEXT("description"));
		snprintf(t, sizeof t, "{\"id\":\"x\",\"reason\":\"%s\"}", bad[i]);
		expect_refused("agent.suspend", t, BAD_TEXT("reason"));
	}

	text = malloc(4096);
	ck_assert_ptr_nonnull(text);
	/* 1024 bytes is the limit; 1025 too many. */
	s = repeat('d', 1024);
	snprintf(text, 4096, "{\"id\":\"x\",\"role\":\"observer\",\"description\":\"%s\"}", s);
	expect_ok("agent.register", text);
	ck_assert_uint_eq(strlen(ap.description), 1024);
	snprintf(text, 4096, "{\"id\":\"x\",\"reason\":\"%s\"}", s);
	expect_ok("agent.suspend", text);
	ck_assert_uint_eq(strlen(ap.reason), 1024);
	free(s);
	s = repeat('d', 1025);
	snprintf(text, 4096, "{\"id\":\"x\",\"role\":\"observer\",\"description\":\"%s\"}", s);
	expect_refused("agent.register", text, BAD_TEXT("description"));
	snprintf(text, 4096, "{\"id\":\"x\",\"reason\":\"%s\"}", s);
	expect_refused("agent.suspend", text, BAD_TEXT("reason"));
	free(s);

	/* Bytes, not characters: 512 two-byte characters fit, one more byte does not. */
	s = malloc(2048);
	ck_assert_ptr_nonnull(s);
	s[0] = '\0';
	for (int i = 0; i < 512; i++)
		strcat(s, "\xc3\xa9");
	snprintf(text, 4096, "{\"id\":\"x\",\"role\":\"observer\",\"description\":\"%s\"}", s);
	expect_ok("agent.register", text);
	ck_assert_uint_eq(strlen(ap.description), 1024);
	snprintf(text, 4096, "{\"id\":\"x\",\"role\":\"observer\",\"description\":\"%s!\"}", s);
	expect_refused("agent.register", text, BAD_TEXT("description"));
	free(s);
	free(text);

	/* Printable text of every script is fine. */
	expect_ok("agent.suspend", "{\"id\":\"x\",\"reason\":\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
				   "\xf0\x9f\x94\x92 ~!@#$%^&*()\"}");
	ck_assert_str_eq(ap.reason, "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92 ~!@#$%^&*()");
	expect_ok("agent.suspend", "{\"id\":\"x\"}");
	ck_assert_ptr_null(ap.reason);
	ck_assert_str_eq(ap.id, "x");
}
END_TEST

START_TEST(test_params_id_methods)
{
	static const char *const methods[] = {
		"agent.show", "agent.resume", "agent.delete", "agent.suspend", "agent.rotate_token",
		"agent.grant", "agent.revoke",
	};

	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		bool perms = strcmp(methods[i], "agent.grant") == 0 ||
			     strcmp(methods[i], "agent.revoke") == 0;
		char t[256];

		snprintf(t, sizeof t, "{\"id\":\"build-bot.2\"%s}",
			 perms ? ",\"permissions\":[\"read_files\"]" : "");
		expect_ok(methods[i], t);
		ck_assert_str_eq(ap.id, "build-bot.2");
		ck_assert_ptr_null(ap.role);
		ck_assert_uint_eq(ap.role_defaults, 0);
		ck_assert_uint_eq(ap.permissions, perms ? PERM_READ_FILES : 0);
		ck_assert_ptr_null(ap.description);
		ck_assert_ptr_null(ap.token);

		snprintf(t, sizeof t, "{\"id\":\"Build-bot\"%s}",
			 perms ? ",\"permissions\":[\"read_files\"]" : "");
		expect_refused(methods[i], t, BAD_ID("Build-bot"));
		snprintf(t, sizeof t, "{\"id\":\"\"%s}", perms ? ",\"permissions\":[\"read_files\"]" : "");
		expect_refused(methods[i], t, BAD_ID(""));
		snprintf(t, sizeof t, "{\"id\":\".hidden\"%s}",
			 perms ? ",\"permissions\":[\"read_files\"]" : "");
		expect_refused(methods[i], t, BAD_ID(".hidden"));
		snprintf(t, sizeof t, "{\"id\":\"a b\"%s}", perms ? ",\"permissions\":[\"sudo\"]" : "");
		expect_refused(methods[i], t, BAD_ID("a b"));
	}
}
END_TEST

START_TEST(test_params_grant_revoke)
{
	static const char *const methods[] = { "agent.grant", "agent.revoke" };

	for (size_t i = 0; i < 2; i++) {
		expect_ok(methods[i], "{\"id\":\"x\",\"permissions\":[\"write_files\",\"network_access\"]}");
		ck_assert_uint_eq(ap.permissions, PERM_WRITE_FILES | PERM_NETWORK_ACCESS);
		expect_ok(methods[i], "{\"id\":\"x\",\"permissions\":[\"provide_counsel\"]}");
		ck_assert_uint_eq(ap.permissions, PERM_PROVIDE_COUNSEL);
		/* Nothing to grant or revoke is a mistake, not a no-op. */
		expect_refused(methods[i], "{\"id\":\"x\",\"permissions\":[]}",
			       "invalid params: \"permissions\" must name at least one permission");
		expect_refused(methods[i], "{\"id\":\"x\"}", "invalid params: missing \"permissions\"");
		expect_refused(methods[i], "{\"id\":\"x\",\"permissions\":[\"read_files\",\"root\"]}",
			       BAD_PERM("root"));
		expect_refused(methods[i], "{\"id\":\"x\",\"permissions\":[\"read_files\",true]}",
			       "invalid params: \"permissions\" must be an array of strings");
		expect_refused(methods[i], "{\"id\":\"x\",\"permissions\":[{}]}",
			       "invalid params: \"permissions\" must be an array of strings");
	}
}
END_TEST

START_TEST(test_params_hello)
{
	expect_ok("session.hello",
		  "{\"agent\":\"watcher\","
		  "\"token\":\"mst_a415038d_ficNMQ4kQh8is4kiQ2cHR7YFi_LCZyLC2nwfg2dzx_Y\"}");
	ck_assert_str_eq(ap.id, "watcher");
	ck_assert_str_eq(ap.token, "mst_a415038d_ficNMQ4kQh8is4kiQ2cHR7YFi_LCZyLC2nwfg2dzx_Y");
	ck_assert_ptr_null(ap.role);
	ck_assert_uint_eq(ap.permissions, 0);
	/* The token's shape is token_verify()'s business, not the params'. */
	expect_ok("session.hello", "{\"agent\":\"watcher\",\"token\":\"\"}");
	ck_assert_str_eq(ap.token, "");
	expect_refused("session.hello", "{\"agent\":\"Watcher\",\"token\":\"mst_x\"}",
		       BAD_ID("Watcher"));
	expect_refused("session.hello", "{\"agent\":\"\",\"token\":\"mst_x\"}", BAD_ID(""));
	expect_refused("session.hello", "{\"agent\":\"../etc\",\"token\":\"mst_x\"}",
		       BAD_ID("../etc"));
}
END_TEST

/*
 * Values are quoted cut short (ids at 80 bytes, roles and permissions at
 * 64); a cut through a character must not leave half of it in the reply.
 */
START_TEST(test_params_cut_values)
{
	char text[512], want[512], *a;

	/* Long ids are named, cut at 80 bytes. */
	a = repeat('a', 100);
	snprintf(text, sizeof text, "{\"id\":\"%s\",\"role\":\"observer\"}", a);
	a[80] = '\0';
	snprintf(want, sizeof want, BAD_ID("%s"), a);
	expect_refused("agent.register", text, want);
	free(a);
	/* 65 characters: named whole. */
	a = repeat('b', 65);
	snprintf(text, sizeof text, "{\"id\":\"%s\"}", a);
	snprintf(want, sizeof want, BAD_ID("%s"), a);
	expect_refused("agent.show", text, want);
	free(a);

	/* Cut inside "é" (C3 A9) at byte 80: the C3 becomes '?'. */
	a = repeat('a', 79);
	snprintf(text, sizeof text, "{\"id\":\"%s\xc3\xa9zz\"}", a);
	snprintf(want, sizeof want, BAD_ID("%s?"), a);
	expect_refused("agent.delete", text, want);
	/* ... and inside a four-byte character. */
	snprintf(text, sizeof text, "{\"agent\":\"%s\xf0\x9f\x94\x92\",\"token\":\"t\"}", a);
	snprintf(want, sizeof want, BAD_ID("%s?"), a);
	expect_refused("session.hello", text, want);
	free(a);
	/* A character that ends exactly at the cut stays whole. */
	a = repeat('a', 78);
	snprintf(text, sizeof text, "{\"id\":\"%s\xc3\xa9zz\"}", a);
	snprintf(want, sizeof want, BAD_ID("%s\xc3\xa9"), a);
	expect_refused("agent.delete", text, want);
	free(a);

	/* Roles at 64 bytes. */
	a = repeat('r', 63);
	snprintf(text, sizeof text, "{\"id\":\"x\",\"role\":\"%s\xc3\xa9\"}", a);
	snprintf(want, sizeof want, BAD_ROLE("%s?"), a);
	expect_refused("agent.register", text, want);
	free(a);
	a = repeat('r', 200);
	snprintf(text, sizeof text, "{\"id\":\"x\",\"role\":\"%s\"}", a);
	a[64] = '\0';
	snprintf(want, sizeof want, BAD_ROLE("%s"), a);
	expect_refused("agent.register", text, want);
	free(a);

	/* Permissions at 64 bytes. */
	a = repeat('p', 62);
	snprintf(text, sizeof text, "{\"id\":\"x\",\"permissions\":[\"%s\xe6\x97\xa5\"]}", a);
	snprintf(want, sizeof want, BAD_PERM("%s??"), a);
	expect_refused("agent.grant", text, want);
	free(a);
	a = repeat('p', 300);
	snprintf(text, sizeof text, "{\"id\":\"x\",\"permissions\":[\"%s\"]}", a);
	a[64] = '\0';
	snprintf(want, sizeof want, BAD_PERM("%s"), a);
	expect_refused("agent.revoke", text, want);
	free(a);
}
END_TEST

/*
 * Descriptions and suspend reasons are one line without control
 * characters, C1 included: NEL (U+0085) breaks lines and CSI (U+009B)
 * starts terminal escapes where maestroctl prints them.
 */
START_TEST(test_params_text_c1_controls)
{
	static const char *const c1[] = {
		"\\u0080",		     /* PAD, the first C1 control */
		"next\\u0085line",	     /* NEL: a line break */
		"\\u009b31mred\\u009b0m", /* CSI 31 m: a terminal escape */
		"\\u009f",		     /* APC, the last */
	};

	for (size_t i = 0; i < sizeof c1 / sizeof c1[0]; i++) {
		char t[256];

		snprintf(t, sizeof t, "{\"id\":\"x\",\"role\":\"observer\",\"description\":\"%s\"}",
			 c1[i]);
		expect_refused("agent.register", t, BAD_TEXT("description"));
		snprintf(t, sizeof t, "{\"id\":\"x\",\"reason\":\"%s\"}", c1[i]);
		expect_refused("agent.suspend", t, BAD_TEXT("reason"));
	}
	/* The line separators too. */
	expect_refused("agent.suspend", "{\"id\":\"x\",\"reason\":\"a\\u2028b\"}", BAD_TEXT("reason"));
	expect_refused("agent.suspend", "{\"id\":\"x\",\"reason\":\"a\\u2029b\"}", BAD_TEXT("reason"));
	/* The printable neighbours stay allowed: U+00A0 (NBSP), U+007E, U+2027. */
	expect_ok("agent.suspend", "{\"id\":\"x\",\"reason\":\"a\\u00a0b~\\u2027\"}");
}
END_TEST

/* A buffer too small for the sentence: cut, terminated, and still UTF-8. */
START_TEST(test_params_small_buffer)
{
	/* "invalid params: \"" is 17 bytes; with 19 the message ends in the first byte of é. */
	ck_assert(!parse_params("agent.show", "{\"id\":\"\xc3\xa9t\xc3\xa9\"}", 19));
	ck_assert_str_eq(amsg, "invalid params: \"?");
	ck_assert(!parse_params("agent.show", "{\"id\":\"\xc3\xa9t\xc3\xa9\"}", 20));
	ck_assert_str_eq(amsg, "invalid params: \"\xc3\xa9");
	ck_assert(!parse_params("agent.show", "{\"id\":\"\xe6\x97\xa5\"}", 20));
	ck_assert_str_eq(amsg, "invalid params: \"??");
	/* As agent.show does it, with 128 bytes: the sentence is cut, not overrun. */
	{
		char text[256], *a = repeat('a', 80);

		snprintf(text, sizeof text, "{\"id\":\"%s!\"}", a);
		ck_assert(!parse_params("agent.show", text, 128));
		ck_assert_uint_eq(strlen(amsg), 127);
		ck_assert_int_eq(strncmp(amsg, "invalid params: \"aaaa", 21), 0);
		free(a);
	}
	ck_assert(!parse_params("agent.grant", "{\"id\":\"x\",\"permissions\":[]}", 8));
	ck_assert_str_eq(amsg, "invalid");
}
END_TEST

static Suite *
agent_suite(void)
{
	Suite *s = suite_create("agent");
	TCase *tc;

	tc = tcase_create("ids");
	tcase_add_test(tc, test_id_valid);
	suite_add_tcase(s, tc);

	tc = tcase_create("permissions");
	tcase_add_test(tc, test_permission_names);
	tcase_add_test(tc, test_permission_parse_rejects);
	tcase_add_test(tc, test_permissions_format);
	tcase_add_test(tc, test_permissions_round_trip);
	tcase_add_test(tc, test_permissions_parse_list);
	tcase_add_test(tc, test_permissions_to_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("roles");
	tcase_add_test(tc, test_role_defaults);
	tcase_add_test(tc, test_role_unknown);
	tcase_add_test(tc, test_has_permission);
	suite_add_tcase(s, tc);

	tc = tcase_create("registry");
	tcase_add_test(tc, test_registry);
	tcase_add_test(tc, test_registry_grow);
	tcase_add_test(tc, test_agent_dup);
	suite_add_tcase(s, tc);

	tc = tcase_create("tokens");
	tcase_add_checked_fixture(tc, tokens_setup, tokens_teardown);
	tcase_add_test(tc, test_token_format);
	tcase_add_test(tc, test_token_verify);
	tcase_add_test(tc, test_token_other_key);
	tcase_add_test(tc, test_agent_to_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("params");
	tcase_add_checked_fixture(tc, NULL, params_teardown);
	tcase_add_test(tc, test_params_register_ok);
	tcase_add_test(tc, test_params_register_bad);
	tcase_add_test(tc, test_params_expires);
	tcase_add_test(tc, test_params_text);
	tcase_add_test(tc, test_params_id_methods);
	tcase_add_test(tc, test_params_grant_revoke);
	tcase_add_test(tc, test_params_hello);
	tcase_add_test(tc, test_params_cut_values);
	tcase_add_test(tc, test_params_small_buffer);
	tcase_add_test(tc, test_params_text_c1_controls);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(agent_suite());
}
