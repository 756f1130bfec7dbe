import CSQLite
import Foundation
import LabeilleCore
import LabeilleStats

/// The labeille-bench database: one SQLite file with the schema of `migrations/` and the views of `sql/`.
public final class Store {
    public let db: Database

    /// Where the database lives when neither `--db` nor `LABEILLE_BENCH_DB` says otherwise.
    public static let defaultPath = "results/labeille.db"

    /// `--db` wins, then `LABEILLE_BENCH_DB`, then `results/labeille.db`.
    public static func resolvePath(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let env = environment["LABEILLE_BENCH_DB"], !env.isEmpty { return env }
        return defaultPath
    }

    /// Opens the database, creating its folder and applying pending migrations. Several processes may do
    /// this at once on a new file: a lock conflict while configuring or migrating is waited out.
    public init(path: String) throws {
        if path != ":memory:" {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                } catch {
                    throw DatabaseError("cannot create the database folder \(dir): \(error.localizedDescription)")
                }
            }
        }
        db = try Self.openAndMigrate(path)
    }

    /// Opens an existing database without writing to it (read-only commands): no file or folder is created,
    /// a file the user cannot write can be read, and a file that is not a labeille database is refused.
    /// A database of an older schema is upgraded first when the file is writable.
    public init(readingPath path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw DatabaseError("no database at \(path): nothing is stored there yet (`labeille bench ingest DIR` or `bench run` creates it)")
        }
        guard st.st_mode & S_IFMT == S_IFREG else { throw DatabaseError("\(path) is not a database file (not a regular file)") }
        var reader = try Database(path: path, readOnly: true)
        let stale: Bool
        do {
            do { stale = try Migrator.needsMigration(reader) } catch let e as DatabaseError
                where [SQLITE_READONLY, SQLITE_CANTOPEN].contains(e.code & 0xFF) {
                // A WAL database in a folder this user cannot write: no shared-memory file can be made.
                reader = try Database(path: path, readOnly: true, immutable: true)
                stale = try Migrator.needsMigration(reader)
            }
        } catch let e as DatabaseError {
            throw e.message.contains(path) ? e : DatabaseError("\(path): \(e.message)", code: e.code)
        }
        if stale {
            guard access(path, W_OK) == 0 else {
                throw DatabaseError("database \(path) was written by an older labeille and needs an upgrade, which needs write access to it")
            }
            _ = try Store(path: path)
            reader = try Database(path: path, readOnly: true)
        }
        db = reader
    }

    static func openAndMigrate(_ path: String) throws -> Database {
        var attempt = 0
        while true {
            do {
                let db = try Database(path: path, wal: false)
                try Migrator.refuseForeign(db)  // before anything (even the journal mode) changes the file
                if path != ":memory:" { try db.enableWAL() }
                try Migrator.migrate(db)
                return db
            } catch let e as DatabaseError where e.isBusy && attempt < 3_000 {
                // Another process is creating or migrating the same new file; its busy handler did not
                // apply (journal-mode switch, schema read): try again shortly.
                attempt += 1
                usleep(20_000 + useconds_t(attempt % 10) * 5_000)
            } catch let e as DatabaseError {
                throw e.message.contains(path) ? e : DatabaseError("\(path): \(e.message)", code: e.code)
            }
        }
    }
}

/// Applies the numbered migrations once each, recording them in `schema_migrations`, then (re)creates
/// the analysis views when their text changed and computes stale stored statistics. Refuses a database written by
/// a newer schema.
public enum Migrator {
    public static var latestVersion: Int { EmbeddedSQL.migrations.map(\.version).max() ?? 0 }

    /// Whether `db` lacks a migration or view definition of this labeille (refusing foreign or newer ones).
    static func needsMigration(_ db: Database) throws -> Bool {
        try refuseForeign(db)
        let current = try db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").intValue ?? 0
        if current > latestVersion { throw newerSchema(db, current) }
        let applied = Set(try db.query("SELECT version FROM schema_migrations").compactMap { $0[0].intValue })
        if EmbeddedSQL.migrations.contains(where: { !applied.contains($0.version) }) { return true }
        if try MeasuredStats.hasStale(db) { return true }
        let hasViews = try db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_views'").intValue ?? 0
        if hasViews == 0 { return true }
        for view in EmbeddedSQL.views {
            if try db.scalar("SELECT sql_hash FROM schema_views WHERE file = ?", [view.file]).stringValue != fnv1a(view.sql) { return true }
        }
        return false
    }

    /// A database with tables but no `schema_migrations` belongs to another program: adding our tables to
    /// it would mix two schemas in one file. An empty file is fine (and so is `:memory:`).
    static func refuseForeign(_ db: Database) throws {
        // One query, one snapshot: another process may be creating our tables right now.
        let names = try db.query("""
            SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name
            """).compactMap { $0[0].stringValue }
        if names.contains("schema_migrations") { return }
        // Our first statement creates schema_migrations and schema_views together; seeing only the second
        // means that creation is in flight.
        if names == ["schema_views"] { return }
        if !names.isEmpty {
            throw DatabaseError("\(db.path) is an SQLite database of another program (tables \(names.prefix(5).joined(separator: ", "))), "
                                + "not a labeille database; nothing was changed (give another --db)")
        }
        if db.readOnly {
            throw DatabaseError("\(db.path) is an empty database: nothing is stored there yet")
        }
    }

    static func newerSchema(_ db: Database, _ current: Int) -> DatabaseError {
        DatabaseError("database \(db.path) has schema version \(current), newer than this labeille (\(latestVersion)); upgrade labeille to use it")
    }

    public static func migrate(_ db: Database) throws {
        try refuseForeign(db)
        try db.transaction {
            try db.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS schema_views (file TEXT PRIMARY KEY, sql_hash TEXT NOT NULL);
                """)
        }
        let current = try db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").intValue ?? 0
        if current > latestVersion { throw newerSchema(db, current) }
        // Every migration not yet recorded, in order: numbers may have gaps and be merged out of order.
        let applied = Set(try db.query("SELECT version FROM schema_migrations").compactMap { $0[0].intValue })
        for migration in EmbeddedSQL.migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
            try db.transaction {
                // Another process may have applied it while we waited for the write lock.
                let done = try db.scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", [migration.version])
                if done.intValue == 0 {
                    try db.execute(migration.sql)
                    try db.run(
                        "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                        [migration.version, migration.name])
                }
            }
        }
        for view in EmbeddedSQL.views {
            let hash = fnv1a(view.sql)
            let stored = try db.scalar("SELECT sql_hash FROM schema_views WHERE file = ?", [view.file]).stringValue
            if stored != hash {
                try db.transaction {
                    try db.execute(view.sql)
                    try db.run("INSERT OR REPLACE INTO schema_views(file, sql_hash) VALUES (?, ?)", [view.file, hash])
                }
            }
        }
        // Statistics left stale by another writer (a script, the sqlite3 shell) or by the migration that added
        // them: computed now, after the views they are computed through.
        if try MeasuredStats.hasStale(db) { try db.transaction { try MeasuredStats.refreshStale(db: db) } }
    }

    package static func fnv1a(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}
