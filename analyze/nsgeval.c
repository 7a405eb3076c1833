/* nsgeval.c: Azure's NSG rule evaluation and route selection, done offline
 * over address sets (see nsgeval.h). A set is a sorted array of disjoint
 * ranges, and every set operation is one linear merge that gallops over
 * long stretches of the other set, so a service tag of 20,000 prefixes
 * against an NSG of 100 rules costs milliseconds. Names are resolved once
 * per evaluation (a small cache), and routes are split by one sweep over
 * their prefixes sorted by address (prefixes nest or are disjoint). */
#include "nsgeval.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* single addresses                                                   */

static int addr_nbytes(const struct ip_addr *a)
{
    return a->family == IP_V4 ? 4 : 16;
}

static int addr_nbits(const struct ip_addr *a)
{
    return a->family == IP_V4 ? 32 : 128;
}

/* Address order: IPv4 before IPv6, then bytewise. */
static int addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->b, b->b, sizeof a->b);
}

/* a + 1 within its family; 1 (a wrapped to 0) when a was the last address. */
static int addr_inc(struct ip_addr *a)
{
    for (int i = addr_nbytes(a) - 1; i >= 0; i--)
        if (++a->b[i] != 0)
            return 0;
    return 1;
}

/* a - 1 within its family; 1 when a was the first address. */
static int addr_dec(struct ip_addr *a)
{
    for (int i = addr_nbytes(a) - 1; i >= 0; i--)
        if (a->b[i]-- != 0)
            return 0;
    return 1;
}

/* 1 when b is the address right after a (so [..a] and [b..] touch):
 * from the end, a's 0xff bytes against b's 0x00 ones, then one byte that
 * b has one more of, then the same bytes. */
static int addr_next_is(const struct ip_addr *a, const struct ip_addr *b)
{
    if (a->family != b->family)
        return 0;
    int k = addr_nbytes(a) - 1;
    while (k >= 0 && a->b[k] == 0xff && b->b[k] == 0)
        k--;
    if (k < 0 || a->b[k] == 0xff || b->b[k] != a->b[k] + 1)
        return 0;
    return memcmp(a->b, b->b, (size_t)k) == 0;
}

/* The first and last address of a family. */
static void family_span(int family, struct ip_addr *first, struct ip_addr *last)
{
    memset(first, 0, sizeof *first);
    first->family = (uint8_t)family;
    *last = *first;
    memset(last->b, 0xff, family == IP_V4 ? 4 : 16);
}

/* Copies a with the bytes an IPv4 address does not use zeroed; 0 when the
 * family is neither. */
static int addr_clean(const struct ip_addr *a, struct ip_addr *out)
{
    if (a->family != IP_V4 && a->family != IP_V6)
        return 0;
    *out = *a;
    if (a->family == IP_V4)
        memset(out->b + 4, 0, sizeof out->b - 4);
    return 1;
}

/* How many low bits of a are 0 (the family's width when a is 0). */
static int addr_trailing_zeros(const struct ip_addr *a)
{
    int tz = 0;
    for (int i = addr_nbytes(a) - 1; i >= 0; i--) {
        uint8_t v = a->b[i];
        if (v == 0) {
            tz += 8;
            continue;
        }
        while (!(v & 1)) {
            v >>= 1;
            tz++;
        }
        break;
    }
    return tz;
}

/* out = a with its k low bits set. */
static void addr_set_low_bits(const struct ip_addr *a, int k, struct ip_addr *out)
{
    *out = *a;
    int i = addr_nbytes(a) - 1;
    for (; k >= 8; k -= 8)
        out->b[i--] = 0xff;
    if (k > 0)
        out->b[i] |= (uint8_t)((1u << k) - 1);
}

/* Walks a range as the fewest prefixes that cover it exactly, in order. */
struct prefix_iter {
    struct ip_addr cur, last;
    int done;
};

static void prefix_iter_init(struct prefix_iter *it, const struct addr_range *r)
{
    it->cur = r->first;
    it->last = r->last;
    it->done = 0;
}

/* The next prefix (first, end, length); 0 when the range is done. */
static int prefix_iter_next(struct prefix_iter *it, struct ip_addr *first, struct ip_addr *end,
                            int *len)
{
    if (it->done)
        return 0;
    int k = addr_trailing_zeros(&it->cur);
    for (;; k--) {
        addr_set_low_bits(&it->cur, k, end);
        if (k == 0 || addr_cmp(end, &it->last) <= 0)
            break;
    }
    *first = it->cur;
    *len = addr_nbits(&it->cur) - k;
    if (addr_cmp(end, &it->last) == 0) {
        it->done = 1;
    } else {
        it->cur = *end;
        addr_inc(&it->cur); /* end < last: no wrap */
    }
    return 1;
}

/* Writes "addr/len" into buf (IP_TEXT_MAX + 4 bytes); returns its length. */
static size_t prefix_format(const struct ip_addr *first, int len, char *buf)
{
    size_t k = ip_format(first, buf);
    buf[k++] = '/';
    if (len >= 100)
        buf[k++] = (char)('0' + len / 100);
    if (len >= 10)
        buf[k++] = (char)('0' + len / 10 % 10);
    buf[k++] = (char)('0' + len % 10);
    buf[k] = '\0';
    return k;
}

/* ------------------------------------------------------------------ */
/* address sets                                                       */

static int set_reserve(struct addrset *s, size_t need)
{
    if (need <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 8;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 / sizeof *s->v)
            return -2;
        cap *= 2;
    }
    struct addr_range *v = realloc(s->v, cap * sizeof *v);
    if (v == NULL)
        return -2;
    s->v = v;
    s->cap = cap;
    return 0;
}

/* Appends [f, l] to s, none of whose ranges starts after f: merged into the
 * last range when the two overlap or touch. */
