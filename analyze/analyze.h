/* analyze.h: the `nsgflow analyze` command, rows -> findings.
 *
 * An analysis takes a time window, the tag data and the APIM requirements,
 * finds the APIM instances (given with --apim-subnet, or detected from the
 * traffic), runs one pass over the window's tuples and writes its findings:
 * a new analysis of a window replaces the runs whose windows lie inside it,
 * in one transaction. */
#ifndef NSGFLOW_ANALYZE_H
#define NSGFLOW_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../ingest/ipaddr.h"

#define ANALYZE_MAX_SUBNETS 32

struct analyze_options {
    const char *db_path;
    int64_t since, until;          /* INT64_MIN / INT64_MAX: open */
    const char *platform;          /* NULL, "stv1", "stv2" */
    const char *vnet_type;         /* NULL, "external", "internal" */
    struct ip_addr subnets[2 * ANALYZE_MAX_SUBNETS]; /* first, last pairs */
    char subnet_text[ANALYZE_MAX_SUBNETS][64];
    size_t nsubnets;
    const char *fail_on;           /* NULL, "error", "warning" */
    int after_previous;            /* start after the previous analysis's
                                    * window where they overlap (run) */
    int quiet;                     /* no summary, no notes */
    int json;                      /* the summary as JSON (summary.h); notes
                                    * still on stderr unless quiet */
    const char *stored_note;       /* the stop note (common/cli.h) once the
                                    * analysis is committed; NULL: as it is */
    int dry_run;                   /* judge and print, store nothing */
    int shard;                     /* one of several shard databases (run):
                                    * a window without its flows, or without
                                    * its --apim-subnet hosts, is judged (and
                                    * stored, empty) rather than refused, as
                                    * the other shards may hold them */
    int wait_ms;
};

/* What an analysis found, for its caller. */
struct analyze_result {
    int64_t run_id;
    int64_t window_start, window_end;
    int errors, warnings, infos;  /* the run's findings, resolved and accepted
                                   * ones aside */
    int accepted;                 /* the run's findings accepted now (accept.h),
                                   * resolved ones aside */
    int new_findings, resolved;   /* their lives against the previous window
                                   * (new: accepted ones aside) */
    int new_problems;             /* new errors and warnings, not accepted */
    int carried;                  /* previous findings kept open: not judged here */
    size_t hosts;
    int64_t judged_tuples;        /* the window's tuples */
    int64_t blobs;                /* the blobs whose flows reach into it */
    /* the tag data it used (for analyze_print_tag_note) */
    char tag_origin[512], tag_published[32];
    long tag_change_number;
};

/* Prints one note when the tag data of an analysis is old (more than 90
 * days, or 90 days away from the flows it judged), else nothing. analyze
 * prints it unless --quiet; run prints it once for all its databases. */
void analyze_print_tag_note(const struct analyze_result *res, FILE *out);

/* What a finding rests on, as its summary and reports say it: "28
 * connections, 113 tuples", "113 tuples", "from the configuration" (a
 * config-* finding), "from the portal's network status" (network-status),
 * "about the logs" (logging-gap, nsg-flow-logs). */
void analyze_counts_text(const char *analyzer, int64_t connections, int64_t tuples, char *out,
                         size_t n);

/* Runs an analysis on an open database and prints its summary to stdout
 * (as text unless o->quiet, or as JSON with o->json). Returns an EXIT_*
 * status (EXIT_FATAL with a message on stderr); *res says what it found. */
int analyze_run(const struct analyze_options *o, struct analyze_result *res);

/* `nsgflow analyze ARGS...` */
int analyze_main(int argc, char **argv);
extern const char analyze_usage[];

#endif
