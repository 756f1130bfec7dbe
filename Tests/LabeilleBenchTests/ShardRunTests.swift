import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// One run sharded over 3 real `labeille bench run --shard K/3` processes (each with its own database and
/// work folder, as on 3 machines) and merged, against the same run unsharded.
final class ShardRunTests: TemporaryFolderTestCase {

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// The interpreter itself, not a version-manager shim (pyenv's shims are not safe to start concurrently).
    func realPython() throws -> String {
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", "import sys; print(sys.executable)"])
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func runArgs(registry: String, python: String, db: String, results: String, _ extra: [String]) -> [String] {
        ["bench", "run", "--db", db, "--registry-dir", registry, "--repos-dir", path("repos"), "--venvs-dir", path("venvs"),
         "--results-dir", results, "--iterations", "3", "--warmup", "1",
         "--condition", "plain:target_python=\(python)", "--condition", "debug:target_python=\(python),env.PYTHONMALLOC=debug"] + extra
    }

    /// (package, condition, iteration, warm-up) of every iteration of a run.
    func iterationKeys(_ db: Database, _ benchID: String) throws -> [String] {
        try db.query("SELECT package, condition, iteration, warmup FROM v_iterations WHERE bench_id = ? ORDER BY 1, 2, 3", [benchID])
            .map { $0.map { $0.stringValue ?? "" }.joined(separator: "/") }
    }

    /// The statistics `bench show` prints, per package × condition.
    func stats(_ db: Database, _ benchID: String) throws -> [String: [Double?]] {
        var out: [String: [Double?]] = [:]
        for r in try RunQueries.conditionStats(db: db, benchID: benchID, metric: "wall") {
            out["\(r.package)/\(r.condition)"] = [Double(r.n), Double(r.nExcluded), r.mean, r.median, r.stdev, r.min, r.max, r.q1, r.q3, r.cv]
        }
        return out
    }

    func onlyBenchID(_ db: Database) throws -> String {
        try XCTUnwrap(db.scalar("SELECT bench_id FROM run ORDER BY run_id DESC LIMIT 1").stringValue)
    }

    func testThreeShardsMergeIntoTheUnshardedRun() throws {
        let packages = ["alpha", "bravo", "charlie", "delta"].enumerated().map { i, name in
            ExampleRegistry.Package(name: name, downloads: 100 - i, files: [
                "tests/test_\(name).py": ExampleRegistry.cpuSuite(tests: 1, milliseconds: 10 + 20 * i, imports: []),
            ])
        }
        let registry = try ExampleRegistry.create(at: path("toy"), packages: packages).registryDir
        let python = try realPython()

        // The unsharded run (also the duration history of the shards).
        let full = try TestSupport.labeille(runArgs(registry: registry, python: python, db: path("full.db"), results: path("full"), []))
        XCTAssertEqual(full.code, 0, full.stderr)
        let fullStore = try Store(path: path("full.db"))
        let fullID = try onlyBenchID(fullStore.db)

        let shardPackages = try runThreeShardsAtOnce(registry: registry, python: python)
        XCTAssertEqual(Set(shardPackages.flatMap { $0 }), Set(packages.map(\.name)))
        XCTAssertEqual(shardPackages.flatMap { $0 }.count, 4, "a package in two shards")

        // Merge the databases.
        let merge = try TestSupport.labeille(["bench", "merge", "--db", path("merged.db"), "--results-dir", path("merged"),
                                              path("shard-1.db"), path("shard-2.db"), path("shard-3.db")])
        XCTAssertEqual(merge.code, 0, merge.stderr)
        XCTAssertTrue(merge.stdout.contains("3 of 3 shards of group toy-sweep (complete)"), merge.stdout)
        let merged = try Store(path: path("merged.db"))
        let mergedID = try onlyBenchID(merged.db)
        XCTAssertEqual(try iterationKeys(merged.db, mergedID), try iterationKeys(fullStore.db, fullID))
        XCTAssertEqual(try iterationKeys(merged.db, mergedID).count, 4 * 2 * 4)

        try checkMergedStatisticsAndMachines(merged.db, mergedID, shardPackages: shardPackages)

        // The merged folder re-ingests to the same run, each package with its shard.
        let folder = path("merged/\(mergedID)")
        let reread = try Store(path: path("reread.db"))
        try Ingest.ingest(directory: folder, into: reread)
        XCTAssertEqual(try iterationKeys(reread.db, mergedID), try iterationKeys(merged.db, mergedID))
        XCTAssertEqual(try reread.db.query("SELECT package, shard_index FROM v_package_machine ORDER BY 1"),
                       try merged.db.query("SELECT package, shard_index FROM v_package_machine ORDER BY 1"))

        try checkMergeIsIdempotent(folder: folder)
        try checkMergeRefusesDuplicatesAndForeignShards()
        try checkMissingShardMarksTheRunIncomplete()
        try checkFinishedShardIsNotRunAgain(registry: registry, python: python)
        try checkReportsListTheMachines(mergedID)
        try checkDifferentHardwareIsWarnedAbout()
    }

    /// Three shards at once, each with its own database, results and worktrees; returns each shard's packages.
    func runThreeShardsAtOnce(registry: String, python: String) throws -> [[String]] {
        var procs: [(Process, URL)] = []
        for k in 1...3 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestSupport.binary)
            p.arguments = runArgs(registry: registry, python: python, db: path("shard-\(k).db"), results: path("shard-\(k)"),
                                  ["--shard", "\(k)/3", "--shard-group", "toy-sweep", "--shard-history", path("full.db")])
            let err = dir.appendingPathComponent("shard-\(k).err")
            FileManager.default.createFile(atPath: err.path, contents: nil)
            p.standardError = try FileHandle(forWritingTo: err)
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            procs.append((p, err))
        }
        var shardPackages: [[String]] = []
        for (k, (p, err)) in procs.enumerated() {
            p.waitUntilExit()
            let log = try String(contentsOf: err, encoding: .utf8)
            XCTAssertEqual(p.terminationStatus, 0, log)
            XCTAssertTrue(log.contains("Shard \(k + 1)/3 of group toy-sweep"), log)
            XCTAssertTrue(log.contains("predicted makespan"), log)
            let db = try Store(path: path("shard-\(k + 1).db")).db
            let info = try XCTUnwrap(ShardStore.shardInfo(runID: Int64(try XCTUnwrap(db.scalar("SELECT run_id FROM run").intValue)), db: db))
            XCTAssertEqual(info.assignment, .balanced)
            XCTAssertEqual(info.selectedTotal, 4)
            shardPackages.append(info.packages)
            // The results folder carries the shard as extra keys; the standard keys are unchanged.
            let meta = try Ingest.readMeta(directory: try XCTUnwrap(db.scalar("SELECT source_dir FROM run").stringValue))
            XCTAssertEqual(meta.shard, info)
        }
        return shardPackages
    }

    /// Per-package statistics are those each shard computed on its own machine, and each package names its shard's machine.
    func checkMergedStatisticsAndMachines(_ mergedDB: Database, _ mergedID: String, shardPackages: [[String]]) throws {
        var shardStats: [String: [Double?]] = [:]
        for k in 1...3 {
            let db = try Store(path: path("shard-\(k).db")).db
            shardStats.merge(try stats(db, try onlyBenchID(db))) { a, _ in a }
        }
        XCTAssertEqual(try stats(mergedDB, mergedID), shardStats)
        try MeasuredStatsCheck.assertExact(mergedDB, "merge of shard runs")
        let machines = try mergedDB.query("SELECT package, shard_index, hostname FROM v_package_machine WHERE bench_id = ? ORDER BY package", [mergedID])
        XCTAssertEqual(machines.count, 4)
        for row in machines {
            let shard = try XCTUnwrap(row[1].intValue)
            XCTAssertTrue(shardPackages[shard - 1].contains(row[0].stringValue ?? ""))
            XCTAssertFalse((row[2].stringValue ?? "").isEmpty)
        }
    }

    /// show, compare and report list where each shard ran.
    func checkReportsListTheMachines(_ mergedID: String) throws {
        let show = try TestSupport.labeille(["bench", "show", "--db", path("merged.db"), mergedID])
        XCTAssertTrue(show.stdout.contains("Machines: 3 of 3 shards of group toy-sweep (complete)"), show.stdout)
        let compare = try TestSupport.labeille(["bench", "compare", "--db", path("merged.db"), mergedID, "--format", "markdown"])
        XCTAssertEqual(compare.code, 0, compare.stderr)
        XCTAssertTrue(compare.stdout.contains("**Machines of \(mergedID)**"), compare.stdout)
        let html = path("report.html")
        let report = try TestSupport.labeille(["bench", "report", "--db", path("merged.db"), mergedID, "-o", html])
        XCTAssertEqual(report.code, 0, report.stderr)
        let text = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(text.contains("id=\"machines\"") && text.contains("shard 3:"), "no machines in the report")
    }

    /// A shard measured on another CPU model: the merge keeps it, and every listing warns.
    func checkDifferentHardwareIsWarnedAbout() throws {
        var folders: [String] = []
        for k in 1...3 {
            folders.append(try XCTUnwrap(Store(path: path("shard-\(k).db")).db.scalar("SELECT source_dir FROM run").stringValue))
        }
        let cpu = try XCTUnwrap(Ingest.readMeta(directory: folders[1]).system.cpuModel)
        folders[1] = try copyOfShard(folders[1], "other-cpu", replacing: "\"cpu_model\": \"\(cpu)\"", with: "\"cpu_model\": \"Other CPU 9000\"")
        let r = try TestSupport.labeille(["bench", "merge", "--db", path("mixed.db"), "--results-dir", path("mixed")] + folders)
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("ran on different hardware") && r.stderr.contains("Other CPU 9000"), r.stderr)
        let id = try onlyBenchID(Store(path: path("mixed.db")).db)
        let compare = try TestSupport.labeille(["bench", "compare", "--db", path("mixed.db"), id])
        XCTAssertTrue(compare.stderr.contains("ran on different hardware"), compare.stderr)
    }

    func checkMergeIsIdempotent(folder: String) throws {
        let before = try TestSupport.rowCounts(Store(path: path("merged.db")).db)
        let metaBefore = try String(contentsOfFile: folder + "/bench_meta.json", encoding: .utf8)
        let again = try TestSupport.labeille(["bench", "merge", "--db", path("merged.db"), "--results-dir", path("merged"),
                                              path("shard-3.db"), path("shard-1.db"), path("shard-2.db")])
        XCTAssertEqual(again.code, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("already stored, unchanged"), again.stdout)
        XCTAssertEqual(try TestSupport.rowCounts(Store(path: path("merged.db")).db), before)
        XCTAssertEqual(try String(contentsOfFile: folder + "/bench_meta.json", encoding: .utf8), metaBefore)
    }

    func checkMergeRefusesDuplicatesAndForeignShards() throws {
        let target = path("merged.db")
        let before = try TestSupport.rowCounts(Store(path: target).db)
        func refused(_ inputs: [String], _ expected: String) throws {
            let r = try TestSupport.labeille(["bench", "merge", "--db", target, "--results-dir", path("refused")] + inputs)
            XCTAssertEqual(r.code, 2, r.stdout + r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("error: ") && r.stderr.contains(expected), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        // A shard's database and its own results folder are one run, not a duplicate.
        let shard1Folder = try XCTUnwrap(Store(path: path("shard-1.db")).db.scalar("SELECT source_dir FROM run").stringValue)
        let both = try TestSupport.labeille(["bench", "merge", "--db", target, "--results-dir", path("merged"),
                                             path("shard-1.db"), shard1Folder, path("shard-2.db"), path("shard-3.db")])
        XCTAssertEqual(both.code, 0, both.stderr)
        XCTAssertTrue(both.stdout.contains("unchanged"), both.stdout)
        // Another run of shard 1 (as a rerun under a new bench id would write it) is a duplicate.
        try refused([path("shard-1.db"), path("shard-2.db"), copyOfShard(shard1Folder, "rerun", replacing: "\"bench_id\": \"", with: "\"bench_id\": \"rerun_"),
                     path("shard-3.db")], "duplicate shard 1/3")
        // A shard of another sweep: shard 2's folder, as another group would have written it.
        let shard2Folder = try XCTUnwrap(Store(path: path("shard-2.db")).db.scalar("SELECT source_dir FROM run").stringValue)
        try refused([path("shard-1.db"), copyOfShard(shard2Folder, "foreign", replacing: "\"toy-sweep\"", with: "\"other-sweep\""),
                     path("shard-3.db")], "foreign shard")
        XCTAssertEqual(try TestSupport.rowCounts(Store(path: target).db), before)
    }

    /// A copy of a shard's results folder whose bench_meta.json has one string replaced.
    func copyOfShard(_ folder: String, _ name: String, replacing old: String, with new: String) throws -> String {
        let copy = path("copies/\(name)")
        try FileManager.default.createDirectory(atPath: path("copies"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder, toPath: copy)
        let metaPath = copy + "/bench_meta.json"
        let text = try String(contentsOfFile: metaPath, encoding: .utf8)
        XCTAssertTrue(text.contains(old), text)
        try text.replacingOccurrences(of: old, with: new).write(toFile: metaPath, atomically: true, encoding: .utf8)
        return copy
    }

    func checkMissingShardMarksTheRunIncomplete() throws {
        let r = try TestSupport.labeille(["bench", "merge", "--db", path("partial.db"), "--results-dir", path("partial"),
                                          "--require-complete", path("shard-1.db"), path("shard-3.db")])
        XCTAssertEqual(r.code, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("shards 2 of 3 are missing"), r.stderr)
        let db = try Store(path: path("partial.db")).db
        XCTAssertEqual(try db.scalar("SELECT complete FROM merged_run").intValue, 0)
        XCTAssertEqual(try db.scalar("SELECT end_time FROM run").stringValue, "")
        let id = try onlyBenchID(db)
        let meta = try Ingest.readMeta(directory: path("partial/\(id)"))
        XCTAssertEqual(meta.shardMerge?.missingShards, [2])
    }

    /// Running a finished shard again (a requeued array task) changes nothing.
    func checkFinishedShardIsNotRunAgain(registry: String, python: String) throws {
        let before = try TestSupport.rowCounts(Store(path: path("shard-2.db")).db)
        let r = try TestSupport.labeille(runArgs(registry: registry, python: python, db: path("shard-2.db"), results: path("shard-2"),
                                                 ["--shard", "2/3", "--shard-group", "toy-sweep"]))
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("already complete"), r.stderr)
        XCTAssertEqual(try TestSupport.rowCounts(Store(path: path("shard-2.db")).db), before)
    }

    /// A shard killed mid-run (a preempted array task) continues when the same command runs again on its
    /// database: what was stored is kept, nothing is measured twice.
    func testInterruptedShardContinuesWhenRunAgain() throws {
        let registry = try ExampleRegistry.create(at: path("toy"), packages: [
            .init(name: "slowa", downloads: 2, files: ["tests/test_a.py": ExampleRegistry.cpuSuite(tests: 1, milliseconds: 150, imports: [])]),
            .init(name: "slowb", downloads: 1, files: ["tests/test_b.py": ExampleRegistry.cpuSuite(tests: 1, milliseconds: 150, imports: [])]),
        ]).registryDir
        let args = runArgs(registry: registry, python: try realPython(), db: path("shard.db"), results: path("shard"),
                           ["--shard", "1/1", "--shard-group", "preempted"])
        let p = try TestSupport.startLabeille(args)
        let stored = TestSupport.waitForIterations(in: path("shard.db"), atLeast: 5, seconds: 120)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertGreaterThanOrEqual(stored, 5)
        let store = try Store(path: path("shard.db"))
        let id = try onlyBenchID(store.db)
        let q = "SELECT package, condition, iteration, wall_s FROM v_iterations WHERE bench_id = ? ORDER BY 1, 2, 3"
        let before = try store.db.query(q, [id])
        XCTAssertLessThan(before.count, 16)
        let again = try TestSupport.labeille(args)
        XCTAssertEqual(again.code, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("was interrupted (\(id)): continuing it"), again.stderr)
        let after = try store.db.query(q, [id])
        XCTAssertEqual(after.count, 16)  // 2 packages × 2 conditions × (1 + 3), each once
        for row in before { XCTAssertTrue(after.contains(row), "\(row) changed when the shard continued") }
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM run").intValue, 1)
        XCTAssertFalse((try store.db.scalar("SELECT end_time FROM run").stringValue ?? "").isEmpty)
    }
}
