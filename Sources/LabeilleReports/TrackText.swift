import Foundation
import LabeilleCore
import LabeilleStats

/// Text of `track show` and `track list`.
public enum TrackText {
    public static func show(series s: TrackingSeriesInfo, runs: [TrackedRun]) -> String {
        var out = ["Series: \(s.name)"]
        if !s.description.isEmpty { out.append("  \(s.description)") }
        out.append("  Created: \(s.createdAt)")
        if let p = s.pinnedBenchID { out.append("  Pinned baseline: \(p)") }
        out.append("  Runs: \(s.runCount)")
        out.append("")
        guard !runs.isEmpty else {
            out.append("  No runs yet.")
            return out.joined(separator: "\n")
        }
        let commits = runs.map { $0.commit.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
        let cw = max(6, commits.map(\.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        out.append("  " + lpad("#", 3) + "  " + pad("Date", 20) + "  " + pad("Bench ID", 30) + "  " + lpad("Pkgs", 5)
                   + "  " + pad("Commit", cw) + "  Notes")
        out.append("  " + lpad("---", 3) + "  " + pad("----", 20) + "  " + pad("--------", 30) + "  " + lpad("----", 5)
                   + "  " + pad("------", cw) + "  -----")
        for (r, commit) in zip(runs, commits) {
            let date = r.timestamp.isEmpty ? "unknown" : String(r.timestamp.prefix(19))
            var line = "  " + lpad(String(r.position), 3) + "  " + pad(date, 20) + "  " + pad(r.benchID, 30) + "  "
                + lpad(String(r.packagesCompleted), 5) + "  " + pad(commit, cw) + "  " + r.notes
            if r.pinned { line += " *" }
            out.append(line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
        if runs.count < s.runCount { out.append("  (last \(runs.count) of \(s.runCount) runs; # is the position in the series)") }
        if s.pinnedBenchID != nil { out.append("  * pinned baseline") }
        return out.joined(separator: "\n")
    }

    public static func list(_ all: [TrackingSeriesInfo]) -> String {
        guard !all.isEmpty else { return "No tracking series found." }
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        let nw = max(25, all.map(\.name.count).max() ?? 0)
        var out = [pad("Name", nw) + "  " + lpad("Runs", 5) + "  " + pad("Date Range", 43) + "  Description",
                   pad("----", nw) + "  " + lpad("----", 5) + "  " + pad("----------", 43) + "  -----------"]
        for s in all {
            let range = s.firstTimestamp.map { "\($0.prefix(19)) .. \((s.lastTimestamp ?? $0).prefix(19))" } ?? "no runs"
            let line = pad(s.name, nw) + "  " + lpad(String(s.runCount), 5) + "  " + pad(range, 43) + "  " + s.description
            out.append(line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
        return out.joined(separator: "\n")
    }
}
