/* connections.c: tuples -> connections (see connections.h). The reader
 * lists the window's blobs NIC by NIC, follows every open connection of the
 * NIC in a hash table keyed by its 5-tuple, and finishes a connection when
 * a new one starts on the same 5-tuple or when it has been silent longer
 * than its kind allows; the table is swept as the NIC's time advances. */
#include "connections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/hashmap.h"
#include "../ingest/tuple.h"

const char *conn_class_name(int cls)
{
    static const char *const names[CONN_CLASSES] = {
        [CONN_COMPLETED] = "completed",   [CONN_ANSWERED] = "answered",
        [CONN_CLOSED] = "closed",         [CONN_NO_ANSWER] = "no-answer",
        [CONN_ANSWER_LOST] = "answer-lost", [CONN_RETRANSMITTED] = "retransmitted",
        [CONN_DENIED] = "denied",         [CONN_UNCLEAR] = "unclear",
    };
    return cls >= 0 && cls < CONN_CLASSES ? names[cls] : "?";
}

/* ------------------------------------------------------------------ */
/* classes                                                            */

/* A chain of B tuples without counters: SYNs at retransmit spacing, or a
 * flow stamped again every minute. */
static int classify_chain(const struct connection *c)
{
    for (int i = 0; i < c->ngaps; i++)
        if (c->gaps_ms[i] >= CONN_RESTAMP_MS)
            return CONN_ANSWERED; /* a long flow, logged again each minute */
    if (c->syns <= 1)
        return CONN_ANSWERED;
    return c->syns >= 3 ? CONN_ANSWER_LOST : CONN_RETRANSMITTED;
}

int conn_classify(const struct connection *c)
{
    int allowed = c->begins + c->continues + c->ends;
    if (c->denials && c->denials >= allowed)
        return CONN_DENIED;
    int64_t p1 = c->counters[0], b1 = c->counters[1];
    int64_t p2 = c->counters[2], b2 = c->counters[3];
    int counted = c->has_counters && (p1 > 0 || p2 > 0);
    if (c->protocol != 6) {
        if (!counted)
            return CONN_UNCLEAR;
        if (p1 > 0 && p2 > 0)
            return CONN_COMPLETED;
        return p2 == 0 ? CONN_NO_ANSWER : CONN_UNCLEAR;
    }
    if (counted) {
        int64_t header = c->ipv6 ? CONN_HEADER_BYTES_V6 : CONN_HEADER_BYTES_V4;
        int payload1 = b1 > p1 * header, payload2 = b2 > p2 * header;
        if (p2 == 0)
            return CONN_NO_ANSWER;
        if ((payload1 || payload2) && p1 > 0)
            return CONN_COMPLETED; /* data went, and was answered */
        if (p1 >= 2 && p2 >= p1)
            return CONN_ANSWER_LOST; /* every SYN answered, none got through */
        if (p1 > p2)
            return CONN_CLOSED; /* the caller sent more after the answer */
        return CONN_UNCLEAR;
    }
    if (c->continues || c->ends)
        return CONN_UNCLEAR; /* states without counters */
    if (c->stateless)
        return classify_chain(c);
    return CONN_UNCLEAR; /* a begin whose end was not logged (yet) */
}

/* ------------------------------------------------------------------ */
/* the reader                                                         */

struct group_info {
    int64_t id, rule_id, flow_log_id;
    int direction, protocol, format;
    int user_rule; /* not a DefaultRule_: NSG applies it statelessly to inbound TCP */
};

struct conn_key {
    int64_t src, dst;
    int32_t src_port, dst_port, protocol, pad;
};

struct blob_ref {
    int64_t id, first_tuple, last_tuple, min_ts, max_ts, nic, hour;
    int vnet;
};

struct reader {
    sqlite3 *db;
    int64_t from, to;           /* the window */
    conn_fn fn;
    void *ctx;
    struct conn_scan_stats *stats;
    struct hashmap open;        /* struct conn_key -> struct connection */
    int64_t watermark_ms;       /* the NIC's time, less the disorder allowed */
    int64_t next_sweep_ms;
    int64_t nic;
    sqlite3_stmt *groups, *tuples_all, *tuples_range;
    struct group_info *g;
    size_t ng, cap_g;
    unsigned char *default_rule; /* by rule id: 1 for DefaultRule_* */
    int64_t max_rule;
    unsigned char *v6;          /* bit set of the IPv6 address ids */
    int64_t max_address;
    int stopped;
};

