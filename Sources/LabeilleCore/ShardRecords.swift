import Foundation

// What a sharded run records: the shard a measured run covers, and the shards a merged run holds.
// Both travel in `bench_meta.json` as extra top-level keys (`shard`, `shard_merge`) that the Python
// labeille ignores, and in the database (migration 0005).

/// `K/N`: the K-th (1-based) of N shards.
public struct ShardSpec: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    public init(index: Int, count: Int) { self.index = index; self.count = count }

    /// Parses `K/N` with 1 ≤ K ≤ N.
    public static func parse(_ text: String) throws -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw ConfigError("invalid --shard '\(text)': expected K/N, e.g. 2/8")
        }
        guard n >= 1, k >= 1, k <= n else { throw ConfigError("invalid --shard '\(text)': need 1 ≤ K ≤ N") }
        guard n <= 100_000 else { throw ConfigError("invalid --shard '\(text)': at most 100000 shards") }
        return ShardSpec(index: k, count: n)
    }
    public var description: String { "\(index)/\(count)" }
}

/// How packages were spread over the shards.
public enum ShardAssignment: String, Equatable, Sendable {
    /// Longest expected duration first onto the least loaded shard, from earlier runs' durations.
    case balanced
    /// A stable hash of the package name, when no earlier run knows any selected package.
    case hash
}

/// The shard a measured run covers (`shard` in bench_meta.json, `run_shard` in the database).
public struct ShardInfo: Equatable, Sendable {
    public var group: String
    public var spec: ShardSpec
    public var assignment: ShardAssignment
    /// Digest of the whole assignment: equal across the shards of a group that planned alike.
    public var planDigest: String
    /// This shard's packages, in run order.
    public var packages: [String]
    /// Packages selected before sharding, all shards together.
    public var selectedTotal: Int
    public var predictedShardSeconds: Double?
    public var predictedMakespanSeconds: Double?
    public init(group: String, spec: ShardSpec, assignment: ShardAssignment, planDigest: String, packages: [String],
                selectedTotal: Int, predictedShardSeconds: Double? = nil, predictedMakespanSeconds: Double? = nil) {
        self.group = group; self.spec = spec; self.assignment = assignment; self.planDigest = planDigest
        self.packages = packages; self.selectedTotal = selectedTotal
        self.predictedShardSeconds = predictedShardSeconds; self.predictedMakespanSeconds = predictedMakespanSeconds
    }
}

/// One machine of a merged run: the shard it ran and what it was.
public struct ShardMachine: Equatable, Sendable {
    public var shardIndex: Int
    public var sourceBenchID: String
    public var hostname = ""
    public var cpuModel = ""
    public var cpuArchitecture = ""
    public var cpuCoresLogical = 0
    public var ramTotalGB = 0.0
    public var osKernelVersion = ""
    public var osDistro = ""
    public var startTime = ""
    public var endTime = ""
    public init(shardIndex: Int, sourceBenchID: String) { self.shardIndex = shardIndex; self.sourceBenchID = sourceBenchID }

    package init(shardIndex: Int, sourceBenchID: String, system s: SystemProfile, startTime: String, endTime: String) {
        self.init(shardIndex: shardIndex, sourceBenchID: sourceBenchID)
        hostname = s.hostname; cpuModel = s.cpuModel; cpuArchitecture = s.cpuArchitecture
        cpuCoresLogical = s.cpuCoresLogical; ramTotalGB = s.ramTotalGB; osKernelVersion = s.osKernelVersion
        osDistro = s.osDistro; self.startTime = startTime; self.endTime = endTime
    }

    /// What decides whether timings are comparable: the processor and how many of them. RAM is rounded to
    /// whole GB because two identical machines report slightly different totals.
    public var hardwareKey: String {
        "\(cpuModel) | \(cpuArchitecture) | \(cpuCoresLogical) CPUs | \(Int(ramTotalGB.rounded())) GB"
    }
}

/// The shards a merged run holds (`shard_merge` in bench_meta.json, `merged_run` in the database).
public struct ShardMergeInfo: Equatable, Sendable {
    public var group: String
    public var count: Int
    public var planDigest: String
    /// In shard order; shards missing at merge time are absent.
    public var machines: [ShardMachine]
    public init(group: String, count: Int, planDigest: String, machines: [ShardMachine]) {
        self.group = group; self.count = count; self.planDigest = planDigest; self.machines = machines
    }
    public var missingShards: [Int] {
        let present = Set(machines.map(\.shardIndex))
        return (1...max(count, 1)).filter { !present.contains($0) }
    }
    /// Shards present but interrupted before their end (no end time).
    public var unfinishedShards: [Int] { machines.filter { $0.endTime.isEmpty }.map(\.shardIndex) }
    public var complete: Bool { missingShards.isEmpty && unfinishedShards.isEmpty }
}

