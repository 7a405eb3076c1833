/* netstatus.c: the network-status analyzer (see netstatus.h). The imported
 * dependencies are read once; each is lined up with the requirement it
 * concerns and the instance's hosts and subnet; the window's findings are
 * searched for the ones that explain a failing dependency (the portal's
 * words go into their evidence), and the rest become findings of their
 * own, with the pass's counts and the configuration's verdict for them. */
#include "netstatus.h"

#include <ctype.h>
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
#include "config_check.h"
#include "findings_int.h"

/* A status last checked this long before the window (or after it) is
 * said to be old (or later than the traffic). */
#define STATUS_OLD_SECONDS 86400

enum dep_state { DEP_SUCCESS, DEP_FAILURE, DEP_INITIALIZING, DEP_OTHER };

/* One dependency of an imported status, lined up. */
struct dep {
    char *instance, *location, *name, *type, *status, *error, *dns;
    int64_t updated, since, import_id, imported_at;
    int optional, state;
    char host[64];                 /* the name's host: the finding's remote */
    int name_port;                 /* a port the name gives, 0 none */
    /* the line-up (network_status_lineup) */
    int lined;                     /* 1: a row for its type */
    int direction, protocol, port; /* DIRECTION_*, 6 or 17 */
    char remote[32];
    int qi;                        /* the requirement: index into reqs, -1 none */
    /* where it is */
    const struct nc_instance *in;  /* its configuration, NULL: not imported */
    int elsewhere;                 /* a location other than the configuration's */
    struct strbuf prefix;          /* {"instance":NAME, how config findings begin */
    int explained;                 /* findings that explain it */
};

struct lineup {
    sqlite3 *db;
    struct netconfig *nc;
    const struct scan_result *scan;
    const struct requirements *reqs;
    const struct apim_hosts *hosts;
    char (*texts)[IP_TEXT_MAX];    /* the hosts' addresses, as hosts->ids */
    int64_t from, to;
    struct findings *out;
    size_t nfound;                 /* out->v[0..nfound): the window's findings */
    struct dep *v;
    size_t n;
};

static void deps_free(struct lineup *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct dep *d = &c->v[i];
        free(d->instance);
        free(d->location);
        free(d->name);
        free(d->type);
        free(d->status);
        free(d->error);
        free(d->dns);
        strbuf_free(&d->prefix);
    }
    free(c->v);
    free(c->texts);
}

/* ------------------------------------------------------------------ */
/* reading and lining up                                              */

void netstatus_endpoint(const char *name, char *host, size_t n, int *port)
{
    const char *p = strstr(name, "://");
    p = p ? p + 3 : name;
    const char *end = p + strcspn(p, "/?#"), *rest = end;
    if (*p == '[' && memchr(p, ']', (size_t)(end - p))) { /* [IPv6]:port */
        rest = (const char *)memchr(p, ']', (size_t)(end - p)) + 1;
        end = rest - 1;
        p++;
    } else if (memchr(p, ':', (size_t)(end - p))) {   /* host:port */
        rest = memchr(p, ':', (size_t)(end - p));
        end = rest;
    }
    /* the port: ":" and 1..65535, up to where the host part ends */
    long v = 0;
    const char *q = rest + 1, *stop = rest + strcspn(rest, "/?#");
    for (; *rest == ':' && q < stop && isdigit((unsigned char)*q) && v <= 65535; q++)
        v = v * 10 + (*q - '0');
    *port = *rest == ':' && q == stop && q > rest + 1 && v >= 1 && v <= 65535 ? (int)v : 0;
    size_t len = (size_t)(end - p);
    if (!len) { /* no host in it: the name as given */
        p = name;
        len = strlen(name);
    }
    if (len >= n) /* cut at a character's start */
        for (len = n - 1; len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80; len--)
            ;
    snprintf(host, n, "%.*s", (int)len, p);
}

