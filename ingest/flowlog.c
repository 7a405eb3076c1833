/* flowlog.c: yajl callbacks that walk a flow-log blob (see flowlog.h).
 *
 * A stack of frames says where the parser is: in the records array, in a
 * record, in an NSG rule's mac list, in a VNet flow group, in a tuple list...
 * Values the reader does not know are skipped whole. The current record's
 * strings and tuple texts are copied into two growable buffers that are
 * emptied after each record, so memory is bounded by the largest record
 * (and by FLOWLOG_RECORD_BUFFER for its tuples). */
#include "flowlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yajl/yajl_parse.h>

#include "../common/escape.h"
#include "../common/plural.h"
#include "jsontoken.h"

enum frame {
    F_ROOT,        /* before the top-level value */
    F_TOP,         /* the top-level object */
    F_RECORDS,     /* an array of records */
    F_RECORD,      /* one record */
    F_PROPS,       /* NSG: record.properties */
    F_NSG_RULES,   /* NSG: properties.flows */
    F_NSG_RULE,    /* NSG: { "rule", "flows" } */
    F_NSG_MACS,    /* NSG: rule.flows */
    F_NSG_MAC,     /* NSG: { "mac", "flowTuples" } */
    F_VNET_FR,     /* VNet: record.flowRecords */
    F_VNET_ACLS,   /* VNet: flowRecords.flows */
    F_VNET_ACL,    /* VNet: { "aclID", "flowGroups" } */
    F_VNET_GROUPS, /* VNet: acl.flowGroups */
    F_VNET_GROUP,  /* VNet: { "rule", "flowTuples" } */
    F_TUPLES,      /* flowTuples */
    F_SKIP,        /* anything else */
};

/* The keys the reader acts on. */
enum key {
    K_NONE, K_OTHER, K_RECORDS, K_TIME, K_CATEGORY, K_RESOURCE_ID,
    K_MAC_ADDRESS, K_FLOWLOG_VERSION, K_FLOWLOG_RESOURCE_ID, K_TARGET_ID,
    K_PROPERTIES, K_FLOW_RECORDS, K_VERSION, K_FLOWS, K_RULE, K_MAC,
    K_FLOW_TUPLES, K_ACL_ID, K_FLOW_GROUPS, K_VALUES, K_CHANGE_NUMBER,
};

static const struct {
    const char *name;
    enum key key;
} key_names[] = {
    {"records", K_RECORDS}, {"time", K_TIME}, {"category", K_CATEGORY},
    {"resourceId", K_RESOURCE_ID}, {"macAddress", K_MAC_ADDRESS},
    {"flowLogVersion", K_FLOWLOG_VERSION},
    {"flowLogResourceID", K_FLOWLOG_RESOURCE_ID},
    {"targetResourceID", K_TARGET_ID}, {"properties", K_PROPERTIES},
    {"flowRecords", K_FLOW_RECORDS}, {"Version", K_VERSION},
    {"flows", K_FLOWS}, {"rule", K_RULE}, {"mac", K_MAC},
    {"flowTuples", K_FLOW_TUPLES}, {"aclID", K_ACL_ID},
    {"flowGroups", K_FLOW_GROUPS}, {"values", K_VALUES},
    {"changeNumber", K_CHANGE_NUMBER},
};

#define NONE UINT32_MAX /* an unset string offset */

/* A growable byte buffer; strings in it are referred to by offset. */
struct buf {
    char *p;
    size_t len, cap;
};

struct group {
    uint32_t outer; /* index into outers: the NSG rule or VNet acl */
    uint32_t inner; /* string: NSG mac or VNet rule */
};

struct tuple_ref {
    uint32_t group, off, len;
};

struct flowlog {
    yajl_handle yajl;
    fl_record_fn fn;
    void *ctx;

    enum frame stack[FLOWLOG_MAX_DEPTH + 1]; /* F_ROOT, then one per container */
    int depth;          /* frames on the stack */
    enum key pending;   /* the key whose value comes next */
    int done;           /* the top-level value is complete */

    /* the current record */
    struct buf meta;    /* record and group strings */
    struct buf text;    /* tuple texts */
    uint32_t time, category, resource_id, flowlog_resource_id, target_id, mac;
    long version, flowlog_version;
    int has_nsg, has_vnet;
    unsigned chunk;
    uint32_t *outers;   /* string offsets, one per rule (NSG) / acl (VNet) */
    size_t nouters, cap_outers;
    struct group *groups;
    size_t ngroups, cap_groups;
    struct tuple_ref *tuples;
    size_t ntuples, cap_tuples;
    /* scratch for handing a record over */
    struct fl_group *out_groups;
    size_t cap_out_groups;
    struct fl_tuple_text *out_tuples;
    size_t cap_out_tuples;

