/* test_flowlog.c: the streaming reader of blobs. Every input is fed whole,
 * byte by byte and in odd-sized chunks, and must give the same records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/flowlog.h"

/* What the callback saw, as text: one line per tuple
 * "record R [format] rule|mac|acl|res: tuple", plus counts. */
struct seen {
    char text[1 << 16];
    size_t len;
    int records, chunks, finals;
    long tuples;
};

static int collect(void *ctx, const struct fl_record *r)
{
    struct seen *s = ctx;
    s->chunks++;
    if (r->final)
        s->finals++;
    if (r->chunk == 0)
        s->records++;
    s->tuples += (long)r->ntuples;
    for (size_t i = 0; i < r->ntuples && s->len < sizeof s->text - 512; i++) {
        assert_non_null(r->tuples[i].text); /* even for an empty tuple */
        const struct fl_group *g = &r->groups[r->tuples[i].group];
        s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len,
                                   "record %ld [%s] %s|%s|%s|%s: %.*s\n", r->index,
                                   flow_format_name(r->format), g->rule, g->mac,
                                   g->acl_id, r->resource_id, (int)r->tuples[i].len,
                                   r->tuples[i].text);
    }
    return 0;
}

/* Feeds text in chunks of the given size (0: whole). Returns the result of
 * the feeds and the finish: 0 ok, -1 failed. */
static int feed(const char *text, size_t n, size_t chunk, struct seen *s,
                flowlog **out)
{
    memset(s, 0, sizeof *s);
    flowlog *p = flowlog_new(collect, s);
    assert_non_null(p);
    int rc = 0;
    if (chunk == 0)
        chunk = n ? n : 1;
    for (size_t off = 0; off < n && rc == 0; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        rc = flowlog_feed(p, (const unsigned char *)text + off, k);
    }
    if (rc == 0)
        rc = flowlog_finish(p);
    if (out)
        *out = p;
    else
        flowlog_free(p);
    return rc;
}

/* Feeds whole, by bytes and by 7s; all three must agree. Returns the result
 * and leaves the whole-feed's view in *s. */
static int feed_all_ways(const char *text, struct seen *s)
{
    static struct seen a, b;
    size_t n = strlen(text);
    int rc1 = feed(text, n, 1, &a, NULL);
    int rc7 = feed(text, n, 7, &b, NULL);
    assert_int_equal(rc1, rc7);
    assert_string_equal(a.text, b.text);
    int rc = feed(text, n, 0, s, NULL);
    assert_int_equal(rc, rc1);
    assert_string_equal(s->text, a.text);
    return rc;
}

static const char nsg_mixed[] =
    " {\"records\":[\n"
    "  {\"time\":\"2026-11-28T10:00:00.0000000Z\",\"category\":\"NetworkSecurityGroupFlowEvent\","
    "   \"resourceId\":\"/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/N\","
    "   \"properties\":{\"Version\":1,\"flows\":[{\"rule\":\"DefaultRule_DenyAllInBound\",\"flows\":[{\"mac\":\"000D3A000001\","
    "   \"flowTuples\":[\"1,1.1.1.1,10.0.0.4,1,2,T,I,D\",\"2,1.1.1.2,10.0.0.4,1,2,T,I,D\"]}]},"
    "   {\"rule\":\"UserRule_Empty\",\"flows\":[]}]}},\n"
    "  {\"time\":\"2026-11-28T10:01:00.0000000Z\",\"category\":\"NetworkSecurityGroupFlowEvent\","
    "   \"resourceid\":\"/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/N\","
    "   \"properties\":{\"Version\":2,\"flows\":[{\"flows\":[{\"flowTuples\":[\"3,1.1.1.3,10.0.0.4,1,2,T,I,A,B,,,,\"],\"mac\":\"000D3A000001\"}],"
    "   \"rule\":\"RuleNamedLast\"}]}}\n"
    "]}\n";

