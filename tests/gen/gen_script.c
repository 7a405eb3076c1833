/* Script mode of nsgflow-gen: reads a text file that lists connections one
 * per line (time, NIC, 5-tuple, direction, rule, shape) and writes the
 * tuples each flow-log format would log for them, in the tree layout, with
 * the tree mode's path, blob and record writers. Tests use it to state the
 * exact traffic of a case and to compare nsgflow's reconstruction with the
 * per-NIC connection counts it writes as truth. */
#include "gen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ vocabulary */

enum { SH_COMPLETED, SH_LOST, SH_SCAN_RST, SH_SCAN_FIN, SH_DENIED, SH_UDP, SH_COUNT };
static const char *const SHAPE_NAMES[SH_COUNT] = {"completed", "lost", "scan-rst", "scan-fin", "denied", "udp"};

enum { K_DUR, K_BYTES, K_SYNS, K_GAPS, K_END, K_REPLIES, K_E, K_NSG, K_ENC, K_ACL, K_COUNT };
static const char *const KEY_NAMES[K_COUNT] = {"dur", "bytes", "syns", "gaps", "end", "replies", "e", "nsg",
                                               "enc", "acl"};
#define KB(k) (1u << (k))
#define K_ANY (KB(K_E) | KB(K_NSG) | KB(K_ENC) | KB(K_ACL)) /* keys of every shape */
static const unsigned SHAPE_KEYS[SH_COUNT] = {
    [SH_COMPLETED] = KB(K_DUR) | KB(K_BYTES) | K_ANY,
    [SH_LOST] = KB(K_SYNS) | KB(K_GAPS) | KB(K_END) | K_ANY,
    [SH_SCAN_RST] = K_ANY,
    [SH_SCAN_FIN] = K_ANY,
    [SH_DENIED] = KB(K_SYNS) | KB(K_GAPS) | K_ANY,
    [SH_UDP] = KB(K_DUR) | KB(K_REPLIES) | K_ANY,
};
#define MAX_ENC 40                        /* the longest encryption value nsgflow reads */

#define MAX_SYNS 1000
#define MAX_SPAN_MS (30LL * 86400 * 1000) /* any duration or offset: 30 days */
#define MAX_BYTES 1000000000000000ULL
#define MAX_RULES 256                     /* tup_t.rule is 8 bits */
#define MAX_FIELDS 64
#define DEFAULT_RG "RG-APIM"
#define DEFAULT_NSG "NSG-APIM"

/* One script line. Times are milliseconds: t since the epoch, the rest
 * after t. */
typedef struct {
    int line;
    int nic;            /* index into the NIC table (later: MAC order) */
    int rule;           /* index into the rule table */
    int shape;
    char proto;         /* 'T' / 'U' */
    char dir;           /* 'I' / 'O' */
    char src[48], dst[48];
    unsigned sport, dport;
    int64_t t;
    int64_t dur;        /* completed, udp */
    int64_t e_at;       /* when the E tuple comes (VNet, stateful NSG) */
    uint64_t bytes;     /* completed */
    uint64_t replies;   /* udp */
    unsigned syns;      /* lost, denied */
    int64_t *syn_at;    /* lost, denied: the SYNs, syn_at[0] = 0 */
    char enc[MAX_ENC + 1]; /* VNet: the encryption value of its tuples */
    int acl;            /* VNet: -1 the NIC's aclID, or ACL_PLATFORM, ACL_UNSPECIFIED */
} conn_t;

typedef struct {
    char mac[16];       /* upper case */
    char *nsg;          /* upper case */
    int line;           /* where it first appears */
    unsigned count[SH_COUNT];
} snic_t;

/* One rendered tuple. */
typedef struct {
    int nic;
    int64_t ms;
    uint64_t seq;       /* creation order: script line, then tuple */
    uint32_t off;       /* into the arena */
    uint16_t len;
    uint8_t rule;
    int8_t acl;         /* the connection's (-1: the NIC's) */
} stup_t;

typedef struct {
    const char *file;   /* as named in messages */
    int line;
    conn_t *conns;
    size_t nconns, capconns;
    snic_t *nics;
    int nnics;
    char *rules[MAX_RULES];
    int nrules;
    /* rendering */
    int fmt;
    char *arena;
    size_t alen, acap;
    stup_t *tups;
    size_t ntups, captups;
} script_t;

/* ------------------------------------------------------------ errors */

static void script_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void script_usage(const char *fmt, ...)
{
    va_list ap;
    fputs("nsgflow-gen: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see nsgflow-gen --help)\n", stderr);
    exit(2);
}

