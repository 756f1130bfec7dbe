import CSpawn
import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

public struct RunError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct RunOutcome {
    public var benchID: String
    public var resultsDirectory: String
    public var interrupted: Bool
    public var packagesCompleted: Int
    public var packagesSkipped: Int
    public var iterationsRun: Int
}

/// One scheduled iteration.
struct ScheduledIteration {
    var package: Int
    var condition: Int
    var index: Int
    var warmup: Bool
    var round: Int?
    var roundPosition: Int?
}

/// The order of conditions in a round: rotated, and reversed every other round (ABBA for two
/// conditions), so position effects and drift cancel over rounds.
public func counterbalancedOrder(conditions: Int, round: Int) -> [Int] {
    guard conditions > 1 else { return Array(0..<conditions) }
    let rotation = (round / 2) % conditions
    let base = (0..<conditions).map { ($0 + rotation) % conditions }
    return round % 2 == 0 ? base : base.reversed()
}

/// Runs package test suites under each condition and records every iteration as it completes.
public final class BenchRunner {
    public let settings: BenchSettings
    let store: Store
    /// Receives the run's progress and messages; the runner itself writes nothing to the terminal.
    let observer: any RunObserver
    /// Asked between steps and while children run: a requested interruption stops the run resumably.
    public let interruption: Interruption

    /// A message for the user, through the observer.
    func log(_ message: String) { observer.log(message) }
    /// Environment of the harness, the base of every child's environment.
    let environment: [String: String]
    /// The probed version of each condition's interpreter (part of the venv key).
    var interpreterVersions: [String] = []
    /// Counts each iteration's instructions (`--instructions`), resolved before any work.
    var instructionCounter: InstructionCounter?
    /// Set for `--shard K/N`: narrows the selected packages to this machine's share.
    public var shardSelection: (any PackageShardFilter)?
    /// Runs every child process of the run: probes, git, venvs, installs and the measured iterations.
    public lazy var executor: any ProcessExecutor = SpawningExecutor(interruption: interruption)

    public init(settings: BenchSettings, store: Store, observer: any RunObserver, interruption: Interruption = .never,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        // Bare interpreter names ("python3") resolve through PATH once, so every check and probe sees a path.
        var resolved = settings
        func lookup(_ name: String) -> String {
            guard !name.isEmpty, !name.contains("/") else { return name }
            return ExecutableLookup.find(name, searchPath: environment["PATH"]) ?? name
        }
        resolved.defaultTargetPython = lookup(resolved.defaultTargetPython)
        for i in resolved.conditions.indices { resolved.conditions[i].targetPython = lookup(resolved.conditions[i].targetPython) }
        self.settings = resolved
        self.store = store
        self.observer = observer
        self.interruption = interruption
        var marked = environment
        marked[ProcessSweeper.harnessVariable] = ProcessSweeper.harnessToken
        self.environment = marked
    }

    /// The order of iterations for the selected packages (settings' strategy).
    func schedule(packages: Int) -> [ScheduledIteration] {
        let k = settings.conditions.count
        let total = settings.warmup + settings.iterations
        var tasks: [ScheduledIteration] = []
        func index(_ r: Int) -> (Int, Bool) { (r + 1, r < settings.warmup) }
        switch settings.strategy {
        case .block:
            for p in 0..<packages {
                for c in 0..<k {
                    for r in 0..<total { let (i, w) = index(r); tasks.append(ScheduledIteration(package: p, condition: c, index: i, warmup: w)) }
                }
            }
        case .alternating:
            for p in 0..<packages {
                for r in 0..<total {
                    let (i, w) = index(r)
                    for (pos, c) in counterbalancedOrder(conditions: k, round: r).enumerated() {
                        tasks.append(ScheduledIteration(package: p, condition: c, index: i, warmup: w, round: i, roundPosition: pos))
                    }
                }
            }
        case .interleaved:
            for r in 0..<total {
                let (i, w) = index(r)
                for p in 0..<packages {
                    for (pos, c) in counterbalancedOrder(conditions: k, round: r).enumerated() {
                        tasks.append(ScheduledIteration(package: p, condition: c, index: i, warmup: w, round: i, roundPosition: pos))
                    }
                }
            }
        }
        return tasks
    }

