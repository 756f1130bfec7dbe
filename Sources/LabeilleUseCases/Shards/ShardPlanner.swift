import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore

/// Expected duration of one package's whole benchmark (setup once, then every iteration of every
/// condition), learnt from earlier runs.
public struct DurationHistory: Sendable {
    struct Totals: Sendable {
        var iterationSeconds = 0.0, iterations = 0
        var setupSeconds = 0.0, setups = 0
    }
    var totals: [String: Totals] = [:]
    public init() {}

    public var isEmpty: Bool { totals.isEmpty }
    public var packageCount: Int { totals.count }

    /// Adds one iteration's wall time (any status: a timeout costs its time too).
    public mutating func addIteration(package: String, seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        totals[package, default: Totals()].iterationSeconds += seconds
        totals[package, default: Totals()].iterations += 1
    }

    /// Adds one package × condition's setup (clone share, venv, install).
    public mutating func addSetup(package: String, seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        totals[package, default: Totals()].setupSeconds += seconds
        totals[package, default: Totals()].setups += 1
    }

    /// Every package line of a results folder or stored run.
    public mutating func add(_ p: PackageResultRecord) {
        for c in p.conditions {
            addSetup(package: p.package, seconds: c.installDurationS + c.venvSetupDurationS + p.cloneDurationS / Double(max(p.conditions.count, 1)))
            for it in c.iterations { addIteration(package: p.package, seconds: it.wallTimeS) }
        }
    }

    /// Every run of a database.
    public mutating func add(db: Database) throws {
        for it in try RunQueries.allIterationWallTimes(db: db) { addIteration(package: it.package, seconds: it.seconds) }
        for setup in try RunQueries.allSetupTimes(db: db) { addSetup(package: setup.package, seconds: setup.seconds) }
    }

    /// Expected seconds of a package run with `conditions` × `iterationsPerCondition`, or nil when unknown.
    /// Rounded to milliseconds, so that histories read from a results folder (6 decimals) and from a
    /// database (full precision) plan identically.
    public func expectedSeconds(_ package: String, conditions: Int, iterationsPerCondition: Int) -> Double? {
        guard let t = totals[package], t.iterations > 0 else { return nil }
        let perIteration = t.iterationSeconds / Double(t.iterations)
        let setup = t.setups > 0 ? t.setupSeconds / Double(t.setups) : 0
        let total = Double(conditions) * (setup + Double(iterationsPerCondition) * perIteration)
        return (total * 1000).rounded() / 1000
    }
}

/// The assignment of every selected package to one of N shards.
public struct ShardPlan: Equatable, Sendable {
    public var count: Int
    public var assignment: ShardAssignment
    /// Shard index (1-based) of each package, in selection order.
    public var shardOf: [(package: String, shard: Int)]
    /// Predicted seconds per shard (index 0 = shard 1); nil without history.
    public var predictedLoad: [Double]?
    /// Packages with an expected duration from history.
    public var packagesWithHistory: Int

    public static func == (a: ShardPlan, b: ShardPlan) -> Bool {
        a.count == b.count && a.assignment == b.assignment && a.predictedLoad == b.predictedLoad
            && a.shardOf.map(\.package) == b.shardOf.map(\.package) && a.shardOf.map(\.shard) == b.shardOf.map(\.shard)
    }

    public func packages(of shard: Int) -> [String] { shardOf.filter { $0.shard == shard }.map(\.package) }
    public var predictedMakespan: Double? { predictedLoad?.max() }

    /// Identifies the whole assignment: the shards of one group must share it.
    public var digest: String {
        var text = "\(count)\n"
        for (p, s) in shardOf { text += "\(p)\t\(s)\n" }
        return Migrator.fnv1a(text)
    }
}

public enum ShardPlanner {
    /// A stable 64-bit hash of a package name (FNV-1a), the same on every machine and in every version.
    public static func stableHash(_ name: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Hash assignment: shard = hash(name) mod N + 1, independent of the other packages.
    public static func hashPlan(_ packages: [String], count: Int) -> ShardPlan {
        ShardPlan(count: count, assignment: .hash,
                  shardOf: packages.map { ($0, Int(stableHash($0) % UInt64(count)) + 1) }, predictedLoad: nil, packagesWithHistory: 0)
    }

    /// Longest expected duration first, each onto the least loaded shard (ties: lower shard); packages the
    /// history does not know count as the median known duration. Falls back to `hashPlan` when the history
    /// knows none of the packages.
    public static func plan(_ packages: [String], count: Int, expected: (String) -> Double?) -> ShardPlan {
        let known = packages.map(expected)
        let values = known.compactMap { $0 }
        guard !values.isEmpty else { return hashPlan(packages, count: count) }
        let fill = Statistics.median(values)
        let cost = known.map { $0 ?? fill }
        let order = packages.indices.sorted { a, b in
            cost[a] != cost[b] ? cost[a] > cost[b] : packages[a] < packages[b]
        }
        var load = Array(repeating: 0.0, count: count)
        var shard = Array(repeating: 0, count: packages.count)
        for i in order {
            var best = 0
            for s in 1..<count where load[s] < load[best] { best = s }
            shard[i] = best + 1
            load[best] += cost[i]
        }
        return ShardPlan(count: count, assignment: .balanced, shardOf: packages.indices.map { (packages[$0], shard[$0]) },
                         predictedLoad: load, packagesWithHistory: values.count)
    }

    /// Seconds of each shard under `plan` when the packages actually take `seconds`.
    public static func loads(_ plan: ShardPlan, seconds: (String) -> Double) -> [Double] {
        var load = Array(repeating: 0.0, count: plan.count)
        for (p, s) in plan.shardOf { load[s - 1] += seconds(p) }
        return load
    }
}
