/* test_window.c: which blob hours a --since/--until window takes, and
 * which folders of a container listing can hold such blobs: the edges
 * (an hour equal to since or until, the ends of months and years, a leap
 * day), the minute m= after h=, folders that are not dates, and the
 * macAddress= folders of --shard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/timearg.h"
#include "ingest/ingest.h"
#include "ingest/window.h"

#define NSG "resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/" \
            "NETWORKSECURITYGROUPS/NSG/"

static int64_t at(const char *iso)
{
    int64_t t;
    assert_int_equal(time_arg_parse(iso, 0, &t), 0);
    return t;
}

/* window_prefix_may_hold with the window given as ISO times */
static int may_hold(const char *prefix, const char *since, const char *until)
{
    return window_prefix_may_hold(prefix, since ? at(since) : INT64_MIN,
                                  until ? at(until) : INT64_MAX);
}

static void test_hour_edges(void **state)
{
    (void)state;
    int64_t ten = at("2026-11-01T10:00Z");
    /* the hour 10:00..10:59:59 overlaps a window that touches it anywhere */
    assert_true(window_takes_hour(ten, at("2026-11-01T10:00Z"), at("2026-11-01T10:00Z")));
    assert_true(window_takes_hour(ten, at("2026-11-01T10:59:59Z"), INT64_MAX));
    assert_true(window_takes_hour(ten, INT64_MIN, at("2026-11-01T10:00Z")));
    assert_false(window_takes_hour(ten, at("2026-11-01T11:00Z"), INT64_MAX));
    assert_false(window_takes_hour(ten, INT64_MIN, at("2026-11-01T09:59:59Z")));
    assert_true(window_takes_hour(ten, INT64_MIN, INT64_MAX));
}

static void test_prefix_levels(void **state)
{
    (void)state;
    const char *s = "2026-11-02", *u = "2026-11-02T23:59:59Z";
    assert_true(may_hold(NSG, s, u));                        /* no date yet */
    assert_true(may_hold("", s, u));
    assert_true(may_hold(NSG "y=2026/", s, u));
    assert_false(may_hold(NSG "y=2025/", s, u));
    assert_false(may_hold(NSG "y=2027/", s, u));
    assert_true(may_hold(NSG "y=2026/m=11/", s, u));
    assert_false(may_hold(NSG "y=2026/m=10/", s, u));
    assert_false(may_hold(NSG "y=2026/m=12/", s, u));
    assert_true(may_hold(NSG "y=2026/m=11/d=02/", s, u));
    assert_false(may_hold(NSG "y=2026/m=11/d=01/", s, u));
    assert_false(may_hold(NSG "y=2026/m=11/d=03/", s, u));
    assert_true(may_hold(NSG "y=2026/m=11/d=02/h=00/", s, u));
    assert_true(may_hold(NSG "y=2026/m=11/d=02/h=23/", s, u));
    /* the m= after h= is the minute: it changes nothing */
    assert_true(may_hold(NSG "y=2026/m=11/d=02/h=23/m=00/", s, u));
    assert_false(may_hold(NSG "y=2026/m=11/d=03/h=00/m=00/", s, u));
    /* an incomplete last segment does not count */
    assert_true(may_hold(NSG "y=2026/m=11/d=0", s, u));
    assert_false(may_hold(NSG "y=2026/m=10/d=0", s, u));
}

static void test_prefix_hour_edges(void **state)
{
    (void)state;
    /* since and until on the hour: that hour's folder is kept */
    assert_true(may_hold(NSG "y=2026/m=11/d=01/h=10/", "2026-11-01T10:00Z", NULL));
    assert_true(may_hold(NSG "y=2026/m=11/d=01/h=10/", NULL, "2026-11-01T10:00Z"));
    assert_false(may_hold(NSG "y=2026/m=11/d=01/h=09/", "2026-11-01T10:00Z", NULL));
    assert_false(may_hold(NSG "y=2026/m=11/d=01/h=11/", NULL, "2026-11-01T10:00Z"));
    assert_true(may_hold(NSG "y=2026/m=11/d=01/h=09/", "2026-11-01T09:59:59Z", NULL));
    /* in the middle of an hour */
    assert_true(may_hold(NSG "y=2026/m=11/d=01/h=10/", "2026-11-01T10:30Z",
                         "2026-11-01T10:31Z"));
}

