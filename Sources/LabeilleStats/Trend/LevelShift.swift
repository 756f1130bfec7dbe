import Foundation
import LabeilleCore

/// The recent level of a package against the runs before it: a level-shift test at each candidate step among
/// the last few runs.
///
/// A step that ends a series is measured best by every run after it against every run before it (since the
/// baseline): one run after a 3% step rarely clears a gate that must hold across fifty packages, but the mean of
/// the runs since the step against the mean of the seven before it does within two runs. The step's position is
/// not known, so each of the last `recentWindow` runs but the latest is a candidate start (the latest run alone is
/// compared with the baseline already); the most significant candidate is
/// reported with its p multiplied by the number of candidates (Bonferroni), so the package still contributes a
/// single hypothesis, with an honest p, to the series' regression family.
///
/// A run's variance is its own within-run variance plus the series' pooled run-to-run variance (a median over
/// the packages, taken as exact): a package's own run-to-run spread rests on a handful of differences, and its
/// few degrees of freedom would cost most of the power. The package's own spread replaces the pooled one, with
/// its own degrees of freedom, when it is clearly larger (above the 99th percentile of what the pooled model
/// predicts), so a package that really is noisier from run to run is not judged by the quieter ones.
enum LevelShift {
    struct Candidate {
        /// Index (into the package's points) of the first run after the step.
        var start: Int
        var before: Double
        var after: Double
        var variance: Double
        var df: Double
        var p: Double
    }

    /// - Parameters:
    ///   - y: log medians of the package's runs, in series order.
    ///   - withinVar: each run's within-run variance of its log median.
    ///   - typicalWithinVar: the package's typical within-run variance.
    ///   - from: index of the baseline run (pinned, else the first); earlier runs are not used.
    ///   - pooledBetweenVar: the series' pooled run-to-run variance.
    static func mostSignificant(_ y: [Double], withinVar: [Double], typicalWithinVar: Double, from: Int,
                                pooledBetweenVar: Double, window: Int) -> Candidate? {
        let n = y.count
        // At least three runs before the step, so the earlier level is not one run's accident, and at least two
        // after it (the latest run alone is compared with the baseline already).
        let first = max(from + 3, n - window)
        guard first < n - 1 else { return nil }
        let starts = first..<(n - 1)
        var best: Candidate?
        for s in starts {
            guard let c = test(y, withinVar: withinVar, typicalWithinVar: typicalWithinVar, from: from, start: s,
                               pooledBetweenVar: pooledBetweenVar) else { continue }
            if best == nil || c.p < best!.p { best = c }
        }
        guard var chosen = best else { return nil }
        chosen.p = min(1, chosen.p * Double(starts.count))
        return chosen
    }

    /// Mean of the runs from `start` on against the mean of the runs in [from, start), the earlier runs cleared
    /// of outliers (a bad early run must not set the level). The package's own run-to-run spread comes from
    /// successive differences within each side, never across the candidate step (a real step must not inflate it).
    static func test(_ y: [Double], withinVar: [Double], typicalWithinVar: Double, from: Int, start: Int,
                     pooledBetweenVar: Double) -> Candidate? {
        let beforeIdx = keptIndices(Array(from..<start), y)
        let afterIdx = Array(start..<y.count)
        guard !beforeIdx.isEmpty, !afterIdx.isEmpty else { return nil }
        var diffs: [Double] = []
        for side in [Array(from..<start), afterIdx] where side.count >= 2 {
            for k in 1..<side.count { diffs.append(y[side[k]] - y[side[k - 1]]) }
        }
        var between = pooledBetweenVar, df = Double.infinity
        if let own = robustHalfVariance(diffs), clearlyLarger(own.variance, df: own.df, than: typicalWithinVar + pooledBetweenVar) {
            between = max(0, own.variance - typicalWithinVar); df = own.df
        }
        func level(_ idx: [Int]) -> (mean: Double, variance: Double) {
            let m = Double(idx.count)
            return (idx.reduce(0) { $0 + y[$1] } / m, idx.reduce(0) { $0 + withinVar[$1] + between } / (m * m))
        }
        let b = level(beforeIdx), a = level(afterIdx)
        let variance = b.variance + a.variance
        guard variance > 0, variance.isFinite else { return nil }
        let z = (a.mean - b.mean) / variance.squareRoot()
        let p = df.isFinite ? Distributions.studentTTwoSidedP(t: z, df: df) : erfc(abs(z) / 2.0.squareRoot())
        return Candidate(start: start, before: b.mean, after: a.mean, variance: variance, df: df, p: p)
    }

    /// True when a variance estimate with `df` degrees of freedom lies above the 99th percentile of its
    /// distribution under the expected variance (χ²/df, Wilson–Hilferty).
    static func clearlyLarger(_ variance: Double, df: Double, than expected: Double) -> Bool {
        guard expected > 0, df > 0 else { return variance > 0 }
        let c = 2 / (9 * df)
        let z = (pow(variance / expected, 1.0 / 3) - (1 - c)) / c.squareRoot()
        return z > 2.326
    }

    /// The indices whose values lie within 3.5 robust standard deviations of their median (all of them below
    /// four values, or when the spread is zero).
    static func keptIndices(_ idx: [Int], _ y: [Double]) -> [Int] {
        guard idx.count >= 4 else { return idx }
        let v = idx.map { y[$0] }
        let med = Statistics.median(v)
        let mad = 1.4826 * Statistics.median(v.map { abs($0 - med) })
        guard mad > 0 else { return idx }
        return idx.filter { abs(y[$0] - med) <= 3.5 * mad }
    }

    /// Von Neumann's σ² = var(d)/2 from successive differences, dropping those beyond 3.5 robust SDs (steps and
    /// bad runs); nil below two kept differences.
    static func robustHalfVariance(_ d: [Double]) -> (variance: Double, df: Double)? {
        guard d.count >= 2 else { return nil }
        let med = Statistics.median(d)
        let robustSD = 1.4826 * Statistics.median(d.map { abs($0 - med) })
        let kept = d.filter { abs($0 - med) <= 3.5 * robustSD }
        guard kept.count >= 2 else { return nil }
        return (Statistics.sampleVariance(kept) / 2, Double(kept.count - 1))
    }
}
