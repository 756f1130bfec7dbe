import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// What one iteration's test run reported: counts per outcome, the digest of the tests that ran, and
/// per-test durations (one sample per test and phase, subtests folded into their test).
public struct TestRunReport: Equatable, Sendable {
    public var counts: TestCounts
    public var digest: String?
    public var timings: [TestTiming]
}

/// The pytest plugin the runner loads (`-p labeille_bench_pytest`) to record every test report.
///
/// pytest's own outputs are not precise enough: `--durations` prints 10 ms steps, and its JUnit XML
/// writes one time per test case in 1 ms steps, without phases, merging subtests into their test.
/// The plugin keeps pytest's own per-phase durations (measured with `time.perf_counter`) at full
/// resolution, each report's outcome, and whether a report is a subtest's.
public enum PytestReportPlugin {
    public static let moduleName = "labeille_bench_pytest"
    /// The environment variable naming the file the plugin writes (JSON lines).
    public static let reportVariable = "LABEILLE_TEST_REPORT"

    static let source = """
        # Written by labeille-bench into the benchmark venv; loaded only with -p labeille_bench_pytest.
        # Records each test report (node id, phase, outcome, duration) and writes them as JSON lines to
        # the file named by LABEILLE_TEST_REPORT when the session ends.
        import json
        import os

        _rows = []


        def pytest_runtest_logreport(report):
            subtest = "subtest" in type(report).__name__.lower()
            _rows.append((report.nodeid, report.when, report.outcome, getattr(report, "duration", 0.0),
                          hasattr(report, "wasxfail"), subtest))


        def pytest_collectreport(report):
            if report.failed:
                _rows.append((report.nodeid or "<collection>", "collect", "failed", 0.0, False, False))


        def pytest_sessionfinish(session):
            path = os.environ.get("LABEILLE_TEST_REPORT")
            if not path or hasattr(session.config, "workerinput"):
                return
            with open(path, "w", encoding="utf-8") as f:
                for row in _rows:
                    f.write(json.dumps(row) + "\\n")

        """

    /// Writes the plugin into every site-packages folder of the venv. Returns false when there is none.
    public static func install(venv: String) -> Bool {
        let lib = (venv as NSString).appendingPathComponent("lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []
        var installed = false
        for v in versions.sorted() where v.hasPrefix("python") {
            let site = ((lib as NSString).appendingPathComponent(v) as NSString).appendingPathComponent("site-packages")
            guard FileManager.default.fileExists(atPath: site) else { continue }
            let file = (site as NSString).appendingPathComponent(moduleName + ".py")
            if (try? source.write(toFile: file, atomically: true, encoding: .utf8)) != nil { installed = true }
        }
        return installed
    }

    /// One report row as the plugin writes it.
    struct Row {
        var nodeID: String
        var phase: String
        var outcome: String
        var duration: Double
        var wasXfail: Bool
        var subtest: Bool
    }

    /// Reads the plugin's file; nil when it is missing or unreadable (pytest did not finish).
    public static func read(path: String) -> TestRunReport? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var rows: [Row] = []
        for line in text.split(separator: "\n") {
            guard case .array(let a)? = try? JSONParser.parse(String(line)), a.count == 6,
                  case .string(let id) = a[0], case .string(let phase) = a[1], case .string(let outcome) = a[2],
                  case .bool(let xfail) = a[4], case .bool(let subtest) = a[5] else { return nil }
            let duration: Double
            switch a[3] {
            case .number(let d): duration = d
            case .integer(let i): duration = Double(i)
            default: duration = .nan
            }
            rows.append(Row(nodeID: id, phase: phase, outcome: outcome, duration: duration, wasXfail: xfail, subtest: subtest))
        }
        return fold(rows)
    }

