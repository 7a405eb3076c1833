/* strbuf.h: a growable string, for the texts and JSON the analyzers and
 * reports write. Appending never fails visibly: on out-of-memory the string
 * stops growing and strbuf_failed() says so. The caller owns s.p and frees it
 * with strbuf_free. */
#ifndef NSGFLOW_STRBUF_H
#define NSGFLOW_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *p;        /* NUL-terminated once anything was added */
    size_t len, cap;
    int failed;
};

void strbuf_add(struct strbuf *s, const char *text, size_t n);
void strbuf_puts(struct strbuf *s, const char *text);
void strbuf_printf(struct strbuf *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "" when nothing was added */
const char *strbuf_text(const struct strbuf *s);
int strbuf_failed(const struct strbuf *s);
void strbuf_free(struct strbuf *s);

#endif
