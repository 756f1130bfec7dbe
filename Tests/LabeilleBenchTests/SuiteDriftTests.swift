import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleStats

/// Block order with the drift borrowed across the suite's packages (`SuiteDrift`): seeded suites of real
/// simulated timings through `Comparator.compare` and `finalize`, and the moment estimate against numpy.
final class SuiteDriftTests: XCTestCase {
    /// One package in block order: n baseline values at times 0..<n, then n treatment values, with log-noise of
    /// sd `cv`, a drift per iteration and a true log-change.
    static func package(_ name: String, n: Int, cv: Double, drift: Double, change: Double, rng: inout SplitMix64) -> PackageComparison {
        let times = (0..<(2 * n)).map(Double.init)
        let logs = times.map { cv * rng.normal() + drift * $0 }
        return Comparator.compare(package: name, baseline: "a", treatment: "b", metric: "wall",
                                  a: logs[..<n].map { exp($0) }, b: logs[n...].map { exp($0 + change) },
                                  timesA: Array(times[..<n]), timesB: Array(times[n...]), threshold: 0.01)
    }

    static func suite(packages: Int, n: Int, seed: UInt64, drift: (Int) -> Double = { _ in 0 },
                      change: (Int) -> Double = { _ in 0 }) -> [PackageComparison] {
        var rng = SplitMix64(seed: seed)
        let cvs = [0.005, 0.01, 0.02, 0.03]
        var comps = (0..<packages).map { p in
            package("p\(p)", n: n, cv: cvs[p % cvs.count], drift: drift(p), change: change(p), rng: &rng)
        }
        Comparator.finalize(&comps, threshold: 0.01)
        return comps
    }

    /// Without drift the suite's drifts are flat, so a package's effect needs no wide own-slope correction: a
    /// lone +20% in a CV 3% package at 5 values per block is called, and its interval is far narrower than the
    /// same package's own correction gives (a suite below the minimum size keeps it).
    func testAFlatSuiteLendsItsDriftAndALoneChangeIsCalled() throws {
        let lone = 3
        let comps = Self.suite(packages: 50, n: 5, seed: 7, change: { $0 == lone ? log(1.2) : 0 })
        let c = comps[lone]
        XCTAssertTrue(c.driftBorrowedFromSuite)
        XCTAssertEqual(c.method, .driftAdjustedT)
        XCTAssertEqual(c.verdict, .slower, "\(c.ratioLow)…\(c.ratioHigh) q \(c.qValue)")
        let suite = try XCTUnwrap(c.suiteDrift)
        XCTAssertEqual(suite.packages, 50)
        XCTAssertLessThan(suite.spread, 0.002)
        XCTAssertEqual(comps.filter { $0.verdict == .slower || $0.verdict == .faster }.count, 1)

        let small = Self.suite(packages: SuiteDrift.minimumPackages - 1, n: 5, seed: 7, change: { $0 == lone ? log(1.2) : 0 })
        XCTAssertNil(small[lone].suiteDrift)
        XCTAssertFalse(small[lone].driftBorrowedFromSuite)
        let widthBorrowed = log(c.ratioHigh / c.ratioLow), widthOwn = log(small[lone].ratioHigh / small[lone].ratioLow)
        XCTAssertLessThan(widthBorrowed, 0.7 * widthOwn)
    }

    /// A drift every package shares (a cache warming up over each package's run) moves the treatment block of
    /// every package: the suite's mean drift removes it, and since that drift is clearly there, the calls that
    /// would rest on extrapolating it are withheld with the reason.
    func testASharedDriftIsRemoved() throws {
        let comps = Self.suite(packages: 40, n: 5, seed: 11, drift: { _ in 0.003 })
        let suite = try XCTUnwrap(comps.first?.suiteDrift)
        XCTAssertEqual(suite.mean, 0.003, accuracy: 0.001)
        XCTAssertEqual(comps.filter { $0.verdict == .slower || $0.verdict == .faster }.count, 0)
        XCTAssertTrue(comps.allSatisfy { $0.inconclusiveReason?.contains("confounded with block order") == true })
        // The block means alone differ by 5 × 0.3% = 1.5%, beyond δ: the uncorrected difference would call the quiet packages.
        let covered = comps.filter { $0.ratioLow <= 1 && 1 <= $0.ratioHigh }.count
        XCTAssertGreaterThanOrEqual(covered, 36)
    }

