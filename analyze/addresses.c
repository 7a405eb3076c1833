/* addresses.c: per-address facts for the analyzers (see addresses.h). */
#include "addresses.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/hashmap.h"
#include "../ingest/ipaddr.h"

/* An address as the analysis knows it: its facts and its value (family 4
 * or 6, the bytes of ip_addr), for the order of example lists. */
struct entry {
    struct remote_info info;
    uint8_t family;
    uint8_t b[16];
};

/* Entries live in blocks that never move, so that a pointer addresses_info
 * gave stays valid while others are added; index maps an id to its slot. */
#define BLOCK_ENTRIES 4096

struct addresses {
    struct hashmap index;     /* address id -> size_t slot + 1; 0 slot: not in the table */
    struct entry **blocks;
    size_t nblocks, used;
    sqlite3 *db;              /* where lookups read (addresses_use_db) */
    sqlite3_stmt *get;        /* SELECT family, ipv4, ipv6 FROM address WHERE id = ? */
    const tags_index *ix;
    struct ip_addr *subnets;  /* (first, last) pairs */
    size_t nsubnets;
    int64_t *control;         /* control-plane address ids, sorted */
    size_t ncontrol;
    int64_t max_id;
    int failed;               /* a lookup's SQL failed: see addresses_check */
    char why[200];
    char stamp[600];
};

static int is_private(const struct ip_addr *a)
{
    const uint8_t *b = a->b;
    if (a->family == IP_V4)
        return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
               (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xc0) == 64);
    return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* The address of a row (family, ipv4, ipv6 at columns col..col+2) into
 * ip; 0 when the row holds none. */
static int row_address(sqlite3_stmt *st, int col, struct ip_addr *ip)
{
    memset(ip, 0, sizeof *ip);
    ip->family = (uint8_t)sqlite3_column_int(st, col);
    if (ip->family == IP_V4) {
        uint32_t v = (uint32_t)sqlite3_column_int64(st, col + 1);
        ip->b[0] = (uint8_t)(v >> 24);
        ip->b[1] = (uint8_t)(v >> 16);
        ip->b[2] = (uint8_t)(v >> 8);
        ip->b[3] = (uint8_t)v;
        return 1;
    }
    if (sqlite3_column_bytes(st, col + 2) == 16) {
        memcpy(ip->b, sqlite3_column_blob(st, col + 2), 16);
        return 1;
    }
    return 0;
}

/* The facts about ip (its tags, private, the platform address, inside an
 * APIM subnet); not whether it is the control plane (ids, below). */
static struct remote_info classify(const struct addresses *a, const struct ip_addr *ip)
{
    struct remote_info ri = {0};
    ri.tags = (uint16_t)tags_lookup(a->ix, ip);
    ri.is_private = is_private(ip);
    ri.is_lb = ip->family == IP_V4 && ip_v4_value(ip) == 0xA83F8110u;
    for (size_t k = 0; k < a->nsubnets; k++)
        if (ip_in_range(ip, &a->subnets[2 * k], &a->subnets[2 * k + 1]))
            ri.in_apim_subnet = 1;
    return ri;
}

int addresses_use_db(addresses *a, sqlite3 *db)
{
    sqlite3_finalize(a->get);
    a->get = NULL;
    a->db = db;
    return sqlite3_prepare_v2(db, "SELECT family, ipv4, ipv6 FROM address WHERE id = ?", -1,
                              &a->get, NULL) == SQLITE_OK
               ? 0
               : -1;
}

