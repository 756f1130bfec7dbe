import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// A run being measured: where it is stored and written, its schedule, and the state of its packages.
struct OpenRun {
    var benchID: String
    var resultsDir: String
    var writer: RunWriter
    var meta: RunMeta
    var workspace: Workspace
    var cacheDropper: CacheDropper?
    var states: [BenchRunner.PackageState]
    /// Keys of the iterations stored before this session (a resumed run); they are not measured again.
    var storedKeys: Set<String>
    var tasks: [ScheduledIteration] = []
    var iterationsRun = 0
    var interrupted = false

    var metaPath: String { (resultsDir as NSString).appendingPathComponent("bench_meta.json") }
    var resultsPath: String { (resultsDir as NSString).appendingPathComponent("bench_results.jsonl") }
    var logsDir: String { (resultsDir as NSString).appendingPathComponent("logs") }
}

/// What the checks before a run found: the interpreters' profiles and the packages to measure.
struct RunPreparation {
    var profiles: [(name: String, profile: PythonProfile)]
    var selected: [RegistryPackage]
    var cacheDropper: CacheDropper?
}

extension BenchRunner {
    /// Runs a new benchmark (or continues `resumeBenchID`).
    public func run(resumeBenchID: String? = nil) throws -> RunOutcome {
        let preparation = try prepare(resumeBenchID: resumeBenchID)
        var open = try resumeBenchID.map { try reopenRun($0, preparation) } ?? startRun(preparation)
        open.tasks = schedule(packages: open.states.count)
        for t in open.tasks { open.states[t.package].remaining += 1 }
        let todo = open.tasks.filter { !isStored($0, in: open) }.count
        observer.runStarted(iterations: todo, alreadyStored: open.tasks.count - todo)
        for task in open.tasks {
            let carriedOn = try !interruption.isRequested && perform(task, in: &open)
            if !carriedOn { open.interrupted = true; break }
        }
        observer.runFinished()
        return try finish(&open)
    }

    /// Every check that can refuse the run before anything is written: settings, rights, interpreters, packages.
    func prepare(resumeBenchID: String?) throws -> RunPreparation {
        let s = settings
        guard !s.conditions.isEmpty else { throw RunError("no condition to run") }
        // Nothing of an ingested file is executed: refused before any interpreter is probed.
        if let resume = resumeBenchID, let stored = try RunQueries.load(benchID: resume, db: store.db), stored.origin != "measured" {
            throw RunError("\(resume) was ingested, not measured here; it cannot be resumed (nothing was run)")
        }
        ProcessSweeper.becomeSubreaper()
        let leftovers = ProcessSweeper.endLeftoversOfDeadHarnesses()
        if leftovers > 0 { log("Ended \(leftovers) process(es) left running by an earlier labeille that was killed") }
        let problems = s.pathProblems().filter { $0.severity == .error }
        if !problems.isEmpty { throw RunError(problems.map(\.description).joined(separator: "; ")) }
        let cacheDropper = try CacheDropper.forSettings(s)  // refuses before any work without the rights
        instructionCounter = try s.instructions.map { try InstructionCounter.resolve($0, environment: environment) }
        if let counter = instructionCounter { log(Self.instructionCountingNote(counter)) }
        let profiles = try probeConditions()
        let selected = try selectPackages(profiles: profiles, resumeBenchID: resumeBenchID)
        interpreterVersions = profiles.map(\.profile.version)
        if s.checkStability || s.waitForStability { try waitForStability() }
        return RunPreparation(profiles: profiles, selected: selected, cacheDropper: cacheDropper)
    }

    /// Each condition's interpreter, probed in the condition's environment.
    func probeConditions() throws -> [(name: String, profile: PythonProfile)] {
        try settings.conditions.map { c in
            let py = c.targetPython.isEmpty ? settings.defaultTargetPython : c.targetPython
            var env = environment
            for kv in c.env { env[kv.key] = kv.value }
            do { return (c.name, try PythonProber.probe(python: py, environment: env, executor: executor)) } catch {
                throw RunError("condition '\(c.name)': \(error)")
            }
        }
    }

    /// The registry's packages this run measures: selected by name, top N and Python version, then this shard's share.
    func selectPackages(profiles: [(name: String, profile: PythonProfile)], resumeBenchID: String?) throws -> [RegistryPackage] {
        let s = settings
        let registry: [RegistryPackage]
        do { registry = try Registry.load(directory: s.registryDir) } catch { throw RunError("\(error)") }
        let majorMinor = profiles.first.map { $0.profile.version.split(separator: ".").prefix(2).joined(separator: ".") }
        let selection = Registry.select(registry, packages: s.packages, top: s.topN, pythonVersion: majorMinor, forceRun: s.forceRun)
        for skip in selection.skipped { log("Skipping \(skip.name): \(skip.reason)") }
        guard !selection.selected.isEmpty else { throw RunError("no package to run (registry \(s.registryDir))") }
        return try shardSelection?.select(selection.selected, settings: s, resumeBenchID: resumeBenchID, db: store.db, log: observer.log)
            ?? selection.selected
    }

