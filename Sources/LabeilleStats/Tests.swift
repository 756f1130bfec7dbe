import Foundation
import LabeilleCore

/// Welch's unequal-variance t-test, as the original's, except that t keeps its sign when both variances
/// are 0 (the original gave +∞ whichever mean was larger).
public struct WelchTest: Equatable, Sendable {
    public var t: Double
    public var df: Double
    public var p: Double
    /// (mean_a − mean_b) and its standard error.
    public var meanDifference: Double
    public var standardError: Double

    /// `varianceFloor` raises each sample variance to at least that value: a short segment that happens to
    /// agree closely then cannot claim less noise than the series is known to have (0: the plain test).
    public init(_ a: [Double], _ b: [Double], varianceFloor: Double = 0) {
        guard a.count >= 2, b.count >= 2 else {
            t = .nan; df = .nan; p = .nan; meanDifference = .nan; standardError = .nan
            return
        }
        let ma = Statistics.mean(a), mb = Statistics.mean(b)
        let va = max(Statistics.sampleVariance(a, mean: ma), varianceFloor)
        let vb = max(Statistics.sampleVariance(b, mean: mb), varianceFloor)
        let sa = va / Double(a.count), sb = vb / Double(b.count)
        meanDifference = ma - mb
        standardError = (sa + sb).squareRoot()
        if sa + sb == 0 {
            if ma == mb { t = 0; df = .infinity; p = 1 }
            else { t = ma > mb ? .infinity : -.infinity; df = 0; p = 0 }
            return
        }
        t = meanDifference / standardError
        let denom = sa * sa / Double(a.count - 1) + sb * sb / Double(b.count - 1)
        df = denom == 0 ? .infinity : (sa + sb) * (sa + sb) / denom
        p = Distributions.studentTTwoSidedP(t: t, df: df)
    }

    /// "***", "**", "*" or "ns" as the original's Sig. column.
    public var stars: String {
        guard !p.isNaN else { return "ns" }
        return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : "ns"
    }
}

/// Exact two-sided Mann–Whitney U test (normal approximation with tie correction when n·m > 2500).
public struct MannWhitneyTest: Equatable, Sendable {
    /// U statistic of the first sample (number of pairs with a > b, ties counting ½).
    public var u: Double
    public var p: Double

    public init(_ a: [Double], _ b: [Double]) {
        let n = a.count, m = b.count
        guard n > 0, m > 0 else { u = .nan; p = .nan; return }
        var uu = 0.0
        for x in a { for y in b { uu += x > y ? 1 : (x == y ? 0.5 : 0) } }
        u = uu
        let nm = n * m
        if nm <= 2500 {
            let counts = Distributions.mannWhitneyCounts(n: n, m: m)
            let total = counts.reduce(0, +)
            let uMax = max(uu, Double(nm) - uu)
            // P(U ≥ uMax), U integer-valued; a tie gives a half-integer, rounded up conservatively.
            let start = Int(uMax.rounded(.up))
            var tail = 0.0
            if start <= nm { for k in start...nm { tail += counts[k] } }
            p = min(1, 2 * tail / total)
        } else {
            let mu = Double(nm) / 2
            let sigma = (Double(nm) * Double(n + m + 1) / 12).squareRoot()
            let z = (abs(uu - mu) - 0.5) / sigma
            p = min(1, erfc(max(0, z) / 2.0.squareRoot()))
        }
    }
}

/// Exact two-sided Wilcoxon signed-rank test on differences (zeros dropped, ties get average ranks).
public struct SignedRankTest: Equatable, Sendable {
    /// min(W+, W−), as scipy reports it.
    public var w: Double
    public var wPlus: Double
    public var p: Double
    public var n: Int

