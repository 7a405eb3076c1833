/* tags.c: service-tag data: the built-in snapshot, `nsgflow tags import`,
 * and the in-memory range index (see tags.h). */
#include "../common/cli.h"
#include "../common/escape.h"
#include "../common/plural.h"
#include "tags.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <yajl/yajl_parse.h>

#include "../ingest/ingest.h"
#include "../ingest/source.h"
#include "../schema/db.h"

/* The snapshot compiled in (build/tags_snapshot.c, from analyze/data). */
extern const char tags_snapshot[];

static const char *const names[TAG_DATA_COUNT] = {
    [TAG_API_MANAGEMENT] = "ApiManagement",
    [TAG_STORAGE] = "Storage",
    [TAG_SQL] = "Sql",
    [TAG_EVENT_HUB] = "EventHub",
    [TAG_KEY_VAULT] = "AzureKeyVault",
    [TAG_AZURE_MONITOR] = "AzureMonitor",
    [TAG_AZURE_CLOUD] = "AzureCloud",
    [TAG_ENTRA_ID] = "AzureActiveDirectory",
    [TAG_CONNECTORS] = "AzureConnectors",
    [TAG_TRAFFIC_MANAGER] = "AzureTrafficManager",
};

const char *tag_name(int bit)
{
    return bit >= 0 && bit < TAG_DATA_COUNT ? names[bit] : NULL;
}

