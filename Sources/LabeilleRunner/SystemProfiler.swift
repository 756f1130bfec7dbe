// System characterisation for `bench run` / `bench system`: the system profile, the stability check and the
// per-iteration snapshots.
//
// Linux only (everything is read from /proc, /sys, /etc/os-release, uname() and statvfs()); on
// other platforms the probes fail and the defaults of `SystemProfile` stay. Every probe is best
// effort: a failure leaves that field at its default and never throws.
//
// Differences from the Python harness:
// * cpu_cores_logical is the number of CPUs this process may run on (its affinity mask), not the
//   online count; cpu_cores_physical counts distinct cores among those usable CPUs.
// * cpu_model falls back to "CPU implementer"/"CPU part" on aarch64 (no `model name` there).
// * cpu_freq_mhz is the mean `cpu MHz` over the usable CPUs (not one cpu0 sample);
//   cpu_freq_max_mhz is the highest `cpuinfo_max_freq` among them.
// * disk_type / disk_available_gb describe the filesystem holding the work directory (the original
//   described `/`, wherever the benchmarks ran).
// * host_python_* describe the host `python3` found on PATH, not the benchmarked interpreters
//   (those are in `python_profiles`); the original filled them with its own harness interpreter.
// * The stability check is relative to the usable core count, uses available/total RAM, and also
//   looks at pressure stall information (PSI) when the kernel provides it.


import Foundation
import LabeilleCore
import LabeilleStats
import LabeilleStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A cheap point-in-time sample taken before/after each iteration.
public struct SystemSnapshot: Equatable, Sendable {
    /// 1-minute load average, rounded to 2 dp; 0.0 when unreadable.
    public var loadAvg1m: Double
    /// MemAvailable in GiB, rounded to 2 dp; 0.0 when unreadable.
    public var ramAvailableGB: Double
    /// `some avg10` of /proc/pressure/cpu (percent of the last 10 s in which at least one runnable
    /// task was waiting for a CPU); nil when PSI is unavailable.
    public var cpuPressureSome10: Double?
    /// `some avg10` of /proc/pressure/memory (percent of time stalled on memory); nil when unavailable.
    public var memoryPressureSome10: Double?
    /// CLOCK_MONOTONIC seconds at the time of the sample.
    public var monotonicSeconds: Double

    public init(loadAvg1m: Double = 0.0, ramAvailableGB: Double = 0.0, cpuPressureSome10: Double? = nil,
                memoryPressureSome10: Double? = nil, monotonicSeconds: Double = 0.0) {
        self.loadAvg1m = loadAvg1m
        self.ramAvailableGB = ramAvailableGB
        self.cpuPressureSome10 = cpuPressureSome10
        self.memoryPressureSome10 = memoryPressureSome10
        self.monotonicSeconds = monotonicSeconds
    }
}

public enum SystemProfiler {

    // MARK: - Full profile

    /// Captures the system profile (with the differences from the Python harness listed at the top).
    ///
    /// - Parameter workDirectory: directory whose filesystem the benchmarks use (repos, venvs);
    ///   disk type and free space are reported for it. nil (or a path whose existing ancestor is
    ///   unusable) means "/". A path that does not exist yet is resolved to its nearest existing ancestor.
    ///
    /// `hostPythonVersion`/`hostPythonImplementation` are those of the host `python3` on PATH
    /// (they stay "" when there is none) — they are kept for format compatibility with the Python
    /// harness, where they described the harness's own interpreter. Benchmarked interpreters
    /// are described by `PythonProber.probe`.
    public static func capture(workDirectory: String?) -> SystemProfile {
        var p = SystemProfile()
        p.timestamp = UTCTimestamp.iso8601()

        if let u = unameFields() {
            p.osName = u.sysname
            p.osKernelVersion = u.release
            p.cpuArchitecture = u.machine
            p.hostname = u.nodename
        }

        // CPUs
        let allowed = usableCPUs()
        let cpuinfo = readText("/proc/cpuinfo").map(parseCPUInfo)
        let logical = allowed?.count ?? onlineCPUCount()
        if logical > 0 { p.cpuCoresLogical = logical }
        if let info = cpuinfo, let model = cpuModel(from: info) { p.cpuModel = model }
        if let phys = physicalCoreCount(allowed: allowed, cpuinfo: cpuinfo) {
            p.cpuCoresPhysical = phys
        } else if cpuinfo != nil {
            p.cpuCoresPhysical = p.cpuCoresLogical
        }
        p.cpuFreqMHz = currentFrequencyMHz(cpuinfo: cpuinfo ?? [], allowed: allowed)
        p.cpuFreqMaxMHz = maxFrequencyMHz(allowed: allowed)

        // Memory
        if let mem = meminfo() {
            if let t = mem["MemTotal"] { p.ramTotalGB = Double(t) / 1024.0 / 1024.0 }
            if let a = mem["MemAvailable"] { p.ramAvailableGB = Double(a) / 1024.0 / 1024.0 }
            if let s = mem["SwapTotal"] { p.swapTotalGB = Double(s) / 1024.0 / 1024.0 }
        }

        // OS
        if let pretty = osReleasePrettyName() {
            p.osDistro = pretty
        } else if !p.osName.isEmpty {
            p.osDistro = "\(p.osName) \(p.osKernelVersion)"
        }

        // Host python3
        if let host = hostPython() {
            p.hostPythonVersion = host.version
            p.hostPythonImplementation = host.implementation
        }

        // Load
        if let la = loadAverage() {
            p.loadAvg1m = round2(la.one)
            p.loadAvg5m = round2(la.five)
            p.loadAvg15m = round2(la.fifteen)
            if let r = la.running { p.runningProcesses = r }
        }
        if p.runningProcesses == 0, let r = procsRunningFromStat() { p.runningProcesses = r }

        // Disk of the work directory
        let dir = existingDirectory(workDirectory)
        p.diskType = diskType(path: dir)
        if let avail = diskAvailableGB(path: dir) { p.diskAvailableGB = (avail * 10).rounded() / 10 }
        return p
    }