static void test_nsg_versions_mixed(void **state)
{
    (void)state;
    struct seen s;
    assert_int_equal(feed_all_ways(nsg_mixed, &s), 0);
    assert_int_equal(s.records, 2);
    assert_int_equal(s.tuples, 3);
    assert_non_null(strstr(s.text, "record 1 [nsg-v1] DefaultRule_DenyAllInBound|000D3A000001||/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/N: 1,1.1.1.1,10.0.0.4,1,2,T,I,D\n"));
    /* keys in another order, resourceid spelled as in the docs' list */
    assert_non_null(strstr(s.text, "record 2 [nsg-v2] RuleNamedLast|000D3A000001||/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/N: 3,1.1.1.3,10.0.0.4,1,2,T,I,A,B,,,,\n"));
}

static const char vnet[] =
    "{\"records\":[{\"time\":\"2022-09-14T09:00:52.5625085Z\",\"flowLogVersion\":4,"
    "\"macAddress\":\"00224871C205\",\"category\":\"FlowLogFlowEvent\","
    "\"flowLogResourceID\":\"/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL\","
    "\"targetResourceID\":\"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v\","
    "\"flowRecords\":{\"flows\":[{\"aclID\":\"acl-1\",\"flowGroups\":[{\"rule\":\"R1\",\"flowTuples\":"
    "[\"1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,0\"]},{\"rule\":\"R2\",\"flowTuples\":[]}]},"
    "{\"aclID\":\"unspecified\",\"flowGroups\":[{\"rule\":\"unspecified\",\"flowTuples\":"
    "[\"1663146003600,10.0.0.6,10.0.0.7,1,2,17,O,D,NX_NOT_ACCEPTED,0,0,0,0\"]}]}]}}]}";

static void test_vnet(void **state)
{
    (void)state;
    struct seen s;
    assert_int_equal(feed_all_ways(vnet, &s), 0);
    assert_int_equal(s.records, 1);
    assert_int_equal(s.tuples, 2);
    assert_non_null(strstr(s.text, "[vnet-v4] R1||acl-1|/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL: 1663146003599,"));
    assert_non_null(strstr(s.text, "[vnet-v4] unspecified||unspecified|"));
}

static void test_padding_bom_and_whitespace(void **state)
{
    (void)state;
    struct seen s;
    char buf[4096];
    /* BOM first, NUL padding last */
    size_t n = (size_t)snprintf(buf, sizeof buf, "\xEF\xBB\xBF%s", vnet);
    memset(buf + n, 0, 64);
    n += 64;
    for (size_t chunk = 0; chunk <= 2; chunk++) {
        assert_int_equal(feed(buf, n, chunk, &s, NULL), 0);
        assert_int_equal(s.tuples, 2);
    }
    /* tabs and CRLF */
    const char *tabs = "{\r\n\t\"records\" :\t[\r\n\t]\r\n}\r\n";
    assert_int_equal(feed_all_ways(tabs, &s), 0);
    assert_int_equal(s.records, 0);
}

static void test_trailing_garbage(void **state)
{
    (void)state;
    struct seen s;
    flowlog *p;
    char buf[4096];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s  x", vnet);
    assert_int_equal(feed(buf, n, 0, &s, &p), -1);
    assert_non_null(strstr(flowlog_error(p), "unexpected data after the end"));
    assert_int_equal(flowlog_error_offset(p), n - 1);
    assert_int_equal(s.tuples, 2); /* the records before it are delivered */
    flowlog_free(p);
}

