/* window.h: --since/--until of ingest and run, and --shard, applied to
 * blob names. A flow-log blob holds one hour of one NIC, and Azure names
 * it by both (.../y=2026/m=11/d=01/h=10/m=00/macAddress=M/PT1H.json), so
 * a blob outside the window, or of another shard's NIC, is known by its
 * name: it is neither downloaded nor read, and a container's listing need
 * not even descend into its folder. */
#ifndef NSGFLOW_WINDOW_H
#define NSGFLOW_WINDOW_H

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

/* 1 when the last complete segment of prefix is "macAddress=M/" and M is
 * in another shard than shard_index of shard_count (ingest_shard_of_mac). */
int prefix_is_other_shard(const char *prefix, unsigned shard_index, unsigned shard_count);

#endif