    /* what the input looks like */
    char top_kind;      /* 0, 'm' object, 'a' array, 's' scalar */
    int top_has_records, top_recordish, top_values, top_change_number;
    char top_keys[120];
    char other_category[64];
    long records, flow_records;

    /* where we are in the input */
    uint64_t fed;        /* input offset of the chunk yajl is parsing */
    uint64_t offset;     /* bytes seen by flowlog_feed (BOM included) */
    struct json_token_scan scan; /* ahead of yajl: token lengths, and
                                  * whether anything but blanks came */
    int bom_checked;
    unsigned char head[3];
    size_t nhead;

    char error[256];
    char describe[320];
    uint64_t error_offset;
    int failed;
};

/* ------------------------------------------------------------------ */
/* buffers                                                            */

/* Makes room for need bytes in b. */
static int grow_buf(struct buf *b, size_t need)
{
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < need)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    return 0;
}

static int buf_add(struct buf *b, const void *s, size_t n, int nul)
{
    size_t need = b->len + n + (nul ? 1 : 0);
    if (need == b->len)
        return 0; /* nothing to add (and b->p may still be NULL) */
    if (grow_buf(b, need) != 0)
        return -1;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    if (nul)
        b->p[b->len++] = '\0';
    return 0;
}

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    void *p = realloc(*arr, c * size);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
}

static int fail(flowlog *p, const char *fmt, const char *arg)
{
    if (!p->failed) {
        snprintf(p->error, sizeof p->error, fmt, arg);
        p->failed = 1;
    }
    return 0; /* tells yajl to stop */
}

/* ------------------------------------------------------------------ */
/* the current record                                                 */

static void record_reset(flowlog *p)
{
    p->meta.len = 0;
    p->text.len = 0;
    p->time = p->category = p->resource_id = NONE;
    p->flowlog_resource_id = p->target_id = p->mac = NONE;
    p->version = p->flowlog_version = -1;
    p->has_nsg = p->has_vnet = 0;
    p->chunk = 0;
    p->nouters = p->ngroups = p->ntuples = 0;
}

/* Keeps a string of the record (a rule name, an id) as valid UTF-8 without
 * NUL bytes: a \u0000 or a lone surrogate (\udc00) in the JSON, which yajl
 * passes on as such bytes, becomes U+FFFD, so that names stay whole and
 * distinct and every output that shows them is valid UTF-8. */
static int keep_string(flowlog *p, uint32_t *slot, const unsigned char *s,
                       size_t n)
{
    const char *text = (const char *)s;
    int clean = utf8_valid(text, n);
    size_t room = clean ? n : 3 * n;
    if (p->meta.len + room + 1 > FLOWLOG_RECORD_BUFFER)
        return fail(p, "record %s: too much metadata (over 4 MiB)", "");
    *slot = (uint32_t)p->meta.len;
    if (clean) {
        if (buf_add(&p->meta, s, n, 1) != 0)
            return fail(p, "out of memory%s", "");
        return 1;
    }
    if (grow_buf(&p->meta, p->meta.len + room + 1) != 0)
        return fail(p, "out of memory%s", "");
    p->meta.len += utf8_repair(text, n, p->meta.p + p->meta.len, room + 1) + 1;
    return 1;
}

static const char *str_at(const flowlog *p, uint32_t off)
{
    return off == NONE ? "" : p->meta.p + off;
}

static enum flow_format record_format(const flowlog *p, const char *category)
{
    if (p->flowlog_version >= 0 || p->has_vnet ||
        strcasecmp(category, "FlowLogFlowEvent") == 0)
        return FORMAT_VNET_V4;
    if (p->version == 1)
        return FORMAT_NSG_V1;
    if (p->version == 2)
        return FORMAT_NSG_V2;
    return FORMAT_UNKNOWN; /* unknown version: each tuple's shape decides */
}

