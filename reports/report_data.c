/* report_data.c: what a report shows, loaded from the database (see
 * report.h): the analyses of the window, the data they read, their hosts,
 * findings (merged by finding key), hourly series and requirement matrix. */
#include "report.h"

#include "../analyze/findings.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    int c = severity_rank(x->severity) - severity_rank(y->severity);
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
    return c;
}

/* Selects the runs into the temp table report_run. */
static int select_runs(sqlite3 *db, int64_t from, int64_t to, int64_t run_id, struct report *r)
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
    if (prepare(db, "SELECT count(*), min(window_start), max(window_end) FROM analysis_run"
                    " WHERE id IN (SELECT id FROM report_run)", &st) != 0)
        return -1;
    sqlite3_step(st);
    r->runs = sqlite3_column_int(st, 0);
    r->window_start = sqlite3_column_int64(st, 1);
    r->window_end = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    /* the latest run says which tag data and hosts */
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
        prepare(db, "SELECT name || ' (' || coalesce(tier, '?') || ', ' || coalesce(vnet_type, '?')"
                    " || ')' FROM apim_instances ORDER BY name", &st) == 0) {
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

static int load_data(sqlite3 *db, struct report *r)
{
    sqlite3_stmt *st;
    if (prepare(db, "SELECT count(*), coalesce(sum(tuples), 0),"
                    " coalesce(sum(status = 'partial'), 0) FROM source_file"
                    " WHERE identity IS NOT NULL AND max_ts >= ?1 AND min_ts <= ?2", &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, r->window_start);
    sqlite3_bind_int64(st, 2, r->window_end);
    sqlite3_step(st);
    r->blobs = sqlite3_column_int64(st, 0);
    r->tuples = sqlite3_column_int64(st, 1);
    r->partial = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    r->rejected = 0;
    if (prepare(db, "SELECT CASE g.format WHEN 1 THEN 'nsg-v1' WHEN 2 THEN 'nsg-v2'"
                    " ELSE 'vnet-v4' END, count(DISTINCT f.id) FROM source_file f"
                    " JOIN flow_group g ON g.file_id = f.id"
                    " WHERE f.identity IS NOT NULL AND f.max_ts >= ?1 AND f.min_ts <= ?2"
                    " GROUP BY g.format ORDER BY g.format", &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, r->window_start);
    sqlite3_bind_int64(st, 2, r->window_end);
    r->formats[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t used = strlen(r->formats);
        snprintf(r->formats + used, sizeof r->formats - used, "%s%s (%lld blobs)",
                 used ? ", " : "", sqlite3_column_text(st, 0),
                 (long long)sqlite3_column_int64(st, 1));
    }
    sqlite3_finalize(st);
    return 0;
}

static int load_hosts(sqlite3 *db, struct report *r)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    if (prepare(db, "SELECT address, max(reason), sum(flows) FROM apim_host"
                    " WHERE run_id IN (SELECT id FROM report_run) GROUP BY address ORDER BY address",
                &st) != 0)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (grow((void **)&r->hosts, &cap, r->nhosts + 1, sizeof *r->hosts) != 0)
            break;
        struct report_host *h = &r->hosts[r->nhosts++];
        h->address = dup_col(st, 0);
        h->reason = dup_col(st, 1);
        h->flows = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return 0;
}

/* Findings that share one fix: same analyzer, severity, status and
 * commands. Sorted indices put them side by side; each group points at its
 * first finding in report order. */
static const struct report *grouping;

static int by_fix(const void *a, const void *b)
{
    const struct report_finding *x = &grouping->findings[*(const size_t *)a];
    const struct report_finding *y = &grouping->findings[*(const size_t *)b];
    int c = strcmp(x->analyzer, y->analyzer);
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
            if (!first->commands[0] || strcmp(f->analyzer, first->analyzer) ||
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

static int load_findings(sqlite3 *db, struct report *r)
{
    sqlite3_stmt *st, *hq;
    size_t cap = 0;
    /* latest run first: the first row of a key gives its status and texts */
    if (prepare(db, "SELECT f.id, f.analyzer, f.severity, f.status, f.title, coalesce(f.host, ''),"
                    " coalesce(f.remote, ''), coalesce(f.port, 0), coalesce(f.protocol, ''),"
                    " coalesce(f.direction, ''), coalesce(f.rule, ''), f.flows, f.first_seen,"
                    " f.last_seen, coalesce(f.evidence, ''), coalesce(f.hint, ''),"
                    " coalesce(f.confidence, ''), coalesce(f.details, '{}'), f.key,"
                    " coalesce(f.commands, ''), coalesce(f.connections, 0)"
                    " FROM finding f JOIN analysis_run a ON a.id = f.run_id"
                    " WHERE f.run_id IN (SELECT id FROM report_run)"
                    " ORDER BY a.window_end DESC, a.id DESC, f.id", &st) != 0 ||
        prepare(db, "SELECT hour, bad, good FROM finding_hour WHERE finding_id = ? ORDER BY hour",
                &hq) != 0)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 18);
        const char *status = (const char *)sqlite3_column_text(st, 3);
        struct report_finding *f = NULL;
        for (size_t i = 0; i < r->nfindings && !f; i++)
            if (strcmp(r->findings[i].key, key) == 0)
                f = &r->findings[i];
        if (f) { /* the same finding in an earlier window */
            if (strcmp(status, "resolved") != 0) {
                f->flows += sqlite3_column_int64(st, 11);
                f->connections += sqlite3_column_int64(st, 20);
                int64_t first = sqlite3_column_int64(st, 12);
                if (first < f->first)
                    f->first = first;
            }
        } else {
            if (grow((void **)&r->findings, &cap, r->nfindings + 1, sizeof *r->findings) != 0)
                break;
            f = &r->findings[r->nfindings++];
            memset(f, 0, sizeof *f);
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
        }
        /* the hours of every window add up */
        size_t hcap = f->nhours;
        sqlite3_bind_int64(hq, 1, sqlite3_column_int64(st, 0));
        while (sqlite3_step(hq) == SQLITE_ROW) {
            int64_t hour = sqlite3_column_int64(hq, 0);
            struct report_hour *h = NULL;
            for (size_t i = 0; i < f->nhours && !h; i++)
                if (f->hours[i].hour == hour)
                    h = &f->hours[i];
            if (!h) {
                if (grow((void **)&f->hours, &hcap, f->nhours + 1, sizeof *f->hours) != 0)
                    break;
                h = &f->hours[f->nhours++];
                memset(h, 0, sizeof *h);
                h->hour = hour;
            }
            h->bad += sqlite3_column_int64(hq, 1);
            h->good += sqlite3_column_int64(hq, 2);
        }
        sqlite3_reset(hq);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(hq);
    if (r->nfindings > 1)
        qsort(r->findings, r->nfindings, sizeof *r->findings, by_severity);
    if (group_fixes(r) != 0)
        return -1;
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct report_finding *f = &r->findings[i];
        r->errors += strcmp(f->severity, "error") == 0 && strcmp(f->status, "resolved") != 0;
        r->warnings += strcmp(f->severity, "warning") == 0 && strcmp(f->status, "resolved") != 0;
        r->infos += strcmp(f->severity, "info") == 0 && strcmp(f->status, "resolved") != 0;
        r->new_ += strcmp(f->status, "new") == 0;
        r->open_ += strcmp(f->status, "open") == 0;
        r->resolved += strcmp(f->status, "resolved") == 0;
    }
    return 0;
}

static int load_matrix(sqlite3 *db, struct report *r)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    if (prepare(db, "SELECT host, requirement_id, direction, protocol, ports, remote, purpose,"
                    " level, sum(allowed), sum(denied), coalesce(max(configuration), '')"
                    " FROM requirement_matrix"
                    " WHERE run_id IN (SELECT id FROM report_run)"
                    " GROUP BY host, requirement_id ORDER BY host, direction DESC, remote, ports",
                &st) != 0)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (grow((void **)&r->matrix, &cap, r->nmatrix + 1, sizeof *r->matrix) != 0)
            break;
        struct report_requirement *m = &r->matrix[r->nmatrix++];
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
        m->seen = strdup(m->denied ? "denied" : m->allowed ? "allowed" : "not seen");
        m->configuration = dup_col(st, 10);
    }
    sqlite3_finalize(st);
    return 0;
}

