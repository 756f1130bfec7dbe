import ArgumentParser
import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
import LabeilleUseCases

/// `bench track`: tracking series in the database (docs/tracking.md).
struct TrackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track",
        abstract: "Track performance across runs (e.g. CPython commits): series, trends, change points, alerts.",
        discussion: """
            A series is an ordered list of stored runs with notes, commit key=values and an optional pinned baseline.
            trend classifies each package × condition (regressing, improving, volatile, stable) against the pinned run
            (else its first run), only when a change exceeds the threshold AND the runs' own noise, and finds change
            points with the commit range to bisect. alert exits 1 when the latest run has a confirmed regression.
            Import a series written by the Python labeille with `bench ingest --tracking DIR`.
            """,
        subcommands: [TrackInit.self, TrackAdd.self, TrackShow.self, TrackPin.self, TrackUnpin.self, TrackList.self,
                      TrackTrend.self, TrackAlertCommand.self])
}

struct TrackInit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create a tracking series.")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var trackingDir: TrackingDirOption
    @Argument(help: "Series name.") var name: String
    @Option(name: [.short, .long], help: "Description.") var description: String = ""

    func run() throws {
        let store = try database.open()
        _ = try cli { try Tracking.create(name: name, description: description, db: store.db) }
        print("Created tracking series '\(name)'.")
    }
}

struct TrackAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Append runs to a series (a results directory is ingested first; a run already in it is not added twice).")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var trackingDir: TrackingDirOption
    @Argument(help: "Series name.") var name: String
    @Argument(help: ArgumentHelp("Results directories or bench ids, added in the order given.", valueName: "run")) var runs: [String]
    @Option(name: [.short, .long], help: "Notes for the run.") var notes: String = ""
    @Option(help: ArgumentHelp("Commit key=values, comma-joined or repeated: sha=abc1234,branch=main.", valueName: "k=v"))
    var commit: [String] = []

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one RUN (a results directory or bench id)") }
    }

    func run() throws {
        // Check everything that can fail before a results directory is ingested.
        let kv = try cli { try Tracking.parseCommit(commit) }
        let store = try database.open()
        try trackingDir.importSeries(named: name, into: store)
        _ = try cli { try Tracking.series(named: name, db: store.db) }
        for ref in runs { try cli { try Tracking.checkRunReference(ref, db: store.db) } }
        let stored = try cli { try runs.map { try RunQueries.resolve($0, store: store, log: printErr) } }
        for run in stored {
            let o = try cli { try Tracking.add(seriesName: name, benchID: run.benchID, notes: notes, commit: kv, db: store.db) }
            for w in o.warnings { printErr("warning: \(w)") }
            switch o.kind {
            case .added: print("Added run '\(o.benchID)' to series '\(name)' at position \(o.position).")
            case .alreadyPresent: print("Run '\(o.benchID)' is already in series '\(name)' (position \(o.position)); not added again.")
            }
        }
    }
}

struct TrackShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a series and its runs.")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var trackingDir: TrackingDirOption
    @Argument(help: "Series name.") var name: String
    @Option(help: ArgumentHelp("Only the last N runs (positions are kept).", valueName: "n")) var last: Int?

    func validate() throws {
        if let last, last < 0 { throw ValidationError("--last must be ≥ 0") }
    }

    func run() throws {
        let store = try trackingDir.openStore(database)
        try trackingDir.importSeries(named: name, into: store)
        let (s, runs) = try cli { try Tracking.show(name: name, last: last, db: store.db) }
        print(TrackText.show(series: s, runs: runs))
    }
}

struct TrackPin: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pin", abstract: "Make a run of the series the baseline of trend and alert.")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var trackingDir: TrackingDirOption
    @Argument(help: "Series name.") var name: String
    @Argument(help: ArgumentHelp("Bench id of a run in the series.", valueName: "bench-id")) var benchID: String

    func run() throws {
        let store = try database.open()
        try trackingDir.importSeries(named: name, into: store)
        try cli { try Tracking.pin(seriesName: name, benchID: benchID, db: store.db) }
        print("Pinned '\(benchID)' as baseline for series '\(name)'.")
    }
}

struct TrackUnpin: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpin", abstract: "Remove the pinned baseline (each package's first run is used).")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var trackingDir: TrackingDirOption
    @Argument(help: "Series name.") var name: String

    func run() throws {
        let store = try database.open()
        try trackingDir.importSeries(named: name, into: store)
        try cli { try Tracking.unpin(seriesName: name, db: store.db) }
        print("Unpinned baseline for series '\(name)'.")
    }
}

