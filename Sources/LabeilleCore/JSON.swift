import Foundation

/// A JSON value that keeps object key order (condition order is the key order of the Python tool's
/// objects) and accepts the bare `NaN`, `Infinity` and `-Infinity` tokens that Python writes.
public enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    /// An integer literal (no '.' or exponent), kept apart so that writing it back gives `5`, not `5.0`.
    case integer(Int)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.integer(let a), .integer(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }

    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number, .integer: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

public struct JSONParseError: Error, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public var description: String { "\(reason) at character \(offset + 1)" }
}

/// A recursive-descent parser over UTF-8 bytes.
public struct JSONParser {
    public static func parse(_ text: String) throws -> JSONValue {
        var copy = text
        return try copy.withUTF8 { try parse(bytes: $0) }
    }

    public static func parse(bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.skipWhitespace()
        let v = try p.parseValue(depth: 0)
        p.skipWhitespace()
        if p.pos < bytes.count { throw p.error("unexpected text after the JSON value") }
        return v
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0
    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func error(_ reason: String) -> JSONParseError { JSONParseError(offset: pos, reason: reason) }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            let c = bytes[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { break }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let n = literal.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw error("truncated value") }
        let lit = literal.utf8Start
        for i in 0..<n where bytes[pos + i] != lit[i] { throw error("invalid literal") }
        pos += n
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw error("nesting too deep") }
        guard pos < bytes.count else { throw error("unexpected end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .number(.nan)
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .number(.infinity)
        case UInt8(ascii: "-") where pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "I"):
            pos += 1; try expectLiteral("Infinity"); return .number(-.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[pos])))'")
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        pos += 1
        var pairs: [(key: String, value: JSONValue)] = []
        var keys = Set<String>()
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(pairs) }
        while true {
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of input in object") }
            guard bytes[pos] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyStart = pos
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            pos += 1
            skipWhitespace()
            // A repeated key would silently drop one of the values (which one depends on the reader).
            if pairs.count < 16 {
                if pairs.contains(where: { $0.key == key }) { throw JSONParseError(offset: keyStart, reason: "duplicate key \"\(key)\"") }
            } else {
                if keys.isEmpty { keys = Set(pairs.map(\.key)) }
                if keys.contains(key) { throw JSONParseError(offset: keyStart, reason: "duplicate key \"\(key)\"") }
            }
            let value = try parseValue(depth: depth + 1)
            pairs.append((key, value))
            if !keys.isEmpty { keys.insert(key) }
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of input in object") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(pairs) }
            throw error("expected ',' or '}' in object")
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        pos += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of input in array") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            throw error("expected ',' or ']' in array")
        }
    }

    /// JSON's number grammar exactly: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, so `007`,
    /// `1.`, `.5` and `1e` are refused rather than read as something the writer did not mean.
    private mutating func parseNumber() throws -> JSONValue {
        let start = pos
        var negative = false
        if bytes[pos] == UInt8(ascii: "-") { pos += 1; negative = true }
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        guard isDigit(pos) else { throw JSONParseError(offset: start, reason: "invalid number") }
        var intValue = 0
        var digits = 0
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if isDigit(pos) { throw JSONParseError(offset: start, reason: "invalid number (leading zero)") }
            digits = 1
        } else {
            while isDigit(pos) {
                intValue = intValue &* 10 &+ Int(bytes[pos] - 0x30)
                digits += 1
                pos += 1
            }
        }
        var isInteger = true
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard isDigit(pos) else { throw JSONParseError(offset: start, reason: "invalid number (no digit after '.')") }
            while isDigit(pos) { pos += 1 }
            isInteger = false
        }
        if pos < bytes.count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
            pos += 1
            if pos < bytes.count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
            guard isDigit(pos) else { throw JSONParseError(offset: start, reason: "invalid number (no digit in the exponent)") }
            while isDigit(pos) { pos += 1 }
            isInteger = false
        }
        if isInteger && digits <= 18 { return .integer(negative ? -intValue : intValue) }
        return .number(try parseDouble(start: start))
    }

    private func parseDouble(start: Int) throws -> Double {
        // strtod on a small stack copy: Double(String) would allocate for every number.
        let len = pos - start
        return try withUnsafeTemporaryAllocation(of: CChar.self, capacity: len + 1) { buf in
            for i in 0..<len { buf[i] = CChar(bitPattern: bytes[start + i]) }
            buf[len] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(buf.baseAddress!, &end)
            guard let end, end - buf.baseAddress! == len else {
                throw JSONParseError(offset: start, reason: "invalid number")
            }
            return v
        }
    }

    private mutating func parseString() throws -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes. Bytes above 0x7F are checked to be UTF-8 (decoding would silently
        // replace bad ones with U+FFFD and merge distinct names).
        var sawHighByte = false
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<pos])
                if sawHighByte, let bad = Self.invalidUTF8Offset(raw) {
                    throw JSONParseError(offset: start + bad, reason: "invalid UTF-8 in string")
                }
                let s = String(decoding: raw, as: UTF8.self)
                pos += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character in string") }
            if c >= 0x80 { sawHighByte = true }
            pos += 1
        }
        var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                if let bad = out.withUnsafeBufferPointer({ Self.invalidUTF8Offset($0) }) {
                    throw JSONParseError(offset: start + bad, reason: "invalid UTF-8 in string")
                }
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c < 0x20 { throw error("control character in string") }
            if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
            pos += 1
            guard pos < bytes.count else { break }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"): out.append(contentsOf: try parseUnicodeEscape())
            default: throw error("invalid escape")
            }
        }
        throw error("unterminated string")
    }

    /// The UTF-8 bytes of a `\uXXXX` escape (its `\u` already read), joining a surrogate pair; a lone
    /// surrogate becomes U+FFFD.
    private mutating func parseUnicodeEscape() throws -> [UInt8] {
        var scalar = try parseHex4()
        if (0xD800..<0xDC00).contains(scalar) {
            if pos + 1 < bytes.count && bytes[pos] == UInt8(ascii: "\\") && bytes[pos + 1] == UInt8(ascii: "u") {
                pos += 2
                let low = try parseHex4()
                if (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else { scalar = 0xFFFD }
            } else { scalar = 0xFFFD }
        } else if (0xDC00..<0xE000).contains(scalar) { scalar = 0xFFFD }
        return Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
    }

    /// The offset of the first byte that is not part of well-formed UTF-8, or nil.
    static func invalidUTF8Offset(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let need: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default: return i
            }
            guard i + need < b.count else { return i }
            if b[i + 1] < low || b[i + 1] > high { return i }
            for k in 2..<(need + 1) where b[i + k] < 0x80 || b[i + k] > 0xBF { return i }
            i += need + 1
        }
        return nil
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }
}

