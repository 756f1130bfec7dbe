import Foundation
import LabeilleCore
import LabeilleStats

public struct SeriesReportOptions: Sendable {
    /// wall, cpu or rss.
    public var metric: String
    /// The thresholds of `track trend` / `track alert`.
    public var trend: TrendOptions
    /// At most this many trend charts (regressing, volatile and improving ones first).
    public var maxCharts: Int
    /// Shown in the footer; nil for none (reproducible output).
    public var generatedAt: String?

    public init(metric: String = "wall", trend: TrendOptions = .init(), maxCharts: Int = 400, generatedAt: String? = nil) {
        self.metric = metric; self.trend = trend; self.maxCharts = maxCharts; self.generatedAt = generatedAt
    }
}

/// `bench report --series NAME`: one self-contained HTML page for a tracking series, built on the same
/// `TrendReport` as `track trend` and `track alert`.
///
/// Sections (element ids): `summary`, `runs`, `classification`, `alerts`, `trends`, `method`. Rows of the
/// classification table and trend charts carry `data-package`, `data-condition`, `data-classification`;
/// change-point marks carry `data-position`, `data-ratio`, `data-ci-low`, `data-ci-high`.
public struct SeriesReport {
    public let data: SeriesWithPoints
    public let trend: TrendReport
    public let options: SeriesReportOptions

    public init(data: SeriesWithPoints, trend: TrendReport, options: SeriesReportOptions) {
        self.data = data; self.trend = trend; self.options = options
    }

    public var title: String { "Tracking report: \(data.series.name)" }

    static let classificationOrder: [TrendClassification] = [.regressing, .volatile, .improving, .stable]

    package static func classificationBadge(_ w: inout HTMLWriter, _ c: TrendClassification) {
        let symbol: String
        switch c {
        case .regressing: symbol = "▲"
        case .improving: symbol = "▼"
        case .volatile: symbol = "≈"
        case .stable: symbol = "="
        }
        w.element("span", ["class": "verdict class-\(c.rawValue)"], text: "\(symbol) \(c.rawValue)")
    }

    /// Most interesting first: by classification, then by the size of the change against the baseline.
    var orderedTrends: [PackageTrend] {
        trend.packages.sorted { a, b in
            let ia = Self.classificationOrder.firstIndex(of: a.classification) ?? 9
            let ib = Self.classificationOrder.firstIndex(of: b.classification) ?? 9
            if ia != ib { return ia < ib }
            let ma = abs(a.vsBaseline.map { log($0.ratio) } ?? 0), mb = abs(b.vsBaseline.map { log($0.ratio) } ?? 0)
            if ma != mb { return ma > mb }
            return (a.package, a.condition) < (b.package, b.condition)
        }
    }

    public func render() -> String {
        var w = HTMLWriter(capacity: 64 * 1024 + trend.packages.count * 6 * 1024)
        ReportDocument.begin(&w, title: title)
        w.element("header", ["id": "summary"]) { w in
            w.element("h1", text: title)
            renderSummary(&w)
        }
        ReportDocument.toc(&w, [("classification", "Classification"), ("alerts", "Alerts"), ("trends", "Trends"),
                                ("runs", "Runs"), ("method", "Method")].map { (id: $0.0, title: $0.1) })
        ReportDocument.section(&w, id: "classification", title: "Classification") { w in renderClassification(&w) }
        ReportDocument.section(&w, id: "alerts", title: "Alerts") { w in renderAlerts(&w) }
        ReportDocument.section(&w, id: "trends", title: "Trends per package and condition") { w in renderTrends(&w) }
        ReportDocument.section(&w, id: "runs", title: "Runs") { w in renderRuns(&w) }
        ReportDocument.section(&w, id: "method", title: "Method") { w in renderMethod(&w) }
        ReportDocument.end(&w, generatedAt: options.generatedAt)
        return w.finish()
    }

    private func renderSummary(_ w: inout HTMLWriter) {
        let s = data.series
        var parts = ["\(data.runs.count) runs", "\(trend.packages.count) package × condition series",
                     "metric: \(ReportDocument.metricLabel(options.metric).name)",
                     "regression threshold \(NumberText.f(options.trend.regressionThreshold * 100, 1))%",
                     "trend threshold \(NumberText.f(options.trend.trendThreshold * 100, 1))%"]
        if let pinned = s.pinnedBenchID { parts.insert("pinned baseline \(pinned)", at: 1) } else { parts.insert("baseline: each package's first run", at: 1) }
        if !s.description.isEmpty { w.element("p", text: s.description) }
        w.element("p", ["class": "subtitle", "data-metric": options.metric], text: parts.joined(separator: " · "))
        w.element("div", ["class": "cards"]) { w in
            w.element("div", ["class": "card series-summary", "data-regressing": String(trend.count(.regressing)),
                              "data-improving": String(trend.count(.improving)), "data-volatile": String(trend.count(.volatile)),
                              "data-stable": String(trend.count(.stable)), "data-alerts": String(trend.alerts.count),
                              "data-gate-fails": trend.gateFails ? "true" : "false"]) { w in
                w.element("div", ["class": "big"], text: trend.gateFails ? "✖ confirmed regression" : "✔ no confirmed regression")
                w.element("div") { w in
                    for (i, c) in Self.classificationOrder.enumerated() {
                        if i > 0 { w.text(", ") }
                        w.text("\(trend.count(c)) ")
                        Self.classificationBadge(&w, c)
                    }
                }
                w.element("div", ["class": "note"], text: "\(trend.alerts.count) alert(s), \(trend.unconfirmed.count) unconfirmed move(s) within the noise")
            }
        }
    }

