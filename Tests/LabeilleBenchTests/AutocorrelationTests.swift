import Foundation
import XCTest
import LabeilleCore
@testable import LabeilleStats

/// The variance factor for means of consecutive, autocorrelated iterations, against numpy's matrix computation
/// (scripts/reference/autocorrelation_reference.py), and which fits take the assumed machine state.
final class AutocorrelationTests: XCTestCase {
    func testVarianceFactorMatchesTheMatrixComputation() {
        for r in AutocorrelationReference.factors {
            let factor = Autocorrelation.varianceFactor(rho1: r.rho1, phi: r.phi, n: Double(r.n))
            XCTAssertEqual(factor, r.factor, accuracy: 1e-12 * r.factor, "ρ₁ \(r.rho1), φ \(r.phi), n \(r.n)")
        }
    }

    func testTheAssumedStateIsAFifthOfTheVarianceWithPersistence07() throws {
        for n in [2, 3, 4] {
            let r = try XCTUnwrap(AutocorrelationReference.factors.first { $0.rho1 == 0.14 && $0.phi == 0.7 && $0.n == n })
            XCTAssertEqual(Autocorrelation.assumedFactor(n: Double(n)), r.factor, accuracy: 1e-12)
        }
    }

    /// The reason 3-value runs cannot estimate their own state: the three lag sums of a demeaned 3-series are tied.
    func testTheLagSumsOfADemeanedThreeSeriesAreTied() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20 {
            let x = (0..<3).map { _ in rng.normal() + (rng.uniform() < 0.1 ? 3 : 0) }
            let mean = x.reduce(0, +) / 3
            let v = x.map { $0 - mean }
            let s = Autocorrelation.sums([v])
            XCTAssertEqual(s.squares + 2 * s.lag + 2 * s.lag2, 0, accuracy: 1e-12)
        }
    }

    /// Cross-run packages with runs of 3 values are inflated by the assumed state; runs of 6 values estimate
    /// their own (here none: alternating noise), and values of one run (no run means) keep their variance.
    func testShortRunsTakeTheAssumedStateLongerRunsTheirOwn() throws {
        func packages(_ pattern: [Double], runNoise: RunNoise?) -> [PackageComparison] {
            (0..<12).map { p in
                let a = pattern.map { exp($0 * Double(1 + p % 3)) }
                let b = pattern.reversed().map { exp($0 * Double(1 + p % 3) + 0.001 * Double(p)) }
                return Comparator.compare(package: "p\(p)", baseline: "a", treatment: "b", metric: "wall", a: a, b: b,
                                          runNoise: runNoise, threshold: 0.01)
            }
        }
        let floor = RunNoise(source: .floor, size: 0.01)
        let cases: [(pattern: [Double], runNoise: RunNoise?, factor: Double)] = [
            ([0.01, -0.004, -0.006], floor, Autocorrelation.assumedFactor(n: 3)),
            ([0.01, -0.01, 0.008, -0.008, 0.012, -0.012], floor, 1),
            ([0.01, -0.004, -0.006], nil, 1),
        ]
        for (pattern, runNoise, expected) in cases {
            var comps = packages(pattern, runNoise: runNoise)
            let before = try comps.map { try XCTUnwrap($0.fit).variance }
            Autocorrelation.inflate(&comps)
            for (c, v) in zip(comps, before) {
                XCTAssertEqual(try XCTUnwrap(c.fit).variance / v, expected, accuracy: 1e-12, "\(pattern.count) values, \(c.package)")
            }
        }
        XCTAssertGreaterThan(Autocorrelation.assumedFactor(n: 3), 1.4)
    }

    /// The expected lag ratios of a demeaned series against numpy's matrix traces, and the state they give back.
    func testTheStateIsMatchedToTheExactLagRatiosOfDemeanedSeries() throws {
        for r in AutocorrelationReference.lagRatios {
            let iid = Autocorrelation.DemeanedLagSums(length: r.n, rho1: r.rho1, phi: r.phi)
            XCTAssertEqual(iid.lag1 / iid.squares, r.lag1, accuracy: 1e-12, "ρ₁ \(r.rho1), φ \(r.phi), n \(r.n)")
            XCTAssertEqual(iid.lag2 / iid.squares, r.lag2, accuracy: 1e-12, "ρ₁ \(r.rho1), φ \(r.phi), n \(r.n)")
            guard Double(r.n) >= Autocorrelation.exactFromLength else { continue }
            let state = try XCTUnwrap(Autocorrelation.stateMatching(lagRatio: r.lag1, lag2Ratio: r.lag2, n: Double(r.n)))
            XCTAssertEqual(state.rho1, r.rho1, accuracy: 1e-9, "n \(r.n)")
            XCTAssertEqual(state.phi, r.phi, accuracy: 1e-9, "n \(r.n)")
        }
        // The plain correction (ratio + 1/n) reads about half of a realistic machine state at 10 values.
        let realistic = try XCTUnwrap(AutocorrelationReference.lagRatios.first { $0.rho1 == 0.093 && $0.n == 10 })
        XCTAssertLessThan(realistic.lag1 + 0.1, 0.6 * realistic.rho1)
        // Independent noise reads as no state.
        let white = Autocorrelation.DemeanedLagSums(length: 10, rho1: 0, phi: 0)
        XCTAssertNil(Autocorrelation.stateMatching(lagRatio: white.lag1 / white.squares, lag2Ratio: white.lag2 / white.squares, n: 10))
    }
}
