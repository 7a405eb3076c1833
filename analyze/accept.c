/* accept.c: the acceptances in force (see accept.h) and the accept command:
 * accept a finding's key with a reason and an optional end, list the
 * acceptances, remove one. Each change is one transaction. */
#include "accept.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/cli.h"
#include "../common/escape.h"
#include "../common/exitcode.h"
#include "../common/timearg.h"
#include "../schema/db.h"

const char accept_usage[] =
    "usage: nsgflow accept KEY --reason TEXT [--until T] [--db FILE]\n"
    "       nsgflow accept --list [--db FILE]\n"
    "       nsgflow accept --remove KEY [--db FILE]\n"
    "\n"
    "Accepts a finding the team has decided to live with (old clients refused\n"
    "on a port closed on purpose, say). While the acceptance is in force the\n"
    "finding is still analyzed and stored as before, but every report lists it\n"
    "apart, under Accepted, with the reason; the reports' counts of errors and\n"
    "warnings leave it out; and the --fail-on of analyze and run never counts\n"
    "it. When the acceptance ends (--until), the finding counts again.\n"
    "\n"
    "  KEY            the finding's key, as the text and Markdown reports show it\n"
    "                 (quote it: it holds |), e.g.\n"
    "                 'denied-required-port|10.20.1.4|Internet|80|TCP|inbound|RULE'\n"
    "                 or: sqlite3 DB 'SELECT key, title FROM findings'. A key no\n"
    "                 finding of the database has had is refused: a typo must\n"
    "                 not read as all clear\n"
    "  --reason TEXT  why the team lives with it (required, not empty); every\n"
    "                 report shows it\n"
    "  --until T      the acceptance ends then: ISO-8601 UTC (2026-12-31 is its\n"
    "                 00:00, 2026-12-31T18:00Z), with an offset (+01:00), Unix\n"
    "                 seconds (@1798743600) or from now (12h, 30d); it must be\n"
    "                 in the future. Default: no end\n"
    "                 Accepting a key again replaces its reason and end.\n"
    "  --list         the acceptances, in force or ended, with the latest\n"
    "                 finding of each key\n"
    "  --remove KEY   ends an acceptance now: the finding counts again\n"
    "  --db FILE      the database (default: $NSGFLOW_DB, else ./nsgflow.db); it\n"
    "                 must exist. Shards: accept in the database that has the\n"
    "                 finding; a merged report takes an acceptance in any of them\n"
    "\n"
    "Exit status: 0 done; 1 no database, a KEY no finding has had, --remove of\n"
    "a key not accepted, or the database could not be written; 2 usage (no\n"
    "--reason, an --until that is not a time or not in the future).\n";

/* How long a command waits for another process's write lock. */
#define ACCEPT_WAIT_MS 300000

/* The one rule: an acceptance is in force until its end (0: none). */
static int in_force(int64_t until, int64_t now)
{
    return until == 0 || until > now;
}

static void acceptance_clear(struct acceptance *a)
{
    free(a->key);
    free(a->reason);
    memset(a, 0, sizeof *a);
}

int acceptances_load(sqlite3 *db, int64_t now, struct acceptances *out, char *err,
                     size_t errlen)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(db, "SELECT key, reason, accepted_at, coalesce(until, 0)"
                               " FROM finding_acceptance ORDER BY key", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!in_force(sqlite3_column_int64(st, 3), now))
            continue;
        if (out->n == cap) {
            size_t c = cap ? 2 * cap : 16;
            struct acceptance *v = realloc(out->v, c * sizeof *v);
            if (!v)
                goto oom;
            out->v = v;
            cap = c;
        }
        struct acceptance *a = &out->v[out->n];
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *reason = (const char *)sqlite3_column_text(st, 1);
        a->key = strdup(key ? key : "");
        a->reason = strdup(reason ? reason : "");
        a->accepted_at = sqlite3_column_int64(st, 2);
        a->until = sqlite3_column_int64(st, 3);
        out->n++;
        if (!a->key || !a->reason)
            goto oom;
    }
    if (rc != SQLITE_DONE)
        goto sqlfail;
    sqlite3_finalize(st);
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    sqlite3_finalize(st);
    return -1;
sqlfail:
    snprintf(err, errlen, "the acceptances: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return -1;
}

static int by_key(const void *k, const void *a)
{
    return strcmp(k, ((const struct acceptance *)a)->key);
}

const struct acceptance *acceptance_find(const struct acceptances *a, const char *key)
{
    return a->n ? bsearch(key, a->v, a->n, sizeof *a->v, by_key) : NULL;
}

