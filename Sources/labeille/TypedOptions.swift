import ArgumentParser
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
import LabeilleUseCases

// Option values from a closed set parse straight into their enums: every bad value gets ArgumentParser's one
// message naming the option and listing the allowed values (one line, exit 2), and no command converts
// strings again.
extension ComparisonFormat: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}
extension TrendFormat: ExpressibleByArgument {}
extension AlertFormat: ExpressibleByArgument {}
extension Verdict: ExpressibleByArgument {}

/// Case-insensitive, as the profile's `installer:` key.
extension InstallerPreference: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// Case-insensitive, as the other spellings of a method name.
extension InstructionCountingRequest: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// A `--metric` value: one of the metrics that compare, report and track work on.
struct ComparableMetric: ExpressibleByArgument, Equatable {
    let metric: Metric
    static let wall = ComparableMetric(checked: .wall)

    private init(checked metric: Metric) { self.metric = metric }

    init?(argument: String) {
        guard let m = Metric(rawValue: argument), Metric.comparable.contains(m) else { return nil }
        metric = m
    }

    static var allValueStrings: [String] { Metric.comparable.map(\.rawValue) }
    var defaultValueDescription: String { metric.rawValue }
}
