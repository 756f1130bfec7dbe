import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore

public struct MergeError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One shard run to merge, read from a results folder or a shard database.
public struct ShardSource {
    /// Where it came from, for messages.
    public var label: String
    public var meta: RunMeta
    public var packages: [PackageResultRecord]
    /// Read from a database (full precision) rather than a results folder (rounded as the Python tool writes).
    public var fromDatabase = false
    public var shard: ShardInfo { meta.shard! }

    /// The same run (bench id, shard, group) with the same iterations: a database and its own results folder.
    func isCopy(of other: ShardSource) -> Bool {
        func shape(_ s: ShardSource) -> [String] {
            s.packages.map { p in "\(p.package):" + p.conditions.map { "\($0.conditionName)=\($0.iterations.count)" }.joined(separator: ",") }
        }
        return meta.benchID == other.meta.benchID && shard.spec == other.shard.spec && shard.group == other.shard.group
            && shape(self) == shape(other)
    }
}

/// The run `bench merge` builds from shard runs.
public struct MergedRun {
    public var meta: RunMeta
    public var packages: [PackageResultRecord]
    public var merge: ShardMergeInfo { meta.shardMerge! }
    public var iterations: Int { packages.reduce(0) { $0 + $1.conditions.reduce(0) { $0 + $1.iterations.count } } }

    /// The merged content as written to bench_meta.json and bench_results.jsonl.
    var metaText: String { JSONWriter.pretty(PythonFormat.encodeMeta(meta)) + "\n" }
    var resultsText: String { packages.map { JSONWriter.compact(PythonFormat.encodePackage($0)) + "\n" }.joined() }
    var contentDigest: String { Migrator.fnv1a(metaText + resultsText) }
}

/// Combines the shard runs of one group into one run: every shard writes its own database and results
/// folder (SQLite on a network file system is not safe for concurrent writers), and this puts them back
/// together, refusing anything that would make the merged run lie.
public enum ShardMerge {
    /// What storing a merged run did (the store decides: same content, new, or replaced).
    public typealias Outcome = ShardStore.MergedRunStoreOutcome

