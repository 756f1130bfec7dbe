import Foundation
import LabeilleCore

/// Measurement anomalies: the original's five types and thresholds, plus tests that changed between iterations
/// or between conditions.
public struct Anomaly: Sendable, Equatable {
    public enum Severity: String, Sendable, CaseIterable { case error, warning, info }
    public var package: String
    public var condition: String
    public var type: String
    public var severity: Severity
    public var metricValue: Double
    public var threshold: Double
    public var description: String
    public var recommendation: String
}
