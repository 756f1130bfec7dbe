import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// The workload of every iteration: what the install built stays, each iteration's test outcomes are
/// recorded, and comparisons of different workloads are flagged. Real git repositories, venvs, installs
/// and test runners.
final class WorkloadRunTests: TemporaryFolderTestCase {

    /// The install writes a file git ignores (like a C extension built in place); one test needs it and
    /// skips without it. Another test dirties the tree (a tracked file and a new file), which must be
    /// undone. A third skips when the condition sets SKIP_ONE.
    static let builtSuite = """
        import os, unittest
        HERE = os.path.dirname(__file__)
        class T(unittest.TestCase):
            @unittest.skipUnless(os.path.exists(os.path.join(HERE, "_built.txt")), "extension not built")
            def test_needs_the_build(self):
                pass
            def test_dirties_the_tree(self):
                data = os.path.join(HERE, "data.txt")
                self.assertEqual(open(data).read(), "pristine")
                open(data, "w").write("changed")
                self.assertFalse(os.path.exists(os.path.join(HERE, "leftover.txt")))
                open(os.path.join(HERE, "leftover.txt"), "w").write("x")
            @unittest.skipIf(os.environ.get("SKIP_ONE") == "1", "condition skips it")
            def test_sometimes(self):
                pass
        """

    static let build = "open('tests/_built.txt', 'w').write('built')\n"