static int set_push(struct addrset *s, const struct ip_addr *f, const struct ip_addr *l)
{
    if (s->n > 0) {
        struct addr_range *t = &s->v[s->n - 1];
        if (addr_cmp(f, &t->last) <= 0 || addr_next_is(&t->last, f)) {
            if (addr_cmp(l, &t->last) > 0)
                t->last = *l;
            return 0;
        }
    }
    if (set_reserve(s, s->n + 1))
        return -2;
    s->v[s->n].first = *f;
    s->v[s->n].last = *l;
    s->n++;
    return 0;
}

/* Appends [f, l] as it is: s is not a set again until set_normalize. */
static int set_append_raw(struct addrset *s, const struct ip_addr *f, const struct ip_addr *l)
{
    if (set_reserve(s, s->n + 1))
        return -2;
    s->v[s->n].first = *f;
    s->v[s->n].last = *l;
    s->n++;
    return 0;
}

static int range_cmp(const void *x, const void *y)
{
    const struct addr_range *a = x, *b = y;
    return addr_cmp(&a->first, &b->first);
}

/* Sorts and merges ranges appended raw, in place. */
static void set_normalize(struct addrset *s)
{
    if (s->n < 2)
        return;
    for (size_t i = 1; i < s->n; i++)
        if (addr_cmp(&s->v[i - 1].first, &s->v[i].first) > 0) {
            qsort(s->v, s->n, sizeof *s->v, range_cmp);
            break;
        }
    size_t w = 0;
    for (size_t i = 1; i < s->n; i++) {
        struct addr_range *t = &s->v[w];
        const struct addr_range *r = &s->v[i];
        if (addr_cmp(&r->first, &t->last) <= 0 || addr_next_is(&t->last, &r->first)) {
            if (addr_cmp(&r->last, &t->last) > 0)
                t->last = r->last;
        } else {
            s->v[++w] = *r;
        }
    }
    s->n = w + 1;
}

/* The smallest k >= i whose range ends at or after key (s->n if none),
 * found by galloping: cheap when k is near i, logarithmic when far. */
static size_t set_seek(const struct addrset *s, size_t i, const struct ip_addr *key)
{
    size_t n = s->n, lo = i, hi = i, step = 1;
    while (hi < n && addr_cmp(&s->v[hi].last, key) < 0) {
        lo = hi + 1;
        hi = lo + step;
        step <<= 1;
    }
    if (hi > n)
        hi = n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (addr_cmp(&s->v[m].last, key) < 0)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

/* 1 when a and b share an address. */
static int set_overlaps(const struct addrset *a, const struct addrset *b)
{
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        const struct addr_range *x = &a->v[i], *y = &b->v[j];
        if (addr_cmp(&x->last, &y->first) < 0)
            i = set_seek(a, i, &y->first);
        else if (addr_cmp(&y->last, &x->first) < 0)
            j = set_seek(b, j, &x->first);
        else
            return 1;
    }
    return 0;
}

static void set_swap(struct addrset *a, struct addrset *b)
{
    struct addrset t = *a;
    *a = *b;
    *b = t;
}

int addrset_add_range(struct addrset *s, const struct ip_addr *first, const struct ip_addr *last)
{
    struct ip_addr f, l;
    if (!addr_clean(first, &f) || !addr_clean(last, &l) || f.family != l.family ||
        addr_cmp(&f, &l) > 0)
        return -1;
    if (s->n == 0 || addr_cmp(&f, &s->v[s->n - 1].first) >= 0)
        return set_push(s, &f, &l);
    /* i: the first range that ends at or after f - 1 (it overlaps or
     * touches the new one, or comes after it) */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        const struct ip_addr *e = &s->v[m].last;
        if (addr_cmp(e, &f) >= 0 || addr_next_is(e, &f))
            hi = m;
        else
            lo = m + 1;
    }
    size_t i = lo;
    /* j: the first range from i on that starts after l + 1 */
    hi = s->n;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        const struct ip_addr *b = &s->v[m].first;
        if (addr_cmp(b, &l) > 0 && !addr_next_is(&l, b))
            hi = m;
        else
            lo = m + 1;
    }
    size_t j = lo;
    if (i == j) {
        if (set_reserve(s, s->n + 1))
            return -2;
        memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof *s->v);
        s->v[i].first = f;
        s->v[i].last = l;
        s->n++;
        return 0;
    }
    if (addr_cmp(&s->v[i].first, &f) < 0)
        f = s->v[i].first;
    if (addr_cmp(&s->v[j - 1].last, &l) > 0)
        l = s->v[j - 1].last;
    s->v[i].first = f;
    s->v[i].last = l;
    memmove(s->v + i + 1, s->v + j, (s->n - j) * sizeof *s->v);
    s->n -= j - i - 1;
    return 0;
}

int addrset_add_prefix(struct addrset *s, const char *text)
{
    if (text == NULL)
        return -1;
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)*text)) {
        text++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    struct ip_addr f, l;
    if (n == 1 && text[0] == '*') {
        family_span(IP_V4, &f, &l);
        int rc = addrset_add_range(s, &f, &l);
        if (rc)
            return rc;
        family_span(IP_V6, &f, &l);
        return addrset_add_range(s, &f, &l);
    }
    if (n == 0 || ip_prefix_parse(text, n, &f, &l) != 0)
        return -1;
    return addrset_add_range(s, &f, &l);
}

int addrset_union(const struct addrset *a, const struct addrset *b, struct addrset *out)
{
    addrset_clear(out);
    if (set_reserve(out, a->n + b->n))
        return -2;
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        const struct addr_range *r;
        if (j >= b->n || (i < a->n && addr_cmp(&a->v[i].first, &b->v[j].first) <= 0))
            r = &a->v[i++];
        else
            r = &b->v[j++];
        set_push(out, &r->first, &r->last); /* room reserved: cannot fail */
    }
    return 0;
}

