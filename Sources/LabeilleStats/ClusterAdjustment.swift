import Foundation
import LabeilleCore

/// Reads a package's shift under clustered noise with each value's cluster as a covariate.
///
/// Where a suite's small samples fall into separate clusters (see `ClusteredNoise`), the t test on the means
/// cannot tell a baseline wholly in one cluster and a treatment wholly in the other from a clean shift, so
/// those calls are withheld. When each of a package's two samples shows both clusters, though, the gap between
/// the clusters is measured within each condition and need not be confused with the shift: least squares on
/// log-time = level + shift·[treatment] + gap·[upper cluster] reads the shift with the clusters' gap out of the
/// noise. A sample that fell wholly into one cluster usually shows no gap, and its package stays withheld.
///
/// Which values form a cluster is read from the values themselves, so the model's t is not a t: a split
/// within one cluster's noise leaves a residual variance that is small by selection, and two such splits
/// can pass a baseline in one cluster and a treatment in the other as a shift. The t statistic is therefore
/// referred to the suite's relabelings, as the tail-robust shift is (see `RightTailedNoise`): each package's
/// pooled values relabelled into two sides, the clusters read again and the t recomputed, the packages'
/// distributions mixed, and c·t_ν matched to the mixture's 95% and 99.9% points (each moved out by one
/// standard error of its tail share). The standard error is then c times the model's, with ν degrees of
/// freedom. Relabelings need exchangeable values: in block order they are taken on the drift-corrected values
/// (the correction's variance joins the standard error), and across runs and in block order the treatment is
/// first moved back by the suite's common shift (see `relabelings`).
///
/// No detectable effect is promised for these packages: whether the next samples show both clusters is chance.
enum ClusterAdjustment {
    /// A sample shows two clusters when one gap between its sorted values holds at least this share of its
    /// range. Looser than the suite's check (80%): two clusters 8 within-cluster sds apart leave a largest gap
    /// of about 70% of the range at 5 values, and the relabelings calibrate whatever the split lets through.
    static let splitShare = 0.5
    /// Values per side below which the model is not used: at 3 per side a split within one cluster's noise is
    /// as clean as a real one in a third of the samples, and the relabelings of 6 values (20 of them) cannot
    /// calibrate that (50-package bimodal A/A suites with a false call: 9% of 100).
    static let minimumPerSide = 4
    /// A package's clusters' fitted gap must be at least this many residual standard deviations. A sample
    /// wholly in one cluster can still show a gap holding half its range, and two such samples in different
    /// clusters pass the clusters' distance as a shift; their gaps are 2–4 residual sds, where real clusters
    /// stand apart far more clearly (8 in the calibration's bimodal noise). The relabelings are not held to it:
    /// the reference then keeps the large |t| of such splits, which errs on the wide side (held to it, the
    /// reference of cross-run pairs, whose relabelings mix the runs' levels, lost the lone +20% in 46% of suites).
    static let minimumSeparation = 5.0
    /// Least squares needs this many residual degrees of freedom to read a spread.
    static let minimumDF = 2.0
    /// Packages of one sample size needed for the reference distribution.
    static let minimumPackages = RightTailedNoise.minimumPackages
    /// Fixed seed for the sampled relabelings: the same data always give the same verdicts.
    static let seed: UInt64 = 0xC105_7E25

    /// Each value's cluster: 1 above the sample's largest gap, else 0; nil when that gap holds less than
    /// `splitShare` of the range.
    static func clusters(_ values: [Double]) -> [Double]? {
        let s = values.sorted()
        guard s.count >= 3, let low = s.first, let high = s.last, high > low else { return nil }
        var gap = 0.0, cut = low
        for i in 1..<s.count where s[i] - s[i - 1] > gap { gap = s[i] - s[i - 1]; cut = s[i - 1] }
        guard gap >= splitShare * (high - low) else { return nil }
        return values.map { $0 > cut ? 1 : 0 }
    }

    /// The shift of b over a with the clusters as a covariate: its estimate, the residual variance with its
    /// degrees of freedom, the factor that turns that variance into the estimate's squared standard error, and
    /// the clusters' fitted gap in residual standard deviations.
    struct Shift {
        var estimate: Double
        var variance: Double
        var df: Double
        var scale: Double
        var separation: Double
    }

    /// Nil when a side shows no two clusters or too few degrees of freedom remain.
    static func shift(_ a: [Double], _ b: [Double]) -> Shift? {
        guard let upperA = clusters(a), let upperB = clusters(b) else { return nil }
        let rows = upperA.map { [1, 0, $0] } + upperB.map { [1, 1, $0] }
        guard let ls = LeastSquares(rows: rows, y: a + b), ls.df >= minimumDF, ls.residualVariance > 0,
              let scale = ls.varianceFactor(1) else { return nil }
        return Shift(estimate: ls.coefficients[1], variance: ls.residualVariance, df: ls.df, scale: scale,
                     separation: abs(ls.coefficients[2]) / ls.residualVariance.squareRoot())
    }

