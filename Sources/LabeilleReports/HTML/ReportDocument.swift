import Foundation
import LabeilleCore
import LabeilleStats

/// The frame shared by the HTML reports: doctype, XHTML namespace (so the file parses as XML too),
/// inline stylesheet, table of contents and footer. No script, no external resource.
enum ReportDocument {
    static func begin(_ w: inout HTMLWriter, title: String) {
        w.raw("<!DOCTYPE html>\n")
        w.open("html", ["xmlns": "http://www.w3.org/1999/xhtml", "lang": "en"])
        w.element("head") { w in
            w.leaf("meta", ["charset": "utf-8"])
            w.leaf("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
            w.leaf("meta", ["name": "generator", "content": "labeille bench report"])
            w.element("title", text: title)
            w.element("style") { w in w.raw("\n" + ReportTheme.css + "\n") }
        }
        w.open("body")
    }

    static func toc(_ w: inout HTMLWriter, _ entries: [(id: String, title: String)]) {
        w.element("nav", ["class": "toc", "aria-label": "Sections"]) { w in
            for e in entries { w.element("a", ["href": "#" + e.id], text: e.title) }
        }
    }

    static func end(_ w: inout HTMLWriter, generatedAt: String?) {
        w.element("footer") { w in
            var line = "Written by labeille bench report: a self-contained file (inline SVG and CSS, no script, no network)."
            if let generatedAt, !generatedAt.isEmpty { line += " Generated \(generatedAt)." }
            w.text(line)
        }
        w.close("body")
        w.close("html")
        w.raw("\n")
    }

    /// A section with an id and a heading; `body` writes its content.
    static func section(_ w: inout HTMLWriter, id: String, title: String, _ body: (inout HTMLWriter) -> Void) {
        w.element("section", ["id": id]) { w in
            w.element("h2", text: title)
            body(&w)
        }
    }

    /// A verdict as text, with its symbol and colour class (readable without colour).
    static func verdict(_ w: inout HTMLWriter, _ c: PackageComparison) {
        let style = ReportTheme.style(c.verdict)
        w.element("span", ["class": "verdict verdict-\(c.verdict.rawValue)"], text: "\(style.symbol) \(c.verdictText)")
    }

    /// The unit and axis label of a metric.
    static func metricLabel(_ metric: String) -> (unit: String, axis: String, name: String) {
        switch metric {
        case "cpu": return ("s", "CPU time, user + sys (s)", "CPU time")
        case "user": return ("s", "user CPU time (s)", "user time")
        case "sys": return ("s", "system CPU time (s)", "system time")
        case "rss": return ("MB", "peak RSS (MB)", "peak RSS")
        case "instructions": return ("instr", "user-space instructions", "instructions")
        default: return ("s", "wall time (s)", "wall time")
        }
    }
}
