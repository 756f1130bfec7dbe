// Decodes the Python labeille's `bench_meta.json` and `bench_results.jsonl` objects. Unknown keys are
// ignored and optional keys take the documented defaults; a required key that is missing or a value of
// the wrong type is an error naming the field.

public struct FormatError: Error, CustomStringConvertible {
    public let message: String
    /// The JSON key the problem is about, when known: locates the line in a multi-line file.
    public var key: String?
    public init(_ message: String, key: String? = nil) { self.message = message; self.key = key }
    public var description: String { message }
}

/// The iteration statuses the Python labeille writes; anything else is refused on ingest.
public enum IterationStatus: String, CaseIterable, Sendable {
    case ok, fail, timeout, error, oom
}

/// Typed access to one JSON object, with the path of the object for error messages.
struct JSONObjectReader {
    let pairs: [(key: String, value: JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String) throws {
        guard case .object(let p) = value else {
            throw FormatError("\(path.isEmpty ? "value" : path): expected an object, got \(value.typeName)")
        }
        pairs = p
        self.path = path
    }

    func raw(_ key: String) -> JSONValue? {
        for p in pairs where p.key == key { return p.value }
        return nil
    }
    private func field(_ key: String) -> String { path.isEmpty ? "'\(key)'" : "'\(path).\(key)'" }
    private func present(_ key: String) -> JSONValue? {
        guard let v = raw(key) else { return nil }
        if case .null = v { return nil }
        return v
    }
    private func missing(_ key: String) -> FormatError { FormatError("missing required field \(field(key))", key: key) }
    private func wrong(_ key: String, _ expected: String, _ got: JSONValue) -> FormatError {
        FormatError("field \(field(key)): expected \(expected), got \(got.typeName)", key: key)
    }
    func outOfRange(_ key: String, _ problem: String) -> FormatError {
        FormatError("field \(field(key)): \(problem)", key: key)
    }

    /// A number in `range` (finite), or nil when absent.
    func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let d = try double(key) else { return nil }
        if let problem = Limits.problem(d, range) { throw outOfRange(key, problem) }
        return d
    }
    func requiredDouble(_ key: String, in range: ClosedRange<Double>) throws -> Double {
        guard let d = try double(key, in: range) else { throw missing(key) }
        return d
    }
    /// An integer in `range`, or nil when absent.
    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let i = try int(key) else { return nil }
        if let problem = Limits.problem(i, range) { throw outOfRange(key, problem) }
        return i
    }
    func requiredInt(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let i = try int(key, in: range) else { throw missing(key) }
        return i
    }
    /// A string that is safe as a name (see `SafeName`).
    func requiredName(_ key: String) throws -> String {
        let s = try requiredString(key)
        if let problem = SafeName.problem(s) { throw outOfRange(key, "'\(SafeName.printable(s))' \(problem)") }
        return s
    }
    /// A key of an object that names something (a condition): safe as a name.
    func checkName(_ name: String) throws {
        if let problem = SafeName.problem(name) {
            throw FormatError("\(path.isEmpty ? "object" : "'\(path)'"): name '\(SafeName.printable(name))' \(problem)", key: path.split(separator: ".").last.map(String.init))
        }
    }

    func string(_ key: String) throws -> String? {
        guard let v = present(key) else { return nil }
        guard case .string(let s) = v else { throw wrong(key, "a string", v) }
        return s
    }
    func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw missing(key) }
        return s
    }
    func double(_ key: String) throws -> Double? {
        guard let v = present(key) else { return nil }
        switch v {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        default: throw wrong(key, "a number", v)
        }
    }
    func requiredDouble(_ key: String) throws -> Double {
        guard let d = try double(key) else { throw missing(key) }
        return d
    }
    func int(_ key: String) throws -> Int? {
        guard let v = present(key) else { return nil }
        switch v {
        case .integer(let i): return i
        case .number(let d) where d.isFinite && d == d.rounded() && abs(d) < 9e15: return Int(d)
        default: throw wrong(key, "an integer", v)
        }
    }
    func requiredInt(_ key: String) throws -> Int {
        guard let i = try int(key) else { throw missing(key) }
        return i
    }
    func bool(_ key: String) throws -> Bool? {
        guard let v = present(key) else { return nil }
        guard case .bool(let b) = v else { throw wrong(key, "true or false", v) }
        return b
    }
    func requiredBool(_ key: String) throws -> Bool {
        guard let b = try bool(key) else { throw missing(key) }
        return b
    }
    func array(_ key: String) throws -> [JSONValue]? {
        guard let v = present(key) else { return nil }
        guard case .array(let a) = v else { throw wrong(key, "an array", v) }
        return a
    }
    func stringArray(_ key: String) throws -> [String]? {
        guard let a = try array(key) else { return nil }
        return try a.enumerated().map { i, v in
            guard case .string(let s) = v else { throw FormatError("field \(field(key))[\(i)]: expected a string, got \(v.typeName)") }
            return s
        }
    }
    func object(_ key: String) throws -> JSONObjectReader? {
        guard let v = present(key) else { return nil }
        guard case .object = v else { throw wrong(key, "an object", v) }
        return try JSONObjectReader(v, path: path.isEmpty ? key : "\(path).\(key)")
    }
}

