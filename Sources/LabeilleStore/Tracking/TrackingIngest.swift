import Foundation
import LabeilleCore
import LabeilleStats

public struct TrackingIngestOutcome: Sendable, Equatable {
    public var seriesName: String
    /// False when the series already existed (its missing runs are appended, its pin updated).
    public var created: Bool
    /// Bench ids stored by this import (runs that were not in the database yet).
    public var runsIngested: [String]
    public var runsAdded: Int
    public var runsAlreadyPresent: Int
    public var pinnedBenchID: String?
    public var warnings: [String]
}

/// Imports a tracking series written by the Python labeille: `<dir>/tracking.json` and one
/// link per run next to it (a symlink, or a small file holding the path, relative to `<dir>`). Runs that are not
/// stored yet are ingested first (each in its own transaction); the series, its runs in file order, notes, commit
/// values and pin are then written in one transaction. Everything is checked before anything is written.
public enum TrackingIngest {
    struct Entry {
        var benchID: String
        var runDir: String
        var timestamp: String
        var notes: String
        var commit: [KeyValue]
        var directory: String?
    }

    @discardableResult
    public static func ingest(seriesDirectory dir: String, store: Store, log: (String) -> Void = { _ in }) throws -> TrackingIngestOutcome {
        let fm = FileManager.default
        let path = (dir as NSString).appendingPathComponent("tracking.json")
        guard fm.fileExists(atPath: path) else { throw IngestError("Series not found: no tracking.json in \(dir)") }
        let data: Data
        do { data = try SafeFile.read(path) } catch { throw IngestError("\(error)") }
        let doc: JSONValue
        do {
            doc = try data.withUnsafeBytes { try JSONParser.parse(bytes: $0.bindMemory(to: UInt8.self)) }
        } catch let e as JSONParseError {
            throw IngestError("Invalid JSON in \(path): \(e)")
        }
        guard case .object = doc else { throw IngestError("Expected JSON object in \(path), got \(doc.typeName)") }
        guard case .string(let name)? = doc["series_id"] else { throw IngestError("Invalid tracking.json in \(dir): missing series_id") }
        try Tracking.validateName(name)
        let description: String = { if case .string(let s)? = doc["description"] { return s }; return "" }()
        let created: String? = { if case .string(let s)? = doc["created"], !s.isEmpty { return s }; return nil }()
        let pinned: String? = { if case .string(let s)? = doc["pinned_baseline_id"], !s.isEmpty { return s }; return nil }()

        var entries: [Entry] = []
        if let runs = doc["runs"] {
            guard case .array(let items) = runs else { throw IngestError("\(path): runs is not an array") }
            for (i, item) in items.enumerated() {
                guard case .string(let benchID)? = item["bench_id"] else { throw IngestError("\(path): runs[\(i)] has no bench_id") }
                var e = Entry(benchID: benchID, runDir: benchID, timestamp: "", notes: "", commit: [], directory: nil)
                if case .string(let s)? = item["run_dir"], !s.isEmpty { e.runDir = s }
                if case .string(let s)? = item["timestamp"] { e.timestamp = s }
                if case .string(let s)? = item["notes"] { e.notes = s }
                if case .object(let pairs)? = item["commit_info"] {
                    for p in pairs {
                        switch p.value {
                        case .string(let v): e.commit.append(KeyValue(p.key, v))
                        case .integer(let v): e.commit.append(KeyValue(p.key, String(v)))
                        case .number(let v): e.commit.append(KeyValue(p.key, JSONWriter.formatNumber(v)))
                        case .bool(let v): e.commit.append(KeyValue(p.key, v ? "True" : "False"))
                        default: break
                        }
                    }
                }
                entries.append(e)
            }
        }

        // Locate every run before writing anything.
        let db = store.db
        for i in entries.indices {
            let stored = try db.scalar("SELECT COUNT(*) FROM run WHERE bench_id = ?", [entries[i].benchID]).intValue != 0
            if let found = locateRun(seriesDirectory: dir, runDir: entries[i].runDir) {
                let meta = try Ingest.readMeta(directory: found)
                guard meta.benchID == entries[i].benchID else {
                    throw IngestError("\(dir): the link '\(entries[i].runDir)' leads to \(found), which holds \(meta.benchID), not \(entries[i].benchID)")
                }
                if !stored { entries[i].directory = found }
            } else if !stored {
                throw IngestError("\(dir): run '\(entries[i].benchID)' not found (no readable link '\(entries[i].runDir)' next to tracking.json, and not stored)")
            }
        }

        var outcome = TrackingIngestOutcome(seriesName: name, created: false, runsIngested: [], runsAdded: 0,
                                            runsAlreadyPresent: 0, pinnedBenchID: nil, warnings: [])
        for e in entries {
            guard let d = e.directory else { continue }
            let o = try Ingest.ingest(directory: d, into: store)
            if o.kind != .alreadyStored {
                outcome.runsIngested.append(o.benchID)
                log("Ingested \(d) as \(o.benchID) (\(o.packages) packages, \(o.iterations) iterations)")
            }
        }

        try db.transaction {
            if try db.scalar("SELECT COUNT(*) FROM tracking_series WHERE name = ?", [name]).intValue == 0 {
                if let created {
                    try db.run("INSERT INTO tracking_series(name, description, created_at) VALUES (?,?,?)", [name, description, created])
                } else {
                    try db.run("INSERT INTO tracking_series(name, description) VALUES (?,?)", [name, description])
                }
                outcome.created = true
            }
            for e in entries {
                let o = try Tracking.add(seriesName: name, benchID: e.benchID, notes: e.notes, commit: e.commit,
                                   addedAt: nil, db: db)
                if o.kind == .added { outcome.runsAdded += 1 } else { outcome.runsAlreadyPresent += 1 }
                outcome.warnings += o.warnings
            }
            if let pinned {
                if entries.contains(where: { $0.benchID == pinned }) {
                    let sid = try db.scalar("SELECT series_id FROM tracking_series WHERE name = ?", [name])
                    try db.run("""
                        UPDATE tracking_series SET pinned_run_id = (SELECT run_id FROM run WHERE bench_id = ?) WHERE series_id = ?
                        """, [pinned, sid])
                    outcome.pinnedBenchID = pinned
                } else {
                    outcome.warnings.append("pinned_baseline_id '\(pinned)' is not one of the series' runs; not pinned")
                }
            }
        }
        return outcome
    }

