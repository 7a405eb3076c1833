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

struct source {
    gzFile gz;
    int gzip;   /* -1 until known */
    int eof;
    char error[256];
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
    gzclose_r(s->gz);
    free(s);
}

long source_read(source *s, unsigned char *buf, size_t n)
{
    if (s->eof)
        return 0;
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
