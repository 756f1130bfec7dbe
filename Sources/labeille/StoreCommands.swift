import ArgumentParser
import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
import LabeilleUseCases

let benchSubcommands: [ParsableCommand.Type] = [
    IngestCommand.self, ShowCommand.self, CompareCommand.self, ExportCommand.self, TrackCommand.self, ReportCommand.self,
] + runnerSubcommands

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store results directories written by the Python labeille (or by bench run).",
        discussion: """
            Each directory holds bench_meta.json and bench_results.jsonl. A directory is stored in one
            transaction: a malformed file is reported with file, line and reason, and nothing of it is kept.
            A bench id that is already stored is left unchanged unless --replace is given.
            """)
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Overwrite runs whose bench id is already stored.") var replace = false
    @Argument(help: ArgumentHelp("Results directories.", valueName: "dir")) var directories: [String] = []
    @Option(name: .customLong("tracking"), help: ArgumentHelp("A tracking series folder of the Python labeille (tracking.json and its run links); repeatable.", valueName: "dir"))
    var tracking: [String] = []

    func validate() throws {
        if directories.isEmpty && tracking.isEmpty { throw ValidationError("give results directories or --tracking DIR") }
    }

    func run() throws {
        let store = try database.open()
        var failed = 0
        for dir in tracking {
            do {
                let o = try TrackingIngest.ingest(seriesDirectory: dir, store: store, log: { print($0) })
                for w in o.warnings { printErr("warning: \(w)") }
                print("tracking series '\(o.seriesName)': \(o.created ? "created" : "updated"), \(o.runsAdded) run(s) added, "
                      + "\(o.runsAlreadyPresent) already present\(o.pinnedBenchID.map { ", pinned \($0)" } ?? "")")
            } catch {
                printErr("error: \(error)")
                failed += 1
            }
        }
        for dir in directories {
            do {
                let start = Date()
                let o = try Ingest.ingest(directory: dir, into: store, replace: replace)
                switch o.kind {
                case .alreadyStored:
                    print("\(o.benchID): already stored; nothing changed (use --replace to overwrite)")
                case .stored, .replaced:
                    print(String(format: "%@: %@ %d packages, %d iterations, %d per-test rows in %.2fs",
                                 o.benchID, o.kind == .replaced ? "replaced," : "stored", o.packages, o.iterations,
                                 o.testRows, Date().timeIntervalSince(start)))
                    if o.rejectedTestDurations > 0 {
                        print("  \(o.rejectedTestDurations) per-test durations dropped: negative, not finite or longer than their iteration (counted in per_test_rejected)")
                    }
                }
            } catch {
                printErr("error: \(error)")
                failed += 1
            }
        }
        if failed > 0 { throw ExitCode(Exit.usage) }
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a run: system profile, conditions, per-package medians, IQR, CV, status and verdicts.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: ArgumentHelp("Results directory or bench id (omit with --list).", valueName: "run")) var runReference: String?
    @Flag(help: "Flag measurement anomalies (high CV, bimodal, outlier-heavy, mixed status, trend).") var anomalies = false
    @Option(name: .customLong("per-test"), help: ArgumentHelp("Show per-test timings of one package.", valueName: "pkg")) var perTest: String?
    @Flag(help: "List the stored runs.") var list = false

    func run() throws {
        if !list && runReference == nil {
            throw CLIError(message: "missing RUN (a results directory or bench id); --list shows the stored runs")
        }
        let store = try database.openForReading(runs: list ? [] : [runReference!])
        if list || runReference == nil {
            let runs = try cli { try RunQueries.listRuns(db: store.db) }
            var t = TextTable([("Bench id", .left), ("Name", .left), ("Start", .left), ("Packages", .right), ("Origin", .left)])
            for r in runs { t.add([r.benchID, r.name, r.startTime, String(r.packages), r.origin]) }
            print(runs.isEmpty ? "No runs stored in \(store.db.path)." : t.render())
            return
        }
        let stored = try cli { try RunQueries.resolve(runReference!, store: store, log: printErr) }
        print(try cli { try ShowReport.render(store: store, run: stored) })
        try ShardCLI.printMachines([stored], store: store)
        if let pkg = perTest {
            print(try cli { try ShowReport.renderPerTest(store: store, run: stored, package: pkg) })
        }
        if anomalies {
            print("")
            print(ShowReport.renderAnomalies(try cli { try AnomalyDetector.detect(db: store.db, benchID: stored.benchID) }))
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run as CSV (one row per iteration), a CSV summary, or markdown.",
        discussion: "Columns and order follow the Python labeille, so existing pandas and R scripts keep working.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: ArgumentHelp("Results directory or bench id.", valueName: "run")) var runReference: String
    @Option(help: "csv | csv-summary | markdown") var format: ExportFormat = .csv
    @Option(name: [.short, .long], help: ArgumentHelp("Write to this regular file (replaced atomically) instead of stdout; - is stdout.", valueName: "file")) var output: String?

    func run() throws {
        let fmt = format
        if let output, output != "-", let problem = SafeFile.replaceableProblem(output) {
            throw CLIError(message: "cannot write \(output): it \(problem)")
        }
        let store = try database.openForReading(runs: [runReference])
        let stored = try cli { try RunQueries.resolve(runReference, store: store, log: printErr) }
        if let output, output != "-" {
            try cli { try AtomicFile.write(to: output) { emit in try fmt.exporter.export(store: store, run: stored, emit: emit) } }
            print("Exported to \(output)")
        } else {
            try cli { try fmt.exporter.export(store: store, run: stored) { FileHandle.standardOutput.write($0.data(using: .utf8)!) } }
        }
    }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare the conditions of one run, or several runs, with honest statistics.",
        discussion: """
            With one RUN every condition is compared with the baseline (the first condition, or --baseline).
            With several RUNs they are compared with the first (or --baseline, a bench id), matching packages and
            conditions by name. Only iterations whose status is ok count; the others are reported.
            Verdicts: slower/faster when the 95% interval of the ratio excludes 1, the Benjamini–Hochberg q ≤ 0.05
            and the estimate is beyond ±threshold; equivalent when the interval lies inside ±threshold;
            inconclusive otherwise; with --per-test, unresolved when the difference is below the timer's step.
            A package whose two sides ran different tests (a test skipped on one side, other test counts, or
            iterations of one side that differ) is marked ⚠ and `workload_mismatch: true` in JSON, and left
            out of the suite's geometric mean unless --include-mismatched. Across runs, the differences in
            system, settings, interpreter and load are listed. Exit 1 with --fail-on slower when any package
            is slower; 2 on bad input.
            Across runs, every interval includes run-to-run noise: relative to a control condition with the same
            interpreter in both runs when there is one, else from the runs' tracking series, else --run-noise.
            The shift shared by all packages (10 or more) is reported once as the run-level shift and tested once
            (1% level); a package is called with it only when that shift is beyond the run-to-run noise, else only
            when it stands out from the shift (Benjamini–Hochberg 4%). Runs of fewer than 5 iterations cannot show
            how much consecutive iterations share the machine's state, so their means assume a documented state
            (variance × 1.43 at 3 iterations per run); more iterations per run estimate it from the data.
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: ArgumentHelp("Results directories or bench ids.", valueName: "run")) var runs: [String]
    @Option(help: "Baseline condition (one run) or bench id (several runs).") var baseline: String?
    @Option(help: """
        wall | cpu (user + sys) | rss | instructions (counted by `bench run --instructions`; the residual variation \
        used is never below a floor of 0.1% per iteration, and the output says when the floor applied)
        """) var metric: ComparableMetric = .wall
    @Option(name: .customLong("threshold"), parsing: .unconditional, help: ArgumentHelp(
        "Practical threshold δ as a fraction (default 0.01 = 1% for times and RSS, 0.005 for instructions).",
        valueName: "fraction")) var thresholdOption: Double?
    var threshold: Double { thresholdOption ?? metric.metric.defaultThreshold }
    @Option(name: .customLong("per-test"), help: ArgumentHelp("Per-test comparison of one package (one run).", valueName: "pkg")) var perTest: String?
    @Option(help: "table | markdown | json") var format: ComparisonFormat = .table
    @Option(name: .customLong("run-noise"), parsing: .unconditional, help: ArgumentHelp(
        "Run-to-run noise of one run's level, as a fraction, assumed across runs without a control condition or series history (default 0.01 = 1%).",
        valueName: "fraction")) var runNoise: Double = RunNoise.defaultFloor
    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 1 when any package gets this verdict: slower, faster, equivalent, inconclusive or unresolved (e.g. --fail-on slower in CI).", valueName: "verdict")) var failOn: Verdict?
    @Flag(name: .customLong("include-mismatched"), help: "Keep packages whose conditions ran different tests in the geometric mean (left out by default).")
    var includeMismatched = false

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one RUN") }
        try checkThreshold("--threshold", threshold)
        guard runNoise >= 0 && runNoise < 1 else { throw ValidationError("--run-noise must be a fraction between 0 and 1, e.g. 0.01") }
    }

    func run() throws {
        let store = try database.openForReading(runs: runs)
        let stored = try cli { try runs.map { try RunQueries.resolve($0, store: store, log: printErr) } }
        let renderer = format.renderer
        let sets: [ComparisonSet]
        if let pkg = perTest {
            guard stored.count == 1 else { throw CLIError(message: "--per-test compares the conditions of one run") }
            let run = stored[0]
            let base = baseline ?? run.conditions.first?.name ?? ""
            var result: [ComparisonSet] = []
            for t in run.conditions.map(\.name) where t != base {
                let comps = try cli { try RunComparison.perTest(store: store, run: run, package: pkg, baseline: base, treatment: t, threshold: threshold) }
                result.append(ComparisonSet(baseline: base, treatment: t, comparisons: comps,
                                            summary: Comparator.summarize(comps, includeMismatched: includeMismatched)))
            }
            if result.allSatisfy({ $0.comparisons.isEmpty }) {
                // The same words as `show --per-test`: a package the run does not hold is not a missing option.
                if try !cli({ try RunQueries.hasPackage(benchID: run.benchID, package: pkg, db: store.db) }) {
                    throw CLIError(message: "\(PackageNotFound(package: pkg, benchID: run.benchID))")
                }
                throw CLIError(message: "no per-test timings for '\(pkg)' in \(run.benchID) (run with --per-test-timing)")
            }
            sets = result
        } else if stored.count == 1 {
            sets = try cli { try RunComparison.withinRun(store: store, run: stored[0], baseline: baseline, metric: metric.metric.rawValue, threshold: threshold,
                                                      includeMismatched: includeMismatched) }
        } else {
            sets = try cli { try RunComparison.acrossRuns(store: store, runs: stored, baseline: baseline, metric: metric.metric.rawValue, threshold: threshold,
                                                       includeMismatched: includeMismatched, runNoiseFloor: runNoise) }
        }
        if format == .table && perTest == nil {
            if stored.count > 1 {
                print("Cross-run comparison (\(metric.metric.rawValue)):")
                for (i, r) in stored.enumerated() {
                    print("  Run \(i + 1): \(r.benchID)\(r.name.isEmpty ? "" : " (\(r.name))") — conditions: \(r.conditions.map(\.name).joined(separator: ", "))")
                }
                print("")
            }
        }
        print(renderer.render(sets, threshold: threshold), terminator: format == .json ? "" : "\n")
        try ShardCLI.printMachines(stored, store: store, markdown: format == .markdown, toStandardError: format == .json)
        if format == .table && perTest == nil {
            let anomalies = try cli { try stored.flatMap { try AnomalyDetector.detect(db: store.db, benchID: $0.benchID) } }
            if !anomalies.isEmpty {
                print("\n⚠ \(Set(anomalies.map(\.package)).count) package(s) have measurement anomalies (use 'bench show --anomalies' for details).")
            }
        }
        if let v = failOn {
            let hits = sets.flatMap(\.comparisons).filter { $0.verdict == v }
            if !hits.isEmpty {
                printErr("--fail-on \(v.rawValue): \(hits.count) package(s): \(hits.prefix(10).map(\.package).joined(separator: ", "))")
                throw ExitCode(Exit.gate)
            }
        }
    }
}
