import Foundation
import LabeilleCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The operating system (/etc/os-release) and the host `python3` on PATH.
extension SystemProfiler {
    /// PRETTY_NAME from /etc/os-release (falls back to /usr/lib/os-release); one pair of matching
    /// quotes stripped.
    static func osReleasePrettyName() -> String? {
        guard let text = readText("/etc/os-release") ?? readText("/usr/lib/os-release") else { return nil }
        return parseOSRelease(text)["PRETTY_NAME"]
    }

    static func parseOSRelease(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq])
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            result[key] = value
        }
        return result
    }

    // MARK: - Host python3

    static func hostPython() -> (version: String, implementation: String)? {
        var env = ProcessInfo.processInfo.environment
        env["PYTHONHOME"] = nil
        env["PYTHONPATH"] = nil
        guard let exe = ExecutableLookup.find("python3", searchPath: env["PATH"]) else { return nil }
        let script = "import platform; print(platform.python_version()); print(platform.python_implementation())"
        guard let r = try? SpawningExecutor().run(ProcessRequest([exe, "-c", script], environment: env, output: .captured, timeout: 10)),
              r.exitCode == 0 else { return nil }
        let lines = r.outputText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= 2 else { return nil }
        return (lines[lines.count - 2], lines[lines.count - 1])
    }
}
