-- Analysis views of labeille-bench: a public contract, documented in README.md.
-- They need nothing beyond stock SQLite (3.25+ for window functions): `sqlite3 results/labeille.db`
-- gives the same numbers as the CLI. Statistics use measured (non-warm-up) iterations whose status
-- is 'ok'; the others are counted in n_excluded. Quartiles use linear interpolation (numpy's default,
-- Hyndman–Fan type 7); stdev is the sample standard deviation (n − 1).

DROP VIEW IF EXISTS v_test_stats;
DROP VIEW IF EXISTS v_condition_stats;
DROP VIEW IF EXISTS v_metric_values;
DROP VIEW IF EXISTS v_iterations;
DROP VIEW IF EXISTS v_package_conditions;

-- One row per package × condition of a run, with names resolved.
CREATE VIEW v_package_conditions AS
SELECT r.bench_id,
       pr.package,
       c.name               AS condition,
       c.position           AS condition_position,
       pr.position          AS package_position,
       pc.package_condition_id,
       pc.install_duration_s,
       pc.venv_setup_duration_s,
       pc.converged_early
FROM package_condition pc
JOIN package_result pr ON pr.package_result_id = pc.package_result_id
JOIN condition c       ON c.condition_id = pc.condition_id
JOIN run r             ON r.run_id = pr.run_id;

-- One row per iteration (warm-ups included).
CREATE VIEW v_iterations AS
SELECT pcv.bench_id,
       pcv.package,
       pcv.condition,
       i.idx                          AS iteration,
       i.warmup,
       i.status,
       i.exit_code,
       i.wall_time_s                  AS wall_s,
       i.user_time_s                  AS user_s,
       i.sys_time_s                   AS sys_s,
       i.user_time_s + i.sys_time_s   AS cpu_s,
       i.peak_rss_mb,
       i.outlier,
       i.round,
       i.round_position,
       i.load_avg_start,
       i.load_avg_end,
       i.ram_available_start_gb,
       i.instructions,
       i.instruction_method,
       i.instrumented,
       i.hash_seed,
       pcv.condition_position,
       pcv.package_position,
       i.package_condition_id,
       i.iteration_id
FROM iteration i
JOIN v_package_conditions pcv ON pcv.package_condition_id = i.package_condition_id;

-- Measured, ok values, one row per metric (helper for v_condition_stats). Instrumented iterations (run
-- under Valgrind) have no time or memory values; only counted iterations have an instruction count.
CREATE VIEW v_metric_values AS
SELECT package_condition_id, 'wall' AS metric, wall_time_s AS value FROM iteration WHERE warmup = 0 AND status = 'ok' AND instrumented = 0
UNION ALL
SELECT package_condition_id, 'user', user_time_s FROM iteration WHERE warmup = 0 AND status = 'ok' AND instrumented = 0
UNION ALL
SELECT package_condition_id, 'sys', sys_time_s FROM iteration WHERE warmup = 0 AND status = 'ok' AND instrumented = 0
UNION ALL
SELECT package_condition_id, 'cpu', user_time_s + sys_time_s FROM iteration WHERE warmup = 0 AND status = 'ok' AND instrumented = 0
UNION ALL
SELECT package_condition_id, 'rss', peak_rss_mb FROM iteration WHERE warmup = 0 AND status = 'ok' AND instrumented = 0
UNION ALL
SELECT package_condition_id, 'instructions', instructions FROM iteration WHERE warmup = 0 AND status = 'ok' AND instructions IS NOT NULL;