/* Hands c over when it began in the window. */
static int finish(struct reader *r, struct connection *c)
{
    int64_t start = c->first_ms / 1000;
    if (start < r->from || start > r->to)
        return 0;
    c->cls = conn_classify(c);
    r->stats->connections++;
    if (r->fn(r->ctx, c) != 0) {
        r->stopped = 1;
        return -1;
    }
    return 0;
}

/* How long a connection may stay silent before it is over. */
static int64_t idle_limit(const struct connection *c)
{
    if (c->ends || (!c->continues && (c->stateless || c->denials)))
        return CONN_CHAIN_GAP_MS;
    return CONN_IDLE_MAX_MS;
}

/* Finishes the connections silent for longer than they may be. */
static int sweep(struct reader *r, int all)
{
    size_t pos = 0;
    const void *k;
    void *v;
    struct hashmap keep;
    hashmap_init(&keep, sizeof(struct conn_key), sizeof(struct connection));
    while (hashmap_next(&r->open, &pos, &k, &v)) {
        struct connection *c = v;
        if (all || r->watermark_ms - c->last_ms > idle_limit(c)) {
            if (finish(r, c) != 0) {
                hashmap_free(&keep);
                return -1;
            }
            continue;
        }
        struct connection *kept = hashmap_get(&keep, k, 1);
        if (!kept) {
            hashmap_free(&keep);
            return -1;
        }
        *kept = *c;
    }
    hashmap_free(&r->open);
    r->open = keep;
    return 0;
}

static const struct group_info *find_group(const struct reader *r, int64_t id)
{
    size_t lo = 0, hi = r->ng;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->g[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->ng && r->g[lo].id == id ? &r->g[lo] : NULL;
}

static int load_groups(struct reader *r, int64_t file_id)
{
    r->ng = 0;
    sqlite3_bind_int64(r->groups, 1, file_id);
    while (sqlite3_step(r->groups) == SQLITE_ROW) {
        if (r->ng == r->cap_g) {
            size_t cap = r->cap_g ? r->cap_g * 2 : 64;
            struct group_info *g = realloc(r->g, cap * sizeof *g);
            if (!g) {
                sqlite3_reset(r->groups);
                return -1;
            }
            r->g = g;
            r->cap_g = cap;
        }
        struct group_info *g = &r->g[r->ng++];
        g->id = sqlite3_column_int64(r->groups, 0);
        g->direction = sqlite3_column_int(r->groups, 1);
        g->protocol = sqlite3_column_int(r->groups, 2);
        g->rule_id = sqlite3_column_int64(r->groups, 3);
        g->flow_log_id = sqlite3_column_int64(r->groups, 4);
        g->format = sqlite3_column_int(r->groups, 5);
        g->user_rule = !(g->rule_id > 0 && g->rule_id <= r->max_rule &&
                         r->default_rule[g->rule_id]);
    }
    sqlite3_reset(r->groups);
    return 0;
}

static int64_t column_or(sqlite3_stmt *st, int i, int64_t fallback)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? fallback : sqlite3_column_int64(st, i);
}