int addrset_intersect(const struct addrset *a, const struct addrset *b, struct addrset *out)
{
    addrset_clear(out);
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        const struct addr_range *x = &a->v[i], *y = &b->v[j];
        if (addr_cmp(&x->last, &y->first) < 0) {
            i = set_seek(a, i, &y->first);
            continue;
        }
        if (addr_cmp(&y->last, &x->first) < 0) {
            j = set_seek(b, j, &x->first);
            continue;
        }
        const struct ip_addr *f = addr_cmp(&x->first, &y->first) >= 0 ? &x->first : &y->first;
        const struct ip_addr *l = addr_cmp(&x->last, &y->last) <= 0 ? &x->last : &y->last;
        if (set_push(out, f, l))
            return -2;
        if (addr_cmp(&x->last, &y->last) < 0)
            i++;
        else
            j++;
    }
    return 0;
}

int addrset_subtract(const struct addrset *a, const struct addrset *b, struct addrset *out)
{
    addrset_clear(out);
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++) {
        const struct addr_range *x = &a->v[i];
        struct ip_addr cur = x->first;
        int done = 0;
        j = set_seek(b, j, &x->first);
        if (j >= b->n || addr_cmp(&b->v[j].first, &x->last) > 0) {
            /* x and the ranges after it that end before b[j] are not
             * touched: copy them at once (they touch nothing in out) */
            size_t k = j < b->n ? set_seek(a, i, &b->v[j].first) : a->n;
            if (set_reserve(out, out->n + (k - i)))
                return -2;
            memcpy(out->v + out->n, a->v + i, (k - i) * sizeof *a->v);
            out->n += k - i;
            i = k - 1;
            continue;
        }
        while (j < b->n && addr_cmp(&b->v[j].first, &x->last) <= 0) {
            const struct addr_range *y = &b->v[j];
            if (addr_cmp(&y->first, &cur) > 0) {
                struct ip_addr e = y->first;
                addr_dec(&e); /* y->first > cur: no wrap */
                if (set_push(out, &cur, &e))
                    return -2;
            }
            if (addr_cmp(&y->last, &x->last) >= 0) {
                done = 1; /* y may cover the next range of a too: keep j */
                break;
            }
            cur = y->last;
            addr_inc(&cur); /* y->last < x->last: no wrap */
            j++;
        }
        if (!done && set_push(out, &cur, &x->last))
            return -2;
    }
    return 0;
}

int addrset_copy(const struct addrset *a, struct addrset *out)
{
    addrset_clear(out);
    if (set_reserve(out, a->n))
        return -2;
    if (a->n)
        memcpy(out->v, a->v, a->n * sizeof *a->v);
    out->n = a->n;
    return 0;
}

int addrset_is_empty(const struct addrset *s)
{
    return s == NULL || s->n == 0;
}

int addrset_contains(const struct addrset *b, const struct addrset *a)
{
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++) {
        j = set_seek(b, j, &a->v[i].first);
        if (j >= b->n || addr_cmp(&b->v[j].first, &a->v[i].first) > 0 ||
            addr_cmp(&b->v[j].last, &a->v[i].last) < 0)
            return 0;
    }
    return 1;
}

int addrset_has_family(const struct addrset *s, int family)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].first.family == family)
            return 1;
    return 0;
}

int addrset_keep_families(const struct addrset *like, struct addrset *s)
{
    struct addrset families = {0}, kept = {0};
    int rc = 0;
    if (addrset_has_family(like, IP_V4))
        rc = addrset_add_prefix(&families, "0.0.0.0/0");
    if (rc == 0 && addrset_has_family(like, IP_V6))
        rc = addrset_add_prefix(&families, "::/0");
    if (rc == 0)
        rc = addrset_intersect(s, &families, &kept);
    addrset_free(&families);
    if (rc != 0) {
        addrset_free(&kept);
        return -2;
    }
    addrset_free(s);
    *s = kept;
    return 0;
}

uint64_t addrset_count_v4(const struct addrset *s)
{
    uint64_t total = 0;
    for (size_t i = 0; i < s->n && s->v[i].first.family == IP_V4; i++)
        total += (uint64_t)ip_v4_value(&s->v[i].last) - ip_v4_value(&s->v[i].first) + 1;
    return total;
}

/* max 0: no limit. The empty set is "". */
char *addrset_text(const struct addrset *s, size_t max)
{
    size_t cap = 64, len = 0, count = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n; i++) {
        struct prefix_iter it;
        struct ip_addr f, e;
        int plen;
        prefix_iter_init(&it, &s->v[i]);
        while (prefix_iter_next(&it, &f, &e, &plen)) {
            if (max > 0 && count == max) {
                if (len + 5 > cap) {
                    char *nb = realloc(buf, len + 5);
                    if (nb == NULL)
                        goto fail;
                    buf = nb;
                }
                memcpy(buf + len, ",...", 5);
                return buf;
            }
            /* ",", the address, "/128", the NUL */
            if (len + IP_TEXT_MAX + 6 > cap) {
                cap = 2 * cap + IP_TEXT_MAX + 6;
                char *nb = realloc(buf, cap);
                if (nb == NULL)
                    goto fail;
                buf = nb;
            }
            if (count > 0)
                buf[len++] = ',';
            len += prefix_format(&f, plen, buf + len);
            count++;
        }
    }
    return buf;
fail:
    free(buf);
    return NULL;
}

void addrset_clear(struct addrset *s)
{
    if (s)
        s->n = 0;
}

void addrset_free(struct addrset *s)
{
    if (s == NULL)
        return;
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* ------------------------------------------------------------------ */
/* names, resolved once per evaluation                                */

struct name_entry {
    const char *name;            /* the caller's string */
    int known;
    struct addrset set;
};

/* Entries are allocated one by one so that the sets they hand out stay put
 * while more names are resolved. */
struct name_cache {
    name_resolver resolve;
    void *ctx;
    struct name_entry **e;
    size_t n, cap;
};

static void cache_free(struct name_cache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        addrset_free(&c->e[i]->set);
        free(c->e[i]);
    }
    free(c->e);
    c->e = NULL;
    c->n = c->cap = 0;
}

