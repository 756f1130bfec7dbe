import Foundation
import LabeilleCore
import LabeilleStats

public struct RunReportOptions: Sendable {
    /// Baseline condition (one run) or bench id (several runs), as `bench compare --baseline`.
    public var baseline: String?
    /// wall, cpu or rss (also user, sys).
    public var metric: String
    /// Practical threshold δ as a fraction.
    public var threshold: Double
    /// How many of the most affected packages get a per-test Pareto chart (per comparison).
    public var paretoPackages: Int
    /// How many tests each Pareto chart shows before grouping the rest.
    public var paretoTests: Int
    /// At most this many per-package iteration plots (the most affected first).
    public var maxIterationPlots: Int
    /// Shown in the footer; nil for none (reproducible output).
    public var generatedAt: String?
    /// Keep packages whose sides ran different workloads in the geometric mean.
    public var includeMismatched = false

    public init(baseline: String? = nil, metric: String = "wall", threshold: Double = 0.01, paretoPackages: Int = 5,
                paretoTests: Int = 15, maxIterationPlots: Int = 300, generatedAt: String? = nil) {
        self.baseline = baseline; self.metric = metric; self.threshold = threshold; self.paretoPackages = paretoPackages
        self.paretoTests = paretoTests; self.maxIterationPlots = maxIterationPlots; self.generatedAt = generatedAt
    }
}

/// `bench report RUN [RUN…]`: one self-contained HTML page for one run (its conditions against the
/// baseline) or several runs (against the first), built on the same `ComparisonSet`s as `bench compare`.
///
/// Sections (element ids): `summary`, `environment`, `suite`, `forest`, `comparisons`, `iterations`,
/// `anomalies`, `pareto`, `method`. Every package row carries its numbers in data- attributes
/// (`data-package`, `data-treatment`, `data-ratio`, `data-ci-low`, `data-ci-high`, `data-q`, `data-verdict`).
public struct RunReport {
    /// One compared series: a condition of a run.
    public struct SeriesKey: Hashable, Sendable {
        public var benchID: String
        public var condition: String

        public init(benchID: String, condition: String) {
            self.benchID = benchID; self.condition = condition
        }
    }

    /// The per-test breakdown of one package of one comparison.
    public struct ParetoData: Sendable {
        public var setIndex: Int
        public var package: PackageComparison
        public var tests: [PackageComparison]

        public init(setIndex: Int, package: PackageComparison, tests: [PackageComparison]) {
            self.setIndex = setIndex; self.package = package; self.tests = tests
        }
    }

    public let runs: [StoredRun]
    public let options: RunReportOptions
    /// Exactly what `bench compare` computes for these runs and options.
    public let sets: [ComparisonSet]
    /// Why there is no comparison (one run with one condition), when so.
    public let comparisonNote: String?
    /// The label of each compared series (condition name for one run, `bench_id/condition` for several).
    public let labels: [(label: String, key: SeriesKey)]
    public let anomalies: [(benchID: String, anomaly: Anomaly)]
    public let paretos: [ParetoData]
    /// The measured values and the `bench show` statistics of each series, per package.
    let values: [SeriesKey: [String: MeasuredSeries]]
    let stats: [SeriesKey: [String: ConditionStatRow]]
    let packageOrder: [String]
    /// Where sharded or merged runs were measured (empty for runs of one machine).
    let machineNotes: [ShardMachinesNote]

    public init(
        runs: [StoredRun],
        options: RunReportOptions,
        sets: [ComparisonSet],
        comparisonNote: String?,
        labels: [(label: String, key: SeriesKey)],
        anomalies: [(benchID: String, anomaly: Anomaly)],
        paretos: [ParetoData],
        values: [SeriesKey: [String: MeasuredSeries]],
        stats: [SeriesKey: [String: ConditionStatRow]],
        packageOrder: [String],
        machineNotes: [ShardMachinesNote]
    ) {
        self.runs = runs
        self.options = options
        self.sets = sets
        self.comparisonNote = comparisonNote
        self.labels = labels
        self.anomalies = anomalies
        self.paretos = paretos
        self.values = values
        self.stats = stats
        self.packageOrder = packageOrder
        self.machineNotes = machineNotes
    }

