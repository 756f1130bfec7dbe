/// A per-iteration quantity that statistics, comparisons and trends can be computed on.
public enum Metric: String, CaseIterable, Sendable {
    case wall, user, sys, cpu, rss
    /// User-space instructions of the iteration's whole process tree (`bench run --instructions`).
    case instructions

    /// Time and memory figures of an instrumented iteration (run under Valgrind) describe the instrumented
    /// program, so only non-instrumented iterations carry them; instruction counts exist only where counted.
    public var isCount: Bool { self == .instructions }

    /// The column of `v_iterations` (and, for instructions, of `iteration`) holding the metric.
    package var iterationsColumn: String {
        switch self {
        case .wall: return "wall_s"
        case .user: return "user_s"
        case .sys: return "sys_s"
        case .cpu: return "cpu_s"
        case .rss: return "peak_rss_mb"
        case .instructions: return "instructions"
        }
    }

    /// The SQL condition (over `v_iterations`, or `iteration` with a table prefix such as "i.") under which an
    /// iteration has a value of this metric. A fixed text: never user input in SQL.
    package func hasValueSQL(prefix: String = "") -> String {
        isCount ? "\(prefix)instructions IS NOT NULL" : "\(prefix)instrumented = 0"
    }

    /// The default practical threshold δ of verdicts. Time is rarely resolved below 1% on shared machines;
    /// an instruction count resolves changes of a few parts in ten thousand, and the CPython changes people
    /// count instructions for are often around 0.5%.
    public var defaultThreshold: Double { isCount ? 0.005 : 0.01 }

    public var unit: String {
        switch self {
        case .rss: return "MB"
        case .instructions: return "instr"
        default: return "s"
        }
    }

    /// Parses a --metric value among `allowed`; the message names the option and the accepted values.
    public static func parse(_ text: String, allowed: [Metric], option: String = "--metric") throws -> Metric {
        guard let m = Metric(rawValue: text), allowed.contains(m) else {
            throw MetricError("\(option) must be one of \(allowed.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return m
    }

    /// The metrics of `compare`, `report`, `track` and `export`.
    public static let comparable: [Metric] = [.wall, .cpu, .rss, .instructions]
}

public struct MetricError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
