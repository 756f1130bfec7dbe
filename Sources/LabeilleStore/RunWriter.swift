import LabeilleCore
import LabeilleStats
/// Inserts runs, packages and iterations into the store. Used by `ingest` and by `bench run`; callers
/// choose the transaction boundaries.
public final class RunWriter {
    let db: Database
    public let runID: Int64
    public private(set) var conditionIDs: [String: Int64] = [:]
    private var nextConditionPosition = 0
    private var testCaseIDs: [String: Int64] = [:]

    /// Inserts the run row and everything of `bench_meta.json`.
    public init(db: Database, meta: RunMeta, origin: String, sourceDir: String?) throws {
        self.db = db
        let c = meta.config
        try db.run("""
            INSERT INTO run (bench_id, name, description, start_time, end_time, packages_total, packages_completed,
                packages_skipped, origin, source_dir, iterations, warmup, timeout_s, alternate, interleave, adaptive,
                adaptive_threshold, adaptive_min_iterations, top_n, config_json)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, [meta.benchID, meta.name, meta.description, meta.startTime, meta.endTime, meta.packagesTotal,
                  meta.packagesCompleted, meta.packagesSkipped, origin, sourceDir, c.iterations, c.warmup, c.timeout,
                  c.alternate, c.interleave, c.adaptive, c.adaptiveThreshold, c.adaptiveMinIterations, c.topN, c.rawJSON])
        runID = db.lastInsertRowID
        for (i, arg) in meta.cliArgs.enumerated() {
            try db.run("INSERT INTO run_cli_arg(run_id, position, arg) VALUES (?,?,?)", [runID, i, arg])
        }
        for (i, p) in (c.packagesFilter ?? []).enumerated() {
            try db.run("INSERT INTO run_package_filter(run_id, position, package) VALUES (?,?,?)", [runID, i, p])
        }
        let s = meta.system
        try db.run("""
            INSERT INTO system_profile (run_id, cpu_model, cpu_cores_physical, cpu_cores_logical, cpu_freq_mhz,
                cpu_freq_max_mhz, cpu_architecture, ram_total_gb, ram_available_gb, swap_total_gb, os_name,
                os_kernel_version, os_distro, host_python_version, host_python_implementation, load_avg_1m,
                load_avg_5m, load_avg_15m, running_processes, disk_type, disk_available_gb, hostname, timestamp)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, [runID, s.cpuModel, s.cpuCoresPhysical, s.cpuCoresLogical, s.cpuFreqMHz, s.cpuFreqMaxMHz,
                  s.cpuArchitecture, s.ramTotalGB, s.ramAvailableGB, s.swapTotalGB, s.osName, s.osKernelVersion,
                  s.osDistro, s.hostPythonVersion, s.hostPythonImplementation, s.loadAvg1m, s.loadAvg5m,
                  s.loadAvg15m, s.runningProcesses, s.diskType, s.diskAvailableGB, s.hostname, s.timestamp])
        for cond in meta.conditions { _ = try insertCondition(cond) }
        try ShardStore.record(meta, runID: runID, db: db)
        for (i, entry) in meta.pythonProfiles.enumerated() {
            let cid = try conditionID(entry.name)
            let p = entry.profile
            try db.run("""
                INSERT INTO python_profile (condition_id, position, path, version, implementation, compiler,
                    jit_available, jit_enabled, gil_disabled, debug_build, hash_randomization)
                VALUES (?,?,?,?,?,?,?,?,?,?,?)
                """, [cid, i, p.path, p.version, p.implementation, p.compiler, p.jitAvailable, p.jitEnabled,
                      p.gilDisabled, p.debugBuild, p.hashRandomization])
            for (j, flag) in p.buildFlags.enumerated() {
                try db.run("INSERT INTO python_build_flag(condition_id, position, flag) VALUES (?,?,?)", [cid, j, flag])
            }
        }
    }

