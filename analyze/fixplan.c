/* fixplan.c: the fix plan (see fixplan.h): the findings' changes grouped,
 * merged, named, numbered and written as commands, each once. */
#include "fixplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yajl/yajl_tree.h>

#include "../common/escape.h"
#include "azcmd.h"
#include "netconfig.h"

static const char *const KIND_NAMES[] = {
    [CHANGE_NONE] = "none",           [CHANGE_NSG_RULE] = "nsg-rule",
    [CHANGE_ROUTE] = "route",         [CHANGE_ENDPOINTS] = "subnet-endpoints",
    [CHANGE_DELEGATE] = "subnet-delegation", [CHANGE_UNDELEGATE] = "subnet-delegation",
};

const char *fixplan_kind_name(enum change_kind k)
{
    return k <= CHANGE_UNDELEGATE ? KIND_NAMES[k] : "none";
}

void change_set_ports(struct change *c, const char *list)
{
    snprintf(c->ports, sizeof c->ports, "%s", list);
    for (char *p = c->ports; *p; p++)
        if (*p == ',')
            *p = ' ';
}

/* ------------------------------------------------------------------ */
/* a change as JSON, and back                                         */

static void json_field(struct strbuf *out, const char *key, const char *value)
{
    if (!value[0])
        return;
    strbuf_printf(out, ",\"%s\":", key);
    json_quote(out, value);
}

void fixplan_change_json(struct strbuf *out, const struct change *c)
{
    strbuf_printf(out, "{\"kind\":\"%s\"", c->kind == CHANGE_UNDELEGATE ? "subnet-undelegation"
                                                                        : fixplan_kind_name(c->kind));
    json_field(out, "resource_group", c->resource_group);
    json_field(out, "parent", c->parent);
    json_field(out, "subnet", c->subnet);
    if (c->kind == CHANGE_NSG_RULE) {
        strbuf_printf(out, ",\"outbound\":%d,\"protocol\":%d,\"before\":%d", c->outbound,
                      c->protocol, c->before);
        json_field(out, "remote", c->remote);
        json_field(out, "ports", c->ports);
        json_field(out, "before_name", c->before_name);
    }
    json_field(out, "prefix", c->prefix);
    json_field(out, "next_hop", c->next_hop);
    json_field(out, "services", c->services);
    if (c->kind == CHANGE_ENDPOINTS)
        strbuf_printf(out, ",\"existing_known\":%d", c->existing_known);
    json_field(out, "existing", c->existing);
    json_field(out, "delegation", c->delegation);
    strbuf_puts(out, "}");
}

static void copy_string(yajl_val obj, const char *key, char *out, size_t n)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
    snprintf(out, n, "%s", v ? YAJL_GET_STRING(v) : "");
}

static int get_int(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_number);
    return v && YAJL_IS_INTEGER(v) ? (int)YAJL_GET_INTEGER(v) : 0;
}

size_t fixplan_parse(const char *json, struct change *out, size_t max)
{
    if (!json || !json[0])
        return 0;
    char err[128];
    yajl_val root = yajl_tree_parse(json, err, sizeof err);
    if (!root || !YAJL_IS_ARRAY(root)) {
        yajl_tree_free(root);
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < root->u.array.len && n < max; i++) {
        yajl_val o = root->u.array.values[i];
        if (!YAJL_IS_OBJECT(o))
            continue;
        struct change *c = &out[n];
        memset(c, 0, sizeof *c);
        char kind[32];
        copy_string(o, "kind", kind, sizeof kind);
        c->kind = strcmp(kind, "nsg-rule") == 0            ? CHANGE_NSG_RULE
                  : strcmp(kind, "route") == 0               ? CHANGE_ROUTE
                  : strcmp(kind, "subnet-endpoints") == 0    ? CHANGE_ENDPOINTS
                  : strcmp(kind, "subnet-delegation") == 0   ? CHANGE_DELEGATE
                  : strcmp(kind, "subnet-undelegation") == 0 ? CHANGE_UNDELEGATE
                                                              : CHANGE_NONE;
        if (c->kind == CHANGE_NONE)
            continue;
        copy_string(o, "resource_group", c->resource_group, sizeof c->resource_group);
        copy_string(o, "parent", c->parent, sizeof c->parent);
        copy_string(o, "subnet", c->subnet, sizeof c->subnet);
        c->outbound = get_int(o, "outbound");
        c->protocol = get_int(o, "protocol");
        c->before = get_int(o, "before");
        copy_string(o, "remote", c->remote, sizeof c->remote);
        copy_string(o, "ports", c->ports, sizeof c->ports);
        copy_string(o, "before_name", c->before_name, sizeof c->before_name);
        copy_string(o, "prefix", c->prefix, sizeof c->prefix);
        copy_string(o, "next_hop", c->next_hop, sizeof c->next_hop);
        copy_string(o, "services", c->services, sizeof c->services);
        c->existing_known = get_int(o, "existing_known");
        copy_string(o, "existing", c->existing, sizeof c->existing);
        copy_string(o, "delegation", c->delegation, sizeof c->delegation);
        n++;
    }
    yajl_tree_free(root);
    return n;
}

