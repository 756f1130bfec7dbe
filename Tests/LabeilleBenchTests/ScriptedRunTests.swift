import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// Runs git, installs and the interpreter probes for real, fakes venv creation (a `bin/python` link to the
/// interpreter and an empty site-packages, which is all the runner reads of a venv) and answers every measured
/// iteration from a script instead of running the test suite (without a script, iterations run for real).
/// The runner's scheduling, classification, storage and adaptive stopping then run in milliseconds per
/// iteration, on exactly known measurements.
final class ScriptedExecutor: ProcessExecutor, @unchecked Sendable {
    struct Iteration: Equatable {
        var package: String
        var condition: String
    }

    /// The outcome of an iteration, given it and how many iterations of its package × condition ran before.
    typealias Script = @Sendable (Iteration, Int) -> ProcessOutcome

    /// What a suite checks about the iteration's surroundings before the scripted outcome applies.
    struct SuiteChecks {
        /// A file each iteration writes into the worktree and fails when it finds there already.
        var leftover: String
    }

    private let real = SpawningExecutor()
    private let script: Script?
    private let suite: SuiteChecks?
    private let lock = NSLock()
    private var ran: [Iteration] = []

    init(script: Script?, suite: SuiteChecks? = nil) {
        self.script = script
        self.suite = suite
    }

    /// Exit 1 when the worktree still holds the previous iteration's file or `python` is not the venv's;
    /// then leaves the file for the next iteration to find.
    private func suiteFails(_ request: ProcessRequest, worktree: String) throws -> Bool {
        guard let suite else { return false }
        let file = URL(fileURLWithPath: worktree).appendingPathComponent(suite.leftover).path
        let sawLeftover = FileManager.default.fileExists(atPath: file)
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        let venv = request.environment["VIRTUAL_ENV"] ?? ""
        let python = ExecutableLookup.find("python", searchPath: request.environment["PATH"])
        return sawLeftover || venv.isEmpty || python != venv + "/bin/python"
    }

    /// The measured iterations (warm-ups included) in the order the runner ran them.
    var iterations: [Iteration] { lock.withLock { ran } }

    func run(_ request: ProcessRequest) throws -> ProcessOutcome {
        if case let .files(_, stderr) = request.output, let worktree = request.workingDirectory {
            // Worktrees are <worktrees>/<package>/<condition>.
            let url = URL(fileURLWithPath: worktree)
            let iteration = Iteration(package: url.deletingLastPathComponent().lastPathComponent, condition: url.lastPathComponent)
            let before = lock.withLock { () -> Int in
                defer { ran.append(iteration) }
                return ran.filter { $0 == iteration }.count
            }
            guard let script else { return try real.run(request) }
            var outcome = script(iteration, before)
            if try suiteFails(request, worktree: worktree) { outcome.exitCode = 1 }
            if let stderr, outcome.exitCode == 0 {
                try "Ran 2 tests in 0.001s\n\nOK\n".write(toFile: stderr, atomically: false, encoding: .utf8)
            }
            return outcome
        }
        if let m = request.argv.firstIndex(of: "-m"), request.argv.dropFirst(m + 1).first == "venv", let dir = request.argv.last {
            try Self.fakeVenv(dir, interpreter: request.argv[0])
            return Self.outcome(wall: 0)
        }
        return try real.run(request)
    }

    static func fakeVenv(_ dir: String, interpreter: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/lib/python3/site-packages", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: dir + "/bin/python", withDestinationPath: interpreter)
    }

    static func outcome(wall: Double, exitCode: Int32? = 0, signal: Int32? = nil, timedOut: Bool = false) -> ProcessOutcome {
        ProcessOutcome(wallSeconds: wall, userSeconds: wall * 0.75, sysSeconds: wall * 0.125, peakRSSMB: 20,
                       exitCode: exitCode, signal: signal, timedOut: timedOut, pid: 1)
    }
}

/// `BenchRunner` through the scripted executor: real registry, git worktrees, database and results folder;
/// scripted iterations.
final class ScriptedRunTests: BenchRunTestCase {
    func runner(_ packages: [String], conditions: [String], configure: (inout CLIOverrides) -> Void,
                script: @escaping ScriptedExecutor.Script) throws -> (BenchRunner, ScriptedExecutor, Store) {
        let suite = ["tests/test_t.py": "import unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n        pass\n"]
        let reg = try registry(packages.enumerated().map { .init(name: $1, downloads: 10 - $0, files: suite) })
        let executor = ScriptedExecutor(script: script)
        let runner = try inProcessRunner(registry: reg, conditions: conditions.map { "\($0):target_python=python3" },
                                         executor: executor, configure: configure)
        return (runner, executor, try Store(path: db))
    }