/* One tuple into its connection. */
static int add_tuple(struct reader *r, sqlite3_stmt *tq, const struct group_info *g)
{
    int64_t id = sqlite3_column_int64(tq, 0);
    int64_t ts = sqlite3_column_int64(tq, 2);
    int64_t t = ts * 1000 + column_or(tq, 3, 0);
    struct conn_key k;
    memset(&k, 0, sizeof k);
    k.src = sqlite3_column_int64(tq, 4);
    k.dst = sqlite3_column_int64(tq, 5);
    k.src_port = sqlite3_column_int(tq, 6);
    k.dst_port = sqlite3_column_int(tq, 7);
    k.protocol = g->protocol;
    int deny = sqlite3_column_int(tq, 8) == ACTION_DENY;
    int state = (int)column_or(tq, 9, 0); /* v1 tuples: a begin */
    int begin = !deny && state == 0, denied = deny || state == 3;
    int has_counters = sqlite3_column_type(tq, 10) != SQLITE_NULL;

    if (ts >= r->from && ts <= r->to) {
        r->stats->tuples++;
        if (ts < r->stats->min_ts)
            r->stats->min_ts = ts;
        if (ts > r->stats->max_ts)
            r->stats->max_ts = ts;
    } else {
        r->stats->margin_tuples++;
    }
    struct connection *c = hashmap_get(&r->open, &k, 1);
    if (!c)
        return -1;
    if (c->tuples) {
        int64_t gap = t - c->last_ms;
        int chain = !c->continues && !c->ends;
        int fresh = gap > CONN_IDLE_MAX_MS || (begin && c->ends) ||
                    ((begin || denied) && chain && gap > CONN_CHAIN_GAP_MS);
        if (fresh) {
            if (finish(r, c) != 0)
                return -1;
            memset(c, 0, sizeof *c);
        }
    }
    if (!c->tuples) {
        c->first_tuple = id;
        c->first_ms = c->last_ms = t;
        c->group_id = g->id;
        c->rule_id = g->rule_id;
        c->flow_log_id = g->flow_log_id;
        c->nic = r->nic;
        c->format = g->format;
        c->direction = g->direction;
        c->protocol = g->protocol;
        c->src = k.src;
        c->dst = k.dst;
        c->src_port = k.src_port;
        c->dst_port = k.dst_port;
        int in = g->direction == DIRECTION_INBOUND;
        c->local = in ? k.dst : k.src;
        c->remote = in ? k.src : k.dst;
        c->ipv6 = k.src > 0 && k.src <= r->max_address && (r->v6[k.src >> 3] >> (k.src & 7) & 1);
        c->stateless = g->format == FORMAT_NSG_V1 ||
                       (g->format == FORMAT_NSG_V2 && in && g->protocol == 6 && !deny &&
                        g->user_rule);
    } else if (t < c->first_ms) { /* tuples of one minute come in any order */
        c->first_ms = t;
        c->first_tuple = id;
    }
    if (t > c->last_ms)
        c->last_ms = t;
    c->tuples++;
    if (denied)
        c->denials++;
    else if (state == 1)
        c->continues++;
    else if (state == 2)
        c->ends++;
    else
        c->begins++;
    if ((begin || denied) && !c->continues && !c->ends) {
        if (c->syns && c->ngaps < 4) {
            int64_t gap = t - c->syn_last_ms;
            c->gaps_ms[c->ngaps++] = (int)(gap < 0 ? -gap : gap);
        }
        c->syns++;
        c->syn_last_ms = t;
    }
    if (has_counters) {
        c->has_counters = 1;
        for (int i = 0; i < 4; i++)
            c->counters[i] += column_or(tq, 10 + i, 0);
    }
    return 0;
}

