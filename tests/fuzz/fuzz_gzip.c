/* fuzz_gzip.c: fuzzes the input path of a blob file: the input bytes are
 * the file (plain or gzip, corrupt or cut short), written to a memfd and read
 * through source_open/source_read (ingest/source.c over zlib) in reads of a
 * size chosen by the last byte, with the text fed to the flow-log reader in
 * 64 KiB pieces (as ingest.c feeds it 256 KiB reads: yajl re-reads a token
 * that spans calls from its start, so tiny pieces would only measure that).
 * Checks: plain files come through byte for byte, gzip is recognised by its
 * magic, errors are printable, and fingerprint_file agrees with the
 * fingerprint of what was read. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "ingest/flowlog.h"
#include "ingest/source.h"

/* Decompressed text read per input at most: a small gzip bomb costs time,
 * not coverage. */
#define MAX_TEXT (16u << 20)
/* What flowlog_feed gets at once. */
#define FEED (64u << 10)

static int fd = -1;
static char path[64];

static int on_record(void *ctx, const struct fl_record *r)
{
    long *tuples = ctx;
    for (size_t i = 0; i < r->ntuples; i++) {
        struct flow_tuple t;
        FUZZ_CHECK(r->tuples[i].group < r->ngroups, "group index");
        fuzz_parse_tuple(r->tuples[i].text, r->tuples[i].len, r->format, &t);
    }
    *tuples += (long)r->ntuples;
    return 0;
}

static void check_fingerprint_text(const char *fp, const struct fingerprint *f)
{
    char want[64];
    snprintf(want, sizeof want, "crc32:%08x:%llu", (unsigned)f->crc,
             (unsigned long long)f->length);
    FUZZ_CHECK(strcmp(fp, want) == 0, "fingerprint text '%s', expected '%s'",
               fp, want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        fd = memfd_create("fuzz_gzip", MFD_CLOEXEC);
        FUZZ_CHECK(fd >= 0, "memfd_create failed");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    FUZZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate failed");
    for (size_t off = 0; off < size;) {
        ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
        FUZZ_CHECK(w > 0, "pwrite failed");
        off += (size_t)w;
    }
    int magic = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    FUZZ_CHECK(file_has_gzip_magic(path) == magic, "file_has_gzip_magic");

    char err[256];
    memset(err, 'x', sizeof err);
    source *s = source_open(path, err, sizeof err);
    FUZZ_CHECK(s != NULL, "source_open failed: %.255s", err);

    /* read sizes 1, 2, 4, ... 64 KiB, from the last byte */
    size_t want = (size_t)1 << (size ? data[size - 1] % 17 : 16);
    unsigned char *buf = malloc(want), *feed = malloc(FEED);
    size_t nfeed = 0;
    long tuples = 0;
    flowlog *p = flowlog_new(on_record, &tuples);
    FUZZ_CHECK(p && buf && feed, "out of memory");
    struct fingerprint f;
    fingerprint_init(&f);
    int parse_failed = 0, read_failed = 0, capped = 0, first = 1;
    for (;;) {
        long n = source_read(s, buf, want);
        if (first) {
            first = 0;
            if (magic)
                FUZZ_CHECK(source_is_gzip(s), "gzip magic not read as gzip");
        }
        FUZZ_CHECK(n >= -1 && n <= (long)want, "source_read gave %ld", n);
        if (n < 0) {
            read_failed = 1;
            fuzz_check_message(source_error(s), 256, "source_error");
            FUZZ_CHECK(source_error(s)[0] != '\0', "empty source_error");
            break;
        }
        if (n == 0)
            break;
        if (!source_is_gzip(s)) {
            /* plain: the bytes themselves */
            FUZZ_CHECK(f.length + (size_t)n <= size &&
                           memcmp(buf, data + f.length, (size_t)n) == 0,
                       "plain file read back wrong at %llu",
                       (unsigned long long)f.length);
        }
        fingerprint_add(&f, buf, (size_t)n);
        for (size_t off = 0; off < (size_t)n;) {
            size_t k = (size_t)n - off < FEED - nfeed ? (size_t)n - off : FEED - nfeed;
            memcpy(feed + nfeed, buf + off, k);
            nfeed += k;
            off += k;
            if (nfeed == FEED) {
                if (!parse_failed && flowlog_feed(p, feed, nfeed) != 0)
                    parse_failed = 1;
                nfeed = 0;
            }
        }
        if (f.length > MAX_TEXT) {
            capped = 1;
            break;
        }
    }
    FUZZ_CHECK(source_raw_offset(s) <= size, "raw offset %llu past %zu bytes",
               (unsigned long long)source_raw_offset(s), size);
    int gzip = source_is_gzip(s);
    FUZZ_CHECK(gzip == magic || (size < 2 && !gzip),
               "is_gzip %d with magic %d", gzip, magic);
    if (!gzip)
        FUZZ_CHECK(read_failed || f.length == size,
                   "plain file of %zu bytes read as %llu", size,
                   (unsigned long long)f.length);
    if (nfeed && !parse_failed && flowlog_feed(p, feed, nfeed) != 0)
        parse_failed = 1;
    if (!parse_failed && !read_failed && !capped)
        flowlog_finish(p);
    fuzz_check_message_any(flowlog_error(p), "flowlog_error");
    flowlog_free(p);
    free(buf);
    free(feed);
    source_close(s);

    /* fingerprint_file reads the same bytes */
    if (!capped) {
        char fp[64];
        memset(fp, 'x', sizeof fp);
        int rc = fingerprint_file(path, fp, sizeof fp);
        FUZZ_CHECK(rc == (read_failed ? -1 : 0),
                   "fingerprint_file gave %d after a read that %s", rc,
                   read_failed ? "failed" : "succeeded");
        if (rc == 0)
            check_fingerprint_text(fp, &f);
    }
    return 0;
}
