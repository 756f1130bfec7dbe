import Foundation
import LabeilleCore
import LabeilleStats

/// The system and condition summary of a run report. Between compared runs (system, settings) and
/// between compared conditions (interpreter, build, environment variables), values that differ from the
/// baseline are highlighted (colour, bold and a "≠" flag, so it shows in greyscale too).
enum EnvironmentSummary {
    typealias Row = EnvironmentRows.Row

    static func systemRows(_ runs: [StoredRun]) -> [Row] { EnvironmentRows.systemRows(runs) }

    struct Entity {
        var label: String
        var run: StoredRun
        var condition: StoredRun.Condition
    }

    static func conditionColumns() -> [(title: String, value: (StoredRun.Condition) -> String)] {
        EnvironmentRows.conditionColumns()
    }

    static func render(_ w: inout HTMLWriter, report: RunReport) {
        renderSystem(&w, report: report)
        renderConditions(&w, report: report)
    }

    static func renderSystem(_ w: inout HTMLWriter, report: RunReport) {
        let runs = report.runs
        let rows = systemRows(runs)
        w.element("h3", text: runs.count == 1 ? "System" : "Systems and settings of the compared runs")
        var differing: [String] = []
        if runs.count == 1 {
            // One run: two label/value tables side by side, to keep the page short.
            let half = (rows.count + 1) / 2
            w.element("div", ["class": "env-pair", "id": "system-table"]) { w in
                for part in [rows[..<half], rows[half...]] {
                    w.element("table", ["class": "env-table"]) { w in
                        w.element("tbody") { w in
                            for row in part {
                                w.element("tr") { w in
                                    w.element("th", text: row.label)
                                    w.element("td", text: row.values[0])
                                }
                            }
                        }
                    }
                }
            }
        } else {
            differing = systemTable(&w, rows: rows, report: report)
        }
        if runs.count > 1 {
            w.element("p", ["class": "note", "id": "system-differences"], text: differing.isEmpty
                ? "The compared runs share the same system and settings."
                : "Differs between the runs (highlighted): \(differing.joined(separator: ", ")).")
        }
    }

    /// Every condition of the compared runs, each against its baseline: the baseline condition of the run (one
    /// run), or the condition of the same name in the baseline run (several runs).
    struct ConditionRows {
        let entities: [Entity]
        let report: RunReport
        let baseLabels: Set<String>

        init(report: RunReport) {
            let runs = report.runs
            entities = runs.flatMap { r in
                r.conditions.map { c in Entity(label: runs.count == 1 ? c.name : "\(r.benchID)/\(c.name)", run: r, condition: c) }
            }
            self.report = report
            baseLabels = Set(report.sets.map(\.baseline))
        }

        func reference(_ e: Entity) -> Int? {
            if report.runs.count == 1 {
                return entities.firstIndex { baseLabels.contains($0.label) } ?? 0
            }
            let baseRun = baselineBenchID(report) ?? report.runs[0].benchID
            return entities.firstIndex { $0.run.benchID == baseRun && $0.condition.name == e.condition.name }
                ?? entities.firstIndex { $0.run.benchID == baseRun }
        }

        func isBaseline(_ e: Entity) -> Bool { reference(e).map { entities[$0].label == e.label } ?? true }

        /// Whether some row's value differs from its own baseline row's.
        func differs(_ value: (StoredRun.Condition) -> String) -> Bool {
            entities.contains { e in
                guard !isBaseline(e), let r = reference(e) else { return false }
                return value(entities[r].condition) != value(e.condition)
            }
        }
    }

