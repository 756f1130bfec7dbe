import Foundation
import XCTest
@testable import LabeilleCore
@testable import LabeilleReports
@testable import LabeilleRunner
@testable import LabeilleStats
@testable import LabeilleStore
@testable import LabeilleUseCases

/// Instruction counting: the perf_event_open plumbing on real processes, the statistics of a near-deterministic
/// metric (against scipy and a seeded simulation), and the results-file keys.
final class InstructionCountTests: TemporaryFolderTestCase {

    /// A fixed amount of CPU work in a grandchild of the spawned process (sh → python3).
    let burn = "x = 0\nfor i in range(3_000_000): x += i"

    /// The counter is attached before exec and inherited: task-clock (a software event, available without a
    /// PMU) must include the CPU time of a grandchild, which rusage also sees because sh waits for it.
    func testTaskClockCounterCoversTheWholeProcessTree() throws {
        if let err = CounterEvent.taskClock.unavailability() { throw XCTSkip("no perf events here (errno \(err))") }
        let script = "python3 -c '\(burn)' & wait"
        let o = try ChildProcess.run(["/bin/sh", "-c", script], environment: ProcessInfo.processInfo.environment,
                                     workingDirectory: dir.path, stdoutPath: nil, stderrPath: nil, timeout: 300, counter: .taskClock)
        XCTAssertEqual(o.exitCode, 0)
        let counted = try XCTUnwrap(o.counted, "no counter reading")
        let cpuSeconds = o.userSeconds + o.sysSeconds
        XCTAssertGreaterThan(cpuSeconds, 0.05, "the grandchild did its work")
        // task-clock is CPU time in ns: the tree's, not just sh's (a few ms).
        XCTAssertGreaterThan(Double(counted.value) / 1e9, 0.5 * cpuSeconds, "counter \(counted.value) ns vs CPU \(cpuSeconds) s")
        XCTAssertLessThan(Double(counted.value) / 1e9, 2 * cpuSeconds + 0.05)
    }