static void test_truncation_keeps_complete_records(void **state)
{
    (void)state;
    size_t n = strlen(nsg_mixed);
    const char *second = strstr(nsg_mixed, "  {\"time\":\"2026-11-28T10:01");
    size_t cut_in_second = (size_t)(second - nsg_mixed) + 40;
    size_t end_of_second = (size_t)(strstr(nsg_mixed, "}}\n]}") - nsg_mixed) + 2;
    for (size_t cut = 1; cut < n - 3; cut++) {
        struct seen s;
        flowlog *p;
        int rc = feed(nsg_mixed, cut, cut % 5, &s, &p);
        if (rc != -1)
            fail_msg("cut at %zu: no error", cut);
        /* only whole records: 0 before the first ends, 1 after */
        assert_true(s.finals == s.records);
        if (cut >= cut_in_second && cut < end_of_second)
            assert_int_equal(s.records, 1);
        if (cut >= end_of_second)
            assert_int_equal(s.records, 2);
        assert_true(flowlog_error_offset(p) <= cut);
        struct flowlog_stats st;
        flowlog_stats(p, &st);
        assert_int_equal(st.has_records_array, cut > 12);
        flowlog_free(p);
    }
}

static void expect_not_flow_log(const char *text, const char *fragment)
{
    struct seen s;
    flowlog *p;
    feed(text, strlen(text), 0, &s, &p);
    const char *what = flowlog_not_a_flow_log(p);
    if (!what || !strstr(what, fragment))
        fail_msg("'%s': described as '%s', expected '%s'", text,
                 what ? what : "(a flow log)", fragment);
    flowlog_free(p);
}

static void test_not_a_flow_log(void **state)
{
    (void)state;
    expect_not_flow_log("[1,2]", "a JSON array");
    expect_not_flow_log("42", "a lone JSON value");
    expect_not_flow_log("{\"time\":\"t\",\"category\":\"NetworkSecurityGroupFlowEvent\",\"properties\":{}}",
                        "a single flow-log record without the");
    expect_not_flow_log("{\"changeNumber\":375,\"cloud\":\"Public\",\"values\":[]}",
                        "service-tags file");
    expect_not_flow_log("{\"a\":1,\"b\":{\"c\":[]}}", "its keys: a, b");
    expect_not_flow_log("{\"records\":[{\"category\":\"GatewayLogs\",\"properties\":{\"x\":1}}]}",
                        "1 record, none of them flow-log records (category GatewayLogs)");
    /* a flow log is not described */
    struct seen s;
    flowlog *p;
    feed(vnet, strlen(vnet), 0, &s, &p);
    assert_null(flowlog_not_a_flow_log(p));
    flowlog_free(p);
    feed("{\"records\":[]}", 14, 0, &s, &p);
    assert_null(flowlog_not_a_flow_log(p));
    flowlog_free(p);
}

static void test_stray_nested_records(void **state)
{
    (void)state;
    /* a docs example wraps records in a second {"records":[...]} */
    const char *text =
        "{\"records\":[{\"records\":[{\"category\":\"NetworkSecurityGroupFlowEvent\","
        "\"properties\":{\"Version\":1,\"flows\":[{\"rule\":\"R\",\"flows\":[{\"mac\":\"M\","
        "\"flowTuples\":[\"1,1.1.1.1,2.2.2.2,1,2,T,I,A\"]}]}]}}]}]}";
    struct seen s;
    assert_int_equal(feed_all_ways(text, &s), 0);
    assert_int_equal(s.tuples, 1);
    assert_non_null(strstr(s.text, "[nsg-v1] R|M||: 1,1.1.1.1"));
}

/* A NUL or a lone surrogate inside a rule name: kept distinct, stored as
 * valid UTF-8 (U+FFFD), never cut at the NUL. */
