/* fuzz_ingest.c: fuzzes the path from JSON into SQLite through the writer
 * (ingest/store.c): the input (after a control byte) is a blob, read with
 * flowlog and tuple_parse and written with store.h the way ingest.c does it
 * (file row, groups, tuples, records in chunks taken out again when the
 * blob breaks off inside them, rejected blobs discarded), into a temp-file
 * database opened once per process with db_open; every input runs in one
 * transaction that is rolled back at the end, so each starts from the empty
 * database. The control byte may add a cut-short second copy of the blob
 * that replaces the first (store_drop_file), and a path line that gives the
 * blob its path metadata. The database is checked after each blob
 * (fuzz_db.h). The flow-log reader is compiled in with small limits (1 KiB
 * record buffer, 256-byte tokens, 16 groups) so that small inputs reach
 * records written in chunks. */
#include "small_reader.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

/* ASan keeps freed memory in quarantine, which with SQLite's page cache
 * coming and going for every input makes each run several times slower;
 * 8 MB still catches a use after free within a run. */
#define FUZZ_ASAN_OPTIONS "quarantine_size_mb=8"
#include "fuzz_check.h"
#include "fuzz_db.h"
#include "ingest/pathmeta.h"
#include "ingest/source.h"
#include "ingest/store.h"
#include "schema/db.h"

static char db_path[300];
static sqlite3 *db;
static store *st;

static void cleanup(void)
{
    if (st)
        store_free(st);
    if (db)
        sqlite3_close(db);
    st = NULL;
    db = NULL;
}

static void setup(void)
{
    const char *dir = fuzz_scratch_dir("fuzz-ingest");
    atexit(cleanup);
    snprintf(db_path, sizeof db_path, "%s/fuzz.db", dir);
    char err[600];
    FUZZ_CHECK(db_open(db_path, 0, 1000, &db, err, sizeof err) == 0,
               "db_open: %s", err);
    st = store_new(db, err, sizeof err);
    FUZZ_CHECK(st != NULL, "store_new: %s", err);
}

/* ------------------------------------------------------------------ */
/* one blob, the way ingest.c reads it                                */

struct blob {
    flowlog *parser;
    int64_t file_id;
    int64_t records, tuples, skipped;
    int in_chunks;
    int64_t chunk_mark, chunk_tuples, chunk_skipped;
    int db_failed;
};

static int on_record(void *ctx, const struct fl_record *rec)
{
    struct blob *b = ctx;
    FUZZ_CHECK(!b->db_failed, "a record after the callback stopped");
    if (!rec->is_flow_record)
        return 0;
    if (rec->chunk == 0 && !rec->final) {
        b->in_chunks = 1;
        b->chunk_mark = store_tuple_mark(st);
        b->chunk_tuples = b->tuples;
        b->chunk_skipped = b->skipped;
    }
    for (size_t i = 0; i < rec->ntuples; i++) {
        const struct fl_tuple_text *tt = &rec->tuples[i];
        FUZZ_CHECK(tt->group < rec->ngroups, "group %u of %zu", tt->group,
                   rec->ngroups);
        struct flow_tuple t;
        if (fuzz_parse_tuple(tt->text, tt->len, rec->format, &t) != 0) {
            b->skipped++;
            continue;
        }
        enum flow_format format = rec->format != FORMAT_UNKNOWN
                                      ? rec->format
                                      : tuple_guess_format(tt->text, tt->len);
        char mac[PATHMETA_FIELD_MAX];
        struct group_key k;
        group_key_of(&k, rec, tt->group, format, &t, mac);
        int64_t gid;
        if (store_group(st, b->file_id, &k, &gid) != 0 ||
            store_tuple(st, gid, &t) != 0) {
            b->db_failed = 1;
            return 1;
        }
        b->tuples++;
    }
    if (rec->final) {
        b->records++;
        b->in_chunks = 0;
    }
    return 0;
}

/* Reads the n bytes at text as blob path into the open transaction,
 * replacing the stored copy of the same identity, and checks the result. */
