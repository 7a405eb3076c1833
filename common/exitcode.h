/* exitcode.h: the exit statuses every nsgflow command shares, so that a
 * script can tell the outcomes apart the same way whatever it ran. Each
 * command's --help, the man page's EXIT STATUS and the README say which of
 * them the command uses. */
#ifndef NSGFLOW_EXITCODE_H
#define NSGFLOW_EXITCODE_H

enum {
    EXIT_OK = 0,
    EXIT_FATAL = 1,    /* the run could not be done (no database, database,
                        * memory, ...), or findings at the --fail-on level */
    EXIT_USAGE = 2,    /* bad command line */
    EXIT_PROBLEMS = 3, /* done, but some inputs were partial or rejected */
    EXIT_NOTHING_NEW = 4, /* run: the inputs held no flow logs that were not
                           * in the database (and judged) already */
    EXIT_STOPPED = 128, /* + the signal: ingest stopped by SIGINT (130) or
                         * SIGTERM (143), after committing what it had done */
};

#endif
