import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// `bench run --instructions valgrind` end to end on a tiny package with a real loop: real valgrind, real
/// python3, real git worktrees. Small on purpose: Python's start-up under Valgrind costs a few seconds, so
/// this is one run of 3 conditions × 3 iterations.
final class InstructionRunTests: TemporaryFolderTestCase {

    /// The loop's length is scaled by WORK_FACTOR; module-level code, so its globals are dict lookups whose
    /// cost depends on the hash seed (the reason counts pair by seed).
    static let loop = """
        import os
        n = int(100_000 * float(os.environ.get("WORK_FACTOR", "1")))
        s = 0
        for i in range(n):
            s += i * i
        assert s > 0
        """

    func testOnePercentMoreLoopWorkIsSlowerAtThreeIterationsAndAnIdenticalPairIsNot() throws {
        guard TestSupport.which("valgrind") != nil else { throw XCTSkip("valgrind is not installed (apt-get install valgrind)") }
        let reg = try ExampleRegistry.create(at: dir.path, packages: [
            .init(name: "loop", downloads: 1, testCommand: "python work.py", files: ["work.py": Self.loop]),
        ]).registryDir
        let r = try TestSupport.labeille([
            "bench", "run", "--db", db, "--registry-dir", reg, "--work-dir", dir.appendingPathComponent("work").path,
            "--results-dir", dir.appendingPathComponent("results").path, "--iterations", "3", "--warmup", "0", "--target-python", "python3",
            "--condition", "base:env.WORK_FACTOR=1.00", "--condition", "same:env.WORK_FACTOR=1.00",
            "--condition", "more:env.WORK_FACTOR=1.01", "--instructions", "valgrind",
        ])
        XCTAssertEqual(r.code, 0, r.stderr + r.stdout)
        XCTAssertTrue((r.stdout + r.stderr).contains("Counting instructions with Valgrind"), r.stdout)
        let store = try Store(path: db)
        let id = try XCTUnwrap(try store.db.scalar("SELECT bench_id FROM run").stringValue)

        // Every iteration: ok, counted by valgrind, instrumented, seed = iteration number.
        let rows = try store.db.query("SELECT status, instructions, instruction_method, instrumented, hash_seed, iteration FROM v_iterations")
        XCTAssertEqual(rows.count, 9)
        for row in rows {
            XCTAssertEqual(row[0].stringValue, "ok")
            XCTAssertGreaterThan(row[1].intValue ?? 0, 50_000_000)
            XCTAssertEqual(row[2].stringValue, "valgrind")
            XCTAssertEqual(row[3].intValue, 1)
            XCTAssertEqual(row[4].intValue, row[5].intValue)
        }
        // Instrumented times are not timings: no wall statistics, instruction statistics for every condition.
        let stats = try store.db.query("SELECT metric, MIN(n), MAX(n) FROM v_condition_stats WHERE metric IN ('wall', 'instructions') GROUP BY metric ORDER BY metric")
        XCTAssertEqual(stats.map { [$0[0].stringValue!, String($0[1].intValue!), String($0[2].intValue!)] },
                       [["instructions", "3", "3"], ["wall", "0", "0"]])

        try checkCompareCallsTheOnePercentSlower(benchID: id)
        try checkCountsRoundTripThroughFilesAndExport(store: store, benchID: id)
    }

