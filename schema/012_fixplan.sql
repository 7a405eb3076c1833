-- nsgflow database, schema version 12: the fix plan.
--
-- A finding says what it calls for as changes (column change: a JSON array
-- of objects: kind nsg-rule, route, subnet-endpoints, subnet-delegation,
-- with the names the analysis knew). The plan of an analysis groups its
-- findings by change, so that each change is one entry with one command,
-- called for by every finding of it (flow logs and configuration side by
-- side), with free rule names and priorities (analyze/fixplan.h). A
-- finding's commands column holds the commands of its plan entries.
ALTER TABLE finding ADD COLUMN change TEXT;

CREATE TABLE plan_change (
    run_id       INTEGER NOT NULL,  -- analysis_run.id
    ordinal      INTEGER NOT NULL,  -- 1, 2, ...: the order to apply them
    kind         TEXT NOT NULL,     -- nsg-rule, route, subnet-endpoints, subnet-delegation
    severity     TEXT NOT NULL,     -- the worst of its findings
    title        TEXT NOT NULL,     -- the change in words
    target       TEXT NOT NULL,     -- the resource it changes
    why          TEXT NOT NULL,     -- the findings that call for it
    commands     TEXT NOT NULL,     -- az commands, one a line
    placeholders TEXT,              -- what fills the <placeholders> left, or NULL
    PRIMARY KEY (run_id, ordinal)
) WITHOUT ROWID;

CREATE TABLE plan_finding (
    run_id     INTEGER NOT NULL,
    ordinal    INTEGER NOT NULL,    -- plan_change.ordinal
    finding_id INTEGER NOT NULL,    -- finding.id
    PRIMARY KEY (run_id, ordinal, finding_id)
) WITHOUT ROWID;

-- The plans of the analyses, latest first, each change with its findings:
--   SELECT ordinal, severity, title, commands FROM fix_plan
--   WHERE run_id = (SELECT max(id) FROM analysis_run);
CREATE VIEW fix_plan AS
SELECT p.run_id, p.ordinal, p.kind, p.severity, p.title, p.target, p.why, p.commands,
       p.placeholders,
       (SELECT count(*) FROM plan_finding pf WHERE pf.run_id = p.run_id
        AND pf.ordinal = p.ordinal) AS findings,
       (SELECT group_concat(f.key, char(10)) FROM plan_finding pf JOIN finding f ON f.id = pf.finding_id
        WHERE pf.run_id = p.run_id AND pf.ordinal = p.ordinal) AS finding_keys,
       strftime('%Y-%m-%dT%H:%M:%SZ', r.window_start, 'unixepoch') AS window_start,
       strftime('%Y-%m-%dT%H:%M:%SZ', r.window_end, 'unixepoch') AS window_end
FROM plan_change p
JOIN analysis_run r ON r.id = p.run_id
ORDER BY p.run_id DESC, p.ordinal;
