-- 0001: the normalised store of benchmark runs.
-- One row per thing: runs, their conditions (in defined order, first = default baseline), per-package
-- results, package × condition results, iterations and per-test durations. Lists (env vars, extra deps,
-- CPU affinity, build flags, CLI args) are child tables, not JSON blobs.

CREATE TABLE run (
    run_id                  INTEGER PRIMARY KEY,
    bench_id                TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL DEFAULT '',
    description             TEXT NOT NULL DEFAULT '',
    start_time              TEXT NOT NULL DEFAULT '',
    end_time                TEXT NOT NULL DEFAULT '',
    packages_total          INTEGER NOT NULL DEFAULT 0,
    packages_completed      INTEGER NOT NULL DEFAULT 0,
    packages_skipped        INTEGER NOT NULL DEFAULT 0,
    origin                  TEXT NOT NULL CHECK (origin = 'ingested' OR origin = 'measured'),
    source_dir              TEXT,
    -- The runner's config block, as columns (NULL when the source did not say).
    iterations              INTEGER,
    warmup                  INTEGER,
    timeout_s               REAL,
    alternate               INTEGER,
    interleave              INTEGER,
    adaptive                INTEGER,
    adaptive_threshold      REAL,
    adaptive_min_iterations INTEGER,
    top_n                   INTEGER,
    -- The whole config object as written, for keys this schema does not know yet.
    config_json             TEXT NOT NULL DEFAULT '{}',
    created_at              TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE run_cli_arg (
    run_id   INTEGER NOT NULL REFERENCES run(run_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    arg      TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
) WITHOUT ROWID;

CREATE TABLE run_package_filter (
    run_id   INTEGER NOT NULL REFERENCES run(run_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    package  TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
) WITHOUT ROWID;

CREATE TABLE system_profile (
    run_id                     INTEGER PRIMARY KEY REFERENCES run(run_id) ON DELETE CASCADE,
    cpu_model                  TEXT NOT NULL DEFAULT 'unknown',
    cpu_cores_physical         INTEGER NOT NULL DEFAULT 0,
    cpu_cores_logical          INTEGER NOT NULL DEFAULT 0,
    cpu_freq_mhz               REAL,
    cpu_freq_max_mhz           REAL,
    cpu_architecture           TEXT NOT NULL DEFAULT '',
    ram_total_gb               REAL NOT NULL DEFAULT 0,
    ram_available_gb           REAL NOT NULL DEFAULT 0,
    swap_total_gb              REAL NOT NULL DEFAULT 0,
    os_name                    TEXT NOT NULL DEFAULT '',
    os_kernel_version          TEXT NOT NULL DEFAULT '',
    os_distro                  TEXT NOT NULL DEFAULT '',
    host_python_version        TEXT NOT NULL DEFAULT '',
    host_python_implementation TEXT NOT NULL DEFAULT '',
    load_avg_1m                REAL NOT NULL DEFAULT 0,
    load_avg_5m                REAL NOT NULL DEFAULT 0,
    load_avg_15m               REAL NOT NULL DEFAULT 0,
    running_processes          INTEGER NOT NULL DEFAULT 0,
    disk_type                  TEXT NOT NULL DEFAULT 'unknown',
    disk_available_gb          REAL NOT NULL DEFAULT 0,
    hostname                   TEXT NOT NULL DEFAULT '',
    timestamp                  TEXT NOT NULL DEFAULT ''
);

-- Conditions of a run in their defined order; position 0 is the default baseline.
CREATE TABLE condition (
    condition_id          INTEGER PRIMARY KEY,
    run_id                INTEGER NOT NULL REFERENCES run(run_id) ON DELETE CASCADE,
    position              INTEGER NOT NULL,
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    target_python         TEXT NOT NULL DEFAULT '',
    test_command_override TEXT,
    test_command_prefix   TEXT,
    test_command_suffix   TEXT,
    install_command       TEXT,
    memory_limit_mb       INTEGER,
    cpu_time_limit_s      INTEGER,
    file_size_limit_mb    INTEGER,
    UNIQUE (run_id, name),
    UNIQUE (run_id, position)
);

CREATE TABLE condition_env (
    condition_id INTEGER NOT NULL REFERENCES condition(condition_id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (condition_id, key)
) WITHOUT ROWID;

CREATE TABLE condition_extra_dep (
    condition_id INTEGER NOT NULL REFERENCES condition(condition_id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    requirement  TEXT NOT NULL,
    PRIMARY KEY (condition_id, position)
) WITHOUT ROWID;

CREATE TABLE condition_cpu_affinity (
    condition_id INTEGER NOT NULL REFERENCES condition(condition_id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    cpu          INTEGER NOT NULL,
    PRIMARY KEY (condition_id, position)
) WITHOUT ROWID;

-- The interpreter as probed for one condition (with that condition's environment).
CREATE TABLE python_profile (
    condition_id       INTEGER PRIMARY KEY REFERENCES condition(condition_id) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    path               TEXT NOT NULL DEFAULT '',
    version            TEXT NOT NULL DEFAULT '',
    implementation     TEXT NOT NULL DEFAULT '',
    compiler           TEXT NOT NULL DEFAULT '',
    jit_available      INTEGER NOT NULL DEFAULT 0,
    jit_enabled        INTEGER NOT NULL DEFAULT 0,
    gil_disabled       INTEGER NOT NULL DEFAULT 0,
    debug_build        INTEGER NOT NULL DEFAULT 0,
    hash_randomization INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE python_build_flag (
    condition_id INTEGER NOT NULL REFERENCES python_profile(condition_id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    flag         TEXT NOT NULL,
    PRIMARY KEY (condition_id, position)
) WITHOUT ROWID;

-- One row per package line of a run, skipped packages included.
CREATE TABLE package_result (
    package_result_id INTEGER PRIMARY KEY,
    run_id            INTEGER NOT NULL REFERENCES run(run_id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    package           TEXT NOT NULL,
    clone_duration_s  REAL NOT NULL DEFAULT 0,
    skipped           INTEGER NOT NULL DEFAULT 0,
    skip_reason       TEXT NOT NULL DEFAULT '',
    UNIQUE (run_id, package)
);

CREATE TABLE package_condition (
    package_condition_id  INTEGER PRIMARY KEY,
    package_result_id     INTEGER NOT NULL REFERENCES package_result(package_result_id) ON DELETE CASCADE,
    condition_id          INTEGER NOT NULL REFERENCES condition(condition_id) ON DELETE CASCADE,
    install_duration_s    REAL NOT NULL DEFAULT 0,
    venv_setup_duration_s REAL NOT NULL DEFAULT 0,
    converged_early       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (package_result_id, condition_id)
);
CREATE INDEX package_condition_by_condition ON package_condition(condition_id);

-- Every field of the Python tool's iteration object. `idx` is the 1-based position in the
-- warm-up + measured sequence of this package × condition; `round` and `round_position` say when it
-- ran in an alternating schedule (NULL for ingested runs, whose files do not say).
CREATE TABLE iteration (
    iteration_id           INTEGER PRIMARY KEY,
    package_condition_id   INTEGER NOT NULL REFERENCES package_condition(package_condition_id) ON DELETE CASCADE,
    idx                    INTEGER NOT NULL,
    warmup                 INTEGER NOT NULL,
    wall_time_s            REAL NOT NULL,
    user_time_s            REAL NOT NULL,
    sys_time_s             REAL NOT NULL,
    peak_rss_mb            REAL NOT NULL,
    exit_code              INTEGER NOT NULL,
    status                 TEXT NOT NULL,
    outlier                INTEGER NOT NULL DEFAULT 0,
    load_avg_start         REAL NOT NULL DEFAULT 0,
    load_avg_end           REAL NOT NULL DEFAULT 0,
    ram_available_start_gb REAL NOT NULL DEFAULT 0,
    caches_dropped         INTEGER NOT NULL DEFAULT 0,
    constraints_applied    INTEGER NOT NULL DEFAULT 0,
    oom_detected           INTEGER NOT NULL DEFAULT 0,
    per_test_parsed        INTEGER,          -- NULL: no per-test data; 1/0: parse_success
    round                  INTEGER,
    round_position         INTEGER,
    UNIQUE (package_condition_id, idx)
);

CREATE TABLE test_case (
    test_case_id INTEGER PRIMARY KEY,
    test_id      TEXT NOT NULL UNIQUE
);

-- One row per pytest --durations entry. A test id may repeat within an iteration, so no unique key.
CREATE TABLE test_duration (
    iteration_id INTEGER NOT NULL REFERENCES iteration(iteration_id) ON DELETE CASCADE,
    test_case_id INTEGER NOT NULL REFERENCES test_case(test_case_id),
    phase        TEXT NOT NULL CHECK (phase = 'call' OR phase = 'setup' OR phase = 'teardown'),
    duration_s   REAL NOT NULL
);
CREATE INDEX test_duration_by_iteration ON test_duration(iteration_id);
