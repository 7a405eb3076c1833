/* ingest.c: the ingest command (see ingest.h). It ties the stages of the
 * ingest path together: walk -> source (bytes) -> flowlog (records) -> tuple
 * (fields) -> store (rows), and decides each blob's fate: new, replaced,
 * unchanged, partial or rejected. */
#include "../common/cli.h"
#include "../common/escape.h"
#include "../common/plural.h"
#include "../common/timearg.h"
#include "ingest.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../common/queue.h"
#include "../schema/db.h"
#include "azblob.h"
#include "batch.h"
#include "container.h"
#include "flowlog.h"
#include "pathmeta.h"
#include "source.h"
#include "store.h"
#include "tuple.h"
#include "walk.h"
#include "window.h"

#define READ_CHUNK (256u << 10)
#define REPORTED_TUPLE_ERRORS 5   /* per blob, then only counted */
#define ONLY_MAX 16         /* --only ranges: their text fits STORE_FILTER_MAX */

const char ingest_usage[] =
    "usage: nsgflow ingest [--db FILE] [--strict] [--quiet] [--verbose]\n"
    "                      [--wait SECONDS] [--name PATH] [--max-tuples N]\n"
    "                      [--max-stdin N] [--only CIDR]... [--shard K/N]\n"
    "                      [--since T] [--until T]\n"
    "                      [--threads 1|2] [--blob-endpoint URL]\n"
    "                      [--auth-mode key|login] PATH...\n"
    "\n"
    "Reads NSG flow logs (Version 1 and 2) and VNet flow logs, plain or gzip,\n"
    "into the database. PATH is a blob, a directory (walked recursively for\n"
    "*.json, *.json.gz and gzip files), - for standard input, or a storage\n"
    "container's URL, https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]\n"
    "(its *.json and *.json.gz blobs are read straight from it; see\n"
    "docs/storage.md).\n"
    "\n"
    "  --db FILE       the database (default: $NSGFLOW_DB, else ./nsgflow.db)\n"
    "  --strict        reject a blob whose JSON or gzip breaks off, instead of\n"
    "                  keeping its complete records and marking it partial\n"
    "  --quiet, -q     no progress line and no summary; problems still shown\n"
    "  --verbose, -v   one line per blob\n"
    "  --wait SECONDS  how long to wait when another process is writing\n"
    "                  (default 300)\n"
    "  --name PATH     the blob path that standard input stands for (gives it\n"
    "                  its identity and path metadata)\n"
    "  --max-tuples N  stop a blob after N tuples, as partial (default 100M)\n"
    "  --max-stdin N   stop reading standard input after N bytes of JSON\n"
    "                  (default 64G; suffixes k, M, G)\n"
    "  --only CIDR     keep only the tuples with an address (source or\n"
    "                  destination) in this range, e.g. the APIM subnet\n"
    "                  (repeatable, or comma-separated; up to 16); the rest\n"
    "                  are counted as dropped, and a blob with none left is\n"
    "                  still recorded, so it is not read again\n"
    "  --shard K/N     only the NICs of shard K of N (0 <= K < N): a blob whose\n"
    "                  path names its MAC is skipped unread when the MAC's hash\n"
    "                  is another shard's; else each record's MAC decides. N\n"
    "                  processes with K = 0..N-1 split an archive between them\n"
    "                  (see docs/shards.md)\n"
    "  --since T, --until T  only the blobs whose hour overlaps this window,\n"
    "                  by the y=/m=/d=/h= of their names; the others are\n"
    "                  counted, never read or downloaded, and a container is\n"
    "                  listed only under the folders of the window. T as for\n"
    "                  analyze: 2026-11-01, 2026-11-01T10:00Z, @1793527200, or\n"
    "                  back from now, 24h, 7d. A blob whose name gives no hour\n"
    "                  (standard input, a renamed file) is read whole, and said\n"
    "  --threads 1|2   read (inflate, parse) in one thread and write to SQLite\n"
    "                  in another (2, the default), or do both in one (1)\n"
    "  --blob-endpoint URL  the blob endpoint that path-style container URLs lie\n"
    "                  under, e.g. Azurite's http://127.0.0.1:10000/devstoreaccount1\n"
    "                  (default: BlobEndpoint= of $AZURE_STORAGE_CONNECTION_STRING)\n"
    "  --auth-mode key|login  key (the default): a SAS (in the URL, or\n"
    "                  $AZURE_STORAGE_SAS_TOKEN), the account key\n"
    "                  ($AZURE_STORAGE_KEY) or $AZURE_STORAGE_CONNECTION_STRING;\n"
    "                  login: an Entra ID token, $AZURE_STORAGE_AUTH_TOKEN or\n"
    "                  from az account get-access-token\n"
    "\n"
    "A blob is known by its name: its path from the resourceId= (or\n"
    "flowLogResourceID=) folder on, with or without the insights-logs-*\n"
    "container folder above it; a file whose path names none (standard input,\n"
    "a renamed file) by its content: its first record's resource id, MAC and\n"
    "time. An unchanged blob is skipped, a grown one replaces its earlier rows\n"
    "wherever it lies, an earlier (shorter) download of a stored blob is not\n"
    "stored, and a copy found under another name says so. Each blob is\n"
    "written in one transaction. A blob in a container whose ETag and length\n"
    "are those stored is not downloaded; a download that fails is retried,\n"
    "then reported, and nothing of it is stored.\n"
    "\n"
    "Exit status: 0 all ingested; 1 fatal error; 2 usage; 3 some blobs were\n"
    "partial or rejected, or some paths (or containers) could not be read, or\n"
    "some downloads failed.\n";

/* The data's one path through ingest: a reader (walk -> source -> flowlog
 * -> tuple, and the questions that need no writing: which blobs are
 * another shard's, unchanged, or cannot be named) and a writer (store, and
 * every blob's fate). The reader hands the writer batches of events
 * (batch.h); with --threads 2 (the default) it runs in a thread of its own,
 * a few batches ahead; with --threads 1 each batch is written as soon as it
 * is full, in the same thread. Either way the writer sees the same events
 * in the same order, so the database and every message are the same. */

/* A blob on its way from the reader to the writer. The reader fills it
 * (EV_BEGIN, then the outcome before EV_END); the writer frees it. */
struct outcome {
    const char *status;
    char error[400];
    int64_t error_offset;
    struct fingerprint fp;
    int gzip;
    /* from a container: the version read, and whether its download failed
     * (then nothing of it is stored) */
    char etag[AZ_ETAG_MAX];
    int64_t blob_length;
    int download_failed;
};

struct blob_job {
    const struct walk_entry *entry;
    const char *path;        /* as given */
    const char *shown;       /* as shown to the user */
    const char *name;        /* its path, or --name (NULL: stdin alone) */
    uint64_t size;
    struct path_meta meta;
    /* what its path says (blob_identity; "" nothing), until the writer
     * gives a blob without one its content identity */
    char identity[BLOB_IDENTITY_MAX];
    char key[BLOB_KEY_MAX];  /* its content's key (blob_key_of; "" none) */
    char filter[STORE_FILTER_MAX]; /* what --only and --shard leave out ("" none) */
    int shard_by_record;     /* the path names no NIC: each record's decides */
    /* the outcome, filled by the reader before EV_END */
    struct outcome out;
    int interrupted;         /* a stop signal came while it was read */
    int64_t skipped, dropped; /* broken tuples, and left-out ones, kept */
};

/* A record splits further by direction and protocol; these few slots
 * remember the group ids already resolved for one group of the record. */
#define GROUP_SLOTS 4
struct group_ids {
    int64_t id[GROUP_SLOTS];
    uint8_t direction[GROUP_SLOTS];
    uint8_t protocol[GROUP_SLOTS];
    /* what the ids were resolved for: the records of a blob mostly repeat
     * the same groups in the same order, so they are reused while this key
     * stays the same */
    char *key;
    size_t key_cap;
};

/* The writer's state of the blob being written. */
struct blob {
    struct blob_job *job;    /* NULL: none (or its start failed) */
    int64_t file_id;
    int64_t records, tuples;
    int in_chunks;           /* a record is being written in chunks */
    int64_t chunk_mark, chunk_tuples; /* state before it */
    int db_failed;
    struct group_ids *group_ids;
    size_t cap_group_ids;
};

/* The reader's state of the blob being read. */
struct reading {
    struct run *run;
    struct blob_job *job;
    flowlog *parser;
    int64_t kept;                /* tuples handed to the writer */
    int64_t record_tuple_index;  /* tuples seen in the current record */
    int in_chunks;               /* inside a record that comes in chunks */
    int64_t chunk_kept, chunk_skipped, chunk_dropped; /* state before it */
    uint8_t *other_shard;        /* per group of the record */
    size_t cap_other_shard;
    int out_of_memory;
    int key_seen;                /* the first flow record gave the key (or none) */
};

/* The state of one run. */
struct run {
    const struct ingest_options *o;
    sqlite3 *db;
    store *st;
    struct ingest_totals *t;
    /* progress */
    uint64_t bytes_total, bytes_done_files;
    size_t files_total, files_done;
    double start, last_progress;
    int progress_shown;
    /* the open batch transaction */
    double batch_start;
    long batch_blobs;
    struct ingest_totals committed; /* the totals at the last commit */
    /* the writer */
    struct blob blob;
    int fatal;                   /* a database error: the run ends */
    atomic_int abort;            /* tells the reader to stop */
    /* the reader */
    unsigned char *buf;
    file_lookup *lookup;         /* its own connection (two threads) */
    struct batch *filling;       /* the batch it fills */
    int threaded;
    struct queue full, empty;    /* batches to the writer, and back */
    /* storage containers: their locations and credentials, and the client
     * (the listing in the main thread, then the reader's downloads) */
    struct az_container **containers;
    size_t ncontainers;
    az_client *az;
    long downloads;              /* the reader's */
    long no_hour;                /* the reader's: --since/--until, a name without an hour */
    int64_t downloaded_bytes;
};

