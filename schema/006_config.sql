-- nsgflow database, schema version 6: the configuration of the network, as
-- `nsgflow config import` read it from Azure's JSON (az CLI or ARM shape):
-- NSGs and their rules, route tables and routes, VNets and subnets, API
-- Management instances. Importing a resource again replaces what its
-- resource id said before; each import is a snapshot with its time. Lists
-- (prefixes, ports, addresses) are JSON arrays, for json_each().

-- One row per import (a run of `nsgflow config import` over its files).
CREATE TABLE config_import (
    id          INTEGER PRIMARY KEY,
    imported_at INTEGER NOT NULL,          -- Unix seconds
    paths       TEXT NOT NULL,             -- the files, as given
    resources   INTEGER NOT NULL DEFAULT 0
);

-- One row per resource, whatever its kind.
CREATE TABLE config_resource (
    id             INTEGER PRIMARY KEY,
    import_id      INTEGER NOT NULL REFERENCES config_import(id),
    kind           TEXT NOT NULL CHECK (kind IN ('nsg', 'route_table', 'vnet', 'subnet', 'apim')),
    resource_id    TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name           TEXT NOT NULL,
    resource_group TEXT,
    subscription   TEXT,
    location       TEXT,
    source_file    TEXT                     -- the file it came from
);

CREATE TABLE config_nsg_rule (
    nsg                  INTEGER NOT NULL REFERENCES config_resource(id),
    name                 TEXT NOT NULL,
    priority             INTEGER NOT NULL,
    direction            TEXT NOT NULL,   -- Inbound, Outbound
    access               TEXT NOT NULL,   -- Allow, Deny
    protocol             TEXT NOT NULL,   -- Tcp, Udp, Icmp, Esp, Ah, *
    source_prefixes      TEXT NOT NULL,   -- JSON array; ["*"] for any
    source_ports         TEXT NOT NULL,
    destination_prefixes TEXT NOT NULL,
    destination_ports    TEXT NOT NULL,
    is_default           INTEGER NOT NULL -- one of Azure's default rules
);
CREATE INDEX config_nsg_rule_nsg ON config_nsg_rule(nsg);

-- The NICs and subnets an NSG says it is attached to.
CREATE TABLE config_nsg_attachment (
    nsg         INTEGER NOT NULL REFERENCES config_resource(id),
    kind        TEXT NOT NULL,            -- subnet, nic
    resource_id TEXT NOT NULL COLLATE NOCASE
);

CREATE TABLE config_route_table (
    resource    INTEGER PRIMARY KEY REFERENCES config_resource(id),
    disable_bgp INTEGER NOT NULL DEFAULT 0, -- disableBgpRoutePropagation
    effective   INTEGER NOT NULL DEFAULT 0  -- 1: the routes in force on a NIC
                                            -- (az network nic show-effective-route-table)
);

CREATE TABLE config_route (
    route_table      INTEGER NOT NULL REFERENCES config_resource(id),
    name             TEXT NOT NULL,
    address_prefix   TEXT NOT NULL,       -- a CIDR or a service tag
    next_hop_type    TEXT NOT NULL,       -- Internet, VirtualAppliance, ...
    next_hop_ip      TEXT,
    source           TEXT,                -- effective routes: Default, User, VirtualNetworkGateway
    state            TEXT                 -- effective routes: Active, Invalid
);
CREATE INDEX config_route_table_routes ON config_route(route_table);

CREATE TABLE config_vnet (
    resource         INTEGER PRIMARY KEY REFERENCES config_resource(id),
    address_prefixes TEXT NOT NULL,       -- JSON array
    peered_prefixes  TEXT NOT NULL,       -- JSON array, the peerings' spaces
    dns_servers      TEXT NOT NULL        -- JSON array; [] = Azure DNS
);

CREATE TABLE config_subnet (
    resource          INTEGER PRIMARY KEY REFERENCES config_resource(id),
    vnet_id           TEXT COLLATE NOCASE, -- the VNet's resource id (from the subnet's)
    address_prefixes  TEXT NOT NULL,       -- JSON array
    nsg_id            TEXT COLLATE NOCASE, -- the subnet's NSG
    route_table_id    TEXT COLLATE NOCASE,
    service_endpoints TEXT NOT NULL,       -- JSON array: Microsoft.Sql, ...
    delegations       TEXT NOT NULL        -- JSON array: Microsoft.Web/serverFarms, ...
);

-- API Management instances (Microsoft.ApiManagement/service) and workspace
-- gateways (Microsoft.ApiManagement/gateways).
CREATE TABLE config_apim (
    resource         INTEGER PRIMARY KEY REFERENCES config_resource(id),
    kind             TEXT NOT NULL,        -- instance, workspace-gateway
    sku              TEXT,                 -- Developer, Premium, StandardV2, PremiumV2, ...
    capacity         INTEGER,
    vnet_type        TEXT,                 -- None, External, Internal
    platform         TEXT,                 -- stv1, stv2, stv2.1
    subnet_id        TEXT COLLATE NOCASE,
    private_ips      TEXT NOT NULL,        -- JSON array
    public_ips       TEXT NOT NULL         -- JSON array
);

CREATE VIEW config_imports AS
SELECT id AS import_id, strftime('%Y-%m-%dT%H:%M:%SZ', imported_at, 'unixepoch') AS imported_at,
       paths, resources
FROM config_import;

