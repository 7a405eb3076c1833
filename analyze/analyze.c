/* analyze.c: the analyze command (see analyze.h): window, tag data,
 * requirements, hosts, the pass, the findings, and their storage. */
#include "../common/escape.h"
#include "analyze.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../ingest/ingest.h"
#include "../schema/db.h"
#include "addresses.h"
#include "findings.h"
#include "requirements.h"
#include "scan.h"
#include "tags.h"
#include "../common/timearg.h"

const char analyze_usage[] =
    "usage: nsgflow analyze [--db FILE] [--apim-subnet CIDR]... [--since T] [--until T]\n"
    "                       [--platform stv1|stv2] [--vnet-type external|internal]\n"
    "                       [--fail-on error|warning] [--quiet]\n"
    "\n"
    "Finds what breaks API Management in a virtual network, from the flows in\n"
    "the database:\n"
    "  denied-required-port  flows to or from an APIM instance, on a port APIM\n"
    "                        needs, denied by an NSG rule (error when required)\n"
    "  asymmetric-return     management calls on TCP 3443 (or client calls on 443)\n"
    "                        whose replies are lost: a route sends them elsewhere\n"
    "  missing-dependency    a required dependency with no allowed flow (info)\n"
    "  double-logging        NICs logged by NSG and VNet flow logs alike (info)\n"
    "The findings are stored (view `findings`) and listed, most severe first.\n"
    "\n"
    "  --apim-subnet CIDR  the APIM subnet (repeatable); without it the instances\n"
    "                      are detected: targets of TCP 3443 from the management\n"
    "                      plane and of the load balancer's probes on 6390\n"
    "  --since T, --until T  the window: ISO-8601 UTC (2026-11-01T10:00Z) or\n"
    "                      relative to now (30m, 24h, 7d); default: all the data\n"
    "  --platform stv1|stv2  judge against that platform's requirements only\n"
    "  --vnet-type external|internal  drop requirements of the other mode\n"
    "  --fail-on error|warning  exit 1 when a finding of that severity or worse\n"
    "                      exists\n"
    "  --quiet, -q         print nothing but errors\n"
    "  --db FILE           the database (default: $NSGFLOW_DB, else ./nsgflow.db)\n"
    "\n"
    "Analyzing a window again replaces its findings. Exit status: 0 done;\n"
    "1 a finding at the --fail-on level, or a fatal error (message on stderr);\n"
    "2 usage.\n";

static int64_t scalar(sqlite3 *db, const char *sql, int64_t fallback)
{
    sqlite3_stmt *st;
    int64_t v = fallback;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Days since a YYYY-MM-DD date, or -1. */
static long age_days(const char *date)
{
    int64_t t;
    if (!date[0] || time_arg_parse(date, time(NULL), &t) != 0)
        return -1;
    return (long)((time(NULL) - t) / 86400);
}

/* ------------------------------------------------------------------ */
/* hosts                                                              */

static int choose_hosts(sqlite3 *db, const struct analyze_options *o,
                        const struct scan_result *scan, struct apim_hosts *h)
{
    size_t cap = scan->hosts.count + 1;
    h->ids = calloc(cap, sizeof *h->ids);
    h->reasons = calloc(cap, sizeof *h->reasons);
    h->flows = calloc(cap, sizeof *h->flows);
    if (!h->ids || !h->reasons || !h->flows)
        return -1;
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&scan->hosts, &pos, &kp, &vp)) {
        int64_t id = *(const int64_t *)kp;
        const struct host_seen *s = vp;
        char *why = h->reasons[h->n];
        if (o->nsubnets) {
            if (!s->in_subnet)
                continue;
            snprintf(why, 160, "inside --apim-subnet (%" PRId64 " tuples)", s->in_subnet);
            h->flows[h->n] = s->in_subnet;
        } else {
            if (!s->management && !s->probes)
                continue;
            why[0] = '\0';
            if (s->management)
                snprintf(why, 160, "management calls on 3443 from the control plane (%" PRId64
                                   " tuples)", s->management);
            if (s->probes)
                snprintf(why + strlen(why), 160 - strlen(why),
                         "%sload-balancer probes on 6390 (%" PRId64 " tuples)",
                         why[0] ? "; " : "", s->probes);
            h->flows[h->n] = s->management + s->probes;
        }
        h->ids[h->n++] = id;
    }
    (void)db;
    return 0;
}

