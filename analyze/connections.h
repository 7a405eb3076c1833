/* connections.h: the connection model that every analyzer reads.
 *
 * Flow logs hold tuples: a begin (B), continuations (C) and an end (E) of a
 * flow, or one B per SYN seen (NSG logs of stateless inbound rules, and
 * Version 1), or a D for a denied packet (VNet logs). A connection is the
 * tuples of one NIC, protocol, source, source port, destination and
 * destination port from its first tuple to its end:
 *   - across blob and hour boundaries (a NIC's blobs are read in time order),
 *     across C tuples, and across silence up to CONN_IDLE_MAX_MS;
 *   - a chain of B tuples (or of D, or v1 tuples) with no C or E is one
 *     connection while they come less than CONN_CHAIN_GAP_MS apart (SYN
 *     retransmits 1-30 s apart, a long stateless flow stamped every
 *     minute); a longer gap starts a new one;
 *   - a new B after an E starts a new connection.
 * Each finished connection gets a class (enum conn_class, documented below
 * and in the README with the evidence each rests on) and is handed to the
 * caller. Two things no rule of the user's decides are marked: a connection
 * whose first tuple's flow group has rule PlatformRule (VNet flow logs:
 * traffic Azure's platform handles without evaluating the NSG) is
 * `platform`, and tuples whose encryption value drops the packet (table
 * encryption_state: NX_SW_NOT_READY, NX_NOT_ACCEPTED, NX_NOT_SUPPORTED,
 * whatever the state letter) are counted as `drops`, which make the class
 * CONN_ENCRYPTION_DROP.
 *
 * A connection belongs to the window in which it began: the reader reads
 * CONN_MARGIN_S past both edges of the window to find the ends and
 * repeats of the connections that began inside it, and hands over only
 * those. Where a NIC is logged by NSG flow logs and by VNet flow logs in
 * the same hour, that hour's NSG blobs are left out (counted in
 * conn_scan_stats) so that no connection is seen twice.
 *
 * The blobs are read in storage order (hour by hour, as ingest wrote them),
 * each NIC's connections against its own clock. Memory holds the
 * connections still open: it grows with the rate of connections, not with
 * the window or the archive. */
#ifndef NSGFLOW_CONNECTIONS_H
#define NSGFLOW_CONNECTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* Silence after which a connection is over, whatever its state. */
#define CONN_IDLE_MAX_MS (30 * 60 * 1000)
/* Largest gap inside a chain of B (or D, or v1) tuples. */
#define CONN_CHAIN_GAP_MS (150 * 1000)
/* Gaps at or above this inside a B chain are a long flow stamped again
 * (every minute), below it SYN retransmits. */
#define CONN_RESTAMP_MS (45 * 1000)
/* How far past the window's edges the reader reads. */
#define CONN_MARGIN_S (CONN_IDLE_MAX_MS / 1000 + 120)
/* Bytes of a TCP packet without payload: headers and options (IPv4 20 +
 * TCP 20 + up to 26 of options; IPv6 adds 20). More per packet is payload. */
#define CONN_HEADER_BYTES_V4 66
#define CONN_HEADER_BYTES_V6 86

enum conn_class {
    CONN_COMPLETED,       /* payload, and packets both ways (counters) */
    CONN_ANSWERED,        /* the SYN was answered: logged once and never
                           * repeated (stateless logging shows no more of a
                           * healthy connection), or a long flow stamped
                           * again every minute */
    CONN_CLOSED,          /* answered, then reset or closed without payload:
                           * packets both ways, more from the caller than
                           * back (its ACK, RST or FIN after the answer):
                           * scanners, refused calls */
    CONN_NO_ANSWER,       /* packets from the caller, nothing back */
    CONN_ANSWER_LOST,     /* the caller kept sending its SYN though it was
                           * answered: counters with 2 or more packets in, at
                           * least as many back, no payload; or 3 or more
                           * SYNs (B tuples) at retransmit spacing and
                           * nothing else */
    CONN_RETRANSMITTED,   /* two SYNs (B tuples) at retransmit spacing and
                           * nothing else: ordinary loss, or an answer lost
                           * to a caller that gave up early (the source's
                           * other connections decide) */
    CONN_DENIED,          /* denied by a rule (decision D, or VNet state D) */
    CONN_UNCLEAR,         /* none of the above: UDP without counters, a
                           * begin with no end logged, only answers */
    CONN_ENCRYPTION_DROP, /* dropped by VNet encryption enforcement: at
                           * least half of its tuples carry an encryption
                           * value that drops (whatever their state) */
    CONN_CLASSES
};

