import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

final class StoreTests: XCTestCase {
    func testMigrationsApplyOnceAndAreRecorded() throws {
        let dir = TestSupport.tempDir()
        let path = dir.appendingPathComponent("sub/folder/x.db").path
        _ = try Store(path: path)  // creates the folders
        let store = try Store(path: path)  // second open applies nothing
        let rows = try store.db.query("SELECT version, name FROM schema_migrations ORDER BY version")
        XCTAssertEqual(rows.map { $0[0].intValue! }, EmbeddedSQL.migrations.map(\.version))
        XCTAssertEqual(try store.db.scalar("PRAGMA journal_mode").stringValue, "wal")
        XCTAssertEqual(try store.db.scalar("PRAGMA foreign_keys").intValue, 1)
        let views = try store.db.query("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name").map { $0[0].stringValue! }
        for v in ["v_condition_stats", "v_iterations", "v_test_stats"] { XCTAssertTrue(views.contains(v), v) }
    }

    func testNewerSchemaIsRefused() throws {
        let path = TestSupport.tempDir().appendingPathComponent("x.db").path
        let store = try Store(path: path)
        try store.db.run("INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'future', 'now')")
        XCTAssertThrowsError(try Store(path: path)) { error in
            XCTAssertTrue("\(error)".contains("newer than this labeille"), "\(error)")
        }
    }

