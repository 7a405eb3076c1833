/* report_html.c: the report as ONE self-contained HTML page: no script,
 * no external style, font or image, so it opens from an e-mail attachment
 * with no network, and prints. It opens on the answer: the verdict in one
 * sentence, then the fix plan (one block per change, with its evidence and
 * commands), then the findings with their charts, the requirements matrix
 * (one column per APIM host), the log coverage and the facts. No table is
 * wider than the page: each scrolls inside its box. Every string from
 * outside goes through put_html; the pictures are in report_html_charts.c. */
#include "report_html_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/timearg.h"

#ifndef NSGFLOW_VERSION
#define NSGFLOW_VERSION "dev"
#endif

static const char style[] =
    "body{font:15px/1.45 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "color:#1b1f24;margin:0 auto;max-width:1100px;padding:20px 24px}"
    "p,li,h3,pre,.meta span{overflow-wrap:anywhere}"
    "h1{font-size:22px;margin:0}h2{font-size:19px;margin:28px 0 8px;"
    "border-bottom:2px solid #d0d7de;padding-bottom:3px}h3{font-size:16px;margin:0 0 6px}"
    "h4{font-size:14px;margin:10px 0 4px}a{color:#0969da}"
    ".sub{color:#57606a;margin:2px 0 10px}"
    ".verdict{font-size:21px;font-weight:650;margin:10px 0 6px}"
    ".verdict.ok{color:#1a7f37}"
    ".notice{border:2px solid #bf8700;background:#fff8c5;border-radius:6px;padding:8px 12px;"
    "font-weight:600}"
    ".cards{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0;font-size:13px}"
    ".card{border:1px solid #d0d7de;border-radius:12px;padding:1px 10px;color:#57606a}"
    ".card b{font-size:15px;margin-right:4px;color:#1b1f24}.card.error b{color:#cf222e}"
    ".card.warning b{color:#9a6700}.card.info b{color:#0969da}.card.accepted b{color:#8250df}"
    "nav{font-size:13px;margin:4px 0 0;color:#57606a}"
    ".scroll{overflow-x:auto;max-width:100%;margin:6px 0 12px}"
    "table{border-collapse:collapse;width:100%;font-size:13px}"
    "th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}table.facts th{width:150px}"
    "td.denied{background:#ffd8d3;color:#82071e}td.allowed{background:#d2f4d9;color:#116329}"
    "td.notseen{background:#f3f4f6;color:#6e7781}td b{font-weight:650}"
    ".cfg{display:block;font-size:11px;margin-top:2px;color:#57606a}"
    ".cfg.denied{color:#a40e26}.cfg.allowed{color:#1a7f37}"
    ".req{min-width:180px}.req small{display:block;color:#57606a}th.host{min-width:110px}"
    ".shell{font-size:12.5px;color:#57606a}"
    "details{margin:8px 0}summary{cursor:pointer;font-weight:600}"
    ".fix,.finding{border:1px solid #d0d7de;border-left:6px solid #6e7781;border-radius:6px;"
    "padding:10px 14px;margin:10px 0;break-inside:avoid}"
    ".fix.error,.finding.error{border-left-color:#cf222e}"
    ".fix.warning,.finding.warning{border-left-color:#bf8700}"
    ".fix.info,.finding.info{border-left-color:#0969da}.finding.accepted{border-left-color:#8250df}"
    ".fix p,.finding p{margin:4px 0}.target{color:#57606a;font-size:13.5px}"
    ".ord{display:inline-block;min-width:22px;text-align:center;border-radius:11px;"
    "background:#1b1f24;color:#fff;font-size:13px;margin-right:6px}"
    ".accepted-reason{font-weight:600}.key{font-size:12.5px;color:#57606a}"
    ".key code{word-break:break-all}"
    ".badge{display:inline-block;border-radius:4px;padding:1px 6px;font-size:12px;"
    "font-weight:700;color:#fff;background:#6e7781;margin-right:6px}"
    ".badge.error{background:#cf222e}.badge.warning{background:#bf8700}.badge.info{background:#0969da}"
    ".status{font-size:12px;border:1px solid #8c959f;border-radius:10px;padding:0 7px;margin-right:6px}"
    ".status.new{border-color:#cf222e;color:#cf222e}.status.resolved{border-color:#1a7f37;color:#1a7f37}"
    ".meta{display:flex;flex-wrap:wrap;gap:2px 14px;font-size:13px;margin:4px 0}"
    ".meta span{min-width:0}.meta b{color:#57606a;font-weight:600;margin-right:4px}"
    "pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px;margin:6px 0;"
    "white-space:pre-wrap;word-break:break-word;font-size:12.5px}"
    "pre.cmd code{-webkit-user-select:all;user-select:all}"
    ".legend{font-size:12px;color:#57606a}.legend i{font-style:normal}"
    ".chart{margin:6px 0}svg.bars{display:block;width:100%;height:64px;"
    "border-bottom:1px solid #8c959f}"
    ".axis{position:relative;height:16px;overflow:hidden;font-size:11px;color:#57606a}"
    ".axis span{position:absolute;top:0;white-space:nowrap;padding-left:3px;"
    "border-left:1px solid #8c959f;line-height:15px}"
    ".cov-row{display:grid;grid-template-columns:170px minmax(0,1fr);gap:10px;"
    "align-items:center;margin:2px 0}.cov-name{font-size:13px;overflow-wrap:anywhere}"
    ".cov-name small{color:#57606a}svg.cov-bar{display:block;width:100%;height:14px}"
    "footer{margin-top:28px;color:#57606a;font-size:12px}"
    "@media (max-width:760px){.axis .odd{display:none}body{padding:12px}"
    ".cov-row{grid-template-columns:110px minmax(0,1fr)}}"
    "@media print{body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}"
    ".fix,.finding{break-inside:avoid}nav{display:none}}";

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