public enum PythonFormat {
    public static func decodeMeta(_ value: JSONValue) throws -> RunMeta {
        let o = try JSONObjectReader(value, path: "")
        let benchID = try o.requiredString("bench_id")
        guard !benchID.isEmpty else { throw FormatError("field 'bench_id' is empty", key: "bench_id") }
        if let problem = SafeName.problem(benchID) { throw o.outOfRange("bench_id", "'\(SafeName.printable(benchID))' \(problem)") }
        var meta = RunMeta(benchID: benchID)
        meta.name = try o.string("name") ?? ""
        meta.description = try o.string("description") ?? ""
        if let s = try o.object("system") { meta.system = try decodeSystem(s) }
        if let profiles = try o.object("python_profiles") {
            for (name, value) in profiles.pairs {
                try profiles.checkName(name)
                meta.pythonProfiles.append((name, try decodePythonProfile(JSONObjectReader(value, path: "python_profiles.\(name)"))))
            }
        }
        if let conditions = try o.object("conditions") {
            for (name, value) in conditions.pairs {
                try conditions.checkName(name)
                meta.conditions.append(try decodeCondition(name: name, JSONObjectReader(value, path: "conditions.\(name)")))
            }
        }
        if let c = try o.object("config") { meta.config = try decodeConfig(c) }
        meta.cliArgs = try o.stringArray("cli_args") ?? []
        meta.startTime = try o.string("start_time") ?? ""
        meta.endTime = try o.string("end_time") ?? ""
        meta.packagesTotal = try o.int("packages_total", in: Limits.count) ?? 0
        meta.packagesCompleted = try o.int("packages_completed", in: Limits.count) ?? 0
        meta.packagesSkipped = try o.int("packages_skipped", in: Limits.count) ?? 0
        if let shard = try o.object("shard") { meta.shard = try ShardInfo.decode(shard) }
        if let merge = try o.object("shard_merge") { meta.shardMerge = try ShardMergeInfo.decode(merge) }
        return meta
    }

    static func decodeSystem(_ o: JSONObjectReader) throws -> SystemProfile {
        var s = SystemProfile()
        s.cpuModel = try o.string("cpu_model") ?? s.cpuModel
        s.cpuCoresPhysical = try o.int("cpu_cores_physical", in: Limits.count) ?? 0
        s.cpuCoresLogical = try o.int("cpu_cores_logical", in: Limits.count) ?? 0
        s.cpuFreqMHz = try o.double("cpu_freq_mhz", in: Limits.gauge)
        s.cpuFreqMaxMHz = try o.double("cpu_freq_max_mhz", in: Limits.gauge)
        s.cpuArchitecture = try o.string("cpu_architecture") ?? ""
        s.ramTotalGB = try o.double("ram_total_gb", in: Limits.gauge) ?? 0
        s.ramAvailableGB = try o.double("ram_available_gb", in: Limits.gauge) ?? 0
        s.swapTotalGB = try o.double("swap_total_gb", in: Limits.gauge) ?? 0
        s.osName = try o.string("os_name") ?? ""
        s.osKernelVersion = try o.string("os_kernel_version") ?? ""
        s.osDistro = try o.string("os_distro") ?? ""
        s.hostPythonVersion = try o.string("host_python_version") ?? ""
        s.hostPythonImplementation = try o.string("host_python_implementation") ?? ""
        s.loadAvg1m = try o.double("load_avg_1m", in: Limits.gauge) ?? 0
        s.loadAvg5m = try o.double("load_avg_5m", in: Limits.gauge) ?? 0
        s.loadAvg15m = try o.double("load_avg_15m", in: Limits.gauge) ?? 0
        s.runningProcesses = try o.int("running_processes", in: Limits.count) ?? 0
        s.diskType = try o.string("disk_type") ?? "unknown"
        s.diskAvailableGB = try o.double("disk_available_gb", in: Limits.gauge) ?? 0
        s.hostname = try o.string("hostname") ?? ""
        s.timestamp = try o.string("timestamp") ?? ""
        return s
    }

