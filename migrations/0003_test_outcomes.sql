-- 0003: what each iteration ran. Test outcome counts per iteration (NULL when the runner could not
-- tell: no report from the test runner, or a run measured before this migration), a digest of the set
-- of tests that ran (pytest only), how many per-test durations were rejected as impossible, and each
-- per-test duration's test outcome.

ALTER TABLE iteration ADD COLUMN tests_passed INTEGER;
ALTER TABLE iteration ADD COLUMN tests_failed INTEGER;
ALTER TABLE iteration ADD COLUMN tests_skipped INTEGER;
ALTER TABLE iteration ADD COLUMN tests_errors INTEGER;
ALTER TABLE iteration ADD COLUMN tests_xfailed INTEGER;
ALTER TABLE iteration ADD COLUMN tests_xpassed INTEGER;
ALTER TABLE iteration ADD COLUMN tests_subtests INTEGER;
-- Hex digest of the sorted ids of the tests that ran (not skipped); NULL when test ids are unknown.
ALTER TABLE iteration ADD COLUMN tests_digest TEXT;
-- Per-test durations that were negative, non-finite or longer than the iteration's wall time:
-- not stored in test_duration, only counted here.
ALTER TABLE iteration ADD COLUMN per_test_rejected INTEGER NOT NULL DEFAULT 0;

ALTER TABLE test_duration ADD COLUMN outcome TEXT
    CHECK (outcome IS NULL OR outcome IN ('passed', 'failed', 'skipped', 'error', 'xfailed', 'xpassed'));
