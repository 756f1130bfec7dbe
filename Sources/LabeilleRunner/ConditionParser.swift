import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore


/// Parser for inline conditions (`--condition "name:key=value,key=value"`).
///
/// Grammar: `name ":" [ key "=" value { "," key "=" value } ]`.
/// * The name is everything before the **first** `:` (stripped); values may contain `:`.
/// * The rest is split on `,`. A piece starts a new `key=value` pair when the text before its first `=`
///   looks like a key (letters, digits, `_` and `.`, starting with a letter or `_`); any other piece —
///   one without `=`, or like `--tb=short` or `a b=c` — continues the previous value, joined back with the
///   comma (inner spaces kept). So `env.X=a,b` gives `X=a,b` and `test_command_suffix=-k 'a or b',--tb=short`
///   stays one value. Blank pieces (trailing or doubled commas) are ignored. There is no escaping: a value
///   cannot contain `,key=`.
/// * Each pair splits at its **first** `=` (values may contain `=`: `env.ASAN_OPTIONS=detect_leaks=0`);
///   key and value are stripped.
/// * `extra_deps` items are separated by `+` (`coverage+pytest-cov`), so an item cannot contain `+`.
/// * `cpu_affinity` items are separated by `+`; each item is a core index or a range (`0+1`, `0-3`).
/// * Repeated keys: the last one wins (env variables accumulate, a repeated variable keeps its first
///   position and takes the last value).
public enum ConditionParser {
    /// The keys accepted in an inline condition, as listed in error messages.
    public static let validKeys = [
        "target_python", "env.KEY", "extra_deps", "test_command_prefix", "test_command_suffix",
        "test_command_override", "install_command", "description", "memory_limit_mb", "cpu_time_limit_s",
        "file_size_limit_mb", "cpu_affinity",
    ]

    /// Aliases accepted besides `validKeys` (the spellings the Python labeille accepts).
    static let aliases: [String: String] = [
        "test_prefix": "test_command_prefix",
        "test_suffix": "test_command_suffix",
        "memory_limit": "memory_limit_mb",
        "cpu_time_limit": "cpu_time_limit_s",
        "file_size_limit": "file_size_limit_mb",
    ]

    public static func parseInline(_ text: String) throws -> ConditionDefinition {
        guard let colon = text.firstIndex(of: ":") else {
            throw ConfigError(
                "invalid condition '\(text)': expected 'name:key=value,...' (e.g. 'jit:target_python=/opt/python,env.PYTHON_JIT=1')")
        }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else {
            throw ConfigError("invalid condition '\(text)': the condition name before ':' is empty")
        }
        try validateConditionName(name)
        var condition = ConditionDefinition(name: name)
        let rest = String(text[text.index(after: colon)...])
        for (key, value) in try splitPairs(rest, conditionName: name) {
            try apply(key: key, value: value, to: &condition)
        }
        return condition
    }

    /// Splits the part after `name:` into (key, value) pairs, keys and values stripped.
    static func splitPairs(_ rest: String, conditionName name: String) throws -> [(String, String)] {
        var raw: [String] = []
        for piece in rest.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if piece.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if startsPair(piece) || raw.isEmpty {
                raw.append(piece)
            } else {
                raw[raw.count - 1] += "," + piece
            }
        }
        return try raw.map { pair in
            guard let eq = pair.firstIndex(of: "=") else {
                throw ConfigError(
                    "condition '\(name)': expected key=value, got '\(pair.trimmingCharacters(in: .whitespaces))'")
            }
            let key = pair[..<eq].trimmingCharacters(in: .whitespaces)
            let value = pair[pair.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            return (key, value)
        }
    }

    /// Whether a comma-separated piece begins a new `key=value` pair (its text before `=` is key-shaped).
    static func startsPair(_ piece: String) -> Bool {
        guard let eq = piece.firstIndex(of: "=") else { return false }
        let key = piece[..<eq].trimmingCharacters(in: .whitespaces)
        guard let first = key.unicodeScalars.first,
              first == "_" || CharacterSet.letters.contains(first) else { return false }
        return key.unicodeScalars.allSatisfy { $0 == "_" || $0 == "." || CharacterSet.alphanumerics.contains($0) }
    }

    /// Condition names end up in file names (`<package>_<condition>` venvs) and JSON keys.
    static func validateConditionName(_ name: String) throws {
        if let problem = SafeName.problem(name) {
            throw ConfigError("condition '\(SafeName.printable(name))': a condition name \(problem)")
        }
    }