    /// Real installs and real test runs; the venvs are links to the interpreter (creating two with pip, which
    /// the install command needs, took most of a minute and is not what is checked here).
    func testInstallArtefactsStayAndASkippingConditionIsFlagged() throws {
        let reg = try ExampleRegistry.create(at: dir.path, packages: [
            .init(name: "built", downloads: 1, files: ["tests/test_built.py": Self.builtSuite, "tests/data.txt": "pristine",
                                                       ".gitignore": "tests/_built.txt\n", "build.py": Self.build]),
        ]).registryDir
        let runner = try inProcessRunner(registry: reg, conditions: [
            "a:target_python=python3,install_command=python build.py",
            "b:target_python=python3,install_command=python build.py,env.SKIP_ONE=1",
        ], executor: ScriptedExecutor(script: nil)) { $0.iterations = 3; $0.warmup = 1 }
        XCTAssertEqual(try runner.run().packagesCompleted, 1)
        let store = try Store(path: db)
        let id = try XCTUnwrap(store.db.scalar("SELECT bench_id FROM run").stringValue)

        // Warm-up and every measured iteration ran the same tests: the build output was kept, and the
        // tracked file and the new file the tests wrote were undone before each iteration.
        let rows = try store.db.query("""
            SELECT condition, iteration, status, tests_passed, tests_failed, tests_skipped, tests_errors FROM v_iterations
            WHERE bench_id = ? ORDER BY condition, iteration
            """, [id])
        XCTAssertEqual(rows.count, 8)
        for row in rows {
            let skipsOne = row[0].stringValue == "b"
            XCTAssertEqual(row[2].stringValue, "ok", "\(row)")
            XCTAssertEqual(row[3].intValue, skipsOne ? 2 : 3, "iteration \(row[1]) of \(row[0]) passed a different number of tests")
            XCTAssertEqual(row[5].intValue, skipsOne ? 1 : 0, "iteration \(row[1]) of \(row[0]) skipped a different number of tests")
            XCTAssertEqual(row[4].intValue, 0)
            XCTAssertEqual(row[6].intValue, 0)
        }

        // Condition b skips a test: the comparison is flagged and left out of the geometric mean.
        let c = try TestSupport.labeille(["bench", "compare", "--db", db, id, "--format", "json"])
        XCTAssertEqual(c.code, 0, c.stderr)
        let doc = try JSONParser.parse(c.stdout)
        guard case .array(let comps)? = doc["comparisons"], let built = comps.first else { return XCTFail(c.stdout) }
        XCTAssertEqual(built["workload_mismatch"], .bool(true))
        XCTAssertEqual(built["workload_changed_baseline"], .bool(false))
        XCTAssertEqual(built["tests_baseline"]?["skipped"], .integer(0))
        XCTAssertEqual(built["tests_treatment"]?["skipped"], .integer(1))
        XCTAssertEqual(built["tests_treatment"]?["passed"], .integer(2))
        XCTAssertEqual(doc["summary"]?["workload_mismatched"], .integer(1))
        XCTAssertEqual(doc["summary"]?["geomean_excluded_mismatched"], .integer(1))
        XCTAssertEqual(doc["summary"]?["geomean_ratio"], .null, "the only package is left out")
        let kept = try TestSupport.labeille(["bench", "compare", "--db", db, id, "--format", "json", "--include-mismatched"])
        XCTAssertEqual(try JSONParser.parse(kept.stdout)["summary"]?["geomean_excluded_mismatched"], .integer(0))

        let table = try TestSupport.labeille(["bench", "compare", "--db", db, id])
        XCTAssertTrue(table.stdout.contains("⚠ built"), table.stdout)
        XCTAssertTrue(table.stdout.contains("left out of the geometric mean"), table.stdout)
        let md = try TestSupport.labeille(["bench", "compare", "--db", db, id, "--format", "markdown"])
        XCTAssertTrue(md.stdout.contains("| ⚠ built |"), md.stdout)
        let show = try TestSupport.labeille(["bench", "show", "--db", db, id, "--anomalies"])
        XCTAssertTrue(show.stdout.contains("built/b: Ran different tests than 'a': 2 ran, 1 skipped vs 3 ran, 0 skipped"), show.stdout)
        XCTAssertFalse(show.stdout.contains("Iterations ran different tests"), "no condition changed workload between iterations: \(show.stdout)")

        // The counts are extra keys of bench_results.jsonl and come back through ingest.
        let results = try XCTUnwrap(store.db.scalar("SELECT source_dir FROM run").stringValue)
        let jsonl = try String(contentsOfFile: results + "/bench_results.jsonl", encoding: .utf8)
        XCTAssertTrue(jsonl.contains("\"tests_skipped\": 1") || jsonl.contains("\"tests_skipped\":1"), jsonl)
        let copy = try Store(path: dir.appendingPathComponent("copy.db").path)
        _ = try Ingest.ingest(directory: results, into: copy)
        let q = "SELECT package, condition, iteration, tests_passed, tests_failed, tests_skipped, tests_errors FROM v_iterations ORDER BY 1, 2, 3"
        XCTAssertEqual(try copy.db.query(q), try store.db.query(q))
    }

    /// A ~3 ms test that writes its own measured time to $OWN_TIMES, and a test with four subtests.
    static let selfTimingSuite = """
        import os, time, unittest
        def spin(seconds):
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                pass
        def test_three_ms():
            t0 = time.perf_counter()
            spin(0.003)
            elapsed = time.perf_counter() - t0
            with open(os.environ["OWN_TIMES"], "a") as f:
                f.write(repr(elapsed) + "\\n")
        class T(unittest.TestCase):
            def test_with_subtests(self):
                for i in range(4):
                    with self.subTest(i=i):
                        spin(0.001)
        """