/* ------------------------------------------------------------------ */
/* grouping                                                           */

/* What makes two changes one: the same resource and the same thing done to
 * it (an NSG rule: one direction, protocol and remote side, whatever the
 * ports, which merge). */
static void group_key(const struct change *c, char *out, size_t n)
{
    switch (c->kind) {
    case CHANGE_NSG_RULE:
        snprintf(out, n, "n|%s|%s|%d|%d|%s", c->resource_group, c->parent, c->outbound,
                 c->protocol, c->remote);
        break;
    case CHANGE_ROUTE:
        snprintf(out, n, "r|%s|%s|%s|%s", c->resource_group, c->parent, c->prefix, c->next_hop);
        break;
    case CHANGE_ENDPOINTS:
        snprintf(out, n, "e|%s|%s|%s", c->resource_group, c->parent, c->subnet);
        break;
    case CHANGE_DELEGATE:
    case CHANGE_UNDELEGATE:
        snprintf(out, n, "d|%s|%s|%s|%d|%s", c->resource_group, c->parent, c->subnet, c->kind,
                 c->delegation);
        break;
    default:
        out[0] = '\0';
    }
}

static int rank(const char *severity)
{
    return strcmp(severity, "error") == 0 ? 0 : strcmp(severity, "warning") == 0 ? 1 : 2;
}

/* The words of a change's space-separated lists (ports, services). */
#define WORDS_MAX 64
struct words {
    char text[512];              /* a copy, cut into the words */
    const char *w[WORDS_MAX];
    size_t n;
};

static void words_of(const char *list, struct words *out)
{
    snprintf(out->text, sizeof out->text, "%s", list);
    out->n = 0;
    for (char *save, *w = strtok_r(out->text, " ", &save); w && out->n < WORDS_MAX;
         w = strtok_r(NULL, " ", &save))
        out->w[out->n++] = w;
}

static int words_have(const struct words *ws, const char *w)
{
    for (size_t i = 0; i < ws->n; i++)
        if (strcasecmp(ws->w[i], w) == 0)
            return 1;
    return 0;
}

/* Adds the words of list (space-separated) to set (space-separated, at most
 * n bytes), each once, compared without regard to case. */
static void add_words(char *set, size_t n, const char *list)
{
    struct words add, have;
    words_of(list, &add);
    words_of(set, &have);
    for (size_t i = 0; i < add.n; i++)
        if (!words_have(&have, add.w[i]) && strlen(set) + strlen(add.w[i]) + 2 < n)
            snprintf(set + strlen(set), n - strlen(set), "%s%s", set[0] ? " " : "", add.w[i]);
}

