/* test_connections.c: the connection model (analyze/connections.h) through
 * the real path: small NSG and VNet flow-log blobs written as files, ingested
 * with the real ingest into a temp database, and read back with
 * connections_read. Each case checks how many connections come out and
 * their class, tuples, SYNs, times and counters: connections cut at the
 * hour, long flows with C tuples, stateless SYN chains (retransmits against
 * a flow stamped every minute), VNet counters (scans, lost answers),
 * denials, UDP, the window and its margins, double logging of a NIC in NSG
 * and VNet flow logs, VNet platform traffic (PlatformRule) and drops by
 * encryption enforcement, many connections (the reader's sweeps), a minute's
 * tuples out of order, hours ingested out of order, and ingest's progress
 * line. Then conn_classify on hand-built connections at the boundaries of
 * its rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/connections.h"
#include "common/strbuf.h"
#include "ingest/ingest.h"
#include "ingest/tuple.h"
#include "schema/db.h"

/* 2026-11-01T00:00:00Z, and times after it in milliseconds. */
#define T0 1793491200LL
#define MS(sec) ((T0 + (sec)) * 1000LL)
#define H(h) ((h) * 3600LL)

/* ------------------------------------------------------------------ */
/* a temp folder of blobs and a temp database                         */

/* The connections of the last read, freed by the teardown when a failed
 * assertion left them behind. */
static struct connection *left_behind;

struct fx {
    char root[64];      /* /tmp/nsgflow-conn-XXXXXX */
    char logs[96];      /* root/logs: the blobs */
    char db[96];        /* root/nsgflow.db */
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/nsgflow-conn-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->logs, sizeof f->logs, "%s/logs", f->root);
    snprintf(f->db, sizeof f->db, "%s/nsgflow.db", f->root);
    *state = f;
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    free(left_behind);
    left_behind = NULL;
    return 0;
}

/* Writes text to root/rel, making the folders on the way. */
static void put_file(const char *root, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0700) != 0)
                assert_true(access(path, F_OK) == 0);
            *p = '/';
        }
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    assert_int_equal(fclose(out), 0);
}

/* ------------------------------------------------------------------ */
/* blobs                                                              */

enum { NSG = 2, VNET = 4, NSG_V1 = 1 };

/* One blob of one NIC and hour, built tuple by tuple: each tuple goes into
 * the group of its rule (consecutive tuples of one rule share a group). */
struct blob {
    int kind;           /* NSG (v2), NSG_V1 or VNET */
    int hour;           /* of 2026-11-01, for the path and the record */
    const char *mac;
    char rule[80];      /* of the group being filled */
    struct strbuf groups, cur;
    int ntuples;
};

static void blob_start(struct blob *b, int kind, int hour, const char *mac)
{
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->hour = hour;
    b->mac = mac;
}

static void close_group(struct blob *b)
{
    if (!b->cur.len)
        return;
    if (b->groups.len)
        strbuf_puts(&b->groups, ",");
    if (b->kind == VNET)
        strbuf_printf(&b->groups, "{\"rule\":\"%s\",\"flowTuples\":[%s]}", b->rule,
                      strbuf_text(&b->cur));
    else
        strbuf_printf(&b->groups, "{\"rule\":\"%s\",\"flows\":[{\"mac\":\"%s\",\"flowTuples\":[%s]}]}",
                      b->rule, b->mac, strbuf_text(&b->cur));
    strbuf_free(&b->cur);
}

/* A tuple at t_ms: rest is the tuple after its timestamp, e.g. NSG
 * "52.162.110.80,10.20.1.4,40000,3443,T,I,A,B,,,," or VNet
 * "52.162.110.80,10.20.1.4,40000,3443,6,I,B,NX,0,0,0,0". NSG tuples get
 * seconds, VNet ones milliseconds. */
static void tup(struct blob *b, const char *rule, int64_t t_ms, const char *rest)
{
    if (strcmp(rule, b->rule) != 0) {
        close_group(b);
        snprintf(b->rule, sizeof b->rule, "%s", rule);
    }
    if (b->cur.len)
        strbuf_puts(&b->cur, ",");
    if (b->kind == VNET)
        strbuf_printf(&b->cur, "\"%lld,%s\"", (long long)t_ms, rest);
    else
        strbuf_printf(&b->cur, "\"%lld,%s\"", (long long)(t_ms / 1000), rest);
    b->ntuples++;
}

/* Writes the blob under dir (logs or another folder of the fixture) at the
 * path Azure gives it, and frees the builder. */
static void blob_write(struct blob *b, const char *dir)
{
    close_group(b);
    struct strbuf json = {0}, path = {0};
    if (b->kind == VNET) {
        strbuf_printf(&path, "insights-logs-flowlogflowevent/flowLogResourceID=/S_RG/"
                             "NETWORKWATCHER_WESTEUROPE_FL/y=2026/m=11/d=01/h=%02d/m=00/"
                             "macAddress=%s/PT1H.json", b->hour, b->mac);
        strbuf_printf(&json,
            "{\"records\":[{\"time\":\"2026-11-01T%02d:00:00.0000000Z\",\"flowLogVersion\":4,"
            "\"macAddress\":\"%s\",\"category\":\"FlowLogFlowEvent\","
            "\"flowLogResourceID\":\"/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/"
            "MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/FL\","
            "\"targetResourceID\":\"/subscriptions/s/resourceGroups/rg/providers/"
            "Microsoft.Network/virtualNetworks/vnet\","
            "\"flowRecords\":{\"flows\":[{\"aclID\":\"acl-1\",\"flowGroups\":[%s]}]}}]}\n",
            b->hour, b->mac, strbuf_text(&b->groups));
    } else {
        strbuf_printf(&path, "insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/S/"
                             "RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/"
                             "NSG/y=2026/m=11/d=01/h=%02d/m=00/macAddress=%s/PT1H.json",
                      b->hour, b->mac);
        strbuf_printf(&json,
            "{\"records\":[{\"time\":\"2026-11-01T%02d:00:00.0000000Z\","
            "\"category\":\"NetworkSecurityGroupFlowEvent\","
            "\"resourceId\":\"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/"
            "NETWORKSECURITYGROUPS/NSG\",\"properties\":{\"Version\":%d,\"flows\":[%s]}}]}\n",
            b->hour, b->kind == NSG_V1 ? 1 : 2, strbuf_text(&b->groups));
    }
    assert_false(strbuf_failed(&json));
    put_file(dir, strbuf_text(&path), strbuf_text(&json));
    strbuf_free(&json);
    strbuf_free(&path);
    strbuf_free(&b->groups);
}

/* Ingests dir into the fixture's database; every tuple must be stored. */
static void ingest_dir(struct fx *f, const char *dir, int64_t tuples)
{
    struct ingest_options o = {.db_path = f->db, .quiet = 1, .wait_ms = 1000};
    struct ingest_totals t;
    char *paths[] = {(char *)dir};
    assert_int_equal(ingest_run(&o, paths, 1, &t), EXIT_OK);
    assert_int_equal(t.files_partial + t.files_rejected, 0);
    assert_int_equal(t.skipped_tuples, 0);
    assert_int_equal(t.tuples, tuples);
}

/* ------------------------------------------------------------------ */
/* reading connections                                                */

struct seen {
    struct connection *c;
    size_t n, cap;
    long stop_after;    /* stop the read after this many (0: never) */
};

static int collect(void *ctx, const struct connection *c)
{
    struct seen *s = ctx;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        struct connection *more = realloc(s->c, s->cap * sizeof *s->c);
        assert_non_null(more);
        s->c = left_behind = more;
    }
    s->c[s->n++] = *c;
    /* the class handed over is the classifier's */
    assert_int_equal(c->cls, conn_classify(c));
    return s->stop_after && (long)s->n >= s->stop_after;
}

