/* findings.c: the analyzers' findings, their evidence and their fixes (see
 * findings.h): denied-required-port, missing-dependency, double-logging,
 * and what they share; asymmetric-return is in returns.c, the judging of
 * sources on the clients' ports in clients.c. */
#include "findings_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/escape.h"
#include "../common/timearg.h"
#include "../ingest/tuple.h"
#include "azcmd.h"
#include "tags.h"

/* ------------------------------------------------------------------ */
/* what the analyzers share                                           */

void text_by_id(sqlite3 *db, const char *sql, int64_t id, char *buf, size_t n)
{
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

void rule_name(sqlite3 *db, int64_t rule_id, char *buf, size_t n)
{
    text_by_id(db, "SELECT name FROM rule WHERE id = ?", rule_id, buf, n);
    if (!buf[0])
        snprintf(buf, n, "(unnamed rule)");
}

void id_segment(const char *id, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    size_t len = strlen(name);
    for (const char *p = id; (p = strchr(p, '/')) != NULL; p++)
        if (strncasecmp(p + 1, name, len) == 0 && p[1 + len] == '/') {
            const char *v = p + 2 + len, *end = strchr(v, '/');
            size_t vn = end ? (size_t)(end - v) : strlen(v);
            snprintf(out, n, "%.*s", (int)vn, v);
            return;
        }
}

void window_text(int64_t first, int64_t last, char *buf, size_t n)
{
    char a[24], b[24];
    time_format(first, a);
    time_format(last, b);
    snprintf(buf, n, "%s and %s", a, b);
}

struct finding *finding_new(struct findings *out)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        struct finding *v = realloc(out->v, cap * sizeof *v);
        if (!v)
            return NULL;
        out->v = v;
        out->cap = cap;
    }
    struct finding *f = &out->v[out->n++];
    memset(f, 0, sizeof *f);
    return f;
}

struct change *finding_change(struct finding *f, enum change_kind k)
{
    if (f->nchanges >= sizeof f->changes / sizeof f->changes[0])
        return NULL;
    struct change *c = &f->changes[f->nchanges++];
    memset(c, 0, sizeof *c);
    c->kind = k;
    return c;
}

struct change *finding_allow_rule(struct finding *f, const struct requirement *q,
                                  const char *rg, const char *nsg, const char *remote,
                                  int before, const char *before_name)
{
    struct change *c = finding_change(f, CHANGE_NSG_RULE);
    if (!c)
        return NULL;
    snprintf(c->resource_group, sizeof c->resource_group, "%s", rg);
    snprintf(c->parent, sizeof c->parent, "%s", nsg);
    c->outbound = q->direction == DIRECTION_OUTBOUND;
    c->protocol = q->protocol;
    snprintf(c->remote, sizeof c->remote, "%s", remote);
    change_set_ports(c, q->ports);
    c->before = before;
    snprintf(c->before_name, sizeof c->before_name, "%s", before_name);
    return c;
}

int finding_add_hour(struct finding *f, int64_t hour, int64_t bad, int64_t good)
{
    size_t i = f->nhours;
    while (i > 0 && f->hours[i - 1].hour > hour)
        i--;
    if (i > 0 && f->hours[i - 1].hour == hour) {
        f->hours[i - 1].bad += bad;
        f->hours[i - 1].good += good;
        return 0;
    }
    if (f->nhours == f->cap_hours) {
        size_t cap = f->cap_hours ? f->cap_hours * 2 : 8;
        struct finding_hour *h = realloc(f->hours, cap * sizeof *h);
        if (!h)
            return -1;
        f->hours = h;
        f->cap_hours = cap;
    }
    memmove(f->hours + i + 1, f->hours + i, (f->nhours - i) * sizeof *f->hours);
    f->hours[i].hour = hour;
    f->hours[i].bad = bad;
    f->hours[i].good = good;
    f->nhours++;
    return 0;
}

