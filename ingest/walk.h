/* walk.h: turning the PATH arguments of `nsgflow ingest` into a list of
 * blobs. Directories are walked recursively in name order; inside them a file
 * is taken when its name ends in .json or .json.gz or it starts with the gzip
 * magic, and counted as skipped otherwise. Files named on the command line
 * are always taken. Symbolic links are followed, but each directory and
 * each file is visited once, by device and inode, however many links lead
 * to it (a web of links costs one pass, not one per path); a directory that
 * leads back to one of its ancestors is reported as a loop. */
#ifndef NSGFLOW_WALK_H
#define NSGFLOW_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "../common/hashmap.h"

struct az_container;

struct walk_entry {
    char *path;
    uint64_t size;        /* bytes on disk, 0 for standard input */
    /* a blob in a storage container (azblob.h), NULL for a file: path is
     * then its URL without a query, blob its name (inside path), size its
     * Content-Length and etag its ETag as listed */
    const struct az_container *remote;
    const char *blob;
    char *etag;
};

struct walk_result {
    struct walk_entry *entries;
    size_t count, cap;
    long skipped_files;   /* files in directories that are not blobs */
    long problems;        /* paths that could not be read, loops */
    long revisits;        /* paths to a directory or file already visited */
    struct hashmap seen;  /* (device, inode) of what was visited */
};

/* Adds the blobs under path ("-" for standard input) to r (zeroed before
 * its first use). Problems are
 * printed to stderr as "nsgflow: PATH: reason" and counted. Returns 0, or
 * -1 when out of memory. */
int walk_path(const char *path, struct walk_result *r);

/* Adds a blob listed in container c (its name and ETag) to r. Returns 0,
 * or -1 when out of memory. */
int walk_add_remote(struct walk_result *r, const struct az_container *c, const char *url,
                    size_t name_at, uint64_t size, const char *etag);

/* Forgets the entries after the first count (a listing page asked for
 * again). */
void walk_truncate(struct walk_result *r, size_t count);

void walk_free(struct walk_result *r);

#endif
