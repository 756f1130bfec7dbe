import LabeilleCore
import LabeilleStats

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
