/* fuzz_check.h: invariant checks shared by the fuzz harnesses. A broken
 * invariant aborts (a crash that libFuzzer reports and saves), after a line
 * on stderr saying which one. Header-only: each harness is one .c file. */
#ifndef NSGFLOW_FUZZ_CHECK_H
#define NSGFLOW_FUZZ_CHECK_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ipaddr.h"
#include "ingest/tuple.h"

/* ASan's quarantine of freed memory (256 MB by default) counts towards
 * libFuzzer's -rss_limit_mb=256 and would end long runs with a false
 * out-of-memory; a harness may set its own before including this. */
#ifndef FUZZ_ASAN_OPTIONS
#define FUZZ_ASAN_OPTIONS "quarantine_size_mb=64"
#endif
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return FUZZ_ASAN_OPTIONS;
}

#define FUZZ_CHECK(cond, ...)                                              \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "fuzz invariant failed at %s:%d: %s: ",        \
                    __FILE__, __LINE__, #cond);                            \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* While a bug the fuzzers found is not fixed yet, a long run can be told to
 * let its check pass, to look for other bugs: NSGFLOW_FUZZ_KNOWN="name,..."
 * in the environment (names at the checks that use fuzz_known). The replay
 * in make check sets FUZZ_KNOWN of fuzz.mk for the seed-* and found-*
 * inputs, never for the crash-* reproducers. */
static inline int fuzz_known(const char *name)
{
    const char *k = getenv("NSGFLOW_FUZZ_KNOWN");
    if (!k)
        return 0;
    size_t n = strlen(name);
    for (const char *p = k; (p = strstr(p, name)) != NULL; p += n)
        if ((p == k || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return 1;
    return 0;
}

/* A scratch folder for a harness's files, in memory when /dev/shm is
 * there, removed with its contents when the process exits (after the
 * harness's own atexit handlers registered later, which close its files).
 * Returns its path. */
static char fuzz_scratch[256];

static inline void fuzz_scratch_remove(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_scratch);
    if (fuzz_scratch[0] && system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", fuzz_scratch);
}

static inline const char *fuzz_scratch_dir(const char *name)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                       : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(fuzz_scratch, sizeof fuzz_scratch, "%s/nsgflow-%s.XXXXXX", base, name);
    FUZZ_CHECK(mkdtemp(fuzz_scratch) != NULL, "mkdtemp %s: %s", fuzz_scratch, strerror(errno));
    atexit(fuzz_scratch_remove);
    return fuzz_scratch;
}

/* A NUL-terminated message of printable ASCII that fits in max bytes. */
static inline void fuzz_check_message(const char *m, size_t max,
                                      const char *what)
{
    FUZZ_CHECK(m != NULL, "%s is NULL", what);
    size_t n = strnlen(m, max);
    FUZZ_CHECK(n < max, "%s is not NUL-terminated within %zu bytes", what, max);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)m[i] >= 0x20 && (unsigned char)m[i] < 0x7f,
                   "%s has byte 0x%02x at %zu: '%s'", what,
                   (unsigned char)m[i], i, m);
}

/* A NUL-terminated string of any bytes (reading it lets ASan check it). */
static inline void fuzz_check_message_any(const char *m, const char *what)
{
    FUZZ_CHECK(m != NULL, "%s is NULL", what);
    volatile size_t n = strlen(m);
    (void)n;
}

/* The address round-trips through its canonical text. */
static inline void fuzz_check_address(const struct ip_addr *a, const char *what)
{
    FUZZ_CHECK(a->family == IP_V4 || a->family == IP_V6, "%s family %d", what,
               a->family);
    if (a->family == IP_V4)
        for (int i = 4; i < 16; i++)
            FUZZ_CHECK(a->b[i] == 0, "%s: IPv4 with byte %d set", what, i);
    char text[IP_TEXT_MAX];
    size_t n = ip_format(a, text);
    FUZZ_CHECK(n > 0 && n < IP_TEXT_MAX && strlen(text) == n,
               "%s: ip_format gave %zu bytes", what, n);
    struct ip_addr back;
    FUZZ_CHECK(ip_parse(text, n, &back) == 0, "%s: '%s' does not parse back",
               what, text);
    FUZZ_CHECK(memcmp(&back, a, sizeof back) == 0,
               "%s: '%s' parses back to another address", what, text);
}

