/* report_data.c: what a report shows, loaded from one database or merged
 * from several (shards, see report.h): the analyses of the window, the data
 * they read, their hosts, findings (merged by finding key), hourly series,
 * requirement matrix and coverage. Each database is read into parts; the
 * parts are merged; the merged report is finished (sorted, fixes grouped,
 * counted) once. One database is the case of one part. */
#include "report.h"

#include "../analyze/accept.h"
#include "../analyze/analyze.h"
#include "../analyze/config_check.h"
#include "../analyze/findings.h"
#include "../analyze/fixplan.h"
#include "../analyze/netconfig.h"
#include "../common/plural.h"
#include "../common/strbuf.h"
#include "../ingest/ipaddr.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yajl/yajl_tree.h>

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return strdup(s ? s : "");
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *p = realloc(*v, c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK ? 0 : -1;
}

static int status_rank(const char *s)
{
    return strcmp(s, "new") == 0 ? 0 : strcmp(s, "open") == 0 ? 1 : 2;
}

static int by_severity(const void *a, const void *b)
{
    const struct report_finding *x = a, *y = b;
    int c = !!x->accepted_reason - !!y->accepted_reason; /* accepted ones last */
    if (!c)
        c = severity_rank(x->severity) - severity_rank(y->severity);
    if (!c)
        c = status_rank(x->status) - status_rank(y->status);
    if (!c)
        c = strcmp(x->analyzer, y->analyzer);
    if (!c)
        c = strcmp(x->host, y->host);
    if (!c)
        c = x->port - y->port;
    if (!c)
        c = strcmp(x->remote, y->remote);
    if (!c) /* the same in all but protocol, direction or rule: an order that
             * does not depend on which database a finding came from */
        c = strcmp(x->key, y->key);
    return c;
}

/* An analysis window of the report: the runs of the same window in several
 * databases are one analysis of all their NICs. */
struct window {
    int64_t start, end, started_at, run_id;
};

/* A finding row of one run of one database, before merging. */
struct part_row {
    size_t window;      /* index into the windows; ranked later */
    size_t db;
    int64_t finding_id;
    struct report_finding f;
};

/* What is read from the databases, before it is merged. */
struct parts {
    struct window *windows;
    size_t nwindows, cap_windows;
    struct part_row *rows;
    size_t nrows, cap_rows;
    /* the database whose latest run is latest, and that run */
    size_t latest_db;
    int64_t latest_end, latest_started, latest_id;
    int have_latest;
};

static void free_finding(struct report_finding *f)
{
    char *strings[] = {f->analyzer, f->severity, f->status, f->title, f->host, f->remote,
                       f->protocol, f->direction, f->rule, f->evidence, f->hint,
                       f->confidence, f->details, f->key, f->commands, f->change,
                       f->accepted_reason};
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
        free(strings[k]);
    free(f->hours);
    memset(f, 0, sizeof *f);
}

static void parts_free(struct parts *p)
{
    for (size_t i = 0; i < p->nrows; i++)
        free_finding(&p->rows[i].f);
    free(p->rows);
    free(p->windows);
    memset(p, 0, sizeof *p);
}

/* Selects the runs into the temp table report_run and adds their windows
 * to p. */
