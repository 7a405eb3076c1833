/* Traffic model for nsgflow-gen: the NICs of an API Management subnet and a
 * workload subnet, and the kinds of flows each of them sees (control plane
 * 3443, load-balancer probes, dependencies, instance sync, scanners, ...).
 * A per-NIC event queue turns flows into NSG v1/v2 or VNet v4 tuple strings
 * minute by minute, so memory stays bounded however long the run. All
 * randomness comes from the seeded PRNG, one draw per statement. */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ identities */

static size_t put_ip4(char *o, uint32_t a);
static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d);

static const char *const RULE_NAMES[R_COUNT] = {
    [R_ALLOW_VNET_IN] = "DefaultRule_AllowVnetInBound",
    [R_ALLOW_LB_IN] = "DefaultRule_AllowAzureLoadBalancerInBound",
    [R_DENY_ALL_IN] = "DefaultRule_DenyAllInBound",
    [R_ALLOW_VNET_OUT] = "DefaultRule_AllowVnetOutBound",
    [R_ALLOW_INET_OUT] = "DefaultRule_AllowInternetOutBound",
    [R_DENY_ALL_OUT] = "DefaultRule_DenyAllOutBound",
    [R_USER_MGMT] = "UserRule_Allow-ApimManagement",
    [R_USER_CLIENT] = "UserRule_Allow-ApimClientInbound",
    [R_USER_STORAGE] = "UserRule_Allow-Storage-Outbound",
    [R_USER_SQL] = "UserRule_Allow-Sql-Outbound",
    [R_USER_KV] = "UserRule_Allow-KeyVault-Outbound",
    [R_USER_MONITOR] = "UserRule_Allow-AzureMonitor-Outbound",
    [R_USER_EH] = "UserRule_Allow-EventHub-Outbound",
    [R_USER_DENY_IN] = "UserRule_Deny-All-Inbound",
    [R_USER_DENY_OUT] = "UserRule_Deny-All-Outbound",
    [R_SCN_DENY_SQL] = "UserRule_Deny-Sql-Outbound",
    [R_SCN_DENY_EH] = "UserRule_Deny-EventHub-Outbound",
    [R_SCN_DENY_MON] = "UserRule_Deny-Monitor-Outbound",
    [R_SCN_DENY_LB] = "UserRule_Deny-LoadBalancer-Inbound",
    [R_SCN_DENY_SYNC] = "UserRule_Deny-VnetSync-Inbound",
};

const char *rule_name(int r) { return (r >= 0 && r < R_COUNT) ? RULE_NAMES[r] : "unspecified"; }

static void make_guid(rng_t *r, char out[40])
{
    static const char hx[] = "0123456789abcdef";
    uint64_t a = rng_next(r), b = rng_next(r);
    char *p = out;
    for (int i = 0; i < 32; i++) {
        unsigned nib = (unsigned)((i < 16 ? a >> (60 - 4 * i) : b >> (60 - 4 * (i - 16))) & 15);
        if (i == 12) nib = 4;                 /* version 4 */
        if (i == 16) nib = 8 | (nib & 3);     /* variant */
        if (i == 8 || i == 12 || i == 16 || i == 20) *p++ = '-';
        *p++ = hx[nib];
    }
    *p = 0;
}

void world_init(world_t *w, const config_t *cfg, int napim, int nvm)
{
    static const char *const ouis[] = {"000D3A", "002248", "6045BD", "7C1E52"};
    static const char hx[] = "0123456789ABCDEF";
    rng_t r;
    rng_seed(&r, cfg->seed, 0x77u);
    memset(w, 0, sizeof *w);
    w->cfg = cfg;
    w->napim = napim;
    w->nvm = nvm;
    w->scn_sync = cfg->scenario == SCN_APIM_OUTAGE && napim >= 2 ? napim : 0;
    make_guid(&r, w->sub_guid);
    make_guid(&r, w->nsg_system_id[0]);
    make_guid(&r, w->nsg_system_id[1]);
    make_guid(&r, w->acl_id[0]);
    make_guid(&r, w->acl_id[1]);
    make_guid(&r, w->flowlog_guid);
    int n = napim + nvm;
    w->nics = xmalloc(sizeof(nic_t) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        nic_t *c = &w->nics[i];
        memset(c, 0, sizeof *c);
        c->index = i;
        c->role = i < napim ? ROLE_APIM : ROLE_VM;
        c->apim_ord = i < napim ? i : i - napim;
        unsigned host = 4u + ((unsigned)c->apim_ord & 0xffu);
        unsigned net = c->role == ROLE_APIM ? 1u : 2u;
        put_ip4(c->ip4, ip4(10, 20, net, host & 0xffu));
        snprintf(c->ip6, sizeof c->ip6, "fd00:10:20:%u::%x", net, host);
        uint32_t low = ((uint32_t)rng_below(&r, 4096) << 12) | ((uint32_t)i & 0xfff);
        const char *oui = ouis[rng_below(&r, 4)];
        memcpy(c->mac, oui, 6);
        for (int k = 0; k < 6; k++) c->mac[6 + k] = hx[(low >> (20 - 4 * k)) & 15];
        c->mac[12] = 0;
        if (cfg->lowercase_ids) str_lower(c->mac);
        c->rec_sec = (int)rng_below(&r, 60);
        c->rec_frac = rng_below(&r, 10000000u);
        c->acl = c->role == ROLE_APIM ? 0 : 1;
    }
}

void world_free(world_t *w)
{
    free(w->nics);
    w->nics = NULL;
}

void sub_upper(const world_t *w, char out[40])
{
    memcpy(out, w->sub_guid, 37);
    out[36] = 0;
    str_upper(out);
}

void nsg_names(const nic_t *n, const char **rg_up, const char **nsg_up)
{
    *rg_up = n->rg_name ? n->rg_name : n->role == ROLE_APIM ? "RG-APIM-PROD" : "RG-APP-PROD";
    *nsg_up = n->nsg_name ? n->nsg_name : n->role == ROLE_APIM ? "NSG-APIM-SUBNET" : "NSG-APP-SUBNET";
}

void nsg_resource_id(const world_t *w, const nic_t *n, char *out, size_t cap)
{
    char sub[40];
    const char *rg, *nsg;
    sub_upper(w, sub);
    nsg_names(n, &rg, &nsg);
    snprintf(out, cap,
             "/SUBSCRIPTIONS/%s/RESOURCEGROUPS/%s/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/%s",
             sub, rg, nsg);
    if (w->cfg->lowercase_ids) str_lower(out);
}

void vnet_flowlog_id(const world_t *w, char *out, size_t cap)
{
    char sub[40];
    sub_upper(w, sub);
    snprintf(out, cap,
             "/SUBSCRIPTIONS/%s/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/"
             "NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL-VNET-APIM",
             sub);
    if (w->cfg->lowercase_ids) str_lower(out);
}

void vnet_target_id(const world_t *w, char *out, size_t cap)
{
    snprintf(out, cap,
             "/subscriptions/%s/resourceGroups/rg-apim-prod/providers/Microsoft.Network/virtualNetworks/vnet-apim-prod",
             w->sub_guid);
    if (w->cfg->lowercase_ids) str_lower(out);
}

/* ------------------------------------------------------------ addresses */

static size_t put_ip4(char *o, uint32_t a)
{
    size_t n = 0;
    for (int i = 3; i >= 0; i--) {
        n += fmt_u64(o + n, (a >> (8 * i)) & 255);
        if (i) o[n++] = '.';
    }
    o[n] = 0;
    return n;
}

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return ((uint32_t)a << 24) | ((uint32_t)b << 16) | ((uint32_t)c << 8) | (uint32_t)d;
}

typedef struct {
    uint32_t base;
    int len;
} pfx_t;

/* A host inside a prefix (not the network or broadcast address when the
 * prefix is wide enough to have them). */
static uint32_t host_in(rng_t *r, pfx_t p)
{
    uint32_t mask = p.len >= 32 ? 0 : (0xffffffffu >> p.len);
    if (mask == 0) return p.base;
    if (mask == 1) return p.base | rng_below(r, 2);
    return (p.base & ~mask) | (1 + rng_below(r, mask - 1));
}

