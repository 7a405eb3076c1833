/* returns.c: asymmetric-return, the lost way back. The NSG allows the calls,
 * the APIM instance answers, and a route sends the answers elsewhere (a
 * firewall, on-premises), so the caller never gets them. Judged from the
 * window's connections, per source class and hour (the pass hands the ones
 * it needs, allowed inbound TCP on 443 and 3443, to temp.return_candidate,
 * with the allowed calls on the clients' ports that clients.c looks up):
 *
 *   - management calls on TCP 3443 from the control plane: each source with
 *     two or more connections on its own (a finding per host and source);
 *     the sources that have no finding of their own, however few calls
 *     each made, together as the class "ApiManagement" (a finding per host
 *     when the outage is spread over many addresses, each calling once or
 *     twice an hour, as the management plane does since it calls from the
 *     whole service tag);
 *   - client calls on TCP 443: the sources of one class together, each of
 *     them however few calls it made: the Internet's, each service tag's
 *     (AzureTrafficManager probes, say), each private /24 (/64) (an
 *     Application Gateway subnet), a finding per host and class.
 *
 * An hour is bad when at least LOST_MIN of its connections lost their answer
 * and they are most of them; or when none of its connections was answered
 * and at least LOST_MIN of them repeated their SYN (a caller that gives up
 * after one retransmit). For a class, whose sources may call once each,
 * the lost connections must also come from at least CLASS_SOURCES_MIN
 * sources (one source alone is judged on its own). Sources that called
 * many ports or NICs (scanners) never count; connections that were answered
 * and then reset or closed (scanners, refused calls) never count as lost. A
 * finding says when it started (its first bad hour), whether it still held
 * in the last hour with traffic, its counts (and a class's sources) per
 * hour, and examples. Memory: SQLite groups the connections; one source's
 * hours are held at a time, and one host's classes. */
#include "findings_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/plural.h"
#include "../common/timearg.h"
#include "../ingest/tuple.h"
#include "azcmd.h"
#include "tags.h"

#define LOST_MIN 3
#define CLASS_SOURCES_MIN 2
#define EXAMPLES 3

struct hour_counts {
    int64_t hour;
    int64_t n[CONN_CLASSES];
    int64_t lost_by_counters; /* answer-lost connections told by their counters */
    int64_t sources;          /* a class: its sources with a connection this hour */
    int64_t lost_sources;     /* ... with an answer-lost one */
    int64_t repeating_sources; /* ... with an answer-lost or retransmitted one */
};

/* An example of a lost answer: a connection, and what orders it. */
struct example {
    int64_t ts;         /* when it began (Unix seconds) */
    int64_t remote;     /* its source (address order: addresses_cmp) */
    int64_t first_tuple; /* the connection (its first tuple's id) */
};

/* The examples are the EXAMPLES earliest of the lost connections (the
 * earliest of each source, hour and class; the same second: the lower
 * source address, then the order of the log), printed in that order: the
 * same connections in a shard holding the host's NIC as in one database of
 * everything, whatever ids the databases gave addresses and tuples. */
static int example_before(const addresses *addrs, const struct example *x,
                          const struct example *y)
{
    if (x->ts != y->ts)
        return x->ts < y->ts;
    int c = x->remote == y->remote ? 0 : addresses_cmp(addrs, x->remote, y->remote);
    if (c)
        return c < 0;
    return x->first_tuple < y->first_tuple;
}

/* Adds e to the sorted examples[0..*n) when it is among the EXAMPLES earliest. */
static void keep_example(const addresses *addrs, struct example *examples, int *n,
                         const struct example *e)
{
    int i = *n;
    if (i == EXAMPLES) {
        if (!example_before(addrs, e, &examples[i - 1]))
            return;
        i--;
    } else {
        (*n)++;
    }
    for (; i > 0 && example_before(addrs, e, &examples[i - 1]); i--)
        examples[i] = examples[i - 1];
    examples[i] = *e;
}

