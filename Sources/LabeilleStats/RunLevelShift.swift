import Foundation
import LabeilleCore

/// The part of a cross-run comparison that every package shares: two runs of the same code differ by a
/// machine-wide level (load, temperature, a different boot) that moves all packages together. Each package's
/// interval already includes the run-to-run noise, so each package on its own is calibrated; but because the
/// packages move together, one unlucky pair of runs pushes many of them past their thresholds at once, and a
/// family of positively dependent tests calls "slower" somewhere far more often than the level promises.
///
/// So the common shift is estimated once (the median log-ratio over the packages) and tested once as a
/// run-level event against the run-to-run noise, and each package is also tested for how far it stands
/// out from the common shift (its deviations are nearly independent across packages). A package's
/// slower/faster call stands when the run-level shift is significant in the call's direction (the whole suite
/// really moved, and this package with it), or when the package stands out from the common shift in that
/// direction. The suite's chance of any false call under no change is then at most the run-level level plus
/// the package family's level: `alpha` + `packageAlpha` = 5%.
public struct RunLevelShift: Sendable {
    /// The common ratio between the runs (exp of the median log-ratio) and its 95% interval.
    public var ratio: Double
    public var low: Double
    public var high: Double
    /// Two-sided p of the common shift against the run-to-run noise.
    public var p: Double
    /// True when p ≤ `alpha`: the whole suite moved beyond what run-to-run noise explains.
    public var significant: Bool
    /// Packages that entered the estimate.
    public var packages: Int
    /// Slower/faster calls withheld because the package moved only with the common shift.
    public var withheldCalls: Int
    /// Run-to-run noise (sd of one run's level) the common shift was tested against.
    public var runNoise: Double

    /// Level of the run-level test, taken from the suite's 5%.
    public static let alpha = 0.01
    /// Benjamini–Hochberg level of the packages' deviations from the common shift (the rest of the 5%).
    public static let packageAlpha = 0.04
    /// With fewer packages the median is one of them: a common shift cannot be told apart from the packages' own.
    public static let minimumPackages = 10

    static let reason = "moved with the whole suite, whose run-level shift is within the run-to-run noise;"
        + " the package does not stand out from it"

    /// Variance of the shift all packages share between two runs: at most the run noise of both runs (2f², f the
    /// median run noise per run over the packages that carry one); 0 within a run or relative to a control.
    static func sharedVariance(_ comparisons: [PackageComparison]) -> Double {
        let extra = comparisons.compactMap { $0.fit?.extraVariance }.filter { $0 > 0 && $0.isFinite }
        return extra.isEmpty ? 0 : Statistics.median(extra)
    }

    /// Estimates and tests the common shift of the cross-run comparisons whose intervals carry a run-to-run
    /// variance, and withholds the calls that neither the run-level test nor the package's own deviation
    /// supports. Nil (nothing changed) within one run, with a control condition, or with too few packages.
    static func gate(_ comparisons: inout [PackageComparison]) -> RunLevelShift? {
        let eligible = comparisons.indices.filter { i in
            let c = comparisons[i]
            guard let f = c.fit else { return false }
            return f.extraVariance > 0 && c.standardError > 0 && c.standardError.isFinite && c.ratio > 0 && c.ratio.isFinite
        }
        guard eligible.count >= minimumPackages else { return nil }
        let logs = eligible.map { log(comparisons[$0].ratio) }
        let center = Statistics.median(logs)
        // The shared part of the run noise is at most the whole run noise of a package (sd per run f, so 2f² for
        // the difference of two runs); the median's own sampling variance is π/2 times the mean's.
        let noise = (sharedVariance(comparisons) / 2).squareRoot()
        let se2 = eligible.map { comparisons[$0].standardError * comparisons[$0].standardError }
        let centerSE = (2 * noise * noise + Double.pi / 2 * Statistics.median(se2) / Double(eligible.count)).squareRoot()
        let p = erfc(abs(center / centerSE) / 2.0.squareRoot())
        let z = Distributions.normalQuantile(0.975)
        var shift = RunLevelShift(ratio: exp(center), low: exp(center - z * centerSE), high: exp(center + z * centerSE), p: p,
                                  significant: p <= alpha, packages: eligible.count, withheldCalls: 0, runNoise: noise)
        let deviationP = eligible.map { i -> Double in
            let c = comparisons[i]
            let t = (log(c.ratio) - center) / c.standardError
            return c.df.isFinite ? Distributions.studentTTwoSidedP(t: t, df: c.df) : erfc(abs(t) / 2.0.squareRoot())
        }
        let deviationQ = Inference.benjaminiHochberg(deviationP)
        for (k, i) in eligible.enumerated() {
            comparisons[i].runShiftDeviationQ = deviationQ[k]
            let c = comparisons[i]
            guard c.verdict == .slower || c.verdict == .faster else { continue }
            let direction: Double = c.verdict == .slower ? 1 : -1
            let withShift = shift.significant && center * direction > 0
            let standsOut = deviationQ[k] <= packageAlpha && (log(c.ratio) - center) * direction > 0
            guard !withShift && !standsOut else { continue }
            comparisons[i].verdict = .inconclusive
            comparisons[i].confirmed = false
            comparisons[i].inconclusiveReason = reason
            shift.withheldCalls += 1
        }
        return shift
    }
}
