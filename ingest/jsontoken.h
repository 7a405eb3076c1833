/* jsontoken.h: a look at JSON text before yajl parses it. yajl keeps a
 * string or number whole in memory and scans it again for every chunk that
 * does not end it, so a 200 MB string costs minutes and its size; the flow-
 * log reader and the configuration reader both run their chunks through
 * this scan first and refuse the text from the first byte past their
 * limit. The state carries over chunks. */
#ifndef NSGFLOW_JSONTOKEN_H
#define NSGFLOW_JSONTOKEN_H

#include <stddef.h>

struct json_token_scan {
    int in_string, escape;
    int nonblank;        /* anything but whitespace was seen */
    size_t len;          /* length of the current string or literal */
};

/* The length of buf's prefix in which no string or literal is longer than
 * max bytes (n when none is). */
size_t json_token_scan(struct json_token_scan *s, const unsigned char *buf, size_t n, size_t max);

#endif