    struct PackageState {
        var registry: RegistryPackage
        var packageResultID: Int64?
        var setupFailed: String?
        var worktrees: [String] = []
        var venvs: [Workspace.Venv] = []
        /// Per condition: the worktree right after the install, restored before every iteration.
        var snapshots: [WorktreeSnapshot] = []
        /// Per condition: whether the venv holds the pytest report plugin.
        var pytestPlugin: [Bool] = []
        var packageConditionIDs: [Int64] = []
        var converged: [Bool] = []
        var measuredOK: [[Double]] = []
        var remaining = 0
        var cloneSeconds = 0.0
    }

    /// Clone, worktrees, venvs and installs of one package; records the package (skipped on failure).
    func setUp(_ st: inout PackageState, workspace: Workspace, writer: RunWriter, benchID: String) {
        let s = settings
        let name = st.registry.name
        let db = store.db
        do {
            guard let url = st.registry.repo, !url.isEmpty else { throw SetupError("package '\(name)' has no repo URL") }
            observer.progressNote("Setting up \(name)")
            let t0 = Date()
            let repo = try workspace.prepareRepository(name: name, url: url, depth: st.registry.cloneDepth)
            st.cloneSeconds = Date().timeIntervalSince(t0)
            var conditionRecords: [ConditionResultRecord] = []
            for (i, c) in s.conditions.enumerated() {
                let wt = try workspace.prepareWorktree(repository: repo.path, package: name, condition: c.name)
                let py = c.targetPython.isEmpty ? s.defaultTargetPython : c.targetPython
                let version = i < interpreterVersions.count ? interpreterVersions[i] : ""
                let install = c.installCommand ?? (st.registry.installCommand.isEmpty ? nil : st.registry.installCommand)
                let venv = try workspace.prepareVenv(package: name, condition: c, interpreter: py, interpreterVersion: version,
                                                     installCommand: install, worktree: wt, timeout: s.timeout)
                st.worktrees.append(wt)
                st.venvs.append(venv)
                st.pytestPlugin.append(PytestReportPlugin.install(venv: venv.path))
                st.snapshots.append(try workspace.snapshotWorktree(wt))
                var rec = ConditionResultRecord(conditionName: c.name)
                rec.installDurationS = venv.installSeconds
                rec.venvSetupDurationS = venv.setupSeconds
                conditionRecords.append(rec)
            }
            let cloneSeconds = st.cloneSeconds
            let existing = try writer.existingPackageResultID(package: name)
            let ids: (Int64, [Int64]) = try db.transaction {
                if let existing {
                    let pcs = try conditionRecords.map { rec -> Int64 in
                        if let id = try writer.packageConditionID(packageResultID: existing, condition: rec.conditionName) { return id }
                        return try writer.beginPackageCondition(packageResultID: existing, rec)
                    }
                    // A package recorded as failed by an earlier session is measured now: no longer skipped.
                    try writer.markMeasuredAgain(packageResultID: existing)
                    return (existing, pcs)
                }
                let prid = try writer.insertPackageResult(package: name, cloneDurationS: cloneSeconds, skipped: false, skipReason: "")
                return (prid, try conditionRecords.map { try writer.beginPackageCondition(packageResultID: prid, $0) })
            }
            st.packageResultID = ids.0
            st.packageConditionIDs = ids.1
            st.converged = Array(repeating: false, count: s.conditions.count)
            st.measuredOK = Array(repeating: [], count: s.conditions.count)
        } catch {
            if interruption.isRequested { st.setupFailed = "interrupted"; return }  // not a verdict: nothing recorded
            log("Setup of \(name) failed: \(error)")
            st.setupFailed = "\(error)"
            st.packageResultID = try? db.transaction {
                try writer.insertPackageResult(package: name, cloneDurationS: 0, skipped: true, skipReason: "setup failed: \(error)")
            }
        }
    }

