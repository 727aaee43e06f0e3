/* The WAL checkpointer: copies committed pages into the database off the writer. */
#ifndef MAESTRO_AUDIT_WAL_H
#define MAESTRO_AUDIT_WAL_H

struct sqlite3;
struct audit_wal;

/*
 * Starts a thread with its own connection to writer_db's file. NULL when it
 * cannot (the writer then checkpoints itself, as SQLite would).
 */
struct audit_wal *audit_wal_start(struct sqlite3 *writer_db);

/* From the writer: the WAL has grown; copy it when you can. Never waits. */
void audit_wal_kick(struct audit_wal *w);

/*
 * How many frames of the WAL its last checkpoint had copied into the
 * database: of the WAL as it was then, which may since have started over.
 */
int audit_wal_copied(struct audit_wal *w);

/* Finishes a checkpoint in progress and stops the thread. */
struct audit_wal *audit_wal_stop(struct audit_wal *w);

#endif