/* A bad script line: "script FILE:LINE: what", exit status 2. */
static void bad(const script_t *s, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void bad(const script_t *s, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "nsgflow-gen: script %s:%d: ", s->file, s->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* ------------------------------------------------------------ field parsers */

static int all_digits(const char *p, size_t n)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    return 1;
}

static unsigned num(const char *p, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (unsigned)(p[i] - '0');
    return v;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction]Z -> ms since the epoch. */
static int64_t parse_time(const script_t *s, const char *v)
{
    static const char form[] = "expected YYYY-MM-DDTHH:MM:SS[.fff]Z (UTC), e.g. 2026-11-01T00:59:58.500Z";
    size_t n = strlen(v);
    if (n < 20 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' || v[n - 1] != 'Z' ||
        !all_digits(v, 4) || !all_digits(v + 5, 2) || !all_digits(v + 8, 2) || !all_digits(v + 11, 2) ||
        !all_digits(v + 14, 2) || !all_digits(v + 17, 2))
        bad(s, "bad TIME '%.60s': %s", v, form);
    int64_t ms = 0;
    if (n > 20) {
        size_t fd = n - 21; /* digits between '.' and 'Z' */
        if (v[19] != '.' || !all_digits(v + 20, fd)) bad(s, "bad TIME '%.60s': %s", v, form);
        for (size_t i = 0; i < fd; i++) {
            if (i < 3)
                ms = ms * 10 + (v[20 + i] - '0');
            else if (v[20 + i] != '0')
                bad(s, "bad TIME '%.60s': finer than a millisecond", v);
        }
        for (size_t i = fd; i < 3; i++) ms *= 10;
    }
    unsigned y = num(v, 4), mo = num(v + 5, 2), d = num(v + 8, 2), h = num(v + 11, 2), mi = num(v + 14, 2),
             sec = num(v + 17, 2);
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || sec > 59)
        bad(s, "bad TIME '%.60s': not a valid date and time (years 1970..2999)", v);
    int64_t secs = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + sec;
    return secs * 1000 + ms;
}

/* 12 hex digits, into upper case. */
static void parse_mac(const script_t *s, const char *v, char out[16])
{
    size_t n = strlen(v);
    int ok = n == 12;
    for (size_t i = 0; ok && i < n; i++) {
        char c = v[i];
        ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    if (!ok) bad(s, "bad NIC '%.60s': expected a MAC as 12 hex digits, e.g. 000D3A000001", v);
    memcpy(out, v, 13);
    str_upper(out);
}

/* ADDR:PORT with IPv4, or [ADDR]:PORT with IPv6; the address comes out in
 * its canonical text form. */
static void parse_endpoint(const script_t *s, const char *what, const char *v, char addr[48], unsigned *port)
{
    char a[64];
    const char *ps;
    int fam;
    if (v[0] == '[') {
        const char *rb = strstr(v, "]:");
        if (!rb || (size_t)(rb - v - 1) >= sizeof a) bad(s, "bad %s '%.60s': expected [IPV6]:PORT", what, v);
        memcpy(a, v + 1, (size_t)(rb - v - 1));
        a[rb - v - 1] = 0;
        ps = rb + 2;
        fam = AF_INET6;
    } else {
        const char *colon = strchr(v, ':');
        if (!colon) bad(s, "bad %s '%.60s': expected ADDRESS:PORT", what, v);
        if (strchr(colon + 1, ':')) bad(s, "bad %s '%.60s': write an IPv6 address as [ADDRESS]:PORT", what, v);
        if ((size_t)(colon - v) >= sizeof a) bad(s, "bad %s '%.60s': not an IPv4 address", what, v);
        memcpy(a, v, (size_t)(colon - v));
        a[colon - v] = 0;
        ps = colon + 1;
        fam = AF_INET;
    }
    unsigned char bin[16];
    if (inet_pton(fam, a, bin) != 1)
        bad(s, "bad %s '%.60s': '%s' is not an %s address", what, v, a, fam == AF_INET ? "IPv4" : "IPv6");
    if (!inet_ntop(fam, bin, addr, 48)) bad(s, "bad %s '%.60s'", what, v);
    size_t pn = strlen(ps);
    if (!all_digits(ps, pn) || pn > 5 || num(ps, pn) > 65535)
        bad(s, "bad %s '%.60s': the port must be 0..65535", what, v);
    *port = num(ps, pn);
}

/* Seconds with up to 3 decimals -> ms, in [min_ms, MAX_SPAN_MS]. */
static int64_t parse_secs(const script_t *s, const char *key, const char *v, int64_t min_ms)
{
    const char *dot = strchr(v, '.');
    size_t in = dot ? (size_t)(dot - v) : strlen(v);
    size_t fn = dot ? strlen(dot + 1) : 0;
    if (!all_digits(v, in) || in > 8 || (dot && (fn == 0 || fn > 3 || !all_digits(dot + 1, fn))))
        bad(s, "bad %s='%.60s': expected seconds, e.g. 2 or 0.25 (at most 3 decimals)", key, v);
    int64_t ms = (int64_t)num(v, in) * 1000;
    if (dot) {
        int64_t f = num(dot + 1, fn);
        for (size_t i = fn; i < 3; i++) f *= 10;
        ms += f;
    }
    if (ms < min_ms || ms > MAX_SPAN_MS)
        bad(s, "bad %s='%.60s': must be %s and at most %lld s", key, v, min_ms > 0 ? "above 0" : "0 or more",
            (long long)(MAX_SPAN_MS / 1000));
    return ms;
}

static uint64_t parse_count(const script_t *s, const char *key, const char *v, uint64_t lo, uint64_t hi)
{
    size_t n = strlen(v);
    uint64_t x = 0;
    int ok = all_digits(v, n) && n <= 19;
    for (size_t i = 0; ok && i < n; i++) x = x * 10 + (uint64_t)(v[i] - '0');
    if (!ok || x < lo || x > hi)
        bad(s, "bad %s='%.60s': expected an integer %llu..%llu", key, v, (unsigned long long)lo,
            (unsigned long long)hi);
    return x;
}

/* gaps=a,b,... -> ms values; returns how many. */
static unsigned parse_gaps(const script_t *s, const char *v, int64_t *out, unsigned cap)
{
    unsigned n = 0;
    const char *p = v;
    for (;;) {
        size_t k = strcspn(p, ",");
        char tmp[32];
        if (k == 0 || k >= sizeof tmp) bad(s, "bad gaps='%.60s': expected seconds separated by commas, e.g. 1,2,4", v);
        if (n == cap) bad(s, "bad gaps='%.60s': more than %u values", v, cap);
        memcpy(tmp, p, k);
        tmp[k] = 0;
        out[n++] = parse_secs(s, "gaps", tmp, 1);
        p += k;
        if (!*p) break;
        p++;
    }
    return n;
}

/* enc=VALUE: 1..MAX_ENC capital letters and underscores, as VNet flow logs
 * write them (X, NX, NX_NOT_ACCEPTED, ...); any such value is written. */
static void parse_enc(const script_t *s, const char *v, char out[MAX_ENC + 1])
{
    size_t n = strlen(v);
    int ok = n >= 1 && n <= MAX_ENC;
    for (size_t i = 0; ok && i < n; i++) ok = (v[i] >= 'A' && v[i] <= 'Z') || v[i] == '_';
    if (!ok) bad(s, "bad enc='%.60s': 1..%d capital letters or '_', e.g. NX or NX_NOT_ACCEPTED", v, MAX_ENC);
    memcpy(out, v, n + 1);
}

static void check_rule(const script_t *s, const char *v)
{
    size_t n = strlen(v);
    if (n > 200) bad(s, "bad RULE '%.60s...': longer than 200 characters", v);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
            bad(s, "bad RULE '%.60s': printable ASCII only, without quotes and backslashes", v);
    }
}

