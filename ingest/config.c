/* config.c: the configuration import and listing (see config.h). Each file
 * is read through the blob reader's source (plain or gzip) into the
 * streaming document reader; each document is told apart by its "type" (or
 * its resource id) and written into its tables inside the import's
 * transaction, under a savepoint per file, so that a broken file leaves
 * nothing behind. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../common/cli.h"
#include "../common/escape.h"
#include "../common/jsonw.h"
#include "../common/plural.h"
#include "../common/timearg.h"
#include "../common/strbuf.h"
#include "../schema/db.h"
#include "config_template.h"
#include "config_status.h"
#include "ingest.h"
#include "jsondoc.h"
#include "source.h"
#include "walk.h"

const char config_usage[] =
    "usage: nsgflow config import [--db FILE] [--wait SECONDS] [--instance NAME] [--quiet]\n"
    "                             FILE...\n"
    "       nsgflow config show [--db FILE] [--json]\n"
    "\n"
    "import reads the network's configuration from the JSON that Azure prints:\n"
    "  az network nsg show|list, az network route-table show|list,\n"
    "  az network vnet show|list, az network vnet subnet show|list, az apim show|list,\n"
    "  az network nic list-effective-nsg|show-effective-route-table, the same\n"
    "  resources from ARM REST or az resource show (fields under \"properties\"),\n"
    "  arrays of them, and {\"value\": [...]} or {\"data\": [...]} lists (REST,\n"
    "  Resource Graph). Any mix, any order, plain or gzip; FILE may be a folder\n"
    "  (walked for *.json, *.json.gz) or - for standard input. Importing a\n"
    "  resource again replaces what its resource id said before (a VNet's list\n"
    "  of subnets replaces the subnets it had); each import is kept as a snapshot\n"
    "  with its time. A file that is none of these is refused with what it looks\n"
    "  like (a single rule, route or peering: with the az command that prints\n"
    "  its parent whole); a broken file changes nothing. analyze then uses the\n"
    "  APIM instances, their tiers and subnets, and judges the NSG rules and\n"
    "  routes (the config-* analyzers).\n"
    "\n"
    "  An ARM template (the portal's Export template, az group export) is read\n"
    "  as the resources it deploys: names and fields from literals, parameters'\n"
    "  defaultValue, variables, resourceId() and concat(); child resources join\n"
    "  their parent; ids as /subscriptions/?/resourceGroups/?/providers/... (a\n"
    "  template knows neither). A resource that needs anything else is refused\n"
    "  alone, naming the field and the expression; the others are imported.\n"
    "\n"
    "  APIM's network status is read too: the portal's \"Network status\" page (az\n"
    "  rest on .../service/NAME/networkstatus, or .../locations/LOCATION/networkstatus):\n"
    "  each dependency's status, error and times, which analyze lines up with the\n"
    "  flow logs and the configuration; it names no instance: see --instance.\n"
    "\n"
    "show says in words what the database holds: the snapshots imported, each\n"
    "APIM instance (tier, mode, platform, subnet, addresses), each subnet (its\n"
    "prefixes, NSG, route table, service endpoints, delegations), the NSGs and\n"
    "the route tables.\n"
    "\n"
    "  --db FILE       the database (default: $NSGFLOW_DB, else ./nsgflow.db)\n"
    "  --wait SECONDS  how long to wait when another process is writing (default 300)\n"
    "  --instance NAME the APIM instance a network status belongs to (it does not say);\n"
    "                  default: the only instance imported (with several: refused)\n"
    "  --quiet, -q     no summary; problems still shown\n"
    "  --json          show: the same as one JSON object (\"format\":\n"
    "                  \"nsgflow-config\"; its keys: man nsgflow, JSON OUTPUT)\n"
    "\n"
    "Exit status: 0 imported; 1 fatal error; 2 usage; 3 done, but some files\n"
    "or template resources were refused, or files could not be read; 130, 143\n"
    "stopped by SIGINT, SIGTERM\n"
    "(an import is one transaction: nothing of it was stored).\n";

/* ------------------------------------------------------------------ */
/* one import                                                         */

/* The parts of resources that az prints alone (parts[] below), and how
 * many other types a message names. */
#define NPARTS 4
#define ODD_TYPES 6

/* The items of a file that are no resource nsgflow reads, for saying what
 * they are and what to export instead. */
struct odd {
    long count;                  /* all of them */
    long parts[NPARTS];          /* rules, routes, peerings: parts of a resource */
    char example[NPARTS][200];   /* the first one's id from its parent on */
    char group[NPARTS][100], parent[NPARTS][100]; /* its parent's resource group and name */
    int parents_differ[NPARTS];  /* the parts belong to more than one parent */
    long no_id;                  /* resources of a kind read, without their id */
    char no_id_type[100], no_id_name[100];
    char types[ODD_TYPES][128];  /* other resource types, each whole */
    int ntypes, more_types;
    long plain;                  /* objects and values that are no resource */
};

struct import {
    sqlite3 *db;
    int64_t import_id;
    const char *path;            /* the file being read, as shown */
    /* per file */
    long resources, nsgs, rules, route_tables, routes, vnets, subnets, apims;
    struct odd odd;
    long templates, parameter_files; /* ARM templates, their parameters files */
    long refused;                /* template resources that could not be read */
    long statuses;               /* APIM network statuses (config_status.h) */
    const char *instance;        /* --instance: whose they are */
    char refusal[400];           /* why the file is refused, when a document says */
    int defer_statuses;          /* first pass: a network status waits for the rest */
    int deferred;                /* this file holds one: read it again at the end */
    int64_t effective_routes;    /* the file's table of effective routes, 0: none yet */
    long stdin_tables;           /* effective route tables read from stdin */
    int failed;                  /* a database error */
    char error[300];
    /* the whole import */
    long files_ok, files_refused, resources_refused;
};

static int on_doc(void *ctx, const struct jd_node *doc, size_t index);

static int sql_fail(struct import *im)
{
    if (!im->failed) {
        snprintf(im->error, sizeof im->error, "%s", sqlite3_errmsg(im->db));
        im->failed = 1;
    }
    return -1;
}

static int exec_sql(struct import *im, const char *sql)
{
    return sqlite3_exec(im->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : sql_fail(im);
}

/* The segment after "/NAME/" of a resource id ("" when none). */
static void id_part(const char *id, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    size_t len = strlen(name);
    for (const char *p = id; (p = strchr(p, '/')) != NULL; p++)
        if (strncasecmp(p + 1, name, len) == 0 && p[1 + len] == '/') {
            const char *v = p + 2 + len, *end = strchr(v, '/');
            snprintf(out, n, "%.*s", (int)(end ? (size_t)(end - v) : strlen(v)), v);
            return;
        }
}

/* The strings of an array (or one string) as a JSON array text; with
 * member set, each element's member (an object's "id", "service", ...). */
static void json_list(struct strbuf *out, const struct jd_node *n, const char *member)
{
    strbuf_puts(out, "[");
    int first = 1;
    if (n && n->kind == JD_STRING && n->text[0] && !member) {
        json_quote(out, n->text);
        first = 0;
    } else if (n && n->kind == JD_ARRAY) {
        for (const struct jd_node *e = n->first; e; e = e->next) {
            const char *v = NULL;
            if (member)
                v = e->kind == JD_OBJECT ? jd_string(e, member) : NULL;
            else if (e->kind == JD_STRING || e->kind == JD_NUMBER)
                v = e->text;
            if (!v || !v[0])
                continue;
            if (!first)
                strbuf_puts(out, ",");
            json_quote(out, v);
            first = 0;
        }
    }
    strbuf_puts(out, "]");
}

/* 1 when v is the single field's value or one of the list's before stop. */
static int said_before(const char *v, const char *one, const struct jd_node *l,
                       const struct jd_node *stop)
{
    if (strcmp(v, one) == 0)
        return 1;
    for (const struct jd_node *e = l->first; e && e != stop; e = e->next)
        if ((e->kind == JD_STRING || e->kind == JD_NUMBER) && strcmp(e->text, v) == 0)
            return 1;
    return 0;
}

/* A rule's prefixes or ports: the single field and the list field
 * together, each value once (effective rules write each value in both);
 * ["*"] when both are empty. */
static void rule_list(struct strbuf *out, const struct jd_node *rule, const char *single,
                      const char *list, const char *asgs)
{
    struct strbuf items = {0};
    const char *one = jd_string(rule, single);
    strbuf_puts(&items, "[");
    int n = 0;
    if (one[0]) {
        json_quote(&items, one);
        n++;
    }
    const struct jd_node *l = jd_field(rule, list);
    if (l && l->kind == JD_ARRAY)
        for (const struct jd_node *e = l->first; e; e = e->next)
            if ((e->kind == JD_STRING || e->kind == JD_NUMBER) && e->text[0] &&
                !said_before(e->text, one, l, e)) {
                if (n++)
                    strbuf_puts(&items, ",");
                json_quote(&items, e->text);
            }
    /* application security groups: their members only NIC data can tell */
    const struct jd_node *a = asgs ? jd_field(rule, asgs) : NULL;
    if (a && a->kind == JD_ARRAY)
        for (const struct jd_node *e = a->first; e; e = e->next) {
            const char *id = e->kind == JD_OBJECT ? jd_string(e, "id") : "";
            if (!id[0])
                continue;
            const char *slash = strrchr(id, '/');
            struct strbuf name = {0};
            strbuf_printf(&name, "asg:%s", slash ? slash + 1 : id);
            if (n++)
                strbuf_puts(&items, ",");
            json_quote(&items, strbuf_text(&name));
            strbuf_free(&name);
        }
    if (!n)
        strbuf_puts(&items, "\"*\"");
    strbuf_puts(&items, "]");
    strbuf_add(out, strbuf_text(&items), items.len);
    strbuf_free(&items);
}

/* Removes the resource with id and its rows. */
static int drop_resource(struct import *im, const char *id)
{
    static const char *const drop[] = {
        "DELETE FROM config_nsg_rule WHERE nsg IN (SELECT id FROM config_resource WHERE resource_id = ?1)",
        "DELETE FROM config_nsg_attachment WHERE nsg IN (SELECT id FROM config_resource WHERE resource_id = ?1)",
        "DELETE FROM config_route WHERE route_table IN (SELECT id FROM config_resource WHERE resource_id = ?1)",
        "DELETE FROM config_route_table WHERE resource IN (SELECT id FROM config_resource WHERE resource_id = ?1)",
        "DELETE FROM config_vnet WHERE resource IN (SELECT id FROM config_resource WHERE resource_id = ?1)",
        "DELETE FROM config_subnet WHERE resource IN (SELECT id FROM config_resource WHERE resource_id = ?1)",
        "DELETE FROM config_apim WHERE resource IN (SELECT id FROM config_resource WHERE resource_id = ?1)",
        "DELETE FROM config_resource WHERE resource_id = ?1",
    };
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(im->db, drop[i], -1, &st, NULL) != SQLITE_OK)
            return sql_fail(im);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return sql_fail(im);
    }
    return 0;
}