    /// One iteration: spawn, wait, classify.
    func measure(task: ScheduledIteration, state st: PackageState, condition c: ConditionDefinition, workspace: Workspace,
                 logsDir: String, cacheDropper: CacheDropper?) throws -> IterationRecord {
        let s = settings
        let command = TestCommand.resolve(registryCommand: st.registry.testCommand, condition: c,
                                          defaultSuffix: s.defaultTestCommandSuffix)
        var env = workspace.venvEnvironment(venv: st.venvs[task.condition].path, extra: c.env)
        env["PYTHONFAULTHANDLER"] = env["PYTHONFAULTHANDLER"] ?? "1"
        env["PYTHONDONTWRITEBYTECODE"] = env["PYTHONDONTWRITEBYTECODE"] ?? "1"
        let wt = st.worktrees[task.condition]
        try restoreWorktree(of: st, condition: c, index: task.condition, workspace: workspace)
        var dropped = false
        if let cacheDropper, s.dropsCaches(for: c.name) { dropped = cacheDropper.drop() }
        let dir = ((logsDir as NSString).appendingPathComponent(st.registry.name) as NSString).appendingPathComponent(c.name)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let out = (dir as NSString).appendingPathComponent("\(task.index).out")
        let err = (dir as NSString).appendingPathComponent("\(task.index).err")
        let report = (dir as NSString).appendingPathComponent("\(task.index).tests.jsonl")
        unlink(report)
        if TestCommand.invokesPytest(command) && st.pytestPlugin[task.condition] {
            // Through the environment, so it applies wherever pytest sits in the command line.
            env["PYTEST_ADDOPTS"] = ((env["PYTEST_ADDOPTS"].map { $0 + " " }) ?? "") + "-p \(PytestReportPlugin.moduleName)"
            env[PytestReportPlugin.reportVariable] = report
        }
        let limits = ProcessLimits(memoryLimitMB: c.constraints.memoryLimitMB, cpuTimeLimitS: c.constraints.cpuTimeLimitS,
                                   cpuAffinity: c.constraints.cpuAffinity)
        let timeout = st.registry.effectiveTimeout(runTimeout: s.timeout)
        let before = SystemProfiler.snapshot()
        let oomBefore = Self.oomKillCount()
        let (argv, viaShell) = TestCommand.argv(command)
        let counted = try prepareCounting(argv: argv, environment: &env, workingDirectory: wt, index: task.index,
                                          scratch: (dir as NSString).appendingPathComponent("\(task.index).cachegrind"))
        let o: ProcessOutcome
        do {
            o = try executor.run(ProcessRequest(counted?.argv ?? argv, environment: env, workingDirectory: wt,
                                                output: .files(stdout: out, stderr: err), limits: limits, timeout: timeout,
                                                counter: counted?.counter))
        } catch {
            throw RunError("cannot run the tests of \(st.registry.name)/\(c.name): \(error)")
        }
        if o.escapedProcesses > 0 {
            log("warning: \(st.registry.name)/\(c.name) iteration \(task.index): \(o.escapedProcesses) process(es) had left the test's process group and were still running; they were killed")
        }
        let after = SystemProfiler.snapshot()
        let oomKilled = Self.oomKillCount() > oomBefore
        let (status, exitCode) = Self.classify(o, viaShell: viaShell, oomKilled: oomKilled,
                                               memoryLimited: limits.memoryLimitMB != nil, stderrPath: err)
        var record = Self.iterationRecord(task, o, status: status, exitCode: exitCode, before: before, after: after)
        record.cachesDropped = dropped
        record.constraintsApplied = limits != ProcessLimits()
        recordTests(&record, report: report, stdout: out, stderr: err, perTest: s.perTestTiming && TestCommand.invokesPytest(command))
        if let counted { recordCount(&record, counted, outcome: o, environment: env) }
        // Logs are kept for iterations that did not pass.
        if status == "ok" { unlink(out); unlink(err); unlink(report) }
        return record
    }

