import Foundation
import LabeilleCore
import LabeilleStats

/// The forest plot of one comparison: per package the ratio treatment/baseline with its 95% interval on a
/// log axis, sorted by effect (largest ratio on top, as `bench compare`), coloured and shaped by verdict,
/// with the numbers printed at the right and the suite's geometric mean as a diamond at the bottom.
enum ForestPlot {
    static let width = 1120.0
    static let labelWidth = 210.0
    static let plotLeft = 222.0
    static let plotRight = 770.0
    static let textLeft = 784.0
    static let rowHeight = 19.0
    static let top = 30.0

    static func render(_ w: inout HTMLWriter, set: ComparisonSet, threshold: Double, id: String) {
        let comps = RunReport.sortedByEffect(set.comparisons)
        guard !comps.isEmpty else { w.element("p", text: "No comparable packages found."); return }
        let s = set.summary
        let domain = LogScale.ratioDomain(comps.flatMap { [$0.ratio, $0.ratioLow, $0.ratioHigh] } + [s.geomeanLow, s.geomeanHigh],
                                          threshold: threshold)
        let x = LogScale(domain: domain, range: (plotLeft, plotRight))
        let rowsBottom = top + Double(comps.count) * rowHeight
        let axisY = rowsBottom + 36
        SVG.open(&w, width: width, height: axisY + 56,
                 label: "Forest plot: ratio \(set.treatment)/\(set.baseline) per package with 95% intervals, log scale",
                 cssClass: "chart forest", id: id)
        drawBackground(&w, x: x, rows: comps.count, threshold: threshold, axisY: axisY)
        drawHeadings(&w, set: set)
        for (i, c) in comps.enumerated() { drawRow(&w, c, x: x, y: top + Double(i) * rowHeight + rowHeight / 2, threshold: threshold) }
        drawSummary(&w, s, x: x, rowsBottom: rowsBottom)
        // Reference line at 1 and the axis.
        SVG.line(&w, x(1), top - 4, x(1), axisY, cssClass: "unity")
        Axis.bottom(&w, ticks: Axis.ratioTickLabels(x.ticks(), scale: x), y: axisY, x0: plotLeft, x1: plotRight, gridTop: nil,
                    label: "ratio treatment/baseline (log scale; grey band ±δ)")
        w.close()
    }

    /// Drawn first so the rows cover it: row stripes, the ±δ band and the grid.
    static func drawBackground(_ w: inout HTMLWriter, x: LogScale, rows: Int, threshold: Double, axisY: Double) {
        for i in stride(from: 1, to: rows, by: 2) {
            w.leaf("rect", ["x": "0", "y": SVG.n(top + Double(i) * rowHeight), "width": SVG.n(width), "height": SVG.n(rowHeight), "class": "row-stripe"])
        }
        w.leaf("rect", ["x": SVG.n(x(1 - threshold)), "y": SVG.n(top - 4), "width": SVG.n(x(1 + threshold) - x(1 - threshold)),
                        "height": SVG.n(axisY - top + 4), "class": "delta-band"])
        for t in x.ticks() where t != 1 { SVG.line(&w, x(t), top - 4, x(t), axisY, cssClass: "grid") }
    }

    static func drawHeadings(_ w: inout HTMLWriter, set: ComparisonSet) {
        SVG.text(&w, "Package", x: labelWidth, y: 16, anchor: "end", cssClass: "axis-label")
        SVG.text(&w, "← faster   ratio \(set.treatment) / \(set.baseline)   slower →", x: (plotLeft + plotRight) / 2, y: 16,
                 anchor: "middle", cssClass: "axis-label")
        w.element("text", ["x": SVG.n(textLeft), "y": "16", "class": "row-value", "font-weight": "bold", "xml:space": "preserve"],
                  text: pad("Ratio", 6) + "  " + pad("95% CI", 18) + "  Verdict")
    }

    /// One package: its label, its interval (an arrow where the axis clips it) and marker, and its numbers.
    static func drawRow(_ w: inout HTMLWriter, _ c: PackageComparison, x: LogScale, y: Double, threshold: Double) {
        w.open("g", attributeList: Array(RunReport.dataAttributes(c, cssClass: "forest-row").map { ($0.key, $0.value) })
               + [("data-method", c.method.rawValue)])
        // One title for the whole row: hovering its interval, marker or numbers shows the exact values.
        w.element("title", text: hover(c, threshold: threshold))
        w.open("text", ["x": SVG.n(labelWidth), "y": SVG.n(y + 4), "text-anchor": "end", "class": "row-label"])
        w.element("title", text: c.package)
        w.text(c.package.truncatedHead(32))
        w.close()
        let style = ReportTheme.style(c.verdict)
        if c.ratio.isFinite {
            if c.ratioLow.isFinite && c.ratioHigh.isFinite { drawInterval(&w, low: c.ratioLow, high: c.ratioHigh, x: x, y: y, color: style.color) }
            SVG.marker(&w, style.shape, x: x(c.ratio), y: y, r: 5.2, cssClass: style.filled ? "marker-filled" : "marker-hollow",
                       attributes: style.filled ? ["fill": style.color] : ["stroke": style.color])
        } else {
            SVG.text(&w, "not enough valid iterations", x: (plotLeft + plotRight) / 2, y: y + 4, anchor: "middle", cssClass: "small")
        }
        w.open("text", ["x": SVG.n(textLeft), "y": SVG.n(y + 4), "class": "row-value", "xml:space": "preserve"])
        w.text(pad(NumberText.ratio(c.ratio), 6) + "  " + pad(c.ratioIntervalText, 18) + "  ")
        w.element("tspan", ["fill": style.color, "font-weight": "bold"], text: "\(style.symbol) \(c.verdictText)")
        w.close()
        w.close()
    }

