import CSQLite
import CSpawn
import Foundation
import LabeilleCore
import LabeilleStats

/// `SQLITE_TRANSIENT` is a casting macro that Swift cannot import: SQLite copies the bound bytes.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

public struct DatabaseError: Error, CustomStringConvertible, Equatable {
    public let message: String
    /// SQLite's result code when the error came from SQLite, else 0.
    public var code: Int32 = 0
    public init(_ message: String, code: Int32 = 0) { self.message = message; self.code = code }
    public var description: String { message }
    /// Another connection holds a lock this one needs.
    public var isBusy: Bool { code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED }
}

/// A value bound to or read from a statement. Every SQL value goes through binding, never interpolation.
public enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        case .text(let s): return Double(s)
        case .null: return nil
        }
    }
    public var intValue: Int? {
        switch self {
        case .integer(let i): return Int(i)
        case .real(let d): return d.isFinite && abs(d) < 9.2e18 ? Int(d) : nil
        case .text(let s): return Int(s)
        case .null: return nil
        }
    }
    /// The value of a NOT NULL column read through `query`: a NULL is an error, not a crash.
    func required<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw DatabaseError("unexpected NULL where the schema requires \(what)") }
        return value
    }
    func requiredInt() throws -> Int { try required(intValue, "an integer") }
    func requiredString() throws -> String { try required(stringValue, "a text") }
    func requiredDouble() throws -> Double { try required(doubleValue, "a number") }

    public var stringValue: String? {
        switch self {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .null: return nil
        }
    }
}

public protocol SQLBindable { var sqlValue: SQLValue { get } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Int32: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { isFinite ? .real(self) : .null } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// A thin wrapper over one sqlite3 connection.
public final class Database {
    public let path: String
    public let readOnly: Bool
    let handle: OpaquePointer
    private var statementCache: [String: Statement] = [:]
    private let lockWaiter: LockWaiter

    /// Opens (creating when needed) a database file, with WAL, foreign keys and a busy timeout so
    /// several labeille processes can share one file.
    /// `wal: false` leaves the journal mode alone (the caller first checks whose database the file is).
    /// `immutable` reads a file that cannot be written and has no shared-memory file (SQLite's
    /// `immutable=1`): nothing is locked or created.
    public init(path: String, readOnly: Bool = false, wal: Bool = true, immutable: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        var h: OpaquePointer?
        let flags = readOnly
            ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0)
            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let name = immutable ? Self.immutableURI(path) : path
        let rc = sqlite3_open_v2(name, &h, flags, nil)
        guard rc == SQLITE_OK, let opened = h else {
            let msg = h.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let h { sqlite3_close_v2(h) }
            throw DatabaseError("cannot open database \(path): \(msg)", code: rc)
        }
        handle = opened
        lockWaiter = LockWaiter(path: path)
        sqlite3_busy_handler(handle, waitForLock, Unmanaged.passUnretained(lockWaiter).toOpaque())
        do {
            try execute("PRAGMA foreign_keys = ON")
            if wal && !readOnly && path != ":memory:" { try enableWAL() }
        } catch {
            sqlite3_close_v2(handle)
            throw DatabaseError("cannot use database \(path): \(error)", code: (error as? DatabaseError)?.code ?? 0)
        }
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// WAL with a busy handler, so several labeille processes can share one file.
    public func enableWAL() throws {
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = NORMAL")
    }

