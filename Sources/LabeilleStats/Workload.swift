import Foundation
import LabeilleCore

/// The workload of an iteration: how many tests ran, how many were skipped, and (when test ids are
/// known) which tests ran. Passing or failing does not change the workload; a test that skips does.
public struct WorkloadSignature: Hashable, Sendable {
    public var ran: Int
    public var skipped: Int
    public var digest: String?

    public init(ran: Int, skipped: Int, digest: String? = nil) {
        self.ran = ran; self.skipped = skipped; self.digest = digest
    }

    public var text: String { "\(ran) ran, \(skipped) skipped" }

    /// Equal workloads: same counts, and the same tests when both sides know them.
    public func matches(_ other: WorkloadSignature) -> Bool {
        guard ran == other.ran && skipped == other.skipped else { return false }
        if let a = digest, let b = other.digest { return a == b }
        return true
    }
}

/// What one package × condition ran across its iterations (warm-ups included).
public struct ConditionWorkload: Sendable {
    public struct Iteration: Sendable {
        public var index: Int
        public var warmup: Bool
        public var status: String
        public var counts: TestCounts
        public var signature: WorkloadSignature

        public init(index: Int, warmup: Bool, status: String, counts: TestCounts, signature: WorkloadSignature) {
            self.index = index; self.warmup = warmup; self.status = status; self.counts = counts; self.signature = signature
        }
    }
    public var package: String
    public var condition: String
    /// Iterations whose counts are known, in order.
    public var iterations: [Iteration]
    /// Iterations whose counts are unknown (no report from the test runner).
    public var unknown: Int

    public init(package: String, condition: String, iterations: [Iteration], unknown: Int) {
        self.package = package; self.condition = condition; self.iterations = iterations; self.unknown = unknown
    }

    /// The workload of most measured ok iterations (else of most known iterations); nil when unknown.
    public var typical: Iteration? {
        let measured = iterations.filter { !$0.warmup && $0.status == "ok" }
        let pool = measured.isEmpty ? iterations : measured
        var best: (Iteration, Int)?
        for it in pool {
            let n = pool.filter { $0.signature.matches(it.signature) }.count
            if best == nil || n > best!.1 { best = (it, n) }
        }
        return best?.0
    }

    /// Groups of iterations by workload, when they differ (empty when all iterations ran the same).
    public var variants: [(signature: WorkloadSignature, indices: [Int])] {
        var groups: [(signature: WorkloadSignature, indices: [Int])] = []
        for it in iterations {
            if let i = groups.firstIndex(where: { $0.signature.matches(it.signature) }) {
                groups[i].indices.append(it.index)
            } else {
                groups.append((it.signature, [it.index]))
            }
        }
        return groups.count > 1 ? groups : []
    }

    /// True when iterations (warm-up included) ran different tests or counts.
    public var changedWithin: Bool { !variants.isEmpty }

    /// "iterations 1: 80 ran, 0 skipped; iterations 2–6: 39 ran, 41 skipped".
    public var variantsText: String {
        variants.map { "iteration\($0.indices.count > 1 ? "s" : "") \(Self.ranges($0.indices)): \($0.signature.text)" }
            .joined(separator: "; ")
    }

    static func ranges(_ xs: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let s = xs.sorted()
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(j > i ? "\(s[i])–\(s[j])" : "\(s[i])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }
}

public enum WorkloadAnalysis {

    /// Marks a comparison whose two sides did not run the same workload, or whose iterations changed
    /// workload within a side. Unknown workloads are never a mismatch (nothing to compare).
    public static func annotate(_ c: inout PackageComparison, baseline a: ConditionWorkload?, treatment b: ConditionWorkload?) {
        let ta = a?.typical, tb = b?.typical
        c.testsBaseline = ta?.counts
        c.testsTreatment = tb?.counts
        c.workloadChangedBaseline = a?.changedWithin ?? false
        c.workloadChangedTreatment = b?.changedWithin ?? false
        var reasons: [String] = []
        if let ta, let tb, !ta.signature.matches(tb.signature) {
            reasons.append(ta.signature.ran == tb.signature.ran && ta.signature.skipped == tb.signature.skipped
                ? "different tests ran (\(ta.signature.text) on both sides)"
                : "baseline \(ta.signature.text), treatment \(tb.signature.text)")
        }
        if let a, a.changedWithin { reasons.append("baseline iterations differ (\(a.variantsText))") }
        if let b, b.changedWithin { reasons.append("treatment iterations differ (\(b.variantsText))") }
        c.workloadMismatch = !reasons.isEmpty
        c.workloadNote = reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }
}