static int select_runs(sqlite3 *db, size_t dbi, int64_t from, int64_t to, int64_t run_id,
                       struct parts *p)
{
    if (sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS report_run(id INTEGER PRIMARY KEY);"
                         "DELETE FROM report_run;", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *st;
    const char *sql = run_id > 0 ? "INSERT INTO report_run SELECT id FROM analysis_run WHERE id = ?3"
        : from == INT64_MIN && to == INT64_MAX
        ? "INSERT INTO report_run SELECT id FROM analysis_run"
          " ORDER BY window_end DESC, id DESC LIMIT 1"
        : "INSERT INTO report_run SELECT id FROM analysis_run"
          " WHERE window_end >= ?1 AND window_start <= ?2";
    if (prepare(db, sql, &st) != 0)
        return -1;
    if (run_id > 0)
        sqlite3_bind_int64(st, 3, run_id);
    else {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    if (prepare(db, "SELECT window_start, window_end, started_at, id FROM analysis_run"
                    " WHERE id IN (SELECT id FROM report_run)", &st) != 0)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct window w = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                           sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
        size_t i = 0;
        while (i < p->nwindows && (p->windows[i].start != w.start || p->windows[i].end != w.end))
            i++;
        if (i == p->nwindows) {
            if (grow((void **)&p->windows, &p->cap_windows, p->nwindows + 1,
                     sizeof *p->windows) != 0)
                break;
            p->windows[p->nwindows++] = w;
        } else {
            if (w.started_at > p->windows[i].started_at)
                p->windows[i].started_at = w.started_at;
            if (w.run_id > p->windows[i].run_id)
                p->windows[i].run_id = w.run_id;
        }
        /* the latest run of all: its database gives the tag data and the
         * configuration */
        if (!p->have_latest || w.end > p->latest_end ||
            (w.end == p->latest_end && (w.started_at > p->latest_started ||
                                        (w.started_at == p->latest_started &&
                                         dbi == p->latest_db && w.run_id > p->latest_id)))) {
            p->have_latest = 1;
            p->latest_db = dbi;
            p->latest_end = w.end;
            p->latest_started = w.started_at;
            p->latest_id = w.run_id;
        }
    }
    sqlite3_finalize(st);
    return 0;
}

/* The tag data, the hosts' source and the configuration of the latest run
 * of db (the temp table report_run). */
static int load_latest(sqlite3 *db, struct report *r)
{
    sqlite3_stmt *st;
    if (prepare(db, "SELECT coalesce(tag_origin, ''), coalesce(tag_change_number, 0),"
                    " coalesce(tag_published, ''), hosts_from, coalesce(config_import_id, 0),"
                    " coalesce((SELECT imported_at FROM config_import i"
                    "           WHERE i.id = analysis_run.config_import_id), 0)"
                    " FROM analysis_run"
                    " WHERE id IN (SELECT id FROM report_run) ORDER BY window_end DESC, id DESC LIMIT 1",
                &st) != 0)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(r->tag_origin, sizeof r->tag_origin, "%s", sqlite3_column_text(st, 0));
        r->tag_change_number = sqlite3_column_int64(st, 1);
        snprintf(r->tag_published, sizeof r->tag_published, "%s", sqlite3_column_text(st, 2));
        snprintf(r->hosts_from, sizeof r->hosts_from, "%s", sqlite3_column_text(st, 3));
        r->config_import_id = sqlite3_column_int64(st, 4);
        r->config_imported_at = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    if (r->config_import_id &&
        prepare(db, "SELECT summary FROM apim_instances ORDER BY name, apim_id", &st) == 0) {
        size_t used = 0;
        while (sqlite3_step(st) == SQLITE_ROW && used + 4 < sizeof r->config_instances) {
            const char *one = (const char *)sqlite3_column_text(st, 0);
            int n = snprintf(r->config_instances + used, sizeof r->config_instances - used, "%s%s",
                             used ? ", " : "", one ? one : "");
            used = n < 0 ? used : used + (size_t)n >= sizeof r->config_instances
                                      ? sizeof r->config_instances - 1 : used + (size_t)n;
        }
        sqlite3_finalize(st);
    }
    return 0;
}

/* What the reported analyses of db read (their blobs, tuples and formats,
 * as each analysis kept them: true after a prune), added to r. */
static int load_data(sqlite3 *db, struct report *r)
{
    sqlite3_stmt *st;
    if (prepare(db, "SELECT coalesce(sum(blobs), 0), coalesce(sum(tuples), 0),"
                    " coalesce(sum(partial_blobs), 0) FROM analysis_run"
                    " WHERE id IN (SELECT id FROM report_run)", &st) != 0)
        return -1;
    sqlite3_step(st);
    r->blobs += sqlite3_column_int64(st, 0);
    r->tuples += sqlite3_column_int64(st, 1);
    r->partial += sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    if (prepare(db, "SELECT format, sum(blobs) FROM analysis_format"
                    " WHERE run_id IN (SELECT id FROM report_run) GROUP BY format ORDER BY format",
                &st) != 0)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int code = sqlite3_column_int(st, 0);
        size_t i = 0;
        while (i < r->nformats && r->format_counts[i].code < code)
            i++;
        if (i == r->nformats || r->format_counts[i].code != code) {
            if (r->nformats == sizeof r->format_counts / sizeof r->format_counts[0])
                continue;
            memmove(&r->format_counts[i + 1], &r->format_counts[i],
                    (r->nformats - i) * sizeof r->format_counts[0]);
            r->nformats++;
            r->format_counts[i].code = code;
            r->format_counts[i].blobs = 0;
        }
        r->format_counts[i].blobs += sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return 0;
}

static int by_address_of_host(const void *a, const void *b)
{
    return strcmp(((const struct report_host *)a)->address, ((const struct report_host *)b)->address);
}

/* The hosts of db's runs, merged into r by address: flows add up, the
 * reason and the NIC are the greatest (as max() in one database). */
static int load_hosts(sqlite3 *db, struct report *r, size_t *cap)
{
    sqlite3_stmt *st;
    if (prepare(db, "SELECT address, max(reason), sum(flows), coalesce(max(mac), '') FROM apim_host"
                    " WHERE run_id IN (SELECT id FROM report_run) GROUP BY address ORDER BY address",
                &st) != 0)
        return -1;
    size_t before = r->nhosts;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *address = (const char *)sqlite3_column_text(st, 0);
        struct report_host key = {.address = (char *)address};
        struct report_host *h = before ? bsearch(&key, r->hosts, before, sizeof *r->hosts,
                                                 by_address_of_host) : NULL;
        if (h) {
            const char *reason = (const char *)sqlite3_column_text(st, 1);
            if (reason && strcmp(reason, h->reason) > 0) {
                free(h->reason);
                h->reason = dup_col(st, 1);
            }
            h->flows += sqlite3_column_int64(st, 2);
            const char *mac = (const char *)sqlite3_column_text(st, 3);
            if (mac && strcmp(mac, h->mac) > 0) {
                free(h->mac);
                h->mac = dup_col(st, 3);
            }
            continue;
        }
        if (grow((void **)&r->hosts, cap, r->nhosts + 1, sizeof *r->hosts) != 0)
            break;
        h = &r->hosts[r->nhosts++];
        h->address = dup_col(st, 0);
        h->reason = dup_col(st, 1);
        h->flows = sqlite3_column_int64(st, 2);
        h->mac = dup_col(st, 3);
    }
    sqlite3_finalize(st);
    if (r->nhosts > 1)
        qsort(r->hosts, r->nhosts, sizeof *r->hosts, by_address_of_host);
    return 0;
}

/* Findings that share one fix: same analyzer, severity, status and
 * commands; an accepted finding stands alone, with its own reason. Sorted indices put them side by side; each group points at its
 * first finding in report order. */
static const struct report *grouping;

static int by_fix(const void *a, const void *b)
{
    const struct report_finding *x = &grouping->findings[*(const size_t *)a];
    const struct report_finding *y = &grouping->findings[*(const size_t *)b];
    int c = !!x->accepted_reason - !!y->accepted_reason;
    if (!c)
        c = strcmp(x->analyzer, y->analyzer);
    if (!c)
        c = strcmp(x->severity, y->severity);
    if (!c)
        c = strcmp(x->status, y->status);
    if (!c)
        c = strcmp(x->commands, y->commands);
    if (!c)
        c = *(const size_t *)a < *(const size_t *)b ? -1 : 1;
    return c;
}

static int group_fixes(struct report *r)
{
    for (size_t i = 0; i < r->nfindings; i++) {
        r->findings[i].fix_group = i;
        r->findings[i].fix_count = 1;
    }
    if (r->nfindings < 2)
        return 0;
    size_t *order = malloc(r->nfindings * sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0; i < r->nfindings; i++)
        order[i] = i;
    grouping = r;
    qsort(order, r->nfindings, sizeof *order, by_fix);
    for (size_t i = 0; i < r->nfindings;) {
        size_t j = i + 1;
        struct report_finding *first = &r->findings[order[i]];
        while (j < r->nfindings) {
            struct report_finding *f = &r->findings[order[j]];
            if (!first->commands[0] || first->accepted_reason || f->accepted_reason ||
                strcmp(f->analyzer, first->analyzer) ||
                strcmp(f->severity, first->severity) || strcmp(f->status, first->status) ||
                strcmp(f->commands, first->commands))
                break;
            f->fix_group = order[i]; /* the lowest index: sorted by it last */
            f->fix_count = 0;
            first->fix_count++;
            j++;
        }
        i = j;
    }
    free(order);
    return 0;
}

