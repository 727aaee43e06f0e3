/* Names of action kinds, risk levels and effects, and freeing action facts. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "action.h"
#include "util.h"

/* Indexed by enum action_kind: the wire names. */
static const char *const kind_names[] = {
	[ACTION_SHELL] = "shell",
	[ACTION_FILE_READ] = "file_read",
	[ACTION_FILE_WRITE] = "file_write",
	[ACTION_FILE_DELETE] = "file_delete",
	[ACTION_NETWORK] = "network",
	[ACTION_MCP_TOOL] = "mcp_tool",
	[ACTION_PROMPT] = "prompt",
};

static const char *const risk_names[] = {
	[RISK_LOW] = "LOW",
	[RISK_MEDIUM] = "MEDIUM",
	[RISK_HIGH] = "HIGH",
	[RISK_CRITICAL] = "CRITICAL",
};

/* Indexed by bit number: names as policy files and replies spell them. */
static const char *const effect_names[] = {
	"read",
	"write",
	"delete",
	"recursive-delete",
	"execute",
	"network",
	"download-exec",
	"privilege",
	"history-rewrite",
	"permissions",
	"recursive-permissions",
	"package-install",
	"process-kill",
	"disk",
	"secret-read",
	"secret-send",
	"outside-workspace",
	"system-path",
	"maestro-self",
	"suspicious-destination",
	"service-control",
	"obfuscation",
	"unparsed",
};

/* Every enum effect has a name, and the last bit is EFFECT_UNPARSED. */
_Static_assert(ARRAY_SIZE(kind_names) == ACTION_KIND_COUNT, "a kind without a name");
_Static_assert(1u << (ARRAY_SIZE(effect_names) - 1) == EFFECT_UNPARSED, "an effect without a name");

const char *
action_kind_name(enum action_kind kind)
{
	if ((unsigned)kind >= ARRAY_SIZE(kind_names))
		return NULL;
	return kind_names[kind];
}

int
action_kind_parse(const char *name, enum action_kind *kind)
{
	if (name == NULL)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*kind = (enum action_kind)i;
			return 0;
		}
	return -EINVAL;
}

const char *
risk_name(enum risk_level risk)
{
	if ((unsigned)risk >= ARRAY_SIZE(risk_names))
		return NULL;
	return risk_names[risk];
}

int
risk_parse(const char *name, enum risk_level *risk)
{
	if (name == NULL)
		return -EINVAL;
	/* Case-insensitive: policy authors write "high" as often as "HIGH". */
	for (size_t i = 0; i < ARRAY_SIZE(risk_names); i++)
		if (strcasecmp(name, risk_names[i]) == 0) {
			*risk = (enum risk_level)i;
			return 0;
		}
	return -EINVAL;
}

const char *
effect_name(unsigned bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(effect_names); i++)
		if (bit == 1u << i)
			return effect_names[i];
	return NULL;
}

int
effect_parse(const char *name, unsigned *bit)
{
	if (name == NULL)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(effect_names); i++)
		if (strcmp(name, effect_names[i]) == 0) {
			*bit = 1u << i;
			return 0;
		}
	return -EINVAL;
}

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
action_facts_clear(struct action_facts *facts)
{
	if (facts == NULL)
		return;
	strv_free(facts->programs, facts->n_programs);
	strv_free(facts->commands, facts->n_commands);
	for (size_t i = 0; i < facts->n_paths; i++)
		free(facts->paths[i].path);
	free(facts->paths);
	for (size_t i = 0; i < facts->n_hosts; i++) {
		free(facts->hosts[i].host);
		free(facts->hosts[i].url);
	}
	free(facts->hosts);
	/* risk_reason points at static text. Cleared facts are empty, ready for reuse. */
	memset(facts, 0, sizeof *facts);
}