int tag_bit_of(const char *name)
{
    for (int i = 0; i < TAG_DATA_COUNT; i++)
        if (strcasecmp(names[i], name) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------ */
/* prefixes                                                           */

struct prefix {
    struct ip_addr first, last;
};

static int prefix_parse(const char *s, size_t n, struct prefix *out)
{
    return ip_prefix_parse(s, n, &out->first, &out->last);
}

static void bind_prefix(sqlite3_stmt *st, const struct prefix *p)
{
    if (p->first.family == IP_V4) {
        sqlite3_bind_int(st, 3, IP_V4);
        sqlite3_bind_int64(st, 4, ip_v4_value(&p->first));
        sqlite3_bind_int64(st, 5, ip_v4_value(&p->last));
    } else {
        sqlite3_bind_int(st, 3, IP_V6);
        sqlite3_bind_blob(st, 4, p->first.b, 16, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 5, p->last.b, 16, SQLITE_TRANSIENT);
    }
}

/* ------------------------------------------------------------------ */
/* writing tag data                                                   */

struct writer {
    sqlite3 *db;
    sqlite3_stmt *add_tag, *add_prefix, *name_tag;
    long prefixes, tags;
};

static int writer_open(struct writer *w, sqlite3 *db, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->db = db;
    if (db_exec(db,
                "DELETE FROM address_service_tag; DELETE FROM address_service_tag_state;"
                "DELETE FROM service_tag_prefix; DELETE FROM service_tag;"
                "DELETE FROM service_tag_source;",
                err, errlen) != 0)
        return -1;
    if (sqlite3_prepare_v2(db, "INSERT INTO service_tag(name, region, system_service, change_number)"
                               " VALUES(?, ?, ?, ?)", -1, &w->add_tag, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO service_tag_prefix(tag_id, prefix, family, first, last)"
                               " VALUES(?, ?, ?, ?, ?)", -1, &w->add_prefix, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE service_tag SET name = ?, region = ?, system_service = ?,"
                               " change_number = ? WHERE id = ?", -1, &w->name_tag, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

static void writer_close(struct writer *w)
{
    sqlite3_finalize(w->add_tag);
    sqlite3_finalize(w->add_prefix);
    sqlite3_finalize(w->name_tag);
}

static int step_reset(sqlite3 *db, sqlite3_stmt *st, char *err, size_t errlen)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v && strcmp(v, "-") != 0)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int writer_tag(struct writer *w, const char *name, const char *region,
                      const char *service, long change, int64_t *id,
                      char *err, size_t errlen)
{
    bind_opt(w->add_tag, 1, name);
    bind_opt(w->add_tag, 2, region);
    bind_opt(w->add_tag, 3, service);
    sqlite3_bind_int64(w->add_tag, 4, change);
    if (step_reset(w->db, w->add_tag, err, errlen) != 0)
        return -1;
    *id = sqlite3_last_insert_rowid(w->db);
    w->tags++;
    return 0;
}

/* Adds one prefix; a malformed one is an error naming it. */
static int writer_prefix(struct writer *w, int64_t tag_id, const char *s,
                         size_t n, char *err, size_t errlen)
{
    struct prefix p;
    if (prefix_parse(s, n, &p) != 0) {
        snprintf(err, errlen, "not an address prefix: '%.*s'", (int)(n > 60 ? 60 : n), s);
        return -1;
    }
    sqlite3_bind_int64(w->add_prefix, 1, tag_id);
    sqlite3_bind_text(w->add_prefix, 2, s, (int)n, SQLITE_TRANSIENT);
    bind_prefix(w->add_prefix, &p);
    if (step_reset(w->db, w->add_prefix, err, errlen) != 0)
        return -1;
    w->prefixes++;
    return 0;
}

static int write_source(sqlite3 *db, const struct tag_source *s, char *err,
                        size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO service_tag_source(id, origin, cloud, change_number,"
                               " published, imported_at) VALUES(1, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_text(st, 1, s->origin, -1, SQLITE_TRANSIENT);
    bind_opt(st, 2, s->cloud);
    sqlite3_bind_int64(st, 3, s->change_number);
    bind_opt(st, 4, s->published);
    sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
    int rc = step_reset(db, st, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

static int read_source(sqlite3 *db, struct tag_source *s)
{
    sqlite3_stmt *st;
    memset(s, 0, sizeof *s);
    if (sqlite3_prepare_v2(db, "SELECT origin, cloud, change_number, published"
                               " FROM service_tag_source WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        const char *o = (const char *)sqlite3_column_text(st, 0);
        const char *c = (const char *)sqlite3_column_text(st, 1);
        const char *p = (const char *)sqlite3_column_text(st, 3);
        snprintf(s->origin, sizeof s->origin, "%s", o ? o : "");
        snprintf(s->cloud, sizeof s->cloud, "%s", c ? c : "");
        s->change_number = sqlite3_column_int64(st, 2);
        snprintf(s->published, sizeof s->published, "%s", p ? p : "");
    }
    sqlite3_finalize(st);
    return found;
}

/* ------------------------------------------------------------------ */
/* the built-in snapshot                                              */

static int load_snapshot(sqlite3 *db, char *err, size_t errlen)
{
    struct writer w;
    if (writer_open(&w, db, err, errlen) != 0) {
        writer_close(&w);
        return -1;
    }
    struct tag_source src = {.origin = "built-in snapshot", .cloud = "Public"};
    const char *p = tags_snapshot;
    int64_t tag_id = 0;
    int rc = 0;
    while (*p && rc == 0) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (n > 0 && p[0] == '#') {
            const char *c = strstr(p, "changeNumber ");
            if (c && c < p + n)
                src.change_number = strtol(c + 13, NULL, 10);
            const char *pub = strstr(p, "published ");
            if (pub && pub < p + n && src.published[0] == '\0')
                snprintf(src.published, sizeof src.published, "%.7s-01", pub + 10);
        } else if (n > 2 && p[0] == '@') {
            char line[512], name[128], region[64], service[128];
            long change = 0;
            snprintf(line, sizeof line, "%.*s", (int)n, p);
            if (sscanf(line, "@ %127s %63s %ld %127s", name, region, &change, service) != 4) {
                snprintf(err, errlen, "built-in snapshot: bad tag line '%s'", line);
                rc = -1;
            } else {
                rc = writer_tag(&w, name, region, service, change, &tag_id, err, errlen);
            }
        } else if (n > 0) {
            rc = writer_prefix(&w, tag_id, p, n, err, errlen);
        }
        p += n + (eol ? 1 : 0);
    }
    writer_close(&w);
    if (rc == 0)
        rc = write_source(db, &src, err, errlen);
    return rc;
}

int tags_ensure(sqlite3 *db, struct tag_source *src, char *err, size_t errlen)
{
    int found = read_source(db, src);
    if (found < 0) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    if (found)
        return 0;
    int own = sqlite3_get_autocommit(db);
    if (own && db_exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    if (load_snapshot(db, err, errlen) != 0) {
        if (own)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if (own && db_exec(db, "COMMIT", err, errlen) != 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return read_source(db, src) == 1 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* import of ServiceTags_*.json, streamed                             */

enum ikey { IK_NONE, IK_OTHER, IK_CHANGE, IK_CLOUD, IK_VALUES, IK_NAME,
            IK_PROPERTIES, IK_REGION, IK_SERVICE, IK_PREFIXES };

struct importer {
    struct writer w;
    int depth;           /* nesting of the current position */
    int values_depth;    /* depth of the values array, 0 when outside */
    int in_value, in_props, in_prefixes;
    enum ikey key;
    int64_t tag_id;
    char name[256], region[64], service[128];
    long change;
    struct tag_source src;
    long values;
    char err[300];
};

static enum ikey ikey_of(const unsigned char *s, size_t n)
{
    static const struct { const char *k; enum ikey v; } keys[] = {
        {"changeNumber", IK_CHANGE}, {"cloud", IK_CLOUD}, {"values", IK_VALUES},
        {"name", IK_NAME}, {"properties", IK_PROPERTIES}, {"region", IK_REGION},
        {"systemService", IK_SERVICE}, {"addressPrefixes", IK_PREFIXES},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i].k) == n && memcmp(keys[i].k, s, n) == 0)
            return keys[i].v;
    return IK_OTHER;
}

static int im_fail(struct importer *im, const char *msg)
{
    if (!im->err[0])
        snprintf(im->err, sizeof im->err, "%s", msg);
    return 0;
}

static int im_string(void *ctx, const unsigned char *s, size_t n)
{
    struct importer *im = ctx;
    enum ikey k = im->key;
    im->key = IK_NONE;
    if (im->in_prefixes) {
        char e[200];
        if (writer_prefix(&im->w, im->tag_id, (const char *)s, n, e, sizeof e) != 0)
            return im_fail(im, e);
        return 1;
    }
    if (im->depth == 1 && k == IK_CLOUD)
        snprintf(im->src.cloud, sizeof im->src.cloud, "%.*s", (int)n, s);
    else if (im->in_value && !im->in_props && im->depth == im->values_depth + 1 && k == IK_NAME)
        snprintf(im->name, sizeof im->name, "%.*s", (int)n, s);
    else if (im->in_props && k == IK_REGION)
        snprintf(im->region, sizeof im->region, "%.*s", (int)n, s);
    else if (im->in_props && k == IK_SERVICE)
        snprintf(im->service, sizeof im->service, "%.*s", (int)n, s);
    return 1;
}

static int im_number(void *ctx, const char *s, size_t n)
{
    struct importer *im = ctx;
    enum ikey k = im->key;
    im->key = IK_NONE;
    char buf[32];
    snprintf(buf, sizeof buf, "%.*s", (int)(n < 31 ? n : 31), s);
    if (im->depth == 1 && k == IK_CHANGE)
        im->src.change_number = strtol(buf, NULL, 10);
    else if (im->in_props && k == IK_CHANGE)
        im->change = strtol(buf, NULL, 10);
    return 1;
}

static int im_scalar(void *ctx)
{
    ((struct importer *)ctx)->key = IK_NONE;
    return 1;
}

static int im_bool(void *ctx, int v)
{
    (void)v;
    return im_scalar(ctx);
}

static int im_key(void *ctx, const unsigned char *s, size_t n)
{
    ((struct importer *)ctx)->key = ikey_of(s, n);
    return 1;
}

static int im_start_map(void *ctx)
{
    struct importer *im = ctx;
    enum ikey k = im->key;
    im->key = IK_NONE;
    im->depth++;
    if (im->values_depth && im->depth == im->values_depth + 1) {
        /* a new tag: its row first, named when the object ends */
        im->in_value = 1;
        im->name[0] = im->region[0] = im->service[0] = '\0';
        im->change = 0;
        char tmp[48], e[200];
        snprintf(tmp, sizeof tmp, "#pending-%ld", im->values);
        if (writer_tag(&im->w, tmp, NULL, NULL, 0, &im->tag_id, e, sizeof e) != 0)
            return im_fail(im, e);
    } else if (im->in_value && k == IK_PROPERTIES && im->depth == im->values_depth + 2) {
        im->in_props = 1;
    }
    return 1;
}

static int im_end_map(void *ctx)
{
    struct importer *im = ctx;
    if (im->in_props && im->depth == im->values_depth + 2) {
        im->in_props = 0;
    } else if (im->in_value && im->depth == im->values_depth + 1) {
        im->in_value = 0;
        im->values++;
        if (!im->name[0])
            return im_fail(im, "a value without a name");
        struct writer *w = &im->w;
        bind_opt(w->name_tag, 1, im->name);
        bind_opt(w->name_tag, 2, im->region);
        bind_opt(w->name_tag, 3, im->service);
        sqlite3_bind_int64(w->name_tag, 4, im->change);
        sqlite3_bind_int64(w->name_tag, 5, im->tag_id);
        char e[200];
        if (step_reset(w->db, w->name_tag, e, sizeof e) != 0)
            return im_fail(im, e);
    }
    im->depth--;
    im->key = IK_NONE;
    return 1;
}

static int im_start_array(void *ctx)
{
    struct importer *im = ctx;
    enum ikey k = im->key;
    im->key = IK_NONE;
    im->depth++;
    if (im->depth == 2 && k == IK_VALUES)
        im->values_depth = im->depth;
    else if (im->in_props && k == IK_PREFIXES)
        im->in_prefixes = 1;
    return 1;
}

static int im_end_array(void *ctx)
{
    struct importer *im = ctx;
    if (im->in_prefixes)
        im->in_prefixes = 0;
    else if (im->values_depth == im->depth)
        im->values_depth = 0;
    im->depth--;
    return 1;
}

static const yajl_callbacks import_callbacks = {
    im_scalar, im_bool, NULL, NULL, im_number, im_string,
    im_start_map, im_key, im_end_map, im_start_array, im_end_array,
};

/* "ServiceTags_Public_20251110.json" -> "2025-11-10" */
static void date_from_name(const char *path, char out[16])
{
    out[0] = '\0';
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (const char *p = base; *p; p++) {
        int digits = 0;
        while (isdigit((unsigned char)p[digits]))
            digits++;
        if (digits == 8 && (p[0] == '1' || p[0] == '2')) {
            snprintf(out, 16, "%.4s-%.2s-%.2s", p, p + 4, p + 6);
            return;
        }
        if (digits)
            p += digits - 1;
    }
}

int tags_import(sqlite3 *db, const char *path, long *prefixes, char *err,
                size_t errlen)
{
    struct importer *im = calloc(1, sizeof *im);
    unsigned char *buf = malloc(1 << 16);
    char e[256];
    int rc = -1;
    source *s = NULL;
    yajl_handle y = NULL;
    uint64_t offset = 0;
    if (!im || !buf) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    s = source_open(path, e, sizeof e);
    if (!s) {
        snprintf(err, errlen, "%s: %s", path, e);
        goto done;
    }
    if (db_exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
        goto done;
    if (writer_open(&im->w, db, err, errlen) != 0)
        goto rollback;
    y = yajl_alloc(&import_callbacks, NULL, im);
    if (!y) {
        snprintf(err, errlen, "out of memory");
        goto rollback;
    }
    long n;
    while ((n = source_read(s, buf, 1 << 16)) > 0) {
        if (yajl_parse(y, buf, (size_t)n) != yajl_status_ok)
            goto parse_error;
        offset += (uint64_t)n;
    }
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, source_error(s));
        goto rollback;
    }
    if (yajl_complete_parse(y) != yajl_status_ok)
        goto parse_error;
    if (im->w.prefixes == 0 || im->src.change_number == 0) {
        snprintf(err, errlen, "%s: not a service-tags file (no changeNumber and "
                              "values with addressPrefixes)", path);
        goto rollback;
    }
    snprintf(im->src.origin, sizeof im->src.origin, "%s",
             strcmp(path, "-") == 0 ? "standard input" : path);
    date_from_name(path, im->src.published);
    if (write_source(db, &im->src, err, errlen) != 0 ||
        db_exec(db, "COMMIT", err, errlen) != 0)
        goto rollback;
    *prefixes = im->w.prefixes;
    rc = 0;
    goto done;
parse_error:
    if (im->err[0]) {
        snprintf(err, errlen, "%s: %s (near byte %llu)", path, im->err,
                 (unsigned long long)(offset + yajl_get_bytes_consumed(y)));
    } else {
        unsigned char *msg = yajl_get_error(y, 0, buf, 0);
        char *nl = strchr((char *)msg, '\n');
        if (nl)
            *nl = '\0';
        snprintf(err, errlen, "%s: invalid JSON at byte %llu: %s", path,
                 (unsigned long long)(offset + yajl_get_bytes_consumed(y)), (char *)msg);
        yajl_free_error(y, msg);
    }
rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
done:
    if (im)
        writer_close(&im->w);
    if (y)
        yajl_free(y);
    source_close(s);
    free(buf);
    free(im);
    return rc;
}

/* ------------------------------------------------------------------ */
/* the range index                                                    */

/* A tag's addresses as sorted, merged ranges, each family in an array of
 * its own: an IPv4 range is two 32-bit values (8 bytes, where a pair of
 * struct ip_addr took 34), so a tag file of a million prefixes costs a few
 * megabytes. */
struct v4_range {
    uint32_t first, last;
};
struct v6_range {
    uint8_t first[16], last[16];
};

struct ranges {
    struct v4_range *v4;
    struct v6_range *v6;
    size_t n4, cap4, n6, cap6;
};

struct tags_index {
    struct ranges r[TAG_DATA_COUNT];
};

/* Room for one more element in *v (n used of *cap, each size bytes). */
static int grow(void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 0;
    size_t more = *cap ? *cap * 2 : 256;
    void *p = realloc(*v, more * size);
    if (!p)
        return -1;
    *v = p;
    *cap = more;
    return 0;
}

/* Gives back the room past n (after the merge). */
static void shrink(void **v, size_t n, size_t *cap, size_t size)
{
    if (n == 0 || n == *cap)
        return;
    void *p = realloc(*v, n * size);
    if (p) {
        *v = p;
        *cap = n;
    }
}

static int ranges_add(struct ranges *r, const struct prefix *p)
{
    if (p->first.family == IP_V4) {
        if (grow((void **)&r->v4, r->n4, &r->cap4, sizeof *r->v4) != 0)
            return -1;
        r->v4[r->n4++] = (struct v4_range){ip_v4_value(&p->first), ip_v4_value(&p->last)};
    } else {
        if (grow((void **)&r->v6, r->n6, &r->cap6, sizeof *r->v6) != 0)
            return -1;
        struct v6_range *x = &r->v6[r->n6++];
        memcpy(x->first, p->first.b, 16);
        memcpy(x->last, p->last.b, 16);
    }
    return 0;
}

static int cmp_v4(const void *x, const void *y)
{
    uint32_t a = ((const struct v4_range *)x)->first, b = ((const struct v4_range *)y)->first;
    return (a > b) - (a < b);
}

static int cmp_v6(const void *x, const void *y)
{
    return memcmp(((const struct v6_range *)x)->first, ((const struct v6_range *)y)->first, 16);
}

/* Sorts and merges overlapping or adjacent ranges, per family. */
static void ranges_merge(struct ranges *r)
{
    if (r->n4 > 1) {
        qsort(r->v4, r->n4, sizeof *r->v4, cmp_v4);
        size_t out = 0;
        for (size_t i = 1; i < r->n4; i++) {
            struct v4_range *cur = &r->v4[out];
            /* next starts inside cur or right after it (cur may end at the
             * family's last address, which nothing follows) */
            if (cur->last == UINT32_MAX || r->v4[i].first <= cur->last + 1) {
                if (r->v4[i].last > cur->last)
                    cur->last = r->v4[i].last;
            } else {
                r->v4[++out] = r->v4[i];
            }
        }
        r->n4 = out + 1;
    }
    if (r->n6 > 1) {
        qsort(r->v6, r->n6, sizeof *r->v6, cmp_v6);
        size_t out = 0;
        for (size_t i = 1; i < r->n6; i++) {
            struct v6_range *cur = &r->v6[out];
            uint8_t after[16]; /* the address after cur's last, 0 when none */
            memcpy(after, cur->last, 16);
            int wrapped = 1;
            for (int k = 15; k >= 0 && wrapped; k--)
                wrapped = ++after[k] == 0;
            if (wrapped || memcmp(r->v6[i].first, after, 16) <= 0) {
                if (memcmp(r->v6[i].last, cur->last, 16) > 0)
                    memcpy(cur->last, r->v6[i].last, 16);
            } else {
                r->v6[++out] = r->v6[i];
            }
        }
        r->n6 = out + 1;
    }
    shrink((void **)&r->v4, r->n4, &r->cap4, sizeof *r->v4);
    shrink((void **)&r->v6, r->n6, &r->cap6, sizeof *r->v6);
}

tags_index *tags_index_load(sqlite3 *db, char *err, size_t errlen)
{
    tags_index *ix = calloc(1, sizeof *ix);
    sqlite3_stmt *st = NULL;
    if (!ix) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* the prefixes of the tags asked about only, each tag's through the
     * index on tag_id: not every row of a big tag file */
    if (sqlite3_prepare_v2(db, "SELECT p.prefix FROM service_tag t"
                               " JOIN service_tag_prefix p ON p.tag_id = t.id"
                               " WHERE t.name = ?1 COLLATE NOCASE",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    for (int bit = 0; bit < TAG_DATA_COUNT; bit++) {
        sqlite3_bind_text(st, 1, tag_name(bit), -1, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *text = (const char *)sqlite3_column_text(st, 0);
            struct prefix p;
            if (prefix_parse(text, strlen(text), &p) != 0)
                continue;
            if (ranges_add(&ix->r[bit], &p) != 0) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
        }
        if (rc != SQLITE_DONE)
            goto sqlfail;
        sqlite3_reset(st);
        ranges_merge(&ix->r[bit]);
    }
    sqlite3_finalize(st);
    return ix;
sqlfail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
fail:
    sqlite3_finalize(st);
    tags_index_free(ix);
    return NULL;
}

void tags_index_free(tags_index *ix)
{
    if (!ix)
        return;
    for (int i = 0; i < TAG_DATA_COUNT; i++) {
        free(ix->r[i].v4);
        free(ix->r[i].v6);
    }
    free(ix);
}

size_t tags_index_count(const tags_index *ix, int bit)
{
    return bit >= 0 && bit < TAG_DATA_COUNT ? ix->r[bit].n4 + ix->r[bit].n6 : 0;
}

/* Whether the sorted, disjoint ranges hold a: a binary search for the last
 * range starting at or before a. */
static int in_v4(const struct ranges *r, uint32_t a)
{
    size_t lo = 0, hi = r->n4;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->v4[mid].first <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && a <= r->v4[lo - 1].last;
}

static int in_v6(const struct ranges *r, const uint8_t *a)
{
    size_t lo = 0, hi = r->n6;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (memcmp(r->v6[mid].first, a, 16) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && memcmp(a, r->v6[lo - 1].last, 16) <= 0;
}

uint32_t tags_lookup(const tags_index *ix, const struct ip_addr *a)
{
    uint32_t mask = 0;
    uint32_t v4 = a->family == IP_V4 ? ip_v4_value(a) : 0;
    for (int t = 0; t < TAG_DATA_COUNT; t++)
        if (a->family == IP_V4 ? in_v4(&ix->r[t], v4)
                               : a->family == IP_V6 && in_v6(&ix->r[t], a->b))
            mask |= 1u << t;
    return mask;
}

/* ------------------------------------------------------------------ */
/* the command                                                        */

const char tags_usage[] =
    "usage: nsgflow tags import [--db FILE] FILE\n"
    "       nsgflow tags show [--db FILE]\n"
    "\n"
    "Azure service tags map addresses to Azure services (Sql, Storage,\n"
    "ApiManagement, ...). nsgflow carries a snapshot of the tags that API\n"
    "Management's requirements name; `tags import` replaces it with a current\n"
    "ServiceTags_Public_YYYYMMDD.json (plain or gzip, or - for standard input),\n"
    "downloaded from Microsoft, all of its tags, in one transaction.\n"
    "`tags show` says which tag data the database holds.\n"
    "\n"
    "Exit status: 0 done; 1 the file or the database could not be read or\n"
    "written (nothing changed); 2 usage; 130, 143 stopped by SIGINT, SIGTERM\n"
    "(nothing changed).\n";

static int tags_show(sqlite3 *db)
{
    struct tag_source src;
    char err[300];
    if (tags_ensure(db, &src, err, sizeof err) != 0) {
        msg(stderr, "nsgflow tags: %s\n", err);
        return EXIT_FATAL;
    }
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT count(*), (SELECT count(*) FROM service_tag_prefix)"
                           " FROM service_tag", -1, &st, NULL);
    sqlite3_step(st);
    int64_t tags = sqlite3_column_int64(st, 0), prefixes = sqlite3_column_int64(st, 1);
    msg_wrapped(stdout, cli_width(stdout), 4, "service tags: %s, cloud %s, changeNumber %ld,"
                " published %s: %lld %s, %lld %s\n", src.origin,
                src.cloud[0] ? src.cloud : "not named", src.change_number,
                src.published[0] ? src.published : "unknown", (long long)tags,
                plural(tags, "tag", "tags"), (long long)prefixes,
                plural(prefixes, "prefix", "prefixes"));
    sqlite3_finalize(st);
    return EXIT_OK;
}

int tags_main(int argc, char **argv)
{
    const char *dbpath = NULL;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "h";
    optind = 1;
    int c;
    while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
        switch (c) {
        case 'd': dbpath = optarg; break;
        case 'h': fputs(tags_usage, stdout); return EXIT_OK;
        default: return cli_bad_option("tags", argv, shortopts, longopts);
        }
    }
    const char *sub = optind < argc ? argv[optind] : NULL;
    int import = sub && strcmp(sub, "import") == 0;
    if (sub && !import && strcmp(sub, "show") != 0) {
        static const char *const verbs[] = {"import", "show"};
        char hint[64];
        if (cli_suggest(sub, verbs, 2, "", hint, sizeof hint))
            msg(stderr, "nsgflow tags: '%s' is not a tags command. Did you mean %s?\n", sub, hint);
        else
            msg(stderr, "nsgflow tags: '%s' is not a tags command (import, show)\n", sub);
        return EXIT_USAGE;
    }
    if (!sub || (import && optind + 2 != argc) || (!import && optind + 1 != argc)) {
        fputs(tags_usage, stderr);
        return EXIT_USAGE;
    }
    cli_on_stop(import ? "tags import" : "tags show",
                import ? "the tag data is unchanged (an import is one transaction)"
                       : "nothing was changed");
    sqlite3 *db;
    char err[600];
    const char *path = db_default_path(dbpath);
    /* import may make the database; show reads one that exists */
    if ((import ? db_open_or_say(path, 300000, &db) : db_open_existing_or_say(path, 300000, &db)) != 0)
        return EXIT_FATAL;
    int status = EXIT_OK;
    if (import) {
        long prefixes = 0;
        if (tags_import(db, argv[optind + 1], &prefixes, err, sizeof err) != 0) {
            msg(stderr, "nsgflow tags import: %s; the tag data is unchanged\n", err);
            status = EXIT_FATAL;
        } else {
            status = tags_show(db);
        }
    } else {
        status = tags_show(db);
    }
    sqlite3_close(db);
    return status;
}
