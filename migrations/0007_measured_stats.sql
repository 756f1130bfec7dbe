-- 0007: descriptive statistics of every package × condition × metric, stored when its iterations are written,
-- so that views over many package × conditions (a whole tracking series: thousands of medians) read them instead of
-- ranking the iterations of each one per query (a window per median costs tens of microseconds in SQLite).
--
-- How they stay exact: every insert, change or delete of an iteration marks its package × condition stale (the
-- triggers below); labeille's writers (ingest, run, resume, merge, `--replace`) recompute the stale ones from
-- v_measured_values in the same transaction, and any labeille command that opens the database recomputes stale
-- ones left by other writers (a script or the sqlite3 shell) before it reads anything. Deleting a package ×
-- condition deletes its rows (foreign keys on or off).

-- One row per package × condition × metric with at least one value in v_measured_values (measured ok iterations;
-- instrumented ones only for 'instructions'). Quartiles by linear interpolation (numpy's default), stdev with
-- n − 1 (0 for n = 1), log_stdev = sample standard deviation of ln(value) (NULL below 2 values or when a value is
-- not positive).
CREATE TABLE measured_stats (
    package_condition_id INTEGER NOT NULL REFERENCES package_condition(package_condition_id) ON DELETE CASCADE,
    metric               TEXT NOT NULL,
    n                    INTEGER NOT NULL CHECK (n >= 1),
    mean                 REAL,
    median               REAL,
    stdev                REAL,
    min                  REAL,
    max                  REAL,
    q1                   REAL,
    q3                   REAL,
    log_stdev            REAL,
    PRIMARY KEY (package_condition_id, metric)
) WITHOUT ROWID;

-- Package × conditions whose iterations changed since their statistics were computed.
CREATE TABLE measured_stats_stale (
    package_condition_id INTEGER PRIMARY KEY
);

CREATE TRIGGER iteration_insert_stale AFTER INSERT ON iteration
BEGIN
    INSERT OR IGNORE INTO measured_stats_stale (package_condition_id) VALUES (NEW.package_condition_id);
END;

-- Only columns the statistics read: refreshing outlier flags does not mark anything.
CREATE TRIGGER iteration_update_stale
AFTER UPDATE OF package_condition_id, warmup, status, wall_time_s, user_time_s, sys_time_s, peak_rss_mb, instructions,
                instrumented ON iteration
BEGIN
    INSERT OR IGNORE INTO measured_stats_stale (package_condition_id) VALUES (OLD.package_condition_id);
    INSERT OR IGNORE INTO measured_stats_stale (package_condition_id) VALUES (NEW.package_condition_id);
END;

CREATE TRIGGER iteration_delete_stale AFTER DELETE ON iteration
BEGIN
    INSERT OR IGNORE INTO measured_stats_stale (package_condition_id) VALUES (OLD.package_condition_id);
END;

-- Also with foreign keys off (`ingest --replace` deletes that way).
CREATE TRIGGER package_condition_delete_stats AFTER DELETE ON package_condition
BEGIN
    DELETE FROM measured_stats WHERE package_condition_id = OLD.package_condition_id;
    DELETE FROM measured_stats_stale WHERE package_condition_id = OLD.package_condition_id;
END;

-- Existing databases: everything is stale; the statistics are computed right after this migration.
INSERT INTO measured_stats_stale (package_condition_id) SELECT package_condition_id FROM package_condition;
