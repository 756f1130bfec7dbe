import Foundation
// Decodes the Python labeille's `bench_meta.json` and `bench_results.jsonl` objects. Unknown keys are
// ignored and optional keys take the documented defaults; a required key that is missing or a value of
// the wrong type is an error naming the field.

public struct FormatError: Error, CustomStringConvertible {
    public let message: String
    /// The JSON key the problem is about, when known: locates the line in a multi-line file.
    public var key: String?
    public init(_ message: String, key: String? = nil) { self.message = message; self.key = key }
    public var description: String { message }
}

/// The iteration statuses the Python labeille writes; anything else is refused on ingest.
public enum IterationStatus: String, CaseIterable, Sendable {
    case ok, fail, timeout, error, oom
}

/// Typed access to one JSON object, with the path of the object for error messages.
package struct JSONObjectReader {
    package let pairs: [(key: String, value: JSONValue)]
    package let path: String

    package init(_ value: JSONValue, path: String) throws {
        guard case .object(let p) = value else {
            throw FormatError("\(path.isEmpty ? "value" : path): expected an object, got \(value.typeName)")
        }
        pairs = p
        self.path = path
    }

    func raw(_ key: String) -> JSONValue? {
        for p in pairs where p.key == key { return p.value }
        return nil
    }
    private func field(_ key: String) -> String { path.isEmpty ? "'\(key)'" : "'\(path).\(key)'" }
    private func present(_ key: String) -> JSONValue? {
        guard let v = raw(key) else { return nil }
        if case .null = v { return nil }
        return v
    }
    private func missing(_ key: String) -> FormatError { FormatError("missing required field \(field(key))", key: key) }
    private func wrong(_ key: String, _ expected: String, _ got: JSONValue) -> FormatError {
        FormatError("field \(field(key)): expected \(expected), got \(got.typeName)", key: key)
    }
    package func outOfRange(_ key: String, _ problem: String) -> FormatError {
        FormatError("field \(field(key)): \(problem)", key: key)
    }

    /// A number in `range` (finite), or nil when absent.
    package func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let d = try double(key) else { return nil }
        if let problem = Limits.problem(d, range) { throw outOfRange(key, problem) }
        return d
    }
    package func requiredDouble(_ key: String, in range: ClosedRange<Double>) throws -> Double {
        guard let d = try double(key, in: range) else { throw missing(key) }
        return d
    }
    /// An integer in `range`, or nil when absent.
    package func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let i = try int(key) else { return nil }
        if let problem = Limits.problem(i, range) { throw outOfRange(key, problem) }
        return i
    }
    package func requiredInt(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let i = try int(key, in: range) else { throw missing(key) }
        return i
    }
    /// A string that is safe as a name (see `SafeName`).
    package func requiredName(_ key: String) throws -> String {
        let s = try requiredString(key)
        if let problem = SafeName.problem(s) { throw outOfRange(key, "'\(SafeName.printable(s))' \(problem)") }
        return s
    }
    /// A key of an object that names something (a condition): safe as a name.
    package func checkName(_ name: String) throws {
        if let problem = SafeName.problem(name) {
            throw FormatError("\(path.isEmpty ? "object" : "'\(path)'"): name '\(SafeName.printable(name))' \(problem)", key: path.split(separator: ".").last.map(String.init))
        }
    }

    package func string(_ key: String) throws -> String? {
        guard let v = present(key) else { return nil }
        guard case .string(let s) = v else { throw wrong(key, "a string", v) }
        return s
    }
    package func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw missing(key) }
        return s
    }
    func double(_ key: String) throws -> Double? {
        guard let v = present(key) else { return nil }
        switch v {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        default: throw wrong(key, "a number", v)
        }
    }
    func requiredDouble(_ key: String) throws -> Double {
        guard let d = try double(key) else { throw missing(key) }
        return d
    }
    package func int(_ key: String) throws -> Int? {
        guard let v = present(key) else { return nil }
        switch v {
        case .integer(let i): return i
        case .number(let d) where d.isFinite && d == d.rounded() && abs(d) < 9e15: return Int(d)
        default: throw wrong(key, "an integer", v)
        }
    }
    func requiredInt(_ key: String) throws -> Int {
        guard let i = try int(key) else { throw missing(key) }
        return i
    }
    package func bool(_ key: String) throws -> Bool? {
        guard let v = present(key) else { return nil }
        guard case .bool(let b) = v else { throw wrong(key, "true or false", v) }
        return b
    }
    package func requiredBool(_ key: String) throws -> Bool {
        guard let b = try bool(key) else { throw missing(key) }
        return b
    }
    package func array(_ key: String) throws -> [JSONValue]? {
        guard let v = present(key) else { return nil }
        guard case .array(let a) = v else { throw wrong(key, "an array", v) }
        return a
    }
    package func stringArray(_ key: String) throws -> [String]? {
        guard let a = try array(key) else { return nil }
        return try a.enumerated().map { i, v in
            guard case .string(let s) = v else { throw FormatError("field \(field(key))[\(i)]: expected a string, got \(v.typeName)") }
            return s
        }
    }
    package func object(_ key: String) throws -> JSONObjectReader? {
        guard let v = present(key) else { return nil }
        guard case .object = v else { throw wrong(key, "an object", v) }
        return try JSONObjectReader(v, path: path.isEmpty ? key : "\(path).\(key)")
    }
}
