import Foundation

/// A run as stored, with its conditions in defined order.
public struct StoredRun: Sendable {
    public struct Condition: Sendable {
        public var id: Int64
        public var name: String
        public var description: String
        public var targetPython: String
        public var env: [KeyValue]
        public var profile: PythonProfile?

        public init(
            id: Int64,
            name: String,
            description: String,
            targetPython: String,
            env: [KeyValue],
            profile: PythonProfile? = nil
        ) {
            self.id = id
            self.name = name
            self.description = description
            self.targetPython = targetPython
            self.env = env
            self.profile = profile
        }
    }
    public var runID: Int64
    public var benchID: String
    public var name: String
    public var description: String
    public var startTime: String
    public var endTime: String
    public var packagesTotal: Int
    public var packagesCompleted: Int
    public var packagesSkipped: Int
    public var origin: String
    public var iterations: Int?
    public var warmup: Int?
    public var alternate: Bool?
    public var interleave: Bool?
    public var adaptive: Bool?
    public var adaptiveThreshold: Double?
    public var adaptiveMinIterations: Int?
    public var system: SystemProfile?
    public var conditions: [Condition]
    /// Load average while its iterations were measured (nil when not recorded).
    public var measurementLoad: MeasurementLoad?

    public init(
        runID: Int64,
        benchID: String,
        name: String,
        description: String,
        startTime: String,
        endTime: String,
        packagesTotal: Int,
        packagesCompleted: Int,
        packagesSkipped: Int,
        origin: String,
        iterations: Int? = nil,
        warmup: Int? = nil,
        alternate: Bool? = nil,
        interleave: Bool? = nil,
        adaptive: Bool? = nil,
        adaptiveThreshold: Double? = nil,
        adaptiveMinIterations: Int? = nil,
        system: SystemProfile? = nil,
        conditions: [Condition],
        measurementLoad: MeasurementLoad? = nil
    ) {
        self.runID = runID
        self.benchID = benchID
        self.name = name
        self.description = description
        self.startTime = startTime
        self.endTime = endTime
        self.packagesTotal = packagesTotal
        self.packagesCompleted = packagesCompleted
        self.packagesSkipped = packagesSkipped
        self.origin = origin
        self.iterations = iterations
        self.warmup = warmup
        self.alternate = alternate
        self.interleave = interleave
        self.adaptive = adaptive
        self.adaptiveThreshold = adaptiveThreshold
        self.adaptiveMinIterations = adaptiveMinIterations
        self.system = system
        self.conditions = conditions
        self.measurementLoad = measurementLoad
    }
    /// name, or bench id when the run has no name.
    public var title: String { name.isEmpty ? benchID : name }
}

/// One row of `v_condition_stats`.
public struct ConditionStatRow: Sendable {
    public var package: String
    public var condition: String
    public var metric: String
    public var n: Int
    public var nExcluded: Int
    public var mean: Double?
    public var median: Double?
    public var stdev: Double?
    public var min: Double?
    public var max: Double?
    public var q1: Double?
    public var q3: Double?
    public var iqr: Double?
    public var cv: Double?

    public init(
        package: String,
        condition: String,
        metric: String,
        n: Int,
        nExcluded: Int,
        mean: Double? = nil,
        median: Double? = nil,
        stdev: Double? = nil,
        min: Double? = nil,
        max: Double? = nil,
        q1: Double? = nil,
        q3: Double? = nil,
        iqr: Double? = nil,
        cv: Double? = nil
    ) {
        self.package = package
        self.condition = condition
        self.metric = metric
        self.n = n
        self.nExcluded = nExcluded
        self.mean = mean
        self.median = median
        self.stdev = stdev
        self.min = min
        self.max = max
        self.q1 = q1
        self.q3 = q3
        self.iqr = iqr
        self.cv = cv
    }
}

public struct RunNotFound: Error, CustomStringConvertible {
    public let reference: String

    public init(reference: String) {
        self.reference = reference
    }
    public var description: String {
        "unknown run '\(reference)': not a stored bench id nor a results directory (see the stored runs with `labeille bench show --list`)"
    }
}

/// A package name that the run does not hold: exit 2 like an unknown run.
public struct PackageNotFound: Error, CustomStringConvertible {
    public let package: String
    public let benchID: String

    public init(package: String, benchID: String) {
        self.package = package; self.benchID = benchID
    }
    public var description: String { "package '\(package)' is not in run \(benchID)" }
}

/// Measured values of one metric per package × condition (ok iterations only, in iteration order),
/// with the schedule round of each value when known. Non-skipped packages only, in package order.
public struct MeasuredSeries: Sendable {
    public var package: String
    public var condition: String
    public var values: [Double]
    public var rounds: [Int?]
    public var excluded: Int
    public var statuses: [String]
    /// The 1-based iteration index (warm-up included) of each value: its time order within the condition.
    public var indices: [Int] = []
    /// PYTHONHASHSEED of each value (nil when not fixed): instruction counts pair by seed.
    public var hashSeeds: [Int?] = []

    public init(
        package: String,
        condition: String,
        values: [Double],
        rounds: [Int?],
        excluded: Int,
        statuses: [String],
        indices: [Int] = [],
        hashSeeds: [Int?] = []
    ) {
        self.package = package
        self.condition = condition
        self.values = values
        self.rounds = rounds
        self.excluded = excluded
        self.statuses = statuses
        self.indices = indices
        self.hashSeeds = hashSeeds
    }
}