#define NPFX(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* Service-tag prefixes (West Europe regional variants, ServiceTags_Public). */
static const pfx_t PFX_STORAGE[] = {
    {0x0D452810, 28} /* 13.69.40.16/28 */, {0x0D5F60B0, 28} /* 13.95.96.176/28 */,
    {0x14219100, 24} /* 20.33.145.0/24 */, {0x1421A300, 24} /* 20.33.163.0/24 */,
    {0x143C1A00, 23} /* 20.60.26.0/23 */,  {0x143C8200, 24} /* 20.60.130.0/24 */,
    {0x14960800, 23} /* 20.150.8.0/23 */,  {0x14962500, 24} /* 20.150.37.0/24 */,
};
static const pfx_t PFX_KV[] = {
    {0x0D454048, 30} /* 13.69.64.72/30 */, {0x0D456FC0, 30} /* 13.69.111.192/30 */,
    {0x143D67E0, 29} /* 20.61.103.224/29 */, {0x34ECBD50, 30} /* 52.236.189.80/30 */,
};
static const pfx_t PFX_MONITOR[] = {
    {0x0D454110, 28} /* 13.69.65.16/28 */,  {0x0D456AD0, 28} /* 13.69.106.208/28 */,
    {0x0D456DE0, 27} /* 13.69.109.224/27 */, {0x143258E0, 27} /* 20.50.88.224/27 */,
    {0x143D6340, 27} /* 20.61.99.64/27 */,  {0x2871B080, 28} /* 40.113.176.128/28 */,
    {0x34ECBAD0, 28} /* 52.236.186.208/28 */,
};
static const pfx_t PFX_SQL[] = {
    {0x0D456800, 26} /* 13.69.104.0/26 */, {0x0D457480, 25} /* 13.69.116.128/25 */,
    {0x14325E00, 25} /* 20.50.94.0/25 */,  {0x34B21500, 26} /* 52.178.21.0/26 */,
    {0x34ECB880, 25} /* 52.236.184.128/25 */,
};
static const pfx_t PFX_EH[] = {
    {0x0D454000, 26} /* 13.69.64.0/26 */,  {0x0D456A00, 26} /* 13.69.106.0/26 */,
    {0x1432C940, 26} /* 20.50.201.64/26 */, {0x14565900, 24} /* 20.86.89.0/24 */,
    {0x34B21180, 26} /* 52.178.17.128/26 */,
};
/* Well-known scanner networks and general internet destinations. */
static const pfx_t PFX_SCAN[] = {
    {0x2D940A00, 24} /* 45.148.10.0/24 */,   {0xB9E08000, 22} /* 185.224.128.0/22 */,
    {0xC1A37D00, 24} /* 193.163.125.0/24 */, {0xA28E7D00, 24} /* 162.142.125.0/24 */,
    {0xA75E8A00, 24} /* 167.94.138.0/24 */,  {0x47068700, 24} /* 71.6.135.0/24 */,
    {0xC6EB1800, 24} /* 198.235.24.0/24 */,  {0x59F8A500, 24} /* 89.248.165.0/24 */,
    {0x5E663D00, 24} /* 94.102.61.0/24 */,   {0x50524D00, 24} /* 80.82.77.0/24 */,
    {0xCDD21F00, 24} /* 205.210.31.0/24 */,  {0x93B98400, 24} /* 147.185.132.0/24 */,
    {0xDA5C0000, 24} /* 218.92.0.0/24 */,    {0x3DB1AC00, 24} /* 61.177.172.0/24 */,
};
static const pfx_t PFX_WEB[] = {
    {0x5BBD5B00, 24} /* 91.189.91.0/24 */,  {0xB97DBE00, 24} /* 185.125.190.0/24 */,
    {0x8C527000, 20} /* 140.82.112.0/20 */, {0x68100000, 13} /* 104.16.0.0/13 */,
    {0x97650000, 16} /* 151.101.0.0/16 */,  {0x0D6B2A00, 24} /* 13.107.42.0/24 */,
    {0x0D6BF600, 24} /* 13.107.246.0/24 */, {0x14BE8000, 18} /* 20.190.128.0/18 */,
};
static const unsigned char CLIENT_OCTETS[] = {
    2,  5,  24, 31, 37, 46, 62, 66, 67, 68, 71, 73, 77, 78, 79, 80, 81, 82, 83, 84,
    85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 98, 99, 109, 174, 176, 178, 188, 193, 194,
    195, 212, 213, 217,
};
/* A random public-looking IPv4 address (residential/hosting first octets).
 * Each draw is its own statement: argument evaluation order is unspecified
 * in C, and the output must not depend on the compiler. */
static uint32_t rand_public4(rng_t *r)
{
    uint32_t a = CLIENT_OCTETS[rng_below(r, sizeof CLIENT_OCTETS)];
    uint32_t b = rng_below(r, 256);
    uint32_t c = rng_below(r, 256);
    uint32_t d = rng_range(r, 1, 254);
    return ip4(a, b, c, d);
}

static const char *const CP_IP4[] = {"52.162.110.80", "104.214.19.224", "51.145.179.78", "13.84.189.17"};
static const char *const CP_IP6[] = {"2603:1020:206:402::14", "2603:1030:10:402::14", "2603:1030:104:402::14",
                                     "2603:1030:210:402::14"};

#define POOL_CLIENT 192
#define POOL_SCAN 96
#define POOL_SVC 6
#define AZ_PLATFORM4 "168.63.129.16"
#define AZ_PLATFORM6 "fe80::1234:5678:9abc"

typedef struct {
    char v4[16];
    char v6[48];
} addr_t;

static void hex16(char **p, unsigned v)
{
    static const char hx[] = "0123456789abcdef";
    char t[4];
    int n = 0;
    do {
        t[n++] = hx[v & 15];
        v >>= 4;
    } while (v);
    while (n) *(*p)++ = t[--n];
}

/* Random public-looking IPv6 address: prefix groups + random groups. */
static void rand_ip6(rng_t *r, char *out, const char *prefix, int ngroups_rand, int compress)
{
    char *p = out;
    size_t pl = strlen(prefix);
    memcpy(p, prefix, pl);
    p += pl;
    if (compress) {
        *p++ = ':';
        *p++ = ':';
    } else {
        *p++ = ':';
    }
    for (int i = 0; i < ngroups_rand; i++) {
        if (i) *p++ = ':';
        hex16(&p, (unsigned)rng_below(r, 65536));
    }
    *p = 0;
}

static void svc_pool(rng_t *r, addr_t *a, int n, const pfx_t *pf, uint32_t npf, const char *v6pre, unsigned v6base,
                     unsigned v6span)
{
    for (int i = 0; i < n; i++) {
        put_ip4(a[i].v4, host_in(r, pf[rng_below(r, npf)]));
        char *p = a[i].v6;
        size_t pl = strlen(v6pre);
        memcpy(p, v6pre, pl);
        p += pl;
        hex16(&p, v6base + (unsigned)rng_below(r, v6span));
        *p = 0;
    }
}

/* ------------------------------------------------------------ flows */

enum kind {
    K_LB_PROBE,
    K_MGMT,
    K_CLIENT,
    K_STORAGE,
    K_KV,
    K_MONITOR,
    K_SQL,
    K_EH,
    K_UDP4290,
    K_REDIS,
    K_DNS,
    K_BACKEND,
    K_SCAN,
    K_VM_OUT,
    K_NTP,
    K_VM_IN_BACKEND,
    K_VM_IN_SSH,
    K_COUNT
};

/* Relative frequencies of new flows per NIC role (per mille). */
static const uint16_t W_APIM[K_COUNT] = {
    [K_LB_PROBE] = 230, [K_MGMT] = 60,    [K_CLIENT] = 200, [K_STORAGE] = 80, [K_KV] = 25,
    [K_MONITOR] = 60,   [K_SQL] = 40,     [K_EH] = 25,      [K_UDP4290] = 60, [K_REDIS] = 25,
    [K_DNS] = 60,       [K_BACKEND] = 55, [K_SCAN] = 80,
};
static const uint16_t W_VM[K_COUNT] = {
    [K_VM_OUT] = 400, [K_DNS] = 140, [K_NTP] = 20, [K_VM_IN_BACKEND] = 240, [K_VM_IN_SSH] = 20, [K_SCAN] = 180,
};