/* A finding that counts as a problem: an error or warning, neither
 * accepted nor resolved. */
static int is_problem(const struct report_finding *f)
{
    return !f->accepted_reason && strcmp(f->status, "resolved") != 0 &&
           (strcmp(f->severity, "error") == 0 || strcmp(f->severity, "warning") == 0);
}

/* 1 when change x fixes finding i. */
static int planned_by(const struct report_fix *x, size_t i)
{
    for (size_t k = 0; k < x->nfindings; k++)
        if (x->findings[k] == i)
            return 1;
    return 0;
}

/* 1 when a change of the fix plan fixes finding i. */
static int planned(const struct report *r, size_t i)
{
    for (size_t e = 0; e < r->nfixes; e++)
        if (planned_by(&r->fixes[e], i))
            return 1;
    return 0;
}

/* "3 errors and 2 warnings", "1 error", "2 warnings" */
static void put_problems(FILE *out, int errors, int warnings)
{
    if (errors)
        fprintf(out, "%d error%s", errors, errors == 1 ? "" : "s");
    if (errors && warnings)
        fputs(" and ", out);
    if (warnings)
        fprintf(out, "%d warning%s", warnings, warnings == 1 ? "" : "s");
}

/* How many APIM hosts the problems (fixed == 1: those the plan fixes; 0:
 * all) are on. */
static int problem_hosts(const struct report *r, int fixed)
{
    int n = 0;
    for (size_t h = 0; h < r->nhosts; h++)
        for (size_t i = 0; i < r->nfindings; i++) {
            const struct report_finding *f = &r->findings[i];
            if (is_problem(f) && (!fixed || planned(r, i)) &&
                strcmp(f->host, r->hosts[h].address) == 0) {
                n++;
                break;
            }
        }
    return n;
}

/* "6 hours" or "31 days": the window's length. */
static void put_window_length(FILE *out, const struct report *r)
{
    int64_t hours = (r->window_end - r->window_start + 3600) / 3600;
    if (hours >= 48 && hours % 24 == 0)
        fprintf(out, "%lld days", (long long)(hours / 24));
    else
        fprintf(out, "%lld hour%s", (long long)hours, hours == 1 ? "" : "s");
}

