/* report_html.c: the report as ONE self-contained HTML page: no external
 * script, style or font, so it opens from an e-mail attachment with no
 * network, and prints. A summary, the requirements matrix (requirement by
 * APIM host: denied, allowed, not seen), and each finding with a timeline
 * (inline SVG drawn here), its evidence and its fix. Every log-derived
 * string goes through put_html. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "../common/timearg.h"
#include "../common/escape.h"

#ifndef NSGFLOW_VERSION
#define NSGFLOW_VERSION "dev"
#endif

static const char style[] =
    "body{font:15px/1.45 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "color:#1b1f24;margin:0 auto;max-width:1100px;padding:24px}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 10px;"
    "border-bottom:2px solid #d0d7de;padding-bottom:4px}h3{font-size:16px;margin:0 0 8px}"
    ".sub{color:#57606a;margin:0 0 16px}"
    ".notice{border:2px solid #bf8700;background:#fff8c5;border-radius:6px;padding:8px 12px;"
    "font-weight:600}"
    ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}"
    ".card{border:1px solid #d0d7de;border-radius:8px;padding:8px 14px;min-width:90px}"
    ".card b{display:block;font-size:24px}.card.error b{color:#cf222e}"
    ".card.warning b{color:#9a6700}.card.info b{color:#0969da}"
    "table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}"
    "th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}table.facts th{width:150px}"
    "td.denied{background:#ffd8d3;color:#82071e;font-weight:600}"
    "td.allowed{background:#d2f4d9;color:#116329}td.notseen{background:#f3f4f6;color:#6e7781}"
    ".finding{border:1px solid #d0d7de;border-left:6px solid #6e7781;border-radius:6px;"
    "padding:12px 16px;margin:14px 0;break-inside:avoid}"
    ".finding.error{border-left-color:#cf222e}.finding.warning{border-left-color:#bf8700}"
    ".finding.info{border-left-color:#0969da}.finding.accepted{border-left-color:#8250df}"
    ".card.accepted b{color:#8250df}.accepted-reason{font-weight:600}"
    ".key{font-size:12.5px;color:#57606a}.key code{word-break:break-all}"
    ".badge{display:inline-block;border-radius:4px;padding:1px 6px;font-size:12px;"
    "font-weight:700;color:#fff;background:#6e7781;margin-right:6px}"
    ".badge.error{background:#cf222e}.badge.warning{background:#bf8700}.badge.info{background:#0969da}"
    ".status{font-size:12px;border:1px solid #8c959f;border-radius:10px;padding:0 7px;margin-right:6px}"
    ".status.new{border-color:#cf222e;color:#cf222e}.status.resolved{border-color:#1a7f37;color:#1a7f37}"
    "pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px;"
    "white-space:pre-wrap;word-break:break-word;font-size:12.5px}"
    "svg{max-width:100%;height:auto}.legend{font-size:12px;color:#57606a}"
    "footer{margin-top:32px;color:#57606a;font-size:12px}"
    "@media print{body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}"
    ".finding{break-inside:avoid}}";

/* One of nsgflow's own words, for a class name: never a log's text. */
static const char *word(const char *s, const char *a, const char *b, const char *c)
{
    return strcmp(s, a) == 0 ? a : strcmp(s, b) == 0 ? b : c;
}

static void put_time(FILE *out, int64_t t)
{
    char buf[24];
    time_format(t, buf);
    fputs(buf, out);
}

