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

    /// The chart's scales and the points it draws, shared by every layer of the drawing.
    struct Frame {
        var points: [SeriesPoint]
        var lows: [Double]
        var highs: [Double]
        var x: LinearScale
        var y: LinearScale
        var minPos: Double
        var maxPos: Double
    }

    static func render(_ w: inout HTMLWriter, trend t: PackageTrend, item: PackagePoints, runs: [TrackedRun], pinnedRunIndex: Int?,
                       metric: String, colorIndex: Int, id: String) {
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
            drawChart(&w, frame: frame(points, runs: runs), trend: t, runs: runs, pinnedRunIndex: pinnedRunIndex,
                      metric: metric, color: ReportTheme.seriesColor(colorIndex))
        }
    }

    /// The interval of a run's median from its own iterations: exp(ln median ± 1.96 · SE).
    static func band(_ p: SeriesPoint) -> (Double, Double) {
        guard p.logSE.isFinite, p.logSE > 0 else { return (p.median, p.median) }
        return (p.median * exp(-1.959964 * p.logSE), p.median * exp(1.959964 * p.logSE))
    }

    static func frame(_ points: [SeriesPoint], runs: [TrackedRun]) -> Frame {
        let lows = points.map { band($0).0 }, highs = points.map { band($0).1 }
        let (lo, hi) = LinearScale.nice(lows.min() ?? 0, highs.max() ?? 1, padding: 0.08)
        let positions = runs.map(\.position)
        let minPos = Double(positions.min() ?? 1), maxPos = Double(positions.max() ?? 1)
        return Frame(points: points, lows: lows, highs: highs,
                     x: LinearScale(domain: (minPos - 0.5, maxPos + 0.5), range: (plotLeft, plotRight)),
                     y: LinearScale(domain: (lo, hi), range: (plotBottom, top)), minPos: minPos, maxPos: maxPos)
    }

    static func drawChart(_ w: inout HTMLWriter, frame f: Frame, trend t: PackageTrend, runs: [TrackedRun], pinnedRunIndex: Int?,
                          metric: String, color: String) {
        let m = ReportDocument.metricLabel(metric)
        let yTicks = f.y.ticks(count: 4)
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : max(f.y.domain.1 - f.y.domain.0, 1e-9)
        let xTicks = f.x.ticks(count: 8).filter { $0 == $0.rounded() && $0 >= f.minPos && $0 <= f.maxPos }
        SVG.open(&w, width: width, height: plotBottom + 40,
                 label: "\(t.package) \(t.condition): median \(m.name) per run over the series", cssClass: "chart trend-chart")
        Axis.vertical(&w, ticks: yTicks.map { (f.y($0), Axis.tickNumber($0, step: yStep)) }, x: plotLeft, y0: plotBottom, y1: top,
                      side: "left", gridTo: plotRight, label: "median \(m.axis)")
        if f.points.count >= 2 {
            let upper = zip(f.points, f.highs).map { (f.x(Double($0.0.position)), f.y($0.1)) }
            let lower = zip(f.points, f.lows).map { (f.x(Double($0.0.position)), f.y($0.1)) }.reversed()
            SVG.polygon(&w, upper + lower, cssClass: "band", fill: color)
        }
        let changePoints = t.changePoints.sorted { $0.position < $1.position }
        drawSegments(&w, f, changePoints)
        if let pin = pinnedRunIndex, pin < runs.count { drawPinned(&w, f, runs[pin]) }
        for cp in changePoints { drawChangePoint(&w, f, cp) }
        drawMedians(&w, f, runs: runs, pinnedRunIndex: pinnedRunIndex, unit: m.unit, color: color)
        Axis.bottom(&w, ticks: xTicks.map { (f.x($0), String(Int($0)), nil) }, y: plotBottom, x0: plotLeft, x1: plotRight,
                    gridTop: nil, label: "run position in the series")
        w.close()
    }

    /// The level of each segment between change points.
    static func drawSegments(_ w: inout HTMLWriter, _ f: Frame, _ changePoints: [ChangePoint]) {
        var start = f.minPos - 0.5
        for (i, cp) in changePoints.enumerated() {
            let end = Double(cp.position) - 0.5
            SVG.line(&w, f.x(start), f.y(cp.beforeMedian), f.x(end), f.y(cp.beforeMedian), cssClass: "segment")
            start = end
            if i == changePoints.count - 1 {
                SVG.line(&w, f.x(start), f.y(cp.afterMedian), f.x(f.maxPos + 0.5), f.y(cp.afterMedian), cssClass: "segment")
            }
        }
    }

    static func drawPinned(_ w: inout HTMLWriter, _ f: Frame, _ run: TrackedRun) {
        let px = f.x(Double(run.position))
        w.open("g", ["class": "pinned-mark", "data-position": String(run.position), "data-bench-id": run.benchID])
        w.element("title", text: "Pinned baseline: position \(run.position), \(run.benchID)\(run.sha.map { ", commit \($0)" } ?? "")")
        SVG.line(&w, px, top, px, plotBottom, cssClass: "pinned")
        SVG.text(&w, "pinned", x: px + 3, y: top + 9, cssClass: "small")
        w.close()
    }

    static func drawChangePoint(_ w: inout HTMLWriter, _ f: Frame, _ cp: ChangePoint) {
        let cx = f.x(Double(cp.position) - 0.5)
        w.open("g", ["class": "change-point-mark", "data-position": String(cp.position), "data-bench-id": cp.benchID,
                     "data-ratio": ExactNumber.text(cp.ratio), "data-ci-low": ExactNumber.text(cp.ciLow), "data-ci-high": ExactNumber.text(cp.ciHigh)])
        w.element("title", text: "Change point before position \(cp.position) (\(cp.benchID)): ×\(String(format: "%.4f", cp.ratio)) (\(NumberText.pct((cp.ratio - 1) * 100))), 95% CI [\(String(format: "%.4f", cp.ciLow)), \(String(format: "%.4f", cp.ciHigh))], p = \(String(format: "%.3g", cp.p)), \(cp.runsBefore) runs before, \(cp.runsAfter) after; bisect \(cp.commitRangeText)")
        SVG.line(&w, cx, top, cx, plotBottom, cssClass: "change-point")
        SVG.text(&w, "\(NumberText.pct((cp.ratio - 1) * 100))", x: cx + 3, y: plotBottom - 4, cssClass: "cp-label")
        w.close()
    }

    /// The medians' line and one marker per run (a diamond for the pinned run), with the run's details as hover text.
    static func drawMedians(_ w: inout HTMLWriter, _ f: Frame, runs: [TrackedRun], pinnedRunIndex: Int?, unit: String, color: String) {
        SVG.polyline(&w, f.points.map { (f.x(Double($0.position)), f.y($0.median)) }, cssClass: "trend", stroke: color)
        for (k, p) in f.points.enumerated() {
            let run = runs[p.runIndex]
            var title = "position \(p.position): \(run.benchID)"
            if let sha = run.sha { title += ", commit \(sha)" }
            for kv in run.commit where kv.key != "sha" { title += ", \(kv.key)=\(kv.value)" }
            title += "\nmedian \(String(format: "%.6g", p.median)) \(unit), 95% interval [\(String(format: "%.6g", f.lows[k])), \(String(format: "%.6g", f.highs[k]))], n = \(p.n), CV \(String(format: "%.2f%%", p.cv * 100))"
            if !run.notes.isEmpty { title += "\n" + run.notes }
            let isPinned = pinnedRunIndex == p.runIndex
            w.open("g", ["class": "trend-point", "data-position": String(p.position), "data-bench-id": run.benchID,
                         "data-sha": run.sha, "data-median": ExactNumber.text(p.median)])
            w.element("title", text: title)
            SVG.marker(&w, isPinned ? .diamond : .circle, x: f.x(Double(p.position)), y: f.y(p.median), r: isPinned ? 4.5 : 3,
                       cssClass: "marker-filled", attributes: ["fill": isPinned ? ReportTheme.OkabeIto.black : color])
            w.close()
        }
    }
}