static void check_nsg(const script_t *s, const char *v)
{
    size_t n = strlen(v);
    int ok = n >= 1 && n <= 80;
    for (size_t i = 0; ok && i < n; i++) {
        char c = v[i];
        ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
             c == '.';
    }
    if (!ok) bad(s, "bad nsg='%.60s': 1..80 letters, digits, '-', '_' or '.'", v);
}

/* ------------------------------------------------------------ lines */

static int find_nic(script_t *s, const char *mac)
{
    for (int i = 0; i < s->nnics; i++)
        if (!strcmp(s->nics[i].mac, mac)) return i;
    return -1;
}

static int find_rule(script_t *s, const char *name)
{
    for (int i = 0; i < s->nrules; i++)
        if (!strcmp(s->rules[i], name)) return i;
    if (s->nrules == MAX_RULES) bad(s, "more than %d distinct rule names in one script", MAX_RULES);
    s->rules[s->nrules] = xstrdup(name);
    return s->nrules++;
}

static void parse_line(script_t *s, char *text)
{
    char *f[MAX_FIELDS];
    int nf = 0;
    char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        if (nf == MAX_FIELDS) bad(s, "more than %d fields", MAX_FIELDS);
        f[nf++] = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        if (*p) *p++ = 0;
    }
    if (nf == 0) return;
    if (nf < 8)
        bad(s, "expected TIME NIC PROTO SRC:SPORT DST:DPORT DIR RULE SHAPE [key=value...], got %d field%s", nf,
            nf == 1 ? "" : "s");

    conn_t c;
    memset(&c, 0, sizeof c);
    c.line = s->line;
    c.t = parse_time(s, f[0]);
    char mac[16];
    parse_mac(s, f[1], mac);
    if (!strcasecmp(f[2], "tcp"))
        c.proto = 'T';
    else if (!strcasecmp(f[2], "udp"))
        c.proto = 'U';
    else
        bad(s, "bad PROTO '%.60s': expected tcp or udp", f[2]);
    parse_endpoint(s, "SRC:SPORT", f[3], c.src, &c.sport);
    parse_endpoint(s, "DST:DPORT", f[4], c.dst, &c.dport);
    if (!strcasecmp(f[5], "in"))
        c.dir = 'I';
    else if (!strcasecmp(f[5], "out"))
        c.dir = 'O';
    else
        bad(s, "bad DIR '%.60s': expected in or out", f[5]);
    check_rule(s, f[6]);
    c.shape = -1;
    for (int k = 0; k < SH_COUNT; k++)
        if (!strcmp(f[7], SHAPE_NAMES[k])) c.shape = k;
    if (c.shape < 0)
        bad(s, "unknown SHAPE '%.60s': expected completed, lost, scan-rst, scan-fin, denied or udp", f[7]);
    if (c.shape == SH_UDP && c.proto != 'U') bad(s, "shape udp needs PROTO udp");
    if (c.shape != SH_UDP && c.shape != SH_DENIED && c.proto != 'T')
        bad(s, "shape %s needs PROTO tcp (use shape udp or denied for UDP)", SHAPE_NAMES[c.shape]);

    /* keys */
    const char *val[K_COUNT] = {0};
    for (int i = 8; i < nf; i++) {
        char *eq = strchr(f[i], '=');
        if (!eq || eq == f[i]) bad(s, "bad field '%.60s': expected key=value after the SHAPE", f[i]);
        *eq = 0;
        int k = -1;
        for (int j = 0; j < K_COUNT; j++)
            if (!strcmp(f[i], KEY_NAMES[j])) k = j;
        if (k < 0) bad(s, "unknown key '%.40s' (keys: dur, bytes, syns, gaps, end, replies, e, nsg, enc, acl)", f[i]);
        if (!(SHAPE_KEYS[c.shape] & KB(k))) bad(s, "key %s= does not apply to shape %s", f[i], SHAPE_NAMES[c.shape]);
        if (val[k]) bad(s, "key %s= given twice", f[i]);
        val[k] = eq + 1;
    }

    /* the VNet fields: encryption value and aclID */
    snprintf(c.enc, sizeof c.enc, "NX");
    if (val[K_ENC]) parse_enc(s, val[K_ENC], c.enc);
    c.acl = -1;
    if (val[K_ACL]) {
        if (!strcmp(val[K_ACL], "zero"))
            c.acl = ACL_PLATFORM;
        else if (!strcmp(val[K_ACL], "unspecified"))
            c.acl = ACL_UNSPECIFIED;
        else if (strcmp(val[K_ACL], "nic"))
            bad(s, "bad acl='%.60s': expected nic, zero or unspecified", val[K_ACL]);
    }

    /* the shape's parameters, defaults first */
    c.dur = c.shape == SH_UDP ? 1000 : 2000;
    if (val[K_DUR]) c.dur = parse_secs(s, "dur", val[K_DUR], 1);
    c.bytes = val[K_BYTES] ? parse_count(s, "bytes", val[K_BYTES], 0, MAX_BYTES) : 4000;
    c.replies = val[K_REPLIES] ? parse_count(s, "replies", val[K_REPLIES], 0, 1000000) : 1;
    if (c.shape == SH_LOST || c.shape == SH_DENIED) {
        c.syns = val[K_SYNS] ? (unsigned)parse_count(s, "syns", val[K_SYNS], 1, MAX_SYNS)
                             : (c.shape == SH_LOST ? 3 : 2);
        int64_t gaps[MAX_SYNS];
        unsigned ng;
        if (val[K_GAPS]) {
            ng = parse_gaps(s, val[K_GAPS], gaps, MAX_SYNS);
            if (ng + 1 < c.syns)
                bad(s, "syns=%u needs %u gaps, gaps= has %u", c.syns, c.syns - 1, ng);
        } else {
            /* 1, 2, 4, 8 s, doubling on for more SYNs (capped at a minute) */
            ng = c.syns - 1;
            for (unsigned i = 0; i < ng; i++) gaps[i] = i < 6 ? 1000LL << i : 60000;
        }
        c.syn_at = xmalloc(sizeof(int64_t) * c.syns);
        c.syn_at[0] = 0;
        for (unsigned i = 1; i < c.syns; i++) {
            c.syn_at[i] = c.syn_at[i - 1] + gaps[i - 1];
            if (c.syn_at[i] > MAX_SPAN_MS) bad(s, "the SYNs span more than %lld s", (long long)(MAX_SPAN_MS / 1000));
        }
    }
    switch (c.shape) {
    case SH_COMPLETED:
    case SH_UDP:
        c.e_at = c.dur;
        if (val[K_E]) {
            c.e_at = parse_secs(s, "e", val[K_E], 1);
            if (c.e_at < c.dur) bad(s, "e=%s comes before the end of the connection (dur=%s)", val[K_E],
                                    val[K_DUR] ? val[K_DUR] : c.shape == SH_UDP ? "1" : "2");
        }
        break;
    case SH_LOST: {
        const char *which = val[K_E] ? "e" : "end";
        c.e_at = 21000;
        if (val[K_END]) c.e_at = parse_secs(s, "end", val[K_END], 1);
        if (val[K_E]) c.e_at = parse_secs(s, "e", val[K_E], 1);
        if (c.e_at < c.syn_at[c.syns - 1])
            bad(s, "%s=%s comes before the last SYN (at +%lld.%03lld s)", which,
                val[K_E] ? val[K_E] : val[K_END] ? val[K_END] : "21", (long long)(c.syn_at[c.syns - 1] / 1000),
                (long long)(c.syn_at[c.syns - 1] % 1000));
        break;
    }
    case SH_SCAN_RST:
    case SH_SCAN_FIN:
        c.e_at = c.shape == SH_SCAN_RST ? 100 : 200;
        if (val[K_E]) c.e_at = parse_secs(s, "e", val[K_E], 1);
        break;
    default: /* denied: no E tuple; e= is accepted and has no effect */
        if (val[K_E]) (void)parse_secs(s, "e", val[K_E], 1);
        break;
    }

    /* the NIC, its NSG, the rule */
    int ni = find_nic(s, mac);
    if (val[K_NSG]) check_nsg(s, val[K_NSG]);
    if (ni < 0) {
        s->nics = xrealloc(s->nics, sizeof(snic_t) * (size_t)(s->nnics + 1));
        snic_t *n = &s->nics[s->nnics];
        memset(n, 0, sizeof *n);
        memcpy(n->mac, mac, sizeof n->mac);
        n->nsg = xstrdup(val[K_NSG] ? val[K_NSG] : DEFAULT_NSG);
        str_upper(n->nsg);
        n->line = s->line;
        ni = s->nnics++;
    } else if (val[K_NSG]) {
        char up[96];
        snprintf(up, sizeof up, "%s", val[K_NSG]);
        str_upper(up);
        if (strcmp(up, s->nics[ni].nsg) != 0)
            bad(s, "nsg=%s: NIC %s already has NSG %s from line %d (set nsg= on the NIC's first line)", val[K_NSG],
                mac, s->nics[ni].nsg, s->nics[ni].line);
    }
    c.nic = ni;
    s->nics[ni].count[c.shape]++;
    c.rule = find_rule(s, f[6]);

    if (s->nconns == s->capconns) {
        s->capconns = s->capconns ? s->capconns * 2 : 64;
        s->conns = xrealloc(s->conns, sizeof(conn_t) * s->capconns);
    }
    s->conns[s->nconns++] = c;
}

