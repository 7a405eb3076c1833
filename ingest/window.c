/* window.c: which blob names and listing folders a window and a shard
 * take (see window.h). */
#include "window.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ingest.h"

#define HOUR 3600

int window_takes_hour(int64_t hour_start, int64_t since, int64_t until)
{
    return hour_start <= until && hour_start + HOUR > since;
}

/* The value of segment seg[0..n) when it is "KEY=digits" with 1 to 4
 * digits; -1 otherwise. */
static int segment_number(const char *seg, size_t n, const char *key)
{
    size_t k = strlen(key);
    if (n <= k + 1 || n > k + 5 || strncasecmp(seg, key, k) != 0 || seg[k] != '=')
        return -1;
    int v = 0;
    for (size_t i = k + 1; i < n; i++) {
        if (!isdigit((unsigned char)seg[i]))
            return -1;
        v = v * 10 + (seg[i] - '0');
    }
    return v;
}

static int64_t utc_seconds(int year, int month, int day, int hour)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1; /* month 13: timegm carries it into January */
    tm.tm_mday = day;
    tm.tm_hour = hour;
    return (int64_t)timegm(&tm);
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return days[month - 1] + (month == 2 && leap);
}

/* The span of time [*start, *end) that prefix's date folders cover.
 * Returns 0, or -1 when it names no date (or not a real one). */
static int prefix_span(const char *prefix, int64_t *start, int64_t *end)
{
    /* the date parts in the order Azure writes them; the m= after h= is
     * the minute (VNet flow logs) and says nothing more */
    static const char *const keys[] = {"y", "m", "d", "h"};
    int part[4], nparts = 0;
    for (const char *seg = prefix, *slash; (slash = strchr(seg, '/')) != NULL; seg = slash + 1) {
        size_t n = (size_t)(slash - seg);
        if (nparts < 4) {
            int v = segment_number(seg, n, keys[nparts]);
            if (v >= 0)
                part[nparts++] = v;
        }
    }
    if (nparts == 0)
        return -1;
    int y = part[0];
    if (y < 1970 || y > 9999 || (nparts > 1 && (part[1] < 1 || part[1] > 12)) ||
        (nparts > 2 && (part[2] < 1 || part[2] > days_in_month(y, part[1]))) ||
        (nparts > 3 && part[3] > 23))
        return -1; /* not a date: left to the names of its blobs */
    switch (nparts) {
    case 1: *start = utc_seconds(y, 1, 1, 0); *end = utc_seconds(y + 1, 1, 1, 0); break;
    case 2: *start = utc_seconds(y, part[1], 1, 0); *end = utc_seconds(y, part[1] + 1, 1, 0); break;
    case 3: *start = utc_seconds(y, part[1], part[2], 0); *end = *start + 24 * HOUR; break;
    default: *start = utc_seconds(y, part[1], part[2], part[3]); *end = *start + HOUR; break;
    }
    return 0;
}

int window_prefix_may_hold(const char *prefix, int64_t since, int64_t until)
{
    int64_t start, end;
    return prefix_span(prefix, &start, &end) != 0 || (start <= until && end > since);
}

int window_prefix_inside(const char *prefix, int64_t since, int64_t until)
{
    int64_t start, end;
    /* its first and last hours taken (window_takes_hour), so all between */
    return prefix_span(prefix, &start, &end) == 0 && window_takes_hour(start, since, until) &&
           window_takes_hour(end - HOUR, since, until);
}

const char *window_folder_delimiter(const char *prefix)
{
    int at_dates = strncasecmp(prefix, "y=", 2) == 0;
    for (const char *p = prefix; !at_dates && (p = strchr(p, '/')) != NULL; p++)
        at_dates = strncasecmp(p + 1, "y=", 2) == 0;
    return at_dates ? "/" : "y=";
}

void window_folder_name(const char *listed, const char *delimiter, char *out, size_t outlen)
{
    size_t n = strlen(listed), have = strlen(delimiter);
    while (have > 0 && (n < have || memcmp(listed + n - have, delimiter, have) != 0))
        have--;
    snprintf(out, outlen, "%s%s", listed, delimiter + have);
}

int prefix_is_other_shard(const char *prefix, unsigned shard_index, unsigned shard_count)
{
    size_t n = strlen(prefix);
    if (shard_count <= 1 || n < 2 || prefix[n - 1] != '/')
        return 0;
    const char *seg = prefix + n - 1;
    while (seg > prefix && seg[-1] != '/')
        seg--;
    static const char key[] = "macAddress=";
    size_t k = sizeof key - 1, len = (size_t)(prefix + n - 1 - seg);
    if (len <= k || strncasecmp(seg, key, k) != 0)
        return 0;
    char mac[64];
    if (len - k >= sizeof mac)
        return 0;
    memcpy(mac, seg + k, len - k);
    mac[len - k] = '\0';
    return ingest_shard_of_mac(mac, shard_count) != shard_index;
}
