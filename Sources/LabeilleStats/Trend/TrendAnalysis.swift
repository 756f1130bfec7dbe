import Foundation
import LabeilleCore

/// Trend classification, change points and alerts: the original's classes and alerts, made noise-aware and
/// measured from the pinned baseline (the original called a package regressing after one +5% run, raised
/// "recovered" alerts for packages that merely wobbled, and ignored the pin).
public enum TrendAnalyzer {
    public static func analyze(_ data: SeriesWithPoints, condition: String? = nil, options: TrendOptions = .init()) -> TrendReport {
        var scratch: [Double] = []
        var mosesCache: [Int: Int] = [:]
        var tQuantiles: [Int: Double] = [:]
        let pinned = data.pinnedRunIndex
        let pooled = pooledRunToRunVariance(data.items)
        var trends: [PackageTrend] = []
        trends.reserveCapacity(data.items.count)
        for item in data.items {
            if let t = analyzeItem(item, data: data, pinned: pinned, options: options, pooledBetweenVar: pooled, scratch: &scratch,
                                   mosesCache: &mosesCache, tQuantiles: &tQuantiles) {
                trends.append(t)
            }
        }
        // Multiple-comparison control across package × conditions.
        adjust(&trends, options: options)
        for i in trends.indices { classify(&trends[i], options: options) }
        var report = TrendReport(series: data.series, runs: data.runs, condition: condition, conditions: data.conditions,
                                 options: options, packages: trends, alerts: [], unconfirmed: [])
        (report.alerts, report.unconfirmed) = alerts(report)
        return report
    }

    /// The 97.5% quantile of Student's t (normal when df is infinite), cached per integer df.
    static func quantile975(_ df: Double, _ cache: inout [Int: Double]) -> Double {
        guard df.isFinite && df >= 1 else { return 1.959964 }
        let k = Int(min(df, 1_000_000))
        if let q = cache[k] { return q }
        let q = Distributions.studentTQuantile(p: 0.975, df: Double(k))
        cache[k] = q
        return q
    }

    /// Run-to-run variance of one package's log medians: from successive differences (a step or a drift moves
    /// few of them), dropping differences beyond 3.5 robust SDs (the steps and bad runs), von Neumann's
    /// σ² = var(d)/2, minus the within-run part. Nil below 3 runs.
    static func runToRunVariance(_ y: [Double], typicalWithinVar: Double) -> (between: Double, total: Double, df: Double)? {
        guard y.count >= 3 else { return nil }
        var d: [Double] = []
        for k in 1..<y.count { d.append(y[k] - y[k - 1]) }
        guard let half = LevelShift.robustHalfVariance(d) else { return nil }
        return (max(0, half.variance - typicalWithinVar), max(half.variance, typicalWithinVar), half.df)
    }

    static func withinVariances(_ pts: [SeriesPoint]) -> (typical: Double, perPoint: [Double]) {
        let known = pts.map(\.logSE).filter { $0.isFinite }
        let typical = known.isEmpty ? 0 : known.map { $0 * $0 }.reduce(0, +) / Double(known.count)
        // A run's own standard error rests on a handful of iterations: never trust it below the typical one.
        return (typical, pts.map { $0.logSE.isFinite ? max($0.logSE * $0.logSE, typical) : typical })
    }

    /// The series' typical run-to-run variance: the median over packages with at least 6 runs, else the
    /// documented run-noise floor. Packages seen in few runs borrow it, so their noise is never zero.
    static func pooledRunToRunVariance(_ items: [PackagePoints]) -> Double {
        var estimates: [Double] = []
        for item in items {
            let pts = item.points.filter { $0.median > 0 && $0.median.isFinite }
            guard pts.count >= 6 else { continue }
            if let v = runToRunVariance(pts.map { log($0.median) }, typicalWithinVar: withinVariances(pts).typical) {
                estimates.append(v.between)
            }
        }
        return estimates.isEmpty ? RunNoise.defaultFloor * RunNoise.defaultFloor : Statistics.median(estimates)
    }

