import Foundation
import LabeilleCore

public enum Verdict: String, Sendable, CaseIterable {
    case slower, faster, equivalent, inconclusive
    /// The difference is below the resolution of the timer that measured it: nothing can be said.
    case unresolved
}

/// How a ratio and its interval were obtained: the method that decided the verdict.
public enum ComparisonMethod: String, Sendable {
    /// Paired by schedule round, enough pairs for the exact test to reach the family's threshold: Hodges–Lehmann
    /// on log-ratios, exact signed-rank CI and p.
    case pairedSignedRank = "paired-signed-rank"
    /// Paired, with one package only (nothing to moderate against): mean log-ratio, paired t (parametric, low n).
    case pairedT = "paired-t-low-n"
    /// Paired, moderated t on the log-ratios (variance shrunk towards the other packages').
    case pairedModeratedT = "paired-moderated-t"
    /// Unpaired, the exact test can reach the family's threshold: Hodges–Lehmann shift of log-times, exact
    /// Moses CI, exact Mann–Whitney p.
    case hodgesLehmann = "hodges-lehmann-mwu"
    /// Unpaired with one package only: Welch on log-times (underpowered).
    case welchLog = "welch-log-low-n"
    /// Unpaired, moderated two-sample t on log-times.
    case moderatedT = "moderated-t"
    /// Block order: a drift-adjusted (time as covariate) moderated t on log-times.
    case driftAdjustedT = "drift-adjusted-moderated-t"
    /// The suite's noise has a heavy right tail: Hodges–Lehmann shift of log-times over a spread without the
    /// largest residual, referred to the suite's pooled relabelings (see `RightTailedNoise`).
    case tailRobustShift = "tail-robust-hodges-lehmann"
    /// The suite's noise falls into clusters and both samples show both: a t on log-times with each value's
    /// cluster as a covariate, referred to the suite's pooled relabelings (see `ClusterAdjustment`).
    case clusterAdjustedT = "cluster-adjusted-t"
    /// Instruction counts: Welch on log counts with the residual variation raised to a floor.
    case welchLogNoiseFloor = "welch-log-noise-floor"
    /// Instruction counts paired by hash seed: t on log ratios with the residual variation raised to a floor.
    case pairedTNoiseFloor = "paired-t-noise-floor"
    /// Not enough valid iterations to compare.
    case insufficient = "insufficient-data"

    /// Parametric methods at low n that rest on one package's own variance.
    public var isLowNParametric: Bool { self == .pairedT || self == .welchLog }

    /// How the method is named in footnotes.
    public var label: String {
        switch self {
        case .pairedSignedRank: return "Hodges–Lehmann paired by round with the signed-rank interval"
        case .pairedT: return "paired t on log-ratios (3–5 pairs)"
        case .hodgesLehmann: return "Hodges–Lehmann with the Moses interval"
        case .welchLog: return "Welch t on log-times (under 5 per side)"
        case .pairedModeratedT: return "paired t on log-ratios, variance moderated across packages"
        case .moderatedT: return "t on log-times, variance moderated across packages"
        case .driftAdjustedT: return "t on log-times adjusted for drift over the blocks, variance moderated across packages"
        case .tailRobustShift: return "Hodges–Lehmann shift of log-times over a tail-trimmed spread, referred to the suite's relabelings (right-tailed noise)"
        case .clusterAdjustedT: return "t on log-times with each value's cluster (above or below its sample's largest gap) as a covariate, referred to the suite's relabelings (clustered noise)"
        case .welchLogNoiseFloor: return "Welch t on log counts, residual variation floored"
        case .pairedTNoiseFloor: return "t on log-ratios paired by hash seed, residual variation floored"
        case .insufficient: return "none (too few iterations)"
        }
    }
}

