import Foundation
import LabeilleCore
import LabeilleStats

/// Writes `bench_meta.json` and `bench_results.jsonl` as the Python labeille does, so
/// the Python tool can read our runs: key order, rounding, sparse keys and the stats blocks.
extension PythonFormat {
    /// Python's round(x, n): the double nearest to the correctly rounded decimal.
    static func round(_ x: Double, _ digits: Int) -> Double {
        guard x.isFinite else { return x }
        return Double(String(format: "%.\(digits)f", x)) ?? x
    }

    public static func encodeMeta(_ m: RunMeta) -> JSONValue {
        let s = m.system
        let system: JSONValue = .obj([
            ("cpu_model", .string(s.cpuModel)), ("cpu_cores_physical", .int(s.cpuCoresPhysical)),
            ("cpu_cores_logical", .int(s.cpuCoresLogical)), ("cpu_freq_mhz", .num(s.cpuFreqMHz)),
            ("cpu_freq_max_mhz", .num(s.cpuFreqMaxMHz)), ("cpu_architecture", .string(s.cpuArchitecture)),
            ("ram_total_gb", .number(s.ramTotalGB)), ("ram_available_gb", .number(s.ramAvailableGB)),
            ("swap_total_gb", .number(s.swapTotalGB)), ("os_name", .string(s.osName)),
            ("os_kernel_version", .string(s.osKernelVersion)), ("os_distro", .string(s.osDistro)),
            ("host_python_version", .string(s.hostPythonVersion)),
            ("host_python_implementation", .string(s.hostPythonImplementation)),
            ("load_avg_1m", .number(s.loadAvg1m)), ("load_avg_5m", .number(s.loadAvg5m)),
            ("load_avg_15m", .number(s.loadAvg15m)), ("running_processes", .int(s.runningProcesses)),
            ("disk_type", .string(s.diskType)), ("disk_available_gb", .number(s.diskAvailableGB)),
            ("hostname", .string(s.hostname)), ("timestamp", .string(s.timestamp)),
        ])
        let profiles: JSONValue = .obj(m.pythonProfiles.map { entry in
            let p = entry.profile
            return (entry.name, JSONValue.obj([
                ("path", .string(p.path)), ("version", .string(p.version)), ("implementation", .string(p.implementation)),
                ("compiler", .string(p.compiler)), ("build_flags", .array(p.buildFlags.map { .string($0) })),
                ("jit_available", .bool(p.jitAvailable)), ("jit_enabled", .bool(p.jitEnabled)),
                ("gil_disabled", .bool(p.gilDisabled)), ("debug_build", .bool(p.debugBuild)),
                ("hash_randomization", .bool(p.hashRandomization)),
            ]))
        })
        let conditions: JSONValue = .obj(m.conditions.map { ($0.name, encodeCondition($0)) })
        let config = (try? JSONParser.parse(m.config.rawJSON)) ?? .obj([])
        var shardKeys: [(String, JSONValue)] = []
        if let shard = m.shard { shardKeys.append(("shard", shard.json)) }
        if let merge = m.shardMerge { shardKeys.append(("shard_merge", merge.json)) }
        return .obj([
            ("bench_id", .string(m.benchID)), ("name", .string(m.name)), ("description", .string(m.description)),
            ("system", system), ("python_profiles", profiles), ("conditions", conditions), ("config", config),
            ("cli_args", .array(m.cliArgs.map { .string($0) })), ("start_time", .string(m.startTime)),
            ("end_time", .string(m.endTime)), ("packages_total", .int(m.packagesTotal)),
            ("packages_completed", .int(m.packagesCompleted)), ("packages_skipped", .int(m.packagesSkipped)),
        ] + shardKeys)
    }

