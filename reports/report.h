/* report.h: findings -> people and machines. `nsgflow report` loads what the
 * kept analyses of a window found (struct report) and renders it as text for
 * a terminal, Markdown for a ticket, CSV for a spreadsheet, JSON for other
 * programs, or one self-contained HTML page. Every string that came from a
 * log (rule names, resource ids, addresses) is escaped for the target:
 * HTML entities, Markdown, spreadsheet formulas, terminal control
 * characters. */
#ifndef NSGFLOW_REPORT_H
#define NSGFLOW_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

/* The JSON report's format version (field "version"). */
#define REPORT_JSON_VERSION 2

struct report_hour {
    int64_t hour, bad, good;
};

struct report_finding {
    char *analyzer, *severity, *status, *title, *host, *remote, *protocol,
        *direction, *rule, *evidence, *hint, *confidence, *details, *key,
        *commands,    /* the fix's commands, one a line, "" when none:
                       * those of its entries in the fix plan */
        *change;      /* what it calls for (JSON, analyze/fixplan.h), "" none */
    int port;
    int64_t flows, connections, first, last;
    struct report_hour *hours;
    size_t nhours;
    /* findings that share one fix are shown once, at the first of them:
     * fix_group is that one's index, fix_count how many it stands for
     * (on the first only; 1 for a finding alone) */
    size_t fix_group;
    size_t fix_count;
    /* an acceptance in force for its key (analyze/accept.h): the reason
     * (NULL: not accepted), when it was given and when it ends (0: no end).
     * An accepted finding is shown apart and in no count but `accepted`;
     * a resolved one is never accepted */
    char *accepted_reason;
    int64_t accepted_at, accepted_until;
};

struct report_host {
    char *address, *reason;
    char *mac;            /* its NIC (as log_coverage names it), "" unknown */
    int64_t flows;
};

struct report_requirement {
    char *host, *direction, *protocol, *ports, *remote, *purpose, *level, *seen,
        *configuration;   /* "allowed by RULE (P)", "denied by ...", "" unknown */
    int64_t allowed, denied;
    int requirement_id;
    /* 1: its remote side is a name (FQDN, Any, NTP, KMS, DNS), no address
     * range that the tag data or the NSG's own tags give: flows on its
     * ports cannot be told from other traffic on them */
    int by_name;
};

/* A NIC's hours in the window: one cell each, 'o' a blob, 'p' a partial
 * blob, 'm' no blob (view log_coverage). */
struct report_coverage {
    char *mac;
    char *cells;
    int64_t missing, partial;
};

/* One change of the fix plan (view fix_plan): one NSG rule, one route, one
 * subnet update, each once, with every finding that calls for it; the
 * plan is what to do, in order, most severe first. */
struct report_fix {
    int ordinal;          /* 1, 2, ... in the plan's order */
    char *kind;           /* nsg-rule, route, subnet-endpoints, subnet-delegation, manual */
    char *severity;       /* the worst of its findings: error, warning, info */
    char *title;          /* the change in words ("Allow outbound TCP 5671, 5672,
                           * 443 to EventHub in NSG nsg-apim") */
    char *target;         /* the resource it changes ("NSG nsg-apim in rg-apim") */
    char *why;            /* its evidence in a paragraph: the findings, hosts
                           * and sources, from flow logs and configuration */
    char *commands;       /* the commands, one a line ("" for a manual step) */
    char *placeholders;   /* "" or what to export and import to fill the
                           * <placeholders> the commands still hold */
    size_t *findings;     /* indices into report.findings, in their order */
    size_t nfindings;
};

/* The blobs of one format in the window. */
struct report_format_count {
    int code;                           /* flow_group.format: 1, 2, 4 */
    int64_t blobs;
};

struct report {
    int64_t window_start, window_end;   /* 0, 0: no analysis */
    int64_t generated_at;
    int runs;
    /* the data in the window */
    int64_t blobs, tuples, partial, rejected;
    struct report_format_count format_counts[8]; /* by code, ascending */
    size_t nformats;
    char formats[96];                   /* "nsg-v1 (12 blobs), vnet-v4 (12 blobs)", from format_counts */
    char tag_origin[512], tag_published[16];
    long tag_change_number;
    char hosts_from[16];                /* detected, given, configuration */
    /* the configuration the latest analysis judged (0: none) */
    int64_t config_import_id, config_imported_at;
    char config_instances[512];         /* "apim-a (Premium, Internal), ..." */
    struct report_host *hosts;
    size_t nhosts;
    struct report_finding *findings;    /* most severe first */
    size_t nfindings;
    struct report_fix *fixes;           /* the fix plan, in its order: built
                                         * from the findings shown, resolved and
                                         * accepted ones aside */
    size_t nfixes;
    int errors, warnings, infos, new_, open_, resolved; /* accepted ones aside */
    int accepted;                       /* findings accepted now, listed last */
    struct report_requirement *matrix;  /* per host, per requirement */
    size_t nmatrix;
    int64_t coverage_start;             /* the first cell's hour */
    size_t coverage_hours;              /* cells per NIC (at most 31 days) */
    struct report_coverage *coverage;   /* per NIC */
    size_t ncoverage;
    /* a sentence the reader must see first, set by the caller ("" none):
     * run's "no new flow logs since ..." */
    char notice[400];
};

