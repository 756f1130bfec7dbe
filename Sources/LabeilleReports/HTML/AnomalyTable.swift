import Foundation
import LabeilleCore
import LabeilleStats

/// The anomalies of the reported runs (the original's five types and thresholds, `bench show --anomalies`).
enum AnomalyTable {
    static func render(_ w: inout HTMLWriter, report: RunReport) {
        let anomalies = report.anomalies
        let multi = report.runs.count > 1
        guard !anomalies.isEmpty else {
            w.element("p", ["id": "anomalies-none"], text: "No anomalies: no mixed statuses, high CV, bimodal times, outlier-heavy or trending series.")
            return
        }
        let e = anomalies.filter { $0.anomaly.severity == .error }.count
        let wa = anomalies.filter { $0.anomaly.severity == .warning }.count
        let i = anomalies.filter { $0.anomaly.severity == .info }.count
        w.element("p", text: "\(e) errors, \(wa) warnings, \(i) info (\(Set(anomalies.map { $0.benchID + "\u{0}" + $0.anomaly.package }).count) packages affected).")
        w.element("table", ["class": "anomaly-table", "id": "anomaly-table"]) { w in
            w.element("thead") { w in
                w.element("tr") { w in
                    var heads = ["Severity"]
                    if multi { heads.append("Run") }
                    heads += ["Package", "Condition", "Type", "Value", "Threshold", "Description", "Recommendation"]
                    for h in heads { w.element("th", ["class": h == "Value" || h == "Threshold" ? "num" : nil], text: h) }
                }
            }
            w.element("tbody") { w in
                for sev in Anomaly.Severity.allCases {
                    for item in anomalies where item.anomaly.severity == sev {
                        let a = item.anomaly
                        w.element("tr", ["class": "anomaly", "data-severity": sev.rawValue, "data-package": a.package,
                                         "data-condition": a.condition, "data-type": a.type]) { w in
                            let symbol = sev == .error ? "✖" : sev == .warning ? "▲" : "ℹ"
                            w.element("td", ["class": "sev-\(sev.rawValue)"], text: "\(symbol) \(sev.rawValue)")
                            if multi { w.element("td", text: item.benchID) }
                            w.element("td", text: a.package)
                            w.element("td", text: a.condition)
                            w.element("td", ["class": "mono"], text: a.type)
                            w.element("td", ["class": "num"], text: number(a.metricValue, type: a.type))
                            w.element("td", ["class": "num"], text: number(a.threshold, type: a.type))
                            w.element("td", text: a.description)
                            w.element("td", ["class": "muted"], text: a.recommendation)
                        }
                    }
                }
            }
        }
    }

    static func number(_ v: Double, type: String) -> String {
        switch type {
        case "high_cv", "outlier_heavy": return String(format: "%.1f%%", v * 100)
        case "status_mixed": return String(Int(v))
        default: return NumberText.f(v, 2)
        }
    }
}
