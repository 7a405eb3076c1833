-- nsgflow database, schema version 2: what API Management needs from its
-- network, the Azure service tags, and the analysis of the flows against
-- them (analysis runs, the APIM hosts they looked at, their findings).
--
-- The reference rows below are facts from Microsoft's API Management docs
-- (the VNet reference tables of 2021-04, 2023-08 and 2025-06 and the
-- requirements stated only in their text), in nsgflow's own words. A later
-- schema step replaces them when the docs change.

-- One row per requirement row of the docs and direction. "remote" is the
-- other side as seen from the APIM instance: a service tag (Sql, Storage,
-- EventHub, AzureMonitor, ...), VirtualNetwork, Internet, AzureLoadBalancer,
-- or, for requirements the docs give by name only: DNS, NTP, FQDN, KMS, Any.
CREATE TABLE apim_requirement (
    id        INTEGER PRIMARY KEY,
    direction TEXT NOT NULL,  -- 'inbound' or 'outbound', from the APIM instance
    protocol  TEXT NOT NULL,  -- 'TCP' or 'UDP'
    ports     TEXT NOT NULL,  -- as the docs list them: '443', '5671,5672,443', '6381-6383', '*'
    remote    TEXT NOT NULL,
    purpose   TEXT NOT NULL,
    vnet_type TEXT NOT NULL,  -- 'external' (External mode only) or 'both'
    platform  TEXT NOT NULL,  -- 'stv1', 'stv2', or 'stv1-era' (the 2021 docs)
    doc_date  TEXT NOT NULL,  -- the version of the docs
    level     TEXT NOT NULL,  -- 'required', 'optional', 'recommended', 'conditional'
    source    TEXT NOT NULL,  -- 'table', or 'text' when stated only in prose
    fqdns     TEXT,           -- remote = 'FQDN': the host names
    note      TEXT            -- the docs' own qualifier, when there is one
);

-- The ports of each requirement as ranges ('*' is 0-65535).
CREATE TABLE apim_requirement_port (
    requirement_id INTEGER NOT NULL REFERENCES apim_requirement(id),
    port_first     INTEGER NOT NULL,
    port_last      INTEGER NOT NULL
);

-- The management plane's source addresses per region, from the 2021 and
-- 2023 docs (today's docs name the ApiManagement service tag instead).
CREATE TABLE apim_control_plane_ip (
    cloud        TEXT NOT NULL,
    region       TEXT NOT NULL,
    ip           TEXT NOT NULL PRIMARY KEY,
    is_global    INTEGER NOT NULL, -- 1: the 2021 docs' "Global" addresses, allowed in every region
    in_2021_docs INTEGER NOT NULL,
    in_2023_docs INTEGER NOT NULL,
    change       TEXT              -- 'new in 2023', 'old, replaced in 2023', ...
);

-- Azure service tags: the built-in snapshot, or the last file given to
-- `nsgflow tags import`. Addresses as ranges: first and last are integers
-- for IPv4 and 16-byte blobs for IPv6 (both compare in address order).
CREATE TABLE service_tag_source (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    origin        TEXT NOT NULL,  -- 'built-in snapshot' or the imported file's path
    cloud         TEXT,
    change_number INTEGER,
    published     TEXT,           -- YYYY-MM-DD, from the file name when it has one
    imported_at   INTEGER NOT NULL
);
CREATE TABLE service_tag (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE, -- 'Sql', 'ApiManagement.WestEurope', ...
    region         TEXT,
    system_service TEXT,
    change_number  INTEGER
);
CREATE TABLE service_tag_prefix (
    tag_id INTEGER NOT NULL REFERENCES service_tag(id),
    prefix TEXT NOT NULL,
    family INTEGER NOT NULL,
    first  NOT NULL,
    last   NOT NULL
);
CREATE INDEX service_tag_prefix_tag ON service_tag_prefix(tag_id);

-- The service tags of the addresses in the database, as far as analyze has
-- classified them.
CREATE TABLE address_service_tag (
    address_id INTEGER NOT NULL,
    tag_id     INTEGER NOT NULL,
    PRIMARY KEY (address_id, tag_id)
) WITHOUT ROWID;
CREATE TABLE address_service_tag_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    max_address   INTEGER NOT NULL, -- addresses up to this id are classified
    tag_stamp     TEXT NOT NULL     -- against this tag data
);

