import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore

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
        try PythonFormat.writeAtomically(merged.metaText, to: (folder as NSString).appendingPathComponent("bench_meta.json"))
        try PythonFormat.writeAtomically(merged.resultsText, to: (folder as NSString).appendingPathComponent("bench_results.jsonl"))
        return folder
    }
}
