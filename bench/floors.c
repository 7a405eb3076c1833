/* floors.c: the stage floors of the ingest pipeline, measured on the same
 * data as nsgflow, so the benchmark can say how close nsgflow gets to the
 * limit of zlib + yajl + SQLite on one core.
 *
 *   floors inflate FILE...      gzread every file, nothing else
 *   floors parse FILE...        gzread + yajl with empty callbacks
 *   floors insert SRC.db DST.db the tuples nsgflow stored in SRC, inserted
 *                               again into an empty database with the same
 *                               schema (flow_tuple and its two indexes),
 *                               with one prepared statement and the same
 *                               one-second batches (no parsing, no
 *                               dimension lookups)
 *   floors plain SRC.db DST.db  the plain-insert floor: as many rows, each
 *                               the same tuple flat (its 14 stored values,
 *                               and its group's direction and protocol),
 *                               into a 16-column table without an index in
 *                               an empty database (nsgflow's page size,
 *                               WAL and synchronous setting), with one
 *                               prepared statement and the same batches
 * Each prints one line: "STAGE SECONDS UNITS" (bytes or rows). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>
#include <yajl/yajl_parse.h>
#include <zlib.h>

#include "schema/db.h"

#define CHUNK (256u << 10)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cb_null(void *c) { (void)c; return 1; }
static int cb_bool(void *c, int v) { (void)c; (void)v; return 1; }
static int cb_number(void *c, const char *s, size_t n) { (void)c; (void)s; (void)n; return 1; }
static int cb_string(void *c, const unsigned char *s, size_t n) { (void)c; (void)s; (void)n; return 1; }
static int cb_key(void *c, const unsigned char *s, size_t n) { (void)c; (void)s; (void)n; return 1; }
static const yajl_callbacks empty = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
    cb_null, cb_key, cb_null, cb_null, cb_null,
};

static int read_files(int argc, char **argv, int parse)
{
    unsigned char *buf = malloc(CHUNK);
    uint64_t bytes = 0;
    double t0 = now();
    for (int i = 0; i < argc; i++) {
        gzFile gz = gzopen(argv[i], "rb");
        if (!gz) {
            fprintf(stderr, "floors: %s: cannot open\n", argv[i]);
            return 1;
        }
        gzbuffer(gz, CHUNK);
        yajl_handle y = NULL;
        if (parse) {
            y = yajl_alloc(&empty, NULL, NULL);
            yajl_config(y, yajl_allow_trailing_garbage, 1);
        }
        int n;
        while ((n = gzread(gz, buf, CHUNK)) > 0) {
            bytes += (uint64_t)n;
            if (y && yajl_parse(y, buf, (size_t)n) != yajl_status_ok) {
                fprintf(stderr, "floors: %s: invalid JSON\n", argv[i]);
                return 1;
            }
        }
        if (y) {
            yajl_complete_parse(y);
            yajl_free(y);
        }
        gzclose(gz);
    }
    printf("%s %.3f %llu\n", parse ? "parse" : "inflate", now() - t0,
           (unsigned long long)bytes);
    free(buf);
    return 0;
}

/* The columns the floors read from nsgflow's tuples: flow_tuple's 14,
 * then (for the plain floor) the group's direction and protocol. */
#define NCOLS 14
#define PLAIN_COLS 16

static const char select_stored[] =
    "SELECT group_id, ts, ms, src, dst, src_port, dst_port, action,"
    " state, encryption, packets_src_to_dst, bytes_src_to_dst,"
    " packets_dst_to_src, bytes_dst_to_src FROM flow_tuple ORDER BY id";
static const char select_flat[] =
    "SELECT t.group_id, t.ts, t.ms, t.src, t.dst, t.src_port, t.dst_port, t.action,"
    " t.state, t.encryption, t.packets_src_to_dst, t.bytes_src_to_dst,"
    " t.packets_dst_to_src, t.bytes_dst_to_src, g.direction, g.protocol"
    " FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id ORDER BY t.id";

static const char insert_stored[] =
    "INSERT INTO flow_tuple(group_id, ts, ms, src, dst, src_port,"
    " dst_port, action, state, encryption, packets_src_to_dst,"
    " bytes_src_to_dst, packets_dst_to_src, bytes_dst_to_src)"
    " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char plain_table[] =
    "CREATE TABLE plain_tuple(group_id INTEGER, ts INTEGER, ms INTEGER, src INTEGER,"
    " dst INTEGER, src_port INTEGER, dst_port INTEGER, action INTEGER, state INTEGER,"
    " encryption INTEGER, packets_src_to_dst INTEGER, bytes_src_to_dst INTEGER,"
    " packets_dst_to_src INTEGER, bytes_dst_to_src INTEGER, direction INTEGER,"
    " protocol INTEGER)";
