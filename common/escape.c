/* escape.c: safe output of log text (see escape.h). */
#include "escape.h"

#include <stdlib.h>
#include <string.h>

/* Length of a control character at p (0 when none): C0, DEL, and the C1
 * controls as UTF-8 (C2 80 .. C2 9F). */
static size_t control_at(const unsigned char *p)
{
    if (*p < 0x20 || *p == 0x7f)
        return 1;
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
        return 2;
    return 0;
}

void put_html(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t c = control_at(p);
        if (c) {
            if (*p == '\n' || *p == '\t')
                fputc(' ', out);
            p += c - 1;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*p, out);
        }
    }
}

void put_md(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t c = control_at(p);
        if (c) {
            fputc(' ', out);
            p += c - 1;
            continue;
        }
        switch (*p) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '\\': case '`': case '*': case '_': case '{': case '}': case '[':
        case ']': case '#': case '|': case '~':
            fputc('\\', out);
            fputc(*p, out);
            break;
        default: fputc(*p, out);
        }
    }
}

void put_csv(FILE *out, const char *s)
{
    fputc('"', out);
    if (strchr("=+-@\t\r", s[0]) && s[0])
        fputc('\'', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

void term_clean(const char *s, char *buf, size_t size)
{
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && j + 1 < size; p++) {
        size_t c = control_at(p);
        if (c) {
            if (*p == '\n' || *p == '\t')
                buf[j++] = ' ';
            p += c - 1;
            continue;
        }
        buf[j++] = (char)*p;
    }
    if (size)
        buf[j] = '\0';
}

void put_term(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t c = control_at(p);
        if (c) {
            p += c - 1;
            continue;
        }
        fputc(*p, out);
    }
}

void put_wrapped(FILE *out, const char *s, int indent, int width)
{
    size_t n = strlen(s) + 1;
    char *clean = malloc(n);
    if (!clean)
        return;
    term_clean(s, clean, n);
    int room = width - indent;
    if (room < 20)
        room = 20;
    const char *p = clean;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        /* the longest run of words that fits (counting UTF-8 characters) */
        const char *end = p, *cut = NULL;
        int cols = 0;
        while (*end && cols < room) {
            if (*end == ' ')
                cut = end;
            if (((unsigned char)*end & 0xc0) != 0x80)
                cols++;
            end++;
        }
        if (*end && cut && *end != ' ')
            end = cut;
        fprintf(out, "%*s%.*s\n", indent, "", (int)(end - p), p);
        p = end;
    }
    free(clean);
}