/* Writes the config_resource row of doc (replacing an earlier import of the
 * same resource id with its rows). Returns its row id, or -1. */
static int64_t put_resource(struct import *im, const struct jd_node *doc, const char *kind,
                            const char *id)
{
    if (drop_resource(im, id) != 0)
        return -1;
    char rg[256], sub[256], name[256];
    snprintf(rg, sizeof rg, "%s", jd_string(doc, "resourceGroup"));
    if (!rg[0])
        id_part(id, "resourceGroups", rg, sizeof rg);
    id_part(id, "subscriptions", sub, sizeof sub);
    /* a template's resources: "?" where a deployment would say */
    if (strcmp(rg, "?") == 0)
        rg[0] = '\0';
    if (strcmp(sub, "?") == 0)
        sub[0] = '\0';
    snprintf(name, sizeof name, "%s", jd_string(doc, "name"));
    if (!name[0]) {
        const char *slash = strrchr(id, '/');
        snprintf(name, sizeof name, "%s", slash ? slash + 1 : id);
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->db, "INSERT INTO config_resource(import_id, kind, resource_id, name,"
                                   " resource_group, subscription, location, source_file)"
                                   " VALUES(?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(im);
    sqlite3_bind_int64(st, 1, im->import_id);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, name, -1, SQLITE_TRANSIENT);
    if (rg[0])
        sqlite3_bind_text(st, 5, rg, -1, SQLITE_TRANSIENT);
    if (sub[0])
        sqlite3_bind_text(st, 6, sub, -1, SQLITE_TRANSIENT);
    const char *loc = jd_string(doc, "location");
    if (loc[0])
        sqlite3_bind_text(st, 7, loc, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, im->path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sql_fail(im);
    im->resources++;
    return sqlite3_last_insert_rowid(im->db);
}

/* A JSON number for an integer column: NaN is 0, and one beyond int64_t's
 * range is clamped to it (converting it would be undefined behaviour). */
static int64_t json_int(double v)
{
    if (v != v)
        return 0;
    if (v >= 9223372036854775807.0)
        return INT64_MAX;
    if (v <= -9223372036854775807.0)
        return INT64_MIN;
    return (int64_t)v;
}

/* Runs an INSERT of texts (NULL binds NULL) and integers given as "%s" and
 * "%d" in the argument list pattern: 's' a string, 'i' an int64. */
static int insert(struct import *im, const char *sql, const char *pattern, ...)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_fail(im);
    va_list ap;
    va_start(ap, pattern);
    for (int i = 0; pattern[i]; i++) {
        if (pattern[i] == 'i') {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        } else {
            const char *v = va_arg(ap, const char *);
            if (v)
                sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
        }
    }
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sql_fail(im);
}

/* One security rule (its name as given: "securityRules/" prefixes of
 * effective rules already taken off; asgs: read the rule's application
 * security groups too). */
static int put_rule(struct import *im, int64_t nsg, const struct jd_node *r, const char *name,
                    int is_default, int asgs)
{
    struct strbuf sp = {0}, sports = {0}, dp = {0}, dports = {0};
    rule_list(&sp, r, "sourceAddressPrefix", "sourceAddressPrefixes",
              asgs ? "sourceApplicationSecurityGroups" : NULL);
    rule_list(&sports, r, "sourcePortRange", "sourcePortRanges", NULL);
    rule_list(&dp, r, "destinationAddressPrefix", "destinationAddressPrefixes",
              asgs ? "destinationApplicationSecurityGroups" : NULL);
    rule_list(&dports, r, "destinationPortRange", "destinationPortRanges", NULL);
    const char *proto = jd_string(r, "protocol");
    if (strcasecmp(proto, "All") == 0) /* effective rules' word for '*' */
        proto = "*";
    int rc = insert(im, "INSERT INTO config_nsg_rule(nsg, name, priority, direction, access,"
                        " protocol, source_prefixes, source_ports, destination_prefixes,"
                        " destination_ports, is_default) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "isisssssssi", nsg, name, json_int(jd_number(r, "priority", 0)),
                    jd_string(r, "direction"), jd_string(r, "access"), proto[0] ? proto : "*",
                    strbuf_text(&sp), strbuf_text(&sports), strbuf_text(&dp),
                    strbuf_text(&dports), (int64_t)is_default);
    strbuf_free(&sp);
    strbuf_free(&sports);
    strbuf_free(&dp);
    strbuf_free(&dports);
    if (rc != 0)
        return -1;
    im->rules++;
    return 0;
}

static int put_rules(struct import *im, int64_t nsg, const struct jd_node *list, int is_default)
{
    if (!list || list->kind != JD_ARRAY)
        return 0;
    for (const struct jd_node *r = list->first; r; r = r->next)
        if (r->kind == JD_OBJECT && put_rule(im, nsg, r, jd_string(r, "name"), is_default, 1) != 0)
            return -1;
    return 0;
}

static int put_attachments(struct import *im, int64_t nsg, const struct jd_node *doc,
                           const char *field, const char *kind)
{
    const struct jd_node *l = jd_field(doc, field);
    if (!l || l->kind != JD_ARRAY)
        return 0;
    for (const struct jd_node *e = l->first; e; e = e->next) {
        const char *id = e->kind == JD_OBJECT ? jd_string(e, "id") : "";
        if (id[0] && insert(im, "INSERT INTO config_nsg_attachment(nsg, kind, resource_id)"
                                " VALUES(?, ?, ?)", "iss", nsg, kind, id) != 0)
            return -1;
    }
    return 0;
}

static int put_nsg(struct import *im, const struct jd_node *doc, const char *id)
{
    int64_t nsg = put_resource(im, doc, "nsg", id);
    if (nsg < 0 || put_rules(im, nsg, jd_field(doc, "securityRules"), 0) != 0 ||
        put_rules(im, nsg, jd_field(doc, "defaultSecurityRules"), 1) != 0 ||
        put_attachments(im, nsg, doc, "subnets", "subnet") != 0 ||
        put_attachments(im, nsg, doc, "networkInterfaces", "nic") != 0)
        return -1;
    im->nsgs++;
    return 0;
}

