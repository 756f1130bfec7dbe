import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore

/// `--format csv-summary`: one row per package × condition with wall statistics, in the Python tool's
/// columns. Unlike the original, statistics cover ok iterations only, and `cpu_mean_s` is the mean of
/// user + sys (the original wrote the user time alone under that name).
public struct SummaryCSVExporter: RunExporter {
    public static let columns = ["package", "condition", "n", "wall_mean_s", "wall_median_s", "wall_stdev_s",
                                 "wall_min_s", "wall_max_s", "wall_cv", "cpu_mean_s", "rss_median_mb", "outliers"]
    public static let instructionColumns = ["instructions_mean", "instructions_median", "instructions_cv"]
    public init() {}
    public func export(store: Store, run: StoredRun, emit: (String) throws -> Void) throws {
        let db = store.db
        let wall = try RunQueries.conditionStats(db: db, benchID: run.benchID, metric: "wall")
        func key(_ r: ConditionStatRow) -> String { r.package + "\u{0}" + r.condition }
        let cpu = Dictionary(try RunQueries.conditionStats(db: db, benchID: run.benchID, metric: "cpu").map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let rss = Dictionary(try RunQueries.conditionStats(db: db, benchID: run.benchID, metric: "rss").map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        // Runs with instruction counts get their columns at the end, and rows of conditions measured only
        // under Valgrind (no timing, n = 0).
        let counted = try RunQueries.hasInstructionCounts(db: db, benchID: run.benchID)
        let instructions = Dictionary(try (counted ? RunQueries.conditionStats(db: db, benchID: run.benchID, metric: "instructions") : [])
            .map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let outliers = try RunQueries.outlierCounts(benchID: run.benchID, db: db)
        let skipped = try RunQueries.skippedPackages(db: db, runID: run.runID)
        try emit(CSV.row(Self.columns + (counted ? Self.instructionColumns : [])))
        var chunk = ""
        func f6(_ v: Double?) -> String { v.map { String(format: "%.6f", $0) } ?? "" }
        for w in wall.sorted(by: { ($0.package, $0.condition) < ($1.package, $1.condition) }) where (w.n > 0 || (instructions[key(w)]?.n ?? 0) > 0) && !skipped.contains(w.package) {
            let k = key(w)
            chunk += CSV.row([w.package, w.condition, String(w.n), f6(w.mean), f6(w.median), f6(w.stdev), f6(w.min), f6(w.max),
                              f6(w.cv), f6(cpu[k]?.mean), rss[k]?.median.map { String(format: "%.1f", $0) } ?? "",
                              String(outliers[k] ?? 0)]
                              + (counted ? [instructions[k]?.mean.map { String(format: "%.0f", $0) } ?? "",
                                            instructions[k]?.median.map { String(format: "%.0f", $0) } ?? "", f6(instructions[k]?.cv)] : []))
            if chunk.utf8.count > 1 << 16 { try emit(chunk); chunk = "" }
        }
        try emit(chunk)
    }
}
