/* nsgflow.c: the command line. It only dispatches: each command lives in
 * its stage's folder (ingest/, analyze/, reports/) and returns the exit
 * status that main passes on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <yajl/yajl_version.h>
#include <zlib.h>

#include "common/cli.h"
#include "common/escape.h"
#include "analyze/accept.h"
#include "analyze/analyze.h"
#include "analyze/tags.h"
#include "ingest/azblob.h"
#include "ingest/config.h"
#include "ingest/ingest.h"
#include "reports/report.h"
#include "schema/db.h"

#ifndef NSGFLOW_VERSION
#define NSGFLOW_VERSION "dev"
#endif

static const char usage[] =
    "usage: nsgflow [--db FILE] [-q] [--json] [--no-color] COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Reads Azure NSG and VNet flow logs into one SQLite database that you can\n"
    "query with the sqlite3 shell, finds in them what breaks API Management in\n"
    "a virtual network (ports its NSG denies, replies a route loses), and\n"
    "reports it with the evidence and the fix.\n"
    "\n"
    "Commands:\n"
    "  ingest PATH...   read flow-log blobs (files, folders, - for stdin,\n"
    "                   a storage container's URL)\n"
    "  analyze          find what breaks API Management: denied required ports,\n"
    "                   lost return paths (missing routes)\n"
    "  report           write the findings as text, md, csv, json or html\n"
    "  run PATH...      the nightly job: ingest, analyze what came in, report\n"
    "  accept KEY --reason TEXT  live with a finding: reports list it apart,\n"
    "                   --fail-on never counts it (--until T, --list, --remove)\n"
    "  config import FILE...  read the network's own description (the JSON of\n"
    "                   az network nsg|route-table|vnet show, az apim show)\n"
    "  config show      the configuration the database holds\n"
    "  stats            what the database holds\n"
    "  prune --older-than AGE  drop flows older than AGE before the newest one,\n"
    "                   keep findings, give space back\n"
    "  tags import FILE load a current Azure service-tags file\n"
    "  tags show        the service-tag data in use\n"
    "  help [COMMAND]   show help, for one command ('help help' too)\n"
    "\n"
    "Options of every command:\n"
    "  --db FILE        the database (default: $NSGFLOW_DB, else ./nsgflow.db)\n"
    "  --help           help for the command\n"
    "Options before the command are moved behind it, where the command takes\n"
    "them: --db FILE (every command), -q, --quiet (ingest, analyze, run,\n"
    "config), --json (analyze, stats, config show), --no-color (report).\n"
    "\n"
    "Times (--since, --until): 2026-11-01, 2026-11-01T10:00Z (UTC), with an\n"
    "offset 2026-11-01T12:00+02:00, Unix seconds @1793527200, or back from\n"
    "now: 30m, 24h, 7d.\n"
    "\n"
    "  nsgflow --version  shows the version and the libraries in use.\n"
    "\n"
    "Exit status: 0 success; 1 fatal error (no database at --db, for all but\n"
    "ingest, run, config import and tags import), or findings at the --fail-on\n"
    "level; 2 usage; 3 some inputs were partial or rejected; 4 run: no new\n"
    "flow logs; 130, 143 stopped by SIGINT, SIGTERM (the message says what\n"
    "was kept). 'nsgflow help COMMAND' has the details of each.\n";

static const char help_usage[] =
    "usage: nsgflow help [COMMAND]\n"
    "\n"
    "Shows the overview of nsgflow's commands, or the help of COMMAND, the\n"
    "same as 'nsgflow COMMAND --help'. A word that is not a command is\n"
    "answered with the commands it may have been meant as.\n"
    "\n"
    "Exit status: 0 shown; 2 COMMAND is not a command.\n";

/* The options that may come before the command, and the commands that take
 * each (bits of struct command's globals). */
enum { GLOBAL_DB = 1, GLOBAL_QUIET = 2, GLOBAL_JSON = 4, GLOBAL_NO_COLOR = 8 };

struct command {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *usage;
    int globals;   /* GLOBAL_* it takes */
};

static const struct command commands[] = {
    {"ingest", ingest_main, ingest_usage, GLOBAL_DB | GLOBAL_QUIET},
    {"analyze", analyze_main, analyze_usage, GLOBAL_DB | GLOBAL_QUIET | GLOBAL_JSON},
    {"report", report_main, report_usage, GLOBAL_DB | GLOBAL_NO_COLOR},
    {"run", run_main, run_usage, GLOBAL_DB | GLOBAL_QUIET},
    {"accept", accept_main, accept_usage, GLOBAL_DB},
    {"stats", stats_main, stats_usage, GLOBAL_DB | GLOBAL_JSON},
    {"prune", prune_main, prune_usage, GLOBAL_DB},
    {"tags", tags_main, tags_usage, GLOBAL_DB},
    {"config", config_main, config_usage, GLOBAL_DB | GLOBAL_QUIET | GLOBAL_JSON},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* "'report'" or "'accept' or 'analyze'": the commands word may stand for
 * ("" none). */
static void suggest_command(const char *word, char *out, size_t size)
{
    const char *names[NCOMMANDS + 2];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    names[NCOMMANDS] = "help";
    names[NCOMMANDS + 1] = "version";
    cli_suggest(word, names, NCOMMANDS + 2, "", out, size);
}

/* `nsgflow help [TOPIC...]`: the overview, or one command's help (the
 * words after the first, such as config's verb, say nothing more). */
static int help(int ntopics, char **topics)
{
    if (!ntopics) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    const char *topic = topics[0];
    if (strcmp(topic, "help") == 0) {
        fputs(help_usage, stdout);
        return EXIT_OK;
    }
    const struct command *c = find_command(topic);
    if (!c) {
        char hint[300];
        suggest_command(topic, hint, sizeof hint);
        if (hint[0])
            msg(stderr, "nsgflow: no help for '%s': not a command. Did you mean %s?\n", topic,
                hint);
        else
            msg(stderr, "nsgflow: no help for '%s': not a command. Try 'nsgflow --help'.\n",
                topic);
        return EXIT_USAGE;
    }
    fputs(c->usage, stdout);
    return EXIT_OK;
}

static int version(void)
{
    char storage[160];
    az_library_versions(storage, sizeof storage);
    printf("nsgflow %s (database schema %d; SQLite %s, zlib %s, yajl %d.%d.%d, %s)\n",
           NSGFLOW_VERSION, db_schema_version(), sqlite3_libversion(), zlibVersion(),
           YAJL_MAJOR, YAJL_MINOR, YAJL_MICRO, storage);
    return EXIT_OK;
}

/* Every command's output is checked at the end: a full disk or a closed
 * pipe behind standard output is an error (exit 1), not a silent success.
 * (A command that failed already said why.) */
static int finish(const char *cmd, int status)
{
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && status != EXIT_FATAL) {
        msg(stderr, "nsgflow%s%s: cannot write to standard output: %s\n", cmd ? " " : "",
            cmd ? cmd : "", errno ? strerror(errno) : "write error");
        return EXIT_FATAL;
    }
    return status;
}

