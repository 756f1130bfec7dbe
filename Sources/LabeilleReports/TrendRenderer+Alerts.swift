import Foundation
import LabeilleCore
import LabeilleStats

// `track alert` as text and Markdown.
extension TrendRenderer {
    // MARK: alert

    public static func alertBlock(_ r: TrendReport) -> String {
        var out: [String] = []
        if r.alerts.isEmpty {
            out.append("No regression alerts.")
        } else {
            out.append("Regression Alerts")
            out.append(String(repeating: "─", count: 17))
            for a in r.alerts {
                out.append("  [\(a.severity.rawValue.uppercased())] \(a.package) (\(a.condition)): \(a.description)")
                if let c = a.change, a.kind == .stepVsBaseline {
                    out.append("    segment medians \(NumberText.metricValue(r.options.metric, c.fromMedian)) → \(NumberText.metricValue(r.options.metric, c.toMedian)) "
                               + "(\(NumberText.pct(c.changePct)), 95% CI \(ciText(pctOfRatio(c.ciLow), pctOfRatio(c.ciHigh))))")
                } else if let c = a.change {
                    out.append("    \(a.fromBenchID) \(NumberText.metricValue(r.options.metric, c.fromMedian)) → \(a.toBenchID) \(NumberText.metricValue(r.options.metric, c.toMedian)) "
                               + "(\(NumberText.pct(c.changePct)), 95% CI \(ciText(pctOfRatio(c.ciLow), pctOfRatio(c.ciHigh))), q \(NumberText.pValue(c.q)))")
                }
                if let cp = a.changePoint {
                    out.append("    change point at #\(cp.position) \(cp.benchID) ×\(NumberText.ratio(cp.ratio)); bisect \(cp.commitRangeText)")
                }
            }
        }
        if !r.unconfirmed.isEmpty {
            out.append("")
            out.append("Within noise (not alerted): "
                       + r.unconfirmed.prefix(10).map { "\($0.package) (\($0.condition)) \(NumberText.pct($0.change?.changePct))" }.joined(separator: ", ")
                       + (r.unconfirmed.count > 10 ? ", … (\(r.unconfirmed.count - 10) more)" : ""))
        }
        return out.joined(separator: "\n")
    }

    public static func renderAlerts(_ r: TrendReport, format: AlertFormat) -> String {
        switch format {
        case .json: return JSONWriter.pretty(alertDocument(r)) + "\n"
        case .table:
            var out: [String] = []
            if let l = r.runs.last {
                out.append("Series \(r.series.name): latest \(l.benchID)\(l.sha.map { " (\($0))" } ?? ""), baseline \(baselineText(r))")
                out.append("")
            }
            out.append(alertBlock(r))
            let n = r.alerts.filter { $0.isRegression && $0.confirmed }.count
            out.append("")
            out.append(n > 0 ? "\(n) confirmed regression(s): exit 1." : "No confirmed regression.")
            return out.joined(separator: "\n") + "\n"
        case .markdown: return alertMarkdown(r) + "\n"
        }
    }

    /// A PR comment.
    public static func alertMarkdown(_ r: TrendReport) -> String {
        let confirmed = r.alerts.filter { $0.isRegression && $0.confirmed }
        var out = ["## Performance alerts: `\(r.series.name)`", ""]
        if let l = r.runs.last {
            out.append("Latest run **\(l.benchID)**\(l.sha.map { " (`\($0)`)" } ?? "") against \(baselineText(r)); "
                       + String(format: "threshold ±%.1f%%, outside the runs' noise.", r.options.regressionThreshold * 100))
            out.append("")
        }
        if r.alerts.isEmpty {
            out.append(":white_check_mark: No regression alerts.")
        } else {
            out.append(confirmed.isEmpty ? ":information_source: No confirmed regression." : ":x: **\(confirmed.count) confirmed regression(s).**")
            out += ["", "| Severity | Package | Condition | Against | Before | After | Change | 95% CI | Bisect |",
                    "|---|---|---|---|---:|---:|---:|---|---|"]
            for a in r.alerts {
                let c = a.change
                let against = a.kind == .regressionVsPrevious ? "previous (\(a.fromBenchID))"
                    : a.kind == .newInstability ? "-"
                    : a.kind == .stepVsBaseline ? "baseline segment (\(a.fromBenchID))" : "baseline (\(a.fromBenchID))"
                out.append("| \(a.severity.rawValue) | \(a.package) | \(a.condition) | \(against) | "
                           + "\(c.map { NumberText.metricValue(r.options.metric, $0.fromMedian) } ?? "-") | \(c.map { NumberText.metricValue(r.options.metric, $0.toMedian) } ?? "-") | "
                           + "\(c.map { NumberText.pct($0.changePct) } ?? "-") | "
                           + "\(c.map { ciText(pctOfRatio($0.ciLow), pctOfRatio($0.ciHigh)) } ?? "-") | "
                           + "\(a.changePoint.map { "`\($0.commitRangeText)`" } ?? "-") |")
            }
        }
        if !r.unconfirmed.isEmpty {
            out += ["", "<details><summary>\(r.unconfirmed.count) change(s) beyond the threshold but within noise (not alerted)</summary>", ""]
            for a in r.unconfirmed.prefix(50) {
                out.append("- \(a.package) (\(a.condition)): \(a.description)")
            }
            out += ["", "</details>"]
        }
        out += ["", "*Generated by labeille bench track alert*"]
        return out.joined(separator: "\n")
    }
}
