import Foundation
import LabeilleCore
import LabeilleStats

/// Per package, the measured iterations of each compared series as a strip plot over a box plot
/// (quartiles and median as `bench show` computes them; whiskers to min and max).
enum IterationPlot {
    struct Series {
        var label: String
        var values: [Double]
        var excluded: Int
        var stats: ConditionStatRow?
        /// Index into the series palette (CSS classes s0…s7).
        var colorIndex: Int
    }

    static let width = 540.0
    static let labelWidth = 118.0
    static let plotLeft = 126.0
    static let plotRight = 526.0
    static let rowHeight = 26.0

    /// Vertical offsets of the dots, so equal values do not hide each other.
    static let jitter: [Double] = [0, -5, 5, -2.5, 2.5, -7, 7, -1, 1, -6, 6, -3.5, 3.5]

    static func render(_ w: inout HTMLWriter, package: String, series: [Series], comparisons: [PackageComparison],
                       showTreatmentName: Bool, metric: String, id: String) {
        let m = ReportDocument.metricLabel(metric)
        w.element("div", ["class": "plot-cell", "id": id, "data-package": package]) { w in
            heading(&w, package: package, comparisons: comparisons, showTreatmentName: showTreatmentName)
            let all = series.flatMap(\.values).filter(\.isFinite)
            guard let minimum = all.min(), let maximum = all.max() else {
                w.element("p", ["class": "note"], text: "No valid iterations.")
                return
            }
            let (lo, hi) = LinearScale.nice(minimum, maximum, padding: 0.06)
            let x = LinearScale(domain: (lo, hi), range: (plotLeft, plotRight))
            let ticks = x.ticks(count: 5)
            let step = ticks.count > 1 ? ticks[1] - ticks[0] : max(abs(hi - lo), 1e-9)
            let top = 6.0
            let axisY = top + Double(series.count) * rowHeight + 4
            SVG.open(&w, width: width, height: axisY + 36, label: "\(package): \(m.name) of each iteration per \(series.count > 1 ? "series" : "condition")",
                     cssClass: "chart strip")
            for t in ticks { SVG.line(&w, x(t), top, x(t), axisY, cssClass: "grid") }
            for (i, s) in series.enumerated() {
                drawSeries(&w, s, x: x, y: top + Double(i) * rowHeight + rowHeight / 2, unit: m.unit)
            }
            Axis.bottom(&w, ticks: ticks.map { (x($0), Axis.tickNumber($0, step: step), nil) }, y: axisY, x0: plotLeft,
                        x1: plotRight, gridTop: nil, label: m.axis)
            w.close()
        }
    }

    /// The package's name and, per comparison, its ratio, interval and verdict.
    static func heading(_ w: inout HTMLWriter, package: String, comparisons: [PackageComparison], showTreatmentName: Bool) {
        w.element("h4") { w in
            w.element("span", ["class": "wrap"], text: package)
            w.element("span") { w in
                for (i, c) in comparisons.enumerated() {
                    if i > 0 { w.text(" · ") }
                    let st = ReportTheme.style(c.verdict)
                    if showTreatmentName { w.element("span", ["class": "muted"], text: "\(c.treatment): ") }
                    w.element("span", ["class": "mono"], text: "\(NumberText.ratio(c.ratio)) \(c.ratioIntervalText) ")
                    w.element("span", ["class": "verdict verdict-\(c.verdict.rawValue)"], text: "\(st.symbol) \(c.verdictText)")
                }
            }
        }
    }

    /// One series' row: its label, its box plot and its iterations as jittered dots.
    static func drawSeries(_ w: inout HTMLWriter, _ s: Series, x: LinearScale, y: Double, unit: String) {
        w.open("g", ["class": "strip-series", "data-series": s.label, "data-n": String(s.values.count)])
        w.open("text", ["x": SVG.n(labelWidth), "y": SVG.n(y + 4), "text-anchor": "end", "class": "row-label"])
        w.element("title", text: s.label)
        w.text(s.label.truncatedHead(18))
        w.close()
        if s.excluded > 0 {
            SVG.text(&w, "\(s.excluded) excl.", x: labelWidth, y: y + 13, anchor: "end", cssClass: "small")
        }
        if let st = s.stats { drawBox(&w, st, label: s.label, x: x, y: y, unit: unit) }
        for (k, v) in s.values.enumerated() where v.isFinite {
            w.open("circle", ["cx": SVG.n(x(v)), "cy": SVG.n(y + jitter[k % jitter.count]), "r": "3.4", "class": "dot s\(s.colorIndex)"])
            w.element("title", text: "\(s.label) #\(k + 1): \(exact(v)) \(unit)")
            w.close()
        }
        w.close()
    }

    /// Quartile box, median and whiskers to min and max, as `bench show` computes them.
    static func drawBox(_ w: inout HTMLWriter, _ st: ConditionStatRow, label: String, x: LinearScale, y: Double, unit: String) {
        guard let q1 = st.q1, let q3 = st.q3, let med = st.median, let mn = st.min, let mx = st.max else { return }
        let boxTitle = "\(label): n = \(st.n)\(st.nExcluded > 0 ? " (\(st.nExcluded) excluded)" : ""), median \(exact(med)) \(unit), quartiles \(exact(q1))–\(exact(q3)) \(unit), range \(exact(mn))–\(exact(mx)) \(unit)\(st.cv.map { ", CV " + String(format: "%.2f%%", $0 * 100) } ?? "")"
        w.open("g", ["class": "box-plot"])
        w.element("title", text: boxTitle)
        let (a, b, c, d) = (SVG.n(x(mn)), SVG.n(x(q1)), SVG.n(x(q3)), SVG.n(x(mx)))
        w.leaf("path", ["d": "M\(a) \(SVG.n(y)) H\(b) M\(c) \(SVG.n(y)) H\(d) M\(a) \(SVG.n(y - 4)) V\(SVG.n(y + 4)) M\(d) \(SVG.n(y - 4)) V\(SVG.n(y + 4))",
                        "class": "whisker"])
        SVG.rect(&w, x: x(q1), y: y - 8, width: max(1, x(q3) - x(q1)), height: 16, cssClass: "box")
        SVG.line(&w, x(med), y - 9, x(med), y + 9, cssClass: "median")
        w.close()
    }

    static func exact(_ v: Double) -> String { String(format: "%.6g", v) }
}