/* What a caller is: one source, or a class of sources. */
enum caller_kind {
    CALLER_SOURCE,            /* one address */
    CALLER_INTERNET,          /* the Internet's clients */
    CALLER_PRIVATE,           /* a private /24 (/64) of clients */
    CALLER_TAG,               /* the addresses of one service tag */
};

/* A source (or a class of sources) calling one host on one port. */
struct caller {
    int64_t local, remote;    /* remote: a source's address id, or 0 for a class */
    int port;
    enum caller_kind kind;
    char label[64];           /* the address, "Internet clients", a /24, a tag's name */
    int64_t sources;          /* a class: how many sources it holds */
    int64_t losing;           /* ... how many of them lost an answer */
    struct hour_counts *h;
    size_t nh, cap;
    struct example examples[EXAMPLES]; /* the earliest lost connections, sorted */
    int nexamples;
    int64_t tuples, first, last;
};

static void caller_reset(struct caller *c)
{
    free(c->h);
    memset(c, 0, sizeof *c);
}

static struct hour_counts *caller_hour(struct caller *c, int64_t hour)
{
    for (size_t i = c->nh; i > 0; i--)
        if (c->h[i - 1].hour == hour)
            return &c->h[i - 1];
    if (c->nh == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct hour_counts *h = realloc(c->h, cap * sizeof *h);
        if (!h)
            return NULL;
        c->h = h;
        c->cap = cap;
    }
    size_t i = c->nh;
    while (i > 0 && c->h[i - 1].hour > hour)
        i--;
    memmove(c->h + i + 1, c->h + i, (c->nh - i) * sizeof *c->h);
    memset(&c->h[i], 0, sizeof c->h[i]);
    c->h[i].hour = hour;
    c->nh++;
    return &c->h[i];
}

/* Adds the single source src's hours, examples and counts into dst (a
 * class). */
static int caller_merge(const addresses *addrs, struct caller *dst, const struct caller *src)
{
    for (size_t i = 0; i < src->nh; i++) {
        struct hour_counts *h = caller_hour(dst, src->h[i].hour);
        if (!h)
            return -1;
        for (int k = 0; k < CONN_CLASSES; k++)
            h->n[k] += src->h[i].n[k];
        h->lost_by_counters += src->h[i].lost_by_counters;
        h->sources++;
        if (src->h[i].n[CONN_ANSWER_LOST] > 0)
            h->lost_sources++;
        if (src->h[i].n[CONN_ANSWER_LOST] + src->h[i].n[CONN_RETRANSMITTED] > 0)
            h->repeating_sources++;
    }
    for (int i = 0; i < src->nexamples; i++)
        keep_example(addrs, dst->examples, &dst->nexamples, &src->examples[i]);
    dst->sources++;
    for (size_t i = 0; i < src->nh; i++)
        if (src->h[i].n[CONN_ANSWER_LOST] + src->h[i].n[CONN_RETRANSMITTED] > 0) {
            dst->losing++;
            break;
        }
    dst->tuples += src->tuples;
    if (!dst->first || src->first < dst->first)
        dst->first = src->first;
    if (src->last > dst->last)
        dst->last = src->last;
    return 0;
}

/* The judgement of one hour. */
struct hour_verdict {
    int64_t lost, total, good;
    int bad;
    int by_retransmits; /* bad only by the rule for callers that give up early */
};

/* One hour of a source (is_class 0) or of a class (1), whose lost
 * connections must then come from CLASS_SOURCES_MIN sources or more. */
