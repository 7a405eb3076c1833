/* timearg.c: command-line times (see timearg.h). */
#include "escape.h"
#include "timearg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int time_arg_parse(const char *s, time_t now, int64_t *out)
{
    size_t n = strlen(s);
    if (n >= 2 && n <= 12 && strchr("smhd", s[n - 1])) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s + n - 1 && v >= 0 && isdigit((unsigned char)s[0])) {
            long long unit = s[n - 1] == 's' ? 1 : s[n - 1] == 'm' ? 60
                           : s[n - 1] == 'h' ? 3600 : 86400;
            *out = (int64_t)now - (int64_t)(v * unit);
            return 0;
        }
    }
    if (s[0] == '@') { /* Unix seconds */
        if (n < 2 || n > 13)
            return -1;
        int64_t v = 0;
        for (const char *p = s + 1; *p; p++) {
            if (!isdigit((unsigned char)*p))
                return -1;
            v = v * 10 + (*p - '0');
        }
        *out = v;
        return 0;
    }
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, sec = 0, offset = 0;
    if (n < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d))
        return -1;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
            return -1;
        p += 6;
        if (*p == ':') {
            if (digits(p + 1, 2, &sec))
                return -1;
            p += 3;
            if (*p == '.')
                for (p++; isdigit((unsigned char)*p); p++)
                    ;
        }
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') { /* +HH:MM or +HHMM east of UTC, -HH:MM west */
        int oh, om;
        if (digits(p + 1, 2, &oh))
            return -1;
        const char *m = p[3] == ':' ? p + 4 : p + 3;
        if (digits(m, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        p = m + 2;
    }
    static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (*p || mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 60)
        return -1; /* 2026-02-30 is not a day (timegm would make it March 2) */
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm) - offset;
    return 0;
}

int time_arg_parse_ahead(const char *s, time_t now, int64_t *out)
{
    int64_t t;
    if (time_arg_parse(s, now, &t) != 0)
        return -1;
    size_t n = strlen(s);
    int relative = n && strchr("smhd", s[n - 1]); /* a date ends in a digit or Z */
    *out = relative ? (int64_t)now + ((int64_t)now - t) : t;
    return 0;
}

int time_arg_option(const char *command, const char *option, const char *arg,
                    int64_t *out)
{
    if (time_arg_parse(arg, time(NULL), out) == 0)
        return 0;
    msg(stderr, "nsgflow %s: --%s: not a time (2026-11-01T10:00Z, 2026-11-01T12:00+02:00,"
                " @1793527200, 24h, 7d): '%s'\n", command, option, arg);
    return -1;
}

int wait_arg_option(const char *command, const char *arg, int *ms)
{
    /* digits, at most one point: no sign, exponent, "nan" or "inf" */
    int digits = 0, points = 0;
    for (const char *p = arg; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (*p == '.' && !points)
            points++;
        else {
            digits = 0;
            break;
        }
    }
    double s = digits ? strtod(arg, NULL) : -1;
    if (s < 0 || s > 86400) {
        msg(stderr, "nsgflow %s: --wait: not a number of seconds 0..86400: '%s'\n", command, arg);
        return -1;
    }
    *ms = (int)(s * 1000);
    return 0;
}

void time_format(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