static void test_prefix_month_and_year_ends(void **state)
{
    (void)state;
    /* November has 30 days: its folder ends at December 1 00:00 */
    assert_true(may_hold(NSG "y=2026/m=11/", "2026-11-30T23:59:59Z", NULL));
    assert_false(may_hold(NSG "y=2026/m=11/", "2026-12-01T00:00Z", NULL));
    assert_true(may_hold(NSG "y=2026/m=12/", NULL, "2026-12-01T00:00Z"));
    assert_false(may_hold(NSG "y=2026/m=12/", NULL, "2026-11-30T23:59:59Z"));
    /* December's folder ends with the year */
    assert_true(may_hold(NSG "y=2026/m=12/", "2026-12-31T23:00Z", "2027-01-01T05:00Z"));
    assert_false(may_hold(NSG "y=2026/m=12/", "2027-01-01T00:00Z", NULL));
    assert_true(may_hold(NSG "y=2027/m=01/", "2026-12-31T23:00Z", "2027-01-01T00:00Z"));
    assert_false(may_hold(NSG "y=2026/", "2027-01-01T00:00Z", NULL));
    assert_true(may_hold(NSG "y=2026/", "2026-12-31T23:59:59Z", NULL));
    /* a window over the end of a month keeps both months */
    assert_true(may_hold(NSG "y=2026/m=10/d=31/", "2026-10-31T22:00Z", "2026-11-01T02:00Z"));
    assert_true(may_hold(NSG "y=2026/m=11/d=01/", "2026-10-31T22:00Z", "2026-11-01T02:00Z"));
    assert_false(may_hold(NSG "y=2026/m=11/d=02/", "2026-10-31T22:00Z", "2026-11-01T02:00Z"));
}

static void test_prefix_leap_day(void **state)
{
    (void)state;
    /* 2028 is a leap year: February 29 is a day, and February ends after it */
    assert_true(may_hold(NSG "y=2028/m=02/d=29/", "2028-02-29T12:00Z", "2028-02-29T12:00Z"));
    assert_false(may_hold(NSG "y=2028/m=02/d=28/", "2028-02-29T00:00Z", NULL));
    assert_true(may_hold(NSG "y=2028/m=02/", "2028-02-29T23:59:59Z", NULL));
    assert_false(may_hold(NSG "y=2028/m=02/", "2028-03-01T00:00Z", NULL));
    assert_false(may_hold(NSG "y=2028/m=03/d=01/", NULL, "2028-02-29T23:59:59Z"));
    /* 2026 is not: a d=29 folder in its February is no date, so it is not
     * judged (its blobs' names decide), and February ends on the 28th */
    assert_true(may_hold(NSG "y=2026/m=02/d=29/", "2026-05-01", NULL));
    assert_false(may_hold(NSG "y=2026/m=02/", "2026-03-01T00:00Z", NULL));
    assert_true(may_hold(NSG "y=2026/m=02/", "2026-02-28T23:30Z", NULL));
}

static void test_prefix_not_a_date(void **state)
{
    (void)state;
    const char *s = "2026-11-02", *u = "2026-11-02T23:59:59Z";
    assert_true(may_hold(NSG "y=20x6/", s, u));
    assert_true(may_hold(NSG "y=2026/m=13/", s, u));
    assert_true(may_hold(NSG "y=2026/m=11/d=31/", s, u));
    assert_true(may_hold(NSG "y=2026/m=11/d=02/h=24/", s, u));
    assert_true(may_hold("y=1969/", s, u));
    /* a segment out of Azure's order is not read as a date part */
    assert_true(may_hold(NSG "m=10/", s, u));
    assert_true(may_hold("x=2025/", s, u));
}

static int inside(const char *prefix, const char *since, const char *until)
{
    return window_prefix_inside(prefix, since ? at(since) : INT64_MIN,
                                until ? at(until) : INT64_MAX);
}

static void test_prefix_inside(void **state)
{
    (void)state;
    const char *s = "2026-11-02", *u = "2026-11-02T23:59:59Z";
    assert_true(inside(NSG "y=2026/m=11/d=02/", s, u));
    assert_true(inside(NSG "y=2026/m=11/d=02/h=00/", s, u));
    assert_true(inside(NSG "y=2026/m=11/d=02/h=23/m=00/", s, u));
    assert_false(inside(NSG "y=2026/m=11/", s, u));
    assert_false(inside(NSG "y=2026/m=11/d=03/", s, u));
    assert_false(inside(NSG, s, u));                          /* no date */
    assert_false(inside(NSG "y=2026/m=11/d=31/", NULL, NULL)); /* no day */
    /* an hour is taken when the window touches it: until 23:00 takes the
     * day's last hour, since 00:59:59 its first, so the day is inside */
    assert_true(inside(NSG "y=2026/m=11/d=02/", s, "2026-11-02T23:00Z"));
    assert_true(inside(NSG "y=2026/m=11/d=02/", "2026-11-02T00:59:59Z", u));
    assert_false(inside(NSG "y=2026/m=11/d=02/", "2026-11-02T01:00Z", u));
    assert_false(inside(NSG "y=2026/m=11/d=02/", s, "2026-11-02T22:59:59Z"));
    assert_true(inside(NSG "y=2026/m=11/d=02/h=23/", "2026-11-02T23:30Z", "2026-11-02T23:31Z"));
    /* no bounds: everything is inside */
    assert_true(inside(NSG "y=2026/", NULL, NULL));
    /* February of a leap year, whole */
    assert_true(inside(NSG "y=2028/m=02/", "2028-02-01", "2028-02-29T23:59:59Z"));
    assert_false(inside(NSG "y=2028/m=02/", "2028-02-01", "2028-02-28T23:59:59Z"));
}