    /// Sparse, as the original: `name` always, other keys only when set.
    static func encodeCondition(_ c: ConditionDefinition) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("name", .string(c.name))]
        if !c.description.isEmpty { pairs.append(("description", .string(c.description))) }
        if !c.targetPython.isEmpty { pairs.append(("target_python", .string(c.targetPython))) }
        if !c.env.isEmpty { pairs.append(("env", .obj(c.env.map { ($0.key, .string($0.value)) }))) }
        if !c.extraDeps.isEmpty { pairs.append(("extra_deps", .array(c.extraDeps.map { .string($0) }))) }
        if let v = c.testCommandOverride { pairs.append(("test_command_override", .string(v))) }
        if let v = c.testCommandPrefix { pairs.append(("test_command_prefix", .string(v))) }
        if let v = c.testCommandSuffix { pairs.append(("test_command_suffix", .string(v))) }
        if let v = c.installCommand { pairs.append(("install_command", .string(v))) }
        if !c.constraints.isEmpty {
            var k: [(String, JSONValue)] = []
            if let v = c.constraints.memoryLimitMB { k.append(("memory_limit_mb", .int(v))) }
            if let v = c.constraints.cpuTimeLimitS { k.append(("cpu_time_limit_s", .int(v))) }
            if let v = c.constraints.fileSizeLimitMB { k.append(("file_size_limit_mb", .int(v))) }
            if !c.constraints.cpuAffinity.isEmpty { k.append(("cpu_affinity", .array(c.constraints.cpuAffinity.map { .int($0) }))) }
            pairs.append(("constraints", .obj(k)))
        }
        return .obj(pairs)
    }

    static func statsBlock(_ values: [Double]) -> JSONValue {
        let d = DescriptiveStats(values)
        // The original's cv: +inf when the mean is 0 (n ≥ 2).
        let cv = d.n >= 2 && d.mean == 0 ? Double.infinity : d.cv
        return .obj([
            ("n", .int(d.n)), ("mean", .number(round(d.mean, 6))), ("median", .number(round(d.median, 6))),
            ("stdev", .number(round(d.stdev, 6))), ("min", .number(round(d.min, 6))), ("max", .number(round(d.max, 6))),
            ("q1", .number(round(d.q1, 6))), ("q3", .number(round(d.q3, 6))), ("iqr", .number(round(d.iqr, 6))),
            ("cv", .number(round(cv, 6))),
        ])
    }

    public static func encodePackage(_ p: PackageResultRecord) -> JSONValue {
        let conditions: [(String, JSONValue)] = p.conditions.map { c in
            var pairs: [(String, JSONValue)] = [
                ("condition_name", .string(c.conditionName)),
                ("iterations", .array(c.iterations.map(encodeIteration))),
                ("install_duration_s", .number(round(c.installDurationS, 2))),
                ("venv_setup_duration_s", .number(round(c.venvSetupDurationS, 2))),
            ]
            if c.convergedEarly { pairs.append(("converged_early", .bool(true))) }
            let measured = c.iterations.filter { !$0.warmup }
            if !measured.isEmpty {
                pairs.append(("wall_time_stats", statsBlock(measured.map(\.wallTimeS))))
                pairs.append(("user_time_stats", statsBlock(measured.map(\.userTimeS))))
                pairs.append(("sys_time_stats", statsBlock(measured.map(\.sysTimeS))))
                pairs.append(("peak_rss_stats", statsBlock(measured.map(\.peakRSSMB))))
            }
            pairs += instructionStatsKey(c.iterations)
            return (c.conditionName, .obj(pairs))
        }
        return .obj([
            ("package", .string(p.package)), ("conditions", .obj(conditions)),
            ("clone_duration_s", .number(round(p.cloneDurationS, 2))), ("skipped", .bool(p.skipped)),
            ("skip_reason", .string(p.skipReason)),
        ] + (p.shard.map { [("shard", JSONValue.int($0))] } ?? []))
    }

    static func encodeIteration(_ it: IterationRecord) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("index", .int(it.index)), ("warmup", .bool(it.warmup)),
            ("wall_time_s", .number(round(it.wallTimeS, 6))), ("user_time_s", .number(round(it.userTimeS, 6))),
            ("sys_time_s", .number(round(it.sysTimeS, 6))), ("peak_rss_mb", .number(round(it.peakRSSMB, 1))),
            ("exit_code", .int(it.exitCode)), ("status", .string(it.status)), ("outlier", .bool(it.outlier)),
            ("load_avg_start", .number(it.loadAvgStart)), ("load_avg_end", .number(it.loadAvgEnd)),
            ("ram_available_start_gb", .number(it.ramAvailableStartGB)),
        ]
        if it.cachesDropped { pairs.append(("caches_dropped", .bool(true))) }
        if it.constraintsApplied { pairs.append(("constraints_applied", .bool(true))) }
        if it.oomDetected { pairs.append(("oom_detected", .bool(true))) }
        pairs += instructionKeys(it)
        // Keys the Python tool does not know (its reader ignores unknown keys): what the iteration ran.
        if let t = it.tests {
            pairs += [("tests_passed", .int(t.passed)), ("tests_failed", .int(t.failed)), ("tests_skipped", .int(t.skipped)),
                      ("tests_errors", .int(t.errors)), ("tests_xfailed", .int(t.xfailed)), ("tests_xpassed", .int(t.xpassed)),
                      ("tests_subtests", .int(t.subtests))]
        }
        if let d = it.testsDigest { pairs.append(("tests_digest", .string(d))) }
        if it.perTestRejected > 0 { pairs.append(("per_test_rejected", .int(it.perTestRejected))) }
        if let parsed = it.perTestParseSuccess {
            pairs.append(("per_test_timings", .obj([
                ("timings", .array(it.perTestTimings.map {
                    var t: [(String, JSONValue)] = [("test_id", .string($0.testID)), ("phase", .string($0.phase)),
                                                    ("duration_s", .number(round($0.durationS, 6)))]
                    if let o = $0.outcome { t.append(("outcome", .string(o.rawValue))) }
                    return .obj(t)
                })),
                ("parse_success", .bool(parsed)),
            ])))
        }
        return .obj(pairs)
    }

    /// Appends one package line (the run keeps completed packages if it is interrupted).
    public static func appendPackageLine(_ p: PackageResultRecord, to path: String) throws {
        let line = JSONWriter.compact(encodePackage(p)) + "\n"
        guard let fh = FileHandle(forWritingAtPath: path) ?? {
            FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil
        }() else { throw FormatError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { try? fh.close() }
        fh.seekToEndOfFile()
        fh.write(Data(line.utf8))
        try? fh.synchronize()
    }
}
