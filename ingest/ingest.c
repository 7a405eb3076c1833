/* ingest.c: the ingest command (see ingest.h). It ties the stages of the
 * ingest path together: walk -> source (bytes) -> flowlog (records) -> tuple
 * (fields) -> store (rows), and decides each blob's fate: new, replaced,
 * unchanged, partial or rejected. */
#include "../common/escape.h"
#include "../common/timearg.h"
#include "ingest.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../schema/db.h"
#include "flowlog.h"
#include "pathmeta.h"
#include "source.h"
#include "store.h"
#include "tuple.h"
#include "walk.h"

#define READ_CHUNK (256u << 10)
#define REPORTED_TUPLE_ERRORS 5   /* per blob, then only counted */
#define IDENTITY_MAX 4096
#define ONLY_MAX 16         /* --only ranges: their text fits STORE_FILTER_MAX */

const char ingest_usage[] =
    "usage: nsgflow ingest [--db FILE] [--strict] [--quiet] [--verbose]\n"
    "                      [--wait SECONDS] [--name PATH] [--max-tuples N]\n"
    "                      [--max-stdin N] [--only CIDR]... [--shard K/N] PATH...\n"
    "\n"
    "Reads NSG flow logs (Version 1 and 2) and VNet flow logs, plain or gzip,\n"
    "into the database. PATH is a blob, a directory (walked recursively for\n"
    "*.json, *.json.gz and gzip files), or - for standard input.\n"
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
    "                  (see the README: Shards)\n"
    "\n"
    "A blob is identified by its path from the insights-logs-* folder on (or\n"
    "its absolute path) and its content: an unchanged blob is skipped, a grown\n"
    "one replaces its earlier rows. Each blob is written in one transaction.\n"
    "\n"
    "Exit status: 0 all ingested; 1 fatal error; 2 usage; 3 some blobs were\n"
    "partial or rejected, or some paths could not be read.\n";

/* The state of one run. */
struct run {
    const struct ingest_options *o;
    sqlite3 *db;
    store *st;
    struct ingest_totals *t;
    unsigned char *buf;
    /* progress */
    uint64_t bytes_total, bytes_done_files;
    size_t files_total, files_done;
    double start, last_progress;
    int progress_shown;
    /* the open batch transaction */
    double batch_start;
    long batch_blobs;
    struct ingest_totals committed; /* the totals at the last commit */
};

/* The state of one blob. */
struct blob {
    struct run *run;
    const char *path;        /* as shown to the user */
    source *src;
    int64_t file_id;
    int64_t records, tuples, skipped;
    int64_t record_tuple_index; /* tuples seen in the current record */
    int in_chunks;          /* a record is being written in chunks */
    int64_t chunk_mark, chunk_tuples, chunk_skipped, chunk_dropped; /* state before it */
    int db_failed;
    flowlog *parser;
    /* group ids of the current record */
    struct group_ids *group_ids;
    size_t cap_group_ids;
    /* --only and --shard */
    int64_t dropped;        /* tuples left out */
    int shard_by_record;    /* the path names no NIC: each record's decides */
    char filter[STORE_FILTER_MAX]; /* what was left out, as stored ("" none) */
};

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
/* messages and progress                                              */

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

/* ------------------------------------------------------------------ */
/* records -> rows                                                    */

/* A record's group splits further by direction and protocol; these few
 * slots remember the ids already resolved for one group of the record. */
#define GROUP_SLOTS 4
struct group_ids {
    int64_t id[GROUP_SLOTS];
    uint8_t direction[GROUP_SLOTS];
    uint8_t protocol[GROUP_SLOTS];
    uint8_t other_shard;    /* 1: its NIC belongs to another shard */
    /* what the ids were resolved for: the records of a blob mostly repeat
     * the same groups in the same order, so they are reused while this key
     * stays the same */
    char *key;
    size_t key_cap;
};

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

