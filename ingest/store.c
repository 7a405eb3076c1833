/* store.c: the database writer of the ingest stage (see store.h). */
#include "store.h"
#include "flowlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* bounded caches                                                     */

#define ADDR_SLOTS (1u << 16)  /* 2 MiB of address ids */
#define ADDR_NEW_MAX 8192u     /* new addresses held back, at most (0.6 MiB) */
#define NAME_SLOTS (1u << 12)  /* per dimension */
#define FILE_ADDR_SLOTS (1u << 16) /* distinct addresses of one file */
#define HOUR_SLOTS 1024u           /* (group, hour) sums of one file */
#define DENIED_SLOTS 4096u         /* (group, hour, port) denied counts of one file */

struct addr_slot {
    struct ip_addr a;
    int64_t id;                /* 0: empty */
};

/* An address met for the first time: its row is written later, with the
 * others of the transaction, in the order of the address index. */
struct new_addr {
    char text[IP_TEXT_MAX];
    struct ip_addr a;
    int64_t id;
};

struct name_slot {
    uint64_t hash;
    char *key;                 /* NULL: empty */
    int64_t id;
};

/* A file's sums of one group in one hour (flow_hour). */
struct hour_sum {
    int64_t group_id;          /* 0: empty */
    int64_t hour;
    int64_t tuples, denied, counters[4];
};

/* A file's denied tuples of one group in one hour to one port (denied_hour). */
struct denied_sum {
    int64_t group_id;          /* 0: empty */
    int64_t hour;
    int64_t tuples;
    int port;
};

struct name_cache {
    struct name_slot slots[NAME_SLOTS];
    unsigned used;
};

