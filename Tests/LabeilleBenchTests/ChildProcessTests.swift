import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Real-process tests for ChildProcess (uses /bin/true, /bin/sh and python3 from PATH).
final class ChildProcessTests: XCTestCase {
    private var tempDir = ""

    /// The harness's environment, so the pyenv shim (or any python3 on PATH) works.
    private var env: [String: String] { ProcessInfo.processInfo.environment }

    override func setUp() { tempDir = TestSupport.tempDir().path }

    private func path(_ name: String) -> String { tempDir + "/" + name }

    private func read(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }

    private func run(_ argv: [String], environment: [String: String]? = nil, cwd: String? = nil,
                     stdout: String? = nil, stderr: String? = nil, limits: ProcessLimits = .init(),
                     timeout: Double? = 30) throws -> ProcessOutcome {
        try ChildProcess.run(argv, environment: environment ?? env, workingDirectory: cwd,
                             stdoutPath: stdout.map(path), stderrPath: stderr.map(path),
                             limits: limits, timeout: timeout)
    }

    /// File contents for assertion messages (which cannot throw).
    private func contents(_ name: String) -> String { (try? read(name)) ?? "<unreadable \(name)>" }

    /// Pids in process group `pgid` that are still alive (state not Z/X), from /proc/<pid>/stat.
    private func liveMembers(of pgid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> Int32? in
            guard let pid = Int32(name),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, Int32(fields[2]) == pgid, fields[0] != "Z", fields[0] != "X" else { return nil }
            return pid
        }
    }

    /// Polls until `condition` holds or `within` seconds pass.
    private func eventually(within: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(within)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// Every member of the group must be dead within ~1 s; kill(-pgid, 0) must report ESRCH once the
    /// zombies are reaped. Orphans are reaped by PID 1, which on this VM (process_api) only does so
    /// about every 2 s, hence the longer budget for ESRCH.
    private func assertGroupGone(_ pgid: Int32, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(eventually(within: 1.0) { liveMembers(of: pgid).isEmpty },
                      "live processes left in group \(pgid): \(liveMembers(of: pgid))", file: file, line: line)
        XCTAssertTrue(eventually(within: 5.0) { kill(-pgid, 0) != 0 && errno == ESRCH },
                      "kill(-\(pgid), 0) did not report ESRCH", file: file, line: line)
    }

    // MARK: - Exit status

    func testTrueExitsZeroWithSmallPeakRSS() throws {
        let o = try run(["/bin/true"])
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertNil(o.signal)
        XCTAssertFalse(o.timedOut)
        XCTAssertGreaterThan(o.pid, 0)
        XCTAssertGreaterThan(o.peakRSSMB, 0)
        XCTAssertLessThan(o.peakRSSMB, 15, "fork-based spawn should not inherit the harness's RSS")
        XCTAssertGreaterThan(o.wallSeconds, 0)
        XCTAssertLessThan(o.wallSeconds, 1)
    }

    func testExitCodePropagates() throws {
        let o = try run(["/bin/sh", "-c", "exit 3"])
        XCTAssertEqual(o.exitCode, 3)
        XCTAssertNil(o.signal)
        XCTAssertFalse(o.timedOut)
    }

    func testSignalDeath() throws {
        let o = try run(["/bin/sh", "-c", "kill -SEGV $$"])
        XCTAssertNil(o.exitCode)
        XCTAssertEqual(o.signal, SIGSEGV)
        XCTAssertEqual(o.signal, 11)
        XCTAssertFalse(o.timedOut)
    }

    func testIgnoredSignalsAreResetToDefault() throws {
        // A SIG_IGN disposition in the harness would survive exec; the child must get SIG_DFL.
        let old = signal(SIGUSR1, SIG_IGN)
        defer { signal(SIGUSR1, old) }
        let o = try run(["/bin/sh", "-c", "kill -USR1 $$; exit 0"])
        XCTAssertEqual(o.signal, SIGUSR1)
    }

    // MARK: - rusage

    func testCPUTimeIsMeasured() throws {
        // A fixed amount of work (not a wall-clock loop), so the CPU time it needs does not shrink when a
        // loaded machine gives the child only a share of a CPU: 10 M additions take 0.3–0.6 s of CPU.
        let script = "x = 0\nfor i in range(10_000_000): x += i"
        let o = try run(["python3", "-c", script])
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertGreaterThanOrEqual(o.userSeconds, 0.15)
        XCTAssertGreaterThanOrEqual(o.wallSeconds, o.userSeconds * 0.9)
        XCTAssertGreaterThanOrEqual(o.sysSeconds, 0)
    }

    func testPeakRSSIsMeasured() throws {
        let o = try run(["python3", "-c", "x = bytearray(200 * 1024 * 1024)"], stderr: "err.txt")
        XCTAssertEqual(o.exitCode, 0, contents("err.txt"))
        XCTAssertGreaterThanOrEqual(o.peakRSSMB, 190)
        XCTAssertLessThan(o.peakRSSMB, 400)
    }

    func testWallTimeOfSleep() throws {
        let o = try run(["/bin/sh", "-c", "sleep 0.2"])
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertGreaterThanOrEqual(o.wallSeconds, 0.2)
        XCTAssertLessThan(o.wallSeconds, 1.5)
        XCTAssertLessThan(o.userSeconds + o.sysSeconds, 0.15)
    }

    // MARK: - Limits

    func testMemoryLimitGivesMemoryError() throws {
        let o = try run(["python3", "-c", "x = bytearray(200 * 1024 * 1024)"], stderr: "err.txt",
                        limits: ProcessLimits(memoryLimitMB: 100))
        let stderrText = try read("err.txt")
        XCTAssertEqual(o.exitCode, 1, stderrText)
        XCTAssertNil(o.signal)
        XCTAssertTrue(stderrText.contains("MemoryError"), stderrText)
        XCTAssertLessThan(o.peakRSSMB, 100)
    }

    func testCPUTimeLimitGivesSIGXCPU() throws {
        // The timeout is a safety net only: on a loaded machine one CPU-second can take a long wall time.
        let o = try run(["python3", "-c", "while True: pass"],
                        limits: ProcessLimits(cpuTimeLimitS: 1), timeout: 180)
        XCTAssertFalse(o.timedOut)
        XCTAssertNil(o.exitCode)
        XCTAssertEqual(o.signal, SIGXCPU)
        XCTAssertEqual(o.signal, 24)
        XCTAssertGreaterThanOrEqual(o.userSeconds + o.sysSeconds, 0.9)
        XCTAssertLessThan(o.userSeconds + o.sysSeconds, 2.5)
    }

    func testCPUAffinity() throws {
        let script = """
        for line in open('/proc/self/status'):
            if line.startswith('Cpus_allowed_list:'):
                print(line.split(':', 1)[1].strip())
        """
        let o = try run(["python3", "-c", script], stdout: "out.txt", stderr: "err.txt",
                        limits: ProcessLimits(cpuAffinity: [0]))
        XCTAssertEqual(o.exitCode, 0, contents("err.txt"))
        XCTAssertEqual(try read("out.txt").trimmingCharacters(in: .whitespacesAndNewlines), "0")

        if ChildProcess.usableCPUCount >= 2 {
            let o2 = try run(["/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status"],
                             stdout: "out2.txt", limits: ProcessLimits(cpuAffinity: [1]))
            XCTAssertEqual(o2.exitCode, 0)
            XCTAssertTrue(try read("out2.txt").hasSuffix("\t1\n"), contents("out2.txt"))
        }
    }

    func testInvalidCPUIndexFailsToSpawn() throws {
        XCTAssertThrowsError(try run(["/bin/true"], limits: ProcessLimits(cpuAffinity: [-1]))) { error in
            XCTAssertEqual(error as? ChildProcessError, .spawnFailed(command: "/bin/true", errno: EINVAL))
        }
    }

    func testUsableCPUCount() {
        XCTAssertGreaterThanOrEqual(ChildProcess.usableCPUCount, 1)
        XCTAssertLessThanOrEqual(ChildProcess.usableCPUCount, ProcessInfo.processInfo.activeProcessorCount)
    }

    // MARK: - Timeout and process groups

    func testTimeoutKillsWholeProcessGroup() throws {
        let start = Date()
        let o = try run(["/bin/sh", "-c", "sleep 30 & sleep 30"], timeout: 0.5)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertTrue(o.timedOut)
        XCTAssertEqual(o.signal, SIGKILL)
        XCTAssertNil(o.exitCode)
        XCTAssertGreaterThanOrEqual(o.wallSeconds, 0.5)
        XCTAssertLessThan(elapsed, 3)
        assertGroupGone(o.pid)
    }

    func testStragglersAreKilledAfterNormalExit() throws {
        let start = Date()
        let o = try run(["/bin/sh", "-c", "sleep 30 & exit 0"], timeout: 10)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertFalse(o.timedOut)
        assertGroupGone(o.pid)
    }

    func testChildIsProcessGroupLeader() throws {
        let o = try run(["/bin/sh", "-c", "echo $$ $(ps -o pgid= -p $$)"], stdout: "out.txt")
        XCTAssertEqual(o.exitCode, 0)
        let fields = try read("out.txt").split(whereSeparator: { $0 == " " || $0 == "\n" })
        XCTAssertEqual(fields.count, 2)
        XCTAssertEqual(fields.first, fields.last)
        XCTAssertEqual(fields.first.map(String.init), String(o.pid))
    }

    // MARK: - Environment, working directory, stdio

    func testWorkingDirectoryAndEnvironment() throws {
        let o = try run(["sh", "-c", "pwd -P; printf '%s\\n' \"$LB_TEST_VAR\"; echo oops >&2"],
                        environment: ["PATH": "/usr/bin:/bin", "LB_TEST_VAR": "hello world"],
                        cwd: tempDir, stdout: "out.txt", stderr: "err.txt")
        XCTAssertEqual(o.exitCode, 0)
        let real = URL(fileURLWithPath: tempDir).resolvingSymlinksInPath().path
        XCTAssertEqual(try read("out.txt"), "\(real)\nhello world\n")
        XCTAssertEqual(try read("err.txt"), "oops\n")
    }

    func testEnvironmentIsNotInherited() throws {
        let o = try run(["/bin/sh", "-c", "echo \"[$HOME]\""], environment: [:], stdout: "out.txt")
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertEqual(try read("out.txt"), "[]\n")
    }

    func testStdinIsDevNullAndOutputFilesAreTruncated() throws {
        try "old content that must disappear\n".write(toFile: path("out.txt"), atomically: false, encoding: .utf8)
        let o = try run(["/bin/cat"], stdout: "out.txt", timeout: 5)
        XCTAssertFalse(o.timedOut)
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertEqual(try read("out.txt"), "")
    }

    func testNilOutputPathsGoToDevNull() throws {
        let o = try run(["/bin/sh", "-c", "echo out; echo err >&2"])
        XCTAssertEqual(o.exitCode, 0)
    }

    func testHarnessDescriptorsAreNotInherited() throws {
        let fd = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        XCTAssertGreaterThanOrEqual(fd, 3)
        defer { close(fd) }
        let o = try run(["/bin/sh", "-c", "ls /proc/self/fd"], stdout: "out.txt")
        XCTAssertEqual(o.exitCode, 0)
        XCTAssertFalse(try read("out.txt").split(separator: "\n").contains(Substring(String(fd))))
    }

    // MARK: - Spawn failures

    func testNonexistentAbsolutePathThrowsENOENT() {
        XCTAssertThrowsError(try run(["/nonexistent/lb-no-such-program"])) { error in
            XCTAssertEqual(error as? ChildProcessError,
                           .spawnFailed(command: "/nonexistent/lb-no-such-program", errno: ENOENT))
            XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
        }
    }

    func testNonexistentProgramInPATHThrowsENOENT() {
        XCTAssertThrowsError(try run(["lb-no-such-program-xyz"])) { error in
            XCTAssertEqual(error as? ChildProcessError, .spawnFailed(command: "lb-no-such-program-xyz", errno: ENOENT))
        }
    }

    func testNonExecutableFileThrowsEACCES() throws {
        try "#!/bin/sh\n".write(toFile: path("script.sh"), atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try run([path("script.sh")])) { error in
            XCTAssertEqual(error as? ChildProcessError, .spawnFailed(command: path("script.sh"), errno: EACCES))
        }
    }

    func testBadWorkingDirectoryThrows() {
        XCTAssertThrowsError(try run(["/bin/true"], cwd: path("missing-dir"))) { error in
            XCTAssertEqual(error as? ChildProcessError, .spawnFailed(command: "/bin/true", errno: ENOENT))
        }
    }

    func testEmptyArgvThrows() {
        XCTAssertThrowsError(try run([])) { error in
            XCTAssertEqual(error as? ChildProcessError, .spawnFailed(command: "", errno: EINVAL))
        }
    }

    // MARK: - Concurrency

    func testConcurrentRunsKeepTheirOwnResults() {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var codes = [Int32?](repeating: nil, count: 16)
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let o = try? ChildProcess.run(["/bin/sh", "-c", "exit \(i)"], environment: [:],
                                          workingDirectory: nil, stdoutPath: nil, stderrPath: nil,
                                          timeout: 10)
            results.lock.lock()
            results.codes[i] = o?.exitCode
            results.lock.unlock()
        }
        XCTAssertEqual(results.codes, (0..<16).map { Int32($0) })
    }
}
