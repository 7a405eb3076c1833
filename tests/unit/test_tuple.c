/* test_tuple.c: the tuple parser and the address parser, field by field,
 * for every format and the corners formats.md lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/ipaddr.h"
#include "ingest/tuple.h"

static int parse(const char *s, enum flow_format f, struct flow_tuple *t,
                 char *why)
{
    return tuple_parse(s, strlen(s), f, t, why);
}

static void ip_text(const struct ip_addr *a, char *buf)
{
    ip_format(a, buf);
}

static void test_v1(void **state)
{
    (void)state;
    struct flow_tuple t;
    char why[TUPLE_WHY_MAX], ip[IP_TEXT_MAX];
    assert_int_equal(parse("1531917335,122.222.24.18,10.0.0.4,61691,3128,T,I,D",
                           FORMAT_NSG_V1, &t, why), 0);
    assert_int_equal(t.ts, 1531917335);
    assert_int_equal(t.ms, -1);
    ip_text(&t.src, ip);
    assert_string_equal(ip, "122.222.24.18");
    ip_text(&t.dst, ip);
    assert_string_equal(ip, "10.0.0.4");
    assert_int_equal(t.src_port, 61691);
    assert_int_equal(t.dst_port, 3128);
    assert_int_equal(t.protocol, 6);
    assert_int_equal(t.direction, DIRECTION_INBOUND);
    assert_int_equal(t.action, ACTION_DENY);
    assert_int_equal(t.state, 0);
    assert_int_equal(t.has_counters, 0);
    assert_int_equal(t.encryption_len, 0);

    assert_int_equal(parse("1531917387,10.0.0.4,13.79.239.69,123,123,U,O,A",
                           FORMAT_NSG_V1, &t, why), 0);
    assert_int_equal(t.protocol, 17);
    assert_int_equal(t.direction, DIRECTION_OUTBOUND);
    assert_int_equal(t.action, ACTION_ALLOW);
}

static void test_v2_begin_has_no_counters(void **state)
{
    (void)state;
    struct flow_tuple t;
    char why[TUPLE_WHY_MAX];
    assert_int_equal(parse("1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,",
                           FORMAT_NSG_V2, &t, why), 0);
    assert_int_equal(t.state, 'B');
    assert_int_equal(t.has_counters, 0);
    assert_int_equal(t.action, ACTION_DENY);
}

static void test_v2_counters(void **state)
{
    (void)state;
    struct flow_tuple t;
    char why[TUPLE_WHY_MAX];
    assert_int_equal(parse("1542110379,10.5.16.4,13.67.143.115,44931,443,T,O,A,C,30,16978,24,14008",
                           FORMAT_NSG_V2, &t, why), 0);
    assert_int_equal(t.state, 'C');
    assert_int_equal(t.has_counters, 1);
    assert_int_equal(t.counters[0], 30);
    assert_int_equal(t.counters[1], 16978);
    assert_int_equal(t.counters[2], 24);
    assert_int_equal(t.counters[3], 14008);
    /* counters above 32 bits survive */
    assert_int_equal(parse("1542110379,10.5.16.4,13.67.143.115,44931,443,T,O,A,E,5000000000,9000000000000,0,0",
                           FORMAT_NSG_V2, &t, why), 0);
    assert_true(t.counters[0] == 5000000000LL);
    assert_true(t.counters[1] == 9000000000000LL);
}

static void test_vnet(void **state)
{
    (void)state;
    struct flow_tuple t;
    char why[TUPLE_WHY_MAX];
    assert_int_equal(parse("1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX,3,767,2,1580",
                           FORMAT_VNET_V4, &t, why), 0);
    assert_int_equal(t.ts, 1663146003);   /* milliseconds split */
    assert_int_equal(t.ms, 606);
    assert_int_equal(t.protocol, 6);
    assert_int_equal(t.direction, DIRECTION_OUTBOUND); /* field 7, not 8 */
    assert_int_equal(t.state, 'E');
    assert_int_equal(t.action, ACTION_ALLOW);
    assert_int_equal(t.encryption_len, 2);
    assert_memory_equal(t.encryption, "NX", 2);
    assert_int_equal(t.has_counters, 1);
    assert_int_equal(t.counters[3], 1580);

    /* D is the decision: denied */
    assert_int_equal(parse("1663145998065,101.33.218.153,10.0.0.6,55188,22,6,I,D,NX,0,0,0,0",
                           FORMAT_VNET_V4, &t, why), 0);
    assert_int_equal(t.action, ACTION_DENY);
    assert_int_equal(t.state, 'D');
    assert_int_equal(t.direction, DIRECTION_INBOUND);
    assert_int_equal(t.has_counters, 1); /* 0,0,0,0 are values */
    assert_int_equal(t.counters[0], 0);

    /* seconds instead of ms, empty counters, long encryption value */
    assert_int_equal(parse("1663146003,10.0.0.6,52.239.184.180,23956,443,17,O,B,NX_HW_NOT_SUPPORTED,,,,",
                           FORMAT_VNET_V4, &t, why), 0);
    assert_int_equal(t.ts, 1663146003);
    assert_int_equal(t.ms, -1);
    assert_int_equal(t.protocol, 17);
    assert_int_equal(t.has_counters, 0);
    assert_int_equal(t.encryption_len, strlen("NX_HW_NOT_SUPPORTED"));

    /* other IANA protocols */
    assert_int_equal(parse("1663146003000,10.0.0.6,10.0.0.7,0,0,1,O,B,X,0,0,0,0",
                           FORMAT_VNET_V4, &t, why), 0);
    assert_int_equal(t.protocol, 1);
}

