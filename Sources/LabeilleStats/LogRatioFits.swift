import Foundation
import LabeilleCore

/// The per-package estimates behind the t-based methods, all on log-times.
enum LogFits {
    /// Paired log-ratios d: the per-observation variance is var(d)/2, so the standard error² is variance·2/k.
    static func paired(_ d: [Double]) -> LogRatioFit {
        let k = Double(d.count)
        return LogRatioFit(estimate: Statistics.mean(d), variance: Statistics.sampleVariance(d) / 2, df: k - 1,
                           scale: 2 / k, perCondition: k)
    }

    /// Difference of mean log-times with the pooled variance; Welch's standard error and degrees of freedom are
    /// kept for a package compared on its own (nothing to moderate against).
    static func twoSample(_ la: [Double], _ lb: [Double]) -> LogRatioFit {
        let na = Double(la.count), nb = Double(lb.count)
        let va = Statistics.sampleVariance(la), vb = Statistics.sampleVariance(lb)
        let pooled = ((na - 1) * va + (nb - 1) * vb) / (na + nb - 2)
        var fit = LogRatioFit(estimate: Statistics.mean(lb) - Statistics.mean(la), variance: pooled, df: na + nb - 2,
                              scale: 1 / na + 1 / nb, perCondition: (na + nb) / 2)
        let w = WelchTest(lb, la)
        fit.welchVariance = w.standardError * w.standardError
        fit.welchDF = w.df
        return fit
    }

    /// The difference of two fits (difference in differences): variances pooled by degrees of freedom, the
    /// conditions of one package being measured alike.
    static func difference(_ f: LogRatioFit, _ g: LogRatioFit) -> LogRatioFit {
        let df = f.df + g.df
        return LogRatioFit(estimate: f.estimate - g.estimate, variance: (f.df * f.variance + g.df * g.variance) / df,
                           df: df, scale: f.scale + g.scale, perCondition: f.perCondition)
    }

    /// Block order: log-time = level + effect·[treatment] + drift·time, fitted by least squares. The drift is
    /// estimated within the blocks, so the effect is corrected for it; the price is a wider interval (the
    /// time covariate nearly coincides with the condition), which the suite's drift step narrows (see
    /// `SuiteDrift`). `confounded` when the drift is significant at 5%: a linear drift model is then an
    /// untestable extrapolation across the gap between the blocks. Nil when the blocks are too short to
    /// estimate a drift.
    static func driftAdjusted(_ la: [Double], _ ta: [Double], _ lb: [Double], _ tb: [Double])
        -> (fit: LogRatioFit, drift: BlockDrift)? {
        let na = Double(la.count), nb = Double(lb.count)
        guard la.count >= 2, lb.count >= 2, la.count + lb.count >= 5 else { return nil }
        let ya = Statistics.mean(la), yb = Statistics.mean(lb), xa = Statistics.mean(ta), xb = Statistics.mean(tb)
        var sxx = 0.0, sxy = 0.0
        for (y, t) in zip(la, ta) { sxx += (t - xa) * (t - xa); sxy += (t - xa) * (y - ya) }
        for (y, t) in zip(lb, tb) { sxx += (t - xb) * (t - xb); sxy += (t - xb) * (y - yb) }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        var rss = 0.0
        for (y, t) in zip(la, ta) { let r = y - ya - slope * (t - xa); rss += r * r }
        for (y, t) in zip(lb, tb) { let r = y - yb - slope * (t - xb); rss += r * r }
        let df = na + nb - 3
        let variance = rss / df
        let gap = xb - xa
        var fit = LogRatioFit(estimate: yb - ya - slope * gap, variance: variance, df: df,
                              scale: 1 / na + 1 / nb + gap * gap / sxx, perCondition: (na + nb) / 2, extraParameters: 1)
        let blocks = [BlockDrift.Block(zip(la, ta), mean: ya, time: xa), BlockDrift.Block(zip(lb, tb), mean: yb, time: xb)]
        (fit.lagProducts, fit.lag2Products, fit.squares) = BlockDrift.residualLagSums(blocks, slope: slope)
        fit.sequenceLength = (na + nb) / 2
        let slopeSE = (variance / sxx).squareRoot()
        let confounded = slopeSE > 0 && Distributions.studentTTwoSidedP(t: slope / slopeSE, df: df) < 0.05
        return (fit, BlockDrift(meanDifference: yb - ya, meansScale: 1 / na + 1 / nb, gap: gap, sxx: sxx, slope: slope,
                                confounded: confounded, blocks: blocks))
    }
}

/// The exact rank-based candidates.
enum RankCandidates {
    /// Hodges–Lehmann on paired log-ratios with the exact signed-rank interval and p; the smallest p the
    /// test can reach is 2/2^k.
    static func pairedRank(_ d: [Double]) -> RankEstimate? {
        let hl = Inference.hodgesLehmannOneSample(d)
        guard let low = hl.low, let high = hl.high else { return nil }
        let k = d.filter { $0 != 0 }.count
        return RankEstimate(estimate: hl.estimate, low: low, high: high, p: SignedRankTest(d).p,
                            minimumP: min(1, 2 / pow(2, Double(k))), paired: true)
    }

    /// Two-sample Hodges–Lehmann shift with the exact Moses interval and the exact Mann–Whitney p; the
    /// smallest p the test can reach is 2/C(n+m, n).
    static func shift(_ la: [Double], _ lb: [Double], p: Double) -> RankEstimate? {
        let hl = Inference.hodgesLehmannShift(la, lb)
        guard let low = hl.low, let high = hl.high else { return nil }
        let n = Double(la.count), m = Double(lb.count)
        let logChoose = lgamma(n + m + 1) - lgamma(n + 1) - lgamma(m + 1)
        return RankEstimate(estimate: hl.shift, low: low, high: high, p: p, minimumP: min(1, 2 * exp(-logChoose)), paired: false)
    }
}

/// Student t quantiles by degrees of freedom, cached within one suite (moderated degrees of freedom take few
/// distinct values).
struct TQuantileCache {
    private var values: [Int64: Double] = [:]
    mutating func quantile(_ p: Double, df: Double) -> Double {
        guard df.isFinite, df < 1e6 else { return Distributions.normalQuantile(p) }
        guard df > 0 else { return .nan }
        let key = Int64((df * 1000).rounded()) &* 1000 &+ Int64((p * 999).rounded())
        if let v = values[key] { return v }
        let v = Distributions.studentTQuantile(p: p, df: df)
        values[key] = v
        return v
    }
}
