/* netconfig.c: loading the imported configuration into memory (see
 * netconfig.h). The tables are small (an NSG has at most 1000 rules, a
 * route table 400 routes), so everything is read at once; the strings that
 * rules and routes point to live in nc->keep until netconfig_free. */
#include "netconfig.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/strbuf.h"

struct nc_tag {
    char *name;
    int known;
    struct addrset set;
};

/* ------------------------------------------------------------------ */
/* memory                                                             */

static void *keep(struct netconfig *nc, void *p)
{
    if (!p)
        return NULL;
    if (nc->nkeep == nc->cap_keep) {
        size_t cap = nc->cap_keep ? 2 * nc->cap_keep : 256;
        void **v = realloc(nc->keep, cap * sizeof *v);
        if (!v) {
            free(p);
            return NULL;
        }
        nc->keep = v;
        nc->cap_keep = cap;
    }
    nc->keep[nc->nkeep++] = p;
    return p;
}

static char *keep_str(struct netconfig *nc, const unsigned char *s)
{
    return keep(nc, strdup(s ? (const char *)s : ""));
}

/* Grows *v (of *n elements of size each) by one zeroed element. */
static void *grow(void **v, size_t *n, size_t each)
{
    void *p = realloc(*v, (*n + 1) * each);
    if (!p)
        return NULL;
    *v = p;
    memset((char *)p + *n * each, 0, each);
    return (char *)p + (*n)++ * each;
}

/* The strings of a JSON array text, kept; *n of them. NULL with *n 0 when
 * empty (or out of memory: *failed). */
static char **json_strings(sqlite3 *db, struct netconfig *nc, const unsigned char *json, size_t *n,
                           int *failed)
{
    *n = 0;
    sqlite3_stmt *st;
    if (!json || sqlite3_prepare_v2(db, "SELECT value FROM json_each(?) WHERE type = 'text'"
                                        " OR type = 'integer'", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, (const char *)json, -1, SQLITE_STATIC);
    char **v = NULL;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 4;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                *failed = 1;
                break;
            }
            v = nv;
        }
        char *s = keep_str(nc, sqlite3_column_text(st, 0));
        if (!s) {
            *failed = 1;
            break;
        }
        v[(*n)++] = s;
    }
    sqlite3_finalize(st);
    if (v && !keep(nc, v))
        *failed = 1;
    return v;
}

/* ------------------------------------------------------------------ */
/* the resolver                                                       */

/* Public space: every address but the private, shared, loopback,
 * link-local, multicast and reserved ranges. */
static int public_space(struct addrset *out)
{
    static const char *const not_public[] = {
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3", "::/8", "fc00::/7", "fe80::/10",
        "ff00::/8",
    };
    struct addrset all = {0}, reserved = {0};
    int rc = addrset_add_prefix(&all, "*");
    for (size_t i = 0; rc == 0 && i < sizeof not_public / sizeof not_public[0]; i++)
        rc = addrset_add_prefix(&reserved, not_public[i]);
    if (rc == 0)
        rc = addrset_subtract(&all, &reserved, out);
    addrset_free(&all);
    addrset_free(&reserved);
    return rc == 0 ? 0 : -2;
}

static int tag_set(struct netconfig *nc, const char *name, const struct addrset **out)
{
    for (size_t i = 0; i < nc->ntags; i++)
        if (strcasecmp(nc->tags[i].name, name) == 0) {
            *out = &nc->tags[i].set;
            return nc->tags[i].known ? 0 : 1;
        }
    struct nc_tag *t = grow((void **)&nc->tags, &nc->ntags, sizeof *t);
    if (!t)
        return -2;
    t->name = strdup(name);
    if (!t->name) {
        nc->ntags--;
        return -2;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(nc->db, "SELECT p.prefix FROM service_tag_prefix p JOIN service_tag t"
                                   " ON t.id = p.tag_id WHERE t.name = ?1 COLLATE NOCASE", -1,
                           &st, NULL) != SQLITE_OK)
        return -2;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        t->known = 1;
        rc = addrset_add_prefix(&t->set, (const char *)sqlite3_column_text(st, 0)) == -2 ? -2 : 0;
    }
    sqlite3_finalize(st);
    if (rc)
        return -2;
    *out = &t->set;
    return t->known ? 0 : 1;
}

