/* The SQLite store: opening, checking and migrating maestro's database. */
#ifndef MAESTRO_STORE_H
#define MAESTRO_STORE_H

#include <sqlite3.h>

#include "config.h"

/* The newest schema this maestrod knows; PRAGMA user_version holds it. */
#define STORE_SCHEMA_VERSION 6

/* PRAGMA application_id marks the file as maestro's ("MSTR"). */
#define STORE_APPLICATION_ID 0x4d535452

struct store {
	sqlite3 *db;	  /* the write connection, owned by the audit writer once started */
	char *path;
	int schema_version;
	int lock_fd;	  /* flock()ed: one maestrod per database */
};

/*
 * Opens (creating if needed) and migrates the database at path. On
 * failure returns a negative errno and writes a sentence for the person
 * starting maestrod into msg.
 */
int store_open(const char *path, enum audit_sync sync, struct store **out, char *msg,
	       size_t msg_size);
struct store *store_close(struct store *s);

/*
 * For statements the audit writer runs with every batch: the statement for
 * sql on db, prepared once and found again by its text on the connection's
 * own list (sqlite3_next_stmt), reset and unbound. NULL with the error in
 * db when it cannot be prepared. The caller resets it when done (never
 * finalizes it); store_close() finalizes them all. One thread per
 * connection, as the writer's is.
 */
sqlite3_stmt *store_stmt(sqlite3 *db, const char *sql);

/* Runs a statement without results through store_stmt(): SQLITE_OK or the error. */
int store_exec(sqlite3 *db, const char *sql);

#endif
