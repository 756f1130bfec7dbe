import Foundation
import LabeilleCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The filesystem holding the work directory: its device (rotational or not) and free space.
extension SystemProfiler {
    /// `path` if it is an existing directory, else its nearest existing ancestor; "/" for nil.
    static func existingDirectory(_ path: String?) -> String {
        guard let path, !path.isEmpty else { return "/" }
        var url = URL(fileURLWithPath: path).standardizedFileURL
        for _ in 0..<256 {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) {
                return isDir.boolValue ? url.path : url.deletingLastPathComponent().path
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { break }
            url = parent
        }
        return "/"
    }

    static func devMajor(_ dev: UInt64) -> UInt64 { ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)) }
    static func devMinor(_ dev: UInt64) -> UInt64 { (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)) }

    /// "ssd" / "hdd" from the `queue/rotational` flag of the block device holding `path`; "unknown"
    /// for tmpfs/overlay/network filesystems or when sysfs is not readable.
    ///
    /// The device is `st_dev` of the path; when that is an anonymous device (major 0: btrfs,
    /// overlay, tmpfs, NFS…) the mount source from /proc/self/mountinfo is used if it is a /dev node.
    static func diskType(path: String) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { return "unknown" }
        var dev = UInt64(st.st_dev)
        if devMajor(dev) == 0 {
            guard let source = mountSource(for: path), source.hasPrefix("/dev/") else { return "unknown" }
            var sst = stat()
            guard stat(source, &sst) == 0, (sst.st_mode & S_IFMT) == S_IFBLK else { return "unknown" }
            dev = UInt64(sst.st_rdev)
        }
        return rotationalType(major: devMajor(dev), minor: devMinor(dev))
    }

    static func rotationalType(major: UInt64, minor: UInt64) -> String {
        let link = "/sys/dev/block/\(major):\(minor)"
        let resolved = URL(fileURLWithPath: link).resolvingSymlinksInPath()
        // A partition's sysfs directory has a `partition` file and lives inside its disk's directory.
        var diskDir = resolved
        if FileManager.default.fileExists(atPath: resolved.appendingPathComponent("partition").path) {
            diskDir = resolved.deletingLastPathComponent()
        }
        for dir in [diskDir, resolved] {
            if let flag = readTrimmed(dir.appendingPathComponent("queue/rotational").path) {
                return flag == "1" ? "hdd" : flag == "0" ? "ssd" : "unknown"
            }
        }
        return "unknown"
    }

    /// Mount source (e.g. `/dev/sda2`) of the mount containing `path`, from /proc/self/mountinfo.
    static func mountSource(for path: String) -> String? {
        guard let text = readText("/proc/self/mountinfo") else { return nil }
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var best: (len: Int, source: String)?
        for line in text.split(separator: "\n") {
            // id parent maj:min root mountpoint options [optional...] - fstype source superoptions
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { continue }
            let mountPoint = unescapeMountField(fields[4])
            let matches = mountPoint == "/" || target == mountPoint || target.hasPrefix(mountPoint + "/")
            guard matches else { continue }
            // Later entries stack on top of earlier ones at the same mount point.
            if best == nil || mountPoint.count >= best!.len {
                best = (mountPoint.count, unescapeMountField(fields[dash + 2]))
            }
        }
        return best?.source
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo octal.
    static func unescapeMountField(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), i + 3 < u.count {
                let digits = u[(i + 1)...(i + 3)]
                if let v = UInt8(String(decoding: digits, as: UTF8.self), radix: 8) {
                    bytes.append(v)
                    i += 4
                    continue
                }
            }
            bytes.append(u[i])
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// statvfs available blocks × fragment size, GiB.
    static func diskAvailableGB(path: String) -> Double? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return Double(s.f_bavail) * Double(s.f_frsize) / 1024.0 / 1024.0 / 1024.0
    }
}
