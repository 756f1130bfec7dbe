-- 0002: tracking series — named, ordered lists of stored runs (e.g. one run per CPython commit), with notes,
-- commit key=values and an optional pinned baseline run. `bench track` reads and writes them; the views of
-- sql/views_tracking.sql expose them to sqlite3 users.

CREATE TABLE tracking_series (
    series_id     INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    -- The baseline of trend and alert when set; otherwise each package's first run in the series.
    pinned_run_id INTEGER REFERENCES run(run_id) ON DELETE SET NULL
);

-- The runs of a series in order: position 1, 2, … (the order they were added; an imported Python series keeps
-- its file order). A run appears at most once per series.
CREATE TABLE tracking_run (
    series_id INTEGER NOT NULL REFERENCES tracking_series(series_id) ON DELETE CASCADE,
    run_id    INTEGER NOT NULL REFERENCES run(run_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    added_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    notes     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (series_id, run_id),
    UNIQUE (series_id, position)
) WITHOUT ROWID;
CREATE INDEX tracking_run_by_run ON tracking_run(run_id);

-- Commit key=values of a run in a series (`--commit sha=…,branch=…`), in the order given.
CREATE TABLE tracking_commit (
    series_id INTEGER NOT NULL,
    run_id    INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (series_id, run_id, key),
    FOREIGN KEY (series_id, run_id) REFERENCES tracking_run(series_id, run_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- `bench ingest --replace` deletes a run (with foreign keys off, inside its transaction) and inserts it again
-- under a new run_id. These triggers keep the run's place in its series across that: its tracking rows are
-- parked under its bench id when the run row goes, and put back when a run with that bench id arrives.
CREATE TABLE tracking_detached (
    series_id INTEGER NOT NULL REFERENCES tracking_series(series_id) ON DELETE CASCADE,
    bench_id  TEXT NOT NULL,
    position  INTEGER NOT NULL,
    added_at  TEXT NOT NULL,
    notes     TEXT NOT NULL,
    pinned    INTEGER NOT NULL,
    PRIMARY KEY (series_id, bench_id)
) WITHOUT ROWID;

CREATE TABLE tracking_detached_commit (
    series_id INTEGER NOT NULL,
    bench_id  TEXT NOT NULL,
    position  INTEGER NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (series_id, bench_id, key),
    FOREIGN KEY (series_id, bench_id) REFERENCES tracking_detached(series_id, bench_id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TRIGGER tracking_run_detach BEFORE DELETE ON run
WHEN EXISTS (SELECT 1 FROM tracking_run WHERE run_id = OLD.run_id)
BEGIN
    INSERT OR REPLACE INTO tracking_detached (series_id, bench_id, position, added_at, notes, pinned)
        SELECT tr.series_id, OLD.bench_id, tr.position, tr.added_at, tr.notes,
               COALESCE(ts.pinned_run_id = OLD.run_id, 0)
        FROM tracking_run tr JOIN tracking_series ts ON ts.series_id = tr.series_id
        WHERE tr.run_id = OLD.run_id;
    INSERT OR REPLACE INTO tracking_detached_commit (series_id, bench_id, position, key, value)
        SELECT series_id, OLD.bench_id, position, key, value FROM tracking_commit WHERE run_id = OLD.run_id;
    DELETE FROM tracking_commit WHERE run_id = OLD.run_id;
    DELETE FROM tracking_run WHERE run_id = OLD.run_id;
    UPDATE tracking_series SET pinned_run_id = NULL WHERE pinned_run_id = OLD.run_id;
END;

CREATE TRIGGER tracking_run_reattach AFTER INSERT ON run
WHEN EXISTS (SELECT 1 FROM tracking_detached WHERE bench_id = NEW.bench_id)
BEGIN
    INSERT OR IGNORE INTO tracking_run (series_id, run_id, position, added_at, notes)
        SELECT series_id, NEW.run_id, position, added_at, notes FROM tracking_detached WHERE bench_id = NEW.bench_id;
    INSERT OR IGNORE INTO tracking_commit (series_id, run_id, position, key, value)
        SELECT series_id, NEW.run_id, position, key, value FROM tracking_detached_commit WHERE bench_id = NEW.bench_id;
    UPDATE tracking_series SET pinned_run_id = NEW.run_id
        WHERE series_id IN (SELECT series_id FROM tracking_detached WHERE bench_id = NEW.bench_id AND pinned = 1);
    DELETE FROM tracking_detached_commit WHERE bench_id = NEW.bench_id;
    DELETE FROM tracking_detached WHERE bench_id = NEW.bench_id;
END;
