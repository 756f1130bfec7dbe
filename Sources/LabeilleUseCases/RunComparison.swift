import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
/// Comparisons of stored runs: reads the measured values from the store and compares them with the
/// statistics layer (within one run, across runs, and per test).
public enum RunComparison {
    public static let metrics = ["wall", "cpu", "rss", "user", "sys", "instructions"]

    /// Every condition of one run against its baseline (the first condition, or `baseline`).
    public static func withinRun(store: Store, run: StoredRun, baseline: String?, metric: String,
                                 threshold: Double, includeMismatched: Bool = false) throws -> [ComparisonSet] {
        let names = run.conditions.map(\.name)
        guard names.count >= 2 else {
            throw CompareError("run \(run.benchID) has only one condition (\(names.first ?? "none")); give two runs to compare them")
        }
        let base = baseline ?? names[0]
        guard names.contains(base) else {
            throw CompareError("baseline '\(base)' not found in \(run.benchID); conditions: \(names.joined(separator: ", "))")
        }
        let series = try RunQueries.measuredSeries(db: store.db, benchID: run.benchID, metric: metric)
        let skipped = try RunQueries.skippedPackages(db: store.db, runID: run.runID)
        let workloads = try WorkloadAnalysis.load(db: store.db, benchID: run.benchID)
        var byPackage: [String: [String: MeasuredSeries]] = [:]
        var order: [String] = []
        for s in series where !skipped.contains(s.package) {
            if byPackage[s.package] == nil { order.append(s.package) }
            byPackage[s.package, default: [:]][s.condition] = s
        }
        return names.filter { $0 != base }.map { treatment in
            var comps: [PackageComparison] = []
            for pkg in order {
                guard let a = byPackage[pkg]?[base], let b = byPackage[pkg]?[treatment] else { continue }
                let times = blockTimes(run: run, a, b, names: names)
                var c = Comparator.compare(
                    package: pkg, baseline: base, treatment: treatment, metric: metric, a: a.values, b: b.values,
                    roundsA: CountStatistics.pairingKeys(a, metric: metric) ?? a.rounds,
                    roundsB: CountStatistics.pairingKeys(b, metric: metric) ?? b.rounds, timesA: times.a, timesB: times.b,
                    excludedA: a.excluded, excludedB: b.excluded, threshold: threshold)
                WorkloadAnalysis.annotate(&c, baseline: workloads[pkg]?[base], treatment: workloads[pkg]?[treatment])
                comps.append(c)
            }
            Comparator.finalize(&comps, threshold: threshold)
            var set = ComparisonSet(baseline: base, treatment: treatment, comparisons: comps,
                                    summary: Comparator.summarize(comps, includeMismatched: includeMismatched))
            set.measurementLoads = run.measurementLoad.map { [(run.benchID, $0)] } ?? []
            return set
        }
    }

    /// Runs against the first (or `baseline`, a bench id) run, matching packages and conditions by name.
    /// Runs are labelled by bench id, so two runs that share a name stay apart. Iterations of different
    /// runs never pair.
    ///
    /// Run-to-run noise joins every interval (see `CrossRunNoise`): relative to a control condition with the
    /// same interpreter in both runs, else from the runs' tracking series, else the floor `runNoiseFloor`.
    public static func acrossRuns(store: Store, runs: [StoredRun], baseline: String?, metric: String,
                                  threshold: Double, includeMismatched: Bool = false,
                                  runNoiseFloor: Double = RunNoise.defaultFloor) throws -> [ComparisonSet] {
        let ids = runs.map(\.benchID)
        if Set(ids).count != ids.count { throw CompareError("the same run is given twice: \(ids.joined(separator: ", "))") }
        let baseRun: StoredRun
        if let baseline {
            guard let r = runs.first(where: { $0.benchID == baseline || $0.name == baseline }) else {
                throw CompareError("baseline run '\(baseline)' is not among the compared runs: \(ids.joined(separator: ", "))")
            }
            baseRun = r
        } else { baseRun = runs[0] }
        let base = try CrossRunSide(store: store, run: baseRun, metric: metric)
        var sets: [ComparisonSet] = []
        for other in runs where other.benchID != baseRun.benchID {
            let side = try CrossRunSide(store: store, run: other, metric: metric)
            let shared = baseRun.conditions.map(\.name).filter { n in other.conditions.contains { $0.name == n } }
            // With no condition name in common, compare the first condition of each run.
            let pairs: [(String, String)] = shared.isEmpty
                ? [(baseRun.conditions.first?.name ?? "", other.conditions.first?.name ?? "")]
                : shared.map { ($0, $0) }
            for conditions in pairs {
                sets.append(try compare(store: store, base, side, conditions: conditions, metric: metric, threshold: threshold,
                                        includeMismatched: includeMismatched, runNoiseFloor: runNoiseFloor))
            }
        }
        // Runs with no package in common have nothing to compare: that is unusable input, not a result.
        if sets.allSatisfy({ $0.comparisons.isEmpty }) {
            throw CompareError("no package was measured in both \(baseRun.benchID) and \(runs.filter { $0.benchID != baseRun.benchID }.map(\.benchID).joined(separator: ", "))")
        }
        return sets
    }

