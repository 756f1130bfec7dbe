import Foundation
import LabeilleCore

public enum AnomalyDetector {
    /// Checks one package × condition. `statuses` are the measured iterations' statuses in order,
    /// `wall` the measured ok wall times in order, `outliers` how many of them are flagged.
    /// `load` is the load while this package × condition was measured, when recorded.
    public static func check(package: String, condition: String, statuses: [String], wall: [Double],
                             outliers: Int, load: MeasurementLoad? = nil) -> [Anomaly] {
        guard statuses.count >= 3 else { return [] }
        var out: [Anomaly] = []
        func add(_ type: String, _ sev: Anomaly.Severity, _ value: Double, _ thr: Double, _ desc: String, _ rec: String) {
            out.append(Anomaly(package: package, condition: condition, type: type, severity: sev, metricValue: value,
                               threshold: thr, description: desc, recommendation: rec))
        }
        var counts: [String: Int] = [:]
        for s in statuses { counts[s, default: 0] += 1 }
        if counts.count > 1 {
            let parts = counts.keys.sorted().map { "\(counts[$0]!) '\($0)'" }.joined(separator: ", ")
            add("status_mixed", .error, Double(counts.count), 1,
                "\(statuses.count) iterations have mixed statuses: \(parts).",
                "Intermittent failures; fix or exclude the package (failed iterations are left out of the statistics).")
        }
        let stats = DescriptiveStats(wall)
        if wall.count >= 2, !stats.cv.isNaN {
            let cv = stats.cv
            if cv > 0.20 || cv > 0.10 {
                let thr = cv > 0.20 ? 0.20 : 0.10
                let advice = load?.isHigh == true
                    ? "The machine was loaded (median load \(Fmt.f(load!.median, 2)) on \(load!.logicalCPUs) logical CPUs): measure again on an idle machine before looking elsewhere; then investigate non-determinism (network, random seeds, disk I/O)."
                    : "Investigate non-determinism (network, random seeds, disk I/O); consider --test-command-suffix \"-p no:randomly\" or pinning seeds."
                add("high_cv", cv > 0.20 ? .error : .warning, cv, thr,
                    String(format: "Wall time CV is %.1f%% (threshold: %.0f%%).", cv * 100, thr * 100), advice)
            }
        }
        if let load, load.isHigh {
            add("high_load", .warning, load.median, Double(load.logicalCPUs),
                "Measured at median load \(Fmt.f(load.median, 2)) (max \(Fmt.f(load.maximum, 2))) on \(load.logicalCPUs) logical CPUs: the tests waited for a CPU.",
                "Stop other work on the machine (or use --check-stability / --wait-for-stability) and measure again.")
        }
        if isBimodal(wall) {
            add("bimodal", .warning, 0, 1.5, "Wall times appear bimodal (two distinct clusters).",
                "Look for tests that sometimes hit a slow path (caching, network, GC); increase iterations.")
        }
        if !wall.isEmpty {
            let frac = Double(outliers) / Double(wall.count)
            if frac > 0.20 {
                add("outlier_heavy", .info, frac, 0.20,
                    String(format: "%.0f%% of iterations flagged as outliers (threshold: 20%%).", frac * 100),
                    "Check for background load during the run; consider --check-stability.")
            }
        }
        if wall.count >= 5, Set(wall).count > 1 {
            let rho = Inference.spearmanTrend(wall)
            if !rho.isNaN && abs(rho) >= 0.7 {
                if rho > 0 {
                    add("trend", .warning, rho, 0.7,
                        String(format: "Wall times show increasing trend (ρ=%.2f), suggesting memory leak or growing state.", rho),
                        "Check for state that grows across iterations (caches, temp files); clean the worktree between iterations.")
                } else {
                    add("trend", .info, rho, 0.7,
                        String(format: "Wall times show decreasing trend (ρ=%.2f), suggesting warmup effects not captured by warmup iterations.", rho),
                        "Increase --warmup.")
                }
            }
        }
        return out
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
