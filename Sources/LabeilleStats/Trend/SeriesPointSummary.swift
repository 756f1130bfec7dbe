import Foundation
import LabeilleCore

extension SeriesPoint {
    /// The point of one run from its measured ok values: the statistics the store keeps for them (measured_stats).
    public init(values: [Double], runIndex: Int, position: Int) {
        let s = DescriptiveStats(values)
        self.init(runIndex: runIndex, position: position, n: s.n, median: s.median, logStdev: Statistics.logStdev(values),
                  cv: s.cv)
    }

    /// The point of one run from its statistics. logStdev: sample standard deviation of ln x (nil below 2 values or
    /// when a value is not positive); the standard error of ln(median) is 1.2533 · logStdev / √n, the asymptotic
    /// standard error of a median on the log scale (NaN without logStdev).
    public init(runIndex: Int, position: Int, n: Int, median: Double, logStdev: Double?, cv: Double) {
        let logSE = logStdev.map { 1.2533 * $0 / Double(n).squareRoot() } ?? .nan
        self.init(runIndex: runIndex, position: position, n: n, median: median, logSE: logSE, cv: cv)
    }
}
