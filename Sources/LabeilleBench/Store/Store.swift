import Foundation

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

    /// Opens the database, creating its folder and applying pending migrations.
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
        db = try Database(path: path)
        try Migrator.migrate(db)
    }
}

/// Applies the numbered migrations once each, recording them in `schema_migrations`, then (re)creates
/// the analysis views when their text changed. Refuses a database written by a newer schema.
public enum Migrator {
    public static var latestVersion: Int { EmbeddedSQL.migrations.map(\.version).max() ?? 0 }

    public static func migrate(_ db: Database) throws {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS schema_views (file TEXT PRIMARY KEY, sql_hash TEXT NOT NULL);
            """)
        let current = try db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").intValue ?? 0
        if current > latestVersion {
            throw DatabaseError(
                "database \(db.path) has schema version \(current), newer than this labeille (\(latestVersion)); upgrade labeille to use it")
        }
        // Each migration not yet recorded is applied, in order, so that numbers which landed out of order
        // (a gap filled later) still reach every database.
        let recorded = Set(try db.query("SELECT version FROM schema_migrations").compactMap { $0[0].intValue })
        for migration in EmbeddedSQL.migrations where !recorded.contains(migration.version) {
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
    }

    static func fnv1a(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}