int netconfig_resolve(void *ctx, const char *name, struct addrset *out)
{
    struct nc_scope *sc = ctx;
    struct netconfig *nc = sc->nc;
    const struct nc_subnet *s = sc->subnet >= 0 ? &nc->subnets[sc->subnet] : NULL;
    addrset_clear(out);
    if (strcasecmp(name, "VirtualNetwork") == 0) {
        if (!s)
            return 1;
        return addrset_copy(&s->vnet_space, out) == 0 ? 0 : -2;
    }
    if (strcasecmp(name, "AzureLoadBalancer") == 0)
        return addrset_add_prefix(out, "168.63.129.16/32") == 0 ? 0 : -2;
    if (strcasecmp(name, "Internet") == 0) {
        struct addrset pub = {0};
        int rc = public_space(&pub);
        if (rc == 0)
            rc = s ? addrset_subtract(&pub, &s->vnet_space, out) : addrset_copy(&pub, out);
        addrset_free(&pub);
        return rc == 0 ? 0 : -2;
    }
    if (strncasecmp(name, "asg:", 4) == 0)
        return 1; /* application security groups: only NIC data knows them */
    const struct addrset *t;
    int rc = tag_set(nc, name, &t);
    if (rc != 0)
        return rc;
    return addrset_copy(t, out) == 0 ? 0 : -2;
}

void netconfig_regional_tag(struct netconfig *nc, const char *tag, const char *location,
                            char *out, size_t n)
{
    snprintf(out, n, "%s", tag);
    if (!location || !location[0])
        return;
    char region[64];
    size_t k = 0;
    for (const char *p = location; *p && k + 1 < sizeof region; p++)
        if (*p != ' ')
            region[k++] = *p;
    region[k] = '\0';
    char name[128];
    snprintf(name, sizeof name, "%s.%s", tag, region);
    const struct addrset *s;
    if (tag_set(nc, name, &s) == 0) {
        /* the tag data's own spelling */
        for (size_t i = 0; i < nc->ntags; i++)
            if (strcasecmp(nc->tags[i].name, name) == 0) {
                sqlite3_stmt *st;
                if (sqlite3_prepare_v2(nc->db, "SELECT name FROM service_tag WHERE name = ?"
                                               " COLLATE NOCASE", -1, &st, NULL) == SQLITE_OK) {
                    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
                    if (sqlite3_step(st) == SQLITE_ROW)
                        snprintf(name, sizeof name, "%s", (const char *)sqlite3_column_text(st, 0));
                    sqlite3_finalize(st);
                }
                break;
            }
        snprintf(out, n, "%s", name);
    }
}

/* ------------------------------------------------------------------ */
/* loading                                                            */

/* "X" after "/virtualNetworks/" in a resource id (case-insensitive). */
static char *id_segment_kept(struct netconfig *nc, const char *id, const char *segment)
{
    size_t len = strlen(segment);
    for (const char *p = id; p && (p = strchr(p, '/')) != NULL; p++)
        if (strncasecmp(p + 1, segment, len) == 0 && p[1 + len] == '/') {
            const char *v = p + 2 + len, *end = strchr(v, '/');
            size_t n = end ? (size_t)(end - v) : strlen(v);
            char *s = keep(nc, malloc(n + 1));
            if (s) {
                memcpy(s, v, n);
                s[n] = '\0';
            }
            return s;
        }
    return keep_str(nc, NULL);
}

