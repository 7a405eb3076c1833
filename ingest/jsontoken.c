/* jsontoken.c: the scan ahead of yajl (see jsontoken.h). */
#include "jsontoken.h"

#include <string.h>

size_t json_token_scan(struct json_token_scan *s, const unsigned char *buf, size_t n, size_t max)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = buf[i];
        if (s->in_string) {
            if (s->escape) {
                s->escape = 0;
            } else if (c == '\\') {
                s->escape = 1;
            } else if (c == '"') {
                s->in_string = 0;
                s->len = 0;
                continue;
            } else {
                /* the plain run up to the next quote or backslash at once */
                const unsigned char *q = memchr(buf + i, '"', n - i);
                size_t run = q ? (size_t)(q - (buf + i)) : n - i;
                const unsigned char *bs = memchr(buf + i, '\\', run);
                if (bs)
                    run = (size_t)(bs - (buf + i));
                if (s->len + run > max)
                    return i + (max - s->len);
                s->len += run;
                i += run - 1;
                continue;
            }
            if (++s->len > max)
                return i;
            continue;
        }
        switch (c) {
        case '"':
        case '{': case '}': case '[': case ']': case ':': case ',':
            s->nonblank = 1;
            s->in_string = c == '"';
            s->len = 0;
            break;
        case ' ': case '\t': case '\r': case '\n': case '\0':
            s->len = 0; /* NUL: padding after the end, or an error for yajl */
            break;
        default:
            s->nonblank = 1;
            if (++s->len > max)
                return i;
        }
    }
    return n;
}
