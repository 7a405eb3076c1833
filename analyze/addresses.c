/* addresses.c: per-address facts for the analyzers (see addresses.h). */
#include "addresses.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/hashmap.h"
#include "../ingest/ipaddr.h"

/* What the analysis knows of each address id it met, in arrays indexed by
 * id (calloc'd: the pages of ids never met cost no memory), 9 bytes an id;
 * an IPv6 address's bytes, for the order of example lists, in a map (they
 * are few). Arrays never move, so a pointer addresses_info gave stays valid. */
enum { ADDR_UNREAD, ADDR_V4, ADDR_V6, ADDR_NONE }; /* state[id]; NONE: no address */

struct addresses {
    struct remote_info *info;
    uint32_t *v4;             /* an IPv4 address's value */
    uint8_t *state;
    struct hashmap v6;        /* id -> 16 bytes */
    sqlite3 *db;              /* where lookups read (addresses_use_db) */
    sqlite3_stmt *get;        /* SELECT family, ipv4, ipv6 FROM address WHERE id = ? */
    const tags_index *ix;
    struct ip_addr *subnets;  /* (first, last) pairs */
    size_t nsubnets;
    int64_t *control;         /* control-plane address ids, sorted */
    size_t ncontrol;
    int64_t max_id;
    int failed;               /* a lookup failed: see addresses_check */
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
    hashmap_init(&a->v6, sizeof(int64_t), 16);
    snprintf(a->stamp, sizeof a->stamp, "%s", stamp);
    a->ix = ix;
    a->max_id = scalar(db, "SELECT coalesce(max(id), 0) FROM address");
    a->info = calloc((size_t)a->max_id + 1, sizeof *a->info);
    a->v4 = calloc((size_t)a->max_id + 1, sizeof *a->v4);
    a->state = calloc((size_t)a->max_id + 1, 1);
    if (!a->info || !a->v4 || !a->state)
        goto nomem;
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
    hashmap_free(&a->v6);
    free(a->info);
    free(a->v4);
    free(a->state);
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

/* Reads and classifies id the first time it is asked for (an id in range
 * that the table lacks, or holds no address for, gets no facts and sorts
 * after every address). 0, or -1 for an id out of range or when the lookup
 * failed (a->failed). The arrays are a cache: filling them changes nothing
 * a caller can see, hence the const. */
static int load(const addresses *ca, int64_t id)
{
    struct addresses *a = (struct addresses *)ca;
    if (id < 1 || id > a->max_id)
        return -1;
    if (a->state[id] != ADDR_UNREAD)
        return 0;
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
        return -1;
    }
    if (found && ip.family != IP_V4) {
        unsigned char *bytes = hashmap_get(&a->v6, &id, 1);
        if (!bytes) {
            if (!a->failed) {
                a->failed = 1;
                snprintf(a->why, sizeof a->why, "out of memory");
            }
            return -1;
        }
        memcpy(bytes, ip.b, 16);
    }
    if (found) {
        a->info[id] = classify(a, &ip);
        if (ip.family == IP_V4)
            a->v4[id] = ip_v4_value(&ip);
    }
    a->info[id].is_control_plane =
        a->ncontrol && bsearch(&id, a->control, a->ncontrol, sizeof *a->control, cmp_id) != NULL;
    a->state[id] = !found ? ADDR_NONE : ip.family == IP_V4 ? ADDR_V4 : ADDR_V6;
    return 0;
}

int addresses_cmp(const addresses *a, int64_t x, int64_t y)
{
    /* IPv4, then IPv6, then ids without an address, then ids out of range */
    int kx = load(a, x) == 0 ? a->state[x] : ADDR_NONE + 1;
    int ky = load(a, y) == 0 ? a->state[y] : ADDR_NONE + 1;
    if (kx != ky)
        return kx < ky ? -1 : 1;
    if (kx == ADDR_V4 && a->v4[x] != a->v4[y])
        return a->v4[x] < a->v4[y] ? -1 : 1;
    if (kx == ADDR_V6) {
        const unsigned char *bx = hashmap_get((struct hashmap *)&a->v6, &x, 0);
        const unsigned char *by = hashmap_get((struct hashmap *)&a->v6, &y, 0);
        int c = bx && by ? memcmp(bx, by, 16) : 0;
        if (c)
            return c < 0 ? -1 : 1;
    }
    return (x > y) - (x < y); /* no address to tell them apart, or one id twice */
}

const struct remote_info *addresses_info(const addresses *a, int64_t id)
{
    return load(a, id) == 0 ? &a->info[id] : NULL;
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
