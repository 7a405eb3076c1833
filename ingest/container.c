/* container.c: a storage container's blobs listed into the walk (see
 * container.h): flat, page after page, or, for a window, folder by folder
 * down the blob names' y=/m=/d=/h= (and, with --shard, macAddress=)
 * folders, never into one that can hold no wanted blob. */
#include "container.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/escape.h"
#include "../common/plural.h"
#include "window.h"

struct listing {
    struct walk_result *w;
    const struct az_container *c;
    const struct ingest_options *o;
    size_t mark;        /* the entries before the page */
    long skipped_mark;
    /* by folder (--since/--until): the folders still to list, a
     * stack (the last is listed next); those of the page being read start
     * at folders_mark */
    struct folder {
        char *name;
        int whole;      /* listed whole (flat), not by folder */
    } *folders;
    size_t nfolders, cap_folders, folders_mark;
    const char *delimiter; /* of the folder being listed */
    long folders_listed, folders_outside, folders_other_shard; /* and their marks: */
    long outside_mark, other_shard_mark;
    int out_of_memory;
};

static int blob_like(const char *name)
{
    size_t n = strlen(name);
    return (n >= 5 && strcasecmp(name + n - 5, ".json") == 0) ||
           (n >= 8 && strcasecmp(name + n - 8, ".json.gz") == 0);
}

/* A blob of the listing: taken when its name is a flow-log blob's (as the
 * walk of a directory takes .json and .json.gz files), else counted as
 * another file. */
static int on_listed(void *ctx, const struct az_blob_item *it)
{
    struct listing *l = ctx;
    if (!blob_like(it->name)) {
        l->w->skipped_files++;
        return 0;
    }
    char url[AZ_URL_MAX + AZ_CONTAINER_MAX + AZ_NAME_MAX + 4];
    int k = snprintf(url, sizeof url, "%s/%s/", l->c->base, l->c->container);
    snprintf(url + k, sizeof url - (size_t)k, "%s", it->name);
    return walk_add_remote(l->w, l->c, url, (size_t)k, it->length, it->etag);
}

/* Whether a folder that the window and the shard keep is listed whole
 * (flat: every blob under it, in the fewest requests) or by folder again:
 * whole when all of its hours are in the window and no shard is to be
 * told apart below it. */
static int list_whole(const struct ingest_options *o, const char *name)
{
    return o->shard_count <= 1 &&
           (!o->window || window_prefix_inside(name, o->since, o->until));
}

/* Keeps a folder to list later. Returns 0, or 1 when out of memory. */
static int keep_folder(struct listing *l, const char *name)
{
    if (l->nfolders == l->cap_folders) {
        size_t cap = l->cap_folders ? l->cap_folders * 2 : 64;
        struct folder *more = realloc(l->folders, cap * sizeof *more);
        if (!more) {
            l->out_of_memory = 1;
            return 1;
        }
        l->folders = more;
        l->cap_folders = cap;
    }
    struct folder *f = &l->folders[l->nfolders];
    if (!(f->name = strdup(name))) {
        l->out_of_memory = 1;
        return 1;
    }
    f->whole = list_whole(l->o, name);
    l->nfolders++;
    return 0;
}

/* A folder of a listing by folder: listed later unless it lies wholly
 * outside --since/--until or is another shard's NIC's. */
static int on_folder(void *ctx, const char *listed)
{
    struct listing *l = ctx;
    const struct ingest_options *o = l->o;
    char name[AZ_NAME_MAX + 32]; /* (a delimiter is at most 20 bytes) */
    window_folder_name(listed, l->delimiter, name, sizeof name);
    if (o->window && !window_prefix_may_hold(name, o->since, o->until)) {
        l->folders_outside++;
        return 0;
    }
    if (prefix_is_other_shard(name, o->shard_index, o->shard_count)) {
        l->folders_other_shard++;
        return 0;
    }
    return keep_folder(l, name);
}

static void forget_folders_after(struct listing *l, size_t count)
{
    while (l->nfolders > count)
        free(l->folders[--l->nfolders].name);
}

static void on_page(void *ctx, int retry)
{
    struct listing *l = ctx;
    if (!retry) {
        l->mark = l->w->count;
        l->skipped_mark = l->w->skipped_files;
        l->folders_mark = l->nfolders;
        l->outside_mark = l->folders_outside;
        l->other_shard_mark = l->folders_other_shard;
    } else {
        walk_truncate(l->w, l->mark);
        l->w->skipped_files = l->skipped_mark;
        forget_folders_after(l, l->folders_mark);
        l->folders_outside = l->outside_mark;
        l->folders_other_shard = l->other_shard_mark;
    }
}

