/* report_html_int.h: what the HTML report's files share (report_html.c
 * writes the page, report_html_charts.c its pictures). Not for other
 * folders: they call report_write_html. */
#ifndef NSGFLOW_REPORT_HTML_INT_H
#define NSGFLOW_REPORT_HTML_INT_H

#include <stdio.h>

#include "report.h"

/* The narrowest box a chart is drawn for (the page at 800 px), and the
 * room each label under it gets there: labels this far apart never
 * overlap at any width the page allows. */
#define HTML_CHART_MIN_PX 560
#define HTML_LABEL_PX 90

/* The step between a chart's labels, in hours (1, 2, 3, 6, 12 hours, 1,
 * 2, 7, 14, 30 days): the smallest that leaves HTML_LABEL_PX per label on
 * a chart of `hours` cells HTML_CHART_MIN_PX wide. */
int html_label_step(int64_t hours);

/* The coverage cells of host's NIC ('o' a blob, 'p' a partial blob, 'm'
 * no blob, ' ' outside the NIC's first to last blob; r->coverage_hours of
 * them from r->coverage_start), with its MAC in *mac; NULL when the host's
 * NIC is unknown or has no cells. */
const char *html_host_cells(const struct report *r, const char *host, const char **mac);

/* Finding f's flows per hour across the window, the hours its host's NIC
 * has no log drawn as such, with its labels and legend. Nothing when it
 * has no hours. */
void html_timeline(FILE *out, const struct report *r, const struct report_finding *f);

/* The Coverage section: one bar per NIC, named by its APIM hosts'
 * addresses and its MAC, one cell per hour of the window. Nothing without
 * coverage data. */
void html_coverage(FILE *out, const struct report *r);

#endif
