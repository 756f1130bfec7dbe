import LabeilleCore
import LabeilleStats
/// Terminal table: the original's columns (medians, overhead, Welch stars) plus ratio, CI, q and verdict.
public struct ComparisonTableRenderer: ComparisonRenderer {
    public init() {}
    public func render(_ sets: [ComparisonSet], threshold: Double) -> String {
        var out: [String] = []
        for set in sets {
            let title = "\(set.baseline) vs \(set.treatment)"
            out.append(title)
            out.append(String(repeating: "=", count: title.count))
            guard !set.comparisons.isEmpty else { out.append("No comparable packages found."); out.append(""); continue }
            let unit = Metric(rawValue: set.comparisons.first?.metric ?? "wall")?.unit ?? "s"
            let value: (Double) -> String = unit == "instr" ? { NumberText.count($0) } : { NumberText.f($0, 2) }
            var t = TextTable([("Package", .left), ("Baseline (\(unit))", .right), ("Treatment (\(unit))", .right),
                               ("Overhead", .right), ("Ratio", .right), ("95% CI", .right), ("q", .right),
                               ("Sig.", .left), ("Verdict", .left), ("n", .right)])
            for c in set.comparisons.sorted(by: { ($0.ratio.isFinite ? $0.ratio : 0) > ($1.ratio.isFinite ? $1.ratio : 0) }) {
                let n = "\(c.nBaseline)/\(c.nTreatment)" + (c.excludedBaseline + c.excludedTreatment > 0
                    ? " (-\(c.excludedBaseline + c.excludedTreatment))" : "")
                t.add([c.markedPackage.truncatedHead(30), value(c.medianBaseline), value(c.medianTreatment),
                       NumberText.pct(c.overheadPct), NumberText.ratio(c.ratio), c.ratioIntervalText, NumberText.pValue(c.qValue),
                       c.welch.stars, c.verdictText, n])
            }
            out.append(t.render())
            for c in set.comparisons where c.workloadMismatch {
                out.append("⚠ \(c.package): different workloads: \(c.workloadNote ?? "")")
            }
            out.append("")
            let s = set.summary
            out.append("Summary (\(s.packages) packages, metric \(set.comparisons.first?.metric ?? "wall"), δ = \(NumberText.f(threshold * 100, 1))%)")
            out.append("  Geometric mean ratio: \(s.geomeanText)")
            out.append("  Verdicts:             \(s.verdictCountsText)")
            if let m = s.mismatchText { out.append("  Workload mismatch:    \(m)") }
            if s.excludedIterations > 0 {
                out.append("  Excluded iterations:  \(s.excludedIterations) (failed, timed out, errored or OOM; not in any statistic)")
            }
            if let note = CountStatistics.floorNote(set.comparisons) { out.append("  Noise floor:          \(note)") }
            let low = set.comparisons.filter { $0.method.isLowNParametric }.count
            if low > 0 {
                out.append("  Low n:                \(low) package(s) analysed parametrically (3–5 pairs, or under 5 iterations per side)")
            }
            for note in set.analysisNotes { out.append("  " + (note.label + ":").padding(toLength: 22, withPad: " ", startingAt: 0) + note.text) }
            let inconclusive = set.comparisons.filter { $0.verdict == .inconclusive && $0.minimumDetectableEffect.isFinite }
            if !inconclusive.isEmpty {
                let mde = Statistics.median(inconclusive.map(\.minimumDetectableEffect))
                let need = inconclusive.compactMap(\.iterationsNeeded).sorted()
                var line = "  Inconclusive:         median detectable effect at this n \(NumberText.pct(mde * 100))"
                if !need.isEmpty { line += "; ~\(need[need.count / 2]) iterations per condition would call a ±\(NumberText.f(threshold * 200, 1))% change at 80%" }
                out.append(line)
            }
            let env = set.environmentLines
            if !env.isEmpty { out.append(""); out += env }
            out.append("")
        }
        out.append("Ratio = treatment/baseline (Hodges–Lehmann on log-times, or paired by round, or a moderated t when the")
        out.append("exact tests cannot reach significance for this many packages); CI excludes 1 and")
        out.append("q ≤ 0.05 (Benjamini–Hochberg) and |ratio − 1| > δ ⇒ slower/faster (\"!\": whole CI beyond δ);")
        out.append("CI inside ±δ ⇒ equivalent. Sig. = Welch's t-test on raw values, as the original labeille.")
        if sets.contains(where: { $0.comparisons.contains { $0.noiseFloor != nil } }) {
            out.append("Instructions: paired by hash seed (t on log ratios), residual variation never below the floor;")
            out.append("Sig. from that test. Counts leave out IPC, cache misses, I/O and sleeps: read them next to time.")
        }
        return out.joined(separator: "\n")
    }
}