/* The verdict: one sentence that answers, and the counts under it. */
static void verdict(FILE *out, const struct report *r)
{
    int errors = 0, warnings = 0, fixed_errors = 0, fixed_warnings = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct report_finding *f = &r->findings[i];
        if (!is_problem(f))
            continue;
        int error = strcmp(f->severity, "error") == 0, fixed = planned(r, i);
        errors += error;
        warnings += !error;
        fixed_errors += error && fixed;
        fixed_warnings += !error && fixed;
    }
    if (!errors && !warnings) {
        fputs("<p class=\"verdict ok\" id=\"verdict\">No problem found in ", out);
        put_window_length(out, r);
        if (r->nhosts)
            fprintf(out, " of flow logs of %zu APIM host%s.</p>", r->nhosts, r->nhosts == 1 ? "" : "s");
        else
            fputs(" of flow logs, and no APIM host in them.</p>", out);
    } else if (fixed_errors + fixed_warnings) {
        int hosts = problem_hosts(r, 1);
        fprintf(out, "<p class=\"verdict\" id=\"verdict\">%zu change%s fix%s ", r->nfixes,
                r->nfixes == 1 ? "" : "s", r->nfixes == 1 ? "es" : "");
        put_problems(out, fixed_errors, fixed_warnings);
        if (hosts)
            fprintf(out, " on %d APIM host%s", hosts, hosts == 1 ? "" : "s");
        fputc('.', out);
        int left = errors + warnings - fixed_errors - fixed_warnings;
        if (left) {
            fputs(" Not in the plan: ", out);
            put_problems(out, errors - fixed_errors, warnings - fixed_warnings);
            fprintf(out, " (see %s below).", left == 1 ? "its finding" : "their findings");
        }
        fputs("</p>", out);
    } else {
        int hosts = problem_hosts(r, 0);
        fputs("<p class=\"verdict\" id=\"verdict\">", out);
        put_problems(out, errors, warnings);
        if (hosts)
            fprintf(out, " on %d APIM host%s", hosts, hosts == 1 ? "" : "s");
        fputs(".</p>", out);
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

/* Commands to paste, in a block that one click selects whole. */
static void put_commands(FILE *out, const char *commands)
{
    fputs("<p class=\"shell\">Commands (" REPORT_SHELL "; one click selects them all):</p>"
          "<pre class=\"cmd\"><code>", out);
    report_each_command(commands, html_command, out);
    fputs("</code></pre>", out);
}

/* A link to the article of finding i ("host (remote)", and how many more
 * it stands for). */
static void finding_link(FILE *out, const struct report *r, size_t i)
{
    const struct report_finding *f = &r->findings[i];
    fprintf(out, "<a href=\"#finding-%zu\">", i);
    put_html(out, f->host);
    if (f->remote[0]) {
        fputs(" (", out);
        put_html(out, f->remote);
        fputc(')', out);
    }
    if (f->fix_count > 1)
        fprintf(out, " and %zu more", f->fix_count - 1);
    fputs("</a>", out);
}

/* The finding whose article shows finding i (the first of its shared
 * fix); r->nfindings for an index out of range. */
static size_t shown_as(const struct report *r, size_t i)
{
    if (i >= r->nfindings)
        return r->nfindings;
    return r->findings[i].fix_group < r->nfindings ? r->findings[i].fix_group : i;
}

/* One change of the plan: its ordinal, severity, title, target, evidence,
 * commands and placeholders, with links to the findings it fixes. */
static void html_fix(FILE *out, const struct report *r, const struct report_fix *x)
{
    const char *sev = word(x->severity, "error", "warning", "info");
    fprintf(out, "\n<article class=\"fix %s\" id=\"change-%d\"><h3><span class=\"ord\">%d</span>"
                 "<span class=\"badge %s\">", sev, x->ordinal, x->ordinal, sev);
    put_html(out, x->severity);
    fputs("</span>", out);
    put_html(out, x->title);
    fputs("</h3><p class=\"target\">", out);
    put_html(out, x->target);
    /* the findings, each article once (a shared fix's others are in it) */
    size_t shown = 0;
    for (size_t k = 0; k < x->nfindings; k++) {
        size_t head = shown_as(r, x->findings[k]);
        int dup = head >= r->nfindings || r->findings[head].accepted_reason;
        for (size_t e = 0; e < k && !dup; e++)
            dup = shown_as(r, x->findings[e]) == head;
        if (dup)
            continue;
        fputs(shown++ ? ", " : " &middot; fixes ", out);
        finding_link(out, r, head);
    }
    fputs("</p><p class=\"why\">", out);
    put_html(out, x->why);
    fputs("</p>", out);
    if (x->placeholders[0]) {
        fputs("<p class=\"placeholders\"><b>To fill in first:</b> ", out);
        put_html(out, x->placeholders);
        fputs("</p>", out);
    }
    if (x->commands[0])
        put_commands(out, x->commands);
    fputs("</article>", out);
}

/* The fix plan: nothing while there is none. */
static void html_plan(FILE *out, const struct report *r)
{
    if (!r->nfixes)
        return;
    fprintf(out, "\n<section id=\"plan\"><h2>Fix plan: %zu change%s</h2><p class=\"sub\">Each"
                 " change once, in this order (most severe first): what it changes, why, the"
                 " findings that call for it, and its commands"
                 " (<code>nsgflow report --format sh</code> writes them as a script).</p>",
            r->nfixes, r->nfixes == 1 ? "" : "s");
    for (size_t i = 0; i < r->nfixes; i++)
        html_fix(out, r, &r->fixes[i]);
    fputs("</section>", out);
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

/* One fact of a finding's line: a name and its text from outside. */
static void meta(FILE *out, const char *name, const char *value)
{
    fprintf(out, "<span><b>%s</b>", name);
    put_html(out, value);
    fputs("</span>", out);
}

/* Finding i's facts in one wrapping line. */
static void html_meta(FILE *out, const struct report_finding *f)
{
    fputs("<p class=\"meta\">", out);
    meta(out, "Host", f->host);
    meta(out, "Remote", f->remote);
    fprintf(out, "<span><b>Port</b>%d/", f->port);
    put_html(out, f->protocol);
    fputc(' ', out);
    put_html(out, f->direction);
    fputs("</span>", out);
    meta(out, "Rule", f->rule);
    char counts[80];
    report_counts(f, counts, sizeof counts);
    meta(out, "Seen", counts);
    fputs("<span><b>When</b>", out);
    put_time(out, f->first);
    fputs(" to ", out);
    put_time(out, f->last);
    fputs("</span>", out);
    meta(out, "Confidence", f->confidence);
    meta(out, "Analyzer", f->analyzer);
    fputs("</p>", out);
}

/* The links to the plan's changes that fix finding i ("change 2", "changes
 * 2 and 5"); nothing when none. Returns how many. */
static int change_links(FILE *out, const struct report *r, size_t i)
{
    int n = 0, total = 0;
    for (size_t e = 0; e < r->nfixes; e++)
        total += planned_by(&r->fixes[e], i);
    for (size_t e = 0; e < r->nfixes; e++) {
        if (!planned_by(&r->fixes[e], i))
            continue;
        int ord = r->fixes[e].ordinal;
        fprintf(out, "%s<a href=\"#change-%d\">%s%d</a>",
                n == 0 ? "" : n + 1 == total ? " and " : ", ", ord,
                n == 0 ? (total == 1 ? "change " : "changes ") : "", ord);
        n++;
    }
    return n;
}

/* Finding i: a problem with its chart, evidence and fix (with a link to
 * the plan's changes that fix it, whose commands are there), or an
 * accepted one with its reason. */
static void html_finding(FILE *out, const struct report *r, size_t i)
{
    const struct report_finding *f = &r->findings[i];
    const char *sev = word(f->severity, "error", "warning", "info");
    fprintf(out, "\n<article class=\"finding %s\" id=\"finding-%zu\"><h3><span class=\"badge %s\">",
            f->accepted_reason ? "accepted" : sev, i, sev);
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
    html_meta(out, f);
    if (!f->accepted_reason) {
        html_timeline(out, r, f);
        fputs("<p>", out);
        put_html(out, f->evidence);
        fputs("</p>", out);
        fputs("<p class=\"fixref\"><b>Fix:</b> ", out);
        int planned_changes = change_links(out, r, i);
        if (planned_changes)
            fputs(" of the plan: ", out);
        put_html(out, f->hint);
        fputs("</p>", out);
        if (!planned_changes && f->commands[0])
            put_commands(out, f->commands);
    }
    html_keys(out, r, i);
    fputs("</article>", out);
}

static void html_findings(FILE *out, const struct report *r)
{
    fputs("\n<section id=\"findings\"><h2>Findings</h2>", out);
    if (r->nfindings == (size_t)r->accepted)
        fputs("<p>None: nothing in this window breaks API Management as far as the flows tell.</p>", out);
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].fix_count && !r->findings[i].accepted_reason)
            html_finding(out, r, i); /* a fix's others are shown with it */
    fputs("</section>", out);
    if (r->accepted) {
        fprintf(out, "\n<section id=\"accepted\"><h2>Accepted (%d)</h2><p class=\"sub\">Findings"
                     " the team has decided to live with (<code>nsgflow accept</code>): in none of"
                     " the counts above, never counted by <code>--fail-on</code>.</p>", r->accepted);
        for (size_t i = 0; i < r->nfindings; i++)
            if (r->findings[i].accepted_reason)
                html_finding(out, r, i);
        fputs("</section>", out);
    }
}