    /// Deletes a run and everything under it, children first, so it works with foreign keys off too.
    public static func deleteRun(db: Database, runID: Int64) throws {
        let pcs = "SELECT pc.package_condition_id FROM package_condition pc JOIN package_result pr ON pr.package_result_id = pc.package_result_id WHERE pr.run_id = ?1"
        let conds = "SELECT condition_id FROM condition WHERE run_id = ?1"
        for sql in ShardStore.deleteStatements + [
            "DELETE FROM test_duration WHERE iteration_id IN (SELECT iteration_id FROM iteration WHERE package_condition_id IN (\(pcs)))",
            "DELETE FROM iteration WHERE package_condition_id IN (\(pcs))",
            "DELETE FROM package_condition WHERE package_result_id IN (SELECT package_result_id FROM package_result WHERE run_id = ?1)",
            "DELETE FROM package_result WHERE run_id = ?1",
            "DELETE FROM python_build_flag WHERE condition_id IN (\(conds))",
            "DELETE FROM python_profile WHERE condition_id IN (\(conds))",
            "DELETE FROM condition_env WHERE condition_id IN (\(conds))",
            "DELETE FROM condition_extra_dep WHERE condition_id IN (\(conds))",
            "DELETE FROM condition_cpu_affinity WHERE condition_id IN (\(conds))",
            "DELETE FROM condition WHERE run_id = ?1",
            "DELETE FROM system_profile WHERE run_id = ?1",
            "DELETE FROM run_cli_arg WHERE run_id = ?1",
            "DELETE FROM run_package_filter WHERE run_id = ?1",
            "DELETE FROM run WHERE run_id = ?1",
        ] { try db.run(sql, [runID]) }
    }

    /// Reopens an existing run (for `bench run --resume`).
    public init(db: Database, existingRunID: Int64) throws {
        self.db = db
        runID = existingRunID
        for row in try db.query("SELECT name, condition_id, position FROM condition WHERE run_id = ? ORDER BY position", [runID]) {
            conditionIDs[try row[0].requiredString()] = Int64(try row[1].requiredInt())
            nextConditionPosition = max(nextConditionPosition, (try row[2].requiredInt()) + 1)
        }
    }

    @discardableResult
    func insertCondition(_ c: ConditionDefinition) throws -> Int64 {
        if let existing = conditionIDs[c.name] { return existing }
        try db.run("""
            INSERT INTO condition (run_id, position, name, description, target_python, test_command_override,
                test_command_prefix, test_command_suffix, install_command, memory_limit_mb, cpu_time_limit_s,
                file_size_limit_mb)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
            """, [runID, nextConditionPosition, c.name, c.description, c.targetPython, c.testCommandOverride,
                  c.testCommandPrefix, c.testCommandSuffix, c.installCommand, c.constraints.memoryLimitMB,
                  c.constraints.cpuTimeLimitS, c.constraints.fileSizeLimitMB])
        let id = db.lastInsertRowID
        nextConditionPosition += 1
        conditionIDs[c.name] = id
        for (i, kv) in c.env.enumerated() {
            try db.run("INSERT OR REPLACE INTO condition_env(condition_id, position, key, value) VALUES (?,?,?,?)", [id, i, kv.key, kv.value])
        }
        for (i, dep) in c.extraDeps.enumerated() {
            try db.run("INSERT INTO condition_extra_dep(condition_id, position, requirement) VALUES (?,?,?)", [id, i, dep])
        }
        for (i, cpu) in c.constraints.cpuAffinity.enumerated() {
            try db.run("INSERT INTO condition_cpu_affinity(condition_id, position, cpu) VALUES (?,?,?)", [id, i, cpu])
        }
        return id
    }

    /// The id of a condition, created (after the defined ones) when a result names one the meta did not.
    func conditionID(_ name: String) throws -> Int64 {
        if let id = conditionIDs[name] { return id }
        return try insertCondition(ConditionDefinition(name: name))
    }

    private var nextPackagePosition: Int {
        get throws {
            try db.scalar("SELECT COALESCE(MAX(position) + 1, 0) FROM package_result WHERE run_id = ?", [runID]).intValue ?? 0
        }
    }

