import Foundation

/// Thresholds of `track trend` and `track alert` (defaults as the original's).
public struct TrendOptions: Sendable, Equatable {
    /// A change between two runs counts only beyond ±this fraction; also the minimum change-point magnitude.
    public var regressionThreshold = 0.02
    /// The Theil–Sen trend over the whole series (slope × span) counts only beyond ±this fraction.
    public var trendThreshold = 0.05
    /// Change points: Welch p ≤ this between adjacent segments.
    public var changePointAlpha = 0.001
    public var minSegment = 3
    /// Benjamini–Hochberg false-discovery rate across the package × conditions of one analysis.
    public var falseDiscoveryRate = 0.05
    /// CV above which a run counts as noisy for the volatility rule.
    public var volatileCV = 0.10
    /// What the points are (for units in the output).
    public var metric = Metric.wall
    public init(regressionThreshold: Double = 0.02, trendThreshold: Double = 0.05, metric: Metric = .wall) {
        self.regressionThreshold = regressionThreshold
        self.trendThreshold = trendThreshold
        self.metric = metric
    }
}

public enum TrendClassification: String, Sendable, CaseIterable {
    case regressing, improving, volatile, stable
}

/// The change of one package × condition between two runs of the series, with its noise.
public struct LevelChange: Sendable, Equatable {
    public var fromRunIndex: Int
    public var toRunIndex: Int
    public var fromMedian: Double
    public var toMedian: Double
    /// toMedian / fromMedian.
    public var ratio: Double
    /// 95% interval of the ratio from the two runs' noise (within-run standard errors plus the series'
    /// between-run noise).
    public var ciLow: Double
    public var ciHigh: Double
    public var z: Double
    public var p: Double
    /// Benjamini–Hochberg q across the package × conditions of the analysis.
    public var q: Double = .nan
    /// |ratio − 1| > regression threshold.
    public var beyondThreshold: Bool
    /// q ≤ false-discovery rate: the change is larger than the runs' own noise explains.
    public var outsideNoise = false
    public var confirmed: Bool { beyondThreshold && outsideNoise }
    public var changePct: Double { (ratio - 1) * 100 }
}

/// A step in a package × condition series.
public struct ChangePoint: Sendable, Equatable {
    /// Position (in the series) of the first run after the change, and its bench id.
    public var position: Int
    public var benchID: String
    /// after/before ratio of the medians of the per-run medians of the two adjacent segments, with a 95% interval.
    public var ratio: Double
    public var ciLow: Double
    public var ciHigh: Double
    /// Welch p between the adjacent segments (log scale).
    public var p: Double
    /// hodges-lehmann-moses or welch-t (how the interval was computed).
    public var method: String
    public var beforeMedian: Double
    public var afterMedian: Double
    public var runsBefore: Int
    public var runsAfter: Int
    /// The commit range to bisect: the last run before the change and the first run after it.
    public var lastBeforeBenchID: String
    public var lastBeforeSHA: String?
    public var firstAfterSHA: String?
    public var commitRangeText: String {
        "\(lastBeforeSHA ?? lastBeforeBenchID)..\(firstAfterSHA ?? benchID)"
    }
}

