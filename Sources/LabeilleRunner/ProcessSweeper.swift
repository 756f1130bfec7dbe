import CSpawn
import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

/// Finds and ends processes that a benchmark left behind. Every spawned process gets two marks in its
/// environment, which its descendants inherit even when they leave the process group (`setsid`,
/// `start_new_session=True`, a double fork): the spawn's own token, ended when that spawn's direct child
/// has exited, and the harness's token (pid and start time), so that a later `bench run` can end what a
/// harness killed with `kill -9` left running.
public enum ProcessSweeper {
    /// Environment variable marking every process of one spawn.
    public static let spawnVariable = "LABEILLE_BENCH_SPAWN"
    /// Environment variable marking every process started by one harness.
    public static let harnessVariable = "LABEILLE_BENCH_HARNESS"

    /// `pid:starttime` of this process: a pid alone could be reused by an unrelated process.
    public static let harnessToken: String = "\(getpid()):\(startTime(of: getpid()) ?? 0)"

    /// A token unique to one spawn of this process.
    static func newSpawnToken() -> String {
        "\(getpid()).\(MonotonicClock.nanoseconds()).\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Makes this process the reaper of its orphaned descendants (Linux), so the processes it ends are
    /// reaped here instead of lingering under init.
    public static func becomeSubreaper() { lb_become_subreaper() }

    /// SIGKILLs every process carrying `spawnVariable=token` and reaps those that are our children.
    /// Returns how many of them had left process group `group` (the others were already sent SIGKILL
    /// with the group).
    @discardableResult
    static func endSpawn(token: String, group: Int32) -> Int {
        endMatching(outsideGroup: group) { $0 == spawnVariable ? $1 == token : false }
    }

    /// Ends processes left by harnesses that no longer run (killed with SIGKILL or a power cut before they
    /// could clean up). Returns how many were ended.
    @discardableResult
    public static func endLeftoversOfDeadHarnesses() -> Int {
        endMatching { name, value in
            guard name == harnessVariable, value != harnessToken else { return false }
            let parts = value.split(separator: ":")
            guard parts.count == 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else { return false }
            return startTime(of: pid) != start  // the harness is gone (or its pid now belongs to another process)
        }
    }

    /// Kills (SIGKILL) every other process whose environment has a variable accepted by `matches`.
    static func endMatching(outsideGroup group: Int32 = 0, _ matches: (Substring, Substring) -> Bool) -> Int {
        var ended: [Int32] = []
        var counted = Set<Int32>()
        // Killed processes may have forked meanwhile: repeat until a pass finds nothing (bounded).
        for _ in 0..<5 {
            var found = false
            for pid in allPIDs() where pid != getpid() {
                guard let env = environment(of: pid), env.contains(where: { matches($0.0, $0.1) }) else { continue }
                let outside = getpgid(pid) != group
                if kill(pid, SIGKILL) == 0 {
                    ended.append(pid)
                    found = true
                    if outside { counted.insert(pid) }
                }
            }
            if !found { break }
        }
        var status: Int32 = 0
        for pid in ended { _ = waitpid(pid, &status, WNOHANG) }  // our children (as subreaper) only
        return counted.count
    }

    static func allPIDs() -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { Int32($0) }
    }

    /// The environment a process started with, as (name, value) pairs; nil when unreadable.
    static func environment(of pid: Int32) -> [(Substring, Substring)]? {
        let fd = open("/proc/\(pid)/environ", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while bytes.count < 1 << 20 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        // Only the two variables matter: skip decoding environments without our prefix.
        guard let text = String(bytes: bytes, encoding: .utf8), text.contains("LABEILLE_BENCH_") else { return [] }
        return text.split(separator: "\0").compactMap { entry in
            guard let eq = entry.firstIndex(of: "=") else { return nil }
            return (entry[..<eq], entry[entry.index(after: eq)...])
        }
    }

    /// Field 22 of /proc/PID/stat (start time in clock ticks since boot); nil when the process is gone.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command come state (field 3) … starttime (field 22): index 19 here.
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
