/* ingest.h: the `nsgflow ingest` command, bytes -> rows.
 *
 * For each blob: open it (plain or gzip), stream its JSON through the flow-log
 * reader, parse each tuple, and write the rows in one transaction, so that a
 * blob is either wholly in the database or not at all. A blob seen before is
 * skipped when its content is unchanged and replaced when it grew. */
#ifndef NSGFLOW_INGEST_H
#define NSGFLOW_INGEST_H

#include <stdint.h>

#include "../common/exitcode.h"
#include "ipaddr.h"

/* Defaults of the limits: far beyond any real hour of one NIC, low enough
 * that a runaway input ends with a clear error. */
#define INGEST_MAX_TUPLES 100000000LL          /* per blob */
#define INGEST_MAX_STDIN (64LL << 30)          /* 64 GiB of JSON on stdin */

struct ingest_options {
    const char *db_path;
    int strict;          /* reject blobs that break off, instead of partial */
    int quiet;           /* no progress line, no summary */
    int verbose;         /* one line per blob */
    int wait_ms;         /* how long to wait for another writer's lock */
    const char *stdin_name; /* the path standard input stands for */
    int64_t max_tuples;  /* per blob; more is an error (0: the default) */
    int64_t max_stdin;   /* bytes of JSON read from standard input (0: the default) */
    int progress;        /* show the progress line (stderr is a terminal) */
    int threads;         /* 1: read and write in one thread; else two */
    /* --shard K/N: only the NICs whose MAC falls in shard K of N (see
     * ingest_shard_of_mac); shard_count 0: every NIC */
    unsigned shard_index, shard_count;
    /* --only CIDR: keep only tuples with an address in one of these ranges
     * (nonly 0: every tuple) */
    const struct ip_addr (*only)[2]; /* [i][0] first, [i][1] last address */
    size_t nonly;
    /* keep ingest's SIGINT/SIGTERM handling after the run (the ingest
     * command, which exits next: a signal that comes after the last commit
     * then ends nothing, where the restored default would kill the process
     * without a word); run restores the previous handling */
    int keep_stop_handler;
    /* container URLs (azurl.h): the blob endpoint that path-style URLs
     * lie under (NULL: the connection string's, if any), and --auth-mode
     * login (a bearer token instead of a SAS or key) */
    const char *blob_endpoint;
    int auth_login;
    /* --since/--until: only the blobs whose hour (from their name) overlaps
     * [since, until]; a blob whose name gives no hour is read (window 0:
     * every blob; an absent bound is INT64_MIN or INT64_MAX) */
    int window;
    int64_t since, until;
};

/* What a run did; printed as the summary. */
struct ingest_totals {
    long blobs;          /* blobs looked at */
    long files_new, files_replaced, files_unchanged, files_partial,
        files_rejected, files_kept_older; /* a worse copy of a stored blob */
    long files_earlier;  /* an earlier, shorter download of a blob stored in
                          * full: not stored, and no problem */
    long other_files_skipped, path_problems;
    long files_other_shard; /* blobs of other shards' NICs, not read */
    long files_outside_window; /* blobs named outside --since/--until, not read */
    long files_no_hour;  /* with --since/--until: read, their names give no hour */
    long files_failed;   /* downloads that failed: not stored, read next run */
    /* blobs from storage containers: listed (as flow-log blobs),
     * downloaded, and the bytes received */
    long containers, remote_listed, remote_downloaded;
    long remote_requests; /* listing requests (pages), all folders */
    int64_t remote_bytes;
    int64_t tuples, skipped_tuples, json_bytes;
    int64_t dropped_tuples;  /* outside --only, or of other shards' NICs */
    int64_t min_ts, max_ts; /* of the tuples written, INT64_MAX/MIN if none */
    double seconds;
};

/* Ingests the blobs under paths[0..npaths). Returns an EXIT_* status and
 * fills *totals. Messages go to stderr. */
int ingest_run(const struct ingest_options *o, char **paths, int npaths,
               struct ingest_totals *totals);

/* The shard (0 .. count-1) of a NIC by its MAC (any case and separators):
 * the same MAC is in the same shard on every machine and version. */
unsigned ingest_shard_of_mac(const char *mac, unsigned count);

/* Parses "K/N" (0 <= K < N <= 4096). Returns 0, or -1 when it is not one. */
int ingest_parse_shard(const char *s, unsigned *k, unsigned *n);

/* Adds the ranges of an --only argument ("10.20.1.0/24", comma-separated
 * ones too) to ranges[*n..max). Returns 0, or -1 after saying why on stderr
 * (command names the command in the message). */
int ingest_parse_only(const char *command, const char *arg, struct ip_addr (*ranges)[2],
                      size_t *n, size_t max);

/* --blob-endpoint URL (c 'E') and --auth-mode key|login (c 'A') into o.
 * Returns 0, or -1 after saying why on stderr. */
int ingest_storage_option(struct ingest_options *o, const char *command, int c,
                          const char *arg);

/* --since T (c 'B') and --until T (c 'U') into o, parsed as analyze's
 * (time_arg_option). Returns 0, or -1 after saying why on stderr. */
int ingest_window_option(struct ingest_options *o, const char *command, int c,
                         const char *arg);

/* When --since/--until took no blob of a run (none listed, or all outside
 * it), writes why into out ("no blob whose name's hour lies in --since
 * ... --until ... (N outside it not read)") and returns 1: "0 blobs" alone
 * would read as all clear to a nightly job whose day never arrived.
 * Returns 0 otherwise. */
int ingest_window_empty(const struct ingest_options *o, const struct ingest_totals *t,
                        char *out, size_t outlen);

/* Checks a window once all options are read: since after until is a
 * usage error. Returns 0, or -1 after saying why on stderr. */
int ingest_window_check(const struct ingest_options *o, const char *command);

/* Wipes the query (a SAS) of each container URL among paths[0..n) in the
 * process's command line, which ps shows to every user, and points
 * paths[i] at a copy that keeps it. Returns 0, or -1 when out of memory. */
int ingest_hide_url_secrets(char **paths, int n);

/* Prints the two summary lines of a run to stderr. */
void ingest_print_summary(const struct ingest_totals *t);

/* `nsgflow ingest ARGS...`: parses the command line, runs, prints. */
int ingest_main(int argc, char **argv);

/* The help text of `nsgflow ingest`. */
extern const char ingest_usage[];

/* `nsgflow prune --older-than AGE` (prune.c) */
int prune_main(int argc, char **argv);
extern const char prune_usage[];

#endif