static int put_route_table(struct import *im, const struct jd_node *doc, const char *id)
{
    int64_t rt = put_resource(im, doc, "route_table", id);
    if (rt < 0 || insert(im, "INSERT INTO config_route_table(resource, disable_bgp) VALUES(?, ?)",
                         "ii", rt, (int64_t)jd_bool(doc, "disableBgpRoutePropagation", 0)) != 0)
        return -1;
    const struct jd_node *l = jd_field(doc, "routes");
    if (l && l->kind == JD_ARRAY)
        for (const struct jd_node *r = l->first; r; r = r->next) {
            if (r->kind != JD_OBJECT)
                continue;
            const char *ip = jd_string(r, "nextHopIpAddress");
            if (insert(im, "INSERT INTO config_route(route_table, name, address_prefix,"
                           " next_hop_type, next_hop_ip) VALUES(?, ?, ?, ?, ?)", "issss", rt,
                       jd_string(r, "name"), jd_string(r, "addressPrefix"),
                       jd_string(r, "nextHopType"), ip[0] ? ip : NULL) != 0)
                return -1;
            im->routes++;
        }
    im->route_tables++;
    return 0;
}

static int put_subnet(struct import *im, const struct jd_node *doc, const char *id,
                      const char *vnet_id)
{
    int64_t sn = put_resource(im, doc, "subnet", id);
    if (sn < 0)
        return -1;
    struct strbuf prefixes = {0}, endpoints = {0}, delegations = {0};
    const struct jd_node *many = jd_field(doc, "addressPrefixes");
    json_list(&prefixes, many && many->kind == JD_ARRAY && many->count ? many
                         : jd_field(doc, "addressPrefix"), NULL);
    json_list(&endpoints, jd_field(doc, "serviceEndpoints"), "service");
    json_list(&delegations, jd_field(doc, "delegations"), "serviceName");
    char vnet[1024] = "";
    if (vnet_id)
        snprintf(vnet, sizeof vnet, "%s", vnet_id);
    else { /* .../virtualNetworks/V/subnets/S */
        const char *s = strcasestr(id, "/subnets/");
        if (s)
            snprintf(vnet, sizeof vnet, "%.*s", (int)(s - id), id);
    }
    const struct jd_node *nsg = jd_field(doc, "networkSecurityGroup");
    const struct jd_node *rt = jd_field(doc, "routeTable");
    const char *nsg_id = nsg && nsg->kind == JD_OBJECT ? jd_string(nsg, "id") : "";
    const char *rt_id = rt && rt->kind == JD_OBJECT ? jd_string(rt, "id") : "";
    int rc = insert(im, "INSERT INTO config_subnet(resource, vnet_id, address_prefixes, nsg_id,"
                        " route_table_id, service_endpoints, delegations) VALUES(?, ?, ?, ?, ?, ?, ?)",
                    "issssss", sn, vnet[0] ? vnet : NULL, strbuf_text(&prefixes),
                    nsg_id[0] ? nsg_id : NULL, rt_id[0] ? rt_id : NULL, strbuf_text(&endpoints),
                    strbuf_text(&delegations));
    strbuf_free(&prefixes);
    strbuf_free(&endpoints);
    strbuf_free(&delegations);
    if (rc != 0)
        return -1;
    im->subnets++;
    return 0;
}

/* A VNet that lists its subnets says which it has: the subnets of an
 * earlier import under it are gone (those it lists are put again; those
 * read in this import stand beside it). */
static int drop_gone_subnets(struct import *im, const char *vnet_id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->db, "SELECT c.resource_id FROM config_subnet s JOIN config_resource c"
                                   " ON c.id = s.resource WHERE s.vnet_id = ?1 AND c.import_id != ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(im);
    sqlite3_bind_text(st, 1, vnet_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, im->import_id);
    /* the ids first, then the drops (not while the query reads the table) */
    char **gone = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char **grown = realloc(gone, (n + 1) * sizeof *gone);
        char *id = grown ? strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
        if (grown)
            gone = grown;
        if (!id) {
            snprintf(im->error, sizeof im->error, "out of memory");
            im->failed = 1;
            break;
        }
        gone[n++] = id;
    }
    sqlite3_finalize(st);
    int status = im->failed ? -1 : rc == SQLITE_DONE ? 0 : sql_fail(im);
    for (size_t i = 0; i < n; i++) {
        if (status == 0)
            status = drop_resource(im, gone[i]);
        free(gone[i]);
    }
    free(gone);
    return status;
}

static int put_vnet(struct import *im, const struct jd_node *doc, const char *id)
{
    int64_t vn = put_resource(im, doc, "vnet", id);
    if (vn < 0)
        return -1;
    struct strbuf space = {0}, peered = {0}, dns = {0};
    json_list(&space, jd_get(jd_field(doc, "addressSpace"), "addressPrefixes"), NULL);
    json_list(&dns, jd_get(jd_field(doc, "dhcpOptions"), "dnsServers"), NULL);
    /* the peerings' spaces, as one list */
    strbuf_puts(&peered, "[");
    int n = 0;
    const struct jd_node *peerings = jd_field(doc, "virtualNetworkPeerings");
    if (peerings && peerings->kind == JD_ARRAY)
        for (const struct jd_node *p = peerings->first; p; p = p->next) {
            const struct jd_node *remote = jd_field(p, "remoteAddressSpace");
            if (!remote)
                remote = jd_field(p, "remoteVirtualNetworkAddressSpace");
            const struct jd_node *l = jd_get(remote, "addressPrefixes");
            if (l && l->kind == JD_ARRAY)
                for (const struct jd_node *e = l->first; e; e = e->next)
                    if (e->kind == JD_STRING && e->text[0]) {
                        if (n++)
                            strbuf_puts(&peered, ",");
                        json_quote(&peered, e->text);
                    }
        }
    strbuf_puts(&peered, "]");
    int rc = insert(im, "INSERT INTO config_vnet(resource, address_prefixes, peered_prefixes,"
                        " dns_servers) VALUES(?, ?, ?, ?)", "isss", vn, strbuf_text(&space),
                    strbuf_text(&peered), strbuf_text(&dns));
    strbuf_free(&space);
    strbuf_free(&peered);
    strbuf_free(&dns);
    if (rc != 0)
        return -1;
    im->vnets++;
    /* its subnets, each a resource of its own */
    const struct jd_node *subnets = jd_field(doc, "subnets");
    if (subnets && subnets->kind == JD_ARRAY && drop_gone_subnets(im, id) != 0)
        return -1;
    if (subnets && subnets->kind == JD_ARRAY)
        for (const struct jd_node *s = subnets->first; s; s = s->next) {
            const char *sid = s->kind == JD_OBJECT ? jd_string(s, "id") : "";
            if (sid[0] && put_subnet(im, s, sid, id) != 0)
                return -1;
        }
    return 0;
}

/* The additional locations of instance ap (a multi-region Premium
 * instance): each with its own subnet, addresses and units. */