/* Lists c folder by folder from its prefix down, into the folders that
 * on_folder keeps only, so that a nightly job over one day asks for that
 * day's folders and not for the whole archive; a folder wholly in the
 * window is listed whole. Returns 0, or -1 with err (out of memory:
 * l->out_of_memory). *requests receives the pages read. */
static int list_by_folder(az_client *az, struct listing *l, long *requests, char *err,
                          size_t errlen)
{
    const struct az_container *c = l->c;
    struct az_list_sink by_folder = {on_listed, on_page, l, on_folder};
    struct az_list_sink whole = {on_listed, on_page, l, NULL};
    *requests = 0;
    if (keep_folder(l, c->prefix) != 0) /* the root: c's own prefix */
        return -1;
    int rc = 0;
    while (l->nfolders > 0 && rc == 0) {
        struct folder f = l->folders[--l->nfolders];
        size_t first = l->nfolders;
        long pages = 0;
        struct az_container under;
        if (f.whole) { /* (az_list_blobs lists under the container's prefix) */
            under = *c;
            snprintf(under.prefix, sizeof under.prefix, "%s", f.name);
        }
        l->delimiter = window_folder_delimiter(f.name);
        rc = f.whole ? az_list_blobs(az, &under, &whole, &pages, err, errlen)
                     : az_list_folder(az, c, f.name, l->delimiter, &by_folder, &pages, err,
                                      errlen);
        if (f.whole)
            memset(&under, 0, sizeof under); /* (a copy of the credentials) */
        *requests += pages;
        l->folders_listed++;
        free(f.name);
        /* the folders found, reversed: the first in name order is listed
         * next, so the blobs come in the flat listing's order */
        for (size_t i = first, j = l->nfolders; i + 1 < j; i++, j--) {
            struct folder t = l->folders[i];
            l->folders[i] = l->folders[j - 1];
            l->folders[j - 1] = t;
        }
    }
    forget_folders_after(l, 0);
    free(l->folders);
    l->folders = NULL;
    l->cap_folders = 0;
    return rc;
}

/* Wipes a container's credentials and frees it. */
void container_free(struct az_container *c)
{
    if (!c)
        return;
    memset(c->sas, 0, sizeof c->sas);
    memset(c->key, 0, sizeof c->key);
    memset(c->token, 0, sizeof c->token);
    free(c);
}

/* -v: what a container's listing took, and by folder what it left out. */
static void say_listing(const struct listing *l, int by_folder, long blobs, long pages)
{
    const struct az_container *c = l->c;
    if (by_folder)
        msg(stderr, "%s: %ld %s listed in %ld %s, by folder: %ld %s listed, %ld outside"
                    " --since/--until and %ld of other shards' NICs not, with %s\n",
            c->shown, blobs, plural(blobs, "blob", "blobs"), pages,
            plural(pages, "request", "requests"), l->folders_listed,
            plural(l->folders_listed, "folder", "folders"), l->folders_outside,
            l->folders_other_shard, c->auth_from);
    else
        msg(stderr, "%s: %ld %s listed in %ld %s, with %s\n", c->shown, blobs,
            plural(blobs, "blob", "blobs"), pages, plural(pages, "page", "pages"), c->auth_from);
}

int container_list(az_client *az, const struct az_container *c, const struct ingest_options *o,
                   struct walk_result *w, long *requests, char *err, size_t errlen)
{
    struct listing l = {.w = w, .c = c, .o = o};
    struct az_list_sink sink = {on_listed, on_page, &l, NULL};
    size_t before = w->count;
    *requests = 0;
    /* a window is listed by folder, skipping the folders of other days
     * (and, with --shard, of other shards' NICs); without one, flat, in
     * the fewest requests: a shard alone, by folder, would take two
     * requests per NSG and hour of the whole archive (30 days of 10 NICs:
     * 3,667 requests, 6-9 s, against 2 and 1 s flat), and its blobs are
     * told apart by name before anything is downloaded */
    int by_folder = o->window;
    if ((by_folder ? list_by_folder(az, &l, requests, err, errlen)
                   : az_list_blobs(az, c, &sink, requests, err, errlen)) != 0)
        return l.out_of_memory ? -2 : -1;
    if (o->verbose)
        say_listing(&l, by_folder, (long)(w->count - before), *requests);
    return 0;
}