static struct hour_verdict judge_hour(const struct hour_counts *h, int is_class)
{
    struct hour_verdict v = {0};
    for (int k = 0; k < CONN_CLASSES; k++)
        v.total += h->n[k];
    int64_t lost = h->n[CONN_ANSWER_LOST], weak = h->n[CONN_RETRANSMITTED];
    v.good = h->n[CONN_COMPLETED] + h->n[CONN_ANSWERED];
    v.lost = lost;
    if (lost >= LOST_MIN && 2 * lost > v.total &&
        (!is_class || h->lost_sources >= CLASS_SOURCES_MIN)) {
        v.bad = 1;
    } else if (v.good == 0 && lost + weak >= LOST_MIN && 2 * (lost + weak) > v.total &&
               (!is_class || h->repeating_sources >= CLASS_SOURCES_MIN)) {
        v.bad = 1;
        v.by_retransmits = 1;
        v.lost = lost + weak;
    }
    return v;
}

/* How many of c's hours are bad. */
static size_t bad_hours(const struct caller *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nh; i++)
        n += (size_t)judge_hour(&c->h[i], c->kind != CALLER_SOURCE).bad;
    return n;
}

static void hour_text(int64_t hour, char *buf)
{
    char t[24];
    time_format(hour, t);
    snprintf(buf, 8, "%.5s", t + 11); /* HH:MM */
}

/* The fix for c's lost answers: its hint and its change; group_id is a
 * flow group of the host (for the names of its network). */
static void route_hint(sqlite3 *db, struct finding *f, int64_t group_id, const struct caller *c)
{
    char target[512], vnet[128] = "", subnet[128] = "";
    text_by_id(db, "SELECT coalesce(target_resource_id, '') FROM flow_group WHERE id = ?",
               group_id, target, sizeof target);
    id_segment(target, "VIRTUALNETWORKS", vnet, sizeof vnet);
    id_segment(target, "SUBNETS", subnet, sizeof subnet);
    char rg[128] = "";
    id_segment(target, "RESOURCEGROUPS", rg, sizeof rg);
    struct change *ch;
    if (c->port == 3443) {
        strbuf_puts(&f->hint, "Send the management plane's replies straight back: in the route"
                              " table of the APIM subnet add a route for the ApiManagement"
                              " service tag with next hop Internet (older deployments: one /32"
                              " route per control-plane address). With forced tunnelling also"
                              " give the subnet service endpoints, so that its dependencies"
                              " skip the tunnel.");
        ch = finding_change(f, CHANGE_ROUTE);
        if (ch) {
            snprintf(ch->prefix, sizeof ch->prefix, "ApiManagement");
            snprintf(ch->next_hop, sizeof ch->next_hop, "Internet");
        }
        /* the subnet's endpoints: its own are not known from flow logs */
        ch = finding_change(f, CHANGE_ENDPOINTS);
        if (ch) {
            /* bounded: the change's fields are shorter than the ids' parts */
            snprintf(ch->resource_group, sizeof ch->resource_group, "%.*s",
                     (int)sizeof ch->resource_group - 1, rg);
            snprintf(ch->parent, sizeof ch->parent, "%.*s", (int)sizeof ch->parent - 1, vnet);
            snprintf(ch->subnet, sizeof ch->subnet, "%.*s", (int)sizeof ch->subnet - 1, subnet);
            snprintf(ch->services, sizeof ch->services,
                     "Microsoft.Sql Microsoft.Storage Microsoft.EventHub Microsoft.KeyVault");
        }
    } else if (c->kind == CALLER_PRIVATE) {
        strbuf_printf(&f->hint, "The clients in %s are private addresses (an Application"
                                " Gateway subnet, a peered network, on-premises): their"
                                " answers must go back the way the calls came. Give the APIM"
                                " subnet a route for %s: next hop VnetLocal when the range is"
                                " in this VNet or a peered one, VirtualNetworkGateway when it is"
                                " on-premises, instead of the firewall.", c->label, c->label);
        ch = finding_change(f, CHANGE_ROUTE);
        if (ch) {
            snprintf(ch->prefix, sizeof ch->prefix, "%s", c->label);
            snprintf(ch->next_hop, sizeof ch->next_hop, "VnetLocal");
        }
    } else if (c->kind == CALLER_TAG) {
        strbuf_printf(&f->hint, "The callers are addresses of the %s service tag, and their"
                                " answers leave by another path than the calls came in (a"
                                " user-defined route to a firewall or on-premises). Give the"
                                " APIM subnet a route for the %s service tag with next hop"
                                " Internet: it steers only that service's answers past the"
                                " firewall.", c->label, c->label);
        ch = finding_change(f, CHANGE_ROUTE);
        if (ch) {
            snprintf(ch->prefix, sizeof ch->prefix, "%s", c->label);
            snprintf(ch->next_hop, sizeof ch->next_hop, "Internet");
        }
    } else {
        strbuf_puts(&f->hint, "Replies to clients leave by another path than the calls came in"
                              " (a user-defined route to a firewall or on-premises). For each"
                              " client that must reach the gateway, give the APIM subnet a route"
                              " for the client's prefix with next hop Internet, as Microsoft"
                              " documents for External mode with forced tunnelling. The"
                              " trade-off: every such route lets that prefix's answers bypass"
                              " the firewall, and Internet clients are many and change; to keep"
                              " the tunnel whole, publish the gateway through an Application"
                              " Gateway or Azure Front Door instead (then only their addresses"
                              " call the instance).");
        ch = finding_change(f, CHANGE_ROUTE);
        if (ch)
            snprintf(ch->next_hop, sizeof ch->next_hop, "Internet"); /* the prefix: theirs */
    }
}

