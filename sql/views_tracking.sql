-- Views of the tracking series (migration 0002), a public contract documented in docs/tracking.md and
-- docs/sql.md. Stock SQLite only, so `sqlite3 results/labeille.db` gives the medians `bench track trend` starts
-- from. Medians are over measured (non-warm-up) iterations whose status is 'ok', interpolated as numpy's default
-- (the mean of the two middle values for an even count); skipped packages and package × conditions without an
-- ok measured iteration have no point.
-- As in views.sql, each median is a key lookup in measured_stats (stored when the iterations are written, see
-- migration 0007) and the rows come from joins SQLite flattens into the caller's query, so `WHERE series = …` (and
-- package, condition, bench_id) selects the points first, and a whole series costs one lookup per point.

DROP VIEW IF EXISTS v_trend_slopes;
DROP VIEW IF EXISTS v_series_points;

-- One row per series × run × package × condition.
--   series, position (1-based order in the series), bench_id, timestamp (the run's start_time), commit_sha
--   (the run's `sha` commit value in this series, or NULL), pinned (1 for the series' pinned run), package,
--   condition, n (ok measured iterations), wall_median_s, cpu_median_s (user + sys), rss_median_mb,
--   condition_position, package_condition_id. The medians leave out instrumented (Valgrind) iterations: their
--   times are not timings.
CREATE VIEW v_series_points AS
SELECT ts.name                                     AS series,
       tr.position,
       r.bench_id,
       r.start_time                                AS timestamp,
       (SELECT tc.value FROM tracking_commit tc
        WHERE tc.series_id = tr.series_id AND tc.run_id = tr.run_id AND tc.key = 'sha') AS commit_sha,
       CASE WHEN ts.pinned_run_id = tr.run_id THEN 1 ELSE 0 END AS pinned,
       pr.package,
       c.name                                      AS condition,
       (SELECT COUNT(*) FROM iteration i
        WHERE i.package_condition_id = pc.package_condition_id AND i.warmup = 0 AND i.status = 'ok') AS n,
       (SELECT s.median FROM measured_stats s
        WHERE s.package_condition_id = pc.package_condition_id AND s.metric = 'wall') AS wall_median_s,
       (SELECT s.median FROM measured_stats s
        WHERE s.package_condition_id = pc.package_condition_id AND s.metric = 'cpu')  AS cpu_median_s,
       (SELECT s.median FROM measured_stats s
        WHERE s.package_condition_id = pc.package_condition_id AND s.metric = 'rss')  AS rss_median_mb,
       c.position                                  AS condition_position,
       pc.package_condition_id
FROM tracking_series ts
JOIN tracking_run tr      ON tr.series_id = ts.series_id
JOIN run r                ON r.run_id = tr.run_id
JOIN package_result pr    ON pr.run_id = tr.run_id AND pr.skipped = 0
JOIN package_condition pc ON pc.package_result_id = pr.package_result_id
JOIN condition c          ON c.condition_id = pc.condition_id
WHERE EXISTS (SELECT 1 FROM iteration i
              WHERE i.package_condition_id = pc.package_condition_id AND i.warmup = 0 AND i.status = 'ok');

-- One row per series × package × condition with at least one point.
--   n_runs (points), first_median_s and last_median_s (at the package's first and last position),
--   pinned_median_s (at the series' pinned run; NULL when not pinned or the package has no point there).
--   The slope is over the trend window, as `bench track trend` computes it: from the pinned run (when the package
--   has a point there, else from its first run) to its last run. window_start_position, n_trend_runs,
--   slope_s_per_run (least-squares slope of wall_median_s against position; NULL below 2 runs),
--   mean_median_s (mean of the window's medians), slope_fraction_per_run (slope / mean_median_s),
--   condition_position.
-- One GROUP BY over the points, by series, package and condition, so SQLite moves a WHERE on them down to
-- v_series_points. A point is in the window when the package has no point at the pinned run or when it is at or
-- after that run (a cheap indexed lookup, no median); the sums over the window read each median twice (Σy, Σxy).
CREATE VIEW v_trend_slopes AS
SELECT series, package, condition, n_runs,
       COALESCE(pinned_position, first_position) AS window_start_position,
       nw AS n_trend_runs,
       CASE WHEN nw >= 2 AND sxx - sx * sx / nw > 0
            THEN (sxy - sx * sy / nw) / (sxx - sx * sx / nw) END AS slope_s_per_run,
       sy / nw AS mean_median_s,
       CASE WHEN nw >= 2 AND sxx - sx * sx / nw > 0 AND sy <> 0
            THEN (sxy - sx * sy / nw) / (sxx - sx * sx / nw) / (sy / nw) END AS slope_fraction_per_run,
       (SELECT p.wall_median_s FROM v_series_points p
        WHERE p.series = w.series AND p.position = w.first_position AND p.package = w.package AND p.condition = w.condition)
           AS first_median_s,
       (SELECT p.wall_median_s FROM v_series_points p
        WHERE p.series = w.series AND p.position = w.last_position AND p.package = w.package AND p.condition = w.condition)
           AS last_median_s,
       (SELECT p.wall_median_s FROM v_series_points p
        WHERE p.series = w.series AND p.position = w.pinned_position AND p.package = w.package AND p.condition = w.condition)
           AS pinned_median_s,
       condition_position
FROM (SELECT series, package, condition,
             MIN(condition_position)                           AS condition_position,
             COUNT(*)                                          AS n_runs,
             MIN(position)                                     AS first_position,
             MAX(position)                                     AS last_position,
             MAX(CASE WHEN pinned = 1 THEN position END)       AS pinned_position,
             SUM(in_window) * 1.0                              AS nw,
             SUM(CASE WHEN in_window THEN position * 1.0 END)            AS sx,
             SUM(CASE WHEN in_window THEN position * 1.0 * position END) AS sxx,
             SUM(CASE WHEN in_window THEN wall_median_s END)             AS sy,
             SUM(CASE WHEN in_window THEN position * wall_median_s END)  AS sxy
      FROM (SELECT p.*,
                   p.position >= COALESCE(
                       (SELECT q.position FROM v_series_points q
                        WHERE q.series = p.series AND q.pinned = 1 AND q.package = p.package AND q.condition = p.condition
                          AND q.position = (SELECT tr.position FROM tracking_series ts
                                            JOIN tracking_run tr ON tr.series_id = ts.series_id AND tr.run_id = ts.pinned_run_id
                                            WHERE ts.name = p.series)), 0) AS in_window
            FROM v_series_points p)
      GROUP BY series, package, condition) w;