    /// One outcome and one duration per test and phase: repeated reports of a phase (reruns) add up;
    /// subtest reports count as subtests, and a failing subtest fails its test. Their time is already
    /// inside the test's call phase, so it is not added again.
    static func fold(_ rows: [Row]) -> TestRunReport {
        var order: [String] = []
        var phases: [String: [(phase: String, duration: Double)]] = [:]
        var outcomes: [String: TestOutcome] = [:]
        var failedSubtests: Set<String> = []
        var counts = TestCounts()
        for r in rows {
            if r.phase == "collect" { counts.errors += 1; continue }
            if phases[r.nodeID] == nil { order.append(r.nodeID); phases[r.nodeID] = [] }
            if r.subtest {
                if r.phase == "call" { counts.subtests += 1 }
                if r.outcome == "failed" { failedSubtests.insert(r.nodeID) }
                continue
            }
            if let i = phases[r.nodeID]!.firstIndex(where: { $0.phase == r.phase }) {
                phases[r.nodeID]![i].duration += r.duration
            } else {
                phases[r.nodeID]!.append((r.phase, r.duration))
            }
            if let o = phaseOutcome(r) { outcomes[r.nodeID] = merge(outcomes[r.nodeID], o, phase: r.phase) }
        }
        var timings: [TestTiming] = []
        var ran: [String] = []
        for id in order {
            var outcome = outcomes[id] ?? .passed
            if outcome == .passed && failedSubtests.contains(id) { outcome = .failed }
            counts.add(outcome)
            if outcome != .skipped { ran.append(id) }
            for p in phases[id]! { timings.append(TestTiming(testID: id, phase: p.phase, durationS: p.duration, outcome: outcome)) }
        }
        return TestRunReport(counts: counts, digest: digest(ran), timings: timings)
    }

    /// The outcome a single phase report implies; nil for a passing setup or teardown.
    static func phaseOutcome(_ r: Row) -> TestOutcome? {
        switch (r.phase, r.outcome) {
        case ("call", "passed"): return r.wasXfail ? .xpassed : .passed
        case (_, "skipped"): return r.wasXfail ? .xfailed : .skipped
        case ("call", "failed"): return .failed
        case (_, "failed"): return .error
        default: return nil
        }
    }

    /// A test's outcome over its phases: a setup or teardown error wins over a pass.
    static func merge(_ old: TestOutcome?, _ new: TestOutcome, phase: String) -> TestOutcome {
        guard let old else { return new }
        if new == .error && (old == .passed || old == .xpassed) { return .error }
        return phase == "teardown" ? old : new
    }

    /// The identity of the set of tests that ran, independent of their order.
    public static func digest(_ testIDs: [String]) -> String {
        Migrator.fnv1a(testIDs.sorted().joined(separator: "\n"))
    }
}

/// unittest's closing summary: `Ran N tests in …` then `OK`, `OK (skipped=K)` or
/// `FAILED (failures=F, errors=E, skipped=K, expected failures=X, unexpected successes=U)`.
public enum UnittestSummary {
    public static func parse(_ text: String) -> TestCounts? {
        var ran: Int?
        var result: TestCounts?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Ran "), let n = Int(line.dropFirst(4).prefix { $0.isNumber }), line.contains(" test") {
                ran = n
                continue
            }
            guard let total = ran, line.hasPrefix("OK") || line.hasPrefix("FAILED") else { continue }
            var c = TestCounts()
            if let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"), open < close {
                for part in line[line.index(after: open)..<close].split(separator: ",") {
                    let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard kv.count == 2, let v = Int(kv[1]) else { continue }
                    switch kv[0] {
                    case "failures": c.failed = v
                    case "errors": c.errors = v
                    case "skipped": c.skipped = v
                    case "expected failures": c.xfailed = v
                    case "unexpected successes": c.xpassed = v
                    default: break
                    }
                }
            }
            c.passed = max(0, total - c.failed - c.errors - c.skipped - c.xfailed - c.xpassed)
            result = c
            ran = nil
        }
        return result
    }
}