/* Flows per hour across the window: bad above in red, good in green. */
static void timeline(FILE *out, const struct report *r, const struct report_finding *f)
{
    int64_t start = r->window_start - r->window_start % 3600;
    int64_t hours = (r->window_end - start) / 3600 + 1;
    if (hours < 1 || hours > 24 * 92 || f->nhours == 0)
        return;
    int64_t max = 1;
    for (size_t i = 0; i < f->nhours; i++) {
        int64_t total = f->hours[i].bad + f->hours[i].good;
        if (total > max)
            max = total;
    }
    const int w = 720, h = 120, left = 40, bottom = 20, plot_h = h - bottom - 8;
    double bw = (double)(w - left - 4) / (double)hours;
    int conn = strcmp(f->analyzer, "asymmetric-return") == 0;
    fprintf(out, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\""
                 " aria-label=\"flows per hour\">", w, h, w, h);
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8c959f\"/>",
            left, h - bottom, w - 4, h - bottom);
    fprintf(out, "<text x=\"%d\" y=\"14\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">%lld</text>",
            left - 4, (long long)max);
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">0</text>",
            left - 4, h - bottom);
    for (size_t i = 0; i < f->nhours; i++) {
        int64_t slot = (f->hours[i].hour - start) / 3600;
        if (slot < 0 || slot >= hours)
            continue;
        double x = left + (double)slot * bw + bw * 0.1;
        double bh = plot_h * (double)f->hours[i].bad / (double)max;
        double gh = plot_h * (double)f->hours[i].good / (double)max;
        double y0 = h - bottom;
        if (gh > 0)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4ac26b\"/>",
                    x, y0 - gh, bw * 0.8, gh);
        if (bh > 0)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#cf222e\">"
                         "<title>%lld %s, %lld %s</title></rect>",
                    x, y0 - gh - bh, bw * 0.8, bh, (long long)f->hours[i].bad,
                    conn ? "lost" : "denied", (long long)f->hours[i].good,
                    conn ? "completed" : "allowed");
    }
    char a[24], b[24];
    time_format(start, a);
    time_format(start + (hours - 1) * 3600, b);
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#57606a\">%s</text>", left,
            h - 4, a);
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#57606a\">%s</text>",
            w - 4, h - 4, b);
    fprintf(out, "</svg><div class=\"legend\">per hour: <span style=\"color:#cf222e\">&#9632;</span> %s"
                 " &nbsp; <span style=\"color:#4ac26b\">&#9632;</span> %s</div>",
            conn ? "connections that lost their replies" : "denied flows",
            conn ? "completed connections" : "allowed flows of the same requirement");
}

/* Coverage: one strip per NIC, one cell per hour of the window: a blob,
 * a partial blob, no blob. */
static void coverage(FILE *out, const struct report *r)
{
    if (!r->ncoverage || !r->coverage_hours)
        return;
    int64_t gaps = 0, partial = 0;
    for (size_t i = 0; i < r->ncoverage; i++) {
        gaps += r->coverage[i].missing;
        partial += r->coverage[i].partial;
    }
    fprintf(out, "<h2>Coverage</h2><p class=\"sub\">The flow logs under the findings: one strip"
                 " per NIC, one cell per hour of the window (%zu NIC%s; %lld hour%s without a"
                 " blob, %lld with a partial one). What happened in a missing hour is not"
                 " seen.</p>", r->ncoverage, r->ncoverage == 1 ? "" : "s", (long long)gaps,
            gaps == 1 ? "" : "s", (long long)partial);
    const int label = 120, cell_w = r->coverage_hours > 168 ? 2 : r->coverage_hours > 48 ? 4 : 12;
    const int row_h = 16, w = label + cell_w * (int)r->coverage_hours + 4;
    int h = row_h * (int)r->ncoverage + 18;
    fprintf(out, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\""
                 " aria-label=\"log coverage per NIC and hour\">", w, h, w, h);
    for (size_t i = 0; i < r->ncoverage; i++) {
        const struct report_coverage *c = &r->coverage[i];
        int y = (int)i * row_h;
        fprintf(out, "<text x=\"0\" y=\"%d\" font-size=\"11\" fill=\"#57606a\">", y + 11);
        put_html(out, c->mac);
        fputs("</text>", out);
        for (size_t k = 0; k < r->coverage_hours; k++) {
            char cell = c->cells[k];
            if (cell == ' ')
                continue;
            const char *fill = cell == 'o' ? "#4ac26b" : cell == 'p' ? "#d4a72c" : "#cf222e";
            char t[24];
            time_format(r->coverage_start + (int64_t)k * 3600, t);
            fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                         "<title>%.16sZ: %s</title></rect>", label + (int)k * cell_w, y + 2,
                    cell_w > 2 ? cell_w - 1 : cell_w, row_h - 4, fill, t,
                    cell == 'o' ? "logged" : cell == 'p' ? "a partial blob" : "no blob");
        }
    }
    char a[24], b[24];
    time_format(r->coverage_start, a);
    time_format(r->coverage_start + (int64_t)(r->coverage_hours - 1) * 3600, b);
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#57606a\">%.16sZ</text>"
                 "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\""
                 " fill=\"#57606a\">%.16sZ</text></svg>", label, h - 2, a, w - 4, h - 2, b);
    fputs("<div class=\"legend\"><span style=\"color:#4ac26b\">&#9632;</span> logged &nbsp;"
          " <span style=\"color:#d4a72c\">&#9632;</span> a partial blob &nbsp;"
          " <span style=\"color:#cf222e\">&#9632;</span> no blob</div>", out);
}

