import Foundation

/// `bench run --instructions`: what the user asked for.
public enum InstructionCountingRequest: String, Sendable, CaseIterable {
    /// Hardware counters when they open, else Valgrind.
    case auto
    case perf
    case valgrind
}

/// How an iteration's instructions were counted (stored with every counted iteration).
public enum InstructionCountingMethod: String, Sendable, CaseIterable {
    /// The PMU's retired-instructions counter through perf_event_open: no instrumentation, the times stay timings.
    case perf
    /// Cachegrind: the program runs on Valgrind's simulated CPU, so its times are not timings.
    case valgrind

    public var instrumented: Bool { self == .valgrind }
}
