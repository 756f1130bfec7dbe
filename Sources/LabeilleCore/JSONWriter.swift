/// Writes JSON the way Python's `json.dumps` does (", " and ": " separators, ASCII-only with \uXXXX
/// escapes, float repr, bare NaN/Infinity), so files we write are byte-compatible with the Python tool.
public enum JSONWriter {
    public static func compact(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out, indent: nil, level: 0)
        return out
    }

    /// Pretty form with 2-space indentation, as `json.dumps(indent=2)`.
    public static func pretty(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out, indent: 2, level: 0)
        return out
    }

    static func write(_ value: JSONValue, into out: inout String, indent: Int?, level: Int) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += formatNumber(d)
        case .integer(let i): out += String(i)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += indent == nil ? ", " : "," }
                if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                write(item, into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "]"
        case .object(let pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += indent == nil ? ", " : "," }
                if let indent { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
                writeString(pair.key, into: &out)
                out += ": "
                write(pair.value, into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
            out += "}"
        }
    }

    /// Python's float repr, which `json.dumps` uses: the shortest digits that round-trip, written in exponent
    /// notation only when the decimal exponent is below -4 or at least 16 (`1e-05`, `0.0001`,
    /// `9500000000000000.0`, `1e+16`), otherwise with a '.' and at least one fraction digit.
    public static func formatNumber(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        let sign = d.sign == .minus ? "-" : ""
        if d == 0 { return sign + "0.0" }
        let (digits, exponent) = shortestDigits(d.magnitude)
        return sign + pythonLayout(digits: digits, exponent: exponent)
    }

    /// The shortest round-trip significant digits of a positive finite `d` (Swift's `description` finds the
    /// same ones as Python, but lays them out differently) and the decimal exponent of the first digit.
    static func shortestDigits(_ d: Double) -> (digits: String, exponent: Int) {
        let parts = d.description.split(separator: "e")
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        var exponent = (parts.count > 1 ? Int(parts[1])! : 0) + mantissa[0].count - 1
        var digits = Substring(mantissa.joined())
        while digits.first == "0" { digits = digits.dropFirst(); exponent -= 1 }
        while digits.last == "0" { digits = digits.dropLast() }
        return (String(digits), exponent)
    }

    /// Lays out `d₁.d₂d₃… × 10^exponent` as Python's repr does.
    static func pythonLayout(digits: String, exponent e: Int) -> String {
        if e < -4 || e >= 16 {
            let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
            let magnitude = String(abs(e))
            return mantissa + (e < 0 ? "e-" : "e+") + (magnitude.count < 2 ? "0" : "") + magnitude
        }
        if e < 0 { return "0." + String(repeating: "0", count: -e - 1) + digits }
        if e + 1 >= digits.count { return digits + String(repeating: "0", count: e + 1 - digits.count) + ".0" }
        return String(digits.prefix(e + 1)) + "." + digits.dropFirst(e + 1)
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 || u.value > 0x7E {
                    if u.value > 0xFFFF {
                        let v = u.value - 0x10000
                        out += hex4(0xD800 + (v >> 10)) + hex4(0xDC00 + (v & 0x3FF))
                    } else if u.value == 0x7F {
                        out.unicodeScalars.append(u)
                    } else {
                        out += hex4(u.value)
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    private static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - h.count) + h
    }
}

extension JSONValue {
    /// Builds an object from key/value pairs in order.
    public static func obj(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(pairs.map { (key: $0.0, value: $0.1) }) }
    public static func str(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    public static func num(_ d: Double?) -> JSONValue { d.map { .number($0) } ?? .null }
    public static func int(_ i: Int?) -> JSONValue { i.map { .integer($0) } ?? .null }
}
