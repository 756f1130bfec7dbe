import Foundation
import LabeilleCore
import LabeilleStats

public enum SeriesPointQuery {
    /// Per-run points of every package × condition of a series (or of one condition). Two filtered queries:
    /// the package × condition rows of the series' runs, then their statistics of the metric (wall, cpu = user +
    /// sys, rss or instructions) from v_condition_stats.
    public static func load(db: Database, seriesName: String, condition: String? = nil, metric: String = "wall") throws -> SeriesWithPoints {
        let series = try Tracking.series(named: seriesName, db: db)
        let runs = try Tracking.runs(seriesID: series.id, db: db)
        let (conditions, conditionOrder) = try conditionsInOrder(seriesID: series.id, db: db)
        if let condition, conditionOrder[condition] == nil {
            throw TrackingError("condition '\(condition)' is not in series '\(seriesName)' (conditions: "
                                + (conditions.isEmpty ? "none" : conditions.joined(separator: ", ")) + ")")
        }
        guard let known = Metric(rawValue: metric), Metric.comparable.contains(known) else {
            throw TrackingError("unknown metric '\(metric)' (expected \(Metric.comparable.map(\.rawValue).joined(separator: ", ")))")
        }
        var slots = try Slots.load(seriesID: series.id, runs: runs, condition: condition, db: db)
        try slots.fillPoints(seriesID: series.id, runs: runs, condition: condition, metric: known, db: db)
        var items = slots.items
        items.removeAll { $0.points.isEmpty }
        for i in items.indices { items[i].points.sort { $0.position < $1.position } }
        items.sort {
            $0.package != $1.package ? $0.package < $1.package
                : (conditionOrder[$0.condition] ?? 0) < (conditionOrder[$1.condition] ?? 0)
        }
        return SeriesWithPoints(series: series, runs: runs, conditions: conditions, items: items)
    }

    /// The series' condition names, ordered by their first appearance (run position, then the condition's position).
    static func conditionsInOrder(seriesID: Int64, db: Database) throws -> ([String], [String: Int]) {
        var conditions: [String] = []
        var order: [String: Int] = [:]
        try db.forEachRow("""
            SELECT c.name, MIN(tr.position * 1000 + c.position) FROM tracking_run tr JOIN condition c ON c.run_id = tr.run_id
            WHERE tr.series_id = ? GROUP BY c.name ORDER BY 2
            """, [seriesID]) { st in
            let name = st.string(0) ?? ""
            order[name] = conditions.count
            conditions.append(name)
        }
        return (conditions, order)
    }

    /// Where each package × condition row of the series' runs goes: which package × condition series (item) and
    /// which run. The items are filled with their points afterwards.
    struct Slots {
        var slotOfPC: [Int64: Int] = [:]
        var slotItem: [Int] = []
        var slotRun: [Int] = []
        var items: [PackagePoints] = []

        /// The `AND c.name = ?3` filter of both queries when one condition is asked for.
        static func conditionFilter(_ condition: String?) -> String { condition == nil ? "" : " AND c.name = ?3" }

        /// Package × condition rows of the series' runs (non-skipped packages).
        static func load(seriesID: Int64, runs: [TrackedRun], condition: String?, db: Database) throws -> Slots {
            var runIndexByID: [Int64: Int] = [:]
            for (i, r) in runs.enumerated() { runIndexByID[r.runID] = i }
            // This query has no metric: its ?2 slot is bound to NULL and unused.
            let params: [SQLBindable] = condition.map { [seriesID, SQLValue.null, $0] } ?? [seriesID]
            var slots = Slots()
            var itemIndex: [String: Int] = [:]
            try db.forEachRow("""
                SELECT pc.package_condition_id, tr.run_id, pr.package, c.name
                FROM tracking_run tr
                JOIN package_result pr    ON pr.run_id = tr.run_id AND pr.skipped = 0
                JOIN package_condition pc ON pc.package_result_id = pr.package_result_id
                JOIN condition c          ON c.condition_id = pc.condition_id
                WHERE tr.series_id = ?1\(conditionFilter(condition))
                """, params) { st in
                guard let pcID = st.int(0), let runID = st.int(1), let runIndex = runIndexByID[Int64(runID)] else { return }
                let pkg = st.string(2) ?? "", cond = st.string(3) ?? ""
                let key = pkg + "\u{0}" + cond
                let item: Int
                if let i = itemIndex[key] { item = i } else {
                    item = slots.items.count
                    itemIndex[key] = item
                    slots.items.append(PackagePoints(package: pkg, condition: cond, points: []))
                }
                slots.slotOfPC[Int64(pcID)] = slots.slotItem.count
                slots.slotItem.append(item)
                slots.slotRun.append(runIndex)
            }
            return slots
        }

        /// The point of each package × condition: its statistics as v_condition_stats gives them (stored when the
        /// iterations were written), so track, the series views and sqlite3 users read the same medians.
        mutating func fillPoints(seriesID: Int64, runs: [TrackedRun], condition: String?, metric: Metric, db: Database) throws {
            var params: [SQLBindable] = [seriesID, metric.rawValue]
            if let condition { params.append(condition) }
            try db.forEachRow("""
                SELECT pc.package_condition_id, s.n, s.median, s.cv, s.log_stdev
                FROM tracking_run tr
                JOIN package_result pr      ON pr.run_id = tr.run_id AND pr.skipped = 0
                JOIN package_condition pc   ON pc.package_result_id = pr.package_result_id
                JOIN condition c            ON c.condition_id = pc.condition_id
                JOIN v_condition_stats s    ON s.package_condition_id = pc.package_condition_id AND s.metric = ?2
                WHERE tr.series_id = ?1\(Self.conditionFilter(condition)) AND s.n > 0
                """, params) { st in
                guard let pcID = st.int(0), let slot = slotOfPC[Int64(pcID)], let n = st.int(1), let median = st.double(2) else { return }
                let run = slotRun[slot]
                var p = SeriesPoint(runIndex: run, position: runs[run].position, n: n, median: median,
                                    logStdev: st.double(4), cv: st.double(3) ?? .nan)
                if metric == .instructions { p.applyCountNoiseFloor() }
                items[slotItem[slot]].points.append(p)
            }
        }
    }
}