#define MAX_REP 4
#define FIVE_MIN 300000

typedef struct {
    int64_t t0, end, last, next; /* ms */
    uint32_t fwd_n, rev_n;       /* packet base: totals (short) or per 5 min (long) */
    uint16_t fwd_sz, rev_sz;     /* average bytes per packet */
    uint16_t sport, dport;
    uint32_t rep_off[MAX_REP];   /* ms after t0 */
    uint8_t nrep, irep;
    uint8_t proto;               /* 'T' / 'U' */
    uint8_t dir;                 /* 'I' / 'O' */
    uint8_t denied, rule, acl, enc_x;
    uint8_t long_lived, has_ce, stage, syn_only;
    /* scenario only (they change nothing otherwise): */
    uint8_t stateless;           /* inbound TCP allowed by a user rule */
    uint8_t titem;               /* truth item + 1 of a denied requirement */
    uint8_t mgmt_src;            /* control-plane source + 1 */
    uint8_t lost;                /* lost-return shape */
    uint8_t nemit;               /* 3443: tuples written */
    uint8_t counted;             /* 3443: counted in mgmt_seen */
    uint16_t cev;                /* counter events so far */
    uint64_t cseed;              /* the flow's own counter randomness */
    char src[48], dst[48];
    uint8_t srclen, dstlen;
} flow_t;

typedef struct {
    int64_t t;
    uint64_t seq;
    uint32_t idx;
} hent_t;

/* Scenario: one stream of connections of one kind on one NIC. */
enum { SS_DEP, SS_PROBE, SS_MGMT };

typedef struct {
    rng_t r;
    int64_t next;             /* ms: start of the next connection */
    uint32_t k;               /* connections so far */
    uint32_t ivl_lo, ivl_hi;  /* ms between connection starts */
    uint16_t sport, dport;
    uint16_t sport_lo;        /* source ports count up from here ... */
    uint32_t sport_span;      /* ... through this many, then wrap */
    uint8_t sport_step;       /* by 1..sport_step */
    uint8_t type, rule, item, src;
    uint8_t healthy_slot;     /* lost sources: the healthy one of each 10 */
    const char *const *addrs;
    unsigned naddrs;
} sstream_t;

#define SS_MAX 9

struct sim {
    const world_t *w;
    const config_t *cfg;
    const nic_t *nic;
    int fmt;          /* NIC format: planning and stateless behaviour */
    int is_nsg;
    rng_t r;
    int64_t budget;   /* in 1/60 tuple units */
    flow_t *flows;
    uint32_t nflows, capflows;
    uint32_t *freel;
    uint32_t nfree;
    hent_t *heap;
    uint32_t nheap, capheap;
    uint64_t seq;
    uint32_t wsum;
    const uint16_t *weights;
    addr_t client[POOL_CLIENT], scan[POOL_SCAN];
    addr_t storage[POOL_SVC], kv[POOL_SVC], monitor[POOL_SVC], sql[POOL_SVC], eh[POOL_SVC];
    /* --scenario apim-outage */
    int scn;
    int64_t scn_cut;          /* ms: no scenario connection starts after it */
    sstream_t ss[SS_MAX];
    int nss;
    uint64_t sync_k;          /* next UDP 4290 send of this NIC */
    uint64_t *sync_m;         /* per sender: next send of it to this NIC */
    unsigned truth;           /* TI_* bits of denied tuples written */
    /* 3443 connections per control-plane source whose shape the written
     * tuples decide (NSG: all their tuples, or 3, written; VNet: the E
     * tuple written), and those of them that show the lost-return shape */
    uint32_t mgmt_seen[4], lost_seen[4];
};

static int heap_less(const hent_t *a, const hent_t *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(sim_t *s, int64_t t, uint32_t idx)
{
    if (s->nheap == s->capheap) {
        s->capheap = s->capheap ? s->capheap * 2 : 1024;
        s->heap = xrealloc(s->heap, sizeof(hent_t) * s->capheap);
    }
    hent_t e = {t, s->seq++, idx};
    uint32_t i = s->nheap++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!heap_less(&e, &s->heap[p])) break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = e;
}

static hent_t heap_pop(sim_t *s)
{
    hent_t top = s->heap[0];
    hent_t last = s->heap[--s->nheap];
    uint32_t i = 0, n = s->nheap;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && heap_less(&s->heap[c + 1], &s->heap[c])) c++;
        if (!heap_less(&s->heap[c], &last)) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n) s->heap[i] = last;
    return top;
}

static uint32_t flow_alloc(sim_t *s)
{
    if (s->nfree) return s->freel[--s->nfree];
    if (s->nflows == s->capflows) {
        s->capflows = s->capflows ? s->capflows * 2 : 1024;
        s->flows = xrealloc(s->flows, sizeof(flow_t) * s->capflows);
        s->freel = xrealloc(s->freel, sizeof(uint32_t) * s->capflows);
    }
    return s->nflows++;
}

/* Whether the NIC's mix has flows of this kind. The scenario takes the
 * control plane, the load-balancer probes, Sql, EventHub and UDP 4290 out
 * of the mix: it makes them itself, with its own rules. */
static int kind_on(const sim_t *s, int k)
{
    if ((k == K_UDP4290 || k == K_REDIS) && s->w->napim < 2) return 0;
    if (s->scn && (k == K_MGMT || k == K_LB_PROBE || k == K_SQL || k == K_EH || k == K_UDP4290)) return 0;
    return 1;
}

static void scn_init(sim_t *s);

sim_t *sim_new(const world_t *w, const nic_t *nic, int fmt, uint64_t stream)
{
    sim_t *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->w = w;
    s->cfg = w->cfg;
    s->nic = nic;
    s->fmt = fmt;
    s->is_nsg = fmt != FMT_VNET;
    rng_seed(&s->r, w->cfg->seed, 0x1000u + stream);
    s->weights = nic->role == ROLE_APIM ? W_APIM : W_VM;
    s->scn = w->cfg->scenario == SCN_APIM_OUTAGE;
    for (int k = 0; k < K_COUNT; k++) {
        if (!kind_on(s, k)) continue;
        s->wsum += s->weights[k];
    }
    /* Shared address pools: the same seed gives the same pools on every NIC,
     * as the same clients and storage accounts talk to every instance. */
    rng_t pr;
    rng_seed(&pr, w->cfg->seed, 0x99u);
    for (int i = 0; i < POOL_CLIENT; i++) {
        put_ip4(s->client[i].v4, rand_public4(&pr));
        static const char *const v6p[] = {"2a01:4b00", "2a02:810d", "2003:e6", "2600:1700", "2a00:23c7", "2607:fb90"};
        char pre[48];
        const char *vp = v6p[rng_below(&pr, 6)];
        unsigned g = (unsigned)rng_below(&pr, 65536);
        snprintf(pre, sizeof pre, "%s:%x", vp, g);
        rand_ip6(&pr, s->client[i].v6, pre, 5, 0);
    }
    for (int i = 0; i < POOL_SCAN; i++) {
        put_ip4(s->scan[i].v4, host_in(&pr, PFX_SCAN[rng_below(&pr, NPFX(PFX_SCAN))]));
        static const char *const v6s[] = {"2001:470:1:332", "2602:80d:1006", "2a06:4883:1000", "2604:a880:400:d0"};
        rand_ip6(&pr, s->scan[i].v6, v6s[rng_below(&pr, 4)], 1, 1);
    }
    svc_pool(&pr, s->storage, POOL_SVC, PFX_STORAGE, NPFX(PFX_STORAGE), "2603:1020:207:", 0, 0x100);
    svc_pool(&pr, s->kv, POOL_SVC, PFX_KV, NPFX(PFX_KV), "2603:1020:206::", 0x340, 8);
    svc_pool(&pr, s->monitor, POOL_SVC, PFX_MONITOR, NPFX(PFX_MONITOR), "2603:1020:206::", 0x60, 32);
    svc_pool(&pr, s->sql, POOL_SVC, PFX_SQL, NPFX(PFX_SQL), "2603:1020:206::", 0x320, 32);
    svc_pool(&pr, s->eh, POOL_SVC, PFX_EH, NPFX(PFX_EH), "2603:1020:206:1::", 0x240, 64);
    /* The storage v6 pool has a group that needs a host part. */
    for (int i = 0; i < POOL_SVC; i++) {
        size_t l = strlen(s->storage[i].v6);
        snprintf(s->storage[i].v6 + l, sizeof s->storage[i].v6 - l, "::%x", 4 + i);
    }
    if (s->scn) scn_init(s);
    return s;
}

