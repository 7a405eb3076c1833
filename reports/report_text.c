/* report_text.c: the report for a terminal (text, optionally coloured and
 * wrapped to its width) and for a ticket or wiki (Markdown), and the CSV
 * and JSON renderings for programs. Log text goes through escape.h. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "../common/timearg.h"
#include "../common/escape.h"
#include "../common/plural.h"

static const char *color_of(const char *severity)
{
    if (strcmp(severity, "error") == 0)
        return "\033[1;31m";
    if (strcmp(severity, "warning") == 0)
        return "\033[1;33m";
    return "\033[1;36m";
}

static void upper(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++)
        out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    out[i] = '\0';
}

/* The summary lines both text and Markdown share, as plain strings. */
static void summary_window(const struct report *r, char *buf, size_t n)
{
    char a[24], b[24];
    time_format(r->window_start, a);
    time_format(r->window_end, b);
    snprintf(buf, n, "%s to %s (%d analys%s)", a, b, r->runs, r->runs == 1 ? "is" : "es");
}

static void summary_data(const struct report *r, char *buf, size_t n)
{
    snprintf(buf, n, "%lld %s, %lld %s%s%s%s; service tags: %s, changeNumber %ld, published %s",
             (long long)r->blobs, plural(r->blobs, "blob", "blobs"), (long long)r->tuples,
             plural(r->tuples, "tuple", "tuples"), r->formats[0] ? " (" : "", r->formats,
             r->formats[0] ? ")" : "", r->tag_origin, r->tag_change_number,
             r->tag_published[0] ? r->tag_published : "unknown");
}

/* "snapshot 3 of 2026-12-01T22:06:22Z: apim-a (Premium, Internal)" */
static void config_line(const struct report *r, char *buf, size_t n)
{
    char t[24];
    time_format(r->config_imported_at, t);
    snprintf(buf, n, "snapshot %lld of %s%s%s", (long long)r->config_import_id, t,
             r->config_instances[0] ? ": " : "", r->config_instances);
}

/* A command for a terminal, cleaned and folded to the width between its
 * words (spaces outside quotes; an option stays with its value), with a
 * backslash at the end of each folded line, so that it pastes as one
 * command. */
struct term_width {
    FILE *out;
    int width;
};

/* The end of the word at p (a space outside single quotes ends it; a
 * backslash outside them escapes the next character, as in '\'' ). */
static const char *word_end(const char *p)
{
    int quoted = 0;
    for (; *p && (quoted || *p != ' '); p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (*p == '\\' && !quoted && p[1])
            p++;
    }
    return p;
}

static void term_command(void *ctx, const char *line, size_t n)
{
    const struct term_width *tw = ctx;
    char buf[4096];
    char *copy = strndup(line, n);
    if (!copy)
        return;
    term_clean(copy, buf, sizeof buf);
    free(copy);
    int indent = 4, col = indent;
    fprintf(tw->out, "%*s", indent, "");
    for (const char *p = buf; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *end = word_end(p);
        if (p[0] == '-' && p[1] == '-' && *end == ' ' && !(end[1] == '-' && end[2] == '-'))
            end = word_end(end + 1); /* the option and its value */
        int len = (int)(end - p);
        if (p != buf && col + 1 + len + 2 > tw->width) {
            fprintf(tw->out, " \\\n%*s", indent + 4, "");
            col = indent + 4;
        } else if (p != buf) {
            fputc(' ', tw->out);
            col++;
        }
        fwrite(p, 1, (size_t)len, tw->out);
        col += len;
        p = end;
    }
    fputc('\n', tw->out);
}

/* A command line inside a Markdown code fence: literal text (the fence is
 * longer than any run of backticks in the commands). */
static void md_command(void *ctx, const char *line, size_t n)
{
    FILE *out = ctx;
    char *copy = strndup(line, n);
    if (!copy)
        return;
    put_term(out, copy);
    fputc('\n', out);
    free(copy);
}