/* The NICs' hours in the window, from the view log_coverage. */
static int load_coverage(sqlite3 *db, struct report *r)
{
    if (!r->runs || r->window_end < r->window_start)
        return 0;
    r->coverage_start = r->window_start - r->window_start % 3600;
    int64_t hours = (r->window_end - r->coverage_start) / 3600 + 1;
    if (hours > 31 * 24)
        hours = 31 * 24;
    r->coverage_hours = (size_t)hours;
    sqlite3_stmt *st;
    if (prepare(db, "SELECT mac, ts, status FROM log_coverage WHERE ts BETWEEN ?1 AND ?2"
                    " ORDER BY mac, ts", &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, r->coverage_start);
    sqlite3_bind_int64(st, 2, r->coverage_start + (hours - 1) * 3600);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *mac = (const char *)sqlite3_column_text(st, 0);
        struct report_coverage *c = r->ncoverage ? &r->coverage[r->ncoverage - 1] : NULL;
        if (!c || strcmp(c->mac, mac) != 0) {
            if (grow((void **)&r->coverage, &cap, r->ncoverage + 1, sizeof *r->coverage) != 0)
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
            c->cells[slot] = cell;
        c->missing += cell == 'm';
        c->partial += cell == 'p';
    }
    sqlite3_finalize(st);
    return 0;
}

int report_load(sqlite3 *db, int64_t from, int64_t to, int64_t run_id, struct report *r,
                char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->generated_at = (int64_t)time(NULL);
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        select_runs(db, from, to, run_id, r) != 0 || load_data(db, r) != 0 ||
        load_hosts(db, r) != 0 || load_findings(db, r) != 0 || load_matrix(db, r) != 0 ||
        load_coverage(db, r) != 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        report_free(r);
        return -1;
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return 0;
}

void report_counts(const struct report_finding *f, char *out, size_t size)
{
    if (!f->connections && !f->flows && strncmp(f->analyzer, "config-", 7) == 0)
        snprintf(out, size, "from the configuration");
    else if (!f->connections && !f->flows && (strcmp(f->analyzer, "logging-gap") == 0 ||
                                              strcmp(f->analyzer, "nsg-flow-logs") == 0))
        snprintf(out, size, "about the logs");
    else if (f->connections)
        snprintf(out, size, "%lld connection%s, %lld tuple%s", (long long)f->connections,
                 f->connections == 1 ? "" : "s", (long long)f->flows, f->flows == 1 ? "" : "s");
    else
        snprintf(out, size, "%lld tuple%s", (long long)f->flows, f->flows == 1 ? "" : "s");
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
    }
    for (size_t i = 0; i < r->nfindings; i++) {
        struct report_finding *f = &r->findings[i];
        char *strings[] = {f->analyzer, f->severity, f->status, f->title, f->host, f->remote,
                           f->protocol, f->direction, f->rule, f->evidence, f->hint,
                           f->confidence, f->details, f->key, f->commands};
        for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
            free(strings[k]);
        free(f->hours);
    }
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
    memset(r, 0, sizeof *r);
}
