/* connections.c: tuples -> connections (see connections.h). The reader
 * lists the window's blobs NIC by NIC, follows every open connection of the
 * NIC in a hash table keyed by its 5-tuple, and finishes a connection when
 * a new one starts on the same 5-tuple or when it has been silent longer
 * than its kind allows; the table is swept as the NIC's time advances. */
#include "connections.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "../common/hashmap.h"
#include "../common/queue.h"
#include "../common/strbuf.h"
#include "../ingest/tuple.h"

const char *conn_class_name(int cls)
{
    static const char *const names[CONN_CLASSES] = {
        [CONN_COMPLETED] = "completed",   [CONN_ANSWERED] = "answered",
        [CONN_CLOSED] = "closed",         [CONN_NO_ANSWER] = "no-answer",
        [CONN_ANSWER_LOST] = "answer-lost", [CONN_RETRANSMITTED] = "retransmitted",
        [CONN_DENIED] = "denied",         [CONN_UNCLEAR] = "unclear",
        [CONN_ENCRYPTION_DROP] = "encryption-drop",
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
    if (c->drops && 2 * c->drops >= c->tuples)
        return CONN_ENCRYPTION_DROP; /* no rule decided: the packets were dropped */
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
    int platform;  /* rule PlatformRule: Azure's platform, not the NSG, handled it */
};

/* An open connection's key and its state so far: kept small, since a busy
 * NIC has many open at once (struct connection is made from them when the
 * connection is over). */
struct conn_key {
    int32_t nic, src, dst;
    uint16_t src_port, dst_port;
    int32_t protocol;
};

struct open_conn {
    int64_t first_tuple;
    int64_t first_ms, last_ms, syn_last_ms;
    int64_t counters[4];
    int32_t rule_id, flow_log_id, tuples;
    int32_t drop_encryption;    /* encryption.id of its first dropped tuple */
    uint16_t begins, continues, ends, denials, syns, drops; /* saturating */
    uint16_t gaps_ds[4];        /* between the first SYNs, in 0.1 s (saturating) */
    uint8_t ngaps, format, direction, stateless, ipv6, has_counters, platform;
};

static void count_up(uint16_t *n)
{
    if (*n < UINT16_MAX)
        (*n)++;
}

struct blob_ref {
    int64_t id, first_tuple, last_tuple, min_ts, max_ts, nic, hour;
    int vnet, skip;
    char mac[16];
};

/* A NIC's clock: how far its tuples have come. */
struct nic_clock {
    int64_t watermark_ms; /* its latest tuple, less the disorder allowed */
};

struct reader {
    sqlite3 *db;
    int64_t from, to;           /* the window */
    conn_fn fn;
    void *ctx;
    struct conn_scan_stats *stats;
    struct hashmap open;        /* struct conn_key -> struct connection */
    struct hashmap clocks;      /* nic -> struct nic_clock */
    int64_t since_sweep;        /* tuples read since the last sweep */
    sqlite3_stmt *groups, *tuples_all, *tuples_range;
    struct group_info *g;
    size_t ng, cap_g;
    unsigned char *default_rule; /* by rule id: 1 for DefaultRule_* */
    int64_t max_rule;
    int64_t platform_rule;      /* the rule id of PlatformRule (0: none) */
    unsigned char *drop_enc;    /* by encryption id: 1 when it drops the packet */
    int64_t max_encryption;
    unsigned char *v6;          /* bit set of the IPv6 address ids */
    int64_t max_address;
    int stopped;
};

/* Hands the connection over when it began in the window. */
static int finish(struct reader *r, const struct conn_key *k, const struct open_conn *o)
{
    int64_t start = o->first_ms / 1000;
    if (start < r->from || start > r->to)
        return 0;
    struct connection c;
    memset(&c, 0, sizeof c);
    c.first_tuple = o->first_tuple;
    c.rule_id = o->rule_id;
    c.flow_log_id = o->flow_log_id;
    c.nic = k->nic;
    c.format = o->format;
    c.direction = o->direction;
    c.protocol = k->protocol;
    c.src = k->src;
    c.dst = k->dst;
    c.src_port = k->src_port;
    c.dst_port = k->dst_port;
    int in = o->direction == DIRECTION_INBOUND;
    c.local = in ? k->dst : k->src;
    c.remote = in ? k->src : k->dst;
    c.first_ms = o->first_ms;
    c.last_ms = o->last_ms;
    c.tuples = o->tuples;
    c.begins = o->begins;
    c.continues = o->continues;
    c.ends = o->ends;
    c.denials = o->denials;
    c.syns = o->syns;
    c.has_counters = o->has_counters;
    memcpy(c.counters, o->counters, sizeof c.counters);
    c.ngaps = o->ngaps;
    for (int i = 0; i < o->ngaps; i++)
        c.gaps_ms[i] = o->gaps_ds[i] * 100;
    c.syn_last_ms = o->syn_last_ms;
    c.stateless = o->stateless;
    c.ipv6 = o->ipv6;
    c.platform = o->platform;
    c.drops = o->drops;
    c.drop_encryption = o->drop_encryption;
    c.cls = conn_classify(&c);
    r->stats->connections++;
    if (r->fn(r->ctx, &c) != 0) {
        r->stopped = 1;
        return -1;
    }
    return 0;
}

/* How long a connection may stay silent before it is over: one that has
 * ended, none (once its NIC's clock has passed its end, no tuple of it can
 * come: the clock lags behind the tuples by more than one record spans); a
 * chain of B (or D) tuples waits for its next SYN; a stateful flow for its
 * C or E. */
static int64_t idle_limit(const struct open_conn *c)
{
    if (c->ends)
        return 0;
    if (!c->continues && (c->stateless || c->denials))
        return CONN_CHAIN_GAP_MS;
    return CONN_IDLE_MAX_MS;
}

/* Finishes the connections silent for longer than they may be, each
 * against its own NIC's clock (or all of them, at the end). */
static int sweep(struct reader *r, int all)
{
    struct conn_key *gone = NULL;
    size_t ngone = 0, cap = 0;
    size_t pos = 0;
    const void *k;
    void *v;
    const struct nic_clock *clock = NULL;
    int64_t clock_nic = 0;
    int rc = 0;
    while (hashmap_next(&r->open, &pos, &k, &v)) {
        const struct conn_key *key = k;
        struct open_conn *c = v;
        if (!all) {
            if (!clock || clock_nic != key->nic) {
                clock_nic = key->nic;
                clock = hashmap_get(&r->clocks, &clock_nic, 0);
            }
            if (!clock || clock->watermark_ms - c->last_ms <= idle_limit(c))
                continue;
        }
        if (finish(r, key, c) != 0) {
            rc = -1;
            break;
        }
        if (ngone == cap) {
            cap = cap ? cap * 2 : 1024;
            struct conn_key *ng = realloc(gone, cap * sizeof *ng);
            if (!ng) {
                rc = -1;
                break;
            }
            gone = ng;
        }
        gone[ngone++] = *(const struct conn_key *)k;
    }
    if (all)
        hashmap_clear(&r->open);
    else
        for (size_t i = 0; i < ngone; i++)
            hashmap_remove(&r->open, &gone[i]);
    free(gone);
    r->since_sweep = 0;
    return rc;
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
        g->platform = r->platform_rule && g->rule_id == r->platform_rule;
    }
    sqlite3_reset(r->groups);
    return 0;
}

