/* fuzz_flowlog.c: fuzzes the whole JSON-to-rows path without SQLite: the
 * streaming reader (ingest/flowlog.c over yajl) and the tuple parser. The
 * first input byte chooses how the rest is cut into chunks for flowlog_feed
 * (fixed or varying sizes, each chunk in its own exact-size heap block so
 * that ASan sees any read past it, and whether the callback stops the parse);
 * the record callback checks every record and parses every tuple. The same
 * text is also fed whole, and both runs must see the same records and end
 * the same way. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "ingest/flowlog.h"

struct seen {
    flowlog *p;
    uint64_t digest;     /* of everything the callback saw */
    long chunks, tuples, parsed;
    long last_index;     /* index of the last final chunk, 0 before */
    unsigned next_chunk; /* expected chunk number of the next callback */
    long stop_after;     /* stop the parse at this callback (0: never) */
    int stopped;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return (h ^ n) * 0x100000001b3ull;
}

static uint64_t mix_str(uint64_t h, const char *s, const char *what)
{
    fuzz_check_message_any(s, what);
    return mix(h, s, strlen(s) + 1);
}

static int on_record(void *ctx, const struct fl_record *r)
{
    struct seen *s = ctx;
    s->chunks++;
    FUZZ_CHECK(r->chunk == s->next_chunk, "chunk %u, expected %u", r->chunk,
               s->next_chunk);
    FUZZ_CHECK(r->final == 0 || r->final == 1, "final %d", r->final);
    FUZZ_CHECK(r->index == s->last_index + 1, "record index %ld after %ld",
               r->index, s->last_index);
    FUZZ_CHECK(r->format == FORMAT_UNKNOWN || r->format == FORMAT_NSG_V1 ||
                   r->format == FORMAT_NSG_V2 || r->format == FORMAT_VNET_V4,
               "format %d", (int)r->format);
    FUZZ_CHECK(r->is_flow_record == 0 || r->is_flow_record == 1,
               "is_flow_record %d", r->is_flow_record);
    FUZZ_CHECK(r->ngroups <= FLOWLOG_MAX_GROUPS, "%zu groups", r->ngroups);
    FUZZ_CHECK(r->ngroups == 0 || r->groups != NULL, "groups NULL");
    FUZZ_CHECK(r->ntuples == 0 || r->tuples != NULL, "tuples NULL");
    uint64_t h = s->digest;
    h = mix(h, &r->index, sizeof r->index);
    h = mix(h, &r->chunk, sizeof r->chunk);
    h = mix(h, &r->final, sizeof r->final);
    h = mix(h, &r->format, sizeof r->format);
    h = mix(h, &r->version, sizeof r->version);
    h = mix(h, &r->is_flow_record, sizeof r->is_flow_record);
    h = mix_str(h, r->time, "time");
    h = mix_str(h, r->category, "category");
    h = mix_str(h, r->resource_id, "resource_id");
    h = mix_str(h, r->target_resource_id, "target_resource_id");
    h = mix_str(h, r->mac, "mac");
    h = mix(h, &r->ngroups, sizeof r->ngroups);
    for (size_t g = 0; g < r->ngroups; g++) {
        h = mix_str(h, r->groups[g].rule, "group rule");
        h = mix_str(h, r->groups[g].mac, "group mac");
        h = mix_str(h, r->groups[g].acl_id, "group acl_id");
    }
    size_t text = 0;
    for (size_t i = 0; i < r->ntuples; i++) {
        const struct fl_tuple_text *tt = &r->tuples[i];
        FUZZ_CHECK(tt->group < r->ngroups, "tuple %zu in group %u of %zu", i,
                   tt->group, r->ngroups);
        FUZZ_CHECK(tt->len <= FLOWLOG_MAX_TOKEN, "tuple of %u bytes", tt->len);
        FUZZ_CHECK(tt->len == 0 || tt->text != NULL, "tuple text NULL");
        text += tt->len;
        h = mix(h, &tt->group, sizeof tt->group);
        h = mix(h, tt->text, tt->len); /* reads every byte: ASan checks */
        struct flow_tuple t;
        if (fuzz_parse_tuple(tt->text, tt->len, r->format, &t) == 0)
            s->parsed++;
    }
    FUZZ_CHECK(text <= FLOWLOG_RECORD_BUFFER + FLOWLOG_MAX_TOKEN,
               "%zu bytes of tuple text in one chunk", text);
    s->digest = h;
    s->tuples += (long)r->ntuples;
    if (r->final) {
        s->last_index = r->index;
        s->next_chunk = 0;
    } else {
        s->next_chunk = r->chunk + 1;
    }
    if (s->stop_after && s->chunks == s->stop_after) {
        s->stopped = 1;
        flowlog_set_error(s->p, "stopped by the fuzzer");
        return 1;
    }
    return 0;
}

struct outcome {
    int rc;
    struct seen seen;
    struct flowlog_stats stats;
    char error[300];
    uint64_t error_offset;
    char not_flow[400];
};

/* The chunk sizes: byte b & 0x3f (+1) fixed, or varying when b & 0x40;
 * b == 0: the whole text at once. */