/// How the two samples of one comparison relate in time.
public enum SampleOrder: String, Sendable {
    /// Values share schedule rounds (alternating or interleaved): drift cancels within pairs.
    case paired
    /// Alternating rounds whose values barely co-vary: analysed as two samples, which keeps the power that
    /// pairing would lose to heavy tails.
    case pairedAnalysedUnpaired = "paired-analysed-unpaired"
    /// No round and no time order known.
    case unpaired
    /// All iterations of one condition, then all of the other: drift over time is confounded with the effect
    /// unless it is estimated from the time order.
    case block
    /// Two different runs: run-to-run noise adds to the within-run noise.
    case crossRun = "cross-run"
}

/// The comparison of one package's treatment with its baseline on one metric.
public struct PackageComparison: Sendable {
    public var package: String
    public var baseline: String
    public var treatment: String
    public var metric: String
    public var nBaseline: Int
    public var nTreatment: Int
    public var excludedBaseline: Int
    public var excludedTreatment: Int
    public var medianBaseline: Double
    public var medianTreatment: Double
    /// Relative difference of medians, in percent (the original's Overhead column).
    public var overheadPct: Double
    public var ratio: Double
    public var ratioLow: Double
    public var ratioHigh: Double
    /// p-value of the primary method (before multiple-comparison adjustment).
    public var p: Double
    public var qValue: Double = .nan
    public var welch: WelchTest
    public var method: ComparisonMethod
    public var verdict: Verdict = .inconclusive
    /// True when the whole interval lies beyond ±δ.
    public var confirmed = false
    /// The smallest true relative change that the method used calls slower (or faster) with 80% probability
    /// at this n and noise, for this package on its own (two-sided 5%, estimate beyond δ); NaN when the
    /// method cannot reach significance at all.
    public var minimumDetectableEffect: Double
    /// Measured iterations per condition at which a true change of 2δ would be called with 80% probability
    /// (a change of exactly δ is called half the time at any n, since the estimate must pass δ); nil when
    /// no number of iterations can (run-to-run noise dominates) or the noise is zero.
    public var iterationsNeeded: Int?
    public var cvBaseline: Double
    public var cvTreatment: Double
    /// P(T_treatment > T_baseline) estimated as U/(n·m).
    public var probabilitySlower: Double
    /// The time structure the analysis used.
    public var order: SampleOrder = .unpaired
    /// Why a slower/faster call was withheld (e.g. drift confounded with block order), else nil.
    public var inconclusiveReason: String?
    /// True when a slower/faster call was withheld because the suite's noise falls into clusters and this
    /// package has 5 or fewer values per side (the reason says so).
    public var withheldForClusteredNoise = false
    /// True when the suite's noise falls into clusters and this package's shift was read with each value's
    /// cluster as a covariate (see `ClusterAdjustment`).
    var clusterAdjusted = false
    /// The fit before the cluster adjustment: a rerun with more iterations is no longer read with the clusters
    /// as a covariate, so its iterations are planned from this one.
    var unadjustedFit: LogRatioFit?
    /// The suite's noise falls into clusters and this package could not be read with them: the exact rank
    /// interval is reported, though its test cannot reach the family's threshold (see `ClusterAdjustment`).
    var rankUnderClusteredNoise = false
    /// The shapes of this package's small samples, for the suite-level check of clustered noise.
    var sampleShapes = ClusteredNoise.Tally()
    /// The ratio of this package's two sample variances, for the suite-level tail weight (see `TailWeight`).
    var varianceRatio: TailWeight.Sample?
    /// The suite's excess kurtosis read from the packages' variance ratios, which the power figures allow for
    /// (the same for every package of a comparison; 0 when the spread is what normal noise gives).
    public var tailKurtosis: Double = 0
    /// Drift per iteration on the log scale (≈ relative), estimated from the time order (block order only): the
    /// package's own, or the one predicted from the suite's (see `SuiteDrift`).
    public var driftPerIteration: Double { blockDrift?.slope ?? .nan }
    /// Degrees of freedom of the t-based interval (after moderation), NaN for rank methods.
    public var df: Double = .nan
    /// Standard error of the t-based log-ratio (run-to-run noise included), NaN for rank methods.
    public var standardError: Double = .nan
    /// Cross-run: Benjamini–Hochberg q of how far this package stands out from the suite's common run-level
    /// shift (see `RunLevelShift`); NaN when no common shift was estimated.
    public var runShiftDeviationQ: Double = .nan
    /// Run-to-run noise included in the interval (cross-run comparisons), nil within one run.
    public var runNoise: RunNoise?
    /// Inputs kept for the suite-level step (moderation, method choice).
    public var fit: LogRatioFit?
    public var rank: RankEstimate?
    /// The log-times of both sides, for the suite-level check of right-tailed noise.
    var logSamples: LogSamples?
    /// The tail-robust candidate when the suite's noise is right-tailed (see `RightTailedNoise`).
    var tailRobust: TailRobustShift?
    /// Block order: the package's pieces for the suite's drift step (see `SuiteDrift`).
    var blockDrift: BlockDrift?
    /// Block order: the suite's drifts, when there were enough block-ordered packages to estimate them.
    public var suiteDrift: SuiteDrift.Estimate?
    /// Block order: this package's drift was predicted from the suite's (else its own slope corrected it).
    public var driftBorrowedFromSuite: Bool { blockDrift?.borrowed ?? false }
    /// Paired with 3–5 pairs: the unpaired analysis the suite may choose instead (see `PairingChoice`).
    var pairingAlternative: PairingAlternative?
    /// Instruction counts: the floor of the residual variation per iteration (nil for other metrics).
    public var noiseFloor: Double?
    /// Instruction counts: the larger of the two sides' observed residual variation (sd of log count).
    public var residualCV: Double?
    /// True when an observed residual variation was below the floor, so the floor was used.
    public var noiseFloorApplied = false
    /// The two sides did not measure the same workload (different tests ran or skipped, or iterations of
    /// one side differed); such a package stays out of the suite's geometric mean unless asked for.
    public var workloadMismatch = false
    /// Why, in words (nil when the workloads match or are unknown).
    public var workloadNote: String?
    /// The typical test counts of each side's iterations (nil when unknown).
    public var testsBaseline: TestCounts?
    public var testsTreatment: TestCounts?
    public var workloadChangedBaseline = false
    public var workloadChangedTreatment = false
}

