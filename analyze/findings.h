/* findings.h: turning the pass's aggregates into findings: what is wrong,
 * for which APIM host, the evidence, the confidence and the fix.
 *
 *   denied-required-port  a denied flow to or from an APIM host that matches
 *                         a requirement (error when required, else warning)
 *   asymmetric-return     management calls on 3443 (or client calls on 443)
 *                         whose replies are lost: a missing route (error)
 *   missing-dependency    a required outbound dependency with no allowed
 *                         flow at all in the window (info)
 *   double-logging        NICs logged by both NSG and VNet flow logs (info)
 */
#ifndef NSGFLOW_FINDINGS_H
#define NSGFLOW_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../ingest/ipaddr.h"
#include "addresses.h"
#include "requirements.h"
#include "scan.h"
#include "../common/strbuf.h"

/* The APIM instances an analysis looks at. */
struct apim_hosts {
    int64_t *ids;
    char (*reasons)[160];
    int64_t *flows;
    size_t n;
};

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
    int64_t flows, first, last;
    struct strbuf evidence, details, hint;
    struct strbuf commands;     /* the fix to paste: az commands, one a line */
    const char *confidence;
    int requirement_id;         /* 0: none */
    /* where its hourly series is in scan_result.hourly: kind 0 for none */
    int series_kind;            /* HOURLY_DENIED or HOURLY_CONNECTIONS */
    int64_t series_local, series_b, series_rule, series_port;
};

struct findings {
    struct finding *v;
    size_t n, cap;
};

/* Builds the findings of all analyzers for the given hosts, most severe
 * first. Returns 0, or -1 with err. Free with findings_free. */
/* external: 1 when the instances are known to be in External mode
 * (--vnet-type external); otherwise External-only requirements apply to a
 * host only when it takes allowed client traffic from public addresses. */
int findings_build(sqlite3 *db, const struct scan_result *scan,
                   const struct requirements *reqs, const addresses *addrs,
                   const struct apim_hosts *hosts, int external,
                   struct findings *out, char *err, size_t errlen);
void findings_free(struct findings *f);

/* 0 for "error", 1 for "warning", 2 otherwise: the order of reports. */
int severity_rank(const char *severity);

/* The stable identity of a finding across runs:
 * "analyzer|host|remote|port|protocol|direction|rule". */
void finding_key(const struct finding *f, char *buf, size_t size);

#endif