/* The finding rows of db's runs, each with its hours, into p. */
static int load_finding_rows(sqlite3 *db, size_t dbi, struct parts *p)
{
    sqlite3_stmt *st, *hq;
    if (prepare(db, "SELECT f.id, f.analyzer, f.severity, f.status, f.title, coalesce(f.host, ''),"
                    " coalesce(f.remote, ''), coalesce(f.port, 0), coalesce(f.protocol, ''),"
                    " coalesce(f.direction, ''), coalesce(f.rule, ''), f.flows, f.first_seen,"
                    " f.last_seen, coalesce(f.evidence, ''), coalesce(f.hint, ''),"
                    " coalesce(f.confidence, ''), coalesce(f.details, '{}'), f.key,"
                    " coalesce(f.commands, ''), coalesce(f.connections, 0),"
                    " a.window_start, a.window_end, coalesce(f.change, '')"
                    " FROM finding f JOIN analysis_run a ON a.id = f.run_id"
                    " WHERE f.run_id IN (SELECT id FROM report_run) ORDER BY f.id", &st) != 0)
        return -1;
    if (prepare(db, "SELECT hour, bad, good FROM finding_hour WHERE finding_id = ? ORDER BY hour",
                &hq) != 0) {
        sqlite3_finalize(st);
        return -1;
    }
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (grow((void **)&p->rows, &p->cap_rows, p->nrows + 1, sizeof *p->rows) != 0) {
            rc = -1;
            break;
        }
        struct part_row *row = &p->rows[p->nrows++];
        memset(row, 0, sizeof *row);
        row->db = dbi;
        row->finding_id = sqlite3_column_int64(st, 0);
        int64_t ws = sqlite3_column_int64(st, 21), we = sqlite3_column_int64(st, 22);
        while (row->window < p->nwindows &&
               (p->windows[row->window].start != ws || p->windows[row->window].end != we))
            row->window++;
        struct report_finding *f = &row->f;
        f->analyzer = dup_col(st, 1);
        f->severity = dup_col(st, 2);
        f->status = dup_col(st, 3);
        f->title = dup_col(st, 4);
        f->host = dup_col(st, 5);
        f->remote = dup_col(st, 6);
        f->port = sqlite3_column_int(st, 7);
        f->protocol = dup_col(st, 8);
        f->direction = dup_col(st, 9);
        f->rule = dup_col(st, 10);
        f->flows = sqlite3_column_int64(st, 11);
        f->first = sqlite3_column_int64(st, 12);
        f->last = sqlite3_column_int64(st, 13);
        f->evidence = dup_col(st, 14);
        f->hint = dup_col(st, 15);
        f->confidence = dup_col(st, 16);
        f->details = dup_col(st, 17);
        f->key = dup_col(st, 18);
        f->commands = dup_col(st, 19);
        f->connections = sqlite3_column_int64(st, 20);
        f->change = dup_col(st, 23);
        size_t hcap = 0;
        sqlite3_bind_int64(hq, 1, row->finding_id);
        while (sqlite3_step(hq) == SQLITE_ROW) {
            if (grow((void **)&f->hours, &hcap, f->nhours + 1, sizeof *f->hours) != 0) {
                rc = -1;
                break;
            }
            struct report_hour *h = &f->hours[f->nhours++];
            h->hour = sqlite3_column_int64(hq, 0);
            h->bad = sqlite3_column_int64(hq, 1);
            h->good = sqlite3_column_int64(hq, 2);
        }
        sqlite3_reset(hq);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(hq);
    return rc;
}

/* Adds the hours of src to dst's, hour by hour. */
static int add_hours(struct report_finding *dst, const struct report_finding *src)
{
    size_t hcap = dst->nhours;
    for (size_t k = 0; k < src->nhours; k++) {
        struct report_hour *h = NULL;
        for (size_t i = 0; i < dst->nhours && !h; i++)
            if (dst->hours[i].hour == src->hours[k].hour)
                h = &dst->hours[i];
        if (!h) {
            if (grow((void **)&dst->hours, &hcap, dst->nhours + 1, sizeof *dst->hours) != 0)
                return -1;
            h = &dst->hours[dst->nhours++];
            memset(h, 0, sizeof *h);
            h->hour = src->hours[k].hour;
        }
        h->bad += src->hours[k].bad;
        h->good += src->hours[k].good;
    }
    return 0;
}

/* The windows' order, latest first: by end, then by when they were analyzed
 * (within one database: the later run of two with the same end). */
static const struct parts *ranking;

static int by_window_latest_first(const void *a, const void *b)
{
    const struct window *x = &ranking->windows[*(const size_t *)a];
    const struct window *y = &ranking->windows[*(const size_t *)b];
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    if (x->started_at != y->started_at)
        return x->started_at > y->started_at ? -1 : 1;
    if (x->run_id != y->run_id)
        return x->run_id > y->run_id ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int by_rank_key_db(const void *a, const void *b)
{
    const struct part_row *x = a, *y = b;
    if (x->window != y->window)
        return x->window < y->window ? -1 : 1;
    int c = strcmp(x->f.key, y->f.key);
    if (c)
        return c;
    if (x->db != y->db)
        return x->db < y->db ? -1 : 1;
    return x->finding_id < y->finding_id ? -1 : x->finding_id > y->finding_id;
}

/* A "carried" row: a previous finding kept open without traffic to judge
 * it by (see set_lifecycle in analyze.c). */
static int is_carried(const struct report_finding *f)
{
    return strcmp(f->status, "open") == 0 && !f->flows && !f->connections &&
           strncmp(f->evidence, "Not judged again in this window", 31) == 0;
}

/* The finding nsg-flow-logs (analyze/coverage.c) names the APIM hosts seen
 * through NSG flow logs only, in its title (their number) and evidence
 * (their addresses): the parts of it in several databases name their own
 * hosts, and one database would name them all. Rebuilds lead's title and
 * evidence from the hosts of all parts, in address order as the analyzer
 * writes them. Returns 0, also when a text is not of that shape (then it
 * stays as it is), or -1 out of memory. */
#define NSG_ONLY_LIST "APIM hosts seen through NSG flow logs only: "
#define NSG_ONLY_LIST_END ". Microsoft's"
#define NSG_ONLY_TITLE_END " comes from NSG flow logs"

static int by_ip(const void *a, const void *b)
{
    const struct ip_addr *x = a, *y = b;
    return x->family != y->family ? x->family - y->family : memcmp(x->b, y->b, 16);
}

static int merge_nsg_only_hosts(struct report_finding *lead, struct part_row *rows, size_t n)
{
    struct ip_addr *ips = NULL;
    size_t nips = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = rows[i].f.evidence;
        if (strncmp(e, NSG_ONLY_LIST, strlen(NSG_ONLY_LIST)) != 0 ||
            strcmp(rows[i].f.status, "resolved") == 0 || is_carried(&rows[i].f))
            continue;
        const char *p = e + strlen(NSG_ONLY_LIST), *end = strstr(p, NSG_ONLY_LIST_END);
        while (end && p < end) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            size_t len = comma ? (size_t)(comma - p) : (size_t)(end - p);
            struct ip_addr ip;
            if (ip_parse(p, len, &ip) == 0) {
                size_t k = 0;
                while (k < nips && by_ip(&ips[k], &ip) != 0)
                    k++;
                if (k == nips) {
                    if (grow((void **)&ips, &cap, nips + 1, sizeof *ips) != 0) {
                        free(ips);
                        return -1;
                    }
                    ips[nips++] = ip;
                }
            }
            p += len + (comma ? 2 : 0);
        }
    }
    const char *tail = strstr(lead->evidence, NSG_ONLY_LIST_END);
    const char *title_tail = strstr(lead->title, NSG_ONLY_TITLE_END);
    if (!nips || !tail || !title_tail) {
        free(ips);
        return 0;
    }
    if (nips > 1)
        qsort(ips, nips, sizeof *ips, by_ip);
    size_t size = strlen(NSG_ONLY_LIST) + nips * (IP_TEXT_MAX + 2) + strlen(tail) + 1;
    char *evidence = malloc(size);
    char *title = malloc(strlen(title_tail) + 64);
    if (!evidence || !title) {
        free(evidence);
        free(title);
        free(ips);
        return -1;
    }
    size_t used = (size_t)snprintf(evidence, size, "%s", NSG_ONLY_LIST);
    for (size_t k = 0; k < nips; k++) {
        char text[IP_TEXT_MAX];
        ip_format(&ips[k], text);
        used += (size_t)snprintf(evidence + used, size - used, "%s%s", k ? ", " : "", text);
    }
    snprintf(evidence + used, size - used, "%s", tail);
    sprintf(title, "The evidence for %zu APIM host%s%s", nips, nips == 1 ? "" : "s", title_tail);
    free(lead->evidence);
    free(lead->title);
    lead->evidence = evidence;
    lead->title = title;
    free(ips);
    return 0;
}