static int put_apim_locations(struct import *im, int64_t ap, const struct jd_node *doc)
{
    const struct jd_node *l = jd_field(doc, "additionalLocations");
    if (!l || l->kind != JD_ARRAY)
        return 0;
    for (const struct jd_node *e = l->first; e; e = e->next) {
        const char *location = e->kind == JD_OBJECT ? jd_string(e, "location") : "";
        if (!location[0])
            continue;
        const struct jd_node *sku = jd_get(e, "sku");
        const struct jd_node *vnc = jd_field(e, "virtualNetworkConfiguration");
        const char *subnet = vnc ? jd_string(vnc, "subnetResourceId") : "";
        struct strbuf priv = {0}, pub = {0};
        json_list(&priv, jd_field(e, "privateIPAddresses"), NULL);
        json_list(&pub, jd_field(e, "publicIPAddresses"), NULL);
        const char *sku_name = sku ? jd_string(sku, "name") : "";
        int rc = insert(im, "INSERT INTO config_apim_location(apim, location, sku, capacity,"
                            " subnet_id, private_ips, public_ips) VALUES(?, ?, ?, ?, ?, ?, ?)",
                        "ississs", ap, location, sku_name[0] ? sku_name : NULL,
                        json_int(sku ? jd_number(sku, "capacity", 0) : 0),
                        subnet[0] ? subnet : NULL, strbuf_text(&priv), strbuf_text(&pub));
        strbuf_free(&priv);
        strbuf_free(&pub);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* An API Management instance, or a workspace gateway (gateway set): its
 * subnet is under backend.subnet.id, not virtualNetworkConfiguration. */
static int put_apim(struct import *im, const struct jd_node *doc, const char *id, int gateway)
{
    int64_t ap = put_resource(im, doc, "apim", id);
    if (ap < 0)
        return -1;
    const struct jd_node *sku = jd_get(doc, "sku");
    const struct jd_node *vnc = jd_field(doc, "virtualNetworkConfiguration");
    struct strbuf priv = {0}, pub = {0};
    json_list(&priv, jd_field(doc, "privateIPAddresses"), NULL);
    json_list(&pub, jd_field(doc, "publicIPAddresses"), NULL);
    const char *subnet = vnc ? jd_string(vnc, "subnetResourceId") : "";
    if (gateway)
        subnet = jd_string(jd_get(jd_field(doc, "backend"), "subnet"), "id");
    const char *vtype = jd_string(doc, "virtualNetworkType");
    const char *platform = jd_string(doc, "platformVersion");
    int rc = insert(im, "INSERT INTO config_apim(resource, kind, sku, capacity, vnet_type,"
                        " platform, subnet_id, private_ips, public_ips)"
                        " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "ississsss", ap, gateway ? "workspace-gateway" : "instance",
                    sku ? jd_string(sku, "name") : NULL,
                    json_int(sku ? jd_number(sku, "capacity", 0) : 0), vtype[0] ? vtype : NULL,
                    platform[0] ? platform : NULL, subnet[0] ? subnet : NULL,
                    strbuf_text(&priv), strbuf_text(&pub));
    strbuf_free(&priv);
    strbuf_free(&pub);
    if (rc != 0 || (!gateway && put_apim_locations(im, ap, doc) != 0))
        return -1;
    im->apims++;
    return 0;
}

/* The resources nsgflow reads: their type, the segment of their id that
 * names them, their kind. */
static const struct {
    const char *type, *id_part, *kind;
} kinds[] = {
    {"Microsoft.Network/networkSecurityGroups", "/networkSecurityGroups/", "nsg"},
    {"Microsoft.Network/routeTables", "/routeTables/", "route_table"},
    {"Microsoft.Network/virtualNetworks/subnets", "/subnets/", "subnet"},
    {"Microsoft.Network/virtualNetworks", "/virtualNetworks/", "vnet"},
    {"Microsoft.ApiManagement/service", "/Microsoft.ApiManagement/service/", "apim"},
    {"Microsoft.ApiManagement/gateways", "/Microsoft.ApiManagement/gateways/", "gateway"},
};

/* The kind of a resource type ("Microsoft.Network/routeTables": "route_table"), or NULL. */
static const char *kind_of_type(const char *type)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (type[0] && strcasecmp(type, kinds[i].type) == 0)
            return kinds[i].kind;
    return NULL;
}

/* The kind of a document: its "type", else its resource id. */
static const char *kind_of(const struct jd_node *doc, const char *id)
{
    const char *type = jd_string(doc, "type");
    if (type[0])
        return kind_of_type(type); /* NULL: some other resource */
    /* no type: the last provider segment of the id decides */
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *p = strcasestr(id, kinds[i].id_part);
        if (p && !strchr(p + strlen(kinds[i].id_part), '/'))
            return kinds[i].kind;
    }
    return NULL;
}

/* `az network nic list-effective-nsg`: each element of its list is one NSG
 * as in force (its "association" says on which subnet or NIC), its rules
 * named "securityRules/NAME" or "defaultSecurityRules/NAME" and its ports
 * written as ranges ("443-443", "0-65535"). Stored as that NSG. */
static int put_effective_nsg(struct import *im, const struct jd_node *doc)
{
    if (jd_string(doc, "id")[0] || !jd_get(doc, "effectiveSecurityRules"))
        return 1;
    const char *id = jd_string(jd_get(doc, "networkSecurityGroup"), "id");
    if (!id[0])
        return 1; /* not an NSG's rules: said as an item of another kind */
    int64_t nsg = put_resource(im, doc, "nsg", id);
    if (nsg < 0)
        return -1;
    const struct jd_node *rules = jd_get(doc, "effectiveSecurityRules");
    for (const struct jd_node *r = rules ? rules->first : NULL; r; r = r->next) {
        if (r->kind != JD_OBJECT)
            continue;
        const char *name = jd_string(r, "name");
        int is_default = strncasecmp(name, "defaultSecurityRules/", 21) == 0;
        const char *slash = strchr(name, '/');
        if (put_rule(im, nsg, r, slash ? slash + 1 : name, is_default, 0) != 0)
            return -1;
    }
    const struct jd_node *assoc = jd_get(doc, "association");
    const char *subnet = jd_string(jd_get(assoc, "subnet"), "id");
    const char *nic = jd_string(jd_get(assoc, "networkInterface"), "id");
    if ((subnet[0] && insert(im, "INSERT INTO config_nsg_attachment(nsg, kind, resource_id)"
                                 " VALUES(?, 'subnet', ?)", "is", nsg, subnet) != 0) ||
        (nic[0] && insert(im, "INSERT INTO config_nsg_attachment(nsg, kind, resource_id)"
                              " VALUES(?, 'nic', ?)", "is", nsg, nic) != 0))
        return -1;
    im->nsgs++;
    return 0;
}

/* `az network nic show-effective-route-table`: each element of its list is
 * one route in force on a NIC (no resource id: the file names the table). */
static int put_effective_route(struct import *im, const struct jd_node *doc)
{
    if (jd_string(doc, "id")[0] || !jd_get(doc, "nextHopType") || !jd_get(doc, "addressPrefix"))
        return 1;
    if (!im->effective_routes) {
        struct strbuf id = {0}, name = {0};
        const char *base = strrchr(im->path, '/');
        /* the file by its real path (r.json and ./r.json are one); each
         * table read from standard input is its own */
        char *real = strcmp(im->path, "(stdin)") != 0 ? realpath(im->path, NULL) : NULL;
        if (real)
            strbuf_printf(&id, "effective-routes:%s", real);
        else
            strbuf_printf(&id, "effective-routes:%s#%lld.%ld", im->path,
                          (long long)im->import_id, ++im->stdin_tables);
        free(real);
        strbuf_printf(&name, "effective routes of %s", base ? base + 1 : im->path);
        struct jd_node named = {.kind = JD_OBJECT};
        struct jd_node name_node = {.kind = JD_STRING, .key = "name", .text = strbuf_text(&name)};
        named.first = &name_node;
        named.count = 1;
        int64_t rt = put_resource(im, &named, "route_table", strbuf_text(&id));
        strbuf_free(&id);
        strbuf_free(&name);
        if (rt < 0 || insert(im, "INSERT INTO config_route_table(resource, disable_bgp, effective)"
                                 " VALUES(?, ?, 1)", "ii", rt,
                             (int64_t)jd_bool(doc, "disableBgpRoutePropagation", 0)) != 0)
            return -1;
        im->effective_routes = rt;
        im->route_tables++;
    }
    const struct jd_node *prefixes = jd_get(doc, "addressPrefix");
    const struct jd_node *hops = jd_get(doc, "nextHopIpAddress");
    const char *hop_ip = hops && hops->kind == JD_ARRAY && hops->first &&
                         hops->first->kind == JD_STRING ? hops->first->text
                       : hops && hops->kind == JD_STRING ? hops->text : "";
    const char *source = jd_string(doc, "source"), *state = jd_string(doc, "state");
    const struct jd_node *one = prefixes && prefixes->kind == JD_ARRAY ? prefixes->first : prefixes;
    for (; one; one = prefixes->kind == JD_ARRAY ? one->next : NULL) {
        if (one->kind != JD_STRING || !one->text[0])
            continue;
        if (insert(im, "INSERT INTO config_route(route_table, name, address_prefix, next_hop_type,"
                       " next_hop_ip, source, state) VALUES(?, ?, ?, ?, ?, ?, ?)", "issssss",
                   im->effective_routes, jd_string(doc, "name"), one->text,
                   jd_string(doc, "nextHopType"), hop_ip[0] ? hop_ip : NULL,
                   source[0] ? source : NULL, state[0] ? state : NULL) != 0)
            return -1;
        im->routes++;
    }
    return 0;
}

/* A document that holds a list ({..., "data": [...]} with the list not
 * first): each element is a document. */
