/* addresses.h: what the analyzers know about an address: its service tags
 * (from tags_index), whether it is private (likely the VNet's own), the
 * Azure platform address 168.63.129.16, or a management control-plane
 * address. Computed the first time an analysis asks for the address, held
 * as a small record per address id; the service tags of the addresses new
 * since the last analysis are written to address_service_tag so that users
 * can join against it. */
#ifndef NSGFLOW_ADDRESSES_H
#define NSGFLOW_ADDRESSES_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "requirements.h"
#include "tags.h"

typedef struct addresses addresses;

/* Prepares the facts about the addresses: an address is read from the
 * database and classified the first time the analysis asks for it (a
 * day's addresses, not the archive's: the cost stays flat as the database
 * grows). stamp names the tag data (it decides whether
 * address_service_tag must be rebuilt); subnets holds nsubnets (first,
 * last) pairs: the --apim-subnet ranges (copied); ix must outlive the
 * table. NULL with err on failure. Free with addresses_free. */
addresses *addresses_load(sqlite3 *db, const tags_index *ix, const char *stamp,
                          const struct ip_addr *subnets, size_t nsubnets,
                          char *err, size_t errlen);
void addresses_free(addresses *a);

/* Lookups read through db from now on (the pass's own connection, then the
 * writer's again). 0, or -1 (the statement could not be prepared). */
int addresses_use_db(addresses *a, sqlite3 *db);

/* 0 when every lookup so far worked; else -1 with why in err (a lookup
 * that failed answered NULL: the analysis must not be trusted). */
int addresses_check(const addresses *a, char *err, size_t errlen);

/* The largest address id (addresses are 1..max). */
int64_t addresses_max_id(const addresses *a);

/* Address order (numeric value, every IPv4 address before every IPv6
 * one, an unknown id after both): < 0, 0 or > 0 as x comes before, is, or
 * comes after y. Not the ids' order: whatever ids a database gave the
 * addresses, the same order, which is what the analyzers' example lists
 * are chosen by, so that a shard names the examples one database holding
 * everything would. */
int addresses_cmp(const addresses *a, int64_t x, int64_t y);

/* The facts about address id, or NULL for an unknown id. */
const struct remote_info *addresses_info(const addresses *a, int64_t id);

/* Brings address_service_tag up to date (in the caller's transaction).
 * Returns 0 or -1 with err. */
int addresses_save_tags(sqlite3 *db, const addresses *a, char *err, size_t errlen);

/* The text of address id into buf (IP_TEXT_MAX bytes); "?" if unknown. */
void addresses_text(sqlite3 *db, int64_t id, char *buf);

/* The id of an address given as text, or 0. */
int64_t addresses_id(sqlite3 *db, const char *ip);

#endif
