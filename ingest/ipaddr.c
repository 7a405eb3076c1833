/* ipaddr.c: parse and print IPv4/IPv6 addresses (see ipaddr.h). */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

static int parse_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return -1;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255)
            return -1;
        out[part] = (uint8_t)v;
    }
    return i == n ? 0 : -1;
}

int ip_parse(const char *s, size_t n, struct ip_addr *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return -1;
    if (memchr(s, ':', n) == NULL) {
        if (parse_v4(s, n, out->b) != 0)
            return -1;
        out->family = IP_V4;
        return 0;
    }
    char tmp[IP_TEXT_MAX];
    if (n >= sizeof tmp || memchr(s, '\0', n))
        return -1; /* inet_pton would stop at the NUL */
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (inet_pton(AF_INET6, tmp, out->b) != 1)
        return -1;
    out->family = IP_V6;
    return 0;
}

size_t ip_format(const struct ip_addr *a, char *buf)
{
    if (a->family == IP_V4) {
        char *p = buf;
        for (int i = 0; i < 4; i++) {
            unsigned v = a->b[i];
            if (i)
                *p++ = '.';
            if (v >= 100)
                *p++ = (char)('0' + v / 100);
            if (v >= 10)
                *p++ = (char)('0' + v / 10 % 10);
            *p++ = (char)('0' + v % 10);
        }
        *p = '\0';
        return (size_t)(p - buf);
    }
    if (inet_ntop(AF_INET6, a->b, buf, IP_TEXT_MAX) == NULL) {
        buf[0] = '\0';
        return 0;
    }
    return strlen(buf);
}

uint32_t ip_v4_value(const struct ip_addr *a)
{
    return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
           (uint32_t)a->b[2] << 8 | a->b[3];
}

uint64_t ip_hash(const struct ip_addr *a)
{
    uint64_t lo, hi;
    memcpy(&lo, a->b, 8);
    memcpy(&hi, a->b + 8, 8);
    uint64_t h = lo * 0x9E3779B97F4A7C15ull ^ (hi + a->family) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 31;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 29;
    return h;
}

int ip_prefix_parse(const char *s, size_t n, struct ip_addr *first,
                    struct ip_addr *last)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    struct ip_addr a;
    if (ip_parse(s, alen, &a) != 0)
        return -1;
    int bits = a.family == IP_V4 ? 32 : 128, len = bits;
    if (slash) {
        len = 0;
        const char *p = slash + 1, *end = s + n;
        if (p == end || end - p > 3)
            return -1;
        for (; p < end; p++) {
            if (!isdigit((unsigned char)*p))
                return -1;
            len = len * 10 + (*p - '0');
        }
        if (len > bits)
            return -1;
    }
    *first = a;
    *last = a;
    for (int i = 0; i < bits / 8; i++) {
        int keep = len - 8 * i; /* bits of this byte inside the prefix */
        uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
        first->b[i] = a.b[i] & mask;
        last->b[i] = (uint8_t)(a.b[i] | (uint8_t)~mask);
    }
    return 0;
}

int ip_in_range(const struct ip_addr *a, const struct ip_addr *first,
                const struct ip_addr *last)
{
    return a->family == first->family && memcmp(a->b, first->b, 16) >= 0 &&
           memcmp(a->b, last->b, 16) <= 0;
}

int ip_compare(const void *a, const void *b)
{
    const struct ip_addr *x = a, *y = b;
    return x->family != y->family ? x->family - y->family : memcmp(x->b, y->b, 16);
}
