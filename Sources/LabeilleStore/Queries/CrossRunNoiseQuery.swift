import Foundation
import LabeilleCore
import LabeilleStats

extension CrossRunNoise {
    public static func source(store: Store, baseRun: StoredRun, other: StoredRun, conditions: (String, String),
                              metric: String, floor: Double) throws -> Source {
        let floorNoise = RunNoise(source: .floor, size: floor)
        // (a) a control condition, other than the compared ones, with one interpreter in both runs.
        for c in baseRun.conditions where c.name != conditions.0 && c.name != conditions.1 {
            guard let o = other.conditions.first(where: { $0.name == c.name }) else { continue }
            let f = fingerprint(c)
            if !f.isEmpty && f == fingerprint(o) {
                return Source(control: c.name, fallback: RunNoise(source: .control, size: .nan, detail: c.name))
            }
        }
        // (b) the runs' tracking series.
        let rows = try store.db.query("""
            SELECT s.name FROM tracking_run x JOIN tracking_run y ON x.series_id = y.series_id
            JOIN tracking_series s ON s.series_id = x.series_id WHERE x.run_id = ? AND y.run_id = ? LIMIT 1
            """, [baseRun.runID, other.runID])
        if let name = rows.first?[0].stringValue, metric == "wall" || metric == "cpu" || metric == "rss" {
            let data = try SeriesPointQuery.load(db: store.db, seriesName: name, metric: metric)
            let history = TrendAnalyzer.runToRunNoise(data, condition: conditions.0, floor: floor)
            if !history.isEmpty {
                let pooled = Statistics.median(Array(history.values))
                return Source(control: nil, perPackage: history, fallback: RunNoise(source: .history, size: pooled, detail: name))
            }
        }
        // (c) the documented floor.
        return Source(control: nil, fallback: floorNoise)
    }
}
