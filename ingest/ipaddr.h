/* ipaddr.h: IPv4 and IPv6 addresses as flow logs carry them.
 *
 * Parsing is by hand for IPv4 (the hot path: millions of tuples) and through
 * inet_pton for IPv6. Addresses are kept as 16 bytes plus a family so both
 * kinds round-trip losslessly; ip_format() writes the canonical text form
 * (dotted quad, or RFC 5952 for IPv6), which is what the database stores. */
#ifndef NSGFLOW_IPADDR_H
#define NSGFLOW_IPADDR_H

#include <stddef.h>
#include <stdint.h>

enum { IP_V4 = 4, IP_V6 = 6 };

/* Longest canonical text form, with its NUL (INET6_ADDRSTRLEN). */
#define IP_TEXT_MAX 46

struct ip_addr {
    uint8_t family;  /* IP_V4 or IP_V6 */
    uint8_t b[16];   /* network order; IPv4 uses b[0..3], the rest is 0 */
};

/* Parses the n bytes at s (no NUL needed) as an IPv4 or IPv6 address.
 * Returns 0 and fills *out, or -1 when the text is not an address. */
int ip_parse(const char *s, size_t n, struct ip_addr *out);

/* Parses "10.1.0.0/16" or "2603:1000::/40" (a bare address is a /32 or
 * /128) into the first and last address of the range. Returns 0 or -1. */
int ip_prefix_parse(const char *s, size_t n, struct ip_addr *first,
                    struct ip_addr *last);

/* Orders addresses by value, IPv4 before IPv6 (a qsort comparator of
 * struct ip_addr). */
int ip_compare(const void *a, const void *b);

/* 1 when first <= a <= last, in one family. */
int ip_in_range(const struct ip_addr *a, const struct ip_addr *first,
                const struct ip_addr *last);

/* Writes the canonical text of *a into buf (at least IP_TEXT_MAX bytes).
 * Returns the length written, without the NUL. */
size_t ip_format(const struct ip_addr *a, char *buf);

/* The IPv4 address as a host-order integer (a->family must be IP_V4). */
uint32_t ip_v4_value(const struct ip_addr *a);

/* A well-mixed 64-bit hash of the address, for in-memory caches. */
uint64_t ip_hash(const struct ip_addr *a);

#endif