static void fact(FILE *out, const char *name, const char *value)
{
    fprintf(out, "<tr><th>%s</th><td>", name);
    put_html(out, value);
    fputs("</td></tr>", out);
}

static void matrix(FILE *out, const struct report *r)
{
    if (!r->nhosts || !r->nmatrix)
        return;
    fputs("<h2>Requirements by host</h2><p class=\"sub\">Every requirement of the APIM docs"
          " (the newest level for each): were its flows denied, allowed, or not seen?", out);
    if (r->config_import_id)
        fputs(" And what the imported configuration's NSG rules decide for it.", out);
    fputs("</p><table class=\"matrix\"><tr><th>Direction</th><th>Protocol / ports</th>"
          "<th>Remote</th><th>Purpose</th><th>Level</th>", out);
    for (size_t h = 0; h < r->nhosts; h++) {
        fputs("<th>", out);
        put_html(out, r->hosts[h].address);
        fputs("</th>", out);
        if (r->config_import_id) {
            fputs("<th>configuration: ", out);
            put_html(out, r->hosts[h].address);
            fputs("</th>", out);
        }
    }
    fputs("</tr>", out);
    /* rows in the order of the first host's entries */
    const char *first_host = r->matrix[0].host;
    for (size_t i = 0; i < r->nmatrix; i++) {
        const struct report_requirement *m = &r->matrix[i];
        if (strcmp(m->host, first_host) != 0)
            continue;
        fputs("<tr><td>", out);
        put_html(out, m->direction);
        fputs("</td><td>", out);
        put_html(out, m->protocol);
        fputs(" ", out);
        put_html(out, m->ports);
        fputs("</td><td>", out);
        put_html(out, m->remote);
        fputs("</td><td>", out);
        put_html(out, m->purpose);
        fputs("</td><td>", out);
        put_html(out, m->level);
        fputs("</td>", out);
        for (size_t h = 0; h < r->nhosts; h++) {
            const struct report_requirement *cell = NULL;
            for (size_t k = 0; k < r->nmatrix && !cell; k++)
                if (r->matrix[k].requirement_id == m->requirement_id &&
                    strcmp(r->matrix[k].host, r->hosts[h].address) == 0)
                    cell = &r->matrix[k];
            if (!cell || (!cell->denied && !cell->allowed))
                fputs("<td class=\"notseen\">not seen</td>", out);
            else if (cell->denied)
                fprintf(out, "<td class=\"denied\">denied %lld%s</td>", (long long)cell->denied,
                        cell->allowed ? " (some allowed)" : "");
            else
                fprintf(out, "<td class=\"allowed\">allowed %lld</td>", (long long)cell->allowed);
            if (r->config_import_id) {
                const char *c = cell ? cell->configuration : "";
                fprintf(out, "<td class=\"%s\">", !c[0] ? "notseen"
                                                   : strncmp(c, "allowed", 7) == 0 ? "allowed"
                                                                                  : "denied");
                put_html(out, c[0] ? c : "not configured");
                fputs("</td>", out);
            }
        }
        fputs("</tr>", out);
    }
    fputs("</table>", out);
}

static void html_command(void *ctx, const char *line, size_t n)
{
    FILE *out = ctx;
    char *copy = strndup(line, n);
    if (!copy)
        return;
    put_html(out, copy);
    fputc('\n', out);
    free(copy);
}

/* The fix plan: each change once, with what calls for it and its
 * commands. */
static void html_plan(FILE *out, const struct report *r)
{
    if (!r->nfixes)
        return;
    fprintf(out, "\n<h2 id=\"plan\">Fix plan: %zu change%s</h2><p class=\"sub\">Each change once,"
                 " most severe first, with the findings that call for it; the commands are for a"
                 " " REPORT_SHELL " (<code>nsgflow report --format sh</code> writes the plan as a"
                 " script).</p>\n", r->nfixes, r->nfixes == 1 ? "" : "s");
    for (size_t e = 0; e < r->nfixes; e++) {
        const struct report_fix *x = &r->fixes[e];
        fprintf(out, "<article class=\"finding %s\" id=\"change-%d\"><h3>%d. <span class=\"badge"
                     " %s\">%s</span>", word(x->severity, "error", "warning", "info"), x->ordinal,
                x->ordinal, word(x->severity, "error", "warning", "info"),
                word(x->severity, "error", "warning", "info"));
        put_html(out, x->title);
        fputs("</h3><p>Changes ", out);
        put_html(out, x->target);
        fputs(".</p><p>", out);
        put_html(out, x->why);
        fputs("</p>", out);
        if (x->placeholders[0]) {
            fputs("<p><b>To fill in first:</b> ", out);
            put_html(out, x->placeholders);
            fputs("</p>", out);
        }
        if (x->commands[0]) {
            fputs("<pre>", out);
            report_each_command(x->commands, html_command, out);
            fputs("</pre>", out);
        }
        fputs("</article>\n", out);
    }
}