-- One row per `nsgflow analyze` whose findings are kept. A new analysis of
-- a window replaces the runs whose windows lie inside it.
CREATE TABLE analysis_run (
    id                INTEGER PRIMARY KEY,
    started_at        INTEGER NOT NULL,
    window_start      INTEGER NOT NULL, -- Unix seconds, inclusive
    window_end        INTEGER NOT NULL, -- Unix seconds, inclusive
    platform          TEXT,             -- --platform, when given
    vnet_type         TEXT,             -- --vnet-type, when given
    hosts_from        TEXT NOT NULL,    -- 'detected' or 'given' (--apim-subnet)
    tag_origin        TEXT,
    tag_change_number INTEGER,
    tag_published     TEXT,
    tuples            INTEGER,          -- tuples read
    seconds           REAL
);

-- The APIM instances an analysis looked at, and why.
CREATE TABLE apim_host (
    run_id  INTEGER NOT NULL REFERENCES analysis_run(id),
    address TEXT NOT NULL,
    reason  TEXT NOT NULL,
    flows   INTEGER,
    PRIMARY KEY (run_id, address)
);

CREATE TABLE finding (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES analysis_run(id),
    analyzer       TEXT NOT NULL,  -- denied-required-port, asymmetric-return, ...
    severity       TEXT NOT NULL,  -- error, warning, info
    title          TEXT NOT NULL,
    host           TEXT,           -- the APIM address on the logged side
    remote         TEXT,           -- the other side: an address, or a service tag
    port           INTEGER,        -- the flows' destination port
    protocol       TEXT,
    direction      TEXT,
    rule           TEXT,
    flows          INTEGER,        -- tuples behind the finding
    first_seen     INTEGER,
    last_seen      INTEGER,
    evidence       TEXT,           -- what was seen, in a sentence
    details        TEXT,           -- the same as JSON, for programs
    hint           TEXT,           -- what to change
    confidence     TEXT,           -- high, medium, low
    status         TEXT NOT NULL DEFAULT 'open',
    requirement_id INTEGER,        -- the apim_requirement row matched
    key            TEXT NOT NULL   -- what makes it the same finding in another run
);
CREATE INDEX finding_run ON finding(run_id);

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
    f.flows,
    strftime('%Y-%m-%dT%H:%M:%SZ', f.first_seen, 'unixepoch') AS first_seen,
    strftime('%Y-%m-%dT%H:%M:%SZ', f.last_seen, 'unixepoch') AS last_seen,
    f.evidence,
    f.hint,
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

CREATE VIEW apim_requirements AS
SELECT r.id AS requirement_id, r.direction, r.protocol, p.port_first, p.port_last,
       r.ports, r.remote, r.purpose, r.vnet_type, r.platform, r.doc_date, r.level,
       r.source, r.fqdns, r.note
FROM apim_requirement r JOIN apim_requirement_port p ON p.requirement_id = r.id;

CREATE VIEW apim_control_plane_ips AS SELECT * FROM apim_control_plane_ip;

CREATE VIEW service_tags AS
SELECT t.name AS tag, t.region, t.system_service, p.prefix, p.family, p.first, p.last
FROM service_tag t JOIN service_tag_prefix p ON p.tag_id = t.id;

INSERT INTO apim_requirement(id, direction, protocol, ports, remote, purpose,
    vnet_type, platform, doc_date, level, source, fqdns, note) VALUES
