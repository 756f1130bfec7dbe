import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// End-to-end runs of `labeille bench run` on tiny git repositories with real unittest suites, real
/// venvs and real processes.
final class RunnerTests: BenchRunTestCase {

    func benchID() throws -> String {
        try XCTUnwrap(try Store(path: db).db.scalar("SELECT bench_id FROM run ORDER BY run_id DESC LIMIT 1").stringValue)
    }

    func testStatusesAndMeasurementsOfRealSuites() throws {
        let reg = try registry([
            // A fixed amount of work (not a wall-clock loop), so its CPU time does not depend on the load.
            .init(name: "cpu", downloads: 5, files: ["tests/test_cpu.py": """
                import unittest
                class T(unittest.TestCase):
                    def test_work(self):
                        x = 0
                        for i in range(6_000_000):
                            x += i
                        self.assertGreater(x, 0)
                """]),
            .init(name: "failing", downloads: 4, files: ["tests/test_fail.py": "import unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n        self.assertEqual(1, 2)\n"]),
            .init(name: "crash", downloads: 3, files: ["tests/test_crash.py": "import os, signal, unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n        os.kill(os.getpid(), signal.SIGSEGV)\n"]),
            .init(name: "hog", downloads: 2, files: ["tests/test_hog.py": "import unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n        b = bytearray(1500 * 1024 * 1024)\n        self.assertTrue(b is not None)\n"]),
        ])
        let r = try TestSupport.labeille(runArgs(reg, ["--condition", "a:target_python=python3", "--condition", "b:target_python=python3",
                                                       "--iterations", "3", "--warmup", "1", "--memory-limit", "600"]))
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Results saved to:"), r.stdout)
        let store = try Store(path: db)
        let id = try benchID()
        func statuses(_ pkg: String) throws -> Set<String> {
            Set(try store.db.query("SELECT DISTINCT status FROM v_iterations WHERE bench_id = ? AND package = ?", [id, pkg]).map { $0[0].stringValue! })
        }
        XCTAssertEqual(try statuses("cpu"), ["ok"])
        XCTAssertEqual(try statuses("failing"), ["fail"])
        XCTAssertEqual(try statuses("crash"), ["error"])
        XCTAssertEqual(try statuses("hog"), ["oom"])
        // The 6 M additions' own CPU time, as python3 measures it in a child of its own (in a function with
        // local variables, as in the test; 0.13–0.3 s on the machines seen, so a fixed 0.15 s bound failed):
        // user time is most of each iteration's, and wall time at least the CPU time. The least of five
        // measurements, as the package's is the least of its iterations (one measurement on a busy machine read
        // 0.246 s where the package's iterations took 0.170 s).
        let loop = try TestSupport.run(TestSupport.which("python3")!, ["-c", """
            import time
            def work():
                x = 0
                for i in range(6_000_000):
                    x += i
                return x
            def measured():
                t = time.process_time()
                work()
                return time.process_time() - t
            print(min(measured() for _ in range(5)))
            """])
        let reference = try XCTUnwrap(Double(loop.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), loop.stderr)
        let cpu = try store.db.query("SELECT MIN(user_s), MIN(wall_s), MAX(peak_rss_mb), MIN(wall_s - user_s - sys_s) FROM v_iterations WHERE bench_id = ? AND package = 'cpu'", [id])[0]
        XCTAssertGreaterThan(reference, 0.05)
        XCTAssertGreaterThan(cpu[0].doubleValue!, 0.7 * reference, "reference \(reference) s")
        XCTAssertGreaterThan(cpu[1].doubleValue!, 0.7 * reference, "reference \(reference) s")
        XCTAssertGreaterThan(cpu[3].doubleValue!, -0.01, "wall time below CPU time for a single-threaded child")
        XCTAssertLessThan(cpu[2].doubleValue!, 200)
        // Every iteration kept: 4 packages × 2 conditions × 4, with rounds counterbalanced (ABBA).
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM v_iterations WHERE bench_id = ?", [id]).intValue, 32)
        let firsts = try store.db.query("""
            SELECT round, condition FROM v_iterations WHERE bench_id = ? AND package = 'cpu' AND round_position = 0 ORDER BY round
            """, [id]).map { $0[1].stringValue! }
        XCTAssertEqual(firsts, ["a", "b", "b", "a"])  // rounds AB, BA, BA, AB
        // Failed iterations are excluded from the statistics and counted.
        let stats = try RunQueries.conditionStats(db: store.db, benchID: id, metric: "wall").first { $0.package == "failing" }!
        XCTAssertEqual(stats.n, 0)
        XCTAssertEqual(stats.nExcluded, 3)
        // The results folder is in the Python tool's format and round-trips through ingest.
        let resultsDir = try XCTUnwrap(store.db.scalar("SELECT source_dir FROM run WHERE bench_id = ?", [id]).stringValue)
        let other = try Store(path: dir.appendingPathComponent("copy.db").path)
        let o = try Ingest.ingest(directory: resultsDir, into: other)
        XCTAssertEqual(o.packages, 4)
        XCTAssertEqual(o.iterations, 32)
        // The file holds times to 6 decimals, so the copy is compared within a microsecond (rounding the
        // stored value again can land on the other side of a half).
        let keys = "SELECT package, condition, iteration, warmup, status, exit_code FROM v_iterations ORDER BY 1, 2, 3"
        XCTAssertEqual(try other.db.query(keys), try store.db.query(keys))
        let measures = "SELECT wall_s, user_s, peak_rss_mb FROM v_iterations ORDER BY package, condition, iteration"
        let (copied, original) = (try other.db.query(measures), try store.db.query(measures))
        XCTAssertEqual(copied.count, original.count)
        for (c, o) in zip(copied, original) {
            for (column, tolerance) in zip(0..<3, [1e-6, 1e-6, 0.05]) {
                switch (c[column].doubleValue, o[column].doubleValue) {
                case let (x?, y?): XCTAssertEqual(x, y, accuracy: tolerance)
                case (nil, nil): break
                case let (x, y): XCTFail("column \(column): \(String(describing: x)) vs \(String(describing: y))")
                }
            }
        }
        let meta = try Ingest.readMeta(directory: resultsDir)
        XCTAssertEqual(meta.conditions.map(\.name), ["a", "b"])
        XCTAssertEqual(meta.pythonProfiles.count, 2)
        XCTAssertEqual(meta.packagesCompleted, 4)
    }