    /// The measured iteration: times, status, the machine's load and memory around it, and its place in the schedule.
    static func iterationRecord(_ task: ScheduledIteration, _ o: ProcessOutcome, status: String, exitCode: Int, before: SystemSnapshot,
                                after: SystemSnapshot) -> IterationRecord {
        var record = IterationRecord(index: task.index, warmup: task.warmup, wallTimeS: o.wallSeconds, userTimeS: o.userSeconds,
                                     sysTimeS: o.sysSeconds, peakRSSMB: o.peakRSSMB, exitCode: exitCode, status: status)
        record.loadAvgStart = before.loadAvg1m
        record.loadAvgEnd = after.loadAvg1m
        record.ramAvailableStartGB = before.ramAvailableGB
        record.oomDetected = status == "oom"
        record.round = task.round
        record.roundPosition = task.roundPosition
        return record
    }

    /// Brings the condition's worktree back to its post-install state before an iteration.
    func restoreWorktree(of st: PackageState, condition c: ConditionDefinition, index: Int, workspace: Workspace) throws {
        let removed: [String]
        do { removed = try workspace.restoreWorktree(st.worktrees[index], to: st.snapshots[index]) } catch {
            throw RunError("cannot bring the worktree of \(st.registry.name)/\(c.name) back to its post-install state: \(error)")
        }
        if !removed.isEmpty {
            log("\(st.registry.name)/\(c.name): the tests deleted \(removed.count) file(s) the install made (e.g. \(removed[0])); they cannot be restored")
        }
    }

    /// The iteration's status and stored exit code: a timeout, a signal (SIGKILL with the kernel's OOM
    /// killer active meaning out of memory), success, a shell's 128 + signal, or a failure (out of memory when
    /// a memory limit made Python raise MemoryError).
    static func classify(_ o: ProcessOutcome, viaShell: Bool, oomKilled: Bool, memoryLimited: Bool,
                         stderrPath: String) -> (status: String, exitCode: Int) {
        let exitCode = Int(o.exitCode ?? -(Int32(o.signal ?? 0)))
        if o.timedOut { return ("timeout", -1) }
        if let sig = o.signal { return (sig == SIGKILL && oomKilled ? "oom" : "error", exitCode) }
        if o.exitCode == 0 { return ("ok", exitCode) }
        if viaShell, let code = o.exitCode, code > 128 && code <= 128 + 64 {
            // A shell reports its child's signal death as 128 + signal.
            return (code == 128 + SIGKILL && oomKilled ? "oom" : "error", exitCode)
        }
        if memoryLimited, let text = try? String(contentsOfFile: stderrPath, encoding: .utf8), text.contains("MemoryError") {
            return ("oom", exitCode)
        }
        return ("fail", exitCode)
    }

    /// What the iteration ran: the pytest plugin's report, else unittest's closing summary.
    func recordTests(_ record: inout IterationRecord, report: String, stdout: String, stderr: String, perTest: Bool) {
        if let r = PytestReportPlugin.read(path: report) {
            record.tests = r.counts
            record.testsDigest = r.digest
            if perTest { record.perTestTimings = r.timings }
        } else {
            // unittest writes its summary to stderr; a wrapper may move it to stdout.
            let text = [stderr, stdout].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
            record.tests = text.lazy.compactMap(UnittestSummary.parse).first
        }
        if perTest { record.perTestParseSuccess = record.testsDigest != nil }
    }

    /// Identifies an iteration across sessions of one run (for --resume).
    static func iterationKey(_ package: String, _ condition: String, _ index: Int) -> String {
        "\(package)\u{0}\(condition)\u{0}\(index)"
    }

