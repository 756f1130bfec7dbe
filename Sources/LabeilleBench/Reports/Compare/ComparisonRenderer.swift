/// One output format of `bench compare` (table, markdown, json): each lives in its own file.
public protocol ComparisonRenderer {
    func render(_ sets: [ComparisonSet], threshold: Double) -> String
}

public enum ComparisonFormat: String, CaseIterable, Sendable {
    case table, markdown, json

    public var renderer: ComparisonRenderer {
        switch self {
        case .table: return ComparisonTableRenderer()
        case .markdown: return ComparisonMarkdownRenderer()
        case .json: return ComparisonJSONRenderer()
        }
    }
}

extension PackageComparison {
    /// The interval as a signed percentage range, e.g. "[+1.2%, +3.4%]".
    var ratioIntervalText: String {
        guard ratioLow.isFinite, ratioHigh.isFinite else { return "[N/A]" }
        return "[\(Fmt.pct((ratioLow - 1) * 100)), \(Fmt.pct((ratioHigh - 1) * 100))]"
    }
    var verdictText: String { verdict.rawValue + (confirmed ? "!" : "") }
}

extension ComparisonSummary {
    var verdictCountsText: String {
        Verdict.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
    }
    var geomeanText: String {
        guard geomeanRatio.isFinite else { return "N/A" }
        return "\(Fmt.ratio(geomeanRatio)) (\(Fmt.pct((geomeanRatio - 1) * 100)))"
            + (geomeanLow.isFinite ? ", 95% CI [\(Fmt.ratio(geomeanLow)), \(Fmt.ratio(geomeanHigh))]" : "")
    }
}