/* The figures of a config-* finding's details.flow_logs (analyze/
 * config_check.c), as read back. */
struct flow_logs_part {
    char *analyzer;
    int64_t connections, tuples;
    int read;
    struct ip_addr *hosts;
    size_t nhosts, cap;
};

/* Adds the details' flow_logs of one part into *m (hosts united). Returns
 * 1 when read, 0 when the details hold none (or not of that shape), -1 out
 * of memory. */
static int add_flow_logs(const char *details, struct flow_logs_part *m)
{
    char errbuf[128];
    yajl_val root = yajl_tree_parse(details, errbuf, sizeof errbuf);
    const char *pfl[] = {"flow_logs", NULL}, *pfind[] = {"finding", NULL},
               *pconn[] = {"connections", NULL}, *ptup[] = {"tuples", NULL},
               *phosts[] = {"hosts", NULL}, *pread[] = {"read", NULL};
    yajl_val fl = root ? yajl_tree_get(root, pfl, yajl_t_object) : NULL;
    yajl_val name = fl ? yajl_tree_get(fl, pfind, yajl_t_string) : NULL;
    yajl_val conn = fl ? yajl_tree_get(fl, pconn, yajl_t_number) : NULL;
    yajl_val tup = fl ? yajl_tree_get(fl, ptup, yajl_t_number) : NULL;
    yajl_val hosts = fl ? yajl_tree_get(fl, phosts, yajl_t_array) : NULL;
    yajl_val read = fl ? yajl_tree_get(fl, pread, yajl_t_any) : NULL;
    int rc = 0;
    if (!name || !conn || !tup || !hosts || !read || !YAJL_IS_INTEGER(conn) ||
        !YAJL_IS_INTEGER(tup) || (m->analyzer && strcmp(m->analyzer, name->u.string) != 0))
        goto done;
    if (!m->analyzer && !(m->analyzer = strdup(name->u.string))) {
        rc = -1;
        goto done;
    }
    m->connections += YAJL_GET_INTEGER(conn);
    m->tuples += YAJL_GET_INTEGER(tup);
    m->read |= YAJL_IS_TRUE(read);
    for (size_t i = 0; i < YAJL_GET_ARRAY(hosts)->len; i++) {
        const char *t = YAJL_GET_STRING(YAJL_GET_ARRAY(hosts)->values[i]);
        struct ip_addr ip;
        if (!t || ip_parse(t, strlen(t), &ip) != 0)
            continue;
        size_t k = 0;
        while (k < m->nhosts && by_ip(&m->hosts[k], &ip) != 0)
            k++;
        if (k < m->nhosts)
            continue;
        if (grow((void **)&m->hosts, &m->cap, m->nhosts + 1, sizeof *m->hosts) != 0) {
            rc = -1;
            goto done;
        }
        m->hosts[m->nhosts++] = ip;
    }
    rc = 1;
done:
    yajl_tree_free(root);
    return rc;
}

/* The sentence (and details member) of m, as the analyzer writes them. */
static int flow_logs_texts(struct flow_logs_part *m, struct strbuf *sentence, struct strbuf *json)
{
    if (m->nhosts > 1) /* (qsort of no array is undefined) */
        qsort(m->hosts, m->nhosts, sizeof *m->hosts, by_ip);
    char (*texts)[IP_TEXT_MAX] = calloc(m->nhosts + 1, sizeof *texts);
    const char **names = calloc(m->nhosts + 1, sizeof *names);
    if (!texts || !names) {
        free(texts);
        free(names);
        return -1;
    }
    for (size_t k = 0; k < m->nhosts; k++) {
        ip_format(&m->hosts[k], texts[k]);
        names[k] = texts[k];
    }
    config_flow_logs_sentence(sentence, m->analyzer, m->connections, m->tuples, names, m->nhosts,
                              m->read);
    config_flow_logs_json(json, m->analyzer, m->connections, m->tuples, names, m->nhosts, m->read);
    free(texts);
    free(names);
    return strbuf_failed(sentence) || strbuf_failed(json) ? -1 : 0;
}

/* *text with its (last) occurrence of old replaced by new; 0 when old is
 * not in it (then *text stays), 1 replaced, -1 out of memory. */
static int replace_last(char **text, const char *old, const char *new)
{
    const char *at = NULL;
    for (const char *p = strstr(*text, old); p; p = strstr(p + 1, old))
        at = p;
    if (!at || !*old)
        return 0;
    size_t head = (size_t)(at - *text), len = strlen(*text);
    char *out = malloc(len - strlen(old) + strlen(new) + 1);
    if (!out)
        return -1;
    memcpy(out, *text, head);
    strcpy(out + head, new);
    strcat(out + head, at + strlen(old));
    free(*text);
    *text = out;
    return 1;
}

