/* test_nsgeval.c: the offline NSG evaluator and route selector
 * (analyze/nsgeval.h). Address sets first, at their edges and against a
 * brute-force bitmap; then NSG verdicts through a test resolver that maps a
 * few names (a VNet with peerings, Internet, service tags) to prefixes,
 * written as "rule:prefixes | rule:prefixes" and compared as text; then the
 * free priority, the parsers, and routes (longest prefix, tag routes,
 * sources, system routes, IPv6). A service tag of 20,000 prefixes against
 * 100 rules checks the speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

#include "analyze/nsgeval.h"

/* ------------------------------------------------------------------ */
/* helpers                                                            */

/* Strings and arrays that rules point to, freed at the end of each test. */
static void *arena[4096];
static size_t narena;

static void *keep(void *p)
{
    assert_non_null(p);
    assert_true(narena < sizeof arena / sizeof arena[0]);
    arena[narena++] = p;
    return p;
}

static void arena_free(void)
{
    while (narena > 0)
        free(arena[--narena]);
}

/* A set from "10.0.0.0/8,2603:1000::/40" ("" is empty). */
static struct addrset set_of(const char *csv)
{
    struct addrset s = {0};
    char *copy = strdup(csv), *save = NULL;
    assert_non_null(copy);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        assert_int_equal(addrset_add_prefix(&s, t), 0);
    free(copy);
    return s;
}

static struct ip_addr ip(const char *text)
{
    struct ip_addr a;
    assert_int_equal(ip_parse(text, strlen(text), &a), 0);
    return a;
}

/* Adds first-last ("10.0.0.0", "10.0.0.5"). */
static void add_range(struct addrset *s, const char *first, const char *last)
{
    struct ip_addr f = ip(first), l = ip(last);
    assert_int_equal(addrset_add_range(s, &f, &l), 0);
}

/* Compares the set's text (all prefixes) with want. */
static void assert_set(const struct addrset *s, const char *want)
{
    char *t = addrset_text(s, 0);
    assert_non_null(t);
    assert_string_equal(t, want);
    free(t);
}

/* The set is sorted, disjoint and not touching, each range of one family. */
static void assert_well_formed(const struct addrset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct addr_range *r = &s->v[i];
        assert_int_equal(r->first.family, r->last.family);
        assert_true(memcmp(r->first.b, r->last.b, 16) <= 0);
        if (i == 0)
            continue;
        const struct addr_range *p = &s->v[i - 1];
        if (p->last.family != r->first.family) {
            assert_true(p->last.family == IP_V4 && r->first.family == IP_V6);
            continue;
        }
        /* p.last + 1 < r.first */
        struct ip_addr next = p->last;
        int k = r->first.family == IP_V4 ? 3 : 15;
        while (k >= 0 && ++next.b[k] == 0)
            k--;
        assert_true(k >= 0);
        assert_true(memcmp(next.b, r->first.b, 16) < 0);
    }
}

/* A list of strings from "a,b,c" ("" is an empty list), kept in the arena. */
static const char *const *list_of(const char *csv, size_t *n)
{
    char *copy = keep(strdup(csv)), *save = NULL;
    const char **v = keep(calloc(64, sizeof *v));
    *n = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        assert_true(*n < 64);
        v[(*n)++] = t;
    }
    return v;
}

static const struct port_range *ports_of(const char *csv, size_t *n)
{
    char *copy = keep(strdup(csv)), *save = NULL;
    struct port_range *v = keep(calloc(64, sizeof *v));
    *n = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        assert_true(*n < 64);
        assert_int_equal(port_range_parse(t, &v[(*n)++]), 0);
    }
    return v;
}

/* Adds a rule: src, dst and dports as comma-separated lists. */
static struct nsg_rule *add(struct nsg *g, const char *name, int priority, int direction,
                            int allow, int protocol, const char *src, const char *dst,
                            const char *dports)
{
    struct nsg_rule r = {0};
    r.name = name;
    r.priority = priority;
    r.direction = direction;
    r.allow = allow;
    r.protocol = protocol;
    r.src = list_of(src, &r.nsrc);
    r.dst = list_of(dst, &r.ndst);
    r.dports = ports_of(dports, &r.ndports);
    assert_int_equal(nsg_add_rule(g, &r), 0);
    return &g->rules[g->n - 1];
}

/* The test resolver: a few names, in any case, and one big generated tag. */
struct names {
    const char *const (*table)[2];
    const char *big_name;
    const struct addrset *big;
    int calls;
};

static const char *const default_names[][2] = {
    {"VirtualNetwork", "10.42.0.0/16,10.50.0.0/16,192.168.10.0/24"},
    {"Internet", "13.0.0.0/8,20.0.0.0/8,40.0.0.0/8,51.0.0.0/8,52.0.0.0/8,2603::/16"},
    {"AzureLoadBalancer", "168.63.129.16"},
    {"Sql", "13.69.0.0/16,20.38.0.0/16,40.68.0.0/16,2603:1020::/48"},
    {"Sql.WestEurope", "13.69.0.0/16"},
    {"Storage", "20.60.0.0/16,52.239.0.0/16"},
    {"ApiManagement", "13.69.64.0/26,20.40.125.155,51.145.179.78,2603:1000:4::/48"},
    {"EightTag", "13.0.0.0/8"},
    {NULL, NULL},
};

static int resolve(void *ctx, const char *name, struct addrset *out)
{
    struct names *t = ctx;
    t->calls++;
    assert_string_not_equal(name, "*");
    addrset_clear(out);
    if (t->big_name && strcasecmp(name, t->big_name) == 0)
        return addrset_copy(t->big, out);
    for (size_t i = 0; t->table[i][0]; i++)
        if (strcasecmp(t->table[i][0], name) == 0) {
            struct addrset s = set_of(t->table[i][1]);
            int rc = addrset_copy(&s, out);
            addrset_free(&s);
            return rc;
        }
    return 1;
}

static struct names names = {default_names, NULL, NULL, 0};

/* The verdict as "rule:prefixes | rule:prefixes" ("-" for no rule). */
static const char *verdict_text(const struct nsg_verdict *v)
{
    static char buf[8192];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < v->n; i++) {
        char *t = addrset_text(&v->parts[i].addrs, 0);
        assert_non_null(t);
        assert_false(addrset_is_empty(&v->parts[i].addrs));
        assert_well_formed(&v->parts[i].addrs);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s:%s", i ? " | " : "",
                                v->parts[i].rule ? v->parts[i].rule->name : "-", t);
        free(t);
    }
    return buf;
}

/* Evaluates one query: direction, protocol, port, local and remote as
 * prefix lists. */
static void eval(const struct nsg *g, int direction, int protocol, int port, const char *local,
                 const char *remote, struct nsg_verdict *v)
{
    struct addrset l = set_of(local), r = set_of(remote);
    struct flow_query q = {direction, protocol, (uint16_t)port, &l, &r};
    assert_int_equal(nsg_evaluate(g, &q, resolve, &names, v), 0);
    addrset_free(&l);
    addrset_free(&r);
}

static void eval_pair(const struct nsg *subnet, const struct nsg *nic, int direction,
                      int protocol, int port, const char *local, const char *remote,
                      struct nsg_verdict *v)
{
    struct addrset l = set_of(local), r = set_of(remote);
    struct flow_query q = {direction, protocol, (uint16_t)port, &l, &r};
    assert_int_equal(nsg_evaluate_pair(subnet, nic, &q, resolve, &names, v), 0);
    addrset_free(&l);
    addrset_free(&r);
}

#define SUBNET "10.42.8.0/24"

/* ------------------------------------------------------------------ */
/* address sets                                                       */

