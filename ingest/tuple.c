/* tuple.c: the flow-tuple parser (see tuple.h). Fields are split by hand,
 * because empty fields matter (`B,,,,`), and every field is checked: a bad
 * tuple is reported with the field's number, name and value. */
#include "tuple.h"

#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 13

struct field {
    const char *p;
    size_t n;
};

static const char *const field_names[MAX_FIELDS] = {
    "timestamp", "source IP", "destination IP", "source port",
    "destination port", "protocol", "direction", "decision",
    "flow state", "packets src->dst", "bytes src->dst", "packets dst->src",
    "bytes dst->src",
};

static const char *const vnet_field_names[MAX_FIELDS] = {
    "timestamp", "source IP", "destination IP", "source port",
    "destination port", "protocol", "direction", "flow state",
    "encryption", "packets src->dst", "bytes src->dst", "packets dst->src",
    "bytes dst->src",
};

const char *flow_format_name(enum flow_format f)
{
    switch (f) {
    case FORMAT_NSG_V1: return "nsg-v1";
    case FORMAT_NSG_V2: return "nsg-v2";
    case FORMAT_VNET_V4: return "vnet-v4";
    default: return "unknown";
    }
}

/* Splits s into at most MAX_FIELDS fields; returns the total field count
 * (which may exceed MAX_FIELDS: only the first ones are stored). */
static int split_fields(const char *s, size_t n, struct field f[MAX_FIELDS])
{
    int count = 0;
    const char *start = s, *end = s + n;
    for (const char *p = s;; p++) {
        if (p == end || *p == ',') {
            if (count < MAX_FIELDS) {
                f[count].p = start;
                f[count].n = (size_t)(p - start);
            }
            count++;
            if (p == end)
                return count;
            start = p + 1;
        }
    }
}

/* Writes "field N (name): MESSAGE 'value'" into why. */
static int bad_field(char *why, int index, const char *const *names,
                     const struct field *f, const char *message)
{
    char value[41];
    size_t n = f->n < 40 ? f->n : 40;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)f->p[i];
        value[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    value[n] = '\0';
    snprintf(why, TUPLE_WHY_MAX, "field %d (%s): %s '%s'%s", index + 1,
             names[index], message, value, f->n > 40 ? "..." : "");
    return -1;
}