static uint64_t hash_text(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static void name_cache_clear(struct name_cache *c)
{
    for (unsigned i = 0; i < NAME_SLOTS; i++) {
        free(c->slots[i].key);
        c->slots[i].key = NULL;
    }
    c->used = 0;
}

static struct name_slot *name_cache_find(struct name_cache *c, const char *key,
                                         uint64_t h)
{
    for (unsigned i = (unsigned)h & (NAME_SLOTS - 1);; i = (i + 1) & (NAME_SLOTS - 1)) {
        struct name_slot *e = &c->slots[i];
        if (!e->key || (e->hash == h && strcmp(e->key, key) == 0))
            return e;
    }
}

static void name_cache_put(struct name_cache *c, const char *key, uint64_t h,
                           int64_t id)
{
    if (c->used >= NAME_SLOTS * 3 / 4)
        name_cache_clear(c);
    struct name_slot *e = name_cache_find(c, key, h);
    if (e->key)
        return;
    e->key = strdup(key);
    if (!e->key)
        return; /* a cache miss next time, no harm */
    e->hash = h;
    e->id = id;
    c->used++;
}

/* ------------------------------------------------------------------ */

enum stmt {
    S_FIND_FILE, S_ADD_FILE, S_FINISH_FILE, S_DROP_TUPLES, S_DROP_GROUPS,
    S_DROP_FILE, S_FILE_RANGE, S_FIND_ADDR, S_FIND_FLOW_LOG,
    S_ADD_FLOW_LOG, S_FIND_RULE, S_ADD_RULE, S_FIND_MAC, S_ADD_MAC,
    S_FIND_ENC, S_ADD_ENC, S_ADD_ADDR_ID, S_NEXT_ADDR_ID, S_ADD_GROUP, S_ADD_TUPLE, S_ADD_ADDRESS_FILE,
    S_ADD_PORT_FILE, S_DERIVE_ADDRESS_FILES, S_DERIVE_PORT_FILES,
    S_DROP_ADDRESS_FILES, S_DROP_PORT_FILES, S_DROP_TUPLES_AFTER, S_TIME_RANGE,
    S_DROP_CONNECTIONS, S_ADD_HOUR, S_DERIVE_HOURS, S_DROP_HOURS, S_ADD_DENIED,
    S_DERIVE_DENIED, S_DROP_DENIED, S_FIND_KEY,
    S_FIND_KEYLESS, S_RENAME_FILE, S_SET_ETAG, S_COUNT
};

/* What a lookup of a stored file reads (find_file_row). */
#define STORED_FILE_COLUMNS                                                   \
    "SELECT id, fingerprint, status, records, tuples, coalesce(filter, ''),"  \
    " identity, path, coalesce(blob_key, ''), coalesce(min_ts, 0),"          \
    " coalesce(max_ts, 0), coalesce(etag, ''), coalesce(blob_length, -1) FROM source_file"

static const char *const stmt_sql[S_COUNT] = {
    [S_FIND_FILE] = STORED_FILE_COLUMNS " WHERE identity = ?",
    /* (the file being written has no identity yet) */
    [S_FIND_KEY] = STORED_FILE_COLUMNS " WHERE blob_key = ? AND identity IS NOT NULL"
                   " ORDER BY id LIMIT 1",
    [S_FIND_KEYLESS] = STORED_FILE_COLUMNS " WHERE blob_key IS NULL AND fingerprint = ?"
                       " AND identity IS NOT NULL ORDER BY id LIMIT 1",
    /* (what the new path does not say, the row keeps) */
    [S_RENAME_FILE] = "UPDATE source_file SET identity = ?, path = coalesce(?, path),"
                      " subscription = coalesce(?, subscription),"
                      " resource_group = coalesce(?, resource_group), nsg = coalesce(?, nsg),"
                      " flow_log = coalesce(?, flow_log), mac = coalesce(?, mac),"
                      " hour = coalesce(?, hour), blob_key = coalesce(blob_key, ?) WHERE id = ?",
    [S_SET_ETAG] = "UPDATE source_file SET etag = ?, blob_length = ? WHERE id = ?",
    [S_ADD_FILE] = "INSERT INTO source_file(path, status, ingested_at, subscription,"
                   " resource_group, nsg, flow_log, mac, hour)"
                   " VALUES(?, 'rejected', ?, ?, ?, ?, ?, ?, ?)",
    [S_FINISH_FILE] = "UPDATE source_file SET identity = ?, status = ?, error = ?,"
                      " error_offset = ?, records = ?, tuples = ?, skipped_tuples = ?,"
                      " json_bytes = ?, gzip = ?, fingerprint = ?, first_tuple = ?,"
                      " last_tuple = ?, min_ts = ?, max_ts = ?, dropped_tuples = ?,"
                      " filter = ?, blob_key = ?, etag = ?, blob_length = ? WHERE id = ?",
    [S_DROP_TUPLES] = "DELETE FROM flow_tuple WHERE id BETWEEN ? AND ?",
    [S_DROP_TUPLES_AFTER] = "DELETE FROM flow_tuple WHERE id > ? AND id <= ?",
    /* an analysis's connections that began in a blob go with it */
    [S_DROP_CONNECTIONS] = "DELETE FROM connection WHERE first_tuple BETWEEN ? AND ?",
    [S_TIME_RANGE] = "SELECT min(ts), max(ts) FROM flow_tuple WHERE id BETWEEN ? AND ?",
    [S_DROP_GROUPS] = "DELETE FROM flow_group WHERE file_id = ?",
    [S_DROP_FILE] = "DELETE FROM source_file WHERE id = ?",
    [S_FILE_RANGE] = "SELECT first_tuple, last_tuple, min_ts FROM source_file WHERE id = ?",
    [S_FIND_ADDR] = "SELECT id FROM address WHERE ip = ?",
    [S_ADD_ADDR_ID] = "INSERT INTO address(ip, family, ipv4, ipv6, id) VALUES(?, ?, ?, ?, ?)",
    [S_NEXT_ADDR_ID] = "SELECT coalesce(max(id), 0) + 1 FROM address",
    [S_FIND_FLOW_LOG] = "SELECT id FROM flow_log WHERE resource_id = ?",
    [S_ADD_FLOW_LOG] = "INSERT INTO flow_log(resource_id, name, kind) VALUES(?, ?, ?)",
    [S_FIND_RULE] = "SELECT id FROM rule WHERE name = ?",
    [S_ADD_RULE] = "INSERT INTO rule(name) VALUES(?)",
    [S_FIND_MAC] = "SELECT id FROM mac WHERE address = ?",
    [S_ADD_MAC] = "INSERT INTO mac(address) VALUES(?)",
    [S_FIND_ENC] = "SELECT id FROM encryption WHERE name = ?",
    [S_ADD_ENC] = "INSERT INTO encryption(name) VALUES(?)",
    [S_ADD_GROUP] = "INSERT INTO flow_group(file_id, format, flow_log_id, rule_id,"
                    " mac_id, acl_id, target_resource_id, direction, protocol)"
                    " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [S_ADD_TUPLE] = "INSERT INTO flow_tuple(group_id, ts, ms, src, dst, src_port,"
                    " dst_port, action, state, encryption,"
                    " packets_src_to_dst, bytes_src_to_dst, packets_dst_to_src,"
                    " bytes_dst_to_src) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    /* the postings: ?1 the file, ?2 .. ?3 its tuples, ?4 its day (the UTC
     * day of its first tuple, which keys the postings: schema 19) */
    [S_ADD_ADDRESS_FILE] = "INSERT OR IGNORE INTO address_file(day, address_id, file_id)"
                           " VALUES(?4, ?2, ?1)",
    [S_ADD_PORT_FILE] = "INSERT OR IGNORE INTO port_file(day, port, file_id) VALUES(?4, ?2, ?1)",
    [S_DERIVE_ADDRESS_FILES] =
        "INSERT OR IGNORE INTO address_file(day, address_id, file_id)"
        " SELECT ?4, src, ?1 FROM flow_tuple WHERE id BETWEEN ?2 AND ?3"
        " UNION SELECT ?4, dst, ?1 FROM flow_tuple WHERE id BETWEEN ?2 AND ?3",
    [S_DERIVE_PORT_FILES] =
        "INSERT OR IGNORE INTO port_file(day, port, file_id)"
        " SELECT DISTINCT ?4, dst_port, ?1 FROM flow_tuple WHERE id BETWEEN ?2 AND ?3",
    [S_DROP_ADDRESS_FILES] =
        "DELETE FROM address_file WHERE day = ?4 AND file_id = ?1 AND address_id IN"
        " (SELECT src FROM flow_tuple WHERE id BETWEEN ?2 AND ?3"
        "  UNION SELECT dst FROM flow_tuple WHERE id BETWEEN ?2 AND ?3)",
    /* one group's sums in one hour: groups of one file that share MAC and
     * direction share a row */
    [S_ADD_HOUR] =
        "INSERT INTO flow_hour(file_id, mac_id, direction, hour, tuples, denied,"
        " packets_src_to_dst, bytes_src_to_dst, packets_dst_to_src, bytes_dst_to_src)"
        " SELECT ?1, coalesce(mac_id, 0), direction, ?3, ?4, ?5, ?6, ?7, ?8, ?9"
        " FROM flow_group WHERE id = ?2"
        " ON CONFLICT(file_id, mac_id, direction, hour) DO UPDATE SET"
        " tuples = tuples + excluded.tuples, denied = denied + excluded.denied,"
        " packets_src_to_dst = packets_src_to_dst + excluded.packets_src_to_dst,"
        " bytes_src_to_dst = bytes_src_to_dst + excluded.bytes_src_to_dst,"
        " packets_dst_to_src = packets_dst_to_src + excluded.packets_dst_to_src,"
        " bytes_dst_to_src = bytes_dst_to_src + excluded.bytes_dst_to_src",
    /* the same from the rows, when the sums in memory cannot be trusted */
    [S_DERIVE_HOURS] =
        "INSERT INTO flow_hour(file_id, mac_id, direction, hour, tuples, denied,"
        " packets_src_to_dst, bytes_src_to_dst, packets_dst_to_src, bytes_dst_to_src)"
        " SELECT ?1, coalesce(g.mac_id, 0), g.direction, t.ts - t.ts % 3600, count(*),"
        " sum(t.action = 1), coalesce(sum(t.packets_src_to_dst), 0),"
        " coalesce(sum(t.bytes_src_to_dst), 0), coalesce(sum(t.packets_dst_to_src), 0),"
        " coalesce(sum(t.bytes_dst_to_src), 0)"
        " FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id"
        " WHERE t.id BETWEEN ?2 AND ?3 GROUP BY 2, 3, 4",
    [S_DROP_HOURS] = "DELETE FROM flow_hour WHERE file_id = ?",
    [S_ADD_DENIED] = "INSERT INTO denied_hour(file_id, group_id, hour, dst_port, tuples)"
                     " VALUES(?, ?, ?, ?, ?)",
    /* the same from the rows, when the counts in memory cannot be trusted */
    [S_DERIVE_DENIED] =
        "INSERT INTO denied_hour(file_id, group_id, hour, dst_port, tuples)"
        " SELECT ?1, group_id, ts - ts % 3600, dst_port, count(*) FROM flow_tuple"
        " WHERE id BETWEEN ?2 AND ?3 AND action = 1 GROUP BY 2, 3, 4",
    [S_DROP_DENIED] = "DELETE FROM denied_hour WHERE file_id = ?",
    [S_DROP_PORT_FILES] =
        "DELETE FROM port_file WHERE day = ?4 AND file_id = ?1 AND port IN"
        " (SELECT dst_port FROM flow_tuple WHERE id BETWEEN ?2 AND ?3)",
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    struct addr_slot *addrs;
    unsigned addrs_used;
    /* the transaction's new addresses, not yet written (every one is in
     * addrs too, so lookups find it), and the id the next one gets; 0:
     * not known yet in this transaction */
    struct new_addr *new_addrs;
    unsigned new_addrs_used;
    int64_t next_addr_id;
    struct name_cache flow_logs, rules, macs, encryptions, groups;
    /* the file being written */
    int64_t first_tuple, last_tuple, min_ts, max_ts;
    /* its addresses and destination ports, for address_file and port_file;
     * when the address set overflows or rows are discarded, they are
     * derived from the rows instead */
    int64_t *file_addrs;
    unsigned file_addrs_used;
    int postings_from_rows;
    uint8_t file_ports[65536 / 8];
    /* its sums per group and hour (flow_hour); derived from the rows when
     * they overflow or rows are discarded */
    struct hour_sum *hours;
    unsigned hours_used;
    int hours_from_rows;
    /* its denied tuples per group, hour and port (denied_hour); the same */
    struct denied_sum *denied;
    unsigned denied_used;
    int denied_from_rows;
    int errcode;
    char error[512];
};

static int sql_fail(store *s)
{
    s->errcode = sqlite3_extended_errcode(s->db);
    snprintf(s->error, sizeof s->error, "%s", sqlite3_errmsg(s->db));
    return -1;
}

const char *store_error(const store *s)
{
    return s->error;
}

int store_errcode(const store *s)
{
    return s->errcode;
}

static void caches_clear(store *s)
{
    memset(s->addrs, 0, ADDR_SLOTS * sizeof *s->addrs);
    s->addrs_used = 0;
    s->new_addrs_used = 0; /* (only ever after a rollback, or at the end) */
    s->next_addr_id = 0;
    name_cache_clear(&s->flow_logs);
    name_cache_clear(&s->rules);
    name_cache_clear(&s->macs);
    name_cache_clear(&s->encryptions);
    name_cache_clear(&s->groups);
}

void group_key_of(struct group_key *k, const struct fl_record *rec, size_t g,
                  enum flow_format format, const struct flow_tuple *t,
                  char mac[PATHMETA_FIELD_MAX])
{
    const struct fl_group *grp = &rec->groups[g];
    const char *raw = grp->mac[0] ? grp->mac : rec->mac;
    mac_normalize(raw, strlen(raw), mac, PATHMETA_FIELD_MAX);
    *k = (struct group_key){
        .format = format,
        .resource_id = rec->resource_id,
        .target_resource_id = rec->target_resource_id,
        .rule = grp->rule,
        .mac = mac,
        .acl_id = grp->acl_id,
        .direction = t->direction,
        .protocol = t->protocol,
    };
}

store *store_new(sqlite3 *db, char *err, size_t errlen)
{
    store *s = calloc(1, sizeof *s);
    if (!s || !(s->addrs = calloc(ADDR_SLOTS, sizeof *s->addrs)) ||
        !(s->file_addrs = calloc(FILE_ADDR_SLOTS, sizeof *s->file_addrs)) ||
        !(s->hours = calloc(HOUR_SLOTS, sizeof *s->hours)) ||
        !(s->denied = calloc(DENIED_SLOTS, sizeof *s->denied)) ||
        !(s->new_addrs = calloc(ADDR_NEW_MAX, sizeof *s->new_addrs))) {
        if (s) {
            free(s->addrs);
            free(s->file_addrs);
            free(s->hours);
            free(s->denied);
        }
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->db = db;
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &s->st[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(db));
            store_free(s);
            return NULL;
        }
    return s;
}

void store_free(store *s)
{
    if (!s)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    caches_clear(s);
    free(s->addrs);
    free(s->file_addrs);
    free(s->hours);
    free(s->denied);
    free(s->new_addrs);
    free(s);
}

static int exec(store *s, const char *sql)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(s);
    return 0;
}