static void test_folder_delimiter(void **state)
{
    (void)state;
    /* above the dates: "y=", which skips the resource id's levels */
    assert_string_equal(window_folder_delimiter(""), "y=");
    assert_string_equal(window_folder_delimiter("resourceId=/"), "y=");
    assert_string_equal(window_folder_delimiter(NSG), "y=");
    assert_string_equal(window_folder_delimiter("flowLogResourceID=/S_NETWORKWATCHERRG/"), "y=");
    /* at and in them: "/" */
    assert_string_equal(window_folder_delimiter(NSG "y="), "/");
    assert_string_equal(window_folder_delimiter(NSG "y=2026/"), "/");
    assert_string_equal(window_folder_delimiter(NSG "y=2026/m=11/d=02/h=05/m=00/"), "/");
    assert_string_equal(window_folder_delimiter("y=2026/"), "/");
    assert_string_equal(window_folder_delimiter("Y=2026/"), "/");
    /* "bay=" is no date folder */
    assert_string_equal(window_folder_delimiter("foo/bay=1/"), "y=");
}

static void test_folder_name(void **state)
{
    (void)state;
    char out[256];
    /* as Azure gives it: unchanged */
    window_folder_name(NSG "y=", "y=", out, sizeof out);
    assert_string_equal(out, NSG "y=");
    window_folder_name(NSG "y=2026/", "/", out, sizeof out);
    assert_string_equal(out, NSG "y=2026/");
    /* as Azurite gives it: the delimiter's first byte only */
    window_folder_name(NSG "y", "y=", out, sizeof out);
    assert_string_equal(out, NSG "y=");
    window_folder_name("a/", "/y=", out, sizeof out);
    assert_string_equal(out, "a/y=");
    window_folder_name("a/y", "/y=", out, sizeof out);
    assert_string_equal(out, "a/y=");
    window_folder_name("", "y=", out, sizeof out);
    assert_string_equal(out, "y=");
}

static void test_prefix_shard(void **state)
{
    (void)state;
    const char *mac = "000D3A0A0B0C";
    unsigned k = ingest_shard_of_mac(mac, 4);
    char prefix[256];
    snprintf(prefix, sizeof prefix, NSG "y=2026/m=11/d=02/h=00/m=00/macAddress=%s/", mac);
    assert_false(prefix_is_other_shard(prefix, k, 4));
    assert_true(prefix_is_other_shard(prefix, (k + 1) % 4, 4));
    assert_false(prefix_is_other_shard(prefix, 0, 1));       /* no shards */
    /* only a complete last segment that names a MAC decides */
    assert_false(prefix_is_other_shard(NSG "y=2026/", (k + 1) % 4, 4));
    snprintf(prefix, sizeof prefix, NSG "y=2026/m=11/d=02/h=00/m=00/macAddress=%s", mac);
    assert_false(prefix_is_other_shard(prefix, (k + 1) % 4, 4));
    snprintf(prefix, sizeof prefix, "macaddress=%s/", "00-0d-3a-0a-0b-0c");
    assert_true(prefix_is_other_shard(prefix, (k + 1) % 4, 4));
    assert_false(prefix_is_other_shard("macAddress=/", 1, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hour_edges),
        cmocka_unit_test(test_prefix_levels),
        cmocka_unit_test(test_prefix_hour_edges),
        cmocka_unit_test(test_prefix_month_and_year_ends),
        cmocka_unit_test(test_prefix_leap_day),
        cmocka_unit_test(test_prefix_not_a_date),
        cmocka_unit_test(test_prefix_inside),
        cmocka_unit_test(test_folder_delimiter),
        cmocka_unit_test(test_folder_name),
        cmocka_unit_test(test_prefix_shard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