/* The set of a name: 0 and *out, 1 when the resolver does not know it (or
 * there is no resolver), -2 when out of memory. */
static int cache_get(struct name_cache *c, const char *name, const struct addrset **out)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcasecmp(c->e[i]->name, name) == 0) {
            *out = &c->e[i]->set;
            return c->e[i]->known ? 0 : 1;
        }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        struct name_entry **e = realloc(c->e, cap * sizeof *e);
        if (e == NULL)
            return -2;
        c->e = e;
        c->cap = cap;
    }
    struct name_entry *ent = calloc(1, sizeof *ent);
    if (ent == NULL)
        return -2;
    ent->name = name;
    int rc = c->resolve ? c->resolve(c->ctx, name, &ent->set) : 1;
    if (rc < 0) {
        addrset_free(&ent->set);
        free(ent);
        return -2;
    }
    ent->known = rc == 0;
    if (!ent->known)
        addrset_clear(&ent->set);
    c->e[c->n++] = ent;
    *out = &ent->set;
    return ent->known ? 0 : 1;
}

/* One side of a rule (its local or its remote prefixes) as a set. */
struct side {
    int all;                     /* '*' or an empty list: every address */
    const struct addrset *set;   /* otherwise: own, or a cached name's set */
    struct addrset own;
    const char *unknown;         /* the first name the resolver did not know */
};

static int is_prefix_text(const char *e)
{
    struct ip_addr f, l;
    return ip_prefix_parse(e, strlen(e), &f, &l) == 0;
}

static int side_build(struct name_cache *c, const char *const *list, size_t n, struct side *sd)
{
    sd->all = 0;
    sd->set = &sd->own;
    sd->unknown = NULL;
    addrset_clear(&sd->own);
    size_t used = 0;
    const char *only = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *e = list[i];
        if (e == NULL || *e == '\0')
            continue;
        if (strcmp(e, "*") == 0) {
            sd->all = 1;
            return 0;
        }
        used++;
        only = e;
    }
    if (used == 0) {
        sd->all = 1;
        return 0;
    }
    if (used == 1 && !is_prefix_text(only)) {
        /* a single name: its cached set as it is, no copy */
        const struct addrset *s;
        int rc = cache_get(c, only, &s);
        if (rc < 0)
            return -2;
        if (rc == 0)
            sd->set = s;
        else
            sd->unknown = only;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const char *e = list[i];
        if (e == NULL || *e == '\0')
            continue;
        struct ip_addr f, l;
        if (ip_prefix_parse(e, strlen(e), &f, &l) == 0) {
            if (set_append_raw(&sd->own, &f, &l))
                return -2;
            continue;
        }
        const struct addrset *s;
        int rc = cache_get(c, e, &s);
        if (rc < 0)
            return -2;
        if (rc == 1) {
            if (sd->unknown == NULL)
                sd->unknown = e;
            continue;
        }
        if (s->n == 0)
            continue;
        if (set_reserve(&sd->own, sd->own.n + s->n))
            return -2;
        memcpy(sd->own.v + sd->own.n, s->v, s->n * sizeof *s->v);
        sd->own.n += s->n;
    }
    set_normalize(&sd->own);
    return 0;
}

/* ------------------------------------------------------------------ */
/* NSG rules                                                          */

int nsg_add_rule(struct nsg *g, const struct nsg_rule *r)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        struct nsg_rule *v = realloc(g->rules, cap * sizeof *v);
        if (v == NULL)
            return -2;
        g->rules = v;
        g->cap = cap;
    }
    g->rules[g->n++] = *r;
    return 0;
}

int nsg_add_default_rules(struct nsg *g)
{
    static const char *const vnet[] = {"VirtualNetwork"};
    static const char *const lb[] = {"AzureLoadBalancer"};
    static const char *const internet[] = {"Internet"};
    static const char *const any[] = {"*"};
    static const struct nsg_rule defaults[] = {
        {"AllowVnetInBound", 65000, NSG_INBOUND, 1, NSG_ANY, vnet, 1, vnet, 1, NULL, 0, NULL, 0, 1},
        {"AllowAzureLoadBalancerInBound", 65001, NSG_INBOUND, 1, NSG_ANY, lb, 1, any, 1, NULL, 0,
         NULL, 0, 1},
        {"DenyAllInBound", 65500, NSG_INBOUND, 0, NSG_ANY, any, 1, any, 1, NULL, 0, NULL, 0, 1},
        {"AllowVnetOutBound", 65000, NSG_OUTBOUND, 1, NSG_ANY, vnet, 1, vnet, 1, NULL, 0, NULL, 0,
         1},
        {"AllowInternetOutBound", 65001, NSG_OUTBOUND, 1, NSG_ANY, any, 1, internet, 1, NULL, 0,
         NULL, 0, 1},
        {"DenyAllOutBound", 65500, NSG_OUTBOUND, 0, NSG_ANY, any, 1, any, 1, NULL, 0, NULL, 0, 1},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (nsg_add_rule(g, &defaults[i]))
            return -2;
    return 0;
}

void nsg_free(struct nsg *g)
{
    if (g == NULL)
        return;
    free(g->rules);
    g->rules = NULL;
    g->n = g->cap = 0;
}

static int rule_order(const void *x, const void *y)
{
    const struct nsg_rule *a = *(const struct nsg_rule *const *)x;
    const struct nsg_rule *b = *(const struct nsg_rule *const *)y;
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    return a < b ? -1 : a > b; /* equal priorities (a bad config): as listed */
}

static int ports_cover(const struct port_range *r, size_t n, uint16_t port)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (r[i].first <= port && port <= r[i].last)
            return 1;
    return 0;
}