struct TrackList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tracking series.")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var trackingDir: TrackingDirOption

    func run() throws {
        let store = try trackingDir.openStore(database)
        try trackingDir.importSeries(named: nil, into: store)
        print(TrackText.list(try cli { try Tracking.list(db: store.db) }))
    }
}

/// What `trend` and `alert` share: the series, its condition, the metric and the per-run change threshold.
struct SeriesAnalysisOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var trackingDir: TrackingDirOption
    @Argument(help: "Series name.") var name: String
    @Option(help: "Only this condition (default: every condition).") var condition: String?
    @Option(help: "wall | cpu (user + sys) | rss | instructions") var metric: ComparableMetric = .wall
    @Option(name: .customLong("regression-threshold"), parsing: .unconditional, help: ArgumentHelp(
        "Per-run change threshold (fraction); also the minimum change-point size.", valueName: "fraction"))
    var regressionThreshold: Double = 0.02

    func validate() throws {
        try checkThreshold("--regression-threshold", regressionThreshold)
    }

    /// Loads the series (after importing it from `--tracking-dir`) and analyses it.
    func analyze(trendThreshold: Double? = nil) throws -> TrendReport {
        let store = try trackingDir.openStore(database)
        try trackingDir.importSeries(named: name, into: store)
        let data = try cli { try SeriesPointQuery.load(db: store.db, seriesName: name, condition: condition, metric: metric.metric.rawValue) }
        var options = TrendOptions(regressionThreshold: regressionThreshold, metric: metric.metric)
        if let trendThreshold { options.trendThreshold = trendThreshold }
        return TrendAnalyzer.analyze(data, condition: condition, options: options)
    }
}

struct TrackTrend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trend",
        abstract: "Classify each package × condition and find change points across the series.")
    @OptionGroup var series: SeriesAnalysisOptions
    @Option(help: "table | markdown | csv | json") var format: TrendFormat = .table
    @Option(name: .customLong("trend-threshold"), parsing: .unconditional, help: ArgumentHelp("Trend threshold over the whole series (fraction).", valueName: "fraction"))
    var trendThreshold: Double = 0.05

    func validate() throws {
        try checkThreshold("--trend-threshold", trendThreshold, high: Limits.trendThresholdHigh)
    }

    func run() throws {
        print(TrendRenderer.render(try series.analyze(trendThreshold: trendThreshold), format: format), terminator: "")
    }
}

struct TrackAlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "Regressions of the latest run vs the pinned baseline and the previous run; exit 1 when one is confirmed.",
        discussion: "Confirmed = beyond --regression-threshold AND outside the runs' noise. --format markdown gives a PR comment.")
    @OptionGroup var series: SeriesAnalysisOptions
    @Option(help: "table | markdown | json") var format: AlertFormat = .table

    func run() throws {
        let report = try series.analyze()
        print(TrendRenderer.renderAlerts(report, format: format), terminator: "")
        if report.gateFails { throw ExitCode(Exit.gate) }
    }
}

/// `--tracking-dir DIR` as in the Python labeille, whose track commands keep each series in
/// `DIR/SERIES/tracking.json`. Here the database is the record: the series found in the folder are
/// imported (new runs added, pinned baseline taken) before the command runs, and the folder is only read.
struct TrackingDirOption: ParsableArguments {
    @Option(name: .customLong("tracking-dir"), help: ArgumentHelp(
        "A tracking folder of the Python labeille (its default is results/tracking). Its series are imported into the database before the command runs (new runs added; the folder is only read, never written).",
        valueName: "dir"))
    var directory: String?

    /// The database: read-only unless a tracking folder is to be imported into it.
    func openStore(_ database: DatabaseOptions) throws -> Store {
        directory == nil ? try database.openForReading() : try database.open()
    }

    /// Imports `DIR/NAME`, or every series folder of DIR when no name is given. A series missing from
    /// the folder is not an error: it may live only in the database.
    func importSeries(named name: String?, into store: Store) throws {
        guard let directory else { return }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
            throw CLIError(message: "--tracking-dir \(directory): no such folder")
        }
        let names = try name.map { [$0] } ?? FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        for series in names {
            let folder = (directory as NSString).appendingPathComponent(series)
            guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("tracking.json")) else { continue }
            let o = try cli { try TrackingIngest.ingest(seriesDirectory: folder, store: store) }
            for w in o.warnings { printErr("warning: \(w)") }
            if o.created || o.runsAdded > 0 {
                printErr("imported tracking series '\(o.seriesName)' from \(folder): \(o.runsAdded) run(s) added")
            }
        }
    }
}