/* One example connection, in words (with its source address when
 * with_source: a class's examples come from several); sets *group_id and
 * *rule_id. */
static void describe_example(sqlite3 *db, int64_t first_tuple, int with_source,
                             struct strbuf *s, int64_t *group_id, int64_t *rule_id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT t.src_port, t.ts, c.syns, c.duration_ms,"
                               " c.packets_src_to_dst, c.bytes_src_to_dst, c.packets_dst_to_src,"
                               " c.bytes_dst_to_src, t.group_id, coalesce(c.rule_id, 0), c.remote"
                               " FROM connection c JOIN flow_tuple t ON t.id = c.first_tuple"
                               " WHERE c.first_tuple = ?", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, first_tuple);
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (with_source) {
            char ip[IP_TEXT_MAX];
            addresses_text(db, sqlite3_column_int64(st, 10), ip);
            strbuf_printf(s, "%s ", ip);
        }
        char t[24];
        time_format(sqlite3_column_int64(st, 1), t);
        double seconds = sqlite3_column_int64(st, 3) / 1000.0;
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            strbuf_printf(s, "source port %d at %s: %d SYNs in %.1f s", sqlite3_column_int(st, 0),
                          t, sqlite3_column_int(st, 2), seconds);
        else
        {
            long long v[4];
            for (int k = 0; k < 4; k++)
                v[k] = (long long)sqlite3_column_int64(st, 4 + k);
            strbuf_printf(s, "source port %d at %s: %lld %s / %lld %s in, %lld %s / %lld %s out,"
                             " no payload", sqlite3_column_int(st, 0), t,
                          v[0], plural(v[0], "packet", "packets"), v[1], plural(v[1], "byte", "bytes"),
                          v[2], plural(v[2], "packet", "packets"), v[3], plural(v[3], "byte", "bytes"));
        }
        if (!*group_id)
            *group_id = sqlite3_column_int64(st, 8);
        if (!*rule_id)
            *rule_id = sqlite3_column_int64(st, 9);
    }
    sqlite3_finalize(st);
}

/* What c's connections show when no hour is bad: healthy when most were
 * answered (two or more connections, or one that was answered); else a
 * note of what little it saw, so that a previous window's finding stays
 * open and says why. */
