import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore


/// How iterations are ordered.
public enum ExecutionStrategy: String, Equatable, Sendable {
    /// For each package, round i runs every condition once (A1 B1 A2 B2 …).
    case alternating
    /// For each package, all iterations of A, then all of B (A1 A2 A3 B1 B2 B3).
    case block
    /// All packages set up first, then iteration i runs across every package.
    case interleaved
}

public enum InstallerPreference: String, Equatable, Sendable, CaseIterable {
    case auto, uv, pip
}

/// The fully resolved configuration of one `bench run`.
///
/// Built by `resolve(profile:cli:inlineConditions:)`. Precedence, lowest first:
/// built-in defaults → profile → CLI options that were given → inline `--condition`s (for conditions) →
/// `--quick` (for iterations, warmup, top and adaptive).
public struct BenchSettings: Equatable, Sendable {
    public var name = ""
    public var description = ""
    /// In order (profile order, then new inline conditions in CLI order), each with the defaults merged in:
    /// `targetPython` filled from the default interpreter, `env` = default env overlaid by the condition's,
    /// `extraDeps` = default deps then the condition's (de-duplicated), `testCommandSuffix` = the
    /// condition's or else the default one, `constraints` = default constraints overlaid field by field by
    /// the condition's. With `--warm-vs-cold`, each condition X appears as `X-warm` then `X-cold`.
    public var conditions: [ConditionDefinition] = []
    /// Names of the conditions whose iterations must run with filesystem caches dropped (the `-cold`
    /// half of `--warm-vs-cold`). Use `dropsCaches(for:)`.
    public var coldConditions: Set<String> = []
    /// The shared defaults as resolved (already merged into `conditions`; kept for the record).
    public var defaultTargetPython = ""
    public var defaultEnv: [KeyValue] = []
    public var defaultExtraDeps: [String] = []
    public var defaultTestCommandSuffix: String?
    public var defaultConstraints = ResourceConstraints()

    public var iterations = 5
    public var warmup = 1
    /// Per-iteration (and install) timeout in seconds.
    public var timeout: Double = 600
    /// Resolved `should_alternate`: the explicit setting, else true iff there is more than one condition.
    public var alternate = false
    public var interleave = false
    public var adaptive = false
    public var adaptiveThreshold = 0.005
    public var adaptiveMinIterations = 5

    /// `--packages` / profile `packages`, in the user's order; nil = whole registry.
    public var packages: [String]?
    public var topN: Int?
    public var forceRun = false
    public var registryDir = ""
    public var workDir: String?
    /// nil = `<output dir>/repos`.
    public var reposDir: String?
    /// nil = `<output dir>/venvs`.
    public var venvsDir: String?
    public var resultsDir = "results"

    public var perTestTiming = false
    /// Drop caches before every iteration of every condition (false when `warmVsCold`: then only the
    /// cold conditions drop them).
    public var dropCaches = false
    public var warmVsCold = false
    public var checkStability = false
    public var waitForStability = false
    public var quick = false
    public var runDangerouslyAsRoot = false
    public var installer = InstallerPreference.auto
    public var verbose = false
    /// Count the user-space instructions of every iteration, and how (nil: not counted).
    public var instructions: InstructionCountingRequest?
    public var cliArgs: [String] = []
    /// Non-fatal findings, to be logged as `Config warning: <field>: <message>`.
    public var warnings: [ConfigIssue] = []

    public init() {}

    public var strategy: ExecutionStrategy {
        if interleave { return .interleaved }
        return alternate && conditions.count > 1 ? .alternating : .block
    }
    public var block: Bool { strategy == .block }
    public var totalIterations: Int { warmup + iterations }

    /// Whether iterations of `condition` run after dropping filesystem caches.
    public func dropsCaches(for condition: String) -> Bool {
        dropCaches || coldConditions.contains(condition)
    }