static int group_id_for(struct blob *b, const struct fl_record *rec,
                        size_t g, enum flow_format format,
                        const struct flow_tuple *t, int64_t *id)
{
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
    if (store_group(b->run->st, b->file_id, &k, id) != 0)
        return -1;
    if (free_slot >= 0) {
        slots->id[free_slot] = *id;
        slots->direction[free_slot] = t->direction;
        slots->protocol[free_slot] = t->protocol;
    }
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

static int on_record(void *ctx, const struct fl_record *rec)
{
    struct blob *b = ctx;
    struct run *r = b->run;
    store *st = r->st;
    if (rec->chunk == 0)
        b->record_tuple_index = 0;
    if (!rec->is_flow_record) {
        b->record_tuple_index += (int64_t)rec->ntuples;
        return 0;
    }
    int64_t limit = r->o->max_tuples > 0 ? r->o->max_tuples : INGEST_MAX_TUPLES;
    if (b->tuples + b->skipped + (int64_t)rec->ntuples > limit) {
        char msg[160];
        snprintf(msg, sizeof msg, "more than %lld tuples in one blob (the limit; see"
                                  " --max-tuples): the rest was not read", (long long)limit);
        flowlog_set_error(b->parser, msg);
        return 1;
    }
    if (rec->chunk == 0 && !rec->final) {
        /* a huge record arrives in chunks: remember where it started, to
         * take its rows out again if it never ends */
        b->in_chunks = 1;
        b->chunk_mark = store_tuple_mark(st);
        b->chunk_tuples = b->tuples;
        b->chunk_skipped = b->skipped;
        b->chunk_dropped = b->dropped;
    }
    if (rec->ngroups > b->cap_group_ids) {
        size_t cap = rec->ngroups * 2;
        struct group_ids *ids = realloc(b->group_ids, cap * sizeof *ids);
        if (!ids) {
            flowlog_set_error(b->parser, "out of memory");
            return 1;
        }
        memset(ids + b->cap_group_ids, 0, (cap - b->cap_group_ids) * sizeof *ids);
        b->group_ids = ids;
        b->cap_group_ids = cap;
    }
    for (size_t g = 0; g < rec->ngroups; g++) {
        if (reuse_or_reset(&b->group_ids[g], rec, &rec->groups[g]) != 0) {
            flowlog_set_error(b->parser, "out of memory");
            return 1;
        }
        const char *mac = rec->groups[g].mac[0] ? rec->groups[g].mac : rec->mac;
        b->group_ids[g].other_shard =
            b->shard_by_record &&
            ingest_shard_of_mac(mac, r->o->shard_count) != r->o->shard_index;
    }

    for (size_t i = 0; i < rec->ntuples; i++) {
        const struct fl_tuple_text *tt = &rec->tuples[i];
        struct flow_tuple t;
        char why[TUPLE_WHY_MAX];
        b->record_tuple_index++;
        if (tuple_parse(tt->text, tt->len, rec->format, &t, why) != 0) {
            if (b->skipped < REPORTED_TUPLE_ERRORS)
                say(r, "%s: record %ld, tuple %" PRId64 ": %s\n", b->path,
                    rec->index, b->record_tuple_index, why);
            b->skipped++;
            continue;
        }
        if (b->group_ids[tt->group].other_shard || !in_only_ranges(r->o, &t)) {
            b->dropped++;
            continue;
        }
        enum flow_format format = rec->format != FORMAT_UNKNOWN
                                      ? rec->format
                                      : tuple_guess_format(tt->text, tt->len);
        int64_t gid;
        if (group_id_for(b, rec, tt->group, format, &t, &gid) != 0 ||
            store_tuple(st, gid, &t) != 0)
            goto dbfail;
        b->tuples++;
        if ((b->tuples & 4095) == 0)
            show_progress(r, source_raw_offset(b->src), 0);
    }
    if (rec->final) {
        b->records++;
        b->in_chunks = 0;
    }
    return 0;
dbfail:
    b->db_failed = 1;
    return 1;
}

/* ------------------------------------------------------------------ */
/* one blob                                                           */

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

/* The fate of a blob after it was read. */
enum fate { FATE_NEW, FATE_REPLACED, FATE_UNCHANGED, FATE_KEPT_OLDER };

static int status_rank(const char *status)
{
    return strcmp(status, "ok") == 0 ? 2 : strcmp(status, "partial") == 0 ? 1 : 0;
}

/* Reads one blob into the open transaction. Returns 0, -1 on a database
 * error (the caller rolls back), or 1 when a stop signal came (the caller
 * takes the blob out again). Fills status, error and offsets. */
struct outcome {
    const char *status;
    char error[400];
    int64_t error_offset;
    struct fingerprint fp;
    int gzip;
};

static int read_blob(struct blob *b, struct outcome *out)
{
    struct run *r = b->run;
    char err[256];
    out->status = "ok";
    out->error[0] = '\0';
    out->error_offset = -1;
    fingerprint_init(&out->fp);
    out->gzip = 0;

    b->src = source_open(b->path, err, sizeof err);
    if (!b->src) {
        out->status = "rejected";
        snprintf(out->error, sizeof out->error, "%s", err);
        return 0;
    }
    flowlog *p = flowlog_new(on_record, b);
    b->parser = p;
    if (!p) {
        source_close(b->src);
        b->src = NULL;
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
        if (stop_signal)
            break;
        long n = source_read(b->src, r->buf, READ_CHUNK);
        if (stop_signal)
            break;
        if (n < 0) {
            read_error = source_error(b->src);
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
        int over = strcmp(b->path, "-") == 0 &&
                   out->fp.length + (uint64_t)n > (uint64_t)max_stdin;
        if (over) { /* read up to the limit, then stop as a break */
            n = (long)((uint64_t)max_stdin - out->fp.length);
            snprintf(stdin_error, sizeof stdin_error,
                     "standard input is longer than %lld bytes of JSON (the limit; see"
                     " --max-stdin)", (long long)max_stdin);
        }
        fingerprint_add(&out->fp, r->buf, (size_t)n);
        if (flowlog_feed(p, r->buf, (size_t)n) != 0) {
            parse_failed = 1;
            break;
        }
        if (over) {
            read_error = stdin_error;
            break;
        }
    }
    out->gzip = source_is_gzip(b->src);
    if (stop_signal) { /* the blob is not stored: the caller takes it out */
        flowlog_free(p);
        source_close(b->src);
        b->src = NULL;
        return 1;
    }
    if (!read_error && !parse_failed && flowlog_finish(p) != 0)
        parse_failed = 1;
    if (b->db_failed) {
        flowlog_free(p);
        source_close(b->src);
        b->src = NULL;
        return -1;
    }
    if (b->in_chunks) {
        /* the input broke off inside a record written in chunks */
        if (store_discard_after(r->st, b->chunk_mark) != 0) {
            flowlog_free(p);
            source_close(b->src);
            b->src = NULL;
            return -1;
        }
        b->in_chunks = 0;
        b->tuples = b->chunk_tuples;
        b->skipped = b->chunk_skipped;
        b->dropped = b->chunk_dropped;
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
    source_close(b->src);
    b->src = NULL;
    return 0;
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
        say(r, "nsgflow: the %ld blobs written just before it were rolled back "
               "with it; run the same command again to finish the job\n",
            r->batch_blobs);
    double seconds = r->t->seconds;
    long problems = r->t->path_problems, blobs = r->t->blobs;
    *r->t = r->committed;
    r->t->seconds = seconds;
    r->t->path_problems = problems;
    r->t->blobs = blobs; /* looked at, even if not stored */
}

/* What --only and --shard leave out of a blob, as its file row keeps it:
 * "only 10.20.1.0/24,10.20.9.0/24; shard 1/4" ("" when nothing). A blob
 * read before under another filter is read again. */
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

/* Records a blob that is not stored as a rejected file row, replacing an
 * older rejected row of the same identity. */
static int record_rejection(struct run *r, const char *shown,
                            const struct path_meta *meta, const char *identity,
                            const struct stored_file *old, int have_old,
                            const struct outcome *out, const char *fptext,
                            const char *filter)
{
    int64_t id;
    if ((have_old && store_drop_file(r->st, old->id) != 0) ||
        store_add_file(r->st, shown, meta, &id) != 0)
        return -1;
    struct file_result fr = {
        .identity = identity, .status = "rejected", .error = out->error,
        .error_offset = out->error_offset, .json_bytes = (int64_t)out->fp.length,
        .gzip = out->gzip, .fingerprint = fptext, .filter = *filter ? filter : NULL,
    };
    return store_finish_file(r->st, id, &fr);
}

/* Ingests one blob. Returns 0, or -1 on a fatal database error (message
 * already printed, the batch rolled back). */
static int ingest_blob(struct run *r, const char *path, uint64_t size)
{
    const struct ingest_options *o = r->o;
    struct ingest_totals *t = r->t;
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? o->stdin_name : path;
    const char *shown = is_stdin ? (o->stdin_name ? o->stdin_name : "(stdin)") : path;
    char identity[IDENTITY_MAX], fptext[64];
    struct path_meta meta;
    struct stored_file old;
    struct blob b = {.run = r, .path = path};
    struct outcome out;
    int have_old = 0;

    path_meta_parse(name ? name : "", &meta);
    if (name && blob_identity(name, identity, sizeof identity) != 0) {
        say(r, "nsgflow: %s: path too long\n", shown);
        t->path_problems++;
        return 0;
    }
    if (o->shard_count > 1) {
        if (!meta.mac[0]) {
            b.shard_by_record = 1;
        } else if (ingest_shard_of_mac(meta.mac, o->shard_count) != o->shard_index) {
            t->files_other_shard++; /* another shard's NIC: not even opened */
            r->bytes_done_files += size;
            if (o->verbose)
                say(r, "%s: NIC %s is in shard %u of %u, not this one\n", shown, meta.mac,
                    ingest_shard_of_mac(meta.mac, o->shard_count), o->shard_count);
            return 0;
        }
    }
    blob_filter_text(o, b.shard_by_record, b.filter, sizeof b.filter);
    /* Unchanged since last time? Then it is not read again. */
    if (name && !is_stdin) {
        have_old = store_find_file(r->st, identity, &old);
        if (have_old < 0)
            goto dbfail;
        if (have_old && fingerprint_file(path, fptext, sizeof fptext) == 0 &&
            strcmp(fptext, old.fingerprint) == 0 && strcmp(old.filter, b.filter) == 0) {
            t->files_unchanged++;
            r->bytes_done_files += size;
            if (strcmp(old.status, "ok") != 0) {
                say(r, "%s: unchanged, and still %s as an earlier ingest found it\n",
                    shown, old.status);
                if (strcmp(old.status, "partial") == 0)
                    t->files_partial++;
                else
                    t->files_rejected++;
            } else if (o->verbose) {
                say(r, "%s: unchanged\n", shown);
            }
            return 0;
        }
    }

    int rc;
    if (batch_open(r) != 0 ||
        store_add_file(r->st, shown, &meta, &b.file_id) != 0 ||
        (rc = read_blob(&b, &out)) < 0)
        goto dbfail;
    if (rc > 0) { /* interrupted: nothing of this blob stays */
        free_group_ids(&b);
        if (store_discard_file(r->st, b.file_id) != 0)
            goto dbfail;
        return 0;
    }
    b.path = shown;
    fingerprint_text(&out.fp, fptext, sizeof fptext);
    if (!name)
        snprintf(identity, sizeof identity, "stdin:%s", fptext);
    /* again, inside the transaction: another process may have written it */
    have_old = store_find_file(r->st, identity, &old);
    if (have_old < 0)
        goto dbfail;

    int rejected = strcmp(out.status, "rejected") == 0;
    int partial = strcmp(out.status, "partial") == 0;
    enum fate fate = have_old ? FATE_REPLACED : FATE_NEW;
    if (have_old && strcmp(old.fingerprint, fptext) == 0 && strcmp(old.filter, b.filter) == 0)
        fate = FATE_UNCHANGED;
    else if (have_old && status_rank(out.status) < status_rank(old.status))
        fate = FATE_KEPT_OLDER;
    else if (have_old && partial && strcmp(old.status, "partial") == 0 &&
             b.tuples < old.tuples)
        fate = FATE_KEPT_OLDER; /* two broken copies: keep the fuller one */

    if (fate == FATE_UNCHANGED || fate == FATE_KEPT_OLDER || rejected) {
        /* nothing of this copy's rows stays */
        if (store_discard_file(r->st, b.file_id) != 0)
            goto dbfail;
        if (rejected && fate != FATE_UNCHANGED && fate != FATE_KEPT_OLDER) {
            if (record_rejection(r, shown, &meta, identity, &old, have_old,
                                 &out, fptext, b.filter) != 0)
                goto dbfail;
            r->batch_blobs++;
        }
    } else {
        struct file_result fr = {
            .identity = identity, .status = out.status,
            .error = out.error[0] ? out.error : NULL,
            .error_offset = out.error_offset, .records = b.records,
            .tuples = b.tuples, .skipped_tuples = b.skipped,
            .json_bytes = (int64_t)out.fp.length, .gzip = out.gzip,
            .fingerprint = fptext, .dropped_tuples = b.dropped,
            .filter = b.filter[0] ? b.filter : NULL,
        };
        if ((have_old && store_drop_file(r->st, old.id) != 0) ||
            store_finish_file(r->st, b.file_id, &fr) != 0)
            goto dbfail;
        r->batch_blobs++;
        t->tuples += b.tuples;
        t->skipped_tuples += b.skipped;
        t->dropped_tuples += b.dropped;
        int64_t lo, hi;
        if (store_file_time_range(r->st, &lo, &hi)) {
            if (lo < t->min_ts)
                t->min_ts = lo;
            if (hi > t->max_ts)
                t->max_ts = hi;
        }
    }
    free_group_ids(&b);
    t->json_bytes += (int64_t)out.fp.length;
    r->bytes_done_files += size;

    /* tell the user */
    if (b.skipped > REPORTED_TUPLE_ERRORS)
        say(r, "%s: %" PRId64 " more broken tuples skipped (%" PRId64 " in all)\n",
            shown, b.skipped - REPORTED_TUPLE_ERRORS, b.skipped);
    switch (fate) {
    case FATE_UNCHANGED:
        t->files_unchanged++;
        if (o->verbose)
            say(r, "%s: unchanged\n", shown);
        return batch_commit(r, 0) == 0 ? 0 : (report_db_failure(r, shown), -1);
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
        say(r, "%s: partial: %s; %s %" PRId64 " complete records (%" PRId64 " tuples)%s\n",
            shown, out.error, fate == FATE_KEPT_OLDER ? "it has" : "kept",
            b.records, b.tuples,
            fate == FATE_KEPT_OLDER ? "; the database keeps its fuller earlier copy" : "");
    } else if (rejected) {
        t->files_rejected++;
        say(r, "%s: rejected: %s%s\n", shown, out.error,
            fate == FATE_KEPT_OLDER ? " (the database keeps its earlier copy)" : "");
    } else if (o->verbose) {
        say(r, "%s: %s, %" PRId64 " records, %" PRId64 " tuples\n", shown,
            fate == FATE_REPLACED ? "replaced" : "new", b.records, b.tuples);
    }
    if (batch_commit(r, 0) != 0) {
        report_db_failure(r, shown);
        return -1;
    }
    return 0;

dbfail:
    free_group_ids(&b);
    report_db_failure(r, shown);
    return -1;
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

int ingest_run(const struct ingest_options *o, char **paths, int npaths,
               struct ingest_totals *t)
{
    memset(t, 0, sizeof *t);
    t->min_ts = INT64_MAX;
    t->max_ts = INT64_MIN;
    struct run r = {.o = o, .t = t};
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
        if (walk_path(paths[i], &w) != 0)
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
    size_t done_before_stop = 0;
    for (size_t i = 0; i < w.count && !stop_signal; i++) {
        show_progress(&r, 0, i == 0);
        t->blobs++;
        if (ingest_blob(&r, w.entries[i].path, w.entries[i].size) != 0) {
            status = EXIT_FATAL;
            break;
        }
        if (!stop_signal)
            r.files_done++;
        done_before_stop = r.files_done;
    }
    if (status == EXIT_OK && batch_commit(&r, 1) != 0) {
        report_db_failure(&r, "the last blobs");
        status = EXIT_FATAL;
    }
    clear_progress(&r);
    int sig = stop_signal;
    if (sig && status == EXIT_OK) {
        t->blobs = (long)done_before_stop;
        msg(stderr, "nsgflow ingest: stopped by %s: %zu of %zu blobs done and committed (%" PRId64
                    " tuples); the blob being read was not stored; run the same command again to"
                    " finish (blobs already stored are skipped)\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM", done_before_stop, w.count, t->tuples);
        status = EXIT_STOPPED + sig;
    }
done:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    store_free(r.st);
    free(r.buf);
    if (r.db)
        sqlite3_close(r.db);
    walk_free(&w);
    t->seconds = now_seconds() - r.start;
    if (status == EXIT_OK && (t->files_partial || t->files_rejected ||
                              t->files_kept_older || t->path_problems))
        status = EXIT_PROBLEMS;
    return status;
}

void ingest_print_summary(const struct ingest_totals *t)
{
    long blobs = t->blobs;
    fprintf(stderr,
            "ingest: %ld blobs: %ld new, %ld replaced, %ld unchanged, %ld partial, "
            "%ld rejected",
            blobs, t->files_new, t->files_replaced, t->files_unchanged,
            t->files_partial, t->files_rejected);
    if (t->files_kept_older)
        msg(stderr, ", %ld worse copies not stored", t->files_kept_older);
    if (t->other_files_skipped)
        msg(stderr, "; %ld other files skipped", t->other_files_skipped);
    if (t->path_problems)
        msg(stderr, "; %ld paths unreadable", t->path_problems);
    if (t->files_other_shard)
        msg(stderr, "; %ld blobs of other shards' NICs not read", t->files_other_shard);
    double rate = t->seconds > 0 ? (double)t->tuples / t->seconds : 0;
    fprintf(stderr,
            "\ningest: %" PRId64 " tuples written, %" PRId64 " broken tuples skipped, ",
            t->tuples, t->skipped_tuples);
    if (t->dropped_tuples)
        fprintf(stderr, "%" PRId64 " left out (--only, --shard), ", t->dropped_tuples);
    fprintf(stderr, "%.1f MB of JSON in %.2f s (%.0f tuples/s)\n",
            (double)t->json_bytes / 1e6, t->seconds, rate);
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

int ingest_main(int argc, char **argv)
{
    struct ingest_options o = {.wait_ms = 300000};
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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
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
        case 'S':
            if (ingest_parse_shard(optarg, &o.shard_index, &o.shard_count) != 0) {
                msg(stderr, "nsgflow ingest: --shard: K/N with 0 <= K < N <= 4096, not '%s'\n",
                    optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            fputs(ingest_usage, stdout);
            return EXIT_OK;
        default:
            fputs("Try 'nsgflow help ingest'.\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs("nsgflow ingest: no PATH given (a blob, a directory, or - for standard input)\n"
              "Try 'nsgflow help ingest'.\n", stderr);
        return EXIT_USAGE;
    }
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
    int status = ingest_run(&o, argv + optind, argc - optind, &t);
    /* (no summary of nothing when it could not even start) */
    if (!o.quiet && !(status == EXIT_FATAL && t.blobs == 0))
        ingest_print_summary(&t);
    return status;
}
