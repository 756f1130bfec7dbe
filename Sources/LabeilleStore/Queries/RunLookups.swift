import Foundation
import LabeilleCore

// Small lookups about stored runs that the layers above need. Every SQL statement of the project lives in
// this target; the others ask for values by name.
extension RunQueries {
    /// The run id of a bench id, nil when it is not stored.
    public static func runID(benchID: String, db: Database) throws -> Int64? {
        try db.scalar("SELECT run_id FROM run WHERE bench_id = ?", [benchID]).intValue.map(Int64.init)
    }

    /// Whether a run with this bench id is stored.
    public static func exists(benchID: String, db: Database) throws -> Bool {
        try runID(benchID: benchID, db: db) != nil
    }

    /// `measured` or `ingested`, nil when the bench id is not stored.
    public static func origin(benchID: String, db: Database) throws -> String? {
        try db.scalar("SELECT origin FROM run WHERE bench_id = ?", [benchID]).stringValue
    }

    /// The results folder a run was written to or read from.
    public static func sourceDirectory(benchID: String, db: Database) throws -> String? {
        try db.scalar("SELECT source_dir FROM run WHERE bench_id = ?", [benchID]).stringValue
    }

    /// The command line a run was started with (`bench run …`), in order.
    public static func commandLine(benchID: String, db: Database) throws -> [String] {
        try db.query("""
            SELECT a.arg FROM run_cli_arg a JOIN run r ON r.run_id = a.run_id WHERE r.bench_id = ? ORDER BY a.position
            """, [benchID]).compactMap { $0[0].stringValue }
    }

    /// Measured (not warm-up) iterations stored for a run, whatever their status.
    public static func measuredIterationCount(runID: Int64, db: Database) throws -> Int {
        try db.scalar("""
            SELECT COUNT(*) FROM iteration i JOIN package_condition pc ON pc.package_condition_id = i.package_condition_id
            JOIN package_result pr ON pr.package_result_id = pc.package_result_id WHERE pr.run_id = ? AND i.warmup = 0
            """, [runID]).intValue ?? 0
    }

    /// Completed and skipped packages of a run.
    public static func packageCounts(runID: Int64, db: Database) throws -> (completed: Int, skipped: Int) {
        let row = try db.query("SELECT SUM(skipped = 0), SUM(skipped = 1) FROM package_result WHERE run_id = ?", [runID]).first
        return (row?[0].intValue ?? 0, row?[1].intValue ?? 0)
    }

    /// The package results of a run in package order.
    public static func packageResultIDs(runID: Int64, db: Database) throws -> [Int64] {
        try db.query("SELECT package_result_id FROM package_result WHERE run_id = ? ORDER BY position", [runID])
            .compactMap { $0[0].intValue.map(Int64.init) }
    }

    /// (package, condition, iteration index) of every iteration stored for a run, warm-ups included.
    public static func storedIterations(benchID: String, db: Database) throws -> [(package: String, condition: String, iteration: Int)] {
        var out: [(package: String, condition: String, iteration: Int)] = []
        try db.forEachRow("SELECT package, condition, iteration FROM v_iterations WHERE bench_id = ?", [benchID]) { st in
            out.append((st.string(0) ?? "", st.string(1) ?? "", st.int(2) ?? 0))
        }
        return out
    }

    /// Measured-iteration status counts: package → condition → status → count.
    public static func statusCounts(benchID: String, db: Database) throws -> [String: [String: [String: Int]]] {
        var out: [String: [String: [String: Int]]] = [:]
        try db.forEachRow("""
            SELECT package, condition, status, COUNT(*) FROM v_iterations
            WHERE bench_id = ? AND warmup = 0 GROUP BY package, condition, status
            """, [benchID]) { st in
            out[st.string(0) ?? "", default: [:]][st.string(1) ?? "", default: [:]][st.string(2) ?? ""] = st.int(3) ?? 0
        }
        return out
    }

