import Foundation
import LabeilleCore
import LabeilleStats

/// Builds well-formed HTML that is also well-formed XML (XHTML-compatible): every element is closed,
/// text and attribute values are escaped, characters XML forbids are replaced. Elements with no content
/// are written `<x/>` only through `leaf`, which callers use for HTML void elements and SVG shapes.
public struct HTMLWriter {
    public private(set) var output: String
    private var stack: [String] = []

    public typealias Attributes = KeyValuePairs<String, String?>

    public init(capacity: Int = 1 << 16) {
        output = ""
        output.reserveCapacity(capacity)
    }

    /// The elements still open (empty when the document is complete).
    public var openElements: [String] { stack }

    // MARK: Escaping

    /// Escapes text content: `&`, `<`, `>`; characters that XML 1.0 does not allow become U+FFFD.
    public static func escapeText(_ s: String) -> String { escape(s, attribute: false) }

    /// Escapes a double-quoted attribute value: also `"`, `'`, and tabs/newlines as character references
    /// (so parsers do not normalise them away).
    public static func escapeAttribute(_ s: String) -> String { escape(s, attribute: true) }

    private static func escape(_ s: String, attribute: Bool) -> String {
        var needs = false
        for u in s.utf8 where u < 0x20 || u == 0x26 || u == 0x3C || u == 0x3E || u == 0x22 || u == 0x27 || u == 0xEF {
            needs = true
            break
        }
        if !needs { return s }
        var out = String.UnicodeScalarView()
        func put(_ text: String) { out.append(contentsOf: text.unicodeScalars) }
        for c in s.unicodeScalars {
            switch c {
            case "&": put("&amp;")
            case "<": put("&lt;")
            case ">": put("&gt;")
            case "\"" where attribute: put("&quot;")
            case "'" where attribute: put("&#39;")
            case "\n" where attribute: put("&#10;")
            case "\t" where attribute: put("&#9;")
            case "\r": put(attribute ? "&#13;" : "\n")
            case "\n", "\t": out.append(c)
            default:
                if c.value < 0x20 || c.value == 0xFFFE || c.value == 0xFFFF {
                    out.append("\u{FFFD}")
                } else {
                    out.append(c)
                }
            }
        }
        return String(out)
    }

    // MARK: Writing

    private static func checkName(_ name: String) {
        precondition(!name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x3A || $0 == 0x5F },
                     "invalid element or attribute name '\(name)'")
    }

    private mutating func writeStart(_ tag: String, _ attributes: Attributes) {
        writeStart(tag, list: attributes.map { ($0.key, $0.value) })
    }

    private mutating func writeStart(_ tag: String, list attributes: [(String, String?)]) {
        Self.checkName(tag)
        output += "<"
        output += tag
        for (name, value) in attributes {
            guard let value else { continue }
            Self.checkName(name)
            output += " "
            output += name
            output += "=\""
            output += Self.escapeAttribute(value)
            output += "\""
        }
    }

    /// Opens an element; close it with `close()`.
    public mutating func open(_ tag: String, _ attributes: Attributes = [:]) {
        writeStart(tag, attributes)
        output += ">"
        stack.append(tag)
    }

    /// Opens an element whose attributes are built at run time.
    public mutating func open(_ tag: String, attributeList: [(String, String?)]) {
        writeStart(tag, list: attributeList)
        output += ">"
        stack.append(tag)
    }

    /// Closes the innermost open element.
    public mutating func close() {
        guard let tag = stack.popLast() else { preconditionFailure("close() with no open element") }
        output += "</"
        output += tag
        output += ">"
    }

    /// Closes open elements down to (and including) the innermost `tag`.
    public mutating func close(_ tag: String) {
        while let last = stack.last {
            close()
            if last == tag { return }
        }
        preconditionFailure("close(\(tag)) with no such open element")
    }

    /// An element with children written by `body`.
    public mutating func element(_ tag: String, _ attributes: Attributes = [:], _ body: (inout HTMLWriter) -> Void) {
        open(tag, attributes)
        let depth = stack.count
        body(&self)
        precondition(stack.count == depth, "unbalanced elements inside <\(tag)>")
        close()
    }

    /// An element holding escaped text (written `<tag ...>text</tag>` even when the text is empty).
    public mutating func element(_ tag: String, _ attributes: Attributes = [:], text: String) {
        writeStart(tag, attributes)
        output += ">"
        output += Self.escapeText(text)
        output += "</"
        output += tag
        output += ">"
    }

    /// A self-closed element: HTML void elements (meta, br, hr) and SVG shapes.
    public mutating func leaf(_ tag: String, _ attributes: Attributes = [:]) {
        writeStart(tag, attributes)
        output += "/>"
    }

    /// A self-closed element whose attributes are built at run time.
    public mutating func leaf(_ tag: String, attributeList: [(String, String?)]) {
        writeStart(tag, list: attributeList)
        output += "/>"
    }

    /// Escaped text.
    public mutating func text(_ s: String) { output += Self.escapeText(s) }

    /// Markup the caller guarantees to be well-formed (constant CSS, the doctype).
    public mutating func raw(_ s: String) { output += s }

    /// Appends another writer's finished output (which must have no open elements).
    public mutating func append(_ other: HTMLWriter) {
        precondition(other.stack.isEmpty, "appending an unfinished fragment")
        output += other.output
    }

    /// The document, checking that every element was closed.
    public func finish() -> String {
        precondition(stack.isEmpty, "unclosed elements: \(stack.joined(separator: " > "))")
        return output
    }
}

/// Exact numbers for data- attributes and hover texts: Swift's shortest round-trip representation,
/// so a reader gets back the same Double; "NaN" when undefined.
enum ExactNumber {
    static func text(_ d: Double) -> String { d.isFinite ? "\(d)" : (d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity")) }
    static func text(_ d: Double?) -> String { d.map(text) ?? "NaN" }
}