    /// |t| of the cluster-adjusted shift, nil where the model does not apply.
    static func tStatistic(_ a: [Double], _ b: [Double]) -> Double? {
        shift(a, b).map { abs($0.estimate) / ($0.variance * $0.scale).squareRoot() }
    }

    /// Gives the packages whose t-based calls the clustered-noise check would withhold, and whose two samples
    /// each show both clusters, the cluster-adjusted fit referred to the suite's relabelings. Within-run,
    /// cross-run and block-ordered packages are referred separately; the others fall back to the rank interval.
    static func apply(_ comparisons: inout [PackageComparison], family: Double) {
        var groups: [[Int]: [Int]] = [:]
        let state = Autocorrelation.pooledState(comparisons)
        for i in comparisons.indices where eligible(comparisons[i], family: family) {
            let c = comparisons[i]
            groups[[c.nBaseline, c.nTreatment, RightTailedNoise.referenceKind(c)], default: []].append(i)
        }
        var rng = SplitMix64(seed: seed)
        for (key, members) in groups.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            guard members.count >= minimumPackages else {
                for i in members { fallBackToRank(&comparisons[i]) }
                continue
            }
            let sides = members.map { RightTailedNoise.sides(comparisons[$0]) }
            let own = sides.map { shift($0.a, $0.b) }
            let packages = relabelings(sides, own: own, nA: key[0], withinRun: key[2] == 0, rng: &rng)
            for (k, i) in members.enumerated() {
                // The package's own relabelings stay out of its reference: a large true shift makes them the
                // suite's largest, and they would set the very point its own t is judged against.
                var others = packages
                others.remove(at: k)
                guard let own = own[k], own.separation >= minimumSeparation,
                      let reference = RightTailedNoise.tReference(RightTailedNoise.Reference(packages: others.filter { !$0.isEmpty }))
                else { fallBackToRank(&comparisons[i]); continue }
                adjust(&comparisons[i], own, reference: reference, state: state)
            }
        }
    }

    /// Each member's relabeled |t|, ascending, on the values less the drift the fit removed (block order).
    /// Across runs each run's values carry the run's level, which a relabeling would mix into the clusters'
    /// spread, and in block order the treatment block sits at the drift-corrected effect: the treatment is
    /// first moved back by the suite's common shift (the median of the packages' own; moving each package back
    /// by its own shift made the reference too narrow: coverage 92.7% in bimodal cross-run cells).
    static func relabelings(_ sides: [LogSamples], own: [Shift?], nA: Int, withinRun: Bool, rng: inout SplitMix64) -> [[Double]] {
        let count = min(RightTailedNoise.relabelingsPerPackage, max(64, RightTailedNoise.relabelingBudget / sides.count))
        let shifts = own.compactMap { $0?.estimate }
        let common = withinRun || shifts.isEmpty ? 0 : Statistics.median(shifts)
        return sides.map { s in
            RightTailedNoise.relabeledStatistics(s.a + s.b.map { $0 - common }, nA: nA, count: count, rng: &rng,
                                                 statistic: tStatistic).sorted()
        }
    }

    /// Replaces the package's fit with the cluster-adjusted one: standard error c times the model's with the
    /// reference's degrees of freedom, the run noise kept, and the factor the machine state put on the
    /// original fit's variance kept too.
    static func adjust(_ c: inout PackageComparison, _ own: Shift,
                       reference: (scale: Double, df: Double), state: (rho1: Double, phi: Double)?) {
        guard let original = c.fit, let s = c.logSamples else { return }
        // The relabelings cannot see a machine state shared by consecutive iterations; the factor the state put
        // on the original fit's variance applies to this one too (in block order, the one for the block length).
        let stateFactor: Double
        if c.order == .block {
            stateFactor = state.map { Autocorrelation.varianceFactor(rho1: $0.rho1, phi: $0.phi, n: original.sequenceLength) } ?? 1
        } else {
            let plain = LogFits.twoSample(s.a, s.b).variance
            stateFactor = plain > 0 && original.variance > plain ? original.variance / plain : 1
        }
        var fit = LogRatioFit(estimate: own.estimate, variance: reference.scale * reference.scale * own.variance * stateFactor,
                              df: reference.df, scale: own.scale, perCondition: original.perCondition, extraParameters: 1)
        fit.extraVariance = original.extraVariance
        if let drift = c.blockDrift, c.order == .block, original.df > 0 {
            // The drift correction's uncertainty joins, estimated from the fit's residuals (Welch–Satterthwaite).
            let correction = drift.effectCorrectionVariance(original)
            let model = fit.variance * fit.scale
            fit.df = MethodChoice.satterthwaiteDF(parts: [(model, fit.df), (correction, original.df)], known: 0)
            fit.variance = (model + correction) / fit.scale
        }
        c.fit = fit
        c.unadjustedFit = original
        c.rank = nil
        c.tailRobust = nil
        c.clusterAdjusted = true
    }

    /// A package left out of the model keeps the t's call withheld, but not the t's interval: its samples are
    /// the ones that may lie wholly in one cluster each, where that interval is far too narrow (83% of such
    /// bimodal packages at 5 per side covered the truth). The exact Moses interval of the rank test holds under
    /// any noise shape, so it is reported instead where the two sides are unpaired.
    static func fallBackToRank(_ c: inout PackageComparison) {
        if c.rank?.paired == false { c.rankUnderClusteredNoise = true }
    }

    /// A package the clustered-noise check would withhold: 4–5 values per side, decided by a t method (an exact
    /// rank test that can reach the family's threshold keeps it), within one run, across runs with the run
    /// noise as a floor or from a series (a control's difference in differences is left as it is), or in block
    /// order with the drift estimated.
    static func eligible(_ c: PackageComparison, family: Double) -> Bool {
        guard let fit = c.fit, c.logSamples != nil, c.inconclusiveReason == nil,
              [.unpaired, .pairedAnalysedUnpaired, .paired].contains(c.order) && c.runNoise == nil
                || c.order == .crossRun && fit.meansOfRuns || c.order == .block && c.blockDrift != nil,
              (minimumPerSide...5).contains(min(c.nBaseline, c.nTreatment)) else { return false }
        return !(c.rank.map { MethodChoice.rankReachesFamily($0, fit: fit, family: family) } ?? false)
    }
}

