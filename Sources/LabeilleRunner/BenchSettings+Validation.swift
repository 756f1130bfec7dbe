import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

extension RunOptions {
    /// These options with every setting given in `other` replacing this one's.
    func overlaid(by other: RunOptions) -> RunOptions {
        var out = self
        func take<Value>(_ key: WritableKeyPath<RunOptions, Value?>) {
            if let value = other[keyPath: key] { out[keyPath: key] = value }
        }
        take(\.name); take(\.description); take(\.iterations); take(\.warmup); take(\.timeout); take(\.targetPython)
        take(\.alternate); take(\.interleave); take(\.packages); take(\.topN); take(\.defaultExtraDeps)
        take(\.defaultTestCommandSuffix); take(\.registryDir); take(\.reposDir); take(\.venvsDir); take(\.workDir)
        take(\.resultsDir); take(\.adaptive); take(\.adaptiveThreshold); take(\.adaptiveMinIterations)
        take(\.perTestTiming); take(\.dropCaches); take(\.warmVsCold); take(\.checkStability); take(\.waitForStability)
        take(\.forceRun); take(\.installer)
        return out
    }
}

extension BenchSettings {
    /// Ranges (0 is a value, not "unset": the original silently turned 0 into the default), as in `Limits`.
    /// A value taken from the profile is reported with the profile's file and line.
    func validate(profile p: BenchProfile, cli: CLIOverrides, alternateSetting: Bool?, issues: inout ConfigIssues) {
        func field(_ key: String, cliGiven: Bool, profileKey: String? = nil) -> String {
            guard !cliGiven, let file = p.path, let line = p.keyLines[profileKey ?? key] else { return key }
            return "\(file):\(line): \(key)"
        }
        if iterations < 3 {
            issues.error(field("iterations", cliGiven: cli.iterations != nil || quick),
                         "Need at least 3 measured iterations for meaningful statistics (got \(iterations)).")
        } else if let problem = Limits.problem(iterations, Limits.iterations) {
            issues.error(field("iterations", cliGiven: cli.iterations != nil), problem)
        }
        if warmup < 0 {
            issues.error(field("warmup", cliGiven: cli.warmup != nil), "Warmup iterations cannot be negative (got \(warmup)).")
        } else if let problem = Limits.problem(warmup, Limits.warmup) {
            issues.error(field("warmup", cliGiven: cli.warmup != nil), problem)
        }
        if !(timeout > 0) {
            issues.error(field("timeout", cliGiven: cli.timeout != nil), "Timeout must be positive (got \(Self.formatNumber(timeout))).")
        } else if let problem = Limits.problem(timeout, Limits.timeoutSeconds) {
            issues.error(field("timeout", cliGiven: cli.timeout != nil), "Timeout in seconds " + problem)
        }
        if let top = topN, let problem = top < 1 ? "--top must be at least 1 (got \(top))." : Limits.problem(top, Limits.topN) {
            issues.error(field("top_n", cliGiven: cli.topN != nil, profileKey: p.keyLines["top"] != nil ? "top" : "top_n"), problem)
        }
        if interleave && alternateSetting == true {
            issues.warning("interleave", "--interleave and --alternate are mutually exclusive. Choose one execution strategy.")
        }
        if adaptive { validateAdaptive(field: { field($0, cliGiven: $1) }, cli: cli, issues: &issues) }
    }

    private func validateAdaptive(field: (String, Bool) -> String, cli: CLIOverrides, issues: inout ConfigIssues) {
        if !(adaptiveThreshold > 0) {
            issues.error(field("adaptive_threshold", cli.adaptiveThreshold != nil),
                         "Adaptive threshold must be positive (got \(Self.formatNumber(adaptiveThreshold))).")
        } else if let problem = Limits.thresholdProblem(adaptiveThreshold) {
            issues.error(field("adaptive_threshold", cli.adaptiveThreshold != nil), problem)
        }
        if adaptiveMinIterations < 3 {
            issues.error(field("adaptive_min_iterations", cli.adaptiveMinIterations != nil),
                         "Adaptive min iterations must be >= 3 (got \(adaptiveMinIterations)).")
        } else if let problem = Limits.problem(adaptiveMinIterations, Limits.iterations) {
            issues.error(field("adaptive_min_iterations", cli.adaptiveMinIterations != nil), problem)
        } else if adaptiveMinIterations > iterations {
            issues.warning("adaptive_min_iterations",
                           "Adaptive min iterations (\(adaptiveMinIterations)) exceeds total iterations (\(iterations)). Adaptive stopping would never trigger.")
        }
    }
}
