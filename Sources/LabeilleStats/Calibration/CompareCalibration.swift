import Foundation
import LabeilleCore

/// The seeded calibration of `compare`: simulated suites of packages under each noise model and design,
/// analysed exactly as `compare` analyses a run, with the error rates counted against the known truth.
public enum CompareCalibration {
    /// The true change of a cell: none (A/A), every package by a factor, or one package only.
    public enum Change: Sendable, Equatable {
        case none
        case all(Double)
        case lone(Double)
        /// Each package shifted by the detectable effect `compare` reported for its noise class under A/A.
        case atDetectableEffect([Double])
        /// Each package shifted by the detectable effect `compare` reported for that package in one A/A suite
        /// (suite i takes the promises of promising A/A suite i mod their count; unpromised packages unchanged).
        case atOwnDetectableEffect([[Double]])
        /// Every package measured with the iterations `compare` said one noise class needs (the A/A cell's
        /// median), as a rerun with that count would, and that class's packages shifted by 2δ, the change those
        /// iterations are planned for.
        case atIterationsNeeded(noiseClass: Int, iterations: Int)

        public var label: String {
            switch self {
            case .none: return "A/A"
            case .all(let r): return String(format: "all %+.0f%%", (r - 1) * 100)
            case .lone(let r): return String(format: "lone %+.0f%%", (r - 1) * 100)
            case .atDetectableEffect: return "at MDE"
            case .atOwnDetectableEffect: return "at own MDE"
            case .atIterationsNeeded: return "2δ at iterations needed"
            }
        }
    }

    public struct Cell: Sendable {
        public var model: NoiseModel
        public var design: CalibrationDesign
        public var n: Int
        public var change: Change
        public var suites: Int
        public var packages = 50
        /// Per-package coefficients of variation, cycled over the packages.
        public var cvs: [Double] = [0.005, 0.01, 0.02, 0.03]
        /// Run-level noise of a cross-run pair: sd of the part shared by all packages and of the per-package part.
        public var runNoiseShared = 0.007
        public var runNoisePackage = 0.007
        public var threshold = 0.01
        public init(model: NoiseModel, design: CalibrationDesign, n: Int, change: Change, suites: Int) {
            self.model = model; self.design = design; self.n = n; self.change = change; self.suites = suites
        }
        /// The lone change goes to the noisiest package class (CV 3%).
        var lonePackage: Int { cvs.count - 1 }
    }

    public struct Result: Sendable {
        public var cell: Cell
        public var comparisons = 0
        public var falseCalls = 0
        public var covered = 0
        public var changed = 0
        public var detected = 0
        public var suitesWithFalseCall = 0
        /// Changed packages that carry a detectable effect, i.e. where `compare` made the promise the
        /// detectable-effect check holds it to (a withheld call promises nothing, and its p-value says nothing).
        public var changedWherePromised = 0
        /// Of those, called by the single-package rule (p ≤ 0.05, interval excluding 1, estimate beyond δ).
        public var calledWherePromised = 0
        /// Reported detectable effects per noise class (A/A cells).
        public var detectable: [[Double]] = []
        /// Each A/A suite's reported detectable effects, by package (NaN where none was promised).
        public var suitePromises: [[Double]] = []
        /// Reported iterations needed per noise class (A/A cells).
        public var iterationsNeeded: [[Double]] = []
        public var falseCallRate: Double { Double(falseCalls) / Double(max(comparisons, 1)) }
        public var coverage: Double { Double(covered) / Double(max(comparisons, 1)) }
        public var power: Double { changed == 0 ? .nan : Double(detected) / Double(changed) }
        public var powerWherePromised: Double {
            changedWherePromised == 0 ? .nan : Double(calledWherePromised) / Double(changedWherePromised)
        }
        public var suiteFalseRate: Double { Double(suitesWithFalseCall) / Double(max(cell.suites, 1)) }
        public var medianDetectable: [Double] { detectable.map { $0.isEmpty ? .nan : Statistics.median($0) } }
        public var medianIterationsNeeded: [Int?] {
            iterationsNeeded.map { $0.isEmpty ? nil : Int(Statistics.median($0).rounded(.up)) }
        }
        /// Share of the packages that were promised a detectable effect (the others' calls were withheld): where
        /// it is small, the check measures the plan of a few untypical suites.
        public var promisedShare: Double { Double(detectable.reduce(0) { $0 + $1.count }) / Double(max(comparisons, 1)) }
    }

