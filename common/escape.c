/* escape.c: safe output of outside text (see escape.h). One classifier
 * (next_char) decides for every target what is plain text, a control
 * character, a bidirectional control, or a byte that is not UTF-8. */
#include "escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

enum char_kind { CH_PLAIN, CH_CONTROL, CH_BIDI, CH_INVALID };

/* The character at p, of at most avail bytes: its kind, its length (1 for
 * an invalid byte) and its code point. */
static size_t next_char(const unsigned char *p, size_t avail, int *kind, uint32_t *cp)
{
    unsigned c = p[0];
    size_t n;
    uint32_t v;
    unsigned lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c < 0x80) {
        *cp = c;
        *kind = c < 0x20 || c == 0x7f ? CH_CONTROL : CH_PLAIN;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0; /* no overlong forms */
        if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        *kind = CH_INVALID;
        *cp = 0xfffd;
        return 1;
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        goto invalid;
    for (size_t i = 1; i < n; i++) {
        if (i > 1 && (p[i] < 0x80 || p[i] > 0xbf))
            goto invalid;
        v = v << 6 | (p[i] & 0x3f);
    }
    *cp = v;
    if (v >= 0x80 && v <= 0x9f)
        *kind = CH_CONTROL;
    else if (v == 0x061c || v == 0x200e || v == 0x200f || (v >= 0x202a && v <= 0x202e) ||
             (v >= 0x2066 && v <= 0x2069))
        *kind = CH_BIDI;
    else
        *kind = CH_PLAIN;
    return n;
invalid:
    *kind = CH_INVALID;
    *cp = 0xfffd;
    return 1;
}

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* The characters of a NUL-terminated string, one by one:
 *   for (struct chars c = chars_of(s); chars_next(&c);) ... c.p, c.n, ...
 * and each target decides what to do with each kind. */
struct chars {
    const unsigned char *p, *end;
    size_t n;          /* bytes of the current character */
    int kind;          /* enum char_kind */
    uint32_t cp;       /* its code point (U+FFFD when invalid) */
};

static struct chars chars_of(const char *s)
{
    struct chars c = {(const unsigned char *)s, (const unsigned char *)s + strlen(s), 0, 0, 0};
    return c;
}

static int chars_next(struct chars *c)
{
    c->p += c->n;
    if (c->p >= c->end)
        return 0;
    c->n = next_char(c->p, (size_t)(c->end - c->p), &c->kind, &c->cp);
    return 1;
}

void put_html(FILE *out, const char *s)
{
    for (struct chars c = chars_of(s); chars_next(&c);) {
        if (c.kind == CH_INVALID) {
            fputs(replacement, out);
            continue;
        }
        if (c.kind != CH_PLAIN) {
            if (c.cp == '\n' || c.cp == '\t')
                fputc(' ', out);
            continue;
        }
        switch (*c.p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fwrite(c.p, 1, c.n, out);
        }
    }
}

void put_md(FILE *out, const char *s)
{
    for (struct chars c = chars_of(s); chars_next(&c);) {
        if (c.kind == CH_INVALID) {
            fputs(replacement, out);
            continue;
        }
        if (c.kind != CH_PLAIN) {
            if (c.kind == CH_CONTROL)
                fputc(' ', out);
            continue;
        }
        switch (*c.p) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '\\': case '`': case '*': case '_': case '{': case '}': case '[':
        case ']': case '#': case '|': case '~':
            fputc('\\', out);
            fputc(*c.p, out);
            break;
        default: fwrite(c.p, 1, c.n, out);
        }
    }
}

void put_csv(FILE *out, const char *s)
{
    fputc('"', out);
    /* the first character a spreadsheet sees: after those that are dropped */
    for (struct chars c = chars_of(s); chars_next(&c);) {
        if (c.kind == CH_PLAIN || c.kind == CH_INVALID || c.cp == '\n' || c.cp == '\t') {
            if (c.kind != CH_INVALID && strchr("=+-@\t", (int)c.cp) && c.cp)
                fputc('\'', out);
            break;
        }
    }
    for (struct chars c = chars_of(s); chars_next(&c);) {
        if (c.kind == CH_INVALID)
            fputs(replacement, out);
        else if (c.kind == CH_PLAIN || c.cp == '\n' || c.cp == '\t') {
            if (*c.p == '"')
                fputc('"', out);
            fwrite(c.p, 1, c.n, out);
        }
    }
    fputc('"', out);
}

void term_clean(const char *s, char *buf, size_t size)
{
    size_t j = 0;
    if (!size)
        return;
    for (struct chars c = chars_of(s); chars_next(&c);) {
        const char *piece = (const char *)c.p;
        size_t len = c.n;
        if (c.kind == CH_INVALID) {
            piece = replacement;
            len = 3;
        } else if (c.kind != CH_PLAIN) {
            if (c.cp != '\n' && c.cp != '\t')
                continue;
            piece = " ";
            len = 1;
        }
        if (j + len + 1 > size)
            break;
        memcpy(buf + j, piece, len);
        j += len;
    }
    buf[j] = '\0';
}

void put_term(FILE *out, const char *s)
{
    for (struct chars c = chars_of(s); chars_next(&c);) {
        if (c.kind == CH_INVALID)
            fputs(replacement, out);
        else if (c.kind == CH_PLAIN)
            fwrite(c.p, 1, c.n, out);
    }
}

