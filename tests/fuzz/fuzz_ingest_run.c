/* fuzz_ingest_run.c: fuzzes the ingest command end to end: the input bytes
 * (after a control byte) are a blob file, ingested with ingest_run (walk,
 * source, flowlog, tuple, store and the blob's fate in ingest.c) into a
 * temp-file database, restored to its empty state before each input. The
 * flow-log reader is compiled in with small limits (1 KiB record buffer,
 * 256-byte tokens, 16 groups) so that small inputs reach records written in
 * chunks. After each run the database is checked (as in fuzz_ingest.c);
 * ingesting the blob again, or its gzipped copy, must change nothing, and a
 * cut-short copy must leave one consistent copy. Slow (a few runs a second:
 * each ingest_run opens the database and sets up the writer's caches). */
#include "small_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zlib.h>

/* ASan keeps freed memory in quarantine, which with SQLite's page cache
 * coming and going for every input makes each run several times slower;
 * 8 MB still catches a use after free within a run. */
#define FUZZ_ASAN_OPTIONS "quarantine_size_mb=8"
#include "fuzz_check.h"
#include "fuzz_db.h"
#include "ingest/ingest.h"
#include "schema/db.h"

static const char *dir; /* the scratch folder */
static char db_path[300];
static unsigned char *pristine;
static size_t pristine_len;

static void write_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot create %s: %s", path, strerror(errno));
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, (const char *)p + off, n - off);
        FUZZ_CHECK(w > 0, "write %s: %s", path, strerror(errno));
        off += (size_t)w;
    }
    close(fd);
}

static void write_gzip(const char *path, const void *p, size_t n)
{
    gzFile gz = gzopen(path, "wb1");
    FUZZ_CHECK(gz != NULL, "gzopen %s", path);
    FUZZ_CHECK(n == 0 || gzwrite(gz, p, (unsigned)n) == (int)n, "gzwrite");
    FUZZ_CHECK(gzclose(gz) == Z_OK, "gzclose");
}

static void remove_db_files(void)
{
    char p[320];
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", db_path);
    unlink(p);
}

static void setup(void)
{
    dir = fuzz_scratch_dir("fuzz-ingest-run");
    const char *subdirs[] = {"a", "a/insights-logs-fuzz", "b",
                             "b/insights-logs-fuzz", "c",
                             "c/insights-logs-fuzz"};
    char p[400];
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, subdirs[i]);
        FUZZ_CHECK(mkdir(p, 0700) == 0, "mkdir %s", p);
    }
    snprintf(db_path, sizeof db_path, "%s/fuzz.db", dir);
    /* the empty database, made once, kept as bytes */
    sqlite3 *db;
    char err[600];
    FUZZ_CHECK(db_open(db_path, 0, 1000, &db, err, sizeof err) == 0,
               "db_open: %s", err);
    sqlite3_close(db);
    FILE *f = fopen(db_path, "rb");
    FUZZ_CHECK(f != NULL, "reopen %s", db_path);
    struct stat st;
    FUZZ_CHECK(fstat(fileno(f), &st) == 0 && st.st_size > 0, "stat db");
    pristine_len = (size_t)st.st_size;
    pristine = malloc(pristine_len);
    FUZZ_CHECK(fread(pristine, 1, pristine_len, f) == pristine_len, "read db");
    fclose(f);
}

static void check_database(const char *when, int identities,
                           struct db_state *out)
{
    sqlite3 *db;
    FUZZ_CHECK(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) ==
                   SQLITE_OK, "open %s", db_path);
    fuzz_check_db(db, when, identities, out);
    sqlite3_close(db);
}

/* The rows of the flows view read from file y and from every other file
 * (the one other identity, under whichever of its paths was read last) are
 * the same (as multisets, all columns but the id and the file). */
static void same_flows(const char *y)
{
    static const char cols[] =
        "time, ts, src_ip, src_port, dst_ip, dst_port, protocol, direction,"
        " action, state, encryption, packets_src_to_dst, bytes_src_to_dst,"
        " packets_dst_to_src, bytes_dst_to_src, rule, mac, nsg, resource_id,"
        " target_resource_id, acl_id, format";
    sqlite3 *db;
    FUZZ_CHECK(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) ==
                   SQLITE_OK, "open %s", db_path);
    char *sql = sqlite3_mprintf(
        "SELECT count(*) FROM ("
        " SELECT %s, count(*) FROM flows WHERE source_file != %Q GROUP BY %s"
        " EXCEPT"
        " SELECT %s, count(*) FROM flows WHERE source_file = %Q GROUP BY %s)",
        cols, y, cols, cols, y, cols);
    char *sql2 = sqlite3_mprintf(
        "SELECT count(*) FROM ("
        " SELECT %s, count(*) FROM flows WHERE source_file = %Q GROUP BY %s"
        " EXCEPT"
        " SELECT %s, count(*) FROM flows WHERE source_file != %Q GROUP BY %s)",
        cols, y, cols, cols, y, cols);
    fuzz_db = db;
    FUZZ_CHECK(q1(sql) == 0 && q1(sql2) == 0,
               "the same blob under two identities gave different flows");
    fuzz_db = NULL;
    sqlite3_free(sql);
    sqlite3_free(sql2);
    sqlite3_close(db);
}

/* ------------------------------------------------------------------ */