    /// The test with subtests gives one sample per iteration whose call time includes them, the subtests are counted,
    /// and two conditions that ran the same tests are not flagged as a workload mismatch.
    func checkSubtestsFoldedAndCounted(store: Store, benchID id: String, iterations: Int) throws {
        let rows = try RunQueries.testStats(db: store.db, benchID: id, package: "pt", condition: "a")
        let sub = try XCTUnwrap(rows.first { $0.testID == "tests/test_pt.py::T::test_with_subtests" && $0.phase == "call" }, "\(rows)")
        XCTAssertEqual(sub.n, iterations, "one sample per test per iteration")
        XCTAssertGreaterThanOrEqual(sub.median, 0.004, "the test's own call time includes its subtests")
        let perIteration = try store.db.query("SELECT tests_passed, tests_skipped, tests_subtests, per_test_parsed FROM iteration")
        XCTAssertEqual(perIteration.count, 2 * iterations)
        for row in perIteration {
            XCTAssertEqual(row.map(\.intValue), [2, 0, 4, 1])
        }
        XCTAssertEqual(try store.db.query("SELECT DISTINCT outcome FROM test_duration").map { $0[0].stringValue }, ["passed"])

        // Two conditions that ran the same tests: no mismatch.
        let c = try TestSupport.labeille(["bench", "compare", "--db", db, id, "--format", "json"])
        let doc = try JSONParser.parse(c.stdout)
        guard case .array(let comps)? = doc["comparisons"] else { return XCTFail(c.stdout) }
        XCTAssertEqual(comps.count, 1)
        XCTAssertEqual(comps.first?["workload_mismatch"], .bool(false))
        XCTAssertEqual(comps.first?["tests_baseline"]?["subtests"], .integer(4))
        XCTAssertEqual(doc["summary"]?["geomean_excluded_mismatched"], .integer(0))
    }

