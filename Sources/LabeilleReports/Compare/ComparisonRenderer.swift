import LabeilleCore
import LabeilleStats
/// One output format of `bench compare` (table, markdown, json): each lives in its own file.
public protocol ComparisonRenderer {
    func render(_ sets: [ComparisonSet], threshold: Double) -> String
}

public enum ComparisonFormat: String, CaseIterable, Sendable {
    case table, markdown, json

    public var renderer: ComparisonRenderer {
        switch self {
        case .table: return ComparisonTableRenderer()
        case .markdown: return ComparisonMarkdownRenderer()
        case .json: return ComparisonJSONRenderer()
        }
    }
}

extension PackageComparison {
    /// The interval as a signed percentage range, e.g. "[+1.2%, +3.4%]".
    package var ratioIntervalText: String {
        guard ratioLow.isFinite, ratioHigh.isFinite else { return "[N/A]" }
        return "[\(NumberText.pct((ratioLow - 1) * 100)), \(NumberText.pct((ratioHigh - 1) * 100))]"
    }
    package var verdictText: String { verdict.rawValue + (confirmed ? "!" : "") }
    /// The package name, marked when the two sides ran different workloads.
    var markedPackage: String { workloadMismatch ? "⚠ " + package : package }
}

extension ComparisonSet {
    /// Lines about the environment of a cross-run comparison and the load of the runs.
    var environmentLines: [String] {
        var out: [String] = []
        if let runs = environmentRuns {
            let differing = Set(environmentDifferences.map(\.item))
            let same = EnvironmentRows.keyItems.filter { !differing.contains($0) }
            if !same.isEmpty { out.append("Environment: same \(same.joined(separator: ", ")) in \(runs.baseline) and \(runs.other).") }
            if environmentDifferences.isEmpty { out.append("No other difference in system, settings or interpreter.") }
            for d in environmentDifferences { out.append("  \(d.item): \(runs.baseline) \(d.baseline); \(runs.other) \(d.value)") }
        }
        for (id, l) in measurementLoads where l.isHigh { out.append("⚠ " + l.warning(run: id)) }
        return out
    }
}

extension ComparisonSummary {
    package var verdictCountsText: String {
        Verdict.allCases.filter { $0 != .unresolved || (counts[$0] ?? 0) > 0 }
            .map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
    }
    /// The sentence about packages left out of the geometric mean (nil when there are none).
    var mismatchText: String? {
        guard mismatchedPackages > 0 else { return nil }
        return geomeanIncludesMismatched
            ? "\(mismatchedPackages) package(s) ran different workloads (⚠); included in the geometric mean (--include-mismatched)"
            : "\(mismatchedPackages) package(s) ran different workloads (⚠); left out of the geometric mean (--include-mismatched keeps them)"
    }
    package var geomeanText: String {
        guard geomeanRatio.isFinite else { return "N/A" }
        return "\(NumberText.ratio(geomeanRatio)) (\(NumberText.pct((geomeanRatio - 1) * 100)))"
            + (geomeanLow.isFinite ? ", 95% CI [\(NumberText.ratio(geomeanLow)), \(NumberText.ratio(geomeanHigh))]" : "")
    }
}

extension ComparisonSet {
    /// The suite's drifts that block-ordered packages borrowed (see `SuiteDrift`), nil when none were estimated.
    var suiteDrift: SuiteDrift.Estimate? { comparisons.lazy.compactMap(\.suiteDrift).first }