/* "completed", "answered", ... (the names the database stores in views). */
const char *conn_class_name(int cls);

/* One connection, as the reader hands it over. Times in milliseconds. */
struct connection {
    int64_t first_tuple;        /* flow_tuple.id of its first tuple */
    int64_t group_id;           /* the flow group of its first tuple */
    int64_t rule_id, flow_log_id; /* of that group (0 when none) */
    int64_t nic;                /* mac id of its blobs (0: not known) */
    int format;                 /* enum flow_format of its first tuple */
    int direction, protocol;    /* DIRECTION_*, IANA number */
    int64_t src, dst;           /* address ids */
    int src_port, dst_port;
    int64_t local, remote;      /* the logged NIC's side (dst of an inbound
                                 * flow, src of an outbound one) and the other */
    int64_t first_ms, last_ms;
    int tuples;
    int begins, continues, ends, denials; /* B, C, E, D (v1 tuples count as B) */
    int syns;                   /* B tuples of a chain without counters */
    int has_counters;           /* counters were logged (C, E, or VNet B/D) */
    int64_t counters[4];        /* packets src->dst, bytes src->dst,
                                 * packets dst->src, bytes dst->src, summed */
    int gaps_ms[4];             /* between its first B tuples */
    int ngaps;
    int64_t syn_last_ms;        /* the last of them */
    int stateless;              /* logged statelessly: v1, or NSG v2 inbound
                                 * TCP allowed by a user rule */
    int ipv6;
    int platform;               /* its first tuple's rule is PlatformRule */
    int drops;                  /* tuples dropped by encryption enforcement */
    int64_t drop_encryption;    /* encryption.id of the first of them (0: none) */
    int cls;                    /* enum conn_class */
};

/* Classifies a finished connection (sets nothing; returns the class). */
int conn_classify(const struct connection *c);

/* What a read saw. */
struct conn_scan_stats {
    int64_t tuples;             /* tuples read inside the window */
    int64_t margin_tuples;      /* tuples read in the margins only */
    int64_t blobs;              /* blobs read */
    int64_t connections;        /* connections handed over */
    int64_t min_ts, max_ts;     /* of the tuples inside the window */
    int64_t doubled_blobs;      /* NSG blobs left out: their NIC's hour is in
                                 * VNet flow logs too */
    int64_t doubled_hours;      /* NIC-hours logged twice */
    char doubled_macs[256];     /* a few of the NICs concerned */
    int64_t open_peak;          /* most connections open at once */
};

/* Called for each connection that began in the window; return 0 to go on,
 * nonzero to stop the read (which then fails with "stopped"). */
typedef int (*conn_fn)(void *ctx, const struct connection *c);

/* Reads the tuples of [from, to] (Unix seconds, inclusive) and their
 * margins, NIC by NIC in time order, and calls fn for every connection
 * that began in the window, in the order they end. Returns 0, or -1 with
 * err. */
int connections_read(sqlite3 *db, int64_t from, int64_t to, conn_fn fn, void *ctx,
                     struct conn_scan_stats *stats, char *err, size_t errlen);

/* The connection table: one row per connection of an analysis (see the
 * schema's connection table and connections view). A thread of its own
 * writes the rows, in batches through a bounded queue, while the reader
 * goes on: db belongs to that thread from conn_writer_new until
 * conn_writer_finish returns (the reader needs a connection of its own). */
typedef struct conn_writer conn_writer;

/* Starts writing rows of analysis run_id into db, inside the caller's
 * transaction. NULL with err on failure. */
conn_writer *conn_writer_new(sqlite3 *db, int64_t run_id, char *err, size_t errlen);
/* Queues one connection, with the requirement it matched (0: none). With
 * candidate set it also goes into temp.return_candidate: the few columns
 * asymmetric-return (returns.c) and the clients' judgement (clients.c)
 * read, so that they need not read the whole table. Returns 0, or -1 once
 * writing has failed. */
int conn_writer_add(conn_writer *w, const struct connection *c, int requirement_id,
                    int candidate);
/* Writes what is queued and stops the thread. Returns 0, or -1 with the
 * first error. */
int conn_writer_finish(conn_writer *w, char *err, size_t errlen);
/* Frees w (stopping its thread if needed). */
void conn_writer_free(conn_writer *w);

#endif
