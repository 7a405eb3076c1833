/* test_azblob.c: reading flow logs straight from a storage account, the
 * parts without a network: container URLs (virtual-host and path-style,
 * prefixes, a SAS in the query, endpoints with and without a trailing
 * slash, refusals), connection strings, credentials from the environment,
 * the Shared Key string-to-sign and signature, the List Blobs parser on
 * XML cut into pieces anywhere (flat, and by folder: BlobPrefix), URLs shown without their secrets, and the
 * source layer's backend for pulled bytes (plain and gzip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "ingest/azlist.h"
#include "ingest/azurl.h"
#include "ingest/source.h"

static struct az_container c;
static char err[4096];

static void test_virtual_host_url(void **state)
{
    (void)state;
    assert_int_equal(az_parse_url("https://MyAcct.blob.core.windows.net/insights-logs-x", NULL,
                                  &c, err, sizeof err), 0);
    assert_string_equal(c.account, "myacct");
    assert_string_equal(c.container, "insights-logs-x");
    assert_string_equal(c.prefix, "");
    assert_string_equal(c.base, "https://MyAcct.blob.core.windows.net");
    assert_string_equal(c.base_path, "");
    assert_string_equal(c.sas, "");
    assert_string_equal(c.shown, "https://MyAcct.blob.core.windows.net/insights-logs-x");

    /* a prefix (%-escapes decoded for the listing) and a SAS in the query */
    assert_int_equal(az_parse_url("https://acct.blob.core.windows.net/insights-logs-x/"
                                  "resourceId%3D/SUBSCRIPTIONS/y=2026/?sv=2022-11-02&sp=rl&sig=SECRET%2B",
                                  NULL, &c, err, sizeof err), 0);
    assert_string_equal(c.container, "insights-logs-x");
    assert_string_equal(c.prefix, "resourceId=/SUBSCRIPTIONS/y=2026/");
    assert_string_equal(c.sas, "sv=2022-11-02&sp=rl&sig=SECRET%2B");
    assert_null(strstr(c.shown, "SECRET"));
    assert_null(strstr(c.shown, "?"));

    /* the other clouds */
    assert_int_equal(az_parse_url("https://a1.blob.core.chinacloudapi.cn/logs", NULL, &c, err,
                                  sizeof err), 0);
    assert_string_equal(c.account, "a1");
}

static void test_path_style_url(void **state)
{
    (void)state;
    const char *eps[] = {"http://127.0.0.1:10000/devstoreaccount1",
                         "http://127.0.0.1:10000/devstoreaccount1/"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(az_parse_url("http://127.0.0.1:10000/devstoreaccount1/logs-1/"
                                      "resourceId=/SUB/PT1H.json?sig=abc",
                                      eps[i], &c, err, sizeof err), 0);
        assert_string_equal(c.base, "http://127.0.0.1:10000/devstoreaccount1");
        assert_string_equal(c.base_path, "/devstoreaccount1");
        assert_string_equal(c.account, "devstoreaccount1");
        assert_string_equal(c.container, "logs-1");
        assert_string_equal(c.prefix, "resourceId=/SUB/PT1H.json");
        assert_string_equal(c.sas, "sig=abc");
        assert_string_equal(c.shown, "http://127.0.0.1:10000/devstoreaccount1/logs-1/"
                                     "resourceId=/SUB/PT1H.json");
    }
    /* no prefix, a trailing slash */
    assert_int_equal(az_parse_url("http://127.0.0.1:10000/devstoreaccount1/logs-1/", eps[0], &c,
                                  err, sizeof err), 0);
    assert_string_equal(c.prefix, "");
    /* an endpoint without a path: the account is the host's first label */
    assert_int_equal(az_parse_url("https://acct.privatelink.example/c01", "https://acct.privatelink.example",
                                  &c, err, sizeof err), 0);
    assert_string_equal(c.account, "acct");
    assert_string_equal(c.container, "c01");
    /* a URL that only starts like the endpoint is not under it */
    assert_int_equal(az_parse_url("http://127.0.0.1:10000/devstoreaccount10/logs", eps[0], &c,
                                  err, sizeof err), -1);
    assert_non_null(strstr(err, "under the blob endpoint http://127.0.0.1:10000/devstoreaccount1"));
}

