import Foundation
import LabeilleCore
import LabeilleStats

public enum SeriesPoints {
    /// Per-run points of every package × condition of a series (or of one condition). Two filtered queries:
    /// the package × condition rows of the series' runs, then their statistics of the metric (wall, cpu = user +
    /// sys, rss or instructions) from v_condition_stats.
    public static func load(db: Database, seriesName: String, condition: String? = nil, metric: String = "wall") throws -> SeriesData {
        let series = try Tracking.series(named: seriesName, db: db)
        let runs = try Tracking.runs(seriesID: series.id, db: db)
        var runIndexByID: [Int64: Int] = [:]
        for (i, r) in runs.enumerated() { runIndexByID[r.runID] = i }

        var conditions: [String] = []
        var conditionOrder: [String: Int] = [:]
        try db.forEachRow("""
            SELECT c.name, MIN(tr.position * 1000 + c.position) FROM tracking_run tr JOIN condition c ON c.run_id = tr.run_id
            WHERE tr.series_id = ? GROUP BY c.name ORDER BY 2
            """, [series.id]) { st in
            conditionOrder[st.string(0)!] = conditions.count
            conditions.append(st.string(0)!)
        }
        if let condition, conditionOrder[condition] == nil {
            throw TrackingError("condition '\(condition)' is not in series '\(seriesName)' (conditions: "
                                + (conditions.isEmpty ? "none" : conditions.joined(separator: ", ")) + ")")
        }
        guard let known = Metric(rawValue: metric), Metric.comparable.contains(known) else {
            throw TrackingError("unknown metric '\(metric)' (expected \(Metric.comparable.map(\.rawValue).joined(separator: ", ")))")
        }
        let conditionFilter = condition == nil ? "" : " AND c.name = ?3"
        var params: [SQLBindable] = [series.id, metric]
        if let condition { params.append(condition) }
        // The first query has no metric: its ?2 slot is bound to NULL and unused.
        let rowParams: [SQLBindable] = condition == nil ? [series.id] : [series.id, SQLValue.null, condition!]

        // 1. package × condition rows of the series' runs (non-skipped packages).
        var slotOfPC: [Int64: Int] = [:]
        var slotItem: [Int] = []
        var slotRun: [Int] = []
        var itemIndex: [String: Int] = [:]
        var items: [PointSeries] = []
        try db.forEachRow("""
            SELECT pc.package_condition_id, tr.run_id, pr.package, c.name
            FROM tracking_run tr
            JOIN package_result pr    ON pr.run_id = tr.run_id AND pr.skipped = 0
            JOIN package_condition pc ON pc.package_result_id = pr.package_result_id
            JOIN condition c          ON c.condition_id = pc.condition_id
            WHERE tr.series_id = ?1\(conditionFilter)
            """, rowParams) { st in
            let pkg = st.string(2)!, cond = st.string(3)!
            let key = pkg + "\u{0}" + cond
            let item: Int
            if let i = itemIndex[key] { item = i } else {
                item = items.count
                itemIndex[key] = item
                items.append(PointSeries(package: pkg, condition: cond, points: []))
            }
            guard let runIndex = runIndexByID[Int64(st.int(1)!)] else { return }
            slotOfPC[Int64(st.int(0)!)] = slotItem.count
            slotItem.append(item)
            slotRun.append(runIndex)
        }

        // 2. the point of each package × condition: its statistics as v_condition_stats gives them (stored when the
        // iterations were written), so track, the series views and sqlite3 users read the same medians.
        try db.forEachRow("""
            SELECT pc.package_condition_id, s.n, s.median, s.cv, s.log_stdev
            FROM tracking_run tr
            JOIN package_result pr      ON pr.run_id = tr.run_id AND pr.skipped = 0
            JOIN package_condition pc   ON pc.package_result_id = pr.package_result_id
            JOIN condition c            ON c.condition_id = pc.condition_id
            JOIN v_condition_stats s    ON s.package_condition_id = pc.package_condition_id AND s.metric = ?2
            WHERE tr.series_id = ?1\(conditionFilter) AND s.n > 0
            """, params) { st in
            guard let slot = slotOfPC[Int64(st.int(0)!)], let n = st.int(1), let median = st.double(2) else { return }
            let run = slotRun[slot]
            var p = SeriesPoint(runIndex: run, position: runs[run].position, n: n, median: median,
                                logStdev: st.double(4), cv: st.double(3) ?? .nan)
            if metric == Metric.instructions.rawValue { p.applyCountNoiseFloor() }
            items[slotItem[slot]].points.append(p)
        }

        items.removeAll { $0.points.isEmpty }
        for i in items.indices { items[i].points.sort { $0.position < $1.position } }
        items.sort {
            $0.package != $1.package ? $0.package < $1.package
                : (conditionOrder[$0.condition] ?? 0) < (conditionOrder[$1.condition] ?? 0)
        }
        return SeriesData(series: series, runs: runs, conditions: conditions, items: items)
    }
}
