import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// Where a child's standard output and standard error go. Standard input is always /dev/null.
public enum ProcessOutput: Sendable, Equatable {
    /// Both to /dev/null.
    case discard
    /// Each to its own file, created or truncated (nil: /dev/null).
    case files(stdout: String?, stderr: String?)
    /// Both kept in the outcome, each cut to its first `limit` bytes. They pass through temporary files, not
    /// pipes, so a child that writes a lot never blocks on a full pipe and a grandchild that keeps a copy of
    /// the descriptor cannot hold the caller.
    case capture(limit: Int)

    /// Enough for any probe or git answer; a runaway child cannot exhaust memory.
    public static let captured = ProcessOutput.capture(limit: Limits.maxFileBytes)
}

/// One child process to run: what, where, with which limits, and for how long at most.
public struct ProcessRequest: Sendable, Equatable {
    /// argv[0] is an absolute path, a path relative to `workingDirectory`, or a name looked up in the PATH of
    /// `environment`.
    public var argv: [String]
    /// The child's complete environment (nothing is inherited).
    public var environment: [String: String]
    public var workingDirectory: String?
    public var output: ProcessOutput
    public var limits: ProcessLimits
    /// Seconds; when it expires the child's whole process group is killed. nil: no limit.
    public var timeout: Double?
    /// A hardware counter read over the whole process tree.
    public var counter: CounterEvent?

    public init(_ argv: [String], environment: [String: String], workingDirectory: String? = nil, output: ProcessOutput = .discard,
                limits: ProcessLimits = .init(), timeout: Double?, counter: CounterEvent? = nil) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.output = output
        self.limits = limits
        self.timeout = timeout
        self.counter = counter
    }
}

/// Runs child processes. The runner, the workspace and the probes go through this, so tests can put a
/// scripted executor in place of real processes.
public protocol ProcessExecutor: Sendable {
    func run(_ request: ProcessRequest) throws -> ProcessOutcome
}

/// The real executor: `ChildProcess.run`, plus capture of the output when asked for.
public struct SpawningExecutor: ProcessExecutor {
    /// A requested interruption kills the child's process group (the run then stops, resumably).
    public let interruption: Interruption
    public init(interruption: Interruption = .never) { self.interruption = interruption }

    public func run(_ request: ProcessRequest) throws -> ProcessOutcome {
        switch request.output {
        case .discard:
            return try spawn(request, stdout: nil, stderr: nil)
        case let .files(stdout, stderr):
            return try spawn(request, stdout: stdout, stderr: stderr)
        case let .capture(limit):
            let base = FileManager.default.temporaryDirectory
                .appendingPathComponent("labeille-capture-\(getpid())-\(UUID().uuidString.prefix(8))").path
            let (outPath, errPath) = (base + ".out", base + ".err")
            defer { unlink(outPath); unlink(errPath) }
            var outcome = try spawn(request, stdout: outPath, stderr: errPath)
            outcome.standardOutput = Self.prefix(of: outPath, limit: limit)
            outcome.standardError = Self.prefix(of: errPath, limit: limit)
            return outcome
        }
    }

    private func spawn(_ r: ProcessRequest, stdout: String?, stderr: String?) throws -> ProcessOutcome {
        try ChildProcess.run(r.argv, environment: r.environment, workingDirectory: r.workingDirectory, stdoutPath: stdout,
                             stderrPath: stderr, limits: r.limits, timeout: r.timeout, counter: r.counter,
                             interruption: interruption)
    }

    /// The first `limit` bytes of a file (empty when it cannot be read).
    static func prefix(of path: String, limit: Int) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        return [UInt8]((try? handle.read(upToCount: max(0, limit))) ?? Data())
    }
}

/// Failure of a setup command (git, venv, pip, an install command), with its last lines of output.
public struct SetupError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ProcessExecutor {
    /// Runs a helper command with its output captured (default timeout 10 minutes).
    public func capture(_ argv: [String], environment: [String: String], cwd: String? = nil,
                        timeout: Double = 600) throws -> ProcessOutcome {
        try run(ProcessRequest(argv, environment: environment, workingDirectory: cwd, output: .captured, timeout: timeout))
    }

    /// Runs a helper command and returns its standard output; when it fails, throws `SetupError` naming
    /// `what`, how it failed and its last output lines.
    @discardableResult
    public func check(_ argv: [String], environment: [String: String], cwd: String? = nil, timeout: Double = 600,
                      what: String) throws -> String {
        let o = try capture(argv, environment: environment, cwd: cwd, timeout: timeout)
        guard o.exitCode == 0 else {
            let tail = (o.outputText + o.errorText).split(separator: "\n").suffix(3).joined(separator: " | ")
            let why = o.timedOut ? "timed out after \(Int(timeout)) s"
                : o.signal.map { "killed by signal \($0)" } ?? "exit \(o.exitCode ?? -1)"
            throw SetupError("\(what) failed (\(why))\(tail.isEmpty ? "" : ": \(tail)")")
        }
        return o.outputText
    }
}