static char *dup_column(sqlite3_stmt *st, int i, int keep_null)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v || !keep_null ? strdup(v ? v : "") : NULL;
}

/* The requirement of reqs that matches, or -1. */
static int requirement_of(const struct requirements *reqs, int direction, int protocol,
                          const char *remote, int port)
{
    for (size_t i = 0; i < reqs->n; i++) {
        const struct requirement *q = &reqs->v[i];
        if (q->direction == direction && q->protocol == protocol &&
            strcmp(q->remote, remote) == 0 && requirement_has_port(q, port))
            return (int)i;
    }
    return -1;
}

/* Its type's rows of network_status_lineup: the first whose requirement
 * lists the port of the name, else the first whose requirement the
 * analysis holds, else the first (no requirement). */
static int line_up(struct lineup *c, sqlite3_stmt *st, struct dep *d)
{
    struct row {
        int direction, protocol, port;
        char remote[32];
    } rows[8];
    int n = 0, rc;
    sqlite3_bind_text(st, 1, d->type, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 8) {
        struct row *r = &rows[n++];
        const char *dir = (const char *)sqlite3_column_text(st, 0);
        const char *proto = (const char *)sqlite3_column_text(st, 1);
        r->direction = dir && strcmp(dir, "inbound") == 0 ? DIRECTION_INBOUND : DIRECTION_OUTBOUND;
        r->protocol = proto && strcmp(proto, "UDP") == 0 ? 17 : 6;
        r->port = sqlite3_column_int(st, 2);
        snprintf(r->remote, sizeof r->remote, "%s", sqlite3_column_text(st, 3));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return -1;
    d->qi = -1;
    if (!n)
        return 0;
    int pick = 0;
    for (int pass = 0; pass < 2 && d->qi < 0; pass++)
        for (int i = 0; i < n && d->qi < 0; i++) {
            int port = pass == 0 ? d->name_port : rows[i].port;
            if (!port)
                continue;
            d->qi = requirement_of(c->reqs, rows[i].direction, rows[i].protocol, rows[i].remote,
                                   port);
            if (d->qi >= 0) {
                pick = i;
                rows[i].port = port;
            }
        }
    d->lined = 1;
    d->direction = rows[pick].direction;
    d->protocol = rows[pick].protocol;
    d->port = rows[pick].port;
    snprintf(d->remote, sizeof d->remote, "%s", rows[pick].remote);
    return 0;
}

/* "West Europe" and "westeurope" are one location. */
static int same_location(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
        if (!*a)
            return 1;
        a++, b++;
    }
}

/* Its instance in the configuration, and whether its location is the one
 * the configuration describes. */
static void place(struct lineup *c, struct dep *d)
{
    for (size_t i = 0; i < c->nc->ninstances && !d->in; i++)
        if (!c->nc->instances[i].gateway && strcasecmp(c->nc->instances[i].name, d->instance) == 0)
            d->in = &c->nc->instances[i];
    d->elsewhere = d->in && d->location && d->location[0] && d->in->location[0] &&
                   !same_location(d->location, d->in->location);
    strbuf_puts(&d->prefix, "{\"instance\":");
    json_quote(&d->prefix, d->in ? d->in->name : d->instance);
}

