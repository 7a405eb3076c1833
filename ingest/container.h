/* container.h: a storage container's blobs listed into the walk of
 * `nsgflow ingest`: each blob whose name is a flow-log blob's (.json,
 * .json.gz) becomes a walk entry with its URL, length and ETag (the reader
 * downloads it, or not, from there). Without --since/--until the listing is
 * flat, page after page; with them, folder by folder, leaving out every
 * y=/m=/d=/h= folder wholly outside the window and, with --shard, every
 * other shard's macAddress= folder (docs/storage.md). */
#ifndef NSGFLOW_CONTAINER_H
#define NSGFLOW_CONTAINER_H

#include <stddef.h>

#include "azblob.h"
#include "ingest.h"
#include "walk.h"

/* Lists c's blobs into w, as o's window and shard want (with o->verbose,
 * a line on stderr says what the listing took). *requests receives the
 * listing requests made. Returns 0; -1 with a one-line reason in err (the
 * listing failed: what it had added is in w); -2 when out of memory. */
int container_list(az_client *az, const struct az_container *c, const struct ingest_options *o,
                   struct walk_result *w, long *requests, char *err, size_t errlen);

/* Wipes a container's credentials and frees it (NULL: nothing). */
void container_free(struct az_container *c);

#endif
