-- nsgflow database, schema version 19: the postings written where the day's
-- blobs are, not all over the table.
--
-- address_file and port_file say which blobs hold an address or a port.
-- Keyed by (address, blob) they took each blob's thousands of addresses to
-- thousands of places spread over the whole table, so a blob written into a
-- month-old database rewrote pages everywhere (the late days of a month
-- ingested at half the rate of the first). Keyed by the blob's day first
-- (the UTC day of its first tuple, source_file.min_ts / 86400), a day's
-- postings fill one region of the table and a new day only touches its own.
-- A lookup probes each day of the archive: a few dozen index searches for a
-- month, against thousands of blobs' tuples it then reads.
DROP VIEW flows_by_address;
DROP VIEW flows_by_port;
DROP VIEW connections_by_address;

CREATE TABLE address_file_19 (
    day        INTEGER NOT NULL,  -- source_file.min_ts / 86400 of file_id
    address_id INTEGER NOT NULL,
    file_id    INTEGER NOT NULL,
    PRIMARY KEY (day, address_id, file_id)
) WITHOUT ROWID;
INSERT INTO address_file_19
SELECT f.min_ts / 86400, af.address_id, af.file_id
FROM address_file af JOIN source_file f ON f.id = af.file_id
WHERE f.min_ts IS NOT NULL
ORDER BY 1, 2, 3;
DROP TABLE address_file;
ALTER TABLE address_file_19 RENAME TO address_file;

CREATE TABLE port_file_19 (
    day     INTEGER NOT NULL,     -- source_file.min_ts / 86400 of file_id
    port    INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    PRIMARY KEY (day, port, file_id)
) WITHOUT ROWID;
INSERT INTO port_file_19
SELECT f.min_ts / 86400, pf.port, pf.file_id
FROM port_file pf JOIN source_file f ON f.id = pf.file_id
WHERE f.min_ts IS NOT NULL
ORDER BY 1, 2, 3;
DROP TABLE port_file;
ALTER TABLE port_file_19 RENAME TO port_file;

-- The days that hold postings, for the lookups to probe (one row per day
-- of the archive; a blob's tuples are never without its min_ts).
CREATE VIEW posting_days AS
SELECT DISTINCT min_ts / 86400 AS day FROM source_file WHERE first_tuple IS NOT NULL;

-- The lookups read in a fixed order (CROSS JOIN, see schema 18): the
-- address or port, each day's blobs that hold it, their tuples by id. (The
-- unary + keeps SQLite from building a temporary index of every tuple's
-- port instead: 100 s on 10 days.)
CREATE VIEW flows_by_address AS
SELECT a.ip AS address, fl.*
FROM address a
CROSS JOIN posting_days d
CROSS JOIN address_file af ON af.day = d.day AND af.address_id = a.id
CROSS JOIN source_file f ON f.id = af.file_id
CROSS JOIN flow_tuple t ON t.id BETWEEN f.first_tuple AND f.last_tuple
                       AND (t.src = a.id OR t.dst = a.id)
CROSS JOIN flows fl ON fl.flow_id = t.id;

CREATE VIEW flows_by_port AS
SELECT pf.port AS port, fl.*
FROM posting_days d
CROSS JOIN port_file pf ON pf.day = d.day
CROSS JOIN source_file f ON f.id = pf.file_id
CROSS JOIN flow_tuple t ON t.id BETWEEN f.first_tuple AND f.last_tuple
                       AND +t.dst_port = pf.port
CROSS JOIN flows fl ON fl.flow_id = t.id;

CREATE VIEW connections_by_address AS
SELECT a.ip AS address, cv.*
FROM address a
CROSS JOIN posting_days d
CROSS JOIN address_file af ON af.day = d.day AND af.address_id = a.id
CROSS JOIN source_file f ON f.id = af.file_id
CROSS JOIN connection c ON c.first_tuple BETWEEN f.first_tuple AND f.last_tuple
                       AND (c.local = a.id OR c.remote = a.id)
CROSS JOIN connections cv ON cv.connection_id = c.first_tuple;