    /// The order of `bench compare`'s table: largest ratio first, undefined ratios last.
    package static func sortedByEffect(_ comps: [PackageComparison]) -> [PackageComparison] {
        comps.sorted { ($0.ratio.isFinite ? $0.ratio : 0) > ($1.ratio.isFinite ? $1.ratio : 0) }
    }

    /// Slower packages first (largest ratio first), then the others by the size of their change.
    package static func mostAffected(_ comps: [PackageComparison]) -> [PackageComparison] {
        let finite = comps.filter { $0.ratio.isFinite && $0.ratio > 0 }
        let slower = finite.filter { $0.ratio > 1 }.sorted { $0.ratio > $1.ratio }
        let rest = finite.filter { $0.ratio <= 1 }.sorted { abs(log($0.ratio)) > abs(log($1.ratio)) }
        return slower + rest
    }


    public var title: String {
        runs.count == 1 ? "Benchmark report: \(runs[0].title)" : "Benchmark report: \(runs.map(\.benchID).joined(separator: " vs "))"
    }

    // MARK: Rendering

    public func render() -> String {
        var w = HTMLWriter(capacity: 64 * 1024 + packageOrder.count * 8 * 1024)
        ReportDocument.begin(&w, title: title)
        w.element("header", ["id": "summary"]) { w in
            w.element("h1", text: title)
            renderSubtitle(&w)
        }
        var toc: [(String, String)] = [("environment", "Environment"), ("suite", "Suite summary"), ("forest", "Forest plot"),
                                       ("comparisons", "Per-package numbers"), ("iterations", "Iterations"),
                                       ("anomalies", "Anomalies")]
        if runs.count == 1 { toc.append(("pareto", "Per-test Pareto")) }
        toc.append(("method", "Method"))
        ReportDocument.toc(&w, toc.map { (id: $0.0, title: $0.1) })

        ReportDocument.section(&w, id: "environment", title: "Environment") { w in
            EnvironmentSummary.render(&w, report: self)
            ShardMachinesSection.render(&w, machineNotes)
        }
        ReportDocument.section(&w, id: "suite", title: "Suite summary") { w in renderSuite(&w) }
        ReportDocument.section(&w, id: "forest", title: "Per-package ratios (forest plot)") { w in
            if sets.isEmpty { w.element("p", ["class": "note"], text: comparisonNote ?? "No comparison.") }
            ForestPlot.legend(&w, threshold: options.threshold)
            for (i, set) in sets.enumerated() {
                if sets.count > 1 { w.element("h3", text: "\(set.treatment) vs \(set.baseline)") }
                ForestPlot.render(&w, set: set, threshold: options.threshold, id: "forest-\(i + 1)")
            }
        }
        ReportDocument.section(&w, id: "comparisons", title: "Per-package numbers") { w in renderComparisonTables(&w) }
        ReportDocument.section(&w, id: "iterations", title: "Iterations per package") { w in renderIterations(&w) }
        ReportDocument.section(&w, id: "anomalies", title: "Anomalies") { w in AnomalyTable.render(&w, report: self) }
        if runs.count == 1 {
            ReportDocument.section(&w, id: "pareto", title: "Which tests explain the change (per-test Pareto)") { w in
                ParetoChart.renderAll(&w, report: self)
            }
        }
        ReportDocument.section(&w, id: "method", title: "Method") { w in renderMethod(&w) }
        ReportDocument.end(&w, generatedAt: options.generatedAt)
        return w.finish()
    }

