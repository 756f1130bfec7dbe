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

    /// `tracking.json` as read: the series' own fields and its runs in file order.
    struct SeriesDocument {
        var name: String
        var description: String
        var created: String?
        var pinned: String?
        var entries: [Entry]
    }

    @discardableResult
    public static func ingest(seriesDirectory dir: String, store: Store, log: (String) -> Void = { _ in }) throws -> TrackingIngestOutcome {
        var doc = try readDocument(seriesDirectory: dir)
        // Locate every run before writing anything.
        try locateRuns(&doc.entries, seriesDirectory: dir, db: store.db)
        var outcome = TrackingIngestOutcome(seriesName: doc.name, created: false, runsIngested: [], runsAdded: 0,
                                            runsAlreadyPresent: 0, pinnedBenchID: nil, warnings: [])
        for e in doc.entries {
            guard let d = e.directory else { continue }
            let o = try Ingest.ingest(directory: d, into: store)
            if o.kind != .alreadyStored {
                outcome.runsIngested.append(o.benchID)
                log("Ingested \(d) as \(o.benchID) (\(o.packages) packages, \(o.iterations) iterations)")
            }
        }
        try store.db.transaction { try writeSeries(doc, outcome: &outcome, db: store.db) }
        return outcome
    }

    static func readDocument(seriesDirectory dir: String) throws -> SeriesDocument {
        let path = (dir as NSString).appendingPathComponent("tracking.json")
        guard FileManager.default.fileExists(atPath: path) else { throw IngestError("Series not found: no tracking.json in \(dir)") }
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
        func text(_ key: String) -> String? { if case .string(let s)? = doc[key] { return s }; return nil }
        var entries: [Entry] = []
        if let runs = doc["runs"] {
            guard case .array(let items) = runs else { throw IngestError("\(path): runs is not an array") }
            entries = try items.enumerated().map { try entry($1, at: $0, path: path) }
        }
        return SeriesDocument(name: name, description: text("description") ?? "", created: text("created").flatMap { $0.isEmpty ? nil : $0 },
                              pinned: text("pinned_baseline_id").flatMap { $0.isEmpty ? nil : $0 }, entries: entries)
    }

    /// One element of `runs`: bench id, run link, timestamp, notes and commit values (numbers and booleans
    /// written as Python prints them).
    static func entry(_ item: JSONValue, at i: Int, path: String) throws -> Entry {
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
        return e
    }

    /// Sets `directory` for each run that is not stored yet; a run neither stored nor found is an error, and so
    /// is a link that leads to a different run.
    static func locateRuns(_ entries: inout [Entry], seriesDirectory dir: String, db: Database) throws {
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
    }

    /// The series (created if new), its runs in file order, and its pin; inside the caller's transaction.
    static func writeSeries(_ doc: SeriesDocument, outcome: inout TrackingIngestOutcome, db: Database) throws {
        let name = doc.name
        if try db.scalar("SELECT COUNT(*) FROM tracking_series WHERE name = ?", [name]).intValue == 0 {
            if let created = doc.created {
                try db.run("INSERT INTO tracking_series(name, description, created_at) VALUES (?,?,?)", [name, doc.description, created])
            } else {
                try db.run("INSERT INTO tracking_series(name, description) VALUES (?,?)", [name, doc.description])
            }
            outcome.created = true
        }
        for e in doc.entries {
            let o = try Tracking.add(seriesName: name, benchID: e.benchID, notes: e.notes, commit: e.commit, addedAt: nil, db: db)
            if o.kind == .added { outcome.runsAdded += 1 } else { outcome.runsAlreadyPresent += 1 }
            outcome.warnings += o.warnings
        }
        guard let pinned = doc.pinned else { return }
        guard doc.entries.contains(where: { $0.benchID == pinned }) else {
            outcome.warnings.append("pinned_baseline_id '\(pinned)' is not one of the series' runs; not pinned")
            return
        }
        let sid = try db.scalar("SELECT series_id FROM tracking_series WHERE name = ?", [name])
        try db.run("""
            UPDATE tracking_series SET pinned_run_id = (SELECT run_id FROM run WHERE bench_id = ?) WHERE series_id = ?
            """, [pinned, sid])
        outcome.pinnedBenchID = pinned
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