static void test_strings_made_valid(void **state)
{
    (void)state;
    struct seen s;
    const char *text =
        "{\"records\":[{\"time\":\"t\",\"properties\":{\"Version\":1,\"flows\":["
        "{\"rule\":\"A\\u0000B\",\"flows\":[{\"mac\":\"M\",\"flowTuples\":[\"1,1.1.1.1,2.2.2.2,1,2,T,I,A\"]}]},"
        "{\"rule\":\"A\\u0000C\",\"flows\":[{\"mac\":\"M\",\"flowTuples\":[\"1,1.1.1.1,2.2.2.2,1,2,T,I,A\"]}]},"
        "{\"rule\":\"X\\udc00Y\",\"flows\":[{\"mac\":\"M\",\"flowTuples\":[\"1,1.1.1.1,2.2.2.2,1,2,T,I,A\"]}]}"
        "]}}]}";
    assert_int_equal(feed_all_ways(text, &s), 0);
    assert_non_null(strstr(s.text, "] A\xef\xbf\xbd" "B|M"));
    assert_non_null(strstr(s.text, "] A\xef\xbf\xbd" "C|M"));
    /* yajl writes \udc00 as the bytes ED B0 80: three bytes that are not
     * UTF-8, each a U+FFFD (as Python's and browsers' decoders do) */
    assert_non_null(strstr(s.text, "] X\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "Y|M"));
    assert_int_equal(s.tuples, 3);
}

static void test_limits(void **state)
{
    (void)state;
    struct seen s;
    flowlog *p;
    /* nesting */
    char deep[400];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "{\"records\":");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    assert_int_equal(feed(deep, n, 0, &s, &p), -1);
    assert_non_null(strstr(flowlog_error(p), "nested deeper than 64"));
    flowlog_free(p);
    /* exactly 64 levels (the object, the records array, 62 arrays inside
     * it) are accepted; 65 are not */
    for (int levels = 64; levels <= 65; levels++) {
        n = (size_t)snprintf(deep, sizeof deep, "{\"records\":");
        for (int i = 2; i < levels; i++)
            deep[n++] = '[';
        deep[n++] = '[';
        for (int i = 1; i < levels; i++)
            deep[n++] = i == 1 ? ']' : ']';
        deep[n++] = '}';
        int rc = feed(deep, n, 0, &s, &p);
        if (levels == 64)
            assert_int_equal(rc, 0);
        else
            assert_non_null(strstr(flowlog_error(p), "nested deeper than 64"));
        flowlog_free(p);
    }
    /* one huge string is refused before it is buffered */
    size_t big = FLOWLOG_MAX_TOKEN + 100;
    char *text = malloc(big + 32);
    assert_non_null(text);
    n = (size_t)sprintf(text, "{\"records\":[\"");
    memset(text + n, 'a', big);
    n += big;
    assert_int_equal(feed(text, n, 65536, &s, &p), -1);
    assert_non_null(strstr(flowlog_error(p), "longer than"));
    assert_true(flowlog_error_offset(p) > FLOWLOG_MAX_TOKEN);
    flowlog_free(p);
    /* so is a huge number */
    n = (size_t)sprintf(text, "{\"records\":[");
    memset(text + n, '7', big);
    n += big;
    assert_int_equal(feed(text, n, 65536, &s, &p), -1);
    assert_non_null(strstr(flowlog_error(p), "longer than"));
    flowlog_free(p);
    free(text);
}

static void test_huge_record_comes_in_chunks(void **state)
{
    (void)state;
    /* 2.5 x the buffer of tuple text in one record */
    const char *tuple = "\"1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,\",";
    size_t tl = strlen(tuple), count = FLOWLOG_RECORD_BUFFER / (tl - 3) * 5 / 2;
    size_t cap = count * tl + 1024;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, "{\"records\":[{\"category\":\"NetworkSecurityGroupFlowEvent\","
                                     "\"properties\":{\"Version\":2,\"flows\":[{\"rule\":\"R\","
                                     "\"flows\":[{\"mac\":\"M\",\"flowTuples\":[");
    for (size_t i = 0; i < count; i++) {
        memcpy(text + n, tuple, tl);
        n += tl;
    }
    n--; /* last comma */
    n += (size_t)sprintf(text + n, "]}]}]}}]}");
    struct seen s;
    assert_int_equal(feed(text, n, 100000, &s, NULL), 0);
    assert_int_equal(s.records, 1);
    assert_int_equal(s.finals, 1);
    assert_true(s.chunks >= 3);
    assert_int_equal(s.tuples, (long)count);
    free(text);
}

