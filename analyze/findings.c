/* findings.c: the analyzers' findings, their evidence and their fixes (see
 * findings.h). */
#include "findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/escape.h"
#include "azcmd.h"
#include "../ingest/tuple.h"
#include "tags.h"
#include "../common/timearg.h"

/* Thresholds of asymmetric-return: a source is a finding when at least
 * LOST_MIN of its connections, and at least half of them, lost their
 * replies. One retransmitted SYN now and then is ordinary loss. */
#define LOST_MIN 3

/* ------------------------------------------------------------------ */
/* small lookups                                                      */

static void text_by_id(sqlite3 *db, const char *sql, int64_t id, char *buf, size_t n)
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

static void rule_name(sqlite3 *db, int64_t rule_id, char *buf, size_t n)
{
    text_by_id(db, "SELECT name FROM rule WHERE id = ?", rule_id, buf, n);
    if (!buf[0])
        snprintf(buf, n, "(unnamed rule)");
}

/* The segment after "/NAME/" in an Azure resource id, e.g. the resource
 * group after RESOURCEGROUPS. */
static void id_segment(const char *id, const char *name, char *out, size_t n)
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

/* Where to change the NSG: its resource group and name, when the flow log
 * is an NSG flow log; placeholders otherwise. */
static void nsg_of(sqlite3 *db, int64_t flow_log_id, char *rg, char *nsg, size_t n)
{
    char rid[512];
    text_by_id(db, "SELECT resource_id FROM flow_log WHERE id = ?", flow_log_id, rid, sizeof rid);
    id_segment(rid, "RESOURCEGROUPS", rg, n);
    id_segment(rid, "NETWORKSECURITYGROUPS", nsg, n);
    if (!nsg[0]) { /* a VNet flow log does not name the NSG */
        snprintf(rg, n, "<resource-group>");
        snprintf(nsg, n, "<nsg-name>");
    } else if (!rg[0]) {
        snprintf(rg, n, "<resource-group>");
    }
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

static struct finding *new_finding(struct findings *out)
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

static int host_index(const struct apim_hosts *h, int64_t id)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->ids[i] == id)
            return (int)i;
    return -1;
}

