// Process-measurement layer: spawn a benchmark command in its own process group
// (fork/exec helper in CSpawn), wait for it with a pidfd + poll() deadline, and
// report wall time (CLOCK_MONOTONIC) plus the direct child's wait4() rusage.


import CSpawn
import LabeilleCore
import LabeilleStats
import LabeilleStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Limits applied in the child between fork() and execve().
public struct ProcessLimits: Sendable, Equatable {
    /// RLIMIT_AS (virtual address space, soft = hard) in MiB. `nil` or <= 0: inherit.
    /// Allocation failures show up as a normal exit (e.g. Python `MemoryError`, exit 1).
    public var memoryLimitMB: Int?
    /// RLIMIT_CPU in seconds: soft = value, hard = value + 1, so hitting it is a
    /// SIGXCPU (24) death rather than SIGKILL. `nil` or <= 0: inherit.
    public var cpuTimeLimitS: Int?
    /// CPU indices for sched_setaffinity. Empty: inherit the harness's affinity.
    public var cpuAffinity: [Int]

    public init(memoryLimitMB: Int? = nil, cpuTimeLimitS: Int? = nil, cpuAffinity: [Int] = []) {
        self.memoryLimitMB = memoryLimitMB
        self.cpuTimeLimitS = cpuTimeLimitS
        self.cpuAffinity = cpuAffinity
    }
}

/// Measurement of one finished child process.
public struct ProcessOutcome: Sendable, Equatable {
    /// Monotonic time from just before spawning to the moment the direct child was reaped.
    public var wallSeconds: Double
    /// ru_utime / ru_stime of the direct child (includes descendants it waited for).
    public var userSeconds: Double
    public var sysSeconds: Double
    /// ru_maxrss of the direct child (KiB on Linux) / 1024. Descendants count only if waited for.
    public var peakRSSMB: Double
    /// Exit status when the child exited normally, else nil.
    public var exitCode: Int32?
    /// Terminating signal when the child was killed by a signal, else nil.
    public var signal: Int32?
    /// True when the timeout expired and the harness SIGKILLed the process group.
    public var timedOut: Bool
    /// Pid of the direct child; also its process-group id.
    public var pid: Int32
    /// The value of the counter requested from `run(counter:)`, over the whole process tree; nil without one.
    public var counted: CounterReading?
    /// Descendants that had left the process group (setsid, double fork) and were still running when the
    /// direct child exited: they were killed.
    public var escapedProcesses = 0
    /// What the child wrote, when its output was captured (`ProcessOutput.capture`); else empty.
    public var standardOutput: [UInt8] = []
    public var standardError: [UInt8] = []
    public var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
    public var errorText: String { String(decoding: standardError, as: UTF8.self) }

    public init(wallSeconds: Double, userSeconds: Double, sysSeconds: Double, peakRSSMB: Double,
                exitCode: Int32?, signal: Int32?, timedOut: Bool, pid: Int32) {
        self.wallSeconds = wallSeconds
        self.userSeconds = userSeconds
        self.sysSeconds = sysSeconds
        self.peakRSSMB = peakRSSMB
        self.exitCode = exitCode
        self.signal = signal
        self.timedOut = timedOut
        self.pid = pid
    }
}

public enum ChildProcessError: Error, CustomStringConvertible, Equatable {
    /// The program could not be started: not found in PATH (ENOENT/EACCES), empty argv or
    /// bad CPU index (EINVAL), fork failure, or a failure in the child before/at execve
    /// (chdir, opening the stdout/stderr files, setrlimit, sched_setaffinity, execve).
    case spawnFailed(command: String, errno: Int32)
    /// Waiting for a started child failed (pidfd_open with a timeout, poll, or wait4, e.g.
    /// ECHILD when SIGCHLD is ignored). The child's process group has been SIGKILLed.
    case waitFailed(pid: Int32, errno: Int32)
    /// A counter was requested but perf_event_open refused it for this child (the child was not run).
    case counterUnavailable(event: String, errno: Int32)

    public var description: String {
        switch self {
        case let .spawnFailed(command, err):
            return "cannot run '\(command)': \(ChildProcess.errorString(err)) (errno \(err))"
        case let .waitFailed(pid, err):
            return "waiting for process \(pid) failed: \(ChildProcess.errorString(err)) (errno \(err))"
        case let .counterUnavailable(event, err):
            return "cannot count \(event) with perf_event_open: \(ChildProcess.errorString(err)) (errno \(err))"
        }
    }
}