    /// `file:PATH?immutable=1`, with the characters that URIs reserve escaped.
    static func immutableURI(_ path: String) -> String {
        var escaped = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"): escaped += String(format: "%%%02X", byte)
            default: escaped += String(UnicodeScalar(byte))
            }
        }
        return "file:\(escaped)?immutable=1"
    }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }
    var lastError: DatabaseError { DatabaseError(lastErrorMessage, code: sqlite3_extended_errcode(handle)) }

    /// Runs one or more statements without parameters (schema scripts).
    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(err)
            throw DatabaseError(msg, code: sqlite3_extended_errcode(handle))
        }
    }

    /// A prepared statement, cached by its SQL text for the life of the connection. A statement that an
    /// enclosing loop is still stepping (the same SQL run from inside `forEachRow`) is never reset under
    /// it: the inner use gets a fresh, uncached statement.
    func prepare(_ sql: String) throws -> Statement {
        if let cached = statementCache[sql] {
            if cached.inUse { return try Statement(db: self, sql: sql) }
            cached.reset()
            return cached
        }
        let stmt = try Statement(db: self, sql: sql)
        statementCache[sql] = stmt
        return stmt
    }

    /// Prepares, binds and steps `sql` with `body` while marking the statement busy, so that nested
    /// queries cannot reset it; always leaves it reset.
    private func withStatement<T>(_ sql: String, _ params: [SQLBindable], _ body: (Statement) throws -> T) throws -> T {
        let stmt = try prepare(sql)
        stmt.inUse = true
        defer { stmt.inUse = false; stmt.reset() }
        try stmt.bind(params)
        return try body(stmt)
    }

    /// Runs a statement with bound parameters, discarding rows.
    func run(_ sql: String, _ params: [SQLBindable] = []) throws {
        try withStatement(sql, params) { stmt in while try stmt.step() {} }
    }

    /// Runs a query and returns every row as an array of values.
    func query(_ sql: String, _ params: [SQLBindable] = []) throws -> [[SQLValue]] {
        try withStatement(sql, params) { stmt in
            var rows: [[SQLValue]] = []
            while try stmt.step() { rows.append(stmt.row()) }
            return rows
        }
    }

    /// Iterates rows without materialising them.
    func forEachRow(_ sql: String, _ params: [SQLBindable] = [], _ body: (Statement) throws -> Void) throws {
        try withStatement(sql, params) { stmt in while try stmt.step() { try body(stmt) } }
    }

    func scalar(_ sql: String, _ params: [SQLBindable] = []) throws -> SQLValue {
        try query(sql, params).first?.first ?? .null
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// How many `transaction` calls enclose the current point.
    private var transactionDepth = 0

    /// Runs `body` all or nothing: the outermost call is one IMMEDIATE transaction; a call inside it is a
    /// savepoint, so that an inner failure undoes only the inner work and the caller decides what follows.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let savepoint = "lb_sp\(transactionDepth)"
        try execute(transactionDepth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT \(savepoint)")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            try execute(transactionDepth == 1 ? "COMMIT" : "RELEASE \(savepoint)")
            return result
        } catch {
            try? execute(transactionDepth == 1 ? "ROLLBACK" : "ROLLBACK TO \(savepoint); RELEASE \(savepoint)")
            throw error
        }
    }
}

/// SQLite's busy handler: a writer waits for the lock as long as another process holds it (a long ingest,
/// another `bench run`), instead of failing after a fixed timeout; it says once that it is waiting. Ctrl-C
/// during `bench run` stops the wait.
final class LockWaiter {
    let path: String
    private var waitingSince: UInt64 = 0
    private var reported = false
    /// Where the one "waiting" line goes (standard error).
    nonisolated(unsafe) static var report: (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    init(path: String) { self.path = path }

    /// Returns 1 to retry, 0 to give up (only when interrupted).
    func wait(attempt: Int32) -> Int32 {
        if lb_interrupted() != 0 { return 0 }
        let now = MonotonicClock.nanoseconds()
        if attempt == 0 { waitingSince = now }
        if !reported && now &- waitingSince > 2_000_000_000 {
            reported = true
            Self.report("note: waiting for another process that is writing to \(path)…")
        }
        usleep(useconds_t(min(100, 1 + Int(attempt)) * 1000))
        return 1
    }
}

private let waitForLock: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Int32 = { context, attempt in
    guard let context else { return 0 }
    return Unmanaged<LockWaiter>.fromOpaque(context).takeUnretainedValue().wait(attempt: attempt)
}

public final class Statement {
    let stmt: OpaquePointer
    unowned let db: Database
    /// True while a query of the connection is stepping this statement.
    var inUse = false
    private lazy var columnIndex: [String: Int32] = Dictionary(
        (0..<columnCount).map { (String(cString: sqlite3_column_name(stmt, $0)), $0) }, uniquingKeysWith: { first, _ in first })