#define BATCHES 6 /* in all, with two threads: about 4 MB */

/* SIGINT or SIGTERM: the signal number, once one came. ingest then stops
 * at the next read, drops the blob it was reading, commits the blobs done
 * before it and says so; a second signal ends the process at once (the
 * handler is reset after the first). */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* messages and progress (the writer's)                               */

static void clear_progress(struct run *r)
{
    if (r->progress_shown) {
        fputs("\r\033[K", stderr);
        r->progress_shown = 0;
    }
}

static void say(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct run *r, const char *fmt, ...)
{
    clear_progress(r);
    va_list ap;
    va_start(ap, fmt);
    msg_v(stderr, fmt, ap);
    va_end(ap);
}

static void show_progress(struct run *r, uint64_t current_bytes, int force)
{
    if (!r->o->progress)
        return;
    double now = now_seconds();
    if (!force && now - r->last_progress < 0.25)
        return;
    r->last_progress = now;
    double elapsed = now - r->start;
    uint64_t done = r->bytes_done_files + current_bytes;
    double rate = elapsed > 0 ? (double)r->t->tuples / elapsed : 0;
    char eta[32] = "-";
    if (done > 0 && r->bytes_total > done && elapsed > 1) {
        double left = elapsed * (double)(r->bytes_total - done) / (double)done;
        snprintf(eta, sizeof eta, "%d:%02d", (int)left / 60, (int)left % 60);
    }
    /* (numbers only: the line's own control sequence goes out as it is) */
    fprintf(stderr, "\r\033[Kingest: file %zu/%zu  %.1f/%.1f MB  %" PRId64
                    " tuples  %.0f tuples/s  ETA %s",
            r->files_done + 1, r->files_total, done / 1e6, r->bytes_total / 1e6,
            r->t->tuples, rate, eta);
    r->progress_shown = 1;
}

/* ================================================================== */
/* the writer: events -> rows                                          */

/* Makes slots fit group g of rec: kept when the group is the one the slots
 * were filled for, else emptied and labelled with the new key. */
static int reuse_or_reset(struct group_ids *slots, const struct fl_record *rec,
                          const struct fl_group *grp)
{
    const char *parts[] = {grp->rule, grp->mac, grp->acl_id, rec->mac,
                           rec->resource_id, rec->target_resource_id};
    size_t need = 2;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        need += strlen(parts[i]) + 1;
    char stackbuf[1024], *key = need <= sizeof stackbuf ? stackbuf : malloc(need);
    if (!key)
        return -1;
    char *p = key;
    *p++ = (char)('0' + rec->format);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t n = strlen(parts[i]);
        memcpy(p, parts[i], n);
        p += n;
        *p++ = '\x1f';
    }
    *p = '\0';
    if (!slots->key || strcmp(slots->key, key) != 0) {
        if (need > slots->key_cap) {
            char *k = realloc(slots->key, need);
            if (!k) {
                if (key != stackbuf)
                    free(key);
                return -1;
            }
            slots->key = k;
            slots->key_cap = need;
        }
        memcpy(slots->key, key, need);
        memset(slots->id, 0, sizeof slots->id);
    }
    if (key != stackbuf)
        free(key);
    return 0;
}

static void free_group_ids(struct blob *b)
{
    for (size_t i = 0; i < b->cap_group_ids; i++)
        free(b->group_ids[i].key);
    free(b->group_ids);
    b->group_ids = NULL;
    b->cap_group_ids = 0;
}

static int group_id_for(struct run *r, const struct fl_record *rec, size_t g,
                        enum flow_format format, const struct flow_tuple *t, int64_t *id)
{
    struct blob *b = &r->blob;
    struct group_ids *slots = &b->group_ids[g];
    int free_slot = -1;
    for (int i = 0; i < GROUP_SLOTS; i++) {
        if (!slots->id[i]) {
            if (free_slot < 0)
                free_slot = i;
        } else if (slots->direction[i] == t->direction &&
                   slots->protocol[i] == t->protocol) {
            *id = slots->id[i];
            return 0;
        }
    }
    char mac[PATHMETA_FIELD_MAX];
    struct group_key k;
    group_key_of(&k, rec, g, format, t, mac);
    if (store_group(r->st, b->file_id, &k, id) != 0)
        return -1;
    if (free_slot >= 0) {
        slots->id[free_slot] = *id;
        slots->direction[free_slot] = t->direction;
        slots->protocol[free_slot] = t->protocol;
    }
    return 0;
}

/* The fate of a blob after it was read. */
enum fate {
    FATE_NEW, FATE_REPLACED, FATE_UNCHANGED,
    FATE_KEPT_OLDER, /* worse than the stored copy: not stored */
    FATE_EARLIER,    /* a complete but shorter download of a stored blob */
};

static int status_rank(const char *status)
{
    return strcmp(status, "ok") == 0 ? 2 : strcmp(status, "partial") == 0 ? 1 : 0;
}

/* Blobs are written in batches: one transaction holds the blobs of about a
 * second, so that the pages every blob touches (indexes, dimensions) are
 * written once per batch, not once per blob. A blob is still wholly in the
 * database or not at all: a killed batch leaves none of its blobs, and a
 * blob that must not stay is taken out again before the commit. */
#define BATCH_SECONDS 1.0

static int batch_open(struct run *r)
{
    if (store_in_transaction(r->st))
        return 0;
    if (store_begin(r->st) != 0)
        return -1;
    r->batch_start = now_seconds();
    r->batch_blobs = 0;
    return 0;
}

static int batch_commit(struct run *r, int force)
{
    if (!store_in_transaction(r->st))
        return 0;
    if (!force && now_seconds() - r->batch_start < BATCH_SECONDS)
        return 0;
    if (store_commit(r->st) != 0)
        return -1;
    r->committed = *r->t;
    r->batch_blobs = 0;
    return 0;
}

/* A database error: the open batch is rolled back. Says what was lost. */
static void report_db_failure(struct run *r, const char *shown)
{
    const struct ingest_options *o = r->o;
    char msg[600];
    snprintf(msg, sizeof msg, "%s", store_error(r->st));
    int busy = db_is_busy(store_errcode(r->st));
    store_rollback(r->st);
    if (busy)
        say(r, "nsgflow: %s: the database is locked by another process "
               "(waited %d s); %s was not written; try again or raise --wait\n",
            o->db_path, o->wait_ms / 1000, shown);
    else {
        int code = store_errcode(r->st);
        int space = (code & 0xff) == SQLITE_FULL || code == SQLITE_IOERR_WRITE ||
                    code == SQLITE_IOERR_FSYNC || code == SQLITE_IOERR_TRUNCATE;
        say(r, "nsgflow: %s: database error while writing %s: %s%s\n", o->db_path, shown,
            msg, space ? " (is the disk full, or the file too large for the file system?)" : "");
    }
    if (r->batch_blobs > 0)
        say(r, "nsgflow: the %ld %s written just before it %s rolled back "
               "with it; run the same command again to finish the job\n",
            r->batch_blobs, plural(r->batch_blobs, "blob", "blobs"),
            plural(r->batch_blobs, "was", "were"));
    double seconds = r->t->seconds;
    long problems = r->t->path_problems, blobs = r->t->blobs;
    *r->t = r->committed;
    r->t->seconds = seconds;
    r->t->path_problems = problems;
    r->t->blobs = blobs; /* looked at, even if not stored */
}

/* The end of the run for a database error: said, rolled back, and the
 * reader told to stop. */
static void writer_fails(struct run *r, const char *shown)
{
    report_db_failure(r, shown);
    r->fatal = 1;
    atomic_store(&r->abort, 1);
}

/* Records a blob that is not stored as a rejected file row under
 * identity, replacing an older rejected copy of it. */
static int record_rejection(struct run *r, const struct blob_job *j, const char *identity,
                            const struct stored_file *old, int have_old, const char *fptext)
{
    int64_t id;
    if ((have_old && store_drop_file(r->st, old->id) != 0) ||
        store_add_file(r->st, j->shown, &j->meta, &id) != 0)
        return -1;
    struct file_result fr = {
        .identity = identity, .status = "rejected", .error = j->out.error,
        .error_offset = j->out.error_offset, .json_bytes = (int64_t)j->out.fp.length,
        .gzip = j->out.gzip, .fingerprint = fptext, .filter = j->filter[0] ? j->filter : NULL,
        .blob_key = j->key[0] ? j->key : NULL, .etag = j->out.etag,
        .blob_length = j->out.blob_length,
    };
    return store_finish_file(r->st, id, &fr);
}

static void write_skip(struct run *r, const struct event *e)
{
    struct ingest_totals *t = r->t;
    t->blobs++;
    r->files_done++;
    r->bytes_done_files += e->size;
    switch (e->skip) {
    case SKIP_PATH_PROBLEM: t->path_problems++; break;
    case SKIP_OTHER_SHARD: t->files_other_shard++; break;
    case SKIP_OUTSIDE_WINDOW: t->files_outside_window++; break;
    case SKIP_UNCHANGED_OK: t->files_unchanged++; break;
    case SKIP_UNCHANGED_PARTIAL: t->files_unchanged++; t->files_partial++; break;
    case SKIP_UNCHANGED_REJECTED: t->files_unchanged++; t->files_rejected++; break;
    }
}

static void write_begin(struct run *r, struct blob_job *j)
{
    struct blob *b = &r->blob;
    free_group_ids(b);
    memset(b, 0, sizeof *b);
    r->t->blobs++;
    if (batch_open(r) != 0 || store_add_file(r->st, j->shown, &j->meta, &b->file_id) != 0) {
        writer_fails(r, j->shown);
        return;
    }
    b->job = j;
}

