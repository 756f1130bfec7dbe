import Foundation
import LabeilleCore

/// Power of the verdict rule for one package: a true log-change μ is called when the estimate passes both the
/// margin δ and the significance bound q·SÊ, where SÊ is the method's own estimated standard error, itself
/// noisy. The power is computed exactly under normal noise rather than by the textbook μ = max(δ, q₀.₉₇₅·SE) +
/// q₀.₈·SE, which over-promises at small n (it ignores that SÊ varies, and that the two bounds bind together
/// when q·SE ≈ δ):
///
///     power(μ) = E_W[ Φ((μ − max(δ, q·√(se²·W/ν + extra))) / √(se² + extra)) ],  W ~ χ²_ν,
///
/// with the expectation over W by 16-point Gauss–Hermite quadrature on the Wilson–Hilferty cube-root normal
/// form of χ²_ν. The package's standard error is an estimate too: the plan uses its median-unbiased version
/// (se²·ν / median χ²_ν), so the detectable effect reported for a set of packages with the same true noise is,
/// in the median, the true one, not one biased small (at 2 degrees of freedom the median sample variance is 69%
/// of the true one).
struct PowerPlan {
    var variance: Double
    var scale: Double
    var extra: Double
    var df: Double
    var priorDF: Double
    var fit: LogRatioFit
    /// The suite's excess kurtosis of the noise (see `TailWeight`): the variance estimate is less stable than
    /// its degrees of freedom say, which both its median-unbiasing and the spread of the significance bound use.
    var kurtosis: Double = 0

    /// Gauss–Hermite nodes (non-negative half) and weights for the standard normal, 16 points.
    static let nodes = [0.3867606045005574, 1.1638291005549648, 1.9519803457163334, 2.7602450476307014,
                        3.6008736241715487, 4.492955302520011, 5.472225705949343, 6.630878198393129]
    static let weights = [0.286568521238012, 0.1583383727509497, 0.04728475235401406, 0.007266937601184749,
                          0.0005259849265739087, 1.530003216248732e-05, 1.309473216286817e-07, 1.4978147231618412e-10]

    /// The estimated part of the squared standard error at n iterations per condition (median-unbiased), its
    /// degrees of freedom, and the t quantile of the interval (Satterthwaite with the known extra part).
    struct Design {
        var se2: Double
        var nu: Double
        var extra: Double
        var q: Double
    }

    func design(n: Double, quantiles: inout TQuantileCache) -> Design? {
        let perCondition = max(fit.perCondition, 1)
        let raw = variance * scale * perCondition / n
        guard raw.isFinite, raw + extra > 0 else { return nil }
        let dataDF = max(1, df * (n - 1) / max(perCondition - 1, 1))
        let testDF = dataDF + priorDF
        let nu = max(min(1, dataDF), TailWeight.effectiveDF(dataDF, kurtosis: kurtosis)) + priorDF
        let se2 = raw / PowerPlan.medianOfScaledChiSquare(nu)
        let exactDF = MethodChoice.satterthwaiteDF(own: se2, df: testDF, known: extra)
        // Half-unit degrees of freedom are precise enough for planning and keep the quantile cache small.
        let dfEff = exactDF.isFinite ? max(1, (exactDF * 2).rounded() / 2) : exactDF
        return Design(se2: se2, nu: nu, extra: extra, q: quantiles.quantile(0.975, df: dfEff))
    }

    /// The plan for a rerun with more iterations, which is not read the way these few values were:
    /// - A cluster-adjusted package is planned from its fit without the clusters as a covariate: from 6 values
    ///   per side no adjustment applies and the clusters' spread returns (planned from the adjusted variance,
    ///   2δ was called in 30–40% of the noisier packages at the count given).
    /// - A block-ordered package is planned for a rerun in alternating order, with the same noise but no drift
    ///   correction. Rerun in block order, the gap between the blocks grows with their length and the drift
    ///   correction's share of the variance with it (to three times the means' share with the package's own
    ///   drift): the count called 45–76% of 2δ changes under drift, machine state or tails, not 80.
    ///   Alternating order removes the drift within each round.
    func forRerun(of c: PackageComparison) -> PowerPlan {
        var plan = self
        if let plain = c.unadjustedFit {
            plan = PowerPlan(variance: plain.variance, scale: plain.scale, extra: plain.extraVariance, df: plain.df,
                             priorDF: 0, fit: plain, kurtosis: kurtosis)
        }
        if let drift = c.blockDrift { plan.scale = drift.meansScale }
        return plan
    }

