-- nsgflow database, schema version 14: the configuration as Azure runs it.
--
-- A multi-region API Management instance (Premium) has a subnet, NSG and
-- route table in each of its regions: its additional locations
-- (additionalLocations[]) are rows of their own, judged like the primary
-- region. A workspace gateway whose export has a subnet but no
-- virtualNetworkType takes its mode from the subnet's delegation. Host
-- names the docs require, where a service tag holds them, are judged as
-- that tag. Nothing of the earlier data is rewritten: an instance imported
-- before this version has its additional locations once it is imported
-- again.

-- An instance's additional locations, as its export lists them.
CREATE TABLE config_apim_location (
    apim        INTEGER NOT NULL REFERENCES config_resource(id), -- the instance
    location    TEXT NOT NULL,         -- "North Europe", northeurope, ...
    sku         TEXT,                  -- the location's own sku.name
    capacity    INTEGER,
    subnet_id   TEXT COLLATE NOCASE,   -- virtualNetworkConfiguration.subnetResourceId
    private_ips TEXT NOT NULL,         -- JSON array
    public_ips  TEXT NOT NULL          -- JSON array
);
CREATE INDEX config_apim_location_apim ON config_apim_location(apim);

-- Importing an instance again replaces its locations with the rest of it.
CREATE TRIGGER config_apim_drop_locations AFTER DELETE ON config_apim BEGIN
    DELETE FROM config_apim_location WHERE apim = old.resource;
END;

-- Host names of the requirements that a service tag holds, where
-- Microsoft's docs say so (source: which docs). A pattern "*.x" stands for
-- every name under x ("<region>.login.microsoft.com" too).
CREATE TABLE fqdn_service_tag (
    pattern TEXT PRIMARY KEY COLLATE NOCASE,
    tag     TEXT NOT NULL,
    source  TEXT NOT NULL
);
INSERT INTO fqdn_service_tag(pattern, tag, source) VALUES
('login.microsoftonline.com', 'AzureActiveDirectory', 'API Management VNet reference (2025-06-17): the table gives the AzureActiveDirectory tag for the Microsoft Entra ID dependency whose endpoints its text names; Azure Machine Learning network docs: the AzureActiveDirectory tag for sign-in at login.microsoftonline.com'),
('login.microsoft.com', 'AzureActiveDirectory', 'API Management VNet reference (2025-06-17): the table gives the AzureActiveDirectory tag for the Microsoft Entra ID dependency whose endpoints its text names'),
('*.login.microsoft.com', 'AzureActiveDirectory', 'API Management VNet reference (2025-06-17): the table gives the AzureActiveDirectory tag for the Microsoft Entra ID dependency whose endpoints (<region>.login.microsoft.com) its text names'),
('gcs.prod.monitoring.core.windows.net', 'AzureMonitor', 'API Management VNet reference (2025-06-17): the Azure Monitor endpoints under this domain are represented under the AzureMonitor tag'),
('*.prod.microsoftmetrics.com', 'AzureMonitor', 'API Management VNet reference (2025-06-17): the Azure Monitor endpoints under this domain are represented under the AzureMonitor tag'),
('gcs.prod.warm.ingestion.monitoring.azure.com', 'AzureMonitor', 'API Management VNet reference (2025-06-17): the Azure Monitor endpoints under this domain are represented under the AzureMonitor tag'),
('dc.services.visualstudio.com', 'AzureMonitor', 'Azure Monitor endpoint access docs (2025-08-18): Application Insights telemetry ingestion, covered by the AzureMonitor tag');

CREATE VIEW fqdn_service_tags AS SELECT pattern, tag, source FROM fqdn_service_tag;