    /// A trend that restarts with each block (every condition's iterations slow down as it runs, then the next
    /// condition starts fresh) looks like a drift within the blocks; extrapolated across the gap it would make
    /// every unchanged package look faster. The predicted drift is clearly there, so nothing is called.
    func testATrendThatRestartsWithEachBlockIsNotExtrapolated() {
        var rng = SplitMix64(seed: 17)
        let n = 5, times = (0..<(2 * n)).map(Double.init)
        var comps = (0..<30).map { p -> PackageComparison in
            let within = (0..<n).map { 0.004 * Double($0) }
            let a = within.map { exp($0 + 0.005 * rng.normal()) }, b = within.map { exp($0 + 0.005 * rng.normal()) }
            return Comparator.compare(package: "p\(p)", baseline: "a", treatment: "b", metric: "wall", a: a, b: b,
                                      timesA: Array(times[..<n]), timesB: Array(times[n...]), threshold: 0.01)
        }
        Comparator.finalize(&comps, threshold: 0.01)
        XCTAssertTrue(comps.allSatisfy(\.driftBorrowedFromSuite))
        XCTAssertEqual(comps.filter { $0.verdict == .slower || $0.verdict == .faster }.count, 0)
    }

    /// A package whose drift is far out of line with the suite's keeps its own correction, and its significant
    /// drift withholds the call (a linear drift is an extrapolation across the gap between the blocks).
    func testAPackageOutOfLineKeepsItsOwnDriftAndIsWithheld() throws {
        let comps = Self.suite(packages: 20, n: 10, seed: 13, drift: { $0 == 0 ? 0.01 : 0 })
        let c = comps[0]
        XCTAssertFalse(c.driftBorrowedFromSuite)
        XCTAssertEqual(c.verdict, .inconclusive)
        XCTAssertNotNil(c.inconclusiveReason)
        XCTAssertEqual(c.driftPerIteration, 0.01, accuracy: 0.002)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(c.suiteDrift).outOfLine, 1)
        XCTAssertTrue(comps[1...].allSatisfy(\.driftBorrowedFromSuite))
    }

    /// The suite's drifts are said once, in the "Block order" note and in the JSON summary.
    func testTheSuiteDriftIsReported() throws {
        let comps = Self.suite(packages: 20, n: 10, seed: 13, drift: { $0 == 0 ? 0.01 : 0 })
        let drift = try XCTUnwrap(comps.first?.suiteDrift)
        let set = ComparisonSet(baseline: "r/a", treatment: "r/b", comparisons: comps, summary: Comparator.summarize(comps))
        let note = try XCTUnwrap(set.analysisNotes.first { $0.label == "Block order" })
        XCTAssertTrue(note.text.contains("drift predicted from the suite's"), note.text)
        XCTAssertTrue(note.text.contains("\(drift.outOfLine) out of line kept their own"), note.text)
        let json = ComparisonJSONRenderer().render([set], threshold: 0.01)
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let summary = try XCTUnwrap(doc["summary"] as? [String: Any])
        let block = try XCTUnwrap(summary["block_drift"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(block["mean_per_iteration"] as? Double), drift.mean, accuracy: 1e-12)
        XCTAssertEqual(block["packages"] as? Int, 20)
        XCTAssertEqual(block["out_of_line"] as? Int, drift.outOfLine)
        // Below the minimum there is nothing borrowed, and the summary says null.
        let few = Self.suite(packages: 5, n: 10, seed: 13)
        let fewSet = ComparisonSet(baseline: "r/a", treatment: "r/b", comparisons: few, summary: Comparator.summarize(few))
        let fewDoc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ComparisonJSONRenderer().render([fewSet], threshold: 0.01).utf8)) as? [String: Any])
        XCTAssertTrue((fewDoc["summary"] as? [String: Any])?["block_drift"] is NSNull)
    }

    /// The fixed-weight moment estimate of τ² against numpy (scripts/reference/suite_drift_reference.py).
    func testTheSpreadOfTheTrueDriftsMatchesTheReference() throws {
        for r in SuiteDriftReference.cases {
            let tau2 = try XCTUnwrap(SuiteDrift.randomEffectVariance(slopes: r.slopes, weights: r.weights, variances: r.variances))
            XCTAssertEqual(tau2, r.tau2, accuracy: 1e-12 + 1e-9 * r.tau2)
        }
    }

    /// At 3 values per block, with no drift at all, the spread of the true drifts is read as zero in a good share
    /// of suites: its weights no longer move with the variances it subtracts (a package whose variance came out
    /// small got a large weight and a small subtraction at once, and the plain estimate was positive in 98% of
    /// such suites, which made every interval conservative). Where the drifts do spread, it still sees them.
    func testShortBlocksReadNoDriftSpreadWhereThereIsNone() throws {
        var zero = 0, seen = 0
        for seed in UInt64(40)..<UInt64(80) {
            let flat = Self.suite(packages: 50, n: 3, seed: seed)
            if try XCTUnwrap(flat.first?.suiteDrift).spread == 0 { zero += 1 }
            let spread = Self.suite(packages: 50, n: 3, seed: seed, drift: { p in 0.004 * Double(p % 5 - 2) })
            if try XCTUnwrap(spread.first?.suiteDrift).spread > 0.002 { seen += 1 }
        }
        XCTAssertGreaterThanOrEqual(zero, 12)
        XCTAssertGreaterThanOrEqual(seen, 36)
    }
}
