/* test_pathmeta.c: path metadata, blob identity and blob key for the path
 * shapes Azure writes, the download layouts, the ones its docs show, and
 * paths that have none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define BLOB_NAME                                                             \
    "resourceId=/SUBSCRIPTIONS/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/"         \
    "RESOURCEGROUPS/RG-APIM/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/" \
    "NSG-APIM/y=2026/m=11/d=28/h=09/m=00/macAddress=000D3AF87856/PT1H.json"

static void test_identity(void **state)
{
    (void)state;
    char a[4096], b[4096];
    /* azcopy keeps the container's folder: the identity is the blob's name */
    assert_int_equal(blob_identity(NSG_PATH, a, sizeof a), 0);
    assert_string_equal(a, BLOB_NAME);
    /* az storage blob download-batch -d DIR does not: the same name */
    assert_int_equal(blob_identity("/home/u/dl/" BLOB_NAME, b, sizeof b), 0);
    assert_string_equal(b, BLOB_NAME);
    /* a relative path, doubled and Windows separators, any case, gzip */
    assert_int_equal(blob_identity("dl\\\\" BLOB_NAME ".GZ", b, sizeof b), 0);
    assert_string_equal(b, BLOB_NAME);
    assert_int_equal(blob_identity("x//RESOURCEID=/S//y/PT1H.json", b, sizeof b), 0);
    assert_string_equal(b, "RESOURCEID=/S/y/PT1H.json");
    /* VNet flow logs: from flowLogResourceID= on */
    assert_int_equal(blob_identity("/d/insights-logs-flowlogflowevent/flowLogResourceID=/S_RG/"
                                   "NETWORKWATCHER_EASTUS_FL/y=2025/m=01/d=02/h=23/m=00/"
                                   "macAddress=00224871C205/PT1H.json.gz", a, sizeof a), 0);
    assert_string_equal(a, "flowLogResourceID=/S_RG/NETWORKWATCHER_EASTUS_FL/y=2025/m=01/"
                           "d=02/h=23/m=00/macAddress=00224871C205/PT1H.json");
    /* the first such segment, not a later one */
    assert_int_equal(blob_identity("/a/resourceId=/b/flowLogResourceID=/c.json", b, sizeof b), 0);
    assert_string_equal(b, "resourceId=/b/flowLogResourceID=/c.json");
    /* no resourceId= segment: from the insights-logs-* folder on */
    assert_int_equal(blob_identity("/x/insights-logs-other/blob/PT1H.json", b, sizeof b), 0);
    assert_string_equal(b, "insights-logs-other/blob/PT1H.json");
    /* a segment that merely contains the words is none: no identity */
    assert_int_equal(blob_identity("/x/my-insights-logs-copy/a-resourceId=/f.json", b, sizeof b), 0);
    assert_string_equal(b, "");
    assert_int_equal(blob_identity("/tmp/nic1-h10.json.gz", b, sizeof b), 0);
    assert_string_equal(b, "");
    /* too small a buffer */
    assert_int_equal(blob_identity(NSG_PATH, a, 20), -1);
    /* which identities are names */
    assert_int_equal(identity_is_path(BLOB_NAME), 1);
    assert_int_equal(identity_is_path("FLOWLOGRESOURCEID=/x"), 1);
    assert_int_equal(identity_is_path("insights-logs-other/x"), 1);
    assert_int_equal(identity_is_path("content:/SUBSCRIPTIONS/S"), 0);
    assert_int_equal(identity_is_path("stdin:crc32:00000000:0"), 0);
    assert_int_equal(identity_is_path("/abs/path.json"), 0);
}

static void test_blob_key(void **state)
{
    (void)state;
    char k[BLOB_KEY_MAX], id[BLOB_IDENTITY_MAX];
    /* resource id in upper case, MAC normalised, time as written */
    assert_int_equal(blob_key_of("/subscriptions/s/resourceGroups/rg/providers/"
                                 "Microsoft.Network/networkSecurityGroups/nsg",
                                 "00-0d-3a-f8-78-56", "2026-11-01T10:00:32.8950000Z",
                                 k, sizeof k), 0);
    assert_string_equal(k, "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/"
                           "NETWORKSECURITYGROUPS/NSG/macAddress=000D3AF87856/"
                           "time=2026-11-01T10:00:32.8950000Z");
    content_identity(k, "crc32:1a2b3c4d:10", 1, id, sizeof id);
    assert_string_equal(id, "content:/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/"
                            "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG/"
                            "macAddress=000D3AF87856/time=2026-11-01T10:00:32.8950000Z");
    /* a record without a MAC still has a key */
    assert_int_equal(blob_key_of("/S/FL", "", "t", k, sizeof k), 0);
    assert_string_equal(k, "/S/FL/macAddress=/time=t");
    /* without a resource id or a time, or too long: no key */
    assert_int_equal(blob_key_of("", "000D3AF87856", "t", k, sizeof k), -1);
    assert_string_equal(k, "");
    assert_int_equal(blob_key_of("/S/FL", "000D3AF87856", "", k, sizeof k), -1);
    assert_int_equal(blob_key_of("/S/FL", "000D3AF87856", "t", k, 20), -1);
    assert_string_equal(k, "");
    /* no key: the fingerprint, by where it came from */
    content_identity("", "crc32:1a2b3c4d:10", 1, id, sizeof id);
    assert_string_equal(id, "stdin:crc32:1a2b3c4d:10");
    content_identity(NULL, "crc32:1a2b3c4d:10", 0, id, sizeof id);
    assert_string_equal(id, "file:crc32:1a2b3c4d:10");
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
        cmocka_unit_test(test_blob_key),
        cmocka_unit_test(test_mac_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
