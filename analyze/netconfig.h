/* netconfig.h: the imported configuration (schema/006_config.sql, and
 * 014_regions.sql for the regions of an instance), loaded into memory the
 * way the analyzers ask about it: each region of an API Management
 * instance (or a workspace gateway) with its tier and mode, its subnet's
 * address ranges, the NSG and route table on that subnet as nsgeval.h
 * evaluates them, the VNet's space for VirtualNetwork, and a resolver that
 * turns the names in rules and routes (service tags, VirtualNetwork,
 * Internet, AzureLoadBalancer) into address sets.
 *
 * One loader, three readers: analyze.c (hosts, tier and mode from the
 * configuration), config_check.c (the config-* analyzers) and the flow-log
 * analyzers, which use it to name the real rule, NSG and route table in
 * their fixes and to say whether the routes confirm a lost return path. */
#ifndef NSGFLOW_NETCONFIG_H
#define NSGFLOW_NETCONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../ingest/ipaddr.h"
#include "nsgeval.h"

/* The tiers, by the requirements that apply (see apim_requirement.tier). */
enum apim_tier {
    TIER_CLASSIC,    /* Developer, Premium (and the other classic SKUs) */
    TIER_V2,         /* BasicV2, StandardV2, PremiumV2 */
    TIER_WORKSPACE,  /* a workspace gateway */
};

struct nc_nsg {
    char *name, *resource_group, *resource_id;
    struct nsg g;                 /* rules as imported (default ones added
                                   * when the export had none) */
};

struct nc_route_table {
    char *name, *resource_group, *resource_id;
    struct route *routes;         /* the table's user routes */
    size_t n;
    int disable_bgp;
};

struct nc_subnet {
    char *name, *resource_group, *vnet_name, *resource_id;
    struct addrset prefixes;      /* the subnet's ranges */
    struct addrset vnet_space;    /* VirtualNetwork: the VNet's and its
                                   * peerings' spaces (the subnet's own
                                   * ranges when the VNet was not imported) */
    struct addrset peered;
    int vnet_known;               /* the VNet was imported */
    char *dns_servers;            /* the VNet's, comma-separated; "" Azure DNS */
    int nsg;                      /* index into nsgs, -1 none */
    char *nsg_missing;            /* the NSG's id, when named but not imported */
    int route_table;              /* index into route_tables, -1 none */
    char *route_table_missing;
    struct route *routes;         /* system routes + the table's, for route_select */
    size_t nroutes;
    char **endpoints;             /* service endpoints: Microsoft.Sql, ... */
    size_t nendpoints;
    char **delegations;           /* Microsoft.Web/serverFarms, ... */
    size_t ndelegations;
};

/* One region of an instance: a single-region instance or a workspace
 * gateway is one; a multi-region instance is its primary region followed
 * by one for each additional location, with the instance's name, tier and
 * mode and the location's own subnet and addresses, judged each with its
 * own subnet, NSG and route table. */
struct nc_instance {
    char *name, *resource_group, *location, *sku, *vnet_type, *platform, *resource_id;
    char *mode;                   /* the mode in words (apim_instances.mode) */
    char *summary;                /* "NAME (TIER, MODE)" as analyze and the
                                   * reports name the instance */
    char *primary_location;       /* the instance's first region */
    int region;                   /* 0 the primary, 1.. additional locations */
    int nregions;                 /* the instance's regions (1: one) */
    int tier;                     /* enum apim_tier */
    int gateway;                  /* a workspace gateway */
    int subnet;                   /* index into subnets, -1 none */
    char *subnet_missing;         /* the subnet's id, when named but not imported */
    char *private_ips;            /* comma-separated */
};

struct nc_tag; /* the resolver's cache of tag sets */

struct netconfig {
    int64_t import_id;            /* the newest import, 0: no configuration */
    int64_t imported_at;
    struct nc_instance *instances;
    size_t ninstances;
    struct nc_subnet *subnets;
    size_t nsubnets;
    struct nc_nsg *nsgs;
    size_t nnsgs;
    struct nc_route_table *route_tables;
    size_t nroute_tables;
    sqlite3 *db;                  /* for the tag data (the caller's) */
    struct nc_tag *tags;
    size_t ntags, cap_tags;
    void **keep;                  /* the rules' strings and lists, freed at the end */
    size_t nkeep, cap_keep;
};

/* Loads what the database holds (nothing, import_id 0, when it holds no
 * configuration). Returns 0, or -1 with err. Free with netconfig_free. */
int netconfig_load(sqlite3 *db, struct netconfig *nc, char *err, size_t errlen);
void netconfig_free(struct netconfig *nc);

/* The requirements' platform value for an instance: "stv2", "stv1", "v2"
 * or "workspace"; and its mode for them: "internal", "external" or NULL.
 * vnet_type is None, External, Internal, or "unknown" for a workspace
 * gateway whose export and subnet do not tell it. */
const char *netconfig_platform(const struct nc_instance *in);
const char *netconfig_mode(const struct nc_instance *in);

/* The subnet (index) whose ranges hold a, or -1. */
int netconfig_subnet_of(const struct netconfig *nc, const struct ip_addr *a);

/* The instances on subnet index s, at most max of them into out. */
size_t netconfig_instances_on(const struct netconfig *nc, int s, const struct nc_instance **out,
                              size_t max);

/* A resolver for rules and routes on subnet s (see nsgeval.h): service tags
 * from the database's tag data (regional ones too), VirtualNetwork from the
 * subnet's VNet, Internet (public space outside VirtualNetwork),
 * AzureLoadBalancer (168.63.129.16). ctx is a struct nc_scope. */
struct nc_scope {
    struct netconfig *nc;
    int subnet;
};
int netconfig_resolve(void *ctx, const char *name, struct addrset *out);

/* The tag name to use for a requirement's service tag in the instance's
 * region: "Sql.WestEurope" when the tag data has it, else "Sql". */
void netconfig_regional_tag(struct netconfig *nc, const char *tag, const char *location,
                            char *out, size_t n);

/* The NSG that owns rule r (an element of one of nc's NSGs), or NULL. */
const struct nc_nsg *netconfig_nsg_of_rule(const struct netconfig *nc, const struct nsg_rule *r);

/* The rule of an NSG by name as a flow log writes it ("UserRule_X",
 * "DefaultRule_X" or "X"), or NULL. */
const struct nsg_rule *netconfig_rule_named(const struct nc_nsg *n, const char *name);

#endif
