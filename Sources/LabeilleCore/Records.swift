// The records of a benchmark run, as the Python labeille writes them (`bench_meta.json`,
// `bench_results.jsonl`) and as `bench run` produces them.

/// The machine a run was measured on: the `system` object of `bench_meta.json`.
public struct SystemProfile: Equatable, Sendable {
    public var cpuModel = "unknown"
    public var cpuCoresPhysical = 0
    public var cpuCoresLogical = 0
    public var cpuFreqMHz: Double?
    public var cpuFreqMaxMHz: Double?
    public var cpuArchitecture = ""
    public var ramTotalGB = 0.0
    public var ramAvailableGB = 0.0
    public var swapTotalGB = 0.0
    public var osName = ""
    public var osKernelVersion = ""
    public var osDistro = ""
    public var hostPythonVersion = ""
    public var hostPythonImplementation = ""
    public var loadAvg1m = 0.0
    public var loadAvg5m = 0.0
    public var loadAvg15m = 0.0
    public var runningProcesses = 0
    public var diskType = "unknown"
    public var diskAvailableGB = 0.0
    public var hostname = ""
    public var timestamp = ""
    public init() {}
}

public struct PythonProfile: Equatable, Sendable {
    public var path = ""
    public var version = ""
    public var implementation = ""
    public var compiler = ""
    public var buildFlags: [String] = []
    public var jitAvailable = false
    public var jitEnabled = false
    public var gilDisabled = false
    public var debugBuild = false
    public var hashRandomization = true
    public init() {}
}

public struct ResourceConstraints: Equatable, Sendable {
    public var memoryLimitMB: Int?
    public var cpuTimeLimitS: Int?
    public var fileSizeLimitMB: Int?
    public var cpuAffinity: [Int] = []
    public init(memoryLimitMB: Int? = nil, cpuTimeLimitS: Int? = nil, fileSizeLimitMB: Int? = nil, cpuAffinity: [Int] = []) {
        self.memoryLimitMB = memoryLimitMB
        self.cpuTimeLimitS = cpuTimeLimitS
        self.fileSizeLimitMB = fileSizeLimitMB
        self.cpuAffinity = cpuAffinity
    }
    public var isEmpty: Bool { memoryLimitMB == nil && cpuTimeLimitS == nil && fileSizeLimitMB == nil && cpuAffinity.isEmpty }
}

public struct ConditionDefinition: Equatable, Sendable {
    public var name: String
    public var description = ""
    public var targetPython = ""
    public var env: [KeyValue] = []
    public var extraDeps: [String] = []
    public var testCommandOverride: String?
    public var testCommandPrefix: String?
    public var testCommandSuffix: String?
    public var installCommand: String?
    public var constraints = ResourceConstraints()
    public init(name: String) { self.name = name }
}

public struct KeyValue: Equatable, Sendable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) { self.key = key; self.value = value }
}

/// The runner's configuration block (`config` in bench_meta.json).
public struct RunConfig: Equatable, Sendable {
    public var iterations: Int?
    public var warmup: Int?
    public var timeout: Double?
    public var alternate: Bool?
    public var interleave: Bool?
    public var packagesFilter: [String]?
    public var topN: Int?
    public var adaptive: Bool?
    public var adaptiveThreshold: Double?
    public var adaptiveMinIterations: Int?
    /// The whole object as written, compact JSON.
    public var rawJSON = "{}"
    public init() {}
}

public struct RunMeta: Equatable, Sendable {
    public var benchID: String
    public var name = ""
    public var description = ""
    public var system = SystemProfile()
    public var pythonProfiles: [(name: String, profile: PythonProfile)] = []
    public var conditions: [ConditionDefinition] = []
    public var config = RunConfig()
    public var cliArgs: [String] = []
    public var startTime = ""
    public var endTime = ""
    public var packagesTotal = 0
    public var packagesCompleted = 0
    public var packagesSkipped = 0
    /// The shard this run covers (`bench run --shard`); nil for a whole run.
    public var shard: ShardInfo?
    /// The shards this run was merged from (`bench merge`); nil otherwise.
    public var shardMerge: ShardMergeInfo?
    public init(benchID: String) { self.benchID = benchID }