void sim_free(sim_t *s)
{
    if (!s) return;
    free(s->flows);
    free(s->freel);
    free(s->heap);
    free(s->sync_m);
    free(s);
}

static void set_addr(char *dst, uint8_t *len, const char *src)
{
    size_t n = strlen(src);
    if (n > 47) n = 47;
    memcpy(dst, src, n);
    dst[n] = 0;
    *len = (uint8_t)n;
}

static const char *pick(const addr_t *a, int n, rng_t *r, int v6)
{
    const addr_t *x = &a[rng_below(r, (uint32_t)n)];
    return v6 ? x->v6 : x->v4;
}

static void peer_addr(int role, int ord, int v6, char out[48])
{
    int net = role == ROLE_APIM ? 1 : 2;
    if (v6)
        snprintf(out, 48, "fd00:10:20:%d::%x", net, 4 + ord);
    else
        snprintf(out, 48, "10.20.%d.%d", net, 4 + ord);
}

static int port_blocked(const config_t *c, unsigned port)
{
    for (unsigned i = 0; i < c->nblock; i++)
        if (c->block_ports[i] == port) return 1;
    return 0;
}

/* The ports an APIM instance needs inbound: the scenario's scanners never
 * probe them, so that every denied inbound flow to them is a finding. */
static int apim_inbound_port(unsigned port)
{
    return port == 80 || port == 443 || port == 3443 || (port >= 6380 && port <= 6383) || port == 6390 ||
           port == 6391 || port == 4290;
}

/* Short flows: duration [lo, hi] ms; a share (per mille) becomes long-lived
 * with duration [llo, lhi] minutes. */
static void set_dur(sim_t *s, flow_t *f, uint32_t lo, uint32_t hi, uint32_t long_pm, uint32_t llo, uint32_t lhi)
{
    if (long_pm && rng_below(&s->r, 1000) < long_pm) {
        f->long_lived = 1;
        f->end = f->t0 + (int64_t)rng_range(&s->r, llo * 60000u, lhi * 60000u);
    } else {
        f->end = f->t0 + rng_range(&s->r, lo, hi);
    }
}

static void set_cnt(sim_t *s, flow_t *f, uint32_t fl, uint32_t fh, uint32_t fszl, uint32_t fszh, uint32_t rl,
                    uint32_t rh, uint32_t rszl, uint32_t rszh)
{
    f->fwd_n = rng_range(&s->r, fl, fh);
    f->fwd_sz = (uint16_t)rng_range(&s->r, fszl, fszh);
    f->rev_n = rng_range(&s->r, rl, rh);
    f->rev_sz = (uint16_t)rng_range(&s->r, rszl, rszh);
}

static uint16_t eph(sim_t *s) { return (uint16_t)rng_range(&s->r, 49152, 65535); }

static void retransmits(sim_t *s, flow_t *f, int min, int max)
{
    static const uint32_t lin[MAX_REP] = {1000, 3000, 7000, 15000};
    static const uint32_t win[MAX_REP] = {3000, 9000, 21000, 45000};
    const uint32_t *sched = rng_below(&s->r, 2) ? win : lin;
    int n = (int)rng_range(&s->r, (uint32_t)min, (uint32_t)max);
    if (n > MAX_REP) n = MAX_REP;
    for (int i = 0; i < n; i++) f->rep_off[i] = sched[i] + rng_below(&s->r, 60);
    f->nrep = (uint8_t)n;
}

/* A connection whose replies are lost: SYNs only, retried (NSG: the SYN
 * logged again seconds apart; VNet: SYN-only counters, answers sent). */
static void lost_return_shape(sim_t *s, flow_t *f, int64_t t0)
{
    f->syn_only = 1;
    f->fwd_n = rng_range(&s->r, 3, 5), f->fwd_sz = (uint16_t)rng_range(&s->r, 52, 66);
    /* every SYN is answered with a SYN-ACK, and the server retransmits its
     * own now and then: at least as many packets back as in */
    f->rev_n = f->fwd_n + rng_range(&s->r, 0, 2), f->rev_sz = (uint16_t)rng_range(&s->r, 52, 66);
    if (s->is_nsg) retransmits(s, f, 2, 4);
    f->end = t0 + 21000 + rng_below(&s->r, 2000);
}

/* Number of tuples the flow will produce in this NIC's format. */
static uint32_t planned(const sim_t *s, const flow_t *f)
{
    if (s->scn) {
        /* the same count in every format, so that every format gets the
         * same flows: the NSG v2 count */
        if (!f->has_ce || f->stateless) return 1u + f->nrep;
        int64_t d = f->end - f->t0;
        return 2u + f->nrep + (d > 0 ? (uint32_t)((d - 1) / FIVE_MIN) : 0);
    }
    if (!f->has_ce) return 1u + f->nrep;
    if (s->fmt == FMT_NSG_V1) return 1u + f->nrep;
    int64_t d = f->end - f->t0;
    uint32_t nc = d > 0 ? (uint32_t)((d - 1) / FIVE_MIN) : 0;
    return 2u + f->nrep + nc;
}

static int pick_kind(sim_t *s)
{
    uint32_t x = rng_below(&s->r, s->wsum);
    for (int k = 0; k < K_COUNT; k++) {
        if (!kind_on(s, k)) continue;
        if (x < s->weights[k]) return k;
        x -= s->weights[k];
    }
    return K_DNS;
}

