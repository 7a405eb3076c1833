/* fuzz_db.h: consistency checks on an nsgflow database after a fuzzed
 * ingest (used by fuzz_ingest.c and fuzz_ingest_run.c). Every broken rule
 * aborts through FUZZ_CHECK, saying which rule and when. */
#ifndef NSGFLOW_FUZZ_DB_H
#define NSGFLOW_FUZZ_DB_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "fuzz_check.h"

static sqlite3 *fuzz_db;

static inline int64_t q1(const char *sql)
{
    sqlite3_stmt *st;
    FUZZ_CHECK(sqlite3_prepare_v2(fuzz_db, sql, -1, &st, NULL) == SQLITE_OK,
               "prepare '%s': %s", sql, sqlite3_errmsg(fuzz_db));
    int rc = sqlite3_step(st);
    FUZZ_CHECK(rc == SQLITE_ROW, "step '%s': %s", sql, sqlite3_errmsg(fuzz_db));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static inline const char *q1_text(const char *sql, char *out, size_t n)
{
    sqlite3_stmt *st;
    FUZZ_CHECK(sqlite3_prepare_v2(fuzz_db, sql, -1, &st, NULL) == SQLITE_OK,
               "prepare '%s': %s", sql, sqlite3_errmsg(fuzz_db));
    FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW, "step '%s': %s", sql,
               sqlite3_errmsg(fuzz_db));
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(out, n, "%s", t ? (const char *)t : "");
    sqlite3_finalize(st);
    return out;
}

/* Reads every row and column of a query. Returns the row count. */
static inline int64_t read_all(const char *sql)
{
    sqlite3_stmt *st;
    FUZZ_CHECK(sqlite3_prepare_v2(fuzz_db, sql, -1, &st, NULL) == SQLITE_OK,
               "prepare '%s': %s", sql, sqlite3_errmsg(fuzz_db));
    int64_t rows = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows++;
        for (int i = 0; i < sqlite3_column_count(st); i++)
            (void)sqlite3_column_text(st, i);
    }
    FUZZ_CHECK(rc == SQLITE_DONE, "'%s': %s", sql, sqlite3_errmsg(fuzz_db));
    sqlite3_finalize(st);
    return rows;
}

struct db_state {
    int64_t files, tuples, groups, records, skipped;
    int64_t keyed;   /* file rows with a blob key */
    char fingerprint[80], status[16];
};

/* Checks the database db as this connection sees it, which should hold
 * at most identities file rows (one per blob identity ingested). */
