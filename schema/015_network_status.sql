-- nsgflow database, schema version 15: API Management's own view of its
-- network, the "Network status" page of the Azure portal, as `nsgflow config
-- import` read it from the JSON of the networkstatus REST calls (the list of
-- the service's locations, or one location's object). Each location of an
-- instance is one status; importing the same instance and location again
-- replaces it. The analysis lines each failing dependency up with the
-- requirement it concerns (network_status_lineup) and with what the flow
-- logs and the configuration show.

-- One row per instance and location, as imported.
CREATE TABLE config_network_status (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER NOT NULL REFERENCES config_import(id),
    instance    TEXT NOT NULL COLLATE NOCASE, -- the APIM instance's name
    location    TEXT,                 -- as the status names it ('West Europe'); NULL: the
                                      -- per-location form, for an instance not imported
    dns_servers TEXT NOT NULL,        -- JSON array: the DNS servers the instance uses
    source_file TEXT NOT NULL         -- the file it came from
);
CREATE INDEX config_network_status_instance ON config_network_status(instance);

-- One row per dependency of a status (connectivityStatus).
CREATE TABLE config_network_dependency (
    status_id          INTEGER NOT NULL REFERENCES config_network_status(id),
    name               TEXT NOT NULL,    -- a host name, a URL, or an internal name
    resource_type      TEXT NOT NULL,    -- SQLDatabase, BlobStorage, AzureKeyVault, ...
    status             TEXT NOT NULL,    -- success, failure, initializing (as given)
    error              TEXT,             -- NULL when the status gives none
    last_updated       INTEGER,          -- Unix seconds; NULL when not given or not a time
    last_status_change INTEGER,          -- since when the status is what it is
    is_optional        INTEGER NOT NULL  -- 1: the instance works without it
);
CREATE INDEX config_network_dependency_status ON config_network_dependency(status_id);

-- Which requirement (apim_requirement) a dependency's resourceType concerns:
-- direction, protocol, port and remote side as the requirements write them.
-- Of a type's rows, the first (by rank) whose requirement the analysis
-- holds decides; a port in the dependency's name (a URL's :1886) picks the
-- row whose requirement lists it. A type without a row (SourceControl, a
-- type of the future) is lined up with nothing.
CREATE TABLE network_status_lineup (
    resource_type TEXT NOT NULL COLLATE NOCASE,
    rank          INTEGER NOT NULL,
    direction     TEXT NOT NULL,
    protocol      TEXT NOT NULL,
    port          INTEGER NOT NULL,
    remote        TEXT NOT NULL,
    PRIMARY KEY (resource_type, rank)
);
INSERT INTO network_status_lineup(resource_type, rank, direction, protocol, port, remote) VALUES
('SQLDatabase', 1, 'outbound', 'TCP', 1433, 'Sql'),
('BlobStorage', 1, 'outbound', 'TCP', 443, 'Storage'),
('TableStorage', 1, 'outbound', 'TCP', 443, 'Storage'),
('Queue', 1, 'outbound', 'TCP', 443, 'Storage'),
-- the Git repository's file share: SMB 445 in the older tables, else HTTPS
('FileStorage', 1, 'outbound', 'TCP', 445, 'Storage'),
('FileStorage', 2, 'outbound', 'TCP', 443, 'Storage'),
('Monitoring', 1, 'outbound', 'TCP', 443, 'AzureMonitor'),
('Metrics', 1, 'outbound', 'TCP', 1886, 'AzureMonitor'),
('Metrics', 2, 'outbound', 'TCP', 443, 'AzureMonitor'),
('EventHub', 1, 'outbound', 'TCP', 5671, 'EventHub'),
('AzureKeyVault', 1, 'outbound', 'TCP', 443, 'AzureKeyVault'),
('AzureActiveDirectory', 1, 'outbound', 'TCP', 443, 'AzureActiveDirectory'),
('RegionalAzureActiveDirectory', 1, 'outbound', 'TCP', 443, 'AzureActiveDirectory'),
-- the relays for notification e-mail: the docs give them by name
('SmtpQueue', 1, 'outbound', 'TCP', 25028, 'Internet'),
('SmtpQueue', 2, 'outbound', 'TCP', 25028, 'FQDN'),
('Email', 1, 'outbound', 'TCP', 25028, 'Internet'),
('Email', 2, 'outbound', 'TCP', 25028, 'FQDN'),
-- the instance's own machines, one to another
('InternalCache', 1, 'outbound', 'TCP', 6381, 'VirtualNetwork'),
('ApiManagement Control Plane - inbound', 1, 'inbound', 'TCP', 3443, 'ApiManagement');

CREATE VIEW network_status AS
SELECT s.instance, s.location, d.name, d.resource_type, d.status, d.error,
       strftime('%Y-%m-%dT%H:%M:%SZ', d.last_updated, 'unixepoch') AS last_updated,
       strftime('%Y-%m-%dT%H:%M:%SZ', d.last_status_change, 'unixepoch') AS last_status_change,
       d.is_optional, s.dns_servers, s.import_id, s.source_file
FROM config_network_dependency d JOIN config_network_status s ON s.id = d.status_id;
