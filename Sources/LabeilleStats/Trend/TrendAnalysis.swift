import Foundation
import LabeilleCore

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
    /// Without a pinned run the baseline is the median of the first this-many runs (never a single run when the
    /// series has more than two): one bad early run cannot make every later run look changed.
    public var baselineWindow = 5
    /// The recent level: each of the last this-many runs but the latest is a candidate step, tested as the mean
    /// of the runs since then against the runs before, for steps too small to confirm from one run.
    public var recentWindow = 3
    /// A latest run in which at least this share of the packages moved beyond the threshold in one direction
    /// is reported once, as a run-level shift.
    public var runLevelShare = 0.6
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
    /// For the recent level: the first run after the step it tests (the runs from there on are compared with the
    /// runs before, back to the baseline); nil for other changes.
    public var sinceRunIndex: Int?
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
    /// The recent level: the mean of the runs since the most likely step among the last `recentWindow` runs
    /// (at least two runs) against the mean of the runs before it back to the baseline run (outliers dropped);
    /// nil with fewer than three runs before the candidates.
    public var vsRecent: LevelChange?
    /// Runs whose median forms the baseline level (1 when pinned).
    public var baselineRuns = 1
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
        /// The mean of the last few runs is slower than the baseline.
        case recentVsBaseline = "recent_vs_baseline"
        /// Most packages moved together in the latest run: one event for the run, not one alert per package.
        case runLevelShift = "run_level_shift"
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
    public var isRegression: Bool {
        kind == .regressionVsBaseline || kind == .regressionVsPrevious || kind == .stepVsBaseline || kind == .recentVsBaseline
            || (kind == .runLevelShift && (change?.ratio ?? 1) > 1)
    }
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
            baselineAlerts(t, r, changePoint: cp, baseLabel: baseLabel, &alerts, &unconfirmed)
            if let c = t.vsPrevious, c.fromRunIndex != t.baselineRunIndex, c.ratio > 1 + thr {
                let from = r.runs[c.fromRunIndex].benchID, to = r.runs[c.toRunIndex].benchID
                let a = TrackAlert(package: t.package, condition: t.condition, kind: .regressionVsPrevious,
                                   severity: c.confirmed ? .error : .warning, confirmed: c.confirmed, change: c,
                                   fromBenchID: from, toBenchID: to,
                                   description: String(format: "%@ slower than the previous run (%@)", Fmt.pct(c.changePct), from),
                                   changePoint: nil)
                if c.confirmed { alerts.append(a) } else { unconfirmed.append(a) }
            }
            let regressed = alerts.contains { $0.package == t.package && $0.condition == t.condition && $0.isRegression }
            if !regressed, let c = t.vsRecent, c.ratio > 1 + thr, c.confirmed {
                let from = r.runs[c.fromRunIndex].benchID, since = r.runs[c.sinceRunIndex ?? c.toRunIndex]
                let after = t.positions.filter { $0 >= since.position }.count
                alerts.append(TrackAlert(package: t.package, condition: t.condition, kind: .recentVsBaseline, severity: .error,
                                         confirmed: true, change: c, fromBenchID: from, toBenchID: r.runs[c.toRunIndex].benchID,
                                         description: String(format: "the %d run(s) since #%d (%@) are %@ slower than the runs before, from the %@ (%@) on",
                                                             after, since.position, since.benchID, Fmt.pct(c.changePct), baseLabel, from),
                                         changePoint: cp))
            }
            if t.volatilityIncreasing && t.classification == .volatile {
                alerts.append(TrackAlert(package: t.package, condition: t.condition, kind: .newInstability, severity: .warning,
                                         confirmed: false, change: nil, fromBenchID: r.runs[t.baselineRunIndex].benchID,
                                         toBenchID: r.runs[latest].benchID,
                                         description: String(format: "measurement instability: CV rose to %.1f%%", t.latestCV * 100),
                                         changePoint: nil))
            }
        }
        foldRunLevelShift(r, &alerts, &unconfirmed)
        return (alerts.sorted(by: order), unconfirmed.sorted(by: order))
    }

    /// The latest run against the baseline: a regression (confirmed, else a confirmed step of the latest
    /// segment, else unconfirmed) or a confirmed improvement.
    static func baselineAlerts(_ t: PackageTrend, _ r: TrendReport, changePoint cp: ChangePoint?, baseLabel: String,
                               _ alerts: inout [TrackAlert], _ unconfirmed: inout [TrackAlert]) {
        let thr = r.options.regressionThreshold
        guard let c = t.vsBaseline else { return }
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

    /// Errors first, then warnings, then notes; larger changes first; then by name.
    static func order(_ a: TrackAlert, _ b: TrackAlert) -> Bool {
        let rank: [TrackAlert.Severity: Int] = [.error: 0, .warning: 1, .info: 2]
        if rank[a.severity]! != rank[b.severity]! { return rank[a.severity]! < rank[b.severity]! }
        let ca = abs(a.change?.changePct ?? 0), cb = abs(b.change?.changePct ?? 0)
        if ca != cb { return ca > cb }
        return (a.package, a.condition, a.kind.rawValue) < (b.package, b.condition, b.kind.rawValue)
    }

    /// When most packages moved beyond the threshold in one direction in the latest run, their level alerts are
    /// replaced by one run-level event (the median change): the machine or the interpreter as a whole changed,
    /// and fifty separate alerts would hide that.
    static func foldRunLevelShift(_ r: TrendReport, _ alerts: inout [TrackAlert], _ unconfirmed: inout [TrackAlert]) {
        guard let latest = r.latestRunIndex else { return }
        let changes = r.packages.filter { $0.latestRunIndex == latest }.compactMap(\.vsBaseline)
        let thr = r.options.regressionThreshold
        guard changes.count >= 5 else { return }
        for slower in [true, false] {
            let moved = changes.filter { slower ? $0.ratio > 1 + thr : $0.ratio < 1 - thr }
            guard Double(moved.count) >= r.options.runLevelShare * Double(changes.count) else { continue }
            let kinds: Set<TrackAlert.Kind> = slower ? [.regressionVsBaseline, .regressionVsPrevious, .stepVsBaseline, .recentVsBaseline]
                                                     : [.improvementVsBaseline]
            alerts.removeAll { kinds.contains($0.kind) }
            unconfirmed.removeAll { kinds.contains($0.kind) }
            var median = moved[0]
            median.ratio = exp(Statistics.median(moved.map { log($0.ratio) }))
            median.ciLow = .nan; median.ciHigh = .nan; median.p = .nan; median.q = .nan; median.z = .nan
            median.outsideNoise = true
            let from = r.runs[median.fromRunIndex].benchID, to = r.runs[latest].benchID
            alerts.append(TrackAlert(package: "*", condition: r.condition ?? "*", kind: .runLevelShift,
                                     severity: slower ? .error : .info, confirmed: true, change: median, fromBenchID: from,
                                     toBenchID: to,
                                     description: String(format: "run-level shift: %d of %d packages moved together, median %@ (machine or interpreter-wide change; rerun to tell which)",
                                                         moved.count, changes.count, Fmt.pct(median.changePct)),
                                     changePoint: nil))
        }
    }
}
