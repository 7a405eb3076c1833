-- nsgflow database, schema version 10: findings the team has decided to
-- live with (nsgflow accept).
--
-- An acceptance names a finding by its key (finding.key: the same finding in
-- every analysis), says why, and may end. While it is in force (no end, or
-- an end still ahead of the clock), the finding is analyzed and stored as
-- before, but reports list it under Accepted and --fail-on never counts it;
-- once it ends, the finding counts again. The end is judged by the wall
-- clock when a command runs (analyze/accept.c; the view's `active` says the
-- same at the moment of the query).
CREATE TABLE finding_acceptance (
    key         TEXT PRIMARY KEY,  -- finding.key
    reason      TEXT NOT NULL,     -- why the team lives with it; never empty
    accepted_at INTEGER NOT NULL,  -- Unix seconds, when it was (last) given
    until       INTEGER            -- Unix seconds; NULL: no end
);

-- nsgflow accept looks keys up; the view below finds the latest finding of
-- each.
CREATE INDEX finding_key ON finding(key);

-- One row per acceptance, in force or ended, with the latest finding of its
-- key:  SELECT key, reason, until FROM accepted_findings WHERE active;
CREATE VIEW accepted_findings AS
SELECT
    a.key,
    a.reason,
    strftime('%Y-%m-%dT%H:%M:%SZ', a.accepted_at, 'unixepoch') AS accepted_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', a.until, 'unixepoch') AS until,
    (a.until IS NULL OR a.until > unixepoch('now')) AS active,
    (SELECT f.severity FROM finding f WHERE f.key = a.key ORDER BY f.id DESC LIMIT 1) AS severity,
    (SELECT f.title FROM finding f WHERE f.key = a.key ORDER BY f.id DESC LIMIT 1) AS title,
    (SELECT f.status FROM finding f WHERE f.key = a.key ORDER BY f.id DESC LIMIT 1) AS status
FROM finding_acceptance a
ORDER BY a.key;

-- The findings view gains the key (what nsgflow accept takes).
DROP VIEW findings;
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
    f.connections,
    f.flows,
    strftime('%Y-%m-%dT%H:%M:%SZ', f.first_seen, 'unixepoch') AS first_seen,
    strftime('%Y-%m-%dT%H:%M:%SZ', f.last_seen, 'unixepoch') AS last_seen,
    f.evidence,
    f.hint,
    f.commands,
    f.confidence,
    f.status,
    f.details,
    f.requirement_id,
    r.id AS run_id,
    strftime('%Y-%m-%dT%H:%M:%SZ', r.window_start, 'unixepoch') AS window_start,
    strftime('%Y-%m-%dT%H:%M:%SZ', r.window_end, 'unixepoch') AS window_end,
    f.key
FROM finding f
JOIN analysis_run r ON r.id = f.run_id
ORDER BY CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         f.analyzer, f.host, f.port;
