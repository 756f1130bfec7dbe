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

    // MARK: - Formatting helpers

    static func round2(_ v: Double) -> Double { (v * 100).rounded() / 100 }
    static func f1(_ v: Double) -> String { String(format: "%.1f", v) }
    static func f2(_ v: Double) -> String { String(format: "%.2f", v) }
}
