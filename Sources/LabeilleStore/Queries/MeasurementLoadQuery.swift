import Foundation
import LabeilleCore
import LabeilleStats

extension MeasurementLoad {
    /// The load of the measured iterations of a run, optionally of one package and/or condition.
    /// nil when no load was recorded (all zero, as in files that do not carry it).
    public static func of(db: Database, benchID: String, package: String? = nil, condition: String? = nil,
                          logicalCPUs: Int) throws -> MeasurementLoad? {
        var sql = """
            SELECT (load_avg_start + load_avg_end) / 2.0, MAX(load_avg_start, load_avg_end)
            FROM v_iterations WHERE bench_id = ? AND warmup = 0
            """
        var params: [SQLBindable] = [benchID]
        if let package { sql += " AND package = ?"; params.append(package) }
        if let condition { sql += " AND condition = ?"; params.append(condition) }
        let rows = try db.query(sql, params)
        let means = rows.compactMap { $0[0].doubleValue }
        let maximum = rows.compactMap { $0[1].doubleValue }.max() ?? 0
        guard !means.isEmpty, maximum > 0 else { return nil }
        return MeasurementLoad(median: Statistics.median(means), maximum: maximum, logicalCPUs: logicalCPUs)
    }
}