static void test_ipv6(void **state)
{
    (void)state;
    struct flow_tuple t;
    char why[TUPLE_WHY_MAX], ip[IP_TEXT_MAX];
    assert_int_equal(parse("1663146003599,2603:1030:0:0::12,fe80::1,443,51000,6,I,B,NX,0,0,0,0",
                           FORMAT_VNET_V4, &t, why), 0);
    assert_int_equal(t.src.family, IP_V6);
    ip_text(&t.src, ip);
    assert_string_equal(ip, "2603:1030::12"); /* canonical form */
    ip_text(&t.dst, ip);
    assert_string_equal(ip, "fe80::1");
    /* IPv4-mapped and full forms */
    assert_int_equal(parse("1542110402,2001:0db8:0000:0000:0000:0000:0000:0001,10.0.0.1,1,2,T,I,A,B,,,,",
                           FORMAT_NSG_V2, &t, why), 0);
    ip_text(&t.src, ip);
    assert_string_equal(ip, "2001:db8::1");
}

static void expect_error(const char *tuple, enum flow_format f,
                         const char *fragment)
{
    struct flow_tuple t;
    char why[TUPLE_WHY_MAX] = "";
    assert_int_equal(parse(tuple, f, &t, why), -1);
    if (!strstr(why, fragment))
        fail_msg("tuple '%s': error '%s' lacks '%s'", tuple, why, fragment);
}

static void test_broken_tuples(void **state)
{
    (void)state;
    expect_error("1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D", FORMAT_NSG_V2,
                 "expected 13 fields, got 8");
    expect_error("1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,,", FORMAT_NSG_V2,
                 "expected 13 fields, got 14");
    expect_error("1,2,3", FORMAT_UNKNOWN, "expected 8 or 13 fields, got 3");
    expect_error("", FORMAT_NSG_V1, "expected 8 fields, got 1");
    expect_error("15421104x2,192.0.2.190,10.5.16.4,28746,443,U,I,D", FORMAT_NSG_V1,
                 "field 1 (timestamp)");
    /* 12 digits: neither plausible seconds nor milliseconds */
    expect_error("253402300799,10.0.0.6,10.0.0.7,1,2,6,O,B,NX,0,0,0,0", FORMAT_VNET_V4,
                 "field 1 (timestamp): not a Unix time of the years 2000-2099 in seconds or"
                 " milliseconds '253402300799'");
    expect_error("99,192.0.2.190,10.5.16.4,28746,443,U,I,D", FORMAT_NSG_V1,
                 "field 1 (timestamp): not a Unix time");
    expect_error("1542110402,192.0.2.1900,10.5.16.4,28746,443,U,I,D", FORMAT_NSG_V1,
                 "field 2 (source IP): not an IP address '192.0.2.1900'");
    expect_error("1542110402,192.0.2.1,10.5.16,28746,443,U,I,D", FORMAT_NSG_V1,
                 "field 3 (destination IP)");
    expect_error("1542110402,192.0.2.1,10.5.16.4,65536,443,U,I,D", FORMAT_NSG_V1,
                 "field 4 (source port): not a port 0..65535 '65536'");
    expect_error("1542110402,192.0.2.1,10.5.16.4,1,-1,U,I,D", FORMAT_NSG_V1,
                 "field 5 (destination port)");
    expect_error("1542110402,192.0.2.1,10.5.16.4,1,2,X,I,D", FORMAT_NSG_V1,
                 "field 6 (protocol)");
    expect_error("1542110402,192.0.2.1,10.5.16.4,1,2,T,In,D", FORMAT_NSG_V1,
                 "field 7 (direction)");
    expect_error("1542110402,192.0.2.1,10.5.16.4,1,2,T,I,B", FORMAT_NSG_V1,
                 "field 8 (decision)");
    expect_error("1542110402,192.0.2.1,10.5.16.4,1,2,T,I,A,D,,,,", FORMAT_NSG_V2,
                 "field 9 (flow state)");
    expect_error("1542110402,192.0.2.1,10.5.16.4,1,2,T,I,A,C,1,x,1,1", FORMAT_NSG_V2,
                 "field 11 (bytes src->dst): not a counter 'x'");
    expect_error("1542110402,192.0.2.1,10.5.16.4,1,2,T,I,A,C,1,,1,1", FORMAT_NSG_V2,
                 "field 11 (bytes src->dst): empty while other counters are set");
    expect_error("1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,A,NX,0,0,0,0",
                 FORMAT_VNET_V4, "field 8 (flow state)");
    expect_error("1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,nx,0,0,0,0",
                 FORMAT_VNET_V4, "field 9 (encryption)");
    expect_error("1663146003599,10.0.0.6,52.239.184.180,23956,443,256,O,B,NX,0,0,0,0",
                 FORMAT_VNET_V4, "field 6 (protocol)");
    expect_error("1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,99999999999999999999",
                 FORMAT_VNET_V4, "field 13");
    /* a NUL byte is never a state, nor part of an address */
    struct flow_tuple tn;
    char whyn[TUPLE_WHY_MAX];
    static const char v2_nul_state[] = "1542110402,1.1.1.1,2.2.2.2,1,2,T,I,A,\0,,,,";
    assert_int_equal(tuple_parse(v2_nul_state, sizeof v2_nul_state - 1, FORMAT_NSG_V2, &tn, whyn), -1);
    assert_non_null(strstr(whyn, "field 9 (flow state)"));
    static const char vnet_nul_state[] = "1663146003599,10.0.0.6,10.0.0.7,1,2,6,O,\0,NX,0,0,0,0";
    assert_int_equal(tuple_parse(vnet_nul_state, sizeof vnet_nul_state - 1, FORMAT_VNET_V4, &tn, whyn), -1);
    static const char v6_nul[] = "1542110402,2001:db8::1\0junk,2.2.2.2,1,2,T,I,A";
    assert_int_equal(tuple_parse(v6_nul, sizeof v6_nul - 1, FORMAT_NSG_V1, &tn, whyn), -1);
    assert_non_null(strstr(whyn, "field 2 (source IP)"));
    /* the message stays printable and bounded whatever the input */
    struct flow_tuple t;
    char why[TUPLE_WHY_MAX];
    assert_int_equal(parse("1,\033[31m,2,3,4,T,I,A", FORMAT_NSG_V1, &t, why), -1);
    assert_null(strchr(why, '\033'));
}