static int read_blob(struct reader *r, const struct blob_ref *b, int64_t lo, int64_t hi)
{
    if (load_groups(r, b->id) != 0)
        return -1;
    int whole = b->min_ts >= lo && b->max_ts <= hi;
    sqlite3_stmt *tq = whole ? r->tuples_all : r->tuples_range;
    sqlite3_bind_int64(tq, 1, b->first_tuple);
    sqlite3_bind_int64(tq, 2, b->last_tuple);
    if (!whole) {
        sqlite3_bind_int64(tq, 3, lo);
        sqlite3_bind_int64(tq, 4, hi);
    }
    const struct group_info *g = NULL;
    int rc = 0, step;
    while ((step = sqlite3_step(tq)) == SQLITE_ROW) {
        int64_t gid = sqlite3_column_int64(tq, 1);
        if (!g || g->id != gid)
            g = find_group(r, gid);
        if (!g)
            continue;
        if (add_tuple(r, tq, g) != 0) {
            rc = -1;
            break;
        }
        int64_t t = sqlite3_column_int64(tq, 2) * 1000;
        /* tuples of a blob come minute by minute, each minute's in any
         * order: two minutes behind the latest is safely the past */
        if (t - 120000 > r->watermark_ms)
            r->watermark_ms = t - 120000;
        if (r->watermark_ms >= r->next_sweep_ms) {
            if (sweep(r, 0) != 0) {
                rc = -1;
                break;
            }
            r->next_sweep_ms = r->watermark_ms + 60000;
        }
        if ((int64_t)r->open.count > r->stats->open_peak)
            r->stats->open_peak = (int64_t)r->open.count;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -2;
    sqlite3_reset(tq);
    return rc;
}

/* The hour a blob is for: its path's h=, else the middle of its tuples. */
static int64_t blob_hour(const char *hour_text, int64_t min_ts, int64_t max_ts)
{
    int y, mo, d, h;
    if (hour_text && sscanf(hour_text, "%4d-%2d-%2dT%2d", &y, &mo, &d, &h) == 4) {
        /* days from civil (proleptic Gregorian) */
        y -= mo <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        int64_t days = era * 146097 + doe - 719468;
        return days * 86400 + h * 3600;
    }
    int64_t mid = min_ts + (max_ts - min_ts) / 2;
    return mid - mid % 3600;
}

/* Reads one NIC's blobs, leaving out the NSG blobs of hours its VNet flow
 * logs cover too. */
static int read_nic(struct reader *r, struct blob_ref *b, size_t n, int64_t lo, int64_t hi,
                    const char *mac)
{
    r->nic = b[0].nic;
    r->watermark_ms = INT64_MIN / 2;
    r->next_sweep_ms = INT64_MIN / 2;
    int doubled_here = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i].vnet)
            continue;
        int doubled = 0;
        for (size_t j = 0; j < n && !doubled; j++)
            doubled = b[j].vnet && b[j].hour == b[i].hour;
        if (!doubled)
            continue;
        b[i].id = -b[i].id; /* left out */
        r->stats->doubled_blobs++;
        doubled_here = 1;
    }
    if (doubled_here) {
        int64_t hours[64];
        size_t nh = 0;
        for (size_t i = 0; i < n; i++) {
            if (b[i].id >= 0)
                continue;
            int seen = 0;
            for (size_t k = 0; k < nh; k++)
                seen |= hours[k] == b[i].hour;
            if (!seen && nh < 64)
                hours[nh++] = b[i].hour;
            if (!seen)
                r->stats->doubled_hours++;
        }
        struct conn_scan_stats *s = r->stats;
        size_t used = strlen(s->doubled_macs);
        if (mac && mac[0] && !strstr(s->doubled_macs, mac) &&
            used + strlen(mac) + 3 < sizeof s->doubled_macs)
            snprintf(s->doubled_macs + used, sizeof s->doubled_macs - used, "%s%s",
                     used ? ", " : "", mac);
    }
    for (size_t i = 0; i < n; i++) {
        if (b[i].id < 0)
            continue;
        r->stats->blobs++;
        int rc = read_blob(r, &b[i], lo, hi);
        if (rc != 0)
            return rc;
    }
    return sweep(r, 1);
}

int connections_read(sqlite3 *db, int64_t from, int64_t to, conn_fn fn, void *ctx,
                     struct conn_scan_stats *stats, char *err, size_t errlen)
{
    memset(stats, 0, sizeof *stats);
    stats->min_ts = INT64_MAX;
    stats->max_ts = INT64_MIN;
    struct reader r;
    memset(&r, 0, sizeof r);
    r.db = db;
    r.from = from;
    r.to = to;
    r.fn = fn;
    r.ctx = ctx;
    r.stats = stats;
    hashmap_init(&r.open, sizeof(struct conn_key), sizeof(struct connection));
    int64_t lo = from > INT64_MIN + CONN_MARGIN_S ? from - CONN_MARGIN_S : from;
    int64_t hi = to < INT64_MAX - CONN_MARGIN_S ? to + CONN_MARGIN_S : to;
    sqlite3_stmt *files = NULL, *rules = NULL;
    struct blob_ref *blobs = NULL;
    size_t nb = 0, cap = 0;
    char (*macs)[32] = NULL;
    int rc = -1;

