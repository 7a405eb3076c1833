/* batch.c: the batches between ingest's reader and writer (see batch.h). */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64u << 10)

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t align[]; /* the bytes */
};

struct batch *batch_new(void)
{
    return calloc(1, sizeof(struct batch));
}

static void free_blocks(struct arena_block *a)
{
    while (a) {
        struct arena_block *next = a->next;
        free(a);
        a = next;
    }
}

void batch_free(struct batch *b)
{
    if (!b)
        return;
    free_blocks(b->arena);
    free(b);
}

void batch_reset(struct batch *b)
{
    b->nevents = 0;
    b->ntuples = 0;
    b->raw_offset = 0;
    if (b->arena) {
        /* keep the newest block when it is a standard one */
        struct arena_block *keep = b->arena;
        free_blocks(keep->next);
        keep->next = NULL;
        if (keep->cap != ARENA_BLOCK) {
            free(keep);
            b->arena = NULL;
        } else {
            keep->used = 0;
        }
    }
}

int batch_events_full(const struct batch *b)
{
    return b->nevents >= BATCH_EVENTS;
}

int batch_tuples_full(const struct batch *b)
{
    return b->ntuples >= BATCH_TUPLES;
}

struct event *batch_event(struct batch *b, enum event_kind kind)
{
    struct event *e = &b->events[b->nevents++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->first = b->ntuples;
    return e;
}

static void *arena_alloc(struct batch *b, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct arena_block *a = b->arena;
    if (!a || a->cap - a->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        struct arena_block *fresh = malloc(sizeof *fresh + cap);
        if (!fresh)
            return NULL;
        fresh->used = 0;
        fresh->cap = cap;
        fresh->next = a;
        b->arena = a = fresh;
    }
    void *p = (char *)a->align + a->used;
    a->used += n;
    return p;
}

const char *batch_strdup(struct batch *b, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(b, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

struct event *batch_record(struct batch *b, const struct fl_record *rec)
{
    struct fl_group *groups = rec->ngroups ? arena_alloc(b, rec->ngroups * sizeof *groups) : NULL;
    if (rec->ngroups && !groups)
        return NULL;
    struct fl_record copy = *rec;
    copy.tuples = NULL;
    copy.ntuples = 0;
    copy.time = copy.category = ""; /* not used by the writer */
    if (!(copy.resource_id = batch_strdup(b, rec->resource_id)) ||
        !(copy.target_resource_id = batch_strdup(b, rec->target_resource_id)) ||
        !(copy.mac = batch_strdup(b, rec->mac)))
        return NULL;
    for (size_t g = 0; g < rec->ngroups; g++)
        if (!(groups[g].rule = batch_strdup(b, rec->groups[g].rule)) ||
            !(groups[g].mac = batch_strdup(b, rec->groups[g].mac)) ||
            !(groups[g].acl_id = batch_strdup(b, rec->groups[g].acl_id)))
            return NULL;
    copy.groups = groups;
    struct event *e = batch_event(b, EV_RECORD);
    e->rec = copy;
    return e;
}