/* Create one flow starting at t0 (ms); returns its planned tuple count. */
static uint32_t spawn(sim_t *s, int64_t t0)
{
    const config_t *c = s->cfg;
    const nic_t *nic = s->nic;
    uint32_t idx = flow_alloc(s);
    flow_t *f = &s->flows[idx];
    memset(f, 0, offsetof(flow_t, src));
    f->t0 = f->last = f->next = t0;
    f->acl = (uint8_t)nic->acl;
    f->has_ce = 1;
    if (s->scn) f->cseed = rng_next(&s->r);
    int v6 = c->ipv6_pct && rng_below(&s->r, 100) < c->ipv6_pct;
    const char *local = v6 ? nic->ip6 : nic->ip4;
    const char *remote = NULL;
    char buf[48];
    int kind = pick_kind(s);
    int stateless_nsg = 0; /* user rule allowing inbound TCP */
    int scan = 0;

    switch (kind) {
    case K_LB_PROBE:
        f->dir = 'I', f->proto = 'T', f->rule = R_ALLOW_LB_IN;
        remote = v6 ? AZ_PLATFORM6 : AZ_PLATFORM4;
        f->sport = (uint16_t)rng_range(&s->r, 1024, 65535), f->dport = 6390;
        set_dur(s, f, 1, 40, 0, 0, 0);
        set_cnt(s, f, 2, 4, 54, 66, 1, 2, 54, 66);
        break;
    case K_MGMT:
        f->dir = 'I', f->proto = 'T', f->rule = R_USER_MGMT;
        if (v6) {
            const char *cp = CP_IP6[rng_below(&s->r, 4)];
            unsigned lo = (unsigned)rng_below(&s->r, 16);
            snprintf(buf, sizeof buf, "%s%x", cp, lo);
            remote = buf;
        } else {
            remote = CP_IP4[rng_below(&s->r, 4)];
        }
        f->sport = eph(s), f->dport = 3443;
        stateless_nsg = 1;
        set_dur(s, f, 300, 20000, 0, 0, 0);
        set_cnt(s, f, 12, 40, 120, 500, 10, 50, 500, 1400);
        if (c->lost_return_pct && rng_below(&s->r, 100) < c->lost_return_pct) {
            lost_return_shape(s, f, t0);
        } else if (s->is_nsg && rng_below(&s->r, 100) < 3) {
            retransmits(s, f, 1, 1); /* ordinary packet loss */
        }
        break;
    case K_CLIENT:
        f->dir = 'I', f->proto = 'T', f->rule = R_USER_CLIENT;
        remote = rng_below(&s->r, 100) < 85 ? pick(s->client, POOL_CLIENT, &s->r, v6) : NULL;
        if (!remote) {
            if (v6) {
                rand_ip6(&s->r, buf, "2a02:8108", 6, 0);
            } else {
                put_ip4(buf, rand_public4(&s->r));
            }
            remote = buf;
        }
        f->sport = (uint16_t)rng_range(&s->r, 32768, 65535);
        f->dport = rng_below(&s->r, 100) < 95 ? 443 : 80;
        stateless_nsg = 1;
        set_dur(s, f, 50, 60000, 40, 5, 30);
        set_cnt(s, f, 8, 60, 100, 900, 8, 80, 300, 1400);
        if (c->lost_client_pct && f->dport == 443 && rng_below(&s->r, 100) < c->lost_client_pct)
            lost_return_shape(s, f, t0);
        break;
    case K_STORAGE:
        f->dir = 'O', f->proto = 'T', f->rule = R_USER_STORAGE;
        remote = pick(s->storage, POOL_SVC, &s->r, v6);
        f->sport = eph(s), f->dport = 443;
        set_dur(s, f, 50, 30000, 80, 5, 20);
        set_cnt(s, f, 10, 80, 200, 1200, 10, 120, 400, 1450);
        break;
    case K_KV:
        f->dir = 'O', f->proto = 'T', f->rule = R_USER_KV;
        remote = pick(s->kv, POOL_SVC, &s->r, v6);
        f->sport = eph(s), f->dport = 443;
        set_dur(s, f, 100, 5000, 0, 0, 0);
        set_cnt(s, f, 8, 20, 150, 700, 8, 25, 300, 1400);
        break;
    case K_MONITOR:
        f->dir = 'O', f->proto = 'T', f->rule = R_USER_MONITOR;
        remote = pick(s->monitor, POOL_SVC, &s->r, v6);
        f->sport = eph(s);
        if (!s->scn && rng_below(&s->r, 100) < 40) {
            f->dport = 1886;
            set_dur(s, f, 1000, 60000, 500, 5, 40);
        } else {
            f->dport = 443;
            set_dur(s, f, 100, 20000, 50, 5, 15);
        }
        set_cnt(s, f, 10, 200, 200, 1400, 8, 60, 60, 400);
        break;
    case K_SQL:
        f->dir = 'O', f->proto = 'T', f->rule = R_USER_SQL;
        remote = pick(s->sql, POOL_SVC, &s->r, v6);
        f->sport = eph(s), f->dport = 1433;
        set_dur(s, f, 100, 10000, 200, 5, 40);
        set_cnt(s, f, 6, 60, 80, 600, 6, 80, 100, 1400);
        break;
    case K_EH:
        f->dir = 'O', f->proto = 'T', f->rule = R_USER_EH;
        remote = pick(s->eh, POOL_SVC, &s->r, v6);
        f->sport = eph(s), f->dport = rng_below(&s->r, 100) < 70 ? 5671 : 5672;
        set_dur(s, f, 200, 30000, 700, 10, 45);
        set_cnt(s, f, 10, 300, 100, 1200, 5, 150, 60, 300);
        break;
    case K_UDP4290:
    case K_REDIS: {
        int peer = (int)rng_below(&s->r, (uint32_t)(s->w->napim - 1));
        if (peer >= nic->apim_ord) peer++;
        peer_addr(ROLE_APIM, peer, v6, buf);
        remote = buf;
        int out = rng_below(&s->r, 2);
        f->dir = out ? 'O' : 'I';
        f->rule = out ? R_ALLOW_VNET_OUT : R_ALLOW_VNET_IN;
        f->sport = eph(s);
        f->enc_x = rng_below(&s->r, 100) < 30;
        if (kind == K_UDP4290) {
            f->proto = 'U', f->dport = 4290;
            set_dur(s, f, 1000, 60000, 150, 5, 20);
            set_cnt(s, f, 2, 20, 60, 200, 0, 10, 60, 200);
        } else {
            f->proto = 'T', f->dport = (uint16_t)rng_range(&s->r, 6381, 6383);
            set_dur(s, f, 2000, 120000, 600, 5, 45);
            set_cnt(s, f, 20, 300, 80, 600, 20, 300, 80, 900);
        }
        break;
    }
    case K_DNS:
        f->dir = 'O', f->proto = 'U', f->rule = R_ALLOW_VNET_OUT;
        remote = v6 ? AZ_PLATFORM6 : AZ_PLATFORM4;
        f->sport = eph(s), f->dport = 53;
        set_dur(s, f, 10, 2000, 0, 0, 0);
        set_cnt(s, f, 1, 2, 60, 90, 1, 2, 90, 250);
        break;
    case K_BACKEND: {
        int vm = s->w->nvm > 0 ? (int)rng_below(&s->r, (uint32_t)s->w->nvm) : 0;
        peer_addr(ROLE_VM, vm, v6, buf);
        remote = buf;
        f->dir = 'O', f->proto = 'T', f->rule = R_ALLOW_VNET_OUT;
        f->sport = eph(s), f->dport = rng_below(&s->r, 100) < 70 ? 8080 : 443;
        set_dur(s, f, 20, 10000, 100, 5, 15);
        set_cnt(s, f, 6, 40, 100, 900, 6, 80, 300, 1400);
        break;
    }
    case K_VM_OUT: {
        f->dir = 'O', f->proto = 'T', f->rule = R_ALLOW_INET_OUT;
        unsigned w = rng_below(&s->r, 100);
        if (w < 30) {
            remote = pick(s->storage, POOL_SVC, &s->r, v6);
        } else if (w < 45) {
            remote = pick(s->monitor, POOL_SVC, &s->r, v6);
        } else if (v6) {
            static const char *const v6w[] = {"2606:4700::6810", "2a04:4e42::", "2620:1ec:21::", "2a01:111:f100::"};
            const char *pre = v6w[rng_below(&s->r, 4)];
            size_t pl = strlen(pre);
            memcpy(buf, pre, pl);
            char *p = buf + pl;
            if (pre[pl - 1] != ':') *p++ = ':';
            hex16(&p, (unsigned)rng_range(&s->r, 1, 65535));
            *p = 0;
            remote = buf;
        } else {
            put_ip4(buf, host_in(&s->r, PFX_WEB[rng_below(&s->r, NPFX(PFX_WEB))]));
            remote = buf;
        }
        f->sport = eph(s), f->dport = rng_below(&s->r, 100) < 90 ? 443 : 80;
        set_dur(s, f, 30, 30000, 50, 5, 30);
        set_cnt(s, f, 5, 60, 100, 800, 5, 150, 300, 1450);
        break;
    }
    case K_NTP:
        f->dir = 'O', f->proto = 'U', f->rule = R_ALLOW_INET_OUT;
        remote = v6 ? "2603:1030:8:5::8" : "168.61.215.74";
        f->sport = rng_below(&s->r, 2) ? 123 : eph(s), f->dport = 123;
        set_dur(s, f, 10, 80, 0, 0, 0);
        set_cnt(s, f, 1, 1, 90, 90, 1, 1, 90, 90);
        break;
    case K_VM_IN_BACKEND: {
        int a = s->w->napim > 0 ? (int)rng_below(&s->r, (uint32_t)s->w->napim) : 0;
        peer_addr(ROLE_APIM, a, v6, buf);
        remote = buf;
        f->dir = 'I', f->proto = 'T', f->rule = R_ALLOW_VNET_IN;
        f->sport = eph(s), f->dport = rng_below(&s->r, 100) < 70 ? 8080 : 443;
        set_dur(s, f, 20, 10000, 100, 5, 15);
        set_cnt(s, f, 6, 40, 100, 900, 6, 80, 300, 1400);
        break;
    }
    case K_VM_IN_SSH:
        f->dir = 'I', f->proto = 'T', f->rule = R_ALLOW_VNET_IN;
        remote = v6 ? "fd00:10:20::4" : "10.20.0.4";
        f->sport = eph(s), f->dport = 22;
        set_dur(s, f, 2000, 120000, 500, 5, 60);
        set_cnt(s, f, 20, 400, 60, 200, 20, 600, 60, 600);
        break;
    case K_SCAN:
    default: {
        scan = 1;
        f->dir = 'I', f->denied = 1, f->rule = R_DENY_ALL_IN, f->has_ce = 0;
        if (rng_below(&s->r, 100) < 70) {
            remote = pick(s->scan, POOL_SCAN, &s->r, v6);
        } else if (v6) {
            rand_ip6(&s->r, buf, "2a06:4880", 6, 0);
            remote = buf;
        } else {
            put_ip4(buf, rand_public4(&s->r));
            remote = buf;
        }
        f->sport = (uint16_t)rng_range(&s->r, 1024, 65535);
        if (rng_below(&s->r, 100) < 88) {
            static const uint16_t tp[] = {22, 22, 22, 3389, 3389, 3389, 445, 445, 23, 1433, 5900, 8080, 80, 8443, 3306};
            f->proto = 'T';
            f->dport = rng_below(&s->r, 100) < 70 ? tp[rng_below(&s->r, sizeof tp / sizeof tp[0])]
                                                  : (uint16_t)rng_range(&s->r, 1, 65535);
            while (s->scn && apim_inbound_port(f->dport)) f->dport = (uint16_t)rng_range(&s->r, 1, 65535);
            if (rng_below(&s->r, 100) < 45) retransmits(s, f, 1, 2);
        } else {
            static const uint16_t up[] = {53, 123, 161, 1900, 5060, 11211, 37810};
            f->proto = 'U';
            f->dport = up[rng_below(&s->r, sizeof up / sizeof up[0])];
        }
        f->end = t0;
        break;
    }
    }

    /* In NSG flow logs a user rule that allows inbound TCP is stateless: each
     * SYN seen is a B tuple, no C/E, no counters. VNet logs track state. */
    if (stateless_nsg) f->stateless = 1;
    if (stateless_nsg && s->is_nsg) f->has_ce = 0;

    /* --block-port: the NSG drops this dependency/management flow. */
    if (!scan && c->nblock && port_blocked(c, f->dport)) {
        f->denied = 1, f->has_ce = 0, f->syn_only = 0, f->long_lived = 0;
        f->rule = f->dir == 'I' ? R_USER_DENY_IN : R_USER_DENY_OUT;
        if (f->proto == 'T')
            retransmits(s, f, 2, 3);
        else
            retransmits(s, f, 0, 1);
    }

    if (f->dir == 'I') {
        set_addr(f->src, &f->srclen, remote);
        set_addr(f->dst, &f->dstlen, local);
    } else {
        set_addr(f->src, &f->srclen, local);
        set_addr(f->dst, &f->dstlen, remote);
    }
    if (f->end < t0) f->end = t0;
    heap_push(s, t0, idx);
    return planned(s, f);
}