    /// sql/ and migrations/ are the one editable source; the copy the build plugin embeds must match them.
    func testEmbeddedSQLMatchesSourceFiles() throws {
        let root = TestSupport.repoRoot
        for m in EmbeddedSQL.migrations {
            let file = root.appendingPathComponent(String(format: "migrations/%04d_%@.sql", m.version, m.name))
            XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), m.sql + "\n", "the EmbedSQLPlugin output is stale")
        }
        for v in EmbeddedSQL.views {
            XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("sql/\(v.file)"), encoding: .utf8), v.sql + "\n",
                           "the EmbedSQLPlugin output is stale")
        }
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("migrations").path).filter { $0.hasSuffix(".sql") }
        XCTAssertEqual(onDisk.count, EmbeddedSQL.migrations.count, "the EmbedSQLPlugin output is stale")
    }

    func testIngestFixtureStoresEverything() throws {
        let store = try Store(path: TestSupport.tempDir().appendingPathComponent("x.db").path)
        let o = try Ingest.ingest(directory: TestSupport.fixtureRun, into: store)
        XCTAssertEqual(o.kind, .stored)
        XCTAssertEqual(o.packages, 6)
        XCTAssertEqual(o.iterations, 48)
        let db = store.db
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM iteration").intValue, 48)
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM test_duration").intValue, o.testRows)
        XCTAssertGreaterThan(o.testRows, 1000)
        // itsdangerous's suite fakes the clock (freezegun): 864 of its durations are longer than their
        // iteration (up to ~1.8e9 s); they are dropped and counted (numbers checked with a Python scan).
        XCTAssertEqual(o.rejectedTestDurations, 864)
        XCTAssertEqual(o.testRows + o.rejectedTestDurations, 3357)
        XCTAssertEqual(try db.scalar("SELECT SUM(per_test_rejected) FROM v_iterations WHERE package = 'itsdangerous'").intValue, 864)
        // Conditions in key order, first is the baseline.
        XCTAssertEqual(try db.query("SELECT name FROM condition ORDER BY position").map { $0[0].stringValue! }, ["py312", "py313"])
        let run = try XCTUnwrap(try RunQueries.load(benchID: "bench_20261127_221025", db: db))
        XCTAssertEqual(run.name, "py312-vs-py313-run1")
        XCTAssertEqual(run.conditions.first?.profile?.version, "3.12.1")
        XCTAssertEqual(run.system?.cpuModel, "AMD EPYC")
        XCTAssertEqual(run.iterations, 3)
        XCTAssertEqual(run.alternate, true)
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM run_cli_arg").intValue, 22)
        // Alternating order: iteration i of each condition ran in round i.
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM iteration WHERE round = idx").intValue, 48)
        // Ingesting again changes nothing and says so.
        let before = try TestSupport.rowCounts(db)
        XCTAssertEqual(try Ingest.ingest(directory: TestSupport.fixtureRun, into: store).kind, .alreadyStored)
        XCTAssertEqual(try TestSupport.rowCounts(db), before)
        // --replace overwrites, ending with the same rows.
        XCTAssertEqual(try Ingest.ingest(directory: TestSupport.fixtureRun, into: store, replace: true).kind, .replaced)
        XCTAssertEqual(try TestSupport.rowCounts(db), before)
    }

    /// Every statistic of v_condition_stats against numpy (Tests/.../References/FixtureReference.swift,
    /// generated by scripts/reference/fixture_reference.py).
    func testConditionStatsViewMatchesNumpy() throws {
        let store = try Store(path: TestSupport.tempDir().appendingPathComponent("x.db").path)
        try Ingest.ingest(directory: TestSupport.fixtureRun, into: store)
        var checked = 0
        for metric in ["wall", "user", "sys", "cpu", "rss"] {
          // The CLI reads v_condition_stats; v_wall_stats is the same rows for metric = 'wall'.
          for source in [RunQueries.conditionStats, metric == "wall" ? Self.wallStats : RunQueries.conditionStats] {
            let rows = try source(store.db, "bench_20261127_221025", metric)
            XCTAssertEqual(rows.count, 12)
            for r in rows {
                let ref = try XCTUnwrap(FixtureReference.conditionStats.first {
                    $0.package == r.package && $0.condition == r.condition && $0.metric == metric })
                let tag = "\(r.package)/\(r.condition)/\(metric)"
                XCTAssertEqual(r.n, ref.n, tag)
                XCTAssertEqual(r.nExcluded, ref.nExcluded, tag)
                XCTAssertClose(r.mean, ref.mean, rel: 1e-12, tag)
                XCTAssertClose(r.median, ref.median, rel: 1e-12, tag)
                XCTAssertClose(r.stdev, ref.stdev, rel: 1e-9, tag)
                XCTAssertClose(r.min, ref.min, rel: 1e-12, tag)
                XCTAssertClose(r.max, ref.max, rel: 1e-12, tag)
                XCTAssertClose(r.q1, ref.q1, rel: 1e-12, tag)
                XCTAssertClose(r.q3, ref.q3, rel: 1e-12, tag)
                XCTAssertClose(r.iqr, ref.iqr, rel: 1e-9, abs: 1e-12, tag)
                XCTAssertClose(r.cv, ref.cv, rel: 1e-9, tag)
                checked += 1
            }
          }
        }
        XCTAssertEqual(checked, 2 * FixtureReference.conditionStats.count)
    }

    /// The rows of v_wall_stats, read like RunQueries.conditionStats reads v_condition_stats.
    static func wallStats(_ db: Database, _ benchID: String, _ metric: String) throws -> [ConditionStatRow] {
        try db.query("""
            SELECT package, condition, n, n_excluded, mean, median, stdev, min, max, q1, q3, iqr, cv
            FROM v_wall_stats WHERE bench_id = ? ORDER BY package_position, condition_position
            """, [benchID]).map {
            ConditionStatRow(package: $0[0].stringValue!, condition: $0[1].stringValue!, metric: "wall", n: $0[2].intValue!,
                             nExcluded: $0[3].intValue!, mean: $0[4].doubleValue, median: $0[5].doubleValue,
                             stdev: $0[6].doubleValue, min: $0[7].doubleValue, max: $0[8].doubleValue, q1: $0[9].doubleValue,
                             q3: $0[10].doubleValue, iqr: $0[11].doubleValue, cv: $0[12].doubleValue)
        }
    }

    func testTestStatsViewMatchesNumpy() throws {
        let store = try Store(path: TestSupport.tempDir().appendingPathComponent("x.db").path)
        try Ingest.ingest(directory: TestSupport.fixtureRun, into: store)
        for ref in FixtureReference.testStats {
            let row = try XCTUnwrap(store.db.query("""
                SELECT n, mean, median FROM v_test_stats WHERE bench_id = ? AND package = ? AND condition = ? AND test_id = ? AND phase = ?
                """, ["bench_20261127_221025", ref.package, ref.condition, ref.testID, ref.phase]).first, ref.testID)
            XCTAssertEqual(row[0].intValue, ref.n)
            XCTAssertClose(row[1].doubleValue, ref.mean, rel: 1e-12)
            XCTAssertClose(row[2].doubleValue, ref.median, rel: 1e-12)
            let cli = try XCTUnwrap(RunQueries.testStats(db: store.db, benchID: "bench_20261127_221025", package: ref.package,
                                                         condition: ref.condition).first { $0.testID == ref.testID && $0.phase == ref.phase })
            XCTAssertEqual(cli.n, ref.n)
            XCTAssertClose(cli.mean, ref.mean, rel: 1e-12)
            XCTAssertClose(cli.median, ref.median, rel: 1e-12)
        }
    }

    /// The varying-n quartile formulas of the view (n = 1…9, with failures excluded) against the Swift
    /// implementation, whose own quartiles are pinned to numpy by StatisticsTests.
    func testQuartilesForEveryResidueOfN() throws {
        let store = try Store(path: ":memory:")
        var meta = RunMeta(benchID: "bench_q")
        meta.conditions = [ConditionDefinition(name: "a")]
        let writer = try RunWriter(db: store.db, meta: meta, origin: "measured", sourceDir: nil)
        var rng = SplitMix64(seed: 7)
        var expected: [String: [Double]] = [:]
        for n in 1...9 {
            var p = PackageResultRecord(package: "p\(n)")
            var c = ConditionResultRecord(conditionName: "a")
            var values: [Double] = []
            for i in 0..<(n + 1) {
                let v = 1 + Double(rng.next() % 1000) / 100
                let failed = i == n  // one failed iteration per package: excluded
                var it = IterationRecord(index: i + 1, warmup: false, wallTimeS: v, userTimeS: v / 2, sysTimeS: v / 10,
                                         peakRSSMB: 50, exitCode: failed ? 1 : 0, status: failed ? "fail" : "ok")
                it.round = i + 1
                c.iterations.append(it)
                if !failed { values.append(v) }
            }
            p.conditions = [c]
            try writer.insertPackage(p)
            expected["p\(n)"] = values
        }
        let rows = try RunQueries.conditionStats(db: store.db, benchID: "bench_q", metric: "wall")
        XCTAssertEqual(rows.count, 9)
        for r in rows {
            let d = DescriptiveStats(expected[r.package]!)
            XCTAssertEqual(r.n, d.n)
            XCTAssertEqual(r.nExcluded, 1)
            XCTAssertClose(r.median, d.median, rel: 1e-12, r.package)
            XCTAssertClose(r.q1, d.q1, rel: 1e-12, r.package)
            XCTAssertClose(r.q3, d.q3, rel: 1e-12, r.package)
            XCTAssertClose(r.stdev, d.stdev, rel: 1e-9, abs: 1e-12, r.package)
        }
    }

    /// The stock sqlite3 shell gives the same numbers as the CLI's queries.
    func testSqliteShellGivesSameNumbers() throws {
        guard let sqlite3 = TestSupport.which("sqlite3") else { throw XCTSkip("sqlite3 shell not installed") }
        let path = TestSupport.tempDir().appendingPathComponent("x.db").path
        let store = try Store(path: path)
        try Ingest.ingest(directory: TestSupport.fixtureRun, into: store)
        let r = try TestSupport.run(sqlite3, ["-csv", path, """
            SELECT package, condition, n, printf('%.12g', median), printf('%.12g', q1), printf('%.12g', q3), printf('%.12g', cv)
            FROM v_condition_stats WHERE metric = 'wall' ORDER BY package, condition;
            """])
        XCTAssertEqual(r.code, 0, r.stderr)
        let lines = r.stdout.split(whereSeparator: \.isNewline)
        XCTAssertEqual(lines.count, 12)
        let rows = try RunQueries.conditionStats(db: store.db, benchID: "bench_20261127_221025", metric: "wall")
            .sorted { ($0.package, $0.condition) < ($1.package, $1.condition) }
        for (line, row) in zip(lines, rows) {
            let f = line.split(separator: ",").map(String.init)
            XCTAssertEqual(f[0], row.package)
            XCTAssertEqual(f[1], row.condition)
            XCTAssertEqual(Int(f[2]), row.n)
            XCTAssertEqual(f[3], String(format: "%.12g", row.median!))
            XCTAssertEqual(f[4], String(format: "%.12g", row.q1!))
            XCTAssertEqual(f[5], String(format: "%.12g", row.q3!))
            XCTAssertEqual(f[6], String(format: "%.12g", row.cv!))
        }
    }

    func testAcceptsInfinityNaNUnknownAndMissingOptionalFields() throws {
        let dir = TestSupport.tempDir()
        let run = dir.appendingPathComponent("r")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try #"{"bench_id": "bench_x", "future_key": [1, 2], "conditions": {"zeta": {"name": "zeta"}, "alpha": {"name": "alpha", "env": {"N": 1}}}}"#
            .write(to: run.appendingPathComponent("bench_meta.json"), atomically: true, encoding: .utf8)
        let line = #"{"package": "p", "conditions": {"zeta": {"condition_name": "zeta", "iterations": [{"index": 1, "warmup": false, "wall_time_s": 1.5, "user_time_s": 1.0, "sys_time_s": 0.0, "peak_rss_mb": 10.0, "exit_code": 0, "status": "ok", "new_field": {"x": NaN}}], "sys_time_stats": {"n": 1, "cv": Infinity, "mean": -Infinity}}}}"#
        try (line + "\n\n").write(to: run.appendingPathComponent("bench_results.jsonl"), atomically: true, encoding: .utf8)
        let store = try Store(path: dir.appendingPathComponent("x.db").path)
        let o = try Ingest.ingest(directory: run.path, into: store)
        XCTAssertEqual(o.packages, 1)
        XCTAssertEqual(try store.db.query("SELECT name FROM condition ORDER BY position").map { $0[0].stringValue! }, ["zeta", "alpha"])
        XCTAssertEqual(try store.db.scalar("SELECT value FROM condition_env").stringValue, "1")
    }

    func testMalformedInputIsRejectedWholeWithFileAndLine() throws {
        let dir = TestSupport.tempDir()
        let store = try Store(path: dir.appendingPathComponent("x.db").path)
        let before = try TestSupport.rowCounts(store.db)
        let lines = try String(contentsOfFile: TestSupport.fixtureRun + "/bench_results.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)

        func attempt(_ name: String, _ damage: ([String]) -> [String], expect: String) throws {
            let run = try TestSupport.copyFixture(to: dir.appendingPathComponent(name))
            let damaged = damage(lines)
            try (damaged.joined(separator: "\n") + "\n").write(toFile: run.path + "/bench_results.jsonl", atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Ingest.ingest(directory: run.path, into: store), name) { error in
                XCTAssertTrue("\(error)".contains(expect), "\(name): \(error)")
                XCTAssertFalse("\(error)".contains("\n"), "one line")
            }
            XCTAssertEqual(try TestSupport.rowCounts(store.db), before, name)
        }
        // A truncated last line (the run was killed mid-write).
        try attempt("truncated", { l in Array(l.dropLast()) + [String(l.last!.prefix(200))] },
                    expect: "bench_results.jsonl:6: invalid JSON")
        // A wrong type deep inside.
        try attempt("wrongtype", { l in
            var l = l
            l[2] = l[2].replacingOccurrences(of: "\"wall_time_s\": ", with: "\"wall_time_s\": \"fast\", \"x\": ")
            return l
        }, expect: "bench_results.jsonl:3: field 'conditions.py312.iterations[0].wall_time_s': expected a number, got string")
        // A missing required field.
        try attempt("missing", { l in
            var l = l
            l[1] = l[1].replacingOccurrences(of: "\"status\": \"ok\", ", with: "")
            return l
        }, expect: "bench_results.jsonl:2: missing required field")
        // Not an object.
        try attempt("array", { l in l + ["[1, 2]"] }, expect: "bench_results.jsonl:7: value: expected an object, got array")
    }

    func testMissingMetaAndBadMetaAreReported() throws {
        let dir = TestSupport.tempDir()
        let store = try Store(path: dir.appendingPathComponent("x.db").path)
        XCTAssertThrowsError(try Ingest.ingest(directory: dir.path, into: store)) {
            XCTAssertEqual("\($0)", "No bench_meta.json in \(dir.path)")
        }
        try "{\"name\": \"x\"}".write(to: dir.appendingPathComponent("bench_meta.json"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Ingest.ingest(directory: dir.path, into: store)) {
            XCTAssertTrue("\($0)".hasSuffix("bench_meta.json:1: missing required field 'bench_id'"), "\($0)")
        }
        XCTAssertThrowsError(try RunQueries.resolve("bench_nope", store: store)) {
            XCTAssertTrue("\($0)".contains("unknown run 'bench_nope'"), "\($0)")
        }
    }

    func testTwoConnectionsShareOneDatabase() throws {
        let path = TestSupport.tempDir().appendingPathComponent("x.db").path
        let a = try Store(path: path), b = try Store(path: path)
        try Ingest.ingest(directory: TestSupport.fixtureRun, into: a)
        // The second connection sees the committed run while the first holds a read transaction.
        try a.db.execute("BEGIN")
        _ = try a.db.scalar("SELECT COUNT(*) FROM run")
        XCTAssertEqual(try b.db.scalar("SELECT COUNT(*) FROM run").intValue, 1)
        try b.db.run("UPDATE run SET description = 'x'")
        try a.db.execute("COMMIT")
    }
}
