/* azcmd.c: suggested az commands, quoted for a POSIX shell (see azcmd.h). */
#include "azcmd.h"

#include <string.h>

#include "../common/escape.h"

static int is_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int az_name_valid(const char *name, enum az_name_kind kind)
{
    size_t n = strlen(name);
    if (kind == AZ_RESOURCE_GROUP) {
        if (n < 1 || n > 90 || name[n - 1] == '.' || !utf8_valid(name, n))
            return 0;
        for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
            /* letters of any script are allowed; ASCII other than these and
             * every control or formatting character are not */
            if (*p >= 0x80) {
                if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0xbf)
                    return 0; /* C1 controls and Latin-1 punctuation */
                if (*p == 0xe2 && p[1] == 0x80)
                    return 0; /* spaces, quotes, BiDi controls of U+2000.. */
                continue;
            }
            if (!is_ascii_alnum(*p) && !strchr("_-.()", *p))
                return 0;
        }
        return 1;
    }
    size_t min = kind == AZ_VNET ? 2 : 1, max = kind == AZ_VNET ? 64 : 80;
    if (n < min || n > max || !is_ascii_alnum((unsigned char)name[0]) ||
        !(is_ascii_alnum((unsigned char)name[n - 1]) || name[n - 1] == '_'))
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (!is_ascii_alnum(*p) && !strchr("_-.", *p))
            return 0;
    return 1;
}

void azcmd_begin(struct strbuf *out, const char *words)
{
    if (out->len)
        strbuf_puts(out, "\n");
    strbuf_puts(out, words);
}

void azcmd_arg(struct strbuf *out, const char *option, const char *value)
{
    strbuf_printf(out, " %s ", option);
    sh_quote(out, value);
}

void azcmd_args(struct strbuf *out, const char *option, const char *const *values, int n)
{
    strbuf_printf(out, " %s", option);
    for (int i = 0; i < n; i++) {
        strbuf_puts(out, " ");
        sh_quote(out, values[i]);
    }
}

int azcmd_name(struct strbuf *out, const char *option, const char *name,
               enum az_name_kind kind, const char *placeholder, struct strbuf *note)
{
    if (name[0] && az_name_valid(name, kind)) {
        azcmd_arg(out, option, name);
        return 1;
    }
    azcmd_arg(out, option, placeholder);
    if (name[0] && note) {
        strbuf_printf(note, " The %s in the data, \"%s\", is not a valid Azure name, so the"
                            " command leaves it out: fill in the real one.", option + 2, name);
    }
    return 0;
}
