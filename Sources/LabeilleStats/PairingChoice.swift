import Foundation
import LabeilleCore

/// Whether pairing by schedule round pays, decided for the whole suite when the packages have too few pairs
/// to tell on their own.
///
/// Pairing removes what the two values of a round share (drift, the machine's state); when they share
/// nothing it only halves the degrees of freedom, and at 3–5 pairs that decides the power: a lone +20%
/// change among 50 packages needs p ≤ 0.001, where t at 4 df needs 8.6 standard errors and at 8 df 5.0. One
/// package's 3–5 pairs cannot show whether its values co-vary, but the packages of one comparison ran on one
/// machine under one schedule, so their rank correlations pooled do. The correlation does not depend on a
/// shift between the conditions, so choosing by it keeps the tests' error rates, and the unpaired analysis
/// of alternating rounds is valid either way (co-varying values only make it conservative).
struct PairingAlternative: Sendable {
    /// Spearman correlation of the two values of a round over the package's pairs.
    var correlation: Double
    var unpairedFit: LogRatioFit
    var unpairedRank: RankEstimate?
}

enum PairingChoice {
    /// Below this pooled rank correlation pairing is not worth its degrees of freedom (the same bound as for one
    /// package with 6 or more pairs).
    static let minimumCorrelation = 0.3
    /// Packages needed to judge the suite's correlation (its standard error is then ≤ about 0.2 at 3 pairs).
    static let minimumPackages = 10

    /// Analyses the packages with 3–5 pairs unpaired when their mean rank correlation is below the bound.
    static func resolve(_ comparisons: inout [PackageComparison]) {
        let candidates = comparisons.indices.filter { comparisons[$0].pairingAlternative?.correlation.isFinite == true }
        defer { for i in candidates { comparisons[i].pairingAlternative = nil } }
        guard candidates.count >= minimumPackages else { return }
        let mean = Statistics.mean(candidates.map { comparisons[$0].pairingAlternative!.correlation })
        guard mean < minimumCorrelation else { return }
        for i in candidates {
            let alternative = comparisons[i].pairingAlternative!
            comparisons[i].order = .pairedAnalysedUnpaired
            comparisons[i].fit = alternative.unpairedFit
            comparisons[i].rank = alternative.unpairedRank
        }
    }

    /// Spearman correlation of paired values, nil when either side is constant.
    static func rankCorrelation(_ a: [Double], _ b: [Double]) -> Double? {
        let ra = SignedRankTest.averageRanks(a), rb = SignedRankTest.averageRanks(b)
        let ma = Statistics.mean(ra), mb = Statistics.mean(rb)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in ra.indices { sab += (ra[i] - ma) * (rb[i] - mb); saa += (ra[i] - ma) * (ra[i] - ma); sbb += (rb[i] - mb) * (rb[i] - mb) }
        guard saa > 0, sbb > 0 else { return nil }
        return sab / (saa * sbb).squareRoot()
    }
}