/* ------------------------------------------------------------ scenario */

/* --scenario apim-outage. On top of the mix, each NIC runs streams of
 * connections on a timetable of its own, independent of --tuples-per-hour
 * and of the format: every draw comes from the stream's own PRNG (or, for
 * UDP 4290, from a hash both ends compute), never from the mix's. */

/* SYN retransmissions: about 1, 2, 4, 8 s apart. */
static const uint32_t SYN_RETRY[MAX_REP] = {1000, 3000, 7000, 15000};

#define SYNC_GAP 30000      /* ms between two UDP 4290 sends of a NIC */
#define SYNC_JITTER 20000

static void scn_stream(sim_t *s, int type, uint16_t dport, int rule, int item, int src, const char *const *addrs,
                       unsigned naddrs, uint32_t lo, uint32_t hi)
{
    sstream_t *st = &s->ss[s->nss];
    memset(st, 0, sizeof *st);
    rng_seed(&st->r, s->cfg->seed, 0x5C0000u + (uint64_t)s->nic->index * 16u + (uint64_t)s->nss);
    s->nss++;
    st->type = (uint8_t)type;
    st->dport = dport;
    st->rule = (uint8_t)rule;
    st->item = (uint8_t)item;
    st->src = (uint8_t)src;
    st->addrs = addrs;
    st->naddrs = naddrs;
    st->ivl_lo = lo;
    st->ivl_hi = hi;
    /* ports count up, as an OS hands them out: no 5-tuple comes back for
     * days. The probe's are spread over all high ports. */
    st->sport_lo = type == SS_PROBE ? 1024 : 49152;
    st->sport_span = 65536u - st->sport_lo;
    st->sport_step = type == SS_PROBE ? 3 : 8;
    st->sport = (uint16_t)(st->sport_lo + rng_below(&st->r, st->sport_span));
    st->next = s->cfg->start * 1000 + rng_below(&st->r, hi);
}

static void scn_init(sim_t *s)
{
    const config_t *c = s->cfg;
    s->scn_cut = c->scn_end > 0 ? c->scn_end * 1000 - 60000 : INT64_MAX;
    /* denied dependencies: APIM instances and, as a decoy, VMs */
    scn_stream(s, SS_DEP, 1433, R_SCN_DENY_SQL, TI_SQL, 0, SCN_SQL_ADDRS, SCN_SQL_N, 20000, 90000);
    scn_stream(s, SS_DEP, 5671, R_SCN_DENY_EH, TI_EH5671, 0, SCN_EH_ADDRS, SCN_EH_N, 20000, 90000);
    scn_stream(s, SS_DEP, 5672, R_SCN_DENY_EH, TI_EH5672, 0, SCN_EH_ADDRS, SCN_EH_N, 20000, 90000);
    scn_stream(s, SS_DEP, 1886, R_SCN_DENY_MON, TI_MON, 0, SCN_MON_ADDRS, SCN_MON_N, 20000, 90000);
    if (s->nic->role != ROLE_APIM) return;
    scn_stream(s, SS_PROBE, 6390, R_SCN_DENY_LB, TI_LB, 0, NULL, 0, 5000, 15000);
    for (int k = 0; k < 4; k++) scn_stream(s, SS_MGMT, 3443, R_USER_MGMT, 0, k, NULL, 0, 60000, 180000);
    if (s->w->scn_sync >= 2 && s->nic->apim_ord < s->w->scn_sync) {
        s->sync_m = xmalloc(sizeof(uint64_t) * (size_t)s->w->scn_sync);
        memset(s->sync_m, 0, sizeof(uint64_t) * (size_t)s->w->scn_sync);
    }
}

/* A denied TCP connection: the client sends its SYN 2 or 3 times. */
static void denied_syns(rng_t *r, flow_t *f)
{
    f->denied = 1, f->has_ce = 0, f->end = f->t0;
    int n = (int)rng_range(r, 1, 2);
    for (int i = 0; i < n; i++) f->rep_off[i] = SYN_RETRY[i] + rng_below(r, 150);
    f->nrep = (uint8_t)n;
}

static flow_t *scn_flow(sim_t *s, int64_t t0, uint32_t *idx)
{
    *idx = flow_alloc(s);
    flow_t *f = &s->flows[*idx];
    memset(f, 0, offsetof(flow_t, src));
    f->t0 = f->last = f->next = f->end = t0;
    f->acl = (uint8_t)s->nic->acl;
    return f;
}

static void scn_addrs(flow_t *f, const char *local, const char *remote)
{
    if (f->dir == 'I') {
        set_addr(f->src, &f->srclen, remote);
        set_addr(f->dst, &f->dstlen, local);
    } else {
        set_addr(f->src, &f->srclen, local);
        set_addr(f->dst, &f->dstlen, remote);
    }
}

/* One connection of a stream, starting at st->next. The draws are the
 * same in every format; only what the format shows of them differs. */