    static func envText(_ env: [KeyValue]) -> String { env.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "\n") }

    static func renderConditions(_ w: inout HTMLWriter, report: RunReport) {
        let rows = ConditionRows(report: report)
        let columns = conditionColumns()
        w.element("h3", text: "Conditions")
        var condDiffs: [String] = []
        let columnDiffers = columns.map { rows.differs($0.value) }
        let envDiffers = rows.differs { envText($0.env) }
        w.element("table", ["class": "env-table", "id": "conditions-table"]) { w in
            conditionsHead(&w, runs: report.runs.count, columns: columns.map(\.title), columnDiffers: columnDiffers, envDiffers: envDiffers)
            w.element("tbody") { w in
                for e in rows.entities { conditionRow(&w, e, rows: rows, columns: columns, diffs: &condDiffs) }
            }
        }
        w.element("p", ["class": "note", "id": "condition-differences"], text: condDiffs.isEmpty
            ? "The compared conditions share the same interpreter, build and environment variables."
            : "Differs from the baseline (highlighted): \(condDiffs.joined(separator: "; ")).")
    }


    static func conditionsHead(_ w: inout HTMLWriter, runs: Int, columns: [String], columnDiffers: [Bool], envDiffers: Bool) {
        w.element("thead") { w in
            w.element("tr") { w in
                w.element("th", text: runs == 1 ? "Condition" : "Run / condition")
                for (i, title) in columns.enumerated() {
                    w.element("th", ["class": columnDiffers[i] ? "differs" : nil], text: title + (columnDiffers[i] ? " ≠" : ""))
                }
                w.element("th", ["class": envDiffers ? "differs" : nil], text: "Environment variables" + (envDiffers ? " ≠" : ""))
            }
        }
    }

    /// One condition; cells that differ from its baseline row are marked and listed in `diffs`.
    static func conditionRow(_ w: inout HTMLWriter, _ e: Entity, rows: ConditionRows,
                             columns: [(title: String, value: (StoredRun.Condition) -> String)], diffs: inout [String]) {
        let runs = rows.report.runs
        let ref = rows.reference(e).map { rows.entities[$0] }
        let isBase = ref.map { $0.label == e.label } ?? true
        let baseRun = baselineBenchID(rows.report) ?? runs[0].benchID
        w.element("tr", ["data-condition": e.label]) { w in
            w.element("th", text: e.label + (isBase && (runs.count == 1 || e.run.benchID == baseRun) ? " (baseline)" : ""))
            for col in columns {
                let v = col.value(e.condition)
                let refV = ref.map { col.value($0.condition) }
                let differs = !isBase && refV != nil && refV != v
                if differs { diffs.append("\(e.label): \(col.title)") }
                let long = col.title == "Interpreter" || col.title == "Build flags" || col.title == "Description"
                w.element("td", ["class": differs ? (long ? "differs wrap-any" : "differs") : (long ? "wrap-any" : nil),
                                 "title": differs ? "baseline (\(ref!.label)): \(refV!)" : nil], text: v)
            }
            w.element("td", ["class": "mono wrap-any"]) { w in
                renderEnv(&w, e.condition.env, reference: isBase ? nil : ref?.condition.env, diffs: &diffs, label: e.label)
            }
        }
    }

    /// Several runs: one column per run; rows that differ are flagged, cells that differ from the baseline run marked.
    /// Returns the labels of the differing rows.
    static func systemTable(_ w: inout HTMLWriter, rows: [Row], report: RunReport) -> [String] {
        let runs = report.runs
        var differing: [String] = []
        w.element("table", ["class": "env-table", "id": "system-table"]) { w in
            w.element("thead") { w in
                w.element("tr") { w in
                    w.element("th", text: "")
                    let base = baselineBenchID(report) ?? runs[0].benchID
                    for r in runs { w.element("th", text: r.benchID + (r.benchID == base ? " (baseline)" : "")) }
                }
            }
            w.element("tbody") { w in
                let base = runs.firstIndex { $0.benchID == baselineBenchID(report) } ?? 0
                for row in rows {
                    let differs = row.compare && Set(row.values).count > 1
                    if differs { differing.append(row.label) }
                    w.element("tr", ["class": differs ? "differs-row" : nil, "data-differs": differs ? "true" : nil]) { w in
                        w.element("th", ["class": differs ? "differs" : nil], text: row.label + (differs ? " ≠" : ""))
                        for (i, v) in row.values.enumerated() {
                            let cellDiffers = differs && i != base && v != row.values[base]
                            w.element("td", ["class": cellDiffers ? "differs" : nil,
                                             "title": cellDiffers ? "differs from the baseline: \(row.values[base])" : nil], text: v)
                        }
                    }
                }
            }
        }
        return differing
    }

    /// Environment variables, marking those that differ from (or are missing in) the reference.
    static func renderEnv(_ w: inout HTMLWriter, _ env: [KeyValue], reference: [KeyValue]?, diffs: inout [String], label: String) {
        if env.isEmpty && (reference ?? []).isEmpty { w.text("—"); return }
        var refMap: [String: String] = [:]
        for kv in reference ?? [] { refMap[kv.key] = kv.value }
        var first = true
        for kv in env {
            if !first { w.leaf("br") }
            first = false
            let differs = reference != nil && refMap[kv.key] != kv.value
            if differs {
                diffs.append("\(label): \(kv.key)")
                w.element("mark", ["title": refMap[kv.key].map { "baseline: \(kv.key)=\($0)" } ?? "not set in the baseline"],
                          text: "\(kv.key)=\(kv.value)")
            } else {
                w.text("\(kv.key)=\(kv.value)")
            }
        }
        if let reference {
            let keys = Set(env.map(\.key))
            for kv in reference where !keys.contains(kv.key) {
                if !first { w.leaf("br") }
                first = false
                diffs.append("\(label): \(kv.key) unset")
                w.element("mark", ["title": "baseline: \(kv.key)=\(kv.value)"], text: "\(kv.key) unset")
            }
        }
    }

    static func baselineBenchID(_ report: RunReport) -> String? {
        guard report.runs.count > 1 else { return report.runs.first?.benchID }
        guard let b = report.sets.first?.baseline else { return report.runs.first?.benchID }
        return report.runs.first { b.hasPrefix($0.benchID + "/") }?.benchID
    }
}