int findings_healthy(struct findings *out, const char *analyzer, const char *host,
                     const char *remote, int port)
{
    if (out->nhealthy == out->cap_healthy) {
        size_t cap = out->cap_healthy ? out->cap_healthy * 2 : 64;
        char **v = realloc(out->healthy, cap * sizeof *v);
        if (!v)
            return -1;
        out->healthy = v;
        out->cap_healthy = cap;
    }
    struct strbuf b = {0};
    strbuf_printf(&b, "%s|%s|%s|%d|", analyzer, host, remote, port);
    if (strbuf_failed(&b))
        return -1;
    out->healthy[out->nhealthy++] = b.p;
    return 0;
}

int findings_thin(struct findings *out, const char *analyzer, const char *host,
                  const char *remote, int port, const char *text)
{
    if (out->nthin == out->cap_thin) {
        size_t cap = out->cap_thin ? out->cap_thin * 2 : 16;
        struct thin_note *v = realloc(out->thin, cap * sizeof *v);
        if (!v)
            return -1;
        out->thin = v;
        out->cap_thin = cap;
    }
    struct strbuf p = {0};
    strbuf_printf(&p, "%s|%s|%s|%d|", analyzer, host, remote, port);
    char *t = strdup(text);
    if (strbuf_failed(&p) || !t) {
        strbuf_free(&p);
        free(t);
        return -1;
    }
    out->thin[out->nthin].prefix = p.p;
    out->thin[out->nthin++].text = t;
    return 0;
}

int apim_host_index(const struct apim_hosts *h, int64_t id)
{
    const size_t *i = hashmap_get((struct hashmap *)&h->index, &id, 0);
    return i ? (int)*i : -1;
}

static const char *proto_name(int p)
{
    return p == 6 ? "TCP" : p == 17 ? "UDP" : "?";
}

/* The rule's name in the NSG: flow logs prefix it with UserRule_ or
 * DefaultRule_. */
static const char *nsg_rule_name(const char *logged)
{
    if (strncmp(logged, "UserRule_", 9) == 0)
        return logged + 9;
    return logged;
}

/* Where to change the NSG: its resource group and name, when the flow log
 * is an NSG flow log ("" when the log does not say). */
static void nsg_of(sqlite3 *db, int64_t flow_log_id, char *rg, char *nsg, size_t n)
{
    char rid[512];
    text_by_id(db, "SELECT resource_id FROM flow_log WHERE id = ?", flow_log_id, rid, sizeof rid);
    id_segment(rid, "NETWORKSECURITYGROUPS", nsg, n);
    if (nsg[0])
        id_segment(rid, "RESOURCEGROUPS", rg, n);
    else
        rg[0] = '\0'; /* a VNet flow log's group is the flow log's, not the NSG's */
}

/* ------------------------------------------------------------------ */
/* denied-required-port                                               */

/* How the az command names the remote side. */
static const char *az_prefix(const struct requirement *q)
{
    switch (q->kind) {
    case RK_TAG: case RK_LB: case RK_VNET: case RK_INTERNET:
        return q->remote;
    case RK_DNS:
        return "<your DNS servers, or 168.63.129.16 for Azure DNS>";
    default:
        return "Internet";
    }
}

static void denied_hint(sqlite3 *db, struct finding *f, const struct requirement *q,
                        int64_t flow_log_id)
{
    char rg[128], nsg[128];
    nsg_of(db, flow_log_id, rg, nsg, sizeof rg);
    int default_rule = strncmp(f->rule, "DefaultRule_", 12) == 0;
    strbuf_puts(&f->hint, "Allow it with a rule that the NSG evaluates before ");
    strbuf_puts(&f->hint, nsg_rule_name(f->rule));
    strbuf_puts(&f->hint, default_rule ? " (any free priority from 100 to 4096 does)"
                                       : " (a free priority number below that rule's)");
    strbuf_puts(&f->hint, ".");
    if (!nsg[0])
        strbuf_puts(&f->hint, " The flow log does not name the NSG (VNet flow logs never do):"
                              " fill in the one on the subnet or NIC.");
    /* the rule to add: the fix plan names it and, with the configuration,
     * gives it a free priority before the denying rule */
    finding_allow_rule(f, q, rg, nsg, az_prefix(q), 0, nsg_rule_name(f->rule));
}

/* An External-mode requirement applies to a host in External mode: said so,
 * or seen taking client calls from public addresses. */
