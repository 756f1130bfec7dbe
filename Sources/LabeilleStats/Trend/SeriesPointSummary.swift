import Foundation
import LabeilleCore

extension SeriesPoint {
    /// The point of one run from its measured ok values.
    public init(values: [Double], runIndex: Int, position: Int) {
        var v = values
        v.sort()
        let n = v.count
        let median = Statistics.quantile(sorted: v, 0.5)
        var logSE = Double.nan, cv = 0.0
        if n >= 2 {
            var sum = 0.0, sumLog = 0.0
            var allPositive = true
            for x in v { sum += x; if x > 0 { sumLog += log(x) } else { allPositive = false } }
            let mean = sum / Double(n)
            var ss = 0.0
            for x in v { ss += (x - mean) * (x - mean) }
            cv = mean != 0 ? (ss / Double(n - 1)).squareRoot() / mean : .nan
            if allPositive {
                let ml = sumLog / Double(n)
                var ssl = 0.0
                for x in v { let d = log(x) - ml; ssl += d * d }
                logSE = 1.2533 * (ssl / Double(n - 1)).squareRoot() / Double(n).squareRoot()
            }
        }
        self.init(runIndex: runIndex, position: position, n: n, median: median, logSE: logSE, cv: cv)
    }
}
