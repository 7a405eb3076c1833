-- nsgflow database, schema version 7: what the evidence rests on. One row
-- per NIC (MAC) and hour, for every hour between the NIC's first and last
-- blob, gaps included; read from the blobs' own rows (source_file,
-- flow_group), never from the tuples, so that it is cheap on a month of
-- data. A blob's NIC and hour come from its path (macAddress=, y=/m=/d=/h=);
-- for a blob named otherwise, from its records (each NIC in it) and its
-- first tuple's hour. A rejected blob counts as no blob (its hour is
-- missing), though its path still stretches the NIC's span.
CREATE VIEW log_coverage AS
WITH RECURSIVE
any_blob AS (
    SELECT DISTINCT f.id AS file_id, upper(coalesce(f.mac, m.address)) AS mac,
           CASE WHEN f.hour IS NOT NULL AND unixepoch(f.hour) IS NOT NULL
                THEN unixepoch(f.hour) - unixepoch(f.hour) % 3600
                ELSE f.min_ts - f.min_ts % 3600 END AS hour,
           f.status, f.tuples
    FROM source_file f
    LEFT JOIN flow_group g ON f.mac IS NULL AND g.file_id = f.id
    LEFT JOIN mac m ON m.id = g.mac_id
    WHERE f.identity IS NOT NULL
      AND coalesce(f.mac, m.address) IS NOT NULL
      AND (f.hour IS NOT NULL OR f.min_ts IS NOT NULL)
),
blob_nic AS (SELECT * FROM any_blob WHERE status != 'rejected'),
span AS (SELECT mac, min(hour) AS first, max(hour) AS last FROM any_blob GROUP BY mac),
hours(mac, hour, last) AS (
    SELECT mac, first, last FROM span
    UNION ALL
    SELECT mac, hour + 3600, last FROM hours WHERE hour < last
)
SELECT h.mac,
       strftime('%Y-%m-%dT%H:00:00Z', h.hour, 'unixepoch') AS hour,
       count(b.file_id) AS blobs,
       coalesce(sum(b.tuples), 0) AS tuples,
       CASE WHEN count(b.file_id) = 0 THEN 'missing'
            WHEN sum(b.status = 'partial') > 0 THEN 'partial' ELSE 'ok' END AS status,
       (SELECT group_concat(name, ',') FROM (
            SELECT DISTINCT CASE g.format WHEN 1 THEN 'nsg-v1' WHEN 2 THEN 'nsg-v2'
                                          WHEN 4 THEN 'vnet-v4' END AS name
            FROM blob_nic b2 JOIN flow_group g ON g.file_id = b2.file_id
            WHERE b2.mac = h.mac AND b2.hour = h.hour ORDER BY name)) AS formats,
       h.hour AS ts
FROM hours h
LEFT JOIN blob_nic b ON b.mac = h.mac AND b.hour = h.hour
GROUP BY h.mac, h.hour;
