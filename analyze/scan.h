/* scan.h: the one pass of an analysis: the window's connections (from the
 * connection model, connections.h) into the aggregates the analyzers judge,
 * and into the connection table.
 *
 * For every connection that began in the window it
 *   - matches the connection against APIM's requirements (direction,
 *     protocol, port, and the remote address's service tags);
 *   - counts what says which addresses are APIM instances (management calls
 *     on 3443 from the control plane, load-balancer probes on 6390, clients
 *     on 80/443, --apim-subnet);
 *   - adds denied connections that match a requirement per local address,
 *     requirement, rule and port (connections, tuples, hours), and allowed
 *     ones per local address and requirement; the denied ones on the
 *     clients' ports (a requirement with `clients` set) also per source and
 *     hour, for telling refused clients from scanners (clients.c);
 *   - adds the connections no rule decided apart: those dropped by VNet
 *     encryption enforcement (class CONN_ENCRYPTION_DROP) per local address,
 *     requirement and port, with their encryption values; those of Azure's
 *     platform (rule PlatformRule) counted only, per the same key. Neither
 *     counts as allowed or denied by the NSG: no denied finding names their
 *     rule, no allowed one judges a requirement healthy. Platform
 *     connections count for coverage, the connection table and
 *     --apim-subnet membership only (not for detecting hosts, scanners or
 *     lost returns); dropped ones count as denied in the requirement matrix
 *     (they did not get through);
 *   - notes, per remote address, how many inbound connections it made and
 *     to how many ports and NICs (scanners touch many);
 *   - writes the connection's row (table connection).
 * The aggregates are keyed by local address (a NIC's own), requirement and
 * rule, so they stay small; what grows with the remote addresses is their
 * notes (one small record per address id) and the denied sources on the
 * clients' ports (a record per source and hour), and the per-source
 * judgement of asymmetric-return reads the connection table with SQL
 * (returns.c). Nothing grows with the number of tuples. */
#ifndef NSGFLOW_SCAN_H
#define NSGFLOW_SCAN_H

#include <stdint.h>

#include <sqlite3.h>

#include "../common/hashmap.h"
#include "addresses.h"
#include "connections.h"
#include "requirements.h"

/* Key of hosts: a local address id. Counts of connections. */
struct host_seen {
    int64_t management;     /* inbound 3443 from the control plane */
    int64_t probes;         /* inbound 6390 from 168.63.129.16 */
    int64_t in_subnet;      /* while inside --apim-subnet */
    int64_t public_clients; /* allowed inbound TCP 80/443 from public addresses */
};

/* Key of denied. */
struct denied_key {
    int64_t local, requirement, rule_id, port;
};

#define DENIED_SAMPLES 8

struct denied_agg {
    int64_t connections, tuples, first, last;
    int64_t flow_log_id;           /* of the first connection: names the NSG */
    int best_confidence;
    int64_t samples[DENIED_SAMPLES]; /* the lowest remote addresses (ids), in
                                     * address order */
    int nsamples;
    int64_t remotes;               /* distinct remote addresses */
    struct id_set *seen;           /* which: a set of address ids */
};

/* A set of address ids, exact: a small hash table that turns into a bit
 * map over all address ids once that is smaller (a scanner's thousands of
 * sources cost max_address / 8 bytes, not more). */
struct id_set;

/* Key of client_denied: a source's denied connections to one port of a
 * clients' requirement, per local address, rule and hour (Unix seconds). */
struct client_key {
    int64_t local, requirement, rule_id, port, remote, hour;
};
struct client_count {
    int64_t connections, syns, tuples; /* syns: each connection's SYNs, at least 1 */
    int64_t first, last;
};

/* Key of dropped: struct denied_key with rule_id 0. Connections dropped by
 * encryption enforcement, and how many of them each encryption value
 * dropped (there are three such values: table encryption_state). */
#define DROP_STATES 4
struct drop_agg {
    struct denied_agg a;           /* first: freed as a denied_agg */
    int64_t example_tuple;         /* the first connection's first tuple */
    struct drop_state {
        int64_t encryption;        /* encryption.id */
        int64_t connections, tuples;
    } states[DROP_STATES];
    int nstates;
};

/* Key of allowed: allowed connections per local host and requirement. */
struct allowed_key {
    int64_t local, requirement;
};

