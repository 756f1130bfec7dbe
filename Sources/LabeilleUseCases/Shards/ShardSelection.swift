import Foundation
import LabeilleCore
import LabeilleRunner
import LabeilleStats
import LabeilleStore

/// The scheduler ids that name a sweep of N shards, so that every shard of one submission agrees on its
/// group without being told.
public enum ShardGroup {
    /// `--shard-group` when given, else: Slurm's array job id, the Kubernetes Indexed Job's name (its pods'
    /// hostname is `<job name>-<completion index>`), the GitHub Actions run id, the GitLab pipeline id.
    public static func resolve(explicit: String?, environment: [String: String]) throws -> String {
        if let explicit {
            let name = explicit.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw ConfigError("--shard-group must not be empty") }
            return name
        }
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let id = value("SLURM_ARRAY_JOB_ID") { return "slurm-\(id)" }
        if let index = value("JOB_COMPLETION_INDEX"), let host = value("HOSTNAME"), host.hasSuffix("-\(index)"),
           host.count > index.count + 1 {
            return "k8s-" + host.dropLast(index.count + 1)
        }
        if let id = value("GITHUB_RUN_ID") { return "gha-\(id)" }
        if let id = value("CI_PIPELINE_ID") { return "gitlab-\(id)" }
        throw ConfigError("--shard needs a shard group shared by the N shards: give --shard-group NAME (none of "
                          + "SLURM_ARRAY_JOB_ID, a Kubernetes Indexed Job, GITHUB_RUN_ID or CI_PIPELINE_ID was found)")
    }
}

/// The part of a sharded `bench run` that chooses this machine's packages: it plans the whole assignment
/// from the duration history (or reuses the stored one when resuming) and keeps what it chose for the
/// run's meta.
public final class ShardSelection: PackageShardFilter {
    public let spec: ShardSpec
    public let group: String
    /// Extra history sources: databases or results folders.
    public let historyPaths: [String]
    /// Set by `select`: what the run records.
    public private(set) var info: ShardInfo?

    public init(spec: ShardSpec, group: String, historyPaths: [String] = []) {
        self.spec = spec; self.group = group; self.historyPaths = historyPaths
    }

    /// This shard's packages among `selected` (in selection order).
    public func select(_ selected: [RegistryPackage], settings s: BenchSettings, resumeBenchID: String?, db: Database,
                log: (String) -> Void) throws -> [RegistryPackage] {
        if let resume = resumeBenchID, let runID = try RunQueries.runID(benchID: resume, db: db),
           let stored = try ShardStore.shardInfo(runID: runID, db: db) {
            // A resumed shard runs exactly the packages it was given, whatever the history says now.
            let byName = Dictionary(selected.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let missing = stored.packages.filter { byName[$0] == nil }
            guard missing.isEmpty else {
                throw RunError("shard \(stored.spec) of \(resume): packages no longer selected: \(missing.joined(separator: ", "))")
            }
            info = stored
            log("Shard \(stored.spec) of group \(stored.group): resuming its \(stored.packages.count) packages")
            return stored.packages.map { byName[$0]! }
        }
        var history = DurationHistory()
        try history.add(db: db)
        for path in historyPaths { try Self.addHistory(path: path, to: &history) }
        let plan = ShardPlanner.plan(selected.map(\.name), count: spec.count) {
            history.expectedSeconds($0, conditions: s.conditions.count, iterationsPerCondition: s.totalIterations)
        }
        let mine = Set(plan.packages(of: spec.index))
        let chosen = selected.filter { mine.contains($0.name) }
        info = ShardInfo(group: group, spec: spec, assignment: plan.assignment, planDigest: plan.digest,
                         packages: chosen.map(\.name), selectedTotal: selected.count,
                         predictedShardSeconds: plan.predictedLoad?[spec.index - 1], predictedMakespanSeconds: plan.predictedMakespan)
        log(Self.summary(plan, spec: spec, group: group, chosen: chosen.count, selected: selected.count))
        return chosen
    }

    static func summary(_ plan: ShardPlan, spec: ShardSpec, group: String, chosen: Int, selected: Int) -> String {
        let head = "Shard \(spec) of group \(group): \(chosen) of \(selected) packages"
        guard let load = plan.predictedLoad, let makespan = plan.predictedMakespan else {
            let counts = (1...plan.count).map { plan.packages(of: $0).count }
            return "\(head) (hash assignment: no earlier run knows these packages; \(counts.min()!)–\(counts.max()!) packages per shard; "
                + "predicted makespan unknown)"
        }
        let total = load.reduce(0, +)
        return "\(head) (balanced on the history of \(plan.packagesWithHistory) packages): predicted "
            + "\(NumberText.approximateDuration(load[spec.index - 1])) on this shard; predicted makespan \(NumberText.approximateDuration(makespan)) "
            + "over \(plan.count) shards (one machine: \(NumberText.approximateDuration(total)))"
    }

    /// A database file or a results folder (bench_results.jsonl) of earlier runs.
    static func addHistory(path: String, to history: inout DurationHistory) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw RunError("--shard-history \(path): no such file or folder")
        }
        if !isDir.boolValue {
            let db: Database
            do { db = try Database(path: path, readOnly: true) } catch { throw RunError("--shard-history \(path): \(error)") }
            do { try history.add(db: db) } catch { throw RunError("--shard-history \(path): not a labeille database (\(error))") }
            return
        }
        guard FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("bench_results.jsonl")) else {
            throw RunError("--shard-history \(path): no bench_results.jsonl in this folder")
        }
        do { for p in try ShardMerge.readPackages(folder: path) { history.add(p) } } catch { throw RunError("--shard-history \(error)") }
    }
}