/* Unsigned decimal; -1 if empty, not all digits, or above max. */
static int parse_uint(const struct field *f, uint64_t max, uint64_t *out)
{
    if (f->n == 0 || f->n > 19)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < f->n; i++) {
        unsigned d = (unsigned)(f->p[i] - '0');
        if (d > 9)
            return -1;
        v = v * 10 + d;
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int is_one_char(const struct field *f, char c)
{
    return f->n == 1 && f->p[0] == c;
}

static int parse_protocol(const struct field *f, uint8_t *out)
{
    if (is_one_char(f, 'T')) {
        *out = 6;
        return 0;
    }
    if (is_one_char(f, 'U')) {
        *out = 17;
        return 0;
    }
    uint64_t v;
    if (parse_uint(f, 255, &v) != 0)
        return -1;
    *out = (uint8_t)v;
    return 0;
}

enum flow_format tuple_guess_format(const char *s, size_t n)
{
    struct field f[MAX_FIELDS];
    int count = split_fields(s, n, f);
    if (count == 8)
        return FORMAT_NSG_V1;
    if (count != 13)
        return FORMAT_UNKNOWN;
    if (is_one_char(&f[5], 'T') || is_one_char(&f[5], 'U'))
        return FORMAT_NSG_V2;
    return FORMAT_VNET_V4;
}

int tuple_parse(const char *s, size_t n, enum flow_format format,
                struct flow_tuple *t, char *why)
{
    struct field f[MAX_FIELDS];
    int count = split_fields(s, n, f);
    if (format == FORMAT_UNKNOWN)
        format = tuple_guess_format(s, n);
    int expected = format == FORMAT_NSG_V1 ? 8 : 13;
    if (count != expected) {
        if (format == FORMAT_UNKNOWN)
            snprintf(why, TUPLE_WHY_MAX,
                     "expected 8 or 13 fields, got %d", count);
        else
            snprintf(why, TUPLE_WHY_MAX, "expected %d fields, got %d",
                     expected, count);
        return -1;
    }
    const char *const *names =
        format == FORMAT_VNET_V4 ? vnet_field_names : field_names;
    uint64_t v;

    /* 1: timestamp, seconds or milliseconds; which one, its size says, and
     * a time that is neither (253402300799: seconds of the year 9999, or
     * milliseconds of 1978?) is broken, not guessed */
    if (parse_uint(&f[0], 9999999999999ull, &v) != 0)
        return bad_field(why, 0, names, &f[0], "not a Unix time");
    if (v >= TUPLE_TIME_FIRST && v < TUPLE_TIME_END) {
        t->ts = (int64_t)v;
        t->ms = -1;
    } else if (v >= TUPLE_TIME_FIRST * 1000 && v < TUPLE_TIME_END * 1000) {
        t->ts = (int64_t)(v / 1000);
        t->ms = (int32_t)(v % 1000);
    } else {
        return bad_field(why, 0, names, &f[0],
                         "not a Unix time of the years 2000-2099 in seconds or milliseconds");
    }
    /* 2-3: addresses */
    if (ip_parse(f[1].p, f[1].n, &t->src) != 0)
        return bad_field(why, 1, names, &f[1], "not an IP address");
    if (ip_parse(f[2].p, f[2].n, &t->dst) != 0)
        return bad_field(why, 2, names, &f[2], "not an IP address");
    /* 4-5: ports */
    if (parse_uint(&f[3], 65535, &v) != 0)
        return bad_field(why, 3, names, &f[3], "not a port 0..65535");
    t->src_port = (uint16_t)v;
    if (parse_uint(&f[4], 65535, &v) != 0)
        return bad_field(why, 4, names, &f[4], "not a port 0..65535");
    t->dst_port = (uint16_t)v;
    /* 6: protocol, T/U in NSG logs, an IANA number in VNet logs */
    if (parse_protocol(&f[5], &t->protocol) != 0)
        return bad_field(why, 5, names, &f[5], "not a protocol (T, U or 0..255)");
    /* 7: direction */
    if (is_one_char(&f[6], 'I'))
        t->direction = DIRECTION_INBOUND;
    else if (is_one_char(&f[6], 'O'))
        t->direction = DIRECTION_OUTBOUND;
    else
        return bad_field(why, 6, names, &f[6], "not a direction (I or O)");

    t->state = 0;
    t->encryption = NULL;
    t->encryption_len = 0;
    int first_counter;
    if (format == FORMAT_VNET_V4) {
        /* 8: state B/C/E/D, where D means denied; 9: encryption */
        const struct field *st = &f[7];
        if (st->n != 1 || st->p[0] == '\0' || !strchr("BCED", st->p[0]))
            return bad_field(why, 7, names, st, "not a flow state (B, C, E or D)");
        t->state = st->p[0];
        t->action = t->state == 'D' ? ACTION_DENY : ACTION_ALLOW;
        const struct field *enc = &f[8];
        if (enc->n == 0 || enc->n > TUPLE_ENCRYPTION_MAX)
            return bad_field(why, 8, names, enc, "not an encryption status");
        for (size_t i = 0; i < enc->n; i++) {
            char c = enc->p[i];
            if (!((c >= 'A' && c <= 'Z') || c == '_'))
                return bad_field(why, 8, names, enc, "not an encryption status");
        }
        t->encryption = enc->p;
        t->encryption_len = (uint8_t)enc->n;
        first_counter = 9;
    } else {
        /* 8: decision; 9 (v2): state B/C/E */
        if (is_one_char(&f[7], 'A'))
            t->action = ACTION_ALLOW;
        else if (is_one_char(&f[7], 'D'))
            t->action = ACTION_DENY;
        else
            return bad_field(why, 7, names, &f[7], "not a decision (A or D)");
        if (format == FORMAT_NSG_V1) {
            t->has_counters = 0;
            return 0;
        }
        const struct field *st = &f[8];
        if (st->n != 1 || st->p[0] == '\0' || !strchr("BCE", st->p[0]))
            return bad_field(why, 8, names, st, "not a flow state (B, C or E)");
        t->state = st->p[0];
        first_counter = 9;
    }
    /* 10-13: counters, all four present or all four empty */
    int empty = 0;
    for (int i = first_counter; i < 13; i++)
        empty += f[i].n == 0;
    if (empty == 4) {
        t->has_counters = 0;
        memset(t->counters, 0, sizeof t->counters);
        return 0;
    }
    for (int i = first_counter; i < 13; i++) {
        if (parse_uint(&f[i], INT64_MAX, &v) != 0)
            return bad_field(why, i, names, &f[i],
                             f[i].n == 0 ? "empty while other counters are set"
                                         : "not a counter");
        t->counters[i - first_counter] = (int64_t)v;
    }
    t->has_counters = 1;
    return 0;
}