/* One tuple into its connection. The columns: id, group_id, ts, ms, src,
 * dst, src_port, dst_port, action, state, the four counters, encryption. */
static int add_tuple(struct reader *r, sqlite3_stmt *tq, const struct group_info *g,
                     int64_t nic)
{
    int64_t id = sqlite3_column_int64(tq, 0);
    int64_t ts = sqlite3_column_int64(tq, 2);
    int64_t t = ts * 1000 + sqlite3_column_int64(tq, 3); /* NULL ms reads as 0 */
    struct conn_key k;
    memset(&k, 0, sizeof k);
    k.nic = (int32_t)nic;
    k.src = (int32_t)sqlite3_column_int64(tq, 4);
    k.dst = (int32_t)sqlite3_column_int64(tq, 5);
    k.src_port = (uint16_t)sqlite3_column_int(tq, 6);
    k.dst_port = (uint16_t)sqlite3_column_int(tq, 7);
    k.protocol = g->protocol;
    int deny = sqlite3_column_int(tq, 8) == ACTION_DENY;
    int state = sqlite3_column_int(tq, 9); /* v1 tuples (NULL): a begin */
    int begin = !deny && state == 0, denied = deny || state == 3;
    int has_counters = sqlite3_column_type(tq, 10) != SQLITE_NULL;
    int64_t enc = sqlite3_column_int64(tq, 14); /* NULL (NSG logs): 0 */
    int dropped = enc > 0 && enc <= r->max_encryption && r->drop_enc[enc];

    if (ts >= r->from && ts <= r->to) {
        r->stats->tuples++;
        if (ts < r->stats->min_ts)
            r->stats->min_ts = ts;
        if (ts > r->stats->max_ts)
            r->stats->max_ts = ts;
    } else {
        r->stats->margin_tuples++;
    }
    struct open_conn *c = hashmap_get(&r->open, &k, 1);
    if (!c)
        return -1;
    if (c->tuples) {
        int64_t gap = t - c->last_ms;
        int chain = !c->continues && !c->ends;
        /* a B after the E is a new connection; one listed after the E but
         * stamped before it is the same connection's (a minute's tuples come
         * in any order) */
        int fresh = gap > CONN_IDLE_MAX_MS || (begin && c->ends && gap > 0) ||
                    ((begin || denied) && chain && gap > CONN_CHAIN_GAP_MS);
        if (fresh) {
            if (finish(r, &k, c) != 0)
                return -1;
            memset(c, 0, sizeof *c);
        }
    }
    if (!c->tuples) {
        c->first_tuple = id;
        c->first_ms = c->last_ms = t;
        c->rule_id = (int32_t)g->rule_id;
        c->flow_log_id = (int32_t)g->flow_log_id;
        c->format = (uint8_t)g->format;
        c->direction = (uint8_t)g->direction;
        c->platform = (uint8_t)g->platform;
        c->ipv6 = k.src > 0 && k.src <= r->max_address && (r->v6[k.src >> 3] >> (k.src & 7) & 1);
        c->stateless = g->format == FORMAT_NSG_V1 ||
                       (g->format == FORMAT_NSG_V2 && g->direction == DIRECTION_INBOUND &&
                        g->protocol == 6 && !deny && g->user_rule);
    } else if (t < c->first_ms) { /* tuples of one minute come in any order */
        c->first_ms = t;
        c->first_tuple = id;
    }
    if (t > c->last_ms)
        c->last_ms = t;
    c->tuples++;
    if (dropped) {
        if (!c->drops)
            c->drop_encryption = (int32_t)enc;
        count_up(&c->drops);
    }
    if (denied)
        count_up(&c->denials);
    else if (state == 1)
        count_up(&c->continues);
    else if (state == 2)
        count_up(&c->ends);
    else
        count_up(&c->begins);
    if ((begin || denied) && !c->continues && !c->ends) {
        if (c->syns && c->ngaps < 4) {
            int64_t gap = (t > c->syn_last_ms ? t - c->syn_last_ms : c->syn_last_ms - t) / 100;
            c->gaps_ds[c->ngaps++] = (uint16_t)(gap > UINT16_MAX ? UINT16_MAX : gap);
        }
        count_up(&c->syns);
        c->syn_last_ms = t;
    }
    if (has_counters) {
        c->has_counters = 1;
        for (int i = 0; i < 4; i++)
            c->counters[i] += sqlite3_column_int64(tq, 10 + i);
    }
    if (state == 2 && !denied && c->begins) {
        /* begun and ended: nothing more can belong to it, so it is over now
         * (an E listed before its B waits for the B, until its NIC's clock
         * has passed it) */
        int rc = finish(r, &k, c);
        hashmap_remove(&r->open, &k);
        return rc;
    }
    return 0;
}

