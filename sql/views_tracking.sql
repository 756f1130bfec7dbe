-- Views of the tracking series (migration 0002), a public contract documented in docs/tracking.md.
-- Stock SQLite only (window functions, no registered functions), so `sqlite3 results/labeille.db` gives the
-- numbers `bench track trend` starts from. Medians are over measured (non-warm-up) iterations whose status
-- is 'ok', interpolated as numpy's default (the mean of the two middle values for an even count);
-- skipped packages and package × conditions without an ok measured iteration have no point.

DROP VIEW IF EXISTS v_trend_slopes;
DROP VIEW IF EXISTS v_series_points;

-- One row per series × run × package × condition.
--   series, position (1-based order in the series), bench_id, timestamp (the run's start_time), commit_sha
--   (the run's `sha` commit value in this series, or NULL), pinned (1 for the series' pinned run), package,
--   condition, n (ok measured iterations), wall_median_s, cpu_median_s (user + sys), rss_median_mb.
CREATE VIEW v_series_points AS
WITH it AS (
    SELECT tr.series_id, tr.position, tr.run_id, pc.package_condition_id,
           i.wall_time_s AS wall, i.user_time_s + i.sys_time_s AS cpu, i.peak_rss_mb AS rss
    FROM tracking_run tr
    JOIN package_result pr    ON pr.run_id = tr.run_id AND pr.skipped = 0
    JOIN package_condition pc ON pc.package_result_id = pr.package_result_id
    JOIN iteration i          ON i.package_condition_id = pc.package_condition_id
    WHERE i.warmup = 0 AND i.status = 'ok' AND i.instrumented = 0  -- times under Valgrind are not timings
),
ranked AS (
    SELECT series_id, position, run_id, package_condition_id, wall, cpu, rss,
           ROW_NUMBER() OVER (PARTITION BY series_id, package_condition_id ORDER BY wall) - 1 AS rw,
           ROW_NUMBER() OVER (PARTITION BY series_id, package_condition_id ORDER BY cpu) - 1  AS rc,
           ROW_NUMBER() OVER (PARTITION BY series_id, package_condition_id ORDER BY rss) - 1  AS rr,
           COUNT(*)     OVER (PARTITION BY series_id, package_condition_id)                   AS n
    FROM it
),
med AS (
    SELECT series_id, position, run_id, package_condition_id, n,
           (MAX(CASE WHEN rw = (n - 1) / 2 THEN wall END) + MAX(CASE WHEN rw = n / 2 THEN wall END)) / 2.0 AS wall_median_s,
           (MAX(CASE WHEN rc = (n - 1) / 2 THEN cpu END)  + MAX(CASE WHEN rc = n / 2 THEN cpu END)) / 2.0  AS cpu_median_s,
           (MAX(CASE WHEN rr = (n - 1) / 2 THEN rss END)  + MAX(CASE WHEN rr = n / 2 THEN rss END)) / 2.0  AS rss_median_mb
    FROM ranked
    GROUP BY series_id, package_condition_id
)
SELECT ts.name                                     AS series,
       m.position,
       r.bench_id,
       r.start_time                                AS timestamp,
       (SELECT tc.value FROM tracking_commit tc
        WHERE tc.series_id = m.series_id AND tc.run_id = m.run_id AND tc.key = 'sha') AS commit_sha,
       CASE WHEN ts.pinned_run_id = m.run_id THEN 1 ELSE 0 END AS pinned,
       pr.package,
       c.name                                      AS condition,
       m.n,
       m.wall_median_s,
       m.cpu_median_s,
       m.rss_median_mb,
       c.position                                  AS condition_position,
       pc.package_condition_id
FROM med m
JOIN tracking_series ts   ON ts.series_id = m.series_id
JOIN run r                ON r.run_id = m.run_id
JOIN package_condition pc ON pc.package_condition_id = m.package_condition_id
JOIN package_result pr    ON pr.package_result_id = pc.package_result_id
JOIN condition c          ON c.condition_id = pc.condition_id;

-- One row per series × package × condition with at least one point.
--   n_runs (points), first_median_s and last_median_s (at the package's first and last position),
--   pinned_median_s (at the series' pinned run; NULL when not pinned or the package has no point there).
--   The slope is over the trend window, as `bench track trend` computes it: from the pinned run (when the package
--   has a point there, else from its first run) to its last run. window_start_position, n_trend_runs,
--   slope_s_per_run (least-squares slope of wall_median_s against position; NULL below 2 runs),
--   mean_median_s (mean of the window's medians), slope_fraction_per_run (slope / mean_median_s).
CREATE VIEW v_trend_slopes AS
WITH p AS (
    SELECT series, package, condition, condition_position, position, wall_median_s, pinned,
           MIN(position) OVER w                               AS first_position,
           MAX(position) OVER w                               AS last_position,
           MAX(CASE WHEN pinned = 1 THEN position END) OVER w AS pinned_position
    FROM v_series_points
    WINDOW w AS (PARTITION BY series, package, condition)
),
s AS (
    SELECT series, package, condition, MIN(condition_position) AS condition_position,
           COUNT(*)                                                        AS n_runs,
           MIN(COALESCE(pinned_position, first_position))                  AS window_start_position,
           SUM(position >= COALESCE(pinned_position, first_position))      AS nw,
           AVG(CASE WHEN position >= COALESCE(pinned_position, first_position) THEN position END)      AS mx,
           AVG(CASE WHEN position >= COALESCE(pinned_position, first_position) THEN wall_median_s END) AS my,
           SUM(CASE WHEN position >= COALESCE(pinned_position, first_position) THEN (position * 1.0) * position END) AS sxx,
           SUM(CASE WHEN position >= COALESCE(pinned_position, first_position) THEN position * wall_median_s END)   AS sxy,
           MAX(CASE WHEN position = first_position THEN wall_median_s END) AS first_median_s,
           MAX(CASE WHEN position = last_position THEN wall_median_s END)  AS last_median_s,
           MAX(CASE WHEN pinned = 1 THEN wall_median_s END)                AS pinned_median_s
    FROM p
    GROUP BY series, package, condition
)
SELECT series, package, condition, n_runs,
       window_start_position,
       nw AS n_trend_runs,
       CASE WHEN nw >= 2 AND sxx - nw * mx * mx > 0
            THEN (sxy - nw * mx * my) / (sxx - nw * mx * mx) END AS slope_s_per_run,
       my AS mean_median_s,
       CASE WHEN nw >= 2 AND sxx - nw * mx * mx > 0 AND my <> 0
            THEN (sxy - nw * mx * my) / (sxx - nw * mx * mx) / my END AS slope_fraction_per_run,
       first_median_s, last_median_s, pinned_median_s,
       condition_position
FROM s;
