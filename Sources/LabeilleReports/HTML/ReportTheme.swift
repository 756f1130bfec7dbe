import Foundation
import LabeilleCore
import LabeilleStats

/// Colours, marker shapes and the stylesheet of the HTML reports.
///
/// Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies);
/// every verdict also has its own marker shape and a text label, so the charts survive greyscale print.
public enum ReportTheme {
    public enum OkabeIto {
        public static let black = "#000000"
        public static let orange = "#E69F00"
        public static let skyBlue = "#56B4E9"
        public static let bluishGreen = "#009E73"
        public static let yellow = "#F0E442"
        public static let blue = "#0072B2"
        public static let vermillion = "#D55E00"
        public static let reddishPurple = "#CC79A7"
        /// Series colours in order (black last: it is used for summaries and baselines).
        public static let series = [blue, orange, bluishGreen, reddishPurple, skyBlue, vermillion, yellow, black]
    }

    public struct VerdictStyle: Sendable {
        public var color: String
        public var shape: SVG.MarkerShape
        /// A text symbol with the same meaning as the shape, for tables.
        public var symbol: String
        public var filled: Bool
    }

    public static func style(_ v: Verdict) -> VerdictStyle {
        switch v {
        case .slower: return VerdictStyle(color: OkabeIto.vermillion, shape: .triangleRight, symbol: "▶", filled: true)
        case .faster: return VerdictStyle(color: OkabeIto.blue, shape: .triangleLeft, symbol: "◀", filled: true)
        case .equivalent: return VerdictStyle(color: OkabeIto.bluishGreen, shape: .square, symbol: "■", filled: true)
        case .inconclusive: return VerdictStyle(color: "#555555", shape: .circle, symbol: "○", filled: false)
        case .unresolved: return VerdictStyle(color: "#999999", shape: .circle, symbol: "?", filled: false)
        }
    }

    /// The colour of the i-th series (condition) in strip plots.
    public static func seriesColor(_ i: Int) -> String { OkabeIto.series[i % OkabeIto.series.count] }

