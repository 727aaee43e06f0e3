/* Agent identities: roles, permissions, the in-memory registry, tokens. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "agent.h"
#include "util.h"

static const char *const permission_names[] = {
	"read_files",	   "write_files",	  "execute_commands", "network_access",
	"read_secrets",	   "evaluate_governance", "provide_counsel",
};

/* The least-privilege sets each role starts from. */
static const struct {
	const char *name;
	unsigned defaults;
} roles[] = {
	{ "governance", PERM_READ_FILES | PERM_EVALUATE_GOVERNANCE },
	{ "counselor", PERM_READ_FILES | PERM_PROVIDE_COUNSEL },
	{ "executor", PERM_READ_FILES | PERM_WRITE_FILES | PERM_EXECUTE_COMMANDS |
			      PERM_NETWORK_ACCESS },
	{ "observer", PERM_READ_FILES },
};

uint64_t
agent_next_version(void)
{
	static uint64_t version; /* loop thread only */

	return ++version;
}

static const char *const period_names[] = { "day", "week", "month", "total" };
/* How a reason names the period: "100 of 50 tokens used this day". */
static const char *const period_phrases[] = { "this day", "this week", "this month", "in all" };

const char *
budget_period_name(enum budget_period p)
{
	return (unsigned)p < 4 ? period_names[p] : "total";
}

int
budget_period_parse(const char *name, enum budget_period *p)
{
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(name, period_names[i]) == 0) {
			*p = (enum budget_period)i;
			return 0;
		}
	return -EINVAL;
}

int64_t
budget_period_start(enum budget_period p, int64_t now_us)
{
	const int64_t day_us = 86400ll * 1000000;
	int64_t days = now_us / day_us;
	struct tm tm;
	time_t t;

	if (now_us < 0)
		return 0; /* a clock before 1970 is broken; one period is as good as another */
	switch (p) {
	case BUDGET_DAY:
		return days * day_us;
	case BUDGET_WEEK:
		/* 1970-01-01 was a Thursday: three days after a Monday. */
		return (days - (days + 3) % 7) * day_us;
	case BUDGET_MONTH:
		t = (time_t)(now_us / 1000000);
		if (gmtime_r(&t, &tm) == NULL)
			return 0;
		tm.tm_mday = 1;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		return (int64_t)timegm(&tm) * 1000000;
	case BUDGET_TOTAL:
		break;
	}
	return 0;
}

uint64_t
agent_tokens_in_period(const struct agent *a, int64_t now_us)
{
	return a->period_start_us == budget_period_start(a->budget_period, now_us) ? a->tokens_used
										    : 0;
}

/* Counts stop at INT64_MAX: SQLite and JSON hold signed 64-bit integers. */
static uint64_t
add_saturating(uint64_t a, uint64_t b)
{
	return a >= (uint64_t)INT64_MAX || b > (uint64_t)INT64_MAX - a ? (uint64_t)INT64_MAX : a + b;
}

void
agent_charge(struct agent *a, uint64_t tokens, double cost, int64_t now_us)
{
	int64_t start = budget_period_start(a->budget_period, now_us);

	if (a->period_start_us != start) {
		a->period_start_us = start;
		a->tokens_used = 0;
		a->cost_used = 0;
	}
	a->tokens_used = add_saturating(a->tokens_used, tokens);
	a->tokens_total = add_saturating(a->tokens_total, tokens);
	a->cost_used += cost;
}

bool
agent_budget_exhausted(const struct agent *a, int64_t now_us, char *reason, size_t size)
{
	uint64_t used = agent_tokens_in_period(a, now_us);

	if (a->token_budget == 0 || used < a->token_budget)
		return false;
	snprintf(reason, size, "token budget exhausted: %llu of %llu tokens used %s",
		 (unsigned long long)used, (unsigned long long)a->token_budget,
		 period_phrases[(unsigned)a->budget_period < 4 ? a->budget_period : BUDGET_TOTAL]);
	return true;
}

const char *
permission_name(unsigned bit)
{
	for (unsigned i = 0; i < sizeof permission_names / sizeof permission_names[0]; i++)
		if (bit == 1u << i)
			return permission_names[i];
	return "unknown";
}

int
permission_parse(const char *name, unsigned *bit)
{
	for (unsigned i = 0; i < sizeof permission_names / sizeof permission_names[0]; i++)
		if (strcmp(name, permission_names[i]) == 0) {
			*bit = 1u << i;
			return 0;
		}
	return -EINVAL;
}

