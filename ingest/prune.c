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

#include "../common/escape.h"
#include "../common/timearg.h"
#include "../schema/db.h"
#include "ingest.h"
#include "store.h"

const char prune_usage[] =
    "usage: nsgflow prune --older-than AGE [--db FILE]\n"
    "\n"
    "Drops the flows (and the blobs' records) older than AGE (30d, 12h, or an\n"
    "ISO-8601 time), keeps the analyses and their findings, and gives the\n"
    "space back to the file system. A blob goes when its newest flow is older\n"
    "than that. Run it while no ingest is running: it needs the database to\n"
    "itself, and says so when another nsgflow is using it.\n"
    "\n"
    "Exit status: 0 done; 1 the database is in use or could not be written\n"
    "(nothing was dropped); 2 usage.\n";

int prune_main(int argc, char **argv)
{
    const char *db_path = NULL, *age = NULL;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"older-than", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 'o': age = optarg; break;
        case 'h': fputs(prune_usage, stdout); return EXIT_OK;
        default: fputs("Try 'nsgflow help prune'.\n", stderr); return EXIT_USAGE;
        }
    }
    int64_t cutoff;
    if (!age || optind < argc || time_arg_parse(age, time(NULL), &cutoff) != 0) {
        fputs(age ? "nsgflow prune: --older-than: an age like 30d or 12h, or a time\n"
                  : "nsgflow prune: --older-than AGE is required\n", stderr);
        return EXIT_USAGE;
    }
    db_path = db_default_path(db_path);
    sqlite3 *db;
    /* a short wait: prune should not queue behind a long ingest */
    if (db_open_or_say(db_path, 2000, &db) != 0)
        return EXIT_FATAL;
    char why[600] = "";
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
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    store_free(s);
    s = NULL;
    /* the space back: rewrite the file, then empty the write-ahead log */
    if (blobs && (sqlite3_exec(db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK ||
                  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK))
        msg(stderr, "nsgflow prune: the flows were dropped, but the space could not be given"
                        " back yet: %s (it is reused by later ingests)\n", sqlite3_errmsg(db));
    char t[24];
    time_format(cutoff, t);
    msg(stdout, "prune: dropped %lld blobs (%lld tuples) older than %s; analyses and findings kept\n",
           (long long)blobs, (long long)tuples, t);
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