    /// Inserts one package line. A package already stored for this run is replaced (the later line wins).
    /// Outlier flags of measured iterations are recomputed (Tukey fences over the ok wall times), as the
    /// Python reader does on load; stored flags are not trusted.
    @discardableResult
    public func insertPackage(_ p: PackageResultRecord) throws -> StoredPackage {
        var stored = StoredPackage()
        stored.replaced = try db.scalar("SELECT COUNT(*) FROM package_result WHERE run_id = ? AND package = ?", [runID, p.package]).intValue != 0
        let packageResultID = try insertPackageResult(package: p.package, cloneDurationS: p.cloneDurationS,
                                                      skipped: p.skipped, skipReason: p.skipReason)
        for cond in p.conditions {
            let pcID = try beginPackageCondition(packageResultID: packageResultID, cond)
            var iterations = cond.iterations
            Self.recomputeOutliers(&iterations)
            for it in iterations {
                let durations = try insertIteration(packageConditionID: pcID, it)
                stored.iterations += 1
                stored.testRows += durations.kept
                stored.rejectedTestDurations += durations.rejected
            }
        }
        if let shard = p.shard { try ShardStore.recordPackageShard(packageResultID: packageResultID, shard: shard, db: db) }
        try refreshStatistics()
        return stored
    }

    /// What `insertPackage` wrote.
    public struct StoredPackage: Equatable {
        /// The run held the package already; its earlier line was replaced.
        public var replaced = false
        public var iterations = 0
        /// Per-test durations stored, and those dropped as impossible (negative, not finite, longer than their iteration).
        public var testRows = 0
        public var rejectedTestDurations = 0
    }

    /// Computes the stored statistics (`measured_stats`) of the package × conditions whose iterations this
    /// transaction wrote. Call it after writing iterations with `insertIteration`, before committing.
    public func refreshStatistics() throws {
        try MeasuredStats.refreshStale(db: db)
    }

    /// Inserts a package line; one already stored for this run under that name is deleted first.
    public func insertPackageResult(package: String, cloneDurationS: Double, skipped: Bool, skipReason: String) throws -> Int64 {
        if let old = try db.scalar("SELECT package_result_id FROM package_result WHERE run_id = ? AND package = ?", [runID, package]).intValue {
            let pcs = "SELECT package_condition_id FROM package_condition WHERE package_result_id = ?1"
            try db.run("DELETE FROM test_duration WHERE iteration_id IN (SELECT iteration_id FROM iteration WHERE package_condition_id IN (\(pcs)))", [old])
            try db.run("DELETE FROM iteration WHERE package_condition_id IN (\(pcs))", [old])
            try db.run("DELETE FROM package_condition WHERE package_result_id = ?1", [old])
            try db.run("DELETE FROM package_result WHERE package_result_id = ?1", [old])
        }
        try db.run("""
            INSERT INTO package_result (run_id, position, package, clone_duration_s, skipped, skip_reason)
            VALUES (?,?,?,?,?,?)
            """, [runID, try nextPackagePosition, package, cloneDurationS, skipped, skipReason])
        return db.lastInsertRowID
    }

    public func beginPackageCondition(packageResultID: Int64, _ cond: ConditionResultRecord) throws -> Int64 {
        try db.run("""
            INSERT INTO package_condition (package_result_id, condition_id, install_duration_s, venv_setup_duration_s,
                converged_early) VALUES (?,?,?,?,?)
            """, [packageResultID, try conditionID(cond.conditionName), cond.installDurationS, cond.venvSetupDurationS,
                  cond.convergedEarly])
        return db.lastInsertRowID
    }

    public static func recomputeOutliers(_ iterations: inout [IterationRecord]) {
        let measuredOK = iterations.indices.filter { !iterations[$0].warmup && iterations[$0].status == "ok" }
        let flags = Statistics.tukeyOutliers(measuredOK.map { iterations[$0].wallTimeS })
        for i in iterations.indices where !iterations[i].warmup { iterations[i].outlier = false }
        for (k, i) in measuredOK.enumerated() { iterations[i].outlier = flags[k] }
    }

