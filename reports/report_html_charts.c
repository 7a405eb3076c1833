/* report_html_charts.c: the HTML report's pictures, as inline SVG that
 * scales to its box (a viewBox of one unit per hour) with HTML labels
 * under it, spaced so that they never overlap: a finding's flows per hour,
 * where an hour without a log of its host's NIC is drawn as such (never an
 * empty slot that reads as healthy), and the coverage bars, one per NIC.
 * The colours are attributes, not CSS, so that they survive a mail
 * client. */
#include "report_html_int.h"

#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/timearg.h"

#define GREEN "#4ac26b"
#define RED "#cf222e"
#define AMBER "#d4a72c"
#define NOLOG "#d0d7de"     /* an hour without a log, in a finding's chart */
#define OUTSIDE "#eaeef2"   /* coverage: outside the NIC's first to last blob */
/* up to this many hours a coverage bar shows where each hour begins (5 px
 * or more each at the narrowest width) */
#define HOUR_LINES_MAX (HTML_CHART_MIN_PX / 5)

/* "2026-11-01T03:00Z" */
static void hour_text(int64_t t, char out[24])
{
    char full[24];
    time_format(t, full);
    snprintf(out, 24, "%.16sZ", full);
}

/* A run of n hours from t, for a title: "2026-11-01T03:00Z" or
 * "2026-11-01T03:00Z to 2026-11-01T05:00Z (2 hours)". */
static void put_run(FILE *out, int64_t t, size_t n)
{
    char a[24], b[24];
    hour_text(t, a);
    if (n == 1) {
        fputs(a, out);
        return;
    }
    hour_text(t + (int64_t)n * 3600, b);
    fprintf(out, "%s to %s (%zu hours)", a, b, n);
}

int html_label_step(int64_t hours)
{
    static const int steps[] = {1, 2, 3, 6, 12, 24, 48, 168, 336, 720};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if ((int64_t)steps[i] * HTML_CHART_MIN_PX >= (int64_t)HTML_LABEL_PX * hours)
            return steps[i];
    return 720;
}

/* The labels under a chart of `hours` cells from start: one per
 * html_label_step on whole UTC hours (days from midnight, weeks from
 * Monday), each starting at its tick; none so close to the end that it
 * would run past it at the narrowest width. Every other label is marked
 * odd, for the page to drop on a narrower screen. */
static void axis(FILE *out, int64_t start, int64_t hours)
{
    int step = html_label_step(hours);
    int64_t first = start / 3600 + (step % 168 == 0 ? 72 : 0); /* 1970-01-01 was a Thursday */
    fputs("<div class=\"axis\">", out);
    int n = 0;
    for (int64_t k = 0; k < hours; k++) {
        if ((first + k) % step != 0)
            continue;
        if (k * HTML_CHART_MIN_PX > hours * (HTML_CHART_MIN_PX - HTML_LABEL_PX))
            break;
        char t[24];
        time_format(start + k * 3600, t); /* 2026-11-01T03:00:00Z */
        fprintf(out, "<span%s style=\"left:%.3f%%\">", n++ % 2 ? " class=\"odd\"" : "",
                100.0 * (double)k / (double)hours);
        if (step >= 24)
            fprintf(out, "%.5s", t + 5);
        else if (hours > 24)
            fprintf(out, "%.5s %.5sZ", t + 5, t + 11);
        else
            fprintf(out, "%.5sZ", t + 11);
        fputs("</span>", out);
    }
    fputs("</div>", out);
}

const char *html_host_cells(const struct report *r, const char *host, const char **mac)
{
    *mac = NULL;
    for (size_t h = 0; h < r->nhosts; h++) {
        if (strcmp(r->hosts[h].address, host) != 0 || !r->hosts[h].mac || !r->hosts[h].mac[0])
            continue;
        for (size_t c = 0; c < r->ncoverage; c++)
            if (strcmp(r->coverage[c].mac, r->hosts[h].mac) == 0) {
                *mac = r->coverage[c].mac;
                return r->coverage[c].cells;
            }
    }
    return NULL;
}

/* The hours of cells (n of them) without a log, as grey bands the height
 * of the chart, one per run. Returns how many hours. */
static size_t nolog_bands(FILE *out, const struct report *r, const char *cells, size_t n,
                          const char *mac)
{
    size_t total = 0;
    for (size_t k = 0; k < n;) {
        if (cells[k] != 'm' && cells[k] != ' ') {
            k++;
            continue;
        }
        size_t len = 1;
        while (k + len < n && (cells[k + len] == 'm' || cells[k + len] == ' '))
            len++;
        fprintf(out, "<rect x=\"%zu\" y=\"0\" width=\"%zu\" height=\"100\" fill=\"" NOLOG "\">"
                     "<title>", k, len);
        put_run(out, r->coverage_start + (int64_t)k * 3600, len);
        fputs(": no log of this host's NIC (", out);
        put_html(out, mac);
        fputs(")</title></rect>", out);
        total += len;
        k += len;
    }
    return total;
}

