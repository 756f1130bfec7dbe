import Foundation
import LabeilleCore
import LabeilleStats

extension WorkloadAnalysis {
    /// The workloads of one run: package → condition → workload.
    public static func load(db: Database, benchID: String) throws -> [String: [String: ConditionWorkload]] {
        var out: [String: [String: ConditionWorkload]] = [:]
        try db.forEachRow("""
            SELECT package, condition, iteration, warmup, status, tests_passed, tests_failed, tests_skipped, tests_errors,
                   tests_xfailed, tests_xpassed, tests_subtests, tests_digest
            FROM v_iterations WHERE bench_id = ? ORDER BY package_position, condition_position, iteration
            """, [benchID]) { st in
            let pkg = try st.requiredString(0), cond = try st.requiredString(1)
            var w = out[pkg]?[cond] ?? ConditionWorkload(package: pkg, condition: cond, iterations: [], unknown: 0)
            if let passed = st.int(5) {
                let c = TestCounts(passed: passed, failed: st.int(6) ?? 0, skipped: st.int(7) ?? 0, errors: st.int(8) ?? 0,
                                   xfailed: st.int(9) ?? 0, xpassed: st.int(10) ?? 0, subtests: st.int(11) ?? 0)
                w.iterations.append(.init(index: st.int(2) ?? 0, warmup: st.int(3) == 1, status: st.string(4) ?? "", counts: c,
                                          signature: WorkloadSignature(ran: c.ran, skipped: c.skipped, digest: st.string(12))))
            } else {
                w.unknown += 1
            }
            out[pkg, default: [:]][cond] = w
        }
        return out
    }
}