/// A line longer than the reader's cap.
public struct LineTooLong: Error, CustomStringConvertible {
    public let line: Int
    public let limit: Int
    public var description: String { "line longer than \(limit >> 20) MB" }
}

/// Reads a file line by line through one reusable buffer, so memory does not grow with the file
/// (only with the longest line).
public final class LineReader {
    private let fd: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity = 1 << 20
    private var start = 0
    private var end = 0
    private var eof = false
    public private(set) var lineNumber = 0

    /// Longest accepted line: a longer one (or a file of zeros without newlines) is an error, not an
    /// ever-growing buffer.
    public let maxLineBytes: Int

    /// Opens a regular file (anything else is refused by `SafeFile.openRegular`, which names the path).
    public init(path: String, maxLineBytes: Int = Limits.maxLineBytes) throws {
        fd = try SafeFile.openRegular(path)
        self.maxLineBytes = maxLineBytes
        buffer = .allocate(capacity: capacity)
    }
    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// Calls `body` with the bytes of the next line (without its newline); nil at end of file.
    public func nextLine<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T? {
        var scanFrom = start
        while true {
            if let nl = memchr(buffer + scanFrom, 0x0A, end - scanFrom) {
                let nlIndex = buffer.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                lineNumber += 1
                let line = UnsafeBufferPointer(start: buffer + start, count: nlIndex - start)
                start = nlIndex + 1
                return try body(line)
            }
            scanFrom = end
            if eof {
                guard start < end else { return nil }
                lineNumber += 1
                let line = UnsafeBufferPointer(start: buffer + start, count: end - start)
                start = end
                return try body(line)
            }
            // Make room: move the partial line to the front, grow when one line fills the buffer.
            if start > 0 {
                let len = end - start
                (buffer).update(from: buffer + start, count: len)
                scanFrom -= start
                start = 0
                end = len
            }
            if end == capacity {
                guard capacity < maxLineBytes else {
                    throw LineTooLong(line: lineNumber + 1, limit: maxLineBytes)
                }
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.update(from: buffer, count: end)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = read(fd, buffer + end, capacity - end)
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 { eof = true } else { end += n }
        }
    }
}