void put_hanging(FILE *out, const char *s, int first, int rest, int width)
{
    size_t n = 3 * strlen(s) + 1;
    char *clean = malloc(n);
    if (!clean)
        return;
    term_clean(s, clean, n);
    int indent = first;
    const char *p = clean;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        int room = width - indent;
        if (room < 20)
            room = 20;
        /* the longest run of words that fits (counting UTF-8 characters) */
        const char *end = p, *cut = NULL;
        int cols = 0;
        while (*end && (width <= 0 || cols < room)) {
            if (*end == ' ')
                cut = end;
            if (((unsigned char)*end & 0xc0) != 0x80)
                cols++;
            end++;
        }
        while (*end && ((unsigned char)*end & 0xc0) == 0x80)
            end++; /* never inside a character */
        if (*end && cut && *end != ' ')
            end = cut;
        fprintf(out, "%*s%.*s\n", indent, "", (int)(end - p), p);
        p = end;
        indent = rest;
    }
    free(clean);
}

void put_wrapped(FILE *out, const char *s, int indent, int width)
{
    put_hanging(out, s, indent, indent, width);
}

/* text with every unsafe character shown as an escape, as msg writes it */
static void escape_visibly(struct strbuf *b, const char *text)
{
    for (struct chars c = chars_of(text); chars_next(&c);) {
        if (c.kind == CH_PLAIN)
            strbuf_add(b, (const char *)c.p, c.n);
        else if (c.kind == CH_INVALID)
            strbuf_printf(b, "\\x%02x", *c.p);
        else if (c.cp == '\n')
            strbuf_add(b, "\\n", 2);
        else if (c.cp == '\r')
            strbuf_add(b, "\\r", 2);
        else if (c.cp == '\t')
            strbuf_add(b, "\\t", 2);
        else if (c.cp < 0x100)
            strbuf_printf(b, "\\x%02x", (unsigned)c.cp);
        else
            strbuf_printf(b, "\\u%04x", (unsigned)c.cp);
    }
}

/* fmt and ap formatted, escaped as msg shows outside text, without the
 * newline at the end (*newline says whether there was one). */
static void msg_text(struct strbuf *b, int *newline, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    if (len >= 0) {
        char *text = malloc((size_t)len + 1);
        if (text) {
            vsnprintf(text, (size_t)len + 1, fmt, again);
            *newline = len > 0 && text[len - 1] == '\n';
            if (*newline)
                text[len - 1] = '\0';
            escape_visibly(b, text);
            free(text);
        }
    }
    va_end(again);
}

void msg_v(FILE *out, const char *fmt, va_list ap)
{
    struct strbuf b = {0};
    int newline = 0;
    msg_text(&b, &newline, fmt, ap);
    fputs(strbuf_text(&b), out);
    if (newline)
        fputc('\n', out);
    strbuf_free(&b);
}

void msg(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_v(out, fmt, ap);
    va_end(ap);
}

void msg_wrapped(FILE *out, int width, int indent, const char *fmt, ...)
{
    struct strbuf b = {0};
    int newline = 0;
    va_list ap;
    va_start(ap, fmt);
    msg_text(&b, &newline, fmt, ap);
    va_end(ap);
    const char *text = strbuf_text(&b);
    if (width > 0) {
        int first = (int)strspn(text, " ");
        put_hanging(out, text + first, first, indent, width);
    } else {
        fputs(text, out);
        fputc('\n', out);
    }
    strbuf_free(&b);
}

void sh_quote(struct strbuf *out, const char *s)
{
    strbuf_add(out, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            strbuf_add(out, "'\\''", 4);
        else
            strbuf_add(out, p, 1);
    }
    strbuf_add(out, "'", 1);
}

size_t utf8_repair(const char *s, size_t n, char *out, size_t out_size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, j = 0;
    if (!out_size)
        return 0;
    while (i < n) {
        int kind;
        uint32_t cp;
        size_t k = next_char(p + i, n - i, &kind, &cp);
        int bad = kind == CH_INVALID || p[i] == '\0';
        size_t len = bad ? 3 : k;
        if (j + len + 1 > out_size)
            break;
        memcpy(out + j, bad ? replacement : (const char *)p + i, len);
        j += len;
        i += k;
    }
    out[j] = '\0';
    return j;
}

int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) { /* the common case, quickly */
            if (!p[i])
                return 0;
            i++;
            continue;
        }
        int kind;
        uint32_t cp;
        i += next_char(p + i, n - i, &kind, &cp);
        if (kind == CH_INVALID)
            return 0;
    }
    return 1;
}

void json_quote(struct strbuf *out, const char *s)
{
    strbuf_add(out, "\"", 1);
    for (struct chars c = chars_of(s); chars_next(&c);) {
        if (c.kind == CH_INVALID)
            strbuf_add(out, "\\ufffd", 6);
        else if (c.kind != CH_PLAIN) {
            if (c.cp == '\n')
                strbuf_add(out, "\\n", 2);
            else if (c.cp == '\r')
                strbuf_add(out, "\\r", 2);
            else if (c.cp == '\t')
                strbuf_add(out, "\\t", 2);
            else
                strbuf_printf(out, "\\u%04x", (unsigned)c.cp);
        } else if (*c.p == '"')
            strbuf_add(out, "\\\"", 2);
        else if (*c.p == '\\')
            strbuf_add(out, "\\\\", 2);
        else if (*c.p == '<') /* safe inside an HTML <script> too */
            strbuf_add(out, "\\u003c", 6);
        else
            strbuf_add(out, (const char *)c.p, c.n);
    }
    strbuf_add(out, "\"", 1);
}

void put_json(FILE *out, const char *s)
{
    struct strbuf b = {0};
    json_quote(&b, s);
    fputs(strbuf_text(&b), out);
    strbuf_free(&b);
}