/* A config-* finding says what the flow logs of the window show of the
 * traffic it predicts denied (analyze/config_check.c): the counts of the
 * flow-log findings of the subnet's hosts, those hosts, or that there were
 * none. Every shard holds the configuration and writes the sentence of its
 * own flow logs; one database of everything would count the flow-log
 * findings of all the shards' hosts (each host's NIC is in one shard, and
 * its findings are the ones one database would have). So the merge adds
 * the parts' details.flow_logs up (connections, tuples), unites the hosts,
 * says flow logs were read when any part read some, and writes the
 * sentence and the details member again, with the analyzer's own
 * functions. lead is among rows[0..n) of kind 0 (seen now). Returns 0
 * (also when a part's details hold no flow_logs: then lead stays as it is),
 * or -1 out of memory. */
static int merge_config_flow_logs(struct report_finding *lead, struct part_row *rows, size_t n)
{
    struct flow_logs_part all = {0}, own = {0};
    struct strbuf s_all = {0}, j_all = {0}, s_own = {0}, j_own = {0};
    int rc = 0, got = add_flow_logs(lead->details, &own);
    if (got <= 0) {
        rc = got;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const struct report_finding *f = &rows[i].f;
        if (strcmp(f->status, "resolved") == 0 || is_carried(f))
            continue;
        got = add_flow_logs(f->details, &all);
        if (got <= 0) { /* a part of another shape: nothing to add up */
            rc = got;
            goto done;
        }
    }
    if (flow_logs_texts(&own, &s_own, &j_own) != 0 || flow_logs_texts(&all, &s_all, &j_all) != 0) {
        rc = -1;
        goto done;
    }
    /* both or neither: the sentence and the details member go together */
    if (strstr(lead->evidence, strbuf_text(&s_own)) && strstr(lead->details, strbuf_text(&j_own)) &&
        (replace_last(&lead->evidence, strbuf_text(&s_own), strbuf_text(&s_all)) < 0 ||
         replace_last(&lead->details, strbuf_text(&j_own), strbuf_text(&j_all)) < 0))
        rc = -1;
done:
    free(all.analyzer);
    free(all.hosts);
    free(own.analyzer);
    free(own.hosts);
    strbuf_free(&s_all);
    strbuf_free(&j_all);
    strbuf_free(&s_own);
    strbuf_free(&j_own);
    return rc;
}

/* The parts of one finding of one window, rows[0..n) (one per database
 * that has it), made into the row one database would hold: when any part
 * is seen now, the parts seen now (new, unless any part shows it was there
 * before), else the resolved parts (the traffic of one database showed it
 * healthy), else the carried ones. The first part of the kind gives the
 * texts; counts and hours add up. Moves the result into rows[0].f. */
static int combine_parts(struct part_row *rows, size_t n)
{
    if (n == 1)
        return 0;
    int current = 0, resolved = 0, before = 0;
    for (size_t i = 0; i < n; i++) {
        const struct report_finding *f = &rows[i].f;
        int r = strcmp(f->status, "resolved") == 0, carried = is_carried(f);
        current += !r && !carried;
        resolved += r;
        before += r || carried || strcmp(f->status, "open") == 0;
    }
    int kind = current ? 0 : resolved ? 1 : 2; /* 0 seen now, 1 resolved, 2 carried */
    size_t lead = n;
    for (size_t i = 0; i < n; i++) {
        const struct report_finding *f = &rows[i].f;
        int r = strcmp(f->status, "resolved") == 0, carried = is_carried(f);
        int k = r ? 1 : carried ? 2 : 0;
        if (k != kind)
            continue;
        if (lead == n) {
            lead = i;
            continue;
        }
        struct report_finding *l = &rows[lead].f;
        l->flows += f->flows;
        l->connections += f->connections;
        if (f->first < l->first)
            l->first = f->first;
        if (f->last > l->last)
            l->last = f->last;
        if (add_hours(l, f) != 0)
            return -1;
    }
    if (kind == 0 && strcmp(rows[lead].f.analyzer, "nsg-flow-logs") == 0 &&
        merge_nsg_only_hosts(&rows[lead].f, rows, n) != 0)
        return -1;
    if (kind == 0 && strncmp(rows[lead].f.analyzer, "config-", 7) == 0 &&
        merge_config_flow_logs(&rows[lead].f, rows, n) != 0)
        return -1;
    if (kind == 0) {
        char *status = strdup(before ? "open" : "new");
        if (!status)
            return -1;
        free(rows[lead].f.status);
        rows[lead].f.status = status;
    }
    if (lead != 0) {
        struct report_finding t = rows[0].f;
        rows[0].f = rows[lead].f;
        rows[lead].f = t;
    }
    return 0;
}

/* The findings of all windows, latest first: the first row of a key gives
 * its status and texts; the rows of earlier windows add their flows unless
 * resolved there, and every row its hours. Takes the rows' strings. */
static int merge_findings(struct parts *p, struct report *r)
{
    size_t *order = malloc((p->nwindows + 1) * sizeof *order);
    size_t *rank = malloc((p->nwindows + 1) * sizeof *rank);
    if (!order || !rank) {
        free(order);
        free(rank);
        return -1;
    }
    for (size_t i = 0; i < p->nwindows; i++)
        order[i] = i;
    ranking = p;
    if (p->nwindows > 1)
        qsort(order, p->nwindows, sizeof *order, by_window_latest_first);
    for (size_t i = 0; i < p->nwindows; i++)
        rank[order[i]] = i;
    for (size_t i = 0; i < p->nrows; i++)
        p->rows[i].window = p->rows[i].window < p->nwindows ? rank[p->rows[i].window] : p->nwindows;
    free(order);
    free(rank);
    if (p->nrows > 1)
        qsort(p->rows, p->nrows, sizeof *p->rows, by_rank_key_db);
    size_t cap = 0;
    for (size_t i = 0; i < p->nrows;) {
        size_t j = i + 1;
        while (j < p->nrows && p->rows[j].window == p->rows[i].window &&
               strcmp(p->rows[j].f.key, p->rows[i].f.key) == 0)
            j++;
        if (combine_parts(&p->rows[i], j - i) != 0)
            return -1;
        struct report_finding *row = &p->rows[i].f;
        struct report_finding *f = NULL;
        for (size_t k = 0; k < r->nfindings && !f; k++)
            if (strcmp(r->findings[k].key, row->key) == 0)
                f = &r->findings[k];
        if (f) { /* the same finding in an earlier window */
            if (strcmp(row->status, "resolved") != 0) {
                f->flows += row->flows;
                f->connections += row->connections;
                if (row->first < f->first)
                    f->first = row->first;
            }
            if (add_hours(f, row) != 0)
                return -1;
        } else {
            if (grow((void **)&r->findings, &cap, r->nfindings + 1, sizeof *r->findings) != 0)
                return -1;
            f = &r->findings[r->nfindings++];
            *f = *row; /* takes its strings and hours */
            memset(row, 0, sizeof *row);
        }
        i = j;
    }
    return 0;
}

