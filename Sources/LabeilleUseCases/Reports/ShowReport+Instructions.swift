import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
extension ShowReport {
    /// For runs with instruction counts: the median count and its CV per package × condition, and how they
    /// were counted (under Valgrind the times above are missing: instrumented iterations are not timings).
    static func instructionLines(store: Store, run: StoredRun) throws -> [String] {
        guard try RunQueries.hasInstructionCounts(db: store.db, benchID: run.benchID) else { return [] }
        let skipped = try RunQueries.skippedPackages(db: store.db, runID: run.runID)
        let rows = try RunQueries.conditionStats(db: store.db, benchID: run.benchID, metric: Metric.instructions.rawValue)
            .filter { $0.n > 0 && !skipped.contains($0.package) }
        let methods = try RunQueries.instructionMethods(benchID: run.benchID, db: store.db)
        var t = TextTable([("Package", .left), ("Condition", .left), ("Instructions (median)", .right), ("CV", .right), ("n", .right)])
        for r in rows {
            t.add([r.package, r.condition, r.median.map { NumberText.count($0) } ?? "N/A", r.cv.map { NumberText.f($0 * 100, 4) + "%" } ?? "N/A", String(r.n)])
        }
        let instrumented = methods.contains(InstructionCountingMethod.valgrind.rawValue)
            ? "; Valgrind iterations are instrumented, so their times are left out above" : ""
        return ["", "Instruction counts (user space, whole process tree; counted with \(methods.joined(separator: ", "))\(instrumented))",
                t.render()]
    }
}
