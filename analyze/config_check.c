/* config_check.c: the configuration analyzers and the correlation of the
 * configuration with the flow-log findings (see config_check.h). Each
 * question is put to nsgeval.c on address sets: "does outbound TCP 1433 from
 * the subnet to every address of Sql.WestEurope get through?", "which route
 * carries the replies to every address of ApiManagement.WestEurope?". */
#include "config_check.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/escape.h"
#include "../common/plural.h"
#include "../common/strbuf.h"
#include "../common/timearg.h"
#include "../ingest/tuple.h"
#include "azcmd.h"
#include "findings_int.h"
#include "tags.h"

/* ------------------------------------------------------------------ */
/* the fixes: the changes the findings call for (the fix plan, fixplan.h,
 * makes each one command, once, with free names and priorities)       */

struct check {
    sqlite3 *db;
    struct netconfig *nc;
    const struct scan_result *scan;
    struct findings *out;
    size_t nflow;                 /* out->v[0..nflow): the flow-log findings */
    char snapshot[80];            /* "snapshot 3 of 2026-12-01T22:06:22Z" */
};

/* The allow rule in NSG n that requirement q needs, to or from remote,
 * before the rule of priority `before`; what it does in f->hint. */
static void allow_rule_fix(struct finding *f, const struct nc_nsg *n, const struct requirement *q,
                           const char *remote, int before, const char *before_name)
{
    strbuf_printf(&f->hint, "Add an allow rule to NSG %s that Azure evaluates before %s"
                            " (priority %d): the fix plan gives it a free priority below %d.",
                  n->name, before_name, before, before);
    finding_allow_rule(f, q, n->resource_group, n->name, remote, before, before_name);
}

/* The route for the ApiManagement tag with next hop Internet in route
 * table t (NULL: not known). */
static void management_route_fix(struct finding *f, const struct nc_route_table *t)
{
    struct change *c = finding_change(f, CHANGE_ROUTE);
    if (!c)
        return;
    snprintf(c->resource_group, sizeof c->resource_group, "%s", t ? t->resource_group : "");
    snprintf(c->parent, sizeof c->parent, "%s", t ? t->name : "");
    snprintf(c->prefix, sizeof c->prefix, "ApiManagement");
    snprintf(c->next_hop, sizeof c->next_hop, "Internet");
}

/* c (may be NULL) is a change of subnet s. */
static void subnet_change(struct change *c, const struct nc_subnet *s)
{
    if (!c)
        return;
    snprintf(c->resource_group, sizeof c->resource_group, "%s", s->resource_group);
    snprintf(c->parent, sizeof c->parent, "%s", s->vnet_name);
    snprintf(c->subnet, sizeof c->subnet, "%s", s->name);
}

static const char *const wanted_endpoints[] = {"Microsoft.Sql", "Microsoft.Storage",
                                               "Microsoft.EventHub", "Microsoft.KeyVault"};

static int has_endpoint(const struct nc_subnet *s, const char *service)
{
    for (size_t i = 0; i < s->nendpoints; i++)
        if (strcasecmp(s->endpoints[i], service) == 0 ||
            (strncasecmp(s->endpoints[i], service, strlen(service)) == 0 &&
             s->endpoints[i][strlen(service)] == '.')) /* Microsoft.Storage.Global */
            return 1;
    return 0;
}

/* The subnet update that keeps the subnet's service endpoints and adds the
 * four the docs ask for (--service-endpoints replaces the list). An
 * endpoint whose name cannot be Azure's (a quote or a line break from the
 * file) is left out: the command line carries only names. */
static void endpoints_fix(struct finding *f, const struct nc_subnet *s)
{
    struct change *c = finding_change(f, CHANGE_ENDPOINTS);
    if (!c)
        return;
    subnet_change(c, s);
    c->existing_known = 1;
    for (size_t i = 0; i < s->nendpoints; i++)
        if (az_name_valid(s->endpoints[i], AZ_RESOURCE)) {
            if (strlen(c->existing) + strlen(s->endpoints[i]) + 2 < sizeof c->existing)
                snprintf(c->existing + strlen(c->existing), sizeof c->existing - strlen(c->existing),
                         "%s%s", c->existing[0] ? " " : "", s->endpoints[i]);
        } else {
            strbuf_printf(&f->hint, " The service endpoint \"%s\" in the data is not a valid"
                                    " name, so the command leaves it out.", s->endpoints[i]);
        }
    for (size_t i = 0; i < 4; i++)
        if (!has_endpoint(s, wanted_endpoints[i]))
            snprintf(c->services + strlen(c->services), sizeof c->services - strlen(c->services),
                     "%s%s", c->services[0] ? " " : "", wanted_endpoints[i]);
}

/* ------------------------------------------------------------------ */
/* the questions                                                      */

/* The remote side of a requirement as the configuration judges it. */
struct remote {
    struct addrset set;        /* its addresses */
    char name[160];            /* what the findings call it: "Sql.WestEurope",
                                * "Sql.NorthEurope and Sql.WestEurope" */
    char rule[128];            /* what an allow rule for it names */
    const char *via_fqdn;      /* the docs name it by host name, and this tag
                                * holds them (fqdn_service_tag) */
    int approximate;           /* named by host name, judged as the Internet */
    char primary[128];         /* an additional location's: the primary
                                * region's tag, judged too ("" none) */
};

/* Keeps in set the address families subnet s has (all when its ranges are
 * not known). Returns 0, or -2 when out of memory. */
static int subnet_families(const struct netconfig *nc, int s, struct addrset *set)
{
    if (s < 0 || addrset_is_empty(&nc->subnets[s].prefixes))
        return 0;
    return addrset_keep_families(&nc->subnets[s].prefixes, set);
}

/* The regions whose tags a requirement to tag needs in region in, as the
 * docs' "regional service tags" say: Storage, Sql and EventHub may be named
 * by region, and a multi-region instance's NSG in each region must allow
 * its own region's and the primary region's. Sets r->primary when in is an
 * additional location and the tag data has both regional tags; r->set is
 * then both, r->rule the tag of every region (one rule serves them). */
static int primary_region_tag(struct netconfig *nc, const struct nc_instance *in,
                              const char *tag, struct nc_scope *scope, struct remote *r)
{
    static const char *const by_region[] = {"Storage", "Sql", "EventHub"};
    int listed = 0;
    for (size_t i = 0; i < sizeof by_region / sizeof by_region[0]; i++)
        listed |= strcmp(tag, by_region[i]) == 0;
    if (!in || in->region == 0 || !listed)
        return 0;
    netconfig_regional_tag(nc, tag, in->primary_location, r->primary, sizeof r->primary);
    if (strcmp(r->primary, tag) == 0 || strcmp(r->primary, r->rule) == 0 ||
        strcmp(r->rule, tag) == 0) {
        r->primary[0] = '\0'; /* no regional tags in the data: the tag holds both */
        return 0;
    }
    struct addrset primary = {0}, both = {0};
    int rc = netconfig_resolve(scope, r->primary, &primary);
    if (rc == 0)
        rc = addrset_union(&r->set, &primary, &both) == 0 ? 0 : -2;
    addrset_free(&primary);
    if (rc != 0) {
        addrset_free(&both);
        return rc == -2 ? -1 : 0;
    }
    addrset_free(&r->set);
    r->set = both;
    snprintf(r->name, sizeof r->name, "%.76s and %.76s", r->rule, r->primary); /* tags: short */
    snprintf(r->rule, sizeof r->rule, "%s", tag);
    return 0;
}

