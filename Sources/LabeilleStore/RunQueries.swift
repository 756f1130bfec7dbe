import Foundation
import LabeilleCore
import LabeilleStats

public enum RunQueries {
    /// Resolves RUN: a results directory (ingested first when its bench id is not stored) or a bench id.
    public static func resolve(_ reference: String, store: Store, log: (String) -> Void = { _ in }) throws -> StoredRun {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: reference, isDirectory: &isDir), isDir.boolValue {
            let meta = try Ingest.readMeta(directory: reference)
            if let run = try load(benchID: meta.benchID, db: store.db) { return run }
            let outcome = try Ingest.ingest(directory: reference, into: store)
            log("Ingested \(reference) as \(outcome.benchID) (\(outcome.packages) packages, \(outcome.iterations) iterations)")
            guard let run = try load(benchID: meta.benchID, db: store.db) else { throw RunNotFound(reference: reference) }
            return run
        }
        guard let run = try load(benchID: reference, db: store.db) else { throw RunNotFound(reference: reference) }
        return run
    }

    public static func listRuns(db: Database) throws -> [(benchID: String, name: String, startTime: String, packages: Int, origin: String)] {
        try db.query("""
            SELECT bench_id, name, start_time, (SELECT COUNT(*) FROM package_result p WHERE p.run_id = r.run_id), origin
            FROM run r ORDER BY start_time, bench_id
            """).map { (try $0[0].requiredString(), $0[1].stringValue ?? "", $0[2].stringValue ?? "", $0[3].intValue ?? 0, $0[4].stringValue ?? "") }
    }

    public static func load(benchID: String, db: Database) throws -> StoredRun? {
        guard let r = try db.query("""
            SELECT run_id, bench_id, name, description, start_time, end_time, packages_total, packages_completed,
                   packages_skipped, origin, iterations, warmup, alternate, interleave, adaptive, adaptive_threshold,
                   adaptive_min_iterations
            FROM run WHERE bench_id = ?
            """, [benchID]).first else { return nil }
        let runID = Int64(try r[0].requiredInt())
        var run = StoredRun(
            runID: runID, benchID: try r[1].requiredString(), name: r[2].stringValue ?? "", description: r[3].stringValue ?? "",
            startTime: r[4].stringValue ?? "", endTime: r[5].stringValue ?? "", packagesTotal: r[6].intValue ?? 0,
            packagesCompleted: r[7].intValue ?? 0, packagesSkipped: r[8].intValue ?? 0, origin: r[9].stringValue ?? "",
            iterations: r[10].intValue, warmup: r[11].intValue, alternate: r[12].intValue.map { $0 != 0 },
            interleave: r[13].intValue.map { $0 != 0 }, adaptive: r[14].intValue.map { $0 != 0 },
            adaptiveThreshold: r[15].doubleValue, adaptiveMinIterations: r[16].intValue, system: nil, conditions: [])
        if let s = try db.query("""
            SELECT cpu_model, cpu_cores_physical, cpu_cores_logical, cpu_freq_mhz, cpu_freq_max_mhz, cpu_architecture,
                   ram_total_gb, ram_available_gb, swap_total_gb, os_name, os_kernel_version, os_distro,
                   host_python_version, host_python_implementation, load_avg_1m, load_avg_5m, load_avg_15m,
                   running_processes, disk_type, disk_available_gb, hostname, timestamp
            FROM system_profile WHERE run_id = ?
            """, [runID]).first {
            var p = SystemProfile()
            p.cpuModel = s[0].stringValue ?? ""; p.cpuCoresPhysical = s[1].intValue ?? 0; p.cpuCoresLogical = s[2].intValue ?? 0
            p.cpuFreqMHz = s[3].doubleValue; p.cpuFreqMaxMHz = s[4].doubleValue; p.cpuArchitecture = s[5].stringValue ?? ""
            p.ramTotalGB = s[6].doubleValue ?? 0; p.ramAvailableGB = s[7].doubleValue ?? 0; p.swapTotalGB = s[8].doubleValue ?? 0
            p.osName = s[9].stringValue ?? ""; p.osKernelVersion = s[10].stringValue ?? ""; p.osDistro = s[11].stringValue ?? ""
            p.hostPythonVersion = s[12].stringValue ?? ""; p.hostPythonImplementation = s[13].stringValue ?? ""
            p.loadAvg1m = s[14].doubleValue ?? 0; p.loadAvg5m = s[15].doubleValue ?? 0; p.loadAvg15m = s[16].doubleValue ?? 0
            p.runningProcesses = s[17].intValue ?? 0; p.diskType = s[18].stringValue ?? ""; p.diskAvailableGB = s[19].doubleValue ?? 0
            p.hostname = s[20].stringValue ?? ""; p.timestamp = s[21].stringValue ?? ""
            run.system = p
        }
        for c in try db.query("""
            SELECT c.condition_id, c.name, c.description, c.target_python, pp.path, pp.version, pp.implementation,
                   pp.compiler, pp.jit_available, pp.jit_enabled, pp.gil_disabled, pp.debug_build, pp.hash_randomization
            FROM condition c LEFT JOIN python_profile pp ON pp.condition_id = c.condition_id
            WHERE c.run_id = ? ORDER BY c.position
            """, [runID]) {
            let cid = Int64(try c[0].requiredInt())
            var profile: PythonProfile?
            if c[4] != .null {
                var p = PythonProfile()
                p.path = c[4].stringValue ?? ""; p.version = c[5].stringValue ?? ""; p.implementation = c[6].stringValue ?? ""
                p.compiler = c[7].stringValue ?? ""; p.jitAvailable = c[8].intValue == 1; p.jitEnabled = c[9].intValue == 1
                p.gilDisabled = c[10].intValue == 1; p.debugBuild = c[11].intValue == 1; p.hashRandomization = c[12].intValue == 1
                p.buildFlags = try db.query("SELECT flag FROM python_build_flag WHERE condition_id = ? ORDER BY position", [cid])
                    .map { $0[0].stringValue ?? "" }
                profile = p
            }
            let env = try db.query("SELECT key, value FROM condition_env WHERE condition_id = ? ORDER BY position", [cid])
                .map { KeyValue($0[0].stringValue ?? "", $0[1].stringValue ?? "") }
            run.conditions.append(.init(id: cid, name: try c[1].requiredString(), description: c[2].stringValue ?? "",
                                        targetPython: c[3].stringValue ?? "", env: env, profile: profile))
        }
        run.measurementLoad = try MeasurementLoad.of(db: db, benchID: run.benchID, logicalCPUs: run.system?.cpuCoresLogical ?? 0)
        return run
    }

    /// The SQL expression of a metric over `v_iterations` (a fixed list: never user text in SQL).
    static func metricColumn(_ metric: String) throws -> String {
        try metricOf(metric).iterationsColumn
    }

    static func metricOf(_ metric: String) throws -> Metric {
        guard let m = Metric(rawValue: metric) else {
            throw DatabaseError("unknown metric '\(metric)' (expected \(Metric.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return m
    }

    /// The rows of `v_condition_stats` for one run and metric, in package then condition order. The view is
    /// the one definition of these statistics: sqlite3 users and the CLI read the same numbers.
    public static func conditionStats(db: Database, benchID: String, metric: String) throws -> [ConditionStatRow] {
        _ = try metricColumn(metric)
        var rows: [ConditionStatRow] = []
        try db.forEachRow("""
            SELECT s.package, s.condition, s.metric, s.n, s.n_excluded, s.mean, s.median, s.stdev, s.min, s.max,
                   s.q1, s.q3, s.iqr, s.cv
            FROM v_condition_stats s
            WHERE s.bench_id = ? AND s.metric = ?
            ORDER BY s.package_position, s.condition_position
            """, [benchID, metric]) { st in
            rows.append(ConditionStatRow(
                package: try st.requiredString(0), condition: try st.requiredString(1), metric: try st.requiredString(2), n: st.int(3) ?? 0,
                nExcluded: st.int(4) ?? 0, mean: st.double(5), median: st.double(6), stdev: st.double(7),
                min: st.double(8), max: st.double(9), q1: st.double(10), q3: st.double(11), iqr: st.double(12),
                cv: st.double(13)))
        }
        return rows
    }

    /// Per-test statistics of one package and condition, from `v_test_stats`: n, mean, median per test × phase.
    public static func testStats(db: Database, benchID: String, package: String, condition: String)
        throws -> [(testID: String, phase: String, n: Int, mean: Double, median: Double)] {
        try db.query("""
            SELECT test_id, phase, n, mean, median FROM v_test_stats
            WHERE bench_id = ? AND package = ? AND condition = ?
            """, [benchID, package, condition]).map {
            ($0[0].stringValue ?? "", $0[1].stringValue ?? "", $0[2].intValue ?? 0, $0[3].doubleValue ?? .nan, $0[4].doubleValue ?? .nan)
        }
    }


    public static func measuredSeries(db: Database, benchID: String, metric: String) throws -> [MeasuredSeries] {
        let column = try metricColumn(metric)
        let hasValue = try metricOf(metric).hasValueSQL()
        var out: [MeasuredSeries] = []
        var index: [String: Int] = [:]
        // The column name comes from the fixed list above, never from user text. Iterations without a value
        // of the metric (instrumented ones for times, uncounted ones for instructions) are left out, not excluded.
        try db.forEachRow("""
            SELECT package, condition, \(column), round, status, iteration, hash_seed FROM v_iterations
            WHERE bench_id = ? AND warmup = 0 AND (status <> 'ok' OR \(hasValue))
            ORDER BY package_position, condition_position, iteration
            """, [benchID]) { st in
            let key = try st.requiredString(0) + "\u{0}" + st.requiredString(1)
            let i: Int
            if let existing = index[key] { i = existing } else {
                i = out.count
                index[key] = i
                out.append(MeasuredSeries(package: try st.requiredString(0), condition: try st.requiredString(1), values: [], rounds: [], excluded: 0, statuses: []))
            }
            let status = st.string(4) ?? ""
            out[i].statuses.append(status)
            if status == "ok" {
                out[i].values.append(st.double(2) ?? .nan)
                out[i].rounds.append(st.int(3))
                out[i].indices.append(st.int(5) ?? 0)
                out[i].hashSeeds.append(st.int(6))
            } else {
                out[i].excluded += 1
            }
        }
        return out
    }
}

extension RunQueries {
    /// One package line rebuilt from the store (to write bench_results.jsonl in the Python format).
    public static func packageRecord(db: Database, packageResultID: Int64) throws -> PackageResultRecord {
        guard let row = try db.query("SELECT package, clone_duration_s, skipped, skip_reason FROM package_result WHERE package_result_id = ?",
                                     [packageResultID]).first else { throw DatabaseError("no package result \(packageResultID)") }
        var p = PackageResultRecord(package: row[0].stringValue ?? "")
        p.cloneDurationS = row[1].doubleValue ?? 0
        p.skipped = row[2].intValue == 1
        p.skipReason = row[3].stringValue ?? ""
        for pc in try db.query("""
            SELECT pc.package_condition_id, c.name, pc.install_duration_s, pc.venv_setup_duration_s, pc.converged_early
            FROM package_condition pc JOIN condition c ON c.condition_id = pc.condition_id
            WHERE pc.package_result_id = ? ORDER BY c.position
            """, [packageResultID]) {
            var c = ConditionResultRecord(conditionName: pc[1].stringValue ?? "")
            c.installDurationS = pc[2].doubleValue ?? 0
            c.venvSetupDurationS = pc[3].doubleValue ?? 0
            c.convergedEarly = pc[4].intValue == 1
            try readIterations(of: pc[0], into: &c, db: db)
            p.conditions.append(c)
        }
        return p
    }

    /// A package × condition's iterations in index order, each with its per-test durations in stored order.
    static func readIterations(of packageConditionID: SQLValue, into c: inout ConditionResultRecord, db: Database) throws {
        var byIteration: [Int64: Int] = [:]
        try db.forEachRow("""
            SELECT iteration_id, idx, warmup, wall_time_s, user_time_s, sys_time_s, peak_rss_mb, exit_code, status, outlier,
                   load_avg_start, load_avg_end, ram_available_start_gb, caches_dropped, constraints_applied, oom_detected,
                   per_test_parsed, round, round_position, tests_passed, tests_failed, tests_skipped, tests_errors,
                   tests_xfailed, tests_xpassed, tests_subtests, tests_digest, per_test_rejected,
                   instructions, instruction_method, instrumented, hash_seed
            FROM iteration WHERE package_condition_id = ? ORDER BY idx
            """, [packageConditionID]) { st in
            guard let id = st.int(0) else { return }
            byIteration[Int64(id)] = c.iterations.count
            c.iterations.append(iterationRecord(st))
        }
        try db.forEachRow("""
            SELECT td.iteration_id, tc.test_id, td.phase, td.duration_s, td.outcome FROM test_duration td
            JOIN test_case tc ON tc.test_case_id = td.test_case_id
            WHERE td.iteration_id IN (SELECT iteration_id FROM iteration WHERE package_condition_id = ?)
            ORDER BY td.rowid
            """, [packageConditionID]) { st in
            if let id = st.int(0), let i = byIteration[Int64(id)] {
                c.iterations[i].perTestTimings.append(TestTiming(testID: st.string(1) ?? "", phase: st.string(2) ?? "", durationS: st.double(3) ?? 0,
                                                                 outcome: st.string(4).flatMap(TestOutcome.init(rawValue:))))
            }
        }
    }

    /// One row of `readIterations`' iteration query as a record.
    static func iterationRecord(_ st: Statement) -> IterationRecord {
        var it = IterationRecord(index: st.int(1) ?? 0, warmup: st.int(2) == 1, wallTimeS: st.double(3) ?? 0,
                                 userTimeS: st.double(4) ?? 0, sysTimeS: st.double(5) ?? 0, peakRSSMB: st.double(6) ?? 0,
                                 exitCode: st.int(7) ?? 0, status: st.string(8) ?? "")
        it.outlier = st.int(9) == 1
        it.loadAvgStart = st.double(10) ?? 0
        it.loadAvgEnd = st.double(11) ?? 0
        it.ramAvailableStartGB = st.double(12) ?? 0
        it.cachesDropped = st.int(13) == 1
        it.constraintsApplied = st.int(14) == 1
        it.oomDetected = st.int(15) == 1
        it.perTestParseSuccess = st.int(16).map { $0 == 1 }
        it.round = st.int(17)
        it.roundPosition = st.int(18)
        if let passed = st.int(19) {
            it.tests = TestCounts(passed: passed, failed: st.int(20) ?? 0, skipped: st.int(21) ?? 0, errors: st.int(22) ?? 0,
                                  xfailed: st.int(23) ?? 0, xpassed: st.int(24) ?? 0, subtests: st.int(25) ?? 0)
        }
        it.testsDigest = st.string(26)
        it.perTestRejected = st.int(27) ?? 0
        it.readInstructionColumns(st, from: 28)
        return it
    }
}