/// A log-ratio estimate for the t-based methods: the residual variance per observation with its degrees of
/// freedom, and `scale` so that the squared standard error is variance·scale + extraVariance (a known
/// between-run part).
public struct LogRatioFit: Sendable {
    public var estimate: Double
    public var variance: Double
    public var df: Double
    public var scale: Double
    public var extraVariance: Double = 0
    /// Iterations per condition behind the fit, to rescale for the sample-size figures.
    public var perCondition: Double
    /// Degrees of freedom lost to the model beyond the two means (1 with a drift term).
    public var extraParameters: Double = 0
    /// Welch's squared standard error and degrees of freedom (two samples), used when there is nothing to
    /// moderate against.
    public var welchVariance: Double = .nan
    public var welchDF: Double = .nan
    /// Residuals in time order (block order, or each run of a cross-run pair): Σ r_t·r_t+1, Σ r_t·r_t+2, Σ r_t² and the
    /// length of a sequence, pooled across packages to estimate the autocorrelation of the machine state.
    public var lagProducts: Double = 0
    public var lag2Products: Double = 0
    public var squares: Double = 0
    public var sequenceLength: Double = 0
    /// The sequences are two runs' iterations, each demeaned on its own: the estimate is a difference of run means.
    public var meansOfRuns = false
}

/// The exact rank-based candidate: estimate, interval, p and the smallest p the test can reach.
public struct RankEstimate: Sendable {
    public var estimate: Double
    public var low: Double
    public var high: Double
    public var p: Double
    public var minimumP: Double
    public var paired: Bool
}