/* Key of hourly: what a count is about, and the hour (Unix seconds). */
enum hourly_kind { HOURLY_DENIED = 1, HOURLY_ALLOWED, HOURLY_CONNECTIONS, HOURLY_DROPPED };
struct hourly_key {
    int64_t kind;     /* enum hourly_kind */
    int64_t local, requirement_or_remote, rule_id, port;
    int64_t hour;
};
/* HOURLY_DENIED: bad = denied connections (key as denied_key);
 * HOURLY_DROPPED: bad = connections dropped by encryption (key as
 * denied_key, rule_id 0);
 * HOURLY_ALLOWED: good = allowed connections (local, requirement);
 * HOURLY_CONNECTIONS: written by findings.c for asymmetric-return: bad =
 * connections whose answer was lost, good = the others (remote: a source's
 * address id, or a client group's id). */
struct hourly_count {
    int64_t bad, good;
};

/* What the pass notes about a remote address that calls in (by address
 * id; eight bytes, one per address in the database). */
struct source_note {
    uint8_t connections;   /* inbound connections, up to 255 */
    uint8_t nports;        /* distinct destination ports, up to 255 */
    uint16_t ports[2];     /* the first distinct ports */
    uint16_t nics;         /* the NICs called, as bits (NIC id mod 16): how
                            * many it reached is at least their count */
};

/* What the window's connections say about the logs of a local address
 * (key: its address id) and of a NIC (key: its mac id). */
struct local_seen {
    int64_t nic;                /* the mac id of its first connection */
    uint32_t formats;           /* 1 << enum flow_format of its connections */
    int64_t first, last;        /* its judged connections' span (Unix seconds) */
};
struct nic_seen {
    int64_t connections;        /* allowed connections judged */
    int64_t vnet;               /* of them, from VNet flow logs */
    int64_t begins, ends;       /* their B and E tuples (VNet flow logs) */
};

struct scan_result {
    struct hashmap hosts;       /* int64_t -> struct host_seen */
    struct hashmap locals;      /* int64_t -> struct local_seen */
    struct hashmap nics;        /* int64_t -> struct nic_seen */
    struct hashmap denied;      /* struct denied_key -> struct denied_agg */
    struct hashmap client_denied; /* struct client_key -> struct client_count */
    struct hashmap allowed;     /* struct allowed_key -> int64_t (connections) */
    struct hashmap denied_by_requirement; /* struct allowed_key -> int64_t:
                                   * denied and dropped connections */
    struct hashmap dropped;     /* struct denied_key -> struct drop_agg */
    struct hashmap platform;    /* struct denied_key (rule_id 0) -> int64_t:
                                 * platform connections per port */
    struct hashmap allowed_ports; /* struct denied_key (rule_id 0) -> int64_t:
                                   * allowed connections per port */
    struct hashmap hourly;      /* struct hourly_key -> struct hourly_count */
    struct source_note *sources; /* by address id, 0..max_address */
    int64_t max_address;
    struct conn_scan_stats read; /* tuples, blobs, time range, double logging */
    int64_t judge_from;         /* connections that began before are
                                 * written, not judged */
    int64_t connections;        /* judged */
    int64_t class_counts[CONN_CLASSES];
};

/* Runs the pass over [from, to] (Unix seconds, inclusive): reads the
 * tuples through read_db and writes the connections as rows of analysis
 * run_id through write_db (in its open transaction, from a thread of their
 * own; two connections to one database). Only the connections that began
 * at judge_from or later (from <= judge_from <= to) go into the
 * aggregates. The caller owns *out and frees it with scan_free. Returns 0,
 * or -1 with err. */
int scan_window(sqlite3 *read_db, sqlite3 *write_db, int64_t from, int64_t judge_from,
                int64_t to, int64_t run_id,
                const struct requirements *reqs, const addresses *addrs,
                struct scan_result *out, char *err, size_t errlen);
void scan_free(struct scan_result *r);

/* The note of a remote address, or NULL. */
const struct source_note *scan_source(const struct scan_result *r, int64_t address);

/* A source that called this many destination ports, or NICs, in the window
 * is a scanner: asymmetric-return does not judge it, and denied-required-port
 * sets it aside on the clients' ports. */
#define SCANNER_PORTS 3
#define SCANNER_NICS 8

/* 1 when note (NULL: none) shows a scanner: SCANNER_PORTS or more distinct
 * destination ports, or SCANNER_NICS or more NICs (counted as the distinct
 * bits of their ids mod 16, so never more than it called). */
int scan_is_scanner(const struct source_note *note);

/* Adds remote, new to a, to the examples of a: its DENIED_SAMPLES lowest
 * remote addresses in address order (addresses_cmp), kept sorted. */
void scan_keep_lowest(const addresses *addrs, struct denied_agg *a, int64_t remote);

#endif