void html_timeline(FILE *out, const struct report *r, const struct report_finding *f)
{
    int64_t start = r->window_start - r->window_start % 3600;
    int64_t hours = (r->window_end - start) / 3600 + 1;
    if (hours < 1 || hours > 24 * 92 || f->nhours == 0)
        return;
    int64_t max = 1;
    for (size_t i = 0; i < f->nhours; i++)
        if (f->hours[i].bad + f->hours[i].good > max)
            max = f->hours[i].bad + f->hours[i].good;
    int conn = strcmp(f->analyzer, "asymmetric-return") == 0;
    const char *bad = conn ? "lost"
                    : strcmp(f->analyzer, "encryption-drop") == 0 ? "dropped" : "denied";
    const char *good = conn ? "completed" : "allowed";
    fprintf(out, "<div class=\"chart\"><svg class=\"bars\" viewBox=\"0 0 %lld 100\""
                 " preserveAspectRatio=\"none\" role=\"img\" aria-label=\"%s per hour\">",
            (long long)hours, conn ? "connections" : "flows");
    const char *mac;
    const char *cells = html_host_cells(r, f->host, &mac);
    size_t nolog = 0;
    if (cells && r->coverage_start == start)
        nolog = nolog_bands(out, r, cells,
                            r->coverage_hours < (size_t)hours ? r->coverage_hours : (size_t)hours,
                            mac);
    for (size_t i = 0; i < f->nhours; i++) {
        const struct report_hour *h = &f->hours[i];
        int64_t slot = (h->hour - start) / 3600;
        if (slot < 0 || slot >= hours || h->bad + h->good == 0)
            continue;
        double gh = 96.0 * (double)h->good / (double)max, bh = 96.0 * (double)h->bad / (double)max;
        char t[24], title[160];
        hour_text(start + slot * 3600, t);
        snprintf(title, sizeof title, "<title>%s: %lld %s, %lld %s</title>", t, (long long)h->bad,
                 bad, (long long)h->good, good);
        if (gh > 0)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.2f\" width=\"0.8\" height=\"%.2f\""
                         " fill=\"" GREEN "\">%s</rect>", (double)slot + 0.1, 100 - gh, gh,
                    bh > 0 ? "" : title);
        if (bh > 0)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.2f\" width=\"0.8\" height=\"%.2f\""
                         " fill=\"" RED "\">%s</rect>", (double)slot + 0.1, 100 - gh - bh, bh, title);
    }
    fputs("</svg>", out);
    axis(out, start, hours);
    fprintf(out, "<div class=\"legend\">per hour, at most %lld: <i style=\"color:" RED "\">&#9632;</i> %s"
                 " <i style=\"color:" GREEN "\">&#9632;</i> %s", (long long)max,
            conn ? "connections that lost their replies" : "denied flows",
            conn ? "completed connections" : "allowed flows of the same requirement");
    if (nolog) {
        fprintf(out, " <i style=\"color:" NOLOG "\">&#9632;</i> no log of this host's NIC (%zu hour%s)",
                nolog, nolog == 1 ? "" : "s");
    }
    fputs("</div></div>", out);
}

/* One NIC's bar: a rect per run of equal hours. A missing or partial run
 * gets a stroke that does not scale, so that one hour of a month stays
 * visible (2 px or more at any width). */
static void coverage_bar(FILE *out, const struct report *r, const struct report_coverage *c)
{
    size_t n = r->coverage_hours, logged = 0;
    for (size_t k = 0; k < n; k++)
        logged += c->cells[k] == 'o' || c->cells[k] == 'p';
    fprintf(out, "<svg class=\"cov-bar\" viewBox=\"0 0 %zu 1\" preserveAspectRatio=\"none\""
                 " role=\"img\" aria-label=\"%zu of %zu hours logged\">", n, logged, n);
    for (size_t k = 0; k < n;) {
        char cell = c->cells[k];
        size_t len = 1;
        while (k + len < n && c->cells[k + len] == cell)
            len++;
        const char *fill = cell == 'o' ? GREEN : cell == 'p' ? AMBER : cell == 'm' ? RED : OUTSIDE;
        fprintf(out, "<rect x=\"%zu\" y=\"0\" width=\"%zu\" height=\"1\" fill=\"%s\"", k, len, fill);
        if (cell == 'm' || cell == 'p')
            fprintf(out, " stroke=\"%s\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\"", fill);
        fputs("><title>", out);
        put_run(out, r->coverage_start + (int64_t)k * 3600, len);
        fputs(cell == 'o'   ? ": logged"
              : cell == 'p' ? ": a partial blob"
              : cell == 'm' ? ": no blob"
                            : ": no blob (before the NIC's first blob or after its last)",
              out);
        fputs("</title></rect>", out);
        k += len;
    }
    if (n > 1 && n <= HOUR_LINES_MAX) { /* the hours, where there is room to tell them apart */
        fputs("<path stroke=\"#fff\" stroke-width=\"1\" vector-effect=\"non-scaling-stroke\" d=\"", out);
        for (size_t k = 1; k < n; k++)
            fprintf(out, "M%zu 0V1", k);
        fputs("\"></path>", out);
    }
    fputs("</svg>", out);
}

