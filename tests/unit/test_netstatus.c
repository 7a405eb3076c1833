/* test_netstatus.c: the parsing corners of the network-status analyzer:
 * the host and port of a dependency's name, as the portal writes them (a
 * URL with or without a port and a path, host:port, an internal name, an
 * IPv6 literal) and as nobody should (a port out of range, letters in it,
 * a name longer than the finding's room, cut at a character's start). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/netstatus.h"

static void endpoint(const char *name, const char *want_host, int want_port)
{
    char host[64];
    int port = -1;
    netstatus_endpoint(name, host, sizeof host, &port);
    assert_string_equal(host, want_host);
    assert_int_equal(port, want_port);
}

static void test_endpoint_as_the_portal_writes_it(void **state)
{
    (void)state;
    endpoint("https://kv-contoso-weu.vault.azure.net", "kv-contoso-weu.vault.azure.net", 0);
    endpoint("https://kv-contoso-weu.vault.azure.net/", "kv-contoso-weu.vault.azure.net", 0);
    endpoint("apimst.blob.core.windows.net", "apimst.blob.core.windows.net", 0);
    endpoint("https://shoebox3.prod.microsoftmetrics.com:1886/RecoveryService",
             "shoebox3.prod.microsoftmetrics.com", 1886);
    endpoint("https://apim.management.azure-api.net:3443/servicestatus?api-version=2018-01-01",
             "apim.management.azure-api.net", 3443);
    endpoint("smtpi-ch1.msn.com:25028", "smtpi-ch1.msn.com", 25028);
    endpoint("LocalGatewayRedis", "LocalGatewayRedis", 0);
    endpoint("https://[2001:db8::7]:443/x", "2001:db8::7", 443);
    endpoint("[2001:db8::7]", "2001:db8::7", 0);
}

static void test_endpoint_as_nobody_should(void **state)
{
    (void)state;
    endpoint("host:99999", "host", 0);   /* out of range */
    endpoint("host:0", "host", 0);
    endpoint("host:44a3", "host", 0);    /* not a number */
    endpoint("host:", "host", 0);
    endpoint("", "", 0);
    endpoint("https://", "https://", 0); /* no host: the name as given */
    endpoint(":443", ":443", 443);       /* no host before the port */
    endpoint("https://x.example?q=a:1", "x.example", 0);
    /* 70 bytes: cut to 63, and never inside a character (é is 2 bytes) */
    char name[80];
    memset(name, 'a', 62);
    strcpy(name + 62, "\xc3\xa9xxxxxx");
    char host[64];
    int port;
    netstatus_endpoint(name, host, sizeof host, &port);
    assert_int_equal(strlen(host), 62);
    assert_int_equal(port, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoint_as_the_portal_writes_it),
        cmocka_unit_test(test_endpoint_as_nobody_should),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
