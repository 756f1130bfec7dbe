import Foundation
import LabeilleCore
import LabeilleStats

/// Small helpers to draw charts as inline SVG: scales, ticks, axes with labels and units, markers.
public enum SVG {
    /// A coordinate with at most one decimal ("12", "12.5"): enough on screen, small in the file.
    public static func n(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 10).rounded() / 10
        if r == r.rounded() { return String(Int(r)) }
        return String(format: "%.1f", r)
    }

    /// Starts an `<svg>` with a view box, a role and an accessible title.
    public static func open(_ w: inout HTMLWriter, width: Double, height: Double, label: String, cssClass: String,
                            id: String? = nil) {
        w.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "id": id, "class": cssClass,
                       "viewBox": "0 0 \(n(width)) \(n(height))", "width": n(width), "height": n(height),
                       "role": "img", "aria-label": label])
        w.element("title", text: label)
    }

    /// A text element.
    public static func text(_ w: inout HTMLWriter, _ s: String, x: Double, y: Double, anchor: String = "start",
                            cssClass: String? = nil, rotate: Double? = nil) {
        w.element("text", ["x": n(x), "y": n(y), "text-anchor": anchor == "start" ? nil : anchor, "class": cssClass,
                           "transform": rotate.map { "rotate(\(n($0)) \(n(x)) \(n(y)))" }], text: s)
    }

    public static func line(_ w: inout HTMLWriter, _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, cssClass: String,
                            stroke: String? = nil) {
        w.leaf("line", ["x1": n(x1), "y1": n(y1), "x2": n(x2), "y2": n(y2), "class": cssClass, "stroke": stroke])
    }

    public static func rect(_ w: inout HTMLWriter, x: Double, y: Double, width: Double, height: Double, cssClass: String,
                            title: String? = nil, fill: String? = nil) {
        let attrs: HTMLWriter.Attributes = ["x": n(x), "y": n(y), "width": n(max(0, width)), "height": n(max(0, height)),
                                            "class": cssClass, "fill": fill]
        shape(&w, "rect", attrs, title: title)
    }

    /// A childless shape, or the shape holding its hover title when it has one.
    static func shape(_ w: inout HTMLWriter, _ tag: String, _ attrs: HTMLWriter.Attributes, title: String?) {
        guard let title else { w.leaf(tag, attrs); return }
        w.open(tag, attrs)
        w.element("title", text: title)
        w.close()
    }

    /// SVG's `points` attribute: "x,y x,y …".
    static func pointList(_ points: [(Double, Double)]) -> String { points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ") }

    /// A polyline through points.
    public static func polyline(_ w: inout HTMLWriter, _ points: [(Double, Double)], cssClass: String, stroke: String? = nil) {
        guard points.count >= 2 else { return }
        w.leaf("polyline", ["points": pointList(points), "class": cssClass, "stroke": stroke])
    }

    /// A closed polygon.
    public static func polygon(_ w: inout HTMLWriter, _ points: [(Double, Double)], cssClass: String, fill: String? = nil,
                               title: String? = nil) {
        let attrs: HTMLWriter.Attributes = ["points": pointList(points), "class": cssClass, "fill": fill]
        shape(&w, "polygon", attrs, title: title)
    }

    // MARK: Markers

    public enum MarkerShape: String, Sendable {
        case circle, square, diamond, triangleUp, triangleDown, triangleRight, triangleLeft, cross
    }

    /// The path of a marker of "radius" r centred on (x, y).
    public static func markerPath(_ shape: MarkerShape, x: Double, y: Double, r: Double) -> String {
        func p(_ pts: [(Double, Double)]) -> String {
            "M" + pts.map { "\(n(x + $0.0)) \(n(y + $0.1))" }.joined(separator: " L") + " Z"
        }
        switch shape {
        case .circle:
            return "M\(n(x - r)) \(n(y)) a\(n(r)) \(n(r)) 0 1 0 \(n(2 * r)) 0 a\(n(r)) \(n(r)) 0 1 0 \(n(-2 * r)) 0 Z"
        case .square: return p([(-r * 0.85, -r * 0.85), (r * 0.85, -r * 0.85), (r * 0.85, r * 0.85), (-r * 0.85, r * 0.85)])
        case .diamond: return p([(0, -r * 1.15), (r * 1.15, 0), (0, r * 1.15), (-r * 1.15, 0)])
        case .triangleUp: return p([(0, -r * 1.15), (r * 1.1, r * 0.85), (-r * 1.1, r * 0.85)])
        case .triangleDown: return p([(0, r * 1.15), (r * 1.1, -r * 0.85), (-r * 1.1, -r * 0.85)])
        case .triangleRight: return p([(r * 1.2, 0), (-r * 0.9, -r * 1.1), (-r * 0.9, r * 1.1)])
        case .triangleLeft: return p([(-r * 1.2, 0), (r * 0.9, -r * 1.1), (r * 0.9, r * 1.1)])
        case .cross:
            let a = r * 0.9, b = r * 0.3
            return p([(-a, -a + b), (-a + b, -a), (0, -b), (a - b, -a), (a, -a + b), (b, 0), (a, a - b), (a - b, a), (0, b),
                      (-a + b, a), (-a, a - b), (-b, 0)])
        }
    }

    /// A marker with an optional hover title.
    public static func marker(_ w: inout HTMLWriter, _ shape: MarkerShape, x: Double, y: Double, r: Double,
                              cssClass: String, title: String? = nil, attributes: HTMLWriter.Attributes = [:]) {
        var all: [(String, String?)] = [("d", markerPath(shape, x: x, y: y, r: r)), ("class", cssClass)]
        for (k, v) in attributes { all.append((k, v)) }
        if let title {
            w.open("path", attributeList: all)
            w.element("title", text: title)
            w.close()
        } else {
            w.leaf("path", attributeList: all)
        }
    }
}