int store_begin(store *s)
{
    s->next_addr_id = 0; /* another process may have added addresses */
    return exec(s, "BEGIN IMMEDIATE");
}

static int write_new_addresses(store *s);

int store_commit(store *s)
{
    if (write_new_addresses(s) == 0 && exec(s, "COMMIT") == 0)
        return 0;
    store_rollback(s);
    return -1;
}

void store_rollback(store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    caches_clear(s);
}

int store_in_transaction(const store *s)
{
    return !sqlite3_get_autocommit(s->db);
}

/* Steps a statement that returns no rows, then resets it. */
static int run(store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return sql_fail(s);
    return 0;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Column i of the row st is on as text into out ("" for NULL). */
static void column_text(sqlite3_stmt *st, int i, char *out, size_t size)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    snprintf(out, size, "%s", v ? v : "");
}

/* Steps a lookup of STORED_FILE_COLUMNS by its one parameter: 1 and *out
 * filled, 0 none, -1 an error. */
static int find_file_row(sqlite3_stmt *st, const char *param, struct stored_file *out)
{
    sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        column_text(st, 1, out->fingerprint, sizeof out->fingerprint);
        column_text(st, 2, out->status, sizeof out->status);
        out->records = sqlite3_column_int64(st, 3);
        out->tuples = sqlite3_column_int64(st, 4);
        column_text(st, 5, out->filter, sizeof out->filter);
        column_text(st, 6, out->identity, sizeof out->identity);
        column_text(st, 7, out->path, sizeof out->path);
        column_text(st, 8, out->blob_key, sizeof out->blob_key);
        out->min_ts = sqlite3_column_int64(st, 9);
        out->max_ts = sqlite3_column_int64(st, 10);
        column_text(st, 11, out->etag, sizeof out->etag);
        out->blob_length = sqlite3_column_int64(st, 12);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_find_file(store *s, const char *identity, struct stored_file *out)
{
    int rc = find_file_row(s->st[S_FIND_FILE], identity, out);
    return rc < 0 ? sql_fail(s) : rc;
}

int store_find_by_key(store *s, const char *key, struct stored_file *out)
{
    int rc = find_file_row(s->st[S_FIND_KEY], key, out);
    return rc < 0 ? sql_fail(s) : rc;
}

int store_find_keyless_copy(store *s, const char *fingerprint, struct stored_file *out)
{
    int rc = find_file_row(s->st[S_FIND_KEYLESS], fingerprint, out);
    return rc < 0 ? sql_fail(s) : rc;
}

int store_set_etag(store *s, int64_t id, const char *etag, int64_t length)
{
    sqlite3_stmt *st = s->st[S_SET_ETAG];
    sqlite3_bind_text(st, 1, etag, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, length);
    sqlite3_bind_int64(st, 3, id);
    return run(s, st);
}

int store_rename_file(store *s, int64_t id, const char *identity, const char *path,
                      const struct path_meta *m, const char *key)
{
    static const struct path_meta none;
    if (!m)
        m = &none;
    sqlite3_stmt *st = s->st[S_RENAME_FILE];
    sqlite3_bind_text(st, 1, identity, -1, SQLITE_STATIC);
    const char *texts[] = {path, m->subscription, m->resource_group, m->nsg, m->flow_log,
                           m->mac, m->hour, key};
    for (int i = 0; i < 8; i++)
        bind_text_or_null(st, 2 + i, texts[i]);
    sqlite3_bind_int64(st, 10, id);
    return run(s, st);
}

struct file_lookup {
    sqlite3 *db;
    sqlite3_stmt *find;
};

file_lookup *store_lookup_open(const char *db_path, int wait_ms)
{
    file_lookup *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    if (sqlite3_open_v2(db_path, &l->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(l->db, wait_ms) != SQLITE_OK ||
        sqlite3_prepare_v2(l->db, stmt_sql[S_FIND_FILE], -1, &l->find, NULL) != SQLITE_OK) {
        store_lookup_close(l);
        return NULL;
    }
    return l;
}

int store_lookup(file_lookup *l, const char *identity, struct stored_file *out)
{
    return find_file_row(l->find, identity, out);
}

void store_lookup_close(file_lookup *l)
{
    if (!l)
        return;
    sqlite3_finalize(l->find);
    sqlite3_close(l->db);
    free(l);
}

int store_add_file(store *s, const char *path, const struct path_meta *m,
                   int64_t *id)
{
    sqlite3_stmt *st = s->st[S_ADD_FILE];
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
    bind_text_or_null(st, 3, m->subscription);
    bind_text_or_null(st, 4, m->resource_group);
    bind_text_or_null(st, 5, m->nsg);
    bind_text_or_null(st, 6, m->flow_log);
    bind_text_or_null(st, 7, m->mac);
    bind_text_or_null(st, 8, m->hour);
    if (run(s, st) != 0)
        return -1;
    *id = sqlite3_last_insert_rowid(s->db);
    s->first_tuple = s->last_tuple = 0;
    s->min_ts = INT64_MAX;
    s->max_ts = INT64_MIN;
    memset(s->file_addrs, 0, FILE_ADDR_SLOTS * sizeof *s->file_addrs);
    s->file_addrs_used = 0;
    s->postings_from_rows = 0;
    memset(s->file_ports, 0, sizeof s->file_ports);
    memset(s->hours, 0, HOUR_SLOTS * sizeof *s->hours);
    s->hours_used = 0;
    s->hours_from_rows = 0;
    memset(s->denied, 0, DENIED_SLOTS * sizeof *s->denied);
    s->denied_used = 0;
    s->denied_from_rows = 0;
    return 0;
}

/* Binds ?1 file, ?2 first, ?3 last tuple and runs. */
static int run_range(store *s, enum stmt which, int64_t file, int64_t first,
                     int64_t last)
{
    sqlite3_stmt *st = s->st[which];
    sqlite3_bind_int64(st, 1, file);
    sqlite3_bind_int64(st, 2, first);
    sqlite3_bind_int64(st, 3, last);
    return run(s, st);
}

/* The day that keys a file's postings: the UTC day of its first tuple, as
 * SQLite's min_ts / 86400 (both truncate toward zero). */
static int64_t posting_day(int64_t min_ts)
{
    return min_ts / 86400;
}

/* A postings statement: ?1 file, ?2 .. ?3 its tuples, ?4 its day. */
static int run_postings(store *s, enum stmt which, int64_t file, int64_t first,
                        int64_t last, int64_t day)
{
    sqlite3_bind_int64(s->st[which], 4, day);
    return run_range(s, which, file, first, last);
}

static int write_postings(store *s, int64_t file_id)
{
    if (!s->first_tuple)
        return 0;
    int64_t day = posting_day(s->min_ts);
    if (s->postings_from_rows)
        return run_postings(s, S_DERIVE_ADDRESS_FILES, file_id, s->first_tuple,
                            s->last_tuple, day) ||
               run_postings(s, S_DERIVE_PORT_FILES, file_id, s->first_tuple,
                            s->last_tuple, day);
    /* (?3 is not in these two; binding it is harmless) */
    for (unsigned i = 0; i < FILE_ADDR_SLOTS; i++)
        if (s->file_addrs[i] &&
            run_postings(s, S_ADD_ADDRESS_FILE, file_id, s->file_addrs[i], 0, day) != 0)
            return -1;
    for (unsigned port = 0; port < 65536; port++)
        if ((s->file_ports[port >> 3] & (1u << (port & 7))) &&
            run_postings(s, S_ADD_PORT_FILE, file_id, port, 0, day) != 0)
            return -1;
    return 0;
}

static int write_hours(store *s, int64_t file_id)
{
    if (!s->first_tuple)
        return 0;
    if (s->hours_from_rows)
        return run_range(s, S_DERIVE_HOURS, file_id, s->first_tuple, s->last_tuple);
    sqlite3_stmt *st = s->st[S_ADD_HOUR];
    for (unsigned i = 0; i < HOUR_SLOTS; i++) {
        const struct hour_sum *h = &s->hours[i];
        if (!h->group_id)
            continue;
        sqlite3_bind_int64(st, 1, file_id);
        sqlite3_bind_int64(st, 2, h->group_id);
        sqlite3_bind_int64(st, 3, h->hour);
        sqlite3_bind_int64(st, 4, h->tuples);
        sqlite3_bind_int64(st, 5, h->denied);
        for (int k = 0; k < 4; k++)
            sqlite3_bind_int64(st, 6 + k, h->counters[k]);
        if (run(s, st) != 0)
            return -1;
    }
    return 0;
}

static int write_denied(store *s, int64_t file_id)
{
    if (!s->first_tuple)
        return 0;
    if (s->denied_from_rows)
        return run_range(s, S_DERIVE_DENIED, file_id, s->first_tuple, s->last_tuple);
    sqlite3_stmt *st = s->st[S_ADD_DENIED];
    for (unsigned i = 0; i < DENIED_SLOTS; i++) {
        const struct denied_sum *d = &s->denied[i];
        if (!d->group_id)
            continue;
        sqlite3_bind_int64(st, 1, file_id);
        sqlite3_bind_int64(st, 2, d->group_id);
        sqlite3_bind_int64(st, 3, d->hour);
        sqlite3_bind_int(st, 4, d->port);
        sqlite3_bind_int64(st, 5, d->tuples);
        if (run(s, st) != 0)
            return -1;
    }
    return 0;
}

/* Counts denied tuple t of group_id under its hour and port. */
static void note_denied(store *s, int64_t group_id, const struct flow_tuple *t)
{
    if (s->denied_from_rows || t->action != 1)
        return;
    int64_t hour = t->ts - t->ts % 3600; /* as the SQL's ts - ts % 3600 */
    uint64_t h = ((uint64_t)group_id * 0x9E3779B97F4A7C15ull) ^ (uint64_t)hour ^
                 ((uint64_t)t->dst_port << 40);
    h *= 0xff51afd7ed558ccdull;
    for (unsigned i = (unsigned)(h >> 52) & (DENIED_SLOTS - 1);; i = (i + 1) & (DENIED_SLOTS - 1)) {
        struct denied_sum *e = &s->denied[i];
        if (!e->group_id) {
            if (s->denied_used >= DENIED_SLOTS / 2) {
                s->denied_from_rows = 1; /* too many: derive at the end */
                return;
            }
            e->group_id = group_id;
            e->hour = hour;
            e->port = t->dst_port;
            s->denied_used++;
        } else if (e->group_id != group_id || e->hour != hour || e->port != t->dst_port) {
            continue;
        }
        e->tuples++;
        return;
    }
}

/* Adds tuple t of group_id to its hour's sums. */
static void note_hour(store *s, int64_t group_id, const struct flow_tuple *t)
{
    if (s->hours_from_rows)
        return;
    int64_t hour = t->ts - t->ts % 3600; /* as the SQL's ts - ts % 3600 */
    uint64_t h = ((uint64_t)group_id * 0x9E3779B97F4A7C15ull) ^ (uint64_t)hour;
    h *= 0xff51afd7ed558ccdull;
    for (unsigned i = (unsigned)(h >> 54) & (HOUR_SLOTS - 1);; i = (i + 1) & (HOUR_SLOTS - 1)) {
        struct hour_sum *e = &s->hours[i];
        if (!e->group_id) {
            if (s->hours_used >= HOUR_SLOTS / 2) {
                s->hours_from_rows = 1; /* too many: derive at the end */
                return;
            }
            e->group_id = group_id;
            e->hour = hour;
            s->hours_used++;
        } else if (e->group_id != group_id || e->hour != hour) {
            continue;
        }
        e->tuples++;
        e->denied += t->action == 1;
        if (t->has_counters)
            for (int k = 0; k < 4; k++)
                e->counters[k] += t->counters[k];
        return;
    }
}

static void note_address(store *s, int64_t id)
{
    if (s->postings_from_rows)
        return;
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    for (unsigned i = (unsigned)(h >> 48);; i = (i + 1) & (FILE_ADDR_SLOTS - 1)) {
        if (s->file_addrs[i] == id)
            return;
        if (!s->file_addrs[i]) {
            if (s->file_addrs_used >= FILE_ADDR_SLOTS / 2) {
                s->postings_from_rows = 1; /* too many: derive at the end */
                return;
            }
            s->file_addrs[i] = id;
            s->file_addrs_used++;
            return;
        }
    }
}

int store_finish_file(store *s, int64_t id, const struct file_result *r)
{
    if (write_postings(s, id) != 0 || write_hours(s, id) != 0 || write_denied(s, id) != 0)
        return -1;
    sqlite3_stmt *st = s->st[S_FINISH_FILE];
    sqlite3_bind_text(st, 1, r->identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->status, -1, SQLITE_STATIC);
    bind_text_or_null(st, 3, r->error);
    if (r->error_offset >= 0)
        sqlite3_bind_int64(st, 4, r->error_offset);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, r->records);
    sqlite3_bind_int64(st, 6, r->tuples);
    sqlite3_bind_int64(st, 7, r->skipped_tuples);
    sqlite3_bind_int64(st, 8, r->json_bytes);
    sqlite3_bind_int(st, 9, r->gzip);
    bind_text_or_null(st, 10, r->fingerprint);
    for (int i = 11; i <= 14; i++)
        sqlite3_bind_null(st, i);
    if (s->first_tuple) {
        sqlite3_bind_int64(st, 11, s->first_tuple);
        sqlite3_bind_int64(st, 12, s->last_tuple);
    }
    if (s->min_ts <= s->max_ts) {
        sqlite3_bind_int64(st, 13, s->min_ts);
        sqlite3_bind_int64(st, 14, s->max_ts);
    }
    sqlite3_bind_int64(st, 15, r->dropped_tuples);
    bind_text_or_null(st, 16, r->filter);
    bind_text_or_null(st, 17, r->blob_key);
    bind_text_or_null(st, 18, r->etag && r->etag[0] ? r->etag : NULL);
    if (r->etag && r->etag[0])
        sqlite3_bind_int64(st, 19, r->blob_length);
    else
        sqlite3_bind_null(st, 19);
    sqlite3_bind_int64(st, 20, id);
    return run(s, st);
}

int store_drop_file(store *s, int64_t id)
{
    sqlite3_stmt *st = s->st[S_FILE_RANGE];
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    int64_t first = 0, last = -1, day = 0;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        first = sqlite3_column_int64(st, 0);
        last = sqlite3_column_int64(st, 1);
        day = posting_day(sqlite3_column_int64(st, 2));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_fail(s);
    if (run_postings(s, S_DROP_ADDRESS_FILES, id, first, last, day) != 0 ||
        run_postings(s, S_DROP_PORT_FILES, id, first, last, day) != 0)
        return -1;
    st = s->st[S_DROP_TUPLES];
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int64(st, 2, last);
    if (run(s, st) != 0)
        return -1;
    st = s->st[S_DROP_CONNECTIONS];
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int64(st, 2, last);
    if (run(s, st) != 0)
        return -1;
    st = s->st[S_DROP_HOURS];
    sqlite3_bind_int64(st, 1, id);
    if (run(s, st) != 0)
        return -1;
    st = s->st[S_DROP_DENIED];
    sqlite3_bind_int64(st, 1, id);
    if (run(s, st) != 0)
        return -1;
    st = s->st[S_DROP_GROUPS];
    sqlite3_bind_int64(st, 1, id);
    if (run(s, st) != 0)
        return -1;
    st = s->st[S_DROP_FILE];
    sqlite3_bind_int64(st, 1, id);
    if (run(s, st) != 0)
        return -1;
    name_cache_clear(&s->groups);
    return 0;
}

int store_file_time_range(const store *s, int64_t *min_ts, int64_t *max_ts)
{
    if (!s->first_tuple || s->min_ts > s->max_ts)
        return 0;
    *min_ts = s->min_ts;
    *max_ts = s->max_ts;
    return 1;
}

int64_t store_tuple_mark(const store *s)
{
    return s->last_tuple;
}

int store_discard_after(store *s, int64_t mark)
{
    if (s->last_tuple <= mark || !s->first_tuple)
        return 0;
    /* only this file's tuples: a mark of 0 (none yet) must not reach the
     * tuples of the files before it */
    if (mark < s->first_tuple - 1)
        mark = s->first_tuple - 1;
    sqlite3_stmt *st = s->st[S_DROP_TUPLES_AFTER];
    sqlite3_bind_int64(st, 1, mark);
    sqlite3_bind_int64(st, 2, s->last_tuple);
    if (run(s, st) != 0)
        return -1;
    if (mark < s->first_tuple)
        s->first_tuple = s->last_tuple = 0;
    else
        s->last_tuple = mark;
    /* (mark is at least first_tuple - 1 here) */
    s->postings_from_rows = 1; /* the sets may hold what is gone */
    s->hours_from_rows = 1;    /* and the sums */
    s->denied_from_rows = 1;
    /* the time range of what stays */
    s->min_ts = INT64_MAX;
    s->max_ts = INT64_MIN;
    if (s->first_tuple) {
        sqlite3_stmt *q = s->st[S_TIME_RANGE];
        sqlite3_bind_int64(q, 1, s->first_tuple);
        sqlite3_bind_int64(q, 2, s->last_tuple);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
            s->min_ts = sqlite3_column_int64(q, 0);
            s->max_ts = sqlite3_column_int64(q, 1);
        }
        sqlite3_reset(q);
        if (rc != SQLITE_ROW)
            return sql_fail(s);
    }
    return 0;
}

