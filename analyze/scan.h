/* scan.h: the one pass of an analysis over the tuples of its window.
 *
 * The pass reads the window's blobs one after the other, each as its run of
 * consecutive tuple ids (so in storage order, and a NIC's connections stay
 * together), and fills aggregates for every analyzer at once:
 *   - the APIM instances seen in the traffic (management calls on 3443 from
 *     the control plane, load-balancer probes on 6390, --apim-subnet);
 *   - denied flows that match a requirement, per local host, requirement,
 *     rule and port;
 *   - allowed outbound flows per local host and requirement;
 *   - inbound TCP connections on 3443 (from the control plane) and 443
 *     (clients), each classified completed / lost return / one retransmit.
 * Aggregates are kept for every local address; the analyzers then keep those
 * of the APIM hosts. Where a NIC is logged by both NSG flow logs and VNet
 * flow logs in the same hours, only the VNet copy is read (double logging).
 * Memory grows with the number of distinct hosts, rules and peers, not with
 * the number of tuples. */
#ifndef NSGFLOW_SCAN_H
#define NSGFLOW_SCAN_H

#include <stdint.h>

#include <sqlite3.h>

#include "addresses.h"
#include "../common/hashmap.h"
#include "requirements.h"

/* Key of hosts: a local address id. */
struct host_seen {
    int64_t management;   /* inbound 3443 from the control plane */
    int64_t probes;       /* inbound 6390 from 168.63.129.16 */
    int64_t in_subnet;    /* tuples while inside --apim-subnet */
    int64_t public_clients; /* allowed inbound TCP 80/443 from public addresses */
};

/* Key of denied. */
struct denied_key {
    int64_t local, requirement, rule_id, port;
};

#define DENIED_SAMPLES 8

struct denied_agg {
    int64_t flows, first, last;
    int64_t flow_log_id;           /* of the first tuple: names the NSG */
    int best_confidence;
    int64_t samples[DENIED_SAMPLES]; /* remote address ids */
    int nsamples;
};

/* Key of remotes_seen (distinct remotes of a denied aggregate). */
struct denied_remote_key {
    struct denied_key k;
    int64_t remote;
};

/* Key of allowed: allowed tuples per local host and requirement. */
struct allowed_key {
    int64_t local, requirement;
};

/* Key of connections' stats: remote is 0 for 443 (all clients together). */
struct conn_key {
    int64_t local, remote, port;
};

enum conn_class { CONN_COMPLETED, CONN_LOST, CONN_RETRANSMIT_ONCE, CONN_UNKNOWN };

#define CONN_EXAMPLES 3

struct conn_example {
    int64_t src_port, start;    /* start in ms */
    int syns;                   /* SYN tuples seen, or -1 */
    int64_t counters[4];        /* when known */
    int gaps_ms[4];             /* between the first SYN tuples */
    int ngaps;
};

struct conn_stats {
    int64_t connections, lost, completed, retransmit_once, unknown;
    int64_t lost_by_counters, lost_by_syns;
    int64_t tuples, first, last;
    int64_t group_id;           /* a flow group of these flows: rule, NSG, VNet */
    struct conn_example examples[CONN_EXAMPLES];
    int nexamples;
};

/* Key of hourly: what a count is about, and the hour (Unix seconds). */
enum hourly_kind { HOURLY_DENIED = 1, HOURLY_ALLOWED, HOURLY_CONNECTIONS };
struct hourly_key {
    int64_t kind;     /* enum hourly_kind */
    int64_t local, requirement_or_remote, rule_id, port;
    int64_t hour;
};
/* HOURLY_DENIED: bad = denied tuples (key as denied_key);
 * HOURLY_ALLOWED: good = allowed tuples (local, requirement);
 * HOURLY_CONNECTIONS: bad = lost, good = completed (key as conn_key). */
struct hourly_count {
    int64_t bad, good;
};

struct scan_result {
    struct hashmap hosts;       /* int64_t -> struct host_seen */
    struct hashmap denied;      /* struct denied_key -> struct denied_agg */
    struct hashmap denied_remotes; /* struct denied_remote_key -> char */
    struct hashmap allowed;     /* struct allowed_key -> int64_t (both directions) */
    struct hashmap hourly;      /* struct hourly_key -> struct hourly_count */
    struct hashmap conns;       /* struct conn_key -> struct conn_stats */
    int64_t tuples, blobs, min_ts, max_ts;
    int64_t doubled_blobs;      /* NSG blobs skipped: also in VNet flow logs */
    char doubled_macs[256];     /* a few of the NICs concerned */
};

/* Runs the pass over [from, to] (Unix seconds, inclusive). The caller owns
 * *out and frees it with scan_free. Returns 0, or -1 with err. */
int scan_window(sqlite3 *db, int64_t from, int64_t to,
                const struct requirements *reqs, const addresses *addrs,
                struct scan_result *out, char *err, size_t errlen);
void scan_free(struct scan_result *r);

#endif
