/* findings_int.h: what the analyzers' files (findings.c, returns.c) share
 * and other folders need not see: making a finding, its hourly series, the
 * healthy keys, and small lookups of names by id. */
#ifndef NSGFLOW_FINDINGS_INT_H
#define NSGFLOW_FINDINGS_INT_H

#include "findings.h"

/* A new zeroed finding at the end of out, or NULL when out of memory. */
struct finding *finding_new(struct findings *out);

/* Adds bad and good to hour (Unix seconds, start of the hour) of f's series.
 * Returns 0, or -1 when out of memory. */
int finding_add_hour(struct finding *f, int64_t hour, int64_t bad, int64_t good);

/* Notes that the window judged analyzer's check of host, remote and port
 * and found nothing to report (see struct findings). Returns 0, or -1 when
 * out of memory. */
int findings_healthy(struct findings *out, const char *analyzer, const char *host,
                     const char *remote, int port);

/* Notes that the window saw traffic for that check, too little to judge;
 * text says what it saw. Returns 0, or -1 when out of memory. */
int findings_thin(struct findings *out, const char *analyzer, const char *host,
                  const char *remote, int port, const char *text);

/* The text the single-column query sql returns for id, "" when none. */
void text_by_id(sqlite3 *db, const char *sql, int64_t id, char *buf, size_t n);

/* The name of rule id, "(unnamed rule)" when none. */
void rule_name(sqlite3 *db, int64_t rule_id, char *buf, size_t n);

/* The segment after "/NAME/" in an Azure resource id (the resource group
 * after RESOURCEGROUPS, ...), "" when none. */
void id_segment(const char *id, const char *name, char *out, size_t n);

/* "2026-11-01T00:00:00Z and 2026-11-01T05:59:59Z" */
void window_text(int64_t first, int64_t last, char *buf, size_t n);

/* asymmetric-return (returns.c). */
int build_returns(sqlite3 *db, int64_t run_id, const struct scan_result *scan,
                  const addresses *addrs, const struct apim_hosts *hosts,
                  struct findings *out, char *err, size_t errlen);

#endif
