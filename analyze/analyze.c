/* analyze.c: the analyze command (see analyze.h): window, tag data,
 * requirements, hosts, the pass, the findings, and their storage. */
#include "../common/cli.h"
#include "../common/escape.h"
#include "../common/plural.h"
#include "analyze.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../ingest/ingest.h"
#include "../schema/db.h"
#include "accept.h"
#include "plan.h"
#include "addresses.h"
#include "config_check.h"
#include "coverage.h"
#include "findings.h"
#include "netconfig.h"
#include "netstatus.h"
#include "requirements.h"
#include "scan.h"
#include "summary.h"
#include "tags.h"
#include "../common/timearg.h"

const char analyze_usage[] =
    "usage: nsgflow analyze [--db FILE] [--apim-subnet CIDR]... [--since T] [--until T]\n"
    "                       [--platform stv1|stv2] [--vnet-type external|internal]\n"
    "                       [--fail-on error|warning] [--shard K/N] [--dry-run]\n"
    "                       [--quiet]\n"
    "\n"
    "Finds what breaks API Management in a virtual network, from the flows in\n"
    "the database:\n"
    "  denied-required-port  flows to or from an APIM instance, on a port APIM\n"
    "                        needs, denied by an NSG rule (error when required);\n"
    "                        on 80/443 from the Internet refused clients only:\n"
    "                        scanners (3+ ports, 8+ NICs, one knock) set aside\n"
    "  encryption-drop       such flows dropped by VNet encryption enforcement\n"
    "                        (encryption NX_NOT_ACCEPTED, NX_SW_NOT_READY or\n"
    "                        NX_NOT_SUPPORTED, whatever the state): no rule's doing\n"
    "  asymmetric-return     management calls on TCP 3443 (or client calls on 443)\n"
    "                        whose replies are lost: a route sends them elsewhere\n"
    "  missing-dependency    a required dependency with no allowed flow (info)\n"
    "  double-logging        NICs logged by NSG and VNet flow logs alike (info)\n"
    "and, with a configuration imported (nsgflow config import), flow logs or not:\n"
    "  config-denied-port    the subnet's NSG denies a port the instance's tier needs\n"
    "  config-lost-return    the subnet's routes send the management plane's replies\n"
    "                        to an appliance or gateway, not the Internet\n"
    "  config-service-endpoints  forced tunnelling without service endpoints\n"
    "  config-delegation     the subnet's delegation does not fit the tier\n"
    "  config-incomplete     a subnet, NSG or route table named but not imported\n"
    "and, with APIM's network status imported (the portal's page):\n"
    "  network-status        a dependency APIM reports failing that no finding above\n"
    "                        explains; the ones a finding explains are in its evidence\n"
    "Each region of a multi-region instance is judged with its own subnet, NSG and\n"
    "routes (its NSG must allow the primary region's Storage, Sql and EventHub\n"
    "tags too); only the address families a subnet has count; host names that a\n"
    "service tag holds are judged as that tag (view fqdn_service_tags).\n"
    "Flows of rule PlatformRule (VNet flow logs: Azure's platform, not the NSG)\n"
    "count for no requirement, allowed or denied.\n"
    "The findings are stored (view `findings`) and listed, most severe first.\n"
    "\n"
    "  --apim-subnet CIDR  the APIM subnet (repeatable); without it, the subnets of\n"
    "                      the imported configuration's instances (their tier and\n"
    "                      mode too), else the instances are detected: targets of\n"
    "                      TCP 3443 from the management plane and of the load\n"
    "                      balancer's probes on 6390\n"
    "  --since T, --until T  the window: ISO-8601 UTC (2026-11-01T10:00Z) or\n"
    "                      relative to now (30m, 24h, 7d); default: all the data\n"
    "  --platform stv1|stv2  judge against that platform's requirements only\n"
    "  --vnet-type external|internal  drop requirements of the other mode\n"
    "  --fail-on error|warning  exit 1 when a finding of that severity or worse\n"
    "                      exists, not counting the accepted ones (nsgflow accept)\n"
    "  --shard K/N         this database is shard K of N (ingest --shard K/N): a\n"
    "                      window without flows or --apim-subnet hosts here is\n"
    "                      analyzed (empty) rather than refused\n"
    "  --dry-run           judge and print, store nothing (try windows and subnets\n"
    "                      without changing the history run compares against)\n"
    "  --quiet, -q         print nothing but errors\n"
    "  --db FILE           the database (default: $NSGFLOW_DB, else ./nsgflow.db)\n"
    "\n"
    "Analyzing a window again replaces its findings. A window with no flows is\n"
    "refused (unless a configuration is judged), as are an inverted window and\n"
    "--apim-subnet ranges without traffic in it: nothing is stored, and the\n"
    "message says what the database holds.\n"
    "\n"
    "Exit status: 0 done; 1 a finding at the --fail-on level, a window or\n"
    "subnet refused, or a fatal error (message on stderr); 2 usage.\n";

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

/* scalar with ?1 and ?2 bound to two integers. */
static int64_t scalar2(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, a);
        sqlite3_bind_int64(st, 2, b);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
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

/* The configured instance names on the subnet of host id, for its reason. */
static void configured_names(sqlite3 *db, struct netconfig *nc, int64_t id, char *out, size_t n)
{
    char ip[IP_TEXT_MAX];
    struct ip_addr a;
    out[0] = '\0';
    addresses_text(db, id, ip);
    if (ip_parse(ip, strlen(ip), &a) != 0)
        return;
    int s = netconfig_subnet_of(nc, &a);
    const struct nc_instance *on[4];
    size_t k = s >= 0 ? netconfig_instances_on(nc, s, on, 4) : 0;
    if (s < 0) {
        snprintf(out, n, "a configured subnet");
        return;
    }
    snprintf(out, n, "subnet %s", nc->subnets[s].name);
    for (size_t i = 0; i < k; i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? ", " : " of APIM ", on[i]->name);
}

