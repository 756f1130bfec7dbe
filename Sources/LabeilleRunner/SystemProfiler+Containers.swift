import Foundation
import LabeilleCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Containers and cgroup limits, for the environment notes of the stability check.
extension SystemProfiler {
    static func containerKind() -> String? {
        if FileManager.default.fileExists(atPath: "/.dockerenv") { return "docker" }
        if FileManager.default.fileExists(atPath: "/run/.containerenv") { return "podman" }
        if let env = readText("/proc/1/environ"), env.contains("container=") {
            for part in env.split(separator: "\0") where part.hasPrefix("container=") {
                return String(part.dropFirst("container=".count))
            }
        }
        if let cg = readText("/proc/1/cgroup") {
            for marker in ["docker", "kubepods", "containerd", "lxc"] where cg.contains(marker) { return marker }
        }
        return nil
    }

    /// This process's cgroup directory for a controller ("" = cgroup v2 unified).
    static func cgroupPath(controller: String) -> String? {
        guard let text = readText("/proc/self/cgroup") else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let controllers = parts[1].split(separator: ",").map(String.init)
            if controller.isEmpty ? (parts[0] == "0" && parts[1].isEmpty) : controllers.contains(controller) {
                return String(parts[2])
            }
        }
        return nil
    }

    /// CPU bandwidth limit in CPUs (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`).
    static func cgroupCPUQuota() -> Double? {
        if let p = cgroupPath(controller: ""),
           let text = readTrimmed("/sys/fs/cgroup\(p == "/" ? "" : p)/cpu.max") {
            let f = text.split(separator: " ")
            if f.count == 2, let q = Double(f[0]), let per = Double(f[1]), per > 0 { return q / per }
        }
        if let p = cgroupPath(controller: "cpu") {
            for root in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] {
                let dir = root + (p == "/" ? "" : p)
                if let q = readTrimmed(dir + "/cpu.cfs_quota_us").flatMap(Double.init),
                   let per = readTrimmed(dir + "/cpu.cfs_period_us").flatMap(Double.init), q > 0, per > 0 {
                    return q / per
                }
            }
        }
        return nil
    }

    /// Memory limit in bytes (cgroup v2 `memory.max`, v1 `memory.limit_in_bytes`), when below MemTotal.
    static func cgroupMemoryLimitBytes() -> UInt64? {
        var limit: UInt64?
        if let p = cgroupPath(controller: ""),
           let text = readTrimmed("/sys/fs/cgroup\(p == "/" ? "" : p)/memory.max"), let v = UInt64(text) {
            limit = v
        } else if let p = cgroupPath(controller: "memory"),
                  let text = readTrimmed("/sys/fs/cgroup/memory\(p == "/" ? "" : p)/memory.limit_in_bytes"),
                  let v = UInt64(text) {
            limit = v
        }
        guard let l = limit, let totalKiB = meminfo()?["MemTotal"], l < UInt64(totalKiB) * 1024 else { return nil }
        return l
    }
}
