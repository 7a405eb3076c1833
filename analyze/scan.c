/* scan.c: the analysis pass over a window's tuples (see scan.h). */
#include "scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/tuple.h"
#include "tags.h"

/* What the tuples of one flow group share. */
struct group_info {
    int64_t id, rule_id, flow_log_id;
    int direction, protocol;
};

/* An inbound TCP connection being followed, within one blob. */
struct conn_key_full {
    int64_t local, remote, src_port, dst_port;
};

struct conn {
    int64_t first_ms, last_ms;
    int syns, ends, tuples, has_counters;
    int64_t counters[4];
    int64_t syn_ms[5];
    int nsyn_ms;
    int64_t group_id;
};

/* Ports any requirement names, per direction and TCP/UDP. */
struct port_filter {
    uint8_t bits[2][2][65536 / 8];
};

static int port_wanted(const struct port_filter *f, int direction, int protocol, int port)
{
    int p = protocol == 6 ? 0 : protocol == 17 ? 1 : -1;
    if (p < 0)
        return 0;
    return f->bits[direction][p][port >> 3] & (1u << (port & 7));
}

static void port_filter_build(struct port_filter *f, const struct requirements *r)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < r->n; i++) {
        const struct requirement *q = &r->v[i];
        int p = q->protocol == 6 ? 0 : 1;
        for (int k = 0; k < q->nranges; k++)
            for (int port = q->first[k]; port <= q->last[k]; port++)
                f->bits[q->direction][p][port >> 3] |= (uint8_t)(1u << (port & 7));
    }
}

static int64_t column_or(sqlite3_stmt *st, int i, int64_t fallback)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? fallback : sqlite3_column_int64(st, i);
}

/* ------------------------------------------------------------------ */
/* connections                                                        */

static int classify(const struct conn *c, int *by_counters)
{
    int64_t p1 = c->counters[0], b1 = c->counters[1];
    int64_t p2 = c->counters[2], b2 = c->counters[3];
    *by_counters = 0;
    if (c->has_counters && (p1 > 0 || p2 > 0)) {
        *by_counters = 1;
        /* SYNs went in, answers went out (the wrong way), no payload */
        if (p1 >= 1 && p2 >= 1 && b1 <= 100 * p1 && b2 <= 100 * p2 && b1 + b2 < 1500)
            return CONN_LOST;
        if (b1 + b2 >= 1500)
            return CONN_COMPLETED;
        return CONN_UNKNOWN;
    }
    if (c->syns >= 3)
        return CONN_LOST;
    if (c->syns == 2)
        return CONN_RETRANSMIT_ONCE;
    if (c->syns == 1)
        return CONN_COMPLETED;
    return CONN_UNKNOWN;
}

/* The hourly counter for a key (created zeroed). */
static struct hourly_count *hourly(struct scan_result *r, int kind, int64_t local,
                                   int64_t b, int64_t rule_id, int64_t port, int64_t ts)
{
    struct hourly_key k = {kind, local, b, rule_id, port, ts - ts % 3600};
    return hashmap_get(&r->hourly, &k, 1);
}

