/* floors.c: the stage floors of the ingest pipeline, measured on the same
 * data as nsgflow, so the benchmark can say how close nsgflow gets to the
 * limit of zlib + yajl + SQLite on one core.
 *
 *   floors inflate FILE...      gzread every file, nothing else
 *   floors parse FILE...        gzread + yajl with empty callbacks
 *   floors insert SRC.db DST.db the tuples nsgflow stored in SRC, inserted
 *                               again into an empty database with the same
 *                               schema, with one prepared statement and the
 *                               same one-second batches (no parsing, no
 *                               dimension lookups)
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

#define NCOLS 14

static int insert_rows(const char *src_path, const char *dst_path)
{
    sqlite3 *src, *dst;
    char err[512];
    if (db_open(src_path, 1, 5000, &src, err, sizeof err) != 0 ||
        db_open(dst_path, 0, 5000, &dst, err, sizeof err) != 0) {
        fprintf(stderr, "floors: %s\n", err);
        return 1;
    }
    /* load the rows first: the floor times the inserts alone */
    sqlite3_stmt *q;
    sqlite3_prepare_v2(src, "SELECT count(*) FROM flow_tuple", -1, &q, NULL);
    sqlite3_step(q);
    int64_t rows = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_value **vals = malloc((size_t)rows * NCOLS * sizeof *vals);
    sqlite3_prepare_v2(src,
                       "SELECT group_id, ts, ms, src, dst, src_port, dst_port, action,"
                       " state, encryption, packets_src_to_dst, bytes_src_to_dst,"
                       " packets_dst_to_src, bytes_dst_to_src FROM flow_tuple ORDER BY id",
                       -1, &q, NULL);
    int64_t r = 0;
    while (sqlite3_step(q) == SQLITE_ROW && r < rows) {
        for (int c = 0; c < NCOLS; c++)
            vals[r * NCOLS + c] = sqlite3_value_dup(sqlite3_column_value(q, c));
        r++;
    }
    sqlite3_finalize(q);
    rows = r;

    sqlite3_exec(dst, "PRAGMA cache_size = -8192", NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v3(dst,
                       "INSERT INTO flow_tuple(group_id, ts, ms, src, dst, src_port,"
                       " dst_port, action, state, encryption, packets_src_to_dst,"
                       " bytes_src_to_dst, packets_dst_to_src, bytes_dst_to_src)"
                       " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       -1, SQLITE_PREPARE_PERSISTENT, &ins, NULL);
    double t0 = now(), batch = t0;
    sqlite3_exec(dst, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (int64_t i = 0; i < rows; i++) {
        for (int c = 0; c < NCOLS; c++)
            sqlite3_bind_value(ins, c + 1, vals[i * NCOLS + c]);
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
    sqlite3_exec(dst, "COMMIT", NULL, NULL, NULL);
    printf("insert %.3f %lld\n", now() - t0, (long long)rows);
    sqlite3_finalize(ins);
    for (int64_t i = 0; i < rows * NCOLS; i++)
        sqlite3_value_free(vals[i]);
    free(vals);
    sqlite3_close(src);
    sqlite3_close(dst);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "inflate") == 0)
        return read_files(argc - 2, argv + 2, 0);
    if (argc >= 3 && strcmp(argv[1], "parse") == 0)
        return read_files(argc - 2, argv + 2, 1);
    if (argc == 4 && strcmp(argv[1], "insert") == 0)
        return insert_rows(argv[2], argv[3]);
    fprintf(stderr, "usage: floors inflate|parse FILE... | floors insert SRC.db DST.db\n");
    return 2;
}