static int by_text(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* Ports by number ("443 5671 5672"). */
static int by_first_port(const void *a, const void *b)
{
    long x = atol(*(const char *const *)a), y = atol(*(const char *const *)b);
    return x < y ? -1 : x > y;
}

/* The words of a list (n bytes) in the order of cmp. */
static void sort_words(char *list, size_t n, int (*cmp)(const void *, const void *))
{
    struct words ws;
    words_of(list, &ws);
    qsort(ws.w, ws.n, sizeof *ws.w, cmp);
    char out[512] = "";
    for (size_t i = 0; i < ws.n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "", ws.w[i]);
    snprintf(list, n, "%s", out);
}

/* Merges change c of an item into entry e. */
static void merge(struct fixplan_entry *e, const struct change *c)
{
    struct change *m = &e->c;
    switch (c->kind) {
    case CHANGE_NSG_RULE:
        add_words(m->ports, sizeof m->ports, c->ports);
        if (c->before > 0 && (m->before <= 0 || c->before < m->before)) {
            m->before = c->before;
            snprintf(m->before_name, sizeof m->before_name, "%s", c->before_name);
        }
        if (!m->before_name[0])
            snprintf(m->before_name, sizeof m->before_name, "%s", c->before_name);
        break;
    case CHANGE_ENDPOINTS:
        add_words(m->services, sizeof m->services, c->services);
        if (c->existing_known && !m->existing_known) {
            snprintf(m->existing, sizeof m->existing, "%s", c->existing);
            m->existing_known = 1;
        }
        break;
    default:
        break;
    }
}

static int add_item(struct fixplan_entry *e, size_t item)
{
    for (size_t i = 0; i < e->nitems; i++)
        if (e->items[i] == item)
            return 0;
    if (e->nitems == e->cap_items) {
        size_t cap = e->cap_items ? e->cap_items * 2 : 8;
        size_t *v = realloc(e->items, cap * sizeof *v);
        if (!v)
            return -1;
        e->items = v;
        e->cap_items = cap;
    }
    e->items[e->nitems++] = item;
    return 0;
}

static struct fixplan_entry *entry_for(struct fixplan *p, const struct change *c)
{
    char want[512], have[512];
    group_key(c, want, sizeof want);
    for (size_t i = 0; i < p->n; i++) {
        group_key(&p->v[i].c, have, sizeof have);
        if (strcasecmp(want, have) == 0)
            return &p->v[i];
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct fixplan_entry *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return NULL;
        p->v = v;
        p->cap = cap;
    }
    struct fixplan_entry *e = &p->v[p->n++];
    memset(e, 0, sizeof *e);
    e->kind = c->kind;
    e->c = *c;
    e->c.ports[0] = e->c.services[0] = '\0';
    e->c.before = 0;
    e->c.before_name[0] = '\0';
    e->c.existing_known = 0;
    e->c.existing[0] = '\0';
    e->severity = "info";
    return e;
}

/* A change the flow logs could not name the resource of (VNet flow logs
 * never name the NSG; a VNet's flow log may not name the subnet) is the
 * change of the one resource that other findings name for the same thing,
 * when there is exactly one: the APIM subnet has one NSG and one route
 * table. Its items move there; the entry says so in its words. */
static int names_known(const struct change *c)
{
    return !!c->resource_group[0] + !!c->parent[0] + !!c->subnet[0];
}

/* 1 when unnamed is named's change with fewer names known: the same thing
 * done, and every name it knows the same. */
static int same_but_names(const struct change *unnamed, const struct change *named)
{
    if (unnamed->kind != named->kind || names_known(unnamed) >= names_known(named))
        return 0;
    const char *const a[] = {unnamed->resource_group, unnamed->parent, unnamed->subnet};
    const char *const b[] = {named->resource_group, named->parent, named->subnet};
    for (int i = 0; i < 3; i++)
        if (a[i][0] && strcasecmp(a[i], b[i]) != 0)
            return 0;
    switch (unnamed->kind) {
    case CHANGE_NSG_RULE:
        return unnamed->outbound == named->outbound && unnamed->protocol == named->protocol &&
               strcasecmp(unnamed->remote, named->remote) == 0;
    case CHANGE_ROUTE:
        return strcasecmp(unnamed->prefix, named->prefix) == 0 &&
               strcmp(unnamed->next_hop, named->next_hop) == 0;
    case CHANGE_ENDPOINTS:
        return 1;
    default:
        return 0;
    }
}

static int fold_unnamed(struct fixplan *p)
{
    for (size_t i = 0; i < p->n;) {
        size_t target = p->n, candidates = 0;
        for (size_t k = 0; k < p->n; k++)
            if (k != i && same_but_names(&p->v[i].c, &p->v[k].c)) {
                target = k;
                candidates++;
            }
        if (candidates != 1) {
            i++;
            continue;
        }
        struct fixplan_entry *from = &p->v[i], *to = &p->v[target];
        for (size_t k = 0; k < from->nitems; k++)
            if (add_item(to, from->items[k]) != 0)
                return -1;
        merge(to, &from->c);
        if (rank(from->severity) < rank(to->severity))
            to->severity = from->severity;
        to->folded = 1;
        free(from->items);
        memmove(from, from + 1, (p->n - i - 1) * sizeof *from);
        p->n--;
    }
    return 0;
}

/* The items of an entry by analyzer, host, remote, port. */
static int by_item(const void *a, const void *b, void *ctx)
{
    const struct fixplan_item *v = ctx;
    const struct fixplan_item *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];
    int c = strcmp(x->analyzer, y->analyzer);
    if (!c)
        c = strcmp(x->host, y->host);
    if (!c)
        c = strcmp(x->remote, y->remote);
    if (!c)
        c = x->port - y->port;
    if (!c)
        c = strcmp(x->rule, y->rule);
    return c;
}

