import Foundation
import LabeilleCore

/// The suite's tail weight, for the detectable-effect promise.
///
/// The detectable effect is computed as if each package's sample variance were a scaled χ² draw around the true
/// one. Timings with a heavy right tail (the odd slow iteration: a collection, I/O, a busy neighbour) break that:
/// one slow value inflates a small sample's variance, and most samples, holding none, understate it. Then the
/// variance estimate is far less stable than its degrees of freedom say, and an effect computed from it is
/// detected less often than promised.
///
/// One package cannot tell, but the suite can, without knowing any package's true noise: the ratio of a
/// package's two sample variances does not depend on its noise level, and under normal noise |log(s²_a/s²_b)|
/// exceeds the median of |log F(d_a, d_b)| in exactly half of the packages. Tails make the ratios spread, so
/// more packages exceed it. When significantly more do (one-sided binomial test at 5%, at least 10 packages),
/// the excess kurtosis κ of the noise is read off by matching the exceedance share with the variance of a
/// sample variance, Var(s²)/σ⁴ = 2/d + κ/(d + 1), expressed as a scaled χ² with fewer, effective degrees of
/// freedom. Noise lighter-tailed than normal (κ < 0, clustered values) is left at 0: the promise then errs on
/// the safe side.
enum TailWeight {
    /// One package's two sample variances: the log of their ratio and their degrees of freedom.
    struct Sample: Sendable {
        var logRatio: Double
        var dfA: Double
        var dfB: Double
    }

    static let minimumPackages = 10
    static let level = 0.05
    static let maximumKurtosis = 200.0

    /// The sample of one package, from each side's log-times (at least 3 values and some spread on each side).
    static func sample(_ la: [Double], _ lb: [Double]) -> Sample? {
        guard la.count >= 3, lb.count >= 3 else { return nil }
        let va = Statistics.sampleVariance(la), vb = Statistics.sampleVariance(lb)
        guard va > 0, vb > 0, va.isFinite, vb.isFinite else { return nil }
        return Sample(logRatio: log(va / vb), dfA: Double(la.count - 1), dfB: Double(lb.count - 1))
    }

    /// Degrees of freedom of a scaled χ² with the variance of a sample variance with `df` degrees of freedom
    /// under noise of excess kurtosis κ.
    static func effectiveDF(_ df: Double, kurtosis: Double) -> Double {
        guard df.isFinite, df > 0, kurtosis > 0 else { return df }
        return 1 / (1 / df + kurtosis / (2 * (df + 1)))
    }

    /// P(|log F(a, b)| > m).
    static func exceedance(_ m: Double, _ a: Double, _ b: Double) -> Double {
        func cdf(_ x: Double) -> Double { Distributions.regularizedIncompleteBeta(x: a * x / (a * x + b), a: a / 2, b: b / 2) }
        return 1 - (cdf(exp(m)) - cdf(exp(-m)))
    }

    /// The median of |log F(a, b)|, by bisection.
    static func normalMedian(_ a: Double, _ b: Double) -> Double {
        var lo = 0.0, hi = 50.0
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            if exceedance(mid, a, b) > 0.5 { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// The suite's excess kurtosis: 0 unless the packages' variance ratios spread significantly more than
    /// normal noise allows.
    static func excessKurtosis(_ samples: [Sample]) -> Double {
        guard samples.count >= minimumPackages else { return 0 }
        var medians: [[Double]: Double] = [:]
        let thresholds = samples.map { s in
            medians[[s.dfA, s.dfB]] ?? { let m = normalMedian(s.dfA, s.dfB); medians[[s.dfA, s.dfB]] = m; return m }()
        }
        let exceeding = zip(samples, thresholds).filter { abs($0.0.logRatio) > $0.1 }.count
        guard binomialUpperTail(exceeding, samples.count) < level else { return 0 }
        let share = Double(exceeding) / Double(samples.count)
        func predicted(_ kurtosis: Double) -> Double {
            zip(samples, thresholds).reduce(0) { sum, pair in
                sum + exceedance(pair.1, effectiveDF(pair.0.dfA, kurtosis: kurtosis), effectiveDF(pair.0.dfB, kurtosis: kurtosis))
            } / Double(samples.count)
        }
        guard predicted(maximumKurtosis) > share else { return maximumKurtosis }
        var lo = 0.0, hi = maximumKurtosis
        for _ in 0..<50 {
            let mid = (lo + hi) / 2
            if predicted(mid) < share { lo = mid } else { hi = mid }
            if hi - lo < 1e-3 { break }
        }
        return (lo + hi) / 2
    }

    /// P(X ≥ k) for X ~ Binomial(n, ½).
    static func binomialUpperTail(_ k: Int, _ n: Int) -> Double {
        guard k > 0 else { return 1 }
        guard k <= n else { return 0 }
        var total = 0.0
        for i in k...n {
            total += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) - Double(n) * log(2))
        }
        return min(1, total)
    }
}
