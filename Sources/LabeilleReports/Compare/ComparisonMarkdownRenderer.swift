import LabeilleCore
import LabeilleStats
/// GitHub-flavoured markdown, for issues and PR comments.
public struct ComparisonMarkdownRenderer: ComparisonRenderer {
    public init() {}
    public func render(_ sets: [ComparisonSet], threshold: Double) -> String {
        var out: [String] = []
        for set in sets {
            out.append("## \(set.baseline) vs \(set.treatment)")
            out.append("")
            let s = set.summary
            out.append("- **Geometric mean ratio:** \(s.geomeanText)")
            out.append("- **Verdicts:** \(s.verdictCountsText) (δ = \(NumberText.f(threshold * 100, 1))%)")
            if s.excludedIterations > 0 { out.append("- **Excluded iterations (not ok):** \(s.excludedIterations)") }
            if let note = CountStatistics.floorNote(set.comparisons) { out.append("- **Noise floor:** \(note)") }
            if let m = s.mismatchText { out.append("- **Workload mismatch:** \(m)") }
            for line in set.environmentLines { out.append("- " + line.trimmingCharacters(in: .whitespaces)) }
            out.append("")
            out.append("| Package | Baseline | Treatment | Overhead | Ratio | 95% CI | q | Sig. | Verdict |")
            out.append("|---|---:|---:|---:|---:|---|---:|---|---|")
            for c in set.comparisons.sorted(by: { ($0.ratio.isFinite ? $0.ratio : 0) > ($1.ratio.isFinite ? $1.ratio : 0) }) {
                let name = c.markedPackage.replacingOccurrences(of: "|", with: "\\|")
                out.append("| \(name) | \(NumberText.f(c.medianBaseline, 2)) | \(NumberText.f(c.medianTreatment, 2)) | \(NumberText.pct(c.overheadPct)) | \(NumberText.ratio(c.ratio)) | \(c.ratioIntervalText) | \(NumberText.pValue(c.qValue)) | \(c.welch.stars) | \(c.verdictText) |")
            }
            for c in set.comparisons where c.workloadMismatch {
                out.append("")
                out.append("⚠ **\(c.package.replacingOccurrences(of: "|", with: "\\|"))**: different workloads: \(c.workloadNote ?? "")")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
