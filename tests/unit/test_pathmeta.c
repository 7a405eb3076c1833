/* test_pathmeta.c: path metadata and blob identity for the path shapes
 * Azure writes, the ones its docs show, and paths that have none. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ingest/pathmeta.h"

#define NSG_PATH                                                              \
    "/data/dl/insights-logs-networksecuritygroupflowevent/resourceId=/"       \
    "SUBSCRIPTIONS/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/RESOURCEGROUPS/"      \
    "RG-APIM/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-APIM/"     \
    "y=2026/m=11/d=28/h=09/m=00/macAddress=000D3AF87856/PT1H.json"

static void test_nsg_path(void **state)
{
    (void)state;
    struct path_meta m;
    path_meta_parse(NSG_PATH, &m);
    assert_string_equal(m.subscription, "AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E");
    assert_string_equal(m.resource_group, "RG-APIM");
    assert_string_equal(m.nsg, "NSG-APIM");
    assert_string_equal(m.flow_log, "");
    assert_string_equal(m.mac, "000D3AF87856");
    assert_string_equal(m.hour, "2026-11-28T09:00:00Z"); /* m=00 is the minute */
}

static void test_vnet_paths(void **state)
{
    (void)state;
    struct path_meta m;
    path_meta_parse("insights-logs-flowlogflowevent/flowLogResourceID=/"
                    "00000000-0000-0000-0000-000000000000_NETWORKWATCHERRG/"
                    "NETWORKWATCHER_EASTUS_MYVNETFLOWLOG/y=2025/m=01/d=02/h=23/"
                    "m=00/macAddress=00-22-48-71-c2-05/PT1H.json", &m);
    assert_string_equal(m.subscription, "00000000-0000-0000-0000-000000000000");
    assert_string_equal(m.resource_group, "NETWORKWATCHERRG");
    assert_string_equal(m.flow_log, "MYVNETFLOWLOG");
    assert_string_equal(m.mac, "00224871C205");
    assert_string_equal(m.hour, "2025-01-02T23:00:00Z");

    /* the docs' other shape: the flow log's full resource id */
    path_meta_parse("insights-logs-flowlogflowevent/flowLogResourceID=/SUBSCRIPTIONS/"
                    "S1/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/"
                    "NETWORKWATCHERS/NETWORKWATCHER_EASTUS/FLOWLOGS/FL1/y=2025/m=02/"
                    "d=03/h=04/m=00/macAddress=AABBCCDDEEFF/PT1H.json", &m);
    assert_string_equal(m.subscription, "S1");
    assert_string_equal(m.resource_group, "NETWORKWATCHERRG");
    assert_string_equal(m.flow_log, "FL1");
    assert_string_equal(m.hour, "2025-02-03T04:00:00Z");
}

static void test_path_without_metadata(void **state)
{
    (void)state;
    struct path_meta m;
    path_meta_parse("/tmp/some file.json", &m);
    assert_string_equal(m.subscription, "");
    assert_string_equal(m.hour, "");
    path_meta_parse("", &m);
    assert_string_equal(m.mac, "");
    /* nonsense dates give no hour */
    path_meta_parse("x/y=2026/m=13/d=01/h=00/PT1H.json", &m);
    assert_string_equal(m.hour, "");
    /* lower-case names are still understood */
    path_meta_parse("resourceId=/subscriptions/s/resourceGroups/rg/providers/"
                    "Microsoft.Network/networkSecurityGroups/n/y=2026/m=1/d=2/h=3/"
                    "m=00/macaddress=0a0b0c0d0e0f/PT1H.json", &m);
    assert_string_equal(m.nsg, "n");
    assert_string_equal(m.mac, "0A0B0C0D0E0F");
    assert_string_equal(m.hour, "2026-01-02T03:00:00Z");
}

static void test_identity(void **state)
{
    (void)state;
    char a[4096], b[4096];
    /* two downloads of one blob into different folders */
    assert_int_equal(blob_identity(NSG_PATH, a, sizeof a), 0);
    assert_int_equal(strncmp(a, "insights-logs-networksecuritygroupflowevent/", 44), 0);
    const char *elsewhere = strstr(NSG_PATH, "insights-logs-");
    char moved[4096];
    snprintf(moved, sizeof moved, "/other/place//%s", elsewhere);
    assert_int_equal(blob_identity(moved, b, sizeof b), 0);
    assert_string_equal(a, b);
    /* a gzipped copy is the same blob */
    char gz[4096];
    snprintf(gz, sizeof gz, "%s.gz", NSG_PATH);
    assert_int_equal(blob_identity(gz, b, sizeof b), 0);
    assert_string_equal(a, b);
    /* no insights-logs segment: the absolute path */
    char cwd[PATH_MAX], expect[PATH_MAX + 32];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(blob_identity("no-such-dir/../blob.json", b, sizeof b), 0);
    snprintf(expect, sizeof expect, "no-such-dir/../blob.json");
    assert_string_equal(b, expect); /* unresolvable: kept as given */
    assert_int_equal(blob_identity("Makefile", b, sizeof b), 0);
    snprintf(expect, sizeof expect, "%s/Makefile", cwd);
    assert_string_equal(b, expect);
    /* a segment that merely contains the word is not the start */
    assert_int_equal(blob_identity("/x/my-insights-logs-copy/f.json", b, sizeof b), 0);
    assert_int_equal(b[0], '/');
    /* too small a buffer */
    assert_int_equal(blob_identity(NSG_PATH, a, 20), -1);
}

static void test_mac_normalize(void **state)
{
    (void)state;
    char out[32];
    mac_normalize("00-0d-3a:f8.78-56", 17, out, sizeof out);
    assert_string_equal(out, "000D3AF87856");
    mac_normalize("abc", 3, out, 2);
    assert_string_equal(out, "A");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nsg_path),
        cmocka_unit_test(test_vnet_paths),
        cmocka_unit_test(test_path_without_metadata),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_mac_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
