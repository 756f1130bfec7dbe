import Foundation

/// One validation finding: errors abort the run, warnings are logged as
/// `Config warning: <field>: <message>`.
public struct ConfigIssue: Equatable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var field: String
    public var message: String
    public var severity: Severity
    public init(field: String, message: String, severity: Severity) {
        self.field = field; self.message = message; self.severity = severity
    }
    public var description: String { "\(field): \(message)" }
}

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

/// Every option of `labeille bench run`, as given on the command line. `nil` means "not given":
/// only given values override the profile (the original let flag defaults overwrite it, e.g. `drop_caches`).
/// For plain flags the CLI passes `true` when present and `nil` when absent; `false` explicitly turns off a
/// setting the profile turned on (`--no-alternate`).
///
/// `--profile` and `--condition` are not applied from here: the caller loads the profile
/// (`BenchProfile.load`) and passes the `--condition` strings as `inlineConditions`; `profile` is kept
/// for the record only.
public struct CLIOverrides: Equatable, Sendable {
    public var profile: String?
    public var targetPython: String?
    public var iterations: Int?
    public var warmup: Int?
    /// Seconds.
    public var timeout: Int?
    /// `--alternate` (true) / `--no-alternate` (false).
    public var alternate: Bool?
    public var interleave: Bool?
    /// `--packages a,b`: items may also contain commas; they are split, stripped, empties dropped.
    public var packages: [String]?
    public var top: Int?
    /// `--extra-deps a,b` (split like `packages`); replaces the profile's `default_extra_deps`.
    public var extraDeps: [String]?
    public var testCommandSuffix: String?
    /// `--env KEY=VALUE`, repeatable; added on top of the profile's `default_env`.
    public var env: [String]?
    public var registryDir: String?
    public var reposDir: String?
    public var venvsDir: String?
    public var workDir: String?
    public var resultsDir: String?
    public var name: String?
    public var quick: Bool?
    public var checkStability: Bool?
    public var waitForStability: Bool?
    public var adaptive: Bool?
    public var adaptiveThreshold: Double?
    public var adaptiveMinIterations: Int?
    public var perTestTiming: Bool?
    /// `--memory-limit` in MB.
    public var memoryLimit: Int?
    /// `--cpu-affinity "0,1"` (ranges such as `0-3` allowed).
    public var cpuAffinity: String?
    /// `--cpu-time-limit` in seconds.
    public var cpuTimeLimit: Int?
    public var dropCaches: Bool?
    public var warmVsCold: Bool?
    public var runDangerouslyAsRoot: Bool?
    /// `--installer auto|uv|pip` (case-insensitive).
    public var installer: String?
    public var verbose: Bool?
    /// `--force-run`: benchmark packages marked `skip`/`skip_versions` in the registry
    /// (the original ignored those marks altogether).
    public var forceRun: Bool?
    /// `--instructions auto|perf|valgrind`: count each iteration's instructions.
    public var instructions: String?
    /// The process arguments after the program name, recorded in `bench_meta.json` as `cli_args`.
    public var cliArgs: [String]?

    public init() {}
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

