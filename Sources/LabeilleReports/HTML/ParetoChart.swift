import Foundation
import LabeilleCore
import LabeilleStats

/// Per-test Pareto charts for the most affected packages: which tests explain most of the change.
/// Bars are the differences of the per-test medians (call phase, from `RunComparison.perTest`, the
/// numbers of `bench compare --per-test`) in the direction of the package's change, largest first; the
/// line is their cumulative share. A table under each chart names the tests.
enum ParetoChart {
    static let width = 1120.0
    static let plotLeft = 78.0
    static let plotRight = 1040.0
    static let top = 16.0
    static let plotBottom = 236.0

    struct Bar {
        var rank: String
        var magnitude: Double
        var test: PackageComparison?
        var otherCount: Int
    }

    static func renderAll(_ w: inout HTMLWriter, report: RunReport) {
        w.element("p", ["class": "note"], text: "For up to \(report.options.paretoPackages) of the most affected packages that have per-test timings (slower ones first), per comparison. Differences of per-test medians need not add up to the package's difference: collection, start-up and teardown are outside the tests. Bars in the direction opposite to the package's change are left out and counted.")
        if report.paretos.isEmpty {
            w.element("p", ["id": "pareto-none"], text: report.sets.isEmpty
                ? "No comparison, so no per-test breakdown."
                : "No per-test timings for the compared packages (run with --per-test-timing).")
            return
        }
        for (i, p) in report.paretos.enumerated() {
            render(&w, data: p, set: report.sets[p.setIndex], maxTests: report.options.paretoTests, id: "pareto-\(i + 1)")
        }
    }

    static func render(_ w: inout HTMLWriter, data: RunReport.ParetoData, set: ComparisonSet, maxTests: Int, id: String) {
        let pkg = data.package
        let direction: Double = pkg.ratio >= 1 ? 1 : -1
        let usable = data.tests.filter { $0.medianBaseline.isFinite && $0.medianTreatment.isFinite }
        let diff: (PackageComparison) -> Double = { $0.medianTreatment - $0.medianBaseline }
        let along = usable.filter { diff($0) * direction > 0 }.sorted { abs(diff($0)) > abs(diff($1)) || (abs(diff($0)) == abs(diff($1)) && $0.package < $1.package) }
        let against = usable.filter { diff($0) * direction < 0 }
        let total = along.reduce(0) { $0 + abs(diff($1)) }
        var bars: [Bar] = along.prefix(maxTests).enumerated().map { Bar(rank: String($0.offset + 1), magnitude: abs(diff($0.element)), test: $0.element, otherCount: 0) }
        if along.count > maxTests {
            bars.append(Bar(rank: "other", magnitude: along.dropFirst(maxTests).reduce(0) { $0 + abs(diff($1)) }, test: nil,
                            otherCount: along.count - maxTests))
        }
        let verb = direction > 0 ? "slower" : "faster"
        w.element("div", ["class": "pareto", "id": id, "data-package": pkg.package, "data-treatment": set.treatment,
                          "data-tests": String(usable.count), "data-direction": verb]) { w in
            w.element("h3") { w in
                w.text("\(pkg.package) — \(set.treatment) vs \(set.baseline): ratio \(NumberText.ratio(pkg.ratio)) \(pkg.ratioIntervalText) ")
                ReportDocument.verdict(&w, pkg)
            }
            let againstTotal = against.reduce(0) { $0 + abs(diff($1)) }
            let pkgDiff = pkg.medianTreatment - pkg.medianBaseline
            w.element("p", ["class": "note"], text: "\(usable.count) tests with timings under both conditions; \(along.count) got \(verb) by \(seconds(total)) in total (sum of median differences), \(against.count) moved the other way by \(seconds(againstTotal)). Package median difference: \(pkg.medianBaseline.isFinite && pkg.medianTreatment.isFinite ? seconds(pkgDiff, signed: true) : "N/A").")
            guard !bars.isEmpty, total > 0 else {
                w.element("p", text: "No test got \(verb).")
                return
            }
            chart(&w, bars: bars, total: total, direction: direction, package: pkg.package)
            table(&w, bars: bars, total: total, direction: direction)
        }
    }