    /// Conditions never share files the tests leave behind (a worktree per condition, cleaned between
    /// iterations), and a second run reuses the clone and the venvs.
    func testTimeoutKillsTheWholeProcessGroup() throws {
        let marker = "61.\(Int.random(in: 100...999))"
        let reg = try registry([
            .init(name: "hang", downloads: 1, files: ["tests/test_hang.py": """
                import subprocess, time, unittest
                class T(unittest.TestCase):
                    def test_x(self):
                        subprocess.Popen(["sleep", "\(marker)"])
                        time.sleep(60)
                """]),
        ])
        let start = Date()
        let r = try TestSupport.labeille(runArgs(reg, ["--condition", "solo:target_python=python3", "--iterations", "3", "--warmup", "0", "--timeout", "2"]))
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        let store = try Store(path: db)
        let rows = try store.db.query("SELECT status, exit_code, wall_s FROM v_iterations WHERE bench_id = ?", [try benchID()])
        XCTAssertEqual(rows.count, 3)
        for row in rows {
            XCTAssertEqual(row[0].stringValue, "timeout")
            XCTAssertEqual(row[1].intValue, -1)
            XCTAssertLessThan(row[2].doubleValue!, 3.5)
        }
        // No process of the killed groups survives (zombies awaiting init do not count).
        var alive: [String] = []
        for _ in 0..<20 {
            alive = []
            for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(pid) != nil {
                guard let cmd = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8), cmd.contains(marker),
                      let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                      !stat.contains(") Z ") else { continue }
                alive.append(pid)
            }
            if alive.isEmpty { break }
            usleep(100_000)
        }
        XCTAssertEqual(alive, [], "grandchildren survived the timeout")
    }

    /// kill -9 in the middle of a run loses at most the iteration in flight; --resume finishes the run.
    func testKillAndResume() throws {
        let reg = try registry([
            .init(name: "slowa", downloads: 2, files: ["tests/test_a.py": ExampleRegistry.cpuSuite(tests: 2, milliseconds: 150, imports: [])]),
            .init(name: "slowb", downloads: 1, files: ["tests/test_b.py": ExampleRegistry.cpuSuite(tests: 2, milliseconds: 150, imports: [])]),
        ])
        let p = try TestSupport.startLabeille(runArgs(reg, ["--condition", "a:target_python=python3", "--condition", "b:target_python=python3",
                                                            "--iterations", "3", "--warmup", "1"]))
        // Wait until a few iterations are committed, then kill -9.
        let stored = TestSupport.waitForIterations(in: db, atLeast: 5, seconds: 60)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertGreaterThanOrEqual(stored, 5)
        let store = try Store(path: db)
        let id = try benchID()
        let before = try store.db.query("SELECT package, condition, iteration, wall_s FROM v_iterations WHERE bench_id = ? ORDER BY 1, 2, 3", [id])
        XCTAssertGreaterThanOrEqual(before.count, stored)
        XCTAssertLessThan(before.count, 16)
        let r = try TestSupport.labeille(["bench", "run", "--db", db, "--resume", id])
        XCTAssertEqual(r.code, 0, r.stderr)
        let after = try store.db.query("SELECT package, condition, iteration, wall_s FROM v_iterations WHERE bench_id = ? ORDER BY 1, 2, 3", [id])
        XCTAssertEqual(after.count, 16)  // 2 packages × 2 conditions × (1 + 3), no duplicates
        for row in before { XCTAssertTrue(after.contains(row), "\(row) changed on resume") }
        // The stored statistics describe the iterations of both processes (the run that was killed and the resume).
        XCTAssertEqual(try MeasuredStatsCheck.assertExact(store.db, "run, kill -9, resume"), 4 * 5)
        let results = try XCTUnwrap(store.db.scalar("SELECT source_dir FROM run WHERE bench_id = ?", [id]).stringValue)
        let lines = try String(contentsOfFile: results + "/bench_results.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
    }

    func testCtrlCStopsCleanlyWithExit130() throws {
        let reg = try registry([
            .init(name: "slow", downloads: 1, files: ["tests/test_s.py": "import time, unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n        time.sleep(2)\n"]),
        ])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestSupport.binary)
        p.arguments = runArgs(reg, ["--condition", "a:target_python=python3", "--iterations", "3", "--warmup", "0"])
        let errFile = dir.appendingPathComponent("err.txt")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: errFile)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let s = try? Store(path: db), let n = try? s.db.scalar("SELECT COUNT(*) FROM iteration").intValue, n >= 1 { break }
            usleep(50_000)
        }
        usleep(300_000)
        let t0 = Date()
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(t0), 5, "the iteration in flight is killed, not waited for")
        XCTAssertEqual(p.terminationStatus, 130)
        let err = try String(contentsOf: errFile, encoding: .utf8)
        XCTAssertTrue(err.contains("Resume with: labeille bench run --resume bench_"), err)
        XCTAssertEqual(try Store(path: db).db.scalar("SELECT COUNT(*) FROM iteration WHERE status <> 'ok'").intValue, 0,
                       "the killed iteration is not recorded as a failure")
    }

    func testBadConditionAndMissingCacheRightsAreRefusedBeforeWork() throws {
        let reg = try registry([.init(name: "x", downloads: 1, files: ["tests/test_x.py": ExampleRegistry.cpuSuite(tests: 1, milliseconds: 1, imports: [])])])
        var r = try TestSupport.labeille(runArgs(reg, ["--condition", "a:target_pyton=python3"]))
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("target_pyton"), r.stderr)
        r = try TestSupport.labeille(runArgs(reg, ["--condition", "a:target_python=python3", "--iterations", "2"]))
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("iterations"), r.stderr)
        if access("/proc/sys/vm/drop_caches", W_OK) != 0 {
            r = try TestSupport.labeille(runArgs(reg, ["--condition", "a:target_python=python3", "--drop-caches"]))
            XCTAssertEqual(r.code, 2)
            XCTAssertTrue(r.stderr.contains("nothing was run"), r.stderr)
            XCTAssertEqual(try Store(path: db).db.scalar("SELECT COUNT(*) FROM run").intValue, 0)
        }
    }

    func testCommandLinesAndSchedulesOrder() throws {
        XCTAssertEqual(TestCommand.argv("python -m pytest -k 'not slow' tests").argv, ["python", "-m", "pytest", "-k", "not slow", "tests"])
        XCTAssertTrue(TestCommand.argv("cd src && python -m pytest").viaShell)
        var c = ConditionDefinition(name: "cov")
        c.testCommandPrefix = "coverage run -m"
        XCTAssertEqual(TestCommand.resolve(registryCommand: "python -m pytest tests/", condition: c, defaultSuffix: nil), "coverage run -m pytest tests/")
        XCTAssertEqual(counterbalancedOrder(conditions: 2, round: 0), [0, 1])
        XCTAssertEqual(counterbalancedOrder(conditions: 2, round: 1), [1, 0])
        XCTAssertEqual(counterbalancedOrder(conditions: 3, round: 2), [1, 2, 0])
    }
}