static void read_script(script_t *s, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) die("cannot read %s: %s", path, strerror(errno));
    s->file = strcmp(path, "-") ? path : "<stdin>";
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    s->line = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        s->line++;
        if ((size_t)n != strlen(line)) bad(s, "a NUL byte in the line");
        line[strcspn(line, "#\r\n")] = 0; /* '#' starts a comment anywhere */
        parse_line(s, line);
    }
    if (ferror(f)) die("cannot read %s: %s", path, strerror(errno));
    free(line);
    if (f != stdin) fclose(f);
}

/* ------------------------------------------------------------ rendering */

static void add_tuple(script_t *s, const conn_t *c, int64_t ms, char state, const uint64_t *cnt)
{
    char buf[256];
    int n;
    int denied = c->shape == SH_DENIED;
    if (s->fmt == FMT_VNET) {
        n = snprintf(buf, sizeof buf, "%lld,%s,%s,%u,%u,%s,%c,%c,%s", (long long)ms, c->src, c->dst, c->sport,
                     c->dport, c->proto == 'T' ? "6" : "17", c->dir, denied ? 'D' : state, c->enc);
    } else {
        n = snprintf(buf, sizeof buf, "%lld,%s,%s,%u,%u,%c,%c,%c", (long long)(ms / 1000), c->src, c->dst, c->sport,
                     c->dport, c->proto, c->dir, denied ? 'D' : 'A');
        /* NSG v2 logs a denied SYN as a B; the decision says D */
        if (s->fmt == FMT_NSG_V2) n += snprintf(buf + n, sizeof buf - (size_t)n, ",%c", state == 'D' ? 'B' : state);
    }
    if (s->fmt != FMT_NSG_V1) {
        if (cnt)
            n += snprintf(buf + n, sizeof buf - (size_t)n, ",%llu,%llu,%llu,%llu", (unsigned long long)cnt[0],
                          (unsigned long long)cnt[1], (unsigned long long)cnt[2], (unsigned long long)cnt[3]);
        else
            n += snprintf(buf + n, sizeof buf - (size_t)n, "%s", s->fmt == FMT_VNET ? ",0,0,0,0" : ",,,,");
    }
    if (s->alen + (size_t)n > s->acap) {
        s->acap = s->acap ? s->acap * 2 : 65536;
        s->arena = xrealloc(s->arena, s->acap);
    }
    memcpy(s->arena + s->alen, buf, (size_t)n);
    if (s->ntups == s->captups) {
        s->captups = s->captups ? s->captups * 2 : 1024;
        s->tups = xrealloc(s->tups, sizeof(stup_t) * s->captups);
    }
    stup_t *t = &s->tups[s->ntups];
    t->nic = c->nic;
    t->ms = ms;
    t->seq = s->ntups;
    t->off = (uint32_t)s->alen;
    t->len = (uint16_t)n;
    t->rule = (uint8_t)c->rule;
    t->acl = (int8_t)c->acl;
    s->ntups++;
    s->alen += (size_t)n;
    if (s->alen > 0xffffffffu) die("script: too many tuples");
}

static uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c)
{
    return (uint64_t)((unsigned __int128)a * b / c);
}

/* B at t, C every `interval` ms while the traffic lasts (span ms), E at
 * t + e_at. The packets `tot` [0], [2] spread evenly over the span, the
 * bytes [1], [3] with their packets (so a C without packets has no bytes). */
static void stateful(script_t *s, const conn_t *c, const uint64_t tot[4], int64_t interval, int64_t span)
{
    uint64_t prev[4] = {0, 0, 0, 0}, d[4];
    add_tuple(s, c, c->t, 'B', NULL);
    for (int64_t x = interval; interval > 0 && x < span; x += interval) {
        for (int i = 0; i < 4; i += 2) {
            uint64_t pk = muldiv(tot[i], (uint64_t)x, (uint64_t)span);
            uint64_t by = tot[i] ? muldiv(tot[i + 1], pk, tot[i]) : muldiv(tot[i + 1], (uint64_t)x, (uint64_t)span);
            d[i] = pk - prev[i], d[i + 1] = by - prev[i + 1];
            prev[i] = pk, prev[i + 1] = by;
        }
        add_tuple(s, c, c->t + x, 'C', d);
    }
    for (int i = 0; i < 4; i++) d[i] = tot[i] - prev[i];
    add_tuple(s, c, c->t + c->e_at, 'E', d);
}

