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
        return "[\(Fmt.pct(lo)), \(Fmt.pct(hi))]"
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

    // MARK: JSON

    public static func changePointJSON(_ c: ChangePoint) -> JSONValue {
        .obj([
            ("position", .int(c.position)), ("bench_id", .string(c.benchID)), ("ratio", n(c.ratio)),
            ("ci_low", n(c.ciLow)), ("ci_high", n(c.ciHigh)), ("p_value", n(c.p)), ("method", .string(c.method)),
            ("before_median_s", n(c.beforeMedian)), ("after_median_s", n(c.afterMedian)),
            ("runs_before", .int(c.runsBefore)), ("runs_after", .int(c.runsAfter)),
            ("commit_range", .obj([
                ("from", .str(c.lastBeforeSHA)), ("to", .str(c.firstAfterSHA)),
                ("from_bench_id", .string(c.lastBeforeBenchID)), ("to_bench_id", .string(c.benchID)),
                ("text", .string(c.commitRangeText)),
            ])),
        ])
    }

    public static func packageJSON(_ t: PackageTrend, runs: [TrackedRun]) -> JSONValue {
        let b = t.vsBaseline, p = t.vsPrevious
        return .obj([
            ("package", .string(t.package)), ("condition", .string(t.condition)),
            ("classification", .string(t.classification.rawValue)), ("reasons", .array(t.reasons.map { .string($0) })),
            ("n_runs", .int(t.nRuns)), ("trend_runs", .int(t.trendRuns)), ("first_position", .int(t.firstPosition)), ("last_position", .int(t.lastPosition)),
            ("baseline_bench_id", .string(runs[t.baselineRunIndex].benchID)), ("baseline_pinned", .bool(t.baselineIsPinned)),
            ("latest_bench_id", .string(runs[t.latestRunIndex].benchID)),
            ("baseline_median_s", n(t.baselineMedian)), ("latest_median_s", n(t.latestMedian)),
            ("change_pct", n(b?.changePct)), ("change_ci_low_pct", n(b.map { pctOfRatio($0.ciLow) })),
            ("change_ci_high_pct", n(b.map { pctOfRatio($0.ciHigh) })), ("change_p", n(b?.p)), ("change_q", n(b?.q)),
            ("change_confirmed", .bool(b?.confirmed ?? false)),
            ("segment_change_pct", n(t.vsBaselineSegment?.changePct)),
            ("segment_change_ci_low_pct", n(t.vsBaselineSegment.map { pctOfRatio($0.ciLow) })),
            ("segment_change_ci_high_pct", n(t.vsBaselineSegment.map { pctOfRatio($0.ciHigh) })),
            ("segment_change_confirmed", .bool(t.vsBaselineSegment?.confirmed ?? false)),
            ("previous_change_pct", n(p?.changePct)), ("previous_change_q", n(p?.q)),
            ("previous_change_confirmed", .bool(p?.confirmed ?? false)),
            ("slope_s_per_run", n(t.slopeSecondsPerRun)), ("slope_pct_per_run", n(t.slopePctPerRun)),
            ("theil_sen_pct_per_run", n(t.theilSenPctPerRun)), ("theil_sen_ci_low_pct", n(t.theilSenLowPct)),
            ("theil_sen_ci_high_pct", n(t.theilSenHighPct)), ("theil_sen_p", n(t.theilSenP)), ("theil_sen_q", n(t.theilSenQ)),
            ("trend_total_pct", n(t.trendTotalPct)),
            ("within_run_noise_pct", n(t.withinRunNoisePct)), ("between_run_noise_pct", n(t.betweenRunNoisePct)),
            ("latest_cv", n(t.latestCV)), ("volatility_increasing", .bool(t.volatilityIncreasing)),
            ("sustained_regression", .bool(t.sustainedRegression)),
            ("change_points", .array(t.changePoints.map(changePointJSON))),
        ])
    }

    public static func alertJSON(_ a: TrackAlert) -> JSONValue {
        let c = a.change
        return .obj([
            ("package", .string(a.package)), ("condition", .string(a.condition)), ("type", .string(a.kind.rawValue)),
            ("severity", .string(a.severity.rawValue)), ("confirmed", .bool(a.confirmed)),
            ("description", .string(a.description)), ("from_bench_id", .string(a.fromBenchID)),
            ("to_bench_id", .string(a.toBenchID)), ("from_median_s", n(c?.fromMedian)), ("to_median_s", n(c?.toMedian)),
            ("ratio", n(c?.ratio)), ("ci_low", n(c?.ciLow)), ("ci_high", n(c?.ciHigh)),
            ("change_pct", n(c?.changePct)), ("p_value", n(c?.p)), ("q_value", n(c?.q)),
            ("change_point", a.changePoint.map(changePointJSON) ?? .null),
        ])
    }

    static func header(_ r: TrendReport) -> [(String, JSONValue)] {
        let range = period(r)
        return [
            ("series", .string(r.series.name)), ("description", .string(r.series.description)),
            ("n_runs", .int(r.runs.count)),
            ("date_range", range.map { .array([.string($0.0), .string($0.1)]) } ?? .null),
            ("condition", .str(r.condition)), ("conditions", .array(r.conditions.map { .string($0) })),
            ("baseline_bench_id", .str(r.series.pinnedBenchID ?? r.runs.first?.benchID)),
            ("baseline_pinned", .bool(r.series.pinnedBenchID != nil)),
            ("latest_bench_id", .str(r.runs.last?.benchID)),
            ("regression_threshold", .number(r.options.regressionThreshold)),
            ("trend_threshold", .number(r.options.trendThreshold)),
            ("change_point_alpha", .number(r.options.changePointAlpha)),
            ("min_segment", .int(r.options.minSegment)),
            ("false_discovery_rate", .number(r.options.falseDiscoveryRate)),
        ]
    }

    static func summaryJSON(_ r: TrendReport) -> JSONValue {
        .obj([("total", .int(r.packages.count))] + TrendClassification.allCases.map { ($0.rawValue, .int(r.count($0))) })
    }

    public static func trendJSON(_ r: TrendReport) -> JSONValue {
        .obj(header(r) + [
            ("summary", summaryJSON(r)),
            ("packages", .array(r.packages.map { packageJSON($0, runs: r.runs) })),
            ("alerts", .array(r.alerts.map(alertJSON))),
            ("unconfirmed", .array(r.unconfirmed.map(alertJSON))),
        ])
    }

    public static func alertDocument(_ r: TrendReport) -> JSONValue {
        let latest = r.latestRunIndex
        let current = r.packages.filter { $0.latestRunIndex == latest }
        return .obj(header(r) + [
            ("exit_code", .int(r.gateFails ? 1 : 0)),
            ("confirmed_regressions", .int(r.alerts.filter { $0.isRegression && $0.confirmed }.count)),
            ("alerts", .array(r.alerts.map(alertJSON))),
            ("unconfirmed", .array(r.unconfirmed.map(alertJSON))),
            ("summary", summaryJSON(r)),
            ("packages", .array(current.map { packageJSON($0, runs: r.runs) })),
        ])
    }

    // MARK: trend

    public static func render(_ r: TrendReport, format: TrendFormat) -> String {
        switch format {
        case .json: return JSONWriter.pretty(trendJSON(r)) + "\n"
        case .csv: return csv(r)
        case .markdown: return markdown(r) + "\n"
        case .table: return table(r) + "\n"
        }
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The original's ten columns first (same names and formats, so scripts keep working; the baseline is
    /// the pinned run when set), then the noise-aware ones.
    public static func csv(_ r: TrendReport) -> String {
        var lines = ["package,condition,n_runs,direction,baseline_median,latest_median,cumulative_change_pct,trend_slope,"
                     + "recent_change_pct,sustained_regression,change_ci_low_pct,change_ci_high_pct,change_q,change_confirmed,"
                     + "slope_pct_per_run,theil_sen_pct_per_run,theil_sen_ci_low_pct,theil_sen_ci_high_pct,trend_total_pct,"
                     + "within_run_noise_pct,between_run_noise_pct,n_change_points,last_change_point_position,"
                     + "last_change_point_ratio,last_change_point_commit_range,baseline_bench_id,latest_bench_id"]
        func f(_ v: Double?, _ d: Int) -> String { guard let v, v.isFinite else { return "" }; return String(format: "%.\(d)f", v) }
        for t in r.packages {
            let b = t.vsBaseline, cp = t.changePoints.last
            let cells: [String] = [
                csvField(t.package), csvField(t.condition), String(t.nRuns), t.classification.rawValue,
                f(t.baselineMedian, 6), f(t.latestMedian, 6), f(b?.changePct ?? 0, 2), f(t.slopeSecondsPerRun, 6),
                f(t.vsPrevious?.changePct ?? 0, 2), t.sustainedRegression ? "True" : "False",
                f(b.map { pctOfRatio($0.ciLow) }, 2), f(b.map { pctOfRatio($0.ciHigh) }, 2), f(b?.q, 6),
                (b?.confirmed ?? false) ? "True" : "False",
                f(t.slopePctPerRun, 3), f(t.theilSenPctPerRun, 3), f(t.theilSenLowPct, 3), f(t.theilSenHighPct, 3),
                f(t.trendTotalPct, 2), f(t.withinRunNoisePct, 3), f(t.betweenRunNoisePct, 3), String(t.changePoints.count),
                cp.map { String($0.position) } ?? "", f(cp?.ratio, 4), csvField(cp?.commitRangeText ?? ""),
                csvField(r.runs[t.baselineRunIndex].benchID), csvField(r.runs[t.latestRunIndex].benchID),
            ]
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let methodology = """
        Each run contributes, per package × condition, the median wall time of its measured ok iterations and the \
        standard error of that median on the log scale. The baseline is the pinned run, else each package's first \
        run. A change of the latest run against it (or against the previous run) counts only when it exceeds the \
        regression threshold and lies outside the runs' noise: within-run standard errors plus the run-to-run noise \
        of the series (robust, from successive differences), Benjamini–Hochberg q ≤ 0.05 across package × \
        conditions. When change points separate the baseline from the latest run, their segments are compared too \
        (step). The trend is the Theil–Sen slope of log medians from the baseline to the latest run (robust to one \
        bad run; Kendall test, q ≤ 0.05), compared over that window with the trend threshold; the least-squares \
        slope is shown beside it. Change points come from binary segmentation with a Welch test between adjacent \
        segments (p ≤ 0.001, variances floored at the series' noise, at least 3 runs per segment, at least the \
        regression threshold in size); their ratio is after/before segment medians with a Hodges–Lehmann/Moses \
        (or Welch) 95% interval, and the commit range to bisect runs from the last run before to the first run after.
        """

    public static func table(_ r: TrendReport) -> String {
        let title = "Trend Analysis: \(r.series.name)"
        var out = [title, String(repeating: "─", count: title.count)]
        out.append("  Runs:        \(r.runs.count)")
        if let p = period(r) { out.append("  Period:      \(p.0) → \(p.1)") }
        out.append("  Conditions:  \(r.condition ?? (r.conditions.isEmpty ? "none" : r.conditions.joined(separator: ", ")))")
        out.append("  Baseline:    \(baselineText(r))")
        if let l = r.runs.last { out.append("  Latest:      \(l.benchID)\(l.sha.map { " (\($0))" } ?? "")") }
        out.append(String(format: "  Thresholds:  change ±%.1f%% outside noise, trend ±%.1f%% over the series",
                          r.options.regressionThreshold * 100, r.options.trendThreshold * 100))
        out.append("")
        out.append("Classification Summary")
        out.append(String(repeating: "─", count: 22))
        out.append("  Total:       \(r.packages.count)")
        for c in TrendClassification.allCases {
            out.append("  " + (c.rawValue.capitalized + ":").padding(toLength: 13, withPad: " ", startingAt: 0) + "\(r.count(c))")
        }
        let within = r.packages.filter { $0.classification == .stable && ($0.vsBaseline.map { $0.beyondThreshold && !$0.outsideNoise } ?? false) }
        if !within.isEmpty {
            out.append("  (\(within.count) stable package × condition(s) moved beyond ±\(Fmt.f(r.options.regressionThreshold * 100, 1))% but within their noise)")
        }
        out.append("")
        for c in [TrendClassification.regressing, .improving, .volatile] {
            var rows = r.packages.filter { $0.classification == c }
            guard !rows.isEmpty else { continue }
            rows.sort { abs($0.vsBaseline?.changePct ?? 0) > abs($1.vsBaseline?.changePct ?? 0) }
            let heading = c.rawValue.capitalized + " Packages"
            out.append(heading)
            out.append(String(repeating: "─", count: heading.count))
            var t = TextTable([("Package", .left), ("Condition", .left), ("Runs", .right), ("Baseline", .right), ("Latest", .right),
                               ("Change", .right), ("95% CI", .left), ("Theil-Sen/run", .right), ("LS/run", .right), ("Why", .left)])
            for p in rows.prefix(20) {
                let b = p.vsBaseline
                t.add([p.package, p.condition, String(p.nRuns), Fmt.metricValue(r.options.metric, p.baselineMedian), Fmt.metricValue(r.options.metric, p.latestMedian),
                       Fmt.pct(b?.changePct), b.map { ciText(pctOfRatio($0.ciLow), pctOfRatio($0.ciHigh)) } ?? "N/A",
                       Fmt.pct(p.theilSenPctPerRun, digits: 2), Fmt.pct(p.slopePctPerRun, digits: 2),
                       p.reasons.joined(separator: "+")])
            }
            out.append(t.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            if rows.count > 20 { out.append("  … and \(rows.count - 20) more (--format csv or json lists all)") }
            out.append("")
        }
        let cps = r.packages.flatMap { p in p.changePoints.map { (p, $0) } }
        if !cps.isEmpty {
            out.append("Change Points")
            out.append(String(repeating: "─", count: 13))
            for (p, c) in cps.sorted(by: { abs(log($0.1.ratio)) > abs(log($1.1.ratio)) }).prefix(30) {
                out.append("  \(label(p)) at #\(c.position) \(c.benchID): ×\(Fmt.ratio(c.ratio)) [\(Fmt.ratio(c.ciLow)), \(Fmt.ratio(c.ciHigh))], "
                           + "\(c.runsBefore) → \(c.runsAfter) runs, bisect \(c.commitRangeText)")
            }
            if cps.count > 30 { out.append("  … and \(cps.count - 30) more (--format json lists all)") }
            out.append("")
        }
        out.append(alertBlock(r))
        return out.joined(separator: "\n")
    }

    public static func markdown(_ r: TrendReport) -> String {
        var out = ["# Trend Analysis: \(r.series.name)", "", "## Overview", ""]
        out.append("- **Runs:** \(r.runs.count)")
        if let p = period(r) { out.append("- **Period:** \(p.0) to \(p.1)") }
        out.append("- **Conditions:** \(r.condition ?? (r.conditions.isEmpty ? "none" : r.conditions.joined(separator: ", ")))")
        out.append("- **Baseline:** \(baselineText(r))")
        if let l = r.runs.last { out.append("- **Latest:** \(l.benchID)\(l.sha.map { " (`\($0)`)" } ?? "")") }
        out.append(String(format: "- **Thresholds:** change ±%.1f%% outside noise, trend ±%.1f%% over the series",
                          r.options.regressionThreshold * 100, r.options.trendThreshold * 100))
        out += ["", "## Classification", "", "| Category | Count | Packages |", "|---|---:|---|"]
        for c in TrendClassification.allCases {
            let names = r.packages.filter { $0.classification == c }.map(label)
            let shown = names.count > 30 ? names.prefix(30).joined(separator: ", ") + ", … (\(names.count - 30) more)" : names.joined(separator: ", ")
            out.append("| \(c.rawValue.capitalized) | \(names.count) | \(names.isEmpty ? "-" : shown) |")
        }
        out.append("")
        if !r.alerts.isEmpty {
            out += ["## Alerts", ""]
            for a in r.alerts { out.append("- **[\(a.severity.rawValue.uppercased())]** \(a.package) (\(a.condition)): \(a.description)") }
            out.append("")
        }
        let cps = r.packages.flatMap { p in p.changePoints.map { (p, $0) } }
        if !cps.isEmpty {
            out += ["## Change Points", "", "| Package | Condition | Position | Bench ID | Ratio | 95% CI | Bisect |", "|---|---|---:|---|---:|---|---|"]
            for (p, c) in cps {
                out.append("| \(p.package) | \(p.condition) | \(c.position) | \(c.benchID) | \(Fmt.ratio(c.ratio)) | "
                           + "\(Fmt.ratio(c.ciLow))–\(Fmt.ratio(c.ciHigh)) | `\(c.commitRangeText)` |")
            }
            out.append("")
        }
        out += ["## Per-Package Trends", "",
                "| Package | Condition | Class | Runs | Baseline (\(r.options.metric.unit)) | Latest (\(r.options.metric.unit)) | Change (%) | 95% CI (%) | Theil–Sen (%/run) | LS (%/run) | Change points |",
                "|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|"]
        for p in r.packages.sorted(by: { abs($0.vsBaseline?.changePct ?? 0) > abs($1.vsBaseline?.changePct ?? 0) }) {
            let b = p.vsBaseline
            out.append("| \(p.package) | \(p.condition) | \(p.classification.rawValue) | \(p.nRuns) | \(Fmt.f(p.baselineMedian, 3)) | "
                       + "\(Fmt.f(p.latestMedian, 3)) | \(Fmt.pct(b?.changePct)) | "
                       + "\(b.map { ciText(pctOfRatio($0.ciLow), pctOfRatio($0.ciHigh)) } ?? "N/A") | "
                       + "\(Fmt.pct(p.theilSenPctPerRun, digits: 2)) | \(Fmt.pct(p.slopePctPerRun, digits: 2)) | \(p.changePoints.count) |")
        }
        out += ["", "## Methodology", "", methodology, "", "*Generated by labeille bench track trend*"]
        return out.joined(separator: "\n")
    }

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
                    out.append("    segment medians \(Fmt.metricValue(r.options.metric, c.fromMedian)) → \(Fmt.metricValue(r.options.metric, c.toMedian)) "
                               + "(\(Fmt.pct(c.changePct)), 95% CI \(ciText(pctOfRatio(c.ciLow), pctOfRatio(c.ciHigh))))")
                } else if let c = a.change {
                    out.append("    \(a.fromBenchID) \(Fmt.metricValue(r.options.metric, c.fromMedian)) → \(a.toBenchID) \(Fmt.metricValue(r.options.metric, c.toMedian)) "
                               + "(\(Fmt.pct(c.changePct)), 95% CI \(ciText(pctOfRatio(c.ciLow), pctOfRatio(c.ciHigh))), q \(Fmt.pValue(c.q)))")
                }
                if let cp = a.changePoint {
                    out.append("    change point at #\(cp.position) \(cp.benchID) ×\(Fmt.ratio(cp.ratio)); bisect \(cp.commitRangeText)")
                }
            }
        }
        if !r.unconfirmed.isEmpty {
            out.append("")
            out.append("Within noise (not alerted): "
                       + r.unconfirmed.prefix(10).map { "\($0.package) (\($0.condition)) \(Fmt.pct($0.change?.changePct))" }.joined(separator: ", ")
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
                           + "\(c.map { Fmt.metricValue(r.options.metric, $0.fromMedian) } ?? "-") | \(c.map { Fmt.metricValue(r.options.metric, $0.toMedian) } ?? "-") | "
                           + "\(c.map { Fmt.pct($0.changePct) } ?? "-") | "
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
