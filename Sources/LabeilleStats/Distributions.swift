import Foundation
import LabeilleCore

/// Special functions and distributions needed by the tests: the regularised incomplete beta function
/// (Numerical Recipes §6.4 continued fraction, modified Lentz), Student's t CDF and quantile, the exact
/// null distributions of the Mann–Whitney U and Wilcoxon signed-rank statistics.
public enum Distributions {
    /// I_x(a, b). NaN outside [0, 1].
    public static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double {
        if x.isNaN || x < 0 || x > 1 { return .nan }
        if x == 0 { return 0 }
        if x == 1 { return 1 }
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(x: 1 - x, a: b, b: a) }
        let lnBeta = lgamma(a) + lgamma(b) - lgamma(a + b)
        let front = exp(a * log(x) + b * log1p(-x) - lnBeta) / a
        return min(1, max(0, front * betaContinuedFraction(x: x, a: a, b: b)))
    }

    private static func betaContinuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...500 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < eps { break }
        }
        return h
    }

    /// Two-sided p-value P(|T_df| ≥ |t|).
    public static func studentTTwoSidedP(t: Double, df: Double) -> Double {
        if t.isNaN || df.isNaN || df <= 0 { return .nan }
        if t.isInfinite { return 0 }
        if df.isInfinite { return erfc(abs(t) / 2.0.squareRoot()) }
        return regularizedIncompleteBeta(x: df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// P(T_df ≤ t).
    public static func studentTCDF(t: Double, df: Double) -> Double {
        let tail = studentTTwoSidedP(t: t, df: df) / 2
        return t >= 0 ? 1 - tail : tail
    }

    /// The p-quantile of Student's t with df degrees of freedom (bisection on the CDF; exact to ~1e-12).
    public static func studentTQuantile(p: Double, df: Double) -> Double {
        if p.isNaN || df.isNaN || df <= 0 || p <= 0 || p >= 1 { return .nan }
        if p == 0.5 { return 0 }
        if p < 0.5 { return -studentTQuantile(p: 1 - p, df: df) }
        var lo = 0.0, hi = 1.0
        while studentTCDF(t: hi, df: df) < p { hi *= 2; if hi > 1e12 { return .infinity } }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if studentTCDF(t: mid, df: df) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-14 * max(1, hi) { break }
        }
        return (lo + hi) / 2
    }

    /// Counts of the Mann–Whitney U statistic under H0 for sample sizes n and m: counts[u] for u in 0...n·m,
    /// summing to C(n+m, n).
    public static func mannWhitneyCounts(n: Int, m: Int) -> [Double] {
        NullCountsCache.shared.value(key: n * 100_003 + m) { computeMannWhitneyCounts(n: n, m: m) }
    }

    static func computeMannWhitneyCounts(n: Int, m: Int) -> [Double] {
        // f[i][j][u]: number of arrangements of i x's and j y's with U = u; rolling over j.
        let maxU = n * m
        var table = Array(repeating: Array(repeating: [Double](), count: m + 1), count: n + 1)
        for i in 0...n {
            for j in 0...m {
                if i == 0 || j == 0 { table[i][j] = [1]; continue }
                var row = Array(repeating: 0.0, count: i * j + 1)
                // Last element is an x (contributes j to U) or a y (contributes 0).
                let a = table[i - 1][j], b = table[i][j - 1]
                for (u, c) in a.enumerated() where c != 0 { row[u + j] += c }
                for (u, c) in b.enumerated() where c != 0 { row[u] += c }
                table[i][j] = row
            }
        }
        var result = table[n][m]
        if result.count < maxU + 1 { result += Array(repeating: 0, count: maxU + 1 - result.count) }
        return result
    }

    /// Counts of the Wilcoxon signed-rank statistic W+ under H0 for n pairs: counts[w] for w in 0...n(n+1)/2.
    public static func signedRankCounts(n: Int) -> [Double] {
        NullCountsCache.shared.value(key: -1 - n) { computeSignedRankCounts(n: n) }
    }

    static func computeSignedRankCounts(n: Int) -> [Double] {
        let maxW = n * (n + 1) / 2
        var counts = Array(repeating: 0.0, count: maxW + 1)
        counts[0] = 1
        if n == 0 { return counts }
        var top = 0
        for r in 1...n {
            top += r
            for w in stride(from: top, through: r, by: -1) { counts[w] += counts[w - r] }
        }
        return counts
    }

    /// Standard normal quantile (Acklam's rational approximation refined by one Newton step).
    public static func normalQuantile(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let pl = 0.02425
        var x: Double
        if p < pl {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - pl {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}

/// The exact null distributions are the same for every package of a suite: computed once per sample size.
final class NullCountsCache: @unchecked Sendable {
    static let shared = NullCountsCache()
    private let lock = NSLock()
    private var values: [Int: [Double]] = [:]

    func value(key: Int, _ compute: () -> [Double]) -> [Double] {
        lock.lock()
        if let v = values[key] { lock.unlock(); return v }
        lock.unlock()
        let v = compute()
        lock.lock()
        // Bounded: sample sizes of real runs are few; a pathological caller cannot grow it without limit.
        if values.count < 4096 { values[key] = v }
        lock.unlock()
        return v
    }
}
