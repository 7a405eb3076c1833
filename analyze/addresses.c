/* addresses.c: per-address facts for the analyzers (see addresses.h). */
#include "addresses.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/ipaddr.h"

struct addresses {
    struct remote_info *info; /* indexed by address id */
    uint32_t *rank;           /* indexed by address id: see addresses_rank */
    int64_t max_id;
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

addresses *addresses_load(sqlite3 *db, const tags_index *ix, const char *stamp,
                          const struct ip_addr *subnets, size_t nsubnets,
                          char *err, size_t errlen)
{
    addresses *a = calloc(1, sizeof *a);
    if (!a)
        goto nomem;
    snprintf(a->stamp, sizeof a->stamp, "%s", stamp);
    a->max_id = scalar(db, "SELECT coalesce(max(id), 0) FROM address");
    a->info = calloc((size_t)a->max_id + 1, sizeof *a->info);
    a->rank = calloc((size_t)a->max_id + 1, sizeof *a->rank);
    if (!a->info || !a->rank)
        goto nomem;
    sqlite3_stmt *st;
    /* family 4 sorts before 6; ipv4 is the unsigned value, ipv6 a 16-byte
     * blob (memcmp order): together the numeric order */
    if (sqlite3_prepare_v2(db, "SELECT id FROM address ORDER BY family, ipv4, ipv6, ip", -1, &st,
                           NULL) != SQLITE_OK)
        goto sqlfail;
    uint32_t next = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id >= 1 && id <= a->max_id && next < UINT32_MAX - 1)
            a->rank[id] = ++next;
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT id, family, ipv4, ipv6 FROM address", -1, &st,
                           NULL) != SQLITE_OK)
        goto sqlfail;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id < 1 || id > a->max_id)
            continue;
        struct ip_addr ip = {0};
        ip.family = (uint8_t)sqlite3_column_int(st, 1);
        if (ip.family == IP_V4) {
            uint32_t v = (uint32_t)sqlite3_column_int64(st, 2);
            ip.b[0] = (uint8_t)(v >> 24);
            ip.b[1] = (uint8_t)(v >> 16);
            ip.b[2] = (uint8_t)(v >> 8);
            ip.b[3] = (uint8_t)v;
        } else if (sqlite3_column_bytes(st, 3) == 16) {
            memcpy(ip.b, sqlite3_column_blob(st, 3), 16);
        } else {
            continue;
        }
        struct remote_info *ri = &a->info[id];
        ri->tags = tags_lookup(ix, &ip);
        ri->is_private = is_private(&ip);
        ri->is_lb = ip.family == IP_V4 && ip_v4_value(&ip) == 0xA83F8110u;
        for (size_t k = 0; k < nsubnets; k++)
            if (ip_in_range(&ip, &subnets[2 * k], &subnets[2 * k + 1]))
                ri->in_apim_subnet = 1;
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT a.id FROM address a JOIN apim_control_plane_ip c ON c.ip = a.ip",
                           -1, &st, NULL) != SQLITE_OK)
        goto sqlfail;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id >= 1 && id <= a->max_id)
            a->info[id].is_control_plane = 1;
    }
    sqlite3_finalize(st);
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
    free(a->info);
    free(a->rank);
    free(a);
}

int64_t addresses_max_id(const addresses *a)
{
    return a->max_id;
}

uint32_t addresses_rank(const addresses *a, int64_t id)
{
    return id >= 1 && id <= a->max_id && a->rank[id] ? a->rank[id] : UINT32_MAX;
}

const struct remote_info *addresses_info(const addresses *a, int64_t id)
{
    return id >= 1 && id <= a->max_id ? &a->info[id] : NULL;
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
    for (int64_t id = done + 1; id <= a->max_id; id++)
        for (int t = 0; t < TAG_DATA_COUNT; t++)
            if ((a->info[id].tags & (1u << t)) && tag_ids[t]) {
                sqlite3_bind_int64(st, 1, id);
                sqlite3_bind_int64(st, 2, tag_ids[t]);
                int rc = sqlite3_step(st);
                sqlite3_reset(st);
                if (rc != SQLITE_DONE) {
                    sqlite3_finalize(st);
                    goto sqlfail;
                }
            }
    sqlite3_finalize(st);
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
