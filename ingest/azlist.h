/* azlist.h: the List Blobs answer of Azure Blob Storage (an
 * EnumerationResults XML document), read as a stream with expat: the
 * document may come in pieces of any size, and each blob is handed on as
 * soon as its element ends, so a page of 5,000 blobs is never held whole.
 * The page's NextMarker (the continuation of the listing) is kept. A
 * listing asked for with a delimiter also names the folders (BlobPrefix)
 * at its level, handed on the same way. */
#ifndef NSGFLOW_AZLIST_H
#define NSGFLOW_AZLIST_H

#include <stddef.h>
#include <stdint.h>

#define AZ_NAME_MAX 1025
#define AZ_ETAG_MAX 128

/* One blob of the listing. */
struct az_blob_item {
    char name[AZ_NAME_MAX];     /* the blob's name in its container */
    uint64_t length;            /* Content-Length */
    char etag[AZ_ETAG_MAX];     /* without quotes */
    char last_modified[64];
    char blob_type[32];         /* BlockBlob, AppendBlob, PageBlob */
};

/* Called for each blob; a non-zero return stops the parse (az_list_feed
 * then returns -1 with the error "stopped"). */
typedef int (*az_list_cb)(void *ctx, const struct az_blob_item *it);

/* Called for each BlobPrefix: name is the folder's whole name from the
 * container's root, ending in the delimiter ("resourceId=/.../y=2026/");
 * a non-zero return stops the parse as for az_list_cb. */
typedef int (*az_list_prefix_cb)(void *ctx, const char *name);

typedef struct az_list_parser az_list_parser;

az_list_parser *az_list_new(az_list_cb cb, void *ctx);
void az_list_free(az_list_parser *p);

/* Feeds n bytes of the document; final 1 with the last piece (n may be 0).
 * Returns 0, or -1 when it is not a listing (az_list_error says why). */
int az_list_feed(az_list_parser *p, const char *data, size_t n, int final);

/* The page's NextMarker ("" when the listing is complete), after the
 * final piece. */
const char *az_list_next_marker(const az_list_parser *p);

/* Hands the BlobPrefix elements to cb, with the context of az_list_new
 * (without it they are stepped over). */
void az_list_on_prefix(az_list_parser *p, az_list_prefix_cb cb);

/* The blobs seen so far, and the BlobPrefix elements. */
long az_list_count(const az_list_parser *p);
long az_list_prefix_count(const az_list_parser *p);

const char *az_list_error(const az_list_parser *p);

#endif