    /// A real pytest suite: a ~3 ms test is stored at full resolution, and a test with subtests gives one
    /// sample per iteration (its subtests are counted, not stored as durations).
    func testPytestDurationsAtFullResolutionAndSubtestsFolded() throws {
        let site = try TestSupport.pytestSitePackages()
        // The 3 ms test also measures itself: pytest's call interval encloses the function's, so the stored
        // duration can be checked against it whatever the load of the machine.
        let own = dir.appendingPathComponent("own-times.txt").path
        let reg = try ExampleRegistry.create(at: dir.path, packages: [
            .init(name: "pt", downloads: 1, testCommand: "python -m pytest -q tests", files: ["tests/test_pt.py": Self.selfTimingSuite]),
        ]).registryDir
        let iterations = 5
        let env = "env.PYTHONPATH=\(site),env.OWN_TIMES=\(own)"
        let r = try TestSupport.labeille(["bench", "run", "--db", db, "--registry-dir", reg, "--work-dir", dir.appendingPathComponent("w").path,
                                          "--results-dir", dir.appendingPathComponent("r").path, "--per-test-timing",
                                          "--iterations", String(iterations), "--warmup", "0", "--no-alternate",
                                          "--condition", "a:target_python=python3,\(env)", "--condition", "b:target_python=python3,\(env)"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let store = try Store(path: db)
        let id = try XCTUnwrap(store.db.scalar("SELECT bench_id FROM run").stringValue)
        let stored = try store.db.query("""
            SELECT td.duration_s FROM test_duration td JOIN test_case tc USING (test_case_id) JOIN v_iterations v USING (iteration_id)
            WHERE tc.test_id = 'tests/test_pt.py::test_three_ms' AND td.phase = 'call' AND v.condition = 'a' ORDER BY v.iteration
            """).compactMap { $0[0].doubleValue }
        // Block order: condition a's iterations ran first, so the first lines of the file are theirs.
        let ownTimes = try String(contentsOfFile: own, encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
        XCTAssertEqual(stored.count, iterations)
        XCTAssertEqual(ownTimes.count, 2 * iterations)
        for (s, o) in zip(stored, ownTimes.prefix(iterations)) {
            XCTAssertGreaterThanOrEqual(s, o, "pytest's call phase encloses the function body")
            XCTAssertGreaterThanOrEqual(s, 0.003)
        }
        let median = Statistics.median(stored), ownMedian = Statistics.median(Array(ownTimes.prefix(iterations)))
        print("3 ms test: stored call durations \(stored), median \(median); measured inside the test: median \(ownMedian)")
        XCTAssertEqual(Comparator.timerResolution(stored), 1e-6, "not in pytest's 10 ms or JUnit's 1 ms steps: \(stored)")
        // The stored call is the test's own time plus pytest's bookkeeping around it, not some other interval
        // (the session, the module): bounded by the test's own time from below and well within 50 ms above,
        // however loaded the machine is (a bound in absolute milliseconds failed under load).
        XCTAssertLessThan(median - ownMedian, 0.05, "stored \(median) s against the test's own \(ownMedian) s")
        try checkSubtestsFoldedAndCounted(store: store, benchID: id, iterations: iterations)
    }
}

/// The parsers and rules behind the workload checks, on exact inputs.
final class WorkloadRuleTests: XCTestCase {
    func testUnittestSummaries() {
        XCTAssertEqual(UnittestSummary.parse("....\n-----\nRan 80 tests in 0.120s\n\nOK (skipped=41)\n"),
                       TestCounts(passed: 39, failed: 0, skipped: 41, errors: 0))
        XCTAssertEqual(UnittestSummary.parse("Ran 1 test in 0.001s\n\nOK\n"), TestCounts(passed: 1, failed: 0, skipped: 0, errors: 0))
        XCTAssertEqual(UnittestSummary.parse("Ran 10 tests in 2s\n\nFAILED (failures=2, errors=1, skipped=3, expected failures=1, unexpected successes=1)"),
                       TestCounts(passed: 2, failed: 2, skipped: 3, errors: 1, xfailed: 1, xpassed: 1))
        XCTAssertNil(UnittestSummary.parse("no summary here\nOK\n"))
    }

    func testPytestReportsFoldSubtestsAndPhases() {
        typealias Row = PytestReportPlugin.Row
        let rows = [
            Row(nodeID: "t::a", phase: "setup", outcome: "passed", duration: 0.001, wasXfail: false, subtest: false),
            Row(nodeID: "t::a", phase: "call", outcome: "passed", duration: 0, wasXfail: false, subtest: true),
            Row(nodeID: "t::a", phase: "call", outcome: "failed", duration: 0, wasXfail: false, subtest: true),
            Row(nodeID: "t::a", phase: "call", outcome: "passed", duration: 0.0042, wasXfail: false, subtest: false),
            Row(nodeID: "t::a", phase: "teardown", outcome: "passed", duration: 0.0001, wasXfail: false, subtest: false),
            Row(nodeID: "t::s", phase: "setup", outcome: "skipped", duration: 0.0002, wasXfail: false, subtest: false),
            Row(nodeID: "t::x", phase: "call", outcome: "skipped", duration: 0.0003, wasXfail: true, subtest: false),
            Row(nodeID: "t::e", phase: "call", outcome: "passed", duration: 0.0003, wasXfail: false, subtest: false),
            Row(nodeID: "t::e", phase: "teardown", outcome: "failed", duration: 0.0003, wasXfail: false, subtest: false),
            Row(nodeID: "t::broken.py", phase: "collect", outcome: "failed", duration: 0, wasXfail: false, subtest: false),
        ]
        let r = PytestReportPlugin.fold(rows)
        XCTAssertEqual(r.counts, TestCounts(passed: 0, failed: 1, skipped: 1, errors: 2, xfailed: 1, xpassed: 0, subtests: 2))
        XCTAssertEqual(r.timings.filter { $0.testID == "t::a" }.map(\.phase), ["setup", "call", "teardown"])
        XCTAssertEqual(r.timings.first { $0.testID == "t::a" && $0.phase == "call" }?.durationS, 0.0042)
        XCTAssertEqual(r.timings.first { $0.testID == "t::a" }?.outcome, .failed)
        // The digest names the tests that ran, in any order; a skipped test is not part of it.
        XCTAssertEqual(r.digest, PytestReportPlugin.digest(["t::x", "t::e", "t::a"]))
    }

    func testImpossibleDurationsAreRejectedAndCounted() {
        let t = [TestTiming(testID: "a", phase: "setup", durationS: 1.3e9), TestTiming(testID: "a", phase: "call", durationS: -0.1),
                 TestTiming(testID: "a", phase: "teardown", durationS: .nan), TestTiming(testID: "b", phase: "call", durationS: 0.0004)]
        let p = PerTestValidation.partition(t, wallTimeS: 2.8)
        XCTAssertEqual(p.kept.map(\.testID), ["b"])
        XCTAssertEqual(p.rejected, 3)
    }

    func testDifferencesBelowTheTimerStepAreUnresolved() {
        // pytest's --durations text: every value a multiple of 10 ms.
        let coarse = [0.01, 0.01, 0.01, 0.01, 0.01, 0.01]
        XCTAssertEqual(Comparator.timerResolution(coarse + [0.02]), 0.01)
        XCTAssertEqual(Comparator.timerResolution([0.003127, 0.002981]), 1e-6)
        var comps = [Comparator.compare(package: "t", baseline: "a", treatment: "b", metric: "test-call", a: coarse, b: coarse, threshold: 0.01)]
        Comparator.finalize(&comps, threshold: 0.01)
        XCTAssertEqual(comps[0].verdict, .equivalent, "what the interval alone would say")
        Comparator.markUnresolved(&comps, resolution: 0.01, threshold: 0.01)
        XCTAssertEqual(comps[0].verdict, .unresolved)
        // A 2 s test timed in 10 ms steps resolves a 1% threshold: its verdict stands.
        let long = [2.0, 2.01, 2.0, 1.99, 2.0, 2.01]
        var kept = [Comparator.compare(package: "t", baseline: "a", treatment: "b", metric: "test-call", a: long, b: long, threshold: 0.01)]
        Comparator.finalize(&kept, threshold: 0.01)
        let before = kept[0].verdict
        Comparator.markUnresolved(&kept, resolution: 0.01, threshold: 0.01)
        XCTAssertEqual(kept[0].verdict, before)
    }

    func testWorkloadSignaturesAndVariants() {
        func it(_ i: Int, _ ran: Int, _ skipped: Int, warmup: Bool = false) -> ConditionWorkload.Iteration {
            .init(index: i, warmup: warmup, status: "ok", counts: TestCounts(passed: ran, failed: 0, skipped: skipped, errors: 0),
                  signature: WorkloadSignature(ran: ran, skipped: skipped, digest: nil))
        }
        let w = ConditionWorkload(package: "markupsafe", condition: "a",
                                  iterations: [it(1, 80, 0, warmup: true), it(2, 39, 41), it(3, 39, 41), it(4, 39, 41)], unknown: 0)
        XCTAssertTrue(w.changedWithin)
        XCTAssertEqual(w.variantsText, "iteration 1: 80 ran, 0 skipped; iterations 2–4: 39 ran, 41 skipped")
        XCTAssertEqual(w.typical?.signature.ran, 39)
        XCTAssertFalse(WorkloadSignature(ran: 3, skipped: 0, digest: "x").matches(WorkloadSignature(ran: 3, skipped: 0, digest: "y")))
        XCTAssertTrue(WorkloadSignature(ran: 3, skipped: 0, digest: "x").matches(WorkloadSignature(ran: 3, skipped: 0, digest: nil)))
    }
}

/// Load and environment in `show` and `compare`: the fixture run (measured at load 2–3 on 2 logical
/// CPUs) against a copy measured on another kernel at load 0.5.
final class LoadAndEnvironmentTests: XCTestCase {
    func testHighLoadAndEnvironmentDifferencesAreReported() throws {
        let dir = TestSupport.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("e.db").path
        let quiet = try TestSupport.copyFixture(to: dir.appendingPathComponent("quiet"))
        var meta = try String(contentsOfFile: quiet.path + "/bench_meta.json", encoding: .utf8)
        meta = meta.replacingOccurrences(of: "bench_20261127_221025", with: "bench_20261128_090000")
            .replacingOccurrences(of: "6.18.44-fc-v782", with: "6.19.1-quiet")
        try meta.write(toFile: quiet.path + "/bench_meta.json", atomically: true, encoding: .utf8)
        let lines = try String(contentsOfFile: quiet.path + "/bench_results.jsonl", encoding: .utf8)
        let load = try NSRegularExpression(pattern: #""load_avg_(start|end)": [0-9.]+"#)
        let calm = load.stringByReplacingMatches(in: lines, range: NSRange(lines.startIndex..., in: lines), withTemplate: #""load_avg_$1": 0.5"#)
        try calm.write(toFile: quiet.path + "/bench_results.jsonl", atomically: true, encoding: .utf8)

        let show = try TestSupport.labeille(["bench", "show", "--db", db, TestSupport.fixtureRun])
        XCTAssertEqual(show.code, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("Overall: Unreliable — median load 2.40 above the 2 logical CPUs"), show.stdout)
        let quietShow = try TestSupport.labeille(["bench", "show", "--db", db, quiet.path])
        XCTAssertFalse(quietShow.stdout.contains("Unreliable"), quietShow.stdout)

        let c = try TestSupport.labeille(["bench", "compare", "--db", db, "bench_20261127_221025", "bench_20261128_090000", "--format", "json"])
        XCTAssertEqual(c.code, 0, c.stderr)
        let doc = try JSONParser.parse(c.stdout)
        guard case .array(let diffs)? = doc["environment_differences"], case .array(let loads)? = doc["measurement_load"] else {
            return XCTFail(c.stdout)
        }
        let items = diffs.compactMap { d -> String? in if case .string(let s)? = d["item"] { return s }; return nil }
        XCTAssertTrue(items.contains("Kernel"), "\(items)")
        XCTAssertTrue(items.contains("Median load while measuring"), "\(items)")
        XCTAssertFalse(items.contains("Python"), "same interpreters: \(items)")
        XCTAssertFalse(items.contains("Hostname"), "\(items)")
        XCTAssertEqual(loads.count, 2)
        XCTAssertEqual(loads.first { $0["bench_id"] == .string("bench_20261127_221025") }?["high_load"], .bool(true))
        XCTAssertEqual(loads.first { $0["bench_id"] == .string("bench_20261128_090000") }?["high_load"], .bool(false))

        let table = try TestSupport.labeille(["bench", "compare", "--db", db, "bench_20261127_221025", "bench_20261128_090000"])
        XCTAssertTrue(table.stdout.contains("Environment: same Hostname, CPU, Python, Interpreter, Build flags"), table.stdout)
        XCTAssertTrue(table.stdout.contains("Kernel: bench_20261127_221025 6.18.44-fc-v782; bench_20261128_090000 6.19.1-quiet"), table.stdout)
        XCTAssertTrue(table.stdout.contains("⚠ bench_20261127_221025 was measured at median load 2.40 on 2 logical CPUs"), table.stdout)
        XCTAssertFalse(table.stdout.contains("⚠ bench_20261128_090000 was measured"), table.stdout)
    }

    func testHighCVAdviceNamesTheLoad() {
        let wall = [10.0, 13.0, 9.0, 14.0, 10.5]
        let statuses = Array(repeating: "ok", count: wall.count)
        let loaded = AnomalyDetector.check(package: "p", condition: "c", statuses: statuses, wall: wall, outliers: 0,
                                           load: MeasurementLoad(median: 3.1, maximum: 3.4, logicalCPUs: 2))
        XCTAssertTrue(loaded.first { $0.type == "high_cv" }?.recommendation.contains("median load 3.10 on 2 logical CPUs") == true)
        XCTAssertNotNil(loaded.first { $0.type == "high_load" })
        let idle = AnomalyDetector.check(package: "p", condition: "c", statuses: statuses, wall: wall, outliers: 0,
                                         load: MeasurementLoad(median: 0.4, maximum: 0.6, logicalCPUs: 2))
        XCTAssertFalse(idle.first { $0.type == "high_cv" }?.recommendation.contains("load") ?? true)
        XCTAssertNil(idle.first { $0.type == "high_load" })
    }
}
