/* tags.h: Azure service tags: which Azure service an address belongs to.
 *
 * The database holds one set of tag data at a time (service_tag_source,
 * service_tag, service_tag_prefix): either the snapshot compiled into the
 * binary (analyze/data/service_tags_public_375.tsv) or the last
 * ServiceTags_Public_*.json file given to `nsgflow tags import`, which is read
 * as a stream. For lookups, tags_index holds the prefixes of the tags the
 * analyzers ask about as sorted, merged address ranges, so that a lookup is a
 * binary search, not a string match. */
#ifndef NSGFLOW_TAGS_H
#define NSGFLOW_TAGS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../ingest/ipaddr.h"

/* The tags the APIM requirements name, as bits of a mask. */
enum tag_bit {
    TAG_API_MANAGEMENT,
    TAG_STORAGE,
    TAG_SQL,
    TAG_EVENT_HUB,
    TAG_KEY_VAULT,
    TAG_AZURE_MONITOR,
    TAG_AZURE_CLOUD,
    TAG_ENTRA_ID,         /* AzureActiveDirectory */
    TAG_CONNECTORS,       /* AzureConnectors */
    TAG_TRAFFIC_MANAGER,  /* AzureTrafficManager */
    TAG_DATA_COUNT,       /* the tags above have prefix data */
};

/* The service-tag name of a tag bit ("Sql"), or NULL. */
const char *tag_name(int bit);
/* The tag bit of a name, or -1. */
int tag_bit_of(const char *name);

/* Where the tag data in the database came from. */
struct tag_source {
    char origin[512];
    char cloud[32];
    long change_number;
    char published[16];   /* YYYY-MM-DD, or "" when unknown */
};

/* Makes sure the database holds tag data: when it has none, loads the
 * built-in snapshot (in the caller's transaction, if any). Fills *src.
 * Returns 0, or -1 with a message in err. */
int tags_ensure(sqlite3 *db, struct tag_source *src, char *err, size_t errlen);

/* `nsgflow tags import FILE`: replaces the tag data with FILE's, in one
 * transaction. Returns 0, or -1 with a message (file, byte, cause) in err.
 * *prefixes receives the number of prefixes read. */
int tags_import(sqlite3 *db, const char *path, long *prefixes, char *err,
                size_t errlen);

/* The lookup structure for the TAG_DATA_COUNT tags. */
typedef struct tags_index tags_index;

/* Loads the index from the database's tag data. NULL with err on failure.
 * Free with tags_index_free. */
tags_index *tags_index_load(sqlite3 *db, char *err, size_t errlen);
void tags_index_free(tags_index *ix);

/* The mask (1 << tag_bit) of the tags that contain the address. */
uint32_t tags_lookup(const tags_index *ix, const struct ip_addr *a);

/* Number of prefixes of a tag in the index (0 when the tag data lacks it). */
size_t tags_index_count(const tags_index *ix, int bit);

/* `nsgflow tags ...` */
int tags_main(int argc, char **argv);
extern const char tags_usage[];

#endif
