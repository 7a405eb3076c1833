/* findings.c: the analyzers' findings, their evidence and their fixes (see
 * findings.h): denied-required-port, encryption-drop, missing-dependency,
 * double-logging, and what they share; asymmetric-return is in returns.c, the judging of
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
    if (f->nchanges >= FINDING_CHANGES)
        return NULL;
    /* one more: most findings that call for a change call for one */
    struct change *v = realloc(f->changes, (f->nchanges + 1) * sizeof *v);
    if (!v) {
        f->failed = 1;
        return NULL;
    }
    f->changes = v;
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

/* The next entry of m (an aggregate keyed by struct denied_key) whose
 * local address is an APIM host and whose requirement applies to it: its
 * key, value and requirement. 0 when none is left. */
static int next_applicable(const struct hashmap *m, const struct scan_result *scan,
                           const struct requirements *reqs, const struct apim_hosts *hosts,
                           int external, size_t *pos, const struct denied_key **key, void **value,
                           const struct requirement **q)
{
    const void *kp;
    while (hashmap_next(m, pos, &kp, value)) {
        const struct denied_key *k = kp;
        if (apim_host_index(hosts, k->local) < 0)
            continue;
        *q = &reqs->v[k->requirement];
        if (!applies(*q, scan, k->local, external))
            continue;
        *key = k;
        return 1;
    }
    return 0;
}

/* A denied finding made, in the order made: its key, and whether it counts
 * refused clients only. */
struct denied_made {
    struct denied_key key;
    int clients;
};
struct made_list {
    struct denied_made *v;
    size_t n, cap;
};

/* Notes that the next finding was made for key. Returns 0, or -1 when out
 * of memory. */
static int made_add(struct made_list *m, const struct denied_key *key, int clients)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        struct denied_made *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return -1;
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n].key = *key;
    m->v[m->n++].clients = clients;
    return 0;
}

/* What a finding about requirement q of host local on port says of them:
 * host, remote, port, protocol, direction, requirement and severity (an
 * error when the requirement is required, else a warning; info for one the
 * docs give only by host name, which cannot be told from any other address
 * on its port: worth knowing, not an outage). */
static void finding_about(sqlite3 *db, struct finding *f, const struct requirement *q,
                          int64_t local, int64_t port)
{
    f->severity = q->kind == RK_NAMED ? "info" : q->required ? "error" : "warning";
    addresses_text(db, local, f->host);
    snprintf(f->remote, sizeof f->remote, "%s", q->remote);
    f->port = (int)port;
    f->protocol = proto_name(q->protocol);
    f->direction = q->direction == DIRECTION_OUTBOUND ? "outbound" : "inbound";
    f->requirement_id = q->id;
}

/* The figures of a finding from fig: its counts and times, the evidence's
 * opening ("3 denied connections (5 tuples) between A and B, from H to 2
 * addresses (X, Y)") with `what` ("" for none) before "connection", the details'
 * requirement, counts and remote addresses (the JSON object and array left
 * open: figures_match closes the array). */
