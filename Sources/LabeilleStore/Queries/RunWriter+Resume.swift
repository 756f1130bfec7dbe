import Foundation
import LabeilleCore

// The writes `bench run` needs beyond inserting: resuming a run that is partly stored, and marking
// conditions that converged early.
extension RunWriter {
    /// The stored result of `package` in this run, when an earlier session recorded it.
    public func existingPackageResultID(package: String) throws -> Int64? {
        try db.scalar("SELECT package_result_id FROM package_result WHERE run_id = ? AND package = ?", [runID, package])
            .intValue.map(Int64.init)
    }

    /// The package × condition row of a stored package result, nil when that condition was not recorded.
    public func packageConditionID(packageResultID: Int64, condition: String) throws -> Int64? {
        try db.scalar("""
            SELECT pc.package_condition_id FROM package_condition pc JOIN condition c ON c.condition_id = pc.condition_id
            WHERE pc.package_result_id = ? AND c.name = ?
            """, [packageResultID, condition]).intValue.map(Int64.init)
    }

    /// A package recorded as failed by an earlier session is measured now: it is no longer skipped.
    public func markMeasuredAgain(packageResultID: Int64) throws {
        try db.run("UPDATE package_result SET skipped = 0, skip_reason = '' WHERE package_result_id = ?", [packageResultID])
    }

    /// Adaptive runs: the condition reached its precision target before its last iteration.
    public func markConvergedEarly(packageConditionID: Int64) throws {
        try db.run("UPDATE package_condition SET converged_early = 1 WHERE package_condition_id = ?", [packageConditionID])
    }
}
