/* stats.c: `nsgflow stats`, what the database holds: blobs by status,
 * tuples by format, the time range, the size on disk, the tag data, the
 * analyses and findings; of several shard databases, summed as one
 * database would give them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/cli.h"
#include "../common/escape.h"
#include "../common/jsonw.h"
#include "../common/plural.h"
#include "../common/timearg.h"
#include "../ingest/ingest.h"
#include "../schema/db.h"
#include "report.h"

const char stats_usage[] =
    "usage: nsgflow stats [--db FILE]... [--json]\n"
    "\n"
    "Says what the database holds: blobs (ok, partial, rejected), tuples per\n"
    "format, the time range of the flows, its size on disk, the coverage (NIC-\n"
    "hours with and without blobs), the configuration, the service-tag data,\n"
    "and the analyses and findings kept.\n"
    "  --db FILE      the database (default: $NSGFLOW_DB, else ./nsgflow.db);\n"
    "                 repeatable: shard databases, their figures added up as\n"
    "                 one database holding them all would give them\n"
    "  --json         the same as one JSON object (\"format\": \"nsgflow-stats\";\n"
    "                 its keys: man nsgflow, JSON OUTPUT)\n"
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
    /* blobs and tuples per format, from the blobs' own counts: a blob of
     * one format (all of Azure's) adds its tuples whole, only a blob that
     * mixes formats has its tuples read; never a read of every tuple per
     * group (a day's database took minutes that way) */
    add_rows(db, "WITH ff AS (SELECT file_id, min(format) AS lo, max(format) AS hi FROM flow_group"
                 " GROUP BY file_id),"
                 " n AS (SELECT ff.lo AS format, f.tuples AS n FROM ff JOIN source_file f"
                 " ON f.id = ff.file_id WHERE ff.lo = ff.hi"
                 " UNION ALL SELECT g.format, 1 FROM ff JOIN source_file f ON f.id = ff.file_id"
                 " CROSS JOIN flow_tuple t ON t.id BETWEEN f.first_tuple AND f.last_tuple"
                 " JOIN flow_group g ON g.id = t.group_id WHERE ff.lo != ff.hi)"
                 " SELECT CASE b.format WHEN 1 THEN 'nsg-v1' WHEN 2 THEN 'nsg-v2' ELSE 'vnet-v4' END,"
                 " b.blobs, (SELECT coalesce(sum(n.n), 0) FROM n WHERE n.format = b.format)"
                 " FROM (SELECT format, count(*) AS blobs FROM (SELECT DISTINCT format, file_id"
                 " FROM flow_group) GROUP BY format) b ORDER BY b.format", s->format, &s->nformat, 8);
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

/* "12 blobs" and the like, for the lines below */
#define COUNT(n, one, many) (long long)(n), plural((n), one, many)

static void stats_print_text(const struct stats *s, const char *const *paths, size_t ndbs)
{
    FILE *out = stdout;
    int w = cli_width(out);
    if (ndbs == 1)
        msg_wrapped(out, w, 4, "database: %s, %.1f MB on disk (%.1f MB of it in the write-ahead"
                               " log), schema %d\n", paths[0], (s->size + s->wal) / 1e6,
                    s->wal / 1e6, db_schema_version());
    else {
        msg_wrapped(out, w, 4, "databases: %zu shards, %.1f MB on disk (%.1f MB of it in"
                               " write-ahead logs), schema %d; the figures below are of them"
                               " all, as one database\n", ndbs, (s->size + s->wal) / 1e6,
                    s->wal / 1e6, db_schema_version());
        for (size_t i = 0; i < ndbs; i++)
            msg(out, "  %s\n", paths[i]);
    }
    const struct {
        const char *title;
        const struct stats_row *rows;
        size_t n;
    } tables[] = {{"blobs:", s->status, s->nstatus}, {"tuples by format:", s->format, s->nformat}};
    for (size_t t = 0; t < 2; t++) {
        puts(tables[t].title);
        for (size_t i = 0; i < tables[t].n; i++) {
            const struct stats_row *r = &tables[t].rows[i];
            msg(out, "  %-9s %8lld %-5s %12lld %s\n", r->name, COUNT(r->blobs, "blob", "blobs"),
                COUNT(r->tuples, "tuple", "tuples"));
        }
    }
    if (s->any_flows) {
        char a[24], b[24];
        time_format(s->min_ts, a);
        time_format(s->max_ts, b);
        msg_wrapped(out, w, 4, "flows: %lld %s from %s to %s, %lld %s; %.1f bytes per tuple on"
                               " disk\n", COUNT(s->tuples, "tuple", "tuples"), a, b,
                    COUNT(s->addresses, "address", "addresses"),
                    s->tuples ? (double)(s->size + s->wal) / (double)s->tuples : 0.0);
    } else {
        puts("flows: none");
    }
    if (s->nics) {
        msg_wrapped(out, w, 4, "coverage: %lld %s, %lld of %lld %s with blobs, %lld missing, %lld"
                               " with a partial blob (view log_coverage)\n",
                    COUNT(s->nics, "NIC", "NICs"), (long long)(s->nic_hours - s->missing),
                    COUNT(s->nic_hours, "NIC-hour", "NIC-hours"), (long long)s->missing,
                    (long long)s->partial);
        for (size_t i = 0; i < s->ngaps; i++)
            msg_wrapped(out, w, 6, "  NIC %s: %lld %s without a blob, the first %s\n",
                        s->gaps[i].mac, COUNT(s->gaps[i].hours, "hour", "hours"),
                        s->gaps[i].first);
    }
    if (s->have_config)
        msg_wrapped(out, w, 4, "configuration: snapshot %lld of %s: %lld %s, %lld APIM %s"
                               " (nsgflow config show)\n", (long long)s->config_id, s->config_at,
                    COUNT(s->config_resources, "resource", "resources"),
                    COUNT(s->config_apim, "instance", "instances"));
    if (s->have_tags)
        msg_wrapped(out, w, 4, "service tags: %s, changeNumber %lld, published %s, %lld %s\n",
                    s->tag_origin, (long long)s->tag_change, s->tag_published,
                    COUNT(s->tag_prefixes, "prefix", "prefixes"));
    else
        puts("service tags: not loaded yet (analyze loads the built-in snapshot)");
    if (s->analyses) {
        char a[24], b[24];
        time_format(s->win_start, a);
        time_format(s->win_end, b);
        msg_wrapped(out, w, 4, "analyses: %lld, %s from %s to %s; %lld %s kept\n",
                    (long long)s->analyses, s->analyses == 1 ? "its window" : "their windows", a,
                    b, COUNT(s->findings, "finding", "findings"));
    } else {
        puts("analyses: none yet");
    }
}