    static func apply(key rawKey: String, value: String, to condition: inout ConditionDefinition) throws {
        let name = condition.name
        func fail(_ problem: String) -> ConfigError {
            ConfigError("condition '\(name)': key '\(rawKey)': \(problem)")
        }
        func nonEmpty() throws -> String {
            guard !value.isEmpty else { throw fail("empty value") }
            return value
        }
        if rawKey.hasPrefix("env.") {
            let variable = String(rawKey.dropFirst(4))
            guard !variable.isEmpty else { throw fail("missing variable name after 'env.'") }
            condition.env = ConfigMerge.setting(variable, to: value, in: condition.env)
            return
        }
        let key = aliases[rawKey] ?? rawKey
        switch key {
        case "target_python": condition.targetPython = try nonEmpty()
        case "description": condition.description = value
        case "extra_deps":
            condition.extraDeps = value.split(separator: "+").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        case "test_command_prefix": condition.testCommandPrefix = try nonEmpty()
        case "test_command_suffix": condition.testCommandSuffix = try nonEmpty()
        case "test_command_override": condition.testCommandOverride = try nonEmpty()
        case "install_command": condition.installCommand = try nonEmpty()
        case "memory_limit_mb":
            condition.constraints.memoryLimitMB = try ConfigValues.positiveInt(value, what: "a memory limit in MB", fail: fail)
        case "cpu_time_limit_s":
            condition.constraints.cpuTimeLimitS = try ConfigValues.positiveInt(value, what: "a CPU time limit in seconds", range: Limits.cpuSeconds, fail: fail)
        case "file_size_limit_mb":
            condition.constraints.fileSizeLimitMB = try ConfigValues.positiveInt(value, what: "a file size limit in MB", fail: fail)
        case "cpu_affinity":
            condition.constraints.cpuAffinity = try ConfigValues.cpuList(
                value.split(separator: "+", omittingEmptySubsequences: false).map(String.init),
                example: "0+1 or 0-3", fail: fail)
        default:
            throw ConfigError(
                "condition '\(name)': unknown key '\(rawKey)' (expected \(validKeys.joined(separator: ", ")))")
        }
    }
}

/// Value parsing shared by the inline grammar, the profile and the CLI overrides.
enum ConfigValues {
    static func positiveInt(_ text: String, what: String, range: ClosedRange<Int> = Limits.megabytes,
                            fail: (String) -> ConfigError) throws -> Int {
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw fail("'\(text)' is not an integer (expected \(what))")
        }
        guard n > 0 else { throw fail("must be positive (got \(n))") }
        if let problem = Limits.problem(n, range) { throw fail(problem) }
        return n
    }

    /// Parses CPU core items: each a non-negative index or an inclusive range `a-b`. Returns the cores in
    /// the order given, duplicates removed.
    static func cpuList(_ items: [String], example: String, fail: (String) -> ConfigError) throws -> [Int] {
        var cores: [Int] = []
        let trimmed = items.map { $0.trimmingCharacters(in: .whitespaces) }
        if trimmed.allSatisfy(\.isEmpty) { throw fail("empty CPU list (expected e.g. \(example))") }
        for item in trimmed {
            func bad() -> ConfigError { fail("'\(item)' is not a CPU core index (expected e.g. \(example))") }
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            switch bounds.count {
            case 1:
                guard let n = Int(item), n >= 0 else { throw bad() }
                guard Limits.cpuIndex.contains(n) else { throw fail("CPU \(n) is beyond \(Limits.cpuIndex.upperBound)") }
                if !cores.contains(n) { cores.append(n) }
            case 2:
                guard let lo = Int(bounds[0]), let hi = Int(bounds[1]), lo >= 0, lo <= hi else { throw bad() }
                // Bounded before the range is expanded, so a huge range cannot hang or exhaust memory.
                guard Limits.cpuIndex.contains(hi) else { throw fail("CPU \(hi) is beyond \(Limits.cpuIndex.upperBound)") }
                for n in lo...hi where !cores.contains(n) { cores.append(n) }
            default:
                throw bad()
            }
        }
        return cores
    }
}

/// Merge helpers shared by the profile and the settings resolution.
enum ConfigMerge {
    /// `pairs` with `key` set to `value`: replaced in place when present, appended otherwise.
    static func setting(_ key: String, to value: String, in pairs: [KeyValue]) -> [KeyValue] {
        var out = pairs
        if let i = out.firstIndex(where: { $0.key == key }) {
            out[i].value = value
        } else {
            out.append(KeyValue(key, value))
        }
        return out
    }

    /// `base` overlaid with `top` (per key; `top` wins, order: base keys first, then new keys of `top`).
    static func env(_ base: [KeyValue], _ top: [KeyValue]) -> [KeyValue] {
        top.reduce(base) { setting($1.key, to: $1.value, in: $0) }
    }

    /// `base` followed by `extra`, duplicates removed keeping the first occurrence.
    static func deps(_ base: [String], _ extra: [String]) -> [String] {
        var seen = Set<String>()
        return (base + extra).filter { seen.insert($0).inserted }
    }

    /// Field-wise: `top`'s set fields win, unset ones come from `base` (an empty affinity list is unset).
    static func constraints(_ base: ResourceConstraints, _ top: ResourceConstraints) -> ResourceConstraints {
        ResourceConstraints(
            memoryLimitMB: top.memoryLimitMB ?? base.memoryLimitMB,
            cpuTimeLimitS: top.cpuTimeLimitS ?? base.cpuTimeLimitS,
            fileSizeLimitMB: top.fileSizeLimitMB ?? base.fileSizeLimitMB,
            cpuAffinity: top.cpuAffinity.isEmpty ? base.cpuAffinity : top.cpuAffinity)
    }
}
