/* findings_int.h: what the analyzers' files (findings.c, returns.c) share
 * and other folders need not see: making a finding, its hourly series, the
 * healthy keys, and small lookups of names by id. */
#ifndef NSGFLOW_FINDINGS_INT_H
#define NSGFLOW_FINDINGS_INT_H

#include "findings.h"

/* A new zeroed finding at the end of out, or NULL when out of memory. */
struct finding *finding_new(struct findings *out);

/* A new zeroed change of kind k that f calls for (fixplan.h), or NULL when
 * f has as many as it can hold (FINDING_CHANGES), or when memory ran out
 * (then f->failed is set). Valid until the next change of f: fill it
 * before asking for another. */
struct change *finding_change(struct finding *f, enum change_kind k);

/* The change an NSG rule must make for requirement q to pass: an allow
 * rule in NSG nsg of resource group rg (either "" when not known) for every
 * port of q, to or from remote, before the rule `before_name` of priority
 * before (0 when not known). NULL when f holds no more changes. */
struct change *finding_allow_rule(struct finding *f, const struct requirement *q,
                                  const char *rg, const char *nsg, const char *remote,
                                  int before, const char *before_name);

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

/* The clients' ports (clients.c). What a source denied on a port of a
 * clients' requirement of a host is: */
enum { SOURCE_CLIENT, SOURCE_SCANNER, SOURCE_ONE_SYN };

/* A scanner when note says so (scan_is_scanner); else a refused client
 * when it retried: 2 or more connections to the host and port (it came
 * back), or CLIENT_SYNS or more SYNs (syns, over all its connections there:
 * a program that waits for its answer, as Linux's TCP does for 2 minutes
 * and 7 SYNs; a scanner's connect() gives up after a few seconds and 3 SYNs
 * at most, and so does Windows, whose clients count when they come back or
 * call the other port), or it also called another of the requirement's
 * ports on the host (other_port); else it knocked once and left. */
#define CLIENT_SYNS 4
int client_verdict(const struct source_note *note, int64_t syns, int64_t connections,
                   int other_port);

/* The sources denied on one host, requirement, rule and port. */
struct client_figures {
    struct denied_agg clients;  /* the refused clients' connections, tuples,
                                 * first, last, remotes and examples (the
                                 * pass's flow_log_id, best_confidence and
                                 * seen are not set) */
    int64_t retried;            /* clients that sent 2 or more SYNs */
    int64_t other_port;         /* the others: they called another port */
    int64_t scanners;           /* set aside: scan_is_scanner */
    int64_t one_syn;            /* set aside: one SYN, never back */
};
struct client_verdicts {
    struct hashmap figures;     /* struct denied_key -> struct client_figures */
    struct hashmap hourly;      /* struct hourly_key (HOURLY_DENIED) ->
                                 * struct hourly_count: the clients' only */
};

/* Judges the sources denied on the clients' ports of the hosts (the pass's
 * client_denied), looking up their allowed calls in temp.return_candidate.
 * Returns 0 (free *out with clients_free), or -1 with err (nothing held). */
int clients_judge(sqlite3 *db, const struct scan_result *scan, const struct requirements *reqs,
                  const addresses *addrs, const struct apim_hosts *hosts,
                  struct client_verdicts *out, char *err, size_t errlen);
void clients_free(struct client_verdicts *v);

/* asymmetric-return (returns.c). */
int build_returns(sqlite3 *db, int64_t run_id, const struct scan_result *scan,
                  const addresses *addrs, const struct apim_hosts *hosts,
                  struct findings *out, char *err, size_t errlen);

#endif
