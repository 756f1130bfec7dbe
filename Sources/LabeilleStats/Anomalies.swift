import Foundation
import LabeilleCore

public enum AnomalyDetector {
    /// What one check found, before it is attached to its package and condition.
    struct Finding {
        var type: String
        var severity: Anomaly.Severity
        var value: Double
        var threshold: Double
        var description: String
        var recommendation: String
    }

    /// Checks one package × condition. `statuses` are the measured iterations' statuses in order,
    /// `wall` the measured ok wall times in order, `outliers` how many of them are flagged.
    /// `load` is the load while this package × condition was measured, when recorded.
    public static func check(package: String, condition: String, statuses: [String], wall: [Double],
                             outliers: Int, load: MeasurementLoad? = nil) -> [Anomaly] {
        guard statuses.count >= 3 else { return [] }
        let findings = [mixedStatuses(statuses), highVariation(wall, load: load), highLoad(load), bimodal(wall),
                        outlierHeavy(outliers: outliers, of: wall.count), trend(wall)]
        return findings.compactMap { $0 }.map {
            Anomaly(package: package, condition: condition, type: $0.type, severity: $0.severity, metricValue: $0.value,
                    threshold: $0.threshold, description: $0.description, recommendation: $0.recommendation)
        }
    }

    static func mixedStatuses(_ statuses: [String]) -> Finding? {
        var counts: [String: Int] = [:]
        for s in statuses { counts[s, default: 0] += 1 }
        guard counts.count > 1 else { return nil }
        let parts = counts.sorted { $0.key < $1.key }.map { "\($0.value) '\($0.key)'" }.joined(separator: ", ")
        return Finding(type: "status_mixed", severity: .error, value: Double(counts.count), threshold: 1,
                       description: "\(statuses.count) iterations have mixed statuses: \(parts).",
                       recommendation: "Intermittent failures; fix or exclude the package (failed iterations are left out of the statistics).")
    }

    /// A coefficient of variation above 10% (warning) or 20% (error); the advice depends on the load measured.
    static func highVariation(_ wall: [Double], load: MeasurementLoad?) -> Finding? {
        guard wall.count >= 2 else { return nil }
        let cv = DescriptiveStats(wall).cv
        guard !cv.isNaN, cv > 0.10 else { return nil }
        let thr = cv > 0.20 ? 0.20 : 0.10
        let advice = if let load, load.isHigh {
            "The machine was loaded (median load \(NumberText.f(load.median, 2)) on \(load.logicalCPUs) logical CPUs): measure again on an idle machine before looking elsewhere; then investigate non-determinism (network, random seeds, disk I/O)."
        } else {
            "Investigate non-determinism (network, random seeds, disk I/O); consider --test-command-suffix \"-p no:randomly\" or pinning seeds."
        }
        return Finding(type: "high_cv", severity: cv > 0.20 ? .error : .warning, value: cv, threshold: thr,
                       description: String(format: "Wall time CV is %.1f%% (threshold: %.0f%%).", cv * 100, thr * 100),
                       recommendation: advice)
    }

    static func highLoad(_ load: MeasurementLoad?) -> Finding? {
        guard let load, load.isHigh else { return nil }
        return Finding(type: "high_load", severity: .warning, value: load.median, threshold: Double(load.logicalCPUs),
                       description: "Measured at median load \(NumberText.f(load.median, 2)) (max \(NumberText.f(load.maximum, 2))) on \(load.logicalCPUs) logical CPUs: the tests waited for a CPU.",
                       recommendation: "Stop other work on the machine (or use --check-stability / --wait-for-stability) and measure again.")
    }

    static func bimodal(_ wall: [Double]) -> Finding? {
        guard isBimodal(wall) else { return nil }
        return Finding(type: "bimodal", severity: .warning, value: 0, threshold: 1.5,
                       description: "Wall times appear bimodal (two distinct clusters).",
                       recommendation: "Look for tests that sometimes hit a slow path (caching, network, GC); increase iterations.")
    }

