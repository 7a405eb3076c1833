-- nsgflow database, schema version 1: flow tuples and where they came from.
--
-- One row per flow tuple in flow_tuple, kept small: addresses, rules, MACs,
-- NSGs / flow logs and files live in dimension tables and the tuple holds
-- their ids. Query through the views at the end (flows, denied_flows,
-- ingested_files); the README documents them with examples.

-- Every blob read, whatever its fate.
CREATE TABLE source_file (
    id             INTEGER PRIMARY KEY,
    identity       TEXT COLLATE NOCASE UNIQUE, -- NULL only while being ingested
    path           TEXT NOT NULL,              -- as given on the command line
    status         TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'rejected')),
    error          TEXT,                       -- why partial or rejected
    error_offset   INTEGER,                    -- byte of the JSON text where it broke
    records        INTEGER NOT NULL DEFAULT 0,
    tuples         INTEGER NOT NULL DEFAULT 0,
    skipped_tuples INTEGER NOT NULL DEFAULT 0,
    json_bytes     INTEGER,                    -- size of the (decompressed) JSON
    gzip           INTEGER NOT NULL DEFAULT 0, -- 1 when the file was gzip
    fingerprint    TEXT,                       -- crc32 and length of the JSON
    ingested_at    INTEGER NOT NULL,           -- Unix seconds
    first_tuple    INTEGER,                    -- flow_tuple ids of this file:
    last_tuple     INTEGER,                    --   first_tuple .. last_tuple
    min_ts         INTEGER,
    max_ts         INTEGER,
    -- what the path's key=value segments say
    subscription   TEXT,
    resource_group TEXT,
    nsg            TEXT,
    flow_log       TEXT,
    mac            TEXT,
    hour           TEXT
);

-- The NSG (NSG flow logs) or flow-log resource (VNet flow logs).
CREATE TABLE flow_log (
    id          INTEGER PRIMARY KEY,
    resource_id TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name        TEXT NOT NULL,   -- last segment of the resource id
    kind        TEXT NOT NULL    -- 'nsg' or 'vnet-flow-log'
);