/* ------------------------------------------------------------------ */
/* the requirements matrix                                            */

/* Host h's entry for requirement id, or NULL. */
static const struct report_requirement *matrix_cell(const struct report *r, int id, const char *host)
{
    for (size_t k = 0; k < r->nmatrix; k++)
        if (r->matrix[k].requirement_id == id && strcmp(r->matrix[k].host, host) == 0)
            return &r->matrix[k];
    return NULL;
}

/* 1 when entry i is the first of its requirement (the matrix's rows). */
static int first_of_requirement(const struct report *r, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (r->matrix[k].requirement_id == r->matrix[i].requirement_id)
            return 0;
    return 1;
}

/* One cell: what the host's flows did, and the configuration's verdict as
 * a small mark in it (with an imported configuration). */
static void matrix_cell_html(FILE *out, const struct report *r, const struct report_requirement *m,
                             const char *host)
{
    const struct report_requirement *c = matrix_cell(r, m->requirement_id, host);
    int64_t denied = c ? c->denied : 0, allowed = c ? c->allowed : 0;
    const char *conf = c ? c->configuration : "";
    fprintf(out, "<td class=\"%s\" title=\"", denied ? "denied" : allowed ? "allowed" : "notseen");
    put_html(out, host);
    fprintf(out, ": %lld denied, %lld allowed", (long long)denied, (long long)allowed);
    if (r->config_import_id) {
        fputs("; configuration: ", out);
        put_html(out, conf[0] ? conf : "no verdict");
    }
    fputs("\">", out);
    if (denied)
        fprintf(out, "<b>denied</b> %lld%s", (long long)denied, allowed ? " (some allowed)" : "");
    else if (allowed)
        fprintf(out, "<b>allowed</b> %lld", (long long)allowed);
    else
        fputs("not seen", out);
    if (r->config_import_id) {
        fprintf(out, "<small class=\"cfg %s\">cfg: ", !conf[0]                        ? "unknown"
                                                     : strncmp(conf, "allowed", 7) == 0 ? "allowed"
                                                                                        : "denied");
        put_html(out, conf[0] ? conf : "no verdict");
        fputs("</small>", out);
    }
    fputs("</td>", out);
}

