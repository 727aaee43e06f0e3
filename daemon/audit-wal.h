/* The audit writer's WAL: when it is copied into the database, and by whom. */
#ifndef MAESTRO_AUDIT_WAL_H
#define MAESTRO_AUDIT_WAL_H

#include <stdbool.h>

struct sqlite3;
struct audit_wal;

/*
 * Takes over checkpointing of the writer's connection db from SQLite and
 * starts the checkpoint thread, on its own connection (without one, the
 * writer checkpoints itself). NULL when out of memory.
 */
struct audit_wal *audit_wal_start(struct sqlite3 *db);

/*
 * On the writer thread, outside its lock, after each batch is handed back;
 * idle when nothing is queued. Never waits for the checkpoint thread.
 */
void audit_wal_after_batch(struct audit_wal *w, bool idle);

/* Stops the thread, after a checkpoint in progress, and unhooks db. */
struct audit_wal *audit_wal_stop(struct audit_wal *w);

#endif