    /// Statuses from exit codes, signals and timeouts; measurements stored exactly as measured; rounds ABBA.
    func testStatusesMeasurementsAndOrderOfScriptedIterations() throws {
        let (runner, executor, store) = try self.runner(["good", "failing", "crash", "slow"], conditions: ["a", "b"], configure: {
            $0.iterations = 3; $0.warmup = 1
        }, script: { it, n in
            switch it.package {
            case "failing": return ScriptedExecutor.outcome(wall: 0.5, exitCode: 1)
            case "crash": return ScriptedExecutor.outcome(wall: 0.5, exitCode: nil, signal: SIGSEGV)
            case "slow": return ScriptedExecutor.outcome(wall: 9, exitCode: nil, signal: SIGKILL, timedOut: true)
            default: return ScriptedExecutor.outcome(wall: (it.condition == "a" ? 1.0 : 2.0) + Double(n) / 8)
            }
        })
        let outcome = try runner.run()
        XCTAssertFalse(outcome.interrupted)
        XCTAssertEqual(outcome.iterationsRun, 32)
        let id = outcome.benchID
        func statuses(_ package: String) throws -> [String] {
            try store.db.query("SELECT DISTINCT status FROM v_iterations WHERE bench_id = ? AND package = ?", [id, package])
                .map { $0[0].stringValue! }
        }
        XCTAssertEqual(try statuses("good"), ["ok"])
        XCTAssertEqual(try statuses("failing"), ["fail"])
        XCTAssertEqual(try statuses("crash"), ["error"])
        XCTAssertEqual(try statuses("slow"), ["timeout"])
        let good = try store.db.query("""
            SELECT condition, iteration, wall_s, user_s, tests_passed FROM v_iterations
            WHERE bench_id = ? AND package = 'good' ORDER BY condition, iteration
            """, [id])
        XCTAssertEqual(good.map { $0[2].doubleValue! }, [1.0, 1.125, 1.25, 1.375, 2.0, 2.125, 2.25, 2.375])
        XCTAssertEqual(good.map { $0[3].doubleValue! }, [1.0, 1.125, 1.25, 1.375, 2.0, 2.125, 2.25, 2.375].map { $0 * 0.75 })
        XCTAssertEqual(Set(good.map { $0[4].intValue }), [2], "the unittest summary the script wrote is read")
        // Alternating rounds, counterbalanced: AB BA BA AB for every package, packages one after the other.
        XCTAssertEqual(executor.iterations.prefix(8).map(\.condition).joined(), "abbabaab")
        XCTAssertEqual(executor.iterations.map(\.package), ["good", "failing", "crash", "slow"].flatMap { Array(repeating: $0, count: 8) })
        let stats = try XCTUnwrap(RunQueries.conditionStats(db: store.db, benchID: id, metric: "wall").first { $0.package == "good" && $0.condition == "a" })
        XCTAssertEqual(stats.n, 3)
        XCTAssertEqual(stats.median, 1.25)
        let resultsFile = URL(fileURLWithPath: outcome.resultsDirectory).appendingPathComponent("bench_results.jsonl").path
        XCTAssertEqual(try String(contentsOfFile: resultsFile, encoding: .utf8).split(separator: "\n").count, 4)
    }

    /// Every iteration starts from the post-install worktree (a file the previous one left is gone) and runs
    /// with the condition's venv; a second run reuses the venvs. The script plays the suite: it fails when it
    /// sees the previous iteration's file or another interpreter, and leaves that file behind.
    func testIsolatedWorktreesAndReusedVenvs() throws {
        let script: ScriptedExecutor.Script = { _, _ in ScriptedExecutor.outcome(wall: 1) }
        let settings = { (cli: inout CLIOverrides) in cli.iterations = 3; cli.warmup = 1 }
        let checks = ScriptedExecutor.SuiteChecks(leftover: "leftover.txt")
        var (runner, _, store) = try self.runner(["dirty"], conditions: ["a", "b"], configure: settings, script: script)
        runner.executor = ScriptedExecutor(script: script, suite: checks)
        _ = try runner.run()
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM v_iterations WHERE status = 'ok'").intValue, 8)
        (runner, _, _) = try self.runner(["dirty"], conditions: ["a", "b"], configure: settings, script: script)
        runner.executor = ScriptedExecutor(script: script, suite: checks)
        let second = try runner.run().benchID
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM v_iterations WHERE bench_id = ? AND status = 'ok'", [second]).intValue, 8)
        // Reused venvs took no setup time in the second run.
        XCTAssertEqual(try store.db.scalar("SELECT MAX(venv_setup_duration_s) FROM v_package_conditions WHERE bench_id = ?", [second]).doubleValue, 0)
    }

    /// Adaptive stopping: a package whose times agree stops after the minimum; a noisy one runs them all.
    func testAdaptiveStopsOnlyWhenTheMedianIsPrecise() throws {
        let (runner, executor, store) = try self.runner(["steady", "noisy"], conditions: ["a"], configure: {
            $0.iterations = 12; $0.warmup = 0; $0.adaptive = true; $0.adaptiveMinIterations = 5; $0.adaptiveThreshold = 0.005
        }, script: { it, n in
            ScriptedExecutor.outcome(wall: it.package == "steady" ? 1.0 : (n.isMultiple(of: 2) ? 1.0 : 1.5))
        })
        let outcome = try runner.run()
        XCTAssertEqual(executor.iterations.filter { $0.package == "steady" }.count, 5)
        XCTAssertEqual(executor.iterations.filter { $0.package == "noisy" }.count, 12)
        XCTAssertEqual(outcome.iterationsRun, 17)
        let converged = try store.db.query("""
            SELECT package, converged_early FROM v_package_conditions WHERE bench_id = ? ORDER BY package
            """, [outcome.benchID]).map { "\($0[0].stringValue!)=\($0[1].intValue!)" }
        XCTAssertEqual(converged, ["noisy=0", "steady=1"])
    }
}
