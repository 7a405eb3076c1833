/* walk.c: finding the blobs to ingest (see walk.h). */
#include "../common/escape.h"
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "source.h"

/* The directories from the walk's root down to the current one. */
struct ancestor {
    dev_t dev;
    ino_t ino;
};

#define MAX_WALK_DEPTH 256

static int add(struct walk_result *r, const char *path, uint64_t size)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        struct walk_entry *e = realloc(r->entries, cap * sizeof *e);
        if (!e)
            return -1;
        r->entries = e;
        r->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    memset(&r->entries[r->count], 0, sizeof r->entries[r->count]);
    r->entries[r->count].path = copy;
    r->entries[r->count].size = size;
    r->count++;
    return 0;
}

int walk_add_remote(struct walk_result *r, const struct az_container *c, const char *url,
                    size_t name_at, uint64_t size, const char *etag)
{
    char *tag = strdup(etag);
    if (!tag || add(r, url, size) != 0) {
        free(tag);
        return -1;
    }
    struct walk_entry *e = &r->entries[r->count - 1];
    e->remote = c;
    e->blob = e->path + name_at;
    e->etag = tag;
    return 0;
}

void walk_truncate(struct walk_result *r, size_t count)
{
    while (r->count > count) {
        r->count--;
        free(r->entries[r->count].path);
        free(r->entries[r->count].etag);
    }
}

/* 1 the first time this directory or file is reached, 0 after; -1 when out
 * of memory. */
struct file_key {
    uint64_t dev, ino;
};

static int first_visit(struct walk_result *r, const struct stat *st)
{
    if (!r->seen.key_size)
        hashmap_init(&r->seen, sizeof(struct file_key), 1);
    struct file_key k = {(uint64_t)st->st_dev, (uint64_t)st->st_ino};
    char *v = hashmap_get(&r->seen, &k, 1);
    if (!v)
        return -1;
    if (*v) {
        r->revisits++;
        return 0;
    }
    *v = 1;
    return 1;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static void problem(struct walk_result *r, const char *path, const char *why)
{
    msg(stderr, "nsgflow: %s: %s\n", path, why);
    r->problems++;
}

static int walk_dir(const char *path, struct walk_result *r,
                    struct ancestor *up, int depth)
{
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        problem(r, path, strerror(errno));
        return 0;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (rc == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
            size_t len = strlen(path) + strlen(name) + 2;
            char *child = malloc(len);
            if (!child) {
                rc = -1;
            } else {
                snprintf(child, len, "%s%s%s", path,
                         path[strlen(path) - 1] == '/' ? "" : "/", name);
                struct stat st;
                if (stat(child, &st) != 0) {
                    problem(r, child, strerror(errno));
                } else if (S_ISDIR(st.st_mode)) {
                    int loop = 0;
                    for (int k = 0; k < depth; k++)
                        loop |= up[k].dev == st.st_dev && up[k].ino == st.st_ino;
                    int first = loop ? 0 : first_visit(r, &st);
                    if (loop)
                        problem(r, child, "directory loop (a symbolic link back to an ancestor); not entered again");
                    else if (first < 0)
                        rc = -1;
                    else if (first == 0)
                        ; /* reached before by another path */
                    else if (depth + 1 >= MAX_WALK_DEPTH)
                        problem(r, child, "directories nested too deep; not entered");
                    else {
                        up[depth].dev = st.st_dev;
                        up[depth].ino = st.st_ino;
                        rc = walk_dir(child, r, up, depth + 1);
                    }
                } else if (S_ISREG(st.st_mode)) {
                    if (!(has_suffix(name, ".json") || has_suffix(name, ".json.gz") ||
                          file_has_gzip_magic(child)))
                        r->skipped_files++;
                    else {
                        int first = first_visit(r, &st);
                        rc = first < 0 ? -1 : first ? add(r, child, (uint64_t)st.st_size) : 0;
                    }
                }
                free(child);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int walk_path(const char *path, struct walk_result *r)
{
    if (strcmp(path, "-") == 0)
        return add(r, path, 0);
    struct stat st;
    if (stat(path, &st) != 0) {
        problem(r, path, strerror(errno));
        return 0;
    }
    int first = first_visit(r, &st);
    if (first <= 0)
        return first; /* named twice, or reached from another PATH already */
    if (!S_ISDIR(st.st_mode))
        return add(r, path, (uint64_t)st.st_size);
    struct ancestor *up = malloc(MAX_WALK_DEPTH * sizeof *up);
    if (!up)
        return -1;
    up[0].dev = st.st_dev;
    up[0].ino = st.st_ino;
    int rc = walk_dir(path, r, up, 1);
    free(up);
    return rc;
}

void walk_free(struct walk_result *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->entries[i].path);
        free(r->entries[i].etag);
    }
    free(r->entries);
    if (r->seen.key_size)
        hashmap_free(&r->seen);
    memset(r, 0, sizeof *r);
}