    static func trueChange(_ cell: Cell, package p: Int, suite: Int) -> Double {
        switch cell.change {
        case .none: return 0
        case .all(let r): return log(r)
        case .lone(let r): return p == cell.lonePackage ? log(r) : 0
        case .atDetectableEffect(let m): return m[p % m.count].isFinite ? log1p(m[p % m.count]) : 0
        case .atOwnDetectableEffect(let m): let e = m[suite % m.count][p]; return e.isFinite ? log1p(e) : 0
        case .atIterationsNeeded(let c, _): return p % cell.cvs.count == c ? log1p(2 * cell.threshold) : 0
        }
    }

    /// Iterations per condition: the cell's, or those said to be needed for the noise class checked.
    static func iterations(_ cell: Cell) -> Int {
        if case .atIterationsNeeded(_, let needed) = cell.change { return needed }
        return cell.n
    }

    /// Whether the package's change is one `compare` promised to detect: its detectable effect in that suite,
    /// or the iterations its class was told it needs.
    static func promised(_ c: PackageComparison, cell: Cell) -> Bool {
        if case .atIterationsNeeded = cell.change { return true }
        return c.minimumDetectableEffect.isFinite
    }

    /// The design a cell's packages are measured in: a block-ordered package's iterations needed are for a
    /// rerun in alternating order (paired rounds), so that is what their check measures.
    static func design(_ cell: Cell) -> CalibrationDesign {
        if case .atIterationsNeeded = cell.change, cell.design == .block { return .paired }
        return cell.design
    }

    /// Runs one cell with its own seed.
    public static func run(_ cell: Cell, seed: UInt64) -> Result {
        var rng = SplitMix64(seed: seed)
        var result = Result(cell: cell)
        result.detectable = Array(repeating: [], count: cell.cvs.count)
        result.iterationsNeeded = Array(repeating: [], count: cell.cvs.count)
        for suite in 0..<cell.suites {
            let offsets = (cell.runNoiseShared * rng.normal(), cell.runNoiseShared * rng.normal())
            var comps: [PackageComparison] = []
            comps.reserveCapacity(cell.packages)
            for p in 0..<cell.packages {
                let package = (offsets.0 + cell.runNoisePackage * rng.normal(), offsets.1 + cell.runNoisePackage * rng.normal())
                let sim = SimulatedPackage.make(model: cell.model, design: design(cell), n: iterations(cell), cv: cell.cvs[p % cell.cvs.count],
                                                change: trueChange(cell, package: p, suite: suite), runOffsets: package, rng: &rng)
                comps.append(Comparator.compare(package: "p\(p)", baseline: "a", treatment: "b", metric: "wall", a: sim.a, b: sim.b,
                                                roundsA: sim.roundsA, roundsB: sim.roundsB, timesA: sim.timesA, timesB: sim.timesB,
                                                runNoise: sim.runNoise, threshold: cell.threshold))
            }
            Comparator.finalize(&comps, threshold: cell.threshold)
            tally(comps, cell: cell, suite: suite, into: &result)
            if case .none = cell.change { result.suitePromises.append(comps.map(\.minimumDetectableEffect)) }
        }
        return result
    }

    static func tally(_ comps: [PackageComparison], cell: Cell, suite: Int, into r: inout Result) {
        var falseInSuite = false
        for (p, c) in comps.enumerated() {
            let truth = trueChange(cell, package: p, suite: suite)
            r.comparisons += 1
            if c.ratioLow <= exp(truth) && exp(truth) <= c.ratioHigh { r.covered += 1 }
            let wrong = (c.verdict == .slower && truth <= 0) || (c.verdict == .faster && truth >= 0)
            if wrong { r.falseCalls += 1; falseInSuite = true }
            if truth != 0 {
                r.changed += 1
                if (c.verdict == .slower && truth > 0) || (c.verdict == .faster && truth < 0) { r.detected += 1 }
                if promised(c, cell: cell) {
                    r.changedWherePromised += 1
                    let called = c.p <= 0.05 && c.ratioLow > 1 && c.ratio > 1 + cell.threshold && !c.withheldForClusteredNoise
                    if truth > 0 && called { r.calledWherePromised += 1 }
                }
            }
            if case .none = cell.change {
                if c.minimumDetectableEffect.isFinite { r.detectable[p % cell.cvs.count].append(c.minimumDetectableEffect) }
                if let k = c.iterationsNeeded { r.iterationsNeeded[p % cell.cvs.count].append(Double(k)) }
            }
        }
        if falseInSuite { r.suitesWithFalseCall += 1 }
    }