    static func decodePythonProfile(_ o: JSONObjectReader) throws -> PythonProfile {
        var p = PythonProfile()
        p.path = try o.string("path") ?? ""
        p.version = try o.string("version") ?? ""
        p.implementation = try o.string("implementation") ?? ""
        p.compiler = try o.string("compiler") ?? ""
        p.buildFlags = try o.stringArray("build_flags") ?? []
        p.jitAvailable = try o.bool("jit_available") ?? false
        p.jitEnabled = try o.bool("jit_enabled") ?? false
        p.gilDisabled = try o.bool("gil_disabled") ?? false
        p.debugBuild = try o.bool("debug_build") ?? false
        p.hashRandomization = try o.bool("hash_randomization") ?? true
        return p
    }

    static func decodeCondition(name: String, _ o: JSONObjectReader) throws -> ConditionDefinition {
        var c = ConditionDefinition(name: name)  // the map key is authoritative; the inner name is not checked
        c.description = try o.string("description") ?? ""
        c.targetPython = try o.string("target_python") ?? ""
        if let env = try o.object("env") {
            c.env = try env.pairs.map { k, v in
                switch v {
                case .string(let s): return KeyValue(k, s)
                case .integer(let i): return KeyValue(k, String(i))
                case .number(let d): return KeyValue(k, JSONWriter.formatNumber(d))
                case .bool(let b): return KeyValue(k, b ? "1" : "0")
                default: throw FormatError("field 'conditions.\(name).env.\(k)': expected a string, got \(v.typeName)")
                }
            }
        }
        c.extraDeps = try o.stringArray("extra_deps") ?? []
        c.testCommandOverride = try o.string("test_command_override")
        c.testCommandPrefix = try o.string("test_command_prefix")
        c.testCommandSuffix = try o.string("test_command_suffix")
        c.installCommand = try o.string("install_command")
        if let k = try o.object("constraints") {
            c.constraints.memoryLimitMB = try k.int("memory_limit_mb", in: Limits.megabytes)
            c.constraints.cpuTimeLimitS = try k.int("cpu_time_limit_s", in: Limits.cpuSeconds)
            c.constraints.fileSizeLimitMB = try k.int("file_size_limit_mb", in: Limits.megabytes)
            if let a = try k.array("cpu_affinity") {
                c.constraints.cpuAffinity = try a.map {
                    guard case .integer(let cpu) = $0, Limits.cpuIndex.contains(cpu) else {
                        throw FormatError("field 'conditions.\(name).constraints.cpu_affinity': expected CPU numbers")
                    }
                    return cpu
                }
            }
        }
        return c
    }

    static func decodeConfig(_ o: JSONObjectReader) throws -> RunConfig {
        var c = RunConfig()
        c.iterations = try o.int("iterations", in: 1...Limits.iterations.upperBound)
        c.warmup = try o.int("warmup", in: Limits.warmup)
        c.timeout = try o.double("timeout", in: 0...Limits.timeoutSeconds.upperBound)
        c.alternate = try o.bool("alternate")
        c.interleave = try o.bool("interleave")
        c.packagesFilter = try o.stringArray("packages_filter")
        c.topN = try o.int("top_n", in: 0...Limits.topN.upperBound)
        c.adaptive = try o.bool("adaptive")
        c.adaptiveThreshold = try o.double("adaptive_threshold", in: 0...Limits.trendThresholdHigh)
        c.adaptiveMinIterations = try o.int("adaptive_min_iterations", in: 0...Limits.iterations.upperBound)
        c.rawJSON = JSONWriter.compact(.object(o.pairs))
        return c
    }