-- One row per bench_id × package × condition × metric (wall, user, sys, cpu, rss, instructions).
-- n = 0 (all statistics NULL) when no measured iteration is ok; cv is NULL when the mean is 0.
CREATE VIEW v_condition_stats AS
WITH ranked AS (
    SELECT package_condition_id, metric, value,
           ROW_NUMBER() OVER (PARTITION BY package_condition_id, metric ORDER BY value) - 1 AS r,
           COUNT(*)     OVER (PARTITION BY package_condition_id, metric) AS n,
           AVG(value)   OVER (PARTITION BY package_condition_id, metric) AS mean
    FROM v_metric_values
),
agg AS (
    SELECT package_condition_id, metric, n, mean,
           SUM((value - mean) * (value - mean)) AS ss,
           MIN(value) AS min_v,
           MAX(value) AS max_v,
           MAX(CASE WHEN r = (n - 1) / 4         THEN value END) AS q1_lo,
           MAX(CASE WHEN r = (n - 1) / 4 + 1     THEN value END) AS q1_hi,
           MAX(CASE WHEN r = (n - 1) / 2         THEN value END) AS md_lo,
           MAX(CASE WHEN r = (n - 1) / 2 + 1     THEN value END) AS md_hi,
           MAX(CASE WHEN r = 3 * (n - 1) / 4     THEN value END) AS q3_lo,
           MAX(CASE WHEN r = 3 * (n - 1) / 4 + 1 THEN value END) AS q3_hi
    FROM ranked
    GROUP BY package_condition_id, metric
),
quartiles AS (
    SELECT package_condition_id, metric, n, mean, ss, min_v, max_v,
           CASE WHEN (n - 1) % 4 = 0 THEN q1_lo
                ELSE q1_lo + (q1_hi - q1_lo) * (((n - 1) % 4) / 4.0) END AS q1,
           CASE WHEN (n - 1) % 2 = 0 THEN md_lo
                ELSE md_lo + (md_hi - md_lo) * 0.5 END AS median,
           CASE WHEN (3 * (n - 1)) % 4 = 0 THEN q3_lo
                ELSE q3_lo + (q3_hi - q3_lo) * (((3 * (n - 1)) % 4) / 4.0) END AS q3
    FROM agg
),
metrics(metric, metric_position) AS (
    VALUES ('wall', 0), ('user', 1), ('sys', 2), ('cpu', 3), ('rss', 4), ('instructions', 5)
),
excluded AS (
    SELECT package_condition_id, COUNT(*) AS n_excluded
    FROM iteration WHERE warmup = 0 AND status <> 'ok'
    GROUP BY package_condition_id
)
SELECT pcv.bench_id,
       pcv.package,
       pcv.condition,
       m.metric,
       COALESCE(q.n, 0)                                    AS n,
       COALESCE(e.n_excluded, 0)                           AS n_excluded,
       q.mean,
       q.median,
       CASE WHEN q.n >= 2 THEN sqrt(q.ss / (q.n - 1)) WHEN q.n = 1 THEN 0.0 END AS stdev,
       q.min_v                                             AS min,
       q.max_v                                             AS max,
       q.q1,
       q.q3,
       q.q3 - q.q1                                         AS iqr,
       CASE WHEN q.n = 1 THEN 0.0
            WHEN q.n >= 2 AND q.mean <> 0 THEN sqrt(q.ss / (q.n - 1)) / q.mean END AS cv,
       pcv.condition_position,
       pcv.package_position,
       m.metric_position,
       pcv.package_condition_id
FROM v_package_conditions pcv
CROSS JOIN metrics m
LEFT JOIN quartiles q ON q.package_condition_id = pcv.package_condition_id AND q.metric = m.metric
LEFT JOIN excluded e  ON e.package_condition_id = pcv.package_condition_id;

-- One row per bench_id × package × condition × test id × phase, over measured ok iterations.
CREATE VIEW v_test_stats AS
WITH d AS (
    SELECT i.package_condition_id, td.test_case_id, td.phase, td.duration_s,
           ROW_NUMBER() OVER (PARTITION BY i.package_condition_id, td.test_case_id, td.phase
                              ORDER BY td.duration_s) - 1 AS r,
           COUNT(*) OVER (PARTITION BY i.package_condition_id, td.test_case_id, td.phase) AS n
    FROM test_duration td
    JOIN iteration i ON i.iteration_id = td.iteration_id
    WHERE i.warmup = 0 AND i.status = 'ok'
),
agg AS (
    SELECT package_condition_id, test_case_id, phase, n,
           AVG(duration_s) AS mean,
           MAX(CASE WHEN r = (n - 1) / 2     THEN duration_s END) AS md_lo,
           MAX(CASE WHEN r = (n - 1) / 2 + 1 THEN duration_s END) AS md_hi
    FROM d
    GROUP BY package_condition_id, test_case_id, phase
)
SELECT pcv.bench_id,
       pcv.package,
       pcv.condition,
       tc.test_id,
       a.phase,
       a.n,
       a.mean,
       CASE WHEN (a.n - 1) % 2 = 0 THEN a.md_lo ELSE a.md_lo + (a.md_hi - a.md_lo) * 0.5 END AS median,
       pcv.condition_position,
       pcv.package_condition_id
FROM agg a
JOIN v_package_conditions pcv ON pcv.package_condition_id = a.package_condition_id
JOIN test_case tc             ON tc.test_case_id = a.test_case_id;
