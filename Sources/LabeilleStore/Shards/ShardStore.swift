import Foundation
import LabeilleCore
import LabeilleStats

/// The shard tables of the database (migration 0005): written with a run's meta, read back for resume,
/// merge and the reports.
public enum ShardStore {
    /// Deletes of `RunWriter.deleteRun` for these tables (parameter ?1 = run id), children first.
    static let deleteStatements = [
        "DELETE FROM package_shard WHERE package_result_id IN (SELECT package_result_id FROM package_result WHERE run_id = ?1)",
        "DELETE FROM merged_shard WHERE run_id = ?1",
        "DELETE FROM merged_run WHERE run_id = ?1",
        "DELETE FROM run_shard_package WHERE run_id = ?1",
        "DELETE FROM run_shard WHERE run_id = ?1",
    ]

    /// Stores the `shard` and `shard_merge` parts of a run's meta.
    static func record(_ meta: RunMeta, runID: Int64, db: Database) throws {
        if let s = meta.shard {
            try db.run("""
                INSERT INTO run_shard (run_id, shard_group, shard_index, shard_count, assignment, plan_digest, selected_total,
                    predicted_shard_s, predicted_makespan_s) VALUES (?,?,?,?,?,?,?,?,?)
                """, [runID, s.group, s.spec.index, s.spec.count, s.assignment.rawValue, s.planDigest, s.selectedTotal,
                      s.predictedShardSeconds, s.predictedMakespanSeconds])
            for (i, p) in s.packages.enumerated() {
                try db.run("INSERT INTO run_shard_package (run_id, position, package) VALUES (?,?,?)", [runID, i, p])
            }
        }
        if let m = meta.shardMerge {
            try db.run("INSERT INTO merged_run (run_id, shard_group, shard_count, plan_digest, complete) VALUES (?,?,?,?,?)",
                       [runID, m.group, m.count, m.planDigest, m.complete])
            for s in m.machines {
                try db.run("""
                    INSERT INTO merged_shard (run_id, shard_index, source_bench_id, hostname, cpu_model, cpu_architecture,
                        cpu_cores_logical, ram_total_gb, os_kernel_version, os_distro, start_time, end_time)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                    """, [runID, s.shardIndex, s.sourceBenchID, s.hostname, s.cpuModel, s.cpuArchitecture, s.cpuCoresLogical,
                          s.ramTotalGB, s.osKernelVersion, s.osDistro, s.startTime, s.endTime])
            }
        }
    }

    static func recordPackageShard(packageResultID: Int64, shard: Int, db: Database) throws {
        try db.run("INSERT OR REPLACE INTO package_shard (package_result_id, shard_index) VALUES (?,?)", [packageResultID, shard])
    }

    /// The shard a stored run covers, or nil.
    public static func shardInfo(runID: Int64, db: Database) throws -> ShardInfo? {
        guard let r = try db.query("""
            SELECT shard_group, shard_index, shard_count, assignment, plan_digest, selected_total, predicted_shard_s,
                   predicted_makespan_s FROM run_shard WHERE run_id = ?
            """, [runID]).first else { return nil }
        let packages = try db.query("SELECT package FROM run_shard_package WHERE run_id = ? ORDER BY position", [runID])
            .compactMap { $0[0].stringValue }
        return ShardInfo(group: r[0].stringValue ?? "", spec: ShardSpec(index: r[1].intValue ?? 1, count: r[2].intValue ?? 1),
                         assignment: ShardAssignment(rawValue: r[3].stringValue ?? "") ?? .hash, planDigest: r[4].stringValue ?? "",
                         packages: packages, selectedTotal: r[5].intValue ?? 0, predictedShardSeconds: r[6].doubleValue,
                         predictedMakespanSeconds: r[7].doubleValue)
    }

    /// The shards a stored merged run holds, or nil when it is not a merged run.
    public static func mergeInfo(runID: Int64, db: Database) throws -> ShardMergeInfo? {
        guard let r = try db.query("SELECT shard_group, shard_count, plan_digest FROM merged_run WHERE run_id = ?", [runID]).first
        else { return nil }
        let machines = try db.query("""
            SELECT shard_index, source_bench_id, hostname, cpu_model, cpu_architecture, cpu_cores_logical, ram_total_gb,
                   os_kernel_version, os_distro, start_time, end_time FROM merged_shard WHERE run_id = ? ORDER BY shard_index
            """, [runID]).map { row -> ShardMachine in
            var m = ShardMachine(shardIndex: row[0].intValue ?? 0, sourceBenchID: row[1].stringValue ?? "")
            m.hostname = row[2].stringValue ?? ""; m.cpuModel = row[3].stringValue ?? ""; m.cpuArchitecture = row[4].stringValue ?? ""
            m.cpuCoresLogical = row[5].intValue ?? 0; m.ramTotalGB = row[6].doubleValue ?? 0
            m.osKernelVersion = row[7].stringValue ?? ""; m.osDistro = row[8].stringValue ?? ""
            m.startTime = row[9].stringValue ?? ""; m.endTime = row[10].stringValue ?? ""
            return m
        }
        return ShardMergeInfo(group: r[0].stringValue ?? "", count: r[1].intValue ?? 0, planDigest: r[2].stringValue ?? "",
                              machines: machines)
    }

    /// The stored run of shard `spec` of `group`, if this database holds one.
    public static func findShardRun(group: String, spec: ShardSpec, db: Database) throws -> (benchID: String, finished: Bool)? {
        guard let r = try db.query("""
            SELECT r.bench_id, r.end_time FROM run_shard s JOIN run r ON r.run_id = s.run_id
            WHERE s.shard_group = ? AND s.shard_index = ? AND s.shard_count = ? ORDER BY r.run_id DESC LIMIT 1
            """, [group, spec.index, spec.count]).first else { return nil }
        return (r[0].stringValue ?? "", !(r[1].stringValue ?? "").isEmpty)
    }
}