final class ScheduleTests: XCTestCase {
    func schedule(alternate: Bool?, interleave: Bool) throws -> [ScheduledIteration] {
        var cli = CLIOverrides()
        cli.iterations = 3
        cli.warmup = 1
        cli.alternate = alternate
        cli.interleave = interleave ? true : nil
        cli.registryDir = "/tmp"
        let s = try BenchSettings.resolve(profile: nil, cli: cli, inlineConditions: ["a:target_python=/usr/bin/python3", "b:target_python=/usr/bin/python3"])
        return BenchRunner(settings: s, store: try Store(path: ":memory:"), observer: SilentRunObserver())
            .schedule(packages: 2)
    }

    func testAlternatingBlockAndInterleavedOrders() throws {
        let alt = try schedule(alternate: nil, interleave: false)
        XCTAssertEqual(alt.count, 16)
        XCTAssertEqual(alt.prefix(8).map { "\($0.package)\($0.condition)\($0.index)" }, ["001", "011", "012", "002", "013", "003", "004", "014"])  // AB BA BA AB
        XCTAssertTrue(alt.allSatisfy { $0.round == $0.index })
        XCTAssertEqual(alt.filter(\.warmup).count, 4)

        let block = try schedule(alternate: false, interleave: false)
        XCTAssertEqual(block.prefix(4).map(\.condition), [0, 0, 0, 0])
        XCTAssertEqual(block.prefix(8).map(\.package), [0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertTrue(block.allSatisfy { $0.round == nil })

        let inter = try schedule(alternate: nil, interleave: true)
        XCTAssertEqual(inter.prefix(4).map(\.package), [0, 0, 1, 1])
        XCTAssertEqual(inter.prefix(4).map(\.index), [1, 1, 1, 1])
    }
}

final class PerTestRunTests: XCTestCase {
    /// `--per-test-timing` with a real pytest: the per-test rows are stored and `compare --per-test` works.
    /// pytest comes from the host interpreter's site-packages through the condition's PYTHONPATH.
    func testPerTestTimingWithRealPytest() throws {
        let site = try TestSupport.pytestSitePackages()
        let dir = TestSupport.tempDir()
        let db = dir.appendingPathComponent("p.db").path
        let suite = """
            import time
            def test_fast():
                time.sleep(0.01)
            def test_slow():
                time.sleep(0.12)
            """
        let reg = try ExampleRegistry.create(at: dir.path, packages: [
            .init(name: "pt", downloads: 1, testCommand: "python -m pytest -q -p no:cacheprovider tests", files: ["tests/test_pt.py": suite]),
        ]).registryDir
        let r = try TestSupport.labeille(["bench", "run", "--db", db, "--registry-dir", reg, "--work-dir", dir.appendingPathComponent("w").path,
                                          "--results-dir", dir.appendingPathComponent("r").path, "--per-test-timing",
                                          "--iterations", "3", "--warmup", "0",
                                          "--condition", "a:target_python=python3,env.PYTHONPATH=\(site)",
                                          "--condition", "b:target_python=python3,env.PYTHONPATH=\(site)"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let store = try Store(path: db)
        let id = try XCTUnwrap(store.db.scalar("SELECT bench_id FROM run").stringValue)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM v_iterations WHERE status = 'ok'").intValue, 6, r.stdout)
        let rows = try RunQueries.testStats(db: store.db, benchID: id, package: "pt", condition: "a")
        let slow = try XCTUnwrap(rows.first { $0.testID == "tests/test_pt.py::test_slow" && $0.phase == "call" })
        XCTAssertEqual(slow.n, 3)
        XCTAssertGreaterThan(slow.median, 0.1)
        // The fast test is below pytest's 5 ms display floor only without --durations-min=0; it is stored.
        XCTAssertNotNil(rows.first { $0.testID == "tests/test_pt.py::test_fast" && $0.phase == "call" })
        let c = try TestSupport.labeille(["bench", "compare", "--db", db, id, "--per-test", "pt", "--format", "json"])
        XCTAssertEqual(c.code, 0, c.stderr)
        XCTAssertTrue(c.stdout.contains("tests/test_pt.py::test_slow"))
    }
}
