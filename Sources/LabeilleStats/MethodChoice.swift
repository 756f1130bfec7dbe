import Foundation
import LabeilleCore

/// Which method decides one package's verdict, and its interval, p and power figures.
///
/// The exact rank tests are kept where they can reach the family's threshold: with m packages a lone change
/// needs p ≤ 0.05/m under Benjamini–Hochberg, and an exact test whose smallest attainable p is above that
/// (0.0079 for 5 vs 5, 2/2^k for k pairs) can never call it, however large. Otherwise the t-based method on
/// log-times decides, with its variance moderated across the packages when there are at least three, or, when
/// the suite's noise is right-tailed, the tail-robust shift (see `RightTailedNoise`).
enum MethodChoice {
    static func resolve(_ c: inout PackageComparison, prior: VariancePrior, maxDF: Double, family: Double,
                        tails: TailWeight.Reading = .init(), threshold: Double, quantiles: inout TQuantileCache) {
        guard let fit = c.fit, fit.variance.isFinite else { return }
        if let r = c.rank, rankReachesFamily(r, fit: fit, family: family) || c.rankUnderClusteredNoise && fit.extraVariance == 0 {
            c.method = r.paired ? .pairedSignedRank : .hodgesLehmann
            c.ratio = exp(r.estimate); c.ratioLow = exp(r.low); c.ratioHigh = exp(r.high); c.p = r.p
            if !r.paired, let s = c.logSamples, let plan = RankPowerPlan(s.a, s.b) {
                setPower(&c, plan, threshold: threshold)
                return
            }
            // Paired: power figures from the rank interval itself, whose width reflects the noise's shape better
            // than an efficiency assumed for normal noise (it still over-promises for clustered values).
            let se = (r.high - r.low) / (2 * Distributions.normalQuantile(0.975))
            let power = PowerPlan(variance: se * se / fit.scale, scale: fit.scale, extra: 0, df: .infinity, priorDF: 0, fit: fit)
            setPower(&c, power, threshold: threshold, quantiles: &quantiles)
            return
        }
        if let robust = c.tailRobust {
            resolveTailRobust(&c, robust, fit: fit, kurtosis: tails.forRobustSpread, threshold: threshold, quantiles: &quantiles)
            return
        }
        let moderated = prior.df > 0
        let t = tStandardError(fit, prior: prior, maxDF: maxDF, moderated: moderated)
        switch c.order {
        case _ where c.clusterAdjusted: c.method = .clusterAdjustedT
        case .paired: c.method = moderated ? .pairedModeratedT : .pairedT
        case .block: c.method = .driftAdjustedT
        default: c.method = moderated ? .moderatedT : .welchLog
        }
        setTEstimate(&c, estimate: fit.estimate, se: t.se2.squareRoot(), df: t.df, quantiles: &quantiles)
        // The degrees of freedom the interval used: the prior's only when the posterior variance was taken.
        // A paired difference of two values has half the excess kurtosis of one value.
        let kurtosis = c.order == .paired ? tails.forSampleVariance / 2 : tails.forSampleVariance
        let power = PowerPlan(variance: t.variance, scale: fit.scale, extra: fit.extraVariance, df: t.dataDF,
                              priorDF: t.borrowedDF, fit: fit, kurtosis: kurtosis)
        setPower(&c, power, threshold: threshold, quantiles: &quantiles)
    }

    /// The exact rank test can reach the threshold a lone discovery among `family` packages needs, and no
    /// between-run variance has to join its interval.
    static func rankReachesFamily(_ r: RankEstimate, fit: LogRatioFit, family: Double) -> Bool {
        r.minimumP <= 0.05 / family && fit.extraVariance == 0
    }