    public init(_ d: [Double]) {
        let nz = d.filter { $0 != 0 }
        n = nz.count
        guard n > 0 else { w = .nan; wPlus = .nan; p = .nan; return }
        let ranks = SignedRankTest.averageRanks(nz.map { abs($0) })
        var plus = 0.0
        for (v, r) in zip(nz, ranks) where v > 0 { plus += r }
        wPlus = plus
        let total = Double(n * (n + 1)) / 2
        w = min(plus, total - plus)
        if n <= 60 {
            let counts = Distributions.signedRankCounts(n: n)
            let all = counts.reduce(0, +)
            var lower = 0.0
            let limit = Int(w.rounded(.down))
            for k in 0...max(0, limit) where k < counts.count { lower += counts[k] }
            p = min(1, 2 * lower / all)
        } else {
            let mu = total / 2
            let sigma = (Double(n * (n + 1) * (2 * n + 1)) / 24).squareRoot()
            p = min(1, erfc(abs(w - mu) / sigma / 2.0.squareRoot()))
        }
    }

    static func averageRanks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var ranks = Array(repeating: 0.0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let r = Double(i + j + 2) / 2
            for k in i...j { ranks[order[k]] = r }
            i = j + 1
        }
        return ranks
    }
}

public enum Inference {
    /// Benjamini–Hochberg adjusted p-values (q-values), NaNs passed through and not counted.
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let idx = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] < p[$1] }
        let m = Double(idx.count)
        var q = p
        var running = 1.0
        for (rank, i) in idx.enumerated().reversed() {
            running = min(running, p[i] * m / Double(rank + 1))
            q[i] = min(1, running)
        }
        return q
    }

    /// Holm's step-down adjusted p-values (family-wise error control), NaNs passed through and not counted.
    public static func holm(_ p: [Double]) -> [Double] {
        let idx = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] < p[$1] }
        let m = idx.count
        var q = p
        var running = 0.0
        for (rank, i) in idx.enumerated() {
            running = max(running, min(1, p[i] * Double(m - rank)))
            q[i] = running
        }
        return q
    }

    /// Two-sample Hodges–Lehmann shift (median of b_j − a_i) with the exact distribution-free (Moses)
    /// interval at `confidence`, from the Mann–Whitney null distribution. The interval is nil when the
    /// sample sizes cannot reach the confidence (e.g. 3 vs 3 at 95%).
    public static func hodgesLehmannShift(_ a: [Double], _ b: [Double], confidence: Double = 0.95)
        -> (shift: Double, low: Double?, high: Double?) {
        let d = sortedPairwiseDifferences(a, b)
        let shift = Statistics.quantile(sorted: d, 0.5)
        guard let k = mosesOrderStatistic(n: a.count, m: b.count, confidence: confidence) else { return (shift, nil, nil) }
        let interval = mosesInterval(sortedDifferences: d, k: k)
        return (shift, interval.low, interval.high)
    }

    /// Every b_j − a_i, ascending: the differences the Hodges–Lehmann shift and its Moses interval are read from.
    public static func sortedPairwiseDifferences(_ a: [Double], _ b: [Double]) -> [Double] {
        var d: [Double] = []
        d.reserveCapacity(a.count * b.count)
        for x in a { for y in b { d.append(y - x) } }
        d.sort()
        return d
    }

    /// The Moses interval [D(k), D(nm+1−k)] of the sorted pairwise differences, k from `mosesOrderStatistic`.
    public static func mosesInterval(sortedDifferences d: [Double], k: Int) -> (low: Double, high: Double) {
        (d[k - 1], d[d.count - k])
    }

    /// The 1-based k such that [D(k), D(nm+1−k)] is the shortest interval with coverage ≥ confidence: exact
    /// from the Mann–Whitney distribution while n·m ≤ `exactUpTo`, else its normal approximation.
    public static func mosesOrderStatistic(n: Int, m: Int, confidence: Double, exactUpTo: Int = 2500) -> Int? {
        guard n > 0, m > 0, n * m <= exactUpTo else {
            guard n > 0, m > 0 else { return nil }
            // Normal approximation for large samples.
            let z = Distributions.normalQuantile(1 - (1 - confidence) / 2)
            let k = Int((Double(n * m) / 2 - z * (Double(n * m * (n + m + 1)) / 12).squareRoot()).rounded(.down))
            return k >= 1 ? k : nil
        }
        let counts = Distributions.mannWhitneyCounts(n: n, m: m)
        let total = counts.reduce(0, +)
        var cdf = 0.0
        var best: Int?
        // coverage of [D(k), D(N+1−k)] = 1 − 2·P(U ≤ k − 1)
        for k in 1...(n * m / 2 + 1) {
            cdf += counts[k - 1]
            if 1 - 2 * cdf / total >= confidence - 1e-12 { best = k } else { break }
        }
        return best
    }

    /// One-sample Hodges–Lehmann estimate (median of Walsh averages) with the exact signed-rank interval.
    public static func hodgesLehmannOneSample(_ d: [Double], confidence: Double = 0.95)
        -> (estimate: Double, low: Double?, high: Double?) {
        var walsh: [Double] = []
        for i in d.indices { for j in i..<d.count { walsh.append((d[i] + d[j]) / 2) } }
        walsh.sort()
        let est = Statistics.quantile(sorted: walsh, 0.5)
        let n = d.count
        let counts = Distributions.signedRankCounts(n: n)
        let total = counts.reduce(0, +)
        var cdf = 0.0
        var best: Int?
        for k in 1...(walsh.count / 2 + 1) {
            cdf += counts[k - 1]
            if 1 - 2 * cdf / total >= confidence - 1e-12 { best = k } else { break }
        }
        guard let k = best else { return (est, nil, nil) }
        return (est, walsh[k - 1], walsh[walsh.count - k])
    }

    /// One-sample t interval and two-sided p for the mean of `x` (used on paired log-ratios and on
    /// per-package log-ratios for the suite geometric mean).
    public static func oneSampleT(_ x: [Double], confidence: Double = 0.95)
        -> (mean: Double, low: Double, high: Double, t: Double, df: Double, p: Double) {
        let n = Double(x.count)
        let m = Statistics.mean(x)
        guard x.count >= 2 else { return (m, .nan, .nan, .nan, .nan, .nan) }
        let se = Statistics.sampleStdev(x, mean: m) / n.squareRoot()
        let df = n - 1
        let q = Distributions.studentTQuantile(p: 1 - (1 - confidence) / 2, df: df)
        if se == 0 { return (m, m, m, m == 0 ? 0 : (m > 0 ? .infinity : -.infinity), df, m == 0 ? 1 : 0) }
        let t = m / se
        return (m, m - q * se, m + q * se, t, df, Distributions.studentTTwoSidedP(t: t, df: df))
    }

    /// Cohen's d with the pooled standard deviation (b − a, positive when b is larger).
    public static func cohensD(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count >= 2, b.count >= 2 else { return .nan }
        let va = Statistics.sampleVariance(a), vb = Statistics.sampleVariance(b)
        let pooled = (Double(a.count - 1) * va + Double(b.count - 1) * vb) / Double(a.count + b.count - 2)
        let diff = Statistics.mean(b) - Statistics.mean(a)
        if pooled == 0 { return diff == 0 ? 0 : (diff > 0 ? .infinity : -.infinity) }
        return diff / pooled.squareRoot()
    }

    /// Spearman's ρ between positions 1…n and the values (average ranks for ties).
    public static func spearmanTrend(_ x: [Double]) -> Double {
        let n = x.count
        guard n >= 2 else { return .nan }
        let r = SignedRankTest.averageRanks(x)
        let pos = (1...n).map(Double.init)
        let mr = Statistics.mean(r), mp = Statistics.mean(pos)
        var num = 0.0, dr = 0.0, dp = 0.0
        for i in 0..<n {
            num += (r[i] - mr) * (pos[i] - mp)
            dr += (r[i] - mr) * (r[i] - mr)
            dp += (pos[i] - mp) * (pos[i] - mp)
        }
        let den = (dr * dp).squareRoot()
        return den == 0 ? .nan : num / den
    }
}