static void scn_spawn(sim_t *s, sstream_t *st)
{
    uint32_t idx;
    flow_t *f = scn_flow(s, st->next, &idx);
    rng_t *r = &st->r;
    int64_t t0 = f->t0;
    const char *remote = AZ_PLATFORM4;
    f->cseed = rng_next(r);
    uint32_t step = rng_range(r, 1, st->sport_step);
    st->sport = (uint16_t)(st->sport_lo + (st->sport - st->sport_lo + step) % st->sport_span);
    f->sport = st->sport, f->dport = st->dport;
    f->proto = 'T';
    f->rule = st->rule;
    switch (st->type) {
    case SS_DEP:
        f->dir = 'O';
        remote = st->addrs[rng_below(r, st->naddrs)];
        f->titem = (uint8_t)(st->item + 1);
        denied_syns(r, f);
        break;
    case SS_PROBE:
        f->dir = 'I';
        f->titem = (uint8_t)(st->item + 1);
        denied_syns(r, f);
        break;
    case SS_MGMT:
    default: {
        f->dir = 'I';
        remote = SCN_CP_SOURCES[st->src];
        f->mgmt_src = (uint8_t)(st->src + 1);
        f->stateless = 1;
        int lost = 0;
        if (st->src < SCN_NLOST) {
            /* one healthy connection in each block of 10, in its second
             * half: >= 80% lost in any 10 consecutive connections, and in
             * every run from the first one */
            if (st->k % 10 == 0) st->healthy_slot = (uint8_t)(5 + rng_below(r, 5));
            lost = st->k % 10 != st->healthy_slot;
        }
        if (lost) {
            /* each SYN answered (SYN-ACKs that go astray), some twice */
            uint32_t syns = rng_range(r, 3, 5), acks = syns + rng_range(r, 0, 2);
            uint32_t off[MAX_REP];
            for (uint32_t i = 0; i + 1 < syns; i++) off[i] = SYN_RETRY[i] + rng_below(r, 150);
            uint32_t tail = rng_range(r, 3000, 8000);
            f->lost = 1, f->syn_only = 1;
            f->fwd_n = syns, f->rev_n = acks, f->fwd_sz = f->rev_sz = 60;
            if (s->is_nsg) { /* stateless: one B per SYN seen, no counters */
                f->has_ce = 0;
                for (uint32_t i = 0; i + 1 < syns; i++) f->rep_off[i] = off[i];
                f->nrep = (uint8_t)(syns - 1);
            } else { /* B, then E with the SYNs and the SYN-ACKs that went astray */
                f->has_ce = 1;
                f->end = t0 + off[syns - 2] + tail;
            }
        } else {
            uint32_t dur = rng_range(r, 300, 20000);
            f->fwd_n = rng_range(r, 12, 40), f->fwd_sz = (uint16_t)rng_range(r, 120, 500);
            f->rev_n = rng_range(r, 10, 50), f->rev_sz = (uint16_t)rng_range(r, 500, 1400);
            int retry = rng_below(r, 100) < 5; /* ordinary packet loss */
            uint32_t roff = SYN_RETRY[0] + rng_below(r, 150);
            if (s->is_nsg) {
                f->has_ce = 0;
                if (retry) f->rep_off[0] = roff, f->nrep = 1;
            } else {
                f->has_ce = 1;
                f->end = t0 + dur;
            }
        }
        break;
    }
    }
    scn_addrs(f, s->nic->ip4, remote);
    heap_push(s, t0, idx);
    st->k++;
}

static uint64_t scn_hash(uint64_t seed, uint64_t what, uint64_t a, uint64_t b)
{
    return mix64(mix64(mix64(seed ^ 0x4290a5c3e1d7b96fULL) + what) ^ mix64(a * 0x9e3779b97f4a7c15ULL + b));
}

/* Time (ms) of the k-th UDP 4290 send of APIM instance `snd`; it goes to
 * instance (snd + 1 + k mod (n-1)) mod n. Both ends compute it. */
static int64_t sync_time(const sim_t *s, int snd, uint64_t k)
{
    uint64_t seed = s->cfg->seed;
    int64_t phase = (int64_t)(scn_hash(seed, 1, (uint64_t)snd, 0) % SYNC_GAP);
    int64_t jit = (int64_t)(scn_hash(seed, 2, (uint64_t)snd, k) % SYNC_JITTER);
    return s->cfg->start * 1000 + phase + (int64_t)k * SYNC_GAP + jit;
}

/* The sender logs the flow outbound, allowed; the receiver inbound, denied. */
static void sync_spawn(sim_t *s, int snd, int rcv, uint64_t k, int64_t t0, int sender)
{
    uint64_t seed = s->cfg->seed;
    uint32_t idx;
    flow_t *f = scn_flow(s, t0, &idx);
    uint64_t h = scn_hash(seed, 3, (uint64_t)snd, k);
    f->cseed = scn_hash(seed, 4, (uint64_t)snd, k);
    f->proto = 'U';
    f->sport = (uint16_t)(49152 + (scn_hash(seed, 5, (uint64_t)snd, 0) + k * 7) % 16384);
    f->dport = 4290;
    if (sender) {
        f->dir = 'O', f->rule = R_ALLOW_VNET_OUT, f->has_ce = 1;
        f->fwd_n = 1 + (uint32_t)(h % 3), f->fwd_sz = (uint16_t)(80 + (h >> 8) % 120);
        f->rev_n = 0, f->rev_sz = 0;
        f->end = t0 + 100 + (int64_t)((h >> 20) % 5000);
    } else {
        f->dir = 'I', f->rule = R_SCN_DENY_SYNC, f->denied = 1, f->has_ce = 0;
        f->titem = TI_SYNC + 1;
    }
    char a[48], b[48];
    peer_addr(ROLE_APIM, snd, 0, a);
    peer_addr(ROLE_APIM, rcv, 0, b);
    set_addr(f->src, &f->srclen, a);
    set_addr(f->dst, &f->dstlen, b);
    heap_push(s, t0, idx);
}

/* Start the scenario connections of the minute that ends at ms1 (the
 * earlier ones are started already). */
static void scn_minute(sim_t *s, int64_t ms1)
{
    for (int i = 0; i < s->nss; i++) {
        sstream_t *st = &s->ss[i];
        while (st->next < ms1) {
            if (st->next > s->scn_cut) {
                st->next = INT64_MAX;
                break;
            }
            scn_spawn(s, st);
            st->next += rng_range(&st->r, st->ivl_lo, st->ivl_hi);
        }
    }
    if (!s->sync_m) return;
    int n = s->w->scn_sync, me = s->nic->apim_ord;
    for (;;) { /* what this instance sends */
        int64_t t = sync_time(s, me, s->sync_k);
        if (t >= ms1 || t > s->scn_cut) break;
        sync_spawn(s, me, (int)((uint64_t)me + 1 + s->sync_k % (uint64_t)(n - 1)) % n, s->sync_k, t, 1);
        s->sync_k++;
    }
    for (int snd = 0; snd < n; snd++) { /* what the others send to it */
        if (snd == me) continue;
        uint64_t r = (uint64_t)((me - snd - 1 + n) % n);
        for (;;) {
            uint64_t k = r + s->sync_m[snd] * (uint64_t)(n - 1);
            int64_t t = sync_time(s, snd, k);
            if (t >= ms1 || t > s->scn_cut) break;
            sync_spawn(s, snd, me, k, t, 0);
            s->sync_m[snd]++;
        }
    }
}

unsigned sim_truth(const sim_t *s)
{
    if (!s->scn || s->nic->role != ROLE_APIM) return 0;
    unsigned m = s->truth;
    /* judged as an analyzer can judge the written tuples (a blob may end
     * inside a connection): at least 3 lost, and >= 80% of the decided */
    for (int k = 0; k < SCN_NLOST; k++)
        if (s->lost_seen[k] >= 3 && 5 * (uint64_t)s->lost_seen[k] >= 4 * (uint64_t)s->mgmt_seen[k])
            m |= 1u << TI_LOST(k);
    return m;
}

/* ------------------------------------------------------------ tuples */

static uint64_t jitter(rng_t *r, uint64_t v, uint32_t lo_pct, uint32_t hi_pct)
{
    return v * rng_range(r, lo_pct, hi_pct) / 100;
}

