/* Shared declarations for nsgflow-gen, the deterministic generator of Azure
 * NSG and VNet flow-log blobs used by the nsgflow tests. The generator is
 * split into utilities (PRNG, output sink, number formatting), the traffic
 * model (NICs, flows, tuples) and the JSON record writer; this header ties
 * them together. */
#ifndef NSGFLOW_GEN_H
#define NSGFLOW_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* ---------- PRNG (xoshiro256** seeded through splitmix64) ---------- */
typedef struct {
    uint64_t s[4];
} rng_t;

void rng_seed(rng_t *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(rng_t *r);
uint32_t rng_below(rng_t *r, uint32_t n);              /* [0, n), n > 0   */
uint32_t rng_range(rng_t *r, uint32_t lo, uint32_t hi); /* [lo, hi]        */
int rng_chance(rng_t *r, uint32_t per_million);         /* 1 with p = x/1e6 */
uint64_t mix64(uint64_t x);

/* ---------- formats, styles, compression ---------- */
enum fmt { FMT_NSG_V1, FMT_NSG_V2, FMT_VNET, FMT_MIXED };
enum style { ST_COMPACT, ST_PRETTY, ST_TABS, ST_MIXED };
enum comp { COMP_GZIP, COMP_PLAIN, COMP_MIXED };

const char *fmt_name(int fmt);

/* ---------- buffered output sink: plain file, stdout, or gzip ---------- */
typedef struct {
    FILE *f;
    int own;          /* close f at the end */
    int gz;
    z_stream zs;
    unsigned char *buf;
    size_t len, cap;
    unsigned char *zbuf;
    size_t zcap;
    const char *name; /* for error messages */
} sink_t;

void sink_open(sink_t *s, const char *path, int gz_level); /* "-" = stdout; level 0 = plain */
void sink_flush_buf(sink_t *s);
void sink_close(sink_t *s);

static inline void sink_write(sink_t *s, const void *p, size_t n)
{
    if (s->len + n > s->cap) {
        sink_flush_buf(s);
        if (n > s->cap) { /* very large single write: pass through */
            const unsigned char *c = p;
            while (n > 0) {
                size_t k = n < s->cap ? n : s->cap;
                memcpy(s->buf, c, k);
                s->len = k;
                sink_flush_buf(s);
                c += k;
                n -= k;
            }
            return;
        }
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static inline void sink_putc(sink_t *s, char c)
{
    if (s->len >= s->cap) sink_flush_buf(s);
    s->buf[s->len++] = (unsigned char)c;
}

void sink_puts(sink_t *s, const char *str);

/* ---------- small helpers ---------- */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
size_t fmt_u64(char *dst, uint64_t v);           /* decimal, returns length */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);
void fmt_iso_time(char out[40], int64_t sec, uint32_t frac7); /* ...Z */
void mkdir_p(const char *path);                   /* dies on failure */
void str_upper(char *s);
void str_lower(char *s);

/* ---------- configuration ---------- */
#define MAX_BLOCK_PORTS 16

typedef struct {
    uint64_t seed;
    int64_t start;          /* Unix seconds, top of an hour */
    unsigned hours;
    unsigned nics;
    int apim_nics;          /* -1 = default */
    uint64_t tph;           /* tuples per hour per NIC (rate) */
    int fmt;
    int comp;
    int gzip_level;         /* 1..9 */
    int style;
    const char *manifest;
    const char *out;        /* tree: directory; blob: file or "-" */
    uint64_t tuples;        /* blob mode */
    unsigned ipv6_pct;
    int lowercase_ids;
    int leading_space;
    int bom;
    uint64_t nul_pad;
    int vnet_seconds;
    int vnet_empty_counters;
    int mixed_versions;
    int empty_rules;
    unsigned lost_return_pct;
    unsigned lost_client_pct;   /* the same for clients' TCP 443 */
    unsigned nblock;
    uint16_t block_ports[MAX_BLOCK_PORTS];
    int scenario;           /* SCN_NONE / SCN_APIM_OUTAGE */
    int64_t scn_end;        /* tree: end of the data (Unix seconds); 0 = open */
    const char *truth;      /* --truth FILE */
} config_t;

enum { SCN_NONE, SCN_APIM_OUTAGE };

/* ---------- traffic model ---------- */
#define ROLE_APIM 0
#define ROLE_VM 1

typedef struct {
    int index;              /* NIC number in the tree */
    int role;
    int apim_ord;           /* index among APIM NICs or VMs */
    char mac[16];           /* 12 hex digits, upper case */
    char ip4[16];
    char ip6[48];
    int rec_sec;            /* second offset of record "time" within the minute */
    uint32_t rec_frac;      /* 7-digit fraction of record "time" */
    int acl;                /* index into the aclID table */
    const char *rg_name;    /* NSG resource group and name, upper case; */
    const char *nsg_name;   /* NULL = the role's default (nsg_names) */
} nic_t;

typedef struct {
    const config_t *cfg;
    int napim, nvm;
    nic_t *nics;            /* napim + nvm entries */
    char sub_guid[40];      /* lower case */
    char nsg_system_id[2][40];
    char acl_id[2][40];
    char flowlog_guid[40];
    int scn_sync;           /* scenario: APIM NICs exchanging UDP 4290 (0 = none) */
} world_t;

void world_init(world_t *w, const config_t *cfg, int napim, int nvm);
void world_free(world_t *w);

/* Resource identity strings. `lower` applies --lowercase-ids. */
void nsg_resource_id(const world_t *w, const nic_t *n, char *out, size_t cap);
void nsg_names(const nic_t *n, const char **rg_up, const char **nsg_up);
void vnet_flowlog_id(const world_t *w, char *out, size_t cap);
void vnet_target_id(const world_t *w, char *out, size_t cap);
void sub_upper(const world_t *w, char out[40]);

/* Rule table. */
enum {
    R_ALLOW_VNET_IN,
    R_ALLOW_LB_IN,
    R_DENY_ALL_IN,
    R_ALLOW_VNET_OUT,
    R_ALLOW_INET_OUT,
    R_DENY_ALL_OUT,
    R_USER_MGMT,
    R_USER_CLIENT,
    R_USER_STORAGE,
    R_USER_SQL,
    R_USER_KV,
    R_USER_MONITOR,
    R_USER_EH,
    R_USER_DENY_IN,
    R_USER_DENY_OUT,
    R_SCN_DENY_SQL,         /* --scenario apim-outage */
    R_SCN_DENY_EH,
    R_SCN_DENY_MON,
    R_SCN_DENY_LB,
    R_SCN_DENY_SYNC,
    R_COUNT
};
const char *rule_name(int r);

/* One tuple collected for the record being built. */
typedef struct {
    uint32_t off;   /* into the minute arena */
    uint16_t len;
    uint8_t acl;    /* 0, 1: the world's aclIDs; ACL_PLATFORM, ACL_UNSPECIFIED */
    uint8_t rule;
} tup_t;

/* The aclIDs of VNet flow logs beside the world's two: all zeros (the
 * PlatformRule groups of real records), and `unspecified` (groups of
 * tuples that encryption enforcement dropped). */
enum { ACL_PLATFORM = 2, ACL_UNSPECIFIED = 3 };
/* The aclID text of acl (0..3). */
const char *acl_text(const world_t *w, int acl);

typedef struct {
    char *arena;
    size_t alen, acap;
    tup_t *t;
    size_t n, cap;
} minute_t;

/* Per-file statistics (the manifest row). */
typedef struct {
    uint64_t records, tuples, denied;
    uint64_t p1, b1, p2, b2;
    int64_t min_ts, max_ts; /* seconds; valid when tuples > 0 */
} stats_t;

typedef struct sim sim_t;

sim_t *sim_new(const world_t *w, const nic_t *nic, int fmt, uint64_t stream);
void sim_free(sim_t *s);
/* Build the tuples of minute [m0, m0 + 60 s) (m0 in Unix seconds) for a
 * record of the given NSG version (1 or 2; ignored for VNet). Stops after
 * `limit` tuples if limit > 0. Returns the number of tuples collected. */
size_t sim_minute(sim_t *s, minute_t *m, int64_t m0, int version, uint64_t limit,
                  stats_t *st);

/* ---------- scenario apim-outage: ground truth ---------- */
/* Expected findings of one APIM NIC, as bits: the denied requirements
 * TI_SQL..TI_SYNC, then the lost-reply control-plane sources. */
enum { TI_SQL, TI_EH5671, TI_EH5672, TI_MON, TI_LB, TI_SYNC, TI_NDENIED };
#define SCN_NLOST 2     /* control-plane sources whose replies are lost */
#define TI_LOST(k) (TI_NDENIED + (k))

typedef struct {
    const char *tag;    /* service tag of the remote end */
    uint16_t port;
    uint8_t proto;      /* 'T' / 'U' */
    uint8_t dir;        /* 'I' / 'O' */
    int rule;
} truth_item_t;

extern const truth_item_t TRUTH_ITEMS[TI_NDENIED];
extern const char *const SCN_CP_SOURCES[4]; /* [0], [1]: lost replies; [2], [3]: healthy */

/* Scenario remote addresses, inside the named service tags. */
extern const char *const SCN_SQL_ADDRS[];
extern const char *const SCN_EH_ADDRS[];
extern const char *const SCN_MON_ADDRS[];
extern const unsigned SCN_SQL_N, SCN_EH_N, SCN_MON_N;

/* The truth bits this NIC's data earned so far (0 for VMs and without a
 * scenario). */
unsigned sim_truth(const sim_t *s);

/* Write the truth file: header, then the sorted lines of every NIC whose
 * bit is set in masks[i] (NIC i of the world). */
void truth_write(const char *path, const world_t *w, const unsigned *masks, int nnics);

/* ---------- JSON writer ---------- */
typedef struct {
    sink_t sink;
    const config_t *cfg;
    const world_t *w;
    const nic_t *nic;
    int fmt;        /* FMT_NSG_V1 / FMT_NSG_V2 / FMT_VNET / FMT_MIXED (NSG) */
    int style;      /* ST_COMPACT / ST_PRETTY / ST_TABS */
    uint64_t nrec;
    rng_t rng;      /* for --empty-rules decisions */
    char rid[256];  /* NSG resourceId or VNet flowLogResourceID */
    char tid[256];  /* VNet targetResourceID */
    char mac[16];
    const char *const *rule_names; /* tup_t.rule indexes this when set (set
                                    * after blob_begin); else rule_name() */
} blobw_t;

void blob_begin(blobw_t *b, const char *path, int gz_level, const config_t *cfg,
                const world_t *w, const nic_t *nic, int fmt, int style,
                uint64_t stream);
void blob_record(blobw_t *b, const minute_t *m, int64_t m0, int version);
void blob_end(blobw_t *b);

/* ---------- tree layout (nsgflow_gen.c) ---------- */
/* The blob's path relative to --out: the Azure storage layout of the NIC's
 * format, for the hour starting at `hour` (Unix seconds). */
void build_tree_path(const world_t *w, const nic_t *nic, int fmt, int64_t hour, int gz, char *out, size_t cap);
/* out + "/" + rel into full, creating the folders up to the blob. */
void tree_blob_prepare(const char *out, const char *rel, char *full, size_t cap);

/* ---------- script mode (gen_script.c) ---------- */
/* nsgflow-gen script ...: argv as given to main (argv[1] = "script").
 * Returns the exit status. */
int script_main(int argc, char **argv);

#endif