static int each_listed(struct import *im, const struct jd_node *doc)
{
    int any = 0;
    static const char *const lists[] = {"value", "data"};
    for (size_t k = 0; k < 2; k++) {
        const struct jd_node *l = jd_get(doc, lists[k]);
        if (!l || l->kind != JD_ARRAY)
            continue;
        any = 1;
        size_t i = 0;
        for (const struct jd_node *e = l->first; e; e = e->next)
            if (on_doc(im, e, i++) != 0)
                return -1;
    }
    return any ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* what is not a resource nsgflow reads                               */

/* The parts of a resource that az and ARM print alone, and what to export
 * instead: the whole parent. */
static const struct part {
    const char *type, *segment, *one, *many, *parent_segment, *parent_word, *show;
} parts[] = {
    {"Microsoft.Network/networkSecurityGroups/securityRules", "securityRules",
     "NSG security rule", "NSG security rules", "networkSecurityGroups", "NSG",
     "az network nsg show"},
    {"Microsoft.Network/networkSecurityGroups/defaultSecurityRules", "defaultSecurityRules",
     "NSG default security rule", "NSG default security rules", "networkSecurityGroups", "NSG",
     "az network nsg show"},
    {"Microsoft.Network/routeTables/routes", "routes", "route", "routes", "routeTables",
     "route table", "az network route-table show"},
    {"Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "virtualNetworkPeerings",
     "VNet peering", "VNet peerings", "virtualNetworks", "VNet", "az network vnet show"},
};
_Static_assert(sizeof parts / sizeof parts[0] == NPARTS, "NPARTS counts parts[]");

/* The part doc is (by its type, else by the end of its id), or -1. */
static int part_of(const struct jd_node *doc, const char *id)
{
    const char *type = jd_string(doc, "type");
    for (int i = 0; i < (int)NPARTS; i++) {
        if (type[0]) {
            if (strcasecmp(type, parts[i].type) == 0)
                return i;
            continue;
        }
        /* .../PARENT_SEGMENT/NAME/SEGMENT/NAME at the end */
        char pat[64];
        snprintf(pat, sizeof pat, "/%s/", parts[i].parent_segment);
        const char *p = strcasestr(id, pat);
        const char *slash = p ? strchr(p + strlen(pat), '/') : NULL;
        size_t n = strlen(parts[i].segment);
        if (slash && strncasecmp(slash + 1, parts[i].segment, n) == 0 && slash[1 + n] == '/' &&
            slash[2 + n] && !strchr(slash + 2 + n, '/'))
            return i;
    }
    return -1;
}

/* Notes an item of a file that is no resource nsgflow reads. */
static void odd_add(struct import *im, const struct jd_node *doc, const char *id, const char *kind)
{
    struct odd *o = &im->odd;
    o->count++;
    int part = doc ? part_of(doc, id) : -1;
    const char *type = doc ? jd_string(doc, "type") : "";
    if (part >= 0) {
        if (!o->parts[part]++) {
            /* shown from the parent's segment on: .../networkSecurityGroups/N/securityRules/R */
            char pat[64];
            snprintf(pat, sizeof pat, "/%s/", parts[part].parent_segment);
            const char *from = strcasestr(id, pat);
            if (from)
                snprintf(o->example[part], sizeof o->example[part], "...%s", from);
            else
                snprintf(o->example[part], sizeof o->example[part], "%s", jd_string(doc, "name"));
            id_part(id, "resourceGroups", o->group[part], sizeof o->group[part]);
            id_part(id, parts[part].parent_segment, o->parent[part], sizeof o->parent[part]);
        } else {
            char parent[sizeof o->parent[part]];
            id_part(id, parts[part].parent_segment, parent, sizeof parent);
            if (strcasecmp(parent, o->parent[part]) != 0)
                o->parents_differ[part] = 1;
        }
    } else if (kind) {
        if (!o->no_id++) {
            snprintf(o->no_id_type, sizeof o->no_id_type, "%s", type);
            snprintf(o->no_id_name, sizeof o->no_id_name, "%s", jd_string(doc, "name"));
        }
    } else if (type[0]) {
        /* whole; one longer than any of Azure's is cut, and says so */
        char shown[sizeof o->types[0]];
        if (strlen(type) < sizeof shown)
            snprintf(shown, sizeof shown, "%s", type);
        else
            snprintf(shown, sizeof shown, "%.*s...", (int)sizeof shown - 4, type);
        for (int i = 0; i < o->ntypes; i++)
            if (strcasecmp(o->types[i], shown) == 0)
                return;
        if (o->ntypes < ODD_TYPES)
            snprintf(o->types[o->ntypes++], sizeof o->types[0], "%s", shown);
        else
            o->more_types = 1;
    } else {
        o->plain++;
    }
}

/* A name for a command line: as it is when it needs no quotes. */
static void shell_word(struct strbuf *b, const char *s, const char *unknown)
{
    if (!s[0]) {
        strbuf_puts(b, unknown);
        return;
    }
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p)) {
            sh_quote(b, s);
            return;
        }
    strbuf_puts(b, s);
}

/* What the odd items of a file are and what to export instead, "; "
 * between kinds. single: the file is one object ("a single NSG security
 * rule"); else counted ("3 NSG security rules"). brief: other types as a
 * bare list (for the items skipped beside resources read). */
static void odd_words(const struct odd *o, int single, int brief, struct strbuf *b)
{
    const char *sep = "";
    for (int i = 0; i < (int)NPARTS; i++) {
        if (!o->parts[i])
            continue;
        const struct part *p = &parts[i];
        if (single && o->parts[i] == 1) {
            strbuf_printf(b, "%sa single %s (%s)", sep, p->one, o->example[i]);
        } else {
            /* the parent's part of the example: ".../routeTables/RT" */
            char seg[64];
            snprintf(seg, sizeof seg, "/%s/", p->segment);
            const char *at = strcasestr(o->example[i], seg);
            int keep = at ? (int)(at - o->example[i]) : (int)strlen(o->example[i]);
            strbuf_printf(b, "%s%ld %s (of %.*s%s)", sep, o->parts[i],
                          o->parts[i] == 1 ? p->one : p->many, keep, o->example[i],
                          o->parents_differ[i] ? " and others" : "");
        }
        strbuf_printf(b, ": import the whole %s: %s -g ", p->parent_word, p->show);
        shell_word(b, o->group[i], "RESOURCE_GROUP");
        strbuf_puts(b, " -n ");
        shell_word(b, o->parent[i], "NAME");
        sep = "; ";
    }
    if (o->no_id && single)
        strbuf_printf(b, "%sa %s resource named \"%s\" without its resource id (\"id\"), as an"
                      " ARM template lists it: import the whole template, or what az or ARM REST"
                      " print", sep, o->no_id_type, o->no_id_name);
    else if (o->no_id)
        strbuf_printf(b, "%s%ld %s without a resource id (\"id\"), as an ARM template lists %s"
                      " (%s%s \"%s\"): import the whole template, or what az or ARM REST print",
                      sep, o->no_id, o->no_id == 1 ? "resource" : "resources",
                      o->no_id == 1 ? "it" : "them", o->no_id == 1 ? "" : "the first: ",
                      o->no_id_type, o->no_id_name);
    if (o->no_id)
        sep = "; ";
    if (o->ntypes) {
        strbuf_printf(b, "%s%s", sep, brief ? "" : "Azure resources of other types (");
        for (int i = 0; i < o->ntypes; i++)
            strbuf_printf(b, "%s%s", i ? ", " : "", o->types[i]);
        strbuf_printf(b, "%s%s", o->more_types ? " and more" : "",
                      brief ? "" : "), none of the NSGs, route tables, VNets, subnets or API"
                                   " Management instances nsgflow reads");
    }
}

/* ------------------------------------------------------------------ */
/* the shapes of document                                             */

/* A template's resource, read: as a document of its own. */
static int template_put(void *ctx, const struct jd_node *resource, size_t index)
{
    return on_doc(ctx, resource, index);
}

static void template_refuse(void *ctx, size_t index, const char *type, const char *name,
                            const char *why)
{
    struct import *im = ctx;
    msg(stderr, "%s: template resource %zu (%s \"%.160s%s\") not imported: %s\n", im->path, index,
        type, name, strlen(name) > 160 ? "..." : "", why);
    im->refused++;
}

/* Only the resources nsgflow reads are resolved; the others are counted. */
static int template_wants(const char *type)
{
    return kind_of_type(type) != NULL;
}

/* An ARM template (a portal or az export, a deployment): its resources. */
static int put_template(struct import *im, const struct jd_node *doc)
{
    const struct jd_node *tpl = template_of(doc);
    if (!tpl)
        return 1;
    im->templates++;
    char err[200];
    if (template_read(tpl, template_wants, template_put, template_refuse, im, err,
                      sizeof err) != 0) {
        if (!im->failed) {
            snprintf(im->error, sizeof im->error, "%s", err);
            im->failed = 1;
        }
        return -1;
    }
    return 0;
}

/* A template's parameters file: nothing to import (the template's own
 * defaultValues are what is read). */
static int put_template_parameters(struct import *im, const struct jd_node *doc)
{
    if (!template_is_parameters(doc))
        return 1;
    im->parameter_files++;
    return 0;
}

/* The shapes of document besides one resource with its id, tried in
 * order: each returns 0 when it took the document, 1 when the document
 * is not of its shape, -1 on a database error. */
static int (*const doc_shapes[])(struct import *im, const struct jd_node *doc) = {
    put_template,
    put_template_parameters,
    put_effective_nsg,
    put_effective_route,
};

static int put_kind(struct import *im, const struct jd_node *doc, const char *id, const char *kind)
{
    return strcmp(kind, "nsg") == 0           ? put_nsg(im, doc, id)
         : strcmp(kind, "route_table") == 0   ? put_route_table(im, doc, id)
         : strcmp(kind, "vnet") == 0          ? put_vnet(im, doc, id)
         : strcmp(kind, "subnet") == 0        ? put_subnet(im, doc, id, NULL)
                                              : put_apim(im, doc, id, strcmp(kind, "gateway") == 0);
}

