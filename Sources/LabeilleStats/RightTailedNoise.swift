import Foundation
import LabeilleCore

/// The log-times of one package's two sides, kept for the suite-level steps that need the values themselves.
struct LogSamples: Sendable {
    var a: [Double]
    var b: [Double]
}

/// A package's tail-robust candidate: the Hodges–Lehmann shift of log-times and its standard error with the
/// degrees of freedom of the t distribution fitted to the suite's relabelings (see `RightTailedNoise`).
struct TailRobustShift: Sendable {
    var estimate: Double
    var standardError: Double
    var df: Double
    /// The fit's variance when the candidate was made: a later correction of that variance (autocorrelation
    /// within the runs of a cross-run pair) scales this standard error by the same factor.
    var fitVariance: Double
}

/// A suite-level step for timings with a heavy right tail (the odd iteration slowed by a collection, I/O or a
/// busy neighbour), which the t methods handle badly at 4–5 values per side: the mean of log-times is dragged
/// by a slow value and the sample variance is dominated by it, so a clear change rarely reaches the p ≈ 0.001
/// a lone discovery among 50 packages needs.
///
/// Detection: under symmetric noise a sample's skew (max + min − 2·median)/(max − min) is symmetric about 0,
/// and the samples of the packages are independent, so the Wilcoxon signed-rank test of the skews against 0
/// holds whatever the noise's shape; a one-sided p below 1% marks the suite's noise as right-tailed.
///
/// Where it is, a package with two unpaired sides of 4–20 values (within one run, across two runs, or 4–7 per block in
/// block order after the drift correction; see `eligible`) gets a robust candidate: the Hodges–Lehmann
/// shift H (median of the pairwise differences) over a spread S that leaves out the largest residual about the
/// sides' medians. H/S does not depend on the package's level or scale, so when the packages' noise shares one
/// shape (whatever it is) H/S has one null distribution across the suite, and the mixture of the packages' own
/// relabeling (permutation) distributions estimates it without bias. That distribution's 95% and 99.9% points,
/// each moved out by one standard error of its tail share, are matched by c·t_ν, so the candidate is an ordinary t estimate (standard error c·S, ν degrees of freedom)
/// that joins the suite's later steps like the other t methods. A true change in another
/// package only widens the reference (conservative).
enum RightTailedNoise {
    /// Level of the suite's skew test.
    static let level = 0.01
    /// Packages of one sample size needed for the reference distribution.
    static let minimumPackages = 10
    /// Values per side below which the robust spread has too little to work with (3 per side loses to the t).
    static let minimumPerSide = 4
    /// Relabelings per package: all of them up to this count (5 vs 5 has 252), else this many at random; fewer
    /// (down to 64) when many packages share the reference, which then has enough values anyway.
    static let relabelingsPerPackage = 256
    static let relabelingBudget = 25_000
    /// Values per side above which the step does not apply: the rank tests and the t methods have enough to
    /// work with there, and the relabelings grow with n².
    static let maximumPerSide = 20
    /// Block order: the most values per block for which the robust shift applies. From 8 values the machine
    /// state is matched exactly (see `Autocorrelation`) and the drift-adjusted t holds its power under a tail
    /// (a lone +20% among 50 heavy-tailed packages at 10 per block: 89% of suites), while relabelings, which
    /// cannot see the state, put a false call in 6% of realistic suites there.
    static let maximumPerBlock = 7
    /// Fixed seed for the sampled relabelings: the same data always give the same verdicts.
    static let seed: UInt64 = 0x7A11_5EED

    /// The skew of one sample, (max + min − 2·median)/(max − min): an odd function of the centred values, so
    /// symmetric about 0 under symmetric noise; near +1 when one slow value stands out. Nil under 3 values or
    /// when they are all equal.
    static func skew(_ values: [Double]) -> Double? {
        guard values.count >= 3, let low = values.min(), let high = values.max(), high > low else { return nil }
        return (high + low - 2 * Statistics.median(values)) / (high - low)
    }

    /// One-sided p of the Wilcoxon signed-rank test that the skews lean right (its null distribution is
    /// symmetric, so half the two-sided p on that side).
    static func rightSkewP(_ skews: [Double]) -> Double {
        let test = SignedRankTest(skews)
        guard test.n > 0 else { return 1 }
        let half = test.p / 2
        return test.wPlus > Double(test.n * (test.n + 1)) / 4 ? half : 1 - half
    }