    /// Reads every shard run under `paths`: results folders, shard databases, or folders holding them.
    /// With `group`, runs of other groups found in databases are passed over.
    public static func collect(paths: [String], group: String?) throws -> [ShardSource] {
        var out: [ShardSource] = []
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw MergeError("\(path): no such file or folder") }
            let found = isDir.boolValue ? try fromFolder(path, group: group) : try fromDatabase(path, group: group)
            guard !found.isEmpty else {
                throw MergeError("\(path): no shard run\(group.map { " of group \($0)" } ?? "") found (expected results folders of `bench run --shard` or their databases)")
            }
            out += found
        }
        return withoutCopies(out)
    }

    /// A shard database and its results folder (both found in one shard's output folder) are one run:
    /// the database is kept. Two different runs of one shard stay, and `merge` refuses them.
    static func withoutCopies(_ sources: [ShardSource]) -> [ShardSource] {
        var kept: [ShardSource] = []
        for s in sources {
            if let i = kept.firstIndex(where: { $0.isCopy(of: s) }) {
                if s.fromDatabase && !kept[i].fromDatabase { kept[i] = s }
            } else {
                kept.append(s)
            }
        }
        return kept
    }

    static func fromFolder(_ path: String, group: String?, depth: Int = 0) throws -> [ShardSource] {
        let fm = FileManager.default
        if fm.fileExists(atPath: (path as NSString).appendingPathComponent("bench_meta.json")) {
            let meta = try Ingest.readMeta(directory: path)
            guard meta.shard != nil else { throw MergeError("\(path): not a shard run (its bench_meta.json has no 'shard')") }
            var packages = try readPackages(folder: path)
            for i in packages.indices { Ingest.fillRounds(&packages[i], meta: meta) }
            return [ShardSource(label: path, meta: meta, packages: packages)]
        }
        guard depth < 4 else { return [] }
        var out: [ShardSource] = []
        for name in ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted() where !name.hasPrefix(".") {
            let child = (path as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: child, isDirectory: &isDir)
            if isDir.boolValue {
                out += try fromFolder(child, group: group, depth: depth + 1)
            } else if name.hasSuffix(".db") || name.hasSuffix(".sqlite") {
                out += try fromDatabase(child, group: group)
            }
        }
        return out
    }

    static func readPackages(folder: String) throws -> [PackageResultRecord] {
        let path = (folder as NSString).appendingPathComponent("bench_results.jsonl")
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw MergeError("\(path): cannot read the file") }
        var out: [PackageResultRecord] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do { out.append(try PythonFormat.decodePackage(JSONParser.parse(String(line)))) } catch {
                throw MergeError("\(path):\(n + 1): \(error)")
            }
        }
        return out
    }

    static func fromDatabase(_ path: String, group: String?) throws -> [ShardSource] {
        do {
            let db = try Database(path: path, readOnly: true)
            guard try ShardStore.hasShardTables(db: db) else {
                throw MergeError("\(path): not a labeille database with shard runs")
            }
            return try ShardStore.shardRunIDs(group: group, db: db).map { runID in
                let meta = try StoredRunMeta.load(runID: runID, db: db)
                return ShardSource(label: "\(path) (\(meta.benchID))", meta: meta, packages: try StoredRunMeta.packages(runID: runID, db: db),
                                   fromDatabase: true)
            }
        } catch let e as MergeError { throw e } catch {
            throw MergeError("\(path): \(error)")
        }
    }

    /// Checks that the sources are the shards of one run and builds the merged run.
    public static func merge(_ sources: [ShardSource], benchID: String? = nil) throws -> MergedRun {
        guard let first = sources.min(by: { $0.shard.spec.index < $1.shard.spec.index }) else { throw MergeError("no shard run to merge") }
        try checkSameRun(sources, reference: first)
        let ordered = sources.sorted { $0.shard.spec.index < $1.shard.spec.index }
        var owner: [String: String] = [:]
        var packages: [PackageResultRecord] = []
        for s in ordered {
            let assigned = Set(s.shard.packages)
            for var p in s.packages {
                if let other = owner[p.package] {
                    throw MergeError("package '\(p.package)' is in two shard runs: \(other) and \(s.label); refusing to merge duplicates")
                }
                guard assigned.contains(p.package) else {
                    throw MergeError("\(s.label): package '\(p.package)' was not assigned to shard \(s.shard.spec)")
                }
                owner[p.package] = s.label
                p.shard = s.shard.spec.index
                packages.append(p)
            }
        }
        var meta = first.meta
        meta.shard = nil
        let machines = ordered.map { ShardMachine(shardIndex: $0.shard.spec.index, sourceBenchID: $0.meta.benchID, system: $0.meta.system,
                                                  startTime: $0.meta.startTime, endTime: $0.meta.endTime) }
        let info = ShardMergeInfo(group: first.shard.group, count: first.shard.spec.count, planDigest: first.shard.planDigest, machines: machines)
        meta.shardMerge = info
        meta.startTime = ordered.map(\.meta.startTime).filter { !$0.isEmpty }.min() ?? ""
        meta.endTime = info.complete ? (ordered.map(\.meta.endTime).max() ?? "") : ""
        meta.benchID = benchID ?? defaultBenchID(group: info.group, startTime: meta.startTime)
        meta.packagesTotal = first.shard.selectedTotal
        meta.packagesCompleted = packages.filter { !$0.skipped }.count
        meta.packagesSkipped = packages.filter(\.skipped).count
        return MergedRun(meta: meta, packages: packages)
    }

    /// `bench_<earliest shard start>_<group>`: the same for every merge of one group.
    static func defaultBenchID(group: String, startTime: String) -> String {
        let digits = startTime.filter(\.isNumber)
        let stamp = digits.count >= 14 ? "\(digits.prefix(8))_\(digits.dropFirst(8).prefix(6))" : "merged"
        let safe = String(group.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        return "bench_\(stamp)_\(safe)"
    }

    /// Same group, same number of shards, same plan, same conditions and configuration; no shard twice.
    static func checkSameRun(_ sources: [ShardSource], reference first: ShardSource) throws {
        var seen: [Int: String] = [:]
        for s in sources {
            let a = first.shard, b = s.shard
            if b.group != a.group {
                throw MergeError("foreign shard: \(s.label) belongs to group '\(b.group)', \(first.label) to '\(a.group)' (merge one group at a time; --shard-group picks one)")
            }
            if b.spec.count != a.spec.count {
                throw MergeError("\(s.label) is shard \(b.spec), \(first.label) is shard \(a.spec): not the same number of shards")
            }
            if let other = seen[b.spec.index] {
                throw MergeError("duplicate shard \(b.spec) of group '\(b.group)': \(other) and \(s.label)")
            }
            seen[b.spec.index] = s.label
            if b.planDigest != a.planDigest {
                throw MergeError("\(s.label) and \(first.label) assigned packages differently (they planned from different duration histories); "
                                 + "give every shard the same --shard-history")
            }
            if let difference = definitionDifference(first.meta, s.meta) {
                throw MergeError("\(s.label) and \(first.label) did not run the same conditions: \(difference)")
            }
        }
    }

    /// The first difference in what was measured: conditions (env, flags, commands, limits), interpreters
    /// (all but their path, which may differ between machines) and the run configuration.
    static func definitionDifference(_ a: RunMeta, _ b: RunMeta) -> String? {
        if a.conditions.map(\.name) != b.conditions.map(\.name) {
            return "conditions \(a.conditions.map(\.name)) vs \(b.conditions.map(\.name))"
        }
        for (x, y) in zip(a.conditions, b.conditions) {
            if x.env != y.env { return "condition '\(x.name)': environment differs" }
            if x.extraDeps != y.extraDeps { return "condition '\(x.name)': extra dependencies differ" }
            if x.testCommandOverride != y.testCommandOverride || x.testCommandPrefix != y.testCommandPrefix
                || x.testCommandSuffix != y.testCommandSuffix || x.installCommand != y.installCommand {
                return "condition '\(x.name)': test or install command flags differ"
            }
            if x.constraints != y.constraints { return "condition '\(x.name)': resource limits differ" }
        }
        let pa = Dictionary(a.pythonProfiles.map { ($0.name, $0.profile) }, uniquingKeysWith: { p, _ in p })
        for (name, q) in b.pythonProfiles {
            guard var p = pa[name] else { return "condition '\(name)': interpreter profile missing in one of them" }
            p.path = q.path
            if p != q { return "condition '\(name)': interpreter differs (\(pa[name]!.version) \(pa[name]!.compiler) vs \(q.version) \(q.compiler), or its build flags)" }
        }
        let c = a.config, d = b.config
        if c.iterations != d.iterations || c.warmup != d.warmup || c.timeout != d.timeout || c.alternate != d.alternate
            || c.interleave != d.interleave || c.adaptive != d.adaptive || c.adaptiveThreshold != d.adaptiveThreshold
            || c.adaptiveMinIterations != d.adaptiveMinIterations || c.topN != d.topN || c.packagesFilter != d.packagesFilter {
            return "run configuration differs (iterations, warm-up, timeout, order, adaptive stopping or package selection)"
        }
        return nil
    }
}
