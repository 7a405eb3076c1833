/* azblob.c: listings and blob streams over libcurl's multi interface (see
 * azblob.h). One exchange (struct xfer) at a time per client: the request
 * built and signed, driven by curl_multi_perform/poll, its answer's status
 * and headers kept, its body handed to a sink that may pause it. */
#include "azblob.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <expat.h>

#include "azlib.h"

#define AZ_VERSION "2021-08-06"
#define STREAM_BUFFER (1u << 20)
#define ERROR_BODY_MAX 4096

struct az_client {
    CURLM *multi;
    CURL *easy;
    const volatile sig_atomic_t *cancel;
};

void az_client_set_cancel(az_client *cl, const volatile sig_atomic_t *flag)
{
    cl->cancel = flag;
}

static int cancelled(const az_client *cl)
{
    return cl->cancel && *cl->cancel;
}

static int initialised;

int az_global_init(char *err, size_t errlen)
{
    if (initialised)
        return 0;
    if (azlib_load(err, errlen) != 0)
        return -1;
    if (azlib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl could not be initialised");
        return -1;
    }
    initialised = 1;
    return 0;
}

void az_library_versions(char *out, size_t outlen)
{
    XML_Expat_Version e = XML_ExpatVersionInfo();
    char why[512];
    if (azlib_load(why, sizeof why) != 0) {
        snprintf(out, outlen, "expat %d.%d.%d; libcurl and libcrypto not found (%s)", e.major,
                 e.minor, e.micro, why);
        return;
    }
    const curl_version_info_data *v = azlib.version_info(CURLVERSION_NOW);
    snprintf(out, outlen, "libcurl %s, expat %d.%d.%d, %s", v ? v->version : "?", e.major,
             e.minor, e.micro, azlib.openssl_version(OPENSSL_VERSION));
}

void az_global_cleanup(void)
{
    if (initialised)
        azlib.global_cleanup();
    initialised = 0;
}

az_client *az_client_new(void)
{
    az_client *cl = calloc(1, sizeof *cl);
    if (!cl)
        return NULL;
    cl->multi = azlib.multi_init();
    cl->easy = azlib.easy_init();
    if (!cl->multi || !cl->easy) {
        az_client_free(cl);
        return NULL;
    }
    return cl;
}

void az_client_free(az_client *cl)
{
    if (!cl)
        return;
    if (cl->easy)
        azlib.easy_cleanup(cl->easy);
    if (cl->multi)
        azlib.multi_cleanup(cl->multi);
    free(cl);
}

/* ------------------------------------------------------------------ */
/* retries                                                             */

static long env_long(const char *name, long dflt, long lo, long hi)
{
    const char *v = getenv(name);
    char *end;
    long n = v && *v ? strtol(v, &end, 10) : dflt;
    if (!v || !*v || *end || n < lo || n > hi)
        return dflt;
    return n;
}

static int tries_allowed(void)
{
    return (int)env_long("NSGFLOW_AZ_TRIES", 5, 1, 100);
}

/* The wait before try number `done + 1` (done >= 1), in milliseconds:
 * the backoff doubled each time, or what Retry-After asked (at most 2
 * minutes). */
