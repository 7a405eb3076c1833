/* nsgeval.h: how Azure decides, done offline: which NSG rule decides a
 * kind of traffic for a set of addresses, and which route the packets to a
 * set of addresses take. The configuration analyzers (config.c) ask it
 * whether a requirement of API Management (say outbound TCP 1433 to every
 * address of the Sql service tag) gets through the subnet's NSG, and where
 * the replies to the management plane's addresses go.
 *
 * Everything works on address SETS, not single addresses: a requirement
 * names a service tag of thousands of prefixes, and a rule may deny only
 * part of them; the answer is the tag's addresses split by the rule (or
 * route) that decides each part. Names in rules and routes (service tags,
 * VirtualNetwork, Internet, AzureLoadBalancer, '*') become sets through a
 * resolver the caller gives (the tag data and the VNet's address space are
 * in the database, not here). Pure C over memory: no SQLite, no I/O. */
#ifndef NSGFLOW_NSGEVAL_H
#define NSGFLOW_NSGEVAL_H

#include <stddef.h>
#include <stdint.h>

#include "../ingest/ipaddr.h"

/* ------------------------------------------------------------------ */
/* address sets                                                       */

/* A range of addresses of one family, first <= last (ip_addr compares
 * bytewise in address order within a family). */
struct addr_range {
    struct ip_addr first, last;
};

/* A set of addresses: sorted (IPv4 before IPv6, then by first), disjoint
 * and not touching (adjacent ranges are merged). The empty set is {0}. */
struct addrset {
    struct addr_range *v;
    size_t n, cap;
};

/* Adds "10.0.0.0/8", "2603:1000::/40", "10.1.2.3" (a /32 or /128) or the
 * whole space of both families for "*" / "0.0.0.0/0" + "::/0" (only "*"
 * means both; "0.0.0.0/0" is IPv4 only). Returns 0, -1 when the text is not
 * a prefix or address, -2 when out of memory. */
int addrset_add_prefix(struct addrset *s, const char *text);
/* Adds one range. Returns 0, -1 when the two ends are of different
 * families or first > last, -2 when out of memory. */
int addrset_add_range(struct addrset *s, const struct ip_addr *first, const struct ip_addr *last);
/* out = a | b, a & b, a - b (out may not be a or b; it is emptied first).
 * Return 0, or -2 when out of memory. */
int addrset_union(const struct addrset *a, const struct addrset *b, struct addrset *out);
int addrset_intersect(const struct addrset *a, const struct addrset *b, struct addrset *out);
int addrset_subtract(const struct addrset *a, const struct addrset *b, struct addrset *out);
int addrset_copy(const struct addrset *a, struct addrset *out);
int addrset_is_empty(const struct addrset *s);
/* 1 when every address of a is in b. */
int addrset_contains(const struct addrset *b, const struct addrset *a);
/* 1 when the set holds addresses of family (IP_V4 or IP_V6). */
int addrset_has_family(const struct addrset *s, int family);
/* Keeps in s only the addresses of the families that like holds (a subnet
 * without an IPv6 range talks to no IPv6 address). Returns 0, or -2 when
 * out of memory (s unchanged). */
int addrset_keep_families(const struct addrset *like, struct addrset *s);
/* How many IPv4 addresses the set holds (IPv6 ones are not counted). */
uint64_t addrset_count_v4(const struct addrset *s);
/* The set as the fewest exact prefixes ("10.0.0.0/8,13.69.104.0/26"), at
 * most max of them (0: no limit) then ",..." (into a string the caller
 * frees; "" for the empty set), or NULL when out of memory. */
char *addrset_text(const struct addrset *s, size_t max);
void addrset_clear(struct addrset *s);
void addrset_free(struct addrset *s);