CREATE VIEW nsg_rules AS
SELECT n.name AS nsg, n.resource_group, r.priority, r.direction, r.access, r.protocol,
       r.source_prefixes, r.source_ports, r.destination_prefixes, r.destination_ports,
       r.name AS rule, CASE r.is_default WHEN 1 THEN 'default' ELSE 'user' END AS kind,
       n.resource_id AS nsg_id
FROM config_nsg_rule r JOIN config_resource n ON n.id = r.nsg
ORDER BY n.name, r.direction, r.priority;

CREATE VIEW routes AS
SELECT t.name AS route_table, t.resource_group, r.name AS route, r.address_prefix,
       r.next_hop_type, r.next_hop_ip, rt.disable_bgp, rt.effective, r.source, r.state,
       t.resource_id AS route_table_id
FROM config_route r JOIN config_resource t ON t.id = r.route_table
LEFT JOIN config_route_table rt ON rt.resource = t.id;

CREATE VIEW vnets AS
SELECT c.name AS vnet, c.resource_group, v.address_prefixes, v.peered_prefixes,
       v.dns_servers, c.resource_id AS vnet_id
FROM config_vnet v JOIN config_resource c ON c.id = v.resource;

CREATE VIEW subnets AS
SELECT c.name AS subnet, c.resource_group, s.address_prefixes,
       (SELECT name FROM config_resource WHERE resource_id = s.nsg_id) AS nsg,
       (SELECT name FROM config_resource WHERE resource_id = s.route_table_id) AS route_table,
       s.service_endpoints, s.delegations, s.vnet_id, s.nsg_id, s.route_table_id,
       c.resource_id AS subnet_id
FROM config_subnet s JOIN config_resource c ON c.id = s.resource;

CREATE VIEW apim_instances AS
SELECT c.name, a.kind, c.resource_group, c.location, a.sku AS tier, a.capacity, a.vnet_type,
       a.platform, a.subnet_id,
       (SELECT name FROM config_resource WHERE resource_id = a.subnet_id) AS subnet,
       a.private_ips, a.public_ips, c.resource_id AS apim_id
FROM config_apim a JOIN config_resource c ON c.id = a.resource;

-- The requirements by tier: 'classic' (Developer and Premium injected into a
-- VNet, stv1 and stv2: the rows above), 'v2' (Basic v2, Standard v2 and
-- Premium v2: outbound Storage only; no management endpoint on 3443, no load
-- balancer on 6390) and 'workspace' (workspace gateways). vnet_type
-- 'internal' marks rows of injection only (private inbound).
ALTER TABLE apim_requirement ADD COLUMN tier TEXT NOT NULL DEFAULT 'classic';
INSERT INTO apim_requirement(id, direction, protocol, ports, remote, purpose, vnet_type,
    platform, doc_date, level, source, fqdns, note, tier) VALUES
(101, 'outbound', 'TCP', '443', 'Storage', 'Azure Storage: the gateway''s configuration and its own dependencies', 'both', 'v2', '2025-06-17', 'required', 'table', NULL, NULL, 'v2'),
(111, 'inbound', 'TCP', '80', 'AzureLoadBalancer', 'Azure load balancer health probes of the workspace gateway (injection)', 'internal', 'workspace', '2025-06-17', 'required', 'table', NULL, NULL, 'workspace'),
(112, 'inbound', 'TCP', '80,443', 'VirtualNetwork', 'Clients in the network calling the workspace gateway (injection)', 'internal', 'workspace', '2025-06-17', 'required', 'table', NULL, NULL, 'workspace'),
(113, 'outbound', 'TCP', '443', 'Storage', 'Azure Storage: the workspace gateway''s configuration', 'both', 'workspace', '2025-06-17', 'required', 'table', NULL, NULL, 'workspace'),
(114, 'outbound', 'TCP', '443', 'AzureKeyVault', 'Azure Key Vault: the workspace gateway''s certificates and named values', 'both', 'workspace', '2025-06-17', 'required', 'table', NULL, NULL, 'workspace');
INSERT INTO apim_requirement_port(requirement_id, port_first, port_last) VALUES
(101, 443, 443), (111, 80, 80), (112, 80, 80), (112, 443, 443), (113, 443, 443), (114, 443, 443);

DROP VIEW apim_requirements;
CREATE VIEW apim_requirements AS
SELECT r.id AS requirement_id, r.direction, r.protocol, p.port_first, p.port_last,
       r.ports, r.remote, r.purpose, r.vnet_type, r.platform, r.doc_date, r.level,
       r.source, r.fqdns, r.note, r.tier
FROM apim_requirement r JOIN apim_requirement_port p ON p.requirement_id = r.id;

-- What an analysis judged: the configuration snapshot it read (NULL: none).
ALTER TABLE analysis_run ADD COLUMN config_import_id INTEGER;
-- The requirement matrix's configuration column: 'allowed by RULE (P)',
-- 'denied by RULE (P)', 'partly denied by RULE (P)'; NULL without
-- configuration for the host.
ALTER TABLE host_requirement ADD COLUMN configuration TEXT;
DROP VIEW requirement_matrix;
CREATE VIEW requirement_matrix AS
SELECT h.run_id, h.host, r.requirement_id, r.direction, r.protocol, r.ports, r.remote,
       r.purpose, r.level, h.allowed, h.denied,
       CASE WHEN h.denied > 0 THEN 'denied' WHEN h.allowed > 0 THEN 'allowed'
            ELSE 'not seen' END AS seen,
       h.configuration
FROM host_requirement h
JOIN (SELECT DISTINCT requirement_id, direction, protocol, ports, remote, purpose, level
      FROM apim_requirements) r ON r.requirement_id = h.requirement_id;
