/* azblob.h: requests to Azure Blob Storage over libcurl: a container's
 * listing, page after page, and a blob's bytes as a pull stream whose
 * memory is bounded (a 1 MiB buffer: when it is full, libcurl is paused and
 * the socket is not read until the parser has taken what it holds).
 *
 * Requests that fail for a passing reason (a timeout, a reset or refused
 * connection, HTTP 408/429/500/502/503/504) are tried again with
 * exponential backoff, honouring Retry-After, a bounded number of times
 * ($NSGFLOW_AZ_TRIES, default 5; first wait $NSGFLOW_AZ_BACKOFF_MS,
 * default 1000). A stream that breaks after some bytes resumes with a
 * ranged GET of the same version of the blob (If-Match its ETag). A
 * failure is one line: the URL without its query, the HTTP status and
 * x-ms-error-code, and what to check. Proxies are libcurl's own
 * ($HTTPS_PROXY, $NO_PROXY); $CURL_CA_BUNDLE (or $SSL_CERT_FILE) names
 * the CA certificates to trust instead of the system's. */
#ifndef NSGFLOW_AZBLOB_H
#define NSGFLOW_AZBLOB_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "azlist.h"
#include "azurl.h"

/* One connection pool; used by one thread at a time. */
typedef struct az_client az_client;

/* Loads libcurl and libcrypto (azlib.h) and initialises libcurl, once;
 * call it from the main thread before any other thread runs, and before
 * anything else here. Returns 0, or -1 with the reason in err (a library
 * that is not installed). */
int az_global_init(char *err, size_t errlen);
/* "libcurl 7.88.1, expat 2.5.0, OpenSSL 3.0.19" into out, for --version. */
void az_library_versions(char *out, size_t outlen);
void az_global_cleanup(void);
/* NULL when out of memory. */
az_client *az_client_new(void);
void az_client_free(az_client *cl);
/* A flag (a stop signal's) that, once set, ends the client's listing or
 * download at once, as a failure "interrupted". */
void az_client_set_cancel(az_client *cl, const volatile sig_atomic_t *flag);

/* Where a listing sends what it finds: each blob (a non-zero return stops
 * the listing), and the start of each page (retry 0), or the start again
 * of a page that failed mid-way and is asked for again (retry 1): what the
 * page gave before is to be forgotten. A listing by folder
 * (az_list_folder) also sends each folder of its level to folder (NULL:
 * they are not wanted). */
struct az_list_sink {
    int (*blob)(void *ctx, const struct az_blob_item *it);
    void (*page)(void *ctx, int retry);
    void *ctx;
    int (*folder)(void *ctx, const char *name);
};

/* Lists the blobs of c under its prefix, every page (NextMarker). Returns
 * 0, or -1 with a one-line message in err. *pages receives the pages read. */
int az_list_blobs(az_client *cl, const struct az_container *c, const struct az_list_sink *sink,
                  long *pages, char *err, size_t errlen);

/* Lists one level of c under prefix (a folder's whole name, such as
 * "resourceId=/.../y=2026/", or c's own prefix) up to delimiter ("/", or
 * a string: the service cuts each name after prefix at the delimiter's
 * first occurrence): its blobs to sink->blob, its folders to
 * sink->folder, every page. The caller descends into the folders it
 * wants, so that a listing narrowed to a window or a shard never asks for
 * the others. Returns and counts as az_list_blobs. */
int az_list_folder(az_client *cl, const struct az_container *c, const char *prefix,
                   const char *delimiter, const struct az_list_sink *sink, long *pages,
                   char *err, size_t errlen);

/* A blob's bytes, as stored (gzip stays gzip). */
typedef struct az_stream az_stream;
az_stream *az_stream_open(az_client *cl, const struct az_container *c, const char *blob);
/* Up to n bytes; 0 at the end; -1 on failure (az_stream_error). */
long az_stream_read(az_stream *s, unsigned char *buf, size_t n);
const char *az_stream_error(const az_stream *s);
/* The ETag (without quotes) and length of the version that was read ("",
 * 0 before the first answer). */
const char *az_stream_etag(const az_stream *s);
uint64_t az_stream_length(const az_stream *s);
/* Bytes of the blob received from the network (resumes included). */
uint64_t az_stream_received(const az_stream *s);
void az_stream_close(az_stream *s);

#endif
