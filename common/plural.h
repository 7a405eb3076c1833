/* plural.h: counts in plain grammar. Every "N things" nsgflow prints for
 * people says "1 thing" and "0 things", "2 things":
 *
 *     msg(out, "%ld %s", n, plural(n, "route", "routes"));
 */
#ifndef NSGFLOW_PLURAL_H
#define NSGFLOW_PLURAL_H

/* one when n is 1 (or -1), else many. */
static inline const char *plural(long long n, const char *one, const char *many)
{
    return n == 1 || n == -1 ? one : many;
}

#endif
