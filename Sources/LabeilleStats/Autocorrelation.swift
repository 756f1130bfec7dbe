import Foundation

/// Iterations measured one after another share the machine's state (load, frequency, cache): their noise is
/// autocorrelated, so the mean of a run (or of a block) varies more than independent noise would say. For a
/// stationary noise with lag-k correlation ρ_k, the mean of n consecutive values has variance σ²·f/n with
/// f = 1 + 2 Σ (1 − k/n) ρ_k, while the sample variance's expectation is σ²·(n − f)/(n − 1); the variances of
/// the time-ordered fits are multiplied by the ratio of the two (`varianceFactor`, exact for any n).
///
/// Where the sequences are long enough, the lag-1 and lag-2 autocorrelations are pooled over the packages of a
/// comparison (a handful of values per package says little), each corrected for the bias of a demeaned short
/// series (+1/n), and read as a slowly varying state under independent noise: ρ_k = c·φ^k with φ = ρ₂/ρ₁.
///
/// The means of runs shorter than `shortestEstimable` take an assumed machine state instead: a run of 3
/// values cannot tell. The lag sums of a demeaned 3-series are tied (Σv² + 2 Σ v_t·v_t−1 + 2 v₁·v₃ = (Σv)² = 0),
/// so one ratio is observed, and its expectation moves from −0.333 (no state) to −0.323 (the assumed state)
/// while it varies by ±0.075 between comparisons of about 50 packages under realistic noise (the figures
/// of scripts/reference/autocorrelation_reference.py). Inverting the exact expectations at 4–5 values is
/// as unstable: a slow state and a drift within the run both look like φ near 1. Assuming no state there left
/// two runs' means about 1.3× more variable than their intervals said; a documented state is the honest
/// default, as the run-noise floor is for the runs' levels. From 5 values on, the pooled estimate is kept: it
/// under-reads a slow state too, but the intervals and calls measured there hold.
enum Autocorrelation {
    /// Runs with fewer values than this take the assumed machine state.
    static let shortestEstimable = 5.0
    /// The assumed machine state: a fifth of the iteration variance, lag-1 correlation 0.7 (a state that
    /// persists for a few iterations, as load and frequency do), so ρ_k = 0.2·0.7^k.
    static let assumedStateShare = 0.2
    static let assumedStatePersistence = 0.7

    static func sums(_ sequences: [[Double]]) -> (lag: Double, lag2: Double, squares: Double) {
        var lag = 0.0, lag2 = 0.0, sq = 0.0
        for r in sequences {
            for (i, v) in r.enumerated() {
                sq += v * v
                if i > 0 { lag += v * r[i - 1] }
                if i > 1 { lag2 += v * r[i - 2] }
            }
        }
        return (lag, lag2, sq)
    }

    static func inflate(_ comparisons: inout [PackageComparison]) {
        let pooled = pooledState(comparisons)
        for i in comparisons.indices {
            guard let f = comparisons[i].fit else { continue }
            let factor: Double
            if f.meansOfRuns && f.sequenceLength >= 2 && f.sequenceLength < shortestEstimable {
                factor = assumedFactor(n: f.sequenceLength)
            } else if let pooled, f.sequenceLength >= 3 {
                factor = varianceFactor(rho1: pooled.rho1, phi: pooled.phi, n: f.sequenceLength)
            } else {
                continue
            }
            comparisons[i].fit!.variance *= factor
            if f.welchVariance.isFinite { comparisons[i].fit!.welchVariance *= factor }
        }
    }

    /// The state read from the lag sums pooled over the time-ordered fits; nil when it is negligible (ρ₁ ≤ 0.02)
    /// or there is nothing to pool. Runs too short to estimate from are left out.
    static func pooledState(_ comparisons: [PackageComparison]) -> (rho1: Double, phi: Double)? {
        var lag = 0.0, lag2 = 0.0, sq = 0.0, length = 0.0, count = 0.0
        for c in comparisons {
            guard let f = c.fit, f.sequenceLength >= 3, f.squares > 0 else { continue }
            if f.meansOfRuns && f.sequenceLength < shortestEstimable { continue }
            lag += f.lagProducts; lag2 += f.lag2Products; sq += f.squares; length += f.sequenceLength; count += 1
        }
        guard count > 0, sq > 0 else { return nil }
        let n = length / count
        let rho1 = min(0.9, lag / sq + 1 / n)
        guard rho1 > 0.02 else { return nil }
        return (rho1, min(0.9, max(rho1, (lag2 / sq + 1 / n) / rho1)))
    }

    /// The factor for the mean of a run of n values under the assumed machine state.
    static func assumedFactor(n: Double) -> Double {
        varianceFactor(rho1: assumedStateShare * assumedStatePersistence, phi: assumedStatePersistence, n: n)
    }

    /// Var(mean of n consecutive values)·n / E[sample variance] for ρ_k = ρ₁·φ^(k−1).
    static func varianceFactor(rho1: Double, phi: Double, n: Double) -> Double {
        let k = Int(n.rounded())
        var f = 1.0, rho = rho1
        for lagIndex in 1..<max(k, 2) {
            f += 2 * (1 - Double(lagIndex) / n) * rho
            rho *= phi
        }
        let understatement = max(0.2, 1 - (f - 1) / (n - 1))
        return f / understatement
    }
}