static int ports_all(const struct port_range *r, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (r[i].first == 0 && r[i].last == 65535)
            return 1;
    return 0;
}

/* The part of a rule that needs no addresses: protocol and ports. The
 * query's source port is unknown (any ephemeral port), so a rule that names
 * source ports other than '*' (or 0-65535) is taken NOT to match: it may
 * hold some of the traffic's connections and not others, and a verdict
 * cannot say which. Such rules are rare in practice. */
static int rule_matches_traffic(const struct nsg_rule *r, const struct flow_query *q)
{
    if (r->protocol != NSG_ANY && r->protocol != q->protocol)
        return 0;
    if (!ports_all(r->sports, r->nsports))
        return 0;
    return ports_cover(r->dports, r->ndports, q->port);
}

/* A part that no rule decided (an NSG without default rules, or no NSG at
 * all) counts as neither denied nor allowed. */
static void verdict_flags(struct nsg_verdict *v)
{
    v->denied = v->allowed = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->parts[i].rule == NULL)
            continue;
        if (v->parts[i].rule->allow)
            v->allowed = 1;
        else
            v->denied = 1;
    }
}

/* Moves *addrs (left empty) into the verdict as the part of rule; with
 * merge, into that rule's part when there is one already. */
static int verdict_take(struct nsg_verdict *v, const struct nsg_rule *rule, struct addrset *addrs,
                        int merge)
{
    if (merge)
        for (size_t i = 0; i < v->n; i++)
            if (v->parts[i].rule == rule) {
                struct addrset u = {0};
                if (addrset_union(&v->parts[i].addrs, addrs, &u)) {
                    addrset_free(&u);
                    return -2;
                }
                addrset_free(&v->parts[i].addrs);
                v->parts[i].addrs = u;
                addrset_free(addrs);
                return 0;
            }
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 8;
        struct nsg_part *p = realloc(v->parts, cap * sizeof *p);
        if (p == NULL)
            return -2;
        v->parts = p;
        v->cap = cap;
    }
    v->parts[v->n].rule = rule;
    v->parts[v->n].addrs = *addrs;
    memset(addrs, 0, sizeof *addrs);
    v->n++;
    return 0;
}

/* One NSG over the remote set `remote` (the query's or what an earlier NSG
 * let through). The verdict's flags are left to the caller. */
static int eval_one(const struct nsg *g, const struct flow_query *q, const struct addrset *remote,
                    struct name_cache *c, struct nsg_verdict *out)
{
    static const struct addrset empty = {0};
    const struct addrset *local = q->local ? q->local : &empty;
    const struct nsg_rule **order = NULL;
    size_t nr = 0;
    struct addrset undecided = {0}, part = {0}, rest = {0};
    struct side loc = {0}, rem = {0};
    int rc = -2;

    if (g && g->n) {
        order = malloc(g->n * sizeof *order);
        if (order == NULL)
            goto done;
        for (size_t i = 0; i < g->n; i++)
            if (g->rules[i].direction == q->direction)
                order[nr++] = &g->rules[i];
        qsort(order, nr, sizeof *order, rule_order);
    }
    if (remote && addrset_copy(remote, &undecided))
        goto done;
    for (size_t k = 0; k < nr && undecided.n > 0; k++) {
        const struct nsg_rule *r = order[k];
        if (!rule_matches_traffic(r, q))
            continue;
        int in = q->direction == NSG_INBOUND;
        if (side_build(c, in ? r->dst : r->src, in ? r->ndst : r->nsrc, &loc) ||
            side_build(c, in ? r->src : r->dst, in ? r->nsrc : r->ndst, &rem))
            goto done;
        if (!loc.all && !addrset_contains(loc.set, local)) {
            /* passed over; say why when it could have decided something */
            int could = rem.all || rem.unknown || set_overlaps(&undecided, rem.set);
            if (could) {
                if (loc.unknown) {
                    if (out->unknown_name == NULL)
                        out->unknown_name = loc.unknown;
                } else if (out->partial_local == NULL && set_overlaps(loc.set, local)) {
                    out->partial_local = r;
                }
            }
            continue;
        }
        if (rem.unknown && out->unknown_name == NULL)
            out->unknown_name = rem.unknown;
        if (rem.all) {
            set_swap(&part, &undecided);
            addrset_clear(&undecided);
        } else {
            if (addrset_intersect(&undecided, rem.set, &part))
                goto done;
            if (part.n == 0)
                continue;
            if (addrset_subtract(&undecided, rem.set, &rest))
                goto done;
            set_swap(&undecided, &rest);
        }
        if (verdict_take(out, r, &part, 0))
            goto done;
    }
    if (undecided.n > 0 && verdict_take(out, NULL, &undecided, 0))
        goto done;
    rc = 0;
done:
    free(order);
    addrset_free(&undecided);
    addrset_free(&part);
    addrset_free(&rest);
    addrset_free(&loc.own);
    addrset_free(&rem.own);
    return rc;
}

int nsg_evaluate(const struct nsg *g, const struct flow_query *q, name_resolver resolve,
                 void *ctx, struct nsg_verdict *out)
{
    struct name_cache c = {resolve, ctx, NULL, 0, 0};
    memset(out, 0, sizeof *out);
    int rc = eval_one(g, q, q->remote, &c, out);
    cache_free(&c);
    if (rc) {
        nsg_verdict_free(out);
        return rc;
    }
    verdict_flags(out);
    return 0;
}

/* A part that no rule of a (NULL) or an allowing rule let through. */
static int part_passes(const struct nsg_part *p)
{
    return p->rule == NULL || p->rule->allow;
}