/* Reads [from, to] (seconds after T0) from the fixture's database. */
static void read_window(struct fx *f, int64_t from, int64_t to, struct seen *s,
                        struct conn_scan_stats *st)
{
    sqlite3 *db;
    char err[256];
    assert_int_equal(db_open(f->db, 1, 1000, &db, err, sizeof err), 0);
    memset(s, 0, sizeof *s);
    if (connections_read(db, T0 + from, T0 + to, collect, s, st, err, sizeof err) != 0)
        fail_msg("connections_read: %s", err);
    assert_int_equal(st->connections, (int64_t)s->n);
    sqlite3_close(db);
}

static void seen_free(struct seen *s)
{
    if (s->c == left_behind)
        left_behind = NULL;
    free(s->c);
    memset(s, 0, sizeof *s);
}

/* How many connections have source port port. */
static int count_port(const struct seen *s, int port)
{
    int n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->c[i].src_port == port;
    return n;
}

/* The k-th (0, 1, ...) connection of source port port, by first time. */
static const struct connection *nth_port(const struct seen *s, int port, int k)
{
    const struct connection *found[16];
    int n = 0;
    for (size_t i = 0; i < s->n && n < 16; i++)
        if (s->c[i].src_port == port)
            found[n++] = &s->c[i];
    for (int i = 1; i < n; i++) /* insertion sort by first_ms */
        for (int j = i; j > 0 && found[j]->first_ms < found[j - 1]->first_ms; j--) {
            const struct connection *x = found[j];
            found[j] = found[j - 1];
            found[j - 1] = x;
        }
    if (k >= n)
        fail_msg("no connection %d of source port %d (%d of them)", k, port, n);
    return found[k];
}

/* The only connection of source port port. */
static const struct connection *one_port(const struct seen *s, int port)
{
    int n = count_port(s, port);
    if (n != 1)
        fail_msg("source port %d: %d connections, want 1", port, n);
    return nth_port(s, port, 0);
}

static void assert_class(const struct connection *c, const char *want)
{
    assert_string_equal(conn_class_name(c->cls), want);
}

static void assert_counters(const struct connection *c, int64_t p1, int64_t b1, int64_t p2,
                            int64_t b2)
{
    assert_true(c->has_counters);
    assert_int_equal(c->counters[0], p1);
    assert_int_equal(c->counters[1], b1);
    assert_int_equal(c->counters[2], p2);
    assert_int_equal(c->counters[3], b2);
}

/* ------------------------------------------------------------------ */
/* cases                                                              */

#define MAC1 "000D3A000001"
#define MAC2 "000D3A000002"
#define MAC3 "000D3A000003"

/* B in one hour's blob (00:59:58), E in the next (01:00:03): one
 * connection, in VNet flow logs and in NSG v2 (outbound, stateful), and a
 * stateless SYN chain across the hour too. */
static void test_cut_at_the_hour(void **state)
{
    struct fx *f = *state;
    struct blob b;
    blob_start(&b, VNET, 0, MAC1);
    tup(&b, "DefaultRule_AllowInternetOutBound", MS(3598) + 250,
        "10.20.1.4,52.239.184.180,50000,443,6,O,B,NX,0,0,0,0");
    blob_write(&b, f->logs);
    blob_start(&b, VNET, 1, MAC1);
    tup(&b, "DefaultRule_AllowInternetOutBound", MS(3603) + 500,
        "10.20.1.4,52.239.184.180,50000,443,6,O,E,NX,10,2000,8,3000");
    blob_write(&b, f->logs);

    blob_start(&b, NSG, 0, MAC2);
    tup(&b, "DefaultRule_AllowInternetOutBound", MS(3598),
        "10.20.1.5,52.239.184.180,50001,443,T,O,A,B,,,,");
    tup(&b, "UserRule_AllowApim", MS(3599), "52.162.110.80,10.20.1.5,40000,3443,T,I,A,B,,,,");
    blob_write(&b, f->logs);
    blob_start(&b, NSG, 1, MAC2);
    tup(&b, "DefaultRule_AllowInternetOutBound", MS(3603),
        "10.20.1.5,52.239.184.180,50001,443,T,O,A,E,3,600,2,400");
    tup(&b, "UserRule_AllowApim", MS(3601), "52.162.110.80,10.20.1.5,40000,3443,T,I,A,B,,,,");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 6);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, 0, H(2) - 1, &s, &st);
    assert_int_equal(s.n, 3);
    assert_int_equal(st.blobs, 4);
    assert_int_equal(st.doubled_blobs, 0);
    assert_int_equal(st.tuples, 6);

    const struct connection *c = one_port(&s, 50000);
    assert_class(c, "completed");
    assert_int_equal(c->format, FORMAT_VNET_V4);
    assert_int_equal(c->direction, DIRECTION_OUTBOUND);
    assert_int_equal(c->protocol, 6);
    assert_int_equal(c->dst_port, 443);
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->begins, 1);
    assert_int_equal(c->ends, 1);
    assert_int_equal(c->first_ms, MS(3598) + 250);
    assert_int_equal(c->last_ms, MS(3603) + 500);
    assert_counters(c, 10, 2000, 8, 3000);
    assert_int_equal(c->local, c->src); /* outbound: the NIC is the source */
    assert_true(c->nic != 0);
    assert_false(c->stateless);

    c = one_port(&s, 50001);
    assert_class(c, "completed");
    assert_int_equal(c->format, FORMAT_NSG_V2);
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->first_ms, MS(3598));
    assert_int_equal(c->last_ms, MS(3603));
    assert_counters(c, 3, 600, 2, 400);
    assert_false(c->stateless); /* a default rule, outbound */

    c = one_port(&s, 40000);
    assert_class(c, "retransmitted");
    assert_true(c->stateless);
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->syns, 2);
    assert_int_equal(c->ngaps, 1);
    assert_int_equal(c->gaps_ms[0], 2000);
    assert_int_equal(c->local, c->dst); /* inbound: the NIC is the destination */
    assert_false(c->has_counters);
    seen_free(&s);
}

/* An E four minutes after its B; a B, C every minute and an E ten minutes
 * on; silence up to CONN_IDLE_MAX_MS keeps a connection, more splits it. */
static void test_long_flows(void **state)
{
    struct fx *f = *state;
    struct blob b;
    const char *r = "DefaultRule_AllowVnetOutBound";
    blob_start(&b, VNET, 10, MAC1);
    int64_t t = H(10);
    tup(&b, r, MS(t), "10.20.1.4,10.20.2.9,51000,1433,6,O,B,NX,0,0,0,0");
    tup(&b, r, MS(t), "10.20.1.4,10.20.2.9,51001,1433,6,O,B,NX,0,0,0,0");
    tup(&b, r, MS(t), "10.20.1.4,10.20.2.9,51002,1433,6,O,B,NX,0,0,0,0");
    tup(&b, r, MS(t), "10.20.1.4,10.20.2.9,51003,1433,6,O,B,NX,0,0,0,0");
    for (int m = 1; m <= 9; m++)
        tup(&b, r, MS(t + 60 * m), "10.20.1.4,10.20.2.9,51001,1433,6,O,C,NX,5,500,4,800");
    tup(&b, r, MS(t + 240), "10.20.1.4,10.20.2.9,51000,1433,6,O,E,NX,7,1400,6,2600");
    tup(&b, r, MS(t + 600), "10.20.1.4,10.20.2.9,51001,1433,6,O,E,NX,2,120,2,120");
    /* 29 minutes of silence, then C and E: one connection */
    tup(&b, r, MS(t + 29 * 60), "10.20.1.4,10.20.2.9,51002,1433,6,O,C,NX,3,900,3,700");
    tup(&b, r, MS(t + 30 * 60), "10.20.1.4,10.20.2.9,51002,1433,6,O,E,NX,1,66,1,66");
    /* 31 minutes of silence: the C is a connection of its own */
    tup(&b, r, MS(t + 31 * 60), "10.20.1.4,10.20.2.9,51003,1433,6,O,C,NX,4,800,3,600");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 18);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(10), H(11) - 1, &s, &st);
    assert_int_equal(s.n, 5);

    const struct connection *c = one_port(&s, 51000);
    assert_class(c, "completed");
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->first_ms, MS(t));
    assert_int_equal(c->last_ms, MS(t + 240));
    assert_counters(c, 7, 1400, 6, 2600);

    c = one_port(&s, 51001);
    assert_class(c, "completed");
    assert_int_equal(c->tuples, 11);
    assert_int_equal(c->begins, 1);
    assert_int_equal(c->continues, 9);
    assert_int_equal(c->ends, 1);
    assert_int_equal(c->first_ms, MS(t));
    assert_int_equal(c->last_ms, MS(t + 600));
    assert_counters(c, 9 * 5 + 2, 9 * 500 + 120, 9 * 4 + 2, 9 * 800 + 120);

    c = one_port(&s, 51002);
    assert_class(c, "completed");
    assert_int_equal(c->tuples, 3);
    assert_int_equal(c->last_ms, MS(t + 30 * 60));
    assert_counters(c, 4, 966, 4, 766);

    assert_int_equal(count_port(&s, 51003), 2);
    c = nth_port(&s, 51003, 0);
    assert_class(c, "unclear"); /* a begin whose end was not logged */
    assert_int_equal(c->tuples, 1);
    assert_int_equal(c->first_ms, MS(t));
    c = nth_port(&s, 51003, 1);
    assert_int_equal(c->tuples, 1);
    assert_int_equal(c->continues, 1);
    assert_int_equal(c->first_ms, MS(t + 31 * 60));
    assert_counters(c, 4, 800, 3, 600);
    assert_class(c, "completed");
    seen_free(&s);
}