static int conn_finish(struct scan_result *r, const struct conn_key_full *k,
                       const struct conn *c)
{
    struct conn_key sk = {k->local, k->dst_port == 3443 ? k->remote : 0, k->dst_port};
    struct conn_stats *s = hashmap_get(&r->conns, &sk, 1);
    if (!s)
        return -1;
    int by_counters;
    int cls = classify(c, &by_counters);
    if (cls == CONN_LOST || cls == CONN_COMPLETED) {
        struct hourly_count *h = hourly(r, HOURLY_CONNECTIONS, sk.local, sk.remote, 0,
                                        sk.port, c->first_ms / 1000);
        if (!h)
            return -1;
        if (cls == CONN_LOST)
            h->bad++;
        else
            h->good++;
        s = hashmap_get(&r->conns, &sk, 0); /* the table may have grown */
    }
    s->connections++;
    s->tuples += c->tuples;
    int64_t start = c->first_ms / 1000, end = c->last_ms / 1000;
    if (!s->first || start < s->first)
        s->first = start;
    if (end > s->last)
        s->last = end;
    if (!s->group_id)
        s->group_id = c->group_id;
    switch (cls) {
    case CONN_LOST:
        s->lost++;
        if (by_counters)
            s->lost_by_counters++;
        else
            s->lost_by_syns++;
        if (s->nexamples < CONN_EXAMPLES) {
            struct conn_example *e = &s->examples[s->nexamples++];
            e->src_port = k->src_port;
            e->start = c->first_ms;
            e->syns = by_counters ? -1 : c->syns;
            memcpy(e->counters, c->counters, sizeof e->counters);
            e->ngaps = 0;
            for (int i = 1; i < c->nsyn_ms && e->ngaps < 4; i++)
                e->gaps_ms[e->ngaps++] = (int)(c->syn_ms[i] - c->syn_ms[i - 1]);
        }
        break;
    case CONN_COMPLETED: s->completed++; break;
    case CONN_RETRANSMIT_ONCE: s->retransmit_once++; break;
    default: s->unknown++; break;
    }
    return 0;
}

static int conns_flush(struct scan_result *r, struct hashmap *open)
{
    size_t pos = 0;
    const void *k;
    void *v;
    while (hashmap_next(open, &pos, &k, &v))
        if (conn_finish(r, k, v) != 0)
            return -1;
    hashmap_clear(open);
    return 0;
}