    // MARK: - Snapshot and stability

    /// Point-in-time load, available RAM and PSI (PSI shows per-iteration noise the lagging load average
    /// misses).
    public static func snapshot() -> SystemSnapshot {
        var s = SystemSnapshot()
        s.monotonicSeconds = MonotonicClock.seconds()
        if let la = loadAverage() { s.loadAvg1m = round2(la.one) }
        if let a = meminfo()?["MemAvailable"] { s.ramAvailableGB = round2(Double(a) / 1024.0 / 1024.0) }
        s.cpuPressureSome10 = pressureSomeAvg10("cpu")
        s.memoryPressureSome10 = pressureSomeAvg10("memory")
        return s
    }

    /// Human-readable reasons why the machine is currently too noisy to benchmark; empty when stable.
    ///
    /// * 1-minute load average divided by the number of CPUs this process may use (affinity mask)
    ///   above `maxLoadPerCore`;
    /// * MemAvailable below `minAvailableRAMFraction` of MemTotal;
    /// * PSI `some avg10` (percent of the last 10 s with at least one task stalled) above
    ///   `maxCPUPressure` / `maxMemoryPressure`, only where /proc/pressure exists.
    ///
    /// Metrics that cannot be read are skipped (they are not evidence of instability), so a
    /// caller waiting for stability cannot loop forever on a system without /proc.
    public static func stabilityIssues(maxLoadPerCore: Double = 0.5, minAvailableRAMFraction: Double = 0.1,
                                       maxCPUPressure: Double = 10.0, maxMemoryPressure: Double = 5.0) -> [String] {
        let mem = meminfo()
        return stabilityIssues(
            loadAvg1m: loadAverage()?.one,
            usableCPUs: usableCPUs()?.count ?? onlineCPUCount(),
            ramAvailableGB: mem?["MemAvailable"].map { Double($0) / 1024.0 / 1024.0 },
            ramTotalGB: mem?["MemTotal"].map { Double($0) / 1024.0 / 1024.0 },
            cpuPressureSome10: pressureSomeAvg10("cpu"),
            memoryPressureSome10: pressureSomeAvg10("memory"),
            maxLoadPerCore: maxLoadPerCore,
            minAvailableRAMFraction: minAvailableRAMFraction,
            maxCPUPressure: maxCPUPressure,
            maxMemoryPressure: maxMemoryPressure)
    }