    /// A new run: its bench id, results folder, stored run and `bench_meta.json`.
    func startRun(_ preparation: RunPreparation) throws -> OpenRun {
        let s = settings
        let db = store.db
        let benchID = try Self.newBenchID(db: db, resultsDir: s.resultsDir)
        let resultsDir = (s.resultsDir as NSString).appendingPathComponent(benchID)
        do { try FileManager.default.createDirectory(atPath: resultsDir, withIntermediateDirectories: true) } catch {
            throw RunError("cannot create the results folder \(resultsDir): \(error.localizedDescription)")
        }
        var meta = try Self.meta(settings: s, benchID: benchID, profiles: preparation.profiles, packages: preparation.selected.count)
        meta.shard = shardSelection?.info
        meta.system = SystemProfiler.capture(workDirectory: s.workDir ?? s.reposDir)
        let m = meta
        let writer = try db.transaction {
            try RunWriter(db: db, meta: m, origin: "measured", sourceDir: URL(fileURLWithPath: resultsDir).standardizedFileURL.path)
        }
        let open = openRun(benchID: benchID, resultsDir: resultsDir, writer: writer, meta: meta, preparation, storedKeys: [])
        try AtomicFile.write(JSONWriter.pretty(PythonFormat.encodeMeta(meta)) + "\n", to: open.metaPath)
        return open
    }

    /// A stored run continued: its iterations already stored are skipped.
    func reopenRun(_ resume: String, _ preparation: RunPreparation) throws -> OpenRun {
        let db = store.db
        guard let stored = try RunQueries.load(benchID: resume, db: db) else { throw RunError("unknown bench id '\(resume)' to resume") }
        guard stored.origin == "measured" else { throw RunError("\(resume) was ingested, not measured here; it cannot be resumed") }
        let resultsDir = try RunQueries.sourceDirectory(benchID: resume, db: db) ?? "\(settings.resultsDir)/\(resume)"
        let writer = try RunWriter(db: db, existingRunID: stored.runID)
        var meta = try Self.meta(settings: settings, benchID: resume, profiles: preparation.profiles, packages: preparation.selected.count)
        meta.shard = shardSelection?.info
        meta.startTime = stored.startTime
        let storedKeys = Set(try RunQueries.storedIterations(benchID: resume, db: db).map {
            Self.iterationKey($0.package, $0.condition, $0.iteration)
        })
        log("Resuming \(resume)")
        return openRun(benchID: resume, resultsDir: resultsDir, writer: writer, meta: meta, preparation, storedKeys: storedKeys)
    }

    func openRun(benchID: String, resultsDir: String, writer: RunWriter, meta: RunMeta, _ preparation: RunPreparation,
                 storedKeys: Set<String>) -> OpenRun {
        let s = settings
        let work = s.workDir ?? (resultsDir as NSString).appendingPathComponent("work")
        let workspace = Workspace(
            reposDir: s.reposDir ?? (work as NSString).appendingPathComponent("repos"),
            worktreesDir: (work as NSString).appendingPathComponent("worktrees"),
            venvsDir: s.venvsDir ?? (work as NSString).appendingPathComponent("venvs"),
            baseEnvironment: environment, executor: executor)
        return OpenRun(benchID: benchID, resultsDir: resultsDir, writer: writer, meta: meta, workspace: workspace,
                       cacheDropper: preparation.cacheDropper,
                       states: preparation.selected.map { PackageState(registry: $0) }, storedKeys: storedKeys)
    }

    func isStored(_ t: ScheduledIteration, in open: OpenRun) -> Bool {
        open.storedKeys.contains(Self.iterationKey(open.states[t.package].registry.name, settings.conditions[t.condition].name, t.index))
    }