static int load(struct lineup *c)
{
    sqlite3_stmt *st = NULL, *rows = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT s.instance, s.location, d.name, d.resource_type,"
                                  " d.status, d.error, (SELECT group_concat(value, ', ') FROM json_each(s.dns_servers)),"
                                  " coalesce(d.last_updated, 0),"
                                  " coalesce(d.last_status_change, 0), s.import_id, i.imported_at,"
                                  " d.is_optional FROM config_network_dependency d"
                                  " JOIN config_network_status s ON s.id = d.status_id"
                                  " JOIN config_import i ON i.id = s.import_id"
                                  " ORDER BY s.instance, s.location, d.name, d.rowid", -1, &st,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, "SELECT direction, protocol, port, remote FROM"
                                  " network_status_lineup WHERE resource_type = ? ORDER BY rank",
                           -1, &rows, NULL) != SQLITE_OK)
        goto fail;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (c->n == cap) {
            cap = cap ? 2 * cap : 16;
            struct dep *v = realloc(c->v, cap * sizeof *v);
            if (!v)
                goto fail;
            c->v = v;
        }
        struct dep *d = &c->v[c->n++];
        memset(d, 0, sizeof *d);
        d->instance = dup_column(st, 0, 0);
        d->location = dup_column(st, 1, 1);
        d->name = dup_column(st, 2, 0);
        d->type = dup_column(st, 3, 0);
        d->status = dup_column(st, 4, 0);
        d->error = dup_column(st, 5, 1);
        d->dns = dup_column(st, 6, 0); /* "10.0.0.4, 10.0.0.5", "" none given */
        if (!d->instance || !d->name || !d->type || !d->status || !d->dns)
            goto fail;
        d->updated = sqlite3_column_int64(st, 7);
        d->since = sqlite3_column_int64(st, 8);
        d->import_id = sqlite3_column_int64(st, 9);
        d->imported_at = sqlite3_column_int64(st, 10);
        d->optional = sqlite3_column_int(st, 11);
        d->state = strcasecmp(d->status, "success") == 0        ? DEP_SUCCESS
                 : strcasecmp(d->status, "failure") == 0        ? DEP_FAILURE
                 : strcasecmp(d->status, "initializing") == 0   ? DEP_INITIALIZING
                                                                : DEP_OTHER;
        netstatus_endpoint(d->name, d->host, sizeof d->host, &d->name_port);
        if (line_up(c, rows, d) != 0)
            goto fail;
        place(c, d);
        if (strbuf_failed(&d->prefix))
            goto fail;
    }
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(st);
    sqlite3_finalize(rows);
    return 0;
fail:
    sqlite3_finalize(st);
    sqlite3_finalize(rows);
    return -1;
}

/* 1 when address text a is one of d's instance's hosts: on its subnet, or
 * any APIM host of the window when the configuration does not give it. */
static int host_of(const struct lineup *c, const struct dep *d, const char *a)
{
    if (d->elsewhere)
        return 0;
    if (!d->in || d->in->subnet < 0)
        return 1;
    struct ip_addr ip;
    return ip_parse(a, strlen(a), &ip) == 0 && netconfig_subnet_of(c->nc, &ip) == d->in->subnet;
}

/* ------------------------------------------------------------------ */
/* the words                                                          */

static const char *state_words(const struct dep *d)
{
    return d->state == DEP_FAILURE ? "failing" : d->state == DEP_INITIALIZING
                                                     ? "still initializing" : d->status;
}

/* "APIM X in L reports NAME (TYPE) failing since S, last checked U:
 * "ERROR"." and, when the check lies a day or more from the window, how
 * far. */
static void portal_says(const struct lineup *c, const struct dep *d, struct strbuf *b)
{
    char since[24], updated[24];
    time_format(d->since, since);
    time_format(d->updated, updated);
    strbuf_printf(b, "APIM %s in %s reports %s (%s%s) %s", d->instance,
                  d->location ? d->location : "its own location", d->name, d->type,
                  d->optional ? ", optional" : "", state_words(d));
    if (d->since)
        strbuf_printf(b, " since %s", since);
    if (d->updated)
        strbuf_printf(b, ", last checked %s", updated);
    if (d->error && d->error[0]) {
        size_t len = strlen(d->error);
        if (len > 300) /* cut at a character's start */
            for (len = 300; len > 0 && ((unsigned char)d->error[len] & 0xC0) == 0x80; len--)
                ;
        strbuf_printf(b, ": \"%.*s%s", (int)len, d->error, d->error[len] ? "..." : "");
        /* the sentence ends inside the quotes when the error ends one */
        strbuf_puts(b, !d->error[len] && strchr(".!?", d->error[len - 1]) ? "\"" : ".\"");
    } else {
        strbuf_puts(b, ".");
    }
    if (!d->updated)
        strbuf_puts(b, " The status gives no time of its check.");
    else if (d->updated < c->from - STATUS_OLD_SECONDS)
        strbuf_printf(b, " The status is old: checked %" PRId64 " %s before the window.",
                      (c->from - d->updated) / 86400,
                      plural((c->from - d->updated) / 86400, "day", "days"));
    else if (d->updated > c->to + STATUS_OLD_SECONDS)
        strbuf_printf(b, " The status was checked %" PRId64 " %s after the window: it may"
                         " describe a later state.", (d->updated - c->to) / 86400,
                      plural((d->updated - c->to) / 86400, "day", "days"));
}