/* The keys of the findings shown as finding i (the members of its fix),
 * for nsgflow accept. */
static void html_keys(FILE *out, const struct report *r, size_t i)
{
    const struct report_finding *f = &r->findings[i];
    fputs(f->fix_count > 1 ? "<p class=\"key\">Keys:" : "<p class=\"key\">Key:", out);
    for (size_t k = i, shown = 0; k < r->nfindings && shown < f->fix_count; k++) {
        if (r->findings[k].fix_group != i)
            continue;
        fputs(shown++ ? "<br><code>" : " <code>", out);
        put_html(out, r->findings[k].key);
        fputs("</code>", out);
    }
    fputs("</p>", out);
}

/* Finding i: a problem with its timeline, evidence and fix, or an accepted
 * one with its reason and end. */
static void html_finding(FILE *out, const struct report *r, size_t i)
{
    const struct report_finding *f = &r->findings[i];
    const char *sev = word(f->severity, "error", "warning", "info");
    fprintf(out, "\n<article class=\"finding %s\"><h3><span class=\"badge %s\">",
            f->accepted_reason ? "accepted" : sev, sev);
    put_html(out, f->severity);
    fprintf(out, "</span><span class=\"status %s\">", word(f->status, "new", "resolved", "open"));
    put_html(out, f->status);
    fputs("</span>", out);
    put_html(out, f->title);
    fputs("</h3>", out);
    if (f->accepted_reason) {
        char at[24], until[24];
        time_format(f->accepted_at, at);
        time_format(f->accepted_until, until);
        fputs("<p><span class=\"accepted-reason\">Accepted: ", out);
        put_html(out, f->accepted_reason);
        fprintf(out, "</span> (accepted %s, %s%s)</p>", at, f->accepted_until ? "until " : "no end",
                f->accepted_until ? until : "");
    }
    if (f->fix_count > 1) {
        char members[800];
        report_fix_members(r, i, members, sizeof members);
        fprintf(out, "<p class=\"shared\">One fix for %zu findings: ", f->fix_count);
        put_html(out, members);
        fputs("</p>", out);
    }
    if (!f->accepted_reason)
        timeline(out, r, f);
    fputs("<table><tr><th>Host</th><th>Remote</th><th>Port</th><th>Direction</th><th>Rule</th>"
          "<th>Seen</th><th>First seen</th><th>Last seen</th><th>Confidence</th><th>Analyzer</th></tr><tr><td>", out);
    put_html(out, f->host);
    fputs("</td><td>", out);
    put_html(out, f->remote);
    fprintf(out, "</td><td>%d/", f->port);
    put_html(out, f->protocol);
    fputs("</td><td>", out);
    put_html(out, f->direction);
    fputs("</td><td>", out);
    put_html(out, f->rule);
    char counts[80];
    report_counts(f, counts, sizeof counts);
    fprintf(out, "</td><td>%s</td><td>", counts);
    put_time(out, f->first);
    fputs("</td><td>", out);
    put_time(out, f->last);
    fputs("</td><td>", out);
    put_html(out, f->confidence);
    fputs("</td><td>", out);
    put_html(out, f->analyzer);
    fputs("</td></tr></table>", out);
    html_keys(out, r, i);
    if (!f->accepted_reason) {
        fputs("<p>", out);
        put_html(out, f->evidence);
        fputs("</p><h4>Fix</h4><p>", out);
        char fixes[200];
        report_fixes_of(r, i, fixes, sizeof fixes);
        if (fixes[0]) /* (its commands are in the plan) */
            fprintf(out, "<a href=\"#change-%d\">%s of the fix plan</a>: ",
                    atoi(strpbrk(fixes, "0123456789")), fixes);
        put_html(out, f->hint);
        fputs("</p>", out);
    }
    fputs("</article>", out);
}

