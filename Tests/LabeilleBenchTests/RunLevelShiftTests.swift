import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleStats

/// The common shift of a cross-run comparison: estimated and tested once, and the packages' calls checked
/// against it (a suite that moved together within run-to-run noise must not produce a column of "slower").
final class RunLevelShiftTests: XCTestCase {
    /// 50 quiet packages (CV 0.1%, 10 per side) from two runs, each moved by `shift`, package `lone` by `loneShift`.
    func suite(shift: Double, lone: Int? = nil, loneShift: Double = 0, packages: Int = 50) -> ([PackageComparison], RunLevelShift?) {
        let pattern = [0.0, 0.001, -0.001, 0.0005, -0.0005, 0.0015, -0.0015, 0.0002, -0.0002, 0.0]
        var comps: [PackageComparison] = []
        for p in 0..<packages {
            let a = pattern.map { exp($0) }
            let move = p == lone ? loneShift : shift
            let b = pattern.reversed().map { exp($0 + move + 0.0003 * Double(p % 5 - 2)) }
            comps.append(Comparator.compare(package: "p\(p)", baseline: "a", treatment: "b", metric: "wall", a: a, b: b,
                                            runNoise: RunNoise(source: .floor, size: 0.01), threshold: 0.01))
        }
        let shift = Comparator.finalize(&comps, threshold: 0.01)
        return (comps, shift)
    }

    func testASuiteMovingTogetherWithinRunNoiseIsOneRunLevelEventNotFiftyCalls() throws {
        // +3.3%: each package alone is significant against √2·1% run noise (p ≈ 0.02), the shared shift is not at 1%.
        let (comps, shift) = suite(shift: 0.033)
        let s = try XCTUnwrap(shift)
        XCTAssertEqual(s.packages, 50)
        XCTAssertEqual(s.ratio, exp(0.033), accuracy: 0.001)
        XCTAssertFalse(s.significant)
        XCTAssertGreaterThan(s.p, RunLevelShift.alpha)
        XCTAssertLessThan(s.p, 0.05)
        XCTAssertEqual(s.withheldCalls, 50)
        XCTAssertTrue(comps.allSatisfy { $0.verdict == .inconclusive && $0.inconclusiveReason == RunLevelShift.reason })
        // The intervals are those of the packages on their own (each still includes the run-to-run noise).
        XCTAssertTrue(comps.allSatisfy { $0.ratioLow > 1 })
    }

    func testAPackageStandingOutFromTheCommonShiftIsStillCalled() throws {
        let (comps, shift) = suite(shift: 0.033, lone: 7, loneShift: 0.2)
        XCTAssertFalse(try XCTUnwrap(shift).significant)
        XCTAssertEqual(comps[7].verdict, .slower)
        XCTAssertLessThan(comps[7].runShiftDeviationQ, RunLevelShift.packageAlpha)
        XCTAssertEqual(comps.filter { $0.verdict == .slower }.count, 1)
    }

    func testASuiteWideChangeBeyondRunNoiseIsCalledForEveryPackage() throws {
        let (comps, shift) = suite(shift: log(1.1))
        let s = try XCTUnwrap(shift)
        XCTAssertTrue(s.significant)
        XCTAssertEqual(s.withheldCalls, 0)
        XCTAssertTrue(comps.allSatisfy { $0.verdict == .slower })
    }

    func testFewPackagesOrOneRunHaveNoCommonShift() {
        XCTAssertNil(suite(shift: 0.033, packages: RunLevelShift.minimumPackages - 1).1)
        var within = (0..<20).map { p in
            Comparator.compare(package: "p\(p)", baseline: "a", treatment: "b", metric: "wall", a: [1, 1.001, 0.999],
                               b: [1.05, 1.051, 1.049], threshold: 0.01)
        }
        XCTAssertNil(Comparator.finalize(&within, threshold: 0.01))
        XCTAssertTrue(within.allSatisfy { $0.runShiftDeviationQ.isNaN })
    }

