import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// The findings of one resolution, in the order they were found.
struct ConfigIssues {
    var all: [ConfigIssue] = []
    mutating func error(_ field: String, _ message: String) {
        all.append(ConfigIssue(field: field, message: message, severity: .error))
    }
    mutating func warning(_ field: String, _ message: String) {
        all.append(ConfigIssue(field: field, message: message, severity: .warning))
    }
}

extension BenchSettings {
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
    /// validation errors (one line: `Invalid benchmark configuration: field: message; …`; `issues` holds them).
    /// Filesystem checks (interpreters, registry dir) are in `pathProblems()`.
    ///
    /// - Parameter environment: used for `HOME`, `PATH` and `LABEILLE_REGISTRY_DIR`.
    public static func resolve(profile: BenchProfile?, cli: CLIOverrides, inlineConditions: [String],
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BenchSettings {
        let p = profile ?? BenchProfile()
        let given = p.options.overlaid(by: cli.options)
        var s = BenchSettings()
        var issues = ConfigIssues()
        s.applyScalars(given, cli: cli, issues: &issues)
        s.applyPaths(profile: p.options, cli: cli.options, environment: environment)
        try s.applyConditionDefaults(profile: p, cli: cli, environment: environment, issues: &issues)
        try s.applyConditions(profile: p, inline: inlineConditions, environment: environment, issues: &issues)
        if s.warmVsCold { s.expandWarmVsCold(issues: &issues) }
        // Quick mode, applied last, so its 3 iterations and adaptive off win over everything.
        if s.quick { s.applyQuick(adaptiveGiven: cli.adaptive == true, issues: &issues) }
        s.alternate = given.alternate ?? (s.conditions.count > 1)
        s.validate(profile: p, cli: cli, alternateSetting: given.alternate, issues: &issues)

        let errors = issues.all.filter { $0.severity == .error }
        if !errors.isEmpty {
            var e = ConfigError("Invalid benchmark configuration: " + errors.map(\.description).joined(separator: "; "))
            e.issues = errors
            throw e
        }
        s.warnings = issues.all.filter { $0.severity == .warning }
        return s
    }

    /// Scalars: CLI if given → profile → default.
    mutating func applyScalars(_ given: RunOptions, cli: CLIOverrides, issues: inout ConfigIssues) {
        name = given.name ?? ""
        description = given.description ?? ""
        iterations = given.iterations ?? Self.defaultIterations
        warmup = given.warmup ?? Self.defaultWarmup
        timeout = given.timeout ?? Self.defaultTimeout
        interleave = given.interleave ?? false
        adaptive = given.adaptive ?? false
        adaptiveThreshold = given.adaptiveThreshold ?? Self.defaultAdaptiveThreshold
        adaptiveMinIterations = given.adaptiveMinIterations ?? Self.defaultAdaptiveMinIterations
        perTestTiming = given.perTestTiming ?? false
        dropCaches = given.dropCaches ?? false
        warmVsCold = given.warmVsCold ?? false
        checkStability = given.checkStability ?? false
        waitForStability = given.waitForStability ?? false
        forceRun = given.forceRun ?? false
        quick = cli.quick ?? false
        runDangerouslyAsRoot = cli.runDangerouslyAsRoot ?? false
        verbose = cli.verbose ?? false
        cliArgs = cli.cliArgs ?? []
        let installerName = (given.installer ?? "auto").lowercased()
        if let value = InstallerPreference(rawValue: installerName) {
            installer = value
        } else {
            issues.error("installer", "Installer must be one of auto, uv, pip (got '\(installerName)').")
        }
        if let text = cli.instructions {
            instructions = InstructionCountingRequest(rawValue: text.lowercased())
            if instructions == nil { issues.error("instructions", "--instructions must be one of auto, perf, valgrind (got '\(text)').") }
        }
        if let list = given.packages.map(Self.splitList), !list.isEmpty {
            for name in list {
                if let problem = SafeName.problem(name) { issues.error("packages", "package name '\(name)' \(problem)") }
            }
            packages = list
        }
        topN = given.topN
    }

    /// Folders; a command-line `--work-dir` wins over the profile's own repos and venvs folders.
    mutating func applyPaths(profile p: RunOptions, cli: RunOptions, environment: [String: String]) {
        func path(_ value: String?) -> String? { value.map { Self.expandTilde($0, environment) } }
        registryDir = path(cli.registryDir) ?? path(p.registryDir) ?? Self.defaultRegistryDir(environment: environment)
        workDir = path(cli.workDir) ?? path(p.workDir)
        reposDir = path(cli.reposDir) ?? path(cli.workDir).map { $0 + "/repos" }
            ?? path(p.reposDir) ?? path(p.workDir).map { $0 + "/repos" }
        venvsDir = path(cli.venvsDir) ?? path(cli.workDir).map { $0 + "/venvs" }
            ?? path(p.venvsDir) ?? path(p.workDir).map { $0 + "/venvs" }
        resultsDir = path(cli.resultsDir) ?? path(p.resultsDir) ?? "results"
    }

    /// The defaults shared by every condition: interpreter, environment, extra deps, test suffix, limits.
    mutating func applyConditionDefaults(profile p: BenchProfile, cli: CLIOverrides, environment: [String: String],
                                         issues: inout ConfigIssues) throws {
        defaultTargetPython = (cli.targetPython ?? p.targetPython).map { Self.expandTilde($0, environment) } ?? ""
        defaultEnv = p.defaultEnv
        for pair in cli.env ?? [] {
            guard let eq = pair.firstIndex(of: "=") else {
                throw ConfigError("Invalid --env format (expected KEY=VALUE): \(pair)")
            }
            let key = String(pair[..<eq])
            guard !key.isEmpty else { throw ConfigError("Invalid --env format (empty variable name): \(pair)") }
            defaultEnv = ConfigMerge.setting(key, to: String(pair[pair.index(after: eq)...]), in: defaultEnv)
        }
        defaultExtraDeps = cli.defaultExtraDeps.map(Self.splitList) ?? p.defaultExtraDeps ?? []
        defaultTestCommandSuffix = cli.defaultTestCommandSuffix ?? p.defaultTestCommandSuffix
        var constraints = p.defaultConstraints ?? ResourceConstraints()
        if let mb = cli.memoryLimit {
            if mb <= 0 { issues.error("memory_limit", "Memory limit must be positive (got \(mb)).") }
            else if let problem = Limits.problem(mb, Limits.megabytes) { issues.error("memory_limit", "--memory-limit (MB) " + problem) }
            else { constraints.memoryLimitMB = mb }
        }
        if let secs = cli.cpuTimeLimit {
            if secs <= 0 { issues.error("cpu_time_limit", "CPU time limit must be positive (got \(secs)).") }
            else if let problem = Limits.problem(secs, Limits.cpuSeconds) { issues.error("cpu_time_limit", "--cpu-time-limit (s) " + problem) }
            else { constraints.cpuTimeLimitS = secs }
        }
        if let affinity = cli.cpuAffinity {
            constraints.cpuAffinity = try ConfigValues.cpuList(
                affinity.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
                example: "0,1 or 0-3", fail: { ConfigError("Invalid --cpu-affinity '\(affinity)': \($0)") })
        }
        defaultConstraints = constraints
    }

    /// Conditions: profile order; inline ones replace same-named ones in place or are appended; then the
    /// shared defaults are merged into each.
    mutating func applyConditions(profile p: BenchProfile, inline: [String], environment: [String: String],
                                  issues: inout ConfigIssues) throws {
        var defined = p.conditions
        var inlineNames = Set<String>()
        for text in inline {
            let c = try ConditionParser.parseInline(text)
            guard inlineNames.insert(c.name).inserted else {
                throw ConfigError("--condition '\(c.name)' is given more than once; each condition needs its own name")
            }
            if let i = defined.firstIndex(where: { $0.name == c.name }) { defined[i] = c } else { defined.append(c) }
        }
        if defined.isEmpty {
            var c = ConditionDefinition(name: "default")
            if defaultTargetPython.isEmpty {
                c.targetPython = Self.findExecutable("python3", environment: environment) ?? "python3"
            }
            defined = [c]
        }
        var seen = Set<String>()
        for c in defined {
            if c.name.trimmingCharacters(in: .whitespaces).isEmpty { issues.error("conditions", "Condition names must be non-empty.") }
            if !seen.insert(c.name).inserted { issues.error("conditions", "Condition '\(c.name)' is defined more than once.") }
        }
        let shared = self
        conditions = defined.map { c in
            var m = c
            m.targetPython = m.targetPython.isEmpty ? shared.defaultTargetPython : Self.expandTilde(m.targetPython, environment)
            m.env = ConfigMerge.env(shared.defaultEnv, c.env)
            m.extraDeps = ConfigMerge.deps(shared.defaultExtraDeps, c.extraDeps)
            m.testCommandSuffix = c.testCommandSuffix ?? shared.defaultTestCommandSuffix
            m.constraints = ConfigMerge.constraints(shared.defaultConstraints, c.constraints)
            return m
        }
        for c in conditions where c.targetPython.isEmpty {
            issues.error("conditions.\(c.name).target_python",
                         "Condition '\(c.name)' has no target Python. Set --target-python or specify it in the condition.")
        }
    }

    /// Warm vs cold: X → X-warm, X-cold (the original only turned cache dropping on).
    mutating func expandWarmVsCold(issues: inout ConfigIssues) {
        if dropCaches {
            issues.warning("drop_caches", "--drop-caches is ignored with --warm-vs-cold: only the '-cold' conditions drop caches.")
            dropCaches = false
        }
        var expanded: [ConditionDefinition] = []
        for c in conditions {
            var warm = c, cold = c
            warm.name = c.name + "-warm"
            cold.name = c.name + "-cold"
            warm.description = c.description.isEmpty ? "warm caches" : c.description + " (warm caches)"
            cold.description = c.description.isEmpty
                ? "cold caches (filesystem caches dropped before every iteration)"
                : c.description + " (cold caches)"
            expanded += [warm, cold]
            coldConditions.insert(cold.name)
        }
        var names = Set<String>()
        for c in expanded where !names.insert(c.name).inserted {
            issues.error("conditions", "Condition '\(c.name)' is defined more than once after --warm-vs-cold expansion.")
        }
        conditions = expanded
    }

    mutating func applyQuick(adaptiveGiven: Bool, issues: inout ConfigIssues) {
        if adaptiveGiven { issues.warning("adaptive", "--adaptive is ignored with --quick (3 iterations are too few to converge).") }
        iterations = Self.quickIterations
        warmup = 0
        topN = min(topN ?? Self.quickTop, Self.quickTop)
        adaptive = false
        name = name.isEmpty ? "Quick benchmark" : "\(name) (quick)"
    }
}