static int read_blob(struct reader *r, const struct blob_ref *b, int64_t lo, int64_t hi)
{
    if (load_groups(r, b->id) != 0)
        return -1;
    struct nic_clock *clock = hashmap_get(&r->clocks, &b->nic, 1);
    if (!clock)
        return -1;
    if (!clock->watermark_ms)
        clock->watermark_ms = INT64_MIN / 2;
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
    int64_t latest = INT64_MIN;
    while ((step = sqlite3_step(tq)) == SQLITE_ROW) {
        int64_t gid = sqlite3_column_int64(tq, 1);
        if (!g || g->id != gid)
            g = find_group(r, gid);
        if (!g)
            continue;
        if (add_tuple(r, tq, g, b->nic) != 0) {
            rc = -1;
            break;
        }
        int64_t t = sqlite3_column_int64(tq, 2) * 1000;
        if (t > latest)
            latest = t;
        /* sweep when the open connections could have grown by half: the
         * cost of a sweep is spread over as many tuples as it visits */
        if (++r->since_sweep >= (int64_t)r->open.count / 2 + 4096) {
            /* tuples of a blob come minute by minute, each minute's in any
             * order: two minutes behind the latest is safely the past */
            if (latest - 120000 > clock->watermark_ms)
                clock->watermark_ms = latest - 120000;
            if (sweep(r, 0) != 0) {
                rc = -1;
                break;
            }
            clock = hashmap_get(&r->clocks, &b->nic, 0);
        }
        if ((int64_t)r->open.count > r->stats->open_peak)
            r->stats->open_peak = (int64_t)r->open.count;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -2;
    if (rc == 0 && latest - 120000 > clock->watermark_ms)
        clock->watermark_ms = latest - 120000;
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

static int by_nic_hour(const void *a, const void *b)
{
    const struct blob_ref *x = *(const struct blob_ref *const *)a;
    const struct blob_ref *y = *(const struct blob_ref *const *)b;
    if (x->nic != y->nic)
        return x->nic < y->nic ? -1 : 1;
    if (x->hour != y->hour)
        return x->hour < y->hour ? -1 : 1;
    return x->vnet - y->vnet;
}

/* Double logging: per NIC and hour, when VNet flow logs have the hour, the
 * NSG blobs of that hour are left out. */
static int mark_doubled(struct reader *r, struct blob_ref *b, size_t n)
{
    struct blob_ref **by = malloc((n + 1) * sizeof *by);
    if (!by)
        return -1;
    for (size_t i = 0; i < n; i++)
        by[i] = &b[i];
    qsort(by, n, sizeof *by, by_nic_hour);
    struct conn_scan_stats *s = r->stats;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int vnet = 0;
        while (j < n && by[j]->nic == by[i]->nic && by[j]->hour == by[i]->hour)
            vnet |= by[j++]->vnet;
        if (vnet && !by[i]->vnet) { /* NSG blobs sort before VNet ones */
            s->doubled_hours++;
            for (size_t k = i; k < j; k++)
                if (!by[k]->vnet) {
                    by[k]->skip = 1;
                    s->doubled_blobs++;
                }
            const char *mac = by[i]->mac;
            size_t used = strlen(s->doubled_macs);
            if (mac[0] && !strstr(s->doubled_macs, mac) &&
                used + strlen(mac) + 3 < sizeof s->doubled_macs)
                snprintf(s->doubled_macs + used, sizeof s->doubled_macs - used, "%s%s",
                         used ? ", " : "", mac);
        }
        i = j;
    }
    free(by);
    return 0;
}

/* Runs a one-integer query. */
static int64_t int_query(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Sets flags[id] (bits: the bit of id in flags[id >> 3]) for each id that
 * the one-column query sql returns, up to max. Returns 0, or -1 on an SQL
 * error. */
static int mark_ids(sqlite3 *db, const char *sql, unsigned char *flags, int64_t max, int bits)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id < 1 || id > max)
            continue;
        if (bits)
            flags[id >> 3] |= (unsigned char)(1u << (id & 7));
        else
            flags[id] = 1;
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : -1;
}