    /// The run directory behind `<seriesDirectory>/<runDir>`: a symlink (absolute or relative), a directory, or a
    /// small file holding a path; relative paths are taken from the series directory. Falls back to
    /// `<seriesDirectory>/../../<runDir>` (the original's default layout results/tracking/<id> next to
    /// results/<bench_id>). Nil when none holds a bench_meta.json.
    static func locateRun(seriesDirectory dir: String, runDir: String) -> String? {
        let fm = FileManager.default
        let link = (dir as NSString).appendingPathComponent(runDir)
        var candidates: [String] = []
        func resolve(_ p: String) -> String {
            (p.hasPrefix("/") ? p : (dir as NSString).appendingPathComponent(p))
        }
        if let dest = try? fm.destinationOfSymbolicLink(atPath: link) {
            candidates.append(resolve(dest))
        } else {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: link, isDirectory: &isDir) {
                if isDir.boolValue {
                    candidates.append(link)
                } else if let attrs = try? fm.attributesOfItem(atPath: link), let size = attrs[.size] as? NSNumber,
                          size.intValue < 4096, let data = fm.contents(atPath: link),
                          let text = String(data: data, encoding: .utf8) {
                    let p = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !p.isEmpty && !p.contains("\n") { candidates.append(resolve(p)) }
                }
            }
        }
        candidates.append(((dir as NSString).appendingPathComponent("../..") as NSString).appendingPathComponent((runDir as NSString).lastPathComponent))
        for c in candidates {
            let std = URL(fileURLWithPath: c).standardizedFileURL.path
            if fm.fileExists(atPath: (std as NSString).appendingPathComponent("bench_meta.json")) { return std }
        }
        return nil
    }
}
