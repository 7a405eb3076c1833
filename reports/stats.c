/* stats.c: `nsgflow stats`, what the database holds: blobs by status,
 * tuples by format, the time range, the size on disk, the tag data, the
 * analyses and findings. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/escape.h"
#include "../common/timearg.h"
#include "../ingest/ingest.h"
#include "../schema/db.h"
#include "report.h"

const char stats_usage[] =
    "usage: nsgflow stats [--db FILE]\n"
    "\n"
    "Says what the database holds: blobs (ok, partial, rejected), tuples per\n"
    "format, the time range of the flows, its size on disk, the coverage (NIC-\n"
    "hours with and without blobs), the configuration, the service-tag data,\n"
    "and the analyses and findings kept.\n"
    "\n"
    "Exit status: 0 done; 1 the database could not be read; 2 usage.\n";

static void print_rows(sqlite3 *db, const char *sql, const char *fmt)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW)
        printf(fmt, sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
               (long long)sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
}

static int64_t file_size(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 ? (int64_t)s.st_size : 0;
}

int stats_main(int argc, char **argv)
{
    const char *db_path = NULL;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 'h': fputs(stats_usage, stdout); return EXIT_OK;
        default: fputs("Try 'nsgflow help stats'.\n", stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        msg(stderr, "nsgflow stats: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    db_path = db_default_path(db_path);
    sqlite3 *db;
    if (db_open_to_read_or_say(db_path, 300000, &db) != 0)
        return EXIT_FATAL;
    char path[1200];
    int64_t size = file_size(db_path);
    snprintf(path, sizeof path, "%s-wal", db_path);
    int64_t wal = file_size(path);
    msg(stdout, "database: %s, %.1f MB on disk (%.1f MB of it in the write-ahead log), schema %d\n",
           db_path, (size + wal) / 1e6, wal / 1e6, db_schema_version());
    puts("blobs:");
    print_rows(db, "SELECT status, count(*), coalesce(sum(tuples), 0) FROM ingested_files"
                   " GROUP BY status ORDER BY status", "  %-9s %8lld blobs %12lld tuples\n");
    puts("tuples by format:");
    print_rows(db, "SELECT CASE g.format WHEN 1 THEN 'nsg-v1' WHEN 2 THEN 'nsg-v2' ELSE 'vnet-v4' END,"
                   " count(DISTINCT g.file_id), (SELECT count(*) FROM flow_tuple t WHERE t.group_id IN"
                   " (SELECT id FROM flow_group g2 WHERE g2.format = g.format))"
                   " FROM flow_group g GROUP BY g.format ORDER BY g.format",
               "  %-9s %8lld blobs %12lld tuples\n");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT min(min_ts), max(max_ts), (SELECT count(*) FROM flow_tuple),"
                               " (SELECT count(*) FROM address) FROM source_file WHERE identity IS NOT NULL",
                           -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        int64_t tuples = sqlite3_column_int64(st, 2);
        if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
            char a[24], b[24];
            time_format(sqlite3_column_int64(st, 0), a);
            time_format(sqlite3_column_int64(st, 1), b);
            msg(stdout, "flows: %lld tuples from %s to %s, %lld addresses; %.1f bytes per tuple on disk\n",
                   (long long)tuples, a, b, (long long)sqlite3_column_int64(st, 3),
                   tuples ? (double)(size + wal) / (double)tuples : 0.0);
        } else {
            puts("flows: none");
        }
    }
    sqlite3_finalize(st);
    /* the coverage: NIC-hours with and without blobs (view log_coverage) */
    if (sqlite3_prepare_v2(db, "SELECT count(DISTINCT mac), count(*), coalesce(sum(status = 'missing'), 0),"
                               " coalesce(sum(status = 'partial'), 0) FROM log_coverage", -1, &st,
                           NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_int64(st, 0)) {
        int64_t hours = sqlite3_column_int64(st, 1), missing = sqlite3_column_int64(st, 2);
        msg(stdout, "coverage: %lld NICs, %lld of %lld NIC-hours with blobs, %lld missing, %lld with"
                    " a partial blob (view log_coverage)\n", (long long)sqlite3_column_int64(st, 0),
            (long long)(hours - missing), (long long)hours, (long long)missing,
            (long long)sqlite3_column_int64(st, 3));
        sqlite3_finalize(st);
        st = NULL;
        if (missing && sqlite3_prepare_v2(db, "SELECT mac, count(*), min(hour) FROM log_coverage"
                                              " WHERE status = 'missing' GROUP BY mac"
                                              " ORDER BY count(*) DESC, mac LIMIT 10", -1, &st,
                                          NULL) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW) {
                int64_t n = sqlite3_column_int64(st, 1);
                msg(stdout, "  NIC %s: %lld hour%s without a blob, the first %s\n",
                    sqlite3_column_text(st, 0), (long long)n, n == 1 ? "" : "s",
                    sqlite3_column_text(st, 2));
            }
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT import_id, imported_at, (SELECT count(*) FROM config_resource),"
                               " (SELECT count(*) FROM config_apim) FROM config_imports"
                               " ORDER BY import_id DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        msg(stdout, "configuration: snapshot %lld of %s: %lld resources, %lld APIM instances"
                    " (nsgflow config show)\n", (long long)sqlite3_column_int64(st, 0),
            sqlite3_column_text(st, 1), (long long)sqlite3_column_int64(st, 2),
            (long long)sqlite3_column_int64(st, 3));
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT origin, change_number, coalesce(published, 'unknown'),"
                               " (SELECT count(*) FROM service_tag_prefix) FROM service_tag_source",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            msg(stdout, "service tags: %s, changeNumber %lld, published %s, %lld prefixes\n",
                   sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
                   sqlite3_column_text(st, 2), (long long)sqlite3_column_int64(st, 3));
        else
            puts("service tags: not loaded yet (analyze loads the built-in snapshot)");
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT count(*), min(window_start), max(window_end),"
                               " (SELECT count(*) FROM finding) FROM analysis_run", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 0)) {
            char a[24], b[24];
            time_format(sqlite3_column_int64(st, 1), a);
            time_format(sqlite3_column_int64(st, 2), b);
            msg(stdout, "analyses: %lld, windows from %s to %s, %lld findings kept\n",
                   (long long)sqlite3_column_int64(st, 0), a, b,
                   (long long)sqlite3_column_int64(st, 3));
        } else {
            puts("analyses: none yet");
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return EXIT_OK;
}