    /// The squared standard error and degrees of freedom of the t-based estimate. A known between-run variance
    /// adds to the standard error with infinite degrees of freedom (Satterthwaite).
    static func tStandardError(_ fit: LogRatioFit, prior: VariancePrior, maxDF: Double, moderated: Bool)
        -> (se2: Double, df: Double, variance: Double, dataDF: Double, borrowedDF: Double) {
        var variance = fit.variance, df = fit.df
        var se2: Double
        if moderated {
            // One-sided: the prior lifts a variance that came out small (and lends its degrees of freedom),
            // but never lowers a package's own larger variance. Packages differ in noise (CV 0.5% next to
            // 3%), and shrinking a noisy package towards the quiet ones would make its interval too narrow.
            let posterior = prior.moderate(variance: fit.variance, df: fit.df, maxDF: maxDF)
            if posterior.variance > fit.variance { (variance, df) = posterior }
            se2 = variance * fit.scale
        } else if fit.welchVariance.isFinite && fit.welchDF.isFinite {
            se2 = fit.welchVariance; df = fit.welchDF
        } else {
            se2 = variance * fit.scale
        }
        return (se2 + fit.extraVariance, satterthwaiteDF(own: se2, df: df, known: fit.extraVariance), variance, fit.df, max(0, df - fit.df))
    }

    /// Degrees of freedom of an estimated variance `own` (with `df`) plus a known variance (Satterthwaite).
    static func satterthwaiteDF(own: Double, df: Double, known: Double) -> Double {
        guard known > 0, own > 0 else { return df }
        return satterthwaiteDF(parts: [(own, df)], known: known)
    }

    /// Degrees of freedom of a sum of estimated variances, each with its own degrees of freedom, plus a known
    /// variance (Welch–Satterthwaite).
    static func satterthwaiteDF(parts: [(variance: Double, df: Double)], known: Double) -> Double {
        let total = parts.reduce(known) { $0 + $1.variance }
        return total * total / parts.reduce(0) { $0 + $1.variance * $1.variance / $1.df }
    }

    /// A t-based estimate's ratio, 95% interval and two-sided p (normal when the degrees of freedom are infinite).
    static func setTEstimate(_ c: inout PackageComparison, estimate: Double, se: Double, df: Double, quantiles: inout TQuantileCache) {
        c.df = df
        c.standardError = se
        c.ratio = exp(estimate)
        guard se != 0 else {
            c.ratioLow = c.ratio; c.ratioHigh = c.ratio
            c.p = estimate == 0 ? 1 : 0
            return
        }
        let q = quantiles.quantile(0.975, df: df)
        c.ratioLow = exp(estimate - q * se); c.ratioHigh = exp(estimate + q * se)
        c.p = df.isFinite ? Distributions.studentTTwoSidedP(t: estimate / se, df: df) : erfc(abs(estimate / se) / 2.0.squareRoot())
    }

    static func setPower(_ c: inout PackageComparison, _ plan: PowerPlan, threshold: Double, quantiles: inout TQuantileCache) {
        let margin = log1p(threshold)
        let mde = plan.detectableLogEffect(n: plan.fit.perCondition, margin: margin, quantiles: &quantiles)
        c.minimumDetectableEffect = mde.isFinite ? exp(mde) - 1 : .nan
        c.iterationsNeeded = plan.forRerun(of: c).iterationsNeeded(target: log1p(2 * threshold), margin: margin, quantiles: &quantiles)
    }

    static func setPower(_ c: inout PackageComparison, _ plan: RankPowerPlan, threshold: Double) {
        let margin = log1p(threshold)
        let mde = plan.detectableLogEffect(margin: margin)
        c.minimumDetectableEffect = mde.isFinite ? exp(mde) - 1 : .nan
        c.iterationsNeeded = plan.iterationsNeeded(target: log1p(2 * threshold), margin: margin)
    }
}

/// The run-to-run noise included in a cross-run interval: where its size comes from and how large it is.
public struct RunNoise: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// A condition with the same interpreter fingerprint in both runs: the ratio is taken relative to it
        /// (difference in differences), so run-level noise shared by the conditions cancels.
        case control
        /// The runs' tracking series: the package's run-to-run spread over the series' history.
        case history
        /// Neither is available: the documented floor (or `--run-noise`).
        case floor
    }
    public var source: Source
    /// Standard deviation of one run's level on the log scale (≈ relative).
    public var size: Double
    /// The control condition or series it was taken from, else empty.
    public var detail: String
    public init(source: Source, size: Double, detail: String = "") {
        self.source = source; self.size = size; self.detail = detail
    }
    /// Day-to-day run noise assumed when nothing better is known: 1% per run, the upper end of what two runs
    /// of the same interpreter on one quiet machine differ by.
    public static let defaultFloor = 0.01
}