/* NSG: inbound TCP allowed by a user rule is logged without state. */
static int nsg_stateless(const script_t *s, const conn_t *c)
{
    return c->dir == 'I' && c->proto == 'T' && c->shape != SH_DENIED &&
           !strncasecmp(s->rules[c->rule], "UserRule_", 9);
}

static void render(script_t *s, const conn_t *c)
{
    int vnet = s->fmt == FMT_VNET, v1 = s->fmt == FMT_NSG_V1;
    int stateless = !vnet && (v1 || nsg_stateless(s, c));
    switch (c->shape) {
    case SH_COMPLETED: {
        uint64_t tot[4] = {12, c->bytes, 10, 3 * c->bytes};
        if (vnet)
            stateful(s, c, tot, 60000, c->dur);
        else if (stateless)
            for (int64_t x = 0; x < c->dur; x += 60000) add_tuple(s, c, c->t + x, 'B', NULL);
        else
            stateful(s, c, tot, 300000, c->dur);
        break;
    }
    case SH_LOST:
        if (vnet) {
            uint64_t n = c->syns, tot[4] = {n, 60 * n, n + 1, 60 * (n + 1)};
            stateful(s, c, tot, 0, c->e_at);
        } else {
            for (unsigned i = 0; i < c->syns; i++) add_tuple(s, c, c->t + c->syn_at[i], 'B', NULL);
        }
        break;
    case SH_SCAN_RST:
    case SH_SCAN_FIN: {
        static const uint64_t rst[4] = {2, 84, 1, 44}, fin[4] = {4, 208, 2, 104};
        if (stateless)
            add_tuple(s, c, c->t, 'B', NULL);
        else
            stateful(s, c, c->shape == SH_SCAN_RST ? rst : fin, 0, c->e_at);
        break;
    }
    case SH_DENIED:
        for (unsigned i = 0; i < c->syns; i++) add_tuple(s, c, c->t + c->syn_at[i], 'D', NULL);
        break;
    case SH_UDP: {
        uint64_t tot[4] = {1, 120, c->replies, 120 * c->replies};
        if (v1)
            add_tuple(s, c, c->t, 'B', NULL);
        else
            stateful(s, c, tot, 0, c->dur);
        break;
    }
    }
}

static int tup_cmp(const void *a, const void *b)
{
    const stup_t *x = a, *y = b;
    if (x->nic != y->nic) return x->nic < y->nic ? -1 : 1;
    if (x->ms != y->ms) return x->ms < y->ms ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

/* ------------------------------------------------------------ output */

static FILE *out_open(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) die("cannot create %s: %s", path, strerror(errno));
    return f;
}

static void out_close(FILE *f, const char *path)
{
    if (fflush(f) != 0 || ferror(f) || fclose(f) != 0) die("write error on %s: %s", path, strerror(errno));
}

