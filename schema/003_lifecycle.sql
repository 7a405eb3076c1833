-- nsgflow database, schema version 3: what reports and nightly runs need.
--
-- A finding has a life across analyses: 'new' (first seen in this window),
-- 'open' (seen in the previous window too), 'resolved' (seen in the previous
-- window, gone in this one). "Previous" is by the data's own time: the kept
-- analysis whose window ends last before this one starts, so that days
-- analyzed long after they happened compare as if each ran that night.
ALTER TABLE analysis_run ADD COLUMN previous_run_id INTEGER;

-- Per analysis, APIM host and requirement: what the host's flows did.
CREATE TABLE host_requirement (
    run_id         INTEGER NOT NULL REFERENCES analysis_run(id),
    host           TEXT NOT NULL,
    requirement_id INTEGER NOT NULL REFERENCES apim_requirement(id),
    allowed        INTEGER NOT NULL,  -- allowed tuples that match it
    denied         INTEGER NOT NULL,  -- denied tuples that match it
    PRIMARY KEY (run_id, host, requirement_id)
) WITHOUT ROWID;

-- Per finding and hour: the flows behind it ("bad": denied tuples, or
-- connections that lost their replies) and their healthy counterpart
-- ("good": allowed tuples of the same requirement, or completed
-- connections).
CREATE TABLE finding_hour (
    finding_id INTEGER NOT NULL REFERENCES finding(id),
    hour       INTEGER NOT NULL, -- Unix seconds at the start of the hour
    bad        INTEGER NOT NULL,
    good       INTEGER NOT NULL,
    PRIMARY KEY (finding_id, hour)
) WITHOUT ROWID;

CREATE VIEW requirement_matrix AS
SELECT h.run_id, h.host, r.requirement_id, r.direction, r.protocol, r.ports, r.remote,
       r.purpose, r.level, h.allowed, h.denied,
       CASE WHEN h.denied > 0 THEN 'denied' WHEN h.allowed > 0 THEN 'allowed'
            ELSE 'not seen' END AS seen
FROM host_requirement h
JOIN (SELECT DISTINCT requirement_id, direction, protocol, ports, remote, purpose, level
      FROM apim_requirements) r ON r.requirement_id = h.requirement_id;
