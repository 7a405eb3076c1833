/* Utilities for nsgflow-gen: the seeded PRNG (xoshiro256** fed by
 * splitmix64), the buffered output sink that writes plain or gzip data with
 * zlib, and clock- and locale-free number, date and path helpers. Nothing
 * here reads the time or the environment, so output depends only on the
 * arguments. */
#include "gen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ---------------------------------------------------------------- PRNG */

uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void rng_seed(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = mix64(seed) ^ mix64(stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
    for (int i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        r->s[i] = mix64(x);
    }
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0) r->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

uint32_t rng_below(rng_t *r, uint32_t n)
{
    /* multiply-shift; the tiny bias is irrelevant here and it is exact and
     * platform independent */
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

uint32_t rng_range(rng_t *r, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

int rng_chance(rng_t *r, uint32_t per_million)
{
    return rng_below(r, 1000000u) < per_million;
}

/* ---------------------------------------------------------------- errors */

void die(const char *fmt, ...)
{
    va_list ap;
    fputs("nsgflow-gen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) die("out of memory");
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

const char *fmt_name(int fmt)
{
    switch (fmt) {
    case FMT_NSG_V1: return "nsg-v1";
    case FMT_NSG_V2: return "nsg-v2";
    case FMT_VNET: return "vnet-v4";
    default: return "mixed";
    }
}

/* ---------------------------------------------------------------- sink */

#define SINK_BUF (1u << 20)

void sink_open(sink_t *s, const char *path, int gz_level)
{
    memset(s, 0, sizeof *s);
    s->name = path;
    if (strcmp(path, "-") == 0) {
        s->f = stdout;
        s->own = 0;
        s->name = "<stdout>";
    } else {
        s->f = fopen(path, "wb");
        if (!s->f) die("cannot create %s: %s", path, strerror(errno));
        s->own = 1;
    }
    s->cap = SINK_BUF;
    s->buf = xmalloc(s->cap);
    s->gz = gz_level > 0;
    if (s->gz) {
        /* windowBits 15 + 16: gzip wrapper; zlib writes mtime 0 and a fixed
         * OS byte, so the stream is reproducible */
        if (deflateInit2(&s->zs, gz_level > 9 ? 9 : gz_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            die("zlib deflateInit2 failed");
        s->zcap = SINK_BUF;
        s->zbuf = xmalloc(s->zcap);
    }
}

static void sink_raw(sink_t *s, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, s->f) != n) die("write error on %s: %s", s->name, strerror(errno));
}

static void sink_deflate(sink_t *s, const unsigned char *p, size_t n, int flush)
{
    s->zs.next_in = (unsigned char *)p;
    s->zs.avail_in = (uInt)n;
    for (;;) {
        s->zs.next_out = s->zbuf;
        s->zs.avail_out = (uInt)s->zcap;
        int rc = deflate(&s->zs, flush);
        if (rc == Z_STREAM_ERROR) die("zlib deflate failed");
        sink_raw(s, s->zbuf, s->zcap - s->zs.avail_out);
        if (flush == Z_FINISH) {
            if (rc == Z_STREAM_END) break;
        } else if (s->zs.avail_out != 0) {
            break;
        }
    }
}

void sink_flush_buf(sink_t *s)
{
    if (s->len == 0) return;
    if (s->gz)
        sink_deflate(s, s->buf, s->len, Z_NO_FLUSH);
    else
        sink_raw(s, s->buf, s->len);
    s->len = 0;
}

void sink_puts(sink_t *s, const char *str) { sink_write(s, str, strlen(str)); }

void sink_close(sink_t *s)
{
    if (s->gz) {
        sink_deflate(s, s->buf, s->len, Z_FINISH);
        s->len = 0;
        deflateEnd(&s->zs);
        free(s->zbuf);
    } else {
        sink_flush_buf(s);
    }
    if (fflush(s->f) != 0) die("write error on %s: %s", s->name, strerror(errno));
    if (s->own && fclose(s->f) != 0) die("write error on %s: %s", s->name, strerror(errno));
    free(s->buf);
    s->buf = NULL;
}

/* ---------------------------------------------------------------- numbers */

size_t fmt_u64(char *dst, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) dst[i] = tmp[n - 1 - i];
    return n;
}

/* Calendar arithmetic for years >= 1970, by plain counting: simple and
 * fast enough (one call per record at most). */
static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned char md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return md[m - 1] + (m == 2 && is_leap(y));
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t days = 0;
    for (int64_t yy = 1970; yy < y; yy++) days += 365 + is_leap(yy);
    for (unsigned mm = 1; mm < m; mm++) days += month_days(y, mm);
    return days + (int64_t)d - 1;
}

void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    int64_t yy = 1970;
    if (z < 0) z = 0;
    /* jump whole 400-year cycles (146097 days) first */
    yy += 400 * (z / 146097);
    z %= 146097;
    while (z >= 365 + is_leap(yy)) {
        z -= 365 + is_leap(yy);
        yy++;
    }
    unsigned mm = 1;
    while (z >= month_days(yy, mm)) {
        z -= month_days(yy, mm);
        mm++;
    }
    *y = (int)yy;
    *m = mm;
    *d = (unsigned)z + 1;
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

void fmt_iso_time(char out[40], int64_t sec, uint32_t frac7)
{
    int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
    int64_t rem = sec - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    /* 2026-11-01T00:00:35.3899262Z */
    char *p = out;
    unsigned uy = (unsigned)y;
    p[0] = (char)('0' + uy / 1000 % 10);
    p[1] = (char)('0' + uy / 100 % 10);
    p[2] = (char)('0' + uy / 10 % 10);
    p[3] = (char)('0' + uy % 10);
    p[4] = '-';
    put2(p + 5, m);
    p[7] = '-';
    put2(p + 8, d);
    p[10] = 'T';
    put2(p + 11, (unsigned)(rem / 3600));
    p[13] = ':';
    put2(p + 14, (unsigned)(rem / 60 % 60));
    p[16] = ':';
    put2(p + 17, (unsigned)(rem % 60));
    p[19] = '.';
    uint32_t f = frac7 % 10000000u;
    for (int i = 6; i >= 0; i--) {
        p[20 + i] = (char)('0' + f % 10);
        f /= 10;
    }
    p[27] = 'Z';
    p[28] = 0;
}

void str_upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

void str_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

void mkdir_p(const char *path)
{
    char *p = xstrdup(path);
    size_t n = strlen(p);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == 0) {
            char c = p[i];
            p[i] = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) die("cannot create directory %s: %s", p, strerror(errno));
            p[i] = c;
        }
    }
    free(p);
}
