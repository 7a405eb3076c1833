/* coverage.c: gaps, filtered record types and NSG-flow-log caveats (see
 * coverage.h). Reads the view log_coverage (the blobs' rows) and what the
 * pass noted per address and NIC; never the tuples. */
#include "coverage.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/plural.h"
#include "../common/timearg.h"
#include "../ingest/tuple.h"
#include "findings_int.h"

/* At least this many allowed VNet-logged connections before a NIC's
 * missing B or E records say anything. */
#define LOGGING_GAP_MIN 20

static void mac_text(sqlite3 *db, int64_t id, char *out, size_t n)
{
    text_by_id(db, "SELECT address FROM mac WHERE id = ?", id, out, n);
}

/* "2026-11-01T03:00Z" from Unix seconds. */
static void hour_text(int64_t t, char *out)
{
    char full[24];
    time_format(t, full);
    snprintf(out, 18, "%.16sZ", full);
}

int coverage_gaps(sqlite3 *db, const char *mac, int64_t from, int64_t to, char *out, size_t n)
{
    out[0] = '\0';
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT ts FROM log_coverage WHERE mac = upper(?1) AND status = 'missing'"
                               " AND ts + 3599 >= ?2 AND ts <= ?3 ORDER BY ts", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    int missing = 0;
    int64_t run_start = -1, run_end = -1;
    size_t used = 0;
    for (int more = 1; more;) {
        more = sqlite3_step(st) == SQLITE_ROW;
        int64_t ts = more ? sqlite3_column_int64(st, 0) : -1;
        if (more)
            missing++;
        if (more && run_start >= 0 && ts == run_end + 3600) {
            run_end = ts;
            continue;
        }
        if (run_start >= 0 && used + 48 < n) {
            char a[20], b[20];
            hour_text(run_start, a);
            hour_text(run_end + 3600, b);
            int hours = (int)((run_end - run_start) / 3600 + 1);
            used += (size_t)snprintf(out + used, n - used, "%s%s to %s (%d %s)",
                                     used ? ", " : "", a, b, hours, plural(hours, "hour", "hours"));
        }
        run_start = run_end = ts;
    }
    sqlite3_finalize(st);
    return missing;
}

void coverage_each_gap(sqlite3 *db, int64_t from, int64_t to,
                       void (*fn)(void *ctx, const char *mac, int hours, const char *gaps),
                       void *ctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT mac FROM log_coverage WHERE status = 'missing'"
                               " AND ts + 3599 >= ?1 AND ts <= ?2 ORDER BY mac", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *mac = (const char *)sqlite3_column_text(st, 0);
        char gaps[600];
        int n = coverage_gaps(db, mac, from, to, gaps, sizeof gaps);
        if (n)
            fn(ctx, mac, n, gaps);
    }
    sqlite3_finalize(st);
}

/* One step less sure: high -> medium -> low. */
static const char *lower(const char *confidence)
{
    return strcmp(confidence, "high") == 0 ? "medium" : "low";
}

static int is_lost_return(const struct finding *f)
{
    return strcmp(f->analyzer, "asymmetric-return") == 0;
}

static int by_address(const void *a, const void *b)
{
    const struct ip_addr *x = a, *y = b;
    return x->family != y->family ? x->family - y->family : memcmp(x->b, y->b, 16);
}