static int load_nsgs(sqlite3 *db, struct netconfig *nc)
{
    sqlite3_stmt *st, *rules;
    if (sqlite3_prepare_v2(db, "SELECT id, name, coalesce(resource_group, ''), resource_id"
                               " FROM config_resource WHERE kind = 'nsg' ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT name, priority, direction, access, protocol,"
                               " source_prefixes, source_ports, destination_prefixes,"
                               " destination_ports, is_default FROM config_nsg_rule WHERE nsg = ?"
                               " ORDER BY rowid", -1, &rules, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    int failed = 0;
    while (!failed && sqlite3_step(st) == SQLITE_ROW) {
        struct nc_nsg *n = grow((void **)&nc->nsgs, &nc->nnsgs, sizeof *n);
        if (!n) {
            failed = 1;
            break;
        }
        n->name = keep_str(nc, sqlite3_column_text(st, 1));
        n->resource_group = keep_str(nc, sqlite3_column_text(st, 2));
        n->resource_id = keep_str(nc, sqlite3_column_text(st, 3));
        n->g.name = n->name;
        int defaults = 0;
        sqlite3_bind_int64(rules, 1, sqlite3_column_int64(st, 0));
        while (!failed && sqlite3_step(rules) == SQLITE_ROW) {
            struct nsg_rule r = {0};
            r.name = keep_str(nc, sqlite3_column_text(rules, 0));
            /* clamped: a priority beyond int's range (no real one is)
             * must not wrap around to a small one */
            int64_t prio = sqlite3_column_int64(rules, 1);
            r.priority = prio > INT_MAX ? INT_MAX : prio < INT_MIN ? INT_MIN : (int)prio;
            const char *dir = (const char *)sqlite3_column_text(rules, 2);
            r.direction = dir && strcasecmp(dir, "Outbound") == 0 ? NSG_OUTBOUND : NSG_INBOUND;
            const char *access = (const char *)sqlite3_column_text(rules, 3);
            r.allow = access && strcasecmp(access, "Allow") == 0;
            int proto = nsg_protocol_parse((const char *)sqlite3_column_text(rules, 4));
            r.protocol = proto == -2 ? NSG_ANY : proto;
            char **src = json_strings(db, nc, sqlite3_column_text(rules, 5), &r.nsrc, &failed);
            char **dst = json_strings(db, nc, sqlite3_column_text(rules, 7), &r.ndst, &failed);
            r.src = (const char *const *)src;
            r.dst = (const char *const *)dst;
            for (int side = 0; side < 2; side++) {
                size_t np;
                char **ports = json_strings(db, nc, sqlite3_column_text(rules, side ? 8 : 6), &np,
                                            &failed);
                struct port_range *pr = np ? keep(nc, calloc(np, sizeof *pr)) : NULL;
                size_t k = 0;
                for (size_t i = 0; pr && i < np; i++)
                    if (port_range_parse(ports[i], &pr[k]) == 0)
                        k++;
                if (np && !pr)
                    failed = 1;
                if (side) {
                    r.dports = pr;
                    r.ndports = k;
                } else {
                    r.sports = pr;
                    r.nsports = k;
                }
            }
            r.is_default = sqlite3_column_int(rules, 9);
            defaults |= r.is_default;
            if (!r.name || nsg_add_rule(&n->g, &r) != 0)
                failed = 1;
        }
        sqlite3_reset(rules);
        if (!failed && !defaults && nsg_add_default_rules(&n->g) != 0)
            failed = 1;
    }
    sqlite3_finalize(rules);
    sqlite3_finalize(st);
    return failed ? -1 : 0;
}

static int load_route_tables(sqlite3 *db, struct netconfig *nc)
{
    sqlite3_stmt *st, *routes;
    if (sqlite3_prepare_v2(db, "SELECT c.id, c.name, coalesce(c.resource_group, ''), c.resource_id,"
                               " coalesce(t.disable_bgp, 0) FROM config_resource c"
                               " LEFT JOIN config_route_table t ON t.resource = c.id"
                               " WHERE c.kind = 'route_table' AND coalesce(t.effective, 0) = 0"
                               " ORDER BY c.id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT name, address_prefix, next_hop_type, next_hop_ip"
                               " FROM config_route WHERE route_table = ? ORDER BY rowid", -1,
                           &routes, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    int failed = 0;
    while (!failed && sqlite3_step(st) == SQLITE_ROW) {
        struct nc_route_table *t = grow((void **)&nc->route_tables, &nc->nroute_tables, sizeof *t);
        if (!t) {
            failed = 1;
            break;
        }
        t->name = keep_str(nc, sqlite3_column_text(st, 1));
        t->resource_group = keep_str(nc, sqlite3_column_text(st, 2));
        t->resource_id = keep_str(nc, sqlite3_column_text(st, 3));
        t->disable_bgp = sqlite3_column_int(st, 4);
        sqlite3_bind_int64(routes, 1, sqlite3_column_int64(st, 0));
        while (!failed && sqlite3_step(routes) == SQLITE_ROW) {
            struct route *r = grow((void **)&t->routes, &t->n, sizeof *r);
            if (!r) {
                failed = 1;
                break;
            }
            r->name = keep_str(nc, sqlite3_column_text(routes, 0));
            r->prefix = keep_str(nc, sqlite3_column_text(routes, 1));
            r->next_hop = next_hop_parse((const char *)sqlite3_column_text(routes, 2));
            r->next_hop_ip = sqlite3_column_type(routes, 3) == SQLITE_NULL
                                 ? NULL : keep_str(nc, sqlite3_column_text(routes, 3));
            r->source = ROUTE_USER;
        }
        sqlite3_reset(routes);
    }
    sqlite3_finalize(routes);
    sqlite3_finalize(st);
    return failed ? -1 : 0;
}

static int index_by_id(const char *id, const char *first, size_t n, size_t each, size_t offset)
{
    if (!id || !id[0])
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *rid = *(char *const *)(first + i * each + offset);
        if (rid && strcasecmp(rid, id) == 0)
            return (int)i;
    }
    return -1;
}

static int add_prefixes(struct addrset *s, char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (addrset_add_prefix(s, v[i]) == -2)
            return -1;
    return 0;
}

static int load_subnets(sqlite3 *db, struct netconfig *nc)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT c.name, coalesce(c.resource_group, ''), c.resource_id,"
                               " s.vnet_id, s.address_prefixes, s.nsg_id, s.route_table_id,"
                               " s.service_endpoints, s.delegations, v.address_prefixes,"
                               " v.peered_prefixes, v.dns_servers"
                               " FROM config_subnet s JOIN config_resource c ON c.id = s.resource"
                               " LEFT JOIN config_resource vc ON vc.resource_id = s.vnet_id"
                               " LEFT JOIN config_vnet v ON v.resource = vc.id ORDER BY c.id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    int failed = 0;
    while (!failed && sqlite3_step(st) == SQLITE_ROW) {
        struct nc_subnet *s = grow((void **)&nc->subnets, &nc->nsubnets, sizeof *s);
        if (!s) {
            failed = 1;
            break;
        }
        s->name = keep_str(nc, sqlite3_column_text(st, 0));
        s->resource_group = keep_str(nc, sqlite3_column_text(st, 1));
        s->resource_id = keep_str(nc, sqlite3_column_text(st, 2));
        s->vnet_name = id_segment_kept(nc, s->resource_id, "virtualNetworks");
        size_t n;
        char **v = json_strings(db, nc, sqlite3_column_text(st, 4), &n, &failed);
        if (add_prefixes(&s->prefixes, v, n) != 0)
            failed = 1;
        s->vnet_known = sqlite3_column_type(st, 9) != SQLITE_NULL;
        if (s->vnet_known) {
            v = json_strings(db, nc, sqlite3_column_text(st, 9), &n, &failed);
            struct addrset space = {0};
            if (add_prefixes(&space, v, n) != 0)
                failed = 1;
            v = json_strings(db, nc, sqlite3_column_text(st, 10), &n, &failed);
            if (add_prefixes(&s->peered, v, n) != 0 ||
                addrset_union(&space, &s->peered, &s->vnet_space) != 0)
                failed = 1;
            /* a subnet is inside its VNet, even when the export lags */
            struct addrset both = {0};
            if (addrset_union(&s->vnet_space, &s->prefixes, &both) != 0)
                failed = 1;
            addrset_free(&s->vnet_space);
            s->vnet_space = both;
            addrset_free(&space);
            v = json_strings(db, nc, sqlite3_column_text(st, 11), &n, &failed);
            struct strbuf dns = {0};
            for (size_t i = 0; i < n; i++)
                strbuf_printf(&dns, "%s%s", i ? "," : "", v[i]);
            s->dns_servers = keep_str(nc, (const unsigned char *)strbuf_text(&dns));
            strbuf_free(&dns);
        } else {
            if (addrset_copy(&s->prefixes, &s->vnet_space) != 0)
                failed = 1;
            s->dns_servers = keep_str(nc, NULL);
        }
        const char *nsg_id = (const char *)sqlite3_column_text(st, 5);
        s->nsg = index_by_id(nsg_id, (const char *)nc->nsgs, nc->nnsgs, sizeof *nc->nsgs,
                             offsetof(struct nc_nsg, resource_id));
        s->nsg_missing = nsg_id && s->nsg < 0 ? keep_str(nc, (const unsigned char *)nsg_id) : NULL;
        const char *rt_id = (const char *)sqlite3_column_text(st, 6);
        s->route_table = index_by_id(rt_id, (const char *)nc->route_tables, nc->nroute_tables,
                                     sizeof *nc->route_tables,
                                     offsetof(struct nc_route_table, resource_id));
        s->route_table_missing =
            rt_id && s->route_table < 0 ? keep_str(nc, (const unsigned char *)rt_id) : NULL;
        s->endpoints = json_strings(db, nc, sqlite3_column_text(st, 7), &s->nendpoints, &failed);
        s->delegations = json_strings(db, nc, sqlite3_column_text(st, 8), &s->ndelegations, &failed);
        /* the routes: the system ones, then the table's */
        struct route *sys = NULL;
        size_t nsys = 0;
        struct addrset own_space = {0};
        if (addrset_subtract(&s->vnet_space, &s->peered, &own_space) != 0 ||
            routes_system(&own_space, &s->peered, &sys, &nsys) != 0)
            failed = 1;
        addrset_free(&own_space);
        const struct nc_route_table *t = s->route_table >= 0 ? &nc->route_tables[s->route_table] : NULL;
        size_t nuser = t ? t->n : 0;
        s->routes = keep(nc, calloc(nsys + nuser + 1, sizeof *s->routes));
        if (!s->routes) {
            failed = 1;
        } else {
            /* the system routes' strings move to keep */
            for (size_t i = 0; i < nsys; i++) {
                s->routes[i] = sys[i];
                s->routes[i].name = keep_str(nc, (const unsigned char *)(sys[i].name ? sys[i].name : ""));
                s->routes[i].prefix = keep_str(nc, (const unsigned char *)sys[i].prefix);
                s->routes[i].next_hop_ip = NULL;
            }
            for (size_t i = 0; i < nuser; i++)
                s->routes[nsys + i] = t->routes[i];
            s->nroutes = nsys + nuser;
        }
        routes_free(sys, nsys);
    }
    sqlite3_finalize(st);
    return failed ? -1 : 0;
}

/* "a,b" of a JSON array of addresses, kept. */
static char *ips_text(sqlite3 *db, struct netconfig *nc, const unsigned char *json, int *failed)
{
    size_t n;
    char **ips = json_strings(db, nc, json, &n, failed);
    struct strbuf t = {0};
    for (size_t i = 0; i < n; i++)
        strbuf_printf(&t, "%s%s", i ? "," : "", ips[i]);
    char *kept = keep_str(nc, (const unsigned char *)strbuf_text(&t));
    strbuf_free(&t);
    if (!kept)
        *failed = 1;
    return kept;
}

static void instance_subnet(struct netconfig *nc, struct nc_instance *in, const char *subnet_id)
{
    in->subnet = index_by_id(subnet_id, (const char *)nc->subnets, nc->nsubnets,
                             sizeof *nc->subnets, offsetof(struct nc_subnet, resource_id));
    in->subnet_missing =
        subnet_id && in->subnet < 0 ? keep_str(nc, (const unsigned char *)subnet_id) : NULL;
}

/* The additional locations of the instance just loaded (the last one):
 * each a region of its own after it. */
static int load_locations(sqlite3_stmt *st, struct netconfig *nc)
{
    int failed = 0;
    sqlite3_bind_text(st, 1, nc->instances[nc->ninstances - 1].resource_id, -1, SQLITE_STATIC);
    while (!failed && sqlite3_step(st) == SQLITE_ROW) {
        struct nc_instance *in = grow((void **)&nc->instances, &nc->ninstances, sizeof *in);
        if (!in) {
            failed = 1;
            break;
        }
        const struct nc_instance *primary = in - in[-1].region - 1;
        *in = *primary;
        in->region = (int)(in - primary);
        in->location = keep_str(nc, sqlite3_column_text(st, 0));
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
            in->sku = keep_str(nc, sqlite3_column_text(st, 1));
        instance_subnet(nc, in, (const char *)sqlite3_column_text(st, 2));
        in->private_ips = ips_text(sqlite3_db_handle(st), nc, sqlite3_column_text(st, 3), &failed);
        if (!in->location || !in->sku)
            failed = 1;
    }
    sqlite3_reset(st);
    return failed ? -1 : 0;
}

static int load_instances(sqlite3 *db, struct netconfig *nc)
{
    sqlite3_stmt *st, *locations;
    /* the view says the mode (a workspace gateway's from its subnet's
     * delegation) and the words for it */
    if (sqlite3_prepare_v2(db, "SELECT name, coalesce(resource_group, ''), coalesce(location, ''),"
                               " coalesce(tier, ''), coalesce(vnet_type, CASE WHEN mode LIKE"
                               " 'mode unknown%' THEN 'unknown' ELSE 'None' END),"
                               " coalesce(platform, ''), apim_id, kind, subnet_id, private_ips,"
                               " mode, summary, regions FROM apim_instances"
                               " ORDER BY name, apim_id", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT l.location, l.sku, l.subnet_id, l.private_ips"
                               " FROM config_apim_location l JOIN config_resource c"
                               " ON c.id = l.apim WHERE c.resource_id = ? ORDER BY l.rowid", -1,
                           &locations, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    int failed = 0;
    while (!failed && sqlite3_step(st) == SQLITE_ROW) {
        struct nc_instance *in = grow((void **)&nc->instances, &nc->ninstances, sizeof *in);
        if (!in) {
            failed = 1;
            break;
        }
        in->name = keep_str(nc, sqlite3_column_text(st, 0));
        in->resource_group = keep_str(nc, sqlite3_column_text(st, 1));
        in->location = in->primary_location = keep_str(nc, sqlite3_column_text(st, 2));
        in->sku = keep_str(nc, sqlite3_column_text(st, 3));
        in->vnet_type = keep_str(nc, sqlite3_column_text(st, 4));
        in->platform = keep_str(nc, sqlite3_column_text(st, 5));
        in->resource_id = keep_str(nc, sqlite3_column_text(st, 6));
        in->gateway = strcmp((const char *)sqlite3_column_text(st, 7), "workspace-gateway") == 0;
        size_t len = strlen(in->sku);
        in->tier = in->gateway ? TIER_WORKSPACE
                 : len > 2 && strcasecmp(in->sku + len - 2, "V2") == 0 ? TIER_V2 : TIER_CLASSIC;
        instance_subnet(nc, in, (const char *)sqlite3_column_text(st, 8));
        in->private_ips = ips_text(db, nc, sqlite3_column_text(st, 9), &failed);
        in->mode = keep_str(nc, sqlite3_column_text(st, 10));
        in->summary = keep_str(nc, sqlite3_column_text(st, 11));
        in->nregions = sqlite3_column_int(st, 12);
        if (!in->name || !in->sku || !in->vnet_type || !in->mode || !in->summary ||
            !in->resource_id)
            failed = 1;
        if (!failed && in->nregions > 1 && load_locations(locations, nc) != 0)
            failed = 1;
    }
    sqlite3_finalize(locations);
    sqlite3_finalize(st);
    return failed ? -1 : 0;
}

int netconfig_load(sqlite3 *db, struct netconfig *nc, char *err, size_t errlen)
{
    memset(nc, 0, sizeof *nc);
    nc->db = db;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT id, imported_at FROM config_import ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    if (sqlite3_step(st) == SQLITE_ROW) {
        nc->import_id = sqlite3_column_int64(st, 0);
        nc->imported_at = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (!nc->import_id)
        return 0;
    if (load_nsgs(db, nc) != 0 || load_route_tables(db, nc) != 0 || load_subnets(db, nc) != 0 ||
        load_instances(db, nc) != 0)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "reading the configuration: %s",
             sqlite3_errcode(db) == SQLITE_OK ? "out of memory" : sqlite3_errmsg(db));
    netconfig_free(nc);
    return -1;
}

void netconfig_free(struct netconfig *nc)
{
    for (size_t i = 0; i < nc->nnsgs; i++)
        nsg_free(&nc->nsgs[i].g);
    free(nc->nsgs);
    for (size_t i = 0; i < nc->nroute_tables; i++)
        free(nc->route_tables[i].routes);
    free(nc->route_tables);
    for (size_t i = 0; i < nc->nsubnets; i++) {
        addrset_free(&nc->subnets[i].prefixes);
        addrset_free(&nc->subnets[i].vnet_space);
        addrset_free(&nc->subnets[i].peered);
    }
    free(nc->subnets);
    free(nc->instances);
    for (size_t i = 0; i < nc->ntags; i++) {
        free(nc->tags[i].name);
        addrset_free(&nc->tags[i].set);
    }
    free(nc->tags);
    for (size_t i = 0; i < nc->nkeep; i++)
        free(nc->keep[i]);
    free(nc->keep);
    memset(nc, 0, sizeof *nc);
}

/* ------------------------------------------------------------------ */
/* questions                                                          */

const char *netconfig_platform(const struct nc_instance *in)
{
    if (in->tier == TIER_V2)
        return "v2";
    if (in->tier == TIER_WORKSPACE)
        return "workspace";
    return strcasecmp(in->platform, "stv1") == 0 ? "stv1" : "stv2";
}

const char *netconfig_mode(const struct nc_instance *in)
{
    if (strcasecmp(in->vnet_type, "Internal") == 0)
        return "internal";
    if (strcasecmp(in->vnet_type, "External") == 0)
        return "external";
    return NULL;
}

int netconfig_subnet_of(const struct netconfig *nc, const struct ip_addr *a)
{
    for (size_t i = 0; i < nc->nsubnets; i++) {
        const struct addrset *s = &nc->subnets[i].prefixes;
        for (size_t k = 0; k < s->n; k++)
            if (ip_in_range(a, &s->v[k].first, &s->v[k].last))
                return (int)i;
    }
    return -1;
}

size_t netconfig_instances_on(const struct netconfig *nc, int s, const struct nc_instance **out,
                              size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < nc->ninstances && n < max; i++)
        if (nc->instances[i].subnet == s)
            out[n++] = &nc->instances[i];
    return n;
}

const struct nc_nsg *netconfig_nsg_of_rule(const struct netconfig *nc, const struct nsg_rule *r)
{
    for (size_t i = 0; i < nc->nnsgs; i++) {
        const struct nsg *g = &nc->nsgs[i].g;
        if (g->n && r >= g->rules && r < g->rules + g->n)
            return &nc->nsgs[i];
    }
    return NULL;
}

const struct nsg_rule *netconfig_rule_named(const struct nc_nsg *n, const char *name)
{
    if (strncmp(name, "UserRule_", 9) == 0)
        name += 9;
    else if (strncmp(name, "DefaultRule_", 12) == 0)
        name += 12;
    for (size_t i = 0; i < n->g.n; i++)
        if (strcasecmp(n->g.rules[i].name, name) == 0)
            return &n->g.rules[i];
    return NULL;
}
