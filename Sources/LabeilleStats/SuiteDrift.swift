import Foundation
import LabeilleCore

/// Block order: drift borrowed across the packages of a comparison.
///
/// In block order each package's effect is the difference of its two block means less the drift over the gap
/// between them, and the drift comes from the slope within the blocks. One package's slope from a handful of
/// values is so noisy that correcting for it alone multiplies the effect's variance by about four (at 5 values
/// per block: 1/5 + 1/5 + 5²/20 against 1/5 + 1/5). The suite shows how much drift there really is: the
/// packages' slopes scatter by their sampling error plus the true drifts' spread τ. With the slopes' mean μ and
/// τ² estimated across the packages (a fixed-weight moment estimate, the weights from each slope's moderated
/// sampling variance), each package's drift is predicted by shrinking its own slope towards μ with weight
/// B = τ²/(τ² + v), and the effect's variance counts what that prediction leaves uncertain: gap²·B·v, plus the
/// error of μ. Where the suite has no drift (τ ≈ 0) the effect costs no more than an unpaired comparison;
/// where every package drifts strongly relative to its noise (B ≈ 1) it is the package's own correction.
/// Drifts shared by all packages (a cache warming up) land in μ, which the suite estimates precisely.
///
/// A package whose slope is out of line with the other packages' drifts (p < 1%) is not shrunk: its drift is
/// its own. Below `minimumPackages` block-ordered packages every package keeps its own correction. Either way,
/// when the drift a package is corrected for is significant, the correction extrapolates a linear drift across
/// the gap between the blocks (a trend that restarts with each block would become a false effect), so its call
/// is withheld with the reason.
public enum SuiteDrift {
    static let minimumPackages = 10
    static let outlierLevel = 0.01

    /// The suite's drifts: mean and spread of the true slopes per iteration (log scale), the precision of the
    /// mean, and how many packages borrowed from it.
    public struct Estimate: Sendable, Equatable {
        public var mean: Double
        public var spread: Double
        public var meanVariance: Double
        public var packages: Int
        /// Packages whose own slope was out of line with the suite's drifts, so they kept their own correction.
        public var outOfLine: Int
    }

    static func resolve(_ comparisons: inout [PackageComparison]) {
        let block = comparisons.indices.filter { comparisons[$0].blockDrift != nil && comparisons[$0].fit != nil }
        defer { for i in block { withholdIfConfounded(&comparisons[i]) } }
        guard block.count >= minimumPackages else { return }
        let variances = slopeVariances(block.map { comparisons[$0] })
        let slopes = Slopes(slopes: block.map { comparisons[$0].blockDrift!.slope }, spreadWeights: variances.spreadWeights,
                            sampling: variances.sampling, planning: variances.planning, dfs: block.map { comparisons[$0].fit!.df })
        // The estimate keeps every slope: an unusual drift widens τ for all rather than leaving it out, which
        // would understate the drifts of a noise whose slopes have long tails (a slowly varying machine state).
        guard var estimate = slopes.estimate(Array(slopes.indices)) else { return }
        let inLine = slopes.indices.filter { !slopes.isOutOfLine($0) }
        estimate.outOfLine = block.count - inLine.count
        for k in inLine { borrow(&comparisons[block[k]], suite: estimate, slopeVariance: slopes.planning[k]) }
        for i in block { comparisons[i].suiteDrift = estimate }
    }

    /// The packages' drift slopes with their sampling variances (see `slopeVariances`).
    struct Slopes {
        var slopes: [Double]
        /// The moment estimate of τ²: each slope's weight, and the sampling variance it subtracts.
        var spreadWeights: [Double]
        var sampling: [Double]
        var planning: [Double]
        /// Degrees of freedom of each package's residual variance.
        var dfs: [Double]
        var indices: Range<Int> { slopes.indices }

        /// μ, τ and the variance of μ from the packages `subset`; nil when the weights are unusable.
        func estimate(_ subset: [Int]) -> Estimate? {
            guard let tau2 = randomEffectVariance(slopes: subset.map { slopes[$0] }, weights: subset.map { spreadWeights[$0] },
                                                  variances: subset.map { sampling[$0] }) else { return nil }
            let w = subset.map { 1 / (tau2 + planning[$0]) }
            let total = w.reduce(0, +)
            let mean = zip(w, subset).reduce(0) { $0 + $1.0 * slopes[$1.1] } / total
            return Estimate(mean: mean, spread: tau2.squareRoot(), meanVariance: 1 / total, packages: slopes.count, outOfLine: 0)
        }