static void hosts_free(struct apim_hosts *h)
{
    free(h->ids);
    free(h->reasons);
    free(h->flows);
}

/* ------------------------------------------------------------------ */
/* storage                                                            */

/* Runs sql with ?1 and ?2 bound to two integers. */
static int exec2(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* The findings' lives: new or open against the previous window's, and the
 * previous window's that are gone now, copied in as resolved. */
static int set_lifecycle(sqlite3 *db, int64_t run_id, int64_t previous)
{
    static const char *const sql[] = {
        "UPDATE finding SET status = CASE WHEN EXISTS (SELECT 1 FROM finding p"
        " WHERE p.run_id = ?2 AND p.key = finding.key AND p.status != 'resolved')"
        " THEN 'open' ELSE 'new' END WHERE run_id = ?1",
        "INSERT INTO finding(run_id, analyzer, severity, title, host, remote, port,"
        " protocol, direction, rule, flows, first_seen, last_seen, evidence, details,"
        " hint, commands, confidence, status, requirement_id, key)"
        " SELECT ?1, analyzer, severity, title, host, remote, port, protocol, direction,"
        " rule, flows, first_seen, last_seen, evidence, details, hint, commands, confidence,"
        " 'resolved', requirement_id, key FROM finding p"
        " WHERE p.run_id = ?2 AND p.status != 'resolved'"
        " AND NOT EXISTS (SELECT 1 FROM finding c WHERE c.run_id = ?1 AND c.key = p.key)",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (exec2(db, sql[i], run_id, previous) != 0)
            return -1;
    return 0;
}

static int store_matrix(sqlite3 *db, int64_t run_id, const struct scan_result *scan,
                        const struct requirements *reqs, const struct apim_hosts *hosts)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO host_requirement(run_id, host, requirement_id,"
                               " allowed, denied) VALUES(?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    for (size_t h = 0; h < hosts->n && rc == 0; h++) {
        char ip[IP_TEXT_MAX];
        addresses_text(db, hosts->ids[h], ip);
        for (size_t i = 0; i < reqs->n && rc == 0; i++) {
            struct allowed_key ak = {hosts->ids[h], (int64_t)i};
            int64_t *allowed = hashmap_get((struct hashmap *)&scan->allowed, &ak, 0);
            int64_t denied = 0;
            size_t pos = 0;
            const void *kp;
            void *vp;
            while (hashmap_next(&scan->denied, &pos, &kp, &vp)) {
                const struct denied_key *k = kp;
                if (k->local == hosts->ids[h] && k->requirement == (int64_t)i)
                    denied += ((const struct denied_agg *)vp)->flows;
            }
            sqlite3_bind_int64(st, 1, run_id);
            sqlite3_bind_text(st, 2, ip, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(st, 3, reqs->v[i].id);
            sqlite3_bind_int64(st, 4, allowed ? *allowed : 0);
            sqlite3_bind_int64(st, 5, denied);
            rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
            sqlite3_reset(st);
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* The hourly series of a finding into finding_hour. */
static int store_series(sqlite3 *db, sqlite3_stmt *st, int64_t finding_id,
                        const struct finding *f, const struct scan_result *scan)
{
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&scan->hourly, &pos, &kp, &vp)) {
        const struct hourly_key *k = kp;
        const struct hourly_count *c = vp;
        int64_t bad = 0, good = 0;
        if (k->kind == f->series_kind && k->local == f->series_local &&
            k->requirement_or_remote == f->series_b && k->rule_id == f->series_rule &&
            k->port == f->series_port) {
            bad = c->bad;
            good = f->series_kind == HOURLY_CONNECTIONS ? c->good : 0;
        } else if (f->series_kind == HOURLY_DENIED && k->kind == HOURLY_ALLOWED &&
                 k->local == f->series_local && k->requirement_or_remote == f->series_b)
            good = c->good;
        else
            continue;
        /* bad and good of one hour may come from two keys: add up */
        sqlite3_bind_int64(st, 1, finding_id);
        sqlite3_bind_int64(st, 2, k->hour);
        sqlite3_bind_int64(st, 3, bad);
        sqlite3_bind_int64(st, 4, good);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return -1;
    }
    (void)db;
    return 0;
}

static int store_results(sqlite3 *db, const struct analyze_options *o,
                         const struct tag_source *src, int64_t from, int64_t to,
                         const struct scan_result *scan, const struct requirements *reqs,
                         const struct apim_hosts *hosts, const struct findings *fs,
                         double seconds, int64_t *run_id, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    /* older analyses of windows inside this one are replaced */
    static const char *const drop[] = {
        "DELETE FROM finding_hour WHERE finding_id IN (SELECT f.id FROM finding f"
        " JOIN analysis_run r ON r.id = f.run_id WHERE r.window_start >= ?1 AND r.window_end <= ?2)",
        "DELETE FROM finding WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM apim_host WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM host_requirement WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM analysis_run WHERE window_start >= ?1 AND window_end <= ?2",
    };
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        if (exec2(db, drop[i], from, to) != 0)
            goto sqlfail;
    int64_t previous = 0;
    if (sqlite3_prepare_v2(db, "SELECT id FROM analysis_run WHERE window_end < ?"
                               " ORDER BY window_end DESC, id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, from);
    if (sqlite3_step(st) == SQLITE_ROW)
        previous = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "INSERT INTO analysis_run(started_at, window_start, window_end,"
                               " platform, vnet_type, hosts_from, tag_origin, tag_change_number,"
                               " tag_published, tuples, seconds, previous_run_id)"
                               " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    if (o->platform)
        sqlite3_bind_text(st, 4, o->platform, -1, SQLITE_STATIC);
    if (o->vnet_type)
        sqlite3_bind_text(st, 5, o->vnet_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, o->nsubnets ? "given" : "detected", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, src->origin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, src->change_number);
    if (src->published[0])
        sqlite3_bind_text(st, 9, src->published, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, scan->tuples);
    sqlite3_bind_double(st, 11, seconds);
    if (previous)
        sqlite3_bind_int64(st, 12, previous);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlfail;
    sqlite3_finalize(st);
    *run_id = sqlite3_last_insert_rowid(db);

    if (sqlite3_prepare_v2(db, "INSERT INTO apim_host(run_id, address, reason, flows) VALUES(?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    for (size_t i = 0; i < hosts->n; i++) {
        char ip[IP_TEXT_MAX];
        addresses_text(db, hosts->ids[i], ip);
        sqlite3_bind_int64(st, 1, *run_id);
        sqlite3_bind_text(st, 2, ip, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, hosts->reasons[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, hosts->flows[i]);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto sqlfail;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (store_matrix(db, *run_id, scan, reqs, hosts) != 0)
        goto sqlfail;

    sqlite3_stmt *hour_st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO finding_hour(finding_id, hour, bad, good)"
                               " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(finding_id, hour) DO UPDATE"
                               " SET bad = bad + ?3, good = good + ?4", -1, &hour_st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO finding(run_id, analyzer, severity, title, host, remote,"
                               " port, protocol, direction, rule, flows, first_seen, last_seen,"
                               " evidence, details, hint, confidence, requirement_id, key, commands)"
                               " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(hour_st);
        goto sqlfail;
    }
    for (size_t i = 0; i < fs->n; i++) {
        const struct finding *f = &fs->v[i];
        char key[600];
        finding_key(f, key, sizeof key);
        sqlite3_bind_int64(st, 1, *run_id);
        sqlite3_bind_text(st, 2, f->analyzer, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, f->severity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, f->title, -1, SQLITE_STATIC);
        for (int c = 5; c <= 18; c++)
            sqlite3_bind_null(st, c);
        if (f->host[0])
            sqlite3_bind_text(st, 5, f->host, -1, SQLITE_STATIC);
        if (f->remote[0])
            sqlite3_bind_text(st, 6, f->remote, -1, SQLITE_STATIC);
        if (f->port)
            sqlite3_bind_int(st, 7, f->port);
        if (f->protocol)
            sqlite3_bind_text(st, 8, f->protocol, -1, SQLITE_STATIC);
        if (f->direction)
            sqlite3_bind_text(st, 9, f->direction, -1, SQLITE_STATIC);
        if (f->rule[0])
            sqlite3_bind_text(st, 10, f->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 11, f->flows);
        sqlite3_bind_int64(st, 12, f->first);
        sqlite3_bind_int64(st, 13, f->last);
        sqlite3_bind_text(st, 14, strbuf_text(&f->evidence), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 15, strbuf_text(&f->details), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 16, strbuf_text(&f->hint), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 17, f->confidence, -1, SQLITE_STATIC);
        if (f->requirement_id)
            sqlite3_bind_int(st, 18, f->requirement_id);
        sqlite3_bind_text(st, 19, key, -1, SQLITE_TRANSIENT);
        if (f->commands.len)
            sqlite3_bind_text(st, 20, strbuf_text(&f->commands), -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 20);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE ||
            (f->series_kind && store_series(db, hour_st, sqlite3_last_insert_rowid(db), f, scan) != 0)) {
            sqlite3_finalize(hour_st);
            goto sqlfail;
        }
    }
    sqlite3_finalize(hour_st);
    sqlite3_finalize(st);
    st = NULL;
    if (set_lifecycle(db, *run_id, previous) != 0)
        goto sqlfail;
    return 0;
sqlfail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return -1;
}

/* ------------------------------------------------------------------ */
/* the run                                                            */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int analyze_run(const struct analyze_options *o, struct analyze_result *res)
{
    memset(res, 0, sizeof *res);
    double start = now_seconds();
    char err[600];
    sqlite3 *db = NULL;
    tags_index *ix = NULL;
    addresses *addrs = NULL;
    struct requirements reqs = {0};
    struct scan_result scan;
    int scanned = 0;
    struct apim_hosts hosts = {0};
    struct findings fs = {0};
    struct tag_source src;
    int status = EXIT_FATAL;

    if (db_open_or_say(o->db_path, o->wait_ms, &db) != 0)
        return EXIT_FATAL;
    if (tags_ensure(db, &src, err, sizeof err) != 0)
        goto fail;
    /* read everything from one snapshot, however long the pass takes */
    if (db_exec(db, "BEGIN", err, sizeof err) != 0)
        goto fail;
    int64_t from = o->since, to = o->until;
    if (from == INT64_MIN)
        from = scalar(db, "SELECT min(min_ts) FROM source_file WHERE identity IS NOT NULL", 0);
    if (to == INT64_MAX)
        to = scalar(db, "SELECT max(max_ts) FROM source_file WHERE identity IS NOT NULL", 0);
    res->window_start = from;
    res->window_end = to;
    char stamp[700];
    snprintf(stamp, sizeof stamp, "%s|%ld|%s", src.origin, src.change_number, src.published);
    if (!(ix = tags_index_load(db, err, sizeof err)) ||
        requirements_load(db, o->platform, o->vnet_type, &reqs, err, sizeof err) != 0 ||
        !(addrs = addresses_load(db, ix, stamp, o->subnets, o->nsubnets, err, sizeof err)))
        goto fail;
    /* a tag the tag data lacks cannot confirm anything: port only */
    for (size_t i = 0; i < reqs.n; i++)
        if (reqs.v[i].kind == RK_TAG && tags_index_count(ix, reqs.v[i].tag_bit) == 0)
            reqs.v[i].kind = RK_NAMED;
    if (scan_window(db, from, to, &reqs, addrs, &scan, err, sizeof err) != 0)
        goto fail;
    scanned = 1;
    if (choose_hosts(db, o, &scan, &hosts) != 0) {
        snprintf(err, sizeof err, "out of memory");
        goto fail;
    }
    int external = o->vnet_type && strcmp(o->vnet_type, "external") == 0;
    if (findings_build(db, &scan, &reqs, addrs, &hosts, external, &fs, err, sizeof err) != 0)
        goto fail;
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);

    /* write the results in one transaction */
    if (db_exec(db, "BEGIN IMMEDIATE", err, sizeof err) != 0)
        goto fail;
    if (addresses_save_tags(db, addrs, err, sizeof err) != 0 ||
        store_results(db, o, &src, from, to, &scan, &reqs, &hosts, &fs,
                      now_seconds() - start, &res->run_id, err, sizeof err) != 0 ||
        db_exec(db, "COMMIT", err, sizeof err) != 0)
        goto fail;

    for (size_t i = 0; i < fs.n; i++) {
        const char *s = fs.v[i].severity;
        res->errors += strcmp(s, "error") == 0;
        res->warnings += strcmp(s, "warning") == 0;
        res->infos += strcmp(s, "info") == 0;
    }
    sqlite3_stmt *lives;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(sum(status = 'new'), 0),"
                               " coalesce(sum(status = 'resolved'), 0) FROM finding WHERE run_id = ?",
                           -1, &lives, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(lives, 1, res->run_id);
        if (sqlite3_step(lives) == SQLITE_ROW) {
            res->new_findings = sqlite3_column_int(lives, 0);
            res->resolved = sqlite3_column_int(lives, 1);
        }
        sqlite3_finalize(lives);
    }
    res->hosts = hosts.n;

    long age = age_days(src.published);
    if (age > 90)
        msg(stderr, "warning: the service-tag data (%s, changeNumber %ld, published %s) is %ld"
                        " days old: download a current ServiceTags_Public_YYYYMMDD.json and run"
                        " 'nsgflow tags import FILE'\n",
                src.origin, src.change_number, src.published, age);
    else if (age < 0)
        msg(stderr, "warning: the service-tag data (%s) has no publication date; if it is"
                        " old, import a current ServiceTags_Public_YYYYMMDD.json\n", src.origin);
    if (!o->quiet) {
        char a[24], b[24];
        time_format(from, a);
        time_format(to, b);
        msg(stdout, "analyze: window %s to %s: %" PRId64 " tuples in %" PRId64 " blobs (%.2f s)\n",
               a, b, scan.tuples, scan.blobs, now_seconds() - start);
        msg(stdout, "analyze: service tags: %s, changeNumber %ld, published %s\n", src.origin,
               src.change_number, src.published[0] ? src.published : "unknown");
        if (hosts.n == 0)
            msg(stdout, "analyze: no APIM instance %s; give --apim-subnet CIDR\n",
                   o->nsubnets ? "inside the --apim-subnet ranges has flows in the window"
                               : "found in the traffic (no management calls on 3443, no probes on 6390)");
        else
            msg(stdout, "analyze: APIM hosts, %s:\n",
                   o->nsubnets ? "inside --apim-subnet"
                               : "detected from the traffic (choose them with --apim-subnet)");
        for (size_t i = 0; i < hosts.n; i++) {
            char ip[IP_TEXT_MAX];
            addresses_text(db, hosts.ids[i], ip);
            msg(stdout, "  %-15s %s\n", ip, hosts.reasons[i]);
        }
        msg(stdout, "analyze: %zu finding%s: %d error%s, %d warning%s, %d info; %d new, %d resolved"
               " since the previous window\n", fs.n,
               fs.n == 1 ? "" : "s", res->errors, res->errors == 1 ? "" : "s", res->warnings,
               res->warnings == 1 ? "" : "s", res->infos, res->new_findings, res->resolved);
        for (size_t i = 0; i < fs.n; i++) {
            const struct finding *f = &fs.v[i];
            msg(stdout, "  %-7s %-20s %-15s %s (%" PRId64 " flows, confidence %s)\n", f->severity,
                   f->analyzer, f->host[0] ? f->host : "-", f->title, f->flows, f->confidence);
        }
        if (fs.n)
            msg(stdout, "analyze: evidence and fixes: sqlite3 %s 'SELECT * FROM findings'\n", o->db_path);
    }
    status = EXIT_OK;
    if (o->fail_on && (res->errors || (strcmp(o->fail_on, "warning") == 0 && res->warnings)))
        status = EXIT_FATAL; /* 1: findings at the --fail-on level */
    goto done;
fail:
    msg(stderr, "nsgflow analyze: %s: %s\n", o->db_path, err);
    if (db && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    status = EXIT_FATAL;
done:
    findings_free(&fs);
    hosts_free(&hosts);
    if (scanned)
        scan_free(&scan);
    addresses_free(addrs);
    requirements_free(&reqs);
    tags_index_free(ix);
    sqlite3_close(db);
    return status;
}

int analyze_main(int argc, char **argv)
{
    struct analyze_options o;
    memset(&o, 0, sizeof o);
    o.since = INT64_MIN;
    o.until = INT64_MAX;
    o.wait_ms = 300000;
    const char *db = NULL;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"apim-subnet", required_argument, NULL, 's'},
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"platform", required_argument, NULL, 'p'},
        {"vnet-type", required_argument, NULL, 'v'},
        {"fail-on", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'q': o.quiet = 1; break;
        case 's':
            if (o.nsubnets == ANALYZE_MAX_SUBNETS ||
                ip_prefix_parse(optarg, strlen(optarg), &o.subnets[2 * o.nsubnets],
                                &o.subnets[2 * o.nsubnets + 1]) != 0) {
                msg(stderr, "nsgflow analyze: --apim-subnet: not an address range like"
                                " 10.0.1.0/24: '%s'\n", optarg);
                return EXIT_USAGE;
            }
            snprintf(o.subnet_text[o.nsubnets], sizeof o.subnet_text[0], "%s", optarg);
            o.nsubnets++;
            break;
        case 'S':
            if (time_arg_option("analyze", "since", optarg, &o.since) != 0)
                return EXIT_USAGE;
            break;
        case 'U':
            if (time_arg_option("analyze", "until", optarg, &o.until) != 0)
                return EXIT_USAGE;
            break;
        case 'p':
            if (strcmp(optarg, "stv1") != 0 && strcmp(optarg, "stv2") != 0) {
                msg(stderr, "nsgflow analyze: --platform: stv1 or stv2, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            o.platform = optarg;
            break;
        case 'v':
            if (strcmp(optarg, "external") != 0 && strcmp(optarg, "internal") != 0) {
                msg(stderr, "nsgflow analyze: --vnet-type: external or internal, not '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            o.vnet_type = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "error") != 0 && strcmp(optarg, "warning") != 0) {
                msg(stderr, "nsgflow analyze: --fail-on: error or warning, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            o.fail_on = optarg;
            break;
        case 'h':
            fputs(analyze_usage, stdout);
            return EXIT_OK;
        default:
            fputs("Try 'nsgflow help analyze'.\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        msg(stderr, "nsgflow analyze: unexpected argument '%s' (analyze reads the database;"
                        " ingest blobs with nsgflow ingest)\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (o.since != INT64_MIN && o.until != INT64_MAX && o.since > o.until) {
        fputs("nsgflow analyze: --since is after --until\n", stderr);
        return EXIT_USAGE;
    }
    o.db_path = db_default_path(db);
    struct analyze_result res;
    return analyze_run(&o, &res);
}