static int by_host_requirement(const void *a, const void *b)
{
    const struct report_requirement *x = a, *y = b;
    int c = strcmp(x->host, y->host);
    return c ? c : x->requirement_id - y->requirement_id;
}

/* The requirement rows of db's runs, merged into r by host and
 * requirement: allowed and denied add up, the configuration is the
 * greatest (as max(configuration) in one database). */
static int load_matrix(sqlite3 *db, struct report *r, size_t *cap)
{
    sqlite3_stmt *st;
    if (prepare(db, "SELECT host, requirement_id, direction, protocol, ports, remote, purpose,"
                    " level, sum(allowed), sum(denied), coalesce(max(configuration), ''),"
                    " remote NOT IN (SELECT name FROM service_tag"
                    "                UNION VALUES ('VirtualNetwork'), ('Internet'), ('AzureLoadBalancer'))"
                    " FROM requirement_matrix"
                    " WHERE run_id IN (SELECT id FROM report_run)"
                    " GROUP BY host, requirement_id ORDER BY host, requirement_id",
                &st) != 0)
        return -1;
    size_t before = r->nmatrix;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct report_requirement key = {.host = (char *)sqlite3_column_text(st, 0),
                                         .requirement_id = sqlite3_column_int(st, 1)};
        struct report_requirement *m = before ? bsearch(&key, r->matrix, before, sizeof *r->matrix,
                                                        by_host_requirement) : NULL;
        if (m) {
            m->allowed += sqlite3_column_int64(st, 8);
            m->denied += sqlite3_column_int64(st, 9);
            const char *conf = (const char *)sqlite3_column_text(st, 10);
            if (conf && strcmp(conf, m->configuration) > 0) {
                free(m->configuration);
                m->configuration = dup_col(st, 10);
            }
            continue;
        }
        if (grow((void **)&r->matrix, cap, r->nmatrix + 1, sizeof *r->matrix) != 0)
            break;
        m = &r->matrix[r->nmatrix++];
        m->host = dup_col(st, 0);
        m->requirement_id = sqlite3_column_int(st, 1);
        m->direction = dup_col(st, 2);
        m->protocol = dup_col(st, 3);
        m->ports = dup_col(st, 4);
        m->remote = dup_col(st, 5);
        m->purpose = dup_col(st, 6);
        m->level = dup_col(st, 7);
        m->allowed = sqlite3_column_int64(st, 8);
        m->denied = sqlite3_column_int64(st, 9);
        m->seen = NULL; /* set once merged */
        m->configuration = dup_col(st, 10);
        m->by_name = sqlite3_column_int(st, 11);
    }
    sqlite3_finalize(st);
    if (r->nmatrix > 1)
        qsort(r->matrix, r->nmatrix, sizeof *r->matrix, by_host_requirement);
    return 0;
}

/* The matrix's order: per host, inbound first, by remote and ports. */
static int by_matrix_order(const void *a, const void *b)
{
    const struct report_requirement *x = a, *y = b;
    int c = strcmp(x->host, y->host);
    if (!c)
        c = -strcmp(x->direction, y->direction);
    if (!c)
        c = strcmp(x->remote, y->remote);
    if (!c)
        c = strcmp(x->ports, y->ports);
    return c ? c : x->requirement_id - y->requirement_id;
}

static int by_mac(const void *a, const void *b)
{
    return strcmp(((const struct report_coverage *)a)->mac, ((const struct report_coverage *)b)->mac);
}

/* The strongest of two cells of one NIC-hour: a blob beats a partial blob
 * beats none beats outside the NIC's span. */
static char stronger_cell(char a, char b)
{
    static const char order[] = " mpo";
    return strchr(order, a) - order >= strchr(order, b) - order ? a : b;
}

/* The NICs' hours in the window, from the view log_coverage of db, merged
 * into r by NIC. */
static int load_coverage(sqlite3 *db, struct report *r, size_t *cap)
{
    if (!r->runs || r->window_end < r->window_start)
        return 0;
    int64_t hours = (int64_t)r->coverage_hours;
    sqlite3_stmt *st;
    if (prepare(db, "SELECT mac, ts, status FROM log_coverage WHERE ts BETWEEN ?1 AND ?2"
                    " ORDER BY mac, ts", &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, r->coverage_start);
    sqlite3_bind_int64(st, 2, r->coverage_start + (hours - 1) * 3600);
    size_t before = r->ncoverage;
    struct report_coverage *c = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *mac = (const char *)sqlite3_column_text(st, 0);
        if (!c || strcmp(c->mac, mac) != 0) {
            struct report_coverage key = {.mac = (char *)mac};
            c = before ? bsearch(&key, r->coverage, before, sizeof *r->coverage, by_mac) : NULL;
        }
        if (!c) {
            if (grow((void **)&r->coverage, cap, r->ncoverage + 1, sizeof *r->coverage) != 0)
                break;
            c = &r->coverage[r->ncoverage++];
            memset(c, 0, sizeof *c);
            c->mac = strdup(mac);
            c->cells = malloc(r->coverage_hours + 1);
            if (!c->mac || !c->cells)
                break;
            memset(c->cells, ' ', r->coverage_hours); /* ' ': before its first blob or after its last */
            c->cells[r->coverage_hours] = '\0';
        }
        int64_t slot = (sqlite3_column_int64(st, 1) - r->coverage_start) / 3600;
        const char *status = (const char *)sqlite3_column_text(st, 2);
        char cell = strcmp(status, "missing") == 0 ? 'm' : strcmp(status, "partial") == 0 ? 'p' : 'o';
        if (slot >= 0 && (size_t)slot < r->coverage_hours)
            c->cells[slot] = stronger_cell(c->cells[slot], cell);
    }
    sqlite3_finalize(st);
    if (r->ncoverage > 1)
        qsort(r->coverage, r->ncoverage, sizeof *r->coverage, by_mac);
    return 0;
}

/* Marks the findings whose key is accepted in force in any of the n
 * databases (acc[i]: the acceptances of database i), the first one's
 * reason; a resolved finding is never accepted (it is gone). Returns 0, or
 * -1 out of memory. */
static int mark_accepted(struct report *r, const struct acceptances *acc, size_t n)
{
    for (size_t i = 0; i < r->nfindings; i++) {
        struct report_finding *f = &r->findings[i];
        const struct acceptance *a = NULL;
        for (size_t k = 0; k < n && !a; k++)
            a = acceptance_find(&acc[k], f->key);
        if (!a || strcmp(f->status, "resolved") == 0)
            continue;
        if (!(f->accepted_reason = strdup(a->reason)))
            return -1;
        f->accepted_at = a->accepted_at;
        f->accepted_until = a->until;
    }
    return 0;
}