/// The trend of one package × condition over the series.
public struct PackageTrend: Sendable {
    public var package: String
    public var condition: String
    public var classification: TrendClassification
    /// Why: "level" (the latest run vs the baseline, beyond threshold and outside noise), "trend" (the Theil–Sen
    /// slope over the series beyond the trend threshold and significant), "volatility" (CV rising above 10%).
    public var reasons: [String]
    public var nRuns: Int
    /// Runs in the trend window (from the baseline to the latest run), over which the slopes are computed.
    public var trendRuns: Int
    public var firstPosition: Int
    public var lastPosition: Int
    public var baselineRunIndex: Int
    public var baselineIsPinned: Bool
    public var latestRunIndex: Int
    public var baselineMedian: Double
    public var latestMedian: Double
    /// Latest vs baseline (nil when they are the same run).
    public var vsBaseline: LevelChange?
    /// The latest run's segment vs the baseline's segment (segments lie between change points), nil when no change
    /// point separates them. Medians of the segments' per-run medians; interval as for change points;
    /// outsideNoise when that interval excludes 1. Far more precise than two single runs.
    public var vsBaselineSegment: LevelChange?
    /// Latest vs the package's previous run (nil with one point).
    public var vsPrevious: LevelChange?
    /// Least-squares slope of the medians against position over the trend window, seconds per run, and as % of
    /// the mean median of the window.
    public var slopeSecondsPerRun: Double
    public var slopePctPerRun: Double
    /// Theil–Sen slope of ln(median) against position over the trend window, as %/run (exp(b) − 1), with Sen's
    /// 95% interval (NaN when the window is too short for one).
    public var theilSenPctPerRun: Double
    public var theilSenLowPct: Double
    public var theilSenHighPct: Double
    public var theilSenP: Double
    public var theilSenQ: Double = .nan
    /// The Theil–Sen change over the trend window's span of positions, %.
    public var trendTotalPct: Double
    /// Typical per-run noise of ln(median) from the iterations (median of the runs' standard errors), %.
    public var withinRunNoisePct: Double
    /// Run-to-run noise beyond that (robust, from successive differences), %.
    public var betweenRunNoisePct: Double
    public var latestCV: Double
    public var volatilityIncreasing: Bool
    /// The original's rule, kept for the CSV columns: each of the last 3 steps of the medians is a rise beyond
    /// the regression threshold (steps from a median ≤ 0 do not count, so it is never vacuously true).
    public var sustainedRegression: Bool
    public var changePoints: [ChangePoint]
    public var medians: [Double]
    public var positions: [Int]
}

public struct TrackAlert: Sendable {
    public enum Kind: String, Sendable {
        case regressionVsBaseline = "regression_vs_baseline"
        case regressionVsPrevious = "regression_vs_previous"
        /// The latest run's segment is slower than the baseline's (a change point lies between them), when the
        /// single-run comparison alone cannot confirm it.
        case stepVsBaseline = "step_vs_baseline"
        case improvementVsBaseline = "improvement_vs_baseline"
        case newInstability = "new_instability"
    }
    public enum Severity: String, Sendable { case error, warning, info }
    public var package: String
    public var condition: String
    public var kind: Kind
    public var severity: Severity
    /// True for regressions and improvements beyond the threshold and outside the noise; unconfirmed moves
    /// are listed apart and never fail the gate.
    public var confirmed: Bool
    public var change: LevelChange?
    public var fromBenchID: String
    public var toBenchID: String
    public var description: String
    /// The latest change point explaining a regression, when one was found.
    public var changePoint: ChangePoint?
    public var isRegression: Bool { kind == .regressionVsBaseline || kind == .regressionVsPrevious || kind == .stepVsBaseline }
}

public struct TrendReport: Sendable {
    public var series: TrackingSeriesInfo
    public var runs: [TrackedRun]
    public var condition: String?
    public var conditions: [String]
    public var options: TrendOptions
    public var packages: [PackageTrend]
    /// Confirmed regressions and improvements of the latest run, and instability warnings.
    public var alerts: [TrackAlert]
    /// Regressions of the latest run beyond the threshold but within the noise: reported, never gating.
    public var unconfirmed: [TrackAlert]
    public var baselineRunIndex: Int? { series.pinnedBenchID == nil ? (runs.isEmpty ? nil : 0) : runs.firstIndex { $0.pinned } }
    public var latestRunIndex: Int? { runs.isEmpty ? nil : runs.count - 1 }
    /// True when `track alert` must exit 1: a confirmed regression of the latest run.
    public var gateFails: Bool { alerts.contains { $0.isRegression && $0.confirmed } }
    public func count(_ c: TrendClassification) -> Int { packages.filter { $0.classification == c }.count }
}

