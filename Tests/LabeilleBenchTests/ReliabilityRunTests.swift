import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// `bench run` under interruptions, failures and test suites that leave processes behind: real git
/// repositories, venvs and processes.
final class ReliabilityRunTests: BenchRunTestCase {

    static let tinySuite = ["tests/test_t.py": "import unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n        self.assertTrue(True)\n"]

    /// Live (non-zombie) processes whose command line contains `marker`.
    static func alive(_ marker: String) -> [Int32] {
        var out: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let cmd = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                  cmd.contains(marker), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  !stat.contains(") Z ") else { continue }
            out.append(pid)
        }
        return out
    }

    static func waitUntilGone(_ marker: String) -> [Int32] {
        var left = alive(marker)
        for _ in 0..<30 where !left.isEmpty {
            usleep(100_000)
            left = alive(marker)
        }
        return left
    }

    func testProcessesLeavingTheGroupAreKilledWhenTheIterationEnds() throws {
        let marker = "97.\(Int.random(in: 100...999))"
        let script = """
            setsid sleep \(marker) &
            python3 -c 'import subprocess; subprocess.Popen(["sleep", "\(marker)"], start_new_session=True)'
            python3 -c 'import os
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execvp("sleep", ["sleep", "\(marker)"])
                os._exit(0)
            os.wait()'
            sleep 0.3
            """
        let o = try ChildProcess.run(["/bin/sh", "-c", script], environment: ProcessInfo.processInfo.environment,
                                     workingDirectory: dir.path, stdoutPath: nil, stderrPath: nil, timeout: 60)
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertEqual(o.escapedProcesses, 3)
        XCTAssertEqual(Self.waitUntilGone(marker), [], "escaped processes survived the iteration")
    }

    func testLeftoversOfADeadHarnessAreEnded() throws {
        let marker = "98.\(Int.random(in: 100...999))"
        var env = ProcessInfo.processInfo.environment
        env[ProcessSweeper.harnessVariable] = "999999999:12345"  // no such process: a harness killed with -9
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "setsid sleep \(marker) & wait"]
        p.environment = env
        try p.run()
        defer { p.terminate() }
        for _ in 0..<50 where Self.alive(marker).isEmpty { usleep(50_000) }
        XCTAssertFalse(Self.alive(marker).isEmpty)
        XCTAssertGreaterThanOrEqual(ProcessSweeper.endLeftoversOfDeadHarnesses(), 1)
        XCTAssertEqual(Self.waitUntilGone(marker), [])
        // Processes of this (live) harness are left alone.
        env[ProcessSweeper.harnessVariable] = ProcessSweeper.harnessToken
        let mine = Process()
        mine.executableURL = URL(fileURLWithPath: "/bin/sleep")
        mine.arguments = [marker]
        mine.environment = env
        try mine.run()
        defer { mine.terminate() }
        XCTAssertEqual(ProcessSweeper.endLeftoversOfDeadHarnesses(), 0)
        XCTAssertTrue(mine.isRunning)
    }

    /// Ctrl-C while a package is being set up records nothing about it; --resume sets it up and measures it,
    /// and every view shows it.
    func testInterruptedSetupIsNotAVerdict() throws {
        let reg = try registry([.init(name: "slowsetup", downloads: 1, files: Self.tinySuite)])
        let started = dir.appendingPathComponent("setup-started").path
        let quick = dir.appendingPathComponent("setup-quick").path
        // An interpreter whose venv creation hangs until `quick` exists (then it is plain python3).
        let python = try XCTUnwrap(TestSupport.which("python3"))
        let slowVenv = dir.appendingPathComponent("python-slow-venv").path
        try """
            #!/bin/sh
            if [ "$1" = "-m" ] && [ "$2" = "venv" ] && [ ! -e \(quick) ]; then touch \(started); sleep 60; fi
            exec \(python) "$@"
            """.write(toFile: slowVenv, atomically: true, encoding: .utf8)
        chmod(slowVenv, 0o755)
        let p = try TestSupport.startLabeille(runArgs(reg, ["--condition", "a:target_python=\(slowVenv)", "--iterations", "3", "--warmup", "0"]))
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: started) && Date() < deadline && p.isRunning { usleep(50_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: started))
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        let store = try Store(path: db)
        let id = try XCTUnwrap(store.db.scalar("SELECT bench_id FROM run").stringValue)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM package_result").intValue, 0, "an interrupted setup is no verdict")

        FileManager.default.createFile(atPath: quick, contents: nil)
        let r = try TestSupport.labeille(["bench", "run", "--db", db, "--resume", id])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertEqual(try store.db.scalar("SELECT skipped FROM package_result WHERE package = 'slowsetup'").intValue, 0)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM v_iterations WHERE bench_id = ? AND package = 'slowsetup'", [id]).intValue, 3)
        let show = try TestSupport.labeille(["bench", "show", "--db", db, id])
        XCTAssertTrue(show.stdout.contains("slowsetup"), show.stdout)
        let export = try TestSupport.labeille(["bench", "export", "--db", db, id, "--format", "csv"])
        XCTAssertTrue(export.stdout.contains("slowsetup,a,1"), export.stdout)
        let results = try XCTUnwrap(store.db.scalar("SELECT source_dir FROM run").stringValue)
        let lines = try String(contentsOfFile: results + "/bench_results.jsonl", encoding: .utf8)
        XCTAssertTrue(lines.contains("\"skipped\": false") || lines.contains("\"skipped\":false"), lines)
    }

    /// A relative --work-dir works (paths are made absolute at start), a run where every package fails its
    /// setup exits 3, and a test that leaves processes running outside its group gets them killed, with a
    /// warning.
    func testRelativeWorkDirFailedSetupsAndEscapingTests() throws {
        let marker = "99.\(Int.random(in: 100...999))"
        let reg = try registry([
            .init(name: "escaper", downloads: 2, files: ["tests/test_e.py": """
                import subprocess, unittest
                class T(unittest.TestCase):
                    def test_x(self):
                        subprocess.Popen(["sleep", "\(marker)"], start_new_session=True)
                """]),
            .init(name: "gone", downloads: 1, files: Self.tinySuite),
        ])
        try FileManager.default.removeItem(at: dir.appendingPathComponent("upstream/gone"))  // its clone fails
        let relative = ["bench", "run", "--db", db, "--registry-dir", reg, "--work-dir", "work", "--results-dir", "results",
                        "--iterations", "3", "--warmup", "0", "--condition", "a:target_python=python3"]
        var r = try TestSupport.labeille(relative + ["--packages", "escaper"], cwd: dir.path)
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("left the test's process group"), r.stderr)
        XCTAssertEqual(Self.waitUntilGone(marker), [])
        let store = try Store(path: db)
        XCTAssertEqual(try store.db.scalar("SELECT COUNT(*) FROM v_iterations WHERE status = 'ok'").intValue, 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("work/venvs").path))

        r = try TestSupport.labeille(relative + ["--packages", "gone"], cwd: dir.path)
        XCTAssertEqual(r.code, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("measured nothing"), r.stderr)
    }

    /// kill -9 of the harness leaves a test's detached process running; the next `bench run` ends it.
    func testResumeEndsWhatAKilledHarnessLeftRunning() throws {
        let marker = "96.\(Int.random(in: 100...999))"
        let hang = dir.appendingPathComponent("hang").path
        FileManager.default.createFile(atPath: hang, contents: nil)
        let reg = try registry([.init(name: "detach", downloads: 1, files: ["tests/test_d.py": """
            import os, subprocess, time, unittest
            class T(unittest.TestCase):
                def test_x(self):
                    if os.path.exists("\(hang)"):
                        subprocess.Popen(["sleep", "\(marker)"], start_new_session=True)
                        time.sleep(60)
            """])])
        let p = try TestSupport.startLabeille(runArgs(reg, ["--condition", "a:target_python=python3", "--iterations", "3", "--warmup", "0"]))
        let deadline = Date().addingTimeInterval(120)
        while Self.alive(marker).isEmpty && Date() < deadline && p.isRunning { usleep(50_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        usleep(200_000)
        XCTAssertFalse(Self.alive(marker).isEmpty, "the detached process outlives a harness killed with -9")
        try FileManager.default.removeItem(atPath: hang)
        let id = try XCTUnwrap(try Store(path: db).db.scalar("SELECT bench_id FROM run").stringValue)
        let r = try TestSupport.labeille(["bench", "run", "--db", db, "--resume", id])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("left running by an earlier labeille"), r.stderr)
        XCTAssertEqual(Self.waitUntilGone(marker), [])
    }

    /// The command line stored with an ingested run is never executed: --resume refuses before probing.
    func testResumeOfAnIngestedRunExecutesNothing() throws {
        let run = try TestSupport.copyFixture(to: dir)
        let touched = dir.appendingPathComponent("executed").path
        let evil = dir.appendingPathComponent("evil.sh").path
        try "#!/bin/sh\ntouch \(touched)\n".write(toFile: evil, atomically: true, encoding: .utf8)
        chmod(evil, 0o755)
        let metaURL = run.appendingPathComponent("bench_meta.json")
        var meta = try String(contentsOf: metaURL, encoding: .utf8)
        let cliArgs = try XCTUnwrap(meta.range(of: #""cli_args": \[[^\]]*\]"#, options: .regularExpression))
        meta.replaceSubrange(cliArgs, with: "\"cli_args\": [\"bench\", \"run\", \"--target-python\", \"\(evil)\", \"--registry-dir\", \"\(dir.path)\"]")
        try meta.write(to: metaURL, atomically: true, encoding: .utf8)
        XCTAssertEqual(try TestSupport.labeille(["bench", "ingest", "--db", db, run.path]).code, 0)
        let r = try TestSupport.labeille(["bench", "run", "--db", db, "--resume", "bench_20261127_221025"])
        XCTAssertEqual(r.code, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("was ingested"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: touched), "a program named in an ingested file was executed")
    }
}