    /// Median of χ²_ν / ν (Wilson–Hilferty); 1 for infinite ν.
    static func medianOfScaledChiSquare(_ nu: Double) -> Double {
        guard nu.isFinite else { return 1 }
        let c = 2 / (9 * nu)
        return pow(1 - c, 3)
    }

    /// Probability that a true log-change μ > 0 is called (estimate beyond the margin and significant).
    static func power(_ mu: Double, _ d: Design, margin: Double) -> Double {
        let sd = (d.se2 + d.extra).squareRoot()
        func called(_ ratio: Double) -> Double {
            let bound = max(margin, d.q * (d.se2 * ratio + d.extra).squareRoot())
            return 0.5 * erfc(-(mu - bound) / sd / 2.0.squareRoot())
        }
        guard d.nu.isFinite, d.se2 > 0 else { return called(1) }
        var total = 0.0
        for (x, w) in zip(nodes, weights) {
            for z in [x, -x] { total += w * called(wilsonHilferty(z, nu: d.nu)) }
        }
        return total
    }

    /// χ²_ν / ν at the standard normal value z, by the Wilson–Hilferty cube-root normal form (0 below its
    /// range).
    static func wilsonHilferty(_ z: Double, nu: Double) -> Double {
        let c = 2 / (9 * nu)
        let cube = max(0, 1 - c + z * c.squareRoot())
        return cube * cube * cube
    }

    /// The true log-change called with 80% probability at n iterations per condition; NaN without noise.
    func detectableLogEffect(n: Double, margin: Double, quantiles: inout TQuantileCache) -> Double {
        guard let d = design(n: n, quantiles: &quantiles) else { return .nan }
        return PowerPlan.eightyPercentPoint(from: margin, step: (d.q + 1) * (d.se2 + d.extra).squareRoot()) {
            PowerPlan.power($0, d, margin: margin)
        }
    }

    /// The smallest effect above `from` with power ≥ 80% (power rising with the effect), searched in steps of
    /// `step` and then by bisection; NaN when none up to a log-change of 50 is.
    static func eightyPercentPoint(from: Double, step: Double, power: (Double) -> Double) -> Double {
        var lo = from, hi = from + step
        while power(hi) < 0.8 {
            lo = hi; hi += step
            if hi > 50 { return .nan }
        }
        for _ in 0..<40 {
            let mid = (lo + hi) / 2
            if power(mid) < 0.8 { lo = mid } else { hi = mid }
            if hi - lo < 1e-5 * hi { break }
        }
        return hi
    }

    /// The smallest iteration count per condition at which a true log-change `target` is called with 80%
    /// probability; nil when none up to 100,000 is (the known between-run part does not shrink with
    /// iterations) or the noise is zero.
    func iterationsNeeded(target: Double, margin: Double, quantiles: inout TQuantileCache) -> Int? {
        guard variance > 0, variance.isFinite else { return nil }
        func enough(_ n: Int) -> Bool {
            guard let d = design(n: Double(n), quantiles: &quantiles) else { return false }
            return PowerPlan.power(target, d, margin: margin) >= 0.8
        }
        return PowerPlan.smallestIterations(enough)
    }

    /// The smallest iteration count per condition that is `enough` (which holds from some count on); nil when
    /// none up to 100,000 is.
    static func smallestIterations(_ enough: (Int) -> Bool) -> Int? {
        var hi = 2
        while !enough(hi) {
            hi *= 2
            if hi > 100_000 { return nil }
        }
        if hi == 2 { return 2 }
        var lo = hi / 2
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if enough(mid) { hi = mid } else { lo = mid }
        }
        return hi
    }
}