/* A name in a rule or a route as a set: returns 0 and fills out (emptied
 * first) when it knows the name, 1 when it does not (an application
 * security group, a service tag the tag data lacks), -2 when out of
 * memory. Names are service tags (Sql, Sql.WestEurope, Storage,
 * ApiManagement, ...), VirtualNetwork, Internet, AzureLoadBalancer, in any
 * case. Prefixes, addresses and '*' never reach the resolver. */
typedef int (*name_resolver)(void *ctx, const char *name, struct addrset *out);

/* ------------------------------------------------------------------ */
/* NSG rules                                                          */

enum { NSG_INBOUND = 0, NSG_OUTBOUND = 1 };
/* Protocols: IANA numbers, and NSG_ANY for '*'. */
enum { NSG_ANY = -1, NSG_ICMP = 1, NSG_TCP = 6, NSG_UDP = 17, NSG_ESP = 50, NSG_AH = 51 };

struct port_range {
    uint16_t first, last;
};

/* One security rule as the configuration gives it. Prefix and port lists
 * hold what the rule's single field and its list field say together
 * (sourceAddressPrefix and sourceAddressPrefixes, ...); an empty prefix or
 * port list means '*'. */
struct nsg_rule {
    const char *name;
    int priority;               /* 100..4096 user rules, 65000.. defaults */
    int direction;              /* NSG_INBOUND / NSG_OUTBOUND */
    int allow;                  /* 1 Allow, 0 Deny */
    int protocol;               /* NSG_ANY or an IANA number */
    const char *const *src;     /* prefixes, addresses, names or "*" */
    size_t nsrc;
    const char *const *dst;
    size_t ndst;
    const struct port_range *sports;
    size_t nsports;
    const struct port_range *dports;
    size_t ndports;
    int is_default;             /* one of Azure's default rules */
};

/* An NSG: its rules in any order (the evaluator orders them by priority
 * within each direction). nsg_add_default_rules adds Azure's six default
 * rules (AllowVnetInBound 65000, AllowAzureLoadBalancerInBound 65001,
 * DenyAllInBound 65500, AllowVnetOutBound 65000, AllowInternetOutBound
 * 65001, DenyAllOutBound 65500) for a configuration that does not list
 * them (the caller adds them only then). */
struct nsg {
    const char *name;
    struct nsg_rule *rules;
    size_t n, cap;
};
int nsg_add_rule(struct nsg *g, const struct nsg_rule *r);  /* copies the struct, not the strings */
int nsg_add_default_rules(struct nsg *g);
void nsg_free(struct nsg *g);

/* What is asked: traffic of one direction, protocol and destination port,
 * between the local side (the APIM subnet's addresses: the destination of
 * inbound traffic, the source of outbound) and the remote side (the
 * requirement's addresses). The source port is any: a rule that names
 * source ports other than '*' (0-65535) does not match. */
struct flow_query {
    int direction;
    int protocol;               /* 6 or 17 */
    uint16_t port;              /* destination port */
    const struct addrset *local;
    const struct addrset *remote;
};

/* The answer: the remote addresses split by the rule that decides them
 * (the first rule, by priority, whose direction, protocol, ports, local
 * side and remote side all match). A rule matches the local side when its
 * local prefixes contain the whole local set (a rule that names only part
 * of the subnet is reported in partial_local). Parts are in priority order
 * of their rules; a part no rule decided (an NSG without default rules)
 * has rule NULL and sets neither denied nor allowed. */
struct nsg_part {
    const struct nsg_rule *rule;  /* NULL: no rule decided (no default rules) */
    struct addrset addrs;
};
struct nsg_verdict {
    struct nsg_part *parts;
    size_t n, cap;
    int denied, allowed;        /* some part is denied / allowed */
    const char *unknown_name;   /* a name of a rule that could have decided
                                 * but that the resolver did not know (the
                                 * first), else NULL: the answer may be wrong
                                 * for what that name holds */
    const struct nsg_rule *partial_local; /* a rule that matched only part of
                                 * the local side, and was passed over */
};

/* Evaluates q against g. Returns 0, or -2 when out of memory. Free the
 * verdict with nsg_verdict_free. */