struct json_object *
permissions_to_json(unsigned mask)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < sizeof permission_names / sizeof permission_names[0]; i++)
		if (mask & (1u << i))
			json_object_array_add(a, json_object_new_string(permission_names[i]));
	return a;
}

/* Appends the names in mask to buf, separated by sep; snprintf-style truncation. */
static void
names_join(unsigned mask, const char *sep, char *buf, size_t size, size_t used)
{
	bool first = true;

	for (unsigned i = 0; i < sizeof permission_names / sizeof permission_names[0]; i++) {
		if (!(mask & (1u << i)))
			continue;
		used += (size_t)snprintf(buf + (used < size ? used : size), used < size ? size - used : 0,
					 "%s%s", first ? "" : sep, permission_names[i]);
		first = false;
	}
}

void
permissions_format(unsigned mask, char *buf, size_t size)
{
	buf[0] = '\0';
	names_join(mask, ",", buf, size, 0);
}

int
permissions_parse_list(const char *text, unsigned *mask)
{
	char buf[256], *save = NULL;
	unsigned m = 0, bit;

	if (strlen(text) >= sizeof buf)
		return -EINVAL;
	strcpy(buf, text);
	/* strtok_r() would skip empty items; a stored list never has them. */
	if (strstr(buf, ",,") != NULL || buf[0] == ',' || (buf[0] && buf[strlen(buf) - 1] == ','))
		return -EINVAL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (permission_parse(t, &bit) < 0)
			return -EINVAL;
		m |= bit;
	}
	*mask = m;
	return 0;
}

const char *
role_parse(const char *name, unsigned *defaults)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(name, roles[i].name) == 0) {
			if (defaults)
				*defaults = roles[i].defaults;
			return roles[i].name;
		}
	return NULL;
}

const char *
role_names(void)
{
	return "governance, counselor, executor, observer";
}

bool
agent_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > AGENT_ID_MAX)
		return false;
	if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= '0' && id[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

struct agent *
agent_dup(const struct agent *a)
{
	struct agent *b = malloc(sizeof *b);

	if (b == NULL)
		return NULL;
	*b = *a;
	b->description = a->description ? strdup(a->description) : NULL;
	b->suspend_reason = a->suspend_reason ? strdup(a->suspend_reason) : NULL;
	if ((a->description && !b->description) || (a->suspend_reason && !b->suspend_reason)) {
		agent_free(b);
		return NULL;
	}
	return b;
}

void
agent_free(struct agent *a)
{
	if (a == NULL)
		return;
	free(a->description);
	free(a->suspend_reason);
	sodium_memzero(a->token_hash, sizeof a->token_hash);
	free(a);
}

static struct json_object *
time_or_null(int64_t us)
{
	return us ? json_object_new_int64(us / 1000000) : NULL;
}

struct json_object *
agent_to_json(const struct agent *a)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(a->id));
	json_object_object_add(o, "role", json_object_new_string(a->role));
	json_object_object_add(o, "permissions", permissions_to_json(a->permissions));
	json_object_object_add(o, "status", json_object_new_string(
						    a->status == AGENT_ACTIVE ? "active" : "suspended"));
	json_object_object_add(o, "description",
			       a->description ? json_object_new_string(a->description) : NULL);
	if (a->suspend_reason)
		json_object_object_add(o, "suspend_reason",
				       json_object_new_string(a->suspend_reason));
	json_object_object_add(o, "created_at", time_or_null(a->created_us));
	json_object_object_add(o, "updated_at", time_or_null(a->updated_us));
	json_object_object_add(o, "expires_at", time_or_null(a->expires_us));
	json_object_object_add(o, "token_created_at", time_or_null(a->token_created_us));
	json_object_object_add(o, "token_expires_at", time_or_null(a->token_expires_us));
	json_object_object_add(o, "trust", json_object_new_double(a->trust));
	json_object_object_add(o, "token_budget", a->token_budget
							  ? json_object_new_int64((int64_t)a->token_budget)
							  : NULL);
	json_object_object_add(o, "budget_period",
			       json_object_new_string(budget_period_name(a->budget_period)));
	{
		int64_t now = (int64_t)now_usec(CLOCK_REALTIME);
		bool current = a->period_start_us == budget_period_start(a->budget_period, now);

		json_object_object_add(o, "tokens_used",
				       json_object_new_int64((int64_t)agent_tokens_in_period(a, now)));
		json_object_object_add(o, "cost_used", json_object_new_double(current ? a->cost_used : 0));
		json_object_object_add(o, "tokens_total", json_object_new_int64((int64_t)a->tokens_total));
	}
	return o;
}