    func testTheShiftIsReportedOnceInTheNotesAndTheJSON() throws {
        let (comps, shift) = suite(shift: 0.033)
        var set = ComparisonSet(baseline: "r1/a", treatment: "r2/a", comparisons: comps, summary: Comparator.summarize(comps))
        set.runLevelShift = shift
        let note = try XCTUnwrap(set.analysisNotes.first { $0.label == "Run-level shift" })
        XCTAssertTrue(note.text.contains("the 50 packages' common shift (median) is +3.4%"), note.text)
        // The geometric mean's interval includes the shared run noise (±1.96·√2·1%), not only the packages' spread.
        let suiteSummary = Comparator.summarize(comps)
        XCTAssertEqual(log(suiteSummary.geomeanHigh / suiteSummary.geomeanLow), 2 * 1.96 * 2.0.squareRoot() * 0.01, accuracy: 0.002)
        XCTAssertTrue(note.text.contains("50 call(s) withheld"), note.text)
        let json = ComparisonJSONRenderer().render([set], threshold: 0.01)
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let summary = try XCTUnwrap(doc["summary"] as? [String: Any])
        let r = try XCTUnwrap(summary["run_level_shift"] as? [String: Any])
        XCTAssertEqual(r["significant"] as? Bool, false)
        XCTAssertEqual(r["withheld_calls"] as? Int, 50)
        XCTAssertEqual(try XCTUnwrap(r["ratio"] as? Double), exp(0.033), accuracy: 0.001)
        let first = try XCTUnwrap((doc["comparisons"] as? [[String: Any]])?.first)
        XCTAssertNotNil(first["run_shift_deviation_q"] as? Double)
    }
}

/// Pairing at 3–5 pairs is judged over the suite: rounds whose two values do not co-vary are analysed unpaired
/// (more degrees of freedom), rounds that share drift stay paired.
final class PairingChoiceTests: XCTestCase {
    func suite(sharedDrift: Double, seed: UInt64) -> [PackageComparison] {
        var rng = SplitMix64(seed: seed)
        var comps = (0..<20).map { p -> PackageComparison in
            var a: [Double] = [], b: [Double] = []
            for r in 0..<5 {
                let round = sharedDrift * Double(r)
                a.append(exp(round + 0.01 * rng.normal())); b.append(exp(round + 0.01 * rng.normal()))
            }
            return Comparator.compare(package: "p\(p)", baseline: "a", treatment: "b", metric: "wall", a: a, b: b,
                                      roundsA: Array(0..<5), roundsB: Array(0..<5), threshold: 0.01)
        }
        Comparator.finalize(&comps, threshold: 0.01)
        return comps
    }

    func testIndependentRoundsAreAnalysedUnpairedAndDriftingRoundsStayPaired() {
        let independent = suite(sharedDrift: 0, seed: 11)
        XCTAssertTrue(independent.allSatisfy { $0.order == .pairedAnalysedUnpaired && $0.method == .moderatedT })
        XCTAssertTrue(independent.allSatisfy { $0.df >= 8 }, "\(independent.map(\.df))")
        let drifting = suite(sharedDrift: 0.02, seed: 12)
        XCTAssertTrue(drifting.allSatisfy { $0.order == .paired && $0.method == .pairedModeratedT })
    }

    func testTooFewPackagesKeepTheirPairs() {
        var comps = (0..<PairingChoice.minimumPackages - 1).map { p in
            Comparator.compare(package: "p\(p)", baseline: "a", treatment: "b", metric: "wall", a: [1, 1.01, 0.99, 1.005],
                               b: [1.003, 0.992, 1.008, 1.0], roundsA: [0, 1, 2, 3], roundsB: [0, 1, 2, 3], threshold: 0.01)
        }
        Comparator.finalize(&comps, threshold: 0.01)
        XCTAssertTrue(comps.allSatisfy { $0.order == .paired })
    }
}