static int by_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The fix plan of the findings shown (fixplan.h), built as analyze builds
 * it, with the names and priorities of configuration nc (NULL: none): the
 * plan of a merged report is one plan. Each finding's commands become
 * those of its plan entries. Returns 0, or -1 out of memory. */
static int build_plan(struct report *r, struct netconfig *nc)
{
    struct fixplan_item *items = calloc(r->nfindings + 1, sizeof *items);
    struct change *changes = calloc(2 * r->nfindings + 1, sizeof *changes);
    size_t *finding_of = calloc(r->nfindings + 1, sizeof *finding_of);
    struct fixplan plan = {0};
    size_t n = 0;
    int rc = -1;
    if (!items || !changes || !finding_of)
        goto done;
    for (size_t i = 0; i < r->nfindings; i++) {
        struct report_finding *f = &r->findings[i];
        if (f->accepted_reason || strcmp(f->status, "resolved") == 0 || !f->change[0])
            continue;
        struct fixplan_item *it = &items[n];
        it->analyzer = f->analyzer;
        it->severity = f->severity;
        it->title = f->title;
        it->host = f->host;
        it->remote = f->remote;
        it->rule = f->rule;
        it->port = f->port;
        it->connections = f->connections;
        it->flows = f->flows;
        it->changes = &changes[2 * n];
        it->nchanges = fixplan_parse(f->change, &changes[2 * n], 2);
        finding_of[n++] = i;
    }
    if (fixplan_build(items, n, nc, &plan) != 0)
        goto done;
    r->fixes = calloc(plan.n + 1, sizeof *r->fixes);
    if (!r->fixes)
        goto done;
    for (size_t e = 0; e < plan.n; e++) {
        const struct fixplan_entry *x = &plan.v[e];
        struct report_fix *fx = &r->fixes[r->nfixes++];
        fx->ordinal = (int)e + 1;
        fx->kind = strdup(fixplan_kind_name(x->kind));
        fx->severity = strdup(x->severity);
        fx->title = strdup(strbuf_text(&x->title));
        fx->target = strdup(strbuf_text(&x->target));
        fx->why = strdup(strbuf_text(&x->why));
        fx->commands = strdup(strbuf_text(&x->commands));
        fx->placeholders = strdup(strbuf_text(&x->placeholders));
        fx->findings = calloc(x->nitems + 1, sizeof *fx->findings);
        if (!fx->kind || !fx->severity || !fx->title || !fx->target || !fx->why ||
            !fx->commands || !fx->placeholders || !fx->findings)
            goto done;
        for (size_t k = 0; k < x->nitems; k++)
            fx->findings[fx->nfindings++] = finding_of[x->items[k]];
        if (fx->nfindings > 1) /* in the report's order */
            qsort(fx->findings, fx->nfindings, sizeof *fx->findings, by_index);
    }
    /* a finding in the plan: its commands are its plan entries' (the
     * others keep what was stored: resolved and accepted ones) */
    for (size_t i = 0; i < r->nfindings; i++) {
        struct strbuf cmds = {0};
        int planned = 0;
        for (size_t e = 0; e < r->nfixes; e++)
            for (size_t k = 0; k < r->fixes[e].nfindings; k++)
                if (r->fixes[e].findings[k] == i) {
                    planned = 1;
                    if (cmds.len && r->fixes[e].commands[0])
                        strbuf_puts(&cmds, "\n");
                    strbuf_puts(&cmds, r->fixes[e].commands);
                }
        if (!planned)
            continue;
        char *text = strdup(strbuf_text(&cmds));
        int failed = strbuf_failed(&cmds);
        strbuf_free(&cmds);
        if (!text || failed) {
            free(text);
            goto done;
        }
        free(r->findings[i].commands);
        r->findings[i].commands = text;
    }
    rc = 0;
done:
    fixplan_free(&plan);
    free(items);
    free(changes);
    free(finding_of);
    return rc;
}

/* The merged report's derived parts: the formats line, the matrix's order
 * and words, the coverage's counts, the findings' order, the fix plan, fix
 * groups and counts. */
static int finish(struct report *r, struct netconfig *nc)
{
    r->formats[0] = '\0';
    for (size_t i = 0; i < r->nformats; i++) {
        size_t used = strlen(r->formats);
        int code = r->format_counts[i].code;
        snprintf(r->formats + used, sizeof r->formats - used, "%s%s (%lld %s)",
                 used ? ", " : "", code == 1 ? "nsg-v1" : code == 2 ? "nsg-v2" : "vnet-v4",
                 (long long)r->format_counts[i].blobs,
                 plural(r->format_counts[i].blobs, "blob", "blobs"));
    }
    if (r->nmatrix > 1)
        qsort(r->matrix, r->nmatrix, sizeof *r->matrix, by_matrix_order);
    for (size_t i = 0; i < r->nmatrix; i++) {
        struct report_requirement *m = &r->matrix[i];
        m->seen = strdup(m->denied ? "denied" : m->allowed ? "allowed" : "not seen");
        if (!m->seen)
            return -1;
    }
    for (size_t i = 0; i < r->ncoverage; i++) {
        struct report_coverage *c = &r->coverage[i];
        c->missing = c->partial = 0;
        for (size_t k = 0; k < r->coverage_hours; k++) {
            c->missing += c->cells[k] == 'm';
            c->partial += c->cells[k] == 'p';
        }
    }
    if (r->nfindings > 1)
        qsort(r->findings, r->nfindings, sizeof *r->findings, by_severity);
    if (build_plan(r, nc) != 0 || group_fixes(r) != 0)
        return -1;
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct report_finding *f = &r->findings[i];
        if (f->accepted_reason) {
            r->accepted++;
            continue;
        }
        r->errors += strcmp(f->severity, "error") == 0 && strcmp(f->status, "resolved") != 0;
        r->warnings += strcmp(f->severity, "warning") == 0 && strcmp(f->status, "resolved") != 0;
        r->infos += strcmp(f->severity, "info") == 0 && strcmp(f->status, "resolved") != 0;
        r->new_ += strcmp(f->status, "new") == 0;
        r->open_ += strcmp(f->status, "open") == 0;
        r->resolved += strcmp(f->status, "resolved") == 0;
    }
    return 0;
}

static void acceptances_free_all(struct acceptances *acc, size_t n)
{
    for (size_t i = 0; i < n; i++)
        acceptances_free(&acc[i]);
    free(acc);
}

