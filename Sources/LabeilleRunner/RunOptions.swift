import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// Every setting of `labeille bench run` that both a profile key and a command-line option can give, as
/// given: nil means "not given". The profile and the command line each fill one, and
/// `BenchSettings.resolve` lays the command line's over the profile's, then over the built-in defaults, so
/// only given values override (the original let flag defaults overwrite the profile, e.g. `drop_caches`).
/// For plain flags the command line gives `true` when present and nil when absent; `false` explicitly turns
/// off a setting the profile turned on (`--no-alternate`).
public struct RunOptions: Equatable, Sendable {
    public var name: String?
    public var description: String?
    public var iterations: Int?
    public var warmup: Int?
    /// Per-iteration (and install) timeout in seconds.
    public var timeout: Double?
    /// The interpreter of conditions that name none.
    public var targetPython: String?
    public var alternate: Bool?
    public var interleave: Bool?
    /// Items may also contain commas; they are split, stripped, empties dropped.
    public var packages: [String]?
    public var topN: Int?
    /// Given on the command line, it replaces the profile's list (split like `packages`).
    public var defaultExtraDeps: [String]?
    public var defaultTestCommandSuffix: String?
    public var registryDir: String?
    public var reposDir: String?
    public var venvsDir: String?
    public var workDir: String?
    public var resultsDir: String?
    public var adaptive: Bool?
    public var adaptiveThreshold: Double?
    public var adaptiveMinIterations: Int?
    public var perTestTiming: Bool?
    public var dropCaches: Bool?
    public var warmVsCold: Bool?
    public var checkStability: Bool?
    public var waitForStability: Bool?
    /// Benchmark packages marked `skip`/`skip_versions` in the registry (the original ignored those marks).
    public var forceRun: Bool?
    /// `auto`, `uv` or `pip`, case-insensitive.
    public var installer: String?

    public init() {}
}

/// The command line of `labeille bench run`: the settings a profile could also give (`options`, whose fields
/// read as this struct's own) and those only the command line has.
///
/// `--profile` and `--condition` are not applied from here: the caller loads the profile
/// (`BenchProfile.load`) and passes the `--condition` strings as `inlineConditions`; `profile` is kept
/// for the record only.
@dynamicMemberLookup
public struct CLIOverrides: Equatable, Sendable {
    public var options = RunOptions()
    public var profile: String?
    /// `--env KEY=VALUE`, repeatable; added on top of the profile's `default_env`.
    public var env: [String]?
    /// `--memory-limit` in MB.
    public var memoryLimit: Int?
    /// `--cpu-affinity "0,1"` (ranges such as `0-3` allowed).
    public var cpuAffinity: String?
    /// `--cpu-time-limit` in seconds.
    public var cpuTimeLimit: Int?
    public var quick: Bool?
    public var runDangerouslyAsRoot: Bool?
    public var verbose: Bool?
    /// `--instructions auto|perf|valgrind`: count each iteration's instructions.
    public var instructions: String?
    /// The process arguments after the program name, recorded in `bench_meta.json` as `cli_args`.
    public var cliArgs: [String]?

    public init() {}

    public subscript<Value>(dynamicMember key: WritableKeyPath<RunOptions, Value>) -> Value {
        get { options[keyPath: key] }
        set { options[keyPath: key] = newValue }
    }
}