    /// One run's side of a cross-run comparison: its measured series per package and condition (skipped packages
    /// left out), and the tests each ran.
    struct CrossRunSide {
        var run: StoredRun
        var series: [String: [String: MeasuredSeries]] = [:]
        var workloads: [String: [String: ConditionWorkload]]

        init(store: Store, run: StoredRun, metric: String) throws {
            self.run = run
            let skipped = try RunQueries.skippedPackages(db: store.db, runID: run.runID)
            for s in try RunQueries.measuredSeries(db: store.db, benchID: run.benchID, metric: metric) where !skipped.contains(s.package) {
                series[s.package, default: [:]][s.condition] = s
            }
            workloads = try WorkloadAnalysis.load(db: store.db, benchID: run.benchID)
        }
    }

    /// Condition `conditions.0` of the base run against `conditions.1` of the other, package by package, with the
    /// run-to-run noise of the pair.
    static func compare(store: Store, _ base: CrossRunSide, _ other: CrossRunSide, conditions: (String, String), metric: String,
                        threshold: Double, includeMismatched: Bool, runNoiseFloor: Double) throws -> ComparisonSet {
        let (ca, cb) = conditions
        let (baseRun, otherRun) = (base.run, other.run)
        let source = try CrossRunNoise.source(store: store, baseRun: baseRun, other: otherRun, conditions: (ca, cb),
                                              metric: metric, floor: runNoiseFloor)
        var comps: [PackageComparison] = []
        for pkg in base.series.keys.sorted() {
            guard let a = base.series[pkg]?[ca], let b = other.series[pkg]?[cb] else { continue }
            let control = source.control.flatMap { c in base.series[pkg]?[c].flatMap { x in other.series[pkg]?[c].map { (x.values, $0.values) } } }
            var c = Comparator.compare(
                package: pkg, baseline: "\(baseRun.benchID)/\(ca)", treatment: "\(otherRun.benchID)/\(cb)",
                metric: metric, a: a.values, b: b.values,
                roundsA: CountStatistics.pairingKeys(a, metric: metric) ?? [],
                roundsB: CountStatistics.pairingKeys(b, metric: metric) ?? [],
                runNoise: source.noise(package: pkg),
                controlA: control?.0 ?? [], controlB: control?.1 ?? [], excludedA: a.excluded, excludedB: b.excluded,
                threshold: threshold)
            WorkloadAnalysis.annotate(&c, baseline: base.workloads[pkg]?[ca], treatment: other.workloads[pkg]?[cb])
            comps.append(c)
        }
        let shift = Comparator.finalize(&comps, threshold: threshold)
        var set = ComparisonSet(baseline: "\(baseRun.benchID)/\(ca)", treatment: "\(otherRun.benchID)/\(cb)",
                                comparisons: comps, summary: Comparator.summarize(comps, includeMismatched: includeMismatched))
        set.runLevelShift = shift
        set.environmentDifferences = EnvironmentRows.differences(baseline: baseRun, other: otherRun,
                                                                 baselineCondition: ca, otherCondition: cb)
        set.environmentRuns = (baseRun.benchID, otherRun.benchID)
        set.measurementLoads = [baseRun, otherRun].compactMap { r in r.measurementLoad.map { (r.benchID, $0) } }
        return set
    }

    /// Without schedule rounds the conditions ran in blocks, one after the other in condition order (or the
    /// order is unknown, as for ingested files, which is treated alike): a value's time is its condition's
    /// position × the block length + its iteration index, so drift can be estimated from it.
    static func blockTimes(run: StoredRun, _ a: MeasuredSeries, _ b: MeasuredSeries,
                           names: [String]) -> (a: [Double], b: [Double]) {
        guard run.interleave != true, a.rounds.allSatisfy({ $0 == nil }), b.rounds.allSatisfy({ $0 == nil }),
              a.indices.count == a.values.count, b.indices.count == b.values.count,
              let pa = names.firstIndex(of: a.condition), let pb = names.firstIndex(of: b.condition) else { return ([], []) }
        let block = Double((a.indices + b.indices).max() ?? 0)
        return (a.indices.map { Double(pa) * block + Double($0) }, b.indices.map { Double(pb) * block + Double($0) })
    }

    /// Per-test comparison of one package: medians of the `call` durations of measured ok iterations per
    /// test, with the same machinery (ratio, interval, q-values across the package's tests).
    public static func perTest(store: Store, run: StoredRun, package: String, baseline: String, treatment: String,
                               threshold: Double) throws -> [PackageComparison] {
        let (data, rounds) = try RunQueries.testCallDurations(db: store.db, runID: run.runID, package: package,
                                                               conditions: [baseline, treatment])
        var comps: [PackageComparison] = []
        let resolution = Comparator.timerResolution(data.values.flatMap { $0.values.flatMap { $0 } })
        for test in data.keys.sorted() {
            guard let a = data[test]?[baseline], let b = data[test]?[treatment] else { continue }
            comps.append(Comparator.compare(
                package: test, baseline: baseline, treatment: treatment, metric: "test-call", a: a, b: b,
                roundsA: rounds[test]?[baseline] ?? [], roundsB: rounds[test]?[treatment] ?? [], threshold: threshold))
        }
        Comparator.finalize(&comps, threshold: threshold)
        Comparator.markUnresolved(&comps, resolution: resolution, threshold: threshold)
        return comps
    }
}
