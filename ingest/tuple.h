/* tuple.h: one flow tuple, the comma-separated string at the heart of every
 * flow log, parsed into numbers in one pass with no allocation.
 *
 * NSG flow logs Version 1 have 8 fields, Version 2 have 13 (counters empty on
 * B tuples); VNet flow logs (flowLogVersion 4) have 13 with an IANA protocol
 * number, a state that doubles as the decision (D = denied) and an encryption
 * field. formats.md in the project's reference material lists the corners. */
#ifndef NSGFLOW_TUPLE_H
#define NSGFLOW_TUPLE_H

#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"

/* Stored as these numbers in the database (flow_group.format). */
enum flow_format {
    FORMAT_UNKNOWN = 0,
    FORMAT_NSG_V1 = 1,
    FORMAT_NSG_V2 = 2,
    FORMAT_VNET_V4 = 4,
};

enum { DIRECTION_INBOUND = 0, DIRECTION_OUTBOUND = 1 };
enum { ACTION_ALLOW = 0, ACTION_DENY = 1 };

/* Longest accepted VNet encryption value (e.g. NX_HW_NOT_SUPPORTED). */
#define TUPLE_ENCRYPTION_MAX 40

/* The times a tuple may carry: 2000-01-01 up to 2100-01-01 (Unix seconds),
 * in seconds (10 digits) or milliseconds (13 digits). */
#define TUPLE_TIME_FIRST 946684800ull
#define TUPLE_TIME_END 4102444800ull

/* Room for a parse error message (tuple_parse's why). */
#define TUPLE_WHY_MAX 160

struct flow_tuple {
    int64_t ts;            /* Unix seconds */
    int32_t ms;            /* milliseconds 0..999, or -1 when the log gave seconds */
    struct ip_addr src, dst;
    uint16_t src_port, dst_port;
    uint8_t protocol;      /* IANA number: 6 TCP, 17 UDP, ... */
    uint8_t direction;     /* DIRECTION_* */
    uint8_t action;        /* ACTION_* */
    char state;            /* 'B' 'C' 'E' 'D', or 0 when the format has none */
    const char *encryption;/* VNet only: points into the parsed text, not NUL-terminated */
    uint8_t encryption_len;/* 0 when the format has none */
    uint8_t has_counters;  /* 0: counters absent (v1, or empty fields) */
    int64_t counters[4];   /* packets src->dst, bytes src->dst, packets dst->src, bytes dst->src */
};

/* Parses the n bytes at s as a tuple of the given format (FORMAT_UNKNOWN:
 * guess from the tuple's shape). Returns 0 on success; on failure returns -1
 * and writes a one-line reason into why (TUPLE_WHY_MAX bytes), such as
 * "expected 13 fields, got 9". t->encryption points into s. */
int tuple_parse(const char *s, size_t n, enum flow_format format,
                struct flow_tuple *t, char *why);

/* The format a tuple's text looks like, from its field count and protocol
 * field, or FORMAT_UNKNOWN. */
enum flow_format tuple_guess_format(const char *s, size_t n);

/* "nsg-v1", "nsg-v2", "vnet-v4" or "unknown". */
const char *flow_format_name(enum flow_format f);

#endif