-- The network mode: virtualNetworkType as imported; for a workspace
-- gateway with a subnet and none, the subnet's delegation tells it
-- (Microsoft.Web/hostingEnvironments: Internal, injection;
-- Microsoft.Web/serverFarms: External, integration). vnet_type is the mode
-- judged (NULL when nothing tells it); mode says it and how it was told;
-- regions counts the primary and the additional locations, locations names
-- them in that order; summary is the instance as analyze and every report
-- name it: "NAME (TIER, MODE)", "; regions A, B" before the ")" when there
-- are several.
DROP VIEW apim_instances;
CREATE VIEW apim_instances AS
WITH told AS (
    SELECT a.resource,
           CASE WHEN a.kind = 'workspace-gateway' AND a.subnet_id IS NOT NULL
                     AND lower(coalesce(a.vnet_type, 'none')) IN ('none', '') THEN
               coalesce((SELECT CASE
                   WHEN EXISTS (SELECT 1 FROM json_each(s.delegations)
                                WHERE lower(value) = 'microsoft.web/hostingenvironments') THEN 'Internal'
                   WHEN EXISTS (SELECT 1 FROM json_each(s.delegations)
                                WHERE lower(value) = 'microsoft.web/serverfarms') THEN 'External'
                   ELSE 'undelegated' END
                 FROM config_subnet s JOIN config_resource sc ON sc.id = s.resource
                 WHERE sc.resource_id = a.subnet_id), 'not imported')
           END AS by_delegation
    FROM config_apim a),
one AS (
    SELECT c.name, a.kind, c.resource_group, c.location, a.sku AS tier, a.capacity,
           CASE WHEN t.by_delegation IN ('Internal', 'External') THEN t.by_delegation
                WHEN t.by_delegation IS NOT NULL THEN NULL
                ELSE a.vnet_type END AS vnet_type,
           a.platform, a.subnet_id,
           (SELECT name FROM config_resource WHERE resource_id = a.subnet_id) AS subnet,
           a.private_ips, a.public_ips, c.resource_id AS apim_id,
           CASE t.by_delegation
               WHEN 'Internal' THEN 'Internal, injection by the delegation of its subnet'
               WHEN 'External' THEN 'External, integration by the delegation of its subnet'
               WHEN 'undelegated' THEN 'mode unknown: no virtualNetworkType, and its subnet has no delegation to tell it'
               WHEN 'not imported' THEN 'mode unknown: no virtualNetworkType, and its subnet was not imported'
               ELSE coalesce(nullif(a.vnet_type, ''), 'None') END AS mode,
           (SELECT count(*) FROM config_apim_location l WHERE l.apim = a.resource) + 1 AS regions,
           (SELECT group_concat(location, ', ') FROM
               (SELECT 0 AS k, coalesce(c.location, '?') AS location
                UNION ALL SELECT l.rowid, l.location FROM config_apim_location l
                WHERE l.apim = a.resource ORDER BY k)) AS locations
    FROM config_apim a JOIN config_resource c ON c.id = a.resource
    JOIN told t ON t.resource = a.resource)
SELECT *, name || ' (' || coalesce(nullif(tier, ''), 'tier unknown') || ', ' || mode
          || CASE WHEN regions > 1 THEN '; regions ' || locations ELSE '' END || ')' AS summary
FROM one;

-- Every region of every instance: the primary (region 0) and its
-- additional locations (1, 2, ... in the export's order).
CREATE VIEW apim_locations AS
SELECT c.name, 0 AS region, c.location, a.sku AS tier, a.capacity, a.subnet_id,
       (SELECT name FROM config_resource WHERE resource_id = a.subnet_id) AS subnet,
       a.private_ips, a.public_ips, c.resource_id AS apim_id
FROM config_apim a JOIN config_resource c ON c.id = a.resource
UNION ALL
SELECT c.name, (SELECT count(*) FROM config_apim_location k
                WHERE k.apim = l.apim AND k.rowid <= l.rowid) AS region,
       l.location, coalesce(l.sku, a.sku), l.capacity, l.subnet_id,
       (SELECT name FROM config_resource WHERE resource_id = l.subnet_id),
       l.private_ips, l.public_ips, c.resource_id
FROM config_apim_location l JOIN config_apim a ON a.resource = l.apim
JOIN config_resource c ON c.id = l.apim;
