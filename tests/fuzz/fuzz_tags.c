/* fuzz_tags.c: fuzzes `nsgflow tags import` (tags_import in analyze/tags.c):
 * the input bytes are a ServiceTags_Public_*.json file (plain or gzip),
 * imported into a database opened once per process. A failed import must
 * leave the tag data as it was; a successful one must hold exactly the
 * prefixes it counted, each a well-formed range. Then the range index
 * (tags_index_load) is checked against a brute-force search of the stored
 * prefixes at every prefix's first and last address and their neighbours.
 * The same bytes are imported again from standard input ("-"), which must
 * end the same way. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define FUZZ_ASAN_OPTIONS "quarantine_size_mb=16"
#include "fuzz_check.h"
#include "fuzz_db.h"
#include "analyze/tags.h"
#include "ingest/ipaddr.h"
#include "schema/db.h"

static char db_path[300], file_path[350];
static sqlite3 *db;
static int memfd = -1;

static void cleanup(void)
{
    if (db)
        sqlite3_close(db);
    db = NULL;
}

static void setup(void)
{
    const char *dir = fuzz_scratch_dir("fuzz-tags");
    atexit(cleanup);
    snprintf(db_path, sizeof db_path, "%s/fuzz.db", dir);
    snprintf(file_path, sizeof file_path, "%s/ServiceTags_Public_20261102.json", dir);
    char err[600];
    FUZZ_CHECK(db_open(db_path, 0, 1000, &db, err, sizeof err) == 0,
               "db_open: %s", err);
    memfd = memfd_create("fuzz_tags", MFD_CLOEXEC);
    FUZZ_CHECK(memfd >= 0, "memfd_create");
}

/* tags_import(db, "-") with the bytes as standard input. */
static int import_stdin(const uint8_t *data, size_t size, long *prefixes,
                        char *err, size_t errlen)
{
    FUZZ_CHECK(ftruncate(memfd, 0) == 0, "ftruncate");
    for (size_t off = 0; off < size;) {
        ssize_t w = pwrite(memfd, data + off, size - off, (off_t)off);
        FUZZ_CHECK(w > 0, "pwrite");
        off += (size_t)w;
    }
    FUZZ_CHECK(lseek(memfd, 0, SEEK_SET) == 0, "lseek");
    int saved = dup(0);
    FUZZ_CHECK(saved >= 0 && dup2(memfd, 0) == 0, "dup2");
    int rc = tags_import(db, "-", prefixes, err, errlen);
    FUZZ_CHECK(dup2(saved, 0) == 0, "dup2 back");
    close(saved);
    return rc;
}

/* The tag data, summed up, to see that a failed import changed nothing. */
struct tag_state {
    int64_t tags, prefixes, sources;
    char sum[64];
};

static void tag_state(struct tag_state *s)
{
    fuzz_db = db;
    s->tags = q1("SELECT count(*) FROM service_tag");
    s->prefixes = q1("SELECT count(*) FROM service_tag_prefix");
    s->sources = q1("SELECT count(*) FROM service_tag_source");
    q1_text("SELECT coalesce(sum(length(prefix) * rowid + tag_id), 0) || ':' ||"
            " (SELECT coalesce(max(change_number), 0) FROM service_tag_source)"
            " FROM service_tag_prefix", s->sum, sizeof s->sum);
    fuzz_db = NULL;
}

/* The neighbour of a inside its family (dir +1 or -1); 0 when there is
 * none (a is the last or first address). */
static int neighbour(struct ip_addr *a, int dir)
{
    int bytes = a->family == IP_V4 ? 4 : 16;
    for (int i = bytes - 1; i >= 0; i--) {
        if (dir > 0 && a->b[i] != 0xff) {
            a->b[i]++;
            for (int k = i + 1; k < bytes; k++)
                a->b[k] = 0;
            return 1;
        }
        if (dir < 0 && a->b[i] != 0) {
            a->b[i]--;
            for (int k = i + 1; k < bytes; k++)
                a->b[k] = 0xff;
            return 1;
        }
    }
    return 0;
}

struct row {
    int bit;
    struct ip_addr first, last;
};

/* tags_lookup(a) against every stored prefix. */
static void check_lookup(const tags_index *ix, const struct row *rows,
                         size_t n, const struct ip_addr *a)
{
    uint32_t want = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].bit >= 0 && ip_in_range(a, &rows[i].first, &rows[i].last))
            want |= 1u << rows[i].bit;
    uint32_t got = tags_lookup(ix, a);
    char text[IP_TEXT_MAX];
    ip_format(a, text);
    FUZZ_CHECK(got == want, "tags_lookup(%s) = %#x, the prefixes say %#x",
               text, got, want);
}

