import Foundation
import LabeilleCore

/// One iteration as `export --format csv --iterations` writes it (packages that were not skipped).
public struct IterationExportRow: Sendable {
    public var package: String
    public var condition: String
    public var iteration: Int
    public var warmup: Bool
    public var wall: Double
    public var user: Double
    public var sys: Double
    public var peakRSSMB: Double
    public var exitCode: Int
    public var status: String
    public var outlier: Bool
    public var loadStart: Double
    public var loadEnd: Double
    public var ramAvailableStartGB: Double
    public var instructions: Int?
    public var instructionMethod: String?
    public var instrumented: Bool
    public var hashSeed: Int?
}

extension RunQueries {
    /// Streams a run's iterations in package, condition, iteration order (a run can hold millions).
    public static func forEachExportIteration(benchID: String, db: Database, _ body: (IterationExportRow) throws -> Void) throws {
        try db.forEachRow("""
            SELECT v.package, v.condition, v.iteration, v.warmup, v.wall_s, v.user_s, v.sys_s, v.peak_rss_mb,
                   v.exit_code, v.status, v.outlier, v.load_avg_start, v.load_avg_end, v.ram_available_start_gb,
                   v.instructions, v.instruction_method, v.instrumented, v.hash_seed
            FROM v_iterations v JOIN run r ON r.bench_id = v.bench_id
            JOIN package_result pr ON pr.run_id = r.run_id AND pr.package = v.package
            WHERE v.bench_id = ? AND pr.skipped = 0
            ORDER BY v.package, v.condition, v.iteration
            """, [benchID]) { st in
            try body(IterationExportRow(
                package: st.string(0) ?? "", condition: st.string(1) ?? "", iteration: st.int(2) ?? 0, warmup: st.int(3) == 1,
                wall: st.double(4) ?? 0, user: st.double(5) ?? 0, sys: st.double(6) ?? 0, peakRSSMB: st.double(7) ?? 0,
                exitCode: st.int(8) ?? 0, status: st.string(9) ?? "", outlier: st.int(10) == 1,
                loadStart: st.double(11) ?? 0, loadEnd: st.double(12) ?? 0, ramAvailableStartGB: st.double(13) ?? 0,
                instructions: st.int(14), instructionMethod: st.string(15), instrumented: st.int(16) == 1, hashSeed: st.int(17)))
        }
    }
}