    private func renderSubtitle(_ w: inout HTMLWriter) {
        let metric = ReportDocument.metricLabel(options.metric)
        var parts: [String] = []
        if runs.count == 1 {
            let r = runs[0]
            parts.append("Bench id \(r.benchID)")
            if !r.description.isEmpty { parts.append(r.description) }
            parts.append("\(r.conditions.count) condition\(r.conditions.count == 1 ? "" : "s")")
        } else {
            parts.append("\(runs.count) runs compared with \(sets.first.map { $0.baseline.split(separator: "/").first.map(String.init) ?? "" } ?? runs[0].benchID)")
        }
        parts.append("metric: \(metric.name)")
        parts.append("δ = \(NumberText.f(options.threshold * 100, 1))%")
        w.element("p", ["class": "subtitle", "data-metric": options.metric, "data-threshold": ExactNumber.text(options.threshold)],
                  text: parts.joined(separator: " · "))
        if let first = sets.first {
            let s = first.summary
            w.element("p") { w in
                w.element("strong", text: "\(first.treatment) vs \(first.baseline): ")
                w.text("geometric mean ratio \(s.geomeanText); \(s.verdictCountsText).")
                if sets.count > 1 { w.text(" \(sets.count - 1) more comparison\(sets.count == 2 ? "" : "s") below.") }
            }
        }
    }

    private func renderSuite(_ w: inout HTMLWriter) {
        guard !sets.isEmpty else {
            w.element("p", ["class": "note"], text: comparisonNote ?? "No comparison.")
            return
        }
        w.element("div", ["class": "cards"]) { w in
            for (i, set) in sets.enumerated() {
                let s = set.summary
                w.element("div", ["class": "card suite-summary", "id": "suite-\(i + 1)", "data-baseline": set.baseline,
                                  "data-treatment": set.treatment, "data-packages": String(s.packages),
                                  "data-geomean": ExactNumber.text(s.geomeanRatio), "data-geomean-low": ExactNumber.text(s.geomeanLow),
                                  "data-geomean-high": ExactNumber.text(s.geomeanHigh),
                                  "data-slower": String(s.counts[.slower] ?? 0), "data-faster": String(s.counts[.faster] ?? 0),
                                  "data-equivalent": String(s.counts[.equivalent] ?? 0),
                                  "data-inconclusive": String(s.counts[.inconclusive] ?? 0),
                                  "data-unresolved": String(s.counts[.unresolved] ?? 0),
                                  "data-mismatched-excluded": String(s.mismatchedExcluded)]) { w in
                    w.element("div", ["class": "muted"], text: "\(set.treatment) vs \(set.baseline) (\(s.packages) packages)")
                    w.element("div", ["class": "big"], text: s.geomeanRatio.isFinite
                        ? "\(NumberText.ratio(s.geomeanRatio))× (\(NumberText.pct((s.geomeanRatio - 1) * 100)))" : "N/A")
                    w.element("div", text: s.geomeanLow.isFinite
                        ? "geometric mean of the ratios, 95% CI [\(NumberText.ratio(s.geomeanLow)), \(NumberText.ratio(s.geomeanHigh))]"
                        : "geometric mean of the ratios (no interval)")
                    w.element("div") { w in
                        for (j, v) in Verdict.allCases.filter({ $0 != .unresolved || (s.counts[$0] ?? 0) > 0 }).enumerated() {
                            if j > 0 { w.text(", ") }
                            let st = ReportTheme.style(v)
                            w.element("span", ["class": "verdict verdict-\(v.rawValue)"], text: "\(st.symbol) \(s.counts[v] ?? 0) \(v.rawValue)")
                        }
                    }
                    if s.excludedIterations > 0 {
                        w.element("div", ["class": "note"], text: "\(s.excludedIterations) iterations excluded (failed, timed out, errored or OOM; in no statistic)")
                    }
                    if let m = s.mismatchText {
                        w.element("div", ["class": "note workload-mismatch"], text: m + ": "
                            + set.comparisons.filter(\.workloadMismatch).map(\.package).joined(separator: ", "))
                    }
                    for line in set.environmentLines where line.hasPrefix("⚠") {
                        w.element("div", ["class": "note high-load"], text: line)
                    }
                    let low = set.comparisons.filter { $0.method.isLowNParametric }.count
                    if low > 0 {
                        w.element("div", ["class": "note"], text: "Low n: \(low) package(s) analysed parametrically (3–5 pairs, or under 5 iterations per side)")
                    }
                    for note in set.analysisNotes { w.element("div", ["class": "note"], text: "\(note.label): \(note.text)") }
                    let inconclusive = set.comparisons.filter { $0.verdict == .inconclusive && $0.minimumDetectableEffect.isFinite }
                    if !inconclusive.isEmpty {
                        let mde = Statistics.median(inconclusive.map(\.minimumDetectableEffect))
                        let need = inconclusive.compactMap(\.iterationsNeeded).sorted()
                        var line = "Inconclusive: median detectable effect at this n \(NumberText.pct(mde * 100))"
                        if !need.isEmpty { line += "; ~\(need[need.count / 2]) iterations per condition would call a ±\(NumberText.f(options.threshold * 200, 1))% change at 80%" }
                        w.element("div", ["class": "note"], text: line)
                    }
                }
            }
        }
    }

