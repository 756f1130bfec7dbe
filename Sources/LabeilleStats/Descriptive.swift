import Foundation
import LabeilleCore

/// Descriptive statistics of one sample, as `v_condition_stats` computes them in SQL.
public struct DescriptiveStats: Equatable, Sendable {
    public var n: Int
    public var mean: Double
    public var median: Double
    public var stdev: Double
    public var min: Double
    public var max: Double
    public var q1: Double
    public var q3: Double
    public var iqr: Double { q3 - q1 }
    /// stdev / mean; NaN when the mean is 0 (the view gives NULL), 0 for n = 1.
    public var cv: Double

    public init(_ values: [Double]) {
        n = values.count
        guard n > 0 else {
            mean = .nan; median = .nan; stdev = .nan; min = .nan; max = .nan; q1 = .nan; q3 = .nan; cv = .nan
            return
        }
        let sorted = values.sorted()
        mean = Statistics.mean(values)
        median = Statistics.quantile(sorted: sorted, 0.5)
        q1 = Statistics.quantile(sorted: sorted, 0.25)
        q3 = Statistics.quantile(sorted: sorted, 0.75)
        min = sorted[0]
        max = sorted[n - 1]
        stdev = n >= 2 ? Statistics.sampleStdev(values, mean: mean) : 0
        cv = n == 1 ? 0 : (mean != 0 ? stdev / mean : .nan)
    }
}

public enum Statistics {
    public static func mean(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        return x.reduce(0, +) / Double(x.count)
    }

    /// Sample variance (divisor n − 1), two-pass for accuracy.
    public static func sampleVariance(_ x: [Double], mean m: Double? = nil) -> Double {
        guard x.count >= 2 else { return .nan }
        let m = m ?? mean(x)
        var ss = 0.0
        for v in x { ss += (v - m) * (v - m) }
        return ss / Double(x.count - 1)
    }

    public static func sampleStdev(_ x: [Double], mean m: Double? = nil) -> Double {
        sampleVariance(x, mean: m).squareRoot()
    }

    /// Linear-interpolation quantile (numpy's default, Hyndman–Fan type 7) of an ascending sample.
    public static func quantile(sorted x: [Double], _ p: Double) -> Double {
        let n = x.count
        if n == 0 { return .nan }
        if n == 1 { return x[0] }
        let k = Double(n - 1) * p
        let f = Int(k.rounded(.down))
        let d = k - Double(f)
        if d == 0 || f + 1 >= n { return x[f] }
        return x[f] + (x[f + 1] - x[f]) * d
    }

    public static func median(_ x: [Double]) -> Double { quantile(sorted: x.sorted(), 0.5) }

    /// Sample standard deviation (n − 1) of ln x, two-pass; nil below 2 values or when a value is not positive.
    public static func logStdev(_ x: [Double]) -> Double? {
        guard x.count >= 2, x.allSatisfy({ $0 > 0 }) else { return nil }
        return sampleStdev(x.map { Foundation.log($0) })
    }

    /// Tukey fences (factor 1.5): flags in the input order; nothing is flagged below 4 values.
    public static func tukeyOutliers(_ x: [Double], factor: Double = 1.5) -> [Bool] {
        guard x.count >= 4 else { return Array(repeating: false, count: x.count) }
        let s = x.sorted()
        let q1 = quantile(sorted: s, 0.25), q3 = quantile(sorted: s, 0.75)
        let iqr = q3 - q1
        let lo = q1 - factor * iqr, hi = q3 + factor * iqr
        return x.map { $0 < lo || $0 > hi }
    }

    /// Relative standard error (stdev/√n)/|mean|; NaN below 2 values or at mean 0.
    public static func relativeStandardError(_ x: [Double]) -> Double {
        guard x.count >= 2 else { return .nan }
        let m = mean(x)
        guard m != 0 else { return .nan }
        return sampleStdev(x, mean: m) / Double(x.count).squareRoot() / abs(m)
    }
}