    /// Resolves the run configuration.
    ///
    /// Precedence for every setting: CLI option (only when given) → profile key → built-in default; then
    /// inline conditions replace a profile condition of the same name in place (wholesale, no field merge)
    /// or are appended; then `--quick` forces 3 iterations, 0 warm-ups, `top = min(top ?? 20, 20)` and
    /// adaptive off (adaptive with its 5-iteration minimum could never trigger in 3 iterations: the original
    /// turned it on anyway).
    /// Specific rules:
    /// * repos/venvs dir: `--repos-dir` → `--work-dir`/repos → profile `repos_dir` → profile `work_dir`/repos.
    /// * registry dir: `--registry-dir` → profile `registry_dir` → `LABEILLE_REGISTRY_DIR` → ~/.local/share/labeille/registry.
    /// * default env: profile `default_env` overlaid by `--env` pairs (per key).
    /// * default extra deps: `--extra-deps` replaces the profile list.
    /// * default constraints: profile `default_constraints`/`constraints`, each of `--memory-limit`,
    ///   `--cpu-affinity`, `--cpu-time-limit` overriding its own field only.
    /// * `~` at the start of a path (profile or CLI) is expanded with `HOME`.
    ///
    /// **No condition at all** (no profile conditions, no `--condition`): one condition named `default` is
    /// used, running the default interpreter (`--target-python` / profile `target_python`) or else the
    /// `python3` found on `PATH` (left as the bare word `python3` when PATH has none, which `pathProblems()`
    /// then reports).
    ///
    /// Throws `ConfigError` for an unparsable inline condition or `--env`/`--cpu-affinity` value, and for
    /// validation errors (one line: `Invalid benchmark configuration: field: message; …`; `issues` holds them). Filesystem checks (interpreters, registry dir) are in `pathProblems()`.
    ///
    /// - Parameter environment: used for `HOME`, `PATH` and `LABEILLE_REGISTRY_DIR`.
    public static func resolve(profile: BenchProfile?, cli: CLIOverrides, inlineConditions: [String],
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BenchSettings {
        let p = profile ?? BenchProfile()
        var s = BenchSettings()
        var issues: [ConfigIssue] = []
        func error(_ field: String, _ message: String) {
            issues.append(ConfigIssue(field: field, message: message, severity: .error))
        }
        func warning(_ field: String, _ message: String) {
            issues.append(ConfigIssue(field: field, message: message, severity: .warning))
        }
        func path(_ value: String?) -> String? { value.map { expandTilde($0, environment) } }

        // Scalars: CLI if given → profile → default.
        s.name = cli.name ?? p.name ?? ""
        s.description = p.description ?? ""
        s.iterations = cli.iterations ?? p.iterations ?? defaultIterations
        s.warmup = cli.warmup ?? p.warmup ?? defaultWarmup
        s.timeout = cli.timeout.map(Double.init) ?? p.timeout ?? defaultTimeout
        s.interleave = cli.interleave ?? p.interleave ?? false
        let alternateSetting = cli.alternate ?? p.alternate
        s.adaptive = cli.adaptive ?? p.adaptive ?? false
        s.adaptiveThreshold = cli.adaptiveThreshold ?? p.adaptiveThreshold ?? defaultAdaptiveThreshold
        s.adaptiveMinIterations = cli.adaptiveMinIterations ?? p.adaptiveMinIterations ?? defaultAdaptiveMinIterations
        s.perTestTiming = cli.perTestTiming ?? p.perTestTiming ?? false
        s.dropCaches = cli.dropCaches ?? p.dropCaches ?? false
        s.warmVsCold = cli.warmVsCold ?? p.warmVsCold ?? false
        s.checkStability = cli.checkStability ?? p.checkStability ?? false
        s.waitForStability = cli.waitForStability ?? p.waitForStability ?? false
        s.forceRun = cli.forceRun ?? p.forceRun ?? false
        s.quick = cli.quick ?? false
        s.runDangerouslyAsRoot = cli.runDangerouslyAsRoot ?? false
        s.verbose = cli.verbose ?? false
        s.cliArgs = cli.cliArgs ?? []
        let installer = (cli.installer ?? p.installer ?? "auto").lowercased()
        if let value = InstallerPreference(rawValue: installer) {
            s.installer = value
        } else {
            error("installer", "Installer must be one of auto, uv, pip (got '\(installer)').")
        }

        if let text = cli.instructions {
            s.instructions = InstructionCountingRequest(rawValue: text.lowercased())
            if s.instructions == nil { error("instructions", "--instructions must be one of auto, perf, valgrind (got '\(text)').") }
        }

        // Packages.
        if let list = cli.packages.map(splitList) ?? p.packages.map(splitList), !list.isEmpty {
            for name in list {
                if let problem = SafeName.problem(name) { error("packages", "package name '\(name)' \(problem)") }
            }
            s.packages = list
        }
        s.topN = cli.top ?? p.topN

        // Paths.
        s.registryDir = path(cli.registryDir) ?? path(p.registryDir) ?? defaultRegistryDir(environment: environment)
        s.workDir = path(cli.workDir) ?? path(p.workDir)
        s.reposDir = path(cli.reposDir) ?? path(cli.workDir).map { $0 + "/repos" }
            ?? path(p.reposDir) ?? path(p.workDir).map { $0 + "/repos" }
        s.venvsDir = path(cli.venvsDir) ?? path(cli.workDir).map { $0 + "/venvs" }
            ?? path(p.venvsDir) ?? path(p.workDir).map { $0 + "/venvs" }
        s.resultsDir = path(cli.resultsDir) ?? path(p.resultsDir) ?? "results"

        // Shared condition defaults.
        s.defaultTargetPython = path(cli.targetPython) ?? path(p.targetPython) ?? ""
        s.defaultEnv = p.defaultEnv
        for pair in cli.env ?? [] {
            guard let eq = pair.firstIndex(of: "=") else {
                throw ConfigError("Invalid --env format (expected KEY=VALUE): \(pair)")
            }
            let key = String(pair[..<eq])
            guard !key.isEmpty else { throw ConfigError("Invalid --env format (empty variable name): \(pair)") }
            s.defaultEnv = ConfigMerge.setting(key, to: String(pair[pair.index(after: eq)...]), in: s.defaultEnv)
        }
        s.defaultExtraDeps = cli.extraDeps.map(splitList) ?? p.defaultExtraDeps ?? []
        s.defaultTestCommandSuffix = cli.testCommandSuffix ?? p.defaultTestCommandSuffix
        var constraints = p.defaultConstraints ?? ResourceConstraints()
        if let mb = cli.memoryLimit {
            if mb <= 0 { error("memory_limit", "Memory limit must be positive (got \(mb)).") }
            else if let problem = Limits.problem(mb, Limits.megabytes) { error("memory_limit", "--memory-limit (MB) " + problem) }
            else { constraints.memoryLimitMB = mb }
        }
        if let secs = cli.cpuTimeLimit {
            if secs <= 0 { error("cpu_time_limit", "CPU time limit must be positive (got \(secs)).") }
            else if let problem = Limits.problem(secs, Limits.cpuSeconds) { error("cpu_time_limit", "--cpu-time-limit (s) " + problem) }
            else { constraints.cpuTimeLimitS = secs }
        }
        if let affinity = cli.cpuAffinity {
            constraints.cpuAffinity = try ConfigValues.cpuList(
                affinity.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
                example: "0,1 or 0-3", fail: { ConfigError("Invalid --cpu-affinity '\(affinity)': \($0)") })
        }
        s.defaultConstraints = constraints

        // Conditions: profile order; inline ones replace same-named ones in place or are appended.
        var defined = p.conditions
        var inlineNames = Set<String>()
        for text in inlineConditions {
            let c = try ConditionParser.parseInline(text)
            guard inlineNames.insert(c.name).inserted else {
                throw ConfigError("--condition '\(c.name)' is given more than once; each condition needs its own name")
            }
            if let i = defined.firstIndex(where: { $0.name == c.name }) { defined[i] = c } else { defined.append(c) }
        }
        if defined.isEmpty {
            var c = ConditionDefinition(name: "default")
            if s.defaultTargetPython.isEmpty {
                c.targetPython = findExecutable("python3", environment: environment) ?? "python3"
            }
            defined = [c]
        }
        var seen = Set<String>()
        for c in defined {
            if c.name.trimmingCharacters(in: .whitespaces).isEmpty { error("conditions", "Condition names must be non-empty.") }
            if !seen.insert(c.name).inserted { error("conditions", "Condition '\(c.name)' is defined more than once.") }
        }
        s.conditions = defined.map { c in
            var m = c
            m.targetPython = m.targetPython.isEmpty ? s.defaultTargetPython : expandTilde(m.targetPython, environment)
            m.env = ConfigMerge.env(s.defaultEnv, c.env)
            m.extraDeps = ConfigMerge.deps(s.defaultExtraDeps, c.extraDeps)
            m.testCommandSuffix = c.testCommandSuffix ?? s.defaultTestCommandSuffix
            m.constraints = ConfigMerge.constraints(s.defaultConstraints, c.constraints)
            return m
        }
        for c in s.conditions where c.targetPython.isEmpty {
            error("conditions.\(c.name).target_python",
                  "Condition '\(c.name)' has no target Python. Set --target-python or specify it in the condition.")
        }

        // Warm vs cold: X → X-warm, X-cold (the original only turned cache dropping on).
        if s.warmVsCold {
            if s.dropCaches {
                warning("drop_caches", "--drop-caches is ignored with --warm-vs-cold: only the '-cold' conditions drop caches.")
                s.dropCaches = false
            }
            var expanded: [ConditionDefinition] = []
            for c in s.conditions {
                var warm = c, cold = c
                warm.name = c.name + "-warm"
                cold.name = c.name + "-cold"
                warm.description = c.description.isEmpty ? "warm caches" : c.description + " (warm caches)"
                cold.description = c.description.isEmpty
                    ? "cold caches (filesystem caches dropped before every iteration)"
                    : c.description + " (cold caches)"
                expanded += [warm, cold]
                s.coldConditions.insert(cold.name)
            }
            var names = Set<String>()
            for c in expanded where !names.insert(c.name).inserted {
                error("conditions", "Condition '\(c.name)' is defined more than once after --warm-vs-cold expansion.")
            }
            s.conditions = expanded
        }

        // Quick mode, applied last, so its 3 iterations and adaptive off win over everything.
        if s.quick {
            if cli.adaptive == true { warning("adaptive", "--adaptive is ignored with --quick (3 iterations are too few to converge).") }
            s.iterations = quickIterations
            s.warmup = 0
            s.topN = min(s.topN ?? quickTop, quickTop)
            s.adaptive = false
            s.name = s.name.isEmpty ? "Quick benchmark" : "\(s.name) (quick)"
        }
        s.alternate = alternateSetting ?? (s.conditions.count > 1)

        // Validation (0 is a value, not "unset": the original silently turned 0 into the default); ranges of
        // `Limits`. A value taken from the profile is reported with the profile's file and line.
        func field(_ key: String, cliGiven: Bool, profileKey: String? = nil) -> String {
            guard !cliGiven, let file = p.path, let line = p.keyLines[profileKey ?? key] else { return key }
            return "\(file):\(line): \(key)"
        }
        if s.iterations < 3 {
            error(field("iterations", cliGiven: cli.iterations != nil || s.quick),
                  "Need at least 3 measured iterations for meaningful statistics (got \(s.iterations)).")
        } else if let problem = Limits.problem(s.iterations, Limits.iterations) {
            error(field("iterations", cliGiven: cli.iterations != nil), problem)
        }
        if s.warmup < 0 {
            error(field("warmup", cliGiven: cli.warmup != nil), "Warmup iterations cannot be negative (got \(s.warmup)).")
        } else if let problem = Limits.problem(s.warmup, Limits.warmup) {
            error(field("warmup", cliGiven: cli.warmup != nil), problem)
        }
        if !(s.timeout > 0) {
            error(field("timeout", cliGiven: cli.timeout != nil), "Timeout must be positive (got \(formatNumber(s.timeout))).")
        } else if let problem = Limits.problem(s.timeout, Limits.timeoutSeconds) {
            error(field("timeout", cliGiven: cli.timeout != nil), "Timeout in seconds " + problem)
        }
        if let top = s.topN, let problem = top < 1 ? "--top must be at least 1 (got \(top))." : Limits.problem(top, Limits.topN) {
            error(field("top_n", cliGiven: cli.top != nil, profileKey: p.keyLines["top"] != nil ? "top" : "top_n"), problem)
        }
        if s.interleave && alternateSetting == true {
            warning("interleave", "--interleave and --alternate are mutually exclusive. Choose one execution strategy.")
        }
        if s.adaptive {
            if !(s.adaptiveThreshold > 0) {
                error(field("adaptive_threshold", cliGiven: cli.adaptiveThreshold != nil),
                      "Adaptive threshold must be positive (got \(formatNumber(s.adaptiveThreshold))).")
            } else if let problem = Limits.thresholdProblem(s.adaptiveThreshold) {
                error(field("adaptive_threshold", cliGiven: cli.adaptiveThreshold != nil), problem)
            }
            if s.adaptiveMinIterations < 3 {
                error(field("adaptive_min_iterations", cliGiven: cli.adaptiveMinIterations != nil),
                      "Adaptive min iterations must be >= 3 (got \(s.adaptiveMinIterations)).")
            } else if let problem = Limits.problem(s.adaptiveMinIterations, Limits.iterations) {
                error(field("adaptive_min_iterations", cliGiven: cli.adaptiveMinIterations != nil), problem)
            } else if s.adaptiveMinIterations > s.iterations {
                warning("adaptive_min_iterations",
                        "Adaptive min iterations (\(s.adaptiveMinIterations)) exceeds total iterations (\(s.iterations)). Adaptive stopping would never trigger.")
            }
        }

        let errors = issues.filter { $0.severity == .error }
        if !errors.isEmpty {
            var e = ConfigError("Invalid benchmark configuration: " + errors.map(\.description).joined(separator: "; "))
            e.issues = errors
            throw e
        }
        s.warnings = issues.filter { $0.severity == .warning }
        return s
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