    /// Every cell of the full table: noise model × design × n ∈ {3, 5, 10} × (A/A, all +10%, lone +20%), and
    /// the detectable-effect check. `scale` multiplies the suite counts (1 = the full table); `only` keeps the
    /// cells whose "noise/design" contains it (the seeds stay those of the full table).
    /// The cells' names, "noise/design", as `only` matches them.
    public static var cellNames: [String] {
        NoiseModel.allCases.flatMap { model in CalibrationDesign.allCases.map { cellName(model, $0) } }
    }

    static func cellName(_ model: NoiseModel, _ design: CalibrationDesign) -> String { "\(model.rawValue)/\(design.rawValue)" }

    /// One noise model × design × n of the table, with its seed.
    struct TableCell: Sendable {
        var model: NoiseModel
        var design: CalibrationDesign
        var n: Int
        var seed: UInt64

        /// A cell of this noise model, design and n with the given change; `scale` multiplies the suite count.
        func cell(_ change: Change, suites: Int, scale: Double) -> Cell {
            let count = suites == 0 ? 0 : max(2, Int((Double(suites) * scale).rounded()))
            return Cell(model: model, design: design, n: n, change: change, suites: count)
        }
    }

    /// The power-figure checks of one table cell: the A/A result whose promises are checked; the power at its
    /// detectable effects, with each package shifted by its class's median promise and by its own; and the
    /// power for a change of 2δ at the iterations its class was told it needs.
    struct DetectableCheck: Sendable {
        var aa: Result
        var atMedian: Result
        var atOwn: Result
        /// One result per noise class, nil where no iterations were said to be needed.
        var atIterations: [Result?]
        /// Power for 2δ at the iterations needed, over the classes checked.
        var powerAtIterations: Double {
            let checked = atIterations.compactMap { $0 }
            let changed = checked.reduce(0) { $0 + $1.changedWherePromised }
            return changed == 0 ? .nan : Double(checked.reduce(0) { $0 + $1.calledWherePromised }) / Double(changed)
        }
    }

    /// The rows of one table cell: A/A, all +10%, lone +20%, and the power-figure checks.
    static func rows(of t: TableCell, scale: Double) -> (rows: [Result], detectable: DetectableCheck) {
        let aa = run(t.cell(.none, suites: 100, scale: scale), seed: t.seed)
        // 100 suites like the other rows: a cross-run suite shares one run-level shift, so 20 suites measured
        // its coverage from 20 draws of that shift (±2 points); the first 20 suites are those of 20.
        let all = run(t.cell(.all(1.10), suites: 100, scale: scale), seed: t.seed &+ 101)
        let lone = run(t.cell(.lone(1.20), suites: 100, scale: scale), seed: t.seed &+ 202)
        return ([aa, all, lone], detectableCheck(t, aa: aa, scale: scale))
    }

    static func detectableCheck(_ t: TableCell, aa: Result, scale: Double) -> DetectableCheck {
        let none = Result(cell: t.cell(.none, suites: 0, scale: scale))
        // 80 suites per noise class: 1,000 packages of the class (with the 4 classes of the table).
        let needed = aa.medianIterationsNeeded
        let atIterations = needed.enumerated().map { c, k in
            k.map { run(t.cell(.atIterationsNeeded(noiseClass: c, iterations: $0), suites: 80, scale: scale), seed: t.seed &+ 505 &+ UInt64(c)) }
        }
        var check = DetectableCheck(aa: aa, atMedian: none, atOwn: none, atIterations: atIterations)
        // No detectable effect promised (calls withheld): nothing to check. Where few suites make the promise,
        // more suites are run, up to 2,000, so that at least 1,000 promised packages are checked (aiming at 1,500:
        // the shifted suites make the promise a little less often than the A/A suites did).
        let promising = aa.suitePromises.filter { $0.contains { $0.isFinite } }
        guard !promising.isEmpty else { return check }
        let wanted = min(2000, max(100, Int((1500 / (Double(aa.cell.packages) * aa.promisedShare)).rounded(.up))))
        check.atMedian = run(t.cell(.atDetectableEffect(aa.medianDetectable), suites: wanted, scale: scale), seed: t.seed &+ 303)
        check.atOwn = run(t.cell(.atOwnDetectableEffect(promising), suites: wanted, scale: scale), seed: t.seed &+ 404)
        return check
    }