/* The remote side of requirement q for region in (NULL: none known) on
 * subnet s: the addresses (of the families the subnet has: an IPv4-only
 * subnet talks to no IPv6 address), the name findings use and the one an
 * allow rule names. Returns 0, 1 when the configuration cannot say (a tag
 * the tag data lacks, Azure's own DNS), -1 when out of memory. Free r->set. */
static int remote_side(struct netconfig *nc, int s, const struct nc_instance *in,
                       const struct requirement *q, struct remote *r)
{
    struct nc_scope scope = {nc, s};
    r->approximate = 0;
    r->via_fqdn = NULL;
    r->primary[0] = '\0';
    addrset_clear(&r->set);
    char *name = r->rule;
    size_t n = sizeof r->rule;
    int tag = tag_bit_of(q->remote) >= 0;
    if (tag) {
        netconfig_regional_tag(nc, q->remote, in ? in->location : "", name, n);
    } else if (strcmp(q->remote, "AzureLoadBalancer") == 0 ||
               strcmp(q->remote, "VirtualNetwork") == 0 || strcmp(q->remote, "Internet") == 0) {
        snprintf(name, n, "%s", q->remote);
    } else if (strcmp(q->remote, "DNS") == 0) {
        const char *servers = s >= 0 ? nc->subnets[s].dns_servers : "";
        if (!servers || !servers[0])
            return 1; /* Azure DNS: platform traffic */
        /* the name: the servers that are addresses (a rule and its
         * command name them), not the rest of the file's text */
        name[0] = '\0';
        char copy[512];
        snprintf(copy, sizeof copy, "%s", servers);
        for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int rc = addrset_add_prefix(&r->set, t);
            if (rc == -2)
                return -1;
            while (*t == ' ' || (*t >= '\t' && *t <= '\r'))
                t++;
            size_t len = strcspn(t, " \t\n\v\f\r"), used = strlen(name);
            if (rc == 0 && used + len + 2 <= n)
                snprintf(name + used, n - used, "%s%.*s", used ? "," : "", (int)len, t);
        }
        snprintf(r->name, sizeof r->name, "%s", name);
        return addrset_is_empty(&r->set) ? 1 : 0;
    } else if (strcmp(q->remote, "Any") == 0) {
        /* any address the instance can reach: its network and the Internet
         * (not the private ranges outside the VNet, which lead nowhere) */
        snprintf(name, n, "*");
        snprintf(r->name, sizeof r->name, "*");
        struct addrset vnet = {0}, internet = {0};
        int rc = netconfig_resolve(&scope, "VirtualNetwork", &vnet);
        if (rc == 0)
            rc = netconfig_resolve(&scope, "Internet", &internet);
        if (rc == 0)
            rc = addrset_union(&vnet, &internet, &r->set);
        addrset_free(&vnet);
        addrset_free(&internet);
        if (rc == 0)
            rc = subnet_families(nc, s, &r->set);
        return rc == 0 ? 0 : rc == 1 ? 1 : -1;
    } else if (q->fqdn_tag[0]) {
        snprintf(name, n, "%s", q->fqdn_tag);
        r->via_fqdn = q->fqdn_tag;
    } else {
        snprintf(name, n, "Internet");
        r->approximate = 1;
    }
    snprintf(r->name, sizeof r->name, "%s", name);
    int rc = netconfig_resolve(&scope, name, &r->set);
    if (rc == 0 && tag)
        rc = primary_region_tag(nc, in, q->remote, &scope, r) == 0 ? 0 : -2;
    if (rc == 0)
        rc = subnet_families(nc, s, &r->set);
    return rc == -2 ? -1 : rc;
}

/* One port segment of a requirement and how the NSG decides it. */
struct segment {
    uint16_t first, last;
    struct nsg_verdict v;
    const struct nsg_rule *denier;   /* the first denying rule by priority */
    uint64_t denied_v4, total_v4;
};

