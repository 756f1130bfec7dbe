import CSpawn
import Foundation

/// Number formatting shared by the reports (the original's helpers, without its quirks).
public enum NumberText {
    public static func f(_ v: Double?, _ digits: Int) -> String {
        guard let v, v.isFinite else { return "N/A" }
        return String(format: "%.\(digits)f", v)
    }

    /// Seconds: µs/ms/s/min, e.g. 12.34s, 45.00ms, 2m06s.
    /// A value of `metric` with its unit: a time, megabytes, or an instruction count (G = 10^9).
    public static func metricValue(_ metric: Metric, _ x: Double?) -> String {
        guard let x, x.isFinite else { return "N/A" }
        switch metric {
        case .rss: return String(format: "%.1fMB", x)
        case .instructions: return count(x)
        default: return time(x)
        }
    }

    /// An instruction count, e.g. 4.7536G, 97.17M, 128k.
    public static func count(_ x: Double) -> String {
        let a = abs(x)
        if a >= 1e9 { return String(format: "%.4fG", x / 1e9) }
        if a >= 1e6 { return String(format: "%.2fM", x / 1e6) }
        if a >= 1e3 { return String(format: "%.0fk", x / 1e3) }
        return String(format: "%.0f", x)
    }

    /// A duration to the nearest unit a planner needs: 95 s, 12.5 min, 3.2 h.
    public static func approximateDuration(_ s: Double) -> String {
        if s < 120 { return String(format: "%.0f s", s) }
        if s < 7200 { return String(format: "%.1f min", s / 60) }
        return String(format: "%.1f h", s / 3600)
    }

    public static func time(_ s: Double?) -> String {
        guard let s, s.isFinite else { return "N/A" }
        if s < 0.001 { return String(format: "%.0fµs", s * 1e6) }
        if s < 1 { return String(format: "%.2fms", s * 1e3) }
        if s < 59.995 { return String(format: "%.2fs", s) }
        // Beyond a million hours the minutes are noise; the exponent keeps it readable and trap-free.
        if s >= 3.6e9 { return String(format: "%.3es", s) }
        let total = Int(s.rounded())
        return String(format: "%dm%02ds", total / 60, total % 60)
    }

    /// A signed percentage; "-0.0%" never appears.
    public static func pct(_ v: Double?, digits: Int = 1) -> String {
        guard let v, v.isFinite else { return "N/A" }
        let s = String(format: "%+.\(digits)f%%", v)
        return s.hasPrefix("-") && Double(s.dropFirst().dropLast()) == 0 ? "+" + s.dropFirst() : s
    }

    public static func ratio(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "N/A" }
        return String(format: "%.3f", v)
    }

    public static func pValue(_ p: Double?) -> String {
        guard let p, p.isFinite else { return "N/A" }
        if p < 0.0001 { return "<1e-4" }
        return String(format: "%.4f", p)
    }
}

/// A plain-text table with left/right aligned columns.
public struct TextTable {
    public enum Align { case left, right }
    public var headers: [String]
    public var aligns: [Align]
    public var rows: [[String]] = []

    public init(_ columns: [(String, Align)]) {
        headers = columns.map(\.0)
        aligns = columns.map(\.1)
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        var widths = headers.map { $0.count }
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return aligns[i] == .left ? c + pad : pad + c
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(headers), String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1))]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}

extension String {
    /// Shortens long names for table cells, keeping the end (test ids differ at the end).
    public func truncatedHead(_ n: Int) -> String {
        count <= n ? self : "…" + String(suffix(n - 1))
    }
}

/// Line-buffers stdout so piped output interleaves correctly with progress lines on stderr.
public func lineBufferStdout() { lb_line_buffer_stdout() }
