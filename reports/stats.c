/* stats.c: `nsgflow stats`, what the database holds: blobs by status,
 * tuples by format, the time range, the size on disk, the tag data, the
 * analyses and findings; of several shard databases, summed as one
 * database would give them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/escape.h"
#include "../common/timearg.h"
#include "../ingest/ingest.h"
#include "../schema/db.h"
#include "report.h"

const char stats_usage[] =
    "usage: nsgflow stats [--db FILE]...\n"
    "\n"
    "Says what the database holds: blobs (ok, partial, rejected), tuples per\n"
    "format, the time range of the flows, its size on disk, the coverage (NIC-\n"
    "hours with and without blobs), the configuration, the service-tag data,\n"
    "and the analyses and findings kept.\n"
    "  --db FILE      the database (default: $NSGFLOW_DB, else ./nsgflow.db);\n"
    "                 repeatable: shard databases, their figures added up as\n"
    "                 one database holding them all would give them\n"
    "\n"
    "Exit status: 0 done; 1 the database could not be read; 2 usage.\n";

static int64_t file_size(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 ? (int64_t)s.st_size : 0;
}

/* A row of a breakdown: blobs by status, or by format. */
struct stats_row {
    char name[32];
    int64_t blobs, tuples;
};

struct stats_missing {
    char mac[32], first[24];
    int64_t hours;
};

/* What stats says, summed over the databases. */
struct stats {
    int64_t size, wal;
    struct stats_row status[8], format[8];
    size_t nstatus, nformat;
    int any_flows;
    int64_t min_ts, max_ts, tuples, addresses;
    int64_t nics, nic_hours, missing, partial;
    struct stats_missing gaps[64];
    size_t ngaps;
    int have_config;
    int64_t config_id, config_resources, config_apim;
    char config_at[32];
    int have_tags;
    char tag_origin[256], tag_published[32];
    int64_t tag_change, tag_prefixes;
    int64_t analyses, findings, win_start, win_end;
};

static void add_row(struct stats_row *rows, size_t *n, size_t max, const char *name,
                    int64_t blobs, int64_t tuples)
{
    size_t i = 0;
    while (i < *n && strcmp(rows[i].name, name) < 0)
        i++;
    if (i == *n || strcmp(rows[i].name, name) != 0) {
        if (*n == max)
            return;
        memmove(&rows[i + 1], &rows[i], (*n - i) * sizeof *rows);
        (*n)++;
        snprintf(rows[i].name, sizeof rows[i].name, "%s", name);
        rows[i].blobs = rows[i].tuples = 0;
    }
    rows[i].blobs += blobs;
    rows[i].tuples += tuples;
}

static void add_rows(sqlite3 *db, const char *sql, struct stats_row *rows, size_t *n, size_t max)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        add_row(rows, n, max, name ? name : "", sqlite3_column_int64(st, 1),
                sqlite3_column_int64(st, 2));
    }
    sqlite3_finalize(st);
}

