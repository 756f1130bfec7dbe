-- Analysis views of labeille-bench: a public contract, documented in README.md and docs/sql.md.
-- Stock SQLite only (3.40+ with its math functions, as Debian, Python and RSQLite ship it): `sqlite3
-- results/labeille.db` gives the same numbers as the CLI, which reads its statistics through these views.
-- Statistics use measured (non-warm-up) iterations whose status is 'ok'; the others are counted in
-- n_excluded. Quartiles use linear interpolation (numpy's default, Hyndman–Fan type 7); stdev is the sample
-- standard deviation (n − 1).
--
-- How the views stay fast: the statistics of each package × condition × metric are stored in measured_stats when
-- its iterations are written (migration 0007 says how they stay exact), and the rows they are read for come from
-- plain joins that SQLite flattens into the caller's query. So a WHERE on bench_id, package, condition or metric
-- selects the rows first, and each row costs a key lookup: the cost follows the rows selected, not the size of
-- the database. Window functions over whole tables are avoided on purpose: SQLite evaluates them over every row
-- before the caller's WHERE applies. v_test_stats computes its medians per query (a correlated subquery over the
-- selected test's durations), so only the columns a query selects are computed.

DROP VIEW IF EXISTS v_wall_stats;
DROP VIEW IF EXISTS v_test_stats;
DROP VIEW IF EXISTS v_condition_stats;
DROP VIEW IF EXISTS v_measured_values;
DROP VIEW IF EXISTS v_metric_values;
DROP VIEW IF EXISTS v_metrics;
DROP VIEW IF EXISTS v_iterations;
DROP VIEW IF EXISTS v_package_conditions;

-- The metrics of v_condition_stats, in display order.
--   metric           'wall' (wall-clock time), 'user' and 'sys' (CPU time of the test process tree), 'cpu'
--                    (user + sys), 'rss' (peak resident set size), 'instructions' (user-space instructions of
--                    the test process tree, counted by `bench run --instructions`)
--   metric_position  0, 1, … (ORDER BY it to list metrics in this order)
--   unit             's', 'MB' or 'instr'
CREATE VIEW v_metrics(metric, metric_position, unit) AS
VALUES ('wall', 0, 's'), ('user', 1, 's'), ('sys', 2, 's'), ('cpu', 3, 's'), ('rss', 4, 'MB'), ('instructions', 5, 'instr');

-- One row per package × condition of a run, with names resolved.
--   bench_id, package, condition    the run, the package and the condition (by name)
--   condition_position              0 for the baseline (the run's first condition), then 1, 2, …
--   package_position                the package's line number in the run (0-based)
--   package_condition_id            key of the package × condition (joins to the other views)
--   install_duration_s, venv_setup_duration_s   set-up times of this package × condition
--   converged_early                 1 when adaptive iteration stopped before the maximum
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
--   bench_id, package, condition     as in v_package_conditions
--   iteration                        1-based position in the warm-up + measured sequence
--   warmup                           1 for a warm-up (never in the statistics)
--   status, exit_code                'ok' or why not ('fail', 'timeout', 'oom', …) and the exit code
--   wall_s, user_s, sys_s, cpu_s     wall-clock, user CPU, system CPU and user + system CPU seconds
--   peak_rss_mb                      peak resident set size of the test process tree
--   outlier                          1 when the runner flagged the iteration as an outlier
--   round, round_position            when it ran in an alternating schedule (NULL for ingested runs)
--   load_avg_start, load_avg_end     1-minute load average before and after the iteration
--   ram_available_start_gb           available memory before the iteration
--   instructions                     user-space instructions of the process tree (NULL: not counted)
--   instruction_method               'perf' or 'valgrind' (NULL: not counted)
--   instrumented                     1 when it ran under Valgrind: its times and RSS are not in any statistic
--   hash_seed                        PYTHONHASHSEED the harness fixed (instruction-counting runs), else NULL
--   tests_passed, tests_failed, tests_skipped, tests_errors, tests_xfailed, tests_xpassed, tests_subtests
--                                    what the test runner reported for this iteration (NULL when unknown)
--   tests_digest                     identifies the set of tests that ran (pytest only; NULL otherwise)
--   per_test_rejected                per-test durations dropped as impossible (negative, not finite,
--                                    longer than the iteration)
--   condition_position, package_position, package_condition_id, iteration_id   for ordering and joins
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
       i.tests_passed,
       i.tests_failed,
       i.tests_skipped,
       i.tests_errors,
       i.tests_xfailed,
       i.tests_xpassed,
       i.tests_subtests,
       i.tests_digest,
       i.per_test_rejected,
       pcv.condition_position,
       pcv.package_position,
       i.package_condition_id,
       i.iteration_id
FROM iteration i
JOIN v_package_conditions pcv ON pcv.package_condition_id = i.package_condition_id;

-- The values the statistics are computed from: one row per measured ok iteration × metric.
--   package_condition_id, iteration_id, metric, value
-- Filter it on package_condition_id (it is indexed). labeille computes measured_stats from it.
CREATE VIEW v_measured_values AS
SELECT i.package_condition_id,
       i.iteration_id,
       m.metric,
       CASE m.metric
           WHEN 'wall' THEN i.wall_time_s
           WHEN 'user' THEN i.user_time_s
           WHEN 'sys'  THEN i.sys_time_s
           WHEN 'cpu'  THEN i.user_time_s + i.sys_time_s
           WHEN 'rss'  THEN i.peak_rss_mb
           WHEN 'instructions' THEN i.instructions
       END AS value
FROM iteration i
CROSS JOIN v_metrics m
-- Instrumented iterations (Valgrind) have no time or RSS values; only counted ones have an instruction count.
WHERE i.warmup = 0 AND i.status = 'ok'
  AND CASE WHEN m.metric = 'instructions' THEN i.instructions IS NOT NULL ELSE i.instrumented = 0 END;

-- One row per bench_id × package × condition × metric (see v_metrics: wall, user, sys, cpu, rss, instructions).
-- ALWAYS filter on metric (or use v_wall_stats): without it every package × condition has one row per metric.
--   n           measured iterations whose status is 'ok' (the sample); 0 leaves every statistic NULL
--   n_excluded  measured iterations whose status is not 'ok' (not in the statistics)
--   mean, median, stdev (sample, n − 1; 0 for n = 1), min, max
--   q1, q3, iqr quartiles by linear interpolation (numpy's default) and q3 − q1
--   cv          stdev / mean (0 for n = 1; NULL when the mean is 0)
--   log_stdev   sample standard deviation of ln(value) (NULL below 2 values or when a value is not positive)
--   condition_position, package_position, metric_position, package_condition_id   for ordering and joins
-- The statistics are read from measured_stats (migration 0007), computed from v_measured_values when the
-- iterations are written, so every row costs a key lookup whatever the size of the database.
CREATE VIEW v_condition_stats AS
SELECT pcv.bench_id,
       pcv.package,
       pcv.condition,
       m.metric,
       COALESCE(s.n, 0) AS n,
       (SELECT COUNT(*) FROM iteration i
        WHERE i.package_condition_id = pcv.package_condition_id AND i.warmup = 0 AND i.status <> 'ok') AS n_excluded,
       s.mean,
       s.median,
       s.stdev,
       s.min,
       s.max,
       s.q1,
       s.q3,
       s.q3 - s.q1 AS iqr,
       CASE WHEN s.n = 1 THEN 0.0 WHEN s.n >= 2 AND s.mean <> 0 THEN s.stdev / s.mean END AS cv,
       s.log_stdev,
       pcv.condition_position,
       pcv.package_position,
       m.metric_position,
       pcv.package_condition_id
FROM v_package_conditions pcv
CROSS JOIN v_metrics m
LEFT JOIN measured_stats s ON s.package_condition_id = pcv.package_condition_id AND s.metric = m.metric;

-- v_condition_stats for metric = 'wall' only (one row per bench_id × package × condition): the usual question,
-- without the trap of forgetting the metric filter. Same columns except metric and metric_position.
CREATE VIEW v_wall_stats AS
SELECT bench_id, package, condition, n, n_excluded, mean, median, stdev, min, max, q1, q3, iqr, cv, log_stdev,
       condition_position, package_position, package_condition_id
FROM v_condition_stats
WHERE metric = 'wall';

-- One row per bench_id × package × condition × test id × phase, over measured ok iterations.
--   bench_id, package, condition, test_id (pytest node id), phase ('call', 'setup' or 'teardown')
--   n       durations recorded (one per iteration in which the test ran)
--   mean, median   of the durations, seconds (median by linear interpolation)
--   condition_position, package_condition_id   for ordering and joins
-- A GROUP BY view whose groups include every filter column, so SQLite moves a WHERE on bench_id, package,
-- condition, test_id or phase inside the grouping (before the durations are read); the median is a
-- subquery over the group's own durations.
CREATE VIEW v_test_stats AS
SELECT r.bench_id,
       pr.package,
       c.name                AS condition,
       tc.test_id,
       td.phase,
       COUNT(*)              AS n,
       AVG(td.duration_s)    AS mean,
       (SELECT AVG(duration_s)
        FROM (SELECT d.duration_s, ROW_NUMBER() OVER (ORDER BY d.duration_s) AS rn, COUNT(*) OVER () AS k
              FROM iteration mi
              JOIN test_duration d ON d.iteration_id = mi.iteration_id
              WHERE mi.package_condition_id = pc.package_condition_id AND mi.warmup = 0 AND mi.status = 'ok'
                -- The unary + keeps SQLite on the iteration's rows (a few per test) rather than the test's
                -- rows in every run (test_duration_by_test).
                AND +d.test_case_id = td.test_case_id AND d.phase = td.phase)
        WHERE rn IN ((k + 1) / 2, (k + 2) / 2)) AS median,
       c.position            AS condition_position,
       pc.package_condition_id
FROM run r
JOIN package_result pr    ON pr.run_id = r.run_id
JOIN package_condition pc ON pc.package_result_id = pr.package_result_id
JOIN condition c          ON c.condition_id = pc.condition_id
JOIN iteration i          ON i.package_condition_id = pc.package_condition_id AND i.warmup = 0 AND i.status = 'ok'
JOIN test_duration td     ON td.iteration_id = i.iteration_id
JOIN test_case tc         ON tc.test_case_id = td.test_case_id
GROUP BY r.bench_id, pr.package, c.name, tc.test_id, td.phase, pc.package_condition_id, td.test_case_id;
