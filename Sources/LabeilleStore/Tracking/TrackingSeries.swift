import Foundation
import LabeilleCore
import LabeilleStats

/// Series operations: init, add, show, pin, unpin, list. Every write is one transaction.
public enum Tracking {
    // MARK: names and --commit text

    /// A series name: non-empty, at most 200 characters, no control characters, not only spaces.
    public static func validateName(_ name: String) throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || name.count > 200 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw TrackingError("invalid series name '\(name)': use 1–200 printable characters, e.g. jit-perf")
        }
    }

    /// Parses `--commit` values: each is one or more comma-joined `key=value` items (`sha=abc1234,branch=main`),
    /// the option may repeat. Keys are letters, digits, `_`, `-` or `.`; values are non-empty. A key given twice
    /// is an error. Returns the pairs in the order given.
    public static func parseCommit(_ texts: [String]) throws -> [KeyValue] {
        var out: [KeyValue] = []
        let keyChars = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-."))
        for text in texts {
            for rawItem in text.split(separator: ",", omittingEmptySubsequences: false) {
                let item = rawItem.trimmingCharacters(in: .whitespaces)
                guard let eq = item.firstIndex(of: "=") else {
                    throw TrackingError("invalid --commit '\(text)': '\(item)' is not key=value (expected e.g. sha=abc1234,branch=main)")
                }
                let key = String(item[..<eq]).trimmingCharacters(in: .whitespaces)
                let value = String(item[item.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
                guard !key.isEmpty, key.unicodeScalars.allSatisfy({ keyChars.contains($0) && $0.isASCII }) else {
                    throw TrackingError("invalid --commit '\(text)': bad key '\(key)' (letters, digits, _ - . only)")
                }
                guard !value.isEmpty else {
                    throw TrackingError("invalid --commit '\(text)': empty value for '\(key)'")
                }
                if out.contains(where: { $0.key == key }) {
                    throw TrackingError("invalid --commit: key '\(key)' given twice")
                }
                out.append(KeyValue(key, value))
            }
        }
        return out
    }

    // MARK: reading

    /// The series called `name`, or a TrackingError.unknownSeries.
    public static func series(named name: String, db: Database) throws -> TrackingSeriesInfo {
        guard let s = try listSeries(db: db, name: name).first else { throw TrackingError.unknownSeries(name) }
        return s
    }

    /// Every series, by name.
    public static func list(db: Database) throws -> [TrackingSeriesInfo] {
        try listSeries(db: db, name: nil)
    }

    private static func listSeries(db: Database, name: String?) throws -> [TrackingSeriesInfo] {
        var out: [TrackingSeriesInfo] = []
        try db.forEachRow("""
            SELECT ts.series_id, ts.name, ts.description, ts.created_at, pr.bench_id,
                   (SELECT COUNT(*) FROM tracking_run tr WHERE tr.series_id = ts.series_id),
                   (SELECT MIN(r.start_time) FROM tracking_run tr JOIN run r ON r.run_id = tr.run_id WHERE tr.series_id = ts.series_id),
                   (SELECT MAX(r.start_time) FROM tracking_run tr JOIN run r ON r.run_id = tr.run_id WHERE tr.series_id = ts.series_id)
            FROM tracking_series ts LEFT JOIN run pr ON pr.run_id = ts.pinned_run_id
            WHERE ?1 IS NULL OR ts.name = ?1
            ORDER BY ts.name
            """, [name.map { SQLValue.text($0) } ?? .null]) { st in
            out.append(TrackingSeriesInfo(
                id: Int64(try st.requiredInt(0)), name: try st.requiredString(1), description: st.string(2) ?? "", createdAt: st.string(3) ?? "",
                pinnedBenchID: st.string(4), runCount: st.int(5) ?? 0, firstTimestamp: st.string(6), lastTimestamp: st.string(7)))
        }
        return out
    }

    /// The runs of a series in position order; with `last`, only the last N (positions kept).
    public static func runs(seriesID: Int64, db: Database, last: Int? = nil) throws -> [TrackedRun] {
        var runs: [TrackedRun] = []
        var byRun: [Int64: Int] = [:]
        try db.forEachRow("""
            SELECT tr.position, tr.run_id, r.bench_id, r.start_time, tr.added_at, tr.notes, r.packages_completed,
                   COALESCE(ts.pinned_run_id = tr.run_id, 0)
            FROM tracking_run tr
            JOIN run r ON r.run_id = tr.run_id
            JOIN tracking_series ts ON ts.series_id = tr.series_id
            WHERE tr.series_id = ?
            ORDER BY tr.position
            """, [seriesID]) { st in
            byRun[Int64(try st.requiredInt(1))] = runs.count
            runs.append(TrackedRun(
                position: try st.requiredInt(0), runID: Int64(try st.requiredInt(1)), benchID: try st.requiredString(2), timestamp: st.string(3) ?? "",
                addedAt: st.string(4) ?? "", notes: st.string(5) ?? "", commit: [], packagesCompleted: st.int(6) ?? 0,
                pinned: st.int(7) == 1))
        }
        try db.forEachRow("SELECT run_id, key, value FROM tracking_commit WHERE series_id = ? ORDER BY run_id, position",
                          [seriesID]) { st in
            if let i = byRun[Int64(try st.requiredInt(0))] { runs[i].commit.append(KeyValue(try st.requiredString(1), st.string(2) ?? "")) }
        }
        if let last, last >= 0, last < runs.count { runs = Array(runs.suffix(last)) }
        return runs
    }

    /// `track show`: the series and its runs (the last N when given, with their real positions).
    public static func show(name: String, last: Int? = nil, db: Database) throws -> (series: TrackingSeriesInfo, runs: [TrackedRun]) {
        let s = try series(named: name, db: db)
        return (s, try runs(seriesID: s.id, db: db, last: last))
    }

    /// Checks a RUN argument without storing anything: a results directory must have a readable
    /// bench_meta.json, anything else must be a stored bench id (else RunNotFound).
    public static func checkRunReference(_ reference: String, db: Database) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: reference, isDirectory: &isDir), isDir.boolValue {
            _ = try Ingest.readMeta(directory: reference)
        } else if try db.scalar("SELECT COUNT(*) FROM run WHERE bench_id = ?", [reference]).intValue == 0 {
            throw RunNotFound(reference: reference)
        }
    }

    // MARK: writing

    /// `track init`: creates an empty series.
    @discardableResult
    public static func create(name: String, description: String = "", createdAt: String? = nil, db: Database) throws -> TrackingSeriesInfo {
        try validateName(name)
        return try db.transaction {
            if try db.scalar("SELECT COUNT(*) FROM tracking_series WHERE name = ?", [name]).intValue != 0 {
                throw TrackingError("tracking series '\(name)' already exists")
            }
            if let createdAt {
                try db.run("INSERT INTO tracking_series(name, description, created_at) VALUES (?,?,?)", [name, description, createdAt])
            } else {
                try db.run("INSERT INTO tracking_series(name, description) VALUES (?,?)", [name, description])
            }
            return try series(named: name, db: db)
        }
    }

    /// `track add`: appends a stored run at the next position. A run already in the series is reported and not
    /// added again (its notes and commit are left as they are). A run whose conditions or settings differ from
    /// the series' first run is added with warnings.
    @discardableResult
    public static func add(seriesName: String, benchID: String, notes: String = "", commit: [KeyValue] = [],
                           addedAt: String? = nil, db: Database) throws -> TrackAddOutcome {
        try db.transaction {
            try appendRun(seriesName: seriesName, benchID: benchID, notes: notes, commit: commit, addedAt: addedAt, db: db)
        }
    }

    private static func appendRun(seriesName: String, benchID: String, notes: String, commit: [KeyValue],
                                  addedAt: String?, db: Database) throws -> TrackAddOutcome {
        let s = try series(named: seriesName, db: db)
        guard let runID = try db.scalar("SELECT run_id FROM run WHERE bench_id = ?", [benchID]).intValue.map(Int64.init) else {
            throw RunNotFound(reference: benchID)
        }
        if let pos = try db.scalar("SELECT position FROM tracking_run WHERE series_id = ? AND run_id = ?", [s.id, runID]).intValue {
            return TrackAddOutcome(kind: .alreadyPresent, benchID: benchID, position: pos, warnings: [])
        }
        // Positions of detached runs (see the migration's triggers) stay reserved.
        let position = (try db.scalar("""
            SELECT MAX(p) FROM (SELECT MAX(position) AS p FROM tracking_run WHERE series_id = ?1
                                UNION ALL SELECT MAX(position) FROM tracking_detached WHERE series_id = ?1)
            """, [s.id]).intValue ?? 0) + 1
        var warnings: [String] = []
        if let first = try db.query("""
            SELECT tr.run_id, r.bench_id FROM tracking_run tr JOIN run r ON r.run_id = tr.run_id
            WHERE tr.series_id = ? ORDER BY tr.position LIMIT 1
            """, [s.id]).first {
            let firstID = Int64(try first[0].requiredInt())
            let diffs = try settingsDifferences(db: db, reference: firstID, candidate: runID)
            if !diffs.isEmpty {
                warnings.append("run '\(benchID)' differs from the series' first run '\(try first[1].requiredString())' "
                                + "(\(diffs.joined(separator: "; "))): its numbers may not be comparable")
            }
        }
        if let addedAt {
            try db.run("INSERT INTO tracking_run(series_id, run_id, position, added_at, notes) VALUES (?,?,?,?,?)",
                       [s.id, runID, position, addedAt, notes])
        } else {
            try db.run("INSERT INTO tracking_run(series_id, run_id, position, notes) VALUES (?,?,?,?)", [s.id, runID, position, notes])
        }
        for (i, kv) in commit.enumerated() {
            try db.run("INSERT INTO tracking_commit(series_id, run_id, position, key, value) VALUES (?,?,?,?,?)",
                       [s.id, runID, i, kv.key, kv.value])
        }
        return TrackAddOutcome(kind: .added, benchID: benchID, position: position, warnings: warnings)
    }

    /// `track pin`: the run becomes the baseline of trend and alert. It must be in the series.
    public static func pin(seriesName: String, benchID: String, db: Database) throws {
        try db.transaction {
            let s = try series(named: seriesName, db: db)
            let runID = try db.scalar("""
                SELECT tr.run_id FROM tracking_run tr JOIN run r ON r.run_id = tr.run_id
                WHERE tr.series_id = ? AND r.bench_id = ?
                """, [s.id, benchID]).intValue
            guard let runID else {
                let ids = try runs(seriesID: s.id, db: db).map(\.benchID)
                let shown = ids.count > 12 ? ["…"] + ids.suffix(12) : ids
                throw TrackingError("Bench ID '\(benchID)' not found in series '\(seriesName)'. Available: "
                                    + (ids.isEmpty ? "(no runs)" : shown.joined(separator: ", ")))
            }
            try db.run("UPDATE tracking_series SET pinned_run_id = ? WHERE series_id = ?", [runID, s.id])
        }
    }

    /// `track unpin`: no error when the series is not pinned.
    public static func unpin(seriesName: String, db: Database) throws {
        try db.transaction {
            let s = try series(named: seriesName, db: db)
            try db.run("UPDATE tracking_series SET pinned_run_id = NULL WHERE series_id = ?", [s.id])
        }
    }

    // MARK: comparability

    /// What a run's measurements depend on, as labelled settings (the original's config fingerprint inputs:
    /// conditions minus names and descriptions, iterations, warm-ups, timeout — plus the condition names).
    static func settings(db: Database, runID: Int64) throws -> [(String, String)] {
        var out: [(String, String)] = []
        guard let r = try db.query("SELECT iterations, warmup, timeout_s FROM run WHERE run_id = ?", [runID]).first else { return [] }
        func show(_ v: SQLValue) -> String {
            switch v {
            case .null: return "(unset)"
            case .real(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
            default: return v.stringValue ?? ""
            }
        }
        out.append(("iterations", show(r[0])))
        out.append(("warmup", show(r[1])))
        out.append(("timeout", show(r[2])))
        let conds = try db.query("""
            SELECT condition_id, name, target_python, test_command_override, test_command_prefix, test_command_suffix,
                   install_command, memory_limit_mb, cpu_time_limit_s, file_size_limit_mb
            FROM condition WHERE run_id = ? ORDER BY position
            """, [runID])
        out.append(("conditions", conds.map { $0[1].stringValue ?? "" }.joined(separator: ", ")))
        let labels = ["target_python", "test_command_override", "test_command_prefix", "test_command_suffix",
                      "install_command", "memory_limit_mb", "cpu_time_limit_s", "file_size_limit_mb"]
        for c in conds {
            let cid = c[0], name = c[1].stringValue ?? ""
            for (k, label) in labels.enumerated() where c[k + 2] != .null {
                out.append(("condition '\(name)' \(label)", show(c[k + 2])))
            }
            let env = try db.query("SELECT key, value FROM condition_env WHERE condition_id = ? ORDER BY key", [cid])
                .map { "\($0[0].stringValue ?? "")=\($0[1].stringValue ?? "")" }
            if !env.isEmpty { out.append(("condition '\(name)' env", env.joined(separator: " "))) }
            let deps = try db.query("SELECT requirement FROM condition_extra_dep WHERE condition_id = ? ORDER BY position", [cid])
                .map { $0[0].stringValue ?? "" }
            if !deps.isEmpty { out.append(("condition '\(name)' extra_deps", deps.joined(separator: " "))) }
            let cpus = try db.query("SELECT cpu FROM condition_cpu_affinity WHERE condition_id = ? ORDER BY position", [cid])
                .map { $0[0].stringValue ?? "" }
            if !cpus.isEmpty { out.append(("condition '\(name)' cpu_affinity", cpus.joined(separator: ","))) }
        }
        return out
    }

    /// Human-readable differences of the candidate run's settings from the reference run's.
    public static func settingsDifferences(db: Database, reference: Int64, candidate: Int64) throws -> [String] {
        let a = try settings(db: db, runID: reference), b = try settings(db: db, runID: candidate)
        let da = Dictionary(a, uniquingKeysWith: { x, _ in x }), dbb = Dictionary(b, uniquingKeysWith: { x, _ in x })
        var keys: [String] = a.map(\.0)
        for (k, _) in b where da[k] == nil { keys.append(k) }
        var diffs: [String] = []
        for k in keys where da[k] != dbb[k] {
            diffs.append("\(k): \(da[k] ?? "(none)") → \(dbb[k] ?? "(none)")")
        }
        return diffs
    }
}