static int longest_backtick_run(const char *s)
{
    int best = 0, run = 0;
    for (; *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

/* A finding's key for a Markdown page: a code span (literal text to copy),
 * fenced by more backticks than any run in it; a key with < > or & (from a
 * hostile rule name) as escaped text instead, so that no page holds raw
 * markup. */
static void md_key(FILE *out, const char *key)
{
    if (strpbrk(key, "<>&")) {
        put_md(out, key);
        return;
    }
    int fence = longest_backtick_run(key) + 1;
    size_t n = strlen(key);
    int pad = n && (key[0] == '`' || key[n - 1] == '`');
    fprintf(out, "%.*s%s", fence, "``````````````````````````````", pad ? " " : "");
    put_term(out, key);
    fprintf(out, "%s%.*s", pad ? " " : "", fence, "``````````````````````````````");
}

/* The keys of the findings shown as finding i (the members of its fix),
 * each for nsgflow accept: whole on one line, never wrapped, so that it
 * copies as it is. */
static void text_keys(const struct report *r, size_t i, FILE *out, int md)
{
    const struct report_finding *f = &r->findings[i];
    if (f->fix_count <= 1) {
        fputs(md ? "- **Key:** " : "  key: ", out);
        if (md)
            md_key(out, f->key);
        else
            put_term(out, f->key);
        fputc('\n', out);
        return;
    }
    fputs(md ? "- **Keys:**\n" : "  keys:\n", out);
    for (size_t k = i, shown = 0; k < r->nfindings && shown < f->fix_count; k++) {
        if (r->findings[k].fix_group != i)
            continue;
        shown++;
        fputs(md ? "  - " : "    ", out);
        if (md)
            md_key(out, r->findings[k].key);
        else
            put_term(out, r->findings[k].key);
        fputc('\n', out);
    }
}

/* A fact of a finding that it has: not "", not "-". */
static int known(const char *s)
{
    return s && s[0] && strcmp(s, "-") != 0;
}

/* "443/TCP inbound" (as much of it as the finding has) into buf. */
static void port_text(const struct report_finding *f, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    if (f->port)
        used = (size_t)snprintf(buf, n, "%d", f->port);
    if (known(f->protocol) && used < n)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "/" : "", f->protocol);
    if (known(f->direction) && used < n)
        snprintf(buf + used, n - used, "%s%s", used ? " " : "", f->direction);
}

/* A finding's title and facts, as the text or Markdown report starts it
 * (level: the Markdown heading's); only the facts it has (an info finding
 * about the logs has no host, remote, port or rule). */
static void text_heading(const struct report_finding *f, FILE *out, int color, int width,
                         int md, const char *level)
{
    char sev[16], a[24], b[24], counts[80], line[1024], port[48];
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    report_counts(f, counts, sizeof counts);
    port_text(f, port, sizeof port);
    upper(f->severity, sev, sizeof sev);
    time_format(f->first, a);
    time_format(f->last, b);
    if (md) {
        fprintf(out, "\n%s %s (%s): ", level, sev, f->status);
        put_md(out, f->title);
        fputs("\n", out);
        const char *names[] = {"Host", "Remote", "Port", "Rule"};
        const char *values[] = {f->host, f->remote, port, f->rule};
        for (int k = 0, shown = 0; k < 4; k++)
            if (known(values[k])) {
                fprintf(out, "%s**%s:** ", shown++ ? " " : "\n- ", names[k]);
                put_md(out, values[k]);
            }
        fprintf(out, "\n- **Seen:** %s, %s to %s; **analyzer:** %s; **confidence:** %s\n",
                counts, a, b, f->analyzer, f->confidence);
        return;
    }
    if (color) {
        fprintf(out, "\n%s%s%s [%s] ", color_of(f->severity), sev, reset, f->status);
        term_clean(f->title, line, sizeof line);
        fprintf(out, "%s%s%s\n", bold, line, reset);
    } else { /* a long title wraps like the rest */
        snprintf(line, sizeof line, "%s [%s] %s", sev, f->status, f->title);
        fputc('\n', out);
        put_wrapped(out, line, 0, width);
    }
    size_t used = 0;
    const char *names[] = {"host ", "remote ", f->port ? "port " : "", "rule "};
    const char *values[] = {f->host, f->remote, port, f->rule};
    line[0] = '\0';
    for (int k = 0; k < 4; k++)
        if (known(values[k]) && used < sizeof line)
            used += (size_t)snprintf(line + used, sizeof line - used, "%s%s%s", used ? ", " : "",
                                     names[k], values[k]);
    if (used < sizeof line)
        snprintf(line + used, sizeof line - used, "%s%s, %s to %s; %s, confidence %s",
                 used ? "; " : "", counts, a, b, f->analyzer, f->confidence);
    put_wrapped(out, line, 2, width);
}

/* The fix plan, first: each change once, with what calls for it and its
 * commands. */
static void text_plan(const struct report *r, FILE *out, int color, int width, int md)
{
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    char line[4096], sev[16];
    if (!r->nfixes)
        return;
    if (md)
        fprintf(out, "\n## Fix plan: %zu change%s\n\nEach change once, most severe first, with"
                     " the findings that call for it; the commands are for a " REPORT_SHELL
                     " (`nsgflow report --format sh` writes the plan as a script).\n",
                r->nfixes, r->nfixes == 1 ? "" : "s");
    else {
        fprintf(out, "\n%sFix plan: %zu change%s%s\n", bold, r->nfixes, r->nfixes == 1 ? "" : "s",
                reset);
        put_wrapped(out, "Each change once, most severe first, with the findings that call for"
                         " it; the commands are for a " REPORT_SHELL " (nsgflow report --format sh"
                         " writes the plan as a script).", 0, width);
    }
    for (size_t e = 0; e < r->nfixes; e++) {
        const struct report_fix *x = &r->fixes[e];
        upper(x->severity, sev, sizeof sev);
        if (md) {
            fprintf(out, "\n### %d. %s: ", x->ordinal, sev);
            put_md(out, x->title);
            fputs("\n\n- **Changes:** ", out);
            put_md(out, x->target);
            fputs("\n- **Why:** ", out);
            put_md(out, x->why);
            fputs("\n", out);
            if (x->placeholders[0]) {
                fputs("- **To fill in first:** ", out);
                put_md(out, x->placeholders);
                fputs("\n", out);
            }
            if (x->commands[0]) {
                int fence = longest_backtick_run(x->commands) + 1;
                if (fence < 3)
                    fence = 3;
                fprintf(out, "\n%.*s" "sh\n", fence, "``````````````````````````````");
                report_each_command(x->commands, md_command, out);
                fprintf(out, "%.*s\n", fence, "``````````````````````````````");
            }
            continue;
        }
        snprintf(line, sizeof line, "%d. %s %s", x->ordinal, sev, x->title);
        fputc('\n', out);
        fputs(color ? color_of(x->severity) : "", out);
        put_wrapped(out, line, 0, width);
        fputs(color ? reset : "", out);
        snprintf(line, sizeof line, "changes %s", x->target);
        put_wrapped(out, line, 3, width);
        put_wrapped(out, x->why, 3, width);
        if (x->placeholders[0]) {
            snprintf(line, sizeof line, "To fill in first: %s", x->placeholders);
            put_wrapped(out, line, 3, width);
        }
        if (x->commands[0]) {
            struct term_width tw = {out, width};
            report_each_command(x->commands, term_command, &tw);
        }
    }
    if (!md)
        fprintf(out, "\n%sFindings%s (the evidence):\n", bold, reset);
}

/* A finding that is not accepted: its facts, keys, evidence, and the
 * plan's changes that fix it (their commands are in the plan). */
static void text_finding(const struct report *r, size_t i, FILE *out, int color, int width,
                         int md)
{
    const struct report_finding *f = &r->findings[i];
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    char members[800] = "", line[1024];
    if (f->fix_count > 1)
        report_fix_members(r, i, members, sizeof members);
    char fixes[200];
    report_fixes_of(r, i, fixes, sizeof fixes);
    text_heading(f, out, color, width, md, "###");
    if (md) {
        if (f->fix_count > 1) {
            fprintf(out, "- **The same fix for %zu findings:** ", f->fix_count);
            put_md(out, members);
            fputs("\n", out);
        }
        text_keys(r, i, out, md);
        fputs("- **Evidence:** ", out);
        put_md(out, f->evidence);
        fputs("\n- **Fix:** ", out);
        if (fixes[0])
            fprintf(out, "%s of the fix plan. ", fixes);
        put_md(out, f->hint);
        fputs("\n", out);
        return;
    }
    if (f->fix_count > 1) {
        snprintf(line, sizeof line, "The same fix for %zu findings: %s", f->fix_count, members);
        put_wrapped(out, line, 2, width);
    }
    text_keys(r, i, out, md);
    fprintf(out, "  %sEvidence:%s\n", bold, reset);
    put_wrapped(out, f->evidence, 4, width);
    fprintf(out, "  %sFix:%s%s%s%s\n", bold, reset, fixes[0] ? " " : "", fixes,
            fixes[0] ? " of the fix plan (above)" : "");
    put_wrapped(out, f->hint, 4, width);
}

/* "accepted 2026-12-01T10:00:00Z, until 2027-01-01T00:00:00Z" (or "no
 * end") into buf. */
static void accepted_when(const struct report_finding *f, char *buf, size_t n)
{
    char at[24], until[24];
    time_format(f->accepted_at, at);
    time_format(f->accepted_until, until);
    snprintf(buf, n, "accepted %s, %s%s", at, f->accepted_until ? "until " : "no end",
             f->accepted_until ? until : "");
}

/* The findings accepted now, under their own heading: each with its facts,
 * key, reason and end; the evidence and fix are in the database. */
static void text_accepted(const struct report *r, FILE *out, int color, int width, int md)
{
    char when[80], line[1200];
    if (md)
        fprintf(out, "\n## Accepted (%d)\n\nFindings the team has decided to live with"
                     " (`nsgflow accept`): in none of the counts above, never counted by"
                     " `--fail-on`.\n", r->accepted);
    else {
        snprintf(line, sizeof line, "Accepted (%d): findings the team has decided to live with"
                                    " (nsgflow accept); in none of the counts above, never"
                                    " counted by --fail-on", r->accepted);
        fputc('\n', out);
        put_wrapped(out, line, 0, width);
    }
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct report_finding *f = &r->findings[i];
        if (!f->accepted_reason)
            continue;
        text_heading(f, out, color, width, md, "###");
        text_keys(r, i, out, md);
        accepted_when(f, when, sizeof when);
        if (md) {
            fputs("- **Accepted:** ", out);
            put_md(out, f->accepted_reason);
            fprintf(out, " (%s)\n", when);
        } else {
            snprintf(line, sizeof line, "Accepted: %s (%s)", f->accepted_reason, when);
            put_wrapped(out, line, 2, width);
        }
    }
}

