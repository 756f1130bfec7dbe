import Foundation
import LabeilleCore

/// The seeded calibration of `track alert`: simulated tracking series (50 packages, 12 runs, 7 iterations per
/// run, CV 0.5–1.9%, run-level noise shared by all packages and per package) analysed as `track alert` does.
public enum AlertCalibration {
    public enum Scenario: String, CaseIterable, Sendable {
        case steady = "no change"
        case badFirstRun = "first run +30% (all packages)"
        case improved = "20 of 50 packages −10% from run 7"
        case step = "+3% step in 5 packages at run 8"
        case badLatestRun = "latest run +30% (all packages)"
    }

    public struct Setup: Sendable {
        public var packages = 50
        public var runs = 12
        /// Seven iterations per run, as recommended for tracking series.
        public var iterations = 7
        public var cvs: [Double] = [0.005, 0.01, 0.015, 0.019]
        public var runNoiseShared = 0.003
        public var runNoisePackage = 0.003
        public var stepRun = 8
        public init() {}
    }

    public struct Result: Sendable {
        public var scenario: Scenario
        public var series = 0
        /// Series whose gate fails because of a package that did not regress.
        public var falseAlarmSeries = 0
        /// Stepped packages whose first confirmed regression came within ±2 runs of the step.
        public var stepsFound = 0
        public var steps = 0
        /// Series in which the latest run's shift was reported as one run-level event.
        public var runLevelEvents = 0
        public var falseAlarmRate: Double { Double(falseAlarmSeries) / Double(max(series, 1)) }
        public var stepFoundRate: Double { steps == 0 ? .nan : Double(stepsFound) / Double(steps) }
    }

    /// Log-level of package p in run r (1-based), before noise.
    static func truth(_ s: Scenario, _ setup: Setup, package p: Int, run r: Int) -> Double {
        switch s {
        case .steady: return 0
        case .badFirstRun: return r == 1 ? log(1.3) : 0
        case .badLatestRun: return r == setup.runs ? log(1.3) : 0
        case .improved: return p < 20 && r >= 7 ? log(0.9) : 0
        case .step: return p < 5 && r >= setup.stepRun ? log(1.03) : 0
        }
    }

    static func regressed(_ s: Scenario, package p: Int) -> Bool { s == .step && p < 5 }

    static func simulate(_ s: Scenario, _ setup: Setup, rng: inout SplitMix64) -> SeriesWithPoints {
        let info = TrackingSeriesInfo(id: 1, name: "sim", description: "", createdAt: "", pinnedBenchID: nil,
                                      runCount: setup.runs, firstTimestamp: nil, lastTimestamp: nil)
        let runs = (1...setup.runs).map {
            TrackedRun(position: $0, runID: Int64($0), benchID: "run\($0)", timestamp: "", addedAt: "", notes: "", commit: [],
                       packagesCompleted: setup.packages, pinned: false)
        }
        let shared = (0..<setup.runs).map { _ in setup.runNoiseShared * rng.normal() }
        var items: [PackagePoints] = []
        for p in 0..<setup.packages {
            let cv = setup.cvs[p % setup.cvs.count]
            var points: [SeriesPoint] = []
            for r in 1...setup.runs {
                let level = truth(s, setup, package: p, run: r) + shared[r - 1] + setup.runNoisePackage * rng.normal()
                let values = (0..<setup.iterations).map { _ in exp(level + cv * rng.normal()) }
                points.append(SeriesPoint(values: values, runIndex: r - 1, position: r))
            }
            items.append(PackagePoints(package: "p\(p)", condition: "c", points: points))
        }
        return SeriesWithPoints(series: info, runs: runs, conditions: ["c"], items: items)
    }

    /// The first `k` runs of a series.
    static func prefix(_ d: SeriesWithPoints, _ k: Int) -> SeriesWithPoints {
        var out = d
        out.runs = Array(d.runs.prefix(k))
        out.items = d.items.map { PackagePoints(package: $0.package, condition: $0.condition, points: $0.points.filter { $0.runIndex < k }) }
        return out
    }

    static func alarmedPackages(_ r: TrendReport) -> Set<Int> {
        var out = Set<Int>()
        for a in r.alerts where a.isRegression && a.confirmed {
            if a.package == "*" { out.insert(-1) } else if let p = Int(a.package.dropFirst()) { out.insert(p) }
        }
        return out
    }

    public static func run(_ s: Scenario, series: Int, setup: Setup = .init(), seed: UInt64) -> Result {
        var rng = SplitMix64(seed: seed)
        var result = Result(scenario: s)
        for _ in 0..<series {
            let data = simulate(s, setup, rng: &rng)
            let report = TrendAnalyzer.analyze(data)
            result.series += 1
            let alarmed = alarmedPackages(report)
            let falseAlarm = alarmed.contains { $0 >= 0 && !regressed(s, package: $0) } || (alarmed.contains(-1) && s != .badLatestRun)
            if falseAlarm { result.falseAlarmSeries += 1 }
            if report.alerts.contains(where: { $0.kind == .runLevelShift }) { result.runLevelEvents += 1 }
            if s == .step { tallySteps(data, setup, into: &result) }
        }
        return result
    }

    /// Analyses the series as it grows; a stepped package counts as found when its first confirmed regression
    /// comes within ±2 runs of the step.
    static func tallySteps(_ data: SeriesWithPoints, _ setup: Setup, into result: inout Result) {
        var first: [Int: Int] = [:]
        for k in 2...min(setup.runs, setup.stepRun + 2) {
            for p in alarmedPackages(TrendAnalyzer.analyze(prefix(data, k))) where p >= 0 && p < 5 && first[p] == nil { first[p] = k }
        }
        for p in 0..<5 {
            result.steps += 1
            if let k = first[p], abs(k - setup.stepRun) <= 2 { result.stepsFound += 1 }
        }
    }

    public static func table(scale: Double = 1) -> String {
        var out = ["| track alert scenario | series | series with a false alarm % | steps found within ±2 runs % | run-level events % |",
                   "|---|---:|---:|---:|---:|"]
        var seed: UInt64 = 20261202
        for s in Scenario.allCases {
            seed &+= 1
            let r = run(s, series: max(4, Int((200 * scale).rounded())), seed: seed)
            let found = r.stepFoundRate.isFinite ? String(format: "%.1f", r.stepFoundRate * 100) : "—"
            out.append("| \(s.rawValue) | \(r.series) | \(String(format: "%.1f", r.falseAlarmRate * 100)) | \(found) | \(String(format: "%.1f", Double(r.runLevelEvents) / Double(max(r.series, 1)) * 100)) |")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