/* Loads the findings of analysis run_id (when > 0), else of the kept
 * analyses whose windows overlap [from, to] (INT64_MIN/INT64_MAX: the
 * latest analysis only). A finding seen in several of them appears once,
 * with the latest status and summed flows. Findings that share one fix
 * (the same analyzer, severity and commands) are grouped (fix_group).
 * Findings accepted now (analyze/accept.h) come last, each alone.
 * Returns 0, or -1 with err. Free with report_free. */
int report_load(sqlite3 *db, int64_t from, int64_t to, int64_t run_id, struct report *r,
                char *err, size_t errlen);

/* One database of a merged report: shard databases (ingest --shard K/N)
 * that together hold what one database would. run_id as for report_load,
 * per database. */
struct report_db {
    sqlite3 *db;
    const char *path;
    int64_t run_id;
};

/* report_load over n databases, merged as if one database held them all:
 * analyses of the same window in several databases count as one analysis,
 * the data's counts add up, hosts and requirement rows merge by address
 * (and requirement), findings by key (the parts of one window's finding
 * first, then the windows as report_load does), the coverage by NIC; the
 * tag data and the configuration come from the database whose latest
 * analysis is latest. A finding is accepted when an acceptance of its key
 * is in force in any of the databases (the first one's reason is shown).
 * n = 1 is report_load. On failure, err names the database. */
int report_load_many(const struct report_db *dbs, size_t n, int64_t from, int64_t to,
                     struct report *r, char *err, size_t errlen);
void report_free(struct report *r);

/* Opens paths[0..n) to read, into dbs (run_id 0). Each must exist (a
 * mistyped path is no empty database). On failure says why on stderr,
 * naming the file, and returns -1 with none left open. */
int report_open_dbs(const char *const *paths, size_t n, struct report_db *dbs);
void report_close_dbs(struct report_db *dbs, size_t n);

enum report_format { REPORT_TEXT, REPORT_MD, REPORT_CSV, REPORT_JSON, REPORT_HTML, REPORT_SH };

/* Parses "text", "md", ... Returns the format or -1. */
int report_format_of(const char *name);

/* The format a report written to path takes when none is given: by its
 * extension, in any case (.html .htm .md .csv .json .txt .sh), text when
 * it has none or path is no regular file (a terminal, /dev/stdout, a
 * FIFO). Returns 0 with *format, or -1 with err (naming path and the
 * extension) for an extension that names no format. */
int report_format_of_path(const char *path, int *format, char *err, size_t errlen);

/* Writes r to out in the format. color: ANSI colours (text only); width:
 * the line width to wrap text to. Returns 0, or -1 on a write error. */
int report_write(const struct report *r, enum report_format f, FILE *out,
                 int color, int width);

/* Writes r to path in format f, through a temporary file renamed over it:
 * the file is whole or untouched. Returns 0, or -1 with err. */
int report_write_path(const struct report *r, enum report_format f, const char *path,
                      char *err, size_t errlen);

int report_write_text(const struct report *r, FILE *out, int color, int width, int markdown);
int report_write_csv(const struct report *r, FILE *out);
int report_write_json(const struct report *r, FILE *out);
int report_write_html(const struct report *r, FILE *out);
/* The fix plan as a POSIX shell script to review and run (report_sh.c). */
int report_write_sh(const struct report *r, FILE *out);

/* "change 3" or "changes 3 and 5": the plan entries finding i is in; ""
 * when none. */
void report_fixes_of(const struct report *r, size_t i, char *out, size_t size);

/* The "host (remote)" list of the findings a shared fix stands for (the
 * findings whose fix_group is first), as one line into out. */
void report_fix_members(const struct report *r, size_t first, char *out, size_t size);

/* "28 connections, 113 tuples" (or "113 tuples" where a finding does not
 * count connections) into out. */
void report_counts(const struct report_finding *f, char *out, size_t size);

/* The shell named wherever a report shows commands to paste. */
#define REPORT_SHELL "POSIX shell: sh, bash, zsh"

/* Calls fn(ctx, line, length) for each line of a finding's commands. */
void report_each_command(const char *commands,
                         void (*fn)(void *ctx, const char *line, size_t n), void *ctx);

/* `nsgflow report ARGS...` */
int report_main(int argc, char **argv);
extern const char report_usage[];

/* `nsgflow stats` (stats.c) */
int stats_main(int argc, char **argv);
extern const char stats_usage[];

/* `nsgflow run ARGS...`: ingest, analyze what came in, report (nightly.c) */
int run_main(int argc, char **argv);
extern const char run_usage[];

#endif