static void figures_text(sqlite3 *db, struct finding *f, const struct requirement *q,
                         const struct denied_agg *fig, const char *what)
{
    int outbound = q->direction == DIRECTION_OUTBOUND;
    f->flows = fig->tuples;
    f->connections = fig->connections;
    f->first = fig->first;
    f->last = fig->last;
    char window[64];
    window_text(fig->first, fig->last, window, sizeof window);
    strbuf_printf(&f->evidence, "%lld %s%sconnection%s (%lld tuple%s) between %s, %s %s %s"
                                " %lld address%s (",
                  (long long)fig->connections, what, what[0] ? " " : "",
                  fig->connections == 1 ? "" : "s",
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
    strbuf_puts(&f->evidence, ")");
}

/* The sentence saying which requirement the connections match and how
 * (confidence conf), and the details' remote count and match (the object
 * left open). */
static void figures_match(struct finding *f, const struct requirement *q,
                          const struct denied_agg *fig, int conf)
{
    const char *how = how_matched(q, conf);
    strbuf_printf(&f->evidence, " They match the requirement \"%s\" (%s in the newest docs;"
                                " docs: %s), %s.", q->purpose, q->level, q->docs, how);
    if (q->kind == RK_NAMED && q->fqdns[0])
        strbuf_printf(&f->evidence, " The docs name it %s.", q->fqdns);
    strbuf_printf(&f->details, "],\"remote_count\":%lld,\"match\":", (long long)fig->remotes);
    json_quote(&f->details, how);
}

/* The series of the denied (bad_kind HOURLY_DENIED) or dropped
 * (HOURLY_DROPPED) findings out->v[first..], made in the order of made,
 * from the pass's hourly counts in one walk over them: denied or dropped
 * connections as bad (the refused clients' only, on the clients' ports:
 * from cv, which may be NULL), the same host's allowed connections of the
 * requirement as good. */
static int denied_series(const struct scan_result *scan, int bad_kind,
                         const struct client_verdicts *cv, struct findings *out, size_t first,
                         const struct denied_made *made)
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
        if (k->kind == bad_kind) {
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
    while (cv && hashmap_next(&cv->hourly, &pos, &kp, &vp)) {
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
    struct made_list made = {0};
    size_t pos = 0;
    const struct denied_key *k;
    void *vp;
    const struct requirement *q;
    while (next_applicable(&scan->denied, scan, reqs, hosts, external, &pos, &k, &vp, &q)) {
        const struct denied_agg *a = vp;
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
        if (!f || made_add(&made, k, cf != NULL) != 0)
            goto nomem;
        f->analyzer = "denied-required-port";
        int conf = a->best_confidence;
        /* VirtualNetwork traffic between two APIM hosts is certain */
        int remote_hosts = 0;
        for (int i = 0; i < fig->nsamples; i++)
            remote_hosts += apim_host_index(hosts, fig->samples[i]) >= 0;
        if (q->kind == RK_VNET && remote_hosts > 0)
            conf = CONF_HIGH;
        finding_about(db, f, q, k->local, k->port);
        /* clients reach the gateway on other ports: a port closed on purpose
         * (plain HTTP, say) is worth a look, not an outage */
        const struct host_seen *hs = hashmap_get((struct hashmap *)&scan->hosts, &k->local, 0);
        int partly_open = q->kind == RK_INTERNET && q->direction == DIRECTION_INBOUND &&
                          hs && hs->public_clients > 0;
        if (partly_open && strcmp(f->severity, "error") == 0)
            f->severity = "warning";
        int outbound = q->direction == DIRECTION_OUTBOUND;
        rule_name(db, k->rule_id, f->rule, sizeof f->rule);
        f->confidence = confidence_name(q->kind == RK_NAMED ? CONF_LOW : conf);
        snprintf(f->title, sizeof f->title, "%s %s %d %s %s is denied by %s",
                 outbound ? "Outbound" : "Inbound", f->protocol, f->port,
                 outbound ? "to" : "from", q->remote, f->rule);
        figures_text(db, f, q, fig, "denied");
        strbuf_puts(&f->evidence, ".");
        figures_match(f, q, fig, conf);
        if (partly_open)
            strbuf_printf(&f->evidence, " Clients do reach %s on other ports (%lld allowed"
                                        " connections), so this port may be closed on purpose.",
                          f->host, (long long)hs->public_clients);
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
    int rc = denied_series(scan, HOURLY_DENIED, cv, out, first, made.v);
    free(made.v);
    return rc;
nomem:
    free(made.v);
    return -1;
}

/* ------------------------------------------------------------------ */
/* encryption-drop                                                    */

/* An encryption value that drops packets, as table encryption_state
 * describes it. */
struct drop_text {
    char name[48], meaning[256], remedy[256], policy[40];
};

static void drop_text(sqlite3 *db, int64_t encryption, struct drop_text *t)
{
    memset(t, 0, sizeof *t);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT e.name, s.meaning, coalesce(s.remedy, ''),"
                               " coalesce(s.policy, '') FROM encryption e"
                               " JOIN encryption_state s ON s.name = e.name WHERE e.id = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, encryption);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(t->name, sizeof t->name, "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(t->meaning, sizeof t->meaning, "%s", (const char *)sqlite3_column_text(st, 1));
            snprintf(t->remedy, sizeof t->remedy, "%s", (const char *)sqlite3_column_text(st, 2));
            snprintf(t->policy, sizeof t->policy, "%s", (const char *)sqlite3_column_text(st, 3));
        }
    }
    sqlite3_finalize(st);
    if (!t->name[0])
        snprintf(t->name, sizeof t->name, "(unknown encryption value)");
}

/* An encryption value of a drop finding: its counts and its words. */
struct drop_value {
    struct drop_state n;
    struct drop_text t;
};

/* Most connections first, then by name (the same order in every database,
 * whatever ids it gave the values). */
static int by_connections(const void *a, const void *b)
{
    const struct drop_value *x = a, *y = b;
    if (x->n.connections != y->n.connections)
        return x->n.connections < y->n.connections ? 1 : -1;
    return strcmp(x->t.name, y->t.name);
}

/* The fix of a drop: per encryption value its remedy and, where the VNet's
 * enforcement policy lets it through, the az command that sets it, with
 * the VNet and its resource group from the flow log's target (the VNet or
 * a subnet of it; placeholders when the target is a NIC). */
static void drop_hint(sqlite3 *db, struct finding *f, int64_t example_tuple,
                      const struct drop_value *v, int n)
{
    char target[512], vnet[128], rg[128];
    text_by_id(db, "SELECT coalesce(g.target_resource_id, '') FROM flow_tuple t"
                   " JOIN flow_group g ON g.id = t.group_id WHERE t.id = ?",
               example_tuple, target, sizeof target);
    id_segment(target, "VIRTUALNETWORKS", vnet, sizeof vnet);
    id_segment(target, "RESOURCEGROUPS", rg, sizeof rg);
    if (!vnet[0])
        rg[0] = '\0'; /* a NIC's group need not be its VNet's */
    strbuf_puts(&f->hint, "No NSG rule lets these through: VNet encryption dropped them.");
    struct strbuf note = {0};
    for (int i = 0; i < n; i++) {
        strbuf_printf(&f->hint, " %s: %s", v[i].t.name, v[i].t.remedy);
        if (v[i].t.policy[0]) {
            struct strbuf cmd = {0};
            azcmd_begin(&cmd, "az network vnet update");
            azcmd_name(&cmd, "--resource-group", rg, AZ_RESOURCE_GROUP, "<resource-group>",
                       i ? NULL : &note);
            azcmd_name(&cmd, "--name", vnet, AZ_VNET, "<vnet>", i ? NULL : &note);
            azcmd_arg(&cmd, "--encryption-enforcement-policy", v[i].t.policy);
            strbuf_printf(&f->hint, " (%s)", strbuf_text(&cmd));
            strbuf_free(&cmd);
        }
        strbuf_puts(&f->hint, ".");
    }
    if (strbuf_text(&note)[0])
        strbuf_puts(&f->hint, strbuf_text(&note));
    strbuf_free(&note);
}

/* encryption-drop: connections of an APIM host that match a requirement
 * and that VNet encryption enforcement dropped, per host, requirement and
 * port, naming the encryption values and what each calls for. */
static int build_dropped(sqlite3 *db, const struct scan_result *scan,
                         const struct requirements *reqs, const struct apim_hosts *hosts,
                         int external, struct findings *out)
{
    size_t first = out->n;
    struct made_list made = {0};
    size_t pos = 0;
    const struct denied_key *k;
    void *vp;
    const struct requirement *q;
    while (next_applicable(&scan->dropped, scan, reqs, hosts, external, &pos, &k, &vp, &q)) {
        const struct drop_agg *d = vp;
        struct finding *f = finding_new(out);
        if (!f || made_add(&made, k, 0) != 0)
            goto nomem;
        f->analyzer = "encryption-drop";
        finding_about(db, f, q, k->local, k->port);
        f->confidence = confidence_name(q->kind == RK_NAMED ? CONF_LOW : d->a.best_confidence);
        struct drop_value v[DROP_STATES];
        int n = d->nstates;
        for (int i = 0; i < n; i++) {
            v[i].n = d->states[i];
            drop_text(db, v[i].n.encryption, &v[i].t);
        }
        qsort(v, (size_t)n, sizeof v[0], by_connections);
        struct strbuf names = {0};
        for (int i = 0; i < n; i++)
            strbuf_printf(&names, "%s%s", i ? ", " : "", v[i].t.name);
        int outbound = q->direction == DIRECTION_OUTBOUND;
        snprintf(f->title, sizeof f->title, "%s %s %d %s %s is dropped by VNet encryption"
                 " enforcement (%s)", outbound ? "Outbound" : "Inbound", f->protocol, f->port,
                 outbound ? "to" : "from", q->remote, strbuf_text(&names));
        strbuf_free(&names);
        figures_text(db, f, q, &d->a, "");
        strbuf_puts(&f->evidence, ", dropped by VNet encryption enforcement:");
        for (int i = 0; i < n; i++)
            strbuf_printf(&f->evidence, "%s %lld %s (%lld tuple%s; %s)", i ? "," : "",
                          (long long)v[i].n.connections, v[i].t.name, (long long)v[i].n.tuples,
                          v[i].n.tuples == 1 ? "" : "s", v[i].t.meaning);
        strbuf_puts(&f->evidence, ". The encryption value drops them whatever their flow state"
                                  " says: no NSG rule denied them, and none lets them through.");
        figures_match(f, q, &d->a, d->a.best_confidence);
        strbuf_puts(&f->details, ",\"encryption\":[");
        for (int i = 0; i < n; i++) {
            strbuf_puts(&f->details, i ? ",{\"value\":" : "{\"value\":");
            json_quote(&f->details, v[i].t.name);
            strbuf_printf(&f->details, ",\"connections\":%lld,\"tuples\":%lld}",
                          (long long)v[i].n.connections, (long long)v[i].n.tuples);
        }
        strbuf_puts(&f->details, "]}");
        drop_hint(db, f, d->example_tuple, v, n);
    }
    int rc = denied_series(scan, HOURLY_DROPPED, NULL, out, first, made.v);
    free(made.v);
    return rc;
nomem:
    free(made.v);
    return -1;
}

/* The requirement ports an APIM host used in the window, allowed or
 * denied by a rule: each was judged again. A denied-required-port finding
 * of the previous window for the same host, requirement and port that is
 * not found again (the port is allowed now, or denied by another rule,
 * which is a finding of its own) is resolved, never kept open as "not
 * judged"; an encryption-drop finding is resolved where the port was
 * allowed. Connections no rule decided judge no rule: a port with only
 * platform or dropped connections keeps a previous finding open, saying
 * what the window saw there. */
static int note_judged(sqlite3 *db, const struct scan_result *scan,
                       const struct requirements *reqs, const struct apim_hosts *hosts,
                       struct findings *out)
{
    const struct hashmap *seen[] = {&scan->allowed_ports, &scan->denied, &scan->platform,
                                    &scan->dropped};
    for (size_t m = 0; m < sizeof seen / sizeof seen[0]; m++) {
        size_t pos = 0;
        const void *kp;
        void *vp;
        while (hashmap_next(seen[m], &pos, &kp, &vp)) {
            const struct denied_key *k = kp;
            if (apim_host_index(hosts, k->local) < 0)
                continue;
            const char *remote = reqs->v[k->requirement].remote;
            int port = (int)k->port;
            char host[IP_TEXT_MAX];
            addresses_text(db, k->local, host);
            int rc = 0;
            if (m == 0)
                rc = findings_healthy(out, "encryption-drop", host, remote, port);
            if (m <= 1) {
                rc = rc ? rc : findings_healthy(out, "denied-required-port", host, remote, port);
                if (rc != 0)
                    return -1;
                continue;
            }
            int64_t n = m == 2 ? *(const int64_t *)vp : ((const struct drop_agg *)vp)->a.connections;
            char text[200];
            snprintf(text, sizeof text, "%lld connection%s %s, which no NSG rule decides",
                     (long long)n, n == 1 ? "" : "s",
                     m == 2 ? "of Azure's platform (rule PlatformRule)"
                            : "dropped by VNet encryption enforcement");
            if (findings_thin(out, "denied-required-port", host, remote, port, text) != 0 ||
                (m == 2 && findings_thin(out, "encryption-drop", host, remote, port, text) != 0))
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
    if (rc != 0 || build_dropped(db, scan, reqs, hosts, external, out) != 0 ||
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
        free(f->v[i].changes);
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
