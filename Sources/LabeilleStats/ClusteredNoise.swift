import Foundation
import LabeilleCore

/// A suite-level check of the one assumption the small-sample t methods cannot survive: noise whose values
/// fall into separate clusters (bimodal timings: two code paths, two CPU frequencies, a cache that is or is not
/// warm).
///
/// With three to five values per side, a sample that happens to fall wholly into one mode is tight, and a
/// baseline in one mode against a treatment in the other looks exactly like a clean shift of several standard
/// deviations: nothing in one package can tell them apart, and moderation across packages lifts such a variance
/// only a little. The suite can tell, though: under normal noise a sample of n values rarely shows one gap
/// holding 80% of its range with two or more values above it (18.2% of samples at n = 3, 5.9% at n = 4, 1.4% at
/// n = 5 — a lone value far above the rest is a slow outlier, and heavy right tails are not what breaks the t
/// test, so those do not count). When the samples of a comparison show this shape significantly more often than
/// normal noise would (exact Poisson-binomial tail, p < 5%: at n = 3 a stricter level misses too many clustered suites), the slower/faster calls that rest on five or fewer
/// values per side are withheld, with the reason: a withheld call is better than a false one. More iterations
/// make the call possible again (from six values per side the check no longer applies).
enum ClusteredNoise {
    /// Fraction of samples of size n from normal noise that look clustered (4,000,000 simulated samples each).
    static let normalRate: [Int: Double] = [3: 0.18154, 4: 0.05858, 5: 0.01429]
    static let gapShare = 0.8
    static let level = 0.05

    /// Why calls are withheld in a suite whose noise is clustered.
    static let reason = "values fall into separate clusters across the packages (bimodal noise): with 5 or fewer iterations per side the t test's tail is not controlled; measure more iterations"

    /// True when one gap between the sorted values holds at least 80% of the range and at least two values lie
    /// above it. Nil when the sample size is outside 3…5 or the values are all equal.
    static func looksClustered(_ values: [Double]) -> Bool? {
        guard normalRate[values.count] != nil else { return nil }
        let s = values.sorted()
        let range = s[s.count - 1] - s[0]
        guard range > 0 else { return nil }
        var gap = 0.0, at = 0
        for i in 1..<s.count where s[i] - s[i - 1] > gap { gap = s[i] - s[i - 1]; at = i }
        return gap >= gapShare * range && s.count - at >= 2
    }

    /// The shapes of a comparison's samples: for each sample of size 3…5, its normal-noise rate and whether it
    /// looks clustered.
    struct Tally: Sendable {
        var rates: [Double] = []
        var clustered = 0
        mutating func add(_ values: [Double]) {
            guard let c = ClusteredNoise.looksClustered(values), let r = normalRate[values.count] else { return }
            rates.append(r)
            if c { clustered += 1 }
        }
        mutating func merge(_ other: Tally) { rates += other.rates; clustered += other.clustered }

        /// P(at least `clustered` clustered samples) under normal noise (Poisson-binomial, exact).
        var upperTailP: Double {
            guard clustered > 0 else { return 1 }
            var dist = [1.0]
            for r in rates {
                var next = [Double](repeating: 0, count: dist.count + 1)
                for (k, p) in dist.enumerated() { next[k] += p * (1 - r); next[k + 1] += p * r }
                dist = next
            }
            return min(1, dist[clustered...].reduce(0, +))
        }
        var isClustered: Bool { rates.count >= 10 && upperTailP < ClusteredNoise.level }
    }

    /// The check over a comparison's packages.
    static func suiteIsClustered(_ comparisons: [PackageComparison]) -> Bool {
        var shapes = Tally()
        for c in comparisons { shapes.merge(c.sampleShapes) }
        return shapes.isClustered
    }
}