static const char insert_plain[] =
    "INSERT INTO plain_tuple VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* The rows of select (ncols columns each) from src, loaded into memory:
 * the floors time the inserts alone. *rows receives their number. */
static sqlite3_value **load_rows(sqlite3 *src, const char *select, int ncols, int64_t *rows)
{
    sqlite3_stmt *q;
    sqlite3_prepare_v2(src, "SELECT count(*) FROM flow_tuple", -1, &q, NULL);
    sqlite3_step(q);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_value **vals = malloc(((size_t)n * ncols + 1) * sizeof *vals);
    if (!vals || sqlite3_prepare_v2(src, select, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "floors: %s\n", vals ? sqlite3_errmsg(src) : "out of memory");
        free(vals);
        return NULL;
    }
    int64_t r = 0;
    while (r < n && sqlite3_step(q) == SQLITE_ROW) {
        for (int c = 0; c < ncols; c++)
            vals[r * ncols + c] = sqlite3_value_dup(sqlite3_column_value(q, c));
        r++;
    }
    sqlite3_finalize(q);
    *rows = r;
    return vals;
}

/* Inserts the rows with the prepared statement ins (ncols parameters) in
 * one-second transactions, as nsgflow batches its own; prints the time. */
static int insert_timed(sqlite3 *dst, sqlite3_stmt *ins, const char *stage,
                        sqlite3_value **vals, int ncols, int64_t rows)
{
    double t0 = now(), batch = t0;
    sqlite3_exec(dst, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (int64_t i = 0; i < rows; i++) {
        for (int c = 0; c < ncols; c++)
            sqlite3_bind_value(ins, c + 1, vals[i * ncols + c]);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "floors: insert: %s\n", sqlite3_errmsg(dst));
            return 1;
        }
        sqlite3_reset(ins);
        if ((i & 4095) == 0 && now() - batch >= 1.0) {
            sqlite3_exec(dst, "COMMIT; BEGIN IMMEDIATE", NULL, NULL, NULL);
            batch = now();
        }
    }
    if (sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "floors: commit: %s\n", sqlite3_errmsg(dst));
        return 1;
    }
    printf("%s %.3f %lld\n", stage, now() - t0, (long long)rows);
    return 0;
}

/* floors insert (plain = 0) or floors plain (plain = 1). */
static int insert_rows(const char *src_path, const char *dst_path, int plain)
{
    sqlite3 *src, *dst = NULL;
    char err[512];
    if (db_open(src_path, 1, 5000, &src, err, sizeof err) != 0) {
        fprintf(stderr, "floors: %s\n", err);
        return 1;
    }
    int ncols = plain ? PLAIN_COLS : NCOLS;
    int64_t rows = 0;
    sqlite3_value **vals = load_rows(src, plain ? select_flat : select_stored, ncols, &rows);
    sqlite3_close(src);
    if (!vals)
        return 1;
    int rc = 1;
    if (plain) {
        /* nsgflow's settings for a new database, without its schema */
        if (sqlite3_open(dst_path, &dst) != SQLITE_OK ||
            sqlite3_exec(dst, "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL;"
                              " PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(dst, plain_table, NULL, NULL, NULL) != SQLITE_OK) {
            fprintf(stderr, "floors: %s: %s\n", dst_path, dst ? sqlite3_errmsg(dst) : "cannot open");
            goto done;
        }
    } else if (db_open(dst_path, 0, 5000, &dst, err, sizeof err) != 0) {
        fprintf(stderr, "floors: %s\n", err);
        goto done;
    }
    sqlite3_exec(dst, "PRAGMA cache_size = -8192", NULL, NULL, NULL);
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v3(dst, plain ? insert_plain : insert_stored, -1,
                           SQLITE_PREPARE_PERSISTENT, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "floors: %s\n", sqlite3_errmsg(dst));
        goto done;
    }
    rc = insert_timed(dst, ins, plain ? "plain" : "insert", vals, ncols, rows);
    sqlite3_finalize(ins);
done:
    for (int64_t i = 0; i < rows * ncols; i++)
        sqlite3_value_free(vals[i]);
    free(vals);
    sqlite3_close(dst);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "inflate") == 0)
        return read_files(argc - 2, argv + 2, 0);
    if (argc >= 3 && strcmp(argv[1], "parse") == 0)
        return read_files(argc - 2, argv + 2, 1);
    if (argc == 4 && strcmp(argv[1], "insert") == 0)
        return insert_rows(argv[2], argv[3], 0);
    if (argc == 4 && strcmp(argv[1], "plain") == 0)
        return insert_rows(argv[2], argv[3], 1);
    fprintf(stderr, "usage: floors inflate|parse FILE... | floors insert|plain SRC.db DST.db\n");
    return 2;
}
