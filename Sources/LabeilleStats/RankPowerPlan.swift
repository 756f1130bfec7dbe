import Foundation
import LabeilleCore

/// Power of the two-sample rank rule for one package — the Mann–Whitney test with its Moses interval, and the
/// Hodges–Lehmann shift beyond the margin δ — from the package's own noise shape, not from its interval's width.
///
/// The width of the Moses interval is set by the pairwise differences near the middle. Under clustered timings
/// (two modes) those fall into one tight cluster, so the interval is narrow, while the test only calls a shift
/// that carries the clusters past each other: a detectable effect read from the width was called in 59–64% of
/// the calibration's bimodal suites at 10 values per side. The rule calls a true shift μ when
/// U(μ) = #{b_j + μ > a_i} reaches nm + 1 − k (k the Moses order statistic: the interval's lower end is then
/// above 0, exactly when the exact test rejects), and U's mean and variance are exact functions of three
/// probabilities of the noise (the variance of a two-sample U-statistic under an alternative):
///
///     p = P(Y + μ > X),  q_X = P(Y + μ > X, Y + μ > X′),  q_Y = P(Y + μ > X, Y′ + μ > X),
///     E U = nm·p,  Var U = nm·[p(1 − p) + (n − 1)(q_X − p²) + (m − 1)(q_Y − p²)]   (n values X, m values Y).
///
/// Each probability is estimated without bias by a U-statistic over the pairs and triples of values *within*
/// each side: there the values differ by noise only, so the estimates hold whatever the true change. The power
/// is U's normal approximation with continuity correction. The Hodges–Lehmann shift, the median of the
/// differences, passes δ when U(μ − δ) > nm/2; the two events rise together, so the call's power is taken as
/// the smaller of the two.
struct RankPowerPlan {
    /// Each side's log-times, ascending.
    var sides: [[Double]]
    var nA: Int
    var nB: Int

    init?(_ a: [Double], _ b: [Double]) {
        guard a.count >= 3, b.count >= 3 else { return nil }
        sides = [a.sorted(), b.sorted()]
        nA = a.count; nB = b.count
        guard sides.contains(where: { $0.last! > $0.first! }) else { return nil }
    }

    /// p, q_X and q_Y at a true shift `mu`, pooled over the two sides' pairs and triples.
    func probabilities(_ mu: Double) -> (p: Double, qX: Double, qY: Double) {
        var pairs = 0.0, sameY = 0.0, sameX = 0.0, pairCount = 0.0, tripleCount = 0.0
        let selfCounted = mu > 0 ? 1 : 0
        for s in sides {
            let n = s.count
            // below[j] = #{i ≠ j: s_i < s_j + μ} (one Y, its X's); above[i] = #{j ≠ i: s_j > s_i − μ} (one X, its Y's).
            var lower = 0, upper = 0
            for j in 0..<n {
                while lower < n && s[lower] < s[j] + mu { lower += 1 }
                while upper < n && s[upper] <= s[j] - mu { upper += 1 }
                let below = Double(lower - selfCounted), above = Double(n - upper - selfCounted)
                pairs += below
                sameY += below * (below - 1)
                sameX += above * (above - 1)
            }
            pairCount += Double(n * (n - 1))
            tripleCount += Double(n * (n - 1) * (n - 2))
        }
        return (pairs / pairCount, sameY / tripleCount, sameX / tripleCount)
    }

    /// P(U ≥ threshold) at a true shift `mu` for n baseline and m treatment values (normal, continuity-corrected).
    func probability(atLeast threshold: Double, shift mu: Double, n: Int, m: Int) -> Double {
        let (p, qX, qY) = probabilities(mu)
        let nm = Double(n * m)
        let variance = nm * (p * (1 - p) + Double(n - 1) * (qX - p * p) + Double(m - 1) * (qY - p * p))
        let gap = threshold - 0.5 - nm * p
        guard variance > 0 else { return gap <= 0 ? 1 : 0 }
        return 0.5 * erfc(gap / (2 * variance).squareRoot())
    }

    /// Probability that a true log-change μ is called with n baseline and m treatment values, k the Moses order
    /// statistic of the interval at those sizes.
    func power(_ mu: Double, margin: Double, n: Int, m: Int, k: Int) -> Double {
        let nm = Double(n * m)
        let significant = probability(atLeast: nm + 1 - Double(k), shift: mu, n: n, m: m)
        let beyondMargin = probability(atLeast: nm / 2 + 0.5, shift: mu - margin, n: n, m: m)
        return min(significant, beyondMargin)
    }

    /// The true log-change called with 80% probability at the package's own sample sizes (k exactly as its
    /// interval took it); NaN if none is.
    func detectableLogEffect(margin: Double) -> Double {
        guard let k = Inference.mosesOrderStatistic(n: nA, m: nB, confidence: 0.95) else { return .nan }
        let range = sides.map { $0.last! - $0.first! }.max()!
        return PowerPlan.eightyPercentPoint(from: margin, step: range + margin) { power($0, margin: margin, n: nA, m: nB, k: k) }
    }

    /// The smallest iteration count per condition at which a true log-change `target` is called with 80%
    /// probability by this rule. The order statistic is exact up to 20 values per side and its normal
    /// approximation beyond (they differ by at most one there): planning at every size up to 50 would otherwise
    /// tabulate each size's exact null distribution, megabytes apiece.
    func iterationsNeeded(target: Double, margin: Double) -> Int? {
        PowerPlan.smallestIterations { n in
            guard let k = Inference.mosesOrderStatistic(n: n, m: n, confidence: 0.95, exactUpTo: 400) else { return false }
            return power(target, margin: margin, n: n, m: n, k: k) >= 0.8
        }
    }
}