static int judge_quiet(const struct caller *c, const char *host, struct findings *out)
{
    int64_t connections = 0, answered = 0, lost = 0;
    for (size_t i = 0; i < c->nh; i++) {
        for (int k = 0; k < CONN_CLASSES; k++)
            connections += c->h[i].n[k];
        answered += c->h[i].n[CONN_COMPLETED] + c->h[i].n[CONN_ANSWERED] + c->h[i].n[CONN_CLOSED];
        lost += c->h[i].n[CONN_ANSWER_LOST] + c->h[i].n[CONN_RETRANSMITTED];
    }
    if (connections == 0)
        return 0;
    if ((connections >= 2 || answered > 0) && 2 * lost <= connections)
        return findings_healthy(out, "asymmetric-return", host, c->label, c->port);
    char seen[200];
    if (connections == 1)
        snprintf(seen, sizeof seen, "1 connection from %s, not answered: too few to judge (a"
                                    " source is judged on 2 or more)", c->label);
    else
        snprintf(seen, sizeof seen, "%lld connections from %s, %lld of them lost or repeated,"
                                    " never %d in one hour%s: too few to judge",
                 (long long)connections, c->label, (long long)lost, LOST_MIN,
                 c->kind == CALLER_SOURCE ? "" : " from 2 or more sources");
    return findings_thin(out, "asymmetric-return", host, c->label, c->port, seen);
}

/* The title of c's finding, and who called, for its evidence. */
static void caller_words(const struct caller *c, struct finding *f, char *who, size_t n)
{
    long long sources = (long long)c->sources;
    const char *addrs = plural(sources, "address", "addresses");
    switch (c->kind) {
    case CALLER_SOURCE:
        snprintf(f->title, sizeof f->title,
                 "Replies to management calls from %s on TCP 3443 are lost: a missing route?",
                 c->label);
        snprintf(who, n, "%s", c->label);
        break;
    case CALLER_TAG:
        if (c->port == 3443)
            snprintf(f->title, sizeof f->title,
                     "Replies to management calls from %lld %s of the %s service tag on TCP"
                     " 3443 are lost: a missing route?", sources, addrs, c->label);
        else
            snprintf(f->title, sizeof f->title,
                     "Replies to %lld %s of the %s service tag on TCP %d are lost: a missing"
                     " route?", sources, addrs, c->label, c->port);
        snprintf(who, n, "addresses of the %s service tag", c->label);
        break;
    case CALLER_PRIVATE:
        snprintf(f->title, sizeof f->title,
                 "Replies to clients in %s on TCP %d are lost: a missing route?", c->label, c->port);
        snprintf(who, n, "the clients in that range");
        break;
    case CALLER_INTERNET:
        snprintf(f->title, sizeof f->title,
                 "Replies to clients on TCP %d are lost: a missing route?", c->port);
        snprintf(who, n, "clients");
        break;
    }
}

