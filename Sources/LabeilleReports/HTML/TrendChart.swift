import Foundation
import LabeilleCore
import LabeilleStats

/// The trend chart of one package × condition of a tracking series: per-run medians (line and points)
/// with per-run 95% interval bands, segment levels between change points, change points (dashed, with
/// their ratio and commit range) and the pinned baseline (dotted). Commit ids are in the hover titles.
enum TrendChart {
    static let width = 540.0
    static let plotLeft = 64.0
    static let plotRight = 524.0
    static let top = 14.0
    static let plotBottom = 150.0

    static func render(_ w: inout HTMLWriter, trend t: PackageTrend, item: PointSeries, runs: [TrackedRun], pinnedRunIndex: Int?,
                       metric: String, colorIndex: Int, id: String) {
        let m = ReportDocument.metricLabel(metric)
        let points = item.points.filter { $0.median.isFinite }
        w.element("div", ["class": "plot-cell trend-cell", "id": id, "data-package": t.package, "data-condition": t.condition,
                          "data-classification": t.classification.rawValue,
                          "data-change-points": t.changePoints.map { String($0.position) }.joined(separator: " ")]) { w in
            w.element("h4") { w in
                w.element("span", ["class": "wrap"], text: "\(t.package) · \(t.condition)")
                SeriesReport.classificationBadge(&w, t.classification)
            }
            guard !points.isEmpty else {
                w.element("p", ["class": "note"], text: "No valid iterations.")
                return
            }
            // The interval of each run's median from its own iterations: exp(ln median ± 1.96 · SE).
            func band(_ p: SeriesPoint) -> (Double, Double) {
                guard p.logSE.isFinite, p.logSE > 0 else { return (p.median, p.median) }
                return (p.median * exp(-1.959964 * p.logSE), p.median * exp(1.959964 * p.logSE))
            }
            let lows = points.map { band($0).0 }, highs = points.map { band($0).1 }
            let (lo, hi) = LinearScale.nice(lows.min()!, highs.max()!, padding: 0.08)
            let y = LinearScale(domain: (lo, hi), range: (plotBottom, top))
            let positions = runs.map(\.position)
            let minPos = Double(positions.min() ?? 1), maxPos = Double(positions.max() ?? 1)
            let x = LinearScale(domain: (minPos - 0.5, maxPos + 0.5), range: (plotLeft, plotRight))
            let yTicks = y.ticks(count: 4)
            let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : max(hi - lo, 1e-9)
            let xTicks = x.ticks(count: 8).filter { $0 == $0.rounded() && $0 >= minPos && $0 <= maxPos }
            let height = plotBottom + 40
            SVG.open(&w, width: width, height: height,
                     label: "\(t.package) \(t.condition): median \(m.name) per run over the series", cssClass: "chart trend-chart")
            Axis.vertical(&w, ticks: yTicks.map { (y($0), Axis.tickNumber($0, step: yStep)) }, x: plotLeft, y0: plotBottom, y1: top,
                          side: "left", gridTo: plotRight, label: "median \(m.axis)")
            let color = ReportTheme.seriesColor(colorIndex)
            // Interval band.
            let upper = zip(points, highs).map { (x(Double($0.0.position)), y($0.1)) }
            let lower = zip(points, lows).map { (x(Double($0.0.position)), y($0.1)) }.reversed()
            if points.count >= 2 {
                SVG.polygon(&w, upper + lower, cssClass: "band", fill: color)
            }
            // Segment levels between change points.
            let cps = t.changePoints.sorted { $0.position < $1.position }
            if !cps.isEmpty {
                var start = minPos - 0.5
                for (i, cp) in cps.enumerated() {
                    let end = Double(cp.position) - 0.5
                    SVG.line(&w, x(start), y(cp.beforeMedian), x(end), y(cp.beforeMedian), cssClass: "segment")
                    start = end
                    if i == cps.count - 1 { SVG.line(&w, x(start), y(cp.afterMedian), x(maxPos + 0.5), y(cp.afterMedian), cssClass: "segment") }
                }
            }
            // Pinned baseline.
            if let pin = pinnedRunIndex, pin < runs.count {
                let px = x(Double(runs[pin].position))
                w.open("g", ["class": "pinned-mark", "data-position": String(runs[pin].position), "data-bench-id": runs[pin].benchID])
                w.element("title", text: "Pinned baseline: position \(runs[pin].position), \(runs[pin].benchID)\(runs[pin].sha.map { ", commit \($0)" } ?? "")")
                SVG.line(&w, px, top, px, plotBottom, cssClass: "pinned")
                SVG.text(&w, "pinned", x: px + 3, y: top + 9, cssClass: "small")
                w.close()
            }
            // Change points.
            for cp in cps {
                let cx = x(Double(cp.position) - 0.5)
                w.open("g", ["class": "change-point-mark", "data-position": String(cp.position), "data-bench-id": cp.benchID,
                             "data-ratio": Exact.number(cp.ratio), "data-ci-low": Exact.number(cp.ciLow), "data-ci-high": Exact.number(cp.ciHigh)])
                w.element("title", text: "Change point before position \(cp.position) (\(cp.benchID)): ×\(String(format: "%.4f", cp.ratio)) (\(Fmt.pct((cp.ratio - 1) * 100))), 95% CI [\(String(format: "%.4f", cp.ciLow)), \(String(format: "%.4f", cp.ciHigh))], p = \(String(format: "%.3g", cp.p)), \(cp.runsBefore) runs before, \(cp.runsAfter) after; bisect \(cp.commitRangeText)")
                SVG.line(&w, cx, top, cx, plotBottom, cssClass: "change-point")
                SVG.text(&w, "\(Fmt.pct((cp.ratio - 1) * 100))", x: cx + 3, y: plotBottom - 4, cssClass: "cp-label")
                w.close()
            }
            // Medians.
            SVG.polyline(&w, points.map { (x(Double($0.position)), y($0.median)) }, cssClass: "trend", stroke: color)
            for (k, p) in points.enumerated() {
                let run = runs[p.runIndex]
                let (bl, bh) = (lows[k], highs[k])
                var title = "position \(p.position): \(run.benchID)"
                if let sha = run.sha { title += ", commit \(sha)" }
                for kv in run.commit where kv.key != "sha" { title += ", \(kv.key)=\(kv.value)" }
                title += "\nmedian \(String(format: "%.6g", p.median)) \(m.unit), 95% interval [\(String(format: "%.6g", bl)), \(String(format: "%.6g", bh))], n = \(p.n), CV \(String(format: "%.2f%%", p.cv * 100))"
                if !run.notes.isEmpty { title += "\n" + run.notes }
                let isPinned = pinnedRunIndex == p.runIndex
                w.open("g", ["class": "trend-point", "data-position": String(p.position), "data-bench-id": run.benchID,
                             "data-sha": run.sha, "data-median": Exact.number(p.median)])
                w.element("title", text: title)
                SVG.marker(&w, isPinned ? .diamond : .circle, x: x(Double(p.position)), y: y(p.median), r: isPinned ? 4.5 : 3,
                           cssClass: "marker-filled", attributes: ["fill": isPinned ? ReportTheme.OkabeIto.black : color])
                w.close()
            }
            Axis.bottom(&w, ticks: xTicks.map { (x($0), String(Int($0)), nil) }, y: plotBottom, x0: plotLeft, x1: plotRight,
                        gridTop: nil, label: "run position in the series")
            w.close()
        }
    }
}