/* NSG v2, inbound TCP allowed by a user rule: logged statelessly, one B
 * per SYN. SYNs at retransmit spacing against a flow stamped every minute,
 * and the gap that starts a new connection. */
static void test_stateless_chains(void **state)
{
    struct fx *f = *state;
    struct blob b;
    const char *r = "UserRule_AllowApimManagement";
    char rest[128];
    int64_t t = H(2);
    blob_start(&b, NSG, 2, MAC1);
#define SYN(port, at)                                                                  \
    (snprintf(rest, sizeof rest, "52.162.110.80,10.20.1.4,%d,3443,T,I,A,B,,,,", port), \
     tup(&b, r, MS(t + (at)), rest))
    SYN(40001, 0); SYN(40001, 1); SYN(40001, 3);                 /* 3 SYNs: 1, 2 s */
    SYN(40002, 0); SYN(40002, 1); SYN(40002, 3); SYN(40002, 7);  /* 4 SYNs: 1, 2, 4 s */
    SYN(40003, 0); SYN(40003, 1);                                /* 2 SYNs */
    SYN(40004, 0);                                               /* 1 SYN */
    for (int k = 0; k <= 5; k++)
        SYN(40005, 60 * k);                                      /* every minute, 5 min */
    SYN(40006, 0); SYN(40006, 600);                              /* 10 minutes apart */
    SYN(40007, 0); SYN(40007, 44);                               /* below CONN_RESTAMP_MS */
    SYN(40008, 0); SYN(40008, 45);                               /* at CONN_RESTAMP_MS */
    SYN(40009, 0); SYN(40009, 149);                              /* inside CONN_CHAIN_GAP_MS */
    SYN(40010, 0); SYN(40010, 151);                              /* past it */
#undef SYN
    /* not stateless: a default rule, and outbound */
    tup(&b, "DefaultRule_AllowVnetInBound", MS(t), "10.20.2.7,10.20.1.4,40011,3443,T,I,A,B,,,,");
    tup(&b, r, MS(t), "10.20.1.4,10.20.2.7,40012,443,T,O,A,B,,,,");
    blob_write(&b, f->logs);
    /* Version 1: every tuple is a B, logged statelessly */
    blob_start(&b, NSG_V1, 2, MAC2);
    tup(&b, r, MS(t), "52.162.110.80,10.20.1.5,40013,3443,T,I,A");
    tup(&b, r, MS(t + 1), "52.162.110.80,10.20.1.5,40013,3443,T,I,A");
    tup(&b, r, MS(t + 3), "52.162.110.80,10.20.1.5,40013,3443,T,I,A");
    tup(&b, r, MS(t), "10.20.1.5,52.239.184.180,40014,443,T,O,A");
    tup(&b, r, MS(t + 60), "10.20.1.5,52.239.184.180,40014,443,T,O,A");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 33);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(2), H(3) - 1, &s, &st);
    assert_int_equal(s.n, 16);

    const struct connection *c = one_port(&s, 40001);
    assert_class(c, "answer-lost");
    assert_true(c->stateless);
    assert_int_equal(c->tuples, 3);
    assert_int_equal(c->syns, 3);
    assert_int_equal(c->begins, 3);
    assert_int_equal(c->ngaps, 2);
    assert_int_equal(c->gaps_ms[0], 1000);
    assert_int_equal(c->gaps_ms[1], 2000);
    assert_int_equal(c->first_ms, MS(t));
    assert_int_equal(c->last_ms, MS(t + 3));
    assert_int_equal(c->syn_last_ms, MS(t + 3));
    assert_false(c->has_counters);

    c = one_port(&s, 40002);
    assert_class(c, "answer-lost");
    assert_int_equal(c->syns, 4);
    assert_int_equal(c->ngaps, 3);
    assert_int_equal(c->gaps_ms[2], 4000);
    assert_int_equal(c->last_ms, MS(t + 7));

    c = one_port(&s, 40003);
    assert_class(c, "retransmitted");
    assert_int_equal(c->syns, 2);
    assert_int_equal(c->tuples, 2);

    c = one_port(&s, 40004);
    assert_class(c, "answered");
    assert_int_equal(c->syns, 1);
    assert_int_equal(c->tuples, 1);
    assert_int_equal(c->first_ms, c->last_ms);

    c = one_port(&s, 40005); /* a long flow, not six retransmits */
    assert_class(c, "answered");
    assert_int_equal(c->tuples, 6);
    assert_int_equal(c->syns, 6);
    assert_int_equal(c->ngaps, 4); /* only the first gaps are kept */
    assert_int_equal(c->gaps_ms[0], 60000);
    assert_int_equal(c->first_ms, MS(t));
    assert_int_equal(c->last_ms, MS(t + 300));

    assert_int_equal(count_port(&s, 40006), 2);
    for (int k = 0; k < 2; k++) {
        c = nth_port(&s, 40006, k);
        assert_class(c, "answered");
        assert_int_equal(c->tuples, 1);
        assert_int_equal(c->first_ms, MS(t + 600 * k));
    }

    assert_class(one_port(&s, 40007), "retransmitted");
    assert_int_equal(one_port(&s, 40007)->gaps_ms[0], 44000);
    assert_class(one_port(&s, 40008), "answered");
    assert_int_equal(one_port(&s, 40009)->tuples, 2);
    assert_int_equal(count_port(&s, 40010), 2);
    assert_class(nth_port(&s, 40010, 0), "answered");
    assert_class(nth_port(&s, 40010, 1), "answered");

    c = one_port(&s, 40011);
    assert_false(c->stateless);
    assert_class(c, "unclear");
    c = one_port(&s, 40012);
    assert_false(c->stateless);
    assert_int_equal(c->direction, DIRECTION_OUTBOUND);
    assert_class(c, "unclear");
    c = one_port(&s, 40013);
    assert_int_equal(c->format, FORMAT_NSG_V1);
    assert_true(c->stateless);
    assert_int_equal(c->syns, 3);
    assert_class(c, "answer-lost");
    c = one_port(&s, 40014); /* v1 outbound too: a flow stamped again */
    assert_true(c->stateless);
    assert_int_equal(c->tuples, 2);
    assert_class(c, "answered");
    seen_free(&s);
}

