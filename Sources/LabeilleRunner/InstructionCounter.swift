import Foundation
import LabeilleCore

/// Counts the user-space instructions of an iteration's whole process tree.
public struct InstructionCounter: Sendable {
    public let method: InstructionCountingMethod
    /// The valgrind executable (Valgrind method only).
    let valgrind: String?

    /// Cachegrind with the cache simulation off (only `Ir`, the executed instructions, is counted, at the
    /// lowest cost), following every exec and fork of the test command.
    ///
    /// `--smc-check=all-non-file`: Valgrind translates machine code once and reuses the translation. A JIT
    /// (CPython's copy-and-patch JIT, PyPy, numba, regex and FFI trampolines) writes code into anonymous
    /// memory and rewrites it; without checking such code for modification, Valgrind would keep running
    /// stale translations: wrong counts, or crashes. `all-non-file` checks exactly the mappings not backed by
    /// a file (where JIT code lives) and not the interpreter's and libraries' code. It is the default on
    /// x86-64 only; it is given explicitly so that every architecture behaves the same.
    static let valgrindOptions = ["--tool=cachegrind", "--cache-sim=no", "--trace-children=yes", "--smc-check=all-non-file"]

    /// Resolves the request before any work: `auto` takes the hardware counter when it opens, else Valgrind
    /// when it is installed, else fails naming what is missing.
    public static func resolve(_ request: InstructionCountingRequest, environment: [String: String]) throws -> InstructionCounter {
        let hardware = CounterEvent.instructions.unavailability()
        let valgrind = BenchSettings.findExecutable("valgrind", environment: environment)
        let noPMU = hardware.map {
            "no hardware instruction counter (perf_event_open of PERF_COUNT_HW_INSTRUCTIONS, user space, failed: "
                + "\(ChildProcess.errorString($0)); virtual machines usually expose no PMU, and perf_event_paranoid may forbid it)"
        }
        switch request {
        case .perf:
            if let noPMU { throw RunError("--instructions perf: \(noPMU); use --instructions valgrind") }
            return InstructionCounter(method: .perf, valgrind: nil)
        case .valgrind:
            guard let valgrind else { throw RunError("--instructions valgrind: valgrind is not on PATH (apt-get install valgrind)") }
            return InstructionCounter(method: .valgrind, valgrind: valgrind)
        case .auto:
            if hardware == nil { return InstructionCounter(method: .perf, valgrind: nil) }
            guard let valgrind else {
                throw RunError("--instructions auto: \(noPMU ?? "no hardware counter"), and valgrind is not on PATH "
                               + "(apt-get install valgrind); nothing was run")
            }
            return InstructionCounter(method: .valgrind, valgrind: valgrind)
        }
    }

    /// PYTHONHASHSEED of iteration `index` (1-based, warm-ups included).
    ///
    /// Hash randomisation is the main source of residual variation in instruction counts (string hashes
    /// change dict and set layouts, hence probe sequences and collisions). The seed is fixed per iteration
    /// and varied across iterations: iteration i of every condition runs with seed i. So the conditions are
    /// compared on the same set of seeds (seed effects cancel between them instead of posing as an effect),
    /// the result does not hang on one arbitrary seed's layout, the spread across iterations shows how
    /// much the seed matters, and a run can be reproduced exactly. A PYTHONHASHSEED that the condition sets
    /// itself is kept.
    public static func hashSeed(iteration index: Int) -> Int { index }

    /// What one iteration runs: the command (wrapped in Valgrind for that method) and the counter to attach.
    public struct Prepared {
        public var argv: [String]
        public var counter: CounterEvent?
        /// Where cachegrind writes one file per process (Valgrind method).
        public var outputDirectory: String?
    }

    /// Prepares one iteration. `scratch` is a folder for Valgrind's files (created; removed by `collect`).
    public func prepare(argv: [String], environment: [String: String], workingDirectory: String?,
                        scratch: String) throws -> Prepared {
        switch method {
        case .perf:
            return Prepared(argv: argv, counter: .instructions, outputDirectory: nil)
        case .valgrind:
            let program = try ChildProcess.resolveExecutable(argv[0], environment: environment, workingDirectory: workingDirectory)
            try? FileManager.default.removeItem(atPath: scratch)
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            // One output file per process (%p). Valgrind's own messages go to a log file, never to the test
            // processes' stderr, which tests may capture and check.
            let wrapped = [valgrind ?? "valgrind"] + Self.valgrindOptions + [
                "--cachegrind-out-file=\(scratch)/cachegrind.out.%p", "--log-file=\(scratch)/valgrind.%p.log",
            ] + [program] + argv.dropFirst()
            return Prepared(argv: wrapped, counter: nil, outputDirectory: scratch)
        }
    }

    /// The iteration's instruction count: the counter's value, or the sum of the `summary:` lines of every
    /// process's cachegrind file. nil when nothing was counted (e.g. a process killed before writing).
    /// Cachegrind names files by pid, so a process that calls exec() rewrites its own file: instructions a
    /// process runs before replacing itself (a shell's few thousand before `exec`) are not in the total.
    public func collect(_ prepared: Prepared, outcome: ProcessOutcome, keepFiles: Bool) -> Int? {
        if let reading = outcome.counted { return Int(exactly: reading.value) }
        guard let dir = prepared.outputDirectory else { return nil }
        defer { if !keepFiles { try? FileManager.default.removeItem(atPath: dir) } }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("cachegrind.out.") }
        var total = 0
        var found = false
        for file in files {
            guard let text = try? String(contentsOfFile: (dir as NSString).appendingPathComponent(file), encoding: .utf8),
                  let n = Self.cachegrindSummary(text) else { continue }
            total += n
            found = true
        }
        return found ? total : nil
    }

    /// The `Ir` total of one cachegrind output file (its `summary:` line; the first event is Ir).
    static func cachegrindSummary(_ text: String) -> Int? {
        for line in text.split(separator: "\n").reversed() where line.hasPrefix("summary:") {
            return line.dropFirst("summary:".count).split(separator: " ").first.flatMap { Int($0) }
        }
        return nil
    }
}