static int applies(const struct requirement *q, const struct scan_result *scan,
                   int64_t host, int external)
{
    if (!q->external_only || external)
        return 1;
    const struct host_seen *h = hashmap_get((struct hashmap *)&scan->hosts, &host, 0);
    return h && h->public_clients > 0;
}

/* A denied finding made, in the order made: its key, and whether it counts
 * refused clients only. */
struct denied_made {
    struct denied_key key;
    int clients;
};

/* The series of the denied findings, from the pass's hourly counts in one
 * walk over them: denied connections as bad (the refused clients' only, on
 * the clients' ports: from cv), the same host's allowed connections of the
 * requirement as good. */
static int denied_series(const struct scan_result *scan, const struct client_verdicts *cv,
                         struct findings *out, size_t first, const struct denied_made *made)
{
    struct hashmap by_key, by_req; /* -> a list head: the first finding's index + 1 */
    hashmap_init(&by_key, sizeof(struct denied_key), sizeof(size_t));
    hashmap_init(&by_req, sizeof(struct allowed_key), sizeof(size_t));
    size_t *next = calloc(out->n - first + 1, sizeof *next); /* same requirement, chained */
    int rc = -1;
    if (!next)
        goto done;
    for (size_t i = first; i < out->n; i++) {
        size_t *slot = hashmap_get(&by_key, &made[i - first].key, 1);
        struct allowed_key rk = {made[i - first].key.local, made[i - first].key.requirement};
        size_t *head = hashmap_get(&by_req, &rk, 1);
        if (!slot || !head)
            goto done;
        *slot = i + 1;
        next[i - first] = *head;
        *head = i + 1;
    }
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&scan->hourly, &pos, &kp, &vp)) {
        const struct hourly_key *k = kp;
        const struct hourly_count *c = vp;
        if (k->kind == HOURLY_DENIED) {
            struct denied_key dk = {k->local, k->requirement_or_remote, k->rule_id, k->port};
            size_t *slot = hashmap_get(&by_key, &dk, 0);
            if (slot && !made[*slot - 1 - first].clients &&
                finding_add_hour(&out->v[*slot - 1], k->hour, c->bad, 0) != 0)
                goto done;
        } else if (k->kind == HOURLY_ALLOWED) {
            struct allowed_key rk = {k->local, k->requirement_or_remote};
            size_t *head = hashmap_get(&by_req, &rk, 0);
            for (size_t i = head ? *head : 0; i; i = next[i - 1 - first])
                if (finding_add_hour(&out->v[i - 1], k->hour, 0, c->good) != 0)
                    goto done;
        }
    }
    pos = 0;
    while (hashmap_next(&cv->hourly, &pos, &kp, &vp)) {
        const struct hourly_key *k = kp;
        const struct hourly_count *c = vp;
        struct denied_key dk = {k->local, k->requirement_or_remote, k->rule_id, k->port};
        size_t *slot = hashmap_get(&by_key, &dk, 0);
        if (slot && finding_add_hour(&out->v[*slot - 1], k->hour, c->bad, 0) != 0)
            goto done;
    }
    rc = 0;
done:
    free(next);
    hashmap_free(&by_key);
    hashmap_free(&by_req);
    return rc;
}

static const char *how_matched(const struct requirement *q, int conf)
{
    if (q->kind == RK_NAMED)
        return "by port only: the docs name this dependency by host name, which no flow"
               " log shows";
    return conf == CONF_HIGH ? (q->kind == RK_TAG ? "by port and service tag"
                                                  : "by port and address")
         : conf == CONF_MEDIUM ? "by port and the kind of address (private or public)"
                               : "by port only: no address data can confirm it";
}

/* The ports of q other than port's range, as the docs write them
 * ("443"); sets *count to how many ranges. */
static void other_ports(const struct requirement *q, int port, char *buf, size_t n, int *count)
{
    buf[0] = '\0';
    *count = 0;
    for (int i = 0; i < q->nranges; i++) {
        if (port >= q->first[i] && port <= q->last[i])
            continue;
        size_t used = strlen(buf);
        if (q->first[i] == q->last[i])
            snprintf(buf + used, n - used, "%s%d", used ? "," : "", q->first[i]);
        else
            snprintf(buf + used, n - used, "%s%d-%d", used ? "," : "", q->first[i], q->last[i]);
        (*count)++;
    }
}

