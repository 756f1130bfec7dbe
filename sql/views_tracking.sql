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
-- One pass over the points' keys: the same joins as v_series_points, but only the wall median (a measured_stats
-- key lookup) per point. The pinned run's position is joined once per series, and the grouping sums both every
-- point and the points at or after the pinned position; which of the two is the window is known only after
-- grouping (does the package have a point at the pinned run?), so the outer select picks it. Only the first and
-- last medians are looked up afterwards, once per package × condition. The GROUP BY is on series, package and
-- condition, so SQLite moves a WHERE on them down to the joins (filtered first). CROSS JOIN fixes the order
-- series → its runs → their packages: with ANALYZE statistics SQLite otherwise prefers to walk every stored
-- package in name order (to save the GROUP BY's sort), which costs the whole database.
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
       pinned_median_s,
       condition_position
FROM (SELECT series, package, condition, condition_position, n_runs, first_position, last_position,
             pinned_position, pinned_median_s,
             CASE WHEN pinned_position IS NULL THEN n_all   ELSE n_after   END AS nw,
             CASE WHEN pinned_position IS NULL THEN sx_all  ELSE sx_after  END AS sx,
             CASE WHEN pinned_position IS NULL THEN sxx_all ELSE sxx_after END AS sxx,
             CASE WHEN pinned_position IS NULL THEN sy_all  ELSE sy_after  END AS sy,
             CASE WHEN pinned_position IS NULL THEN sxy_all ELSE sxy_after END AS sxy
      FROM (SELECT ts.name                                                       AS series,
                   pr.package,
                   c.name                                                        AS condition,
                   MIN(c.position)                                               AS condition_position,
                   COUNT(*)                                                      AS n_runs,
                   MIN(tr.position)                                              AS first_position,
                   MAX(tr.position)                                              AS last_position,
                   MAX(CASE WHEN tr.position = pin.position THEN tr.position END) AS pinned_position,
                   MAX(CASE WHEN tr.position = pin.position THEN s.median END)    AS pinned_median_s,
                   COUNT(*) * 1.0                                                AS n_all,
                   SUM(tr.position * 1.0)                                        AS sx_all,
                   SUM(tr.position * 1.0 * tr.position)                          AS sxx_all,
                   SUM(s.median)                                                 AS sy_all,
                   SUM(tr.position * s.median)                                   AS sxy_all,
                   SUM(tr.position >= pin.position) * 1.0                        AS n_after,
                   SUM(CASE WHEN tr.position >= pin.position THEN tr.position * 1.0 END)               AS sx_after,
                   SUM(CASE WHEN tr.position >= pin.position THEN tr.position * 1.0 * tr.position END) AS sxx_after,
                   SUM(CASE WHEN tr.position >= pin.position THEN s.median END)                        AS sy_after,
                   SUM(CASE WHEN tr.position >= pin.position THEN tr.position * s.median END)          AS sxy_after
            FROM tracking_series ts
            CROSS JOIN tracking_run tr      ON tr.series_id = ts.series_id
            LEFT JOIN tracking_run pin      ON pin.series_id = ts.series_id AND pin.run_id = ts.pinned_run_id
            CROSS JOIN package_result pr    ON pr.run_id = tr.run_id AND pr.skipped = 0
            JOIN package_condition pc       ON pc.package_result_id = pr.package_result_id
            JOIN condition c                ON c.condition_id = pc.condition_id
            LEFT JOIN measured_stats s      ON s.package_condition_id = pc.package_condition_id AND s.metric = 'wall'
            WHERE EXISTS (SELECT 1 FROM iteration i
                          WHERE i.package_condition_id = pc.package_condition_id AND i.warmup = 0 AND i.status = 'ok')
            GROUP BY ts.name, pr.package, c.name)) w;
