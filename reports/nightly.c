/* nightly.c: `nsgflow run`, one command for a cron line or a CI job: ingest
 * the blobs, analyze the time range of the flows this run brought in (by
 * their own timestamps, so a day loaded late is judged as that day), and
 * report. Findings are new, open or resolved against the previous window;
 * --fail-on turns that into the exit status. Without a terminal, its output
 * is plain log lines with a timestamp. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/cli.h"
#include "../common/escape.h"
#include "../common/plural.h"
#include "../analyze/analyze.h"
#include "../common/timearg.h"
#include "../ingest/config.h"
#include "../ingest/ingest.h"
#include "../schema/db.h"
#include "report.h"

const char run_usage[] =
    "usage: nsgflow run [--db FILE]... [--report FILE] [--format text|md|csv|json|html|sh]\n"
    "                   [--fail-on new|error|warning] [--apim-subnet CIDR]...\n"
    "                   [--platform stv1|stv2] [--vnet-type external|internal]\n"
    "                   [--config FILE]... [--strict] [--wait SECONDS] [--quiet]\n"
    "                   [--blob-endpoint URL] [--auth-mode key|login]\n"
    "                   [--since T] [--until T] [PATH...]\n"
    "\n"
    "The nightly job in one command: import the configuration (--config), ingest\n"
    "PATH..., analyze the time range of the flows this run brought in (the first\n"
    "run: all the data), and report.\n"
    "Each finding is new (first seen in this window), open (seen in the\n"
    "previous window too) or resolved (gone since the previous window); the\n"
    "previous window is the latest analysis before this one in the data's own\n"
    "time, so days ingested long after they happened compare as that night.\n"
    "\n"
    "  --db FILE      the database (default: $NSGFLOW_DB, else ./nsgflow.db);\n"
    "                 repeatable: N databases are shards, the i-th (from 0) gets\n"
    "                 the NICs of ingest --shard i/N; each is analyzed in the same\n"
    "                 window, and one report merges them all\n"
    "  --report FILE  write the report there (whole or not at all); without it\n"
    "                 the report goes to standard output\n"
    "  --format F     the report's format (default: by the FILE's extension, as\n"
    "                 for report -o: .html .htm .md .csv .json .txt .sh; none:\n"
    "                 text; any other extension is an error)\n"
    "  --fail-on L    exit 1 when this run has new findings (new), or findings\n"
    "                 of that severity or worse (error, warning); a finding\n"
    "                 accepted with nsgflow accept never counts\n"
    "  --config FILE  import this configuration export first (as config import:\n"
    "                 a file or a folder; repeatable): the analysis then judges\n"
    "                 it too, even when no new flows came in\n"
    "  --quiet, -q    no log lines and no notes (errors still go to stderr)\n"
    "  --apim-subnet, --platform, --vnet-type: as for analyze;\n"
    "  --strict, --wait, --blob-endpoint, --auth-mode: as for ingest (a PATH\n"
    "                 may be a storage container's URL, as for ingest)\n"
    "  --since T, --until T  as for ingest: only the blobs whose names' hour\n"
    "                 lies in this window are ingested (and listed, in a\n"
    "                 container), e.g. --since 24h for the last day; the\n"
    "                 analysis is of the flows they bring in\n"
    "\n"
    "When PATH... held no new flow logs (no blob at all: a failed download or\n"
    "mount; or only blobs already in the database and analyzed), nothing new is\n"
    "judged, the report opens with \"No new flow logs since ...\", and the exit\n"
    "status is 4, so a nightly job can tell \"nothing arrived\" from \"all is\n"
    "well\".\n"
    "\n"
    "Exit status: 0 done; 1 --fail-on matched, or a fatal error; 2 usage;\n"
    "3 done, but some blobs were partial or rejected; 4 no new flow logs;\n"
    "130, 143 stopped by SIGINT, SIGTERM (the message says what was kept).\n";

static int log_plain, log_quiet;

static void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line of the job's log on stderr (timestamped when stderr is no
 * terminal); none with --quiet. */