    /// The pure decision behind `stabilityIssues()`, for callers with their own readings (and tests).
    /// nil readings are skipped.
    public static func stabilityIssues(
        loadAvg1m: Double?, usableCPUs: Int, ramAvailableGB: Double?, ramTotalGB: Double?,
        cpuPressureSome10: Double?, memoryPressureSome10: Double?,
        maxLoadPerCore: Double = 0.5, minAvailableRAMFraction: Double = 0.1,
        maxCPUPressure: Double = 10.0, maxMemoryPressure: Double = 5.0
    ) -> [String] {
        var issues: [String] = []
        if let load = loadAvg1m {
            let cores = max(usableCPUs, 1)
            let perCore = load / Double(cores)
            if perCore > maxLoadPerCore {
                issues.append(
                    "1-minute load average is \(f2(load)) on \(cores) usable CPU\(cores == 1 ? "" : "s") "
                        + "(\(f2(perCore)) per CPU, threshold \(f2(maxLoadPerCore))). "
                        + "System is under load — benchmark results will be unreliable.")
            }
        }
        if let avail = ramAvailableGB, let total = ramTotalGB, total > 0 {
            let fraction = avail / total
            if fraction < minAvailableRAMFraction {
                issues.append(
                    "Available RAM is \(f1(avail)) GB of \(f1(total)) GB (\(f1(fraction * 100))%, "
                        + "minimum \(f1(minAvailableRAMFraction * 100))%). "
                        + "Low memory may cause swapping and unreliable timings.")
            }
        }
        if let cpu = cpuPressureSome10, cpu > maxCPUPressure {
            issues.append(
                "CPU pressure is high: tasks waited for a CPU \(f1(cpu))% of the last 10 s "
                    + "(threshold \(f1(maxCPUPressure))%).")
        }
        if let memP = memoryPressureSome10, memP > maxMemoryPressure {
            issues.append(
                "Memory pressure is high: tasks stalled on memory \(f1(memP))% of the last 10 s "
                    + "(threshold \(f1(maxMemoryPressure))%).")
        }
        return issues
    }

    /// Informational notes about things that commonly add benchmark noise and that the
    /// `SystemProfile` record has no field for: container/VM, cgroup CPU/memory limits, CPU
    /// frequency governor and boost, SMT. Meant for the run log; empty when nothing notable is found.
    public static func environmentNotes() -> [String] {
        var notes: [String] = []
        if let c = containerKind() { notes.append("Running inside a container (\(c)).") }
        if let info = readText("/proc/cpuinfo"), info.contains(" hypervisor") {
            var vendor = ""
            if let v = readTrimmed("/sys/class/dmi/id/sys_vendor"), !v.isEmpty { vendor = " (\(v))" }
            notes.append("Running in a virtual machine\(vendor); expect steal time and frequency noise.")
        }
        if let quota = cgroupCPUQuota() {
            notes.append("cgroup CPU quota: \(f2(quota)) CPUs.")
        }
        if let limit = cgroupMemoryLimitBytes() {
            notes.append("cgroup memory limit: \(f1(Double(limit) / 1024 / 1024 / 1024)) GB.")
        }
        let cpus = usableCPUs() ?? []
        var governors = Set<String>()
        for c in cpus {
            if let g = readTrimmed("/sys/devices/system/cpu/cpu\(c)/cpufreq/scaling_governor") { governors.insert(g) }
        }
        if !governors.isEmpty && governors != ["performance"] {
            notes.append("CPU frequency governor: \(governors.sorted().joined(separator: ", ")) (not 'performance').")
        }
        if readTrimmed("/sys/devices/system/cpu/intel_pstate/no_turbo") == "0"
            || readTrimmed("/sys/devices/system/cpu/cpufreq/boost") == "1" {
            notes.append("CPU turbo/boost is enabled.")
        }
        if readTrimmed("/sys/devices/system/cpu/smt/active") == "1" {
            notes.append("SMT (hyper-threading) is active.")
        }
        return notes
    }

    // MARK: - Time


    // MARK: - Files

    static func readText(_ path: String) -> String? {
        // /proc files report st_size 0; Foundation reads them fully anyway, so never size a buffer from stat.
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func readTrimmed(_ path: String) -> String? {
        readText(path)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - uname

    struct UnameFields { var sysname, nodename, release, machine: String }

    static func unameFields() -> UnameFields? {
        var u = utsname()
        guard uname(&u) == 0 else { return nil }
        func s<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return UnameFields(sysname: s(u.sysname), nodename: s(u.nodename), release: s(u.release), machine: s(u.machine))
    }

    // MARK: - CPUs

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

    // MARK: - Memory, load, PSI

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

    // MARK: - OS

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

    // MARK: - Disk

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

    // MARK: - Containers and cgroups (environmentNotes)

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

    // MARK: - Formatting helpers

    static func round2(_ v: Double) -> Double { (v * 100).rounded() / 100 }
    static func f1(_ v: Double) -> String { String(format: "%.1f", v) }
    static func f2(_ v: Double) -> String { String(format: "%.2f", v) }
}
