/* fuzz_storage.c: fuzzes what nsgflow reads of a storage account that is
 * text from outside: a List Blobs answer (ingest/azlist.c, expat), fed in
 * pieces whose sizes come from the input's first byte, with and without
 * the folders (BlobPrefix) asked for; and the same bytes as a container URL
 * and a connection string (ingest/azurl.c). Checked: every name, ETag and
 * marker handed on is a NUL-terminated string inside its buffer; the
 * counts agree with the callbacks; a failure has a printable reason; a URL
 * shown (az_scrub_url) never keeps a query, where a SAS would be. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "ingest/azlist.h"
#include "ingest/azurl.h"

struct seen {
    long blobs, prefixes;
};

static void check_text(const char *s, size_t cap, const char *what)
{
    FUZZ_CHECK(memchr(s, '\0', cap) != NULL, "%s not terminated in its %zu bytes", what, cap);
}

static int on_blob(void *ctx, const struct az_blob_item *it)
{
    struct seen *seen = ctx;
    check_text(it->name, sizeof it->name, "a blob's name");
    check_text(it->etag, sizeof it->etag, "an ETag");
    check_text(it->last_modified, sizeof it->last_modified, "Last-Modified");
    check_text(it->blob_type, sizeof it->blob_type, "BlobType");
    seen->blobs++;
    return 0;
}

static int on_prefix(void *ctx, const char *name)
{
    struct seen *seen = ctx;
    FUZZ_CHECK(name != NULL && strlen(name) < AZ_NAME_MAX + 32, "a folder's name");
    seen->prefixes++;
    return 0;
}

static void fuzz_listing(const uint8_t *data, size_t size, int folders)
{
    struct seen seen = {0, 0};
    az_list_parser *p = az_list_new(on_blob, &seen);
    if (!p)
        return;
    if (folders)
        az_list_on_prefix(p, on_prefix);
    size_t piece = size ? (size_t)data[0] % 61 + 1 : 1, at = size ? 1 : 0;
    int rc = 0;
    while (rc == 0 && at < size) {
        size_t n = size - at < piece ? size - at : piece;
        rc = az_list_feed(p, (const char *)data + at, n, 0);
        at += n;
    }
    if (rc == 0)
        rc = az_list_feed(p, "", 0, 1);
    FUZZ_CHECK(rc == 0 || rc == -1, "az_list_feed gave %d", rc);
    if (rc != 0) {
        const char *why = az_list_error(p);
        FUZZ_CHECK(why && *why, "a failure without a reason");
    } else {
        check_text(az_list_next_marker(p), AZ_NAME_MAX * 4, "the NextMarker");
    }
    FUZZ_CHECK(az_list_count(p) == seen.blobs, "%ld blobs counted, %ld handed on",
               az_list_count(p), seen.blobs);
    if (folders)
        FUZZ_CHECK(az_list_prefix_count(p) == seen.prefixes, "%ld folders counted, %ld handed on",
                   az_list_prefix_count(p), seen.prefixes);
    az_list_free(p);
}

static void fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    char err[1024], shown[AZ_URL_MAX];
    static struct az_container c;
    memset(&c, 0, sizeof c);
    if (az_parse_url(s, "http://127.0.0.1:10000/devstoreaccount1", &c, err, sizeof err) == 0) {
        check_text(c.shown, sizeof c.shown, "the URL shown");
        FUZZ_CHECK(strchr(c.shown, '?') == NULL, "a query in the URL shown: %s", c.shown);
        check_text(c.container, sizeof c.container, "the container");
    } else {
        check_text(err, sizeof err, "the reason");
    }
    az_scrub_url(s, shown, sizeof shown);
    FUZZ_CHECK(strchr(shown, '?') == NULL, "az_scrub_url kept a query: %s", shown);
    static struct az_connstr cs;
    memset(&cs, 0, sizeof cs);
    if (az_connstr_parse(s, &cs, err, sizeof err) == 0) {
        check_text(cs.account, sizeof cs.account, "AccountName");
        check_text(cs.endpoint, sizeof cs.endpoint, "BlobEndpoint");
    } else {
        check_text(err, sizeof err, "the reason");
        /* (a reason never quotes a value: the key would be in it) */
        FUZZ_CHECK(strlen(s) < 8 || strstr(err, s) == NULL, "the reason quotes the input");
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_listing(data, size, 0);
    fuzz_listing(data, size, 1);
    fuzz_text(data, size);
    return 0;
}