int nsg_evaluate_pair(const struct nsg *subnet, const struct nsg *nic, const struct flow_query *q,
                      name_resolver resolve, void *ctx, struct nsg_verdict *out)
{
    int in = q->direction == NSG_INBOUND;
    const struct nsg *a = in ? subnet : nic, *b = in ? nic : subnet;
    struct name_cache c = {resolve, ctx, NULL, 0, 0};
    struct nsg_verdict va = {0}, vb = {0};
    struct addrset passed = {0}, piece = {0};
    int rc = -2;

    memset(out, 0, sizeof *out);
    if (a == NULL || b == NULL) {
        /* one NSG (or none: a single part that no rule decided) */
        rc = eval_one(a ? a : b, q, q->remote, &c, out);
        goto done;
    }
    /* the first NSG over everything, the second over what the first lets
     * through */
    if (eval_one(a, q, q->remote, &c, &va))
        goto done;
    for (size_t i = 0; i < va.n; i++)
        if (part_passes(&va.parts[i]) && va.parts[i].addrs.n > 0) {
            const struct addrset *s = &va.parts[i].addrs;
            if (set_reserve(&passed, passed.n + s->n))
                goto done;
            memcpy(passed.v + passed.n, s->v, s->n * sizeof *s->v);
            passed.n += s->n;
        }
    set_normalize(&passed);
    if (eval_one(b, q, &passed, &c, &vb))
        goto done;
    /* the first NSG's denials, then the second's verdict on the rest: its
     * rule decides (it denies, or it is the later allowing rule) unless it
     * has none, and then the first's rule does */
    for (size_t i = 0; i < va.n; i++)
        if (!part_passes(&va.parts[i]) &&
            verdict_take(out, va.parts[i].rule, &va.parts[i].addrs, 1))
            goto done;
    for (size_t i = 0; i < vb.n; i++) {
        if (vb.parts[i].rule) {
            if (verdict_take(out, vb.parts[i].rule, &vb.parts[i].addrs, 1))
                goto done;
            continue;
        }
        for (size_t k = 0; k < va.n; k++) {
            if (!part_passes(&va.parts[k]))
                continue;
            if (addrset_intersect(&vb.parts[i].addrs, &va.parts[k].addrs, &piece))
                goto done;
            if (piece.n && verdict_take(out, va.parts[k].rule, &piece, 1))
                goto done;
        }
    }
    out->unknown_name = va.unknown_name ? va.unknown_name : vb.unknown_name;
    out->partial_local = va.partial_local ? va.partial_local : vb.partial_local;
    rc = 0;
done:
    nsg_verdict_free(&va);
    nsg_verdict_free(&vb);
    addrset_free(&passed);
    addrset_free(&piece);
    cache_free(&c);
    if (rc) {
        nsg_verdict_free(out);
        return rc;
    }
    verdict_flags(out);
    return 0;
}

void nsg_verdict_free(struct nsg_verdict *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++)
        addrset_free(&v->parts[i].addrs);
    free(v->parts);
    memset(v, 0, sizeof *v);
}

int nsg_free_priority(const struct nsg *g, int direction, int before)
{
    unsigned char used[4097] = {0};
    for (size_t i = 0; g && i < g->n; i++) {
        const struct nsg_rule *r = &g->rules[i];
        if (r->direction == direction && r->priority >= 100 && r->priority <= 4096)
            used[r->priority] = 1;
    }
    if (before <= 100)
        return -1; /* (and no before - 1 to overflow) */
    int p = before > 4096 ? 4096 : before - 1;
    for (; p >= 100; p--)
        if (!used[p])
            return p;
    return -1;
}

/* A decimal number of at most 5 digits from s[*i]; -1 when there is none. */
static long parse_number(const char *s, size_t n, size_t *i)
{
    size_t start = *i;
    long v = 0;
    while (*i < n && isdigit((unsigned char)s[*i]) && *i - start < 6)
        v = v * 10 + (s[(*i)++] - '0');
    return *i == start || *i - start > 5 ? -1 : v;
}

int port_range_parse(const char *text, struct port_range *r)
{
    if (text == NULL)
        return -1;
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)*text)) {
        text++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)text[n - 1]))
        n--;
    if (n == 1 && text[0] == '*') {
        r->first = 0;
        r->last = 65535;
        return 0;
    }
    size_t i = 0;
    long a = parse_number(text, n, &i), b = a;
    if (a < 0 || a > 65535)
        return -1;
    if (i < n && text[i] == '-') {
        i++;
        b = parse_number(text, n, &i);
        if (b < 0 || b > 65535 || b < a)
            return -1;
    }
    if (i != n)
        return -1;
    r->first = (uint16_t)a;
    r->last = (uint16_t)b;
    return 0;
}

int nsg_protocol_parse(const char *text)
{
    static const struct {
        const char *name;
        int proto;
    } names[] = {
        {"*", NSG_ANY}, {"Any", NSG_ANY}, {"Tcp", NSG_TCP}, {"Udp", NSG_UDP},
        {"Icmp", NSG_ICMP}, {"Esp", NSG_ESP}, {"Ah", NSG_AH},
    };
    if (text == NULL)
        return -2;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(text, names[i].name) == 0)
            return names[i].proto;
    size_t n = strlen(text), i = 0;
    long v = parse_number(text, n, &i);
    if (v < 0 || v > 255 || i != n)
        return -2;
    return (int)v;
}

/* ------------------------------------------------------------------ */
/* routes                                                             */

static const struct {
    const char *name;
    int hop;
} hop_names[] = {
    {"Internet", HOP_INTERNET},
    {"VirtualAppliance", HOP_VIRTUAL_APPLIANCE},
    {"VirtualNetworkGateway", HOP_VNET_GATEWAY},
    {"VnetLocal", HOP_VNET_LOCAL},
    {"VNetPeering", HOP_VNET_PEERING},
    {"None", HOP_NONE},
};

