import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// End-to-end tests of the real `labeille` binary.
final class CLITests: TemporaryFolderTestCase {
    override class var databaseName: String { "l.db" }

    func testIngestShowCompareExportOnTheFixture() throws {
        var r = try TestSupport.labeille(["bench", "ingest", "--db", db, TestSupport.fixtureRun])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("bench_20261127_221025: stored 6 packages, 48 iterations"), r.stdout)
        r = try TestSupport.labeille(["bench", "ingest", "--db", db, TestSupport.fixtureRun])
        XCTAssertEqual(r.code, 0)
        XCTAssertTrue(r.stdout.contains("already stored; nothing changed"), r.stdout)

        r = try TestSupport.labeille(["bench", "show", "--db", db, "bench_20261127_221025"])
        XCTAssertEqual(r.code, 0, r.stderr)
        for needle in ["System Profile", "AMD EPYC", "Condition 'py312' (baseline)", "Measurement Quality", "click", "23.44"] {
            XCTAssertTrue(r.stdout.contains(needle), needle)
        }
        r = try TestSupport.labeille(["bench", "show", "--db", db, "--anomalies", "--per-test", "six", TestSupport.fixtureRun])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Anomaly Report"))
        XCTAssertTrue(r.stdout.contains("[WARNING] click/py312: Wall time CV is 15.3%"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Per-Test Timing Summary"))

        // The JSON contract; welch_p equals scipy's (FixtureReference).
        r = try TestSupport.labeille(["bench", "compare", "--db", db, "bench_20261127_221025", "--format", "json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let json = try JSONParser.parse(r.stdout)
        guard case .array(let comps)? = json["comparisons"] else { return XCTFail("no comparisons") }
        XCTAssertEqual(comps.count, 6)
        for key in ["package", "baseline", "treatment", "metric", "n_baseline", "n_treatment", "median_baseline",
                    "median_treatment", "overhead_pct", "ratio", "ratio_ci_low", "ratio_ci_high", "welch_t", "welch_df",
                    "welch_p", "q_value", "verdict", "method"] {
            XCTAssertNotNil(comps[0][key], key)
        }
        for ref in FixtureReference.welch {
            let c = try XCTUnwrap(comps.first { $0["package"] == .string(ref.package) })
            guard case .number(let p)? = c["welch_p"] else { return XCTFail("welch_p") }
            XCTAssertEqual(p, ref.p, accuracy: 1e-9)
        }
        for key in ["geomean_ratio", "geomean_ci_low", "geomean_ci_high", "slower", "faster", "equivalent", "inconclusive"] {
            XCTAssertNotNil(json["summary"]?[key], key)
        }
        // --metric really changes the metric.
        r = try TestSupport.labeille(["bench", "compare", "--db", db, "bench_20261127_221025", "--format", "json", "--metric", "cpu"])
        let cpu = try JSONParser.parse(r.stdout)
        XCTAssertEqual(cpu["comparisons"].flatMap { if case .array(let a) = $0 { return a.first?["metric"] } else { return nil } }, .string("cpu"))
        XCTAssertNotEqual(cpu["summary"]?["geomean_ratio"], json["summary"]?["geomean_ratio"])

        r = try TestSupport.labeille(["bench", "export", "--db", db, "bench_20261127_221025", "--format", "csv"])
        XCTAssertEqual(r.code, 0)
        // Same rows and values as the Python tool's export of this run (fixture bench_export_csv.txt).
        let original = try String(contentsOf: TestSupport.repoRoot.appendingPathComponent("examples/bench_export_csv.txt"), encoding: .utf8)
        XCTAssertEqual(r.stdout.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .newlines),
                       original.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .newlines))

        let out = dir.appendingPathComponent("s.csv").path
        r = try TestSupport.labeille(["bench", "export", "--db", db, "bench_20261127_221025", "--format", "csv-summary", "-o", out])
        XCTAssertEqual(r.code, 0)
        XCTAssertTrue(try String(contentsOfFile: out, encoding: .utf8).hasPrefix("package,condition,n,wall_mean_s"))
        r = try TestSupport.labeille(["bench", "export", "--db", db, "bench_20261127_221025", "--format", "markdown"])
        XCTAssertTrue(r.stdout.contains("| Package | py312 (s) | py313 (s) | Overhead | 95% CI | Sig. |"), r.stdout)
    }

    /// Every option with a closed set of values refuses a bad one the same way: one line naming the option and
    /// listing the values, exit 2, before any database is opened or created.
    func testEveryEnumeratedOptionRefusesABadValueTheSameWay() throws {
        let cases: [(args: [String], option: String, values: String)] = [
            (["compare", "bench_x", "--metric", "bad"], "--metric <metric>", "'wall', 'cpu', 'rss' or 'instructions'"),
            (["compare", "bench_x", "--format", "bad"], "--format <format>", "'table', 'markdown' or 'json'"),
            (["compare", "bench_x", "--fail-on", "bad"], "--fail-on <verdict>",
             "'slower', 'faster', 'equivalent', 'inconclusive' or 'unresolved'"),
            (["export", "bench_x", "--format", "bad"], "--format <format>", "'csv', 'csv-summary' or 'markdown'"),
            (["report", "bench_x", "-o", "x.html", "--metric", "bad"], "--metric <metric>", "'wall', 'cpu', 'rss' or 'instructions'"),
            (["track", "trend", "s", "--format", "bad"], "--format <format>", "'table', 'markdown', 'csv' or 'json'"),
            (["track", "trend", "s", "--metric", "bad"], "--metric <metric>", "'wall', 'cpu', 'rss' or 'instructions'"),
            (["track", "alert", "s", "--format", "bad"], "--format <format>", "'table', 'markdown' or 'json'"),
            (["track", "alert", "s", "--metric", "bad"], "--metric <metric>", "'wall', 'cpu', 'rss' or 'instructions'"),
            (["run", "--installer", "bad"], "--installer <installer>", "'auto', 'uv' or 'pip'"),
            (["run", "--instructions", "bad"], "--instructions <auto|perf|valgrind>", "'auto', 'perf' or 'valgrind'"),
        ]
        for c in cases {
            let args = ["bench"] + c.args + ["--db", db]
            let r = try TestSupport.labeille(args, cwd: dir.path)
            XCTAssertEqual(r.code, 2, "\(args)")
            XCTAssertEqual(r.stderr, "error: The value 'bad' is invalid for '\(c.option)'. Please provide one of \(c.values). (see --help)\n",
                           "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: db), "\(args) created the database")
        }
        // Method names are case-insensitive, as in a profile.
        let upper = try TestSupport.labeille(["bench", "run", "--db", db, "--installer", "PIP", "--instructions", "PERF",
                                              "--registry-dir", dir.appendingPathComponent("none").path], cwd: dir.path)
        XCTAssertFalse(upper.stderr.contains("is invalid for"), upper.stderr)
    }

    func testErrorsAreOneLineWithExitCode2AndChangeNothing() throws {
        XCTAssertEqual(try TestSupport.labeille(["bench", "ingest", "--db", db, TestSupport.fixtureRun]).code, 0)
        let store = try Store(path: db)
        let before = try TestSupport.rowCounts(store.db)
        func check(_ args: [String], _ needle: String, code: Int32 = 2) throws {
            let r = try TestSupport.labeille(args)
            XCTAssertEqual(r.code, code, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(needle), "\(args): \(r.stderr)")
            XCTAssertEqual(try TestSupport.rowCounts(store.db), before, "\(args)")
        }
        try check(["bench", "show", "--db", db, "bench_nope"], "unknown run 'bench_nope'")
        try check(["bench", "ingest", "--db", db, dir.path], "No bench_meta.json in")
        try check(["bench", "compare", "--db", db, "bench_20261127_221025", "--metric", "bogus"], "The value 'bogus' is invalid for '--metric <metric>'. Please provide one of 'wall', 'cpu', 'rss' or 'instructions'.")
        try check(["bench", "compare", "--db", db, "bench_20261127_221025", "--baseline", "nope"], "baseline 'nope' not found")
        try check(["bench", "export", "--db", db, "bench_20261127_221025", "--format", "xml"], "The value 'xml' is invalid for '--format <format>'. Please provide one of 'csv', 'csv-summary' or 'markdown'.")
        try check(["bench", "export", "--db", db, "bench_20261127_221025", "-o", "/nonexistent/dir/x.csv"], "cannot write /nonexistent/dir/x.csv")
        try check(["bench", "show", "--db", "/proc/labeille/x.db", "bench_20261127_221025"], "no database at /proc/labeille/x.db")
        try check(["bench", "ingest", "--db", "/proc/labeille/x.db", TestSupport.fixtureRun], "cannot create the database folder /proc/labeille")
        let bad = try TestSupport.copyFixture(to: dir.appendingPathComponent("bad"))
        try "{\"bench_id\": \"bench_bad\"}\n".write(toFile: bad.path + "/bench_meta.json", atomically: true, encoding: .utf8)
        try "{\"package\": \"p\", \"conditions\": {\"a\": {\"condition_name\": \"a\", \"iterations\": [{\"index\": 1}]}}}\n"
            .write(toFile: bad.path + "/bench_results.jsonl", atomically: true, encoding: .utf8)
        try check(["bench", "ingest", "--db", db, bad.path], "bench_results.jsonl:1: missing required field 'conditions.a.iterations[0].warmup'")
        // The environment variable names the database.
        let r = try TestSupport.labeille(["bench", "show", "--list"], environment: ["LABEILLE_BENCH_DB": db, "PATH": "/usr/bin:/bin"])
        XCTAssertTrue(r.stdout.contains("bench_20261127_221025"), r.stdout + r.stderr)
    }

    func testCompareFailOnSlowerGatesCI() throws {
        let store = try Store(path: db)
        var meta = RunMeta(benchID: "bench_gate")
        meta.conditions = [ConditionDefinition(name: "base"), ConditionDefinition(name: "slow")]
        let w = try RunWriter(db: store.db, meta: meta, origin: "measured", sourceDir: nil)
        var rng = SplitMix64(seed: 3)
        for p in 0..<5 {
            var rec = PackageResultRecord(package: "pkg\(p)")
            for (name, factor) in [("base", 1.0), ("slow", p == 0 ? 1.10 : 1.0)] {
                var c = ConditionResultRecord(conditionName: name)
                for i in 1...7 {
                    let v = 2.0 * factor * exp(0.003 * rng.normal())
                    c.iterations.append(IterationRecord(index: i, warmup: false, wallTimeS: v, userTimeS: v, sysTimeS: 0.1,
                                                        peakRSSMB: 20, exitCode: 0, status: "ok"))
                }
                rec.conditions.append(c)
            }
            try w.insertPackage(rec)
        }
        var r = try TestSupport.labeille(["bench", "compare", "--db", db, "bench_gate", "--fail-on", "slower"])
        XCTAssertEqual(r.code, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("pkg0"), r.stderr)
        r = try TestSupport.labeille(["bench", "compare", "--db", db, "bench_gate", "--fail-on", "faster"])
        XCTAssertEqual(r.code, 0, r.stderr)
    }

    /// Names with commas, quotes and newlines survive CSV export into Python's csv, pandas and R.
    func testCSVQuotingLoadsInPythonPandasAndR() throws {
        let store = try Store(path: db)
        var meta = RunMeta(benchID: "bench_csv")
        let names = ["plain", "with,comma", "with \"quotes\"", "multi\nline"]
        meta.conditions = [ConditionDefinition(name: "c,1")]
        let w = try RunWriter(db: store.db, meta: meta, origin: "measured", sourceDir: nil)
        for n in names {
            var rec = PackageResultRecord(package: n)
            var c = ConditionResultRecord(conditionName: "c,1")
            for i in 1...3 {
                c.iterations.append(IterationRecord(index: i, warmup: false, wallTimeS: Double(i), userTimeS: 1, sysTimeS: 0.5,
                                                    peakRSSMB: 10, exitCode: 0, status: "ok"))
            }
            rec.conditions = [c]
            try w.insertPackage(rec)
        }
        let csv = dir.appendingPathComponent("it.csv").path
        XCTAssertEqual(try TestSupport.labeille(["bench", "export", "--db", db, "bench_csv", "-o", csv]).code, 0)
        let script = """
            import csv, json, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline='')))
            print(len(rows), sorted(set(r['package'] for r in rows)) == sorted(json.load(open(sys.argv[2]))), rows[0]['condition'])
            try:
                import pandas
                df = pandas.read_csv(sys.argv[1])
                print('pandas', len(df), df['wall_time_s'].sum(), sorted(df['package'].unique()) == sorted(set(r['package'] for r in rows)))
            except ImportError:
                print('pandas missing')
            """
        let namesFile = dir.appendingPathComponent("names.json").path
        try JSONWriter.compact(.array(names.map { .string($0) })).write(toFile: namesFile, atomically: true, encoding: .utf8)
        let py = try TestSupport.run(TestSupport.which("python3")!, ["-c", script, csv, namesFile])
        XCTAssertEqual(py.code, 0, py.stderr)
        let lines = py.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "12 True c,1", py.stdout)
        if ProcessInfo.processInfo.environment["CI"] != nil || !py.stdout.contains("pandas missing") {
            XCTAssertEqual(lines.dropFirst().first, "pandas 12 24.0 True", py.stdout)
        }
        if let rscript = TestSupport.which("Rscript") {
            let r = try TestSupport.run(rscript, ["-e", "d <- read.csv('\(csv)'); cat(nrow(d), sum(d$wall_time_s), length(unique(d$package)), '\\n')"])
            XCTAssertEqual(r.code, 0, r.stderr)
            XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "12 24 4")
        } else if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail("Rscript missing in CI (.ci/run installs r-base-core)")
        }
    }

    func testCrossRunCompareLabelsRunsByBenchID() throws {
        // Two runs with the same name must not collapse into one (the original compared a run with itself).
        let store = try Store(path: db)
        var rng = SplitMix64(seed: 11)
        for (id, factor) in [("bench_a", 1.0), ("bench_b", 1.2)] {
            var meta = RunMeta(benchID: id)
            meta.name = "nightly"
            meta.conditions = [ConditionDefinition(name: "jit")]
            let w = try RunWriter(db: store.db, meta: meta, origin: "measured", sourceDir: nil)
            for p in 0..<3 {
                var rec = PackageResultRecord(package: "p\(p)")
                var c = ConditionResultRecord(conditionName: "jit")
                for i in 1...5 {
                    let v = factor * exp(0.002 * rng.normal())
                    c.iterations.append(IterationRecord(index: i, warmup: false, wallTimeS: v, userTimeS: v, sysTimeS: 0,
                                                        peakRSSMB: 10, exitCode: 0, status: "ok"))
                }
                rec.conditions = [c]
                try w.insertPackage(rec)
            }
        }
        let r = try TestSupport.labeille(["bench", "compare", "--db", db, "bench_a", "bench_b", "--format", "json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let json = try JSONParser.parse(r.stdout)
        XCTAssertEqual(json["summary"]?["baseline"], .string("bench_a/jit"))
        XCTAssertEqual(json["summary"]?["treatment"], .string("bench_b/jit"))
        XCTAssertEqual(json["summary"]?["slower"], .integer(3))
    }
}