/* Checks the outcome of tuple_parse(s, n, format, t, why) == rc. */
static inline void fuzz_check_tuple(const char *s, size_t n,
                                    enum flow_format format, int rc,
                                    const struct flow_tuple *t,
                                    const char *why)
{
    FUZZ_CHECK(rc == 0 || rc == -1, "tuple_parse returned %d", rc);
    if (rc != 0) {
        fuzz_check_message(why, TUPLE_WHY_MAX, "tuple_parse's why");
        FUZZ_CHECK(why[0] != '\0', "tuple_parse failed with an empty why");
        return;
    }
    enum flow_format f = format != FORMAT_UNKNOWN ? format
                                                  : tuple_guess_format(s, n);
    FUZZ_CHECK(f == FORMAT_NSG_V1 || f == FORMAT_NSG_V2 || f == FORMAT_VNET_V4,
               "parsed as format %d", (int)f);
    /* A tuple that parses is printable ASCII: nothing may hide behind a
     * NUL or a control byte. */
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f,
                   "accepted a tuple with byte 0x%02x at %zu: '%.*s'",
                   (unsigned char)s[i], i, (int)n, s);
    FUZZ_CHECK(t->ts >= 0 && t->ts <= 9999999999999ll, "ts %lld",
               (long long)t->ts);
    FUZZ_CHECK(t->ms >= -1 && t->ms <= 999, "ms %d", (int)t->ms);
    if (t->ms >= 0)
        FUZZ_CHECK(t->ts <= 9999999999ll, "ms with ts %lld", (long long)t->ts);
    fuzz_check_address(&t->src, "source address");
    fuzz_check_address(&t->dst, "destination address");
    /* ports are uint16_t: <= 65535 by type */
    FUZZ_CHECK(t->direction == DIRECTION_INBOUND ||
                   t->direction == DIRECTION_OUTBOUND,
               "direction %d", t->direction);
    FUZZ_CHECK(t->action == ACTION_ALLOW || t->action == ACTION_DENY,
               "action %d", t->action);
    FUZZ_CHECK(t->has_counters == 0 || t->has_counters == 1,
               "has_counters %d", t->has_counters);
    if (t->has_counters)
        for (int i = 0; i < 4; i++)
            FUZZ_CHECK(t->counters[i] >= 0, "counter %d is %lld", i,
                       (long long)t->counters[i]);
    switch (f) {
    case FORMAT_NSG_V1:
        FUZZ_CHECK(t->state == 0, "v1 state '%c'", t->state);
        FUZZ_CHECK(t->has_counters == 0, "v1 with counters");
        FUZZ_CHECK(t->encryption == NULL && t->encryption_len == 0,
                   "v1 with encryption");
        break;
    case FORMAT_NSG_V2:
        FUZZ_CHECK(t->state == 'B' || t->state == 'C' || t->state == 'E',
                   "v2 state 0x%02x", (unsigned char)t->state);
        FUZZ_CHECK(t->encryption == NULL && t->encryption_len == 0,
                   "v2 with encryption");
        break;
    default:
        FUZZ_CHECK(t->state == 'B' || t->state == 'C' || t->state == 'E' ||
                       t->state == 'D',
                   "vnet state 0x%02x", (unsigned char)t->state);
        FUZZ_CHECK(t->action == (t->state == 'D' ? ACTION_DENY : ACTION_ALLOW),
                   "vnet action %d with state %c", t->action, t->state);
        FUZZ_CHECK(t->encryption != NULL && t->encryption_len >= 1 &&
                       t->encryption_len <= TUPLE_ENCRYPTION_MAX,
                   "vnet encryption length %d", t->encryption_len);
        FUZZ_CHECK(t->encryption >= s && t->encryption + t->encryption_len <= s + n,
                   "encryption points outside the tuple");
        for (int i = 0; i < t->encryption_len; i++)
            FUZZ_CHECK((t->encryption[i] >= 'A' && t->encryption[i] <= 'Z') ||
                           t->encryption[i] == '_',
                       "encryption byte 0x%02x",
                       (unsigned char)t->encryption[i]);
        break;
    }
}

/* Parses s as format and checks the outcome. Returns tuple_parse's result. */
static inline int fuzz_parse_tuple(const char *s, size_t n,
                                   enum flow_format format,
                                   struct flow_tuple *t)
{
    char why[TUPLE_WHY_MAX];
    memset(why, 'x', sizeof why); /* no NUL unless tuple_parse writes one */
    memset(t, 0xA5, sizeof *t);
    int rc = tuple_parse(s, n, format, t, why);
    fuzz_check_tuple(s, n, format, rc, t, why);
    return rc;
}

#endif
