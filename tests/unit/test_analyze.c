/* test_analyze.c: the analyzers' building blocks: address prefixes, the
 * service-tag snapshot and its range index, `tags import`, the merging and
 * matching of the APIM requirements, scanners and refused clients on the
 * clients' ports, and command-line times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/findings_int.h"
#include "analyze/requirements.h"
#include "analyze/scan.h"
#include "analyze/tags.h"
#include "common/timearg.h"
#include "ingest/ipaddr.h"
#include "ingest/tuple.h"
#include "schema/db.h"

static struct ip_addr addr(const char *s)
{
    struct ip_addr a;
    assert_int_equal(ip_parse(s, strlen(s), &a), 0);
    return a;
}

static void test_prefixes(void **state)
{
    (void)state;
    struct ip_addr f, l, a;
    assert_int_equal(ip_prefix_parse("10.20.1.0/24", 12, &f, &l), 0);
    a = addr("10.20.1.77");
    assert_true(ip_in_range(&a, &f, &l));
    a = addr("10.20.2.1");
    assert_false(ip_in_range(&a, &f, &l));
    assert_int_equal(ip_prefix_parse("10.20.1.5/0", 11, &f, &l), 0);
    a = addr("255.1.2.3");
    assert_true(ip_in_range(&a, &f, &l));
    assert_int_equal(ip_prefix_parse("2603:1000::/40", 14, &f, &l), 0);
    a = addr("2603:1000:ff::1");
    assert_true(ip_in_range(&a, &f, &l));
    a = addr("2603:1001::1");
    assert_false(ip_in_range(&a, &f, &l));
    a = addr("10.0.0.1"); /* another family is never inside */
    assert_false(ip_in_range(&a, &f, &l));
    assert_int_equal(ip_prefix_parse("1.2.3.4", 7, &f, &l), 0); /* a /32 */
    a = addr("1.2.3.4");
    assert_true(ip_in_range(&a, &f, &l));
    const char *bad[] = {"10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "::/129", "x/8", "10.0.0.0/8x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ip_prefix_parse(bad[i], strlen(bad[i]), &f, &l) == 0)
            fail_msg("'%s' parsed as a prefix", bad[i]);
}