static long backoff_ms(int done, double retry_after)
{
    long base = env_long("NSGFLOW_AZ_BACKOFF_MS", 1000, 0, 600000);
    long ms = base;
    for (int i = 1; i < done && ms < 30000; i++)
        ms *= 2;
    if (ms > 30000 && base <= 30000)
        ms = 30000;
    if (retry_after > 0)
        ms = retry_after > 120 ? 120000 : (long)(retry_after * 1000);
    return ms;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int retryable_status(long status)
{
    return status == 408 || status == 429 || status == 500 || status == 502 ||
           status == 503 || status == 504;
}

static int retryable_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------ */
/* one exchange                                                        */

struct xfer {
    az_client *cl;
    /* the answer */
    long status;
    char error_code[128];     /* x-ms-error-code */
    char etag[AZ_ETAG_MAX];   /* without quotes */
    uint64_t content_length;  /* of this answer's body */
    uint64_t total_length;    /* of the blob (Content-Range's total, or
                                 Content-Length of a whole GET) */
    double retry_after;       /* seconds, 0 none */
    /* the body goes to sink when the status is 2xx: 0 taken, 1 pause (the
     * same bytes come again after the pause), -1 stop */
    int (*sink)(void *ctx, const char *data, size_t n);
    void *ctx;
    int paused;
    int done;
    CURLcode result;
    char curl_error[CURL_ERROR_SIZE];
    struct curl_slist *headers;
    char *url;                /* holds the SAS: freed, not shown */
};

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    char h[512];
    size_t k = len < sizeof h - 1 ? len : sizeof h - 1;
    memcpy(h, line, k);
    while (k && (h[k - 1] == '\r' || h[k - 1] == '\n'))
        k--;
    h[k] = '\0';
    if (strncmp(h, "HTTP/", 5) == 0) { /* a new answer (after a 100, a redirect) */
        x->error_code[0] = x->etag[0] = '\0';
        x->content_length = x->total_length = 0;
        x->retry_after = 0;
        const char *sp = strchr(h, ' ');
        x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        return len;
    }
    char *colon = strchr(h, ':');
    if (!colon)
        return len;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strcasecmp(h, "x-ms-error-code") == 0) {
        size_t m = strlen(v) < sizeof x->error_code - 1 ? strlen(v) : sizeof x->error_code - 1;
        for (size_t i = 0; i < m; i++) /* (a code: letters and digits) */
            x->error_code[i] = isalnum((unsigned char)v[i]) ? v[i] : '?';
        x->error_code[m] = '\0';
    } else if (strcasecmp(h, "ETag") == 0) {
        size_t m = strlen(v);
        if (m >= 2 && v[0] == '"' && v[m - 1] == '"')
            v++, m -= 2;
        if (m < sizeof x->etag) {
            memcpy(x->etag, v, m);
            x->etag[m] = '\0';
        }
    } else if (strcasecmp(h, "Content-Length") == 0) {
        x->content_length = strtoull(v, NULL, 10);
        if (!x->total_length)
            x->total_length = x->content_length;
    } else if (strcasecmp(h, "Content-Range") == 0) {
        const char *slash = strchr(v, '/');
        if (slash && isdigit((unsigned char)slash[1]))
            x->total_length = strtoull(slash + 1, NULL, 10);
    } else if (strcasecmp(h, "Retry-After") == 0) {
        char *end;
        double s = strtod(v, &end);
        if (end != v && s >= 0)
            x->retry_after = s;
    }
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (x->status < 200 || x->status >= 300)
        return len; /* an error's body: not read (it may quote the request) */
    int rc = x->sink(x->ctx, data, len);
    if (rc > 0) {
        x->paused = 1;
        return CURL_WRITEFUNC_PAUSE;
    }
    return rc == 0 ? len : 0;
}

static void xfer_clear(struct xfer *x)
{
    if (x->headers)
        azlib.slist_free_all(x->headers);
    x->headers = NULL;
    if (x->url) {
        memset(x->url, 0, strlen(x->url));
        free(x->url);
    }
    x->url = NULL;
}

/* Sets up the request for path_rel ("/CONTAINER[/BLOB]", encoded) with our
 * query (without '?'), and Range/If-Match when not "". */
