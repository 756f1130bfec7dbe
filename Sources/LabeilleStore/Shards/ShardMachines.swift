import Foundation
import LabeilleCore

/// The machines of a sharded or merged run, for `show`, `compare` and `report`.
public enum ShardMachinesReport {
    /// Lines describing where the run was measured; empty for a run of one machine that is not a shard.
    public static func lines(runID: Int64, db: Database) throws -> [String] {
        if let shard = try ShardStore.shardInfo(runID: runID, db: db) {
            var line = "Shard:    \(shard.spec) of group \(shard.group) (\(shard.assignment.rawValue) assignment, \(shard.packages.count) of \(shard.selectedTotal) packages"
            if let p = shard.predictedShardSeconds, let m = shard.predictedMakespanSeconds {
                line += "; predicted \(NumberText.approximateDuration(p)), makespan \(NumberText.approximateDuration(m))"
            }
            return [line + ")"]
        }
        guard let merge = try ShardStore.mergeInfo(runID: runID, db: db) else { return [] }
        var counts: [Int: Int] = [:]
        for row in try db.query("""
            SELECT ps.shard_index, COUNT(*) FROM package_shard ps JOIN package_result pr ON pr.package_result_id = ps.package_result_id
            WHERE pr.run_id = ? GROUP BY ps.shard_index
            """, [runID]) { counts[row[0].intValue ?? 0] = row[1].intValue ?? 0 }
        var state = "complete"
        if !merge.complete {
            var parts: [String] = []
            if !merge.missingShards.isEmpty { parts.append("missing shards \(merge.missingShards.map(String.init).joined(separator: ", "))") }
            if !merge.unfinishedShards.isEmpty { parts.append("unfinished shards \(merge.unfinishedShards.map(String.init).joined(separator: ", "))") }
            state = "INCOMPLETE: " + parts.joined(separator: "; ")
        }
        var out = ["Machines: \(merge.machines.count) of \(merge.count) shards of group \(merge.group) (\(state))"]
        for m in merge.machines {
            out.append("  shard \(m.shardIndex): \(m.hostname.isEmpty ? "?" : m.hostname) — \(m.cpuModel), \(m.cpuCoresLogical) CPUs, "
                       + "\(Int(m.ramTotalGB.rounded())) GB, kernel \(m.osKernelVersion) — \(counts[m.shardIndex] ?? 0) packages (\(m.sourceBenchID))")
        }
        return out
    }

    /// Warnings about a merged run: missing shards, and shards on different hardware or kernels.
    public static func warnings(runID: Int64, db: Database) throws -> [String] {
        guard let merge = try ShardStore.mergeInfo(runID: runID, db: db) else { return [] }
        let benchID = try db.scalar("SELECT bench_id FROM run WHERE run_id = ?", [runID]).stringValue ?? "?"
        var out: [String] = []
        if !merge.missingShards.isEmpty {
            out.append("\(benchID) is incomplete: shards \(merge.missingShards.map(String.init).joined(separator: ", ")) of \(merge.count) are missing")
        }
        if !merge.unfinishedShards.isEmpty {
            out.append("\(benchID) is incomplete: shards \(merge.unfinishedShards.map(String.init).joined(separator: ", ")) were interrupted")
        }
        let hardware = Dictionary(grouping: merge.machines, by: \.hardwareKey)
        if hardware.count > 1 {
            let kinds = hardware.keys.sorted().map { key in "\(key) (shards \(hardware[key]!.map { String($0.shardIndex) }.joined(separator: ",")))" }
            out.append("the shards of \(benchID) ran on different hardware: \(kinds.joined(separator: "; ")). Each package's ratios "
                       + "are measured on one machine, but absolute times of packages on different machines are not comparable")
        }
        let kernels = Set(merge.machines.map(\.osKernelVersion))
        if kernels.count > 1 {
            out.append("the shards of \(benchID) ran on different kernels: \(kernels.sorted().joined(separator: ", "))")
        }
        return out
    }
}

extension ShardMachinesReport {
    /// Notes of the sharded or merged runs among `runs`.
    public static func notes(_ runs: [StoredRun], db: Database) throws -> [ShardMachinesNote] {
        try runs.compactMap { run in
            let lines = try lines(runID: run.runID, db: db)
            return lines.isEmpty ? nil : ShardMachinesNote(benchID: run.benchID, lines: lines, warnings: try warnings(runID: run.runID, db: db))
        }
    }
}
