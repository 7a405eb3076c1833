/* pathmeta.h: what a blob's path says about it.
 *
 * Azure writes flow logs under paths such as
 *   insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/S/
 *   RESOURCEGROUPS/RG/.../NETWORKSECURITYGROUPS/NSG/y=2026/m=11/d=28/h=10/
 *   m=00/macAddress=M/PT1H.json
 * The key=value segments (and the resource-id segments after them) give the
 * subscription, resource group, NSG or flow log, MAC and hour. The blob's
 * identity is its path from the insights-logs-* segment on, so two downloads
 * of one blob into different folders are recognised as the same blob. */
#ifndef NSGFLOW_PATHMETA_H
#define NSGFLOW_PATHMETA_H

#include <stddef.h>

#define PATHMETA_FIELD_MAX 256

/* Each field is an empty string when the path does not say. */
struct path_meta {
    char subscription[PATHMETA_FIELD_MAX];
    char resource_group[PATHMETA_FIELD_MAX];
    char nsg[PATHMETA_FIELD_MAX];        /* NSG name (NSG flow logs) */
    char flow_log[PATHMETA_FIELD_MAX];   /* flow-log name (VNet flow logs) */
    char mac[PATHMETA_FIELD_MAX];        /* upper case, hex digits only */
    char hour[PATHMETA_FIELD_MAX];       /* "YYYY-MM-DDTHH:00:00Z" */
};

/* Reads the metadata out of path. Never fails: what is absent stays empty. */
void path_meta_parse(const char *path, struct path_meta *out);

/* Writes the blob identity of path into out (outlen bytes): the path from
 * its insights-logs-* segment on (case-insensitive), or else the absolute
 * path; in both cases without a trailing ".gz", so a blob and its gzipped
 * copy are one blob. Returns 0, or -1 when it does not fit. */
int blob_identity(const char *path, char *out, size_t outlen);

/* Normalises a MAC address to upper-case hex digits without separators
 * ("00-0d-3a-f8-78-56" -> "000D3AF87856"). Writes at most outlen bytes. */
void mac_normalize(const char *mac, size_t n, char *out, size_t outlen);

#endif