/* "snapshot 3 of 2026-11-02T00:00:00Z" */
static void snapshot_text(const struct dep *d, char *out, size_t n)
{
    char t[24];
    time_format(d->imported_at, t);
    snprintf(out, n, "snapshot %" PRId64 " of %s", d->import_id, t);
}

/* The dependency as the members of a JSON object (no braces), appended
 * to b. */
static void dep_json(const struct dep *d, struct strbuf *b)
{
    char t[24];
    strbuf_puts(b, "\"instance\":");
    json_quote(b, d->instance);
    strbuf_puts(b, ",\"location\":");
    if (d->location)
        json_quote(b, d->location);
    else
        strbuf_puts(b, "null");
    static const char *const keys[] = {"name", "resource_type", "status", "error"};
    const char *values[] = {d->name, d->type, d->status, d->error};
    for (int i = 0; i < 4; i++) {
        strbuf_printf(b, ",\"%s\":", keys[i]);
        if (values[i])
            json_quote(b, values[i]);
        else
            strbuf_puts(b, "null");
    }
    const int64_t times[] = {d->updated, d->since};
    static const char *const time_keys[] = {"last_updated", "last_status_change"};
    for (int i = 0; i < 2; i++) {
        time_format(times[i], t);
        strbuf_printf(b, times[i] ? ",\"%s\":\"%s\"" : ",\"%s\":null", time_keys[i], t);
    }
    strbuf_printf(b, ",\"is_optional\":%s,\"config_import_id\":%" PRId64,
                  d->optional ? "true" : "false", d->import_id);
}

/* "outbound TCP 1433 to Sql" */
static void traffic_words(const struct dep *d, char *out, size_t n)
{
    int in = d->direction == DIRECTION_INBOUND;
    snprintf(out, n, "%s %s %d %s %s", in ? "inbound" : "outbound", d->protocol == 17 ? "UDP" : "TCP",
             d->port, in ? "from" : "to", d->remote);
}

/* ------------------------------------------------------------------ */
/* the findings that explain a dependency                             */

static int dep_failing(const struct dep *d)
{
    return d->state == DEP_FAILURE || d->state == DEP_INITIALIZING;
}

/* The same traffic as d: direction, protocol, port and remote side. */
static int same_traffic(const struct finding *f, const struct dep *d)
{
    const char *dir = d->direction == DIRECTION_INBOUND ? "inbound" : "outbound";
    const char *proto = d->protocol == 17 ? "UDP" : "TCP";
    return f->port == d->port && f->direction && strcmp(f->direction, dir) == 0 && f->protocol &&
           strcmp(f->protocol, proto) == 0 && strcmp(f->remote, d->remote) == 0;
}

/* A configuration finding about d's instance. */
static int about_instance(const struct finding *f, const struct dep *d)
{
    const char *details = strbuf_text(&f->details);
    return d->in && !d->elsewhere && strncmp(details, strbuf_text(&d->prefix), d->prefix.len) == 0;
}