    /* which rules are default rules */
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM rule", -1, &rules, NULL) != SQLITE_OK)
        goto sqlfail;
    if (sqlite3_step(rules) == SQLITE_ROW)
        r.max_rule = sqlite3_column_int64(rules, 0);
    sqlite3_finalize(rules);
    rules = NULL;
    r.default_rule = calloc((size_t)r.max_rule + 1, 1);
    if (!r.default_rule)
        goto nomem;
    if (sqlite3_prepare_v2(db, "SELECT id FROM rule WHERE name LIKE 'DefaultRule\\_%' ESCAPE '\\'",
                           -1, &rules, NULL) != SQLITE_OK)
        goto sqlfail;
    while (sqlite3_step(rules) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(rules, 0);
        if (id > 0 && id <= r.max_rule)
            r.default_rule[id] = 1;
    }
    /* which addresses are IPv6 (their packets' headers are longer) */
    sqlite3_finalize(rules);
    rules = NULL;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM address", -1, &rules, NULL) != SQLITE_OK)
        goto sqlfail;
    if (sqlite3_step(rules) == SQLITE_ROW)
        r.max_address = sqlite3_column_int64(rules, 0);
    sqlite3_finalize(rules);
    rules = NULL;
    r.v6 = calloc((size_t)(r.max_address >> 3) + 1, 1);
    if (!r.v6)
        goto nomem;
    if (sqlite3_prepare_v2(db, "SELECT id FROM address WHERE family = 6", -1, &rules, NULL) != SQLITE_OK)
        goto sqlfail;
    while (sqlite3_step(rules) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(rules, 0);
        if (id > 0 && id <= r.max_address)
            r.v6[id >> 3] |= (unsigned char)(1u << (id & 7));
    }
    if (sqlite3_prepare_v2(db, "SELECT id, direction, protocol, coalesce(rule_id, 0),"
                               " coalesce(flow_log_id, 0), format FROM flow_group"
                               " WHERE file_id = ? ORDER BY id", -1, &r.groups, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id, group_id, ts, ms, src, dst, src_port, dst_port, action,"
                               " state, packets_src_to_dst, bytes_src_to_dst, packets_dst_to_src,"
                               " bytes_dst_to_src FROM flow_tuple WHERE id BETWEEN ?1 AND ?2",
                           -1, &r.tuples_all, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id, group_id, ts, ms, src, dst, src_port, dst_port, action,"
                               " state, packets_src_to_dst, bytes_src_to_dst, packets_dst_to_src,"
                               " bytes_dst_to_src FROM flow_tuple WHERE id BETWEEN ?1 AND ?2"
                               " AND +ts BETWEEN ?3 AND ?4", -1, &r.tuples_range, NULL) != SQLITE_OK)
        goto sqlfail;
    /* the blobs, NIC by NIC, each NIC's in time order; a blob's NIC is the
     * MAC of its first flow group (blobs without one are NICs of their own) */
    if (sqlite3_prepare_v2(db,
            "SELECT f.id, f.first_tuple, f.last_tuple, f.min_ts, f.max_ts, f.hour,"
            " coalesce((SELECT g.mac_id FROM flow_group g WHERE g.file_id = f.id"
            "           AND g.mac_id IS NOT NULL ORDER BY g.id LIMIT 1), -f.id) AS nic,"
            " EXISTS (SELECT 1 FROM flow_group g WHERE g.file_id = f.id AND g.format = 4),"
            " coalesce((SELECT m.address FROM mac m JOIN flow_group g ON g.mac_id = m.id"
            "           WHERE g.file_id = f.id ORDER BY g.id LIMIT 1), '')"
            " FROM source_file f WHERE f.identity IS NOT NULL AND f.first_tuple IS NOT NULL"
            " AND f.max_ts >= ?1 AND f.min_ts <= ?2 ORDER BY nic, f.min_ts, f.id",
            -1, &files, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(files, 1, lo);
    sqlite3_bind_int64(files, 2, hi);
    int step;
    while ((step = sqlite3_step(files)) == SQLITE_ROW) {
        if (nb == cap) {
            cap = cap ? cap * 2 : 256;
            struct blob_ref *nbuf = realloc(blobs, cap * sizeof *nbuf);
            char (*nmacs)[32] = realloc(macs, cap * sizeof *nmacs);
            if (nbuf)
                blobs = nbuf;
            if (nmacs)
                macs = nmacs;
            if (!nbuf || !nmacs)
                goto nomem;
        }
        struct blob_ref *b = &blobs[nb];
        b->id = sqlite3_column_int64(files, 0);
        b->first_tuple = sqlite3_column_int64(files, 1);
        b->last_tuple = sqlite3_column_int64(files, 2);
        b->min_ts = sqlite3_column_int64(files, 3);
        b->max_ts = sqlite3_column_int64(files, 4);
        b->hour = blob_hour((const char *)sqlite3_column_text(files, 5), b->min_ts, b->max_ts);
        b->nic = sqlite3_column_int64(files, 6);
        b->vnet = sqlite3_column_int(files, 7);
        snprintf(macs[nb], sizeof macs[nb], "%s", (const char *)sqlite3_column_text(files, 8));
        nb++;
    }
    if (step != SQLITE_DONE)
        goto sqlfail;
    /* (the list is the window's blobs: a few hundred a day, not tuples) */
    for (size_t i = 0; i < nb;) {
        size_t j = i;
        while (j < nb && blobs[j].nic == blobs[i].nic)
            j++;
        int nrc = read_nic(&r, blobs + i, j - i, lo, hi, macs[i]);
        if (nrc == -2)
            goto sqlfail;
        if (nrc != 0) {
            if (r.stopped)
                snprintf(err, errlen, "stopped");
            else
                goto nomem;
            goto done;
        }
        i = j;
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
    sqlite3_finalize(rules);
    sqlite3_finalize(r.groups);
    sqlite3_finalize(r.tuples_all);
    sqlite3_finalize(r.tuples_range);
    hashmap_free(&r.open);
    free(r.g);
    free(r.default_rule);
    free(r.v6);
    free(blobs);
    free(macs);
    if (stats->min_ts > stats->max_ts)
        stats->min_ts = stats->max_ts = 0;
    return rc;
}

/* ------------------------------------------------------------------ */
/* the connection table                                               */

struct conn_writer {
    sqlite3 *db;
    sqlite3_stmt *insert;
    int64_t run_id;
};

conn_writer *conn_writer_new(sqlite3 *db, int64_t run_id, char *err, size_t errlen)
{
    conn_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->db = db;
    w->run_id = run_id;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO connection(first_tuple, run_id, local,"
                               " remote, port, direction, protocol, rule_id, first_ts,"
                               " duration_ms, tuples, syns, packets_src_to_dst, bytes_src_to_dst,"
                               " packets_dst_to_src, bytes_dst_to_src, class, requirement_id)"
                               " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                               " ?14, ?15, ?16, ?17, ?18)", -1, &w->insert, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        free(w);
        return NULL;
    }
    return w;
}

int conn_writer_add(conn_writer *w, const struct connection *c, int requirement_id)
{
    sqlite3_stmt *st = w->insert;
    sqlite3_bind_int64(st, 1, c->first_tuple);
    sqlite3_bind_int64(st, 2, w->run_id);
    sqlite3_bind_int64(st, 3, c->local);
    sqlite3_bind_int64(st, 4, c->remote);
    sqlite3_bind_int(st, 5, c->dst_port);
    sqlite3_bind_int(st, 6, c->direction);
    sqlite3_bind_int(st, 7, c->protocol);
    if (c->rule_id)
        sqlite3_bind_int64(st, 8, c->rule_id);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int64(st, 9, c->first_ms / 1000);
    sqlite3_bind_int64(st, 10, c->last_ms - c->first_ms);
    sqlite3_bind_int(st, 11, c->tuples);
    if (c->syns && !c->continues && !c->ends)
        sqlite3_bind_int(st, 12, c->syns);
    else
        sqlite3_bind_null(st, 12);
    for (int i = 0; i < 4; i++) {
        if (c->has_counters)
            sqlite3_bind_int64(st, 13 + i, c->counters[i]);
        else
            sqlite3_bind_null(st, 13 + i);
    }
    sqlite3_bind_int(st, 17, c->cls);
    if (requirement_id)
        sqlite3_bind_int(st, 18, requirement_id);
    else
        sqlite3_bind_null(st, 18);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

void conn_writer_free(conn_writer *w)
{
    if (!w)
        return;
    sqlite3_finalize(w->insert);
    free(w);
}
