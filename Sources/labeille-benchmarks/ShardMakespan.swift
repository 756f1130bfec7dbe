import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
import LabeilleUseCases

/// Balanced (longest expected first, from a duration history) against hash assignment of packages to
/// shards, on a synthetic sweep: each package's true duration is log-normal; the history saw it with
/// multiplicative noise (an earlier run on another day), and this run takes it with fresh noise.
/// Predicted makespan = the largest shard by the history; achieved = the largest shard by this run.
func shardMakespanBenchmark(packages: Int, shardCounts: [Int], seeds: Int) {
    let sigma = 1.0, historyNoise = 0.25, runNoise = 0.10
    let perPackageRuns = 2.0 * 6  // 2 conditions × (1 warm-up + 5 measured)
    print("shards: \(packages) packages, suite time log-normal (median 60 s, σ = \(sigma)), ×\(Int(perPackageRuns)) runs per package;")
    print("        history noise σ = \(historyNoise), this run's noise σ = \(runNoise); \(seeds) seeds; hours, mean over seeds")
    print("")
    let header = ["shards", "total/N", "balanced predicted", "balanced achieved", "hash predicted", "hash achieved", "hash / balanced"]
    print(header.map { $0.padding(toLength: max($0.count, 9), withPad: " ", startingAt: 0) }.joined(separator: "  "))
    for n in shardCounts {
        var sums = Array(repeating: 0.0, count: 6)
        for seed in 0..<seeds {
            var rng = SplitMix64(seed: UInt64(1000 * n + seed))
            let names = (0..<packages).map { "pkg-\(seed)-\($0)" }
            var truth: [String: Double] = [:], history: [String: Double] = [:], actual: [String: Double] = [:]
            for name in names {
                let t = 60 * exp(sigma * rng.normal()) * perPackageRuns
                truth[name] = t
                history[name] = t * exp(historyNoise * rng.normal())
                actual[name] = t * exp(runNoise * rng.normal())
            }
            let balanced = ShardPlanner.plan(names, count: n) { history[$0] }
            let hashed = ShardPlanner.hashPlan(names, count: n)
            sums[0] += actual.values.reduce(0, +) / Double(n)
            sums[1] += balanced.predictedMakespan!
            sums[2] += ShardPlanner.loads(balanced) { actual[$0]! }.max()!
            sums[3] += ShardPlanner.loads(hashed) { history[$0]! }.max()!
            sums[4] += ShardPlanner.loads(hashed) { actual[$0]! }.max()!
        }
        let h = sums.map { $0 / Double(seeds) / 3600 }
        let row = [String(n), String(format: "%.2f", h[0]), String(format: "%.2f", h[1]), String(format: "%.2f", h[2]),
                   String(format: "%.2f", h[3]), String(format: "%.2f", h[4]), String(format: "%.2f×", h[4] / h[2])]
        print(zip(row, header).map { $0.0.padding(toLength: max($0.1.count, 9), withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
}