        /// The slope lies outside what the other packages' drifts predict (two-sided p < `outlierLevel`, Student t
        /// at the package's residual degrees of freedom: its sampling variance comes from a handful of values).
        /// Left out of the estimate it is tested against, since one wild slope would inflate τ² enough to hide itself.
        func isOutOfLine(_ k: Int) -> Bool {
            guard let others = estimate(indices.filter { $0 != k }), dfs[k] >= 1 else { return false }
            let sd = (others.spread * others.spread + planning[k] + others.meanVariance).squareRoot()
            return abs(slopes[k] - others.mean) > Distributions.studentTQuantile(p: 1 - outlierLevel / 2, df: dfs[k]) * sd
        }
    }

    /// Each slope's sampling variance for the prediction (`planning`): lifted to the residual variance moderated
    /// towards the suite's when that is larger (a variance from a handful of values would give some slopes
    /// absurd weights, and a quiet package must not be pulled towards the noisy ones' level, as in
    /// `MethodChoice`). And the weights and subtracted sampling variances of the moment estimate of τ²:
    ///
    /// - From 5 values per block, weights 1/planning and each package's own variance (unbiased) subtracted.
    ///   Their weights move with the variances subtracted (a package whose variance came out small gets a large
    ///   weight and a small subtraction at once), which biases τ² upwards at few degrees of freedom; there that
    ///   bias is kept on purpose: the slopes also scatter by the machine state the iterations share, which no
    ///   sampling variance here counts (with the unbiased estimate below, realistic suites at 10 per block
    ///   carried a false call in 6.0% of 500 instead of 4.2%).
    /// - Shorter blocks (no state is estimated from them) weight by the two-sided moderated slope variance ṽ and
    ///   subtract ṽ·ν/(ν − 2), the expectation of a moderated t² at the posterior degrees of freedom ν without
    ///   drift: the subtracted part then comes from the suite's spread of variances, not from the package's own.
    ///   At 3 values per block the plain estimate read τ² as 1.9e-5 on average where there was no drift at all,
    ///   and the intervals were conservative (power at the reported detectable effect 86.8% instead of 80%).
    static func slopeVariances(_ block: [PackageComparison]) -> (spreadWeights: [Double], sampling: [Double], planning: [Double]) {
        let fits = block.map { $0.fit! }
        let prior = VariancePrior.fit(variances: fits.map(\.variance), dfs: fits.map(\.df))
        let maxDF = fits.reduce(0) { $0 + max($1.df, 0) }
        var planning: [Double] = [], own: [Double] = [], moderated: [Double] = [], moments: [Double] = []
        for (c, f) in zip(block, fits) {
            let posterior = prior.moderate(variance: f.variance, df: f.df, maxDF: maxDF)
            let sxx = c.blockDrift!.sxx
            planning.append(max(f.variance, posterior.variance) / sxx)
            own.append(f.variance / sxx)
            moderated.append(posterior.variance / sxx)
            moments.append(posterior.df > 2 ? posterior.df / (posterior.df - 2) : .nan)
        }
        let short = fits.allSatisfy { $0.sequenceLength < Autocorrelation.shortestEstimable }
        guard short, moments.allSatisfy(\.isFinite) else { return (planning.map { 1 / $0 }, own, planning) }
        return (moderated.map { 1 / $0 }, zip(moderated, moments).map { $0 * $1 }, planning)
    }

    /// The moment estimate of the true slopes' variance τ² with fixed weights (DerSimonian and Kacker's
    /// generalisation of DerSimonian–Laird): Σw(s − s̄_w)² has expectation (τ² + v)-weighted terms whatever the
    /// weights, so with unbiased sampling variances `variances` it is unbiased; never negative. Nil when the
    /// weights are unusable.
    static func randomEffectVariance(slopes: [Double], weights w: [Double], variances v: [Double]) -> Double? {
        guard w.allSatisfy({ $0 > 0 && $0.isFinite }), v.allSatisfy(\.isFinite) else { return nil }
        let sw = w.reduce(0, +), sw2 = w.reduce(0) { $0 + $1 * $1 }
        let centre = zip(w, slopes).reduce(0) { $0 + $1.0 * $1.1 } / sw
        let q = zip(w, slopes).reduce(0) { $0 + $1.0 * ($1.1 - centre) * ($1.1 - centre) }
        let sampling = zip(w, v).reduce(0) { $0 + $1.0 * $1.1 * (1 - $1.0 / sw) }
        let denominator = sw - sw2 / sw
        guard denominator > 0 else { return nil }
        return max(0, (q - sampling) / denominator)
    }