int report_write_text(const struct report *r, FILE *out, int color, int width, int md)
{
    char line[1024], accepted[48] = "";
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    if (!r->runs) {
        fputs(md ? "# nsgflow report\n\nNo analysis yet: run `nsgflow analyze` first.\n"
                 : "nsgflow report: no analysis yet; run 'nsgflow analyze' first\n", out);
        if (r->notice[0]) {
            fputs(md ? "\n> **" : "NOTE: ", out);
            (md ? put_md : put_term)(out, r->notice);
            fputs(md ? "**\n" : "\n", out);
        }
        return ferror(out) ? -1 : 0;
    }
    if (r->accepted)
        snprintf(accepted, sizeof accepted, "; %d accepted (listed last)", r->accepted);
    summary_window(r, line, sizeof line);
    if (md && r->notice[0]) {
        fputs("# nsgflow report\n\n> **", out);
        put_md(out, r->notice);
        fputs("**\n\n- **Window:** ", out);
        fputs(line, out);
        fputs("\n- **Data:** ", out);
    } else if (md) {
        fprintf(out, "# nsgflow report\n\n- **Window:** %s\n- **Data:** ", line);
    }
    if (md) {
        summary_data(r, line, sizeof line);
        put_md(out, line);
        if (r->config_import_id) {
            config_line(r, line, sizeof line);
            fputs("\n- **Configuration:** ", out);
            put_md(out, line);
        }
        fprintf(out, "\n- **APIM hosts** (%s):", r->hosts_from);
        for (size_t i = 0; i < r->nhosts; i++) {
            fputs(i ? "; " : " ", out);
            put_md(out, r->hosts[i].address);
            fputs(" (", out);
            put_md(out, r->hosts[i].reason);
            fputs(")", out);
        }
        fprintf(out, "\n- **Findings:** %d %s, %d %s, %d info; %d new, %d open, %d resolved%s\n",
                r->errors, plural(r->errors, "error", "errors"), r->warnings,
                plural(r->warnings, "warning", "warnings"), r->infos, r->new_, r->open_,
                r->resolved, accepted);
    } else {
        fprintf(out, "%snsgflow report%s: %s\n", bold, reset, line);
        if (r->notice[0]) {
            char n[sizeof r->notice + 16];
            snprintf(n, sizeof n, "NOTE: %s", r->notice);
            fputs(bold, out);
            put_wrapped(out, n, 0, width);
            fputs(reset, out);
        }
        summary_data(r, line, sizeof line);
        put_wrapped(out, line, 0, width);
        if (r->config_import_id) {
            char c[800];
            config_line(r, c, sizeof c);
            snprintf(line, sizeof line, "configuration: %s", c);
            put_wrapped(out, line, 0, width);
        }
        if (r->nhosts)
            fprintf(out, "APIM hosts (%s):\n", r->hosts_from);
        else
            fputs("APIM hosts: none with connections in the window\n", out);
        for (size_t i = 0; i < r->nhosts; i++) {
            snprintf(line, sizeof line, "%s: %s", r->hosts[i].address, r->hosts[i].reason);
            put_wrapped(out, line, 2, width);
        }
        fprintf(out, "Findings: %d %s, %d %s, %d info; %d new, %d open, %d resolved%s\n",
                r->errors, plural(r->errors, "error", "errors"), r->warnings,
                plural(r->warnings, "warning", "warnings"), r->infos, r->new_, r->open_,
                r->resolved, accepted);
    }
    text_plan(r, out, color, width, md);
    if (md && r->nfixes)
        fputs("\n## Findings\n", out);
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].fix_count && !r->findings[i].accepted_reason)
            text_finding(r, i, out, color, width, md); /* a fix's others are shown with it */
    if (r->accepted)
        text_accepted(r, out, color, width, md);
    return ferror(out) ? -1 : 0;
}