static int on_doc(void *ctx, const struct jd_node *doc, size_t index)
{
    struct import *im = ctx;
    (void)index;
    if (doc->kind != JD_OBJECT) {
        odd_add(im, NULL, "", NULL);
        return 0;
    }
    if (!jd_string(doc, "id")[0] && config_status_is(doc)) {
        /* APIM's network status names no instance: without --instance it is
         * read after the other files, so that the instance they import
         * counts (apim-networkstatus.json sorts before apim.json) */
        if (im->defer_statuses) {
            im->deferred = 1;
            return 1; /* the file stops; import_file sets it aside */
        }
        /* 1 when it is refused, which stops the file */
        int rc = config_status_put(im->db, im->import_id, im->path, im->instance, doc,
                                   im->refusal, sizeof im->refusal);
        im->statuses += rc == 0;
        return rc < 0 ? sql_fail(im) : rc;
    }
    for (size_t i = 0; i < sizeof doc_shapes / sizeof doc_shapes[0]; i++) {
        int rc = doc_shapes[i](im, doc);
        if (rc <= 0)
            return rc;
    }
    const char *id = jd_string(doc, "id");
    const char *kind = kind_of(doc, id);
    if (kind && id[0])
        return put_kind(im, doc, id, kind);
    int listed = each_listed(im, doc);
    if (listed < 0)
        return -1;
    if (!listed)
        odd_add(im, doc, id, kind);
    return 0;
}

/* What a file looks like when it holds no configuration. */
static void describe(const jsondoc *p, const struct import *im, struct strbuf *out)
{
    char top = jd_top(p);
    const char *keys = jd_top_keys(p);
    const struct odd *o = &im->odd;
    if (top == 'o' && (strstr(keys, "records")))
        strbuf_puts(out, "a flow-log blob, not configuration (read it with nsgflow ingest)");
    else if (top == 'o' && strstr(keys, "values") && strstr(keys, "changeNumber"))
        strbuf_puts(out, "a service-tags file, not configuration (read it with nsgflow tags import)");
    else if (im->templates) {
        strbuf_puts(out, "an ARM template");
        if (im->refused)
            strbuf_printf(out, " whose %ld %s nsgflow reads could not be read (each said above)",
                          im->refused, im->refused == 1 ? "resource" : "resources");
        if (o->count)
            strbuf_puts(out, im->refused ? ", and " : " of ");
        if (o->count)
            odd_words(o, 0, 0, out);
        else if (!im->refused)
            strbuf_puts(out, " without resources");
    } else if (o->count > o->plain) {
        strbuf_puts(out, top == 'o' ? "" : "a list of ");
        odd_words(o, top == 'o', 0, out);
    } else if (top == 'o')
        strbuf_printf(out, "a JSON object that is no Azure resource (its keys: %s)",
                      keys[0] ? keys : "none");
    else if (top == 'a' || top == 'l')
        strbuf_printf(out, "a list of %ld item%s that are no Azure resources", o->count,
                      o->count == 1 ? "" : "s");
    else if (top == 's')
        strbuf_puts(out, "a single JSON value, not an object");
    else
        strbuf_puts(out, "an empty file");
}

/* Reads one file under a savepoint. Returns 0 when imported, 1 when
 * refused (said why), 2 when set aside for the second pass (it holds a
 * network status, im->defer_statuses), -1 on a database error. */
static int import_file(struct import *im, const char *path, const char *shown)
{
    im->path = shown;
    im->resources = im->nsgs = im->rules = im->route_tables = im->routes = 0;
    im->effective_routes = 0;
    im->vnets = im->subnets = im->apims = 0;
    memset(&im->odd, 0, sizeof im->odd);
    im->templates = im->parameter_files = im->refused = 0;
    im->statuses = 0;
    im->refusal[0] = '\0';
    im->deferred = 0;
    if (exec_sql(im, "SAVEPOINT config_file") != 0)
        return -1;
    char err[400] = "";
    struct strbuf what = {0};
    source *src = source_open(path, err, sizeof err);
    jsondoc *p = src ? jd_new(on_doc, im) : NULL;
    unsigned char *buf = malloc(1 << 16);
    int refused = 0;
    if (!src || !p || !buf) {
        if (!err[0])
            snprintf(err, sizeof err, "out of memory");
        refused = 1;
    } else {
        long n;
        int bad = 0;
        while (!bad && (n = source_read(src, buf, 1 << 16)) > 0)
            bad = jd_feed(p, buf, (size_t)n) != 0;
        if (im->failed) {
            jd_free(p);
            source_close(src);
            free(buf);
            sqlite3_exec(im->db, "ROLLBACK TO config_file; RELEASE config_file", NULL, NULL, NULL);
            return -1;
        }
        if (im->deferred) {
            jd_free(p);
            source_close(src);
            free(buf);
            return exec_sql(im, "ROLLBACK TO config_file") == 0 &&
                           exec_sql(im, "RELEASE config_file") == 0
                       ? 2
                       : -1;
        }
        if (!bad && n < 0) {
            snprintf(err, sizeof err, "%s", source_error(src));
            refused = 1;
        } else if (im->refusal[0]) {
            snprintf(err, sizeof err, "%s", im->refusal);
            refused = 1;
        } else if (bad || jd_finish(p) != 0) {
            snprintf(err, sizeof err, "%s at byte %llu; nothing of it was imported", jd_error(p),
                     (unsigned long long)jd_error_offset(p));
            refused = 1;
        } else if (im->resources == 0 && !im->statuses && !im->odd.count && !im->templates &&
                   (jd_top(p) == 'a' || jd_top(p) == 'l')) {
            /* what az prints for a list with nothing in it: none of them */
            msg(stderr, "%s: an empty list: nothing to import\n", shown);
        } else if (im->resources == 0 && !im->statuses && im->parameter_files) {
            msg(stderr, "%s: the parameters file of an ARM template: nothing to import (nsgflow"
                        " reads the template's own defaultValues)\n", shown);
        } else if (im->resources == 0 && !im->statuses) {
            strbuf_puts(&what, "not Azure network configuration: ");
            describe(p, im, &what);
            refused = 1;
        }
    }
    jd_free(p);
    source_close(src);
    free(buf);
    im->resources_refused += im->refused;
    if (refused) {
        int rc = sqlite3_exec(im->db, "ROLLBACK TO config_file; RELEASE config_file", NULL, NULL,
                              NULL);
        if (rc == SQLITE_OK)
            msg(stderr, "%s: refused: %s\n", shown, what.len ? strbuf_text(&what) : err);
        strbuf_free(&what);
        if (rc != SQLITE_OK)
            return sql_fail(im);
        im->files_refused++;
        return 1;
    }
    if (exec_sql(im, "RELEASE config_file") != 0)
        return -1;
    im->files_ok++;
    if (im->odd.count) {
        odd_words(&im->odd, 0, 1, &what);
        msg(stderr, "%s: %ld item%s of other kinds skipped%s%s%s\n", shown, im->odd.count,
            im->odd.count == 1 ? "" : "s", what.len ? " (" : "", strbuf_text(&what),
            what.len ? ")" : "");
    }
    strbuf_free(&what);
    return 0;
}

int config_import_paths(const char *db_path, int wait_ms, char **paths, int npaths, int quiet)
{
    return config_import_paths_of(db_path, wait_ms, paths, npaths, quiet, NULL);
}