// MARK: - Scales

/// A linear map from data to pixels.
public struct LinearScale: Sendable {
    public var domain: (Double, Double)
    public var range: (Double, Double)
    public init(domain: (Double, Double), range: (Double, Double)) {
        var d = domain
        if !(d.1 > d.0) {
            let c = d.0.isFinite ? d.0 : 0
            let pad = c == 0 ? 1 : abs(c) * 0.05
            d = (c - pad, c + pad)
        }
        self.domain = d
        self.range = range
    }
    public func callAsFunction(_ v: Double) -> Double {
        range.0 + (v - domain.0) / (domain.1 - domain.0) * (range.1 - range.0)
    }

    /// 1-2-5 steps, about `count` of them, inside the domain.
    public func ticks(count: Int = 5) -> [Double] {
        let span = domain.1 - domain.0
        guard span > 0, span.isFinite else { return [domain.0] }
        let raw = span / Double(max(1, count))
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var out: [Double] = []
        var t = ceil(domain.0 / step - 1e-9) * step
        while t <= domain.1 + step * 1e-9 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return out
    }

    /// The domain widened to whole ticks, with a little padding.
    public static func nice(_ lo: Double, _ hi: Double, includeZero: Bool = false, padding: Double = 0.05) -> (Double, Double) {
        var a = lo, b = hi
        if includeZero { a = min(a, 0); b = max(b, 0) }
        if !(b > a) { let pad = a == 0 ? 1 : abs(a) * 0.05; return (a - pad, b + pad) }
        let pad = (b - a) * padding
        return (includeZero && a == 0 ? 0 : a - pad, b + pad)
    }
}

/// A log scale for ratios (1 = no change), symmetric in the sense that ×2 and ×½ are equally far from 1.
public struct LogScale: Sendable {
    public var domain: (Double, Double)
    public var range: (Double, Double)
    public init(domain: (Double, Double), range: (Double, Double)) {
        precondition(domain.0 > 0 && domain.1 > domain.0, "log scale needs 0 < low < high")
        self.domain = domain
        self.range = range
    }
    public func callAsFunction(_ v: Double) -> Double {
        let lv = log(min(max(v, domain.0), domain.1))
        return range.0 + (lv - log(domain.0)) / (log(domain.1) - log(domain.0)) * (range.1 - range.0)
    }
    /// Whether v lies outside the domain (drawn clipped, with an arrow).
    public func clipped(_ v: Double) -> Bool { v < domain.0 || v > domain.1 }