static int snic_cmp(const void *a, const void *b)
{
    return strcmp(((const snic_t *)a)->mac, ((const snic_t *)b)->mac);
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void write_truth(const script_t *s, const char *path)
{
    FILE *f = out_open(path);
    const char *names[SH_COUNT];
    for (int k = 0; k < SH_COUNT; k++) names[k] = SHAPE_NAMES[k];
    qsort(names, SH_COUNT, sizeof names[0], name_cmp);
    fputs("nic\tshape\tcount\n", f);
    for (int i = 0; i < s->nnics; i++) /* NICs are in MAC order */
        for (int k = 0; k < SH_COUNT; k++) {
            int sh = 0;
            while (strcmp(SHAPE_NAMES[sh], names[k])) sh++;
            if (s->nics[i].count[sh]) fprintf(f, "%s\t%s\t%u\n", s->nics[i].mac, names[k], s->nics[i].count[sh]);
        }
    out_close(f, path);
}

/* --truth, else next to --manifest: M.tsv -> M.truth.tsv, M -> M.truth. */
static char *truth_path(const char *manifest)
{
    size_t n = strlen(manifest);
    char *p = xmalloc(n + 16);
    if (n > 4 && !strcmp(manifest + n - 4, ".tsv"))
        snprintf(p, n + 16, "%.*s.truth.tsv", (int)(n - 4), manifest);
    else
        snprintf(p, n + 16, "%s.truth", manifest);
    return p;
}

typedef struct {
    const char *in, *out, *manifest, *truth;
    int fmt, gz, gz_level, style;
} sopts_t;

static void write_tree(script_t *s, const sopts_t *o)
{
    config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = 1;
    cfg.fmt = o->fmt;
    cfg.gzip_level = o->gz_level;
    cfg.style = o->style;
    cfg.out = o->out;
    world_t w;
    world_init(&w, &cfg, s->nnics, 0);
    for (int i = 0; i < s->nnics; i++) {
        memcpy(w.nics[i].mac, s->nics[i].mac, sizeof w.nics[i].mac);
        w.nics[i].rg_name = DEFAULT_RG;
        w.nics[i].nsg_name = s->nics[i].nsg;
        w.nics[i].rec_sec = 59; /* records are dated at the end of their minute */
    }

    mkdir_p(o->out);
    FILE *mf = o->manifest ? out_open(o->manifest) : NULL;
    if (mf) fputs("path\tformat\trecords\ttuples\tmin_ts\tmax_ts\n", mf);
    size_t cap = strlen(o->out) + 1200;
    char *full = xmalloc(cap);
    char rel[1100];
    minute_t m;
    memset(&m, 0, sizeof m);
    int version = o->fmt == FMT_NSG_V1 ? 1 : o->fmt == FMT_NSG_V2 ? 2 : 0;

    size_t i = 0;
    while (i < s->ntups) {
        const stup_t *first = &s->tups[i];
        const nic_t *nic = &w.nics[first->nic];
        int64_t hour = floor_div(first->ms, 3600000) * 3600;
        build_tree_path(&w, nic, o->fmt, hour, o->gz, rel, sizeof rel);
        tree_blob_prepare(o->out, rel, full, cap);
        blobw_t b;
        blob_begin(&b, full, o->gz ? o->gz_level : 0, &cfg, &w, nic, o->fmt, o->style,
                   ((uint64_t)(unsigned)first->nic << 32) | (uint64_t)(hour / 3600 & 0xffffffff));
        b.rule_names = (const char *const *)s->rules;
        uint64_t records = 0, tuples = 0;
        int64_t min_ts = 0, max_ts = 0;
        while (i < s->ntups && s->tups[i].nic == first->nic && floor_div(s->tups[i].ms, 3600000) * 3600 == hour) {
            int64_t m0 = floor_div(s->tups[i].ms, 60000) * 60;
            m.n = 0;
            m.alen = 0;
            while (i < s->ntups && s->tups[i].nic == first->nic && floor_div(s->tups[i].ms, 60000) * 60 == m0) {
                const stup_t *t = &s->tups[i];
                if (m.alen + t->len > m.acap) {
                    m.acap = m.acap ? m.acap * 2 : 65536;
                    while (m.acap < m.alen + t->len) m.acap *= 2;
                    m.arena = xrealloc(m.arena, m.acap);
                }
                if (m.n == m.cap) {
                    m.cap = m.cap ? m.cap * 2 : 256;
                    m.t = xrealloc(m.t, sizeof(tup_t) * m.cap);
                }
                memcpy(m.arena + m.alen, s->arena + t->off, t->len);
                tup_t *mt = &m.t[m.n++];
                mt->off = (uint32_t)m.alen;
                mt->len = t->len;
                mt->acl = (uint8_t)(t->acl >= 0 ? t->acl : nic->acl);
                mt->rule = t->rule;
                m.alen += t->len;
                int64_t sec = floor_div(t->ms, 1000);
                if (tuples == 0 || sec < min_ts) min_ts = sec;
                if (tuples == 0 || sec > max_ts) max_ts = sec;
                tuples++;
                i++;
            }
            blob_record(&b, &m, m0, version);
            records++;
        }
        blob_end(&b);
        if (mf)
            fprintf(mf, "%s\t%s\t%llu\t%llu\t%lld\t%lld\n", rel, fmt_name(o->fmt), (unsigned long long)records,
                    (unsigned long long)tuples, (long long)min_ts, (long long)max_ts);
    }
    if (mf) out_close(mf, o->manifest);
    free(full);
    free(m.arena);
    free(m.t);
    world_free(&w);
}

/* ------------------------------------------------------------ entry */

int script_main(int argc, char **argv)
{
    sopts_t o = {.fmt = FMT_NSG_V2, .gz = 1, .gz_level = 6, .style = ST_COMPACT};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        char name[64];
        const char *eq = (a[0] == '-' && a[1] == '-') ? strchr(a, '=') : NULL;
        if (eq) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
        }
        int needs = !strcmp(name, "--in") || !strcmp(name, "--out") || !strcmp(name, "-o") ||
                    !strcmp(name, "--format") || !strcmp(name, "--manifest") || !strcmp(name, "--truth") ||
                    !strcmp(name, "--gzip-level") || !strcmp(name, "--style");
        int flag = !strcmp(name, "--gzip") || !strcmp(name, "--plain");
        if (!needs && !flag) {
            if (a[0] == '-' && a[1]) script_usage("script: unknown option '%.40s'", a);
            script_usage("script: unexpected argument '%.40s'", a);
        }
        if (flag && val) script_usage("%s takes no value", name);
        if (needs && !val) {
            if (i + 1 >= argc) script_usage("%s: missing value", name);
            val = argv[++i];
        }
        if (needs && !*val) script_usage("%s: empty value", name);
        if (!strcmp(name, "--in")) {
            o.in = val;
        } else if (!strcmp(name, "--out") || !strcmp(name, "-o")) {
            o.out = val;
        } else if (!strcmp(name, "--manifest")) {
            o.manifest = val;
        } else if (!strcmp(name, "--truth")) {
            o.truth = val;
        } else if (!strcmp(name, "--format")) {
            if (!strcmp(val, "nsg-v1"))
                o.fmt = FMT_NSG_V1;
            else if (!strcmp(val, "nsg-v2"))
                o.fmt = FMT_NSG_V2;
            else if (!strcmp(val, "vnet-v4"))
                o.fmt = FMT_VNET;
            else
                script_usage("--format: expected nsg-v1, nsg-v2 or vnet-v4, got '%.40s'", val);
        } else if (!strcmp(name, "--style")) {
            if (!strcmp(val, "compact"))
                o.style = ST_COMPACT;
            else if (!strcmp(val, "pretty"))
                o.style = ST_PRETTY;
            else if (!strcmp(val, "tabs"))
                o.style = ST_TABS;
            else
                script_usage("--style: expected compact, pretty or tabs, got '%.40s'", val);
        } else if (!strcmp(name, "--gzip-level")) {
            if (strlen(val) != 1 || val[0] < '1' || val[0] > '9')
                script_usage("--gzip-level: expected an integer 1..9, got '%.40s'", val);
            o.gz_level = val[0] - '0';
        } else if (!strcmp(name, "--gzip")) {
            o.gz = 1;
        } else {
            o.gz = 0;
        }
    }
    if (!o.in) script_usage("script: --in FILE is required");
    if (!o.out) script_usage("script: --out DIR is required");
    if (!strcmp(o.out, "-")) script_usage("script: --out must be a directory, not '-'");

    script_t s;
    memset(&s, 0, sizeof s);
    s.fmt = o.fmt;
    read_script(&s, o.in);

    /* NICs in MAC order: blobs, manifest and truth follow it */
    int *rank = xmalloc(sizeof(int) * (size_t)(s.nnics ? s.nnics : 1));
    snic_t *sorted = xmalloc(sizeof(snic_t) * (size_t)(s.nnics ? s.nnics : 1));
    if (s.nnics) memcpy(sorted, s.nics, sizeof(snic_t) * (size_t)s.nnics);
    qsort(sorted, (size_t)s.nnics, sizeof(snic_t), snic_cmp);
    for (int i = 0; i < s.nnics; i++) rank[find_nic(&s, sorted[i].mac)] = i;
    for (size_t i = 0; i < s.nconns; i++) s.conns[i].nic = rank[s.conns[i].nic];
    free(s.nics);
    s.nics = sorted;
    free(rank);

    for (size_t i = 0; i < s.nconns; i++) render(&s, &s.conns[i]);
    if (s.ntups) qsort(s.tups, s.ntups, sizeof(stup_t), tup_cmp);
    write_tree(&s, &o);

    char *tp = o.truth ? xstrdup(o.truth) : o.manifest ? truth_path(o.manifest) : NULL;
    if (tp) write_truth(&s, tp);
    free(tp);

    for (size_t i = 0; i < s.nconns; i++) free(s.conns[i].syn_at);
    free(s.conns);
    for (int i = 0; i < s.nnics; i++) free(s.nics[i].nsg);
    free(s.nics);
    for (int i = 0; i < s.nrules; i++) free(s.rules[i]);
    free(s.arena);
    free(s.tups);
    return 0;
}
