/* jsondoc.c: lists of small JSON documents, streamed (see jsondoc.h). yajl
 * calls back for every token; the current document's nodes come from an
 * arena that is emptied after the document is handed over. */
#include "jsondoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yajl/yajl_parse.h>

#include "../common/escape.h"
#include "jsontoken.h"

/* The longest string or number: yajl buffers a token whole, and rescans
 * it for each chunk that does not end it (a 200 MB string took minutes and
 * its size in memory), so longer ones are refused before yajl sees them. */
#define JSONDOC_MAX_TOKEN (1u << 20)

/* The arena: blocks of memory handed out in order, kept for the next
 * document once emptied. */
struct block {
    struct block *next;
    size_t used, size;
    unsigned char data[];
};

struct jsondoc {
    yajl_handle yajl;
    jd_doc_fn fn;
    void *ctx;
    struct block *blocks;      /* the first is the one in use */
    size_t bytes;              /* of the current document */
    /* where the parser is */
    int depth;                 /* containers open, the top level's included */
    struct jd_node *open[JSONDOC_MAX_DEPTH + 2]; /* the open containers, NULL
                                 * where nothing is built (a list wrapper) */
    struct jd_node *last[JSONDOC_MAX_DEPTH + 2]; /* the last element of each
                                 * (appending stays O(1) in a long array) */
    int list_depth;            /* the depth of the list whose elements are
                                * documents (1: a top array; 2: a wrapper's
                                * "value" or "data"); 0 until known */
    int in_wrapper;            /* the top object is a list wrapper */
    const char *pending_key;   /* the key whose value comes next */
    int pending_is_list;       /* ... and it is "value" or "data" at the top */
    size_t index;              /* documents handed over */
    char top;
    char top_keys[160];
    int failed, done;
    char error[256];
    uint64_t fed;              /* bytes before the chunk being parsed */
    struct json_token_scan scan; /* ahead of yajl (jsontoken.h) */
    /* a UTF-8 byte-order mark at the start (Windows tools write one) */
    int bom_checked;
    unsigned char held[3];
    size_t nheld;
};

static void *arena_alloc(jsondoc *p, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (p->bytes + n > JSONDOC_MAX_BYTES)
        return NULL;
    struct block *b = p->blocks;
    if (!b || b->used + n > b->size) {
        size_t size = n > 65536 ? n : 65536;
        struct block *nb = malloc(sizeof *nb + size);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->size = size;
        nb->next = b;
        p->blocks = b = nb;
    }
    void *v = b->data + b->used;
    b->used += n;
    p->bytes += n;
    return v;
}

/* Empties the arena, keeping one block for the next document. */
static void arena_reset(jsondoc *p)
{
    struct block *b = p->blocks;
    if (b) {
        struct block *rest = b->next;
        while (rest) {
            struct block *n = rest->next;
            free(rest);
            rest = n;
        }
        b->next = NULL;
        b->used = 0;
    }
    p->bytes = 0;
}

static int fail(jsondoc *p, const char *msg)
{
    if (!p->failed) {
        snprintf(p->error, sizeof p->error, "%s", msg);
        p->failed = 1;
    }
    return 0;
}

static char *keep_text(jsondoc *p, const unsigned char *s, size_t n)
{
    int clean = utf8_valid((const char *)s, n);
    size_t room = clean ? n : 3 * n;
    char *out = arena_alloc(p, room + 1);
    if (!out)
        return NULL;
    if (clean) {
        memcpy(out, s, n);
        out[n] = '\0';
    } else {
        utf8_repair((const char *)s, n, out, room + 1);
    }
    return out;
}

/* The node a value becomes: appended to the open container, or the root
 * of a new document, or nothing (a wrapper's other members). */