(1, 'inbound', 'TCP', '80,443', 'Internet', 'Clients calling the gateway and the developer portal (External mode)', 'external', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(2, 'inbound', 'TCP', '3443', 'ApiManagement', 'Management plane calls to the instance (Azure portal, ARM, PowerShell)', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(3, 'outbound', 'TCP', '443', 'Storage', 'Azure Storage: the service''s own configuration and packages', 'both', 'stv1-era', '2021-04-12', 'required', 'table', NULL, NULL),
(4, 'outbound', 'TCP', '443', 'AzureActiveDirectory', 'Microsoft Entra ID (and Key Vault access through it)', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(5, 'outbound', 'TCP', '1433', 'Sql', 'Azure SQL: the service''s configuration database', 'both', 'stv1-era', '2021-04-12', 'required', 'table', NULL, NULL),
(6, 'outbound', 'TCP', '443', 'AzureKeyVault', 'Azure Key Vault: certificates and named values', 'both', 'stv1-era', '2021-04-12', 'required', 'table', NULL, NULL),
(7, 'outbound', 'TCP', '5671,5672,443', 'EventHub', 'Event Hubs: the log-to-eventhub policy and the monitoring agent', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(8, 'outbound', 'TCP', '445', 'Storage', 'Azure Files share behind the Git configuration repository', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(9, 'outbound', 'TCP', '443,12000', 'AzureCloud', 'Health and monitoring extension (and Event Grid notifications)', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(10, 'outbound', 'TCP', '1886,443', 'AzureMonitor', 'Azure Monitor: diagnostic logs, metrics, resource health, Application Insights', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(11, 'outbound', 'TCP', '25,587,25028', 'Internet', 'SMTP relay for notification e-mails', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(12, 'inbound', 'TCP', '6381-6383', 'VirtualNetwork', 'Internal cache (Redis) between the machines of the instance', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(13, 'outbound', 'TCP', '6381-6383', 'VirtualNetwork', 'Internal cache (Redis) between the machines of the instance', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(14, 'inbound', 'UDP', '4290', 'VirtualNetwork', 'Rate-limit counter sync between the machines of the instance', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(15, 'outbound', 'UDP', '4290', 'VirtualNetwork', 'Rate-limit counter sync between the machines of the instance', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold)'),
(16, 'inbound', 'TCP', '*', 'AzureLoadBalancer', 'Azure load balancer health probes (any port)', 'both', 'stv1-era', '2021-04-12', 'recommended', 'table', NULL, 'recommended (not bold; critical for Premium/multi-unit per text)'),
(17, 'inbound', 'TCP', '80,443', 'Internet', 'Clients calling the gateway and the developer portal (External mode)', 'external', 'stv2', '2023-08-29', 'required', 'table', NULL, NULL),
(18, 'inbound', 'TCP', '3443', 'ApiManagement', 'Management plane calls to the instance (Azure portal, ARM, PowerShell)', 'both', 'stv2', '2023-08-29', 'required', 'table', NULL, NULL),
(19, 'outbound', 'TCP', '443', 'Storage', 'Azure Storage: the service''s own configuration and packages', 'both', 'stv2', '2023-08-29', 'required', 'table', NULL, NULL),
(20, 'outbound', 'TCP', '443', 'AzureActiveDirectory', 'Microsoft Entra ID (and Key Vault access through it)', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(21, 'outbound', 'TCP', '443', 'AzureConnectors', 'Managed connections and authorizations', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(22, 'outbound', 'TCP', '1433', 'Sql', 'Azure SQL: the service''s configuration database', 'both', 'stv2', '2023-08-29', 'required', 'table', NULL, NULL),
(23, 'outbound', 'TCP', '443', 'AzureKeyVault', 'Azure Key Vault: certificates and named values', 'both', 'stv2', '2023-08-29', 'required', 'table', NULL, NULL),
(24, 'outbound', 'TCP', '5671,5672,443', 'EventHub', 'Event Hubs: the log-to-eventhub policy and the monitoring agent', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(25, 'outbound', 'TCP', '445', 'Storage', 'Azure Files share behind the Git configuration repository', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(26, 'outbound', 'TCP', '1886,443', 'AzureMonitor', 'Azure Monitor: diagnostic logs, metrics, resource health, Application Insights', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, 'optional (made bold/required in 2023-11-29 and later versions)'),
(27, 'inbound', 'TCP', '6380', 'VirtualNetwork', 'External Azure Cache for Redis used by caching policies', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(28, 'outbound', 'TCP', '6380', 'VirtualNetwork', 'External Azure Cache for Redis used by caching policies', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(29, 'inbound', 'TCP', '6381-6383', 'VirtualNetwork', 'Internal cache (Redis) between the machines of the instance', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(30, 'outbound', 'TCP', '6381-6383', 'VirtualNetwork', 'Internal cache (Redis) between the machines of the instance', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(31, 'inbound', 'UDP', '4290', 'VirtualNetwork', 'Rate-limit counter sync between the machines of the instance', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(32, 'outbound', 'UDP', '4290', 'VirtualNetwork', 'Rate-limit counter sync between the machines of the instance', 'both', 'stv2', '2023-08-29', 'optional', 'table', NULL, NULL),
(33, 'inbound', 'TCP', '6390', 'AzureLoadBalancer', 'Azure load balancer health probe', 'both', 'stv2', '2023-08-29', 'required', 'table', NULL, NULL),
(34, 'inbound', 'TCP', '80,443', 'Internet', 'Clients calling the gateway and the developer portal (External mode)', 'external', 'stv1', '2023-08-29', 'required', 'table', NULL, NULL),
(35, 'inbound', 'TCP', '3443', 'ApiManagement', 'Management plane calls to the instance (Azure portal, ARM, PowerShell)', 'both', 'stv1', '2023-08-29', 'required', 'table', NULL, NULL),
(36, 'outbound', 'TCP', '443', 'Storage', 'Azure Storage: the service''s own configuration and packages', 'both', 'stv1', '2023-08-29', 'required', 'table', NULL, NULL),
(37, 'outbound', 'TCP', '443', 'AzureActiveDirectory', 'Microsoft Entra ID (and Key Vault access through it)', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(38, 'outbound', 'TCP', '443', 'AzureKeyVault', 'Azure Key Vault: certificates and named values', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(39, 'outbound', 'TCP', '443', 'AzureConnectors', 'Managed connections and authorizations', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(40, 'outbound', 'TCP', '1433', 'Sql', 'Azure SQL: the service''s configuration database', 'both', 'stv1', '2023-08-29', 'required', 'table', NULL, NULL),
(41, 'outbound', 'TCP', '5671,5672,443', 'EventHub', 'Event Hubs: the log-to-eventhub policy and the monitoring agent', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(42, 'outbound', 'TCP', '445', 'Storage', 'Azure Files share behind the Git configuration repository', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(43, 'outbound', 'TCP', '443,12000', 'AzureCloud', 'Health and monitoring extension (and Event Grid notifications)', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(44, 'outbound', 'TCP', '1886,443', 'AzureMonitor', 'Azure Monitor: diagnostic logs, metrics, resource health, Application Insights', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, 'optional (made bold/required in 2023-11-29 and later versions)'),
(45, 'inbound', 'TCP', '6380', 'VirtualNetwork', 'External Azure Cache for Redis used by caching policies', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(46, 'outbound', 'TCP', '6380', 'VirtualNetwork', 'External Azure Cache for Redis used by caching policies', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(47, 'inbound', 'TCP', '6381-6383', 'VirtualNetwork', 'Internal cache (Redis) between the machines of the instance', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(48, 'outbound', 'TCP', '6381-6383', 'VirtualNetwork', 'Internal cache (Redis) between the machines of the instance', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(49, 'inbound', 'UDP', '4290', 'VirtualNetwork', 'Rate-limit counter sync between the machines of the instance', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(50, 'outbound', 'UDP', '4290', 'VirtualNetwork', 'Rate-limit counter sync between the machines of the instance', 'both', 'stv1', '2023-08-29', 'optional', 'table', NULL, NULL),
(51, 'inbound', 'TCP', '*', 'AzureLoadBalancer', 'Azure load balancer health probes (any port)', 'both', 'stv1', '2023-08-29', 'conditional', 'table', NULL, 'required for Premium SKU, optional for other SKUs'),
(52, 'inbound', 'TCP', '80,443', 'Internet', 'Clients calling the gateway and the developer portal (External mode)', 'external', 'stv2', '2025-06-17', 'required', 'table', NULL, NULL),
(53, 'inbound', 'TCP', '3443', 'ApiManagement', 'Management plane calls to the instance (Azure portal, ARM, PowerShell)', 'both', 'stv2', '2025-06-17', 'required', 'table', NULL, NULL),
(54, 'outbound', 'TCP', '80', 'Internet', 'Certificate validation and management (CRL, OCSP)', 'both', 'stv2', '2025-06-17', 'required', 'table', NULL, NULL),
(55, 'outbound', 'TCP', '443', 'Storage', 'Azure Storage: the service''s own configuration and packages', 'both', 'stv2', '2025-06-17', 'required', 'table', NULL, NULL),
(56, 'outbound', 'TCP', '443', 'AzureActiveDirectory', 'Microsoft Entra ID (and Key Vault access through it)', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(57, 'outbound', 'TCP', '443', 'AzureConnectors', 'Managed connections and authorizations', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(58, 'outbound', 'TCP', '1433', 'Sql', 'Azure SQL: the service''s configuration database', 'both', 'stv2', '2025-06-17', 'required', 'table', NULL, NULL),
(59, 'outbound', 'TCP', '443', 'AzureKeyVault', 'Azure Key Vault: certificates and named values', 'both', 'stv2', '2025-06-17', 'required', 'table', NULL, NULL),
(60, 'outbound', 'TCP', '5671,5672,443', 'EventHub', 'Event Hubs: the log-to-eventhub policy and the monitoring agent', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(61, 'outbound', 'TCP', '1886,443', 'AzureMonitor', 'Azure Monitor: diagnostic logs, metrics, resource health, Application Insights', 'both', 'stv2', '2025-06-17', 'required', 'table', NULL, NULL),
(62, 'inbound', 'TCP', '6380', 'VirtualNetwork', 'External Azure Cache for Redis used by caching policies', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(63, 'outbound', 'TCP', '6380', 'VirtualNetwork', 'External Azure Cache for Redis used by caching policies', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(64, 'inbound', 'TCP', '6381-6383', 'VirtualNetwork', 'Internal cache (Redis) between the machines of the instance', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(65, 'outbound', 'TCP', '6381-6383', 'VirtualNetwork', 'Internal cache (Redis) between the machines of the instance', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(66, 'inbound', 'UDP', '4290', 'VirtualNetwork', 'Rate-limit counter sync between the machines of the instance', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(67, 'outbound', 'UDP', '4290', 'VirtualNetwork', 'Rate-limit counter sync between the machines of the instance', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(68, 'inbound', 'TCP', '6390', 'AzureLoadBalancer', 'Azure load balancer health probe', 'both', 'stv2', '2025-06-17', 'required', 'table', NULL, NULL),
(69, 'inbound', 'TCP', '443', 'AzureTrafficManager', 'Traffic Manager routing for multi-region deployments', 'external', 'stv2', '2025-06-17', 'required', 'table', NULL, 'required (multi-region)'),
(70, 'inbound', 'TCP', '6391', 'AzureLoadBalancer', 'Health monitoring of each machine', 'both', 'stv2', '2025-06-17', 'optional', 'table', NULL, NULL),
(71, 'outbound', 'TCP', '53', 'DNS', 'Name resolution (Azure DNS or the VNet''s own DNS servers)', 'both', 'stv2', '2025-06-17', 'required', 'text', NULL, 'required (text section)'),
(72, 'outbound', 'UDP', '53', 'DNS', 'Name resolution (Azure DNS or the VNet''s own DNS servers)', 'both', 'stv2', '2025-06-17', 'required', 'text', NULL, 'required (text section)'),
(73, 'outbound', 'UDP', '123', 'NTP', 'Time synchronisation (NTP)', 'both', 'stv2', '2025-06-17', 'required', 'text', NULL, 'required (text section)'),
(74, 'outbound', 'TCP', '12000', 'Any', 'Internal diagnostics', 'both', 'stv2', '2025-06-17', 'required', 'text', NULL, 'required (text section)'),
(75, 'outbound', 'TCP', '80,443', 'FQDN', 'Certificate chain validation (CRL and OCSP endpoints)', 'both', 'stv2', '2025-06-17', 'required', 'text', 'mscrl.microsoft.com crl.microsoft.com oneocsp.microsoft.com cacerts.digicert.com crl3.digicert.com csp.digicert.com', 'required (text section)'),
(76, 'outbound', 'TCP', '443', 'FQDN', 'Microsoft Entra sign-in endpoints', 'both', 'stv2', '2025-06-17', 'required', 'text', '<region>.login.microsoft.com login.microsoftonline.com', 'required (text section)'),
(77, 'outbound', 'TCP', '443', 'FQDN', 'Azure portal diagnostics extension', 'both', 'stv2', '2025-06-17', 'conditional', 'text', 'dc.services.visualstudio.com', 'conditional (text section)'),
(78, 'outbound', 'TCP', '1688', 'KMS', 'Windows activation (only when Windows VMs join the VNet)', 'both', 'stv2', '2025-06-17', 'conditional', 'text', NULL, 'conditional (text section)'),
(79, 'outbound', 'TCP', '443', 'FQDN', 'Developer portal CAPTCHA', 'both', 'stv2', '2025-06-17', 'conditional', 'text', 'client.hip.live.com partner.hip.live.com', 'conditional (text section)'),
(80, 'outbound', 'TCP', '25,587,25028', 'FQDN', 'SMTP relay for notification e-mails (named relays)', 'both', 'stv1-era', '2021-04-12', 'recommended', 'text', 'smtpi-co1.msn.com smtpi-ch1.msn.com smtpi-db3.msn.com smtpi-sin.msn.com ies.global.microsoft.com', 'recommended (text + table)');

INSERT INTO apim_requirement_port(requirement_id, port_first, port_last) VALUES
(1, 80, 80),
(1, 443, 443),
(2, 3443, 3443),
(3, 443, 443),
(4, 443, 443),
(5, 1433, 1433),
(6, 443, 443),
(7, 5671, 5671),
(7, 5672, 5672),
(7, 443, 443),
(8, 445, 445),
(9, 443, 443),
(9, 12000, 12000),
(10, 1886, 1886),
(10, 443, 443),
(11, 25, 25),
(11, 587, 587),
(11, 25028, 25028),
(12, 6381, 6383),
(13, 6381, 6383),
(14, 4290, 4290),
(15, 4290, 4290),
(16, 0, 65535),
(17, 80, 80),
(17, 443, 443),
(18, 3443, 3443),
(19, 443, 443),
(20, 443, 443),
(21, 443, 443),
(22, 1433, 1433),
(23, 443, 443),
(24, 5671, 5671),
(24, 5672, 5672),
(24, 443, 443),
(25, 445, 445),
(26, 1886, 1886),
(26, 443, 443),
(27, 6380, 6380),
(28, 6380, 6380),
(29, 6381, 6383),
(30, 6381, 6383),
(31, 4290, 4290),
(32, 4290, 4290),
(33, 6390, 6390),
(34, 80, 80),
(34, 443, 443),
(35, 3443, 3443),
(36, 443, 443),
(37, 443, 443),
(38, 443, 443),
(39, 443, 443),
(40, 1433, 1433),
(41, 5671, 5671),
(41, 5672, 5672),
(41, 443, 443),
(42, 445, 445),
(43, 443, 443),
(43, 12000, 12000),
(44, 1886, 1886),
(44, 443, 443),
(45, 6380, 6380),
(46, 6380, 6380),
(47, 6381, 6383),
(48, 6381, 6383),
(49, 4290, 4290),
(50, 4290, 4290),
(51, 0, 65535),
(52, 80, 80),
(52, 443, 443),
(53, 3443, 3443),
(54, 80, 80),
(55, 443, 443),
(56, 443, 443),
(57, 443, 443),
(58, 1433, 1433),
(59, 443, 443),
(60, 5671, 5671),
(60, 5672, 5672),
(60, 443, 443),
(61, 1886, 1886),
(61, 443, 443),
(62, 6380, 6380),
(63, 6380, 6380),
(64, 6381, 6383),
(65, 6381, 6383),
(66, 4290, 4290),
(67, 4290, 4290),
(68, 6390, 6390),
(69, 443, 443),
(70, 6391, 6391),
(71, 53, 53),
(72, 53, 53),
(73, 123, 123),
(74, 12000, 12000),
(75, 80, 80),
(75, 443, 443),
(76, 443, 443),
(77, 443, 443),
(78, 1688, 1688),
(79, 443, 443),
(80, 25, 25),
(80, 587, 587),
(80, 25028, 25028);

INSERT INTO apim_control_plane_ip(cloud, region, ip, is_global, in_2021_docs, in_2023_docs, change) VALUES
('Azure China (21Vianet)', 'China East', '139.217.171.176', 1, 1, 1, NULL),
('Azure China (21Vianet)', 'China East', '40.126.120.30', 0, 1, 1, NULL),
('Azure China (21Vianet)', 'China East 2', '40.73.104.4', 0, 1, 1, NULL),
('Azure China (21Vianet)', 'China North', '139.217.51.16', 1, 1, 1, NULL),
('Azure China (21Vianet)', 'China North', '40.125.137.220', 0, 1, 1, NULL),
('Azure China (21Vianet)', 'China North 2', '40.73.41.178', 0, 1, 1, NULL),
('Azure Government', 'USDoD Central', '52.182.32.132', 0, 1, 1, NULL),
('Azure Government', 'USDoD East', '52.181.32.192', 0, 1, 1, NULL),
('Azure Government', 'USGov Arizona', '52.244.32.39', 0, 1, 1, NULL),
('Azure Government', 'USGov Iowa', '13.73.72.21', 0, 1, 1, NULL),
('Azure Government', 'USGov Texas', '52.127.34.192', 1, 1, 1, NULL),
('Azure Government', 'USGov Texas', '52.243.154.118', 0, 1, 1, NULL),
('Azure Government', 'USGov Virginia', '52.127.42.160', 1, 1, 1, NULL),
('Azure Government', 'USGov Virginia', '52.227.222.92', 0, 1, 1, NULL),
('Azure Public', 'Australia Central', '20.37.52.67', 0, 1, 1, NULL),
('Azure Public', 'Australia Central 2', '20.39.99.81', 0, 1, 1, NULL),
('Azure Public', 'Australia East', '20.40.125.155', 0, 1, 1, NULL),
('Azure Public', 'Australia Southeast', '20.40.160.107', 0, 1, 1, NULL),
('Azure Public', 'Brazil South', '191.233.24.179', 0, 1, 1, 'old, replaced in 2023'),
('Azure Public', 'Brazil South', '191.238.73.14', 0, 0, 1, 'new in 2023'),
('Azure Public', 'Brazil Southeast', '191.232.18.181', 0, 1, 1, NULL),
('Azure Public', 'Canada Central', '20.48.201.76', 0, 0, 1, 'new in 2023'),
('Azure Public', 'Canada Central', '52.139.20.34', 0, 1, 1, 'old, replaced in 2023'),
('Azure Public', 'Canada East', '52.139.80.117', 0, 1, 1, NULL),
('Azure Public', 'Central India', '13.71.49.1', 0, 1, 1, 'old, replaced in 2023'),
('Azure Public', 'Central India', '20.192.45.112', 0, 0, 1, 'new in 2023'),
('Azure Public', 'Central US', '13.86.102.66', 0, 1, 1, NULL),
('Azure Public', 'Central US EUAP', '52.253.159.160', 0, 1, 1, NULL),
('Azure Public', 'East Asia', '52.139.152.27', 0, 1, 1, NULL),
('Azure Public', 'East US', '52.224.186.99', 0, 1, 1, NULL),
('Azure Public', 'East US 2', '20.44.72.3', 0, 1, 1, NULL),
('Azure Public', 'East US 2 EUAP', '52.253.229.253', 0, 1, 1, NULL),
('Azure Public', 'France Central', '40.66.60.111', 0, 1, 1, NULL),
('Azure Public', 'France South', '20.39.80.2', 0, 1, 1, NULL),
('Azure Public', 'Germany North', '51.116.0.0', 0, 1, 1, NULL),
('Azure Public', 'Germany West Central', '20.52.94.112', 0, 0, 1, 'new in 2023'),
('Azure Public', 'Germany West Central', '51.116.96.0', 0, 1, 1, 'old, replaced in 2023'),
('Azure Public', 'India Central', '20.192.234.160', 0, 0, 1, NULL),
('Azure Public', 'India West', '20.193.202.160', 0, 0, 1, NULL),
('Azure Public', 'Japan East', '52.140.238.179', 0, 1, 1, NULL),
('Azure Public', 'Japan West', '40.81.185.8', 0, 1, 1, NULL),
('Azure Public', 'Korea Central', '20.194.74.240', 0, 0, 1, 'new in 2023'),
('Azure Public', 'Korea Central', '40.82.157.167', 0, 1, 1, 'old, replaced in 2023'),
('Azure Public', 'Korea South', '40.80.232.185', 0, 1, 1, NULL),
('Azure Public', 'North Central US', '40.81.47.216', 0, 1, 1, NULL),
('Azure Public', 'North Central US', '52.162.110.80', 1, 1, 0, 'global, 2021 docs only'),
('Azure Public', 'North Europe', '52.142.95.35', 0, 1, 1, NULL),
('Azure Public', 'Norway East', '51.120.2.185', 0, 1, 1, NULL),
('Azure Public', 'Norway West', '51.120.130.134', 0, 1, 1, NULL),
('Azure Public', 'South Africa North', '102.133.130.197', 0, 1, 1, 'old, replaced in 2023'),
('Azure Public', 'South Africa North', '102.37.166.220', 0, 0, 1, 'new in 2023'),
('Azure Public', 'South Africa West', '102.133.0.79', 0, 1, 1, NULL),
('Azure Public', 'South Central US', '104.214.19.224', 1, 1, 0, 'global, 2021 docs only'),
('Azure Public', 'South Central US', '20.188.77.119', 0, 1, 1, 'old, replaced in 2023'),
('Azure Public', 'South Central US', '20.97.32.190', 0, 0, 1, 'new in 2023'),
('Azure Public', 'South India', '20.44.33.246', 0, 1, 1, NULL),
('Azure Public', 'Southeast Asia', '40.90.185.46', 0, 1, 1, NULL),
('Azure Public', 'Switzerland North', '51.107.0.91', 0, 1, 1, 'old, replaced in 2023'),
('Azure Public', 'Switzerland North', '51.107.246.176', 0, 0, 1, 'new in 2023'),
('Azure Public', 'Switzerland West', '51.107.96.8', 0, 1, 1, NULL),
('Azure Public', 'UAE Central', '20.37.81.41', 0, 1, 1, NULL),
('Azure Public', 'UAE North', '20.46.144.85', 0, 1, 1, NULL),
('Azure Public', 'UK South', '51.145.56.125', 0, 1, 1, NULL),
('Azure Public', 'UK West', '51.137.136.0', 0, 1, 1, NULL),
('Azure Public', 'West Central US', '52.253.135.58', 0, 1, 1, NULL),
('Azure Public', 'West Europe', '51.145.179.78', 0, 1, 1, NULL),
('Azure Public', 'West India', '40.81.89.24', 0, 1, 1, NULL),
('Azure Public', 'West US', '13.64.39.16', 0, 1, 1, NULL),
('Azure Public', 'West US 2', '51.143.127.203', 0, 1, 1, NULL),
('Azure Public', 'West US 3', '20.150.167.160', 0, 0, 1, NULL);