    /// Outliers per package × condition (key `package NUL condition`) among measured iterations.
    public static func outlierCounts(benchID: String, db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        try db.forEachRow("""
            SELECT package, condition, SUM(outlier) FROM v_iterations WHERE bench_id = ? AND warmup = 0 GROUP BY package_condition_id
            """, [benchID]) { st in out[(st.string(0) ?? "") + "\u{0}" + (st.string(1) ?? "")] = st.int(2) ?? 0 }
        return out
    }

    /// What the quality block of `show` says about one condition's measured iterations.
    public struct ConditionQuality: Sendable {
        public var outliers: Int
        public var iterations: Int
        public var maxLoad: Double?
        public var notOK: Int
    }

    public static func conditionQuality(benchID: String, condition: String, db: Database) throws -> ConditionQuality {
        let row = try db.query("""
            SELECT SUM(outlier), COUNT(*), MAX(MAX(load_avg_start, load_avg_end)), SUM(status <> 'ok')
            FROM v_iterations WHERE bench_id = ? AND condition = ? AND warmup = 0
            """, [benchID, condition]).first ?? []
        func int(_ i: Int) -> Int { i < row.count ? row[i].intValue ?? 0 : 0 }
        return ConditionQuality(outliers: int(0), iterations: int(1), maxLoad: row.count > 2 ? row[2].doubleValue : nil, notOK: int(3))
    }

    /// Per-test durations dropped on input (negative, not finite, longer than the iteration) for one package × condition.
    public static func rejectedTestDurations(benchID: String, package: String, condition: String, db: Database) throws -> Int {
        try db.scalar("""
            SELECT SUM(per_test_rejected) FROM iteration WHERE package_condition_id IN
                (SELECT package_condition_id FROM v_package_conditions WHERE bench_id = ? AND package = ? AND condition = ?)
            """, [benchID, package, condition]).intValue ?? 0
    }

    /// Whether a run has a package of this name (measured or skipped).
    public static func hasPackage(benchID: String, package: String, db: Database) throws -> Bool {
        (try db.scalar("SELECT COUNT(*) FROM v_package_conditions WHERE bench_id = ? AND package = ?", [benchID, package]).intValue ?? 0) > 0
    }

    /// How the instructions of a run were counted (`perf`, `valgrind`), in name order.
    public static func instructionMethods(benchID: String, db: Database) throws -> [String] {
        try db.query("""
            SELECT DISTINCT instruction_method FROM v_iterations WHERE bench_id = ? AND instruction_method IS NOT NULL ORDER BY 1
            """, [benchID]).compactMap { $0[0].stringValue }
    }

    /// Wall times of every stored iteration, by package (duration history for shard planning).
    public static func allIterationWallTimes(db: Database) throws -> [(package: String, seconds: Double)] {
        var out: [(package: String, seconds: Double)] = []
        try db.forEachRow("""
            SELECT pr.package, i.wall_time_s FROM iteration i
            JOIN package_condition pc ON pc.package_condition_id = i.package_condition_id
            JOIN package_result pr ON pr.package_result_id = pc.package_result_id
            """) { out.append(($0.string(0) ?? "", $0.double(1) ?? -1)) }
        return out
    }

    /// Set-up seconds of every stored package × condition: install, venv and its share of the clone.
    public static func allSetupTimes(db: Database) throws -> [(package: String, seconds: Double)] {
        var out: [(package: String, seconds: Double)] = []
        try db.forEachRow("""
            SELECT pr.package, pc.install_duration_s + pc.venv_setup_duration_s
                   + pr.clone_duration_s / (SELECT COUNT(*) FROM package_condition x WHERE x.package_result_id = pr.package_result_id)
            FROM package_condition pc JOIN package_result pr ON pr.package_result_id = pc.package_result_id
            """) { out.append(($0.string(0) ?? "", $0.double(1) ?? -1)) }
        return out
    }
}
