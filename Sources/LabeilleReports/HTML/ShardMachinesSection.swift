import Foundation
import LabeilleCore

enum ShardMachinesSection {
    /// The machines section of the HTML report.
    static func render(_ w: inout HTMLWriter, _ notes: [ShardMachinesNote]) {
        guard !notes.isEmpty else { return }
        w.element("h3", ["id": "machines"], text: "Machines")
        for note in notes {
            w.element("pre", ["class": "machines"], text: note.lines.joined(separator: "\n"))
            for warning in note.warnings { w.element("p", ["class": "note machines-warning"], text: "⚠ " + warning) }
        }
    }
}