static void test_refused_urls(void **state)
{
    (void)state;
    /* neither Azure's host form nor under an endpoint: says what to give */
    assert_int_equal(az_parse_url("http://127.0.0.1:10000/devstoreaccount1/logs?sig=SECRET", NULL,
                                  &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a container URL"));
    assert_non_null(strstr(err, "--blob-endpoint"));
    assert_null(strstr(err, "SECRET"));
    /* no container */
    assert_int_equal(az_parse_url("https://acct.blob.core.windows.net/?sig=SECRET", NULL, &c, err,
                                  sizeof err), -1);
    assert_non_null(strstr(err, "names no container"));
    assert_null(strstr(err, "SECRET"));
    /* a name Azure does not allow */
    assert_int_equal(az_parse_url("https://acct.blob.core.windows.net/Logs", NULL, &c, err,
                                  sizeof err), -1);
    assert_non_null(strstr(err, "'Logs' is not a container name"));
    assert_int_equal(az_parse_url("https://acct.blob.core.windows.net/a--b", NULL, &c, err,
                                  sizeof err), -1);
    /* a password in the URL is neither taken nor shown */
    assert_int_equal(az_parse_url("https://me:PASSWORD@acct.blob.core.windows.net/logs", NULL, &c,
                                  err, sizeof err), -1);
    assert_null(strstr(err, "PASSWORD"));
    assert_non_null(strstr(err, "https://acct.blob.core.windows.net/logs"));
    assert_int_equal(az_is_url("HTTPS://x"), 1);
    assert_int_equal(az_is_url("/data/https://x"), 0);
    assert_int_equal(az_is_url("-"), 0);
}

static void test_scrub(void **state)
{
    (void)state;
    char out[256];
    az_scrub_url("https://u:p@acct.blob.core.windows.net/c/b.json?sv=1&sig=SECRET#frag", out,
                 sizeof out);
    assert_string_equal(out, "https://acct.blob.core.windows.net/c/b.json");
    az_scrub_url("http://127.0.0.1:1/a", out, sizeof out);
    assert_string_equal(out, "http://127.0.0.1:1/a");
    /* a "://" after a query is no scheme: the query still goes (found by
     * fuzz_storage) */
    az_scrub_url("acct/c?sig=SECRET&next=http://h/p", out, sizeof out);
    assert_string_equal(out, "acct/c");
}

static void test_connection_string(void **state)
{
    (void)state;
    struct az_connstr cs;
    assert_int_equal(az_connstr_parse("DefaultEndpointsProtocol=https;AccountName=acct;"
                                      "AccountKey=a2V5a2V5a2V5a2V5;EndpointSuffix=core.windows.net",
                                      &cs, err, sizeof err), 0);
    assert_string_equal(cs.account, "acct");
    assert_string_equal(cs.key, "a2V5a2V5a2V5a2V5");
    assert_string_equal(cs.endpoint, "https://acct.blob.core.windows.net");
    assert_string_equal(cs.sas, "");

    /* BlobEndpoint (trailing slash dropped), a SAS, spaces and empty parts */
    assert_int_equal(az_connstr_parse(" BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/ ;;"
                                      "SharedAccessSignature=?sv=1&sig=x%3D;",
                                      &cs, err, sizeof err), 0);
    assert_string_equal(cs.endpoint, "http://127.0.0.1:10000/devstoreaccount1");
    assert_string_equal(cs.sas, "sv=1&sig=x%3D");
    assert_string_equal(cs.account, "");

    /* Azurite's shorthand */
    assert_int_equal(az_connstr_parse("UseDevelopmentStorage=true", &cs, err, sizeof err), 0);
    assert_string_equal(cs.account, AZ_DEV_ACCOUNT);
    assert_string_equal(cs.key, AZ_DEV_KEY);
    assert_string_equal(cs.endpoint, AZ_DEV_ENDPOINT);

    /* broken: says so without quoting the value */
    assert_int_equal(az_connstr_parse("AccountName=a;TOPSECRETVALUE", &cs, err, sizeof err), -1);
    assert_non_null(strstr(err, "has no '='"));
    assert_null(strstr(err, "TOPSECRET"));
}

static void test_auth_from_environment(void **state)
{
    (void)state;
    unsetenv("AZURE_STORAGE_CONNECTION_STRING");
    unsetenv("AZURE_STORAGE_SAS_TOKEN");
    unsetenv("AZURE_STORAGE_KEY");
    unsetenv("AZURE_STORAGE_ACCOUNT");
    unsetenv("AZURE_STORAGE_AUTH_TOKEN");
    assert_int_equal(az_parse_url("https://acct.blob.core.windows.net/logs", NULL, &c, err,
                                  sizeof err), 0);
    assert_int_equal(az_resolve_auth(&c, 0, err, sizeof err), 0);
    assert_int_equal(c.auth, AZ_AUTH_NONE);

    setenv("AZURE_STORAGE_SAS_TOKEN", "?sv=1&sp=rl&sig=abc", 1);
    assert_int_equal(az_resolve_auth(&c, 0, err, sizeof err), 0);
    assert_int_equal(c.auth, AZ_AUTH_SAS);
    assert_string_equal(c.sas, "sv=1&sp=rl&sig=abc");
    assert_null(strstr(c.auth_from, "sig"));

    /* the connection string comes before the SAS variable; its key is
     * decoded */
    setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=acct;AccountKey=AAECAwQ=", 1);
    assert_int_equal(az_parse_url("https://acct.blob.core.windows.net/logs", NULL, &c, err,
                                  sizeof err), 0);
    assert_int_equal(az_resolve_auth(&c, 0, err, sizeof err), 0);
    assert_int_equal(c.auth, AZ_AUTH_KEY);
    assert_int_equal(c.keylen, 5);
    assert_memory_equal(c.key, "\x00\x01\x02\x03\x04", 5);
    /* ... but not for another account's container */
    assert_int_equal(az_parse_url("https://other.blob.core.windows.net/logs", NULL, &c, err,
                                  sizeof err), 0);
    assert_int_equal(az_resolve_auth(&c, 0, err, sizeof err), 0);
    assert_int_equal(c.auth, AZ_AUTH_SAS);
    unsetenv("AZURE_STORAGE_SAS_TOKEN");
    unsetenv("AZURE_STORAGE_CONNECTION_STRING");

    /* the URL's SAS first */
    setenv("AZURE_STORAGE_KEY", "AAECAwQ=", 1);
    assert_int_equal(az_parse_url("https://acct.blob.core.windows.net/logs?sig=u", NULL, &c, err,
                                  sizeof err), 0);
    assert_int_equal(az_resolve_auth(&c, 0, err, sizeof err), 0);
    assert_int_equal(c.auth, AZ_AUTH_SAS);
    /* a key that is another account's */
    setenv("AZURE_STORAGE_ACCOUNT", "someoneelse", 1);
    assert_int_equal(az_parse_url("https://acct.blob.core.windows.net/logs", NULL, &c, err,
                                  sizeof err), 0);
    assert_int_equal(az_resolve_auth(&c, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "someoneelse"));
    unsetenv("AZURE_STORAGE_ACCOUNT");
    setenv("AZURE_STORAGE_KEY", "not base64!", 1);
    assert_int_equal(az_resolve_auth(&c, 0, err, sizeof err), -1);
    assert_null(strstr(err, "not base64!"));
    unsetenv("AZURE_STORAGE_KEY");

    /* --auth-mode login: the token variable, else az (here a program that
     * fails) */
    setenv("AZURE_STORAGE_AUTH_TOKEN", "eyJ0eXAi.TOKEN", 1);
    assert_int_equal(az_resolve_auth(&c, 1, err, sizeof err), 0);
    assert_int_equal(c.auth, AZ_AUTH_BEARER);
    assert_string_equal(c.token, "eyJ0eXAi.TOKEN");
    unsetenv("AZURE_STORAGE_AUTH_TOKEN");
    setenv("NSGFLOW_AZ", "false", 1);
    assert_int_equal(az_resolve_auth(&c, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "az login"));
    unsetenv("NSGFLOW_AZ");
}

static void test_string_to_sign(void **state)
{
    (void)state;
    char sts[2048], sig[64];
    /* a listing page on Azurite (path-style: the account twice), the query
     * decoded and sorted */
    int n = az_string_to_sign("GET", "devstoreaccount1", "/devstoreaccount1/insights-logs-x",
                              "restype=container&comp=list&prefix=resourceId%3D%2FSUB&marker=2%2188%21abc%3D",
                              "", "", "Tue, 08 Dec 2026 04:00:00 GMT", "2021-08-06", sts,
                              sizeof sts);
    const char *want = "GET\n\n\n\n\n\n\n\n\n\n\n\n"
                       "x-ms-date:Tue, 08 Dec 2026 04:00:00 GMT\nx-ms-version:2021-08-06\n"
                       "/devstoreaccount1/devstoreaccount1/insights-logs-x\n"
                       "comp:list\nmarker:2!88!abc=\nprefix:resourceId=/SUB\nrestype:container";
    assert_string_equal(sts, want);
    assert_int_equal(n, (int)strlen(want));
    unsigned char key[64];
    long keylen = az_base64_decode(AZ_DEV_KEY, key, sizeof key);
    assert_int_equal(keylen, 64);
    /* expected values computed once, independently, with Python:
     *   base64.b64encode(hmac.new(base64.b64decode(AZ_DEV_KEY),
     *                    sts.encode(), hashlib.sha256).digest()) */
    assert_int_equal(az_sign(key, (size_t)keylen, sts, sig, sizeof sig), 0);
    assert_string_equal(sig, "oXQaQvxq/GFqUGkN6gJ6Ts3+u9LmuGFMnHvLhRX9H1g=");

    /* a resumed GET: If-Match and Range are signed */
    az_string_to_sign("GET", "acct", "/c/resourceId=/a/PT1H.json", "", "bytes=100-",
                      "\"0x8DABC\"", "Tue, 08 Dec 2026 04:00:00 GMT", "2021-08-06", sts,
                      sizeof sts);
    assert_string_equal(sts, "GET\n\n\n\n\n\n\n\n\"0x8DABC\"\n\n\nbytes=100-\n"
                             "x-ms-date:Tue, 08 Dec 2026 04:00:00 GMT\nx-ms-version:2021-08-06\n"
                             "/acct/c/resourceId=/a/PT1H.json");
    assert_int_equal(az_sign(key, (size_t)keylen, sts, sig, sizeof sig), 0);
    assert_string_equal(sig, "jYTZ+2JT2HBb2eSODoUUp/xR3DUK4DY5cNtTx2e+qgo=");

    /* HMAC-SHA256's published example (key "key") */
    assert_int_equal(az_sign((const unsigned char *)"key", 3,
                             "The quick brown fox jumps over the lazy dog", sig, sizeof sig), 0);
    assert_string_equal(sig, "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=");

    /* too small a buffer is a failure, not a cut string */
    assert_int_equal(az_string_to_sign("GET", "a", "/c", "", "", "", "d", "v", sts, 20), -1);
}

static void test_encode_and_date(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(az_encode("resourceId=/A B/ü", "/=", out, sizeof out), 0);
    assert_string_equal(out, "resourceId=/A%20B/%C3%BC");
    assert_int_equal(az_encode("a=b/c", NULL, out, sizeof out), 0);
    assert_string_equal(out, "a%3Db%2Fc");
    assert_int_equal(az_encode("abc", NULL, out, 3), -1);
    assert_int_equal(az_decode("a%2", 3, out, sizeof out), -1);
    assert_int_equal(az_decode("a%zz", 4, out, sizeof out), -1);
    az_http_date(1796702400LL, out, sizeof out);
    assert_string_equal(out, "Tue, 08 Dec 2026 04:00:00 GMT");
}

/* ------------------------------------------------------------------ */
/* the listing parser                                                  */

struct seen {
    struct az_blob_item items[8];
    int n;
};

static int collect(void *ctx, const struct az_blob_item *it)
{
    struct seen *s = ctx;
    if (s->n < 8)
        s->items[s->n] = *it;
    s->n++;
    return 0;
}

static const char listing[] =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
    "<EnumerationResults ServiceEndpoint=\"http://127.0.0.1:10000/devstoreaccount1\" "
    "ContainerName=\"logs\"><Prefix>resourceId=</Prefix><MaxResults>2</MaxResults>"
    "<Blobs><Blob><Name>resourceId=/SUB/y=2026/m=11/d=01/h=00/m=00/macAddress=AA/PT1H.json</Name>"
    "<Properties><Creation-Time>Tue, 08 Dec 2026 04:00:00 GMT</Creation-Time>"
    "<Last-Modified>Tue, 08 Dec 2026 04:00:01 GMT</Last-Modified>"
    "<Etag>0x8DE0123456789AB</Etag><Content-Length>123456789012</Content-Length>"
    "<Content-Type>application/json</Content-Type><BlobType>BlockBlob</BlobType>"
    "</Properties><Metadata><Name>not the blob's</Name></Metadata></Blob>"
    "<Blob><Name>a &amp; b/&lt;x&gt;.json</Name><Properties><Etag>\"0x1\"</Etag>"
    "<Content-Length>0</Content-Length><BlobType>AppendBlob</BlobType></Properties></Blob>"
    "<Blob><Name Encoded=\"true\">odd%01name.json</Name><Properties><Content-Length>5"
    "</Content-Length><Etag>0x2</Etag></Properties></Blob>"
    "</Blobs><NextMarker>2!96!MDAwMDMz!</NextMarker></EnumerationResults>";

static void check_listing(const struct seen *s, az_list_parser *p)
{
    assert_int_equal(s->n, 3);
    assert_int_equal(az_list_count(p), 3);
    assert_string_equal(s->items[0].name,
                        "resourceId=/SUB/y=2026/m=11/d=01/h=00/m=00/macAddress=AA/PT1H.json");
    assert_true(s->items[0].length == 123456789012ULL);
    assert_string_equal(s->items[0].etag, "0x8DE0123456789AB");
    assert_string_equal(s->items[0].last_modified, "Tue, 08 Dec 2026 04:00:01 GMT");
    assert_string_equal(s->items[0].blob_type, "BlockBlob");
    assert_string_equal(s->items[1].name, "a & b/<x>.json");
    assert_string_equal(s->items[1].etag, "0x1");
    assert_int_equal(s->items[1].length, 0);
    assert_string_equal(s->items[1].blob_type, "AppendBlob");
    assert_string_equal(s->items[2].name, "odd\001name.json");
    assert_int_equal(s->items[2].length, 5);
    assert_string_equal(az_list_next_marker(p), "2!96!MDAwMDMz!");
}

static void test_listing_in_pieces(void **state)
{
    (void)state;
    size_t len = strlen(listing);
    /* whole, byte by byte, and cut at every pair of places of a stride */
    for (size_t step = 1; step <= len; step = step < 8 ? step + 1 : step * 3) {
        struct seen s = {.n = 0};
        az_list_parser *p = az_list_new(collect, &s);
        for (size_t at = 0; at < len; at += step) {
            size_t k = len - at < step ? len - at : step;
            assert_int_equal(az_list_feed(p, listing + at, k, 0), 0);
        }
        assert_int_equal(az_list_feed(p, "", 0, 1), 0);
        check_listing(&s, p);
        az_list_free(p);
    }
    for (size_t a = 0; a < len; a += 37)
        for (size_t b = a; b < len; b += 53) {
            struct seen s = {.n = 0};
            az_list_parser *p = az_list_new(collect, &s);
            assert_int_equal(az_list_feed(p, listing, a, 0), 0);
            assert_int_equal(az_list_feed(p, listing + a, b - a, 0), 0);
            assert_int_equal(az_list_feed(p, listing + b, len - b, 1), 0);
            check_listing(&s, p);
            az_list_free(p);
        }
}

static void test_listing_last_page_and_errors(void **state)
{
    (void)state;
    struct seen s = {.n = 0};
    az_list_parser *p = az_list_new(collect, &s);
    const char *last = "<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>";
    assert_int_equal(az_list_feed(p, last, strlen(last), 1), 0);
    assert_string_equal(az_list_next_marker(p), "");
    assert_int_equal(s.n, 0);
    az_list_free(p);

    /* an error document is not a listing */
    p = az_list_new(collect, &s);
    const char *e = "<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code></Error>";
    assert_int_equal(az_list_feed(p, e, strlen(e), 1), -1);
    assert_non_null(strstr(az_list_error(p), "not a blob listing"));
    az_list_free(p);

    /* cut short */
    p = az_list_new(collect, &s);
    assert_int_equal(az_list_feed(p, listing, 200, 1), -1);
    assert_non_null(strstr(az_list_error(p), "not well-formed"));
    az_list_free(p);

    /* a blob without a name */
    p = az_list_new(collect, &s);
    const char *nameless = "<EnumerationResults><Blobs><Blob><Properties/></Blob></Blobs>"
                           "</EnumerationResults>";
    assert_int_equal(az_list_feed(p, nameless, strlen(nameless), 1), -1);
    assert_non_null(strstr(az_list_error(p), "without a Name"));
    az_list_free(p);
}

/* A listing with delimiter=/: the folders of one level (BlobPrefix, one
 * of them %-encoded), a blob beside them, and the marker of the next page. */
static const char folders[] =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
    "<EnumerationResults ServiceEndpoint=\"http://127.0.0.1:10000/devstoreaccount1\" "
    "ContainerName=\"logs\"><Prefix>resourceId=/SUB/y=2026/</Prefix>"
    "<Delimiter>/</Delimiter><Blobs>"
    "<BlobPrefix><Name>resourceId=/SUB/y=2026/m=10/</Name></BlobPrefix>"
    "<Blob><Name>resourceId=/SUB/y=2026/stray.json</Name><Properties>"
    "<Etag>0x3</Etag><Content-Length>7</Content-Length></Properties></Blob>"
    "<BlobPrefix><Name>resourceId=/SUB/y=2026/m=11 &amp; more/</Name></BlobPrefix>"
    "<BlobPrefix><Name Encoded=\"true\">resourceId=/SUB/y=2026/m=12%01/</Name></BlobPrefix>"
    "</Blobs><NextMarker>2!88!FOLDERS!</NextMarker></EnumerationResults>";

static int stop_at_folder(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return 1;
}

struct seen_folders {
    struct seen blobs;
    char names[4][AZ_NAME_MAX];
    int n;
};

static int collect_folder(void *ctx, const char *name)
{
    struct seen_folders *s = ctx;
    if (s->n < 4)
        snprintf(s->names[s->n], AZ_NAME_MAX, "%s", name);
    s->n++;
    return 0;
}

static int collect_blob_beside_folders(void *ctx, const struct az_blob_item *it)
{
    return collect(&((struct seen_folders *)ctx)->blobs, it);
}

static void check_folders(const struct seen_folders *s, az_list_parser *p)
{
    assert_int_equal(s->n, 3);
    assert_int_equal(az_list_prefix_count(p), 3);
    assert_string_equal(s->names[0], "resourceId=/SUB/y=2026/m=10/");
    assert_string_equal(s->names[1], "resourceId=/SUB/y=2026/m=11 & more/");
    assert_string_equal(s->names[2], "resourceId=/SUB/y=2026/m=12\001/");
    assert_int_equal(s->blobs.n, 1);
    assert_int_equal(az_list_count(p), 1);
    assert_string_equal(s->blobs.items[0].name, "resourceId=/SUB/y=2026/stray.json");
    assert_int_equal(s->blobs.items[0].length, 7);
    assert_string_equal(s->blobs.items[0].etag, "0x3");
    assert_string_equal(az_list_next_marker(p), "2!88!FOLDERS!");
}

/* folders fed in n pieces cut at a and b (n 1: whole; 2: at a; 3: at a, b) */
static void feed_folders(size_t a, size_t b)
{
    size_t len = strlen(folders);
    struct seen_folders s = {.n = 0};
    az_list_parser *p = az_list_new(collect_blob_beside_folders, &s);
    az_list_on_prefix(p, collect_folder);
    assert_int_equal(az_list_feed(p, folders, a, 0), 0);
    assert_int_equal(az_list_feed(p, folders + a, b - a, 0), 0);
    assert_int_equal(az_list_feed(p, folders + b, len - b, 1), 0);
    check_folders(&s, p);
    az_list_free(p);
}

static void test_listing_folders_in_pieces(void **state)
{
    (void)state;
    size_t len = strlen(folders);
    /* cut once at every place, twice at every pair of places of a stride,
     * and byte by byte */
    for (size_t a = 0; a <= len; a++)
        feed_folders(a, a);
    for (size_t a = 0; a < len; a += 13)
        for (size_t b = a; b < len; b += 29)
            feed_folders(a, b);
    struct seen_folders s = {.n = 0};
    az_list_parser *p = az_list_new(collect_blob_beside_folders, &s);
    az_list_on_prefix(p, collect_folder);
    for (size_t at = 0; at < len; at++)
        assert_int_equal(az_list_feed(p, folders + at, 1, 0), 0);
    assert_int_equal(az_list_feed(p, "", 0, 1), 0);
    check_folders(&s, p);
    az_list_free(p);
}

static void test_listing_folders_refused_or_stepped_over(void **state)
{
    (void)state;
    /* without a folder callback the folders are stepped over, the blob is
     * still handed on */
    struct seen_folders s = {.n = 0};
    az_list_parser *p = az_list_new(collect_blob_beside_folders, &s);
    assert_int_equal(az_list_feed(p, folders, strlen(folders), 1), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.blobs.n, 1);
    az_list_free(p);

    /* a folder without a name, and one whose encoded name is too long */
    const char *nameless = "<EnumerationResults><Blobs><BlobPrefix/></Blobs></EnumerationResults>";
    p = az_list_new(collect_blob_beside_folders, &s);
    az_list_on_prefix(p, collect_folder);
    assert_int_equal(az_list_feed(p, nameless, strlen(nameless), 1), -1);
    assert_non_null(strstr(az_list_error(p), "BlobPrefix without a Name"));
    az_list_free(p);
    static char huge[AZ_NAME_MAX * 2 + 200];
    int k = snprintf(huge, sizeof huge, "<EnumerationResults><Blobs><BlobPrefix><Name>");
    memset(huge + k, 'a', AZ_NAME_MAX + 10);
    snprintf(huge + k + AZ_NAME_MAX + 10, sizeof huge - (size_t)k - AZ_NAME_MAX - 10,
             "/</Name></BlobPrefix></Blobs></EnumerationResults>");
    p = az_list_new(collect_blob_beside_folders, &s);
    az_list_on_prefix(p, collect_folder);
    assert_int_equal(az_list_feed(p, huge, strlen(huge), 1), -1);
    assert_non_null(strstr(az_list_error(p), "too long"));
    az_list_free(p);

    /* a non-zero return stops the parse */
    p = az_list_new(collect_blob_beside_folders, &s);
    az_list_on_prefix(p, stop_at_folder);
    assert_int_equal(az_list_feed(p, folders, strlen(folders), 1), -1);
    assert_string_equal(az_list_error(p), "stopped");
    az_list_free(p);
}

/* ------------------------------------------------------------------ */
/* the source layer's backend                                          */

struct chunks {
    const unsigned char *data;
    size_t len, at, step;
    int fail_at;  /* fail once at this offset (-1: never) */
};

static long chunk_read(void *ctx, unsigned char *buf, size_t n)
{
    struct chunks *c = ctx;
    if (c->fail_at >= 0 && c->at >= (size_t)c->fail_at)
        return -1;
    size_t k = c->len - c->at;
    if (k > c->step)
        k = c->step;
    if (k > n)
        k = n;
    memcpy(buf, c->data + c->at, k);
    c->at += k;
    return (long)k;
}

static const char *chunk_error(void *ctx)
{
    (void)ctx;
    return "download broke off after 40 bytes: HTTP 503 (ServerBusy)";
}

static size_t read_all(source *s, unsigned char *out, size_t cap, long *last)
{
    size_t n = 0;
    long k;
    while ((k = source_read(s, out + n, cap - n > 7 ? 7 : cap - n)) > 0)
        n += (size_t)k;
    *last = k;
    return n;
}

static void test_source_backend(void **state)
{
    (void)state;
    const char *text = "{\"records\":[{\"time\":\"2026-11-01T00:00:00Z\"}]}";
    size_t tlen = strlen(text);
    unsigned char gz[256], out[256];
    /* two gzip members, as gzread reads them */
    z_stream z = {0};
    size_t glen = 0;
    for (int m = 0; m < 2; m++) {
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = (unsigned char *)text + (m ? tlen / 2 : 0);
        z.avail_in = (uInt)(m ? tlen - tlen / 2 : tlen / 2);
        z.next_out = gz + glen;
        z.avail_out = (uInt)(sizeof gz - glen);
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        glen = sizeof gz - z.avail_out;
        deflateEnd(&z);
    }
    for (size_t step = 1; step <= 64; step *= 4) {
        char e[128];
        struct chunks plain = {(const unsigned char *)text, tlen, 0, step, -1};
        struct source_backend be = {chunk_read, chunk_error, &plain};
        source *s = source_open_backend(&be, e, sizeof e);
        long last;
        assert_int_equal(read_all(s, out, sizeof out, &last), tlen);
        assert_int_equal(last, 0);
        assert_memory_equal(out, text, tlen);
        assert_int_equal(source_is_gzip(s), 0);
        source_close(s);

        struct chunks zipped = {gz, glen, 0, step, -1};
        be.ctx = &zipped;
        s = source_open_backend(&be, e, sizeof e);
        assert_int_equal(read_all(s, out, sizeof out, &last), tlen);
        assert_int_equal(last, 0);
        assert_memory_equal(out, text, tlen);
        assert_int_equal(source_is_gzip(s), 1);
        assert_int_equal(source_raw_offset(s), glen);
        source_close(s);

        /* cut short: the gzip stream breaks off, not a transport failure */
        struct chunks cut = {gz, glen / 3, 0, step, -1};
        be.ctx = &cut;
        s = source_open_backend(&be, e, sizeof e);
        read_all(s, out, sizeof out, &last);
        assert_int_equal(last, -1);
        assert_non_null(strstr(source_error(s), "breaks off"));
        assert_int_equal(source_transport_failed(s), 0);
        source_close(s);

        /* the backend fails: its message, and a transport failure */
        struct chunks broken = {(const unsigned char *)text, tlen, 0, step, 40};
        be.ctx = &broken;
        s = source_open_backend(&be, e, sizeof e);
        read_all(s, out, sizeof out, &last);
        assert_int_equal(last, -1);
        assert_string_equal(source_error(s), chunk_error(NULL));
        assert_int_equal(source_transport_failed(s), 1);
        source_close(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_virtual_host_url),
        cmocka_unit_test(test_path_style_url),
        cmocka_unit_test(test_refused_urls),
        cmocka_unit_test(test_scrub),
        cmocka_unit_test(test_connection_string),
        cmocka_unit_test(test_auth_from_environment),
        cmocka_unit_test(test_string_to_sign),
        cmocka_unit_test(test_encode_and_date),
        cmocka_unit_test(test_listing_in_pieces),
        cmocka_unit_test(test_listing_last_page_and_errors),
        cmocka_unit_test(test_listing_folders_in_pieces),
        cmocka_unit_test(test_listing_folders_refused_or_stepped_over),
        cmocka_unit_test(test_source_backend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