    private func renderComparisonTables(_ w: inout HTMLWriter) {
        guard !sets.isEmpty else {
            w.element("p", ["class": "note"], text: comparisonNote ?? "No comparison.")
            return
        }
        w.element("p", ["class": "note"]) { w in
            w.text("The numbers of ")
            w.element("code", text: "labeille bench compare")
            w.text(" (the same computation), largest ratio first. Overhead: relative difference of the medians; Ratio: treatment/baseline estimate with its 95% interval (as percentages); q: Benjamini–Hochberg; Sig.: Welch's t-test on raw values, as the original labeille; n: valid iterations per side (excluded ones in brackets).")
        }
        let unit = ReportDocument.metricLabel(options.metric).unit
        for (i, set) in sets.enumerated() {
            if sets.count > 1 { w.element("h3", text: "\(set.treatment) vs \(set.baseline)") }
            guard !set.comparisons.isEmpty else { w.element("p", text: "No comparable packages found."); continue }
            w.element("table", ["class": "comparison-table", "id": "comparison-\(i + 1)"]) { w in
                w.element("thead") { w in
                    w.element("tr") { w in
                        for (h, num) in [("Package", false), ("Baseline (\(unit))", true), ("Treatment (\(unit))", true),
                                         ("Overhead", true), ("Ratio", true), ("95% CI", true), ("q", true), ("Sig.", false),
                                         ("Verdict", false), ("n", true), ("Method", false)] {
                            w.element("th", ["class": num ? "num" : nil], text: h)
                        }
                    }
                }
                w.element("tbody") { w in
                    for c in Self.sortedByEffect(set.comparisons) {
                        let n = "\(c.nBaseline)/\(c.nTreatment)" + (c.excludedBaseline + c.excludedTreatment > 0
                            ? " (-\(c.excludedBaseline + c.excludedTreatment))" : "")
                        w.element("tr", Self.dataAttributes(c, cssClass: "comparison-row")) { w in
                            w.element("td", ["class": "wrap"], text: c.package)
                            w.element("td", ["class": "num"], text: NumberText.f(c.medianBaseline, 2))
                            w.element("td", ["class": "num"], text: NumberText.f(c.medianTreatment, 2))
                            w.element("td", ["class": "num"], text: NumberText.pct(c.overheadPct))
                            w.element("td", ["class": "num ratio"], text: NumberText.ratio(c.ratio))
                            w.element("td", ["class": "num ci"], text: c.ratioIntervalText)
                            w.element("td", ["class": "num q"], text: NumberText.pValue(c.qValue))
                            w.element("td", text: c.welch.stars)
                            w.element("td") { w in ReportDocument.verdict(&w, c) }
                            w.element("td", ["class": "num"], text: n)
                            w.element("td", ["class": "muted"], text: c.method.rawValue)
                        }
                    }
                }
            }
        }
    }