static void window_text(int64_t first, int64_t last, char *buf, size_t n)
{
    char a[24], b[24];
    time_format(first, a);
    time_format(last, b);
    snprintf(buf, n, "%s and %s", a, b);
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
    int out = q->direction == DIRECTION_OUTBOUND;
    int default_rule = strncmp(f->rule, "DefaultRule_", 12) == 0;
    strbuf_puts(&f->hint, "Allow it with a rule that the NSG evaluates before ");
    strbuf_puts(&f->hint, nsg_rule_name(f->rule));
    strbuf_puts(&f->hint, default_rule ? " (any free priority from 100 to 4096 does)"
                                       : " (a free priority number below that rule's)");
    strbuf_puts(&f->hint, ".");
    if (!nsg[0])
        strbuf_puts(&f->hint, " VNet flow logs do not name the NSG: fill in the one on the"
                              " subnet or NIC.");
    char name[96];
    snprintf(name, sizeof name, "Allow-%s-%d-%s", q->remote, f->port, out ? "Outbound" : "Inbound");
    char port[8];
    snprintf(port, sizeof port, "%d", f->port);
    azcmd_begin(&f->commands, "az network nsg rule create");
    azcmd_name(&f->commands, "--resource-group", rg, AZ_RESOURCE_GROUP, "<resource-group>", &f->hint);
    azcmd_name(&f->commands, "--nsg-name", nsg, AZ_RESOURCE, "<nsg-name>", &f->hint);
    azcmd_arg(&f->commands, "--name", name);
    azcmd_arg(&f->commands, "--priority", default_rule ? "<free priority 100-4096>"
                                                       : "<free priority below the denying rule>");
    azcmd_arg(&f->commands, "--direction", out ? "Outbound" : "Inbound");
    azcmd_arg(&f->commands, "--access", "Allow");
    azcmd_arg(&f->commands, "--protocol", q->protocol == 17 ? "Udp" : "Tcp");
    azcmd_arg(&f->commands, "--source-address-prefixes", out ? "VirtualNetwork" : az_prefix(q));
    azcmd_arg(&f->commands, "--source-port-ranges", "*");
    azcmd_arg(&f->commands, "--destination-address-prefixes", out ? az_prefix(q) : "VirtualNetwork");
    azcmd_arg(&f->commands, "--destination-port-ranges", port);
    if (q->kind == RK_NAMED && q->fqdns[0])
        strbuf_printf(&f->hint, " NSGs cannot name hosts: the docs ask for %s; allow the"
                                " port to Internet, or send it through a firewall with"
                                " FQDN rules.", q->fqdns);
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

static int build_denied(sqlite3 *db, const struct scan_result *scan,
                        const struct requirements *reqs, const addresses *addrs,
                        const struct apim_hosts *hosts, int external,
                        struct findings *out)
{
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&scan->denied, &pos, &kp, &vp)) {
        const struct denied_key *k = kp;
        const struct denied_agg *a = vp;
        if (host_index(hosts, k->local) < 0)
            continue;
        const struct requirement *q = &reqs->v[k->requirement];
        if (!applies(q, scan, k->local, external))
            continue;
        struct finding *f = new_finding(out);
        if (!f)
            return -1;
        f->analyzer = "denied-required-port";
        f->severity = q->required ? "error" : "warning";
        /* clients reach the gateway on other ports: a port closed on purpose
         * (plain HTTP, say) is worth a look, not an outage */
        const struct host_seen *hs = hashmap_get((struct hashmap *)&scan->hosts, &k->local, 0);
        int partly_open = q->kind == RK_INTERNET && q->direction == DIRECTION_INBOUND &&
                          hs && hs->public_clients > 0;
        if (partly_open)
            f->severity = "warning";
        addresses_text(db, k->local, f->host);
        snprintf(f->remote, sizeof f->remote, "%s", q->remote);
        f->port = (int)k->port;
        f->protocol = proto_name(q->protocol);
        int outbound = q->direction == DIRECTION_OUTBOUND;
        f->direction = outbound ? "outbound" : "inbound";
        rule_name(db, k->rule_id, f->rule, sizeof f->rule);
        f->flows = a->flows;
        f->first = a->first;
        f->last = a->last;
        f->requirement_id = q->id;
        f->series_kind = HOURLY_DENIED;
        f->series_local = k->local;
        f->series_b = k->requirement;
        f->series_rule = k->rule_id;
        f->series_port = k->port;
        int conf = a->best_confidence;
        /* VirtualNetwork traffic between two APIM hosts is certain */
        int remote_hosts = 0;
        for (int i = 0; i < a->nsamples; i++)
            remote_hosts += host_index(hosts, a->samples[i]) >= 0;
        if (q->kind == RK_VNET && remote_hosts > 0)
            conf = CONF_HIGH;
        f->confidence = confidence_name(conf);
        snprintf(f->title, sizeof f->title, "%s %s %d %s %s is denied by %s",
                 outbound ? "Outbound" : "Inbound", f->protocol, f->port,
                 outbound ? "to" : "from", q->remote, f->rule);
        /* the remote addresses: a few, and how many */
        int64_t distinct = 0;
        size_t rp = 0;
        const void *rkp;
        void *rvp;
        while (hashmap_next(&scan->denied_remotes, &rp, &rkp, &rvp))
            distinct += memcmp(&((const struct denied_remote_key *)rkp)->k, k, sizeof *k) == 0;
        char window[64];
        window_text(a->first, a->last, window, sizeof window);
        strbuf_printf(&f->evidence, "%lld denied flow%s between %s, %s %s %s %lld address%s (",
                      (long long)a->flows, a->flows == 1 ? "" : "s", window,
                      outbound ? "from" : "to", f->host, outbound ? "to" : "from",
                      (long long)distinct, distinct == 1 ? "" : "es");
        strbuf_puts(&f->details, "{\"requirement_id\":");
        strbuf_printf(&f->details, "%d,\"purpose\":", q->id);
        json_quote(&f->details, q->purpose);
        strbuf_puts(&f->details, ",\"level\":");
        json_quote(&f->details, q->level);
        strbuf_puts(&f->details, ",\"docs\":");
        json_quote(&f->details, q->docs);
        strbuf_puts(&f->details, ",\"remote_addresses\":[");
        for (int i = 0; i < a->nsamples; i++) {
            char ip[IP_TEXT_MAX];
            addresses_text(db, a->samples[i], ip);
            strbuf_printf(&f->evidence, "%s%s", i ? ", " : "", ip);
            if (i)
                strbuf_puts(&f->details, ",");
            json_quote(&f->details, ip);
        }
        if (distinct > a->nsamples)
            strbuf_puts(&f->evidence, ", ...");
        const char *how = conf == CONF_HIGH ? (q->kind == RK_TAG ? "by port and service tag"
                                                                 : "by port and address")
                        : conf == CONF_MEDIUM ? "by port and the kind of address (private or public)"
                                              : "by port only: no address data can confirm it";
        strbuf_printf(&f->evidence, "). They match the requirement \"%s\" (%s in the newest docs;"
                                    " docs: %s), %s.", q->purpose, q->level, q->docs, how);
        if (partly_open)
            strbuf_printf(&f->evidence, " Clients do reach %s on other ports (%lld allowed"
                                        " calls), so this port may be closed on purpose.",
                          f->host, (long long)hs->public_clients);
        strbuf_printf(&f->details, "],\"remote_count\":%lld,\"match\":", (long long)distinct);
        json_quote(&f->details, how);
        strbuf_puts(&f->details, "}");
        (void)addrs;
        denied_hint(db, f, q, a->flow_log_id);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* asymmetric-return                                                  */

static void route_hint(sqlite3 *db, struct finding *f, int64_t group_id, int management)
{
    char target[512], vnet[128] = "", subnet[128] = "";
    text_by_id(db, "SELECT coalesce(target_resource_id, '') FROM flow_group WHERE id = ?",
               group_id, target, sizeof target);
    id_segment(target, "VIRTUALNETWORKS", vnet, sizeof vnet);
    id_segment(target, "SUBNETS", subnet, sizeof subnet);
    char rg[128] = "";
    id_segment(target, "RESOURCEGROUPS", rg, sizeof rg);
    if (management) {
        strbuf_puts(&f->hint, "Send the management plane's replies straight back: in the route"
                              " table of the APIM subnet add a route for the ApiManagement"
                              " service tag with next hop Internet (older deployments: one /32"
                              " route per control-plane address, here ");
        strbuf_puts(&f->hint, f->remote);
        strbuf_puts(&f->hint, "/32). With forced tunnelling also give the subnet service"
                              " endpoints, so that its dependencies skip the tunnel.");
        azcmd_begin(&f->commands, "az network route-table route create");
        azcmd_name(&f->commands, "--resource-group", rg, AZ_RESOURCE_GROUP, "<resource-group>",
                   &f->hint);
        azcmd_arg(&f->commands, "--route-table-name", "<route-table>");
        azcmd_arg(&f->commands, "--name", "ApiManagement");
        azcmd_arg(&f->commands, "--address-prefix", "ApiManagement");
        azcmd_arg(&f->commands, "--next-hop-type", "Internet");
        static const char *const endpoints[] = {"Microsoft.Sql", "Microsoft.Storage",
                                                "Microsoft.EventHub", "Microsoft.KeyVault"};
        azcmd_begin(&f->commands, "az network vnet subnet update");
        azcmd_name(&f->commands, "--resource-group", rg, AZ_RESOURCE_GROUP, "<resource-group>", NULL);
        azcmd_name(&f->commands, "--vnet-name", vnet, AZ_VNET, "<vnet>", &f->hint);
        azcmd_name(&f->commands, "--name", subnet, AZ_RESOURCE, "<apim-subnet>", &f->hint);
        azcmd_args(&f->commands, "--service-endpoints", endpoints, 4);
    } else {
        strbuf_puts(&f->hint, "Replies to clients leave by another path than the calls came in"
                              " (a user-defined route to a firewall or on-premises). Route the"
                              " clients' replies back the way they came: give the APIM subnet a"
                              " route with next hop Internet for the clients' prefixes, or put"
                              " the gateway behind an Application Gateway or Azure Front Door.");
        azcmd_begin(&f->commands, "az network route-table route create");
        azcmd_name(&f->commands, "--resource-group", rg, AZ_RESOURCE_GROUP, "<resource-group>",
                   &f->hint);
        azcmd_arg(&f->commands, "--route-table-name", "<route-table>");
        azcmd_arg(&f->commands, "--name", "clients");
        azcmd_arg(&f->commands, "--address-prefix", "<client prefix>");
        azcmd_arg(&f->commands, "--next-hop-type", "Internet");
    }
}

static void describe_example(struct strbuf *s, const struct conn_example *e)
{
    char t[24];
    time_format(e->start / 1000, t);
    if (e->syns >= 0) {
        strbuf_printf(s, "source port %lld at %s: %d SYNs", (long long)e->src_port, t, e->syns);
        if (e->ngaps) {
            strbuf_puts(s, ", gaps");
            for (int i = 0; i < e->ngaps; i++)
                strbuf_printf(s, "%s %.1f s", i ? "," : "", e->gaps_ms[i] / 1000.0);
        }
    } else {
        strbuf_printf(s, "source port %lld at %s: %lld packets / %lld bytes in, %lld packets"
                         " / %lld bytes out, no payload",
                      (long long)e->src_port, t, (long long)e->counters[0],
                      (long long)e->counters[1], (long long)e->counters[2],
                      (long long)e->counters[3]);
    }
}

static int build_asymmetric(sqlite3 *db, const struct scan_result *scan,
                            const struct apim_hosts *hosts, struct findings *out)
{
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&scan->conns, &pos, &kp, &vp)) {
        const struct conn_key *k = kp;
        const struct conn_stats *s = vp;
        if (host_index(hosts, k->local) < 0)
            continue;
        if (s->lost < LOST_MIN || s->lost * 2 < s->connections)
            continue;
        int management = k->port == 3443;
        struct finding *f = new_finding(out);
        if (!f)
            return -1;
        f->analyzer = "asymmetric-return";
        f->severity = "error";
        addresses_text(db, k->local, f->host);
        if (management)
            addresses_text(db, k->remote, f->remote);
        else
            snprintf(f->remote, sizeof f->remote, "Internet clients");
        f->port = (int)k->port;
        f->protocol = "TCP";
        f->direction = "inbound";
        f->series_kind = HOURLY_CONNECTIONS;
        f->series_local = k->local;
        f->series_b = k->remote;
        f->series_port = k->port;
        int64_t rule_id = 0;
        char rid[32];
        text_by_id(db, "SELECT coalesce(rule_id, 0) FROM flow_group WHERE id = ?", s->group_id,
                   rid, sizeof rid);
        rule_id = atoll(rid);
        rule_name(db, rule_id, f->rule, sizeof f->rule);
        f->flows = s->tuples;
        f->first = s->first;
        f->last = s->last;
        int by_counters = s->lost_by_counters >= s->lost_by_syns;
        f->confidence = by_counters ? "high" : "medium";
        if (management)
            snprintf(f->title, sizeof f->title,
                     "Replies to management calls from %s on TCP 3443 are lost: a missing route?",
                     f->remote);
        else
            snprintf(f->title, sizeof f->title,
                     "Replies to client connections on TCP 443 are lost: a missing route?");
        char window[64];
        window_text(s->first, s->last, window, sizeof window);
        strbuf_printf(&f->evidence, "%lld of %lld connections from %s to %s:%d between %s show a"
                                    " lost return path (%s); %lld completed, %lld retransmitted"
                                    " their SYN once (ordinary loss), %lld unclear. For example: ",
                      (long long)s->lost, (long long)s->connections,
                      management ? f->remote : "clients", f->host, f->port, window,
                      by_counters ? "counters of SYNs only, with answers sent back and no payload"
                                  : "the same connection's SYN 3 or more times, seconds apart,"
                                    " and nothing after",
                      (long long)s->completed, (long long)s->retransmit_once,
                      (long long)s->unknown);
        for (int i = 0; i < s->nexamples; i++) {
            if (i)
                strbuf_puts(&f->evidence, "; ");
            describe_example(&f->evidence, &s->examples[i]);
        }
        strbuf_puts(&f->evidence, ".");
        strbuf_printf(&f->details,
                      "{\"connections\":%lld,\"lost\":%lld,\"completed\":%lld,"
                      "\"retransmitted_once\":%lld,\"unclear\":%lld,\"lost_by_counters\":%lld,"
                      "\"lost_by_syn_retransmits\":%lld}",
                      (long long)s->connections, (long long)s->lost, (long long)s->completed,
                      (long long)s->retransmit_once, (long long)s->unknown,
                      (long long)s->lost_by_counters, (long long)s->lost_by_syns);
        route_hint(db, f, s->group_id, management);
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
            if (hashmap_get((struct hashmap *)&scan->allowed, &ak, 0))
                continue;
            int denied = 0; /* reported as denied already */
            size_t pos = 0;
            const void *kp;
            void *vp;
            while (hashmap_next(&scan->denied, &pos, &kp, &vp)) {
                const struct denied_key *k = kp;
                denied |= k->local == hosts->ids[h] && k->requirement == (int64_t)i;
            }
            if (denied)
                continue;
            struct finding *f = new_finding(out);
            if (!f)
                return -1;
            f->analyzer = "missing-dependency";
            f->severity = "info";
            addresses_text(db, hosts->ids[h], f->host);
            snprintf(f->remote, sizeof f->remote, "%s", q->remote);
            f->port = q->first[0];
            f->protocol = proto_name(q->protocol);
            f->direction = "outbound";
            f->first = scan->min_ts;
            f->last = scan->max_ts;
            f->requirement_id = q->id;
            f->confidence = "low";
            snprintf(f->title, sizeof f->title, "No allowed flow to %s on %s %s in the window",
                     q->remote, f->protocol, q->ports);
            strbuf_printf(&f->evidence,
                          "%s was active in the window but no allowed flow from it reached %s on"
                          " %s %s (\"%s\", %s). It may take another path (a private endpoint,"
                          " a firewall), be idle, or be blocked where no flow log sees it.",
                          f->host, q->remote, f->protocol, q->ports, q->purpose, q->level);
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
    if (!scan->doubled_blobs)
        return 0;
    struct finding *f = new_finding(out);
    if (!f)
        return -1;
    f->analyzer = "double-logging";
    f->severity = "info";
    snprintf(f->title, sizeof f->title,
             "The same NICs are logged by NSG flow logs and VNet flow logs");
    f->flows = 0;
    f->first = scan->min_ts;
    f->last = scan->max_ts;
    f->confidence = "high";
    strbuf_printf(&f->evidence,
                  "%lld NSG flow-log blobs cover NICs and hours that VNet flow logs cover too"
                  " (MAC %s); their flows were counted once, from the VNet flow logs.",
                  (long long)scan->doubled_blobs, scan->doubled_macs);
    strbuf_printf(&f->details, "{\"nsg_blobs_skipped\":%lld}", (long long)scan->doubled_blobs);
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

int findings_build(sqlite3 *db, const struct scan_result *scan,
                   const struct requirements *reqs, const addresses *addrs,
                   const struct apim_hosts *hosts, int external,
                   struct findings *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (build_denied(db, scan, reqs, addrs, hosts, external, out) != 0 ||
        build_asymmetric(db, scan, hosts, out) != 0 ||
        build_missing(db, scan, reqs, hosts, out) != 0 ||
        build_double_logging(scan, out) != 0) {
        snprintf(err, errlen, "out of memory");
        findings_free(out);
        return -1;
    }
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, by_severity);
    return 0;
}

void findings_free(struct findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        strbuf_free(&f->v[i].evidence);
        strbuf_free(&f->v[i].details);
        strbuf_free(&f->v[i].hint);
        strbuf_free(&f->v[i].commands);
    }
    free(f->v);
    memset(f, 0, sizeof *f);
}

void finding_key(const struct finding *f, char *buf, size_t size)
{
    snprintf(buf, size, "%s|%s|%s|%d|%s|%s|%s", f->analyzer, f->host, f->remote, f->port,
             f->protocol ? f->protocol : "", f->direction ? f->direction : "", f->rule);
}