/* A fresh database with the current schema, in a temp file. */
static sqlite3 *new_db(char *path)
{
    snprintf(path, 64, "/tmp/nsgflow-unit-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    sqlite3 *db;
    char err[300];
    if (db_open(path, 0, 1000, &db, err, sizeof err) != 0)
        fail_msg("%s", err);
    return db;
}

static void drop_db(sqlite3 *db, const char *path)
{
    sqlite3_close(db);
    char p[80];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static void test_snapshot_and_index(void **state)
{
    (void)state;
    char path[64], err[300];
    sqlite3 *db = new_db(path);
    struct tag_source src;
    assert_int_equal(tags_ensure(db, &src, err, sizeof err), 0);
    assert_string_equal(src.origin, "built-in snapshot");
    assert_int_equal(src.change_number, 375);
    assert_string_equal(src.published, "2025-11-01");
    tags_index *ix = tags_index_load(db, err, sizeof err);
    assert_non_null(ix);
    for (int t = 0; t < TAG_DATA_COUNT; t++)
        if (tags_index_count(ix, t) == 0)
            fail_msg("no prefixes for %s", tag_name(t));
    struct ip_addr a = addr("52.162.110.80"); /* a control-plane address */
    uint32_t m = tags_lookup(ix, &a);
    assert_true(m & (1u << TAG_API_MANAGEMENT));
    assert_true(m & (1u << TAG_AZURE_CLOUD));
    assert_false(m & (1u << TAG_SQL));
    a = addr("4.144.9.10"); /* inside Sql's 4.144.9.0/26 */
    assert_true(tags_lookup(ix, &a) & (1u << TAG_SQL));
    a = addr("4.144.9.70"); /* inside the adjacent 4.144.9.64/27 */
    assert_true(tags_lookup(ix, &a) & (1u << TAG_SQL));
    a = addr("4.144.9.96"); /* just after both */
    assert_false(tags_lookup(ix, &a) & (1u << TAG_SQL));
    a = addr("13.65.107.40"); /* Storage's 13.65.107.32/28 */
    assert_true(tags_lookup(ix, &a) & (1u << TAG_STORAGE));
    assert_false(tags_lookup(ix, &a) & (1u << TAG_SQL));
    a = addr("8.8.8.8");
    assert_int_equal(tags_lookup(ix, &a), 0);
    a = addr("168.63.129.16"); /* the platform address is in no tag file */
    assert_int_equal(tags_lookup(ix, &a), 0);
    tags_index_free(ix);
    /* a second call keeps what is there */
    assert_int_equal(tags_ensure(db, &src, err, sizeof err), 0);
    assert_string_equal(src.origin, "built-in snapshot");
    drop_db(db, path);
}

static void test_tags_import(void **state)
{
    (void)state;
    char path[64], err[300];
    sqlite3 *db = new_db(path);
    char file[] = "/tmp/ServiceTags_Public_20261102.json";
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("{\"changeNumber\": 401, \"cloud\": \"Public\", \"values\": [\n"
          " {\"name\": \"Sql\", \"id\": \"Sql\", \"properties\": {\"changeNumber\": 7,"
          "  \"region\": \"\", \"systemService\": \"AzureSQL\", \"addressPrefixes\":"
          "  [\"192.0.2.0/25\", \"2001:db8:5::/48\"], \"networkFeatures\": [\"NSG\"]}},\n"
          " {\"properties\": {\"addressPrefixes\": [\"198.51.100.0/24\"], \"region\": \"westeurope\"},"
          "  \"name\": \"Storage.WestEurope\"},\n"
          " {\"name\": \"Storage\", \"properties\": {\"addressPrefixes\": [\"198.51.100.0/24\","
          "  \"198.51.101.0/24\"]}}]}\n", f);
    fclose(f);
    long n = 0;
    if (tags_import(db, file, &n, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(n, 5);
    struct tag_source src;
    assert_int_equal(tags_ensure(db, &src, err, sizeof err), 0);
    assert_int_equal(src.change_number, 401);
    assert_string_equal(src.published, "2026-11-02");
    assert_string_equal(src.origin, file);
    tags_index *ix = tags_index_load(db, err, sizeof err);
    struct ip_addr a = addr("192.0.2.100");
    assert_int_equal(tags_lookup(ix, &a), 1u << TAG_SQL);
    a = addr("192.0.2.200");
    assert_int_equal(tags_lookup(ix, &a), 0);
    a = addr("2001:db8:5:ffff::1");
    assert_int_equal(tags_lookup(ix, &a), 1u << TAG_SQL);
    a = addr("198.51.101.255"); /* adjacent ranges merged */
    assert_int_equal(tags_lookup(ix, &a), 1u << TAG_STORAGE);
    tags_index_free(ix);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT region FROM service_tag WHERE name = 'Storage.WestEurope'",
                       -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "westeurope");
    sqlite3_finalize(st);

    /* a broken file changes nothing */
    f = fopen(file, "w");
    fputs("{\"changeNumber\": 402, \"values\": [{\"name\": \"Sql\", \"properties\":"
          " {\"addressPrefixes\": [\"not-a-prefix\"]}}]}", f);
    fclose(f);
    assert_int_equal(tags_import(db, file, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an address prefix: 'not-a-prefix'"));
    assert_int_equal(tags_ensure(db, &src, err, sizeof err), 0);
    assert_int_equal(src.change_number, 401);
    f = fopen(file, "w");
    fputs("{\"changeNumber\": 403, \"values\": [", f); /* cut short */
    fclose(f);
    assert_int_equal(tags_import(db, file, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "invalid JSON"));
    f = fopen(file, "w");
    fputs("{\"records\": []}", f);
    fclose(f);
    assert_int_equal(tags_import(db, file, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a service-tags file"));
    assert_int_equal(tags_ensure(db, &src, err, sizeof err), 0);
    assert_int_equal(src.change_number, 401);
    unlink(file);
    drop_db(db, path);
}

static const struct requirement *match(const struct requirements *r, int dir, int proto,
                                       int port, struct remote_info ri, int *conf)
{
    return requirements_match(r, dir, proto, port, &ri, conf);
}

/* The index's ranges at their edges: each family apart, ranges merged
 * when they overlap, nest or touch (the last IPv4 address included), a
 * gap kept, a tag named in another case found. */
static void test_tags_index_ranges(void **state)
{
    (void)state;
    char path[64], err[300];
    sqlite3 *db = new_db(path);
    char file[] = "/tmp/ServiceTags_Public_20261103.json";
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("{\"changeNumber\": 404, \"values\": [\n"
          " {\"name\": \"sql\", \"properties\": {\"addressPrefixes\": [\"255.255.255.128/25\","
          "  \"255.255.255.0/24\", \"255.255.254.0/24\", \"10.0.0.0/8\", \"10.1.0.0/16\","
          "  \"10.0.0.0/32\", \"12.0.0.0/8\", \"2001:db8:6::/48\", \"2001:db8:5::/48\","
          "  \"2001:db8:8::/48\", \"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120\"]}},\n"
          " {\"name\": \"Storage\", \"properties\": {\"addressPrefixes\": [\"0.0.0.0/1\"]}}]}\n", f);
    fclose(f);
    long n = 0;
    if (tags_import(db, file, &n, err, sizeof err) != 0)
        fail_msg("%s", err);
    unlink(file);
    tags_index *ix = tags_index_load(db, err, sizeof err);
    assert_non_null(ix);
    /* 255.255.254.0-255.255.255.255, 10/8, 12/8; 2001:db8:5-6::, 2001:db8:8::, ff..ff00/120 */
    assert_int_equal(tags_index_count(ix, TAG_SQL), 6);
    assert_int_equal(tags_index_count(ix, TAG_STORAGE), 1);
    const char *in_sql[] = {"255.255.254.0", "255.255.255.127", "255.255.255.255", "10.255.255.255",
                            "12.0.0.0", "2001:db8:5:ffff:ffff:ffff:ffff:ffff", "2001:db8:6::",
                            "2001:db8:8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"};
    const char *not_sql[] = {"255.255.253.255", "11.0.0.0", "9.255.255.255", "13.0.0.0",
                             "2001:db8:7::", "2001:db8:4:ffff:ffff:ffff:ffff:ffff", "::",
                             "::ffff:10.0.0.1"};
    for (size_t i = 0; i < sizeof in_sql / sizeof in_sql[0]; i++) {
        struct ip_addr a = addr(in_sql[i]);
        if (!(tags_lookup(ix, &a) & (1u << TAG_SQL)))
            fail_msg("%s not found in Sql", in_sql[i]);
    }
    for (size_t i = 0; i < sizeof not_sql / sizeof not_sql[0]; i++) {
        struct ip_addr a = addr(not_sql[i]);
        if (tags_lookup(ix, &a) & (1u << TAG_SQL))
            fail_msg("%s found in Sql", not_sql[i]);
    }
    struct ip_addr a = addr("10.0.0.1");
    assert_int_equal(tags_lookup(ix, &a), (1u << TAG_SQL) | (1u << TAG_STORAGE));
    a = addr("128.0.0.0");
    assert_int_equal(tags_lookup(ix, &a), 0);
    tags_index_free(ix);
    drop_db(db, path);
}

static void test_requirements(void **state)
{
    (void)state;
    char path[64], err[300];
    sqlite3 *db = new_db(path);
    struct requirements r;
    assert_int_equal(requirements_load(db, NULL, NULL, &r, err, sizeof err), 0);
    int conf;
    struct remote_info sql = {.tags = 1u << TAG_SQL | 1u << TAG_AZURE_CLOUD};
    const struct requirement *q = match(&r, DIRECTION_OUTBOUND, 6, 1433, sql, &conf);
    assert_non_null(q);
    assert_string_equal(q->remote, "Sql");
    assert_true(q->required);
    assert_int_equal(conf, CONF_HIGH);
    assert_non_null(strstr(q->docs, "2025-06-17 stv2 required"));
    assert_non_null(strstr(q->docs, "2021-04-12"));
    /* 1433 to an address outside Sql: not a requirement */
    struct remote_info other = {.tags = 1u << TAG_AZURE_CLOUD};
    assert_null(match(&r, DIRECTION_OUTBOUND, 6, 1433, other, &conf));
    /* the same port inbound, or over UDP: no */
    assert_null(match(&r, DIRECTION_INBOUND, 6, 1433, sql, &conf));
    assert_null(match(&r, DIRECTION_OUTBOUND, 17, 1433, sql, &conf));
    /* 443 to Storage is Storage, not the wider AzureCloud */
    struct remote_info storage = {.tags = 1u << TAG_STORAGE | 1u << TAG_AZURE_CLOUD};
    q = match(&r, DIRECTION_OUTBOUND, 6, 443, storage, &conf);
    assert_string_equal(q->remote, "Storage");
    /* 443 to a public address in no tag: only the named endpoints, weakly */
    struct remote_info public_ = {0};
    q = match(&r, DIRECTION_OUTBOUND, 6, 443, public_, &conf);
    assert_non_null(q);
    assert_string_equal(q->remote, "FQDN");
    assert_int_equal(conf, CONF_LOW);
    /* the probe: port 6390 wins over the 2021 any-port row */
    struct remote_info lb = {.is_lb = 1};
    q = match(&r, DIRECTION_INBOUND, 6, 6390, lb, &conf);
    assert_string_equal(q->ports, "6390");
    assert_true(q->required);
    assert_int_equal(conf, CONF_HIGH);
    q = match(&r, DIRECTION_INBOUND, 6, 22, lb, &conf);
    assert_string_equal(q->ports, "*");
    /* a scanner on 22: nothing */
    assert_null(match(&r, DIRECTION_INBOUND, 6, 22, public_, &conf));
    /* rate-limit sync between instances */
    struct remote_info peer = {.is_private = 1};
    q = match(&r, DIRECTION_INBOUND, 17, 4290, peer, &conf);
    assert_string_equal(q->remote, "VirtualNetwork");
    assert_int_equal(conf, CONF_MEDIUM);
    assert_false(q->required);
    /* management from the control plane, by list or by tag */
    struct remote_info cp = {.is_control_plane = 1};
    q = match(&r, DIRECTION_INBOUND, 6, 3443, cp, &conf);
    assert_string_equal(q->remote, "ApiManagement");
    assert_null(match(&r, DIRECTION_INBOUND, 6, 3443, public_, &conf));
    /* AzureMonitor 1886: required since the 2025 docs */
    struct remote_info monitor = {.tags = 1u << TAG_AZURE_MONITOR};
    q = match(&r, DIRECTION_OUTBOUND, 6, 1886, monitor, &conf);
    assert_true(q->required);
    /* clients from the Internet: External mode only, the clients' ports */
    q = match(&r, DIRECTION_INBOUND, 6, 443, public_, &conf);
    assert_string_equal(q->remote, "Internet");
    assert_true(q->external_only);
    assert_true(q->clients);
    assert_string_equal(q->ports, "80,443");
    assert_ptr_equal(match(&r, DIRECTION_INBOUND, 6, 80, public_, &conf), q);
    /* no other row is the clients': outbound 80 to the Internet (CRL),
     * Traffic Manager on 443 (External too, but a service tag) */
    size_t nclients = 0;
    for (size_t i = 0; i < r.n; i++)
        nclients += r.v[i].clients != 0;
    assert_int_equal(nclients, 1);
    q = match(&r, DIRECTION_OUTBOUND, 6, 80, public_, &conf);
    assert_string_equal(q->remote, "Internet");
    assert_false(q->clients);
    struct remote_info tm = {.tags = 1u << TAG_TRAFFIC_MANAGER};
    q = match(&r, DIRECTION_INBOUND, 6, 443, tm, &conf);
    assert_string_equal(q->remote, "AzureTrafficManager");
    assert_true(q->external_only);
    assert_false(q->clients);
    /* host names in a tag (fqdn_service_tag): Entra's sign-in endpoints,
     * "<region>.login.microsoft.com" by its pattern, are
     * AzureActiveDirectory's; the CRL hosts are in no tag */
    int entra = 0, crl = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (r.v[i].id == 76) {
            assert_string_equal(r.v[i].fqdn_tag, "AzureActiveDirectory");
            entra = 1;
        } else if (r.v[i].id == 75) {
            assert_string_equal(r.v[i].fqdn_tag, "");
            crl = 1;
        }
    }
    assert_true(entra && crl);
    requirements_free(&r);

    /* stv1 only: the 2025 table is stv2, so AzureMonitor is optional */
    assert_int_equal(requirements_load(db, "stv1", NULL, &r, err, sizeof err), 0);
    q = match(&r, DIRECTION_OUTBOUND, 6, 1886, monitor, &conf);
    assert_non_null(q);
    assert_false(q->required);
    assert_null(strstr(q->docs, "2025"));
    requirements_free(&r);
    /* internal mode: no client rows */
    assert_int_equal(requirements_load(db, NULL, "internal", &r, err, sizeof err), 0);
    assert_null(match(&r, DIRECTION_INBOUND, 6, 443, public_, &conf));
    requirements_free(&r);
    drop_db(db, path);
}

/* Who is a scanner, and who a refused client, on the clients' ports. */
static void test_client_verdict(void **state)
{
    (void)state;
    /* 3 distinct ports make a scanner, 2 do not */
    struct source_note n = {.connections = 3, .nports = 2, .ports = {80, 22}, .nics = 1};
    assert_false(scan_is_scanner(&n));
    n.nports = 3;
    assert_true(scan_is_scanner(&n));
    /* 8 NICs make a scanner, 7 do not (bits of NIC id mod 16) */
    struct source_note h = {.connections = 8, .nports = 1, .ports = {80}, .nics = 0x7f};
    assert_false(scan_is_scanner(&h));
    h.nics = 0xff;
    assert_true(scan_is_scanner(&h));
    h.nics = 0x8421 | 0x1248; /* 8 bits spread over the 16 */
    assert_true(scan_is_scanner(&h));
    assert_false(scan_is_scanner(NULL));
    /* a scanner stays one though it retried and called 443 */
    assert_int_equal(client_verdict(&n, 5, 2, 1), SOURCE_SCANNER);
    assert_int_equal(client_verdict(&h, 4, 1, 0), SOURCE_SCANNER);
    /* a client: 4 or more SYNs, a second connection, or another of the
     * requirement's ports */
    struct source_note one = {.connections = 1, .nports = 1, .ports = {80}, .nics = 1};
    assert_int_equal(client_verdict(&one, 4, 1, 0), SOURCE_CLIENT);
    assert_int_equal(client_verdict(&one, 2, 2, 0), SOURCE_CLIENT);
    assert_int_equal(client_verdict(&one, 1, 1, 1), SOURCE_CLIENT);
    assert_int_equal(client_verdict(NULL, 7, 1, 0), SOURCE_CLIENT);
    /* up to 3 SYNs in one connection (a connect() that gave up), nothing
     * else: set aside */
    assert_int_equal(client_verdict(&one, 1, 1, 0), SOURCE_ONE_SYN);
    assert_int_equal(client_verdict(&one, 3, 1, 0), SOURCE_ONE_SYN);
    struct source_note two = {.connections = 2, .nports = 2, .ports = {80, 22}, .nics = 1};
    assert_int_equal(client_verdict(&two, 1, 1, 0), SOURCE_ONE_SYN);
}

static void test_times(void **state)
{
    (void)state;
    int64_t t;
    time_t now = 1800000000;
    assert_int_equal(time_arg_parse("2026-11-01", now, &t), 0);
    assert_int_equal(t, 1793491200);
    assert_int_equal(time_arg_parse("2026-11-01T10:00", now, &t), 0);
    assert_int_equal(t, 1793491200 + 36000);
    assert_int_equal(time_arg_parse("2026-11-01T10:00:05Z", now, &t), 0);
    assert_int_equal(t, 1793491200 + 36005);
    assert_int_equal(time_arg_parse("2026-11-01T10:00:05.1234567Z", now, &t), 0);
    assert_int_equal(time_arg_parse("2026-11-01 10:00:05+00:00", now, &t), 0);
    assert_int_equal(t, 1793491200 + 36005);
    assert_int_equal(time_arg_parse("24h", now, &t), 0);
    assert_int_equal(t, now - 86400);
    assert_int_equal(time_arg_parse("7d", now, &t), 0);
    assert_int_equal(t, now - 7 * 86400);
    assert_int_equal(time_arg_parse("30m", now, &t), 0);
    assert_int_equal(t, now - 1800);
    const char *bad[] = {"", "yesterday", "2026-13-01", "2026-11-01T25:00", "24x", "h",
                         "-5h", "2026-11-01Tnoon", "2026-11-01T10:00+2:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (time_arg_parse(bad[i], now, &t) == 0)
            fail_msg("'%s' parsed as a time", bad[i]);
    char buf[24];
    time_format(1793491200 + 36005, buf);
    assert_string_equal(buf, "2026-11-01T10:00:05Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_snapshot_and_index),
        cmocka_unit_test(test_tags_import),
        cmocka_unit_test(test_tags_index_ranges),
        cmocka_unit_test(test_requirements),
        cmocka_unit_test(test_client_verdict),
        cmocka_unit_test(test_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