    /// Notes on the time structure and noise behind the intervals (block order and drift, run-to-run noise)
    /// and which methods decided, as (label, text) for every output format.
    var analysisNotes: [(label: String, text: String)] {
        var out: [(String, String)] = []
        let block = comparisons.filter { $0.order == .block }
        if !block.isEmpty {
            let downgraded = block.filter { $0.inconclusiveReason != nil && !$0.withheldForClusteredNoise }.count
            var text = "\(block.count) package(s) ran one condition after the other; drift estimated from the"
                + " time order and removed (\(downgraded) inconclusive: drift confounded with the order); iterations needed"
                + " are for a rerun in alternating order"
            if let drift = suiteDrift {
                text += "; each package's drift predicted from the suite's (mean \(NumberText.pct(drift.mean * 100, digits: 3)),"
                    + " spread \(NumberText.f(drift.spread * 100, 3))% per iteration; \(drift.outOfLine) out of line kept their own)"
            }
            out.append(("Block order", text))
        }
        if let noise = comparisons.first(where: { $0.runNoise != nil })?.runNoise {
            switch noise.source {
            case .control:
                out.append(("Run-to-run noise", "ratios relative to control condition '\(noise.detail)' (same interpreter in both runs)"))
            case .history:
                out.append(("Run-to-run noise", "from tracking series '\(noise.detail)' (typical \(NumberText.f(noise.size * 100, 2))% per run), in every interval"))
            case .floor:
                out.append(("Run-to-run noise", "assumed \(NumberText.f(noise.size * 100, 2))% per run (no control condition or series history;"
                            + " --run-noise), in every interval"))
            }
        }
        let unpaired = comparisons.filter { $0.order == .pairedAnalysedUnpaired }.count
        if unpaired > 0 {
            out.append(("Pairing", "\(unpaired) package(s) ran in paired rounds whose two values barely co-vary (rank correlation"
                        + " < 0.3: each package's own at 6 or more pairs, pooled over the packages at 3–5 pairs): analysed unpaired,"
                        + " which keeps the degrees of freedom"))
        }
        if let shift = runLevelShift { out.append(("Run-level shift", shift.note)) }
        let withheld = comparisons.filter(\.withheldForClusteredNoise).count
        let adjusted = comparisons.filter { $0.method == .clusterAdjustedT }.count
        if withheld > 0 || adjusted > 0 {
            out.append(("Clustered noise", "the values fall into separate clusters across the packages, and at 5 or fewer iterations"
                        + " per side the t test's tail is not controlled: \(withheld) slower/faster call(s) withheld; \(adjusted)"
                        + " package(s) whose two samples each show both clusters decided by \(ComparisonMethod.clusterAdjustedT.rawValue):"
                        + " \(ComparisonMethod.clusterAdjustedT.label)"))
        }
        if let kurtosis = comparisons.first?.tailKurtosis, kurtosis > 0 {
            out.append(("Tail weight", "the packages' two sample variances differ far more often than normal noise allows (as with"
                        + " excess kurtosis \(NumberText.f(kurtosis, 1))): detectable effects and iterations needed allow for it"))
        }
        let robust = comparisons.filter { $0.method == .tailRobustShift }.count
        if robust > 0 {
            out.append(("Right-tailed noise", "the samples lean right (midrange above median) far more often than symmetric noise allows;"
                        + " \(robust) package(s) decided by \(ComparisonMethod.tailRobustShift.rawValue): \(ComparisonMethod.tailRobustShift.label)"))
        }
        var methods: [String: Int] = [:]
        for c in comparisons where c.method != .insufficient { methods[c.method.rawValue, default: 0] += 1 }
        if !methods.isEmpty {
            out.append(("Decided by", methods.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        }
        return out
    }
}

extension RunLevelShift {
    /// The common shift of the suite between the two runs, said once, and what it meant for the packages' calls.
    var note: String {
        let size = "the \(packages) packages' common shift (median) is \(NumberText.pct((ratio - 1) * 100)) (95% CI \(NumberText.pct((low - 1) * 100))"
            + " to \(NumberText.pct((high - 1) * 100)), p = \(NumberText.f(p, 3)) against \(NumberText.f(runNoise * 100, 2))% run-to-run noise per run)"
        if significant { return size + "; beyond run-to-run noise: a run-level change, packages moving with it are called" }
        return size + "; within run-to-run noise at the 1% level kept for this test: only packages standing out from it are called"
            + (withheldCalls > 0 ? " (\(withheldCalls) call(s) withheld)" : "")
    }
}
