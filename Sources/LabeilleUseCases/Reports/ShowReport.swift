import Foundation
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore

/// `bench show RUN`: system profile, conditions, the per-package table (median wall time, IQR, CV and
/// status per condition, and the verdict of each treatment against the baseline), measurement quality.
public enum ShowReport {
    public static func render(store: Store, run: StoredRun, threshold: Double = 0.01) throws -> String {
        var out: [String] = []
        out.append(run.title)
        out.append(String(repeating: "─", count: run.title.count))
        if !run.description.isEmpty { out.append(run.description) }
        if run.name.isEmpty == false { out.append("Bench id: \(run.benchID) (\(run.origin))") }
        out.append("")
        if let s = run.system { out += systemBlock(s) }
        for (i, c) in run.conditions.enumerated() {
            out.append("Condition '\(c.name)'\(i == 0 ? " (baseline)" : ""):" + (c.description.isEmpty ? "" : " \(c.description)"))
            if let p = c.profile {
                out += profileLines(p).map { "  " + $0 }
            } else if !c.targetPython.isEmpty {
                out.append("  Python:   \(c.targetPython)")
            }
            if !c.env.isEmpty { out.append("  Env:      " + c.env.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        }
        out.append("")
        out.append("Iterations: \(run.iterations.map(String.init) ?? "?") measured + \(run.warmup.map(String.init) ?? "?") warmup")
        let strategy = run.interleave == true ? "interleaved" : run.alternate == true ? "alternating" : run.alternate == false ? "block" : "unknown"
        out.append("Strategy: \(strategy)")
        if strategy != "alternating" && strategy != "interleaved" && run.conditions.count >= 2 {
            out.append("  Block order: each condition's iterations ran together, so drift over the run is confounded with the"
                       + " difference; compare estimates the drift from the time order and calls inconclusive what it cannot separate.")
        }
        if run.adaptive == true {
            out.append(String(format: "Adaptive: on (threshold %.1f%% RSE, min %d iterations)",
                              (run.adaptiveThreshold ?? 0.005) * 100, run.adaptiveMinIterations ?? 5))
        }
        out.append("Packages: \(run.packagesCompleted) completed, \(run.packagesSkipped) skipped")
        if !run.startTime.isEmpty && !run.endTime.isEmpty { out.append("Time: \(run.startTime) → \(run.endTime)") }
        out.append("")

        let rows = try RunQueries.conditionStats(db: store.db, benchID: run.benchID, metric: "wall")
        let skipped = try RunQueries.skippedPackages(db: store.db, runID: run.runID)
        var stats: [String: [String: ConditionStatRow]] = [:]
        var packages: [String] = []
        for r in rows where !skipped.contains(r.package) {
            if stats[r.package] == nil { packages.append(r.package) }
            stats[r.package, default: [:]][r.condition] = r
        }
        let condNames = run.conditions.map(\.name)
        var verdicts: [String: [String: PackageComparison]] = [:]
        if condNames.count >= 2 {
            for set in try RunComparison.withinRun(store: store, run: run, baseline: nil, metric: "wall", threshold: threshold) {
                for c in set.comparisons { verdicts[c.package, default: [:]][set.treatment] = c }
            }
        }
        let statuses = try RunQueries.statusCounts(benchID: run.benchID, db: store.db)
        let base = condNames.first ?? ""
        packages.sort { (stats[$0]?[base]?.median ?? -1) > (stats[$1]?[base]?.median ?? -1) }
        let table = packageTable(packages: packages, conditions: condNames, stats: stats, statuses: statuses, verdicts: verdicts)
        if packages.isEmpty { out.append("No measured packages.") } else { out.append(table.render()) }
        if condNames.count >= 2 { out += tableFootnote(base: base, comparisons: verdicts.values.flatMap(\.values)) }
        out += try instructionLines(store: store, run: run)
        out.append("")
        out += try qualityBlock(store.db, run: run, stats: stats, conditions: condNames)
        return out.joined(separator: "\n")
    }

    /// Per condition: median, IQR, CV and status; per treatment, the original tool's Overhead, CI (95%)
    /// and Sig. columns, then our verdict.
    static func packageTable(packages: [String], conditions: [String], stats: [String: [String: ConditionStatRow]],
                             statuses: [String: [String: [String: Int]]],
                             verdicts: [String: [String: PackageComparison]]) -> TextTable {
        var columns: [(String, TextTable.Align)] = [("Package", .left)]
        for c in conditions { columns += [("\(c) (s)", .right), ("IQR", .right), ("CV", .right), ("Status", .left)] }
        for c in conditions.dropFirst() {
            let label = conditions.count > 2 ? " \(c)" : ""
            columns += [("Overhead\(label)", .right), ("CI (95%)", .right), ("Sig.", .left), ("Verdict", .left)]
        }
        var table = TextTable(columns)
        for pkg in packages {
            var row = [pkg.truncatedHead(30)]
            for c in conditions {
                let s = stats[pkg]?[c]
                row += [NumberText.f(s?.median, 2), NumberText.f(s?.iqr, 2), s?.cv.map { NumberText.f($0, 3) } ?? "N/A",
                        statusText(statuses[pkg]?[c] ?? [:])]
            }
            for c in conditions.dropFirst() {
                if let v = verdicts[pkg]?[c] {
                    row += [NumberText.pct(v.overheadPct), v.ratioIntervalText, v.welch.stars, v.verdictText]
                } else { row += ["N/A", "", "", ""] }
            }
            table.add(row)
        }
        return table
    }

    /// Says how each column was computed, naming every interval method that was actually used.
    static func tableFootnote(base: String, comparisons: [PackageComparison]) -> [String] {
        var methods: [ComparisonMethod: Int] = [:]
        for c in comparisons { methods[c.method, default: 0] += 1 }
        let used = methods.sorted { $0.value > $1.value }.map { "\($0.key.label) (\($0.value))" }.joined(separator: ", ")
        return [
            "Overhead: ratio of medians to '\(base)' minus 1, as the original labeille. CI (95%): interval of the",
            "ratio minus 1 by \(used.isEmpty ? "no method" : used). Sig.: Welch's t-test on raw times, as the original.",
            "Verdict: `bench compare` (interval, Benjamini–Hochberg q and δ; \"!\": whole interval beyond δ).",
        ]
    }

    public static func systemBlock(_ s: SystemProfile) -> [String] {
        var cpu = "CPU:      \(s.cpuModel) (\(s.cpuCoresPhysical) cores"
        if s.cpuCoresLogical != s.cpuCoresPhysical { cpu += " / \(s.cpuCoresLogical) threads" }
        if let f = s.cpuFreqMHz, f > 0 {
            cpu += String(format: ", %.0f MHz", f)
            if let m = s.cpuFreqMaxMHz, m > 0 { cpu += String(format: " (max %.0f MHz)", m) }
        }
        cpu += ")"
        var lines = ["System Profile", String(repeating: "─", count: 14), cpu,
                     String(format: "RAM:      %.1f GB total, %.1f GB available", s.ramTotalGB, s.ramAvailableGB)]
        if s.swapTotalGB > 0 { lines.append(String(format: "Swap:     %.1f GB", s.swapTotalGB)) }
        lines.append(s.osName == "Darwin" ? "OS:       \(s.osDistro)" : "OS:       \(s.osDistro) (\(s.osName) \(s.osKernelVersion))")
        lines.append(String(format: "Disk:     %@, %.0f GB available", s.diskType.uppercased(), s.diskAvailableGB))
        lines.append("Load:     \(JSONWriter.formatNumber(s.loadAvg1m)) / \(JSONWriter.formatNumber(s.loadAvg5m)) / \(JSONWriter.formatNumber(s.loadAvg15m))")
        lines.append("Host:     Python \(s.hostPythonVersion) (\(s.hostPythonImplementation))")
        lines.append("Hostname: \(s.hostname)")
        lines.append("Time:     \(s.timestamp)")
        lines.append("")
        return lines
    }

    public static func profileLines(_ p: PythonProfile) -> [String] {
        var lines = ["Python:   \(p.version) (\(p.implementation))", "Compiler: \(p.compiler)"]
        if !p.path.isEmpty { lines.append("Path:     \(p.path)") }
        var flags: [String] = []
        if p.jitEnabled { flags.append("JIT enabled") } else if p.jitAvailable { flags.append("JIT available (disabled)") }
        if p.gilDisabled { flags.append("GIL disabled (free-threaded)") }
        if p.debugBuild { flags.append("debug build") }
        if !flags.isEmpty { lines.append("Flags:    " + flags.joined(separator: ", ")) }
        let keys = ["jit", "gil", "debug", "optimiz", "lto", "asan", "msan", "tsan", "ubsan"]
        let build = p.buildFlags.filter { f in keys.contains { f.lowercased().contains($0) } }
        if !build.isEmpty { lines.append("Build:    " + build.joined(separator: " ")) }
        return lines
    }

    static func statusText(_ counts: [String: Int]) -> String {
        let total = counts.values.reduce(0, +)
        if total == 0 { return "-" }
        let ok = counts["ok"] ?? 0
        if ok == total { return "ok" }
        let worst = counts.filter { $0.key != "ok" }.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.first!.key
        return "\(ok)/\(total) ok, \(worst)"
    }

    static func qualityBlock(_ db: Database, run: StoredRun, stats: [String: [String: ConditionStatRow]],
                             conditions: [String]) throws -> [String] {
        var out = ["Measurement Quality", String(repeating: "─", count: 19)]
        var allCVs: [Double] = []
        let cpus = run.system?.cpuCoresLogical ?? 0
        let workloads = try WorkloadAnalysis.load(db: db, benchID: run.benchID)
        for c in conditions {
            let cvs = stats.values.compactMap { $0[c]?.cv }
            guard !cvs.isEmpty else { continue }
            allCVs += cvs
            let quality = try RunQueries.conditionQuality(benchID: run.benchID, condition: c, db: db)
            out.append("  \(c):")
            out.append("    Median CV:         \(NumberText.f(Statistics.median(cvs), 3))")
            let high = cvs.filter { $0 > 0.10 }.count
            if high > 0 { out.append("    Packages with CV > 10%: \(high)") }
            out.append("    Outliers:          \(quality.outliers) / \(quality.iterations) iterations")
            if quality.notOK > 0 {
                out.append("    Excluded (not ok): \(quality.notOK) iterations")
            }
            out.append("    Max system load:   \(NumberText.f(quality.maxLoad, 1))")
            if let load = try MeasurementLoad.of(db: db, benchID: run.benchID, condition: c, logicalCPUs: cpus) {
                out.append("    Median load:       \(load.text)")
            }
            let changed = workloads.values.compactMap { $0[c] }.filter(\.changedWithin).map(\.package).sorted()
            if !changed.isEmpty {
                out.append("    ⚠ Workload changed between iterations: \(changed.joined(separator: ", ")) (see --anomalies)")
            }
        }
        if !allCVs.isEmpty {
            let m = Statistics.median(allCVs)
            let q = m < 0.03 ? "Excellent (CV < 3%)" : m < 0.05 ? "Good (CV < 5%)" : m < 0.10 ? "Acceptable (CV < 10%)"
                : "Poor (CV ≥ 10%) — results may be unreliable"
            if let load = run.measurementLoad, load.isHigh {
                out.append("  Overall: Unreliable — median load \(NumberText.f(load.median, 2)) above the \(load.logicalCPUs) logical CPUs (the CV alone would say \(q))")
                out.append("  ⚠ " + load.warning(run: run.benchID))
            } else {
                out.append("  Overall: \(q)")
            }
        }
        return out
    }

    /// `--anomalies` block.
    public static func renderAnomalies(_ anomalies: [Anomaly]) -> String {
        guard !anomalies.isEmpty else { return "Anomaly Report\n──────────────\n  No anomalies." }
        var out = ["Anomaly Report", String(repeating: "─", count: 14)]
        for sev in Anomaly.Severity.allCases {
            for a in anomalies where a.severity == sev {
                out.append("  [\(sev.rawValue.uppercased())] \(a.package)/\(a.condition): \(a.description)")
                out.append("    → \(a.recommendation)")
            }
        }
        out.append("")
        let e = anomalies.filter { $0.severity == .error }.count
        let w = anomalies.filter { $0.severity == .warning }.count
        let i = anomalies.filter { $0.severity == .info }.count
        out.append("  Summary: \(e) errors, \(w) warnings, \(i) info (\(Set(anomalies.map(\.package)).count) packages affected)")
        return out.joined(separator: "\n")
    }

    /// `--per-test PKG`: per condition, the slowest tests by median call duration (from v_test_stats).
    public static func renderPerTest(store: Store, run: StoredRun, package: String) throws -> String {
        var out: [String] = []
        var found = false
        for c in run.conditions {
            let rows = try RunQueries.testStats(db: store.db, benchID: run.benchID, package: package, condition: c.name)
                .sorted { ($0.median, $1.testID) > ($1.median, $0.testID) }
            guard !rows.isEmpty else { continue }
            found = true
            let calls = rows.filter { $0.phase == "call" }
            let tests = Set(rows.map(\.testID)).count
            let total = calls.reduce(0.0) { $0 + $1.median }
            out.append("")
            out.append("\(c.name):")
            out.append("Per-Test Timing Summary")
            out.append(String(repeating: "─", count: 23))
            out.append("  Tests: \(tests)")
            let rejected = try RunQueries.rejectedTestDurations(benchID: run.benchID, package: package, condition: c.name, db: store.db)
            if rejected > 0 {
                out.append("  Rejected durations: \(rejected) (negative, not finite or longer than the iteration; left out)")
            }
            out.append(String(format: "  Total test time (sum of median call durations): %.2fs", total))
            var t = TextTable([("Slowest tests", .left), ("Median", .right), ("Mean", .right), ("n", .right)])
            for r in calls.prefix(10) {
                t.add([r.testID.truncatedHead(60), NumberText.f(r.median, 4) + "s", NumberText.f(r.mean, 4) + "s", String(r.n)])
            }
            out.append(t.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            if calls.count > 10 { out.append("  ... and \(calls.count - 10) more tests") }
        }
        if !found {
            if try !RunQueries.hasPackage(benchID: run.benchID, package: package, db: store.db) {
                throw PackageNotFound(package: package, benchID: run.benchID)
            }
            return "No per-test timing data for '\(package)' (run with --per-test-timing)."
        }
        return out.joined(separator: "\n")
    }
}
