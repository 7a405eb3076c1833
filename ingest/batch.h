/* batch.h: what the reader hands the writer during ingest (ingest.c): a
 * batch of events in order (a blob begins, its records with their parsed
 * tuples, it ends; a message to show; a blob skipped unread), with every
 * string the events point to in the batch's own arena. With two threads a
 * few batches go round between them through two bounded queues (full ones
 * to the writer, empty ones back), so memory is bounded by their number;
 * with one thread the one batch is written as soon as it is full. */
#ifndef NSGFLOW_BATCH_H
#define NSGFLOW_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "flowlog.h"
#include "tuple.h"

#define BATCH_TUPLES 4096
#define BATCH_EVENTS 256

enum event_kind {
    EV_BEGIN,   /* a blob is read: job */
    EV_RECORD,  /* a record (or part of one) of the blob: rec, tuples */
    EV_END,     /* the blob was read: job, with its outcome */
    EV_NOTE,    /* a message for the user: text */
    EV_SKIP,    /* a blob not read: skip, size */
};

/* Why a blob was not read. */
enum skip_kind {
    SKIP_PATH_PROBLEM,   /* its path could not be used */
    SKIP_OTHER_SHARD,    /* another shard's NIC */
    SKIP_OUTSIDE_WINDOW, /* its name's hour is outside --since/--until */
    SKIP_UNCHANGED_OK,   /* stored before, unchanged */
    SKIP_UNCHANGED_PARTIAL,
    SKIP_UNCHANGED_REJECTED,
};

struct blob_job;

/* A tuple ready for the database; encryption is copied in. */
struct parsed_tuple {
    struct flow_tuple t;            /* t.encryption points at enc */
    char enc[TUPLE_ENCRYPTION_MAX];
    uint32_t group;                 /* index into the record's groups */
    uint8_t format;                 /* enum flow_format of this tuple */
};

struct event {
    enum event_kind kind;
    struct blob_job *job;           /* EV_BEGIN, EV_END */
    struct fl_record rec;           /* EV_RECORD: groups and strings in the arena;
                                     * rec.tuples is NULL, ntuples 0 */
    size_t first, count;            /* EV_RECORD: its tuples in batch.tuples */
    const char *text;               /* EV_NOTE */
    enum skip_kind skip;            /* EV_SKIP */
    uint64_t size;                  /* EV_SKIP: the blob's bytes */
};

struct arena_block;

struct batch {
    struct event events[BATCH_EVENTS];
    size_t nevents;
    struct parsed_tuple tuples[BATCH_TUPLES];
    size_t ntuples;
    uint64_t raw_offset;            /* bytes of the current blob read so far */
    struct arena_block *arena;
};

struct batch *batch_new(void);
void batch_free(struct batch *b);
/* Empties the batch for reuse (keeps one arena block). */
void batch_reset(struct batch *b);

/* 1 when one more event, or one more tuple, does not fit. */
int batch_events_full(const struct batch *b);
int batch_tuples_full(const struct batch *b);

/* A new event of this kind at the end (the caller checked it fits). */
struct event *batch_event(struct batch *b, enum event_kind kind);

/* A copy of s in the batch's arena; NULL when out of memory. */
const char *batch_strdup(struct batch *b, const char *s);

/* A new EV_RECORD event with a copy of rec's metadata and groups (not its
 * tuples: count is 0). NULL when out of memory. */
struct event *batch_record(struct batch *b, const struct fl_record *rec);

#endif