static int logging_gap(sqlite3 *db, const struct scan_result *scan, const struct apim_hosts *hosts,
                       struct findings *out, size_t nflow, int64_t nic, const struct nic_seen *ns)
{
    const char *missing = !ns->begins && !ns->ends ? "B and E" : !ns->begins ? "B" : "E";
    char mac[32];
    mac_text(db, nic, mac, sizeof mac);
    /* the host named: the NIC's lowest APIM host, else its lowest address
     * (address order, not the order of the map: the same in a shard) */
    char host[IP_TEXT_MAX] = "";
    struct ip_addr best;
    int best_apim = 0;
    size_t pos = 0;
    const void *k;
    void *v;
    while (hashmap_next(&scan->locals, &pos, &k, &v)) {
        const struct local_seen *ls = v;
        int64_t id = *(const int64_t *)k;
        if (ls->nic != nic)
            continue;
        int apim = apim_host_index(hosts, id) >= 0;
        char ip[IP_TEXT_MAX];
        struct ip_addr a;
        addresses_text(db, id, ip);
        if (ip_parse(ip, strlen(ip), &a) != 0)
            continue;
        if (host[0] && (best_apim > apim || (best_apim == apim && by_address(&a, &best) >= 0)))
            continue;
        best = a;
        best_apim = apim;
        snprintf(host, sizeof host, "%s", ip);
    }
    /* the lost-return findings of hosts on this NIC rest on those records */
    for (size_t i = 0; i < nflow; i++) {
        struct finding *f = &out->v[i];
        if (!is_lost_return(f))
            continue;
        int64_t id = addresses_id(db, f->host);
        const struct local_seen *ls = hashmap_get((struct hashmap *)&scan->locals, &id, 0);
        if (!ls || ls->nic != nic)
            continue;
        f->confidence = lower(f->confidence);
        strbuf_printf(&f->evidence, " The VNet flow logs of this NIC (%s) hold no %s records in"
                                    " the window (a flow log's record types may be filtered):"
                                    " the connections were rebuilt from what is left, so the"
                                    " confidence is one step lower.", mac, missing);
    }
    struct finding *f = finding_new(out);
    if (!f)
        return -1;
    f->analyzer = "logging-gap";
    f->severity = "info";
    f->confidence = "high";
    snprintf(f->host, sizeof f->host, "%s", host[0] ? host : "-");
    snprintf(f->remote, sizeof f->remote, "%s", mac);
    snprintf(f->rule, sizeof f->rule, "no %s records", missing);
    f->first = scan->read.min_ts;
    f->last = scan->read.max_ts;
    snprintf(f->title, sizeof f->title, "The VNet flow logs of NIC %s hold no %s records: its"
                                        " evidence is thinner", mac, missing);
    strbuf_printf(&f->evidence, "%" PRId64 " allowed connections of NIC %s in the window come"
                                " from VNet flow logs, with %" PRId64 " B (begin) and %" PRId64
                                " E (end) records among their tuples. VNet flow logs can be set"
                                " to leave record types out (recordTypes, filtering criteria):"
                                " missing %s records may be a setting, not the traffic, and"
                                " connections, durations and lost answers are judged from what"
                                " is left.%s", ns->vnet, mac, ns->begins, ns->ends, missing,
                  ns->ends ? "" : " Without E records the answers of its connections cannot be"
                                  " judged: a lost return path on this NIC would go unfound.");
    strbuf_printf(&f->details, "{\"mac\":\"%s\",\"vnet_connections\":%" PRId64 ",\"begins\":%"
                               PRId64 ",\"ends\":%" PRId64 "}", mac, ns->vnet, ns->begins,
                  ns->ends);
    strbuf_puts(&f->hint, "Check the flow log's settings (az network watcher flow-log show): let"
                          " it record all types (B, C, E, D) for the APIM subnet.");
    return 0;
}

