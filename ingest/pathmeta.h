/* pathmeta.h: what a blob's path says about it.
 *
 * Azure writes flow logs under paths such as
 *   insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/S/
 *   RESOURCEGROUPS/RG/.../NETWORKSECURITYGROUPS/NSG/y=2026/m=11/d=28/h=10/
 *   m=00/macAddress=M/PT1H.json
 * The key=value segments (and the resource-id segments after them) give the
 * subscription, resource group, NSG or flow log, MAC and hour. A blob is
 * known by its name inside its container (from the resourceId= segment on),
 * whatever folder a download put it in; a blob whose path names none is
 * known by its content's key: the first flow record's resource id, MAC and
 * time, which Azure writes once per blob. */
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

/* The longest blob identity and blob key, with their NUL. */
#define BLOB_IDENTITY_MAX 4096
#define BLOB_KEY_MAX 1024

/* Writes the identity that path gives its blob into out (outlen bytes): the
 * path from its first segment that starts with "resourceId=" or
 * "flowLogResourceID=" on (the blob's name inside its container, which
 * azcopy keeps under the container's folder and az storage blob
 * download-batch does not), else from its first "insights-logs-*" segment
 * on; all case-insensitive, with '\\' as '/', repeated '/' collapsed and
 * without a trailing ".gz", so that a blob and its gzipped copy are one
 * blob. out is "" when the path has no such segment. Returns 0, or -1 when
 * it does not fit. */
int blob_identity(const char *path, char *out, size_t outlen);

/* 1 when identity is one that blob_identity gives (a path identity), 0 for
 * a content identity (content_identity) or anything else. */
int identity_is_path(const char *identity);

/* Writes a blob's key into out (outlen bytes, BLOB_KEY_MAX will do):
 * "{RESOURCE ID}/macAddress={MAC}/time={TIME}" from its first flow record:
 * the resource id (NSG resourceId, VNet flowLogResourceID) in upper case,
 * the MAC normalised (mac_normalize) and the time exactly as written.
 * Azure writes one blob per resource, MAC and hour, and a blob that grows
 * keeps its first record, so the key is the same for every download of a
 * blob and differs between blobs. Returns 0, or -1 when the resource id or
 * the time is empty or the key does not fit (then the blob has no key). */
int blob_key_of(const char *resource_id, const char *mac, const char *time,
                char *out, size_t outlen);

/* Writes the identity of a blob whose path gives none: "content:" + key
 * when it has a key, else its content fingerprint (fingerprint_text) after
 * "stdin:" (read from standard input) or "file:". */
void content_identity(const char *key, const char *fingerprint, int from_stdin,
                      char *out, size_t outlen);

/* Normalises a MAC address to upper-case hex digits without separators
 * ("00-0d-3a-f8-78-56" -> "000D3AF87856"). Writes at most outlen bytes. */
void mac_normalize(const char *mac, size_t n, char *out, size_t outlen);

#endif