    /// The package's effect corrected by its predicted drift, with the variance that prediction leaves.
    static func borrow(_ c: inout PackageComparison, suite: Estimate, slopeVariance v: Double) {
        guard let drift = c.blockDrift, var fit = c.fit else { return }
        let tau2 = suite.spread * suite.spread
        let shrink = tau2 / (tau2 + v)
        let predicted = suite.mean + shrink * (drift.slope - suite.mean)
        // The variance of the predicted drift about the package's true one: its own slope's share, and μ's.
        let predictionVariance = shrink * v + (1 - shrink) * (1 - shrink) * suite.meanVariance
        fit.estimate = drift.meanDifference - drift.gap * predicted
        fit.scale = drift.meansScale + drift.gap * drift.gap / drift.sxx * predictionVariance / v
        // The machine's state is read from the residuals about the drift this model removes: the package's own
        // slope would absorb part of a slow state and understate it.
        (fit.lagProducts, fit.lag2Products, fit.squares) = BlockDrift.residualLagSums(drift.blocks, slope: predicted)
        c.fit = fit
        c.blockDrift?.slope = predicted
        c.blockDrift?.correctionVariance = drift.gap * drift.gap * predictionVariance
        // A drift that is clearly there (the predicted drift beyond twice what the prediction leaves uncertain)
        // is still a linear extrapolation across the gap: a trend that restarts with each block (a warm-up
        // within each condition) looks the same within the blocks and would become a false effect.
        c.blockDrift?.confounded = abs(predicted) > Distributions.normalQuantile(0.975) * predictionVariance.squareRoot()
    }

    /// A package whose drift (its own, or the one predicted from the suite's) is significant has its call
    /// withheld: the correction extrapolates a linear drift across the gap between the blocks.
    static func withholdIfConfounded(_ c: inout PackageComparison) {
        guard let drift = c.blockDrift, drift.confounded else { return }
        c.inconclusiveReason = String(format: "drift of %@ per iteration is confounded with block order",
                                      NumberText.pct(drift.slope * 100))
    }
}

/// One block-ordered package's pieces for the suite's drift step.
struct BlockDrift: Sendable {
    /// Mean log-time of the treatment block less the baseline block's.
    var meanDifference: Double
    /// 1/n_a + 1/n_b: the means' share of the effect's variance.
    var meansScale: Double
    /// Mean time of the treatment block less the baseline block's (in iterations).
    var gap: Double
    /// Sum of squared time deviations within the blocks.
    var sxx: Double
    /// The drift per iteration: the package's own from within the blocks, or the one predicted from the suite's.
    var slope: Double
    /// That drift is significant at 5%.
    var confounded: Bool
    /// Each block's values about its mean, with their times about the block's mean time, in time order.
    var blocks: [Block]
    /// The variance the predicted drift adds to the effect (gap² times the prediction's variance about the
    /// package's true drift), when it was predicted from the suite's drifts.
    var correctionVariance: Double?
    /// The drift was predicted from the suite's drifts.
    var borrowed: Bool { correctionVariance != nil }

    /// The variance the drift correction adds to the effect of `fit`: the prediction's, or with the package's
    /// own slope the fit's variance times the share of its scale beyond the means'.
    func effectCorrectionVariance(_ fit: LogRatioFit) -> Double {
        correctionVariance ?? fit.variance * (fit.scale - meansScale)
    }

    struct Block: Sendable {
        var values: [Double]
        var times: [Double]
        init<S: Sequence>(_ pairs: S, mean: Double, time: Double) where S.Element == (Double, Double) {
            let sorted = pairs.sorted { $0.1 < $1.1 }
            values = sorted.map { $0.0 - mean }
            times = sorted.map { $0.1 - time }
        }
    }

    /// The lag sums of the residuals about a drift `slope`, in time order, for the autocorrelation step.
    static func residualLagSums(_ blocks: [Block], slope: Double) -> (lag: Double, lag2: Double, squares: Double) {
        Autocorrelation.sums(blocks.map { b in zip(b.values, b.times).map { $0 - slope * $1 } })
    }
}