public struct ComparisonSummary: Sendable {
    public var packages: Int
    public var geomeanRatio: Double
    public var geomeanLow: Double
    public var geomeanHigh: Double
    public var counts: [Verdict: Int]
    public var excludedIterations: Int
    /// Packages with a workload mismatch, and whether the geometric mean includes them.
    public var mismatchedPackages = 0
    public var geomeanIncludesMismatched = false
    /// Packages left out of the geometric mean because of a workload mismatch.
    public var mismatchedExcluded: Int { geomeanIncludesMismatched ? 0 : mismatchedPackages }
}

public enum Comparator {
    /// Compares one package. `roundsA`/`roundsB` give the schedule round of each value when known: values
    /// sharing a round form pairs. `timesA`/`timesB` give the time order of each value in a block-ordered run
    /// (e.g. condition position × iterations + index) so drift can be estimated. `runNoiseVariance` is the
    /// run-to-run noise of each side's level for cross-run comparisons: its variance joins the interval, or,
    /// from a control condition (`controlA`/`controlB`, the control's values in the two runs), the ratio is
    /// taken relative to the control's (difference in differences). The interval
    /// and verdict are final only after `finalize`, which moderates the variances across packages.
    public static func compare(package: String, baseline: String, treatment: String, metric: String,
                               a: [Double], b: [Double], roundsA: [Int?] = [], roundsB: [Int?] = [],
                               timesA: [Double] = [], timesB: [Double] = [], runNoise: RunNoise? = nil,
                               controlA: [Double] = [], controlB: [Double] = [], excludedA: Int = 0, excludedB: Int = 0, threshold: Double) -> PackageComparison {
        let medA = a.isEmpty ? .nan : Statistics.median(a)
        let medB = b.isEmpty ? .nan : Statistics.median(b)
        var c = PackageComparison(
            package: package, baseline: baseline, treatment: treatment, metric: metric, nBaseline: a.count,
            nTreatment: b.count, excludedBaseline: excludedA, excludedTreatment: excludedB,
            medianBaseline: medA, medianTreatment: medB,
            overheadPct: medA > 0 ? (medB - medA) / medA * 100 : .nan,
            ratio: .nan, ratioLow: .nan, ratioHigh: .nan, p: .nan, welch: WelchTest(a, b),
            method: .insufficient, minimumDetectableEffect: .nan, iterationsNeeded: nil,
            cvBaseline: DescriptiveStats(a).cv, cvTreatment: DescriptiveStats(b).cv, probabilitySlower: .nan)
        c.runNoise = runNoise
        // Logs need positive values; a zero time (or RSS) cannot be compared on the log scale.
        guard a.count >= 2, b.count >= 2, a.allSatisfy({ $0 > 0 }), b.allSatisfy({ $0 > 0 }) else { return c }
        let la = a.map { log($0) }, lb = b.map { log($0) }
        let mw = MannWhitneyTest(lb, la)
        c.probabilitySlower = mw.u / Double(a.count * b.count)
        let pairs = pairedDifferences(la, lb, roundsA, roundsB)
        c.sampleShapes.add(la); c.sampleShapes.add(lb)
        c.varianceRatio = TailWeight.sample(la, lb)
        if metric == Metric.instructions.rawValue {
            // Near-deterministic counts: their own floored test, and no moderation or rank step later (no fit).
            CountStatistics.fill(&c, la: la, lb: lb, pairs: pairs.d, threshold: threshold)
            return c
        }
        c.logSamples = LogSamples(a: la, b: lb)
        chooseFit(&c, la: la, lb: lb, pairs: pairs, timesA: timesA, timesB: timesB, mannWhitneyP: mw.p)
        if let runNoise { addRunNoise(&c, runNoise, la: la, lb: lb, controlA: controlA, controlB: controlB) }
        return c
    }

