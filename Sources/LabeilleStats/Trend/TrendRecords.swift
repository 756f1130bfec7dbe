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