static int ingest_paths(char **paths, int n, int strict, struct ingest_totals *t)
{
    struct ingest_options o = {
        .db_path = db_path, .strict = strict, .quiet = 1, .wait_ms = 1000,
    };
    int status = ingest_run(&o, paths, n, t);
    FUZZ_CHECK(status == EXIT_OK || status == EXIT_PROBLEMS,
               "ingest_run of %s... gave exit status %d", paths[0], status);
    FUZZ_CHECK(t->blobs == n, "%ld blobs, expected %d", t->blobs, n);
    return status;
}

static int ingest(const char *path, int strict, struct ingest_totals *t)
{
    char *paths[] = {(char *)path};
    return ingest_paths(paths, 1, strict, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pristine)
        setup();
    if (size == 0)
        return 0;
    uint8_t control = data[0];
    const uint8_t *blob = data + 1;
    size_t n = size - 1;
    int strict = control & 1;

    remove_db_files();
    write_file(db_path, pristine, pristine_len);

    char a[400], b[400], c[400];
    snprintf(a, sizeof a, "%s/a/insights-logs-fuzz/PT1H.json", dir);
    snprintf(b, sizeof b, "%s/b/insights-logs-fuzz/PT1H.json", dir);
    snprintf(c, sizeof c, "%s/c/insights-logs-fuzz/PT1H.json.gz", dir);
    write_file(a, blob, n);

    /* 1: the blob */
    struct ingest_totals t1, t2;
    struct db_state s1, s2;
    int status = ingest(a, strict, &t1);
    check_database("after the first ingest", 1, &s1);
    FUZZ_CHECK(s1.files == 1, "the blob left %lld file rows", (long long)s1.files);
    FUZZ_CHECK(t1.tuples == s1.tuples, "ingest says %lld tuples, the database has %lld",
               (long long)t1.tuples, (long long)s1.tuples);
    FUZZ_CHECK((status == EXIT_OK) == (strcmp(s1.status, "ok") == 0),
               "exit status %d with file status %s", status, s1.status);

    /* 2: the same blob again, or its gzipped copy: unchanged */
    if (control & 2)
        write_gzip(c, blob, n);
    ingest((control & 2) ? c : a, strict, &t2);
    check_database("after ingesting it again", 1, &s2);
    FUZZ_CHECK(t2.files_unchanged == 1, "the same blob again was not unchanged");
    FUZZ_CHECK(s2.files == s1.files && s2.tuples == s1.tuples &&
                   s2.groups == s1.groups &&
                   strcmp(s2.fingerprint, s1.fingerprint) == 0 &&
                   strcmp(s2.status, s1.status) == 0,
               "the same blob again changed the database");
    if (control & 2)
        unlink(c);

    /* 3: a cut-short copy of it, at a point chosen by the control byte:
     * alone into the database holding the blob; or (bit 1 too) in one run
     * with the blob before it and, after it, the blob again under another
     * identity: one batch in which the cut-short copy is read, found worse
     * than the stored one and taken out again, and the next blob's file row
     * gets its id. (The copy replaces the blob when it is no worse: cut
     * after the last complete record, it holds the same records.) A blob
     * with a key (its first flow record's resource id, MAC and time) is
     * the same blob under the other identity: stored once. */
    int cut_ok = n > 1;
    if ((control & 6) == 6 && cut_ok) {
        size_t cut = (size_t)((control >> 3) + 1) * n / 33;
        char d[400];
        snprintf(d, sizeof d, "%s/c/insights-logs-fuzz/PT1H-other.json", dir);
        write_file(b, blob, cut);
        write_file(d, blob, n);
        remove_db_files();
        write_file(db_path, pristine, pristine_len);
        char *paths[] = {a, b, d};
        ingest_paths(paths, 3, strict, &t2);
        check_database("after a blob, a cut-short copy and another blob", 2, &s2);
        if (s1.keyed) {
            FUZZ_CHECK(s2.files == 1 && s2.tuples == s1.tuples,
                       "the blob with a key under two identities gave %lld rows, %lld tuples;"
                       " alone %lld", (long long)s2.files, (long long)s2.tuples,
                       (long long)s1.tuples);
        } else {
            FUZZ_CHECK(s2.tuples == 2 * s1.tuples,
                       "the blob under two identities gave %lld tuples, alone %lld",
                       (long long)s2.tuples, (long long)s1.tuples);
            same_flows(d);
        }
        if (s1.keyed) {
            /* the other order, one run each: the cut-short copy, the blob
             * under the other identity, the blob under its own, whose row
             * is then the cut-short copy's (without the key, when cut
             * before its first flow record): still stored once */
            remove_db_files();
            write_file(db_path, pristine, pristine_len);
            ingest(b, strict, &t2);
            ingest(d, strict, &t2);
            ingest(a, strict, &t2);
            check_database("after a cut-short copy, the blob under another identity and its own", 2, &s2);
            FUZZ_CHECK(s2.files == 1 && s2.tuples == s1.tuples,
                       "the other order gave %lld rows, %lld tuples; alone %lld",
                       (long long)s2.files, (long long)s2.tuples, (long long)s1.tuples);
        }
        unlink(b);
        unlink(d);
    } else if ((control & 4) && cut_ok && (control & 6) != 6) {
        size_t cut = (size_t)((control >> 3) + 1) * n / 33;
        write_file(b, blob, cut);
        ingest(b, strict, &t2);
        check_database("after a cut-short copy", 1, &s2);
        FUZZ_CHECK(s2.files == 1, "a cut-short copy left %lld file rows",
                   (long long)s2.files);
        unlink(b);
    }
    return 0;
}
