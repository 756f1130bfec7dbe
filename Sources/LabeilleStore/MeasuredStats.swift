import Foundation
import LabeilleCore
import LabeilleStats

/// The stored statistics of `measured_stats` (migration 0007): per package × condition × metric, the descriptive
/// statistics of its values in `v_measured_values`, which the views read instead of ranking iterations per query.
/// Triggers mark a package × condition stale whenever one of its iterations is inserted, changed or deleted;
/// `refreshStale` recomputes the marked ones. Writers call it before committing, and opening the database calls it
/// for marks left by other writers, so the stored rows always describe the stored iterations.
public enum MeasuredStats {
    /// Recomputes the statistics of every stale package × condition and clears the marks.
    public static func refreshStale(db: Database) throws {
        guard try hasStale(db) else { return }
        // Deleted first: a package × condition that has no value any more keeps no row.
        try db.run("DELETE FROM measured_stats WHERE package_condition_id IN (SELECT package_condition_id FROM measured_stats_stale)")
        var currentID: Int64?
        var values: [String: [Double]] = [:]
        // CROSS JOIN fixes the join order: the stale package × conditions, then their iterations by key. Left to
        // itself SQLite scans every iteration of the database (or materialises the view) for a few stale ones.
        try db.forEachRow("""
            SELECT st.package_condition_id, v.metric, v.value
            FROM measured_stats_stale st
            CROSS JOIN v_measured_values v ON v.package_condition_id = st.package_condition_id
            ORDER BY st.package_condition_id
            """) { row in
            let id = Int64(try row.requiredInt(0))
            if id != currentID {
                if let currentID { try insert(db: db, packageConditionID: currentID, values: values) }
                currentID = id
                values.removeAll(keepingCapacity: true)
            }
            if let metric = row.string(1), let value = row.double(2) { values[metric, default: []].append(value) }
        }
        if let currentID { try insert(db: db, packageConditionID: currentID, values: values) }
        try db.run("DELETE FROM measured_stats_stale")
    }

    /// Whether some package × condition waits for its statistics.
    static func hasStale(_ db: Database) throws -> Bool {
        try db.scalar("SELECT EXISTS (SELECT 1 FROM measured_stats_stale)").intValue == 1
    }

    /// The rows of one package × condition: one per metric that has values.
    private static func insert(db: Database, packageConditionID: Int64, values: [String: [Double]]) throws {
        let insert = try db.prepare("""
            INSERT INTO measured_stats (package_condition_id, metric, n, mean, median, stdev, min, max, q1, q3, log_stdev)
            VALUES (?,?,?,?,?,?,?,?,?,?,?)
            """)
        for (metric, sample) in values {
            let s = DescriptiveStats(sample)
            insert.bind(1, int: packageConditionID)
            insert.bind(2, text: metric)
            insert.bind(3, int: Int64(s.n))
            for (i, v) in [s.mean, s.median, s.stdev, s.min, s.max, s.q1, s.q3, Statistics.logStdev(sample)].enumerated() {
                insert.bind(Int32(4 + i), double: v)
            }
            try insert.execute()
        }
    }
}
