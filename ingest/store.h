/* store.h: writes ingested blobs into the database, one transaction per blob.
 *
 * The writer keeps its prepared statements and small in-memory caches of
 * dimension ids (addresses, rules, MACs, flow logs, groups) so that a tuple
 * costs one INSERT. The caches are bounded and are emptied whenever a
 * transaction rolls back, since the ids they hold may be gone. It also sums
 * each file's tuples, packets and bytes per group and hour, which become the
 * file's flow_hour rows when the file is finished.
 * Functions return 0 on success and -1 on an SQLite error, whose message
 * store_error() gives. */
#ifndef NSGFLOW_STORE_H
#define NSGFLOW_STORE_H

#include <stdint.h>

#include <sqlite3.h>

#include "pathmeta.h"
#include "tuple.h"

typedef struct store store;

/* The longest text of a file's filter (source_file.filter), with its NUL. */
#define STORE_FILTER_MAX 2048

/* What the database already holds of a blob. */
struct stored_file {
    int64_t id;
    char fingerprint[64];
    char status[16];     /* ok, partial, rejected */
    int64_t records;
    int64_t tuples;
    char filter[STORE_FILTER_MAX]; /* what --only/--shard left out ("" none) */
    char identity[BLOB_IDENTITY_MAX];
    char path[BLOB_IDENTITY_MAX]; /* as it was given (cut when longer) */
    char blob_key[BLOB_KEY_MAX];  /* "" when it has none */
    int64_t min_ts, max_ts;       /* 0 when it has no tuples */
    char etag[128];               /* read from a container: its ETag ("" none) */
    int64_t blob_length;          /* and its length then (-1 none) */
};

/* The outcome of reading one blob, written by store_finish_file. */
struct file_result {
    const char *identity;
    const char *status;       /* ok, partial, rejected */
    const char *error;        /* NULL when ok */
    int64_t error_offset;     /* -1 when none */
    int64_t records, tuples, skipped_tuples;
    int64_t json_bytes;
    int gzip;
    const char *fingerprint;
    int64_t dropped_tuples;   /* left out by --only or --shard */
    const char *filter;       /* which ones, as text; NULL: none */
    const char *blob_key;     /* NULL: none (see blob_key_of) */
    const char *etag;         /* read from a container: its ETag (NULL: none) */
    int64_t blob_length;      /* and its length */
};

/* The keys of a flow group: everything the tuples of one rule in one record
 * share. Strings may be "" when the log does not say. */
struct group_key {
    enum flow_format format;
    const char *resource_id;  /* NSG resourceId or VNet flowLogResourceID */
    const char *target_resource_id;
    const char *rule;
    const char *mac;          /* already normalised */
    const char *acl_id;
    int direction;            /* DIRECTION_* */
    int protocol;             /* IANA number */
};

/* The group key of tuple t of rule group g of record rec, read in format;
 * mac receives the normalised MAC (the group's, else the record's) that
 * the key points to. */
struct fl_record;
void group_key_of(struct group_key *k, const struct fl_record *rec, size_t g,
                  enum flow_format format, const struct flow_tuple *t,
                  char mac[PATHMETA_FIELD_MAX]);

/* Prepares the writer on an open database. NULL on failure, with the reason
 * in err. Free with store_free (which does not close db). */
store *store_new(sqlite3 *db, char *err, size_t errlen);
void store_free(store *s);

const char *store_error(const store *s);
/* The SQLite result code of the last failure (see db_is_busy). */
int store_errcode(const store *s);

/* The write transaction: BEGIN IMMEDIATE (waiting up to the busy timeout
 * for other writers), COMMIT, ROLLBACK. Several blobs share one
 * transaction; a blob whose rows must not stay is removed again with
 * store_discard_file (SQLite savepoints would copy every page a blob touches
 * into a sub-journal, which costs more than the rare removal). */
int store_begin(store *s);
int store_commit(store *s);
void store_rollback(store *s);
int store_in_transaction(const store *s);

/* Writes what is held back until the commit: the batch's new addresses,
 * whose rows go in at its end in the order of the address index (their ids
 * are in the tuples already). store_commit does it; whoever reads the
 * address table inside the open transaction must call it first. */
int store_settle(store *s);

/* The id of the last tuple written so far in the current file (0: none),
 * and the removal of the current file's tuples written after such a mark:
 * used to undo a record that was written in chunks and never ended. */
int64_t store_tuple_mark(const store *s);
int store_discard_after(store *s, int64_t mark);

/* Removes the file row started by store_add_file, with everything written
 * for it so far, inside the open transaction. */
int store_discard_file(store *s, int64_t id);

/* Looks up a blob identity. Returns 1 and fills *out when found, 0 when not,
 * -1 on error. */
int store_find_file(store *s, const char *identity, struct stored_file *out);

/* Looks up the stored blob with this blob key (see blob_key_of). Returns 1
 * and fills *out when found, 0 when not, -1 on error. */
int store_find_by_key(store *s, const char *key, struct stored_file *out);

/* Looks up a stored blob without a key whose content has this fingerprint
 * (fingerprint_text). Returns 1 and fills *out when found, 0 when not, -1
 * on error. */
int store_find_keyless_copy(store *s, const char *fingerprint, struct stored_file *out);

/* Records the ETag and length of the blob a stored file holds (read from
 * its container and found unchanged). */
int store_set_etag(store *s, int64_t id, const char *etag, int64_t length);

/* Gives the stored file id another identity, the path it was read from
 * and what that path's metadata says (path and m NULL, or fields "": kept
 * as they are), and its blob key when it had none (key NULL: none). */
int store_rename_file(store *s, int64_t id, const char *identity, const char *path,
                      const struct path_meta *m, const char *key);

/* The same lookup on a connection of its own, read-only, for the reader
 * thread of ingest: it sees what is committed. NULL when the database
 * cannot be opened so (then nothing is known before the writer looks). */
typedef struct file_lookup file_lookup;
file_lookup *store_lookup_open(const char *db_path, int wait_ms);
int store_lookup(file_lookup *l, const char *identity, struct stored_file *out);
void store_lookup_close(file_lookup *l);

/* Starts a file row (without identity, so it does not clash with an older
 * copy of the same blob); *id receives its id. Resets the per-file ranges
 * that store_tuple tracks. */
int store_add_file(store *s, const char *path, const struct path_meta *m,
                   int64_t *id);

/* Completes the file row started by store_add_file with its outcome, the
 * range of tuple ids written and their time range. */
int store_finish_file(store *s, int64_t id, const struct file_result *r);

/* The time range of the tuples written for the current file so far;
 * returns 0 when none were written. */
int store_file_time_range(const store *s, int64_t *min_ts, int64_t *max_ts);

/* Deletes a file row with its groups and tuples. */
int store_drop_file(store *s, int64_t id);

/* The id of the flow group with this key in file file_id, created if new. */
int store_group(store *s, int64_t file_id, const struct group_key *k,
                int64_t *id);

/* Inserts one tuple of group group_id (whose direction and protocol the
 * tuple must have). */
int store_tuple(store *s, int64_t group_id, const struct flow_tuple *t);

#endif
