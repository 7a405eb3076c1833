/* addresses.h: what the analyzers know about every address in the database:
 * its service tags (from tags_index), whether it is private (likely the
 * VNet's own), the Azure platform address 168.63.129.16, or a management
 * control-plane address. Computed once per analysis for all addresses, held
 * as a small record per address id, and written to address_service_tag so
 * that users can join against it. */
#ifndef NSGFLOW_ADDRESSES_H
#define NSGFLOW_ADDRESSES_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "requirements.h"
#include "tags.h"

typedef struct addresses addresses;

/* Reads the address table and classifies every address. stamp names the
 * tag data (it decides whether address_service_tag must be rebuilt);
 * subnets holds nsubnets (first, last) pairs: the --apim-subnet ranges.
 * NULL with err on failure. Free with addresses_free. */
addresses *addresses_load(sqlite3 *db, const tags_index *ix, const char *stamp,
                          const struct ip_addr *subnets, size_t nsubnets,
                          char *err, size_t errlen);
void addresses_free(addresses *a);

/* The largest address id (addresses are 1..max). */
int64_t addresses_max_id(const addresses *a);

/* The place of address id in address order (numeric value, every IPv4
 * address before every IPv6 one): 1 for the lowest address of the
 * database, UINT32_MAX for an unknown id. Two databases holding different
 * addresses give different numbers, but the same order of the addresses
 * they share: what the analyzers' example lists are chosen by, so that a
 * shard names the examples one database holding everything would. */
uint32_t addresses_rank(const addresses *a, int64_t id);

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
