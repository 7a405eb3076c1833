/* clients.c: refused clients, told from scanners, on the clients' ports (a
 * requirement with `clients` set: inbound TCP 80 and 443 from the Internet,
 * External mode). Scanners knock on such ports all day, and an NSG that
 * denies plain HTTP often means to; what breaks an instance is clients
 * refused. Each source denied on such a port of an APIM host is judged by
 * the window (client_verdict): a scanner, a refused client, or a source
 * that sent one SYN and never came back. denied-required-port (findings.c)
 * reports a port only for its refused clients, with their figures alone,
 * and says how many sources it set aside.
 *
 * Memory: the pass's records of the denied sources (scan.h) and a few maps
 * over them. The allowed calls of the sources whose note says they may
 * have called another of the requirement's ports are looked up in
 * temp.return_candidate, with one join. */
#include "findings_int.h"

#include <stdio.h>
#include <string.h>

int client_verdict(const struct source_note *note, int64_t syns, int64_t connections,
                   int other_port)
{
    if (scan_is_scanner(note))
        return SOURCE_SCANNER;
    return syns >= CLIENT_SYNS || connections >= 2 || other_port ? SOURCE_CLIENT
                                                                  : SOURCE_ONE_SYN;
}

/* A source's denied connections to a host's port, per rule. */
struct source_key {
    int64_t local, requirement, rule_id, port, remote;
};
struct source_val {
    struct client_count n;
    int verdict;
};

/* A source's SYNs and connections to a host's port, whatever the rule. */
struct port_key {
    int64_t local, requirement, port, remote;
};
struct port_val {
    int64_t syns, connections;
};

/* What a source called of a host's clients' ports: bit i for the
 * requirement's port range i. */
struct pair_key {
    int64_t local, requirement, remote;
};
struct pair_val {
    uint32_t denied, allowed;
};

struct judging {
    struct hashmap sources;   /* struct source_key -> struct source_val */
    struct hashmap syns;      /* struct port_key -> struct port_val */
    struct hashmap pairs;     /* struct pair_key -> struct pair_val */
};

/* The bit of port's range in q (0 when none). */
static uint32_t range_bit(const struct requirement *q, int64_t port)
{
    for (int i = 0; i < q->nranges; i++)
        if (port >= q->first[i] && port <= q->last[i])
            return 1u << i;
    return 0;
}

/* The pass's records of the hosts, summed per source and port. */
static int gather(const struct scan_result *scan, const struct requirements *reqs,
                  const struct apim_hosts *hosts, struct judging *j)
{
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&scan->client_denied, &pos, &kp, &vp)) {
        const struct client_key *k = kp;
        const struct client_count *n = vp;
        if (apim_host_index(hosts, k->local) < 0)
            continue;
        struct source_key sk = {k->local, k->requirement, k->rule_id, k->port, k->remote};
        struct source_val *s = hashmap_get(&j->sources, &sk, 1);
        if (!s)
            return -1;
        if (!s->n.connections || n->first < s->n.first)
            s->n.first = n->first;
        if (n->last > s->n.last)
            s->n.last = n->last;
        s->n.connections += n->connections;
        s->n.syns += n->syns;
        s->n.tuples += n->tuples;
        struct port_key pk = {k->local, k->requirement, k->port, k->remote};
        struct port_val *tried = hashmap_get(&j->syns, &pk, 1);
        struct pair_key ak = {k->local, k->requirement, k->remote};
        struct pair_val *a = tried ? hashmap_get(&j->pairs, &ak, 1) : NULL;
        if (!a)
            return -1;
        tried->syns += n->syns;
        tried->connections += n->connections;
        a->denied |= range_bit(&reqs->v[k->requirement], k->port);
    }
    return 0;
}

/* The allowed calls on the clients' ports of the sources that may have made
 * some: those (not scanners) whose note names a port of the requirement
 * they were not denied on. Returns 0, or -1 with err. */
static int look_up_allowed(sqlite3 *db, const struct scan_result *scan,
                           const struct requirements *reqs, struct judging *j,
                           char *err, size_t errlen)
{
    sqlite3_stmt *ins = NULL, *sel = NULL;
    int64_t wanted = 0;
    if (sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS client_pair(local INTEGER,"
                         " remote INTEGER, PRIMARY KEY (local, remote)) WITHOUT ROWID;"
                         " DELETE FROM temp.client_pair", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO temp.client_pair VALUES(?, ?)", -1, &ins,
                           NULL) != SQLITE_OK)
        goto fail;
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&j->pairs, &pos, &kp, &vp)) {
        const struct pair_key *k = kp;
        const struct pair_val *a = vp;
        const struct source_note *note = scan_source(scan, k->remote);
        if (!note || scan_is_scanner(note))
            continue;
        /* not a scanner: fewer than 3 ports, all of them in the note */
        uint32_t called = 0;
        for (int i = 0; i < note->nports && i < 2; i++)
            called |= range_bit(&reqs->v[k->requirement], note->ports[i]);
        if (!(called & ~a->denied))
            continue;
        sqlite3_bind_int64(ins, 1, k->local);
        sqlite3_bind_int64(ins, 2, k->remote);
        int rc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (rc != SQLITE_DONE)
            goto fail;
        wanted++;
    }
    if (!wanted)
        goto done;
    /* CROSS JOIN: one walk over the candidates, each probing the pairs */
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT c.local, c.remote, c.port"
                               " FROM temp.return_candidate c CROSS JOIN temp.client_pair p"
                               " WHERE p.local = c.local AND p.remote = c.remote", -1, &sel,
                           NULL) != SQLITE_OK)
        goto fail;
    int rc;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        int64_t local = sqlite3_column_int64(sel, 0), remote = sqlite3_column_int64(sel, 1);
        int64_t port = sqlite3_column_int64(sel, 2);
        for (size_t i = 0; i < reqs->n; i++) {
            if (!reqs->v[i].clients)
                continue;
            struct pair_key k = {local, (int64_t)i, remote};
            struct pair_val *a = hashmap_get(&j->pairs, &k, 0);
            if (a)
                a->allowed |= range_bit(&reqs->v[i], port);
        }
    }
    if (rc != SQLITE_DONE)
        goto fail;