    func checkCompareCallsTheOnePercentSlower(benchID id: String) throws {
        // compare --metric instructions: the 1% loop is slower with a tight interval; the identical pair is not.
        let c = try TestSupport.labeille(["bench", "compare", "--db", db, id, "--metric", "instructions", "--format", "json"])
        XCTAssertEqual(c.code, 0, c.stderr)
        let doc = try JSONParser.parse(c.stdout)
        guard case .object(let top) = doc, case .array(let comps)? = top.first(where: { $0.key == "comparisons" })?.value else {
            return XCTFail(c.stdout)
        }
        func field(_ v: JSONValue, _ key: String) -> JSONValue? {
            guard case .object(let o) = v else { return nil }
            return o.first { $0.key == key }?.value
        }
        func number(_ v: JSONValue?) -> Double? {
            switch v { case .number(let d)?: return d; case .integer(let i)?: return Double(i); default: return nil }
        }
        let more = try XCTUnwrap(comps.first { field($0, "treatment") == .string("more") })
        let same = try XCTUnwrap(comps.first { field($0, "treatment") == .string("same") })
        XCTAssertEqual(field(more, "verdict"), .string("slower"), c.stdout)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(number(field(more, "ratio_ci_low"))), 1.002, c.stdout)
        XCTAssertLessThanOrEqual(try XCTUnwrap(number(field(more, "ratio_ci_high"))), 1.015, c.stdout)
        XCTAssertEqual(field(more, "method"), .string("paired-t-noise-floor"))
        XCTAssertEqual(field(more, "noise_floor_applied"), .bool(true), "after pairing by seed the spread is far below 0.1%")
        let sameVerdict = field(same, "verdict")
        XCTAssertTrue(sameVerdict == .string("equivalent") || sameVerdict == .string("inconclusive"), c.stdout)
    }

    func checkCountsRoundTripThroughFilesAndExport(store: Store, benchID id: String) throws {
        // The results file carries the counts as extra keys, and ingest reads them back identically.
        let results = dir.appendingPathComponent("results/\(id)")
        let jsonl = try String(contentsOf: results.appendingPathComponent("bench_results.jsonl"), encoding: .utf8)
        XCTAssertTrue(jsonl.contains("\"instruction_method\": \"valgrind\""), jsonl)
        XCTAssertTrue(jsonl.contains("\"instructions_stats\""))
        let db2 = dir.appendingPathComponent("ingested.db").path
        let ing = try TestSupport.labeille(["bench", "ingest", "--db", db2, results.path])
        XCTAssertEqual(ing.code, 0, ing.stderr)
        let q = "SELECT package, condition, iteration, instructions, instruction_method, instrumented, hash_seed FROM v_iterations ORDER BY 1, 2, 3"
        let original = try store.db.query(q).map { $0.map { "\($0)" } }
        let ingested = try Store(path: db2).db.query(q).map { $0.map { "\($0)" } }
        XCTAssertEqual(ingested, original)

        // export: the counts are columns of the CSV.
        let e = try TestSupport.labeille(["bench", "export", "--db", db, id, "--format", "csv"])
        XCTAssertEqual(e.code, 0, e.stderr)
        XCTAssertTrue(e.stdout.split(whereSeparator: \.isNewline).first?.hasSuffix("instructions,instruction_method,instrumented,hash_seed") ?? false, e.stdout)
    }

    func testUnknownCountingMethodIsRefused() throws {
        let r = try TestSupport.labeille(["bench", "run", "--db", db, "--registry-dir", dir.path, "--instructions", "rdtsc"])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("The value 'rdtsc' is invalid for '--instructions <auto|perf|valgrind>'. Please provide one of 'auto', 'perf' or 'valgrind'."), r.stderr)
    }

    /// perf on a machine without a PMU: one clear error naming what is missing, before any work.
    func testPerfWithoutAPMUIsAClearError() throws {
        guard CounterEvent.instructions.unavailability() != nil else { throw XCTSkip("this machine has a hardware counter") }
        let reg = try ExampleRegistry.create(at: dir.path, packages: [
            .init(name: "loop", downloads: 1, testCommand: "python work.py", files: ["work.py": "pass\n"]),
        ]).registryDir
        let r = try TestSupport.labeille(["bench", "run", "--db", db, "--registry-dir", reg, "--work-dir", dir.appendingPathComponent("work").path,
                                          "--results-dir", dir.appendingPathComponent("results").path, "--iterations", "3",
                                          "--instructions", "perf"])
        XCTAssertEqual(r.code, 2, r.stdout)
        XCTAssertTrue(r.stderr.contains("no hardware instruction counter"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("work").path), "nothing was set up")
    }
}
