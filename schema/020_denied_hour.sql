-- nsgflow database, schema version 20: what was denied, by rule and port,
-- hour by hour, kept at ingest.
--
-- "What did the NSG deny, on which port?" read every denied tuple through
-- denied_flows: 6 s on 10 days of 10 NICs, 19 s on a month. denied_hour
-- holds, per blob, the denied tuples of each group (rule, NIC, direction,
-- protocol) by hour and destination port; a blob's rows go and come with its
-- tuples, like flow_hour's. Keyed by blob first, a new blob writes at the
-- table's end. Read it through the view hourly_denied.
CREATE TABLE denied_hour (
    file_id  INTEGER NOT NULL,  -- source_file.id
    group_id INTEGER NOT NULL,  -- flow_group.id
    hour     INTEGER NOT NULL,  -- Unix seconds of the hour's start
    dst_port INTEGER NOT NULL,
    tuples   INTEGER NOT NULL,  -- denied tuples
    PRIMARY KEY (file_id, group_id, hour, dst_port)
) WITHOUT ROWID;
CREATE INDEX denied_hour_hour ON denied_hour(hour);

-- The denied tuples already in the database.
INSERT INTO denied_hour
SELECT g.file_id, t.group_id, t.ts - t.ts % 3600, t.dst_port, count(*)
FROM flow_tuple t JOIN flow_group g ON g.id = t.group_id
WHERE t.action = 1
GROUP BY 1, 2, 3, 4;

-- One row per blob, hour, NIC, NSG, rule, direction, protocol and
-- destination port that saw denied tuples (not summed over blobs: a GROUP
-- BY in the view would cost as much again as the query; a NIC's hour is in
-- one blob, so the rows rarely split):
--   SELECT rule, dst_port, sum(tuples) FROM hourly_denied GROUP BY 1, 2;
CREATE VIEW hourly_denied AS
SELECT strftime('%Y-%m-%dT%H:00Z', d.hour, 'unixepoch') AS hour,
       d.hour AS ts,
       m.address AS mac,
       l.name AS nsg,
       r.name AS rule,
       CASE g.direction WHEN 0 THEN 'inbound' ELSE 'outbound' END AS direction,
       CASE g.protocol WHEN 6 THEN 'TCP' WHEN 17 THEN 'UDP'
                       ELSE CAST(g.protocol AS TEXT) END AS protocol,
       d.dst_port AS dst_port,
       d.tuples AS tuples,
       d.file_id AS file_id
FROM denied_hour d
JOIN flow_group g ON g.id = d.group_id
LEFT JOIN flow_log l ON l.id = g.flow_log_id
LEFT JOIN rule r ON r.id = g.rule_id
LEFT JOIN mac m ON m.id = g.mac_id;
