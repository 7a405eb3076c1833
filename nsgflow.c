/* nsgflow.c: the command line. It only dispatches: each command lives in
 * its stage's folder (ingest/, analyze/, reports/) and returns the exit
 * status that main passes on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>
#include <yajl/yajl_version.h>
#include <zlib.h>

#include "common/escape.h"
#include "analyze/accept.h"
#include "analyze/analyze.h"
#include "analyze/tags.h"
#include "ingest/config.h"
#include "ingest/ingest.h"
#include "reports/report.h"
#include "schema/db.h"

#ifndef NSGFLOW_VERSION
#define NSGFLOW_VERSION "dev"
#endif

static const char usage[] =
    "usage: nsgflow COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Reads Azure NSG and VNet flow logs into one SQLite database that you can\n"
    "query with the sqlite3 shell, finds in them what breaks API Management in\n"
    "a virtual network (ports its NSG denies, replies a route loses), and\n"
    "reports it with the evidence and the fix.\n"
    "\n"
    "Commands:\n"
    "  ingest PATH...   read flow-log blobs (files, folders, - for stdin)\n"
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
    "  help [COMMAND]   show help, for one command\n"
    "\n"
    "Options of every command:\n"
    "  --db FILE        the database (default: $NSGFLOW_DB, else ./nsgflow.db)\n"
    "  --help           help for the command\n"
    "\n"
    "  nsgflow --version  shows the version and the libraries in use.\n"
    "\n"
    "Exit status: 0 success; 1 fatal error (no database at --db, for all but\n"
    "ingest, run, config import and tags import), or findings at the --fail-on\n"
    "level; 2 usage; 3 some inputs were partial or rejected; 4 run: no new\n"
    "flow logs. 'nsgflow help COMMAND' has the details of each.\n";

struct command {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *usage;
};

static const struct command commands[] = {
    {"ingest", ingest_main, ingest_usage},
    {"analyze", analyze_main, analyze_usage},
    {"report", report_main, report_usage},
    {"run", run_main, run_usage},
    {"accept", accept_main, accept_usage},
    {"stats", stats_main, stats_usage},
    {"prune", prune_main, prune_usage},
    {"tags", tags_main, tags_usage},
    {"config", config_main, config_usage},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int help(const char *topic)
{
    if (!topic) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    const struct command *c = find_command(topic);
    if (!c) {
        msg(stderr, "nsgflow: no help for '%s': not a command\n", topic);
        return EXIT_USAGE;
    }
    fputs(c->usage, stdout);
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

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return finish(NULL, help(NULL));
    if (strcmp(cmd, "help") == 0)
        return finish(NULL, help(argc > 2 ? argv[2] : NULL));
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("nsgflow %s (database schema %d; SQLite %s, zlib %s, yajl %d.%d.%d)\n",
               NSGFLOW_VERSION, db_schema_version(), sqlite3_libversion(),
               zlibVersion(), YAJL_MAJOR, YAJL_MINOR, YAJL_MICRO);
        return finish(NULL, EXIT_OK);
    }
    const struct command *c = find_command(cmd);
    if (!c) {
        msg(stderr, "nsgflow: '%s' is not a command. Try 'nsgflow --help'.\n", cmd);
        return EXIT_USAGE;
    }
    return finish(c->name, c->main(argc - 1, argv + 1));
}
