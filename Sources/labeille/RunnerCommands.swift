import ArgumentParser
import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
import LabeilleUseCases

let runnerSubcommands: [ParsableCommand.Type] = [RunCommand.self, SystemCommand.self, SetupCacheDropCommand.self, DemoCommand.self, MergeCommand.self]

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run package test suites under each condition; every iteration is stored as it completes.",
        discussion: """
            Conditions come from --profile (YAML), then CLI flags, then --condition NAME:key=value,… (keys:
            target_python, env.KEY, extra_deps, test_command_prefix, test_command_suffix, test_command_override,
            install_command, description, memory_limit_mb, cpu_time_limit_s, cpu_affinity).
            Order: alternating by default with several conditions (each round runs every condition once, the
            order counterbalanced ABBA-style); --no-alternate runs blocks; --interleave interleaves packages.
            Results: the database (--db) and <results-dir>/bench_YYYYMMDD_HHMMSS/ with bench_meta.json and
            bench_results.jsonl in the Python labeille's format. Ctrl-C stops cleanly (exit 130);
            `labeille bench run --resume BENCH_ID` continues where it stopped.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("YAML profile.", valueName: "path")) var profile: String?
    @Option(name: .customLong("condition"), help: ArgumentHelp("Inline condition NAME:key=value,… (repeatable).", valueName: "spec"))
    var conditions: [String] = []
    @Option(name: .customLong("target-python"), help: ArgumentHelp("Default interpreter of conditions without one.", valueName: "path"))
    var targetPython: String?
    @Option(help: "Measured iterations (default 5, at least 3).") var iterations: Int?
    @Option(help: "Warm-up iterations (default 1).") var warmup: Int?
    @Option(help: "Per-iteration timeout in seconds (default 600; a package's own timeout wins when larger).") var timeout: Int?
    @Flag(inversion: .prefixedNo, help: "Alternate conditions within rounds (default with several conditions).") var alternate: Bool?
    @Flag(help: "Interleave packages across iterations.") var interleave = false
    @Option(help: ArgumentHelp("Packages to run, comma-separated.", valueName: "a,b")) var packages: String?
    @Option(help: "The N most downloaded packages of the registry.") var top: Int?
    @Option(name: .customLong("extra-deps"), help: ArgumentHelp("Extra requirements for every condition, comma-separated.", valueName: "deps")) var extraDeps: String?
    @Option(name: .customLong("test-command-suffix"), help: "Appended to every test command.") var testCommandSuffix: String?
    @Option(help: ArgumentHelp("Environment for every condition (repeatable).", valueName: "KEY=VALUE")) var env: [String] = []
    @Option(name: .customLong("registry-dir"), help: ArgumentHelp("laruche registry folder (packages/*.yaml, index.yaml).", valueName: "path")) var registryDir: String?
    @Option(name: .customLong("repos-dir"), help: ArgumentHelp("Where clones live (reused across runs).", valueName: "path")) var reposDir: String?
    @Option(name: .customLong("venvs-dir"), help: ArgumentHelp("Where venvs live (reused while their key is unchanged).", valueName: "path")) var venvsDir: String?
    @Option(name: .customLong("work-dir"), help: ArgumentHelp("Sets both repos-dir and venvs-dir (WORK/repos, WORK/venvs).", valueName: "path")) var workDir: String?
    @Option(name: .customLong("results-dir"), help: ArgumentHelp("Parent of the run's results folder (default results).", valueName: "path")) var resultsDir: String?
    @Option(help: "Human-readable name of the run.") var name: String?
    @Flag(help: "Screening: 3 iterations, no warm-up, top 20 packages.") var quick = false
    @Flag(name: .customLong("check-stability"), help: "Warn when load per core or memory pressure is high.") var checkStability = false
    @Flag(name: .customLong("wait-for-stability"), help: "Wait (at most 5 minutes) until the system is quiet.") var waitForStability = false
    @Flag(help: "Stop a package early when the relative standard error is below the threshold.") var adaptive = false
    @Option(name: .customLong("adaptive-threshold"), help: ArgumentHelp(
        "With --adaptive: stop a package once the relative standard error of its median is below this fraction (default 0.005).",
        valueName: "fraction"))
    var adaptiveThreshold: Double?
    @Option(name: .customLong("adaptive-min-iterations"), help: ArgumentHelp(
        "With --adaptive: measure at least this many iterations before stopping early (default 5).", valueName: "n"))
    var adaptiveMinIterations: Int?
    @Flag(name: .customLong("per-test-timing"), help: "Record pytest's per-test durations.") var perTestTiming = false
    @Option(name: .customLong("memory-limit"), help: ArgumentHelp("Address-space limit per iteration (RLIMIT_AS).", valueName: "MB")) var memoryLimit: Int?
    @Option(name: .customLong("cpu-affinity"), help: ArgumentHelp("CPUs for the tests.", valueName: "0,1")) var cpuAffinity: String?
    @Option(name: .customLong("cpu-time-limit"), help: ArgumentHelp("CPU-time limit per iteration (RLIMIT_CPU).", valueName: "S")) var cpuTimeLimit: Int?
    @Flag(name: .customLong("drop-caches"), help: "Drop the page cache before every iteration (needs root or the helper).") var dropCaches = false
    @Flag(name: .customLong("warm-vs-cold"), help: "Run every condition warm and cold (<name>-warm, <name>-cold).") var warmVsCold = false
    @Flag(name: .customLong("force-run"), help: "Run packages the registry marks as skipped.") var forceRun = false
    @Flag(name: .customLong("run-dangerously-as-root"), help: "Accepted for compatibility; running as root only warns.") var runDangerouslyAsRoot = false
    @Option(help: "Installer: auto, uv or pip.") var installer: InstallerPreference?
    @Option(help: ArgumentHelp("""
        Count the user-space instructions of every iteration's whole process tree: perf (hardware counter, \
        negligible cost), valgrind (cachegrind, about 20-50x slower: those iterations are stored as instrumented and \
        kept out of the time statistics), or auto (perf if the hardware counter opens, else valgrind). \
        PYTHONHASHSEED is fixed to the iteration number. Compare with `compare --metric instructions`.
        """, valueName: "auto|perf|valgrind")) var instructions: InstructionCountingRequest?
    @Option(help: ArgumentHelp("Continue an interrupted run.", valueName: "bench-id")) var resume: String?
    @OptionGroup(title: "Sharding over several machines") var sharding: ShardOptions
    @Flag(name: .shortAndLong, help: "More output.") var verbose = false

    func overrides(cliArgs: [String]) -> CLIOverrides {
        func list(_ text: String?) -> [String]? {
            text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        func given(_ flag: Bool) -> Bool? { flag ? true : nil }
        var o = CLIOverrides()
        o.options.name = name; o.options.targetPython = targetPython; o.options.iterations = iterations; o.options.warmup = warmup
        o.options.timeout = timeout.map(Double.init); o.options.alternate = alternate; o.options.interleave = given(interleave)
        o.options.packages = list(packages); o.options.topN = top; o.options.defaultExtraDeps = list(extraDeps)
        o.options.defaultTestCommandSuffix = testCommandSuffix
        o.options.registryDir = registryDir; o.options.reposDir = reposDir; o.options.venvsDir = venvsDir
        o.options.workDir = workDir; o.options.resultsDir = resultsDir
        o.options.checkStability = given(checkStability); o.options.waitForStability = given(waitForStability)
        o.options.adaptive = given(adaptive); o.options.adaptiveThreshold = adaptiveThreshold
        o.options.adaptiveMinIterations = adaptiveMinIterations; o.options.perTestTiming = given(perTestTiming)
        o.options.dropCaches = given(dropCaches); o.options.warmVsCold = given(warmVsCold); o.options.forceRun = given(forceRun)
        o.options.installer = installer?.rawValue
        o.profile = profile; o.env = env.isEmpty ? nil : env; o.memoryLimit = memoryLimit; o.cpuAffinity = cpuAffinity
        o.cpuTimeLimit = cpuTimeLimit; o.quick = given(quick); o.runDangerouslyAsRoot = given(runDangerouslyAsRoot)
        o.verbose = given(verbose); o.instructions = instructions?.rawValue; o.cliArgs = cliArgs
        return o
    }

    func run() throws {
        try Self.execute(self, storable: Self.storableArgs(CommandLine.arguments))
    }

    /// Runs (or resumes) a benchmark; `storable` is the command line kept for --resume.
    static func execute(_ parsed: RunCommand, storable: [String]) throws {
        let database = parsed.database
        // A new run opens (and creates) the database only once its options are known to be valid; a resume,
        // or a shard (which may continue an interrupted one), needs it first.
        let resumeStore = parsed.resume != nil || parsed.sharding.shard != nil ? try database.open() : nil
        var continuing: RunCommand? = parsed
        if let store = resumeStore { continuing = try ShardCLI.continuing(parsed, store: store) }
        guard let parsed = continuing else { return }
        var command = parsed
        var resumeID: String?
        if let resume = parsed.resume, let store = resumeStore {
            command = try storedCommand(resume, store: store)
            command.database = database
            resumeID = resume
        }
        let settings: BenchSettings
        do {
            let prof = try command.profile.map { try BenchProfile.load(path: $0) }
            settings = try BenchSettings.resolve(profile: prof, cli: command.overrides(cliArgs: storable),
                                                 inlineConditions: command.conditions).withAbsolutePaths()
        } catch {
            throw CLIError(message: "\(error)")
        }
        let store = try resumeStore ?? database.open()
        warnBeforeRunning(settings, command: command)
        let runner = BenchRunner(settings: settings, store: store, observer: TerminalProgress(),
                                 interruption: InterruptSignals.install())
        runner.shardSelection = try ShardCLI.selection(command, resumeID: resumeID, store: store)
        let outcome = try cli { try runner.run(resumeBenchID: resumeID) }
        if outcome.interrupted {
            printErr("\nBenchmark interrupted: \(outcome.iterationsRun) iterations of this session are stored.")
            printErr("Resume with: labeille bench run --resume \(outcome.benchID)\(database.db.map { " --db \($0)" } ?? "")")
            throw ExitCode(130)
        }
        try summarize(outcome, store: store)
    }

    /// The command a resumed run was started with, parsed again from the database so the schedule is the same.
    static func storedCommand(_ resume: String, store: Store) throws -> RunCommand {
        // Nothing of an ingested file is executed: its command line names interpreters of another machine.
        let origin = try cli { try RunQueries.origin(benchID: resume, db: store.db) }
        if let origin, origin != "measured" {
            throw CLIError(message: "\(resume) was ingested, not measured here; it cannot be resumed (nothing was run)")
        }
        let args = try cli { try RunQueries.commandLine(benchID: resume, db: store.db) }
        guard try cli({ try RunQueries.load(benchID: resume, db: store.db) }) != nil else {
            throw CLIError(message: "unknown bench id '\(resume)' to resume")
        }
        let stored = Array(args.drop { $0 == "bench" || $0 == "run" })
        do { return try RunCommand.parse(stored) } catch {
            throw CLIError(message: "cannot re-read the stored command line of \(resume): \(RunCommand.message(for: error))")
        }
    }

    static func warnBeforeRunning(_ settings: BenchSettings, command: RunCommand) {
        for w in settings.warnings { printErr("warning: \(w)") }
        if geteuid() == 0 && !command.runDangerouslyAsRoot && ProcessInfo.processInfo.environment["CI"] == nil {
            printErr("warning: running as root; test suites can change this machine (--run-dangerously-as-root silences this)")
        }
        if settings.quick { printErr("note: --quick is screening only: 3 iterations cannot establish significance robustly") }
    }

    /// What a finished run prints: its `show` table, the comparison of its conditions, where it is stored; and an
    /// error when it measured nothing.
    static func summarize(_ outcome: RunOutcome, store: Store) throws {
        guard let run = try cli({ try RunQueries.load(benchID: outcome.benchID, db: store.db) }) else { return }
        print("")
        print(try cli { try ShowReport.render(store: store, run: run) })
        if run.conditions.count >= 2 {
            print("")
            let sets = try cli { try RunComparison.withinRun(store: store, run: run, baseline: nil, metric: "wall", threshold: 0.01) }
            print(ComparisonTableRenderer().render(sets, threshold: 0.01))
        }
        print("")
        print("Results saved to: \(outcome.resultsDirectory) (bench id \(outcome.benchID), database \(store.db.path))")
        let measured = try cli { try RunQueries.measuredIterationCount(runID: run.runID, db: store.db) }
        // Every package failed its setup, or packages were set up and nothing was measured. (A shard with no
        // package of its own has neither, and is not a failure.)
        if (outcome.packagesCompleted == 0 && outcome.packagesSkipped > 0) || (outcome.packagesCompleted > 0 && measured == 0) {
            throw CLIError(message: "the run measured nothing: \(outcome.packagesSkipped) package(s) failed their setup (see above); "
                           + "fix the cause and run again", code: Exit.nothingMeasured)
        }
    }

    /// The command line to store for --resume: everything after `bench run`, without --db and --resume.
    static func storableArgs(_ argv: [String], skip: Int = 3) -> [String] {
        var out = ["bench", "run"]
        var i = skip
        let args = Array(argv)
        while i < args.count {
            let a = args[i]
            if a == "--db" || a == "--resume" { i += 2; continue }
            if a.hasPrefix("--db=") || a.hasPrefix("--resume=") { i += 1; continue }
            out.append(a)
            i += 1
        }
        return out
    }
}

struct SystemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system", abstract: "Print the system profile (and an interpreter's Python profile).")
    @Option(name: .customLong("target-python"), help: ArgumentHelp("Also probe this interpreter.", valueName: "path")) var targetPython: String?
    @Flag(help: "JSON output.") var json = false

    func run() throws {
        let system = SystemProfiler.capture(workDirectory: FileManager.default.currentDirectoryPath)
        var python: PythonProfile?
        if let targetPython {
            python = try cli { try PythonProber.probe(python: targetPython, environment: ProcessInfo.processInfo.environment) }
        }
        if json {
            var meta = RunMeta(benchID: "system")
            meta.system = system
            if let python { meta.pythonProfiles = [("target", python)] }
            let doc = PythonFormat.encodeMeta(meta)
            // The original tool's shape: the system profile's keys at the top level (scripts read
            // `.cpu_model`), the interpreter under `target_python`, and our additions beside them.
            var pairs: [(String, JSONValue)] = []
            if case .object(let systemKeys)? = doc["system"] { pairs = systemKeys.map { ($0.key, $0.value) } }
            if let p = doc["python_profiles"]?["target"] { pairs.append(("target_python", p)) }
            pairs.append(("environment_notes", .array(SystemProfiler.environmentNotes().map { .string($0) })))
            print(JSONWriter.pretty(.obj(pairs)))
            return
        }
        print(ShowReport.systemBlock(system).joined(separator: "\n"), terminator: "")
        for note in SystemProfiler.environmentNotes() { print("Note:     \(note)") }
        if let python {
            print("\nPython '\(targetPython!)':")
            print(ShowReport.profileLines(python).map { "  " + $0 }.joined(separator: "\n"))
        }
    }
}

struct SetupCacheDropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup-cache-drop",
        abstract: "Install (as root) or print the page-cache drop helper and its sudoers line.")
    @Flag(name: .customLong("show-script"), help: "Only print the helper and the sudoers line.") var showScript = false

    static let script = """
        #!/bin/sh
        # labeille-drop-caches: drop the Linux page cache for cold-start benchmarks.
        set -e
        [ "$1" = "--check" ] && exit 0
        sync
        echo 3 > /proc/sys/vm/drop_caches
        """

    func run() throws {
        let user = ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "benchuser"
        let sudoers = "\(user) ALL=(root) NOPASSWD: \(CacheDropper.helperPath)"
        if showScript || geteuid() != 0 {
            if !showScript { printErr("Not root: printing what to install (run as root to install it).") }
            print("# \(CacheDropper.helperPath) (mode 0755, owned by root):")
            print(Self.script)
            print("\n# /etc/sudoers.d/labeille-drop-caches (mode 0440):")
            print(sudoers)
            return
        }
        do {
            try (Self.script + "\n").write(toFile: CacheDropper.helperPath, atomically: true, encoding: .utf8)
            chmod(CacheDropper.helperPath, 0o755)
            try? FileManager.default.createDirectory(atPath: "/etc/sudoers.d", withIntermediateDirectories: true)
            try (sudoers + "\n").write(toFile: "/etc/sudoers.d/labeille-drop-caches", atomically: true, encoding: .utf8)
            chmod("/etc/sudoers.d/labeille-drop-caches", 0o440)
        } catch {
            throw CLIError(message: "cannot install the helper: \(error.localizedDescription)")
        }
        print("Installed \(CacheDropper.helperPath) and /etc/sudoers.d/labeille-drop-caches")
        if access("/proc/sys/vm/drop_caches", W_OK) != 0 {
            printErr("warning: /proc/sys/vm/drop_caches is not writable here (container?); dropping caches will fail")
        }
    }
}

/// `labeille bench demo`: the README's main job on a bundled example, offline and in under a minute.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create tiny example packages (local git repos, unittest suites) and benchmark them under two conditions.",
        discussion: """
            Conditions: `plain` (python3) and `debugmalloc` (python3 with PYTHONMALLOC=debug, the debug hooks on
            Python's allocators: a real, measurable overhead). Nothing is downloaded or installed.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("Work folder for the example (default: a fresh temporary folder).", valueName: "path")) var dir: String?
    @Option(help: "Measured iterations (rounds). The default, 6, is the fewest pairs the paired signed-rank method uses; fewer fall back to a paired t.") var iterations: Int = 6

    func run() throws {
        let base = dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("labeille-demo-\(getpid())").path
        let python = try cli { try ExampleRegistry.findPython() }
        let registry = try cli { try ExampleRegistry.create(at: base) }
        printErr("Example registry with \(registry.packages.count) packages in \(registry.registryDir)")
        var args = ["bench", "run", "--registry-dir", registry.registryDir, "--work-dir", base + "/work",
                    "--results-dir", base + "/results", "--iterations", String(iterations), "--warmup", "1",
                    "--name", "demo: python3 vs PYTHONMALLOC=debug",
                    "--condition", "plain:target_python=\(python),description=python3",
                    "--condition", "debugmalloc:target_python=\(python),env.PYTHONMALLOC=debug,description=python3 with debug allocator hooks"]
        if let db = database.db { args += ["--db", db] }
        var run = try RunCommand.parse(Array(args.dropFirst(2)))
        run.database = database
        try RunCommand.execute(run, storable: RunCommand.storableArgs(args, skip: 2))
    }
}