static void check_index(void)
{
    char err[300];
    tags_index *ix = tags_index_load(db, err, sizeof err);
    FUZZ_CHECK(ix != NULL, "tags_index_load: %s", err);
    sqlite3_stmt *st;
    FUZZ_CHECK(sqlite3_prepare_v2(db, "SELECT t.name, p.prefix FROM service_tag t"
                                      " JOIN service_tag_prefix p ON p.tag_id = t.id",
                                  -1, &st, NULL) == SQLITE_OK, "prepare");
    struct row *rows = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *prefix = (const char *)sqlite3_column_text(st, 1);
        struct row r = {.bit = name ? tag_bit_of(name) : -1};
        FUZZ_CHECK(prefix != NULL, "a NULL prefix");
        FUZZ_CHECK(ip_prefix_parse(prefix, strlen(prefix), &r.first, &r.last) == 0,
                   "a stored prefix does not parse: '%s'", prefix);
        FUZZ_CHECK(r.first.family == r.last.family &&
                       memcmp(r.first.b, r.last.b, 16) <= 0,
                   "prefix '%s' ends before it starts", prefix);
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            rows = realloc(rows, cap * sizeof *rows);
            FUZZ_CHECK(rows != NULL, "out of memory");
        }
        rows[n++] = r;
    }
    sqlite3_finalize(st);
    size_t counted[TAG_DATA_COUNT] = {0};
    for (size_t i = 0; i < n; i++)
        if (rows[i].bit >= 0)
            counted[rows[i].bit]++;
    for (int b = 0; b < TAG_DATA_COUNT; b++)
        FUZZ_CHECK(tags_index_count(ix, b) <= counted[b],
                   "tag %d: %zu ranges from %zu prefixes", b,
                   tags_index_count(ix, b), counted[b]);
    for (size_t i = 0; i < n && i < 256; i++) {
        struct ip_addr a = rows[i].first;
        check_lookup(ix, rows, n, &a);
        if (neighbour(&a, -1))
            check_lookup(ix, rows, n, &a);
        a = rows[i].last;
        check_lookup(ix, rows, n, &a);
        if (neighbour(&a, +1))
            check_lookup(ix, rows, n, &a);
    }
    free(rows);
    tags_index_free(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    FILE *f = fopen(file_path, "wb");
    FUZZ_CHECK(f != NULL, "cannot write %s", file_path);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size, "short write");
    fclose(f);

    struct tag_state before, after;
    tag_state(&before);
    long prefixes = -1;
    char err[600];
    memset(err, 'x', sizeof err);
    int rc = tags_import(db, file_path, &prefixes, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1, "tags_import returned %d", rc);
    FUZZ_CHECK(sqlite3_get_autocommit(db), "tags_import left a transaction open");
    tag_state(&after);
    if (rc != 0) {
        FUZZ_CHECK(strnlen(err, sizeof err) < sizeof err && err[0],
                   "no error message");
        FUZZ_CHECK(after.tags == before.tags && after.prefixes == before.prefixes &&
                       after.sources == before.sources &&
                       strcmp(after.sum, before.sum) == 0,
                   "a failed import changed the tag data: %s", err);
    } else {
        FUZZ_CHECK(prefixes > 0 && prefixes == after.prefixes,
                   "tags_import said %ld prefixes, the database has %lld",
                   prefixes, (long long)after.prefixes);
        FUZZ_CHECK(after.sources == 1, "%lld source rows", (long long)after.sources);
        fuzz_db = db;
        FUZZ_CHECK(q1("SELECT count(*) FROM service_tag_prefix WHERE tag_id NOT IN"
                      " (SELECT id FROM service_tag)") == 0, "prefixes without a tag");
        FUZZ_CHECK(q1("SELECT count(*) FROM service_tag_prefix WHERE family NOT IN (4, 6)"
                      " OR first IS NULL OR last IS NULL"
                      " OR (family = 4 AND (first > last OR first < 0 OR last > 4294967295))"
                      " OR (family = 6 AND (length(first) != 16 OR first > last))") == 0,
                   "a malformed prefix row");
        FUZZ_CHECK(q1("SELECT count(*) FROM service_tag WHERE name IS NULL") == 0,
                   "a tag without a name");
        fuzz_db = NULL;
    }
    check_index();

    /* again from standard input: the same outcome */
    long prefixes2 = -1;
    char err2[600];
    int rc2 = import_stdin(data, size, &prefixes2, err2, sizeof err2);
    FUZZ_CHECK(rc2 == rc, "imported from a file: %d (%s), from standard input: %d (%s)",
               rc, rc ? err : "ok", rc2, rc2 ? err2 : "ok");
    if (rc == 0)
        FUZZ_CHECK(prefixes2 == prefixes, "%ld prefixes from a file, %ld from standard input",
                   prefixes, prefixes2);
    FUZZ_CHECK(sqlite3_get_autocommit(db), "tags_import left a transaction open");
    return 0;
}
