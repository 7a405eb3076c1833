/* findings.h: turning the pass's aggregates and the window's connections into
 * findings: what is wrong, for which APIM host, the evidence, the
 * confidence and the fix.
 *
 *   denied-required-port  denied connections to or from an APIM host that
 *                         match a requirement (error when required and
 *                         matched by service tag or address; a requirement
 *                         given only by name is at most info; on the
 *                         clients' ports, refused clients only: clients.c)
 *   encryption-drop       connections to or from an APIM host that match a
 *                         requirement and that VNet encryption enforcement
 *                         dropped (encryption NX_SW_NOT_READY,
 *                         NX_NOT_ACCEPTED, NX_NOT_SUPPORTED, whatever the
 *                         state), per host, requirement and port; never
 *                         read as a rule's denial
 *   asymmetric-return     a source whose calls on 3443 (the management
 *                         plane) or 443 (clients) lose their answers, judged
 *                         per source and hour (returns.c): a missing route
 *   missing-dependency    a required outbound dependency with no allowed
 *                         connection at all in the window (info)
 *   double-logging        NICs logged by both NSG and VNet flow logs (info)
 */
#ifndef NSGFLOW_FINDINGS_H
#define NSGFLOW_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../common/hashmap.h"
#include "../common/strbuf.h"
#include "../ingest/ipaddr.h"
#include "addresses.h"
#include "fixplan.h"
#include "requirements.h"
#include "scan.h"

/* The APIM instances an analysis looks at. */
struct apim_hosts {
    int64_t *ids;
    char (*reasons)[160];
    int64_t *flows;           /* the connections that made it a host */
    size_t n;
    struct hashmap index;     /* address id -> size_t index into ids */
};

/* The index of address id in h, or -1. */
int apim_host_index(const struct apim_hosts *h, int64_t id);

/* One hour of a finding: bad (denied connections, or connections whose
 * answer was lost) and good (allowed connections of the same requirement,
 * or the source's other connections). */
struct finding_hour {
    int64_t hour, bad, good;
};

/* The most changes a finding calls for. */
#define FINDING_CHANGES 2

struct finding {
    const char *analyzer;
    const char *severity;       /* error, warning, info */
    char title[256];
    char host[IP_TEXT_MAX];
    char remote[64];
    int port;                   /* 0: none */
    const char *protocol;       /* TCP, UDP or NULL */
    const char *direction;      /* inbound, outbound or NULL */
    char rule[160];
    int64_t flows;              /* tuples behind it */
    int64_t connections;        /* connections behind it (0: not counted) */
    int64_t first, last;
    struct strbuf evidence, details, hint;
    struct strbuf commands;     /* the fix to paste: az commands, one a line,
                                 * written by the fix plan from changes */
    struct change *changes;     /* what it calls for (fixplan.h): up to
                                 * FINDING_CHANGES, allocated as they come
                                 * (a change is 1.5 KB, and most findings,
                                 * one per host and dependency, call for none) */
    size_t nchanges;
    int failed;                 /* memory ran out for a change: the
                                 * analysis must not store it */
    const char *confidence;
    int requirement_id;         /* 0: none */
    struct finding_hour *hours; /* its hourly series, in hour order */
    size_t nhours, cap_hours;
};

struct findings {
    struct finding *v;
    size_t n, cap;
    /* what the window judged and found nothing to report under: key
     * prefixes "analyzer|host|remote|port|" of findings that would have
     * been made had the traffic been broken (a requirement's port used by
     * an APIM host, allowed or denied; a source whose answers came back).
     * A finding of the previous window that is not found again is resolved
     * when its prefix is here; else it stays open, "not judged again" */
    char **healthy;
    size_t nhealthy, cap_healthy;
    /* what the window saw too little of to judge: a prefix as above, and
     * a sentence saying what it saw ("1 connection ..."), which a finding
     * kept open shows instead of "no traffic for it" */
    struct thin_note {
        char *prefix, *text;
    } *thin;
    size_t nthin, cap_thin;
};

/* Builds the findings of all analyzers for the given hosts, most severe
 * first. external: 1 when the instances are known to be in External mode
 * (--vnet-type external); otherwise External-only requirements apply to a
 * host only when it takes allowed client calls from public addresses.
 * run_id names the window's connections in the connection table. Returns 0,
 * or -1 with err. Free with findings_free. */
int findings_build(sqlite3 *db, int64_t run_id, const struct scan_result *scan,
                   const struct requirements *reqs, const addresses *addrs,
                   const struct apim_hosts *hosts, int external,
                   struct findings *out, char *err, size_t errlen);
void findings_free(struct findings *f);

/* Orders the findings most severe first (then analyzer, host, port). */
void findings_sort(struct findings *f);

/* 0 for "error", 1 for "warning", 2 otherwise: the order of reports. */
int severity_rank(const char *severity);

/* The stable identity of a finding across runs:
 * "analyzer|host|remote|port|protocol|direction|rule". */
void finding_key(const struct finding *f, char *buf, size_t size);

#endif