int next_hop_parse(const char *text)
{
    if (text == NULL)
        return HOP_UNKNOWN;
    for (size_t i = 0; i < sizeof hop_names / sizeof hop_names[0]; i++)
        if (strcasecmp(text, hop_names[i].name) == 0)
            return hop_names[i].hop;
    /* what effective route tables print for the same hops */
    if (strcasecmp(text, "VNetGlobalPeering") == 0)
        return HOP_VNET_PEERING;
    if (strcasecmp(text, "VirtualNetwork") == 0)
        return HOP_VNET_LOCAL;
    return HOP_UNKNOWN;
}

const char *next_hop_name(int hop)
{
    for (size_t i = 0; i < sizeof hop_names / sizeof hop_names[0]; i++)
        if (hop_names[i].hop == hop)
            return hop_names[i].name;
    return "Unknown";
}

/* Appends a system route (the prefix text is copied). */
static int route_push(struct route **v, size_t *n, size_t *cap, const char *prefix, int hop)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        struct route *p = realloc(*v, c * sizeof *p);
        if (p == NULL)
            return -2;
        *v = p;
        *cap = c;
    }
    char *text = strdup(prefix);
    if (text == NULL)
        return -2;
    (*v)[*n] = (struct route){"Default", text, hop, NULL, ROUTE_SYSTEM};
    (*n)++;
    return 0;
}

/* Appends a system route for each prefix of s. */
static int route_push_set(struct route **v, size_t *n, size_t *cap, const struct addrset *s,
                          int hop)
{
    for (size_t i = 0; s && i < s->n; i++) {
        struct prefix_iter it;
        struct ip_addr f, e;
        int len;
        prefix_iter_init(&it, &s->v[i]);
        while (prefix_iter_next(&it, &f, &e, &len)) {
            char text[IP_TEXT_MAX + 4];
            prefix_format(&f, len, text);
            if (route_push(v, n, cap, text, hop))
                return -2;
        }
    }
    return 0;
}

static int has_v6(const struct addrset *s)
{
    return s && s->n > 0 && s->v[s->n - 1].first.family == IP_V6;
}

/* The routes are named "Default" (what effective route tables call their
 * source). ::/0 goes to Internet when the VNet or a peering has IPv6 space.
 * A VNet prefix equal to a reserved range ties with it: the VNet's route
 * comes first in the list and wins the tie in route_select. */
int routes_system(const struct addrset *vnet_space, const struct addrset *peered,
                  struct route **routes, size_t *n)
{
    static const char *const reserved[] = {
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
    };
    static const struct addrset empty = {0};
    struct route *v = NULL;
    size_t nv = 0, cap = 0;
    struct addrset used = {0}, r = {0};

    *routes = NULL;
    *n = 0;
    if (vnet_space == NULL)
        vnet_space = &empty;
    if (peered == NULL)
        peered = &empty;
    if (route_push_set(&v, &nv, &cap, vnet_space, HOP_VNET_LOCAL) ||
        route_push_set(&v, &nv, &cap, peered, HOP_VNET_PEERING) ||
        route_push(&v, &nv, &cap, "0.0.0.0/0", HOP_INTERNET))
        goto fail;
    if ((has_v6(vnet_space) || has_v6(peered)) && route_push(&v, &nv, &cap, "::/0", HOP_INTERNET))
        goto fail;
    if (addrset_union(vnet_space, peered, &used))
        goto fail;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        addrset_clear(&r);
        if (addrset_add_prefix(&r, reserved[i]))
            goto fail;
        /* a range the VNet uses in part keeps its None route: the VNet's
         * longer prefixes win over it where it is used */
        if (!addrset_contains(&used, &r) && route_push(&v, &nv, &cap, reserved[i], HOP_NONE))
            goto fail;
    }
    addrset_free(&used);
    addrset_free(&r);
    *routes = v;
    *n = nv;
    return 0;
fail:
    addrset_free(&used);
    addrset_free(&r);
    routes_free(v, nv);
    return -2;
}

void routes_free(struct route *routes, size_t n)
{
    if (routes == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free((char *)routes[i].prefix);
    free(routes);
}

/* One prefix of one route. */
struct route_item {
    struct ip_addr first, last;
    int len, rank;               /* rank: user 0, BGP 1, system 2 */
    size_t route;
};

/* By address, outer prefixes before the prefixes they hold, and among equal
 * prefixes the winner first (user, BGP, system, then as listed). */
static int item_order(const void *x, const void *y)
{
    const struct route_item *a = x, *b = y;
    int c = addr_cmp(&a->first, &b->first);
    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->route < b->route ? -1 : a->route > b->route;
}

static int source_rank(int source)
{
    return source == ROUTE_USER ? 0 : source == ROUTE_BGP ? 1 : 2;
}

/* A stretch of addresses and the route that carries it. */
struct route_seg {
    struct ip_addr first, last;
    size_t route;
};

struct seg_list {
    struct route_seg *v;
    size_t n, cap;
};

static int seg_push(struct seg_list *s, const struct ip_addr *f, const struct ip_addr *l,
                    size_t route)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        struct route_seg *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return -2;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (struct route_seg){*f, *l, route};
    return 0;
}

/* Adds a piece of dst to the part of route (SIZE_MAX: no route); the
 * pieces come in address order. part_of maps routes to parts. */
static int route_piece(struct route_verdict *out, const struct route *routes, size_t *part_of,
                       size_t nroutes, size_t route, const struct ip_addr *f,
                       const struct ip_addr *l)
{
    size_t slot = route == SIZE_MAX ? nroutes : route;
    if (part_of[slot] == SIZE_MAX) {
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 8;
            struct route_part *p = realloc(out->parts, cap * sizeof *p);
            if (p == NULL)
                return -2;
            out->parts = p;
            out->cap = cap;
        }
        out->parts[out->n].route = route == SIZE_MAX ? NULL : &routes[route];
        memset(&out->parts[out->n].addrs, 0, sizeof out->parts[out->n].addrs);
        part_of[slot] = out->n++;
    }
    return set_push(&out->parts[part_of[slot]].addrs, f, l);
}