/* A tuple of an allowed inbound TCP connection on 3443 or 443. */
static int conn_add(struct scan_result *r, struct hashmap *open,
                    const struct conn_key_full *k, int64_t t_ms, int state,
                    const int64_t counters[4], int has_counters, int64_t group_id)
{
    struct conn *c = hashmap_get(open, k, 1);
    if (!c)
        return -1;
    if (c->tuples && (t_ms - c->last_ms > 60000 || (c->ends && state == 0))) {
        /* the same 5-tuple later: a new connection */
        if (conn_finish(r, k, c) != 0)
            return -1;
        memset(c, 0, sizeof *c);
    }
    if (!c->tuples) {
        c->first_ms = t_ms;
        c->group_id = group_id;
    }
    c->last_ms = t_ms;
    c->tuples++;
    if (state == 0 || state < 0) { /* B, or a v1 tuple (no state) */
        c->syns++;
        if (c->nsyn_ms < 5)
            c->syn_ms[c->nsyn_ms++] = t_ms;
    } else if (state == 2) {
        c->ends++;
    }
    if (has_counters) {
        c->has_counters = 1;
        for (int i = 0; i < 4; i++)
            c->counters[i] += counters[i];
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* double logging                                                     */

/* NSG blobs whose NIC and hours are also in VNet flow logs: skipped. */
static int find_doubled(sqlite3 *db, int64_t from, int64_t to, struct hashmap *skip,
                        struct scan_result *r, char *err, size_t errlen)
{
    const char *sql =
        "SELECT DISTINCT f.id, m.address FROM source_file f"
        " JOIN flow_group g ON g.file_id = f.id AND g.format IN (1, 2)"
        " JOIN mac m ON m.id = g.mac_id"
        " WHERE f.identity IS NOT NULL AND f.max_ts >= ?1 AND f.min_ts <= ?2"
        "   AND EXISTS (SELECT 1 FROM flow_group g2 JOIN source_file f2 ON f2.id = g2.file_id"
        "               WHERE g2.format = 4 AND g2.mac_id = g.mac_id AND f2.identity IS NOT NULL"
        "                 AND f2.max_ts >= f.min_ts AND f2.min_ts <= f.max_ts)";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        char *seen = hashmap_get(skip, &id, 1);
        if (!seen)
            break;
        if (!*seen) {
            *seen = 1;
            r->doubled_blobs++;
        }
        const char *mac = (const char *)sqlite3_column_text(st, 1);
        if (mac && !strstr(r->doubled_macs, mac) &&
            strlen(r->doubled_macs) + strlen(mac) + 3 < sizeof r->doubled_macs)
            snprintf(r->doubled_macs + strlen(r->doubled_macs),
                     sizeof r->doubled_macs - strlen(r->doubled_macs), "%s%s",
                     r->doubled_macs[0] ? ", " : "", mac);
    }
    sqlite3_finalize(st);
    return 0;
}

/* ------------------------------------------------------------------ */
/* the pass                                                           */

static const struct group_info *find_group(const struct group_info *g, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && g[lo].id == id ? &g[lo] : NULL;
}

int scan_window(sqlite3 *db, int64_t from, int64_t to,
                const struct requirements *reqs, const addresses *addrs,
                struct scan_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    hashmap_init(&r->hosts, sizeof(int64_t), sizeof(struct host_seen));
    hashmap_init(&r->denied, sizeof(struct denied_key), sizeof(struct denied_agg));
    hashmap_init(&r->denied_remotes, sizeof(struct denied_remote_key), 1);
    hashmap_init(&r->allowed, sizeof(struct allowed_key), sizeof(int64_t));
    hashmap_init(&r->hourly, sizeof(struct hourly_key), sizeof(struct hourly_count));
    hashmap_init(&r->conns, sizeof(struct conn_key), sizeof(struct conn_stats));
    r->min_ts = INT64_MAX;
    r->max_ts = INT64_MIN;

    struct hashmap skip, open;
    hashmap_init(&skip, sizeof(int64_t), 1);
    hashmap_init(&open, sizeof(struct conn_key_full), sizeof(struct conn));
    struct port_filter *pf = malloc(sizeof *pf);
    struct group_info *groups = NULL;
    size_t ngroups = 0, cap_groups = 0;
    sqlite3_stmt *files = NULL, *gq = NULL, *tq_window = NULL, *tq_all = NULL, *tq;
    int rc = -1;
    if (!pf) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    port_filter_build(pf, reqs);
    if (find_doubled(db, from, to, &skip, r, err, errlen) != 0)
        goto done;
    if (sqlite3_prepare_v2(db, "SELECT id, first_tuple, last_tuple, min_ts >= ?1 AND max_ts <= ?2"
                               " FROM source_file"
                               " WHERE identity IS NOT NULL AND first_tuple IS NOT NULL"
                               " AND max_ts >= ?1 AND min_ts <= ?2 ORDER BY id",
                           -1, &files, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id, direction, protocol, coalesce(rule_id, 0),"
                               " coalesce(flow_log_id, 0) FROM flow_group"
                               " WHERE file_id = ? ORDER BY id", -1, &gq, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT group_id, ts, ms, src, dst, src_port, dst_port, action,"
                               " state, packets_src_to_dst, bytes_src_to_dst,"
                               " packets_dst_to_src, bytes_dst_to_src FROM flow_tuple"
                               " WHERE id BETWEEN ?1 AND ?2 AND +ts BETWEEN ?3 AND ?4",
                           -1, &tq_window, NULL) != SQLITE_OK ||
        /* a blob wholly inside the window needs no check per tuple */
        sqlite3_prepare_v2(db, "SELECT group_id, ts, ms, src, dst, src_port, dst_port, action,"
                               " state, packets_src_to_dst, bytes_src_to_dst,"
                               " packets_dst_to_src, bytes_dst_to_src FROM flow_tuple"
                               " WHERE id BETWEEN ?1 AND ?2", -1, &tq_all, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(files, 1, from);
    sqlite3_bind_int64(files, 2, to);
    while (sqlite3_step(files) == SQLITE_ROW) {
        int64_t file_id = sqlite3_column_int64(files, 0);
        if (hashmap_get(&skip, &file_id, 0))
            continue;
        r->blobs++;
        /* the blob's groups */
        ngroups = 0;
        sqlite3_bind_int64(gq, 1, file_id);
        while (sqlite3_step(gq) == SQLITE_ROW) {
            if (ngroups == cap_groups) {
                cap_groups = cap_groups ? cap_groups * 2 : 64;
                struct group_info *g = realloc(groups, cap_groups * sizeof *g);
                if (!g)
                    goto nomem;
                groups = g;
            }
            struct group_info *g = &groups[ngroups++];
            g->id = sqlite3_column_int64(gq, 0);
            g->direction = sqlite3_column_int(gq, 1);
            g->protocol = sqlite3_column_int(gq, 2);
            g->rule_id = sqlite3_column_int64(gq, 3);
            g->flow_log_id = sqlite3_column_int64(gq, 4);
        }
        sqlite3_reset(gq);
        /* its tuples, in storage order */
        tq = sqlite3_column_int(files, 3) ? tq_all : tq_window;
        sqlite3_bind_int64(tq, 1, sqlite3_column_int64(files, 1));
        sqlite3_bind_int64(tq, 2, sqlite3_column_int64(files, 2));
        if (tq == tq_window) {
            sqlite3_bind_int64(tq, 3, from);
            sqlite3_bind_int64(tq, 4, to);
        }
        const struct group_info *g = NULL;
        int64_t *last_allowed = NULL; /* the allowed counters of the last tuple */
        struct hourly_count *last_hourly = NULL;
        struct allowed_key last_allowed_key;
        int64_t last_hour = -1;
        size_t last_caps[2] = {0, 0};
        struct host_seen *last_host = NULL; /* the host counters of the last tuple */
        int64_t last_host_id = 0;
        size_t last_host_cap = 0;
        while (sqlite3_step(tq) == SQLITE_ROW) {
            int64_t gid = sqlite3_column_int64(tq, 0);
            if (!g || g->id != gid)
                g = find_group(groups, ngroups, gid);
            if (!g)
                continue;
            int64_t ts = sqlite3_column_int64(tq, 1);
            int64_t src = sqlite3_column_int64(tq, 3), dst = sqlite3_column_int64(tq, 4);
            int dport = sqlite3_column_int(tq, 6);
            int deny = sqlite3_column_int(tq, 7) == ACTION_DENY;
            int in = g->direction == DIRECTION_INBOUND;
            int64_t local = in ? dst : src, remote = in ? src : dst;
            const struct remote_info *ri_local = addresses_info(addrs, local);
            const struct remote_info *ri = addresses_info(addrs, remote);
            r->tuples++;
            if (ts < r->min_ts)
                r->min_ts = ts;
            if (ts > r->max_ts)
                r->max_ts = ts;
            if (!ri)
                continue;
            int mgmt = in && g->protocol == 6 && dport == 3443 &&
                       (ri->is_control_plane || (ri->tags & (1u << TAG_API_MANAGEMENT)));
            int probe = in && g->protocol == 6 && dport == 6390 && ri->is_lb;
            int client = in && !deny && g->protocol == 6 && (dport == 443 || dport == 80) &&
                         !ri->is_private && !ri->is_lb;
            if (mgmt || probe || client || (ri_local && ri_local->in_apim_subnet)) {
                struct host_seen *h = last_host;
                if (!h || local != last_host_id || r->hosts.cap != last_host_cap) {
                    h = hashmap_get(&r->hosts, &local, 1);
                    if (!h)
                        goto nomem;
                    last_host = h;
                    last_host_id = local;
                    last_host_cap = r->hosts.cap;
                }
                h->management += mgmt;
                h->probes += probe;
                h->public_clients += client;
                h->in_subnet += ri_local && ri_local->in_apim_subnet;
            }
            if (port_wanted(pf, g->direction, g->protocol, dport)) {
                int conf;
                const struct requirement *q =
                    requirements_match(reqs, g->direction, g->protocol, dport, ri, &conf);
                if (q && deny) {
                    struct hourly_count *hc = hourly(r, HOURLY_DENIED, local, q - reqs->v,
                                                     g->rule_id, dport, ts);
                    if (!hc)
                        goto nomem;
                    hc->bad++;
                    struct denied_key k = {local, q - reqs->v, g->rule_id, dport};
                    struct denied_agg *a = hashmap_get(&r->denied, &k, 1);
                    if (!a)
                        goto nomem;
                    if (!a->flows) {
                        a->first = ts;
                        a->flow_log_id = g->flow_log_id;
                    }
                    a->flows++;
                    if (ts < a->first)
                        a->first = ts;
                    if (ts > a->last)
                        a->last = ts;
                    if (conf > a->best_confidence)
                        a->best_confidence = conf;
                    struct denied_remote_key rk = {k, remote};
                    char *seen = hashmap_get(&r->denied_remotes, &rk, 1);
                    if (!seen)
                        goto nomem;
                    if (!*seen) {
                        *seen = 1;
                        a = hashmap_get(&r->denied, &k, 0);
                        if (a->nsamples < DENIED_SAMPLES)
                            a->samples[a->nsamples++] = remote;
                    }
                } else if (q) {
                    struct allowed_key k = {local, q - reqs->v};
                    int64_t hour = ts - ts % 3600;
                    /* the cached pointers hold until either table grows */
                    if (!last_allowed || memcmp(&k, &last_allowed_key, sizeof k) != 0 ||
                        hour != last_hour || r->hourly.cap != last_caps[0] ||
                        r->allowed.cap != last_caps[1]) {
                        last_allowed = hashmap_get(&r->allowed, &k, 1);
                        if (!last_allowed)
                            goto nomem;
                        last_hourly = hourly(r, HOURLY_ALLOWED, local, k.requirement, 0, 0, ts);
                        if (!last_hourly)
                            goto nomem;
                        last_allowed = hashmap_get(&r->allowed, &k, 0);
                        last_allowed_key = k;
                        last_hour = hour;
                        last_caps[0] = r->hourly.cap;
                        last_caps[1] = r->allowed.cap;
                    }
                    (*last_allowed)++;
                    last_hourly->good++;
                }
            }
            if (!deny && in && g->protocol == 6 && (mgmt || dport == 443)) {
                struct conn_key_full k = {local, remote, sqlite3_column_int(tq, 5), dport};
                int64_t counters[4];
                int has = sqlite3_column_type(tq, 9) != SQLITE_NULL;
                for (int i = 0; i < 4; i++)
                    counters[i] = column_or(tq, 9 + i, 0);
                int64_t t_ms = ts * 1000 + column_or(tq, 2, 0);
                int state = (int)column_or(tq, 8, -1);
                if (conn_add(r, &open, &k, t_ms, state, counters, has, gid) != 0)
                    goto nomem;
            }
        }
        sqlite3_reset(tq);
        if (conns_flush(r, &open) != 0)
            goto nomem;
    }
    rc = 0;
    goto done;
nomem:
    snprintf(err, errlen, "out of memory");
    goto done;
sqlfail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(files);
    sqlite3_finalize(gq);
    sqlite3_finalize(tq_window);
    sqlite3_finalize(tq_all);
    free(groups);
    free(pf);
    hashmap_free(&skip);
    hashmap_free(&open);
    if (r->min_ts > r->max_ts)
        r->min_ts = r->max_ts = 0;
    return rc;
}

void scan_free(struct scan_result *r)
{
    hashmap_free(&r->hourly);
    hashmap_free(&r->hosts);
    hashmap_free(&r->denied);
    hashmap_free(&r->denied_remotes);
    hashmap_free(&r->allowed);
    hashmap_free(&r->conns);
}
