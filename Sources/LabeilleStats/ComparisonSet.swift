import Foundation
import LabeilleCore

/// One baseline-vs-treatment comparison over the packages of one or more runs.
public struct ComparisonSet: Sendable {
    public var baseline: String
    public var treatment: String
    public var comparisons: [PackageComparison]
    public var summary: ComparisonSummary
    /// Across runs: how the baseline run's environment differs from this set's run (empty within a run).
    public var environmentDifferences: [EnvironmentDifference] = []
    /// Across runs: the bench ids whose environments were compared.
    public var environmentRuns: (baseline: String, other: String)?
    /// Load while the compared runs were measured, by bench id (runs that recorded it).
    public var measurementLoads: [(benchID: String, load: MeasurementLoad)] = []
    /// Across runs: the common shift of all packages between the two runs, tested once (nil within a run).
    public var runLevelShift: RunLevelShift?
    public init(baseline: String, treatment: String, comparisons: [PackageComparison], summary: ComparisonSummary) {
        self.baseline = baseline; self.treatment = treatment; self.comparisons = comparisons; self.summary = summary
    }
}

public struct CompareError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
