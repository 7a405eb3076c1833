/* report.c: the report command: options, where the report goes (a file is
 * written whole or not at all), colour and width for terminals. */
#include "../common/cli.h"
#include "../common/escape.h"
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/timearg.h"
#include "../ingest/ingest.h"
#include "../schema/db.h"

const char report_usage[] =
    "usage: nsgflow report [--db FILE]... [--format text|md|csv|json|html|sh] [-o FILE]\n"
    "                      [--since T] [--until T] [--no-color]\n"
    "\n"
    "Writes what the analyses found: first the fix plan (each change to make\n"
    "once, most severe first, with the findings that call for it and its\n"
    "command), then each finding with its evidence.\n"
    "  --format F     text (default: for a terminal, coloured and wrapped to its\n"
    "                 width there), md (a ticket or wiki page), csv (one\n"
    "                 finding a row), json (documented, versioned: see the\n"
    "                 man page), html (one self-contained page: the verdict and\n"
    "                 the fix plan first, then the findings with their charts,\n"
    "                 the requirements matrix, the log coverage), sh (the fix\n"
    "                 plan as a script to review and run: it refuses to run\n"
    "                 while a value the plan could not know is left to fill)\n"
    "  -o, --output FILE  write there (whole or not at all) instead of stdout;\n"
    "                 without --format, FILE's extension names the format:\n"
    "                 .html .htm .md .csv .json .txt .sh (any case); none, or a\n"
    "                 FILE that is no regular file (/dev/stdout, a FIFO): text;\n"
    "                 any other extension is an error\n"
    "  --since T, --until T  the analyses whose windows overlap this window;\n"
    "                 default: the latest analysis. T: 2026-11-01T10:00Z,\n"
    "                 2026-11-01T12:00+02:00, @1793527200, or 24h, 7d back\n"
    "  --no-color     no colours on a terminal (as NO_COLOR set, not empty)\n"
    "  --db FILE      the database (default: $NSGFLOW_DB, else ./nsgflow.db);\n"
    "                 repeatable: shard databases (ingest --shard K/N), merged\n"
    "                 into one report as if one database held them all\n"
    "\n"
    "Exit status: 0 written; 1 the database or the file could not be read or\n"
    "written; 2 usage (an -o FILE whose extension names no format, too);\n"
    "130, 143 stopped by SIGINT, SIGTERM (the file is not written).\n";

int report_format_of(const char *name)
{
    static const char *const names[] = {"text", "md", "csv", "json", "html", "sh"};
    for (int i = 0; i < 6; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* The formats by the file name's extension (any case): the one table. */
static const struct {
    const char *extension, *format;
} by_extension[] = {
    {"html", "html"}, {"htm", "html"}, {"md", "md"}, {"csv", "csv"},
    {"json", "json"}, {"txt", "text"}, {"sh", "sh"},
};

int report_format_of_path(const char *path, int *format, char *err, size_t errlen)
{
    struct stat st;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    *format = REPORT_TEXT;
    if ((stat(path, &st) == 0 && !S_ISREG(st.st_mode)) || !dot || dot == base || !dot[1])
        return 0; /* a terminal, a FIFO, /dev/stdout; a name without extension */
    for (size_t i = 0; i < sizeof by_extension / sizeof by_extension[0]; i++) {
        if (strcasecmp(dot + 1, by_extension[i].extension) != 0)
            continue;
        *format = report_format_of(by_extension[i].format);
        if (*format >= 0)
            return 0;
        snprintf(err, errlen, "%s: this nsgflow has no %s format (the extension %s names it);"
                              " choose one with --format", path, by_extension[i].format, dot);
        return -1;
    }
    snprintf(err, errlen, "%s: the extension %s names no report format: use .html, .htm, .md,"
                          " .csv, .json, .txt or .sh, or say which with --format", path, dot);
    return -1;
}

int report_write(const struct report *r, enum report_format f, FILE *out, int color,
                 int width)
{
    switch (f) {
    case REPORT_TEXT: return report_write_text(r, out, color, width, 0);
    case REPORT_MD: return report_write_text(r, out, 0, width, 1);
    case REPORT_CSV: return report_write_csv(r, out);
    case REPORT_JSON: return report_write_json(r, out);
    case REPORT_SH: return report_write_sh(r, out);
    default: return report_write_html(r, out);
    }
}

/* Writes to a file that is not a regular file (a terminal, /dev/null, a
 * FIFO) as it is: such a file is never replaced. */
static int write_direct(const struct report *r, enum report_format f, const char *path,
                        char *err, size_t errlen)
{
    FILE *out = fopen(path, "w");
    if (!out) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    int rc = report_write(r, f, out, 0, 100);
    if (fflush(out) != 0)
        rc = -1;
    int saved = errno;
    if (fclose(out) != 0 && rc == 0) {
        saved = errno;
        rc = -1;
    }
    if (rc != 0)
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(saved));
    return rc;
}

int report_write_path(const struct report *r, enum report_format f, const char *given,
                      char *err, size_t errlen)
{
    struct stat st;
    if (stat(given, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s: is a folder, not a file", given);
            return -1;
        }
        return write_direct(r, f, given, err, errlen);
    }
    /* a symbolic link to a report stays a link: its target is replaced */
    char *resolved = NULL;
    struct stat lst;
    if (lstat(given, &lst) == 0 && S_ISLNK(lst.st_mode))
        resolved = realpath(given, NULL);
    const char *path = resolved ? resolved : given;
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(err, errlen, "out of memory");
        free(resolved);
        return -1;
    }
    snprintf(tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd >= 0)
        cli_stop_remove(tmp); /* a stop leaves no temporary file behind */
    if (fd >= 0) { /* mkstemp makes it private; a report is an ordinary file */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
            cli_stop_remove(NULL);
        }
        free(tmp);
        free(resolved);
        return -1;
    }
    int rc = report_write(r, f, out, 0, 100);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
        rc = -1;
    int saved = errno;
    if (fclose(out) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0) {
        saved = errno;
        rc = -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", given, strerror(saved));
        unlink(tmp);
    }
    cli_stop_remove(NULL);
    free(tmp);
    free(resolved);
    return rc;
}

