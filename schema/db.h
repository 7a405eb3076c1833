/* db.h: opening the nsgflow database, the one place that knows the schema's
 * version. The schema is the .sql files in schema/, compiled into the binary
 * in order; PRAGMA user_version records how many of them a database has, and
 * db_open() applies the missing ones in one transaction. Every command opens
 * the database through here. */
#ifndef NSGFLOW_DB_H
#define NSGFLOW_DB_H

#include <stddef.h>

#include <sqlite3.h>

/* nsgflow's mark in the database header (PRAGMA application_id): "NSGF".
 * A file that is neither empty nor marked (nor an nsgflow database from
 * before the mark) is another program's and is refused untouched. */
#define DB_APPLICATION_ID 0x4E534746u

/* One migration step: the schema file NNN_name.sql as text. */
struct schema_step {
    int version;
    const char *name;
    const char *sql;
};
extern const struct schema_step schema_steps[];
extern const int schema_step_count;

/* The schema version this binary writes. */
int db_schema_version(void);

/* The database path: the --db argument when given, else $NSGFLOW_DB, else
 * "nsgflow.db" in the current directory. */
const char *db_default_path(const char *given);

/* Opens the database at path (creating it unless readonly), in WAL mode,
 * waiting up to wait_ms for other processes' locks, and migrates it to the
 * current schema. Returns 0 and sets *out, or -1 with a one-line message in
 * err (errlen bytes), or DB_WRITE_PROTECTED when readonly is 0 and the
 * system does not let this process write the file or its folder. A
 * database from a newer nsgflow, and another program's SQLite file, are
 * refused and left untouched. Close with sqlite3_close(). */
#define DB_WRITE_PROTECTED (-2)
int db_open(const char *path, int readonly, int wait_ms, sqlite3 **out,
            char *err, size_t errlen);

/* db_open for a command that writes: on failure prints "nsgflow: REASON"
 * to stderr and returns -1. */
int db_open_or_say(const char *path, int wait_ms, sqlite3 **out);

/* db_open_or_say for a command that judges or changes what a database
 * holds but must never create one (analyze, prune, accept): a missing path
 * or an empty file is an error ("no database at PATH (nsgflow ingest creates
 * one)"), so that a mistyped --db never reads as an empty, healthy
 * database. Only ingest, run, config import and tags import create one. */
int db_open_existing_or_say(const char *path, int wait_ms, sqlite3 **out);

/* The same for a command that only reads (report, stats, config show, tags
 * show): the database must exist (as for db_open_existing_or_say); it is
 * migrated when it may be, and a write-protected one is read as it is. */
int db_open_to_read_or_say(const char *path, int wait_ms, sqlite3 **out);

/* Every nsgflow process that opens a database for writing marks it as in
 * use for as long as the process runs (a shared flock on the file, on a
 * descriptor of its own). db_use_alone waits up to wait_ms until this
 * process is the only one that holds the mark (an exclusive lock), so that
 * prune sees another ingest or analyze even between its transactions.
 * Returns 0, or -1 when another nsgflow still uses path. */
int db_use_alone(const char *path, int wait_ms);

/* Runs sql (no result rows). Returns 0, or -1 with the message in err. */
int db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);

/* True when rc (an SQLite result code) means another process holds a lock. */
int db_is_busy(int rc);

#endif