// MARK: - bench_meta.json

extension ShardInfo {
    package var json: JSONValue {
        .obj([
            ("group", .string(group)), ("index", .int(spec.index)), ("count", .int(spec.count)),
            ("assignment", .string(assignment.rawValue)), ("plan_digest", .string(planDigest)),
            ("selected_total", .int(selectedTotal)), ("predicted_shard_s", .num(predictedShardSeconds)),
            ("predicted_makespan_s", .num(predictedMakespanSeconds)),
            ("packages", .array(packages.map { .string($0) })),
        ])
    }

    package static func decode(_ o: JSONObjectReader) throws -> ShardInfo {
        let index = try o.requiredInt("index"), count = try o.requiredInt("count")
        guard index >= 1, index <= count else { throw FormatError("field 'shard': index \(index) is not within 1…\(count)") }
        let raw = try o.requiredString("assignment")
        guard let assignment = ShardAssignment(rawValue: raw) else {
            throw FormatError("field 'shard.assignment': unknown assignment '\(raw)' (expected balanced or hash)")
        }
        return ShardInfo(group: try o.requiredString("group"), spec: ShardSpec(index: index, count: count), assignment: assignment,
                         planDigest: try o.requiredString("plan_digest"), packages: try o.stringArray("packages") ?? [],
                         selectedTotal: try o.int("selected_total") ?? 0, predictedShardSeconds: try o.double("predicted_shard_s"),
                         predictedMakespanSeconds: try o.double("predicted_makespan_s"))
    }
}

extension ShardMergeInfo {
    package var json: JSONValue {
        .obj([
            ("group", .string(group)), ("count", .int(count)), ("plan_digest", .string(planDigest)),
            ("complete", .bool(complete)), ("missing_shards", .array(missingShards.map { .int($0) })),
            ("unfinished_shards", .array(unfinishedShards.map { .int($0) })),
            ("shards", .array(machines.map { m in
                .obj([
                    ("index", .int(m.shardIndex)), ("bench_id", .string(m.sourceBenchID)), ("hostname", .string(m.hostname)),
                    ("cpu_model", .string(m.cpuModel)), ("cpu_architecture", .string(m.cpuArchitecture)),
                    ("cpu_cores_logical", .int(m.cpuCoresLogical)), ("ram_total_gb", .number(m.ramTotalGB)),
                    ("os_kernel_version", .string(m.osKernelVersion)), ("os_distro", .string(m.osDistro)),
                    ("start_time", .string(m.startTime)), ("end_time", .string(m.endTime)),
                ])
            })),
        ])
    }

    package static func decode(_ o: JSONObjectReader) throws -> ShardMergeInfo {
        var machines: [ShardMachine] = []
        for (i, v) in (try o.array("shards") ?? []).enumerated() {
            let s = try JSONObjectReader(v, path: "shard_merge.shards[\(i)]")
            var m = ShardMachine(shardIndex: try s.requiredInt("index"), sourceBenchID: try s.string("bench_id") ?? "")
            m.hostname = try s.string("hostname") ?? ""; m.cpuModel = try s.string("cpu_model") ?? ""
            m.cpuArchitecture = try s.string("cpu_architecture") ?? ""; m.cpuCoresLogical = try s.int("cpu_cores_logical") ?? 0
            m.ramTotalGB = try s.double("ram_total_gb") ?? 0; m.osKernelVersion = try s.string("os_kernel_version") ?? ""
            m.osDistro = try s.string("os_distro") ?? ""; m.startTime = try s.string("start_time") ?? ""
            m.endTime = try s.string("end_time") ?? ""
            machines.append(m)
        }
        return ShardMergeInfo(group: try o.requiredString("group"), count: try o.requiredInt("count"),
                              planDigest: try o.string("plan_digest") ?? "", machines: machines)
    }
}

/// Where one sharded or merged run was measured: the machine lines and warnings `show` and `report` print.
public struct ShardMachinesNote: Sendable {
    public var benchID: String
    public var lines: [String]
    public var warnings: [String]

    public init(benchID: String, lines: [String], warnings: [String]) {
        self.benchID = benchID; self.lines = lines; self.warnings = warnings
    }
}