static struct jd_node *new_node(jsondoc *p, int kind, int *ok)
{
    *ok = 1;
    int level = p->depth; /* containers open around this value */
    struct jd_node *parent = level > 0 ? p->open[level] : NULL;
    int starts_doc = level == p->list_depth && p->list_depth > 0;
    if (level == 0)
        starts_doc = 1; /* the top value itself, until it turns out a list */
    if (!parent && !starts_doc) {
        p->pending_key = NULL;
        return NULL; /* outside any document */
    }
    struct jd_node *n = arena_alloc(p, sizeof *n);
    if (!n) {
        *ok = fail(p, p->bytes ? "a document that needs more than 64 MiB of memory" : "out of memory");
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->key = parent && parent->kind == JD_OBJECT ? p->pending_key : NULL;
    p->pending_key = NULL;
    if (parent && !starts_doc) {
        if (!parent->first)
            parent->first = n;
        else
            p->last[level]->next = n;
        p->last[level] = n;
        parent->count++;
    }
    return n;
}

/* A document is complete: hand it over. */
static int emit(jsondoc *p, struct jd_node *doc)
{
    int rc = p->fn(p->ctx, doc, p->index++);
    arena_reset(p);
    if (rc != 0)
        return fail(p, "stopped by the caller");
    return 1;
}

static int scalar(jsondoc *p, int kind, const unsigned char *s, size_t n, int b)
{
    if (p->depth == 0) {
        p->top = 's';
        p->done = 1;
        return 1;
    }
    if (p->in_wrapper && p->depth == 1)
        p->pending_key = NULL; /* a wrapper's other members are skipped */
    int ok;
    struct jd_node *node = new_node(p, kind, &ok);
    if (!ok)
        return 0;
    if (!node)
        return 1;
    if (kind == JD_STRING || kind == JD_NUMBER) {
        char *t = keep_text(p, s, n);
        if (!t)
            return fail(p, "a document that needs more than 64 MiB of memory");
        node->text = t;
        if (kind == JD_NUMBER)
            node->number = strtod(t, NULL);
    }
    node->boolean = b;
    if (p->depth == p->list_depth)
        return emit(p, node); /* a scalar in a list of documents */
    return 1;
}

static int cb_null(void *ctx)
{
    return scalar(ctx, JD_NULL, NULL, 0, 0);
}

static int cb_boolean(void *ctx, int b)
{
    return scalar(ctx, JD_BOOL, NULL, 0, b);
}

static int cb_number(void *ctx, const char *s, size_t n)
{
    return scalar(ctx, JD_NUMBER, (const unsigned char *)s, n, 0);
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    return scalar(ctx, JD_STRING, s, n, 0);
}

static int open_container(jsondoc *p, int kind)
{
    if (p->depth >= JSONDOC_MAX_DEPTH)
        return fail(p, "JSON nested deeper than 64 levels");
    if (p->depth == 0) {
        p->top = kind == JD_OBJECT ? 'o' : 'a';
        if (kind == JD_ARRAY)
            p->list_depth = 1; /* its elements are the documents */
    }
    if (p->depth == 1 && p->in_wrapper) {
        int is_list = p->pending_is_list && kind == JD_ARRAY;
        p->pending_key = NULL;
        p->pending_is_list = 0;
        p->depth++;
        p->open[p->depth] = NULL;
        p->last[p->depth] = NULL;
        if (is_list) {
            p->list_depth = 2;
            p->top = 'l';
        }
        return 1;
    }
    struct jd_node *node = NULL;
    if (!(p->depth == 0 && kind == JD_ARRAY)) {
        int ok;
        node = new_node(p, kind, &ok);
        if (!ok)
            return 0;
    }
    p->depth++;
    p->open[p->depth] = node;
    p->last[p->depth] = NULL;
    return 1;
}

static int cb_start_map(void *ctx)
{
    return open_container(ctx, JD_OBJECT);
}

static int cb_start_array(void *ctx)
{
    return open_container(ctx, JD_ARRAY);
}

static int close_container(jsondoc *p)
{
    struct jd_node *node = p->open[p->depth];
    p->depth--;
    if (p->depth == 0) {
        p->done = 1;
        /* the top object is one document, unless it was a list wrapper */
        if (node && !p->in_wrapper && p->top == 'o')
            return emit(p, node);
        return 1;
    }
    if (node && p->depth == p->list_depth)
        return emit(p, node);
    return 1;
}

static int cb_end(void *ctx)
{
    return close_container(ctx);
}

/* 1 when the object's members so far are plain values, none of them what
 * a resource has (id, name, type): what may stand before a list. */
static int only_counts(const struct jd_node *object)
{
    for (const struct jd_node *m = object->first; m; m = m->next)
        if (m->kind == JD_ARRAY || m->kind == JD_OBJECT || !m->key ||
            strcasecmp(m->key, "id") == 0 || strcasecmp(m->key, "name") == 0 ||
            strcasecmp(m->key, "type") == 0)
            return 0;
    return 1;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
    jsondoc *p = ctx;
    if (p->depth == 1 && p->top == 'o') {
        size_t used = strlen(p->top_keys);
        if (used + n + 3 < sizeof p->top_keys) {
            snprintf(p->top_keys + used, sizeof p->top_keys - used, "%s%.*s", used ? ", " : "",
                     (int)n, (const char *)s);
        }
        int list = (n == 5 && strncasecmp((const char *)s, "value", 5) == 0) ||
                   (n == 4 && strncasecmp((const char *)s, "data", 4) == 0);
        if (list && !p->in_wrapper && p->open[1] && only_counts(p->open[1])) {
            /* {"value": [...]} or {"data": [...]}: a list wrapper, also
             * after members that only count (Resource Graph writes "count"
             * first; a resource has an id, a name or a type) */
            p->in_wrapper = 1;
            p->open[1] = NULL;
            arena_reset(p);
        }
        if (p->in_wrapper) {
            p->pending_is_list = list;
            p->pending_key = NULL;
            return 1;
        }
    }
    char *key = keep_text(p, s, n);
    if (!key)
        return fail(p, "a document that needs more than 64 MiB of memory");
    p->pending_key = key;
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

jsondoc *jd_new(jd_doc_fn fn, void *ctx)
{
    jsondoc *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fn = fn;
    p->ctx = ctx;
    p->yajl = yajl_alloc(&callbacks, NULL, p);
    if (!p->yajl) {
        free(p);
        return NULL;
    }
    yajl_config(p->yajl, yajl_allow_trailing_garbage, 0);
    return p;
}

void jd_free(jsondoc *p)
{
    if (!p)
        return;
    yajl_free(p->yajl);
    struct block *b = p->blocks;
    while (b) {
        struct block *n = b->next;
        free(b);
        b = n;
    }
    free(p);
}

static void yajl_fail(jsondoc *p, const unsigned char *buf, size_t n)
{
    if (!p->failed) {
        unsigned char *e = yajl_get_error(p->yajl, 0, buf, n);
        snprintf(p->error, sizeof p->error, "invalid JSON: %s", e ? (const char *)e : "?");
        if (e)
            yajl_free_error(p->yajl, e);
        size_t len = strlen(p->error);
        while (len && (p->error[len - 1] == '\n' || p->error[len - 1] == ' '))
            p->error[--len] = '\0';
        p->failed = 1;
    }
}

static int feed_json(jsondoc *p, const unsigned char *buf, size_t n);

int jd_feed(jsondoc *p, const unsigned char *buf, size_t n)
{
    if (p->failed)
        return -1;
    if (!p->bom_checked) {
        /* skipped, even when it arrives split across chunks; its bytes
         * count in the offsets of errors */
        static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
        while (n > 0 && p->nheld < 3 && buf[0] == bom[p->nheld]) {
            p->held[p->nheld++] = buf[0];
            buf++, n--;
        }
        if (n == 0 && p->nheld < 3)
            return 0;
        p->bom_checked = 1;
        p->fed += p->nheld == 3 ? 3 : 0;
        if (p->nheld > 0 && p->nheld < 3 && feed_json(p, p->held, p->nheld) != 0)
            return -1; /* not a mark after all */
    }
    return feed_json(p, buf, n);
}

static int feed_json(jsondoc *p, const unsigned char *buf, size_t n)
{
    /* the text before an over-long token is parsed first, so that an
     * earlier error is found however the input is cut into chunks */
    size_t ok = json_token_scan(&p->scan, buf, n, JSONDOC_MAX_TOKEN);
    yajl_status st = yajl_parse(p->yajl, buf, ok);
    if (st != yajl_status_ok) {
        if (st == yajl_status_error)
            yajl_fail(p, buf, ok);
        p->fed += yajl_get_bytes_consumed(p->yajl);
        return -1;
    }
    p->fed += ok;
    if (ok < n) {
        snprintf(p->error, sizeof p->error, "a JSON string or number longer than %u bytes",
                 JSONDOC_MAX_TOKEN);
        p->failed = 1;
        return -1;
    }
    return 0;
}

int jd_finish(jsondoc *p)
{
    if (p->failed)
        return -1;
    if (!p->bom_checked && p->nheld > 0 && p->nheld < 3) {
        p->bom_checked = 1;
        if (feed_json(p, p->held, p->nheld) != 0)
            return -1;
    }
    if (yajl_complete_parse(p->yajl) != yajl_status_ok) {
        if (!p->failed)
            snprintf(p->error, sizeof p->error, "the JSON breaks off (%s)",
                     p->depth ? "inside an object or array" : "no value");
        p->failed = 1;
        return -1;
    }
    return 0;
}

const char *jd_error(const jsondoc *p)
{
    return p->error;
}

uint64_t jd_error_offset(const jsondoc *p)
{
    return p->fed;
}

char jd_top(const jsondoc *p)
{
    return p->top;
}

const char *jd_top_keys(const jsondoc *p)
{
    return p->top_keys;
}

const struct jd_node *jd_get(const struct jd_node *object, const char *key)
{
    if (!object || object->kind != JD_OBJECT)
        return NULL;
    for (const struct jd_node *n = object->first; n; n = n->next)
        if (n->key && strcasecmp(n->key, key) == 0)
            return n;
    return NULL;
}

const struct jd_node *jd_field(const struct jd_node *object, const char *key)
{
    const struct jd_node *n = jd_get(object, key);
    if (n && n->kind != JD_NULL)
        return n;
    const struct jd_node *props = jd_get(object, "properties");
    const struct jd_node *m = jd_get(props, key);
    return m ? m : n;
}

const char *jd_string(const struct jd_node *object, const char *key)
{
    const struct jd_node *n = jd_field(object, key);
    return n && n->kind == JD_STRING ? n->text : "";
}

double jd_number(const struct jd_node *object, const char *key, double fallback)
{
    const struct jd_node *n = jd_field(object, key);
    if (n && n->kind == JD_NUMBER)
        return n->number;
    if (n && n->kind == JD_STRING && n->text[0]) {
        char *end;
        double v = strtod(n->text, &end);
        if (!*end)
            return v;
    }
    return fallback;
}

int jd_bool(const struct jd_node *object, const char *key, int fallback)
{
    const struct jd_node *n = jd_field(object, key);
    if (n && n->kind == JD_BOOL)
        return n->boolean;
    if (n && n->kind == JD_STRING)
        return strcasecmp(n->text, "true") == 0 ? 1 : strcasecmp(n->text, "false") == 0 ? 0 : fallback;
    return fallback;
}