int config_import_paths_of(const char *db_path, int wait_ms, char **paths, int npaths, int quiet,
                           const char *instance)
{
    struct walk_result w = {0};
    for (int i = 0; i < npaths; i++)
        if (walk_path(paths[i], &w) != 0) {
            msg(stderr, "nsgflow config import: out of memory while listing inputs\n");
            walk_free(&w);
            return EXIT_FATAL;
        }
    sqlite3 *db;
    if (db_open_or_say(db_path, wait_ms, &db) != 0) {
        walk_free(&w);
        return EXIT_FATAL;
    }
    struct import im = {.db = db, .instance = instance, .defer_statuses = !instance};
    struct strbuf all = {0};
    for (int i = 0; i < npaths; i++)
        strbuf_printf(&all, "%s%s", i ? " " : "", paths[i]);
    int status = EXIT_OK;
    if (exec_sql(&im, "BEGIN IMMEDIATE") != 0 ||
        insert(&im, "INSERT INTO config_import(imported_at, paths) VALUES(?, ?)", "is",
               (int64_t)time(NULL), strbuf_text(&all)) != 0)
        goto dbfail;
    im.import_id = sqlite3_last_insert_rowid(db);
    /* two passes: the network statuses set aside by the first (standard
     * input cannot be read twice: its status is taken at once) */
    char *later = calloc(w.count ? w.count : 1, 1);
    if (!later)
        goto dbfail;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < w.count; i++) {
            const char *path = w.entries[i].path;
            int stdin_path = strcmp(path, "-") == 0;
            if (pass == 1 && !later[i])
                continue;
            im.defer_statuses = pass == 0 && !instance && !stdin_path;
            int rc = import_file(&im, path, stdin_path ? "(stdin)" : path);
            if (rc < 0) {
                free(later);
                goto dbfail;
            }
            later[i] = rc == 2;
        }
    free(later);
    if (im.files_ok == 0) {
        /* nothing imported: no snapshot either */
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        if (!w.count && !w.problems)
            msg(stderr, "nsgflow config import: no configuration files (*.json, *.json.gz) in"
                        " the paths given; nothing imported\n");
        else
            msg(stderr, "nsgflow config import: nothing imported (%ld file%s refused%s)\n",
                im.files_refused, im.files_refused == 1 ? "" : "s",
                w.problems ? ", some paths unreadable" : "");
        status = EXIT_PROBLEMS;
        goto done;
    }
    if (insert(&im, "UPDATE config_import SET resources = (SELECT count(*) FROM config_resource"
                    " WHERE import_id = ?1) WHERE id = ?1", "i", im.import_id) != 0 ||
        exec_sql(&im, "COMMIT") != 0)
        goto dbfail;
    if (!quiet) {
        /* what the snapshot holds: a resource read twice (a subnet inside
         * its VNet and in a file of its own) counts once */
        int64_t n[7] = {0};
        static const char *const count_sql[7] = {
            "SELECT count(*) FROM config_resource WHERE import_id = ?1 AND kind = 'nsg'",
            "SELECT count(*) FROM config_nsg_rule WHERE nsg IN"
            " (SELECT id FROM config_resource WHERE import_id = ?1)",
            "SELECT count(*) FROM config_resource WHERE import_id = ?1 AND kind = 'route_table'",
            "SELECT count(*) FROM config_route WHERE route_table IN"
            " (SELECT id FROM config_resource WHERE import_id = ?1)",
            "SELECT count(*) FROM config_resource WHERE import_id = ?1 AND kind = 'vnet'",
            "SELECT count(*) FROM config_resource WHERE import_id = ?1 AND kind = 'subnet'",
            "SELECT count(*) FROM config_resource WHERE import_id = ?1 AND kind = 'apim'",
        };
        for (int k = 0; k < 7; k++) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(db, count_sql[k], -1, &st, NULL) == SQLITE_OK) {
                sqlite3_bind_int64(st, 1, im.import_id);
                if (sqlite3_step(st) == SQLITE_ROW)
                    n[k] = sqlite3_column_int64(st, 0);
            }
            sqlite3_finalize(st);
        }
        msg_wrapped(stderr, cli_width(stderr), 4, "config import: %ld %s: %lld %s (%lld %s),"
                    " %lld %s (%lld %s), %lld %s, %lld %s, %lld APIM %s; snapshot %lld%s%s\n",
                    im.files_ok, plural(im.files_ok, "file", "files"), (long long)n[0],
                    plural(n[0], "NSG", "NSGs"), (long long)n[1], plural(n[1], "rule", "rules"),
                    (long long)n[2], plural(n[2], "route table", "route tables"),
                    (long long)n[3], plural(n[3], "route", "routes"), (long long)n[4],
                    plural(n[4], "VNet", "VNets"), (long long)n[5],
                    plural(n[5], "subnet", "subnets"), (long long)n[6],
                    plural(n[6], "instance", "instances"), (long long)im.import_id,
                    im.files_refused ? "; some files refused" : "",
                    im.resources_refused ? "; some template resources not imported" : "");
        config_status_summary(db, im.import_id, stderr);
    }
    if (im.files_refused || im.resources_refused || w.problems)
        status = EXIT_PROBLEMS;
    goto done;
dbfail:
    msg(stderr, "nsgflow config import: %s: %s; nothing was imported\n", db_path,
        im.error[0] ? im.error : sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    status = EXIT_FATAL;
done:
    strbuf_free(&all);
    sqlite3_close(db);
    walk_free(&w);
    return status;
}

/* ------------------------------------------------------------------ */
/* show                                                               */

/* Where show writes: words for people (json NULL) or the JSON object. */
struct show {
    sqlite3 *db;
    sqlite3_stmt *each;          /* the elements of a JSON array column */
    FILE *out;
    int width;
    struct jsonw *json;
};

/* The elements of the JSON array text list (a column), joined by ", "
 * into b, or into the JSON document as an array named key. Returns how
 * many there are. */
static int show_list(struct show *sh, const char *list, struct strbuf *b, const char *key)
{
    int n = 0;
    if (sh->json)
        jsonw_array(sh->json, key);
    sqlite3_bind_text(sh->each, 1, list ? list : "[]", -1, SQLITE_TRANSIENT);
    while (sqlite3_step(sh->each) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(sh->each, 0);
        if (sh->json)
            jsonw_str(sh->json, NULL, v ? v : "");
        else
            strbuf_printf(b, "%s%s", n ? ", " : "", v ? v : "");
        n++;
    }
    sqlite3_reset(sh->each);
    if (sh->json)
        jsonw_end(sh->json);
    return n;
}

/* " 10.0.0.4, 10.0.0.5" after "private address(es)", or "no private
 * address"; the JSON array named key. */
static void show_words(struct show *sh, struct strbuf *b, const char *list, const char *key,
                       const char *one, const char *many, const char *none)
{
    struct strbuf items = {0};
    int n = show_list(sh, list, &items, key);
    if (!sh->json) {
        if (n)
            strbuf_printf(b, "%s %s", plural(n, one, many), strbuf_text(&items));
        else
            strbuf_puts(b, none);
    }
    strbuf_free(&items);
}

