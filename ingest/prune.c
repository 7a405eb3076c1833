/* prune.c: `nsgflow prune --older-than AGE`: drops the flows of blobs whose
 * newest tuple is older than that (their tuples, groups, coarse-index rows
 * and file rows), keeps the analyses and findings, and gives the space back
 * (VACUUM). It needs the database to itself: while another nsgflow writes,
 * it says so and changes nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/cli.h"
#include "../common/escape.h"
#include "../common/plural.h"
#include "../common/timearg.h"
#include "../schema/db.h"
#include "ingest.h"
#include "store.h"

const char prune_usage[] =
    "usage: nsgflow prune --older-than AGE [--dry-run] [--db FILE]\n"
    "\n"
    "Drops the flows (and the blobs' records) older than AGE, keeps the analyses\n"
    "and their findings (with their own figures: blobs, tuples), and gives the\n"
    "space back to the file system. AGE is a span (30d, 12h) counted back from\n"
    "the NEWEST FLOW IN THE DATABASE, not from today (a month-old incident\n"
    "database keeps its month), or an ISO-8601 time. A blob goes when its newest\n"
    "flow is older than that. Run it while no ingest is running: it needs the\n"
    "database to itself, and says so when another nsgflow is using it.\n"
    "\n"
    "  --older-than AGE  what to drop (required)\n"
    "  --dry-run         say what would be dropped and what stays; change nothing\n"
    "  --db FILE         the database (default: $NSGFLOW_DB, else ./nsgflow.db)\n"
    "\n"
    "Exit status: 0 done (or nothing to drop); 1 no database, the database is in\n"
    "use or could not be written (nothing was dropped); 2 usage; 130, 143\n"
    "stopped by SIGINT, SIGTERM (the message says whether the flows were\n"
    "dropped).\n";

/* Counts of the blobs older than cutoff and of the others. */
struct prune_counts {
    int64_t drop_blobs, drop_tuples, keep_blobs, keep_tuples;
};

static int count_old(sqlite3 *db, int64_t cutoff, struct prune_counts *c)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(sum(old), 0), coalesce(sum(CASE WHEN old THEN tuples END), 0),"
                               " coalesce(sum(NOT old), 0), coalesce(sum(CASE WHEN NOT old THEN tuples END), 0)"
                               " FROM (SELECT tuples, max_ts < ?1 OR (max_ts IS NULL AND ingested_at < ?1) AS old"
                               "       FROM source_file)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, cutoff);
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    if (rc == 0) {
        c->drop_blobs = sqlite3_column_int64(st, 0);
        c->drop_tuples = sqlite3_column_int64(st, 1);
        c->keep_blobs = sqlite3_column_int64(st, 2);
        c->keep_tuples = sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    return rc;
}

/* "12 blobs (3400 tuples)", "1 blob (1 tuple)" into out; returns out. */
static const char *counts_text(int64_t blobs, int64_t tuples, char *out, size_t n)
{
    snprintf(out, n, "%lld %s (%lld %s)", (long long)blobs, plural(blobs, "blob", "blobs"),
             (long long)tuples, plural(tuples, "tuple", "tuples"));
    return out;
}

/* The cutoff of AGE: a span back from the newest flow (*relative set), or
 * a time. -1 when AGE is neither. */
