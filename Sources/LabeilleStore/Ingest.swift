import Foundation
import LabeilleCore
import LabeilleStats

public struct IngestError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct IngestOutcome: Equatable {
    public enum Kind: Equatable { case stored, alreadyStored, replaced }
    public var kind: Kind
    public var benchID: String
    public var packages = 0
    public var iterations = 0
    public var testRows = 0
    /// Per-test durations dropped as impossible (negative, not finite, longer than their iteration).
    public var rejectedTestDurations = 0

    /// Adds a stored package's iterations and per-test rows (those kept and those rejected).
    mutating func count(_ stored: RunWriter.StoredPackage) {
        packages += 1
        iterations += stored.iterations
        testRows += stored.testRows
        rejectedTestDurations += stored.rejectedTestDurations
    }
}

/// Reads a results directory written by the Python labeille (or by `bench run`) into the store.
public enum Ingest {
    /// Reads and decodes `<dir>/bench_meta.json`.
    public static func readMeta(directory: String) throws -> RunMeta {
        let path = (directory as NSString).appendingPathComponent("bench_meta.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw IngestError("No bench_meta.json in \(directory)")
        }
        let data: Data
        do { data = try SafeFile.read(path) } catch { throw IngestError("\(error)") }
        do {
            let value = try data.withUnsafeBytes { raw in
                try JSONParser.parse(bytes: raw.bindMemory(to: UInt8.self))
            }
            return try PythonFormat.decodeMeta(value)
        } catch let e as JSONParseError {
            let (line, column) = lineAndColumn(data, offset: e.offset)
            throw IngestError("\(path):\(line): invalid JSON: \(e.reason) at column \(column)")
        } catch let e as FormatError {
            throw IngestError("\(path):\(line(of: e.key, in: data)): \(e)")
        }
    }

    /// 1-based line and column of a byte offset.
    static func lineAndColumn(_ data: Data, offset: Int) -> (Int, Int) {
        var line = 1, lineStart = 0
        for (i, b) in data.prefix(max(0, offset)).enumerated() where b == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    /// The line where `"key"` first appears in a JSON text (1 when unknown): the values of the decoded
    /// document carry no positions, and the first occurrence is the field in nearly every file.
    static func line(of key: String?, in data: Data) -> Int {
        guard let key, let needle = "\"\(key)\"".data(using: .utf8), let r = data.range(of: needle) else { return 1 }
        return lineAndColumn(data, offset: r.lowerBound).0
    }

    /// In the original's alternating order, iteration i of every condition ran in round i (the files do not
    /// say): record it so the analysis can pair them.
    public static func fillRounds(_ p: inout PackageResultRecord, meta: RunMeta) {
        guard meta.config.alternate == true && meta.config.interleave != true else { return }
        for c in p.conditions.indices {
            for i in p.conditions[c].iterations.indices where p.conditions[c].iterations[i].round == nil {
                p.conditions[c].iterations[i].round = p.conditions[c].iterations[i].index
            }
        }
    }

    /// Ingests one directory in one transaction: on any error nothing of it is stored.
    @discardableResult
    public static func ingest(directory: String, into store: Store, replace: Bool = false,
                              progress: ((Int) -> Void)? = nil) throws -> IngestOutcome {
        let meta = try readMeta(directory: directory)
        let db = store.db
        let resultsPath = (directory as NSString).appendingPathComponent("bench_results.jsonl")
        // Every id is assigned here, so the foreign-key lookups per row only cost time: they are off for
        // the bulk insert (PRAGMA foreign_keys cannot change inside a transaction) and back on after.
        try db.execute("PRAGMA foreign_keys = OFF")
        defer { try? db.execute("PRAGMA foreign_keys = ON") }
        return try db.transaction {
            let existing = try db.scalar("SELECT run_id FROM run WHERE bench_id = ?", [meta.benchID]).intValue
            if existing != nil && !replace { return IngestOutcome(kind: .alreadyStored, benchID: meta.benchID) }
            if let existing { try RunWriter.deleteRun(db: db, runID: Int64(existing)) }
            let exists = existing != nil
            let writer: RunWriter
            do {
                writer = try RunWriter(db: db, meta: meta, origin: "ingested",
                                       sourceDir: URL(fileURLWithPath: directory).standardizedFileURL.path)
            } catch let e as DatabaseError {
                let metaPath = (directory as NSString).appendingPathComponent("bench_meta.json")
                throw IngestError("\(metaPath):1: cannot store it: \(Self.explain(e))")
            }
            var outcome = IngestOutcome(kind: exists ? .replaced : .stored, benchID: meta.benchID)
            guard FileManager.default.fileExists(atPath: resultsPath) else { return outcome }
            try storePackages(from: resultsPath, writer: writer, meta: meta, outcome: &outcome, progress: progress)
            return outcome
        }
    }

    /// Stores every package line of `bench_results.jsonl`; an error names the file and line.
    static func storePackages(from resultsPath: String, writer: RunWriter, meta: RunMeta, outcome: inout IngestOutcome,
                              progress: ((Int) -> Void)?) throws {
        let reader: LineReader
        do { reader = try LineReader(path: resultsPath) } catch { throw IngestError("\(error)") }
        var firstLineOf: [String: Int] = [:]
        while let line = try nextPackage(reader, path: resultsPath) {
            guard var p = line else { continue }
            // A second line for the same package would silently replace the first.
            if let first = firstLineOf[p.package] {
                throw IngestError("\(resultsPath):\(reader.lineNumber): package '\(p.package)' appears again (first on line \(first))")
            }
            firstLineOf[p.package] = reader.lineNumber
            fillRounds(&p, meta: meta)
            let stored: RunWriter.StoredPackage
            do {
                stored = try writer.insertPackage(p)
            } catch let e as FormatError {
                throw IngestError("\(resultsPath):\(reader.lineNumber): \(e)")
            } catch let e as DatabaseError {
                throw IngestError("\(resultsPath):\(reader.lineNumber): cannot store package '\(p.package)': \(Self.explain(e))")
            }
            outcome.count(stored)
            progress?(outcome.packages)
        }
    }

    /// The next line of `bench_results.jsonl` decoded: nil at the end of the file, nil inside for a blank line
    /// (skipped, as the Python reader does).
    static func nextPackage(_ reader: LineReader, path resultsPath: String) throws -> PackageResultRecord?? {
        do {
            return try reader.nextLine { bytes -> PackageResultRecord? in
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                do {
                    return try PythonFormat.decodePackage(JSONParser.parse(bytes: bytes))
                } catch let e as JSONParseError {
                    throw IngestError("\(resultsPath):\(reader.lineNumber): invalid JSON: \(e)")
                } catch let e as FormatError {
                    throw IngestError("\(resultsPath):\(reader.lineNumber): \(e)")
                }
            }
        } catch let e as LineTooLong {
            throw IngestError("\(resultsPath):\(e.line): \(e)")
        } catch let e as POSIXError {
            throw IngestError("\(resultsPath):\(reader.lineNumber + 1): cannot read the file: \(e.localizedDescription)")
        }
    }

    /// A database refusal in the words of the input that caused it.
    static func explain(_ e: DatabaseError) -> String {
        let m = e.message
        if m.contains("iteration.package_condition_id, iteration.idx") {
            return "two iterations of one condition have the same 'index'"
        }
        if m.hasPrefix("NOT NULL constraint failed: ") {
            let column = m.split(separator: ".").last.map(String.init) ?? m
            return "field '\(column)' must be a finite number"
        }
        if m.contains("UNIQUE constraint failed") { return "a name or index appears twice (\(m))" }
        return m
    }
}