    /// The order the values were measured in, and the fit (and rank candidate) that order allows: paired by
    /// round, unpaired, or block order with drift estimated from the values' times.
    static func chooseFit(_ c: inout PackageComparison, la: [Double], lb: [Double], pairs: (d: [Double], a: [Double], b: [Double]),
                          timesA: [Double], timesB: [Double], mannWhitneyP: Double) {
        if pairs.d.count >= 3 && !pairingUseless(pairs.a, pairs.b) {
            c.order = .paired
            c.fit = LogFits.paired(pairs.d)
            if pairs.d.count >= 6 {
                c.rank = RankCandidates.pairedRank(pairs.d)
            } else if let r = PairingChoice.rankCorrelation(pairs.a, pairs.b) {
                // Too few pairs to judge alone: the suite decides in `finalize` (see `PairingChoice`).
                c.pairingAlternative = PairingAlternative(correlation: r, unpairedFit: LogFits.twoSample(la, lb),
                                                          unpairedRank: la.count >= 4 && lb.count >= 4 ? RankCandidates.shift(la, lb, p: mannWhitneyP) : nil)
            }
        } else {
            c.order = pairs.d.count >= 3 ? .pairedAnalysedUnpaired : .unpaired
            if timesA.count == la.count && timesB.count == lb.count && !timesA.isEmpty && pairs.d.count < 3 {
                c.order = .block
                if let adjusted = LogFits.driftAdjusted(la, timesA, lb, timesB) {
                    // The suite's drift step (`SuiteDrift`) may narrow the fit, or withhold the call.
                    c.fit = adjusted.fit
                    c.blockDrift = adjusted.drift
                } else {
                    c.fit = LogFits.twoSample(la, lb)
                    c.inconclusiveReason = "block order: too few iterations per condition to estimate drift"
                }
            } else {
                c.fit = LogFits.twoSample(la, lb)
                if la.count >= 4 && lb.count >= 4 { c.rank = RankCandidates.shift(la, lb, p: mannWhitneyP) }
            }
        }
    }

    /// Cross-run: the run-to-run noise joins the interval, or the ratio is taken relative to a control condition's
    /// ratio between the same runs (difference in differences).
    static func addRunNoise(_ c: inout PackageComparison, _ runNoise: RunNoise, la: [Double], lb: [Double],
                            controlA: [Double], controlB: [Double]) {
        guard let fit = c.fit else { return }
        c.order = .crossRun
        c.rank = nil
        if runNoise.source == .control {
            // Difference in differences: the ratio relative to the control's ratio between the same runs.
            guard controlA.count >= 2, controlB.count >= 2, (controlA + controlB).allSatisfy({ $0 > 0 }) else {
                c.fit = nil
                return
            }
            c.fit = LogFits.difference(fit, LogFits.twoSample(controlA.map { log($0) }, controlB.map { log($0) }))
        } else {
            var widened = fit
            widened.extraVariance += 2 * runNoise.size * runNoise.size
            let meanA = Statistics.mean(la), meanB = Statistics.mean(lb)
            let ra = la.map { $0 - meanA }, rb = lb.map { $0 - meanB }
            (widened.lagProducts, widened.lag2Products, widened.squares) = Autocorrelation.sums([ra, rb])
            widened.sequenceLength = Double(la.count + lb.count) / 2
            widened.meansOfRuns = true
            c.fit = widened
        }
    }

    /// Log-differences of the values that ran in the same round, with the two sides in pair order.
    static func pairedDifferences(_ la: [Double], _ lb: [Double], _ roundsA: [Int?], _ roundsB: [Int?])
        -> (d: [Double], a: [Double], b: [Double]) {
        guard roundsA.count == la.count, roundsB.count == lb.count else { return ([], [], []) }
        var byRound: [Int: Double] = [:]
        for (r, v) in zip(roundsA, la) { if let r { byRound[r] = v } }
        var d: [Double] = [], pa: [Double] = [], pb: [Double] = []
        for (r, v) in zip(roundsB, lb) {
            if let r, let x = byRound[r] { d.append(v - x); pa.append(x); pb.append(v) }
        }
        return (d, pa, pb)
    }