addresses *addresses_load(sqlite3 *db, const tags_index *ix, const char *stamp,
                          const struct ip_addr *subnets, size_t nsubnets,
                          char *err, size_t errlen)
{
    addresses *a = calloc(1, sizeof *a);
    if (!a)
        goto nomem;
    hashmap_init(&a->index, sizeof(int64_t), sizeof(size_t));
    snprintf(a->stamp, sizeof a->stamp, "%s", stamp);
    a->ix = ix;
    a->max_id = scalar(db, "SELECT coalesce(max(id), 0) FROM address");
    if (nsubnets) {
        a->subnets = malloc(2 * nsubnets * sizeof *subnets);
        if (!a->subnets)
            goto nomem;
        memcpy(a->subnets, subnets, 2 * nsubnets * sizeof *subnets);
        a->nsubnets = nsubnets;
    }
    if (addresses_use_db(a, db) != 0)
        goto sqlfail;
    /* driven from the few control-plane addresses, each looked up by its
     * text in address's UNIQUE index: not a scan of every address */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT a.id FROM apim_control_plane_ip c CROSS JOIN address a"
                               " ON a.ip = c.ip", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (a->ncontrol == cap) {
            int64_t *more = realloc(a->control, (cap = cap ? 2 * cap : 64) * sizeof *more);
            if (!more) {
                sqlite3_finalize(st);
                goto nomem;
            }
            a->control = more;
        }
        a->control[a->ncontrol++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto sqlfail;
    if (a->ncontrol)
        qsort(a->control, a->ncontrol, sizeof *a->control, cmp_id);
    return a;
nomem:
    snprintf(err, errlen, "out of memory for the address table");
    addresses_free(a);
    return NULL;
sqlfail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    addresses_free(a);
    return NULL;
}

void addresses_free(addresses *a)
{
    if (!a)
        return;
    sqlite3_finalize(a->get);
    hashmap_free(&a->index);
    for (size_t i = 0; i < a->nblocks; i++)
        free(a->blocks[i]);
    free(a->blocks);
    free(a->subnets);
    free(a->control);
    free(a);
}

int addresses_check(const addresses *a, char *err, size_t errlen)
{
    if (!a->failed)
        return 0;
    snprintf(err, errlen, "reading the address table: %s", a->why);
    return -1;
}

int64_t addresses_max_id(const addresses *a)
{
    return a->max_id;
}

/* The entry of id, read from the database the first time it is asked for
 * (an id in range that the table lacks, or holds no address for, gets an
 * entry without facts that sorts after every address); NULL for an id out
 * of range, or when the lookup failed (a->failed). The table is a cache:
 * filling it changes nothing a caller can see, hence the const. */
#define FAMILY_NONE 255

static const struct entry *entry_of(const addresses *ca, int64_t id)
{
    struct addresses *a = (struct addresses *)ca;
    if (id < 1 || id > a->max_id)
        return NULL;
    size_t *slot = hashmap_get(&a->index, &id, 0);
    if (slot)
        return &a->blocks[(*slot - 1) / BLOCK_ENTRIES][(*slot - 1) % BLOCK_ENTRIES];
    struct ip_addr ip;
    int found = 0;
    sqlite3_bind_int64(a->get, 1, id);
    int rc = sqlite3_step(a->get);
    if (rc == SQLITE_ROW)
        found = row_address(a->get, 0, &ip);
    sqlite3_reset(a->get);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        if (!a->failed) {
            a->failed = 1;
            snprintf(a->why, sizeof a->why, "%s", sqlite3_errmsg(a->db));
        }
        return NULL;
    }
    if (a->used == a->nblocks * BLOCK_ENTRIES) {
        struct entry **more = realloc(a->blocks, (a->nblocks + 1) * sizeof *more);
        if (!more)
            goto nomem;
        a->blocks = more;
        if (!(a->blocks[a->nblocks] = malloc(BLOCK_ENTRIES * sizeof(struct entry))))
            goto nomem;
        a->nblocks++;
    }
    if (!(slot = hashmap_get(&a->index, &id, 1)))
        goto nomem;
    struct entry *e = &a->blocks[a->used / BLOCK_ENTRIES][a->used % BLOCK_ENTRIES];
    *slot = ++a->used;
    memset(e, 0, sizeof *e);
    e->family = FAMILY_NONE;
    if (found) {
        e->info = classify(a, &ip);
        e->family = ip.family;
        memcpy(e->b, ip.b, sizeof e->b);
    }
    e->info.is_control_plane =
        a->ncontrol && bsearch(&id, a->control, a->ncontrol, sizeof *a->control, cmp_id) != NULL;
    return e;
nomem:
    if (!a->failed) {
        a->failed = 1;
        snprintf(a->why, sizeof a->why, "out of memory");
    }
    return NULL;
}

