import Foundation

/// One run's summary of one package × condition: the median of its measured ok iterations and its noise.
public struct SeriesPoint: Sendable, Equatable {
    /// Index into `SeriesWithPoints.runs`.
    public var runIndex: Int
    /// The run's position in the series (1-based, as stored).
    public var position: Int
    /// Measured ok iterations.
    public var n: Int
    public var median: Double
    /// Standard error of ln(median) from the run's own iterations: 1.2533 · sd(ln x) / √n (the asymptotic
    /// standard error of a median, on the log scale); NaN below 2 iterations.
    public var logSE: Double
    /// Coefficient of variation of the iterations (sd / mean; 0 for one iteration).
    public var cv: Double

    public init(runIndex: Int, position: Int, n: Int, median: Double, logSE: Double, cv: Double) {
        self.runIndex = runIndex; self.position = position; self.n = n; self.median = median; self.logSE = logSE; self.cv = cv
    }
}

/// The points of one package × condition, in position order.
public struct PackagePoints: Sendable {
    public var package: String
    public var condition: String
    public var points: [SeriesPoint]

    public init(package: String, condition: String, points: [SeriesPoint]) {
        self.package = package; self.condition = condition; self.points = points
    }
}

/// Everything trend and alert need about a series: its runs and, per package × condition, one point per run.
public struct SeriesWithPoints: Sendable {
    public var series: TrackingSeriesInfo
    public var runs: [TrackedRun]
    /// Conditions present in the series, in the order of their first appearance.
    public var conditions: [String]
    /// Sorted by package, then condition order.
    public var items: [PackagePoints]

    public init(series: TrackingSeriesInfo, runs: [TrackedRun], conditions: [String], items: [PackagePoints]) {
        self.series = series; self.runs = runs; self.conditions = conditions; self.items = items
    }
    public var pinnedRunIndex: Int? { runs.firstIndex { $0.pinned } }
}

/// A tracking series as stored (migration 0002): a named, ordered list of runs with an optional pinned baseline.
public struct TrackingSeriesInfo: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var description: String
    public var createdAt: String
    /// The pinned run's bench id, nil when not pinned.
    public var pinnedBenchID: String?
    public var runCount: Int
    /// Start times of the earliest and latest run (by start_time), nil without runs.
    public var firstTimestamp: String?
    public var lastTimestamp: String?

    public init(
        id: Int64,
        name: String,
        description: String,
        createdAt: String,
        pinnedBenchID: String? = nil,
        runCount: Int,
        firstTimestamp: String? = nil,
        lastTimestamp: String? = nil
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.createdAt = createdAt
        self.pinnedBenchID = pinnedBenchID
        self.runCount = runCount
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
    }
}

/// One run of a series, at its real position (1-based, never renumbered).
public struct TrackedRun: Sendable, Equatable {
    public var position: Int
    public var runID: Int64
    public var benchID: String
    /// The run's start_time.
    public var timestamp: String
    public var addedAt: String
    public var notes: String
    /// Commit key=values in the order given (`sha`, `branch`, …).
    public var commit: [KeyValue]
    public var packagesCompleted: Int
    public var pinned: Bool

    public init(
        position: Int,
        runID: Int64,
        benchID: String,
        timestamp: String,
        addedAt: String,
        notes: String,
        commit: [KeyValue],
        packagesCompleted: Int,
        pinned: Bool
    ) {
        self.position = position
        self.runID = runID
        self.benchID = benchID
        self.timestamp = timestamp
        self.addedAt = addedAt
        self.notes = notes
        self.commit = commit
        self.packagesCompleted = packagesCompleted
        self.pinned = pinned
    }
    public var sha: String? { commit.first { $0.key == "sha" }?.value }
}

/// The result of `track add` for one run.
public struct TrackAddOutcome: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case added, alreadyPresent }
    public var kind: Kind
    public var benchID: String
    public var position: Int
    /// Why the run may not be comparable with the series (conditions or settings differ from its first run).
    public var warnings: [String]

    public init(kind: Kind, benchID: String, position: Int, warnings: [String]) {
        self.kind = kind; self.benchID = benchID; self.position = position; self.warnings = warnings
    }
}

/// A tracking error: reported as one line, the database is unchanged.
public struct TrackingError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    public static func unknownSeries(_ name: String) -> TrackingError {
        TrackingError("unknown tracking series '\(name)' (see `labeille bench track list`)")
    }
}