/* Parts come in the order of their first addresses. A tag's set comes from
 * the resolver merged, so adjacent prefixes of the tag count as one shorter
 * prefix (the resolver interface cannot tell them apart). */
int route_select(const struct route *routes, size_t n, int disable_bgp,
                 const struct addrset *dst, name_resolver resolve, void *ctx,
                 struct route_verdict *out)
{
    struct name_cache c = {resolve, ctx, NULL, 0, 0};
    struct route_item *items = NULL;
    size_t ni = 0, capi = 0;
    struct seg_list segs = {0};
    size_t *part_of = NULL;
    int rc = -2;

    memset(out, 0, sizeof *out);
    /* every route as prefixes */
    for (size_t i = 0; i < n; i++) {
        const struct route *rt = &routes[i];
        if (disable_bgp && rt->source == ROUTE_BGP)
            continue;
        if (rt->prefix == NULL || rt->prefix[0] == '\0')
            continue;
        /* a CIDR is one prefix; anything else is a name ('*' is none: it
         * is not a route prefix, and the resolver never sees it) */
        struct addr_range r1;
        struct addrset one = {&r1, 1, 1};
        const struct addrset *s = &one;
        if (ip_prefix_parse(rt->prefix, strlen(rt->prefix), &r1.first, &r1.last) != 0) {
            int k = strcmp(rt->prefix, "*") == 0 ? 1 : cache_get(&c, rt->prefix, &s);
            if (k < 0)
                goto done;
            if (k == 1) {
                if (out->unknown_name == NULL)
                    out->unknown_name = rt->prefix;
                continue;
            }
        }
        for (size_t k = 0; k < s->n; k++) {
            struct prefix_iter it;
            struct route_item item = {.rank = source_rank(rt->source), .route = i};
            prefix_iter_init(&it, &s->v[k]);
            while (prefix_iter_next(&it, &item.first, &item.last, &item.len)) {
                if (ni == capi) {
                    size_t cap = capi ? 2 * capi : 64;
                    struct route_item *v = realloc(items, cap * sizeof *v);
                    if (v == NULL)
                        goto done;
                    items = v;
                    capi = cap;
                }
                items[ni++] = item;
            }
        }
    }
    if (ni > 1)
        qsort(items, ni, sizeof *items, item_order);

    /* one sweep: the stretches of address space and the longest (then
     * best) prefix that covers each; prefixes nest or are disjoint, so the
     * open ones form a stack at most 129 deep */
    {
        const struct route_item *stack[130];
        int sp = 0, cur_ok = 0;
        struct ip_addr cur;
        memset(&cur, 0, sizeof cur);
        for (size_t k = 0; k <= ni; k++) {
            const struct route_item *it = k < ni ? &items[k] : NULL;
            if (it && k > 0 && addr_cmp(&it->first, &items[k - 1].first) == 0 &&
                it->len == items[k - 1].len)
                continue; /* the same prefix again: the first one won */
            while (sp > 0 && (it == NULL || addr_cmp(&stack[sp - 1]->last, &it->first) < 0)) {
                const struct route_item *top = stack[--sp];
                if (cur_ok && addr_cmp(&cur, &top->last) <= 0 &&
                    seg_push(&segs, &cur, &top->last, top->route))
                    goto done;
                cur = top->last;
                cur_ok = !addr_inc(&cur);
            }
            if (it == NULL)
                break;
            if (sp > 0 && cur_ok && addr_cmp(&cur, &it->first) < 0) {
                struct ip_addr e = it->first;
                addr_dec(&e);
                if (seg_push(&segs, &cur, &e, stack[sp - 1]->route))
                    goto done;
            }
            cur = it->first;
            cur_ok = 1;
            if (sp == (int)(sizeof stack / sizeof stack[0]))
                goto done; /* cannot happen: nesting is at most 129 deep */
            stack[sp++] = it;
        }
    }

    /* dst through the stretches */
    part_of = malloc((n + 1) * sizeof *part_of);
    if (part_of == NULL)
        goto done;
    for (size_t i = 0; i <= n; i++)
        part_of[i] = SIZE_MAX;
    size_t j = 0;
    for (size_t i = 0; dst && i < dst->n; i++) {
        const struct addr_range *x = &dst->v[i];
        struct ip_addr cur = x->first;
        int finished = 0;
        while (j < segs.n && addr_cmp(&segs.v[j].last, &x->first) < 0)
            j++;
        while (j < segs.n && addr_cmp(&segs.v[j].first, &x->last) <= 0) {
            const struct route_seg *y = &segs.v[j];
            if (addr_cmp(&y->first, &cur) > 0) {
                struct ip_addr e = y->first;
                addr_dec(&e);
                if (route_piece(out, routes, part_of, n, SIZE_MAX, &cur, &e))
                    goto done;
                cur = y->first;
            }
            const struct ip_addr *l = addr_cmp(&y->last, &x->last) < 0 ? &y->last : &x->last;
            if (route_piece(out, routes, part_of, n, y->route, &cur, l))
                goto done;
            if (addr_cmp(&y->last, &x->last) >= 0) {
                finished = 1;
                break;
            }
            cur = y->last;
            addr_inc(&cur);
            j++;
        }
        if (!finished && route_piece(out, routes, part_of, n, SIZE_MAX, &cur, &x->last))
            goto done;
    }
    rc = 0;
done:
    free(items);
    free(segs.v);
    free(part_of);
    cache_free(&c);
    if (rc)
        route_verdict_free(out);
    return rc;
}

void route_verdict_free(struct route_verdict *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++)
        addrset_free(&v->parts[i].addrs);
    free(v->parts);
    memset(v, 0, sizeof *v);
}