static int xfer_setup(struct xfer *x, const struct az_container *c, const char *path_rel,
                      const char *query, const char *range, const char *if_match)
{
    CURL *e = x->cl->easy;
    azlib.easy_reset(e);
    xfer_clear(x);
    x->status = 0;
    x->done = x->paused = 0;
    x->result = CURLE_OK;
    x->curl_error[0] = '\0';
    size_t need = strlen(c->base) + strlen(path_rel) + strlen(query) + strlen(c->sas) + 4;
    x->url = malloc(need);
    if (!x->url)
        return -1;
    int use_sas = c->auth == AZ_AUTH_SAS && c->sas[0];
    snprintf(x->url, need, "%s%s%s%s%s%s", c->base, path_rel, query[0] || use_sas ? "?" : "",
             query, query[0] && use_sas ? "&" : "", use_sas ? c->sas : "");
    char date[64], h[AZ_TOKEN_MAX + 64];
    az_http_date((long long)time(NULL), date, sizeof date);
    struct curl_slist *l = NULL;
    snprintf(h, sizeof h, "x-ms-date: %s", date);
    l = azlib.slist_append(l, h);
    l = azlib.slist_append(l, "x-ms-version: " AZ_VERSION);
    char quoted[AZ_ETAG_MAX + 4] = "";
    if (if_match[0]) {
        snprintf(quoted, sizeof quoted, "\"%s\"", if_match);
        snprintf(h, sizeof h, "If-Match: %s", quoted);
        l = azlib.slist_append(l, h);
    }
    if (range[0]) {
        snprintf(h, sizeof h, "Range: %s", range);
        l = azlib.slist_append(l, h);
    }
    if (c->auth == AZ_AUTH_KEY) {
        char path[AZ_URL_MAX * 2], sts[AZ_URL_MAX * 4], sig[64];
        snprintf(path, sizeof path, "%s%s", c->base_path, path_rel);
        if (az_string_to_sign("GET", c->account, path, query, range, quoted, date, AZ_VERSION,
                              sts, sizeof sts) < 0 ||
            az_sign(c->key, c->keylen, sts, sig, sizeof sig) != 0) {
            azlib.slist_free_all(l);
            return -1;
        }
        snprintf(h, sizeof h, "Authorization: SharedKey %s:%s", c->account, sig);
        l = azlib.slist_append(l, h);
    } else if (c->auth == AZ_AUTH_BEARER) {
        snprintf(h, sizeof h, "Authorization: Bearer %s", c->token);
        l = azlib.slist_append(l, h);
    }
    memset(h, 0, sizeof h);
    if (!l)
        return -1;
    x->headers = l;
    azlib.easy_setopt(e, CURLOPT_URL, x->url);
    azlib.easy_setopt(e, CURLOPT_HTTPHEADER, l);
    azlib.easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    azlib.easy_setopt(e, CURLOPT_HEADERDATA, x);
    azlib.easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    azlib.easy_setopt(e, CURLOPT_WRITEDATA, x);
    azlib.easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_error);
    azlib.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    azlib.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    azlib.easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
    /* a transfer that gets nothing for a minute is broken (a paused one
     * is not checked) */
    azlib.easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    azlib.easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                     env_long("NSGFLOW_AZ_STALL_SECONDS", 60, 1, 3600));
    azlib.easy_setopt(e, CURLOPT_USERAGENT, "nsgflow/" NSGFLOW_VERSION);
    const char *ca = getenv("CURL_CA_BUNDLE");
    if (!ca || !*ca)
        ca = getenv("SSL_CERT_FILE");
    if (ca && *ca)
        azlib.easy_setopt(e, CURLOPT_CAINFO, ca);
    return 0;
}

static int xfer_start(struct xfer *x)
{
    return azlib.multi_add_handle(x->cl->multi, x->cl->easy) == CURLM_OK ? 0 : -1;
}

/* Drives the exchange once: performs, and waits up to timeout_ms for the
 * socket when there is nothing to do. */
static void xfer_step(struct xfer *x, int timeout_ms)
{
    int running = 0;
    azlib.multi_perform(x->cl->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = azlib.multi_info_read(x->cl->multi, &left)))
        if (m->msg == CURLMSG_DONE && m->easy_handle == x->cl->easy) {
            x->done = 1;
            x->result = m->data.result;
        }
    if (!x->done && !x->paused && timeout_ms > 0)
        azlib.multi_poll(x->cl->multi, NULL, 0, timeout_ms, NULL);
}

static void xfer_end(struct xfer *x)
{
    azlib.multi_remove_handle(x->cl->multi, x->cl->easy);
    xfer_clear(x);
}

/* Runs the exchange to its end (a listing page: its sink never pauses). */
static void xfer_run(struct xfer *x)
{
    if (xfer_start(x) != 0) {
        x->done = 1;
        x->result = CURLE_OUT_OF_MEMORY;
        return;
    }
    while (!x->done && !cancelled(x->cl))
        xfer_step(x, 200);
    if (!x->done) {
        x->result = CURLE_ABORTED_BY_CALLBACK;
        snprintf(x->curl_error, sizeof x->curl_error, "interrupted");
    }
    xfer_end(x);
}