static void test_guess_format(void **state)
{
    (void)state;
    const char *v1 = "1531917335,122.222.24.18,10.0.0.4,61691,3128,T,I,D";
    const char *v2 = "1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,";
    const char *v4 = "1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,0,0,0,0";
    assert_int_equal(tuple_guess_format(v1, strlen(v1)), FORMAT_NSG_V1);
    assert_int_equal(tuple_guess_format(v2, strlen(v2)), FORMAT_NSG_V2);
    assert_int_equal(tuple_guess_format(v4, strlen(v4)), FORMAT_VNET_V4);
    struct flow_tuple t;
    char why[TUPLE_WHY_MAX];
    assert_int_equal(parse(v4, FORMAT_UNKNOWN, &t, why), 0);
    assert_int_equal(t.ms, 599);
    assert_string_equal(flow_format_name(FORMAT_NSG_V2), "nsg-v2");
}

static void test_ip_parse(void **state)
{
    (void)state;
    struct ip_addr a;
    char ip[IP_TEXT_MAX];
    assert_int_equal(ip_parse("0.0.0.0", 7, &a), 0);
    assert_int_equal(ip_v4_value(&a), 0);
    assert_int_equal(ip_parse("255.255.255.255", 15, &a), 0);
    assert_true(ip_v4_value(&a) == 0xffffffffu);
    ip_format(&a, ip);
    assert_string_equal(ip, "255.255.255.255");
    assert_int_equal(ip_parse("168.63.129.16", 13, &a), 0);
    assert_true(ip_v4_value(&a) == 0xA83F8110u);
    const char *bad[] = {"256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "a.b.c.d",
                         "1.2.3.4 ", " 1.2.3.4", "1.2.3.1234", "::g", "1:2:3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ip_parse(bad[i], strlen(bad[i]), &a) == 0)
            fail_msg("'%s' parsed as an address", bad[i]);
    /* parse only the n bytes given */
    assert_int_equal(ip_parse("10.0.0.1,xyz", 8, &a), 0);
    ip_format(&a, ip);
    assert_string_equal(ip, "10.0.0.1");
    struct ip_addr b;
    ip_parse("10.0.0.2", 8, &b);
    assert_true(ip_hash(&a) != ip_hash(&b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1),
        cmocka_unit_test(test_v2_begin_has_no_counters),
        cmocka_unit_test(test_v2_counters),
        cmocka_unit_test(test_vnet),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_broken_tuples),
        cmocka_unit_test(test_guess_format),
        cmocka_unit_test(test_ip_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
