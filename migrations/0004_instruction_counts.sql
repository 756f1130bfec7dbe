-- 0004: instruction counts per iteration (`bench run --instructions`). A count is the user-space instructions
-- retired by the whole process tree of the iteration: every process the test command started, counted from
-- its exec to its exit. NULL: not counted (runs without --instructions, ingested Python-tool runs).
ALTER TABLE iteration ADD COLUMN instructions INTEGER CHECK (instructions IS NULL OR instructions >= 0);
-- How the count was made: 'perf' (hardware counter through perf_event_open, negligible overhead) or
-- 'valgrind' (cachegrind, which runs the program on a simulated CPU about 20-50 times slower).
ALTER TABLE iteration ADD COLUMN instruction_method TEXT
    CHECK (instruction_method IS NULL OR instruction_method IN ('perf', 'valgrind'));
-- 1 when the iteration ran under instrumentation (Valgrind): its wall, CPU and RSS figures describe the
-- instrumented program, not the program, and are kept out of every time and memory statistic.
ALTER TABLE iteration ADD COLUMN instrumented INTEGER NOT NULL DEFAULT 0 CHECK (instrumented IN (0, 1));
-- PYTHONHASHSEED the iteration ran with when the harness fixed it (instruction-counting runs), else NULL.
ALTER TABLE iteration ADD COLUMN hash_seed INTEGER;
