import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore

/// `--format csv`: one row per package × condition × iteration, warm-ups included, in the Python tool's
/// columns and formats (packages and conditions sorted by name, iterations in order).
public struct IterationsCSVExporter: RunExporter {
    public static let columns = ["package", "condition", "iteration", "warmup", "wall_time_s", "user_time_s",
                                 "sys_time_s", "peak_rss_mb", "exit_code", "status", "outlier", "load_avg_start",
                                 "load_avg_end", "ram_available_start_gb"]
    public static let instructionColumns = ["instructions", "instruction_method", "instrumented", "hash_seed"]
    public init() {}
    public func export(store: Store, run: StoredRun, emit: (String) throws -> Void) throws {
        // Runs with instruction counts get their columns at the end (the Python tool's columns stay first).
        let counted = try RunQueries.hasInstructionCounts(db: store.db, benchID: run.benchID)
        try emit(CSV.row(Self.columns + (counted ? Self.instructionColumns : [])))
        var chunk = ""
        try RunQueries.forEachExportIteration(benchID: run.benchID, db: store.db) { it in
            chunk += CSV.row([
                it.package, it.condition, String(it.iteration), it.warmup ? "True" : "False",
                String(format: "%.6f", it.wall), String(format: "%.6f", it.user),
                String(format: "%.6f", it.sys), String(format: "%.1f", it.peakRSSMB),
                String(it.exitCode), it.status, it.outlier ? "True" : "False",
                String(format: "%.2f", it.loadStart), String(format: "%.2f", it.loadEnd),
                String(format: "%.2f", it.ramAvailableStartGB),
            ] + (counted ? [it.instructions.map(String.init) ?? "", it.instructionMethod ?? "", it.instrumented ? "True" : "False",
                            it.hashSeed.map(String.init) ?? ""] : []))
            if chunk.utf8.count > 1 << 16 { try emit(chunk); chunk = "" }
        }
        try emit(chunk)
    }
}
