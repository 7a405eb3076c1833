-- nsgflow database, schema version 11: an analysis keeps its own figures.
--
-- What an analysis read (its blobs, the partial ones among them, their
-- formats; analysis_run.tuples was kept already) is written with it, so
-- that its report says the same after prune has dropped the flows, and the
-- same as analyze printed. The blobs of an analysis are those whose flows
-- reach into its window (as analysis_run.tuples counts the flows inside it).
ALTER TABLE analysis_run ADD COLUMN blobs INTEGER;
ALTER TABLE analysis_run ADD COLUMN partial_blobs INTEGER;

CREATE TABLE analysis_format (
    run_id INTEGER NOT NULL,  -- analysis_run.id
    format INTEGER NOT NULL,  -- 1 nsg-v1, 2 nsg-v2, 4 vnet-v4
    blobs  INTEGER NOT NULL,  -- the run's blobs holding records of it
    PRIMARY KEY (run_id, format)
) WITHOUT ROWID;

-- The analyses kept so far: their figures from the blobs still there.
UPDATE analysis_run SET
    blobs = (SELECT count(*) FROM source_file f WHERE f.identity IS NOT NULL
             AND f.max_ts >= analysis_run.window_start AND f.min_ts <= analysis_run.window_end),
    partial_blobs = (SELECT count(*) FROM source_file f WHERE f.identity IS NOT NULL
             AND f.status = 'partial'
             AND f.max_ts >= analysis_run.window_start AND f.min_ts <= analysis_run.window_end);
INSERT INTO analysis_format(run_id, format, blobs)
SELECT r.id, g.format, count(DISTINCT f.id)
FROM analysis_run r
JOIN source_file f ON f.identity IS NOT NULL AND f.max_ts >= r.window_start
                  AND f.min_ts <= r.window_end
JOIN flow_group g ON g.file_id = f.id
GROUP BY r.id, g.format;