int addresses_cmp(const addresses *a, int64_t x, int64_t y)
{
    const struct entry *ex = entry_of(a, x), *ey = entry_of(a, y);
    int fx = ex ? ex->family : FAMILY_NONE + 1, fy = ey ? ey->family : FAMILY_NONE + 1;
    if (fx != fy)
        return fx < fy ? -1 : 1;
    if (ex && ey && fx != FAMILY_NONE) {
        int c = memcmp(ex->b, ey->b, sizeof ex->b);
        if (c)
            return c < 0 ? -1 : 1;
    }
    return (x > y) - (x < y); /* two unknown ids, or one id twice */
}

const struct remote_info *addresses_info(const addresses *a, int64_t id)
{
    const struct entry *e = entry_of(a, id);
    return e ? &e->info : NULL;
}

int addresses_save_tags(sqlite3 *db, const addresses *a, char *err, size_t errlen)
{
    int64_t done = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT max_address, tag_stamp FROM address_service_tag_state",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    if (sqlite3_step(st) == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(st, 1), a->stamp) == 0)
        done = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (done == 0 && sqlite3_exec(db, "DELETE FROM address_service_tag", NULL, NULL, NULL) != SQLITE_OK)
        goto sqlfail;
    int64_t tag_ids[TAG_DATA_COUNT] = {0};
    if (sqlite3_prepare_v2(db, "SELECT id FROM service_tag WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    for (int t = 0; t < TAG_DATA_COUNT; t++) {
        sqlite3_bind_text(st, 1, tag_name(t), -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            tag_ids[t] = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO address_service_tag(address_id, tag_id) VALUES(?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    /* the addresses added since the last analysis (all of them when the
     * tag data changed), read in id order: a day's new addresses, not the
     * archive's */
    sqlite3_stmt *rows;
    if (sqlite3_prepare_v2(db, "SELECT id, family, ipv4, ipv6 FROM address WHERE id > ?1 AND"
                               " id <= ?2 ORDER BY id", -1, &rows, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        goto sqlfail;
    }
    sqlite3_bind_int64(rows, 1, done);
    sqlite3_bind_int64(rows, 2, a->max_id);
    int step;
    while ((step = sqlite3_step(rows)) == SQLITE_ROW) {
        struct ip_addr ip;
        if (!row_address(rows, 1, &ip))
            continue;
        int64_t id = sqlite3_column_int64(rows, 0);
        uint32_t tags = tags_lookup(a->ix, &ip);
        for (int t = 0; t < TAG_DATA_COUNT; t++)
            if ((tags & (1u << t)) && tag_ids[t]) {
                sqlite3_bind_int64(st, 1, id);
                sqlite3_bind_int64(st, 2, tag_ids[t]);
                int rc = sqlite3_step(st);
                sqlite3_reset(st);
                if (rc != SQLITE_DONE) {
                    sqlite3_finalize(rows);
                    sqlite3_finalize(st);
                    goto sqlfail;
                }
            }
    }
    sqlite3_finalize(rows);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        goto sqlfail;
    if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO address_service_tag_state(id, max_address, tag_stamp)"
                               " VALUES(1, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    sqlite3_bind_int64(st, 1, a->max_id);
    sqlite3_bind_text(st, 2, a->stamp, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto sqlfail;
    return 0;
sqlfail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return -1;
}

void addresses_text(sqlite3 *db, int64_t id, char *buf)
{
    sqlite3_stmt *st;
    snprintf(buf, IP_TEXT_MAX, "?");
    if (sqlite3_prepare_v2(db, "SELECT ip FROM address WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, IP_TEXT_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

int64_t addresses_id(sqlite3 *db, const char *ip)
{
    sqlite3_stmt *st;
    int64_t id = 0;
    if (sqlite3_prepare_v2(db, "SELECT id FROM address WHERE ip = ?", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, ip, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}