    public static let defaultIterations = 5
    public static let defaultWarmup = 1
    public static let defaultTimeout = 600.0
    public static let defaultAdaptiveThreshold = 0.005
    public static let defaultAdaptiveMinIterations = 5
    public static let quickIterations = 3
    public static let quickTop = 20

    /// `LABEILLE_REGISTRY_DIR` if set and non-empty, else `~/.local/share/labeille/registry`, as the Python labeille.
    public static func defaultRegistryDir(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["LABEILLE_REGISTRY_DIR"], !dir.isEmpty { return expandTilde(dir, environment) }
        return home(environment) + "/.local/share/labeille/registry"
    }

    /// Filesystem checks: each condition's interpreter exists and is a
    /// regular file (symlinks followed), and the registry directory exists. All are errors.
    public func pathProblems() -> [ConfigIssue] {
        var out: [ConfigIssue] = []
        let fm = FileManager.default
        for c in conditions {
            let field = "conditions.\(c.name).target_python"
            var isDir: ObjCBool = false
            if !fm.fileExists(atPath: c.targetPython, isDirectory: &isDir) {
                out.append(ConfigIssue(field: field, message: "Target Python for condition '\(c.name)' does not exist: \(c.targetPython)", severity: .error))
            } else if isDir.boolValue {
                out.append(ConfigIssue(field: field, message: "Target Python for condition '\(c.name)' is not a file: \(c.targetPython)", severity: .error))
            }
        }
        let cpus = Limits.machineCPUCount
        for c in conditions {
            if let bad = c.constraints.cpuAffinity.first(where: { $0 >= cpus }) {
                out.append(ConfigIssue(field: "conditions.\(c.name).cpu_affinity",
                                       message: "CPU \(bad) does not exist: this machine has CPUs 0 to \(cpus - 1)", severity: .error))
            }
        }
        var isDir: ObjCBool = false
        if !fm.fileExists(atPath: registryDir, isDirectory: &isDir) || !isDir.boolValue {
            out.append(ConfigIssue(field: "registry_dir", message: "Registry directory does not exist: \(registryDir)", severity: .error))
        }
        return out
    }

    /// The settings with every folder and interpreter path made absolute against `directory`: the runner
    /// runs git, venv and tests in other working directories, where a relative path means something else.
    /// Bare interpreter names (`python3`) stay for the PATH lookup.
    public func withAbsolutePaths(relativeTo directory: String = FileManager.default.currentDirectoryPath) -> BenchSettings {
        func absolute(_ path: String) -> String {
            guard !path.isEmpty, !path.hasPrefix("/") else { return path }
            return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL.path
        }
        func interpreter(_ path: String) -> String { path.contains("/") ? absolute(path) : path }
        var s = self
        s.registryDir = absolute(registryDir)
        s.workDir = workDir.map(absolute)
        s.reposDir = reposDir.map(absolute)
        s.venvsDir = venvsDir.map(absolute)
        s.resultsDir = absolute(resultsDir)
        s.defaultTargetPython = interpreter(defaultTargetPython)
        for i in s.conditions.indices { s.conditions[i].targetPython = interpreter(s.conditions[i].targetPython) }
        return s
    }

    // MARK: - Helpers

    /// Splits items that may contain commas, strips them and drops empties.
    static func splitList(_ items: [String]) -> [String] {
        items.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func home(_ environment: [String: String]) -> String {
        if let h = environment["HOME"], !h.isEmpty { return h }
        return NSHomeDirectory()
    }

    static func expandTilde(_ path: String, _ environment: [String: String]) -> String {
        if path == "~" { return home(environment) }
        if path.hasPrefix("~/") { return home(environment) + path.dropFirst(1) }
        return path
    }

    /// The first executable regular file named `name` in the directories of `PATH` (nil without a PATH).
    static func findExecutable(_ name: String, environment: [String: String]) -> String? {
        guard let searchPath = environment["PATH"], !searchPath.isEmpty else { return nil }
        return ExecutableLookup.search(name, searchPath: searchPath).path
    }

    static func formatNumber(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