/* What the reader looks up by id: which rules are default rules and which
 * is PlatformRule, which encryption values drop the packet (table
 * encryption_state), which addresses are IPv6. Returns 0, -1 when out of
 * memory, -2 on an SQL error (in r->db). */
static int load_lookups(struct reader *r)
{
    sqlite3 *db = r->db;
    r->max_rule = int_query(db, "SELECT coalesce(max(id), 0) FROM rule");
    r->max_address = int_query(db, "SELECT coalesce(max(id), 0) FROM address");
    r->max_encryption = int_query(db, "SELECT coalesce(max(id), 0) FROM encryption");
    r->platform_rule = int_query(db, "SELECT coalesce(max(id), 0) FROM rule WHERE name = 'PlatformRule'");
    r->default_rule = calloc((size_t)r->max_rule + 1, 1);
    r->v6 = calloc((size_t)(r->max_address >> 3) + 1, 1);
    r->drop_enc = calloc((size_t)r->max_encryption + 1, 1);
    if (!r->default_rule || !r->v6 || !r->drop_enc)
        return -1;
    if (mark_ids(db, "SELECT id FROM rule WHERE name LIKE 'DefaultRule\\_%' ESCAPE '\\'",
                 r->default_rule, r->max_rule, 0) != 0 ||
        mark_ids(db, "SELECT e.id FROM encryption e JOIN encryption_state s ON s.name = e.name"
                     " WHERE s.drops = 1", r->drop_enc, r->max_encryption, 0) != 0 ||
        mark_ids(db, "SELECT id FROM address WHERE family = 6", r->v6, r->max_address, 1) != 0)
        return -2;
    return 0;
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
    hashmap_init(&r.open, sizeof(struct conn_key), sizeof(struct open_conn));
    hashmap_init(&r.clocks, sizeof(int64_t), sizeof(struct nic_clock));
    int64_t lo = from > INT64_MIN + CONN_MARGIN_S ? from - CONN_MARGIN_S : from;
    int64_t hi = to < INT64_MAX - CONN_MARGIN_S ? to + CONN_MARGIN_S : to;
    sqlite3_stmt *files = NULL;
    struct blob_ref *blobs = NULL;
    size_t nb = 0, cap = 0;
    int rc = -1;

    int lrc = load_lookups(&r);
    if (lrc == -1)
        goto nomem;
    if (lrc != 0)
        goto sqlfail;
    if (sqlite3_prepare_v2(db, "SELECT id, direction, protocol, coalesce(rule_id, 0),"
                               " coalesce(flow_log_id, 0), format FROM flow_group"
                               " WHERE file_id = ? ORDER BY id", -1, &r.groups, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id, group_id, ts, ms, src, dst, src_port, dst_port, action,"
                               " state, packets_src_to_dst, bytes_src_to_dst, packets_dst_to_src,"
                               " bytes_dst_to_src, encryption FROM flow_tuple WHERE id BETWEEN ?1 AND ?2",
                           -1, &r.tuples_all, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id, group_id, ts, ms, src, dst, src_port, dst_port, action,"
                               " state, packets_src_to_dst, bytes_src_to_dst, packets_dst_to_src,"
                               " bytes_dst_to_src, encryption FROM flow_tuple WHERE id BETWEEN ?1 AND ?2"
                               " AND +ts BETWEEN ?3 AND ?4", -1, &r.tuples_range, NULL) != SQLITE_OK)
        goto sqlfail;
    /* the blobs in time order (for blobs ingested hour by hour, as ingest
     * does, that is their storage order too, so the connection rows go in
     * near the end of their table), each with its NIC: the MAC of its first
     * flow group (a blob without one is a NIC of its own) */
    if (sqlite3_prepare_v2(db,
            "SELECT f.id, f.first_tuple, f.last_tuple, f.min_ts, f.max_ts, f.hour,"
            " coalesce((SELECT g.mac_id FROM flow_group g WHERE g.file_id = f.id"
            "           AND g.mac_id IS NOT NULL ORDER BY g.id LIMIT 1), -f.id),"
            " EXISTS (SELECT 1 FROM flow_group g WHERE g.file_id = f.id AND g.format = 4),"
            " coalesce((SELECT m.address FROM mac m JOIN flow_group g ON g.mac_id = m.id"
            "           WHERE g.file_id = f.id ORDER BY g.id LIMIT 1), '')"
            " FROM source_file f WHERE f.identity IS NOT NULL AND f.first_tuple IS NOT NULL"
            " AND f.max_ts >= ?1 AND f.min_ts <= ?2 ORDER BY f.min_ts, f.first_tuple",
            -1, &files, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(files, 1, lo);
    sqlite3_bind_int64(files, 2, hi);
    int step;
    while ((step = sqlite3_step(files)) == SQLITE_ROW) {
        if (nb == cap) {
            cap = cap ? cap * 2 : 256;
            struct blob_ref *nbuf = realloc(blobs, cap * sizeof *nbuf);
            if (!nbuf)
                goto nomem;
            blobs = nbuf;
        }
        struct blob_ref *b = &blobs[nb++];
        memset(b, 0, sizeof *b);
        b->id = sqlite3_column_int64(files, 0);
        b->first_tuple = sqlite3_column_int64(files, 1);
        b->last_tuple = sqlite3_column_int64(files, 2);
        b->min_ts = sqlite3_column_int64(files, 3);
        b->max_ts = sqlite3_column_int64(files, 4);
        b->hour = blob_hour((const char *)sqlite3_column_text(files, 5), b->min_ts, b->max_ts);
        b->nic = sqlite3_column_int64(files, 6);
        b->vnet = sqlite3_column_int(files, 7);
        snprintf(b->mac, sizeof b->mac, "%s", (const char *)sqlite3_column_text(files, 8));
    }
    if (step != SQLITE_DONE)
        goto sqlfail;
    /* (the list is the window's blobs: a few hundred a day, not tuples) */
    if (mark_doubled(&r, blobs, nb) != 0)
        goto nomem;
    for (size_t i = 0; i < nb; i++) {
        if (blobs[i].skip)
            continue;
        stats->blobs++;
        int brc = read_blob(&r, &blobs[i], lo, hi);
        if (brc == -2)
            goto sqlfail;
        if (brc != 0)
            goto stopped;
    }
    if (getenv("NSGFLOW_TIMING"))
        fprintf(stderr, "timing: most connections open at once: %lld (table of %zu)\n",
                (long long)stats->open_peak, r.open.cap);
    if (sweep(&r, 1) != 0)
        goto stopped;
    rc = 0;
    goto done;
stopped:
    if (r.stopped)
        snprintf(err, errlen, "stopped");
    else
        snprintf(err, errlen, "out of memory");
    goto done;
nomem:
    snprintf(err, errlen, "out of memory");
    goto done;
sqlfail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(files);
    sqlite3_finalize(r.groups);
    sqlite3_finalize(r.tuples_all);
    sqlite3_finalize(r.tuples_range);
    hashmap_free(&r.open);
    hashmap_free(&r.clocks);
    free(r.g);
    free(r.default_rule);
    free(r.drop_enc);
    free(r.v6);
    free(blobs);
    if (stats->min_ts > stats->max_ts)
        stats->min_ts = stats->max_ts = 0;
    return rc;
}

/* ------------------------------------------------------------------ */
/* the connection table, written by a thread of its own               */

/* The 18 values of a row, NULL where the bit of nulls is set. */
#define ROW_VALUES 18
struct conn_row {
    int64_t v[ROW_VALUES];
    uint32_t nulls;
    int candidate;      /* also a row of temp.return_candidate */
};

#define ROWS_PER_BATCH 2048
#define BATCHES 4
#define ROWS_PER_INSERT 32

struct row_batch {
    size_t n;
    struct conn_row rows[ROWS_PER_BATCH];
};

struct conn_writer {
    sqlite3 *db;
    sqlite3_stmt *one, *many;   /* INSERTs of 1 and of ROWS_PER_INSERT rows */
    sqlite3_stmt *candidate;    /* INSERT into temp.return_candidate */
    int64_t run_id;
    struct queue full, empty;   /* batches to write, batches to fill */
    struct row_batch *batches[BATCHES];
    struct row_batch *current;
    pthread_t thread;
    int started;
    int failed;                 /* set by the writer thread */
    char error[256];
};

static const char insert_head[] =
    "INSERT OR REPLACE INTO connection(first_tuple, run_id, local, remote, port, direction,"
    " protocol, rule_id, first_ts, duration_ms, tuples, syns, packets_src_to_dst,"
    " bytes_src_to_dst, packets_dst_to_src, bytes_dst_to_src, class, requirement_id) VALUES";

static int bind_row(sqlite3_stmt *st, int base, const struct conn_row *row)
{
    for (int i = 0; i < ROW_VALUES; i++) {
        int rc = row->nulls & (1u << i) ? sqlite3_bind_null(st, base + i + 1)
                                         : sqlite3_bind_int64(st, base + i + 1, row->v[i]);
        if (rc != SQLITE_OK)
            return -1;
    }
    return 0;
}

static int by_first_tuple(const void *a, const void *b)
{
    const struct conn_row *x = a, *y = b;
    return x->v[0] < y->v[0] ? -1 : x->v[0] > y->v[0];
}

/* The columns of temp.return_candidate, from the row's values: local,
 * remote, port, first_ts, duration_ms, tuples, syns-is-null, class,
 * first_tuple. */
static const int candidate_values[] = {2, 3, 4, 8, 9, 10, 11, 16, 0};

static int write_batch(conn_writer *w, struct row_batch *b)
{
    /* in key order: the B-tree takes them where it took the last ones */
    qsort(b->rows, b->n, sizeof b->rows[0], by_first_tuple);
    for (size_t i = 0; i < b->n; i++) {
        const struct conn_row *row = &b->rows[i];
        if (!row->candidate)
            continue;
        for (int k = 0; k < 9; k++) {
            int v = candidate_values[k];
            if (v == 11)
                sqlite3_bind_int(w->candidate, k + 1, (row->nulls >> 11) & 1);
            else
                sqlite3_bind_int64(w->candidate, k + 1, row->v[v]);
        }
        int rc = sqlite3_step(w->candidate);
        sqlite3_reset(w->candidate);
        if (rc != SQLITE_DONE)
            return -1;
    }
    size_t i = 0;
    for (; i + ROWS_PER_INSERT <= b->n; i += ROWS_PER_INSERT) {
        for (int k = 0; k < ROWS_PER_INSERT; k++)
            if (bind_row(w->many, k * ROW_VALUES, &b->rows[i + k]) != 0)
                return -1;
        int rc = sqlite3_step(w->many);
        sqlite3_reset(w->many);
        if (rc != SQLITE_DONE)
            return -1;
    }
    for (; i < b->n; i++) {
        if (bind_row(w->one, 0, &b->rows[i]) != 0)
            return -1;
        int rc = sqlite3_step(w->one);
        sqlite3_reset(w->one);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return 0;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *writer_main(void *arg)
{
    conn_writer *w = arg;
    struct row_batch *b;
    double busy = 0, idle = 0, t = mono();
    while ((b = queue_pop(&w->full)) != NULL) {
        double t1 = mono();
        idle += t1 - t;
        if (!w->failed && write_batch(w, b) != 0) {
            snprintf(w->error, sizeof w->error, "%s", sqlite3_errmsg(w->db));
            w->failed = 1; /* the rest is drained unwritten */
        }
        b->n = 0;
        t = mono();
        busy += t - t1;
        queue_push(&w->empty, b);
    }
    if (getenv("NSGFLOW_TIMING"))
        fprintf(stderr, "timing: writer busy %.3f s, waiting %.3f s\n", busy, idle);
    return NULL;
}

void conn_writer_free(conn_writer *w);

conn_writer *conn_writer_new(sqlite3 *db, int64_t run_id, char *err, size_t errlen)
{
    conn_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->db = db;
    w->run_id = run_id;
    struct strbuf sql = {0};
    strbuf_puts(&sql, insert_head);
    for (int k = 0; k < ROWS_PER_INSERT; k++)
        strbuf_puts(&sql, k ? ",(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                            : "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    int ok = !strbuf_failed(&sql) &&
             sqlite3_prepare_v2(db, strbuf_text(&sql), -1, &w->many, NULL) == SQLITE_OK;
    strbuf_free(&sql);
    strbuf_puts(&sql, insert_head);
    strbuf_puts(&sql, "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    ok = ok && !strbuf_failed(&sql) &&
         sqlite3_prepare_v2(db, strbuf_text(&sql), -1, &w->one, NULL) == SQLITE_OK;
    strbuf_free(&sql);
    ok = ok && sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS return_candidate(local, remote,"
                                " port, first_ts, duration_ms, tuples, counted, class, first_tuple);"
                                " DELETE FROM temp.return_candidate", NULL, NULL, NULL) == SQLITE_OK &&
         sqlite3_prepare_v2(db, "INSERT INTO temp.return_candidate VALUES(?,?,?,?,?,?,?,?,?)", -1,
                            &w->candidate, NULL) == SQLITE_OK;
    if (!ok) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        conn_writer_free(w);
        return NULL;
    }
    if (queue_init(&w->full, BATCHES) != 0 || queue_init(&w->empty, BATCHES) != 0) {
        snprintf(err, errlen, "out of memory");
        free(w);
        return NULL;
    }
    for (int i = 0; i < BATCHES; i++) {
        w->batches[i] = calloc(1, sizeof *w->batches[i]);
        if (!w->batches[i] || queue_push(&w->empty, w->batches[i]) != 0) {
            snprintf(err, errlen, "out of memory");
            conn_writer_free(w);
            return NULL;
        }
    }
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, errlen, "cannot start the writer thread");
        conn_writer_free(w);
        return NULL;
    }
    w->started = 1;
    return w;
}

int conn_writer_add(conn_writer *w, const struct connection *c, int requirement_id,
                    int candidate)
{
    if (!w->current && !(w->current = queue_pop(&w->empty)))
        return -1;
    struct conn_row *row = &w->current->rows[w->current->n++];
    int64_t *v = row->v;
    row->nulls = 0;
    row->candidate = candidate;
    v[0] = c->first_tuple;
    v[1] = w->run_id;
    v[2] = c->local;
    v[3] = c->remote;
    v[4] = c->dst_port;
    v[5] = c->direction;
    v[6] = c->protocol;
    v[7] = c->rule_id;
    if (!c->rule_id)
        row->nulls |= 1u << 7;
    v[8] = c->first_ms / 1000;
    v[9] = c->last_ms - c->first_ms;
    v[10] = c->tuples;
    v[11] = c->syns;
    if (!(c->syns && !c->continues && !c->ends))
        row->nulls |= 1u << 11;
    for (int i = 0; i < 4; i++) {
        v[12 + i] = c->counters[i];
        if (!c->has_counters)
            row->nulls |= 1u << (12 + i);
    }
    v[16] = c->cls;
    v[17] = requirement_id;
    if (!requirement_id)
        row->nulls |= 1u << 17;
    if (w->current->n == ROWS_PER_BATCH) {
        if (queue_push(&w->full, w->current) != 0)
            return -1;
        w->current = NULL;
    }
    return w->failed ? -1 : 0;
}

int conn_writer_finish(conn_writer *w, char *err, size_t errlen)
{
    if (w->current && w->current->n && queue_push(&w->full, w->current) == 0)
        w->current = NULL;
    queue_close(&w->full);
    if (w->started) {
        pthread_join(w->thread, NULL);
        w->started = 0;
    }
    if (w->failed) {
        snprintf(err, errlen, "%s", w->error);
        return -1;
    }
    return 0;
}

void conn_writer_free(conn_writer *w)
{
    if (!w)
        return;
    if (w->started) {
        queue_close(&w->full);
        pthread_join(w->thread, NULL);
    }
    sqlite3_finalize(w->one);
    sqlite3_finalize(w->many);
    sqlite3_finalize(w->candidate);
    for (int i = 0; i < BATCHES; i++)
        free(w->batches[i]);
    if (w->full.capacity) {
        queue_destroy(&w->full);
        queue_destroy(&w->empty);
    }
    free(w);
}