/* Opens the databases to read for a report: each must exist already (a
 * missing one is an error, not an empty database). Says why not on stderr.
 * Returns 0, or -1 with the opened ones closed. */
int report_open_dbs(const char *const *paths, size_t n, struct report_db *dbs)
{
    for (size_t i = 0; i < n; i++) {
        dbs[i].path = paths[i];
        dbs[i].run_id = 0;
        dbs[i].db = NULL;
        if (db_open_to_read_or_say(paths[i], 300000, &dbs[i].db) != 0) {
            report_close_dbs(dbs, i);
            return -1;
        }
    }
    return 0;
}

void report_close_dbs(struct report_db *dbs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_close(dbs[i].db);
        dbs[i].db = NULL;
    }
}

int report_main(int argc, char **argv)
{
    const char *output = NULL;
    const char **db_paths = calloc((size_t)argc + 1, sizeof *db_paths);
    size_t ndbs = 0;
    if (!db_paths) {
        msg(stderr, "nsgflow report: out of memory\n");
        return EXIT_FATAL;
    }
    int format = -1, no_color = 0;
    int64_t since = INT64_MIN, until = INT64_MAX;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'},
        {"no-color", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "o:h";
    optind = 1;
    int c;
    while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
        switch (c) {
        case 'd': db_paths[ndbs++] = optarg; break;
        case 'o': output = optarg; break;
        case 'C': no_color = 1; break;
        case 'f':
            format = report_format_of(optarg);
            if (format < 0) {
                msg(stderr, "nsgflow report: --format: text, md, csv, json, html or sh, not '%s'\n",
                        optarg);
                free(db_paths);
                return EXIT_USAGE;
            }
            break;
        case 'S':
            if (time_arg_option("report", "since", optarg, &since) != 0) {
                free(db_paths);
                return EXIT_USAGE;
            }
            break;
        case 'U':
            if (time_arg_option("report", "until", optarg, &until) != 0) {
                free(db_paths);
                return EXIT_USAGE;
            }
            break;
        case 'h': fputs(report_usage, stdout); free(db_paths); return EXIT_OK;
        default:
            free(db_paths);
            return cli_bad_option("report", argv, shortopts, longopts);
        }
    }
    char err[600];
    if (optind < argc) {
        msg(stderr, "nsgflow report: unexpected argument '%s'\n", argv[optind]);
        free(db_paths);
        return EXIT_USAGE;
    }
    if (format < 0 && output && report_format_of_path(output, &format, err, sizeof err) != 0) {
        msg(stderr, "nsgflow report: -o %s\n", err);
        free(db_paths);
        return EXIT_USAGE;
    }
    if (format < 0)
        format = REPORT_TEXT;
    cli_on_stop("report", output ? "the report file was not written (what was there is as it"
                                   " was)" : "the report on standard output is cut short");
    if (!ndbs)
        db_paths[ndbs++] = db_default_path(NULL);
    /* a window given on one side only is open on the other */
    if (since != INT64_MIN && until == INT64_MAX)
        until = INT64_MAX - 1;
    if (until != INT64_MAX && since == INT64_MIN)
        since = INT64_MIN + 1;
    struct report_db *dbs = calloc(ndbs, sizeof *dbs);
    if (!dbs || report_open_dbs(db_paths, ndbs, dbs) != 0) {
        free(dbs);
        free(db_paths);
        return EXIT_FATAL;
    }
    struct report r;
    int loaded = report_load_many(dbs, ndbs, since, until, &r, err, sizeof err);
    report_close_dbs(dbs, ndbs);
    free(dbs);
    free(db_paths);
    if (loaded != 0) {
        msg(stderr, "nsgflow report: %s\n", err);
        return EXIT_FATAL;
    }
    int rc;
    if (output) {
        rc = report_write_path(&r, format, output, err, sizeof err);
        if (rc != 0)
            msg(stderr, "nsgflow report: %s\n", err);
    } else {
        int width = cli_width(stdout); /* 0: no terminal */
        int color = format == REPORT_TEXT && !no_color && cli_color(stdout);
        rc = report_write(&r, format, stdout, color, width ? width : 100);
        if (fflush(stdout) != 0)
            rc = -1;
        if (rc != 0)
            msg(stderr, "nsgflow report: cannot write to standard output: %s\n", strerror(errno));
    }
    report_free(&r);
    return rc == 0 ? EXIT_OK : EXIT_FATAL;
}
