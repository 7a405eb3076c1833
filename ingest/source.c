/* source.c: reading blobs through zlib (see source.h). */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#define GZ_BUFFER (256u << 10)

#define BACKEND_INPUT (64u << 10)

struct source {
    gzFile gz;  /* a file; NULL for a backend */
    int gzip;   /* -1 until known */
    int eof;
    char error[512];
    /* a backend's bytes, inflated here when gzip */
    struct source_backend be;
    z_stream z;
    int z_ready;
    unsigned char *in;   /* the backend's bytes not yet used: z.next_in, z.avail_in */
    int in_eof;
    int member_done;     /* a gzip member ended; another may follow */
    uint64_t raw;        /* bytes the backend gave */
    int transport_failed;
};

source *source_open(const char *path, char *err, size_t errlen)
{
    int stdin_ = strcmp(path, "-") == 0;
    int fd = stdin_ ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    source *s = calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->gz = gzdopen(fd, "rb");
    if (!s->gz) {
        close(fd);
        free(s);
        snprintf(err, errlen, "cannot open: out of memory");
        return NULL;
    }
    gzbuffer(s->gz, GZ_BUFFER);
    s->gzip = -1;
    return s;
}

void source_close(source *s)
{
    if (!s)
        return;
    if (s->gz)
        gzclose_r(s->gz);
    if (s->z_ready)
        inflateEnd(&s->z);
    free(s->in);
    free(s);
}

source *source_open_backend(const struct source_backend *be, char *err, size_t errlen)
{
    source *s = calloc(1, sizeof *s);
    if (s)
        s->in = malloc(BACKEND_INPUT);
    if (!s || !s->in) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->be = *be;
    s->gzip = -1;
    return s;
}

int source_transport_failed(const source *s)
{
    return s->transport_failed;
}

/* More of the backend's bytes after those not yet used. Returns 0, or -1
 * when the backend failed. */
static int refill(source *s)
{
    if (s->z.avail_in > 0 && s->z.next_in != s->in)
        memmove(s->in, s->z.next_in, s->z.avail_in);
    s->z.next_in = s->in;
    long k = s->be.read(s->be.ctx, s->in + s->z.avail_in, BACKEND_INPUT - s->z.avail_in);
    if (k < 0) {
        snprintf(s->error, sizeof s->error, "%s", s->be.error(s->be.ctx));
        s->transport_failed = 1;
        return -1;
    }
    if (k == 0)
        s->in_eof = 1;
    s->z.avail_in += (uInt)k;
    s->raw += (uint64_t)k;
    return 0;
}

static long backend_plain(source *s, unsigned char *buf, size_t n)
{
    if (s->z.avail_in > 0) {
        size_t k = s->z.avail_in < n ? s->z.avail_in : n;
        memcpy(buf, s->z.next_in, k);
        s->z.next_in += k;
        s->z.avail_in -= (uInt)k;
        return (long)k;
    }
    if (s->in_eof)
        return 0;
    long k = s->be.read(s->be.ctx, buf, n);
    if (k < 0) {
        snprintf(s->error, sizeof s->error, "%s", s->be.error(s->be.ctx));
        s->transport_failed = 1;
        return -1;
    }
    s->raw += (uint64_t)k;
    if (k == 0)
        s->in_eof = 1;
    return k;
}

static long backend_gzip(source *s, unsigned char *buf, size_t n)
{
    for (;;) {
        if (s->z.avail_in == 0 && !s->in_eof && refill(s) != 0)
            return -1;
        while (s->member_done && s->z.avail_in < 2 && !s->in_eof)
            if (refill(s) != 0)
                return -1;
        if (s->member_done) { /* another member, or the end */
            if (s->z.avail_in < 2 || s->z.next_in[0] != 0x1f || s->z.next_in[1] != 0x8b)
                return 0;
            inflateReset(&s->z);
            s->member_done = 0;
        }
        s->z.next_out = buf;
        s->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
        int rc = inflate(&s->z, Z_NO_FLUSH);
        long produced = (long)((n > UINT32_MAX ? UINT32_MAX : n) - s->z.avail_out);
        if (rc == Z_STREAM_END)
            s->member_done = 1;
        else if (rc == Z_BUF_ERROR && s->z.avail_in == 0 && s->in_eof && produced == 0) {
            snprintf(s->error, sizeof s->error,
                     "the gzip stream breaks off at compressed byte %" PRIu64, s->raw);
            return -1;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(s->error, sizeof s->error, "corrupt gzip data at compressed byte %" PRIu64
                     ": %s", s->raw - s->z.avail_in, s->z.msg ? s->z.msg : "inflate failed");
            return -1;
        }
        if (produced > 0)
            return produced;
    }
}

