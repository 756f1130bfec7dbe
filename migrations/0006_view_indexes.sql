-- 0006: indexes for the views of sql/ when they are filtered without a run (sqlite3 users, docs/sql.md).
-- A filter on the run (bench_id), series, package × condition or iteration is already served by the keys of
-- 0001 and 0002. These two make the other filters cost what they select rather than the whole database:
--   v_condition_stats / v_series_points / v_iterations WHERE package = …   (one package across every run)
--   v_test_stats WHERE test_id = …                                         (one test across every run)
CREATE INDEX package_result_by_package ON package_result(package);
CREATE INDEX test_duration_by_test ON test_duration(test_case_id);
