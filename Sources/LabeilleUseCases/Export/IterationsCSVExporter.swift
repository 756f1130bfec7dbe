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
        try store.db.forEachRow("""
            SELECT v.package, v.condition, v.iteration, v.warmup, v.wall_s, v.user_s, v.sys_s, v.peak_rss_mb,
                   v.exit_code, v.status, v.outlier, v.load_avg_start, v.load_avg_end, v.ram_available_start_gb,
                   v.instructions, v.instruction_method, v.instrumented, v.hash_seed
            FROM v_iterations v JOIN run r ON r.bench_id = v.bench_id
            JOIN package_result pr ON pr.run_id = r.run_id AND pr.package = v.package
            WHERE v.bench_id = ? AND pr.skipped = 0
            ORDER BY v.package, v.condition, v.iteration
            """, [run.benchID]) { st in
            chunk += CSV.row([
                st.string(0)!, st.string(1)!, String(st.int(2) ?? 0), st.int(3) == 1 ? "True" : "False",
                String(format: "%.6f", st.double(4) ?? 0), String(format: "%.6f", st.double(5) ?? 0),
                String(format: "%.6f", st.double(6) ?? 0), String(format: "%.1f", st.double(7) ?? 0),
                String(st.int(8) ?? 0), st.string(9) ?? "", st.int(10) == 1 ? "True" : "False",
                String(format: "%.2f", st.double(11) ?? 0), String(format: "%.2f", st.double(12) ?? 0),
                String(format: "%.2f", st.double(13) ?? 0),
            ] + (counted ? [st.int(14).map(String.init) ?? "", st.string(15) ?? "", st.int(16) == 1 ? "True" : "False",
                            st.int(17).map(String.init) ?? ""] : []))
            if chunk.utf8.count > 1 << 16 { try emit(chunk); chunk = "" }
        }
        try emit(chunk)
    }
}