/* Judges a caller: a finding when any hour is bad, else judge_quiet. */
static int judge(sqlite3 *db, const struct caller *c, struct findings *out)
{
    int64_t connections = 0, lost = 0, by_counters = 0, bad = 0;
    int64_t first_bad = -1, last_hour = -1, last_bad_state = 0;
    int by_retransmits = 0, is_class = c->kind != CALLER_SOURCE;
    char host[IP_TEXT_MAX];
    addresses_text(db, c->local, host);
    if (bad_hours(c) == 0)
        return judge_quiet(c, host, out);
    struct hour_verdict *v = calloc(c->nh + 1, sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < c->nh; i++) {
        v[i] = judge_hour(&c->h[i], is_class);
        connections += v[i].total;
        if (v[i].bad) {
            bad++;
            lost += v[i].lost;
            by_counters += c->h[i].lost_by_counters;
            by_retransmits |= v[i].by_retransmits;
            if (first_bad < 0)
                first_bad = c->h[i].hour;
        }
        last_hour = c->h[i].hour;
        last_bad_state = v[i].bad;
    }
    struct finding *f = finding_new(out);
    if (!f) {
        free(v);
        return -1;
    }
    f->analyzer = "asymmetric-return";
    f->severity = "error";
    snprintf(f->host, sizeof f->host, "%s", host);
    snprintf(f->remote, sizeof f->remote, "%s", c->label);
    f->port = c->port;
    f->protocol = "TCP";
    f->direction = "inbound";
    f->flows = c->tuples;
    f->connections = connections;
    f->first = c->first;
    f->last = c->last;
    f->confidence = by_counters * 2 >= lost ? "high" : "medium";
    for (size_t i = 0; i < c->nh; i++) {
        int64_t shown = v[i].bad ? v[i].lost : c->h[i].n[CONN_ANSWER_LOST];
        if (finding_add_hour(f, c->h[i].hour, shown, v[i].total - shown) != 0) {
            free(v);
            return -1;
        }
    }
    char who[160], window[64], a[8], b[8];
    caller_words(c, f, who, sizeof who);
    window_text(c->first, c->last, window, sizeof window);
    hour_text(first_bad, a);
    hour_text(last_hour, b);
    strbuf_printf(&f->evidence, "%lld of %lld connections from %s to %s:%d between %s lost their"
                                " answers (%s). ", (long long)lost, (long long)connections,
                  who, host, c->port, window,
                  by_counters * 2 >= lost
                      ? "counters of SYNs only: the caller sent its SYN again and again, the"
                        " answers went out, no payload"
                  : by_retransmits
                      ? "the same connection's SYN logged again seconds later and nothing"
                        " after, and no connection of the hour answered"
                      : "the same connection's SYN logged 3 or more times, seconds apart, and"
                        " nothing after");
    if (is_class)
        strbuf_printf(&f->evidence, "%lld %s called, %lld of them lost answers. ",
                      (long long)c->sources, plural((long long)c->sources, "address", "addresses"),
                      (long long)c->losing);
    strbuf_printf(&f->evidence, "It began in the hour of %sZ (%lld of %zu %s with traffic"
                                " %s bad) and %s in the last hour with traffic (%sZ). Lost of"
                                " all, per hour%s:", a, (long long)bad, c->nh,
                  plural((long long)c->nh, "hour", "hours"), bad == 1 ? "was" : "were",
                  last_bad_state ? "still held" : "was over", b,
                  is_class ? " (sources with a lost answer of the hour's sources)" : "");
    for (size_t i = 0; i < c->nh; i++) {
        char h[8];
        hour_text(c->h[i].hour, h);
        strbuf_printf(&f->evidence, "%s %sZ %lld/%lld", i ? "," : "", h,
                      (long long)(v[i].bad ? v[i].lost : c->h[i].n[CONN_ANSWER_LOST]),
                      (long long)v[i].total);
        if (is_class)
            strbuf_printf(&f->evidence, " (%lld/%lld)",
                          (long long)(v[i].by_retransmits ? c->h[i].repeating_sources
                                                          : c->h[i].lost_sources),
                          (long long)c->h[i].sources);
    }
    strbuf_puts(&f->evidence, ".");
    int64_t group_id = 0, rule_id = 0;
    for (int i = 0; i < c->nexamples; i++) {
        strbuf_puts(&f->evidence, i ? "; " : " For example: ");
        describe_example(db, c->examples[i].first_tuple, is_class, &f->evidence, &group_id,
                         &rule_id);
    }
    if (c->nexamples)
        strbuf_puts(&f->evidence, ".");
    rule_name(db, rule_id, f->rule, sizeof f->rule);
    char t_first[24];
    time_format(first_bad, t_first);
    strbuf_printf(&f->details, "{\"connections\":%lld,\"lost\":%lld,\"lost_by_counters\":%lld,"
                               "\"bad_hours\":%lld,\"hours\":%zu,\"first_bad_hour\":\"%s\","
                               "\"held_at_end\":%s,\"by_retransmits\":%s,\"sources\":%lld}",
                  (long long)connections, (long long)lost, (long long)by_counters,
                  (long long)bad, c->nh, t_first, last_bad_state ? "true" : "false",
                  by_retransmits ? "true" : "false", (long long)(is_class ? c->sources : 1));
    route_hint(db, f, group_id, c);
    free(v);
    return 0;
}