    /// Pairing pays only when the two values of a round move together (drift, machine state). With
    /// independent noise it halves the degrees of freedom, and heavy tails hit both values of a pair. The
    /// correlation does not depend on a shift between the conditions, so choosing by it keeps the tests'
    /// error rates.
    static func pairingUseless(_ a: [Double], _ b: [Double]) -> Bool {
        guard a.count >= 6, let r = PairingChoice.rankCorrelation(a, b) else { return false }
        return r < PairingChoice.minimumCorrelation
    }

    /// Moderates the variances across the comparisons, chooses each package's method, adjusts p-values
    /// (Benjamini–Hochberg across the given comparisons) and assigns verdicts. Across runs, returns the suite's
    /// common run-level shift, tested once, against which the packages' calls were checked.
    @discardableResult
    public static func finalize(_ comparisons: inout [PackageComparison], threshold: Double) -> RunLevelShift? {
        SuiteDrift.resolve(&comparisons)
        PairingChoice.resolve(&comparisons)
        RightTailedNoise.resolve(&comparisons)
        Autocorrelation.inflate(&comparisons)
        let fits = comparisons.compactMap(\.fit)
        let prior = fits.count >= 3 ? VariancePrior.fit(variances: fits.map(\.variance), dfs: fits.map(\.df)) : .none
        let pooledDF = fits.reduce(0) { $0 + max($1.df, 0) }
        var quantiles = TQuantileCache()
        let family = Double(max(1, comparisons.count))
        let tails = TailWeight.read(comparisons.compactMap(\.varianceRatio))
        let clustered = ClusteredNoise.suiteIsClustered(comparisons)
        if clustered { ClusterAdjustment.apply(&comparisons, family: family) }
        for i in comparisons.indices {
            comparisons[i].tailKurtosis = tails.forSampleVariance
            // A cluster-adjusted fit is referred to the suite's relabelings: nothing to moderate.
            let adjusted = comparisons[i].clusterAdjusted
            MethodChoice.resolve(&comparisons[i], prior: adjusted ? .none : prior, maxDF: pooledDF, family: family,
                                 tails: tails, threshold: threshold, quantiles: &quantiles)
        }
        let q = Inference.benjaminiHochberg(comparisons.map(\.p))
        for i in comparisons.indices {
            comparisons[i].qValue = q[i]
            assignVerdict(&comparisons[i], threshold: threshold)
        }
        if clustered { withholdUnderClusteredNoise(&comparisons) }
        return RunLevelShift.gate(&comparisons)
    }

    /// In a suite whose small samples fall into clusters far more often than normal noise allows, the t-based
    /// slower/faster calls resting on 5 or fewer values per side are withheld (the exact rank tests hold under
    /// any noise and keep theirs; packages whose samples each show both clusters were read with the clusters
    /// as a covariate and keep theirs), and no detectable effect is promised at that n.
    static func withholdUnderClusteredNoise(_ comparisons: inout [PackageComparison]) {
        for i in comparisons.indices {
            let c = comparisons[i]
            let rankOnMerit = (c.method == .pairedSignedRank || c.method == .hodgesLehmann) && !c.rankUnderClusteredNoise
            guard min(c.nBaseline, c.nTreatment) <= 5, c.fit != nil, !rankOnMerit else { continue }
            comparisons[i].minimumDetectableEffect = .nan
            if let k = c.iterationsNeeded { comparisons[i].iterationsNeeded = max(k, 6) }
            guard !c.clusterAdjusted, c.verdict == .slower || c.verdict == .faster else { continue }
            comparisons[i].verdict = .inconclusive
            comparisons[i].confirmed = false
            comparisons[i].withheldForClusteredNoise = true
            comparisons[i].inconclusiveReason = ClusteredNoise.reason
        }
    }