public enum ChildProcess {
    /// Runs argv[0] (absolute path or looked up in PATH of `environment`) in its own process group, waits for it, returns rusage-based measurement.
    ///
    /// - `environment` is the child's complete environment (nothing is inherited). A relative
    ///   argv[0] containing '/' is resolved against `workingDirectory` (chdir happens first).
    /// - `stdoutPath` / `stderrPath` are created/truncated (0644); nil means /dev/null.
    ///   stdin is always /dev/null.
    /// - `timeout` (seconds): when it expires the whole process group gets SIGKILL and
    ///   `timedOut` is set. After a normal exit of the direct child, leftover processes in
    ///   its group are SIGKILLed too, and so are descendants that left the group (found by the
    ///   `ProcessSweeper` mark in their environment; counted in `escapedProcesses`).
    /// - Blocks the calling thread; safe to call from several threads at once.
    ///   Requires SIGCHLD not to be ignored in the harness (otherwise wait4 gets ECHILD).
    public static func run(_ argv: [String], environment: [String: String], workingDirectory: String?,
                           stdoutPath: String?, stderrPath: String?, limits: ProcessLimits = .init(),
                           timeout: Double?, counter: CounterEvent? = nil, interruption: Interruption = .never) throws -> ProcessOutcome {
        guard let command = argv.first, !command.isEmpty else {
            throw ChildProcessError.spawnFailed(command: "", errno: EINVAL)
        }
        let path = try resolveExecutable(command, environment: environment, workingDirectory: workingDirectory)

        // Every descendant inherits this mark, so those that leave the process group can still be found.
        let spawnToken = ProcessSweeper.newSpawnToken()
        var childEnvironment = environment
        childEnvironment[ProcessSweeper.spawnVariable] = spawnToken
        let (pid, counterFD, start) = try spawn(path: path, argv: argv, environment: childEnvironment, workingDirectory: workingDirectory,
                                                stdoutPath: stdoutPath, stderrPath: stderrPath, limits: limits, counter: counter)
        defer { if counterFD >= 0 { close(counterFD) } }
        let deadline: UInt64? = timeout.flatMap { $0.isNaN ? nil : start &+ UInt64(min(max($0, 0), 1e9) * 1e9) }
        let (timedOut, waitErrno) = waitForExit(pid: pid, deadline: deadline, interruption: interruption)

        // Timeout: kill the group. Normal exit: kill stragglers left in the group (best effort).
        _ = kill(-pid, SIGKILL)
        if timedOut || waitErrno != 0 { _ = kill(pid, SIGKILL) }  // in case it left its group

        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { throw ChildProcessError.waitFailed(pid: pid, errno: errno) }
        }
        let end = MonotonicClock.nanoseconds()
        let escaped = ProcessSweeper.endSpawn(token: spawnToken, group: pid)
        if waitErrno != 0 { throw ChildProcessError.waitFailed(pid: pid, errno: waitErrno) }

