/* flowlog.h: the streaming reader of a flow-log blob's JSON structure.
 *
 * Bytes go in (flowlog_feed, in chunks of any size); records come out, one
 * callback per record, with the record's metadata, its rule groups and its
 * tuples as raw text. Nothing is kept beyond the current record, so memory
 * does not grow with the blob. A record is handed over only once it is
 * complete, so when the input breaks off, every record delivered was whole.
 * (A record with more than FLOWLOG_RECORD_BUFFER bytes of tuples is handed
 * over in chunks: fl_record.chunk counts them and .final marks the last.)
 *
 * It reads NSG flow logs (v1, v2) and VNet flow logs (v4), mixed, and tells
 * what other JSON looks like when it is not a flow log. It does not parse the
 * tuples themselves: that is tuple.h's job. */
#ifndef NSGFLOW_FLOWLOG_H
#define NSGFLOW_FLOWLOG_H

#include <stddef.h>
#include <stdint.h>

#include "tuple.h"

/* Tuple text buffered per record before it is handed over in chunks. */
#define FLOWLOG_RECORD_BUFFER (4u << 20)
/* Deepest JSON nesting accepted (flow logs need 8). */
#define FLOWLOG_MAX_DEPTH 64
/* Longest JSON string or number accepted, in bytes. */
#define FLOWLOG_MAX_TOKEN (1u << 20)
/* Most rule groups accepted in one record. */
#define FLOWLOG_MAX_GROUPS 100000

/* One rule's tuples inside a record. Strings are NUL-terminated, "" when the
 * log did not give them. */
struct fl_group {
    const char *rule;
    const char *mac;     /* NSG logs: the group's mac */
    const char *acl_id;  /* VNet logs: the aclID */
};

struct fl_tuple_text {
    uint32_t group;      /* index into fl_record.groups */
    uint32_t len;
    const char *text;    /* not NUL-terminated */
};

struct fl_record {
    long index;                 /* 1-based position in the blob */
    unsigned chunk;             /* 0 for the first (usually only) chunk */
    int final;                  /* 1 on the record's last chunk */
    enum flow_format format;    /* from Version / flowLogVersion / category */
    long version;               /* the declared version number, or -1 */
    int is_flow_record;         /* has NSG or VNet flow content or category */
    const char *time;
    const char *category;
    const char *resource_id;    /* NSG resourceId, or VNet flowLogResourceID */
    const char *target_resource_id; /* VNet only */
    const char *mac;            /* the record's macAddress */
    size_t ngroups;
    const struct fl_group *groups;
    size_t ntuples;
    const struct fl_tuple_text *tuples;
};

/* Called once per record (or record chunk). Return 0 to go on, nonzero to
 * stop the parse (flowlog_feed then fails with the message set through
 * flowlog_set_error, or "stopped by the caller"). The record and everything
 * it points to are valid only during the call. */
typedef int (*fl_record_fn)(void *ctx, const struct fl_record *rec);

typedef struct flowlog flowlog;

/* A new parser calling fn(ctx, record) for each record. NULL on no memory.
 * Free with flowlog_free. */
flowlog *flowlog_new(fl_record_fn fn, void *ctx);
void flowlog_free(flowlog *p);

/* Feeds the next n bytes. Returns 0, or -1 on an error: invalid JSON, a
 * limit exceeded, or a stop by the callback; then flowlog_error() says what
 * and flowlog_error_offset() where. No more bytes may be fed after -1. */
int flowlog_feed(flowlog *p, const unsigned char *buf, size_t n);

/* Declares the end of input. Returns 0 when the JSON was complete, else -1
 * (e.g. the blob breaks off inside a record). */
int flowlog_finish(flowlog *p);

/* The error message of the last failure ("" if none), and the byte offset
 * in the JSON text where it was found. */
const char *flowlog_error(const flowlog *p);
uint64_t flowlog_error_offset(const flowlog *p);

/* Lets a callback set the message that flowlog_feed reports when the callback
 * returns nonzero. */
void flowlog_set_error(flowlog *p, const char *message);

/* What was seen so far. */
struct flowlog_stats {
    long records;          /* complete records delivered (all kinds) */
    long flow_records;     /* of which flow-log records */
    int has_records_array; /* the top level is {"records": [ ... */
};
void flowlog_stats(const flowlog *p, struct flowlog_stats *out);

/* After a complete parse (or a failure), a sentence saying what the input
 * looks like when it is not a flow log, e.g. "a single flow-log record
 * without the {\"records\":[...]} wrapper"; or NULL when it is a flow log. */
const char *flowlog_not_a_flow_log(const flowlog *p);

#endif