CREATE TABLE rule (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE mac (
    id      INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE     -- upper-case hex, no separators
);

CREATE TABLE address (
    id     INTEGER PRIMARY KEY,
    ip     TEXT NOT NULL UNIQUE,     -- canonical text
    family INTEGER NOT NULL,         -- 4 or 6
    ipv4   INTEGER,                  -- IPv4 as an unsigned 32-bit number
    ipv6   BLOB                      -- IPv6 as 16 bytes
);

-- VNet flow logs' encryption status (X, NX, NX_HW_NOT_SUPPORTED, ...).
CREATE TABLE encryption (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- The tuples of one rule (and MAC or ACL, direction and protocol) in one
-- file: what every tuple of a flow log's group shares.
CREATE TABLE flow_group (
    id                 INTEGER PRIMARY KEY,
    file_id            INTEGER NOT NULL REFERENCES source_file(id),
    format             INTEGER NOT NULL, -- 1 nsg-v1, 2 nsg-v2, 4 vnet-v4
    flow_log_id        INTEGER REFERENCES flow_log(id),
    rule_id            INTEGER REFERENCES rule(id),
    mac_id             INTEGER REFERENCES mac(id),
    direction          INTEGER NOT NULL, -- 0 inbound, 1 outbound
    protocol           INTEGER NOT NULL, -- IANA: 6 TCP, 17 UDP
    acl_id             TEXT,             -- VNet flow logs
    target_resource_id TEXT              -- VNet flow logs: the VNet, subnet or NIC
);
CREATE INDEX flow_group_file ON flow_group(file_id);

-- One row per flow tuple. A file's tuples have consecutive ids
-- (source_file.first_tuple .. last_tuple). The columns carry no NOT NULL
-- constraints on purpose: a constraint that might fail makes SQLite keep a
-- statement journal for every INSERT, which halves the ingest speed; the
-- writer always sets group_id, ts, src, dst, src_port, dst_port and action.
CREATE TABLE flow_tuple (
    id                 INTEGER PRIMARY KEY,
    group_id           INTEGER    ,  -- flow_group.id
    ts                 INTEGER    ,  -- Unix seconds
    ms                 INTEGER,           -- milliseconds, when the log has them
    src                INTEGER    ,  -- address.id
    dst                INTEGER    ,  -- address.id
    src_port           INTEGER    ,
    dst_port           INTEGER    ,
    action             INTEGER    ,  -- 0 allow, 1 deny
    state              INTEGER,           -- 0 B, 1 C, 2 E, 3 D; NULL in v1
    encryption         INTEGER,           -- encryption.id (VNet)
    packets_src_to_dst INTEGER,
    bytes_src_to_dst   INTEGER,
    packets_dst_to_src INTEGER,
    bytes_dst_to_src   INTEGER
);
CREATE INDEX flow_tuple_ts ON flow_tuple(ts);
CREATE INDEX flow_tuple_denied_ts ON flow_tuple(ts) WHERE action = 1;

-- Which files hold an address (as source or destination) and a destination
-- port: coarse indexes that cost little per tuple. The views flows_by_address
-- and flows_by_port use them to read only those files' tuples.
CREATE TABLE address_file (
    address_id INTEGER NOT NULL,
    file_id    INTEGER NOT NULL,
    PRIMARY KEY (address_id, file_id)
) WITHOUT ROWID;
CREATE TABLE port_file (
    port    INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    PRIMARY KEY (port, file_id)
) WITHOUT ROWID;

CREATE VIEW flows AS
SELECT
    t.id AS flow_id,
    strftime('%Y-%m-%dT%H:%M:%S', t.ts, 'unixepoch')
        || CASE WHEN t.ms IS NULL THEN 'Z' ELSE printf('.%03dZ', t.ms) END AS time,
    t.ts AS ts,
    s.ip AS src_ip,
    t.src_port AS src_port,
    d.ip AS dst_ip,
    t.dst_port AS dst_port,
    CASE g.protocol WHEN 6 THEN 'TCP' WHEN 17 THEN 'UDP'
                    ELSE CAST(g.protocol AS TEXT) END AS protocol,
    CASE g.direction WHEN 0 THEN 'inbound' ELSE 'outbound' END AS direction,
    CASE t.action WHEN 1 THEN 'deny' ELSE 'allow' END AS action,
    CASE t.state WHEN 0 THEN 'B' WHEN 1 THEN 'C' WHEN 2 THEN 'E'
                 WHEN 3 THEN 'D' END AS state,
    e.name AS encryption,
    t.packets_src_to_dst AS packets_src_to_dst,
    t.bytes_src_to_dst AS bytes_src_to_dst,
    t.packets_dst_to_src AS packets_dst_to_src,
    t.bytes_dst_to_src AS bytes_dst_to_src,
    r.name AS rule,
    m.address AS mac,
    l.name AS nsg,
    l.resource_id AS resource_id,
    g.target_resource_id AS target_resource_id,
    g.acl_id AS acl_id,
    CASE g.format WHEN 1 THEN 'nsg-v1' WHEN 2 THEN 'nsg-v2'
                  WHEN 4 THEN 'vnet-v4' END AS format,
    f.path AS source_file
FROM flow_tuple t
JOIN flow_group g ON g.id = t.group_id
JOIN source_file f ON f.id = g.file_id
JOIN address s ON s.id = t.src
JOIN address d ON d.id = t.dst
LEFT JOIN flow_log l ON l.id = g.flow_log_id
LEFT JOIN rule r ON r.id = g.rule_id
LEFT JOIN mac m ON m.id = g.mac_id
LEFT JOIN encryption e ON e.id = t.encryption;

-- The same, denied tuples only, through the partial index.
CREATE VIEW denied_flows AS
SELECT * FROM flows
WHERE flow_id IN (SELECT id FROM flow_tuple WHERE action = 1);

-- flows with the address they were looked up by, as source or destination:
--   SELECT * FROM flows_by_address WHERE address = '52.162.110.80';
-- reads only the files that hold the address (address_file).
CREATE VIEW flows_by_address AS
SELECT a.ip AS address, fl.*
FROM address a
JOIN address_file af ON af.address_id = a.id
JOIN source_file f ON f.id = af.file_id
JOIN flow_tuple t ON t.id BETWEEN f.first_tuple AND f.last_tuple
                 AND (t.src = a.id OR t.dst = a.id)
JOIN flows fl ON fl.flow_id = t.id;

-- flows with the destination port they were looked up by:
--   SELECT * FROM flows_by_port WHERE port = 1433;
-- reads only the files that hold the port (port_file).
CREATE VIEW flows_by_port AS
SELECT pf.port AS port, fl.*
FROM port_file pf
JOIN source_file f ON f.id = pf.file_id
JOIN flow_tuple t ON t.id BETWEEN f.first_tuple AND f.last_tuple
                 AND t.dst_port = pf.port
JOIN flows fl ON fl.flow_id = t.id;

CREATE VIEW ingested_files AS
SELECT
    id AS file_id,
    path,
    identity,
    status,
    error,
    error_offset,
    (SELECT group_concat(name, ',') FROM (
        SELECT DISTINCT CASE g.format WHEN 1 THEN 'nsg-v1' WHEN 2 THEN 'nsg-v2'
                                      WHEN 4 THEN 'vnet-v4' END AS name
        FROM flow_group g WHERE g.file_id = source_file.id ORDER BY name)) AS formats,
    records,
    tuples,
    skipped_tuples,
    json_bytes,
    CASE gzip WHEN 1 THEN 'gzip' ELSE 'plain' END AS compression,
    fingerprint,
    strftime('%Y-%m-%dT%H:%M:%SZ', ingested_at, 'unixepoch') AS ingested_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', min_ts, 'unixepoch') AS first_flow_time,
    strftime('%Y-%m-%dT%H:%M:%SZ', max_ts, 'unixepoch') AS last_flow_time,
    subscription,
    resource_group,
    nsg,
    flow_log,
    mac,
    hour
FROM source_file
WHERE identity IS NOT NULL;