    static let candidates: [Double] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.333, 0.5, 0.667, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99,
                                       1, 1.01, 1.02, 1.05, 1.1, 1.25, 1.333, 1.5, 2, 3, 4, 5, 10, 20, 50, 100]

    /// Ratio ticks that include 1 and keep at least `minSpacing` pixels apart, preferring round values.
    public func ticks(minSpacing: Double = 46) -> [Double] {
        let inside = Self.candidates.filter { $0 >= domain.0 * 0.999 && $0 <= domain.1 * 1.001 }
        var kept: [Double] = inside.contains(1) ? [1] : []
        // Walk outwards from 1 on each side, keeping a tick when it is far enough from the last kept one.
        for side in [inside.filter { $0 > 1 }, inside.filter { $0 < 1 }.reversed()] {
            var last = kept.first ?? side.first ?? 1
            if kept.isEmpty, let f = side.first { kept.append(f); last = f }
            for t in side where !kept.contains(t) {
                if abs(self(t) - self(last)) >= minSpacing { kept.append(t); last = t }
            }
        }
        return kept.sorted()
    }

    /// A domain around the given ratios, always containing 1 and ±δ, clamped to [1/limit, limit].
    public static func ratioDomain(_ values: [Double], threshold: Double, limit: Double = 4) -> (Double, Double) {
        let finite = values.filter { $0.isFinite && $0 > 0 }
        var lo = min(finite.min() ?? 1, 1 - threshold * 2), hi = max(finite.max() ?? 1, 1 + threshold * 2)
        lo = max(lo, 1 / limit); hi = min(hi, limit)
        let pad = (log(hi) - log(lo)) * 0.04
        return (exp(log(lo) - pad), exp(log(hi) + pad))
    }
}

// MARK: - Axes

public enum Axis {
    /// A horizontal axis at `y` with ticks, tick labels, vertical grid lines from `gridTop`, and a label with its unit.
    public static func bottom(_ w: inout HTMLWriter, ticks: [(position: Double, label: String, sublabel: String?)], y: Double,
                              x0: Double, x1: Double, gridTop: Double?, label: String) {
        w.open("g", ["class": "axis axis-x"])
        if let gridTop {
            for t in ticks { SVG.line(&w, t.position, gridTop, t.position, y, cssClass: "grid") }
        }
        SVG.line(&w, x0, y, x1, y, cssClass: "axis-line")
        for t in ticks {
            SVG.line(&w, t.position, y, t.position, y + 5, cssClass: "tick")
            SVG.text(&w, t.label, x: t.position, y: y + 17, anchor: "middle", cssClass: "tick-label")
            if let s = t.sublabel { SVG.text(&w, s, x: t.position, y: y + 29, anchor: "middle", cssClass: "tick-sublabel") }
        }
        let hasSub = ticks.contains { $0.sublabel != nil }
        SVG.text(&w, label, x: (x0 + x1) / 2, y: y + (hasSub ? 45 : 33), anchor: "middle", cssClass: "axis-label")
        w.close()
    }

    /// A vertical axis at `x` (ticks to the left when `side` is "left"), with a rotated label.
    public static func vertical(_ w: inout HTMLWriter, ticks: [(position: Double, label: String)], x: Double, y0: Double,
                                y1: Double, side: String, gridTo: Double?, label: String) {
        let left = side == "left"
        w.open("g", ["class": "axis axis-y"])
        if let gridTo {
            for t in ticks { SVG.line(&w, x, t.position, gridTo, t.position, cssClass: "grid") }
        }
        SVG.line(&w, x, y0, x, y1, cssClass: "axis-line")
        for t in ticks {
            SVG.line(&w, x, t.position, x + (left ? -5 : 5), t.position, cssClass: "tick")
            SVG.text(&w, t.label, x: x + (left ? -8 : 8), y: t.position + 4, anchor: left ? "end" : "start", cssClass: "tick-label")
        }
        let lx = x + (left ? -52 : 52)
        SVG.text(&w, label, x: lx, y: (y0 + y1) / 2, anchor: "middle", cssClass: "axis-label", rotate: left ? -90 : 90)
        w.close()
    }

    /// Tick labels for ratio ticks: "0.9×" with "-10%" underneath.
    public static func ratioTickLabels(_ ticks: [Double], scale: LogScale) -> [(position: Double, label: String, sublabel: String?)] {
        ticks.map { t in
            (scale(t), trimmed(String(format: "%.2f", t)) + "×", t == 1 ? "0%" : NumberText.pct((t - 1) * 100, digits: 0))
        }
    }

    /// "0.90" → "0.9", "2.00" → "2".
    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var s = s
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// A compact number for tick labels (no trailing zeros).
    public static func tickNumber(_ v: Double, step: Double) -> String {
        // Enough decimals to write the step exactly (0.025 needs 3), so neighbouring ticks never round alike.
        var digits = 0
        while digits < 6 {
            let scaled = step * pow(10, Double(digits))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { break }
            digits += 1
        }
        var s = String(format: "%.\(digits)f", v)
        if s.hasPrefix("-") && Double(s) == 0 { s.removeFirst() }
        return s
    }
}
