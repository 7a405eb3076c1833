/* fixplan.h: the fix plan, findings -> the changes to make, each once.
 *
 * An analyzer says what a finding calls for as a change (struct change): an
 * NSG rule to add, a route to add, a subnet's service endpoints or
 * delegation to set, with the names it knows (from the configuration, or
 * from an NSG flow log's resource id) and "" where it does not. The plan
 * groups the findings by change, so that a change called for by six
 * findings (three hosts, the flow logs and the configuration) is one entry
 * with one command; merges what one rule can serve (every port of the
 * requirements to one remote in one direction becomes one rule); and
 * chooses the names and priorities of the new rules so that no two
 * commands create the same rule name or priority in one NSG and direction,
 * and none replaces what another adds. Where a name or a free priority is
 * not known the command carries a <placeholder>, and the entry says which
 * exports fill it in.
 *
 * analyze builds the plan from its findings and stores it (table
 * plan_change, view fix_plan); a report builds it again, the same way, from
 * the findings it shows (several analyses, several shard databases), so the
 * two agree. */
#ifndef NSGFLOW_FIXPLAN_H
#define NSGFLOW_FIXPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "../common/strbuf.h"

struct netconfig;

enum change_kind {
    CHANGE_NONE,
    CHANGE_NSG_RULE,          /* add an allow rule to an NSG */
    CHANGE_ROUTE,             /* add a route to a route table */
    CHANGE_ENDPOINTS,         /* give a subnet service endpoints */
    CHANGE_DELEGATE,          /* delegate a subnet */
    CHANGE_UNDELEGATE,        /* remove a subnet's delegations */
};

/* Names are "" when not known (the command then has a placeholder). */
struct change {
    enum change_kind kind;
    char resource_group[128];
    char parent[128];         /* the NSG, the route table, or the VNet */
    char subnet[128];         /* endpoints, delegations: the subnet */
    /* an NSG rule */
    int outbound;             /* 1 outbound, 0 inbound */
    int protocol;             /* IANA: 6 TCP, 17 UDP */
    char remote[128];         /* the other side: a tag, Internet, VirtualNetwork */
    char ports[64];           /* "5671 5672 443": every port the rule serves */
    int before;               /* the denying rule's priority: the new rule's
                               * must be lower; 0 when not known */
    char before_name[96];     /* that rule ("" when not known) */
    /* a route */
    char prefix[64];          /* a tag or a CIDR; "" for a placeholder */
    char next_hop[32];        /* Internet, VnetLocal, VirtualNetworkGateway */
    /* service endpoints: the ones wanted, and the subnet's own when known */
    char services[160];       /* "Microsoft.Sql Microsoft.Storage ..." */
    char existing[512];       /* the subnet's own, space-separated */
    int existing_known;       /* the configuration says what it has */
    /* a delegation */
    char delegation[96];
};

/* c's ports from a list ("5671,5672,443" as the docs write it, or
 * space-separated). */
void change_set_ports(struct change *c, const char *list);

/* A change's JSON (an object), appended to out; the text that
 * fixplan_parse reads back. Names are escaped as JSON strings. */
void fixplan_change_json(struct strbuf *out, const struct change *c);

/* Reads the JSON array of changes that a finding stored (its column
 * "change"); up to max into out. Returns how many, 0 for none or for text
 * that is not such an array. */
size_t fixplan_parse(const char *json, struct change *out, size_t max);

/* What the plan needs of one finding. */
struct fixplan_item {
    const char *analyzer, *severity, *title, *host, *remote, *rule;
    int port;
    int64_t connections, flows;
    const struct change *changes;
    size_t nchanges;
};

/* One change of the plan, with the items (indices) that call for it. */
struct fixplan_entry {
    enum change_kind kind;
    const char *severity;          /* the worst of its items' */
    struct change c;               /* the merged change */
    struct strbuf title, target, why, commands, placeholders;
    size_t *items;
    size_t nitems, cap_items;
    int folded;                    /* took in the same change of findings
                                    * whose flow logs did not name the
                                    * resource */
};

struct fixplan {
    struct fixplan_entry *v;       /* in the plan's order */
    size_t n, cap;
};

/* Builds the plan of n items: groups, merges, orders (most severe first),
 * chooses free names and priorities in the configuration nc (may be NULL or
 * hold none), writes the commands and the words. Returns 0, or -1 when out
 * of memory. Free with fixplan_free. */
int fixplan_build(const struct fixplan_item *items, size_t n, struct netconfig *nc,
                  struct fixplan *out);
void fixplan_free(struct fixplan *p);

/* "nsg-rule", "route", "subnet-endpoints", "subnet-delegation" */
const char *fixplan_kind_name(enum change_kind k);

#endif