    public static func == (a: RunMeta, b: RunMeta) -> Bool {
        a.benchID == b.benchID && a.name == b.name && a.description == b.description && a.system == b.system
            && a.pythonProfiles.map(\.name) == b.pythonProfiles.map(\.name)
            && a.pythonProfiles.map(\.profile) == b.pythonProfiles.map(\.profile)
            && a.conditions == b.conditions && a.config == b.config && a.cliArgs == b.cliArgs
            && a.startTime == b.startTime && a.endTime == b.endTime && a.packagesTotal == b.packagesTotal
            && a.packagesCompleted == b.packagesCompleted && a.packagesSkipped == b.packagesSkipped
            && a.shard == b.shard && a.shardMerge == b.shardMerge
    }
}

public struct TestTiming: Equatable, Sendable {
    public var testID: String
    public var phase: String
    public var durationS: Double
    /// The test's outcome in that iteration, when the source says.
    public var outcome: TestOutcome?
    public init(testID: String, phase: String, durationS: Double, outcome: TestOutcome? = nil) {
        self.testID = testID; self.phase = phase; self.durationS = durationS; self.outcome = outcome
    }
}

public struct IterationRecord: Equatable, Sendable {
    public var index: Int
    public var warmup: Bool
    public var wallTimeS: Double
    public var userTimeS: Double
    public var sysTimeS: Double
    public var peakRSSMB: Double
    public var exitCode: Int
    public var status: String
    public var outlier = false
    public var loadAvgStart = 0.0
    public var loadAvgEnd = 0.0
    public var ramAvailableStartGB = 0.0
    public var cachesDropped = false
    public var constraintsApplied = false
    public var oomDetected = false
    /// nil when the iteration carries no per-test timing object.
    public var perTestParseSuccess: Bool?
    public var perTestTimings: [TestTiming] = []
    /// When it ran in the schedule (measured runs only).
    public var round: Int?
    public var roundPosition: Int?
    /// User-space instructions of the whole process tree (`bench run --instructions`); nil when not counted.
    public var instructions: Int?
    public var instructionMethod: InstructionCountingMethod?
    /// Ran under instrumentation (Valgrind): the times and RSS describe the instrumented program and are
    /// left out of their statistics.
    public var instrumented = false
    /// The PYTHONHASHSEED the iteration ran with, when it was fixed (instruction-counting runs).
    public var hashSeed: Int?
    /// What the test runner reported running; nil when unknown.
    public var tests: TestCounts?
    /// Digest of the ids of the tests that ran (not skipped); nil when test ids are unknown.
    public var testsDigest: String?
    /// Per-test durations dropped as impossible (negative, non-finite, longer than the wall time).
    public var perTestRejected = 0

    public init(index: Int, warmup: Bool, wallTimeS: Double, userTimeS: Double, sysTimeS: Double,
                peakRSSMB: Double, exitCode: Int, status: String) {
        self.index = index; self.warmup = warmup; self.wallTimeS = wallTimeS; self.userTimeS = userTimeS
        self.sysTimeS = sysTimeS; self.peakRSSMB = peakRSSMB; self.exitCode = exitCode; self.status = status
    }
}

public struct ConditionResultRecord: Equatable, Sendable {
    public var conditionName: String
    public var iterations: [IterationRecord] = []
    public var installDurationS = 0.0
    public var venvSetupDurationS = 0.0
    public var convergedEarly = false
    public init(conditionName: String) { self.conditionName = conditionName }
}

public struct PackageResultRecord: Equatable, Sendable {
    public var package: String
    public var conditions: [ConditionResultRecord] = []
    public var cloneDurationS = 0.0
    public var skipped = false
    public var skipReason = ""
    /// In a merged run: the shard (hence the machine) that measured this package.
    public var shard: Int?
    public init(package: String) { self.package = package }
}