/* The service endpoint's short name in config-service-endpoints' list for
 * a requirement's remote side ("KeyVault"), or NULL. */
static const char *endpoint_name(const char *remote)
{
    static const char *const pairs[][2] = {
        {"Sql", "Sql"}, {"Storage", "Storage"}, {"EventHub", "EventHub"}, {"AzureKeyVault", "KeyVault"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(remote, pairs[i][0]) == 0)
            return pairs[i][1];
    return NULL;
}

/* 1 when finding f explains failing dependency d. */
static int explains(const struct lineup *c, const struct finding *f, const struct dep *d)
{
    if (!d->lined || d->elsewhere)
        return 0;
    int control_plane = d->direction == DIRECTION_INBOUND && d->port == 3443;
    if (strcmp(f->analyzer, "denied-required-port") == 0)
        return same_traffic(f, d) && host_of(c, d, f->host);
    if (strcmp(f->analyzer, "asymmetric-return") == 0)
        return control_plane && f->port == 3443 && host_of(c, d, f->host);
    if (strcmp(f->analyzer, "config-denied-port") == 0)
        return same_traffic(f, d) && about_instance(f, d);
    if (strcmp(f->analyzer, "config-lost-return") == 0)
        return control_plane && about_instance(f, d);
    if (strcmp(f->analyzer, "config-service-endpoints") == 0) {
        const char *short_name = endpoint_name(d->remote);
        if (!short_name || !about_instance(f, d) || d->direction != DIRECTION_OUTBOUND)
            return 0;
        /* its list: "Sql,Storage,EventHub,KeyVault" */
        size_t len = strlen(short_name);
        for (const char *p = f->remote; (p = strstr(p, short_name)) != NULL; p += len)
            if ((p == f->remote || p[-1] == ',') && (p[len] == ',' || !p[len]))
                return 1;
    }
    return 0;
}

/* The portal's words on each finding of the window that explains a failing
 * dependency, with the dependencies in its details ("network_status"). */
static int attach(struct lineup *c)
{
    for (size_t i = 0; i < c->nfound; i++) {
        struct finding *f = &c->out->v[i];
        struct strbuf items = {0};
        for (size_t k = 0; k < c->n; k++) {
            struct dep *d = &c->v[k];
            if (!dep_failing(d) || !explains(c, f, d))
                continue;
            d->explained++;
            char snap[80];
            snapshot_text(d, snap, sizeof snap);
            strbuf_printf(&f->evidence, " Confirmed by the portal's network status (%s): ", snap);
            portal_says(c, d, &f->evidence);
            strbuf_puts(&items, items.len ? ",{" : "[{");
            dep_json(d, &items);
            strbuf_puts(&items, "}");
        }
        if (!items.len)
            continue;
        strbuf_puts(&items, "]");
        /* one more member of its details object */
        struct strbuf details = {0};
        const char *old = strbuf_text(&f->details);
        size_t len = strlen(old);
        while (len && (old[len - 1] == ' ' || old[len - 1] == '\n'))
            len--;
        if (len >= 2 && old[len - 1] == '}') {
            strbuf_add(&details, old, len - 1);
            strbuf_puts(&details, old[len - 2] == '{' ? "" : ",");
        } else {
            strbuf_puts(&details, "{");
        }
        strbuf_printf(&details, "\"network_status\":%s}", strbuf_text(&items));
        strbuf_free(&items);
        if (strbuf_failed(&details) || strbuf_failed(&f->evidence)) {
            strbuf_free(&details);
            return -1;
        }
        strbuf_free(&f->details);
        f->details = details;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* a finding of its own                                               */

/* What the window's pass saw of d for its hosts: denied and allowed
 * connections on its port, the hosts (as text, up to 4 named). */
struct seen {
    int64_t denied, allowed;
    size_t nhosts;
    char names[160];
    const char *first;             /* the first host's address, NULL none */
};

static void traffic_seen(const struct lineup *c, const struct dep *d, struct seen *s)
{
    memset(s, 0, sizeof *s);
    for (size_t h = 0; h < c->hosts->n; h++) {
        if (!host_of(c, d, c->texts[h]))
            continue;
        if (!s->first)
            s->first = c->texts[h];
        if (s->nhosts++ < 4)
            snprintf(s->names + strlen(s->names), sizeof s->names - strlen(s->names), "%s%s",
                     s->names[0] ? ", " : "", c->texts[h]);
        else if (s->nhosts == 5)
            snprintf(s->names + strlen(s->names), sizeof s->names - strlen(s->names), ", ...");
        if (d->qi < 0 || !c->scan)
            continue;
        struct denied_key pk = {c->hosts->ids[h], d->qi, 0, d->port};
        const int64_t *allowed = hashmap_get((struct hashmap *)&c->scan->allowed_ports, &pk, 0);
        s->allowed += allowed ? *allowed : 0;
    }
    if (d->qi < 0 || !c->scan)
        return;
    size_t pos = 0;
    const void *kp;
    void *vp;
    while (hashmap_next(&c->scan->denied, &pos, &kp, &vp)) {
        const struct denied_key *k = kp;
        int h = apim_host_index(c->hosts, k->local);
        if (k->requirement == d->qi && k->port == d->port && h >= 0 && host_of(c, d, c->texts[h]))
            s->denied += ((const struct denied_agg *)vp)->connections;
    }
}

/* The verdicts, said into evidence: 1 confirms, -1 contradicts, 0 says
 * neither; *flowed when the window's connections contradict it. */
static int say_traffic(const struct lineup *c, const struct dep *d, const struct seen *s,
                       struct strbuf *b, int *flowed)
{
    char what[96];
    traffic_words(d, what, sizeof what);
    *flowed = 0;
    if (!c->scan || !c->scan->read.tuples) {
        strbuf_puts(b, " No flow logs in the window to compare with.");
        return 0;
    }
    if (!s->nhosts) {
        strbuf_puts(b, " The flow logs do not cover it: none of the instance's addresses is"
                       " among the window's APIM hosts.");
        return 0;
    }
    if (s->denied) {
        strbuf_printf(b, " The flow logs confirm it: in the window, %s had %" PRId64 " denied %s"
                         " (%s).", s->names, s->denied,
                      plural(s->denied, "connection", "connections"), what);
        return 1;
    }
    if (s->allowed) {
        strbuf_printf(b, " The flow logs contradict it: in the window, %s had %" PRId64 " allowed"
                         " %s (%s). The traffic flowed; the failure is elsewhere (name"
                         " resolution, a certificate, the service itself).", s->names, s->allowed,
                      plural(s->allowed, "connection", "connections"), what);
        *flowed = 1;
        return -1;
    }
    strbuf_printf(b, " The flow logs do not cover it: in the window, %s had no connection (%s).",
                  s->names, what);
    return 0;
}

static int say_configuration(const struct lineup *c, const struct dep *d, const struct seen *s,
                             struct strbuf *b)
{
    if (!d->in || d->in->subnet < 0 || d->elsewhere)
        return 0; /* said where the instance is placed */
    struct ip_addr ip;
    const char *first = s->first ? s->first : d->in->private_ips;
    size_t len = strcspn(first, ", ");
    int have = len && ip_parse(first, len, &ip) == 0;
    if (!have && c->nc->subnets[d->in->subnet].prefixes.n) {
        ip = c->nc->subnets[d->in->subnet].prefixes.v[0].first;
        have = 1;
    }
    char verdict[200] = "";
    if (have)
        config_matrix_text(c->nc, &ip, &c->reqs->v[d->qi], verdict, sizeof verdict);
    int rc = 0;
    if (strncmp(verdict, "allowed", 7) == 0) {
        strbuf_printf(b, " The configuration contradicts it: the subnet's NSG lets it through"
                         " (%s).", verdict);
        rc = -1;
    } else if (verdict[0]) {
        strbuf_printf(b, " The configuration confirms it: the subnet's NSG stops it (%s).", verdict);
        rc = 1;
    } else {
        strbuf_puts(b, " The configuration cannot judge it (its remote side has no addresses to"
                       " evaluate).");
    }
    /* the forced tunnel that config-service-endpoints found on its subnet */
    for (size_t i = 0; i < c->nfound; i++) {
        const struct finding *f = &c->out->v[i];
        if (strcmp(f->analyzer, "config-service-endpoints") != 0 || !about_instance(f, d) ||
            d->direction != DIRECTION_OUTBOUND)
            continue;
        strbuf_printf(b, " The routes confirm it may be stopped on the way: route %s forces the"
                         " subnet's traffic through an appliance, which must let this through"
                         " too (finding config-service-endpoints).", f->rule);
        return 1;
    }
    return rc;
}

/* Where the instance is, when that limits what could be lined up. */
static void say_place(const struct lineup *c, const struct dep *d, struct strbuf *b)
{
    if (!d->in && c->nc->import_id)
        strbuf_printf(b, " APIM %s is not in the imported configuration: the flow logs of all"
                         " the window's APIM hosts were looked at, and no NSG.", d->instance);
    else if (d->in && d->elsewhere)
        strbuf_printf(b, " The configuration describes APIM %s in %s only: the flow logs and the"
                         " configuration of %s were not lined up with it.", d->in->name,
                      d->in->location, d->location);
    else if (d->in && d->in->subnet < 0)
        strbuf_printf(b, " The configuration holds no subnet of APIM %s: the flow logs of all the"
                         " window's APIM hosts were looked at, and no NSG.", d->in->name);
}

static int own_finding(struct lineup *c, struct dep *d)
{
    struct finding *f = finding_new(c->out);
    if (!f)
        return -1;
    f->analyzer = "network-status";
    f->severity = d->state == DEP_INITIALIZING ? "info" : d->optional ? "warning" : "error";
    snprintf(f->host, sizeof f->host, "%s", d->in ? d->in->name : d->instance);
    snprintf(f->remote, sizeof f->remote, "%s", d->host);
    snprintf(f->rule, sizeof f->rule, "%s", d->location ? d->location : "");
    f->port = d->lined ? d->port : d->name_port;
    if (d->lined) {
        f->protocol = d->protocol == 17 ? "UDP" : "TCP";
        f->direction = d->direction == DIRECTION_INBOUND ? "inbound" : "outbound";
    }
    f->first = d->since ? d->since : d->updated ? d->updated : d->imported_at;
    f->last = d->updated ? d->updated : d->imported_at;
    if (f->last < f->first)
        f->last = f->first;
    if (d->qi >= 0)
        f->requirement_id = c->reqs->v[d->qi].id;

    char snap[80], what[96];
    snapshot_text(d, snap, sizeof snap);
    traffic_words(d, what, sizeof what);
    strbuf_printf(&f->evidence, "The portal's network status (%s): ", snap);
    portal_says(c, d, &f->evidence);
    struct seen s;
    traffic_seen(c, d, &s);
    int logs = 0, config = 0, flowed = 0;
    if (d->qi >= 0) {
        const struct requirement *q = &c->reqs->v[d->qi];
        strbuf_printf(&f->evidence, " It concerns the requirement \"%s\" (%s, %s).", q->purpose,
                      q->level, what);
        say_place(c, d, &f->evidence);
        if (!d->elsewhere) {
            logs = say_traffic(c, d, &s, &f->evidence, &flowed);
            config = say_configuration(c, d, &s, &f->evidence);
        }
    } else if (d->lined) {
        strbuf_printf(&f->evidence, " It concerns %s, which the analysis's requirements (its"
                                    " tier and platform) do not hold: nothing was lined up with"
                                    " it.", what);
    } else {
        strbuf_printf(&f->evidence, " nsgflow lines a dependency of type %s up with no"
                                    " requirement: neither the flow logs nor the configuration"
                                    " were looked at for it.", d->type);
    }
    strbuf_puts(&f->evidence, " No finding of the window explains it.");
    f->confidence = logs > 0 || config > 0 ? "high" : logs < 0 || config < 0 ? "low" : "medium";

    if (d->state == DEP_INITIALIZING)
        snprintf(f->title, sizeof f->title, "APIM %s reports %s (%s) still initializing",
                 f->host, d->host, d->type);
    else if (flowed)
        snprintf(f->title, sizeof f->title, "APIM %s reports %s (%s) failing, but its traffic"
                                            " flowed", f->host, d->host, d->type);
    else
        snprintf(f->title, sizeof f->title, "APIM %s reports %s (%s) failing; nothing seen"
                                            " explains it", f->host, d->host, d->type);
    if (d->state == DEP_INITIALIZING)
        strbuf_puts(&f->hint, "The instance has not reached it yet: look again after the portal's"
                              " next check (about every 15 minutes). If it stays so, look at"
                              " name resolution, a firewall on the way and the service itself.");
    else if (flowed)
        strbuf_printf(&f->hint, "The network let the traffic through: look at name resolution"
                                " (the DNS servers the instance uses: %s), a firewall or proxy"
                                " that inspects TLS, and the service itself (its firewall, its"
                                " private endpoint).", d->dns[0] ? d->dns : "none given");
    else
        strbuf_puts(&f->hint, "Look where the flow logs and the NSG cannot: a firewall or"
                              " appliance on the way, name resolution, the service's own"
                              " firewall or private endpoint. Flow logs on the APIM subnet's"
                              " NICs show whether the traffic leaves.");
    /* its details: the dependency's, then what was checked */
    strbuf_puts(&f->details, "{");
    dep_json(d, &f->details);
    strbuf_printf(&f->details, ",\"flow_logs\":{\"denied\":%" PRId64 ",\"allowed\":%" PRId64
                               ",\"hosts\":%zu,\"read\":%s},\"requirement_id\":",
                  s.denied, s.allowed, s.nhosts, c->scan && c->scan->read.tuples ? "true" : "false");
    strbuf_printf(&f->details, d->qi >= 0 ? "%d}" : "null}", f->requirement_id);
    return strbuf_failed(&f->details) || strbuf_failed(&f->evidence) ? -1 : 0;
}

/* ------------------------------------------------------------------ */

int netstatus_findings(sqlite3 *db, struct netconfig *nc, const struct scan_result *scan,
                       const struct requirements *reqs, const struct apim_hosts *hosts,
                       int64_t from, int64_t to, struct findings *out, char *err,
                       size_t errlen)
{
    struct lineup c = {db, nc, scan, reqs, hosts, NULL, from, to, out, out->n, NULL, 0};
    c.texts = calloc(hosts->n + 1, sizeof *c.texts);
    if (!c.texts || load(&c) != 0) {
        snprintf(err, errlen, "reading the network status: %s",
                 sqlite3_errcode(db) == SQLITE_OK ? "out of memory" : sqlite3_errmsg(db));
        deps_free(&c);
        return -1;
    }
    for (size_t h = 0; h < hosts->n; h++)
        addresses_text(db, hosts->ids[h], c.texts[h]);
    int rc = attach(&c);
    for (size_t k = 0; k < c.n && rc == 0; k++) {
        struct dep *d = &c.v[k];
        if (dep_failing(d) && !d->explained)
            rc = own_finding(&c, d);
        else if (d->state == DEP_SUCCESS || d->explained)
            rc = findings_healthy(out, "network-status", d->in ? d->in->name : d->instance,
                                  d->host, d->lined ? d->port : d->name_port);
    }
    deps_free(&c);
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