static void json_rows(struct jsonw *w, const char *key, const char *name,
                      const struct stats_row *rows, size_t n)
{
    jsonw_array(w, key);
    for (size_t i = 0; i < n; i++) {
        jsonw_object(w, NULL);
        jsonw_str(w, name, rows[i].name);
        jsonw_int(w, "blobs", rows[i].blobs);
        jsonw_int(w, "tuples", rows[i].tuples);
        jsonw_end(w);
    }
    jsonw_end(w);
}

static void stats_print_json(const struct stats *s, const char *const *paths, size_t ndbs)
{
    struct jsonw w;
    jsonw_begin(&w, stdout);
    jsonw_str(&w, "format", "nsgflow-stats");
    jsonw_int(&w, "version", 1);
    jsonw_array(&w, "databases");
    for (size_t i = 0; i < ndbs; i++)
        jsonw_str(&w, NULL, paths[i]);
    jsonw_end(&w);
    jsonw_int(&w, "schema", db_schema_version());
    jsonw_int(&w, "bytes", s->size + s->wal);
    jsonw_int(&w, "wal_bytes", s->wal);
    json_rows(&w, "blobs", "status", s->status, s->nstatus);
    json_rows(&w, "formats", "format", s->format, s->nformat);
    if (s->any_flows) {
        jsonw_object(&w, "flows");
        jsonw_int(&w, "tuples", s->tuples);
        jsonw_time(&w, "first", s->min_ts);
        jsonw_time(&w, "last", s->max_ts);
        jsonw_int(&w, "addresses", s->addresses);
        jsonw_end(&w);
    } else {
        jsonw_null(&w, "flows");
    }
    jsonw_object(&w, "coverage");
    jsonw_int(&w, "nics", s->nics);
    jsonw_int(&w, "nic_hours", s->nic_hours);
    jsonw_int(&w, "missing", s->missing);
    jsonw_int(&w, "partial", s->partial);
    jsonw_array(&w, "most_missing");
    for (size_t i = 0; i < s->ngaps; i++) {
        jsonw_object(&w, NULL);
        jsonw_str(&w, "mac", s->gaps[i].mac);
        jsonw_int(&w, "hours", s->gaps[i].hours);
        jsonw_str(&w, "first", s->gaps[i].first);
        jsonw_end(&w);
    }
    jsonw_end(&w);
    jsonw_end(&w);
    if (s->have_config) {
        jsonw_object(&w, "configuration");
        jsonw_int(&w, "import_id", s->config_id);
        jsonw_str(&w, "imported_at", s->config_at);
        jsonw_int(&w, "resources", s->config_resources);
        jsonw_int(&w, "apim_instances", s->config_apim);
        jsonw_end(&w);
    } else {
        jsonw_null(&w, "configuration");
    }
    if (s->have_tags) {
        jsonw_object(&w, "service_tags");
        jsonw_str(&w, "origin", s->tag_origin);
        jsonw_int(&w, "change_number", s->tag_change);
        jsonw_str(&w, "published", strcmp(s->tag_published, "unknown") ? s->tag_published : NULL);
        jsonw_int(&w, "prefixes", s->tag_prefixes);
        jsonw_end(&w);
    } else {
        jsonw_null(&w, "service_tags");
    }
    jsonw_object(&w, "analyses");
    jsonw_int(&w, "count", s->analyses);
    if (s->analyses) {
        jsonw_time(&w, "first_start", s->win_start);
        jsonw_time(&w, "last_end", s->win_end);
    } else {
        jsonw_null(&w, "first_start");
        jsonw_null(&w, "last_end");
    }
    jsonw_int(&w, "findings", s->findings);
    jsonw_end(&w);
    jsonw_finish(&w);
}

int stats_main(int argc, char **argv)
{
    const char *db_paths[argc + 1]; /* --db at most once per argument */
    size_t ndbs = 0;
    int json = 0;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "h";
    optind = 1;
    int c;
    while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
        switch (c) {
        case 'd': db_paths[ndbs++] = optarg; break;
        case 'j': json = 1; break;
        case 'h': fputs(stats_usage, stdout); return EXIT_OK;
        default: return cli_bad_option("stats", argv, shortopts, longopts);
        }
    }
    if (optind < argc) {
        msg(stderr, "nsgflow stats: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (!ndbs)
        db_paths[ndbs++] = db_default_path(NULL);
    cli_on_stop("stats", "nothing was changed (stats only reads)");
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
    if (json)
        stats_print_json(&s, db_paths, ndbs);
    else
        stats_print_text(&s, db_paths, ndbs);
    return EXIT_OK;
}
