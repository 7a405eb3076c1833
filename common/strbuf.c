/* strbuf.c: the growable string (see strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct strbuf *s, size_t more)
{
    if (s->failed)
        return -1;
    if (s->len + more + 1 <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < s->len + more + 1)
        cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) {
        s->failed = 1;
        return -1;
    }
    s->p = p;
    s->cap = cap;
    return 0;
}

void strbuf_add(struct strbuf *s, const char *text, size_t n)
{
    if (reserve(s, n) != 0)
        return;
    memcpy(s->p + s->len, text, n);
    s->len += n;
    s->p[s->len] = '\0';
}

void strbuf_puts(struct strbuf *s, const char *text)
{
    strbuf_add(s, text, strlen(text));
}

void strbuf_printf(struct strbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(s, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(s->p + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}

const char *strbuf_text(const struct strbuf *s)
{
    return s->p ? s->p : "";
}

int strbuf_failed(const struct strbuf *s)
{
    return s->failed;
}

void strbuf_free(struct strbuf *s)
{
    free(s->p);
    memset(s, 0, sizeof *s);
}