    /// Hardware instructions where a PMU is exposed; where not (this VM), the run is refused with the errno
    /// and no process is left behind.
    func testHardwareInstructionCounterOrACleanRefusal() throws {
        let argv = ["/bin/sh", "-c", "python3 -c 'pass'"]
        if CounterEvent.instructions.unavailability() == nil {
            let o = try ChildProcess.run(argv, environment: ProcessInfo.processInfo.environment, workingDirectory: dir.path,
                                         stdoutPath: nil, stderrPath: nil, timeout: 300, counter: .instructions)
            XCTAssertGreaterThan(try XCTUnwrap(o.counted).value, 1_000_000, "Python start-up runs millions of instructions")
        } else {
            XCTAssertThrowsError(try ChildProcess.run(argv, environment: ProcessInfo.processInfo.environment, workingDirectory: dir.path,
                                                      stdoutPath: nil, stderrPath: nil, timeout: 300, counter: .instructions)) { error in
                guard case ChildProcessError.counterUnavailable(let event, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(event, "instructions")
            }
        }
    }

    func testCachegrindSummaryIsRead() {
        XCTAssertEqual(InstructionCounter.cachegrindSummary("desc: I1 cache\ncmd: python3\nevents: Ir\nfl=x\n1 2\nsummary: 127847\n"), 127847)
        XCTAssertNil(InstructionCounter.cachegrindSummary("events: Ir\n"))
    }

    // MARK: - Statistics

    /// Reference values from scripts/reference/instruction_stats_reference.py (scipy 1.17).
    func testFlooredStatisticsMatchScipy() {
        // Paired by seed, spread 1e-8 (far below the floor): the floor √2 × 0.1% makes the interval.
        let a = [1.0e9, 1.02e9, 0.99e9]
        let tiny = [1e-8, -1e-8, 0.0]
        let b = zip(a, tiny).map { exp(log($0) + log(1.01) + $1) }
        var c = Comparator.compare(package: "p", baseline: "a", treatment: "b", metric: "instructions", a: a, b: b,
                                   roundsA: [1, 2, 3], roundsB: [1, 2, 3], threshold: 0.005)
        XCTAssertEqual(c.method, .pairedTNoiseFloor)
        XCTAssertClose(c.ratio, 1.0100000000000007, rel: 1e-12)
        XCTAssertClose(c.ratioLow, 1.0064579931021487, rel: 1e-9)
        XCTAssertClose(c.ratioHigh, 1.0135544722098184, rel: 1e-9)
        XCTAssertClose(c.p, 0.006666135419039986, rel: 1e-6)
        XCTAssertTrue(c.noiseFloorApplied)
        XCTAssertLessThan(try XCTUnwrap(c.residualCV), 1e-7)
        var set = [c]
        Comparator.finalize(&set, threshold: 0.005)
        c = set[0]
        XCTAssertEqual(c.verdict, .slower)

        // Unpaired, spread above the floor: plain Welch on log counts.
        let u = Comparator.compare(package: "p", baseline: "a", treatment: "b", metric: "instructions",
                                   a: [100, 101, 102, 99], b: [103, 104, 106, 102], threshold: 0.005)
        XCTAssertEqual(u.method, .welchLogNoiseFloor)
        XCTAssertFalse(u.noiseFloorApplied)
        XCTAssertClose(u.ratio, 1.0322977130867927, rel: 1e-12)
        XCTAssertClose(u.ratioLow, 1.0059442975972355, rel: 1e-9)
        XCTAssertClose(u.ratioHigh, 1.0593415271497344, rel: 1e-9)
        XCTAssertClose(u.p, 0.024163125746140407, rel: 1e-6)
    }

    /// Seeded simulation of A/A and 1% comparisons at n = 3 and 5 with a per-iteration noise below, at and
    /// above the floor, paired (shared seed effect of 2%, which pairing cancels). Prints the table.
    func testFloorKeepsFalseCallsRareAndResolvesOnePercent() {
        var rng = SplitMix64(seed: 15)
        let suites = 300
        var lines = ["  noise    n  change   false calls  coverage  called slower"]
        for noise in [1e-6, 0.001, 0.003] {
            for n in [3, 5] {
                for change in [0.0, 0.01] {
                    var falseCalls = 0, covered = 0, slower = 0
                    for _ in 0..<suites {
                        let seedEffects = (0..<n).map { _ in 0.02 * rng.normal() }
                        let a = seedEffects.map { 1e9 * exp($0 + noise * rng.normal()) }
                        let b = seedEffects.map { 1e9 * exp(log1p(change) + $0 + noise * rng.normal()) }
                        var cs = [Comparator.compare(package: "p", baseline: "a", treatment: "b", metric: "instructions", a: a, b: b,
                                                     roundsA: (1...n).map { $0 }, roundsB: (1...n).map { $0 }, threshold: 0.005)]
                        Comparator.finalize(&cs, threshold: 0.005)
                        let c = cs[0]
                        if c.ratioLow <= 1 + change && 1 + change <= c.ratioHigh { covered += 1 }
                        if change == 0 && (c.verdict == .slower || c.verdict == .faster) { falseCalls += 1 }
                        if c.verdict == .slower { slower += 1 }
                    }
                    let fc = Double(falseCalls) / Double(suites), cov = Double(covered) / Double(suites)
                    lines.append(String(format: "  %.0e  %2d  %5.1f%%  %10.2f%%  %7.1f%%  %12.1f%%", noise, n, change * 100, fc * 100,
                                        cov * 100, Double(slower) / Double(suites) * 100))
                    XCTAssertGreaterThanOrEqual(cov, 0.93, "coverage noise \(noise) n \(n) change \(change)")
                    if change == 0 { XCTAssertLessThanOrEqual(fc, 0.05, "false calls noise \(noise) n \(n)") }
                    if change > 0 && noise <= 0.001 { XCTAssertGreaterThan(Double(slower) / Double(suites), 0.9, "power noise \(noise) n \(n)") }
                }
            }
        }
        print((["Instruction-count comparison, \(suites) seeded suites per row (δ = 0.5%):"] + lines).joined(separator: "\n"))
    }

    // MARK: - Results files

    func testInstructionKeysRoundTripThroughThePythonFormat() throws {
        var it = IterationRecord(index: 2, warmup: false, wallTimeS: 30.5, userTimeS: 10, sysTimeS: 0.5, peakRSSMB: 80,
                                 exitCode: 0, status: "ok")
        it.instructions = 4_753_608_213
        it.instructionMethod = .valgrind
        it.instrumented = true
        it.hashSeed = 2
        let json = JSONWriter.compact(PythonFormat.encodeIteration(it))
        XCTAssertTrue(json.contains("4753608213") && json.contains("\"hash_seed\""), json)
        let back = try PythonFormat.decodeIteration(JSONObjectReader(try JSONParser.parse(json), path: "it"))
        XCTAssertEqual(back, it)
        let bad = json.replacingOccurrences(of: "\"valgrind\"", with: "\"rdtsc\"")
        XCTAssertThrowsError(try PythonFormat.decodeIteration(JSONObjectReader(try JSONParser.parse(bad), path: "it"))) { error in
            XCTAssertTrue("\(error)".contains("instruction_method"), "\(error)")
        }
    }
}
