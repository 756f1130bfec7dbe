import LabeilleCore
import LabeilleStats
/// Instruction counts of iterations in the store and in the Python tool's files (extra keys it ignores).

extension RunWriter {
    /// Stores the instruction count, method, instrumentation flag and hash seed of a just-inserted iteration.
    func recordInstructionCount(iterationID: Int64, _ it: IterationRecord) throws {
        guard it.instructions != nil || it.instructionMethod != nil || it.instrumented || it.hashSeed != nil else { return }
        try db.run("UPDATE iteration SET instructions = ?, instruction_method = ?, instrumented = ?, hash_seed = ? WHERE iteration_id = ?",
                   [it.instructions, it.instructionMethod?.rawValue, it.instrumented, it.hashSeed, iterationID])
    }
}

extension IterationRecord {
    /// Reads `instructions, instruction_method, instrumented, hash_seed` from consecutive result columns.
    mutating func readInstructionColumns(_ st: Statement, from first: Int32) {
        instructions = st.int(first)
        instructionMethod = st.string(first + 1).flatMap(InstructionCountingMethod.init(rawValue:))
        instrumented = st.int(first + 2) == 1
        hashSeed = st.int(first + 3)
    }
}

extension PythonFormat {
    /// Keys of an iteration object that only this tool writes (the Python tool ignores unknown keys).
    static func instructionKeys(_ it: IterationRecord) -> [(String, JSONValue)] {
        var pairs: [(String, JSONValue)] = []
        if let n = it.instructions { pairs.append(("instructions", .int(n))) }
        if let m = it.instructionMethod { pairs.append(("instruction_method", .string(m.rawValue))) }
        if it.instrumented { pairs.append(("instrumented", .bool(true))) }
        if let seed = it.hashSeed { pairs.append(("hash_seed", .int(seed))) }
        return pairs
    }

    /// The statistics block of a condition's measured instruction counts (an extra key), when it has any.
    static func instructionStatsKey(_ iterations: [IterationRecord]) -> [(String, JSONValue)] {
        let counts = iterations.filter { !$0.warmup }.compactMap(\.instructions).map(Double.init)
        return counts.isEmpty ? [] : [("instructions_stats", statsBlock(counts))]
    }

    static func decodeInstructionKeys(_ o: JSONObjectReader, into it: inout IterationRecord) throws {
        if let n = try o.int("instructions") {
            guard n >= 0 else { throw FormatError("field '\(o.path).instructions': expected a count >= 0, got \(n)") }
            it.instructions = n
        }
        if let m = try o.string("instruction_method") {
            guard let method = InstructionCountingMethod(rawValue: m) else {
                throw FormatError("field '\(o.path).instruction_method': expected one of "
                                  + InstructionCountingMethod.allCases.map(\.rawValue).joined(separator: ", ") + ", got '\(m)'")
            }
            it.instructionMethod = method
        }
        it.instrumented = try o.bool("instrumented") ?? false
        it.hashSeed = try o.int("hash_seed")
    }
}

extension RunQueries {
    /// Whether any iteration of the run has an instruction count.
    public static func hasInstructionCounts(db: Database, benchID: String) throws -> Bool {
        try db.scalar("""
            SELECT EXISTS (SELECT 1 FROM iteration i JOIN package_condition pc ON pc.package_condition_id = i.package_condition_id
                           JOIN package_result pr ON pr.package_result_id = pc.package_result_id JOIN run r ON r.run_id = pr.run_id
                           WHERE r.bench_id = ? AND i.instructions IS NOT NULL)
            """, [benchID]).intValue == 1
    }
}