    private func renderRuns(_ w: inout HTMLWriter) {
        w.element("table", ["id": "runs-table"]) { w in
            w.element("thead") { w in
                w.element("tr") { w in
                    for h in ["Position", "Bench id", "Time", "Commit", "Notes", ""] { w.element("th", text: h) }
                }
            }
            w.element("tbody") { w in
                for r in data.runs {
                    w.element("tr", ["data-position": String(r.position), "data-bench-id": r.benchID, "data-pinned": r.pinned ? "true" : nil]) { w in
                        w.element("td", ["class": "num"], text: String(r.position))
                        w.element("td", ["class": "mono"], text: r.benchID)
                        w.element("td", text: r.timestamp)
                        w.element("td", ["class": "mono wrap-any"], text: r.commit.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
                        w.element("td", text: r.notes)
                        w.element("td", text: r.pinned ? "◆ pinned baseline" : "")
                    }
                }
            }
        }
    }

    private func change(_ c: LevelChange?) -> String {
        guard let c, c.ratio.isFinite else { return "—" }
        var s = "\(NumberText.ratio(c.ratio)) (\(NumberText.pct((c.ratio - 1) * 100)))"
        if c.ciLow.isFinite && c.ciHigh.isFinite { s += " [\(NumberText.pct((c.ciLow - 1) * 100)), \(NumberText.pct((c.ciHigh - 1) * 100))]" }
        if c.confirmed { s += " !" }
        return s
    }

    private func renderClassification(_ w: inout HTMLWriter) {
        let unit = ReportDocument.metricLabel(options.metric).unit
        w.element("p", ["class": "note"]) { w in
            w.text("The numbers of ")
            w.element("code", text: "labeille bench track trend")
            w.text(" (the same analysis). Latest vs baseline/previous: ratio with its 95% interval from the runs' own noise (\"!\": beyond the threshold and outside the noise). Trend: Theil–Sen slope per run with its interval. Change points: position of the first run after the step, its size and the commit range to bisect.")
        }
        w.element("table", ["id": "classification-table", "class": "full-width"]) { w in
            w.element("thead") { w in
                w.element("tr") { w in
                    for (h, num) in [("Package", false), ("Condition", false), ("Class", false), ("Why", false), ("Runs", true),
                                     ("Baseline (\(unit))", true), ("Latest (\(unit))", true), ("Latest vs baseline", true),
                                     ("Latest vs previous", true), ("Trend %/run", true), ("Change points", false)] {
                        w.element("th", ["class": num ? "num" : nil], text: h)
                    }
                }
            }
            w.element("tbody") { w in
                for t in orderedTrends {
                    w.element("tr", ["class": "trend-row", "data-package": t.package, "data-condition": t.condition,
                                     "data-classification": t.classification.rawValue, "data-n-runs": String(t.nRuns),
                                     "data-slope-pct-per-run": ExactNumber.text(t.slopePctPerRun),
                                     "data-change-points": t.changePoints.map { String($0.position) }.joined(separator: " ")]) { w in
                        w.element("td", text: t.package)
                        w.element("td", text: t.condition)
                        w.element("td") { w in Self.classificationBadge(&w, t.classification) }
                        w.element("td", text: t.reasons.joined(separator: ", "))
                        w.element("td", ["class": "num"], text: String(t.nRuns))
                        w.element("td", ["class": "num"], text: NumberText.f(t.baselineMedian, 2) + (t.baselineIsPinned ? " ◆" : ""))
                        w.element("td", ["class": "num"], text: NumberText.f(t.latestMedian, 2))
                        w.element("td", ["class": "num-wrap"], text: change(t.vsBaseline))
                        w.element("td", ["class": "num-wrap"], text: change(t.vsPrevious))
                        w.element("td", ["class": "num-wrap"], text: t.theilSenPctPerRun.isFinite
                            ? NumberText.pct(t.theilSenPctPerRun, digits: 2) + (t.theilSenLowPct.isFinite ? " [\(NumberText.pct(t.theilSenLowPct, digits: 2)), \(NumberText.pct(t.theilSenHighPct, digits: 2))]" : "")
                            : "—")
                        w.element("td", ["class": "mono wrap-any"], text: t.changePoints.isEmpty ? "—"
                            : t.changePoints.map { "@\($0.position) \(NumberText.pct(($0.ratio - 1) * 100)) \($0.commitRangeText)" }.joined(separator: "; "))
                    }
                }
            }
        }
    }

    private func renderAlerts(_ w: inout HTMLWriter) {
        func table(_ alerts: [TrackAlert], id: String) {
            w.element("table", ["id": id, "class": "alert-table"]) { w in
                w.element("thead") { w in
                    w.element("tr") { w in
                        for h in ["Severity", "Package", "Condition", "Kind", "Change", "From → to", "Description"] { w.element("th", text: h) }
                    }
                }
                w.element("tbody") { w in
                    for a in alerts {
                        w.element("tr", ["class": "alert", "data-package": a.package, "data-condition": a.condition, "data-kind": a.kind.rawValue,
                                         "data-severity": a.severity.rawValue, "data-confirmed": a.confirmed ? "true" : "false"]) { w in
                            let symbol = a.severity == .error ? "✖" : a.severity == .warning ? "▲" : "ℹ"
                            w.element("td", ["class": "sev-\(a.severity.rawValue)"], text: "\(symbol) \(a.severity.rawValue)")
                            w.element("td", text: a.package)
                            w.element("td", text: a.condition)
                            w.element("td", ["class": "mono"], text: a.kind.rawValue)
                            w.element("td", ["class": "num"], text: change(a.change))
                            w.element("td", ["class": "mono"], text: "\(a.fromBenchID) → \(a.toBenchID)")
                            w.element("td", text: a.description + (a.changePoint.map { " Bisect \($0.commitRangeText)." } ?? ""))
                        }
                    }
                }
            }
        }
        if trend.alerts.isEmpty {
            w.element("p", ["id": "alerts-none"], text: "No alert: the latest run has no confirmed regression or improvement against the baseline or the previous run.")
        } else {
            table(trend.alerts, id: "alerts-table")
        }
        if !trend.unconfirmed.isEmpty {
            w.element("h3", text: "Within the noise (reported, never gating)")
            table(trend.unconfirmed, id: "unconfirmed-table")
        }
    }

    private func renderTrends(_ w: inout HTMLWriter) {
        w.element("p", ["class": "note"], text: "Per run: the median of the valid iterations (points; hover for the run, its commit and the exact numbers) with its 95% interval from the run's own iterations (band). Dashed vertical lines: change points, labelled with the size of the step; thin horizontal lines: segment levels; dotted line and ◆: the pinned baseline.")
        let items = Dictionary(data.items.map { ($0.package + "\u{0}" + $0.condition, $0) }, uniquingKeysWith: { a, _ in a })
        let condIndex = Dictionary(data.conditions.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let ordered = orderedTrends
        if ordered.isEmpty {
            w.element("p", ["id": "trends-none"]) { w in
                w.text("No measured package in this series yet (add runs with ")
                w.element("code", text: "labeille bench track add")
                w.text(").")
            }
            return
        }
        let shown = ordered.prefix(options.maxCharts)
        if shown.count < ordered.count {
            w.element("p", ["class": "note"], text: "Showing \(shown.count) of \(ordered.count) series (regressing, volatile and improving first).")
        }
        w.element("div", ["class": "grid-plots"]) { w in
            for (i, t) in shown.enumerated() {
                guard let item = items[t.package + "\u{0}" + t.condition] else { continue }
                TrendChart.render(&w, trend: t, item: item, runs: data.runs, pinnedRunIndex: data.pinnedRunIndex, metric: options.metric,
                                  colorIndex: condIndex[t.condition] ?? 0, id: "trend-\(i + 1)")
            }
        }
    }

    private func renderMethod(_ w: inout HTMLWriter) {
        let items = [
            "Per run and package × condition: the median of the measured iterations whose status is ok; its interval uses the standard error of the log-median from the run's iterations.",
            "Baseline: the pinned run when one is pinned, otherwise each package's first run. Classification (regressing / improving / volatile / stable) with the thresholds of the original labeille, but never from a difference that lies within the runs' own noise.",
            "Trend: Theil–Sen slope of the log-medians over the runs (robust to one bad run), beside the least-squares view.",
            "Change points: binary segmentation with a test between adjacent segments (p ≤ \(options.trend.changePointAlpha), at least \(options.trend.minSegment) runs per segment); the step's ratio has a 95% interval and the commit range to bisect.",
        ]
        w.element("ul") { w in for t in items { w.element("li", text: t) } }
    }
}
