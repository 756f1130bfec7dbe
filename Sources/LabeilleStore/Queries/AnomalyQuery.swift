import Foundation
import LabeilleCore
import LabeilleStats

extension AnomalyDetector {
    /// All anomalies of a run (non-skipped packages, conditions in order).
    public static func detect(db: Database, benchID: String) throws -> [Anomaly] {
        var out: [Anomaly] = []
        var current: (pkg: String, cond: String, statuses: [String], wall: [Double], outliers: Int)?
        let cpus = try db.scalar("""
            SELECT sp.cpu_cores_logical FROM system_profile sp JOIN run r ON r.run_id = sp.run_id WHERE r.bench_id = ?
            """, [benchID]).intValue ?? 0
        let workloads = try WorkloadAnalysis.load(db: db, benchID: benchID)
        var conditionOrder: [String] = []
        func flush() {
            if let c = current {
                let load = try? MeasurementLoad.of(db: db, benchID: benchID, package: c.pkg, condition: c.cond, logicalCPUs: cpus)
                out += check(package: c.pkg, condition: c.cond, statuses: c.statuses, wall: c.wall, outliers: c.outliers,
                             load: load ?? nil)
                out += workloadAnomalies(package: c.pkg, condition: c.cond, workloads: workloads[c.pkg] ?? [:],
                                         baseline: conditionOrder.first)
            }
        }
        conditionOrder = try db.query("""
            SELECT c.name FROM condition c JOIN run r ON r.run_id = c.run_id WHERE r.bench_id = ? ORDER BY c.position
            """, [benchID]).compactMap { $0[0].stringValue }
        try db.forEachRow("""
            SELECT v.package, v.condition, v.status, v.wall_s, v.outlier, v.instrumented FROM v_iterations v
            JOIN package_result pr ON pr.package_result_id = (SELECT package_result_id FROM package_condition
                                                               WHERE package_condition_id = v.package_condition_id)
            WHERE v.bench_id = ? AND v.warmup = 0 AND pr.skipped = 0
            ORDER BY v.package_position, v.condition_position, v.iteration
            """, [benchID]) { st in
            let pkg = try st.requiredString(0), cond = try st.requiredString(1)
            if current?.pkg != pkg || current?.cond != cond {
                flush()
                current = (pkg, cond, [], [], 0)
            }
            let status = st.string(2) ?? ""
            current!.statuses.append(status)
            if status == "ok" && st.int(5) != 1 {  // instrumented (Valgrind) times are not timings
                current!.wall.append(st.double(3) ?? .nan)
                if st.int(4) == 1 { current!.outliers += 1 }
            }
        }
        flush()
        return out
    }
}