static void test_set_add_and_merge(void **state)
{
    (void)state;
    struct addrset s = {0};
    assert_true(addrset_is_empty(&s));
    assert_int_equal(addrset_add_prefix(&s, "10.0.0.0/25"), 0);
    assert_int_equal(addrset_add_prefix(&s, "10.0.0.128/25"), 0);
    assert_int_equal(s.n, 1); /* adjacent: one range */
    assert_set(&s, "10.0.0.0/24");
    /* out of order: a range that bridges two */
    addrset_clear(&s);
    assert_int_equal(addrset_add_prefix(&s, "10.0.2.0/24"), 0);
    assert_int_equal(addrset_add_prefix(&s, "10.0.0.0/24"), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(addrset_add_prefix(&s, "10.0.1.0/24"), 0);
    assert_int_equal(s.n, 1);
    assert_set(&s, "10.0.0.0/23,10.0.2.0/24");
    /* in front, touching; inside; swallowing several */
    assert_int_equal(addrset_add_prefix(&s, "9.255.255.255"), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(addrset_add_prefix(&s, "10.0.1.7"), 0);
    assert_int_equal(addrset_add_prefix(&s, "1.0.0.0/8"), 0);
    assert_int_equal(addrset_add_prefix(&s, "3.0.0.0/8"), 0);
    assert_int_equal(addrset_add_prefix(&s, "5.0.0.0/8"), 0);
    assert_int_equal(s.n, 4);
    assert_int_equal(addrset_add_prefix(&s, "2.0.0.0/7"), 0); /* 2-3: joins 1 and 3 */
    assert_int_equal(s.n, 3);
    assert_set(&s, "1.0.0.0/8,2.0.0.0/7,5.0.0.0/8,9.255.255.255/32,10.0.0.0/23,10.0.2.0/24");
    assert_int_equal(addrset_add_prefix(&s, "0.0.0.0/4"), 0); /* 0-15.x: everything */
    assert_int_equal(s.n, 1);
    assert_set(&s, "0.0.0.0/4");
    assert_well_formed(&s);
    /* bad text */
    assert_int_equal(addrset_add_prefix(&s, "10.0.0.0/33"), -1);
    assert_int_equal(addrset_add_prefix(&s, "Sql"), -1);
    assert_int_equal(addrset_add_prefix(&s, ""), -1);
    assert_int_equal(addrset_add_prefix(&s, "10.0.0"), -1);
    assert_int_equal(addrset_add_prefix(&s, "::/129"), -1);
    assert_int_equal(s.n, 1);
    /* a host address with a prefix length is masked; spaces are trimmed */
    addrset_clear(&s);
    assert_int_equal(addrset_add_prefix(&s, " 10.1.2.3/16 "), 0);
    assert_set(&s, "10.1.0.0/16");
    /* ranges: families apart, first <= last */
    struct ip_addr a4 = ip("10.0.0.1"), a6 = ip("::1"), b4 = ip("10.0.0.0");
    assert_int_equal(addrset_add_range(&s, &a4, &a6), -1);
    assert_int_equal(addrset_add_range(&s, &a4, &b4), -1);
    addrset_free(&s);
    addrset_free(&s); /* twice is harmless */
}

static void test_set_families(void **state)
{
    (void)state;
    struct addrset s = {0};
    assert_int_equal(addrset_add_prefix(&s, "*"), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.v[0].first.family, IP_V4);
    assert_int_equal(s.v[1].first.family, IP_V6);
    assert_set(&s, "0.0.0.0/0,::/0");
    assert_int_equal(addrset_count_v4(&s), 1ull << 32);
    addrset_free(&s);

    /* 0.0.0.0/0 is IPv4 only, ::/0 IPv6 only, and the last IPv4 address
     * does not touch the first IPv6 one */
    s = set_of("::/0");
    assert_int_equal(addrset_add_prefix(&s, "0.0.0.0/0"), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.v[0].first.family, IP_V4);
    addrset_free(&s);
    s = set_of("255.255.255.255,::");
    assert_int_equal(s.n, 2);
    assert_set(&s, "255.255.255.255/32,::/128");
    assert_int_equal(addrset_count_v4(&s), 1);
    addrset_free(&s);

    s = set_of("2603:1000::/40,2603:1000:100::/40,10.0.0.0/8");
    assert_set(&s, "10.0.0.0/8,2603:1000::/39");
    assert_int_equal(addrset_count_v4(&s), 1u << 24);
    struct addrset v6 = set_of("2603:1000:ff::1");
    assert_true(addrset_contains(&s, &v6));
    addrset_free(&v6);
    addrset_free(&s);
}

/* A subnet's families: an IPv4-only subnet keeps a tag's IPv4 addresses,
 * a dual-stack one both, an IPv6-only one its IPv6 ones. */
static void test_set_keep_families(void **state)
{
    (void)state;
    struct addrset v4 = set_of("10.90.1.0/24"), dual = set_of("10.90.1.0/24,fd00:db8:deca:1::/64"),
                   v6 = set_of("fd00:db8:deca:1::/64"), empty = {0};
    assert_true(addrset_has_family(&v4, IP_V4));
    assert_false(addrset_has_family(&v4, IP_V6));
    assert_true(addrset_has_family(&dual, IP_V6));
    assert_false(addrset_has_family(&empty, IP_V4));
    struct addrset tag = set_of("20.190.128.0/18,2603:1006:2000::/48,40.126.0.0/18");
    assert_int_equal(addrset_keep_families(&v4, &tag), 0);
    assert_set(&tag, "20.190.128.0/18,40.126.0.0/18");
    addrset_free(&tag);
    tag = set_of("20.190.128.0/18,2603:1006:2000::/48");
    assert_int_equal(addrset_keep_families(&dual, &tag), 0);
    assert_set(&tag, "20.190.128.0/18,2603:1006:2000::/48");
    assert_int_equal(addrset_keep_families(&v6, &tag), 0);
    assert_set(&tag, "2603:1006:2000::/48");
    assert_int_equal(addrset_keep_families(&empty, &tag), 0);
    assert_true(addrset_is_empty(&tag));
    addrset_free(&tag);
    addrset_free(&v4);
    addrset_free(&dual);
    addrset_free(&v6);
}

static void test_set_text(void **state)
{
    (void)state;
    struct addrset s = {0};
    add_range(&s, "10.0.0.0", "10.0.0.5");
    assert_set(&s, "10.0.0.0/30,10.0.0.4/31");
    addrset_clear(&s);
    add_range(&s, "10.0.0.1", "10.0.0.6");
    assert_set(&s, "10.0.0.1/32,10.0.0.2/31,10.0.0.4/31,10.0.0.6/32");
    char *t = addrset_text(&s, 2);
    assert_string_equal(t, "10.0.0.1/32,10.0.0.2/31,...");
    free(t);
    t = addrset_text(&s, 4); /* exactly max: no "..." */
    assert_string_equal(t, "10.0.0.1/32,10.0.0.2/31,10.0.0.4/31,10.0.0.6/32");
    free(t);
    /* the whole space but its ends: 31 prefixes on each side */
    addrset_clear(&s);
    add_range(&s, "0.0.0.1", "255.255.255.254");
    assert_int_equal(addrset_count_v4(&s), (1ull << 32) - 2);
    t = addrset_text(&s, 0);
    size_t commas = 0;
    for (const char *p = t; *p; p++)
        commas += *p == ',';
    assert_int_equal(commas, 61);
    assert_memory_equal(t, "0.0.0.1/32,0.0.0.2/31,0.0.0.4/30,", 33);
    assert_non_null(strstr(t, ",128.0.0.0/2,"));
    assert_non_null(strstr(t, ",255.255.255.252/31,255.255.255.254/32"));
    free(t);
    /* IPv6 */
    addrset_clear(&s);
    add_range(&s, "2603:1000::", "2603:1000::2");
    assert_set(&s, "2603:1000::/127,2603:1000::2/128");
    addrset_clear(&s);
    add_range(&s, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    assert_set(&s, "::/0");
    addrset_clear(&s);
    assert_set(&s, "");
    addrset_free(&s);
}

static void test_set_ops_at_edges(void **state)
{
    (void)state;
    struct addrset all = set_of("0.0.0.0/0"), ends = set_of("0.0.0.0,255.255.255.255");
    struct addrset out = {0}, back = {0};
    assert_int_equal(addrset_subtract(&all, &ends, &out), 0);
    assert_int_equal(out.n, 1);
    char a[IP_TEXT_MAX], b[IP_TEXT_MAX];
    ip_format(&out.v[0].first, a);
    ip_format(&out.v[0].last, b);
    assert_string_equal(a, "0.0.0.1");
    assert_string_equal(b, "255.255.255.254");
    assert_int_equal(addrset_count_v4(&out), (1ull << 32) - 2);
    assert_int_equal(addrset_union(&out, &ends, &back), 0);
    assert_set(&back, "0.0.0.0/0"); /* touching at both ends: merged */
    assert_int_equal(addrset_intersect(&all, &ends, &out), 0);
    assert_set(&out, "0.0.0.0/32,255.255.255.255/32");
    assert_int_equal(addrset_subtract(&ends, &all, &out), 0);
    assert_true(addrset_is_empty(&out));
    assert_int_equal(addrset_subtract(&all, &all, &out), 0);
    assert_true(addrset_is_empty(&out));

    /* one range of b covering several of a, and a range of a split by
     * several of b */
    struct addrset x = set_of("10.0.0.0/24,10.0.2.0/24,10.0.4.0/24,10.0.9.0/24");
    struct addrset y = set_of("10.0.0.128/25,10.0.1.0/24,10.0.2.0/23,10.0.9.16/28,10.0.9.64/28");
    assert_int_equal(addrset_subtract(&x, &y, &out), 0);
    assert_set(&out, "10.0.0.0/25,10.0.4.0/24,10.0.9.0/28,10.0.9.32/27,10.0.9.80/28,"
                     "10.0.9.96/27,10.0.9.128/25");
    assert_int_equal(addrset_intersect(&x, &y, &out), 0);
    assert_set(&out, "10.0.0.128/25,10.0.2.0/24,10.0.9.16/28,10.0.9.64/28");
    assert_int_equal(addrset_union(&x, &y, &out), 0);
    assert_set(&out, "10.0.0.0/22,10.0.4.0/24,10.0.9.0/24");
    assert_true(addrset_contains(&x, &x));
    assert_false(addrset_contains(&x, &y));
    assert_int_equal(addrset_intersect(&x, &y, &out), 0);
    assert_true(addrset_contains(&x, &out));
    assert_true(addrset_contains(&y, &out));
    struct addrset empty = {0};
    assert_true(addrset_contains(&x, &empty));
    assert_false(addrset_contains(&empty, &x));

    /* families never mix */
    struct addrset v6 = set_of("::/0"), both = set_of("*");
    assert_int_equal(addrset_intersect(&all, &v6, &out), 0);
    assert_true(addrset_is_empty(&out));
    assert_int_equal(addrset_subtract(&both, &all, &out), 0);
    assert_set(&out, "::/0");
    assert_int_equal(addrset_subtract(&both, &v6, &out), 0);
    assert_set(&out, "0.0.0.0/0");
    struct addrset v6ends = set_of("::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    assert_int_equal(addrset_subtract(&v6, &v6ends, &out), 0);
    assert_int_equal(out.n, 1);
    ip_format(&out.v[0].first, a);
    ip_format(&out.v[0].last, b);
    assert_string_equal(a, "::1");
    assert_string_equal(b, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
    assert_int_equal(addrset_union(&out, &v6ends, &back), 0);
    assert_set(&back, "::/0");
    assert_int_equal(addrset_copy(&both, &out), 0);
    assert_set(&out, "0.0.0.0/0,::/0");

    struct addrset *sets[] = {&all, &ends, &out, &back, &x, &y, &v6, &both, &v6ends};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        addrset_free(sets[i]);
}

/* Random sets over 512 addresses at both ends of the IPv4 space and the
 * start of IPv6, against bitmaps. */
#define UNIVERSE 768
static struct ip_addr universe_addr(int i)
{
    struct ip_addr a = {0};
    if (i < 256) {
        a.family = IP_V4;
        a.b[3] = (uint8_t)i;
    } else if (i < 512) {
        a.family = IP_V4;
        a.b[0] = a.b[1] = a.b[2] = 0xff;
        a.b[3] = (uint8_t)(i - 256);
    } else {
        a.family = IP_V6;
        a.b[15] = (uint8_t)(i - 512);
    }
    return a;
}

static int universe_index(const struct ip_addr *a)
{
    if (a->family == IP_V6)
        return 512 + a->b[15];
    return a->b[0] ? 256 + a->b[3] : a->b[3];
}

static void random_set(unsigned *seed, struct addrset *s, unsigned char *bits)
{
    memset(bits, 0, UNIVERSE);
    addrset_clear(s);
    int k = rand_r(seed) % 8;
    for (int i = 0; i < k; i++) {
        int zone = rand_r(seed) % 3;
        int f = rand_r(seed) % 256, len = rand_r(seed) % 40;
        int l = f + len > 255 ? 255 : f + len;
        struct ip_addr fa = universe_addr(zone * 256 + f), la = universe_addr(zone * 256 + l);
        assert_int_equal(addrset_add_range(s, &fa, &la), 0);
        for (int j = f; j <= l; j++)
            bits[zone * 256 + j] = 1;
    }
}

static void assert_set_bits(const struct addrset *s, const unsigned char *bits)
{
    unsigned char seen[UNIVERSE] = {0};
    assert_well_formed(s);
    for (size_t i = 0; i < s->n; i++) {
        int f = universe_index(&s->v[i].first), l = universe_index(&s->v[i].last);
        for (int j = f; j <= l; j++)
            seen[j] = 1;
    }
    assert_memory_equal(seen, bits, UNIVERSE);
}

static void test_set_ops_random(void **state)
{
    (void)state;
    unsigned seed = 12345;
    struct addrset a = {0}, b = {0}, out = {0};
    unsigned char ab[UNIVERSE], bb[UNIVERSE], want[UNIVERSE];
    for (int round = 0; round < 3000; round++) {
        random_set(&seed, &a, ab);
        random_set(&seed, &b, bb);
        assert_set_bits(&a, ab);
        assert_int_equal(addrset_union(&a, &b, &out), 0);
        for (int i = 0; i < UNIVERSE; i++)
            want[i] = ab[i] | bb[i];
        assert_set_bits(&out, want);
        assert_int_equal(addrset_intersect(&a, &b, &out), 0);
        int overlap = 0, inside = 1;
        for (int i = 0; i < UNIVERSE; i++) {
            want[i] = ab[i] & bb[i];
            overlap |= want[i];
            if (ab[i] && !bb[i])
                inside = 0;
        }
        assert_set_bits(&out, want);
        assert_int_equal(addrset_contains(&b, &a), inside);
        (void)overlap;
        assert_int_equal(addrset_subtract(&a, &b, &out), 0);
        uint64_t n4 = 0;
        for (int i = 0; i < UNIVERSE; i++) {
            want[i] = ab[i] && !bb[i];
            n4 += i < 512 && want[i];
        }
        assert_set_bits(&out, want);
        assert_int_equal(addrset_count_v4(&out), n4);
    }
    addrset_free(&a);
    addrset_free(&b);
    addrset_free(&out);
}

/* ------------------------------------------------------------------ */
/* NSG verdicts                                                       */

static void test_priority_order(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict v;
    /* listed out of order: the lower number decides */
    add(&g, "AllowSql200", 200, NSG_OUTBOUND, 1, NSG_TCP, "*", "Sql", "1433");
    add(&g, "DenySql150", 150, NSG_OUTBOUND, 0, NSG_TCP, "*", "Sql", "1433");
    add(&g, "AllowWe100", 100, NSG_OUTBOUND, 1, NSG_TCP, "*", "Sql.WestEurope", "1433");
    add(&g, "DenyIn90", 90, NSG_INBOUND, 0, NSG_TCP, "*", "*", "*"); /* other direction */
    eval(&g, NSG_OUTBOUND, NSG_TCP, 1433, SUBNET, "13.69.0.0/16,20.38.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "AllowWe100:13.69.0.0/16 | DenySql150:20.38.0.0/16");
    assert_int_equal(v.denied, 1);
    assert_int_equal(v.allowed, 1);
    assert_null(v.unknown_name);
    assert_null(v.partial_local);
    assert_string_equal(v.parts[1].rule->name, "DenySql150");
    nsg_verdict_free(&v);
    /* no default rules: what no rule decides has no rule */
    eval(&g, NSG_OUTBOUND, NSG_TCP, 1433, SUBNET, "13.69.0.0/16,52.0.0.1", &v);
    assert_string_equal(verdict_text(&v), "AllowWe100:13.69.0.0/16 | -:52.0.0.1/32");
    assert_int_equal(v.denied, 0);
    assert_int_equal(v.allowed, 1);
    nsg_verdict_free(&v);
    /* an empty remote set: no parts */
    eval(&g, NSG_OUTBOUND, NSG_TCP, 1433, SUBNET, "", &v);
    assert_int_equal(v.n, 0);
    nsg_verdict_free(&v);
    nsg_free(&g);
    arena_free();
}

static void test_default_rules(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict v;
    assert_int_equal(nsg_add_default_rules(&g), 0);
    assert_int_equal(g.n, 6);
    for (size_t i = 0; i < g.n; i++)
        assert_true(g.rules[i].is_default);
    /* inbound: VNet (and peerings), the load balancer, the rest denied */
    eval(&g, NSG_INBOUND, NSG_TCP, 443, SUBNET, "10.42.1.0/24,10.50.0.7,168.63.129.16,13.1.2.3",
         &v);
    assert_string_equal(verdict_text(&v), "AllowVnetInBound:10.42.1.0/24,10.50.0.7/32 | "
                                          "AllowAzureLoadBalancerInBound:168.63.129.16/32 | "
                                          "DenyAllInBound:13.1.2.3/32");
    assert_int_equal(v.denied, 1);
    assert_int_equal(v.allowed, 1);
    nsg_verdict_free(&v);
    /* outbound: VNet, Internet, and what is neither denied */
    eval(&g, NSG_OUTBOUND, NSG_UDP, 53, SUBNET, "10.42.0.4,13.69.0.0/16,10.99.0.1,2603:1000::1",
         &v);
    assert_string_equal(verdict_text(&v), "AllowVnetOutBound:10.42.0.4/32 | "
                                          "AllowInternetOutBound:13.69.0.0/16,2603:1000::1/128 | "
                                          "DenyAllOutBound:10.99.0.1/32");
    nsg_verdict_free(&v);
    /* the local side must be in VirtualNetwork for AllowVnetOutBound */
    eval(&g, NSG_OUTBOUND, NSG_TCP, 443, "10.99.0.0/24", "10.42.0.4", &v);
    assert_string_equal(verdict_text(&v), "DenyAllOutBound:10.42.0.4/32");
    assert_int_equal(v.allowed, 0);
    nsg_verdict_free(&v);
    nsg_free(&g);
}

static void test_deny_part_of_tag(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict v;
    struct addrset sql = set_of("13.69.0.0/16,20.38.0.0/16,40.68.0.0/16,2603:1020::/48");
    add(&g, "DenyPart", 100, NSG_OUTBOUND, 0, NSG_TCP, "VirtualNetwork",
        "13.69.0.0/17,40.68.100.0/24", "1433");
    assert_int_equal(nsg_add_default_rules(&g), 0);
    struct addrset local = set_of(SUBNET);
    struct flow_query q = {NSG_OUTBOUND, NSG_TCP, 1433, &local, &sql};
    assert_int_equal(nsg_evaluate(&g, &q, resolve, &names, &v), 0);
    assert_string_equal(verdict_text(&v), "DenyPart:13.69.0.0/17,40.68.100.0/24 | "
                                          "AllowInternetOutBound:13.69.128.0/17,20.38.0.0/16,"
                                          "40.68.0.0/18,40.68.64.0/19,40.68.96.0/22,"
                                          "40.68.101.0/24,40.68.102.0/23,40.68.104.0/21,"
                                          "40.68.112.0/20,40.68.128.0/17,2603:1020::/48");
    assert_int_equal(v.denied, 1);
    assert_int_equal(v.allowed, 1);
    assert_int_equal(addrset_count_v4(&v.parts[0].addrs), 32768 + 256);
    /* the parts split the query exactly */
    struct addrset u = {0};
    assert_int_equal(addrset_union(&v.parts[0].addrs, &v.parts[1].addrs, &u), 0);
    assert_true(addrset_contains(&u, &sql) && addrset_contains(&sql, &u));
    nsg_verdict_free(&v);
    /* the same through the name */
    eval(&g, NSG_OUTBOUND, NSG_TCP, 1434, SUBNET, "13.69.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "AllowInternetOutBound:13.69.0.0/16");
    nsg_verdict_free(&v);
    addrset_free(&u);
    addrset_free(&sql);
    addrset_free(&local);
    nsg_free(&g);
    arena_free();
}

static void test_star_lists_and_ports(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict v;
    /* the sample's outbound deny: a list of ports, '*' on both sides */
    add(&g, "Deny-Outbound-Platform", 4000, NSG_OUTBOUND, 0, NSG_TCP, "*", "*",
        "1433,1886,5671-5672");
    /* a list mixing a CIDR, a tag and an address */
    add(&g, "AllowMixed", 300, NSG_OUTBOUND, 1, NSG_TCP, SUBNET, "52.1.0.0/16,Storage,40.1.1.1",
        "443,5671-5672");
    /* an empty port list and empty prefixes: '*' */
    add(&g, "AllowAnyPort", 350, NSG_OUTBOUND, 1, NSG_TCP, "", "51.0.0.0/8", "");
    assert_int_equal(nsg_add_default_rules(&g), 0);
    static const struct {
        int port;
        const char *want;
    } cases[] = {
        {1433, "AllowAnyPort:51.0.0.0/8 | Deny-Outbound-Platform:20.60.0.0/16,52.1.0.0/16"},
        {1886, "AllowAnyPort:51.0.0.0/8 | Deny-Outbound-Platform:20.60.0.0/16,52.1.0.0/16"},
        {1885, "AllowAnyPort:51.0.0.0/8 | AllowInternetOutBound:20.60.0.0/16,52.1.0.0/16"},
        {5670, "AllowAnyPort:51.0.0.0/8 | AllowInternetOutBound:20.60.0.0/16,52.1.0.0/16"},
        {5671, "AllowMixed:20.60.0.0/16,52.1.0.0/16 | AllowAnyPort:51.0.0.0/8"},
        {5672, "AllowMixed:20.60.0.0/16,52.1.0.0/16 | AllowAnyPort:51.0.0.0/8"},
        {5673, "AllowAnyPort:51.0.0.0/8 | AllowInternetOutBound:20.60.0.0/16,52.1.0.0/16"},
        {443, "AllowMixed:20.60.0.0/16,52.1.0.0/16 | AllowAnyPort:51.0.0.0/8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eval(&g, NSG_OUTBOUND, NSG_TCP, cases[i].port, SUBNET,
             "20.60.0.0/16,52.1.0.0/16,51.0.0.0/8", &v);
        if (strcmp(verdict_text(&v), cases[i].want) != 0)
            print_error("port %d\n", cases[i].port);
        assert_string_equal(verdict_text(&v), cases[i].want);
        nsg_verdict_free(&v);
    }
    /* port 0 and 65535 at the ends of '*' */
    eval(&g, NSG_OUTBOUND, NSG_TCP, 65535, SUBNET, "51.0.0.1", &v);
    assert_string_equal(verdict_text(&v), "AllowAnyPort:51.0.0.1/32");
    nsg_verdict_free(&v);
    /* '*' as a remote side: both families */
    eval(&g, NSG_OUTBOUND, NSG_TCP, 1433, SUBNET, "2603:1000::1,10.99.0.1", &v);
    assert_string_equal(verdict_text(&v), "Deny-Outbound-Platform:10.99.0.1/32,2603:1000::1/128");
    nsg_verdict_free(&v);
    nsg_free(&g);
    arena_free();
}

static void test_protocols(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict v;
    add(&g, "DenyTcp", 100, NSG_OUTBOUND, 0, NSG_TCP, "*", "Storage", "443");
    add(&g, "DenyUdp", 110, NSG_OUTBOUND, 0, NSG_UDP, "*", "52.239.0.0/16", "443");
    add(&g, "AllowAny", 120, NSG_OUTBOUND, 1, NSG_ANY, "*", "*", "443");
    add(&g, "DenyIcmp", 90, NSG_OUTBOUND, 0, NSG_ICMP, "*", "*", "*");
    eval(&g, NSG_OUTBOUND, NSG_TCP, 443, SUBNET, "20.60.0.0/16,52.239.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "DenyTcp:20.60.0.0/16,52.239.0.0/16");
    nsg_verdict_free(&v);
    eval(&g, NSG_OUTBOUND, NSG_UDP, 443, SUBNET, "20.60.0.0/16,52.239.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "DenyUdp:52.239.0.0/16 | AllowAny:20.60.0.0/16");
    nsg_verdict_free(&v);
    nsg_free(&g);
    arena_free();
}

static void test_source_ports(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict v;
    /* source ports other than '*': taken not to match (the query's source
     * port is unknown) */
    struct nsg_rule *r = add(&g, "DenyFromHighPorts", 100, NSG_OUTBOUND, 0, NSG_TCP, "*", "*",
                             "443");
    r->sports = ports_of("1024-65535", &r->nsports);
    r = add(&g, "AllowStarSource", 200, NSG_OUTBOUND, 1, NSG_TCP, "*", "*", "443");
    r->sports = ports_of("*", &r->nsports);
    eval(&g, NSG_OUTBOUND, NSG_TCP, 443, SUBNET, "52.0.0.1", &v);
    assert_string_equal(verdict_text(&v), "AllowStarSource:52.0.0.1/32");
    nsg_verdict_free(&v);
    nsg_free(&g);
    arena_free();
}

static void test_virtual_network_and_peerings(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict v;
    add(&g, "AllowVnet3443", 100, NSG_INBOUND, 1, NSG_TCP, "virtualnetwork", "VirtualNetwork",
        "3443");
    add(&g, "DenyAll", 4096, NSG_INBOUND, 0, NSG_ANY, "*", "*", "*");
    /* the VNet's space, a peering and on-premises are VirtualNetwork; the
     * name in any case */
    eval(&g, NSG_INBOUND, NSG_TCP, 3443, SUBNET,
         "10.42.0.0/16,10.50.3.0/24,192.168.10.9,192.168.11.0/24,13.69.64.0/26", &v);
    assert_string_equal(verdict_text(&v),
                        "AllowVnet3443:10.42.0.0/16,10.50.3.0/24,192.168.10.9/32 | "
                        "DenyAll:13.69.64.0/26,192.168.11.0/24");
    nsg_verdict_free(&v);
    /* a local side outside VirtualNetwork: the rule does not match it, not
     * even in part */
    eval(&g, NSG_INBOUND, NSG_TCP, 3443, "10.60.0.0/24", "10.42.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "DenyAll:10.42.0.0/16");
    assert_null(v.partial_local);
    nsg_verdict_free(&v);
    /* each name is resolved once per evaluation */
    names.calls = 0;
    eval(&g, NSG_INBOUND, NSG_TCP, 3443, SUBNET, "10.42.0.0/16", &v);
    assert_int_equal(names.calls, 1);
    nsg_verdict_free(&v);
    nsg_free(&g);
    arena_free();
}

static void test_unknown_name(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict v;
    add(&g, "DenyFromAsg", 100, NSG_INBOUND, 0, NSG_TCP, "asg-jumphosts", "*", "3443");
    add(&g, "DenyMixed", 110, NSG_INBOUND, 0, NSG_TCP, "asg-other,13.69.64.0/27", "*", "3443");
    add(&g, "AllowToAsg", 120, NSG_INBOUND, 1, NSG_TCP, "*", "asg-apim", "3443");
    add(&g, "AllowApim", 130, NSG_INBOUND, 1, NSG_TCP, "ApiManagement", "VirtualNetwork", "3443");
    add(&g, "DenyUdpAsg", 50, NSG_INBOUND, 0, NSG_UDP, "asg-udp", "*", "*");
    assert_int_equal(nsg_add_default_rules(&g), 0);
    eval(&g, NSG_INBOUND, NSG_TCP, 3443, SUBNET, "13.69.64.0/26", &v);
    /* the ASG rules are passed over; the known part of the list decides;
     * the UDP rule could not decide and is not named */
    assert_string_equal(verdict_text(&v), "DenyMixed:13.69.64.0/27 | AllowApim:13.69.64.32/27");
    assert_non_null(v.unknown_name);
    assert_string_equal(v.unknown_name, "asg-jumphosts");
    nsg_verdict_free(&v);
    /* an unknown name on the local side (an ASG of the APIM NICs) */
    eval(&g, NSG_INBOUND, NSG_UDP, 3443, SUBNET, "13.69.64.0/26", &v);
    assert_string_equal(verdict_text(&v), "DenyAllInBound:13.69.64.0/26");
    assert_string_equal(v.unknown_name, "asg-udp");
    nsg_verdict_free(&v);
    /* a port no ASG rule names: no unknown name */
    eval(&g, NSG_INBOUND, NSG_TCP, 443, SUBNET, "10.42.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "AllowVnetInBound:10.42.0.0/16");
    assert_null(v.unknown_name);
    nsg_verdict_free(&v);
    /* without a resolver every name is unknown */
    struct addrset l = set_of(SUBNET), r = set_of("10.42.0.0/16");
    struct flow_query q = {NSG_INBOUND, NSG_TCP, 443, &l, &r};
    assert_int_equal(nsg_evaluate(&g, &q, NULL, NULL, &v), 0);
    assert_string_equal(verdict_text(&v), "DenyAllInBound:10.42.0.0/16");
    assert_string_equal(v.unknown_name, "VirtualNetwork");
    nsg_verdict_free(&v);
    addrset_free(&l);
    addrset_free(&r);
    nsg_free(&g);
    arena_free();
}

static void test_partial_local(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict v;
    add(&g, "DenyHalf", 100, NSG_OUTBOUND, 0, NSG_TCP, "10.42.8.0/25", "*", "1433");
    add(&g, "DenyOtherSubnet", 105, NSG_OUTBOUND, 0, NSG_TCP, "10.42.9.0/24", "*", "1433");
    add(&g, "AllowAll", 110, NSG_OUTBOUND, 1, NSG_TCP, "10.42.8.0/25,10.42.8.128/25", "*", "1433");
    eval(&g, NSG_OUTBOUND, NSG_TCP, 1433, SUBNET, "13.69.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "AllowAll:13.69.0.0/16");
    assert_non_null(v.partial_local);
    assert_string_equal(v.partial_local->name, "DenyHalf");
    nsg_verdict_free(&v);
    /* the half alone is wholly inside */
    eval(&g, NSG_OUTBOUND, NSG_TCP, 1433, "10.42.8.0/26", "13.69.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "DenyHalf:13.69.0.0/16");
    assert_null(v.partial_local);
    nsg_verdict_free(&v);
    nsg_free(&g);
    arena_free();
}

static void test_pair(void **state)
{
    (void)state;
    struct nsg subnet = {"subnet", NULL, 0, 0}, nic = {"nic", NULL, 0, 0};
    struct nsg_verdict v;
    add(&subnet, "SubnetDeny3443", 100, NSG_INBOUND, 0, NSG_TCP, "13.69.64.0/27", "*", "3443");
    add(&subnet, "SubnetAllow3443", 110, NSG_INBOUND, 1, NSG_TCP, "ApiManagement", "*", "3443");
    add(&subnet, "SubnetDenyOut", 100, NSG_OUTBOUND, 0, NSG_TCP, "*", "Sql.WestEurope", "1433");
    add(&subnet, "SubnetAllowOut", 110, NSG_OUTBOUND, 1, NSG_TCP, "*", "Sql", "1433");
    assert_int_equal(nsg_add_default_rules(&subnet), 0);
    add(&nic, "NicDeny3443", 100, NSG_INBOUND, 0, NSG_TCP, "20.40.125.155", "*", "3443");
    add(&nic, "NicAllow3443", 110, NSG_INBOUND, 1, NSG_TCP, "*", "*", "3443");
    add(&nic, "NicAllowOut", 100, NSG_OUTBOUND, 1, NSG_TCP, "*", "*", "1433");
    add(&nic, "NicDenyOut", 90, NSG_OUTBOUND, 0, NSG_TCP, "*", "40.68.0.0/16", "1433");
    assert_int_equal(nsg_add_default_rules(&nic), 0);
    /* inbound: the subnet's denials (its own rules and its default deny)
     * first, then the NIC's verdict on the rest: its deny, else its (later)
     * allow */
    eval_pair(&subnet, &nic, NSG_INBOUND, NSG_TCP, 3443, SUBNET,
              "13.69.64.0/26,20.40.125.155,51.145.179.78,52.0.0.1", &v);
    assert_string_equal(verdict_text(&v), "SubnetDeny3443:13.69.64.0/27 | "
                                          "DenyAllInBound:52.0.0.1/32 | "
                                          "NicDeny3443:20.40.125.155/32 | "
                                          "NicAllow3443:13.69.64.32/27,51.145.179.78/32");
    assert_int_equal(v.denied, 1);
    assert_int_equal(v.allowed, 1);
    assert_string_equal(v.parts[1].rule->name, "DenyAllInBound");
    assert_true(v.parts[1].rule == &subnet.rules[6]); /* the subnet's own default rule */
    nsg_verdict_free(&v);
    /* outbound: the NIC first, then the subnet */
    eval_pair(&subnet, &nic, NSG_OUTBOUND, NSG_TCP, 1433, SUBNET,
              "13.69.0.0/16,20.38.0.0/16,40.68.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "NicDenyOut:40.68.0.0/16 | "
                                          "SubnetDenyOut:13.69.0.0/16 | "
                                          "SubnetAllowOut:20.38.0.0/16");
    nsg_verdict_free(&v);
    /* one side only: the other NSG alone */
    eval_pair(&subnet, NULL, NSG_OUTBOUND, NSG_TCP, 1433, SUBNET, "40.68.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "SubnetAllowOut:40.68.0.0/16");
    nsg_verdict_free(&v);
    eval_pair(NULL, &nic, NSG_OUTBOUND, NSG_TCP, 1433, SUBNET, "40.68.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "NicDenyOut:40.68.0.0/16");
    nsg_verdict_free(&v);
    eval_pair(NULL, NULL, NSG_OUTBOUND, NSG_TCP, 1433, SUBNET, "40.68.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "-:40.68.0.0/16");
    assert_int_equal(v.denied + v.allowed, 0);
    nsg_verdict_free(&v);
    nsg_free(&subnet);
    nsg_free(&nic);
    arena_free();
}

static void test_pair_without_defaults(void **state)
{
    (void)state;
    /* parts that one NSG leaves undecided take the other's rule */
    struct nsg a = {"a", NULL, 0, 0}, b = {"b", NULL, 0, 0};
    struct nsg_verdict v;
    add(&a, "A-Allow", 100, NSG_INBOUND, 1, NSG_TCP, "13.0.0.0/8", "*", "443");
    add(&b, "B-Deny", 100, NSG_INBOUND, 0, NSG_TCP, "13.1.0.0/16", "*", "443");
    add(&b, "B-Allow", 110, NSG_INBOUND, 1, NSG_TCP, "20.0.0.0/8", "*", "443");
    eval_pair(&a, &b, NSG_INBOUND, NSG_TCP, 443, SUBNET, "13.0.0.0/15,20.1.0.0/16,40.0.0.1", &v);
    assert_string_equal(verdict_text(&v), "B-Deny:13.1.0.0/16 | B-Allow:20.1.0.0/16 | "
                                          "A-Allow:13.0.0.0/16 | -:40.0.0.1/32");
    nsg_verdict_free(&v);
    /* the same NSG on the subnet and the NIC */
    assert_int_equal(nsg_add_default_rules(&a), 0);
    eval_pair(&a, &a, NSG_INBOUND, NSG_TCP, 443, SUBNET, "13.0.0.0/15,20.1.0.0/16", &v);
    assert_string_equal(verdict_text(&v), "DenyAllInBound:20.1.0.0/16 | A-Allow:13.0.0.0/15");
    nsg_verdict_free(&v);
    nsg_free(&a);
    nsg_free(&b);
    arena_free();
}

static void test_free_priority(void **state)
{
    (void)state;
    struct nsg g = {"nsg", NULL, 0, 0};
    assert_int_equal(nsg_free_priority(&g, NSG_OUTBOUND, 4000), 3999);
    add(&g, "Deny", 4000, NSG_OUTBOUND, 0, NSG_TCP, "*", "*", "1433");
    add(&g, "Neighbour", 3999, NSG_OUTBOUND, 1, NSG_TCP, "*", "*", "22");
    add(&g, "In3998", 3998, NSG_INBOUND, 1, NSG_TCP, "*", "*", "22"); /* the other direction */
    assert_int_equal(nsg_free_priority(&g, NSG_OUTBOUND, 4000), 3998);
    assert_int_equal(nsg_free_priority(&g, NSG_INBOUND, 3999), 3997);
    /* a default rule: the highest free one up to 4096 */
    assert_int_equal(nsg_add_default_rules(&g), 0);
    assert_int_equal(nsg_free_priority(&g, NSG_OUTBOUND, 65500), 4096);
    add(&g, "Last", 4096, NSG_OUTBOUND, 0, NSG_TCP, "*", "*", "1");
    assert_int_equal(nsg_free_priority(&g, NSG_OUTBOUND, 65001), 4095);
    assert_int_equal(nsg_free_priority(&g, NSG_OUTBOUND, 4097), 4095);
    /* the bottom of the band */
    assert_int_equal(nsg_free_priority(&g, NSG_OUTBOUND, 100), -1);
    assert_int_equal(nsg_free_priority(&g, NSG_OUTBOUND, 101), 100);
    assert_int_equal(nsg_free_priority(&g, NSG_OUTBOUND, 50), -1);
    nsg_free(&g);
    arena_free();
    /* a full band */
    for (int p = 100; p <= 4096; p++) {
        struct nsg_rule r = {.name = "r", .priority = p, .direction = NSG_INBOUND, .allow = 1,
                             .protocol = NSG_TCP};
        assert_int_equal(nsg_add_rule(&g, &r), 0);
    }
    assert_int_equal(nsg_free_priority(&g, NSG_INBOUND, 65000), -1);
    assert_int_equal(nsg_free_priority(&g, NSG_INBOUND, 2000), -1);
    assert_int_equal(nsg_free_priority(&g, NSG_OUTBOUND, 2000), 1999);
    g.rules[500].priority = 65000; /* 600 freed */
    assert_int_equal(nsg_free_priority(&g, NSG_INBOUND, 65000), 600);
    assert_int_equal(nsg_free_priority(&g, NSG_INBOUND, 600), -1);
    nsg_free(&g);
    assert_int_equal(nsg_free_priority(NULL, NSG_INBOUND, 300), 299);
}

static void test_parsers(void **state)
{
    (void)state;
    struct port_range r;
    assert_int_equal(port_range_parse("*", &r), 0);
    assert_int_equal(r.first, 0);
    assert_int_equal(r.last, 65535);
    assert_int_equal(port_range_parse("443", &r), 0);
    assert_int_equal(r.first, 443);
    assert_int_equal(r.last, 443);
    assert_int_equal(port_range_parse("5671-5672", &r), 0);
    assert_int_equal(r.first, 5671);
    assert_int_equal(r.last, 5672);
    assert_int_equal(port_range_parse("0-65535", &r), 0);
    assert_int_equal(r.last, 65535);
    const char *bad[] = {"", "-", "65536", "5672-5671", "1-", "-1", "a", "1-2-3", "443 x",
                         "000000443", "1,2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(port_range_parse(bad[i], &r), -1);
    assert_int_equal(port_range_parse(NULL, &r), -1);

    assert_int_equal(nsg_protocol_parse("Tcp"), NSG_TCP);
    assert_int_equal(nsg_protocol_parse("UDP"), NSG_UDP);
    assert_int_equal(nsg_protocol_parse("icmp"), NSG_ICMP);
    assert_int_equal(nsg_protocol_parse("Esp"), NSG_ESP);
    assert_int_equal(nsg_protocol_parse("ah"), NSG_AH);
    assert_int_equal(nsg_protocol_parse("*"), NSG_ANY);
    assert_int_equal(nsg_protocol_parse("6"), 6);
    assert_int_equal(nsg_protocol_parse("255"), 255);
    assert_int_equal(nsg_protocol_parse("256"), -2);
    assert_int_equal(nsg_protocol_parse("Sctp"), -2);
    assert_int_equal(nsg_protocol_parse(""), -2);

    assert_int_equal(next_hop_parse("VirtualAppliance"), HOP_VIRTUAL_APPLIANCE);
    assert_int_equal(next_hop_parse("internet"), HOP_INTERNET);
    assert_int_equal(next_hop_parse("VirtualNetworkGateway"), HOP_VNET_GATEWAY);
    assert_int_equal(next_hop_parse("VnetLocal"), HOP_VNET_LOCAL);
    assert_int_equal(next_hop_parse("VNetPeering"), HOP_VNET_PEERING);
    assert_int_equal(next_hop_parse("None"), HOP_NONE);
    assert_int_equal(next_hop_parse("Nowhere"), HOP_UNKNOWN);
    for (int h = HOP_INTERNET; h < HOP_UNKNOWN; h++)
        assert_int_equal(next_hop_parse(next_hop_name(h)), h);
    assert_string_equal(next_hop_name(HOP_UNKNOWN), "Unknown");
}

/* ------------------------------------------------------------------ */
/* routes                                                             */

/* The verdict as "prefix hop:addresses | ..." ("-" for no route). Parts
 * come in the order of their first addresses. */
static const char *routes_text(const struct route_verdict *v)
{
    static char buf[8192];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < v->n; i++) {
        char *t = addrset_text(&v->parts[i].addrs, 0);
        assert_non_null(t);
        assert_well_formed(&v->parts[i].addrs);
        const struct route *r = v->parts[i].route;
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s%s%s:%s", i ? " | " : "",
                                r ? r->prefix : "-", r ? " " : "",
                                r ? next_hop_name(r->next_hop) : "", t);
        free(t);
    }
    return buf;
}

static void select_routes(const struct route *r, size_t n, int disable_bgp, const char *dst,
                          struct route_verdict *v)
{
    struct addrset d = set_of(dst);
    assert_int_equal(route_select(r, n, disable_bgp, &d, resolve, &names, v), 0);
    addrset_free(&d);
}

static void test_route_longest_prefix(void **state)
{
    (void)state;
    const struct route r[] = {
        {"all", "10.0.0.0/8", HOP_VIRTUAL_APPLIANCE, "10.42.0.4", ROUTE_USER},
        {"one", "10.1.0.0/16", HOP_VNET_GATEWAY, NULL, ROUTE_USER},
        {"host", "10.1.2.3/32", HOP_NONE, NULL, ROUTE_USER},
    };
    struct route_verdict v;
    select_routes(r, 3, 0, "10.0.0.0/8,11.0.0.1", &v);
    assert_string_equal(routes_text(&v),
                        "10.0.0.0/8 VirtualAppliance:10.0.0.0/16,10.2.0.0/15,10.4.0.0/14,"
                        "10.8.0.0/13,10.16.0.0/12,10.32.0.0/11,10.64.0.0/10,10.128.0.0/9 | "
                        "10.1.0.0/16 VirtualNetworkGateway:10.1.0.0/23,10.1.2.0/31,10.1.2.2/32,"
                        "10.1.2.4/30,10.1.2.8/29,10.1.2.16/28,10.1.2.32/27,10.1.2.64/26,"
                        "10.1.2.128/25,10.1.3.0/24,10.1.4.0/22,10.1.8.0/21,10.1.16.0/20,"
                        "10.1.32.0/19,10.1.64.0/18,10.1.128.0/17 | "
                        "10.1.2.3/32 None:10.1.2.3/32 | -:11.0.0.1/32");
    assert_null(v.unknown_name);
    route_verdict_free(&v);
    /* nothing given */
    select_routes(r, 0, 0, "10.0.0.1", &v);
    assert_string_equal(routes_text(&v), "-:10.0.0.1/32");
    route_verdict_free(&v);
    select_routes(r, 3, 0, "", &v);
    assert_int_equal(v.n, 0);
    route_verdict_free(&v);
}

static void test_route_tag_against_forced_tunnel(void **state)
{
    (void)state;
    struct addrset vnet = set_of("10.42.0.0/16"), peered = {0};
    struct route *sys;
    size_t nsys;
    assert_int_equal(routes_system(&vnet, &peered, &sys, &nsys), 0);
    struct route *r = calloc(nsys + 3, sizeof *r);
    assert_non_null(r);
    r[0] = (struct route){"to-firewall", "0.0.0.0/0", HOP_VIRTUAL_APPLIANCE, "10.42.0.4",
                          ROUTE_USER};
    r[1] = (struct route){"apim", "ApiManagement", HOP_INTERNET, NULL, ROUTE_USER};
    r[2] = (struct route){"big", "EightTag", HOP_INTERNET, NULL, ROUTE_USER};
    memcpy(r + 3, sys, nsys * sizeof *r);
    struct route_verdict v;
    /* without the tag routes: everything to the firewall but the VNet */
    select_routes(r, 1, 0, "13.69.64.0/26,20.40.125.155,52.0.0.1", &v);
    assert_string_equal(routes_text(&v),
                        "0.0.0.0/0 VirtualAppliance:13.69.64.0/26,20.40.125.155/32,52.0.0.1/32");
    route_verdict_free(&v);
    /* the tag route: the tag's addresses to the Internet, the rest to the
     * firewall, the VNet local */
    select_routes(r, 2, 0, "13.69.64.0/25,20.40.125.155,52.0.0.1", &v);
    assert_string_equal(routes_text(&v), "ApiManagement Internet:13.69.64.0/26,20.40.125.155/32 | "
                                         "0.0.0.0/0 VirtualAppliance:13.69.64.64/26,52.0.0.1/32");
    route_verdict_free(&v);
    memmove(r + 2, r + 3, nsys * sizeof *r); /* drop "big" for now */
    select_routes(r, 2 + nsys, 0, "13.69.64.0/26,52.0.0.1,10.42.8.4", &v);
    assert_string_equal(routes_text(&v), "10.42.0.0/16 VnetLocal:10.42.8.4/32 | "
                                         "ApiManagement Internet:13.69.64.0/26 | "
                                         "0.0.0.0/0 VirtualAppliance:52.0.0.1/32");
    route_verdict_free(&v);
    /* a user /11 beats a tag's /8, and the tag's /8 beats 0.0.0.0/0 */
    r[2] = (struct route){"big", "EightTag", HOP_INTERNET, NULL, ROUTE_USER};
    r[3] = (struct route){"eleven", "13.64.0.0/11", HOP_VNET_GATEWAY, NULL, ROUTE_USER};
    select_routes(r, 4, 0, "13.0.0.0/8,14.0.0.1", &v);
    assert_string_equal(routes_text(&v),
                        "EightTag Internet:13.0.0.0/10,13.96.0.0/11,13.128.0.0/9 | "
                        "13.64.0.0/11 VirtualNetworkGateway:13.64.0.0/14,13.68.0.0/16,"
                        "13.69.0.0/18,13.69.64.64/26,13.69.64.128/25,"
                        "13.69.65.0/24,13.69.66.0/23,13.69.68.0/22,13.69.72.0/21,"
                        "13.69.80.0/20,13.69.96.0/19,13.69.128.0/17,13.70.0.0/15,13.72.0.0/13,"
                        "13.80.0.0/12 | "
                        "ApiManagement Internet:13.69.64.0/26 | "
                        "0.0.0.0/0 VirtualAppliance:14.0.0.1/32");
    route_verdict_free(&v);
    free(r);
    routes_free(sys, nsys);
    addrset_free(&vnet);
}

static void test_route_sources(void **state)
{
    (void)state;
    const struct route r[] = {
        {"sys", "0.0.0.0/0", HOP_INTERNET, NULL, ROUTE_SYSTEM},
        {"bgp", "0.0.0.0/0", HOP_VNET_GATEWAY, NULL, ROUTE_BGP},
        {"user", "0.0.0.0/0", HOP_VIRTUAL_APPLIANCE, "10.42.0.4", ROUTE_USER},
        {"bgp-more", "52.0.0.0/8", HOP_VNET_GATEWAY, NULL, ROUTE_BGP},
    };
    struct route_verdict v;
    /* equal length: user over BGP over system; a longer BGP prefix wins */
    select_routes(r, 4, 0, "52.1.1.1,53.0.0.1", &v);
    assert_string_equal(v.parts[0].route->name, "bgp-more");
    assert_string_equal(v.parts[1].route->name, "user");
    route_verdict_free(&v);
    select_routes(r, 2, 0, "53.0.0.1", &v);
    assert_string_equal(v.parts[0].route->name, "bgp");
    route_verdict_free(&v);
    /* BGP ignored: the system route */
    select_routes(r, 2, 1, "53.0.0.1", &v);
    assert_string_equal(v.parts[0].route->name, "sys");
    route_verdict_free(&v);
    select_routes(r, 4, 1, "52.1.1.1,53.0.0.1", &v);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.parts[0].route->name, "user");
    assert_set(&v.parts[0].addrs, "52.1.1.1/32,53.0.0.1/32");
    route_verdict_free(&v);
    /* listed the other way round: the same */
    const struct route rev[] = {r[3], r[2], r[1], r[0]};
    select_routes(rev, 4, 0, "53.0.0.1", &v);
    assert_string_equal(v.parts[0].route->name, "user");
    route_verdict_free(&v);
    /* an unknown tag in a route */
    const struct route bad[] = {
        {"nope", "NoSuchTag", HOP_INTERNET, NULL, ROUTE_USER},
        {"star", "*", HOP_INTERNET, NULL, ROUTE_USER},
        r[0],
    };
    select_routes(bad, 3, 0, "53.0.0.1", &v);
    assert_string_equal(routes_text(&v), "0.0.0.0/0 Internet:53.0.0.1/32");
    assert_string_equal(v.unknown_name, "NoSuchTag");
    route_verdict_free(&v);
}

static void test_routes_system(void **state)
{
    (void)state;
    struct addrset vnet = set_of("10.42.0.0/16"), peered = set_of("10.50.0.0/16,172.16.0.0/12");
    struct route *r;
    size_t n;
    assert_int_equal(routes_system(&vnet, &peered, &r, &n), 0);
    char buf[1024];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(r[i].source, ROUTE_SYSTEM);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %s", i ? ", " : "", r[i].prefix,
                                next_hop_name(r[i].next_hop));
    }
    /* 172.16.0.0/12 is all peered: no None route for it */
    assert_string_equal(buf, "10.42.0.0/16 VnetLocal, 10.50.0.0/16 VNetPeering, "
                             "172.16.0.0/12 VNetPeering, 0.0.0.0/0 Internet, 10.0.0.0/8 None, "
                             "192.168.0.0/16 None, 100.64.0.0/10 None");
    struct route_verdict v;
    select_routes(r, n, 0, "10.42.8.4,10.50.1.1,10.60.0.1,172.20.0.1,100.64.0.1,52.0.0.1", &v);
    assert_string_equal(routes_text(&v), "10.42.0.0/16 VnetLocal:10.42.8.4/32 | "
                                         "10.50.0.0/16 VNetPeering:10.50.1.1/32 | "
                                         "10.0.0.0/8 None:10.60.0.1/32 | "
                                         "0.0.0.0/0 Internet:52.0.0.1/32 | "
                                         "100.64.0.0/10 None:100.64.0.1/32 | "
                                         "172.16.0.0/12 VNetPeering:172.20.0.1/32");
    route_verdict_free(&v);
    routes_free(r, n);
    /* a VNet of exactly 10.0.0.0/8, a space that is not one prefix, IPv6 */
    addrset_free(&vnet);
    addrset_free(&peered);
    vnet = set_of("10.0.0.0/8,fd00:42::/48");
    add_range(&vnet, "192.168.0.0", "192.168.0.5");
    assert_int_equal(routes_system(&vnet, NULL, &r, &n), 0);
    len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %s", i ? ", " : "", r[i].prefix,
                                next_hop_name(r[i].next_hop));
    assert_string_equal(buf, "10.0.0.0/8 VnetLocal, 192.168.0.0/30 VnetLocal, "
                             "192.168.0.4/31 VnetLocal, fd00:42::/48 VnetLocal, "
                             "0.0.0.0/0 Internet, ::/0 Internet, 172.16.0.0/12 None, "
                             "192.168.0.0/16 None, "
                             "100.64.0.0/10 None");
    select_routes(r, n, 0, "10.9.9.9,192.168.0.5,192.168.0.6,fd00:42::1,fd00:43::1", &v);
    assert_string_equal(routes_text(&v), "10.0.0.0/8 VnetLocal:10.9.9.9/32 | "
                                         "192.168.0.4/31 VnetLocal:192.168.0.5/32 | "
                                         "192.168.0.0/16 None:192.168.0.6/32 | "
                                         "fd00:42::/48 VnetLocal:fd00:42::1/128 | "
                                         "::/0 Internet:fd00:43::1/128");
    route_verdict_free(&v);
    routes_free(r, n);
    routes_free(NULL, 0);
    addrset_free(&vnet);
}

static void test_ipv6(void **state)
{
    (void)state;
    /* routes */
    const struct route r[] = {
        {"v6-default", "::/0", HOP_INTERNET, NULL, ROUTE_SYSTEM},
        {"v6-fw", "2603:1000::/40", HOP_VIRTUAL_APPLIANCE, "fd00::4", ROUTE_USER},
        {"apim", "ApiManagement", HOP_INTERNET, NULL, ROUTE_USER},
        {"v4", "0.0.0.0/0", HOP_VIRTUAL_APPLIANCE, "10.42.0.4", ROUTE_USER},
    };
    struct route_verdict v;
    select_routes(r, 4, 0, "2603:1000::/32,2001:db8::1,13.69.64.1", &v);
    assert_string_equal(routes_text(&v),
                        "ApiManagement Internet:13.69.64.1/32,2603:1000:4::/48 | "
                        "::/0 Internet:2001:db8::1/128,2603:1000:100::/40,2603:1000:200::/39,"
                        "2603:1000:400::/38,2603:1000:800::/37,2603:1000:1000::/36,"
                        "2603:1000:2000::/35,2603:1000:4000::/34,2603:1000:8000::/33 | "
                        "2603:1000::/40 VirtualAppliance:2603:1000::/46,2603:1000:5::/48,"
                        "2603:1000:6::/47,2603:1000:8::/45,2603:1000:10::/44,2603:1000:20::/43,"
                        "2603:1000:40::/42,2603:1000:80::/41");
    route_verdict_free(&v);
    /* rules */
    struct nsg g = {"nsg", NULL, 0, 0};
    struct nsg_verdict nv;
    add(&g, "DenyV6", 100, NSG_OUTBOUND, 0, NSG_TCP, "*", "2603:1020::/64", "1433");
    add(&g, "AllowV4Only", 110, NSG_OUTBOUND, 1, NSG_TCP, "*", "0.0.0.0/0", "1433");
    add(&g, "DenyRest", 120, NSG_OUTBOUND, 0, NSG_TCP, "*", "*", "1433");
    eval(&g, NSG_OUTBOUND, NSG_TCP, 1433, "10.42.8.0/24,fd00:42:8::/64",
         "13.69.0.0/16,2603:1020::/48", &nv);
    assert_string_equal(verdict_text(&nv), "DenyV6:2603:1020::/64 | AllowV4Only:13.69.0.0/16 | "
                                           "DenyRest:2603:1020:0:1::/64,2603:1020:0:2::/63,"
                                           "2603:1020:0:4::/62,2603:1020:0:8::/61,"
                                           "2603:1020:0:10::/60,2603:1020:0:20::/59,"
                                           "2603:1020:0:40::/58,2603:1020:0:80::/57,"
                                           "2603:1020:0:100::/56,2603:1020:0:200::/55,"
                                           "2603:1020:0:400::/54,2603:1020:0:800::/53,"
                                           "2603:1020:0:1000::/52,2603:1020:0:2000::/51,"
                                           "2603:1020:0:4000::/50,2603:1020:0:8000::/49");
    nsg_verdict_free(&nv);
    nsg_free(&g);
    arena_free();
}

/* ------------------------------------------------------------------ */
/* random NSGs and route tables against a brute force, address by address */

/* A random prefix in the universe as text (kept in the arena). */
static const char *random_prefix(unsigned *seed)
{
    char *t = keep(malloc(48));
    int zone = rand_r(seed) % 3, x = rand_r(seed) % 256;
    int r = rand_r(seed) % 20;
    if (r == 0)
        return zone == 2 ? "::/0" : "0.0.0.0/0";
    if (r == 1)
        return zone == 0 ? "0.0.0.0/1" : zone == 1 ? "128.0.0.0/1" : "::/64";
    int len = (zone == 2 ? 120 : 24) + rand_r(seed) % 9;
    if (zone == 0)
        snprintf(t, 48, "0.0.0.%d/%d", x, len);
    else if (zone == 1)
        snprintf(t, 48, "255.255.255.%d/%d", x, len);
    else
        snprintf(t, 48, "::%x/%d", x, len);
    return t;
}

static int text_holds(const char *prefix, const struct ip_addr *a)
{
    struct ip_addr f, l;
    assert_int_equal(ip_prefix_parse(prefix, strlen(prefix), &f, &l), 0);
    return ip_in_range(a, &f, &l);
}

static int text_len(const char *prefix)
{
    const char *slash = strchr(prefix, '/');
    return slash ? atoi(slash + 1) : strchr(prefix, ':') ? 128 : 32;
}

static void test_routes_random(void **state)
{
    (void)state;
    unsigned seed = 777;
    struct addrset dst = {0};
    unsigned char bits[UNIVERSE];
    for (int round = 0; round < 1500; round++) {
        struct route r[12];
        size_t n = (size_t)(rand_r(&seed) % 12);
        int disable_bgp = rand_r(&seed) % 2;
        for (size_t i = 0; i < n; i++)
            r[i] = (struct route){"r", random_prefix(&seed), HOP_INTERNET, NULL,
                                  rand_r(&seed) % 3};
        random_set(&seed, &dst, bits);
        struct route_verdict v;
        assert_int_equal(route_select(r, n, disable_bgp, &dst, resolve, &names, &v), 0);
        const struct route *got[UNIVERSE];
        unsigned char seen[UNIVERSE] = {0};
        for (size_t p = 0; p < v.n; p++) {
            assert_well_formed(&v.parts[p].addrs);
            for (size_t k = 0; k < v.parts[p].addrs.n; k++) {
                int f = universe_index(&v.parts[p].addrs.v[k].first);
                int l = universe_index(&v.parts[p].addrs.v[k].last);
                for (int j = f; j <= l; j++) {
                    assert_false(seen[j]);
                    seen[j] = 1;
                    got[j] = v.parts[p].route;
                }
            }
        }
        assert_memory_equal(seen, bits, UNIVERSE);
        for (int j = 0; j < UNIVERSE; j++) {
            if (!bits[j])
                continue;
            struct ip_addr a = universe_addr(j);
            const struct route *best = NULL;
            for (size_t i = 0; i < n; i++) {
                if ((disable_bgp && r[i].source == ROUTE_BGP) || !text_holds(r[i].prefix, &a))
                    continue;
                if (best == NULL || text_len(r[i].prefix) > text_len(best->prefix) ||
                    (text_len(r[i].prefix) == text_len(best->prefix) &&
                     r[i].source < best->source))
                    best = &r[i];
            }
            assert_ptr_equal(got[j], best);
        }
        route_verdict_free(&v);
        arena_free();
    }
    addrset_free(&dst);
}

static void test_nsg_random(void **state)
{
    (void)state;
    unsigned seed = 4242;
    static const char *const locals[] = {"*", "10.42.0.0/16", "10.42.8.0/25", "VirtualNetwork",
                                         "asg-x"};
    static const char *const ports[] = {"443", "*", "400-500", "80,8080"};
    static const int protos[] = {NSG_TCP, NSG_UDP, NSG_ANY};
    struct addrset remote = {0};
    unsigned char bits[UNIVERSE];
    for (int round = 0; round < 1500; round++) {
        struct nsg g = {"nsg", NULL, 0, 0};
        int nr = rand_r(&seed) % 10;
        for (int i = 0; i < nr; i++) {
            char *list = keep(calloc(1, 160));
            int k = 1 + rand_r(&seed) % 3;
            for (int e = 0; e < k; e++) {
                if (e)
                    strcat(list, ",");
                strcat(list, random_prefix(&seed));
            }
            int dir = rand_r(&seed) % 2;
            const char *loc = locals[rand_r(&seed) % 5];
            add(&g, "r", 100 + (i * 7 + round) % 50 * 10 + i, dir, rand_r(&seed) % 2,
                protos[rand_r(&seed) % 3], dir == NSG_INBOUND ? list : loc,
                dir == NSG_INBOUND ? loc : list, ports[rand_r(&seed) % 4]);
        }
        int dir = rand_r(&seed) % 2, proto = rand_r(&seed) % 2 ? NSG_TCP : NSG_UDP;
        int port = rand_r(&seed) % 2 ? 443 : 80;
        random_set(&seed, &remote, bits);
        struct addrset local = set_of(SUBNET);
        struct flow_query q = {dir, proto, (uint16_t)port, &local, &remote};
        struct nsg_verdict v;
        assert_int_equal(nsg_evaluate(&g, &q, resolve, &names, &v), 0);
        const struct nsg_rule *got[UNIVERSE];
        unsigned char seen[UNIVERSE] = {0};
        for (size_t p = 0; p < v.n; p++)
            for (size_t k = 0; k < v.parts[p].addrs.n; k++) {
                int f = universe_index(&v.parts[p].addrs.v[k].first);
                int l = universe_index(&v.parts[p].addrs.v[k].last);
                for (int j = f; j <= l; j++) {
                    assert_false(seen[j]);
                    seen[j] = 1;
                    got[j] = v.parts[p].rule;
                }
            }
        assert_memory_equal(seen, bits, UNIVERSE);
        for (int j = 0; j < UNIVERSE; j++) {
            if (!bits[j])
                continue;
            struct ip_addr a = universe_addr(j);
            const struct nsg_rule *best = NULL;
            for (size_t i = 0; i < g.n; i++) {
                const struct nsg_rule *r = &g.rules[i];
                if (r->direction != dir || (r->protocol != NSG_ANY && r->protocol != proto))
                    continue;
                int port_ok = r->ndports == 0;
                for (size_t k = 0; k < r->ndports; k++)
                    port_ok |= r->dports[k].first <= port && port <= r->dports[k].last;
                const char *loc = dir == NSG_INBOUND ? r->dst[0] : r->src[0];
                int local_ok = strcmp(loc, "*") == 0 || strcmp(loc, "10.42.0.0/16") == 0 ||
                               strcmp(loc, "VirtualNetwork") == 0;
                const char *const *rem = dir == NSG_INBOUND ? r->src : r->dst;
                size_t nrem = dir == NSG_INBOUND ? r->nsrc : r->ndst;
                int remote_ok = 0;
                for (size_t k = 0; k < nrem; k++)
                    remote_ok |= text_holds(rem[k], &a);
                if (port_ok && local_ok && remote_ok &&
                    (best == NULL || r->priority < best->priority))
                    best = r;
            }
            assert_ptr_equal(got[j], best);
        }
        nsg_verdict_free(&v);
        addrset_free(&local);
        nsg_free(&g);
        arena_free();
    }
    addrset_free(&remote);
}

/* ------------------------------------------------------------------ */
/* speed                                                              */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void test_big_tag_speed(void **state)
{
    (void)state;
    /* a tag of 20,000 prefixes (every other /24 from 20.0.0.0), given in
     * reverse order the second time */
    struct addrset big = {0}, rev = {0};
    for (int i = 0; i < 20000; i++) {
        struct ip_addr a = {0}, b;
        uint32_t v = (20u << 24) + (uint32_t)i * 512;
        a.family = IP_V4;
        a.b[0] = (uint8_t)(v >> 24);
        a.b[1] = (uint8_t)(v >> 16);
        a.b[2] = (uint8_t)(v >> 8);
        b = a;
        b.b[3] = 255;
        assert_int_equal(addrset_add_range(&big, &a, &b), 0);
    }
    for (int i = 19999; i >= 0; i--)
        assert_int_equal(addrset_add_range(&rev, &big.v[i].first, &big.v[i].last), 0);
    assert_int_equal(big.n, 20000);
    assert_int_equal(rev.n, 20000);
    assert_memory_equal(big.v, rev.v, 20000 * sizeof *big.v);
    addrset_free(&rev);
    struct names ctx = {default_names, "HugeTag", &big, 0};

    /* 100 rules: 96 that each take a /16 of it, some on the tag itself */
    struct nsg g = {"nsg", NULL, 0, 0};
    char *text[100];
    for (int i = 0; i < 96; i++) {
        text[i] = keep(malloc(32));
        snprintf(text[i], 32, "20.%d.0.0/17", i);
        add(&g, text[i], 100 + i, NSG_OUTBOUND, i % 2, NSG_TCP, "*", text[i], "443");
    }
    add(&g, "DenyHugeUdp", 90, NSG_OUTBOUND, 0, NSG_UDP, "*", "HugeTag", "443");
    add(&g, "AllowHugeList", 300, NSG_OUTBOUND, 1, NSG_TCP, "VirtualNetwork",
        "HugeTag,Sql,52.0.0.0/8", "443");
    add(&g, "DenyHuge", 310, NSG_OUTBOUND, 0, NSG_TCP, "*", "HugeTag", "*");
    add(&g, "DenyAll", 4096, NSG_OUTBOUND, 0, NSG_ANY, "*", "*", "*");

    struct addrset local = set_of(SUBNET);
    struct flow_query q = {NSG_OUTBOUND, NSG_TCP, 443, &local, &big};
    struct nsg_verdict v;
    double t0 = now_ms();
    assert_int_equal(nsg_evaluate(&g, &q, resolve, &ctx, &v), 0);
    double t1 = now_ms();
    assert_int_equal(v.n, 97);
    assert_string_equal(v.parts[96].rule->name, "AllowHugeList");
    uint64_t total = 0;
    for (size_t i = 0; i < v.n; i++)
        total += addrset_count_v4(&v.parts[i].addrs);
    assert_int_equal(total, 20000u * 256);
    assert_int_equal(addrset_count_v4(&v.parts[0].addrs), 64 * 256); /* 20.0.0.0/17: 64 /24s */
    nsg_verdict_free(&v);
    /* through two NSGs */
    double t2 = now_ms();
    assert_int_equal(nsg_evaluate_pair(&g, &g, &q, resolve, &ctx, &v), 0);
    double t3 = now_ms();
    assert_int_equal(v.n, 97);
    nsg_verdict_free(&v);
    /* a route for the tag against 0.0.0.0/0 */
    const struct route r[] = {
        {"fw", "0.0.0.0/0", HOP_VIRTUAL_APPLIANCE, "10.42.0.4", ROUTE_USER},
        {"tag", "HugeTag", HOP_INTERNET, NULL, ROUTE_USER},
        {"part", "20.1.0.0/16", HOP_NONE, NULL, ROUTE_USER},
    };
    struct addrset dst = set_of("20.0.0.0/8");
    struct route_verdict rv;
    double t4 = now_ms();
    assert_int_equal(route_select(r, 3, 0, &dst, resolve, &ctx, &rv), 0);
    double t5 = now_ms();
    /* the tag's /24s are longer than the /16: the /16 keeps only the gaps */
    assert_int_equal(rv.n, 3);
    assert_string_equal(rv.parts[0].route->name, "tag");
    assert_int_equal(addrset_count_v4(&rv.parts[0].addrs), 20000u * 256);
    assert_string_equal(rv.parts[1].route->name, "fw");
    assert_string_equal(rv.parts[2].route->name, "part");
    assert_int_equal(addrset_count_v4(&rv.parts[2].addrs), 128 * 256);
    route_verdict_free(&rv);
    print_message("    20,000 prefixes: nsg_evaluate %.2f ms, nsg_evaluate_pair %.2f ms, "
                  "route_select %.2f ms\n", t1 - t0, t3 - t2, t5 - t4);
    /* generous: valgrind and the sanitizers are slow */
    assert_true(t1 - t0 < 2000);
    addrset_free(&dst);
    addrset_free(&local);
    addrset_free(&big);
    nsg_free(&g);
    arena_free();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_add_and_merge),
        cmocka_unit_test(test_set_families),
        cmocka_unit_test(test_set_keep_families),
        cmocka_unit_test(test_set_text),
        cmocka_unit_test(test_set_ops_at_edges),
        cmocka_unit_test(test_set_ops_random),
        cmocka_unit_test(test_priority_order),
        cmocka_unit_test(test_default_rules),
        cmocka_unit_test(test_deny_part_of_tag),
        cmocka_unit_test(test_star_lists_and_ports),
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_source_ports),
        cmocka_unit_test(test_virtual_network_and_peerings),
        cmocka_unit_test(test_unknown_name),
        cmocka_unit_test(test_partial_local),
        cmocka_unit_test(test_pair),
        cmocka_unit_test(test_pair_without_defaults),
        cmocka_unit_test(test_free_priority),
        cmocka_unit_test(test_parsers),
        cmocka_unit_test(test_route_longest_prefix),
        cmocka_unit_test(test_route_tag_against_forced_tunnel),
        cmocka_unit_test(test_route_sources),
        cmocka_unit_test(test_routes_system),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_routes_random),
        cmocka_unit_test(test_nsg_random),
        cmocka_unit_test(test_big_tag_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