/* The tags a class of callers is named after, most specific first;
 * AzureCloud (all of Azure: anyone's virtual machines) is the Internet's. */
static const int class_tags[] = {
    TAG_API_MANAGEMENT, TAG_TRAFFIC_MANAGER, TAG_CONNECTORS, TAG_AZURE_MONITOR,
    TAG_EVENT_HUB, TAG_SQL, TAG_STORAGE, TAG_KEY_VAULT, TAG_ENTRA_ID,
};

/* The class of a client address into kind and label: a service tag's, its
 * private /24 (/64), or the Internet's. */
static void client_class(sqlite3 *db, const struct remote_info *ri, int64_t remote,
                         enum caller_kind *kind, char *label, size_t n)
{
    if (!ri->is_private) {
        for (size_t i = 0; i < sizeof class_tags / sizeof class_tags[0]; i++)
            if (ri->tags & (1u << class_tags[i])) {
                *kind = CALLER_TAG;
                snprintf(label, n, "%s", tag_name(class_tags[i]));
                return;
            }
        *kind = CALLER_INTERNET;
        snprintf(label, n, "Internet clients");
        return;
    }
    *kind = CALLER_PRIVATE;
    char ip[IP_TEXT_MAX];
    addresses_text(db, remote, ip);
    struct ip_addr a;
    if (ip_parse(ip, strlen(ip), &a) != 0) {
        snprintf(label, n, "%s", ip);
        return;
    }
    int bits = a.family == IP_V4 ? 24 : 64;
    for (int i = bits / 8; i < 16; i++)
        a.b[i] = 0;
    ip_format(&a, ip);
    snprintf(label, n, "%s/%d", ip, bits);
}

/* The classes of callers of one host and port. */
struct classes {
    struct caller *v;
    size_t n, cap;
};

static struct caller *class_of(struct classes *g, const struct caller *source,
                               enum caller_kind kind, const char *label)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->v[i].label, label) == 0)
            return &g->v[i];
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 8;
        struct caller *v = realloc(g->v, cap * sizeof *v);
        if (!v)
            return NULL;
        g->v = v;
        g->cap = cap;
    }
    struct caller *c = &g->v[g->n++];
    memset(c, 0, sizeof *c);
    c->local = source->local;
    c->port = source->port;
    c->kind = kind;
    snprintf(c->label, sizeof c->label, "%s", label);
    return c;
}

static int judge_classes(sqlite3 *db, struct classes *g, struct findings *out)
{
    int rc = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (rc == 0)
            rc = judge(db, &g->v[i], out);
        caller_reset(&g->v[i]);
    }
    g->n = 0;
    return rc;
}

/* A source's block is over: judge it, add it to its class, or both.
 * Management calls (3443): a source of the control plane with two or more
 * connections is judged on its own; unless that finds it bad, it joins the
 * class of the ApiManagement tag. Clients (443): every source joins its
 * class. Scanners and the platform's own address never count. */
static int source_done(sqlite3 *db, const struct scan_result *scan, const addresses *addrs,
                       struct caller *c, struct classes *classes, struct findings *out)
{
    int64_t connections = 0;
    for (size_t i = 0; i < c->nh; i++)
        for (int k = 0; k < CONN_CLASSES; k++)
            connections += c->h[i].n[k];
    const struct remote_info *ri = addresses_info(addrs, c->remote);
    if (!ri || connections == 0 || scan_is_scanner(scan_source(scan, c->remote)))
        return 0;
    enum caller_kind kind;
    char label[64];
    if (c->port == 3443) {
        if (!ri->is_control_plane && !(ri->tags & (1u << TAG_API_MANAGEMENT)))
            return 0;
        c->kind = CALLER_SOURCE;
        addresses_text(db, c->remote, c->label);
        if (connections >= 2) {
            int alone = bad_hours(c) > 0;
            if (judge(db, c, out) != 0)
                return -1;
            if (alone)
                return 0;
        }
        kind = CALLER_TAG;
        snprintf(label, sizeof label, "%s", tag_name(TAG_API_MANAGEMENT));
    } else {
        if (ri->is_lb)
            return 0;
        client_class(db, ri, c->remote, &kind, label, sizeof label);
    }
    struct caller *g = class_of(classes, c, kind, label);
    return g ? caller_merge(addrs, g, c) : -1;
}