static void write_record(struct run *r, const struct batch *batch, const struct event *e)
{
    struct blob *b = &r->blob;
    const struct fl_record *rec = &e->rec;
    if (!b->job || b->db_failed)
        return;
    if (rec->chunk == 0 && !rec->final) {
        /* a record in parts: remember where it started, to take its rows
         * out again if it never ends */
        b->in_chunks = 1;
        b->chunk_mark = store_tuple_mark(r->st);
        b->chunk_tuples = b->tuples;
    }
    if (rec->ngroups > b->cap_group_ids) {
        size_t cap = rec->ngroups * 2;
        struct group_ids *ids = realloc(b->group_ids, cap * sizeof *ids);
        if (!ids) {
            b->db_failed = 1;
            return;
        }
        memset(ids + b->cap_group_ids, 0, (cap - b->cap_group_ids) * sizeof *ids);
        b->group_ids = ids;
        b->cap_group_ids = cap;
    }
    for (size_t g = 0; g < rec->ngroups; g++)
        if (reuse_or_reset(&b->group_ids[g], rec, &rec->groups[g]) != 0) {
            b->db_failed = 1;
            return;
        }
    for (size_t i = e->first; i < e->first + e->count; i++) {
        const struct parsed_tuple *pt = &batch->tuples[i];
        struct flow_tuple t = pt->t;
        t.encryption = pt->enc;
        int64_t gid;
        if (group_id_for(r, rec, pt->group, (enum flow_format)pt->format, &t, &gid) != 0 ||
            store_tuple(r->st, gid, &t) != 0) {
            b->db_failed = 1;
            return;
        }
        b->tuples++;
    }
    if (rec->final) {
        b->records++;
        b->in_chunks = 0;
    }
}

/* How the stored copy of a blob was found. */
enum match {
    MATCH_NONE,
    MATCH_IDENTITY,  /* by its identity */
    MATCH_KEY,       /* by its content's key, under another identity */
    MATCH_COPY,      /* by its fingerprint: an exact copy under another identity */
};

/* Finds the stored copy of blob j, read into b with fingerprint fptext:
 * the row of its identity; else, when it has a key, the row of its key;
 * else an exact copy without a key: for a blob without a key and without
 * a path identity, one of the same fingerprint; for a blob with a key, one
 * stored before keys existed (schema 9) of the same fingerprint, records,
 * tuples and time range. (Fingerprints alone never merge two blobs that
 * have keys or names of their own: a CRC-32 may collide.) The row of its
 * identity may have no key and no tuples (a copy that broke off before its
 * first flow record, or one written before it): when the blob's key is
 * stored under another identity, that row is the blob, and the keyless
 * one is superseded (*superseded: its id; 0 none), else the blob would be
 * stored twice. (A keyless row with tuples stays the match: dropping it
 * could lose them.) Fills *old and returns the match, or -1 on a database
 * error. */
static int find_stored(struct run *r, const struct blob_job *j, int own_identity,
                       const char *fptext, struct stored_file *old, int64_t *superseded)
{
    *superseded = 0;
    int rc = store_find_file(r->st, j->identity, old);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        if (!j->key[0] || old->blob_key[0] || old->tuples != 0)
            return MATCH_IDENTITY;
        struct stored_file keyed;
        if ((rc = store_find_by_key(r->st, j->key, &keyed)) < 0)
            return -1;
        if (rc == 0 || keyed.id == old->id)
            return MATCH_IDENTITY;
        *superseded = old->id;
        *old = keyed;
        return MATCH_KEY;
    }
    if (j->key[0] && (rc = store_find_by_key(r->st, j->key, old)) != 0)
        return rc < 0 ? -1 : MATCH_KEY;
    if (!j->key[0] && own_identity)
        return MATCH_NONE;
    if ((rc = store_find_keyless_copy(r->st, fptext, old)) <= 0)
        return rc < 0 ? -1 : MATCH_NONE;
    if (!j->key[0])
        return MATCH_COPY;
    const struct blob *b = &r->blob;
    int64_t lo = 0, hi = 0;
    store_file_time_range(r->st, &lo, &hi);
    return old->records == b->records && old->tuples == b->tuples && old->min_ts == lo &&
                   old->max_ts == hi
               ? MATCH_COPY
               : MATCH_NONE;
}

/* What becomes of blob j (read into r->blob, fingerprint fptext) next to
 * its stored copy old, found as how says: the same content under the same
 * filter is unchanged; a worse copy (partial or rejected against a better
 * one, the shorter of two partial ones, a keyless one of two equally broken
 * ones) is not stored; the shorter of two
 * complete copies of the same blob at two moments of its hour (the same
 * key; for a copy stored before keys existed and found by its name, the
 * same first tuple time) under the same filter is an earlier download, not
 * stored; anything else replaces it. */
static enum fate decide_fate(struct run *r, const struct blob_job *j, enum match how,
                             const struct stored_file *old, const char *fptext)
{
    const struct blob *b = &r->blob;
    const char *status = j->out.status;
    int same_filter = strcmp(old->filter, j->filter) == 0;
    if (strcmp(old->fingerprint, fptext) == 0 && same_filter)
        return FATE_UNCHANGED;
    if (status_rank(status) < status_rank(old->status))
        return FATE_KEPT_OLDER;
    if (strcmp(status, "ok") != 0 && strcmp(status, old->status) == 0) {
        /* two broken copies: keep the fuller one. A rejected copy keeps no
         * tuples, so of two rejected ones neither is fuller by them. Of two
         * with as many, one broken off before its first flow record (no
         * key) is worse than one that has its key: the key is what finds
         * the blob again under another name, and a copy that replaced it
         * would leave the blob stored twice when it comes under that name */
        int partial = strcmp(status, "partial") == 0;
        int64_t mine = partial ? b->tuples : 0, theirs = partial ? old->tuples : 0;
        if (mine < theirs || (mine == theirs && !j->key[0] && old->blob_key[0]))
            return FATE_KEPT_OLDER;
    }
    int64_t first = 0, last = 0;
    store_file_time_range(r->st, &first, &last);
    int same_blob = j->key[0] && (strcmp(j->key, old->blob_key) == 0 ||
                                  (!old->blob_key[0] && how == MATCH_IDENTITY &&
                                   old->min_ts == first));
    if (strcmp(status, "ok") == 0 && strcmp(old->status, "ok") == 0 && same_filter &&
        same_blob && b->tuples < old->tuples)
        return FATE_EARLIER;
    return FATE_REPLACED;
}

/* The blob's own rows, once its fate is known: dropped (unchanged, not
 * stored, rejected: then a rejected row may record it), or finished under
 * identity in place of its stored copy. Returns 0, or -1 on a database
 * error. */
static int settle_rows(struct run *r, struct blob_job *j, enum fate fate, const char *identity,
                       const struct stored_file *old, int have_old, const char *fptext)
{
    struct blob *b = &r->blob;
    const struct outcome *out = &j->out;
    int kept = fate == FATE_UNCHANGED || fate == FATE_KEPT_OLDER || fate == FATE_EARLIER;
    if (kept || strcmp(out->status, "rejected") == 0) {
        /* nothing of this copy's rows stays */
        if (store_discard_file(r->st, b->file_id) != 0)
            return -1;
        if (kept)
            return 0;
        r->batch_blobs++;
        return record_rejection(r, j, identity, old, have_old, fptext);
    }
    struct file_result fr = {
        .identity = identity, .status = out->status,
        .error = out->error[0] ? out->error : NULL,
        .error_offset = out->error_offset, .records = b->records,
        .tuples = b->tuples, .skipped_tuples = j->skipped,
        .json_bytes = (int64_t)out->fp.length, .gzip = out->gzip,
        .fingerprint = fptext, .dropped_tuples = j->dropped,
        .filter = j->filter[0] ? j->filter : NULL,
        .blob_key = j->key[0] ? j->key : NULL, .etag = out->etag,
        .blob_length = out->blob_length,
    };
    if ((have_old && store_drop_file(r->st, old->id) != 0) ||
        store_finish_file(r->st, b->file_id, &fr) != 0)
        return -1;
    r->batch_blobs++;
    struct ingest_totals *t = r->t;
    t->tuples += b->tuples;
    t->skipped_tuples += j->skipped;
    t->dropped_tuples += j->dropped;
    int64_t lo, hi;
    if (store_file_time_range(r->st, &lo, &hi)) {
        if (lo < t->min_ts)
            t->min_ts = lo;
        if (hi > t->max_ts)
            t->max_ts = hi;
    }
    return 0;
}

/* Counts blob j's fate and tells the user what needs telling; same_as is
 * the identity of the stored copy when it was found in another file. */