/// Ordinary least squares for a handful of columns, by the normal equations (Gauss–Jordan with pivoting).
struct LeastSquares {
    var coefficients: [Double]
    /// (XᵀX)⁻¹, whose diagonal times the residual variance is each coefficient's squared standard error.
    var inverse: [[Double]]
    var residualVariance: Double
    var df: Double

    init?(rows: [[Double]], y: [Double]) {
        guard let p = rows.first?.count, p > 0, rows.count == y.count, rows.count > p,
              rows.allSatisfy({ $0.count == p }) else { return nil }
        var xtx = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var xty = [Double](repeating: 0, count: p)
        for (row, v) in zip(rows, y) {
            for r in 0..<p {
                xty[r] += row[r] * v
                for s in 0..<p { xtx[r][s] += row[r] * row[s] }
            }
        }
        guard let inverse = LeastSquares.invert(xtx) else { return nil }
        let beta = (0..<p).map { r in (0..<p).reduce(0) { $0 + inverse[r][$1] * xty[$1] } }
        var rss = 0.0
        for (row, v) in zip(rows, y) {
            let r = v - zip(row, beta).reduce(0) { $0 + $1.0 * $1.1 }
            rss += r * r
        }
        coefficients = beta
        self.inverse = inverse
        df = Double(rows.count - p)
        residualVariance = rss / df
        guard residualVariance.isFinite, beta.allSatisfy(\.isFinite) else { return nil }
    }

    func varianceFactor(_ k: Int) -> Double? {
        let v = inverse[k][k]
        return v.isFinite && v > 0 ? v : nil
    }

    /// The inverse of a small symmetric matrix, nil when it is singular to working precision.
    static func invert(_ m: [[Double]]) -> [[Double]]? {
        let p = m.count
        var a = m, inv = (0..<p).map { r in (0..<p).map { $0 == r ? 1.0 : 0.0 } }
        let scale = m.indices.map { abs(m[$0][$0]) }.max() ?? 0
        guard scale > 0, scale.isFinite else { return nil }
        for col in 0..<p {
            guard let pivot = (col..<p).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }),
                  abs(a[pivot][col]) > 1e-12 * scale else { return nil }
            a.swapAt(col, pivot); inv.swapAt(col, pivot)
            let d = a[col][col]
            for j in 0..<p { a[col][j] /= d; inv[col][j] /= d }
            for r in 0..<p where r != col {
                let f = a[r][col]
                guard f != 0 else { continue }
                for j in 0..<p { a[r][j] -= f * a[col][j]; inv[r][j] -= f * inv[col][j] }
            }
        }
        return inv
    }
}
