import Foundation
import LabeilleCore

/// Empirical-Bayes moderation of residual variances across the packages of one comparison (Smyth 2004,
/// "Linear models and empirical Bayes methods for assessing differential expression", as limma's
/// `fitFDist` and `squeezeVar`). Each package's variance s² with d degrees of freedom is treated as a draw
/// around a common scaled inverse-χ² prior (d0, s0²); its posterior (d0·s0² + d·s²)/(d0 + d) has d0 + d
/// degrees of freedom. At n = 3 this keeps a sample that happens to agree closely (bimodal noise, all three
/// values from one mode) from producing a tiny standard error, and it raises the degrees of freedom.
public struct VariancePrior: Sendable, Equatable {
    /// Prior degrees of freedom (0: no moderation, .infinity: all packages share one variance).
    public var df: Double
    /// Prior variance s0².
    public var variance: Double

    public static let none = VariancePrior(df: 0, variance: 0)

    /// Fits the prior from variances and their degrees of freedom by the method of moments on log s².
    /// Non-positive or non-finite variances are left out; fewer than 3 usable ones give no moderation.
    public static func fit(variances: [Double], dfs: [Double]) -> VariancePrior {
        var e: [Double] = [], trig: [Double] = []
        for (s2, d) in zip(variances, dfs) where s2 > 0 && s2.isFinite && d > 0 && d.isFinite {
            e.append(log(s2) - SpecialFunctions.digamma(d / 2) + log(d / 2))
            trig.append(SpecialFunctions.trigamma(d / 2))
        }
        guard e.count >= 3 else { return .none }
        let n = Double(e.count)
        let mean = e.reduce(0, +) / n
        let spread = e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let excess = spread - trig.reduce(0, +) / n
        guard excess > 0 else { return VariancePrior(df: .infinity, variance: exp(mean)) }
        let d0 = 2 * SpecialFunctions.trigammaInverse(excess)
        return VariancePrior(df: d0, variance: exp(mean + SpecialFunctions.digamma(d0 / 2) - log(d0 / 2)))
    }

    /// The posterior variance and its degrees of freedom for one package. The degrees of freedom are capped
    /// at `maxDF` (the pooled residual degrees of freedom of all packages): the prior cannot carry more
    /// information than the data it was fitted on.
    public func moderate(variance s2: Double, df d: Double, maxDF: Double) -> (variance: Double, df: Double) {
        guard df > 0 else { return (s2, d) }
        if df.isInfinite { return (variance, maxDF) }
        let v = s2.isFinite && d > 0 ? (df * variance + d * s2) / (df + d) : variance
        return (v, min(df + max(d, 0), maxDF))
    }
}

/// Digamma, trigamma and tetragamma by recurrence to x ≥ 10 and their asymptotic series (abs. error < 1e-12).
public enum SpecialFunctions {
    public static func digamma(_ x0: Double) -> Double {
        guard x0 > 0 else { return .nan }
        var x = x0, acc = 0.0
        while x < 10 { acc -= 1 / x; x += 1 }
        let f = 1 / (x * x)
        return acc + log(x) - 0.5 / x
            - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))))
    }

    public static func trigamma(_ x0: Double) -> Double {
        guard x0 > 0 else { return .nan }
        var x = x0, acc = 0.0
        while x < 10 { acc += 1 / (x * x); x += 1 }
        let f = 1 / (x * x)
        return acc + 1 / x + f / 2
            + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f * (1.0 / 30 - f * (5.0 / 66)))))
    }

    /// ψ''(x).
    public static func tetragamma(_ x0: Double) -> Double {
        guard x0 > 0 else { return .nan }
        var x = x0, acc = 0.0
        while x < 10 { acc -= 2 / (x * x * x); x += 1 }
        let f = 1 / (x * x)
        return acc - f * (1 + 1 / x + f / 2 - f * f * (1.0 / 6 - f * (1.0 / 6 - f * (3.0 / 10 - f * (5.0 / 6)))))
    }

    /// y with trigamma(y) = x (limma's Newton iteration on 1/trigamma).
    public static func trigammaInverse(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return .nan }
        if x > 1e7 { return 1 / x.squareRoot() }
        if x < 1e-6 { return 1 / x }
        var y = 0.5 + 1 / x
        for _ in 0..<50 {
            let tri = trigamma(y)
            let dif = tri * (1 - tri / x) / tetragamma(y)
            y += dif
            if -dif / y < 1e-8 { break }
        }
        return y
    }
}
