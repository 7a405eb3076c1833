/* coverage.h: what the evidence rests on. A finding is only as good as the
 * logs under it; this module says where they are thin:
 *
 *   - hours without a blob for a NIC (view log_coverage, schema 007): a
 *     finding whose time range crosses a gap of its host's NIC says so, and
 *     analyze prints one line per NIC with gaps in its window;
 *   logging-gap   (info) a NIC whose VNet flow logs in the window hold no B
 *                 or no E records though it has traffic (record types can be
 *                 filtered); the lost-return findings of its hosts lose a
 *                 step of confidence and say why;
 *   nsg-flow-logs (info) APIM hosts whose evidence comes from NSG flow logs
 *                 only, which Microsoft does not support for API
 *                 Management; their lost-return findings stay at medium
 *                 confidence at most. */
#ifndef NSGFLOW_COVERAGE_H
#define NSGFLOW_COVERAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "findings.h"
#include "scan.h"

/* Adds the notes above to the flow-log findings out->v[0..nflow) and
 * appends the logging-gap and nsg-flow-logs findings. Returns 0, or -1 with
 * err. */
int coverage_findings(sqlite3 *db, const struct scan_result *scan, const struct apim_hosts *hosts,
                      struct findings *out, size_t nflow, char *err, size_t errlen);

/* Calls fn for each NIC with hours without a blob in [from, to], in MAC
 * order: its MAC, how many hours are missing and their text
 * (coverage_gaps). analyze prints a line for each. */
void coverage_each_gap(sqlite3 *db, int64_t from, int64_t to,
                       void (*fn)(void *ctx, const char *mac, int hours, const char *gaps),
                       void *ctx);

/* The missing hours of NIC mac in [from, to] as text ("2026-11-01T03:00Z to
 * 05:00Z, ..."), into out; returns how many hours are missing. */
int coverage_gaps(sqlite3 *db, const char *mac, int64_t from, int64_t to, char *out, size_t n);

#endif
