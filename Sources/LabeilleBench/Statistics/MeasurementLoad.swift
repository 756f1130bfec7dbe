import Foundation

/// The load average while iterations were measured, against the number of logical CPUs. Above one
/// runnable process per CPU, the measured processes wait for a CPU: wall times grow and vary with
/// whatever else runs, whatever the CV says.
public struct MeasurementLoad: Equatable, Sendable {
    /// Median over measured iterations of the mean of the 1-minute load at start and end.
    public var median: Double
    public var maximum: Double
    /// Logical CPUs of the machine (0 when unknown).
    public var logicalCPUs: Int

    public var isHigh: Bool { logicalCPUs > 0 && median > Double(logicalCPUs) }

    public var text: String {
        let cpus = logicalCPUs > 0 ? " on \(logicalCPUs) logical CPUs" : ""
        return "\(Fmt.f(median, 2))\(cpus)" + (isHigh ? " (above the CPU count)" : "")
    }

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

    /// The sentence `show`, `compare` and `report` print for a run measured under high load.
    public func warning(run: String) -> String {
        "\(run) was measured at median load \(Fmt.f(median, 2)) on \(logicalCPUs) logical CPUs: "
            + "above the CPU count the tests waited for a CPU, so times include other work on the machine."
    }
}