int report_write_csv(const struct report *r, FILE *out)
{
    fputs("severity,status,analyzer,title,host,remote,port,protocol,direction,rule,flows,"
          "first_seen,last_seen,confidence,evidence,hint,commands,window_start,window_end,"
          "configuration_snapshot,key,accepted_reason,accepted_at,accepted_until,plan_changes\r\n",
          out);
    char ws[24], we[24], snap[24] = "";
    time_format(r->window_start, ws);
    time_format(r->window_end, we);
    if (r->config_import_id)
        time_format(r->config_imported_at, snap);
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct report_finding *f = &r->findings[i];
        char a[24], b[24], port[16], flows[24], acc_at[24] = "", acc_until[24] = "";
        time_format(f->first, a);
        time_format(f->last, b);
        snprintf(port, sizeof port, "%d", f->port);
        snprintf(flows, sizeof flows, "%lld", (long long)f->flows);
        if (f->accepted_reason)
            time_format(f->accepted_at, acc_at);
        if (f->accepted_reason && f->accepted_until)
            time_format(f->accepted_until, acc_until);
        char changes[200] = ""; /* its changes' ordinals in the fix plan: "1 2" */
        for (size_t e = 0; e < r->nfixes; e++)
            for (size_t k = 0; k < r->fixes[e].nfindings; k++)
                if (r->fixes[e].findings[k] == i) {
                    size_t used = strlen(changes);
                    snprintf(changes + used, sizeof changes - used, "%s%d", used ? " " : "",
                             r->fixes[e].ordinal);
                    break;
                }
        const char *cells[] = {f->severity, f->status, f->analyzer, f->title, f->host,
                               f->remote, port, f->protocol, f->direction, f->rule, flows,
                               a, b, f->confidence, f->evidence, f->hint, f->commands, ws, we,
                               snap, f->key, f->accepted_reason ? f->accepted_reason : "",
                               acc_at, acc_until, changes};
        for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
            if (c)
                fputc(',', out);
            put_csv(out, cells[c]);
        }
        fputs("\r\n", out);
    }
    return ferror(out) ? -1 : 0;
}

