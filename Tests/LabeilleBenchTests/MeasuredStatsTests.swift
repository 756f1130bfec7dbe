import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleStats
@testable import LabeilleStore

/// The stored statistics (measured_stats) stay those of the stored iterations after every write path: compared
/// with a recomputation from scratch in SQL (window functions over v_measured_values, written here independently
/// of the Swift code that stores them).
enum MeasuredStatsCheck {
    /// Every package × condition × metric with values, recomputed from the iterations.
    static let fromScratch = """
        WITH ranked AS (
            SELECT package_condition_id, metric, value,
                   ROW_NUMBER() OVER w AS rn, COUNT(*) OVER w AS k, AVG(value) OVER w AS mu, AVG(ln(value)) OVER w AS lmu
            FROM v_measured_values
            WINDOW w AS (PARTITION BY package_condition_id, metric ORDER BY value
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
        SELECT package_condition_id, metric, COUNT(*), MAX(mu), \(quantile(0.5)),
               CASE WHEN COUNT(*) >= 2 THEN sqrt(SUM((value - mu) * (value - mu)) / (COUNT(*) - 1)) ELSE 0.0 END,
               MIN(value), MAX(value), \(quantile(0.25)), \(quantile(0.75)),
               CASE WHEN COUNT(*) >= 2 AND MIN(value) > 0 THEN sqrt(SUM((ln(value) - lmu) * (ln(value) - lmu)) / (COUNT(*) - 1)) END
        FROM ranked GROUP BY package_condition_id, metric ORDER BY package_condition_id, metric
        """

    /// Type 7: h = (k − 1)·p, x[⌊h⌋+1] + (x[⌊h⌋+2] − x[⌊h⌋+1])·(h − ⌊h⌋), ranks 1-based.
    static func quantile(_ p: Double) -> String {
        let lo = "(CAST((k - 1) * \(p) AS INTEGER) + 1)"
        let frac = "((k - 1) * \(p) - CAST((k - 1) * \(p) AS INTEGER))"
        return "MAX(CASE WHEN rn = \(lo) THEN value END) + (COALESCE(MAX(CASE WHEN rn = \(lo) + 1 THEN value END), 0)"
            + " - MAX(CASE WHEN rn = \(lo) THEN value END)) * MAX(\(frac))"
    }

    static let stored = """
        SELECT package_condition_id, metric, n, mean, median, stdev, min, max, q1, q3, log_stdev
        FROM measured_stats ORDER BY package_condition_id, metric
        """

    /// Fails unless the stored rows equal the recomputed ones (same keys, values within 1e-12 relative) and
    /// nothing is left stale. Returns the number of rows compared.
    @discardableResult
    static func assertExact(_ db: Database, _ context: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM measured_stats_stale").intValue, 0, "\(context): stale marks left", file: file, line: line)
        let expected = try db.query(fromScratch), actual = try db.query(stored)
        XCTAssertEqual(actual.map { [$0[0], $0[1]] }, expected.map { [$0[0], $0[1]] }, "\(context): rows differ", file: file, line: line)
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(a[2].intValue, e[2].intValue, "\(context): n of \(a[0]) \(a[1])", file: file, line: line)
            for col in 3...10 {
                let x = a[col].doubleValue, y = e[col].doubleValue
                XCTAssertEqual(x == nil, y == nil, "\(context): column \(col) of \(a[0]) \(a[1]): \(a[col]) vs \(e[col])", file: file, line: line)
                if let x, let y {
                    XCTAssertEqual(x, y, accuracy: 1e-12 * Swift.max(abs(y), 1e-300), "\(context): column \(col) of \(a[0]) \(a[1])", file: file, line: line)
                }
            }
        }
        return actual.count
    }
}