/* What a finding on a clients' port adds: who was counted and who was set
 * aside (see clients.c). */
static void clients_evidence(struct finding *f, const struct requirement *q,
                             const struct client_figures *cf)
{
    char others[40];
    int nothers;
    other_ports(q, f->port, others, sizeof others, &nothers);
    strbuf_puts(&f->evidence, " These are the refused clients only:");
    if (cf->retried)
        strbuf_printf(&f->evidence, " %lld retried (came back, or %d or more SYNs)",
                      (long long)cf->retried, CLIENT_SYNS);
    if (cf->other_port)
        strbuf_printf(&f->evidence, "%s %lld also called %s %s of %s", cf->retried ? "," : "",
                      (long long)cf->other_port, nothers == 1 ? "port" : "ports", others, f->host);
    strbuf_puts(&f->evidence, ".");
    int64_t aside = cf->scanners + cf->one_syn;
    if (aside) {
        strbuf_printf(&f->evidence, " %lld other source%s set aside as scanners:",
                      (long long)aside, aside == 1 ? " was" : "s were");
        if (cf->scanners)
            strbuf_printf(&f->evidence, " %lld touched %d or more ports or %d or more hosts",
                          (long long)cf->scanners, SCANNER_PORTS, SCANNER_NICS);
        if (cf->one_syn)
            strbuf_printf(&f->evidence, "%s %lld knocked once and left",
                          cf->scanners ? "," : "", (long long)cf->one_syn);
        strbuf_puts(&f->evidence, ".");
    }
    strbuf_printf(&f->details, ",\"clients_retried\":%lld,\"clients_other_port\":%lld,"
                               "\"set_aside_scanners\":%lld,\"set_aside_one_syn\":%lld",
                  (long long)cf->retried, (long long)cf->other_port, (long long)cf->scanners,
                  (long long)cf->one_syn);
}

/* A denied connection on a clients' port whose sources were all set aside:
 * no finding; the port counts as healthy, so that a finding of the previous
 * window on it is resolved. Returns 0, or -1 when out of memory. */
static int scanners_only(sqlite3 *db, const struct denied_key *k, const struct requirement *q,
                         struct findings *out)
{
    char host[IP_TEXT_MAX];
    addresses_text(db, k->local, host);
    return findings_healthy(out, "denied-required-port", host, q->remote, (int)k->port);
}

