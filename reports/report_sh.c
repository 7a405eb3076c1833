/* report_sh.c: the fix plan as a POSIX shell script (report --format sh):
 * `set -eu`, one commented block per change with what calls for it, its
 * commands. A value the plan could not know (a <placeholder>) becomes a
 * variable set at the top of the script, and the script refuses to run
 * while one still holds its placeholder, saying which exports fill them
 * in. Every word from outside is single-quoted as the commands already
 * are; the comments carry no control characters, so no name can end a
 * comment line and start a command. */
#include "report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/strbuf.h"
#include "../common/timearg.h"

/* Comment lines: "# " and the text, wrapped at about 78 columns, cleaned
 * for a terminal (no line breaks, no control characters). */
static void comment(FILE *out, const char *prefix, const char *text)
{
    size_t n = strlen(prefix) + strlen(text) + 1;
    char *raw = malloc(n + 1), *clean = malloc(3 * n + 1);
    if (!raw || !clean) {
        free(raw);
        free(clean);
        return;
    }
    snprintf(raw, n + 1, "%s%s", prefix, text);
    term_clean(raw, clean, 3 * n + 1);
    const char *p = clean;
    while (*p) {
        size_t len = strlen(p);
        size_t cut = len;
        if (len > 76) {
            cut = 76;
            while (cut > 20 && p[cut] != ' ')
                cut--;
            if (p[cut] != ' ')
                cut = 76;
        }
        fprintf(out, "# %.*s\n", (int)cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
    free(raw);
    free(clean);
}

/* The words of one command line as the commands are written (azcmd.h):
 * bare words, and single-quoted ones with '\'' for a quote. Calls fn for
 * each word with its text unquoted and whether it was quoted. */
struct word_sink {
    void (*fn)(void *ctx, const char *word, int quoted);
    void *ctx;
};

static void each_word(const char *line, size_t n, const struct word_sink *sink)
{
    struct strbuf w = {0};
    size_t i = 0;
    while (i < n) {
        while (i < n && line[i] == ' ')
            i++;
        if (i >= n)
            break;
        int quoted = 0;
        strbuf_free(&w);
        strbuf_add(&w, "", 0);
        while (i < n && line[i] != ' ') {
            if (line[i] == '\'') {
                quoted = 1;
                size_t j = i + 1;
                while (j < n && line[j] != '\'')
                    j++;
                strbuf_add(&w, line + i + 1, j - i - 1);
                i = j < n ? j + 1 : j;
            } else if (line[i] == '\\' && i + 1 < n) {
                strbuf_add(&w, line + i + 1, 1);
                i += 2;
            } else {
                strbuf_add(&w, line + i, 1);
                i++;
            }
        }
        sink->fn(sink->ctx, strbuf_text(&w), quoted);
    }
    strbuf_free(&w);
}

/* The placeholders of the plan, as variables. */
struct variable {
    char name[64], placeholder[200];
    int list;  /* a list option: expanded unquoted, so that it splits */
};

struct script {
    FILE *out;
    struct variable *vars;
    size_t nvars, cap;
    int ordinal;              /* the change being written */
    char option[64];          /* the option before the word being written */
    int collect;              /* 1: only collect the variables, 0: write */
    int first;                /* the first word of the line */
};

static int is_placeholder(const char *w)
{
    size_t n = strlen(w);
    return n > 2 && w[0] == '<' && w[n - 1] == '>';
}

/* C3_NSG_NAME from change 3's --nsg-name. */
static void variable_name(int ordinal, const char *option, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "C%d_", ordinal);
    while (*option == '-')
        option++;
    for (const char *p = option; *p && k + 1 < n; p++)
        out[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    out[k] = '\0';
    while (k > 0 && out[k - 1] == '_')
        out[--k] = '\0';
}

static struct variable *variable_of(struct script *s, const char *placeholder)
{
    char name[64];
    variable_name(s->ordinal, s->option[0] ? s->option : "value", name, sizeof name);
    for (size_t i = 0; i < s->nvars; i++)
        if (strcmp(s->vars[i].name, name) == 0)
            return &s->vars[i];
    if (!s->collect)
        return NULL;
    if (s->nvars == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct variable *v = realloc(s->vars, cap * sizeof *v);
        if (!v)
            return NULL;
        s->vars = v;
        s->cap = cap;
    }
    struct variable *v = &s->vars[s->nvars++];
    snprintf(v->name, sizeof v->name, "%s", name);
    snprintf(v->placeholder, sizeof v->placeholder, "%s", placeholder);
    v->list = strcmp(s->option, "--service-endpoints") == 0 ||
              strcmp(s->option, "--destination-port-ranges") == 0;
    return v;
}

static void on_word(void *ctx, const char *word, int quoted)
{
    struct script *s = ctx;
    if (!quoted && word[0] == '-' && word[1] == '-')
        snprintf(s->option, sizeof s->option, "%s", word);
    struct variable *v = quoted && is_placeholder(word) ? variable_of(s, word) : NULL;
    if (s->collect)
        return;
    if (!s->first)
        fputc(' ', s->out);
    s->first = 0;
    if (v)
        fprintf(s->out, v->list ? "$%s" : "\"$%s\"", v->name);
    else if (quoted) {
        struct strbuf q = {0};
        sh_quote(&q, word);
        fputs(strbuf_text(&q), s->out);
        strbuf_free(&q);
    } else {
        fputs(word, s->out); /* nsgflow's own words: az, network, --name */
    }
}

static void on_line(void *ctx, const char *line, size_t n)
{
    struct script *s = ctx;
    struct word_sink sink = {on_word, s};
    s->option[0] = '\0';
    s->first = 1;
    each_word(line, n, &sink);
    if (!s->collect)
        fputc('\n', s->out);
}

int report_write_sh(const struct report *r, FILE *out)
{
    char a[24], b[24], t[24], line[600];
    time_format(r->window_start, a);
    time_format(r->window_end, b);
    time_format(r->generated_at, t);
    fputs("#!/bin/sh\n", out);
    snprintf(line, sizeof line, "nsgflow fix plan: %zu change%s for the analysis of %s to %s"
                                " (written %s).", r->nfixes, r->nfixes == 1 ? "" : "s",
             r->runs ? a : "-", r->runs ? b : "-", t);
    comment(out, "", line);
    comment(out, "", "Each change once, most severe first, with the findings that call for it."
                     " Review it, then run it with sh: it stops at the first command that fails."
                     " Needs the az CLI, signed in (az login) to the subscription.");
    fputs("set -eu\n", out);
    if (!r->nfixes) {
        comment(out, "", r->runs ? "Nothing to change: the analysis calls for no change."
                                 : "No analysis yet: run nsgflow analyze first.");
        return ferror(out) ? -1 : 0;
    }
    /* the placeholders, as variables at the top */
    struct script s = {.out = out, .collect = 1};
    for (size_t e = 0; e < r->nfixes; e++) {
        s.ordinal = r->fixes[e].ordinal;
        report_each_command(r->fixes[e].commands, on_line, &s);
    }
    if (s.nvars) {
        fputs("\n", out);
        comment(out, "", "Values this plan could not know. Fill them in here, or import the"
                         " configuration (what each change says below) and run nsgflow report"
                         " --format sh again to get them filled:");
        for (size_t e = 0; e < r->nfixes; e++)
            if (r->fixes[e].placeholders[0]) {
                snprintf(line, sizeof line, "change %d: ", r->fixes[e].ordinal);
                comment(out, line, r->fixes[e].placeholders);
            }
        for (size_t i = 0; i < s.nvars; i++) {
            struct strbuf q = {0};
            sh_quote(&q, s.vars[i].placeholder);
            fprintf(out, "%s=%s\n", s.vars[i].name, strbuf_text(&q));
            strbuf_free(&q);
        }
        fputs("nsgflow_unfilled=\n", out);
        for (size_t i = 0; i < s.nvars; i++)
            fprintf(out, "case \"$%s\" in '<'*'>') nsgflow_unfilled=\"$nsgflow_unfilled %s\" ;; esac\n",
                    s.vars[i].name, s.vars[i].name);
        fputs("if [ -n \"$nsgflow_unfilled\" ]; then\n"
              "    echo \"nsgflow fix plan: fill in$nsgflow_unfilled at the top of this script"
              " first (see the comments there); nothing was changed\" >&2\n"
              "    exit 1\n"
              "fi\n", out);
    }
    s.collect = 0;
    for (size_t e = 0; e < r->nfixes; e++) {
        const struct report_fix *x = &r->fixes[e];
        char head[64];
        fputs("\n", out);
        snprintf(head, sizeof head, "%d. %s: ", x->ordinal, x->severity);
        comment(out, head, x->title);
        comment(out, "changes ", x->target);
        comment(out, "", x->why);
        s.ordinal = x->ordinal;
        report_each_command(x->commands, on_line, &s);
    }
    free(s.vars);
    return ferror(out) ? -1 : 0;
}