final class MeasuredStatsTests: XCTestCase {
    /// ingest, ingest --replace of a changed folder, delete (with foreign keys off as --replace does, and on as a
    /// sqlite3 user would), a shard-style re-merge through insertPackage, and writes by another program (raw SQL),
    /// which the next open computes.
    func testStatisticsFollowEveryWritePath() throws {
        let dir = TestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.db").path
        var store = try Store(path: path)
        let run = try TestSupport.copyFixture(to: dir)
        _ = try Ingest.ingest(directory: run.path, into: store)
        let rows = try MeasuredStatsCheck.assertExact(store.db, "ingest")
        XCTAssertEqual(rows, 12 * 5, "6 packages × 2 conditions × wall, user, sys, cpu, rss")

        // --replace with a changed file: in the first package, one measured iteration failed and another got slower.
        let results = run.appendingPathComponent("bench_results.jsonl")
        var lines = try String(contentsOf: results, encoding: .utf8).split(separator: "\n").map(String.init)
        var package = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        var conditions = try XCTUnwrap(package["conditions"] as? [String: Any])
        var py312 = try XCTUnwrap(conditions["py312"] as? [String: Any])
        var iterations = try XCTUnwrap(py312["iterations"] as? [[String: Any]])
        iterations[1]["status"] = "fail"
        iterations[2]["wall_time_s"] = try XCTUnwrap(iterations[2]["wall_time_s"] as? Double) * 2
        py312["iterations"] = iterations
        conditions["py312"] = py312
        package["conditions"] = conditions
        lines[0] = String(decoding: try JSONSerialization.data(withJSONObject: package), as: UTF8.self)
        try (lines.joined(separator: "\n") + "\n").write(to: results, atomically: true, encoding: .utf8)
        let before = try store.db.query(MeasuredStatsCheck.stored)
        XCTAssertEqual(try Ingest.ingest(directory: run.path, into: store, replace: true).kind, .replaced)
        try MeasuredStatsCheck.assertExact(store.db, "ingest --replace")
        XCTAssertNotEqual(try store.db.query("SELECT n, median FROM measured_stats ORDER BY package_condition_id, metric").map { [$0[0], $0[1]] },
                          before.map { [$0[2], $0[4]] }, "the replaced run's statistics changed")

        // Delete, foreign keys off (children first), then the same with a cascade from the run row.
        let runID = try XCTUnwrap(store.db.scalar("SELECT run_id FROM run").intValue)
        try store.db.transaction { try RunWriter.deleteRun(db: store.db, runID: Int64(runID)) }
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM measured_stats").intValue, 0)
        try MeasuredStatsCheck.assertExact(store.db, "delete")
        _ = try Ingest.ingest(directory: run.path, into: store)
        try store.db.run("DELETE FROM run")  // foreign keys on: cascades to package_condition
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM measured_stats").intValue, 0)
        try MeasuredStatsCheck.assertExact(store.db, "delete by cascade")

        // Another program changes iterations: the marks it leaves are computed when labeille opens the database.
        _ = try Ingest.ingest(directory: run.path, into: store)
        try store.db.run("UPDATE iteration SET wall_time_s = wall_time_s * 3 WHERE iteration_id % 3 = 0")
        try store.db.run("DELETE FROM iteration WHERE iteration_id % 7 = 0")
        try store.db.run("UPDATE iteration SET outlier = 1 - outlier")  // not read by the statistics: marks nothing new
        XCTAssertGreaterThan(try store.db.scalar("SELECT COUNT(*) FROM measured_stats_stale").intValue ?? 0, 0)
        store = try Store(path: path)
        try MeasuredStatsCheck.assertExact(store.db, "raw SQL, then open")
        try store.db.run("UPDATE iteration SET status = 'fail' WHERE iteration_id % 5 = 0")
        let reader = try Store(readingPath: path)  // a read-only command heals too
        try MeasuredStatsCheck.assertExact(reader.db, "raw SQL, then a read-only open")
    }

    /// Statistics through v_condition_stats equal the Swift ones for 1…9 values, with failures, warm-ups and
    /// instrumented iterations (time values left out, instruction counts kept) mixed in.
    func testStoredStatisticsMatchTheLibrary() throws {
        let store = try Store(path: ":memory:")
        var meta = RunMeta(benchID: "bench_m")
        meta.conditions = [ConditionDefinition(name: "a")]
        var rng = SplitMix64(seed: 11)
        var expectedWall: [String: [Double]] = [:], expectedInstructions: [String: [Double]] = [:]
        try store.db.transaction {
            let writer = try RunWriter(db: store.db, meta: meta, origin: "measured", sourceDir: nil)
            for n in 1...9 {
                var p = PackageResultRecord(package: "p\(n)")
                var c = ConditionResultRecord(conditionName: "a")
                for i in 0..<(n + 3) {
                    let v = 1 + Double(rng.next() % 1000) / 100
                    let kind = i % 4  // 0: warm-up first, then ok / ok / failed or instrumented
                    var it = IterationRecord(index: i + 1, warmup: i == 0, wallTimeS: v, userTimeS: v / 2, sysTimeS: v / 10,
                                             peakRSSMB: 50, exitCode: 0, status: i > 0 && i == n + 2 ? "fail" : "ok")
                    it.instructions = 1_000_000 + Int(rng.next() % 5000)
                    it.instrumented = kind == 3 && i != n + 2
                    if !it.warmup && it.status == "ok" {
                        if !it.instrumented { expectedWall[p.package, default: []].append(v) }
                        expectedInstructions[p.package, default: []].append(Double(it.instructions!))
                    }
                    c.iterations.append(it)
                }
                p.conditions = [c]
                try writer.insertPackage(p)
            }
        }
        try MeasuredStatsCheck.assertExact(store.db, "insertPackage")
        for (metric, expected) in [("wall", expectedWall), ("instructions", expectedInstructions)] {
            for row in try store.db.query("""
                SELECT package, n, mean, median, stdev, min, max, q1, q3, cv FROM v_condition_stats WHERE metric = ?
                """, [metric]) {
                let values = expected[row[0].stringValue!] ?? []
                let s = DescriptiveStats(values)
                XCTAssertEqual(row[1].intValue, s.n, "\(metric) \(row[0])")
                for (i, e) in [s.mean, s.median, s.stdev, s.min, s.max, s.q1, s.q3, s.cv].enumerated() {
                    if e.isNaN { XCTAssertNil(row[2 + i].doubleValue, "\(metric) \(row[0]) column \(2 + i)"); continue }
                    XCTAssertEqual(try XCTUnwrap(row[2 + i].doubleValue), e, accuracy: 1e-12 * abs(e), "\(metric) \(row[0]) column \(2 + i)")
                }
            }
        }
    }
}
