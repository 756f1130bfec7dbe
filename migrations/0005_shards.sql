-- 0005: sharded runs. One run can be split over N machines (`bench run --shard K/N`): each machine writes
-- its own database and results folder, and `bench merge` combines the N shard runs into one run. Every
-- machine keeps its own SQLite file because SQLite on a network file system is not safe for concurrent
-- writers (its locks rely on POSIX advisory locking, which NFS and friends implement unreliably).

-- The shard a measured run covers.
CREATE TABLE run_shard (
    run_id               INTEGER PRIMARY KEY REFERENCES run(run_id) ON DELETE CASCADE,
    -- Shared by the N shards of one sweep (e.g. slurm-<array job id>).
    shard_group          TEXT NOT NULL,
    shard_index          INTEGER NOT NULL CHECK (shard_index >= 1),
    shard_count          INTEGER NOT NULL CHECK (shard_index <= shard_count),
    -- 'balanced': by expected duration from earlier runs; 'hash': a stable hash of the package name.
    assignment           TEXT NOT NULL CHECK (assignment = 'balanced' OR assignment = 'hash'),
    -- A digest of the whole assignment (every package and its shard): equal across the N shards when
    -- they planned from the same history.
    plan_digest          TEXT NOT NULL,
    -- Packages selected before sharding (all shards together).
    selected_total       INTEGER NOT NULL,
    predicted_shard_s    REAL,
    predicted_makespan_s REAL
);

-- The packages assigned to a shard, in run order (a resumed shard runs exactly these).
CREATE TABLE run_shard_package (
    run_id   INTEGER NOT NULL REFERENCES run_shard(run_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    package  TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
) WITHOUT ROWID;

-- A run merged from shard runs. `complete` is 0 when shards were missing at merge time.
CREATE TABLE merged_run (
    run_id      INTEGER PRIMARY KEY REFERENCES run(run_id) ON DELETE CASCADE,
    shard_group TEXT NOT NULL,
    shard_count INTEGER NOT NULL,
    plan_digest    TEXT NOT NULL,
    complete       INTEGER NOT NULL,
    -- Digest of the merged content: merging the same shards again changes nothing.
    content_digest TEXT NOT NULL DEFAULT ''
);

-- The shard runs a merged run holds, each with the machine it ran on.
CREATE TABLE merged_shard (
    run_id            INTEGER NOT NULL REFERENCES merged_run(run_id) ON DELETE CASCADE,
    shard_index       INTEGER NOT NULL,
    source_bench_id   TEXT NOT NULL,
    hostname          TEXT NOT NULL DEFAULT '',
    cpu_model         TEXT NOT NULL DEFAULT '',
    cpu_architecture  TEXT NOT NULL DEFAULT '',
    cpu_cores_logical INTEGER NOT NULL DEFAULT 0,
    ram_total_gb      REAL NOT NULL DEFAULT 0,
    os_kernel_version TEXT NOT NULL DEFAULT '',
    os_distro         TEXT NOT NULL DEFAULT '',
    start_time        TEXT NOT NULL DEFAULT '',
    end_time          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, shard_index)
) WITHOUT ROWID;

-- Which shard (hence machine) measured each package of a merged run.
CREATE TABLE package_shard (
    package_result_id INTEGER PRIMARY KEY REFERENCES package_result(package_result_id) ON DELETE CASCADE,
    shard_index       INTEGER NOT NULL
);
