import Foundation
import LabeilleCore

/// Statistics for instruction counts, a near-deterministic metric.
///
/// Under Valgrind, runs of one workload with the same hash seed agree to a few parts in ten million, but
/// the hash seed alone can move a count by percents (module-level code looks its globals up in a dict
/// whose collisions depend on the seed: +2.3% between seeds 1 and 2 for a tiny loop). The runner fixes
/// PYTHONHASHSEED to the iteration number, so iteration i of every condition runs with seed i, and counts
/// pair by seed: the seed's effect cancels within a pair and the estimate is the mean log ratio over seeds.
///
/// Taken at face value, the spread left after pairing (often 1e-7) gives intervals a few parts per million
/// wide and p-values of 1e-30 for differences that mean nothing: it says nothing about what else moves a
/// count between conditions (paths and environment sizes that differ between worktrees and venvs,
/// timing-dependent paths such as GC or thread switches). So the residual variation is estimated from the
/// iterations but never taken below a floor of 0.1% per iteration (a standard deviation of the log count;
/// √2 × 0.1% for a paired difference). A 1% change is still resolved at n = 3, and the output says when
/// the floor was used.
///
/// Methods: with at least 2 seed pairs, a paired t on log ratios (the estimate is their mean); otherwise
/// Welch's t on log counts, each side's standard deviation raised to the floor.
public enum CountStatistics {
    /// The smallest residual variation per iteration used for instruction counts (sd of ln count).
    public static let noiseFloor = 0.001

    /// The keys values pair on: their hash seeds, when the metric is instructions and every value has one.
    package static func pairingKeys(_ s: MeasuredSeries, metric: String) -> [Int?]? {
        guard metric == Metric.instructions.rawValue, s.hashSeeds.count == s.values.count,
              s.hashSeeds.allSatisfy({ $0 != nil }) else { return nil }
        return s.hashSeeds
    }

    /// Fills ratio, interval, p, detectable effect and iterations needed of an instruction-count comparison.
    /// `la`, `lb`: log counts of baseline and treatment (at least 2 each); `pairs`: log ratios of the
    /// values that share a hash seed.
    static func fill(_ c: inout PackageComparison, la: [Double], lb: [Double], pairs: [Double], threshold: Double) {
        let estimate: Double, se: Double, df: Double, sdLog: Double, observed: Double, n: Double
        if pairs.count >= 2 {
            // Paired: the floor of a difference of two floored values is √2 × the floor.
            let observedDiff = Statistics.sampleStdev(pairs)
            let sd = max(observedDiff, noiseFloor * 2.0.squareRoot())
            n = Double(pairs.count)
            estimate = Statistics.mean(pairs)
            se = sd / n.squareRoot()
            df = n - 1
            observed = observedDiff / 2.0.squareRoot()
            sdLog = sd / 2.0.squareRoot()
            c.method = .pairedTNoiseFloor
        } else {
            let observedA = Statistics.sampleStdev(la), observedB = Statistics.sampleStdev(lb)
            let sa = max(observedA, noiseFloor), sb = max(observedB, noiseFloor)
            let na = Double(la.count), nb = Double(lb.count)
            let va = sa * sa / na, vb = sb * sb / nb
            n = min(na, nb)
            estimate = Statistics.mean(lb) - Statistics.mean(la)
            se = (va + vb).squareRoot()
            df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1))
            observed = max(observedA, observedB)
            sdLog = ((sa * sa + sb * sb) / 2).squareRoot()
            c.method = .welchLogNoiseFloor
        }
        let q = Distributions.studentTQuantile(p: 0.975, df: df)
        let t = estimate / se
        c.ratio = exp(estimate)
        c.ratioLow = exp(estimate - q * se)
        c.ratioHigh = exp(estimate + q * se)
        c.p = Distributions.studentTTwoSidedP(t: t, df: df)
        // The raw-value Welch test would turn the tiny spread into p ≈ 0 ("***"): the floored test replaces it.
        c.welch.t = t
        c.welch.df = df
        c.welch.p = c.p
        c.welch.meanDifference = estimate
        c.welch.standardError = se
        c.noiseFloor = noiseFloor
        c.residualCV = observed
        c.noiseFloorApplied = observed < noiseFloor

        let zSum = Distributions.normalQuantile(0.975) + Distributions.normalQuantile(0.8)
        c.minimumDetectableEffect = exp(zSum * sdLog * (2 / n).squareRoot()) - 1
        let delta = log1p(threshold)
        c.iterationsNeeded = delta > 0 ? max(2, Int((2 * zSum * zSum * (sdLog / delta) * (sdLog / delta) + 1).rounded(.up))) : nil
    }

    /// The summary line of a comparison set of instruction counts: how many packages used the floor.
    public static func floorNote(_ comparisons: [PackageComparison]) -> String? {
        let counted = comparisons.filter { $0.noiseFloor != nil }
        guard !counted.isEmpty else { return nil }
        let floored = counted.filter(\.noiseFloorApplied).count
        let largest = counted.compactMap(\.residualCV).max() ?? 0
        return "residual variation of instruction counts up to " + String(format: "%.1e", largest) + " per iteration; "
            + "\(floored) of \(counted.count) package(s) below the floor of \(NumberText.f(noiseFloor * 100, 1))%, which was used instead"
    }
}

extension SeriesPoint {
    /// Raises the standard error of an instruction-count point to the noise floor (see CountStatistics).
    package mutating func applyCountNoiseFloor() {
        guard n >= 2 else { return }
        logSE = max(logSE.isNaN ? 0 : logSE, 1.2533 * CountStatistics.noiseFloor / Double(n).squareRoot())
        cv = max(cv, CountStatistics.noiseFloor)
    }
}