    /// Whether the samples of a comparison are skewed right more than symmetric noise allows.
    static func isRightTailed(_ comparisons: [PackageComparison]) -> Bool {
        var skews: [Double] = []
        for c in comparisons {
            guard let s = c.logSamples else { continue }
            for side in [s.a, s.b] { if let g = skew(side) { skews.append(g) } }
        }
        return skews.count >= 2 * minimumPackages && rightSkewP(skews) < level
    }

    /// Hodges–Lehmann shift of b over a, and the root mean square of the residuals about each side's median
    /// without the largest one (one per 10 values), which a single slow iteration cannot inflate.
    static func shiftAndSpread(_ a: [Double], _ b: [Double]) -> (shift: Double, spread: Double) {
        var differences: [Double] = []
        differences.reserveCapacity(a.count * b.count)
        for y in b { for x in a { differences.append(y - x) } }
        let ma = Statistics.median(a), mb = Statistics.median(b)
        let residuals = (a.map { $0 - ma } + b.map { $0 - mb }).sorted()
        let kept = residuals.count - max(1, residuals.count / 10)
        let sum = residuals[..<kept].reduce(0) { $0 + $1 * $1 }
        return (Statistics.median(differences), (sum / Double(kept)).squareRoot())
    }

    /// |H/S| over the relabelings of one package's pooled values into sides of `nA` and the rest: all of them
    /// when there are at most `relabelingsPerPackage`, else that many drawn at random.
    static func relabeledStatistics(_ pooled: [Double], nA: Int, count: Int = relabelingsPerPackage, rng: inout SplitMix64) -> [Double] {
        relabeledStatistics(pooled, nA: nA, count: count, rng: &rng) { a, b in
            let s = shiftAndSpread(a, b)
            return s.spread > 0 ? abs(s.shift) / s.spread : nil
        }
    }

    /// A statistic of the two sides over the relabelings of one package's pooled values, as above; a relabeling
    /// whose statistic is nil is left out.
    static func relabeledStatistics(_ pooled: [Double], nA: Int, count: Int = relabelingsPerPackage, rng: inout SplitMix64,
                                    statistic: ([Double], [Double]) -> Double?) -> [Double] {
        var out: [Double] = []
        func add(_ inA: [Bool]) {
            var a: [Double] = [], b: [Double] = []
            for (v, side) in zip(pooled, inA) { if side { a.append(v) } else { b.append(v) } }
            if let x = statistic(a, b) { out.append(x) }
        }
        let n = pooled.count
        if n <= 12 && binomial(n, nA) <= Double(count) {
            for mask in 0..<(1 << n) where mask.nonzeroBitCount == nA {
                add((0..<n).map { mask & (1 << $0) != 0 })
            }
            return out
        }
        var order = Array(0..<n)
        for _ in 0..<count {
            for i in 0..<nA { order.swapAt(i, i + Int(rng.uniform() * Double(n - i))) }
            var inA = [Bool](repeating: false, count: n)
            for i in 0..<nA { inA[order[i]] = true }
            add(inA)
        }
        return out
    }

