/* jsonw.c: the JSON writer (see jsonw.h). */
#include "jsonw.h"

#include "escape.h"
#include "timearg.h"

/* The separator, the indent and the key of the next member. */
static void member(struct jsonw *w, const char *key)
{
    if (w->items[w->depth - 1]++)
        fputc(',', w->out);
    fprintf(w->out, "\n%*s", 2 * w->depth, "");
    if (key)
        fprintf(w->out, "\"%s\": ", key);
}

static void open_level(struct jsonw *w, const char *key, char open, char close)
{
    if (w->depth == JSONW_MAX_DEPTH)
        return; /* deeper than any document of nsgflow's */
    if (key || w->depth)
        member(w, key);
    fputc(open, w->out);
    w->close[w->depth] = close;
    w->items[w->depth++] = 0;
}

void jsonw_begin(struct jsonw *w, FILE *out)
{
    w->out = out;
    w->depth = 0;
    open_level(w, NULL, '{', '}');
}

void jsonw_object(struct jsonw *w, const char *key)
{
    open_level(w, key, '{', '}');
}

void jsonw_array(struct jsonw *w, const char *key)
{
    open_level(w, key, '[', ']');
}

void jsonw_end(struct jsonw *w)
{
    if (w->depth == 0)
        return;
    w->depth--;
    if (w->items[w->depth]) /* an empty one stays {} or [] */
        fprintf(w->out, "\n%*s", 2 * w->depth, "");
    fputc(w->close[w->depth], w->out);
}

void jsonw_str(struct jsonw *w, const char *key, const char *value)
{
    member(w, key);
    if (value)
        put_json(w->out, value);
    else
        fputs("null", w->out);
}

void jsonw_int(struct jsonw *w, const char *key, int64_t value)
{
    member(w, key);
    fprintf(w->out, "%lld", (long long)value);
}

void jsonw_num(struct jsonw *w, const char *key, double value)
{
    member(w, key);
    if (value != value || value - value != 0)
        fputs("null", w->out); /* NaN and infinities are no JSON numbers */
    else
        fprintf(w->out, "%.3f", value);
}

void jsonw_bool(struct jsonw *w, const char *key, int value)
{
    member(w, key);
    fputs(value ? "true" : "false", w->out);
}

void jsonw_null(struct jsonw *w, const char *key)
{
    member(w, key);
    fputs("null", w->out);
}

void jsonw_time(struct jsonw *w, const char *key, int64_t t)
{
    char buf[24];
    time_format(t, buf);
    jsonw_str(w, key, buf);
}

int jsonw_finish(struct jsonw *w)
{
    while (w->depth)
        jsonw_end(w);
    fputc('\n', w->out);
    return ferror(w->out) ? -1 : 0;
}