void acceptances_free(struct acceptances *a)
{
    for (size_t i = 0; i < a->n; i++)
        acceptance_clear(&a->v[i]);
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* "until 2026-12-31T00:00:00Z" or "no end", into buf (at least 32 bytes). */
static void until_text(int64_t until, char *buf, size_t n)
{
    char t[24];
    time_format(until, t);
    if (until)
        snprintf(buf, n, "until %s", t);
    else
        snprintf(buf, n, "no end");
}

/* Reads an acceptance of key into reason/until; 0 when there is one, 1 when
 * there is none, -1 on an error. */
static int acceptance_of_key(sqlite3 *db, const char *key, char **reason, int64_t *until)
{
    sqlite3_stmt *st;
    *reason = NULL;
    *until = 0;
    if (sqlite3_prepare_v2(db, "SELECT reason, coalesce(until, 0) FROM finding_acceptance"
                               " WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        *reason = strdup(r ? r : "");
        *until = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return *reason ? 0 : -1;
    return rc == SQLITE_DONE ? 1 : -1;
}

/* 1 when some finding of db (of any kept analysis) has key, 0 when none,
 * -1 on an error. */
static int key_known(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM finding WHERE key = ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), known = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return known;
}

/* nsgflow accept KEY --reason TEXT [--until T]. */
static int accept_key(const char *path, const char *key, const char *reason, int64_t until,
                      int64_t now)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    char *was = NULL;
    int64_t was_until = 0;
    int status = EXIT_FATAL, had;
    if (db_open_existing_or_say(path, ACCEPT_WAIT_MS, &db) != 0)
        return EXIT_FATAL;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto sqlfail;
    int known = key_known(db, key);
    if (known < 0)
        goto sqlfail;
    if (!known) {
        msg(stderr, "nsgflow accept: %s: no finding has the key '%s'; nothing was accepted;"
                    " see: sqlite3 %s 'SELECT key, title FROM findings'\n", path, key, path);
        goto fail;
    }
    if ((had = acceptance_of_key(db, key, &was, &was_until)) < 0 ||
        sqlite3_prepare_v2(db, "INSERT INTO finding_acceptance(key, reason, accepted_at, until)"
                               " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(key) DO UPDATE SET"
                               " reason = excluded.reason, accepted_at = excluded.accepted_at,"
                               " until = excluded.until", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    if (until)
        sqlite3_bind_int64(st, 4, until);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlfail;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto sqlfail;
    char end[40], old_end[40];
    until_text(until, end, sizeof end);
    msg(stdout, "accepted %s (%s): %s\n", key, end, reason);
    if (had == 0) {
        until_text(was_until, old_end, sizeof old_end);
        msg(stdout, "  this replaces its earlier acceptance (%s%s): %s\n", old_end,
            was_until && !in_force(was_until, now) ? ", ended" : "", was);
    }
    msg(stdout, "  reports list it under Accepted; --fail-on does not count it%s\n",
        until ? " until then" : "");
    status = EXIT_OK;
    goto done;
sqlfail:
    msg(stderr, "nsgflow accept: %s: cannot write the acceptance: %s\n", path, sqlite3_errmsg(db));
fail:
    sqlite3_finalize(st);
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
done:
    free(was);
    sqlite3_close(db);
    return status;
}

/* nsgflow accept --remove KEY. */
static int remove_key(const char *path, const char *key)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    if (db_open_existing_or_say(path, ACCEPT_WAIT_MS, &db) != 0)
        return EXIT_FATAL;
    int status = EXIT_FATAL;
    if (sqlite3_prepare_v2(db, "DELETE FROM finding_acceptance WHERE key = ?", -1, &st,
                           NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlfail;
    if (sqlite3_changes(db) == 0) {
        msg(stderr, "nsgflow accept: --remove: %s: '%s' is not accepted; nothing was removed"
                    " (nsgflow accept --list)\n", path, key);
    } else {
        msg(stdout, "removed the acceptance of %s: its findings count again\n", key);
        status = EXIT_OK;
    }
    goto done;
sqlfail:
    msg(stderr, "nsgflow accept: %s: cannot remove the acceptance: %s\n", path, sqlite3_errmsg(db));
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}

/* nsgflow accept --list. */
static int list_keys(const char *path, int64_t now)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    if (db_open_to_read_or_say(path, ACCEPT_WAIT_MS, &db) != 0)
        return EXIT_FATAL;
    int status = EXIT_FATAL, n = 0, active = 0;
    if (sqlite3_prepare_v2(db, "SELECT a.key, a.reason, a.accepted_at, coalesce(a.until, 0),"
                               " coalesce(v.severity, ''), coalesce(v.title, ''),"
                               " coalesce(v.status, '') FROM finding_acceptance a"
                               " JOIN accepted_findings v ON v.key = a.key ORDER BY a.key",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *reason = (const char *)sqlite3_column_text(st, 1);
        int64_t until = sqlite3_column_int64(st, 3);
        char at[24], end[40];
        time_format(sqlite3_column_int64(st, 2), at);
        until_text(until, end, sizeof end);
        n++;
        active += in_force(until, now);
        msg(stdout, "%s\n", key ? key : "");
        if (in_force(until, now))
            msg(stdout, "  in force, %s; accepted %s\n", end, at);
        else
            msg(stdout, "  ended (%s): the finding counts again; accepted %s\n", end, at);
        msg(stdout, "  reason: %s\n", reason ? reason : "");
        msg(stdout, "  latest finding: %s (%s): %s\n", sqlite3_column_text(st, 4),
            sqlite3_column_text(st, 6), sqlite3_column_text(st, 5));
    }
    if (rc != SQLITE_DONE)
        goto sqlfail;
    if (n)
        msg(stdout, "%d acceptance%s in %s: %d in force, %d ended\n", n, n == 1 ? "" : "s", path,
            active, n - active);
    else
        msg(stdout, "no acceptances in %s (nsgflow accept KEY --reason TEXT)\n", path);
    status = EXIT_OK;
    goto done;
sqlfail:
    msg(stderr, "nsgflow accept: %s: cannot read the acceptances: %s\n", path, sqlite3_errmsg(db));
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}

/* A reason with something in it besides spaces. */
static int has_text(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 1;
    return 0;
}

int accept_main(int argc, char **argv)
{
    const char *db = NULL, *reason = NULL, *until_arg = NULL, *remove = NULL;
    int list = 0;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"reason", required_argument, NULL, 'r'},
        {"until", required_argument, NULL, 'u'},
        {"list", no_argument, NULL, 'l'},
        {"remove", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "h";
    optind = 1;
    int c;
    while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': reason = optarg; break;
        case 'u': until_arg = optarg; break;
        case 'l': list = 1; break;
        case 'R': remove = optarg; break;
        case 'h': fputs(accept_usage, stdout); return EXIT_OK;
        default: return cli_bad_option("accept", argv, shortopts, longopts);
        }
    }
    int nkeys = argc - optind;
    const char *key = nkeys ? argv[optind] : NULL;
    const char *path = db_default_path(db);
    int64_t now = (int64_t)time(NULL);
    cli_on_stop("accept", "nothing was changed (each change is one transaction)");
    if (list || remove) {
        if (list && remove) {
            fputs("nsgflow accept: --list or --remove, not both\n", stderr);
            return EXIT_USAGE;
        }
        if (nkeys || reason || until_arg) {
            msg(stderr, "nsgflow accept: %s takes no %s\n", list ? "--list" : "--remove KEY",
                nkeys ? "other KEY" : reason ? "--reason" : "--until");
            return EXIT_USAGE;
        }
        if (remove && !*remove) {
            fputs("nsgflow accept: --remove: the KEY is empty\n", stderr);
            return EXIT_USAGE;
        }
        return list ? list_keys(path, now) : remove_key(path, remove);
    }
    if (nkeys != 1 || !*key) {
        fputs(nkeys > 1 ? "nsgflow accept: one KEY at a time (quote it: it holds |)\n"
                        : "nsgflow accept: no KEY given (a finding's key; --list shows the"
                          " accepted ones)\n", stderr);
        fputs("Try 'nsgflow help accept'.\n", stderr);
        return EXIT_USAGE;
    }
    if (!reason || !has_text(reason)) {
        fputs(reason ? "nsgflow accept: --reason is empty: say why the team lives with it\n"
                     : "nsgflow accept: --reason TEXT is required: why the team lives with"
                       " this finding\n", stderr);
        return EXIT_USAGE;
    }
    int64_t until = 0;
    if (until_arg) {
        if (time_arg_parse_ahead(until_arg, (time_t)now, &until) != 0) {
            msg(stderr, "nsgflow accept: --until: not a time (2026-12-31, 2026-12-31T18:00Z,"
                        " 2026-12-31T19:00+01:00, @1798743600, 30d): '%s'\n", until_arg);
            return EXIT_USAGE;
        }
        if (until <= now) {
            char t[24], n[24];
            time_format(until, t);
            time_format(now, n);
            msg(stderr, "nsgflow accept: --until: %s is not in the future (now: %s)\n", t, n);
            return EXIT_USAGE;
        }
    }
    return accept_key(path, key, reason, until, now);
}
