import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore
import Yams

/// A YAML benchmark profile (the Python labeille's format), as written in the file: only the keys present are
/// set; defaults and CLI overrides are applied by `BenchSettings.resolve`.
///
/// Top-level keys: `name`, `description`, `iterations`, `warmup`, `timeout` (seconds), `target_python`,
/// `conditions` (mapping name → definition, kept in file order; a null definition is an empty condition),
/// `default_env` (mapping), `default_extra_deps` (list or comma-separated string),
/// `default_test_command_suffix`, `default_constraints` (alias `constraints`; using both is an error),
/// `packages` (list or comma-separated string), `top_n` (alias `top`), `registry_dir`, `repos_dir`,
/// `venvs_dir`, `work_dir`, `results_dir`, `alternate`, `interleave`, `adaptive`, `adaptive_threshold`,
/// `adaptive_min_iterations`, `drop_caches`, `warm_vs_cold`, `per_test_timing`, `check_stability`,
/// `wait_for_stability`, `force_run`, `installer` (auto|uv|pip).
///
/// Condition keys: `description`, `target_python`, `env` (mapping), `extra_deps` (list or comma-separated
/// string), `test_command_override`, `test_command_prefix` (alias `test_prefix`), `test_command_suffix`
/// (alias `test_suffix`), `install_command`, `constraints`.
///
/// Constraint keys: `memory_limit_mb`, `cpu_time_limit_s`, `file_size_limit_mb` (positive integers) and
/// `cpu_affinity` (list of core indices, a single index, or a string such as `"0,1"` or `"0-3"`).
///
/// Unknown keys at any level are **errors** naming the key and listing the valid ones: a misspelt key
/// (say `defualt_env`) would otherwise silently change what is measured — as the original silently
/// ignored even its documented `default_*`, `packages` and `registry_dir` keys.
/// Env values that are YAML scalars of any type are kept as written (`PYTHON_JIT: 1` → `"1"`,
/// `FLAG: true` → `"true"`; the original passed non-strings on and crashed); a null, list or mapping env
/// value is an error.
/// Errors carry the file name and, where known, the line: `jit.yaml:12: conditions.jit: unknown key 'evn' …`.
@dynamicMemberLookup
public struct BenchProfile: Equatable, Sendable {
    /// The file it was loaded from (nil when parsed from a string without a source).
    public var path: String?
    /// The settings a command-line option can also give; its fields read as the profile's own.
    public var options = RunOptions()
    /// In file order. Only the fields written in the profile are set (no defaults merged).
    public var conditions: [ConditionDefinition] = []
    public var defaultEnv: [KeyValue] = []
    public var defaultConstraints: ResourceConstraints?
    /// The line of each top-level key in the file, so that a value refused later (say `iterations: 2`)
    /// is reported with its file and line.
    public var keyLines: [String: Int] = [:]

    public subscript<Value>(dynamicMember key: WritableKeyPath<RunOptions, Value>) -> Value {
        get { options[keyPath: key] }
        set { options[keyPath: key] = newValue }
    }

    public init() {}

    public static let topLevelKeys = [
        "name", "description", "iterations", "warmup", "timeout", "target_python", "conditions", "default_env",
        "default_extra_deps", "default_test_command_suffix", "default_constraints", "constraints", "packages",
        "top_n", "top", "registry_dir", "repos_dir", "venvs_dir", "work_dir", "results_dir", "alternate",
        "interleave", "adaptive", "adaptive_threshold", "adaptive_min_iterations", "drop_caches", "warm_vs_cold",
        "per_test_timing", "check_stability", "wait_for_stability", "force_run", "installer",
    ]
    public static let conditionKeys = [
        "description", "target_python", "env", "extra_deps", "test_command_override", "test_command_prefix",
        "test_prefix", "test_command_suffix", "test_suffix", "install_command", "constraints",
    ]
    public static let constraintKeys = [
        "memory_limit_mb", "cpu_time_limit_s", "file_size_limit_mb", "cpu_affinity",
        "memory_limit", "cpu_time_limit", "file_size_limit",
    ]