    /// The data- attributes that carry a comparison's exact numbers.
    static func dataAttributes(_ c: PackageComparison, cssClass: String) -> HTMLWriter.Attributes {
        ["class": cssClass, "data-package": c.package, "data-baseline": c.baseline, "data-treatment": c.treatment,
         "data-ratio": ExactNumber.text(c.ratio), "data-ci-low": ExactNumber.text(c.ratioLow), "data-ci-high": ExactNumber.text(c.ratioHigh),
         "data-q": ExactNumber.text(c.qValue), "data-verdict": c.verdict.rawValue, "data-overhead-pct": ExactNumber.text(c.overheadPct)]
    }

    private func renderIterations(_ w: inout HTMLWriter) {
        let metric = ReportDocument.metricLabel(options.metric)
        w.element("p", ["class": "note"], text: "Every measured iteration whose status is ok (dots, one per iteration in run order; hover for the value), with the box from the first to the third quartile, the median (thick line) and the range, per \(runs.count == 1 ? "condition" : "run and condition"). Metric: \(metric.axis). Packages in the order of the forest plot.")
        // Series in the order of the comparisons: baseline first.
        var keys: [(String, SeriesKey)] = []
        var used = Set<String>()
        let labelMap = Dictionary(labels.map { ($0.label, $0.key) }, uniquingKeysWith: { a, _ in a })
        for set in sets {
            for l in [set.baseline, set.treatment] where used.insert(l).inserted {
                if let k = labelMap[l] { keys.append((l, k)) }
            }
        }
        if keys.isEmpty { keys = labels.map { ($0.label, $0.key) } }
        var byPackage: [String: [(set: ComparisonSet, c: PackageComparison)]] = [:]
        for set in sets { for c in set.comparisons { byPackage[c.package, default: []].append((set, c)) } }
        let shown = packageOrder.prefix(options.maxIterationPlots)
        if shown.count < packageOrder.count {
            w.element("p", ["class": "note"], text: "Showing the \(shown.count) most affected of \(packageOrder.count) packages.")
        }
        w.element("div", ["class": "grid-plots"]) { w in
            for (i, pkg) in shown.enumerated() {
                let series: [IterationPlot.Series] = keys.enumerated().compactMap { j, kv in
                    let (label, key) = kv
                    guard let m = values[key]?[pkg] else { return nil }
                    return IterationPlot.Series(label: label, values: m.values, excluded: m.excluded, stats: stats[key]?[pkg],
                                                colorIndex: j % ReportTheme.OkabeIto.series.count)
                }
                IterationPlot.render(&w, package: pkg, series: series, comparisons: (byPackage[pkg] ?? []).map(\.c),
                                     showTreatmentName: sets.count > 1, metric: options.metric, id: "iter-\(i + 1)")
            }
        }
    }

    private func renderMethod(_ w: inout HTMLWriter) {
        let items = [
            "Only iterations whose status is ok count; failed, timed-out, errored and OOM iterations are excluded from every statistic and counted.",
            "Ratio = treatment/baseline on log-times: Hodges–Lehmann shift with the exact Moses interval (unpaired, n ≥ 5), Hodges–Lehmann of paired log-ratios with the exact signed-rank interval (≥ 6 rounds), paired t (3–5 pairs) or Welch on log-times (low n).",
            "Verdicts with δ = \(NumberText.f(options.threshold * 100, 1))%: slower/faster when the 95% interval excludes 1, q ≤ 0.05 (Benjamini–Hochberg across the packages of one comparison) and the estimate is beyond ±δ (\"!\": the whole interval is beyond δ); equivalent when the interval lies inside ±δ; inconclusive otherwise.",
            "Suite summary: geometric mean of the per-package ratios with a 95% t-interval over packages.",
            "Forest plot: log scale, so ×2 and ×½ are equally far from 1; the grey band is ±δ; intervals beyond the axis end in an arrow.",
            "Pareto charts: per-test medians of the call phase, compared with the same machinery (q-values across the tests of the package); bars are the differences of the medians, largest first, the line their cumulative share.",
        ]
        w.element("ul") { w in for t in items { w.element("li", text: t) } }
    }
}