/* What a failed answer means, as a message about `what`. */
static void describe_failure(const struct xfer *x, const struct az_container *c,
                             const char *what, char *err, size_t errlen)
{
    const char *sep = what ? ": " : "";
    if (!what)
        what = "";
    if (x->result != CURLE_OK) {
        snprintf(err, errlen, "%s%s%s", what, sep,
                 x->curl_error[0] ? x->curl_error : azlib.easy_strerror(x->result));
        return;
    }
    const char *code = x->error_code[0] ? x->error_code : "no error code";
    const char *hint = "";
    if ((x->status == 403 || x->status == 401) && c->auth == AZ_AUTH_BEARER)
        hint = ": access denied: check the token's account and expiry, and that it holds a"
               " role that reads blobs (Storage Blob Data Reader)";
    else if (x->status == 403 && c->auth == AZ_AUTH_SAS)
        hint = ": access denied: check the SAS's permissions (sp= must have r and l: read and"
               " list), its expiry (se=) and start (st=), and this machine's clock";
    else if (x->status == 403 && c->auth == AZ_AUTH_KEY)
        hint = ": access denied: check the account key (and that it is the key of this"
               " account) and this machine's clock";
    else if (x->status == 403 || x->status == 401)
        hint = ": access denied: give a SAS ($AZURE_STORAGE_SAS_TOKEN), the account key"
               " ($AZURE_STORAGE_KEY) or --auth-mode login";
    else if (x->status == 404 && strcmp(x->error_code, "BlobNotFound") == 0)
        hint = ": the blob is gone (deleted since it was listed?)";
    else if (x->status == 404)
        hint = ": not found: check the container name and the storage account";
    else if (x->status == 412)
        hint = ": the blob changed while it was read; the next run reads it again";
    snprintf(err, errlen, "%s%sHTTP %ld (%s)%s", what, sep, x->status, code, hint);
}

/* ------------------------------------------------------------------ */
/* listing                                                             */

struct list_page {
    az_list_parser *parser;
    const struct az_list_sink *sink;
};

static int list_body(void *ctx, const char *data, size_t n)
{
    struct list_page *pg = ctx;
    return az_list_feed(pg->parser, data, n, 0) == 0 ? 0 : -1;
}

/* The query of a page: under prefix, from marker, by folder (up to
 * delimiter) or flat (delimiter NULL). */
static int list_query(const char *under, const char *delimiter, const char *marker, char *out,
                      size_t outlen)
{
    char prefix[AZ_NAME_MAX * 3], mark[AZ_PREFIX_MAX * 6], delim[64] = "";
    if ((delimiter && az_encode(delimiter, NULL, delim, sizeof delim) != 0) ||
        az_encode(under, NULL, prefix, sizeof prefix) != 0 ||
        az_encode(marker, NULL, mark, sizeof mark) != 0)
        return -1;
    long max = env_long("NSGFLOW_AZ_LIST_PAGE", 0, 1, 5000);
    char maxq[32] = "";
    if (max)
        snprintf(maxq, sizeof maxq, "&maxresults=%ld", max);
    int k = snprintf(out, outlen, "restype=container&comp=list%s%s%s%s%s%s%s",
                     delim[0] ? "&delimiter=" : "", delim, prefix[0] ? "&prefix=" : "", prefix,
                     mark[0] ? "&marker=" : "", mark, maxq);
    return k < 0 || (size_t)k >= outlen ? -1 : 0;
}

/* One page, tried again as long as it fails for a passing reason. */
static int list_page(az_client *cl, const struct az_container *c, const char *under,
                     const char *delimiter, const struct az_list_sink *sink, char *marker,
                     size_t marker_len, char *err, size_t errlen)
{
    char path[AZ_CONTAINER_MAX + 2], query[AZ_NAME_MAX * 3 + AZ_PREFIX_MAX * 6 + 200];
    snprintf(path, sizeof path, "/%s", c->container);
    if (list_query(under, delimiter, marker, query, sizeof query) != 0) {
        snprintf(err, errlen, "%s: the listing's marker is too long", c->shown);
        return -1;
    }
    int tries = tries_allowed();
    for (int attempt = 1;; attempt++) {
        sink->page(sink->ctx, attempt > 1);
        struct list_page pg = {az_list_new(sink->blob, sink->ctx), sink};
        if (pg.parser && sink->folder)
            az_list_on_prefix(pg.parser, sink->folder);
        struct xfer x = {.cl = cl, .sink = list_body, .ctx = &pg};
        if (!pg.parser || xfer_setup(&x, c, path, query, "", "") != 0) {
            az_list_free(pg.parser);
            xfer_clear(&x);
            snprintf(err, errlen, "%s: out of memory", c->shown);
            return -1;
        }
        xfer_run(&x);
        int ok = x.result == CURLE_OK && x.status == 200;
        if (ok && az_list_feed(pg.parser, "", 0, 1) != 0) {
            snprintf(err, errlen, "%s: %s", c->shown, az_list_error(pg.parser));
            az_list_free(pg.parser);
            return -1;
        }
        if (ok) {
            snprintf(marker, marker_len, "%s", az_list_next_marker(pg.parser));
            az_list_free(pg.parser);
            return 0;
        }
        if (x.result == CURLE_WRITE_ERROR && az_list_error(pg.parser)[0]) {
            snprintf(err, errlen, "%s: %s", c->shown, az_list_error(pg.parser));
            az_list_free(pg.parser);
            return -1;
        }
        az_list_free(pg.parser);
        int again = x.result != CURLE_OK ? retryable_curl(x.result) : retryable_status(x.status);
        if (!again || attempt >= tries) {
            char what[AZ_URL_MAX + 64];
            snprintf(what, sizeof what, "%s: listing the blobs", c->shown);
            describe_failure(&x, c, what, err, errlen);
            if (again) {
                size_t k = strlen(err);
                snprintf(err + k, errlen - k, " (tried %d times)", attempt);
            }
            return -1;
        }
        sleep_ms(backoff_ms(attempt, x.retry_after));
    }
}