    /// Loads a profile file. Missing/unreadable file, malformed YAML, a non-mapping document, wrong value
    /// types and unknown keys all throw `ConfigError` naming the file (and line when known).
    public static func load(path: String) throws -> BenchProfile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError("Profile not found: \(path)")
        }
        let data: Data
        do { data = try SafeFile.read(path) } catch { throw ConfigError("profile \(error)") }
        guard let text = String(data: data, encoding: .utf8), !text.unicodeScalars.contains("\0") else {
            throw ConfigError("profile \(path): not UTF-8 text")
        }
        var profile = try parse(yaml: text, source: path)
        profile.path = path
        return profile
    }

    /// Parses profile text; `source` names it in error messages.
    public static func parse(yaml text: String, source: String = "<profile>") throws -> BenchProfile {
        let doc = YAMLSource(name: source)
        let root = try doc.compose(text)
        guard let root else { throw ConfigError("\(source): the profile is empty (expected a YAML mapping)") }
        let top = try doc.mapping(root, path: "profile", expected: "a YAML mapping of settings")
        var p = BenchProfile()
        p.path = source == "<profile>" ? nil : source
        try doc.checkKeys(top, allowed: topLevelKeys, path: "profile")
        if top.keyNode("default_constraints") != nil, top.keyNode("constraints") != nil {
            throw doc.error(top.keyNode("constraints"), "profile",
                            "both 'default_constraints' and 'constraints' are set; they are the same setting, keep one")
        }
        if top.keyNode("top_n") != nil, top.keyNode("top") != nil {
            throw doc.error(top.keyNode("top"), "profile", "both 'top_n' and 'top' are set; keep one")
        }
        for (keyNode, value) in top.pairs {
            let key = keyNode.scalar?.string ?? ""
            if let line = keyNode.mark?.line { p.keyLines[key] = line }
            if doc.isNull(value) { continue }  // `key:` with no value = not set
            try p.set(key, value, doc: doc)
        }
        return p
    }

    /// Sets one top-level key from its YAML value (the key is known to be valid and the value not null).
    mutating func set(_ key: String, _ value: Node, doc: YAMLSource) throws {
        switch key {
        case "name": self.name = try doc.string(value, path: key)
        case "description": self.description = try doc.string(value, path: key)
        case "iterations": self.iterations = try doc.int(value, path: key)
        case "warmup": self.warmup = try doc.int(value, path: key)
        case "timeout": self.timeout = try doc.double(value, path: key)
        case "target_python": self.targetPython = try doc.string(value, path: key)
        case "conditions": self.conditions = try Self.parseConditions(value, doc: doc)
        case "default_env": self.defaultEnv = try doc.env(value, path: key)
        case "default_extra_deps": self.defaultExtraDeps = try doc.stringList(value, path: key)
        case "default_test_command_suffix": self.defaultTestCommandSuffix = try doc.string(value, path: key)
        case "default_constraints", "constraints": self.defaultConstraints = try doc.constraints(value, path: key)
        case "packages": self.packages = try doc.stringList(value, path: key)
        case "top_n", "top": self.topN = try doc.int(value, path: key)
        case "registry_dir": self.registryDir = try doc.string(value, path: key)
        case "repos_dir": self.reposDir = try doc.string(value, path: key)
        case "venvs_dir": self.venvsDir = try doc.string(value, path: key)
        case "work_dir": self.workDir = try doc.string(value, path: key)
        case "results_dir": self.resultsDir = try doc.string(value, path: key)
        case "alternate": self.alternate = try doc.bool(value, path: key)
        case "interleave": self.interleave = try doc.bool(value, path: key)
        case "adaptive": self.adaptive = try doc.bool(value, path: key)
        case "adaptive_threshold": self.adaptiveThreshold = try doc.double(value, path: key)
        case "adaptive_min_iterations": self.adaptiveMinIterations = try doc.int(value, path: key)
        case "drop_caches": self.dropCaches = try doc.bool(value, path: key)
        case "warm_vs_cold": self.warmVsCold = try doc.bool(value, path: key)
        case "per_test_timing": self.perTestTiming = try doc.bool(value, path: key)
        case "check_stability": self.checkStability = try doc.bool(value, path: key)
        case "wait_for_stability": self.waitForStability = try doc.bool(value, path: key)
        case "force_run": self.forceRun = try doc.bool(value, path: key)
        case "installer":
            let s = try doc.string(value, path: key).lowercased()
            guard ["auto", "uv", "pip"].contains(s) else {
                throw doc.error(value, key, "must be one of auto, uv, pip (got '\(s)')")
            }
            self.installer = s
        default:
            break  // unreachable: checkKeys rejected it
        }
    }

    static func parseConditions(_ node: Node, doc: YAMLSource) throws -> [ConditionDefinition] {
        let map = try doc.mapping(node, path: "conditions", expected: "a mapping of condition_name -> definition")
        var out: [ConditionDefinition] = []
        for (keyNode, value) in map.pairs {
            let name = (keyNode.scalar?.string ?? "").trimmingCharacters(in: .whitespaces)
            let path = "conditions.\(name)"
            guard !name.isEmpty else { throw doc.error(keyNode, "conditions", "condition names must be non-empty") }
            do { try ConditionParser.validateConditionName(name) } catch let e as ConfigError {
                throw doc.error(keyNode, "conditions", e.message)
            }
            var c = ConditionDefinition(name: name)
            if doc.isNull(value) { out.append(c); continue }
            let fields = try doc.mapping(value, path: path, expected: "a mapping of condition settings")
            try doc.checkKeys(fields, allowed: conditionKeys, path: path)
            for (fk, fv) in fields.pairs {
                let key = fk.scalar?.string ?? ""
                let fpath = "\(path).\(key)"
                if doc.isNull(fv) { continue }
                switch key {
                case "description": c.description = try doc.string(fv, path: fpath)
                case "target_python": c.targetPython = try doc.string(fv, path: fpath)
                case "env": c.env = try doc.env(fv, path: fpath)
                case "extra_deps": c.extraDeps = try doc.stringList(fv, path: fpath)
                case "test_command_override": c.testCommandOverride = try doc.string(fv, path: fpath)
                case "test_command_prefix", "test_prefix": c.testCommandPrefix = try doc.string(fv, path: fpath)
                case "test_command_suffix", "test_suffix": c.testCommandSuffix = try doc.string(fv, path: fpath)
                case "install_command": c.installCommand = try doc.string(fv, path: fpath)
                case "constraints": c.constraints = try doc.constraints(fv, path: fpath)
                default: break
                }
            }
            out.append(c)
        }
        return out
    }
}