    /// One scheduled iteration: sets its package up on first use, then measures it unless it is stored already,
    /// its package failed to set up, or its package has converged. Returns false when an interruption stopped it.
    func perform(_ task: ScheduledIteration, in open: inout OpenRun) throws -> Bool {
        var st = open.states[task.package]
        defer { open.states[task.package] = st }
        if st.packageResultID == nil && st.setupFailed == nil {
            setUp(&st, workspace: open.workspace, writer: open.writer, benchID: open.benchID)
            // An interrupted setup is no verdict on the package: nothing is recorded, --resume retries it.
            if interruption.isRequested { return false }
            if st.setupFailed != nil {
                observer.iterationsDropped(open.tasks.filter { $0.package == task.package && !isStored($0, in: open) }.count)
                st.remaining = 0
                try finishPackage(st, in: open)
                return true
            }
        }
        if st.setupFailed != nil { return true }
        st.remaining -= 1
        let stored = isStored(task, in: open)
        let converged = !st.converged.isEmpty && st.converged.allSatisfy { $0 } && !task.warmup
        if !stored && converged { observer.iterationsDropped(1) }
        if !stored && !converged {
            guard try measureAndStore(task, state: &st, in: &open) else { return false }
        }
        if st.remaining == 0 { try finishPackage(st, in: open) }
        return true
    }

    /// Measures one iteration and stores it with the package's refreshed outliers and statistics, in one transaction.
    /// Returns false when an interruption stopped it: the iteration in flight is not kept.
    func measureAndStore(_ task: ScheduledIteration, state st: inout PackageState, in open: inout OpenRun) throws -> Bool {
        let condition = settings.conditions[task.condition]
        observer.iterationStarted(package: st.registry.name, condition: condition.name, index: task.index, warmup: task.warmup)
        let record = try measure(task: task, state: st, condition: condition, workspace: open.workspace, logsDir: open.logsDir,
                                 cacheDropper: open.cacheDropper)
        if interruption.isRequested { return false }
        let pcID = st.packageConditionIDs[task.condition]
        let writer = open.writer
        try store.db.transaction {
            try writer.insertIteration(packageConditionID: pcID, record)
            if !record.warmup { try writer.refreshOutliers(packageConditionID: pcID) }
            try writer.refreshStatistics()
        }
        open.iterationsRun += 1
        observer.iterationFinished(status: record.status, wallSeconds: record.wallTimeS)
        try noteConvergence(record, condition: task.condition, packageConditionID: pcID, state: &st, writer: writer)
        return true
    }

    /// `--adaptive`: a condition whose measured times have a relative standard error below the threshold is
    /// marked converged; when every condition of a package has, its remaining measured iterations are dropped.
    func noteConvergence(_ record: IterationRecord, condition: Int, packageConditionID: Int64, state st: inout PackageState,
                         writer: RunWriter) throws {
        guard !record.warmup && record.status == "ok" && !record.instrumented else { return }
        let s = settings
        st.measuredOK[condition].append(record.wallTimeS)
        guard s.adaptive, st.measuredOK[condition].count >= s.adaptiveMinIterations, !st.converged[condition],
              Statistics.relativeStandardError(st.measuredOK[condition]) < s.adaptiveThreshold else { return }
        st.converged[condition] = true
        try writer.markConvergedEarly(packageConditionID: packageConditionID)
    }

    /// Appends a finished package's line to `bench_results.jsonl`, so an interrupted run keeps what it measured.
    func finishPackage(_ st: PackageState, in open: OpenRun) throws {
        guard let prid = st.packageResultID else { return }
        let record = try RunQueries.packageRecord(db: store.db, packageResultID: prid)
        try PythonFormat.appendPackageLine(record, to: open.resultsPath)
    }

    /// Final bookkeeping: counts, end time, and (unless interrupted) the whole results file rewritten in package order.
    func finish(_ open: inout OpenRun) throws -> RunOutcome {
        let db = store.db
        let (completed, skipped) = try RunQueries.packageCounts(runID: open.writer.runID, db: db)
        if !open.interrupted {
            open.meta.endTime = UTCTimestamp.iso8601()
            open.meta.packagesCompleted = completed
            open.meta.packagesSkipped = skipped
            try open.writer.updateRunEnd(endTime: open.meta.endTime, packagesTotal: open.states.count, completed: completed,
                                         skipped: skipped)
            try AtomicFile.write(JSONWriter.pretty(PythonFormat.encodeMeta(open.meta)) + "\n", to: open.metaPath)
            var lines = ""
            for id in try RunQueries.packageResultIDs(runID: open.writer.runID, db: db) {
                lines += JSONWriter.compact(PythonFormat.encodePackage(try RunQueries.packageRecord(db: db, packageResultID: id))) + "\n"
            }
            try AtomicFile.write(lines, to: open.resultsPath)
        }
        return RunOutcome(benchID: open.benchID, resultsDirectory: open.resultsDir, interrupted: open.interrupted,
                          packagesCompleted: completed, packagesSkipped: skipped, iterationsRun: open.iterationsRun)
    }
}
