/* db.c: open, configure and migrate the database (see db.h). */
#include "../common/escape.h"
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int db_schema_version(void)
{
    return schema_steps[schema_step_count - 1].version;
}

const char *db_default_path(const char *given)
{
    if (given && *given)
        return given;
    const char *env = getenv("NSGFLOW_DB");
    if (env && *env)
        return env;
    return "nsgflow.db";
}

int db_is_busy(int rc)
{
    rc &= 0xff;
    return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

int db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

/* The integer an SQL statement returns (PRAGMA user_version, ...). */
static int int_query(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int user_version(sqlite3 *db, int *out)
{
    return int_query(db, "PRAGMA user_version", out);
}

/* What a file that SQLite can open holds: nothing yet, an nsgflow database,
 * or another program's. */
enum db_kind { DB_EMPTY, DB_NSGFLOW, DB_FOREIGN };

/* Tells the kinds apart. nsgflow marks its databases with
 * DB_APPLICATION_ID; those written before the mark existed are recognised
 * by their schema version and their tables (and marked when next opened
 * for writing). For another program's file, why says what it holds. */
static int db_identify(sqlite3 *db, enum db_kind *kind, char *why, size_t whylen)
{
    int app, version, objects, ours;
    if (int_query(db, "PRAGMA application_id", &app) != 0 || user_version(db, &version) != 0 ||
        int_query(db, "SELECT count(*) FROM sqlite_schema", &objects) != 0 ||
        int_query(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
                      " ('source_file', 'flow_group', 'flow_tuple', 'address', 'rule')", &ours) != 0)
        return -1;
    why[0] = '\0';
    if ((uint32_t)app == DB_APPLICATION_ID)
        *kind = DB_NSGFLOW;
    else if (app == 0 && version == 0 && objects == 0)
        *kind = DB_EMPTY;
    else if (app == 0 && version >= 1 && version <= db_schema_version() && ours == 5)
        *kind = DB_NSGFLOW;
    else {
        *kind = DB_FOREIGN;
        /* a few of its tables, and the marks it carries */
        size_t k = (size_t)snprintf(why, whylen, "it holds %d schema object%s", objects,
                                    objects == 1 ? "" : "s");
        sqlite3_stmt *st;
        if (objects > 0 &&
            sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table'"
                                   " ORDER BY name LIMIT 4", -1, &st, NULL) == SQLITE_OK) {
            for (int i = 0; sqlite3_step(st) == SQLITE_ROW && k < whylen; i++) {
                char name[48];
                const unsigned char *t = sqlite3_column_text(st, 0);
                size_t j = 0;
                for (; t && t[j] && j + 1 < sizeof name; j++) /* shown, not trusted */
                    name[j] = t[j] >= 0x20 && t[j] < 0x7f ? (char)t[j] : '?';
                name[j] = '\0';
                k += (size_t)snprintf(why + k, whylen - k, "%s%s", i ? ", " : " (tables ", name);
            }
            sqlite3_finalize(st);
            if (k < whylen && strchr(why, '('))
                k += (size_t)snprintf(why + k, whylen - k, "%s)", objects > 4 ? ", ..." : "");
        }
        if (k < whylen)
            k += (size_t)snprintf(why + k, whylen - k, ", user_version %d", version);
        if (app && k < whylen) {
            char tag[5];
            for (int i = 0; i < 4; i++) {
                unsigned char c = (unsigned char)((uint32_t)app >> (24 - 8 * i));
                tag[i] = c >= 0x20 && c < 0x7f ? (char)c : '.';
            }
            tag[4] = '\0';
            snprintf(why + k, whylen - k, ", application_id 0x%08X ('%s')", (uint32_t)app, tag);
        }
    }
    return 0;
}

/* Applies the schema steps the database lacks, all in one transaction. */
static int migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    int have, app;
    if (user_version(db, &have) != 0 || int_query(db, "PRAGMA application_id", &app) != 0)
        goto sqlfail;
    if (have == db_schema_version() && (uint32_t)app == DB_APPLICATION_ID)
        return 0;
    if (have > db_schema_version()) {
        snprintf(err, errlen,
                 "%s: database schema version %d is newer than this nsgflow "
                 "understands (%d); use a newer nsgflow", path, have,
                 db_schema_version());
        return -1;
    }
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto sqlfail;
    /* another process may have migrated it while we waited for the lock */
    if (user_version(db, &have) != 0)
        goto rollback;
    for (int i = 0; i < schema_step_count; i++) {
        if (schema_steps[i].version <= have)
            continue;
        char *msg = NULL;
        if (sqlite3_exec(db, schema_steps[i].sql, NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "%s: schema step %s failed: %s", path,
                     schema_steps[i].name, msg ? msg : "?");
            sqlite3_free(msg);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
                 schema_steps[i].version);
        if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
            goto rollback;
    }
    char mark[64];
    snprintf(mark, sizeof mark, "PRAGMA application_id = %d", (int)DB_APPLICATION_ID);
    if (sqlite3_exec(db, mark, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto rollback;
    return 0;
rollback:
    snprintf(err, errlen, "%s: cannot update the schema: %s", path,
             sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
sqlfail:
    snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
    return -1;
}

/* Switches a database to WAL mode. Switching needs a moment alone with the
 * file, and SQLite does not wait for that by itself: another process creating
 * the same new database at the same time makes it fail with SQLITE_BUSY, so
 * it is retried until wait_ms has passed. */
static int set_wal(sqlite3 *db, int wait_ms)
{
    for (int waited = 0;; waited += 20) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
        if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
            strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0) {
            sqlite3_finalize(st);
            break; /* already */
        }
        sqlite3_finalize(st);
        /* 8 KiB pages suit the mostly-appending tables; only a new, empty
         * database takes the setting */
        sqlite3_exec(db, "PRAGMA page_size=8192", NULL, NULL, NULL);
        rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            break;
        if (!db_is_busy(rc) || waited >= wait_ms)
            return -1;
        sqlite3_sleep(20);
    }
    return sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* The use marks of this process: one descriptor per database file, kept
 * open while the process runs. It must never be closed while SQLite has the
 * file open: closing any descriptor of a file drops every POSIX lock the
 * process holds on it, SQLite's own included. A mark is closed only when
 * its file has been deleted (a test's scratch database). */
#define USE_MARKS 8
static struct use_mark {
    int fd;
    dev_t dev;
    ino_t ino;
} use_marks[USE_MARKS];
static int use_marks_n;

/* The mark of path, taken when this process has none yet (waiting up to
 * wait_ms while a prune holds the file alone). NULL when it cannot be had. */
static struct use_mark *use_mark_of(const char *path, int wait_ms)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    for (int i = 0; i < use_marks_n; i++)
        if (use_marks[i].dev == st.st_dev && use_marks[i].ino == st.st_ino)
            return &use_marks[i];
    if (use_marks_n == USE_MARKS) { /* make room: marks of deleted files go */
        for (int i = 0; i < use_marks_n;) {
            struct stat old;
            if (fstat(use_marks[i].fd, &old) == 0 && old.st_nlink == 0) {
                close(use_marks[i].fd);
                use_marks[i] = use_marks[--use_marks_n];
            } else
                i++;
        }
        if (use_marks_n == USE_MARKS)
            return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    for (int waited = 0; flock(fd, LOCK_SH | LOCK_NB) != 0; waited += 50) {
        if (errno != EWOULDBLOCK || waited >= wait_ms) {
            close(fd);
            return NULL;
        }
        usleep(50000);
    }
    struct use_mark *m = &use_marks[use_marks_n++];
    m->fd = fd;
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    return m;
}

int db_use_alone(const char *path, int wait_ms)
{
    struct use_mark *m = use_mark_of(path, wait_ms);
    if (!m)
        return -1;
    for (int waited = 0;; waited += 50) {
        if (flock(m->fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK || waited >= wait_ms)
            return -1;
        usleep(50000);
    }
}

/* Says why db could not be opened, closes it, returns -1 (or
 * DB_WRITE_PROTECTED). */
static int open_failed(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    int rc = sqlite3_errcode(db) & 0xff;
    int protected = rc == SQLITE_READONLY || sqlite3_db_readonly(db, "main") == 1;
    snprintf(err, errlen, "%s: %s", path,
             db_is_busy(rc) ? "the database is locked by another process"
             : protected    ? "the database is read-only here (no write permission on the file or"
                              " its folder, or a read-only file system); nothing was written"
                            : sqlite3_errmsg(db));
    sqlite3_close(db);
    return protected ? DB_WRITE_PROTECTED : -1;
}

/* db_open of file (a path, or with uri set an SQLite URI filename); path
 * names it in messages. */
static int open_file(const char *path, const char *file, int uri, int readonly,
                     int wait_ms, sqlite3 **out, char *err, size_t errlen)
{
    static int configured;
    if (!configured) {
        /* no global memory statistics: they cost a mutex per allocation */
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        configured = 1;
    }
    sqlite3 *db = NULL;
    /* one connection per process, used by one thread: no mutexes */
    int flags = SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0) |
                (readonly ? SQLITE_OPEN_READONLY
                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    *out = NULL;
    if (sqlite3_open_v2(file, &db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open the database: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, wait_ms);
    /* Not a database at all? Say so plainly. */
    if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL,
                     NULL) != SQLITE_OK)
        return open_failed(db, path, err, errlen);
    /* Another program's database? Then not a byte of it is changed. */
    enum db_kind kind;
    char why[300];
    if (db_identify(db, &kind, why, sizeof why) != 0)
        return open_failed(db, path, err, errlen);
    if (kind == DB_FOREIGN) {
        snprintf(err, errlen, "%s: not an nsgflow database: %s; it was not changed (give"
                              " --db a new file, or an nsgflow database)", path, why);
        sqlite3_close(db);
        return -1;
    }
    if (!readonly && sqlite3_db_readonly(db, "main") == 1)
        return open_failed(db, path, err, errlen);
    if (!readonly) {
        use_mark_of(path, wait_ms); /* the file exists now: prune can see this process */
        /* WAL: readers never block the writer, and a killed writer leaves
         * the last committed state. NORMAL sync is safe in WAL mode: a power
         * loss may drop the last transactions, never half of one. */
        if (set_wal(db, wait_ms) != 0)
            return open_failed(db, path, err, errlen);
        if (migrate(db, path, err, errlen) != 0) {
            sqlite3_close(db);
            return -1;
        }
    } else {
        int have = 0;
        if (user_version(db, &have) != 0 || have != db_schema_version()) {
            snprintf(err, errlen,
                     have > db_schema_version()
                         ? "%s: database schema version %d is newer than this nsgflow understands"
                         : "%s: database schema version %d is not current; open it once for writing (e.g. nsgflow ingest) to migrate it",
                     path, have);
            sqlite3_close(db);
            return -1;
        }
    }
    *out = db;
    return 0;
}

int db_open(const char *path, int readonly, int wait_ms, sqlite3 **out,
            char *err, size_t errlen)
{
    return open_file(path, path, 0, readonly, wait_ms, out, err, errlen);
}

int db_open_or_say(const char *path, int wait_ms, sqlite3 **out)
{
    char err[600];
    if (db_open(path, 0, wait_ms, out, err, sizeof err) == 0)
        return 0;
    msg(stderr, "nsgflow: %s\n", err);
    return -1;
}

/* 0 when path holds something to open; else says why not and returns -1.
 * An empty file is no database yet: opening it would make it one. */
static int exists_or_say(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            msg(stderr, "nsgflow: no database at %s (nsgflow ingest creates one)\n", path);
        else
            msg(stderr, "nsgflow: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        msg(stderr, "nsgflow: %s is an empty file, not an nsgflow database (nsgflow ingest"
                    " creates one)\n", path);
        return -1;
    }
    return 0;
}

int db_open_existing_or_say(const char *path, int wait_ms, sqlite3 **out)
{
    *out = NULL;
    return exists_or_say(path) == 0 ? db_open_or_say(path, wait_ms, out) : -1;
}

/* path as an SQLite URI filename with the given parameter. */
static void uri_of(const char *path, const char *param, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "file:");
    for (const char *p = path; *p && k + 4 < n; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            k += (size_t)snprintf(out + k, n - k, "%%%02X", (unsigned char)*p);
        else
            out[k++] = *p;
    }
    snprintf(out + k, n - k, "?%s", param);
}

int db_open_to_read_or_say(const char *path, int wait_ms, sqlite3 **out)
{
    char err[600];
    *out = NULL;
    if (exists_or_say(path) != 0)
        return -1;
    int rc = db_open(path, 0, wait_ms, out, err, sizeof err);
    if (rc == DB_WRITE_PROTECTED) {
        /* read it as it is: through SQLite's read-only mode, or, when even
         * that needs to write (a WAL database needs its -shm file, which a
         * folder we may not write to cannot take), as an unchanging file */
        char uri[4200];
        uri_of(path, "mode=ro", uri, sizeof uri);
        rc = open_file(path, uri, 1, 1, wait_ms, out, err, sizeof err);
        if (rc != 0) {
            uri_of(path, "immutable=1", uri, sizeof uri);
            rc = open_file(path, uri, 1, 1, wait_ms, out, err, sizeof err);
            if (rc == 0)
                msg(stderr, "nsgflow: %s: read-only here; read as it is now (a writer"
                                " elsewhere would not be seen)\n", path);
        }
    }
    if (rc == 0)
        return 0;
    msg(stderr, "nsgflow: %s\n", err);
    return -1;
}
