import Foundation

/// Where and how runs were measured, as labelled rows: the system, the settings and each condition's
/// interpreter. The HTML report shows them side by side; `compare` lists the rows that differ.
public enum EnvironmentRows {
    public struct Row {
        public var label: String
        public var values: [String]
        /// Differences in identity rows (bench id, times) are expected and not highlighted.
        public var compare = true
    }

    package static func systemRows(_ runs: [StoredRun]) -> [Row] {
        func sys(_ f: (SystemProfile) -> String) -> [String] {
            runs.map { r in
                guard let v = r.system.map(f) else { return "unknown" }
                return v.trimmingCharacters(in: CharacterSet(charactersIn: " ()/")).isEmpty ? "—" : v
            }
        }
        func gb(_ v: Double) -> String { String(format: "%.1f GB", v) }
        var rows: [Row] = [
            Row(label: "Bench id", values: runs.map(\.benchID), compare: false),
            Row(label: "Name", values: runs.map { $0.name.isEmpty ? "—" : $0.name }, compare: false),
            Row(label: "Time", values: runs.map { $0.startTime.isEmpty ? "—" : "\($0.startTime) → \($0.endTime)" }, compare: false),
            Row(label: "Origin", values: runs.map(\.origin), compare: false),
            Row(label: "CPU", values: sys { $0.cpuModel }),
            Row(label: "Cores", values: sys { "\($0.cpuCoresPhysical) physical / \($0.cpuCoresLogical) logical" }),
            Row(label: "CPU frequency", values: sys { s in
                var t = s.cpuFreqMHz.map { String(format: "%.0f MHz", $0) } ?? "unknown"
                if let m = s.cpuFreqMaxMHz, m > 0 { t += String(format: " (max %.0f MHz)", m) }
                return t
            }),
            Row(label: "Architecture", values: sys { $0.cpuArchitecture }),
            Row(label: "RAM", values: sys { gb($0.ramTotalGB) + " total" }),
            Row(label: "RAM available at start", values: sys { gb($0.ramAvailableGB) }),
            Row(label: "Swap", values: sys { gb($0.swapTotalGB) }),
            Row(label: "OS", values: sys { $0.osDistro.isEmpty ? $0.osName : "\($0.osDistro) (\($0.osName))" }),
            Row(label: "Kernel", values: sys { $0.osKernelVersion }),
            Row(label: "Host Python", values: sys { "\($0.hostPythonVersion) (\($0.hostPythonImplementation))" }),
            Row(label: "Disk", values: sys { String(format: "%@, %.0f GB available", $0.diskType.uppercased(), $0.diskAvailableGB) }),
            Row(label: "Load average at start (1/5/15 min)", values: sys {
                "\(JSONWriter.formatNumber($0.loadAvg1m)) / \(JSONWriter.formatNumber($0.loadAvg5m)) / \(JSONWriter.formatNumber($0.loadAvg15m))"
            }),
            Row(label: "Median load while measuring", values: runs.map { $0.measurementLoad?.text ?? "unknown" }),
            Row(label: "Hostname", values: sys { $0.hostname }),
        ]
        rows.append(Row(label: "Iterations", values: runs.map {
            "\($0.iterations.map(String.init) ?? "?") measured + \($0.warmup.map(String.init) ?? "?") warmup"
        }))
        rows.append(Row(label: "Schedule", values: runs.map {
            $0.interleave == true ? "interleaved" : $0.alternate == true ? "alternating" : $0.alternate == false ? "block" : "unknown"
        }))
        rows.append(Row(label: "Adaptive", values: runs.map {
            $0.adaptive == true ? String(format: "on (%.1f%% RSE, min %d)", ($0.adaptiveThreshold ?? 0.005) * 100, $0.adaptiveMinIterations ?? 5) : "off"
        }))
        rows.append(Row(label: "Packages", values: runs.map { "\($0.packagesCompleted) completed, \($0.packagesSkipped) skipped" }))
        return rows
    }

    package static func conditionColumns() -> [(title: String, value: (StoredRun.Condition) -> String)] {
        [
            ("Description", { $0.description.isEmpty ? "—" : $0.description }),
            ("Python", { c in c.profile.map { "\($0.version) (\($0.implementation))" } ?? "unknown" }),
            ("Compiler", { c in c.profile?.compiler ?? "unknown" }),
            ("Interpreter", { c in c.profile.map(\.path).flatMap { $0.isEmpty ? nil : $0 } ?? (c.targetPython.isEmpty ? "—" : c.targetPython) }),
            ("JIT", { c in c.profile.map { $0.jitEnabled ? "enabled" : $0.jitAvailable ? "available, off" : "no" } ?? "unknown" }),
            ("GIL", { c in c.profile.map { $0.gilDisabled ? "disabled (free-threaded)" : "enabled" } ?? "unknown" }),
            ("Debug build", { c in c.profile.map { $0.debugBuild ? "yes" : "no" } ?? "unknown" }),
            ("Build flags", { c in c.profile.map { $0.buildFlags.isEmpty ? "—" : $0.buildFlags.joined(separator: " ") } ?? "unknown" }),
        ]
    }

    /// The rows in which `other` differs from `baseline` (system and settings of the runs, then the
    /// interpreter of the compared conditions).
    public static func differences(baseline: StoredRun, other: StoredRun, baselineCondition: String,
                                   otherCondition: String) -> [EnvironmentDifference] {
        var out: [EnvironmentDifference] = []
        for row in systemRows([baseline, other]) where row.compare && row.values[0] != row.values[1] {
            out.append(EnvironmentDifference(item: row.label, baseline: row.values[0], value: row.values[1],
                                             baselineRun: baseline.benchID, run: other.benchID))
        }
        if let a = baseline.conditions.first(where: { $0.name == baselineCondition }),
           let b = other.conditions.first(where: { $0.name == otherCondition }) {
            func envText(_ c: StoredRun.Condition) -> String {
                c.env.isEmpty ? "—" : c.env.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
            }
            var columns = conditionColumns().filter { $0.title != "Description" }
            columns.append(("Environment variables", envText))
            for (title, value) in columns where value(a) != value(b) {
                out.append(EnvironmentDifference(item: title, baseline: value(a), value: value(b),
                                                 baselineRun: baseline.benchID, run: other.benchID))
            }
        }
        return out
    }

    /// What the two runs share, for the sentence that goes with the differences.
    public static let keyItems = ["Hostname", "CPU", "Kernel", "Python", "Interpreter", "Build flags"]
}

/// One way in which a compared run's environment differs from the baseline run's.
public struct EnvironmentDifference: Equatable, Sendable {
    public var item: String
    public var baseline: String
    public var value: String
    public var baselineRun: String
    public var run: String
}
