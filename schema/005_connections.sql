-- nsgflow database, schema version 5: connections, the model the analyzers
-- judge by.
--
-- A connection is the tuples of one NIC, protocol, source, source port,
-- destination and destination port from its first tuple to its end (across
-- blobs, hours, C tuples and silence; analyze/connections.h has the rules).
-- Each analysis writes the connections that began in its window; a row is
-- keyed by the id of its first tuple, which also gives its NIC, rule and
-- 5-tuple (see the connections view). Re-analyzing a window replaces its
-- rows. No column is NOT NULL, for speed: a constraint that might fail makes
-- SQLite journal every INSERT (the writer always sets run_id).
CREATE TABLE connection (
    first_tuple        INTEGER PRIMARY KEY, -- flow_tuple.id of its first tuple
    run_id             INTEGER,             -- the analysis that built it
    local              INTEGER,             -- address.id of the logged NIC's side
    remote             INTEGER,             -- address.id of the other side
    port               INTEGER,             -- destination port
    direction          INTEGER,             -- 0 inbound, 1 outbound
    protocol           INTEGER,             -- IANA: 6 TCP, 17 UDP
    rule_id            INTEGER,             -- rule.id of its first tuple
    first_ts           INTEGER,             -- Unix seconds of its first tuple
    duration_ms        INTEGER,             -- first to last tuple
    tuples             INTEGER,
    syns               INTEGER,             -- B (or D) tuples of a chain without
                                            -- C or E: one SYN each; NULL otherwise
    packets_src_to_dst INTEGER,             -- summed counters; NULL when the log
    bytes_src_to_dst   INTEGER,             --   has none (NSG v1, stateless
    packets_dst_to_src INTEGER,             --   inbound rules)
    bytes_dst_to_src   INTEGER,
    class              INTEGER,             -- see connection_class
    requirement_id     INTEGER              -- the apim_requirement row it matched
);
-- (No index of its own: a condition on the connections view's ts goes
-- through flow_tuple's time index to the first tuples, and from them by key
-- to their rows; connections_by_address goes through address_file. Each
-- index of this table would cost every analysis a second of writing.)

-- The classes, with the evidence each rests on.
CREATE TABLE connection_class (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    evidence TEXT NOT NULL
);
INSERT INTO connection_class(id, name, evidence) VALUES
(0, 'completed', 'payload, and packets both ways: the counters show more bytes than headers in at least one direction, and packets back'),
(1, 'answered', 'the SYN was answered: logged once and never repeated (stateless logging shows no more of a healthy connection), or a long flow logged again every minute'),
(2, 'closed', 'answered, then reset or closed without payload: packets both ways, more from the caller than back (its ACK, RST or FIN after the answer); scanners and refused calls'),
(3, 'no-answer', 'packets from the caller and nothing back'),
(4, 'answer-lost', 'the caller kept sending its SYN though it was answered: 2 or more packets in and at least as many back, no payload; or 3 or more SYNs (B tuples) at retransmit spacing and nothing else'),
(5, 'retransmitted', 'two SYNs (B tuples) at retransmit spacing and nothing else: ordinary loss, or an answer lost to a caller that gave up early'),
(6, 'denied', 'denied by a rule (decision D, or VNet flow state D)'),
(7, 'unclear', 'none of the above: UDP without counters, a begin with no end logged, only answers');

-- A finding's connections (where it counts connections; flows counts tuples).
ALTER TABLE finding ADD COLUMN connections INTEGER;

DROP VIEW findings;
CREATE VIEW findings AS
SELECT
    f.id AS finding_id,
    f.analyzer,
    f.severity,
    f.title,
    f.host,
    f.remote,
    f.port,
    f.protocol,
    f.direction,
    f.rule,
    f.connections,
    f.flows,
    strftime('%Y-%m-%dT%H:%M:%SZ', f.first_seen, 'unixepoch') AS first_seen,
    strftime('%Y-%m-%dT%H:%M:%SZ', f.last_seen, 'unixepoch') AS last_seen,
    f.evidence,
    f.hint,
    f.commands,
    f.confidence,
    f.status,
    f.details,
    f.requirement_id,
    r.id AS run_id,
    strftime('%Y-%m-%dT%H:%M:%SZ', r.window_start, 'unixepoch') AS window_start,
    strftime('%Y-%m-%dT%H:%M:%SZ', r.window_end, 'unixepoch') AS window_end
FROM finding f
JOIN analysis_run r ON r.id = f.run_id
ORDER BY CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         f.analyzer, f.host, f.port;

CREATE VIEW connections AS
SELECT
    c.first_tuple AS connection_id,
    strftime('%Y-%m-%dT%H:%M:%S', t.ts, 'unixepoch')
        || CASE WHEN t.ms IS NULL THEN 'Z' ELSE printf('.%03dZ', t.ms) END AS first_time,
    t.ts AS ts,
    strftime('%Y-%m-%dT%H:%M:%SZ', (t.ts * 1000 + coalesce(t.ms, 0) + c.duration_ms) / 1000,
             'unixepoch') AS last_time,
    c.duration_ms / 1000.0 AS duration_s,
    m.address AS mac,
    CASE c.protocol WHEN 6 THEN 'TCP' WHEN 17 THEN 'UDP'
                    ELSE CAST(c.protocol AS TEXT) END AS protocol,
    CASE c.direction WHEN 0 THEN 'inbound' ELSE 'outbound' END AS direction,
    s.ip AS src_ip,
    t.src_port AS src_port,
    d.ip AS dst_ip,
    t.dst_port AS dst_port,
    r.name AS rule,
    CASE WHEN c.class = 6 THEN 'deny' ELSE 'allow' END AS action,
    c.tuples,
    c.syns,
    c.packets_src_to_dst,
    c.bytes_src_to_dst,
    c.packets_dst_to_src,
    c.bytes_dst_to_src,
    k.name AS class,
    c.requirement_id,
    c.run_id
FROM connection c
JOIN flow_tuple t ON t.id = c.first_tuple
JOIN flow_group g ON g.id = t.group_id
JOIN address s ON s.id = t.src
JOIN address d ON d.id = t.dst
JOIN connection_class k ON k.id = c.class
LEFT JOIN rule r ON r.id = c.rule_id
LEFT JOIN mac m ON m.id = g.mac_id;

-- connections with the address they were looked up by, as either side:
--   SELECT * FROM connections_by_address WHERE address = '52.162.110.80';
-- reads only the blobs that hold the address (address_file).
CREATE VIEW connections_by_address AS
SELECT a.ip AS address, cv.*
FROM address a
JOIN address_file af ON af.address_id = a.id
JOIN source_file f ON f.id = af.file_id
JOIN connection c ON c.first_tuple BETWEEN f.first_tuple AND f.last_tuple
                 AND (c.local = a.id OR c.remote = a.id)
JOIN connections cv ON cv.connection_id = c.first_tuple;