    static func binomial(_ n: Int, _ k: Int) -> Double {
        (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) }
    }

    /// The mixture of the packages' relabeling distributions: the share of each package's |H/S| at or above x,
    /// averaged, and that average's standard error over the packages (a tail held up by a few packages is
    /// uncertain).
    struct Reference {
        /// Each package's relabeled |H/S|, ascending.
        var packages: [[Double]]

        func tailShare(_ x: Double) -> (share: Double, standardError: Double) {
            let shares = packages.map { sorted -> Double in
                var lo = 0, hi = sorted.count
                while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] < x { lo = mid + 1 } else { hi = mid } }
                return Double(sorted.count - lo) / Double(sorted.count)
            }
            let m = Double(shares.count), mean = shares.reduce(0, +) / m
            let variance = shares.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(m - 1, 1)
            return (mean, (variance / m).squareRoot())
        }

        /// The point whose tail share plus one standard error is `p`: the reference leans towards wider intervals
        /// and larger p-values by as much as it is uncertain. (Exactly calibrated p-values would put
        /// Benjamini–Hochberg's chance of any false call in a suite of unchanged packages at its full 5%.)
        func upperPoint(_ p: Double) -> Double {
            var lo = 0.0, hi = packages.compactMap(\.last).max() ?? 0
            guard hi > 0 else { return .nan }
            for _ in 0..<60 {
                let mid = (lo + hi) / 2, t = tailShare(mid)
                if t.share + t.standardError > p { lo = mid } else { hi = mid }
            }
            return hi
        }
    }

    /// c and ν with c·t_ν matching the reference's 95% and 99.9% points: the 95% point sets the interval, the
    /// 99.9% point the p-values where a lone discovery among 50 packages is decided.
    static func tReference(_ reference: Reference) -> (scale: Double, df: Double)? {
        guard reference.packages.count >= minimumPackages else { return nil }
        return tReference(q95: reference.upperPoint(0.05), q999: reference.upperPoint(0.001))
    }

    static func tReference(q95: Double, q999: Double) -> (scale: Double, df: Double)? {
        guard q95 > 0, q999.isFinite, q999 > 0 else { return nil }
        func ratio(_ df: Double) -> Double {
            Distributions.studentTQuantile(p: 0.9995, df: df) / Distributions.studentTQuantile(p: 0.975, df: df)
        }
        let target = q999 / q95
        var df: Double
        if target <= ratio(1e6) {
            df = .infinity
        } else if target >= ratio(1) {
            df = 1
        } else {
            var lo = 0.0, hi = log(1e6)
            for _ in 0..<40 {
                let mid = (lo + hi) / 2
                if ratio(exp(mid)) > target { lo = mid } else { hi = mid }
            }
            df = exp((lo + hi) / 2)
        }
        let q975 = df.isFinite ? Distributions.studentTQuantile(p: 0.975, df: df) : Distributions.normalQuantile(0.975)
        return (q95 / q975, df)
    }

    /// Gives each eligible package of a right-tailed suite its tail-robust candidate (the method choice then
    /// prefers it to the t methods, not to an exact rank test that can reach the family's threshold).
    static func resolve(_ comparisons: inout [PackageComparison]) {
        guard isRightTailed(comparisons) else { return }
        // Relabelings presume exchangeable values, and two blocks measured apart are not when their iterations
        // share a machine state. At 5 values per block a real state reads small, so any state the pooled lag sums
        // show (not negligible, ρ₁ > 0.02) keeps the drift-adjusted t: realistic block-ordered suites, 500 at 5 per
        // block, 7.4% → 5.2% with a false call. Under independent noise ρ₁ reads above 0.02 in many suites too,
        // which costs the robust shift's power there (heavy tails: lone +20% 83.8% → 80.2% of 400 suites).
        let blocksExchangeable = Autocorrelation.pooledState(comparisons) == nil
        // Within-run and cross-run packages are referred to separately: their relabelings differ in kind.
        var groups: [[Int]: [Int]] = [:]
        for i in comparisons.indices where eligible(comparisons[i]) && (blocksExchangeable || comparisons[i].order != .block) {
            let s = comparisons[i].logSamples!
            groups[[s.a.count, s.b.count, referenceKind(comparisons[i])], default: []].append(i)
        }
        var rng = SplitMix64(seed: seed)
        for (sizes, members) in groups.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) where members.count >= minimumPackages {
            let count = min(relabelingsPerPackage, max(64, relabelingBudget / members.count))
            let packages = members.map { i -> [Double] in
                return relabeledStatistics(relabelingPool(comparisons[i]), nA: sizes[0], count: count, rng: &rng).sorted()
            }
            guard let reference = tReference(Reference(packages: packages.filter { !$0.isEmpty })) else { continue }
            for i in members {
                let s = sides(comparisons[i]), own = shiftAndSpread(s.a, s.b)
                guard own.spread > 0, let fit = comparisons[i].fit else { continue }
                comparisons[i].tailRobust = TailRobustShift(estimate: own.shift, standardError: reference.scale * own.spread,
                                                            df: reference.df, fitVariance: fit.variance)
            }
        }
    }

    /// The values a package's relabelings draw from. Within one run, the pooled log-times. Across runs each side
    /// first loses its own median: two runs differ in level (and in their slowly moving machine state), which a
    /// relabeling would mix into both H and S. Each side centred on its own, the relabelings reflect the shape of
    /// the noise within a run only; what the runs add (their levels, the state a run's iterations share) joins
    /// the standard error afterwards as known variances (see `MethodChoice.resolveTailRobust`). Centring removes
    /// the sides' difference from H and S alike, so their ratio keeps its null distribution.
    /// Block order is like two runs in this: the blocks share different stretches of the machine's state, and
    /// what the drift correction leaves uncertain is no part of the values' shape, so its sides are centred too.
    static func relabelingPool(_ c: PackageComparison) -> [Double] {
        let s = sides(c)
        guard c.order == .crossRun || c.order == .block else { return s.a + s.b }
        let ma = Statistics.median(s.a), mb = Statistics.median(s.b)
        return s.a.map { $0 - ma } + s.b.map { $0 - mb }
    }

    /// Packages whose relabelings differ in kind are referred separately: within one run, across runs, and
    /// block order.
    static func referenceKind(_ c: PackageComparison) -> Int {
        switch c.order {
        case .crossRun: return 1
        case .block: return 2
        default: return 0
        }
    }

    /// The package's two sides on the log scale. In block order each value less the drift the fit removes
    /// over its time (the suite's prediction when the package borrowed it), so the shift between the sides
    /// is the drift-corrected effect.
    static func sides(_ c: PackageComparison) -> LogSamples {
        guard c.order == .block, let drift = c.blockDrift, drift.blocks.count == 2 else { return c.logSamples! }
        func corrected(_ block: BlockDrift.Block) -> [Double] { zip(block.values, block.times).map { $0 - drift.slope * $1 } }
        let effect = drift.meanDifference - drift.gap * drift.slope
        return LogSamples(a: corrected(drift.blocks[0]), b: corrected(drift.blocks[1]).map { $0 + effect })
    }

    /// Two unpaired sides of 4–20 values each: within one run, from two runs with a known run-to-run noise, or
    /// in block order once the drift is estimated. Not relative to a control condition (the difference in
    /// differences has no two samples to relabel).
    static func eligible(_ c: PackageComparison) -> Bool {
        guard let s = c.logSamples, let fit = c.fit, min(s.a.count, s.b.count) >= minimumPerSide,
              max(s.a.count, s.b.count) <= maximumPerSide else { return false }
        switch c.order {
        case .crossRun: return fit.meansOfRuns
        case .block: return max(s.a.count, s.b.count) <= maximumPerBlock && c.blockDrift != nil
        case .unpaired, .pairedAnalysedUnpaired: return true
        default: return false
        }
    }
}

