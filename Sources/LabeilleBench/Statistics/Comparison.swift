import Foundation

public enum Verdict: String, Sendable, CaseIterable {
    case slower, faster, equivalent, inconclusive
    /// The difference is below the resolution of the timer that measured it: nothing can be said.
    case unresolved
}

/// How a ratio and its interval were obtained: the method depends on whether the iterations can be paired
/// by round and on the sample size.
public enum ComparisonMethod: String, Sendable {
    /// Paired by schedule round, ≥ 6 pairs: Hodges–Lehmann on log-ratios, exact signed-rank CI and p.
    case pairedSignedRank = "paired-signed-rank"
    /// Paired, 3–5 pairs: mean log-ratio, paired t (parametric, low n).
    case pairedT = "paired-t-low-n"
    /// Unpaired, ≥ 5 per side: Hodges–Lehmann shift of log-times, exact Moses CI, exact Mann–Whitney p.
    case hodgesLehmann = "hodges-lehmann-mwu"
    /// Unpaired, below 5 per side: Welch on log-times (underpowered).
    case welchLog = "welch-log-low-n"
    /// Instruction counts: Welch on log counts with the residual variation raised to a floor.
    case welchLogNoiseFloor = "welch-log-noise-floor"
    /// Instruction counts paired by hash seed: t on log ratios with the residual variation raised to a floor.
    case pairedTNoiseFloor = "paired-t-noise-floor"
    /// Not enough valid iterations to compare.
    case insufficient = "insufficient-data"

