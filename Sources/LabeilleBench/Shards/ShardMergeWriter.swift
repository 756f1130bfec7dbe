import Foundation

extension ShardMerge {
    /// Stores the merged run in one transaction. The same content already stored under its bench id
    /// changes nothing; a different merged content (e.g. a shard that was missing is now there) replaces
    /// it. A stored run of that bench id that is not a merged run is never touched.
    public static func store(_ merged: MergedRun, into store: Store, folder: String) throws -> Outcome {
        let db = store.db
        let digest = merged.contentDigest
        // Every id is assigned here: foreign keys off for the delete-and-insert, as ingest does.
        try db.execute("PRAGMA foreign_keys = OFF")
        defer { try? db.execute("PRAGMA foreign_keys = ON") }
        return try db.transaction {
            var outcome = Outcome.stored
            if let existing = try db.scalar("SELECT run_id FROM run WHERE bench_id = ?", [merged.meta.benchID]).intValue {
                guard let stored = try db.query("SELECT content_digest FROM merged_run WHERE run_id = ?", [existing]).first else {
                    throw MergeError("bench id \(merged.meta.benchID) is already stored and is not a merged run; choose another with --bench-id")
                }
                if stored[0].stringValue == digest { return .unchanged }
                try RunWriter.deleteRun(db: db, runID: Int64(existing))
                outcome = .replaced
            }
            let writer = try RunWriter(db: db, meta: merged.meta, origin: "measured",
                                       sourceDir: URL(fileURLWithPath: folder).standardizedFileURL.path)
            for p in merged.packages { try writer.insertPackage(p) }
            try db.run("UPDATE merged_run SET content_digest = ? WHERE run_id = ?", [digest, writer.runID])
            return outcome
        }
    }

    /// Writes `<resultsDir>/<bench id>/` in the labeille format (bench_meta.json, bench_results.jsonl);
    /// returns the folder. Same content, same bytes: writing it again is harmless.
    public static func writeFolder(_ merged: MergedRun, resultsDir: String) throws -> String {
        let folder = (resultsDir as NSString).appendingPathComponent(merged.meta.benchID)
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw MergeError("cannot create the results folder \(folder): \(error.localizedDescription)")
        }
        try AtomicFile.write(merged.metaText, to: (folder as NSString).appendingPathComponent("bench_meta.json"))
        try AtomicFile.write(merged.resultsText, to: (folder as NSString).appendingPathComponent("bench_results.jsonl"))
        return folder
    }
}

/// The machines of a sharded or merged run, for `show`, `compare` and `report`.
public enum ShardMachinesReport {
    /// Lines describing where the run was measured; empty for a run of one machine that is not a shard.
    public static func lines(runID: Int64, db: Database) throws -> [String] {
        if let shard = try ShardStore.shardInfo(runID: runID, db: db) {
            var line = "Shard:    \(shard.spec) of group \(shard.group) (\(shard.assignment.rawValue) assignment, \(shard.packages.count) of \(shard.selectedTotal) packages"
            if let p = shard.predictedShardSeconds, let m = shard.predictedMakespanSeconds {
                line += "; predicted \(ShardSelection.formatDuration(p)), makespan \(ShardSelection.formatDuration(m))"
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
    /// The machine lines and warnings of one run.
    public struct Note: Sendable {
        public var benchID: String
        public var lines: [String]
        public var warnings: [String]
    }

    /// Notes of the sharded or merged runs among `runs`.
    public static func notes(_ runs: [StoredRun], db: Database) throws -> [Note] {
        try runs.compactMap { run in
            let lines = try lines(runID: run.runID, db: db)
            return lines.isEmpty ? nil : Note(benchID: run.benchID, lines: lines, warnings: try warnings(runID: run.runID, db: db))
        }
    }

    /// The machines section of the HTML report.
    static func render(_ w: inout HTMLWriter, _ notes: [Note]) {
        guard !notes.isEmpty else { return }
        w.element("h3", ["id": "machines"], text: "Machines")
        for note in notes {
            w.element("pre", ["class": "machines"], text: note.lines.joined(separator: "\n"))
            for warning in note.warnings { w.element("p", ["class": "note machines-warning"], text: "⚠ " + warning) }
        }
    }
}
