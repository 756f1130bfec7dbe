import Foundation
import LabeilleCore
import LabeilleStats

/// Reads a stored run back as the `bench_meta.json` record it was written from (for `bench merge` of shard
/// databases, whose results folders may be on another machine).
public enum StoredRunMeta {
    public static func load(runID: Int64, db: Database) throws -> RunMeta {
        guard let r = try db.query("""
            SELECT bench_id, name, description, start_time, end_time, packages_total, packages_completed, packages_skipped,
                   config_json FROM run WHERE run_id = ?
            """, [runID]).first else { throw DatabaseError("no run \(runID)") }
        var m = RunMeta(benchID: r[0].stringValue ?? "")
        m.name = r[1].stringValue ?? ""; m.description = r[2].stringValue ?? ""
        m.startTime = r[3].stringValue ?? ""; m.endTime = r[4].stringValue ?? ""
        m.packagesTotal = r[5].intValue ?? 0; m.packagesCompleted = r[6].intValue ?? 0; m.packagesSkipped = r[7].intValue ?? 0
        if let config = try? JSONParser.parse(r[8].stringValue ?? "{}") {
            m.config = try PythonFormat.decodeConfig(JSONObjectReader(config, path: "config"))
        }
        if let run = try RunQueries.load(benchID: m.benchID, db: db), let system = run.system { m.system = system }
        m.cliArgs = try db.query("SELECT arg FROM run_cli_arg WHERE run_id = ? ORDER BY position", [runID]).compactMap { $0[0].stringValue }
        try loadConditions(into: &m, runID: runID, db: db)
        m.shard = try ShardStore.shardInfo(runID: runID, db: db)
        m.shardMerge = try ShardStore.mergeInfo(runID: runID, db: db)
        return m
    }

    static func loadConditions(into m: inout RunMeta, runID: Int64, db: Database) throws {
        for row in try db.query("""
            SELECT condition_id, name, description, target_python, test_command_override, test_command_prefix,
                   test_command_suffix, install_command, memory_limit_mb, cpu_time_limit_s, file_size_limit_mb
            FROM condition WHERE run_id = ? ORDER BY position
            """, [runID]) {
            let id = row[0]
            var c = ConditionDefinition(name: row[1].stringValue ?? "")
            c.description = row[2].stringValue ?? ""; c.targetPython = row[3].stringValue ?? ""
            c.testCommandOverride = row[4].stringValue; c.testCommandPrefix = row[5].stringValue
            c.testCommandSuffix = row[6].stringValue; c.installCommand = row[7].stringValue
            c.constraints.memoryLimitMB = row[8].intValue; c.constraints.cpuTimeLimitS = row[9].intValue
            c.constraints.fileSizeLimitMB = row[10].intValue
            c.env = try db.query("SELECT key, value FROM condition_env WHERE condition_id = ? ORDER BY position", [id])
                .map { KeyValue($0[0].stringValue ?? "", $0[1].stringValue ?? "") }
            c.extraDeps = try db.query("SELECT requirement FROM condition_extra_dep WHERE condition_id = ? ORDER BY position", [id])
                .compactMap { $0[0].stringValue }
            c.constraints.cpuAffinity = try db.query("SELECT cpu FROM condition_cpu_affinity WHERE condition_id = ? ORDER BY position", [id])
                .compactMap { $0[0].intValue }
            m.conditions.append(c)
            if let p = try db.query("""
                SELECT path, version, implementation, compiler, jit_available, jit_enabled, gil_disabled, debug_build,
                       hash_randomization, position FROM python_profile WHERE condition_id = ?
                """, [id]).first {
                var profile = PythonProfile()
                profile.path = p[0].stringValue ?? ""; profile.version = p[1].stringValue ?? ""
                profile.implementation = p[2].stringValue ?? ""; profile.compiler = p[3].stringValue ?? ""
                profile.jitAvailable = p[4].intValue == 1; profile.jitEnabled = p[5].intValue == 1
                profile.gilDisabled = p[6].intValue == 1; profile.debugBuild = p[7].intValue == 1
                profile.hashRandomization = p[8].intValue == 1
                profile.buildFlags = try db.query("SELECT flag FROM python_build_flag WHERE condition_id = ? ORDER BY position", [id])
                    .compactMap { $0[0].stringValue }
                m.pythonProfiles.append((c.name, profile))
            }
        }
    }

    /// Every package line of a stored run, in run order.
    public static func packages(runID: Int64, db: Database) throws -> [PackageResultRecord] {
        try db.query("SELECT package_result_id FROM package_result WHERE run_id = ? ORDER BY position", [runID]).map {
            try RunQueries.packageRecord(db: db, packageResultID: Int64(try $0[0].requiredInt()))
        }
    }
}