    /// Per-package run-to-run noise (standard deviation of one run's level, log scale) of one condition of a
    /// series, for cross-run comparisons; packages with few runs get the pooled value.
    public static func runToRunNoise(_ data: SeriesWithPoints, condition: String, floor: Double) -> [String: Double] {
        let items = data.items.filter { $0.condition == condition }
        let pooled = pooledRunToRunVariance(items)
        var out: [String: Double] = [:]
        for item in items {
            let pts = item.points.filter { $0.median > 0 && $0.median.isFinite }
            let own = runToRunVariance(pts.map { log($0.median) }, typicalWithinVar: withinVariances(pts).typical)
            out[item.package] = (own.map { $0.df >= 4 ? $0.between : max($0.between, pooled) } ?? pooled).squareRoot()
        }
        return out
    }

    static func analyzeItem(_ item: PackagePoints, data: SeriesWithPoints, pinned: Int?, options: TrendOptions, pooledBetweenVar: Double,
                            scratch: inout [Double], mosesCache: inout [Int: Int], tQuantiles: inout [Int: Double]) -> PackageTrend? {
        guard let a = TrendItemAnalysis(item, options: options, pooledBetweenVar: pooledBetweenVar) else { return nil }
        let (n, last, y, medians, pts) = (a.n, a.last, a.y, a.medians, a.pts)
        let base = a.baseline(pinned: pinned)
        let baseIdx = base.index

        // Slopes over the trend window: from the baseline (the pinned run, else the first run) to the latest.
        let wm = Array(medians[baseIdx...])
        let ls = RobustTrend.leastSquaresSlope(x: Array(a.x[baseIdx...]), y: wm)
        let meanMedian = wm.reduce(0, +) / Double(wm.count)
        let ts = RobustTrend.theilSen(x: Array(a.x[baseIdx...]), y: Array(y[baseIdx...]), scratch: &scratch)
        let span = a.x[last] - a.x[baseIdx]

        let cpOptions = RobustTrend.ChangePointOptions(alpha: options.changePointAlpha, minSegment: options.minSegment,
                                                       minMagnitude: options.regressionThreshold, noiseFloorVariance: a.totalVar)
        let cps = RobustTrend.changePoints(y, options: cpOptions)
        var trend = PackageTrend(
            package: item.package, condition: item.condition, classification: .stable, reasons: [], nRuns: n, trendRuns: n - baseIdx,
            firstPosition: pts[0].position, lastPosition: pts[last].position, baselineRunIndex: pts[baseIdx].runIndex,
            baselineIsPinned: base.isPinned, latestRunIndex: pts[last].runIndex, baselineMedian: medians[baseIdx],
            latestMedian: medians[last],
            vsBaseline: baseIdx == last ? nil
                : a.level(base.level, base.variance, baseIdx, to: y[last], a.pointVar[last], last, tQuantiles: &tQuantiles),
            vsBaselineSegment: a.segmentChange(cps, baseline: baseIdx, mosesCache: &mosesCache),
            vsPrevious: n >= 2 ? a.level(y[last - 1], a.pointVar[last - 1], last - 1, to: y[last], a.pointVar[last], last,
                                         tQuantiles: &tQuantiles) : nil,
            slopeSecondsPerRun: ls, slopePctPerRun: meanMedian > 0 ? ls / meanMedian * 100 : 0,
            theilSenPctPerRun: (exp(ts.slope) - 1) * 100, theilSenLowPct: (exp(ts.low) - 1) * 100,
            theilSenHighPct: (exp(ts.high) - 1) * 100, theilSenP: ts.p, trendTotalPct: (exp(ts.slope * span) - 1) * 100,
            withinRunNoisePct: a.withinRunNoisePct, betweenRunNoisePct: a.betweenVar.squareRoot() * 100, latestCV: pts[last].cv,
            volatilityIncreasing: a.volatilityIncreasing, sustainedRegression: a.sustainedRegression,
            changePoints: a.changePoints(cps, data: data, mosesCache: &mosesCache), medians: medians, positions: pts.map(\.position))
        trend.vsRecent = a.recentLevel(base, tQuantiles: &tQuantiles)
        trend.baselineRuns = base.window
        trend.baselineMedian = exp(base.level)
        return trend
    }