    static func oomKillCount() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/vmstat", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.split(separator: " ").last ?? "0") ?? 0
        }
        return 0
    }

    func waitForStability() throws {
        let deadline = Date().addingTimeInterval(300)
        while true {
            let issues = SystemProfiler.stabilityIssues()
            if issues.isEmpty { return }
            for i in issues { log("Stability: \(i)") }
            if !settings.waitForStability { return }
            if Date() > deadline { log("Stability: still unstable after 300 s; starting anyway"); return }
            log("Waiting 10 s for the system to settle…")
            for _ in 0..<10 {
                if interruption.isRequested { throw RunError("interrupted while waiting for stability") }
                sleep(1)
            }
        }
    }

    /// `bench_YYYYMMDD_HHMMSS` (UTC), with a suffix when that id or folder is taken.
    static func newBenchID(db: Database, resultsDir: String) throws -> String {
        let base = "bench_" + UTCTimestamp.compact()
        var id = base
        var n = 1
        while try RunQueries.exists(benchID: id, db: db)
            || FileManager.default.fileExists(atPath: (resultsDir as NSString).appendingPathComponent(id)) {
            n += 1
            id = "\(base)_\(n)"
        }
        return id
    }

    static func meta(settings s: BenchSettings, benchID: String, profiles: [(name: String, profile: PythonProfile)], packages: Int) throws -> RunMeta {
        var m = RunMeta(benchID: benchID)
        m.name = s.name
        m.description = s.description
        m.pythonProfiles = profiles
        m.conditions = s.conditions
        m.cliArgs = s.cliArgs
        m.startTime = UTCTimestamp.iso8601()
        m.packagesTotal = packages
        var c = RunConfig()
        c.iterations = s.iterations
        c.warmup = s.warmup
        c.timeout = s.timeout
        c.alternate = s.strategy != .block
        c.interleave = s.strategy == .interleaved
        c.packagesFilter = s.packages
        c.topN = s.topN
        c.adaptive = s.adaptive
        c.adaptiveThreshold = s.adaptiveThreshold
        c.adaptiveMinIterations = s.adaptiveMinIterations
        c.rawJSON = JSONWriter.compact(.obj([
            ("iterations", .int(s.iterations)), ("warmup", .int(s.warmup)), ("timeout", .int(Int(s.timeout))),
            ("alternate", .bool(c.alternate!)), ("interleave", .bool(c.interleave!)),
            ("packages_filter", s.packages.map { .array($0.map { .string($0) }) } ?? .null), ("top_n", .int(s.topN)),
            ("adaptive", .bool(s.adaptive)), ("adaptive_threshold", .number(s.adaptiveThreshold)),
            ("adaptive_min_iterations", .int(s.adaptiveMinIterations)),
            ("strategy", .string(s.strategy.rawValue)), ("order", .string("counterbalanced")),
            ("per_test_timing", .bool(s.perTestTiming)), ("drop_caches", .bool(s.dropCaches)),
            ("warm_vs_cold", .bool(s.warmVsCold)), ("registry_dir", .string(s.registryDir)),
        ]))
        m.config = c
        return m
    }
}

/// Dropping the page cache: needs root (writing /proc/sys/vm/drop_caches) or the sudo helper that
/// `bench setup-cache-drop` installs. Checked before any work starts.
public struct CacheDropper {
    public static let helperPath = "/usr/local/bin/labeille-drop-caches"
    enum Method { case direct, sudoHelper }
    let method: Method

    static func forSettings(_ s: BenchSettings) throws -> CacheDropper? {
        let needed = s.dropCaches || s.warmVsCold || !s.coldConditions.isEmpty
        guard needed else { return nil }
        if geteuid() == 0 && access("/proc/sys/vm/drop_caches", W_OK) == 0 { return CacheDropper(method: .direct) }
        if FileManager.default.isExecutableFile(atPath: helperPath),
           let o = try? SpawningExecutor().capture(["sudo", "-n", helperPath, "--check"], environment: ProcessInfo.processInfo.environment,
                                                  timeout: 10),
           o.exitCode == 0 {
            return CacheDropper(method: .sudoHelper)
        }
        throw RunError("--drop-caches/--warm-vs-cold need to drop the page cache: run as root with a writable /proc/sys/vm/drop_caches, or install the helper with `labeille bench setup-cache-drop`; nothing was run")
    }

    func drop() -> Bool {
        sync()
        switch method {
        case .direct:
            let fd = open("/proc/sys/vm/drop_caches", O_WRONLY)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            return write(fd, "3\n", 2) == 2
        case .sudoHelper:
            return (try? SpawningExecutor().capture(["sudo", "-n", Self.helperPath], environment: ProcessInfo.processInfo.environment,
                                                    timeout: 60))?.exitCode == 0
        }
    }
}