    static func drawInterval(_ w: inout HTMLWriter, low: Double, high: Double, x: LogScale, y: Double, color: String) {
        let x0 = x(low), x1 = x(high)
        SVG.line(&w, x0, y, x1, y, cssClass: "ci", stroke: color)
        if x.clipped(low) { arrow(&w, x: plotLeft, y: y, left: true, color: color) } else {
            SVG.line(&w, x0, y - 4, x0, y + 4, cssClass: "ci-cap", stroke: color)
        }
        if x.clipped(high) { arrow(&w, x: plotRight, y: y, left: false, color: color) } else {
            SVG.line(&w, x1, y - 4, x1, y + 4, cssClass: "ci-cap", stroke: color)
        }
    }

    /// The suite's geometric mean as a diamond spanning its interval, below the packages.
    static func drawSummary(_ w: inout HTMLWriter, _ s: ComparisonSummary, x: LogScale, rowsBottom: Double) {
        let summaryY = rowsBottom + 18
        SVG.line(&w, 0, rowsBottom + 4, width, rowsBottom + 4, cssClass: "grid")
        w.open("g", ["class": "forest-summary", "data-geomean": ExactNumber.text(s.geomeanRatio),
                     "data-geomean-low": ExactNumber.text(s.geomeanLow), "data-geomean-high": ExactNumber.text(s.geomeanHigh)])
        SVG.text(&w, "Geometric mean (\(s.packages))", x: labelWidth, y: summaryY + 4, anchor: "end", cssClass: "row-label")
        let gTitle = "Geometric mean of the \(s.packages) ratios: \(ExactNumber.text(s.geomeanRatio)), 95% CI [\(ExactNumber.text(s.geomeanLow)), \(ExactNumber.text(s.geomeanHigh))]"
        if s.geomeanRatio.isFinite {
            let lo = s.geomeanLow.isFinite ? x(s.geomeanLow) : x(s.geomeanRatio) - 3
            let hi = s.geomeanHigh.isFinite ? x(s.geomeanHigh) : x(s.geomeanRatio) + 3
            let gx = x(s.geomeanRatio)
            SVG.polygon(&w, [(lo, summaryY), (gx, summaryY - 7), (hi, summaryY), (gx, summaryY + 7)], cssClass: "summary-diamond",
                        title: gTitle)
        }
        w.open("text", ["x": SVG.n(textLeft), "y": SVG.n(summaryY + 4), "class": "row-value", "font-weight": "bold", "xml:space": "preserve"])
        w.element("title", text: gTitle)
        w.text(pad(NumberText.ratio(s.geomeanRatio), 6) + "  " + (s.geomeanLow.isFinite
            ? "[\(NumberText.pct((s.geomeanLow - 1) * 100)), \(NumberText.pct((s.geomeanHigh - 1) * 100))]" : "[N/A]"))
        w.close()
        w.close()
    }

    static func hover(_ c: PackageComparison, threshold: Double) -> String {
        func e(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "N/A" }
        var t = "\(c.package): \(c.treatment) vs \(c.baseline)\n"
        t += "ratio \(e(c.ratio)) (\(NumberText.pct((c.ratio - 1) * 100, digits: 2))), 95% CI [\(e(c.ratioLow)), \(e(c.ratioHigh))]\n"
        t += "verdict \(c.verdictText), q = \(e(c.qValue)), p = \(e(c.p)), method \(c.method.rawValue)\n"
        t += "medians \(e(c.medianBaseline)) → \(e(c.medianTreatment)) (overhead \(NumberText.pct(c.overheadPct, digits: 2))), n \(c.nBaseline)/\(c.nTreatment)"
        if c.excludedBaseline + c.excludedTreatment > 0 { t += ", \(c.excludedBaseline + c.excludedTreatment) excluded" }
        if c.verdict == .inconclusive && c.minimumDetectableEffect.isFinite {
            t += "\nsmallest detectable effect at this n \(NumberText.pct(c.minimumDetectableEffect * 100))"
            if let need = c.iterationsNeeded {
                t += "; ~\(need) iterations per condition would call a ±\(NumberText.f(threshold * 200, 1))% change at 80%"
            }
        }
        return t
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    static func arrow(_ w: inout HTMLWriter, x: Double, y: Double, left: Bool, color: String) {
        let d = left ? 7.0 : -7.0
        w.leaf("path", ["d": "M\(SVG.n(x)) \(SVG.n(y)) L\(SVG.n(x + d)) \(SVG.n(y - 4)) L\(SVG.n(x + d)) \(SVG.n(y + 4)) Z",
                        "fill": color, "class": "arrow"])
    }

    /// The verdict legend: colour, shape and name of each verdict.
    static func legend(_ w: inout HTMLWriter, threshold: Double) {
        w.element("div", ["class": "legend", "id": "verdict-legend"]) { w in
            for v in Verdict.allCases {
                let st = ReportTheme.style(v)
                w.element("span") { w in
                    w.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "width": "16", "height": "14", "viewBox": "0 0 16 14",
                                   "aria-hidden": "true"])
                    SVG.marker(&w, st.shape, x: 8, y: 7, r: 5, cssClass: st.filled ? "marker-filled" : "marker-hollow",
                               attributes: st.filled ? ["fill": st.color] : ["stroke": st.color])
                    w.close()
                    w.element("span", ["class": "verdict verdict-\(v.rawValue)"], text: " " + v.rawValue)
                }
            }
            w.element("span", ["class": "muted"], text: "Bars: 95% interval. Dashed line: no change. Grey band: ±\(NumberText.f(threshold * 100, 1))%. Diamond: geometric mean with its interval. Hover for exact numbers.")
        }
    }
}