static int build_denied(sqlite3 *db, const struct scan_result *scan,
                        const struct client_verdicts *cv, const struct requirements *reqs,
                        const struct apim_hosts *hosts, int external, struct findings *out)
{
    size_t first = out->n;
    struct denied_made *made = NULL;
    size_t nmade = 0, cap_made = 0;
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&scan->denied, &pos, &kp, &vp)) {
        const struct denied_key *k = kp;
        const struct denied_agg *a = vp;
        if (apim_host_index(hosts, k->local) < 0)
            continue;
        const struct requirement *q = &reqs->v[k->requirement];
        if (!applies(q, scan, k->local, external))
            continue;
        /* on the clients' ports, the refused clients' figures only */
        const struct client_figures *cf =
            q->clients ? hashmap_get((struct hashmap *)&cv->figures, k, 0) : NULL;
        if (q->clients && (!cf || !cf->clients.remotes)) {
            if (scanners_only(db, k, q, out) != 0)
                goto nomem;
            continue;
        }
        const struct denied_agg *fig = cf ? &cf->clients : a;
        struct finding *f = finding_new(out);
        if (!f)
            goto nomem;
        if (nmade == cap_made) {
            cap_made = cap_made ? cap_made * 2 : 32;
            struct denied_made *nm = realloc(made, cap_made * sizeof *nm);
            if (!nm)
                goto nomem;
            made = nm;
        }
        made[nmade].key = *k;
        made[nmade++].clients = cf != NULL;
        f->analyzer = "denied-required-port";
        int conf = a->best_confidence;
        /* VirtualNetwork traffic between two APIM hosts is certain */
        int remote_hosts = 0;
        for (int i = 0; i < fig->nsamples; i++)
            remote_hosts += apim_host_index(hosts, fig->samples[i]) >= 0;
        if (q->kind == RK_VNET && remote_hosts > 0)
            conf = CONF_HIGH;
        /* a dependency the docs give only by host name cannot be told from
         * any other address on its port: worth knowing, not an outage */
        f->severity = q->kind == RK_NAMED ? "info" : q->required ? "error" : "warning";
        /* clients reach the gateway on other ports: a port closed on purpose
         * (plain HTTP, say) is worth a look, not an outage */
        const struct host_seen *hs = hashmap_get((struct hashmap *)&scan->hosts, &k->local, 0);
        int partly_open = q->kind == RK_INTERNET && q->direction == DIRECTION_INBOUND &&
                          hs && hs->public_clients > 0;
        if (partly_open && strcmp(f->severity, "error") == 0)
            f->severity = "warning";
        addresses_text(db, k->local, f->host);
        snprintf(f->remote, sizeof f->remote, "%s", q->remote);
        f->port = (int)k->port;
        f->protocol = proto_name(q->protocol);
        int outbound = q->direction == DIRECTION_OUTBOUND;
        f->direction = outbound ? "outbound" : "inbound";
        rule_name(db, k->rule_id, f->rule, sizeof f->rule);
        f->flows = fig->tuples;
        f->connections = fig->connections;
        f->first = fig->first;
        f->last = fig->last;
        f->requirement_id = q->id;
        f->confidence = confidence_name(q->kind == RK_NAMED ? CONF_LOW : conf);
        snprintf(f->title, sizeof f->title, "%s %s %d %s %s is denied by %s",
                 outbound ? "Outbound" : "Inbound", f->protocol, f->port,
                 outbound ? "to" : "from", q->remote, f->rule);
        char window[64];
        window_text(fig->first, fig->last, window, sizeof window);
        strbuf_printf(&f->evidence, "%lld denied connection%s (%lld tuple%s) between %s, %s %s %s"
                                    " %lld address%s (",
                      (long long)fig->connections, fig->connections == 1 ? "" : "s",
                      (long long)fig->tuples, fig->tuples == 1 ? "" : "s", window,
                      outbound ? "from" : "to", f->host, outbound ? "to" : "from",
                      (long long)fig->remotes, fig->remotes == 1 ? "" : "es");
        strbuf_puts(&f->details, "{\"requirement_id\":");
        strbuf_printf(&f->details, "%d,\"purpose\":", q->id);
        json_quote(&f->details, q->purpose);
        strbuf_puts(&f->details, ",\"level\":");
        json_quote(&f->details, q->level);
        strbuf_puts(&f->details, ",\"docs\":");
        json_quote(&f->details, q->docs);
        strbuf_printf(&f->details, ",\"connections\":%lld,\"tuples\":%lld,\"remote_addresses\":[",
                      (long long)fig->connections, (long long)fig->tuples);
        for (int i = 0; i < fig->nsamples; i++) {
            char ip[IP_TEXT_MAX];
            addresses_text(db, fig->samples[i], ip);
            strbuf_printf(&f->evidence, "%s%s", i ? ", " : "", ip);
            if (i)
                strbuf_puts(&f->details, ",");
            json_quote(&f->details, ip);
        }
        if (fig->remotes > fig->nsamples)
            strbuf_puts(&f->evidence, ", ...");
        const char *how = how_matched(q, conf);
        strbuf_printf(&f->evidence, "). They match the requirement \"%s\" (%s in the newest docs;"
                                    " docs: %s), %s.", q->purpose, q->level, q->docs, how);
        if (q->kind == RK_NAMED && q->fqdns[0])
            strbuf_printf(&f->evidence, " The docs name it %s.", q->fqdns);
        if (partly_open)
            strbuf_printf(&f->evidence, " Clients do reach %s on other ports (%lld allowed"
                                        " connections), so this port may be closed on purpose.",
                          f->host, (long long)hs->public_clients);
        strbuf_printf(&f->details, "],\"remote_count\":%lld,\"match\":", (long long)fig->remotes);
        json_quote(&f->details, how);
        if (cf)
            clients_evidence(f, q, cf);
        strbuf_puts(&f->details, "}");
        if (q->kind == RK_NAMED) {
            /* no command: opening the port to every address is not the fix */
            strbuf_printf(&f->hint, "NSGs cannot name hosts. If %s must reach %s, allow it"
                                    " through a firewall with FQDN rules (or an NSG rule for"
                                    " the service tag, where one exists); if these"
                                    " connections went elsewhere, nothing is wrong.",
                          f->host, q->fqdns[0] ? q->fqdns : q->remote);
        } else {
            denied_hint(db, f, q, a->flow_log_id);
        }
    }
    int rc = denied_series(scan, cv, out, first, made);
    free(made);
    return rc;