static int cutoff_of(sqlite3 *db, const char *age, int64_t *cutoff, int64_t *newest,
                     int *relative)
{
    sqlite3_stmt *st;
    *newest = 0;
    if (sqlite3_prepare_v2(db, "SELECT max(max_ts) FROM source_file", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        *newest = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    int64_t a, b;
    if (time_arg_parse(age, 0, &a) != 0 || time_arg_parse(age, 1, &b) != 0)
        return -1;
    *relative = a != b;
    return time_arg_parse(age, (time_t)*newest, cutoff);
}

int prune_main(int argc, char **argv)
{
    const char *db_path = NULL, *age = NULL;
    int dry_run = 0;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"older-than", required_argument, NULL, 'o'},
        {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "h";
    optind = 1;
    int c;
    while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 'o': age = optarg; break;
        case 'n': dry_run = 1; break;
        case 'h': fputs(prune_usage, stdout); return EXIT_OK;
        default: return cli_bad_option("prune", argv, shortopts, longopts);
        }
    }
    int64_t probe;
    if (!age || optind < argc || time_arg_parse(age, 0, &probe) != 0) {
        fputs(!age ? "nsgflow prune: --older-than AGE is required\n"
              : optind < argc ? "nsgflow prune: unexpected argument (prune takes options only)\n"
                              : "nsgflow prune: --older-than: an age like 30d or 12h (back from"
                                " the newest flow), or a time\n", stderr);
        return EXIT_USAGE;
    }
    db_path = db_default_path(db_path);
    cli_on_stop("prune", "nothing was dropped (the drop is one transaction)");
    sqlite3 *db;
    /* a short wait: prune should not queue behind a long ingest */
    if (db_open_existing_or_say(db_path, 2000, &db) != 0)
        return EXIT_FATAL;
    char why[600] = "", t[24], n[24], dropped[80], kept[80];
    int64_t cutoff, newest;
    int relative;
    struct prune_counts counts;
    if (cutoff_of(db, age, &cutoff, &newest, &relative) != 0 ||
        count_old(db, cutoff, &counts) != 0) {
        msg(stderr, "nsgflow prune: %s: %s; nothing was dropped\n", db_path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return EXIT_FATAL;
    }
    if (counts.drop_blobs + counts.keep_blobs == 0) {
        msg(stdout, "prune: the database holds no flows; nothing to drop\n");
        sqlite3_close(db);
        return EXIT_OK;
    }
    time_format(cutoff, t);
    time_format(newest, n);
    char whence[120];
    if (relative)
        snprintf(whence, sizeof whence, "%s before the newest flow, %s", age, n);
    else
        snprintf(whence, sizeof whence, "as given");
    if (dry_run) {
        msg_wrapped(stdout, cli_width(stdout), 4, "prune: --dry-run: would drop %s whose newest"
                    " flow is older than %s (%s); %s would stay; nothing was changed\n",
                    counts_text(counts.drop_blobs, counts.drop_tuples, dropped, sizeof dropped),
                    t, whence,
                    counts_text(counts.keep_blobs, counts.keep_tuples, kept, sizeof kept));
        sqlite3_close(db);
        return EXIT_OK;
    }
    /* alone with the database: no other nsgflow may have it open, even
     * between its transactions (an ingest commits every second) */
    if (db_use_alone(db_path, 2000) != 0) {
        msg(stderr, "nsgflow prune: %s: another nsgflow is using the database (an ingest or"
                    " analyze?); run prune when it is done; nothing was dropped\n", db_path);
        sqlite3_close(db);
        return EXIT_FATAL;
    }
    if (sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK) {
        msg(stderr, "nsgflow prune: %s: %s; nothing was dropped\n", db_path,
                db_is_busy(sqlite3_errcode(db))
                    ? "another nsgflow is using the database (an ingest?); run prune when it is done"
                    : sqlite3_errmsg(db));
        sqlite3_close(db);
        return EXIT_FATAL;
    }
    store *s = store_new(db, why, sizeof why);
    sqlite3_stmt *st = NULL;
    int64_t blobs = 0, tuples = 0;
    if (!s || sqlite3_prepare_v2(db, "SELECT id, tuples FROM source_file WHERE max_ts < ?"
                                     " OR (max_ts IS NULL AND ingested_at < ?)",
                                 -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int64(st, 2, cutoff);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (store_drop_file(s, sqlite3_column_int64(st, 0)) != 0) {
            snprintf(why, sizeof why, "%s", store_error(s));
            goto fail;
        }
        blobs++;
        tuples += sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    if (count_old(db, cutoff, &counts) != 0)
        goto fail;
    cli_stop_hold();
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    cli_stop_release(rc == SQLITE_OK ? "the flows were dropped; the space was not given back"
                                       " to the file system (later ingests reuse it)" : NULL);
    if (rc != SQLITE_OK)
        goto fail;
    store_free(s);
    s = NULL;
    /* the space back: rewrite the file, then empty the write-ahead log */
    if (blobs && (sqlite3_exec(db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK ||
                  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK))
        msg(stderr, "nsgflow prune: the flows were dropped, but the space could not be given"
                        " back yet: %s (it is reused by later ingests)\n", sqlite3_errmsg(db));
    msg_wrapped(stdout, cli_width(stdout), 4, "prune: dropped %s whose newest flow is older than"
                " %s (%s); %s stay; analyses and findings kept, with their figures\n",
                counts_text(blobs, tuples, dropped, sizeof dropped), t, whence,
                counts_text(counts.keep_blobs, counts.keep_tuples, kept, sizeof kept));
    sqlite3_close(db);
    return EXIT_OK;
fail:
    if (!why[0] || strcmp(why, "out of memory") != 0)
        snprintf(why, sizeof why, "%s", sqlite3_errmsg(db));
    msg(stderr, "nsgflow prune: %s: %s; nothing was dropped\n", db_path, why);
    sqlite3_finalize(st);
    store_free(s);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    return EXIT_FATAL;
}
