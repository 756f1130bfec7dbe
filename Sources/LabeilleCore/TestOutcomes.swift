/// What a test suite ran in one iteration: the outcome of each test and the counts per outcome.

public enum TestOutcome: String, Sendable, CaseIterable {
    case passed, failed, skipped, error, xfailed, xpassed
}

/// Tests per outcome in one iteration. Subtests are counted apart: they belong to their test.
public struct TestCounts: Equatable, Hashable, Sendable {
    public var passed = 0
    public var failed = 0
    public var skipped = 0
    public var errors = 0
    public var xfailed = 0
    public var xpassed = 0
    public var subtests = 0
    public init() {}
    public init(passed: Int, failed: Int, skipped: Int, errors: Int, xfailed: Int = 0, xpassed: Int = 0, subtests: Int = 0) {
        self.passed = passed; self.failed = failed; self.skipped = skipped; self.errors = errors
        self.xfailed = xfailed; self.xpassed = xpassed; self.subtests = subtests
    }

    /// Tests whose body ran (everything but skipped).
    public var ran: Int { passed + failed + errors + xfailed + xpassed }

    public mutating func add(_ outcome: TestOutcome) {
        switch outcome {
        case .passed: passed += 1
        case .failed: failed += 1
        case .skipped: skipped += 1
        case .error: errors += 1
        case .xfailed: xfailed += 1
        case .xpassed: xpassed += 1
        }
    }

    /// "80 passed, 0 failed, 0 skipped" style text (zero counts of the rarer outcomes left out).
    public var summaryText: String {
        var parts = ["\(passed) passed", "\(failed) failed", "\(skipped) skipped"]
        if errors > 0 { parts.append("\(errors) errors") }
        if xfailed > 0 { parts.append("\(xfailed) xfailed") }
        if xpassed > 0 { parts.append("\(xpassed) xpassed") }
        if subtests > 0 { parts.append("\(subtests) subtests") }
        return parts.joined(separator: ", ")
    }
}

/// Per-test durations that cannot be real: negative, not finite, or longer than the whole iteration
/// (a test suite that fakes the clock can make pytest report such values). They are dropped and counted.
public enum PerTestValidation {
    public static func partition(_ timings: [TestTiming], wallTimeS: Double) -> (kept: [TestTiming], rejected: Int) {
        var kept: [TestTiming] = []
        kept.reserveCapacity(timings.count)
        var rejected = 0
        for t in timings {
            if t.durationS.isFinite && t.durationS >= 0 && (wallTimeS <= 0 || t.durationS <= wallTimeS) {
                kept.append(t)
            } else {
                rejected += 1
            }
        }
        return (kept, rejected)
    }
}
