import Foundation
import LabeilleCore
import LabeilleStats

extension RunQueries {
    /// Packages of a run that were skipped (no measurements).
    public static func skippedPackages(db: Database, runID: Int64) throws -> Set<String> {
        Set(try db.query("SELECT package FROM package_result WHERE run_id = ? AND skipped = 1", [runID]).compactMap { $0[0].stringValue })
    }

    /// `call` durations of the measured ok iterations of one package, per test and condition (two
    /// conditions), in iteration order, with each iteration's schedule round.
    public static func testCallDurations(db: Database, runID: Int64, package: String, conditions: [String]) throws
        -> (durations: [String: [String: [Double]]], rounds: [String: [String: [Int?]]]) {
        var data: [String: [String: [Double]]] = [:]  // test -> condition -> durations
        var rounds: [String: [String: [Int?]]] = [:]
        try db.forEachRow("""
            SELECT tc.test_id, c.name, td.duration_s, i.round
            FROM test_duration td
            JOIN iteration i ON i.iteration_id = td.iteration_id
            JOIN package_condition pc ON pc.package_condition_id = i.package_condition_id
            JOIN package_result pr ON pr.package_result_id = pc.package_result_id
            JOIN condition c ON c.condition_id = pc.condition_id
            JOIN test_case tc ON tc.test_case_id = td.test_case_id
            WHERE pr.run_id = ? AND pr.package = ? AND c.name IN (?, ?) AND i.warmup = 0 AND i.status = 'ok'
              AND td.phase = 'call'
            ORDER BY tc.test_id, i.idx
            """, [runID, package, conditions[0], conditions[1]]) { st in
            let test = try st.requiredString(0), cond = try st.requiredString(1)
            data[test, default: [:]][cond, default: []].append(st.double(2) ?? .nan)
            rounds[test, default: [:]][cond, default: []].append(st.int(3))
        }
        return (data, rounds)
    }

    /// Packages of a run with per-test `call` durations in a measured ok iteration.
    public static func packagesWithTestDurations(db: Database, runID: Int64) throws -> Set<String> {
        Set(try db.query("""
            SELECT DISTINCT pr.package FROM package_result pr
            JOIN package_condition pc ON pc.package_result_id = pr.package_result_id
            JOIN iteration i ON i.package_condition_id = pc.package_condition_id
            WHERE pr.run_id = ? AND i.warmup = 0 AND i.status = 'ok'
              AND EXISTS (SELECT 1 FROM test_duration td WHERE td.iteration_id = i.iteration_id AND td.phase = 'call')
            """, [runID]).compactMap { $0[0].stringValue })
    }
}