/* Every page of the listing under prefix (by folder when delimiter). */
static int list_pages(az_client *cl, const struct az_container *c, const char *under,
                      const char *delimiter, const struct az_list_sink *sink, long *pages,
                      char *err, size_t errlen)
{
    char marker[AZ_PREFIX_MAX * 2] = "";
    *pages = 0;
    do {
        if (list_page(cl, c, under, delimiter, sink, marker, sizeof marker, err, errlen) != 0)
            return -1;
        (*pages)++;
    } while (marker[0]);
    return 0;
}

int az_list_blobs(az_client *cl, const struct az_container *c, const struct az_list_sink *sink,
                  long *pages, char *err, size_t errlen)
{
    struct az_list_sink flat = *sink;
    flat.folder = NULL;
    return list_pages(cl, c, c->prefix, NULL, &flat, pages, err, errlen);
}

int az_list_folder(az_client *cl, const struct az_container *c, const char *prefix,
                   const char *delimiter, const struct az_list_sink *sink, long *pages,
                   char *err, size_t errlen)
{
    if (!sink->folder || !delimiter[0] || strlen(delimiter) > 20) {
        snprintf(err, errlen, "%s: a listing by folder needs a folder callback and a"
                              " delimiter of 1 to 20 bytes", c->shown);
        return -1;
    }
    return list_pages(cl, c, prefix, delimiter, sink, pages, err, errlen);
}

/* ------------------------------------------------------------------ */
/* a blob's bytes                                                      */

struct az_stream {
    az_client *cl;
    const struct az_container *c;
    char path[AZ_CONTAINER_MAX + AZ_NAME_MAX * 3 + 2]; /* "/CONTAINER/BLOB", encoded */
    struct xfer x;
    int started;              /* an exchange is under way */
    int finished;             /* the whole blob was received */
    int attempts;             /* tries of the current piece */
    unsigned char *buf;       /* received, not yet read: buf[pos..end) */
    size_t pos, end;
    uint64_t offset;          /* the blob's bytes received so far */
    uint64_t req_offset;      /* s->offset when the exchange was asked for */
    uint64_t answer_pos;      /* bytes of its answer's body so far */
    uint64_t received;        /* from the network, resumes included */
    char etag[AZ_ETAG_MAX];
    uint64_t length;
    char error[AZ_URL_MAX + 600];
};

static int stream_body(void *ctx, const char *data, size_t n)
{
    az_stream *s = ctx;
    if (!s->etag[0] && s->offset == 0) { /* the version being read */
        snprintf(s->etag, sizeof s->etag, "%s", s->x.etag);
        s->length = s->x.total_length;
    }
    /* a resume answered with the whole blob: what was had already is
     * dropped */
    uint64_t had = s->x.status == 200 && s->req_offset > s->answer_pos
                       ? s->req_offset - s->answer_pos : 0;
    size_t drop = had < n ? (size_t)had : n, rest = n - drop;
    if (s->pos > 0 && rest > STREAM_BUFFER - s->end) {
        memmove(s->buf, s->buf + s->pos, s->end - s->pos);
        s->end -= s->pos;
        s->pos = 0;
    }
    if (rest > STREAM_BUFFER - s->end)
        return 1; /* the same bytes come again after the pause */
    memcpy(s->buf + s->end, data + drop, rest);
    s->end += rest;
    s->offset += rest;
    s->answer_pos += n;
    s->received += n;
    return 0;
}