    static func outlierHeavy(outliers: Int, of count: Int) -> Finding? {
        guard count > 0 else { return nil }
        let frac = Double(outliers) / Double(count)
        guard frac > 0.20 else { return nil }
        return Finding(type: "outlier_heavy", severity: .info, value: frac, threshold: 0.20,
                       description: String(format: "%.0f%% of iterations flagged as outliers (threshold: 20%%).", frac * 100),
                       recommendation: "Check for background load during the run; consider --check-stability.")
    }

    /// A monotonic trend over the iterations (|Spearman ρ| ≥ 0.7): growing state when rising, warm-up when falling.
    static func trend(_ wall: [Double]) -> Finding? {
        guard wall.count >= 5, Set(wall).count > 1 else { return nil }
        let rho = Inference.spearmanTrend(wall)
        guard !rho.isNaN && abs(rho) >= 0.7 else { return nil }
        if rho > 0 {
            return Finding(type: "trend", severity: .warning, value: rho, threshold: 0.7,
                           description: String(format: "Wall times show increasing trend (ρ=%.2f), suggesting memory leak or growing state.", rho),
                           recommendation: "Check for state that grows across iterations (caches, temp files); clean the worktree between iterations.")
        }
        return Finding(type: "trend", severity: .info, value: rho, threshold: 0.7,
                       description: String(format: "Wall times show decreasing trend (ρ=%.2f), suggesting warmup effects not captured by warmup iterations.", rho),
                       recommendation: "Increase --warmup.")
    }

    /// Iterations of one condition that ran different tests, and a condition that ran different tests
    /// than the baseline condition of the run.
    package static func workloadAnomalies(package: String, condition: String, workloads: [String: ConditionWorkload],
                                  baseline: String?) -> [Anomaly] {
        var out: [Anomaly] = []
        guard let w = workloads[condition] else { return out }
        if w.changedWithin {
            out.append(Anomaly(package: package, condition: condition, type: "workload_changed", severity: .error,
                               metricValue: Double(w.variants.count), threshold: 1,
                               description: "Iterations ran different tests: \(w.variantsText).",
                               recommendation: "Something changed the tree or environment between iterations (files the tests or the install delete or create); its times mix different workloads."))
        }
        if let baseline, baseline != condition, let b = workloads[baseline], let tb = b.typical, let tw = w.typical,
           !tb.signature.matches(tw.signature) {
            out.append(Anomaly(package: package, condition: condition, type: "workload_mismatch", severity: .error,
                               metricValue: Double(tw.signature.ran), threshold: Double(tb.signature.ran),
                               description: "Ran different tests than '\(baseline)': \(tw.signature.text) vs \(tb.signature.text).",
                               recommendation: "The conditions measure different workloads, so their times are not comparable; this package is left out of the geometric mean (compare --include-mismatched keeps it)."))
        }
        return out
    }

    /// Gap heuristic of the original: a gap well above the median gap splitting the sorted values into two
    /// groups of at least 2. Weak at small n: it calls ordinary 5-point noise such as [6.0, 8.5, 7.0, 8.0, 6.5]
    /// bimodal.
    public static func isBimodal(_ values: [Double], gapFactor: Double = 1.5) -> Bool {
        guard values.count >= 4 else { return false }
        let s = values.sorted()
        let gaps = (0..<(s.count - 1)).map { s[$0 + 1] - s[$0] }
        let medianGap = Statistics.median(gaps)
        let ref = medianGap > 0 ? medianGap : Statistics.mean(gaps)
        guard ref > 0 else { return false }
        let threshold = gapFactor * ref
        let minGap = 0.10 * abs(Statistics.mean(values))
        for (i, g) in gaps.enumerated() where g > threshold && g >= minGap && i + 1 >= 2 && s.count - i - 1 >= 2 {
            return true
        }
        return false
    }

}
