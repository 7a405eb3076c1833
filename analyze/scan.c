/* scan.c: the analysis pass over a window's connections (see scan.h). */
#include "scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/tuple.h"
#include "tags.h"

/* ------------------------------------------------------------------ */
/* sets of address ids                                                */

struct id_set {
    uint32_t *slots;     /* open addressing, 0 = empty; NULL once a bit map */
    size_t cap, count;
    uint8_t *bits;       /* max + 1 bits */
    int64_t max;
};

/* Adds id to *s (created when NULL). Returns 1 when it is new, 0 when it
 * was there, -1 when out of memory. */
static int id_set_add(struct id_set **sp, int64_t id, int64_t max)
{
    struct id_set *s = *sp;
    if (!s) {
        s = *sp = calloc(1, sizeof *s);
        if (!s)
            return -1;
        s->max = max;
    }
    if (id < 1 || id > s->max)
        return 0;
    if (s->bits) {
        uint8_t bit = (uint8_t)(1u << (id & 7));
        if (s->bits[id >> 3] & bit)
            return 0;
        s->bits[id >> 3] |= bit;
        s->count++;
        return 1;
    }
    if ((s->count + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        if (cap * sizeof(uint32_t) > (size_t)(s->max / 8 + 1)) {
            /* a bit map is smaller now */
            uint8_t *bits = calloc((size_t)(s->max >> 3) + 1, 1);
            if (!bits)
                return -1;
            for (size_t i = 0; i < s->cap; i++)
                if (s->slots[i])
                    bits[s->slots[i] >> 3] |= (uint8_t)(1u << (s->slots[i] & 7));
            free(s->slots);
            s->slots = NULL;
            s->bits = bits;
            return id_set_add(sp, id, max);
        }
        uint32_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            uint32_t v = s->slots[i];
            if (!v)
                continue;
            size_t j = (v * 0x9E3779B1u) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = v;
        }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    uint32_t v = (uint32_t)id;
    size_t j = (v * 0x9E3779B1u) & (s->cap - 1);
    while (s->slots[j]) {
        if (s->slots[j] == v)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->slots[j] = v;
    s->count++;
    return 1;
}

static void id_set_free(struct id_set *s)
{
    if (!s)
        return;
    free(s->slots);
    free(s->bits);
    free(s);
}

/* ------------------------------------------------------------------ */
/* the pass                                                           */

struct pass {
    struct scan_result *r;
    const struct requirements *reqs;
    const addresses *addrs;
    conn_writer *writer;
    int failed;
};

/* The hourly counter for a key (created zeroed). */
static struct hourly_count *hourly(struct scan_result *r, int kind, int64_t local, int64_t b,
                                   int64_t rule_id, int64_t port, int64_t ts)
{
    struct hourly_key k = {kind, local, b, rule_id, port, ts - ts % 3600};
    return hashmap_get(&r->hourly, &k, 1);
}

static void note_source(struct scan_result *r, const struct connection *c)
{
    if (c->remote < 1 || c->remote > r->max_address)
        return;
    struct source_note *n = &r->sources[c->remote];
    if (n->connections < 255)
        n->connections++;
    int known = 0;
    for (int i = 0; i < n->nports && i < 2; i++)
        known |= n->ports[i] == c->dst_port;
    if (!known && n->nports < 255) {
        if (n->nports < 2)
            n->ports[n->nports] = (uint16_t)c->dst_port;
        n->nports++; /* past 2 it counts ports it may have seen before */
    }
    n->nics |= (uint16_t)(1u << ((uint64_t)c->nic & 15));
}

int scan_is_scanner(const struct source_note *note)
{
    return note && (note->nports >= SCANNER_PORTS ||
                    __builtin_popcount(note->nics) >= SCANNER_NICS);
}

/* The examples are the lowest addresses: the same list whatever order the
 * connections come in and whatever ids the database gave the addresses, so
 * a shard holding the host's NIC names the examples one database of
 * everything does. */
void scan_keep_lowest(const addresses *addrs, struct denied_agg *a, int64_t remote)
{
    int i = a->nsamples;
    if (i == DENIED_SAMPLES) {
        if (addresses_cmp(addrs, remote, a->samples[i - 1]) >= 0)
            return;
        i--; /* the highest makes room */
    } else {
        a->nsamples++;
    }
    for (; i > 0 && addresses_cmp(addrs, a->samples[i - 1], remote) > 0; i--)
        a->samples[i] = a->samples[i - 1];
    a->samples[i] = remote;
}

/* A denied connection to a port of the clients' requirement qi, per source
 * and hour (clients.c tells refused clients from scanners by them). */
static int note_client(struct scan_result *r, const struct connection *c, int64_t qi,
                       int64_t start)
{
    struct client_key k = {c->local, qi, c->rule_id, c->dst_port, c->remote,
                           start - start % 3600};
    struct client_count *n = hashmap_get(&r->client_denied, &k, 1);
    if (!n)
        return -1;
    if (!n->connections || start < n->first)
        n->first = start;
    if (c->last_ms / 1000 > n->last)
        n->last = c->last_ms / 1000;
    n->connections++;
    n->syns += c->syns > 1 ? c->syns : 1;
    n->tuples += c->tuples;
    return 0;
}

/* Adds connection c (which began at start, matched with confidence conf)
 * to a: its counts, time range and remote addresses. Returns 0, or -1 when
 * out of memory. */
static int agg_add(const struct pass *p, struct denied_agg *a, const struct connection *c,
                   int64_t start, int conf)
{
    if (!a->connections) {
        a->first = start;
        a->flow_log_id = c->flow_log_id;
    }
    a->connections++;
    a->tuples += c->tuples;
    if (start < a->first)
        a->first = start;
    if (c->last_ms / 1000 > a->last)
        a->last = c->last_ms / 1000;
    if (conf > a->best_confidence)
        a->best_confidence = conf;
    int fresh = id_set_add(&a->seen, c->remote, p->r->max_address);
    if (fresh < 0)
        return -1;
    if (fresh) {
        a->remotes++;
        scan_keep_lowest(p->addrs, a, c->remote);
    }
    return 0;
}

/* A connection dropped by encryption enforcement that matched requirement
 * qi. Returns 0, or -1 when out of memory. */
static int add_dropped(const struct pass *p, const struct connection *c, int64_t qi,
                       int64_t start, int conf)
{
    struct scan_result *r = p->r;
    struct denied_key k = {c->local, qi, 0, c->dst_port};
    struct drop_agg *d = hashmap_get(&r->dropped, &k, 1);
    struct hourly_count *hc = hourly(r, HOURLY_DROPPED, c->local, qi, 0, c->dst_port, start);
    struct allowed_key bk = {c->local, qi};
    int64_t *by_req = hashmap_get(&r->denied_by_requirement, &bk, 1);
    if (!d || !hc || !by_req)
        return -1;
    hc->bad++;
    (*by_req)++;
    if (!d->a.connections)
        d->example_tuple = c->first_tuple;
    if (agg_add(p, &d->a, c, start, conf) != 0)
        return -1;
    int i = 0;
    while (i < d->nstates && d->states[i].encryption != c->drop_encryption)
        i++;
    if (i == d->nstates) {
        if (i == DROP_STATES)
            return 0; /* (the table has three values that drop) */
        d->states[d->nstates++].encryption = c->drop_encryption;
    }
    d->states[i].connections++;
    d->states[i].tuples += c->tuples;
    return 0;
}

/* A connection denied by a rule that matched requirement q. Returns 0, or
 * -1 when out of memory. */
static int add_denied(const struct pass *p, const struct connection *c,
                      const struct requirement *q, int64_t start, int conf)
{
    struct scan_result *r = p->r;
    int64_t qi = q - p->reqs->v;
    struct hourly_count *hc = hourly(r, HOURLY_DENIED, c->local, qi, c->rule_id,
                                     c->dst_port, start);
    struct allowed_key bk = {c->local, qi};
    int64_t *by_req = hashmap_get(&r->denied_by_requirement, &bk, 1);
    struct denied_key k = {c->local, qi, c->rule_id, c->dst_port};
    struct denied_agg *a = hashmap_get(&r->denied, &k, 1);
    if (!hc || !by_req || !a)
        return -1;
    hc->bad++;
    (*by_req)++;
    if (agg_add(p, a, c, start, conf) != 0)
        return -1;
    return q->clients ? note_client(r, c, qi, start) : 0;
}

/* A connection the NSG allowed that matched requirement q. Returns 0, or
 * -1 when out of memory. */
static int add_allowed(const struct pass *p, const struct connection *c,
                       const struct requirement *q, int64_t start)
{
    struct scan_result *r = p->r;
    struct allowed_key k = {c->local, q - p->reqs->v};
    int64_t *allowed = hashmap_get(&r->allowed, &k, 1);
    struct denied_key pk = {c->local, k.requirement, 0, c->dst_port};
    int64_t *on_port = hashmap_get(&r->allowed_ports, &pk, 1);
    struct hourly_count *hc = hourly(r, HOURLY_ALLOWED, c->local, k.requirement, 0, 0, start);
    if (!allowed || !on_port || !hc)
        return -1;
    (*allowed)++;
    (*on_port)++;
    hc->good++;
    return 0;
}

/* What the connection says about its local address and NIC (coverage.c),
 * and about the host being an APIM instance. Returns 0, or -1 when out of
 * memory. */
static int note_local(struct scan_result *r, const struct connection *c, const struct remote_info *ri,
                      const struct remote_info *ri_local, int64_t start)
{
    int in = c->direction == DIRECTION_INBOUND, tcp = c->protocol == 6;
    int through = c->cls != CONN_DENIED && c->cls != CONN_ENCRYPTION_DROP;
    struct local_seen *ls = hashmap_get(&r->locals, &c->local, 1);
    if (!ls)
        return -1;
    if (!ls->nic)
        ls->nic = c->nic;
    if (!ls->first || start < ls->first)
        ls->first = start;
    if (c->last_ms / 1000 > ls->last)
        ls->last = c->last_ms / 1000;
    ls->formats |= 1u << (c->format & 31);
    if (c->nic && through) {
        struct nic_seen *ns = hashmap_get(&r->nics, &c->nic, 1);
        if (!ns)
            return -1;
        ns->connections++;
        if (c->format == FORMAT_VNET_V4) {
            ns->vnet++;
            ns->begins += c->begins;
            ns->ends += c->ends;
        }
    }
    if (!ri)
        return 0;
    /* platform traffic says nothing of what calls the host (it may be the
     * platform's own, or replies), only where the host is */
    int workload = !c->platform;
    int mgmt = workload && in && tcp && c->dst_port == 3443 &&
               (ri->is_control_plane || (ri->tags & (1u << TAG_API_MANAGEMENT)));
    int probe = workload && in && tcp && c->dst_port == 6390 && ri->is_lb;
    int client = workload && in && through && tcp && (c->dst_port == 443 || c->dst_port == 80) &&
                 !ri->is_private && !ri->is_lb;
    int inside = ri_local && ri_local->in_apim_subnet;
    if (mgmt || probe || client || inside) {
        struct host_seen *h = hashmap_get(&r->hosts, &c->local, 1);
        if (!h)
            return -1;
        h->management += mgmt;
        h->probes += probe;
        h->public_clients += client;
        h->in_subnet += inside;
    }
    return 0;
}

static int on_connection(void *ctx, const struct connection *c)
{
    struct pass *p = ctx;
    struct scan_result *r = p->r;
    const struct remote_info *ri = addresses_info(p->addrs, c->remote);
    int in = c->direction == DIRECTION_INBOUND, tcp = c->protocol == 6;
    int deny = c->cls == CONN_DENIED, dropped = c->cls == CONN_ENCRYPTION_DROP;
    /* the logged rule decided: not encryption, not the platform */
    int by_rule = !dropped && !c->platform;
    int64_t start = c->first_ms / 1000;
    const struct requirement *q = NULL;
    int conf = 0;
    if (ri)
        q = requirements_match(p->reqs, c->direction, c->protocol, c->dst_port, ri, &conf);
    if (start < r->judge_from) /* judged by the previous window: only written */
        goto write;
    r->connections++;
    r->class_counts[c->cls]++;
    if (note_local(r, c, ri, addresses_info(p->addrs, c->local), start) != 0)
        goto nomem;
    if (in && tcp && !c->platform)
        note_source(r, c);
    if (!q)
        goto write;
    int rc = 0;
    if (dropped) {
        rc = add_dropped(p, c, q - p->reqs->v, start, conf);
    } else if (c->platform) {
        struct denied_key k = {c->local, q - p->reqs->v, 0, c->dst_port};
        int64_t *n = hashmap_get(&r->platform, &k, 1);
        if (!n)
            goto nomem;
        (*n)++;
    } else if (deny) {
        rc = add_denied(p, c, q, start, conf);
    } else {
        rc = add_allowed(p, c, q, start);
    }
    if (rc != 0)
        goto nomem;
write:;
    /* what asymmetric-return judges: allowed inbound TCP on 443 and 3443;
     * and the allowed calls on the clients' ports (clients.c) */
    int candidate = in && tcp && !deny && by_rule && start >= r->judge_from &&
                    (c->dst_port == 443 || c->dst_port == 3443 || (q && q->clients));
    if (conn_writer_add(p->writer, c, q ? q->id : 0, candidate) != 0) {
        p->failed = 2;
        return 1;
    }
    return 0;
nomem:
    p->failed = 1;
    return 1;
}

/* Frees the address sets of the aggregates in m (values that start with a
 * struct denied_agg). */
static void free_sets(struct hashmap *m)
{
    size_t pos = 0;
    const void *k;
    void *v;
    while (hashmap_next(m, &pos, &k, &v)) {
        struct denied_agg *a = v;
        id_set_free(a->seen);
        a->seen = NULL;
    }
}

int scan_window(sqlite3 *read_db, sqlite3 *db, int64_t from, int64_t judge_from, int64_t to,
                int64_t run_id, const struct requirements *reqs, const addresses *addrs,
                struct scan_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->judge_from = judge_from;
    hashmap_init(&r->hosts, sizeof(int64_t), sizeof(struct host_seen));
    hashmap_init(&r->locals, sizeof(int64_t), sizeof(struct local_seen));
    hashmap_init(&r->nics, sizeof(int64_t), sizeof(struct nic_seen));
    hashmap_init(&r->denied, sizeof(struct denied_key), sizeof(struct denied_agg));
    hashmap_init(&r->client_denied, sizeof(struct client_key), sizeof(struct client_count));
    hashmap_init(&r->allowed, sizeof(struct allowed_key), sizeof(int64_t));
    hashmap_init(&r->denied_by_requirement, sizeof(struct allowed_key), sizeof(int64_t));
    hashmap_init(&r->dropped, sizeof(struct denied_key), sizeof(struct drop_agg));
    hashmap_init(&r->platform, sizeof(struct denied_key), sizeof(int64_t));
    hashmap_init(&r->allowed_ports, sizeof(struct denied_key), sizeof(int64_t));
    hashmap_init(&r->hourly, sizeof(struct hourly_key), sizeof(struct hourly_count));
    r->max_address = addresses_max_id(addrs);
    r->sources = calloc((size_t)r->max_address + 1, sizeof *r->sources);
    if (!r->sources) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct pass p = {.r = r, .reqs = reqs, .addrs = addrs};
    p.writer = conn_writer_new(db, run_id, err, errlen);
    if (!p.writer)
        return -1;
    int rc = connections_read(read_db, from, to, on_connection, &p, &r->read, err, errlen);
    if (rc != 0 && p.failed == 1)
        snprintf(err, errlen, "out of memory");
    char werr[256];
    if (conn_writer_finish(p.writer, werr, sizeof werr) != 0) {
        snprintf(err, errlen, "%s", werr);
        rc = -1;
    }
    conn_writer_free(p.writer);
    /* the sets have been counted */
    free_sets(&r->denied);
    free_sets(&r->dropped);
    return rc;
}

void scan_free(struct scan_result *r)
{
    free_sets(&r->denied);
    free_sets(&r->dropped);
    hashmap_free(&r->hourly);
    hashmap_free(&r->hosts);
    hashmap_free(&r->locals);
    hashmap_free(&r->nics);
    hashmap_free(&r->denied);
    hashmap_free(&r->client_denied);
    hashmap_free(&r->allowed);
    hashmap_free(&r->denied_by_requirement);
    hashmap_free(&r->dropped);
    hashmap_free(&r->platform);
    hashmap_free(&r->allowed_ports);
    free(r->sources);
    r->sources = NULL;
}

const struct source_note *scan_source(const struct scan_result *r, int64_t address)
{
    return address >= 1 && address <= r->max_address ? &r->sources[address] : NULL;
}