int coverage_findings(sqlite3 *db, const struct scan_result *scan, const struct apim_hosts *hosts,
                      struct findings *out, size_t nflow, char *err, size_t errlen)
{
    /* gaps in the hours a finding spans, on its host's NIC: only when the
     * window has any (one look at the view, not one per finding) */
    int any_gap = 0;
    sqlite3_stmt *st;
    if (scan->read.tuples &&
        sqlite3_prepare_v2(db, "SELECT 1 FROM log_coverage WHERE status = 'missing'"
                               " AND ts + 3599 >= ?1 AND ts <= ?2 LIMIT 1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, scan->read.min_ts);
        sqlite3_bind_int64(st, 2, scan->read.max_ts);
        any_gap = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    for (size_t i = 0; any_gap && i < nflow; i++) {
        struct finding *f = &out->v[i];
        if (!f->host[0] || !f->first || !f->last)
            continue;
        int64_t id = addresses_id(db, f->host);
        const struct local_seen *ls = id > 0 ? hashmap_get((struct hashmap *)&scan->locals, &id, 0)
                                             : NULL;
        if (!ls || !ls->nic)
            continue;
        char mac[32], gaps[400];
        mac_text(db, ls->nic, mac, sizeof mac);
        if (coverage_gaps(db, mac, f->first, f->last, gaps, sizeof gaps))
            strbuf_printf(&f->evidence, " No flow logs for this NIC (%s) %s: what happened then"
                                        " is not seen, and the counts leave it out.", mac, gaps);
    }
    /* NICs whose VNet flow logs lack B or E records */
    size_t pos = 0;
    const void *k;
    void *v;
    while (hashmap_next(&scan->nics, &pos, &k, &v)) {
        const struct nic_seen *ns = v;
        if (ns->vnet >= LOGGING_GAP_MIN && (!ns->begins || !ns->ends) &&
            logging_gap(db, scan, hosts, out, nflow, *(const int64_t *)k, ns) != 0)
            goto nomem;
    }
    /* APIM hosts seen through NSG flow logs only, in address order */
    struct strbuf names = {0};
    int nsg_only = 0;
    struct ip_addr *only = calloc(hosts->n + 1, sizeof *only);
    if (!only)
        goto nomem;
    for (size_t h = 0; h < hosts->n; h++) {
        const struct local_seen *ls = hashmap_get((struct hashmap *)&scan->locals, &hosts->ids[h], 0);
        uint32_t nsg = (1u << FORMAT_NSG_V1) | (1u << FORMAT_NSG_V2);
        if (!ls || !(ls->formats & nsg) || (ls->formats & (1u << FORMAT_VNET_V4)))
            continue;
        char ip[IP_TEXT_MAX];
        addresses_text(db, hosts->ids[h], ip);
        if (ip_parse(ip, strlen(ip), &only[nsg_only]) != 0)
            continue;
        nsg_only++;
        for (size_t i = 0; i < nflow; i++) {
            struct finding *f = &out->v[i];
            if (!is_lost_return(f) || strcmp(f->host, ip) != 0)
                continue;
            if (strcmp(f->confidence, "high") == 0)
                f->confidence = "medium";
            strbuf_puts(&f->evidence, " This host's evidence comes from NSG flow logs only, which"
                                      " Microsoft does not support for API Management: medium"
                                      " confidence at most.");
        }
    }
    qsort(only, (size_t)nsg_only, sizeof *only, by_address);
    for (int i = 0; i < nsg_only; i++) {
        char ip[IP_TEXT_MAX];
        ip_format(&only[i], ip);
        strbuf_printf(&names, "%s%s", i ? ", " : "", ip);
    }
    free(only);
    if (nsg_only) {
        struct finding *f = finding_new(out);
        if (!f) {
            strbuf_free(&names);
            goto nomem;
        }
        f->analyzer = "nsg-flow-logs";
        f->severity = "info";
        f->confidence = "high";
        snprintf(f->host, sizeof f->host, "-");
        f->first = scan->read.min_ts;
        f->last = scan->read.max_ts;
        snprintf(f->title, sizeof f->title, "The evidence for %d APIM host%s comes from NSG flow"
                                            " logs, which Microsoft does not support for API"
                                            " Management", nsg_only, nsg_only == 1 ? "" : "s");
        strbuf_printf(&f->evidence, "APIM hosts seen through NSG flow logs only: %s. Microsoft's"
                                    " flow-log documentation lists API Management as not"
                                    " supported by NSG flow logs (VNet flow logs are): their"
                                    " records may be incomplete for it, so lost-return findings"
                                    " from them stay at medium confidence.", strbuf_text(&names));
        strbuf_puts(&f->hint, "Enable VNet flow logs for the APIM subnet's VNet (az network"
                              " watcher flow-log create --vnet ...). NSG flow logs can no longer"
                              " be created since 2025-06-30 and retire on 2027-09-30.");
        strbuf_free(&names);
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}