/* The options before the command: argv[1..*next) as read, into globals
 * (pointers into argv, in order) and the GLOBAL_* bits in *given. Returns
 * -1 with a message for an option that is none of them; --help and
 * --version are answered at once (*answered set to the exit status). */
static int read_globals(int argc, char **argv, int *next, char **globals, int *nglobals,
                        int *given, int *answered)
{
    static const char *const names[] = {"db", "quiet", "json", "no-color", "help", "version"};
    int i = 1;
    *answered = -1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *answered = help(0, NULL);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            *answered = version();
            return 0;
        }
        int bit = strcmp(a, "--db") == 0 || strncmp(a, "--db=", 5) == 0 ? GLOBAL_DB
                : strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0    ? GLOBAL_QUIET
                : strcmp(a, "--json") == 0                             ? GLOBAL_JSON
                : strcmp(a, "--no-color") == 0                         ? GLOBAL_NO_COLOR
                                                                       : 0;
        if (!bit) {
            char hint[300], word[70];
            snprintf(word, sizeof word, "%.*s", (int)strcspn(a + 2, "="), a + 2);
            if (a[1] == '-' && cli_suggest(word, names, 6, "--", hint, sizeof hint))
                msg(stderr, "nsgflow: unknown option '%s' before the command. Did you mean"
                            " %s?\n", a, hint);
            else
                msg(stderr, "nsgflow: unknown option '%s' before the command (there: --db"
                            " FILE, -q, --json, --no-color; a command's other options come"
                            " after it). Try 'nsgflow --help'.\n", a);
            return -1;
        }
        globals[(*nglobals)++] = argv[i];
        if (strcmp(a, "--db") == 0) {
            if (i + 1 >= argc) {
                fputs("nsgflow: --db needs a value (the database FILE). Try 'nsgflow --help'.\n",
                      stderr);
                return -1;
            }
            globals[(*nglobals)++] = argv[++i];
        }
        *given |= bit;
    }
    *next = i;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    char **globals = calloc((size_t)argc + 1, sizeof *globals);
    char **args = calloc((size_t)argc + 1, sizeof *args);
    int first = 1, nglobals = 0, given = 0, answered, status = EXIT_USAGE;
    if (!globals || !args) {
        fputs("nsgflow: out of memory\n", stderr);
        status = EXIT_FATAL;
        goto done;
    }
    if (read_globals(argc, argv, &first, globals, &nglobals, &given, &answered) != 0)
        goto done;
    if (answered >= 0) {
        status = finish(NULL, answered);
        goto done;
    }
    if (first >= argc) {
        fputs("nsgflow: no command after the options. Try 'nsgflow --help'.\n", stderr);
        goto done;
    }
    const char *cmd = argv[first];
    if (strcmp(cmd, "help") == 0) {
        status = finish(NULL, help(argc - first - 1, argv + first + 1));
        goto done;
    }
    if (strcmp(cmd, "version") == 0) {
        status = finish(NULL, version());
        goto done;
    }
    const struct command *c = find_command(cmd);
    if (!c) {
        char hint[300];
        suggest_command(cmd, hint, sizeof hint);
        if (hint[0])
            msg(stderr, "nsgflow: '%s' is not a command. Did you mean %s?\n", cmd, hint);
        else
            msg(stderr, "nsgflow: '%s' is not a command. Try 'nsgflow --help'.\n", cmd);
        goto done;
    }
    static const struct {
        int bit;
        const char *name;
    } global_names[] = {{GLOBAL_DB, "--db"}, {GLOBAL_QUIET, "--quiet"},
                        {GLOBAL_JSON, "--json"}, {GLOBAL_NO_COLOR, "--no-color"}};
    for (size_t i = 0; i < sizeof global_names / sizeof global_names[0]; i++)
        if (given & global_names[i].bit & ~c->globals) {
            msg(stderr, "nsgflow: %s takes no %s. Try 'nsgflow help %s'.\n", c->name,
                global_names[i].name, c->name);
            goto done;
        }
    /* COMMAND GLOBALS... the rest (every command reads its options
     * wherever they are, its verb too) */
    int n = 0;
    args[n++] = argv[first++];
    for (int i = 0; i < nglobals; i++)
        args[n++] = globals[i];
    while (first < argc)
        args[n++] = argv[first++];
    status = finish(c->name, c->main(n, args));
done:
    free(globals);
    free(args);
    return status;
}