static void matrix_head(FILE *out, const struct report *r)
{
    fputs("<div class=\"scroll\"><table class=\"matrix\"><tr><th>Requirement</th><th>Level</th>", out);
    for (size_t h = 0; h < r->nhosts; h++) {
        fputs("<th class=\"host\">", out);
        put_html(out, r->hosts[h].address);
        fputs("</th>", out);
    }
    fputs("</tr>", out);
}

/* The rows of the requirements judged by flows (by_name 0) or named only
 * (1). */
static void matrix_rows(FILE *out, const struct report *r, int by_name)
{
    for (size_t i = 0; i < r->nmatrix; i++) {
        const struct report_requirement *m = &r->matrix[i];
        if (m->by_name != by_name || !first_of_requirement(r, i))
            continue;
        int in = strcmp(m->direction, "inbound") == 0;
        fputs("<tr><td class=\"req\">", out);
        put_html(out, m->direction);
        fputc(' ', out);
        put_html(out, m->protocol);
        fputc(' ', out);
        put_html(out, m->ports);
        fputs(in ? " from <b>" : " to <b>", out);
        put_html(out, m->remote);
        fputs("</b><small>", out);
        put_html(out, m->purpose);
        fputs("</small></td><td>", out);
        put_html(out, m->level);
        fputs("</td>", out);
        for (size_t h = 0; h < r->nhosts; h++)
            matrix_cell_html(out, r, m, r->hosts[h].address);
        fputs("</tr>", out);
    }
}

/* The requirements named only, folded: how many, their remote names, and
 * how many of them had flows on their ports. */
