import Foundation
import LabeilleCore

/// Theil–Sen slope with Sen's Kendall-τ-based confidence interval and Kendall's trend test.
public struct TheilSen: Sendable, Equatable {
    /// Median of the pairwise slopes (y_j − y_i)/(x_j − x_i).
    public var slope: Double
    public var low: Double
    public var high: Double
    /// Kendall's S = Σ sign(y_j − y_i)·sign(x_j − x_i).
    public var kendallS: Double
    /// Two-sided p-value of Kendall's test (normal approximation with continuity correction, no tie correction).
    public var p: Double
}

/// Robust slopes and change points of one series of per-run values.
public enum RobustTrend {
    /// Least-squares slope of y against x (0 below 2 points or when x is constant), two-pass.
    public static func leastSquaresSlope(x: [Double], y: [Double]) -> Double {
        let n = min(x.count, y.count)
        guard n >= 2 else { return 0 }
        var mx = 0.0, my = 0.0
        for i in 0..<n { mx += x[i]; my += y[i] }
        mx /= Double(n); my /= Double(n)
        var sxy = 0.0, sxx = 0.0
        for i in 0..<n { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx) }
        return sxx == 0 ? 0 : sxy / sxx
    }

    /// Theil–Sen estimate. `scratch` is reused between calls to avoid an allocation per series.
    public static func theilSen(x: [Double], y: [Double], confidence: Double = 0.95, scratch: inout [Double]) -> TheilSen {
        let n = min(x.count, y.count)
        guard n >= 2 else { return TheilSen(slope: 0, low: .nan, high: .nan, kendallS: 0, p: .nan) }
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(n * (n - 1) / 2)
        var s = 0.0
        for i in 0..<(n - 1) {
            let xi = x[i], yi = y[i]
            for j in (i + 1)..<n {
                let dx = x[j] - xi
                if dx == 0 { continue }
                let dy = y[j] - yi
                scratch.append(dy / dx)
                let sx: Double = dx > 0 ? 1 : -1
                s += dy > 0 ? sx : (dy < 0 ? -sx : 0)
            }
        }
        let count = scratch.count
        guard count > 0 else { return TheilSen(slope: 0, low: .nan, high: .nan, kendallS: 0, p: .nan) }
        let nn = Double(n)
        let varS = nn * (nn - 1) * (2 * nn + 5) / 18
        let z = abs(s) <= 1 ? 0 : (abs(s) - 1) / varS.squareRoot()
        let p = n >= 3 ? erfc(z / 2.0.squareRoot()) : Double.nan
        let c = Distributions.normalQuantile(1 - (1 - confidence) / 2) * varS.squareRoot()
        // Sen (1968): the interval is [slope_(M1), slope_(M2 + 1)], 1-based, M1 = (N − C)/2, M2 = (N + C)/2.
        let lowRank = Int(((Double(count) - c) / 2).rounded())          // 1-based
        let highRank = Int(((Double(count) + c) / 2).rounded()) + 1     // 1-based
        var slope = 0.0, low = Double.nan, high = Double.nan
        scratch.withUnsafeMutableBufferPointer { buf in
            let mid = count / 2
            let upperMid = select(buf, 0, count - 1, mid)
            if count % 2 == 0 {
                var m = -Double.infinity
                for k in 0..<mid where buf[k] > m { m = buf[k] }
                slope = (m + upperMid) / 2
            } else {
                slope = upperMid
            }
            if lowRank >= 1 && lowRank <= mid { low = select(buf, 0, mid - 1, lowRank - 1) }
            else if lowRank >= 1 && lowRank <= count { low = select(buf, 0, count - 1, lowRank - 1) }
            if highRank >= 1 && highRank <= count {
                high = highRank - 1 > mid ? select(buf, mid + 1, count - 1, highRank - 1) : select(buf, 0, count - 1, highRank - 1)
            }
        }
        return TheilSen(slope: slope, low: low, high: high, kendallS: s, p: p)
    }

    /// Quickselect: after the call buf[k] holds the k-th smallest of buf[lo...hi] (0-based k in lo...hi), smaller
    /// values before it and larger after it within lo...hi.
    @discardableResult
    static func select(_ buf: UnsafeMutableBufferPointer<Double>, _ lo0: Int, _ hi0: Int, _ k: Int) -> Double {
        var lo = lo0, hi = hi0
        while hi > lo {
            // Median of three as pivot.
            let mid = lo + (hi - lo) / 2
            if buf[mid] < buf[lo] { buf.swapAt(mid, lo) }
            if buf[hi] < buf[lo] { buf.swapAt(hi, lo) }
            if buf[hi] < buf[mid] { buf.swapAt(hi, mid) }
            let pivot = buf[mid]
            var i = lo, j = hi
            while i <= j {
                while buf[i] < pivot { i += 1 }
                while buf[j] > pivot { j -= 1 }
                if i <= j { buf.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return buf[k] }
        }
        return buf[k]
    }

    // MARK: change points

    public struct ChangePointOptions: Sendable, Equatable {
        /// Significance of the split test (Welch on the per-run values of the adjacent segments).
        public var alpha = 0.001
        public var minSegment = 3
        /// Minimum |ratio − 1| of the segment medians (the values are logs, so exp(Δ median)).
        public var minMagnitude = 0.02
        /// The series' typical per-run variance: no segment counts as quieter than this in the Welch test, so a
        /// 3-run segment that happens to agree closely cannot fake a tiny p-value. 0 = no floor.
        public var noiseFloorVariance = 0.0
        public init(alpha: Double = 0.001, minSegment: Int = 3, minMagnitude: Double = 0.02, noiseFloorVariance: Double = 0) {
            self.alpha = alpha; self.minSegment = max(2, minSegment); self.minMagnitude = minMagnitude
            self.noiseFloorVariance = noiseFloorVariance
        }
    }

    /// Change points of a series of log values by binary segmentation: the split of a segment that most
    /// reduces the squared error is kept when Welch's test between its two sides (variances floored at the
    /// series' noise) gives p ≤ alpha and the ratio of their medians differs from 1 by at least minMagnitude;
    /// both sides are searched again.
    /// Then each change point is re-tested against its adjacent segments only, dropping the weakest failing
    /// one until all pass (as Hunter/Otava does). Returns the indices that start a new segment, ascending.
    public static func changePoints(_ y: [Double], options: ChangePointOptions = .init()) -> [Int] {
        let n = y.count, m = options.minSegment
        guard n >= 2 * m else { return [] }
        var prefix = [0.0], prefix2 = [0.0]
        prefix.reserveCapacity(n + 1); prefix2.reserveCapacity(n + 1)
        for v in y { prefix.append(prefix.last! + v); prefix2.append(prefix2.last! + v * v) }
        var found: [Int] = []
        var stack: [(Int, Int)] = [(0, n)]
        while let (lo, hi) = stack.popLast() {
            guard hi - lo >= 2 * m else { continue }
            var best = -1, bestScore = -1.0
            let total = prefix[hi] - prefix[lo]
            for t in (lo + m)...(hi - m) {
                let n1 = Double(t - lo), n2 = Double(hi - t)
                let s1 = prefix[t] - prefix[lo]
                let d = s1 / n1 - (total - s1) / n2
                let score = n1 * n2 / (n1 + n2) * d * d
                if score > bestScore { bestScore = score; best = t }
            }
            guard best > 0, bestScore > 0 else { continue }
            if splitPasses(y, lo, best, hi, options) {
                found.append(best)
                stack.append((lo, best))
                stack.append((best, hi))
            }
        }
        found.sort()
        // Re-test each against its adjacent segments; drop the weakest failing one at a time.
        while !found.isEmpty {
            var worst = -1, worstP = -1.0
            for (i, t) in found.enumerated() {
                let lo = i == 0 ? 0 : found[i - 1], hi = i == found.count - 1 ? n : found[i + 1]
                let r = splitTest(y, lo, t, hi, floor: options.noiseFloorVariance)
                let passes = r.p <= options.alpha && abs(r.ratio - 1) >= options.minMagnitude
                if !passes && (r.p.isNaN ? 2 : r.p) > worstP { worstP = r.p.isNaN ? 2 : r.p; worst = i }
            }
            if worst < 0 { break }
            found.remove(at: worst)
        }
        return found
    }

    static func splitPasses(_ y: [Double], _ lo: Int, _ t: Int, _ hi: Int, _ o: ChangePointOptions) -> Bool {
        let r = splitTest(y, lo, t, hi, floor: o.noiseFloorVariance)
        return r.p <= o.alpha && abs(r.ratio - 1) >= o.minMagnitude
    }

    /// Welch p between y[lo..<t] and y[t..<hi], and exp(median(after) − median(before)).
    static func splitTest(_ y: [Double], _ lo: Int, _ t: Int, _ hi: Int, floor: Double) -> (p: Double, ratio: Double) {
        let a = Array(y[lo..<t]), b = Array(y[t..<hi])
        let w = WelchTest(b, a, varianceFloor: floor)
        return (w.p, exp(Statistics.median(b) - Statistics.median(a)))
    }

    /// The ratio after/before of two segments of log values, with a 95% interval: Hodges–Lehmann with the
    /// exact (or, for large segments, normal-approximation) Moses interval when the sizes allow one, else a
    /// Welch t-interval. The point ratio is exp(median(after) − median(before)).
    public static func segmentRatio(before a: [Double], after b: [Double], confidence: Double = 0.95, noiseFloorVariance: Double = 0,
                                    mosesCache: inout [Int: Int]) -> (ratio: Double, low: Double, high: Double, p: Double, method: String) {
        let ratio = exp(Statistics.median(b) - Statistics.median(a))
        let w = WelchTest(b, a, varianceFloor: noiseFloorVariance)
        let key = a.count * 100_000 + b.count
        let k: Int?
        if let cached = mosesCache[key] { k = cached < 0 ? nil : cached } else {
            // The exact distribution is costly to build for every pair of segment sizes of every series.
            k = Inference.mosesOrderStatistic(n: a.count, m: b.count, confidence: confidence, exactUpTo: 400)
            mosesCache[key] = k ?? -1
        }
        if let k {
            let interval = Inference.mosesInterval(sortedDifferences: Inference.sortedPairwiseDifferences(a, b), k: k)
            return (ratio, exp(interval.low), exp(interval.high), w.p, "hodges-lehmann-moses")
        }
        guard w.df.isFinite || w.standardError == 0 else { return (ratio, .nan, .nan, w.p, "welch-t") }
        if w.standardError == 0 { return (ratio, exp(w.meanDifference), exp(w.meanDifference), w.p, "welch-t") }
        let q = Distributions.studentTQuantile(p: 1 - (1 - confidence) / 2, df: w.df)
        return (ratio, exp(w.meanDifference - q * w.standardError), exp(w.meanDifference + q * w.standardError), w.p, "welch-t")
    }
}