/* Hands the record (or the chunk of it buffered so far) to the callback. */
static int emit(flowlog *p, int final)
{
    if (grow((void **)&p->out_groups, &p->cap_out_groups, p->ngroups + 1,
             sizeof *p->out_groups) ||
        grow((void **)&p->out_tuples, &p->cap_out_tuples, p->ntuples + 1,
             sizeof *p->out_tuples))
        return fail(p, "out of memory%s", "");
    int vnet = p->flowlog_version >= 0 || p->has_vnet;
    for (size_t i = 0; i < p->ngroups; i++) {
        const char *outer = str_at(p, p->outers[p->groups[i].outer]);
        const char *inner = str_at(p, p->groups[i].inner);
        p->out_groups[i].rule = vnet ? inner : outer;
        p->out_groups[i].mac = vnet ? "" : inner;
        p->out_groups[i].acl_id = vnet ? outer : "";
    }
    /* (a record whose only tuples are "" never allocated its text) */
    const char *text = p->text.p ? p->text.p : "";
    for (size_t i = 0; i < p->ntuples; i++) {
        p->out_tuples[i].group = p->tuples[i].group;
        p->out_tuples[i].len = p->tuples[i].len;
        p->out_tuples[i].text = text + p->tuples[i].off;
    }
    const char *category = str_at(p, p->category);
    struct fl_record r = {
        .index = p->records + 1,
        .chunk = p->chunk,
        .final = final,
        .format = record_format(p, category),
        .version = p->flowlog_version >= 0 ? p->flowlog_version : p->version,
        .is_flow_record = p->has_nsg || p->has_vnet ||
                          strcasecmp(category, "NetworkSecurityGroupFlowEvent") == 0 ||
                          strcasecmp(category, "FlowLogFlowEvent") == 0,
        .time = str_at(p, p->time),
        .category = category,
        .resource_id = str_at(p, p->flowlog_resource_id != NONE
                                     ? p->flowlog_resource_id
                                     : p->resource_id),
        .target_resource_id = str_at(p, p->target_id),
        .mac = str_at(p, p->mac),
        .ngroups = p->ngroups,
        .groups = p->out_groups,
        .ntuples = p->ntuples,
        .tuples = p->out_tuples,
    };
    if (final) {
        p->records++;
        if (r.is_flow_record)
            p->flow_records++;
        else if (!p->other_category[0])
            snprintf(p->other_category, sizeof p->other_category, "%s",
                     category[0] ? category : "none");
    }
    if (p->fn(p->ctx, &r) != 0) {
        /* the callback may have set the message itself */
        char message[sizeof p->error];
        snprintf(message, sizeof message, "%s",
                 p->error[0] ? p->error : "stopped by the caller");
        return fail(p, "%s", message);
    }
    p->chunk = final ? 0 : p->chunk + 1; /* a nested record must not carry it on */
    p->ntuples = 0;
    p->text.len = 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* yajl callbacks                                                     */

static enum key key_of(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (strlen(key_names[i].name) == n &&
            strncasecmp(key_names[i].name, (const char *)s, n) == 0)
            return key_names[i].key;
    return K_OTHER;
}

static enum frame top(const flowlog *p)
{
    return p->stack[p->depth - 1];
}

static int push(flowlog *p, enum frame f)
{
    if (p->depth > FLOWLOG_MAX_DEPTH) /* F_ROOT and 64 containers fit */
        return fail(p, "JSON nested deeper than %s levels", "64");
    p->stack[p->depth++] = f;
    return 1;
}

/* A scalar value arrived (or, for start_map/start_array, a container:
 * see the callers). Clears the pending key. */
static enum key take_key(flowlog *p)
{
    enum key k = p->pending;
    p->pending = K_NONE;
    return k;
}

static void top_level_scalar(flowlog *p)
{
    if (p->depth == 1 && top(p) == F_ROOT) {
        p->top_kind = 's';
        p->done = 1;
    }
}

static long parse_version(const char *s, size_t n)
{
    long v = 0;
    if (n == 0 || n > 6)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int on_scalar_text(flowlog *p, const char *s, size_t n, int is_string)
{
    top_level_scalar(p);
    enum key k = take_key(p);
    enum frame f = top(p);
    if (f == F_TUPLES) {
        if (!is_string)
            return 1; /* a non-string tuple: no text, reported by count below */
        if (p->text.len + n > FLOWLOG_RECORD_BUFFER && p->ntuples > 0)
            if (!emit(p, 0))
                return 0;
        if (grow((void **)&p->tuples, &p->cap_tuples, p->ntuples + 1,
                 sizeof *p->tuples) ||
            buf_add(&p->text, s, n, 0))
            return fail(p, "out of memory%s", "");
        struct tuple_ref *t = &p->tuples[p->ntuples++];
        t->group = (uint32_t)(p->ngroups - 1);
        t->off = (uint32_t)(p->text.len - n);
        t->len = (uint32_t)n;
        return 1;
    }
    const unsigned char *u = (const unsigned char *)s;
    if (f == F_RECORD) {
        switch (k) {
        case K_TIME: return is_string ? keep_string(p, &p->time, u, n) : 1;
        case K_CATEGORY: return is_string ? keep_string(p, &p->category, u, n) : 1;
        case K_RESOURCE_ID: return is_string ? keep_string(p, &p->resource_id, u, n) : 1;
        case K_MAC_ADDRESS: return is_string ? keep_string(p, &p->mac, u, n) : 1;
        case K_FLOWLOG_RESOURCE_ID:
            return is_string ? keep_string(p, &p->flowlog_resource_id, u, n) : 1;
        case K_TARGET_ID: return is_string ? keep_string(p, &p->target_id, u, n) : 1;
        case K_FLOWLOG_VERSION:
            p->flowlog_version = parse_version(s, n);
            if (p->flowlog_version < 0)
                p->flowlog_version = 0;
            return 1;
        default: return 1;
        }
    }
    if (f == F_PROPS && k == K_VERSION) {
        p->version = parse_version(s, n);
        return 1;
    }
    if (f == F_NSG_RULE && k == K_RULE && is_string)
        return keep_string(p, &p->outers[p->nouters - 1], u, n);
    if (f == F_VNET_ACL && k == K_ACL_ID && is_string)
        return keep_string(p, &p->outers[p->nouters - 1], u, n);
    if ((f == F_NSG_MAC && k == K_MAC) || (f == F_VNET_GROUP && k == K_RULE))
        return is_string ? keep_string(p, &p->groups[p->ngroups - 1].inner, u, n) : 1;
    if (f == F_TOP) {
        if (k == K_CHANGE_NUMBER)
            p->top_change_number = 1;
    }
    return 1;
}

static int cb_null(void *ctx)
{
    return on_scalar_text(ctx, "", 0, 0);
}

static int cb_boolean(void *ctx, int v)
{
    (void)v;
    return on_scalar_text(ctx, "", 0, 0);
}

static int cb_number(void *ctx, const char *s, size_t n)
{
    return on_scalar_text(ctx, s, n, 0);
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    return on_scalar_text(ctx, (const char *)s, n, 1);
}

static int new_outer(flowlog *p)
{
    if (grow((void **)&p->outers, &p->cap_outers, p->nouters + 1,
             sizeof *p->outers))
        return fail(p, "out of memory%s", "");
    p->outers[p->nouters++] = NONE;
    return 1;
}

static int new_group(flowlog *p)
{
    if (p->ngroups >= FLOWLOG_MAX_GROUPS)
        return fail(p, "a record has more than %s rule groups", "100000");
    if (grow((void **)&p->groups, &p->cap_groups, p->ngroups + 1,
             sizeof *p->groups))
        return fail(p, "out of memory%s", "");
    if (p->nouters == 0 && !new_outer(p))
        return 0;
    p->groups[p->ngroups].outer = (uint32_t)(p->nouters - 1);
    p->groups[p->ngroups].inner = NONE;
    p->ngroups++;
    return 1;
}

static int cb_start_map(void *ctx)
{
    flowlog *p = ctx;
    enum key k = take_key(p);
    enum frame f = top(p), next = F_SKIP;
    switch (f) {
    case F_ROOT:
        p->top_kind = 'm';
        next = F_TOP;
        break;
    case F_RECORDS:
        record_reset(p);
        next = F_RECORD;
        break;
    case F_RECORD:
        if (k == K_PROPERTIES)
            next = F_PROPS;
        else if (k == K_FLOW_RECORDS) {
            next = F_VNET_FR;
            p->has_vnet = 1;
        }
        break;
    case F_NSG_RULES:
        if (!new_outer(p))
            return 0;
        next = F_NSG_RULE;
        break;
    case F_NSG_MACS:
        if (!new_group(p))
            return 0;
        next = F_NSG_MAC;
        break;
    case F_VNET_ACLS:
        if (!new_outer(p))
            return 0;
        next = F_VNET_ACL;
        break;
    case F_VNET_GROUPS:
        if (!new_group(p))
            return 0;
        next = F_VNET_GROUP;
        break;
    default:
        break;
    }
    return push(p, next);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
    flowlog *p = ctx;
    enum key k = key_of(s, n);
    p->pending = k;
    if (top(p) == F_TOP && p->depth == 2) {
        size_t used = strlen(p->top_keys);
        if (used + n + 3 < sizeof p->top_keys)
            snprintf(p->top_keys + used, sizeof p->top_keys - used, "%s%.*s",
                     used ? ", " : "", (int)n, (const char *)s);
        if (k == K_VALUES)
            p->top_values = 1;
        if (k == K_TIME || k == K_CATEGORY || k == K_PROPERTIES ||
            k == K_FLOW_RECORDS || k == K_RESOURCE_ID || k == K_FLOW_TUPLES ||
            k == K_FLOWLOG_RESOURCE_ID)
            p->top_recordish = 1;
    }
    return 1;
}

static int cb_end_map(void *ctx)
{
    flowlog *p = ctx;
    enum frame f = top(p);
    p->depth--;
    p->pending = K_NONE;
    if (f == F_RECORD)
        return emit(p, 1);
    if (p->depth == 1 && top(p) == F_ROOT)
        p->done = 1;
    return 1;
}

static int cb_start_array(void *ctx)
{
    flowlog *p = ctx;
    enum key k = take_key(p);
    enum frame f = top(p), next = F_SKIP;
    switch (f) {
    case F_ROOT:
        p->top_kind = 'a';
        break;
    case F_TOP:
        if (k == K_RECORDS) {
            p->top_has_records = 1;
            next = F_RECORDS;
        }
        break;
    case F_RECORD:
        /* a stray {"records":[...]} inside a record holds records too */
        if (k == K_RECORDS)
            next = F_RECORDS;
        break;
    case F_PROPS:
        if (k == K_FLOWS) {
            next = F_NSG_RULES;
            p->has_nsg = 1;
        }
        break;
    case F_NSG_RULE:
        if (k == K_FLOWS)
            next = F_NSG_MACS;
        break;
    case F_NSG_MAC:
    case F_VNET_GROUP:
        if (k == K_FLOW_TUPLES)
            next = F_TUPLES;
        break;
    case F_VNET_FR:
        if (k == K_FLOWS)
            next = F_VNET_ACLS;
        break;
    case F_VNET_ACL:
        if (k == K_FLOW_GROUPS)
            next = F_VNET_GROUPS;
        break;
    default:
        break;
    }
    return push(p, next);
}

static int cb_end_array(void *ctx)
{
    flowlog *p = ctx;
    p->depth--;
    if (p->depth == 1 && top(p) == F_ROOT)
        p->done = 1;
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array,
};

/* ------------------------------------------------------------------ */
/* feeding                                                            */

flowlog *flowlog_new(fl_record_fn fn, void *ctx)
{
    flowlog *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fn = fn;
    p->ctx = ctx;
    p->yajl = yajl_alloc(&callbacks, NULL, p);
    if (!p->yajl) {
        free(p);
        return NULL;
    }
    yajl_config(p->yajl, yajl_allow_trailing_garbage, 1);
    p->stack[0] = F_ROOT;
    p->depth = 1;
    record_reset(p);
    return p;
}

void flowlog_free(flowlog *p)
{
    if (!p)
        return;
    yajl_free(p->yajl);
    free(p->meta.p);
    free(p->text.p);
    free(p->outers);
    free(p->groups);
    free(p->tuples);
    free(p->out_groups);
    free(p->out_tuples);
    free(p);
}

static int set_yajl_error(flowlog *p, const unsigned char *buf, size_t n)
{
    size_t used = yajl_get_bytes_consumed(p->yajl);
    p->error_offset = p->fed + used;
    if (!p->failed) {
        unsigned char *msg = yajl_get_error(p->yajl, 0, buf, n);
        const char *m = (const char *)msg;
        if (strncmp(m, "parse error: ", 13) == 0)
            m += 13;
        else if (strncmp(m, "lexical error: ", 15) == 0)
            m += 15;
        snprintf(p->error, sizeof p->error, "invalid JSON: %s", m);
        char *nl = strchr(p->error, '\n');
        if (nl)
            *nl = '\0';
        yajl_free_error(p->yajl, msg);
        p->failed = 1;
    }
    return -1;
}

/* After the top-level value only whitespace and NUL padding may follow. */
static int check_trailing(flowlog *p, const unsigned char *buf, size_t n,
                          uint64_t at)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = buf[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\0') {
            snprintf(p->error, sizeof p->error,
                     "unexpected data after the end of the JSON");
            p->error_offset = at + i;
            p->failed = 1;
            return -1;
        }
    }
    return 0;
}

