/* timearg.h: the times users give on the command line (--since, --until)
 * and the times nsgflow prints. A time is ISO-8601 (2026-11-01,
 * 2026-11-01T10:00, 2026-11-01T10:00:00Z, with an optional fraction; UTC
 * unless it ends in an offset, +02:00 or -0500, which is converted to
 * UTC), Unix seconds (@1793527200), or relative to now (90s, 30m, 24h,
 * 7d). nsgflow prints times in UTC, as 2026-11-01T10:00:00Z. */
#ifndef NSGFLOW_TIMEARG_H
#define NSGFLOW_TIMEARG_H

#include <stdint.h>
#include <time.h>

/* Parses s into Unix seconds. Returns 0, or -1 when s is not a time. */
int time_arg_parse(const char *s, time_t now, int64_t *out);

/* time_arg_parse for a time ahead (an expiry): a relative time counts
 * forward from now (30d: thirty days from now), a date or time is as
 * given. */
int time_arg_parse_ahead(const char *s, time_t now, int64_t *out);

/* time_arg_parse for an option of a command: on failure prints
 * "nsgflow COMMAND: --OPTION: not a time (the forms): 'ARG'" and returns
 * -1. */
int time_arg_option(const char *command, const char *option, const char *arg,
                    int64_t *out);

/* --wait SECONDS of a command: a number of seconds from 0 to 86400 (a
 * fraction allowed) into milliseconds. On failure prints "nsgflow COMMAND:
 * --wait: not a number of seconds 0..86400: 'ARG'" and returns -1. */
int wait_arg_option(const char *command, const char *arg, int *ms);

/* "2026-11-01T10:00:00Z" into buf (at least 24 bytes). */
void time_format(int64_t t, char *buf);

#endif