static void logline(const char *fmt, ...)
{
    if (log_quiet)
        return;
    if (log_plain) {
        char t[24];
        time_format((int64_t)time(NULL), t);
        msg(stderr, "%s ", t);
    }
    va_list ap;
    va_start(ap, fmt);
    msg_v(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void latest_window_of(const char *db_path, int64_t *from, int64_t *to);

static int64_t count_runs(const char *db_path)
{
    sqlite3 *db;
    char err[600];
    int64_t n = 0;
    if (db_open(db_path, 0, 300000, &db, err, sizeof err) != 0)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM analysis_run", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* The latest analysis's window (left open when there is none, or when the
 * database holds no flows: the configuration alone has its own window). */
static void latest_window(const char *db_path, int64_t *from, int64_t *to)
{
    int64_t a = INT64_MIN, b = INT64_MAX;
    latest_window_of(db_path, &a, &b);
    if (a != INT64_MIN && (*from == INT64_MIN || a < *from))
        *from = a;
    if (b != INT64_MAX && (*to == INT64_MAX || b > *to))
        *to = b;
}

/* The time range of all the flows in the database (INT64_MIN, INT64_MAX
 * when it holds none), widening [*from, *to]. */
static void data_window(const char *db_path, int64_t *from, int64_t *to)
{
    sqlite3 *db;
    char err[600];
    if (db_open(db_path, 0, 300000, &db, err, sizeof err) != 0)
        return;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT min(min_ts), max(max_ts) FROM source_file"
                               " WHERE identity IS NOT NULL", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        int64_t a = sqlite3_column_int64(st, 0), b = sqlite3_column_int64(st, 1);
        if (*from == INT64_MIN || a < *from)
            *from = a;
        if (*to == INT64_MAX || b > *to)
            *to = b;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void latest_window_of(const char *db_path, int64_t *from, int64_t *to)
{
    sqlite3 *db;
    char err[600];
    if (db_open(db_path, 0, 300000, &db, err, sizeof err) != 0)
        return;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT window_start, window_end FROM analysis_run"
                               " WHERE EXISTS (SELECT 1 FROM source_file WHERE identity IS NOT NULL)"
                               " ORDER BY window_end DESC, id DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *from = sqlite3_column_int64(st, 0);
        *to = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* The report's first sentence when the inputs brought no new flow: a
 * failed download or mount must not read as a quiet night. */
static void nothing_new_notice(const char *const *db_paths, size_t ndbs, long input_blobs,
                               int config_judged, int analyses, char *out, size_t n)
{
    int64_t first = INT64_MIN, last = INT64_MAX;
    for (size_t i = 0; i < ndbs; i++)
        data_window(db_paths[i], &first, &last);
    char newest[24];
    time_format(last, newest);
    int used;
    if (last == INT64_MAX)
        used = snprintf(out, n, "No flow logs: the inputs held %s and the database holds none",
                        input_blobs ? "no new blob" : "no blob");
    else if (!input_blobs)
        used = snprintf(out, n, "No new flow logs since %s (the newest flow in the database):"
                                " the inputs held no blob (a failed download or mount?)", newest);
    else
        used = snprintf(out, n, "No new flow logs since %s (the newest flow in the database):"
                                " the inputs' %ld blob%s held nothing that was not analyzed"
                                " already", newest, input_blobs, input_blobs == 1 ? "" : "s");
    if (used > 0 && (size_t)used < n)
        snprintf(out + used, n - (size_t)used, !analyses ? "."
                 : config_judged
                 ? ". The configuration was judged again; the flow-log findings below are those"
                   " of the latest analysis."
                 : ". The findings below are those of the latest analysis.");
}

/* The nightly job on ndbs databases: one is today's job; several are the
 * shards of one archive, database i holding the NICs of shard i of ndbs.
 * Each is given the configuration, its shard of PATH..., an analysis in
 * the window one database would have (that of all the shards' new flows),
 * and one report merges them. */
static int run_shards(struct ingest_options *io, struct analyze_options *ao,
                      const char *const *db_paths, size_t ndbs, char **configs, int nconfigs,
                      char **paths, int npaths, const char *report_path, int format,
                      const char *fail_on)
{
    int64_t earlier_runs[ndbs];
    struct analyze_result ar[ndbs];
    memset(ar, 0, sizeof ar);
    int shards = ndbs > 1;
    char name[ndbs][64]; /* "" or " (shard 1 of 4)" in the log lines */
    for (size_t i = 0; i < ndbs; i++)
        snprintf(name[i], sizeof name[i], shards ? " (%s, shard %zu of %zu)" : "", db_paths[i],
                 i, ndbs);

    /* 0. the configuration, when given: into each database */
    int config_status = EXIT_OK;
    for (size_t i = 0; nconfigs && i < ndbs; i++) {
        int st = config_import_paths(db_paths[i], io->wait_ms, configs, nconfigs, 1);
        if (st == EXIT_FATAL || st == EXIT_USAGE)
            return EXIT_FATAL;
        if (st != EXIT_OK)
            config_status = st;
        cli_stop_note("the configuration was imported; nothing else of this run was stored");
        logline("nsgflow run: config%s: %s", name[i], st == EXIT_OK
                                               ? "imported" : "imported, but some files were refused");
    }

    /* 1. ingest: database i keeps shard i's NICs */
    int64_t new_tuples = 0, new_from = INT64_MAX, new_to = INT64_MIN, any_earlier = 0;
    long input_blobs = 0;
    int ingest_status = EXIT_OK;
    for (size_t i = 0; i < ndbs; i++) {
        earlier_runs[i] = count_runs(db_paths[i]);
        any_earlier |= earlier_runs[i] > 0;
        if (!npaths)
            continue;
        struct ingest_totals t;
        memset(&t, 0, sizeof t);
        io->db_path = db_paths[i];
        io->shard_index = shards ? (unsigned)i : 0;
        io->shard_count = shards ? (unsigned)ndbs : 0;
        int st = ingest_run(io, paths, npaths, &t);
        logline("nsgflow run: ingest%s: %ld %s: %ld new, %ld replaced, %ld unchanged, %ld partial,"
                " %ld rejected; %lld %s written in %.1f s", name[i], t.blobs,
                plural(t.blobs, "blob", "blobs"), t.files_new, t.files_replaced,
                t.files_unchanged, t.files_partial, t.files_rejected, (long long)t.tuples,
                plural(t.tuples, "tuple", "tuples"), t.seconds);
        char empty[200];
        if (st == EXIT_OK && ingest_window_empty(io, &t, empty, sizeof empty))
            logline("nsgflow run: ingest%s: %s", name[i], empty);
        if (st == EXIT_FATAL || st >= EXIT_STOPPED)
            return st; /* stopped: it said what was committed */
        input_blobs += t.blobs;
        if (st != EXIT_OK)
            ingest_status = st;
        if (t.tuples > 0) {
            new_tuples += t.tuples;
            if (t.min_ts < new_from)
                new_from = t.min_ts;
            if (t.max_ts > new_to)
                new_to = t.max_ts;
        }
    }
    if (config_status == EXIT_PROBLEMS && ingest_status == EXIT_OK)
        ingest_status = EXIT_PROBLEMS;
    if (npaths)
        cli_stop_note("the blobs this run ingested are stored, but not analyzed (nothing of an"
                      " analysis is stored unless it is whole): nsgflow analyze judges them");

    /* 2. analyze what came in (the first time: everything), in one window
     * for all the databases. Inputs that brought no new flow are no
     * healthy night: the report says so and the exit status too. */
    int analyzed = 0, nothing_new = npaths && new_tuples == 0;
    int64_t from = INT64_MIN, to = INT64_MAX;
    if (nothing_new && !nconfigs) {
        logline("nsgflow run: analyze: no new flows; the report shows the latest analysis");
        goto report;
    }
    if (any_earlier || nothing_new) {
        if (new_tuples == 0) {
            /* a new configuration, no new flows: the latest window again,
             * judged with it */
            for (size_t i = 0; i < ndbs; i++)
                latest_window(db_paths[i], &from, &to);
        } else {
            from = new_from;
            to = new_to;
        }
    } else if (shards) {
        /* the first time: all the data, of all the shards */
        for (size_t i = 0; i < ndbs; i++)
            data_window(db_paths[i], &from, &to);
    }
    for (size_t i = 0; i < ndbs; i++) {
        ao->db_path = db_paths[i];
        ao->since = from;
        ao->until = to;
        /* a window that overlaps the previous night's (a blob that grew, an E
         * written after the hour) starts where that one ended */
        ao->after_previous = earlier_runs[i] > 0 && new_tuples > 0;
        ao->shard = shards;
        if (analyze_run(ao, &ar[i]) != EXIT_OK)
            return EXIT_FATAL;
        if (!ar[i].run_id) {
            /* everything that came in lay in windows judged before */
            logline("nsgflow run: analyze%s: the new flows lie in windows analyzed before;"
                    " nothing new to judge", name[i]);
            nothing_new |= npaths > 0;
            continue;
        }
        char a[24], b[24];
        time_format(ar[i].window_start, a);
        time_format(ar[i].window_end, b);
        char accepted[32] = ""; /* accepted findings: counted apart (accept.h) */
        if (ar[i].accepted)
            snprintf(accepted, sizeof accepted, ", %d accepted", ar[i].accepted);
        logline("nsgflow run: analyze%s: window %s to %s: %zu APIM %s; %d %s, %d %s,"
                " %d info%s; %d new, %d resolved", name[i], a, b, ar[i].hosts,
                plural((long long)ar[i].hosts, "host", "hosts"), ar[i].errors,
                plural(ar[i].errors, "error", "errors"), ar[i].warnings,
                plural(ar[i].warnings, "warning", "warnings"), ar[i].infos, accepted,
                ar[i].new_findings, ar[i].resolved);
    }
    analyzed = 1;
    cli_stop_note("ingested and analyzed (the analyses are stored); the report was not written");
    if (!log_quiet && ar[0].run_id)
        analyze_print_tag_note(&ar[0], stderr); /* once, for all the databases */
report:;
    /* 3. report: one, of all the databases */
    int latest_errors = 0, latest_warnings = 0, merged_new_problems = 0;
    {
        struct report_db dbs[ndbs];
        char err[600];
        int64_t rfrom = INT64_MAX, rto = INT64_MIN;
        for (size_t i = 0; i < ndbs; i++) {
            if (!analyzed || !ar[i].run_id)
                continue;
            if (ar[i].window_start < rfrom)
                rfrom = ar[i].window_start;
            if (ar[i].window_end > rto)
                rto = ar[i].window_end;
        }
        if (rfrom > rto) {
            rfrom = INT64_MIN;
            rto = INT64_MAX;
        }
        for (size_t i = 0; i < ndbs; i++) {
            dbs[i].path = db_paths[i];
            dbs[i].run_id = analyzed ? ar[i].run_id : 0;
            if (db_open_or_say(db_paths[i], io->wait_ms, &dbs[i].db) != 0) {
                report_close_dbs(dbs, i);
                return EXIT_FATAL;
            }
        }
        struct report r;
        int loaded = report_load_many(dbs, ndbs, rfrom, rto, &r, err, sizeof err);
        report_close_dbs(dbs, ndbs);
        if (loaded != 0) {
            if (!shards && strncmp(err, db_paths[0], strlen(db_paths[0])) == 0 &&
                strncmp(err + strlen(db_paths[0]), ": ", 2) == 0)
                memmove(err, err + strlen(db_paths[0]) + 2, strlen(err + strlen(db_paths[0]) + 2) + 1);
            msg(stderr, "nsgflow run: report: %s\n", err);
            return EXIT_FATAL;
        }
        if (nothing_new)
            nothing_new_notice(db_paths, ndbs, input_blobs, nconfigs > 0 && analyzed, r.runs,
                               r.notice, sizeof r.notice);
        latest_errors = r.errors;
        latest_warnings = r.warnings;
        for (size_t k = 0; k < r.nfindings; k++)
            merged_new_problems += strcmp(r.findings[k].status, "new") == 0 &&
                                   !r.findings[k].accepted_reason &&
                                   (strcmp(r.findings[k].severity, "error") == 0 ||
                                    strcmp(r.findings[k].severity, "warning") == 0);
        int rc;
        if (report_path) {
            rc = report_write_path(&r, format, report_path, err, sizeof err);
            if (rc == 0)
                logline("nsgflow run: report: %s", report_path);
            else
                msg(stderr, "nsgflow run: report: %s\n", err);
        } else {
            rc = report_write(&r, format, stdout, 0, 100);
            fflush(stdout);
        }
        report_free(&r);
        if (rc != 0)
            return EXIT_FATAL;
    }
    if (fail_on) {
        /* nothing analyzed this time: the latest analysis still stands, and
         * nothing in it is new to this run; with shards, the merged
         * findings judge (a finding new in one shard may be open in
         * another) */
        int errors = ar[0].errors, warnings = ar[0].warnings, fresh = ar[0].new_problems;
        int any_run = 0;
        for (size_t i = 0; i < ndbs; i++)
            any_run |= analyzed && ar[i].run_id != 0;
        if (shards) {
            errors = latest_errors;
            warnings = latest_warnings;
            fresh = merged_new_problems;
        }
        if (!any_run) {
            errors = latest_errors;
            warnings = latest_warnings;
            fresh = 0;
        }
        int hit = strcmp(fail_on, "new") == 0 ? fresh > 0
                : strcmp(fail_on, "error") == 0 ? errors > 0
                                                : errors + warnings > 0;
        if (hit) {
            logline("nsgflow run: --fail-on %s: %s", fail_on,
                    strcmp(fail_on, "new") == 0 ? "new findings" : "findings at that level");
            return EXIT_FATAL;
        }
    }
    if (nothing_new) {
        logline("nsgflow run: no new flow logs (exit status %d)", EXIT_NOTHING_NEW);
        return EXIT_NOTHING_NEW;
    }
    return ingest_status;
}

int run_main(int argc, char **argv)
{
    struct ingest_options io = {.wait_ms = 300000, .quiet = 1};
    struct analyze_options ao;
    memset(&ao, 0, sizeof ao);
    ao.wait_ms = 300000;
    ao.quiet = 1;
    const char *report_path = NULL, *fail_on = NULL;
    const char *db_paths[argc + 1]; /* --db at most once per argument */
    size_t ndbs = 0;
    char *configs[64];
    int nconfigs = 0;
    int format = -1;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"report", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"fail-on", required_argument, NULL, 'F'},
        {"apim-subnet", required_argument, NULL, 's'},
        {"platform", required_argument, NULL, 'p'},
        {"vnet-type", required_argument, NULL, 'v'},
        {"strict", no_argument, NULL, 'S'},
        {"wait", required_argument, NULL, 'w'},
        {"config", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"blob-endpoint", required_argument, NULL, 'E'},
        {"auth-mode", required_argument, NULL, 'A'},
        {"since", required_argument, NULL, 'B'},
        {"until", required_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "qh";
    optind = 1;
    int c;
    while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
        switch (c) {
        case 'd': db_paths[ndbs++] = optarg; break;
        case 'q': log_quiet = 1; break;
        case 'r': report_path = optarg; break;
        case 'c':
            if (nconfigs == (int)(sizeof configs / sizeof configs[0])) {
                msg(stderr, "nsgflow run: --config: at most 64 (give a folder)\n");
                return EXIT_USAGE;
            }
            configs[nconfigs++] = optarg;
            break;
        case 'f':
            format = report_format_of(optarg);
            if (format < 0) {
                msg(stderr, "nsgflow run: --format: text, md, csv, json, html or sh, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'F':
            if (strcmp(optarg, "new") && strcmp(optarg, "error") && strcmp(optarg, "warning")) {
                msg(stderr, "nsgflow run: --fail-on: new, error or warning, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            fail_on = optarg;
            break;
        case 's':
            if (ao.nsubnets == ANALYZE_MAX_SUBNETS ||
                ip_prefix_parse(optarg, strlen(optarg), &ao.subnets[2 * ao.nsubnets],
                                &ao.subnets[2 * ao.nsubnets + 1]) != 0) {
                msg(stderr, "nsgflow run: --apim-subnet: not an address range like 10.0.1.0/24: '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            ao.nsubnets++;
            break;
        case 'p':
            if (strcmp(optarg, "stv1") && strcmp(optarg, "stv2")) {
                msg(stderr, "nsgflow run: --platform: stv1 or stv2, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            ao.platform = optarg;
            break;
        case 'v':
            if (strcmp(optarg, "external") && strcmp(optarg, "internal")) {
                msg(stderr, "nsgflow run: --vnet-type: external or internal, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            ao.vnet_type = optarg;
            break;
        case 'S': io.strict = 1; break;
        case 'w':
            if (wait_arg_option("run", optarg, &io.wait_ms) != 0)
                return EXIT_USAGE;
            ao.wait_ms = io.wait_ms;
            break;
        case 'E':
        case 'A':
            if (ingest_storage_option(&io, "run", c, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'B':
        case 'U':
            if (ingest_window_option(&io, "run", c, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'h': fputs(run_usage, stdout); return EXIT_OK;
        default: return cli_bad_option("run", argv, shortopts, longopts);
        }
    }
    if (ingest_window_check(&io, "run") != 0)
        return EXIT_USAGE;
    if (optind >= argc && !nconfigs) {
        fputs("nsgflow run: no PATH given (flow-log blobs, or --config FILE)\nTry 'nsgflow help run'.\n",
              stderr);
        return EXIT_USAGE;
    }
    char err[600];
    if (format < 0 && report_path &&
        report_format_of_path(report_path, &format, err, sizeof err) != 0) {
        msg(stderr, "nsgflow run: --report %s\n", err);
        return EXIT_USAGE;
    }
    if (format < 0)
        format = REPORT_TEXT;
    cli_on_stop("run", "nothing of this run was stored");
    log_plain = !isatty(2);
    io.progress = !log_plain && !log_quiet;
    if (!ndbs)
        db_paths[ndbs++] = db_default_path(NULL);
    if (ingest_hide_url_secrets(argv + optind, argc - optind) != 0) {
        msg(stderr, "nsgflow run: out of memory\n");
        return EXIT_FATAL;
    }
    int status = run_shards(&io, &ao, db_paths, ndbs, configs, nconfigs, argv + optind,
                            argc - optind, report_path, format, fail_on);
    return status;
}