        var outcome = ProcessOutcome(
            wallSeconds: Double(end - start) / 1e9,
            userSeconds: seconds(usage.ru_utime),
            sysSeconds: seconds(usage.ru_stime),
            peakRSSMB: Double(usage.ru_maxrss) / 1024.0,
            exitCode: lb_wifexited(status) != 0 ? lb_wexitstatus(status) : nil,
            signal: lb_wifsignaled(status) != 0 ? lb_wtermsig(status) : nil,
            timedOut: timedOut,
            pid: pid)
        if counterFD >= 0 { outcome.counted = CounterReading(fd: counterFD) }
        outcome.escapedProcesses = escaped
        return outcome
    }

    /// Starts the child in its own process group with its limits applied, counting `counter` when given.
    /// Returns its pid, the counter's descriptor (-1 without one) and the monotonic time just before the spawn.
    private static func spawn(path: String, argv: [String], environment: [String: String], workingDirectory: String?,
                              stdoutPath: String?, stderrPath: String?, limits: ProcessLimits,
                              counter: CounterEvent?) throws -> (pid: Int32, counterFD: Int32, start: UInt64) {
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }
        let cpus = limits.cpuAffinity.map { Int32(clamping: $0) }
        let memoryMB = max(0, min(limits.memoryLimitMB ?? 0, Int.max >> 21))
        let cpuSeconds = max(0, limits.cpuTimeLimitS ?? 0)
        var pid: Int32 = -1
        var spawnErrno: Int32 = 0
        var counterFD: Int32 = -1
        let start = MonotonicClock.nanoseconds()
        let rc = cpus.withUnsafeBufferPointer { cpuBuf in
            var lim = lb_limits(memory_limit_mb: memoryMB, cpu_seconds: cpuSeconds,
                                cpu_count: Int32(cpuBuf.count), cpus: cpuBuf.baseAddress)
            return cArgv.withUnsafeBufferPointer { a in
                cEnv.withUnsafeBufferPointer { e in
                    withOptionalCString(workingDirectory) { cwd in
                        withOptionalCString(stdoutPath) { out in
                            withOptionalCString(stderrPath) { err in
                                counter.map {
                                    lb_spawn_counted(path, a.baseAddress, e.baseAddress, cwd, out, err, &lim, $0.cEvent,
                                                     &pid, &spawnErrno, &counterFD)
                                } ?? lb_spawn(path, a.baseAddress, e.baseAddress, cwd, out, err, &lim, &pid, &spawnErrno)
                            }
                        }
                    }
                }
            }
        }
        if rc == -2, let counter {
            throw ChildProcessError.counterUnavailable(event: counter.name, errno: spawnErrno)
        }
        if rc != 0 {
            throw ChildProcessError.spawnFailed(command: argv[0], errno: spawnErrno)
        }
        return (pid, counterFD, start)
    }

    /// Waits until the direct child has exited (zombie, not yet reaped), the deadline passes or an
    /// interruption is requested. Not reaping keeps pid == pgid reserved, so the caller's group kill cannot
    /// hit a reused pid. Returns whether the deadline passed with the child still running, and the errno of
    /// a failed wait (0 when none).
    private static func waitForExit(pid: pid_t, deadline: UInt64?, interruption: Interruption) -> (timedOut: Bool, errno: Int32) {
        var timedOut = false
        var waitErrno: Int32 = 0
        let pidfd = lb_pidfd_open(pid)
        let pidfdErrno = errno
        if pidfd >= 0 {
            defer { close(pidfd) }
            // Child and interruption pipe: the child is not in the terminal's foreground group, so Ctrl-C does
            // not reach it; an interruption wakes this wait and the group is killed below.
            var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: interruption.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
            let watched = nfds_t(interruption.wakeDescriptor >= 0 ? 2 : 1)
            // Without a pipe, a wait that can be interrupted asks every 50 ms.
            let askEvery: Int32 = interruption.isNever || interruption.wakeDescriptor >= 0 ? -1 : 50
            while true {
                if interruption.isRequested { break }
                var waitMs: Int32 = -1
                if let deadline {
                    let now = MonotonicClock.nanoseconds()
                    if now >= deadline {
                        timedOut = poll(&fds, 1, 0) <= 0  // still running at the deadline
                        break
                    }
                    waitMs = Int32(min((deadline - now + 999_999) / 1_000_000, UInt64(Int32.max)))
                }
                if askEvery > 0 && (waitMs < 0 || waitMs > askEvery) { waitMs = askEvery }
                let n = poll(&fds, watched, waitMs)
                if n > 0 && fds[0].revents != 0 { break }
                if n < 0 && errno != EINTR { waitErrno = errno; break }
            }
        } else if deadline == nil {
            // No pidfd (kernel < 5.3): block without reaping.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 {
                if errno != EINTR { waitErrno = errno; break }
            }
        } else {
            waitErrno = pidfdErrno  // a timeout cannot be honoured without a pidfd
        }
        return (timedOut, waitErrno)
    }

    /// CPUs this process may run on (sched_getaffinity), unlike ProcessInfo.activeProcessorCount.
    public static var usableCPUCount: Int { Int(lb_usable_cpu_count()) }

    // MARK: - Helpers

    /// PATH search done before fork (the child may only call async-signal-safe functions). A command
    /// containing '/' is left as it is: the child resolves it after changing to `workingDirectory`.
    static func resolveExecutable(_ command: String, environment: [String: String],
                                  workingDirectory: String?) throws -> String {
        if command.contains("/") { return command }
        let found = ExecutableLookup.search(command, searchPath: environment["PATH"], relativeTo: workingDirectory)
        if let path = found.path { return path }
        throw ChildProcessError.spawnFailed(command: command, errno: found.foundNonExecutable ? EACCES : ENOENT)
    }

    static func errorString(_ err: Int32) -> String {
        guard let s = strerror(err) else { return "unknown error" }
        return String(cString: s)
    }

    private static func seconds(_ tv: timeval) -> Double {
        Double(tv.tv_sec) + Double(tv.tv_usec) / 1e6
    }

    private static func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let s else { return body(nil) }
        return s.withCString { body($0) }
    }
}
