import Foundation

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
}

/// Reads a results directory written by the Python labeille (or by `bench run`) into the store.
public enum Ingest {
    /// Reads and decodes `<dir>/bench_meta.json`.
    public static func readMeta(directory: String) throws -> RunMeta {
        let path = (directory as NSString).appendingPathComponent("bench_meta.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw IngestError("No bench_meta.json in \(directory)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError("\(path): cannot read the file")
        }
        do {
            let value = try data.withUnsafeBytes { raw in
                try JSONParser.parse(bytes: raw.bindMemory(to: UInt8.self))
            }
            return try PythonFormat.decodeMeta(value)
        } catch let e as JSONParseError {
            throw IngestError("\(path): invalid JSON: \(e)")
        } catch let e as FormatError {
            throw IngestError("\(path): \(e)")
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
            let writer = try RunWriter(db: db, meta: meta, origin: "ingested",
                                       sourceDir: URL(fileURLWithPath: directory).standardizedFileURL.path)
            var outcome = IngestOutcome(kind: exists ? .replaced : .stored, benchID: meta.benchID)
            guard FileManager.default.fileExists(atPath: resultsPath) else { return outcome }
            let reader: LineReader
            do { reader = try LineReader(path: resultsPath) } catch {
                throw IngestError("\(resultsPath): cannot read the file: \(error)")
            }
            while true {
                let record: PackageResultRecord?? = try reader.nextLine { bytes -> PackageResultRecord? in
                    // Skip blank lines, as the Python reader does.
                    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                    do {
                        return try PythonFormat.decodePackage(JSONParser.parse(bytes: bytes))
                    } catch let e as JSONParseError {
                        throw IngestError("\(resultsPath):\(reader.lineNumber): invalid JSON: \(e)")
                    } catch let e as FormatError {
                        throw IngestError("\(resultsPath):\(reader.lineNumber): \(e)")
                    }
                }
                guard let line = record else { break }
                guard var p = line else { continue }
                // In the original's alternating order, iteration i of every condition ran in round i: record
                // it so the analysis can pair them.
                if meta.config.alternate == true && meta.config.interleave != true {
                    for c in p.conditions.indices {
                        for i in p.conditions[c].iterations.indices where p.conditions[c].iterations[i].round == nil {
                            p.conditions[c].iterations[i].round = p.conditions[c].iterations[i].index
                        }
                    }
                }
                do {
                    try writer.insertPackage(p)
                } catch let e as FormatError {
                    throw IngestError("\(resultsPath):\(reader.lineNumber): \(e)")
                }
                outcome.packages += 1
                for c in p.conditions {
                    outcome.iterations += c.iterations.count
                    for it in c.iterations {
                        let rejected = PerTestValidation.partition(it.perTestTimings, wallTimeS: it.wallTimeS).rejected
                        outcome.testRows += it.perTestTimings.count - rejected
                        outcome.rejectedTestDurations += rejected
                    }
                }
                progress?(outcome.packages)
            }
            return outcome
        }
    }
}