static void counters(sim_t *s, flow_t *f, int64_t interval, uint64_t out[4])
{
    uint64_t p1, p2;
    rng_t fr, *r = &s->r;
    if (s->scn) {
        /* the flow's own randomness: the main stream must not depend on
         * how many counters the format writes */
        rng_seed(&fr, f->cseed, f->cev++);
        r = &fr;
    }
    if (f->long_lived) {
        uint64_t iv = interval > 0 ? (uint64_t)interval : 0;
        p1 = jitter(r, (uint64_t)f->fwd_n * iv / FIVE_MIN, 60, 140);
        p2 = jitter(r, (uint64_t)f->rev_n * iv / FIVE_MIN, 60, 140);
    } else if (f->syn_only) {
        p1 = f->fwd_n;
        p2 = f->rev_n;
    } else {
        p1 = f->fwd_n <= 4 ? f->fwd_n : jitter(r, f->fwd_n, 80, 120);
        p2 = f->rev_n <= 4 ? f->rev_n : jitter(r, f->rev_n, 80, 120);
    }
    if (p1 == 0) p1 = 1;
    if (p2 == 0 && (f->proto == 'T' || f->rev_n > 0)) p2 = 1;
    uint64_t b1 = f->syn_only ? p1 * f->fwd_sz : jitter(r, p1 * f->fwd_sz, 85, 115);
    uint64_t b2 = f->syn_only ? p2 * f->rev_sz : jitter(r, p2 * f->rev_sz, 85, 115);
    if (b1 < p1 * 40) b1 = p1 * 40;
    if (b1 > p1 * 1500) b1 = p1 * 1500;
    if (b2 < p2 * 40) b2 = p2 * 40;
    if (b2 > p2 * 1500) b2 = p2 * 1500;
    out[0] = p1, out[1] = b1, out[2] = p2, out[3] = b2;
}

static char *arena_room(minute_t *m, size_t need)
{
    if (m->alen + need > m->acap) {
        size_t nc = m->acap ? m->acap * 2 : 65536;
        while (nc < m->alen + need) nc *= 2;
        m->arena = xrealloc(m->arena, nc);
        m->acap = nc;
    }
    return m->arena + m->alen;
}

/* Format one tuple. ev: 'B' (first or repeated SYN) or 'C' / 'E'. */
static void emit(sim_t *s, minute_t *m, flow_t *f, int ev, int version, stats_t *st)
{
    const config_t *c = s->cfg;
    char *p0 = arena_room(m, 256), *p = p0;
    int64_t ms = f->next;
    int64_t sec = ms / 1000;
    uint64_t cnt[4] = {0, 0, 0, 0};
    int with_cnt = ev == 'C' || ev == 'E';
    if (with_cnt) {
        counters(s, f, f->next - f->last, cnt);
        f->last = f->next;
    }
    if (s->is_nsg) {
        p += fmt_u64(p, (uint64_t)sec);
    } else {
        p += fmt_u64(p, (uint64_t)(c->vnet_seconds ? sec : ms));
    }
    *p++ = ',';
    memcpy(p, f->src, f->srclen), p += f->srclen;
    *p++ = ',';
    memcpy(p, f->dst, f->dstlen), p += f->dstlen;
    *p++ = ',';
    p += fmt_u64(p, f->sport);
    *p++ = ',';
    p += fmt_u64(p, f->dport);
    *p++ = ',';
    if (s->is_nsg) {
        *p++ = (char)f->proto;
        *p++ = ',';
        *p++ = (char)f->dir;
        *p++ = ',';
        *p++ = f->denied ? 'D' : 'A';
        if (version == 2) {
            *p++ = ',';
            *p++ = (char)ev;
            if (with_cnt) {
                for (int i = 0; i < 4; i++) {
                    *p++ = ',';
                    p += fmt_u64(p, cnt[i]);
                }
            } else {
                memcpy(p, ",,,,", 4), p += 4;
            }
        }
    } else {
        if (f->proto == 'T')
            *p++ = '6';
        else
            *p++ = '1', *p++ = '7';
        *p++ = ',';
        *p++ = (char)f->dir;
        *p++ = ',';
        *p++ = f->denied ? 'D' : (char)ev;
        *p++ = ',';
        if (f->enc_x) {
            *p++ = 'X';
        } else {
            *p++ = 'N', *p++ = 'X';
        }
        if (with_cnt) {
            for (int i = 0; i < 4; i++) {
                *p++ = ',';
                p += fmt_u64(p, cnt[i]);
            }
        } else if (c->vnet_empty_counters) {
            memcpy(p, ",,,,", 4), p += 4;
        } else {
            memcpy(p, ",0,0,0,0", 8), p += 8;
        }
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4096;
        m->t = xrealloc(m->t, sizeof(tup_t) * m->cap);
    }
    tup_t *t = &m->t[m->n++];
    t->off = (uint32_t)m->alen;
    t->len = (uint16_t)(p - p0);
    t->acl = f->acl;
    t->rule = f->rule;
    m->alen += (size_t)(p - p0);

    if (f->titem && s->nic->role == ROLE_APIM) s->truth |= 1u << (f->titem - 1);
    if (f->mgmt_src) {
        int k = f->mgmt_src - 1;
        f->nemit++;
        if (s->is_nsg) {
            if (f->lost && f->nemit == 3) s->mgmt_seen[k]++, s->lost_seen[k]++, f->counted = 1;
        } else if (ev == 'E') {
            s->mgmt_seen[k]++;
            if (f->lost) s->lost_seen[k]++;
        }
    }
    st->tuples++;
    if (f->denied) st->denied++;
    st->p1 += cnt[0], st->b1 += cnt[1], st->p2 += cnt[2], st->b2 += cnt[3];
    if (st->tuples == 1 || sec < st->min_ts) st->min_ts = sec;
    if (st->tuples == 1 || sec > st->max_ts) st->max_ts = sec;
}

/* Advance a flow past the event it just produced; returns 0 when done. */
static int advance(flow_t *f)
{
    if (f->stage < 2) {
        if (f->irep < f->nrep) {
            f->next = f->t0 + f->rep_off[f->irep++];
            f->stage = 1;
            return 1;
        }
        if (!f->has_ce) return 0;
        f->stage = 2;
        int64_t cn = f->last + FIVE_MIN;
        f->next = cn < f->end ? cn : f->end;
        if (f->next < f->t0) f->next = f->t0;
        return 1;
    }
    if (f->next >= f->end) return 0; /* that was the E */
    int64_t cn = f->next + FIVE_MIN;
    f->next = cn < f->end ? cn : f->end;
    return 1;
}

size_t sim_minute(sim_t *s, minute_t *m, int64_t m0, int version, uint64_t limit, stats_t *st)
{
    int64_t ms0 = m0 * 1000, ms1 = ms0 + 60000;
    m->n = 0;
    m->alen = 0;
    /* new flows for this minute: the budget turns tuples-per-hour into a
     * steady rate of planned tuples */
    s->budget += (int64_t)s->cfg->tph;
    while (s->budget > 0) {
        int64_t t0 = ms0 + rng_below(&s->r, 60000);
        s->budget -= 60 * (int64_t)spawn(s, t0);
    }
    if (s->scn) scn_minute(s, ms1);
    while (s->nheap && s->heap[0].t < ms1) {
        if (limit && m->n >= limit) break;
        hent_t e = heap_pop(s);
        flow_t *f = &s->flows[e.idx];
        int ev = f->stage < 2 ? 'B' : (f->next >= f->end ? 'E' : 'C');
        if (s->is_nsg && version == 1 && (ev == 'C' || ev == 'E')) {
            f->last = f->next; /* v1 has no state: nothing to log */
        } else {
            emit(s, m, f, ev, version, st);
        }
        if (advance(f)) {
            heap_push(s, f->next, e.idx);
        } else {
            /* an NSG 3443 connection all written: its shape is decided */
            if (f->mgmt_src && s->is_nsg && !f->counted) s->mgmt_seen[f->mgmt_src - 1]++;
            s->freel[s->nfree++] = e.idx;
        }
    }
    return m->n;
}