static int choose_hosts(const struct analyze_options *o, int from, sqlite3 *db,
                        struct netconfig *nc, const struct scan_result *scan,
                        struct apim_hosts *h)
{
    size_t cap = scan->hosts.count + 1;
    h->ids = calloc(cap, sizeof *h->ids);
    h->reasons = calloc(cap, sizeof *h->reasons);
    h->flows = calloc(cap, sizeof *h->flows);
    hashmap_init(&h->index, sizeof(int64_t), sizeof(size_t));
    if (!h->ids || !h->reasons || !h->flows)
        return -1;
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&scan->hosts, &pos, &kp, &vp)) {
        int64_t id = *(const int64_t *)kp;
        const struct host_seen *s = vp;
        char *why = h->reasons[h->n];
        if (from == HOSTS_CONFIGURED) {
            if (!s->in_subnet)
                continue;
            char names[120];
            configured_names(db, nc, id, names, sizeof names);
            snprintf(why, 160, "inside %s (configuration; %" PRId64 " %s)", names,
                     s->in_subnet, plural(s->in_subnet, "connection", "connections"));
            h->flows[h->n] = s->in_subnet;
        } else if (o->nsubnets) {
            if (!s->in_subnet)
                continue;
            snprintf(why, 160, "inside --apim-subnet (%" PRId64 " %s)", s->in_subnet,
                     plural(s->in_subnet, "connection", "connections"));
            h->flows[h->n] = s->in_subnet;
        } else {
            if (!s->management && !s->probes)
                continue;
            why[0] = '\0';
            if (s->management)
                snprintf(why, 160, "management calls on 3443 from the control plane (%" PRId64
                                   " %s)", s->management,
                         plural(s->management, "connection", "connections"));
            if (s->probes)
                snprintf(why + strlen(why), 160 - strlen(why),
                         "%sload-balancer probes on 6390 (%" PRId64 " %s)",
                         why[0] ? "; " : "", s->probes,
                         plural(s->probes, "connection", "connections"));
            h->flows[h->n] = s->management + s->probes;
        }
        size_t *slot = hashmap_get(&h->index, &id, 1);
        if (!slot)
            return -1;
        *slot = h->n;
        h->ids[h->n++] = id;
    }
    return 0;
}