    public static func decodePackage(_ value: JSONValue) throws -> PackageResultRecord {
        let o = try JSONObjectReader(value, path: "")
        var p = PackageResultRecord(package: try o.requiredName("package"))
        p.cloneDurationS = try o.double("clone_duration_s", in: Limits.seconds) ?? 0
        p.skipped = try o.bool("skipped") ?? false
        p.skipReason = try o.string("skip_reason") ?? ""
        p.shard = try o.int("shard")
        if let conds = try o.object("conditions") {
            for (name, cv) in conds.pairs {
                try conds.checkName(name)
                let co = try JSONObjectReader(cv, path: "conditions.\(name)")
                var c = ConditionResultRecord(conditionName: name)
                c.installDurationS = try co.double("install_duration_s", in: Limits.seconds) ?? 0
                c.venvSetupDurationS = try co.double("venv_setup_duration_s", in: Limits.seconds) ?? 0
                c.convergedEarly = try co.bool("converged_early") ?? false
                for (i, iv) in (try co.array("iterations") ?? []).enumerated() {
                    c.iterations.append(try decodeIteration(JSONObjectReader(iv, path: "conditions.\(name).iterations[\(i)]")))
                }
                p.conditions.append(c)
            }
        }
        return p
    }

    static func decodeIteration(_ o: JSONObjectReader) throws -> IterationRecord {
        var it = IterationRecord(
            index: try o.requiredInt("index", in: Limits.iterationIndex), warmup: try o.requiredBool("warmup"),
            wallTimeS: try o.requiredDouble("wall_time_s", in: Limits.seconds),
            userTimeS: try o.requiredDouble("user_time_s", in: Limits.seconds),
            sysTimeS: try o.requiredDouble("sys_time_s", in: Limits.seconds),
            peakRSSMB: try o.requiredDouble("peak_rss_mb", in: Limits.rssMB),
            exitCode: try o.requiredInt("exit_code", in: Limits.exitCode), status: try o.requiredString("status"))
        guard IterationStatus(rawValue: it.status) != nil else {
            throw o.outOfRange("status", "unknown status '\(SafeName.printable(it.status))' (expected "
                               + IterationStatus.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        it.outlier = try o.bool("outlier") ?? false
        it.loadAvgStart = try o.double("load_avg_start", in: Limits.gauge) ?? 0
        it.loadAvgEnd = try o.double("load_avg_end", in: Limits.gauge) ?? 0
        it.ramAvailableStartGB = try o.double("ram_available_start_gb", in: Limits.gauge) ?? 0
        it.cachesDropped = try o.bool("caches_dropped") ?? false
        it.constraintsApplied = try o.bool("constraints_applied") ?? false
        it.oomDetected = try o.bool("oom_detected") ?? false
        try decodeInstructionKeys(o, into: &it)
        if let passed = try o.int("tests_passed", in: Limits.count) {
            let n = { (key: String) throws -> Int in try o.int(key, in: Limits.count) ?? 0 }
            it.tests = TestCounts(passed: passed, failed: try n("tests_failed"), skipped: try n("tests_skipped"),
                                  errors: try n("tests_errors"), xfailed: try n("tests_xfailed"),
                                  xpassed: try n("tests_xpassed"), subtests: try n("tests_subtests"))
        }
        it.testsDigest = try o.string("tests_digest")
        it.perTestRejected = try o.int("per_test_rejected", in: Limits.count) ?? 0
        if let pt = try o.object("per_test_timings") {
            it.perTestParseSuccess = try pt.bool("parse_success") ?? true
            for (i, tv) in (try pt.array("timings") ?? []).enumerated() {
                let t = try JSONObjectReader(tv, path: "\(pt.path).timings[\(i)]")
                let testID = try t.requiredString("test_id")
                if testID.isEmpty || testID.unicodeScalars.contains("\0") {
                    throw t.outOfRange("test_id", "must be a non-empty string without NUL")
                }
                let phase = try t.requiredString("phase")
                guard ["setup", "call", "teardown"].contains(phase) else {
                    throw t.outOfRange("phase", "unknown phase '\(SafeName.printable(phase))' (expected setup, call or teardown)")
                }
                it.perTestTimings.append(TestTiming(testID: testID, phase: phase,
                                                    durationS: try t.requiredDouble("duration_s", in: Limits.testSeconds),
                                                    outcome: try t.string("outcome").flatMap(TestOutcome.init(rawValue:))))
            }
        }
        return it
    }
}