int store_discard_file(store *s, int64_t id)
{
    /* the file's id comes free for the next file: its groups must not be
     * found in the cache under it */
    name_cache_clear(&s->groups);
    if (s->first_tuple) {
        sqlite3_stmt *st = s->st[S_DROP_TUPLES];
        sqlite3_bind_int64(st, 1, s->first_tuple);
        sqlite3_bind_int64(st, 2, s->last_tuple);
        if (run(s, st) != 0)
            return -1;
    }
    s->first_tuple = s->last_tuple = 0;
    sqlite3_stmt *st = s->st[S_DROP_GROUPS];
    sqlite3_bind_int64(st, 1, id);
    if (run(s, st) != 0)
        return -1;
    st = s->st[S_DROP_FILE];
    sqlite3_bind_int64(st, 1, id);
    return run(s, st);
}

/* ------------------------------------------------------------------ */
/* dimensions                                                         */

/* The id of the row whose key column is name: found with statement find,
 * or added with statement add, which binds name first and then, when given,
 * its other columns through bind_more(st, ctx). */
static int find_or_add(store *s, enum stmt find, enum stmt add,
                       const char *name,
                       void (*bind_more)(sqlite3_stmt *, const void *),
                       const void *ctx, int64_t *id)
{
    sqlite3_stmt *st = s->st[find];
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return sql_fail(s);
    st = s->st[add];
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (bind_more)
        bind_more(st, ctx);
    if (run(s, st) != 0)
        return -1;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/* The id of a name in a dimension table: from the cache, the table, or a
 * new row. */
static int dimension_id(store *s, struct name_cache *c, enum stmt find,
                        enum stmt add, const char *name,
                        void (*bind_more)(sqlite3_stmt *, const void *),
                        int64_t *id)
{
    uint64_t h = hash_text(name);
    struct name_slot *e = name_cache_find(c, name, h);
    if (e->key) {
        *id = e->id;
        return 0;
    }
    if (find_or_add(s, find, add, name, bind_more, name, id) != 0)
        return -1;
    name_cache_put(c, name, h, *id);
    return 0;
}

/* flow_log(name, kind) from the resource id. */
static void bind_flow_log(sqlite3_stmt *st, const void *ctx)
{
    const char *resource_id = ctx;
    const char *slash = strrchr(resource_id, '/');
    const char *name = slash && slash[1] ? slash + 1 : resource_id;
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int nsg = strstr(resource_id, "NETWORKSECURITYGROUPS") ||
              strstr(resource_id, "networkSecurityGroups") ||
              strstr(resource_id, "networksecuritygroups");
    sqlite3_bind_text(st, 3, nsg ? "nsg" : "vnet-flow-log", -1, SQLITE_STATIC);
}

static int optional_dimension(store *s, struct name_cache *c, enum stmt find,
                              enum stmt add, const char *name,
                              void (*bind_more)(sqlite3_stmt *, const void *),
                              sqlite3_stmt *target, int column)
{
    if (!name || !*name) {
        sqlite3_bind_null(target, column);
        return 0;
    }
    int64_t id;
    if (dimension_id(s, c, find, add, name, bind_more, &id) != 0)
        return -1;
    sqlite3_bind_int64(target, column, id);
    return 0;
}

int store_group(store *s, int64_t file_id, const struct group_key *k,
                int64_t *id)
{
    char key[2048];
    int n = snprintf(key, sizeof key, "%lld\x1f%d\x1f%d\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
                     (long long)file_id, (int)k->format, k->direction,
                     k->protocol, k->resource_id, k->target_resource_id,
                     k->rule, k->mac, k->acl_id);
    uint64_t h = hash_text(key);
    int cacheable = n > 0 && (size_t)n < sizeof key;
    if (cacheable) {
        struct name_slot *e = name_cache_find(&s->groups, key, h);
        if (e->key) {
            *id = e->id;
            return 0;
        }
    }
    sqlite3_stmt *st = s->st[S_ADD_GROUP];
    sqlite3_bind_int64(st, 1, file_id);
    sqlite3_bind_int(st, 2, (int)k->format);
    if (optional_dimension(s, &s->flow_logs, S_FIND_FLOW_LOG, S_ADD_FLOW_LOG,
                           k->resource_id, bind_flow_log, st, 3) ||
        optional_dimension(s, &s->rules, S_FIND_RULE, S_ADD_RULE, k->rule,
                           NULL, st, 4) ||
        optional_dimension(s, &s->macs, S_FIND_MAC, S_ADD_MAC, k->mac, NULL,
                           st, 5)) {
        sqlite3_reset(st);
        return -1;
    }
    bind_text_or_null(st, 6, k->acl_id);
    bind_text_or_null(st, 7, k->target_resource_id);
    sqlite3_bind_int(st, 8, k->direction);
    sqlite3_bind_int(st, 9, k->protocol);
    if (run(s, st) != 0)
        return -1;
    *id = sqlite3_last_insert_rowid(s->db);
    if (cacheable)
        name_cache_put(&s->groups, key, h, *id);
    return 0;
}

/* address(family, ipv4, ipv6) after its text. */
static void bind_address(sqlite3_stmt *st, const void *ctx)
{
    const struct ip_addr *a = ctx;
    sqlite3_bind_int(st, 2, a->family);
    if (a->family == IP_V4) {
        sqlite3_bind_int64(st, 3, ip_v4_value(a));
        sqlite3_bind_null(st, 4);
    } else {
        sqlite3_bind_null(st, 3);
        sqlite3_bind_blob(st, 4, a->b, 16, SQLITE_STATIC);
    }
}

static int by_text(const void *x, const void *y)
{
    return strcmp(((const struct new_addr *)x)->text, ((const struct new_addr *)y)->text);
}

/* Writes the transaction's new addresses, in the order of the address
 * index (UNIQUE(ip)): each of its pages is then loaded and written once,
 * not once for every address that lands on it, which is what a month's
 * index of millions of addresses, far larger than the page cache, cost
 * when they went in as met. */
static int write_new_addresses(store *s)
{
    qsort(s->new_addrs, s->new_addrs_used, sizeof *s->new_addrs, by_text);
    sqlite3_stmt *st = s->st[S_ADD_ADDR_ID];
    for (unsigned i = 0; i < s->new_addrs_used; i++) {
        const struct new_addr *n = &s->new_addrs[i];
        sqlite3_bind_text(st, 1, n->text, -1, SQLITE_STATIC);
        bind_address(st, &n->a);
        sqlite3_bind_int64(st, 5, n->id);
        if (run(s, st) != 0)
            return -1;
    }
    s->new_addrs_used = 0;
    return 0;
}

int store_settle(store *s)
{
    return write_new_addresses(s);
}

/* The id of a new address: the next after the table's last, counted in
 * memory while the transaction lasts (it holds the write lock). */
static int new_address(store *s, const struct ip_addr *a, const char *text,
                       int64_t *id)
{
    if (!s->next_addr_id) {
        sqlite3_stmt *st = s->st[S_NEXT_ADDR_ID];
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            s->next_addr_id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
            return sql_fail(s);
    }
    struct new_addr *n = &s->new_addrs[s->new_addrs_used++];
    snprintf(n->text, sizeof n->text, "%s", text);
    n->a = *a;
    n->id = *id = s->next_addr_id++;
    return 0;
}

static int address_id(store *s, const struct ip_addr *a, int64_t *id)
{
    uint64_t h = ip_hash(a);
    unsigned i = (unsigned)h & (ADDR_SLOTS - 1);
    for (;; i = (i + 1) & (ADDR_SLOTS - 1)) {
        struct addr_slot *e = &s->addrs[i];
        if (e->id == 0)
            break;
        if (memcmp(&e->a, a, sizeof *a) == 0) {
            *id = e->id;
            return 0;
        }
    }
    char text[IP_TEXT_MAX];
    ip_format(a, text);
    sqlite3_stmt *st = s->st[S_FIND_ADDR];
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_fail(s);
    if (s->addrs_used >= ADDR_SLOTS / 2) {
        /* the new addresses are found through this cache until written */
        if (write_new_addresses(s) != 0)
            return -1;
        memset(s->addrs, 0, ADDR_SLOTS * sizeof *s->addrs);
        s->addrs_used = 0;
        i = (unsigned)h & (ADDR_SLOTS - 1);
        while (s->addrs[i].id != 0)
            i = (i + 1) & (ADDR_SLOTS - 1);
    }
    if (rc == SQLITE_DONE &&
        ((s->new_addrs_used == ADDR_NEW_MAX && write_new_addresses(s) != 0) ||
         new_address(s, a, text, id) != 0))
        return -1;
    s->addrs[i].a = *a;
    s->addrs[i].id = *id;
    s->addrs_used++;
    return 0;
}

int store_tuple(store *s, int64_t group_id, const struct flow_tuple *t)
{
    int64_t src, dst;
    if (address_id(s, &t->src, &src) != 0 || address_id(s, &t->dst, &dst) != 0)
        return -1;
    sqlite3_stmt *st = s->st[S_ADD_TUPLE];
    sqlite3_bind_int64(st, 1, group_id);
    sqlite3_bind_int64(st, 2, t->ts);
    if (t->ms >= 0)
        sqlite3_bind_int(st, 3, t->ms);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, src);
    sqlite3_bind_int64(st, 5, dst);
    sqlite3_bind_int(st, 6, t->src_port);
    sqlite3_bind_int(st, 7, t->dst_port);
    sqlite3_bind_int(st, 8, t->action);
    switch (t->state) {
    case 'B': sqlite3_bind_int(st, 9, 0); break;
    case 'C': sqlite3_bind_int(st, 9, 1); break;
    case 'E': sqlite3_bind_int(st, 9, 2); break;
    case 'D': sqlite3_bind_int(st, 9, 3); break;
    default: sqlite3_bind_null(st, 9); break;
    }
    if (t->encryption_len) {
        char name[TUPLE_ENCRYPTION_MAX + 1];
        memcpy(name, t->encryption, t->encryption_len);
        name[t->encryption_len] = '\0';
        int64_t enc;
        if (dimension_id(s, &s->encryptions, S_FIND_ENC, S_ADD_ENC, name,
                         NULL, &enc) != 0)
            return -1;
        sqlite3_bind_int64(st, 10, enc);
    } else {
        sqlite3_bind_null(st, 10);
    }
    for (int i = 0; i < 4; i++) {
        if (t->has_counters)
            sqlite3_bind_int64(st, 11 + i, t->counters[i]);
        else
            sqlite3_bind_null(st, 11 + i);
    }
    if (run(s, st) != 0)
        return -1;
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if (!s->first_tuple)
        s->first_tuple = id;
    s->last_tuple = id;
    if (t->ts < s->min_ts)
        s->min_ts = t->ts;
    if (t->ts > s->max_ts)
        s->max_ts = t->ts;
    note_address(s, src);
    note_address(s, dst);
    note_hour(s, group_id, t);
    note_denied(s, group_id, t);
    s->file_ports[t->dst_port >> 3] |= (uint8_t)(1u << (t->dst_port & 7));
    return 0;
}
