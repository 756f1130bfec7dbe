import Foundation
import LabeilleCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Memory, load average and pressure stall information, from /proc.
extension SystemProfiler {
    /// /proc/meminfo values in KiB.
    static func meminfo() -> [String: Int]? {
        guard let text = readText("/proc/meminfo") else { return nil }
        var result: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            let rest = line[line.index(after: colon)...].split(separator: " ")
            if let first = rest.first, let v = Int(first) { result[key] = v }
        }
        return result.isEmpty ? nil : result
    }

    struct LoadAverage { var one, five, fifteen: Double; var running: Int? }

    /// /proc/loadavg: `1.24 1.67 1.74 2/89 <lastpid>`; falls back to getloadavg().
    static func loadAverage() -> LoadAverage? {
        if let text = readText("/proc/loadavg") {
            let f = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if f.count >= 3, let a = Double(f[0]), let b = Double(f[1]), let c = Double(f[2]) {
                var running: Int?
                if f.count >= 4, let slash = f[3].firstIndex(of: "/") { running = Int(f[3][..<slash]) }
                return LoadAverage(one: a, five: b, fifteen: c, running: running)
            }
        }
        var l = [Double](repeating: 0, count: 3)
        if getloadavg(&l, 3) == 3 { return LoadAverage(one: l[0], five: l[1], fifteen: l[2], running: nil) }
        return nil
    }

    static func procsRunningFromStat() -> Int? {
        guard let text = readText("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("procs_running ") {
            return Int(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    /// `some avg10=` of /proc/pressure/<resource>.
    static func pressureSomeAvg10(_ resource: String) -> Double? {
        guard let text = readText("/proc/pressure/\(resource)") else { return nil }
        return parsePressureSomeAvg10(text)
    }

    static func parsePressureSomeAvg10(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("some ") {
            for field in line.split(separator: " ") where field.hasPrefix("avg10=") {
                return Double(field.dropFirst("avg10=".count))
            }
        }
        return nil
    }
}
