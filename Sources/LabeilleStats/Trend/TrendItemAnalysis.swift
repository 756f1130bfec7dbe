import Foundation
import LabeilleCore

/// One package × condition of a series on the log scale: its points, their noise, and the level comparisons
/// between them, from which `TrendAnalyzer` builds the item's `PackageTrend`.
struct TrendItemAnalysis {
    /// The points with a positive median (a zero-time point cannot be placed on the ratio scale).
    let pts: [SeriesPoint]
    let y: [Double]
    let x: [Double]
    let medians: [Double]
    let options: TrendOptions
    /// Run-to-run variance of one run's log level, and its degrees of freedom.
    let betweenVar: Double
    let betweenDF: Double
    /// Typical within-run plus run-to-run variance: the noise floor of the segment tests.
    let totalVar: Double
    /// Each point's variance: its within-run part (never below the typical one) plus the run-to-run part.
    let pointVar: [Double]
    /// Each point's within-run variance (never below the typical one), and the typical one.
    let withinVar: [Double]
    let typicalWithinVar: Double
    /// The series' pooled run-to-run variance, which packages with few runs borrow.
    let pooledBetweenVar: Double
    var n: Int { pts.count }
    var last: Int { pts.count - 1 }

    /// The baseline level: the pinned run, else the median of the first runs.
    struct Baseline {
        var index: Int
        var isPinned: Bool
        var window: Int
        var level: Double
        var variance: Double
    }

    /// Noise: within-run variance of each point, plus the run-to-run variance. With few runs the package's
    /// own estimate rests on a couple of differences (or none): it borrows the series' pooled value, so the
    /// run-to-run part is never zero. The pooled value is a median over many packages (or the documented
    /// floor): its degrees of freedom are taken as infinite. They feed a Satterthwaite t in `level`.
    init?(_ item: PackagePoints, options: TrendOptions, pooledBetweenVar: Double) {
        pts = item.points.filter { $0.median > 0 && $0.median.isFinite }
        guard !pts.isEmpty else { return nil }
        y = pts.map { log($0.median) }
        x = pts.map { Double($0.position) }
        medians = pts.map(\.median)
        self.options = options
        let (typicalWithinVar, withinVar) = TrendAnalyzer.withinVariances(pts)
        var between = pooledBetweenVar, df = Double.infinity, total = typicalWithinVar + pooledBetweenVar
        if let own = TrendAnalyzer.runToRunVariance(y, typicalWithinVar: typicalWithinVar) {
            if own.df >= 4 {
                (between, total, df) = own
            } else {
                between = max(own.between, pooledBetweenVar)
                total = max(own.total, typicalWithinVar + between)
            }
        }
        (betweenVar, betweenDF, totalVar) = (between, df, total)
        pointVar = withinVar.map { $0 + between }
        (self.withinVar, self.typicalWithinVar, self.pooledBetweenVar) = (withinVar, typicalWithinVar, pooledBetweenVar)
    }

    /// The pinned run, else the median of the first runs (variance of a median of k points ≈ (π/2)·σ²/k from
    /// 3 points on).
    func baseline(pinned: Int?) -> Baseline {
        var index = 0
        var isPinned = false
        if let pinned, let k = pts.firstIndex(where: { $0.runIndex == pinned }) { index = k; isPinned = true }
        let window = isPinned ? 1 : max(1, min(options.baselineWindow, n - 1))
        let level = window == 1 ? y[index] : Statistics.median(Array(y[index..<(index + window)]))
        let variance = window == 1 ? pointVar[index]
            : (window >= 3 ? Double.pi / 2 : 1) * pointVar[index..<(index + window)].reduce(0, +) / Double(window * window)
        return Baseline(index: index, isPinned: isPinned, window: window, level: level, variance: variance)
    }

    /// The change from level `yi` (variance `vi`, at point `i`) to `yj` (`vj`, at point `j`), with a t test.
    func level(_ yi: Double, _ vi: Double, _ i: Int, to yj: Double, _ vj: Double, _ j: Int,
               tQuantiles: inout [Int: Double]) -> LevelChange {
        let dlt = yj - yi
        let variance = vi + vj
        let se = variance.squareRoot()
        // Satterthwaite: the within-run part rests on many iterations (taken as exact), the between-run part
        // on betweenDF differences.
        let b = 2 * betweenVar
        let df = b > 0 ? floor(variance * variance * betweenDF / (b * b)) : Double.infinity
        let z: Double = se > 0 ? dlt / se : (dlt == 0 ? 0 : (dlt > 0 ? .infinity : -.infinity))
        let p = df.isFinite && df >= 1 ? Distributions.studentTTwoSidedP(t: z, df: df) : erfc(abs(z) / 2.0.squareRoot())
        let q = TrendAnalyzer.quantile975(df, &tQuantiles)
        let ratio = exp(dlt)
        return LevelChange(fromRunIndex: pts[i].runIndex, toRunIndex: pts[j].runIndex, fromMedian: exp(yi),
                           toMedian: exp(yj), ratio: ratio, ciLow: exp(dlt - q * se), ciHigh: exp(dlt + q * se),
                           z: z, p: p, beyondThreshold: abs(ratio - 1) > options.regressionThreshold)
    }