done:
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    return 0;
fail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    return -1;
}

/* Judges every source and adds it to its host, requirement, rule and port. */
static int judge_sources(const struct scan_result *scan, const struct requirements *reqs,
                         const addresses *addrs, struct judging *j, struct client_verdicts *out)
{
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&j->sources, &pos, &kp, &vp)) {
        const struct source_key *k = kp;
        struct source_val *s = vp;
        struct port_key pk = {k->local, k->requirement, k->port, k->remote};
        struct pair_key ak = {k->local, k->requirement, k->remote};
        const struct port_val *tried = hashmap_get(&j->syns, &pk, 0);
        const struct pair_val *a = hashmap_get(&j->pairs, &ak, 0);
        uint32_t own = range_bit(&reqs->v[k->requirement], k->port);
        int other = a && ((a->denied | a->allowed) & ~own);
        s->verdict = client_verdict(scan_source(scan, k->remote), tried ? tried->syns : 0,
                                    tried ? tried->connections : 0, other);
        struct denied_key dk = {k->local, k->requirement, k->rule_id, k->port};
        struct client_figures *f = hashmap_get(&out->figures, &dk, 1);
        if (!f)
            return -1;
        if (s->verdict == SOURCE_SCANNER) {
            f->scanners++;
            continue;
        }
        if (s->verdict == SOURCE_ONE_SYN) {
            f->one_syn++;
            continue;
        }
        if (tried && (tried->syns >= CLIENT_SYNS || tried->connections >= 2))
            f->retried++;
        else
            f->other_port++;
        struct denied_agg *c = &f->clients;
        if (!c->connections || s->n.first < c->first)
            c->first = s->n.first;
        if (s->n.last > c->last)
            c->last = s->n.last;
        c->connections += s->n.connections;
        c->tuples += s->n.tuples;
        c->remotes++;
        scan_keep_lowest(addrs, c, k->remote);
    }
    return 0;
}

/* The clients' denied connections per hour. */
static int clients_hourly(const struct scan_result *scan, struct judging *j,
                          struct client_verdicts *out)
{
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&scan->client_denied, &pos, &kp, &vp)) {
        const struct client_key *k = kp;
        const struct client_count *n = vp;
        struct source_key sk = {k->local, k->requirement, k->rule_id, k->port, k->remote};
        const struct source_val *s = hashmap_get(&j->sources, &sk, 0);
        if (!s || s->verdict != SOURCE_CLIENT)
            continue;
        struct hourly_key hk = {HOURLY_DENIED, k->local, k->requirement, k->rule_id, k->port,
                                k->hour};
        struct hourly_count *h = hashmap_get(&out->hourly, &hk, 1);
        if (!h)
            return -1;
        h->bad += n->connections;
    }
    return 0;
}

int clients_judge(sqlite3 *db, const struct scan_result *scan, const struct requirements *reqs,
                  const addresses *addrs, const struct apim_hosts *hosts,
                  struct client_verdicts *out, char *err, size_t errlen)
{
    struct judging j;
    hashmap_init(&j.sources, sizeof(struct source_key), sizeof(struct source_val));
    hashmap_init(&j.syns, sizeof(struct port_key), sizeof(struct port_val));
    hashmap_init(&j.pairs, sizeof(struct pair_key), sizeof(struct pair_val));
    hashmap_init(&out->figures, sizeof(struct denied_key), sizeof(struct client_figures));
    hashmap_init(&out->hourly, sizeof(struct hourly_key), sizeof(struct hourly_count));
    int rc = 0;
    if (gather(scan, reqs, hosts, &j) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    } else if (j.pairs.count && look_up_allowed(db, scan, reqs, &j, err, errlen) != 0) {
        rc = -1;
    } else if (judge_sources(scan, reqs, addrs, &j, out) != 0 ||
               clients_hourly(scan, &j, out) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    hashmap_free(&j.sources);
    hashmap_free(&j.syns);
    hashmap_free(&j.pairs);
    if (rc != 0)
        clients_free(out);
    return rc;
}

void clients_free(struct client_verdicts *v)
{
    hashmap_free(&v->figures);
    hashmap_free(&v->hourly);
}