static void segments_free(struct segment *seg, size_t n)
{
    for (size_t i = 0; i < n; i++)
        nsg_verdict_free(&seg[i].v);
    free(seg);
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Splits the ports of q where a rule of g in the direction starts or ends,
 * and evaluates each piece (its verdict holds for every port in it). */
static int evaluate_requirement(struct netconfig *nc, int s, const struct nsg *g,
                                const struct requirement *q, const struct addrset *local,
                                const struct addrset *remote, struct segment **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    int direction = q->direction == DIRECTION_OUTBOUND ? NSG_OUTBOUND : NSG_INBOUND;
    size_t cap = 0;
    struct segment *seg = NULL;
    /* room for two cuts per port range of every rule (a rule lists many) */
    size_t most = 1;
    for (size_t r = 0; r < g->n; r++)
        most += 2 * g->rules[r].ndports;
    for (int k = 0; k < q->nranges; k++) {
        uint16_t a = q->first[k], b = q->last[k];
        uint16_t *cuts = malloc(most * sizeof *cuts);
        if (!cuts)
            goto nomem;
        size_t nc_ = 0;
        cuts[nc_++] = a;
        for (size_t r = 0; r < g->n; r++) {
            const struct nsg_rule *rule = &g->rules[r];
            if (rule->direction != direction)
                continue;
            for (size_t p = 0; p < rule->ndports; p++) {
                if (rule->dports[p].first > a && rule->dports[p].first <= b)
                    cuts[nc_++] = rule->dports[p].first;
                if (rule->dports[p].last >= a && rule->dports[p].last < b)
                    cuts[nc_++] = (uint16_t)(rule->dports[p].last + 1);
            }
        }
        qsort(cuts, nc_, sizeof *cuts, cmp_u16);
        for (size_t i = 0; i < nc_; i++) {
            if (i && cuts[i] == cuts[i - 1])
                continue;
            size_t j = i + 1;
            while (j < nc_ && cuts[j] == cuts[i])
                j++;
            uint16_t last = j < nc_ ? (uint16_t)(cuts[j] - 1) : b;
            if (*nout == cap) {
                cap = cap ? 2 * cap : 8;
                struct segment *ns = realloc(seg, cap * sizeof *ns);
                if (!ns) {
                    free(cuts);
                    goto nomem;
                }
                seg = ns;
            }
            struct segment *sg = &seg[(*nout)++];
            memset(sg, 0, sizeof *sg);
            sg->first = cuts[i];
            sg->last = last;
            struct flow_query fq = {direction, q->protocol, cuts[i], local, remote};
            struct nc_scope scope = {nc, s};
            if (nsg_evaluate(g, &fq, netconfig_resolve, &scope, &sg->v) != 0) {
                free(cuts);
                goto nomem;
            }
            sg->total_v4 = addrset_count_v4(remote);
            for (size_t p = 0; p < sg->v.n; p++) {
                const struct nsg_part *part = &sg->v.parts[p];
                if (part->rule && !part->rule->allow) {
                    sg->denied_v4 += addrset_count_v4(&part->addrs);
                    if (!sg->denier || part->rule->priority < sg->denier->priority)
                        sg->denier = part->rule;
                }
            }
        }
        free(cuts);
    }
    *out = seg;
    return 0;
nomem:
    segments_free(seg, *nout);
    *out = NULL;
    *nout = 0;
    return -1;
}

static void ports_text(uint16_t first, uint16_t last, char *buf, size_t n)
{
    if (first == 0 && last == 65535)
        snprintf(buf, n, "*");
    else if (first == last)
        snprintf(buf, n, "%u", first);
    else
        snprintf(buf, n, "%u-%u", first, last);
}

/* "priority 4000: Deny Tcp from * to * ports 1433,1886,5671-5672" */
static void rule_text(struct strbuf *s, const struct nsg_rule *r)
{
    static const char *const protos[] = {"*", "Icmp", "Tcp", "Udp", "Esp", "Ah"};
    const char *proto = r->protocol == NSG_ANY ? protos[0] : r->protocol == NSG_ICMP ? protos[1]
                      : r->protocol == NSG_TCP ? protos[2] : r->protocol == NSG_UDP ? protos[3]
                      : r->protocol == NSG_ESP ? protos[4] : protos[5];
    strbuf_printf(s, "priority %d%s: %s %s %s from ", r->priority, r->is_default ? ", a default rule" : "",
                  r->allow ? "Allow" : "Deny", r->direction == NSG_OUTBOUND ? "outbound" : "inbound",
                  proto);
    for (size_t i = 0; i < r->nsrc; i++)
        strbuf_printf(s, "%s%s", i ? "," : "", r->src[i]);
    if (!r->nsrc)
        strbuf_puts(s, "*");
    strbuf_puts(s, " to ");
    for (size_t i = 0; i < r->ndst; i++)
        strbuf_printf(s, "%s%s", i ? "," : "", r->dst[i]);
    if (!r->ndst)
        strbuf_puts(s, "*");
    strbuf_puts(s, " ports ");
    for (size_t i = 0; i < r->ndports; i++) {
        char p[16];
        ports_text(r->dports[i].first, r->dports[i].last, p, sizeof p);
        strbuf_printf(s, "%s%s", i ? "," : "", p);
    }
    if (!r->ndports)
        strbuf_puts(s, "*");
}

/* The subnet's first range as text (a finding's host). */
static void subnet_text(const struct nc_subnet *s, char *out, size_t n)
{
    char *t = addrset_text(&s->prefixes, 1);
    snprintf(out, n, "%s", t && t[0] ? t : s->name);
    char *comma = strchr(out, ',');
    if (comma)
        *comma = '\0';
    free(t);
}

/* 1 when the address text a lies in subnet s. */
static int host_in_subnet(const struct netconfig *nc, const char *a, int s)
{
    struct ip_addr ip;
    return ip_parse(a, strlen(a), &ip) == 0 && netconfig_subnet_of(nc, &ip) == s;
}

/* The instance as the findings' titles name it: "apim-x", or for a region
 * of a multi-region instance "apim-x in North Europe" (appended to out;
 * returns its text). */
static const char *instance_label(const struct nc_instance *in, struct strbuf *out)
{
    strbuf_puts(out, in->name);
    if (in->nregions > 1)
        strbuf_printf(out, " in %s", in->location[0] ? in->location : "?");
    return strbuf_text(out);
}

/* For a multi-region instance, which region the evidence is about. */
static void region_evidence(struct finding *f, const struct nc_instance *in,
                            const struct nc_subnet *s)
{
    if (in->nregions < 2)
        return;
    strbuf_printf(&f->evidence, " APIM %s runs in %d regions; this is %s, ", in->name,
                  in->nregions, in->location);
    if (in->region == 0)
        strbuf_puts(&f->evidence, "its primary region");
    else
        strbuf_printf(&f->evidence, "an additional location (the primary region is %s)",
                      in->primary_location);
    strbuf_printf(&f->evidence, ", judged with its own subnet %s.", s ? s->name : "(not imported)");
}

/* The start of a finding's details: {"instance":NAME and, for a region of
 * a multi-region instance, "region":LOCATION (the caller closes it). */
static void details_begin(struct finding *f, const struct nc_instance *in)
{
    strbuf_puts(&f->details, "{\"instance\":");
    json_quote(&f->details, in->name);
    if (in->nregions > 1) {
        strbuf_puts(&f->details, ",\"region\":");
        json_quote(&f->details, in->location);
    }
}

static void common_fields(struct check *c, struct finding *f, const char *analyzer,
                          const char *severity, const struct nc_subnet *s)
{
    f->analyzer = analyzer;
    f->severity = severity;
    subnet_text(s, f->host, sizeof f->host);
    f->first = f->last = c->nc->imported_at;
    f->confidence = "high";
}

void config_flow_logs_sentence(struct strbuf *out, const char *analyzer, int64_t connections,
                               int64_t tuples, const char *const *hosts, size_t n, int read)
{
    if (connections || tuples) {
        /* the hosts that fit in 200 bytes, in the order given */
        char list[200] = "";
        for (size_t i = 0; i < n; i++)
            if (strlen(list) + strlen(hosts[i]) + 3 < sizeof list)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         list[0] ? ", " : "", hosts[i]);
        strbuf_printf(out, " The flow logs show it: %" PRId64 " %s (%" PRId64 " %s) of %s in the"
                           " window (finding %s).", connections,
                      plural(connections, "connection", "connections"), tuples,
                      plural(tuples, "tuple", "tuples"), list, analyzer);
    } else if (!read) {
        strbuf_puts(out, " No flow logs in the window to compare with: a prediction"
                         " from the configuration alone.");
    } else {
        strbuf_puts(out, " The flow logs of the window show none of this traffic"
                         " failing for the subnet's addresses (none may have been"
                         " tried).");
    }
}

void config_flow_logs_json(struct strbuf *out, const char *analyzer, int64_t connections,
                           int64_t tuples, const char *const *hosts, size_t n, int read)
{
    strbuf_puts(out, ",\"flow_logs\":{\"finding\":");
    json_quote(out, analyzer);
    strbuf_printf(out, ",\"connections\":%" PRId64 ",\"tuples\":%" PRId64 ",\"hosts\":[",
                  connections, tuples);
    for (size_t k = 0; k < n; k++) {
        if (k)
            strbuf_puts(out, ",");
        json_quote(out, hosts[k]);
    }
    strbuf_printf(out, "],\"read\":%s}", read ? "true" : "false");
}

/* What the flow logs say about a predicted denial: the flow-log findings
 * of the same traffic for hosts on the subnet, their hosts in address
 * order. The figures go into json too (",\"flow_logs\":{...}", for the
 * finding's details): the report's merge of shards rebuilds the sentence
 * from them (connections and tuples add up, hosts unite, flow logs were
 * read when any shard read some), as one database of all would write it.
 * Returns 0, or -1 out of memory. */