/* The plan's order: most severe first; then the change called for by more
 * findings; then NSG rules, routes, subnets; then by what it changes. */
static int by_plan_order(const void *a, const void *b)
{
    const struct fixplan_entry *x = a, *y = b;
    int c = rank(x->severity) - rank(y->severity);
    if (!c)
        c = x->nitems < y->nitems ? 1 : x->nitems > y->nitems ? -1 : 0;
    if (!c)
        c = (int)x->kind - (int)y->kind;
    if (!c) {
        char kx[512], ky[512];
        group_key(&x->c, kx, sizeof kx);
        group_key(&y->c, ky, sizeof ky);
        c = strcasecmp(kx, ky);
        if (!c)
            c = strcmp(x->c.ports, y->c.ports);
    }
    return c;
}

/* ------------------------------------------------------------------ */
/* names and priorities                                               */

/* The planned rules and routes, so that no two share a name or a
 * priority in one NSG (route table) and direction. */
struct taken {
    char parent[300];   /* "rg|nsg" or "r|rg|route table" */
    int outbound, priority;
    char name[96];
};

struct allocation {
    struct netconfig *nc;
    struct taken *v;
    size_t n, cap;
};

static int take(struct allocation *a, const char *parent, int outbound, int priority,
                const char *name)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        struct taken *v = realloc(a->v, cap * sizeof *v);
        if (!v)
            return -1;
        a->v = v;
        a->cap = cap;
    }
    struct taken *t = &a->v[a->n++];
    snprintf(t->parent, sizeof t->parent, "%s", parent);
    t->outbound = outbound;
    t->priority = priority;
    snprintf(t->name, sizeof t->name, "%s", name);
    return 0;
}

static const struct nc_nsg *nsg_named(const struct netconfig *nc, const char *rg,
                                      const char *name)
{
    for (size_t i = 0; nc && name[0] && i < nc->nnsgs; i++)
        if (strcasecmp(nc->nsgs[i].name, name) == 0 &&
            (!rg[0] || strcasecmp(nc->nsgs[i].resource_group, rg) == 0))
            return &nc->nsgs[i];
    return NULL;
}

static const struct nc_route_table *table_named(const struct netconfig *nc, const char *rg,
                                                const char *name)
{
    for (size_t i = 0; nc && name[0] && i < nc->nroute_tables; i++)
        if (strcasecmp(nc->route_tables[i].name, name) == 0 &&
            (!rg[0] || strcasecmp(nc->route_tables[i].resource_group, rg) == 0))
            return &nc->route_tables[i];
    return NULL;
}