int build_returns(sqlite3 *db, int64_t run_id, const struct scan_result *scan,
                  const addresses *addrs, const struct apim_hosts *hosts,
                  struct findings *out, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT local, port, remote, first_ts - first_ts % 3600 AS hour, class,"
            " counted, count(*), min(((first_ts % 3600) << 50) | first_tuple), min(first_ts),"
            " max(first_ts + duration_ms / 1000), sum(tuples)"
            " FROM temp.return_candidate WHERE port IN (443, 3443)"
            " GROUP BY local, port, remote, hour, class, counted"
            " ORDER BY local, port, remote, hour", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    (void)run_id; /* the candidates are this run's (scan.c) */
    struct caller cur;
    memset(&cur, 0, sizeof cur);
    struct classes classes = {0};
    int have = 0, rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t local = sqlite3_column_int64(st, 0), remote = sqlite3_column_int64(st, 2);
        int port = sqlite3_column_int(st, 1);
        if (have && (local != cur.local || port != cur.port || remote != cur.remote)) {
            rc = source_done(db, scan, addrs, &cur, &classes, out);
            if (rc == 0 && (local != cur.local || port != cur.port))
                rc = judge_classes(db, &classes, out);
            caller_reset(&cur);
            have = 0;
            if (rc != 0)
                break;
        }
        if (apim_host_index(hosts, local) < 0)
            continue;
        if (!have) {
            cur.local = local;
            cur.port = port;
            cur.remote = remote;
            have = 1;
        }
        struct hour_counts *h = caller_hour(&cur, sqlite3_column_int64(st, 3));
        if (!h) {
            rc = -1;
            break;
        }
        int cls = sqlite3_column_int(st, 4);
        int64_t n = sqlite3_column_int64(st, 6);
        if (cls >= 0 && cls < CONN_CLASSES)
            h->n[cls] += n;
        if (cls == CONN_ANSWER_LOST && sqlite3_column_int(st, 5))
            h->lost_by_counters += n;
        if (cls == CONN_ANSWER_LOST || cls == CONN_RETRANSMITTED) {
            /* column 7: the row's earliest connection, its second of the
             * hour above its tuple id (ids below 2^50) */
            int64_t key = sqlite3_column_int64(st, 7);
            struct example e = {sqlite3_column_int64(st, 3) + (key >> 50),
                                remote, key & ((INT64_C(1) << 50) - 1)};
            keep_example(addrs, cur.examples, &cur.nexamples, &e);
        }
        int64_t first = sqlite3_column_int64(st, 8), last = sqlite3_column_int64(st, 9);
        if (!cur.first || first < cur.first)
            cur.first = first;
        if (last > cur.last)
            cur.last = last;
        cur.tuples += sqlite3_column_int64(st, 10);
    }
    if (rc == 0 && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = -2;
    if (rc == 0 && have)
        rc = source_done(db, scan, addrs, &cur, &classes, out);
    if (rc == 0)
        rc = judge_classes(db, &classes, out);
    caller_reset(&cur);
    for (size_t i = 0; i < classes.n; i++)
        caller_reset(&classes.v[i]);
    free(classes.v);
    sqlite3_finalize(st);
    if (rc == -2)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    else if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}
