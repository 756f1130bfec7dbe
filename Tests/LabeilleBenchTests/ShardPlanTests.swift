import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

final class ShardPlanTests: XCTestCase {
    func testShardSpecParsing() throws {
        XCTAssertEqual(try ShardSpec.parse("2/8"), ShardSpec(index: 2, count: 8))
        XCTAssertEqual(try ShardSpec.parse("1/1"), ShardSpec(index: 1, count: 1))
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", "1/3/4", ""] {
            XCTAssertThrowsError(try ShardSpec.parse(bad), bad)
        }
    }

    func testShardGroupComesFromTheScheduler() throws {
        XCTAssertEqual(try ShardGroup.resolve(explicit: "mine", environment: ["SLURM_ARRAY_JOB_ID": "42"]), "mine")
        XCTAssertEqual(try ShardGroup.resolve(explicit: nil, environment: ["SLURM_ARRAY_JOB_ID": "42", "GITHUB_RUN_ID": "7"]), "slurm-42")
        // Kubernetes names an Indexed Job's pods <job name>-<completion index>.
        XCTAssertEqual(try ShardGroup.resolve(explicit: nil, environment: ["JOB_COMPLETION_INDEX": "3", "HOSTNAME": "labeille-shards-3"]),
                       "k8s-labeille-shards")
        XCTAssertEqual(try ShardGroup.resolve(explicit: nil, environment: ["GITHUB_RUN_ID": "9001"]), "gha-9001")
        XCTAssertThrowsError(try ShardGroup.resolve(explicit: nil, environment: ["JOB_COMPLETION_INDEX": "3", "HOSTNAME": "other"]))
        XCTAssertThrowsError(try ShardGroup.resolve(explicit: "  ", environment: [:]))
        XCTAssertThrowsError(try ShardGroup.resolve(explicit: nil, environment: [:]))
    }

    func testHashPlanIsStableAndIndependentOfTheOtherPackages() {
        let names = (0..<500).map { "pkg\($0)" }
        let plan = ShardPlanner.hashPlan(names, count: 7)
        XCTAssertEqual(plan.assignment, .hash)
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (published test vector).
        XCTAssertEqual(ShardPlanner.stableHash("a"), 0xaf63_dc4c_8601_ec8c)
        let fewer = ShardPlanner.hashPlan(Array(names.prefix(100)), count: 7)
        for (a, b) in zip(plan.shardOf, fewer.shardOf) { XCTAssertEqual(a.shard, b.shard) }
        let sizes = (1...7).map { plan.packages(of: $0).count }
        XCTAssertEqual(sizes.reduce(0, +), 500)
        XCTAssertGreaterThan(sizes.min()!, 40)  // 500/7 ≈ 71 each
    }

    /// Longest-first greedy is within 4/3 of the optimum (Graham); checked against brute force on small
    /// cases, and the assignment does not depend on the order packages are listed in.
    func testBalancedPlanAgainstTheOptimum() {
        var rng = SplitMix64(seed: 14)
        for trial in 0..<40 {
            let n = 5 + trial % 5, shards = 2 + trial % 3
            let names = (0..<n).map { "p\($0)" }
            let cost = Dictionary(uniqueKeysWithValues: names.map { ($0, exp(rng.normal())) })
            let plan = ShardPlanner.plan(names, count: shards) { cost[$0] }
            XCTAssertEqual(plan.assignment, .balanced)
            let loads = ShardPlanner.loads(plan) { cost[$0]! }
            XCTAssertEqual(plan.predictedMakespan!, loads.max()!, accuracy: 1e-9)
            let optimum = bruteForceMakespan(names.map { cost[$0]! }, shards: shards)
            XCTAssertLessThanOrEqual(loads.max()!, optimum * 4 / 3 + 1e-9)
            let shuffled = ShardPlanner.plan(names.shuffled(using: &rng), count: shards) { cost[$0] }
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: shuffled.shardOf.map { ($0.package, $0.shard) }),
                           Dictionary(uniqueKeysWithValues: plan.shardOf.map { ($0.package, $0.shard) }))
        }
    }

    func bruteForceMakespan(_ costs: [Double], shards: Int) -> Double {
        var best = Double.infinity
        var loads = Array(repeating: 0.0, count: shards)
        func place(_ i: Int) {
            if i == costs.count { best = min(best, loads.max()!); return }
            for s in 0..<shards {
                loads[s] += costs[i]
                if loads[s] < best { place(i + 1) }
                loads[s] -= costs[i]
                if loads[s] == 0 { break }  // empty shards are interchangeable
            }
        }
        place(0)
        return best
    }

    func testUnknownPackagesCountAsTheMedianAndNoHistoryFallsBackToHash() {
        let plan = ShardPlanner.plan(["a", "b", "c", "d"], count: 2) { ["a": 10, "b": 1, "c": 3][$0] }
        XCTAssertEqual(plan.packagesWithHistory, 3)
        XCTAssertEqual(plan.predictedLoad!.reduce(0, +), 10 + 1 + 3 + 3, accuracy: 1e-9)
        XCTAssertEqual(ShardPlanner.plan(["a", "b"], count: 2) { _ in nil }, ShardPlanner.hashPlan(["a", "b"], count: 2))
    }

    /// Migration numbers are handed out ahead of time: a database that has a later migration but not an
    /// earlier one still gets the earlier one.
    func testMigrationsBelowTheHighestAppliedAreStillApplied() throws {
        let dir = TestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("gap.db").path
        do {
            let store = try Store(path: path)
            try store.db.execute("""
                DROP VIEW v_package_machine; DROP TABLE package_shard; DROP TABLE merged_shard; DROP TABLE merged_run;
                DROP TABLE run_shard_package; DROP TABLE run_shard; DELETE FROM schema_migrations WHERE version = 5;
                DELETE FROM schema_views;
                """)
            XCTAssertGreaterThan(Migrator.latestVersion, 0)
        }
        let store = try Store(path: path)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'run_shard'").intValue, 1)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = 5").intValue, 1)
    }

    /// A stored run reads back as the bench_meta.json it was ingested from (merge reads shard databases).
    func testStoredRunMetaRoundTrip() throws {
        let dir = TestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("r.db").path)
        try Ingest.ingest(directory: TestSupport.fixtureRun, into: store)
        let runID = Int64(try store.db.scalar("SELECT run_id FROM run").intValue!)
        let original = try Ingest.readMeta(directory: TestSupport.fixtureRun)
        var loaded = try StoredRunMeta.load(runID: runID, db: store.db)
        XCTAssertEqual(loaded.conditions, original.conditions)
        XCTAssertEqual(loaded.pythonProfiles.map(\.profile), original.pythonProfiles.map(\.profile))
        XCTAssertEqual(loaded.system, original.system)
        loaded.pythonProfiles = original.pythonProfiles
        XCTAssertEqual(loaded, original)
        let packages = try StoredRunMeta.packages(runID: runID, db: store.db)
        XCTAssertEqual(packages.count, try store.db.scalar("SELECT COUNT(*) FROM package_result").intValue)
    }
}
