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
        let machineNotes = try ShardMachinesReport.notes(runs, db: store.db)
        var sets: [ComparisonSet] = []
        var note: String?
        if runs.count == 1 {
            if runs[0].conditions.count >= 2 {
                sets = try RunComparison.withinRun(store: store, run: runs[0], baseline: options.baseline,
                                                   metric: options.metric, threshold: options.threshold,
                                                   includeMismatched: options.includeMismatched)
            } else {
                if let b = options.baseline, !runs[0].conditions.contains(where: { $0.name == b }) {
                    throw CompareError("baseline '\(b)' not found in \(runs[0].benchID); conditions: \(runs[0].conditions.map(\.name).joined(separator: ", "))")
                }
                note = "Run \(runs[0].benchID) has a single condition (\(runs[0].conditions.first?.name ?? "none")): there is nothing to compare. Give two runs to compare them."
            }
        } else {
            sets = try RunComparison.acrossRuns(store: store, runs: runs, baseline: options.baseline,
                                                metric: options.metric, threshold: options.threshold,
                                                includeMismatched: options.includeMismatched)
        }

        // Series labels exactly as the comparison sets name them.
        var labels: [(String, SeriesKey)] = []
        for r in runs {
            for c in r.conditions {
                labels.append((runs.count == 1 ? c.name : "\(r.benchID)/\(c.name)", SeriesKey(benchID: r.benchID, condition: c.name)))
            }
        }
        let labelPairs = labels.map { (label: $0.0, key: $0.1) }

        var values: [SeriesKey: [String: MeasuredSeries]] = [:]
        var stats: [SeriesKey: [String: ConditionStatRow]] = [:]
        var measuredOrder: [String] = []
        var seen = Set<String>()
        var anomalies: [(String, Anomaly)] = []
        for r in runs {
            let skipped = try RunQueries.skippedPackages(db: store.db, runID: r.runID)
            for s in try RunQueries.measuredSeries(db: store.db, benchID: r.benchID, metric: options.metric)
            where !skipped.contains(s.package) {
                values[SeriesKey(benchID: r.benchID, condition: s.condition), default: [:]][s.package] = s
                if seen.insert(s.package).inserted { measuredOrder.append(s.package) }
            }
            for row in try RunQueries.conditionStats(db: store.db, benchID: r.benchID, metric: options.metric)
            where !skipped.contains(row.package) {
                stats[SeriesKey(benchID: r.benchID, condition: row.condition), default: [:]][row.package] = row
            }
            anomalies += try AnomalyDetector.detect(db: store.db, benchID: r.benchID).map { (r.benchID, $0) }
        }
        let anomalyPairs = anomalies.map { (benchID: $0.0, anomaly: $0.1) }

        // Most affected first (the first comparison's order), then the packages that were not compared.
        var order: [String] = []
        var placed = Set<String>()
        if let first = sets.first {
            for c in Self.sortedByEffect(first.comparisons) where placed.insert(c.package).inserted { order.append(c.package) }
        }
        for p in measuredOrder where placed.insert(p).inserted { order.append(p) }

        // Per-test Pareto charts: one run only (iterations of different runs never pair).
        var paretos: [ParetoData] = []
        if runs.count == 1, options.paretoPackages > 0 {
            let run = runs[0]
            let withTests = try RunQueries.packagesWithTestDurations(db: store.db, runID: run.runID)
            for (i, set) in sets.enumerated() {
                var taken = 0
                for c in Self.mostAffected(set.comparisons) where withTests.contains(c.package) {
                    let tests = try RunComparison.perTest(store: store, run: run, package: c.package, baseline: set.baseline,
                                                          treatment: set.treatment, threshold: options.threshold)
                    // Only when some test moved in the package's direction: otherwise there is nothing to rank.
                    let direction: Double = c.ratio >= 1 ? 1 : -1
                    guard tests.contains(where: {
                        $0.medianBaseline.isFinite && $0.medianTreatment.isFinite && ($0.medianTreatment - $0.medianBaseline) * direction > 0
                    }) else { continue }
                    paretos.append(ParetoData(setIndex: i, package: c, tests: tests))
                    taken += 1
                    if taken >= options.paretoPackages { break }
                }
            }
        }
        self.init(runs: runs, options: options, sets: sets, comparisonNote: note, labels: labelPairs, anomalies: anomalyPairs,
                  paretos: paretos, values: values, stats: stats, packageOrder: order, machineNotes: machineNotes)
    }

    /// Convenience: gather and render.
    public static func render(store: Store, runs: [StoredRun], options: RunReportOptions = .init()) throws -> String {
        try RunReport(store: store, runs: runs, options: options).render()
    }
}