static int64_t scalar64(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Copies the rows of sql in db into the temp table `table` of into (one or
 * more text or integer columns, as many as the table has). */
static void copy_rows(sqlite3 *db, const char *sql, sqlite3 *into, const char *insert)
{
    sqlite3_stmt *st, *ins;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_prepare_v2(into, insert, -1, &ins, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    sqlite3_exec(into, "BEGIN", NULL, NULL, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++)
            sqlite3_bind_value(ins, c + 1, sqlite3_column_value(st, c));
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_exec(into, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
}

static int by_missing(const void *a, const void *b)
{
    const struct stats_missing *x = a, *y = b;
    if (x->hours != y->hours)
        return x->hours > y->hours ? -1 : 1;
    return strcmp(x->mac, y->mac);
}

/* Adds what db holds to s. union_db: the connection whose temp tables
 * count what several databases may share (addresses, NICs, analyses of
 * one window, a finding of one window). */
static void stats_collect(sqlite3 *db, const char *path, sqlite3 *union_db, struct stats *s)
{
    char wal[1200];
    s->size += file_size(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    s->wal += file_size(wal);
    add_rows(db, "SELECT status, count(*), coalesce(sum(tuples), 0) FROM ingested_files"
                 " GROUP BY status ORDER BY status", s->status, &s->nstatus, 8);
    add_rows(db, "SELECT CASE g.format WHEN 1 THEN 'nsg-v1' WHEN 2 THEN 'nsg-v2' ELSE 'vnet-v4' END,"
                 " count(DISTINCT g.file_id), (SELECT count(*) FROM flow_tuple t WHERE t.group_id IN"
                 " (SELECT id FROM flow_group g2 WHERE g2.format = g.format))"
                 " FROM flow_group g GROUP BY g.format ORDER BY g.format", s->format, &s->nformat, 8);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT min(min_ts), max(max_ts), (SELECT count(*) FROM flow_tuple)"
                               " FROM source_file WHERE identity IS NOT NULL", -1, &st,
                           NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        s->tuples += sqlite3_column_int64(st, 2);
        if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
            int64_t a = sqlite3_column_int64(st, 0), b = sqlite3_column_int64(st, 1);
            if (!s->any_flows || a < s->min_ts)
                s->min_ts = a;
            if (!s->any_flows || b > s->max_ts)
                s->max_ts = b;
            s->any_flows = 1;
        }
    }
    sqlite3_finalize(st);
    if (union_db) {
        copy_rows(db, "SELECT ip FROM address", union_db,
                  "INSERT OR IGNORE INTO stats_address VALUES(?)");
        copy_rows(db, "SELECT DISTINCT mac FROM log_coverage", union_db,
                  "INSERT OR IGNORE INTO stats_nic VALUES(?)");
    } else {
        s->addresses = scalar64(db, "SELECT count(*) FROM address");
        s->nics = scalar64(db, "SELECT count(DISTINCT mac) FROM log_coverage");
    }
    if (sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(status = 'missing'), 0),"
                               " coalesce(sum(status = 'partial'), 0) FROM log_coverage", -1, &st,
                           NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        s->nic_hours += sqlite3_column_int64(st, 0);
        s->missing += sqlite3_column_int64(st, 1);
        s->partial += sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    /* each database's ten NICs with most missing hours hold the ten of all
     * (a NIC is in one shard) */
    if (sqlite3_prepare_v2(db, "SELECT mac, count(*), min(hour) FROM log_coverage"
                               " WHERE status = 'missing' GROUP BY mac"
                               " ORDER BY count(*) DESC, mac LIMIT 10", -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW && s->ngaps < sizeof s->gaps / sizeof s->gaps[0]) {
            struct stats_missing *g = &s->gaps[s->ngaps++];
            snprintf(g->mac, sizeof g->mac, "%s", sqlite3_column_text(st, 0));
            g->hours = sqlite3_column_int64(st, 1);
            snprintf(g->first, sizeof g->first, "%s", sqlite3_column_text(st, 2));
        }
    sqlite3_finalize(st);
    if (s->ngaps > 10) {
        qsort(s->gaps, s->ngaps, sizeof s->gaps[0], by_missing);
        s->ngaps = 10;
    }
    /* the latest configuration snapshot of all */
    if (sqlite3_prepare_v2(db, "SELECT import_id, imported_at, (SELECT count(*) FROM config_resource),"
                               " (SELECT count(*) FROM config_apim) FROM config_imports"
                               " ORDER BY import_id DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *at = (const char *)sqlite3_column_text(st, 1);
        if (!s->have_config || (at && strcmp(at, s->config_at) > 0)) {
            s->have_config = 1;
            s->config_id = sqlite3_column_int64(st, 0);
            snprintf(s->config_at, sizeof s->config_at, "%s", at ? at : "");
            s->config_resources = sqlite3_column_int64(st, 2);
            s->config_apim = sqlite3_column_int64(st, 3);
        }
    }
    sqlite3_finalize(st);
    if (!s->have_tags &&
        sqlite3_prepare_v2(db, "SELECT origin, change_number, coalesce(published, 'unknown'),"
                               " (SELECT count(*) FROM service_tag_prefix) FROM service_tag_source",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            s->have_tags = 1;
            snprintf(s->tag_origin, sizeof s->tag_origin, "%s", sqlite3_column_text(st, 0));
            s->tag_change = sqlite3_column_int64(st, 1);
            snprintf(s->tag_published, sizeof s->tag_published, "%s", sqlite3_column_text(st, 2));
            s->tag_prefixes = sqlite3_column_int64(st, 3);
        }
        sqlite3_finalize(st);
    }
    /* an analysis of one window in several shards is one analysis, its
     * finding of one key one finding */
    if (sqlite3_prepare_v2(db, "SELECT count(*), min(window_start), max(window_end) FROM analysis_run",
                           -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_int64(st, 0)) {
        int64_t a = sqlite3_column_int64(st, 1), b = sqlite3_column_int64(st, 2);
        if (!s->analyses || a < s->win_start)
            s->win_start = a;
        if (!s->analyses || b > s->win_end)
            s->win_end = b;
        s->analyses += sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (union_db) {
        copy_rows(db, "SELECT window_start, window_end FROM analysis_run", union_db,
                  "INSERT OR IGNORE INTO stats_window VALUES(?, ?)");
        copy_rows(db, "SELECT r.window_start, r.window_end, f.key FROM finding f"
                      " JOIN analysis_run r ON r.id = f.run_id", union_db,
                  "INSERT OR IGNORE INTO stats_finding VALUES(?, ?, ?)");
    } else {
        s->findings = scalar64(db, "SELECT count(*) FROM finding");
    }
}

int stats_main(int argc, char **argv)
{
    const char *db_paths[argc + 1]; /* --db at most once per argument */
    size_t ndbs = 0;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_paths[ndbs++] = optarg; break;
        case 'h': fputs(stats_usage, stdout); return EXIT_OK;
        default: fputs("Try 'nsgflow help stats'.\n", stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        msg(stderr, "nsgflow stats: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (!ndbs)
        db_paths[ndbs++] = db_default_path(NULL);
    struct report_db dbs[ndbs];
    if (report_open_dbs(db_paths, ndbs, dbs) != 0)
        return EXIT_FATAL;
    static struct stats s;
    memset(&s, 0, sizeof s);
    /* several databases: what they may share is counted once, in temp
     * tables of the first one's connection */
    sqlite3 *union_db = ndbs > 1 ? dbs[0].db : NULL;
    if (union_db &&
        sqlite3_exec(union_db, "CREATE TEMP TABLE stats_address(ip TEXT PRIMARY KEY);"
                               "CREATE TEMP TABLE stats_nic(mac TEXT PRIMARY KEY);"
                               "CREATE TEMP TABLE stats_window(s INTEGER, e INTEGER, PRIMARY KEY (s, e));"
                               "CREATE TEMP TABLE stats_finding(s INTEGER, e INTEGER, key TEXT,"
                               " PRIMARY KEY (s, e, key))", NULL, NULL, NULL) != SQLITE_OK) {
        msg(stderr, "nsgflow stats: %s: %s\n", db_paths[0], sqlite3_errmsg(union_db));
        report_close_dbs(dbs, ndbs);
        return EXIT_FATAL;
    }
    for (size_t i = 0; i < ndbs; i++)
        stats_collect(dbs[i].db, db_paths[i], union_db, &s);
    if (union_db) {
        s.addresses = scalar64(union_db, "SELECT count(*) FROM stats_address");
        s.nics = scalar64(union_db, "SELECT count(*) FROM stats_nic");
        s.analyses = scalar64(union_db, "SELECT count(*) FROM stats_window");
        s.findings = scalar64(union_db, "SELECT count(*) FROM stats_finding");
    }
    report_close_dbs(dbs, ndbs);
    if (ndbs == 1)
        msg(stdout, "database: %s, %.1f MB on disk (%.1f MB of it in the write-ahead log), schema %d\n",
            db_paths[0], (s.size + s.wal) / 1e6, s.wal / 1e6, db_schema_version());
    else {
        msg(stdout, "databases: %zu shards, %.1f MB on disk (%.1f MB of it in write-ahead logs),"
                    " schema %d; the figures below are of them all, as one database\n",
            ndbs, (s.size + s.wal) / 1e6, s.wal / 1e6, db_schema_version());
        for (size_t i = 0; i < ndbs; i++)
            msg(stdout, "  %s\n", db_paths[i]);
    }
    puts("blobs:");
    for (size_t i = 0; i < s.nstatus; i++)
        msg(stdout, "  %-9s %8lld blobs %12lld tuples\n", s.status[i].name,
            (long long)s.status[i].blobs, (long long)s.status[i].tuples);
    puts("tuples by format:");
    for (size_t i = 0; i < s.nformat; i++)
        msg(stdout, "  %-9s %8lld blobs %12lld tuples\n", s.format[i].name,
            (long long)s.format[i].blobs, (long long)s.format[i].tuples);
    if (s.any_flows) {
        char a[24], b[24];
        time_format(s.min_ts, a);
        time_format(s.max_ts, b);
        msg(stdout, "flows: %lld tuples from %s to %s, %lld addresses; %.1f bytes per tuple on disk\n",
            (long long)s.tuples, a, b, (long long)s.addresses,
            s.tuples ? (double)(s.size + s.wal) / (double)s.tuples : 0.0);
    } else {
        puts("flows: none");
    }
    if (s.nics) {
        msg(stdout, "coverage: %lld NICs, %lld of %lld NIC-hours with blobs, %lld missing, %lld with"
                    " a partial blob (view log_coverage)\n", (long long)s.nics,
            (long long)(s.nic_hours - s.missing), (long long)s.nic_hours, (long long)s.missing,
            (long long)s.partial);
        for (size_t i = 0; i < s.ngaps; i++)
            msg(stdout, "  NIC %s: %lld hour%s without a blob, the first %s\n", s.gaps[i].mac,
                (long long)s.gaps[i].hours, s.gaps[i].hours == 1 ? "" : "s", s.gaps[i].first);
    }
    if (s.have_config)
        msg(stdout, "configuration: snapshot %lld of %s: %lld resources, %lld APIM instances"
                    " (nsgflow config show)\n", (long long)s.config_id, s.config_at,
            (long long)s.config_resources, (long long)s.config_apim);
    if (s.have_tags)
        msg(stdout, "service tags: %s, changeNumber %lld, published %s, %lld prefixes\n",
            s.tag_origin, (long long)s.tag_change, s.tag_published, (long long)s.tag_prefixes);
    else
        puts("service tags: not loaded yet (analyze loads the built-in snapshot)");
    if (s.analyses) {
        char a[24], b[24];
        time_format(s.win_start, a);
        time_format(s.win_end, b);
        msg(stdout, "analyses: %lld, windows from %s to %s, %lld findings kept\n",
            (long long)s.analyses, a, b, (long long)s.findings);
    } else {
        puts("analyses: none yet");
    }
    return EXIT_OK;
}