static void matrix_named(FILE *out, const struct report *r)
{
    size_t rows = 0, with_flows = 0;
    for (size_t i = 0; i < r->nmatrix; i++) {
        const struct report_requirement *m = &r->matrix[i];
        if (!m->by_name)
            continue;
        rows += first_of_requirement(r, i);
        int flows = 0;
        for (size_t k = 0; k < r->nmatrix && !flows; k++)
            flows = r->matrix[k].requirement_id == m->requirement_id &&
                    (r->matrix[k].allowed || r->matrix[k].denied);
        with_flows += first_of_requirement(r, i) && flows;
    }
    if (!rows)
        return;
    fprintf(out, "<details class=\"named\"><summary>%zu requirement%s that flow logs cannot"
                 " judge (", rows, rows == 1 ? "" : "s");
    for (size_t i = 0, n = 0; i < r->nmatrix; i++) {
        const struct report_requirement *m = &r->matrix[i];
        int first = m->by_name;
        for (size_t k = 0; k < i && first; k++)
            first = !r->matrix[k].by_name || strcmp(r->matrix[k].remote, m->remote) != 0;
        if (!first)
            continue;
        fputs(n++ ? ", " : "", out);
        put_html(out, m->remote);
    }
    fputc(')', out);
    if (with_flows)
        fprintf(out, "; %zu with flows on %s ports", with_flows, with_flows == 1 ? "its" : "their");
    fputs("</summary><p class=\"sub\">Their far side is a name (host names, a service, any"
          " address), not an address range that the tag data or the NSG's own tags give: a flow"
          " log holds addresses and ports only, so their traffic cannot be told from other"
          " traffic on the same ports, and \"not seen\" says nothing about them.", out);
    if (r->config_import_id)
        fputs(" The configuration's mark says whether an NSG rule would let them through.", out);
    fputs("</p>", out);
    matrix_head(out, r);
    matrix_rows(out, r, 1);
    fputs("</table></div></details>", out);
}

static void matrix(FILE *out, const struct report *r)
{
    if (!r->nhosts || !r->nmatrix)
        return;
    fputs("\n<h2 id=\"matrix\">Requirements by host</h2><p class=\"sub\">Every requirement of"
          " the APIM docs (the newest level for each), one column per APIM host: were its flows"
          " denied, allowed, or not seen?", out);
    if (r->config_import_id)
        fputs(" The small <i>cfg</i> line in each cell is what the imported configuration's NSG"
              " rules decide for it.", out);
    fputs("</p>", out);
    matrix_head(out, r);
    matrix_rows(out, r, 0);
    fputs("</table></div>", out);
    matrix_named(out, r);
}

/* ------------------------------------------------------------------ */
/* the page                                                           */

static void fact(FILE *out, const char *name, const char *value)
{
    fprintf(out, "<tr><th>%s</th><td>", name);
    put_html(out, value);
    fputs("</td></tr>", out);
}

/* The data, tags, configuration and hosts the findings rest on. */
static void facts(FILE *out, const struct report *r)
{
    char buf[1200];
    fputs("\n<h2 id=\"facts\">Data and sources</h2><div class=\"scroll\"><table class=\"facts\">", out);
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
        if (r->hosts[i].mac && r->hosts[i].mac[0]) {
            fputs(" (NIC ", out);
            put_html(out, r->hosts[i].mac);
            fputc(')', out);
        }
    }
    fputs("</td></tr></table></div>\n", out);
}

/* Links to the page's sections that are there. */
static void contents(FILE *out, const struct report *r)
{
    fputs("<nav>", out);
    if (r->nfixes)
        fputs("<a href=\"#plan\">Fix plan</a> &middot; ", out);
    fputs("<a href=\"#findings\">Findings</a>", out);
    if (r->accepted)
        fputs(" &middot; <a href=\"#accepted\">Accepted</a>", out);
    if (r->nhosts && r->nmatrix)
        fputs(" &middot; <a href=\"#matrix\">Requirements by host</a>", out);
    if (r->ncoverage && r->coverage_hours)
        fputs(" &middot; <a href=\"#coverage\">Coverage</a>", out);
    fputs(" &middot; <a href=\"#facts\">Data and sources</a></nav>\n", out);
}

static void notice(FILE *out, const struct report *r)
{
    if (!r->notice[0])
        return;
    fputs("<p class=\"notice\">", out);
    put_html(out, r->notice);
    fputs("</p>\n", out);
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
        notice(out, r);
        fputs("</body></html>\n", out);
        return ferror(out) ? -1 : 0;
    }
    fputs("<p class=\"sub\">", out);
    put_time(out, r->window_start);
    fputs(" to ", out);
    put_time(out, r->window_end);
    fprintf(out, " &middot; %d analys%s</p>\n", r->runs, r->runs == 1 ? "is" : "es");
    notice(out, r);
    verdict(out, r);
    contents(out, r);
    html_plan(out, r);
    html_findings(out, r);
    matrix(out, r);
    html_coverage(out, r);
    facts(out, r);
    fputs("\n<footer>nsgflow " NSGFLOW_VERSION " &middot; generated ", out);
    put_time(out, r->generated_at);
    fputs(" &middot; the evidence is inferred from flow logs; check it before you change"
          " production.</footer>\n</body></html>\n", out);
    return ferror(out) ? -1 : 0;
}
