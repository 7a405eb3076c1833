/* window.h: --since/--until of ingest and run, and --shard, applied to
 * blob names. A flow-log blob holds one hour of one NIC, and Azure names
 * it by both (.../y=2026/m=11/d=01/h=10/m=00/macAddress=M/PT1H.json), so
 * a blob outside the window, or of another shard's NIC, is known by its
 * name: it is neither downloaded nor read, and a container's listing need
 * not even descend into its folder. */
#ifndef NSGFLOW_WINDOW_H
#define NSGFLOW_WINDOW_H

#include <stddef.h>
#include <stdint.h>

/* 1 when the hour that starts at hour_start (Unix seconds) overlaps
 * [since, until] (both included: a blob of 10:00 is taken by --until
 * 10:00 and by --since 10:59:59). */
int window_takes_hour(int64_t hour_start, int64_t since, int64_t until);

/* 1 when a folder of a listing, a blob-name prefix such as
 * "resourceId=/.../y=2026/m=11/" (its complete segments, those ending in
 * '/', count), can hold blobs whose hour overlaps [since, until]: its
 * y=, then m= (month), d=, h= segments give the span of time it covers.
 * A prefix that names no year, or whose segments are not a date, may
 * hold anything (1): only what is sure to be outside is left out. */
int window_prefix_may_hold(const char *prefix, int64_t since, int64_t until);

/* 1 when every hour that prefix's date folders can hold is taken by the
 * window (window_takes_hour), so that all of its blobs are wanted and it
 * can be listed whole; 0 when it names no date, or one that reaches
 * outside. */
int window_prefix_inside(const char *prefix, int64_t since, int64_t until);

/* The delimiter to list the folder prefix by: "/" once the prefix has
 * reached the date folders (a y= segment, or it ends in "y="), else "y=",
 * so that one request goes from the container (or a resource's folder)
 * straight down to every resource's y= folder, past the resource id's
 * many one-child levels (resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/...),
 * each of which would cost a request of its own. */
const char *window_folder_delimiter(const char *prefix);

/* A folder's name as a listing by delimiter means it: the common start of
 * its blobs' names and the whole delimiter. Azure gives it so; Azurite
 * (3.35) ends it after the delimiter's first byte ("…/NSG/y" for "y="),
 * so the rest is put back: every blob it stands for goes on with the whole
 * delimiter there, where the service cut it. out (outlen bytes) has room
 * for listed and the delimiter. */
void window_folder_name(const char *listed, const char *delimiter, char *out, size_t outlen);

/* 1 when the last complete segment of prefix is "macAddress=M/" and M is
 * in another shard than shard_index of shard_count (ingest_shard_of_mac). */
int prefix_is_other_shard(const char *prefix, unsigned shard_index, unsigned shard_count);

#endif