/// Trend classification, change points and alerts: the original's classes and alerts, made noise-aware and
/// measured from the pinned baseline (the original called a package regressing after one +5% run, raised
/// "recovered" alerts for packages that merely wobbled, and ignored the pin).
public enum TrendAnalyzer {
    public static func analyze(_ data: SeriesData, condition: String? = nil, options: TrendOptions = .init()) -> TrendReport {
        var scratch: [Double] = []
        var mosesCache: [Int: Int] = [:]
        var tQuantiles: [Int: Double] = [:]
        let pinned = data.pinnedRunIndex
        var trends: [PackageTrend] = []
        trends.reserveCapacity(data.items.count)
        for item in data.items {
            if let t = analyzeItem(item, data: data, pinned: pinned, options: options, scratch: &scratch, mosesCache: &mosesCache,
                                      tQuantiles: &tQuantiles) {
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

    static func analyzeItem(_ item: PointSeries, data: SeriesData, pinned: Int?, options: TrendOptions,
                            scratch: inout [Double], mosesCache: inout [Int: Int], tQuantiles: inout [Int: Double]) -> PackageTrend? {
        // Logs need positive medians; a zero-time point cannot be placed on the ratio scale.
        let pts = item.points.filter { $0.median > 0 && $0.median.isFinite }
        guard !pts.isEmpty else { return nil }
        let n = pts.count
        let y = pts.map { log($0.median) }
        let x = pts.map { Double($0.position) }
        let medians = pts.map(\.median)

        // Noise: within-run variance of each point, plus the series' between-run variance.
        let known = pts.map(\.logSE).filter { $0.isFinite }
        let typicalWithinVar = known.isEmpty ? 0 : known.map { $0 * $0 }.reduce(0, +) / Double(known.count)
        // A run's own standard error rests on a handful of iterations: never trust it below the typical one.
        let withinVar = pts.map { $0.logSE.isFinite ? max($0.logSE * $0.logSE, typicalWithinVar) : typicalWithinVar }
        // Run-to-run noise: from successive differences of the log medians (a step or a drift moves few of
        // them), dropping differences beyond 3.5 robust SDs (the steps and bad runs), von Neumann's
        // σ² = var(d)/2, minus the within-run part. Its degrees of freedom feed a Satterthwaite t below.
        var betweenVar = 0.0, betweenDF = Double.infinity, totalVar = typicalWithinVar
        if n >= 3 {
            var d: [Double] = []
            for k in 1..<n { d.append(y[k] - y[k - 1]) }
            let med = Statistics.median(d)
            let robustSD = 1.4826 * Statistics.median(d.map { abs($0 - med) })
            let kept = d.filter { abs($0 - med) <= 3.5 * robustSD }
            if kept.count >= 2 {
                let total = Statistics.sampleVariance(kept) / 2
                betweenVar = max(0, total - typicalWithinVar)
                totalVar = max(total, typicalWithinVar)
                betweenDF = Double(kept.count - 1)
            }
        }
        let pointVar = withinVar.map { $0 + betweenVar }

        func level(_ i: Int, _ j: Int) -> LevelChange {
            let dlt = y[j] - y[i]
            let variance = pointVar[i] + pointVar[j]
            let se = variance.squareRoot()
            // Satterthwaite: the within-run part rests on many iterations (taken as exact), the between-run
            // part on betweenDF differences.
            let b = 2 * betweenVar
            let df = b > 0 ? floor(variance * variance * betweenDF / (b * b)) : Double.infinity
            let z: Double = se > 0 ? dlt / se : (dlt == 0 ? 0 : (dlt > 0 ? .infinity : -.infinity))
            let p = df.isFinite && df >= 1 ? Distributions.studentTTwoSidedP(t: z, df: df) : erfc(abs(z) / 2.0.squareRoot())
            let q = quantile975(df, &tQuantiles)
            let ratio = exp(dlt)
            return LevelChange(fromRunIndex: pts[i].runIndex, toRunIndex: pts[j].runIndex, fromMedian: medians[i],
                               toMedian: medians[j], ratio: ratio, ciLow: exp(dlt - q * se), ciHigh: exp(dlt + q * se),
                               z: z, p: p, beyondThreshold: abs(ratio - 1) > options.regressionThreshold)
        }

        var baseIdx = 0
        var baselineIsPinned = false
        if let pinned, let k = pts.firstIndex(where: { $0.runIndex == pinned }) { baseIdx = k; baselineIsPinned = true }
        let last = n - 1

        // Slopes over the trend window: from the baseline (the pinned run, else the first run) to the latest.
        let wx = Array(x[baseIdx...]), wy = Array(y[baseIdx...]), wm = Array(medians[baseIdx...])
        let ls = RobustTrend.leastSquaresSlope(x: wx, y: wm)
        let meanMedian = wm.reduce(0, +) / Double(wm.count)
        let ts = RobustTrend.theilSen(x: wx, y: wy, scratch: &scratch)
        let span = x[last] - x[baseIdx]

        // Change points on the log medians.
        let cpOptions = RobustTrend.ChangePointOptions(alpha: options.changePointAlpha, minSegment: options.minSegment,
                                                       minMagnitude: options.regressionThreshold, noiseFloorVariance: totalVar)
        let cps = RobustTrend.changePoints(y, options: cpOptions)
        var changePoints: [ChangePoint] = []
        for (i, t) in cps.enumerated() {
            let lo = i == 0 ? 0 : cps[i - 1], hi = i == cps.count - 1 ? n : cps[i + 1]
            let before = Array(y[lo..<t]), after = Array(y[t..<hi])
            let r = RobustTrend.segmentRatio(before: before, after: after, noiseFloorVariance: totalVar, mosesCache: &mosesCache)
            let beforeRun = data.runs[pts[t - 1].runIndex], afterRun = data.runs[pts[t].runIndex]
            changePoints.append(ChangePoint(
                position: pts[t].position, benchID: afterRun.benchID, ratio: r.ratio, ciLow: r.low, ciHigh: r.high, p: r.p,
                method: r.method, beforeMedian: Statistics.median(Array(medians[lo..<t])),
                afterMedian: Statistics.median(Array(medians[t..<hi])), runsBefore: t - lo, runsAfter: hi - t,
                lastBeforeBenchID: beforeRun.benchID, lastBeforeSHA: beforeRun.sha, firstAfterSHA: afterRun.sha))
        }

        // The latest segment against the baseline's segment.
        var segmentChange: LevelChange?
        let baseSegment = cps.filter { $0 <= baseIdx }.count
        if baseSegment != cps.count {
            let lo = baseSegment == 0 ? 0 : cps[baseSegment - 1], hi = cps[baseSegment]
            let a = Array(y[lo..<hi]), b = Array(y[cps.last!...])
            let r = RobustTrend.segmentRatio(before: a, after: b, noiseFloorVariance: totalVar, mosesCache: &mosesCache)
            var c = LevelChange(fromRunIndex: pts[baseIdx].runIndex, toRunIndex: pts[last].runIndex,
                                fromMedian: Statistics.median(Array(medians[lo..<hi])),
                                toMedian: Statistics.median(Array(medians[cps.last!...])), ratio: r.ratio, ciLow: r.low,
                                ciHigh: r.high, z: .nan, p: r.p, beyondThreshold: abs(r.ratio - 1) > options.regressionThreshold)
            c.outsideNoise = r.low > 1 || r.high < 1
            segmentChange = c
        }

        // Volatility (the original's rule): CVs rising, the last two above 10%.
        let cvs = pts.map { $0.cv.isFinite ? $0.cv : 0 }
        let cvSlope = RobustTrend.leastSquaresSlope(x: (0..<n).map(Double.init), y: cvs)
        let volatility = n >= 2 && cvSlope > 0 && cvs[last] > options.volatileCV && cvs[last - 1] > options.volatileCV

        var sustained = false
        if n >= 4 {
            sustained = true
            for k in (n - 3)..<n {
                let prev: Double = medians[k - 1]
                if !(prev > 0 && (medians[k] - prev) / prev > options.regressionThreshold) { sustained = false }
            }
        }
        let sortedSE = known.sorted()
        return PackageTrend(
            package: item.package, condition: item.condition, classification: .stable, reasons: [], nRuns: n, trendRuns: n - baseIdx,
            firstPosition: pts[0].position, lastPosition: pts[last].position, baselineRunIndex: pts[baseIdx].runIndex,
            baselineIsPinned: baselineIsPinned, latestRunIndex: pts[last].runIndex, baselineMedian: medians[baseIdx],
            latestMedian: medians[last], vsBaseline: baseIdx == last ? nil : level(baseIdx, last),
            vsBaselineSegment: segmentChange,
            vsPrevious: n >= 2 ? level(last - 1, last) : nil, slopeSecondsPerRun: ls,
            slopePctPerRun: meanMedian > 0 ? ls / meanMedian * 100 : 0,
            theilSenPctPerRun: (exp(ts.slope) - 1) * 100, theilSenLowPct: (exp(ts.low) - 1) * 100,
            theilSenHighPct: (exp(ts.high) - 1) * 100, theilSenP: ts.p, trendTotalPct: (exp(ts.slope * span) - 1) * 100,
            withinRunNoisePct: sortedSE.isEmpty ? .nan : Statistics.quantile(sorted: sortedSE, 0.5) * 100,
            betweenRunNoisePct: betweenVar.squareRoot() * 100, latestCV: pts[last].cv, volatilityIncreasing: volatility,
            sustainedRegression: sustained,
            changePoints: changePoints, medians: medians, positions: pts.map(\.position))
    }

    /// Benjamini–Hochberg across package × conditions: one family for the level comparisons (vs the baseline and
    /// vs the previous run together, so an unchanged series raises a false alert with probability ≤ 5%), one for
    /// the Theil–Sen trends.
    static func adjust(_ trends: inout [PackageTrend], options: TrendOptions) {
        var ps: [Double] = []
        var slots: [(Int, Bool)] = []
        for i in trends.indices {
            if let c = trends[i].vsBaseline { ps.append(c.p); slots.append((i, true)) }
            if let c = trends[i].vsPrevious { ps.append(c.p); slots.append((i, false)) }
        }
        let q = Inference.benjaminiHochberg(ps)
        for (k, (i, isBaseline)) in slots.enumerated() {
            if isBaseline {
                trends[i].vsBaseline!.q = q[k]; trends[i].vsBaseline!.outsideNoise = q[k] <= options.falseDiscoveryRate
            } else {
                trends[i].vsPrevious!.q = q[k]; trends[i].vsPrevious!.outsideNoise = q[k] <= options.falseDiscoveryRate
            }
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

    static func stepAlert(_ t: PackageTrend, _ s: LevelChange, _ cp: ChangePoint, _ r: TrendReport) -> TrackAlert {
        let from = r.runs[s.fromRunIndex].benchID
        return TrackAlert(package: t.package, condition: t.condition, kind: .stepVsBaseline, severity: .error, confirmed: true,
                          change: s, fromBenchID: from, toBenchID: r.runs[s.toRunIndex].benchID,
                          description: String(format: "%@ slower since the change point at #%d (%@), against the %@'s segment",
                                              Fmt.pct(s.changePct), cp.position, cp.benchID,
                                              t.baselineIsPinned ? "pinned baseline" : "first run"),
                          changePoint: cp)
    }

    /// Alerts of the latest run of the series: confirmed regressions vs the baseline (pinned run, else the
    /// package's first run) and vs the package's previous run, confirmed improvements vs the baseline, and rising
    /// instability; plus the unconfirmed regressions (beyond the threshold, within the noise).
    static func alerts(_ r: TrendReport) -> ([TrackAlert], [TrackAlert]) {
        guard let latest = r.latestRunIndex else { return ([], []) }
        var alerts: [TrackAlert] = [], unconfirmed: [TrackAlert] = []
        let thr = r.options.regressionThreshold
        for t in r.packages where t.latestRunIndex == latest {
            let cp = t.changePoints.last { $0.ratio > 1 && $0.position > r.runs[t.baselineRunIndex].position }
            let baseLabel = t.baselineIsPinned ? "pinned baseline" : "first run"
            if let c = t.vsBaseline {
                let from = r.runs[c.fromRunIndex].benchID, to = r.runs[c.toRunIndex].benchID
                if c.ratio > 1 + thr {
                    let a = TrackAlert(package: t.package, condition: t.condition, kind: .regressionVsBaseline,
                                       severity: c.confirmed ? .error : .warning, confirmed: c.confirmed, change: c,
                                       fromBenchID: from, toBenchID: to,
                                       description: String(format: "%@ slower than the %@ (%@)", Fmt.pct(c.changePct), baseLabel, from),
                                       changePoint: cp)
                    if c.confirmed { alerts.append(a) } else if let s = t.vsBaselineSegment, s.confirmed, s.ratio > 1 + thr, let cp {
                        alerts.append(stepAlert(t, s, cp, r))
                    } else { unconfirmed.append(a) }
                } else if let s = t.vsBaselineSegment, s.confirmed, s.ratio > 1 + thr, let cp {
                    alerts.append(stepAlert(t, s, cp, r))
                } else if c.ratio < 1 - thr && c.confirmed {
                    alerts.append(TrackAlert(package: t.package, condition: t.condition, kind: .improvementVsBaseline,
                                             severity: .info, confirmed: true, change: c, fromBenchID: from, toBenchID: to,
                                             description: String(format: "%.1f%% faster than the %@ (%@)", -c.changePct, baseLabel, from),
                                             changePoint: nil))
                }
            }
            if let c = t.vsPrevious, c.fromRunIndex != t.baselineRunIndex, c.ratio > 1 + thr {
                let from = r.runs[c.fromRunIndex].benchID, to = r.runs[c.toRunIndex].benchID
                let a = TrackAlert(package: t.package, condition: t.condition, kind: .regressionVsPrevious,
                                   severity: c.confirmed ? .error : .warning, confirmed: c.confirmed, change: c,
                                   fromBenchID: from, toBenchID: to,
                                   description: String(format: "%@ slower than the previous run (%@)", Fmt.pct(c.changePct), from),
                                   changePoint: nil)
                if c.confirmed { alerts.append(a) } else { unconfirmed.append(a) }
            }
            if t.volatilityIncreasing && t.classification == .volatile {
                alerts.append(TrackAlert(package: t.package, condition: t.condition, kind: .newInstability, severity: .warning,
                                         confirmed: false, change: nil, fromBenchID: r.runs[t.baselineRunIndex].benchID,
                                         toBenchID: r.runs[latest].benchID,
                                         description: String(format: "measurement instability: CV rose to %.1f%%", t.latestCV * 100),
                                         changePoint: nil))
            }
        }
        func order(_ a: TrackAlert, _ b: TrackAlert) -> Bool {
            let rank: [TrackAlert.Severity: Int] = [.error: 0, .warning: 1, .info: 2]
            if rank[a.severity]! != rank[b.severity]! { return rank[a.severity]! < rank[b.severity]! }
            let ca = abs(a.change?.changePct ?? 0), cb = abs(b.change?.changePct ?? 0)
            if ca != cb { return ca > cb }
            return (a.package, a.condition, a.kind.rawValue) < (b.package, b.condition, b.kind.rawValue)
        }
        return (alerts.sorted(by: order), unconfirmed.sorted(by: order))
    }
}