/// Typed, line-aware reading of a composed YAML document. Shared by the profile and registry loaders.
struct YAMLSource {
    /// File name (or label) used in messages.
    let name: String

    func compose(_ text: String) throws -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError("Invalid YAML in \(name): \(Self.describe(error))")
        } catch {
            throw ConfigError("Invalid YAML in \(name): \(error)")
        }
    }

    /// A one-line description of a Yams error, leading with the line and column.
    static func describe(_ error: YamlError) -> String {
        func at(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> String {
            var s = "line \(mark.line), column \(mark.column): \(problem)"
            if let context { s += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return s
        }
        switch error {
        case let .scanner(context, problem, mark, _): return at(mark, problem, context)
        case let .parser(context, problem, mark, _): return at(mark, problem, context)
        case let .composer(context, problem, mark, _): return at(mark, problem, context)
        case let .duplicatedKeysInMapping(duplicates, context):
            return "duplicated key(s) " + duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
                + " in the mapping starting at line \(context.mark.line), column \(context.mark.column)"
        default:
            let first = error.description.split(separator: "\n").first.map(String.init) ?? "\(error)"
            // Reader errors (control characters, bad encoding) start with "LINE:COLUMN: error: ".
            let parts = first.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) {
                let rest = parts[2].trimmingCharacters(in: .whitespaces)
                return "line \(line), column \(column): " + (rest.hasPrefix("error: ") ? String(rest.dropFirst(7)) : rest)
            }
            return first
        }
    }

    func error(_ node: Node?, _ path: String, _ problem: String) -> ConfigError {
        if let line = node?.mark?.line {
            return ConfigError("\(name):\(line): \(path): \(problem)")
        }
        return ConfigError("\(name): \(path): \(problem)")
    }

    func isNull(_ node: Node) -> Bool { node.null != nil }

    func typeName(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            if isNull(node) { return "null" }
            if node.scalar?.style == .plain {
                if node.bool != nil { return "a boolean" }
                if Int(node.scalar!.string) != nil { return "an integer" }
                if node.float != nil { return "a number" }
            }
            return "the string '\(node.scalar!.string)'"
        }
    }

    func mapping(_ node: Node, path: String, expected: String) throws -> YAMLMap {
        guard case let .mapping(m) = node else {
            throw error(node, path, "expected \(expected), got \(typeName(node))")
        }
        return YAMLMap(pairs: m.map { ($0.key, $0.value) })
    }

    func checkKeys(_ map: YAMLMap, allowed: [String], path: String) throws {
        for (k, _) in map.pairs {
            guard let key = k.scalar?.string else {
                throw error(k, path, "keys must be plain strings")
            }
            if !allowed.contains(key) {
                throw error(k, path, "unknown key '\(key)' (expected one of: \(allowed.joined(separator: ", ")))")
            }
        }
    }

    /// Any scalar, as written (numbers and booleans are not reinterpreted).
    func string(_ node: Node, path: String) throws -> String {
        guard case let .scalar(s) = node, !isNull(node) else {
            throw error(node, path, "expected a string, got \(typeName(node))")
        }
        return s.string
    }

    func int(_ node: Node, path: String) throws -> Int {
        guard case let .scalar(s) = node, let n = Int(s.string.trimmingCharacters(in: .whitespaces)) else {
            throw error(node, path, "expected an integer, got \(typeName(node))")
        }
        return n
    }

    func double(_ node: Node, path: String) throws -> Double {
        guard case let .scalar(s) = node, let x = Double(s.string.trimmingCharacters(in: .whitespaces)),
              x.isFinite else {
            throw error(node, path, "expected a number, got \(typeName(node))")
        }
        return x
    }

    func bool(_ node: Node, path: String) throws -> Bool {
        guard case let .scalar(s) = node, s.style == .plain, let b = node.bool else {
            throw error(node, path, "expected true or false, got \(typeName(node))")
        }
        return b
    }

    /// A list of scalars, or a comma-separated string; items stripped, empties dropped.
    func stringList(_ node: Node, path: String) throws -> [String] {
        switch node {
        case let .sequence(seq):
            return try seq.enumerated().map { i, item in
                try string(item, path: "\(path)[\(i)]").trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        case .scalar:
            return try string(node, path: path).split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default:
            throw error(node, path, "expected a list of strings, got \(typeName(node))")
        }
    }

    /// A mapping of variable → scalar; scalars are kept as written, as strings.
    func env(_ node: Node, path: String) throws -> [KeyValue] {
        let map = try mapping(node, path: path, expected: "a mapping of VARIABLE: value")
        var out: [KeyValue] = []
        for (k, v) in map.pairs {
            let key = (k.scalar?.string ?? "").trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !key.contains("=") else {
                throw error(k, path, "invalid environment variable name '\(key)'")
            }
            guard case let .scalar(s) = v, !isNull(v) else {
                let hint = isNull(v) ? " (write \(key): \"\" for an empty value)" : ""
                throw error(v, "\(path).\(key)", "expected a scalar value, got \(typeName(v))\(hint)")
            }
            out = ConfigMerge.setting(key, to: s.string, in: out)
        }
        return out
    }

    func constraints(_ node: Node, path: String) throws -> ResourceConstraints {
        var c = ResourceConstraints()
        if isNull(node) { return c }
        let map = try mapping(node, path: path, expected: "a mapping of constraint settings")
        try checkKeys(map, allowed: BenchProfile.constraintKeys, path: path)
        for (k, v) in map.pairs {
            let key = k.scalar!.string
            let kpath = "\(path).\(key)"
            if isNull(v) { continue }
            let fail = { (problem: String) in self.error(v, kpath, problem) }
            switch key {
            case "memory_limit_mb", "memory_limit":
                c.memoryLimitMB = try ConfigValues.positiveInt(try string(v, path: kpath), what: "megabytes", fail: fail)
            case "cpu_time_limit_s", "cpu_time_limit":
                c.cpuTimeLimitS = try ConfigValues.positiveInt(try string(v, path: kpath), what: "seconds", range: Limits.cpuSeconds, fail: fail)
            case "file_size_limit_mb", "file_size_limit":
                c.fileSizeLimitMB = try ConfigValues.positiveInt(try string(v, path: kpath), what: "megabytes", fail: fail)
            case "cpu_affinity":
                let items: [String]
                switch v {
                case let .sequence(seq): items = try seq.enumerated().map { try string($1, path: "\(kpath)[\($0)]") }
                default: items = try string(v, path: kpath).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                }
                c.cpuAffinity = try ConfigValues.cpuList(items, example: "\"0,1\", [0, 1] or \"0-3\"", fail: fail)
            default: break
            }
        }
        return c
    }
}

/// An ordered YAML mapping.
struct YAMLMap {
    var pairs: [(Node, Node)]
    func keyNode(_ key: String) -> Node? { pairs.first { $0.0.scalar?.string == key }?.0 }
}