    /// Recomputes the stored outlier flags of one package × condition from its rows (after `bench run`
    /// adds an iteration).
    public func refreshOutliers(packageConditionID: Int64) throws {
        let rows = try db.query("""
            SELECT iteration_id, wall_time_s FROM iteration
            WHERE package_condition_id = ? AND warmup = 0 AND status = 'ok' ORDER BY idx
            """, [packageConditionID])
        let flags = Statistics.tukeyOutliers(try rows.map { try $0[1].requiredDouble() })
        try db.run("UPDATE iteration SET outlier = 0 WHERE package_condition_id = ? AND warmup = 0", [packageConditionID])
        for (row, flag) in zip(rows, flags) where flag {
            try db.run("UPDATE iteration SET outlier = 1 WHERE iteration_id = ?", [row[0]])
        }
    }

    /// Inserts one iteration with its per-test durations; returns how many durations were stored and how many
    /// were dropped as impossible.
    @discardableResult
    public func insertIteration(packageConditionID: Int64, _ it: IterationRecord) throws -> (kept: Int, rejected: Int) {
        let checked = PerTestValidation.partition(it.perTestTimings, wallTimeS: it.wallTimeS)
        let t = it.tests
        let stmt = try db.prepare("""
            INSERT INTO iteration (package_condition_id, idx, warmup, wall_time_s, user_time_s, sys_time_s, peak_rss_mb,
                exit_code, status, outlier, load_avg_start, load_avg_end, ram_available_start_gb, caches_dropped,
                constraints_applied, oom_detected, per_test_parsed, round, round_position, tests_passed, tests_failed,
                tests_skipped, tests_errors, tests_xfailed, tests_xpassed, tests_subtests, tests_digest, per_test_rejected)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        try stmt.bind([packageConditionID, it.index, it.warmup, it.wallTimeS, it.userTimeS, it.sysTimeS, it.peakRSSMB,
                       it.exitCode, it.status, it.outlier, it.loadAvgStart, it.loadAvgEnd, it.ramAvailableStartGB,
                       it.cachesDropped, it.constraintsApplied, it.oomDetected, it.perTestParseSuccess, it.round,
                       it.roundPosition, t?.passed, t?.failed, t?.skipped, t?.errors, t?.xfailed, t?.xpassed, t?.subtests,
                       it.testsDigest, it.perTestRejected + checked.rejected])
        try stmt.execute()
        try recordInstructionCount(iterationID: db.lastInsertRowID, it)
        guard !checked.kept.isEmpty else { return (0, checked.rejected) }
        let iterationID = db.lastInsertRowID
        let ins = try db.prepare("INSERT INTO test_duration (iteration_id, test_case_id, phase, duration_s, outcome) VALUES (?,?,?,?,?)")
        for t in checked.kept {
            guard ["setup", "call", "teardown"].contains(t.phase) else {
                throw FormatError("test '\(t.testID)': unknown phase '\(t.phase)' (expected setup, call or teardown)")
            }
            ins.bind(1, int: iterationID)
            ins.bind(2, int: try testCaseID(t.testID))
            ins.bind(3, text: t.phase)
            ins.bind(4, double: t.durationS)
            ins.bind(5, text: t.outcome?.rawValue)
            try ins.execute()
        }
        return (checked.kept.count, checked.rejected)
    }

    private func testCaseID(_ testID: String) throws -> Int64 {
        if let id = testCaseIDs[testID] { return id }
        let id: Int64
        if let existing = try db.scalar("SELECT test_case_id FROM test_case WHERE test_id = ?", [testID]).intValue {
            id = Int64(existing)
        } else {
            try db.run("INSERT INTO test_case(test_id) VALUES (?)", [testID])
            id = db.lastInsertRowID
        }
        if testCaseIDs.count > 200_000 { testCaseIDs.removeAll(keepingCapacity: true) }  // bound memory
        testCaseIDs[testID] = id
        return id
    }

    public func updateRunEnd(endTime: String, packagesTotal: Int, completed: Int, skipped: Int) throws {
        try db.run("UPDATE run SET end_time = ?, packages_total = ?, packages_completed = ?, packages_skipped = ? WHERE run_id = ?",
                   [endTime, packagesTotal, completed, skipped, runID])
    }
}
