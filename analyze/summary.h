/* summary.h: what `nsgflow analyze` prints of the analysis it made, for
 * people (lines wrapped to the terminal's width, counts in plain grammar,
 * ending with where the evidence and the fixes are) or, with --json, for
 * programs (one JSON object; its keys are documented in the man page's
 * JSON OUTPUT). Internal to analyze/: analyze.c gathers, this prints. */
#ifndef NSGFLOW_SUMMARY_H
#define NSGFLOW_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "accept.h"
#include "analyze.h"
#include "findings.h"
#include "fixplan.h"
#include "netconfig.h"
#include "scan.h"
#include "tags.h"

/* Where the APIM hosts came from. */
enum hosts_from { HOSTS_DETECTED, HOSTS_GIVEN, HOSTS_CONFIGURED };

/* A finding of the previous window kept open (not judged again), as the
 * summary lists it. */
struct carried {
    char severity[16], analyzer[40], host[64], title[400];
};
struct carried_list {
    struct carried *v;
    size_t n;
};

/* Everything the summary says, as analyze_run has it once the analysis is
 * committed (or rolled back by --dry-run). Nothing here is owned. */
struct analysis_summary {
    const struct analyze_options *o;
    sqlite3 *db;                       /* the addresses and the coverage */
    int64_t from, to;                  /* the window judged */
    const struct scan_result *scan;
    const struct analyze_result *res;
    const struct tag_source *src;
    const char *platform;
    const char *platform_from;         /* "option", "configuration", "default" */
    const struct netconfig *nc;
    const struct apim_hosts *hosts;
    int hosts_from;                    /* enum hosts_from */
    int fell_back;                     /* configured subnets quiet: detected */
    const struct findings *fs;
    const struct acceptances *acc;
    const struct carried_list *carried;
    const struct fixplan *plan;        /* the changes to make, each once */
    char (*statuses)[12];              /* per finding of fs: new, open ("" unknown) */
    double seconds;
};

/* The summary for people, on out (wrapped when out is a terminal). */
void summary_print_text(const struct analysis_summary *s, FILE *out);

/* The summary as one JSON object on out. Returns 0, or -1 on a write
 * error. */
int summary_print_json(const struct analysis_summary *s, FILE *out);

#endif
