import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleStats
import LabeilleStore

extension RunReport {
    /// Reads everything the report shows from the store.
    public init(store: Store, runs: [StoredRun], options: RunReportOptions = .init()) throws {
        precondition(!runs.isEmpty, "a report needs at least one run")
        guard RunComparison.metrics.contains(options.metric) else {
            throw CompareError("unknown metric '\(options.metric)' (expected \(Metric.comparable.map(\.rawValue).joined(separator: ", ")))")
        }
        let (sets, note) = try Self.comparisons(store: store, runs: runs, options: options)
        // Series labels exactly as the comparison sets name them.
        let labels = runs.flatMap { r in
            r.conditions.map { c in
                (label: runs.count == 1 ? c.name : "\(r.benchID)/\(c.name)", key: SeriesKey(benchID: r.benchID, condition: c.name))
            }
        }
        let measured = try Self.measured(store: store, runs: runs, metric: options.metric)
        // Most affected first (the first comparison's order), then the packages that were not compared.
        var order: [String] = []
        var placed = Set<String>()
        for c in sets.first.map({ Self.sortedByEffect($0.comparisons) }) ?? [] where placed.insert(c.package).inserted {
            order.append(c.package)
        }
        for p in measured.packageOrder where placed.insert(p).inserted { order.append(p) }
        // Per-test Pareto charts: one run only (iterations of different runs never pair).
        let paretos = runs.count == 1 && options.paretoPackages > 0
            ? try Self.paretos(store: store, run: runs[0], sets: sets, options: options) : []
        self.init(runs: runs, options: options, sets: sets, comparisonNote: note, labels: labels, anomalies: measured.anomalies,
                  paretos: paretos, values: measured.values, stats: measured.stats, packageOrder: order,
                  machineNotes: try ShardMachinesReport.notes(runs, db: store.db))
    }

    /// Exactly what `bench compare` computes for these runs, or why there is nothing to compare.
    static func comparisons(store: Store, runs: [StoredRun], options: RunReportOptions) throws -> ([ComparisonSet], String?) {
        if runs.count > 1 {
            return (try RunComparison.acrossRuns(store: store, runs: runs, baseline: options.baseline, metric: options.metric,
                                                 threshold: options.threshold, includeMismatched: options.includeMismatched), nil)
        }
        let run = runs[0]
        if run.conditions.count >= 2 {
            return (try RunComparison.withinRun(store: store, run: run, baseline: options.baseline, metric: options.metric,
                                                threshold: options.threshold, includeMismatched: options.includeMismatched), nil)
        }
        if let b = options.baseline, !run.conditions.contains(where: { $0.name == b }) {
            throw CompareError("baseline '\(b)' not found in \(run.benchID); conditions: \(run.conditions.map(\.name).joined(separator: ", "))")
        }
        return ([], "Run \(run.benchID) has a single condition (\(run.conditions.first?.name ?? "none")): there is nothing to compare. "
                    + "Give two runs to compare them.")
    }

    /// The measured values, `bench show` statistics and anomalies of every series, skipped packages left out.
    static func measured(store: Store, runs: [StoredRun], metric: String) throws
        -> (values: [SeriesKey: [String: MeasuredSeries]], stats: [SeriesKey: [String: ConditionStatRow]],
            anomalies: [(benchID: String, anomaly: Anomaly)], packageOrder: [String]) {
        var values: [SeriesKey: [String: MeasuredSeries]] = [:]
        var stats: [SeriesKey: [String: ConditionStatRow]] = [:]
        var anomalies: [(benchID: String, anomaly: Anomaly)] = []
        var order: [String] = []
        var seen = Set<String>()
        for r in runs {
            let skipped = try RunQueries.skippedPackages(db: store.db, runID: r.runID)
            for s in try RunQueries.measuredSeries(db: store.db, benchID: r.benchID, metric: metric) where !skipped.contains(s.package) {
                values[SeriesKey(benchID: r.benchID, condition: s.condition), default: [:]][s.package] = s
                if seen.insert(s.package).inserted { order.append(s.package) }
            }
            for row in try RunQueries.conditionStats(db: store.db, benchID: r.benchID, metric: metric) where !skipped.contains(row.package) {
                stats[SeriesKey(benchID: r.benchID, condition: row.condition), default: [:]][row.package] = row
            }
            anomalies += try AnomalyDetector.detect(db: store.db, benchID: r.benchID).map { (benchID: r.benchID, anomaly: $0) }
        }
        return (values, stats, anomalies, order)
    }

    /// The per-test breakdown of the most affected packages of each comparison (those with per-test data).
    static func paretos(store: Store, run: StoredRun, sets: [ComparisonSet], options: RunReportOptions) throws -> [ParetoData] {
        let withTests = try RunQueries.packagesWithTestDurations(db: store.db, runID: run.runID)
        var paretos: [ParetoData] = []
        for (i, set) in sets.enumerated() {
            var taken = 0
            for c in Self.mostAffected(set.comparisons) where withTests.contains(c.package) && taken < options.paretoPackages {
                let tests = try RunComparison.perTest(store: store, run: run, package: c.package, baseline: set.baseline,
                                                      treatment: set.treatment, threshold: options.threshold)
                // Only when some test moved in the package's direction: otherwise there is nothing to rank.
                let direction: Double = c.ratio >= 1 ? 1 : -1
                guard tests.contains(where: {
                    $0.medianBaseline.isFinite && $0.medianTreatment.isFinite && ($0.medianTreatment - $0.medianBaseline) * direction > 0
                }) else { continue }
                paretos.append(ParetoData(setIndex: i, package: c, tests: tests))
                taken += 1
            }
        }
        return paretos
    }

    /// Convenience: gather and render.
    public static func render(store: Store, runs: [StoredRun], options: RunReportOptions = .init()) throws -> String {
        try RunReport(store: store, runs: runs, options: options).render()
    }
}