/* VNet flow logs count packets and bytes both ways: a SYN scan (SYN,
 * SYN-ACK, RST), a handshake closed without data, an answer lost, no
 * answer, and a real exchange. IPv6 headers are bigger. */
static void test_vnet_counters(void **state)
{
    struct fx *f = *state;
    struct blob b;
    const char *r = "DefaultRule_AllowVnetInBound";
    int64_t t = H(5);
    static const struct {
        int port;
        const char *src, *dst, *end; /* the E tuple's counters, or NULL */
        const char *cls;
    } cases[] = {
        {50001, "10.9.0.1", "10.20.1.4", "2,84,1,44", "closed"},
        {50002, "10.9.0.1", "10.20.1.4", "4,208,2,104", "closed"},
        {50003, "10.9.0.1", "10.20.1.4", "3,180,4,240", "answer-lost"},
        {50004, "10.9.0.1", "10.20.1.4", "2,120,0,0", "no-answer"},
        {50005, "10.9.0.1", "10.20.1.4", "10,2000,8,6000", "completed"},
        {50006, "10.9.0.1", "10.20.1.4", NULL, "unclear"},
        /* 2 x 86 bytes: headers only in IPv6, payload in IPv4 */
        {50007, "2001:db8::9", "2001:db8::4", "2,172,1,86", "closed"},
        {50008, "10.9.0.1", "10.20.1.4", "2,172,1,86", "completed"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    char rest[160];
    blob_start(&b, VNET, 5, MAC1);
    for (size_t i = 0; i < n; i++) {
        snprintf(rest, sizeof rest, "%s,%s,%d,443,6,I,B,NX,0,0,0,0", cases[i].src, cases[i].dst,
                 cases[i].port);
        tup(&b, r, MS(t + (int64_t)i), rest);
    }
    for (size_t i = 0; i < n; i++)
        if (cases[i].end) {
            snprintf(rest, sizeof rest, "%s,%s,%d,443,6,I,E,NX,%s", cases[i].src, cases[i].dst,
                     cases[i].port, cases[i].end);
            tup(&b, r, MS(t + 20 + (int64_t)i), rest);
        }
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 15);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(5), H(6) - 1, &s, &st);
    assert_int_equal(s.n, n);
    for (size_t i = 0; i < n; i++) {
        const struct connection *c = one_port(&s, cases[i].port);
        if (strcmp(conn_class_name(c->cls), cases[i].cls) != 0)
            fail_msg("port %d (%s): %s, want %s", cases[i].port, cases[i].end ? cases[i].end : "B only",
                     conn_class_name(c->cls), cases[i].cls);
        assert_int_equal(c->tuples, cases[i].end ? 2 : 1);
        assert_int_equal(c->first_ms, MS(t + (int64_t)i));
        assert_int_equal(c->last_ms, MS(t + (cases[i].end ? 20 : 0) + (int64_t)i));
        assert_int_equal(c->ipv6, cases[i].port == 50007);
        assert_int_equal(c->direction, DIRECTION_INBOUND);
        assert_int_equal(c->local, c->dst);
        assert_true(c->has_counters); /* VNet B tuples carry 0,0,0,0 */
    }
    assert_counters(one_port(&s, 50003), 3, 180, 4, 240);
    assert_counters(one_port(&s, 50006), 0, 0, 0, 0);
    seen_free(&s);
}

/* A new B after an E on the same 5-tuple is a new connection. */
static void test_begin_after_end(void **state)
{
    struct fx *f = *state;
    struct blob b;
    int64_t t = H(3);
    blob_start(&b, VNET, 3, MAC1);
    const char *r = "DefaultRule_AllowInternetOutBound";
    tup(&b, r, MS(t), "10.20.1.4,52.239.184.180,52000,443,6,O,B,NX,0,0,0,0");
    tup(&b, r, MS(t + 30), "10.20.1.4,52.239.184.180,52000,443,6,O,E,NX,6,600,5,900");
    tup(&b, r, MS(t + 60), "10.20.1.4,52.239.184.180,52000,443,6,O,B,NX,0,0,0,0");
    tup(&b, r, MS(t + 90), "10.20.1.4,52.239.184.180,52000,443,6,O,E,NX,3,300,0,0");
    blob_write(&b, f->logs);
    blob_start(&b, NSG, 3, MAC2);
    tup(&b, r, MS(t), "10.20.1.5,52.239.184.180,52001,443,T,O,A,B,,,,");
    tup(&b, r, MS(t + 10), "10.20.1.5,52.239.184.180,52001,443,T,O,A,E,6,600,5,900");
    tup(&b, r, MS(t + 11), "10.20.1.5,52.239.184.180,52001,443,T,O,A,B,,,,");
    tup(&b, r, MS(t + 12), "10.20.1.5,52.239.184.180,52001,443,T,O,A,E,2,132,2,132");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 8);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(3), H(4) - 1, &s, &st);
    assert_int_equal(s.n, 4);
    assert_int_equal(count_port(&s, 52000), 2);
    const struct connection *c = nth_port(&s, 52000, 0);
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->first_ms, MS(t));
    assert_int_equal(c->last_ms, MS(t + 30));
    assert_counters(c, 6, 600, 5, 900);
    assert_class(c, "completed");
    c = nth_port(&s, 52000, 1);
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->first_ms, MS(t + 60));
    assert_int_equal(c->last_ms, MS(t + 90));
    assert_counters(c, 3, 300, 0, 0);
    assert_class(c, "no-answer");

    assert_int_equal(count_port(&s, 52001), 2);
    c = nth_port(&s, 52001, 0);
    assert_int_equal(c->last_ms, MS(t + 10));
    assert_class(c, "completed");
    c = nth_port(&s, 52001, 1);
    assert_int_equal(c->first_ms, MS(t + 11));
    assert_counters(c, 2, 132, 2, 132);
    assert_class(c, "answer-lost"); /* headers only, every packet answered */
    seen_free(&s);
}

/* Denials: NSG decision D (v2 and v1), VNet state D. */
static void test_denied(void **state)
{
    struct fx *f = *state;
    struct blob b;
    int64_t t = H(4);
    const char *r = "DefaultRule_DenyAllInBound";
    blob_start(&b, NSG, 4, MAC1);
    tup(&b, r, MS(t), "198.51.100.7,10.20.1.4,53000,22,T,I,D,B,,,,");
    tup(&b, r, MS(t + 1), "198.51.100.7,10.20.1.4,53000,22,T,I,D,B,,,,");
    /* a gap beyond CONN_CHAIN_GAP_MS: two */
    tup(&b, r, MS(t), "198.51.100.7,10.20.1.4,53001,22,T,I,D,B,,,,");
    tup(&b, r, MS(t + 200), "198.51.100.7,10.20.1.4,53001,22,T,I,D,B,,,,");
    blob_write(&b, f->logs);
    blob_start(&b, VNET, 4, MAC2);
    tup(&b, "BlockSsh", MS(t) + 5, "198.51.100.7,10.20.1.5,53002,22,6,I,D,NX,0,0,0,0");
    blob_write(&b, f->logs);
    blob_start(&b, NSG_V1, 4, MAC3);
    tup(&b, r, MS(t), "198.51.100.7,10.20.1.6,53003,22,T,I,D");
    tup(&b, r, MS(t + 2), "198.51.100.7,10.20.1.6,53003,22,T,I,D");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 7);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(4), H(5) - 1, &s, &st);
    assert_int_equal(s.n, 5);
    const struct connection *c = one_port(&s, 53000);
    assert_class(c, "denied");
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->denials, 2);
    assert_int_equal(c->begins, 0);
    assert_int_equal(c->first_ms, MS(t));
    assert_int_equal(c->last_ms, MS(t + 1));
    assert_false(c->stateless); /* denied: not the stateless allow */

    assert_int_equal(count_port(&s, 53001), 2);
    assert_class(nth_port(&s, 53001, 0), "denied");
    assert_class(nth_port(&s, 53001, 1), "denied");
    assert_int_equal(nth_port(&s, 53001, 1)->first_ms, MS(t + 200));

    c = one_port(&s, 53002);
    assert_class(c, "denied");
    assert_int_equal(c->format, FORMAT_VNET_V4);
    assert_int_equal(c->denials, 1);
    assert_int_equal(c->first_ms, MS(t) + 5);

    c = one_port(&s, 53003);
    assert_class(c, "denied");
    assert_int_equal(c->format, FORMAT_NSG_V1);
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->denials, 2);
    seen_free(&s);
}