/* A name made of letters, digits, - _ . only (Azure's rule names). */
static void clean_name(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        out[k++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                   (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ? *s : '-';
    out[k] = '\0';
}

/* base, or base-2, base-3, ...: a name no rule (route) of the resource and
 * no planned one uses. */
static void free_name(const struct allocation *a, const char *parent, const struct nc_nsg *g,
                      const struct nc_route_table *t, const char *base, char *out, size_t n)
{
    for (int i = 1;; i++) {
        if (i == 1)
            snprintf(out, n, "%s", base);
        else
            snprintf(out, n, "%.80s-%d", base, i);
        int used = 0;
        for (size_t r = 0; g && r < g->g.n && !used; r++)
            used = strcasecmp(g->g.rules[r].name, out) == 0;
        for (size_t r = 0; t && r < t->n && !used; r++)
            used = strcasecmp(t->routes[r].name, out) == 0;
        for (size_t r = 0; r < a->n && !used; r++)
            used = strcasecmp(a->v[r].parent, parent) == 0 && strcasecmp(a->v[r].name, out) == 0;
        if (!used)
            return;
    }
}

/* The highest priority below `before` that neither the NSG nor a planned
 * rule of the same direction uses; -1 when there is none. */
static int free_priority(const struct allocation *a, const char *parent, const struct nc_nsg *g,
                         int outbound, int before)
{
    int dir = outbound ? NSG_OUTBOUND : NSG_INBOUND;
    int p = nsg_free_priority(&g->g, dir, before);
    for (;;) {
        int used = 0;
        for (size_t r = 0; r < a->n && !used; r++)
            used = strcasecmp(a->v[r].parent, parent) == 0 && a->v[r].outbound == outbound &&
                   a->v[r].priority == p;
        if (!used || p < 0)
            return p;
        p = nsg_free_priority(&g->g, dir, p);
    }
}

/* ------------------------------------------------------------------ */
/* the words and the commands of each kind                            */

static const char *proto_word(int protocol)
{
    return protocol == 17 ? "UDP" : protocol == 6 ? "TCP" : "any protocol";
}

/* "443, 5671 and 5672" (and: the word before the last) */
static void list_words(const char *list, const char *and, struct strbuf *out)
{
    struct words ws;
    words_of(list, &ws);
    for (size_t i = 0; i < ws.n; i++)
        strbuf_printf(out, "%s%s", i == 0 ? "" : i + 1 == ws.n ? and : ", ", ws.w[i]);
}

static void nsg_rule(struct allocation *a, struct fixplan_entry *e)
{
    struct change *c = &e->c;
    const struct nc_nsg *g = nsg_named(a->nc, c->resource_group, c->parent);
    char parent[300], base[128], remote[96], name[96];
    snprintf(parent, sizeof parent, "%s|%s", c->resource_group, c->parent);
    sort_words(c->ports, sizeof c->ports, by_first_port);
    clean_name(strcmp(c->remote, "*") == 0 ? "Any" : c->remote, remote, sizeof remote);
    snprintf(base, sizeof base, "Allow-Apim-%.60s-%s", remote, c->outbound ? "Out" : "In");
    free_name(a, parent, g, NULL, base, name, sizeof name);
    int priority = g && c->before > 0 ? free_priority(a, parent, g, c->outbound, c->before) : -1;
    char prio[200];
    if (priority > 0)
        snprintf(prio, sizeof prio, "%d", priority);
    else if (g && c->before > 0) /* (placeholders hold nsgflow's words only) */
        snprintf(prio, sizeof prio, "<free priority below %d>", c->before);
    else if (c->before_name[0] && strncmp(c->before_name, "DefaultRule_", 12) != 0)
        snprintf(prio, sizeof prio, "<free priority below the denying rule>");
    else
        snprintf(prio, sizeof prio, "<free priority 100-4096>");
    take(a, parent, c->outbound, priority, name);

    strbuf_printf(&e->title, "Allow %s %s ", c->outbound ? "outbound" : "inbound",
                  proto_word(c->protocol));
    list_words(c->ports, " and ", &e->title);
    strbuf_printf(&e->title, " %s %s in %s%s", c->outbound ? "to" : "from", c->remote,
                  c->parent[0] ? "NSG " : "the APIM subnet's NSG", c->parent);
    if (priority > 0)
        strbuf_printf(&e->title, " (rule %s, priority %d)", name, priority);
    strbuf_printf(&e->target, "NSG %s%s%s", c->parent[0] ? c->parent : "<nsg-name>",
                  c->resource_group[0] ? " in resource group " : "", c->resource_group);

    azcmd_begin(&e->commands, "az network nsg rule create");
    azcmd_name(&e->commands, "--resource-group", c->resource_group, AZ_RESOURCE_GROUP,
               "<resource-group>", &e->placeholders);
    azcmd_name(&e->commands, "--nsg-name", c->parent, AZ_RESOURCE, "<nsg-name>",
               &e->placeholders);
    azcmd_arg(&e->commands, "--name", name);
    azcmd_arg(&e->commands, "--priority", prio);
    azcmd_arg(&e->commands, "--direction", c->outbound ? "Outbound" : "Inbound");
    azcmd_arg(&e->commands, "--access", "Allow");
    azcmd_arg(&e->commands, "--protocol", c->protocol == 17 ? "Udp" : c->protocol == 6 ? "Tcp" : "*");
    azcmd_arg(&e->commands, "--source-address-prefixes", c->outbound ? "VirtualNetwork" : c->remote);
    azcmd_arg(&e->commands, "--source-port-ranges", "*");
    azcmd_arg(&e->commands, "--destination-address-prefixes", c->outbound ? c->remote : "VirtualNetwork");
    struct words ports;
    words_of(c->ports, &ports);
    azcmd_args(&e->commands, "--destination-port-ranges", ports.w, (int)ports.n);

    if (!g) {
        strbuf_printf(&e->placeholders, "%sThe configuration of NSG %s is not imported: export"
                                        " it (az network nsg show --resource-group %s --name %s"
                                        " > nsg.json), import it (nsgflow config import nsg.json)"
                                        " and analyze again, and this command names the NSG and a"
                                        " free priority before %s.",
                      e->placeholders.len ? " " : "", c->parent[0] ? c->parent : "of the APIM subnet",
                      c->resource_group[0] ? c->resource_group : "RESOURCE_GROUP",
                      c->parent[0] ? c->parent : "NSG", c->before_name[0] ? c->before_name
                                                                          : "the rule that denies it");
    } else if (priority <= 0) {
        strbuf_printf(&e->placeholders, "%sNSG %s has no free priority from 100 below %d: move"
                                        " %s to a higher number first, then use a free one below it.",
                      e->placeholders.len ? " " : "", c->parent, c->before,
                      c->before_name[0] ? c->before_name : "the denying rule");
    }
}

static void route(struct allocation *a, struct fixplan_entry *e)
{
    struct change *c = &e->c;
    const struct nc_route_table *t = table_named(a->nc, c->resource_group, c->parent);
    char parent[300], base[96], name[96];
    snprintf(parent, sizeof parent, "r|%s|%s", c->resource_group, c->parent);
    if (c->prefix[0] && strchr(c->prefix, '/') == NULL)
        clean_name(c->prefix, base, sizeof base);       /* a service tag */
    else if (c->prefix[0]) {
        char cidr[80];
        clean_name(c->prefix, cidr, sizeof cidr);
        snprintf(base, sizeof base, "clients-%s", cidr);
    } else
        snprintf(base, sizeof base, "clients");
    free_name(a, parent, NULL, t, base, name, sizeof name);
    take(a, parent, 0, 0, name);
    strbuf_printf(&e->title, "Route %s to %s in %s%s",
                  c->prefix[0] ? c->prefix : "the clients' prefixes",
                  strcmp(c->next_hop, "Internet") == 0 ? "the Internet" : c->next_hop,
                  c->parent[0] ? "route table " : "the APIM subnet's route table", c->parent);
    strbuf_printf(&e->target, "route table %s%s%s", c->parent[0] ? c->parent : "<route-table>",
                  c->resource_group[0] ? " in resource group " : "", c->resource_group);
    azcmd_begin(&e->commands, "az network route-table route create");
    azcmd_name(&e->commands, "--resource-group", c->resource_group, AZ_RESOURCE_GROUP,
               "<resource-group>", &e->placeholders);
    azcmd_name(&e->commands, "--route-table-name", c->parent, AZ_RESOURCE, "<route-table>",
               &e->placeholders);
    azcmd_arg(&e->commands, "--name", name);
    azcmd_arg(&e->commands, "--address-prefix", c->prefix[0] ? c->prefix : "<client prefix>");
    azcmd_arg(&e->commands, "--next-hop-type", c->next_hop);
    if (!t)
        strbuf_printf(&e->placeholders, "%sThe route table of the APIM subnet is not imported:"
                                        " export the subnet's route table (az network route-table"
                                        " show --resource-group %s --name ROUTE_TABLE >"
                                        " routes.json), import it (nsgflow config import"
                                        " routes.json) and analyze again.",
                      e->placeholders.len ? " " : "",
                      c->resource_group[0] ? c->resource_group : "RESOURCE_GROUP");
    if (!c->prefix[0])
        strbuf_printf(&e->placeholders, "%sThe clients' prefixes are yours to name: the public"
                                        " ranges your clients call from.",
                      e->placeholders.len ? " " : "");
}

static void subnet_target(const struct change *c, struct strbuf *out)
{
    strbuf_printf(out, "subnet %s of VNet %s%s%s", c->subnet[0] ? c->subnet : "<apim-subnet>",
                  c->parent[0] ? c->parent : "<vnet>", c->resource_group[0] ? " in resource group " : "",
                  c->resource_group);
}

static void subnet_command(struct fixplan_entry *e)
{
    const struct change *c = &e->c;
    azcmd_begin(&e->commands, "az network vnet subnet update");
    azcmd_name(&e->commands, "--resource-group", c->resource_group, AZ_RESOURCE_GROUP,
               "<resource-group>", &e->placeholders);
    azcmd_name(&e->commands, "--vnet-name", c->parent, AZ_VNET, "<vnet>", &e->placeholders);
    azcmd_name(&e->commands, "--name", c->subnet, AZ_RESOURCE, "<apim-subnet>", &e->placeholders);
}

static void endpoints(struct fixplan_entry *e)
{
    const struct change *c = &e->c;
    strbuf_puts(&e->title, c->subnet[0] ? "Give subnet " : "Give the APIM subnet");
    strbuf_puts(&e->title, c->subnet);
    strbuf_puts(&e->title, " service endpoints for ");
    list_words(c->services, ", ", &e->title);
    if (c->existing_known)
        strbuf_puts(&e->title, c->existing[0] ? " (keeping its own)" : " (it has none yet)");
    subnet_target(c, &e->target);
    subnet_command(e);
    /* --service-endpoints replaces the list: the subnet's own first */
    struct words own, wanted, all = {.n = 0};
    words_of(c->existing, &own);
    words_of(c->services, &wanted);
    for (size_t i = 0; i < own.n && all.n < WORDS_MAX - 1; i++)
        if (az_name_valid(own.w[i], AZ_RESOURCE))
            all.w[all.n++] = own.w[i];
    if (!c->existing_known)
        all.w[all.n++] = "<service endpoints the subnet has now>";
    for (size_t i = 0; i < wanted.n && all.n < WORDS_MAX; i++)
        if (!words_have(&all, wanted.w[i]))
            all.w[all.n++] = wanted.w[i];
    azcmd_args(&e->commands, "--service-endpoints", all.w, (int)all.n);
    if (!c->existing_known)
        strbuf_printf(&e->placeholders, "%s--service-endpoints replaces the subnet's whole list,"
                                        " and the configuration of the subnet is not imported, so"
                                        " what it has now is not known: put its endpoints in place"
                                        " of the placeholder (az network vnet subnet show"
                                        " --resource-group %s --vnet-name %s --name %s --query"
                                        " serviceEndpoints[].service), or import the VNet (az"
                                        " network vnet show ... > vnet.json; nsgflow config import"
                                        " vnet.json) and analyze again.",
                      e->placeholders.len ? " " : "",
                      c->resource_group[0] ? c->resource_group : "RESOURCE_GROUP",
                      c->parent[0] ? c->parent : "VNET", c->subnet[0] ? c->subnet : "SUBNET");
}

static void delegation(struct fixplan_entry *e)
{
    const struct change *c = &e->c;
    if (e->kind == CHANGE_DELEGATE)
        strbuf_printf(&e->title, "Delegate %s%s to %s", c->subnet[0] ? "subnet " : "the APIM subnet",
                      c->subnet, c->delegation);
    else
        strbuf_printf(&e->title, "Remove the delegations of %s%s",
                      c->subnet[0] ? "subnet " : "the APIM subnet", c->subnet);
    subnet_target(c, &e->target);
    subnet_command(e);
    if (e->kind == CHANGE_DELEGATE)
        azcmd_arg(&e->commands, "--delegations", c->delegation);
    else
        azcmd_arg(&e->commands, "--remove", "delegations");
}

/* "denied-required-port on 10.20.1.4, 10.20.1.5 (391 connections, 1005
 * tuples); config-denied-port: TITLE" */
static void why(const struct fixplan_item *items, struct fixplan_entry *e)
{
    strbuf_printf(&e->why, "%zu finding%s call%s for it:", e->nitems, e->nitems == 1 ? "" : "s",
                  e->nitems == 1 ? "s" : "");
    /* one clause per analyzer, in the order the items come */
    for (size_t i = 0; i < e->nitems; i++) {
        const struct fixplan_item *it = &items[e->items[i]];
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(items[e->items[k]].analyzer, it->analyzer) == 0;
        if (seen)
            continue;
        strbuf_printf(&e->why, "%s %s", i ? ";" : "", it->analyzer);
        if (strncmp(it->analyzer, "config-", 7) == 0) {
            strbuf_puts(&e->why, ":");
            for (size_t k = i, shown = 0; k < e->nitems; k++)
                if (strcmp(items[e->items[k]].analyzer, it->analyzer) == 0)
                    strbuf_printf(&e->why, "%s %s", shown++ ? ";" : "", items[e->items[k]].title);
            continue;
        }
        int64_t connections = 0, flows = 0;
        size_t hosts = 0;
        strbuf_puts(&e->why, " on");
        for (size_t k = i; k < e->nitems; k++) {
            const struct fixplan_item *o = &items[e->items[k]];
            if (strcmp(o->analyzer, it->analyzer) != 0)
                continue;
            connections += o->connections;
            flows += o->flows;
            int dup = 0;
            for (size_t j = i; j < k && !dup; j++)
                dup = strcmp(items[e->items[j]].analyzer, it->analyzer) == 0 &&
                      strcmp(items[e->items[j]].host, o->host) == 0;
            if (!dup)
                strbuf_printf(&e->why, "%s %s", hosts++ ? "," : "", o->host);
        }
        if (strcmp(it->analyzer, "asymmetric-return") == 0) {
            strbuf_puts(&e->why, ", replies lost to");
            size_t remotes = 0;
            for (size_t k = i; k < e->nitems; k++) {
                const struct fixplan_item *o = &items[e->items[k]];
                int dup = strcmp(o->analyzer, it->analyzer) != 0;
                for (size_t j = i; j < k && !dup; j++)
                    dup = strcmp(items[e->items[j]].analyzer, it->analyzer) == 0 &&
                          strcmp(items[e->items[j]].remote, o->remote) == 0;
                if (!dup)
                    strbuf_printf(&e->why, "%s %s", remotes++ ? "," : "", o->remote);
            }
        }
        if (connections)
            strbuf_printf(&e->why, " (%lld connection%s, %lld tuple%s)", (long long)connections,
                          connections == 1 ? "" : "s", (long long)flows, flows == 1 ? "" : "s");
        else if (flows)
            strbuf_printf(&e->why, " (%lld tuple%s)", (long long)flows, flows == 1 ? "" : "s");
    }
    strbuf_puts(&e->why, ".");
    if (e->folded)
        strbuf_puts(&e->why, " (Some of these flow logs do not name the resource: VNet flow"
                             " logs never name the NSG. It is taken to be the one the other"
                             " findings name, the APIM subnet's.)");
}

/* ------------------------------------------------------------------ */
/* the plan                                                           */

int fixplan_build(const struct fixplan_item *items, size_t n, struct netconfig *nc,
                  struct fixplan *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < items[i].nchanges; k++) {
            const struct change *c = &items[i].changes[k];
            if (c->kind == CHANGE_NONE)
                continue;
            struct fixplan_entry *e = entry_for(out, c);
            if (!e || add_item(e, i) != 0)
                goto nomem;
            merge(e, c);
            static const char *const severities[] = {"error", "warning", "info"};
            if (rank(items[i].severity) < rank(e->severity))
                e->severity = severities[rank(items[i].severity)]; /* outlives the items */
        }
    if (fold_unnamed(out) != 0)
        goto nomem;
    /* what does not depend on the order the items came in */
    for (size_t i = 0; i < out->n; i++) {
        struct fixplan_entry *e = &out->v[i];
        if (e->kind == CHANGE_NSG_RULE)
            sort_words(e->c.ports, sizeof e->c.ports, by_first_port);
        sort_words(e->c.services, sizeof e->c.services, by_text);
        qsort_r(e->items, e->nitems, sizeof *e->items, by_item, (void *)items);
    }
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, by_plan_order);
    /* names and priorities in the plan's order: the most severe change
     * gets the first pick */
    struct allocation a = {.nc = nc};
    for (size_t i = 0; i < out->n; i++) {
        struct fixplan_entry *e = &out->v[i];
        switch (e->kind) {
        case CHANGE_NSG_RULE: nsg_rule(&a, e); break;
        case CHANGE_ROUTE: route(&a, e); break;
        case CHANGE_ENDPOINTS: endpoints(e); break;
        default: delegation(e); break;
        }
        why(items, e);
        if (strbuf_failed(&e->title) || strbuf_failed(&e->commands) || strbuf_failed(&e->why) ||
            strbuf_failed(&e->placeholders) || strbuf_failed(&e->target)) {
            free(a.v);
            goto nomem;
        }
    }
    free(a.v);
    return 0;
nomem:
    fixplan_free(out);
    return -1;
}

void fixplan_free(struct fixplan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct fixplan_entry *e = &p->v[i];
        strbuf_free(&e->title);
        strbuf_free(&e->target);
        strbuf_free(&e->why);
        strbuf_free(&e->commands);
        strbuf_free(&e->placeholders);
        free(e->items);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}