    /// The bars, largest first, with the cumulative share on the right axis.
    static func chart(_ w: inout HTMLWriter, bars: [Bar], total: Double, direction: Double, package: String) {
        let diff: (PackageComparison) -> Double = { $0.medianTreatment - $0.medianBaseline }
        let useMS = (bars.map(\.magnitude).max() ?? 0) < 1
        let scale = useMS ? 1000.0 : 1.0
        let unit = useMS ? "ms" : "s"
        let maxV = (bars.map(\.magnitude).max() ?? 1) * scale
        let y = LinearScale(domain: LinearScale.nice(0, maxV, includeZero: true, padding: 0.08), range: (plotBottom, top))
        let yp = LinearScale(domain: (0, 100), range: (plotBottom, top))
        let yTicks = y.ticks(count: 5)
        let step = yTicks.count > 1 ? yTicks[1] - yTicks[0] : maxV
        let slot = (plotRight - plotLeft) / Double(bars.count)
        let barW = min(44, slot * 0.7)
        let height = plotBottom + 52
        SVG.open(&w, width: width, height: height,
                 label: "Pareto chart of per-test median differences for \(package), largest first, with the cumulative share",
                 cssClass: "chart pareto-chart")
        Axis.vertical(&w, ticks: yTicks.map { (y($0), Axis.tickNumber($0, step: step)) }, x: plotLeft, y0: plotBottom, y1: top,
                      side: "left", gridTo: plotRight, label: "median time \(direction > 0 ? "added" : "saved") per test (\(unit))")
        Axis.vertical(&w, ticks: [0, 25, 50, 75, 100].map { (yp($0), "\(Int($0))%") }, x: plotRight, y0: plotBottom, y1: top,
                      side: "right", gridTo: nil, label: "cumulative share")
        let color = direction > 0 ? ReportTheme.OkabeIto.vermillion : ReportTheme.OkabeIto.blue
        var cumulative = 0.0
        var points: [(Double, Double)] = []
        var shares: [Double] = []
        for (i, b) in bars.enumerated() {
            let cx = plotLeft + slot * (Double(i) + 0.5)
            cumulative += b.magnitude
            let share = cumulative / total * 100
            let v = b.magnitude * scale
            let title: String
            if let t = b.test {
                title = "#\(b.rank) \(t.package)\nmedian \(exact(t.medianBaseline)) s → \(exact(t.medianTreatment)) s (Δ \(exact(diff(t))) s)\nratio \(exact(t.ratio)), 95% CI [\(exact(t.ratioLow)), \(exact(t.ratioHigh))], q = \(exact(t.qValue)), \(t.verdictText)\ncumulative \(String(format: "%.1f", share))% of \(seconds(total))"
            } else {
                title = "\(b.otherCount) other tests: \(exact(b.magnitude)) s in total\ncumulative 100% of \(seconds(total))"
            }
            w.open("g", ["class": "pareto-bar", "data-test": b.test?.package, "data-diff-s": ExactNumber.text(b.magnitude * direction),
                         "data-cumulative-pct": ExactNumber.text(share)])
            SVG.rect(&w, x: cx - barW / 2, y: y(v), width: barW, height: plotBottom - y(v), cssClass: b.test == nil ? "bar-other" : "bar",
                     title: title, fill: b.test == nil ? nil : color)
            SVG.text(&w, b.rank, x: cx, y: plotBottom + 15, anchor: "middle", cssClass: "tick-label")
            w.close()
            points.append((cx, yp(share)))
            shares.append(share)
        }
        SVG.polyline(&w, points, cssClass: "cumulative")
        for (i, p) in points.enumerated() {
            w.open("circle", ["cx": SVG.n(p.0), "cy": SVG.n(p.1), "r": "3", "class": "cum-point"])
            w.element("title", text: "cumulative share after #\(bars[i].rank): \(String(format: "%.1f", shares[i]))%")
            w.close()
        }
        SVG.line(&w, plotLeft, plotBottom, plotRight, plotBottom, cssClass: "axis-line")
        SVG.text(&w, "tests ranked by median difference (numbers refer to the table below)", x: (plotLeft + plotRight) / 2,
                 y: plotBottom + 34, anchor: "middle", cssClass: "axis-label")
        w.close()
    }

    /// The tests of the chart, in its order, with their comparisons.
    static func table(_ w: inout HTMLWriter, bars: [Bar], total: Double, direction: Double) {
        let diff: (PackageComparison) -> Double = { $0.medianTreatment - $0.medianBaseline }
        w.element("details", ["open": "open"]) { w in
            w.element("summary", text: "Tests of the chart")
            w.element("table", ["class": "pareto-table"]) { w in
                w.element("thead") { w in
                    w.element("tr") { w in
                        for (h, num) in [("#", true), ("Test", false), ("Baseline", true), ("Treatment", true), ("Δ median", true),
                                         ("Ratio", true), ("95% CI", true), ("q", true), ("Verdict", false), ("Cumulative", true)] {
                            w.element("th", ["class": num ? "num" : nil], text: h)
                        }
                    }
                }
                w.element("tbody") { w in
                    var cum = 0.0
                    for b in bars {
                        cum += b.magnitude
                        w.element("tr") { w in
                            w.element("td", ["class": "num"], text: b.rank)
                            if let t = b.test {
                                w.element("td", ["class": "mono wrap-any"], text: t.package)
                                w.element("td", ["class": "num"], text: NumberText.time(t.medianBaseline))
                                w.element("td", ["class": "num"], text: NumberText.time(t.medianTreatment))
                                w.element("td", ["class": "num"], text: seconds(diff(t), signed: true))
                                w.element("td", ["class": "num"], text: NumberText.ratio(t.ratio))
                                w.element("td", ["class": "num"], text: t.ratioIntervalText)
                                w.element("td", ["class": "num"], text: NumberText.pValue(t.qValue))
                                w.element("td") { w in ReportDocument.verdict(&w, t) }
                            } else {
                                w.element("td", ["colspan": "8"], text: "\(b.otherCount) other tests, \(seconds(b.magnitude * direction, signed: true)) in total")
                            }
                            w.element("td", ["class": "num"], text: String(format: "%.1f%%", cum / total * 100))
                        }
                    }
                }
            }
        }
    }

    static func exact(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "N/A" }

    static func seconds(_ v: Double, signed: Bool = false) -> String {
        guard v.isFinite else { return "N/A" }
        let body = NumberText.time(abs(v))
        return signed ? (v < 0 ? "-" : "+") + body : body
    }
}