    /// Multiple-comparison control across package × conditions, with the level comparisons (vs the baseline,
    /// vs the previous run, the recent level) in two one-sided families. Regressions, which fail the gate: Holm,
    /// so an unchanged package raises a false alarm with probability ≤ 5% per series however many other
    /// packages truly changed (under Benjamini–Hochberg, real improvements would loosen the bar for the rest).
    /// Improvements: Benjamini–Hochberg. The Theil–Sen trends form a third family (Benjamini–Hochberg).
    static func adjust(_ trends: inout [PackageTrend], options: TrendOptions) {
        let paths: [WritableKeyPath<PackageTrend, LevelChange?>] = [\.vsBaseline, \.vsPrevious, \.vsRecent]
        var slots: [(Int, WritableKeyPath<PackageTrend, LevelChange?>)] = []
        var slower: [Double] = [], faster: [Double] = []
        for i in trends.indices {
            for path in paths {
                guard let c = trends[i][keyPath: path], !c.p.isNaN else { continue }
                slots.append((i, path))
                slower.append(c.ratio > 1 ? c.p / 2 : 1 - c.p / 2)
                faster.append(c.ratio < 1 ? c.p / 2 : 1 - c.p / 2)
            }
        }
        let qSlower = Inference.holm(slower), qFaster = Inference.benjaminiHochberg(faster)
        for (k, (i, path)) in slots.enumerated() {
            let q = trends[i][keyPath: path]!.ratio > 1 ? qSlower[k] : qFaster[k]
            trends[i][keyPath: path]!.q = q
            trends[i][keyPath: path]!.outsideNoise = q <= options.falseDiscoveryRate
        }
        let idx = trends.indices.filter { !trends[$0].theilSenP.isNaN }
        let qt = Inference.benjaminiHochberg(idx.map { trends[$0].theilSenP })
        for (k, i) in idx.enumerated() { trends[i].theilSenQ = qt[k] }
    }

    static func classify(_ t: inout PackageTrend, options: TrendOptions) {
        var up: [String] = [], down: [String] = []
        if let c = t.vsBaselineSegment, c.confirmed { if c.ratio > 1 { up.append("step") } else { down.append("step") } }
        if let c = t.vsBaseline, c.confirmed { if c.ratio > 1 { up.append("level") } else { down.append("level") } }
        let trendSignificant = t.theilSenQ <= options.falseDiscoveryRate
        if trendSignificant && t.trendTotalPct > options.trendThreshold * 100 && t.theilSenLowPct > 0 { up.append("trend") }
        if trendSignificant && t.trendTotalPct < -options.trendThreshold * 100 && t.theilSenHighPct < 0 { down.append("trend") }
        // The current level decides (segments first, then single runs); the trend alone decides only when the
        // level is not confirmed either way.
        if up.contains("step") || (up.contains("level") && !down.contains("step")) {
            t.classification = .regressing; t.reasons = up
        } else if down.contains("step") || down.contains("level") {
            t.classification = .improving; t.reasons = down
        } else if !up.isEmpty {
            t.classification = .regressing; t.reasons = up
        } else if !down.isEmpty {
            t.classification = .improving; t.reasons = down
        } else if t.volatilityIncreasing {
            t.classification = .volatile; t.reasons = ["volatility"]
        } else {
            t.classification = .stable; t.reasons = []
        }
    }
}