/* VNet flow logs of 2025: a PlatformRule group (Azure's platform, not the
 * NSG) marks its connections platform, whatever their class; the
 * encryption values that drop (NX_SW_NOT_READY, NX_NOT_ACCEPTED,
 * NX_NOT_SUPPORTED) make a connection an encryption drop whatever its
 * state letters; the other values (X, NX_HW_NOT_SUPPORTED, NX_LOCAL_DST,
 * NX_FALLBACK) change nothing. */
static void test_platform_and_encryption(void **state)
{
    struct fx *f = *state;
    struct blob b;
    int64_t t = H(6);
    char rest[160];
    blob_start(&b, VNET, 6, MAC1);
    /* platform: a completed call, and a denied one */
    tup(&b, "PlatformRule", MS(t), "40.80.44.0,10.20.1.4,54000,443,6,I,B,NX,0,0,0,0");
    tup(&b, "PlatformRule", MS(t + 2), "40.80.44.0,10.20.1.4,54000,443,6,I,E,NX,12,4000,10,12000");
    tup(&b, "PlatformRule", MS(t + 3), "40.80.44.0,10.20.1.4,54001,443,6,I,D,NX,0,0,0,0");
    /* the drops: B and E (counters or not), B, C, E, and a D */
    static const char *const drops[] = {"NX_SW_NOT_READY", "NX_NOT_ACCEPTED", "NX_NOT_SUPPORTED"};
    for (int i = 0; i < 3; i++) {
        snprintf(rest, sizeof rest, "10.20.1.4,13.69.104.10,%d,1433,6,O,B,%s,0,0,0,0", 54010 + i,
                 drops[i]);
        tup(&b, "unspecified", MS(t + 10 + i), rest);
        snprintf(rest, sizeof rest, "10.20.1.4,13.69.104.10,%d,1433,6,O,E,%s,3,180,0,0", 54010 + i,
                 drops[i]);
        tup(&b, "unspecified", MS(t + 20 + i), rest);
    }
    tup(&b, "unspecified", MS(t + 30), "10.20.1.4,13.69.104.10,54013,1433,6,O,B,NX_NOT_ACCEPTED,0,0,0,0");
    tup(&b, "unspecified", MS(t + 90), "10.20.1.4,13.69.104.10,54013,1433,6,O,C,NX_NOT_ACCEPTED,2,120,0,0");
    tup(&b, "unspecified", MS(t + 95), "10.20.1.4,13.69.104.10,54013,1433,6,O,E,NX_NOT_ACCEPTED,1,60,0,0");
    tup(&b, "unspecified", MS(t + 40), "10.20.1.4,13.69.104.10,54014,1433,6,O,D,NX_NOT_ACCEPTED,0,0,0,0");
    /* not drops */
    static const char *const kept[] = {"X", "NX_HW_NOT_SUPPORTED", "NX_LOCAL_DST", "NX_FALLBACK"};
    for (int i = 0; i < 4; i++) {
        snprintf(rest, sizeof rest, "10.20.1.4,13.69.104.20,%d,1433,6,O,B,%s,0,0,0,0", 54020 + i,
                 kept[i]);
        tup(&b, "UserRule_Allow-Sql", MS(t + 50 + i), rest);
        snprintf(rest, sizeof rest, "10.20.1.4,13.69.104.20,%d,1433,6,O,E,%s,10,2000,8,6000",
                 54020 + i, kept[i]);
        tup(&b, "UserRule_Allow-Sql", MS(t + 60 + i), rest);
    }
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 21);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(6), H(7) - 1, &s, &st);
    assert_int_equal(s.n, 11);
    const struct connection *c = one_port(&s, 54000);
    assert_class(c, "completed");
    assert_true(c->platform);
    assert_int_equal(c->drops, 0);
    c = one_port(&s, 54001);
    assert_class(c, "denied");
    assert_true(c->platform);
    for (int i = 0; i < 3; i++) {
        c = one_port(&s, 54010 + i);
        assert_class(c, "encryption-drop");
        assert_false(c->platform);
        assert_int_equal(c->tuples, 2);
        assert_int_equal(c->drops, 2);
        assert_true(c->drop_encryption > 0);
    }
    /* each value its own encryption id */
    assert_true(one_port(&s, 54010)->drop_encryption != one_port(&s, 54011)->drop_encryption);
    assert_true(one_port(&s, 54011)->drop_encryption != one_port(&s, 54012)->drop_encryption);
    c = one_port(&s, 54013);
    assert_class(c, "encryption-drop");
    assert_int_equal(c->tuples, 3);
    assert_int_equal(c->drops, 3);
    assert_int_equal(c->drop_encryption, one_port(&s, 54011)->drop_encryption);
    c = one_port(&s, 54014);
    assert_class(c, "encryption-drop"); /* state D: dropped all the same */
    assert_int_equal(c->denials, 1);
    for (int i = 0; i < 4; i++) {
        c = one_port(&s, 54020 + i);
        assert_class(c, "completed");
        assert_int_equal(c->drops, 0);
        assert_int_equal(c->drop_encryption, 0);
        assert_false(c->platform);
    }
    seen_free(&s);
}

/* UDP: counters both ways, one way, none (NSG v1). */
static void test_udp(void **state)
{
    struct fx *f = *state;
    struct blob b;
    int64_t t = H(6);
    const char *r = "DefaultRule_AllowVnetOutBound";
    blob_start(&b, VNET, 6, MAC1);
    tup(&b, r, MS(t), "10.20.1.4,10.20.0.10,54000,53,17,O,B,NX,0,0,0,0");
    tup(&b, r, MS(t + 61), "10.20.1.4,10.20.0.10,54000,53,17,O,E,NX,10,1200,8,960");
    tup(&b, r, MS(t), "10.20.1.4,10.20.0.10,54001,53,17,O,B,NX,0,0,0,0");
    tup(&b, r, MS(t + 61), "10.20.1.4,10.20.0.10,54001,53,17,O,E,NX,3,300,0,0");
    blob_write(&b, f->logs);
    blob_start(&b, NSG_V1, 6, MAC2);
    tup(&b, r, MS(t), "10.20.1.5,10.20.0.10,54002,53,U,O,A");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 5);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(6), H(7) - 1, &s, &st);
    assert_int_equal(s.n, 3);
    const struct connection *c = one_port(&s, 54000);
    assert_int_equal(c->protocol, 17);
    assert_class(c, "completed");
    assert_counters(c, 10, 1200, 8, 960);
    c = one_port(&s, 54001);
    assert_class(c, "no-answer");
    c = one_port(&s, 54002);
    assert_int_equal(c->protocol, 17);
    assert_int_equal(c->format, FORMAT_NSG_V1);
    assert_false(c->has_counters);
    assert_class(c, "unclear");
    seen_free(&s);
}

/* A connection belongs to the window in which it began: one that began in
 * the margin before it is left out though it ends inside; one that begins
 * inside and ends in the margin after it is handed over whole. */
