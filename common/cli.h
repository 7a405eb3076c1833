/* cli.h: what the command line of every nsgflow command shares: options
 * parsed the same way (an unknown or mistyped option says what it may have
 * been meant as), names close to a mistyped one, the width of the terminal
 * that people read, colour by the NO_COLOR convention, and the one-line
 * message when SIGINT or SIGTERM stops a command, saying what was kept.
 * Every function here writes only to stderr, and only where it says so. */
#ifndef NSGFLOW_CLI_H
#define NSGFLOW_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* The restricted Damerau-Levenshtein distance of a and b: how many letters
 * added, dropped, changed, or neighbours swapped make one the other. */
int cli_distance(const char *a, const char *b);

/* What word may have been meant as, of names[0..n): the names it is a
 * prefix of, else those at the fewest edits (cli_distance, at most 2 and
 * fewer than word's length). Writes them quoted, each after prefix ("--"
 * for options), joined by ", " and " or " ("'report'", "'--since' or
 * '--shard'"), into out (at most 4, then "..."); "" when none. Returns how
 * many there were. */
int cli_suggest(const char *word, const char *const *names, size_t n, const char *prefix,
                char *out, size_t size);

/* getopt_long with its own messages off (opterr = 0): an unknown option,
 * a missing value and the like come back as '?' for cli_bad_option. */
int cli_getopt(int argc, char *const *argv, const char *shortopts,
               const struct option *longopts);

/* After cli_getopt returned '?': says on stderr, in one line, what was
 * wrong with the option just read and what it may have been meant as
 * ("nsgflow analyze: unknown option '--sinse'. Did you mean '--since'?").
 * command: "analyze", "config import". Returns EXIT_USAGE (2). */
int cli_bad_option(const char *command, char *const *argv, const char *shortopts,
                   const struct option *longopts);

/* The width in columns of the terminal f writes to: its window size, else
 * $COLUMNS, else 80. 0 when f is no terminal: lines written for a file or
 * a pipe are not wrapped. */
int cli_width(FILE *f);

/* 1 when text written to f may be coloured: f is a terminal and NO_COLOR
 * is not set to something (https://no-color.org: set and not empty turns
 * colour off; set and empty does not). */
int cli_color(FILE *f);

/* "SIGINT", "SIGTERM", else "a signal". */
const char *cli_signal_name(int sig);

/* From now on SIGINT and SIGTERM stop the process at once, with the line
 * "nsgflow COMMAND: stopped by SIGINT: NOTE" on stderr and the exit status
 * 128 + the signal (130, 143). note says what was kept ("nothing of this
 * analysis was stored (it is one transaction)"). command and note must
 * outlive the process (string literals). */
void cli_on_stop(const char *command, const char *note);

/* Changes the note as the command goes on (after a commit, say). */
void cli_stop_note(const char *note);

/* cli_stop_hold holds the stop signals back (in this thread) while the
 * state the note speaks of changes (a COMMIT); cli_stop_release(note) sets
 * the note for the new state (NULL: the note stays), then lets them
 * through: a signal that came meanwhile is taken now, with the right
 * note. */
void cli_stop_hold(void);
void cli_stop_release(const char *note);

/* A file that a stop removes (a temporary file being written); NULL: none.
 * The path must stay valid until it is set to NULL again. */
void cli_stop_remove(const char *path);

#endif
