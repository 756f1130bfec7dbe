import Foundation

/// Iterations measured one after another share the machine's state (load, frequency, cache): their noise is
/// autocorrelated, so the mean of a run (or of a block) varies more than independent noise would say. For a
/// stationary noise with lag-k correlation ρ_k, the mean of n consecutive values has variance σ²·f/n with
/// f = 1 + 2 Σ (1 − k/n) ρ_k, while the sample variance's expectation is σ²·(n − f)/(n − 1); the variances of
/// the time-ordered fits are multiplied by the ratio of the two (`varianceFactor`, exact for any n).
///
/// Where the sequences are long enough (5 values), the lag-1 and lag-2 autocorrelations are pooled over the
/// packages of a comparison (a handful of values per package says little) and read as a slowly varying state
/// under independent noise, ρ_k = ρ₁·φ^(k−1): from 8 values by matching the exact expected lag ratios of a
/// demeaned series (`stateMatching`), below that with the plain correction for demeaning (+1/n).
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
    /// Runs with fewer values than this take the assumed machine state (across runs) or no factor (block order).
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
            } else if let pooled, f.sequenceLength >= shortestEstimable {
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
            guard let f = c.fit, f.sequenceLength >= shortestEstimable, f.squares > 0 else { continue }
            lag += f.lagProducts; lag2 += f.lag2Products; sq += f.squares; length += f.sequenceLength; count += 1
        }
        guard count > 0, sq > 0 else { return nil }
        let n = length / count
        if n >= exactFromLength { return stateMatching(lagRatio: lag / sq, lag2Ratio: lag2 / sq, n: n) }
        let rho1 = min(0.9, lag / sq + 1 / n)
        guard rho1 > 0.02 else { return nil }
        return (rho1, min(0.9, max(rho1, (lag2 / sq + 1 / n) / rho1)))
    }

    /// From this many values per sequence the state is read by matching the exact expectations
    /// (`stateMatching`). Shorter sequences keep the plain correction (ratio + 1/n): demeaning leaves them so
    /// little of a slow state that inverting the exact expectations turns the ratios' sampling noise into
    /// wild states (at 5 values per block it cost a lone +20% among 50 normal-noise packages 95% → 77% of
    /// its calls for no gain in coverage), and at 3 values the two ratios are tied (they sum to −½).
    static let exactFromLength = 8.0

    /// The state (ρ₁, φ) whose expected lag ratios of demeaned sequences of length n match the observed ones;
    /// nil when ρ₁ ≤ 0.02. Demeaning a short correlated sequence removes much of its slow part: at 10 values,
    /// a state with ρ₁ = 0.09 and φ = 0.7 leaves a lag-1 ratio 0.046 above the −1/10 of independent noise, so
    /// the plain correction (ratio + 1/n) read half the state. The expectations are exact for the sequence
    /// length (E[r′L r] = tr(M L M Σ), M the demeaning); for each φ on a grid the lag-1 ratio fixes ρ₁ in
    /// closed form, and the φ whose lag-2 ratio matches best is taken.
    static func stateMatching(lagRatio: Double, lag2Ratio: Double, n: Double) -> (rho1: Double, phi: Double)? {
        // Beyond 60 values the ratios no longer depend on the length (and the sums cost length²).
        let length = min(60, Int(n.rounded()))
        guard length >= 3, lagRatio.isFinite, lag2Ratio.isFinite else { return nil }
        var best: (rho1: Double, phi: Double, miss: Double)?
        let iid = DemeanedLagSums(length: length, rho1: 0, phi: 0)
        for step in 0...18 {
            let phi = Double(step) * 0.05
            let unit = DemeanedLagSums(length: length, rho1: 1, phi: phi).minus(iid)
            // ratio = (iid.lag1 + ρ₁·unit.lag1) / (iid.squares + ρ₁·unit.squares), solved for ρ₁.
            let denominator = unit.lag1 - lagRatio * unit.squares
            guard abs(denominator) > 1e-12 else { continue }
            let rho1 = min(0.9, (lagRatio * iid.squares - iid.lag1) / denominator)
            guard rho1 > 0 else { continue }
            let predicted = (iid.lag2 + rho1 * unit.lag2) / (iid.squares + rho1 * unit.squares)
            let miss = abs(predicted - lag2Ratio)
            if best == nil || miss < best!.miss { best = (rho1, phi, miss) }
        }
        guard let best, best.rho1 > 0.02 else { return nil }
        return (best.rho1, best.phi)
    }

    /// Expected lag-1, lag-2 and squared sums of a demeaned sequence of `length` unit-variance values with
    /// correlations ρ_k = ρ₁·φ^(k−1): the sums of the diagonals of M Σ M.
    struct DemeanedLagSums {
        var lag1 = 0.0, lag2 = 0.0, squares = 0.0
        init(length n: Int, rho1: Double, phi: Double) {
            let byLag = (0..<n).map { k in k == 0 ? 1 : rho1 * pow(phi, Double(k - 1)) }
            let sigma = (0..<n).map { i in (0..<n).map { j in byLag[abs(i - j)] } }
            let rowMeans = sigma.map { $0.reduce(0, +) / Double(n) }
            let grand = rowMeans.reduce(0, +) / Double(n)
            func centred(_ i: Int, _ j: Int) -> Double { sigma[i][j] - rowMeans[i] - rowMeans[j] + grand }
            for i in 0..<n {
                squares += centred(i, i)
                if i >= 1 { lag1 += centred(i, i - 1) }
                if i >= 2 { lag2 += centred(i, i - 2) }
            }
        }
        private init(lag1: Double, lag2: Double, squares: Double) { self.lag1 = lag1; self.lag2 = lag2; self.squares = squares }
        func minus(_ o: DemeanedLagSums) -> DemeanedLagSums {
            DemeanedLagSums(lag1: lag1 - o.lag1, lag2: lag2 - o.lag2, squares: squares - o.squares)
        }
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