static int flow_logs_say(struct check *c, struct finding *f, int s, const char *analyzer,
                         int direction, int protocol, uint16_t first, uint16_t last,
                         struct strbuf *json)
{
    int64_t connections = 0, tuples = 0;
    const char *dir = direction == NSG_OUTBOUND ? "outbound" : "inbound";
    const char *proto = protocol == 17 ? "UDP" : "TCP";
    struct ip_addr *ips = calloc(c->nflow + 1, sizeof *ips);
    char (*texts)[IP_TEXT_MAX] = calloc(c->nflow + 1, sizeof *texts);
    const char **hosts = calloc(c->nflow + 1, sizeof *hosts);
    if (!ips || !texts || !hosts) {
        free(ips);
        free(texts);
        free(hosts);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->nflow; i++) {
        const struct finding *g = &c->out->v[i];
        if (strcmp(g->analyzer, analyzer) != 0 || g->port < first || g->port > last ||
            !g->direction || strcmp(g->direction, dir) != 0 || !g->protocol ||
            strcmp(g->protocol, proto) != 0 || !host_in_subnet(c->nc, g->host, s))
            continue;
        connections += g->connections;
        tuples += g->flows;
        struct ip_addr ip;
        if (ip_parse(g->host, strlen(g->host), &ip) != 0)
            continue;
        size_t k = 0;
        while (k < n && ip_compare(&ips[k], &ip) != 0)
            k++;
        if (k == n)
            ips[n++] = ip;
    }
    qsort(ips, n, sizeof *ips, ip_compare);
    for (size_t k = 0; k < n; k++) {
        ip_format(&ips[k], texts[k]);
        hosts[k] = texts[k];
    }
    int read = c->scan && c->scan->read.tuples > 0;
    config_flow_logs_sentence(&f->evidence, analyzer, connections, tuples, hosts, n, read);
    config_flow_logs_json(json, analyzer, connections, tuples, hosts, n, read);
    free(ips);
    free(texts);
    free(hosts);
    return strbuf_failed(json) ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* config-denied-port                                                 */

/* One requirement's verdict in region in, for its findings. */
struct judged {
    const struct nc_instance *in;
    const struct nc_subnet *s;
    const struct nc_nsg *n;
    const struct requirement *q;
    const struct remote *r;
    char host[IP_TEXT_MAX];
    int before;                      /* the first denying rule's priority, */
    const struct nsg_rule *first_denier; /* where the one shared fix goes */
};

/* How many of the IPv4 addresses the segment denies are the primary
 * region's (r->primary's). */
static uint64_t primary_denied_v4(struct netconfig *nc, int s, const struct remote *r,
                                  const struct segment *sg)
{
    struct nc_scope scope = {nc, s};
    struct addrset primary = {0}, both = {0};
    uint64_t n = 0;
    if (netconfig_resolve(&scope, r->primary, &primary) == 0)
        for (size_t p = 0; p < sg->v.n; p++)
            if (sg->v.parts[p].rule && !sg->v.parts[p].rule->allow &&
                addrset_intersect(&sg->v.parts[p].addrs, &primary, &both) == 0)
                n += addrset_count_v4(&both);
    addrset_free(&primary);
    addrset_free(&both);
    return n;
}

/* The evidence of a denial: the rule, what it decides, which part. */
static void denial_evidence(struct check *c, struct finding *f, const struct judged *j,
                            const struct segment *sg, const char *pt, int partial)
{
    const struct requirement *q = j->q;
    strbuf_printf(&f->evidence, "In the configuration (%s), rule %s of NSG %s on subnet %s (",
                  c->snapshot, sg->denier->name, j->n->name, j->s->name);
    rule_text(&f->evidence, sg->denier);
    strbuf_printf(&f->evidence, ") decides %s %s port %s %s %s %s %s (%s, %s)", f->direction,
                  f->protocol, pt, q->direction == DIRECTION_OUTBOUND ? "from" : "to", j->host,
                  q->direction == DIRECTION_OUTBOUND ? "to" : "from", j->r->name, q->purpose,
                  q->level);
    if (partial) {
        int v6 = 0;
        for (size_t p = 0; p < sg->v.n; p++)
            if (sg->v.parts[p].rule && !sg->v.parts[p].rule->allow)
                v6 |= addrset_has_family(&sg->v.parts[p].addrs, IP_V6);
        strbuf_printf(&f->evidence, ": it denies %" PRIu64 " of the %" PRIu64 " IPv4 addresses%s;"
                                    " the rest is allowed by", sg->denied_v4, sg->total_v4,
                      v6 ? " and IPv6 ones (the subnet has an IPv6 range)" : "");
        for (size_t p = 0, m = 0; p < sg->v.n; p++)
            if (sg->v.parts[p].rule && sg->v.parts[p].rule->allow)
                strbuf_printf(&f->evidence, "%s %s", m++ ? "," : "", sg->v.parts[p].rule->name);
        strbuf_puts(&f->evidence, ". Denied:");
        for (size_t p = 0; p < sg->v.n; p++)
            if (sg->v.parts[p].rule && !sg->v.parts[p].rule->allow) {
                char *t = addrset_text(&sg->v.parts[p].addrs, 8);
                strbuf_printf(&f->evidence, " %s (by %s)", t ? t : "?", sg->v.parts[p].rule->name);
                free(t);
            }
        strbuf_puts(&f->evidence, ".");
    } else {
        strbuf_puts(&f->evidence, ": denied, for every address of it.");
    }
    if (j->r->primary[0])
        strbuf_printf(&f->evidence, " In a multi-region deployment the NSG of each region must"
                                    " allow the service tags of its own region and of the"
                                    " primary region (%s): %" PRIu64 " of the denied IPv4"
                                    " addresses are %s's.", j->in->primary_location,
                      primary_denied_v4(c->nc, j->in->subnet, j->r, sg), j->r->primary);
    if (j->r->via_fqdn)
        strbuf_printf(&f->evidence, " The docs name this dependency by host name (%s): the"
                                    " %s tag holds them (table fqdn_service_tags), so it was"
                                    " judged as that tag.", q->fqdns, j->r->via_fqdn);
    if (j->r->approximate) {
        strbuf_printf(&f->evidence, " The docs name this dependency by host name (%s): it was"
                                    " judged as traffic to the Internet.",
                      q->fqdns[0] ? q->fqdns : q->remote);
        f->confidence = "medium";
    }
    if (sg->v.unknown_name) {
        strbuf_printf(&f->evidence, " A rule before it names %s, which the tag data does not"
                                    " hold: if it covers this traffic the verdict differs"
                                    " (import a current service-tags file with nsgflow tags"
                                    " import).", sg->v.unknown_name);
        f->confidence = "medium";
    }
    if (!j->s->vnet_known && strstr(strbuf_text(&f->evidence), "VirtualNetwork"))
        strbuf_puts(&f->evidence, " The VNet was not imported: VirtualNetwork was taken as the"
                                  " subnet's own range.");
}

/* The finding of one denied segment of a requirement. */
static int denied_finding(struct check *c, const struct judged *j, const struct segment *sg)
{
    const struct requirement *q = j->q;
    struct finding *f = finding_new(c->out);
    if (!f)
        return -1;
    common_fields(c, f, "config-denied-port", q->required ? "error" : "warning", j->s);
    snprintf(f->remote, sizeof f->remote, "%s", q->remote);
    f->port = sg->first;
    f->protocol = q->protocol == 17 ? "UDP" : "TCP";
    f->direction = q->direction == DIRECTION_OUTBOUND ? "outbound" : "inbound";
    snprintf(f->rule, sizeof f->rule, "%s", sg->denier->name);
    f->requirement_id = q->id;
    char pt[16];
    ports_text(sg->first, sg->last, pt, sizeof pt);
    struct strbuf label = {0};
    int partial = sg->v.allowed;
    snprintf(f->title, sizeof f->title, "NSG %s %s %s %s %s %s %s (APIM %s)", j->n->name,
             partial ? "denies part of" : "denies", f->direction, f->protocol, pt,
             q->direction == DIRECTION_OUTBOUND ? "to" : "from", j->r->name,
             instance_label(j->in, &label));
    strbuf_free(&label);
    denial_evidence(c, f, j, sg, pt, partial);
    region_evidence(f, j->in, j->s);
    struct strbuf logs = {0};
    if (flow_logs_say(c, f, j->in->subnet, "denied-required-port", q->direction, q->protocol,
                      sg->first, sg->last, &logs) != 0) {
        strbuf_free(&logs);
        return -1;
    }
    details_begin(f, j->in);
    strbuf_puts(&f->details, ",\"nsg\":");
    json_quote(&f->details, j->n->resource_id);
    strbuf_printf(&f->details, ",\"priority\":%d,\"requirement_id\":%d,\"level\":",
                  sg->denier->priority, q->id);
    json_quote(&f->details, q->level);
    strbuf_printf(&f->details, ",\"denied_ipv4\":%" PRIu64 ",\"total_ipv4\":%" PRIu64
                               ",\"config_import_id\":%" PRId64 "%s}",
                  sg->denied_v4, sg->total_v4, c->nc->import_id, strbuf_text(&logs));
    strbuf_free(&logs);
    allow_rule_fix(f, j->n, q, j->r->rule, j->before, j->first_denier->name);
    return 0;
}

/* Requirement q in region in: its findings, or its healthy keys. */
static int judge_requirement(struct check *c, struct judged *j)
{
    struct netconfig *nc = c->nc;
    struct segment *seg;
    size_t nseg;
    if (evaluate_requirement(nc, j->in->subnet, &j->n->g, j->q, &j->s->prefixes, &j->r->set, &seg,
                             &nseg) != 0)
        return -1;
    /* the first rule that denies a port of the requirement: the one
     * shared fix (a rule for all its ports) goes before it */
    j->before = 1 << 30;
    j->first_denier = NULL;
    for (size_t k = 0; k < nseg; k++)
        if (seg[k].denier && (!j->first_denier || seg[k].denier->priority < j->before)) {
            j->before = seg[k].denier->priority;
            j->first_denier = seg[k].denier;
        }
    int rc = 0;
    for (size_t k = 0; k < nseg && rc == 0; k++) {
        const struct segment *sg = &seg[k];
        if (sg->denier) {
            rc = denied_finding(c, j, sg);
            continue;
        }
        for (uint32_t p = sg->first; p <= sg->last && p - sg->first < 16 && rc == 0; p++)
            rc = findings_healthy(c->out, "config-denied-port", j->host, j->q->remote, (int)p);
    }
    segments_free(seg, nseg);
    return rc;
}

static int denied_ports(struct check *c, const struct nc_instance *in,
                        const struct requirements *reqs)
{
    struct netconfig *nc = c->nc;
    const struct nc_subnet *s = &nc->subnets[in->subnet];
    if (s->nsg < 0)
        return 0; /* no NSG: nothing denies (a missing one is config-incomplete) */
    int outbound_only = in->tier != TIER_CLASSIC && strcasecmp(in->vnet_type, "External") == 0;
    struct remote r = {0};
    struct judged j = {in, s, &nc->nsgs[s->nsg], NULL, &r, "", 0, NULL};
    subnet_text(s, j.host, sizeof j.host);
    int rc = 0;
    for (size_t i = 0; i < reqs->n && rc == 0; i++) {
        j.q = &reqs->v[i];
        if (outbound_only && j.q->direction == DIRECTION_INBOUND)
            continue; /* integration: inbound rules do not apply */
        int side = remote_side(nc, in->subnet, in, j.q, &r);
        if (side < 0)
            rc = -1;
        else if (side == 0)
            rc = judge_requirement(c, &j);
    }
    addrset_free(&r.set);
    return rc;
}

/* ------------------------------------------------------------------ */
/* config-lost-return                                                 */

static const char *hop_words(const struct route *r, char *buf, size_t n)
{
    if (r->next_hop_ip && r->next_hop_ip[0])
        snprintf(buf, n, "%s %s", next_hop_name(r->next_hop), r->next_hop_ip);
    else
        snprintf(buf, n, "%s", next_hop_name(r->next_hop));
    return buf;
}

/* The route that carries most of the set's addresses away from the
 * Internet (NULL when all go to the Internet), and the counts. */
static const struct route *capturing_route(const struct route_verdict *rv, uint64_t *lost,
                                           uint64_t *total)
{
    const struct route *best = NULL;
    uint64_t best_n = 0;
    *lost = *total = 0;
    for (size_t i = 0; i < rv->n; i++) {
        uint64_t k = addrset_count_v4(&rv->parts[i].addrs);
        *total += k;
        const struct route *r = rv->parts[i].route;
        if (r && r->next_hop == HOP_INTERNET)
            continue;
        *lost += k;
        if (r && (k > best_n || !best)) {
            best = r;
            best_n = k;
        }
    }
    return best;
}

static int lost_return(struct check *c, const struct nc_instance *in)
{
    struct netconfig *nc = c->nc;
    const struct nc_subnet *s = &nc->subnets[in->subnet];
    char tag[128], host[IP_TEXT_MAX];
    subnet_text(s, host, sizeof host);
    netconfig_regional_tag(nc, "ApiManagement", in->location, tag, sizeof tag);
    struct nc_scope scope = {nc, in->subnet};
    struct addrset dst = {0};
    int rc = netconfig_resolve(&scope, tag, &dst);
    if (rc != 0) {
        addrset_free(&dst);
        return rc == 1 ? 0 : -1;
    }
    const struct nc_route_table *t = s->route_table >= 0 ? &nc->route_tables[s->route_table] : NULL;
    struct route_verdict rv = {0};
    if (route_select(s->routes, s->nroutes, t ? t->disable_bgp : 0, &dst, netconfig_resolve,
                     &scope, &rv) != 0) {
        addrset_free(&dst);
        return -1;
    }
    uint64_t lost, total;
    const struct route *r = capturing_route(&rv, &lost, &total);
    rc = 0;
    if (!lost) {
        rc = findings_healthy(c->out, "config-lost-return", host, "ApiManagement", 3443);
    } else {
        struct finding *f = finding_new(c->out);
        if (!f) {
            rc = -1;
        } else {
            common_fields(c, f, "config-lost-return", "error", s);
            snprintf(f->remote, sizeof f->remote, "ApiManagement");
            f->port = 3443;
            f->protocol = "TCP";
            f->direction = "inbound";
            snprintf(f->rule, sizeof f->rule, "%s", r ? r->name : "");
            char hop[96];
            struct strbuf label = {0};
            snprintf(f->title, sizeof f->title, "Route %s sends the replies to the management"
                                                " plane (%s) to %s, not the Internet (APIM %s)",
                     r ? r->name : "?", tag, r ? hop_words(r, hop, sizeof hop) : "?",
                     instance_label(in, &label));
            strbuf_free(&label);
            strbuf_printf(&f->evidence, "In the configuration (%s), the replies of subnet %s to"
                                        " the management plane's calls on TCP 3443 (from %s)"
                                        " take route %s (%s, next hop %s) of route table %s:"
                                        " %" PRIu64 " of the %" PRIu64 " IPv4 addresses of %s"
                                        " go to %s instead of the Internet, where the calls"
                                        " came from, so the management plane never sees the"
                                        " answers (\"Failed to connect to management"
                                        " endpoint\").", c->snapshot, s->name, tag,
                          r ? r->name : "?", r ? r->prefix : "?", r ? hop_words(r, hop, sizeof hop) : "?",
                          t ? t->name : "(none)", lost, total, tag,
                          r ? next_hop_name(r->next_hop) : "?");
            if (lost < total)
                strbuf_puts(&f->evidence, " The rest already has a route to the Internet"
                                          " (per-address routes of older deployments cover"
                                          " only part of the tag).");
            region_evidence(f, in, s);
            struct strbuf logs = {0};
            if (flow_logs_say(c, f, in->subnet, "asymmetric-return", NSG_INBOUND, 6, 3443, 3443,
                              &logs) != 0)
                rc = -1;
            details_begin(f, in);
            strbuf_puts(&f->details, ",\"route_table\":");
            json_quote(&f->details, t ? t->resource_id : "");
            strbuf_printf(&f->details, ",\"lost_ipv4\":%" PRIu64 ",\"total_ipv4\":%" PRIu64
                                       ",\"config_import_id\":%" PRId64 "%s}", lost, total,
                          nc->import_id, strbuf_text(&logs));
            strbuf_free(&logs);
            strbuf_printf(&f->hint, "Give route table %s a route for the ApiManagement service"
                                    " tag with next hop Internet: it is longer than %s and wins"
                                    " for those addresses.", t ? t->name : "(the subnet's)",
                          r ? r->prefix : "the default route");
            management_route_fix(f, t);
        }
    }
    route_verdict_free(&rv);
    addrset_free(&dst);
    return rc;
}

/* ------------------------------------------------------------------ */
/* config-service-endpoints                                           */

/* The subnet's forced-tunnelling route (0.0.0.0/0 to an appliance or a
 * gateway), or NULL. */
static const struct route *forced_tunnel(const struct netconfig *nc, const struct nc_subnet *s)
{
    if (s->route_table < 0)
        return NULL;
    const struct nc_route_table *t = &nc->route_tables[s->route_table];
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->routes[i].prefix, "0.0.0.0/0") == 0 &&
            (t->routes[i].next_hop == HOP_VIRTUAL_APPLIANCE ||
             t->routes[i].next_hop == HOP_VNET_GATEWAY))
            return &t->routes[i];
    return NULL;
}

