-- nsgflow database, schema version 4: a finding's fix as commands to paste.
--
-- finding.hint says in words what to change; finding.commands holds the
-- commands that change it, one per line, for a POSIX shell (sh, bash, zsh):
-- every value in them is single-quoted, and a name from a log that cannot be
-- a valid Azure name is left as a quoted placeholder, never pasted as is.
ALTER TABLE finding ADD COLUMN commands TEXT;

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
    strftime('%Y-%m-%dT%H:%M:%SZ', r.window_end, 'unixepoch') AS window_end
FROM finding f
JOIN analysis_run r ON r.id = f.run_id
ORDER BY CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         f.analyzer, f.host, f.port;