    /// How the method is named in footnotes.
    public var label: String {
        switch self {
        case .pairedSignedRank: return "Hodges–Lehmann paired by round with the signed-rank interval"
        case .pairedT: return "paired t on log-ratios (3–5 pairs)"
        case .hodgesLehmann: return "Hodges–Lehmann with the Moses interval"
        case .welchLog: return "Welch t on log-times (under 5 per side)"
        case .welchLogNoiseFloor: return "Welch t on log counts, residual variation floored"
        case .pairedTNoiseFloor: return "t on log-ratios paired by hash seed, residual variation floored"
        case .insufficient: return "none (too few iterations)"
        }
    }
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
    /// The smallest relative effect this n can detect at 80% power (two-sided 5%).
    public var minimumDetectableEffect: Double
    /// Measured iterations per condition that would detect ±δ at 80% power, given the observed noise.
    public var iterationsNeeded: Int?
    public var cvBaseline: Double
    public var cvTreatment: Double
    /// P(T_treatment > T_baseline) estimated as U/(n·m).
    public var probabilitySlower: Double
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
    /// Compares one package. `baselineRounds`/`treatmentRounds` give the schedule round of each value when
    /// known: values sharing a round form pairs.
    public static func compare(package: String, baseline: String, treatment: String, metric: String,
                               a: [Double], b: [Double], roundsA: [Int?] = [], roundsB: [Int?] = [],
                               excludedA: Int = 0, excludedB: Int = 0, threshold: Double) -> PackageComparison {
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
        // Logs need positive values; a zero time (or RSS) cannot be compared on the log scale.
        guard a.count >= 2, b.count >= 2, a.allSatisfy({ $0 > 0 }), b.allSatisfy({ $0 > 0 }) else { return c }
        let la = a.map { log($0) }, lb = b.map { log($0) }
        let mw = MannWhitneyTest(lb, la)
        c.probabilitySlower = mw.u / Double(a.count * b.count)

        // Pairs: values of the two conditions that ran in the same round.
        var pairs: [Double] = []
        if roundsA.count == a.count, roundsB.count == b.count {
            var byRound: [Int: Double] = [:]
            for (r, v) in zip(roundsA, la) { if let r { byRound[r] = v } }
            for (r, v) in zip(roundsB, lb) { if let r, let x = byRound[r] { pairs.append(v - x) } }
        }
        if metric == Metric.instructions.rawValue {
            CountStatistics.fill(&c, la: la, lb: lb, pairs: pairs, threshold: threshold)
            return c
        }
        var logEstimate = Double.nan, logLow = Double.nan, logHigh = Double.nan
        if pairs.count >= 6 {
            let hl = Inference.hodgesLehmannOneSample(pairs)
            logEstimate = hl.estimate; logLow = hl.low ?? .nan; logHigh = hl.high ?? .nan
            c.p = SignedRankTest(pairs).p
            c.method = .pairedSignedRank
        } else if pairs.count >= 3 {
            let t = Inference.oneSampleT(pairs)
            logEstimate = t.mean; logLow = t.low; logHigh = t.high; c.p = t.p
            c.method = .pairedT
        } else if a.count >= 5 && b.count >= 5 {
            let hl = Inference.hodgesLehmannShift(la, lb)
            logEstimate = hl.shift; logLow = hl.low ?? .nan; logHigh = hl.high ?? .nan
            c.p = mw.p
            c.method = .hodgesLehmann
        } else {
            let w = WelchTest(lb, la)
            logEstimate = w.meanDifference
            let q = Distributions.studentTQuantile(p: 0.975, df: w.df)
            if w.standardError == 0 {
                logLow = logEstimate; logHigh = logEstimate
            } else {
                logLow = logEstimate - q * w.standardError; logHigh = logEstimate + q * w.standardError
            }
            c.p = w.p
            c.method = .welchLog
        }
        c.ratio = exp(logEstimate); c.ratioLow = exp(logLow); c.ratioHigh = exp(logHigh)

        // Noise on the log scale (≈ CV) for the detectable-effect and sample-size figures.
        let sdLog: Double
        if c.method == .pairedSignedRank || c.method == .pairedT {
            sdLog = Statistics.sampleStdev(pairs) / 2.0.squareRoot()
        } else {
            sdLog = ((Statistics.sampleVariance(la) + Statistics.sampleVariance(lb)) / 2).squareRoot()
        }
        let zSum = Distributions.normalQuantile(0.975) + Distributions.normalQuantile(0.8)
        let n = Double(min(a.count, b.count))
        c.minimumDetectableEffect = exp(zSum * sdLog * (2 / n).squareRoot()) - 1
        let delta = log1p(threshold)
        if sdLog > 0 && delta > 0 {
            // A tiny threshold or a huge noise can ask for more iterations than an Int holds: no figure then.
            let needed = (2 * zSum * zSum * (sdLog / delta) * (sdLog / delta) + 1).rounded(.up)
            c.iterationsNeeded = needed.isFinite && needed < 1e15 ? Int(needed) : nil
        } else {
            c.iterationsNeeded = nil
        }
        return c
    }

    /// Adjusts p-values (Benjamini–Hochberg across the given comparisons) and assigns verdicts.
    public static func finalize(_ comparisons: inout [PackageComparison], threshold: Double) {
        let q = Inference.benjaminiHochberg(comparisons.map(\.p))
        for i in comparisons.indices {
            comparisons[i].qValue = q[i]
            let c = comparisons[i]
            guard !c.ratioLow.isNaN, !c.ratioHigh.isNaN else {
                comparisons[i].verdict = .inconclusive
                continue
            }
            let up = 1 + threshold, down = 1 - threshold
            if c.ratioLow > 1 && c.qValue <= 0.05 && c.ratio > up {
                comparisons[i].verdict = .slower
                comparisons[i].confirmed = c.ratioLow > up
            } else if c.ratioHigh < 1 && c.qValue <= 0.05 && c.ratio < down {
                comparisons[i].verdict = .faster
                comparisons[i].confirmed = c.ratioHigh < down
            } else if c.ratioLow >= down && c.ratioHigh <= up {
                comparisons[i].verdict = .equivalent
            } else {
                comparisons[i].verdict = .inconclusive
            }
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
        return ComparisonSummary(packages: comparisons.count, geomeanRatio: exp(t.mean), geomeanLow: exp(t.low),
                                 geomeanHigh: exp(t.high), counts: counts, excludedIterations: excluded,
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