/* One NIC's row: its APIM hosts' addresses (or "other NIC") and MAC, its
 * bar. */
static void coverage_row(FILE *out, const struct report *r, const struct report_coverage *c)
{
    fputs("<div class=\"cov-row\"><div class=\"cov-name\">", out);
    int named = 0;
    for (size_t h = 0; h < r->nhosts; h++) {
        if (!r->hosts[h].mac || strcmp(r->hosts[h].mac, c->mac) != 0)
            continue;
        fputs(named++ ? ", <b>" : "<b>", out);
        put_html(out, r->hosts[h].address);
        fputs("</b>", out);
    }
    fputs(named ? "<br><small>NIC " : "other NIC<br><small>", out);
    put_html(out, c->mac);
    fputs("</small></div>", out);
    coverage_bar(out, r, c);
    fputs("</div>", out);
}

/* The index of the coverage row of NIC mac, or r->ncoverage. */
static size_t coverage_of(const struct report *r, const char *mac)
{
    size_t i = 0;
    while (i < r->ncoverage && strcmp(r->coverage[i].mac, mac) != 0)
        i++;
    return i;
}

/* 1 when an APIM host's NIC is mac. */
static int hosts_nic(const struct report *r, const char *mac)
{
    for (size_t h = 0; h < r->nhosts; h++)
        if (r->hosts[h].mac && strcmp(r->hosts[h].mac, mac) == 0)
            return 1;
    return 0;
}

void html_coverage(FILE *out, const struct report *r)
{
    if (!r->ncoverage || !r->coverage_hours)
        return;
    int64_t gaps = 0, partial = 0, outside = 0;
    for (size_t i = 0; i < r->ncoverage; i++) {
        gaps += r->coverage[i].missing;
        partial += r->coverage[i].partial;
        outside += memchr(r->coverage[i].cells, ' ', r->coverage_hours) != NULL;
    }
    char a[24], b[24];
    hour_text(r->coverage_start, a);
    hour_text(r->coverage_start + (int64_t)r->coverage_hours * 3600, b);
    fprintf(out, "\n<h2 id=\"coverage\">Coverage</h2><p class=\"sub\">The flow logs under the"
                 " findings: one bar per NIC, named by its APIM hosts, one cell per hour from %s"
                 " to %s (%zu NIC%s; %lld hour%s without a blob, %lld with a partial one). What"
                 " happened in a missing hour is not seen.</p><div class=\"cov\">",
            a, b, r->ncoverage, r->ncoverage == 1 ? "" : "s", (long long)gaps, gaps == 1 ? "" : "s",
            (long long)partial);
    /* the APIM hosts' NICs first, in the hosts' order; then the others */
    for (size_t h = 0; h < r->nhosts; h++) {
        const char *mac = r->hosts[h].mac;
        size_t c = mac && mac[0] ? coverage_of(r, mac) : r->ncoverage;
        int seen = 0;
        for (size_t e = 0; e < h && !seen; e++)
            seen = r->hosts[e].mac && mac && strcmp(r->hosts[e].mac, mac) == 0;
        if (c < r->ncoverage && !seen)
            coverage_row(out, r, &r->coverage[c]);
    }
    for (size_t c = 0; c < r->ncoverage; c++)
        if (!hosts_nic(r, r->coverage[c].mac))
            coverage_row(out, r, &r->coverage[c]);
    fputs("<div class=\"cov-row\"><div></div>", out);
    axis(out, r->coverage_start, (int64_t)r->coverage_hours);
    fputs("</div></div><div class=\"legend\"><i style=\"color:" GREEN "\">&#9632;</i> logged"
          " <i style=\"color:" AMBER "\">&#9632;</i> a partial blob"
          " <i style=\"color:" RED "\">&#9632;</i> no blob", out);
    if (outside)
        fputs(" <i style=\"color:" OUTSIDE "\">&#9632;</i> before the NIC's first blob or after"
              " its last", out);
    fputs("</div>", out);
}