bool
agent_has_permission(const struct agent *a, unsigned perm, char *reason, size_t size)
{
	unsigned missing = perm & ~a->permissions;
	int used;

	if (missing == 0)
		return true;
	used = snprintf(reason, size, "agent %s (%s) lacks permission%s: ", a->id, a->role,
			(missing & (missing - 1)) ? "s" : "");
	names_join(missing, ", ", reason, size, used > 0 ? (size_t)used : 0);
	return false;
}

struct agent *
registry_find(struct agent_registry *reg, const char *id)
{
	for (size_t i = 0; i < reg->n; i++)
		if (strcmp(reg->agents[i]->id, id) == 0)
			return reg->agents[i];
	return NULL;
}

int
registry_put(struct agent_registry *reg, struct agent *a)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->agents[i] == a)
			return 0; /* already there: freeing it would leave a dangling entry */
	for (size_t i = 0; i < reg->n; i++)
		if (strcmp(reg->agents[i]->id, a->id) == 0) {
			agent_free(reg->agents[i]);
			reg->agents[i] = a;
			return 0;
		}
	if (reg->n == reg->cap) {
		size_t ncap = reg->cap ? reg->cap * 2 : 16;
		struct agent **n = realloc(reg->agents, ncap * sizeof *n);

		if (n == NULL)
			return -ENOMEM;
		reg->agents = n;
		reg->cap = ncap;
	}
	reg->agents[reg->n++] = a;
	return 0;
}

void
registry_remove(struct agent_registry *reg, const char *id)
{
	for (size_t i = 0; i < reg->n; i++)
		if (strcmp(reg->agents[i]->id, id) == 0) {
			agent_free(reg->agents[i]);
			reg->agents[i] = reg->agents[--reg->n];
			return;
		}
}

void
registry_clear(struct agent_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++)
		agent_free(reg->agents[i]);
	free(reg->agents);
	reg->agents = NULL;
	reg->n = reg->cap = 0;
	sodium_memzero(reg->token_key, sizeof reg->token_key);
}

int
registry_copy(struct agent_registry *dst, const struct agent_registry *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct agent *a = agent_dup(src->agents[i]);

		if (a == NULL || registry_put(dst, a) < 0) {
			agent_free(a);
			return -ENOMEM;
		}
	}
	return 0;
}

static void
token_hash(const struct agent_registry *reg, const char *text, uint8_t hash[TOKEN_HASH_SIZE])
{
	/* Keyed BLAKE2b: the key is this instance's, so a hash is useless elsewhere. */
	crypto_generichash(hash, TOKEN_HASH_SIZE, (const unsigned char *)text, strlen(text),
			   reg->token_key, TOKEN_KEY_SIZE);
}

int
token_new(const struct agent_registry *reg, char text[TOKEN_TEXT_MAX + 1],
	  uint8_t hash[TOKEN_HASH_SIZE])
{
	unsigned char raw[32];
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	/* randombytes_buf() reads the kernel's CSPRNG (getrandom). */
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	snprintf(text, TOKEN_TEXT_MAX + 1, "mst_%.*s_%s", INSTANCE_TAG_SIZE, reg->instance_id, b64);
	sodium_memzero(b64, sizeof b64);
	token_hash(reg, text, hash);
	return 0;
}

enum token_check
token_verify(const struct agent_registry *reg, const struct agent *a, const char *text)
{
	static const uint8_t nothing[TOKEN_HASH_SIZE];
	uint8_t hash[TOKEN_HASH_SIZE];
	size_t len = strlen(text);
	int same;

	if (len != TOKEN_TEXT_LEN || strncmp(text, "mst_", 4) != 0 ||
	    text[4 + INSTANCE_TAG_SIZE] != '_')
		return TOKEN_MALFORMED;
	if (strncmp(text + 4, reg->instance_id, INSTANCE_TAG_SIZE) != 0)
		return TOKEN_OTHER_INSTANCE;
	/* Hash and compare even for an unknown agent, so timing tells nothing. */
	token_hash(reg, text, hash);
	same = sodium_memcmp(hash, a ? a->token_hash : nothing, TOKEN_HASH_SIZE) == 0;
	sodium_memzero(hash, sizeof hash);
	return same && a != NULL ? TOKEN_OK : TOKEN_MISMATCH;
}
