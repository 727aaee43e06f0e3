/* Agents in SQLite: loading the registry at start, writing changes. */
#ifndef MAESTRO_AGENT_STORE_H
#define MAESTRO_AGENT_STORE_H

#include <stddef.h>
#include <sqlite3.h>

#include "agent.h"

/*
 * Reads this instance's identity (creating it on first start) and every
 * agent into reg. Runs at start, before the audit writer owns db.
 */
int agent_store_load(sqlite3 *db, struct agent_registry *reg, char *msg, size_t size);

/* One change, applied by the audit writer in its transaction. */
struct agent_change {
	char id[AGENT_ID_MAX + 1];
	struct agent *after; /* NULL: delete the agent */
};

struct agent_change *agent_change_new(const char *id, const struct agent *after);
void agent_change_free(void *change);
/* An audit_record apply function: writes the change. */
int agent_store_apply(sqlite3 *db, void *change, char *err, size_t size);

#endif