static int service_endpoints(struct check *c, const struct nc_instance *in)
{
    const struct nc_subnet *s = &c->nc->subnets[in->subnet];
    char host[IP_TEXT_MAX];
    subnet_text(s, host, sizeof host);
    const struct route *tunnel = forced_tunnel(c->nc, s);
    char missing[64] = "";
    for (size_t i = 0; i < 4; i++)
        if (!has_endpoint(s, wanted_endpoints[i]))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                     missing[0] ? "," : "", wanted_endpoints[i] + 10); /* after "Microsoft." */
    if (!tunnel || !missing[0])
        return findings_healthy(c->out, "config-service-endpoints", host, "", 0);
    struct finding *f = finding_new(c->out);
    if (!f)
        return -1;
    common_fields(c, f, "config-service-endpoints", "warning", s);
    snprintf(f->remote, sizeof f->remote, "%s", missing);
    snprintf(f->rule, sizeof f->rule, "%s", tunnel->name);
    char hop[96];
    struct strbuf label = {0};
    snprintf(f->title, sizeof f->title, "Forced tunnelling on subnet %s without service endpoints"
                                        " for %s (APIM %s)", s->name, missing,
             instance_label(in, &label));
    strbuf_free(&label);
    strbuf_printf(&f->evidence, "In the configuration (%s), route %s (0.0.0.0/0, next hop %s) of"
                                " route table %s forces the subnet's traffic through the tunnel,"
                                " and the subnet has no service endpoint for %s: APIM's"
                                " dependencies (Azure SQL, Storage, Event Hubs, Key Vault) then"
                                " go through the appliance too, which must allow them all."
                                " The subnet's service endpoints: ", c->snapshot, tunnel->name,
                  hop_words(tunnel, hop, sizeof hop), c->nc->route_tables[s->route_table].name,
                  missing);
    for (size_t i = 0; i < s->nendpoints; i++)
        strbuf_printf(&f->evidence, "%s%s", i ? ", " : "", s->endpoints[i]);
    strbuf_puts(&f->evidence, s->nendpoints ? "." : "none.");
    region_evidence(f, in, s);
    strbuf_puts(&f->hint, "Give the APIM subnet service endpoints for Microsoft.Sql,"
                          " Microsoft.Storage, Microsoft.EventHub and Microsoft.KeyVault (the"
                          " command keeps the ones it has).");
    details_begin(f, in);
    strbuf_printf(&f->details, ",\"config_import_id\":%" PRId64 "}", c->nc->import_id);
    endpoints_fix(f, s);
    return 0;
}

