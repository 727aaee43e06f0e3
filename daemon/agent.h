/* Agent identities: roles, permissions, the in-memory registry, tokens. */
#ifndef MAESTRO_AGENT_H
#define MAESTRO_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define AGENT_ID_MAX 64
#define AGENT_DESCRIPTION_MAX 1024
#define TOKEN_HASH_SIZE 32
#define TOKEN_KEY_SIZE 32
#define INSTANCE_TAG_SIZE 8 /* hex characters of the instance id in every token */
/* "mst_" + tag + "_" + 43 base64url characters of 32 random bytes: 56 in all. */
#define TOKEN_TEXT_LEN (4 + INSTANCE_TAG_SIZE + 1 + 43)
#define TOKEN_TEXT_MAX 64

/* Permissions are bits so that sets are cheap to compare and copy. */
enum permission {
	PERM_READ_FILES = 1u << 0,
	PERM_WRITE_FILES = 1u << 1,
	PERM_EXECUTE_COMMANDS = 1u << 2,
	PERM_NETWORK_ACCESS = 1u << 3,
	PERM_READ_SECRETS = 1u << 4,
	PERM_EVALUATE_GOVERNANCE = 1u << 5,
	PERM_PROVIDE_COUNSEL = 1u << 6,
};
#define PERM_ALL 0x7fu

/* Where trust starts: trusted for ordinary work, not above being asked. */
#define AGENT_TRUST_INITIAL 0.8

/*
 * What a token budget counts against. Periods are calendar periods in UTC
 * (a week starts on Monday), so that every maestrod and every person
 * reading the figures agrees on when one ends; total never resets.
 */
enum budget_period {
	BUDGET_DAY,
	BUDGET_WEEK,
	BUDGET_MONTH,
	BUDGET_TOTAL,
};

enum agent_status {
	AGENT_ACTIVE,
	AGENT_SUSPENDED,
};

struct agent {
	char id[AGENT_ID_MAX + 1];
	const char *role; /* one of the static role names */
	unsigned permissions;
	enum agent_status status;
	char *description;    /* may be NULL */
	char *suspend_reason; /* may be NULL */
	int64_t created_us;
	int64_t updated_us;
	int64_t expires_us; /* 0: never */
	uint8_t token_hash[TOKEN_HASH_SIZE];
	int64_t token_created_us;
	int64_t token_expires_us; /* 0: never */
	uint64_t version; /* in memory only: bumped by every change */
	double trust;	  /* in [0, 1]; moved only by trust.c */
	/* Usage and budget; usage is persisted by trust.c after every report. */
	uint64_t token_budget;		  /* tokens per period; 0: no budget */
	enum budget_period budget_period;
	int64_t period_start_us;	  /* the period tokens_used and cost_used count in */
	uint64_t tokens_used;		  /* reported model tokens in that period */
	double cost_used;		  /* reported cost in that period */
	uint64_t tokens_total;		  /* reported model tokens since registration */
};

/* A number no earlier change of any agent had: what a failed change compares against. */
uint64_t agent_next_version(void);

/* Budgets: "day", "week", "month", "total". */
const char *budget_period_name(enum budget_period p);
int budget_period_parse(const char *name, enum budget_period *p);
/* When the period holding now_us began (0 for total). */
int64_t budget_period_start(enum budget_period p, int64_t now_us);
/* Tokens counted in the period holding now_us: 0 once that period has moved on. */
uint64_t agent_tokens_in_period(const struct agent *a, int64_t now_us);
/* Adds a report's usage, first starting a new period if the old one is over. */
void agent_charge(struct agent *a, uint64_t tokens, double cost, int64_t now_us);
/*
 * Whether the budget leaves nothing for more work; reason then reads
 * "token budget exhausted: 100500 of 100000 tokens used this day".
 */
bool agent_budget_exhausted(const struct agent *a, int64_t now_us, char *reason, size_t size);

/* Names and sets. */
const char *permission_name(unsigned bit);
int permission_parse(const char *name, unsigned *bit);
/* A JSON array of the names in mask, in a fixed order. */
struct json_object *permissions_to_json(unsigned mask);
/* "read_files,write_files": the stored form. */
void permissions_format(unsigned mask, char *buf, size_t size);
int permissions_parse_list(const char *text, unsigned *mask);

/* The role's static name and default set, or NULL for an unknown role. */
const char *role_parse(const char *name, unsigned *defaults);
/* "governance, counselor, executor, observer", for error messages. */
const char *role_names(void);

/* [a-z0-9][a-z0-9._-]{0,63} */
bool agent_id_valid(const char *id);

struct agent *agent_dup(const struct agent *a);
void agent_free(struct agent *a);
/* The agent as JSON for replies (never the token hash). */
struct json_object *agent_to_json(const struct agent *a);

/*
 * The enforcement question: does the agent hold perm? When it does not,
 * reason reads "agent build-bot (executor) lacks permission: network_access".
 */
bool agent_has_permission(const struct agent *a, unsigned perm, char *reason, size_t size);

/* The registry: every agent, owned by the loop thread. */
struct agent_registry {
	struct agent **agents;
	size_t n;
	size_t cap;
	uint8_t token_key[TOKEN_KEY_SIZE];
	char instance_id[33];
};

struct agent *registry_find(struct agent_registry *reg, const char *id);
/* Takes over a; replaces an agent with the same id. */
int registry_put(struct agent_registry *reg, struct agent *a);
void registry_remove(struct agent_registry *reg, const char *id);
void registry_clear(struct agent_registry *reg);
/* Fills the empty dst with copies of src's agents. */
int registry_copy(struct agent_registry *dst, const struct agent_registry *src);

/* Tokens: 256 random bits, shown once, kept only as a keyed hash. */
int token_new(const struct agent_registry *reg, char text[TOKEN_TEXT_MAX + 1],
	      uint8_t hash[TOKEN_HASH_SIZE]);

enum token_check {
	TOKEN_OK,
	TOKEN_MALFORMED,
	TOKEN_OTHER_INSTANCE,
	TOKEN_MISMATCH,
};
/* Compares in constant time; a NULL agent still costs a comparison. */
enum token_check token_verify(const struct agent_registry *reg, const struct agent *a,
			      const char *text);

#endif