int report_load_many(const struct report_db *dbs, size_t n, int64_t from, int64_t to,
                     struct report *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->generated_at = (int64_t)time(NULL);
    struct parts p;
    memset(&p, 0, sizeof p);
    size_t begun = 0, i = 0, hosts_cap = 0, matrix_cap = 0, coverage_cap = 0;
    struct acceptances *acc = calloc(n ? n : 1, sizeof *acc);
    if (!acc) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* one read transaction per database, for all that is read from it */
    for (i = 0; i < n; i++) {
        if (sqlite3_exec(dbs[i].db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        begun++;
        if (select_runs(dbs[i].db, i, from, to, dbs[i].run_id, &p) != 0)
            goto fail;
    }
    /* the window of all the analyses */
    r->runs = (int)p.nwindows;
    for (size_t k = 0; k < p.nwindows; k++) {
        if (!k || p.windows[k].start < r->window_start)
            r->window_start = p.windows[k].start;
        if (!k || p.windows[k].end > r->window_end)
            r->window_end = p.windows[k].end;
    }
    if (r->runs && r->window_end >= r->window_start) {
        r->coverage_start = r->window_start - r->window_start % 3600;
        int64_t hours = (r->window_end - r->coverage_start) / 3600 + 1;
        r->coverage_hours = (size_t)(hours > 31 * 24 ? 31 * 24 : hours);
    }
    if (p.have_latest) {
        i = p.latest_db;
        if (load_latest(dbs[i].db, r) != 0)
            goto fail;
    }
    for (i = 0; i < n; i++) {
        sqlite3 *db = dbs[i].db;
        char why[200];
        if (load_data(db, r) != 0 || load_hosts(db, r, &hosts_cap) != 0 ||
            load_finding_rows(db, i, &p) != 0 || load_matrix(db, r, &matrix_cap) != 0 ||
            load_coverage(db, r, &coverage_cap) != 0 ||
            acceptances_load(db, r->generated_at, &acc[i], why, sizeof why) != 0)
            goto fail;
    }
    /* the configuration the plan names: the latest analysis's database's */
    struct netconfig nc;
    memset(&nc, 0, sizeof nc);
    if (r->config_import_id && p.have_latest) {
        char why[300];
        i = p.latest_db;
        if (netconfig_load(dbs[i].db, &nc, why, sizeof why) != 0) {
            netconfig_free(&nc);
            goto fail;
        }
    }
    int merged = merge_findings(&p, r) == 0 && mark_accepted(r, acc, n) == 0 &&
                 finish(r, nc.import_id ? &nc : NULL) == 0;
    netconfig_free(&nc);
    if (!merged) {
        snprintf(err, errlen, "out of memory");
        goto fail_quiet;
    }
    for (size_t k = 0; k < begun; k++)
        sqlite3_exec(dbs[k].db, "COMMIT", NULL, NULL, NULL);
    parts_free(&p);
    acceptances_free_all(acc, n);
    return 0;
fail:
    snprintf(err, errlen, "%s: %s", dbs[i < n ? i : 0].path ? dbs[i < n ? i : 0].path : "",
             sqlite3_errmsg(dbs[i < n ? i : 0].db));
fail_quiet:
    for (size_t k = 0; k < begun; k++)
        sqlite3_exec(dbs[k].db, "ROLLBACK", NULL, NULL, NULL);
    parts_free(&p);
    acceptances_free_all(acc, n);
    report_free(r);
    return -1;
}

int report_load(sqlite3 *db, int64_t from, int64_t to, int64_t run_id, struct report *r,
                char *err, size_t errlen)
{
    struct report_db one = {db, NULL, run_id};
    if (report_load_many(&one, 1, from, to, r, err, errlen) != 0) {
        /* the callers name the database themselves */
        if (strncmp(err, ": ", 2) == 0)
            memmove(err, err + 2, strlen(err + 2) + 1);
        return -1;
    }
    return 0;
}

void report_counts(const struct report_finding *f, char *out, size_t size)
{
    analyze_counts_text(f->analyzer, f->connections, f->flows, out, size);
}

void report_fix_members(const struct report *r, size_t first, char *out, size_t size)
{
    size_t used = 0, shown = 0, count = r->findings[first].fix_count;
    out[0] = '\0';
    for (size_t i = first; i < r->nfindings && shown < count; i++) {
        const struct report_finding *f = &r->findings[i];
        if (f->fix_group != first)
            continue;
        shown++;
        if (used + 80 >= size) {
            snprintf(out + used, size - used, "%s... (%zu in all)", used ? ", " : "", count);
            return;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s%s%s%s", used ? "; " : "",
                                 f->host[0] ? f->host : "-", f->remote[0] ? " (" : "",
                                 f->remote, f->remote[0] ? ")" : "");
    }
}

void report_each_command(const char *commands,
                         void (*fn)(void *ctx, const char *line, size_t n), void *ctx)
{
    for (const char *p = commands; *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n)
            fn(ctx, p, n);
        p += n + (end ? 1 : 0);
    }
}

void report_free(struct report *r)
{
    for (size_t i = 0; i < r->nhosts; i++) {
        free(r->hosts[i].address);
        free(r->hosts[i].reason);
        free(r->hosts[i].mac);
    }
    for (size_t i = 0; i < r->nfindings; i++)
        free_finding(&r->findings[i]);
    for (size_t i = 0; i < r->nmatrix; i++) {
        struct report_requirement *m = &r->matrix[i];
        char *strings[] = {m->host, m->direction, m->protocol, m->ports, m->remote, m->configuration,
                           m->purpose, m->level, m->seen};
        for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
            free(strings[k]);
    }
    free(r->hosts);
    free(r->findings);
    free(r->matrix);
    for (size_t i = 0; i < r->ncoverage; i++) {
        free(r->coverage[i].mac);
        free(r->coverage[i].cells);
    }
    free(r->coverage);
    for (size_t i = 0; i < r->nfixes; i++) {
        struct report_fix *x = &r->fixes[i];
        char *strings[] = {x->kind, x->severity, x->title, x->target, x->why, x->commands,
                           x->placeholders};
        for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
            free(strings[k]);
        free(x->findings);
    }
    free(r->fixes);
    memset(r, 0, sizeof *r);
}

void report_fixes_of(const struct report *r, size_t i, char *out, size_t size)
{
    int found[64], n = 0;
    for (size_t e = 0; e < r->nfixes && n < 64; e++)
        for (size_t k = 0; k < r->fixes[e].nfindings; k++)
            if (r->fixes[e].findings[k] == i) {
                found[n++] = r->fixes[e].ordinal;
                break;
            }
    out[0] = '\0';
    if (!n)
        return;
    size_t used = (size_t)snprintf(out, size, "change%s ", n == 1 ? "" : "s");
    for (int k = 0; k < n && used < size; k++)
        used += (size_t)snprintf(out + used, size - used, "%s%d",
                                 k == 0 ? "" : k + 1 == n ? " and " : ", ", found[k]);
}