static void tell_fate(struct run *r, const struct blob_job *j, enum fate fate,
                      const struct stored_file *old, const char *same_as)
{
    struct ingest_totals *t = r->t;
    const struct blob *b = &r->blob;
    const struct outcome *out = &j->out;
    const char *shown = j->shown;
    int rejected = strcmp(out->status, "rejected") == 0;
    int partial = strcmp(out->status, "partial") == 0;
    char also[BLOB_IDENTITY_MAX + 64] = "";
    if (same_as)
        snprintf(also, sizeof also, "; the same blob as %s (already stored)", same_as);
    if (j->skipped > REPORTED_TUPLE_ERRORS)
        say(r, "%s: %" PRId64 " more broken tuples skipped (%" PRId64 " in all)\n",
            shown, j->skipped - REPORTED_TUPLE_ERRORS, j->skipped);
    switch (fate) {
    case FATE_UNCHANGED:
        /* (as when the reader skips an unchanged blob unread) */
        t->files_unchanged++;
        if (strcmp(old->status, "ok") != 0) {
            if (strcmp(old->status, "partial") == 0)
                t->files_partial++;
            else
                t->files_rejected++;
            say(r, "%s: unchanged, and still %s as an earlier ingest found it%s\n", shown,
                old->status, also);
        } else if (same_as) {
            say(r, "%s: the same blob as %s (already stored): unchanged\n", shown, same_as);
        } else if (r->o->verbose) {
            say(r, "%s: unchanged\n", shown);
        }
        return;
    case FATE_EARLIER:
        t->files_earlier++;
        say(r, "%s: an earlier download of a blob stored in full (%s: %" PRId64
               " tuples, this copy %" PRId64 "): not stored\n",
            shown, old->identity, old->tuples, b->tuples);
        return;
    case FATE_KEPT_OLDER:
        t->files_kept_older++;
        break;
    case FATE_REPLACED:
        if (!rejected)
            t->files_replaced++;
        break;
    case FATE_NEW:
        if (!rejected)
            t->files_new++;
        break;
    }
    if (partial) {
        t->files_partial++;
        say(r, "%s: partial: %s; %s %" PRId64 " complete %s (%" PRId64 " %s)%s%s\n",
            shown, out->error, fate == FATE_KEPT_OLDER ? "it has" : "kept",
            b->records, plural(b->records, "record", "records"), b->tuples,
            plural(b->tuples, "tuple", "tuples"),
            fate == FATE_KEPT_OLDER ? "; the database keeps its fuller earlier copy" : "", also);
    } else if (rejected) {
        t->files_rejected++;
        say(r, "%s: rejected: %s%s%s\n", shown, out->error,
            fate == FATE_KEPT_OLDER ? " (the database keeps its earlier copy)" : "", also);
    } else if (same_as) {
        say(r, "%s: the same blob as %s (already stored): replaced, %" PRId64 " %s, %" PRId64
               " %s\n", shown, same_as, b->records, plural(b->records, "record", "records"),
            b->tuples, plural(b->tuples, "tuple", "tuples"));
    } else if (r->o->verbose) {
        say(r, "%s: %s, %" PRId64 " %s, %" PRId64 " %s\n", shown,
            fate == FATE_REPLACED ? "replaced" : "new", b->records,
            plural(b->records, "record", "records"), b->tuples,
            plural(b->tuples, "tuple", "tuples"));
    }
}

/* The blob was read: its rows stay, replace an older copy, or go. */
static void write_end(struct run *r, struct blob_job *j)
{
    struct ingest_totals *t = r->t;
    struct blob *b = &r->blob;
    struct outcome *out = &j->out;
    const char *shown = j->shown;
    struct stored_file old;
    char fptext[64];
    if (b->job != j)
        return; /* its start failed */
    b->job = NULL;
    if (b->db_failed) {
        writer_fails(r, shown);
        return;
    }
    if (j->interrupted) { /* nothing of this blob stays */
        if (store_discard_file(r->st, b->file_id) != 0)
            writer_fails(r, shown);
        return;
    }
    if (out->download_failed) { /* nor of a download that failed */
        if (store_discard_file(r->st, b->file_id) != 0) {
            writer_fails(r, shown);
            return;
        }
        say(r, "nsgflow: %s: %s; nothing of it was stored (the next run reads it again)\n",
            shown, out->error);
        t->files_failed++;
        r->bytes_done_files += j->size;
        r->files_done++;
        return;
    }
    if (b->in_chunks) {
        /* the input broke off inside a record written in parts */
        if (store_discard_after(r->st, b->chunk_mark) != 0) {
            writer_fails(r, shown);
            return;
        }
        b->in_chunks = 0;
        b->tuples = b->chunk_tuples;
    }
    fingerprint_text(&out->fp, fptext, sizeof fptext);
    int own_identity = j->identity[0] != '\0';
    if (!own_identity)
        content_identity(j->key, fptext, strcmp(j->path, "-") == 0, j->identity,
                         sizeof j->identity);
    /* inside the transaction: another process may have written it */
    int64_t superseded;
    int how = find_stored(r, j, own_identity, fptext, &old, &superseded);
    if (how < 0 || (superseded && store_drop_file(r->st, superseded) != 0)) {
        writer_fails(r, shown);
        return;
    }
    int have_old = how != MATCH_NONE;
    enum fate fate = have_old ? decide_fate(r, j, how, &old, fptext) : FATE_NEW;
    /* found under another identity: a name (path identity) once given
     * stays, and replaces a content identity; a key's content identity
     * replaces the form of rows stored before keys. (A blob whose own name
     * held a row it superseded had that name first: it stays.) */
    const char *identity = j->identity;
    if (!superseded && (how == MATCH_KEY || how == MATCH_COPY) &&
        (identity_is_path(old.identity) || (!own_identity && !j->key[0])))
        identity = old.identity;
    /* a copy recognised in another file (or standard input): said */
    const char *same_as = have_old && (how != MATCH_IDENTITY || !own_identity) &&
                                  strcmp(old.path, shown) != 0
                              ? old.identity
                              : NULL;
    if (settle_rows(r, j, fate, identity, &old, have_old, fptext) != 0) {
        writer_fails(r, shown);
        return;
    }
    if (fate == FATE_UNCHANGED && strcasecmp(identity, old.identity) != 0) {
        /* the stored copy takes the name (and its key, if it had none) */
        if (store_rename_file(r->st, old.id, identity, shown, &j->meta,
                              j->key[0] ? j->key : NULL) != 0) {
            writer_fails(r, shown);
            return;
        }
    } else if (fate == FATE_UNCHANGED && !old.blob_key[0] && j->key[0]) {
        /* a copy stored before keys existed gets its key */
        if (store_rename_file(r->st, old.id, old.identity, NULL, NULL, j->key) != 0) {
            writer_fails(r, shown);
            return;
        }
    } else if (superseded && (fate == FATE_KEPT_OLDER || fate == FATE_EARLIER) &&
               strcasecmp(identity, old.identity) != 0) {
        /* the better copy stays, under the name of the row it superseded
         * (else that name, read again, would add its row again) */
        if (store_rename_file(r->st, old.id, identity, NULL, NULL, NULL) != 0) {
            writer_fails(r, shown);
            return;
        }
    }
    if (fate == FATE_UNCHANGED && out->etag[0] &&
        (strcmp(old.etag, out->etag) != 0 || old.blob_length != out->blob_length) &&
        store_set_etag(r->st, old.id, out->etag, out->blob_length) != 0) {
        /* read from its container and the same: not downloaded next time */
        writer_fails(r, shown);
        return;
    }
    t->json_bytes += (int64_t)out->fp.length;
    r->bytes_done_files += j->size;
    r->files_done++;
    tell_fate(r, j, fate, &old, same_as);
    if (batch_commit(r, 0) != 0)
        writer_fails(r, shown);
}

/* Writes one batch's events in order. After a database error the rest is
 * only looked at to free the blobs' jobs. */
static void write_batch(struct run *r, struct batch *batch)
{
    for (size_t i = 0; i < batch->nevents; i++) {
        struct event *e = &batch->events[i];
        if (r->fatal) {
            if (e->kind == EV_END)
                free(e->job);
            continue;
        }
        switch (e->kind) {
        case EV_NOTE: say(r, "%s", e->text); break;
        case EV_SKIP: write_skip(r, e); break;
        case EV_BEGIN: write_begin(r, e->job); break;
        case EV_RECORD: write_record(r, batch, e); break;
        case EV_END:
            write_end(r, e->job);
            free(e->job);
            break;
        }
    }
    if (!r->fatal && r->blob.job)
        show_progress(r, batch->raw_offset, 0);
}

/* ================================================================== */
/* the reader: bytes -> events                                          */

/* Hands the filled batch to the writer and takes an empty one. Returns 0,
 * or -1 when the run is to stop (a database error in the writer). */
static int hand_over(struct run *r)
{
    struct batch *b = r->filling;
    if (b->nevents == 0)
        return atomic_load(&r->abort) ? -1 : 0;
    if (!r->threaded) {
        write_batch(r, b);
        batch_reset(b);
    } else {
        queue_push(&r->full, b);
        r->filling = queue_pop(&r->empty); /* the writer gives them back */
        batch_reset(r->filling);
    }
    return atomic_load(&r->abort) ? -1 : 0;
}

/* Room for one more event in the batch (handing it over when full). */
static int need_event(struct run *r)
{
    return batch_events_full(r->filling) ? hand_over(r) : 0;
}

/* Room for one more event and one more tuple. */
static int need_room(struct run *r)
{
    return batch_events_full(r->filling) || batch_tuples_full(r->filling) ? hand_over(r) : 0;
}

/* The record of *e goes on in the next batch: this part is not its last,
 * and the next is not its first (so the writer marks where it began, as
 * for a record that came in chunks). Returns 0, 1 to stop, -1 out of
 * memory. */
static int next_part(struct run *r, const struct fl_record *rec, struct event **e)
{
    (*e)->rec.final = 0;
    if (hand_over(r) != 0)
        return 1;
    struct fl_record rest = *rec;
    rest.chunk = rec->chunk + 1;
    *e = batch_record(r->filling, &rest);
    return *e ? 0 : -1;
}

