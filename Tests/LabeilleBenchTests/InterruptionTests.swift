import Foundation
import XCTest
@testable import LabeilleRunner
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An interruption the command line hands the library ends the child in flight: through the wake-up pipe
/// at once, or by asking every 50 ms when there is no pipe. The child is a real `sleep`.
final class InterruptionTests: XCTestCase {
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
        func set() { lock.lock(); value = true; lock.unlock() }
    }

    func runSleep(_ interruption: Interruption) throws -> ProcessOutcome {
        try ChildProcess.run(["/bin/sleep", "30"], environment: ["PATH": "/usr/bin:/bin"], workingDirectory: nil,
                             stdoutPath: nil, stderrPath: nil, timeout: 60, interruption: interruption)
    }

    func testTheWakeUpPipeEndsTheChildInFlight() throws {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        let flag = Flag()
        let writeEnd = fds[1]
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            flag.set()
            _ = write(writeEnd, "x", 1)
        }
        let outcome = try runSleep(Interruption(wakeDescriptor: fds[0]) { flag.isSet })
        XCTAssertEqual(outcome.signal, SIGKILL, "the interrupted child's group is killed")
        XCTAssertFalse(outcome.timedOut)
        XCTAssertLessThan(outcome.wallSeconds, 30, "the wait did not last the child's 30 s")
    }

    func testWithoutAPipeTheWaitAsksAndEndsTheChild() throws {
        let flag = Flag()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { flag.set() }
        let outcome = try runSleep(Interruption { flag.isSet })
        XCTAssertEqual(outcome.signal, SIGKILL)
        XCTAssertLessThan(outcome.wallSeconds, 30)
    }

    func testNothingInterruptsAChildWhenNoInterruptionIsRequested() throws {
        let outcome = try ChildProcess.run(["/bin/sleep", "0.2"], environment: ["PATH": "/usr/bin:/bin"], workingDirectory: nil,
                                           stdoutPath: nil, stderrPath: nil, timeout: 60, interruption: Interruption { false })
        XCTAssertEqual(outcome.exitCode, 0)
        XCTAssertNil(outcome.signal)
    }
}