/* A callback that stops the parse with its own message. */
static int stopper(void *ctx, const struct fl_record *r)
{
    (void)r;
    flowlog_set_error(*(flowlog **)ctx, "stopped: database full");
    return 1;
}

static void test_callback_stop_keeps_message(void **state)
{
    (void)state;
    flowlog *p = NULL;
    p = flowlog_new(stopper, &p);
    assert_int_equal(flowlog_feed(p, (const unsigned char *)vnet, strlen(vnet)), -1);
    assert_string_equal(flowlog_error(p), "stopped: database full");
    flowlog_free(p);
}

/* Records around a nested {"records":[...]} each start at chunk 0. */
static int chunk_checker(void *ctx, const struct fl_record *r)
{
    int *bad = ctx;
    if (r->chunk != 0 || !r->final)
        (*bad)++;
    return 0;
}

static void test_nested_records_chunks(void **state)
{
    (void)state;
    const char *text =
        "{\"records\":[{\"records\":[{\"category\":\"FlowLogFlowEvent\"},"
        "{\"category\":\"FlowLogFlowEvent\"}]},{\"category\":\"FlowLogFlowEvent\"}]}";
    int bad = 0;
    flowlog *p = flowlog_new(chunk_checker, &bad);
    assert_int_equal(flowlog_feed(p, (const unsigned char *)text, strlen(text)), 0);
    assert_int_equal(flowlog_finish(p), 0);
    assert_int_equal(bad, 0);
    flowlog_free(p);
}

static void test_long_padding_and_empty_tuple(void **state)
{
    (void)state;
    /* NUL padding longer than any token limit, fed whole and chunked */
    size_t pad = FLOWLOG_MAX_TOKEN + 10, n = strlen(vnet);
    char *text = malloc(n + pad);
    assert_non_null(text);
    memcpy(text, vnet, n);
    memset(text + n, 0, pad);
    struct seen s;
    assert_int_equal(feed(text, n + pad, 0, &s, NULL), 0);
    assert_int_equal(s.tuples, 2);
    assert_int_equal(feed(text, n + pad, 4096, &s, NULL), 0);
    free(text);
    /* an empty tuple string first in a record (nothing buffered yet) */
    const char *empty = "{\"records\":[{\"category\":\"NetworkSecurityGroupFlowEvent\","
                        "\"properties\":{\"Version\":2,\"flows\":[{\"rule\":\"R\",\"flows\":"
                        "[{\"mac\":\"M\",\"flowTuples\":[\"\"]}]}]}}]}";
    assert_int_equal(feed_all_ways(empty, &s), 0);
    assert_int_equal(s.tuples, 1);
    /* an earlier syntax error wins over a later over-long token, however fed */
    size_t big = FLOWLOG_MAX_TOKEN + 100;
    text = malloc(big + 64);
    assert_non_null(text);
    n = (size_t)sprintf(text, "{\"records\":[}, \"");
    memset(text + n, 'a', big);
    n += big;
    flowlog *p;
    assert_int_equal(feed(text, n, 0, &s, &p), -1);
    assert_non_null(strstr(flowlog_error(p), "invalid JSON"));
    flowlog_free(p);
    assert_int_equal(feed(text, n, 7, &s, &p), -1);
    assert_non_null(strstr(flowlog_error(p), "invalid JSON"));
    flowlog_free(p);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nsg_versions_mixed),
        cmocka_unit_test(test_vnet),
        cmocka_unit_test(test_padding_bom_and_whitespace),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_truncation_keeps_complete_records),
        cmocka_unit_test(test_not_a_flow_log),
        cmocka_unit_test(test_stray_nested_records),
        cmocka_unit_test(test_strings_made_valid),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_huge_record_comes_in_chunks),
        cmocka_unit_test(test_callback_stop_keeps_message),
        cmocka_unit_test(test_nested_records_chunks),
        cmocka_unit_test(test_long_padding_and_empty_tuple),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
