import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// What a run measures, settled before any package is set up.
struct RunPlan {
    var selected: [RegistryPackage]
    var profiles: [(name: String, profile: PythonProfile)]
    var cacheDropper: CacheDropper?
}

/// The stored run the iterations go into (new or resumed) and its results folder.
struct RunSession {
    var benchID: String
    var resultsDir: String
    var writer: RunWriter
    var meta: RunMeta
    var metaPath: String { (resultsDir as NSString).appendingPathComponent("bench_meta.json") }
    var resultsPath: String { (resultsDir as NSString).appendingPathComponent("bench_results.jsonl") }
    var logsDir: String { (resultsDir as NSString).appendingPathComponent("logs") }
}

extension BenchRunner {
    /// Everything that can refuse the run does so here, before any package is cloned: conditions, an
    /// ingested run to resume, paths, cache-dropping rights, the instruction counter, the registry, the
    /// interpreters and the package selection.
    func plan(resumeBenchID: String?) throws -> RunPlan {
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

        let registry: [RegistryPackage]
        do { registry = try Registry.load(directory: s.registryDir) } catch { throw RunError("\(error)") }
        let profiles = try probeInterpreters()
        let majorMinor = profiles.first.map { $0.profile.version.split(separator: ".").prefix(2).joined(separator: ".") }
        let selection = Registry.select(registry, packages: s.packages, top: s.topN, pythonVersion: majorMinor, forceRun: s.forceRun)
        for skip in selection.skipped { log("Skipping \(skip.name): \(skip.reason)") }
        guard !selection.selected.isEmpty else { throw RunError("no package to run (registry \(s.registryDir))") }
        let selected = try shardSelection?.select(selection.selected, settings: s, resumeBenchID: resumeBenchID, db: store.db, log: log)
            ?? selection.selected
        interpreterVersions = profiles.map(\.profile.version)
        return RunPlan(selected: selected, profiles: profiles, cacheDropper: cacheDropper)
    }

    /// Each condition's interpreter, probed with the condition's environment.
    func probeInterpreters() throws -> [(name: String, profile: PythonProfile)] {
        try settings.conditions.map { c in
            let py = c.targetPython.isEmpty ? settings.defaultTargetPython : c.targetPython
            var env = environment
            for kv in c.env { env[kv.key] = kv.value }
            do { return (c.name, try PythonProber.probe(python: py, environment: env, executor: executor)) } catch {
                throw RunError("condition '\(c.name)': \(error)")
            }
        }
    }

    /// The stored run: the one to resume, else a new one with its results folder and `bench_meta.json`.
    func openSession(resumeBenchID: String?, plan: RunPlan) throws -> RunSession {
        let s = settings
        let db = store.db
        func runMeta(_ benchID: String) throws -> RunMeta {
            var meta = try Self.meta(settings: s, benchID: benchID, profiles: plan.profiles, packages: plan.selected.count)
            meta.shard = shardSelection?.info
            return meta
        }
        if let resume = resumeBenchID {
            guard let stored = try RunQueries.load(benchID: resume, db: db) else { throw RunError("unknown bench id '\(resume)' to resume") }
            guard stored.origin == "measured" else { throw RunError("\(resume) was ingested, not measured here; it cannot be resumed") }
            let resultsDir = try RunQueries.sourceDirectory(benchID: resume, db: db) ?? "\(s.resultsDir)/\(resume)"
            let writer = try RunWriter(db: db, existingRunID: stored.runID)
            var meta = try runMeta(resume)
            meta.startTime = stored.startTime
            log("Resuming \(resume)")
            return RunSession(benchID: resume, resultsDir: resultsDir, writer: writer, meta: meta)
        }
        let benchID = try Self.newBenchID(db: db, resultsDir: s.resultsDir)
        let resultsDir = (s.resultsDir as NSString).appendingPathComponent(benchID)
        do { try FileManager.default.createDirectory(atPath: resultsDir, withIntermediateDirectories: true) } catch {
            throw RunError("cannot create the results folder \(resultsDir): \(error.localizedDescription)")
        }
        var meta = try runMeta(benchID)
        meta.system = SystemProfiler.capture(workDirectory: s.workDir ?? s.reposDir)
        let m = meta
        let writer = try db.transaction {
            try RunWriter(db: db, meta: m, origin: "measured", sourceDir: URL(fileURLWithPath: resultsDir).standardizedFileURL.path)
        }
        let session = RunSession(benchID: benchID, resultsDir: resultsDir, writer: writer, meta: meta)
        try AtomicFile.write(JSONWriter.pretty(PythonFormat.encodeMeta(meta)) + "\n", to: session.metaPath)
        return session
    }

    /// Clones, worktrees and venvs: under `--work-dir` (or its own repos and venvs folders), else in the run's folder.
    func makeWorkspace(resultsDir: String) -> Workspace {
        let s = settings
        let work = s.workDir ?? (resultsDir as NSString).appendingPathComponent("work")
        return Workspace(
            reposDir: s.reposDir ?? (work as NSString).appendingPathComponent("repos"),
            worktreesDir: (work as NSString).appendingPathComponent("worktrees"),
            venvsDir: s.venvsDir ?? (work as NSString).appendingPathComponent("venvs"),
            baseEnvironment: environment, executor: executor)
    }

    /// Adaptive stopping: a condition converges once its measured times give a precise enough median.
    func noteMeasurement(_ record: IterationRecord, task: Task, state st: inout PackageState, writer: RunWriter) throws {
        let s = settings
        guard !record.warmup && record.status == "ok" && !record.instrumented else { return }
        st.measuredOK[task.condition].append(record.wallTimeS)
        if s.adaptive && st.measuredOK[task.condition].count >= s.adaptiveMinIterations
            && Statistics.relativeStandardError(st.measuredOK[task.condition]) < s.adaptiveThreshold
            && !st.converged[task.condition] {
            st.converged[task.condition] = true
            try writer.markConvergedEarly(packageConditionID: st.packageConditionIDs[task.condition])
        }
    }

    /// Final bookkeeping of a run that was not interrupted: counts, end time, and the whole results file
    /// rewritten in package order. Returns the counts of packages completed and skipped.
    func finish(_ session: inout RunSession, packages: Int) throws -> (completed: Int, skipped: Int) {
        let db = store.db
        let (completed, skipped) = try RunQueries.packageCounts(runID: session.writer.runID, db: db)
        session.meta.endTime = UTCTimestamp.iso8601()
        session.meta.packagesCompleted = completed
        session.meta.packagesSkipped = skipped
        try session.writer.updateRunEnd(endTime: session.meta.endTime, packagesTotal: packages, completed: completed, skipped: skipped)
        try AtomicFile.write(JSONWriter.pretty(PythonFormat.encodeMeta(session.meta)) + "\n", to: session.metaPath)
        var lines = ""
        for id in try RunQueries.packageResultIDs(runID: session.writer.runID, db: db) {
            lines += JSONWriter.compact(PythonFormat.encodePackage(try RunQueries.packageRecord(db: db, packageResultID: id))) + "\n"
        }
        try AtomicFile.write(lines, to: session.resultsPath)
        return (completed, skipped)
    }
}
