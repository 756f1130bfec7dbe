import Foundation
import LabeilleCore

extension SplitMix64 {
    /// Exponential with the given mean.
    public mutating func exponential(mean: Double) -> Double { -mean * log(uniform()) }
}

/// The noise models of the calibration harness, on the log scale of one package's timings. `cv` is the
/// package's base coefficient of variation.
public enum NoiseModel: String, CaseIterable, Sendable {
    /// Independent Gaussian noise of sd cv.
    case gauss
    /// Gaussian plus a right tail: 15% of iterations are slowed by an exponential amount of mean 4·cv (GC,
    /// I/O, a busy neighbour).
    case heavyTail = "heavy-tail"
    /// Two modes 4·cv apart, each iteration in either with probability ½, sd 0.5·cv within a mode.
    case bimodal
    /// Gaussian plus a linear drift over the package's sequence of iterations, its total uniform in ±3%
    /// (thermal ramp, a filling cache), centred on the run's level (a run's level is the run-level noise).
    case drift
    /// A machine state following AR(1) (φ = 0.7, stationary sd 0.6·cv) plus iteration noise 0.8·cv, 10% of
    /// iterations in an exponential tail of mean 3·cv, and a drift uniform in ±1.5% over the sequence.
    case realistic

    /// Log-noise for `length` consecutive iterations in time order.
    public func sequence(length: Int, cv: Double, rng: inout SplitMix64) -> [Double] {
        var out = [Double](repeating: 0, count: length)
        let span = Double(max(length - 1, 1))
        switch self {
        case .gauss:
            for t in 0..<length { out[t] = cv * rng.normal() }
        case .heavyTail:
            for t in 0..<length {
                out[t] = cv * rng.normal() + (rng.uniform() < 0.15 ? log1p(rng.exponential(mean: 4 * cv)) : 0)
            }
        case .bimodal:
            for t in 0..<length { out[t] = (rng.uniform() < 0.5 ? 4 * cv : 0) + 0.5 * cv * rng.normal() }
        case .drift:
            let total = (rng.uniform() * 2 - 1) * 0.03
            for t in 0..<length { out[t] = cv * rng.normal() + total * (Double(t) / span - 0.5) }
        case .realistic:
            let total = (rng.uniform() * 2 - 1) * 0.015
            let phi = 0.7, stateSD = 0.6 * cv
            var state = stateSD * rng.normal()
            for t in 0..<length {
                if t > 0 { state = phi * state + (1 - phi * phi).squareRoot() * stateSD * rng.normal() }
                let tail = rng.uniform() < 0.10 ? log1p(rng.exponential(mean: 3 * cv)) : 0
                out[t] = state + 0.8 * cv * rng.normal() + tail + total * (Double(t) / span - 0.5)
            }
        }
        return out
    }
}

/// How the two conditions of a simulated package were scheduled and what the analysis is told.
public enum CalibrationDesign: String, CaseIterable, Sendable {
    /// Alternating ABBA rounds, the rounds given to the analysis.
    case paired
    /// The same schedule with no round or time information (an ingested run).
    case unpaired
    /// All baseline iterations, then all treatment iterations; the time order is given.
    case block
    /// Baseline and treatment from two runs, each run shifted by run-level noise (a common part shared by all
    /// packages and a per-package part); the analysis adds the documented run-noise floor.
    case crossRun = "cross-run"
}

/// One simulated package: its values, and what the analysis is told about them.
public struct SimulatedPackage: Sendable {
    public var a: [Double]
    public var b: [Double]
    public var roundsA: [Int?] = []
    public var roundsB: [Int?] = []
    public var timesA: [Double] = []
    public var timesB: [Double] = []
    public var runNoise: RunNoise?

    /// Simulates one package with `n` iterations per condition, base timing 1 s × e^level, true log-change
    /// `change`, and for cross-run designs the runs' level offsets (log scale) `runOffsets`.
    public static func make(model: NoiseModel, design: CalibrationDesign, n: Int, cv: Double, change: Double,
                            runOffsets: (Double, Double), rng: inout SplitMix64) -> SimulatedPackage {
        switch design {
        case .crossRun:
            let first = model.sequence(length: n, cv: cv, rng: &rng), second = model.sequence(length: n, cv: cv, rng: &rng)
            return SimulatedPackage(a: first.map { exp($0 + runOffsets.0) }, b: second.map { exp($0 + runOffsets.1 + change) },
                                    runNoise: RunNoise(source: .floor, size: RunNoise.defaultFloor))
        case .block:
            let noise = model.sequence(length: 2 * n, cv: cv, rng: &rng)
            let times = (0..<(2 * n)).map(Double.init)
            return SimulatedPackage(a: noise[0..<n].map { exp($0) }, b: noise[n...].map { exp($0 + change) },
                                    timesA: Array(times[0..<n]), timesB: Array(times[n...]))
        case .paired, .unpaired:
            let noise = model.sequence(length: 2 * n, cv: cv, rng: &rng)
            var a: [Double] = [], b: [Double] = []
            for r in 0..<n {
                let first = noise[2 * r], second = noise[2 * r + 1]
                // ABBA: the baseline runs first in even rounds, second in odd ones.
                let (x, y) = r % 2 == 0 ? (first, second) : (second, first)
                a.append(exp(x)); b.append(exp(y + change))
            }
            var p = SimulatedPackage(a: a, b: b)
            if design == .paired { p.roundsA = (0..<n).map { $0 }; p.roundsB = p.roundsA }
            return p
        }
    }
}