/* Feeds JSON text that starts at input offset start. */
static int feed_json(flowlog *p, const unsigned char *buf, size_t n,
                     uint64_t start)
{
    if (p->done)
        return check_trailing(p, buf, n, start);
    size_t ok = json_token_scan(&p->scan, buf, n, FLOWLOG_MAX_TOKEN);
    p->fed = start;
    /* the text before an over-long token is parsed first, so that an
     * earlier error (or the end of the JSON) is found however the input is
     * cut into chunks */
    if (yajl_parse(p->yajl, buf, ok) != yajl_status_ok)
        return set_yajl_error(p, buf, ok);
    if (ok < n && !p->done) {
        snprintf(p->error, sizeof p->error,
                 "a JSON string or number longer than %u bytes",
                 FLOWLOG_MAX_TOKEN);
        p->error_offset = start + ok;
        p->failed = 1;
        return -1;
    }
    if (p->done) {
        size_t used = yajl_get_bytes_consumed(p->yajl);
        if (used < n && check_trailing(p, buf + used, n - used, start + used))
            return -1;
    }
    return 0;
}

int flowlog_feed(flowlog *p, const unsigned char *buf, size_t n)
{
    if (p->failed)
        return -1;
    uint64_t start = p->offset;
    p->offset += n;
    if (!p->bom_checked) {
        /* a UTF-8 byte-order mark may open the text; it may arrive split */
        static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
        while (n > 0 && p->nhead < 3 && buf[0] == bom[p->nhead]) {
            p->head[p->nhead++] = buf[0];
            buf++, n--, start++;
        }
        if (n == 0 && p->nhead < 3)
            return 0; /* undecided yet */
        p->bom_checked = 1;
        if (p->nhead > 0 && p->nhead < 3 &&
            feed_json(p, p->head, p->nhead, start - p->nhead) != 0)
            return -1; /* held bytes that were not a BOM after all */
    }
    return feed_json(p, buf, n, start);
}