static const char *column(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* One section: its title, then a line per row (show_row), or "none". */
static int show_section(struct show *sh, const char *title, const char *key, const char *sql,
                        void (*show_row)(struct show *sh, sqlite3_stmt *st, struct strbuf *line))
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(sh->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rows = 0, rc;
    if (sh->json)
        jsonw_array(sh->json, key);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct strbuf line = {0};
        if (sh->json)
            jsonw_object(sh->json, NULL);
        else if (!rows)
            msg(sh->out, "%s:\n", title);
        show_row(sh, st, &line);
        if (sh->json)
            jsonw_end(sh->json);
        else
            msg_wrapped(sh->out, sh->width, 6, "  %s\n", strbuf_text(&line));
        strbuf_free(&line);
        rows++;
    }
    sqlite3_finalize(st);
    if (sh->json)
        jsonw_end(sh->json);
    else if (!rows)
        msg(sh->out, "%s: none\n", title);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void show_import(struct show *sh, sqlite3_stmt *st, struct strbuf *line)
{
    int64_t resources = sqlite3_column_int64(st, 2);
    if (sh->json) {
        jsonw_int(sh->json, "import_id", sqlite3_column_int64(st, 0));
        jsonw_str(sh->json, "imported_at", column(st, 1));
        jsonw_int(sh->json, "resources", resources);
        jsonw_str(sh->json, "paths", column(st, 3));
        return;
    }
    strbuf_printf(line, "snapshot %lld of %s: %lld %s, from %s", sqlite3_column_int64(st, 0),
                  column(st, 1), (long long)resources,
                  plural(resources, "resource", "resources"), column(st, 3));
}

/* The subnet of an instance: its name when imported, else the last
 * segment of its id ("named, not imported"), else none. */
static void show_instance(struct show *sh, sqlite3_stmt *st, struct strbuf *line)
{
    const char *name = column(st, 0), *kind = column(st, 1), *tier = column(st, 2),
               *mode = column(st, 3), *platform = column(st, 4), *subnet = column(st, 5),
               *subnet_id = column(st, 6), *group = column(st, 9);
    char named[256] = "";
    if (subnet_id) {
        const char *slash = strrchr(subnet_id, '/');
        snprintf(named, sizeof named, "%s", slash ? slash + 1 : subnet_id);
    }
    if (sh->json) {
        jsonw_str(sh->json, "name", name);
        jsonw_str(sh->json, "kind", kind);
        jsonw_str(sh->json, "resource_group", group);
        jsonw_str(sh->json, "tier", tier);
        jsonw_str(sh->json, "vnet_type", mode);
        jsonw_str(sh->json, "platform", platform);
        jsonw_str(sh->json, "subnet", subnet ? subnet : named[0] ? named : NULL);
        jsonw_bool(sh->json, "subnet_imported", subnet != NULL);
        show_list(sh, column(st, 7), NULL, "private_ips");
        show_list(sh, column(st, 8), NULL, "public_ips");
        return;
    }
    strbuf_printf(line, "%s%s: ", name, kind && strcmp(kind, "instance") ? " (workspace gateway)"
                                                                         : "");
    strbuf_printf(line, tier ? "%s tier, " : "tier unknown, ", tier);
    if (mode && strcasecmp(mode, "None") == 0)
        strbuf_puts(line, "not in a virtual network, ");
    else
        strbuf_printf(line, mode ? "%s mode, " : "mode unknown, ", mode);
    strbuf_printf(line, platform ? "platform %s, " : "platform unknown, ", platform);
    if (subnet)
        strbuf_printf(line, "in subnet %s; ", subnet);
    else if (named[0])
        strbuf_printf(line, "in subnet %s (named, not in the imported configuration); ", named);
    else
        strbuf_puts(line, "no subnet in the imported configuration; ");
    show_words(sh, line, column(st, 7), NULL, "private address", "private addresses",
               "no private address");
    strbuf_puts(line, "; ");
    show_words(sh, line, column(st, 8), NULL, "public address", "public addresses",
               "no public address");
}

static void show_subnet(struct show *sh, sqlite3_stmt *st, struct strbuf *line)
{
    const char *name = column(st, 0), *nsg = column(st, 2), *routes = column(st, 3),
               *group = column(st, 6);
    if (sh->json) {
        jsonw_str(sh->json, "name", name);
        jsonw_str(sh->json, "resource_group", group);
        show_list(sh, column(st, 1), NULL, "address_prefixes");
        jsonw_str(sh->json, "nsg", nsg);
        jsonw_str(sh->json, "route_table", routes);
        show_list(sh, column(st, 4), NULL, "service_endpoints");
        show_list(sh, column(st, 5), NULL, "delegations");
        return;
    }
    struct strbuf prefixes = {0};
    int n = show_list(sh, column(st, 1), &prefixes, NULL);
    strbuf_printf(line, "%s (%s): ", name, n ? strbuf_text(&prefixes) : "no address prefix");
    strbuf_free(&prefixes);
    strbuf_printf(line, nsg ? "NSG %s, " : "no NSG, ", nsg);
    strbuf_printf(line, routes ? "route table %s, " : "no route table, ", routes);
    show_words(sh, line, column(st, 4), NULL, "service endpoint", "service endpoints",
               "no service endpoints");
    strbuf_puts(line, ", ");
    struct strbuf to = {0};
    if (show_list(sh, column(st, 5), &to, NULL))
        strbuf_printf(line, "delegated to %s", strbuf_text(&to));
    else
        strbuf_puts(line, "no delegation");
    strbuf_free(&to);
}

static void show_nsg(struct show *sh, sqlite3_stmt *st, struct strbuf *line)
{
    int64_t rules = sqlite3_column_int64(st, 2);
    if (sh->json) {
        jsonw_str(sh->json, "name", column(st, 0));
        jsonw_str(sh->json, "resource_group", column(st, 1));
        jsonw_int(sh->json, "rules", rules);
        return;
    }
    strbuf_printf(line, "%s (resource group %s): %lld %s of its own, besides Azure's defaults",
                  column(st, 0), column(st, 1) ? column(st, 1) : "unknown", (long long)rules,
                  plural(rules, "rule", "rules"));
}

static void show_route_table(struct show *sh, sqlite3_stmt *st, struct strbuf *line)
{
    int64_t routes = sqlite3_column_int64(st, 2);
    int effective = sqlite3_column_int(st, 3);
    if (sh->json) {
        jsonw_str(sh->json, "name", column(st, 0));
        jsonw_str(sh->json, "resource_group", column(st, 1));
        jsonw_int(sh->json, "routes", routes);
        jsonw_bool(sh->json, "effective", effective);
        return;
    }
    strbuf_printf(line, "%s (resource group %s): %lld %s%s", column(st, 0),
                  column(st, 1) ? column(st, 1) : "unknown", (long long)routes,
                  plural(routes, "route", "routes"),
                  effective ? ", the routes in force on a NIC (effective routes)" : "");
}

static int config_show(const char *db_path, int json)
{
    sqlite3 *db;
    if (db_open_to_read_or_say(db_path, 300000, &db) != 0)
        return EXIT_FATAL;
    struct jsonw w;
    struct show sh = {db, NULL, stdout, cli_width(stdout), json ? &w : NULL};
    int rc = sqlite3_prepare_v2(db, "SELECT value FROM json_each(?)", -1, &sh.each, NULL);
    if (rc == SQLITE_OK) {
        if (json) {
            jsonw_begin(&w, stdout);
            jsonw_str(&w, "format", "nsgflow-config");
            jsonw_int(&w, "version", 1);
            jsonw_str(&w, "database", db_path);
        }
        rc = show_section(&sh, "snapshots imported", "imports",
                          "SELECT import_id, imported_at, resources, paths FROM config_imports"
                          " ORDER BY import_id", show_import);
        rc |= show_section(&sh, "APIM instances", "apim_instances",
                           "SELECT name, kind, tier, vnet_type, platform, subnet, subnet_id,"
                           " private_ips, public_ips, resource_group FROM apim_instances"
                           " ORDER BY name", show_instance);
        rc |= show_section(&sh, "subnets", "subnets",
                           "SELECT subnet, address_prefixes, nsg, route_table,"
                           " service_endpoints, delegations, resource_group FROM subnets"
                           " ORDER BY subnet", show_subnet);
        rc |= show_section(&sh, "NSGs", "nsgs",
                           "SELECT c.name, c.resource_group, (SELECT count(*) FROM"
                           " config_nsg_rule r WHERE r.nsg = c.id AND r.is_default = 0)"
                           " FROM config_resource c WHERE c.kind = 'nsg' ORDER BY 1", show_nsg);
        rc |= show_section(&sh, "route tables", "route_tables",
                           "SELECT c.name, c.resource_group, (SELECT count(*) FROM config_route r"
                           " WHERE r.route_table = c.id), coalesce(t.effective, 0)"
                           " FROM config_resource c LEFT JOIN config_route_table t"
                           " ON t.resource = c.id WHERE c.kind = 'route_table' ORDER BY 1",
                           show_route_table);
        rc |= config_status_show(db, stdout, sh.width, sh.json);
        if (json)
            jsonw_finish(&w);
    }
    sqlite3_finalize(sh.each);
    sqlite3_close(db);
    if (rc) {
        msg(stderr, "nsgflow config show: %s: cannot read the configuration\n", db_path);
        return EXIT_FATAL;
    }
    return EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* the command                                                        */

int config_main(int argc, char **argv)
{
    const char *db = NULL, *instance = NULL;
    int wait_ms = 300000, quiet = 0, json = 0;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"wait", required_argument, NULL, 'w'},
        {"quiet", no_argument, NULL, 'q'},
        {"json", no_argument, NULL, 'j'},
        {"instance", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "qh";
    /* the verb is the first word that is no option: config --db x show */
    optind = 1;
    int c;
    while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'q': quiet = 1; break;
        case 'j': json = 1; break;
        case 'i': instance = optarg; break;
        case 'w':
            if (wait_arg_option("config", optarg, &wait_ms) != 0)
                return EXIT_USAGE;
            break;
        case 'h': fputs(config_usage, stdout); return EXIT_OK;
        default: return cli_bad_option("config", argv, shortopts, longopts);
        }
    }
    const char *verb = optind < argc ? argv[optind] : NULL;
    if (!verb) {
        fputs(config_usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(verb, "import") != 0 && strcmp(verb, "show") != 0) {
        static const char *const verbs[] = {"import", "show"};
        char hint[64];
        if (cli_suggest(verb, verbs, 2, "", hint, sizeof hint))
            msg(stderr, "nsgflow config: '%s' is not a config command. Did you mean %s?\n", verb,
                hint);
        else
            msg(stderr, "nsgflow config: '%s' is not a config command (import, show)\n", verb);
        return EXIT_USAGE;
    }
    const char *db_path = db_default_path(db);
    int first = optind + 1;
    if (strcmp(verb, "show") == 0) {
        if (first < argc) {
            msg(stderr, "nsgflow config show: unexpected argument '%s'\n", argv[first]);
            return EXIT_USAGE;
        }
        if (instance) {
            fputs("nsgflow config show: --instance is for config import (whose network status"
                  " a file holds)\n", stderr);
            return EXIT_USAGE;
        }
        cli_on_stop("config show", "nothing was changed (show only reads)");
        return config_show(db_path, json);
    }
    if (json) {
        fputs("nsgflow config import: --json is for config show (import says what it read on"
              " stderr)\n", stderr);
        return EXIT_USAGE;
    }
    if (first >= argc) {
        fputs("nsgflow config import: no FILE given (a JSON file, a folder, or - for standard"
              " input)\nTry 'nsgflow help config'.\n", stderr);
        return EXIT_USAGE;
    }
    cli_on_stop("config import", "nothing of this import was stored (it is one transaction)");
    return config_import_paths_of(db_path, wait_ms, argv + first, argc - first, quiet, instance);
}