/* ------------------------------------------------------------------ */
/* config-delegation                                                  */

/* A workspace gateway whose mode nothing tells (no virtualNetworkType,
 * and a subnet delegated to neither service): the finding on f. */
static void delegation_unknown(struct check *c, struct finding *f, const struct nc_instance *in,
                               const struct nc_subnet *s)
{
    snprintf(f->remote, sizeof f->remote, "Microsoft.Web/serverFarms,Microsoft.Web/hostingEnvironments");
    snprintf(f->title, sizeof f->title, "Subnet %s of workspace gateway %s is delegated to neither"
                                        " Microsoft.Web/serverFarms (integration) nor"
                                        " Microsoft.Web/hostingEnvironments (injection)", s->name,
             in->name);
    strbuf_printf(&f->evidence, "In the configuration (%s), workspace gateway %s (tier %s) has no"
                                " virtualNetworkType and uses subnet %s, whose delegations are: ",
                  c->snapshot, in->name, in->sku, s->name);
    for (size_t i = 0; i < s->ndelegations; i++)
        strbuf_printf(&f->evidence, "%s%s", i ? ", " : "", s->delegations[i]);
    strbuf_printf(&f->evidence, "%s. A workspace gateway's subnet is delegated to"
                                " Microsoft.Web/serverFarms for integration or to"
                                " Microsoft.Web/hostingEnvironments for injection: without either"
                                " the gateway's mode, and so its network requirements, cannot be"
                                " told.", s->ndelegations ? "" : "none");
    strbuf_puts(&f->hint, "Delegate the subnet to the service of the gateway's mode (the subnet"
                          " must hold nothing else), or export the gateway again with its"
                          " virtualNetworkType.");
}

static int delegation(struct check *c, const struct nc_instance *in)
{
    const struct nc_subnet *s = &c->nc->subnets[in->subnet];
    char host[IP_TEXT_MAX];
    subnet_text(s, host, sizeof host);
    int unknown = strcasecmp(in->vnet_type, "unknown") == 0;
    const char *needed = NULL;
    if (in->tier != TIER_CLASSIC && !unknown)
        needed = strcasecmp(in->vnet_type, "Internal") == 0 ? "Microsoft.Web/hostingEnvironments"
                                                            : "Microsoft.Web/serverFarms";
    int has_needed = 0;
    for (size_t i = 0; needed && i < s->ndelegations; i++)
        has_needed |= strcasecmp(s->delegations[i], needed) == 0;
    int broken = unknown || (needed ? !has_needed : s->ndelegations > 0);
    if (!broken)
        return findings_healthy(c->out, "config-delegation", host, "", 0);
    struct finding *f = finding_new(c->out);
    if (!f)
        return -1;
    common_fields(c, f, "config-delegation", "error", s);
    const char *kind = in->gateway ? "workspace gateway" : "APIM";
    struct strbuf lb = {0};
    const char *label = instance_label(in, &lb);
    if (unknown) {
        delegation_unknown(c, f, in, s);
    } else if (needed) {
        snprintf(f->remote, sizeof f->remote, "%s", needed);
        snprintf(f->title, sizeof f->title, "Subnet %s is not delegated to %s, which %s %s (%s,"
                                            " %s) needs", s->name, needed, kind, label,
                 in->sku, strcasecmp(in->vnet_type, "Internal") == 0 ? "injection" : "integration");
        strbuf_printf(&f->evidence, "In the configuration (%s), %s %s (tier %s, VNet mode %s)"
                                    " uses subnet %s, whose delegations are: ", c->snapshot, kind,
                      in->name, in->sku, in->mode, s->name);
        for (size_t i = 0; i < s->ndelegations; i++)
            strbuf_printf(&f->evidence, "%s%s", i ? ", " : "", s->delegations[i]);
        strbuf_printf(&f->evidence, "%s. %s needs the subnet delegated to %s.",
                      s->ndelegations ? "" : "none", in->sku[0] ? in->sku : kind, needed);
        strbuf_printf(&f->hint, "Delegate the subnet to %s (the subnet must hold nothing else).",
                      needed);
        struct change *ch = finding_change(f, CHANGE_DELEGATE);
        if (ch)
            snprintf(ch->delegation, sizeof ch->delegation, "%s", needed);
        subnet_change(ch, s);
    } else {
        snprintf(f->remote, sizeof f->remote, "%.63s", s->delegations[0]);
        snprintf(f->title, sizeof f->title, "Subnet %s of APIM %s (%s) is delegated to %s: a"
                                            " classic tier's subnet must not be", s->name,
                 label, in->sku, s->delegations[0]);
        strbuf_printf(&f->evidence, "In the configuration (%s), APIM %s (tier %s, VNet mode %s)"
                                    " is injected into subnet %s, which is delegated to ",
                      c->snapshot, in->name, in->sku, in->mode, s->name);
        for (size_t i = 0; i < s->ndelegations; i++)
            strbuf_printf(&f->evidence, "%s%s", i ? ", " : "", s->delegations[i]);
        strbuf_puts(&f->evidence, ". Developer and Premium instances need a subnet without a"
                                  " delegation; deployments and updates into it fail.");
        strbuf_puts(&f->hint, "Remove the delegation from the subnet (or give the instance a"
                              " subnet of its own without one).");
        subnet_change(finding_change(f, CHANGE_UNDELEGATE), s);
    }
    strbuf_free(&lb);
    region_evidence(f, in, s);
    details_begin(f, in);
    strbuf_printf(&f->details, ",\"config_import_id\":%" PRId64 "}", c->nc->import_id);
    return 0;
}