static void test_window(void **state)
{
    struct fx *f = *state;
    struct blob b;
    const char *r = "DefaultRule_AllowInternetOutBound";
    blob_start(&b, VNET, 0, MAC1);
    tup(&b, r, MS(H(1) - 60), "10.20.1.4,52.239.184.180,55000,443,6,O,B,NX,0,0,0,0");
    blob_write(&b, f->logs);
    blob_start(&b, VNET, 1, MAC1);
    tup(&b, r, MS(H(1) + 60), "10.20.1.4,52.239.184.180,55000,443,6,O,E,NX,9,900,9,9000");
    tup(&b, r, MS(H(2) - 100), "10.20.1.4,52.239.184.180,55001,443,6,O,B,NX,0,0,0,0");
    blob_write(&b, f->logs);
    blob_start(&b, VNET, 2, MAC1);
    tup(&b, r, MS(H(2) + 100), "10.20.1.4,52.239.184.180,55001,443,6,O,E,NX,8,800,7,7000");
    /* begins past the window, in the margin: left out */
    tup(&b, r, MS(H(2) + 200), "10.20.1.4,52.239.184.180,55002,443,6,O,B,NX,0,0,0,0");
    tup(&b, r, MS(H(2) + 210), "10.20.1.4,52.239.184.180,55002,443,6,O,E,NX,8,800,7,7000");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 6);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(1), H(2) - 1, &s, &st);
    assert_int_equal(s.n, 1);
    const struct connection *c = one_port(&s, 55001);
    assert_class(c, "completed");
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->first_ms, MS(H(2) - 100));
    assert_int_equal(c->last_ms, MS(H(2) + 100));
    assert_counters(c, 8, 800, 7, 7000);
    assert_int_equal(st.tuples, 2);
    assert_int_equal(st.margin_tuples, 4);
    assert_int_equal(st.min_ts, T0 + H(1) + 60);
    assert_int_equal(st.max_ts, T0 + H(2) - 100);
    assert_int_equal(st.blobs, 3);
    seen_free(&s);

    /* the window before: the first connection, whole */
    read_window(f, 0, H(1) - 1, &s, &st);
    assert_int_equal(s.n, 1);
    c = one_port(&s, 55000);
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->last_ms, MS(H(1) + 60));
    assert_class(c, "completed");
    seen_free(&s);
}

/* The same NIC in NSG v2 and VNet blobs of one hour: the NSG blob is left
 * out and each connection counted once; the NIC's NSG blob of another hour
 * is read, and so is another NIC's NSG blob of the same hour. */
static void test_double_logging(void **state)
{
    struct fx *f = *state;
    struct blob b;
    const char *r = "DefaultRule_AllowInternetOutBound";
    blob_start(&b, VNET, 0, MAC1);
    tup(&b, r, MS(600), "10.20.1.4,52.239.184.180,56000,443,6,O,B,NX,0,0,0,0");
    tup(&b, r, MS(610), "10.20.1.4,52.239.184.180,56000,443,6,O,E,NX,9,900,9,9000");
    blob_write(&b, f->logs);
    blob_start(&b, NSG, 0, MAC1);
    tup(&b, r, MS(600), "10.20.1.4,52.239.184.180,56000,443,T,O,A,B,,,,");
    tup(&b, r, MS(610), "10.20.1.4,52.239.184.180,56000,443,T,O,A,E,9,900,9,9000");
    blob_write(&b, f->logs);
    blob_start(&b, NSG, 1, MAC1);
    tup(&b, r, MS(H(1) + 600), "10.20.1.4,52.239.184.180,56001,443,T,O,A,B,,,,");
    tup(&b, r, MS(H(1) + 610), "10.20.1.4,52.239.184.180,56001,443,T,O,A,E,9,900,9,9000");
    blob_write(&b, f->logs);
    blob_start(&b, NSG, 0, MAC2);
    tup(&b, r, MS(600), "10.20.1.5,52.239.184.180,56002,443,T,O,A,B,,,,");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 7);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, 0, H(2) - 1, &s, &st);
    assert_int_equal(st.doubled_blobs, 1);
    assert_int_equal(st.doubled_hours, 1);
    assert_string_equal(st.doubled_macs, MAC1);
    assert_int_equal(st.blobs, 3);
    assert_int_equal(st.tuples, 5);
    assert_int_equal(s.n, 3);
    const struct connection *c = one_port(&s, 56000);
    assert_int_equal(c->format, FORMAT_VNET_V4);
    assert_int_equal(c->tuples, 2);
    assert_counters(c, 9, 900, 9, 9000);
    c = one_port(&s, 56001);
    assert_int_equal(c->format, FORMAT_NSG_V2);
    assert_int_equal(c->tuples, 2);
    assert_class(c, "completed");
    assert_int_equal(c->nic, one_port(&s, 56000)->nic);
    c = one_port(&s, 56002);
    assert_int_equal(c->format, FORMAT_NSG_V2);
    assert_true(c->nic != one_port(&s, 56000)->nic);
    seen_free(&s);
}

/* Many connections through two hours' blobs: the reader sweeps the
 * finished ones out of memory as it goes, so the connections open at once
 * (open_peak) stay far below their number; a long connection open across
 * the sweeps and the hour stays whole. A callback that asks to stop ends
 * the read with "stopped". */
static void test_many(void **state)
{
    struct fx *f = *state;
    struct blob b;
    const char *r = "DefaultRule_AllowInternetOutBound";
    enum { N = 12000 }; /* short connections per hour, one every 250 ms */
    char rest[160];
    int64_t t = MS(H(8));
    for (int h = 8; h <= 9; h++) {
        blob_start(&b, VNET, h, MAC1);
        if (h == 8)
            tup(&b, r, t, "10.20.1.4,52.239.184.180,57000,443,6,O,B,NX,0,0,0,0");
        for (int i = 0; i < N; i++) {
            int64_t at = MS(H(h)) + 1000 + (int64_t)i * 250; /* 50 minutes */
            snprintf(rest, sizeof rest, "10.20.1.4,10.%d.%d.%d,%d,1433,6,O,B,NX,0,0,0,0",
                     30 + h, i / 200, i % 200 + 1, 20000 + i);
            tup(&b, r, at, rest);
            snprintf(rest, sizeof rest, "10.20.1.4,10.%d.%d.%d,%d,1433,6,O,E,NX,5,900,4,700",
                     30 + h, i / 200, i % 200 + 1, 20000 + i);
            tup(&b, r, at + 500, rest);
            if (i % 2000 == 1999) /* every 500 s */
                tup(&b, r, at + 600, "10.20.1.4,52.239.184.180,57000,443,6,O,C,NX,1,100,1,100");
        }
        if (h == 9)
            tup(&b, r, MS(H(9) + 3300), "10.20.1.4,52.239.184.180,57000,443,6,O,E,NX,1,100,1,100");
        blob_write(&b, f->logs);
    }
    ingest_dir(f, f->logs, 4 * N + 14);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(8), H(10) - 1, &s, &st);
    assert_int_equal(s.n, 2 * N + 1);
    assert_int_equal(st.tuples, 4 * N + 14);
    assert_int_equal(st.blobs, 2);
    int completed = 0;
    for (size_t i = 0; i < s.n; i++)
        if (s.c[i].src_port != 57000) {
            completed += s.c[i].cls == CONN_COMPLETED && s.c[i].tuples == 2;
            assert_int_equal(s.c[i].last_ms - s.c[i].first_ms, 500);
        }
    assert_int_equal(completed, 2 * N);
    const struct connection *c = one_port(&s, 57000);
    assert_int_equal(c->tuples, 14);
    assert_int_equal(c->continues, 12);
    assert_int_equal(c->first_ms, t);
    assert_int_equal(c->last_ms, MS(H(9) + 3300));
    assert_counters(c, 13, 1300, 13, 1300);
    assert_class(c, "completed");
    /* memory follows the rate of connections, not their number (the long
     * one and a short one at least are open at once) */
    assert_true(st.open_peak >= 2);
    assert_true(st.open_peak < 2 * N / 3);
    seen_free(&s);

    /* stopped by the callback after 10 */
    sqlite3 *db;
    char err[256] = "";
    assert_int_equal(db_open(f->db, 1, 1000, &db, err, sizeof err), 0);
    memset(&s, 0, sizeof s);
    s.stop_after = 10;
    assert_int_equal(connections_read(db, T0 + H(8), T0 + H(10) - 1, collect, &s, &st, err,
                                      sizeof err), -1);
    assert_string_equal(err, "stopped");
    assert_int_equal(s.n, 10);
    sqlite3_close(db);
    seen_free(&s);
}