static void hosts_free(struct apim_hosts *h)
{
    free(h->ids);
    free(h->reasons);
    free(h->flows);
    hashmap_free(&h->index);
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

/* The columns a finding row is copied with, from one run into another. */
#define FINDING_COPY_COLUMNS                                                           \
    "analyzer, severity, title, host, remote, port, protocol, direction, rule, flows," \
    " connections, first_seen, last_seen, evidence, details, hint, commands,"          \
    " confidence, requirement_id, key, change"

/* Fills temp table name (prefix TEXT PRIMARY KEY[, text TEXT]) with n
 * prefixes, or n notes (prefix and text) when prefixes is NULL. */
static int fill_notes(sqlite3 *db, const char *name, char *const *prefixes,
                      const struct thin_note *notes, size_t n)
{
    notes = prefixes ? NULL : notes;
    static const struct thin_note none;
    if (!prefixes && !notes)
        notes = &none; /* (n is 0) */
    char sql[200];
    snprintf(sql, sizeof sql, "CREATE TEMP TABLE IF NOT EXISTS %s(prefix TEXT PRIMARY KEY%s);"
                              " DELETE FROM %s", name, notes ? ", text TEXT" : "", name);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO %s VALUES(?%s)", name, notes ? ", ?" : "");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = SQLITE_DONE;
    for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
        sqlite3_bind_text(st, 1, notes ? notes[i].prefix : prefixes[i], -1, SQLITE_STATIC);
        if (notes)
            sqlite3_bind_text(st, 2, notes[i].text, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The findings' lives against the previous analysis: new or open; the
 * previous findings not found again are resolved when the window judged
 * their traffic (temp.judged: a host's requirement port used, allowed or
 * denied; a source that called and was answered), and kept open when it
 * had none to judge them by, saying why: no traffic for it, too little
 * (temp.thin), or its host was not among this window's APIM hosts. An info
 * finding that is gone is resolved. */
static int set_lifecycle(sqlite3 *db, int64_t run_id, int64_t previous,
                         const struct findings *fs)
{
    if (fill_notes(db, "judged", fs->healthy, NULL, fs->nhealthy) != 0 ||
        fill_notes(db, "thin", NULL, fs->thin, fs->nthin) != 0)
        return -1;
    static const char *const sql[] = {
        "UPDATE finding SET status = CASE WHEN EXISTS (SELECT 1 FROM finding p"
        " WHERE p.run_id = ?2 AND p.key = finding.key AND p.status != 'resolved')"
        " THEN 'open' ELSE 'new' END WHERE run_id = ?1",
        "INSERT INTO finding(run_id, status, " FINDING_COPY_COLUMNS ")"
        " SELECT ?1, 'resolved', " FINDING_COPY_COLUMNS " FROM finding p"
        " WHERE p.run_id = ?2 AND p.status != 'resolved'"
        " AND NOT EXISTS (SELECT 1 FROM finding c WHERE c.run_id = ?1 AND c.key = p.key)"
        " AND (p.severity = 'info' OR EXISTS (SELECT 1 FROM temp.judged h"
        "      WHERE substr(p.key, 1, length(h.prefix)) = h.prefix))",
        "INSERT INTO finding(run_id, status, " FINDING_COPY_COLUMNS ")"
        " SELECT ?1, 'open', analyzer, severity, title, host, remote, port, protocol, direction,"
        " rule, 0, 0, first_seen, last_seen,"
        " 'Not judged again in this window: ' || coalesce("
        "   (SELECT t.text FROM temp.thin t WHERE substr(p.key, 1, length(t.prefix)) = t.prefix),"
        "   CASE WHEN p.analyzer NOT LIKE 'config-%' AND p.analyzer != 'network-status'"
        "     AND p.host IS NOT NULL AND NOT EXISTS"
        "     (SELECT 1 FROM apim_host a WHERE a.run_id = ?1 AND a.address = p.host)"
        "   THEN p.host || ' was not among its APIM hosts'"
        "   ELSE 'no traffic for it' END) || '. As last seen: ' ||"
        "   CASE WHEN evidence LIKE 'Not judged again in this window: %. As last seen: %'"
        "   THEN substr(evidence, instr(evidence, '. As last seen: ') + 16) ELSE evidence END,"
        " details, hint, commands, confidence, requirement_id, key, change FROM finding p"
        " WHERE p.run_id = ?2 AND p.status != 'resolved'"
        " AND NOT EXISTS (SELECT 1 FROM finding c WHERE c.run_id = ?1 AND c.key = p.key)",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (exec2(db, sql[i], run_id, previous) != 0)
            return -1;
    return 0;
}

static int store_matrix(sqlite3 *db, int64_t run_id, const struct scan_result *scan,
                        const struct requirements *reqs, const struct apim_hosts *hosts,
                        struct netconfig *nc)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO host_requirement(run_id, host, requirement_id,"
                               " allowed, denied, configuration) VALUES(?, ?, ?, ?, ?, ?)", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    for (size_t h = 0; h < hosts->n && rc == 0; h++) {
        char ip[IP_TEXT_MAX];
        addresses_text(db, hosts->ids[h], ip);
        struct ip_addr a;
        int have_ip = ip_parse(ip, strlen(ip), &a) == 0;
        for (size_t i = 0; i < reqs->n && rc == 0; i++) {
            struct allowed_key ak = {hosts->ids[h], (int64_t)i};
            int64_t *allowed = hashmap_get((struct hashmap *)&scan->allowed, &ak, 0);
            int64_t *denied = hashmap_get((struct hashmap *)&scan->denied_by_requirement, &ak, 0);
            sqlite3_bind_int64(st, 1, run_id);
            sqlite3_bind_text(st, 2, ip, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(st, 3, reqs->v[i].id);
            sqlite3_bind_int64(st, 4, allowed ? *allowed : 0);
            sqlite3_bind_int64(st, 5, denied ? *denied : 0);
            char configured[200] = "";
            if (have_ip)
                config_matrix_text(nc, &a, &reqs->v[i], configured, sizeof configured);
            if (configured[0])
                sqlite3_bind_text(st, 6, configured, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, 6);
            rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
            sqlite3_reset(st);
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* The runs a new analysis of [from, to] replaces (those whose windows lie
 * inside it) go, with everything they wrote. */
static int drop_replaced(sqlite3 *db, int64_t from, int64_t to)
{
    static const char *const drop[] = {
        "DELETE FROM finding_hour WHERE finding_id IN (SELECT f.id FROM finding f"
        " JOIN analysis_run r ON r.id = f.run_id WHERE r.window_start >= ?1 AND r.window_end <= ?2)",
        "DELETE FROM finding WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM apim_host WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM host_requirement WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM connection WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM plan_change WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM plan_finding WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM analysis_format WHERE run_id IN (SELECT id FROM analysis_run"
        " WHERE window_start >= ?1 AND window_end <= ?2)",
        "DELETE FROM analysis_run WHERE window_start >= ?1 AND window_end <= ?2",
    };
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        if (exec2(db, drop[i], from, to) != 0)
            return -1;
    return 0;
}

/* The run's row, written first (its id names the connections) and
 * completed at the end. */
static int start_run(sqlite3 *db, const struct analyze_options *o, const char *platform,
                     const char *vnet_type, int hosts_from, int64_t config_import_id,
                     const struct tag_source *src, int64_t from, int64_t to, int64_t previous,
                     int64_t *run_id)
{
    sqlite3_stmt *st;
    (void)o;
    if (sqlite3_prepare_v2(db, "INSERT INTO analysis_run(started_at, window_start, window_end,"
                               " platform, vnet_type, hosts_from, tag_origin, tag_change_number,"
                               " tag_published, tuples, seconds, previous_run_id, config_import_id)"
                               " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    sqlite3_bind_text(st, 4, platform, -1, SQLITE_STATIC);
    if (vnet_type)
        sqlite3_bind_text(st, 5, vnet_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, hosts_from == HOSTS_GIVEN ? "given"
                           : hosts_from == HOSTS_CONFIGURED ? "configuration" : "detected",
                      -1, SQLITE_STATIC);
    if (config_import_id)
        sqlite3_bind_int64(st, 11, config_import_id);
    sqlite3_bind_text(st, 7, src->origin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, src->change_number);
    if (src->published[0])
        sqlite3_bind_text(st, 9, src->published, -1, SQLITE_STATIC);
    if (previous)
        sqlite3_bind_int64(st, 10, previous);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    *run_id = sqlite3_last_insert_rowid(db);
    return 0;
}

static int store_results(sqlite3 *db, int64_t run_id, int64_t previous,
                         const struct scan_result *scan, const struct requirements *reqs,
                         const struct apim_hosts *hosts, struct netconfig *nc,
                         const struct findings *fs, double seconds, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL, *hour_st = NULL;
    /* its figures, kept with it (its report stays true after a prune) */
    static const char *const figures[] = {
        "UPDATE analysis_run SET tuples = ?2,"
        " blobs = (SELECT count(*) FROM source_file f WHERE f.identity IS NOT NULL"
        "          AND f.max_ts >= window_start AND f.min_ts <= window_end),"
        " partial_blobs = (SELECT count(*) FROM source_file f WHERE f.identity IS NOT NULL"
        "          AND f.status = 'partial' AND f.max_ts >= window_start AND f.min_ts <= window_end)"
        " WHERE id = ?1",
        "INSERT INTO analysis_format(run_id, format, blobs)"
        " SELECT r.id, g.format, count(DISTINCT f.id) FROM analysis_run r"
        " JOIN source_file f ON f.identity IS NOT NULL AND f.max_ts >= r.window_start"
        "                   AND f.min_ts <= r.window_end"
        " JOIN flow_group g ON g.file_id = f.id WHERE r.id = ?1 GROUP BY g.format",
    };
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        if (exec2(db, figures[i], run_id, scan->read.tuples) != 0)
            goto sqlfail;
    if (sqlite3_prepare_v2(db, "UPDATE analysis_run SET seconds = ? WHERE id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_double(st, 1, seconds);
    sqlite3_bind_int64(st, 2, run_id);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlfail;
    sqlite3_finalize(st);
    /* with its NIC: the one whose logs carry it as their logged side */
    if (sqlite3_prepare_v2(db, "INSERT INTO apim_host(run_id, address, reason, flows, mac)"
                               " VALUES(?, ?, ?, ?, (SELECT address FROM mac WHERE id = ?))",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    for (size_t i = 0; i < hosts->n; i++) {
        char ip[IP_TEXT_MAX];
        addresses_text(db, hosts->ids[i], ip);
        const struct local_seen *ls = hashmap_get((struct hashmap *)&scan->locals, &hosts->ids[i], 0);
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_text(st, 2, ip, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, hosts->reasons[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, hosts->flows[i]);
        sqlite3_bind_int64(st, 5, ls ? ls->nic : 0);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto sqlfail;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (store_matrix(db, run_id, scan, reqs, hosts, nc) != 0)
        goto sqlfail;
    if (sqlite3_prepare_v2(db, "INSERT INTO finding_hour(finding_id, hour, bad, good)"
                               " VALUES(?1, ?2, ?3, ?4)", -1, &hour_st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO finding(run_id, analyzer, severity, title, host, remote,"
                               " port, protocol, direction, rule, flows, first_seen, last_seen,"
                               " evidence, details, hint, confidence, requirement_id, key, commands,"
                               " connections, change)"
                               " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    for (size_t i = 0; i < fs->n; i++) {
        const struct finding *f = &fs->v[i];
        if (f->failed) {
            snprintf(err, errlen, "out of memory for the changes of a finding");
            goto fail;
        }
        char key[600];
        finding_key(f, key, sizeof key);
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_text(st, 2, f->analyzer, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, f->severity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, f->title, -1, SQLITE_STATIC);
        for (int c = 5; c <= 22; c++)
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
        if (f->connections)
            sqlite3_bind_int64(st, 21, f->connections);
        struct strbuf change = {0};
        for (size_t k = 0; k < f->nchanges; k++) {
            strbuf_puts(&change, k ? "," : "[");
            fixplan_change_json(&change, &f->changes[k]);
        }
        if (f->nchanges) {
            strbuf_puts(&change, "]");
            sqlite3_bind_text(st, 22, strbuf_text(&change), -1, SQLITE_TRANSIENT);
        }
        strbuf_free(&change);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            goto sqlfail;
        int64_t finding_id = sqlite3_last_insert_rowid(db);
        for (size_t h = 0; h < f->nhours; h++) {
            sqlite3_bind_int64(hour_st, 1, finding_id);
            sqlite3_bind_int64(hour_st, 2, f->hours[h].hour);
            sqlite3_bind_int64(hour_st, 3, f->hours[h].bad);
            sqlite3_bind_int64(hour_st, 4, f->hours[h].good);
            rc = sqlite3_step(hour_st);
            sqlite3_reset(hour_st);
            if (rc != SQLITE_DONE)
                goto sqlfail;
        }
    }
    sqlite3_finalize(hour_st);
    sqlite3_finalize(st);
    st = hour_st = NULL;
    if (set_lifecycle(db, run_id, previous, fs) != 0)
        goto sqlfail;
    return 0;
sqlfail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
fail:
    sqlite3_finalize(st);
    sqlite3_finalize(hour_st);
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

/* The previous analysis: the latest kept one whose window started before
 * this one's (windows may touch or overlap). 0 when none; its window's end
 * in *end. */
static int64_t previous_run(sqlite3 *db, int64_t from, int64_t *end)
{
    sqlite3_stmt *st;
    int64_t id = 0;
    *end = INT64_MIN;
    if (sqlite3_prepare_v2(db, "SELECT id, window_end FROM analysis_run WHERE window_start < ?"
                               " ORDER BY window_start DESC, id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(st, 1, from);
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        *end = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return id;
}

/* NSGFLOW_TIMING=1 in the environment: the time of each step on stderr
 * (for the benchmark and for finding where the time goes). */
static void timing(const char *step, double start)
{
    static int on = -1;
    if (on < 0)
        on = getenv("NSGFLOW_TIMING") != NULL;
    if (!on)
        return;
    long peak_kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            peak_kb = atol(line + 6);
    if (f)
        fclose(f);
    fprintf(stderr, "timing: %-10s %.3f s, peak %.1f MiB\n", step, now_seconds() - start,
            peak_kb / 1024.0);
}

/* The run's figures as its report will show them, read back from the rows
 * it stored (before they are committed, or rolled back by --dry-run): the
 * findings by severity (resolved ones aside, the ones kept open from the
 * previous window included), their lives, and the list of those kept open.
 * Returns 0, or -1 with err. */
static int count_lives(sqlite3 *db, struct analyze_result *res, struct carried_list *carried,
                       char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(sum(status != 'resolved' AND severity = 'error'), 0),"
                               " coalesce(sum(status != 'resolved' AND severity = 'warning'), 0),"
                               " coalesce(sum(status != 'resolved' AND severity = 'info'), 0),"
                               " coalesce(sum(status = 'new'), 0),"
                               " coalesce(sum(status = 'resolved'), 0),"
                               " coalesce(sum(status = 'new' AND severity != 'info'), 0),"
                               " (SELECT blobs FROM analysis_run WHERE id = ?1)"
                               " FROM finding WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, res->run_id);
    if (sqlite3_step(st) != SQLITE_ROW)
        goto sqlfail;
    res->errors = sqlite3_column_int(st, 0);
    res->warnings = sqlite3_column_int(st, 1);
    res->infos = sqlite3_column_int(st, 2);
    res->new_findings = sqlite3_column_int(st, 3);
    res->resolved = sqlite3_column_int(st, 4);
    res->new_problems = sqlite3_column_int(st, 5);
    res->blobs = sqlite3_column_int64(st, 6);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT severity, analyzer, coalesce(host, '-'), title FROM finding"
                               " WHERE run_id = ? AND status = 'open' AND flows = 0"
                               " AND connections = 0 ORDER BY CASE severity WHEN 'error' THEN 0"
                               " WHEN 'warning' THEN 1 ELSE 2 END, analyzer, host, port", -1, &st,
                           NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, res->run_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct carried *v = realloc(carried->v, (carried->n + 1) * sizeof *v);
        if (!v) {
            sqlite3_finalize(st);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        carried->v = v;
        struct carried *c = &v[carried->n++];
        const char *col[4];
        for (int i = 0; i < 4; i++)
            col[i] = (const char *)sqlite3_column_text(st, i);
        snprintf(c->severity, sizeof c->severity, "%s", col[0] ? col[0] : "");
        snprintf(c->analyzer, sizeof c->analyzer, "%s", col[1] ? col[1] : "");
        snprintf(c->host, sizeof c->host, "%s", col[2] ? col[2] : "");
        snprintf(c->title, sizeof c->title, "%s", col[3] ? col[3] : "");
    }
    sqlite3_finalize(st);
    res->carried = (int)carried->n;
    return 0;
sqlfail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return -1;
}

/* Takes the run's findings accepted now (accept.h) out of the figures
 * count_lives made, into res->accepted: an accepted finding is counted
 * apart, never by --fail-on, as its report shows it. Returns 0, or -1 with
 * err. */
static int count_accepted(sqlite3 *db, const struct acceptances *acc,
                          struct analyze_result *res, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (!acc->n)
        return 0;
    if (sqlite3_prepare_v2(db, "SELECT key, status, severity FROM finding"
                               " WHERE run_id = ? AND status != 'resolved'", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, res->run_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 1);
        const char *severity = (const char *)sqlite3_column_text(st, 2);
        if (!key || !status || !severity || !acceptance_find(acc, key))
            continue;
        int fresh = strcmp(status, "new") == 0, info = strcmp(severity, "info") == 0;
        res->accepted++;
        res->errors -= strcmp(severity, "error") == 0;
        res->warnings -= strcmp(severity, "warning") == 0;
        res->infos -= info;
        res->new_findings -= fresh;
        res->new_problems -= fresh && !info;
    }
    sqlite3_finalize(st);
    return 0;
}

/* Given --apim-subnet ranges, the hosts found in them: a range that holds
 * no traffic in the window is a mistake to say (in err: 1 when none of the
 * ranges holds any, which is refused, naming the hosts the traffic shows)
 * or to warn about (some of them). */
static int subnets_refused(const struct analyze_options *o, sqlite3 *db, struct netconfig *nc,
                           const struct scan_result *scan, const struct apim_hosts *hosts,
                           char *err, size_t errlen)
{
    int empty[ANALYZE_MAX_SUBNETS] = {0};
    size_t nempty = 0;
    for (size_t k = 0; k < o->nsubnets; k++) {
        int found = 0;
        for (size_t i = 0; i < hosts->n && !found; i++) {
            char ip[IP_TEXT_MAX];
            struct ip_addr a;
            addresses_text(db, hosts->ids[i], ip);
            found = ip_parse(ip, strlen(ip), &a) == 0 &&
                    ip_in_range(&a, &o->subnets[2 * k], &o->subnets[2 * k + 1]);
        }
        if (!found) {
            empty[k] = 1;
            nempty++;
        }
    }
    if (nempty < o->nsubnets) {
        for (size_t k = 0; k < o->nsubnets; k++)
            if (empty[k] && !o->quiet)
                msg(stderr, "nsgflow analyze: warning: --apim-subnet %s holds no traffic in the"
                            " window\n", o->subnet_text[k]);
        return 0;
    }
    /* none: say which hosts the traffic shows */
    struct analyze_options none = *o;
    none.nsubnets = 0;
    struct apim_hosts detected = {0};
    struct strbuf b = {0};
    strbuf_printf(&b, "--apim-subnet %s hold%s no traffic in the window; nothing was stored.",
                  o->nsubnets == 1 ? o->subnet_text[0] : "ranges", o->nsubnets == 1 ? "s" : "");
    struct ip_addr *ips = NULL;
    size_t nips = 0;
    if (choose_hosts(&none, HOSTS_DETECTED, db, nc, scan, &detected) == 0 && detected.n &&
        (ips = calloc(detected.n, sizeof *ips))) {
        for (size_t i = 0; i < detected.n; i++) {
            char ip[IP_TEXT_MAX];
            addresses_text(db, detected.ids[i], ip);
            if (ip_parse(ip, strlen(ip), &ips[nips]) == 0)
                nips++;
        }
        qsort(ips, nips, sizeof *ips, ip_compare);
        strbuf_printf(&b, " APIM hosts detected in the traffic:");
        for (size_t i = 0; i < nips && i < 8; i++) {
            char ip[IP_TEXT_MAX];
            ip_format(&ips[i], ip);
            strbuf_printf(&b, "%s %s", i ? "," : "", ip);
        }
        if (detected.n > 8)
            strbuf_printf(&b, " and %zu more", detected.n - 8);
        strbuf_printf(&b, " (analyze without --apim-subnet to use them)");
    } else {
        strbuf_printf(&b, " No APIM host is detected in the traffic either (no management calls"
                          " on 3443, no load-balancer probes on 6390)");
    }
    free(ips);
    hosts_free(&detected);
    snprintf(err, errlen, "%s", strbuf_failed(&b) ? "out of memory" : strbuf_text(&b));
    strbuf_free(&b);
    return 1;
}

/* What the database holds of flow logs: its blobs and their time span. */
struct data_span {
    int64_t blobs, first, last;
};

static void data_span_of(sqlite3 *db, struct data_span *d)
{
    d->blobs = scalar(db, "SELECT count(*) FROM source_file WHERE identity IS NOT NULL"
                          " AND first_tuple IS NOT NULL", 0);
    d->first = scalar(db, "SELECT min(min_ts) FROM source_file WHERE identity IS NOT NULL", 0);
    d->last = scalar(db, "SELECT max(max_ts) FROM source_file WHERE identity IS NOT NULL", 0);
}

/* ", the database holds 30 blobs of flows from A to B" (or none). */
static void data_span_text(const struct data_span *d, char *out, size_t n)
{
    char a[24], b[24];
    time_format(d->first, a);
    time_format(d->last, b);
    if (d->blobs)
        snprintf(out, n, "the database holds %" PRId64 " blob%s of flows from %s to %s",
                 d->blobs, d->blobs == 1 ? "" : "s", a, b);
    else
        snprintf(out, n, "the database holds no flow logs (nsgflow ingest PATH)");
}

/* Why the window [from, to] cannot be analyzed, in err; 0 when it can. A
 * window with no flows is no healthy window: it is refused unless a
 * configuration is there to be judged, and an inverted one always is. */
static int window_refused(sqlite3 *db, const struct analyze_options *o, int have_config,
                          int64_t from, int64_t to, char *err, size_t errlen)
{
    struct data_span d;
    data_span_of(db, &d);
    char span[200], a[24], b[24];
    data_span_text(&d, span, sizeof span);
    time_format(from, a);
    time_format(to, b);
    /* a shard whose NICs were quiet is judged empty in the window the
     * other shards give it, and only then */
    int shard_window = o->shard && o->since != INT64_MIN && o->until != INT64_MAX;
    if (!d.blobs && !have_config && !shard_window) {
        snprintf(err, errlen, "nothing to analyze: the database holds no flow logs (nsgflow"
                              " ingest PATH) and no configuration (nsgflow config import FILE)%s",
                 o->shard ? "; a shard without flows is analyzed in the shards' window:"
                            " give --since and --until" : "");
        return 1;
    }
    if (from > to) {
        if (o->since != INT64_MIN && d.blobs && o->since > d.last)
            snprintf(err, errlen, "the window is empty: --since %s is after the newest flow;"
                                  " %s", a, span);
        else if (o->until != INT64_MAX && d.blobs && o->until < d.first)
            snprintf(err, errlen, "the window is empty: --until %s is before the oldest flow;"
                                  " %s", b, span);
        else
            snprintf(err, errlen, "the window is empty: %s is after %s; %s", a, b, span);
        return 1;
    }
    if (!have_config && !o->shard &&
        scalar2(db, "SELECT count(*) FROM source_file WHERE identity IS NOT NULL"
                    " AND first_tuple IS NOT NULL AND max_ts >= ?1 AND min_ts <= ?2", from, to) == 0) {
        snprintf(err, errlen, "no flow logs in the window %s to %s: %s; nothing was stored",
                 a, b, span);
        return 1;
    }
    return 0;
}

/* Each finding's life in this run (new, open), read before the run is
 * committed or rolled back, for the JSON summary: into *out, one per
 * finding of fs ("" when not found). Returns 0, or -1 with err. */
static int read_statuses(sqlite3 *db, int64_t run_id, const struct findings *fs,
                         char (**out)[12], char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *out = calloc(fs->n ? fs->n : 1, sizeof **out);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (sqlite3_prepare_v2(db, "SELECT status FROM finding WHERE run_id = ? AND key = ?", -1,
                           &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    for (size_t i = 0; i < fs->n; i++) {
        char key[600];
        finding_key(&fs->v[i], key, sizeof key);
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf((*out)[i], sizeof (*out)[i], "%s", sqlite3_column_text(st, 0));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return 0;
}

void analyze_print_tag_note(const struct analyze_result *res, FILE *out)
{
    char data[700];
    snprintf(data, sizeof data, "the service-tag data (%s, changeNumber %ld, published %s)",
             res->tag_origin, res->tag_change_number,
             res->tag_published[0] ? res->tag_published : "unknown");
    if (!res->tag_published[0]) {
        msg_wrapped(out, cli_width(out), 6, "note: %s has no publication date; if it is old,"
                    " import a current ServiceTags_Public_YYYYMMDD.json with 'nsgflow tags"
                    " import FILE'\n", data);
        return;
    }
    char age_text[64] = "", behind_text[120] = "";
    long age = age_days(res->tag_published);
    if (age > 90)
        snprintf(age_text, sizeof age_text, " is %ld days old", age);
    /* against the flows judged, not only against today */
    int64_t published;
    if (res->judged_tuples && time_arg_parse(res->tag_published, time(NULL), &published) == 0) {
        int64_t days = (res->window_end - published) / 86400;
        char until[24];
        time_format(res->window_end, until);
        if (days > 90 || days < -90)
            snprintf(behind_text, sizeof behind_text, "%s %lld months %s than the flows judged"
                                                      " (to %.10s)", age_text[0] ? ", and" : " is",
                     (long long)((days < 0 ? -days : days) / 30), days > 0 ? "older" : "newer",
                     until);
    }
    if (age_text[0] || behind_text[0])
        msg_wrapped(out, cli_width(out), 6, "note: %s%s%s: addresses may have moved between"
                    " services; import a current ServiceTags_Public_YYYYMMDD.json with 'nsgflow"
                    " tags import FILE'\n", data, age_text, behind_text);
}

int analyze_run(const struct analyze_options *o, struct analyze_result *res)
{
    memset(res, 0, sizeof *res);
    double start = now_seconds();
    char err[600];
    sqlite3 *db = NULL, *read_db = NULL;
    tags_index *ix = NULL;
    addresses *addrs = NULL;
    struct requirements reqs = {0};
    struct scan_result scan;
    int scanned = 0;
    struct apim_hosts hosts = {0};
    struct findings fs = {0};
    struct carried_list carried = {0};
    struct fixplan plan = {0};
    struct acceptances acc = {0};
    char (*statuses)[12] = NULL;
    struct tag_source src;
    struct netconfig nc;
    memset(&nc, 0, sizeof nc);
    int status = EXIT_FATAL;
    const char *platform = o->platform ? o->platform : "stv2";
    const char *vnet_type = o->vnet_type;
    /* the options in effect: the APIM subnets may come from the
     * configuration */
    struct analyze_options eff = *o;
    int hosts_from = o->nsubnets ? HOSTS_GIVEN : HOSTS_DETECTED, fell_back = 0;

    if (db_open_existing_or_say(o->db_path, o->wait_ms, &db) != 0)
        return EXIT_FATAL;
    /* one write transaction: the tag data's first load, the connections,
     * the findings and their lives appear together or not at all (and
     * --dry-run leaves none of it); a page cache that holds what it writes
     * (the connection rows) */
    sqlite3_exec(db, "PRAGMA cache_size = -8192", NULL, NULL, NULL);
    if (db_exec(db, "BEGIN IMMEDIATE", err, sizeof err) != 0 ||
        tags_ensure(db, &src, err, sizeof err) != 0 ||
        netconfig_load(db, &nc, err, sizeof err) != 0)
        goto fail;
    int64_t from = o->since, to = o->until;
    int any_flows = scalar(db, "SELECT count(*) FROM source_file WHERE identity IS NOT NULL", 0) > 0;
    if (!any_flows && nc.import_id) {
        /* the configuration alone: its window is the snapshot's moment, so
         * that the next snapshot's analysis follows it (new, open, resolved) */
        if (from == INT64_MIN)
            from = nc.imported_at;
        if (to == INT64_MAX)
            to = nc.imported_at;
    }
    if (from == INT64_MIN)
        from = scalar(db, "SELECT min(min_ts) FROM source_file WHERE identity IS NOT NULL", 0);
    if (to == INT64_MAX)
        to = scalar(db, "SELECT max(max_ts) FROM source_file WHERE identity IS NOT NULL", 0);
    if (window_refused(db, o, nc.import_id != 0, from, to, err, sizeof err))
        goto fail;
    /* judge_from: where the judgement starts. With after_previous, what the
     * previous window judged stays judged: a window that overlaps it (a blob
     * fetched again after it grew, an E written after the hour) is judged
     * from where that one ended, while its connections are still written
     * from the start of its data (a replaced blob's rows are made anew) */
    int64_t judge_from = from;
    int64_t previous_end, previous = previous_run(db, from, &previous_end);
    if (o->after_previous && previous && previous_end >= from) {
        judge_from = previous_end + 1;
        if (judge_from > to) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            res->window_start = judge_from;
            res->window_end = to;
            if (!o->quiet)
                msg(stdout, "analyze: the flows in the window were judged by the previous"
                            " analysis already; nothing new to judge\n");
            status = EXIT_OK;
            goto done;
        }
    }
    res->window_start = judge_from;
    res->window_end = to;
    /* the configuration: hosts, tier and mode before detection */
    const struct nc_instance *lead = NULL;
    for (size_t i = 0; i < nc.ninstances; i++) {
        const struct nc_instance *in = &nc.instances[i];
        if (in->subnet < 0 || strcasecmp(in->vnet_type, "None") == 0)
            continue;
        if (!lead)
            lead = in;
        const struct addrset *r = &nc.subnets[in->subnet].prefixes;
        for (size_t k = 0; !o->nsubnets && k < r->n && eff.nsubnets < ANALYZE_MAX_SUBNETS; k++) {
            int dup = 0;
            for (size_t j = 0; j < eff.nsubnets && !dup; j++)
                dup = memcmp(&eff.subnets[2 * j], &r->v[k].first, sizeof r->v[k].first) == 0;
            if (dup)
                continue;
            eff.subnets[2 * eff.nsubnets] = r->v[k].first;
            eff.subnets[2 * eff.nsubnets + 1] = r->v[k].last;
            snprintf(eff.subnet_text[eff.nsubnets], sizeof eff.subnet_text[0], "%s",
                     nc.subnets[in->subnet].name);
            eff.nsubnets++;
        }
    }
    if (!o->nsubnets && eff.nsubnets)
        hosts_from = HOSTS_CONFIGURED;
    if (!o->platform && lead)
        platform = netconfig_platform(lead);
    if (!o->vnet_type && lead)
        vnet_type = netconfig_mode(lead);
    char stamp[700];
    snprintf(stamp, sizeof stamp, "%s|%ld|%s", src.origin, src.change_number, src.published);
    if (!(ix = tags_index_load(db, err, sizeof err)) ||
        requirements_load(db, platform, vnet_type, &reqs, err, sizeof err) != 0 ||
        !(addrs = addresses_load(db, ix, stamp, eff.subnets, eff.nsubnets, err, sizeof err)))
        goto fail;
    /* a tag the tag data lacks cannot confirm anything: port only */
    for (size_t i = 0; i < reqs.n; i++)
        if (reqs.v[i].kind == RK_TAG && tags_index_count(ix, reqs.v[i].tag_bit) == 0)
            reqs.v[i].kind = RK_NAMED;
    timing("loaded", start);
    if (drop_replaced(db, judge_from, to) != 0 ||
        start_run(db, o, platform, vnet_type, hosts_from, nc.import_id, &src, judge_from, to,
                  previous, &res->run_id) != 0) {
        snprintf(err, sizeof err, "%s", sqlite3_errmsg(db));
        goto fail;
    }
    /* the pass reads through a second connection, while this one writes the
     * connections from a thread of their own; its snapshot is the state this
     * transaction started from (no other writer can commit meanwhile) */
    if (db_open(o->db_path, 0, o->wait_ms, &read_db, err, sizeof err) != 0 ||
        db_exec(read_db, "BEGIN", err, sizeof err) != 0)
        goto fail;
    sqlite3_exec(read_db, "PRAGMA cache_size = -2048", NULL, NULL, NULL);
    /* the addresses the pass meets are read through its own connection */
    int scan_rc = addresses_use_db(addrs, read_db);
    if (scan_rc == 0)
        scan_rc = scan_window(read_db, db, from, judge_from, to, res->run_id, &reqs, addrs,
                              &scan, err, sizeof err);
    else
        snprintf(err, sizeof err, "%s", sqlite3_errmsg(read_db));
    if (addresses_use_db(addrs, db) != 0 && scan_rc == 0) {
        snprintf(err, sizeof err, "%s", sqlite3_errmsg(db));
        scan_rc = -1;
    }
    sqlite3_exec(read_db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(read_db);
    read_db = NULL;
    scanned = 1;
    timing("pass", start);
    if (scan_rc != 0)
        goto fail;
    if (!scan.read.tuples && !nc.import_id && !o->shard) {
        /* blobs around the window, none of their flows inside it */
        char a[24], b[24];
        time_format(judge_from, a);
        time_format(to, b);
        snprintf(err, sizeof err, "no flows in the window %s to %s (its blobs' flows all lie"
                                  " outside it); nothing was stored", a, b);
        goto fail;
    }
    if (choose_hosts(&eff, hosts_from, db, &nc, &scan, &hosts) != 0) {
        snprintf(err, sizeof err, "out of memory");
        goto fail;
    }
    if (hosts_from == HOSTS_GIVEN && scan.read.tuples && !o->shard &&
        subnets_refused(o, db, &nc, &scan, &hosts, err, sizeof err))
        goto fail;
    if (hosts_from == HOSTS_CONFIGURED && hosts.n == 0 && scan.read.tuples) {
        /* the configured subnets are quiet in these logs: detect instead */
        hosts_free(&hosts);
        memset(&hosts, 0, sizeof hosts);
        struct analyze_options none = *o;
        none.nsubnets = 0;
        if (choose_hosts(&none, HOSTS_DETECTED, db, &nc, &scan, &hosts) != 0) {
            snprintf(err, sizeof err, "out of memory");
            goto fail;
        }
        fell_back = 1;
    }
    int external = vnet_type && strcmp(vnet_type, "external") == 0;
    if (findings_build(db, res->run_id, &scan, &reqs, addrs, &hosts, external, &fs, err,
                       sizeof err) != 0)
        goto fail;
    /* the configuration's view: its word on the flow-log findings, then
     * its own findings */
    size_t nflow = fs.n;
    if (config_correlate(db, &nc, &reqs, &fs, nflow) != 0) {
        snprintf(err, sizeof err, "out of memory");
        goto fail;
    }
    if (config_findings_build(db, &nc, &scan, &fs, err, sizeof err) != 0 ||
        coverage_findings(db, &scan, &hosts, &fs, nflow, err, sizeof err) != 0 ||
        netstatus_findings(db, &nc, &scan, &reqs, &hosts, judge_from, to, &fs, err,
                           sizeof err) != 0)
        goto fail;
    findings_sort(&fs);
    if (addresses_check(addrs, err, sizeof err) != 0)
        goto fail;
    timing("findings", start);
    if (addresses_save_tags(db, addrs, err, sizeof err) != 0 ||
        store_results(db, res->run_id, previous, &scan, &reqs, &hosts, &nc, &fs,
                      now_seconds() - start, err, sizeof err) != 0 ||
        count_lives(db, res, &carried, err, sizeof err) != 0 ||
        acceptances_load(db, (int64_t)time(NULL), &acc, err, sizeof err) != 0 ||
        count_accepted(db, &acc, res, err, sizeof err) != 0 ||
        plan_store(db, res->run_id, &nc, &acc, &plan, err, sizeof err) != 0 ||
        (o->json && read_statuses(db, res->run_id, &fs, &statuses, err, sizeof err) != 0))
        goto fail;
    /* a stop signal is taken before the commit or after it, with the note
     * that says which */
    cli_stop_hold();
    int ended = db_exec(db, o->dry_run ? "ROLLBACK" : "COMMIT", err, sizeof err);
    cli_stop_release(ended == 0 ? o->stored_note : NULL);
    if (ended != 0)
        goto fail;
    timing("commit", start);
    res->hosts = hosts.n;
    if (o->dry_run)
        res->run_id = 0; /* nothing of it was kept */

    /* the note on the tag data, kept for whoever prints it */
    snprintf(res->tag_origin, sizeof res->tag_origin, "%s", src.origin);
    snprintf(res->tag_published, sizeof res->tag_published, "%s", src.published);
    res->tag_change_number = src.change_number;
    res->judged_tuples = scan.read.tuples;
    if (!o->quiet)
        analyze_print_tag_note(res, stderr);
    if (!o->quiet || o->json) {
        struct analysis_summary sum = {
            .o = o, .db = db, .from = judge_from, .to = to, .scan = &scan, .res = res,
            .src = &src, .platform = platform,
            .platform_from = o->platform ? "option" : lead ? "configuration" : "default",
            .nc = &nc, .hosts = &hosts, .hosts_from = hosts_from, .fell_back = fell_back,
            .fs = &fs, .acc = &acc, .carried = &carried, .plan = &plan,
            .statuses = statuses, .seconds = now_seconds() - start,
        };
        if (o->json)
            summary_print_json(&sum, stdout);
        else
            summary_print_text(&sum, stdout);
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
    acceptances_free(&acc);
    free(statuses);
    findings_free(&fs);
    free(carried.v);
    fixplan_free(&plan);
    hosts_free(&hosts);
    netconfig_free(&nc);
    if (scanned)
        scan_free(&scan);
    addresses_free(addrs);
    requirements_free(&reqs);
    tags_index_free(ix);
    sqlite3_close(read_db);
    sqlite3_close(db);
    timing("closed", start);
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
        {"dry-run", no_argument, NULL, 'n'},
        {"shard", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "qh";
    optind = 1;
    int c;
    while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'j': o.json = 1; break;
        case 'n': o.dry_run = 1; break;
        case 'k': {
            unsigned k, n;
            if (ingest_parse_shard(optarg, &k, &n) != 0) {
                msg(stderr, "nsgflow analyze: --shard: K/N with 0 <= K < N <= 4096, not '%s'\n",
                    optarg);
                return EXIT_USAGE;
            }
            o.shard = n > 1;
            break;
        }
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
            return cli_bad_option("analyze", argv, shortopts, longopts);
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
    cli_on_stop("analyze", "nothing of this analysis was stored (it is one transaction)");
    o.stored_note = o.dry_run ? "nothing was stored (--dry-run)"
                              : "the analysis was stored whole; only its summary was cut short"
                                " (nsgflow report shows it)";
    struct analyze_result res;
    return analyze_run(&o, &res);
}
