import Foundation

/// The accepted range of every number that comes from outside: command-line options, profile keys and the
/// fields of ingested results files. Values outside are refused with one line naming the value, so no
/// conversion or arithmetic further on can overflow or trap. The README's "Limits" section lists them.
public enum Limits {
    /// Measured iterations per package × condition.
    public static let iterations = 3...10_000
    /// Warm-up iterations per package × condition.
    public static let warmup = 0...1_000
    /// Per-iteration timeout in seconds (a week at most).
    public static let timeoutSeconds = 1.0...604_800.0
    /// Practical thresholds δ (compare, report, track, adaptive stopping): from 1e-6 to below 1.
    public static let thresholdLow = 1e-6
    public static let thresholdHigh = 1.0
    /// `--trend-threshold` is a change over a whole series and may exceed 100%.
    public static let trendThresholdHigh = 10.0
    /// `--top N`.
    public static let topN = 1...100_000
    /// `memory_limit_mb` and `file_size_limit_mb` (16 TiB).
    public static let megabytes = 1...16_777_216
    /// `cpu_time_limit_s` (a year).
    public static let cpuSeconds = 1...31_536_000
    /// CPU indices accepted while parsing (the kernel's CPU set size); `bench run` also checks them
    /// against the CPUs of this machine before any work.
    public static let cpuIndex = 0...1_023
    /// Ingested times (wall, user, sys, per-test, clone, install, venv) in seconds: finite, non-negative,
    /// at most about 115 days.
    public static let seconds = 0.0...1e7
    /// Ingested per-test durations in seconds, as pytest reported them: tests that mock the clock
    /// (freezegun) make pytest report setup times of decades, so the bound is wider than for iterations.
    public static let testSeconds = 0.0...1e11
    /// Ingested peak RSS in MB (100 TB).
    public static let rssMB = 0.0...1e8
    /// Ingested iteration indices (warm-ups included).
    public static let iterationIndex = 1...(10_000 + 1_000)
    /// Ingested exit codes (negative: the signal that ended the process).
    public static let exitCode = -255...255
    /// Ingested load averages, memory and disk sizes in GB, CPU frequencies in MHz.
    public static let gauge = 0.0...1e9
    /// Ingested counts (cores, processes, packages).
    public static let count = 0...100_000_000
    /// Longest line of a results file, and largest metadata or profile file, in bytes.
    public static let maxLineBytes = 256 << 20
    public static let maxFileBytes = 64 << 20

    /// Nil when `value` is in `range`, else the problem in words.
    public static func problem(_ value: Int, _ range: ClosedRange<Int>) -> String? {
        range.contains(value) ? nil : "must be from \(range.lowerBound) to \(range.upperBound) (got \(value))"
    }

    public static func problem(_ value: Double, _ range: ClosedRange<Double>) -> String? {
        guard value.isFinite else { return "must be a finite number (got \(value))" }
        return range.contains(value) ? nil
            : "must be from \(format(range.lowerBound)) to \(format(range.upperBound)) (got \(format(value)))"
    }

    /// A threshold δ: from 1e-6 to below `high` (1 unless said otherwise).
    public static func thresholdProblem(_ value: Double, high: Double = thresholdHigh) -> String? {
        guard value.isFinite, value >= thresholdLow, value < high else {
            return "must be a fraction from 1e-6 to below \(format(high)), e.g. 0.01 (got \(format(value)))"
        }
        return nil
    }

    static func format(_ x: Double) -> String {
        guard x.isFinite else { return String(x) }
        return x == x.rounded() && Swift.abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    /// CPUs this machine has (configured, online or not): valid affinity indices are below it.
    public static var machineCPUCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_CONF))) }
}