/* Tuples of one minute in any order: a later SYN of a chain listed before
 * the earlier ones, a C listed before its B. */
static void test_disorder_within_a_minute(void **state)
{
    struct fx *f = *state;
    struct blob b;
    int64_t t = H(7);
    blob_start(&b, NSG, 7, MAC1);
    const char *u = "UserRule_AllowApimManagement";
    tup(&b, u, MS(t + 3), "52.162.110.80,10.20.1.4,41000,3443,T,I,A,B,,,,");
    tup(&b, u, MS(t), "52.162.110.80,10.20.1.4,41000,3443,T,I,A,B,,,,");
    tup(&b, u, MS(t + 1), "52.162.110.80,10.20.1.4,41000,3443,T,I,A,B,,,,");
    blob_write(&b, f->logs);
    blob_start(&b, VNET, 7, MAC2);
    const char *r = "DefaultRule_AllowInternetOutBound";
    tup(&b, r, MS(t + 30), "10.20.1.5,52.239.184.180,41001,443,6,O,C,NX,4,800,4,4000");
    tup(&b, r, MS(t + 10), "10.20.1.5,52.239.184.180,41001,443,6,O,B,NX,0,0,0,0");
    tup(&b, r, MS(t + 90), "10.20.1.5,52.239.184.180,41001,443,6,O,E,NX,1,66,1,66");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 6);

    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(7), H(8) - 1, &s, &st);
    assert_int_equal(s.n, 2);
    const struct connection *c = one_port(&s, 41000);
    assert_int_equal(c->tuples, 3);
    assert_int_equal(c->syns, 3);
    assert_int_equal(c->first_ms, MS(t));
    assert_int_equal(c->last_ms, MS(t + 3));
    assert_int_equal(c->ngaps, 2);
    assert_int_equal(c->gaps_ms[0], 3000); /* gaps in list order, as distances */
    assert_int_equal(c->gaps_ms[1], 1000);
    assert_class(c, "answer-lost");
    c = one_port(&s, 41001);
    assert_int_equal(c->tuples, 3);
    assert_int_equal(c->first_ms, MS(t + 10));
    assert_int_equal(c->last_ms, MS(t + 90));
    assert_counters(c, 5, 866, 5, 4066);
    assert_class(c, "completed");
    seen_free(&s);
}

/* An empty database, and a window with nothing in it. */
static void test_empty(void **state)
{
    struct fx *f = *state;
    struct blob b;
    blob_start(&b, VNET, 0, MAC1);
    tup(&b, "R", MS(10), "10.20.1.4,52.239.184.180,58000,443,6,O,B,NX,0,0,0,0");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 1);
    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(20), H(21) - 1, &s, &st);
    assert_int_equal(s.n, 0);
    assert_int_equal(st.blobs, 0);
    assert_int_equal(st.tuples, 0);
    assert_int_equal(st.min_ts, 0);
    assert_int_equal(st.max_ts, 0);
    seen_free(&s);
}

/* Regression (failed against commit 9239915: the E was handed over as one
 * connection and the B as another): a minute's tuples come in any order,
 * so a B listed after the E of its connection but stamped before it is
 * that connection's first tuple. */
static void test_begin_listed_after_its_end(void **state)
{
    struct fx *f = *state;
    struct blob b;
    const char *r = "DefaultRule_AllowInternetOutBound";
    int64_t t = H(9);
    blob_start(&b, VNET, 9, MAC1);
    tup(&b, r, MS(t + 50), "10.20.1.4,52.239.184.180,59000,443,6,O,E,NX,9,900,9,9000");
    tup(&b, r, MS(t + 10), "10.20.1.4,52.239.184.180,59000,443,6,O,B,NX,0,0,0,0");
    blob_write(&b, f->logs);
    ingest_dir(f, f->logs, 2);
    struct seen s;
    struct conn_scan_stats st;
    read_window(f, H(9), H(10) - 1, &s, &st);
    const struct connection *c = one_port(&s, 59000);
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->first_ms, MS(t + 10));
    assert_int_equal(c->last_ms, MS(t + 50));
    assert_class(c, "completed");
    seen_free(&s);
}

/* Regression (failed against commit 9239915, which read the blobs in
 * storage order): a connection is followed across hours in time order even
 * when the later hour was ingested first (a backfill of an older folder, an
 * hour re-ingested after it grew); else the E of the later hour comes
 * before its B and the connection is cut in two. */
static void test_hours_ingested_out_of_order(void **state)
{
    struct fx *f = *state;
    struct blob b;
    char later[128], earlier[128];
    snprintf(later, sizeof later, "%s/later", f->root);
    snprintf(earlier, sizeof earlier, "%s/earlier", f->root);
    const char *r = "DefaultRule_AllowInternetOutBound";
    blob_start(&b, VNET, 1, MAC1);
    tup(&b, r, MS(3603), "10.20.1.4,52.239.184.180,59100,443,6,O,E,NX,10,2000,8,3000");
    blob_write(&b, later);
    blob_start(&b, VNET, 0, MAC1);
    tup(&b, r, MS(3598), "10.20.1.4,52.239.184.180,59100,443,6,O,B,NX,0,0,0,0");
    blob_write(&b, earlier);
    ingest_dir(f, later, 1);   /* hour 01 first */
    ingest_dir(f, earlier, 1); /* then hour 00 */
    struct seen s;
    struct conn_scan_stats st;
    read_window(f, 0, H(2) - 1, &s, &st);
    const struct connection *c = one_port(&s, 59100);
    assert_int_equal(c->tuples, 2);
    assert_int_equal(c->first_ms, MS(3598));
    assert_int_equal(c->last_ms, MS(3603));
    assert_class(c, "completed");
    seen_free(&s);
}

/* Regression (failed against commit 9239915, in ingest/ingest.c): the
 * progress line was written with msg(), which shows every control character
 * as an escape, so its own "\r\033[K" (back to the start of the line, clear
 * it) reached the terminal as the text \r\x1b[K and the lines piled up. */
static void test_ingest_progress_line(void **state)
{
    struct fx *f = *state;
    struct blob b;
    blob_start(&b, VNET, 0, MAC1);
    tup(&b, "R", MS(10), "10.20.1.4,52.239.184.180,59200,443,6,O,B,NX,0,0,0,0");
    blob_write(&b, f->logs);
    struct ingest_options o = {.db_path = f->db, .quiet = 1, .wait_ms = 1000, .progress = 1};
    struct ingest_totals t;
    char *paths[] = {f->logs};
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    int rc = ingest_run(&o, paths, 1, &t);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fseek(tmp, 0, SEEK_END);
    long n = ftell(tmp);
    rewind(tmp);
    char said[4096] = "";
    size_t got = fread(said, 1, n < (long)sizeof said - 1 ? (size_t)n : sizeof said - 1, tmp);
    said[got] = '\0';
    fclose(tmp);
    assert_int_equal(rc, EXIT_OK);
    assert_non_null(strstr(said, "ingest: file 1/1")); /* the progress line was shown */
    if (strstr(said, "\\r\\x1b[K"))
        fail_msg("the progress line's control sequence came out as the text \\r\\x1b[K");
    assert_non_null(strstr(said, "\r\033[Kingest: file 1/1"));
}

/* ------------------------------------------------------------------ */
/* conn_classify on hand-built connections                            */

