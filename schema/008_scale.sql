-- nsgflow database, schema version 8: cost that does not grow with the
-- archive, and only what matters.
--
-- flow_hour: what every NIC sent and received, hour by hour, kept at ingest
-- (one row per blob, NIC, direction and hour), so that per-hour questions
-- read a few rows per NIC-hour instead of every tuple. A blob's rows go and
-- come with its tuples (replaced, pruned, rolled back). Read it through the
-- view hourly_traffic.
CREATE TABLE flow_hour (
    file_id            INTEGER NOT NULL,  -- source_file.id
    mac_id             INTEGER NOT NULL,  -- mac.id; 0 when the records name no MAC
    direction          INTEGER NOT NULL,  -- 0 inbound, 1 outbound
    hour               INTEGER NOT NULL,  -- Unix seconds of the hour's start
    tuples             INTEGER NOT NULL,
    denied             INTEGER NOT NULL,  -- tuples with action deny
    packets_src_to_dst INTEGER NOT NULL,  -- sums; 0 where the log has no counters
    bytes_src_to_dst   INTEGER NOT NULL,
    packets_dst_to_src INTEGER NOT NULL,
    bytes_dst_to_src   INTEGER NOT NULL,
    PRIMARY KEY (file_id, mac_id, direction, hour)
) WITHOUT ROWID;
CREATE INDEX flow_hour_hour ON flow_hour(hour);

-- The hours of the tuples already in the database.
INSERT INTO flow_hour
SELECT g.file_id, coalesce(g.mac_id, 0), g.direction, t.ts - t.ts % 3600,
       count(*), sum(t.action = 1),
       coalesce(sum(t.packets_src_to_dst), 0), coalesce(sum(t.bytes_src_to_dst), 0),
       coalesce(sum(t.packets_dst_to_src), 0), coalesce(sum(t.bytes_dst_to_src), 0)
FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id
GROUP BY 1, 2, 3, 4;

-- One row per NIC, direction and hour:
--   SELECT hour, mac, sum(bytes) FROM hourly_traffic GROUP BY 1, 2;
CREATE VIEW hourly_traffic AS
SELECT strftime('%Y-%m-%dT%H:00Z', h.hour, 'unixepoch') AS hour,
       h.hour AS ts,
       m.address AS mac,
       CASE h.direction WHEN 0 THEN 'inbound' ELSE 'outbound' END AS direction,
       sum(h.tuples) AS tuples,
       sum(h.denied) AS denied,
       sum(h.packets_src_to_dst + h.packets_dst_to_src) AS packets,
       sum(h.bytes_src_to_dst + h.bytes_dst_to_src) AS bytes,
       sum(h.packets_src_to_dst) AS packets_src_to_dst,
       sum(h.bytes_src_to_dst) AS bytes_src_to_dst,
       sum(h.packets_dst_to_src) AS packets_dst_to_src,
       sum(h.bytes_dst_to_src) AS bytes_dst_to_src
FROM flow_hour h
LEFT JOIN mac m ON m.id = h.mac_id
GROUP BY h.hour, h.mac_id, h.direction;

-- ingest --only and --shard: the tuples of a blob left out, and why.
ALTER TABLE source_file ADD COLUMN dropped_tuples INTEGER NOT NULL DEFAULT 0;
ALTER TABLE source_file ADD COLUMN filter TEXT; -- e.g. 'only 10.20.1.0/24'; NULL: none

DROP VIEW ingested_files;
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
    dropped_tuples,
    filter,
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