static void put_json_time(FILE *out, int64_t t)
{
    char buf[24];
    time_format(t, buf);
    put_json(out, buf);
}

struct json_list {
    FILE *out;
    int n;
};

static void json_command(void *ctx, const char *line, size_t n)
{
    struct json_list *l = ctx;
    char *copy = strndup(line, n);
    if (!copy)
        return;
    if (l->n++)
        fputs(", ", l->out);
    put_json(l->out, copy);
    free(copy);
}

int report_write_json(const struct report *r, FILE *out)
{
    fprintf(out, "{\n  \"format\": \"nsgflow-report\",\n  \"version\": %d,\n  \"generated_at\": ",
            REPORT_JSON_VERSION);
    put_json_time(out, r->generated_at);
    fputs(",\n  \"window\": {\"start\": ", out);
    put_json_time(out, r->window_start);
    fputs(", \"end\": ", out);
    put_json_time(out, r->window_end);
    fprintf(out, ", \"analyses\": %d},\n", r->runs);
    if (r->notice[0]) {
        fputs("  \"notice\": ", out);
        put_json(out, r->notice);
        fputs(",\n", out);
    }
    fprintf(out, "  \"data\": {\"blobs\": %lld, \"tuples\": %lld, \"partial_blobs\": %lld,"
                 " \"formats\": ", (long long)r->blobs, (long long)r->tuples, (long long)r->partial);
    put_json(out, r->formats);
    fputs(", \"service_tags\": {\"origin\": ", out);
    put_json(out, r->tag_origin);
    fprintf(out, ", \"change_number\": %ld, \"published\": ", r->tag_change_number);
    put_json(out, r->tag_published);
    fputs("}},\n  \"configuration\": ", out);
    if (r->config_import_id) {
        fprintf(out, "{\"import_id\": %lld, \"imported_at\": ", (long long)r->config_import_id);
        put_json_time(out, r->config_imported_at);
        fputs(", \"instances\": ", out);
        put_json(out, r->config_instances);
        fputs("}", out);
    } else {
        fputs("null", out);
    }
    fputs(",\n  \"commands_shell\": \"" REPORT_SHELL "\",\n  \"hosts_from\": ", out);
    put_json(out, r->hosts_from);
    fputs(",\n  \"hosts\": [", out);
    for (size_t i = 0; i < r->nhosts; i++) {
        fputs(i ? ",\n    {\"address\": " : "\n    {\"address\": ", out);
        put_json(out, r->hosts[i].address);
        fputs(", \"reason\": ", out);
        put_json(out, r->hosts[i].reason);
        fprintf(out, ", \"flows\": %lld}", (long long)r->hosts[i].flows);
    }
    fprintf(out, "%s],\n  \"summary\": {\"errors\": %d, \"warnings\": %d, \"info\": %d,"
                 " \"new\": %d, \"open\": %d, \"resolved\": %d, \"accepted\": %d,"
                 " \"changes\": %zu},\n  \"plan\": [",
            r->nhosts ? "\n  " : "", r->errors, r->warnings, r->infos, r->new_, r->open_,
            r->resolved, r->accepted, r->nfixes);
    for (size_t e = 0; e < r->nfixes; e++) {
        const struct report_fix *x = &r->fixes[e];
        fprintf(out, "%s{\"ordinal\": %d", e ? ",\n    " : "\n    ", x->ordinal);
        const char *names[] = {"kind", "severity", "title", "target", "why", "placeholders"};
        const char *values[] = {x->kind, x->severity, x->title, x->target, x->why, x->placeholders};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            fprintf(out, ", \"%s\": ", names[k]);
            put_json(out, values[k]);
        }
        fputs(", \"commands\": [", out);
        struct json_list jl = {out, 0};
        report_each_command(x->commands, json_command, &jl);
        fputs("], \"findings\": [", out);
        for (size_t k = 0; k < x->nfindings; k++)
            fprintf(out, "%s%zu", k ? ", " : "", x->findings[k]);
        fputs("]}", out);
    }
    fprintf(out, "%s],\n  \"findings\": [", r->nfixes ? "\n  " : "");
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct report_finding *f = &r->findings[i];
        fputs(i ? ",\n    {" : "\n    {", out);
        const char *names[] = {"analyzer", "severity", "status", "title", "host", "remote",
                               "protocol", "direction", "rule", "confidence", "evidence", "hint",
                               "key"};
        const char *values[] = {f->analyzer, f->severity, f->status, f->title, f->host,
                                f->remote, f->protocol, f->direction, f->rule, f->confidence,
                                f->evidence, f->hint, f->key};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            fprintf(out, "%s\"%s\": ", k ? ", " : "", names[k]);
            put_json(out, values[k]);
        }
        fprintf(out, ", \"port\": %d, \"flows\": %lld, \"connections\": %lld,"
                     " \"fix_group\": %zu, \"fixes\": [", f->port, (long long)f->flows,
                (long long)f->connections, f->fix_group);
        for (size_t e = 0, shown = 0; e < r->nfixes; e++)
            for (size_t k = 0; k < r->fixes[e].nfindings; k++)
                if (r->fixes[e].findings[k] == i) {
                    fprintf(out, "%s%d", shown++ ? ", " : "", r->fixes[e].ordinal);
                    break;
                }
        fputs("], \"first_seen\": ", out);
        put_json_time(out, f->first);
        fputs(", \"last_seen\": ", out);
        put_json_time(out, f->last);
        fputs(", \"accepted\": ", out);
        if (f->accepted_reason) {
            fputs("{\"reason\": ", out);
            put_json(out, f->accepted_reason);
            fputs(", \"accepted_at\": ", out);
            put_json_time(out, f->accepted_at);
            fputs(", \"until\": ", out);
            if (f->accepted_until)
                put_json_time(out, f->accepted_until);
            else
                fputs("null", out);
            fputs("}", out);
        } else
            fputs("null", out);
        fputs(", \"commands\": [", out);
        struct json_list commands = {out, 0};
        report_each_command(f->commands, json_command, &commands);
        fputs("]", out);
        /* details are JSON the analyzer wrote */
        fprintf(out, ", \"details\": %s, \"hourly\": [", f->details[0] == '{' ? f->details : "{}");
        for (size_t h = 0; h < f->nhours; h++) {
            fputs(h ? ", {\"hour\": " : "{\"hour\": ", out);
            put_json_time(out, f->hours[h].hour);
            fprintf(out, ", \"bad\": %lld, \"good\": %lld}", (long long)f->hours[h].bad,
                    (long long)f->hours[h].good);
        }
        fputs("]}", out);
    }
    fprintf(out, "%s],\n  \"requirements\": [", r->nfindings ? "\n  " : "");
    for (size_t i = 0; i < r->nmatrix; i++) {
        const struct report_requirement *m = &r->matrix[i];
        fputs(i ? ",\n    {\"host\": " : "\n    {\"host\": ", out);
        put_json(out, m->host);
        fprintf(out, ", \"requirement_id\": %d, \"direction\": ", m->requirement_id);
        put_json(out, m->direction);
        fputs(", \"protocol\": ", out);
        put_json(out, m->protocol);
        fputs(", \"ports\": ", out);
        put_json(out, m->ports);
        fputs(", \"remote\": ", out);
        put_json(out, m->remote);
        fputs(", \"purpose\": ", out);
        put_json(out, m->purpose);
        fputs(", \"level\": ", out);
        put_json(out, m->level);
        fprintf(out, ", \"allowed\": %lld, \"denied\": %lld, \"seen\": ", (long long)m->allowed,
                (long long)m->denied);
        put_json(out, m->seen);
        fputs(", \"configuration\": ", out);
        if (m->configuration[0])
            put_json(out, m->configuration);
        else
            fputs("null", out);
        fputs("}", out);
    }
    fprintf(out, "%s]\n}\n", r->nmatrix ? "\n  " : "");
    return ferror(out) ? -1 : 0;
}