int nsg_evaluate(const struct nsg *g, const struct flow_query *q, name_resolver resolve,
                 void *ctx, struct nsg_verdict *out);

/* The same through two NSGs, the subnet's and the NIC's (either may be
 * NULL; both NULL gives one part with rule NULL): traffic must be allowed
 * by both; inbound meets the subnet's first, outbound the NIC's. Each part
 * names the rule that decided it (the denying one when one of them
 * denies); the first NSG's denied parts come first. */
int nsg_evaluate_pair(const struct nsg *subnet, const struct nsg *nic, const struct flow_query *q,
                      name_resolver resolve, void *ctx, struct nsg_verdict *out);
void nsg_verdict_free(struct nsg_verdict *v);

/* A free priority for a new rule that Azure evaluates before the rule of
 * priority `before` in that direction: the highest priority from 100 to
 * 4096 that is below `before` and used by no rule of g in that direction
 * (for a default rule's 65000+, the highest free one up to 4096). -1 when
 * there is none. */
int nsg_free_priority(const struct nsg *g, int direction, int before);

/* Parses "*", "443", "5671-5672" into r. Returns 0 or -1. */
int port_range_parse(const char *text, struct port_range *r);
/* "Tcp", "Udp", "Icmp", "Esp", "Ah", "*" (any case) or a number; -2 when
 * not a protocol. */
int nsg_protocol_parse(const char *text);

/* ------------------------------------------------------------------ */
/* routes                                                             */

enum next_hop {
    HOP_INTERNET, HOP_VIRTUAL_APPLIANCE, HOP_VNET_GATEWAY, HOP_VNET_LOCAL,
    HOP_VNET_PEERING, HOP_NONE, HOP_UNKNOWN,
};
enum route_source { ROUTE_USER, ROUTE_BGP, ROUTE_SYSTEM };

/* "Internet", "VirtualAppliance", "VirtualNetworkGateway", "VnetLocal",
 * "VNetPeering", "None" (any case) into an enum next_hop (HOP_UNKNOWN
 * otherwise), and back. */
int next_hop_parse(const char *text);
const char *next_hop_name(int hop);

struct route {
    const char *name;
    const char *prefix;          /* a CIDR, or a service tag standing for
                                  * every prefix of the tag */
    int next_hop;                /* enum next_hop */
    const char *next_hop_ip;     /* VirtualAppliance: the appliance */
    int source;                  /* enum route_source */
};

/* The system routes of a subnet in a VNet of the given address space (and
 * peered spaces): the VNet's prefixes to VnetLocal, the peered ones to
 * VNetPeering, 0.0.0.0/0 to Internet, and the reserved ranges
 * (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10) to None
 * where the VNet does not use them. Fills routes (an array the caller
 * frees with routes_free; the prefix strings are owned by it). */
int routes_system(const struct addrset *vnet_space, const struct addrset *peered,
                  struct route **routes, size_t *n);
void routes_free(struct route *routes, size_t n);

/* The answer: the destination addresses split by the route that carries
 * them (longest prefix; at equal length a user route beats a BGP route,
 * which beats a system route, then the one listed first; with disable_bgp
 * BGP routes are ignored; a route whose prefix is a tag stands for each
 * prefix of the tag as the resolver gives them: a resolver that merges
 * adjacent prefixes makes a tag route shorter than Azure's, which matters
 * only against a BGP or system route of the tag's own length). Parts are in
 * address order. */
struct route_part {
    const struct route *route;   /* NULL: no route (no system routes given) */
    struct addrset addrs;
};
struct route_verdict {
    struct route_part *parts;
    size_t n, cap;
    const char *unknown_name;    /* a route prefix the resolver did not know */
};
int route_select(const struct route *routes, size_t n, int disable_bgp,
                 const struct addrset *dst, name_resolver resolve, void *ctx,
                 struct route_verdict *out);
void route_verdict_free(struct route_verdict *v);

#endif