static inline void fuzz_check_db(sqlite3 *db, const char *when, int identities,
                          struct db_state *out)
{
    fuzz_db = db;
    char text[400];
    q1_text("PRAGMA integrity_check", text, sizeof text);
    FUZZ_CHECK(strcmp(text, "ok") == 0, "%s: integrity_check: %s", when, text);
    FUZZ_CHECK(q1("SELECT count(*) FROM pragma_foreign_key_check") == 0,
               "%s: foreign key violations", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM source_file WHERE identity IS NULL") == 0,
               "%s: a file row without identity was left", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM source_file") <= identities,
               "%s: %d blob identities gave %lld file rows", when, identities,
               (long long)q1("SELECT count(*) FROM source_file"));
    FUZZ_CHECK(q1("SELECT count(*) FROM flow_tuple WHERE group_id NOT IN "
                  "(SELECT id FROM flow_group)") == 0,
               "%s: tuples without a group", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM flow_tuple WHERE src NOT IN (SELECT id FROM address)"
                  " OR dst NOT IN (SELECT id FROM address)") == 0,
               "%s: tuples with unknown addresses", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id"
                  " JOIN source_file f ON f.id = g.file_id"
                  " WHERE t.id NOT BETWEEN f.first_tuple AND f.last_tuple") == 0,
               "%s: tuples outside their file's range", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM source_file f WHERE tuples != "
                  "(SELECT count(*) FROM flow_tuple t WHERE t.id BETWEEN f.first_tuple AND f.last_tuple)") == 0,
               "%s: a file's tuples count is not its range", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM flow_tuple") ==
                   q1("SELECT coalesce(sum(tuples), 0) FROM source_file"),
               "%s: %lld tuples, the files say %lld", when,
               (long long)q1("SELECT count(*) FROM flow_tuple"),
               (long long)q1("SELECT coalesce(sum(tuples), 0) FROM source_file"));
    FUZZ_CHECK(q1("SELECT count(*) FROM source_file f WHERE tuples > 0 AND (min_ts IS NOT "
                  "(SELECT min(ts) FROM flow_tuple t WHERE t.id BETWEEN f.first_tuple AND f.last_tuple)"
                  " OR max_ts IS NOT "
                  "(SELECT max(ts) FROM flow_tuple t WHERE t.id BETWEEN f.first_tuple AND f.last_tuple))") == 0,
               "%s: a file's time range is not its tuples'", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM source_file WHERE status = 'rejected' AND tuples != 0") == 0,
               "%s: a rejected file with tuples", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM flow_group WHERE file_id NOT IN (SELECT id FROM source_file)") == 0,
               "%s: groups of a file that is gone", when);
    /* the postings are exactly the addresses and ports of the tuples */
    static const char tuple_addrs[] =
        "SELECT t.src AS a, g.file_id AS f FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id"
        " UNION SELECT t.dst, g.file_id FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id";
    static const char tuple_ports[] =
        "SELECT t.dst_port AS p, g.file_id AS f FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id";
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT * FROM (%s) EXCEPT SELECT address_id, file_id FROM address_file)", tuple_addrs);
    FUZZ_CHECK(q1(sql) == 0, "%s: addresses missing from address_file", when);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT address_id, file_id FROM address_file EXCEPT SELECT * FROM (%s))", tuple_addrs);
    FUZZ_CHECK(q1(sql) == 0, "%s: address_file holds addresses the tuples do not", when);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT * FROM (%s) EXCEPT SELECT port, file_id FROM port_file)", tuple_ports);
    FUZZ_CHECK(q1(sql) == 0, "%s: ports missing from port_file", when);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT port, file_id FROM port_file EXCEPT SELECT * FROM (%s))", tuple_ports);
    FUZZ_CHECK(q1(sql) == 0, "%s: port_file holds ports the tuples do not", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM address_file af JOIN source_file f ON f.id = af.file_id"
                  " WHERE af.day IS NOT f.min_ts / 86400") == 0 &&
                   q1("SELECT count(*) FROM port_file pf JOIN source_file f ON f.id = pf.file_id"
                      " WHERE pf.day IS NOT f.min_ts / 86400") == 0,
               "%s: postings under another day than their blob's", when);
    /* the views read, and find every tuple */
    int64_t tuples = q1("SELECT count(*) FROM flow_tuple");
    FUZZ_CHECK(read_all("SELECT * FROM flows") == tuples, "%s: flows view rows", when);
    read_all("SELECT * FROM ingested_files");
    FUZZ_CHECK(read_all("SELECT * FROM denied_flows") ==
                   q1("SELECT count(*) FROM flow_tuple WHERE action = 1"),
               "%s: denied_flows rows", when);
    FUZZ_CHECK(read_all("SELECT * FROM flows_by_address WHERE address IN (SELECT ip FROM address)") ==
                   q1("SELECT count(*) FROM flow_tuple WHERE src = dst") +
                       2 * q1("SELECT count(*) FROM flow_tuple WHERE src != dst"),
               "%s: flows_by_address does not find every tuple", when);
    FUZZ_CHECK(read_all("SELECT * FROM flows_by_port WHERE port IN (SELECT port FROM port_file)") == tuples,
               "%s: flows_by_port does not find every tuple", when);
    /* dimension rows are unique and canonical */
    FUZZ_CHECK(q1("SELECT count(*) FROM address WHERE family NOT IN (4, 6)"
                  " OR (family = 4 AND (ipv4 IS NULL OR ipv4 < 0 OR ipv4 > 4294967295))"
                  " OR (family = 6 AND length(ipv6) != 16)") == 0,
               "%s: a malformed address row", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM flow_tuple WHERE src_port NOT BETWEEN 0 AND 65535"
                  " OR dst_port NOT BETWEEN 0 AND 65535 OR action NOT IN (0, 1)"
                  " OR (ms IS NOT NULL AND ms NOT BETWEEN 0 AND 999)"
                  " OR (state IS NOT NULL AND state NOT BETWEEN 0 AND 3)") == 0,
               "%s: a tuple row out of range", when);
    FUZZ_CHECK(q1("SELECT count(*) FROM flow_group WHERE format NOT IN (1, 2, 4)"
                  " OR direction NOT IN (0, 1) OR protocol NOT BETWEEN 0 AND 255") == 0,
               "%s: a group row out of range", when);
    if (out) {
        out->files = q1("SELECT count(*) FROM source_file");
        out->tuples = tuples;
        out->groups = q1("SELECT count(*) FROM flow_group");
        out->records = q1("SELECT coalesce(sum(records), 0) FROM source_file");
        out->skipped = q1("SELECT coalesce(sum(skipped_tuples), 0) FROM source_file");
        out->keyed = q1("SELECT count(*) FROM source_file WHERE blob_key IS NOT NULL");
        q1_text("SELECT coalesce(max(fingerprint), '') FROM source_file", out->fingerprint,
                sizeof out->fingerprint);
        q1_text("SELECT coalesce(max(status), '') FROM source_file", out->status,
                sizeof out->status);
    }
    fuzz_db = NULL;
}

#endif
