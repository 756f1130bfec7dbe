import Foundation

/// A user error in the benchmark configuration: an inline `--condition`, a YAML profile, a registry file or
/// a CLI value. `message` is complete and meant to be printed as `Error: <message>`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    /// For validation failures (`BenchSettings.resolve`): the individual errors; empty otherwise.
    public var issues: [ConfigIssue] = []
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

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