nomem:
    free(made);
    return -1;
}

/* The requirement ports an APIM host used in the window, allowed or
 * denied: each was judged again. A denied-required-port finding of the
 * previous window for the same host, requirement and port that is not
 * found again (the port is allowed now, or denied by another rule, which
 * is a finding of its own) is resolved, never kept open as "not judged". */
static int note_judged(sqlite3 *db, const struct scan_result *scan,
                       const struct requirements *reqs, const struct apim_hosts *hosts,
                       struct findings *out)
{
    const struct hashmap *seen[] = {&scan->allowed_ports, &scan->denied};
    for (size_t m = 0; m < sizeof seen / sizeof seen[0]; m++) {
        size_t pos = 0;
        const void *kp;
        void *vp;
        while (hashmap_next(seen[m], &pos, &kp, &vp)) {
            const struct denied_key *k = kp;
            if (apim_host_index(hosts, k->local) < 0)
                continue;
            char host[IP_TEXT_MAX];
            addresses_text(db, k->local, host);
            if (findings_healthy(out, "denied-required-port", host,
                                 reqs->v[k->requirement].remote, (int)k->port) != 0)
                return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* missing-dependency and double-logging                              */

static int build_missing(sqlite3 *db, const struct scan_result *scan,
                         const struct requirements *reqs, const struct apim_hosts *hosts,
                         struct findings *out)
{
    for (size_t h = 0; h < hosts->n; h++) {
        for (size_t i = 0; i < reqs->n; i++) {
            const struct requirement *q = &reqs->v[i];
            if (!q->required || q->kind != RK_TAG || q->direction != DIRECTION_OUTBOUND)
                continue;
            struct allowed_key ak = {hosts->ids[h], (int64_t)i};
            if (hashmap_get((struct hashmap *)&scan->allowed, &ak, 0) ||
                hashmap_get((struct hashmap *)&scan->denied_by_requirement, &ak, 0))
                continue; /* allowed, or reported as denied already */
            struct finding *f = finding_new(out);
            if (!f)
                return -1;
            f->analyzer = "missing-dependency";
            f->severity = "info";
            addresses_text(db, hosts->ids[h], f->host);
            snprintf(f->remote, sizeof f->remote, "%s", q->remote);
            f->port = q->first[0];
            f->protocol = proto_name(q->protocol);
            f->direction = "outbound";
            /* the span of the host's own traffic, not of the database's:
             * the same in a shard holding its NIC */
            const struct local_seen *ls = hashmap_get((struct hashmap *)&scan->locals,
                                                      &hosts->ids[h], 0);
            f->first = ls && ls->first ? ls->first : scan->read.min_ts;
            f->last = ls && ls->last ? ls->last : scan->read.max_ts;
            f->requirement_id = q->id;
            f->confidence = "low";
            snprintf(f->title, sizeof f->title, "No allowed connection to %s on %s %s in the window",
                     q->remote, f->protocol, q->ports);
            strbuf_printf(&f->evidence,
                          "%s was active in the window but no allowed connection from it"
                          " reached %s on %s %s (\"%s\", %s). It may take another path (a"
                          " private endpoint, a firewall), be idle, or be blocked where no flow"
                          " log sees it.", f->host, q->remote, f->protocol, q->ports,
                          q->purpose, q->level);
            strbuf_printf(&f->details, "{\"requirement_id\":%d}", q->id);
            strbuf_printf(&f->hint, "Check that %s can reach %s on %s %s: the NSG, the route"
                                    " table and any firewall on the way.",
                          f->host, q->remote, f->protocol, q->ports);
        }
    }
    return 0;
}

static int build_double_logging(const struct scan_result *scan, struct findings *out)
{
    if (!scan->read.doubled_blobs)
        return 0;
    struct finding *f = finding_new(out);
    if (!f)
        return -1;
    f->analyzer = "double-logging";
    f->severity = "info";
    snprintf(f->title, sizeof f->title,
             "The same NICs are logged by NSG flow logs and VNet flow logs");
    f->first = scan->read.min_ts;
    f->last = scan->read.max_ts;
    f->confidence = "high";
    strbuf_printf(&f->evidence,
                  "%lld NIC-hours (MAC %s) are in NSG flow logs and VNet flow logs alike; their"
                  " %lld NSG blobs were left out, so each connection was counted once, from"
                  " the VNet flow logs. Hours in one of them only were read from it.",
                  (long long)scan->read.doubled_hours, scan->read.doubled_macs,
                  (long long)scan->read.doubled_blobs);
    strbuf_printf(&f->details, "{\"nic_hours\":%lld,\"nsg_blobs_left_out\":%lld}",
                  (long long)scan->read.doubled_hours, (long long)scan->read.doubled_blobs);
    strbuf_puts(&f->hint, "NSG flow logs are retired in favour of VNet flow logs: once the VNet"
                          " flow log covers these NICs, disable the NSG flow logs.");
    return 0;
}

/* ------------------------------------------------------------------ */

int severity_rank(const char *s)
{
    return strcmp(s, "error") == 0 ? 0 : strcmp(s, "warning") == 0 ? 1 : 2;
}

static int by_severity(const void *a, const void *b)
{
    const struct finding *x = a, *y = b;
    int c = severity_rank(x->severity) - severity_rank(y->severity);
    if (!c)
        c = strcmp(x->analyzer, y->analyzer);
    if (!c)
        c = strcmp(x->host, y->host);
    if (!c)
        c = x->port - y->port;
    if (!c)
        c = strcmp(x->remote, y->remote);
    if (!c)
        c = strcmp(x->rule, y->rule);
    return c;
}

int findings_build(sqlite3 *db, int64_t run_id, const struct scan_result *scan,
                   const struct requirements *reqs, const addresses *addrs,
                   const struct apim_hosts *hosts, int external,
                   struct findings *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct client_verdicts cv;
    if (clients_judge(db, scan, reqs, addrs, hosts, &cv, err, errlen) != 0)
        return -1;
    int rc = build_denied(db, scan, &cv, reqs, hosts, external, out);
    clients_free(&cv);
    if (rc != 0 ||
        note_judged(db, scan, reqs, hosts, out) != 0 ||
        build_missing(db, scan, reqs, hosts, out) != 0 ||
        build_double_logging(scan, out) != 0) {
        snprintf(err, errlen, "out of memory");
        findings_free(out);
        return -1;
    }
    if (build_returns(db, run_id, scan, addrs, hosts, out, err, errlen) != 0) {
        findings_free(out);
        return -1;
    }
    findings_sort(out);
    return 0;
}

void findings_sort(struct findings *f)
{
    if (f->n > 1)
        qsort(f->v, f->n, sizeof *f->v, by_severity);
}

void findings_free(struct findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        strbuf_free(&f->v[i].evidence);
        strbuf_free(&f->v[i].details);
        strbuf_free(&f->v[i].hint);
        strbuf_free(&f->v[i].commands);
        free(f->v[i].hours);
    }
    for (size_t i = 0; i < f->nhealthy; i++)
        free(f->healthy[i]);
    free(f->healthy);
    for (size_t i = 0; i < f->nthin; i++) {
        free(f->thin[i].prefix);
        free(f->thin[i].text);
    }
    free(f->thin);
    free(f->v);
    memset(f, 0, sizeof *f);
}

void finding_key(const struct finding *f, char *buf, size_t size)
{
    snprintf(buf, size, "%s|%s|%s|%d|%s|%s|%s", f->analyzer, f->host, f->remote, f->port,
             f->protocol ? f->protocol : "", f->direction ? f->direction : "", f->rule);
}