static long backend_read(source *s, unsigned char *buf, size_t n)
{
    if (s->gzip < 0) { /* gzip or not, by the first two bytes */
        s->z.next_in = s->in;
        while (s->z.avail_in < 2 && !s->in_eof)
            if (refill(s) != 0)
                return -1;
        s->gzip = s->z.avail_in >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b;
        if (s->gzip) {
            if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
                snprintf(s->error, sizeof s->error, "out of memory");
                return -1;
            }
            s->z_ready = 1;
        }
    }
    long got = s->gzip ? backend_gzip(s, buf, n) : backend_plain(s, buf, n);
    if (got == 0)
        s->eof = 1;
    return got;
}

long source_read(source *s, unsigned char *buf, size_t n)
{
    if (s->eof)
        return 0;
    if (!s->gz)
        return backend_read(s, buf, n);
    if (n > INT32_MAX)
        n = INT32_MAX;
    int got = gzread(s->gz, buf, (unsigned)n);
    if (s->gzip < 0)
        s->gzip = !gzdirect(s->gz);
    int errnum = Z_OK;
    const char *msg = gzerror(s->gz, &errnum);
    if (got < 0 || (errnum != Z_OK && errnum != Z_BUF_ERROR)) {
        if (errnum == Z_ERRNO)
            snprintf(s->error, sizeof s->error, "read error: %s", strerror(errno));
        else
            snprintf(s->error, sizeof s->error, "corrupt gzip data at compressed byte %" PRIu64 ": %s",
                     (uint64_t)gzoffset(s->gz), msg);
        return -1;
    }
    if (got == 0) {
        s->eof = 1;
        if (errnum == Z_BUF_ERROR) {
            snprintf(s->error, sizeof s->error,
                     "the gzip stream breaks off at compressed byte %" PRIu64,
                     (uint64_t)gzoffset(s->gz));
            return -1;
        }
    }
    return got;
}

const char *source_error(const source *s)
{
    return s->error;
}

int source_is_gzip(const source *s)
{
    return s->gzip > 0;
}

uint64_t source_raw_offset(const source *s)
{
    if (!s->gz)
        return s->raw - s->z.avail_in;
    long off = gzoffset(s->gz);
    return off < 0 ? 0 : (uint64_t)off;
}

int file_has_gzip_magic(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    unsigned char m[2];
    ssize_t n = read(fd, m, 2);
    close(fd);
    return n == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

void fingerprint_init(struct fingerprint *f)
{
    f->crc = (uint32_t)crc32_z(0L, Z_NULL, 0);
    f->length = 0;
}

void fingerprint_add(struct fingerprint *f, const unsigned char *buf, size_t n)
{
    f->crc = (uint32_t)crc32_z(f->crc, buf, n);
    f->length += n;
}

void fingerprint_text(const struct fingerprint *f, char *out, size_t outlen)
{
    snprintf(out, outlen, "crc32:%08" PRIx32 ":%" PRIu64, f->crc, f->length);
}

int fingerprint_file(const char *path, char *out, size_t outlen)
{
    char err[256];
    source *s = source_open(path, err, sizeof err);
    if (!s)
        return -1;
    unsigned char *buf = malloc(GZ_BUFFER);
    struct fingerprint f;
    fingerprint_init(&f);
    long n = -1;
    while (buf && (n = source_read(s, buf, GZ_BUFFER)) > 0)
        fingerprint_add(&f, buf, (size_t)n);
    free(buf);
    source_close(s);
    if (n != 0)
        return -1;
    fingerprint_text(&f, out, outlen);
    return 0;
}