/* A TCP connection of VNet B and E tuples with these counters. */
static struct connection counted(int64_t p1, int64_t b1, int64_t p2, int64_t b2)
{
    struct connection c;
    memset(&c, 0, sizeof c);
    c.protocol = 6;
    c.format = FORMAT_VNET_V4;
    c.tuples = 2;
    c.begins = 1;
    c.ends = 1;
    c.has_counters = 1;
    c.counters[0] = p1;
    c.counters[1] = b1;
    c.counters[2] = p2;
    c.counters[3] = b2;
    return c;
}

/* A stateless chain of SYNs with these gaps (ms). */
static struct connection chain(int syns, const int *gaps)
{
    struct connection c;
    memset(&c, 0, sizeof c);
    c.protocol = 6;
    c.format = FORMAT_NSG_V2;
    c.stateless = 1;
    c.tuples = c.begins = c.syns = syns;
    c.ngaps = syns - 1 < 4 ? syns - 1 : 4;
    for (int i = 0; i < c.ngaps; i++)
        c.gaps_ms[i] = gaps[i];
    return c;
}

static void test_classify_boundaries(void **state)
{
    (void)state;
    struct connection c;
    /* p2 == p1: every SYN answered, none got through */
    c = counted(3, 3 * 60, 3, 3 * 60);
    assert_int_equal(conn_classify(&c), CONN_ANSWER_LOST);
    c = counted(2, 120, 2, 120);
    assert_int_equal(conn_classify(&c), CONN_ANSWER_LOST);
    /* p2 == p1 - 1: the caller sent one more (its ACK or RST) */
    c = counted(3, 3 * 60, 2, 2 * 60);
    assert_int_equal(conn_classify(&c), CONN_CLOSED);
    c = counted(2, 120, 1, 60);
    assert_int_equal(conn_classify(&c), CONN_CLOSED);
    /* one packet each way, no payload: none of the rules */
    c = counted(1, 60, 1, 60);
    assert_int_equal(conn_classify(&c), CONN_UNCLEAR);
    /* more back than sent, with a single packet sent */
    c = counted(1, 60, 3, 180);
    assert_int_equal(conn_classify(&c), CONN_UNCLEAR);
    /* nothing back */
    c = counted(5, 5000, 0, 0);
    assert_int_equal(conn_classify(&c), CONN_NO_ANSWER);
    /* payload: a byte over the header allowance, either way */
    c = counted(2, 2 * CONN_HEADER_BYTES_V4, 1, CONN_HEADER_BYTES_V4);
    assert_int_equal(conn_classify(&c), CONN_CLOSED);
    c = counted(2, 2 * CONN_HEADER_BYTES_V4 + 1, 1, CONN_HEADER_BYTES_V4);
    assert_int_equal(conn_classify(&c), CONN_COMPLETED);
    c = counted(2, 2 * CONN_HEADER_BYTES_V4, 2, 2 * CONN_HEADER_BYTES_V4 + 1);
    assert_int_equal(conn_classify(&c), CONN_COMPLETED);
    c = counted(2, 2 * CONN_HEADER_BYTES_V4, 2, 2 * CONN_HEADER_BYTES_V4);
    assert_int_equal(conn_classify(&c), CONN_ANSWER_LOST);
    /* payload back though nothing went: not completed (p1 == 0) */
    c = counted(0, 0, 2, 3000);
    assert_int_equal(conn_classify(&c), CONN_UNCLEAR);
    /* IPv6: 20 bytes more of header per packet */
    c = counted(2, 2 * CONN_HEADER_BYTES_V6, 1, CONN_HEADER_BYTES_V6);
    assert_int_equal(conn_classify(&c), CONN_COMPLETED); /* as IPv4: payload */
    c.ipv6 = 1;
    assert_int_equal(conn_classify(&c), CONN_CLOSED);
    c.counters[1]++;
    assert_int_equal(conn_classify(&c), CONN_COMPLETED);
    /* counters logged but all zero: as if none (a begin without its end) */
    c = counted(0, 0, 0, 0);
    c.ends = 0;
    c.tuples = 1;
    assert_int_equal(conn_classify(&c), CONN_UNCLEAR);

    /* denials: when at least as many as the allowed tuples */
    c = counted(3, 3000, 3, 3000);
    c.denials = 2;
    assert_int_equal(conn_classify(&c), CONN_DENIED);
    c.denials = 1;
    assert_int_equal(conn_classify(&c), CONN_COMPLETED);

    /* UDP */
    c = counted(1, 100, 1, 100);
    c.protocol = 17;
    assert_int_equal(conn_classify(&c), CONN_COMPLETED);
    c.counters[2] = 0;
    assert_int_equal(conn_classify(&c), CONN_NO_ANSWER);
    c.counters[0] = 0;
    c.counters[2] = 4;
    assert_int_equal(conn_classify(&c), CONN_UNCLEAR); /* only answers */
    c.has_counters = 0;
    assert_int_equal(conn_classify(&c), CONN_UNCLEAR);

    /* stateless SYN chains */
    const int retrans[] = {1000, 2000, 4000, 8000};
    c = chain(1, retrans);
    assert_int_equal(conn_classify(&c), CONN_ANSWERED);
    c = chain(2, retrans);
    assert_int_equal(conn_classify(&c), CONN_RETRANSMITTED);
    c = chain(3, retrans);
    assert_int_equal(conn_classify(&c), CONN_ANSWER_LOST);
    c = chain(5, retrans);
    assert_int_equal(conn_classify(&c), CONN_ANSWER_LOST);
    const int edge[] = {1000, CONN_RESTAMP_MS - 1};
    c = chain(3, edge);
    assert_int_equal(conn_classify(&c), CONN_ANSWER_LOST);
    const int restamp[] = {1000, CONN_RESTAMP_MS};
    c = chain(3, restamp);
    assert_int_equal(conn_classify(&c), CONN_ANSWERED);
    c = chain(2, restamp + 1);
    assert_int_equal(conn_classify(&c), CONN_ANSWERED);
    /* the same B tuples logged statefully: a begin without its end */
    c = chain(3, retrans);
    c.stateless = 0;
    assert_int_equal(conn_classify(&c), CONN_UNCLEAR);
    /* a C or E without counters */
    c = chain(1, retrans);
    c.continues = 1;
    assert_int_equal(conn_classify(&c), CONN_UNCLEAR);

    /* the names */
    /* encryption drops: at least half of the tuples, whatever the rest says */
    c = counted(10, 2000, 8, 6000);
    c.tuples = 2;
    c.drops = 1;
    assert_int_equal(conn_classify(&c), CONN_ENCRYPTION_DROP);
    c.tuples = 3;
    assert_int_equal(conn_classify(&c), CONN_COMPLETED);
    c = counted(0, 0, 0, 0);
    c.tuples = c.denials = c.drops = 1;
    assert_int_equal(conn_classify(&c), CONN_ENCRYPTION_DROP); /* a D that encryption dropped */

    /* the names */
    static const char *const names[CONN_CLASSES] = {
        "completed", "answered", "closed", "no-answer", "answer-lost", "retransmitted",
        "denied", "unclear", "encryption-drop"};
    for (int i = 0; i < CONN_CLASSES; i++)
        assert_string_equal(conn_class_name(i), names[i]);
    assert_string_equal(conn_class_name(-1), "?");
    assert_string_equal(conn_class_name(CONN_CLASSES), "?");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_cut_at_the_hour),
        T(test_long_flows),
        T(test_stateless_chains),
        T(test_vnet_counters),
        T(test_begin_after_end),
        T(test_denied),
        T(test_udp),
        T(test_platform_and_encryption),
        T(test_window),
        T(test_double_logging),
        T(test_many),
        T(test_disorder_within_a_minute),
        T(test_empty),
        T(test_begin_listed_after_its_end),
        T(test_hours_ingested_out_of_order),
        T(test_ingest_progress_line),
        cmocka_unit_test(test_classify_boundaries),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
