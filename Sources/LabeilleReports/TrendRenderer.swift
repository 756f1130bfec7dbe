import Foundation
import LabeilleCore
import LabeilleStats

public enum TrendFormat: String, CaseIterable, Sendable { case table, markdown, csv, json }
public enum AlertFormat: String, CaseIterable, Sendable { case table, markdown, json }

/// `track trend` and `track alert` outputs. The JSON is a documented contract (docs/tracking.md); non-finite
/// numbers are null.
public enum TrendRenderer {
    // MARK: helpers

    static func n(_ d: Double?) -> JSONValue { d.map { $0.isFinite ? .number($0) : .null } ?? .null }
    static func pctOfRatio(_ r: Double) -> Double { (r - 1) * 100 }
    static func ciText(_ lo: Double, _ hi: Double) -> String {
        guard lo.isFinite, hi.isFinite else { return "N/A" }
        return "[\(NumberText.pct(lo)), \(NumberText.pct(hi))]"
    }
    static func label(_ t: PackageTrend) -> String { "\(t.package) (\(t.condition))" }
    static func period(_ r: TrendReport) -> (String, String)? {
        let ts = r.runs.map(\.timestamp).filter { !$0.isEmpty }.sorted()
        guard let a = ts.first, let b = ts.last else { return nil }
        return (String(a.prefix(19)), String(b.prefix(19)))
    }
    static func baselineText(_ r: TrendReport) -> String {
        if let p = r.series.pinnedBenchID { return "\(p) (pinned)" }
        return r.runs.isEmpty ? "none" : "each package's first run (not pinned)"
    }
}