az_stream *az_stream_open(az_client *cl, const struct az_container *c, const char *blob)
{
    az_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->buf = malloc(STREAM_BUFFER);
    char enc[AZ_NAME_MAX * 3];
    if (!s->buf || az_encode(blob, "/=", enc, sizeof enc) != 0) {
        free(s->buf);
        free(s);
        return NULL;
    }
    s->cl = cl;
    s->c = c;
    snprintf(s->path, sizeof s->path, "/%s/%s", c->container, enc);
    s->x.cl = cl;
    s->x.sink = stream_body;
    s->x.ctx = s;
    return s;
}

/* Starts the exchange for the rest of the blob (all of it, or from
 * s->offset of the version read so far). */
static int stream_request(az_stream *s)
{
    char range[64] = "";
    if (s->offset > 0)
        snprintf(range, sizeof range, "bytes=%" PRIu64 "-", s->offset);
    if (xfer_setup(&s->x, s->c, s->path, "", range, s->offset > 0 ? s->etag : "") != 0 ||
        xfer_start(&s->x) != 0) {
        xfer_clear(&s->x);
        snprintf(s->error, sizeof s->error, "out of memory");
        return -1;
    }
    s->started = 1;
    s->attempts++;
    s->req_offset = s->offset;
    s->answer_pos = 0;
    return 0;
}

/* The exchange ended: the blob is complete (1), it is to be tried again
 * (0, after the wait), or it failed (-1, s->error said why). */
static int stream_ended(az_stream *s)
{
    struct xfer *x = &s->x;
    xfer_end(x);
    s->started = 0;
    int ok = x->result == CURLE_OK && (x->status == 200 || x->status == 206);
    if (ok && !s->etag[0]) { /* (an empty blob) */
        snprintf(s->etag, sizeof s->etag, "%s", x->etag);
        s->length = x->total_length;
    }
    if (ok && s->offset >= s->length)
        return 1;
    int again;
    if (ok) { /* the answer ended early without curl noticing */
        again = 1;
        snprintf(x->curl_error, sizeof x->curl_error, "the answer ended after %" PRIu64
                 " of %" PRIu64 " bytes", s->offset, s->length);
        x->result = CURLE_PARTIAL_FILE;
    } else {
        again = x->result != CURLE_OK ? retryable_curl(x->result) : retryable_status(x->status);
    }
    int tries = tries_allowed();
    if (!again || s->attempts >= tries) {
        char why[AZ_URL_MAX + 400];
        describe_failure(x, s->c, NULL, why, sizeof why);
        if (s->offset > 0)
            snprintf(s->error, sizeof s->error, "download broke off after %" PRIu64 " of %" PRIu64
                     " bytes: %s", s->offset, s->length, why);
        else
            snprintf(s->error, sizeof s->error, "download failed: %s", why);
        if (again) {
            size_t k = strlen(s->error);
            snprintf(s->error + k, sizeof s->error - k, " (tried %d times)", s->attempts);
        }
        return -1;
    }
    sleep_ms(backoff_ms(s->attempts, x->retry_after));
    return 0;
}

long az_stream_read(az_stream *s, unsigned char *buf, size_t n)
{
    for (;;) {
        if (s->pos < s->end) {
            size_t k = s->end - s->pos < n ? s->end - s->pos : n;
            memcpy(buf, s->buf + s->pos, k);
            s->pos += k;
            return (long)k;
        }
        if (s->error[0])
            return -1;
        if (s->finished)
            return 0;
        if (cancelled(s->cl)) {
            snprintf(s->error, sizeof s->error, "interrupted");
            return -1;
        }
        if (!s->started && stream_request(s) != 0)
            return -1;
        if (s->x.paused) { /* the buffer is empty again */
            s->x.paused = 0;
            azlib.easy_pause(s->cl->easy, CURLPAUSE_CONT);
        }
        xfer_step(&s->x, 200);
        if (s->x.done) {
            int rc = stream_ended(s);
            if (rc > 0)
                s->finished = 1;
            else if (rc < 0 && s->pos == s->end)
                return -1;
        }
    }
}

const char *az_stream_error(const az_stream *s)
{
    return s->error;
}

const char *az_stream_etag(const az_stream *s)
{
    return s->etag;
}

uint64_t az_stream_length(const az_stream *s)
{
    return s->length;
}

uint64_t az_stream_received(const az_stream *s)
{
    return s->received;
}

void az_stream_close(az_stream *s)
{
    if (!s)
        return;
    if (s->started)
        xfer_end(&s->x);
    xfer_clear(&s->x);
    free(s->buf);
    free(s);
}