struct cutter {
    unsigned base;
    int vary;
    uint32_t state;
};

static size_t next_cut(struct cutter *c, size_t left)
{
    size_t k = c->base;
    if (c->vary) {
        c->state = c->state * 1103515245u + 12345u;
        k = 1 + (c->state >> 16) % (2 * c->base + 1);
        if ((c->state >> 8) % 16 == 0)
            k = 1; /* now and then a single byte */
    }
    return k < left ? k : left;
}

static void run(const uint8_t *text, size_t n, int chunked, uint8_t control,
                long stop_after, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    o->seen.stop_after = stop_after;
    flowlog *p = flowlog_new(on_record, &o->seen);
    FUZZ_CHECK(p != NULL, "flowlog_new failed");
    o->seen.p = p;
    int rc = 0;
    if (!chunked || control == 0) {
        /* in an exact-size copy: a NULL-free, past-the-end-checked block */
        unsigned char *copy = malloc(n ? n : 1);
        memcpy(copy, text, n);
        rc = flowlog_feed(p, copy, n);
        free(copy);
    } else {
        struct cutter c = {(control & 0x3f) + 1u, (control & 0x40) != 0,
                           control};
        for (size_t off = 0; off < n && rc == 0;) {
            size_t k = next_cut(&c, n - off);
            unsigned char *chunk = malloc(k);
            memcpy(chunk, text + off, k);
            rc = flowlog_feed(p, chunk, k);
            free(chunk);
            off += k;
        }
    }
    if (rc == 0)
        rc = flowlog_finish(p);
    FUZZ_CHECK(rc == 0 || rc == -1, "flowlog returned %d", rc);
    o->rc = rc;
    const char *err = flowlog_error(p);
    fuzz_check_message_any(err, "flowlog_error");
    snprintf(o->error, sizeof o->error, "%s", err);
    if (rc == 0)
        FUZZ_CHECK(err[0] == '\0', "success with error '%s'", err);
    else
        FUZZ_CHECK(err[0] != '\0', "failure without an error");
    if (o->seen.stopped)
        FUZZ_CHECK(rc == -1 && strcmp(err, "stopped by the fuzzer") == 0,
                   "stopped, then rc %d error '%s'", rc, err);
    o->error_offset = flowlog_error_offset(p);
    if (rc != 0)
        FUZZ_CHECK(o->error_offset <= n, "error offset %llu past %zu bytes",
                   (unsigned long long)o->error_offset, n);
    flowlog_stats(p, &o->stats);
    FUZZ_CHECK(o->stats.records == o->seen.last_index,
               "stats say %ld records, the callback saw %ld",
               o->stats.records, o->seen.last_index);
    FUZZ_CHECK(o->stats.flow_records <= o->stats.records, "flow records");
    const char *what = flowlog_not_a_flow_log(p);
    if (what) {
        fuzz_check_message_any(what, "flowlog_not_a_flow_log");
        snprintf(o->not_flow, sizeof o->not_flow, "%s", what);
    }
    flowlog_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t control = data[0];
    const uint8_t *text = data + 1;
    size_t n = size - 1;
    /* bit 7: the callback stops the parse at its (control % 5 + 1)th call */
    long stop_after = (control & 0x80) ? (control % 5) + 1 : 0;

    static struct outcome a, b;
    run(text, n, 1, control & 0x7f, stop_after, &a);
    if ((control & 0x7f) == 0)
        return 0; /* fed whole already */
    run(text, n, 0, 0, stop_after, &b);
    /* The chunking must not matter. */
    FUZZ_CHECK(a.rc == b.rc, "chunked rc %d, whole rc %d (errors '%s' / '%s')",
               a.rc, b.rc, a.error, b.error);
    FUZZ_CHECK(a.seen.chunks == b.seen.chunks && a.seen.tuples == b.seen.tuples &&
                   a.seen.digest == b.seen.digest,
               "chunked and whole feeds saw different records "
               "(%ld/%ld callbacks, %ld/%ld tuples)",
               a.seen.chunks, b.seen.chunks, a.seen.tuples, b.seen.tuples);
    FUZZ_CHECK(strcmp(a.error, b.error) == 0, "errors differ: '%s' / '%s'",
               a.error, b.error);
    /* yajl reports a syntax error at the start of the offending token when
     * the token is in one chunk, at the start of the chunk where it ends
     * otherwise: the offsets may differ by up to a token */
    if (a.rc != 0) {
        uint64_t d = a.error_offset > b.error_offset
                         ? a.error_offset - b.error_offset
                         : b.error_offset - a.error_offset;
        FUZZ_CHECK(d <= FLOWLOG_MAX_TOKEN + 8,
                   "error offsets differ: %llu / %llu ('%s')",
                   (unsigned long long)a.error_offset,
                   (unsigned long long)b.error_offset, a.error);
    }
    FUZZ_CHECK(strcmp(a.not_flow, b.not_flow) == 0,
               "descriptions differ: '%s' / '%s'", a.not_flow, b.not_flow);
    FUZZ_CHECK(memcmp(&a.stats, &b.stats, sizeof a.stats) == 0,
               "stats differ");
    return 0;
}
