import Foundation

/// The load average while iterations were measured, against the number of logical CPUs. Above one
/// runnable process per CPU, the measured processes wait for a CPU: wall times grow and vary with
/// whatever else runs, whatever the CV says.
public struct MeasurementLoad: Equatable, Sendable {
    /// Median over measured iterations of the mean of the 1-minute load at start and end.
    public var median: Double
    public var maximum: Double
    /// Logical CPUs of the machine (0 when unknown).
    public var logicalCPUs: Int

    public init(median: Double, maximum: Double, logicalCPUs: Int) {
        self.median = median; self.maximum = maximum; self.logicalCPUs = logicalCPUs
    }

    public var isHigh: Bool { logicalCPUs > 0 && median > Double(logicalCPUs) }

    public var text: String {
        let cpus = logicalCPUs > 0 ? " on \(logicalCPUs) logical CPUs" : ""
        return "\(NumberText.f(median, 2))\(cpus)" + (isHigh ? " (above the CPU count)" : "")
    }


    /// The sentence `show`, `compare` and `report` print for a run measured under high load.
    public func warning(run: String) -> String {
        "\(run) was measured at median load \(NumberText.f(median, 2)) on \(logicalCPUs) logical CPUs: "
            + "above the CPU count the tests waited for a CPU, so times include other work on the machine."
    }
}