    /// The table, its cells computed in parallel (each has its own seed, so the figures do not depend on the
    /// number of cores or the order the cells finish in).
    public static func table(scale: Double = 1, only: String? = nil, progress: (@Sendable (String) -> Void)? = nil) -> String {
        var cells: [TableCell] = []
        var seed: UInt64 = 20261201
        for model in NoiseModel.allCases {
            for design in CalibrationDesign.allCases {
                for n in [3, 5, 10] {
                    seed &+= 1
                    if only.map({ cellName(model, design).contains($0) }) ?? true {
                        cells.append(TableCell(model: model, design: design, n: n, seed: seed))
                    }
                }
            }
        }
        let results = ParallelResults<(rows: [Result], detectable: DetectableCheck)>(count: cells.count)
        let selected = cells
        DispatchQueue.concurrentPerform(iterations: cells.count) { i in
            let cell = selected[i]
            results.set(i, rows(of: cell, scale: scale))
            progress?("\(cellName(cell.model, cell.design)) n=\(cell.n) (\(results.finished) of \(selected.count))")
        }
        let done = results.values
        return render(done.flatMap(\.rows)) + "\n" + renderDetectable(done.map(\.detectable))
    }

    static func pct(_ x: Double) -> String { x.isFinite ? String(format: "%5.1f", x * 100) : "    —" }

    static func render(_ rows: [Result]) -> String {
        var out = ["| noise | design | n | true change | packages | false calls % | coverage % | power % | suites with ≥1 false call % |",
                   "|---|---|---:|---|---:|---:|---:|---:|---:|"]
        for r in rows {
            let c = r.cell
            out.append("| \(c.model.rawValue) | \(c.design.rawValue) | \(c.n) | \(c.change.label) | \(r.comparisons) | \(pct(r.falseCallRate)) | \(pct(r.coverage)) | \(pct(r.power)) | \(pct(r.suiteFalseRate)) |")
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func renderDetectable(_ checks: [DetectableCheck]) -> String {
        var out = ["| noise | design | n | A/A packages with an MDE % | median reported MDE by CV class (0.5/1/2/3%) | packages checked | power at MDE % (p ≤ 0.05, beyond δ) | power at own MDE % | median iterations needed by CV class | power for 2δ at them % (by CV class) |",
                   "|---|---|---:|---:|---|---:|---:|---:|---|---|"]
        for check in checks {
            let aa = check.aa, cell = aa.cell
            let m = aa.medianDetectable.map { $0.isFinite ? String(format: "%.1f%%", $0 * 100) : "—" }.joined(separator: " / ")
            let k = aa.medianIterationsNeeded.map { $0.map(String.init) ?? "—" }.joined(separator: " / ")
            let byClass = check.atIterations.map { $0.map { pct($0.powerWherePromised).trimmingCharacters(in: .whitespaces) } ?? "—" }
            out.append("| \(cell.model.rawValue) | \(cell.design.rawValue) | \(cell.n) | \(pct(aa.promisedShare)) | \(m) | \(check.atMedian.changedWherePromised) | \(pct(check.atMedian.powerWherePromised)) | \(pct(check.atOwn.powerWherePromised)) | \(k) | \(pct(check.powerAtIterations)) (\(byClass.joined(separator: " / "))) |")
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// Results filled in from parallel work, one slot per index.
final class ParallelResults<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Value) { lock.withLock { slots[index] = value } }
    var finished: Int { lock.withLock { slots.filter { $0 != nil }.count } }
    var values: [Value] { lock.withLock { slots.compactMap { $0 } } }
}
