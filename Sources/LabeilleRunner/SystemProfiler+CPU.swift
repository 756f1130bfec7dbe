import Foundation
import LabeilleCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The CPUs this process may use: their model, physical cores and frequencies, from /proc/cpuinfo and /sys.
extension SystemProfiler {
    /// Parses a kernel CPU list such as `0-3,8,10-11`.
    static func parseCPUList(_ text: String) -> [Int]? {
        var result: [Int] = []
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [] }
        for part in trimmed.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 1, let v = Int(bounds[0].trimmingCharacters(in: .whitespaces)) {
                result.append(v)
            } else if bounds.count == 2, let lo = Int(bounds[0].trimmingCharacters(in: .whitespaces)),
                      let hi = Int(bounds[1].trimmingCharacters(in: .whitespaces)), lo <= hi {
                result.append(contentsOf: lo...hi)
            } else {
                return nil
            }
        }
        return result
    }

    /// CPUs in this process's affinity mask (`Cpus_allowed_list` of /proc/self/status), sorted.
    static func usableCPUs() -> [Int]? {
        guard let status = readText("/proc/self/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed_list:") {
            let value = line.dropFirst("Cpus_allowed_list:".count)
            if let list = parseCPUList(String(value)), !list.isEmpty { return Array(Set(list)).sorted() }
        }
        return nil
    }

    static func onlineCPUCount() -> Int {
        #if os(Linux)
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        #else
        let n = sysconf(_SC_NPROCESSORS_ONLN)
        #endif
        return n > 0 ? Int(n) : 0
    }

    /// /proc/cpuinfo split into blocks (one per processor on x86/arm; blank-line separated),
    /// each an ordered list of (key, value).
    static func parseCPUInfo(_ text: String) -> [[(key: String, value: String)]] {
        var blocks: [[(key: String, value: String)]] = []
        var current: [(key: String, value: String)] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                if !current.isEmpty { blocks.append(current); current = [] }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            current.append((key, value))
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks
    }

    static func firstValue(_ blocks: [[(key: String, value: String)]], _ key: String) -> String? {
        for b in blocks { for kv in b where kv.key == key && !kv.value.isEmpty { return kv.value } }
        return nil
    }

    /// `model name`; on aarch64 "<implementer> <part>" from `CPU implementer` / `CPU part`;
    /// other architectures' model-ish keys as a last resort.
    static func cpuModel(from blocks: [[(key: String, value: String)]]) -> String? {
        if let m = firstValue(blocks, "model name") { return m }
        if let impl = firstValue(blocks, "CPU implementer") {
            let implCode = Int(impl.hasPrefix("0x") ? String(impl.dropFirst(2)) : impl, radix: 16)
            let partText = firstValue(blocks, "CPU part")
            let partCode = partText.flatMap { Int($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) }
            let vendor = implCode.flatMap { armImplementers[$0] }
            let part = (implCode != nil && partCode != nil) ? armParts[implCode! << 16 | partCode!] : nil
            switch (vendor, part) {
            case let (v?, p?): return "\(v) \(p)"
            case let (v?, nil): return partText.map { "\(v) (part \($0))" } ?? v
            default: return "ARM implementer \(impl)" + (partText.map { " part \($0)" } ?? "")
            }
        }
        for key in ["cpu model", "uarch", "cpu", "vendor_id", "Hardware"] {
            if let v = firstValue(blocks, key) { return v }
        }
        return nil
    }

    static let armImplementers: [Int: String] = [
        0x41: "ARM", 0x42: "Broadcom", 0x43: "Cavium", 0x46: "Fujitsu", 0x48: "HiSilicon",
        0x4e: "NVIDIA", 0x50: "APM", 0x51: "Qualcomm", 0x53: "Samsung", 0x61: "Apple",
        0x6d: "Microsoft", 0x70: "Phytium", 0xc0: "Ampere",
    ]

    /// (implementer << 16 | part) → core name, for the common server/SBC cores.
    static let armParts: [Int: String] = [
        0x41 << 16 | 0xd03: "Cortex-A53", 0x41 << 16 | 0xd04: "Cortex-A35", 0x41 << 16 | 0xd05: "Cortex-A55",
        0x41 << 16 | 0xd07: "Cortex-A57", 0x41 << 16 | 0xd08: "Cortex-A72", 0x41 << 16 | 0xd09: "Cortex-A73",
        0x41 << 16 | 0xd0a: "Cortex-A75", 0x41 << 16 | 0xd0b: "Cortex-A76", 0x41 << 16 | 0xd0c: "Neoverse-N1",
        0x41 << 16 | 0xd0d: "Cortex-A77", 0x41 << 16 | 0xd40: "Neoverse-V1", 0x41 << 16 | 0xd41: "Cortex-A78",
        0x41 << 16 | 0xd44: "Cortex-X1", 0x41 << 16 | 0xd46: "Cortex-A510", 0x41 << 16 | 0xd47: "Cortex-A710",
        0x41 << 16 | 0xd48: "Cortex-X2", 0x41 << 16 | 0xd49: "Neoverse-N2", 0x41 << 16 | 0xd4f: "Neoverse-V2",
        0x41 << 16 | 0xd80: "Cortex-A520", 0x41 << 16 | 0xd81: "Cortex-A720", 0x41 << 16 | 0xd82: "Cortex-X4",
        0x41 << 16 | 0xd84: "Neoverse-V3", 0x41 << 16 | 0xd8e: "Neoverse-N3",
        0xc0 << 16 | 0xac3: "Ampere-1", 0xc0 << 16 | 0xac4: "Ampere-1a",
        0x48 << 16 | 0xd01: "Kunpeng-920", 0x4e << 16 | 0x004: "Carmel",
    ]

    /// Distinct physical cores among the usable CPUs: distinct `topology/core_cpus_list`
    /// (or `thread_siblings_list`) values in sysfs; else distinct (`physical id`, `core id`)
    /// pairs of the usable processors in /proc/cpuinfo; nil when neither is available.
    static func physicalCoreCount(allowed: [Int]?, cpuinfo: [[(key: String, value: String)]]?) -> Int? {
        if let cpus = allowed, !cpus.isEmpty {
            var cores = Set<String>()
            var complete = true
            for c in cpus {
                let base = "/sys/devices/system/cpu/cpu\(c)/topology/"
                if let s = readTrimmed(base + "core_cpus_list") ?? readTrimmed(base + "thread_siblings_list"), !s.isEmpty {
                    let pkg = readTrimmed(base + "physical_package_id") ?? ""
                    cores.insert(pkg + "/" + s)
                } else {
                    complete = false
                    break
                }
            }
            if complete && !cores.isEmpty { return cores.count }
        }
        guard let blocks = cpuinfo else { return nil }
        let allowedSet = allowed.map(Set.init)
        var pairs = Set<String>()
        var physicalID = ""
        var processor: Int?
        for block in blocks {
            for kv in block {
                switch kv.key {
                case "processor": processor = Int(kv.value)
                case "physical id": physicalID = kv.value
                case "core id":
                    if let set = allowedSet, let p = processor, !set.contains(p) { continue }
                    pairs.insert(physicalID + ":" + kv.value)
                default: break
                }
            }
        }
        return pairs.isEmpty ? nil : pairs.count
    }

    /// Mean `cpu MHz` over the usable processors in /proc/cpuinfo; else mean `scaling_cur_freq`
    /// (kHz) of the usable CPUs; nil when neither exists (e.g. aarch64 VMs). Rounded to 1 dp.
    static func currentFrequencyMHz(cpuinfo blocks: [[(key: String, value: String)]], allowed: [Int]?) -> Double? {
        let allowedSet = allowed.map(Set.init)
        var values: [Double] = []
        var processor: Int?
        for block in blocks {
            for kv in block {
                if kv.key == "processor" { processor = Int(kv.value) }
                if kv.key == "cpu MHz", let v = Double(kv.value) {
                    if let set = allowedSet, let p = processor, !set.contains(p) { continue }
                    values.append(v)
                }
            }
        }
        if values.isEmpty {
            for c in allowed ?? [0] {
                if let s = readTrimmed("/sys/devices/system/cpu/cpu\(c)/cpufreq/scaling_cur_freq"), let k = Double(s) {
                    values.append(k / 1000.0)
                }
            }
        }
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean * 10).rounded() / 10
    }

    /// Highest `cpuinfo_max_freq` (else `scaling_max_freq`) among the usable CPUs, in MHz.
    static func maxFrequencyMHz(allowed: [Int]?) -> Double? {
        var best: Double?
        for c in allowed ?? [0] {
            let base = "/sys/devices/system/cpu/cpu\(c)/cpufreq/"
            if let s = readTrimmed(base + "cpuinfo_max_freq") ?? readTrimmed(base + "scaling_max_freq"),
               let k = Double(s), k > 0 {
                best = max(best ?? 0, k / 1000.0)
            }
        }
        return best
    }
}