static void note(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A message for the user, shown by the writer in its place among the
 * blobs' events (so that it never cuts the progress line). */
static void note(struct run *r, const char *fmt, ...)
{
    char text[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (need_event(r) != 0)
        return;
    const char *copy = batch_strdup(r->filling, text);
    if (copy)
        batch_event(r->filling, EV_NOTE)->text = copy;
}

static int skip_blob(struct run *r, enum skip_kind kind, uint64_t size)
{
    if (need_event(r) != 0)
        return -1;
    struct event *e = batch_event(r->filling, EV_SKIP);
    e->skip = kind;
    e->size = size;
    return 0;
}

/* 1 when --only keeps tuple t: no ranges, or one of its addresses is in
 * one of them. */
static int in_only_ranges(const struct ingest_options *o, const struct flow_tuple *t)
{
    if (!o->nonly)
        return 1;
    for (size_t i = 0; i < o->nonly; i++)
        if (ip_in_range(&t->src, &o->only[i][0], &o->only[i][1]) ||
            ip_in_range(&t->dst, &o->only[i][0], &o->only[i][1]))
            return 1;
    return 0;
}

/* A record (or a record's chunk) from the flow-log reader: its tuples are
 * parsed, filtered and put in the batch, in as many parts as it takes. */
static int on_record(void *ctx, const struct fl_record *rec)
{
    struct reading *rd = ctx;
    struct run *r = rd->run;
    struct blob_job *j = rd->job;
    if (atomic_load(&r->abort))
        return 1;
    if (rec->chunk == 0)
        rd->record_tuple_index = 0;
    if (!rec->is_flow_record) {
        rd->record_tuple_index += (int64_t)rec->ntuples;
        return 0;
    }
    if (!rd->key_seen && rec->resource_id[0] && rec->time[0]) {
        /* the first flow record names the blob (a record too long to be
         * Azure's gives it no key) */
        const char *mac = rec->mac[0] ? rec->mac : rec->ngroups ? rec->groups[0].mac : "";
        blob_key_of(rec->resource_id, mac, rec->time, j->key, sizeof j->key);
        rd->key_seen = 1;
    }
    int64_t limit = r->o->max_tuples > 0 ? r->o->max_tuples : INGEST_MAX_TUPLES;
    if (rd->kept + j->skipped + (int64_t)rec->ntuples > limit) {
        char msg[160];
        snprintf(msg, sizeof msg, "more than %lld tuples in one blob (the limit; see"
                                  " --max-tuples): the rest was not read", (long long)limit);
        flowlog_set_error(rd->parser, msg);
        return 1;
    }
    if (rec->chunk == 0 && !rec->final) {
        rd->in_chunks = 1;
        rd->chunk_kept = rd->kept;
        rd->chunk_skipped = j->skipped;
        rd->chunk_dropped = j->dropped;
    }
    if (rec->final)
        rd->in_chunks = 0;
    if (j->shard_by_record) {
        if (rec->ngroups > rd->cap_other_shard) {
            uint8_t *p = realloc(rd->other_shard, rec->ngroups);
            if (!p)
                goto oom;
            rd->other_shard = p;
            rd->cap_other_shard = rec->ngroups;
        }
        for (size_t g = 0; g < rec->ngroups; g++) {
            const char *mac = rec->groups[g].mac[0] ? rec->groups[g].mac : rec->mac;
            rd->other_shard[g] =
                ingest_shard_of_mac(mac, r->o->shard_count) != r->o->shard_index;
        }
    }
    if (need_room(r) != 0)
        return 1;
    struct event *e = batch_record(r->filling, rec);
    if (!e)
        goto oom;
    for (size_t i = 0; i < rec->ntuples; i++) {
        const struct fl_tuple_text *tt = &rec->tuples[i];
        struct parsed_tuple *pt = &r->filling->tuples[r->filling->ntuples];
        char why[TUPLE_WHY_MAX];
        rd->record_tuple_index++;
        if (tuple_parse(tt->text, tt->len, rec->format, &pt->t, why) != 0) {
            if (j->skipped < REPORTED_TUPLE_ERRORS) {
                int rc = batch_events_full(r->filling) ? next_part(r, rec, &e) : 0;
                if (rc)
                    return rc < 0 ? (rd->out_of_memory = 1, flowlog_set_error(rd->parser, "out of memory"), 1) : 1;
                note(r, "%s: record %ld, tuple %" PRId64 ": %s\n", j->shown, rec->index,
                     rd->record_tuple_index, why);
            }
            j->skipped++;
            continue;
        }
        if ((j->shard_by_record && rd->other_shard[tt->group]) ||
            !in_only_ranges(r->o, &pt->t)) {
            j->dropped++;
            continue;
        }
        if (pt->t.encryption_len)
            memcpy(pt->enc, pt->t.encryption, pt->t.encryption_len);
        pt->group = tt->group;
        pt->format = (uint8_t)(rec->format != FORMAT_UNKNOWN
                                   ? rec->format : tuple_guess_format(tt->text, tt->len));
        r->filling->ntuples++;
        e->count++;
        rd->kept++;
        if (batch_tuples_full(r->filling) && i + 1 < rec->ntuples) {
            int rc = next_part(r, rec, &e);
            if (rc > 0)
                return 1;
            if (rc < 0)
                goto oom;
        }
    }
    return 0;
oom:
    rd->out_of_memory = 1;
    flowlog_set_error(rd->parser, "out of memory");
    return 1;
}

/* A short description of bytes that are not JSON at all. */
static void describe_bytes(const unsigned char *p, size_t n, char *out,
                           size_t outlen)
{
    size_t k = n < 8 ? n : 8;
    int binary = 0;
    char hex[32] = "";
    for (size_t i = 0; i < k; i++) {
        binary |= p[i] < 0x09 || (p[i] > 0x0d && p[i] < 0x20) || p[i] >= 0x7f;
        size_t used = strlen(hex);
        snprintf(hex + used, sizeof hex - used, "%s%02x", i ? " " : "", p[i]);
    }
    if (n == 0)
        snprintf(out, outlen, "an empty file");
    else if (binary)
        snprintf(out, outlen, "binary data, not JSON (first bytes %s)", hex);
    else
        snprintf(out, outlen, "text that is not JSON (first bytes %s)", hex);
}

/* A blob in a container, read through the source layer. */
static long remote_read(void *ctx, unsigned char *buf, size_t n)
{
    return az_stream_read(ctx, buf, n);
}

static const char *remote_error(void *ctx)
{
    return az_stream_error(ctx);
}

/* Opens j's bytes: its file, or its blob's download (*stream). */
static source *open_blob(struct run *r, const struct blob_job *j, az_stream **stream,
                         char *err, size_t errlen)
{
    *stream = NULL;
    if (!j->entry || !j->entry->remote)
        return source_open(j->path, err, errlen);
    *stream = az_stream_open(r->az, j->entry->remote, j->entry->blob);
    if (!*stream) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct source_backend be = {remote_read, remote_error, *stream};
    return source_open_backend(&be, err, errlen);
}

/* The end of a blob's download: the version read, and what it cost. */
static void close_download(struct run *r, struct blob_job *j, az_stream *stream)
{
    if (!stream)
        return;
    snprintf(j->out.etag, sizeof j->out.etag, "%s", az_stream_etag(stream));
    j->out.blob_length = (int64_t)az_stream_length(stream);
    r->downloads++;
    r->downloaded_bytes += (int64_t)az_stream_received(stream);
    az_stream_close(stream);
}

/* Reads one blob into events; fills j->out and j->interrupted. Returns 0,
 * or -1 when the run is to stop (a database error in the writer). */
static int read_blob(struct run *r, struct blob_job *j)
{
    struct outcome *out = &j->out;
    struct reading rd = {.run = r, .job = j};
    char err[256];
    out->status = "ok";
    out->error[0] = '\0';
    out->error_offset = -1;
    fingerprint_init(&out->fp);
    out->gzip = 0;

    az_stream *stream;
    source *src = open_blob(r, j, &stream, err, sizeof err);
    if (!src) {
        out->status = "rejected";
        out->download_failed = stream != NULL;
        snprintf(out->error, sizeof out->error, "%s", err);
        close_download(r, j, stream);
        return 0;
    }
    flowlog *p = flowlog_new(on_record, &rd);
    rd.parser = p;
    if (!p) {
        source_close(src);
        close_download(r, j, stream);
        snprintf(out->error, sizeof out->error, "out of memory");
        out->status = "rejected";
        return 0;
    }
    unsigned char head[16];
    size_t nhead = 0;
    const char *read_error = NULL;
    char stdin_error[160];
    int parse_failed = 0;
    for (;;) {
        if (stop_signal || atomic_load(&r->abort))
            break;
        long n = source_read(src, r->buf, READ_CHUNK);
        if (stop_signal)
            break;
        if (n < 0) {
            read_error = source_error(src);
            out->download_failed = source_transport_failed(src);
            break;
        }
        if (n == 0)
            break;
        if (nhead < sizeof head) {
            size_t k = sizeof head - nhead < (size_t)n ? sizeof head - nhead : (size_t)n;
            memcpy(head + nhead, r->buf, k);
            nhead += k;
        }
        int64_t max_stdin = r->o->max_stdin > 0 ? r->o->max_stdin : INGEST_MAX_STDIN;
        int over = strcmp(j->path, "-") == 0 &&
                   out->fp.length + (uint64_t)n > (uint64_t)max_stdin;
        if (over) { /* read up to the limit, then stop as a break */
            n = (long)((uint64_t)max_stdin - out->fp.length);
            snprintf(stdin_error, sizeof stdin_error,
                     "standard input is longer than %lld bytes of JSON (the limit; see"
                     " --max-stdin)", (long long)max_stdin);
        }
        fingerprint_add(&out->fp, r->buf, (size_t)n);
        r->filling->raw_offset = source_raw_offset(src);
        if (flowlog_feed(p, r->buf, (size_t)n) != 0) {
            parse_failed = 1;
            break;
        }
        if (over) {
            read_error = stdin_error;
            break;
        }
    }
    out->gzip = source_is_gzip(src);
    int aborted = atomic_load(&r->abort);
    if (stop_signal || aborted || out->download_failed) { /* the blob is not stored */
        j->interrupted = !out->download_failed;
        if (out->download_failed)
            snprintf(out->error, sizeof out->error, "%s", read_error);
        flowlog_free(p);
        source_close(src);
        close_download(r, j, stream);
        free(rd.other_shard);
        return aborted ? -1 : 0;
    }
    if (!read_error && !parse_failed && flowlog_finish(p) != 0)
        parse_failed = 1;
    if (rd.in_chunks) {
        /* broke off inside a record that came in parts: the writer takes
         * its rows out again, and its counts go back */
        j->skipped = rd.chunk_skipped;
        j->dropped = rd.chunk_dropped;
    }
    struct flowlog_stats fs;
    flowlog_stats(p, &fs);
    const char *what = flowlog_not_a_flow_log(p);
    if (read_error || parse_failed) {
        if (read_error) {
            snprintf(out->error, sizeof out->error, "%s (after %" PRIu64 " bytes of JSON)",
                     read_error, out->fp.length);
            out->error_offset = (int64_t)out->fp.length;
        } else {
            snprintf(out->error, sizeof out->error, "%s at byte %" PRIu64,
                     flowlog_error(p), flowlog_error_offset(p));
            out->error_offset = (int64_t)flowlog_error_offset(p);
        }
        if (what) {
            out->status = "rejected";
            snprintf(out->error, sizeof out->error, "%s", what);
        } else if (!fs.has_records_array) {
            out->status = "rejected";
            char desc[160];
            describe_bytes(head, nhead, desc, sizeof desc);
            if (!read_error && nhead > 0 && (head[0] == '{' || head[0] == '[' ||
                                             head[0] == ' ' || head[0] == 0xEF))
                snprintf(out->error + strlen(out->error),
                         sizeof out->error - strlen(out->error),
                         "; not a flow-log blob");
            else if (!read_error)
                snprintf(out->error, sizeof out->error, "%s", desc);
        } else {
            out->status = r->o->strict ? "rejected" : "partial";
        }
    } else if (what) {
        out->status = "rejected";
        snprintf(out->error, sizeof out->error, "%s", what);
        out->error_offset = -1;
    }
    flowlog_free(p);
    source_close(src);
    close_download(r, j, stream);
    free(rd.other_shard);
    return 0;
}

/* What --only and --shard leave out of a blob, as its file row keeps it:
 * "only 10.20.1.0-10.20.1.255,10.20.9.0-10.20.9.255; shard 1/4" ("" when
 * nothing). A blob read before under another filter is read again. */
static void blob_filter_text(const struct ingest_options *o, int shard_by_record,
                             char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < o->nonly && used + 1 < size; i++) {
        char a[IP_TEXT_MAX], z[IP_TEXT_MAX];
        ip_format(&o->only[i][0], a);
        ip_format(&o->only[i][1], z);
        int n = snprintf(out + used, size - used, "%s%s-%s", i ? "," : "only ", a, z);
        used = n < 0 || used + (size_t)n >= size ? size - 1 : used + (size_t)n;
    }
    if (shard_by_record && o->shard_count > 1 && used + 1 < size)
        snprintf(out + used, size - used, "%sshard %u/%u", used ? "; " : "",
                 o->shard_index, o->shard_count);
}

/* What the database holds of an identity: through the reader's own
 * connection with two threads (what is committed), else the writer's. */
static int look_up(struct run *r, const char *identity, struct stored_file *old)
{
    if (r->threaded)
        return r->lookup ? store_lookup(r->lookup, identity, old) : 0;
    return store_find_file(r->st, identity, old);
}

/* 1 when a listed blob is the version stored: its ETag and length. (A
 * blob stored from disk has no ETag: it is downloaded once, and when its
 * content is the same, its ETag is recorded then.) */
static int same_version(const struct walk_entry *e, const struct stored_file *old)
{
    return old->etag[0] && e->etag && strcmp(old->etag, e->etag) == 0 &&
           old->blob_length == (int64_t)e->size;
}

/* One blob of the walk: skipped unread, or read into events. Returns 0, or
 * -1 when the run is to stop. */
static int read_entry(struct run *r, const struct walk_entry *entry)
{
    const struct ingest_options *o = r->o;
    const char *path = entry->path;
    uint64_t size = entry->size;
    int is_stdin = strcmp(path, "-") == 0;
    struct blob_job *j = calloc(1, sizeof *j);
    if (!j) {
        note(r, "nsgflow: %s: out of memory\n", path);
        return skip_blob(r, SKIP_PATH_PROBLEM, size);
    }
    j->entry = entry;
    j->path = path;
    j->name = is_stdin ? o->stdin_name : path;
    j->shown = is_stdin ? (o->stdin_name ? o->stdin_name : "(stdin)") : path;
    j->size = size;
    path_meta_parse(j->name ? j->name : "", &j->meta);
    if (j->name && blob_identity(j->name, j->identity, sizeof j->identity) != 0) {
        note(r, "nsgflow: %s: path too long\n", j->shown);
        free(j);
        return skip_blob(r, SKIP_PATH_PROBLEM, 0);
    }
    if (o->window) {
        int64_t hour;
        if (!j->meta.hour[0] || time_arg_parse(j->meta.hour, 0, &hour) != 0) {
            /* its time is only known from its content: read whole, and said */
            note(r, "%s: its name gives no hour (y=/m=/d=/h=), so --since/--until do not"
                    " leave it out: read whole\n", j->shown);
            r->no_hour++;
        } else if (!window_takes_hour(hour, o->since, o->until)) {
            if (o->verbose)
                note(r, "%s: hour %s is outside --since/--until, not read\n", j->shown,
                     j->meta.hour);
            free(j);
            return skip_blob(r, SKIP_OUTSIDE_WINDOW, size);
        }
    }
    if (o->shard_count > 1) {
        if (!j->meta.mac[0]) {
            j->shard_by_record = 1;
        } else if (ingest_shard_of_mac(j->meta.mac, o->shard_count) != o->shard_index) {
            /* another shard's NIC: not even opened */
            if (o->verbose)
                note(r, "%s: NIC %s is in shard %u of %u, not this one\n", j->shown,
                     j->meta.mac, ingest_shard_of_mac(j->meta.mac, o->shard_count),
                     o->shard_count);
            free(j);
            return skip_blob(r, SKIP_OTHER_SHARD, size);
        }
    }
    blob_filter_text(o, j->shard_by_record, j->filter, sizeof j->filter);
    /* Unchanged since last time? Then it is not read again. (A blob whose
     * path gives no identity is known by its content: it is read.) */
    if (j->identity[0] && !is_stdin) {
        struct stored_file old;
        char fptext[64];
        if (look_up(r, j->identity, &old) > 0 && strcmp(old.filter, j->filter) == 0 &&
            (entry->remote ? same_version(entry, &old)
                           : fingerprint_file(path, fptext, sizeof fptext) == 0 &&
                                 strcmp(fptext, old.fingerprint) == 0)) {
            enum skip_kind kind = SKIP_UNCHANGED_OK;
            if (strcmp(old.status, "ok") != 0) {
                note(r, "%s: unchanged, and still %s as an earlier ingest found it\n",
                     j->shown, old.status);
                kind = strcmp(old.status, "partial") == 0 ? SKIP_UNCHANGED_PARTIAL
                                                           : SKIP_UNCHANGED_REJECTED;
            } else if (o->verbose) {
                note(r, "%s: unchanged\n", j->shown);
            }
            free(j);
            return skip_blob(r, kind, size);
        }
    }
    if (need_event(r) != 0) {
        free(j);
        return -1;
    }
    batch_event(r->filling, EV_BEGIN)->job = j;
    int rc = read_blob(r, j);
    /* its end always follows its beginning: the writer frees the job there,
     * also after a failure */
    if (batch_events_full(r->filling))
        hand_over(r);
    batch_event(r->filling, EV_END)->job = j;
    /* and goes to the writer at once: its commit and its messages do not
     * wait for the next blob */
    int handed = hand_over(r);
    return rc != 0 ? -1 : handed;
}

/* The reader's whole run: every blob of the walk, in order. */
struct reader_args {
    struct run *run;
    const struct walk_result *walk;
};

static void read_all(struct run *r, const struct walk_result *w)
{
    for (size_t i = 0; i < w->count && !stop_signal; i++)
        if (read_entry(r, &w->entries[i]) != 0)
            break;
    hand_over(r);
}

static void *reader_thread(void *arg)
{
    struct reader_args *a = arg;
    read_all(a->run, a->walk);
    queue_close(&a->run->full);
    return NULL;
}

/* The writer's loop with two threads: batches until the reader is done;
 * each goes back to the reader once written. */
static int run_threaded(struct run *r, const struct walk_result *w)
{
    struct batch *all[BATCHES] = {0};
    int ok = queue_init(&r->full, BATCHES) == 0;
    if (ok && queue_init(&r->empty, BATCHES) != 0) {
        queue_destroy(&r->full);
        ok = 0;
    }
    if (!ok)
        return -1;
    for (int i = 0; i < BATCHES && ok; i++)
        ok = (all[i] = batch_new()) != NULL;
    for (int i = 1; i < BATCHES && ok; i++)
        queue_push(&r->empty, all[i]);
    r->filling = all[0];
    r->lookup = ok ? store_lookup_open(r->o->db_path, r->o->wait_ms) : NULL;
    struct reader_args args = {r, w};
    pthread_t reader;
    /* the reader takes the stop signals (its blocking read must return);
     * the writer blocks them while the reader runs */
    sigset_t stops, before;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    if (ok && pthread_create(&reader, NULL, reader_thread, &args) != 0)
        ok = 0;
    if (ok) {
        pthread_sigmask(SIG_BLOCK, &stops, &before);
        struct batch *b;
        while ((b = queue_pop(&r->full))) {
            write_batch(r, b);
            queue_push(&r->empty, b);
        }
        pthread_join(reader, NULL);
        pthread_sigmask(SIG_SETMASK, &before, NULL);
    }
    store_lookup_close(r->lookup);
    r->lookup = NULL;
    for (int i = 0; i < BATCHES; i++)
        batch_free(all[i]);
    r->filling = NULL;
    queue_destroy(&r->full);
    queue_destroy(&r->empty);
    return ok ? 0 : -1;
}

static int run_single(struct run *r, const struct walk_result *w)
{
    r->filling = batch_new();
    if (!r->filling)
        return -1;
    read_all(r, w);
    batch_free(r->filling);
    r->filling = NULL;
    return 0;
}

/* ------------------------------------------------------------------ */
/* the run                                                            */

/* Blobs are ingested hour by hour (by the hour in their path), so that the
 * time index grows at its end instead of in its middle: faster, and the
 * pages stay full. Blobs without an hour keep their order, first. */
struct ordered {
    char hour[PATHMETA_FIELD_MAX];
    size_t index;
};

static const struct walk_entry *sort_entries;

static int by_hour(const void *a, const void *b)
{
    const struct ordered *x = a, *y = b;
    int c = strcmp(x->hour, y->hour);
    if (c)
        return c;
    if (x->hour[0]) {
        c = strcmp(sort_entries[x->index].path, sort_entries[y->index].path);
        if (c)
            return c;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

static int order_by_hour(struct walk_result *w)
{
    struct ordered *o = malloc(w->count * sizeof *o + 1);
    struct walk_entry *sorted = malloc(w->count * sizeof *sorted + 1);
    if (!o || !sorted) {
        free(o);
        free(sorted);
        return -1;
    }
    struct path_meta m;
    for (size_t i = 0; i < w->count; i++) {
        path_meta_parse(w->entries[i].path, &m);
        memcpy(o[i].hour, m.hour, sizeof o[i].hour);
        o[i].index = i;
    }
    sort_entries = w->entries;
    qsort(o, w->count, sizeof *o, by_hour);
    for (size_t i = 0; i < w->count; i++)
        sorted[i] = w->entries[o[i].index];
    free(w->entries);
    w->entries = sorted;
    free(o);
    return 0;
}

/* ------------------------------------------------------------------ */
/* storage containers: listed into the walk (container.c)             */

/* Lists the blobs of the container URL url into w. A URL that is not one,
 * credentials that cannot be had and a listing that fails are problems of
 * that PATH (said, counted); the rest goes on. Returns 0, or -1 when out
 * of memory. */
static int list_container(struct run *r, const char *url, struct walk_result *w)
{
    const struct ingest_options *o = r->o;
    char endpoint[AZ_URL_MAX], err[AZ_URL_MAX + 800];
    if (o->blob_endpoint)
        snprintf(endpoint, sizeof endpoint, "%s", o->blob_endpoint);
    else
        az_env_endpoint(endpoint, sizeof endpoint);
    if (az_global_init(err, sizeof err) != 0) { /* the libraries, loaded now */
        msg(stderr, "nsgflow: %s\n", err);
        w->problems++;
        return 0;
    }
    struct az_container *c = calloc(1, sizeof *c), **cs;
    if (!c)
        return -1;
    if (az_parse_url(url, endpoint, c, err, sizeof err) != 0 ||
        az_resolve_auth(c, o->auth_login, err, sizeof err) != 0) {
        msg(stderr, "nsgflow: %s\n", err);
        w->problems++;
        container_free(c);
        return 0;
    }
    if (!r->az && !(r->az = az_client_new())) {
        container_free(c);
        return -1;
    }
    az_client_set_cancel(r->az, &stop_signal);
    cs = realloc(r->containers, (r->ncontainers + 1) * sizeof *cs);
    if (!cs) {
        container_free(c);
        return -1;
    }
    r->containers = cs;
    cs[r->ncontainers++] = c;
    size_t before = w->count;
    long requests = 0;
    int rc = container_list(r->az, c, o, w, &requests, err, sizeof err);
    if (rc < -1)
        return -1; /* out of memory */
    if (rc != 0) {
        msg(stderr, "nsgflow: %s\n", err);
        w->problems++;
    }
    r->t->containers++;
    r->t->remote_listed += (long)(w->count - before);
    r->t->remote_requests += requests;
    return 0;
}

int ingest_window_empty(const struct ingest_options *o, const struct ingest_totals *t,
                        char *out, size_t outlen)
{
    if (!o->window || t->blobs != t->files_outside_window)
        return 0;
    char since[24] = "the beginning", until[24] = "now", shard[40] = "", outside[64] = "";
    if (o->since != INT64_MIN)
        time_format(o->since, since);
    if (o->until != INT64_MAX)
        time_format(o->until, until);
    if (o->shard_count > 1)
        snprintf(shard, sizeof shard, " of shard %u/%u", o->shard_index, o->shard_count);
    if (t->files_outside_window)
        snprintf(outside, sizeof outside, " (%ld outside it not read)", t->files_outside_window);
    snprintf(out, outlen, "no blob%s whose name's hour lies in --since %s --until %s%s", shard,
             since, until, outside);
    return 1;
}

int ingest_run(const struct ingest_options *o, char **paths, int npaths,
               struct ingest_totals *t)
{
    memset(t, 0, sizeof *t);
    t->min_ts = INT64_MAX;
    t->max_ts = INT64_MIN;
    struct run r = {.o = o, .t = t};
    atomic_init(&r.abort, 0);
    r.start = now_seconds();
    struct walk_result w = {0};
    int status = EXIT_OK;
    /* from the first moment: a signal while the inputs are listed or the
     * database is opened (or created) stops the run just as well */
    struct sigaction stop = {0}, old_int, old_term;
    stop.sa_handler = on_stop_signal;
    stop.sa_flags = SA_RESETHAND; /* no SA_RESTART: a blocked read returns */
    sigemptyset(&stop.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &stop, &old_int);
    sigaction(SIGTERM, &stop, &old_term);
    for (int i = 0; i < npaths && status == EXIT_OK; i++)
        if ((az_is_url(paths[i]) ? list_container(&r, paths[i], &w) : walk_path(paths[i], &w)) != 0)
            status = EXIT_FATAL;
    if (status == EXIT_OK && order_by_hour(&w) != 0)
        status = EXIT_FATAL;
    if (status != EXIT_OK) {
        msg(stderr, "nsgflow: out of memory while listing inputs\n");
        goto done;
    }
    t->other_files_skipped = w.skipped_files;
    t->path_problems = w.problems;
    r.files_total = w.count;
    for (size_t i = 0; i < w.count; i++)
        r.bytes_total += w.entries[i].size;

    char err[600];
    if (db_open(o->db_path, 0, o->wait_ms, &r.db, err, sizeof err) != 0) {
        msg(stderr, "nsgflow: %s\n", err);
        status = EXIT_FATAL;
        goto done;
    }
    /* a bigger page cache than the default keeps index updates in memory */
    sqlite3_exec(r.db, "PRAGMA cache_size = -8192", NULL, NULL, NULL);
    r.st = store_new(r.db, err, sizeof err);
    r.buf = malloc(READ_CHUNK);
    if (!r.st || !r.buf) {
        msg(stderr, "nsgflow: %s: %s\n", o->db_path, r.st ? "out of memory" : err);
        status = EXIT_FATAL;
        goto done;
    }
    show_progress(&r, 0, 1);
    /* two threads unless asked for one */
    r.threaded = o->threads != 1;
    if ((r.threaded ? run_threaded(&r, &w) : run_single(&r, &w)) != 0) {
        msg(stderr, "nsgflow: out of memory\n");
        status = EXIT_FATAL;
    }
    free_group_ids(&r.blob);
    if (r.fatal)
        status = EXIT_FATAL;
    if (status == EXIT_OK && batch_commit(&r, 1) != 0) {
        report_db_failure(&r, "the last blobs");
        status = EXIT_FATAL;
    }
    clear_progress(&r);
    int sig = stop_signal;
    if (sig && status == EXIT_OK) {
        t->blobs = (long)r.files_done;
        msg(stderr, "nsgflow ingest: stopped by %s: %zu of %zu %s done and committed (%" PRId64
                    " %s); the blob being read was not stored; run the same command again to"
                    " finish (blobs already stored are skipped)\n",
            cli_signal_name(sig), r.files_done, w.count, plural((long long)w.count, "blob", "blobs"),
            t->tuples, plural(t->tuples, "tuple", "tuples"));
        status = EXIT_STOPPED + sig;
    }
done:
    if (!o->keep_stop_handler) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    store_free(r.st);
    free(r.buf);
    if (r.db)
        sqlite3_close(r.db);
    walk_free(&w);
    for (size_t i = 0; i < r.ncontainers; i++)
        container_free(r.containers[i]);
    free(r.containers);
    if (r.az) {
        az_client_free(r.az);
        az_global_cleanup();
    }
    t->remote_downloaded = r.downloads;
    t->files_no_hour = r.no_hour;
    t->remote_bytes = r.downloaded_bytes;
    t->seconds = now_seconds() - r.start;
    if (status == EXIT_OK && (t->files_partial || t->files_rejected ||
                              t->files_kept_older || t->path_problems || t->files_failed))
        status = EXIT_PROBLEMS;
    return status;
}

void ingest_print_summary(const struct ingest_totals *t)
{
    long blobs = t->blobs, worse = t->files_kept_older + t->files_earlier;
    fprintf(stderr,
            "ingest: %ld %s: %ld new, %ld replaced, %ld unchanged, %ld partial, "
            "%ld rejected",
            blobs, plural(blobs, "blob", "blobs"), t->files_new, t->files_replaced,
            t->files_unchanged, t->files_partial, t->files_rejected);
    if (worse)
        msg(stderr, ", %ld worse %s not stored", worse, plural(worse, "copy", "copies"));
    if (t->other_files_skipped)
        msg(stderr, "; %ld other %s skipped", t->other_files_skipped,
            plural(t->other_files_skipped, "file", "files"));
    if (t->path_problems)
        msg(stderr, "; %ld %s unreadable", t->path_problems,
            plural(t->path_problems, "path", "paths"));
    if (t->files_other_shard)
        msg(stderr, "; %ld %s of other shards' NICs not read", t->files_other_shard,
            plural(t->files_other_shard, "blob", "blobs"));
    if (t->files_outside_window)
        msg(stderr, "; %ld %s outside --since/--until not read", t->files_outside_window,
            plural(t->files_outside_window, "blob", "blobs"));
    if (t->files_no_hour)
        msg(stderr, "; %ld %s without an hour in the name read whole", t->files_no_hour,
            plural(t->files_no_hour, "blob", "blobs"));
    if (t->files_failed)
        msg(stderr, "; %ld %s failed (not stored)", t->files_failed,
            plural(t->files_failed, "download", "downloads"));
    double rate = t->seconds > 0 ? (double)t->tuples / t->seconds : 0;
    fprintf(stderr,
            "\ningest: %" PRId64 " %s written, %" PRId64 " broken %s skipped, ",
            t->tuples, plural(t->tuples, "tuple", "tuples"), t->skipped_tuples,
            plural(t->skipped_tuples, "tuple", "tuples"));
    if (t->dropped_tuples)
        fprintf(stderr, "%" PRId64 " left out (--only, --shard), ", t->dropped_tuples);
    fprintf(stderr, "%.1f MB of JSON in %.2f s (%.0f tuples/s)\n",
            (double)t->json_bytes / 1e6, t->seconds, rate);
    if (t->containers)
        fprintf(stderr, "ingest: blob storage: %ld %s listed, %ld downloaded (%" PRId64
                        " bytes), %ld not downloaded; %ld listing %s\n",
                t->remote_listed, plural(t->remote_listed, "blob", "blobs"), t->remote_downloaded,
                t->remote_bytes, t->remote_listed - t->remote_downloaded, t->remote_requests,
                plural(t->remote_requests, "request", "requests"));
}

unsigned ingest_shard_of_mac(const char *mac, unsigned count)
{
    if (count <= 1)
        return 0;
    char norm[PATHMETA_FIELD_MAX];
    mac_normalize(mac, strlen(mac), norm, sizeof norm);
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a: fixed, documented */
    for (const char *p = norm; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    return (unsigned)(h % count);
}

int ingest_parse_shard(const char *s, unsigned *k, unsigned *n)
{
    char *end;
    errno = 0;
    unsigned long kk = strtoul(s, &end, 10);
    if (end == s || *end != '/' || s[0] == '-' || s[0] == '+' || errno)
        return -1;
    const char *t = end + 1;
    unsigned long nn = strtoul(t, &end, 10);
    if (end == t || *end || t[0] == '-' || t[0] == '+' || errno || nn == 0 ||
        nn > 4096 || kk >= nn)
        return -1;
    *k = (unsigned)kk;
    *n = (unsigned)nn;
    return 0;
}

/* "1000", "64k", "16M", "2G" (powers of 1024); -1 when not a size. */
static int64_t parse_size(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0)
        return -1;
    int shift = *end == 'k' || *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
    if (shift)
        end++;
    if (*end || v > (INT64_MAX >> shift))
        return -1;
    return (int64_t)v << shift;
}

int ingest_parse_only(const char *command, const char *arg, struct ip_addr (*ranges)[2],
                      size_t *n, size_t max)
{
    for (const char *p = arg;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (*n >= max) {
            msg(stderr, "nsgflow %s: --only: at most %zu ranges\n", command, max);
            return -1;
        }
        if (ip_prefix_parse(p, len, &ranges[*n][0], &ranges[*n][1]) != 0) {
            msg(stderr, "nsgflow %s: --only: '%.*s' is not an address range such as"
                        " 10.20.1.0/24\n", command, (int)len, p);
            return -1;
        }
        (*n)++;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static int parse_only(const char *arg, struct ip_addr (*ranges)[2], size_t *n)
{
    return ingest_parse_only("ingest", arg, ranges, n, ONLY_MAX);
}

/* The copies of URLs whose query was wiped in the command line (kept for
 * the whole process). */
static char **unwiped;
static size_t nunwiped;

int ingest_hide_url_secrets(char **paths, int n)
{
    for (int i = 0; i < n; i++) {
        char *q = az_is_url(paths[i]) ? strchr(paths[i], '?') : NULL;
        if (!q || !q[1])
            continue;
        char **more = realloc(unwiped, (nunwiped + 1) * sizeof *more);
        if (!more)
            return -1;
        unwiped = more;
        char *copy = strdup(paths[i]);
        if (!copy)
            return -1;
        unwiped[nunwiped++] = copy;
        memset(q + 1, 'x', strlen(q + 1));
        paths[i] = copy;
    }
    return 0;
}

int ingest_storage_option(struct ingest_options *o, const char *command, int c,
                          const char *arg)
{
    if (c == 'E') {
        if (!az_is_url(arg) || strchr(arg, '?')) {
            msg(stderr, "nsgflow %s: --blob-endpoint: an http:// or https:// URL without a"
                        " query, such as http://127.0.0.1:10000/devstoreaccount1\n", command);
            return -1;
        }
        o->blob_endpoint = arg;
        return 0;
    }
    if (strcmp(arg, "key") != 0 && strcmp(arg, "login") != 0) {
        msg(stderr, "nsgflow %s: --auth-mode: key or login, not '%s'\n", command, arg);
        return -1;
    }
    o->auth_login = strcmp(arg, "login") == 0;
    return 0;
}

int ingest_window_option(struct ingest_options *o, const char *command, int c,
                         const char *arg)
{
    if (!o->window) {
        o->since = INT64_MIN;
        o->until = INT64_MAX;
    }
    if (time_arg_option(command, c == 'B' ? "since" : "until", arg,
                        c == 'B' ? &o->since : &o->until) != 0)
        return -1;
    o->window = 1;
    return 0;
}

int ingest_window_check(const struct ingest_options *o, const char *command)
{
    if (!o->window || o->since <= o->until)
        return 0;
    char since[24], until[24];
    time_format(o->since, since);
    time_format(o->until, until);
    msg(stderr, "nsgflow %s: --since %s is after --until %s\n", command, since, until);
    return -1;
}

int ingest_main(int argc, char **argv)
{
    struct ingest_options o = {.wait_ms = 300000, .keep_stop_handler = 1};
    struct ip_addr only[ONLY_MAX][2];
    o.only = (const struct ip_addr(*)[2])only;
    const char *db = NULL;
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"strict", no_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"wait", required_argument, NULL, 'w'},
        {"name", required_argument, NULL, 'n'},
        {"max-tuples", required_argument, NULL, 'T'},
        {"max-stdin", required_argument, NULL, 'I'},
        {"only", required_argument, NULL, 'O'},
        {"shard", required_argument, NULL, 'S'},
        {"since", required_argument, NULL, 'B'},
        {"until", required_argument, NULL, 'U'},
        {"threads", required_argument, NULL, 'P'},
        {"blob-endpoint", required_argument, NULL, 'E'},
        {"auth-mode", required_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char shortopts[] = "qvh";
    optind = 1;
    int c;
    while ((c = cli_getopt(argc, argv, shortopts, longopts)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': o.strict = 1; break;
        case 'q': o.quiet = 1; break;
        case 'v': o.verbose = 1; break;
        case 'n': o.stdin_name = optarg; break;
        case 'T':
        case 'I': {
            int64_t v = parse_size(optarg);
            if (v <= 0) {
                msg(stderr, "nsgflow ingest: --%s: a positive number (suffix k, M, G allowed),"
                                " not '%s'\n", c == 'T' ? "max-tuples" : "max-stdin", optarg);
                return EXIT_USAGE;
            }
            *(c == 'T' ? &o.max_tuples : &o.max_stdin) = v;
            break;
        }
        case 'w':
            if (wait_arg_option("ingest", optarg, &o.wait_ms) != 0)
                return EXIT_USAGE;
            break;
        case 'O':
            if (parse_only(optarg, only, &o.nonly) != 0)
                return EXIT_USAGE;
            break;
        case 'P':
            if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0) {
                msg(stderr, "nsgflow ingest: --threads: 1 or 2, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            o.threads = optarg[0] - '0';
            break;
        case 'S':
            if (ingest_parse_shard(optarg, &o.shard_index, &o.shard_count) != 0) {
                msg(stderr, "nsgflow ingest: --shard: K/N with 0 <= K < N <= 4096, not '%s'\n",
                    optarg);
                return EXIT_USAGE;
            }
            break;
        case 'E':
        case 'A':
            if (ingest_storage_option(&o, "ingest", c, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'B':
        case 'U':
            if (ingest_window_option(&o, "ingest", c, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'h':
            fputs(ingest_usage, stdout);
            return EXIT_OK;
        default:
            return cli_bad_option("ingest", argv, shortopts, longopts);
        }
    }
    if (optind >= argc) {
        fputs("nsgflow ingest: no PATH given (a blob, a directory, or - for standard input)\n"
              "Try 'nsgflow help ingest'.\n", stderr);
        return EXIT_USAGE;
    }
    if (ingest_window_check(&o, "ingest") != 0)
        return EXIT_USAGE;
    int nstdin = 0;
    for (int i = optind; i < argc; i++)
        nstdin += strcmp(argv[i], "-") == 0;
    if (nstdin > 1) {
        fputs("nsgflow ingest: standard input (-) can be given only once\n", stderr);
        return EXIT_USAGE;
    }
    o.db_path = db_default_path(db);
    o.progress = !o.quiet && isatty(2);
    struct ingest_totals t;
    if (ingest_hide_url_secrets(argv + optind, argc - optind) != 0) {
        msg(stderr, "nsgflow ingest: out of memory\n");
        return EXIT_FATAL;
    }
    int status = ingest_run(&o, argv + optind, argc - optind, &t);
    /* (said even with --quiet: a nightly job whose day never arrived is
     * to hear of it) */
    char empty[200];
    if (status == EXIT_OK && ingest_window_empty(&o, &t, empty, sizeof empty))
        msg(stderr, "nsgflow ingest: %s\n", empty);
    /* (no summary of nothing when it could not even start) */
    if (!o.quiet && !(status == EXIT_FATAL && t.blobs == 0))
        ingest_print_summary(&t);
    return status;
}