    init(db: Database, sql: String) throws {
        var s: OpaquePointer?
        let rc = sqlite3_prepare_v3(db.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil)
        guard rc == SQLITE_OK, let s else {
            throw DatabaseError("SQL error: \(db.lastErrorMessage) in: \(sql.prefix(200))", code: sqlite3_extended_errcode(db.handle))
        }
        self.stmt = s
        self.db = db
    }

    deinit { sqlite3_finalize(stmt) }

    /// Binds positional parameters; a count that differs from the statement's placeholders is a
    /// programming error reported as such, never a silently NULL or ignored value.
    func bind(_ params: [SQLBindable]) throws {
        let expected = Int(sqlite3_bind_parameter_count(stmt))
        guard params.count == expected else {
            throw DatabaseError("SQL expects \(expected) parameter(s), got \(params.count): \(String(cString: sqlite3_sql(stmt)).prefix(200))")
        }
        for (i, p) in params.enumerated() { try bind(Int32(i + 1), p.sqlValue) }
    }

    func bind(_ index: Int32, _ value: SQLValue) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(stmt, index)
        case .integer(let v): rc = sqlite3_bind_int64(stmt, index, v)
        case .real(let v): rc = sqlite3_bind_double(stmt, index, v)
        case .text(let v): rc = sqlite3_bind_text(stmt, index, v, -1, sqliteTransient)
        }
        if rc != SQLITE_OK { throw DatabaseError("bind failed: \(db.lastErrorMessage)") }
    }

    /// Fast paths for bulk inserts.
    @inline(__always) func bind(_ index: Int32, int v: Int64) { sqlite3_bind_int64(stmt, index, v) }
    @inline(__always) func bind(_ index: Int32, double v: Double?) {
        if let v, v.isFinite { sqlite3_bind_double(stmt, index, v) } else { sqlite3_bind_null(stmt, index) }
    }
    @inline(__always) func bind(_ index: Int32, text v: String?) {
        if let v { sqlite3_bind_text(stmt, index, v, -1, sqliteTransient) } else { sqlite3_bind_null(stmt, index) }
    }

    /// Steps once: true when a row is available.
    func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let error = db.lastError
        sqlite3_reset(stmt)
        throw error
    }

    /// Steps a statement that returns no rows, then resets it for reuse.
    func execute() throws {
        _ = try step()
        sqlite3_reset(stmt)
    }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    var columnCount: Int32 { sqlite3_column_count(stmt) }

    func value(_ i: Int32) -> SQLValue {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, i))
        case SQLITE_NULL: return .null
        default: return .text(String(cString: sqlite3_column_text(stmt, i)))
        }
    }
    func double(_ i: Int32) -> Double? {
        sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : sqlite3_column_double(stmt, i)
    }
    func int(_ i: Int32) -> Int? {
        sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(stmt, i))
    }
    func string(_ i: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, i) else { return nil }
        return String(cString: p)
    }
    func row() -> [SQLValue] { (0..<columnCount).map { value($0) } }

    /// Columns the schema declares NOT NULL. A NULL there (a database written by another program) is an error
    /// naming the column, not a crash.
    func requiredInt(_ i: Int32) throws -> Int {
        guard let v = int(i) else { throw nullColumn(i) }
        return v
    }
    func requiredString(_ i: Int32) throws -> String {
        guard let v = string(i) else { throw nullColumn(i) }
        return v
    }
    private func nullColumn(_ i: Int32) -> DatabaseError {
        let name = sqlite3_column_name(stmt, i).map { String(cString: $0) } ?? "#\(i)"
        return DatabaseError("unexpected NULL in column '\(name)' of: \(String(cString: sqlite3_sql(stmt)).prefix(200))")
    }

    /// The index of a result column by its name (`AS` alias), so that readers need not count positions.
    func column(_ name: String) throws -> Int32 {
        guard let i = columnIndex[name] else { throw DatabaseError("no result column '\(name)' in: \(String(cString: sqlite3_sql(stmt)).prefix(200))") }
        return i
    }
    func double(_ name: String) throws -> Double? { double(try column(name)) }
    func int(_ name: String) throws -> Int? { int(try column(name)) }
    func string(_ name: String) throws -> String? { string(try column(name)) }
}