extension MethodChoice {
    /// Decides with the tail-robust candidate, its standard error joined by the known variances the relabelings
    /// cannot see, as in the t methods: the run-to-run noise of a cross-run pair, and what a later correction adds
    /// to the fit's variance (the machine state the iterations of one run share, see `Autocorrelation`). That
    /// state moves a robust location as much as the mean, so its part is added, not scaled with the robust
    /// standard error (which leaves out the tail and would shrink it). Its power figures are the t plan at its
    /// scale and degrees of freedom, allowing for the suite's tail weight like the t methods': the spread is
    /// estimated from the same few values, and under a heavy tail it too is far less stable than its degrees of
    /// freedom say (without the allowance, 70–72% of heavy-tailed packages shifted by the reported effect were
    /// called at 5 values per side, not 80%).
    static func resolveTailRobust(_ c: inout PackageComparison, _ robust: TailRobustShift, fit: LogRatioFit,
                                  kurtosis: Double, threshold: Double, quantiles: inout TQuantileCache) {
        let own = robust.standardError * robust.standardError
        // In block order the means' part of the fit's scale is what the robust shift replaces.
        let meansScale = c.blockDrift?.meansScale ?? fit.scale
        var state = fit.variance.isFinite ? max(0, fit.variance - robust.fitVariance) * meansScale : 0
        if fit.meansOfRuns {
            // The pooled estimate of the state under-reads it in short runs, which the t methods' tail-inflated
            // variances absorb and the robust one does not: at least the assumed state applies.
            state = max(state, own * (Autocorrelation.assumedFactor(n: fit.sequenceLength) - 1))
        }
        let se2: Double, df: Double
        if let drift = c.blockDrift, fit.variance.isFinite, fit.df > 0 {
            // The drift correction's uncertainty joins it (the relabelings of centred blocks cannot see it). It
            // and the state are the fit's variance times constants, estimated from as few values as the robust
            // spread, not known: Welch–Satterthwaite with the fit's degrees of freedom. (Counted as known, their
            // extra degrees of freedom put a false call in 6.8% of heavy-tailed suites at 5 per block.)
            let fromFit = drift.effectCorrectionVariance(fit) + state
            se2 = own + fit.extraVariance + fromFit
            df = satterthwaiteDF(parts: [(own, robust.df), (fromFit, fit.df)], known: fit.extraVariance)
        } else {
            se2 = own + fit.extraVariance + state
            df = satterthwaiteDF(own: own, df: robust.df, known: fit.extraVariance + state)
        }
        c.method = .tailRobustShift
        setTEstimate(&c, estimate: robust.estimate, se: se2.squareRoot(), df: df, quantiles: &quantiles)
        let power = PowerPlan(variance: (se2 - fit.extraVariance) / fit.scale, scale: fit.scale, extra: fit.extraVariance,
                              df: robust.df.isFinite ? robust.df : 1e6, priorDF: 0, fit: fit, kurtosis: kurtosis)
        setPower(&c, power, threshold: threshold, quantiles: &quantiles)
    }
}
