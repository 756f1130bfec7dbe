import Foundation
import LabeilleCore

extension ShardStore {
    /// Whether a database holds shard runs at all (an older or foreign database has no shard tables).
    public static func hasShardTables(db: Database) throws -> Bool {
        try db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'run_shard'").intValue == 1
    }

    /// The shard runs of a database, optionally of one group, in shard order.
    public static func shardRunIDs(group: String?, db: Database) throws -> [Int64] {
        var sql = "SELECT run_id FROM run_shard"
        var params: [SQLBindable] = []
        if let group { sql += " WHERE shard_group = ?"; params.append(group) }
        return try db.query(sql + " ORDER BY shard_index, run_id", params).compactMap { $0[0].intValue.map(Int64.init) }
    }

    public enum MergedRunStoreOutcome: Equatable, Sendable { case stored, unchanged, replaced }

    /// Stores a merged run in one transaction. The same content (`digest`) already stored under its bench id
    /// changes nothing; a different merged content replaces it. A stored run of that bench id that is not a
    /// merged run is never touched: `notMerged` is thrown.
    public static func storeMergedRun(meta: RunMeta, packages: [PackageResultRecord], digest: String, sourceDir: String,
                                      db: Database, notMerged: () -> Error) throws -> MergedRunStoreOutcome {
        // Every id is assigned here: foreign keys off for the delete-and-insert, as ingest does.
        try db.execute("PRAGMA foreign_keys = OFF")
        defer { try? db.execute("PRAGMA foreign_keys = ON") }
        return try db.transaction {
            var outcome = MergedRunStoreOutcome.stored
            if let existing = try RunQueries.runID(benchID: meta.benchID, db: db) {
                guard let stored = try db.query("SELECT content_digest FROM merged_run WHERE run_id = ?", [existing]).first else {
                    throw notMerged()
                }
                if stored[0].stringValue == digest { return .unchanged }
                try RunWriter.deleteRun(db: db, runID: existing)
                outcome = .replaced
            }
            let writer = try RunWriter(db: db, meta: meta, origin: "measured", sourceDir: sourceDir)
            for p in packages { try writer.insertPackage(p) }
            try db.run("UPDATE merged_run SET content_digest = ? WHERE run_id = ?", [digest, writer.runID])
            return outcome
        }
    }
}
