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
        try ShardStore.storeMergedRun(
            meta: merged.meta, packages: merged.packages, digest: merged.contentDigest,
            sourceDir: URL(fileURLWithPath: folder).standardizedFileURL.path, db: store.db,
            notMerged: { MergeError("bench id \(merged.meta.benchID) is already stored and is not a merged run; choose another with --bench-id") })
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
