import Foundation
import LabeilleCore
import LabeilleStats

// `track trend` as a table, Markdown and CSV.
extension TrendRenderer {
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
            out.append("  (\(within.count) stable package × condition(s) moved beyond ±\(NumberText.f(r.options.regressionThreshold * 100, 1))% but within their noise)")
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
                t.add([p.package, p.condition, String(p.nRuns), NumberText.metricValue(r.options.metric, p.baselineMedian), NumberText.metricValue(r.options.metric, p.latestMedian),
                       NumberText.pct(b?.changePct), b.map { ciText(pctOfRatio($0.ciLow), pctOfRatio($0.ciHigh)) } ?? "N/A",
                       NumberText.pct(p.theilSenPctPerRun, digits: 2), NumberText.pct(p.slopePctPerRun, digits: 2),
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
                out.append("  \(label(p)) at #\(c.position) \(c.benchID): ×\(NumberText.ratio(c.ratio)) [\(NumberText.ratio(c.ciLow)), \(NumberText.ratio(c.ciHigh))], "
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
                out.append("| \(p.package) | \(p.condition) | \(c.position) | \(c.benchID) | \(NumberText.ratio(c.ratio)) | "
                           + "\(NumberText.ratio(c.ciLow))–\(NumberText.ratio(c.ciHigh)) | `\(c.commitRangeText)` |")
            }
            out.append("")
        }
        out += ["## Per-Package Trends", "",
                "| Package | Condition | Class | Runs | Baseline (\(r.options.metric.unit)) | Latest (\(r.options.metric.unit)) | Change (%) | 95% CI (%) | Theil–Sen (%/run) | LS (%/run) | Change points |",
                "|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|"]
        for p in r.packages.sorted(by: { abs($0.vsBaseline?.changePct ?? 0) > abs($1.vsBaseline?.changePct ?? 0) }) {
            let b = p.vsBaseline
            out.append("| \(p.package) | \(p.condition) | \(p.classification.rawValue) | \(p.nRuns) | \(NumberText.f(p.baselineMedian, 3)) | "
                       + "\(NumberText.f(p.latestMedian, 3)) | \(NumberText.pct(b?.changePct)) | "
                       + "\(b.map { ciText(pctOfRatio($0.ciLow), pctOfRatio($0.ciHigh)) } ?? "N/A") | "
                       + "\(NumberText.pct(p.theilSenPctPerRun, digits: 2)) | \(NumberText.pct(p.slopePctPerRun, digits: 2)) | \(p.changePoints.count) |")
        }
        out += ["", "## Methodology", "", methodology, "", "*Generated by labeille bench track trend*"]
        return out.joined(separator: "\n")
    }
}