static void ingest_blob(const char *path, const uint8_t *text, size_t n,
                       size_t feed_size)
{
    char identity[4096];
    FUZZ_CHECK(blob_identity(path, identity, sizeof identity) == 0,
               "blob_identity of '%s'", path);
    struct path_meta meta;
    path_meta_parse(path, &meta);
    const char *fields[] = {meta.subscription, meta.resource_group, meta.nsg,
                            meta.flow_log, meta.mac, meta.hour};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        FUZZ_CHECK(strnlen(fields[i], PATHMETA_FIELD_MAX) < PATHMETA_FIELD_MAX,
                   "path_meta field %zu not terminated", i);

    struct blob b = {0};
    FUZZ_CHECK(store_add_file(st, path, &meta, &b.file_id) == 0,
               "store_add_file: %s", store_error(st));
    b.parser = flowlog_new(on_record, &b);
    FUZZ_CHECK(b.parser != NULL, "flowlog_new");
    struct fingerprint fp;
    fingerprint_init(&fp);
    fingerprint_add(&fp, text, n);
    int failed = 0;
    for (size_t off = 0; off < n && !failed;) {
        size_t k = n - off < feed_size ? n - off : feed_size;
        failed = flowlog_feed(b.parser, text + off, k) != 0;
        off += k;
    }
    if (!failed)
        failed = flowlog_finish(b.parser) != 0;
    FUZZ_CHECK(!b.db_failed, "database error while writing: %s",
               store_error(st));
    if (b.in_chunks) {
        FUZZ_CHECK(failed, "a record in chunks never ended, yet the parse succeeded");
        FUZZ_CHECK(store_discard_after(st, b.chunk_mark) == 0,
                   "store_discard_after: %s", store_error(st));
        b.tuples = b.chunk_tuples;
        b.skipped = b.chunk_skipped;
    }
    /* reading this blob left every other file's rows alone */
    char *sql = sqlite3_mprintf(
        "SELECT count(*) FROM source_file f WHERE id != %lld AND tuples != "
        "(SELECT count(*) FROM flow_tuple WHERE id BETWEEN f.first_tuple AND f.last_tuple)",
        (long long)b.file_id);
    fuzz_db = db;
    FUZZ_CHECK(q1(sql) == 0, "reading a blob took tuples of an earlier file out");
    fuzz_db = NULL;
    sqlite3_free(sql);
    struct flowlog_stats fs;
    flowlog_stats(b.parser, &fs);
    const char *what = flowlog_not_a_flow_log(b.parser);
    const char *status = "ok";
    char error[400] = "";
    if (failed) {
        snprintf(error, sizeof error, "%s at byte %llu",
                 flowlog_error(b.parser),
                 (unsigned long long)flowlog_error_offset(b.parser));
        status = what || !fs.has_records_array ? "rejected" : "partial";
    } else if (what) {
        status = "rejected";
        snprintf(error, sizeof error, "%s", what);
    }
    flowlog_free(b.parser);

    char fptext[64];
    fingerprint_text(&fp, fptext, sizeof fptext);
    struct stored_file old;
    int have_old = store_find_file(st, identity, &old);
    FUZZ_CHECK(have_old >= 0, "store_find_file: %s", store_error(st));
    if (have_old)
        FUZZ_CHECK(store_drop_file(st, old.id) == 0, "store_drop_file: %s",
                   store_error(st));
    struct file_result fr = {
        .identity = identity, .status = status,
        .error = error[0] ? error : NULL, .error_offset = -1,
        .records = b.records, .tuples = b.tuples, .skipped_tuples = b.skipped,
        .json_bytes = (int64_t)n, .gzip = 0, .fingerprint = fptext,
    };
    if (strcmp(status, "rejected") == 0) {
        /* nothing of it stays but a rejected file row */
        FUZZ_CHECK(store_discard_file(st, b.file_id) == 0,
                   "store_discard_file: %s", store_error(st));
        FUZZ_CHECK(store_add_file(st, path, &meta, &b.file_id) == 0,
                   "store_add_file: %s", store_error(st));
        fr.records = fr.tuples = fr.skipped_tuples = 0;
    }
    FUZZ_CHECK(store_finish_file(st, b.file_id, &fr) == 0,
               "store_finish_file: %s", store_error(st));

    /* (the checks read the address table inside the open transaction) */
    FUZZ_CHECK(store_settle(st) == 0, "store_settle: %s", store_error(st));
    struct db_state s;
    fuzz_check_db(db, "after a blob", 1, &s);
    FUZZ_CHECK(s.files == 1, "%lld file rows", (long long)s.files);
    FUZZ_CHECK(s.tuples == fr.tuples, "wrote %lld tuples, the database has %lld",
               (long long)fr.tuples, (long long)s.tuples);
    FUZZ_CHECK(s.records == fr.records && s.skipped == fr.skipped_tuples,
               "records or skipped tuples stored wrong");
    FUZZ_CHECK(strcmp(s.status, status) == 0, "status %s stored as %s",
               status, s.status);
    FUZZ_CHECK(strcmp(s.fingerprint, fptext) == 0, "fingerprint %s stored as %s",
               fptext, s.fingerprint);
    struct stored_file now;
    FUZZ_CHECK(store_find_file(st, identity, &now) == 1, "the blob is not found");
    FUZZ_CHECK(now.id == b.file_id && now.tuples == fr.tuples &&
                   now.records == fr.records && strcmp(now.status, status) == 0 &&
                   strcmp(now.fingerprint, fptext) == 0,
               "store_find_file gives another row");
}

/* The control byte: bit 0, a cut-short second copy at a point from bits
 * 3-7; bit 1, feed 61 bytes at a time instead of whole; bit 2, the blob
 * starts with its path (up to a newline). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    if (size == 0)
        return 0;
    uint8_t control = data[0];
    const uint8_t *blob = data + 1;
    size_t n = size - 1;
    char path[600] = "a/insights-logs-fuzz/PT1H.json";
    if (control & 4) {
        const uint8_t *nl = memchr(blob, '\n', n < 500 ? n : 500);
        if (nl) {
            size_t k = (size_t)(nl - blob);
            /* always under an insights-logs-* folder: no realpath() of
             * fuzzed paths on this machine */
            snprintf(path, sizeof path, "insights-logs-fuzz/%.*s", (int)k,
                     (const char *)blob);
            n -= k + 1;
            blob = nl + 1;
        }
    }
    size_t feed = (control & 2) ? 61 : (n ? n : 1);

    FUZZ_CHECK(store_begin(st) == 0, "store_begin: %s", store_error(st));
    ingest_blob(path, blob, n, feed);
    if ((control & 1) && n > 1) {
        size_t cut = (size_t)((control >> 3) + 1) * n / 33;
        ingest_blob(path, blob, cut, feed);
    }
    store_rollback(st);
    FUZZ_CHECK(!store_in_transaction(st), "still in a transaction");
    fuzz_db = db;
    FUZZ_CHECK(q1("SELECT count(*) FROM source_file") == 0 &&
                   q1("SELECT count(*) FROM flow_tuple") == 0,
               "the rollback left rows");
    fuzz_db = NULL;
    return 0;
}
