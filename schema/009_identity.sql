-- nsgflow database, schema version 9: one blob is one blob wherever it lies.
--
-- A blob's identity is its name inside its storage container: its path from
-- the resourceId= (or flowLogResourceID=) segment on, which is the same
-- whether a download kept the container's folder (azcopy) or not
-- (az storage blob download-batch); before, such a path without the
-- insights-logs-* folder was identified by its absolute path, so two
-- download folders gave the same blob twice. A blob whose path names none
-- is known by its content (ingest/pathmeta.h): blob_key, its first flow
-- record's resource id, MAC and time, which Azure writes once per blob.

ALTER TABLE source_file ADD COLUMN blob_key TEXT;
-- (The rows of earlier versions keep blob_key NULL: the key needs the first
-- record's time as it was written, which was not stored. ingest matches
-- such a row by its fingerprint, records, tuples and time range when it
-- reads the same blob again, and gives it its key then.)
CREATE INDEX source_file_blob_key ON source_file(blob_key) WHERE blob_key IS NOT NULL;
CREATE INDEX source_file_keyless ON source_file(fingerprint) WHERE blob_key IS NULL;

-- The identities in the new form: from the first segment that starts with
-- resourceId= or flowLogResourceID= on (case-insensitive). Identities
-- without one (insights-logs-* paths of another shape, absolute paths of
-- renamed files, stdin:crc32:...) stay as they are.
CREATE TEMP TABLE identity_009 AS
SELECT id,
       CASE WHEN cut > 0 THEN substr(identity, cut + 1) ELSE identity END AS identity,
       status, tuples, ingested_at, first_tuple, last_tuple
FROM (SELECT f.*,
             CASE WHEN identity LIKE 'resourceid=%' OR identity LIKE 'flowlogresourceid=%' THEN 0
                  WHEN a = 0 THEN b WHEN b = 0 THEN a ELSE min(a, b) END AS cut
      FROM (SELECT id, identity, status, tuples, ingested_at, first_tuple, last_tuple,
                   instr(lower(identity), '/resourceid=') AS a,
                   instr(lower(identity), '/flowlogresourceid=') AS b
            FROM source_file WHERE identity IS NOT NULL) f);

-- Where one blob was stored twice (the same name from two folders), the
-- better copy stays: ok over partial over rejected, then more tuples, then
-- the later ingest. The other goes with everything written for it (as
-- ingest's store_drop_file does): postings, connections, tuples, hourly
-- sums, groups, file row.
CREATE TEMP TABLE loser_009 AS
SELECT id, first_tuple, last_tuple
FROM (SELECT id, first_tuple, last_tuple,
             row_number() OVER (PARTITION BY identity COLLATE NOCASE
                                ORDER BY CASE status WHEN 'ok' THEN 2 WHEN 'partial' THEN 1 ELSE 0 END DESC,
                                         tuples DESC, ingested_at DESC, id DESC) AS rank
      FROM identity_009)
WHERE rank > 1;

CREATE TEMP TABLE loser_tuple_009 AS
SELECT t.id, t.src, t.dst, t.dst_port, l.id AS file_id
FROM loser_009 l JOIN flow_tuple t ON t.id BETWEEN l.first_tuple AND l.last_tuple;

DELETE FROM address_file WHERE (address_id, file_id) IN
    (SELECT src, file_id FROM loser_tuple_009 UNION SELECT dst, file_id FROM loser_tuple_009);
DELETE FROM port_file WHERE (port, file_id) IN (SELECT dst_port, file_id FROM loser_tuple_009);
DELETE FROM connection WHERE first_tuple IN (SELECT id FROM loser_tuple_009);
DELETE FROM flow_tuple WHERE id IN (SELECT id FROM loser_tuple_009);
DELETE FROM flow_hour WHERE file_id IN (SELECT id FROM loser_009);
DELETE FROM flow_group WHERE file_id IN (SELECT id FROM loser_009);
DELETE FROM source_file WHERE id IN (SELECT id FROM loser_009);

-- (Every new identity is its own new form, so no row takes a name that
-- another still holds.)
UPDATE source_file SET identity = (SELECT i.identity FROM identity_009 i WHERE i.id = source_file.id)
WHERE id IN (SELECT i.id FROM identity_009 i JOIN source_file f ON f.id = i.id
             WHERE i.identity != f.identity);

DROP TABLE loser_tuple_009;
DROP TABLE loser_009;
DROP TABLE identity_009;

-- ingested_files shows the key.
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
    hour,
    blob_key
FROM source_file
WHERE identity IS NOT NULL;