/* ------------------------------------------------------------------ */
/* config-incomplete                                                  */

static int incomplete(struct check *c, const struct nc_instance *in, const char *what,
                      const char *id, const char *export)
{
    struct finding *f = finding_new(c->out);
    if (!f)
        return -1;
    f->analyzer = "config-incomplete";
    f->severity = "info";
    f->first = f->last = c->nc->imported_at;
    f->confidence = "high";
    const char *slash = strrchr(id, '/');
    snprintf(f->host, sizeof f->host, "%s", in->private_ips[0] ? in->private_ips : "-");
    char *comma = strchr(f->host, ',');
    if (comma)
        *comma = '\0';
    snprintf(f->remote, sizeof f->remote, "%.63s", slash ? slash + 1 : id);
    snprintf(f->rule, sizeof f->rule, "%s", what);
    struct strbuf label = {0};
    snprintf(f->title, sizeof f->title, "The %s of APIM %s was not imported: it could not be"
                                        " judged", what, instance_label(in, &label));
    strbuf_free(&label);
    strbuf_printf(&f->evidence, "APIM %s names %s %s, which no imported file holds (%s).",
                  in->name, what, id, c->snapshot);
    region_evidence(f, in, in->subnet >= 0 ? &c->nc->subnets[in->subnet] : NULL);
    strbuf_printf(&f->hint, "Export it and import it: %s > FILE.json; nsgflow config import"
                            " FILE.json", export);
    return 0;
}

/* ------------------------------------------------------------------ */

/* The config-* findings of one region of an instance (or of a workspace
 * gateway). Returns 0, -1 out of memory, -2 with err. */
static int judge_region(struct check *c, const struct nc_instance *in, char *err, size_t errlen)
{
    struct netconfig *nc = c->nc;
    if (in->subnet_missing)
        return incomplete(c, in, "subnet", in->subnet_missing,
                          "az network vnet subnet show --ids ID");
    if (in->subnet < 0 || strcasecmp(in->vnet_type, "None") == 0)
        return 0; /* not in a VNet: nothing of the network to judge */
    if (strcasecmp(in->vnet_type, "unknown") == 0)
        return delegation(c, in); /* no mode: only the subnet's delegation */
    const struct nc_subnet *s = &nc->subnets[in->subnet];
    int rc = 0;
    if (s->nsg_missing)
        rc = incomplete(c, in, "NSG", s->nsg_missing, "az network nsg show --ids ID");
    if (rc == 0 && s->route_table_missing)
        rc = incomplete(c, in, "route table", s->route_table_missing,
                        "az network route-table show --ids ID");
    struct requirements reqs;
    if (rc == 0) {
        if (requirements_load(c->db, netconfig_platform(in), netconfig_mode(in), &reqs, err,
                              errlen) != 0)
            return -2;
        rc = denied_ports(c, in, &reqs);
        requirements_free(&reqs);
    }
    if (rc == 0 && in->tier == TIER_CLASSIC && !s->route_table_missing)
        rc = lost_return(c, in);
    if (rc == 0 && in->tier == TIER_CLASSIC)
        rc = service_endpoints(c, in);
    if (rc == 0)
        rc = delegation(c, in);
    return rc;
}