int report_write_html(const struct report *r, FILE *out)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<title>nsgflow report</title><style>", out);
    fputs(style, out);
    fputs("</style></head><body>\n<h1>nsgflow report</h1>", out);
    if (!r->runs) {
        fputs("<p>No analysis yet: run <code>nsgflow analyze</code> first.</p>\n", out);
        if (r->notice[0]) {
            fputs("<p class=\"notice\">", out);
            put_html(out, r->notice);
            fputs("</p>\n", out);
        }
        fputs("</body></html>\n", out);
        return ferror(out) ? -1 : 0;
    }
    fputs("<p class=\"sub\">", out);
    put_time(out, r->window_start);
    fputs(" to ", out);
    put_time(out, r->window_end);
    fprintf(out, " &middot; %d analys%s</p>\n", r->runs, r->runs == 1 ? "is" : "es");
    if (r->notice[0]) {
        fputs("<p class=\"notice\">", out);
        put_html(out, r->notice);
        fputs("</p>\n", out);
    }
    fprintf(out, "<div class=\"cards\"><div class=\"card error\"><b>%d</b>errors</div>"
                 "<div class=\"card warning\"><b>%d</b>warnings</div>"
                 "<div class=\"card info\"><b>%d</b>info</div>"
                 "<div class=\"card\"><b>%d</b>new</div><div class=\"card\"><b>%d</b>open</div>"
                 "<div class=\"card\"><b>%d</b>resolved</div>",
            r->errors, r->warnings, r->infos, r->new_, r->open_, r->resolved);
    if (r->accepted)
        fprintf(out, "<div class=\"card accepted\"><b>%d</b>accepted</div>", r->accepted);
    fputs("</div>\n", out);
    char buf[1200];
    fputs("<table class=\"facts\">", out);
    snprintf(buf, sizeof buf, "%lld blobs, %lld flow tuples%s%s%s", (long long)r->blobs,
             (long long)r->tuples, r->formats[0] ? ": " : "", r->formats,
             r->partial ? " (some partial)" : "");
    fact(out, "Data", buf);
    snprintf(buf, sizeof buf, "%s, changeNumber %ld, published %s", r->tag_origin,
             r->tag_change_number, r->tag_published[0] ? r->tag_published : "unknown");
    fact(out, "Service tags", buf);
    if (r->config_import_id) {
        char t[24];
        time_format(r->config_imported_at, t);
        snprintf(buf, sizeof buf, "snapshot %lld of %s%s%s", (long long)r->config_import_id, t,
                 r->config_instances[0] ? ": " : "", r->config_instances);
        fact(out, "Configuration", buf);
    }
    fprintf(out, "<tr><th>APIM hosts</th><td>%s", strcmp(r->hosts_from, "given") == 0
                                                       ? "given with --apim-subnet"
                                                 : strcmp(r->hosts_from, "configuration") == 0
                                                       ? "inside the configured subnets"
                                                       : "detected from the traffic");
    for (size_t i = 0; i < r->nhosts; i++) {
        fputs("<br><b>", out);
        put_html(out, r->hosts[i].address);
        fputs("</b>: ", out);
        put_html(out, r->hosts[i].reason);
    }
    fputs("</td></tr></table>\n", out);
    html_plan(out, r);
    matrix(out, r);
    coverage(out, r);
    fputs("\n<h2>Findings</h2>", out);
    if (r->nfindings == (size_t)r->accepted)
        fputs("<p>None: nothing in this window breaks API Management as far as the flows tell.</p>", out);
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].fix_count && !r->findings[i].accepted_reason)
            html_finding(out, r, i); /* a fix's others are shown with it */
    if (r->accepted) {
        fprintf(out, "\n<h2>Accepted (%d)</h2><p class=\"sub\">Findings the team has decided to"
                     " live with (<code>nsgflow accept</code>): in none of the counts above, never"
                     " counted by <code>--fail-on</code>.</p>", r->accepted);
        for (size_t i = 0; i < r->nfindings; i++)
            if (r->findings[i].accepted_reason)
                html_finding(out, r, i);
    }
    fputs("\n<footer>nsgflow " NSGFLOW_VERSION " &middot; generated ", out);
    put_time(out, r->generated_at);
    fputs(" &middot; the evidence is inferred from flow logs; check it before you change"
          " production.</footer>\n</body></html>\n", out);
    return ferror(out) ? -1 : 0;
}