int flowlog_finish(flowlog *p)
{
    if (p->failed)
        return -1;
    if (!p->bom_checked && p->nhead > 0 && p->nhead < 3) {
        p->bom_checked = 1;
        if (feed_json(p, p->head, p->nhead, 0) != 0)
            return -1;
    }
    if (p->done)
        return 0;
    if (!p->scan.nonblank) {
        snprintf(p->error, sizeof p->error, "the input is empty");
        p->error_offset = p->offset;
        p->failed = 1;
        return -1;
    }
    if (yajl_complete_parse(p->yajl) != yajl_status_ok) {
        set_yajl_error(p, (const unsigned char *)"", 0);
        p->error_offset = p->offset; /* the text ended too early */
        return -1;
    }
    return 0;
}

const char *flowlog_error(const flowlog *p)
{
    return p->error;
}

uint64_t flowlog_error_offset(const flowlog *p)
{
    return p->error_offset;
}

void flowlog_set_error(flowlog *p, const char *message)
{
    snprintf(p->error, sizeof p->error, "%s", message);
}

void flowlog_stats(const flowlog *p, struct flowlog_stats *out)
{
    out->records = p->records;
    out->flow_records = p->flow_records;
    out->has_records_array = p->top_has_records;
}

const char *flowlog_not_a_flow_log(const flowlog *p)
{
    char *msg = ((flowlog *)p)->describe;
    size_t msgsize = sizeof p->describe;
    switch (p->top_kind) {
    case 0:
        return NULL; /* nothing seen: the caller describes the bytes */
    case 's':
        return "a lone JSON value, not a flow-log blob";
    case 'a':
        return "a JSON array, not a flow-log blob (a blob is one object: {\"records\":[...]})";
    default:
        break;
    }
    if (!p->top_has_records) {
        if (!p->done)
            return NULL;
        if (p->top_recordish)
            return "a single flow-log record without the {\"records\":[...]} wrapper (event-hub or pipeline input, not a blob)";
        if (p->top_values && p->top_change_number)
            return "an Azure service-tags file, not a flow log";
        snprintf(msg, msgsize,
                 "a JSON object without a \"records\" array (its keys: %s)",
                 p->top_keys[0] ? p->top_keys : "none");
        return msg;
    }
    if (p->records > 0 && p->flow_records == 0) {
        snprintf(msg, msgsize,
                 "a log with %ld %s, none of them flow-log records (category %s)",
                 p->records, plural(p->records, "record", "records"), p->other_category);
        return msg;
    }
    return NULL;
}
