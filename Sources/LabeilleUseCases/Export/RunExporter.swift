/// One `bench export` format (csv, csv-summary, markdown), each in its own file.
import LabeilleCore
import LabeilleReports
import LabeilleRunner
import LabeilleStats
import LabeilleStore
public protocol RunExporter {
    /// Writes the export through `emit` piece by piece, so large runs are not held in memory twice.
    func export(store: Store, run: StoredRun, emit: (String) throws -> Void) throws
}

public enum ExportFormat: String, CaseIterable, Sendable {
    case csv
    case csvSummary = "csv-summary"
    case markdown

    public var exporter: RunExporter {
        switch self {
        case .csv: return IterationsCSVExporter()
        case .csvSummary: return SummaryCSVExporter()
        case .markdown: return MarkdownExporter()
        }
    }
}

/// RFC 4180 / Python csv "excel" dialect: quote fields holding a comma, quote, CR or LF; rows end in CRLF.
public enum CSV {
    public static func field(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
    public static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }
}