    static func assignVerdict(_ c: inout PackageComparison, threshold: Double) {
        c.confirmed = false
        guard !c.ratioLow.isNaN, !c.ratioHigh.isNaN else { c.verdict = .inconclusive; return }
        let up = 1 + threshold, down = 1 - threshold
        if c.ratioLow > 1 && c.qValue <= 0.05 && c.ratio > up {
            c.verdict = .slower
            c.confirmed = c.ratioLow > up
        } else if c.ratioHigh < 1 && c.qValue <= 0.05 && c.ratio < down {
            c.verdict = .faster
            c.confirmed = c.ratioHigh < down
        } else if c.ratioLow >= down && c.ratioHigh <= up {
            c.verdict = .equivalent
        } else {
            c.verdict = .inconclusive
        }
        // The reason (drift confounded with block order) undermines the model behind any call, equivalence too.
        if c.inconclusiveReason != nil {
            c.verdict = .inconclusive
            c.confirmed = false
        }
    }

    /// Geometric mean of the per-package ratios with a t-interval over packages, and verdict counts.
    /// Packages whose two sides ran different workloads are left out of the mean unless `includeMismatched`.
    public static func summarize(_ comparisons: [PackageComparison], includeMismatched: Bool = false) -> ComparisonSummary {
        let mismatched = comparisons.filter(\.workloadMismatch).count
        let logs = comparisons.filter { includeMismatched || !$0.workloadMismatch }
            .map(\.ratio).filter { $0 > 0 && $0.isFinite }.map { log($0) }
        var counts: [Verdict: Int] = [:]
        for v in Verdict.allCases { counts[v] = 0 }
        for c in comparisons { counts[c.verdict, default: 0] += 1 }
        let excluded = comparisons.reduce(0) { $0 + $1.excludedBaseline + $1.excludedTreatment }
        guard !logs.isEmpty else {
            return ComparisonSummary(packages: comparisons.count, geomeanRatio: .nan, geomeanLow: .nan,
                                     geomeanHigh: .nan, counts: counts, excludedIterations: excluded,
                                     mismatchedPackages: mismatched, geomeanIncludesMismatched: includeMismatched)
        }
        let t = Inference.oneSampleT(logs)
        // Across runs the packages share the run-level shift, which their spread cannot show: its variance (the
        // run noise of both runs) joins the interval.
        let shared = RunLevelShift.sharedVariance(comparisons)
        let half = t.high.isFinite ? ((t.high - t.mean) * (t.high - t.mean) + pow(Distributions.normalQuantile(0.975), 2) * shared).squareRoot() : .nan
        return ComparisonSummary(packages: comparisons.count, geomeanRatio: exp(t.mean), geomeanLow: exp(t.mean - half),
                                 geomeanHigh: exp(t.mean + half), counts: counts, excludedIterations: excluded,
                                 mismatchedPackages: mismatched, geomeanIncludesMismatched: includeMismatched)
    }

    /// Per-test comparisons whose difference is below the timer's resolution say `unresolved`: a timer
    /// that counts in steps of `resolution` cannot show an effect smaller than one step, so neither
    /// "equivalent" nor a direction can be claimed.
    public static func markUnresolved(_ comparisons: inout [PackageComparison], resolution: Double, threshold: Double) {
        for i in comparisons.indices {
            let c = comparisons[i]
            let smaller = min(c.medianBaseline, c.medianTreatment)
            let stepTooCoarse = !(smaller > 0) || resolution > threshold * smaller
            if stepTooCoarse && !(abs(c.medianTreatment - c.medianBaseline) >= resolution) {
                comparisons[i].verdict = .unresolved
                comparisons[i].confirmed = false
            }
        }
    }

    /// The step of the timer behind a set of durations: 10 ms when all are multiples of 0.01 s (pytest's
    /// `--durations` text), 1 ms when all are multiples of 0.001 s, else 1 µs (the stored precision).
    public static func timerResolution(_ durations: [Double]) -> Double {
        func allMultiples(_ step: Double) -> Bool {
            durations.allSatisfy { d in let k = (d / step).rounded(); return abs(d - k * step) < step * 1e-6 }
        }
        if durations.count >= 2 && allMultiples(0.01) { return 0.01 }
        if durations.count >= 2 && allMultiples(0.001) { return 0.001 }
        return 1e-6
    }
}