int config_findings_build(sqlite3 *db, struct netconfig *nc, const struct scan_result *scan,
                          struct findings *out, char *err, size_t errlen)
{
    if (!nc->import_id)
        return 0;
    struct check *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->db = db;
    c->nc = nc;
    c->scan = scan;
    c->out = out;
    c->nflow = out->n;
    char t[24];
    time_format(nc->imported_at, t);
    snprintf(c->snapshot, sizeof c->snapshot, "snapshot %" PRId64 " of %s", nc->import_id, t);
    int rc = 0;
    for (size_t i = 0; i < nc->ninstances && rc == 0; i++)
        rc = judge_region(c, &nc->instances[i], err, errlen);
    free(c);
    if (rc == -1)
        snprintf(err, errlen, "out of memory");
    return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* correlation                                                        */

static const struct requirement *requirement_by_id(const struct requirements *reqs, int id)
{
    for (size_t i = 0; i < reqs->n; i++)
        if (reqs->v[i].id == id)
            return &reqs->v[i];
    return NULL;
}

/* denied-required-port: the configured rule, its priority, the exact fix. */
static int correlate_denied(struct check *c, struct finding *f, const struct requirements *reqs)
{
    struct netconfig *nc = c->nc;
    struct ip_addr ip;
    if (ip_parse(f->host, strlen(f->host), &ip) != 0)
        return 0;
    int s = netconfig_subnet_of(nc, &ip);
    const struct requirement *q = requirement_by_id(reqs, f->requirement_id);
    if (s < 0 || !q)
        return 0;
    const struct nc_subnet *sub = &nc->subnets[s];
    if (sub->nsg < 0) {
        strbuf_printf(&f->evidence, " The configuration (%s) has no NSG on subnet %s: the"
                                    " rule that denied this is elsewhere (the NIC's NSG), or"
                                    " the NSG was removed after these logs.", c->snapshot, sub->name);
        return 0;
    }
    const struct nc_nsg *n = &nc->nsgs[sub->nsg];
    const struct nc_instance *on[1];
    struct remote r = {0};
    struct addrset local = {0};
    int side = remote_side(nc, s, netconfig_instances_on(nc, s, on, 1) ? on[0] : NULL, q, &r);
    if (side != 0) {
        addrset_free(&r.set);
        return side < 0 ? -1 : 0;
    }
    char one[IP_TEXT_MAX + 4];
    snprintf(one, sizeof one, "%s", f->host);
    struct nsg_verdict v = {0};
    struct nc_scope scope = {nc, s};
    struct flow_query fq = {q->direction == DIRECTION_OUTBOUND ? NSG_OUTBOUND : NSG_INBOUND,
                            q->protocol, (uint16_t)f->port, &local, &r.set};
    if (addrset_add_prefix(&local, one) != 0 ||
        nsg_evaluate(&n->g, &fq, netconfig_resolve, &scope, &v) != 0) {
        addrset_free(&r.set);
        addrset_free(&local);
        return -1;
    }
    const struct nsg_rule *denier = NULL;
    for (size_t p = 0; p < v.n; p++)
        if (v.parts[p].rule && !v.parts[p].rule->allow &&
            (!denier || v.parts[p].rule->priority < denier->priority))
            denier = v.parts[p].rule;
    if (denier) {
        strbuf_printf(&f->evidence, " The configuration (%s) agrees: rule %s of NSG %s (",
                      c->snapshot, denier->name, n->name);
        rule_text(&f->evidence, denier);
        strbuf_puts(&f->evidence, ") denies it.");
        const struct nsg_rule *logged = netconfig_rule_named(n, f->rule);
        if (logged && logged != denier)
            strbuf_printf(&f->evidence, " (The logs name %s, priority %d.)", logged->name,
                          logged->priority);
        /* the exact change replaces the one with unknown names */
        strbuf_free(&f->hint);
        f->nchanges = 0;
        allow_rule_fix(f, n, q, r.rule, denier->priority, denier->name);
    } else {
        const struct nsg_rule *allower = v.n ? v.parts[0].rule : NULL;
        strbuf_printf(&f->evidence, " The configuration (%s) allows it now (rule %s of NSG %s,"
                                    " priority %d): the NSG changed after these logs, or"
                                    " another NSG (a NIC's) denied it.", c->snapshot,
                      allower ? allower->name : "?", n->name, allower ? allower->priority : 0);
    }
    nsg_verdict_free(&v);
    addrset_free(&r.set);
    addrset_free(&local);
    return 0;
}

/* asymmetric-return: do the routes send these replies away? */
static int correlate_return(struct check *c, struct finding *f)
{
    struct netconfig *nc = c->nc;
    struct ip_addr ip;
    if (ip_parse(f->host, strlen(f->host), &ip) != 0)
        return 0;
    int s = netconfig_subnet_of(nc, &ip);
    if (s < 0)
        return 0;
    const struct nc_subnet *sub = &nc->subnets[s];
    struct nc_scope scope = {nc, s};
    struct addrset dst = {0};
    int rc = 0;
    if (strcmp(f->remote, "Internet clients") == 0 || strcmp(f->remote, "clients") == 0)
        rc = netconfig_resolve(&scope, "Internet", &dst);
    else
        rc = addrset_add_prefix(&dst, f->remote);
    if (rc != 0 || addrset_is_empty(&dst)) {
        addrset_free(&dst);
        return rc == -2 ? -1 : 0;
    }
    const struct nc_route_table *t = sub->route_table >= 0 ? &nc->route_tables[sub->route_table] : NULL;
    struct route_verdict rv = {0};
    if (route_select(sub->routes, sub->nroutes, t ? t->disable_bgp : 0, &dst, netconfig_resolve,
                     &scope, &rv) != 0) {
        addrset_free(&dst);
        return -1;
    }
    uint64_t lost, total;
    const struct route *r = capturing_route(&rv, &lost, &total);
    int private_clients = strchr(f->remote, '/') != NULL;
    char hop[96];
    if (private_clients) {
        /* private clients: their replies must not go to the appliance either */
        r = NULL;
        for (size_t i = 0; i < rv.n && !r; i++)
            if (rv.parts[i].route && (rv.parts[i].route->next_hop == HOP_VIRTUAL_APPLIANCE ||
                                      rv.parts[i].route->next_hop == HOP_NONE))
                r = rv.parts[i].route;
    }
    if (r) {
        strbuf_printf(&f->evidence, " The routes confirm it (%s): route %s (%s, next hop %s) of"
                                    " route table %s carries the replies to %s away from the"
                                    " path the calls came by.", c->snapshot, r->name, r->prefix,
                      hop_words(r, hop, sizeof hop), t ? t->name : "(system)", f->remote);
        f->confidence = "high";
        if (f->port == 3443) {
            f->nchanges = 0; /* the configured names replace the unknown ones */
            management_route_fix(f, t);
            endpoints_fix(f, sub);
        }
    } else {
        const struct route *via = rv.n ? rv.parts[0].route : NULL;
        strbuf_printf(&f->evidence, " The configured routes contradict it (%s): the replies to"
                                    " %s take route %s (next hop %s) of %s. Something else"
                                    " loses them: routes learnt over BGP from a VPN or"
                                    " ExpressRoute gateway (az network nic"
                                    " show-effective-route-table shows them), a route table or"
                                    " NSG changed since, a firewall that drops the replies, or"
                                    " an NSG on the way back.", c->snapshot, f->remote,
                      via ? via->name : "?", via ? hop_words(via, hop, sizeof hop) : "?",
                      t ? t->name : "the system routes");
        f->confidence = "low";
    }
    route_verdict_free(&rv);
    addrset_free(&dst);
    return 0;
}

int config_correlate(sqlite3 *db, struct netconfig *nc, const struct requirements *reqs,
                     struct findings *out, size_t n)
{
    if (!nc->import_id)
        return 0;
    struct check *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->db = db;
    c->nc = nc;
    c->out = out;
    c->nflow = n;
    char t[24];
    time_format(nc->imported_at, t);
    snprintf(c->snapshot, sizeof c->snapshot, "snapshot %" PRId64 " of %s", nc->import_id, t);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct finding *f = &out->v[i];
        if (strcmp(f->analyzer, "denied-required-port") == 0)
            rc = correlate_denied(c, f, reqs);
        else if (strcmp(f->analyzer, "asymmetric-return") == 0)
            rc = correlate_return(c, f);
    }
    free(c);
    return rc;
}

void config_matrix_text(struct netconfig *nc, const struct ip_addr *host,
                        const struct requirement *q, char *out, size_t n)
{
    out[0] = '\0';
    if (!nc->import_id)
        return;
    int s = netconfig_subnet_of(nc, host);
    if (s < 0)
        return;
    const struct nc_subnet *sub = &nc->subnets[s];
    if (sub->nsg < 0) {
        snprintf(out, n, "allowed: no NSG on the subnet");
        return;
    }
    const struct nc_instance *on[1];
    struct remote r = {0};
    struct addrset local = {0};
    char one[IP_TEXT_MAX];
    ip_format(host, one);
    if (remote_side(nc, s, netconfig_instances_on(nc, s, on, 1) ? on[0] : NULL, q, &r) != 0 ||
        addrset_add_prefix(&local, one) != 0) {
        addrset_free(&r.set);
        addrset_free(&local);
        return;
    }
    struct segment *seg;
    size_t nseg;
    if (evaluate_requirement(nc, s, &nc->nsgs[sub->nsg].g, q, &local, &r.set, &seg, &nseg) == 0) {
        const struct nsg_rule *denier = NULL, *allower = NULL;
        int partial = 0, some_allowed = 0;
        char denied_ports[64] = "";
        for (size_t k = 0; k < nseg; k++) {
            if (seg[k].denier && (!denier || seg[k].denier->priority < denier->priority))
                denier = seg[k].denier;
            partial |= seg[k].denier && seg[k].v.allowed;
            some_allowed |= !seg[k].denier;
            if (seg[k].denier) {
                char p[16];
                ports_text(seg[k].first, seg[k].last, p, sizeof p);
                if (strlen(denied_ports) + strlen(p) + 2 < sizeof denied_ports)
                    snprintf(denied_ports + strlen(denied_ports),
                             sizeof denied_ports - strlen(denied_ports), "%s%s",
                             denied_ports[0] ? "," : "", p);
            }
            for (size_t p = 0; p < seg[k].v.n && !allower; p++)
                if (seg[k].v.parts[p].rule && seg[k].v.parts[p].rule->allow)
                    allower = seg[k].v.parts[p].rule;
        }
        if (denier && some_allowed)
            snprintf(out, n, "%s by %s (%d) on %s", partial ? "partly denied" : "denied",
                     denier->name, denier->priority, denied_ports);
        else if (denier)
            snprintf(out, n, "%s by %s (%d)", partial ? "partly denied" : "denied", denier->name,
                     denier->priority);
        else if (allower)
            snprintf(out, n, "allowed by %s (%d)", allower->name, allower->priority);
        segments_free(seg, nseg);
    }
    addrset_free(&r.set);
    addrset_free(&local);
}