    /// The stylesheet, constant text (no `<` or `&`, so it is valid inside XHTML too).
    public static let css = """
        :root { --fg: #1a1a1a; --muted: #5b5b5b; --rule: #d0d0d0; --bg-soft: #f4f4f4; --diff: #fff3c4; --diff-edge: #E69F00;
          --slower: #D55E00; --faster: #0072B2; --equivalent: #009E73; --inconclusive: #555555; }
        * { box-sizing: border-box; }
        html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--fg); margin: 0 auto;
          max-width: 1180px; padding: 16px 24px 48px; font-size: 14px; line-height: 1.4; background: #fff; }
        h1 { font-size: 24px; margin: 8px 0 2px; }
        h2 { font-size: 19px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--fg); }
        h3 { font-size: 16px; margin: 18px 0 6px; }
        h4 { font-size: 14px; margin: 0 0 2px; }
        p { margin: 4px 0 8px; }
        .subtitle, .muted, .note { color: var(--muted); }
        .note { font-size: 12.5px; }
        nav.toc { font-size: 13px; margin: 6px 0 10px; }
        nav.toc a { margin-right: 14px; color: var(--faster); }
        code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
        table { border-collapse: collapse; margin: 6px 0 10px; font-size: 12.5px; }
        th, td { border-bottom: 1px solid var(--rule); padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: var(--bg-soft); font-weight: bold; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.num-wrap { text-align: right; font-variant-numeric: tabular-nums; }
        table.full-width { width: 100%; }
        td.differs, th.differs { background: var(--diff); box-shadow: inset 3px 0 0 var(--diff-edge); font-weight: bold; }
        mark { background: var(--diff); color: inherit; font-weight: bold; padding: 0 2px; border-bottom: 2px solid var(--diff-edge); }
        .diff-flag { color: #8a5a00; font-weight: bold; }
        .wrap { overflow-wrap: break-word; }
        .wrap-any { overflow-wrap: anywhere; }
        .pareto-table td.mono { max-width: 520px; }
        .env-pair { display: flex; flex-wrap: wrap; gap: 0 24px; align-items: flex-start; }
        #conditions-table { width: 100%; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; }
        .card { border: 1px solid var(--rule); border-left: 5px solid var(--fg); padding: 8px 12px; min-width: 260px; background: #fff; }
        .card .big { font-size: 22px; font-weight: bold; }
        .verdict { font-weight: bold; white-space: nowrap; }
        .verdict-slower { color: var(--slower); }
        .verdict-faster { color: var(--faster); }
        .verdict-equivalent { color: var(--equivalent); }
        .verdict-inconclusive { color: var(--inconclusive); }
        .sev-error { color: var(--slower); font-weight: bold; }
        .sev-warning { color: #8a5a00; font-weight: bold; }
        .sev-info { color: var(--faster); }
        .legend { display: flex; flex-wrap: wrap; gap: 16px; font-size: 12.5px; margin: 4px 0; align-items: center; }
        .legend svg { vertical-align: middle; }
        .grid-plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 10px 18px; }
        .plot-cell { border: 1px solid var(--rule); padding: 6px 8px 2px; break-inside: avoid; }
        .plot-cell h4 { display: flex; justify-content: space-between; gap: 8px; flex-wrap: wrap; }
        .chart { display: block; max-width: 100%; height: auto; overflow: visible; }
        svg text { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11px; fill: var(--fg); }
        svg .tick-label { font-size: 10.5px; }
        svg .tick-sublabel { font-size: 9.5px; fill: var(--muted); }
        svg .axis-label { font-size: 11.5px; font-weight: bold; }
        svg .row-label { font-size: 11.5px; }
        svg .row-value { font-size: 11px; font-family: "DejaVu Sans Mono", monospace; white-space: pre; }
        svg .small { font-size: 10px; fill: var(--muted); }
        svg .axis-line, svg .tick { stroke: #333; stroke-width: 1; }
        svg .grid { stroke: #e3e3e3; stroke-width: 1; }
        svg .unity { stroke: #000; stroke-width: 1.3; stroke-dasharray: 4 3; }
        svg .delta-band { fill: #e8e8e8; }
        svg .row-stripe { fill: #f7f7f7; }
        svg .ci { stroke-width: 2; }
        svg .ci-cap { stroke-width: 2; }
        svg .marker-filled { stroke: #000; stroke-width: 0.6; }
        svg .marker-hollow { fill: #fff; stroke-width: 1.8; }
        svg .summary-diamond { fill: #000; }
        svg .box { fill: #ececec; stroke: #444; stroke-width: 1; }
        svg .median { stroke: #000; stroke-width: 2.5; }
        svg .whisker { stroke: #444; stroke-width: 1; }
        svg .dot { stroke: #000; stroke-width: 0.5; fill-opacity: 0.85; }
        svg .s0 { fill: #0072B2; } svg .s1 { fill: #E69F00; } svg .s2 { fill: #009E73; } svg .s3 { fill: #CC79A7; }
        svg .s4 { fill: #56B4E9; } svg .s5 { fill: #D55E00; } svg .s6 { fill: #F0E442; } svg .s7 { fill: #000000; }
        svg .whisker { fill: none; }
        svg .bar { stroke: #000; stroke-width: 0.5; }
        svg .bar-other { fill: #bdbdbd; stroke: #000; stroke-width: 0.5; }
        svg .cumulative { fill: none; stroke: #000; stroke-width: 1.8; }
        svg .cum-point { fill: #fff; stroke: #000; stroke-width: 1.5; }
        svg .trend { fill: none; stroke-width: 1.8; }
        svg .band { fill-opacity: 0.18; stroke: none; }
        svg .change-point { stroke: #D55E00; stroke-width: 1.6; stroke-dasharray: 5 3; }
        svg .segment { stroke: #000; stroke-width: 1; stroke-opacity: 0.55; }
        svg .cp-label { font-size: 10px; font-weight: bold; fill: #D55E00; }
        .class-regressing { color: var(--slower); }
        .class-improving { color: var(--faster); }
        .class-volatile { color: #8a5a00; }
        .class-stable { color: var(--equivalent); }
        svg .pinned { stroke: #000; stroke-width: 1.4; stroke-dasharray: 1 3; }
        svg .arrow { fill: #000; }
        details > summary { cursor: pointer; color: var(--muted); }
        footer { margin-top: 36px; border-top: 1px solid var(--rule); padding-top: 6px; font-size: 12px; color: var(--muted); }
        @media print {
          body { max-width: none; padding: 0; font-size: 11px; }
          nav.toc { display: none; }
          h2 { break-after: avoid; }
          .plot-cell, table tr, svg { break-inside: avoid; }
        }
        """
}
