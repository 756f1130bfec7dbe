import ArgumentParser
import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
import LabeilleUseCases

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML report with plots, for runs or for a tracking series.",
        discussion: """
            With RUN arguments: system and condition summary (differences highlighted), the suite's geometric \
            mean with its interval, a forest plot of per-package ratios coloured by verdict, per package the \
            iterations of each condition, the anomalies and per-test Pareto charts of the most affected packages. \
            The numbers are those of `bench compare` with the same --baseline, --metric and --threshold.

            With --series NAME: per package and condition the trend of per-run medians with their intervals, \
            change points and the pinned baseline, and a summary of classifications and alerts (the numbers of \
            `track trend` and `track alert` with the same --metric, --regression-threshold and --trend-threshold).

            The file has inline SVG and CSS only: no script, no network; it opens from disk or as a CI artefact.
            """)
    @OptionGroup var database: DatabaseOptions
    @Argument(help: ArgumentHelp("Results directories or bench ids.", valueName: "run")) var runs: [String] = []
    @Option(help: ArgumentHelp("Report on a tracking series instead of runs.", valueName: "name")) var series: String?
    @Option(name: [.short, .long], help: ArgumentHelp("The HTML file to write (written atomically).", valueName: "file")) var output: String?
    @Option(help: "Baseline condition (one run) or bench id (several runs).") var baseline: String?
    @Option(help: "wall | cpu (user + sys) | rss | instructions (see `bench compare --help`)") var metric: ComparableMetric = .wall
    @Option(name: .customLong("threshold"), parsing: .unconditional, help: ArgumentHelp(
        "Practical threshold δ as a fraction (default 0.01 = 1% for times and RSS, 0.005 for instructions).",
        valueName: "fraction")) var thresholdOption: Double?
    var threshold: Double { thresholdOption ?? metric.metric.defaultThreshold }
    @Flag(name: .customLong("include-mismatched"), help: "Keep packages whose conditions ran different tests in the geometric mean (left out by default).")
    var includeMismatched = false
    @Option(name: .customLong("regression-threshold"), parsing: .unconditional, help: ArgumentHelp("With --series: a run-to-run change counts beyond this fraction.", valueName: "fraction"))
    var regressionThreshold: Double = 0.02
    @Option(name: .customLong("trend-threshold"), parsing: .unconditional, help: ArgumentHelp("With --series: a trend over the series counts beyond this fraction.", valueName: "fraction"))
    var trendThreshold: Double = 0.05

    func run() throws {
        // Usage errors are one line with exit 2 (CLIError), like the other bench commands.
        guard let output, !output.isEmpty else { throw CLIError(message: "missing -o/--output FILE (the HTML file to write)") }
        if runs.isEmpty && series == nil {
            throw CLIError(message: "give RUN arguments (results directories or bench ids) or --series NAME")
        }
        if !runs.isEmpty && series != nil { throw CLIError(message: "give either RUN arguments or --series NAME, not both") }
        do {
            try checkThreshold("--threshold", threshold)
            try checkThreshold("--regression-threshold", regressionThreshold)
            try checkThreshold("--trend-threshold", trendThreshold)
        } catch let e as ValidationError {
            throw CLIError(message: e.message)
        }
        try checkWritable(output)

        let store = try database.openForReading(runs: runs)
        let html: String
        let what: String
        if let series {
            var trend = TrendOptions(metric: metric.metric)
            trend.regressionThreshold = regressionThreshold
            trend.trendThreshold = trendThreshold
            let options = SeriesReportOptions(metric: metric.metric.rawValue, trend: trend, generatedAt: UTCTimestamp.iso8601())
            html = try cli { try SeriesReport.render(store: store, series: series, options: options) }
            what = "series \(series)"
        } else {
            let stored = try cli { try runs.map { try RunQueries.resolve($0, store: store, log: printErr) } }
            var options = RunReportOptions(baseline: baseline, metric: metric.metric.rawValue, threshold: threshold,
                                           generatedAt: UTCTimestamp.iso8601())
            options.includeMismatched = includeMismatched
            html = try cli { try RunReport.render(store: store, runs: stored, options: options) }
            try ShardCLI.printWarnings(stored, store: store)
            what = stored.map(\.benchID).joined(separator: ", ")
        }
        try cli { try AtomicFile.write(html, to: output) }
        print("Wrote \(output) (\(what), \(html.utf8.count / 1024) KB)")
    }

    /// Fails early (before any work) when the folder of `path` is missing or not writable, or `path` is a folder.
    func checkWritable(_ path: String) throws {
        var isDir: ObjCBool = false
        if let problem = SafeFile.replaceableProblem(path) { throw CLIError(message: "cannot write \(path): it \(problem)") }
        let dir = (path as NSString).deletingLastPathComponent
        let folder = dir.isEmpty ? "." : dir
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError(message: "cannot write \(path): no such directory \(folder)")
        }
        guard access(folder, W_OK) == 0 else {
            throw CLIError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
