import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// The instruction-counting part of an iteration (`bench run --instructions`).
extension BenchRunner {
    /// Fixes PYTHONHASHSEED and prepares the command and counter of one iteration; nil without --instructions.
    func prepareCounting(argv: [String], environment env: inout [String: String], workingDirectory: String, index: Int,
                         scratch: String) throws -> InstructionCounter.Prepared? {
        guard let counter = instructionCounter else { return nil }
        if env["PYTHONHASHSEED"] == nil { env["PYTHONHASHSEED"] = String(InstructionCounter.hashSeed(iteration: index)) }
        do {
            return try counter.prepare(argv: argv, environment: env, workingDirectory: workingDirectory, scratch: scratch)
        } catch {
            throw RunError("cannot count the instructions of \(argv.joined(separator: " ")): \(error)")
        }
    }

    /// Stores the count, the method and the seed in the iteration's record. Valgrind's files are kept for
    /// iterations that did not pass, next to their logs.
    func recordCount(_ record: inout IterationRecord, _ prepared: InstructionCounter.Prepared, outcome: ProcessOutcome,
                     environment env: [String: String]) {
        guard let counter = instructionCounter else { return }
        record.instructions = counter.collect(prepared, outcome: outcome, keepFiles: record.status != "ok")
        record.instructionMethod = counter.method
        record.instrumented = counter.method.instrumented
        record.hashSeed = env["PYTHONHASHSEED"].flatMap { Int($0) }
        if record.instructions == nil && record.status == "ok" {
            log("Warning: no instruction count for iteration \(record.index) (\(counter.method.rawValue) produced none)")
        }
    }

    static func instructionCountingNote(_ counter: InstructionCounter) -> String {
        switch counter.method {
        case .perf:
            return "Counting instructions with the hardware counter (perf_event_open); times are measured as usual"
        case .valgrind:
            return "Counting instructions with Valgrind (cachegrind): iterations run instrumented, about 20-50x slower; "
                + "their times are stored as instrumented and left out of the time statistics (raise --timeout if needed)"
        }
    }
}