    /// Change points on the log medians, each measured against its adjacent segments.
    func changePoints(_ cps: [Int], data: SeriesWithPoints, mosesCache: inout [Int: Int]) -> [ChangePoint] {
        var out: [ChangePoint] = []
        for (i, t) in cps.enumerated() {
            let lo = i == 0 ? 0 : cps[i - 1], hi = i == cps.count - 1 ? n : cps[i + 1]
            let r = RobustTrend.segmentRatio(before: Array(y[lo..<t]), after: Array(y[t..<hi]), noiseFloorVariance: totalVar,
                                             mosesCache: &mosesCache)
            let beforeRun = data.runs[pts[t - 1].runIndex], afterRun = data.runs[pts[t].runIndex]
            out.append(ChangePoint(
                position: pts[t].position, benchID: afterRun.benchID, ratio: r.ratio, ciLow: r.low, ciHigh: r.high, p: r.p,
                method: r.method, beforeMedian: Statistics.median(Array(medians[lo..<t])),
                afterMedian: Statistics.median(Array(medians[t..<hi])), runsBefore: t - lo, runsAfter: hi - t,
                lastBeforeBenchID: beforeRun.benchID, lastBeforeSHA: beforeRun.sha, firstAfterSHA: afterRun.sha))
        }
        return out
    }

    /// The latest segment against the baseline's segment; nil when no change point lies after the baseline.
    func segmentChange(_ cps: [Int], baseline baseIdx: Int, mosesCache: inout [Int: Int]) -> LevelChange? {
        let baseSegment = cps.filter { $0 <= baseIdx }.count
        guard baseSegment != cps.count, let latestStart = cps.last else { return nil }
        let lo = baseSegment == 0 ? 0 : cps[baseSegment - 1], hi = cps[baseSegment]
        let r = RobustTrend.segmentRatio(before: Array(y[lo..<hi]), after: Array(y[latestStart...]), noiseFloorVariance: totalVar,
                                         mosesCache: &mosesCache)
        var c = LevelChange(fromRunIndex: pts[baseIdx].runIndex, toRunIndex: pts[last].runIndex,
                            fromMedian: Statistics.median(Array(medians[lo..<hi])),
                            toMedian: Statistics.median(Array(medians[latestStart...])), ratio: r.ratio, ciLow: r.low,
                            ciHigh: r.high, z: .nan, p: r.p, beyondThreshold: abs(r.ratio - 1) > options.regressionThreshold)
        c.outsideNoise = r.low > 1 || r.high < 1
        return c
    }

    /// The recent level: the runs since the most likely step among the last few against the runs before it.
    func recentLevel(_ base: Baseline, tQuantiles: inout [Int: Double]) -> LevelChange? {
        guard let shift = LevelShift.mostSignificant(y, withinVar: withinVar, typicalWithinVar: typicalWithinVar, from: base.index,
                                                     pooledBetweenVar: pooledBetweenVar, window: options.recentWindow) else { return nil }
        let dlt = shift.after - shift.before, se = shift.variance.squareRoot()
        let q = TrendAnalyzer.quantile975(shift.df, &tQuantiles)
        var recent = LevelChange(fromRunIndex: pts[base.index].runIndex, toRunIndex: pts[last].runIndex, fromMedian: exp(shift.before),
                                 toMedian: exp(shift.after), ratio: exp(dlt), ciLow: exp(dlt - q * se), ciHigh: exp(dlt + q * se),
                                 z: dlt / se, p: shift.p, beyondThreshold: abs(exp(dlt) - 1) > options.regressionThreshold)
        recent.sinceRunIndex = pts[shift.start].runIndex
        return recent
    }

    /// Volatility (the original's rule): CVs rising, the last two above the volatile CV.
    var volatilityIncreasing: Bool {
        let cvs = pts.map { $0.cv.isFinite ? $0.cv : 0 }
        let cvSlope = RobustTrend.leastSquaresSlope(x: (0..<n).map(Double.init), y: cvs)
        return n >= 2 && cvSlope > 0 && cvs[last] > options.volatileCV && cvs[last - 1] > options.volatileCV
    }

    /// The original's rule: each of the last 3 steps of the medians is a rise beyond the regression threshold.
    var sustainedRegression: Bool {
        guard n >= 4 else { return false }
        return ((n - 3)..<n).allSatisfy { k in
            let prev = medians[k - 1]
            return prev > 0 && (medians[k] - prev) / prev > options.regressionThreshold
        }
    }

    /// Typical per-run noise of ln(median) from the iterations (median of the runs' standard errors), %.
    var withinRunNoisePct: Double {
        let sortedSE = pts.map(\.logSE).filter { $0.isFinite }.sorted()
        return sortedSE.isEmpty ? .nan : Statistics.quantile(sorted: sortedSE, 0.5) * 100
    }
}
