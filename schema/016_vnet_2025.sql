-- nsgflow database, schema version 16: VNet flow logs as they are in
-- 2025-2026: platform traffic and drops by encryption enforcement.
--
-- Two things in VNet flow records are decided by no rule of the user's:
--   - flow groups with rule PlatformRule (under an aclID of all zeros):
--     traffic that Azure's platform handles without evaluating the NSG;
--   - tuples whose encryption is NX_SW_NOT_READY, NX_NOT_ACCEPTED or
--     NX_NOT_SUPPORTED: the packet was dropped (VNet encryption), whatever
--     its state letter; their aclID and rule say `unspecified`.
-- Both are kept as ingested (rule, acl_id, encryption, state). The views
-- say who decided (column decided_by: 'encryption', 'platform' or 'rule')
-- and call an encryption drop's action 'drop' (a D tuple stays 'deny', as
-- denied_flows and hourly_traffic count it). No row is rewritten.

-- The encryption values of VNet flow logs, as Microsoft's flow-log
-- documentation describes them: whether the packet was dropped, what the
-- value means and, for a drop, what to do about it, and the VNet's
-- encryption enforcement policy that lets such traffic through
-- (az network vnet update --encryption-enforcement-policy), where one does.
CREATE TABLE encryption_state (
    name      TEXT PRIMARY KEY,
    drops     INTEGER NOT NULL,  -- 1: the packet was dropped
    meaning   TEXT NOT NULL,
    remedy    TEXT,              -- for a drop: the fix, in words
    policy    TEXT               -- for a drop: the enforcement policy that
                                 -- lets it through, or NULL
) WITHOUT ROWID;
INSERT INTO encryption_state(name, drops, meaning, remedy, policy) VALUES
('X', 0, 'encrypted: encryption is configured and the platform encrypted the connection', NULL, NULL),
('NX', 0, 'not encrypted: encryption is not configured, or the other end has none, as an Internet endpoint', NULL, NULL),
('NX_HW_NOT_SUPPORTED', 0, 'not encrypted, let through: the host of the VM has no hardware for encryption', NULL, NULL),
('NX_SW_NOT_READY', 1, 'dropped: the network software of the host is not ready for encrypted connections, as while the VM starts, restarts or is redeployed, or while the host is updated',
 'it should pass once the VM is up and the update of its host is done; if it lasts, report it to Microsoft with the VM and the times', NULL),
('NX_NOT_ACCEPTED', 1, 'dropped: the VNet enforces encryption, with policy DropUnencrypted, and the connection could not be encrypted',
 'run both ends on VM sizes that support VNet encryption or, where unencrypted traffic is acceptable, set the enforcement of the VNet to AllowUnencrypted', 'AllowUnencrypted'),
('NX_NOT_SUPPORTED', 1, 'dropped: encryption is configured but the network stack of the host does not support encryption discovery',
 'report it to Microsoft; until it is fixed, AllowUnencrypted lets the traffic through unencrypted', 'AllowUnencrypted'),
('NX_LOCAL_DST', 0, 'not encrypted, let through: both ends are on the same host', NULL, NULL),
('NX_FALLBACK', 0, 'not encrypted, let through: the VNet allows unencrypted traffic, and encryption was tried and failed', NULL, NULL);

-- A connection whose packets encryption enforcement dropped.
INSERT INTO connection_class(id, name, evidence) VALUES
(8, 'encryption-drop', 'dropped by VNet encryption enforcement: at least half of its tuples carry NX_SW_NOT_READY, NX_NOT_ACCEPTED or NX_NOT_SUPPORTED, whatever their flow state (no rule decided: the log says unspecified)');

DROP VIEW flows;
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
    CASE WHEN t.action = 1 THEN 'deny' WHEN es.drops = 1 THEN 'drop'
         ELSE 'allow' END AS action,
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
    f.path AS source_file,
    CASE WHEN es.drops = 1 THEN 'encryption' WHEN r.name = 'PlatformRule' THEN 'platform'
         ELSE 'rule' END AS decided_by
FROM flow_tuple t
JOIN flow_group g ON g.id = t.group_id
JOIN source_file f ON f.id = g.file_id
JOIN address s ON s.id = t.src
JOIN address d ON d.id = t.dst
LEFT JOIN flow_log l ON l.id = g.flow_log_id
LEFT JOIN rule r ON r.id = g.rule_id
LEFT JOIN mac m ON m.id = g.mac_id
LEFT JOIN encryption e ON e.id = t.encryption
LEFT JOIN encryption_state es ON es.name = e.name;

DROP VIEW connections;
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
    CASE c.class WHEN 6 THEN 'deny' WHEN 8 THEN 'drop' ELSE 'allow' END AS action,
    c.tuples,
    c.syns,
    c.packets_src_to_dst,
    c.bytes_src_to_dst,
    c.packets_dst_to_src,
    c.bytes_dst_to_src,
    k.name AS class,
    c.requirement_id,
    c.run_id,
    CASE WHEN c.class = 8 THEN 'encryption' WHEN r.name = 'PlatformRule' THEN 'platform'
         ELSE 'rule' END AS decided_by,
    e.name AS encryption
FROM connection c
JOIN flow_tuple t ON t.id = c.first_tuple
JOIN flow_group g ON g.id = t.group_id
JOIN address s ON s.id = t.src
JOIN address d ON d.id = t.dst
JOIN connection_class k ON k.id = c.class
LEFT JOIN rule r ON r.id = c.rule_id
LEFT JOIN mac m ON m.id = g.mac_id
LEFT JOIN encryption e ON e.id = t.encryption;
